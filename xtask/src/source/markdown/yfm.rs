//! The YFM block constructs, rendered to the HTML the docs engine gives
//! them: `#| … |#` multi-line tables (`|| cell | cell ||` rows),
//! `{% list tabs %}`, `{% note type "title" %}` and `{% cut "title" %}`.
//!
//! Each construct is cut out of the Markdown and replaced by a placeholder
//! paragraph at the same indentation (so it stays inside a list item); its
//! parts are rendered recursively, and the placeholder is swapped for the
//! HTML after CommonMark rendering. Code fences are left alone.

use super::include::{directive, Fences};
use super::render::{self, escape, Ids};

/// The placeholder paragraph for the n-th construct.
fn placeholder(n: usize) -> String {
    format!("YFMBLOCK{n}X")
}

/// Render Markdown with YFM block constructs to HTML.
pub fn render_blocks(text: &str, ids: &mut Ids) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut md = String::with_capacity(text.len());
    let mut blocks: Vec<String> = Vec::new();
    let mut fences = Fences::default();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        if fences.code_line(line) {
            push(&mut md, line);
            continue;
        }
        let indent = &line[..line.len() - line.trim_start().len()];
        let html = if opens_table(line) && opens_block(lines[..i - 1].last().copied()) {
            let end = block_end(&lines, i, table_depth);
            let body = dedent(&lines[i..end.min(lines.len())], indent.len());
            i = end + 1;
            // The engine loses a line that follows `|#` without a blank
            // line between them; so do we.
            if lines.get(i).is_some_and(|l| !l.trim().is_empty()) {
                i += 1;
            }
            Some(table(&body, ids))
        } else if let Some((tag, args)) = directive(line) {
            let end_tag = match tag {
                "list" if args.starts_with("tabs") => Some("endlist"),
                "note" => Some("endnote"),
                "cut" => Some("endcut"),
                _ => None,
            };
            match end_tag {
                Some(end_tag) => {
                    let end = block_end(&lines, i, |l| match directive(l) {
                        Some((t, _)) if t == tag => 1,
                        Some((t, _)) if t == end_tag => -1,
                        _ => 0,
                    });
                    let body = dedent(&lines[i..end.min(lines.len())], indent.len());
                    i = end + 1;
                    Some(match tag {
                        "list" => tabs(&body, ids),
                        "note" => note(args, &body, ids),
                        _ => cut(args, &body, ids),
                    })
                }
                // Other directives render as nothing.
                None => Some(String::new()),
            }
        } else {
            None
        };
        match html {
            Some(html) => {
                md.push('\n');
                md.push_str(indent);
                md.push_str(&placeholder(blocks.len()));
                md.push_str("\n\n");
                blocks.push(html);
            }
            None => push(&mut md, &superscripts(strip_attrs(line))),
        }
    }
    let mut html = render::markdown(&md, ids);
    for (n, block) in blocks.iter().enumerate() {
        let token = placeholder(n);
        let para = format!("<p>{token}</p>\n");
        if html.contains(&para) {
            html = html.replacen(&para, block, 1);
        } else {
            html = html.replacen(&token, block, 1);
        }
    }
    html
}

fn push(md: &mut String, line: &str) {
    md.push_str(line);
    md.push('\n');
}

