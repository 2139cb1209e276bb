//! The docs' Markdown at a pinned revision, from the git host's archive of
//! that revision, verified and unpacked into a cache under `target/`.
//!
//! `{base}/{owner}/{repo}/archive/{revision}.tar.gz` is downloaded to a
//! temporary file and read once, start to end:
//!
//! - gzip: the stream must decode and end with a matching CRC-32 and length
//!   (a truncated or corrupted download fails here);
//! - tar: every entry (but the pax global header) sits under the one top
//!   folder `{repo}-{revision}/`, with no absolute path and no `..`; a pax
//!   `comment` (the commit id `git archive` writes) must be the revision;
//! - the pages: regular `.md` files outside dot-folders are unpacked (links,
//!   devices and fifos among them are refused), at most
//!   [`Limits::max_file`] each, [`Limits::max_pages`] bytes in all; nothing
//!   else is written;
//! - the digest: [`tree_digest`] of the pages unpacked must equal the pin's
//!   `sha256` when the pin has one.
//!
//! Only then is the unpacked folder moved into place (one `rename`), with a
//! `FETCHED.toml` marker and a `COMMIT` file, so the cache holds a verified
//! revision or nothing: an interrupted or failed fetch leaves no trace but
//! temporary files, removed on the way out. A later run finds the marker and
//! reads the pages without the network.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, BufReader, Read};
use std::path::{Component, Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::githost::{is_commit_id, Download, DownloadError, GitHost, Repo};
use super::refs::{self, Head};

/// The marker file of a verified cache entry.
pub const MARKER: &str = "FETCHED.toml";

/// Bounds on what an archive may unpack to.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Bytes the whole tar stream may decompress to (images included).
    pub max_stream: u64,
    /// Bytes of one page.
    pub max_file: u64,
    /// Bytes of all pages together.
    pub max_pages: u64,
    /// Entries in the archive.
    pub max_entries: usize,
}

impl Default for Limits {
    /// 8 GiB of stream, 32 MiB a page, 1 GiB of pages, a million entries
    /// (the English docs: about 3,000 pages, 33 MB of Markdown).
    fn default() -> Self {
        Limits {
            max_stream: 8 << 30,
            max_file: 32 << 20,
            max_pages: 1 << 30,
            max_entries: 1_000_000,
        }
    }
}

/// How to fetch.
#[derive(Debug, Clone)]
pub struct ArchiveOptions {
    /// The git host.
    pub host: GitHost,
    /// The cache root: revisions sit at `{root}/{owner}/{repo}/{revision}/`.
    pub cache_root: PathBuf,
    /// Retries, timeouts, size limit of the download.
    pub download: Download,
    /// Bounds on the unpacked archive.
    pub limits: Limits,
}

impl ArchiveOptions {
    /// The host from `$BITRIX24_DOCS_GIT_BASE`, the cache in the workspace's
    /// `target/docs-cache/git/`, default retries and limits.
    pub fn from_env() -> Result<Self> {
        Ok(ArchiveOptions {
            host: GitHost::from_env()?,
            cache_root: default_cache_root(),
            download: Download::default(),
            limits: Limits::default(),
        })
    }
}

/// `target/docs-cache/git/` in the workspace.
pub fn default_cache_root() -> PathBuf {
    crate::workspace_root()
        .join("target")
        .join("docs-cache")
        .join("git")
}

/// What the cache marker records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marker {
    /// `owner/repo`.
    pub repository: String,
    /// The commit id.
    pub revision: String,
    /// [`tree_digest`] of the pages.
    pub sha256: String,
    /// How many pages.
    pub pages: usize,
    /// Where the archive came from.
    pub url: String,
}

/// A revision's pages in the cache.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The revision's folder: `md/` (the pages), `COMMIT`, [`MARKER`].
    pub dir: PathBuf,
    /// What the marker records.
    pub marker: Marker,
    /// Read from the cache, without the network.
    pub cached: bool,
}

