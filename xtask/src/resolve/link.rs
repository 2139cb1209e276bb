//! Linking: the one step of extraction that reads across pages. A field the
//! docs describe by a link to a fields page (`crm.quote.fields`,
//! `tasks/fields.md`) or by the name of a data-types entry
//! (`sale_basket_item`) gets that entity's fields and types, and its name in
//! `entity`, so that every method returning or taking the entity agrees.
//! The entities come from data-types pages, from fields pages that are not
//! method pages, and from `*.fields` method pages whose table lists the
//! entity while their answer is a map of descriptors (`page::fields_answer`).
//!
//! Runs after every page is extracted; its output depends only on the set
//! of pages, never on the order they were read in.

use std::collections::BTreeMap;

use crate::spec::types::Type;
use crate::spec::{DiagnosticKind, Entity, Field, MethodSpec};

/// Entities by the page that documents them and by data-type name.
#[derive(Debug, Default)]
pub struct Index {
    by_page: BTreeMap<String, (String, Vec<Field>)>,
    by_type: BTreeMap<String, Vec<Field>>,
}

/// Whether the result's fields were read off the example response.
fn inferred(spec: &MethodSpec) -> bool {
    spec.diagnostics.iter().any(|d| {
        d.kind == DiagnosticKind::ResultFromExample && (d.at == "result" || d.at == "result.fields")
    })
}

impl Index {
    /// The index over a set of specs and the entities of other pages.
    pub fn new(entities: &[Entity]) -> Index {
        let mut index = Index::default();
        for e in entities {
            if e.page.ends_with("data-types.html") {
                index
                    .by_type
                    .entry(e.name.clone())
                    .or_insert_with(|| e.fields.clone());
            } else {
                let name = if e.name == e.page {
                    entity_name_of_page(&e.page)
                } else {
                    e.name.clone()
                };
                index
                    .by_page
                    .entry(e.page.clone())
                    .or_insert_with(|| (name, e.fields.clone()));
            }
        }
        index
    }

    /// Links every spec in place.
    pub fn link(&self, specs: &mut [MethodSpec]) {
        for spec in specs.iter_mut() {
            let inferred_result = inferred(spec);
            for p in spec.params.iter_mut() {
                if query_param(p) {
                    continue;
                }
                self.link_field(p, false, 0);
            }
            let mut linked_result = false;
            if let Some(r) = &mut spec.result {
                linked_result = self.link_field(r, inferred_result, 0);
            }
            if linked_result {
                spec.diagnostics.retain(|d| {
                    !(d.kind == DiagnosticKind::ResultFromExample
                        && (d.at == "result" || d.at == "result.fields"))
                });
            }
        }
    }

    /// Links one field and, below it, its fields; `replace` lets a link
    /// replace fields read off an example. Whether anything was linked.
    fn link_field(&self, f: &mut Field, replace: bool, depth: usize) -> bool {
        if depth > 8 {
            return false;
        }
        let mut linked = false;
        if let Some(t) = self.field_type(&f.ty) {
            f.ty = t;
        }
        if f.fields.is_empty() || replace {
            // A scalar (`isDefault: boolean` whose description links the
            // fields page) is not the entity that page lists.
            let by_link = f
                .link
                .as_ref()
                .filter(|_| !matches!(f.ty, Type::Scalar(_)))
                .and_then(|l| self.by_page.get(l))
                .map(|(name, fields)| (name.clone(), fields.clone()));
            // `CURRENCY_ID: crm_currency` is the code of a currency, not one.
            let by_type = referenced(&f.ty)
                .filter(|_| !names_an_id(&f.name))
                .and_then(|n| {
                    self.by_type
                        .get(n)
                        .map(|fields| (n.to_string(), fields.clone()))
                });
            if let Some((name, fields)) = by_link.or(by_type) {
                f.fields = fields;
                f.entity = Some(name);
                if f.ty == Type::Any {
                    f.ty = Type::Object;
                }
                linked = true;
            }
        }
        for sub in f.fields.iter_mut() {
            linked |= self.link_field(sub, false, depth + 1);
        }
        linked
    }
}

impl Index {
    /// `sale_status.id` as the type of that field of the entity, where the
    /// data-types page gives it a scalar type (a status ID is a string, a
    /// product ID an integer); through lists and unions.
    fn field_type(&self, t: &Type) -> Option<Type> {
        match t {
            Type::Ref(r) => {
                let field = r.field.as_ref()?;
                let fields = self.by_type.get(&r.name)?;
                let f = fields.iter().find(|f| f.name.eq_ignore_ascii_case(field))?;
                matches!(f.ty, Type::Scalar(_)).then(|| f.ty.clone())
            }
            Type::Array(inner) => self.field_type(inner).map(|t| Type::Array(Box::new(t))),
            Type::Union(vs) => {
                let mapped: Vec<Option<Type>> = vs.iter().map(|v| self.field_type(v)).collect();
                mapped.iter().any(Option::is_some).then(|| {
                    Type::Union(
                        vs.iter()
                            .zip(mapped)
                            .map(|(v, m)| m.unwrap_or_else(|| v.clone()))
                            .collect(),
                    )
                })
            }
            _ => None,
        }
    }
}

/// `select`, `filter` and `order` name the fields of an entity; they are
/// not one (their shapes are set by `extract::meaning`).
fn query_param(p: &Field) -> bool {
    matches!(p.name.as_str(), "select" | "filter" | "order")
}

/// A key that holds an identifier or code (`ID`, `CURRENCY_ID`,
/// `currencyId`, `STATUS_IDS`), whatever the type it references.
fn names_an_id(name: &str) -> bool {
    let n = name.trim_end_matches(['s', 'S']);
    n.eq_ignore_ascii_case("id") || n.ends_with("_ID") || n.ends_with("Id") || n.ends_with("_id")
}

/// The data-type a type names, through lists and unions (`sale_order`,
/// `sale_order[]`, `sale_order | null`); not a field of one (`sale_order.id`).
fn referenced(t: &Type) -> Option<&str> {
    match t {
        Type::Ref(r) if r.field.is_none() => Some(r.name.as_str()),
        Type::Array(inner) => referenced(inner),
        Type::Union(vs) => {
            let named: Vec<&str> = vs.iter().filter_map(referenced).collect();
            match named.as_slice() {
                [one] => Some(one),
                _ => None,
            }
        }
        _ => None,
    }
}

/// An entity page's name: its path below `api-reference/`, dotted
/// (`api-reference/tasks/fields.html` → `tasks.fields`).
fn entity_name_of_page(page: &str) -> String {
    page.trim_start_matches("api-reference/")
        .trim_end_matches(".html")
        .replace('/', ".")
        .replace('-', "_")
}
