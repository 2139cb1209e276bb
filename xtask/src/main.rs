//! `cargo xtask`: the project's generator commands.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context as _, Result};
use clap::{Parser, Subcommand};
use xtask::source::archive::{self, ArchiveOptions};
use xtask::source::githost::Repo;
use xtask::source::pin::{self, Pin, SourceKind};
use xtask::source::{http, markdown};
use xtask::{output, regen};

/// The Bitrix24 SDK generator.
#[derive(Debug, Parser)]
#[command(name = "xtask", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Read the docs and rewrite `specs/` (and the generated crate).
    Regen(RegenArgs),
    /// Compare two spec trees (folders or git revisions) as a Markdown report;
    /// exit 1 when anything breaks a caller.
    Diff(DiffArgs),
    /// Time regen's stages over the docs corpus, docs to code (no files are written).
    Bench(BenchArgs),
}

#[derive(Debug, clap::Args)]
struct DiffArgs {
    /// The old side: a folder of specs, or a git revision (`REV` = `REV:specs`).
    old: String,
    /// The new side, likewise (e.g. `specs` for the working tree).
    new: String,
    /// Write the report to this file instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Exit 1 when there is a change of any of these classes
    /// (breaking, refined, renamed, additive, docs; `none` never fails).
    #[arg(long, value_delimiter = ',', default_value = "breaking")]
    fail_on: Vec<String>,
}

#[derive(Debug, clap::Args)]
struct BenchArgs {
    /// Folder of HTML docs pages [default: as for regen]
    #[arg(long)]
    html: Option<PathBuf>,
    /// How many timed runs.
    #[arg(long, default_value_t = 5)]
    runs: usize,
}

