//! The one masking function: every string that can reach an [`Error`],
//! a log line or `Debug` output goes through [`Secrets::mask`].
//!
//! [`Error`]: crate::Error

use std::borrow::Cow;

/// What replaces a secret.
pub(crate) const MASK: &str = "***";

/// The secrets of one client: the webhook code, the OAuth access and
/// refresh tokens (current and earlier ones), the client secret and the
/// application token. Each is kept with the spellings a server may echo it
/// in: as is, percent-encoded, and JSON-escaped.
#[derive(Debug, Clone, Default)]
pub(crate) struct Secrets {
    /// Longest first, so a secret that contains another is masked whole.
    forms: Vec<String>,
}

impl Secrets {
    /// Adds a secret (ignored when empty).
    pub fn add(&mut self, secret: &str) {
        if secret.is_empty() {
            return;
        }
        let json = serde_json::to_string(secret).unwrap_or_default();
        let json = json
            .strip_prefix('"')
            .and_then(|j| j.strip_suffix('"'))
            .unwrap_or(secret);
        for form in [
            secret.to_owned(),
            percent_encode(secret),
            json.to_owned(),
            json.replace('/', "\\/"),
        ] {
            if !self.forms.contains(&form) {
                self.forms.push(form);
            }
        }
        self.forms
            .sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    }

    /// The length of the longest form, in bytes.
    pub fn longest(&self) -> usize {
        self.forms.first().map_or(0, String::len)
    }

    /// `text` with every secret replaced by `***`.
    pub fn mask<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        for form in &self.forms {
            if out.contains(form.as_str()) {
                out = Cow::Owned(out.replace(form.as_str(), MASK));
            }
        }
        out
    }

    /// [`Self::mask`] for an owned string.
    pub fn mask_owned(&self, text: String) -> String {
        match self.mask(&text) {
            Cow::Borrowed(_) => text,
            Cow::Owned(s) => s,
        }
    }

    /// Masks every string (and object key) inside a JSON value.
    pub fn mask_value(&self, v: &mut serde_json::Value) {
        use serde_json::Value;
        match v {
            Value::String(s) => *s = self.mask_owned(std::mem::take(s)),
            Value::Array(a) => a.iter_mut().for_each(|v| self.mask_value(v)),
            Value::Object(o) => {
                let old = std::mem::take(o);
                for (k, mut v) in old {
                    self.mask_value(&mut v);
                    o.insert(self.mask_owned(k), v);
                }
            }
            _ => {}
        }
    }
}

impl<S: AsRef<str>> FromIterator<S> for Secrets {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        let mut s = Secrets::default();
        for x in iter {
            s.add(x.as_ref());
        }
        s
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986), as a
/// server echoing a query string would show it.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_every_spelling() {
        let s = Secrets::from_iter(["a/b c", "", "tok"]);
        assert_eq!(s.mask("x a/b c y"), "x *** y");
        assert_eq!(s.mask("x a%2Fb%20c y"), "x *** y");
        assert_eq!(s.mask(r#"{"u":"a\/b c"}"#), r#"{"u":"***"}"#);
        assert_eq!(s.mask("tok tok"), "*** ***");
        assert!(matches!(s.mask("clean"), Cow::Borrowed("clean")));
    }

    #[test]
    fn a_secret_inside_another_is_masked_whole() {
        let s = Secrets::from_iter(["abc", "xxabcxx"]);
        assert_eq!(s.mask("1 xxabcxx 2 abc"), "1 *** 2 ***");
    }

    #[test]
    fn json_values_are_masked_keys_too() {
        let s = Secrets::from_iter(["sek"]);
        let mut v = serde_json::json!({"sek": ["a sek b", 1, {"k": "sek"}]});
        s.mask_value(&mut v);
        assert_eq!(v, serde_json::json!({"***": ["a *** b", 1, {"k": "***"}]}));
    }
}
