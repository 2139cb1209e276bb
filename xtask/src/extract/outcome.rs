//! What extraction gives for one page.

use crate::spec::{Entity, ErrorSpec, EventSpec, MethodSpec};

/// What one page gave.
#[derive(Debug, Clone, Default)]
pub struct PageOutcome {
    /// The method spec, if this is a REST method page.
    pub spec: Option<MethodSpec>,
    /// Rows of the page's shared system-error table, if it has one.
    pub system_errors: Vec<ErrorSpec>,
    /// Entities the page documents (data types, a fields page).
    pub entities: Vec<Entity>,
    /// The event specs: one for an event page, one per event section on a
    /// page of several events, none otherwise.
    pub events: Vec<EventSpec>,
}
