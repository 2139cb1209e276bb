//! 1,000 portals in the pool with their tokens in SQLite: memory per
//! portal and the time to a portal's first call (store read, client built,
//! one call answered by the loopback emulator).
//!
//! ```sh
//! cargo run --release -p bitrix24-app --example pool_bench
//! ```

#[path = "../tests/support/emulator.rs"]
mod emulator;

use std::sync::Arc;
use std::time::{Duration, Instant};

use bitrix24_app::{App, Portal, PortalStore, SqliteStore};
use bitrix24_runtime::{ApiVersion, Method, OAuthApp, Tokens};

const PORTALS: usize = 1_000;

#[derive(serde::Serialize)]
struct Probe {}

impl Method for Probe {
    const NAME: &'static str = "app.info";
    const VERSION: ApiVersion = ApiVersion::V2;
    const IDEMPOTENT: bool = true;
    type Output = serde_json::Value;
    type ErrorCode = String;
}

/// Resident set size of this process, in KiB.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let emu = emulator::Emulator::start().await;
    let dir = std::env::temp_dir().join(format!("bitrix24-pool-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let store = Arc::new(SqliteStore::open(dir.join("portals.db")).expect("sqlite"));
    for i in 0..PORTALS {
        let m = format!("member-{i:04}");
        let (a, r) = emu.issue(&m);
        let tokens = Tokens::new(a, r, emu.client_endpoint());
        store
            .put(&Portal::new(&m, "portal.emulated", tokens))
            .await
            .expect("put");
    }
    let app = App::new(
        OAuthApp::new(emulator::CLIENT_ID, emulator::CLIENT_SECRET).token_url(emu.token_url()),
        store,
    )
    .configure_clients(|b| b.allow_http(true));

    // Warm up allocator, emulator and TLS-free HTTP stack on one extra portal.
    let (a, r) = emu.issue("warm");
    app.store()
        .put(&Portal::new(
            "warm",
            "portal.emulated",
            Tokens::new(a, r, emu.client_endpoint()),
        ))
        .await
        .expect("put");
    app.pool()
        .client("warm")
        .await
        .expect("client")
        .call(Probe {})
        .await
        .expect("call");

    let rss_before = rss_kib();
    // Cold: each portal's client is built from the store, then called once.
    let mut clients = Vec::with_capacity(PORTALS);
    let mut builds = Vec::with_capacity(PORTALS);
    let all = Instant::now();
    for i in 0..PORTALS {
        let t = Instant::now();
        clients.push(
            app.pool()
                .client(&format!("member-{i:04}"))
                .await
                .expect("client"),
        );
        builds.push(t.elapsed());
    }
    let rss_built = rss_kib();
    let mut firsts = Vec::with_capacity(PORTALS);
    for (client, build) in clients.iter().zip(&builds) {
        let t = Instant::now();
        client.call(Probe {}).await.expect("call");
        firsts.push(*build + t.elapsed());
    }
    let total = all.elapsed();
    let rss_called = rss_kib();
    // Second calls, clients built and connected: the steady state.
    let mut seconds = Vec::with_capacity(PORTALS);
    for client in &clients {
        let t = Instant::now();
        client.call(Probe {}).await.expect("call");
        seconds.push(t.elapsed());
    }
    firsts.sort();
    builds.sort();
    seconds.sort();
    let per = |kib: u64| kib.saturating_sub(rss_before) as f64 / PORTALS as f64;
    println!("portals in the pool: {}", app.pool().len() - 1);
    println!(
        "RSS: {rss_before} KiB before; {rss_built} KiB with {PORTALS} clients built: {:.1} KiB per portal; \
         {rss_called} KiB after one call each: {:.1} KiB per portal (each client's open connection, and the \
         emulator's end of it, which runs in this process)",
        per(rss_built),
        per(rss_called)
    );
    println!(
        "time to first call (store read + client built + call): median {:?}, p99 {:?}, max {:?}; all {PORTALS} one after another {:?}",
        pct(&firsts, 0.5),
        pct(&firsts, 0.99),
        firsts[PORTALS - 1],
        total
    );
    println!(
        "  of which store read + client built: median {:?}, p99 {:?}",
        pct(&builds, 0.5),
        pct(&builds, 0.99)
    );
    println!(
        "a later call on a built client: median {:?}, p99 {:?}",
        pct(&seconds, 0.5),
        pct(&seconds, 0.99)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
