//! Extraction: one docs page → one [`MethodSpec`], in two steps (tg-bot-api
//! style): [`dom`] turns the DOM into raw blocks with no meaning, [`page`]
//! reads meaning into them. Neither step panics on an odd page: what cannot
//! be read becomes a diagnostic in the spec.

pub mod dom;
pub mod infer;
pub mod page;

use crate::spec::{ErrorSpec, MethodSpec};

/// The base of the published docs site; a page `X.html` is at `SITE/X.html`.
pub const SITE: &str = "https://apidocs.bitrix24.com/";

/// What one page gave.
#[derive(Debug, Clone, Default)]
pub struct PageOutcome {
    /// The method spec, if this is a REST method page.
    pub spec: Option<MethodSpec>,
    /// Rows of the page's shared system-error table, if it has one.
    pub system_errors: Vec<ErrorSpec>,
}

/// Extract one page. `rel_path` is the page's path below the docs root with
/// `/` separators (e.g. `api-reference/landing/role/x.html`): it gives the
/// URL and the deprecated flag of an `outdated` folder.
pub fn extract(rel_path: &str, html: &str) -> PageOutcome {
    if !page::is_candidate(html) {
        return PageOutcome::default();
    }
    let raw = dom::parse(html);
    page::interpret(rel_path, &raw)
}
