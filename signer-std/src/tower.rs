//! A tower [`Layer`] that verifies incoming requests (feature `tower`).
//!
//! [`VerifyLayer`] wraps any service that takes `http::Request`s (an axum `Router`, a hyper
//! service, a tower stack) and lets through only requests the core accepts:
//!
//! 1. **Head first.** As soon as the request head arrives, the head is authenticated with
//!    [`crate::http::verify_head`]: the target must be origin-form on HTTP/1.x and the request
//!    must not ask for a protocol upgrade ([`crate::http::check_wire_target`]); then the core's
//!    [`Verifier::verify_head`]: Authorization, algorithm, signed headers, key, MAC, date,
//!    content type and content length (against the body limit); then, on HTTP/2, `:authority`
//!    must be a signed `Host`. A request that fails is answered at once and **not a byte of its
//!    body is read**; a declared `Content-Length` over the limit gets 413 here, before the body
//!    is read. With hyper, a client that sends `Expect: 100-continue` is asked for its body
//!    (`100 Continue`) only once its head is authenticated, so a refused client never sends
//!    its body at all.
//! 2. **Then the replay check.** The [`ReplayGuard`] records the request's
//!    [`replay key`](PendingBody::replay_key) until its date can no longer pass; a key it holds
//!    already is a replay (`verify.replayed`, 401), and a guard that cannot answer refuses the
//!    request (`verify.replay_unavailable`, 503). The layer has a [`MemoryReplayGuard`] unless
//!    told otherwise ([`VerifyLayer::replay_guard`]; a fleet shares a Redis one).
//! 3. **Then the body, streamed, against a deadline.** Each data frame is fed to
//!    [`PendingBody::update`] as it arrives and appended to a buffer that grows with the bytes
//!    received (nothing is reserved for the declared length, so a client that declares 64 KiB
//!    and sends nothing costs nothing). Reading stops at the first error: a body that runs past
//!    its declared (and signed) length is refused on the frame that crosses it, so the buffer
//!    never holds more than the declared length, which step 1 bounded by the limit. A body
//!    still incomplete at the policy's [body deadline](GatewayPolicy::body_timeout) (10 s by
//!    default) is refused with 408 and `Connection: close`. [`PendingBody::finish`] checks the
//!    length and the digest (constant time).
//! 4. **Then the inner service**, with the whole body as a [`Full<Bytes>`] and the verified
//!    identity as a [`VerifiedUser`] request extension (username, algorithm, key, signed header
//!    names, X-Date, signature). With [`GatewayPolicy::strip_unsigned_headers`], it sees only
//!    the headers the signature covers.
//!
//! On failure the response is the status from [`crate::Error::http_status`] (401 not
//! authenticated, 400 malformed, 408 body too slow, 413 too large, 503 replay check
//! unavailable), `Content-Type: application/json`,
//! `WWW-Authenticate: hmac` on 401, and the body
//! `{"status": <the HTTP status, as a number>, "client_message": "<the core's Display>"}`. The
//! `status` field repeats the HTTP status so that a client that reads only the body (as Ingo's
//! clients read Ingo's `status`) sees a failure: none of 400, 401, 413 is one of the success codes
//! of SPEC §6. A [`Rejection`] with the error's stable `kind` is also put in the response's
//! extensions, for logging middleware further out.
//!
//! ```
//! use std::sync::Arc;
//! use ingo_signer::keys::KeyRing;
//! use ingo_signer::tower::{GatewayPolicy, VerifyLayer, VerifiedUser};
//!
//! let ring = KeyRing::from_json(r#"{"keys": [{"username": "demo", "secret": "demo-secret-not-for-production"}]}"#)?;
//! let layer = VerifyLayer::new(Arc::new(ring), GatewayPolicy::default().max_body(64 * 1024));
//! // With axum: `Router::new().route("/gateway/process--card", post(handler)).layer(layer)`,
//! // and in the handler: `Extension(user): Extension<VerifiedUser>`.
//! # let _ = layer;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Choices
//! - **Why the whole body is buffered.** The digest is known only at the end of the body, so no
//!   byte of it is authenticated before then; handing the inner service a stream would let it act
//!   on unauthenticated bytes. The buffer is bounded by the policy's body limit (64 KiB by
//!   default) and is handed over as [`Full<Bytes>`] without a copy.
//! - **Trailers are dropped**: they are not signed.
//! - **The body deadline needs tokio.** It is a `tokio::time` timer, so the layer must run on
//!   a tokio runtime (as axum and hyper-util's servers do) unless the deadline is turned off
//!   (`body_timeout(None)`). It bounds the body only: bound the head with the server's own
//!   timeout (hyper's `header_read_timeout`).
//! - **HTTP/2 multiplies requests per connection.** Each stream is a request with its own
//!   buffer and deadline; bound them with the server's `max_concurrent_streams` (hyper's
//!   default is 200) and its connection limits (docs/security.md).
//! - **The clock is read once per request**, when its head arrives.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use http::header::{AUTHORIZATION, CONNECTION, CONTENT_TYPE, HeaderValue, WWW_AUTHENTICATE};
use http::{HeaderMap, Request, Response, StatusCode};
use http_body::{Body, Frame, SizeHint};
use http_body_util::Full;
use ingo_signer_core::replay::expires_at;
use ingo_signer_core::{Algorithm, KeyStore, PendingBody, Policy, ReplayKey, Verified, Verifier};
use tower_layer::Layer;
use tower_service::Service;

