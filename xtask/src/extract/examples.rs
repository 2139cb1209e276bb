//! The page's own examples against what the page documents. Where a cURL
//! body or the example response contradicts the documented parameters or
//! result (a required field left out or `null`, an object where a scalar is
//! documented, ...), the spec records an `example_contradicts` diagnostic:
//! the docs disagree with themselves there, and the generated type follows
//! the documented one.

use serde_json::Value;

use crate::spec::types::{Scalar, Type};
use crate::spec::{Diagnostic, DiagnosticKind, Field};

/// How many array items of an example are checked.
const ITEMS_CHECKED: usize = 3;

/// JSON bodies of `curl ... -d '{...}'` examples in the raw page HTML.
pub fn curl_bodies(html: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("-d '") {
        rest = &rest[i + 4..];
        let Some(end) = rest.find('\'') else {
            break;
        };
        let body = unescape(&rest[..end]);
        rest = &rest[end..];
        if let Ok(v @ Value::Object(_)) = serde_json::from_str::<Value>(&body) {
            if !out.contains(&v) {
                out.push(v);
            }
        }
    }
    out
}

/// A method the page's examples call: the last segment of a `/rest/` URL
/// (`.json` stripped), and whether it is a REST 3.0 endpoint (`/rest/api/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// The method name as the URL spells it.
    pub method: String,
    /// The URL is under `/rest/api/`.
    pub v3: bool,
}

/// Every method the raw page HTML calls through a `/rest/` URL, first
/// occurrence first. Placeholders (`{method}`, `**put_your_webhook_here**`)
/// are not methods.
pub fn called_methods(html: &str) -> Vec<Call> {
    let mut out: Vec<Call> = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("/rest/") {
        rest = &rest[i + "/rest/".len()..];
        let end = rest
            .find(|c: char| c.is_whitespace() || "\"'<>`()\\,;?#&".contains(c))
            .unwrap_or(rest.len());
        let url = &rest[..end];
        let v3 = url.starts_with("api/");
        let last = url.rsplit('/').next().unwrap_or_default();
        let method = last.strip_suffix(".json").unwrap_or(last);
        let ok = crate::extract::title::is_method_name(method) || is_single_word_method(method);
        if ok && !out.iter().any(|c| c.method == method && c.v3 == v3) {
            out.push(Call {
                method: method.to_string(),
                v3,
            });
        }
    }
    out
}

