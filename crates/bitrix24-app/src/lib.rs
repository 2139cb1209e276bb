//! Bitrix24 applications on the typed SDK: what a marketplace or local
//! application needs besides calling methods.
//!
//! - [`Event`]: the envelope Bitrix24 posts to an event handler
//!   (`event`, `event_handler_id`, `data`, `ts`, `auth`), decoded from its
//!   PHP-style form encoding or JSON ([`form`]) within [`Limits`]; `data`
//!   is a JSON value until a typed payload implementing [`EventData`]
//!   (the generated `Event` enum) is chosen.
//! - [`App::verify`]: **the check no handler may skip**: the event's
//!   `auth[application_token]` against the one stored for its portal, in
//!   constant time; anything else is a typed [`Rejection`].
//! - Installation: [`App::on_app_install`] (`ONAPPINSTALL`),
//!   [`App::on_install_callback`] (a local application's install URL),
//!   [`App::exchange_code`] (the OAuth authorization code), and
//!   [`App::on_app_uninstall`].
//! - [`OfflineEvents`]: what `event.offline.get` returns, each event's
//!   data decodable into the same payload types.
//! - [`PlacementRequest`] and the [`Placement`] codes.
//! - [`Pool`]: one runtime [`Client`](bitrix24_runtime::Client) per portal,
//!   built on demand from a [`PortalStore`]: [`MemoryStore`],
//!   [`SqliteStore`] (feature `sqlite`, default) or [`PgStore`] (feature
//!   `postgres`). The database stores make refresh-token rotation safe
//!   across processes: one refresh reaches the authorization server, the
//!   other processes read its pair.
//! - Feature `axum`: extractors in [`crate::axum`].
//!
//! ```no_run
//! # async fn run(body: &[u8]) -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use bitrix24_app::{App, SqliteStore};
//! use bitrix24_runtime::OAuthApp;
//!
//! let store = Arc::new(SqliteStore::open("portals.db")?);
//! let app = App::new(OAuthApp::new("app.id", "secret"), store);
//! // In the event handler: decode and verify, or answer 401.
//! let event = app.verify_body(body, Some("application/x-www-form-urlencoded")).await?;
//! let client = app.pool().client(&event.portal().member_id).await?;
//! # let _ = client; Ok(()) }
//! ```

mod app;
mod event;
pub mod form;
mod offline;
mod placement;
mod pool;
mod store;

#[cfg(feature = "axum")]
pub mod axum;
#[cfg(feature = "postgres")]
mod pg;
#[cfg(feature = "sqlite")]
mod sqlite;

pub use app::{App, InstallError, Rejection, Verified};
pub use event::{DecodeError, Event, EventAuth, EventData, EventDataError, EventPayload};
pub use form::{BodyError, Limits};
pub use offline::{OfflineEvent, OfflineEvents};
#[cfg(feature = "postgres")]
pub use pg::PgStore;
pub use placement::{CrmEntity, CrmSlot, Placement, PlacementRequest, RequestError};
pub use pool::{Pool, PoolError};
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;
pub use store::{MemoryStore, Portal, PortalStore, PortalTokens, StoreError};
