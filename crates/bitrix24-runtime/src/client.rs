//! The [`Client`]: auth, transport, retries and pacing for single calls.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use reqwest::header::{HeaderValue, CONTENT_TYPE};
use serde_json::value::RawValue;
use serde_json::Value;

use crate::auth::{OAuthApp, Secret, TokenResponse, TokenStore, Tokens};
use crate::envelope::{self, api_error, Meta};
use crate::error::{codes, snippet, ApiError, Error, Result};
use crate::limits::{Budgets, LeakyBucket, RateLimit};
use crate::{ApiVersion, Method};

/// The user agent sent unless the builder sets another.
pub const DEFAULT_USER_AGENT: &str = concat!("bitrix24-rs/", env!("CARGO_PKG_VERSION"));

/// A Bitrix24 client for one portal. Cheap to clone; clones share the rate
/// limiter, the operating budgets and the OAuth tokens.
///
/// ```no_run
/// # async fn run() -> Result<(), bitrix24_runtime::Error> {
/// use bitrix24_runtime::{ApiVersion, Client, Method};
///
/// #[derive(serde::Serialize)]
/// struct UserCurrent {}
/// impl Method for UserCurrent {
///     const NAME: &'static str = "user.current";
///     const VERSION: ApiVersion = ApiVersion::V2;
///     const IDEMPOTENT: bool = true;
///     type Output = serde_json::Value;
///     type ErrorCode = String;
/// }
///
/// let b24 = Client::webhook("https://example.bitrix24.com/rest/1/abc123/")?;
/// let me = b24.call(UserCurrent {}).await?;
/// println!("{}", me["NAME"]);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    auth: Auth,
    bucket: LeakyBucket,
    budgets: Budgets,
    cfg: Config,
    allow_http: bool,
    calls: AtomicU64,
}

#[derive(Debug, Clone)]
struct Config {
    timeout: Duration,
    max_retries: u32,
    backoff: Duration,
    max_backoff: Duration,
    operating_wait: Duration,
}

enum Auth {
    Webhook {
        /// `https://<portal>/rest/<user>/<code>/`
        v2: String,
        /// `https://<portal>/rest/api/<user>/<code>/`
        v3: String,
        code: Secret,
    },
    OAuth(OAuth),
}

struct OAuth {
    app: OAuthApp,
    store: Arc<dyn TokenStore>,
    current: RwLock<Current>,
    refresh_lock: tokio::sync::Mutex<()>,
}

#[derive(Clone)]
struct Current {
    tokens: Tokens,
    generation: u64,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kind, portal) = match &self.inner.auth {
            Auth::Webhook { v2, .. } => ("webhook", host(v2)),
            Auth::OAuth(o) => ("oauth", host(&o.read().tokens.client_endpoint)),
        };
        f.debug_struct("Client")
            .field("auth", &kind)
            .field("portal", &portal)
            .field("rate_limit", &self.inner.bucket)
            .finish_non_exhaustive()
    }
}

fn host(url: &str) -> String {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default()
}

impl OAuth {
    fn read(&self) -> Current {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// Builds a [`Client`] with non-default settings.
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    auth: Option<AuthSpec>,
    rate_limit: RateLimit,
    timeout: Duration,
    connect_timeout: Duration,
    user_agent: String,
    allow_http: bool,
    max_retries: u32,
    backoff: Duration,
    max_backoff: Duration,
    operating_wait: Duration,
}

enum AuthSpec {
    Webhook(Secret),
    OAuth(OAuthApp, Arc<dyn TokenStore>),
}

impl fmt::Debug for AuthSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthSpec::Webhook(_) => f.write_str("Webhook(***)"),
            AuthSpec::OAuth(app, _) => f.debug_tuple("OAuth").field(app).finish(),
        }
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            auth: None,
            rate_limit: RateLimit::STANDARD,
            // The portal cuts a request at 60 s; leave room for the network.
            timeout: Duration::from_secs(70),
            connect_timeout: Duration::from_secs(10),
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            allow_http: false,
            max_retries: 5,
            backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            operating_wait: Duration::from_secs(60),
        }
    }
}

impl ClientBuilder {
    /// Authenticates with an incoming webhook,
    /// `https://<portal>/rest/<user_id>/<code>/`.
    pub fn webhook(mut self, url: impl Into<String>) -> Self {
        self.auth = Some(AuthSpec::Webhook(Secret::new(url)));
        self
    }

