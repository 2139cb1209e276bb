//! The event envelope: what an event handler receives.

use std::fmt;

use bitrix24_runtime::Secret;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::form::{self, BodyError, Format, Limits};

/// An event as Bitrix24 posts it to a handler: `event`, `event_handler_id`,
/// `data`, `ts` and `auth`. `D` is the type of `data`: a JSON value until
/// a typed payload (for example the generated `Event` enum) is chosen with
/// [`Event::typed`].
///
/// An event read from the network is not yet trusted: only
/// [`crate::App::verify`] (or the `axum` extractor `VerifiedEvent`) makes
/// it a [`Verified`](crate::Verified) one.
#[derive(Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Event<D = Value> {
    /// The event's name as sent, upper case (`ONCRMDEALADD`).
    pub event: String,
    /// The ID of the handler binding, when sent.
    #[serde(default, deserialize_with = "bitrix24_runtime::lenient::opt_string")]
    pub event_handler_id: Option<String>,
    /// The payload.
    pub data: D,
    /// Unix time the event left the portal's queue.
    #[serde(default, deserialize_with = "bitrix24_runtime::lenient::opt_int")]
    pub ts: Option<i64>,
    /// Who sent it: the portal, and the tokens that came with it.
    pub auth: EventAuth,
}

impl<D: fmt::Debug> fmt::Debug for Event<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("event", &self.event)
            .field("event_handler_id", &self.event_handler_id)
            .field("ts", &self.ts)
            .field("auth", &self.auth)
            .field("data", &self.data)
            .finish()
    }
}

