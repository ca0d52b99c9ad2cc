//! The per-request filter: an [`HttpContext`] that verifies a request before any of it reaches
//! the upstream.
//!
//! 1. **Head.** `on_http_request_headers` builds the core's [`RequestHead`] from Envoy's
//!    pseudo-headers (`:method`, `:path`, `request.protocol`) and headers, and calls
//!    [`Verifier::verify_head`] with the host's clock. A refusal is answered at once; the body is
//!    never read.
//! 2. **Body.** The headers are held (`Action::Pause` = `StopIteration`, which needs
//!    `allow_on_headers_stop_iteration: true` in the plugin's Envoy configuration) and each body
//!    callback returns `Pause` (`StopIterationAndBuffer`) until the end of the stream. Envoy's
//!    buffer then holds the whole body so far: only the bytes not yet seen are fed to
//!    [`PendingBody::update`]. The declared length was bounded by the policy's limit at step 1,
//!    and a body running past it fails on the chunk that crosses it.
//!    Before that, once the head is authenticated, the replay guard ([`crate::replay`]) records
//!    the request's replay key, and refuses a request whose key it already holds.
//! 3. **Verdict.** [`PendingBody::finish`] checks length and digest. Only then does the filter
//!    answer `Continue`, with the verified username in `X-Ingo-Username`: no byte of a refused
//!    request, head or body, is forwarded.
//!
//! A refusal is answered as every gateway of the project answers it (`signer-std`'s tower
//! layer): the status from `http_status()`, `Content-Type: application/json`,
//! `WWW-Authenticate: hmac` on 401, and `{"status": <status>, "client_message": "<message>"}`.
//! The error's `kind()` goes to Envoy's log and to the `ingo_signer_kind` filter state (for the
//! access log), never to the client.
//!
//! Everything the filter asks of Envoy goes through [`Host`], so the same code runs against a
//! fake host in the tests.

use std::rc::Rc;

use ingo_signer_core::header_list::REQUEST_LINE;
use ingo_signer_core::signing_string::{HeaderLookup, Headers};
use ingo_signer_core::{HttpVersion, PendingBody, RequestHead, Verified, Verifier, VerifyError};
use proxy_wasm::traits::{Context, HttpContext};
use proxy_wasm::types::{Action, LogLevel};

use crate::config::Config;
use crate::replay::{self, SharedData};

/// The header the verified username is forwarded in.
pub const USERNAME_HEADER: &str = "x-ingo-username";

/// The filter-state property the outcome is recorded in (`accepted` or the error's kind), read
/// by an access log as `%FILTER_STATE(wasm.ingo_signer_kind:PLAIN)%`.
pub const OUTCOME_PROPERTY: &str = "ingo_signer_kind";

/// What the filter needs from Envoy (shared data, for the replay guard, included).
/// [`crate::host::ProxyHost`] implements it over proxy-wasm's host calls; the tests implement it
/// in memory.
pub trait Host: SharedData {
    /// The host's clock, in unix seconds.
    fn now(&self) -> u64;
    /// The request's headers, pseudo-headers (`:method`, `:path`, `:authority`) included, in
    /// order, repeats kept.
    fn request_headers(&self) -> Vec<(String, Vec<u8>)>;
    /// The `request.protocol` attribute (`HTTP/1.1`, `HTTP/2`, ...).
    fn request_protocol(&self) -> Option<Vec<u8>>;
    /// `len` bytes of the buffered request body from `start`.
    fn request_body(&self, start: usize, len: usize) -> Option<Vec<u8>>;
    /// Replaces every value of a request header with `value`.
    fn set_request_header(&self, name: &str, value: &str);
    /// Removes the request's trailers (they are not signed).
    fn clear_request_trailers(&self);
    /// Answers the request locally.
    fn send_response(&self, status: u32, headers: Vec<(&str, &str)>, body: &[u8]);
    /// Records the outcome for the access log.
    fn record_outcome(&self, outcome: &str);
    /// Writes to Envoy's log.
    fn log(&self, level: LogLevel, message: &str);
}

/// The error as the client is told it. Every gateway answers with this view and logs the
/// original kind (CONTRACTS.md, "Core error mapping at the edge").
fn client_view(error: VerifyError) -> VerifyError {
    error.for_client()
}

