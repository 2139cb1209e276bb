//! Extraction of fixture pages we wrote ourselves (`tests/fixtures/pages/`),
//! in the structure of the docs' rendered HTML, with the facts of real pages
//! and our own words. Each method page's spec is an insta snapshot; targeted
//! assertions pin the facts that matter most. Plus determinism and the
//! regen-to-disk round trip.
//!
//! Update snapshots with `INSTA_UPDATE=always cargo test -p xtask --test extract`,
//! then read every changed `.snap` against its page before committing.

use std::fs;
use std::path::{Path, PathBuf};

use indicatif::ProgressBar;
use xtask::extract::{self, PageOutcome};
use xtask::output::{self, Change};
use xtask::regen;
use xtask::source::{self, Page};
use xtask::spec::io as spec_io;
use xtask::spec::types::{Scalar, Type};
use xtask::spec::{to_pretty_json, DiagnosticKind, ErrorSpec, Field, MethodSpec, RestVersion};

fn pages_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pages")
}

fn read(file: &str) -> String {
    let path = pages_dir().join(file);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn outcome(file: &str) -> PageOutcome {
    extract::extract(&format!("fixtures/{file}"), &read(file))
}

fn spec(file: &str) -> MethodSpec {
    outcome(file)
        .spec
        .unwrap_or_else(|| panic!("{file}: expected a method spec"))
}

/// A field by dotted path below the params (`fields.permissions.SETTINGS`).
fn param<'a>(spec: &'a MethodSpec, path: &str) -> &'a Field {
    let mut fields = &spec.params;
    let mut found: Option<&Field> = None;
    for part in path.split('.') {
        let f = fields
            .iter()
            .find(|f| f.name == part)
            .unwrap_or_else(|| panic!("{}: no field {path} (at {part})", spec.method));
        fields = &f.fields;
        found = Some(f);
    }
    found.unwrap_or_else(|| panic!("empty path"))
}

fn names(fields: &[Field]) -> Vec<&str> {
    fields.iter().map(|f| f.name.as_str()).collect()
}

fn required(fields: &[Field]) -> Vec<&str> {
    fields
        .iter()
        .filter(|f| f.required)
        .map(|f| f.name.as_str())
        .collect()
}

fn codes(errors: &[ErrorSpec]) -> Vec<Option<&str>> {
    errors.iter().map(|e| e.code.as_deref()).collect()
}

fn has_diag(spec: &MethodSpec, kind: DiagnosticKind, at: &str) -> bool {
    spec.diagnostics
        .iter()
        .any(|d| d.kind == kind && d.at == at)
}

fn scalar(s: Scalar) -> Type {
    Type::Scalar(s)
}

// ------------------------------------------------------------- snapshots

/// Every method fixture, with the snapshot name of its spec.
const METHOD_PAGES: &[(&str, &str)] = &[
    ("landing_role_enable", "landing-role-enable.html"),
    ("landing_role_set_rights", "landing-role-set-rights.html"),
    ("landing_role_get_rights", "landing-role-get-rights.html"),
    (
        "documentgenerator_role_fillaccesses",
        "documentgenerator-role-fillaccesses.html",
    ),
    (
        "documentgenerator_role_update",
        "documentgenerator-role-update.html",
    ),
    ("nested_three_levels", "nested-three-levels.html"),
    ("parameter_fields_heading", "parameter-fields-heading.html"),
    ("allowed_values", "allowed-values.html"),
    ("union_types", "union-types.html"),
    ("no_params", "no-params.html"),
    ("headerless_table", "headerless-table.html"),
    ("paged_list", "paged-list.html"),
    ("errors_two_column", "errors-two-column.html"),
    ("errors_four_column", "errors-four-column.html"),
    ("rest3", "rest3.html"),
    ("deprecated", "deprecated.html"),
    ("result_from_example", "result-from-example.html"),
    ("unknown_type", "unknown-type.html"),
    ("unresolved_anchor", "unresolved-anchor.html"),
    ("table_before_heading", "table-before-heading.html"),
    ("truncated", "truncated.html"),
    ("title_mid_sentence", "title-mid-sentence.html"),
    ("title_typo", "title-typo.html"),
    ("crm_item_fields", "crm-item-fields.html"),
    ("result_shapes", "result-shapes.html"),
    ("result_keyed_map", "result-keyed-map.html"),
    ("errors_by_message", "errors-by-message.html"),
    ("rest3_by_endpoint", "rest3-by-endpoint.html"),
    ("status_in_code_column", "status-in-code-column.html"),
    ("errors_codeless", "errors-codeless.html"),
    ("placeholder_values", "placeholder-values.html"),
    ("example_repaired", "example-repaired.html"),
    ("fields_no_example", "fields-no-example.html"),
    ("result_key_from_example", "result-key-from-example.html"),
    ("params_from_request", "params-from-request.html"),
    ("params_one_of_filter", "params-one-of-filter.html"),
    ("params_method_header", "params-method-header.html"),
    ("prose_values", "prose-values.html"),
];

/// Pages that are not REST method pages, or not pages at all.
const NON_METHOD_PAGES: &[&str] = &[
    "overview.html",
    "event.html",
    "js-sdk.html",
    "empty.html",
    "junk.html",
    "changelog.html",
];

macro_rules! snapshot_tests {
    ($($test:ident => $file:literal),* $(,)?) => {$(
        #[test]
        fn $test() {
            let spec = spec($file);
            insta::assert_snapshot!(stringify!($test), to_pretty_json(&spec));
        }
    )*};
}

