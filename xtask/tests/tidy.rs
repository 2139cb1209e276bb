//! The shape of the generator's code, checked (rust-analyzer's `tidy` is the
//! model): the pipeline's stages import only from themselves and from the
//! stages before them, and no module imports, directly or through others,
//! a module that imports it back.
//!
//! The stages, in order (`ARCHITECTURE.md` says what each does):
//!
//! | rank | stage | modules |
//! | ---: | --- | --- |
//! | 0 | shared helpers | the crate root (`lib.rs`), `output`, `progress` |
//! | 1 | the model, where pages come from | `spec`, `source` (neither imports the other) |
//! | 2 | one page → one spec | `extract` |
//! | 3 | what needs several pages | `resolve` |
//! | 4 | specs → code, specs → a diff report | `codegen`, `diff` (neither imports the other) |
//! | 5 | the drivers | `regen`, then `bench` |
//! | 6 | the command line | `main` |
//!
//! Test code (`#[cfg(test)]` items) is not counted: a unit test may build
//! its input from any stage.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// Each stage with its rank; a module may import from a stage of lower
/// rank, or from its own stage.
const STAGES: &[(&str, u8)] = &[
    ("", 0),
    ("output", 0),
    ("progress", 0),
    ("spec", 1),
    ("source", 1),
    ("extract", 2),
    ("resolve", 3),
    ("codegen", 4),
    ("diff", 4),
    ("regen", 5),
    ("bench", 6),
    ("main", 7),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The module path of a source file below `src/` (`extract::page`; the
/// crate root is empty; the binary is `main`).
fn module_of(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap_or_default();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_string());
    }
    parts
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("a folder entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// Whether an item is test code.
fn is_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.parse_args::<syn::Meta>()
                .is_ok_and(|m| m.path().is_ident("test"))
    })
}

/// Collects every path a file names that starts at `crate`, `super`,
/// `self` or (in the binary) `xtask`, made absolute.
struct Paths<'a> {
    module: &'a [String],
    modules: &'a BTreeSet<Vec<String>>,
    binary: bool,
    found: BTreeSet<Vec<String>>,
}

impl Paths<'_> {
    fn absolute(&self, segs: &[String]) -> Option<Vec<String>> {
        let first = segs.first()?;
        let mut base: Vec<String> = match first.as_str() {
            "crate" => Vec::new(),
            "xtask" if self.binary => Vec::new(),
            "self" => self.module.to_vec(),
            "super" => {
                let mut m = self.module.to_vec();
                m.pop();
                m
            }
            // A child module named from its parent (`page::interpret` in
            // `extract/mod.rs`).
            child => {
                let mut m = self.module.to_vec();
                m.push(child.to_string());
                if !self.modules.contains(&m) {
                    return None;
                }
                self.module.to_vec()
            }
        };
        // A child's name stays: the rest of the path is below it.
        let mut rest = if base.len() == self.module.len()
            && !matches!(first.as_str(), "crate" | "xtask" | "self" | "super")
        {
            segs
        } else {
            &segs[1..]
        };
        while rest.first().is_some_and(|s| s == "super") {
            base.pop();
            rest = &rest[1..];
        }
        base.extend(rest.iter().cloned());
        Some(base)
    }

    fn add(&mut self, segs: Vec<String>) {
        if let Some(p) = self.absolute(&segs) {
            self.found.insert(p);
        }
    }

    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                let mut p = prefix.clone();
                if n.ident != "self" {
                    p.push(n.ident.to_string());
                }
                self.add(p);
            }
            syn::UseTree::Rename(r) => {
                let mut p = prefix.clone();
                if r.ident != "self" {
                    p.push(r.ident.to_string());
                }
                self.add(p);
            }
            syn::UseTree::Glob(_) => self.add(prefix.clone()),
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.use_tree(prefix, t);
                }
            }
        }
    }
}

impl<'ast> Visit<'ast> for Paths<'_> {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attrs: &[syn::Attribute] = match item {
            syn::Item::Mod(m) => &m.attrs,
            syn::Item::Fn(f) => &f.attrs,
            syn::Item::Use(u) => &u.attrs,
            syn::Item::Impl(i) => &i.attrs,
            _ => &[],
        };
        if is_test(attrs) {
            return;
        }
        syn::visit::visit_item(self, item);
    }

    // `pub(super)`, `pub(crate)`: who may see an item, not an import.
    fn visit_visibility(&mut self, _: &'ast syn::Visibility) {}

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        self.use_tree(&mut Vec::new(), &u.tree);
    }

    fn visit_path(&mut self, p: &'ast syn::Path) {
        let segs: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
        self.add(segs);
        syn::visit::visit_path(self, p);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        // `quote!` writes the generated crate's code: its paths are not ours.
        if m.path.is_ident("quote") || m.path.is_ident("quote_spanned") {
            return;
        }
        // Paths inside macro calls (`format!`, `quote!`) are tokens: read
        // the `crate::a::b` and `super::a` runs among them.
        let mut run: Vec<String> = Vec::new();
        let mut expect_ident = false;
        for tt in m.tokens.clone() {
            match tt {
                proc_macro2::TokenTree::Ident(i) => {
                    if expect_ident || run.is_empty() {
                        if !expect_ident {
                            run.clear();
                        }
                        run.push(i.to_string());
                        expect_ident = false;
                    } else {
                        self.add(std::mem::take(&mut run));
                        run.push(i.to_string());
                    }
                }
                proc_macro2::TokenTree::Punct(p) if p.as_char() == ':' => {
                    expect_ident = !run.is_empty();
                }
                _ => {
                    self.add(std::mem::take(&mut run));
                    expect_ident = false;
                }
            }
        }
        self.add(run);
        syn::visit::visit_macro(self, m);
    }
}

