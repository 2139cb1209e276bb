//! `cargo xtask diff OLD NEW`: what changed in the API between two spec trees,
//! as a Markdown report for a pull request, each change classed as breaking,
//! additive or docs-only for a caller of the generated crate.
//!
//! Loading a side is [`tree`], comparing is [`compare`], the Markdown is
//! [`report`].

pub mod compare;
pub mod report;
pub mod tree;

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

pub use compare::{diff, Change, Class, DiagnosticChange, MethodDiff, SpecDiff, Status};
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
        if self.is_breaking() {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        }
    }

    /// One line for the terminal: `3 breaking, 5 additive, 1 docs`.
    pub fn summary(&self) -> String {
        format!(
            "{} breaking, {} additive, {} docs",
            self.diff.count(Class::Breaking),
            self.diff.count(Class::Additive),
            self.diff.count(Class::Docs)
        )
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
