//! [`Decimal`]: a number (an amount, a price, a quantity) kept exactly as
//! it was sent.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Number;

/// A decimal number as the wire has it: a JSON number, or the text of a
/// number in a JSON string (`"OPPORTUNITY": "15000.00"`, as Bitrix24 sends
/// amounts). Nothing is rounded: the text is kept digit for digit and goes
/// back the way it came (a string stays a string, `15` stays `15`, not
/// `15.0`). Read it with [`Decimal::to_f64`] for arithmetic that may round,
/// or parse the digits with any decimal crate: `d.parse::<rust_decimal::Decimal>()`.
///
/// Numbers sent as JSON numbers are read by `serde_json`, which holds
/// fractions as `f64`; Bitrix24 sends money as strings, which are kept as
/// sent.
///
/// ```
/// use bitrix24_runtime::Decimal;
///
/// let price: Decimal = serde_json::from_str(r#""15000.10""#).unwrap();
/// assert_eq!(price.as_str(), "15000.10");
/// assert_eq!(serde_json::to_string(&price).unwrap(), r#""15000.10""#);
/// assert_eq!(serde_json::to_string(&Decimal::from(15)).unwrap(), "15");
/// let exact: Decimal = "0.1".parse().unwrap();
/// assert_eq!(exact.parse::<f64>().unwrap(), 0.1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Decimal(Repr);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Repr {
    /// A JSON number.
    Number(Number),
    /// The text of a number, sent as a JSON string.
    Text(String),
}

/// A text that is not a decimal number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a decimal number: {0:?}")]
pub struct ParseDecimalError(String);

impl Decimal {
    /// The digits, as sent (`"15000.00"`, `"-3"`, `"1.5e3"`).
    pub fn as_str(&self) -> std::borrow::Cow<'_, str> {
        match &self.0 {
            Repr::Number(n) => n.to_string().into(),
            Repr::Text(t) => t.as_str().into(),
        }
    }

    /// The value as `f64`, which may round (`None` only for a text too long
    /// for `f64`, which the check at decoding never lets through).
    pub fn to_f64(&self) -> Option<f64> {
        match &self.0 {
            Repr::Number(n) => n.as_f64(),
            Repr::Text(t) => t.parse().ok(),
        }
    }

    /// The value as `i64` when it is a whole number that fits (`"15.00"`
    /// is 15).
    pub fn to_i64(&self) -> Option<i64> {
        match &self.0 {
            Repr::Number(n) => n.as_i64().or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                    .map(|f| f as i64)
            }),
            Repr::Text(t) => {
                let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
                if frac.bytes().all(|b| b == b'0') {
                    whole.parse().ok()
                } else {
                    None
                }
            }
        }
    }

    /// Parses the digits into another number type (a decimal crate's type,
    /// `f64`, `i64`...).
    pub fn parse<T: FromStr>(&self) -> Result<T, T::Err> {
        self.as_str().parse()
    }

    /// Whether the wire sent it as a JSON string.
    pub fn is_text(&self) -> bool {
        matches!(self.0, Repr::Text(_))
    }
}

/// Whether `s` is a decimal number: an optional sign, digits with at most
/// one point, and an optional exponent.
fn is_decimal(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (whole, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = !(whole.is_empty() && frac.is_empty()) && digits(whole) && digits(frac);
    let exp_ok = exp.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && e.len() <= 4 && digits(e)
    });
    mantissa_ok && exp_ok && s.len() <= 64
}

impl FromStr for Decimal {
    type Err = ParseDecimalError;

    /// The text of a number, kept as it is and sent as a JSON string.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if is_decimal(t) {
            Ok(Decimal(Repr::Text(t.to_owned())))
        } else {
            Err(ParseDecimalError(s.chars().take(64).collect()))
        }
    }
}

impl TryFrom<&str> for Decimal {
    type Error = ParseDecimalError;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        s.parse()
    }
}

macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Decimal {
            fn from(v: $t) -> Self {
                Decimal(Repr::Number(Number::from(v)))
            }
        }
    )*};
}
from_int!(i8, i16, i32, i64, u8, u16, u32, u64, usize, isize);

impl From<f64> for Decimal {
    /// A finite number as a JSON number; NaN and infinities, which JSON
    /// cannot hold, become `0`.
    fn from(v: f64) -> Self {
        Decimal(Repr::Number(
            Number::from_f64(v).unwrap_or_else(|| Number::from(0)),
        ))
    }
}

impl From<f32> for Decimal {
    fn from(v: f32) -> Self {
        Decimal::from(f64::from(v))
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_str())
    }
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Repr::Number(n) => n.serialize(s),
            Repr::Text(t) => s.serialize_str(t),
        }
    }
}

impl<'de> Deserialize<'de> for Decimal {
    /// A JSON number, or a string holding one (surrounding white space
    /// trimmed); anything else is an error naming what came.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Decimal;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number or a string holding one")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
                Ok(Decimal::from(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
                Ok(Decimal::from(v))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
                Number::from_f64(v)
                    .map(|n| Decimal(Repr::Number(n)))
                    .ok_or_else(|| E::invalid_value(de::Unexpected::Float(v), &self))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
                v.parse()
                    .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_what_was_sent() {
        for (json, digits) in [
            (r#""15000.00""#, "15000.00"),
            (r#"" 7.5 ""#, "7.5"),
            ("15", "15"),
            ("-3", "-3"),
            ("2.25", "2.25"),
            (r#""1e3""#, "1e3"),
            (
                r#""123456789012345678901234.5678""#,
                "123456789012345678901234.5678",
            ),
        ] {
            let d: Decimal = serde_json::from_str(json).unwrap();
            assert_eq!(d.as_str(), digits, "{json}");
            let back = serde_json::to_string(&d).unwrap();
            assert_eq!(back, json.replace(' ', ""), "{json}");
        }
    }

    #[test]
    fn junk_is_an_error_not_a_panic() {
        for json in [
            r#""abc""#,
            r#""1.2.3""#,
            r#""--1""#,
            r#"".""#,
            "true",
            "[]",
            "{}",
            r#""1e99999""#,
        ] {
            assert!(serde_json::from_str::<Decimal>(json).is_err(), "{json}");
        }
        assert!("".parse::<Decimal>().is_err());
        assert!("12,5".parse::<Decimal>().is_err());
    }

    #[test]
    fn conversions() {
        let d: Decimal = "15.00".parse().unwrap();
        assert_eq!(d.to_i64(), Some(15));
        assert_eq!(d.to_f64(), Some(15.0));
        assert!(d.is_text());
        assert_eq!(Decimal::from(2000).to_string(), "2000");
        assert_eq!(serde_json::to_string(&Decimal::from(2.5)).unwrap(), "2.5");
        assert_eq!(
            serde_json::to_string(&Decimal::from(f64::NAN)).unwrap(),
            "0"
        );
        assert_eq!("0.5".parse::<Decimal>().unwrap().to_i64(), None);
    }
}
