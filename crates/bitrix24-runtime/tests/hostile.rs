//! The client against hostile or broken servers on the loopback (127.0.0.1
//! only): redirects, echoed secrets, endless bodies, dead servers, stuck
//! paging, operating-time blocks, failing refreshes and token stores,
//! batch text, bad settings and traced fields. No test depends on timing
//! beyond margins of seconds.

mod support;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use bitrix24_runtime::{
    lenient, ApiVersion, Batch, Client, ClientBuilder, Error, MemoryTokenStore, Method, OAuthApp,
    Paged, RateLimit, TokenStore, TokenStoreError, Tokens,
};
use futures::TryStreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use support::{start, Config};

// ---------------------------------------------------------------- methods

macro_rules! method {
    ($ty:ident, $name:literal, $ver:ident, $idem:literal, $out:ty) => {
        impl Method for $ty {
            const NAME: &'static str = $name;
            const VERSION: ApiVersion = ApiVersion::$ver;
            const IDEMPOTENT: bool = $idem;
            type Output = $out;
            type ErrorCode = String;
        }
    };
}

#[derive(Serialize, Debug)]
struct Get {}
method!(Get, "test.get", V2, true, Value);
#[derive(Serialize, Debug)]
struct Add {
    fields: Value,
}
method!(Add, "test.item.add", V2, false, Value);
#[derive(Serialize, Debug)]
struct AddV3 {}
method!(AddV3, "test.item.add", V3, false, Value);
#[derive(Serialize, Debug)]
struct Strict {}
#[derive(Deserialize, Debug)]
#[allow(dead_code)]
struct StrictOut {
    #[serde(rename = "ID", deserialize_with = "lenient::int")]
    id: i64,
}
method!(Strict, "test.strict", V2, true, StrictOut);
#[derive(Serialize, Debug)]
struct UserCurrent {}
method!(UserCurrent, "user.current", V2, true, Value);
#[derive(Serialize, Debug)]
struct Busy {}
method!(Busy, "test.busy", V2, true, Value);

#[derive(Serialize, Clone, Default, Debug)]
struct ItemList {}
#[derive(Deserialize, Debug)]
#[allow(dead_code)]
struct Item {
    #[serde(rename = "ID", deserialize_with = "lenient::int")]
    id: i64,
}
method!(ItemList, "test.item.list", V2, true, Vec<Item>);
impl Paged for ItemList {
    type Item = Item;
    fn into_items(output: Vec<Item>) -> Vec<Item> {
        output
    }
}

// ---------------------------------------------------------------- server

/// One request as the hostile server saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    uri: String,
    headers: HeaderMap,
    body: String,
}

type Reply = Pin<Box<dyn Future<Output = Response> + Send>>;
type Handler = Arc<dyn Fn(usize, Seen) -> Reply + Send + Sync>;

