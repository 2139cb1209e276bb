//! Step one of extraction: the page's DOM to raw blocks, with no meaning
//! attached. Headings, tables (rows of cells, each cell as lines), code
//! blocks, paragraphs and notes, in document order.

use scraper::{ElementRef, Html, Node, Selector};

/// A page reduced to the blocks the interpreter reads.
#[derive(Debug, Default, Clone)]
pub struct RawPage {
    /// The `<title>` text (or the first heading's).
    pub title: String,
    /// Blocks of `<main>` in document order.
    pub blocks: Vec<Block>,
}

/// One block of the page.
#[derive(Debug, Clone)]
pub enum Block {
    /// `<h1>`..`<h6>`.
    Heading {
        /// 1..=6
        level: u8,
        /// The `id` attribute.
        id: String,
        /// The visible text.
        text: String,
    },
    /// A `<table>`: rows of cells.
    Table(Vec<Vec<Cell>>),
    /// A `<pre>` code block.
    Code {
        /// From `class="language-…"`.
        lang: String,
        /// The code text.
        text: String,
    },
    /// A paragraph or list item outside tables.
    Para(Line),
    /// A note (`yfm-note`), its text.
    Note(String),
    /// A blockquote's lines (the scope line sits there).
    Quote(Vec<Line>),
}

/// A table cell as lines (each `<p>`/`<li>` split at `<br>`).
#[derive(Debug, Clone, Default)]
pub struct Cell {
    /// The lines.
    pub lines: Vec<Line>,
    /// `href="#…"` targets of links in the cell, in order.
    pub anchors: Vec<String>,
    /// Links to other pages (`../x/crm-quote-fields.md`, `y.html#z`), as
    /// written, in order.
    pub links: Vec<String>,
}

/// One line of text with its inline markup facts.
#[derive(Debug, Clone, Default)]
pub struct Line {
    /// Whitespace-normalized text.
    pub text: String,
    /// Inline `<code>` texts, in order.
    pub codes: Vec<String>,
    /// The line starts with a `<code>` (possibly inside `<strong>`/`<a>`).
    pub leading_code: Option<String>,
    /// The first `<strong>` text.
    pub strong: Option<String>,
    /// A `<sup>` text, if any.
    pub sup: Option<String>,
    /// The line is a list item.
    pub item: bool,
}

impl Cell {
    /// No text and no links.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty() && self.anchors.is_empty() && self.links.is_empty()
    }

    /// All lines' text joined by newlines.
    pub fn text(&self) -> String {
        let parts: Vec<&str> = self.lines.iter().map(|l| l.text.as_str()).collect();
        parts.join("\n")
    }
}

/// Parse a page's HTML into raw blocks.
pub fn parse(html: &str) -> RawPage {
    let doc = Html::parse_document(html);
    let mut page = RawPage::default();
    if let Some(title) = select_first(&doc, "title") {
        page.title = normalize(&title.text().collect::<String>());
    }
    let root = select_first(&doc, "main").or_else(|| select_first(&doc, "body"));
    if let Some(root) = root {
        walk(root, &mut page.blocks);
    }
    if page.title.is_empty() {
        if let Some(Block::Heading { text, .. }) = page.blocks.first() {
            page.title = text.clone();
        }
    }
    page
}

fn select_first<'a>(doc: &'a Html, sel: &str) -> Option<ElementRef<'a>> {
    let sel = Selector::parse(sel).ok()?;
    doc.select(&sel).next()
}

fn walk(el: ElementRef<'_>, out: &mut Vec<Block>) {
    for child in el.children() {
        let Some(child) = ElementRef::wrap(child) else {
            continue;
        };
        let name = child.value().name();
        match name {
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                let level = name.as_bytes()[1] - b'0';
                out.push(Block::Heading {
                    level,
                    id: child.value().attr("id").unwrap_or_default().to_string(),
                    text: heading_text(child),
                });
            }
            "table" => out.push(Block::Table(table(child))),
            "pre" => out.push(code_block(child)),
            "p" => {
                for line in lines(child, false) {
                    out.push(Block::Para(line));
                }
            }
            "ul" | "ol" => {
                for li in child.children().filter_map(ElementRef::wrap) {
                    if li.value().name() == "li" {
                        let mut inner = Vec::new();
                        collect_lines(li, true, &mut inner);
                        out.extend(inner.into_iter().map(Block::Para));
                        walk_nested_blocks(li, out);
                    }
                }
            }
            "blockquote" => {
                let mut inner = Vec::new();
                collect_lines(child, false, &mut inner);
                out.push(Block::Quote(inner));
            }
            "div" if has_class(child, "yfm-note") => {
                out.push(Block::Note(normalize(&child.text().collect::<String>())));
                walk(child, out);
            }
            "svg" | "button" | "script" | "style" => {}
            _ => walk(child, out),
        }
    }
}

