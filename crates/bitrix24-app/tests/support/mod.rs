//! Shared by the integration tests.
#![allow(dead_code)]

pub mod emulator;

use bitrix24_runtime::{ApiVersion, Method};

/// A raw method for the tests: any name, `Value` result.
#[derive(serde::Serialize)]
pub struct Probe {}

impl Method for Probe {
    const NAME: &'static str = "app.info";
    const VERSION: ApiVersion = ApiVersion::V2;
    const IDEMPOTENT: bool = true;
    type Output = serde_json::Value;
    type ErrorCode = String;
}

/// The PostgreSQL URL for the tests, or why they skip.
pub fn pg_url() -> Result<String, &'static str> {
    std::env::var("BITRIX24_TEST_PG_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .ok_or("BITRIX24_TEST_PG_URL is not set (.ci/run starts a server and sets it)")
}
