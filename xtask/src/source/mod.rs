//! Docs sources: where the pages that extraction reads come from.
//!
//! Every source returns the same thing, a list of [`Page`]s (a path below
//! the docs root ending in `.html`, and the page's HTML), so all of them feed
//! the same extractor:
//!
//! - a folder of rendered HTML pages: [`read_html_dir`];
//! - the docs' Markdown source (YFM): [`markdown::read_markdown_dir`];
//! - the published pages over HTTP: [`http::fetch_pages`];
//! - the docs repository's archive at a revision, from its git host
//!   ([`githost`]), verified and cached ([`archive::fetch`]), then read as
//!   Markdown; [`refs`] finds the newest revision.
//!
//! [`pin`] records which source and revision made `specs/`.

pub mod archive;
pub mod choose;
pub mod githost;
pub mod http;
pub mod markdown;
mod page;
pub mod pin;
pub mod refs;

pub use page::{read_html_dir, Page};