use crate::clock::{Clock, SystemClock};
use crate::replay::{MemoryReplayGuard, ReplayCheck, ReplayError, ReplayGuard};

/// The gateway's policy, owned: what [`ingo_signer_core::Policy`] says, without its borrow, so that a
/// layer can keep it. It is turned into a core policy for each request.
///
/// ```
/// use ingo_signer::tower::GatewayPolicy;
/// let policy = GatewayPolicy::default().max_skew(60).max_body(16 * 1024).require_headers(["idempotency-key"]);
/// assert_eq!(policy.body_limit(), 16 * 1024);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GatewayPolicy {
    allow_legacy_sha256: bool,
    max_skew: u64,
    max_body: u64,
    required_headers: Vec<String>,
    body_timeout: Option<Duration>,
    strip_unsigned_headers: bool,
}

impl Default for GatewayPolicy {
    /// The core's defaults: hmac-sha512 only, ±300 s, 64 KiB, no extra required headers; and a
    /// body deadline of 10 s, unsigned headers passed on.
    fn default() -> Self {
        let core = Policy::default();
        GatewayPolicy {
            allow_legacy_sha256: core.allows_legacy_sha256(),
            max_skew: core.skew_limit(),
            max_body: core.body_limit(),
            required_headers: Vec::new(),
            body_timeout: Some(Self::DEFAULT_BODY_TIMEOUT),
            strip_unsigned_headers: false,
        }
    }
}

impl GatewayPolicy {
    /// The default body deadline: 10 s from the head's arrival.
    pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(10);

    /// How long after its head a request's whole body must have arrived (`None`: no deadline;
    /// 10 s by default). A request past it is refused with 408 and its connection closed, so a
    /// client that sends a valid head and then stalls holds nothing for long.
    pub fn body_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.body_timeout = timeout;
        self
    }

    /// Hands the inner service only the headers the signature covers (and `Authorization`),
    /// dropping every other one: a header an intermediary added or changed (`X-Forwarded-For`,
    /// an unsigned `Idempotency-Key`) cannot reach it. Off by default.
    pub fn strip_unsigned_headers(mut self, strip: bool) -> Self {
        self.strip_unsigned_headers = strip;
        self
    }

    /// The body deadline.
    pub fn body_deadline(&self) -> Option<Duration> {
        self.body_timeout
    }

    /// The skew limit in seconds (also how long, past its date, a replay entry lives).
    pub fn skew_limit(&self) -> u64 {
        self.max_skew
    }

    /// Also accepts `hmac-sha256` (legacy integrations only; off by default).
    pub fn allow_legacy_sha256(mut self, allow: bool) -> Self {
        self.allow_legacy_sha256 = allow;
        self
    }

    /// The largest allowed distance between `X-Date` and now, in seconds (inclusive).
    pub fn max_skew(mut self, seconds: u64) -> Self {
        self.max_skew = seconds;
        self
    }

    /// The largest body accepted, in bytes; also the most the layer buffers for one request.
    pub fn max_body(mut self, bytes: u64) -> Self {
        self.max_body = bytes;
        self
    }

    /// Headers that must be signed beyond the SPEC's set (`host`, `idempotency-key`).
    pub fn require_headers<I>(mut self, names: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.required_headers = names.into_iter().map(Into::into).collect();
        self
    }

    /// The body limit in bytes.
    pub fn body_limit(&self) -> u64 {
        self.max_body
    }

    /// The extra required headers.
    pub fn required_headers(&self) -> &[String] {
        &self.required_headers
    }

    /// The core policy, borrowing `names` (the required headers as `&str`, see
    /// [`required_header_names`](Self::required_header_names)).
    pub fn to_core<'a>(&self, names: &'a [&'a str]) -> Policy<'a> {
        Policy::default()
            .allow_legacy_sha256(self.allow_legacy_sha256)
            .max_skew(self.max_skew)
            .max_body(self.max_body)
            .require_headers(names)
    }

    /// The required headers as `&str`, for [`to_core`](Self::to_core). Allocates nothing when
    /// there are none.
    pub fn required_header_names(&self) -> Vec<&str> {
        self.required_headers.iter().map(String::as_str).collect()
    }
}

