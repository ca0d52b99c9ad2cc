//! The language-neutral vectors of `test-vectors/`, as both test suites read them.
#![allow(dead_code, clippy::unwrap_used, clippy::indexing_slicing)]

use serde_json::{Value, json};

/// `test-vectors/<file>`, parsed.
pub fn load(file: &str) -> Value {
    let path = format!("{}/../../test-vectors/{file}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The plugin configuration a vector's `keys`, `policy` and `now` become (the clock as
/// `fixed_clock`). A username the core refuses (a backslash, a quote, over 256 bytes) cannot
/// be configured in any store; the vectors that carry one fail on the Authorization grammar
/// first, so it is left out (and a placeholder key stands in when none is left, as the filter
/// needs one).
pub fn plugin_config(vector: &Value) -> serde_json::Map<String, Value> {
    let mut config = vector["policy"].as_object().unwrap().clone();
    let mut keys: Vec<Value> = vector["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| {
            ingo_signer_core::SigningKey::new(
                k["username"].as_str().unwrap(),
                k["secret"].as_str().unwrap().as_bytes(),
            )
            .is_ok()
        })
        .cloned()
        .collect();
    if keys.is_empty() {
        keys.push(json!({"username": "placeholder", "secret": "never-used"}));
    }
    config.insert("keys".into(), Value::Array(keys));
    config.insert("fixed_clock".into(), vector["now"].clone());
    config
}
