//! Links between pages: a link resolved against the page it sits on, and
//! which section overview (`index`) pages a page links into by anchor.

/// `href` relative to the page at `rel_path`, as a path below the docs
/// root with `.html`; `None` when it climbs above the root.
pub fn resolve_link(rel_path: &str, href: &str) -> Option<String> {
    let mut parts: Vec<&str> = rel_path.split('/').collect();
    parts.pop();
    for seg in href.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    Some(match joined.strip_suffix(".md") {
        Some(stem) => format!("{stem}.html"),
        None => joined,
    })
}

/// The `index` pages (below the docs root, `.html`) that `html` links to
/// with an anchor (`./index.md#fields`): the overview pages whose tables a
/// method page uses, so the only overview pages worth parsing. A plain
/// text scan, no parse.
pub fn index_links(rel_path: &str, html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for needle in ["index.md#", "index.html#"] {
        let mut from = 0;
        while let Some(i) = html[from..].find(needle) {
            let at = from + i;
            from = at + needle.len();
            let Some(start) = html[..at].rfind("href=\"") else {
                continue;
            };
            let href = &html[start + 6..at + needle.len() - 1];
            if href.contains(['"', '<', '>', ' ']) || href.contains("://") {
                continue;
            }
            if let Some(page) = resolve_link(rel_path, href) {
                if !out.contains(&page) {
                    out.push(page);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_links_resolve_against_the_page() {
        let html = r#"<a href="./index.md#fields">x</a> <a href="../../index.html#bot-types">y</a> <a href="other.md#z">z</a>"#;
        assert_eq!(
            index_links(
                "api-reference/crm/requisites/universal/crm-requisite-get.html",
                html
            ),
            [
                "api-reference/crm/requisites/universal/index.html",
                "api-reference/crm/index.html",
            ]
        );
    }
}