/// Who signed a verified request, and what the signature covers: the request extension the
/// layer adds. Anything not named in `signed_headers` (and the body, which the digest covers)
/// is not authenticated: trust it as little as the network it came over.
///
/// With axum: `Extension(user): Extension<VerifiedUser>`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedUser {
    /// The authenticated username.
    pub username: String,
    /// The algorithm the request was signed with.
    pub algorithm: Algorithm,
    /// Which of the username's keys matched, in the key store's order (to see when a rotated-out
    /// key stops being used).
    pub key_index: usize,
    /// The names the signature covers, lowercase, in the signed order (`request-line` is the
    /// request line).
    pub signed_headers: Vec<String>,
    /// The signed `X-Date`, in Unix seconds.
    pub x_date: u64,
    /// The signature's MAC (64 bytes, or 32 for hmac-sha256); public, it travelled in the
    /// request.
    pub signature: Vec<u8>,
    /// The key the replay guard recorded the request under.
    pub replay_key: ReplayKey,
}

impl VerifiedUser {
    /// The user of a verified request whose Authorization listed `signed_headers`.
    pub fn new(verified: &Verified, signed_headers: Vec<String>) -> Self {
        VerifiedUser {
            username: verified.username().to_owned(),
            algorithm: verified.algorithm(),
            key_index: verified.key_index(),
            signed_headers,
            x_date: verified.x_date(),
            signature: verified.mac().to_vec(),
            replay_key: verified.replay_key(),
        }
    }

    /// Whether the signature covers the header `name` (case-insensitive).
    pub fn signs(&self, name: &str) -> bool {
        self.signed_headers
            .iter()
            .any(|signed| signed.eq_ignore_ascii_case(name))
    }
}

/// Why the layer refused a request: the response's status, the error's stable kind and the
/// message sent to the client. The layer puts a copy in the refusal's response extensions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    status: StatusCode,
    kind: &'static str,
    client_message: String,
    detail: Option<String>,
    close: bool,
}

impl Rejection {
    /// A rejection for a std-layer error: the status and `Display` of what the client is told
    /// ([`VerifyError::for_client`](ingo_signer_core::VerifyError::for_client): an unknown
    /// username is answered as a signature mismatch), and the error's own kind, for logs.
    pub fn from_error(error: &crate::Error) -> Self {
        let (status, client_message) = match error {
            crate::Error::Verify(e) => {
                let told = e.for_client();
                (told.http_status(), told.to_string())
            }
            other => (other.http_status(), other.to_string()),
        };
        Rejection {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            kind: error.kind(),
            client_message,
            detail: None,
            close: false,
        }
    }

    /// A rejection for a replay guard's verdict; the guard's own reason (a Redis error) is kept
    /// for logs only ([`detail`](Self::detail)).
    pub fn from_replay(error: &ReplayError) -> Self {
        let mut rejection = Rejection::from_error(&crate::Error::Verify(error.verify_error()));
        if let ReplayError::Unavailable(why) = error {
            rejection.detail = Some(why.clone());
        }
        rejection
    }

    fn body_unreadable(error: &dyn fmt::Display) -> Self {
        Rejection {
            status: StatusCode::BAD_REQUEST,
            kind: "tower.body_unreadable",
            client_message: format!("the request body could not be read: {error}"),
            detail: None,
            close: false,
        }
    }

    fn body_timeout(timeout: Duration) -> Self {
        Rejection {
            status: StatusCode::REQUEST_TIMEOUT,
            kind: "tower.body_timeout",
            client_message: format!(
                "the request body did not arrive within {} s of its head; send the whole body at once",
                timeout.as_secs_f64()
            ),
            detail: None,
            close: true,
        }
    }

