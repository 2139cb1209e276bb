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
//!
//! Two classes sit apart from these. **Refined**: the docs became more precise
//! (`any` or an unknown type name → a type, an object's fields or a result
//! now described, allowed values now listed, a field now documented as an
//! entity); the generated code changes the way a breaking change does, but
//! the old code was a guess, so a reviewer reads these apart. **Renamed**: a
//! method that went away and one that appeared are the same method (a
//! case-only rename such as `disk.file.copyto` → `copyTo`, the same page under
//! a reworded title, a page moved with its content), reported as one entry
//! with the rest of its differences below it.

use std::collections::{BTreeMap, BTreeSet};

use crate::spec::types::Type;
use crate::spec::{
    Diagnostic, DiagnosticKind, ErrorSpec, EventSpec, Field, MethodSpec, RestVersion, SystemErrors,
};

use super::tree::{version_name, SpecTree};

/// What a change does to a caller of the generated crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// Code written against the old crate may no longer compile.
    Breaking,
    /// The docs became more precise: `any` → a type, fields or a result now
    /// described, values now listed. The code changes, for the better.
    Refined,
    /// A method renamed (case only, reworded title, moved page): one entry.
    Renamed,
    /// Something new appears; existing code still compiles.
    Additive,
    /// Only doc comments change.
    Docs,
}

impl Class {
    /// Every class, most severe first.
    pub const ALL: [Class; 5] = [
        Class::Breaking,
        Class::Refined,
        Class::Renamed,
        Class::Additive,
        Class::Docs,
    ];

    /// The word the report uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Breaking => "breaking",
            Class::Refined => "refined",
            Class::Renamed => "renamed",
            Class::Additive => "additive",
            Class::Docs => "docs",
        }
    }

    /// The class a word names (`breaking`, `refined`, `renamed`,
    /// `additive`, `docs`).
    pub fn parse(word: &str) -> Option<Class> {
        Class::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(word.trim()))
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
    /// Under another name in the old tree (see [`MethodDiff::renamed_from`]).
    Renamed,
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
    /// Added, removed, changed or renamed.
    pub status: Status,
    /// For a renamed method, its old name.
    pub renamed_from: Option<String>,
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
    /// Events with any difference, by scope, then name (`method` holds the
    /// event name; the version is always REST 2).
    pub events: Vec<MethodDiff>,
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
            .chain(&self.events)
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

    /// Whether any change of these classes is present.
    pub fn has_any(&self, classes: &[Class]) -> bool {
        classes.iter().any(|c| self.count(*c) > 0)
    }
}

/// Compare two trees.
pub fn diff(old: &SpecTree, new: &SpecTree) -> SpecDiff {
    let mut methods = Vec::new();
    let renames = super::rename::find(old, new);
    let renamed_old: BTreeSet<&super::tree::MethodId> = renames.iter().map(|r| &r.old).collect();
    for r in &renames {
        let (Some((_, o)), Some((_, n))) = (old.methods.get(&r.old), new.methods.get(&r.new))
        else {
            continue;
        };
        let mut changes = vec![Change {
            class: Class::Renamed,
            at: String::new(),
            what: format!("renamed `{}` → `{}` ({})", o.method, n.method, r.reason),
        }];
        changes.extend(diff_method(o, n));
        methods.push(MethodDiff {
            scope: n.folder(),
            method: n.method.clone(),
            version: n.version,
            status: Status::Renamed,
            renamed_from: Some(o.method.clone()),
            changes,
            diagnostics: diff_diagnostics(&o.diagnostics, &n.diagnostics),
        });
    }
    let renamed_new: BTreeSet<&super::tree::MethodId> = renames.iter().map(|r| &r.new).collect();
    let ids: BTreeSet<_> = old.methods.keys().chain(new.methods.keys()).collect();
    for id in ids {
        let o = old.methods.get(id).map(|(_, s)| s);
        let n = new.methods.get(id).map(|(_, s)| s);
        if (o.is_some() && n.is_none() && renamed_old.contains(id))
            || (o.is_none() && n.is_some() && renamed_new.contains(id))
        {
            continue;
        }
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
            renamed_from: None,
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
        events: diff_events(old, new),
        system_errors: diff_system_errors(old.system_errors.as_ref(), new.system_errors.as_ref()),
        notes,
    }
}

