//! CommonMark to HTML with pulldown-cmark, the way the docs engine
//! (markdown-it with `breaks: true`) renders it where extraction looks: soft
//! line breaks become `<br />`, every heading gets an `id` (its `{#anchor}`,
//! else a slug of its text), and the first level-1 heading is the title.

use std::collections::HashMap;

use pulldown_cmark::{html, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// Heading ids used so far on a page.
#[derive(Debug, Default, Clone)]
pub struct Ids {
    used: HashMap<String, usize>,
}

impl Ids {
    /// The id for a heading with this text: its slug, made unique on the
    /// page by a `-1`, `-2`… suffix.
    pub fn auto(&mut self, text: &str) -> String {
        let base = slug(text);
        match self.used.get_mut(&base) {
            None => {
                self.used.insert(base.clone(), 1);
                base
            }
            Some(n) => {
                let id = format!("{base}-{n}");
                *n += 1;
                self.used.insert(id.clone(), 1);
                id
            }
        }
    }

    fn explicit(&mut self, id: &str) {
        self.used.entry(id.to_string()).or_insert(1);
    }
}

/// The engine's heading slug (the `slugify` package with the engine's
/// options): a few symbols spelled out, `*+~.()'"!:@#?«»` and backticks
/// removed, Cyrillic letters transliterated (`Параметр fields` →
/// `parametr-fields`, as the Russian docs link to it), runs of white space
/// and `-` made one `-`, lowercased.
pub fn slug(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => s.push_str("and"),
            '<' => s.push_str("less"),
            '>' => s.push_str("greater"),
            '|' => s.push_str("or"),
            '$' => s.push_str("dollar"),
            '%' => s.push_str("percent"),
            '*' | '+' | '~' | '.' | '(' | ')' | '\'' | '"' | '!' | ':' | '@' | '`' | '#' | '?'
            | '«' | '»' => {}
            c => match transliterated(c) {
                Some(latin) => s.push_str(latin),
                None => s.push(c),
            },
        }
    }
    let mut out = String::with_capacity(s.len());
    let mut dash = false;
    for ch in s.trim().chars() {
        if ch.is_whitespace() || ch == '-' {
            dash = true;
            continue;
        }
        if dash && !out.is_empty() {
            out.push('-');
        }
        dash = false;
        out.extend(ch.to_lowercase());
    }
    out
}

/// A Cyrillic letter as `slugify`'s character map spells it (either case;
/// the slug is lowercased afterwards).
fn transliterated(c: char) -> Option<&'static str> {
    let lower = c.to_lowercase().next().unwrap_or(c);
    Some(match lower {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' => "g",
        'д' => "d",
        'е' => "e",
        'ё' => "yo",
        'ж' => "zh",
        'з' => "z",
        'и' => "i",
        'й' => "j",
        'к' => "k",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' => "u",
        'ф' => "f",
        'х' => "h",
        'ц' => "c",
        'ч' => "ch",
        'ш' | 'щ' => "sh",
        'ъ' => "u",
        'ы' => "y",
        'ь' => "",
        'э' => "e",
        'ю' => "yu",
        'я' => "ya",
        _ => return None,
    })
}

/// The text of the first `<h1>` of rendered HTML (the page title), tags
/// removed and entities decoded.
pub fn first_h1_text(html: &str) -> Option<String> {
    let start = html.find("<h1")?;
    let rest = &html[start..];
    let open_end = rest.find('>')? + 1;
    let close = rest.find("</h1>")?;
    let inner = rest.get(open_end..close)?;
    let mut text = String::with_capacity(inner.len());
    let mut in_tag = false;
    for ch in inner.chars() {
        match ch {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    Some(text.trim().to_string())
}

/// Escape text for HTML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_HEADING_ATTRIBUTES
}

/// A heading being read: level, explicit id, classes, inner events.
type OpenHeading<'a> = (
    HeadingLevel,
    Option<CowStr<'a>>,
    Vec<CowStr<'a>>,
    Vec<Event<'a>>,
);

