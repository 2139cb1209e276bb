//! Bodies Bitrix24 sends to a handler, as JSON values: PHP-style form
//! encoding (`data[FIELDS][ID]=1&auth[member_id]=...&a[]=x`) or JSON, with
//! limits against hostile bodies.
//!
//! A small parser of our own rather than `serde_qs`: the limits a public
//! endpoint needs (key length, nesting depth, number of pairs) must hold
//! before anything is built, and the target is a `serde_json::Value` in the
//! shape PHP's `parse_str` and `json_encode` give, which the docs' JSON
//! examples show. Percent-decoding is `form_urlencoded`'s.

use serde_json::{Map, Value};

/// Limits on a body read from the network. Every one is checked before the
/// value is built; a body past any of them is a [`BodyError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest body in bytes (default 1 MiB).
    pub max_body: usize,
    /// The deepest nesting: `a[b][c]` is depth 3 (default 16).
    pub max_depth: usize,
    /// The longest key in bytes, brackets included (default 256).
    pub max_key: usize,
    /// The most `key=value` pairs, or JSON values (default 2,000; PHP reads 1,000).
    pub max_fields: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body: 1 << 20,
            max_depth: 16,
            max_key: 256,
            max_fields: 2_000,
        }
    }
}

/// Why a body was refused. Names the limit and what came.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BodyError {
    /// The body is larger than [`Limits::max_body`].
    #[error("body of {len} bytes is over the {limit}-byte limit")]
    TooLarge {
        /// Bytes received (at least).
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// A key or a JSON value nests deeper than [`Limits::max_depth`].
    #[error("nesting deeper than {limit} levels")]
    TooDeep {
        /// The limit.
        limit: usize,
    },
    /// A key is longer than [`Limits::max_key`].
    #[error("a key of {len} bytes is over the {limit}-byte limit")]
    KeyTooLong {
        /// Its length.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// More pairs or values than [`Limits::max_fields`].
    #[error("more than {limit} fields")]
    TooManyFields {
        /// The limit.
        limit: usize,
    },
    /// The body is not valid JSON (or not an object).
    #[error("not a JSON object: {0}")]
    Json(String),
    /// The body is not UTF-8 where text is required.
    #[error("the body is not UTF-8")]
    NotUtf8,
    /// A form key names nothing (`=x`, `[a]=x`).
    #[error("a form key with no name")]
    EmptyKey,
    /// The content type is neither a form nor JSON.
    #[error("unsupported content type {0:?}")]
    ContentType(String),
}

/// The body's format, from its `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `application/x-www-form-urlencoded` (what Bitrix24 sends events as).
    Form,
    /// `application/json`.
    Json,
}

impl Format {
    /// The format a `Content-Type` names; `None` (no header) is a form, as
    /// Bitrix24 sends it.
    pub fn from_content_type(ct: Option<&str>) -> Result<Format, BodyError> {
        let Some(ct) = ct else {
            return Ok(Format::Form);
        };
        let essence = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "application/x-www-form-urlencoded" | "" => Ok(Format::Form),
            "application/json" => Ok(Format::Json),
            _ => Err(BodyError::ContentType(ct.chars().take(64).collect())),
        }
    }
}

/// Decodes a body in `format` into a JSON object.
pub fn decode(
    body: &[u8],
    format: Format,
    limits: &Limits,
) -> Result<Map<String, Value>, BodyError> {
    match format {
        Format::Form => parse_form(body, limits),
        Format::Json => parse_json(body, limits),
    }
}

/// Parses a JSON object within `limits`.
pub fn parse_json(body: &[u8], limits: &Limits) -> Result<Map<String, Value>, BodyError> {
    check_len(body, limits)?;
    // serde_json stops at 128 levels on its own; ours is checked after.
    let v: Value = serde_json::from_slice(body).map_err(|e| BodyError::Json(e.to_string()))?;
    let mut count = 0usize;
    let mut stack = vec![(&v, 1usize)];
    while let Some((v, depth)) = stack.pop() {
        count += 1;
        if count > limits.max_fields {
            return Err(BodyError::TooManyFields {
                limit: limits.max_fields,
            });
        }
        match v {
            Value::Object(m) => {
                if depth > limits.max_depth {
                    return Err(BodyError::TooDeep {
                        limit: limits.max_depth,
                    });
                }
                for (k, x) in m {
                    if k.len() > limits.max_key {
                        return Err(BodyError::KeyTooLong {
                            len: k.len(),
                            limit: limits.max_key,
                        });
                    }
                    stack.push((x, depth + 1));
                }
            }
            Value::Array(a) => {
                if depth > limits.max_depth {
                    return Err(BodyError::TooDeep {
                        limit: limits.max_depth,
                    });
                }
                stack.extend(a.iter().map(|x| (x, depth + 1)));
            }
            _ => {}
        }
    }
    match v {
        Value::Object(m) => Ok(m),
        _ => Err(BodyError::Json("the body is not an object".into())),
    }
}