    /// What only logs may see: why a replay guard could not answer. Never sent to the client.
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    /// The HTTP status: 401, 400, 408, 413 or 503 (505 for a version the protocol does not
    /// name).
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable kind (`verify.signature_mismatch`, `tower.body_unreadable`, ...), for logs:
    /// the error's own (`verify.unknown_username` stays itself, though the client is told a
    /// signature mismatch).
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    /// What the client is told.
    pub fn client_message(&self) -> &str {
        &self.client_message
    }

    /// The JSON body: `{"status": <HTTP status>, "client_message": "..."}`.
    pub fn to_json(&self) -> String {
        serde_json::json!({
            "status": self.status.as_u16(),
            "client_message": self.client_message,
        })
        .to_string()
    }

    /// The refusal as a response: JSON body, `WWW-Authenticate: hmac` on 401, `Connection:
    /// close` after a body deadline, and a copy of `self` in the extensions.
    pub fn into_response<B>(self) -> Response<VerifyResponseBody<B>> {
        let mut response =
            Response::new(VerifyResponseBody::rejection(Bytes::from(self.to_json())));
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(WWW_AUTHENTICATE, HeaderValue::from_static("hmac"));
        }
        if self.close {
            headers.insert(CONNECTION, HeaderValue::from_static("close"));
        }
        response.extensions_mut().insert(self);
        response
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.status, self.kind, self.client_message
        )
    }
}

/// The [`Layer`] that verifies incoming requests. See the [module docs](self).
///
/// `S` is the key store (shared: `Arc<S>`), `C` the clock.
pub struct VerifyLayer<S: ?Sized, C = SystemClock> {
    shared: Arc<Shared<S, C>>,
}

struct Shared<S: ?Sized, C> {
    clock: C,
    policy: GatewayPolicy,
    store: Arc<S>,
    replay: Option<Arc<dyn ReplayGuard>>,
}

impl<S: ?Sized, C> Clone for VerifyLayer<S, C> {
    fn clone(&self) -> Self {
        VerifyLayer {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<S: ?Sized, C: fmt::Debug> fmt::Debug for VerifyLayer<S, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyLayer")
            .field("policy", &self.shared.policy)
            .field("clock", &self.shared.clock)
            .field("replay_guard", &self.shared.replay.is_some())
            .finish_non_exhaustive()
    }
}

impl<S: KeyStore + Send + Sync + ?Sized + 'static> VerifyLayer<S, SystemClock> {
    /// A layer verifying against `store` with `policy`, on the system clock, with a
    /// [`MemoryReplayGuard`] of the default capacity.
    pub fn new(store: Arc<S>, policy: GatewayPolicy) -> Self {
        VerifyLayer {
            shared: Arc::new(Shared {
                clock: SystemClock,
                policy,
                store,
                replay: Some(Arc::new(MemoryReplayGuard::default())),
            }),
        }
    }
}

impl<S: KeyStore + Send + Sync + ?Sized + 'static, C: Clock> VerifyLayer<S, C> {
    fn rebuild<C2>(self, clock: C2, replay: Option<Arc<dyn ReplayGuard>>) -> VerifyLayer<S, C2> {
        VerifyLayer {
            shared: Arc::new(Shared {
                clock,
                policy: self.shared.policy.clone(),
                store: Arc::clone(&self.shared.store),
                replay,
            }),
        }
    }

    /// The same layer on another clock (a [`crate::clock::FixedClock`] in tests). The replay
    /// guard is kept.
    pub fn with_clock<C2: Clock>(self, clock: C2) -> VerifyLayer<S, C2> {
        let replay = self.shared.replay.clone();
        self.rebuild(clock, replay)
    }

    /// The same layer with another replay guard (a [`MemoryReplayGuard`] of another capacity,
    /// a `RedisReplayGuard` shared by several gateways).
    pub fn replay_guard(self, guard: impl ReplayGuard) -> Self
    where
        C: Clone,
    {
        let clock = self.shared.clock.clone();
        self.rebuild(clock, Some(Arc::new(guard)))
    }

    /// The same layer with no replay guard: every copy of a signed request passes until its
    /// date is too old. Only where something else refuses replays (docs/security.md).
    pub fn without_replay_guard(self) -> Self
    where
        C: Clone,
    {
        let clock = self.shared.clock.clone();
        self.rebuild(clock, None)
    }

    /// The policy.
    pub fn policy(&self) -> &GatewayPolicy {
        &self.shared.policy
    }
}

