//! What needs several pages: the stage between extraction (one page → one
//! spec) and the written specs. It reads the extracted specs of every page,
//! never the pages themselves, and its output depends only on the set of
//! pages, not on the order they were read in.
//!
//! - [`dedup`]: one spec per method and per event where several pages
//!   document it;
//! - [`events`]: an event page without a scope takes its folder's;
//! - [`link`]: a field described by a fields page or a data-types entry gets
//!   that entity's fields;
//! - [`namespace`]: a `get`/`list` result typed only by its example takes
//!   the entity its namespace documents (`crm.deal.get`, `crm.deal.fields`);
//! - [`complete`]: result fields the tables leave out, from the examples;
//! - [`params`]: parameter shapes and wire spellings, from the request
//!   examples.

pub mod complete;
pub mod dedup;
pub mod events;
#[cfg(test)]
mod fixtures;
mod keys;
pub mod link;
pub mod namespace;
pub mod params;

use crate::spec::{Entity, EventSpec, MethodSpec};

/// The specs of every page, resolved: duplicates dropped, entities linked,
/// results completed and parameter shapes settled.
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    /// Method specs, sorted by path under `specs/`.
    pub specs: Vec<MethodSpec>,
    /// Event specs, sorted by path under `specs/`.
    pub events: Vec<EventSpec>,
    /// Method pages dropped as copies of another page.
    pub duplicate_pages: usize,
    /// Event pages dropped as copies of another page.
    pub event_duplicates: usize,
}

/// Resolves the specs extracted from every page (`site`: the docs site the
/// URLs begin with). Entities are taken in the order given, the first of a
/// name winning: pass them in page order.
pub fn resolve(
    specs: Vec<MethodSpec>,
    events: Vec<EventSpec>,
    entities: &[Entity],
    site: &str,
) -> Resolved {
    let (mut specs, duplicate_pages) = dedup::keep_one_each(specs, site);
    let (mut events, event_duplicates) = dedup::keep_one_each(events, site);
    events::scope_from_folder(&mut events, &specs);
    let mut index = link::Index::new(entities);
    index.add_anchored(&specs, site);
    index.link(&mut specs);
    namespace::by_namespace(&mut specs, &index, site);
    params::shape(&mut specs);
    complete::complete(&mut specs);
    Resolved {
        specs,
        events,
        duplicate_pages,
        event_duplicates,
    }
}
