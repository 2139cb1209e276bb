//! The published docs pages over HTTP: `<base>/<rel>` for every page,
//! cached on disk, resumable, polite.
//!
//! Pages are found from what the site serves: its sitemaps (`sitemap.xml`
//! and every `Sitemap:` that `robots.txt` names; sitemap indexes are
//! followed, gzipped sitemaps read; every `<loc>` below the base is a page,
//! `dir/` read as `dir/index.html` and a path with no extension as
//! `path.html`), the docs' `toc.yaml` files (`href:` pages and
//! `include: path:` tables of contents), the seed pages given, and then the
//! links of every page fetched (`.md` links are read as `.html`, the way the
//! site publishes them). Each page is saved under the cache folder at its
//! path; a page already there is read from disk and not fetched again, so a
//! fetch that stopped half-way resumes where it stopped. At most
//! `concurrency` requests run at once; a 5xx, 429 or a transport error is
//! retried with the runtime's jittered exponential backoff; a 404 page is left out; a page that
//! still fails after the retries makes the whole fetch an error naming its
//! URL (the pages fetched so far stay cached).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context as _, Result};
use bitrix24_runtime::retry::Backoff;
use futures::stream::{self, StreamExt as _};
use indicatif::ProgressBar;

use crate::source::Page;

/// How to fetch.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// The site's base URL; a page `rel` is at `base + rel`. A missing
    /// trailing `/` is added.
    pub base: String,
    /// The disk cache for this site (see [`default_cache_dir`]).
    pub cache_dir: PathBuf,
    /// Requests in flight at most.
    pub concurrency: usize,
    /// Retries of a failing request (after the first try).
    pub retries: u32,
    /// The first backoff; it doubles with every retry up to 30 s, with the
    /// client's jitter (`bitrix24_runtime::retry::Backoff`: each wait is
    /// between half and all of the step).
    pub backoff: Duration,
    /// Timeout of one request.
    pub timeout: Duration,
    /// Pages to start from besides the site's `sitemap.xml` and `toc.yaml`
    /// (paths below the base, e.g. `index.html`).
    pub seeds: Vec<String>,
    /// Follow the links of fetched pages to find more pages.
    pub follow_links: bool,
    /// Show a progress bar (only drawn when stderr is a terminal).
    pub progress: bool,
}

impl FetchOptions {
    /// Defaults for `base`: 8 requests at once, 4 retries from 500 ms,
    /// 30 s timeout, seeds `index.html`, links followed, the cache under
    /// the workspace's `target/docs-cache/`.
    pub fn new(base: &str) -> Self {
        FetchOptions {
            base: normalize_base(base),
            cache_dir: default_cache_dir(base),
            concurrency: 8,
            retries: 4,
            backoff: Duration::from_millis(500),
            timeout: Duration::from_secs(30),
            seeds: vec!["index.html".to_string()],
            follow_links: true,
            progress: true,
        }
    }
}

/// The longest wait between two tries of a page.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// What a fetch did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchReport {
    /// Pages returned.
    pub pages: usize,
    /// Pages read from the cache.
    pub cached: usize,
    /// Pages fetched over the network.
    pub fetched: usize,
    /// Retried requests.
    pub retries: usize,
    /// Pages that were linked or listed but not found (404), by path.
    pub missing: Vec<String>,
}

/// `target/docs-cache/<host>[_<port>]/` in the workspace.
pub fn default_cache_dir(base: &str) -> PathBuf {
    let host = base
        .split("://")
        .nth(1)
        .unwrap_or(base)
        .split('/')
        .next()
        .unwrap_or_default()
        .replace(':', "_");
    let host = if host.is_empty() {
        "site".to_string()
    } else {
        host
    };
    crate::workspace_root()
        .join("target")
        .join("docs-cache")
        .join(host)
}

fn normalize_base(base: &str) -> String {
    if base.ends_with('/') {
        base.to_string()
    } else {
        format!("{base}/")
    }
}

/// Fetch every page (blocking; runs its own tokio runtime).
pub fn fetch_pages(opts: &FetchOptions) -> Result<(Vec<Page>, FetchReport)> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the HTTP runtime")?;
    rt.block_on(fetch_pages_async(opts))
}

