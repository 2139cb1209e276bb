//! `cargo xtask`: the project's generator commands.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The Bitrix24 SDK generator.
#[derive(Debug, Parser)]
#[command(name = "xtask", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {}
}
