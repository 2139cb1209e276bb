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
