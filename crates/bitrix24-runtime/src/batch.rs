//! `batch`: many typed calls, 50 commands per HTTP request.

use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;

use crate::client::{params_of, Call, Client};
use crate::envelope::{self, api_error, Meta, Time};
use crate::error::{Error, Result};
use crate::mask::Secrets;
use crate::{lenient, ApiVersion, Method};

/// Commands the portal runs in one `batch` request, at most.
pub const MAX_COMMANDS: usize = 50;

/// A set of calls to send through `batch`.
///
/// Calls run in the order they were pushed. A command uses an earlier
/// command's result through [`Batch::push_linked`] with a
/// [`Handle::reference`]; a chain of such references always lands in one
/// request. Only those links are sent as live `$result[...]` references:
/// a parameter's own text is always escaped, and text the portal would
/// take for a reference is refused ([`Error::Encode`]). Independent calls
/// are packed 50 to a request.
///
/// ```no_run
/// # async fn run(b24: bitrix24_runtime::Client,
/// #     user_current: impl bitrix24_runtime::Method,
/// #     department_get: impl bitrix24_runtime::Method) -> bitrix24_runtime::Result<()> {
/// use bitrix24_runtime::Batch;
///
/// let mut batch = Batch::new();
/// let me = batch.push_keyed("me", user_current)?;
/// let dep = batch.push_linked("dep", department_get, [("ID", me.reference(&["UF_DEPARTMENT", "0"]))])?;
/// let results = b24.batch(batch).await;
/// let _me = results.get(&me)?;
/// let _dep = results.get(&dep)?;
/// # Ok(()) }
/// ```
#[derive(Debug, Default)]
pub struct Batch {
    cmds: Vec<Cmd>,
    halt: bool,
}

#[derive(Debug)]
struct Cmd {
    key: String,
    call: Call<'static>,
    /// `method?query`
    line: String,
    /// Indexes of earlier commands this one references.
    deps: Vec<usize>,
}

/// Names one call in a [`Batch`] and its result type.
#[derive(Debug)]
pub struct Handle<M> {
    index: usize,
    key: String,
    _method: PhantomData<fn() -> M>,
}

impl<M> Clone for Handle<M> {
    fn clone(&self) -> Self {
        Handle {
            index: self.index,
            key: self.key.clone(),
            _method: PhantomData,
        }
    }
}

impl<M> Handle<M> {
    /// The command's key in `cmd`.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// `$result[key][a][b]...`: a later command's param that the portal
    /// replaces with this command's `result` at that path.
    pub fn reference(&self, path: &[&str]) -> String {
        let mut s = format!("$result[{}]", self.key);
        for p in path {
            s.push('[');
            s.push_str(p);
            s.push(']');
        }
        s
    }
}

fn check_key(key: &str) -> Result<()> {
    let ok = !key.is_empty()
        && key.len() <= 128
        && !key.bytes().all(|b| b.is_ascii_digit())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(Error::Config(format!(
            "batch key {key:?} must be 1-128 of [A-Za-z0-9_-] and not purely numeric"
        )))
    }
}

/// Splits `fields[TITLE]` into `["fields", "TITLE"]`.
fn param_path(p: &str) -> Vec<&str> {
    match p.find('[') {
        None => vec![p],
        Some(at) => std::iter::once(&p[..at])
            .chain(p[at..].split(['[', ']']).filter(|s| !s.is_empty()))
            .collect(),
    }
}

/// Removes the value at `path`, if there is one.
fn remove_path(root: &mut Value, path: &[&str]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut cur = root;
    for seg in parents {
        match cur {
            Value::Object(m) => match m.get_mut(*seg) {
                Some(v) => cur = v,
                None => return,
            },
            _ => return,
        }
    }
    if let Value::Object(m) = cur {
        m.remove(*last);
    }
}

/// `true` if `text` holds something the portal would read as a reference
/// to another command's result: `$result[`, `$result_error[`, ...
fn looks_like_reference(text: &str) -> bool {
    let mut rest = text;
    while let Some(at) = rest.find("$result") {
        rest = &rest[at + "$result".len()..];
        let tail = rest.trim_start_matches(|c: char| c.is_ascii_lowercase() || c == '_');
        if tail.starts_with('[') {
            return true;
        }
    }
    false
}

