//! The diff as Markdown for a pull request: counts first (in total and per
//! scope, one table), renames, then the changes by scope and method (each
//! scope folded in a `<details>` block, so that a report on thousands of
//! changed pages opens on its summary), then diagnostics and notes, then the
//! legend.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::spec::RestVersion;

use super::compare::{Change, Class, MethodDiff, SpecDiff, Status};

/// Render the report. Same diff, same bytes.
pub fn render(diff: &SpecDiff) -> String {
    let mut out = String::new();
    summary(&mut out, diff);
    renames(&mut out, diff);
    let shared = shared_changes(diff);
    shared_section(&mut out, &shared);
    changes(&mut out, diff, &shared);
    events(&mut out, diff);
    diagnostics(&mut out, diff);
    notes(&mut out, diff);
    legend(&mut out);
    out
}

fn summary(out: &mut String, diff: &SpecDiff) {
    let breaking = diff.count(Class::Breaking);
    let _ = writeln!(out, "## API changes: `{}` → `{}`\n", diff.old, diff.new);
    let verdict = match breaking {
        0 if diff.methods.is_empty() && diff.events.is_empty() && diff.system_errors.is_empty() => {
            "No API changes.".to_string()
        }
        0 => "Nothing breaks.".to_string(),
        1 => "**1 breaking change.**".to_string(),
        n => format!("**{n} breaking changes.**"),
    };
    let others: Vec<String> = Class::ALL[1..]
        .iter()
        .map(|c| format!("{} {}", diff.count(*c), c.as_str()))
        .collect();
    let _ = writeln!(out, "{verdict} Also: {}.\n", others.join(", "));
    let _ = writeln!(
        out,
        "| scope | methods added | removed | renamed | changed | **breaking** | refined | additive | docs |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let all: Vec<&MethodDiff> = diff.methods.iter().collect();
    let mut system = diff.system_errors.clone();
    let _ = writeln!(out, "{}", scope_row("**all**", &all, &system));
    system.clear();
    for scope in scopes(diff) {
        let in_scope: Vec<&MethodDiff> = diff.methods.iter().filter(|m| m.scope == scope).collect();
        let _ = writeln!(
            out,
            "{}",
            scope_row(&format!("`{scope}`"), &in_scope, &system)
        );
    }
    if !diff.events.is_empty() {
        let events: Vec<&MethodDiff> = diff.events.iter().collect();
        let _ = writeln!(out, "{}", scope_row("events (all scopes)", &events, &[]));
    }
    if !diff.system_errors.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            scope_row("system errors", &[], &diff.system_errors)
        );
    }
    out.push('\n');
}

/// Scopes with classed changes, in order.
fn scopes(diff: &SpecDiff) -> Vec<&str> {
    let mut scopes: Vec<&str> = diff
        .methods
        .iter()
        .filter(|m| !m.changes.is_empty())
        .map(|m| m.scope.as_str())
        .collect();
    scopes.dedup();
    scopes
}

/// One row of the summary table: methods by status, changes by class.
fn scope_row(label: &str, methods: &[&MethodDiff], extra: &[Change]) -> String {
    let classed: Vec<&&MethodDiff> = methods.iter().filter(|m| !m.changes.is_empty()).collect();
    let with = |s: Status| classed.iter().filter(|m| m.status == s).count();
    let mut row = format!(
        "| {label} | {} | {} | {} | {} |",
        with(Status::Added),
        with(Status::Removed),
        with(Status::Renamed),
        with(Status::Changed)
    );
    // Renames are counted by method: one change each.
    for class in Class::ALL.into_iter().filter(|c| *c != Class::Renamed) {
        let n = classed
            .iter()
            .flat_map(|m| &m.changes)
            .chain(extra)
            .filter(|c| c.class == class)
            .count();
        let _ = write!(row, " {n} |");
    }
    row
}

/// Renamed methods, one line each.
fn renames(out: &mut String, diff: &SpecDiff) {
    let renamed: Vec<&MethodDiff> = diff
        .methods
        .iter()
        .filter(|m| m.status == Status::Renamed)
        .collect();
    if renamed.is_empty() {
        return;
    }
    let _ = writeln!(out, "### Renamed ({})\n", renamed.len());
    for m in renamed {
        if let Some(c) = m.changes.iter().find(|c| c.class == Class::Renamed) {
            let _ = writeln!(out, "- `{}`: {}", m.scope, c.what);
        }
    }
    out.push('\n');
}

/// A change made to this many changed methods or more, word for word, is
/// listed once (with its methods folded) instead of under each of them.
const SHARED_MIN: usize = 10;

