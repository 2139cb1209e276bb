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

use std::collections::{BTreeMap, BTreeSet};

use crate::spec::types::Type;
use crate::spec::{Entity, Field, MethodSpec};

/// Entities by the page that documents them and by data-type name.
#[derive(Debug, Default)]
pub struct Index {
    by_page: BTreeMap<String, (String, Vec<Field>)>,
    by_type: BTreeMap<String, Vec<Field>>,
}

impl Index {
    /// The index over a set of specs and the entities of other pages.
    pub fn new(entities: &[Entity]) -> Index {
        let mut index = Index::default();
        for e in entities {
            if e.page.contains('#') {
                index
                    .by_page
                    .entry(e.page.clone())
                    .or_insert_with(|| (e.name.clone(), e.fields.clone()));
            } else if e.page.ends_with("data-types.html") {
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

    /// Registers the tables on method pages that a field of another page
    /// links to by anchor (`deal[]` → `crm-deal-get.html#deal`): the field
    /// that owns the table on its page (its `link` is that same
    /// `page#anchor`) gives the entity's fields, and the entity's name is
    /// the owning method's namespace (`crm.deal`), with the anchor when it
    /// names something else (`department.st_department`). `site` is the
    /// docs site the specs' URLs begin with.
    pub fn add_anchored(&mut self, specs: &[MethodSpec], site: &str) {
        let mut targets: BTreeSet<String> = BTreeSet::new();
        for s in specs {
            let own = own_page(s, site);
            for_each_field(s, &mut |f| {
                if let Some(l) = f.link.as_deref().filter(|l| l.contains('#')) {
                    if page_of(l) != own {
                        targets.insert(l.to_string());
                    }
                }
            });
        }
        for s in specs {
            let own = own_page(s, site);
            for_each_field(s, &mut |f| {
                let Some(l) = f.link.as_deref() else { return };
                if f.fields.is_empty() || page_of(l) != own || !targets.contains(l) {
                    return;
                }
                let anchor = l.rsplit_once('#').map_or("", |(_, a)| a);
                self.by_page
                    .entry(l.to_string())
                    .or_insert_with(|| (anchored_name(&s.method, anchor), f.fields.clone()));
            });
        }
    }

    /// Links every spec in place.
    pub fn link(&self, specs: &mut [MethodSpec]) {
        for spec in specs.iter_mut() {
            let inferred_result = spec.result_from_example();
            for p in spec.params.iter_mut() {
                if query_param(p) {
                    continue;
                }
                self.link_field(p, false, 0);
            }
            let mut linked_result = false;
            // A `*.fields` method answers with descriptors of the entity's
            // fields, never with the entity its page links to.
            let describes_fields = crate::spec::is_fields_method(&spec.method);
            if let Some(r) = spec.result.as_mut().filter(|_| !describes_fields) {
                linked_result = self.link_field(r, inferred_result, 0);
            }
            if linked_result {
                spec.forget_result_from_example();
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
                apply(f, name, fields);
                linked = true;
            }
        } else if let Some((name, _)) = f.link.as_ref().and_then(|l| self.by_page.get(l)) {
            // The table this field was read from, which other pages link to.
            f.entity.get_or_insert_with(|| name.clone());
        }
        for sub in f.fields.iter_mut() {
            linked |= self.link_field(sub, false, depth + 1);
        }
        linked
    }
}

impl Index {
    /// The entity a page (`crm/quote/crm-quote-fields.html`) or a table on
    /// one (`…#deal`) documents: its name and fields.
    pub fn entity_of_page(&self, page: &str) -> Option<(&String, &Vec<Field>)> {
        self.by_page.get(page).map(|(n, f)| (n, f))
    }

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

/// Gives a field an entity's fields and name: the field itself, or, where
/// its fields so far (read off the example) are a wrapper around one object
/// (`{"category": {...}}`) whose key the entity does not list, that object.
pub(crate) fn apply(f: &mut Field, name: String, fields: Vec<Field>) {
    let target = wrapped(f, &fields);
    target.fields = fields;
    target.entity = Some(name);
    target.ty = match std::mem::replace(&mut target.ty, Type::Any) {
        Type::Any => Type::Object,
        Type::Array(inner) if *inner == Type::Any => Type::Array(Box::new(Type::Object)),
        t => t,
    };
}

/// The object in `f` that an entity of `fields` describes: through one
/// wrapper key the entity does not list.
fn wrapped<'f>(f: &'f mut Field, fields: &[Field]) -> &'f mut Field {
    let concrete: Vec<usize> = (0..f.fields.len())
        .filter(|&i| f.fields[i].pattern.is_none())
        .collect();
    let wrapper = match concrete.as_slice() {
        [i] if f.fields.len() == 1 => {
            let w = &f.fields[*i];
            let holds = w.ty.has_object() || !w.fields.is_empty();
            let listed = fields.iter().any(|e| e.name.eq_ignore_ascii_case(&w.name));
            (holds && !listed).then_some(*i)
        }
        _ => None,
    };
    match wrapper {
        Some(i) => &mut f.fields[i],
        None => f,
    }
}

/// Every field of a spec, at every depth (params and result).
fn for_each_field(s: &MethodSpec, visit: &mut dyn FnMut(&Field)) {
    fn walk(f: &Field, visit: &mut dyn FnMut(&Field), depth: usize) {
        if depth > 16 {
            return;
        }
        visit(f);
        for sub in &f.fields {
            walk(sub, visit, depth + 1);
        }
    }
    for p in &s.params {
        walk(p, visit, 0);
    }
    if let Some(r) = &s.result {
        walk(r, visit, 0);
    }
}

/// A spec's page below the docs root (`crm/deals/crm-deal-get.html`).
pub(crate) fn own_page<'s>(s: &'s MethodSpec, site: &str) -> &'s str {
    let url = s.url.strip_prefix(site).unwrap_or(&s.url);
    url.split('#').next().unwrap_or(url)
}

/// The page of a `page#anchor` link.
fn page_of(link: &str) -> &str {
    link.split('#').next().unwrap_or(link)
}

/// An anchored entity's name: the owning method's namespace
/// (`crm.deal.get` → `crm.deal`), followed by the anchor when the anchor
/// does not name the namespace's last word (`department.st_department`).
fn anchored_name(method: &str, anchor: &str) -> String {
    let ns = method.rsplit_once('.').map_or(method, |(ns, _)| ns);
    let last = ns.rsplit('.').next().unwrap_or(ns);
    let squash = |s: &str| -> String {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    if squash(anchor) == squash(last) || anchor.is_empty() {
        ns.to_string()
    } else {
        format!("{ns}.{}", anchor.replace('-', "_"))
    }
}
