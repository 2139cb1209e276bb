//! Lenient decoding of the loose JSON Bitrix24 sends.
//!
//! Bitrix24 sends numbers as strings (`"12"`), booleans as `"Y"`/`"N"`,
//! `"1"`/`"0"`, `1`/`0` or `true`/`false`, `[]` where an object is promised,
//! and `null` or `""` where a value is promised. Generated structs use these
//! functions through serde attributes:
//!
//! ```
//! #[derive(serde::Deserialize)]
//! struct Deal {
//!     #[serde(rename = "ID", deserialize_with = "bitrix24_runtime::lenient::int")]
//!     id: i64,
//!     #[serde(rename = "OPENED", default, deserialize_with = "bitrix24_runtime::lenient::opt_bool")]
//!     opened: Option<bool>,
//! }
//!
//! let d: Deal = serde_json::from_str(r#"{"ID": "12", "OPENED": "Y"}"#).unwrap();
//! assert_eq!((d.id, d.opened), (12, Some(true)));
//! ```
//!
//! The rule for every scalar pair: the plain helper (`int`, `bool`, ...) needs
//! a value it can convert and fails on `null`; the `opt_` helper maps the
//! "empty" forms (`null`, `""`, `[]`, `{}`) to `None` and converts everything
//! else like the plain one. Put `#[serde(default)]` next to an `opt_` helper so
//! that a missing field is `None` too. Failures are ordinary serde errors.
//!
//! The same conversions are available as newtypes ([`Int`], [`Float`],
//! [`Bool`], [`Str`]) for positions an attribute cannot reach, such as the
//! elements of a list: `Vec<lenient::Int>`.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, Deserializer, IgnoredAny, Unexpected, Visitor};

/// What one loose JSON value looked like, before conversion.
enum Loose {
    Unit,
    Bool(bool),
    I64(i64),
    U64(u64),
    F64(f64),
    Str(String),
    EmptySeq,
    EmptyMap,
}

impl Loose {
    fn is_empty(&self) -> bool {
        match self {
            Loose::Unit | Loose::EmptySeq | Loose::EmptyMap => true,
            Loose::Str(s) => s.trim().is_empty(),
            _ => false,
        }
    }

    fn unexpected(&self) -> Unexpected<'_> {
        match self {
            Loose::Unit => Unexpected::Unit,
            Loose::Bool(b) => Unexpected::Bool(*b),
            Loose::I64(v) => Unexpected::Signed(*v),
            Loose::U64(v) => Unexpected::Unsigned(*v),
            Loose::F64(v) => Unexpected::Float(*v),
            Loose::Str(s) => Unexpected::Str(s),
            Loose::EmptySeq => Unexpected::Seq,
            Loose::EmptyMap => Unexpected::Map,
        }
    }
}

struct LooseVisitor;

