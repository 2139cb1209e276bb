//! The Bitrix24 SDK generator: docs pages → `specs/` → the generated crate.
//!
//! Each stage is a pure function of its input, so `regen` is parallel and
//! deterministic, and each stage is tested on its own.

pub mod complete;
pub mod extract;
pub mod link;
pub mod naming;
pub mod output;
pub mod regen;
pub mod source;
pub mod spec;
pub mod types;

use std::path::PathBuf;

/// The workspace root (the folder above `xtask/`).
pub fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

/// The docs corpus root: `$BITRIX24_DOCS`, else `../shared/bitrix24-docs`
/// beside the workspace. Holds `html/` and `md/`.
pub fn docs_root() -> PathBuf {
    match std::env::var_os("BITRIX24_DOCS") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => workspace_root().join("../shared/bitrix24-docs"),
    }
}
pub mod codegen;
pub mod diff;
