//! A loopback server that behaves like a Bitrix24 portal plus its OAuth
//! server, for tests and benchmarks. Only binds 127.0.0.1.
#![allow(dead_code)]

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::de::{MapAccess, Visitor};
use serde::Deserialize;
use serde_json::{json, Map, Value};

pub const USER: &str = "1";
pub const CODE: &str = "whk-SECRET-9f8e7d";
pub const CLIENT_ID: &str = "app.test";
pub const CLIENT_SECRET: &str = "cs-SECRET-1234";

#[derive(Clone, Debug)]
pub struct Config {
    /// Leaky bucket: (drain per second, burst). `None` = unlimited.
    pub bucket: Option<(f64, f64)>,
    /// Items of `test.item.list`.
    pub items: u64,
    /// Delay of the token endpoint, so concurrent refreshes would overlap.
    pub refresh_delay: Duration,
    /// The token endpoint answers only once this many portal requests
    /// have arrived (a barrier: every caller's request went out first).
    pub refresh_gate: u64,
    /// The token endpoint fails with this status and code.
    pub refresh_error: Option<(u16, &'static str)>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bucket: None,
            items: 10_000,
            refresh_delay: Duration::from_millis(50),
            refresh_gate: 0,
            refresh_error: None,
        }
    }
}

pub struct Emu {
    cfg: Config,
    base: Mutex<String>,
    bucket: Mutex<(f64, Instant)>,
    pub requests: AtomicU64,
    pub rejected: AtomicU64,
    pub refreshes: AtomicU64,
    /// Requests to the token endpoint, answered or not.
    pub token_requests: AtomicU64,
    per_method: Mutex<HashMap<String, u64>>,
    pub starts: Mutex<Vec<i64>>,
    pub idempotency_keys: Mutex<Vec<Option<String>>>,
    /// (access, refresh) currently valid.
    tokens: Mutex<(String, String)>,
    old_access: Mutex<Vec<String>>,
    token_seq: AtomicU64,
    /// `test.busy` answers OPERATION_TIME_LIMIT until this Unix time.
    pub busy_until: Mutex<f64>,
    /// `test.flaky` times out (sleeps 10 minutes) this many more times.
    pub flaky_left: AtomicU64,
}

pub struct Server {
    pub base: String,
    pub emu: Arc<Emu>,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.base)
    }
}

impl Server {
    pub fn webhook(&self) -> String {
        format!("{}/rest/{USER}/{CODE}/", self.base)
    }
    pub fn client_endpoint(&self) -> String {
        format!("{}/rest/", self.base)
    }
    pub fn token_url(&self) -> String {
        format!("{}/oauth/token/", self.base)
    }
    pub fn count(&self, method: &str) -> u64 {
        self.emu
            .per_method
            .lock()
            .unwrap()
            .get(method)
            .copied()
            .unwrap_or(0)
    }
    pub fn requests(&self) -> u64 {
        self.emu.requests.load(Ordering::SeqCst)
    }
    /// Expires the current access token: the next call gets `expired_token`.
    pub fn expire_access_token(&self) {
        let mut t = self.emu.tokens.lock().unwrap();
        self.emu.old_access.lock().unwrap().push(t.0.clone());
        t.0 = format!(
            "acc-rotated-{}",
            self.emu.token_seq.fetch_add(1, Ordering::SeqCst)
        );
    }
    pub fn tokens(&self) -> (String, String) {
        self.emu.tokens.lock().unwrap().clone()
    }
}

