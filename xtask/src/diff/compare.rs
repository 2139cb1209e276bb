//! Comparing two spec trees: every change to a method, its params, its result
//! and its errors, each classed by what it does to a caller of the generated
//! crate.
//!
//! The policy, in one place (see `DIFF.md`): a change is **breaking** when code
//! that compiled against the old generated crate may stop compiling, because a
//! Rust name, type, constructor or enum variant it uses changes or goes away.
//! It is **additive** when only new things appear (a method, an optional
//! param's setter, a result field, a variant of a `#[non_exhaustive]` enum).
//! It is **docs** when only the generated doc comments change.

use std::collections::{BTreeMap, BTreeSet};

use crate::spec::{Diagnostic, ErrorSpec, Field, MethodSpec, RestVersion, SystemErrors};
use crate::types::Type;

use super::tree::{version_name, SpecTree};

/// What a change does to a caller of the generated crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// Code written against the old crate may no longer compile.
    Breaking,
    /// Something new appears; existing code still compiles.
    Additive,
    /// Only doc comments change.
    Docs,
}

impl Class {
    /// The word the report uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Breaking => "breaking",
            Class::Additive => "additive",
            Class::Docs => "docs",
        }
    }
}

/// One classed change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Its class.
    pub class: Class,
    /// Where: empty for the method itself, else a dotted path such as
    /// `params.fields.TITLE`, `result.ITEMS`, `errors.ACCESS_DENIED`.
    pub at: String,
    /// What happened, in a few words (Markdown).
    pub what: String,
}

/// Whether a method appeared, disappeared or changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Only in the new tree.
    Added,
    /// Only in the old tree.
    Removed,
    /// In both, with differences.
    Changed,
}

/// A diagnostic that appeared (`added`) or went away.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DiagnosticChange {
    /// True when the new spec has it and the old one does not.
    pub added: bool,
    /// The diagnostic.
    pub diagnostic: Diagnostic,
}

/// Everything that differs for one method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodDiff {
    /// The spec folder (generated module) it is listed under.
    pub scope: String,
    /// Wire name.
    pub method: String,
    /// REST version.
    pub version: RestVersion,
    /// Added, removed or changed.
    pub status: Status,
    /// Classed changes in a fixed order (the method, params, result, errors).
    pub changes: Vec<Change>,
    /// Diagnostics that came or went; informational, not classed.
    pub diagnostics: Vec<DiagnosticChange>,
}

/// The difference between two spec trees.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SpecDiff {
    /// The old tree's label.
    pub old: String,
    /// The new tree's label.
    pub new: String,
    /// Methods with any difference, by scope, then method, then version.
    pub methods: Vec<MethodDiff>,
    /// Changes to the shared system errors.
    pub system_errors: Vec<Change>,
    /// Skipped files and other remarks about the inputs.
    pub notes: Vec<String>,
}

impl SpecDiff {
    /// How many classed changes of `class` there are, methods added and
    /// removed included.
    pub fn count(&self, class: Class) -> usize {
        self.methods
            .iter()
            .flat_map(|m| &m.changes)
            .chain(&self.system_errors)
            .filter(|c| c.class == class)
            .count()
    }

    /// How many methods have `status` (for `Changed`: with classed changes,
    /// not only diagnostics).
    pub fn methods_with(&self, status: Status) -> usize {
        self.methods
            .iter()
            .filter(|m| m.status == status && !m.changes.is_empty())
            .count()
    }

    /// Whether anything breaks a caller.
    pub fn is_breaking(&self) -> bool {
        self.count(Class::Breaking) > 0
    }
}

