//! Text-level pre-pass over a page's Markdown: strip the front matter,
//! expand `{% include [..](path) %}` (paths relative to the file that holds
//! the directive, `notitle` dropping the included file's leading title), and
//! drop `{% if %}` blocks (the engine's build variables are unset, so every
//! condition is false; `{% else %}` branches are kept).

use std::fs;
use std::path::Path;

/// How deep includes may nest before the rest is left out.
const MAX_DEPTH: usize = 8;

/// Expand the page `rel` (below `root`) whose text is `text`.
pub fn expand(root: &Path, rel: &str, text: &str) -> String {
    let body = strip_front_matter(text);
    let mut out = String::with_capacity(body.len() + 1024);
    expand_into(root, rel, body, "", 0, &mut out);
    out
}

fn strip_front_matter(text: &str) -> &str {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(rest) = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))
    else {
        return text;
    };
    let mut pos = 0;
    for line in rest.split_inclusive('\n') {
        pos += line.len();
        if line.trim_end() == "---" {
            return &rest[pos..];
        }
    }
    text
}

/// A fenced code block's opening: its character, length and indentation.
#[derive(Clone, Copy)]
pub(crate) struct Fence {
    ch: char,
    len: usize,
    indent: usize,
}

/// Follows fenced code through lines.
#[derive(Default)]
pub(crate) struct Fences(Option<Fence>);

impl Fences {
    /// Whether `line` is code: it opens, continues or closes a fenced
    /// block. A line indented less than the opening fence ends the block
    /// first (the list item holding it ended, as in the docs engine).
    pub(crate) fn code_line(&mut self, line: &str) -> bool {
        if let Some(f) = self.0 {
            let indent = line.len() - line.trim_start().len();
            if line.trim().is_empty() || indent >= f.indent {
                if f.closes(line) {
                    self.0 = None;
                }
                return true;
            }
            self.0 = None;
        }
        self.0 = Fence::open(line);
        self.0.is_some()
    }
}

impl Fence {
    /// The fence a line opens, if it opens one.
    pub(crate) fn open(line: &str) -> Option<Fence> {
        let t = line.trim_start();
        let ch = t.chars().next()?;
        if ch != '`' && ch != '~' {
            return None;
        }
        let len = t.chars().take_while(|&c| c == ch).count();
        if len < 3 || (ch == '`' && t[len..].contains('`')) {
            return None;
        }
        let indent = line.len() - t.len();
        Some(Fence { ch, len, indent })
    }

    /// Whether `line` closes this fence. Text after the fence counts too,
    /// as the docs engine's table plugin has it: a fence closed by
    /// "``` ||" ends both the code and the table row.
    pub(crate) fn closes(self, line: &str) -> bool {
        self.close_len(line).is_some()
    }

    /// If `line` closes this fence, the byte length of its indentation and
    /// fence run (where the rest of the line starts).
    pub(crate) fn close_len(self, line: &str) -> Option<usize> {
        let t = line.trim_start();
        let run = t.chars().take_while(|&c| c == self.ch).count();
        (run >= self.len).then(|| line.len() - t.len() + run)
    }
}

/// A `{% tag args %}` directive alone on a line: (tag, args).
pub(crate) fn directive(line: &str) -> Option<(&str, &str)> {
    let t = line.trim();
    let inner = t.strip_prefix("{%")?.strip_suffix("%}")?;
    let inner = inner.trim_matches('-').trim();
    let (tag, args) = inner.split_once(char::is_whitespace).unwrap_or((inner, ""));
    Some((tag, args.trim()))
}

