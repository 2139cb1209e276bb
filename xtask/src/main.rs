//! `cargo xtask`: the project's generator commands.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Result};
use clap::{Parser, Subcommand};
use xtask::output;
use xtask::regen::{self, RegenOptions};
use xtask::source::choose::SourceArgs;

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

impl RegenArgs {
    fn into_options(self) -> RegenOptions {
        RegenOptions {
            source: SourceArgs {
                html: self.html,
                md: self.md,
                http: self.http,
                git: self.git,
                latest: self.latest,
                revision: self.revision,
                cache: self.cache,
                concurrency: self.concurrency,
                quiet: self.quiet,
            },
            specs: self.specs,
            out: self.out,
            check: self.check,
            specs_only: self.specs_only,
            code_only: self.code_only,
            quiet: self.quiet,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Regen(args) => regen::run(&args.into_options()),
        Command::Diff(args) => run_diff(&args),
        Command::Bench(args) => xtask::bench::run(args.html, args.runs),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
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
