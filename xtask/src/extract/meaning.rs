//! Step three of extraction: what the rows read by [`super::page`] mean,
//! decided once for every field of a spec, wherever it came from (a table, a
//! linked sub-table, the example response).
//!
//! - A placeholder key (`UF_CRM_...`, `<siteId>`, a sample custom field such
//!   as `UF_CRM_1687188367`) is a key pattern, not a literal name; sibling
//!   fields standing for the same pattern become one.
//! - A value list that spells a boolean (`Y`/`N`, `true`/`false`) makes the
//!   field a `boolean`; `Y`/`N` is kept as the wire spelling.
//! - Values are facts, not markup: `""` is the empty string, `"Mon"` is
//!   `Mon`; templates (`U{id}`, `SG<X>`) are value patterns; object literals
//!   written as a value are dropped.

use serde_json::Value;

use crate::spec::naming::key_pattern;
use crate::spec::types::{Scalar, Type};
use crate::spec::{Diagnostic, DiagnosticKind, Field};

/// Refines a method's parameters and result in place.
pub fn refine(params: &mut Vec<Field>, result: Option<&mut Field>) {
    nest_dotted(params);
    refine_fields(params);
    for p in params.iter_mut() {
        query_shape(p);
    }
    if let Some(result) = result {
        refine_field(result, false);
    }
}

/// A parameter the docs name `fields.CONTACT_ID` beside an object parameter
/// `fields` is that object's field `CONTACT_ID`: it moves there (unless the
/// object already has a field of that name). Nested objects the same way.
fn nest_dotted(fields: &mut Vec<Field>) {
    let mut i = 0;
    while i < fields.len() {
        let target = fields[i]
            .name
            .split_once('.')
            .filter(|_| fields[i].pattern.is_none())
            .and_then(|(head, tail)| {
                let j = fields.iter().position(|p| {
                    p.name == head
                        && p.pattern.is_none()
                        && matches!(p.ty, Type::Object | Type::Ref(_))
                })?;
                (!tail.is_empty() && !fields[j].fields.iter().any(|x| x.name == tail))
                    .then(|| (j, tail.to_string()))
            });
        match target {
            Some((j, tail)) => {
                let mut moved = fields.remove(i);
                moved.name = tail;
                let j = if j > i { j - 1 } else { j };
                fields[j].fields.push(moved);
            }
            None => i += 1,
        }
    }
    for f in fields.iter_mut() {
        nest_dotted(&mut f.fields);
    }
}

fn refine_fields(fields: &mut Vec<Field>) {
    for f in fields.iter_mut() {
        refine_field(f, true);
    }
    merge_patterns(fields);
}

/// `keyed`: the field is a key of an object (so its name may be a pattern);
/// `false` for the top-level `result`.
fn refine_field(f: &mut Field, keyed: bool) {
    let mut values = Vec::new();
    let mut templates = std::mem::take(&mut f.value_patterns);
    for raw in std::mem::take(&mut f.values) {
        let v = unquote(&raw);
        if v.starts_with('{') && v.contains(':') {
            continue;
        }
        if v.contains(['{', '<']) {
            if let Some(p) = key_pattern(&v) {
                if !templates.contains(&p) {
                    templates.push(p);
                }
                continue;
            }
        }
        if !values.contains(&v) {
            values.push(v);
        }
    }
    f.values = values;
    f.value_patterns = templates;
    boolean(f);
    if keyed {
        if let Some(p) = key_pattern(&f.name) {
            if !reads_as_placeholder(&f.name) {
                f.name = p.clone();
            }
            f.pattern = Some(p);
        }
    }
    if !f.fields.is_empty() && f.fields.iter().all(|x| names_a_type(&x.name)) {
        // Rows that name the alternatives of a type (`object`, `entity[]`,
        // `null`) are not fields of it.
        f.fields.clear();
    }
    refine_fields(&mut f.fields);
}