/// Fetch every page.
pub async fn fetch_pages_async(opts: &FetchOptions) -> Result<(Vec<Page>, FetchReport)> {
    let base = normalize_base(&opts.base);
    if !base.starts_with("http://") && !base.starts_with("https://") {
        bail!("docs base URL {base} is not an http(s) URL");
    }
    let client = reqwest::Client::builder()
        .timeout(opts.timeout)
        .user_agent(concat!("bitrix24-sdk-xtask/", env!("CARGO_PKG_VERSION")))
        .build()
        .context("building the HTTP client")?;
    let fetcher = Fetcher {
        client,
        base: base.clone(),
        retries: opts.retries,
        backoff: Backoff::new(opts.backoff, MAX_BACKOFF.max(opts.backoff)),
    };
    fs::create_dir_all(&opts.cache_dir)
        .with_context(|| format!("creating docs cache {}", opts.cache_dir.display()))?;

    let mut report = FetchReport::default();
    let mut frontier: BTreeSet<String> = BTreeSet::new();
    for seed in &opts.seeds {
        if let Some(rel) = page_rel(seed) {
            frontier.insert(rel);
        }
    }
    frontier.extend(fetcher.sitemaps().await?);
    frontier.extend(fetcher.tocs().await?);

    let bar = if opts.progress {
        crate::progress::progress(frontier.len(), "fetch")
    } else {
        ProgressBar::hidden()
    };
    let mut seen: BTreeSet<String> = frontier.clone();
    let mut pages: BTreeMap<String, String> = BTreeMap::new();
    let mut failed: Vec<String> = Vec::new();
    while !frontier.is_empty() {
        let wave: Vec<String> = std::mem::take(&mut frontier).into_iter().collect();
        let results: Vec<(String, Result<Outcome>)> = stream::iter(wave)
            .map(|rel| {
                let fetcher = &fetcher;
                let cache = opts.cache_dir.join(&rel);
                async move {
                    let out = fetcher.page(&rel, &cache).await;
                    (rel, out)
                }
            })
            .buffer_unordered(opts.concurrency.max(1))
            .collect()
            .await;
        let mut new_pages: Vec<String> = Vec::new();
        for (rel, out) in results {
            bar.inc(1);
            if matches!(out, Ok(Outcome::Cached(_) | Outcome::Fetched(..))) {
                new_pages.push(rel.clone());
            }
            match out {
                Ok(Outcome::Cached(html)) => {
                    report.cached += 1;
                    pages.insert(rel, html);
                }
                Ok(Outcome::Fetched(html, retries)) => {
                    report.fetched += 1;
                    report.retries += retries;
                    pages.insert(rel, html);
                }
                Ok(Outcome::Missing) => report.missing.push(rel),
                Err(e) => failed.push(format!("{e:#}")),
            }
        }
        if opts.follow_links {
            for rel in &new_pages {
                let Some(html) = pages.get(rel) else { continue };
                for link in links(rel, html) {
                    if seen.insert(link.clone()) {
                        frontier.insert(link);
                    }
                }
            }
            bar.set_length(seen.len() as u64);
        }
    }
    bar.finish_and_clear();
    if !failed.is_empty() {
        failed.sort();
        bail!(
            "{} docs page(s) could not be fetched (the others are cached in {}; run again to resume):\n  {}",
            failed.len(),
            opts.cache_dir.display(),
            failed.join("\n  ")
        );
    }
    report.missing.sort();
    report.pages = pages.len();
    let pages = pages
        .into_iter()
        .map(|(rel, html)| Page { rel, html })
        .collect();
    Ok((pages, report))
}

enum Outcome {
    Cached(String),
    Fetched(String, usize),
    Missing,
}

struct Fetcher {
    client: reqwest::Client,
    base: String,
    retries: u32,
    backoff: Backoff,
}

/// A GET's result after retries: the body as text (UTF-8, lossy) and as
/// bytes, and the retries it took.
enum Got {
    Body(String, Vec<u8>, usize),
    NotFound,
}

impl Fetcher {
    async fn page(&self, rel: &str, cache: &Path) -> Result<Outcome> {
        if let Ok(html) = fs::read_to_string(cache) {
            return Ok(Outcome::Cached(html));
        }
        match self.get(rel).await? {
            Got::NotFound => Ok(Outcome::Missing),
            Got::Body(html, _, retries) => {
                write_atomic(cache, &html)?;
                Ok(Outcome::Fetched(html, retries))
            }
        }
    }

