//! The client against a loopback Bitrix24 emulator.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use bitrix24_runtime::{
    lenient, ApiVersion, Batch, Client, ClientBuilder, Error, ErrorCode, MemoryTokenStore, Method,
    OAuthApp, Paged, RateLimit, TokenStore, TokenStoreError, Tokens,
};
use futures::TryStreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use support::{start, Config, Server};

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

#[derive(Serialize)]
struct UserCurrent {}
#[derive(Deserialize, Debug)]
struct User {
    #[serde(rename = "ID", deserialize_with = "lenient::int")]
    id: i64,
    #[serde(rename = "NAME")]
    name: String,
}
method!(UserCurrent, "user.current", V2, true, User);

#[derive(Serialize)]
struct DepartmentGet {
    #[serde(rename = "ID", skip_serializing_if = "Option::is_none")]
    id: Option<i64>,
}
#[derive(Deserialize, Debug)]
struct Department {
    #[serde(rename = "ID", deserialize_with = "lenient::int")]
    id: i64,
}
method!(DepartmentGet, "department.get", V2, true, Vec<Department>);

#[derive(Serialize)]
struct Fail {
    code: &'static str,
    status: u16,
}
method!(Fail, "test.fail", V2, true, Value);

/// A typed error-code enum, as the generator writes them.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
enum FailError {
    AccessDenied,
    Unknown(String),
}
impl ErrorCode for FailError {
    fn from_code(code: &str) -> Self {
        match code {
            "ACCESS_DENIED" => FailError::AccessDenied,
            other => FailError::Unknown(other.to_owned()),
        }
    }
    fn as_str(&self) -> &str {
        match self {
            FailError::AccessDenied => "ACCESS_DENIED",
            FailError::Unknown(s) => s,
        }
    }
}
#[derive(Serialize)]
struct TypedFail {
    code: &'static str,
    status: u16,
}
impl Method for TypedFail {
    const NAME: &'static str = "test.fail";
    const VERSION: ApiVersion = ApiVersion::V2;
    const IDEMPOTENT: bool = true;
    type Output = Value;
    type ErrorCode = FailError;
}

#[derive(Serialize)]
struct V3Get {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<i64>,
}
method!(V3Get, "test.v3.get", V3, true, Value);

#[derive(Serialize)]
struct Html {}
method!(Html, "test.html", V2, true, Value);
#[derive(Serialize)]
struct HtmlAdd {}
method!(HtmlAdd, "test.html", V2, false, Value);
#[derive(Serialize)]
struct Truncated {}
method!(Truncated, "test.truncated", V2, true, Value);
#[derive(Serialize)]
struct Empty {}
method!(Empty, "test.empty", V2, true, Value);

#[derive(Serialize)]
struct Slow {
    ms: u64,
}
method!(Slow, "test.slow", V2, true, bool);
#[derive(Serialize)]
struct Flaky {}
method!(Flaky, "test.flaky", V2, true, String);
#[derive(Serialize)]
struct FlakyAdd {}
method!(FlakyAdd, "test.flaky.add", V2, false, String);
#[derive(Serialize)]
struct FlakyAddV3 {}
method!(FlakyAddV3, "test.flaky.add", V3, false, String);
#[derive(Serialize)]
struct Busy {}
method!(Busy, "test.busy", V2, true, String);
#[derive(Serialize)]
struct Echo {
    n: u32,
}
method!(Echo, "test.echo", V2, true, Value);

#[derive(Serialize, Clone, Default)]
struct ItemList {
    #[serde(skip_serializing_if = "Option::is_none")]
    filter: Option<Value>,
}
#[derive(Deserialize, Debug)]
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

fn builder(s: &Server) -> ClientBuilder {
    Client::builder()
        .webhook(s.webhook())
        .allow_http(true)
        .rate_limit(RateLimit::new(1000.0, 1000.0))
        .backoff(Duration::from_millis(5), Duration::from_millis(50))
}

fn api(e: &Error) -> &bitrix24_runtime::ApiError {
    e.api().unwrap_or_else(|| panic!("not an API error: {e:?}"))
}