    /// Authenticates as an OAuth application; the tokens come from `store`.
    pub fn oauth(mut self, app: OAuthApp, store: impl TokenStore + 'static) -> Self {
        self.auth = Some(AuthSpec::OAuth(app, Arc::new(store)));
        self
    }

    /// The portal's leaky bucket (default [`RateLimit::STANDARD`]).
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = limit;
        self
    }

    /// Total time for one HTTP request, body included (default 70 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Time to establish a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// Allows `http://` URLs. Only for tests against a loopback server.
    pub fn allow_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// How often one call is retried after a retryable failure (default 5).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// First retry delay, doubled on each further retry up to `max`
    /// (defaults 500 ms and 30 s).
    pub fn backoff(mut self, first: Duration, max: Duration) -> Self {
        self.backoff = first;
        self.max_backoff = max;
        self
    }

    /// The longest a call waits for its method's operating budget to reset;
    /// past that it fails at once with `OPERATION_TIME_LIMIT` (default 60 s).
    pub fn operating_wait(mut self, wait: Duration) -> Self {
        self.operating_wait = wait;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client> {
        let auth = match self.auth {
            None => return Err(Error::Config("no webhook or OAuth credentials".into())),
            Some(AuthSpec::Webhook(url)) => webhook_auth(url.expose(), self.allow_http)?,
            Some(AuthSpec::OAuth(app, store)) => {
                check_scheme(&app.token_url, self.allow_http, "token URL")?;
                let tokens = store
                    .load()
                    .map_err(Error::TokenStore)?
                    .ok_or_else(|| Error::TokenStore("the store holds no tokens".into()))?;
                check_scheme(&tokens.client_endpoint, self.allow_http, "client_endpoint")?;
                Auth::OAuth(OAuth {
                    app,
                    store,
                    current: RwLock::new(Current {
                        tokens,
                        generation: 0,
                    }),
                    refresh_lock: tokio::sync::Mutex::new(()),
                })
            }
        };
        if !(self.rate_limit.per_second > 0.0 && self.rate_limit.burst >= 1.0) {
            return Err(Error::Config(
                "rate limit needs per_second > 0 and burst >= 1".into(),
            ));
        }
        let http = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .user_agent(self.user_agent)
            .https_only(!self.allow_http)
            .build()
            .map_err(|e| Error::Config(e.without_url().to_string()))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                auth,
                bucket: LeakyBucket::new(self.rate_limit),
                budgets: Budgets::default(),
                cfg: Config {
                    timeout: self.timeout,
                    max_retries: self.max_retries,
                    backoff: self.backoff,
                    max_backoff: self.max_backoff,
                    operating_wait: self.operating_wait,
                },
                allow_http: self.allow_http,
                calls: AtomicU64::new(0),
            }),
        })
    }
}

fn check_scheme(url: &str, allow_http: bool, what: &str) -> Result<reqwest::Url> {
    let u = reqwest::Url::parse(url).map_err(|_| Error::Config(format!("{what} is not a URL")))?;
    match u.scheme() {
        "https" => Ok(u),
        "http" if allow_http => Ok(u),
        "http" => Err(Error::Config(format!(
            "{what} is plain HTTP; only HTTPS is allowed unless allow_http(true)"
        ))),
        _ => Err(Error::Config(format!("{what} is not an HTTP(S) URL"))),
    }
}

/// Splits `https://<portal>/<prefix>/rest/<user>/<code>/` into its REST 2
/// and REST 3.0 bases.
fn webhook_auth(url: &str, allow_http: bool) -> Result<Auth> {
    let u = check_scheme(url, allow_http, "webhook URL")?;
    let bad = || {
        Error::Config("webhook URL must look like https://<portal>/rest/<user_id>/<code>/".into())
    };
    if u.query().is_some() || u.fragment().is_some() {
        return Err(bad());
    }
    let path = u.path();
    let at = path.rfind("/rest/").ok_or_else(bad)?;
    let tail: Vec<&str> = path[at + 6..]
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let [_user, code] = tail[..] else {
        return Err(bad());
    };
    let code = Secret::new(code);
    let mut v2 = u.clone();
    v2.set_path(&format!("{}/rest/{}/", &path[..at], tail.join("/")));
    let mut v3 = u.clone();
    v3.set_path(&format!("{}/rest/api/{}/", &path[..at], tail.join("/")));
    Ok(Auth::Webhook {
        v2: v2.to_string(),
        v3: v3.to_string(),
        code,
    })
}

