//! Which docs a regen reads: the source a flag names (which moves the pin),
//! else the pin in `specs/` (with `$BITRIX24_DOCS` saying where a local
//! corpus is), else the default HTML folder beside the checkout.

use std::path::PathBuf;

use anyhow::{bail, Context as _, Result};

use super::archive::{self, ArchiveOptions};
use super::githost::Repo;
use super::pin::{self, Pin, SourceKind};
use super::{http, markdown, read_html_dir, Page};

/// What the command line says about the docs source.
#[derive(Debug, Clone, Default)]
pub struct SourceArgs {
    /// A folder of rendered HTML pages (moves the pin).
    pub html: Option<PathBuf>,
    /// A folder of the docs' Markdown source (moves the pin).
    pub md: Option<PathBuf>,
    /// A base URL of the published pages (moves the pin).
    pub http: Option<String>,
    /// A docs repository on the git host, `OWNER/REPO` (moves the pin).
    pub git: Option<String>,
    /// The newest revision of the git source.
    pub latest: bool,
    /// The revision to fetch or record.
    pub revision: Option<String>,
    /// The download cache.
    pub cache: Option<PathBuf>,
    /// HTTP requests in flight at once.
    pub concurrency: usize,
    /// Print no progress lines.
    pub quiet: bool,
}

/// Where the docs corpus sits beside a checkout, as the pin records it.
const DEFAULT_HTML: &str = "../shared/bitrix24-docs/html";

/// The docs pages, from the source a flag names (which moves the pin), or
/// else from the pin in `specs/` (else the default HTML folder).
pub fn read_source(
    args: &SourceArgs,
    root: &std::path::Path,
    specs_dir: &std::path::Path,
) -> Result<(Vec<Page>, Pin)> {
    let pinned = Pin::read(specs_dir)?;
    let local_flag = args.html.is_some() || args.md.is_some() || args.http.is_some();
    let git_repo = match (&args.git, &pinned) {
        (Some(repo), _) => Some(Repo::parse(repo)?),
        (None, Some(p)) if p.source == SourceKind::Git && !local_flag => {
            Some(Repo::parse(&p.location).context("the location of the git pin in specs/PIN.toml")?)
        }
        _ if args.latest => bail!(
            "--latest needs a git source: specs/PIN.toml does not name a repository; pass --git OWNER/REPO (the English docs: bitrix24/b24restdocs)"
        ),
        _ => None,
    };
    if let Some(repo) = git_repo {
        return read_git(args, &repo, pinned.as_ref());
    }
    let flagged = if let Some(dir) = &args.html {
        Some((SourceKind::Html, relative_to(root, dir)))
    } else if let Some(dir) = &args.md {
        Some((SourceKind::Markdown, relative_to(root, dir)))
    } else {
        args.http
            .as_ref()
            .map(|url| (SourceKind::Http, url.clone()))
    };
    let (kind, location) = match (&flagged, &pinned) {
        (Some(f), _) => f.clone(),
        (None, Some(p)) => (p.source, p.location.clone()),
        (None, None) => (SourceKind::Html, DEFAULT_HTML.to_string()),
    };
    // Local locations in the pin are relative to the workspace root;
    // $BITRIX24_DOCS, when set, says where the corpus is on this machine.
    let local = |location: &str, sub: &str| -> PathBuf {
        match (flagged.is_none(), std::env::var_os("BITRIX24_DOCS")) {
            (true, Some(docs)) if !docs.is_empty() => PathBuf::from(docs).join(sub),
            _ => root.join(location),
        }
    };
    let (pages, detected) = match kind {
        SourceKind::Html => {
            let dir = local(&location, "html");
            (read_html_dir(&dir)?, pin::docs_revision(&dir))
        }
        SourceKind::Markdown => {
            let dir = local(&location, "md");
            (markdown::read_markdown_dir(&dir)?, pin::docs_revision(&dir))
        }
        SourceKind::Http => {
            let mut opts = http::FetchOptions::new(&location);
            if let Some(cache) = &args.cache {
                opts.cache_dir = cache.clone();
            }
            opts.concurrency = args.concurrency.max(1);
            let (pages, report) = http::fetch_pages(&opts)?;
            if !args.quiet {
                eprintln!(
                    "fetched {} pages ({} from cache, {} retries, {} missing)",
                    report.pages,
                    report.cached,
                    report.retries,
                    report.missing.len()
                );
            }
            (pages, None)
        }
        SourceKind::Git => bail!("internal: a git pin is read by read_git"),
    };
    let revision = args
        .revision
        .clone()
        .or(detected)
        .or_else(|| match (&flagged, &pinned) {
            (None, Some(p)) => p.revision.clone(),
            _ => None,
        });
    if let (None, Some(p)) = (&flagged, &pinned) {
        if p.revision.is_some() && revision != p.revision {
            bail!(
                "specs/ is pinned to docs revision {} but {} is at {}; name the source (--html, --md, --http or --git) to move the pin",
                p.revision.as_deref().unwrap_or_default(),
                p.location,
                revision.as_deref().unwrap_or("an unknown revision")
            );
        }
    }
    Ok((pages, Pin::new(kind, location, revision)))
}