/// `^x^` (markdown-it-sup) as `<sup>x</sup>`, outside code spans; the
/// text inside is escaped so that a `*` in it is no emphasis mark.
fn superscripts(line: &str) -> String {
    if !line.contains('^') {
        return line.to_string();
    }
    let mut out = String::with_capacity(line.len() + 16);
    let mut rest = line;
    while let Some(pos) = rest.find(['`', '^']) {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        if tail.starts_with('`') {
            let run = tail.chars().take_while(|&c| c == '`').count();
            let fence = &tail[..run];
            match tail[run..].find(fence) {
                Some(end) => {
                    out.push_str(&tail[..run + end + run]);
                    rest = &tail[run + end + run..];
                }
                None => {
                    out.push_str(fence);
                    rest = &tail[run..];
                }
            }
            continue;
        }
        let inner_end = tail[1..].find('^').map(|e| e + 1);
        match inner_end {
            Some(end) if end > 1 && !tail[1..end].contains(char::is_whitespace) => {
                out.push_str("<sup>");
                for c in tail[1..end].chars() {
                    if c.is_ascii_punctuation() {
                        out.push('\\');
                    }
                    out.push(c);
                }
                out.push_str("</sup>");
                rest = &tail[end + 1..];
            }
            _ => {
                out.push('^');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Drop a trailing `{.class}` attribute block from a line.
fn strip_attrs(line: &str) -> &str {
    let t = line.trim_end();
    if let Some(start) = t.rfind("{.") {
        let attrs = &t[start + 2..];
        if let Some(inner) = attrs.strip_suffix('}') {
            if inner
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ' ' | '.'))
            {
                return t[..start].trim_end();
            }
        }
    }
    line
}

/// Whether a `#|` after `prev` opens a table: the engine's table rule
/// does not interrupt a paragraph, so after a line of paragraph text the
/// `#|` is text.
fn opens_block(prev: Option<&str>) -> bool {
    let Some(prev) = prev else { return true };
    let t = prev.trim();
    t.is_empty()
        || t.starts_with('#')
        || t == "|#"
        || t.starts_with("```")
        || t.starts_with("~~~")
        || directive(prev).is_some()
}

/// A line that opens a `#| … |#` table. The engine reads the two
/// characters `#|` and drops the rest of the line (`#|s` on one Russian
/// page opens a table as the published page shows); `#||` is text.
fn opens_table(line: &str) -> bool {
    let t = line.trim();
    t.starts_with("#|") && !t.starts_with("#||")
}

/// How a line changes the nesting of `#| … |#`.
fn table_depth(line: &str) -> i32 {
    if opens_table(line) {
        return 1;
    }
    match line.trim() {
        "|#" => -1,
        _ => 0,
    }
}

/// The index of the line that closes a block opened just before `start`:
/// `step` gives +1 for a nested opening, -1 for a closing. Code fences are
/// skipped. An unclosed block runs to the end.
fn block_end(lines: &[&str], start: usize, step: impl Fn(&str) -> i32) -> usize {
    let mut depth = 1;
    let mut fences = Fences::default();
    for (k, line) in lines.iter().enumerate().skip(start) {
        if fences.code_line(line) {
            continue;
        }
        depth += step(line);
        if depth == 0 {
            return k;
        }
    }
    lines.len()
}

/// Join lines, removing up to `n` leading spaces from each.
fn dedent(lines: &[&str], n: usize) -> String {
    let mut out = String::new();
    for line in lines {
        let strip = line
            .char_indices()
            .take(n)
            .take_while(|(_, c)| *c == ' ' || *c == '\t')
            .count();
        out.push_str(&line[strip..]);
        out.push('\n');
    }
    out
}

/// Rows of cells of a `#| … |#` table body, split the way the engine's
/// table plugin splits them: `||` opens and closes a row, `|` parts cells,
/// `\|` is no separator, and a run of three backticks anywhere toggles a
/// code stretch in which pipes are text (fences and ```inline``` code).
/// Nested tables are left whole inside their cell.
pub fn table_rows(body: &str) -> Vec<Vec<String>> {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut cells: Vec<String> = Vec::new();
    let mut in_row = false;
    let mut in_code = false;
    let mut cell_start = 0;
    let mut nested = 0;
    let mut line_start = 0;
    for line in body.split_inclusive('\n') {
        let start = line_start;
        line_start += line.len();
        if !in_code {
            let d = table_depth(line);
            if nested > 0 || d > 0 {
                nested += d;
                // Still follow code stretches, then skip the line.
                in_code ^= line.matches("```").count() % 2 == 1;
                continue;
            }
        }
        let bytes = line.as_bytes();
        let mut k = 0;
        while k < bytes.len() {
            if bytes[k..].starts_with(b"```") {
                in_code = !in_code;
                k += 3;
                continue;
            }
            if in_code {
                k += 1;
                continue;
            }
            match bytes[k] {
                b'\\' => k += 2,
                b'|' if bytes.get(k + 1) == Some(&b'|') => {
                    if in_row {
                        cells.push(body[cell_start..start + k].to_string());
                        rows.push(std::mem::take(&mut cells));
                        in_row = false;
                    } else {
                        in_row = true;
                        cell_start = start + k + 2;
                    }
                    k += 2;
                }
                b'|' => {
                    if in_row {
                        cells.push(body[cell_start..start + k].to_string());
                        cell_start = start + k + 1;
                    }
                    k += 1;
                }
                _ => k += 1,
            }
        }
    }
    if in_row {
        cells.push(body.get(cell_start..).unwrap_or_default().to_string());
        rows.push(cells);
    }
    rows
}

fn table(body: &str, ids: &mut Ids) -> String {
    let mut out = String::from("<table>\n<tbody>\n");
    for row in table_rows(body) {
        out.push_str("<tr>\n");
        for cell in row {
            out.push_str("<td>\n");
            out.push_str(&render_blocks(&cell_text(&cell), ids));
            out.push_str("</td>\n");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    out
}

/// A cell's Markdown: trimmed, with the common indentation of its lines
/// after the first removed.
fn cell_text(cell: &str) -> String {
    let trimmed = cell.trim();
    let mut lines = trimmed.lines();
    let first = lines.next().unwrap_or_default();
    let rest: Vec<&str> = lines.collect();
    let indent = rest
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut out = String::from(first);
    out.push('\n');
    out.push_str(&dedent(&rest, indent));
    out
}

/// The tabs of a `{% list tabs %}` body: (title, content).
fn tab_items(body: &str) -> Vec<(String, String)> {
    let mut items: Vec<(String, Vec<&str>)> = Vec::new();
    let mut fences = Fences::default();
    for line in body.lines() {
        if !fences.code_line(line) {
            let t = line.trim_start();
            let at_margin = line.len() - t.len() == 0;
            if at_margin {
                if let Some(title) = t.strip_prefix("- ").or_else(|| t.strip_prefix("* ")) {
                    items.push((title.trim().to_string(), Vec::new()));
                    continue;
                }
            }
        }
        if let Some((_, content)) = items.last_mut() {
            content.push(line);
        }
    }
    items
        .into_iter()
        .map(|(title, lines)| {
            // The first line sets the item's indentation; lazy lines with
            // less stay as they are.
            let indent = lines
                .iter()
                .find(|l| !l.trim().is_empty())
                .map_or(0, |l| l.len() - l.trim_start().len());
            (title, dedent(&lines, indent))
        })
        .collect()
}

fn tabs(body: &str, ids: &mut Ids) -> String {
    let items = tab_items(body);
    let mut out =
        String::from("<div class=\"yfm-tabs\">\n<div class=\"yfm-tab-list\" role=\"tablist\">\n");
    for (title, _) in &items {
        out.push_str(&format!(
            "<div class=\"yfm-tab\" role=\"tab\">{}</div>\n",
            escape(title)
        ));
    }
    out.push_str("</div>\n");
    for (title, content) in &items {
        out.push_str(&format!(
            "<div class=\"yfm-tab-panel\" role=\"tabpanel\" data-title=\"{}\">\n",
            escape(title)
        ));
        out.push_str(&render_blocks(content, ids));
        out.push_str("</div>\n");
    }
    out.push_str("</div>\n");
    out
}

/// A quoted argument (`"…"`), if there is one.
fn quoted(args: &str) -> Option<&str> {
    let start = args.find('"')?;
    let rest = &args[start + 1..];
    let end = rest.rfind('"')?;
    Some(&rest[..end])
}

/// The title the engine gives a note of this type when none is written.
fn default_note_title(kind: &str) -> &'static str {
    match kind {
        "tip" => "Совет",
        "warning" => "Важно",
        "alert" => "Внимание",
        _ => "Примечание",
    }
}

fn note(args: &str, body: &str, ids: &mut Ids) -> String {
    let kind = args.split_whitespace().next().unwrap_or("info");
    let kind = if matches!(kind, "info" | "tip" | "warning" | "alert") {
        kind
    } else {
        "info"
    };
    let title = match quoted(args) {
        Some(t) => t.to_string(),
        None => default_note_title(kind).to_string(),
    };
    let mut out = format!("<div class=\"yfm-note yfm-accent-{kind}\" note-type=\"{kind}\">");
    if !title.is_empty() {
        out.push_str(&format!(
            "<p class=\"yfm-note-title\">{}</p>\n",
            inline(&title, ids)
        ));
    }
    out.push_str("<div class=\"yfm-note-content\">");
    out.push_str(&render_blocks(body, ids));
    out.push_str("</div></div>\n");
    out
}

fn cut(args: &str, body: &str, ids: &mut Ids) -> String {
    let title = quoted(args).unwrap_or_default();
    format!(
        "<details class=\"yfm-cut\"><summary class=\"yfm-cut-title\">{}</summary><div class=\"yfm-cut-content\">{}</div></details>\n",
        inline(title, ids),
        render_blocks(body, ids)
    )
}

/// Inline Markdown (a title) to HTML without the paragraph around it.
fn inline(text: &str, ids: &mut Ids) -> String {
    let html = render::markdown(text, ids);
    let html = html.trim();
    html.strip_prefix("<p>")
        .and_then(|h| h.strip_suffix("</p>"))
        .unwrap_or(html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn superscripts_outside_code() {
        assert_eq!(superscripts("**id^*^**"), "**id<sup>\\*</sup>**");
        assert_eq!(superscripts("`a^b^` x^2^"), "`a^b^` x<sup>2</sup>");
        assert_eq!(superscripts("a ^ b ^ c"), "a ^ b ^ c");
    }

    #[test]
    fn splits_rows_and_cells() {
        let rows = table_rows("|| **a**\n`t` | x \\| y ||\n|| b |\n```\n| in code |\n```\n||\n");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0], vec![" **a**\n`t` ", " x \\| y "]);
        assert_eq!(rows[1][0], " b ");
        assert!(rows[1][1].contains("| in code |"));
    }

    #[test]
    fn renders_a_table_inside_a_list() {
        let mut ids = Ids::default();
        let html = render_blocks("- item\n\n  #|\n  || a | b ||\n  |#\n", &mut ids);
        assert!(html.contains("<li>"), "{html}");
        assert!(html.contains("<td>\n<p>a</p>\n</td>"), "{html}");
        assert!(!html.contains("YFMBLOCK"), "{html}");
    }

    #[test]
    fn renders_notes_with_titles() {
        let mut ids = Ids::default();
        let html = render_blocks("{% note warning %}\n\nText\n\n{% endnote %}\n", &mut ids);
        assert!(html.contains("yfm-note yfm-accent-warning"), "{html}");
        assert!(html.contains("yfm-note-title\">Важно"), "{html}");
        let html = render_blocks("{% note tip \"\" %}\n\nText\n\n{% endnote %}\n", &mut ids);
        assert!(!html.contains("yfm-note-title"), "{html}");
    }
}