impl<I, S: ?Sized, C> Layer<I> for VerifyLayer<S, C> {
    type Service = VerifyService<I, S, C>;

    fn layer(&self, inner: I) -> Self::Service {
        VerifyService {
            inner,
            shared: Arc::clone(&self.shared),
        }
    }
}

/// The service [`VerifyLayer`] makes: verifies, then calls `I` with a `Request<Full<Bytes>>`.
pub struct VerifyService<I, S: ?Sized, C = SystemClock> {
    inner: I,
    shared: Arc<Shared<S, C>>,
}

impl<I: Clone, S: ?Sized, C> Clone for VerifyService<I, S, C> {
    fn clone(&self) -> Self {
        VerifyService {
            inner: self.inner.clone(),
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<I: fmt::Debug, S: ?Sized, C: fmt::Debug> fmt::Debug for VerifyService<I, S, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyService")
            .field("inner", &self.inner)
            .field("policy", &self.shared.policy)
            .field("clock", &self.shared.clock)
            .finish_non_exhaustive()
    }
}

impl<S: KeyStore + ?Sized, C: Clock> Shared<S, C> {
    /// Authenticates the head and asks the replay guard: the pending body, and the guard's
    /// answer when it must be awaited.
    fn verify_head(
        &self,
        parts: &http::request::Parts,
    ) -> Result<(PendingBody, Option<ReplayCheck>), Rejection> {
        let names = self.policy.required_header_names();
        let verifier = Verifier::new(&*self.store, self.policy.to_core(&names));
        let now = self.clock.now();
        let pending = crate::http::verify_head(&verifier, parts, now)
            .map_err(|e| Rejection::from_error(&e))?;
        let Some(guard) = &self.replay else {
            return Ok((pending, None));
        };
        let until = expires_at(pending.x_date(), self.policy.max_skew);
        match guard.check(pending.replay_key(), until, now).into_ready() {
            Ok(Ok(())) => Ok((pending, None)),
            Ok(Err(e)) => Err(Rejection::from_replay(&e)),
            Err(waiting) => Ok((pending, Some(waiting))),
        }
    }
}

impl<I, S, C, ReqBody, ResBody> Service<Request<ReqBody>> for VerifyService<I, S, C>
where
    I: Service<Request<Full<Bytes>>, Response = Response<ResBody>> + Clone,
    S: KeyStore + ?Sized,
    C: Clock,
    ReqBody: Body,
    ReqBody::Error: fmt::Display,
{
    type Response = Response<VerifyResponseBody<ResBody>>;
    type Error = I::Error;
    type Future = ResponseFuture<I, ReqBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        // `self.inner` is the instance that was polled ready: it goes with this request, and a
        // fresh clone stays behind for the next one.
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        let (parts, body) = request.into_parts();
        let state = match self.shared.verify_head(&parts) {
            // Refused on its head: the body is dropped unread.
            Err(rejection) => State::Rejected {
                rejection: Some(rejection),
            },
            Ok((pending, check)) => State::Reading {
                body,
                check,
                read: Some(Reading {
                    pending,
                    // Grown as bytes arrive: a stalled client holds no memory for its body.
                    buffer: BytesMut::new(),
                    parts,
                    inner,
                    timeout: self.shared.policy.body_timeout,
                    deadline: None,
                    strip: self.shared.policy.strip_unsigned_headers,
                }),
            },
        };
        ResponseFuture { state }
    }
}

struct Reading<I> {
    pending: PendingBody,
    buffer: BytesMut,
    parts: http::request::Parts,
    inner: I,
    timeout: Option<Duration>,
    /// The body deadline's timer, started on the first poll (inside the runtime).
    deadline: Option<Pin<Box<tokio::time::Sleep>>>,
    strip: bool,
}

pin_project_lite::pin_project! {
    /// The future of [`VerifyService`]: reads and verifies the body, then runs the inner service.
    pub struct ResponseFuture<I, B>
    where
        I: Service<Request<Full<Bytes>>>,
    {
        #[pin]
        state: State<I, I::Future, B>,
    }
}

