//! A loopback Bitrix24 emulator for the tests and the example: a portal's
//! REST endpoint and the OAuth authorization server, on 127.0.0.1 only.
//! Tokens rotate on every refresh; a refresh with a dead refresh token is
//! `invalid_grant`, as on the real server.
#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use serde_json::{json, Value};

pub const CLIENT_ID: &str = "app.emulated";
pub const CLIENT_SECRET: &str = "cs-SECRET-emulated";

#[derive(Default)]
struct Tokens {
    /// access token → member_id, for tokens that work.
    live: HashMap<String, String>,
    /// access tokens that expired (answered `expired_token`).
    expired: HashSet<String>,
    /// refresh token → member_id, for refresh tokens that work.
    refresh: HashMap<String, String>,
    seq: u64,
}

/// The emulator's state and counters.
#[derive(Default)]
pub struct Emu {
    tokens: Mutex<Tokens>,
    /// Token requests with `grant_type=refresh_token`.
    pub refresh_requests: AtomicU64,
    /// Answered `invalid_grant`.
    pub invalid_grants: AtomicU64,
    /// Code exchanges.
    pub code_exchanges: AtomicU64,
    /// Portal requests answered with a result.
    pub calls_ok: AtomicU64,
    /// Portal requests answered `expired_token`.
    pub expired_answers: AtomicU64,
    /// Handlers bound with `event.bind`: (event, handler URL).
    pub bound: Mutex<Vec<(String, String)>>,
    /// Requests with an expired token wait until this many have arrived,
    /// then all are answered at once (a barrier across processes).
    barrier: Mutex<Option<(u64, Arc<tokio::sync::watch::Sender<u64>>)>>,
    base: Mutex<String>,
}

pub struct Emulator {
    pub base: String,
    pub emu: Arc<Emu>,
}

impl Emulator {
    /// Starts on 127.0.0.1, an ephemeral port.
    pub async fn start() -> Emulator {
        let emu = Arc::new(Emu::default());
        let app = Router::new()
            .route("/oauth/token/", get(token))
            .route("/rest/{*method}", any(rest))
            .with_state(emu.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        *emu.base.lock().unwrap() = base.clone();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Emulator { base, emu }
    }

    pub fn token_url(&self) -> String {
        format!("{}/oauth/token/", self.base)
    }

    pub fn client_endpoint(&self) -> String {
        format!("{}/rest/", self.base)
    }

    /// A new live pair for `member_id` (as an installation gives).
    pub fn issue(&self, member_id: &str) -> (String, String) {
        self.emu.issue(member_id)
    }

    /// Expires every live access token of `member_id`.
    pub fn expire(&self, member_id: &str) {
        let mut t = self.emu.tokens.lock().unwrap();
        let dead: Vec<String> = t
            .live
            .iter()
            .filter(|(_, m)| *m == member_id)
            .map(|(a, _)| a.clone())
            .collect();
        for a in dead {
            t.live.remove(&a);
            t.expired.insert(a);
        }
    }

    /// The next `n` requests with an expired token are held until all `n`
    /// have arrived (at most `max_wait`), then answered together.
    pub fn hold_expired(&self, n: u64) {
        let (tx, _) = tokio::sync::watch::channel(0u64);
        *self.emu.barrier.lock().unwrap() = Some((n, Arc::new(tx)));
    }

    pub fn refreshes(&self) -> u64 {
        self.emu.refresh_requests.load(Ordering::SeqCst)
    }

    pub fn invalid_grants(&self) -> u64 {
        self.emu.invalid_grants.load(Ordering::SeqCst)
    }
}

impl Emu {
    fn issue(&self, member_id: &str) -> (String, String) {
        let mut t = self.tokens.lock().unwrap();
        t.seq += 1;
        let (a, r) = (
            format!("acc-SECRET-{}", t.seq),
            format!("ref-SECRET-{}", t.seq),
        );
        t.live.insert(a.clone(), member_id.to_owned());
        t.refresh.insert(r.clone(), member_id.to_owned());
        (a, r)
    }