/// A reference as [`Handle::reference`] builds it: `$result[key]` and
/// bracketed segments of `[A-Za-z0-9_.-]`; the referenced key.
fn reference_key(text: &str) -> Option<&str> {
    let mut rest = text.strip_prefix("$result")?;
    let mut key = None;
    while !rest.is_empty() {
        let inner = rest.strip_prefix('[')?;
        let end = inner.find(']')?;
        let seg = &inner[..end];
        let ok = !seg.is_empty()
            && seg
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
        if !ok {
            return None;
        }
        key.get_or_insert(seg);
        rest = &inner[end + 1..];
    }
    key
}

/// Percent-encoding for query strings (`application/x-www-form-urlencoded`,
/// as PHP's `urlencode`): unreserved characters as they are, space as `+`.
fn form_encode(s: &str, out: &mut String) {
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
}

/// Appends `key=value` pairs for `v` at `key` in PHP notation
/// (`fields[TITLE]=x`, `ids[0]=1`). PHP cannot read an empty array, an
/// empty object or `null` back from a query string; they are sent as
/// `key=`, which PHP reads as an empty string (what Bitrix24 treats as
/// "empty"), rather than dropped. User text is always percent-encoded,
/// and text the portal would take for a `$result[...]` reference is
/// refused.
fn encode_value(method: &str, key: &str, v: &Value, out: &mut Vec<String>) -> Result<()> {
    let mut pair = |value: &str| {
        let mut s = String::with_capacity(key.len() + value.len() + 1);
        s.push_str(key);
        s.push('=');
        form_encode(value, &mut s);
        out.push(s);
    };
    match v {
        Value::Null => pair(""),
        Value::Bool(b) => pair(if *b { "true" } else { "false" }),
        Value::Number(n) => pair(&n.to_string()),
        Value::String(text) => {
            if looks_like_reference(text) || looks_like_reference(key) {
                return Err(Error::Encode {
                    method: method.to_owned(),
                    message: "a parameter holds text like `$result[...]`, which the portal would \
                              read as a batch reference; call this method directly, or link \
                              results with Batch::push_linked"
                        .into(),
                });
            }
            pair(text)
        }
        Value::Array(a) if a.is_empty() => pair(""),
        Value::Object(m) if m.is_empty() => pair(""),
        Value::Array(a) => {
            for (i, item) in a.iter().enumerate() {
                encode_value(method, &format!("{key}[{i}]"), item, out)?;
            }
        }
        Value::Object(m) => {
            for (k, item) in m {
                let mut sub = String::with_capacity(key.len() + k.len() + 2);
                sub.push_str(key);
                sub.push('[');
                form_encode(k, &mut sub);
                sub.push(']');
                encode_value(method, &sub, item, out)?;
            }
        }
    }
    Ok(())
}

/// `method?query` for one command: the params as a PHP query string, then
/// each link as `path=$result[...]`, unescaped so the portal finds it.
pub(crate) fn command_line(
    name: &str,
    params: &Value,
    links: &[(String, String)],
) -> Result<String> {
    let mut params = params.clone();
    for (path, _) in links {
        remove_path(&mut params, &param_path(path));
    }
    let mut pairs = Vec::new();
    match &params {
        Value::Object(m) => {
            for (k, v) in m {
                let mut key = String::new();
                form_encode(k, &mut key);
                encode_value(name, &key, v, &mut pairs)?;
            }
        }
        Value::Null => {}
        _ => {
            return Err(Error::Encode {
                method: name.to_owned(),
                message: "params must serialize to a JSON object".into(),
            })
        }
    }
    for (path, reference) in links {
        let segs = param_path(path);
        let mut key = String::new();
        for (i, seg) in segs.iter().enumerate() {
            if i > 0 {
                key.push('[');
            }
            form_encode(seg, &mut key);
            if i > 0 {
                key.push(']');
            }
        }
        pairs.push(format!("{key}={reference}"));
    }
    Ok(if pairs.is_empty() {
        name.to_owned()
    } else {
        format!("{name}?{}", pairs.join("&"))
    })
}

