//! Reference-style links (`[integer][1]` with `[1]: ../data-types.md` further
//! down) made inline (`[integer](../data-types.md)`) before rendering: the
//! YFM constructs are rendered piece by piece, and a table cell on its own
//! no longer sees the definitions at the end of the page. The docs engine
//! resolves them against the whole page, and so does this.
//!
//! Code (fenced blocks and inline spans) is left alone: `$a[0][1]` in a PHP
//! sample is no link.

use std::collections::HashMap;

/// `text` with every `[label][id]` whose `id` the page defines made inline.
pub fn inline_reference_links(text: &str) -> String {
    let defs = definitions(text);
    if defs.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut fence: Option<String> = None;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if let Some(open) = &fence {
            if trimmed.starts_with(open.as_str()) {
                fence = None;
            }
            out.push_str(line);
            continue;
        }
        if let Some(mark) = ["```", "~~~"].iter().find(|m| trimmed.starts_with(**m)) {
            fence = Some((*mark).to_string());
            out.push_str(line);
            continue;
        }
        out.push_str(&inline_line(line, &defs));
    }
    out
}

/// Link definitions: `[id]: url` at the start of a line (up to three
/// spaces in), labels matched without regard to case.
fn definitions(text: &str) -> HashMap<String, String> {
    let mut defs = HashMap::new();
    for line in text.lines() {
        let t = line.trim_start();
        if line.len() - t.len() > 3 {
            continue;
        }
        let Some(rest) = t.strip_prefix('[') else {
            continue;
        };
        let Some((label, tail)) = rest.split_once("]:") else {
            continue;
        };
        if label.is_empty() || label.contains(['[', ']']) {
            continue;
        }
        if let Some(url) = tail.split_whitespace().next() {
            let url = url.trim_start_matches('<').trim_end_matches('>');
            defs.entry(label.to_lowercase())
                .or_insert_with(|| url.to_string());
        }
    }
    defs
}

/// One line outside fenced code: `][id]` outside inline code spans.
fn inline_line(line: &str, defs: &HashMap<String, String>) -> String {
    let bytes = line.as_bytes();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    let mut in_code = false;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'`' {
            in_code = !in_code;
            out.push('`');
            i += 1;
            continue;
        }
        if !in_code && c == b']' && bytes.get(i + 1) == Some(&b'[') {
            if let Some(end) = line[i + 2..].find(']') {
                let label = &line[i + 2..i + 2 + end];
                if !label.contains('[') {
                    if let Some(url) = defs.get(&label.to_lowercase()) {
                        out.push_str("](");
                        out.push_str(url);
                        out.push(')');
                        i += 2 + end + 1;
                        continue;
                    }
                }
            }
        }
        // Copy one whole character.
        let ch = line[i..].chars().next().unwrap_or('\u{fffd}');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_links_become_inline() {
        let md = "|| **id**\n[`integer`][1] | An [object][Types] ||\n\n```php\n$a[0][1];\n```\nCode `$b[0][1]` stays.\n\n[1]: ../data-types.md\n[types]: ./t.md \"T\"\n";
        let got = inline_reference_links(md);
        assert!(got.contains("[`integer`](../data-types.md)"), "{got}");
        assert!(got.contains("An [object](./t.md)"), "{got}");
        assert!(got.contains("$a[0][1];"), "{got}");
        assert!(got.contains("`$b[0][1]`"), "{got}");
        // Undefined labels stay as written.
        assert_eq!(
            inline_reference_links("[a][x]\n[y]: z\n"),
            "[a][x]\n[y]: z\n"
        );
    }
}
