//! The spec: one REST method described as data.
//!
//! This is the contract between extraction and code generation, and the thing
//! maintainers read in pull requests. It holds facts only (names, types,
//! required marks, allowed values, error codes, statuses, the page URL) and no
//! prose from the docs. Field order here is the key order in the JSON files.

use serde::{Deserialize, Serialize};

pub mod io;
pub mod naming;
pub mod types;

use types::Type;

/// The base of the published English docs site; a page `X.html` is at
/// `SITE/X.html` (`extract::Lang::site` for each language).
pub const SITE: &str = "https://apidocs.bitrix24.com/";

/// REST API generation a method belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RestVersion {
    /// The classic REST API (`/rest/<method>.json`).
    #[serde(rename = "2")]
    V2,
    /// REST 3.0 (`/rest/api/<method>`).
    #[serde(rename = "3")]
    V3,
}

/// One REST method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MethodSpec {
    /// Wire name, e.g. `landing.role.setRights`.
    pub method: String,
    /// REST API generation.
    pub version: RestVersion,
    /// Permission scopes as the page lists them (may be empty).
    pub scopes: Vec<String>,
    /// The page on the published docs site.
    pub url: String,
    /// The page sits in an outdated/deprecated folder or carries a deprecation note.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deprecated: bool,
    /// The method returns pages of a list (`start`, `next`, `total`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub paged: bool,
    /// Top-level parameters in the docs' order.
    pub params: Vec<Field>,
    /// The `result` of a successful call, when the page describes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Field>,
    /// Documented method-specific errors, in the docs' order.
    pub errors: Vec<ErrorSpec>,
    /// What the page did not say clearly, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<Diagnostic>,
    /// The `result` of each of the page's example responses, in page order.
    /// Read by the completion step of regen (`complete.rs`), never written
    /// to a spec.
    #[serde(skip)]
    pub examples: Vec<serde_json::Value>,
    /// The JSON bodies of the page's cURL examples, read by the same step
    /// for the shape of `array` parameters; never written to a spec.
    #[serde(skip)]
    pub bodies: Vec<serde_json::Value>,
}

/// A parameter, a result, or a field of a nested object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// Wire name exactly as documented.
    pub name: String,
    /// Marked as required.
    pub required: bool,
    /// The parsed type.
    #[serde(rename = "type")]
    pub ty: Type,
    /// The key pattern the name stands for, when it is a placeholder rather
    /// than a literal key (`UF_CRM_*` for `UF_CRM_...`, `*` for `<siteId>`):
    /// a glob in which `*` is any run of characters. Every key of the object
    /// that matches it is one entry of this field (`naming::key_pattern`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Allowed values, when the docs list them. On a `boolean`, `["Y", "N"]`
    /// says the wire spells it `Y`/`N` (true first).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// Templates of allowed values (`U{id}` → `U*`, `SG{id}_K` → `SG*_K`),
    /// as globs: values of that shape, not literal values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub value_patterns: Vec<String>,
    /// The documented entity whose fields these are (`crm.company`, a
    /// data-types entry such as `sale_basket_item`), when the docs describe
    /// the object by a link to its fields page or by a type name: the
    /// fields below are that entity's, the same wherever it is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<String>,
    /// Where the docs send the reader for this object's fields: a page (and
    /// anchor) path below the docs root. Read by the linking step of regen,
    /// never written to a spec.
    #[serde(skip)]
    pub link: Option<String>,
    /// Fields of the object this type contains (for `object`, `object[]`, ...),
    /// from the sub-table the docs link to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Field>,
    /// Read off the page's example response, not off a table: a key the
    /// example shows where the docs describe no such field (`complete.rs`).
    /// Its type is what the example's value is; the generated decoder keeps
    /// a value of another type in `extra` instead of failing.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub from_example: bool,
    /// How the page's cURL examples send this parameter where that is not
    /// the JSON kind of its type (`complete::php_array`): the Rust type
    /// stays what the docs say, the generated `Serialize` sends it this way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wire: Option<Wire>,
}

/// The JSON kind the docs' examples send a parameter as (`Field::wire`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Wire {
    /// An `integer` sent as its decimal text (`"5"`); a `boolean` sent as
    /// `"true"`/`"false"`.
    String,
    /// A `string` (or listed values) sent as a number where it holds an
    /// integer's text (`5`, not `"5"`); a `boolean` sent as `1`/`0`.
    Number,
    /// A `boolean` with listed values other than `Y`/`N` (`true`, `0`) that
    /// the examples send as JSON `true`/`false`.
    Boolean,
}

impl std::fmt::Display for Wire {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Wire::String => "string",
            Wire::Number => "number",
            Wire::Boolean => "boolean",
        })
    }
}

