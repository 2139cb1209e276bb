//! The [`Client`]: auth, transport, retries and pacing for single calls.

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderValue, CONTENT_TYPE, LOCATION};
use serde_json::value::RawValue;
use serde_json::Value;
use tokio::time::Instant;
use tracing::Instrument as _;

use crate::auth::{Exchange, OAuthApp, Secret, SharedRefreshed, TokenResponse, TokenStore, Tokens};
use crate::envelope::{self, api_error, Meta};
use crate::error::{codes, snippet, ApiError, Error, Result};
use crate::limits::{Budgets, LeakyBucket, RateLimit};
use crate::mask::Secrets;
use crate::retry::{decide, Backoff, Decision};
use crate::{ApiVersion, Method};

/// Default time for one HTTP request, body included: the portal cuts a
/// request at 60 s, plus room for the network.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(70);
/// Default total time for one call across all its attempts and waits,
/// counted from its first request.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(120);
/// Default cap on a response body: 32 MiB (a batch of 50 full list pages
/// is a few MiB).
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 32 * 1024 * 1024;

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
    /// Everything masked out of errors and logs; replaced on refresh.
    secrets: RwLock<Arc<Secrets>>,
    /// The secrets that never change (webhook code, client secret,
    /// application token).
    fixed_secrets: Vec<Secret>,
}

#[derive(Debug, Clone)]
struct Config {
    timeout: Duration,
    deadline: Duration,
    max_retries: u32,
    backoff: Backoff,
    operating_wait: Duration,
    max_response_bytes: u64,
}

enum Auth {
    Webhook {
        /// `https://<portal>/rest/<user>/<code>/`
        v2: String,
        /// `https://<portal>/rest/api/<user>/<code>/`
        v3: String,
        code: Secret,
    },
    OAuth(Box<OAuth>),
}

struct OAuth {
    app: OAuthApp,
    store: Arc<dyn TokenStore>,
    current: RwLock<Current>,
    /// One refresh at a time; holds the last failed attempt, so the calls
    /// that waited on it share its outcome.
    refresh_lock: Arc<tokio::sync::Mutex<Option<(u64, Error)>>>,
    /// Refresh attempts finished (success or failure).
    refresh_epoch: AtomicU64,
    /// A refreshed pair the store failed to save; saved again before the
    /// next request.
    unsaved: Mutex<Option<Tokens>>,
    has_unsaved: AtomicBool,
    /// Tokens of recent generations, masked with the rest.
    recent: Mutex<VecDeque<Secret>>,
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
    deadline: Duration,
    user_agent: String,
    allow_http: bool,
    max_retries: u32,
    backoff: Duration,
    max_backoff: Duration,
    operating_wait: Duration,
    max_response_bytes: u64,
    application_token: Option<Secret>,
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
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: Duration::from_secs(10),
            deadline: DEFAULT_DEADLINE,
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            allow_http: false,
            max_retries: 5,
            backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            operating_wait: Duration::from_secs(60),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            application_token: None,
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

