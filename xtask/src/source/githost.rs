//! The public git host that serves the docs repositories: its base URL,
//! the URLs of a repository's archive and refs, and downloads with retries.
//!
//! The base is `$BITRIX24_DOCS_GIT_BASE`, else `https://github.com`. A plain
//! `http://` base is accepted for loopback addresses only (`127.0.0.0/8`,
//! `::1`, `localhost`), which is how the tests serve real archives; any
//! redirect the host answers with must keep to the same rule.

use std::fmt;
use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context as _, Result};
use bitrix24_runtime::retry::Backoff;
use reqwest::{StatusCode, Url};

/// The environment variable that replaces the host's base URL.
pub const BASE_ENV: &str = "BITRIX24_DOCS_GIT_BASE";

/// The host the docs repositories are published on.
pub const DEFAULT_BASE: &str = "https://github.com";

/// A repository on the host, `owner/name`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Repo {
    /// The owner (user or organisation).
    pub owner: String,
    /// The repository's name.
    pub name: String,
}

impl Repo {
    /// Parse `owner/name`: two segments of ASCII letters, digits, `.`, `_`
    /// and `-`, neither `.` nor `..`.
    pub fn parse(text: &str) -> Result<Repo> {
        let ok = |s: &str| {
            !s.is_empty()
                && s != "."
                && s != ".."
                && s.len() <= 100
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        };
        match text.trim().split_once('/') {
            Some((owner, name)) if ok(owner) && ok(name) => Ok(Repo {
                owner: owner.to_string(),
                name: name.to_string(),
            }),
            _ => bail!("{text:?} is not a repository name of the form owner/name (e.g. bitrix24/b24restdocs)"),
        }
    }
}

impl fmt::Display for Repo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// Whether `rev` is a full commit id: 40 (SHA-1) or 64 (SHA-256) lowercase
/// hex digits. Only a commit id names one tree for ever; branch and tag
/// names move.
pub fn is_commit_id(rev: &str) -> bool {
    matches!(rev.len(), 40 | 64) && rev.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The git host at a base URL.
#[derive(Debug, Clone)]
pub struct GitHost {
    base: Url,
}

impl GitHost {
    /// The host at `$BITRIX24_DOCS_GIT_BASE`, else [`DEFAULT_BASE`].
    pub fn from_env() -> Result<GitHost> {
        match std::env::var(BASE_ENV) {
            Ok(base) if !base.trim().is_empty() => {
                GitHost::new(base.trim()).with_context(|| format!("${BASE_ENV} = {base:?}"))
            }
            _ => GitHost::new(DEFAULT_BASE),
        }
    }

    /// The host at `base` (`https://…`, or `http://` on a loopback address).
    pub fn new(base: &str) -> Result<GitHost> {
        let url = Url::parse(base).with_context(|| format!("{base:?} is not a URL"))?;
        check_url(&url)?;
        if url.query().is_some() || url.fragment().is_some() {
            bail!("the git host base {base} must not have a query or fragment");
        }
        Ok(GitHost { base: url })
    }

    /// The base URL, without a trailing `/`.
    pub fn base(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    /// `{base}/{owner}/{repo}/archive/{revision}.tar.gz`.
    pub fn archive_url(&self, repo: &Repo, revision: &str) -> String {
        format!(
            "{}/{}/{}/archive/{revision}.tar.gz",
            self.base(),
            repo.owner,
            repo.name
        )
    }

    /// `{base}/{owner}/{repo}.git/info/refs?service=git-upload-pack`: the
    /// refs advertisement of git's smart HTTP protocol.
    pub fn info_refs_url(&self, repo: &Repo) -> String {
        format!(
            "{}/{}/{}.git/info/refs?service=git-upload-pack",
            self.base(),
            repo.owner,
            repo.name
        )
    }
}

/// `https://`, or `http://` to a loopback host; anything else is an error
/// naming the URL.
pub fn check_url(url: &Url) -> Result<()> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        "http" => bail!(
            "refusing plain http:// to {}: only loopback addresses (127.0.0.1, [::1], localhost) may use http://; use https://",
            url.host_str().unwrap_or("(no host)")
        ),
        other => bail!("{url} is not an https:// URL (scheme {other:?})"),
    }
}

/// Whether the URL's host is a loopback address or `localhost`.
pub fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

/// How downloads behave.
#[derive(Debug, Clone)]
pub struct Download {
    /// Retries of a failing request after the first try (5xx, 408, 429,
    /// transport errors and bodies cut short).
    pub retries: u32,
    /// The backoff between tries (the runtime's jittered schedule).
    pub backoff: Backoff,
    /// Connecting may take this long.
    pub connect_timeout: Duration,
    /// A whole request may take this long.
    pub timeout: Duration,
    /// Bodies larger than this are refused.
    pub max_bytes: u64,
}

impl Default for Download {
    /// 3 retries from 500 ms (up to 8 s), 20 s to connect, 15 min a
    /// request, 1 GiB at most.
    fn default() -> Self {
        Download {
            retries: 3,
            backoff: Backoff::new(Duration::from_millis(500), Duration::from_secs(8)),
            connect_timeout: Duration::from_secs(20),
            timeout: Duration::from_secs(15 * 60),
            max_bytes: 1 << 30,
        }
    }
}

