//! [`SqliteStore`]: portals in an SQLite file, refreshes serialized across
//! processes by SQLite's write lock (`BEGIN IMMEDIATE`).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bitrix24_runtime::{
    Error, Exchange, Secret, SharedRefresh, SharedRefreshFuture, SharedRefreshed, TokenStore,
    TokenStoreError, Tokens,
};
use futures::future::BoxFuture;
use rusqlite::{params, Connection, OptionalExtension};

use crate::store::{Portal, PortalStore, PortalTokens, StoreError};

/// How long a connection waits for another's write lock. A refresh holds
/// it for one request to the authorization server (at most the client's
/// timeout), so this is longer than that.
const BUSY_TIMEOUT: Duration = Duration::from_secs(120);

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS bitrix24_portals (
    member_id         TEXT PRIMARY KEY,
    domain            TEXT NOT NULL,
    access_token      TEXT NOT NULL,
    refresh_token     TEXT NOT NULL,
    client_endpoint   TEXT NOT NULL,
    server_endpoint   TEXT,
    expires           INTEGER,
    application_token TEXT,
    scope             TEXT,
    status            TEXT,
    version           INTEGER NOT NULL DEFAULT 0
);";

const COLUMNS: &str = "member_id, domain, access_token, refresh_token, client_endpoint, \
                       server_endpoint, expires, application_token, scope, status";

/// Portals in an SQLite database file (WAL mode). Several processes may
/// open the same file: a refresh runs inside `BEGIN IMMEDIATE`, which
/// holds the database's write lock across the request to the
/// authorization server, so one process refreshes and the others read its
/// pair (see `docs/DECISIONS.md`).
#[derive(Clone)]
pub struct SqliteStore {
    path: Arc<PathBuf>,
    conn: Arc<Mutex<Connection>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish()
    }
}

fn open(path: &Path) -> Result<Connection, rusqlite::Error> {
    let c = Connection::open(path)?;
    c.busy_timeout(BUSY_TIMEOUT)?;
    // WAL: readers never wait for the writer. Setting it takes a write
    // lock once, so it waits like any writer.
    c.pragma_update(None, "journal_mode", "WAL")?;
    c.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(c)
}

fn row_portal(r: &rusqlite::Row<'_>) -> rusqlite::Result<Portal> {
    let mut tokens = Tokens::new(
        r.get::<_, String>(2)?,
        r.get::<_, String>(3)?,
        r.get::<_, String>(4)?,
    );
    tokens.server_endpoint = r.get(5)?;
    tokens.expires = r.get(6)?;
    let mut p = Portal::new(r.get::<_, String>(0)?, r.get::<_, String>(1)?, tokens);
    p.application_token = r.get::<_, Option<String>>(7)?.map(Secret::new);
    p.scope = r.get(8)?;
    p.status = r.get(9)?;
    Ok(p)
}

fn select(c: &Connection, member_id: &str) -> rusqlite::Result<Option<Portal>> {
    c.query_row(
        &format!("SELECT {COLUMNS} FROM bitrix24_portals WHERE member_id = ?1"),
        [member_id],
        row_portal,
    )
    .optional()
}

fn update_tokens(c: &Connection, member_id: &str, t: &Tokens) -> rusqlite::Result<usize> {
    c.execute(
        "UPDATE bitrix24_portals SET access_token = ?2, refresh_token = ?3, client_endpoint = ?4, \
         server_endpoint = ?5, expires = ?6, version = version + 1 WHERE member_id = ?1",
        params![
            member_id,
            t.access_token.expose(),
            t.refresh_token.expose(),
            t.client_endpoint,
            t.server_endpoint,
            t.expires
        ],
    )
}

impl SqliteStore {
    /// Opens (or creates) the database at `path` and its table.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        let path = path.as_ref().to_path_buf();
        let c = open(&path)?;
        c.execute_batch(SCHEMA)?;
        Ok(SqliteStore {
            path: Arc::new(path),
            conn: Arc::new(Mutex::new(c)),
        })
    }

    /// Runs `f` on the shared connection in a blocking thread.
    async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let c = conn.lock().unwrap_or_else(|e| e.into_inner());
            f(&c)
        })
        .await
        .map_err(|e| StoreError::Other(format!("sqlite worker failed: {e}")))?
        .map_err(StoreError::from)
    }

    /// Every stored `member_id`.
    pub async fn member_ids(&self) -> Result<Vec<String>, StoreError> {
        self.with(|c| {
            let mut st = c.prepare("SELECT member_id FROM bitrix24_portals ORDER BY member_id")?;
            let ids = st.query_map([], |r| r.get(0))?.collect();
            ids
        })
        .await
    }
}