    /// GET `base + rel`, retrying 5xx, 429 and transport errors.
    async fn get(&self, rel: &str) -> Result<Got> {
        let url = format!("{}{}", self.base, rel);
        let mut attempt = 0;
        loop {
            let last = attempt >= self.retries;
            let err = match self.client.get(&url).send().await {
                Ok(resp) => {
                    let status = resp.status();
                    if status.is_success() {
                        match resp.bytes().await {
                            Ok(body) => {
                                return Ok(Got::Body(
                                    String::from_utf8_lossy(&body).into_owned(),
                                    body.to_vec(),
                                    attempt as usize,
                                ))
                            }
                            Err(e) => format!("reading the body: {e}"),
                        }
                    } else if status == reqwest::StatusCode::NOT_FOUND
                        || status == reqwest::StatusCode::GONE
                    {
                        return Ok(Got::NotFound);
                    } else if status.is_server_error()
                        || status == reqwest::StatusCode::TOO_MANY_REQUESTS
                        || status == reqwest::StatusCode::REQUEST_TIMEOUT
                    {
                        format!("HTTP {status}")
                    } else {
                        bail!("GET {url}: HTTP {status}");
                    }
                }
                Err(e) => format!("{e}"),
            };
            if last {
                bail!("GET {url}: {err} (after {} tries)", attempt + 1);
            }
            tokio::time::sleep(self.backoff.wait(attempt + 1)).await;
            attempt += 1;
        }
    }

    /// Pages listed in the site's sitemaps: `sitemap.xml` and those that
    /// `robots.txt` names, sitemap indexes followed (at most
    /// [`MAX_SITEMAPS`]), `.gz` sitemaps unpacked.
    async fn sitemaps(&self) -> Result<Vec<String>> {
        let mut todo = vec!["sitemap.xml".to_string()];
        if let Got::Body(robots, _, _) = self.get("robots.txt").await? {
            for line in robots.lines() {
                let line = line.trim();
                let Some((key, value)) = line.split_once(':') else {
                    continue;
                };
                if key.trim().eq_ignore_ascii_case("sitemap") {
                    if let Some(rel) = self.rel_of(value.trim()) {
                        todo.push(rel);
                    }
                }
            }
        }
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        while let Some(map) = todo.pop() {
            if seen.len() >= MAX_SITEMAPS || !seen.insert(map.clone()) {
                continue;
            }
            let Got::Body(_, bytes, _) = self.get(&map).await? else {
                continue;
            };
            let xml = sitemap_text(&bytes)
                .with_context(|| format!("reading the sitemap {}{map}", self.base))?;
            let is_index = xml.contains("<sitemapindex");
            for loc in locs(&xml) {
                let Some(rel) = self.rel_of(&loc) else {
                    continue;
                };
                if is_index {
                    todo.push(rel);
                } else if let Some(page) = sitemap_page(&rel) {
                    out.push(page);
                }
            }
        }
        Ok(out)
    }

    /// A sitemap URL as a path below the base: a URL under the base, or
    /// one on another host whose path lies under the base's path (a mirror
    /// serving the published site's sitemap); `None` otherwise.
    fn rel_of(&self, url: &str) -> Option<String> {
        if let Some(rel) = url.strip_prefix(&self.base) {
            return Some(rel.to_string());
        }
        let base_path = reqwest::Url::parse(&self.base).ok()?.path().to_string();
        let path = reqwest::Url::parse(url).ok()?.path().to_string();
        path.strip_prefix(&base_path).map(str::to_string)
    }

    /// Pages listed in the docs' `toc.yaml` files, if the site serves them.
    async fn tocs(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        let mut todo = vec!["toc.yaml".to_string()];
        let mut seen = BTreeSet::new();
        while let Some(toc) = todo.pop() {
            if !seen.insert(toc.clone()) || seen.len() > 10_000 {
                continue;
            }
            let Got::Body(yaml, _, _) = self.get(&toc).await? else {
                continue;
            };
            for (key, value) in toc_entries(&yaml) {
                if value.contains("://") {
                    continue;
                }
                let Some(target) = super::markdown::include::join_rel(&toc, &value) else {
                    continue;
                };
                if key == "path" || target.ends_with(".yaml") {
                    if target.ends_with(".yaml") {
                        todo.push(target);
                    }
                } else if let Some(rel) = page_rel(&target) {
                    out.push(rel);
                }
            }
        }
        Ok(out)
    }
}

/// Sitemaps read at most, indexes included.
const MAX_SITEMAPS: usize = 1_000;

/// A sitemap's text: gunzipped when it is gzip (at most 256 MiB), UTF-8.
fn sitemap_text(bytes: &[u8]) -> Result<String> {
    use std::io::Read as _;
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(String::from_utf8_lossy(bytes).into_owned());
    }
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .take(256 << 20)
        .read_to_end(&mut out)
        .context("not a valid gzip stream")?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// The `<loc>` values of a sitemap, entities decoded.
fn locs(xml: &str) -> Vec<String> {
    xml.split("<loc>")
        .skip(1)
        .map(|part| {
            let loc = part.split("</loc>").next().unwrap_or_default().trim();
            let loc = loc
                .trim_start_matches("<![CDATA[")
                .trim_end_matches("]]>")
                .trim();
            loc.replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&")
        })
        .collect()
}

