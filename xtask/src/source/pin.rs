//! The pin: which docs made `specs/`, so that anyone can make them again.
//!
//! A small TOML file, `specs/PIN.toml` (not `.json`, so regen's stale-spec
//! removal never touches it), read and written with the `toml` crate.
//!
//! ```toml
//! source = "git"
//! location = "bitrix24/b24restdocs"
//! revision = "5988ed130d13802764a555edbfe12d0fc81e7d7a"
//! sha256 = "…"
//! generator = "0.1.0"
//! ```
//!
//! A `git` pin names the docs repository on its git host (`owner/repo`) and
//! the commit; `sha256` is the content digest of its Markdown pages
//! ([`crate::source::archive::tree_digest`]), checked on every download.
//! Local pins (`html`, `markdown`) name a folder, `http` a base URL.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};

/// The pin's file name, directly under `specs/`.
pub const PIN_FILE: &str = "PIN.toml";

/// Which kind of docs source made `specs/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// A folder of rendered HTML pages.
    Html,
    /// A folder of the docs' Markdown source.
    Markdown,
    /// The published pages, fetched over HTTP from a base URL.
    Http,
    /// The docs repository's archive at a revision, from its git host.
    Git,
}

impl SourceKind {
    /// The name written in the pin.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Html => "html",
            SourceKind::Markdown => "markdown",
            SourceKind::Http => "http",
            SourceKind::Git => "git",
        }
    }

    /// Parse a name written in the pin.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "html" => Some(SourceKind::Html),
            "markdown" => Some(SourceKind::Markdown),
            "http" => Some(SourceKind::Http),
            "git" => Some(SourceKind::Git),
            _ => None,
        }
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where `specs/` came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pin {
    /// The kind of source.
    pub source: SourceKind,
    /// The folder (as given, best relative to the workspace root), the
    /// base URL, or the repository (`owner/repo`).
    pub location: String,
    /// The docs' git revision, when known (the corpus's `COMMIT` file, or
    /// the checkout's `HEAD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// `git` only: the content digest of the revision's Markdown pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// The generator's version (`xtask`'s package version).
    #[serde(default)]
    pub generator: String,
}

impl Pin {
    /// A pin for this generator's version.
    pub fn new(source: SourceKind, location: impl Into<String>, revision: Option<String>) -> Self {
        Pin {
            source,
            location: location.into(),
            revision,
            sha256: None,
            generator: generator_version().to_string(),
        }
    }

    /// The file's text.
    pub fn to_toml(&self) -> String {
        let body = toml::to_string(self).unwrap_or_default();
        format!(
            "# Which docs made specs/. `cargo xtask regen` with no arguments regenerates from here.\n{body}"
        )
    }

    /// Parse the file's text; a missing `source` or `location`, an unknown
    /// source kind or key, or a value that is not a string is an error.
    pub fn parse(text: &str) -> Result<Pin> {
        Ok(toml::from_str(text)?)
    }

    /// The pin's path under a `specs/` folder.
    pub fn path(specs: &Path) -> PathBuf {
        specs.join(PIN_FILE)
    }

    /// Read the pin of `specs`; `None` when there is none.
    pub fn read(specs: &Path) -> Result<Option<Pin>> {
        let path = Pin::path(specs);
        match fs::read_to_string(&path) {
            Ok(text) => Pin::parse(&text)
                .map(Some)
                .with_context(|| format!("reading pin {}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading pin {}", path.display())),
        }
    }

    /// Write the pin into `specs` (only when its text changes).
    pub fn write(&self, specs: &Path) -> Result<()> {
        let path = Pin::path(specs);
        let text = self.to_toml();
        if fs::read_to_string(&path).ok().as_deref() == Some(text.as_str()) {
            return Ok(());
        }
        fs::create_dir_all(specs).with_context(|| format!("creating {}", specs.display()))?;
        fs::write(&path, text).with_context(|| format!("writing pin {}", path.display()))
    }
}

/// The generator's version.
pub fn generator_version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// The docs revision of a docs folder: a `COMMIT` file in it or in one of
/// its parents (the corpus keeps it beside `md/` and `html/`), else the
/// `HEAD` of a git checkout there.
pub fn docs_revision(dir: &Path) -> Option<String> {
    for d in dir.ancestors().take(3) {
        if let Ok(text) = fs::read_to_string(d.join("COMMIT")) {
            let rev = text.trim();
            if !rev.is_empty() {
                return Some(rev.to_string());
            }
        }
        let git = d.join(".git");
        if git.is_dir() {
            return git_head(&git);
        }
    }
    None
}

fn git_head(git: &Path) -> Option<String> {
    let head = fs::read_to_string(git.join("HEAD")).ok()?;
    let head = head.trim();
    match head.strip_prefix("ref: ") {
        Some(r) => fs::read_to_string(git.join(r))
            .ok()
            .map(|s| s.trim().to_string())
            .or_else(|| {
                let packed = fs::read_to_string(git.join("packed-refs")).ok()?;
                packed.lines().find_map(|l| {
                    let (sha, name) = l.split_once(' ')?;
                    (name == r).then(|| sha.to_string())
                })
            }),
        None => Some(head.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let pin = Pin::new(
            SourceKind::Http,
            "http://127.0.0.1:8/\"x\"",
            Some("abc".into()),
        );
        assert_eq!(Pin::parse(&pin.to_toml()).expect("parse"), pin);
        let mut git = Pin::new(SourceKind::Git, "o/r", Some("abc".into()));
        git.sha256 = Some("0123".into());
        assert_eq!(Pin::parse(&git.to_toml()).expect("parse"), git);
        let no_rev = Pin::new(SourceKind::Markdown, "docs/md", None);
        assert_eq!(Pin::parse(&no_rev.to_toml()).expect("parse"), no_rev);
    }

    #[test]
    fn bad_pins_are_errors() {
        assert!(Pin::parse("source = \"ftp\"\nlocation = \"x\"\n").is_err());
        assert!(Pin::parse("location = \"x\"\n").is_err());
        assert!(Pin::parse("source = html\n").is_err());
    }
}
