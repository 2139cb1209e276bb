//! [`PgStore`]: portals in PostgreSQL, refreshes serialized across
//! processes by a row lock (`SELECT ... FOR UPDATE`).

use std::sync::Arc;

use bitrix24_runtime::{
    Error, Exchange, Secret, SharedRefresh, SharedRefreshFuture, SharedRefreshed, TokenStore,
    TokenStoreError, Tokens,
};
use futures::future::BoxFuture;
use tokio_postgres::{Client, GenericClient, NoTls, Row};

use crate::store::{Portal, PortalStore, PortalTokens, StoreError};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS bitrix24_portals (
    member_id         TEXT PRIMARY KEY,
    domain            TEXT NOT NULL,
    access_token      TEXT NOT NULL,
    refresh_token     TEXT NOT NULL,
    client_endpoint   TEXT NOT NULL,
    server_endpoint   TEXT,
    expires           BIGINT,
    application_token TEXT,
    scope             TEXT,
    status            TEXT,
    version           BIGINT NOT NULL DEFAULT 0
)";

const COLUMNS: &str = "member_id, domain, access_token, refresh_token, client_endpoint, \
                       server_endpoint, expires, application_token, scope, status";

/// A connection whose I/O is driven on a thread of its own, so that the
/// synchronous [`TokenStore::save`] can wait for it from inside any
/// runtime without starving the connection.
async fn connect(url: &str) -> Result<Client, StoreError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let url = url.to_owned();
    std::thread::Builder::new()
        .name("bitrix24-pg".into())
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = tx.send(Err(StoreError::Other(format!("runtime: {e}"))));
                    return;
                }
            };
            rt.block_on(async move {
                match tokio_postgres::connect(&url, NoTls).await {
                    Ok((client, conn)) => {
                        if tx.send(Ok(client)).is_ok() {
                            // Ends when the client is dropped.
                            let _ = conn.await;
                        }
                    }
                    Err(e) => {
                        let _ = tx.send(Err(StoreError::from(e)));
                    }
                }
            });
        })
        .map_err(|e| StoreError::Other(format!("cannot start the connection thread: {e}")))?;
    rx.await
        .map_err(|_| StoreError::Other("the connection thread ended".into()))?
}

fn row_portal(r: &Row) -> Result<Portal, tokio_postgres::Error> {
    let mut tokens = Tokens::new(
        r.try_get::<_, String>(2)?,
        r.try_get::<_, String>(3)?,
        r.try_get::<_, String>(4)?,
    );
    tokens.server_endpoint = r.try_get(5)?;
    tokens.expires = r.try_get(6)?;
    let mut p = Portal::new(
        r.try_get::<_, String>(0)?,
        r.try_get::<_, String>(1)?,
        tokens,
    );
    p.application_token = r.try_get::<_, Option<String>>(7)?.map(Secret::new);
    p.scope = r.try_get(8)?;
    p.status = r.try_get(9)?;
    Ok(p)
}

const UPDATE_TOKENS: &str = "UPDATE bitrix24_portals SET access_token = $2, refresh_token = $3, \
     client_endpoint = $4, server_endpoint = $5, expires = $6, version = version + 1 \
     WHERE member_id = $1";

/// Portals in PostgreSQL, for applications that run several instances.
/// A refresh takes the portal's row lock (`SELECT ... FOR UPDATE`) on a
/// connection of its own and holds it across the request to the
/// authorization server; the others wait on the lock and then read the
/// new pair (see `docs/DECISIONS.md`). No TLS: a database on the loopback
/// or a private network.
#[derive(Clone)]
pub struct PgStore {
    url: Arc<str>,
    client: Arc<Client>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password.
        f.write_str("PgStore")
    }
}

impl PgStore {
    /// Connects (`postgres://user@host:port/db` or `host=... user=...`) and
    /// creates the table if needed.
    pub async fn connect(url: &str) -> Result<PgStore, StoreError> {
        let client = connect(url).await?;
        // Two instances starting at once: creating the table is serialized
        // by an advisory lock, or one of them would fail on the catalog.
        client
            .batch_execute(&format!(
                "BEGIN; SELECT pg_advisory_xact_lock(4224242424); {SCHEMA}; COMMIT;"
            ))
            .await?;
        Ok(PgStore {
            url: url.into(),
            client: Arc::new(client),
        })
    }
}

impl PortalStore for PgStore {
    fn get<'a>(&'a self, member_id: &'a str) -> BoxFuture<'a, Result<Option<Portal>, StoreError>> {
        Box::pin(async move {
            let row = self
                .client
                .query_opt(
                    &format!("SELECT {COLUMNS} FROM bitrix24_portals WHERE member_id = $1"),
                    &[&member_id],
                )
                .await?;
            Ok(row.as_ref().map(row_portal).transpose()?)
        })
    }

