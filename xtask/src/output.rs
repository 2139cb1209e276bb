//! Writing generated trees: everything is computed in memory first, then
//! synced to disk with atomic writes (temp file + rename), stale files
//! removed. `check` compares without writing.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

/// One difference between the tree on disk and the tree to write.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// A file that is not on disk yet.
    Added(PathBuf),
    /// A file whose content differs.
    Changed(PathBuf),
    /// A file on disk that the new tree no longer has.
    Removed(PathBuf),
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Change::Added(p) => write!(f, "added    {}", p.display()),
            Change::Changed(p) => write!(f, "changed  {}", p.display()),
            Change::Removed(p) => write!(f, "stale    {}", p.display()),
        }
    }
}

/// A tree of files, by path relative to its root.
pub type Tree = BTreeMap<PathBuf, String>;

/// Compare `tree` with the files under `root` that `managed` selects, and,
/// unless `check`, make the disk match. Returns the differences (paths
/// relative to `root`), sorted.
pub fn sync(
    root: &Path,
    tree: &Tree,
    managed: impl Fn(&Path) -> bool,
    check: bool,
) -> Result<Vec<Change>> {
    let existing = list_files(root, &managed)?;
    let mut changes = Vec::new();
    for (rel, content) in tree {
        let path = root.join(rel);
        match fs::read(&path) {
            Ok(old) if old == content.as_bytes() => {}
            Ok(_) => changes.push(Change::Changed(rel.clone())),
            Err(_) => changes.push(Change::Added(rel.clone())),
        }
    }
    for rel in &existing {
        if !tree.contains_key(rel) {
            changes.push(Change::Removed(rel.clone()));
        }
    }
    changes.sort();
    if check {
        return Ok(changes);
    }
    for change in &changes {
        match change {
            Change::Added(rel) | Change::Changed(rel) => {
                let content = tree.get(rel).map(String::as_str).unwrap_or_default();
                write_atomic(&root.join(rel), content.as_bytes())?;
            }
            Change::Removed(rel) => {
                let path = root.join(rel);
                fs::remove_file(&path)
                    .with_context(|| format!("removing stale {}", path.display()))?;
                remove_empty_parents(root, &path);
            }
        }
    }
    Ok(changes)
}

/// Write a file so that a reader never sees half of it.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    fs::rename(&tmp, path)
        .with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))?;
    Ok(())
}

fn remove_empty_parents(root: &Path, path: &Path) {
    let mut dir = path.parent();
    while let Some(d) = dir {
        if d == root || !d.starts_with(root) || fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

/// Files below `root` (relative paths, sorted) that `managed` selects.
/// A missing root is an empty tree.
pub fn list_files(root: &Path, managed: &impl Fn(&Path) -> bool) -> Result<BTreeSet<PathBuf>> {
    let mut out = BTreeSet::new();
    if !root.exists() {
        return Ok(out);
    }
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))?;
        for entry in entries {
            let entry = entry.with_context(|| format!("reading {}", dir.display()))?;
            let path = entry.path();
            let ft = entry
                .file_type()
                .with_context(|| format!("reading {}", path.display()))?;
            if ft.is_dir() {
                stack.push(path);
            } else if let Ok(rel) = path.strip_prefix(root) {
                if managed(rel) {
                    out.insert(rel.to_path_buf());
                }
            }
        }
    }
    Ok(out)
}