#[tokio::test]
async fn success_envelope_and_meta() {
    let s = start(Config::default()).await;
    let b24 = builder(&s).build().unwrap();
    let me = b24.call(UserCurrent {}).await.unwrap();
    assert_eq!((me.id, me.name.as_str()), (1, "Test"));
    let (deps, meta) = b24
        .call_with_meta(&DepartmentGet { id: Some(7) })
        .await
        .unwrap();
    assert_eq!(deps[0].id, 7);
    let time = meta.time.unwrap();
    assert!(time.operating.is_some() && time.operating_reset_at.is_some());
    assert_eq!(meta.status, 200);
    let (_, meta) = b24.call_with_meta(ItemList::default()).await.unwrap();
    assert_eq!((meta.total, meta.next), (Some(10_000), Some(50)));
}

#[tokio::test]
async fn v2_errors_keep_code_description_status() {
    let s = start(Config::default()).await;
    let b24 = builder(&s).build().unwrap();
    let e = b24
        .call(TypedFail {
            code: "ACCESS_DENIED",
            status: 403,
        })
        .await
        .unwrap_err();
    assert_eq!(e.code_of::<TypedFail>(), Some(FailError::AccessDenied));
    let a = api(&e);
    assert_eq!(
        (a.code.as_str(), a.status, a.description.as_str()),
        ("ACCESS_DENIED", 403, "failure on request")
    );
    assert_eq!(a.method, "test.fail");
    let e = b24
        .call(TypedFail {
            code: "NEW_CODE",
            status: 400,
        })
        .await
        .unwrap_err();
    assert_eq!(
        e.code_of::<TypedFail>(),
        Some(FailError::Unknown("NEW_CODE".into()))
    );
    // 5xx with an envelope is an API error and is not retried.
    let before = s.count("test.fail");
    let e = b24
        .call(Fail {
            code: "INTERNAL_SERVER_ERROR",
            status: 500,
        })
        .await
        .unwrap_err();
    assert_eq!(api(&e).status, 500);
    assert_eq!(s.count("test.fail"), before + 1);
    // Unknown method.
    let e = b24.call(&V3Get { id: None }).await.unwrap_err();
    assert_eq!(
        api(&e).code,
        "BITRIX_REST_V3_EXCEPTION_VALIDATION_REQUESTVALIDATIONEXCEPTION"
    );
}

#[tokio::test]
async fn v3_calls_and_errors() {
    let s = start(Config::default()).await;
    let b24 = builder(&s).build().unwrap();
    let ok = b24.call(V3Get { id: Some(5) }).await.unwrap();
    assert_eq!(ok["item"]["id"], 5);
    let e = b24.call(V3Get { id: None }).await.unwrap_err();
    let a = api(&e);
    assert_eq!(a.status, 400);
    assert_eq!(a.description, "Error validating request object");
    assert_eq!(a.validation.len(), 1);
}

#[tokio::test]
async fn limits_overload_is_never_retried_query_limit_is_bounded() {
    let s = start(Config::default()).await;
    let b24 = builder(&s).max_retries(3).build().unwrap();
    let e = b24
        .call(Fail {
            code: "OVERLOAD_LIMIT",
            status: 503,
        })
        .await
        .unwrap_err();
    assert_eq!(api(&e).code, "OVERLOAD_LIMIT");
    assert_eq!(s.count("test.fail"), 1);
    let e = b24
        .call(Fail {
            code: "QUERY_LIMIT_EXCEEDED",
            status: 503,
        })
        .await
        .unwrap_err();
    assert_eq!(api(&e).code, "QUERY_LIMIT_EXCEEDED");
    assert_eq!(s.count("test.fail"), 1 + 4);
}

