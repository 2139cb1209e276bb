//! [`Pool`]: one [`Client`] per portal, created on demand from the store.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use bitrix24_runtime::{Client, ClientBuilder, OAuthApp};
use tokio::sync::OnceCell;

use crate::store::{PortalStore, StoreError};

/// Why the pool has no client for a portal.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PoolError {
    /// No portal with this `member_id` is stored (not installed, or
    /// uninstalled).
    #[error("portal {0:?} is not installed")]
    UnknownPortal(String),
    /// The store failed.
    #[error("portal store: {0}")]
    Store(#[from] StoreError),
    /// The client could not be built (a stored endpoint that is not HTTPS...).
    #[error("client for portal {member_id:?}: {source}")]
    Client {
        /// The portal.
        member_id: String,
        /// The runtime's error.
        #[source]
        source: bitrix24_runtime::Error,
    },
}

type Configure = dyn Fn(ClientBuilder) -> ClientBuilder + Send + Sync;

/// Clients for many portals, keyed by `member_id`. Each portal has its own
/// [`Client`], so its own rate-limit bucket, operating-time budgets and
/// refresh lock; clients are built the first time a portal is asked for,
/// from its stored tokens, and kept until [`Pool::forget`].
///
/// Cheap to clone; clones share the clients.
#[derive(Clone)]
pub struct Pool {
    store: Arc<dyn PortalStore>,
    app: OAuthApp,
    configure: Arc<Configure>,
    clients: Arc<Mutex<HashMap<String, Arc<OnceCell<Client>>>>>,
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("app", &self.app)
            .field("clients", &self.len())
            .finish_non_exhaustive()
    }
}

impl Pool {
    /// A pool of clients for `app`, reading portals from `store`.
    pub fn new(store: Arc<dyn PortalStore>, app: OAuthApp) -> Pool {
        Pool {
            store,
            app,
            configure: Arc::new(|b| b),
            clients: Arc::default(),
        }
    }

    /// Applies `f` to every client's builder (rate limit, timeouts,
    /// `allow_http` for a loopback test...).
    pub fn configure(
        mut self,
        f: impl Fn(ClientBuilder) -> ClientBuilder + Send + Sync + 'static,
    ) -> Pool {
        self.configure = Arc::new(f);
        self
    }

    /// The store the pool reads.
    pub fn store(&self) -> &Arc<dyn PortalStore> {
        &self.store
    }

    /// The OAuth application the clients authenticate as.
    pub fn app(&self) -> &OAuthApp {
        &self.app
    }

    /// The client of the portal `member_id`, built on first use. Callers
    /// asking at once for a new portal wait for one build.
    pub async fn client(&self, member_id: &str) -> Result<Client, PoolError> {
        let cell = self
            .clients
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(member_id.to_owned())
            .or_default()
            .clone();
        let built = cell
            .get_or_try_init(|| async {
                let portal = self
                    .store
                    .get(member_id)
                    .await?
                    .ok_or_else(|| PoolError::UnknownPortal(member_id.to_owned()))?;
                let mut b =
                    Client::builder().oauth(self.app.clone(), self.store.token_store(&portal));
                if let Some(t) = &portal.application_token {
                    b = b.application_token(t.clone());
                }
                (self.configure)(b)
                    .build()
                    .map_err(|source| PoolError::Client {
                        member_id: member_id.to_owned(),
                        source,
                    })
            })
            .await
            .cloned();
        if built.is_err() {
            // Not cached: the next call reads the store again.
            let mut map = self.clients.lock().unwrap_or_else(|e| e.into_inner());
            if map.get(member_id).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
                map.remove(member_id);
            }
        }
        built
    }

    /// Drops the portal's client (after uninstallation, or to reread its
    /// stored tokens).
    pub fn forget(&self, member_id: &str) {
        self.clients
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(member_id);
    }

    /// How many portals have a client (or one being built).
    pub fn len(&self) -> usize {
        self.clients.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Whether no portal has a client.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