/// A page path from a sitemap entry below the base: as [`page_rel`], and
/// also the site root and `dir/` as `index.html` below them, and a last
/// segment with no extension as `.html` (sites that publish pretty URLs).
fn sitemap_page(rel: &str) -> Option<String> {
    let t = rel.split(['#', '?']).next().unwrap_or_default();
    let t = t.trim_start_matches('/');
    if t.contains("://") || t.split('/').any(|s| s == "..") {
        return None;
    }
    if t.is_empty() || t.ends_with('/') {
        return Some(format!("{t}index.html"));
    }
    let last = t.rsplit('/').next().unwrap_or_default();
    if !last.contains('.') {
        return Some(format!("{t}.html"));
    }
    page_rel(t)
}

/// `href:` and `path:` values of a `toc.yaml` (a line scan; the format is
/// simple and regular).
fn toc_entries(yaml: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in yaml.lines() {
        let t = line.trim_start().trim_start_matches("- ").trim();
        for key in ["href", "path"] {
            if let Some(v) = t.strip_prefix(key).and_then(|r| r.strip_prefix(':')) {
                let v = v.trim().trim_matches(|c| c == '"' || c == '\'').trim();
                if !v.is_empty() {
                    out.push((key.to_string(), v.to_string()));
                }
            }
        }
    }
    out
}

/// A page path from a link target below the base: `.md` read as `.html`,
/// query and fragment dropped; `None` for anything that is not a page.
fn page_rel(target: &str) -> Option<String> {
    let t = target.split(['#', '?']).next().unwrap_or_default();
    let t = t.trim_start_matches('/');
    if t.is_empty() || t.contains("://") || t.split('/').any(|s| s == "..") {
        return None;
    }
    if let Some(stem) = t.strip_suffix(".md") {
        return Some(format!("{stem}.html"));
    }
    t.ends_with(".html").then(|| t.to_string())
}

/// Links of a page at `rel` to other pages of the site.
fn links(rel: &str, html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in html.split("href=\"").skip(1) {
        let href = part.split('"').next().unwrap_or_default();
        if href.is_empty()
            || href.starts_with('#')
            || href.contains("://")
            || href.starts_with("mailto:")
            || href.starts_with("//")
        {
            continue;
        }
        let target = if let Some(abs) = href.strip_prefix('/') {
            Some(abs.to_string())
        } else {
            super::markdown::include::join_rel(rel, href.split(['#', '?']).next().unwrap_or(""))
        };
        if let Some(p) = target.as_deref().and_then(page_rel) {
            out.push(p);
        }
    }
    out
}

fn write_atomic(path: &Path, text: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let tmp = path.with_extension("html.part");
    fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
    fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_paths_from_links() {
        assert_eq!(page_rel("a/b.md#x").as_deref(), Some("a/b.html"));
        assert_eq!(page_rel("/a/b.html?q").as_deref(), Some("a/b.html"));
        assert_eq!(page_rel("a/b.png"), None);
        assert_eq!(page_rel("../x.html"), None);
        let html = r##"<a href="./c.md">c</a><a href="/d/e.html">e</a><a href="#x">x</a><a href="https://x.org/y.html">y</a>"##;
        assert_eq!(links("a/b.html", html), vec!["a/c.html", "d/e.html"]);
    }

    #[test]
    fn sitemap_entries() {
        assert_eq!(sitemap_page("").as_deref(), Some("index.html"));
        assert_eq!(sitemap_page("a/").as_deref(), Some("a/index.html"));
        assert_eq!(sitemap_page("a/b").as_deref(), Some("a/b.html"));
        assert_eq!(sitemap_page("a/b.html").as_deref(), Some("a/b.html"));
        assert_eq!(sitemap_page("a/b.pdf"), None);
        assert_eq!(sitemap_page("../b"), None);
        assert_eq!(
            locs("<urlset><url><loc> https://x/a?p=1&amp;q=2 </loc></url><url><loc><![CDATA[https://x/b]]></loc></url></urlset>"),
            vec!["https://x/a?p=1&q=2", "https://x/b"]
        );
        assert!(sitemap_text(&[0x1f, 0x8b, 0, 0]).is_err());
    }

    #[test]
    fn toc_lines() {
        let yaml = "items:\n  - name: A\n    href: a.md\n  - include:\n      path: sub/toc.yaml\n";
        assert_eq!(
            toc_entries(yaml),
            vec![
                ("href".to_string(), "a.md".to_string()),
                ("path".to_string(), "sub/toc.yaml".to_string())
            ]
        );
    }

    #[test]
    fn cache_dir_names_the_host() {
        assert!(
            default_cache_dir("http://127.0.0.1:8080/docs/").ends_with("docs-cache/127.0.0.1_8080")
        );
    }
}
