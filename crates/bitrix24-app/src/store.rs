//! Where portals live: their tokens, endpoints and application token.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use bitrix24_runtime::{Secret, TokenStore, TokenStoreError, Tokens};
use futures::future::BoxFuture;

/// One portal the application is installed on.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct Portal {
    /// The portal's unique ID (`member_id`), the key of every store.
    pub member_id: String,
    /// Its address (`some-domain.bitrix24.com`).
    pub domain: String,
    /// The OAuth pair and the endpoints (`client_endpoint`, `server_endpoint`).
    pub tokens: Tokens,
    /// The token events of this portal must carry (from `ONAPPINSTALL`).
    pub application_token: Option<Secret>,
    /// Granted scopes, as last reported.
    pub scope: Option<String>,
    /// Application status (`L`, `F`, `D`, `T`, `P`), as last reported.
    pub status: Option<String>,
}

impl Portal {
    /// A portal with its tokens; no application token yet.
    pub fn new(member_id: impl Into<String>, domain: impl Into<String>, tokens: Tokens) -> Self {
        Portal {
            member_id: member_id.into(),
            domain: domain.into(),
            tokens,
            application_token: None,
            scope: None,
            status: None,
        }
    }
}

impl fmt::Debug for Portal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Portal")
            .field("member_id", &self.member_id)
            .field("domain", &self.domain)
            .field("client_endpoint", &self.tokens.client_endpoint)
            .field("application_token", &self.application_token)
            .field("scope", &self.scope)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// A store failure: the backend's own error, kept as the source.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite failed.
    #[cfg(feature = "sqlite")]
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL failed.
    #[cfg(feature = "postgres")]
    #[error("postgres: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// The portal is not (or no longer) stored.
    #[error("portal {0:?} is not stored")]
    NotFound(String),
    /// Anything else (a worker thread gone, a connection that failed).
    #[error("{0}")]
    Other(String),
}

impl From<StoreError> for TokenStoreError {
    fn from(e: StoreError) -> Self {
        TokenStoreError::new(e)
    }
}

/// A database of portals. Object safe: the application keeps an
/// `Arc<dyn PortalStore>`.
///
/// Implementations: [`MemoryStore`] (one process, tests),
/// [`SqliteStore`](crate::SqliteStore) (feature `sqlite`, the default) and
/// [`PgStore`](crate::PgStore) (feature `postgres`, several instances).
pub trait PortalStore: Send + Sync + 'static {
    /// The portal stored under `member_id`.
    fn get<'a>(&'a self, member_id: &'a str) -> BoxFuture<'a, Result<Option<Portal>, StoreError>>;
    /// Inserts or replaces a portal.
    fn put<'a>(&'a self, portal: &'a Portal) -> BoxFuture<'a, Result<(), StoreError>>;
    /// Removes a portal; `true` if it was stored.
    fn remove<'a>(&'a self, member_id: &'a str) -> BoxFuture<'a, Result<bool, StoreError>>;
    /// The runtime's token store for one portal, as the pool's client
    /// uses it: `load` answers `portal.tokens` (just read), `save` writes
    /// the row, and a store shared by processes refreshes under its lock
    /// ([`TokenStore::shared_refresh`]).
    fn token_store(&self, portal: &Portal) -> PortalTokens;
}

/// The [`TokenStore`] of one portal, made by [`PortalStore::token_store`].
pub struct PortalTokens(pub(crate) Box<dyn TokenStore>);

impl PortalTokens {
    /// Wraps a backend's own per-portal store.
    pub fn new(store: impl TokenStore + 'static) -> Self {
        PortalTokens(Box::new(store))
    }
}

impl TokenStore for PortalTokens {
    fn load(&self) -> Result<Option<Tokens>, TokenStoreError> {
        self.0.load()
    }
    fn save(&self, tokens: &Tokens) -> Result<(), TokenStoreError> {
        self.0.save(tokens)
    }
    fn shared_refresh(&self) -> Option<&dyn bitrix24_runtime::SharedRefresh> {
        self.0.shared_refresh()
    }
}

/// Portals in memory: for tests and single-process tools. Refreshes are
/// shared only within the process (the client's own lock).
#[derive(Debug, Clone, Default)]
pub struct MemoryStore(Arc<Mutex<HashMap<String, Portal>>>);

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Portal>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl PortalStore for MemoryStore {
    fn get<'a>(&'a self, member_id: &'a str) -> BoxFuture<'a, Result<Option<Portal>, StoreError>> {
        let p = self.map().get(member_id).cloned();
        Box::pin(async move { Ok(p) })
    }

    fn put<'a>(&'a self, portal: &'a Portal) -> BoxFuture<'a, Result<(), StoreError>> {
        self.map().insert(portal.member_id.clone(), portal.clone());
        Box::pin(async { Ok(()) })
    }

    fn remove<'a>(&'a self, member_id: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        let had = self.map().remove(member_id).is_some();
        Box::pin(async move { Ok(had) })
    }

    fn token_store(&self, portal: &Portal) -> PortalTokens {
        PortalTokens::new(MemoryPortalTokens {
            store: self.clone(),
            member_id: portal.member_id.clone(),
        })
    }
}

struct MemoryPortalTokens {
    store: MemoryStore,
    member_id: String,
}

impl TokenStore for MemoryPortalTokens {
    fn load(&self) -> Result<Option<Tokens>, TokenStoreError> {
        Ok(self
            .store
            .map()
            .get(&self.member_id)
            .map(|p| p.tokens.clone()))
    }

    fn save(&self, tokens: &Tokens) -> Result<(), TokenStoreError> {
        match self.store.map().get_mut(&self.member_id) {
            Some(p) => {
                p.tokens = tokens.clone();
                Ok(())
            }
            None => Err(StoreError::NotFound(self.member_id.clone()).into()),
        }
    }
}
