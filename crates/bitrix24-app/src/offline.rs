//! Offline events: what `event.offline.get` (and `event.offline.list`)
//! return, with each event's `EVENT_DATA` decodable into the same payload
//! types as a pushed event's `data` ([`EventData`]).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::event::{DecodeError, EventData};

/// The `result` of `event.offline.get`: the events and, when they were
/// reserved (`clear=0`), the process ID to confirm them with
/// `event.offline.clear`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(bound(deserialize = "D: serde::de::DeserializeOwned"))]
#[non_exhaustive]
pub struct OfflineEvents<D = Value> {
    /// The reservation, for `event.offline.clear` / `event.offline.error`.
    #[serde(default, deserialize_with = "bitrix24_runtime::lenient::opt_string")]
    pub process_id: Option<String>,
    /// The events, oldest first.
    #[serde(default, deserialize_with = "bitrix24_runtime::lenient::vec")]
    pub events: Vec<OfflineEvent<D>>,
}

/// One offline event. `EVENT_DATA` and `EVENT_ADDITIONAL` are `false` when
/// the event was registered without them; both are `None` then.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(bound(deserialize = "D: serde::de::DeserializeOwned"))]
#[non_exhaustive]
pub struct OfflineEvent<D = Value> {
    /// The record's ID.
    #[serde(rename = "ID", deserialize_with = "bitrix24_runtime::lenient::string")]
    pub id: String,
    /// When it was recorded.
    #[serde(rename = "TIMESTAMP_X", default)]
    pub timestamp: Option<bitrix24_runtime::DateTime>,
    /// The event's name (`ONCRMLEADADD`).
    #[serde(rename = "EVENT_NAME")]
    pub event_name: String,
    /// The payload, as a pushed event's `data`.
    #[serde(rename = "EVENT_DATA", default, deserialize_with = "not_false")]
    pub event_data: Option<D>,
    /// Extra data the event carries (the user who caused it...).
    #[serde(rename = "EVENT_ADDITIONAL", default, deserialize_with = "not_false")]
    pub event_additional: Option<Value>,
    /// Identifies the change: one message ID per object change, so
    /// repeated events of one object can be merged.
    #[serde(
        rename = "MESSAGE_ID",
        default,
        deserialize_with = "bitrix24_runtime::lenient::opt_string"
    )]
    pub message_id: Option<String>,
    /// The reservation it belongs to (`event.offline.list`).
    #[serde(
        rename = "PROCESS_ID",
        default,
        deserialize_with = "bitrix24_runtime::lenient::opt_string"
    )]
    pub process_id: Option<String>,
    /// Whether it was marked failed with `event.offline.error`.
    #[serde(
        rename = "ERROR",
        default,
        deserialize_with = "bitrix24_runtime::lenient::opt_bool"
    )]
    pub error: Option<bool>,
}

/// `false`, `null`, `""`, `[]` and `{}` are no value; anything else is `T`.
fn not_false<'de, De, T>(d: De) -> Result<Option<T>, De::Error>
where
    De: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let v = Value::deserialize(d)?;
    match &v {
        Value::Bool(false) | Value::Null => Ok(None),
        Value::String(s) if s.is_empty() => Ok(None),
        Value::Array(a) if a.is_empty() => Ok(None),
        Value::Object(m) if m.is_empty() => Ok(None),
        _ => serde_json::from_value(v)
            .map(Some)
            .map_err(serde::de::Error::custom),
    }
}

impl OfflineEvents<Value> {
    /// Each event's `EVENT_DATA` decoded as `D` (by its event name, as for
    /// a pushed event); an event without data stays without.
    pub fn typed<D: EventData>(self) -> Result<OfflineEvents<D>, DecodeError> {
        let events = self
            .events
            .into_iter()
            .map(|e| {
                let data = match e.event_data {
                    Some(v) => Some(D::from_event(&e.event_name.to_ascii_uppercase(), v)?),
                    None => None,
                };
                Ok(OfflineEvent {
                    id: e.id,
                    timestamp: e.timestamp,
                    event_name: e.event_name,
                    event_data: data,
                    event_additional: e.event_additional,
                    message_id: e.message_id,
                    process_id: e.process_id,
                    error: e.error,
                })
            })
            .collect::<Result<_, DecodeError>>()?;
        Ok(OfflineEvents {
            process_id: self.process_id,
            events,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn offline_events_decode() {
        let r: OfflineEvents = serde_json::from_value(json!({
            "process_id": "p-1",
            "events": [
                {"ID": "1", "TIMESTAMP_X": "2025-01-02T03:04:05+01:00", "EVENT_NAME": "ONCRMDEALADD",
                 "EVENT_DATA": {"FIELDS": {"ID": 5}}, "EVENT_ADDITIONAL": {"user_id": "1"}, "MESSAGE_ID": "m1"},
                {"ID": 2, "EVENT_NAME": "ONCRMLEADADD", "EVENT_DATA": false, "EVENT_ADDITIONAL": false, "MESSAGE_ID": "m2"}
            ]
        }))
        .unwrap();
        assert_eq!(r.process_id.as_deref(), Some("p-1"));
        assert_eq!(r.events[0].event_data.as_ref().unwrap()["FIELDS"]["ID"], 5);
        assert!(r.events[1].event_data.is_none() && r.events[1].event_additional.is_none());
        assert_eq!(r.events[1].id, "2");
        let none: OfflineEvents =
            serde_json::from_value(json!({"process_id": null, "events": []})).unwrap();
        assert!(none.process_id.is_none() && none.events.is_empty());
        let typed = r.typed::<Value>().unwrap();
        assert_eq!(typed.events.len(), 2);
    }
}
