//! The docs from their git host, against a server on 127.0.0.1 (never
//! anything else): a real `.tar.gz` built here from a docs folder written
//! here (a few pages in the docs' layout, facts only), served the way the
//! host serves archives (`{base}/{owner}/{repo}/archive/{revision}.tar.gz`,
//! one top folder `{repo}-{revision}/`, a pax global header naming the
//! commit) and refs (`{repo}.git/info/refs`).
//!
//! A full fetch, a cached second run with the server gone, truncated and
//! corrupted archives (a clear error, nothing cached), a digest that does
//! not match the pin, hostile archives, a server that fails some requests,
//! `--latest`, and plain http:// off loopback. The `regen_*` tests run the
//! `xtask` binary itself in a throwaway workspace.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use bitrix24_runtime::retry::Backoff;
use xtask::source::archive::{self, ArchiveOptions, Limits};
use xtask::source::githost::{Download, GitHost, Repo};
use xtask::source::markdown::read_markdown_dir;
use xtask::source::refs::pkt_line;

const REV: &str = "0123456789abcdef0123456789abcdef01234567";
const REV2: &str = "89abcdef0123456789abcdef0123456789abcdef";
const REPO: &str = "bitrix24/b24restdocs";

/// One answer of the server.
#[derive(Clone)]
enum Reply {
    Bytes(Vec<u8>),
    Status(u16),
    /// Declares the full length, sends the first half, then drops the
    /// connection.
    CutShort(Vec<u8>),
    /// A 302 to this location.
    Redirect(String),
}

/// A server answering each path with a list of replies in turn (the last
/// one repeats), counting requests per path.
#[derive(Default)]
struct Host {
    routes: Mutex<BTreeMap<String, Vec<Reply>>>,
    hits: Mutex<BTreeMap<String, usize>>,
}

impl Host {
    fn set(&self, path: &str, replies: Vec<Reply>) {
        self.routes
            .lock()
            .expect("routes")
            .insert(path.to_string(), replies);
    }

    fn hits(&self, path: &str) -> usize {
        self.hits
            .lock()
            .expect("hits")
            .get(path)
            .copied()
            .unwrap_or(0)
    }
}

async fn handle(State(host): State<Arc<Host>>, uri: Uri) -> Response {
    let path = uri.path().to_string();
    let n = {
        let mut hits = host.hits.lock().expect("hits");
        let n = hits.entry(path.clone()).or_insert(0);
        *n += 1;
        *n
    };
    let reply = {
        let routes = host.routes.lock().expect("routes");
        match routes.get(&path) {
            Some(list) if !list.is_empty() => list[(n - 1).min(list.len() - 1)].clone(),
            _ => Reply::Status(404),
        }
    };
    match reply {
        Reply::Bytes(b) => b.into_response(),
        Reply::Status(s) => StatusCode::from_u16(s)
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            .into_response(),
        Reply::Redirect(to) => Response::builder()
            .status(StatusCode::FOUND)
            .header(header::LOCATION, to)
            .body(Body::empty())
            .expect("response"),
        Reply::CutShort(b) => {
            let half = b[..b.len() / 2].to_vec();
            let stream = futures::stream::iter(vec![
                Ok::<_, std::io::Error>(half),
                Err(std::io::Error::other("connection dropped")),
            ]);
            Response::builder()
                .header(header::CONTENT_LENGTH, b.len())
                .body(Body::from_stream(stream))
                .expect("response")
        }
    }
}