pub async fn start(cfg: Config) -> Server {
    let emu = Arc::new(Emu {
        cfg,
        base: Mutex::new(String::new()),
        bucket: Mutex::new((0.0, Instant::now())),
        requests: AtomicU64::new(0),
        rejected: AtomicU64::new(0),
        refreshes: AtomicU64::new(0),
        token_requests: AtomicU64::new(0),
        per_method: Mutex::new(HashMap::new()),
        starts: Mutex::new(Vec::new()),
        idempotency_keys: Mutex::new(Vec::new()),
        tokens: Mutex::new(("acc-SECRET-0".into(), "ref-SECRET-0".into())),
        old_access: Mutex::new(Vec::new()),
        token_seq: AtomicU64::new(1),
        busy_until: Mutex::new(0.0),
        flaky_left: AtomicU64::new(0),
    });
    let app = axum::Router::new().fallback(handle).with_state(emu.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    *emu.base.lock().unwrap() = format!("http://{addr}");
    Server {
        base: format!("http://{addr}"),
        emu,
    }
}

pub fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

fn time_block(reset_at: Option<f64>) -> Value {
    let t = now();
    let mut v = json!({"start": t, "finish": t, "duration": 0.001, "processing": 0.0005,
        "date_start": "2026-05-14T10:26:32+02:00", "date_finish": "2026-05-14T10:26:32+02:00"});
    if let Some(r) = reset_at {
        v["operating"] = json!(1.5);
        v["operating_reset_at"] = json!(r as i64);
    }
    v
}

fn reply(status: u16, body: Value) -> Response {
    (StatusCode::from_u16(status).unwrap(), axum::Json(body)).into_response()
}

fn v2_error(status: u16, code: &str, desc: &str) -> Response {
    reply(status, json!({"error": code, "error_description": desc}))
}

/// What a method produced, before it is wrapped for HTTP or for `batch`.
enum Out {
    Ok {
        result: Value,
        total: Option<u64>,
        next: Option<u64>,
    },
    Err {
        status: u16,
        code: String,
        desc: String,
    },
    Raw {
        status: u16,
        body: &'static str,
    },
    /// 429 `OPERATION_TIME_LIMIT` with `operating_reset_at` in its body.
    Busy {
        reset_at: f64,
    },
}

fn ok(result: Value) -> Out {
    Out::Ok {
        result,
        total: None,
        next: None,
    }
}

fn err(status: u16, code: &str, desc: &str) -> Out {
    Out::Err {
        status,
        code: code.into(),
        desc: desc.into(),
    }
}

fn int(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

async fn handle(
    State(emu): State<Arc<Emu>>,
    method: axum::http::Method,
    uri: Uri,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    if path == "/oauth/token/" && method == axum::http::Method::GET {
        return refresh(&emu, uri.query().unwrap_or("")).await;
    }
    emu.requests.fetch_add(1, Ordering::SeqCst);
    // Which method, which REST version, which auth.
    let (v3, rest) = match path.strip_prefix("/rest/api/") {
        Some(r) => (true, r.to_owned()),
        None => match path.strip_prefix("/rest/") {
            Some(r) => (false, r.to_owned()),
            None => return v2_error(404, "ERROR_NOT_FOUND", "no such path"),
        },
    };
    let parts: Vec<&str> = rest.split('/').collect();
    let (webhook, name) = match parts[..] {
        [user, code, m] => {
            if user != USER || code != CODE {
                return v2_error(401, "INVALID_CREDENTIALS", "Invalid request credentials");
            }
            (true, m)
        }
        [m] => (false, m),
        _ => return v2_error(404, "ERROR_NOT_FOUND", "no such path"),
    };
    let name = if v3 {
        name.to_owned()
    } else {
        name.trim_end_matches(".json").to_owned()
    };
    *emu.per_method
        .lock()
        .unwrap()
        .entry(name.clone())
        .or_default() += 1;
    emu.idempotency_keys.lock().unwrap().push(
        headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    );

    if let Some((rate, burst)) = emu.cfg.bucket {
        let mut b = emu.bucket.lock().unwrap();
        let n = Instant::now();
        let level = (b.0 - n.duration_since(b.1).as_secs_f64() * rate).max(0.0);
        b.1 = n;
        if level + 1.0 > burst + 1e-9 {
            b.0 = level;
            emu.rejected.fetch_add(1, Ordering::SeqCst);
            return v2_error(503, "QUERY_LIMIT_EXCEEDED", "Too many requests");
        }
        b.0 = level + 1.0;
    }

    let params: Value = if body.is_empty() {
        json!({})
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(_) => return v2_error(400, "INVALID_JSON", "bad body"),
        }
    };
    if !webhook {
        let auth = params.get("auth").and_then(Value::as_str).unwrap_or("");
        let current = emu.tokens.lock().unwrap().0.clone();
        if auth != current {
            if emu.old_access.lock().unwrap().iter().any(|o| o == auth) {
                return v2_error(
                    401,
                    "expired_token",
                    "The access token provided has expired.",
                );
            }
            return v2_error(
                401,
                "invalid_token",
                "The access token provided is invalid.",
            );
        }
    }
    if name == "batch" {
        return batch(&emu, &body).await;
    }
    match dispatch(&emu, &name, &params, v3).await {
        Out::Ok {
            result,
            total,
            next,
        } => {
            let mut env = json!({"result": result, "time": time_block(Some(now() + 600.0))});
            if let Some(t) = total {
                env["total"] = json!(t);
            }
            if let Some(n) = next {
                env["next"] = json!(n);
            }
            reply(200, env)
        }
        Out::Err { status, code, desc } if v3 => reply(
            status,
            json!({"error": {"code": code, "message": desc,
                "validation": [{"field": "id", "message": "required"}]}}),
        ),
        Out::Err { status, code, desc } => v2_error(status, &code, &desc),
        Out::Raw { status, body } => (StatusCode::from_u16(status).unwrap(), body).into_response(),
        Out::Busy { reset_at } => reply(
            429,
            json!({"error": "OPERATION_TIME_LIMIT",
                "error_description": "Method is blocked due to operation time limit.",
                "time": time_block(Some(reset_at))}),
        ),
    }
}

async fn dispatch(emu: &Emu, name: &str, p: &Value, v3: bool) -> Out {
    match name {
        "user.current" => ok(json!({"ID": "1", "NAME": "Test", "UF_DEPARTMENT": [7]})),
        "department.get" => match int(p.get("ID")) {
            Some(id) => ok(json!([{"ID": id.to_string(), "NAME": format!("Dept {id}")}])),
            None => err(400, "ERROR_ARGUMENT", "ID is required"),
        },
        "test.echo" => {
            let mut p = p.clone();
            if let Some(o) = p.as_object_mut() {
                o.remove("auth");
            }
            ok(p)
        }
        "test.item.list" => list(emu, p),
        "test.item.add" => ok(json!(emu
            .per_method
            .lock()
            .unwrap()
            .get(name)
            .copied()
            .unwrap_or(0))),
        "test.fail" => {
            let status = int(p.get("status")).unwrap_or(400) as u16;
            let code = p
                .get("code")
                .and_then(Value::as_str)
                .unwrap_or("ERROR_CORE");
            err(status, code, "failure on request")
        }
        "test.html" => Out::Raw {
            status: 502,
            body: "<html><body><h1>502 Bad Gateway</h1></body></html>",
        },
        "test.truncated" => Out::Raw {
            status: 200,
            body: r#"{"result": {"ID": "1", "TITLE": "trun"#,
        },
        "test.empty" => Out::Raw {
            status: 200,
            body: "",
        },
        "test.slow" | "test.slow.add" => {
            tokio::time::sleep(Duration::from_millis(int(p.get("ms")).unwrap_or(0) as u64)).await;
            ok(json!(true))
        }
        "test.flaky" | "test.flaky.add" => {
            let left = emu.flaky_left.load(Ordering::SeqCst);
            if left > 0 {
                emu.flaky_left.fetch_sub(1, Ordering::SeqCst);
                // Never answers within any test's timeout.
                tokio::time::sleep(Duration::from_secs(600)).await;
            }
            ok(json!("done"))
        }
        "test.busy" => {
            let until = *emu.busy_until.lock().unwrap();
            if until > now() {
                Out::Busy { reset_at: until }
            } else {
                ok(json!("free"))
            }
        }
        "test.v3.get" if v3 => match int(p.get("id")) {
            Some(id) => ok(json!({"item": {"id": id}})),
            None => err(
                400,
                "BITRIX_REST_V3_EXCEPTION_VALIDATION_REQUESTVALIDATIONEXCEPTION",
                "Error validating request object",
            ),
        },
        _ => err(404, "ERROR_METHOD_NOT_FOUND", "Method not found!"),
    }
}

fn list(emu: &Emu, p: &Value) -> Out {
    let start = int(p.get("start")).unwrap_or(0);
    emu.starts.lock().unwrap().push(start);
    let after = p
        .get("filter")
        .and_then(|f| int(f.get(">ID")))
        .unwrap_or(0)
        .max(0) as u64;
    let n = emu.cfg.items;
    let first = after + start.max(0) as u64 + 1;
    let last = (first + 49).min(n);
    let items: Vec<Value> = (first..=last)
        .map(|i| json!({"ID": i.to_string(), "TITLE": format!("Item {i}")}))
        .collect();
    if start < 0 {
        return ok(json!(items));
    }
    let total = n - after;
    let next = (start as u64 + 50 < total).then_some(start as u64 + 50);
    Out::Ok {
        result: json!(items),
        total: Some(total),
        next,
    }
}

/// Keeps the order of `cmd`, as PHP arrays do.
struct Ordered(Vec<(String, String)>);
impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("cmd map")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Ordered, A::Error> {
                let mut v = Vec::new();
                while let Some(e) = m.next_entry()? {
                    v.push(e);
                }
                Ok(Ordered(v))
            }
        }
        d.deserialize_map(V)
    }
}