/// Tables and code blocks nested in a list item (its text is read as lines).
fn walk_nested_blocks(el: ElementRef<'_>, out: &mut Vec<Block>) {
    for child in el.children().filter_map(ElementRef::wrap) {
        match child.value().name() {
            "table" | "pre" => walk_one(child, out),
            "p" | "ul" | "ol" | "li" | "br" => {}
            _ => walk_nested_blocks(child, out),
        }
    }
}

fn walk_one(el: ElementRef<'_>, out: &mut Vec<Block>) {
    match el.value().name() {
        "table" => out.push(Block::Table(table(el))),
        _ => out.push(code_block(el)),
    }
}

fn code_block(el: ElementRef<'_>) -> Block {
    let lang = el
        .descendants()
        .filter_map(ElementRef::wrap)
        .find(|e| e.value().name() == "code")
        .and_then(|c| c.value().attr("class"))
        .and_then(|c| {
            c.split_whitespace()
                .find_map(|k| k.strip_prefix("language-"))
        })
        .unwrap_or_default()
        .to_string();
    Block::Code {
        lang,
        text: el.text().collect(),
    }
}

fn has_class(el: ElementRef<'_>, class: &str) -> bool {
    el.value()
        .attr("class")
        .is_some_and(|c| c.split_whitespace().any(|k| k == class))
}

fn heading_text(el: ElementRef<'_>) -> String {
    // The anchor link repeats the heading text in a hidden span: skip it.
    let mut s = String::new();
    for node in el.children() {
        match node.value() {
            Node::Text(t) => s.push_str(t),
            Node::Element(e)
                if e.name() == "a" && e.attr("class").is_some_and(|c| c.contains("yfm-anchor")) => {
            }
            Node::Element(_) => {
                if let Some(e) = ElementRef::wrap(node) {
                    s.extend(e.text());
                }
            }
            _ => {}
        }
    }
    normalize(&s)
}

fn table(el: ElementRef<'_>) -> Vec<Vec<Cell>> {
    let mut rows = Vec::new();
    for row in el.descendants().filter_map(ElementRef::wrap) {
        if row.value().name() != "tr" {
            continue;
        }
        // Only rows of this table, not of a nested one.
        let owner = row
            .ancestors()
            .filter_map(ElementRef::wrap)
            .find(|a| a.value().name() == "table");
        if owner.map(|o| o.id()) != Some(el.id()) {
            continue;
        }
        let mut cells: Vec<Cell> = row
            .children()
            .filter_map(ElementRef::wrap)
            .filter(|c| matches!(c.value().name(), "td" | "th"))
            .map(cell)
            .collect();
        // The docs engine pads every row to the widest row of its table with
        // empty cells (one row ending in a stray `| ||` gives all rows a third
        // cell): an empty cell at the end is padding, not the description.
        while cells.len() > 1 && cells.last().is_some_and(Cell::is_empty) {
            cells.pop();
        }
        rows.push(cells);
    }
    rows
}

fn cell(el: ElementRef<'_>) -> Cell {
    let mut out = Cell::default();
    collect_lines(el, false, &mut out.lines);
    for a in el.descendants().filter_map(ElementRef::wrap) {
        if a.value().name() == "a" {
            let href = a.value().attr("href").unwrap_or_default();
            if let Some(target) = href.strip_prefix('#') {
                if !target.is_empty() && !out.anchors.iter().any(|x| x == target) {
                    out.anchors.push(target.to_string());
                }
            } else if !href.is_empty()
                && !href.contains("://")
                && !out.links.iter().any(|x| x == href)
            {
                out.links.push(href.to_string());
            }
        }
    }
    out
}