/// `profile`, `scope`, `methods`: a method name without a dot.
fn is_single_word_method(s: &str) -> bool {
    s.len() > 1
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Contradictions between the examples and the documented params/result.
pub fn contradictions(
    params: &[Field],
    bodies: &[Value],
    result: Option<&Field>,
    response: Option<&Value>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for body in bodies {
        if let Value::Object(map) = body {
            check_fields(params, map, "params", "the cURL example", &mut out);
        }
    }
    if let (Some(result), Some(value)) = (result, response.and_then(|r| r.get("result"))) {
        check_value(result, value, "result", "the response example", &mut out);
    }
    out.sort();
    out.dedup();
    out
}

fn check_fields(
    fields: &[Field],
    map: &serde_json::Map<String, Value>,
    at: &str,
    example: &str,
    out: &mut Vec<Diagnostic>,
) {
    // Keys, but none of the documented ones (the generated types reject
    // such an object at the top of a result).
    let named: Vec<&Field> = fields.iter().filter(|f| !is_placeholder(&f.name)).collect();
    let patterned = fields.iter().any(|f| is_placeholder(&f.name));
    if at.starts_with("result")
        && !patterned
        && !named.is_empty()
        && !map.is_empty()
        && !named.iter().any(|f| map.contains_key(&f.name))
    {
        let got: Vec<&str> = map.keys().take(4).map(String::as_str).collect();
        push(
            out,
            at,
            format!(
                "{example} has none of the documented keys: {}",
                got.join(", ")
            ),
        );
    }
    for f in fields {
        let path = format!("{at}.{}", f.name);
        match map.get(&f.name) {
            _ if is_placeholder(&f.name) => {}
            None | Some(Value::Null) if f.required => {
                let what = if map.contains_key(&f.name) {
                    "has null"
                } else {
                    "leaves it out"
                };
                push(out, &path, format!("required; {example} {what}"));
            }
            Some(v) => check_value(f, v, &path, example, out),
            None => {}
        }
    }
}

/// `<siteId>`, `{id}`, `UF_*`, `0`: keys that stand for others.
fn is_placeholder(name: &str) -> bool {
    crate::spec::naming::is_placeholder_key(name) || name.chars().all(|c| c.is_ascii_digit())
}

/// The type as the generated code reads it: a documented type with a
/// sub-table of fields is an object (a list of them for a bare `array`),
/// a reference is what the one table of references makes of it.
fn effective(f: &Field, ty: &Type) -> Type {
    let described = !f.fields.is_empty();
    match ty {
        Type::Ref(_) | Type::Any if described => Type::Object,
        Type::Array(inner) if **inner == Type::Any && described => {
            if f.fields.iter().any(|x| is_placeholder(&x.name)) {
                Type::Object
            } else {
                Type::Array(Box::new(Type::Object))
            }
        }
        Type::Ref(r) => r.scalar().map_or(Type::Any, Type::Scalar),
        Type::Array(inner) => Type::Array(Box::new(effective(f, inner))),
        Type::Union(vs) => {
            if described
                && vs
                    .iter()
                    .any(|v| v.has_object() || matches!(v, Type::Ref(_)))
            {
                return Type::Object;
            }
            Type::Union(vs.iter().map(|v| effective(f, v)).collect())
        }
        other => other.clone(),
    }
}

fn check_value(f: &Field, v: &Value, path: &str, example: &str, out: &mut Vec<Diagnostic>) {
    if v.is_null() {
        return;
    }
    let ty = effective(f, &f.ty);
    if let Some(found) = conflict(&ty, v, f.required) {
        push(
            out,
            path,
            format!("documented as {}; {example} has {found}", f.ty),
        );
        return;
    }
    if f.fields.is_empty() || f.fields.iter().any(|x| x.name.contains('<')) {
        return;
    }
    match v {
        Value::Object(map) => check_fields(&f.fields, map, path, example, out),
        Value::Array(items) if matches!(inner_array(&ty), Some(t) if t.has_object()) => {
            for item in items.iter().take(ITEMS_CHECKED) {
                if let Value::Object(map) = item {
                    check_fields(&f.fields, map, path, example, out);
                }
            }
        }
        _ => {}
    }
}

fn inner_array(ty: &Type) -> Option<&Type> {
    match ty {
        Type::Array(inner) => Some(inner),
        Type::Union(vs) => vs.iter().find_map(inner_array),
        _ => None,
    }
}

fn push(out: &mut Vec<Diagnostic>, at: &str, detail: String) {
    out.push(Diagnostic {
        kind: DiagnosticKind::ExampleContradicts,
        at: at.to_string(),
        detail,
    });
}

/// What the example has instead, if it cannot be read as `ty`.
fn conflict(ty: &Type, v: &Value, required: bool) -> Option<&'static str> {
    let shape = shape(v);
    match ty {
        Type::Any | Type::Null | Type::Ref(_) => None,
        Type::Union(vs) => {
            let all = vs.iter().all(|t| conflict(t, v, required).is_some());
            all.then_some(shape)
        }
        Type::Object => match v {
            Value::String(s) if s.trim().is_empty() => None,
            Value::String(_) | Value::Number(_) | Value::Bool(_) => Some(shape),
            _ => None,
        },
        // A list also comes as an object keyed by ID (its values), or as a
        // single value.
        Type::Array(inner) => match v {
            Value::Array(items) => items
                .iter()
                .take(ITEMS_CHECKED)
                .find_map(|item| conflict(inner, item, true)),
            Value::Object(map) => map
                .values()
                .take(ITEMS_CHECKED)
                .find_map(|item| conflict(inner, item, true)),
            other => conflict(inner, other, true),
        },
        Type::Scalar(s) => scalar_conflict(*s, v, required),
    }
}