impl Batch {
    /// An empty batch that does not halt on errors.
    pub fn new() -> Self {
        Batch::default()
    }

    /// Whether the portal stops at the first failing command (`halt`); the
    /// client then sends no further requests, and the calls left out fail
    /// with [`Error::NotExecuted`].
    pub fn halt(mut self, halt: bool) -> Self {
        self.halt = halt;
        self
    }

    /// Number of calls.
    pub fn len(&self) -> usize {
        self.cmds.len()
    }

    /// `true` if no call was pushed.
    pub fn is_empty(&self) -> bool {
        self.cmds.is_empty()
    }

    /// Adds a call under a generated key (`c0`, `c1`, ...).
    pub fn push<M: Method>(&mut self, method: M) -> Result<Handle<M>> {
        let key = format!("c{}", self.cmds.len());
        self.push_keyed(key, method)
    }

    /// Adds a call under `key`, which later calls can reference. Keys are
    /// `[A-Za-z0-9_-]`, unique, and not purely numeric.
    pub fn push_keyed<M: Method>(
        &mut self,
        key: impl Into<String>,
        method: M,
    ) -> Result<Handle<M>> {
        self.push_linked(key, method, std::iter::empty::<(&str, String)>())
    }

    /// Adds a call whose params at the given paths (PHP notation: `ID`,
    /// `fields[COMPANY_ID]`) are replaced by strings, typically
    /// [`Handle::reference`]s to earlier calls.
    pub fn push_linked<M, P, V>(
        &mut self,
        key: impl Into<String>,
        method: M,
        links: impl IntoIterator<Item = (P, V)>,
    ) -> Result<Handle<M>>
    where
        M: Method,
        P: AsRef<str>,
        V: Into<String>,
    {
        if M::VERSION != ApiVersion::V2 {
            return Err(Error::Config(format!(
                "{}: REST 3.0 methods cannot go through the REST 2 batch",
                M::NAME
            )));
        }
        let params = params_of(&method)?;
        let links: Vec<(String, String)> = links
            .into_iter()
            .map(|(p, v)| (p.as_ref().to_owned(), v.into()))
            .collect();
        self.push_with_links(key.into(), Call::of::<M>(), &params, links)
    }

    pub(crate) fn push_value<M>(
        &mut self,
        key: String,
        call: Call<'static>,
        params: &Value,
    ) -> Result<Handle<M>> {
        self.push_with_links(key, call, params, Vec::new())
    }

    fn push_with_links<M>(
        &mut self,
        key: String,
        call: Call<'static>,
        params: &Value,
        links: Vec<(String, String)>,
    ) -> Result<Handle<M>> {
        check_key(&key)?;
        if self.cmds.iter().any(|c| c.key == key) {
            return Err(Error::Config(format!("batch key {key:?} used twice")));
        }
        let mut deps = Vec::new();
        for (path, reference) in &links {
            let bad_path = path.is_empty()
                || param_path(path)
                    .iter()
                    .any(|s| s.is_empty() || s.contains(['=', '&', '#']));
            let Some(r) = reference_key(reference).filter(|_| !bad_path) else {
                return Err(Error::Config(format!(
                    "batch command {key:?}: link {path:?} = {reference:?} is not a parameter \
                     path and a reference built by Handle::reference"
                )));
            };
            let Some(i) = self.cmds.iter().position(|c| c.key == r) else {
                return Err(Error::Config(format!(
                    "batch command {key:?} references {r:?}, which is not an earlier command"
                )));
            };
            deps.push(i);
        }
        let line = command_line(call.name, params, &links)?;
        let index = self.cmds.len();
        self.cmds.push(Cmd {
            key: key.clone(),
            call,
            line,
            deps,
        });
        Ok(Handle {
            index,
            key,
            _method: PhantomData,
        })
    }

