//! The Markdown source against the rendered HTML pages: over every docs
//! corpus at hand, both must give identical specs for at least 99.8% of the
//! spec files, every difference printed. The corpora: `$BITRIX24_DOCS` (else
//! `../shared/bitrix24-docs`, the pinned English docs), and beside it
//! `bitrix24-docs-2026-05` (an earlier English revision) and
//! `bitrix24-docs-ru` (the Russian docs). Each is skipped, with the reason
//! printed, when it is absent.
//!
//! `cargo test -p xtask --release --test source_markdown -- --nocapture`
//! prints the parity figure of each corpus and the differing specs.

use std::path::PathBuf;

use indicatif::ProgressBar;
use xtask::regen::{extract_pages, spec_tree};
use xtask::source::markdown::read_markdown_dir;
use xtask::source::read_html_dir;

/// Least share of identical spec files per corpus.
const MIN_IDENTICAL: f64 = 0.998;

/// The corpora to compare: (name, root), the absent ones skipped with a
/// printed reason.
fn corpora() -> Vec<(String, PathBuf)> {
    let main = xtask::docs_root();
    let mut roots = vec![main.clone()];
    if let Some(parent) = main.parent() {
        for sibling in ["bitrix24-docs-2026-05", "bitrix24-docs-ru"] {
            roots.push(parent.join(sibling));
        }
    }
    roots
        .into_iter()
        .filter_map(|root| {
            let name = root
                .file_name()
                .map_or("docs".into(), |n| n.to_string_lossy().into_owned());
            if root.join("md").is_dir() && root.join("html").is_dir() {
                Some((name, root))
            } else {
                eprintln!(
                    "skipped {name}: no docs corpus with md/ and html/ at {} (set BITRIX24_DOCS)",
                    root.display()
                );
                None
            }
        })
        .collect()
}

/// The main corpus, for the debugging aid below.
fn corpus() -> Option<PathBuf> {
    let root = xtask::docs_root();
    root.join("md").is_dir().then_some(root)
}

#[test]
fn markdown_and_html_give_identical_specs() {
    let mut failures = Vec::new();
    for (name, root) in corpora() {
        if let Err(e) = compare(&name, &root) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Compare one corpus; `Err` says why it falls short.
fn compare(name: &str, root: &std::path::Path) -> Result<(), String> {
    let html = read_html_dir(&root.join("html")).expect("html pages");
    let md = read_markdown_dir(&root.join("md")).expect("markdown pages");

    let html_rels: std::collections::BTreeSet<&str> = html.iter().map(|p| p.rel.as_str()).collect();
    let md_rels: std::collections::BTreeSet<&str> = md.iter().map(|p| p.rel.as_str()).collect();
    let missing: Vec<&&str> = html_rels.difference(&md_rels).collect();
    let extra: Vec<&&str> = md_rels.difference(&html_rels).collect();
    if !missing.is_empty() || !extra.is_empty() {
        println!("{name}: pages only in html/: {missing:?}; only in md/: {extra:?}");
    }

    let hidden = ProgressBar::hidden();
    let from_html = spec_tree(&extract_pages(&html, &hidden));
    let from_md = spec_tree(&extract_pages(&md, &hidden));

    // PARITY_DUMP=dir writes both trees there (one folder per corpus).
    if let Some(dir) = std::env::var_os("PARITY_DUMP") {
        let dir = PathBuf::from(dir).join(name);
        for (side, tree) in [("html", &from_html), ("md", &from_md)] {
            for (path, text) in tree {
                let file = dir.join(side).join(path);
                std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
                std::fs::write(file, text).expect("write");
            }
        }
    }

    let mut identical = 0;
    let mut differing: Vec<String> = Vec::new();
    for (path, html_spec) in &from_html {
        match from_md.get(path) {
            Some(md_spec) if md_spec == html_spec => identical += 1,
            Some(md_spec) => differing.push(format!(
                "{}\n{}",
                path.display(),
                first_difference(html_spec, md_spec)
            )),
            None => differing.push(format!("{}: only from html/", path.display())),
        }
    }
    for path in from_md.keys().filter(|p| !from_html.contains_key(*p)) {
        differing.push(format!("{}: only from md/", path.display()));
    }
    let total = from_html.len().max(from_md.len()).max(1);
    let share = identical as f64 / total as f64;
    println!(
        "{name}: markdown/html parity: {identical} of {total} spec files identical ({:.2}%, {} differ)",
        share * 100.0,
        differing.len()
    );
    for d in &differing {
        println!("--- {name}: {d}");
    }
    if share < MIN_IDENTICAL {
        return Err(format!(
            "{name}: {} spec files differ ({:.2}% identical, below {:.1}%)",
            differing.len(),
            share * 100.0,
            MIN_IDENTICAL * 100.0
        ));
    }
    Ok(())
}

/// The first differing line of two specs, with a little context.
fn first_difference(a: &str, b: &str) -> String {
    let al: Vec<&str> = a.lines().collect();
    let bl: Vec<&str> = b.lines().collect();
    let i = al
        .iter()
        .zip(&bl)
        .position(|(x, y)| x != y)
        .unwrap_or(al.len().min(bl.len()));
    let from = i.saturating_sub(2);
    format!(
        "  html: {}\n  md:   {}",
        al[from..(i + 3).min(al.len())].join("\n        "),
        bl[from..(i + 3).min(bl.len())].join("\n        ")
    )
}

/// `RENDER_PAGE=api-reference/x/y.md` prints that page as the Markdown
/// source renders it (a debugging aid; does nothing without the variable).
#[test]
fn render_one_page() {
    let Some(rel) = std::env::var_os("RENDER_PAGE") else {
        return;
    };
    let Some(root) = corpus() else {
        eprintln!("skipped: no docs corpus with md/ (set BITRIX24_DOCS)");
        return;
    };
    let rel = rel.to_string_lossy().into_owned();
    let page = xtask::source::markdown::render_file(&root.join("md"), &rel).expect("render");
    println!("{}", page.html);
}
