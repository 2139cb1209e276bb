//! Event payloads: the `data` of an event Bitrix24 posts to a handler.
//!
//! The generated crate gives every documented event a payload type that
//! implements [`EventPayload`] (its name as sent), and one `Event` enum over
//! all of them that implements [`EventData`] (decoding by the event's name).
//! The envelope around `data` (`event`, `auth`, `ts`), its verification and
//! the form decoding are in the `bitrix24-app` crate.

use serde_json::Value;

/// A typed `data` of one event.
pub trait EventPayload: Sized {
    /// The event's name as Bitrix24 sends it, upper case (`ONCRMDEALADD`,
    /// `CATALOG.PRICE.ON.ADD`); what `event.bind` takes.
    const NAME: &'static str;

    /// Decodes `data` of this event.
    fn from_data(data: Value) -> Result<Self, EventDataError>;
}

/// What an event's `data` decodes into, chosen by the event's name: the
/// generated `Event` enum, or [`Value`], which takes anything.
pub trait EventData: Sized {
    /// Decodes `data` of the event named `event` (upper case, as sent).
    fn from_event(event: &str, data: Value) -> Result<Self, EventDataError>;
}

impl EventData for Value {
    fn from_event(_event: &str, data: Value) -> Result<Self, EventDataError> {
        Ok(data)
    }
}

/// `data` does not fit the payload type of its event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("event {event}: `data` does not fit its type: {message}")]
pub struct EventDataError {
    /// The event's name, as sent.
    pub event: String,
    /// What did not fit, with the path inside `data` where known.
    pub message: String,
}

impl EventDataError {
    /// An error for the event `event`.
    pub fn new(event: impl Into<String>, message: impl std::fmt::Display) -> Self {
        EventDataError {
            event: event.into(),
            message: message.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_takes_anything_and_errors_name_the_event() {
        let v = serde_json::json!({"FIELDS": {"ID": "1"}});
        assert_eq!(Value::from_event("ONCRMDEALADD", v.clone()).unwrap(), v);
        let e = EventDataError::new("ONCRMDEALADD", "`FIELDS`: expected an object");
        assert_eq!(
            e.to_string(),
            "event ONCRMDEALADD: `data` does not fit its type: `FIELDS`: expected an object"
        );
    }
}