/// Every event that was added, removed or changed. An event's `data` is
/// read by the caller, as a result is: a field removed or retyped breaks,
/// a field added is additive.
fn diff_events(old: &SpecTree, new: &SpecTree) -> Vec<MethodDiff> {
    let names: BTreeSet<&String> = old.events.keys().chain(new.events.keys()).collect();
    let mut out = Vec::new();
    for name in names {
        let o = old.events.get(name).map(|(_, s)| s);
        let n = new.events.get(name).map(|(_, s)| s);
        let (status, scope, changes, diagnostics) = match (o, n) {
            (None, Some(n)) => {
                let change = Change {
                    class: Class::Additive,
                    at: String::new(),
                    what: "event added".to_string(),
                };
                (Status::Added, n.folder(), vec![change], Vec::new())
            }
            (Some(o), None) => {
                let change = Change {
                    class: Class::Breaking,
                    at: String::new(),
                    what: "event removed".to_string(),
                };
                (Status::Removed, o.folder(), vec![change], Vec::new())
            }
            (Some(o), Some(n)) => {
                let mut changes = diff_event(o, n);
                let diagnostics = diff_diagnostics(&o.diagnostics, &n.diagnostics);
                if changes.is_empty() && diagnostics.is_empty() && o != n {
                    changes.push(Change {
                        class: Class::Docs,
                        at: String::new(),
                        what: "changes with no effect on the generated code (order of fields \
                               or values)"
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
        out.push(MethodDiff {
            scope,
            method: name.clone(),
            version: RestVersion::V2,
            status,
            renamed_from: None,
            changes,
            diagnostics,
        });
    }
    out.sort_by(|a, b| (&a.scope, &a.method).cmp(&(&b.scope, &b.method)));
    out
}

fn diff_event(o: &EventSpec, n: &EventSpec) -> Vec<Change> {
    let mut out = Changes::default();
    match (o.deprecated, n.deprecated) {
        (false, true) => out.push(Class::Additive, "", "marked deprecated"),
        (true, false) => out.push(Class::Additive, "", "no longer deprecated"),
        _ => {}
    }
    if o.folder() != n.folder() {
        out.push(
            Class::Breaking,
            "",
            format!("moved from scope `{}` to `{}`", o.folder(), n.folder()),
        );
    } else if o.scopes != n.scopes {
        out.push(
            Class::Docs,
            "",
            format!("scopes {:?} → {:?}", o.scopes, n.scopes),
        );
    }
    if o.subscribers != n.subscribers {
        out.push(
            Class::Docs,
            "",
            format!(
                "who may subscribe: {} → {}",
                o.subscribers.map_or("(not said)", |s| s.as_str()),
                n.subscribers.map_or("(not said)", |s| s.as_str())
            ),
        );
    }
    if o.url != n.url {
        out.push(Class::Docs, "", format!("docs page → {}", n.url));
    }
    if o.data_type != n.data_type {
        let show = |t: &Option<Type>| t.as_ref().map_or("object".to_string(), |t| t.to_string());
        out.push(
            Class::Breaking,
            "data",
            format!("type `{}` → `{}`", show(&o.data_type), show(&n.data_type)),
        );
    }
    diff_fields(Side::Result, "data", &o.data, &n.data, &mut out);
    out.sorted()
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
        // The same page on another site (the docs in another language): one
        // wording for every method, so the report can list it once.
        let split = |u: &str| -> Option<(String, String)> {
            let (scheme, rest) = u.split_once("://")?;
            let (host, path) = rest.split_once('/')?;
            Some((format!("{scheme}://{host}/"), path.to_string()))
        };
        match (split(&o.url), split(&n.url)) {
            (Some((_, op)), Some((site, np))) if op == np => {
                out.push(Class::Docs, "", format!("docs site → <{site}>"))
            }
            _ => out.push(Class::Docs, "", format!("docs URL → <{}>", n.url)),
        }
    }
    let no_section = |s: &MethodSpec| {
        s.diagnostics
            .iter()
            .any(|d| d.kind == DiagnosticKind::NoParamsSection)
    };
    if o.params.is_empty() && !n.params.is_empty() && no_section(o) && !no_section(n) {
        // The old page had no parameters section at all: not a change of
        // the API, the docs now say what it takes.
        out.push(
            Class::Refined,
            "params",
            format!(
                "now described: {}",
                code_list(n.params.iter().map(|p| &p.name))
            ),
        );
    } else {
        diff_fields(Side::Params, "params", &o.params, &n.params, &mut out);
        diff_argument_order(&o.params, &n.params, &mut out);
    }
    let before = out.0.len();
    match (&o.result, &n.result) {
        (None, Some(r)) => out.push(
            Class::Refined,
            "result",
            format!("now described: {}", describe_new(r)),
        ),
        (Some(_), None) => out.push(Class::Breaking, "result", "no longer described"),
        (Some(a), Some(b)) => diff_field(Side::Result, "result", a, b, &mut out),
        (None, None) => {}
    }
    // A result read off the page's example response (no table describes
    // it) is only as good as the example: say so on each line.
    let from_example = |s: &MethodSpec| {
        s.diagnostics
            .iter()
            .any(|d| d.kind == DiagnosticKind::ResultFromExample)
    };
    let note = match (from_example(o), from_example(n)) {
        (true, true) => Some(" (both read off the example response)"),
        (false, true) => Some(" (now read off the example response)"),
        (true, false) => Some(" (was read off the example response)"),
        (false, false) => None,
    };
    if let Some(note) = note {
        for c in &mut out.0[before..] {
            c.what.push_str(note);
        }
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
        } else if refines(&o.ty, &n.ty) {
            out.push(
                Class::Refined,
                at,
                format!("type `{}` → `{}` (now typed)", o.ty, n.ty),
            );
        } else {
            out.push(Class::Breaking, at, format!("type `{}` → `{}`", o.ty, n.ty));
        }
    }
    if o.pattern != n.pattern {
        out.push(
            Class::Breaking,
            at,
            format!(
                "key pattern {} → {}",
                code_list(o.pattern.iter()),
                code_list(n.pattern.iter())
            ),
        );
    }
    match (&o.entity, &n.entity) {
        (None, Some(e)) => out.push(Class::Refined, at, format!("now the entity `{e}`")),
        (Some(e), None) => out.push(Class::Breaking, at, format!("no longer the entity `{e}`")),
        (Some(a), Some(b)) if a != b => {
            out.push(Class::Breaking, at, format!("entity `{a}` → `{b}`"))
        }
        _ => {}
    }
    diff_values(at, &o.values, &n.values, out);
    diff_value_patterns(at, &o.value_patterns, &n.value_patterns, out);
    match (o.fields.is_empty(), n.fields.is_empty()) {
        (true, false) => out.push(
            Class::Refined,
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
            Class::Refined,
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

/// Value templates (`U*`, `SG*_K`) appear in doc comments only.
fn diff_value_patterns(at: &str, old: &[String], new: &[String], out: &mut Changes) {
    let added: Vec<_> = new.iter().filter(|v| !old.contains(v)).collect();
    let removed: Vec<_> = old.iter().filter(|v| !new.contains(v)).collect();
    if !added.is_empty() {
        out.push(
            Class::Docs,
            at,
            format!("value templates added: {}", code_list(added)),
        );
    }
    if !removed.is_empty() {
        out.push(
            Class::Docs,
            at,
            format!("value templates removed: {}", code_list(removed)),
        );
    }
}

/// Whether `new` only makes `old` more precise: `any` (or a list of `any`)
/// became a type, or a name that is no type (`Array of contacts`, an
/// `unknown_type`) became one.
pub fn refines(old: &Type, new: &Type) -> bool {
    match (old, new) {
        (Type::Any, n) => *n != Type::Any,
        (Type::Ref(r), _) => !is_type_name(&r.name),
        (Type::Array(a), Type::Array(b)) => refines(a, b),
        (Type::Object, Type::Ref(r)) => r.field.is_none(),
        // `object\|array` read as a phrase and `array`, now `object | array`:
        // every old member is kept or was no type.
        (Type::Union(xs), n) => {
            let members: &[Type] = match n {
                Type::Union(ys) => ys,
                single => std::slice::from_ref(single),
            };
            xs.iter()
                .any(|x| matches!(x, Type::Ref(r) if !is_type_name(&r.name)))
                && xs.iter().all(|x| {
                    members.contains(x) || matches!(x, Type::Ref(r) if !is_type_name(&r.name))
                })
        }
        _ => false,
    }
}

/// A name that reads as a type of the docs (`crm_status`, `sale_order`), as
/// opposed to a phrase kept as an unknown reference.
fn is_type_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

/// Errors: codes (an enum variant each), then code-less entries (known by
/// their message) and REST 3.0 field entries, which only doc comments show.
fn diff_errors(prefix: &str, old: &[ErrorSpec], new: &[ErrorSpec], out: &mut Changes) {
    diff_error_codes(prefix, old, new, out);
    // (path, what): `errors` "error without a code `Access denied.`",
    // `errors.CODE` "error for field `title`".
    let detail = |errors: &[ErrorSpec]| -> BTreeSet<(String, String)> {
        errors
            .iter()
            .filter_map(|e| match (&e.code, &e.field, &e.message) {
                (None, _, m) => Some((
                    prefix.to_string(),
                    format!(
                        "error without a code {}({})",
                        m.as_ref().map(|m| format!("`{m}` ")).unwrap_or_default(),
                        e.status
                            .map_or("no HTTP status".to_string(), |s| format!("HTTP {s}"))
                    ),
                )),
                (Some(c), Some(f), _) => {
                    Some((format!("{prefix}.{c}"), format!("error for field `{f}`")))
                }
                _ => None,
            })
            .collect()
    };
    let (o, n) = (detail(old), detail(new));
    for (at, what) in o.difference(&n) {
        out.push(Class::Docs, at, format!("{what} removed"));
    }
    for (at, what) in n.difference(&o) {
        out.push(Class::Docs, at, format!("{what} added"));
    }
}

fn diff_error_codes(prefix: &str, old: &[ErrorSpec], new: &[ErrorSpec], out: &mut Changes) {
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