    /// Time for one HTTP request, body included (default 70 s, at most
    /// one hour).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Total time for one call: every attempt, backoff and wait for the
    /// operating budget, counted from its first request (the wait for the
    /// client's own pacing before that is not counted). Past it the call
    /// fails with [`Error::Deadline`] or the last error seen (default
    /// 120 s, at most a day). A dead server therefore costs a caller at
    /// most this long, not `(max_retries + 1) × timeout`.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The largest response body accepted, in bytes, enforced while the
    /// body streams in; a larger one fails with [`Error::TooLarge`] and is
    /// not retried (default 32 MiB; from 1 KiB to 4 GiB).
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// The application token the portal sends with events, so it is masked
    /// in errors and logs like the other secrets.
    pub fn application_token(mut self, token: impl Into<Secret>) -> Self {
        self.application_token = Some(token.into());
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

    /// How often one call is retried after a retryable failure (default 5,
    /// at most 100).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// First retry delay, doubled on each further retry up to `max`, with
    /// jitter (each wait is between half and all of that; defaults 500 ms
    /// and 30 s; `first <= max <= 1 hour`).
    pub fn backoff(mut self, first: Duration, max: Duration) -> Self {
        self.backoff = first;
        self.max_backoff = max;
        self
    }

    /// The longest a call waits for its method's operating budget to reset;
    /// past that it fails at once with `OPERATION_TIME_LIMIT` (default 60 s,
    /// at most a day).
    pub fn operating_wait(mut self, wait: Duration) -> Self {
        self.operating_wait = wait;
        self
    }

    /// Builds the client. Every numeric setting out of range, and
    /// credentials that are missing or not HTTPS, are an [`Error::Config`].
    pub fn build(self) -> Result<Client> {
        self.check_ranges().map_err(Error::Config)?;
        let mut fixed_secrets = Vec::new();
        if let Some(t) = &self.application_token {
            fixed_secrets.push(t.clone());
        }
        let auth = match self.auth {
            None => return Err(Error::Config("no webhook or OAuth credentials".into())),
            Some(AuthSpec::Webhook(url)) => {
                let auth = webhook_auth(url.expose(), self.allow_http)?;
                if let Auth::Webhook { code, .. } = &auth {
                    fixed_secrets.push(code.clone());
                }
                auth
            }
            Some(AuthSpec::OAuth(app, store)) => {
                check_scheme(&app.token_url, self.allow_http, "token URL")?;
                fixed_secrets.push(app.client_secret.clone());
                let tokens = store.load().map_err(Error::TokenStore)?.ok_or_else(|| {
                    Error::TokenStore(crate::TokenStoreError::msg("the store holds no tokens"))
                })?;
                check_scheme(&tokens.client_endpoint, self.allow_http, "client_endpoint")?;
                let recent =
                    VecDeque::from([tokens.access_token.clone(), tokens.refresh_token.clone()]);
                Auth::OAuth(Box::new(OAuth {
                    app,
                    store,
                    current: RwLock::new(Current {
                        tokens,
                        generation: 0,
                    }),
                    refresh_lock: Arc::new(tokio::sync::Mutex::new(None)),
                    refresh_epoch: AtomicU64::new(0),
                    unsaved: Mutex::new(None),
                    has_unsaved: AtomicBool::new(false),
                    recent: Mutex::new(recent),
                }))
            }
        };
        let http = reqwest::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .user_agent(self.user_agent)
            .https_only(!self.allow_http)
            // A redirect is an error (Error::Redirect), never followed: the
            // URL carries the webhook code, the body the access token.
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            .build()
            .map_err(|e| Error::Config(e.without_url().to_string()))?;
        let inner = Inner {
            http,
            auth,
            bucket: LeakyBucket::new(self.rate_limit),
            budgets: Budgets::default(),
            cfg: Config {
                timeout: self.timeout,
                deadline: self.deadline,
                max_retries: self.max_retries,
                backoff: Backoff::new(self.backoff, self.max_backoff),
                operating_wait: self.operating_wait,
                max_response_bytes: self.max_response_bytes,
            },
            allow_http: self.allow_http,
            calls: AtomicU64::new(0),
            secrets: RwLock::new(Arc::new(Secrets::default())),
            fixed_secrets,
        };
        inner.update_secrets();
        Ok(Client {
            inner: Arc::new(inner),
        })
    }

    /// Every numeric setting in range.
    fn check_ranges(&self) -> std::result::Result<(), String> {
        const HOUR: Duration = Duration::from_secs(3600);
        const DAY: Duration = Duration::from_secs(86_400);
        self.rate_limit.check()?;
        let within = |name: &str, v: Duration, min: Duration, max: Duration| {
            if v < min || v > max {
                Err(format!("{name} = {v:?} is outside {min:?}..={max:?}"))
            } else {
                Ok(())
            }
        };
        let ms = Duration::from_millis(1);
        within("timeout", self.timeout, ms, HOUR)?;
        within("connect_timeout", self.connect_timeout, ms, HOUR)?;
        within("deadline", self.deadline, ms, DAY)?;
        within("backoff max", self.max_backoff, Duration::ZERO, HOUR)?;
        within(
            "backoff first",
            self.backoff,
            Duration::ZERO,
            self.max_backoff,
        )?;
        within("operating_wait", self.operating_wait, Duration::ZERO, DAY)?;
        if self.max_retries > 100 {
            return Err(format!(
                "max_retries = {} is outside 0..=100",
                self.max_retries
            ));
        }
        if !(1024..=1 << 32).contains(&self.max_response_bytes) {
            return Err(format!(
                "max_response_bytes = {} is outside 1024..={}",
                self.max_response_bytes,
                1u64 << 32
            ));
        }
        Ok(())
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

    /// URL, token (OAuth), token generation and refresh epoch for one attempt.
    fn target(&self, call: Call<'_>) -> (String, Option<Secret>, u64, u64) {
        let suffix = match call.version {
            ApiVersion::V2 => ".json",
            ApiVersion::V3 => "",
        };
        match &self.inner.auth {
            Auth::Webhook { v2, v3, .. } => {
                let base = if call.version == ApiVersion::V2 {
                    v2
                } else {
                    v3
                };
                (format!("{base}{}{suffix}", call.name), None, 0, 0)
            }
            Auth::OAuth(o) => {
                // The epoch first: a refresh finishing in between then
                // counts as one this request may have missed.
                let epoch = o.refresh_epoch.load(Ordering::SeqCst);
                let cur = o.read();
                let ep = with_slash(&cur.tokens.client_endpoint);
                let base = match call.version {
                    ApiVersion::V2 => ep,
                    ApiVersion::V3 => v3_base(&ep),
                };
                (
                    format!("{base}{}{suffix}", call.name),
                    Some(cur.tokens.access_token),
                    cur.generation,
                    epoch,
                )
            }
        }
    }

    /// The secrets masked out of everything this client reports.
    pub(crate) fn secrets(&self) -> Arc<Secrets> {
        self.inner
            .secrets
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Sends one call with pacing and retries, and hands a successful
    /// `result` to `decode`. Every error it returns is masked.
    pub(crate) async fn execute<T>(
        &self,
        call: Call<'_>,
        params: &str,
        decode: impl Fn(&RawValue) -> Result<T>,
    ) -> Result<(T, Meta)> {
        let span = tracing::debug_span!("bitrix24.call", method = call.name);
        self.execute_unmasked(call, params, decode)
            .instrument(span)
            .await
            .map_err(|e| {
                let e = e.masked(&self.secrets());
                tracing::debug!(method = call.name, error = %e, "call failed");
                e
            })
    }

    async fn execute_unmasked<T>(
        &self,
        call: Call<'_>,
        params: &str,
        decode: impl Fn(&RawValue) -> Result<T>,
    ) -> Result<(T, Meta)> {
        let inner = &*self.inner;
        let cfg = &inner.cfg;
        let idempotency_key = (call.version == ApiVersion::V3 && !call.idempotent)
            .then(|| new_idempotency_key(inner.calls.load(Ordering::Relaxed)));
        let repeatable = call.idempotent || idempotency_key.is_some();
        let mut attempt = 0u32;
        let mut sent = 0u32;
        let mut refreshed = false;
        let mut deadline: Option<Instant> = None;
        let deadline_error = |sent| Error::Deadline {
            method: call.name.to_owned(),
            after: cfg.deadline,
            attempts: sent,
        };
        loop {
            if let Some(wait) = inner.budgets.wait(call.name) {
                if wait > cfg.operating_wait {
                    return Err(held_back(call.name, wait));
                }
                if deadline.is_some_and(|d| Instant::now() + wait >= d) {
                    return Err(deadline_error(sent));
                }
                tracing::debug!(
                    wait_ms = wait.as_millis() as u64,
                    "waiting for the operating budget"
                );
                tokio::time::sleep(wait).await;
            }
            match deadline {
                // A retry waits for its slot only if it comes in time.
                Some(d) => {
                    if !inner.bucket.acquire_before(d).await {
                        return Err(deadline_error(sent));
                    }
                }
                None => inner.bucket.acquire().await,
            }
            let now = Instant::now();
            let deadline = *deadline.get_or_insert(now + cfg.deadline);
            let remaining = deadline.saturating_duration_since(now);
            if remaining.is_zero() {
                return Err(deadline_error(sent));
            }
            let attempt_timeout = cfg.timeout.min(remaining);
            self.save_unsaved_tokens();
            let (url, token, generation, epoch) = self.target(call);
            let body = encode_body(call.name, params, token.as_ref())?;
            let mut req = inner
                .http
                .post(url)
                .timeout(attempt_timeout)
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .body(body);
            if let Some(key) = &idempotency_key {
                req = req.header("Idempotency-Key", key.as_str());
            }
            inner.calls.fetch_add(1, Ordering::Relaxed);
            sent += 1;
            tracing::trace!(attempt, "sending");
            let err = match self.send(call.name, req, attempt_timeout).await {
                Err(Error::Timeout { .. }) if attempt_timeout < cfg.timeout => {
                    return Err(deadline_error(sent));
                }
                Err(e) => e,
                Ok((status, bytes)) => {
                    tracing::debug!(attempt, status, bytes = bytes.len(), "response");
                    let secrets = self.secrets();
                    match envelope::parse(call.name, status, &bytes, &secrets) {
                        Ok(ok) => {
                            let reset = ok.meta.time.as_ref().and_then(|t| t.operating_reset_at);
                            inner.budgets.observe(call.name, reset);
                            return decode(ok.result).map(|v| (v, ok.meta));
                        }
                        Err(e) => {
                            if matches!(&e, Error::Api(a) if a.code == codes::OPERATION_TIME_LIMIT)
                            {
                                let reset =
                                    envelope::error_time(&bytes).and_then(|t| t.operating_reset_at);
                                let held = inner.budgets.block(call.name, reset);
                                tracing::debug!(
                                    held_ms = held.as_millis() as u64,
                                    "operating budget spent"
                                );
                            }
                            e
                        }
                    }
                }
            };
            let decision = decide(&err, attempt, cfg.max_retries, repeatable);
            let wait = match decision {
                Decision::Stop => return Err(err),
                Decision::Refresh => {
                    let Auth::OAuth(oauth) = &inner.auth else {
                        return Err(err);
                    };
                    if refreshed {
                        return Err(err);
                    }
                    refreshed = true;
                    self.refresh(oauth, generation, epoch).await?;
                    continue;
                }
                Decision::WaitBudget => {
                    // The wait happens at the top of the loop, if short enough.
                    match inner.budgets.wait(call.name) {
                        Some(w) if w > cfg.operating_wait => return Err(err),
                        _ => Duration::ZERO,
                    }
                }
                Decision::Throttled => {
                    inner.bucket.mark_full();
                    cfg.backoff.wait(attempt + 1).max(inner.bucket.interval())
                }
                Decision::Retry => cfg.backoff.wait(attempt + 1),
            };
            let budget_wait = inner.budgets.wait(call.name).unwrap_or_default();
            if Instant::now() + wait.max(budget_wait) >= deadline {
                return Err(err);
            }
            attempt += 1;
            tracing::debug!(
                attempt,
                wait_ms = wait.as_millis() as u64,
                reason = ?decision,
                error = %err.clone().masked(&self.secrets()),
                "retrying"
            );
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
        }
    }

    /// One HTTP exchange: redirects refused, the body read up to the cap.
    async fn send(
        &self,
        method: &str,
        req: reqwest::RequestBuilder,
        timeout: Duration,
    ) -> Result<(u16, Bytes)> {
        let resp = req
            .send()
            .await
            .map_err(|e| Error::transport(method, e, timeout))?;
        let status = resp.status();
        if status.is_redirection() && status != reqwest::StatusCode::NOT_MODIFIED {
            let location = resp
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|l| resp.url().join(l).ok())
                .and_then(|u| {
                    let host = u.host_str()?;
                    Some(match u.port() {
                        Some(p) => format!("{}://{host}:{p}", u.scheme()),
                        None => format!("{}://{host}", u.scheme()),
                    })
                });
            return Err(Error::Redirect {
                method: method.to_owned(),
                status: status.as_u16(),
                location,
            });
        }
        let bytes = read_capped(method, resp, self.inner.cfg.max_response_bytes, timeout).await?;
        Ok((status.as_u16(), bytes))
    }

    /// Tries again to save a refreshed pair the store failed to save.
    fn save_unsaved_tokens(&self) {
        let Auth::OAuth(oauth) = &self.inner.auth else {
            return;
        };
        if !oauth.has_unsaved.load(Ordering::Acquire) {
            return;
        }
        let mut unsaved = oauth.unsaved.lock().unwrap_or_else(|e| e.into_inner());
        let Some(tokens) = unsaved.as_ref() else {
            return;
        };
        match oauth.store.save(tokens) {
            Ok(()) => {
                *unsaved = None;
                oauth.has_unsaved.store(false, Ordering::Release);
                tracing::info!("refreshed tokens saved to the token store on a later try");
            }
            Err(e) => {
                let e = self.secrets().mask_owned(e.to_string());
                tracing::warn!(error = %e, "token store still fails to save the refreshed tokens");
            }
        }
    }

    /// Exchanges the refresh token for a new pair: one attempt at a time,
    /// and every call whose request went out before an attempt finished
    /// takes that attempt's outcome, success or failure, instead of
    /// trying again itself.
    ///
    /// The attempt runs as a task of its own that holds the refresh lock
    /// until it is done: a caller that gives up (its future dropped, e.g. by
    /// a timeout of its own) cannot cut a refresh short after the server
    /// rotated the pair, which would lose the only live refresh token.
    async fn refresh(&self, oauth: &OAuth, seen_generation: u64, seen_epoch: u64) -> Result<()> {
        let last_failure = oauth.refresh_lock.clone().lock_owned().await;
        if oauth.read().generation != seen_generation {
            return Ok(()); // refreshed since this call's request went out
        }
        let epoch = oauth.refresh_epoch.load(Ordering::SeqCst);
        if epoch != seen_epoch {
            if let Some((_, e)) = last_failure.as_ref() {
                return Err(e.clone());
            }
        }
        let client = self.clone();
        let task = tokio::spawn(
            async move {
                let mut last_failure = last_failure;
                let Auth::OAuth(oauth) = &client.inner.auth else {
                    return Ok(());
                };
                let outcome = client.refresh_once(oauth).await;
                let epoch = oauth.refresh_epoch.fetch_add(1, Ordering::SeqCst) + 1;
                match outcome {
                    Ok(None) => {
                        *last_failure = None;
                        tracing::info!("tokens refreshed");
                        Ok(())
                    }
                    Ok(Some(save_error)) => {
                        *last_failure = None;
                        Err(save_error)
                    }
                    Err(e) => {
                        let e = e.masked(&client.secrets());
                        tracing::warn!(error = %e, "token refresh failed");
                        *last_failure = Some((epoch, e.clone()));
                        Err(e)
                    }
                }
            }
            .instrument(tracing::info_span!("bitrix24.refresh")),
        );
        match task.await {
            Ok(outcome) => outcome,
            Err(e) => Err(Error::Config(format!("the token refresh task failed: {e}"))),
        }
    }

    /// One refresh: through the store's [`SharedRefresh`] when it has one
    /// (several processes, one request to the server), else one request
    /// of our own and a save. `Ok(Some(e))`: the new pair is in use but
    /// the store failed to save it.
    async fn refresh_once(&self, oauth: &OAuth) -> Result<Option<Error>> {
        let old = oauth.read();
        let (tokens, saved) = match oauth.store.shared_refresh() {
            None => (self.exchange(oauth, &old.tokens).await?, None),
            Some(shared) => {
                let exchange: Exchange<'_> = Box::new(move |stored: Tokens| {
                    Box::pin(async move { self.exchange(oauth, &stored).await })
                });
                let outcome = shared
                    .refresh(&old.tokens, exchange)
                    .await
                    .map_err(|e| e.masked(&self.secrets()))?;
                match outcome {
                    SharedRefreshed::Stored(t) => {
                        check_scheme(&t.client_endpoint, self.inner.allow_http, "client_endpoint")?;
                        tracing::info!("tokens refreshed by another process; stored pair used");
                        (t, Some(Ok(())))
                    }
                    SharedRefreshed::Exchanged { tokens, saved } => (tokens, Some(saved)),
                }
            }
        };
        {
            let mut recent = oauth.recent.lock().unwrap_or_else(|e| e.into_inner());
            recent.push_back(tokens.access_token.clone());
            recent.push_back(tokens.refresh_token.clone());
            while recent.len() > 16 {
                recent.pop_front();
            }
        }
        // In use at once, whatever the store says: the old refresh token is
        // dead now, and must never be sent again.
        *oauth.current.write().unwrap_or_else(|e| e.into_inner()) = Current {
            tokens: tokens.clone(),
            generation: old.generation + 1,
        };
        self.inner.update_secrets();
        let saved = match saved {
            Some(saved) => saved,
            None => oauth.store.save(&tokens),
        };
        match saved {
            Ok(()) => Ok(None),
            Err(e) => {
                *oauth.unsaved.lock().unwrap_or_else(|e| e.into_inner()) = Some(tokens);
                oauth.has_unsaved.store(true, Ordering::Release);
                let e = Error::TokenStore(e).masked(&self.secrets());
                tracing::warn!(error = %e, "the refreshed tokens are in use but not saved; retrying the save before each request");
                Ok(Some(e))
            }
        }
    }