/// Why a request is refused: the core's error, or one of the gateway's own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The core refused it.
    Verify(VerifyError),
    /// The request's HTTP version is one the protocol does not name (HTTP/3): the signed request
    /// line cannot be built.
    UnsupportedVersion,
}

impl Refusal {
    /// The stable kind logged: the core's, or `envoy.unsupported_version`.
    pub fn kind(self) -> &'static str {
        match self {
            Refusal::Verify(e) => e.kind(),
            Refusal::UnsupportedVersion => "envoy.unsupported_version",
        }
    }

    /// The status and message the client is given.
    pub fn response(self) -> (u16, String) {
        match self {
            Refusal::Verify(e) => {
                let shown = client_view(e);
                (shown.http_status(), shown.to_string())
            }
            Refusal::UnsupportedVersion => (
                505,
                "the request's HTTP version cannot be signed; the protocol names HTTP/1.0, HTTP/1.1 and HTTP/2 only".to_owned(),
            ),
        }
    }

    /// The JSON body of the refusal.
    pub fn body(self) -> String {
        let (status, message) = self.response();
        serde_json::json!({"status": status, "client_message": message}).to_string()
    }
}

/// Where a request is.
enum State {
    /// Waiting for its head.
    Head,
    /// Head authenticated; `seen` bytes of Envoy's body buffer already fed.
    Body {
        pending: Box<PendingBody>,
        seen: usize,
    },
    /// Verified and let through.
    Passed,
    /// Refused; a local reply was sent.
    Refused,
}

/// One request's filter.
pub struct RequestFilter<H> {
    host: H,
    config: Option<Rc<Config>>,
    state: State,
}

impl<H: Host> RequestFilter<H> {
    /// A filter for one request; `config` is `None` when the plugin has no valid configuration,
    /// and then every request is refused (fail closed).
    pub fn new(host: H, config: Option<Rc<Config>>) -> Self {
        RequestFilter {
            host,
            config,
            state: State::Head,
        }
    }

    /// The host (for tests).
    pub fn host(&self) -> &H {
        &self.host
    }

    fn now(&self, config: &Config) -> u64 {
        config.fixed_clock().unwrap_or_else(|| self.host.now())
    }