pin_project_lite::pin_project! {
    #[project = StateProj]
    enum State<I, F, B> {
        Rejected { rejection: Option<Rejection> },
        Reading { #[pin] body: B, check: Option<ReplayCheck>, read: Option<Reading<I>> },
        Calling { #[pin] future: F },
    }
}

impl<I, B, ResBody> Future for ResponseFuture<I, B>
where
    I: Service<Request<Full<Bytes>>, Response = Response<ResBody>>,
    B: Body,
    B::Error: fmt::Display,
{
    type Output = Result<Response<VerifyResponseBody<ResBody>>, I::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.project().state;
        loop {
            let next = match state.as_mut().project() {
                StateProj::Rejected { rejection } => {
                    let rejection = rejection
                        .take()
                        .unwrap_or_else(|| Rejection::body_unreadable(&"polled after completion"));
                    return Poll::Ready(Ok(rejection.into_response()));
                }
                StateProj::Calling { future } => {
                    let response = ready!(future.poll(cx))?;
                    return Poll::Ready(Ok(response.map(VerifyResponseBody::inner)));
                }
                StateProj::Reading { body, check, read } => {
                    // The replay guard's answer first, when it had to be awaited.
                    if let Some(pending_check) = check {
                        let answer = ready!(Pin::new(pending_check).poll(cx));
                        *check = None;
                        if let Err(e) = answer {
                            *read = None;
                            state.set(State::Rejected {
                                rejection: Some(Rejection::from_replay(&e)),
                            });
                            continue;
                        }
                    }
                    match ready!(poll_body(body, read, cx)) {
                        Err(rejection) => State::Rejected {
                            rejection: Some(rejection),
                        },
                        Ok((user, request, mut inner)) => {
                            let mut request = request;
                            request.extensions_mut().insert(user);
                            State::Calling {
                                future: inner.call(request),
                            }
                        }
                    }
                }
            };
            state.set(next);
        }
    }
}

type Verdict<I> = Result<(VerifiedUser, Request<Full<Bytes>>, I), Rejection>;

/// Removes every header the signature does not cover, but `Authorization`.
fn strip_unsigned(headers: &mut HeaderMap, signed: &[String]) {
    let unsigned: Vec<http::HeaderName> = headers
        .keys()
        .filter(|name| {
            **name != AUTHORIZATION && !signed.iter().any(|s| s.eq_ignore_ascii_case(name.as_str()))
        })
        .cloned()
        .collect();
    for name in unsigned {
        headers.remove(name);
    }
}

/// Reads the body to its end through the pending check, against the deadline; stops at the
/// first error.
fn poll_body<I, B>(
    mut body: Pin<&mut B>,
    read: &mut Option<Reading<I>>,
    cx: &mut Context<'_>,
) -> Poll<Verdict<I>>
where
    B: Body,
    B::Error: fmt::Display,
{
    loop {
        let Some(reading) = read.as_mut() else {
            return Poll::Ready(Err(Rejection::body_unreadable(&"polled after completion")));
        };
        if let Some(timeout) = reading.timeout {
            let deadline = reading
                .deadline
                .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
            if deadline.as_mut().poll(cx).is_ready() {
                *read = None;
                return Poll::Ready(Err(Rejection::body_timeout(timeout)));
            }
        }
        match ready!(body.as_mut().poll_frame(cx)) {
            Some(Ok(frame)) => {
                // Trailers are not signed: they are dropped.
                let Ok(mut data) = frame.into_data() else {
                    continue;
                };
                while data.has_remaining() {
                    let chunk = data.chunk();
                    let len = chunk.len();
                    if let Err(e) = reading.pending.update(chunk) {
                        *read = None;
                        return Poll::Ready(Err(Rejection::from_error(&crate::Error::Verify(e))));
                    }
                    reading.buffer.extend_from_slice(chunk);
                    data.advance(len);
                }
            }
            Some(Err(e)) => {
                *read = None;
                return Poll::Ready(Err(Rejection::body_unreadable(&e)));
            }
            None => {
                let Some(Reading {
                    pending,
                    buffer,
                    mut parts,
                    inner,
                    strip,
                    ..
                }) = read.take()
                else {
                    continue;
                };
                return Poll::Ready(match pending.finish() {
                    Ok(verified) => {
                        let signed = crate::http::signed_header_names(&parts.headers);
                        if strip {
                            strip_unsigned(&mut parts.headers, &signed);
                        }
                        Ok((
                            VerifiedUser::new(&verified, signed),
                            Request::from_parts(parts, Full::new(buffer.freeze())),
                            inner,
                        ))
                    }
                    Err(e) => Err(Rejection::from_error(&crate::Error::Verify(e))),
                });
            }
        }
    }
}

pin_project_lite::pin_project! {
    /// The response body of [`VerifyService`]: the inner service's body, or the JSON of a
    /// refusal.
    pub struct VerifyResponseBody<B> {
        #[pin]
        kind: BodyKind<B>,
    }
}

pin_project_lite::pin_project! {
    #[project = BodyKindProj]
    enum BodyKind<B> {
        Inner { #[pin] body: B },
        Rejection { body: Full<Bytes> },
    }
}

impl<B> VerifyResponseBody<B> {
    fn inner(body: B) -> Self {
        VerifyResponseBody {
            kind: BodyKind::Inner { body },
        }
    }

    fn rejection(json: Bytes) -> Self {
        VerifyResponseBody {
            kind: BodyKind::Rejection {
                body: Full::new(json),
            },
        }
    }
}

impl<B: fmt::Debug> fmt::Debug for VerifyResponseBody<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            BodyKind::Inner { body } => f.debug_tuple("Inner").field(body).finish(),
            BodyKind::Rejection { body } => f.debug_tuple("Rejection").field(body).finish(),
        }
    }
}