/// `https://<portal>/rest/` → `https://<portal>/rest/api/`.
fn v3_base(endpoint: &str) -> String {
    match endpoint.rfind("/rest/") {
        Some(at) => format!("{}/rest/api/{}", &endpoint[..at], &endpoint[at + 6..]),
        None => format!("{}/api/", endpoint.trim_end_matches('/')),
    }
}

fn with_slash(s: &str) -> String {
    if s.ends_with('/') {
        s.to_owned()
    } else {
        format!("{s}/")
    }
}

/// One call's fixed facts, independent of its params' type.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Call<'a> {
    pub name: &'a str,
    pub version: ApiVersion,
    pub idempotent: bool,
}

impl Call<'static> {
    pub(crate) fn of<M: Method>() -> Self {
        Call {
            name: M::NAME,
            version: M::VERSION,
            idempotent: M::IDEMPOTENT,
        }
    }
}

/// Serializes a method's params to a JSON object (`null` becomes `{}`).
pub(crate) fn params_of<M: Method>(method: &M) -> Result<Value> {
    match serde_json::to_value(method) {
        Ok(Value::Null) => Ok(Value::Object(Default::default())),
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err(Error::Encode {
            method: M::NAME.to_owned(),
            message: "params must serialize to a JSON object".into(),
        }),
        Err(e) => Err(Error::Encode {
            method: M::NAME.to_owned(),
            message: e.to_string(),
        }),
    }
}

/// The JSON text of a params object.
pub(crate) fn json_text(method: &str, params: &Value) -> Result<String> {
    serde_json::to_string(params).map_err(|e| Error::Encode {
        method: method.to_owned(),
        message: e.to_string(),
    })
}

impl Client {
    /// A client for an incoming webhook with default settings.
    pub fn webhook(url: impl Into<String>) -> Result<Client> {
        ClientBuilder::default().webhook(url).build()
    }

    /// A client for an OAuth application with default settings.
    pub fn oauth(app: OAuthApp, store: impl TokenStore + 'static) -> Result<Client> {
        ClientBuilder::default().oauth(app, store).build()
    }

    /// A builder for a client with non-default settings.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Calls `method` and returns its decoded `result`.
    pub async fn call<M: Method>(&self, method: M) -> Result<M::Output> {
        self.call_with_meta(method).await.map(|(out, _)| out)
    }

    /// Calls `method` and returns its decoded `result` with the envelope's
    /// [`Meta`] (`time`, `total`, `next`).
    pub async fn call_with_meta<M: Method>(&self, method: M) -> Result<(M::Output, Meta)> {
        let params = serde_json::to_string(&method).map_err(|e| Error::Encode {
            method: M::NAME.to_owned(),
            message: e.to_string(),
        })?;
        self.execute(Call::of::<M>(), &params, |raw| {
            envelope::decode_result(M::NAME, raw.get())
        })
        .await
    }

    /// How many HTTP requests this client (and its clones) has sent to the
    /// portal, retries included.
    pub fn requests_sent(&self) -> u64 {
        self.inner.calls.load(Ordering::Relaxed)
    }

    /// The current OAuth tokens, or `None` for a webhook client.
    pub fn tokens(&self) -> Option<Tokens> {
        match &self.inner.auth {
            Auth::OAuth(o) => Some(o.read().tokens),
            Auth::Webhook { .. } => None,
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let cfg = &self.inner.cfg;
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(16));
        cfg.backoff.saturating_mul(factor).min(cfg.max_backoff)
    }

    /// URL, token (OAuth) and token generation for one attempt.
    fn target(&self, call: Call<'_>) -> (String, Option<Secret>, u64, Vec<String>) {
        let suffix = match call.version {
            ApiVersion::V2 => ".json",
            ApiVersion::V3 => "",
        };
        match &self.inner.auth {
            Auth::Webhook { v2, v3, code } => {
                let base = if call.version == ApiVersion::V2 {
                    v2
                } else {
                    v3
                };
                (
                    format!("{base}{}{suffix}", call.name),
                    None,
                    0,
                    vec![code.expose().to_owned()],
                )
            }
            Auth::OAuth(o) => {
                let cur = o.read();
                let ep = with_slash(&cur.tokens.client_endpoint);
                let base = match call.version {
                    ApiVersion::V2 => ep,
                    ApiVersion::V3 => v3_base(&ep),
                };
                let secrets = vec![
                    cur.tokens.access_token.expose().to_owned(),
                    cur.tokens.refresh_token.expose().to_owned(),
                ];
                (
                    format!("{base}{}{suffix}", call.name),
                    Some(cur.tokens.access_token),
                    cur.generation,
                    secrets,
                )
            }
        }
    }

