//! Titles and method names: the leaf of extraction that every other part
//! may ask "is this a method name?" or "what does the title say?" without
//! importing the page reader.

/// A cheap look at the raw HTML: could this be a method page? Pages that
/// cannot are not parsed at all, which keeps regen fast.
pub fn is_candidate(html: &str) -> bool {
    raw_title(html).is_some_and(|t| t.split_whitespace().map(title_token).any(is_method_name))
        || html.contains("/rest/")
}

/// The raw `<title>` text.
pub fn raw_title(html: &str) -> Option<&str> {
    html.find("<title>").and_then(|start| {
        let rest = &html[start + 7..];
        rest.find("</title>").map(|end| &rest[..end])
    })
}

/// A page that may document entities: a `data-types` page or one whose
/// name ends in `fields` (a section's `index` page, when other pages link
/// into it: [`super::links::index_links`]).
pub fn is_entity_page(rel_path: &str) -> bool {
    let stem = rel_path
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .trim_end_matches(".html");
    stem == "data-types" || stem.ends_with("fields")
}

/// Whether the raw `<title>` ends in a method name.
pub fn title_names_method(html: &str) -> bool {
    raw_title(html)
        .and_then(|t| t.split_whitespace().last())
        .is_some_and(is_method_name)
}

/// A REST method name: dotted, starting with a lowercase letter
/// (`crm.deal.list`, `tasks.task.get`). Event (`ONCRMDEALADD`) and JS SDK
/// (`BX24.getLang`) names do not match.
pub fn is_method_name(s: &str) -> bool {
    let mut parts = s.split('.');
    let Some(first) = parts.next() else {
        return false;
    };
    let first_ok = first.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && first.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let mut rest = 0;
    for p in parts {
        if p.is_empty() || !p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return false;
        }
        rest += 1;
    }
    first_ok && rest > 0
}

/// A word of a title with quotes, backticks and punctuation around it cut;
/// a wildcard (`user.option.*`, a family of methods) is no name at all.
pub fn title_token(word: &str) -> &str {
    if word.contains('*') {
        return "";
    }
    word.trim_matches(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
}