/// Why a download failed.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    /// The host answered 404 or 410.
    #[error("GET {url}: HTTP {status}")]
    NotFound {
        /// The URL asked for.
        url: String,
        /// The status.
        status: StatusCode,
    },
    /// The host could not be reached (connect or DNS error) on every try.
    #[error("GET {url}: the host could not be reached (after {tries} tries): {message}")]
    Unreachable {
        /// The URL asked for.
        url: String,
        /// Tries made.
        tries: u32,
        /// The last transport error.
        message: String,
    },
    /// Anything else: a status that is not retried, the retry budget spent,
    /// a body over the size limit, a local file error.
    #[error("{0:#}")]
    Other(anyhow::Error),
}

impl Download {
    /// The HTTP client: rustls, a user agent, the timeouts, and redirects
    /// followed (at most 5) only to URLs [`check_url`] accepts.
    pub fn client(&self) -> Result<reqwest::Client> {
        let policy = reqwest::redirect::Policy::custom(|attempt| {
            if attempt.previous().len() >= 5 {
                attempt.error("more than 5 redirects")
            } else if let Err(e) = check_url(attempt.url()) {
                attempt.error(format!("redirect refused: {e}"))
            } else {
                attempt.follow()
            }
        });
        reqwest::Client::builder()
            .user_agent(concat!("bitrix24-sdk-xtask/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            .redirect(policy)
            .build()
            .context("building the HTTP client")
    }

    /// GET `url` into memory (at most `max_bytes`), retrying what may pass.
    pub async fn text(&self, client: &reqwest::Client, url: &str) -> Result<String, DownloadError> {
        let mut body = Vec::new();
        self.get(client, url, &mut Sink::Memory(&mut body)).await?;
        String::from_utf8(body)
            .map_err(|_| DownloadError::Other(anyhow::anyhow!("GET {url}: the body is not UTF-8")))
    }

    /// GET `url` into the file `to` (created or truncated), retrying what
    /// may pass; on error the file may hold a partial body.
    pub async fn to_file(
        &self,
        client: &reqwest::Client,
        url: &str,
        to: &Path,
    ) -> Result<u64, DownloadError> {
        let mut sink = Sink::File(to);
        self.get(client, url, &mut sink).await
    }

    async fn get(
        &self,
        client: &reqwest::Client,
        url: &str,
        sink: &mut Sink<'_>,
    ) -> Result<u64, DownloadError> {
        let parsed = Url::parse(url)
            .map_err(|e| DownloadError::Other(anyhow::anyhow!("{url:?} is not a URL: {e}")))?;
        check_url(&parsed).map_err(DownloadError::Other)?;
        let mut attempt = 0u32;
        loop {
            let outcome = self.try_once(client, url, sink).await;
            let (message, unreachable) = match outcome {
                Ok(n) => return Ok(n),
                Err(Try::Fatal(e)) => return Err(e),
                Err(Try::Again {
                    message,
                    unreachable,
                }) => (message, unreachable),
            };
            if attempt >= self.retries {
                let tries = attempt + 1;
                return Err(if unreachable {
                    DownloadError::Unreachable {
                        url: url.to_string(),
                        tries,
                        message,
                    }
                } else {
                    DownloadError::Other(anyhow::anyhow!(
                        "GET {url}: {message} (after {tries} tries)"
                    ))
                });
            }
            attempt += 1;
            tokio::time::sleep(self.backoff.wait(attempt)).await;
        }
    }

    async fn try_once(
        &self,
        client: &reqwest::Client,
        url: &str,
        sink: &mut Sink<'_>,
    ) -> Result<u64, Try> {
        let fatal = |e: anyhow::Error| Try::Fatal(DownloadError::Other(e));
        let mut resp = match client.get(url).send().await {
            Ok(r) => r,
            // A refused redirect would be refused again.
            Err(e) if e.is_redirect() => {
                return Err(fatal(anyhow::anyhow!(
                    "GET {url}: {}",
                    transport_message(&e)
                )))
            }
            Err(e) => {
                return Err(Try::Again {
                    unreachable: e.is_connect(),
                    message: transport_message(&e),
                })
            }
        };
        let status = resp.status();
        if status == StatusCode::NOT_FOUND || status == StatusCode::GONE {
            return Err(Try::Fatal(DownloadError::NotFound {
                url: url.to_string(),
                status,
            }));
        }
        if status.is_server_error()
            || status == StatusCode::TOO_MANY_REQUESTS
            || status == StatusCode::REQUEST_TIMEOUT
        {
            return Err(Try::Again {
                message: format!("HTTP {status}"),
                unreachable: false,
            });
        }
        if !status.is_success() {
            return Err(fatal(anyhow::anyhow!("GET {url}: HTTP {status}")));
        }
        if let Some(len) = resp.content_length() {
            if len > self.max_bytes {
                return Err(fatal(anyhow::anyhow!(
                    "GET {url}: the body is {len} bytes, more than the {} allowed",
                    self.max_bytes
                )));
            }
        }
        sink.start().await.map_err(fatal)?;
        let mut total: u64 = 0;
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    total += chunk.len() as u64;
                    if total > self.max_bytes {
                        return Err(fatal(anyhow::anyhow!(
                            "GET {url}: the body is more than the {} bytes allowed",
                            self.max_bytes
                        )));
                    }
                    sink.write(&chunk).await.map_err(fatal)?;
                }
                Ok(None) => break,
                Err(e) => {
                    return Err(Try::Again {
                        message: format!("the body was cut short: {}", transport_message(&e)),
                        unreachable: false,
                    })
                }
            }
        }
        sink.finish().await.map_err(fatal)?;
        Ok(total)
    }
}

