//! The filter's glue on the host, through a fake Envoy: every vector of `test-vectors/` goes
//! through the same `HttpContext` callbacks the .wasm runs, with the body delivered whole and in
//! growing slices of Envoy's buffer, and must come out with the vector's kind and status.
//! (`tests/envoy.rs` sends the same vectors through a real Envoy.)
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod vector_files;

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use ingo_signer_envoy::Plugin;
use ingo_signer_envoy::filter::{Host, RequestFilter};
use ingo_signer_envoy::replay::{SharedData, StoreError};
use proxy_wasm::traits::HttpContext;
use proxy_wasm::types::{Action, LogLevel};
use serde_json::Value;
use zeroize::Zeroizing;

/// Shared data: value and compare-and-swap number per key.
type Shared = HashMap<String, (Vec<u8>, u32)>;

/// A local reply: status, headers, body.
type Reply = (u32, Vec<(String, String)>, String);

/// What the filter did to the request.
#[derive(Debug, Default)]
struct Seen {
    response: Option<Reply>,
    set_headers: Vec<(String, String)>,
    outcome: Option<String>,
    logs: Vec<String>,
    trailers_cleared: bool,
}

/// A fake Envoy: the request as Envoy would hold it, and a record of what the filter did.
struct FakeHost {
    now: u64,
    headers: Vec<(String, Vec<u8>)>,
    protocol: Option<Vec<u8>>,
    /// Envoy's body buffer: grows while the filter pauses.
    body: Rc<RefCell<Vec<u8>>>,
    seen: Rc<RefCell<Seen>>,
    /// Envoy's shared data: value and compare-and-swap number per key.
    shared: Rc<RefCell<Shared>>,
}

impl SharedData for FakeHost {
    fn get_shared(&self, key: &str) -> Result<(Option<Vec<u8>>, Option<u32>), StoreError> {
        Ok(match self.shared.borrow().get(key) {
            Some((v, cas)) => (Some(v.clone()), Some(*cas)),
            None => (None, None),
        })
    }
    fn set_shared(&self, key: &str, value: &[u8], cas: u32) -> Result<(), StoreError> {
        let mut map = self.shared.borrow_mut();
        let next = map.values().map(|e| e.1).max().unwrap_or(0) + 1;
        match map.get(key) {
            Some(e) if cas != 0 && cas != e.1 => Err(StoreError::CasMismatch),
            _ => {
                map.insert(key.to_owned(), (value.to_vec(), next));
                Ok(())
            }
        }
    }
}

impl Host for FakeHost {
    fn now(&self) -> u64 {
        self.now
    }
    fn request_headers(&self) -> Vec<(String, Vec<u8>)> {
        self.headers.clone()
    }
    fn request_protocol(&self) -> Option<Vec<u8>> {
        self.protocol.clone()
    }
    fn request_body(&self, start: usize, len: usize) -> Option<Vec<u8>> {
        self.body
            .borrow()
            .get(start..start + len)
            .map(<[u8]>::to_vec)
    }
    fn set_request_header(&self, name: &str, value: &str) {
        let mut seen = self.seen.borrow_mut();
        seen.set_headers.push((name.into(), value.into()));
    }
    fn clear_request_trailers(&self) {
        self.seen.borrow_mut().trailers_cleared = true;
    }
    fn send_response(&self, status: u32, headers: Vec<(&str, &str)>, body: &[u8]) {
        let mut seen = self.seen.borrow_mut();
        assert!(seen.response.is_none(), "two local replies");
        seen.response = Some((
            status,
            headers
                .iter()
                .map(|(n, v)| ((*n).into(), (*v).into()))
                .collect(),
            String::from_utf8(body.to_vec()).unwrap(),
        ));
    }
    fn record_outcome(&self, outcome: &str) {
        self.seen.borrow_mut().outcome = Some(outcome.into());
    }
    fn log(&self, _level: LogLevel, message: &str) {
        self.seen.borrow_mut().logs.push(message.into());
    }
}

fn vectors(file: &str) -> Value {
    vector_files::load(file)
}

fn plugin_config(vector: &Value) -> String {
    Value::Object(vector_files::plugin_config(vector)).to_string()
}

