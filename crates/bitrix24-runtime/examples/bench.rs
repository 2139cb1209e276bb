//! Benchmarks against the loopback emulator (see BENCHMARKS.md):
//!
//! ```text
//! cargo run --release -p bitrix24-runtime --example bench
//! ```

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use bitrix24_runtime::{lenient, ApiVersion, Client, Method, Paged, RateLimit};
use futures::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use support::{start, Config};

#[derive(Serialize)]
struct Echo {
    n: u32,
}
impl Method for Echo {
    const NAME: &'static str = "test.echo";
    const VERSION: ApiVersion = ApiVersion::V2;
    const IDEMPOTENT: bool = true;
    type Output = serde_json::Value;
    type ErrorCode = String;
}

#[derive(Serialize)]
struct UserCurrent {}
#[derive(Deserialize)]
#[allow(dead_code)]
struct User {
    #[serde(rename = "ID", deserialize_with = "lenient::int")]
    id: i64,
    #[serde(rename = "NAME")]
    name: String,
}
impl Method for UserCurrent {
    const NAME: &'static str = "user.current";
    const VERSION: ApiVersion = ApiVersion::V2;
    const IDEMPOTENT: bool = true;
    type Output = User;
    type ErrorCode = String;
}

#[derive(Serialize, Default)]
struct ItemList {}
#[derive(Deserialize)]
#[allow(dead_code)]
struct Item {
    #[serde(rename = "ID", deserialize_with = "lenient::int")]
    id: i64,
}
impl Method for ItemList {
    const NAME: &'static str = "test.item.list";
    const VERSION: ApiVersion = ApiVersion::V2;
    const IDEMPOTENT: bool = true;
    type Output = Vec<Item>;
    type ErrorCode = String;
}
impl Paged for ItemList {
    type Item = Item;
    fn into_items(output: Vec<Item>) -> Vec<Item> {
        output
    }
}

#[tokio::main]
async fn main() {
    rate().await;
    paging().await;
    overhead().await;
}

/// (a) 2,000 calls through a portal bucket of 200 req/s, burst 50.
async fn rate() {
    const CALLS: u32 = 2_000;
    let (per_second, burst) = (200.0, 50.0);
    let s = start(Config {
        bucket: Some((per_second, burst)),
        ..Config::default()
    })
    .await;
    let b24 = Client::builder()
        .webhook(s.webhook())
        .allow_http(true)
        .rate_limit(RateLimit::new(per_second, burst))
        .build()
        .expect("client");
    let t = Instant::now();
    let errors = futures::stream::iter((0..CALLS).map(|n| b24.call(Echo { n })))
        .buffer_unordered(256)
        .filter(|r| futures::future::ready(r.is_err()))
        .count()
        .await;
    let secs = t.elapsed().as_secs_f64();
    // The fastest the portal allows: the burst at once, the rest at the rate.
    let allowed_secs = (f64::from(CALLS) - burst) / per_second;
    let allowed_rate = f64::from(CALLS) / allowed_secs;
    let achieved = f64::from(CALLS) / secs;
    println!("(a) rate limit 200 req/s burst 50: {CALLS} calls in {secs:.2} s");
    println!(
        "    achieved {achieved:.1} req/s of {allowed_rate:.1} allowed ({:.1}%); errors to caller: {errors}; \
         refusals absorbed by retry: {}",
        100.0 * achieved / allowed_rate,
        s.emu.rejected.load(std::sync::atomic::Ordering::SeqCst)
    );
}

/// (b) 10,000 items by `start`, by ID, and by `start` through `batch`.
async fn paging() {
    let s = start(Config::default()).await;
    let b24 = Client::builder()
        .webhook(s.webhook())
        .allow_http(true)
        .rate_limit(RateLimit::new(1e6, 1e6))
        .build()
        .expect("client");
    println!("(b) paging 10,000 items:");
    for (label, stream) in [
        ("start/next", b24.list(ItemList::default())),
        (
            "ID walk (start=-1)",
            b24.list_by_id(ItemList::default(), "ID"),
        ),
        (
            "start/next via batch",
            b24.list_batched(ItemList::default()),
        ),
    ] {
        let before = s.requests();
        let t = Instant::now();
        let n = stream
            .try_fold(0usize, |n, _| async move { Ok(n + 1) })
            .await
            .expect("paging");
        println!(
            "    {label:<22} {n} items in {:>3} requests, {:.0} ms",
            s.requests() - before,
            t.elapsed().as_secs_f64() * 1e3
        );
    }
}

/// (c) Per-call cost of the client vs a bare reqwest + serde_json::Value call.
async fn overhead() {
    const CALLS: u32 = 3_000;
    const ROUNDS: u32 = 5;
    let s = start(Config::default()).await;
    let b24 = Client::builder()
        .webhook(s.webhook())
        .allow_http(true)
        .rate_limit(RateLimit::new(1e9, 1e9))
        .build()
        .expect("client");
    let raw = reqwest::Client::new();
    let url = format!("{}user.current.json", s.webhook());
    let raw_call = || async {
        let r = raw
            .post(&url)
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .expect("raw send");
        let v: serde_json::Value =
            serde_json::from_slice(&r.bytes().await.expect("raw body")).expect("raw json");
        assert!(v.get("result").is_some());
    };
    // Warm up both connection pools.
    for _ in 0..200 {
        raw_call().await;
        b24.call(UserCurrent {}).await.expect("call");
    }
    let (mut client_t, mut raw_t) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..ROUNDS {
        let t = Instant::now();
        for _ in 0..CALLS {
            raw_call().await;
        }
        raw_t += t.elapsed();
        let t = Instant::now();
        for _ in 0..CALLS {
            b24.call(UserCurrent {}).await.expect("call");
        }
        client_t += t.elapsed();
    }
    let n = f64::from(CALLS * ROUNDS);
    let (c, r) = (
        client_t.as_secs_f64() * 1e6 / n,
        raw_t.as_secs_f64() * 1e6 / n,
    );
    println!(
        "(c) per-call latency on loopback, {} sequential calls each:",
        CALLS * ROUNDS
    );
    println!("    raw reqwest + serde_json::Value: {r:.1} us");
    println!(
        "    bitrix24-runtime Client::call:  {c:.1} us ({:+.1}%)",
        100.0 * (c - r) / r
    );
}
