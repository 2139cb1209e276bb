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

use crate::naming::key_pattern;
use crate::spec::Field;
use crate::types::{Scalar, Type};

/// Refines a method's parameters and result in place.
pub fn refine(params: &mut Vec<Field>, result: Option<&mut Field>) {
    refine_fields(params);
    if let Some(result) = result {
        refine_field(result, false);
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
    refine_fields(&mut f.fields);
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
            name: name.to_string(),
            required: false,
            ty,
            pattern: None,
            values: values.iter().map(|v| v.to_string()).collect(),
            value_patterns: Vec::new(),
            fields: Vec::new(),
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
}