fn no_env(_: &str) -> Option<Zeroizing<String>> {
    None
}

/// The request as Envoy's header map holds it: pseudo-headers first, names in lower case,
/// `Host` as `:authority`.
fn envoy_headers(request: &Value) -> Vec<(String, Vec<u8>)> {
    let mut headers = vec![
        (
            ":method".to_owned(),
            request["method"].as_str().unwrap().as_bytes().to_vec(),
        ),
        (
            ":path".to_owned(),
            request["target"].as_str().unwrap().as_bytes().to_vec(),
        ),
    ];
    for pair in request["headers"].as_array().unwrap() {
        let name = pair[0].as_str().unwrap().to_ascii_lowercase();
        let name = if name == "host" {
            ":authority".to_owned()
        } else {
            name
        };
        headers.push((name, pair[1].as_str().unwrap().as_bytes().to_vec()));
    }
    headers
}

fn protocol(version: &str) -> Vec<u8> {
    match version {
        "2.0" => b"HTTP/2".to_vec(),
        v => format!("HTTP/{v}").into_bytes(),
    }
}

/// Runs one request through the filter: the head, then the body in slices of `chunk` bytes
/// (Envoy's buffer growing by each), then the end of the stream.
fn run(vector: &Value, chunk: usize) -> (Action, Rc<RefCell<Seen>>) {
    let mut plugin = Plugin::default();
    plugin
        .configure(plugin_config(vector).as_bytes(), &no_env)
        .unwrap();
    let request = &vector["request"];
    let body_bytes = request["body"].as_str().unwrap().as_bytes().to_vec();
    let seen = Rc::new(RefCell::new(Seen::default()));
    let body = Rc::new(RefCell::new(Vec::new()));
    let host = FakeHost {
        now: 0, // the vector's clock is the configuration's fixed_clock
        headers: envoy_headers(request),
        protocol: Some(protocol(request["version"].as_str().unwrap())),
        body: Rc::clone(&body),
        seen: Rc::clone(&seen),
        shared: Rc::default(),
    };
    let mut filter = RequestFilter::new(host, plugin.current());
    let mut action = filter.on_http_request_headers(0, body_bytes.is_empty());
    if !body_bytes.is_empty() && action == Action::Pause && seen.borrow().response.is_none() {
        let pieces: Vec<&[u8]> = body_bytes.chunks(chunk).collect();
        for (i, piece) in pieces.iter().enumerate() {
            body.borrow_mut().extend_from_slice(piece);
            let len = body.borrow().len();
            action = filter.on_http_request_body(len, i + 1 == pieces.len());
            if seen.borrow().response.is_some() {
                break;
            }
            if i + 1 < pieces.len() {
                assert_eq!(
                    action,
                    Action::Pause,
                    "{}: continued before the end",
                    vector["name"]
                );
            }
        }
    }
    (action, seen)
}

fn check_accept(vector: &Value, chunk: usize) {
    let name = vector["name"].as_str().unwrap();
    let (action, seen) = run(vector, chunk);
    let seen = seen.borrow();
    assert_eq!(action, Action::Continue, "{name}: {:?}", seen.response);
    assert!(seen.response.is_none(), "{name}");
    assert_eq!(seen.outcome.as_deref(), Some("accepted"), "{name}");
    assert_eq!(
        seen.set_headers,
        vec![(
            "x-ingo-username".to_owned(),
            vector["username"].as_str().unwrap().to_owned()
        )],
        "{name}"
    );
}

