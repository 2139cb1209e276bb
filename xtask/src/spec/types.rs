//! The docs' type vocabulary (`md/api-reference/data-types.md`), parsed into a
//! structure: scalars, `T[]`, unions `a | b`, `object`, `any`, `null`, and
//! references such as `user`, `crm_entity` or `sale_order.id`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A parsed type.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Type {
    /// A basic type from the docs' table.
    Scalar(Scalar),
    /// A key-value structure; its fields, when known, sit beside the type.
    Object,
    /// Any value.
    Any,
    /// The absence of a value (only inside a union).
    Null,
    /// `T[]`, or a bare `array` (of `any`).
    Array(Box<Type>),
    /// `a | b | ...`, in the docs' order.
    Union(Vec<Type>),
    /// A named reference to a documented object or directory (`user`,
    /// `crm_status`, `sale_order.id`).
    Ref(Reference),
}

/// A reference to a documented object, optionally to one of its fields.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Reference {
    /// The object or directory name, e.g. `sale_order`.
    pub name: String,
    /// The field of it, e.g. `id` in `sale_order.id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl Reference {
    /// The one table for references, shared by extraction and codegen: a
    /// field named `id` (`sale_order.id`) or a known identifier type is an
    /// integer, a directory code a string; anything else (a whole
    /// documented object) is `None`.
    pub fn scalar(&self) -> Option<Scalar> {
        if let Some(field) = &self.field {
            let f = field.to_ascii_lowercase();
            return (f == "id" || f.ends_with("_id")).then_some(Scalar::Integer);
        }
        if ID_REFERENCES.contains(&self.name.as_str()) {
            Some(Scalar::Integer)
        } else if CODE_REFERENCES.contains(&self.name.as_str()) {
            Some(Scalar::String)
        } else {
            None
        }
    }
}

/// CRM objects whose references are integer identifiers.
const ID_REFERENCES: &[&str] = &[
    "user",
    "crm_company",
    "crm_contact",
    "crm_deal",
    "crm_lead",
    "crm_quote",
    "crm_invoice",
    "crm_smart_invoice",
    "crm_item",
    "crm_activity",
    "crm_category",
    "department",
    "sonet_group",
    "task",
];

/// Directories whose references are string codes (`STATUS_ID`, currency).
const CODE_REFERENCES: &[&str] = &["crm", "crm_status", "crm_currency", "crm_entity_type"];

/// The docs' basic types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scalar {
    /// `integer`
    Integer,
    /// `string`
    String,
    /// `boolean` (on the wire often `Y`/`N`, `0`/`1`)
    Boolean,
    /// `char`, usually `Y`/`N`
    Char,
    /// `double`
    Double,
    /// `date`: `YYYY-MM-DD`
    Date,
    /// `datetime`: ISO 8601 with offset
    Datetime,
    /// `timestamp`: Unix seconds
    Timestamp,
    /// `text`: multi-line string
    Text,
    /// `file`: an ID or a file description
    File,
    /// `enum`: one of a fixed set of values
    Enum,
    /// `callable` / `function`: JavaScript handlers only
    Callable,
}

impl Scalar {
    /// The docs' name of the type.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Integer => "integer",
            Self::String => "string",
            Self::Boolean => "boolean",
            Self::Char => "char",
            Self::Double => "double",
            Self::Date => "date",
            Self::Datetime => "datetime",
            Self::Timestamp => "timestamp",
            Self::Text => "text",
            Self::File => "file",
            Self::Enum => "enum",
            Self::Callable => "callable",
        }
    }

    fn parse(word: &str) -> Option<Self> {
        Some(match word {
            "integer" | "int" => Self::Integer,
            "string" => Self::String,
            "boolean" | "bool" => Self::Boolean,
            "char" => Self::Char,
            "double" | "float" | "number" => Self::Double,
            "date" => Self::Date,
            "datetime" => Self::Datetime,
            "timestamp" => Self::Timestamp,
            "text" => Self::Text,
            "file" => Self::File,
            "enum" => Self::Enum,
            "callable" | "function" => Self::Callable,
            _ => return None,
        })
    }
}

/// The outcome of parsing a type cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// The type.
    pub ty: Type,
    /// Names that are not in the vocabulary and do not look like a reference;
    /// kept as references, reported as diagnostics.
    pub unknown: Vec<String>,
}

impl Type {
    /// A list, or a union of which a member is a list.
    pub fn is_array_like(&self) -> bool {
        match self {
            Type::Array(_) => true,
            Type::Union(vs) => vs.iter().any(Type::is_array_like),
            _ => false,
        }
    }
}

