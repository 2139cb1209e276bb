//! The HTTP docs source against a server on 127.0.0.1 (never anything
//! else): fixture pages we wrote, and the whole corpus's `html/` when it is
//! there (skipped with the reason printed otherwise). A full fetch, a
//! resumed fetch, and servers that fail some requests.
//!
//! Every fault is decided by the path and how often that path has been
//! asked for, never by timing or by how concurrent requests interleave, so
//! each test gives the same result on every run.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use indicatif::ProgressBar;
use xtask::regen::{extract_pages, spec_tree};
use xtask::source::http::{fetch_pages_async, FetchOptions};
use xtask::source::read_html_dir;

/// A static site with faults on demand, counting requests per path.
#[derive(Default)]
struct Site {
    root: PathBuf,
    /// Extra files served from memory (e.g. a `sitemap.xml`).
    extra: BTreeMap<String, String>,
    /// Answer 503 to the first N requests of every path.
    fail_first: usize,
    /// Answer 503 to the first [`planned_failures`]`(path, fail_up_to)`
    /// requests of each path (0: never): a fixed schedule per page and
    /// attempt, whatever order the requests arrive in.
    fail_up_to: usize,
    /// Paths that always get 500.
    broken: BTreeSet<String>,
    /// Paths that always get 503 (a retryable status that never clears).
    unavailable: BTreeSet<String>,
    hits: Mutex<BTreeMap<String, usize>>,
}

/// How many times `path` fails before it is served: 0 to `up_to`, from a
/// hash of the path (FNV-1a, so the same on every run and machine).
fn planned_failures(path: &str, up_to: usize) -> usize {
    if up_to == 0 {
        return 0;
    }
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in path.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (h % (up_to as u64 + 1)) as usize
}

impl Site {
    fn hits(&self, path: &str) -> usize {
        self.hits
            .lock()
            .map(|h| h.get(path).copied().unwrap_or(0))
            .unwrap_or(0)
    }

    fn page_hits(&self) -> usize {
        self.hits
            .lock()
            .map(|h| {
                h.iter()
                    .filter(|(p, _)| p.ends_with(".html"))
                    .map(|(_, n)| n)
                    .sum()
            })
            .unwrap_or(0)
    }
}