impl Field {
    /// An optional field with a name and a type and nothing else: no
    /// pattern, values, entity or fields (set them with struct update).
    pub fn new(name: impl Into<String>, ty: Type) -> Field {
        Field {
            name: name.into(),
            required: false,
            ty,
            pattern: None,
            values: Vec::new(),
            value_patterns: Vec::new(),
            entity: None,
            link: None,
            fields: Vec::new(),
            from_example: false,
            wire: None,
        }
    }
}

/// A documented error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorSpec {
    /// The error code; `None` where the docs give an empty value, or where
    /// the server sends an empty `error` and only a message.
    pub code: Option<String>,
    /// The literal `error_description` the server sends, for errors the
    /// docs identify by message rather than code (older CRM methods).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// HTTP status, where given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The parameter or field the error is about, where the docs key the
    /// error by field (REST 3.0 "Field | Error description" tables).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// The errors any method can return, kept once for all methods.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemErrors {
    /// The page the table was read from.
    pub url: String,
    /// The errors, in the docs' order.
    pub errors: Vec<ErrorSpec>,
}

/// Something the extractor had to guess or could not read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Diagnostic {
    /// What kind of gap this is.
    pub kind: DiagnosticKind,
    /// Where: a field path such as `params.fields.TITLE`, or a section name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub at: String,
    /// A fact that explains it (a type name, an anchor), never docs prose.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

/// Kinds of diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiagnosticKind {
    /// A type name outside the docs' vocabulary, kept as a reference.
    UnknownType,
    /// A parameter or field row with no type.
    MissingType,
    /// A parameter table found without the usual heading.
    GuessedParamsTable,
    /// No parameter section; the method is taken to have no parameters.
    NoParamsSection,
    /// No returned-data table; the result type comes from the example response.
    ResultFromExample,
    /// Neither a returned-data table nor an example response.
    NoResult,
    /// A link to a sub-table whose anchor is not on the page.
    UnresolvedAnchor,
    /// A documented error with an empty code.
    ErrorWithoutCode,
    /// A value list the docs give for a placeholder of a documented format
    /// ("possible values for `field`": keys, or the values of a map's
    /// entries), not for the field itself: not read as its values. The
    /// detail names the placeholder.
    ValuesOfPlaceholder,
    /// An example response that is not valid JSON.
    InvalidExampleJson,
    /// An example response that is not valid JSON but was read after a
    /// repair (`extract::lenient`); `detail` names the repairs made
    /// (`comment`, `elision`, `trailing_comma`, ...).
    RepairedExampleJson,
    /// No parameter table: the parameters are the keys the page's request
    /// examples send (cURL `-d` bodies), typed from their values, none
    /// required; `detail` lists them.
    ParamsFromExample,
    /// A field marked required that is not: it sits in a `filter` or
    /// `order` object (`detail`: that object), or the page says one of
    /// several is required (`detail`: `one of A, B`).
    NotRequired,
    /// A table row that could not be read.
    UnreadableRow,
    /// A sub-table linked in a cycle; nesting stopped there.
    RecursiveType,
    /// A parameter table with no header row.
    HeaderlessTable,
    /// The page's own example contradicts what it documents (a required
    /// field left out or `null`, an object where a scalar is documented).
    ExampleContradicts,
    /// Another page documents the same method; `detail` is its path.
    DuplicatePage,
    /// The title names another method than the one the page's examples
    /// call (a typo); the called name is taken, `detail` is the title's.
    TitleContradicted,
    /// The result table describes one item; the example response shows it
    /// wrapped (`wrapper <key>`), in a `list`, or in a `map` keyed by ID or
    /// code, and the spec follows the example there.
    ShapeFromExample,
    /// Keys the example response has where the docs describe the object
    /// without them (or without any fields): they were added as fields with
    /// `from_example`, their types read off the example. The detail lists them.
    FieldsFromExample,
    /// A `get`/`list` result whose item the page types only by its example
    /// takes the entity that its namespace's `get` result or `*.fields`
    /// table documents; the detail names the method that documents it.
    EntityFromNamespace,
    /// Keys an example response shows inside an object that a documented
    /// entity table types, which the table does not list: not added as
    /// fields (they decode into `extra`), named here.
    ExampleKeysOutsideTable,
    /// A result's one key, which the table and the example spell
    /// differently: the example's spelling is kept (the detail), the
    /// table's type.
    KeyFromExample,
    /// A `*.fields` result: a map from field name to a descriptor (or a
    /// title) whose keys are read off the example; where the page's table
    /// lists the entity's own fields, they became the entity named in
    /// `detail`.
    DescriptorMap,
    /// An event page says who may subscribe in words outside the known set
    /// ([`Subscribers`]); the spec says nothing there (the words are not
    /// copied).
    UnknownSubscribers,
    /// An event page lists no scope; the scope is the one that every
    /// method page in the same docs folder lists (`detail`).
    ScopeFromFolder,
    /// A description lists codes one per line ("`O` — order status") that
    /// are not read as the field's values: the detail says why (a format
    /// with placeholders, examples, names of the page's fields, codes that
    /// do not fit the field's type, several lists) and names the codes.
    ProseValuesSkipped,
}

