//! The response envelope: `result`, `time`, `total`, `next`, or an error.

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::error::{snippet, ApiError, Error};
use crate::lenient;
use crate::mask::Secrets;

/// The `time` block of a response. Every field is optional: self-hosted
/// portals omit `operating*`, and odd shapes are tolerated rather than fatal.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct Time {
    /// Unix time the server started the request.
    #[serde(default, deserialize_with = "lenient::opt_float")]
    pub start: Option<f64>,
    /// Unix time the server finished the request.
    #[serde(default, deserialize_with = "lenient::opt_float")]
    pub finish: Option<f64>,
    /// Seconds the request took.
    #[serde(default, deserialize_with = "lenient::opt_float")]
    pub duration: Option<f64>,
    /// Seconds spent in the method itself.
    #[serde(default, deserialize_with = "lenient::opt_float")]
    pub processing: Option<f64>,
    /// `start` as an ISO 8601 string.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub date_start: Option<String>,
    /// `finish` as an ISO 8601 string.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub date_finish: Option<String>,
    /// Seconds of the method's operating-time budget used in the window.
    #[serde(default, deserialize_with = "lenient::opt_float")]
    pub operating: Option<f64>,
    /// Unix time when the oldest minute of that budget is released.
    #[serde(default, deserialize_with = "lenient::opt_int")]
    pub operating_reset_at: Option<i64>,
}

/// Everything in a successful envelope besides `result`.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Meta {
    /// The `time` block, if present and readable.
    pub time: Option<Time>,
    /// `total` of a list method (absent when `start = -1`).
    pub total: Option<u64>,
    /// `next`: the `start` of the next page, absent on the last page.
    pub next: Option<u64>,
    /// HTTP status of the response.
    pub status: u16,
}

#[derive(Deserialize)]
struct RawEnvelope<'a> {
    #[serde(default, borrow, deserialize_with = "present")]
    result: Option<&'a RawValue>,
    #[serde(default)]
    error: Option<serde_json::Value>,
    #[serde(default)]
    error_description: Option<serde_json::Value>,
    #[serde(default, borrow)]
    time: Option<&'a RawValue>,
    #[serde(default, borrow)]
    total: Option<&'a RawValue>,
    #[serde(default, borrow)]
    next: Option<&'a RawValue>,
}

/// Keeps a present `null` as `Some(null)`, so `"result": null` is a result.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(d).map(Some)
}

/// A successful envelope: the raw `result` and its [`Meta`].
pub(crate) struct Success<'a> {
    pub result: &'a RawValue,
    pub meta: Meta,
}

/// Splits a response into `result` + [`Meta`], or the error it carries.
/// `secrets` are masked out of any snippet of the body.
pub(crate) fn parse<'a>(
    method: &str,
    status: u16,
    body: &'a [u8],
    secrets: &Secrets,
) -> Result<Success<'a>, Error> {
    let not_envelope = || Error::NotEnvelope {
        method: method.to_owned(),
        status,
        snippet: snippet(body, secrets),
    };
    // Only an object is an envelope (serde would also take a list for a struct).
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(not_envelope());
    }
    let raw: RawEnvelope<'a> = serde_json::from_slice(body).map_err(|_| not_envelope())?;
    if let Some(error) = raw.error.filter(|e| !e.is_null()) {
        return Err(api_error(method, status, error, raw.error_description).into());
    }
    let result = raw.result.ok_or_else(not_envelope)?;
    if !(200..300).contains(&status) {
        return Err(not_envelope());
    }
    let meta = Meta {
        time: raw.time.and_then(|t| serde_json::from_str(t.get()).ok()),
        total: raw.total.and_then(loose_u64),
        next: raw.next.and_then(loose_u64),
        status,
    };
    Ok(Success { result, meta })
}

/// The `time` block of an error response (a 429 `OPERATION_TIME_LIMIT`
/// may carry `operating_reset_at`), if there is a readable one.
pub(crate) fn error_time(body: &[u8]) -> Option<Time> {
    #[derive(Deserialize)]
    struct WithTime<'a> {
        #[serde(default, borrow)]
        time: Option<&'a RawValue>,
    }
    let raw: WithTime<'_> = serde_json::from_slice(body).ok()?;
    serde_json::from_str(raw.time?.get()).ok()
}

fn loose_u64(v: &RawValue) -> Option<u64> {
    let mut de = serde_json::Deserializer::from_str(v.get());
    lenient::opt_int(&mut de)
        .ok()
        .flatten()
        .and_then(|n| u64::try_from(n).ok())
}

