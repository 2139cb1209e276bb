//! The Bitrix24 SDK generator: docs pages → `specs/` → the generated crate.
//!
//! Each stage is a pure function of its input, so `regen` is parallel and
//! deterministic, and each stage is tested on its own.

pub mod bench;
pub mod codegen;
pub mod diff;
pub mod extract;
pub mod output;
pub mod progress;
pub mod regen;
pub mod resolve;
pub mod source;
pub mod spec;

use std::path::{Path, PathBuf};

/// The workspace root of the checkout `cargo xtask` runs in: the nearest
/// folder at or above the current folder whose `Cargo.toml` has a
/// `[workspace]` table, found the way cargo finds it.
///
/// Found at run time, never from the path the binary was built at, so two
/// checkouts that share one `CARGO_TARGET_DIR` (and so one `xtask` binary)
/// each write into their own tree. Outside any workspace this falls back to
/// the current folder; [`try_workspace_root`] says so as an error instead.
pub fn workspace_root() -> PathBuf {
    try_workspace_root()
        .unwrap_or_else(|_| std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")))
}

/// [`workspace_root`], or an error naming the folder searched from when no
/// workspace `Cargo.toml` is at or above it.
pub fn try_workspace_root() -> anyhow::Result<PathBuf> {
    let cwd =
        std::env::current_dir().map_err(|e| anyhow::anyhow!("reading the current folder: {e}"))?;
    find_workspace_root(&cwd)
}

/// The nearest folder at or above `start` whose `Cargo.toml` declares a
/// `[workspace]`; an error naming `start` when there is none.
pub fn find_workspace_root(start: &Path) -> anyhow::Result<PathBuf> {
    for dir in start.ancestors() {
        let manifest = dir.join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        if is_workspace_manifest(&text) {
            return Ok(dir.to_path_buf());
        }
    }
    anyhow::bail!(
        "no Cargo workspace at or above {}: run `cargo xtask` inside a checkout of this project",
        start.display()
    )
}

/// Whether a `Cargo.toml`'s text has a `[workspace]` table (a manifest that
/// does not parse is not one).
fn is_workspace_manifest(text: &str) -> bool {
    text.parse::<toml::Table>()
        .is_ok_and(|t| t.get("workspace").is_some_and(toml::Value::is_table))
}

/// The docs corpus root: `$BITRIX24_DOCS`, else `../shared/bitrix24-docs`
/// beside the workspace. Holds `html/` and `md/`.
pub fn docs_root() -> PathBuf {
    match std::env::var_os("BITRIX24_DOCS") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => workspace_root().join("../shared/bitrix24-docs"),
    }
}