/// Compare two trees.
pub fn diff(old: &SpecTree, new: &SpecTree) -> SpecDiff {
    let mut methods = Vec::new();
    let ids: BTreeSet<_> = old.methods.keys().chain(new.methods.keys()).collect();
    for id in ids {
        let o = old.methods.get(id).map(|(_, s)| s);
        let n = new.methods.get(id).map(|(_, s)| s);
        let (status, scope, changes, diagnostics) = match (o, n) {
            (None, Some(n)) => {
                let what = "method added".to_string();
                let change = Change {
                    class: Class::Additive,
                    at: String::new(),
                    what,
                };
                (Status::Added, n.folder(), vec![change], Vec::new())
            }
            (Some(o), None) => {
                let mut what = "method removed".to_string();
                let others: Vec<_> = new
                    .methods
                    .keys()
                    .filter(|(m, v)| *m == o.method && *v != o.version)
                    .map(|(_, v)| version_name(*v))
                    .collect();
                if !others.is_empty() {
                    what.push_str(&format!("; the {} version remains", others.join(", ")));
                }
                let change = Change {
                    class: Class::Breaking,
                    at: String::new(),
                    what,
                };
                (Status::Removed, o.folder(), vec![change], Vec::new())
            }
            (Some(o), Some(n)) => {
                let mut changes = diff_method(o, n);
                let diagnostics = diff_diagnostics(&o.diagnostics, &n.diagnostics);
                if changes.is_empty() && diagnostics.is_empty() && o != n {
                    // The safety net: no difference goes unreported.
                    changes.push(Change {
                        class: Class::Docs,
                        at: String::new(),
                        what: "changes with no effect on the generated code (order of fields, \
                               values or errors; errors without a code)"
                            .to_string(),
                    });
                }
                if changes.is_empty() && diagnostics.is_empty() {
                    continue;
                }
                (Status::Changed, n.folder(), changes, diagnostics)
            }
            (None, None) => continue,
        };
        methods.push(MethodDiff {
            scope,
            method: id.0.clone(),
            version: id.1,
            status,
            changes,
            diagnostics,
        });
    }
    methods.sort_by(|a, b| (&a.scope, &a.method, a.version).cmp(&(&b.scope, &b.method, b.version)));
    let mut notes: Vec<String> = old.notes.iter().chain(&new.notes).cloned().collect();
    notes.sort();
    notes.dedup();
    SpecDiff {
        old: old.label.clone(),
        new: new.label.clone(),
        methods,
        system_errors: diff_system_errors(old.system_errors.as_ref(), new.system_errors.as_ref()),
        notes,
    }
}

/// Which side of a call a field is on: the caller writes params and reads the
/// result, and that decides what breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Params,
    Result,
}

#[derive(Default)]
struct Changes(Vec<Change>);

impl Changes {
    fn push(&mut self, class: Class, at: &str, what: impl Into<String>) {
        self.0.push(Change {
            class,
            at: at.to_string(),
            what: what.into(),
        });
    }

    /// Sort by path (method first, then params, result, errors; parents
    /// before children); a stable sort keeps the order of lines at one path.
    fn sorted(mut self) -> Vec<Change> {
        fn key(at: &str) -> (u8, Vec<&str>) {
            let mut parts: Vec<&str> = at.split('.').collect();
            let rank = match parts.first().copied() {
                Some("") => 0,
                Some("params") => 1,
                Some("result") => 2,
                Some("errors") => 3,
                _ => 4,
            };
            if at.is_empty() {
                parts.clear();
            }
            (rank, parts)
        }
        self.0.sort_by(|a, b| key(&a.at).cmp(&key(&b.at)));
        self.0
    }
}

fn diff_method(o: &MethodSpec, n: &MethodSpec) -> Vec<Change> {
    let mut out = Changes::default();
    match (o.deprecated, n.deprecated) {
        (false, true) => out.push(
            Class::Additive,
            "",
            "marked deprecated (a warning, not an error)",
        ),
        (true, false) => out.push(Class::Additive, "", "no longer deprecated"),
        _ => {}
    }
    match (o.paged, n.paged) {
        (false, true) => out.push(Class::Additive, "", "now a paged list"),
        (true, false) => out.push(Class::Breaking, "", "no longer a paged list"),
        _ => {}
    }
    let (of, nf) = (o.folder(), n.folder());
    if of != nf {
        out.push(
            Class::Breaking,
            "",
            format!("module (and cargo feature) `{of}` → `{nf}`"),
        );
    } else if o.scopes != n.scopes {
        out.push(
            Class::Docs,
            "",
            format!("scopes {} → {}", code_list(&o.scopes), code_list(&n.scopes)),
        );
    }
    if o.url != n.url {
        out.push(Class::Docs, "", format!("docs URL → <{}>", n.url));
    }
    diff_fields(Side::Params, "params", &o.params, &n.params, &mut out);
    diff_argument_order(&o.params, &n.params, &mut out);
    match (&o.result, &n.result) {
        (None, Some(r)) => out.push(
            Class::Breaking,
            "result",
            format!("now described: {}", describe_new(r)),
        ),
        (Some(_), None) => out.push(Class::Breaking, "result", "no longer described"),
        (Some(a), Some(b)) => diff_field(Side::Result, "result", a, b, &mut out),
        (None, None) => {}
    }
    diff_errors("errors", &o.errors, &n.errors, &mut out);
    out.sorted()
}