struct Hostile {
    base: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Hostile {
    fn webhook(&self) -> String {
        format!("{}/rest/1/{}/", self.base, support::CODE)
    }
    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
    fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

/// A server on 127.0.0.1 that answers the n-th request (from 0) with `f`.
async fn hostile<F, Fut>(f: F) -> Hostile
where
    F: Fn(usize, Seen) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response> + Send + 'static,
{
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let handler: Handler = Arc::new(move |n, s| Box::pin(f(n, s)));
    let record = seen.clone();
    let app = axum::Router::new().fallback(
        move |method: axum::http::Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let (handler, record) = (handler.clone(), record.clone());
            async move {
                let s = Seen {
                    method: method.to_string(),
                    uri: uri.to_string(),
                    headers,
                    body: String::from_utf8_lossy(&body).into_owned(),
                };
                let n = {
                    let mut r = record.lock().unwrap();
                    r.push(s.clone());
                    r.len() - 1
                };
                handler(n, s).await
            }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Hostile {
        base: format!("http://{addr}"),
        seen,
    }
}

fn json_reply(status: u16, body: Value) -> Response {
    (StatusCode::from_u16(status).unwrap(), axum::Json(body)).into_response()
}

fn client(url: &str) -> ClientBuilder {
    Client::builder()
        .webhook(url)
        .allow_http(true)
        .rate_limit(RateLimit::new(10_000.0, 10_000.0))
        .backoff(Duration::from_millis(5), Duration::from_millis(20))
}

const SECRETS: [&str; 5] = [
    support::CODE,
    support::CLIENT_SECRET,
    "acc-SECRET",
    "ref-SECRET",
    "app-TOKEN-5150",
];

/// No secret, and no prefix of one of 6 or more characters, in `text`.
#[track_caller]
fn assert_clean(text: &str) {
    for secret in SECRETS {
        for n in 6..=secret.len() {
            assert!(
                !text.contains(&secret[..n]),
                "{:?} of {secret} leaked in {text}",
                &secret[..n]
            );
        }
    }
}

#[track_caller]
fn assert_clean_error(e: &Error) {
    assert_clean(&format!("{e} | {e:?}"));
}

// ---------------------------------------------------------------- redirects

#[tokio::test]
async fn redirects_are_never_followed() {
    let other = hostile(|_, _| async { json_reply(200, json!({"result": "stolen"})) }).await;
    let target = format!("{}/steal/path?q=1", other.base);
    for status in [301u16, 302, 303, 307, 308] {
        let to = target.clone();
        let s = hostile(move |_, _| {
            let to = to.clone();
            async move {
                (
                    StatusCode::from_u16(status).unwrap(),
                    [(axum::http::header::LOCATION, to)],
                )
                    .into_response()
            }
        })
        .await;
        let b24 = client(&s.webhook()).build().unwrap();
        for e in [
            b24.call(Add {
                fields: json!({"TITLE": "x"}),
            })
            .await
            .unwrap_err(),
            b24.call(Get {}).await.unwrap_err(),
        ] {
            match &e {
                Error::Redirect {
                    status: st,
                    location,
                    ..
                } => {
                    assert_eq!(*st, status);
                    assert_eq!(location.as_deref(), Some(other.base.as_str()));
                }
                other => panic!("{status}: {other:?}"),
            }
            assert!(!format!("{e} {e:?}").contains("/steal"), "{e}");
            assert_clean_error(&e);
        }
        // Not retried, no Referer, nothing sent on.
        assert_eq!(s.count(), 2);
        assert!(s.seen().iter().all(|r| !r.headers.contains_key("referer")));
    }
    // A relative location names the server's own host.
    let s = hostile(|_, _| async {
        (
            StatusCode::FOUND,
            [(axum::http::header::LOCATION, "/login")],
        )
            .into_response()
    })
    .await;
    let e = client(&s.webhook()).build().unwrap().call(Get {}).await;
    assert!(
        matches!(&e, Err(Error::Redirect { location: Some(l), .. }) if *l == s.base),
        "{e:?}"
    );
    assert_eq!(other.count(), 0, "the other host got {:?}", other.seen());
}

#[tokio::test]
async fn an_oauth_call_redirected_keeps_its_token() {
    let other = hostile(|_, _| async { json_reply(200, json!({"result": "stolen"})) }).await;
    for status in [
        StatusCode::TEMPORARY_REDIRECT,
        StatusCode::PERMANENT_REDIRECT,
    ] {
        let to = format!("{}/rest/user.current.json", other.base);
        let portal = hostile(move |_, _| {
            let to = to.clone();
            async move { (status, [(axum::http::header::LOCATION, to)]).into_response() }
        })
        .await;
        let app = OAuthApp::new(support::CLIENT_ID, support::CLIENT_SECRET);
        let store = MemoryTokenStore::new(Tokens::new(
            "acc-SECRET-1",
            "ref-SECRET-1",
            format!("{}/rest/", portal.base),
        ));
        let b24 = Client::builder()
            .oauth(app, store)
            .allow_http(true)
            .build()
            .unwrap();
        let e = b24.call(UserCurrent {}).await.unwrap_err();
        assert!(matches!(e, Error::Redirect { .. }), "{e:?}");
        assert_clean_error(&e);
        // The token went only where it belongs.
        assert!(portal.seen()[0].body.contains("acc-SECRET-1"));
    }
    assert_eq!(other.count(), 0, "{:?}", other.seen());
}

#[tokio::test]
async fn a_redirecting_token_endpoint_gets_no_secret_further() {
    let other = hostile(|_, _| async { json_reply(200, json!({})) }).await;
    let to = format!("{}/oauth/token/", other.base);
    let portal = hostile(|_, _| async {
        json_reply(
            401,
            json!({"error": "expired_token", "error_description": "expired"}),
        )
    })
    .await;
    let token = hostile(move |_, _| {
        let to = to.clone();
        async move {
            (
                StatusCode::TEMPORARY_REDIRECT,
                [(axum::http::header::LOCATION, to)],
            )
                .into_response()
        }
    })
    .await;
    let app = OAuthApp::new(support::CLIENT_ID, support::CLIENT_SECRET)
        .token_url(format!("{}/oauth/token/", token.base));
    let store = MemoryTokenStore::new(Tokens::new(
        "acc-SECRET-1",
        "ref-SECRET-1",
        format!("{}/rest/", portal.base),
    ));
    let b24 = Client::builder()
        .oauth(app, store)
        .allow_http(true)
        .build()
        .unwrap();
    let e = b24.call(UserCurrent {}).await.unwrap_err();
    assert!(matches!(e, Error::Redirect { status: 307, .. }), "{e:?}");
    assert_clean_error(&e);
    assert_eq!(other.count(), 0);
    assert_eq!(token.count(), 1);
}

// ---------------------------------------------------------------- masking

/// Echoes everything it received, in every place a server can put text.
async fn echo_server() -> Hostile {
    hostile(|_, s: Seen| async move {
        // What was sent, and the application token a portal knows.
        let echo = format!("{} {} {} app-TOKEN-5150", s.method, s.uri, s.body);
        let name = s.uri.rsplit('/').next().unwrap_or("").to_owned();
        match name.trim_end_matches(".json") {
            "test.get" => json_reply(
                400,
                json!({"error": format!("BAD {echo}"), "error_description": echo}),
            ),
            "test.strict" => json_reply(200, json!({"result": {"ID": echo}})),
            "test.item.add" => json_reply(
                400,
                json!({"error": {"code": "V", "message": echo,
                    "validation": [{"field": echo, "message": echo}]}}),
            ),
            _ => {
                // An HTML page with the secret across the 256-byte cut.
                let at = bitrix24_runtime::SNIPPET_LEN - 5;
                let body = format!("{}{} {echo}", "x".repeat(at), support::CODE);
                (StatusCode::BAD_GATEWAY, body).into_response()
            }
        }
    })
    .await
}

#[tokio::test]
async fn echoed_secrets_are_masked_in_every_error() {
    let s = echo_server().await;
    let b24 = client(&s.webhook())
        .application_token("app-TOKEN-5150")
        .max_retries(0)
        .build()
        .unwrap();
    assert_clean(&format!("{b24:?}"));
    let errors = [
        b24.call(Get {}).await.unwrap_err(),
        b24.call(Strict {}).await.unwrap_err(),
        b24.call(AddV3 {}).await.unwrap_err(),
        b24.call(UserCurrent {}).await.unwrap_err(),
    ];
    assert!(matches!(errors[1], Error::Decode { .. }), "{:?}", errors[1]);
    assert!(
        matches!(errors[3], Error::NotEnvelope { .. }),
        "{:?}",
        errors[3]
    );
    for e in &errors {
        assert_clean_error(e);
    }
    // The echo did carry the secret: the masking is what removed it.
    assert!(s.seen()[0].uri.contains(support::CODE));
}

#[tokio::test]
async fn token_endpoint_answers_are_masked() {
    let portal = hostile(|_, _| async {
        json_reply(
            401,
            json!({"error": "expired_token", "error_description": "expired"}),
        )
    })
    .await;
    // 1: echoes the query (client secret, refresh token) in an error;
    // 2: a new access token but no refresh token; 3: HTML with the query.
    let token = hostile(|n, s: Seen| async move {
        match n {
            0 => json_reply(
                400,
                json!({"error": "invalid_grant", "error_description": s.uri}),
            ),
            1 => json_reply(
                200,
                json!({"access_token": "acc-SECRET-NEW-77", "client_endpoint": s.uri}),
            ),
            _ => (StatusCode::OK, format!("<p>{}</p>", s.uri)).into_response(),
        }
    })
    .await;
    for _ in 0..3 {
        let app = OAuthApp::new(support::CLIENT_ID, support::CLIENT_SECRET)
            .token_url(format!("{}/oauth/token/", token.base));
        let store = MemoryTokenStore::new(Tokens::new(
            "acc-SECRET-1",
            "ref-SECRET-1",
            format!("{}/rest/", portal.base),
        ));
        let b24 = Client::builder()
            .oauth(app, store)
            .allow_http(true)
            .build()
            .unwrap();
        let e = b24.call(UserCurrent {}).await.unwrap_err();
        assert_clean_error(&e);
    }
    assert!(token.seen()[0].uri.contains(support::CLIENT_SECRET));
    assert_eq!(token.count(), 3);
}

// ---------------------------------------------------------------- size and time

#[tokio::test]
async fn endless_and_oversized_bodies_are_cut_at_the_cap() {
    let sent = Arc::new(AtomicU64::new(0));
    let counter = sent.clone();
    let s = hostile(move |n, _| {
        let counter = counter.clone();
        async move {
            if n == 0 {
                // Declares a huge length up front (and would send it).
                let chunk = Bytes::from(vec![b'x'; 64 * 1024]);
                let body =
                    futures::stream::repeat_with(move || Ok::<_, std::io::Error>(chunk.clone()));
                return (
                    [(axum::http::header::CONTENT_LENGTH, "10000000000")],
                    Body::from_stream(body),
                )
                    .into_response();
            }
            // Streams `{"result":"xxxx...` forever.
            let chunk = Bytes::from(vec![b'x'; 64 * 1024]);
            let head = futures::stream::once(async {
                Ok::<_, std::io::Error>(Bytes::from_static(b"{\"result\":\""))
            });
            let tail = futures::stream::repeat_with(move || {
                counter.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                Ok::<_, std::io::Error>(chunk.clone())
            });
            Body::from_stream(futures::StreamExt::chain(head, tail)).into_response()
        }
    })
    .await;
    let b24 = client(&s.webhook())
        .max_response_bytes(1024 * 1024)
        .build()
        .unwrap();
    for _ in 0..2 {
        let e = b24.call(Get {}).await.unwrap_err();
        assert!(matches!(e, Error::TooLarge { limit: 1048576, .. }), "{e:?}");
    }
    // Too large is final: not retried.
    assert_eq!(s.count(), 2);
    // The client stopped reading soon after the cap (the server may have
    // written ahead into socket buffers, never the endless rest).
    assert!(sent.load(Ordering::Relaxed) < 64 * 1024 * 1024);
}

#[tokio::test]
async fn a_dead_server_costs_at_most_the_deadline() {
    // Accepts, reads, never answers.
    let s = hostile(|_, _| async {
        std::future::pending::<()>().await;
        unreachable!()
    })
    .await;
    let b24 = client(&s.webhook())
        .timeout(Duration::from_secs(1))
        .deadline(Duration::from_millis(2500))
        .max_retries(5)
        .build()
        .unwrap();
    let t = Instant::now();
    let e = b24.call(Get {}).await.unwrap_err();
    let took = t.elapsed();
    // Without the deadline: 6 attempts of 1 s plus backoff.
    assert!(matches!(e, Error::Deadline { .. }), "{e:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert!(took >= Duration::from_millis(2000), "{took:?}");
    assert!((2..=3).contains(&s.count()), "{}", s.count());
}

// ---------------------------------------------------------------- paging

#[tokio::test]
async fn paging_stops_on_a_stuck_server() {
    // Ignores filter and start: the same 50 items, `next` and `total` odd.
    let s = hostile(|_, seen: Seen| async move {
        let p: Value = serde_json::from_str(&seen.body).unwrap_or(json!({}));
        let items: Vec<Value> = (1..=50).map(|i| json!({"ID": i.to_string()})).collect();
        let start = p.get("start").and_then(Value::as_i64).unwrap_or(0);
        if p.get("marker").is_some() || start > 0 {
            return json_reply(
                200,
                json!({"result": items, "next": start.max(0), "total": 1_000_000}),
            );
        }
        json_reply(
            200,
            json!({"result": items, "next": 50, "total": 1_000_000_000_000u64}),
        )
    })
    .await;
    let b24 = client(&s.webhook()).build().unwrap();

    let by_id: Result<Vec<Item>, Error> = b24.list_by_id(ItemList {}, "ID").try_collect().await;
    assert!(matches!(by_id, Err(Error::Paging { .. })), "{by_id:?}");
    assert_eq!(s.count(), 2);

    // `total` of 10^12: no allocation towards it, an error at once.
    let batched: Result<Vec<Item>, Error> = b24.list_batched(ItemList {}).try_collect().await;
    assert!(matches!(batched, Err(Error::Paging { .. })), "{batched:?}");
    assert_eq!(s.count(), 3);
    let listed: Result<Vec<Item>, Error> = b24.list(ItemList {}).try_collect().await;
    assert!(matches!(listed, Err(Error::Paging { .. })), "{listed:?}");
    assert_eq!(s.count(), 4);
}

#[tokio::test]
async fn start_paging_stops_when_next_does_not_advance() {
    let s = hostile(|_, _| async {
        let items: Vec<Value> = (1..=50).map(|i| json!({"ID": i})).collect();
        json_reply(200, json!({"result": items, "next": 50, "total": 200}))
    })
    .await;
    let b24 = client(&s.webhook()).build().unwrap();
    let listed: Result<Vec<Item>, Error> = b24.list(ItemList {}).try_collect().await;
    match listed {
        Err(Error::Paging { message, .. }) => {
            assert!(message.contains("does not advance"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(s.count(), 2);
}

// ---------------------------------------------------------------- operating time

#[tokio::test]
async fn operating_reset_at_is_read_from_the_429_body() {
    let s = start(Config::default()).await;
    *s.emu.busy_until.lock().unwrap() = support::now() + 600.0;
    let b24 = client(&s.webhook())
        .operating_wait(Duration::from_secs(5))
        .build()
        .unwrap();
    let e = b24.call(Busy {}).await.unwrap_err();
    assert_eq!(e.api().unwrap().code, "OPERATION_TIME_LIMIT");
    assert_eq!(s.count("test.busy"), 1);
    // Held back by the client until the reset the body named (~600 s, where
    // the fallback would have been 1 s).
    let e = b24.call(Busy {}).await.unwrap_err();
    let desc = &e.api().unwrap().description;
    assert!(desc.contains("resets in 59"), "{desc}");
    assert_eq!(s.count("test.busy"), 1);
}

#[tokio::test]
async fn without_a_reset_time_the_wait_is_short_and_grows() {
    // 429 with no time block twice, then success.
    let s = hostile(|n, _| async move {
        if n < 2 {
            json_reply(
                429,
                json!({"error": "OPERATION_TIME_LIMIT", "error_description": "blocked"}),
            )
        } else {
            json_reply(200, json!({"result": "free"}))
        }
    })
    .await;
    let b24 = client(&s.webhook())
        .operating_wait(Duration::from_secs(10))
        .build()
        .unwrap();
    let t = Instant::now();
    assert_eq!(b24.call(Busy {}).await.unwrap(), "free");
    // 1 s, then 2 s: the client's own waits, a lower bound on any machine.
    assert!(
        t.elapsed() >= Duration::from_millis(2900),
        "{:?}",
        t.elapsed()
    );
    assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
    assert_eq!(s.count(), 3);
}

// ---------------------------------------------------------------- OAuth

fn oauth(s: &support::Server, store: impl TokenStore + 'static) -> Client {
    let app = OAuthApp::new(support::CLIENT_ID, support::CLIENT_SECRET).token_url(s.token_url());
    Client::builder()
        .oauth(app, store)
        .allow_http(true)
        .rate_limit(RateLimit::new(10_000.0, 10_000.0))
        .build()
        .unwrap()
}

#[tokio::test]
async fn one_failed_refresh_serves_every_waiting_caller() {
    // The token endpoint answers only after all 20 calls reached the
    // portal, so every caller is waiting on the same refresh attempt.
    let s = start(Config {
        refresh_gate: 20,
        refresh_error: Some((503, "temporarily_unavailable")),
        ..Config::default()
    })
    .await;
    let (acc, refr) = s.tokens();
    let b24 = oauth(
        &s,
        MemoryTokenStore::new(Tokens::new(acc, refr, s.client_endpoint())),
    );
    s.expire_access_token();
    let calls = (0..20).map(|_| b24.call(UserCurrent {}));
    for r in futures::future::join_all(calls).await {
        let e = r.unwrap_err();
        assert_eq!(e.api().unwrap().code, "temporarily_unavailable", "{e:?}");
        assert_clean_error(&e);
    }
    assert_eq!(s.emu.token_requests.load(Ordering::SeqCst), 1);
    // A later call tries again (a failure is not remembered for ever).
    b24.call(UserCurrent {}).await.unwrap_err();
    assert_eq!(s.emu.token_requests.load(Ordering::SeqCst), 2);
}

/// Fails the first `fail` saves.
struct Flaky {
    inner: MemoryTokenStore,
    fail: AtomicUsize,
    saves: AtomicUsize,
}

struct FlakyStore(Arc<Flaky>);

impl TokenStore for FlakyStore {
    fn load(&self) -> Result<Option<Tokens>, TokenStoreError> {
        self.0.inner.load()
    }
    fn save(&self, t: &Tokens) -> Result<(), TokenStoreError> {
        self.0.saves.fetch_add(1, Ordering::SeqCst);
        if self
            .0
            .fail
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Err(std::io::Error::other("disk full").into());
        }
        self.0.inner.save(t)
    }
}

#[tokio::test]
async fn a_failed_save_keeps_the_new_pair_and_retries_the_save() {
    let s = start(Config::default()).await;
    let (acc, refr) = s.tokens();
    let store = Arc::new(Flaky {
        inner: MemoryTokenStore::new(Tokens::new(acc, refr, s.client_endpoint())),
        fail: AtomicUsize::new(2),
        saves: AtomicUsize::new(0),
    });
    let b24 = oauth(&s, FlakyStore(store.clone()));
    s.expire_access_token();
    // The call that refreshed reports the store's failure, as a real error.
    let e = b24.call(UserCurrent {}).await.unwrap_err();
    match &e {
        Error::TokenStore(inner) => {
            assert_eq!(inner.to_string(), "disk full");
            assert!(std::error::Error::source(&e).is_some());
        }
        other => panic!("{other:?}"),
    }
    // The new pair is in use: no second refresh, no invalid_grant.
    b24.call(UserCurrent {}).await.unwrap();
    assert_eq!(s.emu.refreshes.load(Ordering::SeqCst), 1);
    // The save was retried before that call (and failed once more), then
    // once more before the next one, which succeeds.
    b24.call(UserCurrent {}).await.unwrap();
    assert_eq!(store.saves.load(Ordering::SeqCst), 3);
    let (acc, refr) = s.tokens();
    let saved = store.inner.get().unwrap();
    assert_eq!(
        (saved.access_token.expose(), saved.refresh_token.expose()),
        (acc.as_str(), refr.as_str())
    );
    // The next expiry refreshes with the rotated (live) refresh token.
    s.expire_access_token();
    b24.call(UserCurrent {}).await.unwrap();
    assert_eq!(s.emu.refreshes.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_caller_giving_up_mid_refresh_does_not_lose_the_new_pair() {
    // The token endpoint takes 300 ms; the caller gives up after 50 ms.
    let s = start(Config {
        refresh_delay: Duration::from_millis(300),
        ..Config::default()
    })
    .await;
    let (acc, refr) = s.tokens();
    let store = Arc::new(Flaky {
        inner: MemoryTokenStore::new(Tokens::new(acc, refr, s.client_endpoint())),
        fail: AtomicUsize::new(0),
        saves: AtomicUsize::new(0),
    });
    let b24 = oauth(&s, FlakyStore(store.clone()));
    s.expire_access_token();
    let gave_up = tokio::time::timeout(Duration::from_millis(50), b24.call(UserCurrent {})).await;
    assert!(gave_up.is_err(), "{gave_up:?}");
    // The refresh went on without the caller: the rotated pair is in use
    // and saved, and the next call needs no second refresh.
    b24.call(UserCurrent {}).await.unwrap();
    assert_eq!(s.emu.refreshes.load(Ordering::SeqCst), 1);
    let (acc, refr) = s.tokens();
    let saved = store.inner.get().unwrap();
    assert_eq!(
        (saved.access_token.expose(), saved.refresh_token.expose()),
        (acc.as_str(), refr.as_str())
    );
}

#[tokio::test]
async fn a_retry_does_not_queue_past_the_deadline() {
    // Every answer is a 502: a read is retried. The client paces at one
    // request per 10 s, so the first retry's slot lies past the deadline.
    let s = hostile(|_, _| async { (StatusCode::BAD_GATEWAY, "<html>").into_response() }).await;
    let b24 = client(&s.webhook())
        .rate_limit(RateLimit::new(0.1, 1.0))
        .deadline(Duration::from_secs(2))
        .build()
        .unwrap();
    let t = Instant::now();
    let e = b24.call(Get {}).await.unwrap_err();
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    assert!(matches!(e, Error::Deadline { attempts: 1, .. }), "{e:?}");
    assert_eq!(s.count(), 1);
}

// ---------------------------------------------------------------- batch

#[tokio::test]
async fn batch_sends_user_text_as_text() {
    let s = start(Config::default()).await;
    let b24 = client(&s.webhook()).build().unwrap();
    #[derive(Serialize)]
    struct Echo {
        text: String,
    }
    method!(Echo, "test.echo", V2, true, Value);
    let mut batch = Batch::new();
    let plain = batch
        .push(Echo {
            text: "$5 & [more] = 100%".into(),
        })
        .unwrap();
    assert!(matches!(
        batch.push(Echo {
            text: "$result[c0]".into()
        }),
        Err(Error::Encode { .. })
    ));
    let results = b24.batch(batch).await;
    assert_eq!(
        results.get(&plain).unwrap(),
        json!({"text": "$5 & [more] = 100%"})
    );
}

/// PHP's own `parse_str` (php-cli, Debian package `php-cli`) reads the
/// batch command lines the client sends back as meant.
#[tokio::test]
async fn php_parse_str_reads_batch_commands_back() {
    let php = std::process::Command::new("php").arg("--version").output();
    if !php.is_ok_and(|o| o.status.success()) {
        eprintln!("skipped: no `php` on PATH (apt-get install php-cli)");
        return;
    }
    let s = hostile(|_, _| async { json_reply(200, json!({"result": {"result": []}})) }).await;
    let b24 = client(&s.webhook()).build().unwrap();
    #[derive(Serialize)]
    struct P {
        fields: Value,
    }
    method!(P, "x.add", V2, false, Value);
    let mut batch = Batch::new();
    let first = batch.push_keyed("first", P { fields: json!({}) }).unwrap();
    batch
        .push_linked(
            "second",
            P {
                fields: json!({"A": [], "B": {}, "C": null, "D": ["1", {"E": "x y&z=$"}],
                    "T": "$5 [x] 100%"}),
            },
            [("fields[LINK]", first.reference(&["ITEMS", "0"]))],
        )
        .unwrap();
    let _ = b24.batch(batch).await;
    let sent: Value = serde_json::from_str(&s.seen()[0].body).unwrap();
    let line = sent["cmd"]["second"].as_str().unwrap();
    let query = line.split_once('?').unwrap().1;
    let out = std::process::Command::new("php")
        .arg("-r")
        .arg("parse_str($argv[1], $o); echo json_encode($o);")
        .arg(query)
        .output()
        .unwrap();
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        got,
        json!({"fields": {"A": "", "B": "", "C": "", "D": ["1", {"E": "x y&z=$"}],
            "T": "$5 [x] 100%", "LINK": "$result[first][ITEMS][0]"}})
    );
}

// ---------------------------------------------------------------- config

#[test]
fn out_of_range_settings_are_config_errors_at_build() {
    let base = || Client::builder().webhook("https://p.example/rest/1/abc/");
    let bad = [
        base().rate_limit(RateLimit::new(1e-20, 1.0)),
        base().rate_limit(RateLimit::new(f64::NAN, 50.0)),
        base().rate_limit(RateLimit::new(2.0, 0.5)),
        base().rate_limit(RateLimit::new(2.0, f64::INFINITY)),
        base().rate_limit(RateLimit::new(-1.0, 50.0)),
        base().timeout(Duration::ZERO),
        base().timeout(Duration::from_secs(u64::MAX)),
        base().connect_timeout(Duration::ZERO),
        base().deadline(Duration::ZERO),
        base().deadline(Duration::from_secs(10 * 86_400)),
        base().backoff(Duration::from_secs(10), Duration::from_secs(1)),
        base().backoff(Duration::ZERO, Duration::from_secs(u64::MAX)),
        base().max_retries(1000),
        base().operating_wait(Duration::from_secs(u64::MAX)),
        base().max_response_bytes(0),
        base().max_response_bytes(u64::MAX),
    ];
    for b in bad {
        let shown = format!("{b:?}");
        match b.build() {
            Err(Error::Config(_)) => {}
            other => panic!("{shown}: {other:?}"),
        }
    }
    assert!(base().rate_limit(RateLimit::ENTERPRISE).build().is_ok());
}

// ---------------------------------------------------------------- tracing

mod capture {
    //! A minimal `tracing` subscriber that keeps every span and event field.
    use std::sync::{Arc, Mutex};
    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Metadata, Subscriber};

    #[derive(Clone, Default)]
    pub struct Capture(pub Arc<Mutex<Vec<String>>>);

    struct Fields<'a>(&'a mut String);
    impl Visit for Fields<'_> {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            self.0.push_str(&format!(" {}={value:?}", field.name()));
        }
    }

    impl Subscriber for Capture {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, span: &Attributes<'_>) -> Id {
            let mut line = format!("span {}", span.metadata().name());
            span.record(&mut Fields(&mut line));
            let mut v = self.0.lock().unwrap();
            v.push(line);
            Id::from_u64(v.len() as u64)
        }
        fn record(&self, _: &Id, values: &Record<'_>) {
            let mut line = "record".to_owned();
            values.record(&mut Fields(&mut line));
            self.0.lock().unwrap().push(line);
        }
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, event: &Event<'_>) {
            let mut line = format!("event {}", event.metadata().level());
            event.record(&mut Fields(&mut line));
            self.0.lock().unwrap().push(line);
        }
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }
}

#[test]
fn traced_fields_name_calls_retries_and_refreshes_with_secrets_masked() {
    let cap = capture::Capture::default();
    let _guard = tracing::subscriber::set_default(cap.clone());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let echo = echo_server().await;
        let b24 = client(&echo.webhook())
            .application_token("app-TOKEN-5150")
            .max_retries(1)
            .build()
            .unwrap();
        let _ = b24.call(Get {}).await;
        let _ = b24.call(UserCurrent {}).await; // 502: retried once
        let s = start(Config::default()).await;
        let (acc, refr) = s.tokens();
        let o = oauth(
            &s,
            MemoryTokenStore::new(Tokens::new(acc, refr, s.client_endpoint())),
        );
        s.expire_access_token();
        o.call(UserCurrent {}).await.unwrap();
    });
    let lines = cap.0.lock().unwrap().clone();
    let all = lines.join("\n");
    assert_clean(&all);
    for want in [
        "span bitrix24.call method=\"test.get\"",
        "status=400",
        "retrying",
        "attempt=1",
        "wait_ms=",
        "span bitrix24.refresh",
        "tokens refreshed",
    ] {
        assert!(all.contains(want), "no {want:?} in\n{all}");
    }
}
