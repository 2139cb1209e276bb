//! Both languages of the docs. Fixture pages we wrote ourselves
//! (`tests/fixtures/languages/{en,ru}`), one method each in English and in
//! Russian with the same facts, must give the same spec but for the URL's
//! site; the Russian specs are insta snapshots. A corpus the extractor does
//! not understand is an error, not empty specs.
//!
//! With the Russian docs beside the checkout (`../shared/bitrix24-docs-ru`,
//! or `$BITRIX24_DOCS_RU`), `russian_corpus_agrees_with_english_specs`
//! extracts them and compares every method with the committed English
//! `specs/` (parameters: names and required flags; errors: code, field and
//! status): at least 98% must agree on each. Skipped, with the reason
//! printed, when that corpus is absent:
//!
//! `cargo test --release -p xtask --test languages -- --nocapture`

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use indicatif::ProgressBar;
use xtask::extract::Lang;
use xtask::regen;
use xtask::source::markdown::render_page;
use xtask::source::Page;
use xtask::spec::io as spec_io;
use xtask::spec::{to_pretty_json, MethodSpec};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/languages")
}

/// The fixture pages of one language, rendered from their Markdown.
fn pages(lang: &str) -> Vec<Page> {
    let root = fixtures().join(lang);
    let mut names: Vec<String> = std::fs::read_dir(&root)
        .expect("fixture folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let text = std::fs::read_to_string(root.join(&name)).expect("fixture page");
            let rel = format!("api-reference/example/{name}");
            Page {
                rel: rel.replace(".md", ".html"),
                html: render_page(&root, &rel, &text),
            }
        })
        .collect()
}

fn extract(lang: &str) -> regen::Extraction {
    regen::extract_pages(&pages(lang), &ProgressBar::hidden())
}

#[test]
fn russian_pages_give_the_english_specs() {
    let en = extract("en");
    let ru = extract("ru");
    assert_eq!(en.lang, Lang::En);
    assert_eq!(ru.lang, Lang::Ru);
    assert_eq!(en.specs.len(), 2);
    for (e, r) in en.specs.iter().zip(&ru.specs) {
        assert!(
            r.url.starts_with("https://apidocs.bitrix24.ru/"),
            "{}",
            r.url
        );
        assert!(
            e.url.starts_with("https://apidocs.bitrix24.com/"),
            "{}",
            e.url
        );
        let mut r = r.clone();
        r.url = e.url.clone();
        // An error's message is the server's text in the page's language
        // (the portal answers in its own): the rest must agree.
        let mut e = e.clone();
        for errors in [&mut e.errors, &mut r.errors] {
            for err in errors.iter_mut() {
                err.message = err.message.as_ref().map(|_| String::new());
            }
        }
        assert_eq!(to_pretty_json(&e), to_pretty_json(&r), "{}", e.method);
    }
    assert_eq!(en.system.errors, ru.system.errors);
    assert!(ru.system.url.starts_with("https://apidocs.bitrix24.ru/"));
}

#[test]
fn russian_specs() {
    let ru = extract("ru");
    for spec in &ru.specs {
        insta::assert_snapshot!(
            format!("ru_{}", spec.method.replace('.', "_")),
            to_pretty_json(spec)
        );
    }
    let update = &ru.specs[0];
    assert_eq!(update.method, "example.item.update");
    let required: Vec<(&str, bool)> = update
        .params
        .iter()
        .map(|p| (p.name.as_str(), p.required))
        .collect();
    assert_eq!(required, [("id", true), ("fields", true), ("mode", false)]);
    assert_eq!(
        update.params[1].fields.len(),
        2,
        "fields linked by #parametr-fields"
    );
    assert_eq!(update.params[2].values, ["replace", "merge"]);
    let version = &ru.specs[1];
    assert!(version.deprecated);
    assert!(version.params.is_empty() && version.diagnostics.is_empty());
    assert_eq!(version.errors[0].code.as_deref(), Some("VERSION_UNKNOWN"));
}