fn check_len(body: &[u8], limits: &Limits) -> Result<(), BodyError> {
    if body.len() > limits.max_body {
        return Err(BodyError::TooLarge {
            len: body.len(),
            limit: limits.max_body,
        });
    }
    Ok(())
}

/// A PHP array while it is built: ordered keys, PHP's next free index.
#[derive(Debug, Default)]
struct Node {
    entries: Vec<(String, Slot)>,
    next_index: u64,
}

#[derive(Debug)]
enum Slot {
    Text(String),
    Array(Node),
}

impl Node {
    fn position(&self, key: &str) -> Option<usize> {
        self.entries.iter().position(|(k, _)| k == key)
    }

    /// The key `[]` appends under.
    fn append_key(&mut self) -> String {
        let k = self.next_index.to_string();
        self.next_index += 1;
        k
    }

    fn note_key(&mut self, key: &str) {
        if let Ok(n) = key.parse::<u64>() {
            if key == n.to_string() && n >= self.next_index {
                self.next_index = n.saturating_add(1);
            }
        }
    }

    /// Sets `path` (already split) to `value`, as `parse_str` does: the last
    /// value wins, and a scalar in the way becomes an array.
    fn set(&mut self, path: &[Option<&str>], value: String) {
        let mut node = self;
        for (i, seg) in path.iter().enumerate() {
            let key = match seg {
                Some(k) => {
                    node.note_key(k);
                    (*k).to_owned()
                }
                None => node.append_key(),
            };
            let last = i + 1 == path.len();
            if last {
                match node.position(&key) {
                    Some(p) => node.entries[p].1 = Slot::Text(value),
                    None => node.entries.push((key, Slot::Text(value))),
                }
                return;
            }
            let p = match node.position(&key) {
                Some(p) => {
                    if matches!(node.entries[p].1, Slot::Text(_)) {
                        node.entries[p].1 = Slot::Array(Node::default());
                    }
                    p
                }
                None => {
                    node.entries.push((key, Slot::Array(Node::default())));
                    node.entries.len() - 1
                }
            };
            let Slot::Array(next) = &mut node.entries[p].1 else {
                return;
            };
            node = next;
        }
    }

    /// As `json_encode` writes it: keys `0..n` in order are a list.
    fn into_value(self) -> Value {
        let is_list = !self.entries.is_empty()
            && self
                .entries
                .iter()
                .enumerate()
                .all(|(i, (k, _))| k.parse::<usize>().ok() == Some(i) && *k == i.to_string());
        let conv = |s: Slot| match s {
            Slot::Text(t) => Value::String(t),
            Slot::Array(n) => n.into_value(),
        };
        if is_list {
            Value::Array(self.entries.into_iter().map(|(_, s)| conv(s)).collect())
        } else {
            Value::Object(
                self.entries
                    .into_iter()
                    .map(|(k, s)| (k, conv(s)))
                    .collect(),
            )
        }
    }
}

/// Splits `name[a][][b]` into `[Some("name"), Some("a"), None, Some("b")]`.
/// Text after an unclosed `[` or between segments is dropped, as PHP does;
/// a key that does not start with a name is an error.
fn split_key(key: &str) -> Result<Vec<Option<&str>>, BodyError> {
    let (name, mut rest) = match key.find('[') {
        Some(i) if key[i..].contains(']') => (&key[..i], &key[i..]),
        _ => (key, ""),
    };
    if name.is_empty() {
        return Err(BodyError::EmptyKey);
    }
    let mut out = vec![Some(name)];
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find(']') else {
            break;
        };
        let seg = &rest[open + 1..open + close];
        out.push(if seg.is_empty() { None } else { Some(seg) });
        rest = &rest[open + close + 1..];
        if !rest.starts_with('[') {
            break;
        }
    }
    Ok(out)
}

