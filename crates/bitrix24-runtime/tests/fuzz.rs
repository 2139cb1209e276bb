//! Arbitrary bytes and statuses never panic the response decoder.

use bitrix24_runtime::envelope::decode;
use bitrix24_runtime::lenient;
use proptest::prelude::*;
use serde::Deserialize;

#[derive(Deserialize, Debug)]
#[allow(dead_code)]
struct Item {
    #[serde(rename = "ID", deserialize_with = "lenient::int")]
    id: i64,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    active: Option<bool>,
    #[serde(default, deserialize_with = "lenient::vec")]
    tags: Vec<lenient::Str>,
}

fn json_like() -> impl Strategy<Value = Vec<u8>> {
    let fragments = prop::sample::select(vec![
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"result\"",
        "\"error\"",
        "\"error_description\"",
        "\"time\"",
        "\"total\"",
        "\"next\"",
        "\"ID\"",
        "\"12\"",
        "12",
        "-1",
        "1e400",
        "null",
        "true",
        "\"Y\"",
        "\"\"",
        "{\"code\":1}",
        "\"operating_reset_at\"",
        "\u{e9}",
        "\\u0000",
    ]);
    prop::collection::vec(fragments, 0..40).prop_map(|v| v.concat().into_bytes())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..512), status in 0u16..1000) {
        let _ = decode::<serde_json::Value>("fuzz", status, &body);
        let _ = decode::<Vec<Item>>("fuzz", status, &body);
    }

    #[test]
    fn json_shaped_noise_never_panics(body in json_like(), status in prop::sample::select(vec![200u16, 400, 401, 429, 500, 503])) {
        let _ = decode::<serde_json::Value>("fuzz", status, &body);
        let _ = decode::<Vec<Item>>("fuzz", status, &body);
        let _ = decode::<Item>("fuzz", status, &body);
    }
}