impl Fetched {
    /// The Markdown folder, for [`crate::source::markdown::read_markdown_dir`].
    pub fn md_dir(&self) -> PathBuf {
        self.dir.join("md")
    }
}

/// The pages of `repo` at `revision`: from the cache when a verified copy
/// is there (and, with `expected`, has that digest), else downloaded,
/// verified and cached. `expected` is the pin's `sha256`.
pub fn fetch(
    opts: &ArchiveOptions,
    repo: &Repo,
    revision: &str,
    expected: Option<&str>,
) -> Result<Fetched> {
    if !is_commit_id(revision) {
        bail!("docs revision {revision:?} is not a full commit id (40 or 64 lowercase hex digits)");
    }
    let parent = opts.cache_root.join(&repo.owner).join(&repo.name);
    let dir = parent.join(revision);
    if let Some(marker) = cached(&dir, repo, revision, expected) {
        return Ok(Fetched {
            dir,
            marker,
            cached: true,
        });
    }
    let url = opts.host.archive_url(repo, revision);
    fs::create_dir_all(&parent)
        .with_context(|| format!("creating the docs cache {}", parent.display()))?;
    let pid = std::process::id();
    let scratch = Scratch {
        archive: parent.join(format!(".{revision}.tar.gz.part-{pid}")),
        dir: parent.join(format!(".{revision}.partial-{pid}")),
    };
    scratch.clear();

    let client = opts.download.client()?;
    runtime()?
        .block_on(opts.download.to_file(&client, &url, &scratch.archive))
        .map_err(|e| download_error(e, repo, revision))?;

    let unpacked = unpack(
        &scratch.archive,
        repo,
        revision,
        &scratch.dir.join("md"),
        &opts.limits,
    )
    .with_context(|| {
        format!("the archive {url} failed verification and was discarded (nothing was cached; run again to download it anew)")
    })?;
    if let Some(expected) = expected {
        if unpacked.sha256 != expected {
            bail!(
                "the docs archive {url} has content digest {} but specs/PIN.toml records sha256 = \"{expected}\" for revision {revision}; it was discarded (nothing was cached). If the host changed what it serves for this revision, check the pages, then run `cargo xtask regen --revision {revision}` to record the new digest",
                unpacked.sha256
            );
        }
    }
    let marker = Marker {
        repository: repo.to_string(),
        revision: revision.to_string(),
        sha256: unpacked.sha256,
        pages: unpacked.pages,
        url,
    };
    write_file(&scratch.dir.join("COMMIT"), &format!("{revision}\n"))?;
    let text = toml::to_string(&marker).context("writing the cache marker")?;
    write_file(&scratch.dir.join(MARKER), &text)?;
    if dir.exists() {
        fs::remove_dir_all(&dir)
            .with_context(|| format!("removing the unverified cache {}", dir.display()))?;
    }
    if let Err(e) = fs::rename(&scratch.dir, &dir) {
        // Another run may have put the same verified revision there first.
        if let Some(theirs) = cached(&dir, repo, revision, Some(&marker.sha256)) {
            return Ok(Fetched {
                dir,
                marker: theirs,
                cached: true,
            });
        }
        return Err(e).with_context(|| format!("moving the verified pages into {}", dir.display()));
    }
    scratch.clear();
    Ok(Fetched {
        dir,
        marker,
        cached: false,
    })
}

/// The newest revision of `repo`'s default branch on the host.
pub fn latest(opts: &ArchiveOptions, repo: &Repo) -> Result<Head> {
    let url = opts.host.info_refs_url(repo);
    let mut download = opts.download.clone();
    download.max_bytes = 64 << 20;
    let client = download.client()?;
    let body = runtime()?
        .block_on(download.text(&client, &url))
        .map_err(|e| match e {
            DownloadError::NotFound { .. } => anyhow::anyhow!(
                "{e}: no repository {repo} on {} (is the name in specs/PIN.toml or --git right?)",
                opts.host.base()
            ),
            DownloadError::Unreachable { .. } => {
                anyhow::anyhow!("{e}\n{}", offline_hint("the newest revision"))
            }
            DownloadError::Other(e) => e,
        })?;
    refs::parse_head(body.as_bytes(), &url)
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the HTTP runtime")
}

