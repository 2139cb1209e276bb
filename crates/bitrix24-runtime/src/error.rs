//! The one error type of the runtime.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::mask::Secrets;
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
    /// The call's total deadline passed (all attempts, waits and retries).
    #[error("{method}: no result within the call's deadline of {after:?} ({attempts} attempt(s))")]
    Deadline {
        /// Wire name of the method.
        method: String,
        /// The deadline that passed.
        after: Duration,
        /// Requests sent for the call.
        attempts: u32,
    },
    /// The server answered with a redirect. Redirects are never followed:
    /// a redirected POST may become a GET that drops the call, and the
    /// credentials in the URL or body must not go to another host.
    #[error("{method}: HTTP {status} redirect to {} not followed", .location.as_deref().unwrap_or("an unnamed location"))]
    Redirect {
        /// Wire name of the method.
        method: String,
        /// HTTP status of the response (301, 302, 303, 307, 308, ...).
        status: u16,
        /// The target's scheme, host and port, without path or query;
        /// `None` when the response named no (readable) location.
        location: Option<String>,
    },
    /// The response body is larger than the configured cap.
    #[error("{method}: the response is larger than the {limit}-byte cap")]
    TooLarge {
        /// Wire name of the method.
        method: String,
        /// The cap in bytes.
        limit: u64,
    },
    /// A paged walk cannot make progress (the server ignores the ID filter,
    /// repeats an offset, or reports an impossible total).
    #[error("{method}: paging stopped: {message}")]
    Paging {
        /// Wire name of the method.
        method: String,
        /// What the server did.
        message: String,
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
    TokenStore(#[source] TokenStoreError),
}

/// A [`TokenStore`](crate::TokenStore) failure: any error, kept as the
/// source of [`Error::TokenStore`].
#[derive(Debug, Clone)]
pub struct TokenStoreError(Arc<dyn std::error::Error + Send + Sync>);

impl TokenStoreError {
    /// Wraps the store's own error.
    pub fn new(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        TokenStoreError(Arc::new(e))
    }

    /// An error that is only a message.
    pub fn msg(message: impl Into<String>) -> Self {
        TokenStoreError(Arc::new(Message(message.into())))
    }
}

impl fmt::Display for TokenStoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for TokenStoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl From<String> for TokenStoreError {
    fn from(s: String) -> Self {
        TokenStoreError::msg(s)
    }
}

impl From<&str> for TokenStoreError {
    fn from(s: &str) -> Self {
        TokenStoreError::msg(s)
    }
}

impl From<std::io::Error> for TokenStoreError {
    fn from(e: std::io::Error) -> Self {
        TokenStoreError::new(e)
    }
}

#[derive(Debug)]
struct Message(String);

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Message {}

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

/// The first [`SNIPPET_LEN`] bytes of `body` as text, cut on a char
/// boundary, with every secret masked first: the text is masked over the
/// snippet plus the longest secret, so a secret straddling the cut is
/// masked whole before anything is cut.
pub(crate) fn snippet(body: &[u8], secrets: &Secrets) -> String {
    let window = &body[..body.len().min(SNIPPET_LEN + secrets.longest())];
    let text = secrets.mask(&String::from_utf8_lossy(window)).into_owned();
    let mut end = text.len().min(SNIPPET_LEN);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

impl Error {
    /// This error with every secret in `secrets` masked in every string it
    /// carries (server-echoed descriptions, codes, validation details,
    /// snippets, decode messages and paths). The one place errors are masked.
    pub(crate) fn masked(self, secrets: &Secrets) -> Error {
        let m = |s: String| secrets.mask_owned(s);
        match self {
            Error::Api(mut e) => {
                e.method = m(e.method);
                e.code = m(e.code);
                e.description = m(e.description);
                for v in &mut e.validation {
                    secrets.mask_value(v);
                }
                Error::Api(e)
            }
            Error::NotEnvelope {
                method,
                status,
                snippet,
            } => Error::NotEnvelope {
                method: m(method),
                status,
                snippet: m(snippet),
            },
            Error::Decode {
                method,
                path,
                message,
            } => Error::Decode {
                method: m(method),
                path: m(path),
                message: m(message),
            },
            Error::Encode { method, message } => Error::Encode {
                method: m(method),
                message: m(message),
            },
            Error::Paging { method, message } => Error::Paging {
                method: m(method),
                message: m(message),
            },
            Error::Redirect {
                method,
                status,
                location,
            } => Error::Redirect {
                method: m(method),
                status,
                location: location.map(m),
            },
            Error::NotExecuted { method, key } => Error::NotExecuted {
                method: m(method),
                key: m(key),
            },
            Error::Config(s) => Error::Config(m(s)),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_is_bounded_and_masked() {
        let secrets = Secrets::from_iter(["secret-code"]);
        let body = format!("<html>secret-code {}</html>", "é".repeat(400));
        let s = snippet(body.as_bytes(), &secrets);
        assert!(s.len() <= SNIPPET_LEN);
        assert!(s.starts_with("<html>*** "));
        assert!(!s.contains('\u{fffd}'));
        assert_eq!(
            snippet(&[0xff, 0xfe], &Secrets::default()),
            "\u{fffd}\u{fffd}"
        );
    }

    /// A secret across the cut is masked before the cut, at every offset.
    #[test]
    fn secrets_straddling_the_cut_never_leak_a_prefix() {
        let secret = "whk-SECRET-9f8e7d";
        let secrets = Secrets::from_iter([secret]);
        for at in SNIPPET_LEN - secret.len()..=SNIPPET_LEN {
            let body = format!("{}{secret} tail", "x".repeat(at));
            let s = snippet(body.as_bytes(), &secrets);
            assert!(s.len() <= SNIPPET_LEN);
            for n in 3..=secret.len() {
                assert!(!s.contains(&secret[..n]), "at {at}: {s}");
            }
        }
    }

    #[test]
    fn masked_errors_carry_no_secret() {
        let secrets = Secrets::from_iter(["tok-123456"]);
        let e = Error::Api(ApiError {
            method: "m".into(),
            code: "X tok-123456".into(),
            description: "echo: auth=tok-123456".into(),
            status: 400,
            validation: vec![serde_json::json!({"tok-123456": ["tok-123456"]})],
        })
        .masked(&secrets);
        assert!(!format!("{e} {e:?}").contains("tok-123456"), "{e:?}");
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
