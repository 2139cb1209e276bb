//! Loading one side of a diff: a spec tree from a folder on disk or from a git
//! revision of `specs/`.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{anyhow, bail, Context, Result};

use crate::spec::{is_event_path, EventSpec, MethodSpec, RestVersion, SystemErrors};

/// A spec's identity: the method name and its REST version.
pub type MethodId = (String, RestVersion);

/// The shared spec of system errors, by its file name at the tree's top.
pub const SYSTEM_ERRORS_FILE: &str = "system-errors.json";

/// All specs of one side of a diff.
#[derive(Debug, Clone, Default)]
pub struct SpecTree {
    /// How the user named it (`HEAD`, `specs`), for the report.
    pub label: String,
    /// Method specs by identity, with the file each came from.
    pub methods: BTreeMap<MethodId, (String, MethodSpec)>,
    /// Event specs (`<scope>/events/<EVENT>.json`) by event name, with the
    /// file each came from.
    pub events: BTreeMap<String, (String, EventSpec)>,
    /// `system-errors.json`, when present.
    pub system_errors: Option<SystemErrors>,
    /// Files skipped and why, for the report's notes.
    pub notes: Vec<String>,
}

impl SpecTree {
    /// Load `arg`: a directory (relative to `repo`, else to the current
    /// directory), else a git revision of `repo` (`REV` means `REV:specs`; an
    /// explicit `REV:path` is taken as written).
    pub fn load(arg: &str, repo: &Path) -> Result<Self> {
        let files = if let Some(dir) = as_dir(arg, repo) {
            read_dir_files(&dir)?
        } else {
            return from_git(arg, repo);
        };
        Self::from_files(arg, files)
    }

    /// Build a tree from `(path relative to the tree's top, contents)` pairs.
    ///
    /// Files in scope folders must be method specs, and files in their
    /// `events/` folders event specs; a top-level file that is
    /// not `system-errors.json` and does not parse as a method spec (a pin
    /// file, a README) is skipped with a note. Hidden files are skipped.
    pub fn from_files(label: &str, files: Vec<(String, Vec<u8>)>) -> Result<Self> {
        let mut tree = SpecTree {
            label: label.to_string(),
            ..SpecTree::default()
        };
        for (path, bytes) in files {
            let name = path.rsplit('/').next().unwrap_or(&path);
            if name.starts_with('.') {
                continue;
            }
            let top_level = !path.contains('/');
            if top_level && path == SYSTEM_ERRORS_FILE {
                let errors = serde_json::from_slice(&bytes)
                    .with_context(|| format!("{label}: {path}: not a system errors spec"))?;
                tree.system_errors = Some(errors);
                continue;
            }
            if !path.ends_with(".json") {
                tree.notes
                    .push(format!("{label}: skipped `{path}` (not a JSON file)"));
                continue;
            }
            if is_event_path(&path) {
                let spec: EventSpec = serde_json::from_slice(&bytes)
                    .with_context(|| format!("{label}: {path}: not an event spec"))?;
                if let Some((first, _)) = tree.events.get(&spec.event) {
                    bail!(
                        "{label}: event `{}` is specified twice: {first} and {path}",
                        spec.event
                    );
                }
                tree.events.insert(spec.event.clone(), (path, spec));
                continue;
            }
            let spec: MethodSpec = match serde_json::from_slice(&bytes) {
                Ok(spec) => spec,
                Err(_) if top_level => {
                    tree.notes
                        .push(format!("{label}: skipped `{path}` (not a method spec)"));
                    continue;
                }
                Err(e) => bail!("{label}: {path}: not a method spec: {e}"),
            };
            let id = (spec.method.clone(), spec.version);
            if let Some((first, _)) = tree.methods.get(&id) {
                bail!(
                    "{label}: `{}` ({}) is specified twice: {first} and {path}",
                    id.0,
                    version_name(id.1)
                );
            }
            tree.methods.insert(id, (path, spec));
        }
        Ok(tree)
    }
}

/// `REST 2` / `REST 3`, as the report names versions.
pub fn version_name(version: RestVersion) -> &'static str {
    match version {
        RestVersion::V2 => "REST 2",
        RestVersion::V3 => "REST 3",
    }
}

fn as_dir(arg: &str, repo: &Path) -> Option<PathBuf> {
    [repo.join(arg), PathBuf::from(arg)]
        .into_iter()
        .find(|p| p.is_dir())
}

