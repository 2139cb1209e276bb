//! Runtime for the typed Bitrix24 REST SDK.
//!
//! Generated method types implement [`Method`] (and [`Paged`] for lists);
//! [`lenient`] holds the serde helpers their result types decode with.

mod auth;
mod batch;
mod client;
pub mod envelope;
mod error;
pub mod lenient;
mod limits;
mod method;
mod paging;

pub use auth::{MemoryTokenStore, OAuthApp, Secret, TokenStore, Tokens, DEFAULT_TOKEN_URL};
pub use batch::{Batch, BatchResults, Handle, MAX_COMMANDS};
pub use client::{Client, ClientBuilder, DEFAULT_USER_AGENT};
pub use envelope::{Meta, Time};
pub use error::{codes, ApiError, Error, Result, SNIPPET_LEN};
pub use limits::RateLimit;
pub use method::{ApiVersion, ErrorCode, Method, Paged};
pub use paging::{ItemStream, PAGE_SIZE};
