//! Completion of result fields from the page's example response: the last
//! step of regen, after linking.
//!
//! The docs' tables often describe an object by its main fields only, or
//! not at all (`object` with no sub-table), while the page's own example
//! response shows every key the server sends: a task's `checklist` items,
//! the descriptors of a `*.fields` map, the users a list embeds. A key of the
//! example that no field (and no key pattern) of its object describes is
//! added as a field marked `from_example`, with the type its example value
//! has, and the spec gets a `fields_from_example` diagnostic naming the
//! object and the keys. Nothing a table says is changed: only keys the docs
//! leave out are added, and only to objects (documented fields with a type
//! that holds an object, and the fields this step added).
//!
//! An entity (`Field::entity`) is one type wherever it is used, so its
//! additions are collected from the examples of every method that returns
//! it and applied to every copy alike.

use std::collections::BTreeMap;

use serde_json::Value;

use super::keys::{is_id, keyed_by_id, MAX_DEPTH};
use crate::spec::types::{Scalar, Type};
use crate::spec::{describing, describing_index, Diagnostic, DiagnosticKind, Field, MethodSpec};

/// The mark of a note about keys outside a documented entity's table (a
/// path never begins with it).
const OUTSIDE: &str = "\u{0}";

/// Completes the results of `specs` from their example responses. An
/// object typed by a documented entity (`Field::entity`) is not completed:
/// its table says what it holds, and the keys of an example it leaves out are
/// named in an `example_keys_outside_table` diagnostic instead.
pub fn complete(specs: &mut [MethodSpec]) {
    // Entities first: their canonical fields, completed from every example
    // that holds them, in spec order.
    let mut entities: BTreeMap<String, Vec<Field>> = BTreeMap::new();
    for spec in specs.iter() {
        if let Some(r) = &spec.result {
            for v in &spec.examples {
                collect_entities(r, v, &mut entities, 0);
            }
        }
    }
    for spec in specs.iter_mut() {
        let Some(r) = spec.result.as_mut() else {
            continue;
        };
        replace_entities(r, &entities, 0);
        let mut added = Vec::new();
        for v in &spec.examples {
            complete_field(r, v, "result", &mut added, 0);
        }
        for (at, keys) in added {
            let (kind, at) = match at.strip_prefix(OUTSIDE) {
                Some(at) => (DiagnosticKind::ExampleKeysOutsideTable, at.to_string()),
                None => (DiagnosticKind::FieldsFromExample, at),
            };
            spec.diagnostics.push(Diagnostic {
                kind,
                at,
                detail: keys.join(", "),
            });
        }
        spec.diagnostics.sort();
        spec.diagnostics.dedup();
    }
}

/// Gathers, for every entity the result holds where the example has a
/// value, the entity's fields completed from that value.
fn collect_entities(f: &Field, v: &Value, out: &mut BTreeMap<String, Vec<Field>>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    if let Some(name) = f.entity.as_deref().filter(|_| !f.fields.is_empty()) {
        let entry = out
            .entry(name.to_string())
            .or_insert_with(|| f.fields.clone());
        let mut holder = Field {
            fields: std::mem::take(entry),
            ..f.clone()
        };
        let mut ignored = Vec::new();
        complete_field(&mut holder, v, "", &mut ignored, depth);
        *entry = holder.fields;
        return;
    }
    for (sub, x) in children(f, v) {
        collect_entities(sub, x, out, depth + 1);
    }
}

/// Puts every entity's completed fields into each of its copies.
fn replace_entities(f: &mut Field, entities: &BTreeMap<String, Vec<Field>>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    if let Some(fields) = f.entity.as_deref().and_then(|n| entities.get(n)) {
        if !f.fields.is_empty() {
            f.fields = fields.clone();
            return;
        }
    }
    for sub in f.fields.iter_mut() {
        replace_entities(sub, entities, depth + 1);
    }
}

/// The objects of an example value that a field describes: the value
/// itself, or each item of a list (also where the docs say one object and
/// the example shows a list of them), or, for a list the example sends as
/// an object keyed by ID, each of its values.
fn objects<'v>(f: &Field, v: &'v Value) -> Vec<&'v serde_json::Map<String, Value>> {
    match v {
        Value::Object(m) if f.ty.is_array_like() && keyed_by_id(m) => m
            .values()
            .filter_map(Value::as_object)
            .filter(|m| !m.is_empty())
            .collect(),
        Value::Object(m) if !m.is_empty() => vec![m],
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_object)
            .filter(|m| !m.is_empty())
            .collect(),
        _ => Vec::new(),
    }
}

