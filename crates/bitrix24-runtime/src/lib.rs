//! Runtime for the typed Bitrix24 REST SDK: the client, auth, limits,
//! batch, paging and lenient decoding. It knows no individual method:
//! generated method types implement [`Method`] (and [`Paged`] for lists),
//! and their result types decode with the helpers in [`lenient`].
//!
//! ```no_run
//! # async fn run() -> bitrix24_runtime::Result<()> {
//! use bitrix24_runtime::{lenient, ApiVersion, Batch, Client, Method};
//!
//! /// `user.current`, as the generator would write it.
//! #[derive(serde::Serialize)]
//! struct UserCurrent {}
//!
//! #[derive(serde::Deserialize)]
//! struct User {
//!     #[serde(rename = "ID", deserialize_with = "lenient::int")]
//!     id: i64,
//! }
//!
//! impl Method for UserCurrent {
//!     const NAME: &'static str = "user.current";
//!     const VERSION: ApiVersion = ApiVersion::V2;
//!     const IDEMPOTENT: bool = true;
//!     type Output = User;
//!     type ErrorCode = String;
//! }
//!
//! let b24 = Client::webhook("https://example.bitrix24.com/rest/1/abc123/")?;
//! let me = b24.call(UserCurrent {}).await?;
//!
//! let mut batch = Batch::new();
//! let again = batch.push(UserCurrent {})?;
//! let results = b24.batch(batch).await;
//! assert_eq!(results.get(&again)?.id, me.id);
//! # Ok(()) }
//! ```

mod auth;
mod batch;
mod client;
mod datetime;
mod decimal;
pub mod envelope;
mod error;
mod event;
mod int_or_string;
pub mod lenient;
mod limits;
mod mask;
mod method;
mod paging;
pub mod retry;

pub use auth::{
    Exchange, MemoryTokenStore, OAuthApp, Secret, SharedRefresh, SharedRefreshFuture,
    SharedRefreshed, TokenStore, Tokens, DEFAULT_TOKEN_URL,
};
pub use batch::{Batch, BatchResults, Handle, MAX_COMMANDS};
pub use client::{
    Client, ClientBuilder, DEFAULT_DEADLINE, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT,
    DEFAULT_USER_AGENT,
};
pub use datetime::{DateTime, When};
pub use decimal::{Decimal, ParseDecimalError};
pub use envelope::{Meta, Time};
pub use error::{codes, ApiError, Error, Result, TokenStoreError, SNIPPET_LEN};
pub use event::{EventData, EventDataError, EventPayload};
pub use int_or_string::IntOrString;
pub use limits::RateLimit;
pub use method::{ApiVersion, ErrorCode, Method, Paged};
pub use paging::{ItemStream, MAX_OFFSET, PAGE_SIZE};
/// The date-time crate [`DateTime`] values are made of.
pub use time;