    fn answer(&self, member_id: &str, access: String, refresh: String) -> Response {
        let base = self.base.lock().unwrap().clone();
        Json(json!({
            "access_token": access, "refresh_token": refresh, "expires": now() + 3600,
            "expires_in": 3600, "client_endpoint": format!("{base}/rest/"),
            "server_endpoint": format!("{base}/oauth-rest/"), "member_id": member_id,
            "domain": "portal.emulated", "scope": "crm", "status": "L",
        }))
        .into_response()
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn error(status: u16, code: &str, desc: &str) -> Response {
    (
        StatusCode::from_u16(status).unwrap(),
        Json(json!({"error": code, "error_description": desc})),
    )
        .into_response()
}

async fn token(State(emu): State<Arc<Emu>>, uri: Uri) -> Response {
    let q: HashMap<String, String> = form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .into_owned()
        .collect();
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    if get("client_id") != CLIENT_ID || get("client_secret") != CLIENT_SECRET {
        return error(401, "invalid_client", "Invalid client");
    }
    match get("grant_type") {
        "refresh_token" => {
            emu.refresh_requests.fetch_add(1, Ordering::SeqCst);
            let member = {
                let mut t = emu.tokens.lock().unwrap();
                let Some(member) = t.refresh.remove(get("refresh_token")) else {
                    drop(t);
                    emu.invalid_grants.fetch_add(1, Ordering::SeqCst);
                    return error(400, "invalid_grant", "Invalid refresh token");
                };
                member
            };
            let (a, r) = emu.issue(&member);
            emu.answer(&member, a, r)
        }
        "authorization_code" => {
            emu.code_exchanges.fetch_add(1, Ordering::SeqCst);
            let Some(member) = get("code").strip_prefix("code-for-") else {
                return error(400, "invalid_grant", "Invalid code");
            };
            let member = member.to_owned();
            let (a, r) = emu.issue(&member);
            emu.answer(&member, a, r)
        }
        _ => error(400, "unsupported_grant_type", "Unsupported grant type"),
    }
}

async fn rest(State(emu): State<Arc<Emu>>, uri: Uri, body: Bytes) -> Response {
    let method = uri
        .path()
        .trim_start_matches("/rest/")
        .trim_end_matches(".json")
        .to_owned();
    let params: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let auth = params
        .get("auth")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let state = {
        let t = emu.tokens.lock().unwrap();
        if t.live.contains_key(&auth) {
            Some(true)
        } else if t.expired.contains(&auth) {
            Some(false)
        } else {
            None
        }
    };
    match state {
        Some(true) => {}
        Some(false) => {
            let barrier = emu.barrier.lock().unwrap().clone();
            if let Some((n, tx)) = barrier {
                let mut rx = tx.subscribe();
                tx.send_modify(|c| *c += 1);
                let _ =
                    tokio::time::timeout(Duration::from_secs(60), rx.wait_for(|c| *c >= n)).await;
            }
            emu.expired_answers.fetch_add(1, Ordering::SeqCst);
            return error(
                401,
                "expired_token",
                "The access token provided has expired.",
            );
        }
        None => {
            return error(
                401,
                "invalid_token",
                "The access token provided is invalid.",
            )
        }
    }
    emu.calls_ok.fetch_add(1, Ordering::SeqCst);
    let result = match method.as_str() {
        "event.bind" => {
            let event = params["event"].as_str().unwrap_or("").to_uppercase();
            let handler = params["handler"].as_str().unwrap_or("").to_owned();
            emu.bound.lock().unwrap().push((event, handler));
            json!(true)
        }
        "crm.deal.get" => {
            json!({"ID": params["id"].clone(), "TITLE": "Emulated deal", "OPPORTUNITY": "1500.00"})
        }
        _ => json!({"method": method, "ok": true}),
    };
    Json(json!({"result": result, "time": {"start": 0.0, "finish": 0.01, "duration": 0.01}}))
        .into_response()
}
