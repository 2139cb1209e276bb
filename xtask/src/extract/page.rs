//! Step two of extraction: raw blocks → a [`MethodSpec`]. Sections are found
//! by structure and heading words, tables by their header row; where this
//! had to guess, the spec carries a diagnostic.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

use super::dom::{Block, Cell, Line, RawPage};
use super::links::resolve_link;
use super::outcome::PageOutcome;
use super::title::{is_method_name, title_token};
use super::words::{self as vocab, lower, Lang};
use crate::spec::types::Type;
use crate::spec::{Diagnostic, DiagnosticKind, Entity, ErrorSpec, Field, MethodSpec, RestVersion};

/// How deep linked sub-tables are followed.
const MAX_NESTING: usize = 8;

/// What the page's examples show, read from the raw HTML (also from the
/// code sections that are not parsed).
#[derive(Debug, Clone, Default)]
pub struct Examples {
    /// JSON bodies of cURL examples.
    pub bodies: Vec<Value>,
    /// Methods called through `/rest/` URLs.
    pub calls: Vec<super::examples::Call>,
}

/// Interpret a parsed page of docs in `lang` (which gives the URL's site).
///
/// `examples` are the page's cURL bodies, checked against the documented
/// parameters, and the methods its examples call, which settle its name.
pub fn interpret(lang: Lang, rel_path: &str, raw: &RawPage, examples: &Examples) -> PageOutcome {
    let Some((method, renamed)) = method_name(raw, rel_path, &examples.calls) else {
        return PageOutcome::default();
    };
    let mut cx = Context::new(raw, rel_path);
    if let Some(title_name) = renamed {
        cx.diag(DiagnosticKind::TitleContradicted, "method", title_name);
    }
    let first_h2 = raw
        .blocks
        .iter()
        .position(|b| matches!(b, Block::Heading { level: 2, .. }))
        .unwrap_or(raw.blocks.len());
    let intro = &raw.blocks[..first_h2];

    // REST 3.0: said so by the title or a note, or every call of the method
    // in the examples goes to a `/rest/api/` endpoint.
    let calls_of: Vec<bool> = examples
        .calls
        .iter()
        .filter(|c| c.method == method)
        .map(|c| c.v3)
        .collect();
    let v3_endpoint = !calls_of.is_empty() && calls_of.iter().all(|v3| *v3);
    let version = if raw.title.contains("v 3.0")
        || v3_endpoint
        || intro
            .iter()
            .any(|b| matches!(b, Block::Note(t) if t.contains("REST 3.0")))
    {
        RestVersion::V3
    } else {
        RestVersion::V2
    };
    let deprecated = rel_path
        .split('/')
        .any(|seg| seg == "outdated" || seg == "deprecated")
        || intro.iter().any(|b| match b {
            Block::Note(t) => is_deprecation_note(t),
            _ => false,
        });
    let scopes = scopes(intro);

    let mut params = cx.params();
    if params.is_empty() {
        params = params_from_bodies(&examples.bodies);
        if !params.is_empty() {
            let listed: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
            cx.diag(
                DiagnosticKind::ParamsFromExample,
                "params",
                listed.join(", "),
            );
        }
    }
    for (at, detail) in unrequire_filter_order(&mut params) {
        cx.diag(DiagnosticKind::NotRequired, at, detail);
    }
    for (at, detail) in unrequire_one_of(raw, &mut params) {
        cx.diag(DiagnosticKind::NotRequired, at, detail);
    }
    let (mut result, paged_by_result) = cx.result();
    super::meaning::refine(&mut params, result.as_mut());
    let mut entities = Vec::new();
    let describes_fields = crate::spec::is_fields_method(&method)
        || result
            .as_ref()
            .is_some_and(|r| crate::spec::are_descriptors(&r.fields));
    if describes_fields {
        if let (Some(r), Some(example)) = (result.as_mut(), cx.example.as_ref()) {
            if let Some(entity) = fields_answer(&method, rel_path, r, example) {
                cx.diag(DiagnosticKind::DescriptorMap, "result", entity.name.clone());
                entities.push(entity);
            } else if let Some(at) = undescribed_descriptors(r, example) {
                cx.diag(DiagnosticKind::DescriptorMap, at, "");
                // The entity's own fields, in tables of their own under the
                // returned data ("Main fields", "Deprecated fields").
                let fields = cx.returned_entity_tables();
                if !fields.is_empty() {
                    entities.push(Entity {
                        name: method
                            .rsplit_once('.')
                            .map_or(method.as_str(), |(ns, _)| ns)
                            .to_string(),
                        page: rel_path.to_string(),
                        fields,
                    });
                }
            }
        }
        // A `*.fields` page with neither a result table nor an example.
        if result.is_none() && crate::spec::is_fields_method(&method) {
            result = Some(Field {
                required: true,
                ..Field::new("result".to_string(), Type::Object)
            });
        }
        let inferred = cx.diagnostics.iter().any(|d| {
            d.kind == DiagnosticKind::ResultFromExample
                && (d.at == "result" || d.at == "result.fields")
        });
        if let Some(r) = result.as_mut().filter(|r| !is_descriptor_map(r)) {
            if let Some((entity, standard)) =
                descriptor_map_by_rule(&method, rel_path, r, cx.example.as_ref(), inferred)
            {
                let name = entity.as_ref().map(|e| e.name.clone()).unwrap_or_default();
                cx.diag(DiagnosticKind::DescriptorMap, "result", name);
                if standard {
                    cx.diag(
                        DiagnosticKind::DescriptorMap,
                        "result",
                        "standard descriptor keys",
                    );
                }
                entities.extend(entity);
            }
        }
        // A link to the entity's fields page names what the map's keys
        // are, not the result: the map is not replaced by the entity.
        if let Some(r) = result.as_mut().filter(|r| is_descriptor_map(r)) {
            r.link = None;
        }
    }
    let paged = paged_by_result || params.iter().any(|p| p.name == "start");
    let (errors, system_errors) = cx.errors();
    let found = super::examples::contradictions(
        &params,
        &examples.bodies,
        result.as_ref(),
        cx.example.as_ref(),
    );
    cx.diagnostics.extend(found);

    let mut diagnostics: Vec<Diagnostic> = std::mem::take(&mut cx.diagnostics)
        .into_iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    diagnostics.sort();

    let url = format!("{}{rel_path}", lang.site());
    PageOutcome {
        spec: Some(MethodSpec {
            method,
            version,
            scopes,
            url,
            deprecated,
            paged,
            params,
            result,
            errors,
            diagnostics,
            examples: cx
                .examples
                .iter()
                .filter_map(|v| v.get("result"))
                .cloned()
                .collect(),
            bodies: examples.bodies.clone(),
        }),
        system_errors,
        entities,
        events: Vec::new(),
    }
}

/// The keys the request examples send (`auth` aside), first seen first,
/// typed from their values; none required; a `filter` or `order` object
/// without the keys of the example.
fn params_from_bodies(bodies: &[Value]) -> Vec<Field> {
    let mut out: Vec<Field> = Vec::new();
    for body in bodies {
        let Value::Object(map) = body else { continue };
        for (k, v) in map {
            if k == "auth" || out.iter().any(|f| &f.name == k) {
                continue;
            }
            let (ty, mut fields) = super::infer::infer(v);
            // The keys one example filters or sorts by (`>DATE`) are its
            // choice, not the object's shape.
            if k.eq_ignore_ascii_case("filter") || k.eq_ignore_ascii_case("order") {
                fields.clear();
            }
            out.push(Field {
                fields,
                from_example: true,
                ..Field::new(k.clone(), ty)
            });
        }
    }
    out
}

/// A field inside a top-level `filter` or `order` object (any case) is
/// never required: both select, neither is a record to be complete. The
/// (path, object name) of each field unmarked.
fn unrequire_filter_order(params: &mut [Field]) -> Vec<(String, String)> {
    fn clear(fields: &mut [Field], path: &str, top: &str, out: &mut Vec<(String, String)>) {
        for f in fields {
            let at = format!("{path}.{}", f.name);
            if f.required {
                f.required = false;
                out.push((at.clone(), top.to_string()));
            }
            clear(&mut f.fields, &at, top, out);
        }
    }
    let mut out = Vec::new();
    for p in params.iter_mut() {
        if p.name.eq_ignore_ascii_case("filter") || p.name.eq_ignore_ascii_case("order") {
            let path = format!("params.{}", p.name);
            let top = p.name.clone();
            clear(&mut p.fields, &path, &top, &mut out);
        }
    }
    out
}

/// "Pass one of the parameters `A` or `B`", "at least one of", "один из
/// параметров", "хотя бы одно из полей": where a sentence of the page says
/// so and names two or more required fields of one level (top-level params
/// or the fields of one of them), none of them is required. The (path,
/// `one of A, B`) of each field unmarked.
fn unrequire_one_of(raw: &RawPage, params: &mut [Field]) -> Vec<(String, String)> {
    let mut sentences: Vec<Vec<String>> = Vec::new();
    let mut lines: Vec<&Line> = Vec::new();
    for b in &raw.blocks {
        match b {
            Block::Para(l) => lines.push(l),
            Block::Quote(ls) => lines.extend(ls),
            Block::Table(rows) => lines.extend(rows.iter().flatten().flat_map(|c| c.lines.iter())),
            Block::Note(t) if vocab::says_one_of(&lower(t)) => {
                // A note keeps no code spans: its words stand for them.
                let words = t
                    .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .filter(|w| !w.is_empty())
                    .map(str::to_string)
                    .collect();
                sentences.push(words);
            }
            _ => {}
        }
    }
    for l in lines {
        if vocab::says_one_of(&lower(&l.text)) {
            sentences.push(l.codes.clone());
        }
    }
    let mut out = Vec::new();
    for names in &sentences {
        unrequire_named(params, "params", names, &mut out, 0);
    }
    out
}

