//! Example JSON read leniently: the docs' examples are written for people
//! and often are not valid JSON (`...` in place of an element, `//`
//! comments, a trailing or a missing comma, `Bitrix\Main` with an
//! unescaped backslash). [`parse`] reads a valid document exactly as
//! `serde_json` does (it is tried first and taken as it is); only a
//! document `serde_json` rejects goes through the repair pass, which
//! names every kind of repair it made, so the spec can say so.
//!
//! The repairs, each a small rule of the grammar:
//! - `comment`: `// ...` to the end of the line and `/* ... */` are blanks;
//! - `elision`: `...`, `..`, `…` (and a line of words in place of a value:
//!   "12 more items") stand for values left out; in an array or in place of
//!   a member they are dropped, in place of a member's value the member is;
//! - `trailing_comma`: a comma before `}` or `]` (or a doubled comma);
//! - `missing_comma`: two values or members with no comma between them;
//! - `single_quotes`: a string in `'...'`;
//! - `bad_escape`: `\M` is a backslash and an `M`; a raw line break inside
//!   a string is kept as it is;
//! - `keyless_members`: `{ {..}, {..} }`, members without keys: the values
//!   as a list; one keyless member (`{ {..} }`, `{ [] }`) is doubled
//!   brackets: that value itself;
//! - `unclosed`: brackets still open at the end are closed.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

/// A document read leniently, and the kinds of repair it needed (empty for
/// valid JSON).
#[derive(Debug, Clone, PartialEq)]
pub struct Lenient {
    /// The value.
    pub value: Value,
    /// The repairs made, by name, sorted.
    pub repairs: BTreeSet<&'static str>,
}

/// Read `text` as JSON, repairing what [`self`](self) lists; `None` when
/// even that does not give one value (prose, code in another language).
pub fn parse(text: &str) -> Option<Lenient> {
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        return Some(Lenient {
            value,
            repairs: BTreeSet::new(),
        });
    }
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        i: 0,
        repairs: BTreeSet::new(),
        depth: 0,
    };
    p.blank();
    let value = p.value()?;
    p.blank();
    // Something after the document other than blanks: not one value.
    if p.i < p.s.len() {
        return None;
    }
    Some(Lenient {
        value,
        repairs: p.repairs,
    })
}

/// How deep brackets may nest before the reader gives up.
const MAX_DEPTH: usize = 64;

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
    repairs: BTreeSet<&'static str>,
    depth: usize,
}