/// Required params are the constructor's arguments, in the docs' order: the
/// same arguments in another order break callers (or, worse, still compile).
fn diff_argument_order(old: &[Field], new: &[Field], out: &mut Changes) {
    let required = |fields: &[Field]| -> Vec<String> {
        fields
            .iter()
            .filter(|f| f.required)
            .map(|f| f.name.clone())
            .collect()
    };
    let (o, n) = (required(old), required(new));
    let (o_common, n_common): (Vec<_>, Vec<_>) = (
        o.iter().filter(|name| n.contains(name)).collect(),
        n.iter().filter(|name| o.contains(name)).collect(),
    );
    if o_common != n_common {
        out.push(
            Class::Breaking,
            "params",
            format!(
                "constructor arguments reordered: {} → {}",
                code_list(&o_common),
                code_list(&n_common)
            ),
        );
    }
}

/// Fields keyed by name; a repeated name gets `#2`, `#3`, ... so nothing is
/// lost.
fn keyed(fields: &[Field]) -> BTreeMap<String, &Field> {
    let mut out = BTreeMap::new();
    for f in fields {
        let mut key = f.name.clone();
        let mut n = 1;
        while out.contains_key(&key) {
            n += 1;
            key = format!("{}#{n}", f.name);
        }
        out.insert(key, f);
    }
    out
}

fn diff_fields(side: Side, prefix: &str, old: &[Field], new: &[Field], out: &mut Changes) {
    let (o, n) = (keyed(old), keyed(new));
    for name in o.keys() {
        if !n.contains_key(name) {
            out.push(Class::Breaking, &format!("{prefix}.{name}"), "removed");
        }
    }
    for (name, f) in &n {
        let at = format!("{prefix}.{name}");
        match o.get(name) {
            Some(old) => diff_field(side, &at, old, f, out),
            None => {
                let class = if side == Side::Params && f.required {
                    Class::Breaking
                } else {
                    Class::Additive
                };
                out.push(class, &at, format!("added: {}", describe_new(f)));
            }
        }
    }
}

fn diff_field(side: Side, at: &str, o: &Field, n: &Field, out: &mut Changes) {
    match (o.required, n.required) {
        (false, true) => out.push(Class::Breaking, at, "now required"),
        (true, false) => out.push(Class::Breaking, at, "now optional"),
        _ => {}
    }
    if o.ty != n.ty {
        if same_union(&o.ty, &n.ty) {
            out.push(
                Class::Docs,
                at,
                format!("type `{}` → `{}` (same types, reordered)", o.ty, n.ty),
            );
        } else {
            out.push(Class::Breaking, at, format!("type `{}` → `{}`", o.ty, n.ty));
        }
    }
    diff_values(at, &o.values, &n.values, out);
    match (o.fields.is_empty(), n.fields.is_empty()) {
        (true, false) => out.push(
            Class::Breaking,
            at,
            format!(
                "fields now described: {}",
                code_list(n.fields.iter().map(|f| &f.name))
            ),
        ),
        (false, true) => out.push(Class::Breaking, at, "fields no longer described"),
        (false, false) => diff_fields(side, at, &o.fields, &n.fields, out),
        (true, true) => {}
    }
}