fn unrequire_named(
    fields: &mut [Field],
    path: &str,
    names: &[String],
    out: &mut Vec<(String, String)>,
    depth: usize,
) {
    let hit: Vec<usize> = fields
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            f.required && f.pattern.is_none() && names.iter().any(|n| n.trim() == f.name)
        })
        .map(|(i, _)| i)
        .collect();
    if hit.len() >= 2 {
        let listed: Vec<&str> = hit.iter().map(|&i| fields[i].name.as_str()).collect();
        let detail = format!("one of {}", listed.join(", "));
        for &i in &hit {
            fields[i].required = false;
            out.push((format!("{path}.{}", fields[i].name), detail.clone()));
        }
    }
    if depth == 0 {
        for f in fields.iter_mut() {
            let p = format!("{path}.{}", f.name);
            unrequire_named(&mut f.fields, &p, names, out, depth + 1);
        }
    }
}

/// The result, or its one wrapper field, is a map keyed by a pattern.
fn is_descriptor_map(r: &Field) -> bool {
    let keyed = |fs: &[Field]| fs.iter().any(|f| f.pattern.is_some());
    keyed(&r.fields)
        || matches!(r.fields.as_slice(), [w] if w.pattern.is_none() && keyed(&w.fields))
}

/// The keys of a field descriptor where neither the page's table nor its
/// example gives them: the descriptor every `*.fields` map of the REST API
/// answers with.
fn standard_descriptor() -> Vec<Field> {
    use crate::spec::types::Scalar;
    let string = || Type::Scalar(Scalar::String);
    let boolean = || Type::Scalar(Scalar::Boolean);
    vec![
        Field::new("type".to_string(), string()),
        Field::new("isRequired".to_string(), boolean()),
        Field::new("isReadOnly".to_string(), boolean()),
        Field::new("isImmutable".to_string(), boolean()),
        Field::new("isMultiple".to_string(), boolean()),
        Field::new("isDynamic".to_string(), boolean()),
        Field::new("title".to_string(), string()),
    ]
}

/// A method that describes fields (`*.fields`, `*.getFields`, or a result
/// table of descriptors) whose result is not yet a map: it answers with a
/// map from field name to descriptor, by rule. The table's rows are the
/// descriptor when they are descriptors, else the entity's own fields (the
/// entity, named by the method without its last segment). The descriptor's
/// keys: the table's, else those of the example's first map value, else
/// [`standard_descriptor`] (the `bool` says so). A wrapper is kept where
/// the table or the example shows one (`fields: object`, `{"fields": {..}}`).
/// A list result (an array) is not a map and is left as it is.
fn descriptor_map_by_rule(
    method: &str,
    rel_path: &str,
    r: &mut Field,
    example: Option<&Value>,
    inferred: bool,
) -> Option<(Option<Entity>, bool)> {
    let body = example.and_then(|e| e.get("result"));
    // A list around one map (`[{"id": {..}, "title": {..}}]`): the list is a
    // wrapper the example shows, kept; the map is its item.
    let is_map = |v: &Value| {
        v.as_object()
            .is_some_and(|m| !m.is_empty() && m.values().all(Value::is_object))
    };
    let (body, in_list) = match body {
        Some(Value::Array(items)) => match items.first() {
            Some(first) if is_map(first) => (Some(first), true),
            _ => return None,
        },
        other => (other, false),
    };
    // A list stays a list, unless the example answers with an object (a
    // map the table calls an `array`).
    let listed = matches!(r.ty, Type::Array(_)) && body.is_none_or(|b| !b.is_object());
    if listed
        || matches!(r.ty, Type::Scalar(_) | Type::Null)
        || body.is_some_and(|b| !b.is_object())
    {
        return None;
    }
    let named = |fs: &[Field]| -> Vec<String> {
        fs.iter()
            .filter(|f| f.pattern.is_none())
            .map(|f| f.name.clone())
            .collect()
    };
    // The wrapper: the table's one object row, or the example's one key
    // that the table does not name.
    let (wrapper, rows) = match r.fields.as_slice() {
        [w] if !in_list
            && w.ty.has_object()
            && !matches!(w.ty, Type::Array(_))
            && !crate::spec::are_descriptors(&w.fields)
            && body.is_none_or(|b| b.get(&w.name).is_some_and(is_map)) =>
        {
            (Some(w.name.clone()), w.fields.clone())
        }
        _ => {
            let table = named(&r.fields);
            let key = body
                .and_then(Value::as_object)
                .filter(|m| m.len() == 1)
                .and_then(|m| m.iter().next())
                .filter(|(k, v)| is_map(v) && !table.contains(k))
                .map(|(k, _)| k.clone());
            (key, r.fields.clone())
        }
    };
    // The map as the example shows it.
    let map = body.and_then(|b| match &wrapper {
        Some(k) => b.get(k).and_then(Value::as_object),
        None => b.as_object(),
    });
    let from_example = map
        .and_then(|m| m.values().find(|v| v.is_object()))
        .map(|v| super::infer::infer(v).1)
        .filter(|fs| !fs.is_empty());
    // Rows read off the example are not the entity's own fields.
    let rows = if inferred && !crate::spec::are_descriptors(&rows) {
        Vec::new()
    } else {
        rows
    };
    let (descriptor, entity_fields, standard) = if crate::spec::are_descriptors(&rows) {
        (rows, Vec::new(), false)
    } else {
        match from_example {
            Some(fs) => (fs, rows, false),
            None => (standard_descriptor(), rows, true),
        }
    };
    let entity = (!entity_fields.is_empty()).then(|| Entity {
        name: method
            .rsplit_once('.')
            .map_or(method, |(head, _)| head)
            .to_string(),
        page: rel_path.to_string(),
        fields: entity_fields,
    });
    let item = Field {
        pattern: Some("*".to_string()),
        fields: descriptor,
        ..Field::new("<field>".to_string(), Type::Object)
    };
    r.ty = if in_list {
        Type::Array(Box::new(Type::Object))
    } else {
        Type::Object
    };
    r.fields = match wrapper {
        Some(key) => vec![Field {
            required: true,
            fields: vec![item],
            ..Field::new(key, Type::Object)
        }],
        None => vec![item],
    };
    Some((entity, standard))
}

/// A `*.fields` result the page leaves without fields (`object`, or one
/// wrapper `measure: object`) while its example answers with descriptors
/// (`{"code": {"type": ..., "isRequired": ...}, ...}`): a map from field
/// name to the descriptor, its keys read off the example. Where it was put.
fn undescribed_descriptors(r: &mut Field, example: &Value) -> Option<String> {
    let body = example.get("result")?;
    let (target, map, at): (&mut Field, &serde_json::Map<String, Value>, String) =
        match r.fields.as_mut_slice() {
            [] => (r, body.as_object()?, "result".to_string()),
            [w] if w.fields.is_empty() => {
                let m = body.get(&w.name)?.as_object()?;
                let at = format!("result.{}", w.name);
                (w, m, at)
            }
            _ => return None,
        };
    let first = map.values().find(|v| !v.is_null())?;
    let all_objects = map.values().all(|v| v.is_null() || v.is_object());
    let (_, fields) = super::infer::infer(first);
    if !all_objects || !crate::spec::are_descriptors(&fields) {
        return None;
    }
    target.ty = Type::Object;
    target.fields = vec![Field {
        pattern: Some("*".to_string()),
        fields,
        ..Field::new("<field>".to_string(), Type::Object)
    }];
    Some(at)
}

/// A `*.fields` page whose table lists the entity's own fields while its
/// example answers with a map from field name to something else (a field
/// descriptor, or a title): the table becomes the entity (named by the
/// method without `.fields`), the result the map, with the descriptor's
/// keys read off the example. A wrapper key around the map (`fields`) is
/// kept.
fn fields_answer(method: &str, rel_path: &str, r: &mut Field, example: &Value) -> Option<Entity> {
    let named: Vec<&str> = r
        .fields
        .iter()
        .filter(|f| f.pattern.is_none())
        .map(|f| f.name.as_str())
        .collect();
    if named.is_empty() || crate::spec::are_descriptors(&r.fields) {
        return None;
    }
    let body = example.get("result")?;
    // The map of fields: the result itself, or its one wrapper key.
    let (wrapper, map) = match body {
        Value::Object(m) if m.len() == 1 && !named.contains(&m.keys().next()?.as_str()) => {
            let (k, v) = m.iter().next()?;
            (Some(k.clone()), v.as_object()?)
        }
        Value::Object(m) => (None, m),
        _ => return None,
    };
    // The map is keyed by the documented field names.
    if !named.iter().any(|n| map.contains_key(*n)) {
        return None;
    }
    let first = map.values().find(|v| !v.is_null())?;
    if !map
        .values()
        .all(|v| v.is_null() || std::mem::discriminant(v) == std::mem::discriminant(first))
    {
        return None;
    }
    let (ty, fields) = match first {
        Value::Object(_) => {
            let (_, fields) = super::infer::infer(first);
            (Type::Object, fields)
        }
        other => (super::infer::infer(other).0, Vec::new()),
    };
    if ty == Type::Object && !crate::spec::are_descriptors(&fields) {
        return None;
    }
    let entity = Entity {
        name: method
            .rsplit_once('.')
            .map_or(method, |(head, _)| head)
            .to_string(),
        page: rel_path.to_string(),
        fields: std::mem::take(&mut r.fields),
    };
    let item = Field {
        pattern: Some("*".to_string()),
        fields,
        ..Field::new("<field>".to_string(), ty)
    };
    r.ty = Type::Object;
    r.fields = match wrapper {
        Some(key) => vec![Field {
            required: true,
            fields: vec![item],
            ..Field::new(key, Type::Object)
        }],
        None => vec![item],
    };
    Some(entity)
}