snapshot_tests! {
    landing_role_enable => "landing-role-enable.html",
    landing_role_set_rights => "landing-role-set-rights.html",
    landing_role_get_rights => "landing-role-get-rights.html",
    documentgenerator_role_fillaccesses => "documentgenerator-role-fillaccesses.html",
    documentgenerator_role_update => "documentgenerator-role-update.html",
    nested_three_levels => "nested-three-levels.html",
    parameter_fields_heading => "parameter-fields-heading.html",
    allowed_values => "allowed-values.html",
    union_types => "union-types.html",
    no_params => "no-params.html",
    headerless_table => "headerless-table.html",
    paged_list => "paged-list.html",
    errors_two_column => "errors-two-column.html",
    errors_four_column => "errors-four-column.html",
    rest3 => "rest3.html",
    deprecated => "deprecated.html",
    result_from_example => "result-from-example.html",
    unknown_type => "unknown-type.html",
    unresolved_anchor => "unresolved-anchor.html",
    table_before_heading => "table-before-heading.html",
    truncated => "truncated.html",
    title_mid_sentence => "title-mid-sentence.html",
    title_typo => "title-typo.html",
    crm_item_fields => "crm-item-fields.html",
    result_shapes => "result-shapes.html",
    result_keyed_map => "result-keyed-map.html",
    errors_by_message => "errors-by-message.html",
    rest3_by_endpoint => "rest3-by-endpoint.html",
    status_in_code_column => "status-in-code-column.html",
    errors_codeless => "errors-codeless.html",
    placeholder_values => "placeholder-values.html",
    example_repaired => "example-repaired.html",
    fields_no_example => "fields-no-example.html",
    result_key_from_example => "result-key-from-example.html",
    params_from_request => "params-from-request.html",
    params_one_of_filter => "params-one-of-filter.html",
    params_method_header => "params-method-header.html",
    prose_values => "prose-values.html",
}

#[test]
fn backticked_title_and_statuses_in_the_code_column() {
    let s = spec("status-in-code-column.html");
    assert_eq!(s.method, "crm.status.get");
    let got: Vec<(Option<&str>, Option<u16>, Option<&str>)> = s
        .errors
        .iter()
        .map(|e| (e.code.as_deref(), e.status, e.message.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            (None, Some(400), Some("Access denied.")),
            (None, Some(400), Some("Status is not found.")),
        ]
    );
}

#[test]
fn rest3_by_endpoint_with_field_errors() {
    let s = spec("rest3-by-endpoint.html");
    // No "REST 3.0" note and no "v 3.0" in the title: the endpoint decides.
    assert_eq!(s.version, RestVersion::V3);
    let got: Vec<(Option<&str>, Option<&str>, Option<&str>)> = s
        .errors
        .iter()
        .map(|e| (e.code.as_deref(), e.field.as_deref(), e.message.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            (
                Some("access_denied"),
                Some("callId"),
                Some("No access to Follow-up data")
            ),
            (
                Some("BITRIX_REST_V3_EXCEPTION_INSUFFICIENTSCOPEEXCEPTION"),
                None,
                Some("Insufficient access rights: required scope is missing")
            ),
        ]
    );
}

#[test]
fn errors_without_code_keep_their_messages() {
    let s = spec("errors-by-message.html");
    let got: Vec<(Option<&str>, Option<&str>)> = s
        .errors
        .iter()
        .map(|e| (e.code.as_deref(), e.message.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            (
                None,
                Some("The required parameter \"resourceId\" for the method \"calendar.resource.delete\" is not set")
            ),
            (None, Some("Access denied")),
            (Some("NOT_FOUND"), None),
        ]
    );
    assert!(!has_diag(&s, DiagnosticKind::ErrorWithoutCode, "errors"));
}

#[test]
fn codeless_error_rows_keep_message_and_status() {
    let s = spec("errors-codeless.html");
    let got: Vec<(Option<&str>, Option<&str>, Option<u16>)> = s
        .errors
        .iter()
        .map(|e| (e.code.as_deref(), e.message.as_deref(), e.status))
        .collect();
    assert_eq!(
        got,
        [
            // Code | Description | Value: the description is the message.
            (None, Some("Widget is gone"), None),
            (None, Some("No rights to archive"), None),
            (None, Some("Widget is locked"), None),
            (Some("WIDGET_NOT_FOUND"), None, None),
            // A Code column of statuses.
            (None, Some("Parameter 'id' must be integer"), Some(400)),
            (None, Some("Archive is read-only"), Some(403)),
            // Code | Description: only a literal is a message.
            (Some("LIMIT"), None, None),
            (None, Some("Quota exceeded"), None),
            // Two literals in one cell, then a status alone.
            (None, Some("Widget is busy"), Some(409)),
            (None, Some("Try again later"), Some(409)),
            (None, None, Some(500)),
        ]
    );
    let details: Vec<&str> = s
        .diagnostics
        .iter()
        .filter(|d| d.kind == DiagnosticKind::ErrorWithoutCode)
        .map(|d| d.detail.as_str())
        .collect();
    assert_eq!(
        details,
        [
            "row 2: no message, status kept",
            "row 3: message is prose, row dropped",
            "row 4: empty row dropped",
            "row 5: message is prose, row dropped",
        ]
    );
}

#[test]
fn values_for_a_placeholder_are_not_the_fields_values() {
    let s = spec("placeholder-values.html");
    let filter = param(&s, "filter");
    assert!(filter.values.is_empty(), "`field` names the keys");
    assert!(filter.fields.iter().all(|f| f.values.is_empty()));
    let order = param(&s, "order");
    assert!(order.values.is_empty(), "the keys ID, NAME are no values");
    assert_eq!(order.fields.len(), 1);
    assert_eq!(order.fields[0].pattern.as_deref(), Some("*"));
    assert_eq!(
        order.fields[0].values,
        ["asc", "desc"],
        "directions of the map's values"
    );
    assert!(has_diag(
        &s,
        DiagnosticKind::ValuesOfPlaceholder,
        "params.filter"
    ));
    assert!(has_diag(
        &s,
        DiagnosticKind::ValuesOfPlaceholder,
        "params.order"
    ));
    // Values "for" the field itself are its own, the subject not among them.
    assert_eq!(param(&s, "kind").values, ["big", "small"]);
}

/// The skip diagnostic at `params.<name>`, its reason (before the colon).
fn prose_skip<'a>(spec: &'a MethodSpec, name: &str) -> Option<&'a str> {
    spec.diagnostics
        .iter()
        .find(|d| d.kind == DiagnosticKind::ProseValuesSkipped && d.at == format!("params.{name}"))
        .and_then(|d| d.detail.split(':').next())
}

