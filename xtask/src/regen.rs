//! `cargo xtask regen`: the docs → `specs/` (→ the generated crate).

use std::collections::BTreeMap;
use std::fs;
use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use crate::extract::{self, Lang, SITE};
use crate::output::Tree;
use crate::spec::{
    is_event_path, to_pretty_json, Diagnostic, DiagnosticKind, EventSpec, Field, MethodSpec,
    SystemErrors,
};

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
    /// Event specs, sorted by path under `specs/`.
    pub events: Vec<EventSpec>,
    /// The shared system errors.
    pub system: SystemErrors,
    /// Figures for the summary.
    pub stats: Stats,
    /// The language of the docs, detected from their titles.
    pub lang: Lang,
}

/// Figures of one extraction run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    /// The docs' language.
    pub lang: Lang,
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
    /// Pages recognised as event pages.
    pub event_pages: usize,
    /// Event pages dropped because another page documents the same event.
    pub event_duplicates: usize,
    /// Event specs (one per event name).
    pub events: usize,
    /// `data` fields of events, at every depth, and how many of them the
    /// docs type concretely (not `any`).
    pub event_fields: (usize, usize),
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
///
/// The docs' language is that of most page titles ([`Lang::detect`]); it
/// gives every spec's URL the site of that language.
pub fn extract_pages(pages: &[Page], progress: &ProgressBar) -> Extraction {
    let lang = Lang::detect(pages.iter().map(|p| p.html.as_str()));
    let outcomes: Vec<extract::PageOutcome> = pages
        .par_iter()
        .map(|p| {
            let out = extract::extract_in(lang, &p.rel, &p.html);
            progress.inc(1);
            out
        })
        .collect();

    let mut system = SystemErrors {
        url: format!("{}error-codes.html", lang.site()),
        errors: Vec::new(),
    };
    let mut entities: Vec<extract::page::Entity> = Vec::new();
    let mut by_key: BTreeMap<(String, crate::spec::RestVersion), Vec<MethodSpec>> = BTreeMap::new();
    let mut events_by_name: BTreeMap<String, Vec<EventSpec>> = BTreeMap::new();
    let mut stats = Stats {
        lang,
        pages: pages.len(),
        ..Stats::default()
    };
    for out in outcomes {
        entities.extend(out.entities);
        if !out.events.is_empty() {
            stats.event_pages += 1;
        }
        for ev in out.events {
            events_by_name.entry(ev.event.clone()).or_default().push(ev);
        }
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
                detail: other.url.trim_start_matches(lang.site()).to_string(),
            });
        }
        kept.diagnostics.sort();
        specs.push(kept);
    }
    specs.sort_by_key(MethodSpec::rel_path);
    let mut events = dedup_events(events_by_name, lang, &mut stats);
    scope_from_folder(&mut events, &specs);
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
    stats.events = events.len();
    for e in &events {
        stats.event_fields.0 += count_fields(&e.data);
        stats.event_fields.1 += count_concrete(&e.data);
        for d in &e.diagnostics {
            *stats.diagnostics.entry(d.kind.as_str()).or_default() += 1;
        }
    }
    Extraction {
        specs,
        events,
        system,
        stats,
        lang,
    }
}

/// One spec per event name: the current page over a deprecated copy, a
/// page under `api-reference/` over others, then the first path; the others
/// are `duplicate_page` diagnostics of the kept one.
fn dedup_events(
    by_name: BTreeMap<String, Vec<EventSpec>>,
    lang: Lang,
    stats: &mut Stats,
) -> Vec<EventSpec> {
    let mut events = Vec::with_capacity(by_name.len());
    for (_, mut candidates) in by_name {
        candidates.sort_by_key(|s| {
            (
                s.deprecated,
                !s.url.contains("/api-reference/"),
                s.url.clone(),
            )
        });
        let mut kept = candidates.remove(0);
        for other in &candidates {
            stats.event_duplicates += 1;
            kept.diagnostics.push(Diagnostic {
                kind: DiagnosticKind::DuplicatePage,
                at: String::new(),
                detail: other.url.trim_start_matches(lang.site()).to_string(),
            });
        }
        kept.diagnostics.sort();
        events.push(kept);
    }
    events.sort_by_key(EventSpec::rel_path);
    events
}

