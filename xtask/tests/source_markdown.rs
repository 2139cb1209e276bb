//! The Markdown source against the rendered HTML pages: over the whole docs
//! corpus (`$BITRIX24_DOCS`, else `../shared/bitrix24-docs`), both must give
//! identical specs. Skipped, with the reason printed, when the corpus is
//! absent.
//!
//! `cargo test -p xtask --release --test source_markdown -- --nocapture`
//! prints the parity figure and the first differing specs.

use std::path::PathBuf;

use indicatif::ProgressBar;
use xtask::regen::{extract_pages, read_html_dir, spec_tree};
use xtask::source::markdown::read_markdown_dir;

fn corpus() -> Option<PathBuf> {
    let root = xtask::docs_root();
    if root.join("md").is_dir() && root.join("html").is_dir() {
        Some(root)
    } else {
        eprintln!(
            "skipped: no docs corpus with md/ and html/ at {} (set BITRIX24_DOCS)",
            root.display()
        );
        None
    }
}

#[test]
fn markdown_and_html_give_identical_specs() {
    let Some(root) = corpus() else { return };
    let html = read_html_dir(&root.join("html")).expect("html pages");
    let md = read_markdown_dir(&root.join("md")).expect("markdown pages");

    let html_rels: Vec<&str> = html.iter().map(|p| p.rel.as_str()).collect();
    let md_rels: Vec<&str> = md.iter().map(|p| p.rel.as_str()).collect();
    let missing: Vec<&&str> = html_rels.iter().filter(|r| !md_rels.contains(r)).collect();
    let extra: Vec<&&str> = md_rels.iter().filter(|r| !html_rels.contains(r)).collect();
    assert!(missing.is_empty(), "pages only in html/: {missing:?}");
    assert!(extra.is_empty(), "pages only in md/: {extra:?}");

    let hidden = ProgressBar::hidden();
    let from_html = spec_tree(&extract_pages(&html, &hidden));
    let from_md = spec_tree(&extract_pages(&md, &hidden));

    // PARITY_DUMP=dir writes both trees there, to diff by hand.
    if let Some(dir) = std::env::var_os("PARITY_DUMP") {
        let dir = PathBuf::from(dir);
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
    println!(
        "markdown/html parity: {identical} of {} spec files identical ({} differ)",
        from_html.len(),
        differing.len()
    );
    for d in differing.iter().take(15) {
        println!("--- {d}");
    }
    assert!(
        differing.is_empty(),
        "{} spec files differ",
        differing.len()
    );
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
    let Some(root) = corpus() else { return };
    let rel = rel.to_string_lossy().into_owned();
    let page = xtask::source::markdown::render_file(&root.join("md"), &rel).expect("render");
    println!("{}", page.html);
}
