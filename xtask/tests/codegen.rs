//! Snapshots of the code generated from the fixture specs, and the
//! generator's failure modes.
//!
//! `cargo test -p xtask --test codegen -- --ignored write_generated_crate`
//! writes the generated crates under `crates/` from `specs/` (or from the
//! fixtures while `specs/` holds no `system-errors.json`); `cargo xtask
//! regen --code-only` does the same and removes stale files.

use std::path::{Path, PathBuf};

use xtask::codegen;
use xtask::spec::types::{Scalar, Type};
use xtask::spec::{Field, MethodSpec, RestVersion};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/specs")
}

#[test]
fn fixture_snapshots() {
    let (specs, system) = xtask::spec::io::load_specs(&fixtures()).expect("fixtures load");
    let events = xtask::spec::io::load_events(&fixtures()).expect("fixture events load");
    assert_eq!(events.len(), 2, "the fixture events");
    let files = codegen::generate(&specs, &events, &system).expect("fixtures generate");
    for (path, text) in &files {
        let name = path.to_string_lossy().replace(['/', '.'], "_");
        insta::assert_snapshot!(name, text);
    }
}

#[test]
fn generation_is_deterministic() {
    let (mut specs, system) = xtask::spec::io::load_specs(&fixtures()).expect("fixtures load");
    let mut events = xtask::spec::io::load_events(&fixtures()).expect("fixture events load");
    let a = codegen::generate(&specs, &events, &system).expect("generate");
    specs.reverse();
    events.reverse();
    let b = codegen::generate(&specs, &events, &system).expect("generate");
    assert_eq!(a, b);
}

fn spec_with_params(params: Vec<Field>) -> MethodSpec {
    MethodSpec {
        method: "demo.thing.add".into(),
        version: RestVersion::V2,
        scopes: vec!["demo".into()],
        url: "https://example.invalid/demo".into(),
        deprecated: false,
        paged: false,
        params,
        result: None,
        errors: vec![],
        diagnostics: vec![],
        examples: Vec::new(),
        bodies: vec![],
    }
}

fn field(name: &str) -> Field {
    Field::new(name, Type::Scalar(Scalar::String))
}

#[test]
fn name_clashes_are_numbered_in_docs_order() {
    let (_, system) = xtask::spec::io::load_specs(&fixtures()).expect("fixtures load");
    let mut values = field("mode");
    values.values = vec!["Y".into(), "y".into()];
    let spec = spec_with_params(vec![field("ID"), field("id"), values]);
    let files = codegen::generate(&[spec], &[], &system).expect("generate");
    let code = files
        .iter()
        .find(|(p, _)| p.ends_with("src/demo.rs"))
        .map(|(_, text)| text)
        .expect("the demo scope module");
    assert!(
        code.contains("pub id: ") && code.contains("pub id_2: "),
        "{code}"
    );
    assert!(code.contains("Y,") && code.contains("Y2,"), "{code}");
}

#[test]
fn type_collisions_fail_with_the_method_names() {
    let (_, system) = xtask::spec::io::load_specs(&fixtures()).expect("fixtures load");
    let twice = spec_with_params(vec![]);
    let mut other = twice.clone();
    other.method = "demo.thing.ADD".into();
    let err = codegen::generate(&[twice, other], &[], &system).expect_err("duplicate type");
    let msg = format!("{err:#}");
    assert!(
        msg.contains("demo.thing.add") && msg.contains("demo.thing.ADD"),
        "{msg}"
    );
}

#[test]
#[ignore = "writes the generated crates; run explicitly"]
fn write_generated_crate() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let real = root.join("specs");
    let dir = if real.join("system-errors.json").exists() {
        real
    } else {
        fixtures()
    };
    let (specs, system) = xtask::spec::io::load_specs(&dir).expect("specs load");
    let files = codegen::generate(&specs, &[], &system).expect("generate");
    let out = root.join("crates");
    for (path, text) in &files {
        let p = out.join(path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, text).expect("write");
    }
    println!(
        "{} specs from {} → {} files",
        specs.len(),
        dir.display(),
        files.len()
    );
}
