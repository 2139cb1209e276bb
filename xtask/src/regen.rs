//! `cargo xtask regen`: the docs → `specs/` (→ the generated crate).

use std::collections::BTreeMap;
use std::fs;
use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use crate::extract::{self, SITE};
use crate::output::Tree;
use crate::spec::{to_pretty_json, Diagnostic, DiagnosticKind, Field, MethodSpec, SystemErrors};

/// The file under `specs/` that holds the errors every method can return.
pub const SYSTEM_ERRORS_FILE: &str = "system-errors.json";

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

/// Everything extraction produced from a set of pages.
#[derive(Debug, Clone, Default)]
pub struct Extraction {
    /// Method specs, sorted by path under `specs/`.
    pub specs: Vec<MethodSpec>,
    /// The shared system errors.
    pub system: SystemErrors,
    /// Figures for the summary.
    pub stats: Stats,
}

/// Figures of one extraction run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    /// Pages read.
    pub pages: usize,
    /// Pages recognised as REST method pages.
    pub method_pages: usize,
    /// Pages dropped because another page documents the same method.
    pub duplicate_pages: usize,
    /// Top-level parameters.
    pub params: usize,
    /// Top-level parameters with a concrete type (not `any`).
    pub concrete_params: usize,
    /// Specs with a result.
    pub results: usize,
    /// Specs whose result has a concrete type.
    pub concrete_results: usize,
    /// Method-specific error entries.
    pub errors: usize,
    /// Diagnostics by kind.
    pub diagnostics: BTreeMap<&'static str, usize>,
}

impl Default for SystemErrors {
    fn default() -> Self {
        SystemErrors {
            url: format!("{SITE}error-codes.html"),
            errors: Vec::new(),
        }
    }
}

/// Extract every page, in parallel; the result does not depend on thread
/// scheduling.
pub fn extract_pages(pages: &[Page], progress: &ProgressBar) -> Extraction {
    let outcomes: Vec<extract::PageOutcome> = pages
        .par_iter()
        .map(|p| {
            let out = extract::extract(&p.rel, &p.html);
            progress.inc(1);
            out
        })
        .collect();

    let mut system = SystemErrors::default();
    let mut entities: Vec<extract::page::Entity> = Vec::new();
    let mut by_key: BTreeMap<(String, crate::spec::RestVersion), Vec<MethodSpec>> = BTreeMap::new();
    let mut stats = Stats {
        pages: pages.len(),
        ..Stats::default()
    };
    for out in outcomes {
        entities.extend(out.entities);
        for e in out.system_errors {
            if !system.errors.contains(&e) {
                system.errors.push(e);
            }
        }
        if let Some(spec) = out.spec {
            stats.method_pages += 1;
            by_key
                .entry((spec.method.clone(), spec.version))
                .or_default()
                .push(spec);
        }
    }
    let mut specs: Vec<MethodSpec> = Vec::with_capacity(by_key.len());
    for (_, mut candidates) in by_key {
        // Prefer the current page over a deprecated copy, a page under
        // api-reference/ over others, then the first path.
        candidates.sort_by_key(|s| {
            (
                s.deprecated,
                !s.url.contains("/api-reference/"),
                s.url.clone(),
            )
        });
        let mut kept = candidates.remove(0);
        for other in &candidates {
            stats.duplicate_pages += 1;
            kept.diagnostics.push(Diagnostic {
                kind: DiagnosticKind::DuplicatePage,
                at: String::new(),
                detail: other.url.trim_start_matches(SITE).to_string(),
            });
        }
        kept.diagnostics.sort();
        specs.push(kept);
    }
    specs.sort_by_key(MethodSpec::rel_path);
    // Pages arrive in path order, so the first entity of a name wins
    // whatever the thread schedule was.
    let index = crate::link::Index::new(&entities);
    index.link(&mut specs);
    crate::complete::complete(&mut specs);
    for s in &specs {
        stats.params += s.params.len();
        stats.concrete_params += s.params.iter().filter(|p| p.ty.is_concrete()).count();
        if let Some(r) = &s.result {
            stats.results += 1;
            stats.concrete_results += usize::from(r.ty.is_concrete());
        }
        stats.errors += s.errors.len();
        for d in &s.diagnostics {
            *stats.diagnostics.entry(d.kind.as_str()).or_default() += 1;
        }
    }
    Extraction {
        specs,
        system,
        stats,
    }
}

/// The files of `specs/`: one per method plus the shared system errors.
pub fn spec_tree(ex: &Extraction) -> Tree {
    let mut tree = Tree::new();
    for s in &ex.specs {
        tree.insert(PathBuf::from(s.rel_path()), to_pretty_json(s));
    }
    tree.insert(
        PathBuf::from(SYSTEM_ERRORS_FILE),
        to_pretty_json(&ex.system),
    );
    tree
}

/// Load a spec tree back from disk (for code generation from `specs/`).
pub fn load_specs(root: &Path) -> Result<(Vec<MethodSpec>, SystemErrors)> {
    let files =
        crate::output::list_files(root, &|p: &Path| p.extension().is_some_and(|e| e == "json"))?;
    let mut specs = Vec::new();
    let mut system = None;
    for rel in files {
        let path = root.join(&rel);
        let text =
            fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        if rel == Path::new(SYSTEM_ERRORS_FILE) {
            system = Some(
                serde_json::from_str(&text)
                    .with_context(|| format!("parsing {}", path.display()))?,
            );
        } else if rel.components().count() > 1 {
            let spec: MethodSpec = serde_json::from_str(&text)
                .with_context(|| format!("parsing spec {}", path.display()))?;
            specs.push(spec);
        }
    }
    specs.sort_by_key(MethodSpec::rel_path);
    Ok((specs, system.unwrap_or_default()))
}

/// A progress bar on stderr when it is a terminal, else a hidden one.
pub fn progress(len: usize, what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
    if let Ok(style) = ProgressStyle::with_template("{prefix:>10} [{bar:40}] {pos}/{len}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_prefix(what.to_string());
    bar
}

impl Stats {
    /// The summary printed at the end of a run.
    pub fn summary(&self, specs_written: usize) -> String {
        let pct = |a: usize, b: usize| {
            if b == 0 {
                100.0
            } else {
                a as f64 * 100.0 / b as f64
            }
        };
        let mut s = format!(
            "pages read: {}\nmethod pages: {} ({} duplicates of another page)\nmethod specs: {}\n\
             parameters: {} ({:.1}% with a concrete type)\nresults: {} ({:.1}% concrete)\nmethod error codes: {}\n",
            self.pages,
            self.method_pages,
            self.duplicate_pages,
            specs_written,
            self.params,
            pct(self.concrete_params, self.params),
            self.results,
            pct(self.concrete_results, specs_written),
            self.errors,
        );
        s.push_str("diagnostics:\n");
        if self.diagnostics.is_empty() {
            s.push_str("  none\n");
        }
        for (kind, n) in &self.diagnostics {
            s.push_str(&format!("  {kind}: {n}\n"));
        }
        s
    }
}

/// Count fields at every depth (for tests and summaries).
pub fn count_fields(fields: &[Field]) -> usize {
    fields.iter().map(|f| 1 + count_fields(&f.fields)).sum()
}

/// Whether `rel` is a file regen manages under `specs/`.
pub fn is_spec_file(rel: &Path) -> bool {
    rel.extension().is_some_and(|e| e == "json")
}