#[test]
fn codes_listed_one_per_line_are_the_fields_values() {
    let s = spec("prose-values.html");
    // Items or `<br>` lines, each a code alone or a code, a dash, its meaning.
    assert_eq!(param(&s, "kind").values, ["O", "D"]);
    assert_eq!(param(&s, "level").values, ["3", "4"]);
    assert_eq!(param(&s, "unit").values, ["day", "week"]);
    let flag = param(&s, "flag");
    assert_eq!(flag.values, ["Y", "N"]);
    assert_eq!(flag.ty, scalar(Scalar::Boolean));
    for name in ["kind", "level", "unit", "flag"] {
        assert_eq!(prose_skip(&s, name), None, "{name}");
    }
    // Lists seen but not read, each with its reason.
    let skipped = [
        ("target", "format"),
        ("label", "template parts"),
        ("since", "not of the field's type"),
        ("copy", "names of the page's fields"),
        ("style", "examples"),
        ("shape", "several lists"),
    ];
    for (name, why) in skipped {
        assert!(param(&s, name).values.is_empty(), "{name}");
        assert_eq!(prose_skip(&s, name), Some(why), "{name}");
    }
    // An object's list names its keys: neither values nor a diagnostic.
    assert!(param(&s, "extra").values.is_empty());
    assert_eq!(prose_skip(&s, "extra"), None);
}

#[test]
fn method_identity() {
    // Named mid-sentence in the title.
    assert_eq!(spec("title-mid-sentence.html").method, "rpa.item.get");
    // The title's typo loses to the method the examples call, with a diagnostic.
    let typo = spec("title-typo.html");
    assert_eq!(typo.method, "department.delete");
    assert!(has_diag(&typo, DiagnosticKind::TitleContradicted, "method"));
    // No method in the title: the call that reads like the file name.
    assert_eq!(spec("crm-item-fields.html").method, "crm.item.fields");
    // A change log that mentions a family of methods documents none.
    assert!(outcome("changelog.html").spec.is_none());
}

#[test]
fn result_shapes_follow_the_example() {
    let s = spec("result-shapes.html");
    let result = s.result.as_ref().expect("result");
    // The wrapper key is kept; the table's fields sit inside it.
    assert_eq!(names(&result.fields), ["booking"]);
    let booking = &result.fields[0];
    assert_eq!(
        names(&booking.fields),
        ["id", "name", "UF_CRM_...", "attachments"]
    );
    // The placeholder key is a pattern, not a literal name.
    assert_eq!(booking.fields[2].pattern.as_deref(), Some("UF_CRM_*"));
    // Attachments keyed by ID: a map of the documented item.
    let attachments = &booking.fields[3];
    assert_eq!(names(&attachments.fields), ["<key>"]);
    assert_eq!(attachments.fields[0].pattern.as_deref(), Some("*"));
    assert_eq!(
        names(&attachments.fields[0].fields),
        ["attachmentId", "fileId"]
    );
    assert!(has_diag(&s, DiagnosticKind::ShapeFromExample, "result"));
    // A Y/N pair written in prose is a boolean spelled Y/N.
    let flags = param(&s, "withFlags");
    assert_eq!(flags.ty, Type::Scalar(Scalar::Boolean));
    assert_eq!(flags.values, ["Y", "N"]);

    // A map keyed by user ID of lists of the documented item.
    let s = spec("result-keyed-map.html");
    let result = s.result.as_ref().expect("result");
    assert_eq!(names(&result.fields), ["<key>"]);
    assert_eq!(
        result.fields[0].ty,
        Type::Array(Box::new(Type::Object)),
        "each value is a list"
    );
    assert_eq!(names(&result.fields[0].fields), ["ID", "DATE_FROM"]);
}

#[test]
fn every_fixture_is_listed() {
    let mut listed: Vec<&str> = METHOD_PAGES.iter().map(|(_, f)| *f).collect();
    listed.extend(NON_METHOD_PAGES);
    listed.sort_unstable();
    let mut on_disk: Vec<String> = fs::read_dir(pages_dir())
        .expect("fixtures folder")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".html"))
        .collect();
    on_disk.sort_unstable();
    assert_eq!(listed, on_disk);
}

#[test]
fn system_errors_table() {
    let out = outcome("landing-role-set-rights.html");
    let got: Vec<(Option<&str>, Option<u16>)> = out
        .system_errors
        .iter()
        .map(|e| (e.code.as_deref(), e.status))
        .collect();
    assert_eq!(
        got,
        [
            (Some("INTERNAL_SERVER_ERROR"), Some(500)),
            (Some("QUERY_LIMIT_EXCEEDED"), Some(503)),
            (Some("expired_token"), Some(401)),
            (Some("insufficient_scope"), Some(403)),
        ]
    );
    // The system errors are not repeated among the method's own errors.
    let spec = out.spec.expect("spec");
    assert!(!codes(&spec.errors).contains(&Some("QUERY_LIMIT_EXCEEDED")));
}

// ------------------------------------------------------------- seed methods

#[test]
fn landing_role_enable_facts() {
    let s = spec("landing-role-enable.html");
    assert_eq!(s.method, "landing.role.enable");
    assert_eq!(s.version, RestVersion::V2);
    assert_eq!(s.scopes, ["landing"]);
    assert_eq!(names(&s.params), ["scope", "mode"]);
    assert_eq!(required(&s.params), ["mode"]);
    assert_eq!(
        param(&s, "scope").values,
        ["GROUP", "KNOWLEDGE", "MAINPAGE"]
    );
    assert_eq!(
        param(&s, "mode").ty,
        Type::Union(vec![scalar(Scalar::Boolean), scalar(Scalar::Integer)])
    );
    // `true` or `1` on one list line: the leading code of each line is taken.
    assert_eq!(param(&s, "mode").values, ["true", "false"]);
    let result = s.result.as_ref().expect("result");
    assert_eq!(result.ty, scalar(Scalar::Boolean));
    assert_eq!(
        codes(&s.errors),
        [
            Some("ACCESS_DENIED"),
            Some("IS_NOT_ADMIN"),
            Some("FEATURE_NOT_AVAIL"),
            Some("MISSING_PARAMS")
        ]
    );
    assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);
}