/// (class, path, what) → the methods that have it.
type Shared<'a> = BTreeMap<(Class, &'a str, &'a str), Vec<&'a MethodDiff>>;

/// Changes that many changed methods share, word for word.
fn shared_changes(diff: &SpecDiff) -> Shared<'_> {
    let mut all: Shared<'_> = BTreeMap::new();
    for m in diff
        .methods
        .iter()
        .filter(|m| matches!(m.status, Status::Changed | Status::Renamed))
    {
        for c in m.changes.iter().filter(|c| c.class != Class::Renamed) {
            let methods = all
                .entry((c.class, c.at.as_str(), c.what.as_str()))
                .or_default();
            if !methods.iter().any(|x| std::ptr::eq(*x, m)) {
                methods.push(m);
            }
        }
    }
    all.retain(|_, methods| methods.len() >= SHARED_MIN);
    all
}

fn is_shared(shared: &Shared<'_>, c: &Change) -> bool {
    c.class != Class::Renamed && shared.contains_key(&(c.class, c.at.as_str(), c.what.as_str()))
}

fn shared_section(out: &mut String, shared: &Shared<'_>) {
    if shared.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "### Changes shared by {SHARED_MIN} or more methods\n\nListed once here, not under each method.\n"
    );
    for ((class, at, what), methods) in shared {
        let line = if at.is_empty() {
            format!("{} · {what}", class_label(*class))
        } else {
            format!("{} · `{at}` {what}", class_label(*class))
        };
        let names: Vec<String> = methods.iter().map(|m| method_name(m)).collect();
        let _ = writeln!(
            out,
            "- {line}: {} methods\n  <details><summary>which</summary>\n\n  {}\n\n  </details>",
            methods.len(),
            names.join(", ")
        );
    }
    out.push('\n');
}

fn changes(out: &mut String, diff: &SpecDiff, shared: &Shared<'_>) {
    let classed: Vec<&MethodDiff> = diff
        .methods
        .iter()
        .filter(|m| !m.changes.is_empty())
        .collect();
    for scope in scopes(diff) {
        let in_scope: Vec<&MethodDiff> = classed
            .iter()
            .copied()
            .filter(|m| m.scope == scope)
            .collect();
        let counts: Vec<String> = Class::ALL
            .iter()
            .filter_map(|class| {
                let n = in_scope
                    .iter()
                    .flat_map(|m| &m.changes)
                    .filter(|c| c.class == *class)
                    .count();
                (n > 0).then(|| format!("{n} {}", class.as_str()))
            })
            .collect();
        let _ = writeln!(
            out,
            "<details><summary><b><code>{scope}</code></b>: {} method{}; {}</summary>\n",
            in_scope.len(),
            if in_scope.len() == 1 { "" } else { "s" },
            counts.join(", ")
        );
        let mut listed = false;
        for m in in_scope
            .iter()
            .filter(|m| matches!(m.status, Status::Added | Status::Removed))
        {
            for c in &m.changes {
                let _ = writeln!(
                    out,
                    "- {} · {}: {}",
                    class_label(c.class),
                    method_name(m),
                    c.what
                );
            }
            listed = true;
        }
        if listed {
            out.push('\n');
        }
        let mut only_shared = 0;
        for m in in_scope
            .iter()
            .filter(|m| matches!(m.status, Status::Changed | Status::Renamed))
        {
            let own: Vec<Change> = m
                .changes
                .iter()
                .filter(|c| !is_shared(shared, c))
                .cloned()
                .collect();
            if own.is_empty() {
                only_shared += 1;
                continue;
            }
            let _ = writeln!(out, "#### {}\n", method_name(m));
            change_lines(out, &own);
            out.push('\n');
        }
        if only_shared > 0 {
            let _ = writeln!(
                out,
                "{only_shared} more changed method{} with shared changes only (listed above).\n",
                if only_shared == 1 { "" } else { "s" }
            );
        }
        let _ = writeln!(out, "</details>\n");
    }
    if !diff.system_errors.is_empty() {
        let _ = writeln!(out, "### System errors (any method)\n");
        change_lines(out, &diff.system_errors);
        out.push('\n');
    }
}

