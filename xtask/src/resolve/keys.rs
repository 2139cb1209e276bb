//! What the completion of results and of parameters both ask of an
//! example's keys.

use serde_json::Value;

/// Depth past which examples are not read (deeper objects stay `object`).
pub(crate) const MAX_DEPTH: usize = 8;

/// A non-empty object whose keys are all IDs.
pub(crate) fn keyed_by_id(m: &serde_json::Map<String, Value>) -> bool {
    !m.is_empty() && m.keys().all(|k| is_id(k))
}

/// A key that is a number: an entry of a map keyed by ID.
pub(crate) fn is_id(k: &str) -> bool {
    !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit())
}