impl<'de> Visitor<'de> for LooseVisitor {
    type Value = Loose;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a scalar, null, [] or {}")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Loose, E> {
        Ok(Loose::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Loose, E> {
        Ok(Loose::I64(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Loose, E> {
        Ok(Loose::U64(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Loose, E> {
        Ok(Loose::F64(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Loose, E> {
        Ok(Loose::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Loose, E> {
        Ok(Loose::Str(v))
    }
    fn visit_unit<E>(self) -> Result<Loose, E> {
        Ok(Loose::Unit)
    }
    fn visit_none<E>(self) -> Result<Loose, E> {
        Ok(Loose::Unit)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Loose, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Loose, A::Error> {
        if seq.next_element::<IgnoredAny>()?.is_some() {
            return Err(de::Error::invalid_type(Unexpected::Seq, &self));
        }
        Ok(Loose::EmptySeq)
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Loose, A::Error> {
        if map.next_key::<IgnoredAny>()?.is_some() {
            return Err(de::Error::invalid_type(Unexpected::Map, &self));
        }
        Ok(Loose::EmptyMap)
    }
}

fn loose<'de, D: Deserializer<'de>>(d: D) -> Result<Loose, D::Error> {
    d.deserialize_any(LooseVisitor)
}

/// Converts one loose value with `conv`; `None` from `conv` is a type error.
fn required<T, E: de::Error>(
    v: Loose,
    exp: &'static str,
    conv: fn(&Loose) -> Option<T>,
) -> Result<T, E> {
    conv(&v).ok_or_else(|| E::invalid_type(v.unexpected(), &exp))
}

/// Like [`required`], but the empty forms become `None`.
fn optional<T, E: de::Error>(
    v: Loose,
    exp: &'static str,
    conv: fn(&Loose) -> Option<T>,
) -> Result<Option<T>, E> {
    if v.is_empty() {
        return Ok(None);
    }
    required(v, exp, conv).map(Some)
}

const INT: &str = "an integer or a string holding one";
const FLOAT: &str = "a number or a string holding one";
const BOOL: &str = "a boolean, Y/N, 1/0 or true/false";
const STRING: &str = "a string, number or boolean";

fn conv_int(v: &Loose) -> Option<i64> {
    match v {
        Loose::I64(v) => Some(*v),
        Loose::U64(v) => i64::try_from(*v).ok(),
        Loose::F64(f) => float_to_int(*f),
        Loose::Str(s) => {
            let s = s.trim();
            s.parse::<i64>()
                .ok()
                .or_else(|| s.parse::<f64>().ok().and_then(float_to_int))
        }
        _ => None,
    }
}

fn float_to_int(f: f64) -> Option<i64> {
    // 2^63 as f64; anything at or beyond it does not fit an i64.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    (f.is_finite() && f.fract() == 0.0 && (-LIMIT..LIMIT).contains(&f)).then_some(f as i64)
}

fn conv_float(v: &Loose) -> Option<f64> {
    match v {
        Loose::I64(v) => Some(*v as f64),
        Loose::U64(v) => Some(*v as f64),
        Loose::F64(f) => Some(*f),
        Loose::Str(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    }
}

fn conv_bool(v: &Loose) -> Option<bool> {
    match v {
        Loose::Bool(b) => Some(*b),
        Loose::I64(0) | Loose::U64(0) => Some(false),
        Loose::I64(1) | Loose::U64(1) => Some(true),
        Loose::Str(s) => match s.trim() {
            "Y" | "y" | "1" | "true" | "TRUE" | "True" => Some(true),
            "N" | "n" | "0" | "false" | "FALSE" | "False" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

fn conv_string(v: &Loose) -> Option<String> {
    match v {
        Loose::Str(s) => Some(s.clone()),
        Loose::I64(v) => Some(v.to_string()),
        Loose::U64(v) => Some(v.to_string()),
        Loose::F64(v) => Some(v.to_string()),
        Loose::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// An `i64` from a number or a numeric string (`12`, `"12"`, `"12.0"`).
pub fn int<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    required(loose(d)?, INT, conv_int)
}

/// Like [`int`]; `null`, `""`, `[]` and `{}` become `None`.
pub fn opt_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    optional(loose(d)?, INT, conv_int)
}

/// An `f64` from a number or a numeric string (`1.5`, `"1.5"`).
pub fn float<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    required(loose(d)?, FLOAT, conv_float)
}

/// Like [`float`]; `null`, `""`, `[]` and `{}` become `None`.
pub fn opt_float<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    optional(loose(d)?, FLOAT, conv_float)
}

/// A `bool` from `true`/`false`, `"Y"`/`"N"`, `"1"`/`"0"`, `1`/`0` or
/// `"true"`/`"false"`.
pub fn bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    required(loose(d)?, BOOL, conv_bool)
}

/// Like [`bool()`]; `null`, `""`, `[]` and `{}` become `None`.
pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    optional(loose(d)?, BOOL, conv_bool)
}

/// A `String` from a string, or a number or boolean written out
/// (`12` → `"12"`, `true` → `"true"`). `""` stays `""`; `null` is an error.
pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    required(loose(d)?, STRING, conv_string)
}

/// Like [`string`]; `null`, `""` (or blanks), `[]` and `{}` become `None`.
pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    optional(loose(d)?, STRING, conv_string)
}

/// Any `T`, with `null`, `""`, `[]` and `{}` mapped to `None`.
///
/// Everything else must decode as `T` (use the newtypes or lenient fields
/// inside `T` for further leniency). The value is buffered as a
/// `serde_json::Value` first, so errors inside `T` carry `T`'s message but
/// not a deeper field path.
pub fn opt<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    use serde::Deserialize;
    let v = serde_json::Value::deserialize(d)?;
    let empty = match &v {
        serde_json::Value::Null => true,
        serde_json::Value::String(s) => s.is_empty(),
        serde_json::Value::Array(a) => a.is_empty(),
        serde_json::Value::Object(o) => o.is_empty(),
        _ => false,
    };
    if empty {
        return Ok(None);
    }
    T::deserialize(v).map(Some).map_err(de::Error::custom)
}

/// A `Vec<T>` from a list; `null`, `""` and `false` give an empty list, and an
/// object keyed by indexes or IDs (`"0"`, `"17"`: a PHP array with
/// non-sequential keys) gives its values in document order. An object with
/// any other key is an error naming that key: a list has nowhere to keep
/// it, and dropping it would be silent.
pub fn vec<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: de::Deserialize<'de>,
{
    struct V<T>(PhantomData<T>);
    impl<'de, T: de::Deserialize<'de>> Visitor<'de> for V<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list, an object, null or \"\"")
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
            while let Some(x) = seq.next_element()? {
                out.push(x);
            }
            Ok(out)
        }
        fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Vec<T>, A::Error> {
            let mut out = Vec::with_capacity(map.size_hint().unwrap_or(0).min(4096));
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                if key.is_empty() || !key.bytes().all(|b| b.is_ascii_digit()) {
                    let shown: String = key.chars().take(64).collect();
                    return Err(de::Error::custom(format_args!(
                        "expected a list (or an object keyed by index); got an object with the key `{shown}`"
                    )));
                }
                out.push(map.next_value()?);
            }
            Ok(out)
        }
        fn visit_unit<E>(self) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_none<E>(self) -> Result<Vec<T>, E> {
            Ok(Vec::new())
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Vec<T>, D::Error> {
            d.deserialize_any(self)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<T>, E> {
            if v.is_empty() {
                Ok(Vec::new())
            } else {
                Err(E::invalid_type(Unexpected::Str(v), &self))
            }
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Vec<T>, E> {
            if v {
                Err(E::invalid_type(Unexpected::Bool(v), &self))
            } else {
                Ok(Vec::new())
            }
        }
    }
    d.deserialize_any(V(PhantomData))
}

/// A `BTreeMap<String, T>` from an object; `null`, `""` and `[]` give an
/// empty map, and a non-empty list gives the keys `"0"`, `"1"`, ... (PHP
/// arrays with sequential keys arrive as lists).
pub fn map<'de, D, T>(d: D) -> Result<BTreeMap<String, T>, D::Error>
where
    D: Deserializer<'de>,
    T: de::Deserialize<'de>,
{
    struct V<T>(PhantomData<T>);
    impl<'de, T: de::Deserialize<'de>> Visitor<'de> for V<T> {
        type Value = BTreeMap<String, T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object, a list, null or \"\"")
        }
        fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some((k, v)) = map.next_entry::<String, T>()? {
                out.insert(k, v);
            }
            Ok(out)
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            let mut i = 0usize;
            while let Some(v) = seq.next_element()? {
                out.insert(i.to_string(), v);
                i += 1;
            }
            Ok(out)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(BTreeMap::new())
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(BTreeMap::new())
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            if v.is_empty() {
                Ok(BTreeMap::new())
            } else {
                Err(E::invalid_type(Unexpected::Str(v), &self))
            }
        }
    }
    d.deserialize_any(V(PhantomData))
}

macro_rules! newtype {
    ($(#[$doc:meta])* $name:ident($ty:ty), $f:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
        pub struct $name(pub $ty);

        impl<'de> de::Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $f(d).map($name)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                self.0.serialize(s)
            }
        }

        impl From<$name> for $ty {
            fn from(v: $name) -> $ty {
                v.0
            }
        }
    };
}

newtype!(
    /// An `i64` decoded like [`int`].
    Int(i64),
    int
);
newtype!(
    /// An `f64` decoded like [`float`].
    Float(f64),
    float
);
newtype!(
    /// A `bool` decoded like [`bool()`].
    Bool(bool),
    bool
);

/// A `String` decoded like [`string`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Str(pub String);

impl<'de> de::Deserialize<'de> for Str {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        string(d).map(Str)
    }
}

impl serde::Serialize for Str {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl From<Str> for String {
    fn from(v: Str) -> String {
        v.0
    }
}

/// Whether an object key matches a documented key pattern (`UF_CRM_*`,
/// `chat*`, `*`): `*` is any run of characters, also none, and everything
/// else is literal. Generated decoders sort keys such as custom fields into
/// the map of their pattern with it.
///
/// ```
/// use bitrix24_runtime::lenient::key_matches;
/// assert!(key_matches("UF_CRM_*", "UF_CRM_1700000001"));
/// assert!(!key_matches("chat*", "cha"));
/// ```
pub fn key_matches(glob: &str, key: &str) -> bool {
    let mut parts = glob.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut tail) = key.strip_prefix(first) else {
        return false;
    };
    let rest: Vec<&str> = parts.collect();
    let Some((last, middle)) = rest.split_last() else {
        return tail.is_empty();
    };
    for part in middle {
        match tail.find(part) {
            Some(i) => tail = &tail[i + part.len()..],
            None => return false,
        }
    }
    tail.len() >= last.len() && tail.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::from_str;

    /// The key patterns the generator writes (`naming::key_pattern`).
    #[test]
    fn key_patterns_match() {
        assert!(key_matches("UF_CRM_*", "UF_CRM_12"));
        assert!(key_matches("*", "anything"));
        assert!(key_matches("chat*", "chat5"));
        assert!(!key_matches("chat*", "cha"));
        assert!(key_matches("*@*", "a@b"));
        assert!(!key_matches("*@*", "ab"));
        assert!(!key_matches("UF_CRM_*", "UF_CR"));
        assert!(key_matches("UF_CRM_*", "UF_CRM_"));
        assert!(!key_matches("a*b", "ba"));
    }

    macro_rules! probe {
        ($name:ident, $ty:ty, $f:literal) => {
            #[derive(Deserialize, Debug)]
            struct $name {
                #[serde(default, deserialize_with = $f)]
                v: $ty,
            }
        };
    }

    probe!(PInt, i64, "int");
    probe!(POptInt, Option<i64>, "opt_int");
    probe!(PFloat, f64, "float");
    probe!(POptFloat, Option<f64>, "opt_float");
    probe!(PBool, bool, "bool");
    probe!(POptBool, Option<bool>, "opt_bool");
    probe!(PString, String, "string");
    probe!(POptString, Option<String>, "opt_string");
    probe!(POpt, Option<BTreeMap<String, i64>>, "opt");
    probe!(PVec, Vec<i64>, "vec");
    probe!(PMap, BTreeMap<String, String>, "map");

    fn with(v: &str) -> String {
        format!(r#"{{"v": {v}}}"#)
    }

    #[test]
    fn int_accepts_numbers_and_numeric_strings() {
        for (src, want) in [
            ("12", 12),
            ("\"12\"", 12),
            ("\" -3 \"", -3),
            ("\"7.0\"", 7),
            ("4.0", 4),
        ] {
            assert_eq!(from_str::<PInt>(&with(src)).unwrap().v, want, "{src}");
        }
        for bad in [
            "null",
            "\"\"",
            "\"abc\"",
            "1.5",
            "true",
            "[]",
            "[1]",
            "18446744073709551615",
        ] {
            assert!(from_str::<PInt>(&with(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn opt_int_maps_empty_forms_to_none() {
        for src in ["null", "\"\"", "[]", "{}"] {
            assert_eq!(from_str::<POptInt>(&with(src)).unwrap().v, None, "{src}");
        }
        assert_eq!(from_str::<POptInt>("{}").unwrap().v, None);
        assert_eq!(from_str::<POptInt>(&with("\"5\"")).unwrap().v, Some(5));
        assert!(from_str::<POptInt>(&with("\"x\"")).is_err());
    }

    #[test]
    fn float_and_opt_float() {
        assert_eq!(from_str::<PFloat>(&with("\"1.25\"")).unwrap().v, 1.25);
        assert_eq!(from_str::<PFloat>(&with("3")).unwrap().v, 3.0);
        assert!(from_str::<PFloat>(&with("\"NaN\"")).is_err());
        assert!(from_str::<PFloat>(&with("null")).is_err());
        assert_eq!(from_str::<POptFloat>(&with("\"\"")).unwrap().v, None);
        assert_eq!(
            from_str::<POptFloat>(&with("\"0.5\"")).unwrap().v,
            Some(0.5)
        );
    }

    #[test]
    fn bool_accepts_all_bitrix_spellings() {
        for t in ["true", "\"Y\"", "\"1\"", "1", "\"true\""] {
            assert!(from_str::<PBool>(&with(t)).unwrap().v, "{t}");
        }
        for f in ["false", "\"N\"", "\"0\"", "0", "\"false\""] {
            assert!(!from_str::<PBool>(&with(f)).unwrap().v, "{f}");
        }
        for bad in ["2", "\"maybe\"", "null", "\"\""] {
            assert!(from_str::<PBool>(&with(bad)).is_err(), "{bad}");
        }
        assert_eq!(from_str::<POptBool>(&with("\"\"")).unwrap().v, None);
        assert_eq!(from_str::<POptBool>(&with("\"N\"")).unwrap().v, Some(false));
    }

    #[test]
    fn string_stringifies_scalars() {
        for (src, want) in [
            ("\"a\"", "a"),
            ("12", "12"),
            ("1.5", "1.5"),
            ("true", "true"),
            ("\"\"", ""),
        ] {
            assert_eq!(from_str::<PString>(&with(src)).unwrap().v, want, "{src}");
        }
        assert!(from_str::<PString>(&with("null")).is_err());
        assert!(from_str::<PString>(&with("[\"a\"]")).is_err());
        assert_eq!(from_str::<POptString>(&with("\"\"")).unwrap().v, None);
        assert_eq!(from_str::<POptString>(&with("null")).unwrap().v, None);
        assert_eq!(
            from_str::<POptString>(&with("7")).unwrap().v.as_deref(),
            Some("7")
        );
    }

    #[test]
    fn opt_generic() {
        for src in ["null", "\"\"", "[]", "{}"] {
            assert!(from_str::<POpt>(&with(src)).unwrap().v.is_none(), "{src}");
        }
        let got = from_str::<POpt>(&with(r#"{"a": 1}"#)).unwrap().v.unwrap();
        assert_eq!(got.get("a"), Some(&1));
        assert!(from_str::<POpt>(&with("5")).is_err());
    }

    #[test]
    fn vec_accepts_list_object_and_empties() {
        assert_eq!(from_str::<PVec>(&with("[1,2]")).unwrap().v, vec![1, 2]);
        assert_eq!(
            from_str::<PVec>(&with(r#"{"5": 3, "2": 4}"#)).unwrap().v,
            vec![3, 4]
        );
        for src in ["null", "\"\"", "false", "[]", "{}"] {
            assert!(from_str::<PVec>(&with(src)).unwrap().v.is_empty(), "{src}");
        }
        assert!(from_str::<PVec>(&with("\"x\"")).is_err());
        assert!(from_str::<PVec>(&with("[\"x\"]")).is_err());
        // Named keys have nowhere to go in a list: an error naming one.
        let e = from_str::<PVec>(&with(r#"{"5": 3, "total": 4}"#)).unwrap_err();
        assert!(e.to_string().contains("`total`"), "{e}");
    }

    #[test]
    fn map_accepts_object_and_empty_list() {
        let m = from_str::<PMap>(&with(r#"{"b": "2", "a": "1"}"#))
            .unwrap()
            .v;
        assert_eq!(m.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert!(from_str::<PMap>(&with("[]")).unwrap().v.is_empty());
        assert!(from_str::<PMap>(&with("null")).unwrap().v.is_empty());
        let l = from_str::<PMap>(&with(r#"["x", "y"]"#)).unwrap().v;
        assert_eq!(l.get("1").map(String::as_str), Some("y"));
        assert!(from_str::<PMap>(&with("3")).is_err());
    }

    #[test]
    fn newtypes_work_inside_lists() {
        let v: Vec<Int> = from_str(r#"["1", 2, "3"]"#).unwrap();
        assert_eq!(v, [Int(1), Int(2), Int(3)]);
        let b: Vec<Bool> = from_str(r#"["Y", "N", 1]"#).unwrap();
        assert_eq!(b, [Bool(true), Bool(false), Bool(true)]);
        let s: Str = from_str("42").unwrap();
        assert_eq!(String::from(s), "42");
        let f: Float = from_str("\"2.5\"").unwrap();
        assert_eq!(f64::from(f), 2.5);
    }

    #[test]
    fn errors_name_the_field_path() {
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct Outer {
            items: Vec<PInt>,
        }
        let mut de = serde_json::Deserializer::from_str(r#"{"items": [{"v": 1}, {"v": "x"}]}"#);
        let err = serde_path_to_error::deserialize::<_, Outer>(&mut de).unwrap_err();
        assert_eq!(err.path().to_string(), "items[1].v");
    }
}