    fn on_head(&mut self, end_of_stream: bool) -> Action {
        let Some(config) = self.config.clone() else {
            return self.unavailable();
        };
        let headers = self.host.request_headers();
        let text = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
                .unwrap_or_default()
        };
        // Bytes that are not UTF-8 become U+FFFD, which the core refuses in a method or target.
        let (method, target) = (text(":method"), text(":path"));
        let version = self.host.request_protocol().and_then(|p| {
            let p = String::from_utf8_lossy(&p).into_owned();
            p.strip_prefix("HTTP/").and_then(HttpVersion::parse)
        });
        let Some(version) = version else {
            return self.refuse(Refusal::UnsupportedVersion);
        };
        let names = config.required_header_names();
        let verifier = Verifier::new(&*config, config.policy(&names));
        let head = RequestHead {
            method: &method,
            target: &target,
            version,
            headers: &EnvoyHeaders(&headers),
        };
        let now = self.now(&config);
        let pending = match verifier.verify_head(&head, now) {
            Ok(pending) => pending,
            Err(e) => return self.refuse(Refusal::Verify(e)),
        };
        // The head is authenticated (an unauthenticated request cannot fill the store): a copy
        // of a request already accepted is refused here, before its body is read.
        if let Some(limits) = config.replay() {
            let expires_at =
                ingo_signer_core::replay::expires_at(pending.x_date(), config.max_skew());
            let checked = replay::check_and_insert(
                &self.host,
                limits,
                &pending.replay_key(),
                expires_at,
                now,
            );
            if let Err(e) = checked {
                return self.refuse(Refusal::Verify(e));
            }
        }
        if end_of_stream {
            return self.finish(pending);
        }
        self.state = State::Body {
            pending: Box::new(pending),
            seen: 0,
        };
        Action::Pause
    }

    fn on_body(&mut self, body_size: usize, end_of_stream: bool) -> Action {
        let State::Body { pending, seen } = &mut self.state else {
            // Refused (the local reply is on its way) or already passed.
            return match self.state {
                State::Passed => Action::Continue,
                _ => Action::Pause,
            };
        };
        if body_size > *seen {
            let Some(chunk) = self.host.request_body(*seen, body_size - *seen) else {
                return self.unavailable();
            };
            *seen = body_size;
            if let Err(e) = pending.update(&chunk) {
                return self.refuse(Refusal::Verify(e));
            }
        }
        if !end_of_stream {
            return Action::Pause;
        }
        match std::mem::replace(&mut self.state, State::Head) {
            State::Body { pending, .. } => self.finish(*pending),
            _ => self.unavailable(),
        }
    }

    fn on_trailers(&mut self) -> Action {
        // Trailers end the stream: the body is complete. They are not signed, so they are
        // dropped, as the tower layer drops them.
        match std::mem::replace(&mut self.state, State::Head) {
            State::Body { pending, .. } => {
                self.host.clear_request_trailers();
                self.finish(*pending)
            }
            State::Passed => {
                self.state = State::Passed;
                self.host.clear_request_trailers();
                Action::Continue
            }
            other => {
                self.state = other;
                Action::Pause
            }
        }
    }

    fn finish(&mut self, pending: PendingBody) -> Action {
        match pending.finish() {
            Ok(verified) => self.pass(&verified),
            Err(e) => self.refuse(Refusal::Verify(e)),
        }
    }

    fn pass(&mut self, verified: &Verified) -> Action {
        self.host
            .set_request_header(USERNAME_HEADER, verified.username());
        self.host.record_outcome("accepted");
        self.state = State::Passed;
        Action::Continue
    }

    fn refuse(&mut self, refusal: Refusal) -> Action {
        let (status, _) = refusal.response();
        let kind = refusal.kind();
        self.host.record_outcome(kind);
        self.host
            .log(LogLevel::Info, &format!("refused {status} {kind}"));
        let mut headers = vec![("content-type", "application/json")];
        if status == 401 {
            headers.push(("www-authenticate", "hmac"));
        }
        self.host
            .send_response(u32::from(status), headers, refusal.body().as_bytes());
        self.state = State::Refused;
        Action::Pause
    }

    /// The filter cannot decide (no configuration, the host lost the body): fail closed.
    fn unavailable(&mut self) -> Action {
        let kind = "envoy.unavailable";
        self.host.record_outcome(kind);
        self.host.log(
            LogLevel::Error,
            "refused 503 envoy.unavailable (no valid configuration, or the request body could not be read)",
        );
        let body = serde_json::json!({
            "status": 503,
            "client_message": "the request cannot be verified now; try again later",
        })
        .to_string();
        self.host.send_response(
            503,
            vec![("content-type", "application/json")],
            body.as_bytes(),
        );
        self.state = State::Refused;
        Action::Pause
    }
}

impl<H: Host> Context for RequestFilter<H> {}

impl<H: Host> HttpContext for RequestFilter<H> {
    fn on_http_request_headers(&mut self, _num_headers: usize, end_of_stream: bool) -> Action {
        match self.state {
            State::Head => self.on_head(end_of_stream),
            State::Passed => Action::Continue,
            _ => Action::Pause,
        }
    }

    fn on_http_request_body(&mut self, body_size: usize, end_of_stream: bool) -> Action {
        self.on_body(body_size, end_of_stream)
    }

    fn on_http_request_trailers(&mut self, _num_trailers: usize) -> Action {
        self.on_trailers()
    }
}

/// Envoy's header list seen through the core's [`Headers`] lookup.
///
/// Envoy keeps header names in lower case, keeps repeated headers as separate entries, and
/// holds `Host` as the `:authority` pseudo-header: a lookup of `host` counts both, so a
/// request that somehow carries both is refused as repeated. Other pseudo-headers never match
/// (a signed name cannot hold a `:`), and `request-line` is the signing string's pseudo-header,
/// never read from a real header.
pub struct EnvoyHeaders<'a>(pub &'a [(String, Vec<u8>)]);

impl Headers for EnvoyHeaders<'_> {
    fn lookup(&self, name: &str) -> HeaderLookup<'_> {
        if name == REQUEST_LINE {
            return HeaderLookup::Absent;
        }
        let is_host = name.eq_ignore_ascii_case("host");
        let mut found = HeaderLookup::Absent;
        for (n, v) in self.0 {
            let matches = n.eq_ignore_ascii_case(name) || (is_host && n == ":authority");
            if matches {
                if found != HeaderLookup::Absent {
                    return HeaderLookup::Repeated;
                }
                found = HeaderLookup::Once(v);
            }
        }
        found
    }
}
