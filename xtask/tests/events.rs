//! Event pages: fixture pages we wrote ourselves (`tests/fixtures/events/`,
//! in the docs' structure) → event specs, with insta snapshots; and the
//! spec diff over event specs.

use std::fs;
use std::path::{Path, PathBuf};

use xtask::diff::{self, Class, SpecTree, Status};
use xtask::extract;
use xtask::spec::{to_pretty_json, DiagnosticKind, EventSpec, Subscribers};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/events")
}

fn event(file: &str) -> EventSpec {
    let html = fs::read_to_string(dir().join(file)).expect("fixture page");
    extract::extract(&format!("api-reference/widgets/events/{file}"), &html)
        .events
        .pop()
        .unwrap_or_else(|| panic!("{file}: no event spec"))
}

fn has(spec: &EventSpec, kind: DiagnosticKind) -> bool {
    spec.diagnostics.iter().any(|d| d.kind == kind)
}

macro_rules! snapshot_tests {
    ($($test:ident => $file:literal),* $(,)?) => {$(
        #[test]
        fn $test() {
            insta::assert_snapshot!(stringify!($test), to_pretty_json(&event($file)));
        }
    )*};
}

snapshot_tests! {
    event_with_handler_table => "on-widget-add.html",
    event_title_contradicted => "on-gadget-delete.html",
    event_older_parameters_table => "on-gizmo-add.html",
    event_nothing_readable => "on-thing-update.html",
}

#[test]
fn handler_table_gives_data_fields() {
    let e = event("on-widget-add.html");
    assert_eq!(e.event, "ONWIDGETADD");
    assert_eq!(e.scopes, ["widgets"]);
    assert_eq!(e.subscribers, Some(Subscribers::AnyUser));
    assert_eq!(e.rel_path(), "widgets/events/ONWIDGETADD.json");
    let fields = &e.data[0];
    assert_eq!(fields.name, "FIELDS");
    let names: Vec<&str> = fields.fields.iter().map(|f| f.name.as_str()).collect();
    // Documented first, then what only the example shows.
    assert_eq!(names, ["ID", "ACTIVE", "COLOR"]);
    assert!(fields.fields[2].from_example);
    assert_eq!(fields.fields[1].values, ["Y", "N"]);
    // `SOURCE` is in the example's data only.
    assert!(e.data.iter().any(|f| f.name == "SOURCE" && f.from_example));
    assert!(has(&e, DiagnosticKind::FieldsFromExample));
    assert_eq!(e.examples.len(), 1);
}

#[test]
fn example_name_wins_over_the_title() {
    let e = event("on-gadget-delete.html");
    assert_eq!(e.event, "ONGADGETDELETE");
    assert!(has(&e, DiagnosticKind::TitleContradicted));
    assert!(has(&e, DiagnosticKind::InvalidExampleJson));
    assert!(has(&e, DiagnosticKind::ResultFromExample));
}

#[test]
fn older_pages_list_data_fields_directly() {
    let e = event("on-gizmo-add.html");
    assert_eq!(e.event, "ONGIZMOADD");
    assert_eq!(e.data.len(), 1);
    assert_eq!(e.data[0].name, "FIELDS");
    assert_eq!(e.folder(), "widgets");
}

#[test]
fn unreadable_data_is_a_diagnostic() {
    let e = event("on-thing-update.html");
    assert!(e.data.is_empty());
    assert!(has(&e, DiagnosticKind::NoParamsSection));
}

#[test]
fn pages_outside_api_reference_and_method_pages_give_no_event() {
    let html = fs::read_to_string(dir().join("on-widget-add.html")).expect("fixture");
    assert!(extract::extract("tutorials/widgets.html", &html)
        .events
        .is_empty());
    let method = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pages/landing-role-enable.html"),
    )
    .expect("fixture");
    assert!(
        extract::extract("api-reference/landing/role/x.html", &method)
            .events
            .is_empty()
    );
}

fn tree(label: &str, events: &[&EventSpec]) -> SpecTree {
    let files = events
        .iter()
        .map(|e| (e.rel_path(), to_pretty_json(e).into_bytes()))
        .collect();
    SpecTree::from_files(label, files).expect("tree")
}

#[test]
fn diff_reports_event_changes() {
    let add = event("on-widget-add.html");
    let del = event("on-gadget-delete.html");
    let gizmo = event("on-gizmo-add.html");
    let mut changed = add.clone();
    changed.data[0].fields[0].ty = xtask::spec::types::Type::parse("string").ty;
    changed.data.push(xtask::spec::Field::new(
        "EXTRA_KEY",
        xtask::spec::types::Type::Object,
    ));
    let old = tree("old", &[&add, &del]);
    let new = tree("new", &[&changed, &gizmo]);
    let d = diff::diff(&old, &new);
    let status: Vec<(&str, Status)> = d
        .events
        .iter()
        .map(|m| (m.method.as_str(), m.status))
        .collect();
    assert_eq!(
        status,
        [
            ("ONGADGETDELETE", Status::Removed),
            ("ONGIZMOADD", Status::Added),
            ("ONWIDGETADD", Status::Changed),
        ]
    );
    let changes = &d.events[2].changes;
    assert!(changes
        .iter()
        .any(|c| c.class == Class::Breaking && c.at == "data.FIELDS.ID"));
    assert!(changes
        .iter()
        .any(|c| c.class == Class::Additive && c.at == "data.EXTRA_KEY"));
    assert_eq!(d.count(Class::Breaking), 2);
    let report = diff::report::render(&d);
    assert!(report.contains("### Events"), "{report}");
    assert!(
        report.contains("`ONGADGETDELETE`: event removed"),
        "{report}"
    );
    // Loading a tree keeps events apart from methods.
    assert!(new.methods.is_empty());
    assert_eq!(new.events.len(), 2);
}