    /// Sends one call with pacing and retries, and hands a successful
    /// `result` to `decode`.
    pub(crate) async fn execute<T>(
        &self,
        call: Call<'_>,
        params: &str,
        decode: impl Fn(&RawValue) -> Result<T>,
    ) -> Result<(T, Meta)> {
        let inner = &*self.inner;
        let idempotency_key = (call.version == ApiVersion::V3 && !call.idempotent)
            .then(|| new_idempotency_key(inner.calls.load(Ordering::Relaxed)));
        let repeatable = call.idempotent || idempotency_key.is_some();
        let mut attempt = 0u32;
        let mut refreshed = false;
        loop {
            if let Some(wait) = inner.budgets.wait(call.name) {
                if wait > inner.cfg.operating_wait {
                    return Err(held_back(call.name, wait));
                }
                tokio::time::sleep(wait).await;
            }
            inner.bucket.acquire().await;
            let (url, token, generation, secrets) = self.target(call);
            let body = encode_body(call.name, params, token.as_ref())?;
            let mut req = inner
                .http
                .post(url)
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .body(body);
            if let Some(key) = &idempotency_key {
                req = req.header("Idempotency-Key", key.as_str());
            }
            inner.calls.fetch_add(1, Ordering::Relaxed);
            let response = match req.send().await {
                Ok(r) => {
                    let status = r.status().as_u16();
                    r.bytes().await.map(|b| (status, b))
                }
                Err(e) => Err(e),
            };
            let (status, bytes) = match response {
                Ok(ok) => ok,
                Err(e) => {
                    if attempt < inner.cfg.max_retries && (repeatable || e.is_connect()) {
                        attempt += 1;
                        tokio::time::sleep(self.backoff(attempt)).await;
                        continue;
                    }
                    return Err(Error::transport(call.name, e, inner.cfg.timeout));
                }
            };
            let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
            let err = match envelope::parse(call.name, status, &bytes, &secrets) {
                Ok(ok) => {
                    let reset = ok.meta.time.as_ref().and_then(|t| t.operating_reset_at);
                    inner.budgets.observe(call.name, reset);
                    return decode(ok.result).map(|v| (v, ok.meta));
                }
                Err(e) => e,
            };
            let retry = attempt < inner.cfg.max_retries;
            match &err {
                Error::Api(api) if api.code == codes::QUERY_LIMIT_EXCEEDED && retry => {
                    inner.bucket.mark_full();
                    attempt += 1;
                    let wait = self.backoff(attempt).max(inner.bucket.interval());
                    tokio::time::sleep(wait).await;
                }
                Error::Api(api) if api.code == codes::OPERATION_TIME_LIMIT => {
                    let held = inner.budgets.block(call.name, Duration::from_secs(60));
                    if !(retry && held <= inner.cfg.operating_wait) {
                        return Err(err);
                    }
                    attempt += 1;
                }
                Error::Api(api) if api.code == codes::EXPIRED_TOKEN && !refreshed => {
                    let Auth::OAuth(oauth) = &inner.auth else {
                        return Err(err);
                    };
                    self.refresh(oauth, generation).await?;
                    refreshed = true;
                }
                Error::NotEnvelope { status, .. }
                    if repeatable && retry && matches!(status, 502..=504) =>
                {
                    attempt += 1;
                    tokio::time::sleep(self.backoff(attempt)).await;
                }
                _ => return Err(err),
            }
        }
    }