impl<B: Body<Data = Bytes>> Body for VerifyResponseBody<B> {
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        match self.project().kind.project() {
            BodyKindProj::Inner { body } => body.poll_frame(cx),
            BodyKindProj::Rejection { body } => Pin::new(body)
                .poll_frame(cx)
                .map(|frame| frame.map(|result| result.map_err(|never| match never {}))),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            BodyKind::Inner { body } => body.is_end_stream(),
            BodyKind::Rejection { body } => body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            BodyKind::Inner { body } => body.size_hint(),
            BodyKind::Rejection { body } => body.size_hint(),
        }
    }
}

#[cfg(test)]
mod tests {
    use ingo_signer_core::VerifyError;

    use super::*;

    #[test]
    fn policy_converts_to_the_core_policy() {
        let policy = GatewayPolicy::default()
            .allow_legacy_sha256(true)
            .max_skew(60)
            .max_body(10)
            .require_headers(["host"]);
        let names = policy.required_header_names();
        assert_eq!(
            policy.to_core(&names),
            Policy::default()
                .allow_legacy_sha256(true)
                .max_skew(60)
                .max_body(10)
                .require_headers(&["host"])
        );
        let default = GatewayPolicy::default();
        let names = default.required_header_names();
        assert!(names.is_empty());
        assert_eq!(default.to_core(&names), Policy::default());
    }

    #[test]
    fn refusals_are_json_with_a_challenge_on_401_only() {
        let response = Rejection::from_error(&crate::Error::Verify(VerifyError::SignatureMismatch))
            .into_response::<Full<Bytes>>();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()[WWW_AUTHENTICATE], "hmac");
        assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
        let rejection = response.extensions().get::<Rejection>().unwrap();
        assert_eq!(rejection.kind(), "verify.signature_mismatch");
        let json: serde_json::Value = serde_json::from_str(&rejection.to_json()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"status": 401, "client_message": VerifyError::SignatureMismatch.to_string()})
        );

        let response = Rejection::from_error(&crate::Error::Verify(VerifyError::BodyTooLarge {
            limit: 5,
        }))
        .into_response::<Full<Bytes>>();
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert!(!response.headers().contains_key(WWW_AUTHENTICATE));
    }

    #[test]
    fn an_unknown_username_is_answered_as_a_wrong_signature_and_logged_as_itself() {
        let answer = |e: VerifyError| {
            let response =
                Rejection::from_error(&crate::Error::Verify(e)).into_response::<Full<Bytes>>();
            let rejection = response.extensions().get::<Rejection>().unwrap().clone();
            (
                response.status(),
                response.headers().get(WWW_AUTHENTICATE).cloned(),
                rejection.to_json(),
                rejection.kind(),
            )
        };
        let unknown = answer(VerifyError::UnknownUsername);
        let mismatch = answer(VerifyError::SignatureMismatch);
        assert_eq!(
            (&unknown.0, &unknown.1, &unknown.2),
            (&mismatch.0, &mismatch.1, &mismatch.2)
        );
        assert_eq!(unknown.3, "verify.unknown_username");
        assert_eq!(mismatch.3, "verify.signature_mismatch");
    }
}
