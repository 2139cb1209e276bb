//! Extraction: one docs page → one [`MethodSpec`], in two steps (tg-bot-api
//! style): [`dom`] turns the DOM into raw blocks with no meaning, [`page`]
//! reads meaning into them, and [`meaning`] decides what the values and
//! keys it read stand for. Neither step panics on an odd page: what cannot
//! be read becomes a diagnostic in the spec.

pub mod dom;
pub mod event;
pub mod examples;
pub mod infer;
pub mod lenient;
pub mod links;
pub mod meaning;
mod outcome;
pub mod page;
pub mod title;
pub mod words;

/// The base of the published English docs site; a page `X.html` is at
/// `SITE/X.html` ([`Lang::site`] for each language).
pub const SITE: &str = "https://apidocs.bitrix24.com/";

pub use outcome::PageOutcome;
pub use words::Lang;

/// Extract one page, in the language its title is written in
/// ([`Lang::of_page`]). `rel_path` is the page's path below the docs root with
/// `/` separators (e.g. `api-reference/landing/role/x.html`): it gives the
/// URL and the deprecated flag of an `outdated` folder.
pub fn extract(rel_path: &str, html: &str) -> PageOutcome {
    extract_in(Lang::of_page(html), rel_path, html)
}

/// Extract one page of a corpus in `lang` (the language gives the URL's
/// site; headings and tables are read in either language).
pub fn extract_in(lang: Lang, rel_path: &str, html: &str) -> PageOutcome {
    extract_page(lang, rel_path, html, false)
}

/// [`extract_in`], where `linked_overview` says that other pages link into
/// this section overview (`index`) page by anchor
/// ([`links::index_links`]), so its tables are read as entities.
pub fn extract_page(lang: Lang, rel_path: &str, html: &str, linked_overview: bool) -> PageOutcome {
    let entity_page = title::is_entity_page(rel_path) || linked_overview;
    let event_candidate = event::is_candidate(html);
    if !title::is_candidate(html) && !entity_page {
        if !event_candidate {
            return PageOutcome::default();
        }
        let raw = dom::parse(html);
        return PageOutcome {
            events: event::interpret_all(lang, rel_path, &raw),
            ..PageOutcome::default()
        };
    }
    let raw = dom::parse(&without_code_examples(html));
    let examples = page::Examples {
        bodies: examples::curl_bodies(html),
        calls: examples::called_methods(html),
    };
    let mut out = page::interpret(lang, rel_path, &raw, &examples);
    if out.spec.is_none() && entity_page {
        out.entities = page::entities(rel_path, &raw);
    }
    if out.spec.is_none() && event_candidate {
        out.events = event::interpret_all(lang, rel_path, &raw);
    }
    out
}

/// The page without its "Code Examples" section up to its first sub-heading (SDK samples in eight
/// languages, about 38% of the corpus by bytes), when the title already names
/// the method: nothing in that section is read then, and not parsing it keeps
/// regen fast. Otherwise the page as it is (the method name may come from a
/// cURL example there).
fn without_code_examples(html: &str) -> std::borrow::Cow<'_, str> {
    // The section's anchor in English and in Russian ("Примеры кода").
    const STARTS: [&str; 2] = ["<h2 id=\"code-examples\"", "<h2 id=\"primery-koda\""];
    if !title::title_names_method(html) {
        return html.into();
    }
    let Some((start, marker)) = STARTS
        .iter()
        .find_map(|m| html.find(m).map(|i| (i, m.len())))
    else {
        return html.into();
    };
    // Up to the next heading: some pages put the response under an `<h3>`
    // inside this section.
    let rest = &html[start + marker..];
    let end = ["<h2 ", "<h3 ", "<h4 "]
        .iter()
        .filter_map(|h| rest.find(h))
        .min()
        .map_or(html.len(), |i| start + marker + i);
    let mut out = String::with_capacity(html.len() - (end - start));
    out.push_str(&html[..start]);
    out.push_str(&html[end..]);
    out.into()
}
