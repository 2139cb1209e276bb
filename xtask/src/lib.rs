//! The Bitrix24 SDK generator: docs pages → `specs/` → the generated crate.
//!
//! Each stage is a pure function of its input, so `regen` is parallel and
//! deterministic, and each stage is tested on its own.

pub mod naming;
pub mod spec;
pub mod types;