#[tokio::test]
async fn query_limit_exceeded_from_a_leaky_bucket_is_absorbed() {
    // A portal draining 50 a second with a burst of 20, and 60 callers at
    // once: refusals are certain unless the 60 requests arrive spread over
    // 0.8 s (13 ms each), which no machine is slow enough for.
    let s = start(Config {
        bucket: Some((50.0, 20.0)),
        ..Config::default()
    })
    .await;
    // A client that does not pace itself: the portal refuses, the client
    // backs off and retries, the caller never sees the error. 20 retries of
    // up to 200 ms leave room for ~200 more requests where 40 are needed.
    let greedy = builder(&s)
        .rate_limit(RateLimit::new(100_000.0, 100_000.0))
        .max_retries(20)
        .backoff(Duration::from_millis(20), Duration::from_millis(200))
        .build()
        .unwrap();
    let calls = (0..60).map(|n| greedy.call(Echo { n }));
    for r in futures::future::join_all(calls).await {
        r.unwrap();
    }
    assert!(s.emu.rejected.load(std::sync::atomic::Ordering::SeqCst) > 0);
}

#[tokio::test]
async fn pacing_client_never_trips_the_bucket() {
    let s = start(Config {
        bucket: Some((200.0, 50.0)),
        ..Config::default()
    })
    .await;
    let b24 = builder(&s)
        .rate_limit(RateLimit::new(200.0, 50.0))
        .build()
        .unwrap();
    let t = Instant::now();
    let calls = (0..250).map(|n| b24.call(Echo { n }));
    for r in futures::future::join_all(calls).await {
        r.unwrap();
    }
    // 45 at once (the burst less the cushion), then 205 at 200/s: at least
    // 1.025 s by the client's own schedule, however fast the machine.
    assert!(
        t.elapsed() >= Duration::from_millis(900),
        "{:?}",
        t.elapsed()
    );
    // The client's send times conform to the bucket (proved on a test clock
    // in `limits::tests`); here the portal counts arrivals, which a loaded
    // machine can bunch up beyond the client's 25 ms cushion. A stray
    // refusal is retried, never seen by the caller; the bound only says the
    // client paced itself at all: a client that does not pace gets at least
    // 200 refusals from these 250 calls.
    let rejected = s.emu.rejected.load(std::sync::atomic::Ordering::SeqCst);
    assert!(rejected < 100, "{rejected}");
}

#[tokio::test]
async fn operation_time_limit_holds_back_only_that_method() {
    let s = start(Config::default()).await;
    let b24 = builder(&s)
        .operating_wait(Duration::from_millis(100))
        .build()
        .unwrap();
    // Blocked for ten minutes; the 429 body says when the budget resets.
    *s.emu.busy_until.lock().unwrap() = support::now() + 600.0;
    let e = b24.call(Busy {}).await.unwrap_err();
    assert_eq!(
        (api(&e).code.as_str(), api(&e).status),
        ("OPERATION_TIME_LIMIT", 429)
    );
    assert_eq!(s.count("test.busy"), 1);
    // Held back by the client: no request reaches the portal.
    let e = b24.call(Busy {}).await.unwrap_err();
    assert_eq!(api(&e).code, "OPERATION_TIME_LIMIT");
    assert_eq!(s.count("test.busy"), 1);
    // Other methods are unaffected.
    b24.call(UserCurrent {}).await.unwrap();
}

#[tokio::test]
async fn non_envelopes_html_truncated_empty() {
    let s = start(Config::default()).await;
    let b24 = builder(&s).max_retries(2).build().unwrap();
    match b24.call(Html {}).await.unwrap_err() {
        Error::NotEnvelope {
            status,
            snippet,
            method,
        } => {
            assert_eq!((status, method.as_str()), (502, "test.html"));
            assert!(snippet.contains("502 Bad Gateway"));
        }
        e => panic!("{e:?}"),
    }
    // A 502 from a proxy: repeated for a read, not for a write.
    assert_eq!(s.count("test.html"), 3);
    b24.call(HtmlAdd {}).await.unwrap_err();
    assert_eq!(s.count("test.html"), 4);
    for e in [
        b24.call(Truncated {}).await.unwrap_err(),
        b24.call(Empty {}).await.unwrap_err(),
    ] {
        assert!(matches!(e, Error::NotEnvelope { status: 200, .. }), "{e:?}");
    }
}

