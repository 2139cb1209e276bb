//! The one error type of the runtime.

use std::sync::Arc;
use std::time::Duration;

use crate::{ErrorCode, Method};

/// Error codes the runtime itself reacts to.
pub mod codes {
    /// Request rate exceeded (HTTP 503): retried with backoff.
    pub const QUERY_LIMIT_EXCEEDED: &str = "QUERY_LIMIT_EXCEEDED";
    /// Manual block (HTTP 503): never retried.
    pub const OVERLOAD_LIMIT: &str = "OVERLOAD_LIMIT";
    /// A method's operating-time budget is spent (HTTP 429).
    pub const OPERATION_TIME_LIMIT: &str = "OPERATION_TIME_LIMIT";
    /// The OAuth access token expired (HTTP 401): refreshed once.
    pub const EXPIRED_TOKEN: &str = "expired_token";
}

/// A `Result` with the runtime's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in a call.
///
/// `Clone`, so one failed batch request can be reported to each of its calls.
/// No variant carries a webhook code, token or client secret.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Bitrix24 (or the OAuth server) answered with an error envelope.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The request could not be sent or its response not read.
    #[error("{method}: transport error: {source}")]
    Transport {
        /// Wire name of the method.
        method: String,
        /// The underlying error, with its URL removed.
        #[source]
        source: Arc<reqwest::Error>,
    },
    /// No response within the configured timeout.
    #[error("{method}: no response within {after:?}")]
    Timeout {
        /// Wire name of the method.
        method: String,
        /// The timeout that elapsed.
        after: Duration,
    },
    /// The body is not a Bitrix24 envelope (HTML from a proxy, truncated JSON, ...).
    #[error("{method}: HTTP {status}: the response is not a Bitrix24 envelope: {snippet:?}")]
    NotEnvelope {
        /// Wire name of the method.
        method: String,
        /// HTTP status of the response.
        status: u16,
        /// The start of the body, at most [`SNIPPET_LEN`] bytes, secrets masked.
        snippet: String,
    },
    /// The envelope is fine but `result` does not fit the method's types.
    #[error("{method}: cannot decode `{path}`: {message}")]
    Decode {
        /// Wire name of the method.
        method: String,
        /// Path of the offending field, e.g. `result.items[3].ID`.
        path: String,
        /// What serde said.
        message: String,
    },
    /// The parameters could not be encoded (JSON body or batch query string).
    #[error("{method}: cannot encode the parameters: {message}")]
    Encode {
        /// Wire name of the method.
        method: String,
        /// What went wrong.
        message: String,
    },
    /// A batch command was not executed (`halt` stopped the batch, or the
    /// server left it out).
    #[error("{method}: batch command `{key}` was not executed")]
    NotExecuted {
        /// Wire name of the method.
        method: String,
        /// The command's key.
        key: String,
    },
    /// The client or a batch was set up wrongly.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The [`TokenStore`](crate::TokenStore) failed.
    #[error("token store: {0}")]
    TokenStore(String),
}

/// How many bytes of a non-envelope body [`Error::NotEnvelope`] keeps.
pub const SNIPPET_LEN: usize = 256;

/// An error reported by Bitrix24: REST 2 `{"error", "error_description"}` or
/// REST 3.0 `{"error": {"code", "message", "validation"}}`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{method}: {code} (HTTP {status}): {description}")]
pub struct ApiError {
    /// Wire name of the method (or `"oauth"` for the token server).
    pub method: String,
    /// The error code, e.g. `ACCESS_DENIED`.
    pub code: String,
    /// The human-readable description (`error_description` / `message`).
    pub description: String,
    /// HTTP status of the response.
    pub status: u16,
    /// REST 3.0 `validation` details, empty otherwise.
    pub validation: Vec<serde_json::Value>,
}

impl ApiError {
    /// The code parsed as a method's documented error codes.
    pub fn code_as<C: ErrorCode>(&self) -> C {
        C::from_code(&self.code)
    }

    /// The code parsed as `M`'s documented error codes.
    pub fn code_of<M: Method>(&self) -> M::ErrorCode {
        self.code_as()
    }

    /// `true` if the code is `code` (Bitrix24 codes are compared exactly).
    pub fn is(&self, code: &str) -> bool {
        self.code == code
    }
}

impl Error {
    /// The API error, if this is one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The API error code parsed as `M`'s documented codes, if this is an API error.
    pub fn code_of<M: Method>(&self) -> Option<M::ErrorCode> {
        self.api().map(ApiError::code_of::<M>)
    }

    pub(crate) fn transport(method: &str, e: reqwest::Error, timeout: Duration) -> Error {
        if e.is_timeout() {
            return Error::Timeout {
                method: method.to_owned(),
                after: timeout,
            };
        }
        Error::Transport {
            method: method.to_owned(),
            source: Arc::new(e.without_url()),
        }
    }
}

/// The first [`SNIPPET_LEN`] bytes of `body` as text, cut on a char boundary,
/// with every non-empty `secret` replaced by `***`.
pub(crate) fn snippet(body: &[u8], secrets: &[&str]) -> String {
    let mut end = body.len().min(SNIPPET_LEN);
    let text = loop {
        match std::str::from_utf8(&body[..end]) {
            Ok(t) => break t.to_owned(),
            Err(e) if e.valid_up_to() > 0 && e.error_len().is_none() => end = e.valid_up_to(),
            Err(_) => break String::from_utf8_lossy(&body[..end]).into_owned(),
        }
    };
    mask(text, secrets)
}

pub(crate) fn mask(mut text: String, secrets: &[&str]) -> String {
    for s in secrets.iter().filter(|s| !s.is_empty()) {
        if text.contains(s) {
            text = text.replace(s, "***");
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_is_bounded_and_masked() {
        let body = format!("<html>secret-code {}</html>", "é".repeat(400));
        let s = snippet(body.as_bytes(), &["secret-code"]);
        assert!(s.len() <= SNIPPET_LEN);
        assert!(s.starts_with("<html>*** "));
        assert!(!s.contains('\u{fffd}'));
        assert_eq!(snippet(&[0xff, 0xfe], &[]), "\u{fffd}\u{fffd}");
    }

    #[test]
    fn api_error_code_views() {
        let e = ApiError {
            method: "m".into(),
            code: "ACCESS_DENIED".into(),
            description: "no".into(),
            status: 403,
            validation: vec![],
        };
        assert_eq!(e.code_as::<String>(), "ACCESS_DENIED");
        assert!(e.is("ACCESS_DENIED"));
        assert_eq!(e.to_string(), "m: ACCESS_DENIED (HTTP 403): no");
    }
}