/// What stands in a value's place.
enum Item {
    Value(Value),
    /// An elision: nothing.
    Elided,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn rest(&self) -> &'a str {
        &self.text[self.i..]
    }

    /// Skip whitespace and comments.
    fn blank(&mut self) {
        loop {
            while self.peek().is_some_and(|c| c.is_ascii_whitespace()) {
                self.i += 1;
            }
            let rest = self.rest();
            if rest.starts_with("//") {
                self.repairs.insert("comment");
                self.i += rest.find('\n').unwrap_or(rest.len());
            } else if let Some(body) = rest.strip_prefix("/*") {
                self.repairs.insert("comment");
                self.i += body.find("*/").map_or(rest.len(), |e| e + 4);
            } else {
                return;
            }
        }
    }

    /// An elision at the cursor (`...`, `..`, `…`), skipped.
    fn elision(&mut self) -> bool {
        let rest = self.rest();
        let len = if rest.starts_with('…') {
            '…'.len_utf8()
        } else if rest.starts_with("..") {
            rest.bytes().take_while(|b| *b == b'.').count()
        } else {
            return false;
        };
        self.i += len;
        self.repairs.insert("elision");
        true
    }

    fn value(&mut self) -> Option<Value> {
        match self.item()? {
            Item::Value(v) => Some(v),
            Item::Elided => None,
        }
    }

    fn item(&mut self) -> Option<Item> {
        self.blank();
        if self.elision() {
            return Some(Item::Elided);
        }
        let c = self.peek()?;
        let v = match c {
            b'{' => self.object()?,
            b'[' => self.array()?,
            b'"' | b'\'' => Value::String(self.string()?),
            b'-' | b'0'..=b'9' => match self.number() {
                Some(v) => v,
                None => return self.prose(),
            },
            _ => {
                for (word, v) in [
                    ("true", Value::Bool(true)),
                    ("false", Value::Bool(false)),
                    ("null", Value::Null),
                ] {
                    if self.rest().starts_with(word)
                        && !self
                            .s
                            .get(self.i + word.len())
                            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
                    {
                        self.i += word.len();
                        return Some(Item::Value(v));
                    }
                }
                return self.prose();
            }
        };
        Some(Item::Value(v))
    }

    /// Words in place of a value ("48 more items"): an elision up to the
    /// end of the line. Only words: a line holding brackets or quotes is
    /// not read as one.
    fn prose(&mut self) -> Option<Item> {
        let rest = self.rest();
        let line = &rest[..rest.find('\n').unwrap_or(rest.len())];
        let starts_word = line.chars().next().is_some_and(char::is_alphanumeric);
        if !starts_word || line.contains(['{', '}', '[', ']', '"', ':']) {
            return None;
        }
        self.i += line.len();
        self.repairs.insert("elision");
        Some(Item::Elided)
    }

    fn number(&mut self) -> Option<Value> {
        let start = self.i;
        let len = self
            .rest()
            .bytes()
            .take_while(|b| b"+-.eE0123456789".contains(b))
            .count();
        let n = serde_json::from_str::<Value>(&self.text[start..start + len]).ok()?;
        // A number runs into a word ("48 more"): prose, not a number.
        if self
            .s
            .get(start + len)
            .is_some_and(|b| *b == b' ' || b.is_ascii_alphabetic())
            && self.text[start + len..]
                .trim_start_matches(' ')
                .starts_with(|c: char| c.is_alphabetic())
        {
            return None;
        }
        self.i += len;
        n.is_number().then_some(n)
    }

    fn string(&mut self) -> Option<String> {
        let quote = self.peek()?;
        if quote == b'\'' {
            self.repairs.insert("single_quotes");
        }
        self.i += 1;
        let mut out = String::new();
        loop {
            let rest = self.rest();
            let c = rest.chars().next()?;
            self.i += c.len_utf8();
            match c {
                _ if c as u32 == u32::from(quote) => return Some(out),
                '\\' => {
                    let e = self.rest().chars().next()?;
                    let simple = match e {
                        '"' => Some('"'),
                        '\'' => Some('\''),
                        '\\' => Some('\\'),
                        '/' => Some('/'),
                        'b' => Some('\u{8}'),
                        'f' => Some('\u{c}'),
                        'n' => Some('\n'),
                        'r' => Some('\r'),
                        't' => Some('\t'),
                        _ => None,
                    };
                    if let Some(ch) = simple {
                        self.i += 1;
                        out.push(ch);
                    } else if e == 'u' && self.unicode_escape(&mut out) {
                    } else {
                        self.repairs.insert("bad_escape");
                        out.push('\\');
                    }
                }
                '\n' | '\r' | '\t' => {
                    self.repairs.insert("bad_escape");
                    out.push(c);
                }
                _ => out.push(c),
            }
        }
    }

    /// `\uXXXX` (a surrogate pair too) after the backslash; false, the
    /// cursor unmoved, when it is not one.
    fn unicode_escape(&mut self, out: &mut String) -> bool {
        let hex = |p: &Self, at: usize| -> Option<u32> {
            let h = p.text.get(at..at + 4)?;
            u32::from_str_radix(h, 16).ok()
        };
        let Some(hi) = hex(self, self.i + 1) else {
            return false;
        };
        if (0xD800..0xDC00).contains(&hi) && self.text[self.i + 5..].starts_with("\\u") {
            if let Some(lo) = hex(self, self.i + 7).filter(|l| (0xDC00..0xE000).contains(l)) {
                let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                if let Some(ch) = char::from_u32(c) {
                    out.push(ch);
                    self.i += 11;
                    return true;
                }
            }
        }
        out.push(char::from_u32(hi).unwrap_or('\u{FFFD}'));
        self.i += 5;
        true
    }

    /// After an element: a comma (doubled ones collapse), the closing
    /// bracket, or a missing comma. False at the end of the text.
    fn separator(&mut self, close: u8, elided: bool) -> bool {
        self.blank();
        match self.peek() {
            None => false,
            Some(b',') => {
                self.i += 1;
                self.blank();
                while self.peek() == Some(b',') {
                    self.repairs.insert("trailing_comma");
                    self.i += 1;
                    self.blank();
                }
                if self.peek() == Some(close) {
                    self.repairs.insert("trailing_comma");
                }
                true
            }
            Some(c) if c == close => true,
            Some(_) => {
                // An elision needs no comma after it: it is a repair already.
                if !elided {
                    self.repairs.insert("missing_comma");
                }
                true
            }
        }
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    fn array(&mut self) -> Option<Value> {
        self.enter()?;
        self.i += 1;
        let mut out = Vec::new();
        loop {
            self.blank();
            match self.peek() {
                None => {
                    self.repairs.insert("unclosed");
                    break;
                }
                Some(b']') => {
                    self.i += 1;
                    break;
                }
                Some(b'}') => return None,
                _ => {}
            }
            let start = self.i;
            let elided = match self.item()? {
                Item::Value(v) => {
                    out.push(v);
                    false
                }
                Item::Elided => true,
            };
            if self.i == start || !self.separator(b']', elided) {
                if self.i == start {
                    return None;
                }
                self.repairs.insert("unclosed");
                break;
            }
        }
        self.depth -= 1;
        Some(Value::Array(out))
    }

    fn object(&mut self) -> Option<Value> {
        self.enter()?;
        self.i += 1;
        let mut map = Map::new();
        let mut keyless: Vec<Value> = Vec::new();
        loop {
            self.blank();
            match self.peek() {
                None => {
                    self.repairs.insert("unclosed");
                    break;
                }
                Some(b'}') => {
                    self.i += 1;
                    break;
                }
                Some(b']') => return None,
                _ => {}
            }
            let start = self.i;
            let mut elided = false;
            match self.peek()? {
                b'"' | b'\'' => {
                    let key = self.string()?;
                    self.blank();
                    if self.peek() == Some(b':') {
                        self.i += 1;
                        match self.item()? {
                            Item::Value(v) => {
                                map.insert(key, v);
                            }
                            Item::Elided => elided = true,
                        }
                    } else {
                        // A string with no colon after it: a keyless member.
                        keyless.push(Value::String(key));
                    }
                }
                _ => match self.item()? {
                    Item::Value(v) => keyless.push(v),
                    Item::Elided => elided = true,
                },
            }
            if self.i == start {
                return None;
            }
            if !self.separator(b'}', elided) {
                self.repairs.insert("unclosed");
                break;
            }
        }
        self.depth -= 1;
        if keyless.is_empty() {
            return Some(Value::Object(map));
        }
        if !map.is_empty() {
            return None;
        }
        self.repairs.insert("keyless_members");
        Some(match <[Value; 1]>::try_from(keyless) {
            Ok([one]) => one,
            Err(many) => Value::Array(many),
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn repaired(text: &str) -> (Value, Vec<&'static str>) {
        let l = parse(text).expect("reads");
        (l.value, l.repairs.into_iter().collect())
    }

    #[test]
    fn valid_json_is_read_unchanged() {
        for text in [
            r#"{"a": [1, 2.5, -3e2], "b": "x\\y\"z\u00e9", "c": null, "d": {"e": true}}"#,
            r#"["...", "a // not a comment", "/* nor this */"]"#,
            "[]",
            "\"just a string\"",
        ] {
            let l = parse(text).unwrap();
            assert_eq!(l.value, serde_json::from_str::<Value>(text).unwrap());
            assert!(l.repairs.is_empty());
        }
    }

    #[test]
    fn elisions_comments_and_commas() {
        let (v, r) = repaired(
            "{\n \"result\": [\n  {\"ID\": \"1\"},\n  ... // more\n  {\"ID\": \"2\",},\n  /* x */ …\n ],\n \"next\": ...,\n \"total\": 2\n}",
        );
        assert_eq!(v, json!({"result": [{"ID": "1"}, {"ID": "2"}], "total": 2}));
        assert_eq!(r, vec!["comment", "elision", "trailing_comma"]);
    }

    #[test]
    fn prose_lines_missing_commas_and_escapes() {
        let (v, r) = repaired(
            "{\"result\": [\n {\"a\": 1}\n\n  12 more items of the same kind\n\n],\n \"c\": \"Bitrix\\Main\" \"d\": 'q'}",
        );
        assert_eq!(
            v,
            json!({"result": [{"a": 1}], "c": "Bitrix\\Main", "d": "q"})
        );
        assert_eq!(
            r,
            vec!["bad_escape", "elision", "missing_comma", "single_quotes"]
        );
    }

    #[test]
    fn keyless_members_and_unclosed() {
        let (v, r) = repaired("{\"result\": { {\"id\": 1}, {\"id\": 2} }, \"x\": {\"a\": 1,");
        assert_eq!(v, json!({"result": [{"id": 1}, {"id": 2}], "x": {"a": 1}}));
        assert_eq!(r, vec!["keyless_members", "unclosed"]);
        let (v, _) = repaired("{\"result\": { [] }}");
        assert_eq!(v, json!({"result": []}));
        let (v, _) = repaired("{\"result\": { {\"id\": 1} }}");
        assert_eq!(v, json!({"result": {"id": 1}}));
    }

    #[test]
    fn not_json_at_all() {
        for text in [
            "echo 'x';",
            "<?php $a = 1;",
            "{\"a\": [1, 2}",
            "BX24.callMethod('x', {})",
        ] {
            assert!(parse(text).is_none(), "{text}");
        }
    }
}
