//! Event payloads in the shape the docs show (our own values,
//! `tests/fixtures/events/`), decoded both as JSON and form-encoded the way
//! Bitrix24 posts them: the same envelope either way, up to what the form
//! encoding cannot carry (numbers and booleans arrive as text, empty lists
//! and nulls do not arrive at all).

use std::path::Path;

use bitrix24_app::{form, Event, Limits};
use serde_json::Value;

/// What the form encoding makes of a JSON value.
fn as_form_gives(v: &Value) -> Option<Value> {
    match v {
        Value::Null => None,
        Value::Bool(b) => Some(Value::String(if *b { "1" } else { "0" }.into())),
        Value::Number(n) => Some(Value::String(n.to_string())),
        Value::String(_) => Some(v.clone()),
        Value::Array(a) => {
            let items: Vec<Value> = a.iter().filter_map(as_form_gives).collect();
            (!items.is_empty()).then_some(Value::Array(items))
        }
        Value::Object(m) => {
            let map: serde_json::Map<String, Value> = m
                .iter()
                .filter_map(|(k, x)| Some((k.clone(), as_form_gives(x)?)))
                .collect();
            (!map.is_empty()).then_some(Value::Object(map))
        }
    }
}

#[test]
fn every_fixture_decodes_as_json_and_as_a_form() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/events");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read(&path).unwrap();
        let name = path.display();
        let json = Event::decode(&text, Some("application/json"), &Limits::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let Value::Object(obj) = serde_json::from_slice::<Value>(&text).unwrap() else {
            panic!("{name}: not an object")
        };
        let body = form::encode(&obj);
        let from_form = Event::decode(body.as_bytes(), None, &Limits::default())
            .unwrap_or_else(|e| panic!("{name} as a form: {e}"));
        assert_eq!(json.event, from_form.event, "{name}");
        assert_eq!(json.ts, from_form.ts, "{name}");
        assert_eq!(json.event_handler_id, from_form.event_handler_id, "{name}");
        assert_eq!(json.member_id(), from_form.member_id(), "{name}");
        assert_eq!(
            json.auth.application_token, from_form.auth.application_token,
            "{name}"
        );
        assert_eq!(
            as_form_gives(&json.data).unwrap_or(Value::Object(Default::default())),
            from_form.data,
            "{name}"
        );
        n += 1;
    }
    assert!(n >= 5, "fixtures read: {n}");
}
