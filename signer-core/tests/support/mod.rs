//! The core's test support, shared by its integration tests (each uses its own part): signed
//! requests and their heads for the verifier's tests; the seeds' example bodies, copied verbatim
//! from `shared/spec/seeds/`, and small builders for bodies that differ from them, for the
//! payload tests.
#![allow(dead_code)]

use ingo_signer_core::payload::{Endpoint, Options, PayloadError, validate};
use ingo_signer_core::signer::{Body, Request};
use ingo_signer_core::{HttpVersion, RequestHead, Signer, SigningKey};
use serde_json::Value;

// --- signed requests ---------------------------------------------------------------------

/// The instant the verifier's tests sign and verify at.
pub const NOW: u64 = 1_700_000_000;

/// A small push-to-card body.
pub const BODY: &[u8] = br#"{"participant_id":12345,"amount":10.50}"#;

/// The target the verifier's tests sign.
pub const TARGET: &str = "/gateway/process--card";

/// `POST TARGET` with `body`, signed by `signer` at `at`: the headers as sent, owned.
pub fn signed_with(signer: &Signer<'_>, body: Body<'_>, at: u64) -> Vec<(String, String)> {
    let request = Request {
        body,
        ..Request::new("POST", TARGET, b"")
    };
    signer
        .sign(&request, at)
        .unwrap()
        .iter()
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect()
}

/// `POST TARGET` with `body`, signed with `key`'s defaults at `at`.
pub fn signed(key: &SigningKey, body: &[u8], at: u64) -> Vec<(String, String)> {
    signed_with(&Signer::new(key), Body::Bytes(body), at)
}

/// The head of `POST TARGET HTTP/1.1` with `headers`.
pub fn head(headers: &[(String, String)]) -> RequestHead<'_, [(String, String)]> {
    RequestHead {
        method: "POST",
        target: TARGET,
        version: HttpVersion::Http11,
        headers,
    }
}

/// `headers` with the value of `name` (any case) replaced by `value`.
pub fn with(headers: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| {
            let value = if n.eq_ignore_ascii_case(name) {
                value
            } else {
                v
            };
            (n.clone(), value.to_owned())
        })
        .collect()
}

// --- payloads ----------------------------------------------------------------------------

/// Session Create request body of `000_57bb247202828341.txt`.
pub const SESSION_CREATE_SEED: &str = r#"{
"participant_unique_id1": "70646041-01ea-4cd6-b657-18ff88e465c7",
"host_uri": "https://digitalpay-test.ingo.money",
"language_locale_code": "en-US",
"recipient_information": {
"first_name": "Alex",
"last_name": "Rivera",
"business_name": "Acme Limited",
"address_line1": "100 Innovation Way",
"city": "Anytown",
"state": "GA",
"zip_code": "37233",
"email_address": "jack.frost@example.com",
"phone_number": "1231231234",
"mobile_number": "1231231234",
"open_banking": {
"mobus_customer_id": "9999"
}
}
}"#;

/// Session Create response body of `000_57bb247202828341.txt`.
pub const SESSION_CREATE_RESPONSE_SEED: &str = r#"{
"status": 100,
"client_message": "Success",
"data": {
"session_identifier": "7830227a-ba47-4d28-9416-cad41a446db7",
"authorized_url": "https://iip-webplugin-ingo.money/session/7830227a-ba47-4d28-9416-cad41a446db7?t=637126733246949906&h=rpSb%2f%2fAeOAKjX7%2fhhOQvj9zpvwf4xeg97TuPCMtpUg0%3d",
"authorized_url_expiration_utc": "2019-12-10T20:14:19.763941Z",
"participant_unique_id1": "1f271ff6-5b79-45b6-a71e-aa9d1b86c0d8",
"participant_unique_id2": ""
},
"time": 0.8
}"#;

/// Push-to-card request body of `004_3afb189ecea9ab41.txt` (the file the benchmarks read too).
pub const PUSH_TO_CARD_SEED: &str = include_str!("../../../benches/data/push_to_card_seed.json");

/// Push-to-card response body of `004_3afb189ecea9ab41.txt`.
pub const PUSH_TO_CARD_RESPONSE_SEED: &str = r#"{
"status": 100,
"client_message": "Success",
"data": {
"estimated_posting_time": "Payment will post within 5 minutes.",
"estimated_posting_date": "04/21/2026",
"transaction_id": 2361525,
"request_timestamp": 1576099632,
"customer_account_token": "ca875cce-58c0-46a0-8f14-676190cc7df6",
"participant_unique_id1": "1f2739ed-3531-4af2-ae36-e6faf7936462",
"participant_unique_id2": "90759390-01c7-47e7-8a90-6faa89b18ff6"
},
"time": "1.1275"
}"#;

/// Every participant option on.
pub fn all_options() -> Options {
    Options::new()
        .with_paypal_enabled()
        .with_sender_data()
        .with_ledger_service()
        .with_retail_card_present()
}

/// One violation, owned, so tests can compare it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// The dotted path, as displayed.
    pub path: String,
    /// The rule's stable identifier.
    pub kind: &'static str,
    /// The whole `Display` line.
    pub message: String,
}

