//! Parameter shapes from the request examples: an `array` parameter is a
//! list or an object with keys as the cURL examples send it, and a scalar
//! takes the wire spelling every example uses (`Y`/`N`, an integer's text).

use serde_json::Value;

use super::keys::{is_id, keyed_by_id, MAX_DEPTH};
use crate::spec::types::{Scalar, Type};
use crate::spec::{describing_index, Diagnostic, DiagnosticKind, Field, MethodSpec, Wire};

/// Settles what each `array` parameter of `specs` is, and the wire
/// spelling of its scalars, from the cURL examples; each change is a
/// `shape_from_example` diagnostic.
pub fn shape(specs: &mut [MethodSpec]) {
    for spec in specs.iter_mut() {
        let mut notes = Vec::new();
        for p in spec.params.iter_mut() {
            let values: Vec<&Value> = spec.bodies.iter().filter_map(|b| b.get(&p.name)).collect();
            php_array(p, &values, &format!("params.{}", p.name), &mut notes, 0);
        }
        for (at, detail) in notes {
            spec.diagnostics.push(Diagnostic {
                kind: DiagnosticKind::ShapeFromExample,
                at,
                detail,
            });
        }
    }
}

/// A parameter the docs type `array` (PHP's array: a list, or an object
/// with keys) with no element type: an `object` where the cURL examples send
/// it as an object with keys, or, with no example, where the docs list its
/// named fields; a list where the examples send a list. Nested fields the
/// same way. Each change is noted (`shape_from_example`).
fn php_array(
    f: &mut Field,
    values: &[&Value],
    path: &str,
    notes: &mut Vec<(String, String)>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    // A boolean the examples spell `Y`/`N`: that is its wire spelling.
    if f.ty == Type::Scalar(Scalar::Boolean)
        && f.values.is_empty()
        && !values.is_empty()
        && values.iter().all(|v| matches!(v.as_str(), Some("Y" | "N")))
    {
        f.values = vec!["Y".to_string(), "N".to_string()];
        notes.push((path.to_string(), "Y/N".to_string()));
    }
    if matches!(&f.ty, Type::Array(inner) if **inner == Type::Any) {
        let objects = values
            .iter()
            .filter(|v| matches!(v, Value::Object(m) if !m.is_empty() && !keyed_by_id(m)))
            .count();
        let lists = values.iter().filter(|v| v.is_array()).count();
        let named = f
            .fields
            .iter()
            .any(|x| x.pattern.is_none() && !is_id(&x.name));
        if objects > 0 && lists == 0 {
            f.ty = Type::Object;
            notes.push((path.to_string(), "object".to_string()));
        } else if values.is_empty() && named {
            f.ty = Type::Object;
            notes.push((
                path.to_string(),
                "object (named fields, no example)".to_string(),
            ));
        }
    }
    // A list whose fields stand for key patterns (`<node>@<position>`) is
    // read as an object keyed by them; where the examples send it as a list
    // of objects whose every key those fields describe (by name, or by a
    // pattern other than a bare `*`), it is a list of such objects.
    if matches!(&f.ty, Type::Array(inner) if **inner == Type::Any)
        && f.fields.iter().any(|x| x.pattern.is_some())
        && !values.is_empty()
        && values.iter().all(|v| v.is_array())
    {
        let items: Vec<&Value> = values
            .iter()
            .filter_map(|v| v.as_array())
            .flatten()
            .filter(|i| !i.is_null())
            .collect();
        let described = |m: &serde_json::Map<String, Value>| {
            !m.is_empty()
                && m.keys().all(|k| {
                    !is_id(k)
                        && describing_index(&f.fields, k)
                            .is_some_and(|i| f.fields[i].pattern.as_deref() != Some("*"))
                })
        };
        if !items.is_empty() && items.iter().all(|i| i.as_object().is_some_and(described)) {
            f.ty = Type::Array(Box::new(Type::Object));
            notes.push((path.to_string(), "list of objects".to_string()));
        }
    }
    // One object in the docs that every example sends as a list: a list of
    // such objects, or, when the items are not objects (a REST 3.0 filter,
    // `[["id", ">", 1]]`), any JSON value.
    if matches!(&f.ty, Type::Object | Type::Ref(_))
        && !values.is_empty()
        && values.iter().all(|v| v.is_array())
    {
        let items: Vec<&Value> = values
            .iter()
            .filter_map(|v| v.as_array())
            .flatten()
            .filter(|i| !i.is_null())
            .collect();
        if !items.is_empty() && items.iter().all(|i| i.is_object()) {
            f.ty = Type::Array(Box::new(f.ty.clone()));
            notes.push((path.to_string(), "list".to_string()));
        } else if !items.is_empty() {
            f.ty = Type::Any;
            f.fields.clear();
            f.entity = None;
            notes.push((path.to_string(), "any (a list of lists)".to_string()));
        }
    }
    if let Some(w) = wire(f, values) {
        f.wire = Some(w);
        notes.push((path.to_string(), format!("sent as {w}")));
    }
    // Each sub-field gets the values of the keys it describes: its own
    // name, or every key its pattern matches that no named field takes.
    for i in 0..f.fields.len() {
        let fields = &f.fields;
        let inner: Vec<&Value> = values
            .iter()
            .flat_map(|v| match v {
                Value::Array(items) => items.iter().filter_map(Value::as_object).collect(),
                Value::Object(m) => vec![m],
                _ => Vec::new(),
            })
            .flat_map(|m| {
                m.iter()
                    .filter(|(k, _)| describing_index(fields, k) == Some(i))
                    .map(|(_, x)| x)
            })
            .collect();
        let sub_path = format!("{path}.{}", f.fields[i].name);
        php_array(&mut f.fields[i], &inner, &sub_path, notes, depth + 1);
    }
}

