//! Every example payload on the docs' event pages, form-encoded as
//! Bitrix24 posts it (PHP `http_build_query` keys: `data[FIELDS][ID]=1`),
//! decodes into the generated `bitrix24::Event` as its own typed variant,
//! and encodes back with every key of its `data`. The same payload as JSON
//! too. Skips, saying why, without the docs corpus (`BITRIX24_DOCS`, else
//! `../shared/bitrix24-docs` beside the workspace).

use std::path::{Path, PathBuf};

use bitrix24_app::{Event, Limits};
use serde_json::Value;

fn docs_root() -> PathBuf {
    match std::env::var_os("BITRIX24_DOCS") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/bitrix24-docs"),
    }
}

fn markdown_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            markdown_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "md") {
            out.push(p);
        }
    }
}

/// The JSON code blocks of a page that are event payloads: an object with
/// an `event` name and one of `data`, `auth`, `ts`. On a page that
/// documents several events in sections headed by their names (`##
/// ONIMBOTV2MESSAGEADD`), an object shown under such a heading without an
/// envelope is that event's `data`.
fn payloads(md: &str) -> Vec<Value> {
    use pulldown_cmark::{CodeBlockKind, Event as Md, HeadingLevel, Parser, Tag, TagEnd};
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    let mut heading: Option<String> = None;
    let mut section: Option<String> = None;
    for ev in Parser::new(md) {
        match ev {
            Md::Start(Tag::Heading {
                level: HeadingLevel::H2,
                ..
            }) => {
                heading = Some(String::new());
            }
            Md::End(TagEnd::Heading(HeadingLevel::H2)) => {
                let text = heading.take().unwrap_or_default();
                // `## ONIMBOTV2MESSAGEADD {#onimbotv2messageadd}`: the
                // docs engine's anchor after the name.
                let name = text.split(" {#").next().unwrap_or_default().trim();
                let is_event = name.len() > 4
                    && name.starts_with("ON")
                    && name
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
                section = is_event.then(|| name.to_string());
            }
            Md::Start(Tag::CodeBlock(kind)) => {
                let lang = match &kind {
                    CodeBlockKind::Fenced(l) => {
                        l.split_whitespace().next().unwrap_or("").to_string()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                current = ["", "json", "js", "javascript"]
                    .contains(&lang.as_str())
                    .then(String::new);
            }
            Md::Text(t) | Md::Code(t) => {
                if let Some(h) = heading.as_mut() {
                    h.push_str(&t);
                } else if let Some(c) = current.as_mut() {
                    c.push_str(&t);
                }
            }
            Md::End(TagEnd::CodeBlock) => {
                if let Some(text) = current.take() {
                    if let Ok(v) = serde_json::from_str::<Value>(&text) {
                        let payload = v.get("event").is_some_and(Value::is_string)
                            && ["data", "auth", "ts"].iter().any(|k| v.get(*k).is_some());
                        if payload {
                            out.push(v);
                        } else if let (Some(name), Value::Object(_)) = (&section, &v) {
                            out.push(serde_json::json!({"event": name, "data": v}));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// PHP's `http_build_query`: nested keys in brackets, `true` as `1`,
/// `false` as `0`, `null` and empty arrays left out.
fn form_encode(v: &Value) -> String {
    fn walk(prefix: &str, v: &Value, out: &mut form_urlencoded::Serializer<'_, String>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}[{k}]")
                    };
                    walk(&key, x, out);
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    walk(&format!("{prefix}[{i}]"), x, out);
                }
            }
            Value::Null => {}
            Value::Bool(b) => {
                out.append_pair(prefix, if *b { "1" } else { "0" });
            }
            Value::Number(n) => {
                out.append_pair(prefix, &n.to_string());
            }
            Value::String(s) => {
                out.append_pair(prefix, s);
            }
        }
    }
    let mut s = form_urlencoded::Serializer::new(String::new());
    walk("", v, &mut s);
    s.finish()
}

/// Key paths of an object, arrays by index. With `skip_empty`, a key whose
/// value is empty is none: lenient decoding reads it as absent, as the
/// contract test of the methods does (`null`, `false`, `""`, `undefined`,
/// and containers of nothing else).
fn key_paths(v: &Value, path: &str, skip_empty: bool, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = format!("{path}.{k}");
                if !(skip_empty && is_empty(x)) {
                    out.push(p.clone());
                }
                key_paths(x, &p, skip_empty, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                key_paths(x, &format!("{path}[{i}]"), skip_empty, out);
            }
        }
        _ => {}
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null | Value::Bool(false) => true,
        Value::String(s) => s.trim().is_empty() || s == "undefined",
        Value::Object(m) => m.values().all(is_empty),
        Value::Array(a) => a.iter().all(is_empty),
        _ => false,
    }
}

/// Decodes `body` into the typed event; checks it is the event's own
/// variant and that encoding `data` again keeps every key of `data`.
fn check(body: &[u8], content_type: Option<&str>) -> Result<(), String> {
    let raw = Event::decode(body, content_type, &Limits::default()).map_err(|e| e.to_string())?;
    let sent = raw.data.clone();
    let typed = raw.typed::<bitrix24::Event>().map_err(|e| e.to_string())?;
    if let bitrix24::Event::Other { event, .. } = &typed.data {
        return Err(format!("{event} has no generated type"));
    }
    let again = serde_json::to_value(&typed.data).map_err(|e| e.to_string())?;
    let (mut want, mut got) = (Vec::new(), Vec::new());
    key_paths(&sent, "data", true, &mut want);
    key_paths(&again, "data", false, &mut got);
    if let Some(lost) = want.iter().find(|p| !got.contains(p)) {
        return Err(format!("`{lost}` is lost on encoding"));
    }
    Ok(())
}

#[test]
fn every_docs_event_payload_decodes_typed() {
    let root = docs_root();
    let api = root.join("md/api-reference");
    if !api.is_dir() {
        println!(
            "skipped: no docs at {} (set BITRIX24_DOCS to a docs corpus with md/)",
            root.display()
        );
        return;
    }
    let mut files = Vec::new();
    markdown_files(&api, &mut files);
    let (mut total, mut form_ok, mut json_ok) = (0usize, 0usize, 0usize);
    let mut failures = Vec::new();
    for file in &files {
        if file.file_name().is_some_and(|n| n == "index.md") {
            continue;
        }
        let Ok(md) = std::fs::read_to_string(file) else {
            continue;
        };
        let rel = file
            .strip_prefix(&root)
            .unwrap_or(file)
            .display()
            .to_string();
        for payload in payloads(&md) {
            total += 1;
            let form = form_encode(&payload);
            match check(form.as_bytes(), None) {
                Ok(()) => form_ok += 1,
                Err(e) => failures.push(format!("{rel} (form): {e}")),
            }
            let json = serde_json::to_vec(&payload).expect("a JSON value encodes");
            match check(&json, Some("application/json")) {
                Ok(()) => json_ok += 1,
                Err(e) => failures.push(format!("{rel} (JSON): {e}")),
            }
        }
    }
    for f in &failures {
        println!("failed: {f}");
    }
    let share = |n: usize| 100.0 * n as f64 / total.max(1) as f64;
    println!(
        "docs event payloads: {total}; form-encoded: {form_ok} decode typed and keep every key ({:.1}%); \
         JSON: {json_ok} ({:.1}%)",
        share(form_ok),
        share(json_ok)
    );
    // Fewer would mean the payloads are no longer found (the pinned docs
    // show 177, those of 2026-05 117).
    assert!(
        total >= 100,
        "only {total} example payloads found under {}",
        api.display()
    );
    assert!(share(form_ok) >= 99.0, "form-encoded payloads below 99%");
    assert!(share(json_ok) >= 99.0, "JSON payloads below 99%");
}

#[test]
fn a_form_payload_decodes_into_its_variant() {
    let body = "event=ONCRMDEALADD&event_handler_id=7&data%5BFIELDS%5D%5BID%5D=42\
                &data%5BFIELDS%5D%5BUF_NEW%5D=x&ts=1700000000&auth%5Bmember_id%5D=m1";
    let e = Event::decode(body.as_bytes(), None, &Limits::default())
        .unwrap()
        .typed::<bitrix24::Event>()
        .unwrap();
    let bitrix24::Event::OnCrmDealAdd(deal) = &e.data else {
        panic!("not the deal variant: {:?}", e.data);
    };
    let fields = deal.fields.as_ref().expect("FIELDS");
    assert_eq!(fields.id, Some(42));
    assert_eq!(fields.extra["UF_NEW"], "x");
    assert_eq!(e.data.name(), "ONCRMDEALADD");
    assert_eq!(
        serde_json::to_value(&e.data).unwrap(),
        serde_json::json!({"FIELDS": {"ID": 42, "UF_NEW": "x"}})
    );
    // An event no generated type knows stays raw.
    let e = Event::decode(b"event=ONSOMETHINGNEW&data[X]=1", None, &Limits::default())
        .unwrap()
        .typed::<bitrix24::Event>()
        .unwrap();
    assert!(matches!(&e.data, bitrix24::Event::Other { event, .. } if event == "ONSOMETHINGNEW"));
    // A payload that is not the documented object is a typed error.
    let err = Event::decode(
        b"event=ONCRMDEALADD&data[FIELDS]=oops",
        None,
        &Limits::default(),
    )
    .unwrap()
    .typed::<bitrix24::Event>()
    .unwrap_err();
    assert!(err.to_string().contains("ONCRMDEALADD"), "{err}");
}

#[test]
fn offline_events_decode_into_the_same_variants() {
    let result = serde_json::json!({
        "process_id": "p1",
        "events": [
            {"ID": "1", "TIMESTAMP_X": "2026-11-30T01:00:00+03:00", "EVENT_NAME": "ONCRMDEALADD",
             "EVENT_DATA": {"FIELDS": {"ID": "42"}}, "EVENT_ADDITIONAL": {"user_id": "1"},
             "MESSAGE_ID": "m1"},
            {"ID": "2", "EVENT_NAME": "onSomethingNew", "EVENT_DATA": false},
        ]
    });
    let offline: bitrix24_app::OfflineEvents = serde_json::from_value(result).unwrap();
    let typed = offline.typed::<bitrix24::Event>().unwrap();
    let Some(bitrix24::Event::OnCrmDealAdd(deal)) = &typed.events[0].event_data else {
        panic!("not the deal variant: {:?}", typed.events[0].event_data);
    };
    assert_eq!(deal.fields.as_ref().and_then(|f| f.id), Some(42));
    assert!(typed.events[1].event_data.is_none());
}

/// Any JSON object as the `data` of every typed event: decoding never
/// panics, and what decodes encodes back with every non-empty key.
mod arbitrary {
    use super::*;
    use bitrix24_runtime::EventData;
    use proptest::prelude::*;

    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            "[a-zA-Z0-9 ._-]{0,8}".prop_map(Value::from),
            Just(Value::from("undefined")),
            Just(Value::from("Y")),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map(
                    prop_oneof![
                        "[A-Z_]{1,8}",
                        Just("FIELDS".to_string()),
                        Just("ID".to_string()),
                        Just("UF_CRM_1".to_string()),
                    ],
                    inner,
                    0..5
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            // A fixed seed: the same 128 values on every run.
            cases: 128,
            rng_seed: prop::test_runner::RngSeed::Fixed(0x000E_4E27),
            failure_persistence: None,
            ..ProptestConfig::default()
        })]
        #[test]
        fn any_data_decodes_without_panic_and_keeps_its_keys(data in json()) {
            let names = bitrix24::Event::names();
            prop_assert!(names.len() >= 200, "only {} typed events", names.len());
            for name in names {
                let Ok(event) = bitrix24::Event::from_event(name, data.clone()) else {
                    continue;
                };
                prop_assert_eq!(event.name(), name);
                let again = serde_json::to_value(&event).expect("an event encodes");
                let (mut want, mut got) = (Vec::new(), Vec::new());
                key_paths(&data, "data", true, &mut want);
                key_paths(&again, "data", false, &mut got);
                for p in &want {
                    prop_assert!(got.contains(p), "{}: `{}` lost", name, p);
                }
            }
        }
    }
}