impl DiagnosticKind {
    /// The snake_case name used in specs and summaries.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UnknownType => "unknown_type",
            Self::MissingType => "missing_type",
            Self::GuessedParamsTable => "guessed_params_table",
            Self::NoParamsSection => "no_params_section",
            Self::ResultFromExample => "result_from_example",
            Self::NoResult => "no_result",
            Self::UnresolvedAnchor => "unresolved_anchor",
            Self::ErrorWithoutCode => "error_without_code",
            Self::ValuesOfPlaceholder => "values_of_placeholder",
            Self::InvalidExampleJson => "invalid_example_json",
            Self::RepairedExampleJson => "repaired_example_json",
            Self::ParamsFromExample => "params_from_example",
            Self::NotRequired => "not_required",
            Self::UnreadableRow => "unreadable_row",
            Self::RecursiveType => "recursive_type",
            Self::DuplicatePage => "duplicate_page",
            Self::TitleContradicted => "title_contradicted",
            Self::ShapeFromExample => "shape_from_example",
            Self::FieldsFromExample => "fields_from_example",
            Self::EntityFromNamespace => "entity_from_namespace",
            Self::ExampleKeysOutsideTable => "example_keys_outside_table",
            Self::KeyFromExample => "key_from_example",
            Self::DescriptorMap => "descriptor_map",
            Self::HeaderlessTable => "headerless_table",
            Self::ExampleContradicts => "example_contradicts",
            Self::UnknownSubscribers => "unknown_subscribers",
            Self::ScopeFromFolder => "scope_from_folder",
            Self::ProseValuesSkipped => "prose_values_skipped",
        }
    }
}

impl MethodSpec {
    /// Whether the result's fields were read off the example response (a
    /// `result_from_example` diagnostic at `result` or `result.fields`).
    pub fn result_from_example(&self) -> bool {
        self.diagnostics.iter().any(is_result_from_example)
    }

    /// Drops the `result_from_example` diagnostic once a table typed the
    /// result after all.
    pub fn forget_result_from_example(&mut self) {
        self.diagnostics.retain(|d| !is_result_from_example(d));
    }

    /// The spec's path under `specs/`: `<scope>/<method>.json`, with `@v3`
    /// before the extension for REST 3.0 twins.
    pub fn rel_path(&self) -> String {
        let suffix = match self.version {
            RestVersion::V2 => "",
            RestVersion::V3 => "@v3",
        };
        format!("{}/{}{}.json", self.folder(), self.method, suffix)
    }

    /// The folder (and generated module) the method belongs to: its first
    /// documented scope, else the first segment of its name.
    pub fn folder(&self) -> String {
        let raw = self
            .scopes
            .first()
            .map(String::as_str)
            .unwrap_or_else(|| self.method.split('.').next().unwrap_or("misc"));
        crate::spec::naming::folder_name(raw)
    }
}

/// Serialize a value as the committed files are written: pretty, two-space
/// indent, trailing newline.
pub fn to_pretty_json<T: Serialize>(value: &T) -> String {
    let mut out = serde_json::to_string_pretty(value).expect("spec types always serialize");
    out.push('\n');
    out
}

/// One event: what Bitrix24 sends to a handler bound with `event.bind`.
///
/// The envelope (`event`, `event_handler_id`, `ts`, `auth`) is the same for
/// every event; a spec describes the event's own part, the `data` object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventSpec {
    /// The name as sent, upper case (`ONCRMDEALADD`, `CATALOG.PRICE.ON.ADD`);
    /// `event.bind` reads it in any case.
    pub event: String,
    /// Permission scopes as the page lists them (may be empty).
    pub scopes: Vec<String>,
    /// Who may subscribe, when the page says it in words the extractor
    /// knows (`extract::words::subscribers`); other words are an
    /// `unknown_subscribers` diagnostic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscribers: Option<Subscribers>,
    /// The page on the published docs site.
    pub url: String,
    /// The page sits in an outdated/deprecated folder or carries a deprecation note.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deprecated: bool,
    /// The type of `data` itself where the page documents it as something
    /// other than an object (`integer`: an ID alone; `array`: sent empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_type: Option<Type>,
    /// The fields of `data`, in the docs' order.
    pub data: Vec<Field>,
    /// What the page did not say clearly, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<Diagnostic>,
    /// The page's example payloads (whole envelopes), for tests; never
    /// written to a spec.
    #[serde(skip)]
    pub examples: Vec<serde_json::Value>,
}