    fn put<'a>(&'a self, p: &'a Portal) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            self.client
                .execute(
                    &format!(
                        "INSERT INTO bitrix24_portals ({COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) \
                         ON CONFLICT (member_id) DO UPDATE SET domain = EXCLUDED.domain, \
                         access_token = EXCLUDED.access_token, refresh_token = EXCLUDED.refresh_token, \
                         client_endpoint = EXCLUDED.client_endpoint, server_endpoint = EXCLUDED.server_endpoint, \
                         expires = EXCLUDED.expires, application_token = EXCLUDED.application_token, \
                         scope = EXCLUDED.scope, status = EXCLUDED.status, \
                         version = bitrix24_portals.version + 1"
                    ),
                    &[
                        &p.member_id,
                        &p.domain,
                        &p.tokens.access_token.expose(),
                        &p.tokens.refresh_token.expose(),
                        &p.tokens.client_endpoint,
                        &p.tokens.server_endpoint,
                        &p.tokens.expires,
                        &p.application_token.as_ref().map(Secret::expose),
                        &p.scope,
                        &p.status,
                    ],
                )
                .await?;
            Ok(())
        })
    }

    fn remove<'a>(&'a self, member_id: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let n = self
                .client
                .execute(
                    "DELETE FROM bitrix24_portals WHERE member_id = $1",
                    &[&member_id],
                )
                .await?;
            Ok(n > 0)
        })
    }

    fn token_store(&self, portal: &Portal) -> PortalTokens {
        PortalTokens::new(PgPortalTokens {
            store: self.clone(),
            member_id: portal.member_id.clone(),
            loaded: std::sync::Mutex::new(Some(portal.tokens.clone())),
        })
    }
}

struct PgPortalTokens {
    store: PgStore,
    member_id: String,
    loaded: std::sync::Mutex<Option<Tokens>>,
}

async fn save<C: GenericClient>(c: &C, member_id: &str, t: &Tokens) -> Result<(), StoreError> {
    let n = c
        .execute(
            UPDATE_TOKENS,
            &[
                &member_id,
                &t.access_token.expose(),
                &t.refresh_token.expose(),
                &t.client_endpoint,
                &t.server_endpoint,
                &t.expires,
            ],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound(member_id.to_owned()));
    }
    Ok(())
}

impl TokenStore for PgPortalTokens {
    fn load(&self) -> Result<Option<Tokens>, TokenStoreError> {
        if let Some(t) = self.loaded.lock().unwrap_or_else(|e| e.into_inner()).take() {
            return Ok(Some(t));
        }
        // The connection runs on its own thread: waiting here cannot
        // starve it.
        let p = futures::executor::block_on(self.store.get(&self.member_id))?;
        Ok(p.map(|p| p.tokens))
    }

    fn save(&self, tokens: &Tokens) -> Result<(), TokenStoreError> {
        futures::executor::block_on(save(&*self.store.client, &self.member_id, tokens))?;
        Ok(())
    }

    fn shared_refresh(&self) -> Option<&dyn SharedRefresh> {
        Some(self)
    }
}

fn store_error(e: impl Into<StoreError>) -> Error {
    Error::TokenStore(TokenStoreError::new(e.into()))
}

impl SharedRefresh for PgPortalTokens {
    fn refresh<'a>(&'a self, stale: &'a Tokens, exchange: Exchange<'a>) -> SharedRefreshFuture<'a> {
        Box::pin(async move {
            // A connection of its own: the transaction and its row lock
            // end with it, whatever happens to this future.
            let mut c = connect(&self.store.url).await.map_err(store_error)?;
            let tx = c.transaction().await.map_err(store_error)?;
            let row = tx
                .query_opt(
                    &format!(
                        "SELECT {COLUMNS} FROM bitrix24_portals WHERE member_id = $1 FOR UPDATE"
                    ),
                    &[&self.member_id],
                )
                .await
                .map_err(store_error)?
                .ok_or_else(|| store_error(StoreError::NotFound(self.member_id.clone())))?;
            let stored = row_portal(&row).map_err(store_error)?.tokens;
            if stored.access_token != stale.access_token {
                let _ = tx.commit().await;
                return Ok(SharedRefreshed::Stored(stored));
            }
            // An error drops `tx`, which rolls back and releases the lock.
            let tokens = exchange(stored).await?;
            let saved = async {
                save(&tx, &self.member_id, &tokens).await?;
                tx.commit().await?;
                Ok::<_, StoreError>(())
            }
            .await
            .map_err(TokenStoreError::new);
            Ok(SharedRefreshed::Exchanged { tokens, saved })
        })
    }
}
