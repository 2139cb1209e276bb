//! Runtime for the typed Bitrix24 REST SDK.
//!
//! Generated method types implement [`Method`] (and [`Paged`] for lists);
//! [`lenient`] holds the serde helpers their result types decode with.

pub mod lenient;
mod method;

pub use method::{ApiVersion, ErrorCode, Method, Paged};