fn check_reject(vector: &Value, chunk: usize) {
    let name = vector["name"].as_str().unwrap();
    let kind = vector["expected_error"].as_str().unwrap();
    let status = vector["http_status"].as_u64().unwrap();
    let (action, seen) = run(vector, chunk);
    let seen = seen.borrow();
    assert_eq!(action, Action::Pause, "{name}");
    assert!(seen.set_headers.is_empty(), "{name}: let through");
    assert_eq!(seen.outcome.as_deref(), Some(kind), "{name}");
    let (got, headers, body) = seen
        .response
        .as_ref()
        .unwrap_or_else(|| panic!("{name}: no reply"));
    assert_eq!(u64::from(*got), status, "{name}");
    assert!(
        headers.contains(&("content-type".into(), "application/json".into())),
        "{name}"
    );
    assert_eq!(
        headers
            .iter()
            .any(|h| h == &("www-authenticate".to_owned(), "hmac".to_owned())),
        status == 401,
        "{name}"
    );
    let body: Value = serde_json::from_str(body).unwrap();
    assert_eq!(body["status"].as_u64(), Some(status), "{name}");
    let message = body["client_message"].as_str().unwrap();
    assert!(!message.is_empty(), "{name}");
    // An unknown username is answered exactly as a wrong signature: the answer does not tell
    // which usernames exist (the log keeps the real kind).
    let shown = ingo_signer_core::VerifyError::SignatureMismatch.to_string();
    let as_mismatch = kind == "verify.unknown_username" || kind == "verify.signature_mismatch";
    assert_eq!(as_mismatch, message == shown, "{name}: {message}");
    // The kind is logged, never sent.
    assert!(seen.logs.iter().any(|l| l.contains(kind)), "{name}");
    assert!(
        !body.to_string().contains(kind),
        "{name}: kind leaked to the client"
    );
}

#[test]
fn every_verification_vector_whole_and_in_chunks() {
    let file = vectors("verification.json");
    let (accept, reject) = (
        file["accept"].as_array().unwrap(),
        file["reject"].as_array().unwrap(),
    );
    assert!(accept.len() >= 29 && reject.len() >= 170);
    for chunk in [usize::MAX, 7, 1] {
        accept.iter().for_each(|v| check_accept(v, chunk));
        reject.iter().for_each(|v| check_reject(v, chunk));
    }
}

#[test]
fn every_signing_vector_verifies() {
    let file = vectors("signing.json");
    let all = file["vectors"].as_array().unwrap();
    assert!(all.len() >= 30);
    for chunk in [usize::MAX, 5] {
        all.iter().for_each(|v| check_accept(v, chunk));
    }
}

/// The harness can fail: a vector with its body changed after signing is refused, and a reject
/// vector is not taken for an accept.
#[test]
fn negative_controls() {
    let file = vectors("verification.json");
    let mut tampered = file["accept"][0].clone();
    let body = tampered["request"]["body"].as_str().unwrap().to_owned();
    assert!(!body.is_empty());
    let mut flipped = body.into_bytes();
    flipped[0] ^= 1;
    tampered["request"]["body"] = Value::String(String::from_utf8(flipped).unwrap());
    // The checks' own panics are the expected outcome here: keep them off the output.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let forged = std::panic::catch_unwind(|| check_accept(&tampered, usize::MAX));
    let reject = file["reject"][0].clone();
    let flipped = std::panic::catch_unwind(|| check_accept(&reject, usize::MAX));
    std::panic::set_hook(hook);
    assert!(forged.is_err() && flipped.is_err());
}

#[test]
fn http3_and_unconfigured_fail_closed() {
    let file = vectors("verification.json");
    let vector = &file["accept"][0];
    let mut plugin = Plugin::default();
    plugin
        .configure(plugin_config(vector).as_bytes(), &no_env)
        .unwrap();
    let seen = Rc::new(RefCell::new(Seen::default()));
    let host = |protocol: &[u8]| FakeHost {
        now: 0,
        headers: envoy_headers(&vector["request"]),
        protocol: Some(protocol.to_vec()),
        body: Rc::new(RefCell::new(Vec::new())),
        seen: Rc::clone(&seen),
        shared: Rc::default(),
    };
    let mut filter = RequestFilter::new(host(b"HTTP/3"), plugin.current());
    assert_eq!(filter.on_http_request_headers(0, false), Action::Pause);
    assert_eq!(seen.borrow().response.as_ref().unwrap().0, 505);
    assert_eq!(
        seen.borrow().outcome.as_deref(),
        Some("envoy.unsupported_version")
    );

    *seen.borrow_mut() = Seen::default();
    let mut filter = RequestFilter::new(host(b"HTTP/1.1"), None);
    assert_eq!(filter.on_http_request_headers(0, false), Action::Pause);
    assert_eq!(seen.borrow().response.as_ref().unwrap().0, 503);
    assert!(seen.borrow().set_headers.is_empty());
}

