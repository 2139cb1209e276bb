//! [`App`]: verification of events, installation and uninstallation, the
//! authorization-code exchange, and the client pool, over one store.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bitrix24_runtime::{OAuthApp, Secret, Tokens};
use serde::Deserialize;
use serde_json::Value;
use subtle::ConstantTimeEq;

use crate::event::{DecodeError, Event};
use crate::form::Limits;
use crate::placement::{now, PlacementRequest};
use crate::pool::Pool;
use crate::store::{Portal, PortalStore, StoreError};

/// An event whose `auth[application_token]` matched the one stored for its
/// portal. Only [`App::verify`] makes one, so a handler that takes a
/// `Verified<Event>` cannot be reached by an event that skipped the check.
#[derive(Debug, Clone)]
pub struct Verified<T> {
    inner: T,
    portal: Portal,
}

impl<T> Verified<T> {
    /// The verified value.
    pub fn get(&self) -> &T {
        &self.inner
    }

    /// The verified value, owned.
    pub fn into_inner(self) -> T {
        self.inner
    }

    /// The portal it came from, as stored.
    pub fn portal(&self) -> &Portal {
        &self.portal
    }

    /// The same proof over another value (a typed payload of the event).
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Verified<U> {
        Verified {
            inner: f(self.inner),
            portal: self.portal,
        }
    }
}

impl Verified<Event> {
    /// The verified event with `data` decoded as `D`: the generated
    /// `bitrix24::Event` enum (one variant per documented event), or any
    /// [`EventData`](crate::EventData).
    pub fn typed<D: crate::EventData>(self) -> Result<Verified<Event<D>>, crate::DecodeError> {
        Ok(Verified {
            inner: self.inner.typed()?,
            portal: self.portal,
        })
    }
}

impl<T> std::ops::Deref for Verified<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

/// Why an event was not accepted. Every variant but [`Rejection::Store`]
/// means "not from the portal it names": answer 401 and do nothing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// The body is not an event (malformed, too large, too deep, ...).
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The event names no portal (`auth[member_id]`).
    #[error("the event names no portal (auth[member_id] is missing)")]
    MissingMemberId,
    /// The event carries no `auth[application_token]`.
    #[error("the event carries no application token")]
    MissingToken,
    /// No portal with this `member_id` is installed.
    #[error("portal {member_id:?} is not installed")]
    UnknownPortal {
        /// The `member_id` the event named.
        member_id: String,
    },
    /// The portal is installed but no application token is stored for it
    /// yet (`ONAPPINSTALL` not received): nothing to compare with.
    #[error("no application token is stored for portal {member_id:?}")]
    NoStoredToken {
        /// The portal.
        member_id: String,
    },
    /// The token differs from the stored one: forged, or another portal's.
    #[error("the application token does not match the one stored for portal {member_id:?}")]
    TokenMismatch {
        /// The `member_id` the event named.
        member_id: String,
    },
    /// The store failed: not the sender's fault, answer 500 so that
    /// Bitrix24 tries again.
    #[error("portal store: {0}")]
    Store(#[from] StoreError),
}