/// Lines of a block-level container: each `p`/`li` (or loose inline run),
/// split at `<br>`.
fn collect_lines(el: ElementRef<'_>, item: bool, out: &mut Vec<Line>) {
    let mut inline = LineBuilder::new(item);
    for node in el.children() {
        match node.value() {
            Node::Text(t) => inline.text(t),
            Node::Element(e) => {
                let Some(child) = ElementRef::wrap(node) else {
                    continue;
                };
                match e.name() {
                    "p" | "div" | "blockquote" => {
                        inline.flush(out);
                        collect_lines(child, item, out);
                    }
                    "ul" | "ol" => {
                        inline.flush(out);
                        for li in child.children().filter_map(ElementRef::wrap) {
                            collect_lines(li, true, out);
                        }
                    }
                    "li" => {
                        inline.flush(out);
                        collect_lines(child, true, out);
                    }
                    "pre" | "table" | "svg" | "button" => inline.flush(out),
                    "br" => inline.flush(out),
                    _ => inline.element(child, out),
                }
            }
            _ => {}
        }
    }
    inline.flush(out);
}

fn lines(el: ElementRef<'_>, item: bool) -> Vec<Line> {
    let mut out = Vec::new();
    collect_lines(el, item, &mut out);
    out
}

struct LineBuilder {
    line: Line,
    raw: String,
    item: bool,
}

impl LineBuilder {
    fn new(item: bool) -> Self {
        Self {
            line: Line {
                item,
                ..Line::default()
            },
            raw: String::new(),
            item,
        }
    }

    fn text(&mut self, t: &str) {
        self.raw.push_str(t);
    }

    fn element(&mut self, el: ElementRef<'_>, out: &mut Vec<Line>) {
        let name = el.value().name();
        // A `<br>` nested in inline markup (e.g. `<strong>a<br>b</strong>`).
        if el
            .descendants()
            .filter_map(ElementRef::wrap)
            .any(|d| d.value().name() == "br")
        {
            for node in el.children() {
                match node.value() {
                    Node::Text(t) => self.text(t),
                    Node::Element(e) if e.name() == "br" => self.flush(out),
                    Node::Element(_) => {
                        if let Some(c) = ElementRef::wrap(node) {
                            self.element(c, out);
                        }
                    }
                    _ => {}
                }
            }
            return;
        }
        let text: String = el.text().collect();
        let starts_here = self.raw.trim().is_empty();
        match name {
            "code" => {
                let code = text.trim().to_string();
                if starts_here && self.line.leading_code.is_none() && self.line.codes.is_empty() {
                    self.line.leading_code = Some(code.clone());
                }
                self.line.codes.push(code);
            }
            "sup" => self.line.sup = Some(normalize(&text)),
            _ => {
                let first_code = el
                    .descendants()
                    .filter_map(ElementRef::wrap)
                    .filter(|d| d.value().name() == "code")
                    .map(|c| c.text().collect::<String>().trim().to_string())
                    .collect::<Vec<_>>();
                if starts_here && self.line.codes.is_empty() {
                    let inner_text = normalize(&text);
                    if let Some(c) = first_code.first() {
                        if inner_text.starts_with(c.as_str()) {
                            self.line.leading_code = Some(c.clone());
                        }
                    }
                }
                self.line.codes.extend(first_code);
                if (name == "strong" || name == "b") && self.line.strong.is_none() {
                    self.line.strong = Some(normalize(&text));
                }
            }
        }
        self.raw.push_str(&text);
    }

    fn flush(&mut self, out: &mut Vec<Line>) {
        let text = normalize(&self.raw);
        if !text.is_empty() || !self.line.codes.is_empty() {
            let mut line = std::mem::replace(
                &mut self.line,
                Line {
                    item: self.item,
                    ..Line::default()
                },
            );
            line.text = text;
            out.push(line);
        } else {
            self.line = Line {
                item: self.item,
                ..Line::default()
            };
        }
        self.raw.clear();
    }
}

/// Collapse runs of white space into one space and trim.
pub fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}
