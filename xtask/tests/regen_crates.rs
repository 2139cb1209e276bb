//! `regen` owns the generated crates only: a generated crate the layout no
//! longer has (a scope that shrank back into its letter group, a split that
//! became one crate) is emptied, and crates regen did not write are never
//! touched, whatever their names. Runs the real binary, code only, on the
//! fixture specs, into a temporary `crates/` folder.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/specs")
}

fn regen(out: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["regen", "--code-only", "-q", "--specs"])
        .arg(fixtures())
        .arg("--out")
        .arg(out)
        .args(extra)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run xtask")
}

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    fs::write(path, text).expect("write");
}

#[test]
fn a_vanished_generated_crate_is_emptied_and_others_are_kept() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("crates");
    let first = regen(&out, &[]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let facade = fs::read_to_string(out.join("bitrix24/src/lib.rs")).expect("the facade");

    // A crate an earlier layout generated, one named like a generated crate
    // but written by hand, and a hand-written crate.
    let header = xtask::codegen::layout::MANIFEST_HEADER;
    write(
        &out.join("bitrix24-gen-gone/Cargo.toml"),
        &format!("{header}\n[package]\nname = \"bitrix24-gen-gone\"\n"),
    );
    write(&out.join("bitrix24-gen-gone/src/lib.rs"), "// old\n");
    write(&out.join("bitrix24-gen-gone/src/gone.rs"), "// old\n");
    write(
        &out.join("bitrix24-gen-gone/NOTES.md"),
        "kept: not a file regen writes\n",
    );
    write(
        &out.join("bitrix24-gen-handmade/Cargo.toml"),
        "[package]\nname = \"bitrix24-gen-handmade\"\n",
    );
    write(&out.join("bitrix24-gen-handmade/src/lib.rs"), "// mine\n");
    write(&out.join("bitrix24-runtime/src/lib.rs"), "// mine\n");

    let check = regen(&out, &["--check"]);
    assert_eq!(check.status.code(), Some(1), "--check sees the stale crate");
    let said = String::from_utf8_lossy(&check.stderr);
    assert!(said.contains("bitrix24-gen-gone"), "{said}");
    assert!(
        !said.contains("handmade") && !said.contains("runtime"),
        "{said}"
    );
    assert!(
        out.join("bitrix24-gen-gone/src/lib.rs").exists(),
        "--check writes nothing"
    );

    let second = regen(&out, &[]);
    assert!(
        second.status.success(),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    for gone in ["Cargo.toml", "src/lib.rs", "src/gone.rs"] {
        assert!(
            !out.join("bitrix24-gen-gone").join(gone).exists(),
            "{gone} stays"
        );
    }
    assert!(out.join("bitrix24-gen-gone/NOTES.md").exists());
    assert_eq!(
        fs::read_to_string(out.join("bitrix24-gen-handmade/src/lib.rs")).expect("kept"),
        "// mine\n"
    );
    assert_eq!(
        fs::read_to_string(out.join("bitrix24-runtime/src/lib.rs")).expect("kept"),
        "// mine\n"
    );
    assert_eq!(
        fs::read_to_string(out.join("bitrix24/src/lib.rs")).expect("the facade"),
        facade
    );
    let again = regen(&out, &["--check"]);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
}