impl Type {
    /// Parse a type as written in a docs table cell (`string | null`,
    /// `crm_contact[]`, `integer\nboolean`, `undefined|object`).
    ///
    /// Never fails: an empty cell is `any`, an unknown name a reference.
    pub fn parse(raw: &str) -> Parsed {
        let mut unknown = Vec::new();
        let mut variants: Vec<Type> = Vec::new();
        for part in raw.split(['|', '\n']) {
            let part = part.trim().trim_matches('`').trim();
            if part.is_empty() || part.eq_ignore_ascii_case("undefined") {
                continue;
            }
            let ty = parse_one(part, &mut unknown);
            if !variants.contains(&ty) {
                variants.push(ty);
            }
        }
        let ty = match variants.len() {
            0 => Type::Any,
            1 => variants.pop().unwrap_or(Type::Any),
            _ => Type::Union(variants),
        };
        Parsed { ty, unknown }
    }

    /// Whether the type says more than `any`: the measure of "concrete".
    pub fn is_concrete(&self) -> bool {
        match self {
            Type::Any => false,
            Type::Union(vs) => vs.iter().any(|v| *v != Type::Any && *v != Type::Null),
            _ => true,
        }
    }

    /// Whether an object type (possibly inside an array or union) appears.
    pub fn has_object(&self) -> bool {
        match self {
            Type::Object => true,
            Type::Array(inner) => inner.has_object(),
            Type::Union(vs) => vs.iter().any(Type::has_object),
            _ => false,
        }
    }
}

fn parse_one(part: &str, unknown: &mut Vec<String>) -> Type {
    if let Some(inner) = part.strip_suffix("[]") {
        return Type::Array(Box::new(parse_one(inner.trim(), unknown)));
    }
    let lower = part.to_ascii_lowercase();
    if let Some(s) = Scalar::parse(&lower) {
        return Type::Scalar(s);
    }
    match lower.as_str() {
        "object" | "map" => return Type::Object,
        "any" | "mixed" => return Type::Any,
        "null" => return Type::Null,
        "array" | "list" => return Type::Array(Box::new(Type::Any)),
        _ => {}
    }
    if !looks_like_reference(part) {
        unknown.push(part.to_string());
    }
    let (name, field) = match part.split_once('.') {
        Some((name, field)) => (name.to_string(), Some(field.to_string())),
        None => (part.to_string(), None),
    };
    Type::Ref(Reference { name, field })
}

/// The docs write references in snake_case (`crm_status`, `sale_order.id`,
/// `sale_paysystem.ID`); anything else (`ActionDto`, a phrase) is unknown.
fn looks_like_reference(s: &str) -> bool {
    let (name, field) = match s.split_once('.') {
        Some((n, f)) => (n, Some(f)),
        None => (s, None),
    };
    let name_ok = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    let field_ok = field
        .is_none_or(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    name_ok && field_ok
}

impl fmt::Display for Type {
    /// The docs' notation: `string | null`, `crm_contact[]`, `sale_order.id`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Scalar(s) => f.write_str(s.as_str()),
            Type::Object => f.write_str("object"),
            Type::Any => f.write_str("any"),
            Type::Null => f.write_str("null"),
            Type::Array(inner) => match **inner {
                Type::Any => f.write_str("array"),
                Type::Union(_) => write!(f, "({inner})[]"),
                _ => write!(f, "{inner}[]"),
            },
            Type::Union(vs) => {
                for (i, v) in vs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" | ")?;
                    }
                    write!(f, "{v}")?;
                }
                Ok(())
            }
            Type::Ref(r) => match &r.field {
                Some(field) => write!(f, "{}.{}", r.name, field),
                None => f.write_str(&r.name),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Type {
        Type::parse(s).ty
    }

    #[test]
    fn scalars_arrays_unions() {
        assert_eq!(p("integer"), Type::Scalar(Scalar::Integer));
        assert_eq!(
            p("string[]"),
            Type::Array(Box::new(Type::Scalar(Scalar::String)))
        );
        assert_eq!(p("array"), Type::Array(Box::new(Type::Any)));
        assert_eq!(
            p("string | null"),
            Type::Union(vec![Type::Scalar(Scalar::String), Type::Null])
        );
        assert_eq!(p("integer\nboolean").to_string(), "integer | boolean");
        assert_eq!(p("undefined|object"), Type::Object);
        assert_eq!(p(""), Type::Any);
    }

    #[test]
    fn references() {
        let t = Type::parse("sale_order.id");
        assert!(t.unknown.is_empty());
        assert_eq!(t.ty.to_string(), "sale_order.id");
        let t = Type::parse("ActionDto[]");
        assert_eq!(t.unknown, vec!["ActionDto".to_string()]);
        assert_eq!(t.ty.to_string(), "ActionDto[]");
    }

    #[test]
    fn concreteness() {
        assert!(!p("any").is_concrete());
        assert!(p("array").is_concrete());
        assert!(p("user").is_concrete());
        assert!(!p("").is_concrete());
    }

    #[test]
    fn json_shape_is_structured() {
        let json = serde_json::to_string(&p("crm_contact[] | null")).unwrap_or_default();
        assert_eq!(
            json,
            r#"{"union":[{"array":{"ref":{"name":"crm_contact"}}},"null"]}"#
        );
    }
}
