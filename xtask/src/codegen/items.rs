//! The items of one method: its params type, nested types, enums, result,
//! error codes and trait impls.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{bail, Result};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::docs;
use super::rust_type::{self, Ty};
use crate::spec::naming::{
    camel_ident, is_placeholder_key as is_placeholder, key_pattern, snake_ident,
};
use crate::spec::types::{Scalar, Type};
use crate::spec::{EventSpec, Field, MethodSpec, RestVersion, Wire};

/// Which way a type travels: parameters are written, results are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Params,
    Result,
}

/// Everything generated for one method.
pub struct MethodItems {
    /// The wire name, for messages.
    pub method: String,
    /// Module path under the scope module (`["role"]`, `["v3", "task"]`).
    pub namespace: Vec<String>,
    /// The method type (`SetRights`).
    pub type_name: String,
    /// Items in the namespace module: the method type and its impls.
    pub items: Vec<TokenStream>,
    /// The method's own module (`set_rights`).
    pub module: String,
    /// Its doc lines.
    pub module_doc: Vec<String>,
    /// Its items: result, error codes, nested types, trait impls.
    pub module_items: Vec<TokenStream>,
}

/// One field of a generated struct.
struct FieldDef {
    wire: String,
    ident: Ident,
    /// The stored type (with `Option`/`BTreeMap` applied).
    ty: Ty,
    /// A constructor argument.
    ctor: bool,
    /// Free keys (`<siteId>`, `UF_CRM_*`): a map of the keys matching this
    /// glob, written inline.
    pattern: Option<String>,
    /// A boolean spelled `Y`/`N` on the wire.
    yes_no: bool,
    /// How the docs' examples send it, where not as its type's JSON kind.
    spelling: Option<Wire>,
    /// A result field read off the docs' example response, not a table:
    /// decoded softly (a value of another type stays in `extra`).
    soft: bool,
    doc: Vec<String>,
}

/// The Rust name of the map of keys a result struct does not model.
const EXTRA: &str = "extra";

/// Whether a field is a boolean that the wire spells `Y`/`N`.
fn is_yes_no(f: &Field) -> bool {
    f.values == ["Y", "N"]
        && match &f.ty {
            Type::Scalar(Scalar::Boolean) => true,
            Type::Union(vs) => vs
                .iter()
                .all(|v| matches!(v, Type::Scalar(Scalar::Boolean) | Type::Null)),
            _ => false,
        }
}

/// Shared entity types: entity name (`crm.company`) → Rust type name.
pub type EntityNames = BTreeMap<String, String>;

/// Type names used in a method's module, and the items defining them.
struct Defs<'a> {
    spec: &'a MethodSpec,
    /// The shared entity types results may use.
    entities: &'a EntityNames,
    /// The entity being defined, when this builds one (it does not use
    /// itself).
    defining: Option<&'a str>,
    /// The doc of the next struct defined, instead of the usual one.
    root_doc: Option<Vec<String>>,
    /// The path of the decoded value's root (`result`, an event's `data`):
    /// the struct there checks that the value is the documented object.
    root_path: &'static str,
    /// An `array` the docs say nothing more of is any JSON value: event
    /// payloads come form-encoded, where every PHP array is keyed.
    loose_arrays: bool,
    names: BTreeMap<String, String>,
    items: Vec<TokenStream>,
    /// Fields of result structs, for `Paged`.
    result_fields: BTreeMap<String, Vec<(Ident, Ty)>>,
    /// Types decoded on their own (the result, page items): these get a
    /// `Deserialize` impl; the rest decode only inside their parents.
    needs_de: std::collections::BTreeSet<String>,
}

/// Type names a top-level parameter must not take; such a parameter's type
/// gets `Param` appended.
const RESERVED: &[&str] = &["Output", "Error", "Item", "Data"];

/// Read-only verbs (first word of a method's last segment): safe to repeat.
const READ_ONLY: &[&str] = &[
    "get", "list", "fields", "is", "has", "search", "check", "count", "find", "current", "info",
    "version", "select", "export",
];

/// Fields keyed by IDs (`0`, `<siteId>`): an associative array.
fn keyed(f: &Field) -> bool {
    f.fields
        .iter()
        .any(|sub| is_placeholder(&sub.name) || sub.name.chars().all(|c| c.is_ascii_digit()))
}

/// The module path, type name and module name of a method in its scope.
pub(super) fn place(spec: &MethodSpec) -> (Vec<String>, String, String) {
    let folder = spec.folder();
    let mut segs: Vec<&str> = spec.method.split('.').filter(|s| !s.is_empty()).collect();
    if segs.len() > 1
        && segs
            .first()
            .is_some_and(|f| crate::spec::naming::folder_name(f) == folder)
    {
        segs.remove(0);
    }
    let last = segs.pop().unwrap_or(spec.method.as_str());
    let mut namespace: Vec<String> = segs.iter().map(|s| snake_ident(s)).collect();
    if spec.version == RestVersion::V3 {
        namespace.insert(0, "v3".to_string());
    }
    let mut type_name = camel_ident(last);
    if rust_type::PRELUDE.contains(&type_name.as_str()) {
        type_name.push_str("Method");
    }
    (namespace, type_name, snake_ident(last))
}