/// Pages in a language the extractor does not read: method pages (their
/// titles name methods) with no parameter or error read from any.
#[test]
fn a_corpus_not_understood_is_an_error() {
    let pages: Vec<Page> = (0..60)
        .map(|i| Page {
            rel: format!("api-reference/x/page-{i}.html"),
            html: format!(
                "<html><head><title>Obtener elemento x.item.get{i}</title></head><body><main>\
                 <h2 id=\"p\">Parámetros del método</h2><table><tr><td><p><strong>Nombre</strong></p></td>\
                 <td><p><strong>Descripción</strong></p></td></tr></table></main></body></html>"
            ),
        })
        .collect();
    let ex = regen::extract_pages(&pages, &ProgressBar::hidden());
    assert_eq!(ex.specs.len(), 60);
    let err = ex
        .check_understood()
        .expect_err("no params, no errors")
        .to_string();
    assert!(err.contains("not understood"), "{err}");
    assert!(err.contains("api-reference/x/page-"), "names pages: {err}");
    // The fixtures are too few to judge.
    extract("ru").check_understood().expect("small corpus");
}

fn russian_corpus() -> Option<PathBuf> {
    let root = match std::env::var_os("BITRIX24_DOCS_RU") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => xtask::workspace_root().join("../shared/bitrix24-docs-ru"),
    };
    if root.join("md").is_dir() {
        Some(root)
    } else {
        eprintln!(
            "skipped: no Russian docs corpus with md/ at {} (set BITRIX24_DOCS_RU)",
            root.display()
        );
        None
    }
}

type Id = (String, xtask::spec::RestVersion);

/// Methods by identity, the name lowercased (the API ignores case, and the
/// two languages' titles do not always spell it alike).
fn by_id(specs: &[MethodSpec]) -> BTreeMap<Id, &MethodSpec> {
    specs
        .iter()
        .map(|s| ((s.method.to_ascii_lowercase(), s.version), s))
        .collect()
}

#[test]
fn russian_corpus_agrees_with_english_specs() {
    let Some(root) = russian_corpus() else { return };
    let pages = xtask::source::markdown::read_markdown_dir(&root.join("md")).expect("pages");
    let ru = regen::extract_pages(&pages, &ProgressBar::hidden());
    assert_eq!(ru.lang, Lang::Ru);
    ru.check_understood()
        .expect("the Russian docs are understood");
    let (en, _) = spec_io::load_specs(&xtask::workspace_root().join("specs")).expect("specs/");
    let (en, ru_by) = (by_id(&en), by_id(&ru.specs));
    let shared: Vec<&Id> = en.keys().filter(|k| ru_by.contains_key(*k)).collect();
    let params = |s: &MethodSpec| {
        let mut v: Vec<(String, bool)> = s
            .params
            .iter()
            .map(|p| (p.name.clone(), p.required))
            .collect();
        v.sort();
        v
    };
    let errors = |s: &MethodSpec| {
        let mut v: Vec<(Option<String>, Option<String>, Option<u16>)> = s
            .errors
            .iter()
            .map(|e| (e.code.clone(), e.field.clone(), e.status))
            .collect();
        v.sort();
        v
    };
    let mut agree = (0usize, 0usize);
    for id in &shared {
        let (e, r) = (en[*id], ru_by[*id]);
        if params(e) == params(r) {
            agree.0 += 1;
        } else {
            println!("params differ: {}", e.method);
        }
        if errors(e) == errors(r) {
            agree.1 += 1;
        } else {
            println!("errors differ: {}", e.method);
        }
    }
    let n = shared.len().max(1);
    let pct = |a: usize| a as f64 * 100.0 / n as f64;
    println!(
        "methods: {} English, {} Russian, {} in both; params agree {:.2}%, errors agree {:.2}%",
        en.len(),
        ru_by.len(),
        shared.len(),
        pct(agree.0),
        pct(agree.1)
    );
    assert!(shared.len() * 10 >= en.len() * 9, "too few methods in both");
    assert!(pct(agree.0) >= 98.0, "params agree {:.2}%", pct(agree.0));
    assert!(pct(agree.1) >= 98.0, "errors agree {:.2}%", pct(agree.1));
}