enum Try {
    Again { message: String, unreachable: bool },
    Fatal(DownloadError),
}

/// Where a body goes: memory, or a file (written as it comes; plain
/// blocking writes, fine on the fetch's own current-thread runtime).
enum Sink<'a> {
    Memory(&'a mut Vec<u8>),
    File(&'a Path),
    Open(&'a Path, std::io::BufWriter<std::fs::File>),
}

impl Sink<'_> {
    async fn start(&mut self) -> Result<()> {
        match self {
            Sink::Memory(buf) => buf.clear(),
            Sink::File(path) | Sink::Open(path, _) => {
                let path = *path;
                let file = std::fs::File::create(path)
                    .with_context(|| format!("creating {}", path.display()))?;
                *self = Sink::Open(path, std::io::BufWriter::new(file));
            }
        }
        Ok(())
    }

    async fn write(&mut self, bytes: &[u8]) -> Result<()> {
        use std::io::Write as _;
        match self {
            Sink::Memory(buf) => buf.extend_from_slice(bytes),
            Sink::File(path) => bail!("{} was not opened", path.display()),
            Sink::Open(path, file) => file
                .write_all(bytes)
                .with_context(|| format!("writing {}", path.display()))?,
        }
        Ok(())
    }

    async fn finish(&mut self) -> Result<()> {
        use std::io::Write as _;
        if let Sink::Open(path, file) = self {
            file.flush()
                .with_context(|| format!("writing {}", path.display()))?;
            file.get_ref()
                .sync_all()
                .with_context(|| format!("writing {}", path.display()))?;
        }
        Ok(())
    }
}

/// A transport error's text with its causes, without repeating the URL.
fn transport_message(e: &reqwest::Error) -> String {
    let mut parts = vec![transport_kind(e).to_string()];
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.contains(&text) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

/// What kind of transport failure `e` is, in words.
fn transport_kind(e: &reqwest::Error) -> &'static str {
    if e.is_connect() {
        "connection failed"
    } else if e.is_timeout() {
        "timed out"
    } else if e.is_body() || e.is_decode() {
        "reading the body failed"
    } else if e.is_redirect() {
        "redirect failed"
    } else {
        "request failed"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_names() {
        let r = Repo::parse("bitrix24/b24restdocs").expect("valid");
        assert_eq!(r.to_string(), "bitrix24/b24restdocs");
        for bad in ["", "x", "a/b/c", "../x", "a/..", "a b/c", "a/b?c"] {
            assert!(Repo::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn commit_ids() {
        assert!(is_commit_id("5988ed130d13802764a555edbfe12d0fc81e7d7a"));
        assert!(!is_commit_id("main"));
        assert!(!is_commit_id("5988ED130D13802764A555EDBFE12D0FC81E7D7A"));
        assert!(!is_commit_id("../../etc/passwd000000000000000000000000000"));
    }

    #[test]
    fn http_only_on_loopback() {
        assert!(GitHost::new("https://github.com").is_ok());
        assert!(GitHost::new("http://127.0.0.1:8080").is_ok());
        assert!(GitHost::new("http://127.1.2.3/mirror/").is_ok());
        assert!(GitHost::new("http://[::1]:9").is_ok());
        assert!(GitHost::new("http://localhost:9").is_ok());
        let err = GitHost::new("http://github.com").expect_err("plain http off loopback");
        assert!(format!("{err:#}").contains("only loopback"), "{err:#}");
        assert!(GitHost::new("http://10.0.0.1").is_err());
        assert!(GitHost::new("http://127.0.0.1.example.com").is_err());
        assert!(GitHost::new("ftp://127.0.0.1").is_err());
        assert!(GitHost::new("github.com").is_err());
    }

    #[test]
    fn urls() {
        let host = GitHost::new("http://127.0.0.1:8/base/").expect("host");
        let repo = Repo::parse("o/r").expect("repo");
        assert_eq!(
            host.archive_url(&repo, "abc"),
            "http://127.0.0.1:8/base/o/r/archive/abc.tar.gz"
        );
        assert_eq!(
            host.info_refs_url(&repo),
            "http://127.0.0.1:8/base/o/r.git/info/refs?service=git-upload-pack"
        );
    }
}