/// An event whose page lists no scope takes the one scope that every
/// method page in the same docs folder lists (the event formats page of
/// `imbot.v2` beside `imbot.v2.Event.get`), with a `scope_from_folder`
/// diagnostic; where the folder has no method page or its pages disagree,
/// the event keeps none (its folder is then the docs folder).
fn scope_from_folder(events: &mut [EventSpec], specs: &[MethodSpec]) {
    fn dir(url: &str) -> &str {
        let page = url.split('#').next().unwrap_or(url);
        page.rsplit_once('/').map_or("", |(d, _)| d)
    }
    let mut by_dir: BTreeMap<&str, std::collections::BTreeSet<&str>> = BTreeMap::new();
    for s in specs {
        let scope = s.scopes.first().map_or("", String::as_str);
        by_dir.entry(dir(&s.url)).or_default().insert(scope);
    }
    for e in events.iter_mut().filter(|e| e.scopes.is_empty()) {
        let Some(scopes) = by_dir.get(dir(&e.url)) else {
            continue;
        };
        let [scope] = scopes.iter().collect::<Vec<_>>()[..] else {
            continue;
        };
        if scope.is_empty() {
            continue;
        }
        e.scopes = vec![scope.to_string()];
        e.diagnostics.push(Diagnostic {
            kind: DiagnosticKind::ScopeFromFolder,
            at: "scopes".to_string(),
            detail: scope.to_string(),
        });
        e.diagnostics.sort();
    }
    events.sort_by_key(EventSpec::rel_path);
}

/// Fields at every depth whose type is concrete (not `any`).
fn count_concrete(fields: &[Field]) -> usize {
    fields
        .iter()
        .map(|f| usize::from(f.ty.is_concrete()) + count_concrete(&f.fields))
        .sum()
}

/// Below this many method pages, a corpus is too small to say that it
/// should have parameters and errors (a test's fixture folder).
const SANE_MIN_METHODS: usize = 50;

impl Extraction {
    /// Refuse a corpus the extractor did not understand: many method pages
    /// but no parameter or no error read from any of them, or most of them
    /// without a parameters section. That is docs in a language or a layout
    /// the extractor does not read, and writing such specs would silently
    /// empty the generated crate. The error names a few of the pages.
    pub fn check_understood(&self) -> Result<()> {
        let n = self.specs.len();
        if n < SANE_MIN_METHODS {
            return Ok(());
        }
        let without_section: Vec<&MethodSpec> = self
            .specs
            .iter()
            .filter(|s| {
                s.diagnostics
                    .iter()
                    .any(|d| d.kind == DiagnosticKind::NoParamsSection)
            })
            .collect();
        let problem = if self.stats.params == 0 {
            Some("no parameters")
        } else if self.stats.errors == 0 {
            Some("no error codes")
        } else if without_section.len() * 2 > n {
            Some("no parameters section on most pages")
        } else {
            None
        };
        let Some(problem) = problem else {
            return Ok(());
        };
        let examples: Vec<&str> = without_section
            .iter()
            .copied()
            .chain(self.specs.iter().filter(|s| s.params.is_empty()))
            .take(3)
            .map(|s| s.url.as_str())
            .collect();
        bail!(
            "the docs were not understood: {n} method pages gave {problem} \
             (docs language detected: {}; e.g. {}); the extractor reads the English \
             and the Russian docs, see extract::words",
            self.lang.code(),
            examples.join(", ")
        )
    }
}

/// The files of `specs/`: one per method plus the shared system errors.
pub fn spec_tree(ex: &Extraction) -> Tree {
    let mut tree = Tree::new();
    for s in &ex.specs {
        tree.insert(PathBuf::from(s.rel_path()), to_pretty_json(s));
    }
    for e in &ex.events {
        tree.insert(PathBuf::from(e.rel_path()), to_pretty_json(e));
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
        } else if is_event_path(&slashed(&rel)) {
            continue;
        } else if rel.components().count() > 1 {
            let spec: MethodSpec = serde_json::from_str(&text)
                .with_context(|| format!("parsing spec {}", path.display()))?;
            specs.push(spec);
        }
    }
    specs.sort_by_key(MethodSpec::rel_path);
    Ok((specs, system.unwrap_or_default()))
}

/// Load the event specs of a spec tree (`<scope>/events/<EVENT>.json`),
/// sorted by path.
pub fn load_events(root: &Path) -> Result<Vec<EventSpec>> {
    let files =
        crate::output::list_files(root, &|p: &Path| p.extension().is_some_and(|e| e == "json"))?;
    let mut events = Vec::new();
    for rel in files {
        if !is_event_path(&slashed(&rel)) {
            continue;
        }
        let path = root.join(&rel);
        let text =
            fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let spec: EventSpec = serde_json::from_str(&text)
            .with_context(|| format!("parsing event spec {}", path.display()))?;
        events.push(spec);
    }
    events.sort_by_key(EventSpec::rel_path);
    Ok(events)
}

/// A relative path with `/` separators.
fn slashed(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
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
            "docs language: {}\npages read: {}\nmethod pages: {} ({} duplicates of another page)\nmethod specs: {}\n\
             parameters: {} ({:.1}% with a concrete type)\nresults: {} ({:.1}% concrete)\nmethod error codes: {}\n",
            self.lang.code(),
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
        s.push_str(&format!(
            "event pages: {} ({} duplicates of another page)\nevent specs: {} ({} data fields, {:.1}% with a concrete type)\n",
            self.event_pages,
            self.event_duplicates,
            self.events,
            self.event_fields.0,
            pct(self.event_fields.1, self.event_fields.0),
        ));
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