    /// The refresh request: `from`'s refresh token for a new pair. Every
    /// error it returns is masked, the new tokens included.
    async fn exchange(&self, oauth: &OAuth, from: &Tokens) -> Result<Tokens> {
        const WHO: &str = "oauth";
        let inner = &*self.inner;
        let req = inner.http.get(&oauth.app.token_url).query(&[
            ("grant_type", "refresh_token"),
            ("client_id", oauth.app.client_id.as_str()),
            ("client_secret", oauth.app.client_secret.expose()),
            ("refresh_token", from.refresh_token.expose()),
        ]);
        let mut secrets = (*self.secrets()).clone();
        secrets.add(from.access_token.expose());
        secrets.add(from.refresh_token.expose());
        let (status, bytes) = self
            .send(WHO, req, inner.cfg.timeout)
            .await
            .map_err(|e| e.masked(&secrets))?;
        // The answer may hold new tokens: mask them in anything reported.
        let tr: Option<TokenResponse> = serde_json::from_slice(&bytes).ok();
        if let Some(tr) = &tr {
            for t in [&tr.access_token, &tr.refresh_token].into_iter().flatten() {
                secrets.add(t);
            }
        }
        let not_tokens = || Error::NotEnvelope {
            method: WHO.into(),
            status,
            snippet: snippet(&bytes, &secrets),
        };
        let Some(tr) = tr else {
            return Err(not_tokens().masked(&secrets));
        };
        if let Some(e) = tr.error.filter(|e| !e.is_null()) {
            return Err(
                Error::from(api_error(WHO, status, e, tr.error_description)).masked(&secrets)
            );
        }
        let (Some(access), Some(refresh)) = (tr.access_token, tr.refresh_token) else {
            return Err(not_tokens().masked(&secrets));
        };
        let client_endpoint = tr
            .client_endpoint
            .unwrap_or_else(|| from.client_endpoint.clone());
        check_scheme(&client_endpoint, inner.allow_http, "client_endpoint")?;
        let mut tokens = Tokens::new(access, refresh, client_endpoint);
        tokens.server_endpoint = tr.server_endpoint.or_else(|| from.server_endpoint.clone());
        tokens.expires = tr.expires;
        Ok(tokens)
    }
}