    /// Groups commands into requests of at most [`MAX_COMMANDS`], keeping
    /// every chain of references whole and the order within it.
    fn chunks(&self) -> Result<Vec<Vec<usize>>> {
        let n = self.cmds.len();
        let mut parent: Vec<usize> = (0..n).collect();
        fn root(p: &mut [usize], mut i: usize) -> usize {
            while p[i] != i {
                p[i] = p[p[i]];
                i = p[i];
            }
            i
        }
        for (i, c) in self.cmds.iter().enumerate() {
            for &d in &c.deps {
                let (a, b) = (root(&mut parent, i), root(&mut parent, d));
                // The earlier command is the root, so groups order by first member.
                parent[a.max(b)] = a.min(b);
            }
        }
        let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for i in 0..n {
            let r = root(&mut parent, i);
            groups.entry(r).or_default().push(i);
        }
        let mut chunks: Vec<Vec<usize>> = Vec::new();
        for (_, g) in groups {
            if g.len() > MAX_COMMANDS {
                return Err(Error::Config(format!(
                    "a chain of {} linked batch commands exceeds {MAX_COMMANDS}",
                    g.len()
                )));
            }
            match chunks.last_mut() {
                Some(last) if last.len() + g.len() <= MAX_COMMANDS => last.extend(g),
                _ => chunks.push(g),
            }
        }
        for c in &mut chunks {
            c.sort_unstable();
        }
        Ok(chunks)
    }
}

/// What came back for every call of a [`Batch`].
#[derive(Debug)]
pub struct BatchResults {
    outcomes: Vec<Outcome>,
    requests: usize,
    /// Masked out of decode errors.
    secrets: Arc<Secrets>,
}

#[derive(Debug)]
enum Outcome {
    Done { result: Value, meta: Meta },
    Failed(Error),
}

impl BatchResults {
    /// The decoded `result` of one call, or its own error.
    pub fn get<M: Method>(&self, handle: &Handle<M>) -> Result<M::Output> {
        self.get_with_meta(handle).map(|(v, _)| v)
    }

    /// The decoded `result` of one call with its `result_time`,
    /// `result_total` and `result_next`.
    pub fn get_with_meta<M: Method>(&self, handle: &Handle<M>) -> Result<(M::Output, Meta)> {
        match self.outcomes.get(handle.index) {
            Some(Outcome::Done { result, meta }) => Ok((
                envelope::decode_value(M::NAME, result).map_err(|e| e.masked(&self.secrets))?,
                meta.clone(),
            )),
            Some(Outcome::Failed(e)) => Err(e.clone()),
            None => Err(Error::Config(format!(
                "handle {:?} belongs to another batch",
                handle.key
            ))),
        }
    }

    /// HTTP requests the batch took.
    pub fn requests(&self) -> usize {
        self.requests
    }
}

/// The `result` of a `batch` response.
#[derive(Deserialize)]
struct BatchOutput {
    #[serde(default, deserialize_with = "lenient::map")]
    result: BTreeMap<String, Value>,
    #[serde(default, deserialize_with = "lenient::map")]
    result_error: BTreeMap<String, Value>,
    #[serde(default, deserialize_with = "lenient::map")]
    result_total: BTreeMap<String, lenient::Int>,
    #[serde(default, deserialize_with = "lenient::map")]
    result_next: BTreeMap<String, lenient::Int>,
    #[serde(default, deserialize_with = "lenient::map")]
    result_time: BTreeMap<String, Value>,
}

impl Client {
    /// Runs every call of `batch`, [`MAX_COMMANDS`] per request.
    ///
    /// Never fails as a whole: each call gets its own result or error, and
    /// a failed request fails only its own calls. Reusing a key of a
    /// finished request is not possible, so results of earlier requests are
    /// kept whatever happens later.
    pub async fn batch(&self, batch: Batch) -> BatchResults {
        let n = batch.cmds.len();
        let chunks = match batch.chunks() {
            Ok(c) => c,
            Err(e) => {
                return BatchResults {
                    outcomes: (0..n).map(|_| Outcome::Failed(e.clone())).collect(),
                    requests: 0,
                    secrets: self.secrets(),
                }
            }
        };
        let mut outcomes: Vec<Option<Outcome>> = (0..n).map(|_| None).collect();
        let mut requests = 0;
        let mut halted = false;
        for chunk in chunks {
            if halted {
                break;
            }
            requests += 1;
            let failed_before = outcomes
                .iter()
                .flatten()
                .filter(|o| matches!(o, Outcome::Failed(_)))
                .count();
            self.run_chunk(&batch, &chunk, &mut outcomes).await;
            let failed_after = outcomes
                .iter()
                .flatten()
                .filter(|o| matches!(o, Outcome::Failed(_)))
                .count();
            halted = batch.halt && failed_after > failed_before;
        }
        let outcomes = outcomes
            .into_iter()
            .zip(&batch.cmds)
            .map(|(o, c)| {
                o.unwrap_or_else(|| {
                    Outcome::Failed(Error::NotExecuted {
                        method: c.call.name.to_owned(),
                        key: c.key.clone(),
                    })
                })
            })
            .collect();
        BatchResults {
            outcomes,
            requests,
            secrets: self.secrets(),
        }
    }

