//! Names derived from docs facts: spec folders now, Rust identifiers in codegen.

/// The folder (and module) name for a scope: lowercase ASCII, with anything
/// other than letters, digits, `.` and `_` turned into `_`.
pub fn folder_name(scope: &str) -> String {
    let mut out: String = scope
        .trim()
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() {
        out.push_str("misc");
    }
    out
}

/// Rust keywords (strict, reserved and edition-2024 `gen`) that cannot be
/// plain identifiers; a `_` is appended to them.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Words for names made of symbols only (`*`, `>=`), so they still read.
fn symbol_word(c: char) -> Option<&'static str> {
    Some(match c {
        '*' => "all",
        '<' => "lt",
        '>' => "gt",
        '=' => "eq",
        '!' => "not",
        '%' => "percent",
        '@' => "at",
        '+' => "plus",
        '-' => "minus",
        '#' => "hash",
        '$' => "dollar",
        '&' => "and",
        '|' => "or",
        '~' => "tilde",
        _ => return None,
    })
}

/// Splits a wire name into lowercase words: at every character that is not
/// an ASCII letter or digit, and at case changes (`getList` → `get list`,
/// `HTMLText` → `html text`). Digits stay with the word before them
/// (`menu24`, `UF_CRM_1` → `uf crm 1`). A name without letters or digits is
/// spelled through its symbols (`*` → `all`); an empty one is `empty`.
pub fn words(raw: &str) -> Vec<String> {
    // A placeholder key (`<siteId>`, `{id}`) is named by what it stands for.
    let trimmed = raw.trim();
    let inner = trimmed
        .strip_prefix('<')
        .and_then(|r| r.strip_suffix('>'))
        .or_else(|| trimmed.strip_prefix('{').and_then(|r| r.strip_suffix('}')))
        .filter(|r| !r.is_empty())
        .unwrap_or(raw);
    let chars: Vec<char> = inner.chars().collect();
    let mut out: Vec<String> = Vec::new();
    // Leading operators are meaningful (`=DELETED`, `>=DATE`, `~TITLE`).
    let lead: Vec<&str> = chars
        .iter()
        .take_while(|c| !c.is_ascii_alphanumeric())
        .filter_map(|&c| symbol_word(c))
        .collect();
    if chars.iter().any(char::is_ascii_alphanumeric) && lead.len() < chars.len() {
        out.extend(lead.iter().map(|w| w.to_string()));
    }
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if c.is_ascii_uppercase() && !cur.is_empty() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                out.push(std::mem::take(&mut cur));
            }
        }
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    if out.is_empty() {
        out = raw
            .chars()
            .filter_map(symbol_word)
            .map(str::to_string)
            .collect();
    }
    if out.is_empty() {
        out.push("empty".to_string());
    }
    out
}

/// A `snake_case` Rust identifier for a wire name: fields, setters, modules.
/// A leading digit gets an `n` in front (`0` → `n0`); a keyword gets a `_`
/// after it (`type` → `type_`).
pub fn snake_ident(raw: &str) -> String {
    let mut s = words(raw).join("_");
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'n');
    }
    if KEYWORDS.contains(&s.as_str()) {
        s.push('_');
    }
    s
}

/// A `CamelCase` Rust identifier for a wire name: types and enum variants.
/// A leading digit gets an `N` in front (`0` → `N0`); `Self` becomes `Self_`.
pub fn camel_ident(raw: &str) -> String {
    let mut s: String = words(raw)
        .iter()
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + cs.as_str(),
                None => String::new(),
            }
        })
        .collect();
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'N');
    }
    if KEYWORDS.contains(&s.as_str()) {
        s.push('_');
    }
    s
}

/// Keys like `<siteId>`, `{id}`, `UF_CRM_...` or `UF_*` that stand for any
/// key of an object: codegen makes a map of them, example checks skip them.
pub fn is_placeholder_key(name: &str) -> bool {
    key_pattern(name).is_some()
}

/// Prefixes of keys that the portal numbers per installation: custom fields
/// (`UF_CRM_1687188367`, `ufCrm_1721244707107`), parent links of smart
/// processes (`PARENT_ID_156`, `parentId1220`), product and list properties
/// (`PROPERTY_45`, `property259`). A documented key made of such a prefix and
/// an ID stands for every key of its family.
const NUMBERED_FAMILIES: &[&str] = &[
    "UF_CRM_",
    "ufCrm_",
    "ufCrm",
    "UF_RPA_",
    "PARENT_ID_",
    "parentId",
    "PROPERTY_",
    "property",
];