fn download_error(e: DownloadError, repo: &Repo, revision: &str) -> anyhow::Error {
    match e {
        DownloadError::NotFound { .. } => anyhow::anyhow!(
            "{e}: the host has no archive of {repo} at {revision} (is the revision pushed, and the repository public?)"
        ),
        DownloadError::Unreachable { .. } => {
            anyhow::anyhow!("{e}\n{}", offline_hint(&format!("revision {revision}")))
        }
        DownloadError::Other(e) => e.context(format!(
            "downloading the docs of {repo} at {revision} (nothing was cached; run again to retry)"
        )),
    }
}

/// What to do without the network.
pub fn offline_hint(what: &str) -> String {
    format!(
        "No network? Use a local copy of the docs at {what} instead:\n  \
         BITRIX24_DOCS=DIR cargo xtask regen     (DIR holds md/ or html/ and a COMMIT file; the pin stays)\n  \
         cargo xtask regen --md DIR              (a checkout of the docs' Markdown; moves the pin)\n  \
         cargo xtask regen --html DIR            (rendered pages; moves the pin)\n\
         or point $BITRIX24_DOCS_GIT_BASE at a mirror of the git host."
    )
}

/// The verified marker of a cached revision, if the cache holds one that
/// fits (`None` sends the caller to download it again).
fn cached(dir: &Path, repo: &Repo, revision: &str, expected: Option<&str>) -> Option<Marker> {
    let text = fs::read_to_string(dir.join(MARKER)).ok()?;
    let marker: Marker = toml::from_str(&text).ok()?;
    let fits = marker.repository == repo.to_string()
        && marker.revision == revision
        && expected.is_none_or(|e| e == marker.sha256)
        && dir.join("md").is_dir();
    fits.then_some(marker)
}

/// Temporary files of one fetch, removed when it ends, however it ends.
struct Scratch {
    archive: PathBuf,
    dir: PathBuf,
}

impl Scratch {
    fn clear(&self) {
        let _ = fs::remove_file(&self.archive);
        let _ = fs::remove_dir_all(&self.dir);
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        self.clear();
    }
}

fn write_file(path: &Path, text: &str) -> Result<()> {
    fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// What [`unpack`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unpacked {
    /// [`tree_digest`] of the pages.
    pub sha256: String,
    /// How many pages.
    pub pages: usize,
}