    async fn run_chunk(&self, batch: &Batch, chunk: &[usize], outcomes: &mut [Option<Outcome>]) {
        // The JSON object is written by hand: `cmd` must keep its order.
        let mut body = format!("{{\"halt\":{},\"cmd\":{{", u8::from(batch.halt));
        for (n, &i) in chunk.iter().enumerate() {
            let c = &batch.cmds[i];
            if n > 0 {
                body.push(',');
            }
            body.push_str(&Value::String(c.key.clone()).to_string());
            body.push(':');
            body.push_str(&Value::String(c.line.clone()).to_string());
        }
        body.push_str("}}");
        let call = Call {
            name: "batch",
            version: ApiVersion::V2,
            idempotent: chunk.iter().all(|&i| batch.cmds[i].call.idempotent),
        };
        let res = self
            .execute(call, &body, |raw| {
                envelope::decode_result::<BatchOutput>("batch", raw.get())
            })
            .await;
        let (mut out, meta) = match res {
            Ok(ok) => ok,
            Err(e) => {
                for &i in chunk {
                    outcomes[i] = Some(Outcome::Failed(e.clone()));
                }
                return;
            }
        };
        for &i in chunk {
            let c = &batch.cmds[i];
            if let Some(err) = out.result_error.remove(&c.key) {
                let (code, desc) = match err {
                    Value::Object(mut o) => (
                        o.remove("error").unwrap_or(Value::Null),
                        o.remove("error_description"),
                    ),
                    other => (other, None),
                };
                let e = Error::from(api_error(c.call.name, meta.status, code, desc));
                outcomes[i] = Some(Outcome::Failed(e.masked(&self.secrets())));
            } else if let Some(result) = out.result.remove(&c.key) {
                let m = Meta {
                    time: out
                        .result_time
                        .remove(&c.key)
                        .and_then(|t| serde_json::from_value::<Time>(t).ok()),
                    total: out
                        .result_total
                        .get(&c.key)
                        .and_then(|t| u64::try_from(t.0).ok()),
                    next: out
                        .result_next
                        .get(&c.key)
                        .and_then(|t| u64::try_from(t.0).ok()),
                    status: meta.status,
                };
                outcomes[i] = Some(Outcome::Done { result, meta: m });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize)]
    struct Get {
        #[serde(rename = "ID")]
        id: i64,
        fields: BTreeMap<String, String>,
    }
    impl Method for Get {
        const NAME: &'static str = "x.get";
        const VERSION: ApiVersion = ApiVersion::V2;
        const IDEMPOTENT: bool = true;
        type Output = Value;
        type ErrorCode = String;
    }

    fn get(id: i64) -> Get {
        Get {
            id,
            fields: BTreeMap::from([("TITLE".into(), "a b&c".into())]),
        }
    }

    #[test]
    fn commands_are_php_query_strings() {
        let mut b = Batch::new();
        let h = b.push_keyed("first", get(1)).unwrap();
        b.push_linked("second", get(0), [("ID", h.reference(&["ITEMS", "0"]))])
            .unwrap();
        assert_eq!(b.cmds[0].line, "x.get?ID=1&fields[TITLE]=a+b%26c");
        assert_eq!(
            b.cmds[1].line,
            "x.get?fields[TITLE]=a+b%26c&ID=$result[first][ITEMS][0]"
        );
        assert_eq!(b.cmds[1].deps, [0]);
    }

    #[test]
    fn keys_are_checked() {
        let mut b = Batch::new();
        assert!(b.push_keyed("12", get(1)).is_err());
        assert!(b.push_keyed("a b", get(1)).is_err());
        b.push_keyed("a", get(1)).unwrap();
        assert!(b.push_keyed("a", get(1)).is_err());
        assert!(b.push_linked("b", get(1), [("ID", "$result[zz]")]).is_err());
    }

    #[test]
    fn chunks_keep_chains_whole() {
        let mut b = Batch::new();
        for i in 0..45 {
            b.push(get(i)).unwrap();
        }
        // A chain of 10 starting at index 45 must not be split at 50.
        let mut prev = b.push_keyed("head", get(0)).unwrap();
        for i in 0..9 {
            prev = b
                .push_linked(
                    format!("link{i}"),
                    get(0),
                    [("ID", prev.reference(&["ID"]))],
                )
                .unwrap();
        }
        for i in 0..10 {
            b.push(get(i)).unwrap();
        }
        let chunks = b.chunks().unwrap();
        assert!(chunks.iter().all(|c| c.len() <= MAX_COMMANDS));
        let head = chunks.iter().position(|c| c.contains(&45)).unwrap();
        assert!((45..55).all(|i| chunks[head].contains(&i)));
        assert_eq!(chunks.iter().map(Vec::len).sum::<usize>(), 65);
    }

    #[test]
    fn param_paths() {
        assert_eq!(param_path("fields[COMPANY_ID]"), ["fields", "COMPANY_ID"]);
        assert_eq!(param_path("ID"), ["ID"]);
        assert_eq!(reference_key("$result[k][0][ID]"), Some("k"));
        assert_eq!(reference_key("$result[k]"), Some("k"));
        assert_eq!(reference_key("$result[k][a&b=1]"), None);
        assert_eq!(reference_key("$result[k"), None);
        assert_eq!(reference_key("x$result[k]"), None);
    }

    #[derive(serde::Serialize, Debug)]
    struct Add {
        fields: Value,
    }
    impl Method for Add {
        const NAME: &'static str = "x.add";
        const VERSION: ApiVersion = ApiVersion::V2;
        const IDEMPOTENT: bool = false;
        type Output = Value;
        type ErrorCode = String;
    }

    #[test]
    fn user_text_is_never_a_reference() {
        let mut b = Batch::new();
        for text in ["$result[first][ID]", "see $result[x]", "$result_error[c0]"] {
            let e = b
                .push(Add {
                    fields: serde_json::json!({ "TITLE": text }),
                })
                .unwrap_err();
            assert!(matches!(e, Error::Encode { .. }), "{e:?}");
        }
        // Dollars and brackets that are no reference are sent escaped.
        b.push(Add {
            fields: serde_json::json!({"TITLE": "$5 [sale] $result"}),
        })
        .unwrap();
        assert_eq!(
            b.cmds[0].line,
            "x.add?fields[TITLE]=%245+%5Bsale%5D+%24result"
        );
        // A link must be a reference built by a handle.
        let h = b.push_keyed("first", get(1)).unwrap();
        assert!(b.push_linked("l1", get(0), [("ID", "literal")]).is_err());
        assert!(b
            .push_linked("l2", get(0), [("ID", format!("{}&x=1", h.reference(&[])))])
            .is_err());
        assert!(b
            .push_linked("l3", get(0), [("ID", h.reference(&["a]&b=[1"]))])
            .is_err());
        assert_eq!(b.len(), 2);
    }

    #[test]
    fn empty_arrays_objects_and_null_are_sent() {
        let mut b = Batch::new();
        b.push(Add {
            fields: serde_json::json!({"A": [], "B": {}, "C": null, "D": [1, []], "E": false}),
        })
        .unwrap();
        assert_eq!(
            b.cmds[0].line,
            "x.add?fields[A]=&fields[B]=&fields[C]=&fields[D][0]=1&fields[D][1]=&fields[E]=false"
        );
    }
}