async fn handle(State(site): State<Arc<Site>>, uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/').to_string();
    let n = {
        let mut hits = site.hits.lock().expect("hits");
        let n = hits.entry(path.clone()).or_insert(0);
        *n += 1;
        *n
    };
    if site.broken.contains(&path) {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    if site.unavailable.contains(&path)
        || n <= site.fail_first
        || n <= planned_failures(&path, site.fail_up_to)
    {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    if let Some(body) = site.extra.get(&path) {
        return body.clone().into_response();
    }
    if path.split('/').any(|s| s == "..") {
        return StatusCode::NOT_FOUND.into_response();
    }
    match std::fs::read_to_string(site.root.join(&path)) {
        Ok(body) => body.into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Serve `site` on 127.0.0.1; the base URL.
async fn serve(site: Arc<Site>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("addr");
    let app = Router::new().fallback(handle).with_state(site);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}/")
}

fn fixture_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/source/site")
}

fn options(base: &str, cache: &Path) -> FetchOptions {
    let mut opts = FetchOptions::new(base);
    opts.cache_dir = cache.to_path_buf();
    opts.backoff = Duration::from_millis(5);
    opts.progress = false;
    opts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixture_full_fetch_then_resume() {
    let site = Arc::new(Site {
        root: fixture_root(),
        ..Site::default()
    });
    let base = serve(site.clone()).await;
    let cache = tempfile::tempdir().expect("tempdir");
    let opts = options(&base, cache.path());

    let (pages, report) = fetch_pages_async(&opts).await.expect("fetch");
    let rels: Vec<&str> = pages.iter().map(|p| p.rel.as_str()).collect();
    assert_eq!(rels, vec!["a.html", "index.html", "sub/b.html"]);
    assert_eq!(report.fetched, 3);
    assert_eq!(report.cached, 0);
    assert_eq!(report.missing, vec!["missing.html"]);
    assert!(cache.path().join("sub/b.html").is_file());
    let local = std::fs::read_to_string(fixture_root().join("a.html")).expect("fixture");
    assert_eq!(pages[0].html, local);

    // The method page extracts like the local copy.
    let spec = extract_pages(&pages, &ProgressBar::hidden());
    assert_eq!(spec.specs.len(), 1);
    assert_eq!(spec.specs[0].method, "demo.thing.get");

    // Resumed: nothing fetched again.
    let before = site.page_hits();
    let (again, report) = fetch_pages_async(&opts).await.expect("resume");
    assert_eq!(again.len(), 3);
    assert_eq!(report.cached, 3);
    assert_eq!(report.fetched, 0);
    // Only the lost page is asked for again.
    assert_eq!(site.page_hits() - before, 1);
    assert_eq!(site.hits("a.html"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixture_flaky_server_is_retried() {
    let site = Arc::new(Site {
        root: fixture_root(),
        fail_first: 2,
        ..Site::default()
    });
    let base = serve(site.clone()).await;
    let cache = tempfile::tempdir().expect("tempdir");
    let (pages, report) = fetch_pages_async(&options(&base, cache.path()))
        .await
        .expect("fetch despite 503s");
    assert_eq!(pages.len(), 3);
    assert!(report.retries >= 6, "{report:?}");
    assert_eq!(site.hits("a.html"), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixture_broken_page_fails_naming_the_url_and_resumes() {
    let site = Arc::new(Site {
        root: fixture_root(),
        broken: ["a.html".to_string()].into_iter().collect(),
        ..Site::default()
    });
    let base = serve(site.clone()).await;
    let cache = tempfile::tempdir().expect("tempdir");
    let mut opts = options(&base, cache.path());
    opts.retries = 2;
    let err = fetch_pages_async(&opts)
        .await
        .expect_err("a.html is broken");
    let msg = format!("{err:#}");
    assert!(msg.contains(&format!("{base}a.html")), "{msg}");
    assert!(msg.contains("500"), "{msg}");
    assert_eq!(site.hits("a.html"), 3);
    // What could be fetched is cached for the next run.
    assert!(cache.path().join("index.html").is_file());
    assert!(!cache.path().join("a.html").exists());
}

/// A page that answers 503 to every try (a retryable status that never
/// clears): the fetch gives up after the retry budget, and the error names
/// that page's URL, the status and the number of tries; the other pages are
/// cached for the next run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixture_page_failing_every_try_ends_in_an_error_naming_it() {
    let site = Arc::new(Site {
        root: fixture_root(),
        unavailable: ["sub/b.html".to_string()].into_iter().collect(),
        ..Site::default()
    });
    let base = serve(site.clone()).await;
    let cache = tempfile::tempdir().expect("tempdir");
    let opts = options(&base, cache.path());
    assert_eq!(opts.retries, 4, "the default retry budget");
    let err = fetch_pages_async(&opts)
        .await
        .expect_err("sub/b.html never answers");
    let msg = format!("{err:#}");
    assert!(
        msg.starts_with("1 docs page(s) could not be fetched"),
        "{msg}"
    );
    assert!(
        msg.contains(&format!(
            "GET {base}sub/b.html: HTTP 503 Service Unavailable (after 5 tries)"
        )),
        "{msg}"
    );
    assert!(!msg.contains("a.html"), "{msg}");
    // Bounded: the first try and 4 retries, no more.
    assert_eq!(site.hits("sub/b.html"), 5);
    assert!(cache.path().join("a.html").is_file());
    assert!(cache.path().join("index.html").is_file());
    assert!(!cache.path().join("sub/b.html").exists());
}

fn corpus_html() -> Option<PathBuf> {
    let root = xtask::docs_root().join("html");
    if root.is_dir() {
        Some(root)
    } else {
        eprintln!(
            "skipped: no docs corpus html/ at {} (set BITRIX24_DOCS)",
            root.display()
        );
        None
    }
}

/// The corpus served over loopback, with a `sitemap.xml` listing every page
/// as a published site's has, and a server where every path fails its first
/// k requests with 503, k from 0 to the retry budget less one try (fixed per
/// path by a hash, see [`planned_failures`]): the fetched pages give the
/// same specs as the local folder, each page took exactly k + 1 requests,
/// and a second run fetches nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corpus_over_http_gives_the_same_specs() {
    let Some(root) = corpus_html() else { return };
    let local = read_html_dir(&root).expect("local html");
    let site_placeholder = "BASE/";
    let mut sitemap = String::from("<?xml version=\"1.0\"?>\n<urlset>\n");
    for p in &local {
        sitemap.push_str(&format!(
            "<url><loc>{site_placeholder}{}</loc></url>\n",
            p.rel
        ));
    }
    sitemap.push_str("</urlset>\n");

    // Bind first to learn the base, then fill in the sitemap.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let base = format!("http://{}/", listener.local_addr().expect("addr"));
    let site = Arc::new(Site {
        root: root.clone(),
        extra: [(
            "sitemap.xml".to_string(),
            sitemap.replace(site_placeholder, &base),
        )]
        .into_iter()
        .collect(),
        fail_up_to: 4,
        ..Site::default()
    });
    let app = Router::new().fallback(handle).with_state(site.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    let cache = tempfile::tempdir().expect("tempdir");
    let opts = options(&base, cache.path());
    // k <= 4 failures, so the 5th and last try of the budget always succeeds.
    assert_eq!(opts.retries as usize, site.fail_up_to);
    let (pages, report) = fetch_pages_async(&opts).await.expect("fetch corpus");
    println!(
        "http fetch: {} pages ({} fetched, {} retries, {} missing)",
        report.pages,
        report.fetched,
        report.retries,
        report.missing.len()
    );
    assert_eq!(pages.len(), local.len());
    // Every page was asked for exactly k + 1 times: retried while it
    // failed, never after it was served.
    let planned: Vec<usize> = local
        .iter()
        .map(|p| planned_failures(&p.rel, site.fail_up_to))
        .collect();
    let off: Vec<String> = local
        .iter()
        .zip(&planned)
        .filter(|(p, k)| site.hits(&p.rel) != **k + 1)
        .map(|(p, k)| {
            format!(
                "{}: {} hits, {k} planned failures",
                p.rel,
                site.hits(&p.rel)
            )
        })
        .collect();
    assert!(off.is_empty(), "{:?}", &off[..off.len().min(10)]);
    assert_eq!(report.retries, planned.iter().sum::<usize>());
    assert!(
        planned.iter().any(|k| *k == site.fail_up_to),
        "some page uses its last try"
    );

    let hidden = ProgressBar::hidden();
    let from_http = spec_tree(&extract_pages(&pages, &hidden));
    let from_local = spec_tree(&extract_pages(&local, &hidden));
    assert_eq!(from_http.len(), from_local.len());
    let differing: Vec<_> = from_local
        .iter()
        .filter(|(k, v)| from_http.get(*k) != Some(*v))
        .map(|(k, _)| k.display().to_string())
        .collect();
    assert!(
        differing.is_empty(),
        "specs differ: {:?}",
        &differing[..differing.len().min(10)]
    );
    println!(
        "http/local parity: {} of {} spec files identical",
        from_local.len(),
        from_local.len()
    );

    let before: Vec<usize> = local.iter().map(|p| site.hits(&p.rel)).collect();
    let (again, report) = fetch_pages_async(&opts).await.expect("resume");
    assert_eq!(again.len(), local.len());
    assert_eq!(report.fetched, 0, "a resumed fetch fetches no page again");
    assert_eq!(report.cached, local.len());
    let after: Vec<usize> = local.iter().map(|p| site.hits(&p.rel)).collect();
    assert_eq!(before, after, "no cached page is requested again");
}
