//! Docs sources: where the pages that extraction reads come from.
//!
//! Every source returns the same thing, a list of [`Page`]s (a path below
//! the docs root ending in `.html`, and the page's HTML), so all of them feed
//! the same extractor:
//!
//! - a folder of rendered HTML pages: [`crate::regen::read_html_dir`];
//! - the docs' Markdown source (YFM): [`markdown::read_markdown_dir`];
//! - the published pages over HTTP: [`http::fetch_pages`].
//!
//! [`pin`] records which source and revision made `specs/`.

pub mod http;
pub mod markdown;
pub mod pin;

pub use crate::regen::Page;