#[test]
fn landing_role_set_rights_facts() {
    let s = spec("landing-role-set-rights.html");
    assert_eq!(s.method, "landing.role.setRights");
    assert_eq!(names(&s.params), ["scope", "id", "rights", "additional"]);
    assert_eq!(required(&s.params), ["id", "rights"]);
    assert_eq!(
        param(&s, "scope").values,
        ["GROUP", "KNOWLEDGE", "MAINPAGE"]
    );
    assert_eq!(param(&s, "additional").values, ["menu24", "create"]);
    assert_eq!(
        param(&s, "additional").ty,
        Type::Array(Box::new(scalar(Scalar::String)))
    );
    let rights = param(&s, "rights");
    assert_eq!(
        rights.ty,
        Type::Union(vec![Type::Object, Type::Array(Box::new(Type::Any))])
    );
    assert_eq!(names(&rights.fields), ["0", "<siteId>"]);
    assert!(!s.paged);
    assert_eq!(
        codes(&s.errors),
        [
            Some("ACCESS_DENIED"),
            Some("IS_NOT_ADMIN"),
            Some("FEATURE_NOT_AVAIL"),
            Some("MISSING_PARAMS"),
            Some("ROLE_SCOPE_MISMATCH")
        ]
    );
    // The permission-code table ("Code | Description") is a values table in
    // the parameter section, never an error table.
    assert!(!codes(&s.errors).contains(&Some("denied")));
}

#[test]
fn landing_role_get_rights_facts() {
    let s = spec("landing-role-get-rights.html");
    assert_eq!(s.method, "landing.role.getRights");
    assert_eq!(names(&s.params), ["scope", "id"]);
    assert_eq!(required(&s.params), ["id"]);
    let result = s.result.as_ref().expect("result");
    assert_eq!(result.ty, Type::Array(Box::new(Type::Any)));
    assert!(result.required);
    assert_eq!(codes(&s.errors).len(), 5);
}

#[test]
fn documentgenerator_role_fillaccesses_facts() {
    let s = spec("documentgenerator-role-fillaccesses.html");
    assert_eq!(s.method, "documentgenerator.role.fillaccesses");
    // The parameter table sits before any heading: found, and said so.
    assert!(has_diag(&s, DiagnosticKind::GuessedParamsTable, "params"));
    assert_eq!(names(&s.params), ["accesses"]);
    assert_eq!(required(&s.params), Vec::<&str>::new());
    let accesses = param(&s, "accesses");
    assert_eq!(names(&accesses.fields), ["roleId", "accessCode"]);
    assert_eq!(required(&accesses.fields), ["roleId", "accessCode"]);
    // Templates are value patterns, not values.
    assert_eq!(param(&s, "accesses.accessCode").values, ["AU", "UA"]);
    assert_eq!(
        param(&s, "accesses.accessCode").value_patterns,
        ["U*", "G*", "D*", "DR*", "SG*", "SG*_A", "SG*_E", "SG*_K"]
    );
    assert_eq!(s.result.as_ref().map(|r| &r.ty), Some(&Type::Null));
    let errors: Vec<(Option<&str>, Option<u16>)> = s
        .errors
        .iter()
        .map(|e| (e.code.as_deref(), e.status))
        .collect();
    // Two rows share (code, status): kept once.
    assert_eq!(
        errors,
        [
            (Some("BX_EMPTY_REQUIRED"), Some(400)),
            (Some("0"), Some(400)),
            (Some("DOCGEN_ACCESS_ERROR"), Some(403)),
        ]
    );
}

#[test]
fn documentgenerator_role_update_facts() {
    let s = spec("documentgenerator-role-update.html");
    assert_eq!(s.method, "documentgenerator.role.update");
    assert_eq!(required(&s.params), ["id", "fields"]);
    assert_eq!(
        names(&param(&s, "fields").fields),
        ["name", "code", "permissions"]
    );
    // A bare list of codes without a "possible values" marker is no value list.
    assert!(param(&s, "fields.permissions").values.is_empty());
    assert_eq!(
        names(&param(&s, "fields.permissions").fields),
        ["SETTINGS", "TEMPLATES", "DOCUMENTS"]
    );
    assert_eq!(
        param(&s, "fields.permissions.TEMPLATES.MODIFY").values,
        ["", "A", "D", "X"],
        "`\"\"` is the empty string"
    );
    assert_eq!(
        names(&param(&s, "fields.permissions.DOCUMENTS").fields),
        ["MODIFY", "VIEW"]
    );
    let result = s.result.as_ref().expect("result");
    assert_eq!(names(&result.fields), ["role"]);
    assert_eq!(
        names(&result.fields[0].fields),
        ["id", "name", "code", "permissions"]
    );
    let errors: Vec<(Option<&str>, Option<u16>)> = s
        .errors
        .iter()
        .map(|e| (e.code.as_deref(), e.status))
        .collect();
    assert_eq!(
        errors,
        [
            (Some("100"), Some(400)),
            (Some("0"), Some(400)),
            (Some("DOCGEN_ACCESS_ERROR"), Some(403)),
        ]
    );
}

// ------------------------------------------------------------- variants

#[test]
fn nested_sub_tables_three_levels() {
    let s = spec("nested-three-levels.html");
    assert_eq!(s.method, "call.followup.list");
    assert_eq!(s.version, RestVersion::V3, "REST 3.0 note in the intro");
    assert_eq!(required(&s.params), ["filter"]);
    // Marked required on the page, but a filter's fields never are.
    assert!(required(&param(&s, "filter.startDate").fields).is_empty());
    assert!(has_diag(
        &s,
        DiagnosticKind::NotRequired,
        "params.filter.startDate.from"
    ));
    let leaf = param(&s, "pagination.afterCursor.startDate");
    assert!(leaf.required);
    assert_eq!(leaf.ty, scalar(Scalar::String));
    assert_eq!(
        names(&param(&s, "pagination.afterCursor").fields),
        ["startDate", "id"]
    );
    assert_eq!(param(&s, "mentionFormat").values, ["bb", "html", "none"]);
    let result = s.result.as_ref().expect("result");
    assert_eq!(names(&result.fields), ["items", "hasMore"]);
    assert_eq!(names(&result.fields[0].fields), ["callId"]);
    assert_eq!(xtask::spec::count_fields(&s.params), 12);
}

#[test]
fn sub_table_named_by_heading_only() {
    let s = spec("parameter-fields-heading.html");
    let fields = param(&s, "fields");
    assert_eq!(names(&fields.fields), ["name", "code", "permissions"]);
    assert_eq!(required(&fields.fields), ["name"]);
}