/// A family of methods rather than one (`imbot.v2`, `im.v2`): the last
/// segment is a version.
fn is_family(m: &str) -> bool {
    last_segment(m)
        .strip_prefix('v')
        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

/// The last segment of a method name.
fn last_segment(m: &str) -> &str {
    m.rsplit('.').next().unwrap_or(m)
}

/// Letters and digits only, lowercased: `crm-deal-category-stage-list` and
/// `crm.dealcategory.stage.list` read the same.
fn squashed(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The method a page documents, and the title's own spelling when the
/// page's examples show that the title has it wrong.
///
/// 1. A method the title names (its last word first, then any word,
///    mid-sentence or in backticks) that the examples call: that one. Case
///    does not matter (the API does not mind it); the title's spelling stays.
/// 2. A method the examples call whose name reads like the file name
///    (`crm-item-fields.html` → `crm.item.fields`, `scope.html` → `scope`).
///    When the title's last word names another method, that was a typo
///    (`department.department.delete`), kept as a diagnostic.
/// 3. The title's last word, when it names a method with the same last
///    segment as the one method the examples call with it (a typo again);
///    else the last word itself, unless its last segment is a version
///    (`imbot.v2`: a family of methods, named by a change log or overview).
/// 4. The one method name in the title (mid-sentence: "Get the List of
///    Stages for the rpa.stage.listForType Process"), unless a family.
/// 5. The one method the examples call that the introduction names too,
///    when the page has a parameters section or says it takes none.
fn method_name(
    raw: &RawPage,
    rel_path: &str,
    calls: &[super::examples::Call],
) -> Option<(String, Option<String>)> {
    let has_params = raw.blocks.iter().any(|b| match b {
        Block::Heading { text, .. } => vocab::is_params_heading(&lower(text)),
        Block::Para(l) => says_no_params(&l.text),
        _ => false,
    });
    let called = |m: &str| calls.iter().any(|c| c.method.eq_ignore_ascii_case(m));
    let tokens: Vec<&str> = raw
        .title
        .split_whitespace()
        .map(title_token)
        .filter(|t| is_method_name(t))
        .collect();
    let last_word = raw
        .title
        .split_whitespace()
        .last()
        .map(title_token)
        .filter(|t| is_method_name(t));
    // 1.
    if let Some(m) = last_word
        .filter(|m| called(m))
        .or_else(|| tokens.iter().copied().find(|t| called(t)))
    {
        return Some((m.to_string(), None));
    }
    // 2.
    let stem = rel_path
        .rsplit('/')
        .next()
        .unwrap_or(rel_path)
        .trim_end_matches(".html")
        .trim_end_matches(".md");
    let mut by_file: Vec<&str> = calls
        .iter()
        .map(|c| c.method.as_str())
        .filter(|c| squashed(c) == squashed(stem))
        .collect();
    by_file.dedup();
    if let [m] = by_file.as_slice() {
        return Some((m.to_string(), last_word.map(str::to_string)));
    }
    // 3.
    if let Some(m) = last_word {
        let mut alts: Vec<&str> = calls
            .iter()
            .map(|c| c.method.as_str())
            .filter(|c| last_segment(c).eq_ignore_ascii_case(last_segment(m)))
            .collect();
        alts.dedup();
        if let [alt] = alts.as_slice() {
            return Some((alt.to_string(), Some(m.to_string())));
        }
        return (!is_family(m)).then(|| (m.to_string(), None));
    }
    // 4.
    if let [one] = tokens.as_slice() {
        if !is_family(one) {
            return Some((one.to_string(), None));
        }
    }
    // 5.
    if !has_params {
        return None;
    }
    let first_h2 = raw
        .blocks
        .iter()
        .position(|b| matches!(b, Block::Heading { level: 2, .. }))
        .unwrap_or(raw.blocks.len());
    let intro_codes: Vec<&str> = raw.blocks[..first_h2]
        .iter()
        .filter_map(|b| match b {
            Block::Para(l) => Some(l.codes.iter().map(String::as_str)),
            _ => None,
        })
        .flatten()
        .collect();
    let mut found: Vec<&str> = calls
        .iter()
        .map(|c| c.method.as_str())
        .filter(|m| is_method_name(m) && intro_codes.contains(m))
        .collect();
    found.dedup();
    match found.as_slice() {
        [one] => Some((one.to_string(), None)),
        _ => None,
    }
}

/// The first link of a row to a page that lists an object's fields
/// (`crm-quote-fields.md`, `../fields.md`), resolved against the page's own
/// path to a path below the docs root (`.md` read as `.html`, no anchor).
fn fields_page_link(rel_path: &str, name: &Cell, desc: Option<&Cell>) -> Option<String> {
    let links = name
        .links
        .iter()
        .chain(desc.into_iter().flat_map(|d| d.links.iter()));
    for href in links {
        let path = href.split('#').next().unwrap_or_default();
        let stem = path
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .trim_end_matches(".md")
            .trim_end_matches(".html");
        if stem.ends_with("fields") {
            return resolve_link(rel_path, path);
        }
    }
    None
}

/// A link of a row's type or description to a table on another page
/// (`crm-deal-get.md#deal` for `deal[]`), for a field that holds objects:
/// `page.html#anchor` below the docs root. The type cell's link wins; a link
/// of the description counts only when the type names no scalar.
fn entity_anchor_link(
    rel_path: &str,
    name: &Cell,
    desc: Option<&Cell>,
    ty: &Type,
) -> Option<String> {
    if !admits_fields(ty) {
        return None;
    }
    name.links
        .iter()
        .chain(desc.into_iter().flat_map(|d| d.links.iter()))
        .find_map(|href| {
            let (path, anchor) = href.split_once('#')?;
            let path = path.trim();
            if anchor.is_empty()
                || path.is_empty()
                || !(path.ends_with(".md") || path.ends_with(".html"))
            {
                return None;
            }
            Some(format!("{}#{anchor}", resolve_link(rel_path, path)?))
        })
}

/// The envelope's `time` block written inside `result` (`"result": {...,
/// "time": {"start": .., "finish": ..}}` with no `time` beside it): moved
/// out, where the server sends it, so it is not read as a result key.
/// Whether it moved.
fn lift_envelope_time(response: &mut Value) -> bool {
    let Some(top) = response.as_object_mut() else {
        return false;
    };
    if top.contains_key("time") {
        return false;
    }
    let Some(Value::Object(result)) = top.get_mut("result") else {
        return false;
    };
    let is_envelope_time = result
        .get("time")
        .and_then(Value::as_object)
        .is_some_and(|t| t.contains_key("start") && t.contains_key("finish"));
    if !is_envelope_time {
        return false;
    }
    let Some(time) = result.remove("time") else {
        return false;
    };
    top.insert("time".to_string(), time);
    true
}

/// The fields of the parameter table under heading block `heading`, if it
/// has one with any rows.
fn entity_table(cx: &mut Context<'_>, heading: usize, at: &str) -> Option<Vec<Field>> {
    let (tidx, rows) = cx.anchor_table(heading)?;
    if !matches!(classify(rows), TableKind::Params { .. }) {
        return None;
    }
    let mut visited = vec![tidx];
    let mut fields = cx.param_rows(rows, at, &mut visited);
    super::meaning::refine(&mut fields, None);
    (!fields.is_empty()).then_some(fields)
}

/// A page's folder below `api-reference/`, dotted (`crm.requisites.universal`).
fn folder_of(rel_path: &str) -> String {
    rel_path
        .trim_start_matches("api-reference/")
        .rsplit_once('/')
        .map_or("", |(d, _)| d)
        .replace('/', ".")
}

/// The entities a page documents: on a `data-types` page every heading
/// named like a type (`sale_basket_item`) over a parameter table; on a
/// fields page that is not a method page (`tasks/fields.html`) its first
/// parameter table.
pub fn entities(rel_path: &str, raw: &RawPage) -> Vec<Entity> {
    let stem = rel_path
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .trim_end_matches(".html");
    let mut cx = Context::new(raw, rel_path);
    let mut out = Vec::new();
    if stem == "data-types" {
        // Headings by their anchors, so that a link to `data-types.md#type`
        // finds the table under that heading.
        let mut anchor_of: Vec<(usize, &str)> = cx.anchors.iter().map(|(a, i)| (*i, *a)).collect();
        anchor_of.sort();
        for (i, _, text) in cx.headings() {
            let name = text.trim();
            let word = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !word {
                continue;
            }
            let type_like = name.contains('_');
            let anchor = anchor_of.iter().find(|(h, _)| *h == i).map(|(_, a)| *a);
            let Some(fields) = entity_table(&mut cx, i, name) else {
                continue;
            };
            if let Some(anchor) = anchor.filter(|_| !type_like) {
                // Reached by its anchor: named by the folder of the page
                // (`crm/data-types.html#type` → `crm.type`).
                let folder = folder_of(rel_path);
                out.push(Entity {
                    name: if folder.is_empty() {
                        name.to_string()
                    } else {
                        format!("{folder}.{name}")
                    },
                    page: format!("{rel_path}#{anchor}"),
                    fields: fields.clone(),
                });
            }
            if type_like {
                out.push(Entity {
                    name: name.to_string(),
                    page: rel_path.to_string(),
                    fields,
                });
            }
        }
    } else if stem == "index" {
        // A section's overview page: its anchored tables, for the method
        // pages that link to one (`./index.md#fields`).
        let mut anchored: Vec<(&str, usize)> = cx.anchors.iter().map(|(a, i)| (*a, *i)).collect();
        anchored.sort();
        let folder = folder_of(rel_path);
        for (anchor, heading) in anchored {
            if let Some(fields) = entity_table(&mut cx, heading, anchor) {
                out.push(Entity {
                    name: format!("{folder}.{}", anchor.replace('-', "_")),
                    page: format!("{rel_path}#{anchor}"),
                    fields,
                });
            }
        }
    } else if stem.ends_with("fields") {
        let tables = cx.tables_in(0..cx.blocks().len());
        if let Some((tidx, rows)) = tables
            .into_iter()
            .find(|(_, rows)| matches!(classify(rows), TableKind::Params { .. }))
        {
            let mut visited = vec![tidx];
            let mut fields = cx.param_rows(rows, "fields", &mut visited);
            super::meaning::refine(&mut fields, None);
            if !fields.is_empty() {
                out.push(Entity {
                    name: rel_path.to_string(),
                    page: rel_path.to_string(),
                    fields,
                });
            }
        }
    }
    out
}

/// Rows named by their path (`result.bot`, `result.events[].eventId`) as a
/// tree: `result.` dropped, each row under the row its path names (made an
/// `object`, or `object[]` for `name[]`, when the table has no row for it).
pub(super) fn nest_dotted(rows: Vec<Field>) -> Vec<Field> {
    let mut out: Vec<Field> = Vec::new();
    for mut row in rows {
        let path = row
            .name
            .strip_prefix("result.")
            .unwrap_or(&row.name)
            .to_string();
        let segs: Vec<&str> = path.split('.').filter(|s| !s.is_empty()).collect();
        let Some((last, parents)) = segs.split_last() else {
            continue;
        };
        row.name = last.trim_end_matches("[]").to_string();
        let mut level = &mut out;
        for seg in parents {
            let name = seg.trim_end_matches("[]");
            let pos = match level.iter().position(|f| f.name == name) {
                Some(p) => p,
                None => {
                    let ty = if seg.ends_with("[]") {
                        Type::Array(Box::new(Type::Object))
                    } else {
                        Type::Object
                    };
                    level.push(Field::new(name.to_string(), ty));
                    level.len() - 1
                }
            };
            level = &mut level[pos].fields;
        }
        if !level.iter().any(|f| f.name == row.name) {
            level.push(row);
        }
    }
    out
}

/// Whether a value of this type can have fields of its own.
fn admits_fields(t: &Type) -> bool {
    match t {
        Type::Scalar(_) | Type::Null => false,
        Type::Ref(r) => r.field.is_none(),
        Type::Array(inner) => admits_fields(inner),
        Type::Union(vs) => vs.iter().any(admits_fields),
        Type::Object | Type::Any => true,
    }
}

fn says_no_params(text: &str) -> bool {
    vocab::says_no_params(&lower(text))
}

pub(super) fn is_deprecation_note(text: &str) -> bool {
    vocab::is_deprecation_note(&lower(text))
}

pub(super) fn scopes(intro: &[Block]) -> Vec<String> {
    for b in intro {
        if let Block::Quote(lines) = b {
            for l in lines {
                if l.text
                    .trim_start()
                    .to_ascii_lowercase()
                    .starts_with("scope")
                {
                    let mut out: Vec<String> = Vec::new();
                    for c in &l.codes {
                        for s in c.split(',') {
                            let s = vocab::scope_name(s.trim());
                            if !s.is_empty() && !out.iter().any(|o| o == s) {
                                out.push(s.to_string());
                            }
                        }
                    }
                    return out;
                }
            }
        }
    }
    Vec::new()
}

/// What kind of table a header row makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TableKind {
    /// Name/type | Description (maybe a separate Type column); `skip` is 0
    /// for a table with no header row, else 1.
    Params {
        type_col: Option<usize>,
        skip: usize,
    },
    /// Code | Description, Value | Description: allowed values.
    Values,
    /// Status? | Code | ...: errors.
    Errors {
        code_col: usize,
        status_col: Option<usize>,
    },
    Other,
}

fn header_words(row: &[Cell]) -> Vec<String> {
    row.iter()
        .map(|c| lower(&c.text()).replace('\n', " "))
        .collect()
}

pub(super) fn classify(rows: &[Vec<Cell>]) -> TableKind {
    let Some(head) = rows.first() else {
        return TableKind::Other;
    };
    let words = header_words(head);
    let Some(first) = words.first() else {
        return TableKind::Other;
    };
    // "Value `type`" heads the field tables of data-types pages: rows with
    // a type are fields, whatever the first word.
    if vocab::is_field_header(first) {
        if let Some(i) = words.iter().skip(1).position(|w| vocab::is_type_word(w)) {
            return TableKind::Params {
                type_col: Some(i + 1),
                skip: 1,
            };
        }
        if vocab::mentions_type(first) || (words.len() >= 2 && !vocab::mentions_error(first)) {
            return TableKind::Params {
                type_col: None,
                skip: 1,
            };
        }
    }
    let code_col = words.iter().position(|w| vocab::is_code_header(w));
    let status_col = words.iter().position(|w| vocab::is_status_header(w));
    if let Some(code_col) = code_col {
        let looks_like_errors = status_col.is_some()
            || words
                .iter()
                .any(|w| vocab::mentions_error(w) || vocab::is_message_header(w));
        if looks_like_errors {
            return TableKind::Errors {
                code_col,
                status_col,
            };
        }
        if words.len() >= 2 {
            return TableKind::Values;
        }
    }
    if vocab::is_value_header(first) && words.len() >= 2 {
        return TableKind::Values;
    }
    // No header row: the first row already reads `**name**` over a type.
    let first_cell = &head[0];
    let headerless = first_cell.lines.len() >= 2
        && first_cell.lines[0].strong.is_some()
        && !first_cell.lines[1].codes.is_empty()
        && head.len() >= 2;
    if headerless {
        return TableKind::Params {
            type_col: None,
            skip: 0,
        };
    }
    TableKind::Other
}

pub(super) struct Context<'a> {
    pub(super) raw: &'a RawPage,
    /// The page's path below the docs root, for links to other pages.
    pub(super) rel_path: &'a str,
    /// Heading id → block index.
    anchors: HashMap<&'a str, usize>,
    pub(super) diagnostics: Vec<Diagnostic>,
    /// The example response, once `result` has looked for it.
    example: Option<Value>,
    /// Every example response of that section, in page order (the first is
    /// `example`).
    examples: Vec<Value>,
    /// The names of the fields the page's parameter tables document, once
    /// asked for.
    field_names: std::cell::OnceCell<BTreeSet<String>>,
}