fn text(v: serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s,
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Builds an [`ApiError`] from REST 2 (`error` a string) or REST 3.0
/// (`error` an object with `code`, `message`, `validation`).
pub(crate) fn api_error(
    method: &str,
    status: u16,
    error: serde_json::Value,
    description: Option<serde_json::Value>,
) -> ApiError {
    let (code, description, validation) = match error {
        serde_json::Value::Object(mut o) => {
            let code = o.remove("code").map(text).unwrap_or_default();
            let message = o
                .remove("message")
                .or(description)
                .map(text)
                .unwrap_or_default();
            let validation = match o.remove("validation") {
                Some(serde_json::Value::Array(v)) => v,
                Some(serde_json::Value::Null) | None => Vec::new(),
                Some(other) => vec![other],
            };
            (code, message, validation)
        }
        other => (
            text(other),
            description.map(text).unwrap_or_default(),
            Vec::new(),
        ),
    };
    ApiError {
        method: method.to_owned(),
        code,
        description,
        status,
        validation,
    }
}

/// Decodes a raw `result` as `T`, naming the field path on failure.
pub(crate) fn decode_result<T: serde::de::DeserializeOwned>(
    method: &str,
    raw: &str,
) -> Result<T, Error> {
    let mut de = serde_json::Deserializer::from_str(raw);
    serde_path_to_error::deserialize(&mut de).map_err(|e| decode_error(method, e))
}

/// Decodes an already parsed `result` value as `T`, naming the field path on failure.
pub(crate) fn decode_value<T: serde::de::DeserializeOwned>(
    method: &str,
    value: &serde_json::Value,
) -> Result<T, Error> {
    serde_path_to_error::deserialize(value).map_err(|e| decode_error(method, e))
}

fn decode_error<E: std::fmt::Display>(method: &str, e: serde_path_to_error::Error<E>) -> Error {
    let path = e.path().to_string();
    let path = match path.as_str() {
        "." | "" => "result".to_owned(),
        p if p.starts_with('[') => format!("result{p}"),
        p => format!("result.{p}"),
    };
    Error::Decode {
        method: method.to_owned(),
        path,
        message: e.inner().to_string(),
    }
}

/// Decodes one HTTP response of `method` as `T` plus its [`Meta`].
///
/// This is what the client does with every response; it is public for
/// callers with their own transport. It never panics, whatever the bytes.
///
/// ```
/// use bitrix24_runtime::envelope::decode;
///
/// let (n, meta) = decode::<u32>("crm.deal.add", 200, br#"{"result": 7, "time": {"operating": 0.5}}"#).unwrap();
/// assert_eq!(n, 7);
/// assert_eq!(meta.time.unwrap().operating, Some(0.5));
///
/// let err = decode::<u32>("crm.deal.add", 503, br#"{"error": "QUERY_LIMIT_EXCEEDED", "error_description": "Too many requests"}"#).unwrap_err();
/// assert_eq!(err.api().unwrap().code, "QUERY_LIMIT_EXCEEDED");
/// ```
pub fn decode<T: serde::de::DeserializeOwned>(
    method: &str,
    status: u16,
    body: &[u8],
) -> Result<(T, Meta), Error> {
    let ok = parse(method, status, body, &Secrets::default())?;
    Ok((decode_result(method, ok.result.get())?, ok.meta))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_with_list_meta() {
        let body = br#"{"result":[1,2],"total":"120","next":50,"time":{"start":1.5,"operating_reset_at":1778747792,"operating":3.3}}"#;
        let (v, m) = decode::<Vec<i32>>("x.list", 200, body).unwrap();
        assert_eq!(v, [1, 2]);
        assert_eq!((m.total, m.next), (Some(120), Some(50)));
        let t = m.time.unwrap();
        assert_eq!(
            (t.operating, t.operating_reset_at),
            (Some(3.3), Some(1778747792))
        );
    }

    #[test]
    fn error_bodies_may_carry_time() {
        let body = br#"{"error":"OPERATION_TIME_LIMIT","error_description":"x","time":{"operating_reset_at":"1778747792"}}"#;
        assert_eq!(
            error_time(body).and_then(|t| t.operating_reset_at),
            Some(1778747792)
        );
        assert_eq!(error_time(b"<html>"), None);
        assert_eq!(error_time(br#"{"error":"X"}"#), None);
    }

    #[test]
    fn null_result_is_a_result_and_bad_time_is_ignored() {
        let (v, m) = decode::<Option<i32>>("m", 200, br#"{"result":null,"time":"odd"}"#).unwrap();
        assert_eq!(v, None);
        assert!(m.time.is_none());
    }

    #[test]
    fn v2_and_v3_errors() {
        let e = decode::<i32>("m", 401, br#"{"error":"expired_token","error_description":"The access token provided has expired."}"#).unwrap_err();
        let e = e.api().unwrap();
        assert_eq!((e.code.as_str(), e.status), ("expired_token", 401));
        let body = br#"{"error":{"code":"BITRIX_REST_V3_EXCEPTION_VALIDATION_REQUESTVALIDATIONEXCEPTION","message":"bad","validation":[{"field":"id","message":"required"}]}}"#;
        let e = decode::<i32>("m", 400, body).unwrap_err();
        let e = e.api().unwrap();
        assert_eq!(e.description, "bad");
        assert_eq!(e.validation.len(), 1);
    }

    #[test]
    fn non_envelopes() {
        for (status, body) in [
            (502, &b"<html>Bad gateway</html>"[..]),
            (200, br#"{"result": [1, 2"#),
            (200, br#"{"other": 1}"#),
            (500, br#"{"result": 1}"#),
            (200, b"[1,2]"),
        ] {
            match decode::<serde_json::Value>("m", status, body) {
                Err(Error::NotEnvelope { status: s, .. }) => assert_eq!(s, status),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn decode_error_names_path() {
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct Item {
            #[serde(rename = "ID", deserialize_with = "lenient::int")]
            id: i64,
        }
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct Out {
            items: Vec<Item>,
        }
        let e = decode::<Out>(
            "crm.item.list",
            200,
            br#"{"result":{"items":[{"ID":"1"},{"ID":"x"}]}}"#,
        )
        .unwrap_err();
        match e {
            Error::Decode { method, path, .. } => {
                assert_eq!(
                    (method.as_str(), path.as_str()),
                    ("crm.item.list", "result.items[1].ID")
                )
            }
            other => panic!("{other:?}"),
        }
    }
}