#[tokio::test]
async fn decode_errors_name_method_and_field() {
    let s = start(Config::default()).await;
    let b24 = builder(&s).build().unwrap();
    #[derive(Serialize)]
    struct BadUser {}
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Strict {
        #[serde(rename = "UF_DEPARTMENT")]
        dep: Vec<String>,
    }
    method!(BadUser, "user.current", V2, true, Strict);
    match b24.call(BadUser {}).await.unwrap_err() {
        Error::Decode { method, path, .. } => {
            assert_eq!(
                (method.as_str(), path.as_str()),
                ("user.current", "result.UF_DEPARTMENT[0]")
            )
        }
        e => panic!("{e:?}"),
    }
}

#[tokio::test]
async fn slow_responses_time_out_and_only_safe_calls_repeat() {
    let s = start(Config::default()).await;
    // Margins no loaded machine misses: a 10 ms answer against a 1 s
    // timeout, and answers that never come (the emulator sleeps 10 minutes).
    let b24 = builder(&s)
        .timeout(Duration::from_secs(1))
        .max_retries(2)
        .build()
        .unwrap();
    assert!(b24.call(Slow { ms: 10 }).await.unwrap());
    let e = b24.call(Slow { ms: 600_000 }).await.unwrap_err();
    assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
    // A read that times out once is repeated and succeeds.
    s.emu
        .flaky_left
        .store(1, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(b24.call(Flaky {}).await.unwrap(), "done");
    assert_eq!(s.count("test.flaky"), 2);
    // A REST 2 write is never repeated blindly.
    s.emu
        .flaky_left
        .store(1, std::sync::atomic::Ordering::SeqCst);
    let e = b24.call(FlakyAdd {}).await.unwrap_err();
    assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
    assert_eq!(s.count("test.flaky.add"), 1);
    // A REST 3.0 write carries an Idempotency-Key, so it may repeat, with the same key.
    s.emu.idempotency_keys.lock().unwrap().clear();
    s.emu
        .flaky_left
        .store(1, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(b24.call(FlakyAddV3 {}).await.unwrap(), "done");
    let keys = s.emu.idempotency_keys.lock().unwrap().clone();
    assert_eq!(keys.len(), 2);
    assert!(keys[0].is_some());
    assert_eq!(keys[0], keys[1]);
}

#[tokio::test]
async fn https_only_unless_allowed() {
    let e = Client::webhook("http://127.0.0.1:9/rest/1/abc/").unwrap_err();
    assert!(matches!(e, Error::Config(_)));
    assert!(Client::webhook("https://portal.example/rest/1/abc/").is_ok());
    assert!(Client::webhook("https://portal.example/rest/abc/").is_err());
}

fn oauth_client(s: &Server, store: Arc<MemoryTokenStore>) -> Client {
    struct Shared(Arc<MemoryTokenStore>);
    impl TokenStore for Shared {
        fn load(&self) -> Result<Option<Tokens>, TokenStoreError> {
            self.0.load()
        }
        fn save(&self, t: &Tokens) -> Result<(), TokenStoreError> {
            self.0.save(t)
        }
    }
    let app = OAuthApp::new(support::CLIENT_ID, support::CLIENT_SECRET).token_url(s.token_url());
    Client::builder()
        .oauth(app, Shared(store))
        .allow_http(true)
        .rate_limit(RateLimit::new(10_000.0, 10_000.0))
        .build()
        .unwrap()
}

#[tokio::test]
async fn token_expiry_with_50_concurrent_callers_refreshes_once() {
    let s = start(Config::default()).await;
    let (acc, refr) = s.tokens();
    // The stored endpoint is stale on purpose: the refresh response's
    // client_endpoint must be used afterwards.
    let stale = Tokens::new(acc, refr, s.client_endpoint());
    let store = Arc::new(MemoryTokenStore::new(stale));
    let b24 = oauth_client(&s, store.clone());
    b24.call(UserCurrent {}).await.unwrap();
    s.expire_access_token();
    let calls = (0..50).map(|_| b24.call(UserCurrent {}));
    for r in futures::future::join_all(calls).await {
        r.unwrap();
    }
    assert_eq!(s.emu.refreshes.load(std::sync::atomic::Ordering::SeqCst), 1);
    let (acc, refr) = s.tokens();
    let saved = store.get().unwrap();
    assert_eq!(
        (saved.access_token.expose(), saved.refresh_token.expose()),
        (acc.as_str(), refr.as_str())
    );
    assert_eq!(saved.client_endpoint, s.client_endpoint());
    // And again later: one more refresh, with the rotated refresh token.
    s.expire_access_token();
    b24.call(UserCurrent {}).await.unwrap();
    assert_eq!(s.emu.refreshes.load(std::sync::atomic::Ordering::SeqCst), 2);
}

#[tokio::test]
async fn failed_refresh_is_an_error_not_a_loop() {
    let s = start(Config::default()).await;
    let (acc, _) = s.tokens();
    let store = Arc::new(MemoryTokenStore::new(Tokens::new(
        acc,
        "ref-wrong",
        s.client_endpoint(),
    )));
    let b24 = oauth_client(&s, store);
    s.expire_access_token();
    let e = b24.call(UserCurrent {}).await.unwrap_err();
    assert_eq!(api(&e).code, "invalid_grant");
    assert_eq!(s.count("user.current"), 1);
}

#[tokio::test]
async fn secrets_never_print() {
    let s = start(Config::default()).await;
    let secrets = [
        support::CODE,
        support::CLIENT_SECRET,
        "acc-SECRET",
        "ref-SECRET",
    ];
    let check = |text: String| {
        for secret in secrets {
            assert!(!text.contains(secret), "{secret} leaked in {text}");
        }
    };
    let b24 = builder(&s).build().unwrap();
    check(format!("{b24:?}"));
    check(format!("{:?}", builder(&s)));
    // Transport errors (reqwest puts the URL in its messages).
    let dead = Client::builder()
        .webhook(format!("http://127.0.0.1:9/rest/1/{}/", support::CODE))
        .allow_http(true)
        .max_retries(0)
        .build()
        .unwrap();
    let e = dead.call(UserCurrent {}).await.unwrap_err();
    assert!(matches!(e, Error::Transport { .. }), "{e:?}");
    check(format!("{e} {e:?} {:?}", std::error::Error::source(&e)));
    let e = b24.call(Html {}).await.unwrap_err();
    check(format!("{e} {e:?}"));
    // OAuth: client, tokens, and a failed refresh whose URL holds the secret.
    let (acc, refr) = s.tokens();
    let store = Arc::new(MemoryTokenStore::new(Tokens::new(
        acc,
        refr,
        s.client_endpoint(),
    )));
    let oauth = oauth_client(&s, store.clone());
    check(format!("{oauth:?} {:?} {:?}", oauth.tokens(), store));
    let app = OAuthApp::new(support::CLIENT_ID, support::CLIENT_SECRET)
        .token_url("http://127.0.0.1:9/oauth/token/");
    check(format!("{app:?}"));
    let bad = Client::builder()
        .oauth(app, MemoryTokenStore::new(store.get().unwrap()))
        .allow_http(true)
        .build()
        .unwrap();
    s.expire_access_token();
    let e = bad.call(UserCurrent {}).await.unwrap_err();
    check(format!("{e} {e:?}"));
}

#[tokio::test]
async fn batch_of_120_with_references_and_errors() {
    let s = start(Config::default()).await;
    let b24 = builder(&s).build().unwrap();
    let mut batch = Batch::new();
    let mut deps = Vec::new();
    for i in 0..45 {
        deps.push(batch.push(DepartmentGet { id: Some(i) }).unwrap());
    }
    // A chain that would straddle the 50-command boundary.
    let me = batch.push_keyed("me", UserCurrent {}).unwrap();
    let mut chain = vec![batch
        .push_linked(
            "dep0",
            DepartmentGet { id: None },
            [("ID", me.reference(&["UF_DEPARTMENT", "0"]))],
        )
        .unwrap()];
    for i in 1..10 {
        let prev = chain[i - 1].reference(&["0", "ID"]);
        chain.push(
            batch
                .push_linked(
                    format!("dep{i}"),
                    DepartmentGet { id: None },
                    [("ID", prev)],
                )
                .unwrap(),
        );
    }
    let broken = batch.push(DepartmentGet { id: None }).unwrap();
    for i in 100..163 {
        deps.push(batch.push(DepartmentGet { id: Some(i) }).unwrap());
    }
    assert_eq!(batch.len(), 120);
    let before = s.requests();
    let results = b24.batch(batch).await;
    assert_eq!(results.requests(), 3);
    assert_eq!(s.requests() - before, 3);
    assert_eq!(results.get(&me).unwrap().id, 1);
    for h in &chain {
        assert_eq!(results.get(h).unwrap()[0].id, 7);
    }
    let e = results.get(&broken).unwrap_err();
    assert_eq!(api(&e).code, "ERROR_ARGUMENT");
    let ids: Vec<i64> = deps.iter().map(|h| results.get(h).unwrap()[0].id).collect();
    assert_eq!(ids, (0..45).chain(100..163).collect::<Vec<_>>());
    let (_, meta) = results.get_with_meta(&me).unwrap();
    assert!(meta.time.is_some());
}

#[tokio::test]
async fn batch_halt_and_failed_request_keep_partial_results() {
    let s = start(Config::default()).await;
    let b24 = builder(&s).build().unwrap();
    let mut batch = Batch::new().halt(true);
    let first = batch.push(UserCurrent {}).unwrap();
    let bad = batch.push(DepartmentGet { id: None }).unwrap();
    let after = batch.push(UserCurrent {}).unwrap();
    let results = b24.batch(batch).await;
    assert!(results.get(&first).is_ok());
    assert_eq!(api(&results.get(&bad).unwrap_err()).code, "ERROR_ARGUMENT");
    assert!(matches!(
        results.get(&after).unwrap_err(),
        Error::NotExecuted { .. }
    ));
}

#[tokio::test]
async fn paging_10000_items_three_ways() {
    let s = start(Config::default()).await;
    let b24 = builder(&s).build().unwrap();
    let want: Vec<i64> = (1..=10_000).collect();

    let before = s.requests();
    let items: Vec<Item> = b24.list(ItemList::default()).try_collect().await.unwrap();
    assert_eq!(items.iter().map(|i| i.id).collect::<Vec<_>>(), want);
    let by_start = s.requests() - before;
    assert!(by_start <= 201, "{by_start}");

    s.emu.starts.lock().unwrap().clear();
    let before = s.requests();
    let items: Vec<Item> = b24
        .list_by_id(ItemList::default(), "ID")
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.iter().map(|i| i.id).collect::<Vec<_>>(), want);
    let by_id = s.requests() - before;
    assert!(by_id <= 201, "{by_id}");
    assert!(s.emu.starts.lock().unwrap().iter().all(|&st| st == -1));

    let before = s.requests();
    let items: Vec<Item> = b24
        .list_batched(ItemList::default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.iter().map(|i| i.id).collect::<Vec<_>>(), want);
    let batched = s.requests() - before;
    assert!(batched <= 5, "{batched}");
}

#[tokio::test]
async fn id_walk_respects_an_existing_filter() {
    let s = start(Config {
        items: 120,
        ..Config::default()
    })
    .await;
    let b24 = builder(&s).build().unwrap();
    let m = ItemList {
        filter: Some(serde_json::json!({">ID": 100})),
    };
    let items: Vec<Item> = b24.list_by_id(m, "ID").try_collect().await.unwrap();
    assert_eq!(
        items.iter().map(|i| i.id).collect::<Vec<_>>(),
        (101..=120).collect::<Vec<_>>()
    );
}