/// Every module of the crate (by path) and what each imports (as modules).
fn graph() -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let root = src();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let modules: BTreeMap<Vec<String>, PathBuf> = files
        .iter()
        .map(|f| {
            let rel = f.strip_prefix(&root).expect("below src/");
            let m = if rel == Path::new("main.rs") {
                vec!["main".to_string()]
            } else {
                module_of(rel)
            };
            (m, f.clone())
        })
        .collect();
    let names: BTreeSet<Vec<String>> = modules.keys().cloned().collect();
    let mut graph = BTreeMap::new();
    for (module, file) in &modules {
        let text = std::fs::read_to_string(file).expect("a source file");
        let ast =
            syn::parse_file(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", file.display()));
        let binary = module == &["main".to_string()];
        let mut v = Paths {
            module: if binary { &[] } else { module },
            modules: &names,
            binary,
            found: BTreeSet::new(),
        };
        v.visit_file(&ast);
        let mut deps = BTreeSet::new();
        for path in v.found {
            // The longest prefix that is a module of its own file.
            let target = (0..=path.len())
                .rev()
                .map(|n| path[..n].to_vec())
                .find(|p| modules.contains_key(p));
            if let Some(t) = target {
                if &t != module {
                    deps.insert(t);
                }
            }
        }
        graph.insert(module.clone(), deps);
    }
    graph
}

fn stage(module: &[String]) -> (&'static str, u8) {
    let first = module.first().map_or("", String::as_str);
    *STAGES.iter().find(|(s, _)| *s == first).unwrap_or_else(|| {
        panic!(
            "module `{}` has no stage in STAGES: add it",
            module.join("::")
        )
    })
}

fn name(m: &[String]) -> String {
    if m.is_empty() {
        "crate".to_string()
    } else {
        m.join("::")
    }
}

#[test]
fn no_module_imports_from_a_later_stage() {
    let mut wrong = Vec::new();
    for (module, deps) in graph() {
        let (own, rank) = stage(&module);
        for d in deps {
            let (theirs, their_rank) = stage(&d);
            if theirs != own && their_rank >= rank {
                wrong.push(format!(
                    "{} imports {} (stage `{theirs}` is not before `{own}`)",
                    name(&module),
                    name(&d)
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the pipeline's order:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn no_import_cycle() {
    let g = graph();
    // Tarjan's strongly connected components; any of more than one module
    // is a cycle.
    struct State<'g> {
        g: &'g BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        index: BTreeMap<&'g Vec<String>, usize>,
        low: BTreeMap<&'g Vec<String>, usize>,
        stack: Vec<&'g Vec<String>>,
        on_stack: BTreeSet<&'g Vec<String>>,
        cycles: Vec<Vec<String>>,
    }
    fn visit<'g>(s: &mut State<'g>, v: &'g Vec<String>) {
        let i = s.index.len();
        s.index.insert(v, i);
        s.low.insert(v, i);
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in s.g.get(v).into_iter().flatten() {
            let Some((w, _)) = s.g.get_key_value(w) else {
                continue;
            };
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(lw);
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                comp.push(name(w));
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                s.cycles.push(comp);
            }
        }
    }
    let mut s = State {
        g: &g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        cycles: Vec::new(),
    };
    for v in g.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    let report: Vec<String> = s
        .cycles
        .iter()
        .map(|c| {
            let edges: Vec<String> = c
                .iter()
                .flat_map(|a| {
                    g.iter()
                        .filter(|(m, _)| name(m) == *a)
                        .flat_map(|(_, deps)| deps.iter().map(|d| name(d)))
                        .filter(|d| c.contains(d))
                        .map(move |d| format!("{a} → {d}"))
                })
                .collect();
            format!("{{{}}}: {}", c.join(", "), edges.join("; "))
        })
        .collect();
    assert!(
        report.is_empty(),
        "import cycles among modules:\n{}",
        report.join("\n")
    );
}

#[test]
fn the_checker_sees_imports() {
    // The graph is not empty and finds a known edge, so the two tests above
    // cannot pass by reading nothing.
    let g = graph();
    let regen = g.get(&vec!["regen".to_string()]).expect("the regen module");
    assert!(
        regen.contains(&vec!["resolve".to_string()]),
        "regen uses resolve: {regen:?}"
    );
    assert!(g.len() > 40, "only {} modules found", g.len());
}
