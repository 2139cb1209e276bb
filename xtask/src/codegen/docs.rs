//! Doc comments for generated items: facts from the spec only, never docs prose.

use proc_macro2::TokenStream;
use quote::quote;

use crate::spec::types::{Scalar, Type};
use crate::spec::{Field, MethodSpec, RestVersion, Wire};

/// `#![doc]` attributes, one per line: a module's or crate's own docs.
pub fn inner(lines: &[String]) -> TokenStream {
    let lines = lines.iter().map(|l| {
        let l = if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        };
        quote!(#![doc = #l])
    });
    quote!(#(#lines)*)
}

/// `#[doc]` attributes, one per line, so they print as `///` comments.
pub fn attrs(lines: &[String]) -> TokenStream {
    let lines = lines.iter().map(|l| {
        let l = if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        };
        quote!(#[doc = #l])
    });
    quote!(#(#lines)*)
}

/// A wire name or type as inline code; backticks and line breaks are
/// replaced so the span stays one span.
pub fn code(s: &str) -> String {
    format!("`{}`", code_text(s))
}

/// The text [`code`] puts between backticks: backticks made quotes,
/// whitespace made spaces, trimmed.
pub fn code_text(s: &str) -> String {
    let s: String = s
        .chars()
        .map(|c| match c {
            '`' => '\'',
            c if c.is_whitespace() => ' ',
            c => c,
        })
        .collect();
    s.trim().to_string()
}

/// A list of inline-code names: `` `a`, `b` ``.
pub fn code_list<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    items.into_iter().map(code).collect::<Vec<_>>().join(", ")
}

/// The method line shared by the method type and its module:
/// `` `landing.role.setRights`, REST 2, scope `landing`. `` plus the link.
pub fn method_head(spec: &MethodSpec) -> Vec<String> {
    let version = match spec.version {
        RestVersion::V2 => "REST 2",
        RestVersion::V3 => "REST 3.0",
    };
    let scopes = if spec.scopes.is_empty() {
        "no scope listed".to_string()
    } else {
        format!(
            "scope {}",
            code_list(spec.scopes.iter().map(String::as_str))
        )
    };
    let mut lines = vec![format!("{}: {version}, {scopes}.", code(&spec.method))];
    if !spec.url.is_empty() {
        lines.push(String::new());
        lines.push(format!("Docs: <{}>", spec.url));
    }
    lines
}

/// The facts about one field: wire name, docs type, required mark, values.
pub fn field(f: &Field, side_required_word: &str, optional_word: Option<&str>) -> Vec<String> {
    let req = if f.required {
        Some(side_required_word)
    } else {
        optional_word
    };
    let mut lines = vec![match req {
        Some(req) => format!("{}: {}, {req}.", code(&f.name), code(&f.ty.to_string())),
        None => format!("{}: {}.", code(&f.name), code(&f.ty.to_string())),
    }];
    if !f.values.is_empty() {
        lines.push(String::new());
        lines.push(format!(
            "Values: {}.",
            code_list(f.values.iter().map(String::as_str))
        ));
    }
    if let Some(w) = f.wire {
        let boolean = f.ty == Type::Scalar(Scalar::Boolean);
        let how = match (w, boolean) {
            (Wire::String, true) => "as `\"true\"`/`\"false\"`",
            (Wire::String, false) => "as text (`\"5\"`)",
            (Wire::Number, true) => "as `1`/`0`",
            (Wire::Number, false) => "as a number where it holds an integer (`5`, not `\"5\"`)",
            (Wire::Boolean, _) => "as `true`/`false`",
        };
        lines.push(String::new());
        lines.push(format!("Sent {how}, as the docs' examples send it."));
    }
    lines
}