/// Verify the `.tar.gz` at `archive` (the archive of `repo` at `revision`)
/// and write its pages below `into`; see the module docs for the checks.
/// On error `into` may hold some pages: the caller discards it.
pub fn unpack(
    archive: &Path,
    repo: &Repo,
    revision: &str,
    into: &Path,
    limits: &Limits,
) -> Result<Unpacked> {
    let file = fs::File::open(archive).with_context(|| format!("opening {}", archive.display()))?;
    let gz = flate2::read::GzDecoder::new(BufReader::new(file));
    let mut tar = tar::Archive::new(Capped {
        inner: gz,
        left: limits.max_stream,
        limit: limits.max_stream,
    });
    let top = format!("{}-{revision}", repo.name);
    let mut digests: BTreeMap<String, String> = BTreeMap::new();
    let mut total: u64 = 0;
    let mut entries = 0usize;
    let bad = |what: &str, e: io::Error| anyhow::anyhow!("not a valid .tar.gz ({what}): {e}");
    for entry in tar
        .entries()
        .map_err(|e| bad("reading the tar stream", e))?
    {
        let mut entry = entry.map_err(|e| bad("reading an entry", e))?;
        entries += 1;
        if entries > limits.max_entries {
            bail!("more than {} entries", limits.max_entries);
        }
        let kind = entry.header().entry_type();
        if kind.is_pax_global_extensions() {
            check_global_comment(&mut entry, revision)?;
            continue;
        }
        let path = entry
            .path()
            .map_err(|e| bad("an entry's path", e))?
            .into_owned();
        let Some(rel) = below_top(&path, &top)? else {
            continue;
        };
        let wanted = is_page(&rel);
        if kind.is_block_special() || kind.is_character_special() || kind.is_fifo() {
            bail!("entry {} is a device or fifo", path.display());
        }
        if !wanted || kind.is_dir() {
            continue;
        }
        if kind.is_symlink() || kind.is_hard_link() {
            bail!(
                "entry {} is a link; pages must be regular files",
                path.display()
            );
        }
        if !(kind.is_file() || kind.is_contiguous()) {
            bail!("entry {} is not a regular file", path.display());
        }
        let size = entry.size();
        if size > limits.max_file {
            bail!(
                "page {} is {size} bytes, more than the {} allowed",
                path.display(),
                limits.max_file
            );
        }
        total += size;
        if total > limits.max_pages {
            bail!(
                "the pages add up to more than the {} bytes allowed",
                limits.max_pages
            );
        }
        let mut content = Vec::with_capacity(size as usize);
        (&mut entry)
            .take(limits.max_file + 1)
            .read_to_end(&mut content)
            .map_err(|e| bad(&format!("reading {}", path.display()), e))?;
        let key = rel.to_string_lossy().into_owned();
        if digests
            .insert(key, hex(&Sha256::digest(&content)))
            .is_some()
        {
            bail!("entry {} appears twice", path.display());
        }
        let dest = into.join(&rel);
        if let Some(dir) = dest.parent() {
            fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        fs::write(&dest, &content).with_context(|| format!("writing {}", dest.display()))?;
    }
    // Read the gzip stream to its end: its CRC-32 and length are checked
    // there, and a stream cut short fails there.
    io::copy(&mut tar.into_inner(), &mut io::sink())
        .map_err(|e| bad("the end of the gzip stream", e))?;
    if digests.is_empty() {
        bail!("no Markdown pages under {top}/");
    }
    Ok(Unpacked {
        sha256: tree_digest(&digests),
        pages: digests.len(),
    })
}

/// A page worth unpacking: a `.md` file with no path segment starting with
/// `.` (`.github/` and the like are not published).
fn is_page(rel: &Path) -> bool {
    rel.extension().is_some_and(|e| e == "md")
        && rel.components().all(|c| match c {
            Component::Normal(s) => !s.to_string_lossy().starts_with('.'),
            _ => false,
        })
        && rel.to_str().is_some()
}

/// `path` below the top folder: `None` for the top folder itself, an error
/// for an absolute path, `..`, a path outside the top folder, or (for a
/// page) a path that is not UTF-8.
fn below_top(path: &Path, top: &str) -> Result<Option<PathBuf>> {
    let mut parts = Vec::new();
    for c in path.components() {
        match c {
            Component::Normal(s) => parts.push(s),
            Component::CurDir => {}
            _ => bail!(
                "entry {} has an absolute path or `..`; refusing the archive",
                path.display()
            ),
        }
    }
    match parts.first() {
        Some(first) if *first == top => {}
        _ => bail!(
            "entry {} is not under the top folder {top}/: not the archive of this repository at this revision",
            path.display()
        ),
    }
    if parts.len() == 1 {
        return Ok(None);
    }
    let rel: PathBuf = parts[1..].iter().collect();
    if rel.extension().is_some_and(|e| e == "md") && rel.to_str().is_none() {
        bail!("page {} has a path that is not UTF-8", path.display());
    }
    Ok(Some(rel))
}

/// `git archive` writes the commit id as the pax global `comment`; when it
/// is a commit id it must be `revision`.
fn check_global_comment<R: Read>(entry: &mut tar::Entry<'_, R>, revision: &str) -> Result<()> {
    let Ok(Some(exts)) = entry.pax_extensions() else {
        return Ok(());
    };
    for ext in exts.flatten() {
        if ext.key() == Ok("comment") {
            if let Ok(value) = ext.value() {
                let value = value.trim();
                if is_commit_id(value) && value != revision {
                    bail!("the archive says it is of commit {value}, not {revision}");
                }
            }
        }
    }
    Ok(())
}

/// The content digest of a set of pages: SHA-256 of the lines
/// `"{sha256 of the file}  {path}\n"`, sorted by path (bytewise), which is
/// what `sha256sum` prints, so it can be checked by hand:
///
/// ```sh
/// cd md && find . -type f -name '*.md' -not -path '*/.*' -printf '%P\n' \
///   | LC_ALL=C sort | xargs -d '\n' sha256sum | sha256sum
/// ```
pub fn tree_digest(files: &BTreeMap<String, String>) -> String {
    let mut h = Sha256::new();
    for (path, digest) in files {
        h.update(digest.as_bytes());
        h.update(b"  ");
        h.update(path.as_bytes());
        h.update(b"\n");
    }
    hex(&h.finalize())
}

/// [`tree_digest`] of the `.md` files below a local folder (dot-folders
/// left out), as an archive of the same pages would give.
pub fn folder_digest(root: &Path) -> Result<String> {
    let files = crate::output::list_files(root, &|p: &Path| is_page(p))?;
    let mut digests = BTreeMap::new();
    for rel in files {
        if !is_page(&rel) {
            continue;
        }
        let path = root.join(&rel);
        let bytes = fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let key = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        digests.insert(key, hex(&Sha256::digest(&bytes)));
    }
    Ok(tree_digest(&digests))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// A reader that fails once more than `limit` bytes came through.
struct Capped<R> {
    inner: R,
    left: u64,
    limit: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let want = (buf.len() as u64).min(self.left.saturating_add(1)) as usize;
        let n = self.inner.read(&mut buf[..want])?;
        if n as u64 > self.left {
            return Err(io::Error::other(format!(
                "the archive unpacks to more than {} bytes",
                self.limit
            )));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_is_sha256sum_of_sorted_lines() {
        // printf 'x' | sha256sum  → 2d71…881, for a.md and b/c.md.
        let x = "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881";
        let files: BTreeMap<String, String> = [("b/c.md", x), ("a.md", x)]
            .into_iter()
            .map(|(p, d)| (p.to_string(), d.to_string()))
            .collect();
        let mut h = Sha256::new();
        h.update(format!("{x}  a.md\n{x}  b/c.md\n"));
        assert_eq!(tree_digest(&files), hex(&h.finalize()));
    }

    #[test]
    fn paths_under_the_top_folder_only() {
        let top = "r-abc";
        assert_eq!(below_top(Path::new("r-abc/"), top).expect("top"), None);
        assert_eq!(
            below_top(Path::new("r-abc/a/b.md"), top).expect("page"),
            Some(PathBuf::from("a/b.md"))
        );
        assert!(below_top(Path::new("/etc/passwd"), top).is_err());
        assert!(below_top(Path::new("r-abc/../x.md"), top).is_err());
        assert!(below_top(Path::new("other/x.md"), top).is_err());
        assert!(is_page(Path::new("a/b.md")));
        assert!(!is_page(Path::new(".github/x.md")));
        assert!(!is_page(Path::new("a/img.png")));
    }

    #[test]
    fn capped_reader_stops_at_the_limit() {
        let mut r = Capped {
            inner: &[0u8; 10][..],
            left: 4,
            limit: 4,
        };
        let mut out = Vec::new();
        assert!(r.read_to_end(&mut out).is_err());
        let mut ok = Capped {
            inner: &[0u8; 4][..],
            left: 4,
            limit: 4,
        };
        out.clear();
        assert_eq!(ok.read_to_end(&mut out).expect("fits"), 4);
    }
}
