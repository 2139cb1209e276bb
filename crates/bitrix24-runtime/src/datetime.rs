//! Dates and date-times as the portal sends them.
//!
//! The docs show several spellings for one type: ISO 8601 with an offset
//! (`2024-05-01T10:00:00+03:00`), a bare date (`2024-05-01`), and the
//! portal's local format (`01.05.2024 10:00:00`, `01.05.2024`). A
//! [`DateTime`] keeps the text it was sent and, where the text has one of
//! these forms, its parsed value ([`When`], on the `time` crate): an
//! unparsable value stays readable and never fails the whole response.
//! It encodes back to the text it was sent.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

/// A date or date-time field: the text as sent, and its value where the
/// text has a known form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DateTime {
    raw: String,
    when: Option<When>,
}

/// The value of a [`DateTime`], as precise as the text was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum When {
    /// A moment with its UTC offset (`2024-05-01T10:00:00+03:00`), or a
    /// Unix timestamp (UTC).
    Offset(OffsetDateTime),
    /// A date and time of day without an offset: the portal's time zone
    /// (`01.05.2024 10:00:00`, `2024-05-01 10:00:00`).
    Local(PrimitiveDateTime),
    /// A calendar date (`2024-05-01`, `01.05.2024`).
    Date(Date),
}

impl DateTime {
    /// Reads `raw` in any of the known forms; other text is kept with no
    /// value (see [`DateTime::when`]).
    pub fn parse(raw: impl Into<String>) -> DateTime {
        let raw = raw.into();
        let when = parse_when(raw.trim());
        DateTime { raw, when }
    }

    /// The text as the portal sent it (or as it will be sent).
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// The parsed value, `None` when the text has no known form.
    pub fn when(&self) -> Option<When> {
        self.when
    }

    /// The moment, when the text carries an offset (or was a timestamp).
    pub fn offset(&self) -> Option<OffsetDateTime> {
        match self.when {
            Some(When::Offset(t)) => Some(t),
            _ => None,
        }
    }

    /// The calendar date, whatever the precision of the text.
    pub fn date(&self) -> Option<Date> {
        match self.when? {
            When::Offset(t) => Some(t.date()),
            When::Local(t) => Some(t.date()),
            When::Date(d) => Some(d),
        }
    }
}

/// The known forms, or `None`.
fn parse_when(s: &str) -> Option<When> {
    if s.is_empty() {
        return None;
    }
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(When::Offset(t));
    }
    // `YYYY-MM-DD`, `DD.MM.YYYY`, each optionally followed by a time of day
    // after `T` or a space.
    let (date_part, time_part) = match s.find(['T', ' ']) {
        Some(i) => (&s[..i], Some(s[i + 1..].trim())),
        None => (s, None),
    };
    let date = parse_date(date_part)?;
    match time_part {
        None => Some(When::Date(date)),
        Some(t) => Some(When::Local(PrimitiveDateTime::new(date, parse_time(t)?))),
    }
}

fn numbers(s: &str, sep: char) -> Option<Vec<u32>> {
    s.split(sep)
        .map(|p| {
            (!p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
                .then(|| p.parse().ok())
                .flatten()
        })
        .collect()
}

fn parse_date(s: &str) -> Option<Date> {
    let (y, m, d) = if s.contains('-') {
        match numbers(s, '-')?.as_slice() {
            [y, m, d] => (*y, *m, *d),
            _ => return None,
        }
    } else {
        match numbers(s, '.')?.as_slice() {
            [d, m, y] => (*y, *m, *d),
            _ => return None,
        }
    };
    let month = Month::try_from(u8::try_from(m).ok()?).ok()?;
    Date::from_calendar_date(i32::try_from(y).ok()?, month, u8::try_from(d).ok()?).ok()
}

fn parse_time(s: &str) -> Option<Time> {
    let parts = numbers(s, ':')?;
    let (h, m, sec) = match parts.as_slice() {
        [h, m] => (*h, *m, 0),
        [h, m, s] => (*h, *m, *s),
        _ => return None,
    };
    Time::from_hms(
        u8::try_from(h).ok()?,
        u8::try_from(m).ok()?,
        u8::try_from(sec).ok()?,
    )
    .ok()
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl From<&str> for DateTime {
    fn from(s: &str) -> DateTime {
        DateTime::parse(s)
    }
}

impl From<String> for DateTime {
    fn from(s: String) -> DateTime {
        DateTime::parse(s)
    }
}

impl From<OffsetDateTime> for DateTime {
    /// Sent as ISO 8601 with the offset (`2024-05-01T10:00:00+03:00`).
    fn from(t: OffsetDateTime) -> DateTime {
        let raw = t.format(&Rfc3339).unwrap_or_else(|_| t.to_string());
        DateTime {
            raw,
            when: Some(When::Offset(t)),
        }
    }
}

impl From<Date> for DateTime {
    /// Sent as `YYYY-MM-DD`.
    fn from(d: Date) -> DateTime {
        let raw = format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day());
        DateTime {
            raw,
            when: Some(When::Date(d)),
        }
    }
}

impl Serialize for DateTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.raw)
    }
}

