//! Reading and writing spec files: the layout of `specs/` on disk.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use super::{is_event_path, to_pretty_json, EventSpec, MethodSpec, SystemErrors};
use crate::output::Tree;

/// The file under `specs/` that holds the errors every method can return.
pub const SYSTEM_ERRORS_FILE: &str = "system-errors.json";

/// The files of `specs/`: one per method and per event, plus the shared
/// system errors.
pub fn tree(specs: &[MethodSpec], events: &[EventSpec], system: &SystemErrors) -> Tree {
    let mut tree = Tree::new();
    for s in specs {
        tree.insert(PathBuf::from(s.rel_path()), to_pretty_json(s));
    }
    for e in events {
        tree.insert(PathBuf::from(e.rel_path()), to_pretty_json(e));
    }
    tree.insert(PathBuf::from(SYSTEM_ERRORS_FILE), to_pretty_json(system));
    tree
}

/// Load a spec tree back from disk (for code generation from `specs/`).
pub fn load_specs(root: &Path) -> Result<(Vec<MethodSpec>, SystemErrors)> {
    let files =
        crate::output::list_files(root, &|p: &Path| p.extension().is_some_and(|e| e == "json"))?;
    let mut specs = Vec::new();
    let mut system = None;
    for rel in files {
        let path = root.join(&rel);
        let text =
            fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        if rel == Path::new(SYSTEM_ERRORS_FILE) {
            system = Some(
                serde_json::from_str(&text)
                    .with_context(|| format!("parsing {}", path.display()))?,
            );
        } else if is_event_path(&slashed(&rel)) {
            continue;
        } else if rel.components().count() > 1 {
            let spec: MethodSpec = serde_json::from_str(&text)
                .with_context(|| format!("parsing spec {}", path.display()))?;
            specs.push(spec);
        }
    }
    specs.sort_by_key(MethodSpec::rel_path);
    Ok((specs, system.unwrap_or_default()))
}

/// Load the event specs of a spec tree (`<scope>/events/<EVENT>.json`),
/// sorted by path.
pub fn load_events(root: &Path) -> Result<Vec<EventSpec>> {
    let files =
        crate::output::list_files(root, &|p: &Path| p.extension().is_some_and(|e| e == "json"))?;
    let mut events = Vec::new();
    for rel in files {
        if !is_event_path(&slashed(&rel)) {
            continue;
        }
        let path = root.join(&rel);
        let text =
            fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let spec: EventSpec = serde_json::from_str(&text)
            .with_context(|| format!("parsing event spec {}", path.display()))?;
        events.push(spec);
    }
    events.sort_by_key(EventSpec::rel_path);
    Ok(events)
}

/// A relative path with `/` separators.
fn slashed(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether `rel` is a file regen manages under `specs/`.
pub fn is_spec_file(rel: &Path) -> bool {
    rel.extension().is_some_and(|e| e == "json")
}