/// Each documented sub-field with the example value it describes.
fn children<'f, 'v>(f: &'f Field, v: &'v Value) -> Vec<(&'f Field, &'v Value)> {
    let mut out = Vec::new();
    for m in objects(f, v) {
        for (k, x) in m {
            if let Some(sub) = describing(&f.fields, k) {
                out.push((sub, x));
            }
        }
    }
    out
}

/// Whether a field can hold an object whose keys the example shows: an
/// object, a reference to a named type, or a list of them; and `any` where
/// the docs describe nothing (no fields) or the field is read off examples.
fn holds_object(f: &Field) -> bool {
    fn open(t: &Type, bare: bool) -> bool {
        match t {
            Type::Object | Type::Ref(_) => true,
            Type::Any => bare,
            Type::Array(inner) => open(inner, bare),
            Type::Union(vs) => vs.iter().any(|v| open(v, bare)),
            _ => false,
        }
    }
    open(&f.ty, f.fields.is_empty() || f.from_example)
}

/// Where the docs' type says less than the example shows: `any` (or a list
/// of `any`) that the example fills with objects becomes `object` (a list of
/// objects), and one documented object that the example sends as a list of
/// such objects becomes a list. Notes `shape_from_example`-like changes in
/// `added` under the pseudo-key `(type)`.
fn shape(f: &mut Field, v: &Value) -> bool {
    let all_objects = |items: &mut dyn Iterator<Item = &Value>| {
        let objs: Vec<&Value> = items.filter(|x| !x.is_null()).collect();
        !objs.is_empty() && objs.iter().all(|x| x.is_object())
    };
    let hits = |m: &serde_json::Map<String, Value>| {
        f.fields
            .iter()
            .any(|x| x.pattern.is_none() && m.contains_key(&x.name))
    };
    let bare = f.fields.is_empty();
    let any_or_list_of_any =
        matches!(&f.ty, Type::Any) || matches!(&f.ty, Type::Array(i) if **i == Type::Any);
    let object_list = Type::Array(Box::new(Type::Object));
    let shaped = match v {
        // PHP's "array" that is an associative array: an object.
        Value::Object(m) if bare && any_or_list_of_any && !m.is_empty() && !keyed_by_id(m) => {
            Type::Object
        }
        Value::Object(m)
            if bare && any_or_list_of_any && keyed_by_id(m) && all_objects(&mut m.values()) =>
        {
            object_list
        }
        Value::Array(items) if bare && any_or_list_of_any && all_objects(&mut items.iter()) => {
            object_list
        }
        // One documented object that the example sends as a list of them.
        Value::Array(items)
            if matches!(&f.ty, Type::Object | Type::Ref(_))
                && all_objects(&mut items.iter())
                && (bare || items.iter().filter_map(Value::as_object).any(hits)) =>
        {
            Type::Array(Box::new(f.ty.clone()))
        }
        _ => return false,
    };
    if shaped == f.ty {
        return false;
    }
    f.ty = shaped;
    true
}

