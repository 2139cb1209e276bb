//! The published docs pages over HTTP (placeholder, filled in below).