impl<'a> Context<'a> {
    pub(super) fn new(raw: &'a RawPage, rel_path: &'a str) -> Self {
        let mut anchors = HashMap::new();
        for (i, b) in raw.blocks.iter().enumerate() {
            if let Block::Heading { id, .. } = b {
                if !id.is_empty() {
                    anchors.entry(id.as_str()).or_insert(i);
                }
            }
        }
        Self {
            raw,
            rel_path,
            anchors,
            diagnostics: Vec::new(),
            example: None,
            examples: Vec::new(),
            field_names: std::cell::OnceCell::new(),
        }
    }

    /// The names of the fields every parameter-style table of the page
    /// documents.
    fn field_names(&self) -> &BTreeSet<String> {
        let raw = self.raw;
        self.field_names.get_or_init(|| {
            let mut out = BTreeSet::new();
            for b in &raw.blocks {
                let Block::Table(rows) = b else { continue };
                let TableKind::Params { skip, .. } = classify(rows) else {
                    continue;
                };
                for row in rows.iter().skip(skip) {
                    if let Some((name, _, _)) = row.first().and_then(name_and_mark) {
                        out.insert(name);
                    }
                }
            }
            out
        })
    }

    pub(super) fn diag(
        &mut self,
        kind: DiagnosticKind,
        at: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.diagnostics.push(Diagnostic {
            kind,
            at: at.into(),
            detail: detail.into(),
        });
    }