fn scalar_conflict(s: Scalar, v: &Value, required: bool) -> Option<&'static str> {
    let structured = match v {
        Value::Object(m) => !m.is_empty(),
        Value::Array(a) => !a.is_empty(),
        _ => false,
    };
    let numeric = matches!(s, Scalar::Integer | Scalar::Timestamp | Scalar::Double);
    if numeric && required && v.as_str().is_some_and(|t| t.trim().is_empty()) {
        return Some("an empty string");
    }
    match s {
        Scalar::Integer | Scalar::Timestamp => match v {
            _ if structured => Some(shape(v)),
            Value::Number(n) if n.as_f64().is_some_and(|x| x.fract() != 0.0) => {
                Some("a fractional number")
            }
            Value::String(t) if !t.trim().is_empty() && t.trim().parse::<f64>().is_err() => {
                Some("a non-numeric string")
            }
            _ => None,
        },
        Scalar::Double => match v {
            _ if structured => Some(shape(v)),
            Value::String(t) if !t.trim().is_empty() && t.trim().parse::<f64>().is_err() => {
                Some("a non-numeric string")
            }
            _ => None,
        },
        Scalar::Boolean => match v {
            _ if structured => Some(shape(v)),
            Value::Number(n) if !matches!(n.as_i64(), Some(0 | 1)) => {
                Some("a number other than 0 or 1")
            }
            _ => None,
        },
        Scalar::File | Scalar::Callable => None,
        _ if structured => Some(shape(v)),
        _ => None,
    }
}

fn shape(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn field(name: &str, required: bool, ty: &str, fields: Vec<Field>) -> Field {
        Field {
            required,
            fields,
            ..Field::new(name, Type::parse(ty).ty)
        }
    }

    fn details(d: &[Diagnostic]) -> Vec<(String, String)> {
        d.iter().map(|d| (d.at.clone(), d.detail.clone())).collect()
    }

    #[test]
    fn curl_bodies_are_unescaped_and_deduplicated() {
        let html = "<code>curl -d '{&quot;id&quot;:1}' x</code> <code>curl -d '{&quot;id&quot;:1}'</code> -d 'not json'";
        assert_eq!(curl_bodies(html), vec![json!({"id": 1})]);
    }

    #[test]
    fn required_fields_left_out_or_null() {
        let params = vec![
            field("id", true, "integer", vec![]),
            field(
                "fields",
                true,
                "object",
                vec![
                    field("RATE", true, "double", vec![]),
                    field("NAME", false, "string", vec![]),
                ],
            ),
            field("<siteId>", true, "string[]", vec![]),
        ];
        let found = contradictions(&params, &[json!({"fields": {"RATE": null}})], None, None);
        assert_eq!(
            details(&found),
            vec![
                (
                    "params.fields.RATE".into(),
                    "required; the cURL example has null".into()
                ),
                (
                    "params.id".into(),
                    "required; the cURL example leaves it out".into()
                ),
            ]
        );
    }

    #[test]
    fn types_the_example_cannot_be_read_as() {
        let result = field("result", true, "integer", vec![]);
        let found = contradictions(&[], &[], Some(&result), Some(&json!({"result": {"id": 5}})));
        assert_eq!(
            details(&found),
            vec![(
                "result".into(),
                "documented as integer; the response example has an object".into()
            )]
        );
        // Lenient forms are no contradiction: numeric strings, Y/N, [] for an object,
        // a scalar for a list, any member of a union.
        let params = vec![
            field("id", false, "integer", vec![]),
            field("flag", false, "boolean", vec![]),
            field("obj", false, "object", vec![]),
            field("ids", false, "integer[]", vec![]),
            field("u", false, "integer | object", vec![]),
        ];
        let body = json!({"id": "12", "flag": "Y", "obj": [], "ids": 3, "u": {"a": 1}});
        assert!(contradictions(&params, &[body], None, None).is_empty());
        let body = json!({"id": "ASC", "flag": 13, "obj": "x", "ids": [1.5]});
        assert_eq!(contradictions(&params, &[body], None, None).len(), 4);
    }
}