/// Render CommonMark `text` to HTML.
pub fn markdown(text: &str, ids: &mut Ids) -> String {
    let mut events: Vec<Event<'_>> = Vec::new();
    let mut heading: Option<OpenHeading<'_>> = None;
    for event in Parser::new_ext(text, options()) {
        let event = match event {
            Event::SoftBreak => Event::HardBreak,
            Event::InlineHtml(h) if !is_known_tag(&h) => Event::Text(h),
            Event::Html(h) if !is_known_tag(&h) => Event::Text(h),
            e => e,
        };
        match (&mut heading, event) {
            (
                None,
                Event::Start(Tag::Heading {
                    level, id, classes, ..
                }),
            ) => {
                heading = Some((level, id, classes, Vec::new()));
            }
            (Some(_), Event::End(TagEnd::Heading(end_level))) => {
                let Some((level, id, classes, inner)) = heading.take() else {
                    continue;
                };
                let text = plain_text(&inner);
                let id = match id {
                    Some(id) => {
                        ids.explicit(&id);
                        id
                    }
                    None => CowStr::from(ids.auto(&text)),
                };
                events.push(Event::Start(Tag::Heading {
                    level,
                    id: Some(id),
                    classes,
                    attrs: Vec::new(),
                }));
                events.extend(inner);
                events.push(Event::End(TagEnd::Heading(end_level)));
            }
            (Some((_, _, _, inner)), e) => inner.push(e),
            (None, e) => events.push(e),
        }
    }
    let mut out = String::with_capacity(text.len() * 2);
    html::push_html(&mut out, events.into_iter());
    out
}

/// HTML elements the engine's sanitizer lets through; any other tag
/// (`<selector>`, `<Site ID>` in the docs' prose) is shown as text.
const KNOWN_TAGS: &[&str] = &[
    "a",
    "abbr",
    "audio",
    "b",
    "blockquote",
    "br",
    "button",
    "caption",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "details",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "iframe",
    "img",
    "input",
    "ins",
    "kbd",
    "label",
    "li",
    "link",
    "mark",
    "meta",
    "ol",
    "option",
    "p",
    "pre",
    "q",
    "s",
    "samp",
    "script",
    "section",
    "select",
    "small",
    "source",
    "span",
    "strike",
    "strong",
    "style",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "textarea",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
    "video",
];

/// Whether raw HTML starts with a known element's tag (or is a comment).
fn is_known_tag(html: &str) -> bool {
    let t = html.trim_start();
    if t.starts_with("<!--") || !t.starts_with('<') {
        return true;
    }
    let name: String = t[1..]
        .trim_start_matches('/')
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    KNOWN_TAGS.contains(&name.as_str())
}

/// The text of inline events (text and code spans), trimmed.
fn plain_text(events: &[Event<'_>]) -> String {
    let mut s = String::new();
    for e in events {
        match e {
            Event::Text(t) | Event::Code(t) => s.push_str(t),
            Event::SoftBreak | Event::HardBreak => s.push(' '),
            _ => {}
        }
    }
    s.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_like_the_engine() {
        assert_eq!(
            slug("Set Role Permissions for the Site List landing.role.setRights"),
            "set-role-permissions-for-the-site-list-landingrolesetrights"
        );
        assert_eq!(slug("August 20, 2026"), "august-20,-2026");
        assert_eq!(slug("A - B"), "a-b");
        assert_eq!(slug("Параметр fields"), "parametr-fields");
        assert_eq!(
            slug("Включить или выключить ролевую модель прав landing.role.enable"),
            "vklyuchit-ili-vyklyuchit-rolevuyu-model-prav-landingroleenable"
        );
        assert_eq!(slug("Что нового?"), "chto-novogo");
        assert_eq!(slug("Тип «Число»"), "tip-chislo");
    }

    #[test]
    fn soft_breaks_become_br_and_headings_get_ids() {
        let mut ids = Ids::default();
        let html = markdown("# Title x.y\n\n## Params {#p}\n\n**a**\n`b`\n", &mut ids);
        assert!(html.contains("<h1 id=\"title-xy\">"), "{html}");
        assert!(html.contains("<h2 id=\"p\">Params</h2>"), "{html}");
        assert!(html.contains("<br />"), "{html}");
    }
}
