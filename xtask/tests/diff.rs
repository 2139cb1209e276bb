//! `cargo xtask diff`: the report on hand-made spec pairs, one pair per kind
//! of change (`tests/fixtures/diff/<case>/{old,new}`), and the git mode on a
//! throwaway repository.

use std::path::{Path, PathBuf};
use std::process::Command;

use xtask::diff::{self, Class, DiffOutcome};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/diff")
}

/// Diff `<case>/old` against `<case>/new`, with short labels in the report.
fn case(name: &str) -> DiffOutcome {
    let root = fixtures().join(name);
    let outcome = diff::run("old", "new", &root);
    match outcome {
        Ok(outcome) => outcome,
        Err(e) => panic!("{name}: {e:#}"),
    }
}

#[test]
fn methods_added_removed_moved() {
    let out = case("methods");
    assert!(out.is_breaking());
    insta::assert_snapshot!(out.report);
}

#[test]
fn params_and_nested_fields() {
    let out = case("params");
    assert!(out.is_breaking());
    insta::assert_snapshot!(out.report);
}

#[test]
fn result_and_result_fields() {
    let out = case("result");
    assert!(out.is_breaking());
    insta::assert_snapshot!(out.report);
}

#[test]
fn error_codes_and_system_errors() {
    let out = case("errors");
    assert!(out.is_breaking());
    insta::assert_snapshot!(out.report);
}

#[test]
fn additive_only_with_diagnostics_and_skipped_files() {
    let out = case("additive");
    assert!(!out.is_breaking(), "{}", out.report);
    assert_eq!(out.diff.count(Class::Breaking), 0);
    assert!(out.diff.count(Class::Additive) > 0);
    assert!(out.report.contains("skipped `README.md`"));
    assert!(out.report.contains("skipped `pin.json`"));
    insta::assert_snapshot!(out.report);
}

#[test]
fn identical_trees() {
    let out = case("identical");
    assert!(!out.is_breaking());
    assert!(out.diff.methods.is_empty());
    insta::assert_snapshot!(out.report);
}

#[test]
fn report_is_deterministic() {
    let a = case("params").report;
    let b = case("params").report;
    assert_eq!(a, b);
}

#[test]
fn swapping_sides_swaps_added_and_removed() {
    let root = fixtures().join("methods");
    let back = diff::run("new", "old", &root).unwrap_or_else(|e| panic!("{e:#}"));
    assert!(back.report.contains("`crm.deal.delete`: method added"));
    assert!(back.report.contains("`crm.deal.add`: method removed"));
}

#[test]
fn unparseable_spec_is_an_error_naming_the_file() {
    let root = fixtures().join("bad");
    let err = diff::run("good", "broken", &root)
        .err()
        .map(|e| format!("{e:#}"));
    let err = err.unwrap_or_default();
    assert!(err.contains("broken: user/user.admin.json"), "{err}");
}

#[test]
fn duplicate_method_is_an_error_naming_both_files() {
    let root = fixtures().join("bad");
    let err = diff::run("good", "duplicate", &root)
        .err()
        .map(|e| format!("{e:#}"));
    let err = err.unwrap_or_default();
    assert!(err.contains("misc/user.current.json"), "{err}");
    assert!(err.contains("user/user.current.json"), "{err}");
}

#[test]
fn neither_directory_nor_revision_is_an_error() {
    let root = fixtures().join("identical");
    let err = diff::run("old", "no-such-thing", &root)
        .err()
        .map(|e| format!("{e:#}"));
    let err = err.unwrap_or_default();
    assert!(
        err.contains("`no-such-thing` is neither a directory nor a git revision"),
        "{err}"
    );
}

fn git(repo: &Path, args: &[&str]) {
    let status = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args([
            "-c",
            "user.name=test",
            "-c",
            "user.email=test@example.invalid",
        ])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .status()
        .unwrap_or_else(|e| panic!("git {args:?}: {e}"));
    assert!(status.success(), "git {args:?}: {status}");
}

fn copy_tree(from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("{}: {e}", to.display()));
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let path = entry.map(|e| e.path()).unwrap_or_else(|e| panic!("{e}"));
        let target = to.join(path.file_name().unwrap_or_default());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
    }
}

/// The report with its header line dropped: the labels differ between modes.
fn body(report: &str) -> &str {
    report
        .split_once('\n')
        .map(|(_, rest)| rest)
        .unwrap_or(report)
}