/// Generates one method; its results use the shared `entities`.
pub fn method(spec: &MethodSpec, entities: &EntityNames) -> Result<MethodItems> {
    let (namespace, type_name, module) = place(spec);
    let module_ident = format_ident!("{}", module);
    let mut defs = Defs::new(spec, entities);
    defs.claim("Error", "the error codes")?;
    let error = defs.error_codes()?;

    let params = defs.fields(&spec.params, "", "params", Side::Params)?;
    let output = defs.output()?;
    let mut module_items = vec![error];
    module_items.append(&mut defs.items);
    module_items.extend(output.items);

    let head = docs::method_head(spec);
    let type_ident = format_ident!("{}", type_name);
    let mut doc = head;
    doc.push(String::new());
    doc.push(params_summary(&spec.params));
    doc.push(String::new());
    doc.push(format!(
        "Result: {} ([`{module}::Output`]). Errors: {} ([`{module}::Error`]).",
        spec.result
            .as_ref()
            .map(|r| docs::code(&r.ty.to_string()))
            .unwrap_or_else(|| "not described".to_string()),
        error_summary(spec),
    ));
    if spec.paged {
        doc.push(String::new());
        doc.push("A paged list (`start`, `next`, `total`).".to_string());
    }
    if spec.deprecated {
        doc.push(String::new());
        doc.push("Deprecated in the docs.".to_string());
    }
    let mut items = vec![params_struct(
        &type_ident,
        &doc,
        &params,
        Some(&module_ident),
        true,
    )];
    if let Some(typed) = for_event_ctor(spec, &type_ident, &params, &module_ident) {
        items.push(typed);
    }

    let name = &spec.method;
    let version = match spec.version {
        RestVersion::V2 => quote!(V2),
        RestVersion::V3 => quote!(V3),
    };
    let first_word = crate::spec::naming::words(&module)
        .into_iter()
        .next()
        .unwrap_or_default();
    let idempotent = READ_ONLY.contains(&first_word.as_str());
    module_items.push(quote! {
        method!(super::#type_ident, #name, #version, #idempotent);
    });
    if spec.paged {
        if let Some((paged, item)) = paged_impl(&type_ident, &output.ty, &defs.result_fields) {
            module_items.push(paged);
            named_in(&item, &mut defs.needs_de);
        }
    }
    named_in(&output.ty, &mut defs.needs_de);
    for name in &defs.needs_de {
        let ident = format_ident!("{}", name);
        module_items.push(quote!(deserialize_via_from_value!(#ident);));
    }

    // The method type beside the module has the docs link. (Links in a
    // module's outer doc resolve in the module's parent, where that type is.)
    let module_doc = vec![format!(
        "Types of [{}](struct@{type_ident}).",
        docs::code(&spec.method)
    )];
    Ok(MethodItems {
        method: spec.method.clone(),
        namespace,
        type_name,
        items,
        module,
        module_doc,
        module_items,
    })
}

/// Methods whose required parameter `event` names an event: they get a
/// constructor taking the event's payload type instead of its name.
const EVENT_NAME_METHODS: &[&str] = &["event.bind", "event.unbind"];

/// `for_event::<E>(...)`: `new` with `event` set to `E::NAME`, for the
/// methods of [`EVENT_NAME_METHODS`] whose `event` is a required string.
fn for_event_ctor(
    spec: &MethodSpec,
    ident: &Ident,
    params: &[FieldDef],
    prefix: &Ident,
) -> Option<TokenStream> {
    if !EVENT_NAME_METHODS.contains(&spec.method.as_str()) {
        return None;
    }
    let ctor: Vec<&FieldDef> = params.iter().filter(|f| f.ctor).collect();
    ctor.iter().find(|f| f.wire == "event" && f.ty == Ty::Str)?;
    let args = ctor.iter().filter(|f| f.wire != "event").map(|f| {
        let (t, _) = arg(&f.ty, Some(prefix), &f.ident);
        let i = &f.ident;
        quote!(#i: #t)
    });
    let passed = ctor.iter().map(|f| {
        if f.wire == "event" {
            quote!(E::NAME)
        } else {
            let i = &f.ident;
            quote!(#i)
        }
    });
    let doc = format!(
        " The call for the event whose payload type is `E` (a generated type of a scope's \
         `events` module, e.g. `crm::events::OnCrmDealAdd`): `event` is its name as sent, \
         [`EventPayload::NAME`](::bitrix24_runtime::EventPayload::NAME). See [`{ident}::new`] \
         for the other parameters."
    );
    Some(quote! {
        impl #ident {
            #[doc = #doc]
            pub fn for_event<E: ::bitrix24_runtime::EventPayload>(#(#args),*) -> Self {
                Self::new(#(#passed),*)
            }
        }
    })
}

fn params_summary(params: &[Field]) -> String {
    if params.is_empty() {
        return "No parameters.".to_string();
    }
    let names = |req: bool| {
        let v: Vec<&str> = params
            .iter()
            .filter(|p| p.required == req)
            .map(|p| p.name.as_str())
            .collect();
        if v.is_empty() {
            "none".to_string()
        } else {
            docs::code_list(v)
        }
    };
    format!("Required: {}. Optional: {}.", names(true), names(false))
}

fn error_summary(spec: &MethodSpec) -> String {
    let codes = unique_codes(spec);
    let without = spec.errors.len().saturating_sub(
        spec.errors
            .iter()
            .filter(|e| e.code.as_deref().is_some_and(|c| !c.trim().is_empty()))
            .count(),
    );
    let without = match without {
        0 => String::new(),
        1 => "one error without a code".to_string(),
        n => format!("{n} errors without a code"),
    };
    match (codes.is_empty(), without.is_empty()) {
        (true, true) => "none documented".to_string(),
        (true, false) => without,
        (false, true) => docs::code_list(codes.iter().map(|(c, _)| c.as_str())),
        (false, false) => format!(
            "{}; {without}",
            docs::code_list(codes.iter().map(|(c, _)| c.as_str()))
        ),
    }
}

/// Documented codes in the docs' order, each with its statuses.
fn unique_codes(spec: &MethodSpec) -> Vec<(String, Vec<u16>)> {
    let mut out: Vec<(String, Vec<u16>)> = Vec::new();
    for e in &spec.errors {
        let Some(code) = e.code.as_deref().map(str::trim).filter(|c| !c.is_empty()) else {
            continue;
        };
        let pos = match out.iter().position(|(c, _)| c == code) {
            Some(p) => p,
            None => {
                out.push((code.to_string(), Vec::new()));
                out.len() - 1
            }
        };
        if let Some(s) = e.status {
            if !out[pos].1.contains(&s) {
                out[pos].1.push(s);
            }
        }
    }
    out
}

/// Names of generated types a type is built from at its top
/// (`Vec<Item>` → `Item`).
fn named_in(ty: &Ty, out: &mut std::collections::BTreeSet<String>) {
    match ty {
        Ty::Named(n) => {
            out.insert(n.clone());
        }
        Ty::Vec(inner) | Ty::Option(inner) | Ty::Map(inner) => named_in(inner, out),
        _ => {}
    }
}

/// The `Paged` impl, when the result is a list or an object holding one
/// list, and the item type.
fn paged_impl(
    type_ident: &Ident,
    output: &Ty,
    result_fields: &BTreeMap<String, Vec<(Ident, Ty)>>,
) -> Option<(TokenStream, Ty)> {
    let (item_ty, item, body) = match output {
        Ty::Vec(inner) => ((**inner).clone(), inner.output_tokens(), quote!(output.0)),
        Ty::Option(inner) => match &**inner {
            Ty::Vec(inner) => (
                (**inner).clone(),
                inner.output_tokens(),
                quote!(output.map(|list| list.0).unwrap_or_default()),
            ),
            _ => return None,
        },
        Ty::Named(name) => {
            let fields = result_fields.get(name)?;
            let lists: Vec<&(Ident, Ty)> = fields
                .iter()
                .filter(|(_, t)| matches!(t, Ty::Vec(_)))
                .collect();
            match lists.as_slice() {
                // A field keeps plain types: `i64`, not the lenient newtype.
                [(ident, Ty::Vec(inner))] => {
                    ((**inner).clone(), inner.tokens(None), quote!(output.#ident))
                }
                _ => return None,
            }
        }
        _ => return None,
    };
    let tokens = quote! {
        impl ::bitrix24_runtime::Paged for super::#type_ident {
            type Item = #item;
            fn into_items(output: Output) -> Vec<#item> {
                #body
            }
        }
    };
    Some((tokens, item_ty))
}

impl<'a> Defs<'a> {
    /// Definitions for `spec`'s types: a method's result, no entity being
    /// defined, usual docs.
    fn new(spec: &'a MethodSpec, entities: &'a EntityNames) -> Self {
        Defs {
            spec,
            entities,
            defining: None,
            root_doc: None,
            root_path: "result",
            loose_arrays: false,
            names: BTreeMap::new(),
            items: Vec::new(),
            result_fields: BTreeMap::new(),
            needs_de: std::collections::BTreeSet::new(),
        }
    }
}

/// The spec a shared entity or an event is generated under: only its name
/// and docs page, which the doc comments and messages use.
fn named_spec(name: &str, url: &str) -> MethodSpec {
    MethodSpec {
        method: name.to_string(),
        version: RestVersion::V2,
        scopes: Vec::new(),
        url: url.to_string(),
        deprecated: false,
        paged: false,
        params: Vec::new(),
        result: None,
        errors: Vec::new(),
        diagnostics: Vec::new(),
        examples: Vec::new(),
        bodies: Vec::new(),
    }
}

impl Defs<'_> {
    fn claim(&mut self, name: &str, origin: &str) -> Result<()> {
        if let Some(prev) = self.names.get(name) {
            bail!(
                "{}: the Rust type name `{name}` of {origin} collides with {prev}",
                self.spec.method
            );
        }
        self.names.insert(name.to_string(), origin.to_string());
        Ok(())
    }

    /// The error-code enum, or an alias of the system errors when the page
    /// documents none.
    fn error_codes(&self) -> Result<TokenStream> {
        let codes = unique_codes(self.spec);
        let no_code: Vec<String> = self
            .spec
            .errors
            .iter()
            .filter(|e| e.code.as_deref().is_none_or(|c| c.trim().is_empty()))
            .map(|e| {
                let status = e
                    .status
                    .map_or("no status".to_string(), |s| format!("HTTP {s}"));
                match &e.message {
                    Some(m) => format!("{} ({status})", docs::code(m)),
                    None => status,
                }
            })
            .collect();
        let mut doc = vec![format!(
            "Error codes of {}; see also [`crate::SystemError`].",
            docs::code(&self.spec.method)
        )];
        if !no_code.is_empty() {
            doc.push(String::new());
            doc.push(format!(
                "The docs also list errors without a code: {}.",
                no_code.join(", ")
            ));
        }
        if codes.is_empty() {
            let doc = docs::attrs(&doc);
            return Ok(quote! {
                #doc
                pub type Error = crate::SystemError;
            });
        }
        let variants: Vec<(String, String, Vec<String>)> = codes
            .into_iter()
            .map(|(code, statuses)| {
                let mut line = docs::code(&code);
                if !statuses.is_empty() {
                    let s: Vec<String> = statuses.iter().map(|s| format!("HTTP {s}")).collect();
                    line.push_str(&format!(" ({})", s.join(", ")));
                }
                (code.clone(), code, vec![line])
            })
            .collect();
        let tokens = string_enum("Error", &doc, &variants, &self.spec.method)?;
        Ok(quote! {
            #tokens
            error_code!(Error);
        })
    }

    /// The fields of a struct (or the top-level params).
    fn fields(
        &mut self,
        fields: &[Field],
        parent: &str,
        path: &str,
        side: Side,
    ) -> Result<Vec<FieldDef>> {
        let mut out = Vec::new();
        let mut seen: BTreeMap<String, &str> = BTreeMap::new();
        seen.insert(EXTRA.to_string(), "(the keys not modelled)");
        for f in fields {
            let (ident, taken) = unique(snake_ident(&f.name), "_", &seen);
            seen.insert(ident.clone(), &f.name);
            let mut camel = format!("{parent}{}", camel_ident(&f.name));
            if parent.is_empty()
                && (RESERVED.contains(&camel.as_str())
                    || rust_type::PRELUDE.contains(&camel.as_str()))
            {
                camel.push_str("Param");
            }
            let fpath = format!("{path}.{}", f.name);
            let ty = self.ty(&f.ty, f, &camel, &fpath, side)?;
            let pattern = f.pattern.clone().or_else(|| key_pattern(&f.name));
            let placeholder = pattern.is_some();
            let stored = if placeholder {
                Ty::Map(Box::new(ty))
            } else {
                match side {
                    Side::Params if f.required => ty,
                    Side::Params => ty.optional(),
                    Side::Result if ty.absorbs_null() => ty,
                    Side::Result => ty.optional(),
                }
            };
            // A result field is optional unless the docs mark it required,
            // which its doc then says; a parameter says which it is.
            let (req_word, optional_word) = match side {
                Side::Params => ("required", Some("optional")),
                Side::Result => ("required in the docs", None),
            };
            let mut doc = docs::field(f, req_word, optional_word);
            if let Some(base) = taken {
                doc.push(String::new());
                doc.push(renamed_note(&base, &seen, &ident));
            }
            if let Some(p) = &pattern {
                doc.push(String::new());
                doc.push(format!(
                    "Stands for every key matching {}: one entry per key.",
                    docs::code(p)
                ));
            }
            let soft = side == Side::Result && f.from_example;
            if soft {
                // The struct's doc says once what this means (`result_struct`).
                if let Some(first) = doc.first_mut() {
                    first.pop();
                    first.push_str(&format!(", {EXAMPLE_ONLY}."));
                }
            }
            out.push(FieldDef {
                wire: f.name.clone(),
                ident: format_ident!("{}", ident),
                ty: stored,
                ctor: side == Side::Params && f.required && !placeholder,
                pattern,
                yes_no: is_yes_no(f),
                spelling: f.wire.filter(|_| side == Side::Params),
                soft,
                doc,
            });
        }
        Ok(out)
    }

    /// The Rust type of a docs type at one field, defining nested types.
    fn ty(&mut self, t: &Type, f: &Field, name: &str, path: &str, side: Side) -> Result<Ty> {
        Ok(match t {
            // A boolean the examples send one way is a `bool` sent that way,
            // whatever spellings the table lists.
            Type::Scalar(Scalar::Boolean) if is_yes_no(f) || f.wire.is_some() => Ty::Bool,
            Type::Scalar(s) if !f.values.is_empty() && rust_type::enum_like(*s) => {
                self.enum_def(f, name, path)?
            }
            Type::Scalar(s) => rust_type::scalar(*s),
            Type::Object if !f.fields.is_empty() => self.struct_def(f, name, path, side)?,
            Type::Object => Ty::Value,
            Type::Any | Type::Null if !f.values.is_empty() => self.enum_def(f, name, path)?,
            Type::Any | Type::Null => Ty::Value,
            // A PHP "array" keyed by IDs (`0`, `<siteId>`) is an object; one
            // with named fields is a list of objects.
            Type::Array(inner) if **inner == Type::Any && keyed(f) => {
                self.struct_def(f, name, path, side)?
            }
            Type::Array(inner) if **inner == Type::Any && !f.fields.is_empty() => {
                Ty::Vec(Box::new(self.struct_def(f, name, path, side)?))
            }
            // A PHP "array" the docs say nothing more of is a list or an
            // object: a parameter takes any JSON value (`complete.rs` made
            // those the examples show as objects `object`).
            Type::Array(inner) if **inner == Type::Any && side == Side::Params => Ty::Value,
            Type::Array(inner) if **inner == Type::Any && self.loose_arrays => Ty::Value,
            Type::Array(inner) => Ty::Vec(Box::new(self.ty(inner, f, name, path, side)?)),
            Type::Ref(_) if !f.fields.is_empty() => self.struct_def(f, name, path, side)?,
            Type::Ref(r) => rust_type::reference(r),
            Type::Union(vs) => {
                let non_null: Vec<&Type> = vs.iter().filter(|v| **v != Type::Null).collect();
                let ty = match non_null.as_slice() {
                    [] => Ty::Value,
                    [one] => self.ty(one, f, name, path, side)?,
                    // An object or a scalar (`object | boolean`): no one
                    // Rust type holds both but the JSON value.
                    many if many.iter().any(|v| {
                        v.has_object() || (matches!(v, Type::Ref(_)) && !f.fields.is_empty())
                    }) && many.iter().any(|v| matches!(v, Type::Scalar(_))) =>
                    {
                        Ty::Value
                    }
                    many => {
                        let object = many
                            .iter()
                            .find(|v| v.has_object() || matches!(v, Type::Ref(_)))
                            .filter(|_| !f.fields.is_empty());
                        match object {
                            Some(v) => self.ty(v, f, name, path, side)?,
                            None => self.scalar_union(many, f, name, path, side)?,
                        }
                    }
                };
                if non_null.len() < vs.len() {
                    ty.optional()
                } else {
                    ty
                }
            }
        })
    }

    /// `integer | string` and the like: an enum for listed values, a number
    /// for numbers, a parameter that is an integer or text
    /// (`bitrix24_runtime::IntOrString`, sent as given), a string when a
    /// string is allowed, else any value.
    fn scalar_union(
        &mut self,
        vs: &[&Type],
        f: &Field,
        name: &str,
        path: &str,
        side: Side,
    ) -> Result<Ty> {
        let scalars: Option<Vec<Scalar>> = vs
            .iter()
            .map(|v| match v {
                Type::Scalar(s) => Some(*s),
                _ => None,
            })
            .collect();
        let Some(scalars) = scalars else {
            return Ok(Ty::Value);
        };
        if !f.values.is_empty() && scalars.iter().all(|s| rust_type::enum_like(*s)) {
            return self.enum_def(f, name, path);
        }
        let tys: Vec<Ty> = scalars.iter().map(|s| rust_type::scalar(*s)).collect();
        Ok(if tys.iter().all(|t| matches!(t, Ty::Int | Ty::Decimal)) {
            Ty::Decimal
        } else if side == Side::Params
            && tys.contains(&Ty::Int)
            && tys.iter().all(|t| matches!(t, Ty::Int | Ty::Str))
        {
            Ty::IntOrString
        } else if tys.iter().all(|t| *t == Ty::DateTime) {
            Ty::DateTime
        } else if tys.iter().any(|t| matches!(t, Ty::Str | Ty::DateTime))
            && !tys.contains(&Ty::Value)
        {
            Ty::Str
        } else {
            Ty::Value
        })
    }

    fn enum_def(&mut self, f: &Field, name: &str, path: &str) -> Result<Ty> {
        self.claim(name, &format!("the values of `{path}`"))?;
        let mut variants: Vec<(String, String, Vec<String>)> = Vec::new();
        for v in &f.values {
            if variants.iter().any(|(w, _, _)| w == v) {
                continue;
            }
            variants.push((v.clone(), v.clone(), vec![docs::code(v)]));
        }
        let doc = vec![format!(
            "Allowed values of {} in {}.",
            docs::code(path),
            docs::code(&self.spec.method)
        )];
        self.items
            .push(string_enum(name, &doc, &variants, &self.spec.method)?);
        Ok(Ty::Named(name.to_string()))
    }

    fn struct_def(&mut self, f: &Field, name: &str, path: &str, side: Side) -> Result<Ty> {
        if side == Side::Result {
            if let Some(entity) = f.entity.as_deref() {
                if self.defining != Some(entity) {
                    if let Some(rust) = self.entities.get(entity) {
                        return Ok(Ty::Entity(rust.clone()));
                    }
                }
            }
        }
        self.claim(name, &format!("the object `{path}`"))?;
        let own_doc = self.root_doc.take();
        let fields = self.fields(&f.fields, name, path, side)?;
        let doc = own_doc.unwrap_or_else(|| {
            vec![
                format!(
                    "The object {} of {}: {}.",
                    docs::code(path),
                    docs::code(&self.spec.method),
                    docs::code(&f.ty.to_string())
                ),
                String::new(),
                format!("Docs: <{}>", self.spec.url),
            ]
        });
        let ident = format_ident!("{}", name);
        let item = match side {
            Side::Params => params_struct(&ident, &doc, &fields, None, false),
            Side::Result => {
                self.result_fields.insert(
                    name.to_string(),
                    fields
                        .iter()
                        .map(|f| (f.ident.clone(), f.ty.clone()))
                        .collect(),
                );
                result_struct(
                    &ident,
                    &doc,
                    &fields,
                    path == self.root_path && self.defining.is_none(),
                )
            }
        };
        self.items.push(item);
        Ok(Ty::Named(name.to_string()))
    }

    /// The result type: a struct named `Output` for an object, `Item` for the
    /// elements of a list, `Data` inside anything else; `Output` is an alias
    /// when it is not the struct itself.
    fn output(&mut self) -> Result<Output> {
        let Some(result) = &self.spec.result else {
            self.claim("Output", "the result type")?;
            return Ok(Output::alias(Ty::Value, "not described on the page"));
        };
        let non_null = |t: &Type| match t {
            Type::Union(vs) => {
                let nn: Vec<&Type> = vs.iter().filter(|v| **v != Type::Null).collect();
                nn.len() == 1 && nn.len() == vs.len()
            }
            _ => true,
        };
        let root = match &result.ty {
            Type::Array(inner) if **inner == Type::Any && keyed(result) => "Output",
            Type::Array(_) => "Item",
            Type::Union(vs) if vs.iter().all(|v| matches!(v, Type::Array(_) | Type::Null)) => {
                "Item"
            }
            t if non_null(t) => "Output",
            _ => "Data",
        };
        let ty = self.ty(&result.ty, result, root, "result", Side::Result)?;
        if ty == Ty::Named("Output".to_string()) {
            return Ok(Output {
                ty,
                items: Vec::new(),
            });
        }
        self.claim("Output", "the result type")?;
        let described = docs::code(&result.ty.to_string());
        Ok(Output::alias(ty, &described))
    }
}

/// The items of one shared entity type: the struct named `rust` and the
/// types nested in it, `Deserialize` included. `users` are the methods
/// whose results hold it, for its doc comment.
pub fn entity(
    name: &str,
    rust: &str,
    field: &Field,
    url: &str,
    users: &[String],
    entities: &EntityNames,
) -> Result<Vec<TokenStream>> {
    let spec = named_spec(name, url);
    // The struct's own doc: the entity, where it comes from, who returns it.
    let shown: Vec<&str> = users.iter().take(8).map(String::as_str).collect();
    let more = users.len().saturating_sub(shown.len());
    let mut doc = vec![
        format!(
            "The entity {}, one type wherever a result holds it.",
            docs::code(name)
        ),
        String::new(),
        format!(
            "In the results of {}{}.",
            docs::code_list(shown),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        ),
    ];
    doc.push(String::new());
    doc.push(format!("Docs: <{url}>"));
    let mut defs = Defs {
        defining: Some(name),
        root_doc: Some(doc),
        ..Defs::new(&spec, entities)
    };
    let mut object = field.clone();
    object.ty = Type::Object;
    defs.struct_def(&object, rust, name, Side::Result)?;
    let mut items = defs.items;
    let ident = format_ident!("{}", rust);
    items.push(quote!(deserialize_via_from_value!(#ident);));
    Ok(items)
}

/// Everything generated for one event: its payload type and the types
/// nested in it, in a module of their own under the scope's `events`.
pub struct EventItems {
    /// The event's name as sent (`ONCRMDEALADD`).
    pub event: String,
    /// The payload type (`OnCrmDealAdd`), also the `Event` variant.
    pub type_name: String,
    /// Its module (`on_crm_deal_add`).
    pub module: String,
    /// The module's doc lines.
    pub module_doc: Vec<String>,
    /// The module's items.
    pub items: Vec<TokenStream>,
}

/// The words of an event page's file name when they spell the event's name
/// (`on-crm-deal-add` for `ONCRMDEALADD`), lower case.
fn slug_words(ev: &EventSpec) -> Option<Vec<String>> {
    let slug = ev.url.rsplit('/').next()?.strip_suffix(".html")?;
    let squashed = |s: &str| -> String {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase()
    };
    (!slug.is_empty() && squashed(slug) == squashed(&ev.event)).then(|| {
        slug.split('-')
            .filter(|w| !w.is_empty())
            .map(str::to_ascii_lowercase)
            .collect()
    })
}

/// The words of every event name that its page's file name spells, and of
/// every method name (`im.v2.Chat.Message.Reaction.add`): what
/// [`event_type_name`] splits the other event names with.
pub fn event_words<'a>(
    events: impl IntoIterator<Item = &'a EventSpec>,
    methods: impl IntoIterator<Item = &'a MethodSpec>,
) -> BTreeSet<String> {
    let from_methods = methods
        .into_iter()
        .flat_map(|m| crate::spec::naming::words(&m.method.replace('.', "_")));
    events
        .into_iter()
        .filter_map(slug_words)
        .flatten()
        .chain(from_methods)
        .map(|w| w.to_ascii_lowercase())
        .filter(|w| w.len() > 1 && w.chars().all(|c| c.is_ascii_lowercase()))
        .collect()
}

/// The Rust name of an event's payload: the words of its page's file name
/// (`on-crm-deal-add` → `OnCrmDealAdd`) when they spell the event's name;
/// else the name split into the `words` other events' pages spell, longest
/// first, a run no word starts being a word of its own
/// (`ONIMBOTV2MESSAGEADD` → `OnImbotV2MessageAdd`).
pub fn event_type_name(ev: &EventSpec, words: &BTreeSet<String>) -> String {
    if let Some(ws) = slug_words(ev) {
        return camel_ident(&ws.join("-"));
    }
    let name: Vec<char> = ev
        .event
        .to_ascii_lowercase()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let word_at = |i: usize| -> Option<usize> {
        words
            .iter()
            .map(|w| w.chars().collect::<Vec<char>>())
            .filter(|w| name[i..].starts_with(w))
            .map(|w| w.len())
            .max()
    };
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < name.len() {
        let len = word_at(i).unwrap_or_else(|| {
            (i + 1..name.len())
                .find(|&j| word_at(j).is_some())
                .unwrap_or(name.len())
                - i
        });
        parts.push(name[i..i + len].iter().collect());
        i += len;
    }
    camel_ident(&parts.join("-"))
}

/// Generates one event's payload type. `data` documented with fields is a
/// struct (the documented fields typed, the rest in `extra`); `data`
/// documented as one value, or not at all, is a newtype around that value.
pub fn event(
    ev: &EventSpec,
    entities: &EntityNames,
    words: &BTreeSet<String>,
) -> Result<EventItems> {
    let type_name = event_type_name(ev, words);
    let module = snake_ident(&type_name);
    let spec = named_spec(&ev.event, &ev.url);
    let name = &ev.event;
    let mut doc = vec![
        format!("The `data` of the event {}.", docs::code(name)),
        String::new(),
        format!(
            "Scopes: {}.{}",
            if ev.scopes.is_empty() {
                "none listed".to_string()
            } else {
                docs::code_list(ev.scopes.iter().map(String::as_str))
            },
            if ev.deprecated {
                " Deprecated in the docs."
            } else {
                ""
            }
        ),
        String::new(),
        format!("Docs: <{}>", ev.url),
    ];
    let mut defs = Defs {
        root_path: "data",
        loose_arrays: true,
        ..Defs::new(&spec, entities)
    };
    let ident = format_ident!("{}", type_name);
    let mut items = Vec::new();
    if ev.data.is_empty() {
        let inner = match &ev.data_type {
            // A PHP array the docs say nothing more of may be a list or an
            // object: any JSON value keeps both.
            Some(Type::Array(item)) if **item == Type::Any => Ty::Value,
            Some(t) => {
                let f = Field::new("data", t.clone());
                defs.ty(t, &f, "Value", "data", Side::Result)?
            }
            None => Ty::Value,
        };
        let t = inner.tokens(None);
        doc.insert(1, String::new());
        doc.insert(
            2,
            "The page documents no fields of `data`: the value as sent.".to_string(),
        );
        let d = docs::attrs(&doc);
        items.append(&mut defs.items);
        items.push(quote! {
            #d
            #[derive(Debug, Clone)]
            pub struct #ident(pub #t);
            event_newtype!(#ident);
        });
    } else {
        defs.root_doc = Some(doc);
        let object = Field {
            fields: ev.data.clone(),
            ..Field::new("data", Type::Object)
        };
        defs.struct_def(&object, &type_name, "data", Side::Result)?;
        items.append(&mut defs.items);
        items.push(quote!(deserialize_via_from_value!(#ident);));
    }
    items.push(quote!(event_payload!(#ident, #name);));
    Ok(EventItems {
        event: name.clone(),
        type_name,
        module,
        module_doc: vec![format!("Types of the event {}.", docs::code(name))],
        items,
    })
}

/// The result type of a method and the alias item naming it.
struct Output {
    ty: Ty,
    items: Vec<TokenStream>,
}

impl Output {
    fn alias(ty: Ty, described: &str) -> Output {
        let doc = docs::attrs(&[format!("The `result` of the call: {described}.")]);
        let tokens = ty.output_tokens();
        Output {
            ty,
            items: vec![quote! {
                #doc
                pub type Output = #tokens;
            }],
        }
    }
}

/// `name`, or when another wire name already took it, `name` with the
/// first free number (`sort`, `sort_2`): two wire names that differ only in
/// case or separators stay distinct, numbered in the docs' order. Returns
/// the name and, when numbered, the base name.
fn unique(name: String, sep: &str, seen: &BTreeMap<String, &str>) -> (String, Option<String>) {
    if !seen.contains_key(&name) {
        return (name, None);
    }
    let numbered = (2..)
        .map(|i| format!("{name}{sep}{i}"))
        .find(|n| !seen.contains_key(n))
        .unwrap_or_default();
    (numbered, Some(name))
}

fn renamed_note(base: &str, seen: &BTreeMap<String, &str>, ident: &str) -> String {
    let prev = seen.get(base).copied().unwrap_or_default();
    format!(
        "Rust name `{ident}`: `{base}` is the wire name {}.",
        docs::code(prev)
    )
}

/// A string enum: the enum with its `Unknown(String)` variant, and the
/// `string_enum!` impls.
pub(super) fn string_enum(
    name: &str,
    doc: &[String],
    values: &[(String, String, Vec<String>)],
    _method: &str,
) -> Result<TokenStream> {
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    let mut variants = Vec::new();
    let mut pairs = Vec::new();
    for (wire, _, vdoc) in values {
        let mut v = camel_ident(wire);
        if v == "Unknown" {
            v.push_str("Value");
        }
        let (v, taken) = unique(v, "", &seen);
        seen.insert(v.clone(), wire);
        let mut vdoc = vdoc.clone();
        if let Some(base) = taken {
            vdoc.push(String::new());
            vdoc.push(renamed_note(&base, &seen, &v));
        }
        let vi = format_ident!("{}", v);
        let vdoc = docs::attrs(&vdoc);
        variants.push(quote!(#vdoc #vi,));
        pairs.push(quote!(#vi = #wire));
    }
    let ident = format_ident!("{}", name);
    let doc = docs::attrs(doc);
    Ok(quote! {
        #doc
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum #ident {
            #(#variants)*
            /// A value this version of the crate does not know, kept as sent.
            Unknown(String),
        }
        string_enum!(#ident { #(#pairs),* });
    })
}

/// How a value set through `new` or a setter converts: a list takes any
/// iterable of `impl Into<E>` (`Conv::Iter`, `E` the element type), any
/// other type `impl Into<T>` (`Conv::Into`).
fn conversion(ty: &Ty) -> (Conv, &Ty) {
    match ty {
        Ty::Vec(inner) => (Conv::Iter, inner),
        other => (Conv::Into, other),
    }
}

/// See [`conversion`]; the names are those of the `setter!` macro arms.
#[derive(Clone, Copy)]
enum Conv {
    Iter,
    Into,
}

impl Conv {
    fn name(self) -> &'static str {
        match self {
            Conv::Iter => "iter",
            Conv::Into => "into",
        }
    }
}

/// The argument type and conversion for a value set through `new`.
fn arg(ty: &Ty, prefix: Option<&Ident>, value: &Ident) -> (TokenStream, TokenStream) {
    let (conv, t) = conversion(ty);
    let t = t.tokens(prefix);
    match conv {
        Conv::Iter => (
            quote!(impl IntoIterator<Item = impl Into<#t>>),
            quote!(#value.into_iter().map(Into::into).collect()),
        ),
        Conv::Into => (quote!(impl Into<#t>), quote!(#value.into())),
    }
}

/// A struct of parameters: fields, `new` with the required ones, setters
/// for the rest, `Serialize`, and `Deserialize` under a test feature.
fn params_struct(
    ident: &Ident,
    doc: &[String],
    fields: &[FieldDef],
    prefix: Option<&Ident>,
    is_method: bool,
) -> TokenStream {
    let doc = docs::attrs(doc);
    let decls = fields.iter().map(|f| {
        let d = docs::attrs(&f.doc);
        let i = &f.ident;
        let t = f.ty.tokens(prefix);
        quote!(#d pub #i: #t,)
    });
    let ctor: Vec<&FieldDef> = fields.iter().filter(|f| f.ctor).collect();
    let derive = if ctor.is_empty() {
        quote!(#[derive(Debug, Clone, Default)])
    } else {
        quote!(#[derive(Debug, Clone)])
    };
    let args = ctor.iter().map(|f| {
        let (t, _) = arg(&f.ty, prefix, &f.ident);
        let i = &f.ident;
        quote!(#i: #t)
    });
    let extra = format_ident!("{}", EXTRA);
    let inits = fields
        .iter()
        .map(|f| {
            let i = &f.ident;
            if f.ctor {
                let (_, conv) = arg(&f.ty, prefix, &f.ident);
                quote!(#i: #conv)
            } else if matches!(f.ty, Ty::Option(_)) {
                quote!(#i: None)
            } else {
                quote!(#i: Default::default())
            }
        })
        .chain(std::iter::once(quote!(#extra: Default::default())));
    // Every field optional: the struct derives `Default`.
    let body = if ctor.is_empty() {
        quote!(Default::default())
    } else {
        quote!(Self { #(#inits,)* })
    };
    let what = if is_method { "call" } else { "object" };
    let new_doc = if ctor.is_empty() {
        format!(" The {what}; every parameter is optional.")
    } else {
        let names: Vec<&str> = ctor.iter().map(|f| f.wire.as_str()).collect();
        format!(
            " The {what} with its required parameters: {}.",
            docs::code_list(names)
        )
    };
    let too_many = (ctor.len() > 7).then(|| quote!(#[allow(clippy::too_many_arguments)]));
    // One `setters!` entry a field not in `new`: `how conv name field "doc":
    // T`. `how` is `map` (adds an entry of a key pattern), `some` (sets an
    // `Option`) or `set`; `conv` is `iter` (any iterator of values
    // converting into `T`, for a list) or `into`.
    let setters: Vec<TokenStream> = fields
        .iter()
        .filter(|f| !f.ctor)
        .map(|f| {
            let i = &f.ident;
            let setter = if i == "new" {
                format_ident!("new_")
            } else {
                i.clone()
            };
            let name = docs::code_text(&f.wire);
            let (how, ty) = match &f.ty {
                Ty::Map(inner) => ("map", &**inner),
                Ty::Option(inner) => ("some", &**inner),
                other => ("set", other),
            };
            let (conv, t) = conversion(ty);
            let t = t.tokens(prefix);
            let how = format_ident!("{}", how);
            let conv = format_ident!("{}", conv.name());
            quote!(#how #conv #setter #i #name: #t,)
        })
        .collect();
    let setters = (!setters.is_empty()).then(|| quote!(setters!(#ident { #(#setters)* });));
    let entries = impl_entries(fields, true);
    quote! {
        #doc
        #derive
        #[non_exhaustive]
        pub struct #ident {
            #(#decls)*
            /// Keys the docs do not describe (`UF_CRM_*`, newer ones), sent after the others.
            pub #extra: crate::Extra,
        }

        impl #ident {
            #[doc = #new_doc]
            #too_many
            pub fn new(#(#args),*) -> Self {
                #body
            }
        }
        #setters
        params_impls!(#ident { #(#entries)* });
    }
}

/// The entries of a [`params_impls!`] or [`result_impls!`] call, one a
/// field: `ser de "key" field`. `ser` is how `Serialize` writes it (a
/// function of `support::ser`); `de` how `FromValue` takes it (of
/// `support::take` for results, `support::de` for parameters); `key` the
/// wire name, or the pattern of a placeholder field. They are in decoding
/// order: named fields, then the keys matching a pattern (`UF_CRM_*` before
/// a bare `*`); the macro adds `extra`, every key left. Results decode
/// leniently; parameters (test-only) decode exactly: an optional value sent
/// empty (`""`, `[]`, `{}`) where its type holds that empty value is `Some`
/// of it, since a call may send it to clear a value.
fn impl_entries(fields: &[FieldDef], params: bool) -> Vec<TokenStream> {
    decode_order(fields)
        .into_iter()
        .map(|f| {
            let i = &f.ident;
            let w = f.pattern.as_deref().unwrap_or(&f.wire);
            let ser = format_ident!("{}", ser_kind(f));
            let de = match (&f.pattern, f.soft) {
                (Some(_), true) => "soft_pattern",
                (Some(_), false) => "pattern",
                (None, true) => "soft",
                (None, false) if params && matches!(&f.ty, Ty::Option(_)) => "exact",
                (None, false) => "field",
            };
            let de = format_ident!("{}", de);
            quote!(#ser #de #w #i,)
        })
        .collect()
}

/// Named fields first, then those standing for a key pattern, `*` last.
fn decode_order(fields: &[FieldDef]) -> Vec<&FieldDef> {
    let mut order: Vec<&FieldDef> = fields.iter().collect();
    order.sort_by_key(|f| match f.pattern.as_deref() {
        None => 0,
        Some("*") => 2,
        Some(_) => 1,
    });
    order
}

/// How `Serialize` writes a field: as it is (`req`, `opt`), or in the
/// spelling the docs' examples send (`yn`, `bit`, `tf`, `text`, `num`),
/// or inline entries for a pattern (`rest`).
fn ser_kind(f: &FieldDef) -> String {
    let (optional, inner) = match &f.ty {
        Ty::Option(inner) => (true, &**inner),
        other => (false, other),
    };
    let spelled = match (inner, f.spelling) {
        (Ty::Bool, _) if f.yes_no => Some("yn"),
        (Ty::Bool, Some(Wire::Number)) => Some("bit"),
        (Ty::Bool, Some(Wire::String)) => Some("tf"),
        (Ty::Int, Some(Wire::String)) => Some("text"),
        (Ty::Str | Ty::Named(_), Some(Wire::Number)) => Some("num"),
        _ => None,
    };
    match (spelled, optional) {
        _ if f.pattern.is_some() => "rest".to_string(),
        (Some(k), false) => k.to_string(),
        (Some(k), true) => format!("opt_{k}"),
        (None, true) => "opt".to_string(),
        (None, false) => "req".to_string(),
    }
}

/// A result struct: public fields, lenient `Deserialize`.
fn result_struct(ident: &Ident, doc: &[String], fields: &[FieldDef], root: bool) -> TokenStream {
    let mut doc = doc.to_vec();
    if fields.iter().any(|f| f.soft) {
        doc.push(String::new());
        doc.push(format!(
            "A field marked \"{EXAMPLE_ONLY}\" is in the docs' example response \
             but in no table: it keeps a value of another type in `extra`."
        ));
    }
    let doc = docs::attrs(&doc);
    let decls = fields.iter().map(|f| {
        let d = docs::attrs(&f.doc);
        let i = &f.ident;
        let t = f.ty.tokens(None);
        quote!(#d pub #i: #t,)
    });
    let extra = format_ident!("{}", EXTRA);
    let entries = impl_entries(fields, false);
    // Fields read off an example only say what one example had: the check
    // that the `result` object is the documented one needs at least one
    // field a table documents. Nested objects are not checked, since the
    // docs often describe one variant of them (a user field's `SETTINGS`
    // differ by field type).
    let named = || fields.iter().filter(|f| f.pattern.is_none());
    let check = (root && named().any(|f| !f.soft)).then(|| {
        let keys = named().map(|f| f.wire.as_str());
        let globs = decode_order(fields)
            .into_iter()
            .filter_map(|f| f.pattern.as_deref());
        quote!(fits [#(#keys),*] [#(#globs),*])
    });
    quote! {
        #doc
        #[derive(Debug, Clone)]
        #[non_exhaustive]
        pub struct #ident {
            #(#decls)*
            /// The keys the docs do not describe, as sent ([`crate::Extra`]).
            pub #extra: crate::Extra,
        }

        result_impls!(#ident { #(#entries)* } #check);
    }
}

/// How a result field's doc marks a field only the example response shows.
const EXAMPLE_ONLY: &str = "example only";

#[cfg(test)]
mod event_name_tests {
    use super::*;

    fn ev(event: &str, url: &str) -> EventSpec {
        serde_json::from_value(serde_json::json!({
            "event": event, "scopes": [], "url": url, "data": []
        }))
        .expect("an event spec")
    }

    #[test]
    fn names_come_from_the_page_or_the_words_other_pages_spell() {
        let known = [
            ev("ONIMBOTJOINCHAT", "https://x/on-imbot-join-chat.html"),
            ev("ONIMBOTMESSAGEADD", "https://x/on-imbot-message-add.html"),
            ev("ONIMCOMMANDADD", "https://x/on-im-command-add.html"),
            ev(
                "CATALOG.PRICE.ON.ADD",
                "https://x/catalog-price-on-add.html",
            ),
        ];
        let words = event_words(&known, &[]);
        assert_eq!(event_type_name(&known[0], &words), "OnImbotJoinChat");
        assert_eq!(event_type_name(&known[3], &words), "CatalogPriceOnAdd");
        let section = ev(
            "ONIMBOTV2MESSAGEADD",
            "https://x/events.html#onimbotv2messageadd",
        );
        assert_eq!(event_type_name(&section, &words), "OnImbotV2MessageAdd");
        let im = ev("ONIMV2JOINCHAT", "https://x/events.html#onimv2joinchat");
        assert_eq!(event_type_name(&im, &words), "OnImV2JoinChat");
        // No known word at all: the name as one word.
        assert_eq!(
            event_type_name(&ev("ONZZZ", "https://x/e.html#onzzz"), &BTreeSet::new()),
            "Onzzz"
        );
    }
}