/// Completes one field from its example value; `added` collects, per
/// object path, the keys added there.
fn complete_field(
    f: &mut Field,
    v: &Value,
    path: &str,
    added: &mut Vec<(String, Vec<String>)>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    if f.from_example {
        widen(f, v);
    } else if shape(f, v) {
        note(added, path, "(type)");
    }
    if !holds_object(f) {
        return;
    }
    // An entity is completed once for all its uses (`collect_entities`);
    // here only the keys this example added to it are noted.
    // Its table is closed: a key it does not list is named in an
    // `example_keys_outside_table` note (it decodes into `extra`).
    if f.entity.is_some() && !f.fields.is_empty() && !path.is_empty() {
        for m in objects(f, v) {
            for k in m.keys() {
                if describing(&f.fields, k).is_none() {
                    note(added, &format!("{OUTSIDE}{path}"), k);
                }
            }
        }
        return;
    }
    let maps = objects(f, v);
    if maps.is_empty() {
        return;
    }
    // An object of the docs with no fields whose example keys are all IDs
    // is a map keyed by ID: one `*` field for its values.
    if f.fields.is_empty() && maps.iter().all(|m| m.keys().all(|k| is_id(k))) {
        let mut item = Field {
            pattern: Some("*".to_string()),
            from_example: true,
            ..Field::new("<key>", Type::Any)
        };
        for m in &maps {
            for x in m.values() {
                complete_field(&mut item, x, &format!("{path}.<key>"), added, depth + 1);
            }
        }
        note(added, path, "<key>");
        f.fields.push(item);
        return;
    }
    for m in maps {
        for (k, x) in m {
            let i = match describing_index(&f.fields, k) {
                Some(i) => i,
                // A documented entity's table is closed (`collect_entities`
                // completes only what lies below its fields).
                None if f.entity.is_some() && !f.fields.is_empty() => continue,
                // A number is never a field name: an entry of a map by ID.
                None if is_id(k) => {
                    f.fields.push(Field {
                        pattern: Some("*".to_string()),
                        from_example: true,
                        ..Field::new("<key>", Type::Any)
                    });
                    note(added, path, "<key>");
                    f.fields.len() - 1
                }
                None => {
                    // A numbered key (`UF_CRM_1700000001`) stands for its
                    // family, named as the docs name one (`UF_CRM_...`).
                    let pattern = crate::spec::naming::key_pattern(k);
                    let name = pattern
                        .as_ref()
                        .map_or_else(|| k.clone(), |p| p.replace('*', "..."));
                    f.fields.push(Field {
                        pattern,
                        from_example: true,
                        ..Field::new(name, Type::Any)
                    });
                    note(added, path, k);
                    f.fields.len() - 1
                }
            };
            let sub_path = if path.is_empty() {
                String::new()
            } else {
                format!("{path}.{}", f.fields[i].name)
            };
            complete_field(&mut f.fields[i], x, &sub_path, added, depth + 1);
        }
    }
}

fn note(added: &mut Vec<(String, Vec<String>)>, path: &str, key: &str) {
    if path.is_empty() {
        return;
    }
    match added.iter_mut().find(|(p, _)| p == path) {
        Some((_, keys)) => keys.push(key.to_string()),
        None => added.push((path.to_string(), vec![key.to_string()])),
    }
}

