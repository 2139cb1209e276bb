//! The pin (placeholder).