/// The docs from the git host's archive of the repository (`--git`, or the
/// pin), at `--latest`, `--revision` or the pinned revision; or, when
/// `$BITRIX24_DOCS` is set and nothing asks to move the pin, from that local
/// corpus, which must be at the pinned revision.
fn read_git(args: &SourceArgs, repo: &Repo, pinned: Option<&Pin>) -> Result<(Vec<Page>, Pin)> {
    let same = pinned.filter(|p| p.source == SourceKind::Git && p.location == repo.to_string());
    let moving = args.git.is_some() || args.latest || args.revision.is_some();
    if let (false, Some(p)) = (moving, same) {
        if let Some(docs) = std::env::var_os("BITRIX24_DOCS").filter(|d| !d.is_empty()) {
            return read_local_for_pin(args, p, &PathBuf::from(docs));
        }
    }
    let mut opts = ArchiveOptions::from_env()?;
    if let Some(cache) = &args.cache {
        opts.cache_root = cache.clone();
    }
    let revision = if args.latest {
        let head = archive::latest(&opts, repo)?;
        if !args.quiet {
            eprintln!(
                "newest revision of {repo} ({}): {}",
                head.branch.as_deref().unwrap_or("default branch"),
                head.revision
            );
        }
        head.revision
    } else if let Some(rev) = &args.revision {
        rev.clone()
    } else if let Some(rev) = same.and_then(|p| p.revision.clone()) {
        rev
    } else {
        bail!("no docs revision for {repo}: pass --revision COMMIT or --latest");
    };
    // The pinned digest binds the pinned revision, unless --revision asks
    // to record what the host serves now.
    let expected = same
        .filter(|p| p.revision.as_deref() == Some(revision.as_str()) && args.revision.is_none())
        .and_then(|p| p.sha256.clone());
    let fetched = archive::fetch(&opts, repo, &revision, expected.as_deref())?;
    if !args.quiet {
        if fetched.cached {
            eprintln!(
                "docs {repo} at {revision}: {} pages from the cache {}",
                fetched.marker.pages,
                fetched.dir.display()
            );
        } else {
            eprintln!(
                "fetched {}: {} pages, sha256 {}, cached in {}",
                fetched.marker.url,
                fetched.marker.pages,
                fetched.marker.sha256,
                fetched.dir.display()
            );
        }
    }
    let pages = markdown::read_markdown_dir(&fetched.md_dir())?;
    let mut pin = Pin::new(SourceKind::Git, repo.to_string(), Some(revision));
    pin.sha256 = Some(fetched.marker.sha256);
    Ok((pages, pin))
}

/// The pinned git revision read from a local corpus (`md/`, else `html/`,
/// with a `COMMIT` file): refused unless it is at the pinned revision.
fn read_local_for_pin(
    args: &SourceArgs,
    pin: &Pin,
    docs: &std::path::Path,
) -> Result<(Vec<Page>, Pin)> {
    let (dir, pages) = if docs.join("md").is_dir() {
        let dir = docs.join("md");
        let pages = markdown::read_markdown_dir(&dir)?;
        (dir, pages)
    } else if docs.join("html").is_dir() {
        let dir = docs.join("html");
        let pages = read_html_dir(&dir)?;
        (dir, pages)
    } else {
        bail!(
            "$BITRIX24_DOCS = {} holds neither md/ nor html/; unset it to fetch {} at {} from the git host",
            docs.display(),
            pin.location,
            pin.revision.as_deref().unwrap_or("the pinned revision")
        );
    };
    let found = pin::docs_revision(&dir);
    if pin.revision.is_some() && found != pin.revision {
        bail!(
            "specs/ is pinned to docs revision {} but $BITRIX24_DOCS ({}) is at {}; unset BITRIX24_DOCS to fetch the pinned revision, or move the pin (--latest, --revision, --md, --html)",
            pin.revision.as_deref().unwrap_or_default(),
            dir.display(),
            found.as_deref().unwrap_or("an unknown revision (no COMMIT file)")
        );
    }
    if !args.quiet {
        eprintln!(
            "reading {} ($BITRIX24_DOCS) for {} at {}",
            dir.display(),
            pin.location,
            pin.revision.as_deref().unwrap_or("an unknown revision")
        );
    }
    Ok((pages, pin.clone()))
}

/// `path` as the pin records it: relative to the workspace root when it
/// lies below it or beside it (`../shared/...`), else as given.
fn relative_to(root: &std::path::Path, path: &std::path::Path) -> String {
    let (Ok(root), Ok(path)) = (root.canonicalize(), path.canonicalize()) else {
        return path.display().to_string();
    };
    if let Ok(rel) = path.strip_prefix(&root) {
        return rel.display().to_string();
    }
    match root
        .parent()
        .and_then(|parent| path.strip_prefix(parent).ok())
    {
        Some(rel) => format!("../{}", rel.display()),
        None => path.display().to_string(),
    }
}