fn expand_into(root: &Path, rel: &str, text: &str, indent: &str, depth: usize, out: &mut String) {
    let mut fences = Fences::default();
    // Nesting of `{% if %}`: for each level, whether its branch is kept.
    let mut ifs: Vec<bool> = Vec::new();
    for line in text.lines() {
        let keep = ifs.iter().all(|&k| k);
        if fences.code_line(line) {
            if keep {
                push_line(out, indent, line);
            }
            continue;
        }
        if let Some((tag, args)) = directive(line) {
            match tag {
                "if" => {
                    ifs.push(false);
                    continue;
                }
                "else" | "elsif" => {
                    if let Some(last) = ifs.last_mut() {
                        *last = tag == "else" && !*last;
                    }
                    continue;
                }
                "endif" => {
                    ifs.pop();
                    continue;
                }
                "include" if keep => {
                    let line_indent = &line[..line.len() - line.trim_start().len()];
                    let inner_indent = format!("{indent}{line_indent}");
                    include(root, rel, args, &inner_indent, depth, out);
                    continue;
                }
                _ => {}
            }
        }
        if !keep {
            continue;
        }
        push_line(out, indent, line);
    }
}

fn push_line(out: &mut String, indent: &str, line: &str) {
    if !line.trim().is_empty() {
        out.push_str(indent);
    }
    out.push_str(line);
    out.push('\n');
}

/// Expand one include directive's arguments: `notitle? [text](path)`.
fn include(root: &Path, rel: &str, args: &str, indent: &str, depth: usize, out: &mut String) {
    let notitle = args.split_whitespace().next() == Some("notitle");
    let Some(target) = args
        .rfind("](")
        .map(|i| &args[i + 2..])
        .and_then(|t| t.split(')').next())
    else {
        return;
    };
    let target = target.split('#').next().unwrap_or_default().trim();
    if target.is_empty() || depth >= MAX_DEPTH {
        return;
    }
    let Some(inc_rel) = join_rel(rel, target) else {
        return;
    };
    let Ok(text) = fs::read_to_string(root.join(&inc_rel)) else {
        return;
    };
    let body = strip_front_matter(&text);
    let body = if notitle { strip_title(body) } else { body };
    out.push('\n');
    expand_into(root, &inc_rel, body, indent, depth + 1, out);
    out.push('\n');
}

/// Drop a leading level-1 heading (`notitle`).
fn strip_title(text: &str) -> &str {
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        if line.trim().is_empty() {
            pos += line.len();
            continue;
        }
        if line.starts_with("# ") {
            return &text[pos + line.len()..];
        }
        break;
    }
    text
}

/// Resolve `target` relative to the folder of the file `rel` (both
/// `/`-separated, below the docs root). `None` if it leaves the root.
pub fn join_rel(rel: &str, target: &str) -> Option<String> {
    let mut parts: Vec<&str> = if let Some(abs) = target.strip_prefix('/') {
        return normalize(abs.split('/'));
    } else {
        rel.split('/').collect()
    };
    parts.pop();
    let joined: Vec<&str> = parts.into_iter().chain(target.split('/')).collect();
    normalize(joined.into_iter())
}

fn normalize<'a>(parts: impl Iterator<Item = &'a str>) -> Option<String> {
    let mut out: Vec<&str> = Vec::new();
    for p in parts {
        match p {
            "" | "." => {}
            ".." => {
                out.pop()?;
            }
            _ => out.push(p),
        }
    }
    Some(out.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_relative_paths() {
        assert_eq!(
            join_rel("a/b/c.md", "../../_includes/x.md").as_deref(),
            Some("_includes/x.md")
        );
        assert_eq!(join_rel("a/c.md", "./x.md").as_deref(), Some("a/x.md"));
        assert_eq!(join_rel("c.md", "../x.md"), None);
    }

    #[test]
    fn drops_if_blocks_and_front_matter() {
        let text = "---\ntitle: x\n---\n# T\n{% if build == 'dev' %}\nhidden\n{% else %}\nshown\n{% endif %}\nend\n";
        let out = expand(Path::new("/nonexistent"), "p.md", text);
        assert_eq!(out, "# T\nshown\nend\n");
    }
}
