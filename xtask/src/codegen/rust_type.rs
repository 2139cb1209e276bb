//! How the docs' types become Rust types: one table for scalars and
//! references, used for parameters and results alike.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::spec::types::{Reference, Scalar};

/// Names of the standard prelude that generated code writes unqualified
/// (`Option<String>`, `Some`, `Default::default()`): no generated type may
/// take one, or it would shadow the prelude in its module. A type that
/// would is renamed (`Param`, `Method` or `Entity` appended).
pub const PRELUDE: &[&str] = &[
    "Option",
    "Some",
    "None",
    "String",
    "Vec",
    "Result",
    "Ok",
    "Err",
    "Default",
    "Into",
    "IntoIterator",
];

/// A Rust type in generated code, before it is written out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    /// `i64`
    Int,
    /// `bitrix24_runtime::Decimal`: a number kept digit for digit as sent.
    Decimal,
    /// `bool`
    Bool,
    /// `String`
    Str,
    /// `bitrix24_runtime::DateTime`: a date or date-time as sent, parsed
    /// where it can be.
    DateTime,
    /// `bitrix24_runtime::IntOrString`: a parameter the docs type
    /// `integer | string`, sent as given.
    IntOrString,
    /// `serde_json::Value`: anything the docs do not pin down.
    Value,
    /// A struct or enum generated in the method's module.
    Named(String),
    /// A shared entity type, `crate::entities::<name>`.
    Entity(String),
    /// `Vec<T>`
    Vec(Box<Ty>),
    /// `Option<T>`
    Option(Box<Ty>),
    /// `BTreeMap<String, T>`: an object with free keys (`<siteId>`).
    Map(Box<Ty>),
}

impl Ty {
    /// The type as written in the method's module (`prefix` is `None`) or in
    /// the module around it (`prefix` is the method's module).
    pub fn tokens(&self, prefix: Option<&Ident>) -> TokenStream {
        match self {
            Ty::Int => quote!(i64),
            Ty::Decimal => quote!(::bitrix24_runtime::Decimal),
            Ty::Bool => quote!(bool),
            Ty::Str => quote!(String),
            Ty::DateTime => quote!(::bitrix24_runtime::DateTime),
            Ty::IntOrString => quote!(::bitrix24_runtime::IntOrString),
            Ty::Value => quote!(::serde_json::Value),
            Ty::Named(name) => {
                let name = format_ident!("{}", name);
                match prefix {
                    Some(p) => quote!(#p::#name),
                    None => quote!(#name),
                }
            }
            Ty::Entity(name) => {
                let name = format_ident!("{}", name);
                quote!(crate::entities::#name)
            }
            Ty::Vec(inner) => {
                let inner = inner.tokens(prefix);
                quote!(Vec<#inner>)
            }
            Ty::Option(inner) => {
                let inner = inner.tokens(prefix);
                quote!(Option<#inner>)
            }
            Ty::Map(inner) => {
                let inner = inner.tokens(prefix);
                quote!(::std::collections::BTreeMap<String, #inner>)
            }
        }
    }

    /// The type of a whole `result`: scalars become the runtime's lenient
    /// newtypes and lists [`crate::List`], since no field attribute can
    /// reach the top level.
    pub fn output_tokens(&self) -> TokenStream {
        match self {
            Ty::Int => quote!(::bitrix24_runtime::lenient::Int),
            Ty::Bool => quote!(::bitrix24_runtime::lenient::Bool),
            Ty::Str => quote!(::bitrix24_runtime::lenient::Str),
            Ty::Vec(inner) => {
                let inner = inner.output_tokens();
                quote!(crate::List<#inner>)
            }
            Ty::Option(inner) => {
                let inner = inner.output_tokens();
                quote!(Option<#inner>)
            }
            Ty::Map(inner) => {
                let inner = inner.output_tokens();
                quote!(::std::collections::BTreeMap<String, #inner>)
            }
            Ty::Value
            | Ty::Named(_)
            | Ty::Entity(_)
            | Ty::DateTime
            | Ty::Decimal
            | Ty::IntOrString => self.tokens(None),
        }
    }

    /// Decodes from `null` without an `Option` around it (empty list, map or
    /// `Value::Null`).
    pub fn absorbs_null(&self) -> bool {
        matches!(self, Ty::Value | Ty::Vec(_) | Ty::Map(_) | Ty::Option(_))
    }

    /// `Option<self>`, unless it already is one.
    pub fn optional(self) -> Ty {
        match self {
            Ty::Option(_) => self,
            other => Ty::Option(Box::new(other)),
        }
    }
}

/// The Rust type of a scalar without allowed values.
pub fn scalar(s: Scalar) -> Ty {
    match s {
        Scalar::Integer => Ty::Int,
        Scalar::Double => Ty::Decimal,
        Scalar::Boolean => Ty::Bool,
        // Dates keep the text as sent beside the parsed value: formats vary
        // between methods. Timestamps vary too (seconds, or a date-time).
        Scalar::Date | Scalar::Datetime => Ty::DateTime,
        Scalar::String | Scalar::Text | Scalar::Char | Scalar::Enum | Scalar::Timestamp => Ty::Str,
        // An ID or a file description; a JavaScript handler.
        Scalar::File | Scalar::Callable => Ty::Value,
    }
}

/// Whether allowed values of a scalar become a string enum.
pub fn enum_like(s: Scalar) -> bool {
    matches!(
        s,
        Scalar::String | Scalar::Text | Scalar::Char | Scalar::Enum | Scalar::Boolean
    )
}

/// A reference's Rust type, from the one table of references
/// ([`Reference::scalar`]): an integer id, a string code, else the whole
/// documented object as `serde_json::Value`.
pub fn reference(r: &Reference) -> Ty {
    match r.scalar() {
        Some(Scalar::Integer) => Ty::Int,
        Some(_) => Ty::Str,
        None => Ty::Value,
    }
}