impl PortalStore for SqliteStore {
    fn get<'a>(&'a self, member_id: &'a str) -> BoxFuture<'a, Result<Option<Portal>, StoreError>> {
        let id = member_id.to_owned();
        Box::pin(self.with(move |c| select(c, &id)))
    }

    fn put<'a>(&'a self, portal: &'a Portal) -> BoxFuture<'a, Result<(), StoreError>> {
        let p = portal.clone();
        Box::pin(self.with(move |c| {
            c.execute(
                &format!(
                    "INSERT INTO bitrix24_portals ({COLUMNS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10) \
                     ON CONFLICT(member_id) DO UPDATE SET domain = excluded.domain, \
                     access_token = excluded.access_token, refresh_token = excluded.refresh_token, \
                     client_endpoint = excluded.client_endpoint, server_endpoint = excluded.server_endpoint, \
                     expires = excluded.expires, application_token = excluded.application_token, \
                     scope = excluded.scope, status = excluded.status, version = version + 1"
                ),
                params![
                    p.member_id,
                    p.domain,
                    p.tokens.access_token.expose(),
                    p.tokens.refresh_token.expose(),
                    p.tokens.client_endpoint,
                    p.tokens.server_endpoint,
                    p.tokens.expires,
                    p.application_token.as_ref().map(Secret::expose),
                    p.scope,
                    p.status
                ],
            )
            .map(drop)
        }))
    }

    fn remove<'a>(&'a self, member_id: &'a str) -> BoxFuture<'a, Result<bool, StoreError>> {
        let id = member_id.to_owned();
        Box::pin(self.with(move |c| {
            c.execute("DELETE FROM bitrix24_portals WHERE member_id = ?1", [id])
                .map(|n| n > 0)
        }))
    }

    fn token_store(&self, portal: &Portal) -> PortalTokens {
        PortalTokens::new(SqlitePortalTokens {
            store: self.clone(),
            member_id: portal.member_id.clone(),
            loaded: Mutex::new(Some(portal.tokens.clone())),
        })
    }
}

struct SqlitePortalTokens {
    store: SqliteStore,
    member_id: String,
    /// The pair the pool just read; handed to the client's first `load`.
    loaded: Mutex<Option<Tokens>>,
}

impl TokenStore for SqlitePortalTokens {
    fn load(&self) -> Result<Option<Tokens>, TokenStoreError> {
        if let Some(t) = self.loaded.lock().unwrap_or_else(|e| e.into_inner()).take() {
            return Ok(Some(t));
        }
        let c = self.store.conn.lock().unwrap_or_else(|e| e.into_inner());
        Ok(select(&c, &self.member_id)
            .map_err(StoreError::from)?
            .map(|p| p.tokens))
    }

    fn save(&self, tokens: &Tokens) -> Result<(), TokenStoreError> {
        let c = self.store.conn.lock().unwrap_or_else(|e| e.into_inner());
        match update_tokens(&c, &self.member_id, tokens).map_err(StoreError::from)? {
            0 => Err(StoreError::NotFound(self.member_id.clone()).into()),
            _ => Ok(()),
        }
    }

    fn shared_refresh(&self) -> Option<&dyn SharedRefresh> {
        Some(self)
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Other(format!("sqlite worker failed: {e}")))?
}

fn store_error(e: StoreError) -> Error {
    Error::TokenStore(TokenStoreError::new(e))
}

impl SharedRefresh for SqlitePortalTokens {
    fn refresh<'a>(&'a self, stale: &'a Tokens, exchange: Exchange<'a>) -> SharedRefreshFuture<'a> {
        Box::pin(async move {
            let path = self.store.path.clone();
            let id = self.member_id.clone();
            // A connection of its own, holding the write lock from the
            // read to the write; dropped (rolled back) on any early return.
            let (conn, stored) = blocking(move || {
                let c = open(&path)?;
                c.execute_batch("BEGIN IMMEDIATE")?;
                let p = select(&c, &id)?.ok_or(StoreError::NotFound(id))?;
                Ok((c, p.tokens))
            })
            .await
            .map_err(store_error)?;
            if stored.access_token != stale.access_token {
                let _ = blocking(move || Ok(conn.execute_batch("COMMIT")?)).await;
                return Ok(SharedRefreshed::Stored(stored));
            }
            let tokens = match exchange(stored).await {
                Ok(t) => t,
                Err(e) => {
                    let _ = blocking(move || Ok(conn.execute_batch("ROLLBACK")?)).await;
                    return Err(e);
                }
            };
            let id = self.member_id.clone();
            let t = tokens.clone();
            let saved = blocking(move || {
                if update_tokens(&conn, &id, &t)? == 0 {
                    return Err(StoreError::NotFound(id));
                }
                conn.execute_batch("COMMIT")?;
                Ok(())
            })
            .await
            .map_err(TokenStoreError::new);
            Ok(SharedRefreshed::Exchanged { tokens, saved })
        })
    }
}
