//! Event pages: one docs page → one [`EventSpec`], or one per section on a
//! page whose level-2 headings are each an event's name (`## ONIMBOTV2JOINCHAT`).
//!
//! An event page names an event in its title (`onCrmDealAdd`,
//! `CATALOG.PRICE.ON.ADD`) or shows, in an example, the payload a handler
//! receives (a JSON object with `event` and `data`). The `data` fields come
//! from the table under "What the Handler Receives" (rows `data`,
//! `data.FIELDS`, sub-tables by anchor) or, on older pages, from the one
//! table that lists them directly; keys the example's `data` shows that no
//! table documents are added from the example (`from_example`). What cannot
//! be read is a diagnostic in the spec, never silence.

use serde_json::Value;

use super::dom::{Block, RawPage};
use super::page::{self, Context, TableKind};
use super::title;
use super::words::{self as vocab, Lang};
use crate::spec::types::Type;
use crate::spec::{DiagnosticKind, EventSpec, Field};

/// A cheap look at the raw HTML: could this be an event page?
pub fn is_candidate(html: &str) -> bool {
    let title = title::raw_title(html).unwrap_or_default();
    if title
        .split_whitespace()
        .any(|w| is_event_name(title_word(w)))
    {
        return true;
    }
    // A page of several events: a level-2 heading whose anchor is an
    // event's name in lower case.
    html.contains("\"event\":")
        || html.contains("&quot;event&quot;:")
        || html.contains("<h2 id=\"on")
}

/// An event name as the docs write it: `onCrmDealAdd`, `ONCRMDEALADD`,
/// `OnSaleOrderSaved`, `CATALOG.PRICE.ON.ADD`. Method names
/// (`event.bind`) and JS events (`BackgroundCallCard::initialized`) are not.
pub fn is_event_name(s: &str) -> bool {
    if s.contains('.') {
        let parts: Vec<&str> = s.split('.').collect();
        return parts.len() >= 3
            && parts.contains(&"ON")
            && parts.iter().all(|p| {
                !p.is_empty()
                    && p.chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            });
    }
    let Some(rest) = s.strip_prefix("on").or_else(|| s.strip_prefix("On")) else {
        return s.len() > 4
            && s.starts_with("ON")
            && s.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    };
    rest.len() >= 3
        && rest.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && rest.chars().all(|c| c.is_ascii_alphanumeric())
}