#[derive(Debug, clap::Args)]
struct RegenArgs {
    /// Read a folder of rendered HTML docs pages, and pin it.
    /// Without a source flag, regen uses the source in specs/PIN.toml.
    #[arg(long, group = "source")]
    html: Option<PathBuf>,
    /// Read a checkout of the docs' Markdown source (`md/`), and pin it.
    #[arg(long, group = "source")]
    md: Option<PathBuf>,
    /// Fetch the published pages from this base URL (cached, resumable), and pin it.
    #[arg(long, group = "source")]
    http: Option<String>,
    /// Fetch this docs repository's archive (OWNER/REPO on the git host,
    /// $BITRIX24_DOCS_GIT_BASE or https://github.com) at --revision or
    /// --latest, and pin it.
    #[arg(long, group = "source", value_name = "OWNER/REPO")]
    git: Option<String>,
    /// Regenerate from the newest revision of the pinned (or --git)
    /// repository's default branch, and move the pin to it.
    #[arg(long, conflicts_with_all = ["html", "md", "http", "revision"])]
    latest: bool,
    /// The docs revision: for a git source the commit to fetch (moves the
    /// pin); for a folder, the revision to record [default: its COMMIT file
    /// or git HEAD]
    #[arg(long)]
    revision: Option<String>,
    /// The download cache [default: target/docs-cache/<host> for --http,
    /// target/docs-cache/git for git archives]
    #[arg(long)]
    cache: Option<PathBuf>,
    /// HTTP only: requests in flight at once.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Where specs are written [default: <workspace>/specs]
    #[arg(long)]
    specs: Option<PathBuf>,
    /// The folder the generated crates are written in [default: <workspace>/crates]
    #[arg(long)]
    out: Option<PathBuf>,
    /// Write nothing; exit 1 and list the files that would change.
    #[arg(long)]
    check: bool,
    /// Only docs → specs/; leave the generated crate alone.
    #[arg(long, conflicts_with = "code_only")]
    specs_only: bool,
    /// Only specs/ → the generated crate; do not read the docs.
    #[arg(long)]
    code_only: bool,
    /// Print no summary.
    #[arg(long, short)]
    quiet: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Regen(args) => run_regen(&args),
        Command::Diff(args) => run_diff(&args),
        Command::Bench(args) => run_bench(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run_regen(args: &RegenArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let root = xtask::try_workspace_root()?;
    let specs_dir = args.specs.clone().unwrap_or_else(|| root.join("specs"));
    let crate_dir = args.out.clone().unwrap_or_else(|| root.join("crates"));
    let mut changes: Vec<(String, output::Change)> = Vec::new();

    // Stage 1: docs → specs (in memory, then synced).
    let (specs, system) = if args.code_only {
        regen::load_specs(&specs_dir)?
    } else {
        let (pages, pin) = read_source(args, &root, &specs_dir)?;
        let bar = regen::progress(pages.len(), "extract");
        let ex = regen::extract_pages(&pages, &bar);
        bar.finish_and_clear();
        ex.check_understood()?;
        let tree = regen::spec_tree(&ex);
        // Generate the code before writing anything, so that a spec that
        // cannot become Rust leaves both trees untouched.
        let code = if args.specs_only {
            None
        } else {
            Some(xtask::codegen::generate(&ex.specs, &ex.events, &ex.system)?)
        };
        for c in output::sync(&specs_dir, &tree, regen::is_spec_file, args.check)? {
            changes.push(("specs".into(), c));
        }
        let pin_text = pin.to_toml();
        let pin_path = specs_dir.join(pin::PIN_FILE);
        if std::fs::read_to_string(&pin_path).ok().as_deref() != Some(pin_text.as_str()) {
            let rel = PathBuf::from(pin::PIN_FILE);
            changes.push(("specs".into(), output::Change::Changed(rel)));
            if !args.check {
                output::write_atomic(&pin_path, pin_text.as_bytes())?;
            }
        }
        if !args.quiet {
            eprint!("{}", ex.stats.summary(ex.specs.len()));
        }
        if let Some(code) = code {
            for c in output::sync(&crate_dir, &code, generated_file(&crate_dir), args.check)? {
                changes.push(("crates".into(), c));
            }
        }
        return finish(args, &changes, started);
    };
    // Stage 2 alone: specs → code.
    let events = regen::load_events(&specs_dir)?;
    let code = xtask::codegen::generate(&specs, &events, &system)?;
    for c in output::sync(&crate_dir, &code, generated_file(&crate_dir), args.check)? {
        changes.push(("crates".into(), c));
    }
    finish(args, &changes, started)
}

/// Where the docs corpus sits beside a checkout, as the pin records it.
const DEFAULT_HTML: &str = "../shared/bitrix24-docs/html";

/// The docs pages, from the source a flag names (which moves the pin), or
/// else from the pin in `specs/` (else the default HTML folder).
fn read_source(
    args: &RegenArgs,
    root: &std::path::Path,
    specs_dir: &std::path::Path,
) -> Result<(Vec<regen::Page>, Pin)> {
    let pinned = Pin::read(specs_dir)?;
    let local_flag = args.html.is_some() || args.md.is_some() || args.http.is_some();
    let git_repo = match (&args.git, &pinned) {
        (Some(repo), _) => Some(Repo::parse(repo)?),
        (None, Some(p)) if p.source == SourceKind::Git && !local_flag => {
            Some(Repo::parse(&p.location).context("the location of the git pin in specs/PIN.toml")?)
        }
        _ if args.latest => bail!(
            "--latest needs a git source: specs/PIN.toml does not name a repository; pass --git OWNER/REPO (the English docs: bitrix24/b24restdocs)"
        ),
        _ => None,
    };
    if let Some(repo) = git_repo {
        return read_git(args, &repo, pinned.as_ref());
    }
    let flagged = if let Some(dir) = &args.html {
        Some((SourceKind::Html, relative_to(root, dir)))
    } else if let Some(dir) = &args.md {
        Some((SourceKind::Markdown, relative_to(root, dir)))
    } else {
        args.http
            .as_ref()
            .map(|url| (SourceKind::Http, url.clone()))
    };
    let (kind, location) = match (&flagged, &pinned) {
        (Some(f), _) => f.clone(),
        (None, Some(p)) => (p.source, p.location.clone()),
        (None, None) => (SourceKind::Html, DEFAULT_HTML.to_string()),
    };
    // Local locations in the pin are relative to the workspace root;
    // $BITRIX24_DOCS, when set, says where the corpus is on this machine.
    let local = |location: &str, sub: &str| -> PathBuf {
        match (flagged.is_none(), std::env::var_os("BITRIX24_DOCS")) {
            (true, Some(docs)) if !docs.is_empty() => PathBuf::from(docs).join(sub),
            _ => root.join(location),
        }
    };
    let (pages, detected) = match kind {
        SourceKind::Html => {
            let dir = local(&location, "html");
            (regen::read_html_dir(&dir)?, pin::docs_revision(&dir))
        }
        SourceKind::Markdown => {
            let dir = local(&location, "md");
            (markdown::read_markdown_dir(&dir)?, pin::docs_revision(&dir))
        }
        SourceKind::Http => {
            let mut opts = http::FetchOptions::new(&location);
            if let Some(cache) = &args.cache {
                opts.cache_dir = cache.clone();
            }
            opts.concurrency = args.concurrency.max(1);
            let (pages, report) = http::fetch_pages(&opts)?;
            if !args.quiet {
                eprintln!(
                    "fetched {} pages ({} from cache, {} retries, {} missing)",
                    report.pages,
                    report.cached,
                    report.retries,
                    report.missing.len()
                );
            }
            (pages, None)
        }
        SourceKind::Git => bail!("internal: a git pin is read by read_git"),
    };
    let revision = args
        .revision
        .clone()
        .or(detected)
        .or_else(|| match (&flagged, &pinned) {
            (None, Some(p)) => p.revision.clone(),
            _ => None,
        });
    if let (None, Some(p)) = (&flagged, &pinned) {
        if p.revision.is_some() && revision != p.revision {
            bail!(
                "specs/ is pinned to docs revision {} but {} is at {}; name the source (--html, --md, --http or --git) to move the pin",
                p.revision.as_deref().unwrap_or_default(),
                p.location,
                revision.as_deref().unwrap_or("an unknown revision")
            );
        }
    }
    Ok((pages, Pin::new(kind, location, revision)))
}

/// The docs from the git host's archive of the repository (`--git`, or the
/// pin), at `--latest`, `--revision` or the pinned revision; or, when
/// `$BITRIX24_DOCS` is set and nothing asks to move the pin, from that local
/// corpus, which must be at the pinned revision.
fn read_git(
    args: &RegenArgs,
    repo: &Repo,
    pinned: Option<&Pin>,
) -> Result<(Vec<regen::Page>, Pin)> {
    let same = pinned.filter(|p| p.source == SourceKind::Git && p.location == repo.to_string());
    let moving = args.git.is_some() || args.latest || args.revision.is_some();
    if let (false, Some(p)) = (moving, same) {
        if let Some(docs) = std::env::var_os("BITRIX24_DOCS").filter(|d| !d.is_empty()) {
            return read_local_for_pin(args, p, &PathBuf::from(docs));
        }
    }
    let mut opts = ArchiveOptions::from_env()?;
    if let Some(cache) = &args.cache {
        opts.cache_root = cache.clone();
    }
    let revision = if args.latest {
        let head = archive::latest(&opts, repo)?;
        if !args.quiet {
            eprintln!(
                "newest revision of {repo} ({}): {}",
                head.branch.as_deref().unwrap_or("default branch"),
                head.revision
            );
        }
        head.revision
    } else if let Some(rev) = &args.revision {
        rev.clone()
    } else if let Some(rev) = same.and_then(|p| p.revision.clone()) {
        rev
    } else {
        bail!("no docs revision for {repo}: pass --revision COMMIT or --latest");
    };
    // The pinned digest binds the pinned revision, unless --revision asks
    // to record what the host serves now.
    let expected = same
        .filter(|p| p.revision.as_deref() == Some(revision.as_str()) && args.revision.is_none())
        .and_then(|p| p.sha256.clone());
    let fetched = archive::fetch(&opts, repo, &revision, expected.as_deref())?;
    if !args.quiet {
        if fetched.cached {
            eprintln!(
                "docs {repo} at {revision}: {} pages from the cache {}",
                fetched.marker.pages,
                fetched.dir.display()
            );
        } else {
            eprintln!(
                "fetched {}: {} pages, sha256 {}, cached in {}",
                fetched.marker.url,
                fetched.marker.pages,
                fetched.marker.sha256,
                fetched.dir.display()
            );
        }
    }
    let pages = markdown::read_markdown_dir(&fetched.md_dir())?;
    let mut pin = Pin::new(SourceKind::Git, repo.to_string(), Some(revision));
    pin.sha256 = Some(fetched.marker.sha256);
    Ok((pages, pin))
}

/// The pinned git revision read from a local corpus (`md/`, else `html/`,
/// with a `COMMIT` file): refused unless it is at the pinned revision.
fn read_local_for_pin(
    args: &RegenArgs,
    pin: &Pin,
    docs: &std::path::Path,
) -> Result<(Vec<regen::Page>, Pin)> {
    let (dir, pages) = if docs.join("md").is_dir() {
        let dir = docs.join("md");
        let pages = markdown::read_markdown_dir(&dir)?;
        (dir, pages)
    } else if docs.join("html").is_dir() {
        let dir = docs.join("html");
        let pages = regen::read_html_dir(&dir)?;
        (dir, pages)
    } else {
        bail!(
            "$BITRIX24_DOCS = {} holds neither md/ nor html/; unset it to fetch {} at {} from the git host",
            docs.display(),
            pin.location,
            pin.revision.as_deref().unwrap_or("the pinned revision")
        );
    };
    let found = pin::docs_revision(&dir);
    if pin.revision.is_some() && found != pin.revision {
        bail!(
            "specs/ is pinned to docs revision {} but $BITRIX24_DOCS ({}) is at {}; unset BITRIX24_DOCS to fetch the pinned revision, or move the pin (--latest, --revision, --md, --html)",
            pin.revision.as_deref().unwrap_or_default(),
            dir.display(),
            found.as_deref().unwrap_or("an unknown revision (no COMMIT file)")
        );
    }
    if !args.quiet {
        eprintln!(
            "reading {} ($BITRIX24_DOCS) for {} at {}",
            dir.display(),
            pin.location,
            pin.revision.as_deref().unwrap_or("an unknown revision")
        );
    }
    Ok((pages, pin.clone()))
}

/// `path` as the pin records it: relative to the workspace root when it
/// lies below it or beside it (`../shared/...`), else as given.
fn relative_to(root: &std::path::Path, path: &std::path::Path) -> String {
    let (Ok(root), Ok(path)) = (root.canonicalize(), path.canonicalize()) else {
        return path.display().to_string();
    };
    if let Ok(rel) = path.strip_prefix(&root) {
        return rel.display().to_string();
    }
    match root
        .parent()
        .and_then(|parent| path.strip_prefix(parent).ok())
    {
        Some(rel) => format!("../{}", rel.display()),
        None => path.display().to_string(),
    }
}

/// Files regen owns under `crates/` (paths relative to it): in each
/// generated crate ([`xtask::codegen::layout`]: named like one, and its
/// manifest written by regen), its manifest, rustfmt.toml, `src/` and
/// `tests/`. Nothing in a hand-written crate is ever listed, so never
/// removed; a generated crate the plan no longer has is emptied.
fn generated_file(crates: &std::path::Path) -> impl Fn(&std::path::Path) -> bool + '_ {
    move |rel| {
        let mut parts = rel.components();
        let Some(name) = parts.next().and_then(|c| c.as_os_str().to_str()) else {
            return false;
        };
        xtask::codegen::layout::is_generated_name(name)
            && is_generated_file(parts.as_path())
            && std::fs::read_to_string(crates.join(name).join("Cargo.toml"))
                .is_ok_and(|m| m.starts_with(xtask::codegen::layout::MANIFEST_HEADER))
    }
}

/// Files regen owns in one generated crate: its manifest, rustfmt.toml,
/// `src/` and `tests/`.
fn is_generated_file(rel: &std::path::Path) -> bool {
    ["Cargo.toml", "rustfmt.toml"]
        .iter()
        .any(|f| rel == std::path::Path::new(f))
        || rel.starts_with("src")
        || rel.starts_with("tests")
}

fn finish(
    args: &RegenArgs,
    changes: &[(String, output::Change)],
    started: Instant,
) -> Result<ExitCode> {
    if !args.quiet {
        eprintln!("took {:.2}s", started.elapsed().as_secs_f64());
    }
    if args.check {
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
    if !args.quiet {
        eprintln!("{} files changed", changes.len());
    }
    Ok(ExitCode::SUCCESS)
}

fn run_diff(args: &DiffArgs) -> Result<ExitCode> {
    let mut fail_on = Vec::new();
    for word in args.fail_on.iter().filter(|w| *w != "none") {
        match xtask::diff::Class::parse(word) {
            Some(c) => fail_on.push(c),
            None => bail!(
                "--fail-on: unknown class `{word}` (breaking, refined, renamed, additive, docs, none)"
            ),
        }
    }
    let outcome = xtask::diff::run(&args.old, &args.new, &xtask::try_workspace_root()?)?;
    match &args.out {
        Some(path) => output::write_atomic(path, outcome.report.as_bytes())?,
        None => print!("{}", outcome.report),
    }
    eprintln!("{}", outcome.summary());
    Ok(outcome.exit_code_for(&fail_on))
}

/// Wall time of each regen stage, best and median of `runs`.
fn run_bench(args: &BenchArgs) -> Result<ExitCode> {
    let html = args
        .html
        .clone()
        .unwrap_or_else(|| xtask::docs_root().join("html"));
    let runs = args.runs.max(1);
    let mut read = Vec::new();
    let mut extract = Vec::new();
    let mut serialize = Vec::new();
    let mut total = Vec::new();
    let mut parse_only = Vec::new();
    let mut codegen = Vec::new();
    let mut specs = 0;
    for _ in 0..runs {
        let t0 = Instant::now();
        let pages = regen::read_html_dir(&html)?;
        let t1 = Instant::now();
        let ex = regen::extract_pages(&pages, &indicatif::ProgressBar::hidden());
        let t2 = Instant::now();
        let tree = regen::spec_tree(&ex);
        let t3 = Instant::now();
        specs = tree.len();
        let code = xtask::codegen::generate(&ex.specs, &ex.events, &ex.system)?;
        std::hint::black_box(code.len());
        codegen.push(t3.elapsed());
        read.push(t1 - t0);
        extract.push(t2 - t1);
        serialize.push(t3 - t2);
        total.push(t0.elapsed());
        // For reference: HTML parsing alone, of the same candidate pages.
        let t4 = Instant::now();
        let parsed = {
            use rayon::prelude::*;
            pages
                .par_iter()
                .filter(|p| xtask::extract::page::is_candidate(&p.html))
                .map(|p| scraper::Html::parse_document(&p.html).tree.nodes().count())
                .sum::<usize>()
        };
        std::hint::black_box(parsed);
        parse_only.push(t4.elapsed());
    }
    let show = |name: &str, v: &mut Vec<std::time::Duration>| {
        v.sort();
        println!(
            "{name:<20} best {:>7.3}s  median {:>7.3}s",
            v[0].as_secs_f64(),
            v[v.len() / 2].as_secs_f64()
        );
    };
    println!(
        "regen of {} ({specs} spec files, {runs} runs, {} threads)",
        html.display(),
        rayon::current_num_threads()
    );
    show("read", &mut read);
    show("extract", &mut extract);
    show("serialize", &mut serialize);
    show("codegen", &mut codegen);
    show("total", &mut total);
    show("(html5 parse alone)", &mut parse_only);
    Ok(ExitCode::SUCCESS)
}