/// Events added, removed and changed, folded per scope.
fn events(out: &mut String, diff: &SpecDiff) {
    let classed: Vec<&MethodDiff> = diff
        .events
        .iter()
        .filter(|m| !m.changes.is_empty())
        .collect();
    if classed.is_empty() {
        return;
    }
    let _ = writeln!(out, "### Events\n");
    let mut scopes: Vec<&str> = classed.iter().map(|m| m.scope.as_str()).collect();
    scopes.dedup();
    for scope in scopes {
        let in_scope: Vec<&MethodDiff> = classed
            .iter()
            .copied()
            .filter(|m| m.scope == scope)
            .collect();
        let _ = writeln!(
            out,
            "<details><summary><b><code>{scope}</code></b>: {} event{}</summary>\n",
            in_scope.len(),
            if in_scope.len() == 1 { "" } else { "s" },
        );
        for m in &in_scope {
            if matches!(m.status, Status::Added | Status::Removed) {
                for c in &m.changes {
                    let _ = writeln!(
                        out,
                        "- {} · `{}`: {}",
                        class_label(c.class),
                        m.method,
                        c.what
                    );
                }
            } else {
                let _ = writeln!(out, "#### `{}`\n", m.method);
                change_lines(out, &m.changes);
                out.push('\n');
            }
        }
        let _ = writeln!(out, "\n</details>\n");
    }
}

fn change_lines(out: &mut String, changes: &[Change]) {
    for c in changes {
        let _ = if c.at.is_empty() {
            writeln!(out, "- {} · {}", class_label(c.class), c.what)
        } else {
            writeln!(out, "- {} · `{}` {}", class_label(c.class), c.at, c.what)
        };
    }
}

fn diagnostics(out: &mut String, diff: &SpecDiff) {
    let with: Vec<&MethodDiff> = diff
        .methods
        .iter()
        .filter(|m| !m.diagnostics.is_empty())
        .collect();
    if with.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<details><summary>Diagnostics (informational): {} methods</summary>\n",
        with.len()
    );
    for m in with {
        let _ = writeln!(out, "- {}", method_name(m));
        for d in &m.diagnostics {
            let d2 = &d.diagnostic;
            let mut line = format!(
                "  - {} `{}`",
                if d.added { "new:" } else { "gone:" },
                d2.kind.as_str()
            );
            if !d2.at.is_empty() {
                let _ = write!(line, " at `{}`", d2.at);
            }
            if !d2.detail.is_empty() {
                let _ = write!(line, " ({})", d2.detail);
            }
            let _ = writeln!(out, "{line}");
        }
    }
    let _ = writeln!(out, "\n</details>\n");
}

fn notes(out: &mut String, diff: &SpecDiff) {
    if diff.notes.is_empty() {
        return;
    }
    let _ = writeln!(out, "### Notes\n");
    for n in &diff.notes {
        let _ = writeln!(out, "- {n}");
    }
    out.push('\n');
}

fn legend(out: &mut String) {
    out.push_str(
        "<details><summary>How to read this</summary>\n\n\
         Classes are from the point of view of code that calls the generated crate:\n\n\
         - **breaking**: code that compiled before may not compile now. A method, param, \
         result field, allowed value or error code went away, or a Rust type or signature \
         changed: a type change, a required flag flipped either way (constructor argument \
         ↔ setter, `T` ↔ `Option<T>`), a new required param (a new constructor argument), required params reordered (the constructor's arguments), \
         allowed values no longer listed (enum → `String`), fields of an object or a result \
         no longer described, a key pattern or entity changed, a method moved to another module.\n\
         - refined: the docs became more precise, and the generated code with them: `any` \
         or a name that is no type became a type, an object's fields, a result or a page's \
         parameters now described, allowed values now listed (`String` → enum), a field now \
         documented as an entity. Code may need a touch, for the better.\n\
         - renamed: one method under a new name (case only, the same page under a reworded \
         title, or a page moved with its content); its other differences follow it.\n\
         - additive: only new things: a method, an optional param (a new setter), a result \
         field, an allowed value or error code (the enums are `#[non_exhaustive]`), a paged \
         list, a deprecation (a warning).\n\
         - docs: only doc comments change (docs URL, scopes, HTTP status of an error, errors \
         without a code and REST 3.0 field errors, value templates, the order of a union's \
         types, other reorderings).\n\n\
         A result marked \"read off the example response\" has no table in the docs: its \
         fields come from the page's example.\n\n\
         Paths are dotted: `params.fields.TITLE` is the `TITLE` field of the `fields` param; \
         `result.ITEMS` a field of the result. Diagnostics (what the docs page did not say \
         clearly) are listed apart and are not classed.\n\n\
         </details>\n",
    );
}

fn class_label(class: Class) -> String {
    match class {
        Class::Breaking => "**breaking**".to_string(),
        other => other.as_str().to_string(),
    }
}

fn method_name(m: &MethodDiff) -> String {
    match m.version {
        RestVersion::V2 => format!("`{}`", m.method),
        RestVersion::V3 => format!("`{}` (REST 3)", m.method),
    }
}