/// A title word without the punctuation around it.
fn title_word(w: &str) -> &str {
    w.trim_matches(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
        .trim_end_matches('.')
}

/// The example payloads on a page: JSON code blocks whose top level is an
/// object with a string `event` and a `data`, `auth` or `ts` key.
fn payloads(raw: &RawPage) -> (Vec<Value>, bool) {
    let mut out = Vec::new();
    let mut invalid = false;
    for b in &raw.blocks {
        let Block::Code { lang, text } = b else {
            continue;
        };
        if !(lang.is_empty() || lang == "json" || lang == "js" || lang == "javascript") {
            continue;
        }
        if !text.contains("\"event\"") {
            continue;
        }
        match serde_json::from_str::<Value>(text) {
            Ok(v) => {
                let is_payload = v.get("event").is_some_and(Value::is_string)
                    && ["data", "auth", "ts"].iter().any(|k| v.get(k).is_some());
                if is_payload {
                    out.push(v);
                }
            }
            Err(_) => invalid = true,
        }
    }
    (out, invalid)
}

/// Read an event page: one spec per event section on a page whose level-2
/// headings name two or more events ([`event_sections`]), else the page's
/// one event; empty when the page documents none.
pub fn interpret_all(lang: Lang, rel_path: &str, raw: &RawPage) -> Vec<EventSpec> {
    if !is_reference_page(rel_path) {
        return Vec::new();
    }
    let sections = event_sections(raw);
    if sections.len() >= 2 {
        return sections
            .into_iter()
            .map(|(h, event, id)| interpret_section(lang, rel_path, raw, h, event, &id))
            .collect();
    }
    interpret(lang, rel_path, raw).into_iter().collect()
}

/// Tutorials and settings pages show payloads of events documented under
/// `api-reference/`; an index page is an overview.
fn is_reference_page(rel_path: &str) -> bool {
    let stem = rel_path.rsplit('/').next().unwrap_or_default();
    !stem.starts_with("index.") && rel_path.starts_with("api-reference/")
}

/// The level-2 headings whose whole text is an event's name: (block index,
/// the name in upper case, the heading's anchor).
pub fn event_sections(raw: &RawPage) -> Vec<(usize, String, String)> {
    raw.blocks
        .iter()
        .enumerate()
        .filter_map(|(i, b)| match b {
            Block::Heading { level: 2, id, text } => {
                let word = text.trim().trim_matches('`');
                (!word.contains(char::is_whitespace) && is_event_name(word))
                    .then(|| (i, word.to_ascii_uppercase(), id.clone()))
            }
            _ => None,
        })
        .collect()
}

/// Read an event page; `None` when the page documents no event.
pub fn interpret(lang: Lang, rel_path: &str, raw: &RawPage) -> Option<EventSpec> {
    if !is_reference_page(rel_path) {
        return None;
    }
    let words: Vec<&str> = raw.title.split_whitespace().map(title_word).collect();
    // A method page (`event.bind`) shows payloads too; it is no event.
    if words.last().is_some_and(|w| title::is_method_name(w)) {
        return None;
    }
    let title_event = words.iter().rev().find(|w| is_event_name(w)).copied();
    let (examples, invalid) = payloads(raw);
    let example_event = examples
        .iter()
        .find_map(|v| v.get("event").and_then(Value::as_str))
        .map(str::to_string);
    let event = match (&example_event, title_event) {
        (Some(e), _) => e.to_ascii_uppercase(),
        (None, Some(t)) => t.to_ascii_uppercase(),
        (None, None) => return None,
    };
    let mut cx = Context::new(raw, rel_path);
    if let Some(t) = title_event {
        if !t.eq_ignore_ascii_case(&event) {
            cx.diag(DiagnosticKind::TitleContradicted, "event", t.to_string());
        }
    }
    if invalid {
        cx.diag(DiagnosticKind::InvalidExampleJson, "data", "");
    }
    // The table under "What the Handler Receives", else under a
    // "Parameters" heading, else (older pages) before any heading.
    let handler = cx.find_heading(|level, t| level <= 3 && vocab::is_handler_heading(t));
    let params = cx.find_heading(|level, t| level <= 3 && vocab::is_params_heading(t));
    let before_h2 = 0..cx
        .find_heading(|level, _| level == 2)
        .unwrap_or(raw.blocks.len());
    let ranges: Vec<_> = [handler, params]
        .into_iter()
        .flatten()
        .map(|h| cx.section(h))
        .chain(std::iter::once(before_h2))
        .collect();
    let data = data_fields(&mut cx, ranges);
    let url = format!("{}{rel_path}", lang.site());
    Some(finish(cx, event, url, data, examples))
}

/// One event section of a page of several: its fields from the section's
/// table (sub-tables by anchor anywhere on the page), its examples from the
/// section's JSON blocks (a block showing `data` alone counts as `data`),
/// the scopes, subscribers and deprecation from the page's introduction.
fn interpret_section(
    lang: Lang,
    rel_path: &str,
    raw: &RawPage,
    heading: usize,
    event: String,
    id: &str,
) -> EventSpec {
    let mut cx = Context::new(raw, rel_path);
    let range = cx.section(heading);
    let mut examples = Vec::new();
    for b in &raw.blocks[range.clone()] {
        let Block::Code { lang, text } = b else {
            continue;
        };
        if !(lang.is_empty() || lang == "json") || !text.trim_start().starts_with('{') {
            continue;
        }
        match serde_json::from_str::<Value>(text) {
            Ok(v @ Value::Object(_)) => {
                let payload = match v.get("event").and_then(Value::as_str) {
                    Some(_) => v,
                    None => serde_json::json!({ "event": event, "data": v }),
                };
                examples.push(payload);
            }
            Ok(_) => {}
            Err(_) => cx.diag(DiagnosticKind::InvalidExampleJson, "data", ""),
        }
    }
    let data = data_fields(&mut cx, vec![range]);
    let url = format!("{}{rel_path}#{id}", lang.site());
    finish(cx, event, url, data, examples)
}

/// The spec from what was read: the page's introduction gives scopes,
/// subscribers and deprecation; the examples complete `data`.
fn finish(
    mut cx: Context<'_>,
    event: String,
    url: String,
    data: Option<(Vec<Field>, Option<Type>)>,
    examples: Vec<Value>,
) -> EventSpec {
    let raw = cx.raw;
    let first_h2 = raw
        .blocks
        .iter()
        .position(|b| matches!(b, Block::Heading { level: 2, .. }))
        .unwrap_or(raw.blocks.len());
    let intro = &raw.blocks[..first_h2];
    let scopes = page::scopes(intro);
    let phrase = intro.iter().find_map(|b| match b {
        Block::Quote(lines) => lines.iter().find_map(|l| vocab::subscribers(&l.text)),
        _ => None,
    });
    let subscribers = match phrase {
        Some(Some(s)) => Some(s),
        Some(None) => {
            cx.diag(DiagnosticKind::UnknownSubscribers, "subscribers", "");
            None
        }
        None => None,
    };
    let rel_path = cx.rel_path;
    let deprecated = rel_path
        .split('/')
        .any(|seg| seg == "outdated" || seg == "deprecated")
        || intro.iter().any(|b| match b {
            Block::Note(t) => page::is_deprecation_note(t),
            _ => false,
        });

    let (data, data_type) = match data {
        Some((fields, ty)) => (Some(fields), ty),
        None => (None, None),
    };
    let example_data = examples.iter().find_map(|v| v.get("data"));
    match (&data, example_data) {
        (None, None) => cx.diag(DiagnosticKind::NoParamsSection, "data", ""),
        (None, Some(_)) => cx.diag(DiagnosticKind::ResultFromExample, "data", ""),
        _ => {}
    }
    let mut data = data.unwrap_or_default();
    // Every example payload completes `data` (pages show one per variant).
    let mut added = Vec::new();
    for example in examples.iter().filter_map(|v| v.get("data")) {
        added.extend(complete_from_example(&mut data, example));
    }
    if !added.is_empty() {
        cx.diag(DiagnosticKind::FieldsFromExample, "data", added.join(", "));
    }
    super::meaning::refine(&mut data, None);

    let mut diagnostics: Vec<_> = std::mem::take(&mut cx.diagnostics);
    diagnostics.sort();
    diagnostics.dedup();
    EventSpec {
        event,
        scopes,
        subscribers,
        url,
        deprecated,
        data_type,
        data,
        diagnostics,
        examples,
    }
}

/// The fields of `data` from the first parameter table in `ranges` (tried
/// in order), and the type of `data` where the table gives it one that is
/// no object; `None` when no table describes them.
fn data_fields(
    cx: &mut Context<'_>,
    ranges: Vec<std::ops::Range<usize>>,
) -> Option<(Vec<Field>, Option<Type>)> {
    let mut table = None;
    for range in ranges {
        table = cx
            .tables_in(range)
            .into_iter()
            .find(|(_, rows)| matches!(page::classify(rows), TableKind::Params { .. }));
        if table.is_some() {
            break;
        }
    }
    let table = table?;
    let (idx, rows) = table;
    let mut visited = vec![idx];
    let fields = cx.param_rows(rows, "payload", &mut visited);
    let fields = page::nest_dotted(fields);
    let envelope = fields
        .iter()
        .any(|f| matches!(f.name.as_str(), "event" | "data" | "auth" | "ts"));
    if !envelope {
        return Some((fields, None));
    }
    let data = fields.into_iter().find(|f| f.name == "data")?;
    let ty = (!matches!(data.ty, Type::Object)).then_some(data.ty);
    Some((data.fields, ty))
}

/// Add the keys of the example's `data` that no table documents, typed
/// from their values, marked `from_example`; the added keys.
fn complete_from_example(fields: &mut Vec<Field>, example: &Value) -> Vec<String> {
    let mut added = Vec::new();
    let Value::Object(map) = example else {
        return added;
    };
    for (key, value) in map {
        if let Some(i) = crate::spec::describing_index(fields, key) {
            let f = &mut fields[i];
            // An object, or a named type the docs link elsewhere
            // (`Message`): the example's keys are its fields, as for
            // method results.
            let holds_object = f.ty.has_object() || matches!(f.ty, Type::Ref(_));
            if let (Value::Object(_), true) = (value, holds_object) {
                let inner = complete_from_example(&mut f.fields, value);
                added.extend(inner.into_iter().map(|k| format!("{key}.{k}")));
            }
            continue;
        }
        // A numbered key (`UF_CRM_1700000001`) is one sample of its family:
        // the field is the family's pattern, as for results.
        let pattern = crate::spec::naming::key_pattern(key);
        let name = pattern.clone().unwrap_or_else(|| key.clone());
        let (ty, sub) = super::infer::infer(value);
        fields.push(Field {
            fields: sub,
            from_example: true,
            pattern,
            ..Field::new(name.clone(), ty)
        });
        added.push(name);
    }
    added
}
