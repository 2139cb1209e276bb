//! Events that need another page: an event page without a scope.

use std::collections::{BTreeMap, BTreeSet};

use crate::spec::{Diagnostic, DiagnosticKind, EventSpec, MethodSpec};

/// An event whose page lists no scope takes the one scope that every
/// method page in the same docs folder lists (the event formats page of
/// `imbot.v2` beside `imbot.v2.Event.get`), with a `scope_from_folder`
/// diagnostic; where the folder has no method page or its pages disagree,
/// the event keeps none (its folder is then the docs folder).
pub fn scope_from_folder(events: &mut [EventSpec], specs: &[MethodSpec]) {
    fn dir(url: &str) -> &str {
        let page = url.split('#').next().unwrap_or(url);
        page.rsplit_once('/').map_or("", |(d, _)| d)
    }
    let mut by_dir: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for s in specs {
        let scope = s.scopes.first().map_or("", String::as_str);
        by_dir.entry(dir(&s.url)).or_default().insert(scope);
    }
    for e in events.iter_mut().filter(|e| e.scopes.is_empty()) {
        let Some(scopes) = by_dir.get(dir(&e.url)) else {
            continue;
        };
        let [scope] = scopes.iter().collect::<Vec<_>>()[..] else {
            continue;
        };
        if scope.is_empty() {
            continue;
        }
        e.scopes = vec![scope.to_string()];
        e.diagnostics.push(Diagnostic {
            kind: DiagnosticKind::ScopeFromFolder,
            at: "scopes".to_string(),
            detail: scope.to_string(),
        });
        e.diagnostics.sort();
    }
    events.sort_by_key(EventSpec::rel_path);
}
