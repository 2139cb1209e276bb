//! The HTTP docs source reaches every page through the site's sitemaps,
//! on a server on 127.0.0.1: `robots.txt` names a gzipped sitemap index,
//! which names two sitemaps (one gzipped) listing pages that no page links
//! to, by pretty URLs (`dir/`, no extension) and on the published host's
//! name (a mirror). Links are not followed, so only the sitemaps can find
//! them; a second run is served from the cache, with one flaky page retried
//! in the first.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use xtask::source::http::{fetch_pages_async, FetchOptions};

#[derive(Default)]
struct Site {
    files: BTreeMap<String, Vec<u8>>,
    /// Paths answering 503 to their first request.
    flaky: Vec<String>,
    hits: Mutex<BTreeMap<String, usize>>,
}

async fn handle(State(site): State<Arc<Site>>, uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/').to_string();
    let n = {
        let mut hits = site.hits.lock().expect("hits");
        let n = hits.entry(path.clone()).or_insert(0);
        *n += 1;
        *n
    };
    if n == 1 && site.flaky.contains(&path) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    match site.files.get(&path) {
        Some(body) => body.clone().into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

fn gzip(text: &str) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).expect("gzip");
    gz.finish().expect("gzip")
}

fn page(title: &str) -> Vec<u8> {
    format!("<!DOCTYPE html><html><head><title>{title}</title></head><body><main class=\"yfm\"><h1>{title}</h1></main></body></html>\n").into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_through_the_sitemaps() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let base = format!("http://{}/docs/", listener.local_addr().expect("addr"));
    let published = "https://docs.example.invalid/docs/";
    let mut files = BTreeMap::new();
    files.insert(
        "docs/robots.txt".to_string(),
        format!("User-agent: *\nSitemap: {base}maps/index.xml.gz\n").into_bytes(),
    );
    files.insert(
        "docs/maps/index.xml.gz".to_string(),
        gzip(&format!(
            "<?xml version=\"1.0\"?>\n<sitemapindex><sitemap><loc>{base}maps/a.xml</loc></sitemap><sitemap><loc>{published}maps/b.xml.gz</loc></sitemap></sitemapindex>\n"
        )),
    );
    files.insert(
        "docs/maps/a.xml".to_string(),
        format!(
            "<urlset><url><loc>{base}</loc></url><url><loc>{base}guide/</loc></url><url><loc>{base}api/one</loc></url><url><loc>https://elsewhere.invalid/x.html</loc></url></urlset>\n"
        )
        .into_bytes(),
    );
    files.insert(
        "docs/maps/b.xml.gz".to_string(),
        gzip(&format!(
            "<urlset><url><loc>{published}api/two.html</loc></url><url><loc>{base}api/gone.html</loc></url></urlset>\n"
        )),
    );
    for (rel, title) in [
        ("index.html", "Start"),
        ("guide/index.html", "Guide"),
        ("api/one.html", "One"),
        ("api/two.html", "Two"),
    ] {
        files.insert(format!("docs/{rel}"), page(title));
    }
    let site = Arc::new(Site {
        files,
        flaky: vec!["docs/api/two.html".to_string()],
        ..Site::default()
    });
    let app = Router::new().fallback(handle).with_state(site.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });

    let cache = tempfile::tempdir().expect("tempdir");
    let mut opts = FetchOptions::new(&base);
    opts.cache_dir = cache.path().to_path_buf();
    opts.backoff = Duration::from_millis(5);
    opts.progress = false;
    opts.follow_links = false;
    opts.seeds.clear();
    let (pages, report) = fetch_pages_async(&opts).await.expect("fetch");
    let rels: Vec<&str> = pages.iter().map(|p| p.rel.as_str()).collect();
    assert_eq!(
        rels,
        vec![
            "api/one.html",
            "api/two.html",
            "guide/index.html",
            "index.html"
        ]
    );
    assert_eq!(report.missing, vec!["api/gone.html"]);
    assert_eq!(report.retries, 1, "{report:?}");
    let hits = |p: &str| site.hits.lock().expect("hits").get(p).copied().unwrap_or(0);
    assert_eq!(hits("docs/api/two.html"), 2);

    // Resumed: every page from the cache.
    let (again, report) = fetch_pages_async(&opts).await.expect("resume");
    assert_eq!(again.len(), 4);
    assert_eq!(report.cached, 4);
    assert_eq!(report.fetched, 0);
    assert_eq!(hits("docs/api/one.html"), 1);
}
