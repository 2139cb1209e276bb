//! One spec per method (and per event) where several pages document it:
//! the current page over a deprecated copy, a page under `api-reference/`
//! over others, then the first path; the others become `duplicate_page`
//! diagnostics of the kept one.

use std::collections::BTreeMap;

use crate::spec::{Diagnostic, DiagnosticKind, EventSpec, MethodSpec};

/// A spec read from one page, that another page may document again.
pub trait Documented {
    /// What two copies share: the method name and REST version, or the
    /// event name.
    fn key(&self) -> String;
    /// The page's URL.
    fn url(&self) -> &str;
    /// Whether the page says it is deprecated.
    fn deprecated(&self) -> bool;
    /// Its diagnostics.
    fn diagnostics_mut(&mut self) -> &mut Vec<Diagnostic>;
    /// Its path under `specs/`, which orders the output.
    fn rel_path(&self) -> String;
}

impl Documented for MethodSpec {
    fn key(&self) -> String {
        format!("{}\u{0}{:?}", self.method, self.version)
    }
    fn url(&self) -> &str {
        &self.url
    }
    fn deprecated(&self) -> bool {
        self.deprecated
    }
    fn diagnostics_mut(&mut self) -> &mut Vec<Diagnostic> {
        &mut self.diagnostics
    }
    fn rel_path(&self) -> String {
        MethodSpec::rel_path(self)
    }
}

impl Documented for EventSpec {
    fn key(&self) -> String {
        self.event.clone()
    }
    fn url(&self) -> &str {
        &self.url
    }
    fn deprecated(&self) -> bool {
        self.deprecated
    }
    fn diagnostics_mut(&mut self) -> &mut Vec<Diagnostic> {
        &mut self.diagnostics
    }
    fn rel_path(&self) -> String {
        EventSpec::rel_path(self)
    }
}

/// One spec per key, sorted by path, and how many copies were dropped.
/// `site` is cut from the dropped pages' URLs in the diagnostics.
pub fn keep_one_each<T: Documented>(specs: Vec<T>, site: &str) -> (Vec<T>, usize) {
    let mut by_key: BTreeMap<String, Vec<T>> = BTreeMap::new();
    for s in specs {
        by_key.entry(s.key()).or_default().push(s);
    }
    let mut dropped = 0;
    let mut kept_all = Vec::with_capacity(by_key.len());
    for (_, mut candidates) in by_key {
        candidates.sort_by_key(|s| {
            (
                s.deprecated(),
                !s.url().contains("/api-reference/"),
                s.url().to_string(),
            )
        });
        let mut kept = candidates.remove(0);
        for other in &candidates {
            dropped += 1;
            kept.diagnostics_mut().push(Diagnostic {
                kind: DiagnosticKind::DuplicatePage,
                at: String::new(),
                detail: other.url().trim_start_matches(site).to_string(),
            });
        }
        kept.diagnostics_mut().sort();
        kept_all.push(kept);
    }
    kept_all.sort_by_key(T::rel_path);
    (kept_all, dropped)
}
