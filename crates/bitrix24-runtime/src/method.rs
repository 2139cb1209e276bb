//! The traits every generated method implements: [`Method`], [`Paged`] and
//! [`ErrorCode`].

/// REST API generation of a method.
///
/// Decides the URL a call goes to: REST 2 methods live at
/// `<base>/<name>.json`, REST 3.0 methods at `<portal>/rest/api/.../<name>.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiVersion {
    /// The classic REST API (`/rest/...`).
    V2,
    /// REST 3.0 (`/rest/api/...`): unified errors, `Idempotency-Key` support.
    V3,
}

/// One REST method: its parameters are `Self`, serialized as the JSON body.
///
/// Generated code implements this for every documented method; the client,
/// [`Batch`](crate::Batch) and paging all work through it.
///
/// ```
/// use bitrix24_runtime::{ApiVersion, Method};
///
/// #[derive(serde::Serialize)]
/// struct UserCurrent {}
///
/// impl Method for UserCurrent {
///     const NAME: &'static str = "user.current";
///     const VERSION: ApiVersion = ApiVersion::V2;
///     const IDEMPOTENT: bool = true;
///     type Output = serde_json::Value;
///     type ErrorCode = String;
/// }
/// ```
pub trait Method: serde::Serialize + Send + Sync {
    /// Wire name, e.g. `"landing.role.setRights"`.
    const NAME: &'static str;
    /// Which REST generation serves the method.
    const VERSION: ApiVersion;
    /// `true` for read-only methods: safe to repeat after a network error.
    const IDEMPOTENT: bool;
    /// The decoded `result` of the envelope.
    type Output: serde::de::DeserializeOwned + Send + 'static;
    /// The method's documented error codes.
    type ErrorCode: ErrorCode;
}

/// A documented error-code enum.
///
/// Generated implementations are `#[non_exhaustive]` enums with an
/// `Unknown(String)` variant, so parsing never fails.
pub trait ErrorCode: Sized + Send + Sync + std::fmt::Debug + Clone + 'static {
    /// Infallible parse of a wire code such as `"ACCESS_DENIED"`.
    fn from_code(code: &str) -> Self;
    /// The wire code.
    fn as_str(&self) -> &str;
}

/// Untyped codes, for hand-written calls.
impl ErrorCode for String {
    fn from_code(code: &str) -> Self {
        code.to_owned()
    }

    fn as_str(&self) -> &str {
        self
    }
}

/// A list method whose result pages through `start`/`next`.
pub trait Paged: Method {
    /// One element of the list.
    type Item: serde::de::DeserializeOwned + Send + 'static;
    /// The items of one page, taken out of the decoded `result`.
    fn into_items(output: Self::Output) -> Vec<Self::Item>;
}

/// A borrowed method is the same method, so `client.call(&m)` works too.
impl<M: Method + ?Sized> Method for &M {
    const NAME: &'static str = M::NAME;
    const VERSION: ApiVersion = M::VERSION;
    const IDEMPOTENT: bool = M::IDEMPOTENT;
    type Output = M::Output;
    type ErrorCode = M::ErrorCode;
}

impl<M: Paged + ?Sized> Paged for &M {
    type Item = M::Item;
    fn into_items(output: Self::Output) -> Vec<Self::Item> {
        M::into_items(output)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_error_code_round_trips() {
        let code = <String as ErrorCode>::from_code("ACCESS_DENIED");
        assert_eq!(code.as_str(), "ACCESS_DENIED");
    }
}