/// Parses a form body within `limits`.
pub fn parse_form(body: &[u8], limits: &Limits) -> Result<Map<String, Value>, BodyError> {
    check_len(body, limits)?;
    let mut root = Node::default();
    let mut fields = 0usize;
    for (key, value) in form_urlencoded::parse(body) {
        if key.is_empty() && value.is_empty() {
            continue;
        }
        fields += 1;
        if fields > limits.max_fields {
            return Err(BodyError::TooManyFields {
                limit: limits.max_fields,
            });
        }
        if key.len() > limits.max_key {
            return Err(BodyError::KeyTooLong {
                len: key.len(),
                limit: limits.max_key,
            });
        }
        let path = split_key(&key)?;
        if path.len() > limits.max_depth {
            return Err(BodyError::TooDeep {
                limit: limits.max_depth,
            });
        }
        root.set(&path, value.into_owned());
    }
    match root.into_value() {
        Value::Object(m) => Ok(m),
        // Top-level keys `0`, `1`, ...: still an object for the caller.
        Value::Array(a) => Ok(a
            .into_iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect()),
        _ => Ok(Map::new()),
    }
}

/// Encodes a JSON object the way PHP's `http_build_query` does and
/// Bitrix24 sends events: `data[FIELDS][ID]=1`, lists as `a[0]=x`,
/// `true`/`false` as `1`/`0`, `null` and empty arrays left out. For
/// fixtures and emulators: a docs example payload, form-encoded, is what
/// a handler receives.
pub fn encode(object: &Map<String, Value>) -> String {
    fn walk(out: &mut form_urlencoded::Serializer<'_, String>, key: &str, v: &Value) {
        match v {
            Value::Null => {}
            Value::Bool(b) => {
                out.append_pair(key, if *b { "1" } else { "0" });
            }
            Value::Number(n) => {
                out.append_pair(key, &n.to_string());
            }
            Value::String(s) => {
                out.append_pair(key, s);
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    walk(out, &format!("{key}[{i}]"), x);
                }
            }
            Value::Object(m) => {
                for (k, x) in m {
                    walk(out, &format!("{key}[{k}]"), x);
                }
            }
        }
    }
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in object {
        walk(&mut out, k, v);
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn form(s: &str) -> Value {
        Value::Object(parse_form(s.as_bytes(), &Limits::default()).unwrap())
    }

    #[test]
    fn php_keys() {
        assert_eq!(
            form("event=ONCRMDEALADD&data%5BFIELDS%5D%5BID%5D=7&auth[member_id]=m&a[]=x&a[]=y&n[0]=p&n[1]=q"),
            json!({"event": "ONCRMDEALADD", "data": {"FIELDS": {"ID": "7"}},
                   "auth": {"member_id": "m"}, "a": ["x", "y"], "n": ["p", "q"]})
        );
        assert_eq!(form("a[5]=x&a[]=y"), json!({"a": {"5": "x", "6": "y"}}));
        assert_eq!(form("a=1&a[b]=2"), json!({"a": {"b": "2"}}));
        assert_eq!(form("a=1&a=2"), json!({"a": "2"}));
        assert_eq!(form("t=a+b%26c"), json!({"t": "a b&c"}));
        assert_eq!(form("a[b]x[c]=1"), json!({"a": {"b": "1"}}));
        assert_eq!(form("a[b=1"), json!({"a[b": "1"}));
        assert_eq!(form(""), json!({}));
    }

    #[test]
    fn encode_round_trips_strings() {
        let v = json!({"event": "ONCRMDEALADD", "data": {"FIELDS": {"ID": "7", "L": ["a", "b"]}},
                       "auth": {"member_id": "m&=[]"}});
        let Value::Object(m) = &v else { unreachable!() };
        assert_eq!(form(&encode(m)), v);
    }

    #[test]
    fn limits_hold() {
        let l = Limits::default();
        let deep = format!("a{}=1", "[x]".repeat(40));
        assert_eq!(
            parse_form(deep.as_bytes(), &l),
            Err(BodyError::TooDeep { limit: 16 })
        );
        let long = format!("{}=1", "k".repeat(300));
        assert!(matches!(
            parse_form(long.as_bytes(), &l),
            Err(BodyError::KeyTooLong { .. })
        ));
        assert_eq!(parse_form(b"=1", &l), Err(BodyError::EmptyKey));
        let json_deep = format!("{}1{}", "{\"a\":".repeat(20), "}".repeat(20));
        assert_eq!(
            parse_json(json_deep.as_bytes(), &l),
            Err(BodyError::TooDeep { limit: 16 })
        );
        let huge = vec![b'a'; (1 << 20) + 1];
        assert!(matches!(
            parse_form(&huge, &l),
            Err(BodyError::TooLarge { .. })
        ));
    }
}