/// A row name that is a type of the docs' vocabulary (`object`, `null`,
/// `entity[]`), not a key.
fn names_a_type(name: &str) -> bool {
    let n = name.trim();
    n.ends_with("[]")
        || matches!(
            n,
            "object" | "null" | "array" | "any" | "string" | "integer" | "boolean" | "double"
        )
}

/// The shape around a documented table, where the page's example response
/// shows it and the table does not: the table lists the fields of one item,
/// while the response wraps the item in a key (`{"booking": {...}}`),
/// returns a list of items, or a map of items keyed by ID or code
/// (`*.fields`: field name → descriptor). The fields and their types stay
/// the table's; only the wrapping comes from the example, and each step is
/// a `shape_from_example` diagnostic. Nested objects are reshaped the same
/// way where the example has them.
pub fn reshape(f: &mut Field, example: &Value, path: &str, out: &mut Vec<Diagnostic>) {
    reshape_at(f, example, path, out, 0);
}

fn reshape_at(f: &mut Field, v: &Value, path: &str, out: &mut Vec<Diagnostic>, depth: usize) {
    if depth > 8 {
        return;
    }
    let named: Vec<String> = f
        .fields
        .iter()
        .filter(|x| x.pattern.is_none())
        .map(|x| x.name.clone())
        .collect();
    if named.is_empty() {
        return;
    }
    let hits = |m: &serde_json::Map<String, Value>| named.iter().any(|n| m.contains_key(n));
    // One item, a list of items, or a map of items (or of lists of items).
    let list_hits = |v: &Value| match v {
        Value::Object(m) => hits(m),
        Value::Array(items) => items
            .iter()
            .find(|i| !i.is_null())
            .is_some_and(|i| matches!(i, Value::Object(m) if hits(m))),
        _ => false,
    };
    let map_hits = |m: &serde_json::Map<String, Value>| {
        let items: Vec<&Value> = m.values().filter(|x| !is_empty(x)).collect();
        !items.is_empty() && items.iter().all(|x| list_hits(x))
    };
    let item_hits = |v: &Value| list_hits(v) || matches!(v, Value::Object(m) if map_hits(m));
    let mut note = |kind: &str| {
        out.push(Diagnostic {
            kind: DiagnosticKind::ShapeFromExample,
            at: path.to_string(),
            detail: kind.to_string(),
        })
    };
    match v {
        Value::Object(m) if m.is_empty() => {}
        Value::Object(m) if hits(m) => reshape_fields(&mut f.fields, m, path, out, depth),
        Value::Array(items) => {
            let Some(Value::Object(first)) = items.iter().find(|i| !i.is_null()) else {
                return;
            };
            if !hits(first) {
                return;
            }
            if !f.ty.is_array_like() {
                f.ty = Type::Array(Box::new(Type::Object));
                note("list");
            }
            reshape_fields(&mut f.fields, first, path, out, depth);
        }
        Value::Object(m) => {
            if let (1, Some((key, inner))) = (m.len(), m.iter().next()) {
                // A lone key that is an ID is one entry of a map, not a wrapper.
                let id_like = key.starts_with(|c: char| c.is_ascii_digit());
                if !id_like && item_hits(inner) {
                    let mut wrapped = Field {
                        required: true,
                        fields: std::mem::take(&mut f.fields),
                        ..Field::new(key.clone(), Type::Object)
                    };
                    f.ty = Type::Object;
                    note(&format!("wrapper {key}"));
                    let inner_path = format!("{path}.{key}");
                    reshape_at(&mut wrapped, inner, &inner_path, out, depth + 1);
                    f.fields = vec![wrapped];
                    return;
                }
            }
            if map_hits(m) {
                let items: Vec<&Value> = m.values().filter(|x| !is_empty(x)).collect();
                let lists = items.iter().all(|x| x.is_array());
                let mut item = Field {
                    pattern: Some("*".to_string()),
                    fields: std::mem::take(&mut f.fields),
                    ..Field::new(
                        "<key>".to_string(),
                        if lists {
                            Type::Array(Box::new(Type::Object))
                        } else {
                            Type::Object
                        },
                    )
                };
                f.ty = Type::Object;
                note("map");
                let first = items.first().and_then(|x| match x {
                    Value::Array(a) => a.iter().find(|i| i.is_object()),
                    other => Some(*other),
                });
                if let Some(Value::Object(first)) = first {
                    let item_path = format!("{path}.<key>");
                    reshape_fields(&mut item.fields, first, &item_path, out, depth + 1);
                }
                f.fields = vec![item];
            }
        }
        _ => {}
    }
}

