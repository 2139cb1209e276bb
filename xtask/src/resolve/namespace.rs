//! One entity per namespace: the `get` and `list` methods of a namespace
//! (`crm.deal.get`, `crm.deal.list`) return the same entity, so a result
//! that its page types only by its example response (or not at all) takes
//! the entity that the namespace documents in a table: the `get` method's
//! result table (`crm.deal.get`), else the `*.fields` method's table
//! (`crm.quote.fields`). The result keeps the shape its page and example
//! give (a list, a wrapper key); only the item's fields are replaced, and
//! the spec says so in an `entity_from_namespace` diagnostic naming the
//! method that documents the entity.

use std::collections::BTreeMap;

use super::link::{apply, own_page, Index};
use crate::spec::types::Type;
use crate::spec::{is_fields_method, Diagnostic, DiagnosticKind, Field, MethodSpec};

/// The last name segments of the methods that return a namespace's entity
/// (lowercase).
const READERS: &[&str] = &["get", "list", "getlist", "current", "search"];

/// Fewer documented fields than this is not an entity's table.
const MIN_FIELDS: usize = 3;

/// An entity documented in a namespace.
struct Documented {
    name: String,
    fields: Vec<Field>,
    method: String,
}

/// Gives every reader of a namespace whose result item is read off its
/// example (or empty) the entity the namespace documents.
pub fn by_namespace(specs: &mut [MethodSpec], index: &Index, site: &str) {
    let mut documented: BTreeMap<String, Documented> = BTreeMap::new();
    for s in specs.iter() {
        let (ns, last) = split(&s.method);
        if !last.eq_ignore_ascii_case("get") || s.result_from_example() {
            continue;
        }
        let Some(item) = s.result.as_ref().map(item_of) else {
            continue;
        };
        let documented_fields = item
            .fields
            .iter()
            .filter(|f| f.pattern.is_none() && !f.from_example)
            .count();
        if documented_fields >= MIN_FIELDS {
            documented.insert(
                ns.to_string(),
                Documented {
                    name: item.entity.clone().unwrap_or_else(|| ns.to_string()),
                    fields: item.fields.clone(),
                    method: s.method.clone(),
                },
            );
        }
    }
    // A `*.fields` table, not a map read off its example (`user.fields`
    // documents names and titles only).
    for s in specs
        .iter()
        .filter(|s| is_fields_method(&s.method) && !s.result_from_example())
    {
        let (ns, _) = split(&s.method);
        if documented.contains_key(ns) {
            continue;
        }
        if let Some((name, fields)) = index.entity_of_page(own_page(s, site)) {
            documented.insert(
                ns.to_string(),
                Documented {
                    name: name.clone(),
                    fields: fields.clone(),
                    method: s.method.clone(),
                },
            );
        }
    }
    for s in specs.iter_mut() {
        let (ns, last) = split(&s.method);
        let last = last.to_ascii_lowercase();
        if !READERS.contains(&last.as_str()) {
            continue;
        }
        let Some(doc) = documented.get(ns) else {
            continue;
        };
        if doc.method == s.method {
            // The method that documents the entity: its item is the entity.
            if let Some(r) = s.result.as_mut() {
                item_of_mut(r)
                    .entity
                    .get_or_insert_with(|| doc.name.clone());
            }
            continue;
        }
        let untyped = s.result_from_example()
            || s.result.as_ref().is_some_and(|r| {
                r.fields.is_empty()
                    && (r.ty.has_object()
                        || matches!(&r.ty, Type::Any)
                        || matches!(&r.ty, Type::Array(t) if **t == Type::Any))
            });
        let Some(r) = s.result.as_mut() else {
            continue;
        };
        if !untyped || item_of(r).entity.is_some() {
            continue;
        }
        apply(r, doc.name.clone(), doc.fields.clone());
        s.forget_result_from_example();
        s.diagnostics.push(Diagnostic {
            kind: DiagnosticKind::EntityFromNamespace,
            at: "result".to_string(),
            detail: doc.method.clone(),
        });
        s.diagnostics.sort();
    }
}

/// A method's namespace and last segment (`crm.deal` and `list`).
fn split(method: &str) -> (&str, &str) {
    method.rsplit_once('.').unwrap_or(("", method))
}

/// The object of a result that holds the entity: the result, or the one
/// object under a single wrapper key (`{"item": {...}}`).
fn item_of(r: &Field) -> &Field {
    match r.fields.as_slice() {
        [one] if one.pattern.is_none() && (one.ty.has_object() || !one.fields.is_empty()) => one,
        _ => r,
    }
}

fn item_of_mut(r: &mut Field) -> &mut Field {
    let wrapper = matches!(r.fields.as_slice(),
        [one] if one.pattern.is_none() && (one.ty.has_object() || !one.fields.is_empty()));
    if wrapper {
        &mut r.fields[0]
    } else {
        r
    }
}
