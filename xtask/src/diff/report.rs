//! The diff as Markdown for a pull request: counts first, then the changes by
//! scope and method, then diagnostics and notes, then the legend.

use std::fmt::Write;

use crate::spec::RestVersion;

use super::compare::{Change, Class, MethodDiff, SpecDiff, Status};

/// Render the report. Same diff, same bytes.
pub fn render(diff: &SpecDiff) -> String {
    let mut out = String::new();
    summary(&mut out, diff);
    changes(&mut out, diff);
    diagnostics(&mut out, diff);
    notes(&mut out, diff);
    legend(&mut out);
    out
}

fn summary(out: &mut String, diff: &SpecDiff) {
    let breaking = diff.count(Class::Breaking);
    let _ = writeln!(out, "## API changes: `{}` → `{}`\n", diff.old, diff.new);
    let verdict = match breaking {
        0 if diff.methods.is_empty() && diff.system_errors.is_empty() => {
            "No API changes.".to_string()
        }
        0 => "Nothing breaks.".to_string(),
        1 => "**1 breaking change.**".to_string(),
        n => format!("**{n} breaking changes.**"),
    };
    let _ = writeln!(out, "{verdict}\n");
    let _ = writeln!(out, "| | count |\n|---|---:|");
    let rows = [
        ("methods added", diff.methods_with(Status::Added)),
        ("methods removed", diff.methods_with(Status::Removed)),
        ("methods changed", diff.methods_with(Status::Changed)),
        ("**breaking** changes", breaking),
        ("additive changes", diff.count(Class::Additive)),
        ("docs changes", diff.count(Class::Docs)),
    ];
    for (label, n) in rows {
        let _ = writeln!(out, "| {label} | {n} |");
    }
    out.push('\n');
}

fn changes(out: &mut String, diff: &SpecDiff) {
    let classed: Vec<&MethodDiff> = diff
        .methods
        .iter()
        .filter(|m| !m.changes.is_empty())
        .collect();
    let mut scopes: Vec<&str> = classed.iter().map(|m| m.scope.as_str()).collect();
    scopes.dedup();
    for scope in scopes {
        let _ = writeln!(out, "### `{scope}`\n");
        let in_scope: Vec<&MethodDiff> = classed
            .iter()
            .copied()
            .filter(|m| m.scope == scope)
            .collect();
        let mut listed = false;
        for m in in_scope.iter().filter(|m| m.status != Status::Changed) {
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
        for m in in_scope.iter().filter(|m| m.status == Status::Changed) {
            let _ = writeln!(out, "#### {}\n", method_name(m));
            change_lines(out, &m.changes);
            out.push('\n');
        }
    }
    if !diff.system_errors.is_empty() {
        let _ = writeln!(out, "### System errors (any method)\n");
        change_lines(out, &diff.system_errors);
        out.push('\n');
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
    let _ = writeln!(out, "### Diagnostics (informational)\n");
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
    out.push('\n');
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
         changed: any type change, a required flag flipped either way (constructor argument \
         ↔ setter, `T` ↔ `Option<T>`), a new required param (a new constructor argument), required params reordered (the constructor's arguments), \
         allowed values first listed or no longer listed (`String` ↔ enum), fields of an \
         object first described or no longer described, a result first described or no \
         longer described, a method moved to another module.\n\
         - additive: only new things: a method, an optional param (a new setter), a result \
         field, an allowed value or error code (the enums are `#[non_exhaustive]`), a paged \
         list, a deprecation (a warning).\n\
         - docs: only doc comments change (docs URL, scopes, HTTP status of an error, the \
         order of a union's types, other reorderings).\n\n\
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