#[test]
fn git_revisions_give_the_same_report_as_folders() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let repo = tmp.path();
    let specs = repo.join("specs");
    git(repo, &["init", "--quiet"]);
    std::fs::write(repo.join("README.md"), "no specs yet\n").unwrap_or_else(|e| panic!("{e}"));
    git(repo, &["add", "."]);
    git(repo, &["commit", "--quiet", "-m", "before specs"]);
    for side in ["old", "new"] {
        copy_tree(&fixtures().join("params").join(side), &specs);
        git(repo, &["add", "-A", "."]);
        git(repo, &["commit", "--quiet", "-m", side]);
    }
    let folders = case("params");

    // Two revisions.
    let revs = diff::run("HEAD~1", "HEAD", repo).unwrap_or_else(|e| panic!("{e:#}"));
    assert!(revs
        .report
        .starts_with("## API changes: `HEAD~1` → `HEAD`\n"));
    assert_eq!(body(&revs.report), body(&folders.report));
    assert_eq!(revs.diff.methods, folders.diff.methods);

    // A revision against the working tree (a folder, relative to the repo).
    copy_tree(&fixtures().join("params/old"), &specs);
    let work = diff::run("HEAD", "specs", repo).unwrap_or_else(|e| panic!("{e:#}"));
    let back =
        diff::run("new", "old", &fixtures().join("params")).unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(body(&work.report), body(&back.report));

    // An explicit `REV:path`.
    let explicit =
        diff::run("HEAD~1:specs", "HEAD:specs", repo).unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(explicit.diff.methods, folders.diff.methods);

    // A revision without specs/: everything is added, and the report says why.
    let first = diff::run("HEAD~2", "HEAD", repo).unwrap_or_else(|e| panic!("{e:#}"));
    assert!(!first.is_breaking());
    assert_eq!(first.diff.methods.len(), 1);
    assert!(
        first.report.contains("`HEAD~2:specs` does not exist"),
        "{}",
        first.report
    );

    // Not a revision.
    let err = diff::run("no-such-rev", "HEAD", repo)
        .err()
        .map(|e| format!("{e:#}"));
    assert!(err
        .unwrap_or_default()
        .contains("neither a directory nor a git revision"));
}

#[test]
fn the_workspace_specs_load() {
    let root = xtask::workspace_root();
    if !root.join("specs").is_dir() {
        return;
    }
    let out = diff::run("specs", "specs", &root).unwrap_or_else(|e| panic!("{e:#}"));
    assert!(out.diff.methods.is_empty(), "{}", out.report);
}

#[test]
fn order_of_constructor_arguments_and_other_order() {
    let out = case("order");
    assert!(out.is_breaking());
    insta::assert_snapshot!(out.report);
}

/// Renames: case only, the same page under a reworded title, a page moved
/// with its content; an unrelated removal and addition stay apart. Refined
/// changes (`any` → a type, fields and values now documented) and errors
/// without a code are reported too.
#[test]
fn renames_refinements_and_errors_without_code() {
    let out = case("renames");
    let renamed: Vec<(String, Option<String>)> = out
        .diff
        .methods
        .iter()
        .filter(|m| m.status == diff::Status::Renamed)
        .map(|m| (m.method.clone(), m.renamed_from.clone()))
        .collect();
    assert_eq!(
        renamed,
        [
            (
                "crm.automation.trigger.delete".to_string(),
                Some("crm.ctrigger.delete".to_string())
            ),
            (
                "department.delete".to_string(),
                Some("department.department.delete".to_string())
            ),
            (
                "disk.file.copyTo".to_string(),
                Some("disk.file.copyto".to_string())
            ),
        ]
    );
    assert_eq!(out.diff.count(Class::Renamed), 3);
    assert!(out.diff.count(Class::Refined) >= 3, "{}", out.report);
    assert!(out.report.contains("method removed"));
    assert!(out.report.contains("error without a code `Access denied.`"));
    // Refined alone does not fail the default exit status; it can be told to.
    assert!(out.diff.has_any(&[Class::Refined]));
    insta::assert_snapshot!(out.report);
}

#[test]
fn classes_parse_from_their_names() {
    for class in Class::ALL {
        assert_eq!(Class::parse(class.as_str()), Some(class));
    }
    assert_eq!(Class::parse("Refined"), Some(Class::Refined));
    assert_eq!(Class::parse("none"), None);
}

/// A change shared word for word by many methods (here the docs moving to
/// another site, and a new error code on each) is listed once, with its
/// methods folded, not under each method: the report stays short when
/// thousands of pages change alike.
#[test]
fn changes_shared_by_many_methods_are_listed_once() {
    let spec = |site: &str, i: usize, extra_error: bool| {
        let errors = if extra_error {
            r#"[{"code": "ACCESS_DENIED"}, {"code": "OPERATION_TIME_LIMIT"}]"#
        } else {
            r#"[{"code": "ACCESS_DENIED"}]"#
        };
        let text = format!(
            r#"{{"method": "demo.item{i}.get", "version": "2", "scopes": ["demo"],
               "url": "https://{site}/api-reference/demo/item{i}.html",
               "params": [], "errors": {errors}}}"#
        );
        (format!("demo/demo.item{i}.get.json"), text.into_bytes())
    };
    let old: Vec<_> = (0..12)
        .map(|i| spec("apidocs.bitrix24.com", i, false))
        .collect();
    let mut new: Vec<_> = (0..12)
        .map(|i| spec("apidocs.bitrix24.ru", i, true))
        .collect();
    // One method with a change of its own (and without the shared error).
    new[0].1 = String::from_utf8(spec("apidocs.bitrix24.ru", 0, false).1)
        .expect("utf-8")
        .replace("ACCESS_DENIED", "ITEM_LOCKED")
        .into_bytes();
    let old = diff::SpecTree::from_files("old", old).expect("old");
    let new = diff::SpecTree::from_files("new", new).expect("new");
    let d = diff::diff(&old, &new);
    let report = diff::report::render(&d);
    assert_eq!(
        report
            .matches("docs site → <https://apidocs.bitrix24.ru/>")
            .count(),
        1,
        "{report}"
    );
    assert!(report.contains("docs site → <https://apidocs.bitrix24.ru/>: 12 methods"));
    assert!(report.contains("`errors.OPERATION_TIME_LIMIT` added: 11 methods"));
    assert!(report.contains("11 more changed methods with shared changes only"));
    assert!(report.contains("#### `demo.item0.get`"));
    insta::assert_snapshot!(report);
}