impl Inner {
    /// Rebuilds the masked set from the fixed secrets and recent tokens.
    fn update_secrets(&self) {
        let mut s = Secrets::default();
        for x in &self.fixed_secrets {
            s.add(x.expose());
        }
        if let Auth::OAuth(o) = &self.auth {
            for x in o.recent.lock().unwrap_or_else(|e| e.into_inner()).iter() {
                s.add(x.expose());
            }
        }
        *self.secrets.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(s);
    }
}

/// Reads a body, failing with [`Error::TooLarge`] as soon as it passes
/// `limit`: never more than `limit` bytes (plus one chunk) in memory.
async fn read_capped(
    method: &str,
    mut resp: reqwest::Response,
    limit: u64,
    timeout: Duration,
) -> Result<Bytes> {
    let too_large = || Error::TooLarge {
        method: method.to_owned(),
        limit,
    };
    if resp.content_length().is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let transport = |e| Error::transport(method, e, timeout);
    let Some(first) = resp.chunk().await.map_err(transport)? else {
        return Ok(Bytes::new());
    };
    if first.len() as u64 > limit {
        return Err(too_large());
    }
    let Some(second) = resp.chunk().await.map_err(transport)? else {
        return Ok(first); // the common case: no copy
    };
    let mut buf = Vec::with_capacity(first.len() + second.len());
    buf.extend_from_slice(&first);
    let mut next = Some(second);
    while let Some(chunk) = next {
        let needed = buf.len() + chunk.len();
        if needed as u64 > limit {
            return Err(too_large());
        }
        if needed > buf.capacity() {
            // Doubling, but never past the cap: at most `limit` bytes held.
            let target = needed.max(buf.capacity() * 2).min(limit as usize);
            buf.reserve_exact(target - buf.len());
        }
        buf.extend_from_slice(&chunk);
        next = resp.chunk().await.map_err(transport)?;
    }
    Ok(Bytes::from(buf))
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