    fn blocks(&self) -> &'a [Block] {
        &self.raw.blocks
    }

    /// Sections: (heading index, level, lowercased text) of every heading.
    fn headings(&self) -> Vec<(usize, u8, String)> {
        self.blocks()
            .iter()
            .enumerate()
            .filter_map(|(i, b)| match b {
                Block::Heading { level, text, .. } => Some((i, *level, lower(text))),
                _ => None,
            })
            .collect()
    }

    /// The block range of the section a heading opens: up to the next heading
    /// of the same or a higher level.
    pub(super) fn section(&self, start: usize) -> std::ops::Range<usize> {
        let level = match &self.blocks()[start] {
            Block::Heading { level, .. } => *level,
            _ => return start..start,
        };
        let end = self.blocks()[start + 1..]
            .iter()
            .position(|b| matches!(b, Block::Heading { level: l, .. } if *l <= level))
            .map_or(self.blocks().len(), |p| start + 1 + p);
        start + 1..end
    }

    pub(super) fn find_heading(&self, pred: impl Fn(u8, &str) -> bool) -> Option<usize> {
        self.headings()
            .into_iter()
            .find(|(_, level, text)| pred(*level, text))
            .map(|(i, _, _)| i)
    }

    pub(super) fn tables_in(
        &self,
        range: std::ops::Range<usize>,
    ) -> Vec<(usize, &'a Vec<Vec<Cell>>)> {
        let blocks = self.blocks();
        range
            .filter_map(|i| match &blocks[i] {
                Block::Table(rows) => Some((i, rows)),
                _ => None,
            })
            .collect()
    }

    fn says_no_params(&self) -> bool {
        self.blocks().iter().any(|b| match b {
            Block::Para(l) => says_no_params(&l.text),
            Block::Note(t) => says_no_params(t),
            _ => false,
        })
    }

    fn params(&mut self) -> Vec<Field> {
        let section = self
            .find_heading(|level, t| level == 2 && is_params_heading(t))
            .or_else(|| self.find_heading(|level, t| level <= 3 && is_params_heading(t)));
        let table = match section {
            Some(h) => {
                let range = self.section(h);
                self.tables_in(range)
                    .into_iter()
                    .find(|(_, rows)| matches!(classify(rows), TableKind::Params { .. }))
            }
            None => None,
        };
        if let Some((idx, rows)) = table {
            let mut visited = vec![idx];
            return self.param_rows(rows, "params", &mut visited);
        }
        // A table under the parameters heading is a parameter table
        // whatever its header row says ("Method" on older pages).
        let other = section.and_then(|h| {
            self.tables_in(self.section(h))
                .into_iter()
                .find(|(_, rows)| {
                    rows.len() >= 2 && rows[0].len() >= 2 && classify(rows) == TableKind::Other
                })
        });
        if let Some((idx, rows)) = other {
            let words = header_words(&rows[0]);
            let type_col = words
                .iter()
                .skip(1)
                .position(|w| vocab::is_type_word(w))
                .map(|i| i + 1);
            let first = words[0]
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string();
            self.diag(
                DiagnosticKind::GuessedParamsTable,
                "params",
                format!("header {first}"),
            );
            let mut visited = vec![idx];
            return self.param_rows_as(
                rows,
                TableKind::Params { type_col, skip: 1 },
                "params",
                &mut visited,
            );
        }
        if section.is_some() || self.says_no_params() {
            return Vec::new();
        }
        // A parameter table before any heading.
        let first_h2 = self
            .blocks()
            .iter()
            .position(|b| matches!(b, Block::Heading { level: 2, .. }))
            .unwrap_or(self.blocks().len());
        let guessed = self
            .tables_in(0..first_h2)
            .into_iter()
            .find(|(_, rows)| matches!(classify(rows), TableKind::Params { .. }));
        if let Some((idx, rows)) = guessed {
            self.diag(DiagnosticKind::GuessedParamsTable, "params", "");
            let mut visited = vec![idx];
            return self.param_rows(rows, "params", &mut visited);
        }
        self.diag(DiagnosticKind::NoParamsSection, "params", "");
        Vec::new()
    }

    /// Rows of a parameter-style table as fields, following sub-table links.
    pub(super) fn param_rows(
        &mut self,
        rows: &'a [Vec<Cell>],
        at: &str,
        visited: &mut Vec<usize>,
    ) -> Vec<Field> {
        self.param_rows_as(rows, classify(rows), at, visited)
    }

    /// [`Self::param_rows`] with the table's kind given (a table read as a
    /// parameter table whatever its header says).
    fn param_rows_as(
        &mut self,
        rows: &'a [Vec<Cell>],
        kind: TableKind,
        at: &str,
        visited: &mut Vec<usize>,
    ) -> Vec<Field> {
        let TableKind::Params { type_col, skip } = kind else {
            return Vec::new();
        };
        if skip == 0 {
            self.diag(DiagnosticKind::HeaderlessTable, at, "");
        }
        let mut out: Vec<Field> = Vec::new();
        for row in rows.iter().skip(skip) {
            let Some(name_cell) = row.first() else {
                continue;
            };
            let Some((name, required, inline_type)) = name_and_mark(name_cell) else {
                if row.iter().any(|c| !c.lines.is_empty()) {
                    self.diag(DiagnosticKind::UnreadableRow, at, "");
                }
                continue;
            };
            let path = format!("{at}.{name}");
            let type_text = match type_col {
                Some(i) => row.get(i).map(Cell::text).unwrap_or_default(),
                None => {
                    let rest: Vec<&str> = name_cell
                        .lines
                        .iter()
                        .skip(1)
                        .map(|l| l.text.as_str())
                        .collect();
                    if rest.is_empty() {
                        inline_type
                    } else {
                        rest.join("\n")
                    }
                }
            };
            let parsed = Type::parse(&type_text);
            if type_text.trim().is_empty() {
                self.diag(DiagnosticKind::MissingType, &path, "");
            }
            for u in &parsed.unknown {
                self.diag(DiagnosticKind::UnknownType, &path, u.clone());
            }
            let desc = if row.len() > 1 { row.last() } else { None };
            let (mut values, foreign) = desc.map(|d| allowed_values(d, &name)).unwrap_or_default();
            if values.is_empty() && foreign.is_empty() {
                if let Some(d) = desc {
                    match code_list(d, &name, &parsed.ty, || self.field_names()) {
                        CodeList::Values(listed) => values = listed,
                        CodeList::Skipped(why, codes) => self.diag(
                            DiagnosticKind::ProseValuesSkipped,
                            &path,
                            format!("{why}: {}", codes.join(", ")),
                        ),
                        CodeList::None => values = prose_pair(d),
                    }
                }
            }
            for (subject, listed) in foreign {
                // Directions listed for the value placeholder of a map
                // (`order_N`) are the values of the map's values; the
                // entry takes them (`meaning::query_shape`).
                if !listed.is_empty()
                    && values.is_empty()
                    && listed.iter().all(|v| is_sort_direction(v))
                {
                    values = listed;
                } else {
                    self.diag(DiagnosticKind::ValuesOfPlaceholder, &path, subject);
                }
            }
            let mut fields = Vec::new();
            let mut anchors: Vec<&str> = name_cell.anchors.iter().map(String::as_str).collect();
            if let Some(d) = desc {
                anchors.extend(d.anchors.iter().map(String::as_str));
            }
            // The table the fields were read from, as `page#anchor`: the
            // entity's identity when other pages link to the same table.
            let mut from_anchor: Option<String> = None;
            for anchor in anchors {
                let Some(&heading) = self.anchors.get(anchor) else {
                    self.diag(DiagnosticKind::UnresolvedAnchor, &path, anchor);
                    continue;
                };
                let Some((tidx, trows)) = self.anchor_table(heading) else {
                    continue;
                };
                match classify(trows) {
                    // A scalar or an ID (`catalog_catalog.id`) has no fields:
                    // a field table it links to defines what it identifies.
                    TableKind::Params { .. } if fields.is_empty() && admits_fields(&parsed.ty) => {
                        if visited.contains(&tidx) || visited.len() > MAX_NESTING {
                            self.diag(DiagnosticKind::RecursiveType, &path, anchor);
                            continue;
                        }
                        visited.push(tidx);
                        fields = self.param_rows(trows, &path, visited);
                        visited.pop();
                        if !fields.is_empty() {
                            from_anchor = Some(format!("{}#{anchor}", self.rel_path));
                        }
                    }
                    TableKind::Values if values.is_empty() && !parsed.ty.has_object() => {
                        values = table_values(trows);
                    }
                    _ => {}
                }
            }
            if fields.is_empty() && parsed.ty.has_object() {
                let from = visited.last().copied().unwrap_or(0);
                if let Some((tidx, trows)) = self.table_named(&name, from) {
                    if !visited.contains(&tidx) && visited.len() <= MAX_NESTING {
                        visited.push(tidx);
                        fields = self.param_rows(trows, &path, visited);
                        visited.pop();
                    }
                }
            }
            if out.iter().any(|f| f.name == name) {
                continue;
            }
            let link = if fields.is_empty() {
                fields_page_link(self.rel_path, name_cell, desc)
                    .or_else(|| entity_anchor_link(self.rel_path, name_cell, desc, &parsed.ty))
            } else {
                from_anchor
            };
            out.push(Field {
                required,
                values,
                link,
                fields,
                ..Field::new(name, parsed.ty)
            });
        }
        out
    }

    /// A parameter table under a heading that names a field: "Parameter
    /// fields", "FIELDS Parameter", "Filter Parameters", "PLACEMENT_OPTIONS".
    /// The nearest such heading after block `from` wins.
    fn table_named(&self, name: &str, from: usize) -> Option<(usize, &'a Vec<Vec<Cell>>)> {
        let wanted = name.to_ascii_lowercase();
        for (i, b) in self.blocks().iter().enumerate().skip(from + 1) {
            let Block::Heading { level, text, .. } = b else {
                continue;
            };
            // "## fields Parameter" (`sale.propertygroup.update`) is a
            // section of its own, as "### FIELDS Parameter" is a subsection.
            if *level < 2 {
                continue;
            }
            let folded = lower(text);
            let words: Vec<&str> = folded
                .split(|c: char| c.is_whitespace() || c == '`' || c == '"')
                .filter(|w| !w.is_empty())
                .collect();
            let Some(pos) = words.iter().position(|w| *w == wanted) else {
                continue;
            };
            let others_filler = words
                .iter()
                .enumerate()
                .all(|(j, w)| j == pos || vocab::is_filler(w));
            if !others_filler {
                continue;
            }
            if let Some((tidx, rows)) = self.anchor_table(i) {
                if matches!(classify(rows), TableKind::Params { .. }) {
                    return Some((tidx, rows));
                }
            }
        }
        None
    }

    /// The first table a heading's section holds, before any sub-heading.
    fn anchor_table(&self, heading: usize) -> Option<(usize, &'a Vec<Vec<Cell>>)> {
        let blocks = self.blocks();
        for (i, b) in blocks.iter().enumerate().skip(heading + 1) {
            match b {
                Block::Table(rows) => return Some((i, rows)),
                Block::Heading { .. } => return None,
                _ => {}
            }
        }
        None
    }

    /// The one key a result object holds, spelled otherwise by the table
    /// (`property`) than by the example (`shipment`): the key a response
    /// really has is the example's, the type the table's. Only where each
    /// side has exactly one key and the example's value is an object (or a
    /// list of objects) the table's field can hold; the spec says
    /// `key_from_example` with both names.
    fn wrapper_key_from_example(&mut self, result: &mut Field, example: &Value) {
        let Some(map) = example.as_object() else {
            return;
        };
        let entries: Vec<(&String, &Value)> = map.iter().collect();
        let ([field], [(key, value)]) = (result.fields.as_mut_slice(), entries.as_slice()) else {
            return;
        };
        let objects = match value {
            Value::Object(o) => !o.is_empty(),
            Value::Array(items) => items.iter().any(Value::is_object),
            _ => false,
        };
        if field.pattern.is_some()
            || field.name == **key
            || !objects
            || !admits_fields(&field.ty)
            || crate::spec::naming::is_placeholder_key(key)
        {
            return;
        }
        self.diagnostics.push(Diagnostic {
            kind: DiagnosticKind::KeyFromExample,
            at: format!("result.{}", field.name),
            detail: (*key).clone(),
        });
        field.name = (*key).clone();
    }

    /// The parameter tables under the returned-data heading after the first
    /// (the response's own), as one list of fields: on a `*.fields` page,
    /// the entity's fields.
    fn returned_entity_tables(&mut self) -> Vec<Field> {
        let Some(h) = self.find_heading(|level, t| level <= 4 && vocab::is_returned_heading(t))
        else {
            return Vec::new();
        };
        let tables: Vec<(usize, &'a Vec<Vec<Cell>>)> = self
            .tables_in(self.section(h))
            .into_iter()
            .filter(|(_, rows)| matches!(classify(rows), TableKind::Params { .. }))
            .skip(1)
            .collect();
        let mut out: Vec<Field> = Vec::new();
        for (tidx, rows) in tables {
            let mut visited = vec![tidx];
            for f in self.param_rows(rows, "entity", &mut visited) {
                if !out.iter().any(|o| o.name == f.name) {
                    out.push(f);
                }
            }
        }
        super::meaning::refine(&mut out, None);
        out
    }

    /// The result field and whether the response is a paged list.
    fn result(&mut self) -> (Option<Field>, bool) {
        let returned = self.find_heading(|level, t| level <= 4 && vocab::is_returned_heading(t));
        let response_section =
            self.find_heading(|level, t| level == 2 && vocab::is_response_heading(t));
        let example = self.example_response(response_section);
        let example_paged = example
            .as_ref()
            .is_some_and(|v| v.get("next").is_some() || v.get("total").is_some());

        let table = returned.and_then(|h| {
            self.tables_in(self.section(h))
                .into_iter()
                .find(|(_, rows)| matches!(classify(rows), TableKind::Params { .. }))
        });
        if let Some((idx, rows)) = table {
            let mut visited = vec![idx];
            let fields = self.param_rows(rows, "returned", &mut visited);
            let paged =
                example_paged || fields.iter().any(|f| f.name == "next" || f.name == "total");
            let example_result = example.as_ref().and_then(|v| v.get("result")).cloned();
            if let Some(mut result) = fields.iter().find(|f| f.name == "result").cloned() {
                result.required = true;
                // Rows beside `result` (other than the envelope's) are its
                // fields, listed flat: `result` | `basketItem` | `time`.
                let children: Vec<Field> = fields
                    .iter()
                    .filter(|f| !matches!(f.name.as_str(), "result" | "time" | "total" | "next"))
                    .cloned()
                    .collect();
                if result.fields.is_empty()
                    && result.link.is_none()
                    && result.ty.has_object()
                    && !children.is_empty()
                {
                    result.fields = nest_dotted(children);
                }
                if result.fields.is_empty() && result.ty.has_object() {
                    if let Some(v) = &example_result {
                        let (_, inferred) = super::infer::infer(v);
                        if !inferred.is_empty() {
                            self.diag(DiagnosticKind::ResultFromExample, "result.fields", "");
                        }
                        result.fields = inferred;
                    }
                }
                if let Some(v) = &example_result {
                    self.wrapper_key_from_example(&mut result, v);
                    super::meaning::reshape(&mut result, v, "result", &mut self.diagnostics);
                }
                return (Some(result), paged);
            }
            let rest: Vec<Field> = fields
                .into_iter()
                .filter(|f| !matches!(f.name.as_str(), "time" | "total" | "next"))
                .collect();
            if !rest.is_empty() {
                let mut result = Field {
                    required: true,
                    fields: rest,
                    ..Field::new("result".to_string(), Type::Object)
                };
                if let Some(v) = &example_result {
                    self.wrapper_key_from_example(&mut result, v);
                    super::meaning::reshape(&mut result, v, "result", &mut self.diagnostics);
                }
                return (Some(result), paged);
            }
        }
        match example.as_ref().and_then(|v| v.get("result")) {
            Some(v) => {
                self.diag(DiagnosticKind::ResultFromExample, "result", "");
                let (ty, fields) = super::infer::infer(v);
                (
                    Some(Field {
                        required: true,
                        fields,
                        ..Field::new("result".to_string(), ty)
                    }),
                    example_paged,
                )
            }
            None => {
                self.diag(DiagnosticKind::NoResult, "result", "");
                (None, example_paged)
            }
        }
    }

    /// The example response: the first JSON code block with a top-level
    /// `result`, in the response section if there is one, else anywhere
    /// outside the error section.
    fn example_response(&mut self, section: Option<usize>) -> Option<Value> {
        let blocks = self.blocks();
        let range = section.map_or(0..blocks.len(), |h| self.section(h));
        let mut invalid = false;
        let mut repairs: BTreeSet<&'static str> = BTreeSet::new();
        let mut found: Vec<Value> = Vec::new();
        for i in range {
            if let Block::Code { lang, text } = &blocks[i] {
                if !(lang.is_empty() || lang == "json" || lang == "js" || lang == "javascript") {
                    continue;
                }
                if !text.contains("\"result\"") {
                    continue;
                }
                match super::lenient::parse(text) {
                    Some(mut l) if l.value.get("result").is_some() => {
                        repairs.extend(l.repairs);
                        if lift_envelope_time(&mut l.value) {
                            repairs.insert("time_in_result");
                        }
                        found.push(l.value);
                    }
                    Some(_) => {}
                    None => invalid = true,
                }
            }
        }
        if found.is_empty() && invalid {
            self.diag(DiagnosticKind::InvalidExampleJson, "result", "");
        }
        if !repairs.is_empty() {
            let named: Vec<&str> = repairs.into_iter().collect();
            self.diag(
                DiagnosticKind::RepairedExampleJson,
                "result",
                named.join(", "),
            );
        }
        self.example = found.first().cloned();
        self.examples = found;
        self.example.clone()
    }

    /// Method-specific errors, and the rows of the system-error table.
    fn errors(&mut self) -> (Vec<ErrorSpec>, Vec<ErrorSpec>) {
        let mut method_errors: Vec<ErrorSpec> = Vec::new();
        let mut system: Vec<ErrorSpec> = Vec::new();
        let headings = self.headings();
        let error_sections: Vec<usize> = headings
            .iter()
            .filter(|(_, level, t)| *level == 2 && vocab::mentions_error(t))
            .map(|(i, _, _)| *i)
            .collect();
        let ranges: Vec<std::ops::Range<usize>> = if error_sections.is_empty() {
            headings
                .iter()
                .filter(|(_, level, t)| *level <= 4 && vocab::mentions_error(t))
                .map(|(i, _, _)| self.section(*i))
                .collect()
        } else {
            error_sections.iter().map(|&i| self.section(i)).collect()
        };
        let mut seen = BTreeSet::new();
        for range in ranges {
            let mut in_system = false;
            // REST 3.0: "Error Code: `CODE`", then a table of the fields it
            // concerns and the message for each.
            let mut v3_code: Option<String> = None;
            for i in range {
                match &self.blocks()[i] {
                    Block::Heading { text, .. } => {
                        in_system = vocab::is_system_errors_heading(&lower(text));
                        v3_code = None;
                    }
                    Block::Para(line)
                        if vocab::starts_error_code(&lower(&line.text))
                            && !line.codes.is_empty() =>
                    {
                        let code = line.codes[0].trim().to_string();
                        let spec = ErrorSpec {
                            code: Some(code.clone()),
                            message: None,
                            status: None,
                            field: None,
                        };
                        if !method_errors.contains(&spec) {
                            method_errors.push(spec);
                        }
                        v3_code = Some(code);
                    }
                    Block::Table(rows)
                        if v3_code.is_some()
                            && header_words(rows.first().map_or(&[][..], Vec::as_slice))
                                .first()
                                .is_some_and(|w| {
                                    w.starts_with("field") || w.starts_with("поле")
                                }) =>
                    {
                        let code = v3_code.take();
                        let bare = ErrorSpec {
                            code: code.clone(),
                            message: None,
                            status: None,
                            field: None,
                        };
                        for row in rows.iter().skip(1) {
                            let cell_text = |j: usize| {
                                row.get(j).and_then(|c| {
                                    let first = c.lines.first()?;
                                    let t = first.leading_code.clone().unwrap_or_else(|| c.text());
                                    let t = t.trim().trim_matches('`').trim().to_string();
                                    (!t.is_empty() && t != "-" && t != "—").then_some(t)
                                })
                            };
                            let spec = ErrorSpec {
                                code: code.clone(),
                                message: cell_text(1),
                                status: None,
                                field: cell_text(0),
                            };
                            if spec != bare {
                                method_errors.retain(|e| *e != bare);
                            }
                            if !method_errors.contains(&spec) {
                                method_errors.push(spec);
                            }
                        }
                    }
                    Block::Table(rows) => {
                        let Some(cols) = error_columns(rows) else {
                            continue;
                        };
                        let code_col = cols.code;
                        let status_col = cols.status;
                        if !seen.insert(i) {
                            continue;
                        }
                        // A Code column that holds only HTTP statuses (older
                        // CRM pages: `400` | `Access denied.`) holds the
                        // status; the literal message sits beside it.
                        let statuses_only = status_col.is_none()
                            && rows.len() > 1
                            && rows.iter().skip(1).all(|r| {
                                r.get(code_col)
                                    .and_then(|c| c.lines.first())
                                    .map(|l| {
                                        l.leading_code.clone().unwrap_or_else(|| l.text.clone())
                                    })
                                    .and_then(|t| t.trim().parse::<u16>().ok())
                                    .is_some_and(|n| (400..600).contains(&n))
                            });
                        for (n, row) in rows.iter().enumerate().skip(1) {
                            let (specs, prose) = if statuses_only {
                                status_row(row, cols)
                            } else {
                                error_row(row, cols)
                            };
                            for spec in specs {
                                if in_system {
                                    if spec.code.is_some() && !system.contains(&spec) {
                                        system.push(spec);
                                    }
                                    continue;
                                }
                                if spec.code.is_none() && spec.message.is_none() {
                                    // Neither code nor message: kept for its
                                    // status, else dropped; said either way.
                                    let detail = match (prose, spec.status) {
                                        (true, Some(_)) => "message is prose, status kept",
                                        (true, None) => "message is prose, row dropped",
                                        (false, Some(_)) => "no message, status kept",
                                        (false, None) => "empty row dropped",
                                    };
                                    self.diag(
                                        DiagnosticKind::ErrorWithoutCode,
                                        "errors",
                                        format!("row {n}: {detail}"),
                                    );
                                    if spec.status.is_none() {
                                        continue;
                                    }
                                }
                                if !method_errors.contains(&spec) {
                                    method_errors.push(spec);
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        (method_errors, system)
    }
}

fn is_params_heading(t: &str) -> bool {
    vocab::is_params_heading(t)
}

/// The name, the required mark and any type written on the name line.
fn name_and_mark(cell: &Cell) -> Option<(String, bool, String)> {
    let first: &Line = cell.lines.first()?;
    let raw_name = first
        .strong
        .clone()
        .or_else(|| first.leading_code.clone())
        .unwrap_or_else(|| {
            first
                .text
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string()
        });
    let required =
        first.text.contains('*') || first.sup.as_deref().is_some_and(|s| s.contains('*'));
    let name = raw_name
        .trim()
        .trim_end_matches('*')
        .trim()
        .trim_matches('`')
        .trim()
        .to_string();
    if name.is_empty() {
        return None;
    }
    let rest = first
        .text
        .replacen(raw_name.trim(), "", 1)
        .replace('*', "")
        .trim()
        .to_string();
    Some((name, required, rest))
}

/// Values listed after a "possible values" style marker in a description,
/// and the lists the description gives for something else: "Possible
/// values for `field`: ..." names its subject in code right after
/// "for"/"для"; unless that is the field itself, the list is the subject's
/// (a placeholder of a documented format such as `{"field_1": "order_1"}`),
/// never the field's, and the scan goes on to the next marker.
fn allowed_values(cell: &Cell, own: &str) -> (Vec<String>, Vec<(String, Vec<String>)>) {
    let mut out: Vec<String> = Vec::new();
    let mut foreign: Vec<(String, Vec<String>)> = Vec::new();
    let mut lines = cell.lines.iter().peekable();
    while let Some(line) = lines.next() {
        let folded = lower(&line.text);
        let Some(pos) = vocab::values_marker_end(&folded) else {
            continue;
        };
        // Values on the marker line itself, after the colon (lowercasing
        // keeps the byte length of the marker's letters, Cyrillic included).
        let tail = line.text.get(pos..).unwrap_or_default();
        // The subject is never a value, even when it is the field itself.
        let named = subject_of(tail, &line.codes);
        let subject = named.clone().filter(|s| s != own);
        let mut found: Vec<String> = Vec::new();
        if !tail.trim_start_matches(':').trim().is_empty() {
            for c in &line.codes {
                if named.as_deref() == Some(c.as_str()) {
                    continue;
                }
                if tail.contains(c.as_str()) && !found.contains(c) {
                    found.push(c.clone());
                }
            }
        }
        while let Some(next) = lines.peek() {
            match &next.leading_code {
                Some(c) => {
                    if !found.contains(c) {
                        found.push(c.clone());
                    }
                    lines.next();
                }
                None => break,
            }
        }
        match subject {
            Some(subject) => foreign.push((subject, found)),
            None => {
                out = found;
                break;
            }
        }
    }
    (out, foreign)
}

/// What a description's list of codes, one per line, says of a field.
#[derive(Debug, PartialEq)]
enum CodeList {
    /// The description has no such list.
    None,
    /// The field's values.
    Values(Vec<String>),
    /// A list seen but not read as values: why, and its codes.
    Skipped(&'static str, Vec<String>),
}

/// The code a line of a code list gives: the line starts with a code span
/// and the rest is empty or an explanation after a dash or colon ("`O` —
/// order status", "`day`").
fn list_item_code(line: &Line) -> Option<&str> {
    let code = line.leading_code.as_deref()?;
    let rest = line
        .text
        .trim_start()
        .strip_prefix(code.trim())?
        .trim_start();
    (rest.is_empty() || rest.starts_with(['—', '–', '-', ':'])).then_some(code.trim())
}

/// A code that stands for a shape rather than one value (`chatXXX`,
/// `<id>`, `UF_*`, `PROPERTY_N`, `a = b`, `...`).
fn is_placeholder_code(c: &str) -> bool {
    c.contains(['<', '>', '{', '}', '[', ']', '*', '=', '…'])
        || c.contains("...")
        || (c.len() > 3 && c.ends_with("_N"))
        || c.contains("XXX")
        || c.contains("xxx")
        || c.chars().any(char::is_whitespace)
}

/// Whether a listed code can be a value of a field of this type.
fn fits(ty: &Type, v: &str) -> bool {
    use crate::spec::types::Scalar;
    let v = v.trim_matches(['"', '\'']);
    let scalar = |s: Scalar| match s {
        Scalar::Integer | Scalar::Timestamp => v.parse::<i64>().is_ok(),
        Scalar::Double => v.parse::<f64>().is_ok(),
        Scalar::Boolean => matches!(v, "Y" | "N" | "true" | "false" | "1" | "0"),
        Scalar::String | Scalar::Text | Scalar::Char | Scalar::Enum => true,
        Scalar::Date | Scalar::Datetime | Scalar::File | Scalar::Callable => false,
    };
    match ty {
        Type::Scalar(s) => scalar(*s),
        Type::Ref(r) => r.scalar().is_none_or(scalar),
        Type::Union(ts) => ts.iter().any(|t| fits(t, v)),
        Type::Any => true,
        Type::Null | Type::Object | Type::Array(_) => false,
    }
}

/// A type whose values a description may list: a scalar, a reference, or
/// a union of those (and null). An `any` field is left alone: its lists
/// are mostly the keys of an object.
fn takes_listed_values(ty: &Type) -> bool {
    match ty {
        Type::Scalar(_) | Type::Ref(_) => true,
        Type::Union(ts) => ts
            .iter()
            .all(|t| matches!(t, Type::Null) || takes_listed_values(t)),
        Type::Any | Type::Null | Type::Object | Type::Array(_) => false,
    }
}

/// A code before a list that is a template the listed codes are parts of
/// (`{entityTypeName} #{id}`, `#LAST_NAME# #NAME#`): a placeholder in
/// braces or angle brackets, or words of which one is a listed code.
fn is_template_of(c: &str, codes: &[String]) -> bool {
    let parts: Vec<&str> = c.split_whitespace().collect();
    c.contains(['{', '<']) || parts.len() >= 2 && parts.iter().any(|p| codes.iter().any(|x| x == p))
}

/// The values a description lists without a "possible values" marker: one
/// run of two or more lines (list items or lines split at `<br>`), each a
/// code span alone or followed by a dash and its meaning ("Status type:" /
/// "`O` — order status" / "`D` — delivery status"). The list is not read
/// (and says so) when the line before it introduces a format or examples,
/// when a code is a placeholder (`chatXXX`, `<id>`), names a field
/// documented on the page (`own` aside, a list of fields), or does not fit
/// the field's type (`asc` for a date), when the line before it names
/// another field of the page in code (values keyed by that field), or when
/// the description has several such lists. Fields that cannot hold one
/// value of a list (objects, arrays) are not considered.
fn code_list<'n>(
    cell: &Cell,
    own: &str,
    ty: &Type,
    names: impl FnOnce() -> &'n BTreeSet<String>,
) -> CodeList {
    if !takes_listed_values(ty) {
        return CodeList::None;
    }
    let lines = &cell.lines;
    // (the first line of a run, its codes)
    let mut runs: Vec<(usize, Vec<String>)> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let start = i;
        let mut codes: Vec<String> = Vec::new();
        while let Some(c) = lines.get(i).and_then(list_item_code) {
            if !codes.iter().any(|x| x == c) {
                codes.push(c.to_string());
            }
            i += 1;
        }
        if i - start >= 2 {
            runs.push((start, codes));
        }
        i = i.max(start + 1);
    }
    let Some((start, codes)) = runs.pop() else {
        return CodeList::None;
    };
    if !runs.is_empty() {
        let mut all: Vec<String> = runs.into_iter().flat_map(|(_, c)| c).collect();
        all.extend(codes);
        return CodeList::Skipped("several lists", all);
    }
    let lead = start.checked_sub(1).map(|j| &lines[j]);
    if let Some(why) = lead.and_then(|l| vocab::list_lead_not_values(&lower(&l.text))) {
        return CodeList::Skipped(why, codes);
    }
    if lines[..start]
        .iter()
        .flat_map(|l| &l.codes)
        .any(|c| is_template_of(c, &codes))
    {
        return CodeList::Skipped("template parts", codes);
    }
    if codes.iter().any(|c| is_placeholder_code(c)) {
        return CodeList::Skipped("placeholders", codes);
    }
    // The page's field names, only for a list that got this far.
    let names = names();
    if codes.iter().any(|c| c != own && names.contains(c)) {
        return CodeList::Skipped("names of the page's fields", codes);
    }
    if lead.is_some_and(|l| l.codes.iter().any(|c| c != own && names.contains(c.trim()))) {
        return CodeList::Skipped("values keyed by another field", codes);
    }
    if !codes.iter().all(|c| fits(ty, c)) {
        return CodeList::Skipped("not of the field's type", codes);
    }
    CodeList::Values(codes)
}

/// The code span a values marker is "for" (`for `field_N``, `для
/// `order``), or names right before its colon (the Russian genitive:
/// "значения `field`:").
fn subject_of(tail: &str, codes: &[String]) -> Option<String> {
    let t = tail.trim_start();
    if let Some(rest) = t.strip_prefix("for ").or_else(|| t.strip_prefix("для ")) {
        let rest = rest.trim_start();
        return codes.iter().find(|c| rest.starts_with(c.as_str())).cloned();
    }
    codes
        .iter()
        .find(|c| {
            t.strip_prefix(c.as_str())
                .is_some_and(|after| after.trim_start().starts_with(':'))
        })
        .cloned()
}

/// A sort direction (`asc`, `DESC`): the values of an `order` map.
fn is_sort_direction(v: &str) -> bool {
    v.eq_ignore_ascii_case("asc") || v.eq_ignore_ascii_case("desc")
}

/// A description whose only code spans are the two values of a well-known
/// pair, in prose ("takes `Y` or `N`", "`asc` for ascending, `desc` ...").
/// Larger prose lists are not read: a value invented from a sentence is
/// worse than none.
fn prose_pair(cell: &Cell) -> Vec<String> {
    const PAIRS: &[[&str; 2]] = &[
        ["Y", "N"],
        ["true", "false"],
        ["asc", "desc"],
        ["ASC", "DESC"],
    ];
    let mut codes: Vec<&str> = Vec::new();
    for line in &cell.lines {
        for c in &line.codes {
            let c = c.trim();
            if !codes.contains(&c) {
                codes.push(c);
            }
        }
    }
    let pair = PAIRS
        .iter()
        .find(|p| codes.len() == 2 && p.iter().all(|v| codes.contains(v)));
    match pair {
        Some(_) => codes.iter().map(|c| c.to_string()).collect(),
        None => Vec::new(),
    }
}

fn table_values(rows: &[Vec<Cell>]) -> Vec<String> {
    let mut out = Vec::new();
    for row in rows.iter().skip(1) {
        let Some(first) = row.first().and_then(|c| c.lines.first()) else {
            continue;
        };
        let v = first
            .leading_code
            .clone()
            .unwrap_or_else(|| first.text.clone());
        if !v.is_empty() && !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// The columns of an error table: the code, the status and where the
/// server's message is written.
#[derive(Debug, Clone, Copy)]
struct ErrorColumns {
    code: usize,
    status: Option<usize>,
    /// The message column, and whether its plain text may be read as the
    /// message (`false`: only a literal, in code or quotes, is).
    message: Option<(usize, bool)>,
}

/// The columns of an error table: any table with a `Code` column inside an
/// error section. The message is in a column whose header names it ("Error
/// Message", "Error text", "Текст ошибки"); else in the Description column
/// right after the code when another column (Value, When it occurs) follows
/// to explain it (the description is then the server's text); else, in a
/// two-column Code | Description table, only a literal description (one
/// code span or a quoted string) is a message, plain text there is prose.
fn error_columns(rows: &[Vec<Cell>]) -> Option<ErrorColumns> {
    let (code_col, status_col) = match classify(rows) {
        TableKind::Errors {
            code_col,
            status_col,
        } => (code_col, status_col),
        TableKind::Values => {
            let words = header_words(rows.first()?);
            let code_col = words.iter().position(|w| vocab::is_code_header(w))?;
            (
                code_col,
                words.iter().position(|w| vocab::is_status_header(w)),
            )
        }
        _ => return None,
    };
    let words = header_words(rows.first()?);
    let named = words
        .iter()
        .enumerate()
        .position(|(i, w)| i != code_col && vocab::is_message_header(w));
    let message = match named {
        Some(i) => Some((i, true)),
        None => {
            // The columns after the code, the status column aside.
            let after: Vec<usize> = (code_col + 1..words.len())
                .filter(|i| Some(*i) != status_col)
                .collect();
            match after.as_slice() {
                [d, _, ..] if vocab::is_description_header(&words[*d]) => Some((*d, true)),
                [d] if vocab::is_description_header(&words[*d]) => Some((*d, false)),
                _ => None,
            }
        }
    };
    Some(ErrorColumns {
        code: code_col,
        status: status_col,
        message,
    })
}

/// What a message cell says.
#[derive(Debug, PartialEq)]
enum MessageCell {
    /// Nothing, or a dash.
    Empty,
    /// The server's message(s), as written: the cell is one code span or a
    /// quoted string (or several, one message each: "`A`, `B`"), or, where
    /// `plain` allows, one short line of plain text.
    Messages(Vec<String>),
    /// Explanatory prose: a list, several lines, a long sentence, or a
    /// sentence that introduces something (ends with `:`).
    Prose,
}

/// The longest plain-text line read as a server message.
const MAX_MESSAGE_LEN: usize = 160;

fn message_cell(cell: &Cell, plain: bool) -> MessageCell {
    let text = cell.text();
    let t = text.trim();
    if t.is_empty() || t == "-" || t == "—" || t == ">" {
        return MessageCell::Empty;
    }
    if cell.lines.len() == 1 {
        let line = &cell.lines[0];
        // Literals only: every code span, with nothing but separators
        // between them.
        let mut rest = t.to_string();
        for c in &line.codes {
            rest = rest.replacen(c.as_str(), "", 1);
        }
        let separators = rest
            .chars()
            .all(|ch| ch.is_whitespace() || matches!(ch, ',' | ';' | '`'));
        if !line.codes.is_empty() && line.leading_code.is_some() && separators {
            let found: Vec<String> = line
                .codes
                .iter()
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .collect();
            if !found.is_empty() {
                return MessageCell::Messages(found);
            }
        }
        let quoted = t.len() >= 2
            && ((t.starts_with('"') && t.ends_with('"'))
                || (t.starts_with('«') && t.ends_with('»')));
        if quoted {
            let inner = t.trim_matches(|c| matches!(c, '"' | '«' | '»')).trim();
            if !inner.is_empty() && !inner.contains('"') {
                return MessageCell::Messages(vec![inner.to_string()]);
            }
        }
        let reads_as_message = plain
            && !line.item
            && t.chars().count() <= MAX_MESSAGE_LEN
            && !t.ends_with(':')
            && cell.links.is_empty();
        if reads_as_message {
            return MessageCell::Messages(vec![t.to_string()]);
        }
    }
    MessageCell::Prose
}

/// A row whose Code column holds an HTTP status: the status, and the
/// message read as in [`error_row`] (the next column, a literal only, when
/// the table names no message column).
fn status_row(row: &[Cell], cols: ErrorColumns) -> (Vec<ErrorSpec>, bool) {
    let status = row
        .get(cols.code)
        .and_then(|c| c.lines.first())
        .map(|l| l.leading_code.clone().unwrap_or_else(|| l.text.clone()))
        .and_then(|t| t.trim().parse::<u16>().ok());
    let (col, plain) = cols.message.unwrap_or((cols.code + 1, false));
    let entry = |message: Option<String>| ErrorSpec {
        code: None,
        message,
        status,
        field: None,
    };
    match row.get(col).map(|c| message_cell(c, plain)) {
        Some(MessageCell::Messages(ms)) => {
            (ms.into_iter().map(|m| entry(Some(m))).collect(), false)
        }
        Some(MessageCell::Prose) => (vec![entry(None)], true),
        _ => (vec![entry(None)], false),
    }
}

/// One error row: its entries (one per message the row lists) and whether
/// a message cell was prose, not read.
fn error_row(row: &[Cell], cols: ErrorColumns) -> (Vec<ErrorSpec>, bool) {
    let raw = row
        .get(cols.code)
        .and_then(|cell| {
            let first = cell.lines.first()?;
            Some(
                first
                    .leading_code
                    .clone()
                    .or_else(|| first.codes.first().cloned())
                    .unwrap_or_else(|| first.text.clone()),
            )
        })
        .unwrap_or_default();
    let raw = raw.trim();
    let empty = raw.is_empty() || vocab::says_empty(&lower(raw)) || raw == "-" || raw == "—";
    let status = cols.status.and_then(|i| row.get(i)).and_then(|c| {
        c.text()
            .split(|ch: char| !ch.is_ascii_digit())
            .find_map(|w| w.parse::<u16>().ok().filter(|n| (100..600).contains(n)))
    });
    let entry = |code: Option<String>, message: Option<String>| ErrorSpec {
        code,
        message,
        status,
        field: None,
    };
    if !empty && raw.contains(char::is_whitespace) {
        // A message in the code column: the server sends an empty `error`.
        return (vec![entry(None, Some(raw.to_string()))], false);
    }
    if !empty {
        return (vec![entry(Some(raw.to_string()), None)], false);
    }
    // Code-less: told apart by the message the server sends.
    let read = cols
        .message
        .and_then(|(i, plain)| row.get(i).map(|c| message_cell(c, plain)))
        .unwrap_or(MessageCell::Empty);
    match read {
        MessageCell::Messages(ms) => (
            ms.into_iter().map(|m| entry(None, Some(m))).collect(),
            false,
        ),
        MessageCell::Empty => (vec![entry(None, None)], false),
        MessageCell::Prose => (vec![entry(None, None)], true),
    }
}

#[cfg(test)]
mod envelope_tests {
    use serde_json::json;

    use super::lift_envelope_time;

    #[test]
    fn a_time_block_inside_result_is_the_envelopes() {
        let mut v = json!({"result": {"task": {"id": 1}, "time": {"start": 1, "finish": 2}}});
        assert!(lift_envelope_time(&mut v));
        assert_eq!(
            v,
            json!({"result": {"task": {"id": 1}}, "time": {"start": 1, "finish": 2}})
        );
        // A result field named `time` of another shape stays.
        let mut w = json!({"result": {"time": "10:00"}});
        assert!(!lift_envelope_time(&mut w));
        // So does one beside the envelope's own.
        let mut x = json!({"result": {"time": {"start": 1, "finish": 2}}, "time": {"start": 1, "finish": 2}});
        assert!(!lift_envelope_time(&mut x));
    }
}