fn diff_values(at: &str, old: &[String], new: &[String], out: &mut Changes) {
    let (o, n): (BTreeSet<_>, BTreeSet<_>) = (old.iter().collect(), new.iter().collect());
    if o == n {
        return;
    }
    if o.is_empty() {
        out.push(
            Class::Breaking,
            at,
            format!("allowed values now listed: {}", code_list(new)),
        );
        return;
    }
    if n.is_empty() {
        out.push(Class::Breaking, at, "allowed values no longer listed");
        return;
    }
    let added: Vec<_> = new.iter().filter(|v| !o.contains(v)).collect();
    let removed: Vec<_> = old.iter().filter(|v| !n.contains(v)).collect();
    if !added.is_empty() {
        out.push(
            Class::Additive,
            at,
            format!("allowed values added: {}", code_list(added)),
        );
    }
    if !removed.is_empty() {
        out.push(
            Class::Breaking,
            at,
            format!("allowed values removed: {}", code_list(removed)),
        );
    }
}

fn diff_errors(prefix: &str, old: &[ErrorSpec], new: &[ErrorSpec], out: &mut Changes) {
    fn by_code(errors: &[ErrorSpec]) -> BTreeMap<&str, Option<u16>> {
        let mut out = BTreeMap::new();
        for e in errors {
            if let Some(code) = &e.code {
                out.entry(code.as_str()).or_insert(e.status);
            }
        }
        out
    }
    let (o, n) = (by_code(old), by_code(new));
    for code in o.keys().filter(|c| !n.contains_key(*c)) {
        out.push(Class::Breaking, &format!("{prefix}.{code}"), "removed");
    }
    for (code, status) in &n {
        let at = format!("{prefix}.{code}");
        match o.get(code) {
            None => out.push(
                Class::Additive,
                &at,
                format!("added{}", status_note(*status)),
            ),
            Some(old) if old != status => out.push(
                Class::Docs,
                &at,
                format!(
                    "HTTP status {} → {}",
                    status_text(*old),
                    status_text(*status)
                ),
            ),
            Some(_) => {}
        }
    }
}

fn diff_system_errors(old: Option<&SystemErrors>, new: Option<&SystemErrors>) -> Vec<Change> {
    let mut out = Changes::default();
    let errors = |s: Option<&SystemErrors>| s.map(|s| s.errors.clone()).unwrap_or_default();
    diff_errors("errors", &errors(old), &errors(new), &mut out);
    if let (Some(o), Some(n)) = (old, new) {
        if o.url != n.url {
            out.push(Class::Docs, "", format!("docs URL → <{}>", n.url));
        }
    }
    out.sorted()
}

fn diff_diagnostics(old: &[Diagnostic], new: &[Diagnostic]) -> Vec<DiagnosticChange> {
    let (o, n): (BTreeSet<_>, BTreeSet<_>) = (old.iter().collect(), new.iter().collect());
    let mut out: Vec<_> = o
        .difference(&n)
        .map(|d| DiagnosticChange {
            added: false,
            diagnostic: (*d).clone(),
        })
        .chain(n.difference(&o).map(|d| DiagnosticChange {
            added: true,
            diagnostic: (*d).clone(),
        }))
        .collect();
    out.sort();
    out
}

/// Two unions with the same members in another order.
fn same_union(a: &Type, b: &Type) -> bool {
    match (a, b) {
        (Type::Union(x), Type::Union(y)) => {
            x.len() == y.len() && x.iter().all(|t| y.contains(t)) && y.iter().all(|t| x.contains(t))
        }
        _ => false,
    }
}

/// `required, `string``, plus allowed values and nested fields when present.
fn describe_new(f: &Field) -> String {
    let mut out = format!(
        "{} `{}`",
        if f.required { "required" } else { "optional" },
        f.ty
    );
    if !f.values.is_empty() {
        out.push_str(&format!(", values {}", code_list(&f.values)));
    }
    if !f.fields.is_empty() {
        out.push_str(&format!(
            ", fields {}",
            code_list(f.fields.iter().map(|f| &f.name))
        ));
    }
    out
}

fn code_list<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> String {
    let items: Vec<String> = items
        .into_iter()
        .map(|s| format!("`{}`", s.as_ref()))
        .collect();
    if items.is_empty() {
        "(none)".to_string()
    } else {
        items.join(", ")
    }
}

fn status_note(status: Option<u16>) -> String {
    status.map(|s| format!(" (HTTP {s})")).unwrap_or_default()
}

fn status_text(status: Option<u16>) -> String {
    status
        .map(|s| s.to_string())
        .unwrap_or_else(|| "none".to_string())
}