/// Who may subscribe to an event: a closed set, written as short codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Subscribers {
    /// Every user of the account.
    AnyUser,
    /// The users of the application that registered the chat bot.
    BotOwner,
    /// Users with access to e-signature for HR (KEDO, `sign.b2e`).
    SignB2eAccess,
}

impl Subscribers {
    /// The code as written in specs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AnyUser => "any_user",
            Self::BotOwner => "bot_owner",
            Self::SignB2eAccess => "sign_b2e_access",
        }
    }
}

/// The folder below a scope folder that holds its event specs.
pub const EVENTS_FOLDER: &str = "events";

impl EventSpec {
    /// The spec's path under `specs/`: `<scope>/events/<EVENT>.json`.
    pub fn rel_path(&self) -> String {
        format!("{}/{EVENTS_FOLDER}/{}.json", self.folder(), self.event)
    }

    /// The folder (and generated module) the event belongs to: its first
    /// documented scope, else the docs folder below `api-reference/`.
    pub fn folder(&self) -> String {
        if let Some(s) = self.scopes.first() {
            return crate::spec::naming::folder_name(s);
        }
        let path = self.url.split("/api-reference/").nth(1).unwrap_or("misc");
        crate::spec::naming::folder_name(path.split('/').next().unwrap_or("misc"))
    }
}

/// Whether a path below `specs/` (`/`-separated) is an event spec.
pub fn is_event_path(rel: &str) -> bool {
    let parts: Vec<&str> = rel.split('/').collect();
    parts.len() == 3 && parts[1] == EVENTS_FOLDER && rel.ends_with(".json")
}

impl Default for SystemErrors {
    fn default() -> Self {
        SystemErrors {
            url: format!("{SITE}error-codes.html"),
            errors: Vec::new(),
        }
    }
}

/// Count fields at every depth (for tests and summaries).
pub fn count_fields(fields: &[Field]) -> usize {
    fields.iter().map(|f| 1 + count_fields(&f.fields)).sum()
}

/// Fields at every depth whose type is concrete (not `any`).
pub fn count_concrete(fields: &[Field]) -> usize {
    fields
        .iter()
        .map(|f| usize::from(f.ty.is_concrete()) + count_concrete(&f.fields))
        .sum()
}

/// An entity documented once: a data-types entry or a fields page that is
/// not a method page.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    /// Its name: the data type (`sale_basket_item`) or the page path
    /// (`api-reference/tasks/fields.html`).
    pub name: String,
    /// The page it is documented on, below the docs root.
    pub page: String,
    /// Its fields.
    pub fields: Vec<Field>,
}

/// Keys of a field descriptor in a `*.fields` answer.
const DESCRIPTOR_KEYS: &[&str] = &["type", "isRequired", "isReadOnly", "title"];

/// Whether a method lists the fields of an entity (`crm.deal.fields`,
/// `sale.order.getFields`).
pub fn is_fields_method(method: &str) -> bool {
    let last = method.rsplit('.').next().unwrap_or_default();
    last == "fields" || last.eq_ignore_ascii_case("getfields")
}

/// The documented fields of a result are descriptors (`type`,
/// `isRequired`, ...), not the entity's own fields.
pub fn are_descriptors(fields: &[Field]) -> bool {
    DESCRIPTOR_KEYS
        .iter()
        .filter(|k| fields.iter().any(|f| f.name == **k))
        .count()
        >= 3
}

/// The field that describes key `k`: the one of that name, else the first
/// whose key pattern matches it (a named pattern before a bare `*`).
pub fn describing<'f>(fields: &'f [Field], k: &str) -> Option<&'f Field> {
    let i = describing_index(fields, k)?;
    Some(&fields[i])
}

/// The field that describes key `k` of an object: the one of that literal
/// name, else the first whose key pattern matches (`*` last).
pub fn describing_index(fields: &[Field], k: &str) -> Option<usize> {
    if let Some(i) = fields
        .iter()
        .position(|f| f.pattern.is_none() && f.name == k)
    {
        return Some(i);
    }
    let mut patterned: Vec<(usize, &String)> = fields
        .iter()
        .enumerate()
        .filter_map(|(i, f)| f.pattern.as_ref().map(|p| (i, p)))
        .collect();
    patterned.sort_by_key(|(_, p)| p.as_str() == "*");
    patterned
        .into_iter()
        .find(|(_, p)| bitrix24_runtime::lenient::key_matches(p, k))
        .map(|(i, _)| i)
}

fn is_result_from_example(d: &Diagnostic) -> bool {
    d.kind == DiagnosticKind::ResultFromExample && (d.at == "result" || d.at == "result.fields")
}