impl<'de> de::Deserialize<'de> for DateTime {
    /// A string in any form (kept as sent), or a Unix timestamp.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = DateTime;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a date or date-time string, or a Unix timestamp")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<DateTime, E> {
                Ok(DateTime::parse(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<DateTime, E> {
                Ok(DateTime {
                    raw: v.to_string(),
                    when: OffsetDateTime::from_unix_timestamp(v)
                        .ok()
                        .map(When::Offset),
                })
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<DateTime, E> {
                match i64::try_from(v) {
                    Ok(i) => self.visit_i64(i),
                    Err(_) => Ok(DateTime {
                        raw: v.to_string(),
                        when: None,
                    }),
                }
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<DateTime, E> {
                let when = (v.is_finite() && v.abs() < 1e15)
                    .then(|| OffsetDateTime::from_unix_timestamp(v.trunc() as i64).ok())
                    .flatten()
                    .map(When::Offset);
                Ok(DateTime {
                    raw: v.to_string(),
                    when,
                })
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_in_the_docs() {
        let t = DateTime::parse("2024-05-01T10:00:00+03:00");
        let o = t.offset().expect("offset");
        assert_eq!((o.hour(), o.offset().whole_hours()), (10, 3));
        assert_eq!(t.date().map(|d| d.day()), Some(1));

        assert!(matches!(
            DateTime::parse("2024-05-01").when(),
            Some(When::Date(_))
        ));
        let local = DateTime::parse("01.05.2024 10:00:00");
        match local.when() {
            Some(When::Local(t)) => {
                assert_eq!((t.day(), u8::from(t.month()), t.hour()), (1, 5, 10))
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            DateTime::parse("01.05.2024").when(),
            Some(When::Date(_))
        ));
        assert!(matches!(
            DateTime::parse("2024-05-01 10:00").when(),
            Some(When::Local(_))
        ));
    }

    #[test]
    fn junk_is_kept_not_an_error() {
        for junk in [
            "",
            "soon",
            "32.13.2024",
            "2024-02-30",
            "99:99",
            "0000-00-00 00:00:00",
            "1.2.3.4",
        ] {
            let t: DateTime = serde_json::from_value(serde_json::json!(junk)).expect(junk);
            assert_eq!(t.raw(), junk);
            assert_eq!(t.when(), None, "{junk}");
        }
        let t: DateTime = serde_json::from_value(serde_json::json!(1714546800)).expect("ts");
        assert_eq!(t.date().map(|d| d.year()), Some(2024));
        assert!(serde_json::from_value::<DateTime>(serde_json::json!({"a": 1})).is_err());
    }

    #[test]
    fn encodes_back_as_sent() {
        for raw in [
            "01.05.2024 10:00:00",
            "2024-05-01T10:00:00+03:00",
            "whenever",
        ] {
            let t = DateTime::parse(raw);
            assert_eq!(
                serde_json::to_value(&t).expect("ser"),
                serde_json::json!(raw)
            );
        }
        let d = Date::from_calendar_date(2024, Month::May, 1).expect("date");
        assert_eq!(DateTime::from(d).raw(), "2024-05-01");
    }
}