#[test]
fn allowed_value_forms() {
    let s = spec("allowed-values.html");
    assert_eq!(
        param(&s, "USER_TYPE_ID").values,
        ["string", "integer", "double", "boolean", "datetime"],
        "<br>-separated"
    );
    assert_eq!(
        param(&s, "MANDATORY").values,
        ["Y", "N"],
        "on the marker line"
    );
    assert_eq!(
        param(&s, "SHOW_FILTER").values,
        ["N", "I", "E", "S"],
        "<ul>"
    );
    assert_eq!(
        param(&s, "DISPLAY").values,
        ["LIST", "UI", "CHECKBOX", "DIALOG"],
        "anchor-linked Value | Description table"
    );
    assert!(param(&s, "LABEL").values.is_empty());
    // A Y/N `char` is the boolean it stands for, spelled Y/N on the wire.
    assert_eq!(param(&s, "MANDATORY").ty, scalar(Scalar::Boolean));
    assert_eq!(param(&s, "MANDATORY").values, ["Y", "N"]);
}

#[test]
fn union_and_reference_types() {
    let s = spec("union-types.html");
    let ty = |name: &str| param(&s, name).ty.clone();
    assert_eq!(
        ty("title"),
        Type::Union(vec![scalar(Scalar::String), Type::Null])
    );
    assert_eq!(
        ty("flag"),
        Type::Union(vec![scalar(Scalar::Integer), scalar(Scalar::Boolean)]),
        "a type split over two lines"
    );
    assert_eq!(ty("entity"), Type::Object, "undefined | object");
    assert_eq!(ty("contacts").to_string(), "crm_contact[]");
    assert_eq!(ty("orderId").to_string(), "sale_order.id");
    assert_eq!(ty("when").to_string(), "date | datetime | null");
    assert_eq!(ty("anything"), Type::Any);
    assert!(!s
        .diagnostics
        .iter()
        .any(|d| d.kind == DiagnosticKind::UnknownType));
    assert_eq!(
        s.result.as_ref().map(|r| r.ty.to_string()).as_deref(),
        Some("object | null")
    );
}

#[test]
fn method_without_parameters() {
    let s = spec("no-params.html");
    assert_eq!(s.method, "user.current");
    assert!(s.params.is_empty());
    assert!(!has_diag(&s, DiagnosticKind::NoParamsSection, "params"));
    assert_eq!(s.scopes, ["user", "user_brief", "user_basic"]);
    assert_eq!(
        s.result.as_ref().map(|r| r.ty.to_string()).as_deref(),
        Some("user")
    );
}

#[test]
fn headerless_parameter_table() {
    let s = spec("headerless-table.html");
    assert_eq!(names(&s.params), ["CHAT_ID", "USER_ID"]);
    assert_eq!(required(&s.params), ["CHAT_ID"]);
    assert!(has_diag(&s, DiagnosticKind::HeaderlessTable, "params"));
}

#[test]
fn paged_list_facts() {
    let s = spec("paged-list.html");
    assert!(s.paged);
    assert_eq!(names(&s.params), ["select", "filter", "order", "start"]);
    let result = s.result.as_ref().expect("result");
    assert_eq!(result.ty.to_string(), "crm_deal[]");
    // Not paged: no `start` and no `total`/`next`.
    assert!(!spec("landing-role-get-rights.html").paged);
}

#[test]
fn error_table_layouts() {
    let two = spec("errors-two-column.html");
    let got: Vec<(Option<&str>, Option<&str>, Option<u16>)> = two
        .errors
        .iter()
        .map(|e| (e.code.as_deref(), e.message.as_deref(), e.status))
        .collect();
    assert_eq!(
        got,
        [
            (Some("ERROR_NOT_FOUND"), None, None),
            (None, Some("File is locked"), None),
            (Some("ACCESS_DENIED"), None, None),
            (Some("WRONG_ID"), None, None),
        ],
        "Code | Description with a `-` row (its prose description is no message: dropped) \
         and a message row, then Code | Error Message | Description"
    );
    assert!(has_diag(&two, DiagnosticKind::ErrorWithoutCode, "errors"));

    let four = spec("errors-four-column.html");
    let got: Vec<(Option<&str>, Option<u16>)> = four
        .errors
        .iter()
        .map(|e| (e.code.as_deref(), e.status))
        .collect();
    assert_eq!(
        got,
        [
            (None, Some(400)),
            (Some("200040300010"), Some(400)),
            (Some("200040300020"), Some(403)),
            (Some("0"), Some(400)),
        ],
        "Status | Code | Description | Value with an \"Empty value\" code"
    );
    // The description beside an "Empty value" code is the server's message.
    assert_eq!(
        four.errors[0].message.as_deref(),
        Some("productProperty does not exist")
    );
    assert!(!has_diag(&four, DiagnosticKind::ErrorWithoutCode, "errors"));
}

#[test]
fn rest_3_page() {
    let s = spec("rest3.html");
    assert_eq!(s.method, "tasks.task.get");
    assert_eq!(s.version, RestVersion::V3);
    assert_eq!(s.rel_path(), "tasks/tasks.task.get@v3.json");
    assert_eq!(required(&s.params), ["id"]);
    assert_eq!(spec("landing-role-enable.html").version, RestVersion::V2);
}

#[test]
fn deprecated_by_note_or_folder() {
    let s = spec("deprecated.html");
    assert!(s.deprecated);
    assert!(s.params.is_empty());
    assert!(!spec("no-params.html").deprecated);
    // A page in an `outdated` folder is deprecated whatever it says.
    let html = read("no-params.html");
    let moved = extract::extract("api-reference/outdated/user-current.html", &html)
        .spec
        .expect("spec");
    assert!(moved.deprecated);
    assert_eq!(
        moved.url,
        "https://apidocs.bitrix24.com/api-reference/outdated/user-current.html"
    );
}