/// Whether `spec` describes every key of `value` (an example's `data`),
/// at every depth the spec describes; the keys it does not, as paths.
fn undescribed(fields: &[xtask::spec::Field], value: &serde_json::Value, at: &str) -> Vec<String> {
    let mut out = Vec::new();
    let serde_json::Value::Object(map) = value else {
        return out;
    };
    for (k, v) in map {
        let path = format!("{at}.{k}");
        match xtask::spec::describing_index(fields, k) {
            None => out.push(path),
            Some(i) if !fields[i].fields.is_empty() => {
                out.extend(undescribed(&fields[i].fields, v, &path));
            }
            Some(_) => {}
        }
    }
    out
}

/// Over the real corpus (`../shared/bitrix24-docs` or `$BITRIX24_DOCS`):
/// every example payload on an event page names its spec's event, and every
/// key of its `data` is described by the spec (nothing an example sends is
/// unknown to the spec). Prints every failure; fails below 99%.
#[test]
fn corpus_example_payloads_are_described() {
    let root = xtask::docs_root().join("html");
    if !root.is_dir() {
        eprintln!(
            "skipped: no docs corpus at {} (set BITRIX24_DOCS)",
            root.display()
        );
        return;
    }
    let pages = xtask::source::read_html_dir(&root).expect("docs pages");
    let ex = xtask::regen::extract_pages(&pages, &indicatif::ProgressBar::hidden());
    let (mut total, mut ok) = (0usize, 0usize);
    let mut failures = Vec::new();
    for e in &ex.events {
        for payload in &e.examples {
            total += 1;
            let name = payload
                .get("event")
                .and_then(|v| v.as_str())
                .unwrap_or_default();
            let mut problems = Vec::new();
            if !name.eq_ignore_ascii_case(&e.event) {
                problems.push(format!("event `{name}`"));
            }
            if let Some(data) = payload.get("data") {
                problems.extend(undescribed(&e.data, data, "data"));
            }
            if problems.is_empty() {
                ok += 1;
            } else {
                failures.push(format!("{} ({}): {}", e.event, e.url, problems.join(", ")));
            }
        }
    }
    for f in &failures {
        eprintln!("not described: {f}");
    }
    let pct = if total == 0 {
        100.0
    } else {
        ok as f64 * 100.0 / total as f64
    };
    eprintln!(
        "event example payloads described by their spec: {ok} of {total} ({pct:.2}%), {} events",
        ex.events.len()
    );
    assert!(total > 0, "no example payloads found on event pages");
    assert!(pct >= 99.0, "{ok} of {total} payloads described");
}

/// A page whose level-2 headings name events: one spec per section, its
/// fields from the section's table (sub-tables by anchor), its example
/// showing `data` alone, the URL with the section's anchor.
#[test]
fn a_page_of_several_events_gives_one_spec_per_section() {
    let file = "gadget-v2-events.html";
    let html = fs::read_to_string(dir().join(file)).expect("fixture page");
    let events = extract::extract(&format!("api-reference/widgets/events/{file}"), &html).events;
    let names: Vec<&str> = events.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(names, ["ONGADGETV2ADD", "ONGADGETV2PART"]);
    let add = &events[0];
    assert!(add.url.ends_with("gadget-v2-events.html#ongadgetv2add"));
    let keys: Vec<&str> = add.data.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(keys, ["keeper", "gadgetId", "shade", "shelf"]);
    assert!(add.data[3].from_example);
    // The linked keeper section has no table: its keys come from the example.
    let keeper: Vec<&str> = add.data[0].fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(keeper, ["id", "nick"]);
    assert_eq!(add.examples.len(), 1);
    assert_eq!(add.examples[0]["event"], "ONGADGETV2ADD");
    let part = &events[1];
    assert!(part.examples.is_empty());
    assert_eq!(part.data[1].name, "part");
    let fields: Vec<&str> = part.data[1]
        .fields
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(fields, ["slot", "kind"]);
    for e in &events {
        // Said in words outside the known set: a diagnostic, no copy.
        assert_eq!(e.subscribers, None);
        assert!(has(e, DiagnosticKind::UnknownSubscribers));
        assert!(!to_pretty_json(e).contains("keeper of the gadget"));
        assert_eq!(e.folder(), "widgets");
    }
    insta::assert_snapshot!("event_sections", to_pretty_json(&events));
}

/// An event page that lists no scope takes the one scope of the method
/// pages in its folder, with a `scope_from_folder` diagnostic.
#[test]
fn an_event_page_without_scope_takes_its_folders_method_scope() {
    let read = |p: &Path| fs::read_to_string(p).expect("fixture page");
    let pages = vec![
        xtask::source::Page {
            rel: "api-reference/widgets/events/gadget-v2-events.html".into(),
            html: read(&dir().join("gadget-v2-events.html")),
        },
        xtask::source::Page {
            rel: "api-reference/widgets/events/landing-role-enable.html".into(),
            html: read(
                &Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("tests/fixtures/pages/landing-role-enable.html"),
            ),
        },
    ];
    let ex = xtask::regen::extract_pages(&pages, &indicatif::ProgressBar::hidden());
    assert_eq!(ex.events.len(), 2);
    for e in &ex.events {
        assert_eq!(e.scopes, ["landing"]);
        assert_eq!(e.folder(), "landing");
        assert!(has(e, DiagnosticKind::ScopeFromFolder));
    }
}