/// Each violation's path and rule, in report order.
pub fn paths_and_kinds(seen: &[Seen]) -> Vec<(&str, &'static str)> {
    seen.iter().map(|s| (s.path.as_str(), s.kind)).collect()
}

/// What `validate` said, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Json(&'static str),
    Fields(Vec<Seen>, usize),
}

pub fn outcome(endpoint: Endpoint, options: Options, body: &[u8]) -> Outcome {
    match validate(endpoint, options, body) {
        Ok(()) => Outcome::Pass,
        Err(PayloadError::Json(e)) => Outcome::Json(e.kind()),
        Err(PayloadError::Invalid(report)) => {
            assert!(
                !report.violations().is_empty(),
                "an empty report is not an error"
            );
            let seen = report
                .violations()
                .iter()
                .map(|v| Seen {
                    path: v.path().to_string(),
                    kind: v.kind(),
                    message: v.to_string(),
                })
                .collect();
            Outcome::Fields(seen, report.omitted())
        }
    }
}

/// The field violations (empty when the body passes); panics on a JSON error.
pub fn violations(endpoint: Endpoint, options: Options, body: &[u8]) -> Vec<Seen> {
    match outcome(endpoint, options, body) {
        Outcome::Pass => Vec::new(),
        Outcome::Fields(v, _) => v,
        Outcome::Json(kind) => panic!(
            "expected field violations, got JSON error {kind} for {}",
            String::from_utf8_lossy(body)
        ),
    }
}

/// The JSON error's kind; panics when there is none.
pub fn json_error(endpoint: Endpoint, options: Options, body: &[u8]) -> &'static str {
    match outcome(endpoint, options, body) {
        Outcome::Json(kind) => kind,
        other => panic!("expected a JSON error, got {other:?}"),
    }
}

#[track_caller]
pub fn assert_passes(endpoint: Endpoint, options: Options, body: &[u8]) {
    let got = outcome(endpoint, options, body);
    assert_eq!(
        got,
        Outcome::Pass,
        "body should pass: {}",
        String::from_utf8_lossy(body)
    );
}

/// Asserts exactly one violation, at `path`, of rule `kind`; returns its message.
#[track_caller]
pub fn assert_only(
    endpoint: Endpoint,
    options: Options,
    body: &[u8],
    path: &str,
    kind: &str,
) -> String {
    let v = violations(endpoint, options, body);
    assert_eq!(
        v.len(),
        1,
        "expected exactly one violation at {path}, got {v:#?}\nbody: {}",
        String::from_utf8_lossy(body)
    );
    assert_eq!(v[0].path, path, "{v:#?}");
    assert_eq!(v[0].kind, kind, "{v:#?}");
    v[0].message.clone()
}

/// Parses `seed`, lets `f` change it, and serializes it again (compactly).
pub fn edit(seed: &str, f: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut v: Value = serde_json::from_str(seed).expect("seed is JSON");
    f(&mut v);
    serde_json::to_vec(&v).expect("serializable")
}

/// The object at the dotted `path`'s parent, created as needed, and the last key.
fn parent_of<'v>(v: &'v mut Value, path: &str) -> (&'v mut serde_json::Map<String, Value>, String) {
    let mut parts: Vec<&str> = path.split('.').collect();
    let last = parts.pop().expect("non-empty path").to_string();
    let mut cur = v;
    for p in parts {
        cur = cur
            .as_object_mut()
            .expect("object on the path")
            .entry(p)
            .or_insert_with(|| Value::Object(Default::default()));
    }
    (cur.as_object_mut().expect("object parent"), last)
}

/// `seed` with the field at dotted `path` set to `value`.
pub fn set(seed: &str, path: &str, value: Value) -> Vec<u8> {
    edit(seed, |v| {
        let (obj, key) = parent_of(v, path);
        obj.insert(key, value);
    })
}

/// `seed` without the field at dotted `path`.
pub fn remove(seed: &str, path: &str) -> Vec<u8> {
    edit(seed, |v| {
        let (obj, key) = parent_of(v, path);
        assert!(obj.remove(&key).is_some(), "{path} is not in the seed");
    })
}

/// `seed` with the field at dotted `path` set to the raw JSON text `raw` (for escapes and
/// number literals that serde_json would rewrite).
pub fn set_raw(seed: &str, path: &str, raw: &str) -> Vec<u8> {
    const MARK: &str = "\u{1}RAW-VALUE\u{1}";
    let body = String::from_utf8(set(seed, path, Value::String(MARK.into()))).unwrap();
    let quoted = serde_json::to_string(MARK).unwrap();
    assert_eq!(body.matches(&quoted).count(), 1);
    body.replace(&quoted, raw).into_bytes()
}

/// `s` repeated `n` times.
pub fn rep(s: &str, n: usize) -> String {
    s.repeat(n)
}

/// A JSON string literal whose text is `n` copies of the escape `esc` (e.g. `\u00e9`).
pub fn escaped(esc: &str, n: usize) -> String {
    format!("\"{}\"", esc.repeat(n))
}
