//! Credentials: secrets that never print, OAuth tokens and their store.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::error::TokenStoreError;

/// A string that must not leak: `Debug` and `Display` print `***`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself; use only to put it on the wire or in storage.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<String> for Secret {
    fn from(v: String) -> Self {
        Secret(v)
    }
}

impl From<&str> for Secret {
    fn from(v: &str) -> Self {
        Secret(v.to_owned())
    }
}

/// An OAuth token pair and where to use it, as the authorization server
/// returns it. Serializable so a [`TokenStore`] can persist it as is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Tokens {
    /// Goes in the `auth` field of each call; lives one hour.
    pub access_token: Secret,
    /// Exchanged for a new pair; rotates on every refresh.
    pub refresh_token: Secret,
    /// The portal's REST address, e.g. `https://portal.bitrix24.com/rest/`;
    /// every call starts with it.
    pub client_endpoint: String,
    /// The authorization server's REST address, as last reported.
    #[serde(default)]
    pub server_endpoint: Option<String>,
    /// Unix time the access token expires, as last reported.
    #[serde(default)]
    pub expires: Option<i64>,
}

impl Tokens {
    /// A token pair for the portal at `client_endpoint`.
    pub fn new(
        access_token: impl Into<Secret>,
        refresh_token: impl Into<Secret>,
        client_endpoint: impl Into<String>,
    ) -> Self {
        Tokens {
            access_token: access_token.into(),
            refresh_token: refresh_token.into(),
            client_endpoint: client_endpoint.into(),
            server_endpoint: None,
            expires: None,
        }
    }
}

/// Where tokens live between runs. The client reads it once when built and
/// writes each new pair after a refresh, before using it.
///
/// Saving must be durable before it returns: the old refresh token is dead
/// once the server has rotated it. When `save` fails, the client keeps the
/// new pair in memory (it never sends the dead refresh token again), the
/// call that refreshed fails with [`Error::TokenStore`](crate::Error::TokenStore),
/// and the save is tried again before each later request until it succeeds.
///
/// Errors are any error type (`TokenStoreError::new(e)`), an
/// [`std::io::Error`] or a message (`"...".into()`).
pub trait TokenStore: Send + Sync {
    /// The stored pair, if any.
    fn load(&self) -> Result<Option<Tokens>, TokenStoreError>;
    /// Replaces the stored pair.
    fn save(&self, tokens: &Tokens) -> Result<(), TokenStoreError>;

    /// A store shared by several processes returns its [`SharedRefresh`]
    /// here, and the client refreshes through it: under a lock the other
    /// processes take too, so one refresh reaches the authorization server
    /// and the others read its result. The default, `None`, is a store of
    /// one process: the client refreshes itself and calls [`save`](Self::save).
    fn shared_refresh(&self) -> Option<&dyn SharedRefresh> {
        None
    }
}

/// The refresh request itself, handed to [`SharedRefresh::refresh`]: given
/// the stored pair, it asks the authorization server for a new one (and
/// does nothing else: the store saves what it returns).
pub type Exchange<'a> = Box<
    dyn FnOnce(Tokens) -> Pin<Box<dyn Future<Output = crate::Result<Tokens>> + Send + 'a>>
        + Send
        + 'a,
>;

/// What [`SharedRefresh::refresh`] returns.
pub type SharedRefreshFuture<'a> =
    Pin<Box<dyn Future<Output = crate::Result<SharedRefreshed>> + Send + 'a>>;

/// The outcome of a [`SharedRefresh::refresh`].
#[derive(Debug)]
#[non_exhaustive]
pub enum SharedRefreshed {
    /// The stored pair was already newer than the stale one (another
    /// process refreshed first): use it, nothing was sent.
    Stored(Tokens),
    /// The exchange ran and returned `tokens`; `saved` says whether the
    /// store kept them. When it failed the pair is still used (the old
    /// refresh token is dead) and saved again later through
    /// [`TokenStore::save`].
    Exchanged {
        /// The new pair.
        tokens: Tokens,
        /// Whether the store saved it.
        saved: Result<(), TokenStoreError>,
    },
}

/// Refresh-token rotation shared by processes (see
/// [`TokenStore::shared_refresh`]).
pub trait SharedRefresh: Send + Sync {
    /// Takes the store's lock for this pair (a row lock, a file lock...),
    /// then reads the stored pair: if its access token differs from
    /// `stale`'s, another process has refreshed, and the stored pair is
    /// returned as [`SharedRefreshed::Stored`] without calling `exchange`.
    /// Otherwise it calls `exchange` with the stored pair, saves the
    /// result and only then releases the lock. An error from `exchange`
    /// is returned as it is.
    fn refresh<'a>(&'a self, stale: &'a Tokens, exchange: Exchange<'a>) -> SharedRefreshFuture<'a>;
}

/// A [`TokenStore`] that keeps the pair in memory only.
#[derive(Debug, Default)]
pub struct MemoryTokenStore(Mutex<Option<Tokens>>);

impl MemoryTokenStore {
    /// A store holding `tokens`.
    pub fn new(tokens: Tokens) -> Self {
        MemoryTokenStore(Mutex::new(Some(tokens)))
    }

    /// The pair held now.
    pub fn get(&self) -> Option<Tokens> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl TokenStore for MemoryTokenStore {
    fn load(&self) -> Result<Option<Tokens>, TokenStoreError> {
        Ok(self.get())
    }

    fn save(&self, tokens: &Tokens) -> Result<(), TokenStoreError> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(tokens.clone());
        Ok(())
    }
}

/// The authorization server Bitrix24 applications refresh tokens at.
pub const DEFAULT_TOKEN_URL: &str = "https://oauth.bitrix.info/oauth/token/";

/// An OAuth application: its id and secret, and the token endpoint.
#[derive(Debug, Clone)]
pub struct OAuthApp {
    /// `client_id` of the application.
    pub client_id: String,
    /// `client_secret` of the application; only ever sent to `token_url`.
    pub client_secret: Secret,
    /// Token endpoint, [`DEFAULT_TOKEN_URL`] unless changed.
    pub token_url: String,
}

impl OAuthApp {
    /// An application using the default authorization server.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<Secret>) -> Self {
        OAuthApp {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            token_url: DEFAULT_TOKEN_URL.to_owned(),
        }
    }

    /// Uses another token endpoint (a loopback emulator in tests).
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = url.into();
        self
    }
}

/// The token server's answer to a refresh.
#[derive(Deserialize)]
pub(crate) struct TokenResponse {
    pub access_token: Option<String>,
    pub refresh_token: Option<String>,
    pub client_endpoint: Option<String>,
    pub server_endpoint: Option<String>,
    #[serde(default, deserialize_with = "crate::lenient::opt_int")]
    pub expires: Option<i64>,
    #[serde(default)]
    pub error: Option<serde_json::Value>,
    #[serde(default)]
    pub error_description: Option<serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_print() {
        let t = Tokens::new("acc-123", "ref-456", "https://p.example/rest/");
        let printed = format!("{t:?} {}", t.access_token);
        assert!(!printed.contains("acc-123") && !printed.contains("ref-456"));
        let app = OAuthApp::new("id", "sec-789");
        assert!(!format!("{app:?}").contains("sec-789"));
    }

    #[test]
    fn memory_store_round_trip() {
        let s = MemoryTokenStore::default();
        assert_eq!(s.load().unwrap(), None);
        let t = Tokens::new("a", "r", "https://p.example/rest/");
        s.save(&t).unwrap();
        assert_eq!(s.get(), Some(t));
    }
}