/// `null`, `[]` or `{}`: says nothing about the shape of an item.
fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

fn reshape_fields(
    fields: &mut [Field],
    m: &serde_json::Map<String, Value>,
    path: &str,
    out: &mut Vec<Diagnostic>,
    depth: usize,
) {
    for f in fields.iter_mut() {
        if let Some(v) = m.get(&f.name) {
            let p = format!("{path}.{}", f.name);
            reshape_at(f, v, &p, out, depth + 1);
        }
    }
}

/// The top-level `select`, `filter` and `order` of list methods, where the
/// docs give them no fields of their own: `select` a list of field names
/// (`string[]`), `filter` a map from field (with an operator prefix such as
/// `>=`) to value, `order` a map from field to direction (`ASC`/`DESC`,
/// either case: the API reads both).
fn query_shape(p: &mut Field) {
    if !p.fields.is_empty() {
        return;
    }
    let listy = matches!(&p.ty, Type::Array(_) | Type::Any | Type::Object)
        || matches!(&p.ty, Type::Union(vs) if vs.iter().any(|v| matches!(v, Type::Array(_))));
    let entry = |name: &str, ty: Type| Field {
        pattern: Some("*".to_string()),
        ..Field::new(name.to_string(), ty)
    };
    match p.name.as_str() {
        "select" if listy => {
            p.ty = Type::Array(Box::new(Type::Scalar(Scalar::String)));
        }
        "filter" if listy => {
            p.ty = Type::Object;
            p.fields = vec![entry("<field>", Type::Any)];
        }
        "order" if listy => {
            p.ty = Type::Object;
            // Sort directions listed for the map are its entries' values.
            let directions: Vec<String> = std::mem::take(&mut p.values)
                .into_iter()
                .filter(|v| v.eq_ignore_ascii_case("asc") || v.eq_ignore_ascii_case("desc"))
                .collect();
            p.fields = vec![Field {
                values: directions,
                ..entry("<field>", Type::Scalar(Scalar::String))
            }];
        }
        _ => {}
    }
}

/// `"x"` → `x`; `""` → the empty string.
fn unquote(v: &str) -> String {
    let t = v.trim();
    for q in ['"', '\'', '«'] {
        let close = if q == '«' { '»' } else { q };
        if t.len() >= 2 && t.starts_with(q) && t.ends_with(close) {
            return t[q.len_utf8()..t.len() - close.len_utf8()].to_string();
        }
    }
    t.to_string()
}

/// A name written as a placeholder (`<siteId>`, `UF_...`), as opposed to a
/// sample key taken from an example (`UF_CRM_1687188367`).
fn reads_as_placeholder(name: &str) -> bool {
    name.contains(['<', '{', '*', '…']) || name.contains("...") || name.ends_with('_')
}

/// Y/N and true/false value lists on a scalar that can hold them.
fn boolean(f: &mut Field) {
    let has = |v: &str| f.values.iter().any(|x| x == v);
    let only = |set: &[&str]| f.values.iter().all(|x| set.contains(&x.as_str()));
    let yes_no = has("Y") && has("N") && only(&["Y", "N"]);
    let true_false = has("true") && has("false") && only(&["true", "false"]);
    if !(yes_no || true_false) || !boolean_like(&f.ty) {
        return;
    }
    f.ty = to_boolean(&f.ty);
    f.values = if yes_no {
        vec!["Y".to_string(), "N".to_string()]
    } else {
        Vec::new()
    };
}