/// The `auth` block of an event. Tokens are [`Secret`]s: they never print.
#[derive(Clone, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EventAuth {
    /// The portal's unique ID, which does not change with its address.
    #[serde(default)]
    pub member_id: Option<String>,
    /// The portal's address (`some-domain.bitrix24.com`).
    #[serde(default)]
    pub domain: Option<String>,
    /// The token that proves the event comes from the portal: compared
    /// with the one stored at installation.
    #[serde(default)]
    pub application_token: Option<Secret>,
    /// An access token, for events sent with one (`ONAPPINSTALL`).
    #[serde(default)]
    pub access_token: Option<Secret>,
    /// A refresh token, for events sent with one.
    #[serde(default)]
    pub refresh_token: Option<Secret>,
    /// Lifetime of `access_token` in seconds.
    #[serde(default, deserialize_with = "bitrix24_runtime::lenient::opt_int")]
    pub expires_in: Option<i64>,
    /// Unix time `access_token` expires, when sent.
    #[serde(default, deserialize_with = "bitrix24_runtime::lenient::opt_int")]
    pub expires: Option<i64>,
    /// The portal's REST address.
    #[serde(default)]
    pub client_endpoint: Option<String>,
    /// The authorization server's REST address.
    #[serde(default)]
    pub server_endpoint: Option<String>,
    /// Granted scopes.
    #[serde(default)]
    pub scope: Option<String>,
    /// Application status (`L` local, `F` free, `D` demo, `T` trial, `P` paid).
    #[serde(default)]
    pub status: Option<String>,
    /// Keys not listed above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl fmt::Debug for EventAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventAuth")
            .field("member_id", &self.member_id)
            .field("domain", &self.domain)
            .field("application_token", &self.application_token)
            .field("access_token", &self.access_token)
            .field("client_endpoint", &self.client_endpoint)
            .field("status", &self.status)
            .field("extra_keys", &self.extra.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

pub use bitrix24_runtime::{EventData, EventDataError, EventPayload};

/// Why a body is not an event.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The body itself was refused (size, depth, key length, format).
    #[error("event body refused: {0}")]
    Body(#[from] BodyError),
    /// The body has no `event` name.
    #[error("the body has no `event` name")]
    NoEventName,
    /// The envelope's fields have the wrong shape.
    #[error("event {event:?}: {message}")]
    Envelope {
        /// The event name, if one was read.
        event: String,
        /// What serde said.
        message: String,
    },
    /// `data` does not fit the chosen payload type.
    #[error("event {event:?}: `data` does not fit its type: {message}")]
    Data {
        /// The event name.
        event: String,
        /// What went wrong.
        message: String,
    },
}

impl From<EventDataError> for DecodeError {
    fn from(e: EventDataError) -> Self {
        DecodeError::Data {
            event: e.event,
            message: e.message,
        }
    }
}

impl Event<Value> {
    /// Decodes a body Bitrix24 posted to an event handler: a PHP-style
    /// form (what Bitrix24 sends) or JSON, by `content_type`.
    pub fn decode(
        body: &[u8],
        content_type: Option<&str>,
        limits: &Limits,
    ) -> Result<Event<Value>, DecodeError> {
        let format = Format::from_content_type(content_type)?;
        let map = form::decode(body, format, limits)?;
        Self::from_map(map)
    }

    /// The envelope from an already decoded object.
    pub fn from_map(mut map: Map<String, Value>) -> Result<Event<Value>, DecodeError> {
        let event = match map.get("event") {
            Some(Value::String(s)) if !s.is_empty() => s.to_ascii_uppercase(),
            _ => return Err(DecodeError::NoEventName),
        };
        map.insert("event".into(), Value::String(event.clone()));
        map.entry("data").or_insert(Value::Object(Map::new()));
        if !matches!(map.get("auth"), Some(Value::Object(_))) {
            map.insert("auth".into(), Value::Object(Map::new()));
        }
        // serde may quote a value in its message: no token goes into it.
        let secrets: Vec<String> = match map.get("auth") {
            Some(Value::Object(a)) => ["application_token", "access_token", "refresh_token"]
                .iter()
                .filter_map(|k| a.get(*k).and_then(Value::as_str))
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        };
        serde_json::from_value(Value::Object(map)).map_err(|e| {
            let mut message = e.to_string();
            for s in &secrets {
                message = message.replace(s.as_str(), "***");
            }
            DecodeError::Envelope { event, message }
        })
    }

    /// The same event with `data` decoded as `D`.
    pub fn typed<D: EventData>(self) -> Result<Event<D>, DecodeError> {
        let data = D::from_event(&self.event, self.data).map_err(DecodeError::from)?;
        Ok(Event {
            event: self.event,
            event_handler_id: self.event_handler_id,
            data,
            ts: self.ts,
            auth: self.auth,
        })
    }
}

impl<D> Event<D> {
    /// The sending portal's `member_id`, if the event names one.
    pub fn member_id(&self) -> Option<&str> {
        self.auth.member_id.as_deref().filter(|m| !m.is_empty())
    }

    /// Decodes `data` with serde, for payload types that are not an
    /// [`EventData`] enum.
    pub fn data_as<T: serde::de::DeserializeOwned>(&self) -> Result<T, DecodeError>
    where
        D: Serialize,
    {
        serde_json::to_value(&self.data)
            .and_then(serde_json::from_value)
            .map_err(|e| DecodeError::Data {
                event: self.event.clone(),
                message: e.to_string(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_event_decodes_and_hides_tokens() {
        let body = "event=onCrmDealAdd&event_handler_id=3&data%5BFIELDS%5D%5BID%5D=42&ts=1700000000\
                    &auth%5Bmember_id%5D=m1&auth%5Bapplication_token%5D=app-SECRET&auth%5Bdomain%5D=p.example";
        let e = Event::decode(body.as_bytes(), None, &Limits::default()).unwrap();
        assert_eq!(e.event, "ONCRMDEALADD");
        assert_eq!(e.event_handler_id.as_deref(), Some("3"));
        assert_eq!(e.ts, Some(1_700_000_000));
        assert_eq!(e.data["FIELDS"]["ID"], "42");
        assert_eq!(e.member_id(), Some("m1"));
        assert!(!format!("{e:?}").contains("app-SECRET"));
    }

    /// What a generated `Event` enum looks like to this crate.
    #[derive(Debug, PartialEq)]
    enum Typed {
        DealAdd { id: i64 },
        Other(String),
    }

    impl EventData for Typed {
        fn from_event(event: &str, data: Value) -> Result<Self, EventDataError> {
            let bad = |m: &str| EventDataError::new(event, m);
            match event {
                "ONCRMDEALADD" => {
                    let id = data["FIELDS"]["ID"]
                        .as_str()
                        .ok_or_else(|| bad("no FIELDS.ID"))?;
                    Ok(Typed::DealAdd {
                        id: id.parse().map_err(|_| bad("FIELDS.ID is not a number"))?,
                    })
                }
                other => Ok(Typed::Other(other.to_owned())),
            }
        }
    }

    #[test]
    fn a_typed_payload_plugs_in() {
        let l = Limits::default();
        let e = Event::decode(b"event=ONCRMDEALADD&data[FIELDS][ID]=42", None, &l).unwrap();
        assert_eq!(e.typed::<Typed>().unwrap().data, Typed::DealAdd { id: 42 });
        let e = Event::decode(b"event=ONCRMDEALADD&data[FIELDS][ID]=x", None, &l).unwrap();
        assert!(matches!(e.typed::<Typed>(), Err(DecodeError::Data { .. })));
        let e = Event::decode(b"event=ONUSERADD", None, &l).unwrap();
        assert_eq!(
            e.typed::<Typed>().unwrap().data,
            Typed::Other("ONUSERADD".into())
        );
    }

    #[test]
    fn json_event_decodes() {
        let body = br#"{"event":"ONAPPINSTALL","data":{"VERSION":"1"},"ts":"1696527000","auth":{"member_id":"m","expires_in":3600}}"#;
        let e = Event::decode(
            body,
            Some("application/json; charset=utf-8"),
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(e.auth.expires_in, Some(3600));
        assert_eq!(
            Event::decode(b"{}", Some("application/json"), &Limits::default()).unwrap_err(),
            DecodeError::NoEventName
        );
    }
}
