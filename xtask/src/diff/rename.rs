//! Renames: a method that went away and one that appeared that are the same
//! method, so the report says "renamed A → B" once instead of a removal and
//! an addition.
//!
//! Pairs are found among methods only in the old tree and methods only in
//! the new one, of the same REST version, in three passes, each one to one:
//!
//! 1. **case only**: the names differ in case alone (`disk.file.copyto` →
//!    `disk.file.copyTo`; the API ignores case, the Rust names do not);
//! 2. **same page**: both specs come from the same docs page (its title was
//!    reworded, and the method name read from it changed);
//! 3. **moved page**: the same page file name, or the same last name
//!    segment, with nearly the same content (parameter names, error codes
//!    and result fields: Jaccard similarity of at least 0.75 over at least
//!    three items), best match first.

use std::collections::{BTreeMap, BTreeSet};

use crate::spec::{Field, MethodSpec};

use super::tree::{MethodId, SpecTree};

/// One rename.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rename {
    /// The identity in the old tree.
    pub old: MethodId,
    /// The identity in the new tree.
    pub new: MethodId,
    /// How it was recognised: `case only`, `same page`, `page moved from …`.
    pub reason: String,
}

/// How a pass scores a pair: a score (higher is better) and the reason, or
/// `None` for no rename.
type Score<'a> = &'a dyn Fn(&MethodSpec, &MethodSpec) -> Option<(f64, String)>;

/// Least content similarity for a moved page.
const MIN_SIMILARITY: f64 = 0.75;
/// Least number of content items for a moved page to be judged by content.
const MIN_ITEMS: usize = 3;

/// Renames between `old` and `new`, in a fixed order (by the new identity).
pub fn find(old: &SpecTree, new: &SpecTree) -> Vec<Rename> {
    let mut gone: BTreeMap<&MethodId, &MethodSpec> = old
        .methods
        .iter()
        .filter(|(id, _)| !new.methods.contains_key(*id))
        .map(|(id, (_, s))| (id, s))
        .collect();
    let mut came: BTreeMap<&MethodId, &MethodSpec> = new
        .methods
        .iter()
        .filter(|(id, _)| !old.methods.contains_key(*id))
        .map(|(id, (_, s))| (id, s))
        .collect();
    let mut out = Vec::new();
    let mut pass = |gone: &mut BTreeMap<&MethodId, &MethodSpec>,
                    came: &mut BTreeMap<&MethodId, &MethodSpec>,
                    score: Score<'_>| {
        let mut candidates: Vec<(f64, &MethodId, &MethodId, String)> = Vec::new();
        for (o_id, o) in gone.iter() {
            for (n_id, n) in came.iter() {
                if o_id.1 != n_id.1 {
                    continue;
                }
                if let Some((s, reason)) = score(o, n) {
                    candidates.push((s, *o_id, *n_id, reason));
                }
            }
        }
        // Best first; ties by name, so the pairing does not depend on order.
        candidates.sort_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then_with(|| a.1.cmp(b.1))
                .then_with(|| a.2.cmp(b.2))
        });
        let mut used_old = BTreeSet::new();
        let mut used_new = BTreeSet::new();
        for (_, o_id, n_id, reason) in candidates {
            if used_old.contains(o_id) || used_new.contains(n_id) {
                continue;
            }
            used_old.insert(o_id);
            used_new.insert(n_id);
            out.push(Rename {
                old: o_id.clone(),
                new: n_id.clone(),
                reason,
            });
        }
        gone.retain(|id, _| !used_old.contains(id));
        came.retain(|id, _| !used_new.contains(id));
    };
    pass(&mut gone, &mut came, &|o, n| {
        (o.method.eq_ignore_ascii_case(&n.method)).then(|| (1.0, "case only".to_string()))
    });
    pass(&mut gone, &mut came, &|o, n| {
        (page(&o.url) == page(&n.url)).then(|| (1.0, "same page, title reworded".to_string()))
    });
    pass(&mut gone, &mut came, &|o, n| {
        let same_file = file_name(&o.url) == file_name(&n.url);
        let same_last = last_segment(&o.method).eq_ignore_ascii_case(last_segment(&n.method));
        if !(same_file || same_last) {
            return None;
        }
        let s = similarity(o, n)?;
        (s >= MIN_SIMILARITY).then(|| {
            let reason = if page(&o.url) != page(&n.url) {
                format!("page moved from `{}`", page(&o.url))
            } else {
                "same content".to_string()
            };
            (s, reason)
        })
    });
    out.sort_by(|a, b| a.new.cmp(&b.new));
    out
}

/// The page path of a docs URL, without the site (`api-reference/x.html`).
fn page(url: &str) -> &str {
    url.split_once("://")
        .and_then(|(_, rest)| rest.split_once('/'))
        .map_or(url, |(_, path)| path)
}

fn file_name(url: &str) -> &str {
    url.rsplit('/').next().unwrap_or(url)
}

fn last_segment(method: &str) -> &str {
    method.rsplit('.').next().unwrap_or(method)
}

/// Jaccard similarity of what the two specs document, or `None` when there
/// is too little to judge by.
fn similarity(a: &MethodSpec, b: &MethodSpec) -> Option<f64> {
    let (x, y) = (content(a), content(b));
    if x.len() < MIN_ITEMS || y.len() < MIN_ITEMS {
        return None;
    }
    let common = x.intersection(&y).count();
    let all = x.union(&y).count();
    Some(common as f64 / all as f64)
}

/// `p:NAME` for each parameter (nested ones by path), `e:CODE` for each
/// error code, `r:NAME` for each result field.
fn content(s: &MethodSpec) -> BTreeSet<String> {
    fn walk(prefix: &str, fields: &[Field], out: &mut BTreeSet<String>) {
        for f in fields {
            let path = format!("{prefix}.{}", f.name);
            out.insert(path.clone());
            walk(&path, &f.fields, out);
        }
    }
    let mut out = BTreeSet::new();
    walk("p", &s.params, &mut out);
    if let Some(r) = &s.result {
        walk("r", &r.fields, &mut out);
    }
    for e in &s.errors {
        if let Some(c) = &e.code {
            out.insert(format!("e.{c}"));
        }
    }
    out
}
