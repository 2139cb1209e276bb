//! `cargo xtask diff OLD NEW`: what changed in the API between two spec trees,
//! as a Markdown report for a pull request, each change classed as breaking,
//! refined, renamed, additive or docs-only for a caller of the generated crate.
//!
//! Loading a side is [`tree`], pairing renamed methods is [`rename`],
//! comparing is [`compare`], the Markdown is [`report`].

pub mod compare;
pub mod rename;
pub mod report;
pub mod tree;

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

pub use compare::{diff, Change, Class, DiagnosticChange, MethodDiff, SpecDiff, Status};
pub use rename::Rename;
pub use tree::SpecTree;

/// The result of `cargo xtask diff`.
#[derive(Debug, Clone)]
pub struct DiffOutcome {
    /// The changes.
    pub diff: SpecDiff,
    /// The Markdown report.
    pub report: String,
}

impl DiffOutcome {
    /// Whether anything breaks a caller of the generated crate.
    pub fn is_breaking(&self) -> bool {
        self.diff.is_breaking()
    }

    /// 1 when anything breaks, else 0.
    pub fn exit_code(&self) -> ExitCode {
        self.exit_code_for(&[Class::Breaking])
    }

    /// 1 when there is a change of any of `fail_on`, else 0 (the
    /// `--fail-on` flag: `breaking` by default, `breaking,refined,renamed`
    /// to stop on anything that changes the generated code's signatures).
    pub fn exit_code_for(&self, fail_on: &[Class]) -> ExitCode {
        if self.diff.has_any(fail_on) {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        }
    }

    /// One line for the terminal and a pull request's title:
    /// `3 breaking, 2 refined, 1 renamed, 5 additive, 1 docs`.
    pub fn summary(&self) -> String {
        let parts: Vec<String> = Class::ALL
            .iter()
            .map(|c| format!("{} {}", self.diff.count(*c), c.as_str()))
            .collect();
        parts.join(", ")
    }
}

/// Compare `old` and `new`, each a directory of specs or a git revision of
/// `repo` (`REV` means `REV:specs`; `REV:path` is taken as written).
pub fn run(old: &str, new: &str, repo: &Path) -> Result<DiffOutcome> {
    let old = SpecTree::load(old, repo)?;
    let new = SpecTree::load(new, repo)?;
    let diff = diff(&old, &new);
    let report = report::render(&diff);
    Ok(DiffOutcome { diff, report })
}