#[test]
fn result_inferred_from_example() {
    let s = spec("result-from-example.html");
    assert!(has_diag(&s, DiagnosticKind::ResultFromExample, "result"));
    let result = s.result.as_ref().expect("result");
    assert_eq!(result.ty, Type::Object);
    let got: Vec<(&str, String)> = result
        .fields
        .iter()
        .map(|f| (f.name.as_str(), f.ty.to_string()))
        .collect();
    assert_eq!(
        got,
        [
            ("a", "string".to_string()),
            ("n", "integer".to_string()),
            ("ratio", "double".to_string()),
            ("flag", "boolean".to_string()),
            ("list", "object[]".to_string()),
            ("empty", "array".to_string()),
            ("none", "any".to_string()),
        ]
    );
    assert_eq!(names(&result.fields[4].fields), ["x"]);
}

/// An example that is not valid JSON (an unescaped backslash, `...` in
/// place of a value and of an element, a comment, a line of words, trailing
/// and missing commas) is still read, and says what was repaired.
#[test]
fn invalid_example_json_is_repaired() {
    let s = spec("example-repaired.html");
    assert!(!has_diag(&s, DiagnosticKind::InvalidExampleJson, "result"));
    let d = s
        .diagnostics
        .iter()
        .find(|d| d.kind == DiagnosticKind::RepairedExampleJson)
        .expect("repaired_example_json");
    assert_eq!(d.at, "result");
    assert_eq!(
        d.detail,
        "bad_escape, comment, elision, missing_comma, trailing_comma"
    );
    let result = s.result.as_ref().expect("result");
    assert_eq!(result.ty, Type::Array(Box::new(Type::Object)));
    assert_eq!(names(&result.fields), ["ID", "HANDLER", "TAGS"]);
    assert!(s.paged);
}

/// A `*.fields` method with no example answers with a map from field name
/// to descriptor by rule; its table ("Title `type`" header, under "Returned
/// Fields") lists the entity's own fields and registers the entity.
#[test]
fn fields_method_without_example_is_a_descriptor_map() {
    let out = outcome("fields-no-example.html");
    let s = out.spec.as_ref().expect("spec");
    let result = s.result.as_ref().expect("result");
    assert_eq!(result.ty, Type::Object);
    let [item] = result.fields.as_slice() else {
        panic!("one pattern field: {:?}", result.fields)
    };
    assert_eq!(item.pattern.as_deref(), Some("*"));
    assert_eq!(
        names(&item.fields),
        [
            "type",
            "isRequired",
            "isReadOnly",
            "isImmutable",
            "isMultiple",
            "isDynamic",
            "title"
        ]
    );
    let [entity] = out.entities.as_slice() else {
        panic!("one entity: {:?}", out.entities)
    };
    assert_eq!(entity.name, "gadget.item");
    assert_eq!(names(&entity.fields), ["ID", "NAME"]);
    assert!(
        s.diagnostics
            .iter()
            .any(|d| d.kind == DiagnosticKind::DescriptorMap
                && d.detail == "standard descriptor keys")
    );
}

/// No parameter table: the parameters are the keys the cURL examples send
/// (`auth` aside), typed from the values, none required; a `filter` keeps
/// none of the example's keys.
#[test]
fn params_from_request_examples() {
    let s = spec("params-from-request.html");
    assert_eq!(names(&s.params), ["mode", "filter"]);
    assert_eq!(param(&s, "mode").ty, scalar(Scalar::Integer));
    assert_eq!(param(&s, "filter").ty, Type::Object);
    // No key of the example (`>ID`): only the filter's own key pattern.
    assert!(param(&s, "filter")
        .fields
        .iter()
        .all(|f| f.pattern.is_some()));
    assert!(required(&s.params).is_empty());
    let d = s
        .diagnostics
        .iter()
        .find(|d| d.kind == DiagnosticKind::ParamsFromExample)
        .expect("params_from_example");
    assert_eq!(
        (d.at.as_str(), d.detail.as_str()),
        ("params", "mode, filter")
    );
}

/// A field of a `filter` is never required; "at least one of `A` or `B`"
/// makes neither required; both are diagnosed.
#[test]
fn filter_fields_and_one_of_are_not_required() {
    let s = spec("params-one-of-filter.html");
    assert_eq!(required(&s.params), ["SECTION"]);
    assert!(!param(&s, "filter.STATE").required);
    assert!(has_diag(
        &s,
        DiagnosticKind::NotRequired,
        "params.filter.STATE"
    ));
    for p in ["params.BLOCK_ID", "params.BLOCK_CODE"] {
        let d = s
            .diagnostics
            .iter()
            .find(|d| d.kind == DiagnosticKind::NotRequired && d.at == p)
            .expect(p);
        assert_eq!(d.detail, "one of BLOCK_ID, BLOCK_CODE");
    }
}

/// A table under the parameters heading is the parameter table whatever
/// its header says ("Method"), with a diagnostic.
#[test]
fn parameter_table_with_a_method_header() {
    let s = spec("params-method-header.html");
    assert_eq!(names(&s.params), ["lid", "selector"]);
    assert_eq!(required(&s.params), ["lid", "selector"]);
    assert_eq!(param(&s, "lid").ty, scalar(Scalar::Integer));
    assert!(s
        .diagnostics
        .iter()
        .any(|d| d.kind == DiagnosticKind::GuessedParamsTable && d.detail == "header method"));
}

#[test]
fn unknown_type_is_kept_as_reference() {
    let s = spec("unknown-type.html");
    assert_eq!(param(&s, "action").ty.to_string(), "ActionDto");
    assert_eq!(param(&s, "actions").ty.to_string(), "ActionDto[]");
    let unknown: Vec<(&str, &str)> = s
        .diagnostics
        .iter()
        .filter(|d| d.kind == DiagnosticKind::UnknownType)
        .map(|d| (d.at.as_str(), d.detail.as_str()))
        .collect();
    assert_eq!(
        unknown,
        [
            ("params.action", "ActionDto"),
            ("params.actions", "ActionDto")
        ]
    );
}

#[test]
fn unresolved_anchor_is_a_diagnostic() {
    let s = spec("unresolved-anchor.html");
    let fields = param(&s, "FIELDS");
    assert!(fields.fields.is_empty());
    assert!(fields.required);
    assert!(s
        .diagnostics
        .iter()
        .any(|d| d.kind == DiagnosticKind::UnresolvedAnchor
            && d.at == "params.FIELDS"
            && d.detail == "no-such-table"));
}