/// A running loopback host; stops when dropped.
struct Running {
    base: String,
    host: Arc<Host>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(host: Arc<Host>) -> Running {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let app = Router::new().fallback(handle).with_state(host.clone());
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Running { base, host, task }
}

fn archive_path(rev: &str) -> String {
    format!("/{REPO}/archive/{rev}.tar.gz")
}

/// A small docs folder in the docs' layout, in our own words.
fn write_docs(root: &Path, variant: &str) {
    let files: Vec<(&str, String)> = vec![
        (
            "api-reference/demo/demo-thing-get.md",
            format!(
                "# Read a thing demo.thing.get\n\n> Scope: [`demo`](../scopes.md)\n\nReads one thing{variant}.\n\n## Method Parameters\n\n{{% include [required](../../_includes/required.md) %}}\n\n#|\n|| **Name**\n`type` | **Description** ||\n|| **id***\n[`integer`](../data-types.md) | Which thing ||\n|| **mode**\n[`string`](../data-types.md) | How to read it ||\n|#\n\n## Error Handling\n\n#|\n|| **Code** | **Description** ||\n|| `NOT_FOUND` | No such thing ||\n|#\n"
            ),
        ),
        (
            "api-reference/demo/demo-thing-delete.md",
            "# Remove a thing demo.thing.delete\n\n> Scope: [`demo`](../scopes.md)\n\n## Method Parameters\n\n#|\n|| **Name**\n`type` | **Description** ||\n|| **id***\n[`integer`](../data-types.md) | Which thing ||\n|#\n".to_string(),
        ),
        (
            "_includes/required.md",
            "Parameters marked with a star are required.\n".to_string(),
        ),
        ("index.md", "# Demo docs\n\nA start page.\n".to_string()),
        ("toc.yaml", "items:\n  - href: index.md\n".to_string()),
        (".github/NOTES.md", "# Not a page\n".to_string()),
        ("api-reference/demo/_images/pic.png", "PNG".to_string()),
    ];
    for (rel, text) in files {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
}

/// A ustar header for `path` (written raw, so hostile paths can be made).
fn header(path: &str, kind: tar::EntryType, size: u64) -> tar::Header {
    let mut h = tar::Header::new_ustar();
    let name = &mut h.as_old_mut().name;
    let bytes = path.as_bytes();
    name[..bytes.len()].copy_from_slice(bytes);
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(0o644);
    h.set_cksum();
    h
}

/// A `.tar.gz` as the host serves it: a pax global header with the commit,
/// then `{repo}-{rev}/` and every file of `docs` under it, then `extra`
/// entries (path, kind, content) as given.
fn build_archive(docs: &Path, rev: &str, extra: &[(&str, tar::EntryType, &[u8])]) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut b = tar::Builder::new(gz);
    let comment = format!("comment={rev}\n");
    let record = format!("{} {comment}", comment.len() + 3);
    assert_eq!(record.len(), comment.len() + 3, "two-digit pax length");
    let h = header(
        "pax_global_header",
        tar::EntryType::XGlobalHeader,
        record.len() as u64,
    );
    b.append(&h, record.as_bytes()).expect("pax");
    let top = format!("b24restdocs-{rev}");
    let h = header(&format!("{top}/"), tar::EntryType::Directory, 0);
    b.append(&h, &[][..]).expect("top");
    let mut files: Vec<PathBuf> = walk(docs);
    files.sort();
    for rel in files {
        let data = std::fs::read(docs.join(&rel)).expect("read");
        let name = format!("{top}/{}", rel.display());
        let h = header(&name, tar::EntryType::Regular, data.len() as u64);
        b.append(&h, &data[..]).expect("file");
    }
    for (path, kind, data) in extra {
        let h = header(path, *kind, data.len() as u64);
        b.append(&h, *data).expect("extra");
    }
    let gz = b.into_inner().expect("tar");
    gz.finish().expect("gzip")
}

fn walk(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(root).expect("below").to_path_buf());
            }
        }
    }
    out
}

fn options(base: &str, cache: &Path) -> ArchiveOptions {
    ArchiveOptions {
        host: GitHost::new(base).expect("loopback base"),
        cache_root: cache.to_path_buf(),
        download: Download {
            backoff: Backoff::new(Duration::from_millis(5), Duration::from_millis(20)),
            ..Download::default()
        },
        limits: Limits::default(),
    }
}

fn repo() -> Repo {
    Repo::parse(REPO).expect("repo")
}