/// Trailers end the body: it is verified then, and the (unsigned) trailers are dropped.
#[test]
fn trailers_end_the_body() {
    let file = vectors("verification.json");
    let vector = file["accept"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| !v["request"]["body"].as_str().unwrap().is_empty())
        .unwrap();
    let mut plugin = Plugin::default();
    plugin
        .configure(plugin_config(vector).as_bytes(), &no_env)
        .unwrap();
    let seen = Rc::new(RefCell::new(Seen::default()));
    let body = Rc::new(RefCell::new(
        vector["request"]["body"]
            .as_str()
            .unwrap()
            .as_bytes()
            .to_vec(),
    ));
    let host = FakeHost {
        now: 0,
        headers: envoy_headers(&vector["request"]),
        protocol: Some(b"HTTP/2".to_vec()),
        body: Rc::clone(&body),
        seen: Rc::clone(&seen),
        shared: Rc::default(),
    };
    // Signed as HTTP/1.1: sent as HTTP/2 the signature cannot match.
    let mut filter = RequestFilter::new(host, plugin.current());
    assert_eq!(filter.on_http_request_headers(0, false), Action::Pause);
    assert_eq!(
        seen.borrow().outcome.as_deref(),
        Some("verify.signature_mismatch")
    );

    let seen = Rc::new(RefCell::new(Seen::default()));
    let host = FakeHost {
        now: 0,
        headers: envoy_headers(&vector["request"]),
        protocol: Some(b"HTTP/1.1".to_vec()),
        body: Rc::clone(&body),
        seen: Rc::clone(&seen),
        shared: Rc::default(),
    };
    let mut filter = RequestFilter::new(host, plugin.current());
    assert_eq!(filter.on_http_request_headers(0, false), Action::Pause);
    let len = body.borrow().len();
    assert_eq!(filter.on_http_request_body(len, false), Action::Pause);
    assert_eq!(filter.on_http_request_trailers(1), Action::Continue);
    assert!(seen.borrow().trailers_cleared);
    assert_eq!(seen.borrow().outcome.as_deref(), Some("accepted"));
}

/// A request accepted once is refused the second time (the replay guard in shared data, which
/// every worker's VM sees), before its body is read; with `"replay": false` it passes again.
#[test]
fn a_copy_is_refused_as_replayed() {
    let file = vectors("verification.json");
    let vector = &file["accept"][0];
    for (replay, second) in [
        (None, ("verify.replayed", Some(401))),
        (Some(false), ("accepted", None)),
    ] {
        let mut config: Value = serde_json::from_str(&plugin_config(vector)).unwrap();
        if let Some(on) = replay {
            config["replay"] = Value::Bool(on);
        }
        let mut plugin = Plugin::default();
        plugin
            .configure(config.to_string().as_bytes(), &no_env)
            .unwrap();
        let shared = Rc::default();
        let mut outcomes = Vec::new();
        for _ in 0..2 {
            let seen = Rc::new(RefCell::new(Seen::default()));
            let body = vector["request"]["body"]
                .as_str()
                .unwrap()
                .as_bytes()
                .to_vec();
            let host = FakeHost {
                now: 0,
                headers: envoy_headers(&vector["request"]),
                protocol: Some(b"HTTP/1.1".to_vec()),
                body: Rc::new(RefCell::new(body.clone())),
                seen: Rc::clone(&seen),
                shared: Rc::clone(&shared),
            };
            let mut filter = RequestFilter::new(host, plugin.current());
            if filter.on_http_request_headers(0, body.is_empty()) == Action::Pause
                && seen.borrow().response.is_none()
            {
                filter.on_http_request_body(body.len(), true);
            }
            let seen = seen.borrow();
            outcomes.push((
                seen.outcome.clone().unwrap(),
                seen.response.as_ref().map(|r| r.0),
            ));
        }
        assert_eq!(outcomes[0], ("accepted".to_owned(), None));
        assert_eq!((outcomes[1].0.as_str(), outcomes[1].1), second);
    }
}
