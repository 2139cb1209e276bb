//! `cargo xtask regen`: the pipeline driver. It runs the stages in order
//! (source → extract → resolve → the written specs → codegen) and writes
//! the trees only when every stage succeeded.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Result};
use indicatif::ProgressBar;
use rayon::prelude::*;

use crate::extract::{self, Lang};
use crate::output::{self, Tree};
use crate::resolve;
use crate::source::choose::{self, SourceArgs};
use crate::source::pin;
use crate::source::Page;
use crate::spec::io::{self as spec_io, is_spec_file};
use crate::spec::{
    count_concrete, count_fields, DiagnosticKind, Entity, EventSpec, MethodSpec, SystemErrors,
};

/// What `cargo xtask regen` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct RegenOptions {
    /// Where the docs come from.
    pub source: SourceArgs,
    /// Where specs are written [default: `<workspace>/specs`].
    pub specs: Option<PathBuf>,
    /// Where the generated crates are written [default: `<workspace>/crates`].
    pub out: Option<PathBuf>,
    /// Write nothing; fail and list the files that would change.
    pub check: bool,
    /// Only docs → specs.
    pub specs_only: bool,
    /// Only specs → code.
    pub code_only: bool,
    /// Print no summary.
    pub quiet: bool,
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

/// Extract every page, in parallel, then resolve what needs several pages;
/// the result does not depend on thread scheduling.
///
/// The docs' language is that of most page titles ([`Lang::detect`]); it
/// gives every spec's URL the site of that language.
pub fn extract_pages(pages: &[Page], progress: &ProgressBar) -> Extraction {
    let lang = Lang::detect(pages.iter().map(|p| p.html.as_str()));
    // The section overview pages other pages link into by anchor: parsed
    // for their tables (the others are not parsed at all).
    let overviews: std::collections::HashSet<String> = pages
        .par_iter()
        .flat_map_iter(|p| extract::links::index_links(&p.rel, &p.html))
        .collect();
    let outcomes: Vec<extract::PageOutcome> = pages
        .par_iter()
        .map(|p| {
            let out = extract::extract_page(lang, &p.rel, &p.html, overviews.contains(&p.rel));
            progress.inc(1);
            out
        })
        .collect();

    let mut system = SystemErrors {
        url: format!("{}error-codes.html", lang.site()),
        errors: Vec::new(),
    };
    // Pages arrive in path order, so the first entity of a name wins
    // whatever the thread schedule was.
    let mut entities: Vec<Entity> = Vec::new();
    let mut specs = Vec::new();
    let mut events = Vec::new();
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
        events.extend(out.events);
        for e in out.system_errors {
            if !system.errors.contains(&e) {
                system.errors.push(e);
            }
        }
        if let Some(spec) = out.spec {
            stats.method_pages += 1;
            specs.push(spec);
        }
    }
    let resolved = resolve::resolve(specs, events, &entities, lang.site());
    stats.duplicate_pages = resolved.duplicate_pages;
    stats.event_duplicates = resolved.event_duplicates;
    stats.count(&resolved.specs, &resolved.events);
    Extraction {
        specs: resolved.specs,
        events: resolved.events,
        system,
        stats,
        lang,
    }
}

