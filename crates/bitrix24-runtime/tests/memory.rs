//! Peak memory under an endless response body: the client holds at most
//! the configured cap. A test binary of its own, so the process's peak RSS
//! (`VmHWM`) belongs to this test alone.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::response::IntoResponse;
use bitrix24_runtime::{ApiVersion, Client, Error, Method, RateLimit};

#[derive(serde::Serialize)]
struct Get {}
impl Method for Get {
    const NAME: &'static str = "test.get";
    const VERSION: ApiVersion = ApiVersion::V2;
    const IDEMPOTENT: bool = true;
    type Output = serde_json::Value;
    type ErrorCode = String;
}

/// Peak resident set size of this process, in bytes (Linux).
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_body_costs_at_most_the_cap() {
    let Some(before) = peak_rss() else {
        eprintln!("skipped: no /proc/self/status (not Linux)");
        return;
    };
    const CAP: u64 = 16 * 1024 * 1024;
    let served = Arc::new(AtomicU64::new(0));
    let counter = served.clone();
    let app = axum::Router::new().fallback(move || {
        let counter = counter.clone();
        async move {
            let chunk = Bytes::from(vec![b'x'; 256 * 1024]);
            let body = futures::stream::repeat_with(move || {
                counter.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                Ok::<_, std::io::Error>(chunk.clone())
            });
            Body::from_stream(body).into_response()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let b24 = Client::builder()
        .webhook(format!("http://{addr}/rest/1/code/"))
        .allow_http(true)
        .rate_limit(RateLimit::new(1000.0, 1000.0))
        .max_response_bytes(CAP)
        .build()
        .unwrap();
    for _ in 0..8 {
        let r = b24.call(Get {}).await;
        assert!(matches!(r, Err(Error::TooLarge { .. })), "{r:?}");
    }
    let after = peak_rss().unwrap();
    let grown = after.saturating_sub(before);
    let mib = |b: u64| b as f64 / 1048576.0;
    eprintln!(
        "endless body: 8 calls, cap {:.0} MiB: {:.0} MiB served, peak RSS {:.1} -> {:.1} MiB (+{:.1} MiB)",
        mib(CAP),
        mib(served.load(Ordering::Relaxed)),
        mib(before),
        mib(after),
        mib(grown)
    );
    // One body held to the cap (plus the buffer it grew from while
    // doubling), the server's chunks and allocator slack; without the cap
    // the first call alone would grow until its timeout.
    assert!(grown < 2 * CAP + 64 * 1024 * 1024, "+{:.1} MiB", mib(grown));
}
