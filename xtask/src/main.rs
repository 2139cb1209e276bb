//! `cargo xtask`: the project's generator commands.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;
use clap::{Parser, Subcommand};
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
}

#[derive(Debug, clap::Args)]
struct RegenArgs {
    /// Folder of HTML docs pages [default: $BITRIX24_DOCS/html, else ../shared/bitrix24-docs/html]
    #[arg(long)]
    html: Option<PathBuf>,
    /// Where specs are written [default: <workspace>/specs]
    #[arg(long)]
    specs: Option<PathBuf>,
    /// Write nothing; exit 1 and list the files that would change.
    #[arg(long)]
    check: bool,
    /// Print no summary.
    #[arg(long, short)]
    quiet: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Regen(args) => run_regen(&args),
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
    let html = args
        .html
        .clone()
        .unwrap_or_else(|| xtask::docs_root().join("html"));
    let specs_dir = args
        .specs
        .clone()
        .unwrap_or_else(|| xtask::workspace_root().join("specs"));

    let pages = regen::read_html_dir(&html)?;
    let bar = regen::progress(pages.len(), "extract");
    let ex = regen::extract_pages(&pages, &bar);
    bar.finish_and_clear();
    let tree = regen::spec_tree(&ex);
    let changes = output::sync(&specs_dir, &tree, regen::is_spec_file, args.check)?;

    if !args.quiet {
        eprint!("{}", ex.stats.summary(ex.specs.len()));
        eprintln!("took {:.2}s", started.elapsed().as_secs_f64());
    }
    if args.check {
        if changes.is_empty() {
            eprintln!("specs/ is up to date with {}", html.display());
            return Ok(ExitCode::SUCCESS);
        }
        for c in &changes {
            eprintln!("{c}");
        }
        eprintln!(
            "specs/ is stale: {} files differ; run `cargo xtask regen` to update",
            changes.len()
        );
        return Ok(ExitCode::FAILURE);
    }
    if !args.quiet {
        eprintln!("specs/: {} files changed", changes.len());
    }
    Ok(ExitCode::SUCCESS)
}