/// The wire spelling of a scalar parameter, where every value its cURL
/// examples send (`null` aside) is of one other JSON kind than its type's:
/// an `integer` sent as an integer's text; a `string` (or listed values)
/// sent as integers; a `boolean` sent as `1`/`0`, as
/// `"true"`/`"false"`, or, where the docs list values other than `Y`/`N`,
/// as JSON booleans.
fn wire(f: &Field, values: &[&Value]) -> Option<Wire> {
    let values: Vec<&Value> = values.iter().copied().filter(|v| !v.is_null()).collect();
    if values.is_empty() || f.wire.is_some() || f.values == ["Y", "N"] {
        return None;
    }
    let all = |p: &dyn Fn(&Value) -> bool| values.iter().all(|v| p(v));
    let integer_text = |v: &Value| matches!(v.as_str(), Some(s) if s.parse::<i64>().is_ok_and(|n| n.to_string() == s));
    let scalars = match &f.ty {
        Type::Scalar(s) => vec![*s],
        Type::Union(vs) => vs
            .iter()
            .filter(|v| **v != Type::Null)
            .map(|v| match v {
                Type::Scalar(s) => Some(*s),
                _ => None,
            })
            .collect::<Option<Vec<Scalar>>>()?,
        _ => return None,
    };
    let texts = [Scalar::String, Scalar::Text, Scalar::Char, Scalar::Enum];
    match scalars.as_slice() {
        [Scalar::Integer] if all(&integer_text) => Some(Wire::String),
        [Scalar::Boolean] if all(&|v| matches!(v.as_i64(), Some(0 | 1))) => Some(Wire::Number),
        [Scalar::Boolean] if all(&|v| matches!(v.as_str(), Some("true" | "false"))) => {
            Some(Wire::String)
        }
        [Scalar::Boolean] if !f.values.is_empty() && all(&Value::is_boolean) => Some(Wire::Boolean),
        // `integer | string` keeps what it is given: no spelling to learn.
        ss if ss.iter().all(|s| texts.contains(s)) && all(&|v| v.is_i64() || v.is_u64()) => {
            Some(Wire::Number)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::resolve::fixtures::{object, spec, string};

    #[test]
    fn php_arrays_follow_the_examples() {
        let array = |name: &str, fields: Vec<Field>| Field {
            fields,
            ..Field::new(name, Type::Array(Box::new(Type::Any)))
        };
        let params = vec![
            array("fields", vec![string("TITLE")]),
            array("ids", vec![]),
            array("data", vec![]),
            array("rows", vec![string("PRODUCT_ID")]),
            Field::new("ACTIVE", Type::Scalar(Scalar::Boolean)),
        ];
        let bodies = vec![json!({
            "ids": [1, 2],
            "data": {"NAME": "x"},
            "rows": [{"PRODUCT_ID": 1}],
            "ACTIVE": "Y",
        })];
        let mut specs = vec![spec(object("result", vec![]), json!({}), params, bodies)];
        shape(&mut specs);
        let p = &specs[0].params;
        assert_eq!(
            p[0].ty,
            Type::Object,
            "named fields and no example: an object"
        );
        assert!(p[1].ty.is_array_like(), "the example sends a list");
        assert_eq!(p[2].ty, Type::Object, "the example sends an object");
        assert!(p[3].ty.is_array_like(), "a list of objects stays a list");
        assert_eq!(p[4].values, ["Y", "N"]);
    }

    #[test]
    fn wire_spellings_follow_the_examples() {
        let scalar = |name: &str, s: Scalar| Field::new(name, Type::Scalar(s));
        let params = vec![
            scalar("id", Scalar::Integer),
            scalar("ENTITY_ID", Scalar::String),
            scalar("halt", Scalar::Boolean),
            scalar("enabled", Scalar::Boolean),
            Field {
                values: vec!["true".into(), "0".into()],
                ..scalar("ACTIVE", Scalar::Boolean)
            },
            scalar("mixed", Scalar::String),
            scalar("padded", Scalar::Integer),
            Field {
                fields: vec![Field {
                    pattern: Some("*".into()),
                    ..scalar("<code>", Scalar::String)
                }],
                ..Field::new("data", Type::Object)
            },
        ];
        let bodies = vec![
            json!({"id": "123", "ENTITY_ID": 1, "halt": 0, "enabled": "true", "ACTIVE": true,
                   "mixed": 1, "padded": "007", "data": {"a": 5}}),
            json!({"id": "5", "halt": 1, "mixed": "x", "data": {"b": 6}}),
        ];
        let mut specs = vec![spec(object("result", vec![]), json!({}), params, bodies)];
        shape(&mut specs);
        let wires: Vec<Option<Wire>> = specs[0].params.iter().map(|p| p.wire).collect();
        assert_eq!(
            wires,
            [
                Some(Wire::String),
                Some(Wire::Number),
                Some(Wire::Number),
                Some(Wire::String),
                Some(Wire::Boolean),
                None,
                None,
                None,
            ]
        );
        // A pattern's sub-field reads the values of the keys it matches.
        assert_eq!(specs[0].params[7].fields[0].wire, Some(Wire::Number));
    }

    #[test]
    fn a_list_of_pattern_keyed_objects_stays_a_list() {
        let values = Field {
            fields: vec![Field {
                pattern: Some("*@*".into()),
                ..Field::new("<node>@<position>", Type::Scalar(Scalar::String))
            }],
            ..Field::new("values", Type::Array(Box::new(Type::Any)))
        };
        let bodies = vec![json!({"values": [{".title@0": "a", ".title@1": "b"}]})];
        let mut specs = vec![spec(
            object("result", vec![]),
            json!({}),
            vec![values],
            bodies,
        )];
        shape(&mut specs);
        assert_eq!(specs[0].params[0].ty, Type::Array(Box::new(Type::Object)));
    }
}
