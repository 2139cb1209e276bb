//! The docs' Markdown source (a checkout of the docs repository) rendered to
//! HTML pages close enough to the docs engine's (`@diplodoc/transform`) that
//! extraction reads the same specs from both.
//!
//! Four steps, one file each: [`include`] expands `{% include %}` and drops
//! `{% if %}` blocks (text → text); [`refs`] makes reference-style links
//! inline (text → text); [`yfm`] turns the YFM block constructs
//! (`#| … |#` tables, `{% list tabs %}`, `{% note %}`, `{% cut %}`) into HTML
//! and leaves CommonMark to [`render`], which also gives headings their ids.

pub mod include;
pub mod refs;
pub mod render;
pub mod yfm;

use std::fs;
use std::path::Path;

use anyhow::{bail, Context as _, Result};
use rayon::prelude::*;

use crate::source::Page;

/// Read every `.md` page below `root` and render it to HTML, sorted by path.
///
/// A page `X.md` becomes `Page { rel: "X.html", .. }`, the path the docs
/// engine publishes it at. Files in a top-level folder whose name starts
/// with `_` (the shared `_includes/`) are fragments, not pages, and are
/// skipped. A missing folder or an unreadable page is an error naming the
/// path; a missing include is not (the engine leaves it out too).
pub fn read_markdown_dir(root: &Path) -> Result<Vec<Page>> {
    if !root.is_dir() {
        bail!(
            "docs Markdown folder {} does not exist or is not a folder",
            root.display()
        );
    }
    let files =
        crate::output::list_files(root, &|p: &Path| p.extension().is_some_and(|e| e == "md"))?;
    let rels: Vec<String> = files
        .into_iter()
        .map(|rel| {
            rel.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/")
        })
        .filter(|rel| !is_fragment(rel))
        .collect();
    let mut pages: Vec<Page> = rels
        .par_iter()
        .map(|rel| render_file(root, rel))
        .collect::<Result<_>>()?;
    pages.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(pages)
}

/// Whether a `.md` path is a shared fragment rather than a page.
pub fn is_fragment(rel: &str) -> bool {
    rel.split('/')
        .next()
        .is_some_and(|first| first.starts_with('_'))
        && rel.contains('/')
}

/// Render one page `rel` (a `/`-separated path ending in `.md`) below `root`.
pub fn render_file(root: &Path, rel: &str) -> Result<Page> {
    let path = root.join(rel);
    let text = fs::read_to_string(&path)
        .with_context(|| format!("reading docs page {}", path.display()))?;
    let html = render_page(root, rel, &text);
    let rel = match rel.strip_suffix(".md") {
        Some(stem) => format!("{stem}.html"),
        None => format!("{rel}.html"),
    };
    Ok(Page { rel, html })
}

/// Render the Markdown `text` of the page at `rel` (below `root`, for
/// includes) to a whole HTML document: `<title>` from the first level-1
/// heading, the content in `<main class="yfm">`.
pub fn render_page(root: &Path, rel: &str, text: &str) -> String {
    let expanded = refs::inline_reference_links(&include::expand(root, rel, text));
    let mut ids = render::Ids::default();
    let body = yfm::render_blocks(&expanded, &mut ids);
    let title = render::first_h1_text(&body).unwrap_or_default();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title></head>\n<body><main class=\"yfm\">\n{}\n</main></body></html>\n",
        render::escape(&title),
        body
    )
}