#[test]
fn parameter_table_before_any_heading() {
    let s = spec("table-before-heading.html");
    assert_eq!(required(&s.params), ["GROUP_ID", "USER_ID"]);
    assert_eq!(param(&s, "USER_ID").ty.to_string(), "integer | integer[]");
    assert!(has_diag(&s, DiagnosticKind::GuessedParamsTable, "params"));
}

#[test]
fn non_method_pages_give_no_spec() {
    for file in NON_METHOD_PAGES {
        let out = outcome(file);
        assert!(out.spec.is_none(), "{file}: {:?}", out.spec);
        assert!(out.system_errors.is_empty(), "{file}");
    }
}

#[test]
fn truncated_page_keeps_what_it_read() {
    let s = spec("truncated.html");
    assert_eq!(s.method, "landing.role.getList");
    assert_eq!(names(&s.params), ["params"]);
    assert!(has_diag(&s, DiagnosticKind::NoResult, "result"));
}

#[test]
fn odd_input_never_panics() {
    let mut inputs: Vec<String> = vec![
        String::new(),
        "<".into(),
        "<title>".into(),
        "<title>a.b</title>".into(),
        "<title>x a.b</title><main><table><tr></tr><tr><td></td></tr></table>".into(),
        "<title>x a.b</title><main><h2 id=\"p\">Parameters</h2><table><tr><td><p><strong>Name</strong></p></td></tr><tr><td><p><strong>x</strong><br><a href=\"#p\"><code>object</code></a></p></td><td><a href=\"#p\">self</a></td></tr></table>".into(),
        String::from_utf8_lossy(&(0u8..=255).cycle().take(4096).collect::<Vec<u8>>()).into_owned(),
    ];
    // Every prefix of a real-shaped page.
    let page = read("documentgenerator-role-update.html");
    let mut cut = 0;
    while cut < page.len() {
        if page.is_char_boundary(cut) {
            inputs.push(page[..cut].to_string());
        }
        cut += 97;
    }
    for html in &inputs {
        let _ = extract::extract("x/y.html", html);
    }
}

// ------------------------------------------------------------- determinism

fn fixture_pages() -> Vec<Page> {
    source::read_html_dir(&pages_dir()).expect("fixture pages")
}

#[test]
fn extraction_is_deterministic() {
    for (_, file) in METHOD_PAGES {
        let a = to_pretty_json(&spec(file));
        let b = to_pretty_json(&spec(file));
        assert_eq!(a, b, "{file}");
    }
    let pages = fixture_pages();
    assert_eq!(pages.len(), METHOD_PAGES.len() + NON_METHOD_PAGES.len());
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool");
        let ex = pool.install(|| regen::extract_pages(&pages, &ProgressBar::hidden()));
        (regen::spec_tree(&ex), ex)
    };
    let (serial, ex1) = run(1);
    let (parallel, ex4) = run(4);
    assert_eq!(serial, parallel);
    assert_eq!(ex1.stats, ex4.stats);
    assert_eq!(ex1.stats.pages, pages.len());
    assert_eq!(ex1.stats.method_pages, METHOD_PAGES.len());
    assert_eq!(ex1.stats.duplicate_pages, 0);

    // Page by page, then resolved across pages (the whole run's last
    // stage), the same specs as the whole run.
    let outcomes: Vec<_> = pages
        .iter()
        .map(|p| extract::extract(&p.rel, &p.html))
        .collect();
    let entities: Vec<_> = outcomes.iter().flat_map(|o| o.entities.clone()).collect();
    let one_by_one: Vec<MethodSpec> = outcomes.into_iter().filter_map(|o| o.spec).collect();
    let resolved = xtask::resolve::resolve(one_by_one, Vec::new(), &entities, xtask::spec::SITE);
    assert_eq!(resolved.specs, ex1.specs);
    // The system errors come from the pages that carry the table.
    assert_eq!(
        codes(&ex1.system.errors),
        [
            Some("INTERNAL_SERVER_ERROR"),
            Some("QUERY_LIMIT_EXCEEDED"),
            Some("expired_token"),
            Some("insufficient_scope")
        ]
    );
}

// ------------------------------------------------------------- regen to disk

#[test]
fn regen_to_tempdir() {
    let pages = fixture_pages();
    let ex = regen::extract_pages(&pages, &ProgressBar::hidden());
    let tree = regen::spec_tree(&ex);
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();

    let first = output::sync(root, &tree, spec_io::is_spec_file, false).expect("first sync");
    assert_eq!(first.len(), tree.len());
    assert!(first.iter().all(|c| matches!(c, Change::Added(_))));
    for (rel, content) in &tree {
        let on_disk = fs::read_to_string(root.join(rel)).expect("written spec");
        assert_eq!(&on_disk, content);
        assert!(on_disk.ends_with("}\n"), "{}", rel.display());
    }
    assert!(root.join("landing/landing.role.setRights.json").is_file());
    assert!(root.join("tasks/tasks.task.get@v3.json").is_file());
    assert!(root.join(spec_io::SYSTEM_ERRORS_FILE).is_file());

    // A second run changes nothing.
    let second = output::sync(root, &tree, spec_io::is_spec_file, false).expect("second sync");
    assert!(second.is_empty(), "{second:?}");

    // A stale spec is removed with its empty folder; other files stay.
    fs::create_dir_all(root.join("gone")).expect("mkdir");
    fs::write(root.join("gone/gone.method.json"), "{}\n").expect("write");
    fs::write(root.join("README.md"), "not a spec\n").expect("write");
    let third = output::sync(root, &tree, spec_io::is_spec_file, false).expect("third sync");
    assert_eq!(
        third,
        [Change::Removed(PathBuf::from("gone/gone.method.json"))]
    );
    assert!(!root.join("gone").exists());
    assert!(root.join("README.md").is_file());

    // Check mode reports and writes nothing.
    let changed = root.join("landing/landing.role.enable.json");
    fs::write(&changed, "edited\n").expect("write");
    let removed = root.join("crm/crm.deal.list.json");
    fs::remove_file(&removed).expect("remove");
    fs::write(root.join("stale.json"), "{}\n").expect("write");
    let check = output::sync(root, &tree, spec_io::is_spec_file, true).expect("check");
    assert_eq!(
        check,
        [
            Change::Added(PathBuf::from("crm/crm.deal.list.json")),
            Change::Changed(PathBuf::from("landing/landing.role.enable.json")),
            Change::Removed(PathBuf::from("stale.json")),
        ]
    );
    assert_eq!(fs::read_to_string(&changed).expect("read"), "edited\n");
    assert!(!removed.exists());
    assert!(root.join("stale.json").exists());
    // No temp files left behind by the atomic writes.
    let leftovers =
        output::list_files(root, &|p: &Path| p.to_string_lossy().contains(".tmp")).expect("list");
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn missing_docs_folder_is_an_error_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("no-such-docs/html");
    let err = source::read_html_dir(&missing).expect_err("missing folder");
    let msg = format!("{err:#}");
    assert!(
        msg.contains(&missing.display().to_string()),
        "message does not name the path: {msg}"
    );
}

