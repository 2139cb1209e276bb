//! `cargo xtask` works on the checkout it runs in: the workspace root is
//! found at run time from the current folder, never from the path the
//! binary was built at. Two clones of this repository share one `xtask`
//! binary (one target folder, the worst case of a shared
//! `CARGO_TARGET_DIR`), and `regen` in one never touches the other.
//!
//! Needs `git` and a git checkout (a fresh clone is one); skipped with the
//! reason printed otherwise.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(dir)
        .env_remove("BITRIX24_DOCS")
        .output()
        .expect("run xtask")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// This checkout's root, if it is a git checkout and git runs.
fn checkout() -> Option<PathBuf> {
    let root = xtask::find_workspace_root(Path::new(env!("CARGO_MANIFEST_DIR"))).ok()?;
    let ok = Command::new("git")
        .args(["rev-parse", "--verify", "HEAD"])
        .current_dir(&root)
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        Some(root)
    } else {
        eprintln!(
            "skipped: {} is not a git checkout, or git is not installed",
            root.display()
        );
        None
    }
}

fn clone(from: &Path, to: &Path) {
    let out = Command::new("git")
        .args(["clone", "-q"])
        .arg(from)
        .arg(to)
        .output()
        .expect("git clone");
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn two_clones_sharing_one_binary_each_regen_their_own() {
    let Some(root) = checkout() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    clone(&root, &a);
    clone(&root, &b);
    let victim = Path::new("crates/bitrix24/src/lib.rs");
    assert!(
        a.join(victim).is_file(),
        "the generated crate has {victim:?}"
    );
    std::fs::remove_file(a.join(victim)).expect("rm a");
    std::fs::remove_file(b.join(victim)).expect("rm b");

    // In clone b, from a subfolder: b's file comes back, a's does not.
    let out = run(&b.join("crates"), &["regen", "--code-only", "-q"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(b.join(victim).is_file(), "regen in b restores b");
    assert!(!a.join(victim).exists(), "regen in b wrote into a");

    // In clone a, the check names a's missing file, and writes nothing.
    let out = run(&a, &["regen", "--code-only", "--check"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("bitrix24/src/lib.rs"),
        "{}",
        stderr(&out)
    );
    assert!(!a.join(victim).exists());
}

#[test]
fn outside_any_workspace_is_an_error_naming_the_folder() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // A package manifest that is not a workspace does not count.
    std::fs::write(
        tmp.path().join("Cargo.toml"),
        "[package]\nname = \"x\"\nversion = \"0.1.0\"\n",
    )
    .expect("manifest");
    let err = xtask::find_workspace_root(tmp.path()).expect_err("no workspace");
    let msg = format!("{err:#}");
    assert!(msg.contains("no Cargo workspace"), "{msg}");
    assert!(msg.contains(&tmp.path().display().to_string()), "{msg}");
    let out = run(tmp.path(), &["regen", "--code-only"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no Cargo workspace"),
        "{}",
        stderr(&out)
    );
}