/// Everything left in the cache folder of the repository (none of it may
/// be a temporary file or an unverified revision after a failed fetch).
fn cache_entries(cache: &Path) -> Vec<String> {
    let dir = cache.join(REPO);
    let Ok(rd) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut v: Vec<String> = rd
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Run `fetch` off the async runtime (it runs its own).
async fn fetch(
    opts: &ArchiveOptions,
    rev: &str,
    expected: Option<&str>,
) -> anyhow::Result<archive::Fetched> {
    let opts = opts.clone();
    let rev = rev.to_string();
    let expected = expected.map(str::to_string);
    tokio::task::spawn_blocking(move || archive::fetch(&opts, &repo(), &rev, expected.as_deref()))
        .await
        .expect("join")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_fetch_then_cached_with_the_server_gone() {
    let work = tempfile::tempdir().expect("tempdir");
    let docs = work.path().join("docs");
    write_docs(&docs, "");
    let host = Arc::new(Host::default());
    host.set(
        &archive_path(REV),
        vec![Reply::Bytes(build_archive(&docs, REV, &[]))],
    );
    let server = serve(host).await;
    let cache = work.path().join("cache");
    let opts = options(&server.base, &cache);

    let got = fetch(&opts, REV, None).await.expect("fetch");
    assert!(!got.cached);
    // The .md pages only: not toc.yaml, the image or .github/.
    assert_eq!(got.marker.pages, 4);
    assert_eq!(
        got.marker.sha256,
        archive::folder_digest(&docs).expect("digest")
    );
    assert_eq!(
        std::fs::read_to_string(got.dir.join("COMMIT")).expect("COMMIT"),
        format!("{REV}\n")
    );
    assert!(!got.md_dir().join(".github").exists());
    // The unpacked pages read exactly like the folder they came from.
    let from_archive = read_markdown_dir(&got.md_dir()).expect("read cache");
    let mut from_folder = read_markdown_dir(&docs).expect("read folder");
    from_folder.retain(|p| !p.rel.starts_with(".github/"));
    assert_eq!(from_archive.len(), 3, "two methods and the start page");
    assert_eq!(from_archive.len(), from_folder.len());
    for (a, b) in from_archive.iter().zip(&from_folder) {
        assert_eq!((&a.rel, &a.html), (&b.rel, &b.html));
    }
    assert_eq!(cache_entries(&cache), vec![REV.to_string()]);
    assert_eq!(server.host.hits(&archive_path(REV)), 1);

    // The server is gone: the cache answers, checked against the digest.
    drop(server);
    let again = fetch(&opts, REV, Some(&got.marker.sha256))
        .await
        .expect("cached");
    assert!(again.cached);
    assert_eq!(again.marker, got.marker);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_and_corrupted_archives_are_refused_and_cache_nothing() {
    let work = tempfile::tempdir().expect("tempdir");
    let docs = work.path().join("docs");
    write_docs(&docs, "");
    let good = build_archive(&docs, REV, &[]);
    let truncated = good[..good.len() * 2 / 3].to_vec();
    let mut flipped = good.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x55;
    let mut bad_crc = good.clone();
    let crc_at = bad_crc.len() - 8;
    bad_crc[crc_at] ^= 0x01;
    let host = Arc::new(Host::default());
    let server = serve(host.clone()).await;
    let cache = work.path().join("cache");
    let opts = options(&server.base, &cache);

    for (name, bytes) in [
        ("truncated", truncated),
        ("flipped byte", flipped),
        ("bad CRC", bad_crc),
        ("not gzip", b"<html>Not an archive</html>".to_vec()),
    ] {
        host.set(&archive_path(REV), vec![Reply::Bytes(bytes)]);
        let err = fetch(&opts, REV, None).await.expect_err(name);
        let msg = format!("{err:#}");
        assert!(
            msg.contains(&format!("{}{}", server.base, archive_path(REV))),
            "{name}: {msg}"
        );
        assert!(
            msg.contains("failed verification and was discarded"),
            "{name}: {msg}"
        );
        assert!(msg.contains("not a valid .tar.gz"), "{name}: {msg}");
        assert!(cache_entries(&cache).is_empty(), "{name}: cache poisoned");
    }

    // The next good download succeeds: nothing half-written stood in the way.
    host.set(&archive_path(REV), vec![Reply::Bytes(good)]);
    let got = fetch(&opts, REV, None).await.expect("good archive");
    assert_eq!(got.marker.pages, 4);
    assert_eq!(cache_entries(&cache), vec![REV.to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_digest_other_than_the_pins_is_refused() {
    let work = tempfile::tempdir().expect("tempdir");
    let docs = work.path().join("docs");
    write_docs(&docs, "");
    let host = Arc::new(Host::default());
    host.set(
        &archive_path(REV),
        vec![Reply::Bytes(build_archive(&docs, REV, &[]))],
    );
    let server = serve(host).await;
    let cache = work.path().join("cache");
    let opts = options(&server.base, &cache);
    let wrong = "0".repeat(64);
    let err = fetch(&opts, REV, Some(&wrong)).await.expect_err("digest");
    let msg = format!("{err:#}");
    assert!(msg.contains(&wrong), "{msg}");
    assert!(
        msg.contains(&archive::folder_digest(&docs).expect("digest")),
        "{msg}"
    );
    assert!(cache_entries(&cache).is_empty());
    // A cache entry verified against another digest is not used either.
    let got = fetch(&opts, REV, None).await.expect("fetch");
    let err = fetch(&opts, REV, Some(&wrong))
        .await
        .expect_err("cached entry has another digest");
    assert!(format!("{err:#}").contains(&got.marker.sha256));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_archives_are_refused() {
    let work = tempfile::tempdir().expect("tempdir");
    let docs = work.path().join("docs");
    write_docs(&docs, "");
    let top = format!("b24restdocs-{REV}");
    let link = format!("{top}/api-reference/link.md");
    let dotdot = format!("{top}/../escape.md");
    let fifo = format!("{top}/pipe");
    let big = vec![b'x'; 4096];
    let big_name = format!("{top}/big.md");
    let cases: Vec<(&str, Vec<u8>, &str, Limits)> = vec![
        (
            "dot-dot",
            build_archive(&docs, REV, &[(&dotdot, tar::EntryType::Regular, b"x")]),
            "`..`",
            Limits::default(),
        ),
        (
            "absolute",
            build_archive(&docs, REV, &[("/etc/x.md", tar::EntryType::Regular, b"x")]),
            "absolute path",
            Limits::default(),
        ),
        (
            "outside the top folder",
            build_archive(&docs, REV, &[("other/x.md", tar::EntryType::Regular, b"x")]),
            "not under the top folder",
            Limits::default(),
        ),
        (
            "symlink page",
            build_archive(&docs, REV, &[(&link, tar::EntryType::Symlink, b"")]),
            "is a link",
            Limits::default(),
        ),
        (
            "fifo",
            build_archive(&docs, REV, &[(&fifo, tar::EntryType::Fifo, b"")]),
            "device or fifo",
            Limits::default(),
        ),
        (
            "huge page",
            build_archive(&docs, REV, &[(&big_name, tar::EntryType::Regular, &big)]),
            "more than the 1024 allowed",
            Limits {
                max_file: 1024,
                ..Limits::default()
            },
        ),
        (
            "decompression bomb",
            build_archive(&docs, REV, &[(&big_name, tar::EntryType::Regular, &big)]),
            "unpacks to more than",
            Limits {
                max_stream: 8192,
                ..Limits::default()
            },
        ),
        (
            "another commit",
            build_archive(&docs, REV2, &[]),
            "says it is of commit",
            Limits::default(),
        ),
    ];
    let host = Arc::new(Host::default());
    let server = serve(host.clone()).await;
    let cache = work.path().join("cache");
    for (name, bytes, says, limits) in cases {
        host.set(&archive_path(REV), vec![Reply::Bytes(bytes)]);
        let mut opts = options(&server.base, &cache);
        opts.limits = limits;
        let err = fetch(&opts, REV, None).await.expect_err(name);
        let msg = format!("{err:#}");
        assert!(msg.contains(says), "{name}: {msg}");
        assert!(cache_entries(&cache).is_empty(), "{name}: cache poisoned");
        assert!(!work.path().join("escape.md").exists());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_fails_some_requests() {
    let work = tempfile::tempdir().expect("tempdir");
    let docs = work.path().join("docs");
    write_docs(&docs, "");
    let good = build_archive(&docs, REV, &[]);
    let host = Arc::new(Host::default());
    let server = serve(host.clone()).await;
    let cache = work.path().join("cache");
    let opts = options(&server.base, &cache);

    // 503, 429, a body cut short, then the archive: retried to success.
    host.set(
        &archive_path(REV),
        vec![
            Reply::Status(503),
            Reply::Status(429),
            Reply::CutShort(good.clone()),
            Reply::Bytes(good),
        ],
    );
    let got = fetch(&opts, REV, None).await.expect("retried");
    assert_eq!(got.marker.pages, 4);
    assert_eq!(host.hits(&archive_path(REV)), 4);

    // Always 500: the retry budget (1 + 3 tries), then an error naming the
    // URL and the status; nothing cached.
    host.set(&archive_path(REV2), vec![Reply::Status(500)]);
    let err = fetch(&opts, REV2, None).await.expect_err("500s");
    let msg = format!("{err:#}");
    assert!(
        msg.contains(&format!(
            "GET {}{}: HTTP 500 Internal Server Error (after 4 tries)",
            server.base,
            archive_path(REV2)
        )),
        "{msg}"
    );
    assert_eq!(host.hits(&archive_path(REV2)), 4);
    assert_eq!(cache_entries(&cache), vec![REV.to_string()]);

    // 404: not retried; says what may be wrong.
    let missing = "f".repeat(40);
    let err = fetch(&opts, &missing, None).await.expect_err("404");
    let msg = format!("{err:#}");
    assert!(msg.contains("HTTP 404"), "{msg}");
    assert!(msg.contains("is the revision pushed"), "{msg}");
    assert_eq!(host.hits(&archive_path(&missing)), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_network_names_the_local_sources() {
    // A port nobody listens on: connection refused on every try.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    let work = tempfile::tempdir().expect("tempdir");
    let opts = options(&base, work.path());
    let err = fetch(&opts, REV, None).await.expect_err("unreachable");
    let msg = format!("{err:#}");
    for needle in [
        "could not be reached",
        "BITRIX24_DOCS=DIR cargo xtask regen",
        "--md DIR",
        "--html DIR",
        REV,
    ] {
        assert!(msg.contains(needle), "{needle}: {msg}");
    }
}

#[test]
fn plain_http_off_loopback_is_refused() {
    for base in [
        "http://github.com",
        "http://192.168.1.1:8080",
        "http://localhost.example.com",
    ] {
        let err = GitHost::new(base).expect_err(base);
        assert!(format!("{err:#}").contains("only loopback"), "{err:#}");
    }
    // And through the binary: refused before any connection is tried.
    let ws = tempfile::tempdir().expect("tempdir");
    workspace(ws.path(), REV, None);
    let out = xtask(ws.path(), "http://example.com", &["regen", "--specs-only"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("only loopback"), "{}", stderr(&out));
}

/// The host sends archives from another host by redirect: followed on
/// loopback, refused to plain http:// elsewhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_keep_to_the_same_rule() {
    let work = tempfile::tempdir().expect("tempdir");
    let docs = work.path().join("docs");
    write_docs(&docs, "");
    let host = Arc::new(Host::default());
    let server = serve(host.clone()).await;
    host.set(
        "/codeload/archive.tar.gz",
        vec![Reply::Bytes(build_archive(&docs, REV, &[]))],
    );
    host.set(
        &archive_path(REV),
        vec![Reply::Redirect(format!(
            "{}/codeload/archive.tar.gz",
            server.base
        ))],
    );
    let cache = work.path().join("cache");
    let opts = options(&server.base, &cache);
    let got = fetch(&opts, REV, None).await.expect("redirect on loopback");
    assert_eq!(got.marker.pages, 4);

    host.set(
        &archive_path(REV2),
        vec![Reply::Redirect(
            "http://example.com/archive.tar.gz".to_string(),
        )],
    );
    let err = fetch(&opts, REV2, None)
        .await
        .expect_err("http off loopback");
    let msg = format!("{err:#}");
    assert!(msg.contains("only loopback"), "{msg}");
    assert_eq!(host.hits(&archive_path(REV2)), 1, "not retried");
    assert_eq!(cache_entries(&cache), vec![REV.to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latest_is_the_default_branchs_head() {
    let host = Arc::new(Host::default());
    let server = serve(host.clone()).await;
    host.set(
        &format!("/{REPO}.git/info/refs"),
        vec![Reply::Bytes(refs(REV2))],
    );
    let opts = options(&server.base, Path::new("/nonexistent"));
    let head = tokio::task::spawn_blocking(move || archive::latest(&opts, &repo()))
        .await
        .expect("join")
        .expect("latest");
    assert_eq!(head.revision, REV2);
    assert_eq!(head.branch.as_deref(), Some("refs/heads/master"));
}

/// A refs advertisement whose HEAD (the default branch) is at `head`.
fn refs(head: &str) -> Vec<u8> {
    let mut s = pkt_line("# service=git-upload-pack\n");
    s.push_str("0000");
    s.push_str(&pkt_line(&format!(
        "{head} HEAD\0multi_ack side-band-64k symref=HEAD:refs/heads/master agent=git/github\n"
    )));
    s.push_str(&pkt_line(&format!("{head} refs/heads/master\n")));
    s.push_str(&pkt_line(&format!("{REV} refs/heads/old-layout\n")));
    s.push_str("0000");
    s.into_bytes()
}

// ---- the binary, end to end -------------------------------------------

/// A throwaway workspace: a `[workspace]` manifest and a git pin.
fn workspace(root: &Path, rev: &str, sha256: Option<&str>) {
    std::fs::create_dir_all(root.join("specs")).expect("mkdir");
    std::fs::write(root.join("Cargo.toml"), "[workspace]\nmembers = []\n").expect("manifest");
    let mut pin = format!(
        "# Which docs made specs/. `cargo xtask regen` with no arguments regenerates from here.\nsource = \"git\"\nlocation = \"{REPO}\"\nrevision = \"{rev}\"\n"
    );
    if let Some(sha) = sha256 {
        pin.push_str(&format!("sha256 = \"{sha}\"\n"));
    }
    pin.push_str(&format!("generator = \"{}\"\n", env!("CARGO_PKG_VERSION")));
    let mut f = std::fs::File::create(root.join("specs/PIN.toml")).expect("pin");
    f.write_all(pin.as_bytes()).expect("pin");
}

/// Run the xtask binary in `dir` against the git host at `base`, with no
/// local docs.
fn xtask(dir: &Path, base: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(dir)
        .env("BITRIX24_DOCS_GIT_BASE", base)
        .env_remove("BITRIX24_DOCS")
        .output()
        .expect("run xtask")
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

async fn xtask_async(dir: &Path, base: &str, args: &[&str]) -> std::process::Output {
    let dir = dir.to_path_buf();
    let base = base.to_string();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        xtask(&dir, &base, &args)
    })
    .await
    .expect("join")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regen_from_the_archive_then_from_the_cache_then_latest() {
    let work = tempfile::tempdir().expect("tempdir");
    let docs = work.path().join("docs");
    write_docs(&docs, "");
    let docs2 = work.path().join("docs2");
    write_docs(&docs2, " (newer)");
    let host = Arc::new(Host::default());
    host.set(
        &archive_path(REV),
        vec![Reply::Bytes(build_archive(&docs, REV, &[]))],
    );
    host.set(
        &archive_path(REV2),
        vec![Reply::Bytes(build_archive(&docs2, REV2, &[]))],
    );
    host.set(
        &format!("/{REPO}.git/info/refs"),
        vec![Reply::Bytes(refs(REV2))],
    );
    let server = serve(host.clone()).await;
    let ws = work.path().join("ws");
    let digest = archive::folder_digest(&docs).expect("digest");
    workspace(&ws, REV, Some(&digest));
    let pin_before = read(&ws.join("specs/PIN.toml"));

    // From a subfolder: the workspace root is found above it.
    std::fs::create_dir_all(ws.join("crates")).expect("mkdir");
    let out = xtask_async(&ws.join("crates"), &server.base, &["regen"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("fetched"), "{}", stderr(&out));
    let spec = read(&ws.join("specs/demo/demo.thing.get.json"));
    assert!(spec.contains("\"NOT_FOUND\""), "{spec}");
    assert!(ws.join("specs/demo/demo.thing.delete.json").is_file());
    assert!(ws.join("crates/bitrix24/src/lib.rs").is_file());
    assert_eq!(
        read(&ws.join("specs/PIN.toml")),
        pin_before,
        "the pin stays"
    );
    assert!(ws
        .join("target/docs-cache/git")
        .join(REPO)
        .join(REV)
        .is_dir());

    // The server gone: the cache answers, and nothing is stale.
    let base = server.base.clone();
    drop(server);
    let out = xtask_async(&ws, &base, &["regen", "--check"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("from the cache"), "{}", stderr(&out));

    // --latest: the default branch's head, regenerated, the pin moved.
    let server = serve(host.clone()).await;
    let out = xtask_async(&ws, &server.base, &["regen", "--latest", "--specs-only"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let pin = read(&ws.join("specs/PIN.toml"));
    assert!(pin.contains(&format!("revision = \"{REV2}\"")), "{pin}");
    assert!(
        pin.contains(&format!(
            "sha256 = \"{}\"",
            archive::folder_digest(&docs2).expect("digest")
        )),
        "{pin}"
    );
    assert_eq!(host.hits(&format!("/{REPO}.git/info/refs")), 1);
    assert_eq!(host.hits(&archive_path(REV2)), 1);
}

#[test]
fn regen_with_no_network_and_no_local_docs_says_what_to_use() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    let ws = tempfile::tempdir().expect("tempdir");
    workspace(ws.path(), REV, None);
    let out = xtask(ws.path(), &base, &["regen"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    for needle in [
        "could not be reached",
        "BITRIX24_DOCS=DIR",
        "--md DIR",
        "--html DIR",
    ] {
        assert!(err.contains(needle), "{needle}: {err}");
    }
}

/// With a git pin, `$BITRIX24_DOCS` (what CI has, with no internet) is
/// read instead of the network when it is at the pinned revision, and
/// refused, naming both revisions, when it is not; the pin stays.
#[test]
fn bitrix24_docs_stands_in_for_the_network_at_the_pinned_revision() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let dead = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    let work = tempfile::tempdir().expect("tempdir");
    let corpus = work.path().join("corpus");
    write_docs(&corpus.join("md"), "");
    std::fs::write(corpus.join("COMMIT"), format!("{REV}\n")).expect("COMMIT");
    let ws = work.path().join("ws");
    workspace(&ws, REV, Some(&"a".repeat(64)));
    let pin = read(&ws.join("specs/PIN.toml"));
    let run = |corpus: &Path| {
        Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(["regen", "--specs-only"])
            .current_dir(&ws)
            .env("BITRIX24_DOCS_GIT_BASE", &dead)
            .env("BITRIX24_DOCS", corpus)
            .output()
            .expect("run xtask")
    };
    let out = run(&corpus);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("($BITRIX24_DOCS)"),
        "{}",
        stderr(&out)
    );
    assert!(ws.join("specs/demo/demo.thing.get.json").is_file());
    assert_eq!(read(&ws.join("specs/PIN.toml")), pin, "the pin stays");

    std::fs::write(corpus.join("COMMIT"), format!("{REV2}\n")).expect("COMMIT");
    let out = run(&corpus);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains(REV) && err.contains(REV2), "{err}");
}