/// The type of a field read off examples, widened by one more value: `null`
/// says nothing; values of two kinds make it `any`.
fn widen(f: &mut Field, v: &Value) {
    let seen = match v {
        Value::Null => return,
        Value::Bool(_) => Type::Scalar(Scalar::Boolean),
        Value::Number(n) if n.is_i64() || n.is_u64() => Type::Scalar(Scalar::Integer),
        Value::Number(_) => Type::Scalar(Scalar::Double),
        Value::String(_) => Type::Scalar(Scalar::String),
        Value::Array(items) => {
            let inner = match items.iter().find(|x| !x.is_null()) {
                Some(Value::Object(_)) => Type::Object,
                Some(Value::Array(_)) | None => Type::Any,
                Some(x) => {
                    let mut probe = Field::new("", Type::Any);
                    probe.from_example = true;
                    widen(&mut probe, x);
                    probe.ty
                }
            };
            Type::Array(Box::new(inner))
        }
        // `{}` is how PHP sends an empty list as often as an empty object.
        Value::Object(m) if m.is_empty() => return,
        Value::Object(_) => Type::Object,
    };
    f.ty = match (&f.ty, &seen) {
        (Type::Any, _) if f.fields.is_empty() || seen.has_object() => seen,
        (a, b) if a == b => seen,
        (Type::Scalar(Scalar::Integer), Type::Scalar(Scalar::Double))
        | (Type::Scalar(Scalar::Double), Type::Scalar(Scalar::Integer)) => {
            Type::Scalar(Scalar::Double)
        }
        // A list seen empty first, then with items.
        (Type::Array(a), Type::Array(_)) if **a == Type::Any => seen,
        (Type::Array(_), Type::Array(b)) if **b == Type::Any => f.ty.clone(),
        _ => {
            f.fields.clear();
            Type::Any
        }
    };
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::resolve::fixtures::{object, spec, string};
    use crate::spec::types::Type;

    #[test]
    fn keys_the_table_leaves_out_are_added_and_noted() {
        let result = object("result", vec![string("ID"), object("owner", vec![])]);
        let example = json!({
            "ID": "5",
            "PRICE": 10.5,
            "owner": {"id": 1, "name": "x"},
            "checklist": {"433": {"id": "433"}, "431": {"id": "431", "done": true}},
            "UF_CRM_1700000001": "a",
            "UF_CRM_1700000002": null,
        });
        let mut specs = vec![spec(result, example, vec![], vec![])];
        complete(&mut specs);
        let r = specs[0].result.as_ref().unwrap();
        let names: Vec<&str> = r.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["ID", "owner", "PRICE", "checklist", "UF_CRM_..."]);
        assert!(
            !r.fields[0].from_example,
            "documented fields stay as documented"
        );
        assert_eq!(r.fields[2].ty, Type::Scalar(Scalar::Double));
        assert!(r.fields[2].from_example);
        // The documented object with no fields gets the example's keys.
        let owner: Vec<&str> = r.fields[1].fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(owner, ["id", "name"]);
        // A map by ID: one `*` entry whose fields merge every value's keys.
        let entry = &r.fields[3].fields[0];
        assert_eq!(entry.pattern.as_deref(), Some("*"));
        let keys: Vec<&str> = entry.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(keys, ["id", "done"]);
        // Custom fields: one pattern, both keys.
        assert_eq!(r.fields[4].pattern.as_deref(), Some("UF_CRM_*"));
        let d: Vec<&str> = specs[0]
            .diagnostics
            .iter()
            .filter(|d| d.kind == DiagnosticKind::FieldsFromExample)
            .map(|d| d.at.as_str())
            .collect();
        assert_eq!(
            d,
            [
                "result",
                "result.checklist",
                "result.checklist.<key>",
                "result.owner"
            ]
        );
    }

    #[test]
    fn an_entity_is_closed_and_alike_everywhere() {
        let task = |name: &str| Field {
            entity: Some("task".into()),
            ..object(name, vec![string("id")])
        };
        let a = spec(
            object("result", vec![task("task")]),
            json!({"task": {"id": "1", "mark": "P"}}),
            vec![],
            vec![],
        );
        let b = spec(
            object("result", vec![task("tasks")]),
            json!({"tasks": [{"id": "1", "group": {"id": 3}}]}),
            vec![],
            vec![],
        );
        let mut specs = vec![a, b];
        complete(&mut specs);
        let fields = |s: &MethodSpec| s.result.as_ref().unwrap().fields[0].clone();
        assert_eq!(fields(&specs[0]).fields, fields(&specs[1]).fields);
        let keys: Vec<String> = fields(&specs[0])
            .fields
            .iter()
            .map(|f| f.name.clone())
            .collect();
        // The table says what the entity holds; the example's other keys
        // are named, not added.
        assert_eq!(keys, ["id"]);
        let outside = |s: &MethodSpec| -> Vec<(String, String)> {
            s.diagnostics
                .iter()
                .filter(|d| d.kind == DiagnosticKind::ExampleKeysOutsideTable)
                .map(|d| (d.at.clone(), d.detail.clone()))
                .collect()
        };
        assert_eq!(
            outside(&specs[0]),
            [("result.task".to_string(), "mark".to_string())]
        );
        assert_eq!(
            outside(&specs[1]),
            [("result.tasks".to_string(), "group".to_string())]
        );
        // The list the example shows makes the second use a list.
        assert!(fields(&specs[1]).ty.is_array_like());
    }

    #[test]
    fn a_value_of_another_kind_widens_to_any() {
        let mut specs = vec![spec(
            object(
                "result",
                vec![object(
                    "x",
                    vec![Field {
                        from_example: true,
                        ..Field::new("v", Type::Scalar(Scalar::Integer))
                    }],
                )],
            ),
            json!({"x": {"v": "text"}}),
            vec![],
            vec![],
        )];
        complete(&mut specs);
        assert_eq!(
            specs[0].result.as_ref().unwrap().fields[0].fields[0].ty,
            Type::Any
        );
    }
}