fn boolean_like(t: &Type) -> bool {
    match t {
        Type::Scalar(s) => matches!(
            s,
            Scalar::Char | Scalar::String | Scalar::Boolean | Scalar::Enum | Scalar::Text
        ),
        Type::Any => true,
        Type::Union(vs) => {
            vs.iter().any(|v| *v != Type::Null)
                && vs.iter().all(|v| *v == Type::Null || boolean_like(v))
        }
        _ => false,
    }
}

fn to_boolean(t: &Type) -> Type {
    match t {
        Type::Union(vs) if vs.contains(&Type::Null) => {
            Type::Union(vec![Type::Scalar(Scalar::Boolean), Type::Null])
        }
        _ => Type::Scalar(Scalar::Boolean),
    }
}

/// Siblings that stand for the same key pattern (several sample custom
/// fields of one example) become the first of them; differing types make
/// it `any`.
fn merge_patterns(fields: &mut Vec<Field>) {
    let mut out: Vec<Field> = Vec::with_capacity(fields.len());
    for f in std::mem::take(fields) {
        let same = f
            .pattern
            .as_ref()
            .and_then(|p| out.iter_mut().find(|o| o.pattern.as_ref() == Some(p)));
        match same {
            Some(first) => {
                if first.ty != f.ty {
                    first.ty = Type::Any;
                    first.fields.clear();
                    first.values.clear();
                } else if first.fields != f.fields {
                    first.fields.clear();
                }
                first.required &= f.required;
            }
            None => out.push(f),
        }
    }
    *fields = out;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str, ty: Type, values: &[&str]) -> Field {
        Field {
            values: values.iter().map(|v| v.to_string()).collect(),
            ..Field::new(name, ty)
        }
    }

    #[test]
    fn values_yes_no_and_templates() {
        let mut f = field("ACTIVE", Type::Scalar(Scalar::Char), &["N", "Y"]);
        refine_field(&mut f, true);
        assert_eq!(f.ty, Type::Scalar(Scalar::Boolean));
        assert_eq!(f.values, ["Y", "N"]);

        let mut f = field("flag", Type::Scalar(Scalar::String), &["true", "false"]);
        refine_field(&mut f, true);
        assert_eq!(f.ty, Type::Scalar(Scalar::Boolean));
        assert!(f.values.is_empty());

        let mut f = field(
            "mode",
            Type::Scalar(Scalar::String),
            &["\"\"", "\"Mon\"", "U{id}", "SG<X>", "X"],
        );
        refine_field(&mut f, true);
        assert_eq!(f.values, ["", "Mon", "X"]);
        assert_eq!(f.value_patterns, ["U*", "SG*"]);

        // An integer with Y/N listed is left to the example checks.
        let mut f = field("n", Type::Scalar(Scalar::Integer), &["Y", "N"]);
        refine_field(&mut f, true);
        assert_eq!(f.ty, Type::Scalar(Scalar::Integer));
    }

    #[test]
    fn sample_keys_merge_into_one_pattern() {
        let mut fields = vec![
            field("ID", Type::Scalar(Scalar::Integer), &[]),
            field("UF_CRM_1687188367", Type::Scalar(Scalar::String), &[]),
            field(
                "UF_CRM_577BBCE354F86",
                Type::Array(Box::new(Type::Any)),
                &[],
            ),
            field("UF_CRM_...", Type::Any, &[]),
        ];
        refine_fields(&mut fields);
        let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["ID", "UF_CRM_*"]);
        assert_eq!(fields[1].pattern.as_deref(), Some("UF_CRM_*"));
        assert_eq!(fields[1].ty, Type::Any);
    }

    #[test]
    fn dotted_names_nest_into_their_object() {
        let mut fields = vec![
            field("id", Type::Scalar(Scalar::Integer), &[]),
            field("fields", Type::Object, &[]),
            field("fields.CONTACT_ID", Type::Scalar(Scalar::Integer), &[]),
            // No object of that name: left as it is.
            field("extras.x", Type::Scalar(Scalar::String), &[]),
        ];
        nest_dotted(&mut fields);
        let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["id", "fields", "extras.x"]);
        assert_eq!(fields[1].fields[0].name, "CONTACT_ID");
    }
}