    /// Exchanges the refresh token for a new pair, once however many calls
    /// saw the old access token expire.
    async fn refresh(&self, oauth: &OAuth, seen_generation: u64) -> Result<()> {
        let _one_at_a_time = oauth.refresh_lock.lock().await;
        let cur = oauth.read();
        if cur.generation != seen_generation {
            return Ok(()); // another call refreshed while this one waited
        }
        const WHO: &str = "oauth";
        let old = cur.tokens;
        let secrets = [
            oauth.app.client_secret.expose(),
            old.access_token.expose(),
            old.refresh_token.expose(),
        ];
        let resp = self
            .inner
            .http
            .get(&oauth.app.token_url)
            .query(&[
                ("grant_type", "refresh_token"),
                ("client_id", oauth.app.client_id.as_str()),
                ("client_secret", oauth.app.client_secret.expose()),
                ("refresh_token", old.refresh_token.expose()),
            ])
            .send()
            .await
            .map_err(|e| Error::transport(WHO, e, self.inner.cfg.timeout))?;
        let status = resp.status().as_u16();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| Error::transport(WHO, e, self.inner.cfg.timeout))?;
        let not_tokens = || Error::NotEnvelope {
            method: WHO.into(),
            status,
            snippet: snippet(&bytes, &secrets),
        };
        let tr: TokenResponse = serde_json::from_slice(&bytes).map_err(|_| not_tokens())?;
        if let Some(e) = tr.error.filter(|e| !e.is_null()) {
            return Err(api_error(WHO, status, e, tr.error_description).into());
        }
        let (Some(access), Some(refresh)) = (tr.access_token, tr.refresh_token) else {
            return Err(not_tokens());
        };
        let client_endpoint = tr.client_endpoint.unwrap_or(old.client_endpoint);
        check_scheme(&client_endpoint, self.inner.allow_http, "client_endpoint")?;
        let mut tokens = Tokens::new(access, refresh, client_endpoint);
        tokens.server_endpoint = tr.server_endpoint.or(old.server_endpoint);
        tokens.expires = tr.expires;
        oauth.store.save(&tokens).map_err(Error::TokenStore)?;
        *oauth.current.write().unwrap_or_else(|e| e.into_inner()) = Current {
            tokens,
            generation: seen_generation + 1,
        };
        Ok(())
    }
}

fn held_back(method: &str, wait: Duration) -> Error {
    Error::Api(ApiError {
        method: method.to_owned(),
        code: codes::OPERATION_TIME_LIMIT.to_owned(),
        description: format!(
            "held back by the client: the method's operating budget resets in {}s",
            wait.as_secs()
        ),
        status: 429,
        validation: Vec::new(),
    })
}

/// The request body: the params object, with `auth` added for OAuth.
/// `params` is JSON text; `null` counts as `{}`.
fn encode_body(method: &str, params: &str, token: Option<&Secret>) -> Result<Vec<u8>> {
    let trimmed = params.trim();
    let (open, rest) = match trimmed {
        "null" | "" => ("{", "}"),
        t if t.starts_with('{') => ("{", &t[1..]),
        _ => {
            return Err(Error::Encode {
                method: method.to_owned(),
                message: "params must serialize to a JSON object".into(),
            })
        }
    };
    let Some(token) = token else {
        return Ok(format!("{open}{rest}").into_bytes());
    };
    let auth = Value::String(token.expose().to_owned()).to_string();
    let sep = if rest.trim_start().starts_with('}') {
        ""
    } else {
        ","
    };
    Ok(format!("{open}\"auth\":{auth}{sep}{rest}").into_bytes())
}

/// A key unique to this process and call: 1–255 printable ASCII characters.
fn new_idempotency_key(seq: u64) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("b24rs-{}-{nanos:x}-{n:x}-{seq:x}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_urls_split_into_v2_and_v3() {
        let Auth::Webhook { v2, v3, code } =
            webhook_auth("https://p.example/rest/1/abc123", false).unwrap()
        else {
            panic!()
        };
        assert_eq!(v2, "https://p.example/rest/1/abc123/");
        assert_eq!(v3, "https://p.example/rest/api/1/abc123/");
        assert_eq!(code.expose(), "abc123");
        assert!(webhook_auth("http://p.example/rest/1/abc/", false).is_err());
        assert!(webhook_auth("http://127.0.0.1:1/rest/1/abc/", true).is_ok());
        assert!(webhook_auth("https://p.example/rest/abc/", false).is_err());
        assert!(webhook_auth("ftp://p.example/rest/1/abc/", true).is_err());
    }

    #[test]
    fn body_gets_auth() {
        let t = Secret::new("tok");
        let b = |p: &str, t: Option<&Secret>| {
            String::from_utf8(encode_body("m", p, t).unwrap()).unwrap()
        };
        assert_eq!(b("{}", Some(&t)), r#"{"auth":"tok"}"#);
        assert_eq!(b(r#"{"a":1}"#, Some(&t)), r#"{"auth":"tok","a":1}"#);
        assert_eq!(b("null", None), "{}");
        assert!(encode_body("m", "[1]", None).is_err());
    }

    #[test]
    fn v3_base_inserts_api() {
        assert_eq!(
            v3_base("https://p.example/rest/"),
            "https://p.example/rest/api/"
        );
    }

    #[test]
    fn idempotency_keys_are_unique_and_printable() {
        let a = new_idempotency_key(1);
        let b = new_idempotency_key(1);
        assert_ne!(a, b);
        assert!(a.len() <= 255 && a.bytes().all(|c| c.is_ascii_graphic()));
    }
}