#[test]
fn unreadable_page_is_an_error_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad.html");
    fs::write(&bad, [0xff, 0xfe, 0x00, 0xc3]).expect("write");
    let err = source::read_html_dir(dir.path()).expect_err("invalid UTF-8");
    let msg = format!("{err:#}");
    assert!(msg.contains(&bad.display().to_string()), "{msg}");
}

/// Pages that link to each other: a method whose result is described by a
/// link to a fields page, a fields page whose answer is a descriptor map,
/// and a data-types entry named as a type.
fn linked_pages() -> Vec<Page> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/linked");
    [
        "crm-gadget-get.html",
        "crm-gadget-list.html",
        "crm-thing-fields.html",
        "crm-thing-get.html",
        "crm-thing-list.html",
        "crm-widget-fields.html",
        "crm-widget-get.html",
        "data-types.html",
    ]
    .iter()
    .map(|f| Page {
        rel: format!("api-reference/crm/{f}"),
        html: fs::read_to_string(dir.join(f)).expect("linked fixture"),
    })
    .collect()
}

#[test]
fn entities_are_linked_across_pages() {
    let ex = regen::extract_pages(&linked_pages(), &ProgressBar::hidden());
    let get = ex
        .specs
        .iter()
        .find(|s| s.method == "crm.thing.get")
        .expect("crm.thing.get");
    let result = get.result.as_ref().expect("result");
    // The result takes the entity's fields and types from the fields page,
    // not from the example (which would make `ID` a number and nothing more).
    assert_eq!(result.entity.as_deref(), Some("crm.thing"));
    assert_eq!(names(&result.fields), ["ID", "TITLE", "ROWS"]);
    assert!(!has_diag(
        get,
        DiagnosticKind::ResultFromExample,
        "result.fields"
    ));
    // A type naming a data-types entry takes that entry's fields.
    let rows = &result.fields[2];
    assert_eq!(rows.entity.as_deref(), Some("crm_thing_row"));
    assert_eq!(names(&rows.fields), ["PRICE", "STATUS_ID"]);

    // The fields page answers with a map of descriptors.
    let fields = ex
        .specs
        .iter()
        .find(|s| s.method == "crm.thing.fields")
        .expect("crm.thing.fields");
    let result = fields.result.as_ref().expect("result");
    assert_eq!(names(&result.fields), ["<field>"]);
    assert_eq!(result.fields[0].pattern.as_deref(), Some("*"));
    assert_eq!(
        names(&result.fields[0].fields),
        ["type", "isRequired", "isReadOnly", "title"]
    );
    assert!(has_diag(fields, DiagnosticKind::DescriptorMap, "result"));
}

fn spec_of<'e>(ex: &'e regen::Extraction, method: &str) -> &'e MethodSpec {
    ex.specs
        .iter()
        .find(|s| s.method == method)
        .unwrap_or_else(|| panic!("no spec for {method}"))
}

#[test]
fn a_list_takes_the_entity_its_get_documents() {
    let ex = regen::extract_pages(&linked_pages(), &ProgressBar::hidden());
    // `gadget[]` linked to the table on the get page: one entity for both.
    let get = spec_of(&ex, "crm.gadget.get");
    let list = spec_of(&ex, "crm.gadget.list");
    let one = get.result.as_ref().expect("get result");
    let many = list.result.as_ref().expect("list result");
    assert_eq!(one.entity.as_deref(), Some("crm.gadget"));
    assert_eq!(many.entity.as_deref(), Some("crm.gadget"));
    assert!(many.ty.is_array_like());
    assert_eq!(
        names(&many.fields),
        ["ID", "TITLE", "OPENED", "DATE_CREATE"]
    );
    assert_eq!(one.fields, many.fields);
    // The table types them, not the example's strings.
    assert_eq!(many.fields[0].ty, Type::parse("integer").ty);
    assert!(!has_diag(
        list,
        DiagnosticKind::ResultFromExample,
        "result.fields"
    ));
    // A key the example shows and the table does not is named, not added.
    let outside: Vec<&str> = get
        .diagnostics
        .iter()
        .filter(|d| d.kind == DiagnosticKind::ExampleKeysOutsideTable)
        .map(|d| d.detail.as_str())
        .collect();
    assert_eq!(outside, ["LEGACY_CODE"]);

    // A list whose page types it by its example only takes the entity its
    // namespace documents (`crm.thing.get`, linked to the fields page).
    let things = spec_of(&ex, "crm.thing.list");
    let r = things.result.as_ref().expect("list result");
    assert_eq!(r.entity.as_deref(), Some("crm.thing"));
    assert_eq!(names(&r.fields), ["ID", "TITLE", "ROWS"]);
    assert!(has_diag(
        things,
        DiagnosticKind::EntityFromNamespace,
        "result"
    ));
    assert!(!has_diag(
        things,
        DiagnosticKind::ResultFromExample,
        "result.fields"
    ));
}

#[test]
fn a_lone_result_key_is_spelled_as_the_example_spells_it() {
    let html = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/pages/result-key-from-example.html"),
    )
    .expect("fixture");
    let spec = extract::extract("api-reference/sale/result-key-from-example.html", &html)
        .spec
        .expect("a method page");
    let result = spec.result.as_ref().expect("result");
    assert_eq!(names(&result.fields), ["parcel"]);
    assert!(has_diag(
        &spec,
        DiagnosticKind::KeyFromExample,
        "result.item"
    ));
}