#[derive(Deserialize)]
struct BatchReq {
    #[serde(default)]
    halt: Value,
    cmd: Ordered,
}

fn pct_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let h = std::str::from_utf8(&b[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match h {
                    Some(x) => {
                        out.push(x);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// PHP `parse_str`, enough for tests: `a[b][0]=x` → `{"a": {"b": {"0": "x"}}}`.
pub fn parse_query(q: &str) -> Value {
    let mut root = Value::Object(Map::new());
    for pair in q.split('&').filter(|s| !s.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (pct_decode(k), pct_decode(v));
        let mut segs: Vec<String> = Vec::new();
        match k.find('[') {
            None => segs.push(k.clone()),
            Some(at) => {
                segs.push(k[..at].to_owned());
                segs.extend(
                    k[at..]
                        .split(['[', ']'])
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned),
                );
            }
        }
        let mut cur = &mut root;
        for s in &segs {
            if !cur.is_object() {
                *cur = Value::Object(Map::new());
            }
            cur = cur
                .as_object_mut()
                .unwrap()
                .entry(s.clone())
                .or_insert(Value::Null);
        }
        *cur = Value::String(v);
    }
    root
}

/// Replaces `$result[key][a][b]` strings by the value found there.
fn substitute(v: &mut Value, results: &Map<String, Value>) {
    match v {
        Value::String(s) if s.starts_with("$result[") => {
            let segs: Vec<&str> = s["$result".len()..]
                .split(['[', ']'])
                .filter(|x| !x.is_empty())
                .collect();
            let mut cur = Some(&Value::Object(results.clone()));
            for seg in &segs {
                cur = cur.and_then(|c| match c {
                    Value::Object(o) => o.get(*seg),
                    Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get(i)),
                    _ => None,
                });
            }
            let owned = cur.cloned().unwrap_or(Value::Null);
            *v = match owned {
                Value::String(s) => Value::String(s),
                Value::Null => Value::String(String::new()),
                other => Value::String(other.to_string()),
            };
        }
        Value::Object(o) => o.values_mut().for_each(|v| substitute(v, results)),
        Value::Array(a) => a.iter_mut().for_each(|v| substitute(v, results)),
        _ => {}
    }
}

async fn batch(emu: &Emu, body: &[u8]) -> Response {
    let Ok(req) = serde_json::from_slice::<BatchReq>(body) else {
        return v2_error(400, "INVALID_REQUEST", "bad batch");
    };
    let halt = matches!(&req.halt, Value::Bool(true)) || int(Some(&req.halt)) == Some(1);
    let (mut result, mut errors, mut totals, mut nexts, mut times) =
        (Map::new(), Map::new(), Map::new(), Map::new(), Map::new());
    for (n, (key, line)) in req.cmd.0.into_iter().enumerate() {
        if n >= 50 {
            errors.insert(key, json!({"error": "ERROR_BATCH_LENGTH_EXCEEDED", "error_description": "Max batch length exceeded"}));
            continue;
        }
        let (method, query) = line.split_once('?').unwrap_or((&line, ""));
        let mut params = parse_query(query);
        substitute(&mut params, &result);
        *emu.per_method
            .lock()
            .unwrap()
            .entry(format!("batch:{method}"))
            .or_default() += 1;
        match Box::pin(dispatch(emu, method, &params, false)).await {
            Out::Ok {
                result: r,
                total,
                next,
            } => {
                result.insert(key.clone(), r);
                if let Some(t) = total {
                    totals.insert(key.clone(), json!(t));
                }
                if let Some(x) = next {
                    nexts.insert(key.clone(), json!(x));
                }
                times.insert(key, time_block(None));
            }
            Out::Err { code, desc, .. } => {
                errors.insert(key, json!({"error": code, "error_description": desc}));
                if halt {
                    break;
                }
            }
            Out::Raw { .. } | Out::Busy { .. } => {
                errors.insert(
                    key,
                    json!({"error": "ERROR_CORE", "error_description": "raw"}),
                );
            }
        }
    }
    // PHP sends an empty array, not an object, when nothing is there.
    let obj = |m: Map<String, Value>| {
        if m.is_empty() {
            json!([])
        } else {
            Value::Object(m)
        }
    };
    reply(
        200,
        json!({"result": {
        "result": obj(result), "result_error": obj(errors), "result_total": obj(totals),
        "result_next": obj(nexts), "result_time": obj(times)},
        "time": time_block(None)}),
    )
}

async fn refresh(emu: &Emu, query: &str) -> Response {
    let q = parse_query(query);
    let get = |k: &str| q.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    emu.token_requests.fetch_add(1, Ordering::SeqCst);
    while emu.requests.load(Ordering::SeqCst) < emu.cfg.refresh_gate {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    if let Some((status, code)) = emu.cfg.refresh_error {
        tokio::time::sleep(emu.cfg.refresh_delay).await;
        return v2_error(status, code, "refresh refused");
    }
    if get("grant_type") != "refresh_token"
        || get("client_id") != CLIENT_ID
        || get("client_secret") != CLIENT_SECRET
    {
        return v2_error(400, "invalid_client", "Invalid client");
    }
    let t = {
        let mut t = emu.tokens.lock().unwrap();
        if get("refresh_token") != t.1 {
            return v2_error(400, "invalid_grant", "Invalid refresh token");
        }
        emu.refreshes.fetch_add(1, Ordering::SeqCst);
        let seq = emu.token_seq.fetch_add(1, Ordering::SeqCst);
        emu.old_access.lock().unwrap().push(t.0.clone());
        *t = (format!("acc-SECRET-{seq}"), format!("ref-SECRET-{seq}"));
        t.clone()
    };
    // Rotated before the answer goes out, as a real server commits it: a
    // client that stops listening now has lost the only live pair.
    tokio::time::sleep(emu.cfg.refresh_delay).await;
    reply(
        200,
        json!({
        "access_token": t.0, "refresh_token": t.1, "expires": now() as i64 + 3600, "expires_in": 3600,
        "client_endpoint": format!("{}/rest/", emu.base.lock().unwrap()), "server_endpoint": "http://127.0.0.1/oauth-rest/", "domain": "oauth.test",
        "member_id": "m", "scope": "crm", "status": "L", "user_id": 1}),
    )
}
