//! A docs page as every source yields it, and the rendered-HTML folder source.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use rayon::prelude::*;

/// One docs page: its path below the docs root (`/`-separated) and its HTML.
#[derive(Debug, Clone)]
pub struct Page {
    /// e.g. `api-reference/landing/role/landing-role-enable.html`
    pub rel: String,
    /// The page's HTML.
    pub html: String,
}

/// Read every `.html` page below `root`, sorted by path.
///
/// A missing folder or an unreadable file is an error naming the path.
pub fn read_html_dir(root: &Path) -> Result<Vec<Page>> {
    if !root.is_dir() {
        bail!(
            "docs folder {} does not exist or is not a folder (set --html or BITRIX24_DOCS)",
            root.display()
        );
    }
    let files =
        crate::output::list_files(root, &|p: &Path| p.extension().is_some_and(|e| e == "html"))?;
    let files: Vec<PathBuf> = files.into_iter().collect();
    files
        .par_iter()
        .map(|rel| {
            let path = root.join(rel);
            let html = fs::read_to_string(&path)
                .with_context(|| format!("reading docs page {}", path.display()))?;
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            Ok(Page { rel, html })
        })
        .collect()
}