/// Why an installation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InstallError {
    /// The request could not be read.
    #[error(transparent)]
    Request(#[from] crate::placement::RequestError),
    /// An `ONAPPINSTALL` event lacked something it must carry.
    #[error("ONAPPINSTALL: missing {0}")]
    Missing(&'static str),
    /// An `ONAPPINSTALL` for a portal whose stored application token differs.
    #[error(transparent)]
    Rejected(#[from] Rejection),
    /// An install callback, or an `ONAPPINSTALL` for a portal with no
    /// stored application token, names another address than the stored
    /// one. Neither carries a proof of origin then, so neither may move a
    /// portal's calls elsewhere; uninstall and install again, or change
    /// the store, to move a portal.
    #[error("installation for portal {member_id:?} names another address than the stored one")]
    EndpointChanged {
        /// The portal.
        member_id: String,
    },
    /// The authorization server refused or failed the code exchange.
    #[error("authorization code exchange: {0}")]
    Exchange(String),
    /// The store failed.
    #[error("portal store: {0}")]
    Store(#[from] StoreError),
}

/// The pieces of an application: the OAuth app, the portal store, the
/// client pool and the body limits. Cheap to clone.
#[derive(Clone)]
pub struct App {
    store: Arc<dyn PortalStore>,
    pool: Pool,
    limits: Limits,
    http: reqwest::Client,
    allow_http: bool,
}

impl fmt::Debug for App {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("App")
            .field("pool", &self.pool)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// The authorization server's answer to a code exchange.
#[derive(Deserialize)]
struct CodeAnswer {
    access_token: Option<String>,
    refresh_token: Option<String>,
    client_endpoint: Option<String>,
    server_endpoint: Option<String>,
    member_id: Option<String>,
    domain: Option<String>,
    scope: Option<String>,
    status: Option<String>,
    #[serde(default, deserialize_with = "bitrix24_runtime::lenient::opt_int")]
    expires: Option<i64>,
    #[serde(default)]
    error: Option<Value>,
    #[serde(default)]
    error_description: Option<Value>,
}

impl App {
    /// An application `oauth` (client id, secret, token URL) over `store`.
    pub fn new(oauth: OAuthApp, store: Arc<dyn PortalStore>) -> App {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        App {
            pool: Pool::new(store.clone(), oauth),
            store,
            limits: Limits::default(),
            http,
            allow_http: false,
        }
    }

    /// Allows a plain-HTTP token URL for [`App::exchange_code`]. Only for
    /// tests against a loopback server; the portals' clients have their
    /// own switch ([`App::configure_clients`] with
    /// `ClientBuilder::allow_http`).
    pub fn allow_http(mut self, allow: bool) -> App {
        self.allow_http = allow;
        self
    }

    /// Replaces the body limits.
    pub fn limits(mut self, limits: Limits) -> App {
        self.limits = limits;
        self
    }

    /// Applies `f` to the builder of every portal's client.
    pub fn configure_clients(
        mut self,
        f: impl Fn(bitrix24_runtime::ClientBuilder) -> bitrix24_runtime::ClientBuilder
            + Send
            + Sync
            + 'static,
    ) -> App {
        self.pool = self.pool.configure(f);
        self
    }

    /// The body limits in force.
    pub fn body_limits(&self) -> &Limits {
        &self.limits
    }

    /// The client pool.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// The portal store.
    pub fn store(&self) -> &Arc<dyn PortalStore> {
        &self.store
    }

    /// Checks that `event` comes from the portal it names: its
    /// `auth[application_token]` must equal the one stored for its
    /// `member_id`, compared in constant time.
    ///
    /// **A handler must not skip this.** The handler URL is no secret
    /// (it is in the portal's settings and in every proxy log), and an
    /// event that is not checked lets anyone post deals, users or
    /// uninstallations in the name of any portal.
    pub async fn verify<D>(&self, event: Event<D>) -> Result<Verified<Event<D>>, Rejection> {
        let member_id = event
            .member_id()
            .ok_or(Rejection::MissingMemberId)?
            .to_owned();
        let sent = match &event.auth.application_token {
            Some(t) if !t.expose().is_empty() => t.clone(),
            _ => return Err(Rejection::MissingToken),
        };
        let portal = self
            .store
            .get(&member_id)
            .await?
            .ok_or_else(|| Rejection::UnknownPortal {
                member_id: member_id.clone(),
            })?;
        let Some(stored) = &portal.application_token else {
            return Err(Rejection::NoStoredToken { member_id });
        };
        if !tokens_equal(stored, &sent) {
            return Err(Rejection::TokenMismatch { member_id });
        }
        Ok(Verified {
            inner: event,
            portal,
        })
    }

    /// Decodes a body posted to an event handler and verifies it.
    pub async fn verify_body(
        &self,
        body: &[u8],
        content_type: Option<&str>,
    ) -> Result<Verified<Event>, Rejection> {
        let event = Event::decode(body, content_type, &self.limits)?;
        self.verify(event).await
    }

    /// Handles `ONAPPINSTALL`: stores the portal's tokens, endpoints and
    /// application token.
    ///
    /// The first application token of a portal is trusted as it comes
    /// (nothing is stored to compare it with); once one is stored, a
    /// second `ONAPPINSTALL` must carry the same token, so a forged
    /// install cannot replace it. A portal stored by the install callback
    /// (no token yet) keeps its address: an `ONAPPINSTALL` naming another
    /// one is [`InstallError::EndpointChanged`]. `ONAPPUNINSTALL` removes the portal,
    /// after which a new installation is trusted again.
    pub async fn on_app_install(&self, event: &Event) -> Result<Portal, InstallError> {
        let a = &event.auth;
        let member_id = event
            .member_id()
            .ok_or(InstallError::Missing("auth[member_id]"))?;
        let app_token = a
            .application_token
            .clone()
            .filter(|t| !t.expose().is_empty())
            .ok_or(InstallError::Missing("auth[application_token]"))?;
        let access = a
            .access_token
            .clone()
            .ok_or(InstallError::Missing("auth[access_token]"))?;
        let refresh = a
            .refresh_token
            .clone()
            .ok_or(InstallError::Missing("auth[refresh_token]"))?;
        let domain = a
            .domain
            .clone()
            .ok_or(InstallError::Missing("auth[domain]"))?;
        let endpoint = a
            .client_endpoint
            .clone()
            .unwrap_or_else(|| format!("https://{domain}/rest/"));
        let existing = self.store.get(member_id).await?;
        match existing.as_ref().map(|p| (p.application_token.as_ref(), p)) {
            // A stored token: the event must carry it (then it may change
            // anything, the address too).
            Some((Some(stored), _)) if !tokens_equal(stored, &app_token) => {
                return Err(Rejection::TokenMismatch {
                    member_id: member_id.to_owned(),
                }
                .into());
            }
            // Stored by the install callback, no token yet: nothing proves
            // the event's origin, so it may not move the portal.
            Some((None, p)) if p.tokens.client_endpoint != endpoint => {
                return Err(InstallError::EndpointChanged {
                    member_id: member_id.to_owned(),
                });
            }
            _ => {}
        }
        let mut tokens = Tokens::new(access, refresh, endpoint);
        tokens.server_endpoint = a.server_endpoint.clone();
        tokens.expires = a.expires.or(a.expires_in.map(|s| now() + s));
        let mut portal = Portal::new(member_id, domain, tokens);
        portal.application_token = Some(app_token);
        portal.scope = a.scope.clone();
        portal.status = a.status.clone();
        self.store.put(&portal).await?;
        self.pool.forget(member_id);
        tracing::info!(member_id, "application installed (ONAPPINSTALL)");
        Ok(portal)
    }

    /// Handles the install callback of a local application (the POST to
    /// its install URL with `AUTH_ID`, `REFRESH_ID`, `member_id`,
    /// `DOMAIN`, ...): stores the portal's tokens, keeping an application
    /// token stored before. The application token itself arrives with
    /// `ONAPPINSTALL`.
    ///
    /// The callback carries no proof that it comes from the portal: for a
    /// portal already stored it may refresh the tokens but not change the
    /// portal's address ([`InstallError::EndpointChanged`]).
    pub async fn on_install_callback(
        &self,
        request: &PlacementRequest,
    ) -> Result<Portal, InstallError> {
        let tokens = request
            .tokens()
            .ok_or(crate::placement::RequestError::Missing("REFRESH_ID"))?;
        let existing = self.store.get(&request.member_id).await?;
        let mut portal = Portal::new(&request.member_id, &request.domain, tokens);
        if let Some(e) = existing {
            if e.tokens.client_endpoint != portal.tokens.client_endpoint {
                return Err(InstallError::EndpointChanged {
                    member_id: request.member_id.clone(),
                });
            }
            portal.application_token = e.application_token;
            portal.scope = e.scope;
            portal.tokens.server_endpoint = e.tokens.server_endpoint;
        }
        portal.status = request.status.clone();
        self.store.put(&portal).await?;
        self.pool.forget(&request.member_id);
        tracing::info!(member_id = %request.member_id, "application installed (install callback)");
        Ok(portal)
    }

    /// Handles a verified `ONAPPUNINSTALL`: removes the portal and its
    /// client. `true` if it was stored.
    pub async fn on_app_uninstall<D>(
        &self,
        event: &Verified<Event<D>>,
    ) -> Result<bool, StoreError> {
        let member_id = &event.portal().member_id;
        self.pool.forget(member_id);
        let removed = self.store.remove(member_id).await?;
        tracing::info!(member_id = %member_id, "application uninstalled");
        Ok(removed)
    }

    /// Exchanges an authorization code (the `code` parameter Bitrix24 adds
    /// when it sends the user back to the application) for the portal's
    /// first token pair at the OAuth app's token URL, and stores it.
    pub async fn exchange_code(&self, code: &str) -> Result<Portal, InstallError> {
        let app = self.pool.app();
        match reqwest::Url::parse(&app.token_url) {
            Ok(u) if u.scheme() == "https" || (u.scheme() == "http" && self.allow_http) => {}
            _ => {
                return Err(InstallError::Exchange(
                    "the token URL is not HTTPS (App::allow_http is for loopback tests)".into(),
                ))
            }
        }
        let resp = self
            .http
            .get(&app.token_url)
            .query(&[
                ("grant_type", "authorization_code"),
                ("client_id", app.client_id.as_str()),
                ("client_secret", app.client_secret.expose()),
                ("code", code),
            ])
            .send()
            .await
            .map_err(|e| InstallError::Exchange(e.without_url().to_string()))?;
        let status = resp.status().as_u16();
        if resp.content_length().is_some_and(|n| n > 1 << 16) {
            return Err(InstallError::Exchange(format!(
                "HTTP {status}: the answer is too large"
            )));
        }
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| InstallError::Exchange(e.without_url().to_string()))?;
        if bytes.len() > 1 << 16 {
            return Err(InstallError::Exchange(format!(
                "HTTP {status}: the answer is too large"
            )));
        }
        let answer: CodeAnswer = serde_json::from_slice(&bytes)
            .map_err(|_| InstallError::Exchange(format!("HTTP {status}: not a token answer")))?;
        if let Some(e) = answer.error.filter(|e| !e.is_null()) {
            let text = |v: Value| match v {
                Value::String(s) => s,
                v => v.to_string(),
            };
            let desc = answer.error_description.map(text).unwrap_or_default();
            let msg = format!("HTTP {status}: {}: {desc}", text(e));
            // The server may echo what it was sent.
            let msg = msg
                .replace(app.client_secret.expose(), "***")
                .replace(code, "***");
            return Err(InstallError::Exchange(msg));
        }
        let missing =
            |what: &str| InstallError::Exchange(format!("HTTP {status}: the answer has no {what}"));
        let access = answer.access_token.ok_or_else(|| missing("access_token"))?;
        let refresh = answer
            .refresh_token
            .ok_or_else(|| missing("refresh_token"))?;
        let member_id = answer.member_id.ok_or_else(|| missing("member_id"))?;
        let endpoint = answer
            .client_endpoint
            .ok_or_else(|| missing("client_endpoint"))?;
        let domain = answer
            .domain
            .or_else(|| {
                reqwest::Url::parse(&endpoint)
                    .ok()?
                    .host_str()
                    .map(str::to_owned)
            })
            .unwrap_or_default();
        let mut tokens = Tokens::new(access, refresh, endpoint);
        tokens.server_endpoint = answer.server_endpoint;
        tokens.expires = answer.expires;
        let existing = self.store.get(&member_id).await?;
        let mut portal = Portal::new(member_id, domain, tokens);
        portal.application_token = existing.and_then(|e| e.application_token);
        portal.scope = answer.scope;
        portal.status = answer.status;
        self.store.put(&portal).await?;
        self.pool.forget(&portal.member_id);
        Ok(portal)
    }
}

/// Constant-time equality of two tokens (the length is not secret: a
/// token of another length differs at once).
fn tokens_equal(a: &Secret, b: &Secret) -> bool {
    a.expose().as_bytes().ct_eq(b.expose().as_bytes()).into()
}