impl Stats {
    /// Adds the figures of the resolved specs and events.
    fn count(&mut self, specs: &[MethodSpec], events: &[EventSpec]) {
        for s in specs {
            self.params += s.params.len();
            self.concrete_params += s.params.iter().filter(|p| p.ty.is_concrete()).count();
            if let Some(r) = &s.result {
                self.results += 1;
                self.concrete_results += usize::from(r.ty.is_concrete());
            }
            self.errors += s.errors.len();
            for d in &s.diagnostics {
                *self.diagnostics.entry(d.kind.as_str()).or_default() += 1;
            }
        }
        self.events = events.len();
        for e in events {
            self.event_fields.0 += count_fields(&e.data);
            self.event_fields.1 += count_concrete(&e.data);
            for d in &e.diagnostics {
                *self.diagnostics.entry(d.kind.as_str()).or_default() += 1;
            }
        }
    }
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

/// The files of `specs/` for an extraction.
pub fn spec_tree(ex: &Extraction) -> Tree {
    spec_io::tree(&ex.specs, &ex.events, &ex.system)
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

/// Runs regen as `opts` say; exit 1 when `--check` finds stale files.
pub fn run(opts: &RegenOptions) -> Result<ExitCode> {
    let started = Instant::now();
    let root = crate::try_workspace_root()?;
    let specs_dir = opts.specs.clone().unwrap_or_else(|| root.join("specs"));
    let crate_dir = opts.out.clone().unwrap_or_else(|| root.join("crates"));
    let mut changes: Vec<(String, output::Change)> = Vec::new();

    // Stage 1: docs → specs (in memory, then synced).
    let (specs, system) = if opts.code_only {
        spec_io::load_specs(&specs_dir)?
    } else {
        let (pages, pin) = choose::read_source(&opts.source, &root, &specs_dir)?;
        let bar = crate::progress::progress(pages.len(), "extract");
        let ex = extract_pages(&pages, &bar);
        bar.finish_and_clear();
        ex.check_understood()?;
        let tree = spec_tree(&ex);
        // Generate the code before writing anything, so that a spec that
        // cannot become Rust leaves both trees untouched.
        let code = if opts.specs_only {
            None
        } else {
            Some(crate::codegen::generate(&ex.specs, &ex.events, &ex.system)?)
        };
        for c in output::sync(&specs_dir, &tree, is_spec_file, opts.check)? {
            changes.push(("specs".into(), c));
        }
        let pin_text = pin.to_toml();
        let pin_path = specs_dir.join(pin::PIN_FILE);
        if std::fs::read_to_string(&pin_path).ok().as_deref() != Some(pin_text.as_str()) {
            let rel = PathBuf::from(pin::PIN_FILE);
            changes.push(("specs".into(), output::Change::Changed(rel)));
            if !opts.check {
                output::write_atomic(&pin_path, pin_text.as_bytes())?;
            }
        }
        if !opts.quiet {
            eprint!("{}", ex.stats.summary(ex.specs.len()));
        }
        if let Some(code) = code {
            for c in output::sync(
                &crate_dir,
                &code,
                crate::codegen::layout::generated_file(&crate_dir),
                opts.check,
            )? {
                changes.push(("crates".into(), c));
            }
        }
        return finish(opts, &changes, started);
    };
    // Stage 2 alone: specs → code.
    let events = spec_io::load_events(&specs_dir)?;
    let code = crate::codegen::generate(&specs, &events, &system)?;
    for c in output::sync(
        &crate_dir,
        &code,
        crate::codegen::layout::generated_file(&crate_dir),
        opts.check,
    )? {
        changes.push(("crates".into(), c));
    }
    finish(opts, &changes, started)
}

/// Reports the changes; with `--check`, fails when there are any.
fn finish(
    opts: &RegenOptions,
    changes: &[(String, output::Change)],
    started: Instant,
) -> Result<ExitCode> {
    if !opts.quiet {
        eprintln!("took {:.2}s", started.elapsed().as_secs_f64());
    }
    if opts.check {
        if changes.is_empty() {
            eprintln!("specs/ and the generated crate are up to date");
            return Ok(ExitCode::SUCCESS);
        }
        for (tree, c) in changes {
            eprintln!("{tree}: {c}");
        }
        eprintln!(
            "{} generated files are stale: run `cargo xtask regen` and commit the result",
            changes.len()
        );
        return Ok(ExitCode::FAILURE);
    }
    if !opts.quiet {
        eprintln!("{} files changed", changes.len());
    }
    Ok(ExitCode::SUCCESS)
}