/// Every file under `dir`, as paths relative to it with `/` separators, sorted.
fn read_dir_files(dir: &Path) -> Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    while let Some((abs, rel)) = stack.pop() {
        let entries =
            std::fs::read_dir(&abs).with_context(|| format!("reading {}", abs.display()))?;
        for entry in entries {
            let entry = entry.with_context(|| format!("reading {}", abs.display()))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            let path = entry.path();
            if path.is_dir() {
                stack.push((path, rel));
            } else {
                let bytes =
                    std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
                out.push((rel, bytes));
            }
        }
    }
    out.sort();
    Ok(out)
}

fn from_git(arg: &str, repo: &Path) -> Result<SpecTree> {
    let (rev, treeish) = match arg.split_once(':') {
        Some((rev, _)) => (rev.to_string(), arg.to_string()),
        None => (arg.to_string(), format!("{arg}:specs")),
    };
    let is_commit = git(
        repo,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )
    .map(|out| out.status.success())
    .unwrap_or(false);
    if !is_commit {
        bail!(
            "`{arg}` is neither a directory nor a git revision of {}",
            repo.display()
        );
    }
    // `REV:path^{tree}` would read `^{tree}` as part of the path.
    let kind = git(repo, &["cat-file", "-t", &treeish])?;
    let has_tree = kind.status.success() && kind.stdout.trim_ascii() == b"tree";
    if !has_tree {
        let mut tree = SpecTree::from_files(arg, Vec::new())?;
        tree.notes.push(format!(
            "{arg}: `{treeish}` does not exist; taken as no specs"
        ));
        return Ok(tree);
    }
    let listing = git_ok(repo, &["ls-tree", "-r", "-z", &treeish])?;
    let mut blobs = Vec::new();
    for entry in listing.split(|&b| b == 0).filter(|e| !e.is_empty()) {
        let entry = String::from_utf8_lossy(entry);
        let (meta, path) = entry
            .split_once('\t')
            .ok_or_else(|| anyhow!("unexpected `git ls-tree` line: {entry}"))?;
        let mut meta = meta.split(' ');
        let (_mode, kind, oid) = (meta.next(), meta.next(), meta.next());
        if let (Some("blob"), Some(oid)) = (kind, oid) {
            blobs.push((path.to_string(), oid.to_string()));
        }
    }
    let contents = cat_blobs(repo, blobs.iter().map(|(_, oid)| oid.as_str()))?;
    let mut files: Vec<_> = blobs
        .into_iter()
        .map(|(path, _)| path)
        .zip(contents)
        .collect();
    files.sort();
    SpecTree::from_files(arg, files)
}

fn git(repo: &Path, args: &[&str]) -> Result<std::process::Output> {
    Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running git {}", args.join(" ")))
}

fn git_ok(repo: &Path, args: &[&str]) -> Result<Vec<u8>> {
    let out = git(repo, args)?;
    if !out.status.success() {
        bail!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(out.stdout)
}

/// Read many blobs through one `git cat-file --batch`.
fn cat_blobs<'a>(repo: &Path, oids: impl Iterator<Item = &'a str>) -> Result<Vec<Vec<u8>>> {
    let input: String = oids.map(|oid| format!("{oid}\n")).collect();
    let count = input.lines().count();
    if count == 0 {
        return Ok(Vec::new());
    }
    let mut child = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("running git cat-file --batch")?;
    let mut stdin = child.stdin.take().context("git cat-file: no stdin")?;
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let stdout = child.stdout.take().context("git cat-file: no stdout")?;
    let mut reader = BufReader::new(stdout);
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let mut header = String::new();
        reader.read_line(&mut header)?;
        let size: usize = match header.trim_end().split(' ').collect::<Vec<_>>()[..] {
            [_, "blob", size] => size.parse()?,
            _ => bail!("git cat-file: unexpected answer `{}`", header.trim_end()),
        };
        let mut body = vec![0; size + 1];
        reader.read_exact(&mut body)?;
        body.pop();
        out.push(body);
    }
    writer
        .join()
        .map_err(|_| anyhow!("git cat-file: writer panicked"))?
        .context("git cat-file: writing object names")?;
    let status = child.wait()?;
    if !status.success() {
        bail!("git cat-file --batch failed: {status}");
    }
    Ok(out)
}
