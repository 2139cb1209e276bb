//! [`IntOrString`]: a parameter the docs type `integer | string`.

use std::fmt;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A parameter the docs type `integer | string` (an ID or a code, a value
/// the method takes in either kind): kept as given and sent as given, `5`
/// as `5` and `"5"` as `"5"`. Built from an integer or from text:
///
/// ```
/// use bitrix24_runtime::IntOrString;
///
/// assert_eq!(serde_json::to_string(&IntOrString::from(645)).unwrap(), "645");
/// assert_eq!(serde_json::to_string(&IntOrString::from("main")).unwrap(), r#""main""#);
/// assert_eq!(IntOrString::from("12").as_i64(), Some(12));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
pub enum IntOrString {
    /// An integer, sent as a JSON number.
    Int(i64),
    /// Text, sent as a JSON string.
    String(String),
}

impl IntOrString {
    /// The integer: the number, or text holding one.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Self::Int(n) => Some(*n),
            Self::String(s) => s.trim().parse().ok(),
        }
    }
}

impl fmt::Display for IntOrString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Int(n) => write!(f, "{n}"),
            Self::String(s) => f.write_str(s),
        }
    }
}

macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for IntOrString {
            fn from(n: $t) -> Self {
                Self::Int(i64::from(n))
            }
        }
    )*};
}
from_int!(i64, i32, u32, i16, u16, i8, u8);

impl From<&str> for IntOrString {
    fn from(s: &str) -> Self {
        Self::String(s.to_owned())
    }
}

impl From<String> for IntOrString {
    fn from(s: String) -> Self {
        Self::String(s)
    }
}

impl From<&String> for IntOrString {
    fn from(s: &String) -> Self {
        Self::String(s.clone())
    }
}

impl<'de> Deserialize<'de> for IntOrString {
    /// An integer, or a string as it is; another number is kept as its text.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Number(n) => Ok(n
                .as_i64()
                .map_or_else(|| Self::String(n.to_string()), Self::Int)),
            Value::String(s) => Ok(Self::String(s)),
            other => Err(de::Error::custom(format_args!(
                "expected an integer or a string, got {other}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_and_sent_as_given() {
        for text in ["5", "\"5\"", "\"main\"", "-3"] {
            let v: IntOrString = serde_json::from_str(text).unwrap();
            assert_eq!(serde_json::to_string(&v).unwrap(), text);
        }
        assert!(serde_json::from_str::<IntOrString>("true").is_err());
        assert_eq!(IntOrString::from(7u32).to_string(), "7");
    }
}