/// The key pattern a documented key stands for, as a glob where `*` is any
/// run of characters; `None` for a literal key. The one rule for placeholder
/// keys, shared by extraction, example checks and codegen:
///
/// - a placeholder part, `<siteId>`, `{id}`, `...`, `…`, `xxx` or `*`,
///   becomes `*` (`UF_CRM_...` → `UF_CRM_*`, `chat<chatId>` → `chat*`,
///   `<siteId>` → `*`);
/// - a bare prefix ending in `_` of a numbered family (`UF_`) gets a `*`;
/// - a numbered family followed by an ID (`UF_CRM_577BBCE354F86`,
///   `parentId1220`, `property259`) becomes the family's pattern;
/// - any other key ending in an ID of four or more digits (`reg151085`,
///   `field7097`) is taken as one instance of a numbered key.
pub fn key_pattern(name: &str) -> Option<String> {
    let n = name.trim();
    if n.is_empty() {
        return None;
    }
    let mut out = String::new();
    let mut placeholder = false;
    let mut chars = n.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let close = match c {
            '<' => Some('>'),
            '{' => Some('}'),
            _ => None,
        };
        if let Some(close) = close {
            if let Some(end) = n[i + 1..].find(close).filter(|&e| e > 0) {
                out.push('*');
                placeholder = true;
                let stop = i + 1 + end;
                while chars.peek().is_some_and(|&(j, _)| j <= stop) {
                    chars.next();
                }
                continue;
            }
        }
        if c == '*' || c == '…' {
            placeholder = true;
            out.push('*');
            continue;
        }
        if c == '.' && n[i..].starts_with("...") {
            placeholder = true;
            out.push('*');
            chars.next();
            chars.next();
            continue;
        }
        out.push(c);
    }
    for lower in ["xxx", "XXX"] {
        if let Some(stem) = out.strip_suffix(lower) {
            if !stem.is_empty() && stem.ends_with(['_', '.']) {
                out = format!("{stem}*");
                placeholder = true;
            }
        }
    }
    if placeholder {
        // `**` and `UF_*_*`-like runs collapse to one `*` each.
        while out.contains("**") {
            out = out.replace("**", "*");
        }
        return Some(out);
    }
    if n == "UF_" {
        return Some("UF_*".to_string());
    }
    for fam in NUMBERED_FAMILIES {
        if let Some(id) = n.strip_prefix(fam) {
            let id_like = !id.is_empty()
                && id.chars().any(|c| c.is_ascii_digit())
                && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if id_like {
                return Some(format!("{fam}*"));
            }
        }
    }
    // `propertyN`, `fieldN`: a word of four letters or more and a capital
    // `N` for "any number" (shorter stems are real names: `gpsN` beside
    // `gpsS`).
    if let Some(stem) = n.strip_suffix('N') {
        if stem.len() >= 4 && stem.chars().all(|c| c.is_ascii_lowercase()) {
            return Some(format!("{stem}*"));
        }
    }
    let digits = n.len() - n.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let stem = &n[..n.len() - digits];
    if digits >= 4 && stem.chars().any(|c| c.is_ascii_alphabetic()) {
        return Some(format!("{stem}*"));
    }
    None
}

#[cfg(test)]
mod ident_tests {
    use super::*;

    #[test]
    fn snake_and_camel() {
        assert_eq!(snake_ident("getList"), "get_list");
        assert_eq!(snake_ident("<siteId>"), "site_id");
        assert_eq!(snake_ident("0"), "n0");
        assert_eq!(snake_ident("*"), "all");
        assert_eq!(snake_ident("=DELETED"), "eq_deleted");
        assert_eq!(snake_ident(">=DATE"), "gt_eq_date");
        assert_eq!(snake_ident("~UNTIL"), "tilde_until");
        assert_eq!(snake_ident("<siteId>"), "site_id");
        assert_eq!(snake_ident("type"), "type_");
        assert_eq!(snake_ident("UF_CRM_1"), "uf_crm_1");
        assert_eq!(snake_ident("HTMLText"), "html_text");
        assert_eq!(snake_ident(""), "empty");
        assert_eq!(camel_ident("ACCESS_DENIED"), "AccessDenied");
        assert_eq!(camel_ident("menu24"), "Menu24");
        assert_eq!(camel_ident("setRights"), "SetRights");
        assert_eq!(camel_ident("1c"), "N1c");
        assert_eq!(camel_ident("self"), "Self_");
    }

    #[test]
    fn key_patterns() {
        let p = |n: &str| key_pattern(n);
        assert_eq!(p("UF_CRM_...").as_deref(), Some("UF_CRM_*"));
        assert_eq!(p("PARENT_ID_...").as_deref(), Some("PARENT_ID_*"));
        assert_eq!(p("<siteId>").as_deref(), Some("*"));
        assert_eq!(p("chat<chatId>").as_deref(), Some("chat*"));
        assert_eq!(p("upload{id}").as_deref(), Some("upload*"));
        assert_eq!(p("<node selector>@<position>").as_deref(), Some("*@*"));
        assert_eq!(p("UF_*").as_deref(), Some("UF_*"));
        assert_eq!(p("UF_").as_deref(), Some("UF_*"));
        assert_eq!(p("UF_CRM_xxx").as_deref(), Some("UF_CRM_*"));
        assert_eq!(p("UF_CRM_577BBCE354F86").as_deref(), Some("UF_CRM_*"));
        assert_eq!(p("ufCrm_1721244707107").as_deref(), Some("ufCrm_*"));
        assert_eq!(p("parentId1220").as_deref(), Some("parentId*"));
        assert_eq!(p("property259").as_deref(), Some("property*"));
        assert_eq!(p("reg151085").as_deref(), Some("reg*"));
        assert_eq!(p("propertyN").as_deref(), Some("property*"));
        assert_eq!(p("fieldN").as_deref(), Some("field*"));
        for literal in [
            "UF_CRM_TASK",
            "UF_DEPARTMENT",
            "ADDRESS_2",
            "SUPPORTS_FFD105",
            "ID",
            "1",
            "sip7",
            "PROPERTY_VALUES",
            "parentId",
            "gpsN",
            "ORIGIN",
            "",
        ] {
            assert_eq!(p(literal), None, "{literal}");
        }
    }
}
