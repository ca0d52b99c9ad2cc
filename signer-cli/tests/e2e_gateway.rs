//! End to end on loopback: an axum server behind `VerifyLayer`, a reqwest client that signs.
//!
//! Every server binds 127.0.0.1 port 0, every wait is bounded by a timeout, and the runtime (and
//! so the server) ends with each test.

use std::future::poll_fn;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::Extension;
use axum::routing::{get, post};
use bytes::Bytes;
use http::{HeaderValue, Method, StatusCode};
use http_body::{Body, Frame, SizeHint};
use ingo_signer::clock::FixedClock;
use ingo_signer::keys::KeyRing;
use ingo_signer::reqwest::{SigningClient, client_builder};
use ingo_signer::tower::{GatewayPolicy, Rejection, VerifiedUser, VerifyLayer};
use ingo_signer_core::authorization::AuthorizationError;
use ingo_signer_core::date::SkewError;
use ingo_signer_core::digest::DigestError;
use ingo_signer_core::signing_string::{HeaderName, SigningStringError};
use ingo_signer_core::{Algorithm, DigestAlgorithm, Signer, SigningKey, VerifyError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tower_layer::Layer;
use tower_service::Service;

/// SPEC §7's instant: the server's clock and the client's.
const NOW: u64 = 1_579_291_169;
const SECRET: &[u8] = b"demo-secret-not-for-production";
const BODY: &str = r#"{"participant_id":70646041,"account_type":"CA","amount":12.5}"#;
const TIMEOUT: Duration = Duration::from_secs(10);

fn ring() -> KeyRing {
    let mut ring = KeyRing::new();
    ring.add("other", b"someone-else").unwrap();
    // Rotation: two keys for `demo`; clients sign with the second.
    ring.add("demo", b"old-secret").unwrap();
    ring.add("demo", SECRET).unwrap();
    ring
}

fn key() -> SigningKey {
    SigningKey::new("demo", SECRET).unwrap()
}

/// What the handlers saw: the verified user and the body, echoed as text.
async fn echo(Extension(user): Extension<VerifiedUser>, body: Bytes) -> String {
    format!(
        "{} {} {} {}",
        user.username,
        user.algorithm,
        user.key_index,
        String::from_utf8_lossy(&body)
    )
}

/// The layer under test: `ring()`'s keys, SPEC §7's instant.
fn layer(policy: GatewayPolicy) -> VerifyLayer<KeyRing, FixedClock> {
    VerifyLayer::new(Arc::new(ring()), policy).with_clock(FixedClock(NOW))
}

fn router(policy: GatewayPolicy) -> Router {
    Router::new()
        .route("/gateway/process--card", post(echo))
        .route("/api/v1/sessions/point-in-time/plugin", post(echo))
        .route("/api/v1/status", get(echo))
        .layer(layer(policy))
}

async fn serve(policy: GatewayPolicy) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router(policy)).await });
    addr
}

fn client() -> SigningClient<FixedClock> {
    SigningClient::with_client(client_builder().timeout(TIMEOUT).build().unwrap(), key())
        .with_clock(FixedClock(NOW))
}

/// A client on `client`'s connections that signs with `key` at `now`.
fn signing_as(
    client: &SigningClient<FixedClock>,
    key: SigningKey,
    now: u64,
) -> SigningClient<FixedClock> {
    SigningClient::with_client(client.client().clone(), key).with_clock(FixedClock(now))
}

/// `text` with the first character of its `signature="..."` value changed.
fn with_signature_changed(text: &str) -> String {
    let at = text.find("signature=\"").unwrap() + "signature=\"".len();
    let mut changed = text.to_owned();
    let replacement = if &changed[at..=at] == "A" { "B" } else { "A" };
    changed.replace_range(at..=at, replacement);
    changed
}

/// A POST of `body` with `headers` to the card route of the server at `addr`, built by
/// `client` and not signed yet (`client.execute` signs it as it sends it).
fn card_request(
    client: &SigningClient<FixedClock>,
    addr: SocketAddr,
    headers: &[(&str, &str)],
    body: &'static str,
) -> reqwest::Request {
    let mut builder = client.post(format!("http://{addr}/gateway/process--card"));
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(body).build().unwrap()
}

/// A signed POST of `BODY` to `path` (not yet sent).
fn signed(client: &SigningClient<FixedClock>, addr: SocketAddr, path: &str) -> reqwest::Request {
    let mut request = client
        .post(format!("http://{addr}{path}"))
        .body(BODY)
        .build()
        .unwrap();
    client.sign(&mut request).unwrap();
    request
}

/// Sends without signing again, and returns status, headers and body.
async fn send(
    client: &SigningClient<FixedClock>,
    request: reqwest::Request,
) -> (StatusCode, http::HeaderMap, String) {
    let response = client.client().execute(request).await.unwrap();
    assert_eq!(response.version(), http::Version::HTTP_11);
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

/// Asserts a refusal: the status, `WWW-Authenticate: hmac` on 401, and the JSON body with the
/// core's message.
/// The layer refused the request as it tells a client it refused `expected`
/// ([`VerifyError::for_client`]: an unknown username is answered as a wrong signature).
fn assert_refused(
    (status, headers, body): &(StatusCode, http::HeaderMap, String),
    expected: VerifyError,
) {
    let expected = expected.for_client();
    assert_eq!(status.as_u16(), expected.http_status(), "{body}");
    assert_eq!(headers["content-type"], "application/json");
    if *status == StatusCode::UNAUTHORIZED {
        assert_eq!(headers["www-authenticate"], "hmac");
    } else {
        assert!(!headers.contains_key("www-authenticate"));
    }
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"status": expected.http_status(), "client_message": expected.to_string()})
    );
}

fn missing(name: &str) -> VerifyError {
    VerifyError::SigningString(SigningStringError::HeaderMissing(HeaderName::new(name)))
}

#[tokio::test]
async fn valid_requests_pass_with_the_verified_user() {
    let addr = serve(GatewayPolicy::default()).await;
    let client = client();

    // Through the wrapper: signed as it is sent.
    let request = card_request(&client, addr, &[], BODY);
    let response = client.execute(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.text().await.unwrap(),
        format!("demo hmac-sha512 1 {BODY}")
    );

    // A query with percent-encoding, signed as reqwest sends it.
    let request = signed(
        &client,
        addr,
        "/api/v1/sessions/point-in-time/plugin?x=%2F&y=a b&z=é",
    );
    assert_eq!(
        request.url().query(),
        Some("x=%2F&y=a%20b&z=%C3%A9"),
        "the url crate encodes; the signature follows what is sent"
    );
    let (status, _, body) = send(&client, request).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // A GET without a body is signed as an empty body.
    let request = client
        .request(Method::GET, format!("http://{addr}/api/v1/status"))
        .build()
        .unwrap();
    let response = client.execute(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "demo hmac-sha512 1 ");

    // Several requests on one keep-alive connection, and an empty JSON object; each signed
    // anew (a second apart: one signed request is good for one use).
    for ago in 1..4 {
        let again = signing_as(&client, key(), NOW - ago);
        let request = card_request(&again, addr, &[], "{}");
        let response = again.execute(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    // The same signed request a second time is a replay.
    let again = signing_as(&client, key(), NOW - 1);
    let (status, _, body) = send(&again, signed(&again, addr, "/gateway/process--card")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let replayed = send(&again, signed(&again, addr, "/gateway/process--card")).await;
    assert_refused(&replayed, VerifyError::Replayed);
}

#[tokio::test]
async fn each_tampering_is_refused_with_the_json_body() {
    let addr = serve(GatewayPolicy::default()).await;
    let client = client();
    let path = "/gateway/process--card";

    // Body: same length, one byte changed.
    let mut request = signed(&client, addr, path);
    *request.body_mut() = Some(BODY.replace("12.5", "92.5").into());
    assert_refused(
        &send(&client, request).await,
        VerifyError::Digest(DigestError::Mismatch(DigestAlgorithm::Sha512)),
    );

    // A signed header's value.
    let mut request = signed(&client, addr, path);
    request.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    assert_refused(
        &send(&client, request).await,
        VerifyError::SignatureMismatch,
    );

    // The path, to another route that exists, and the query.
    for other in [
        "/api/v1/sessions/point-in-time/plugin",
        "/gateway/process--card?x=1",
    ] {
        let mut request = signed(&client, addr, path);
        *request.url_mut() = format!("http://{addr}{other}").parse().unwrap();
        assert_refused(
            &send(&client, request).await,
            VerifyError::SignatureMismatch,
        );
    }

    // The date: changed after signing, or signed but stale.
    let mut request = signed(&client, addr, path);
    request.headers_mut().insert(
        "x-date",
        HeaderValue::from_static("Fri, 17 Jan 2020 19:59:30 GMT"),
    );
    assert_refused(
        &send(&client, request).await,
        VerifyError::SignatureMismatch,
    );
    let stale = signing_as(&client, key(), NOW - 301);
    let request = signed(&stale, addr, path);
    assert_refused(
        &send(&client, request).await,
        VerifyError::DateSkew(SkewError {
            seconds: 301,
            ahead: false,
            limit: 300,
        }),
    );

    // The signature: one character changed.
    let mut request = signed(&client, addr, path);
    let authorization = request.headers()["authorization"].to_str().unwrap();
    let tampered = with_signature_changed(authorization);
    request
        .headers_mut()
        .insert("authorization", tampered.parse().unwrap());
    assert_refused(
        &send(&client, request).await,
        VerifyError::SignatureMismatch,
    );

    // The algorithm: renamed in the header (the signature no longer fits it), named as
    // something never accepted, or genuinely legacy where the policy does not allow it.
    for (from, to, expected) in [
        (
            "hmac-sha512",
            "hmac-sha256",
            VerifyError::Authorization(AuthorizationError::SignatureLength { expected: 32 }),
        ),
        (
            "hmac-sha512",
            "hmac-sha1",
            VerifyError::Authorization(AuthorizationError::UnsupportedAlgorithm),
        ),
    ] {
        let mut request = signed(&client, addr, path);
        let authorization = request.headers()["authorization"].to_str().unwrap();
        let tampered = authorization.replace(from, to);
        request
            .headers_mut()
            .insert("authorization", tampered.parse().unwrap());
        assert_refused(&send(&client, request).await, expected);
    }
    let legacy = client.clone().legacy_sha256(true);
    let request = signed(&legacy, addr, path);
    assert_refused(
        &send(&client, request).await,
        VerifyError::AlgorithmNotAllowed(Algorithm::HmacSha256),
    );

    // A missing header: each signed header, and the Authorization header itself.
    for name in ["x-date", "content-type", "content-sha512"] {
        let mut request = signed(&client, addr, path);
        request.headers_mut().remove(name);
        assert_refused(&send(&client, request).await, missing(name));
    }
    let mut request = signed(&client, addr, path);
    request.headers_mut().remove("authorization");
    assert_refused(
        &send(&client, request).await,
        VerifyError::MissingAuthorization,
    );

    // An unknown username (a key the server does not hold): the same answer as a wrong
    // signature, so that it does not tell which usernames exist.
    let stranger = signing_as(&client, SigningKey::new("stranger", SECRET).unwrap(), NOW);
    let request = signed(&stranger, addr, path);
    assert_refused(&send(&client, request).await, VerifyError::UnknownUsername);

    // And after all that, a valid request on the same client still passes (signed a second
    // later: the tampered bodies above spent the replay key of this second's signature, as
    // their heads were authentic).
    let later = signing_as(&client, key(), NOW - 1);
    let (status, _, body) = send(&later, signed(&later, addr, path)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn legacy_and_extra_signed_headers_follow_the_policy() {
    let policy = GatewayPolicy::default()
        .allow_legacy_sha256(true)
        .require_headers(["host", "idempotency-key"]);
    let addr = serve(policy).await;

    // Signing `host` adds the Host header hyper would send, and the server agrees with it.
    let client = client().sign_headers(["host", "idempotency-key"]);
    let mut request = card_request(&client, addr, &[("Idempotency-Key", "k-1")], BODY);
    client.sign(&mut request).unwrap();
    assert_eq!(request.headers()["host"], addr.to_string().as_str());
    let (status, _, body) = send(&client, request).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let legacy = client.clone().legacy_sha256(true);
    let request = card_request(&legacy, addr, &[("Idempotency-Key", "k-2")], BODY);
    let response = legacy.execute(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .starts_with("demo hmac-sha256 1 ")
    );

    // Without the required header signed: 401.
    let plain = self::client();
    let request = card_request(&plain, addr, &[("Idempotency-Key", "k-3")], BODY);
    let response = plain.execute(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_streaming_body_cannot_be_signed() {
    let client = client();
    let body = reqwest::Body::wrap(http_body_util::Full::new(Bytes::from_static(b"{}")));
    let mut request = client
        .post("http://127.0.0.1:9/p")
        .body(body)
        .build()
        .unwrap();
    let error = client.sign(&mut request).unwrap_err();
    assert_eq!(error.kind(), "reqwest.streaming_body");
}

/// Sends `head` and the first `sent` bytes of the body on a raw connection, then reads the
/// response without sending more. Returns the response head and body text.
async fn raw_exchange(addr: SocketAddr, head: &str, body: &[u8]) -> (String, String, bool) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    stream.flush().await.unwrap();
    // Read until the server closes the connection: it must, as the rest of the body is unread.
    let mut response = Vec::new();
    let closed = tokio::time::timeout(TIMEOUT, stream.read_to_end(&mut response))
        .await
        .is_ok();
    let text = String::from_utf8(response).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    (head.to_owned(), body.to_owned(), closed)
}

/// A POST to `uri` of `len` spaces, signed at SPEC §7's instant.
fn signed_spaces(uri: &str, len: usize) -> http::Request<Vec<u8>> {
    let mut request = http::Request::post(uri).body(vec![b' '; len]).unwrap();
    ingo_signer::http::sign_request(&Signer::new(&key()), &mut request, NOW).unwrap();
    request
}

/// A signed head for a body of `len` spaces (as an HTTP/1.1 request head, unsent).
fn raw_head(addr: SocketAddr, len: usize, extra: &str) -> (String, Vec<u8>) {
    let request = signed_spaces(&format!("http://{addr}/gateway/process--card"), len);
    let mut head = String::from("POST /gateway/process--card HTTP/1.1\r\n");
    head.push_str(&format!("host: {addr}\r\n"));
    for (name, value) in request.headers() {
        head.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap()));
    }
    head.push_str(extra);
    head.push_str("\r\n");
    (head, request.into_body())
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_before_it_is_sent() {
    let addr = serve(GatewayPolicy::default().max_body(1024)).await;

    // A correctly signed request declaring 1 MiB: only its head and 1 KiB of the body are ever
    // sent, yet the answer comes: the server refused on the head, without the body.
    let (head, body) = raw_head(addr, 1 << 20, "");
    let (response_head, response_body, closed) = raw_exchange(addr, &head, &body[..1024]).await;
    assert!(
        response_head.starts_with("HTTP/1.1 413 "),
        "{response_head}"
    );
    let json: serde_json::Value = serde_json::from_str(&response_body).unwrap();
    assert_eq!(json["status"], 413);
    assert_eq!(
        json["client_message"],
        VerifyError::BodyTooLarge { limit: 1024 }.to_string()
    );
    assert!(
        closed,
        "the server closes a connection whose body it did not read"
    );

    // At the limit, the same request passes.
    let (head, body) = raw_head(addr, 1024, "connection: close\r\n");
    let (response_head, _, _) = raw_exchange(addr, &head, &body).await;
    assert!(
        response_head.starts_with("HTTP/1.1 200 "),
        "{response_head}"
    );
}

#[tokio::test]
async fn a_chunked_body_cannot_run_past_its_signed_length() {
    // The core refuses any Transfer-Encoding before anything else (bodies are framed by the
    // signed Content-Length alone; hyper also drops Content-Length here, RFC 9112 §6.3), so the
    // request is refused on its head, before its chunks are read.
    let addr = serve(GatewayPolicy::default()).await;
    let (head, _) = raw_head(addr, 16, "transfer-encoding: chunked\r\n");
    let chunks = b"10\r\n                \r\n10\r\n                \r\n0\r\n\r\n";
    let (response_head, response_body, _) = raw_exchange(addr, &head, chunks).await;
    assert!(
        response_head.starts_with("HTTP/1.1 400 "),
        "{response_head}"
    );
    let json: serde_json::Value = serde_json::from_str(&response_body).unwrap();
    assert_eq!(
        json["client_message"],
        VerifyError::TransferEncoding.to_string()
    );
}

/// A body that yields `frames` frames of `size` bytes and counts how many were polled.
struct CountingBody {
    frames: usize,
    size: usize,
    polled: Arc<AtomicUsize>,
}

impl Body for CountingBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let polled = self.polled.fetch_add(1, Ordering::SeqCst);
        if polled >= self.frames {
            return Poll::Ready(None);
        }
        Poll::Ready(Some(Ok(Frame::data(Bytes::from(vec![b' '; self.size])))))
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::default()
    }
}

/// A [`CountingBody`] of `frames` frames of `size` bytes, and its count of polls.
fn counting(frames: usize, size: usize) -> (CountingBody, Arc<AtomicUsize>) {
    let polled = Arc::new(AtomicUsize::new(0));
    let body = CountingBody {
        frames,
        size,
        polled: Arc::clone(&polled),
    };
    (body, polled)
}

/// A request to the layer's service with `body` under the head of a POST of `signed_len`
/// spaces, signed at SPEC §7's instant.
fn signed_for(signed_len: usize, body: CountingBody) -> http::Request<CountingBody> {
    let (parts, _) = signed_spaces("/gateway/process--card", signed_len).into_parts();
    http::Request::from_parts(parts, body)
}

/// Waits until `service` is ready, then calls it.
async fn call<S>(service: &mut S, request: http::Request<CountingBody>) -> S::Response
where
    S: Service<http::Request<CountingBody>>,
    S::Error: std::fmt::Debug,
{
    poll_fn(|cx| service.poll_ready(cx)).await.unwrap();
    service.call(request).await.unwrap()
}

#[tokio::test]
async fn a_body_running_past_its_declared_length_is_cut_off_at_once() {
    // Over HTTP/1 hyper frames the body by Content-Length; a body source that does not (another
    // transport, a proxy, a bug) is cut off on the frame that crosses the signed length.
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let inner = Router::new().route(
        "/gateway/process--card",
        post(move || {
            counted.fetch_add(1, Ordering::SeqCst);
            async { "reached" }
        }),
    );
    let mut service = layer(GatewayPolicy::default()).layer(inner);

    // Signed for 100 bytes; the body then sends 10 frames of 64.
    let (body, polled) = counting(10, 64);
    let response = call(&mut service, signed_for(100, body)).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let rejection = response.extensions().get::<Rejection>().unwrap();
    assert_eq!(rejection.kind(), "verify.content_length_mismatch");
    assert_eq!(
        polled.load(Ordering::SeqCst),
        2,
        "reading stops on the frame that crosses 100 bytes"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 0, "the handler never runs");

    // The same body, exactly as signed, reaches the handler.
    let (body, _) = counting(2, 64);
    let response = call(&mut service, signed_for(128, body)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_unauthenticated_request_is_refused_before_its_body_is_polled() {
    let inner = Router::new().route("/p", post(|| async { "reached" }));
    let mut service = layer(GatewayPolicy::default()).layer(inner);
    let (body, polled) = counting(1, 64);
    let request = http::Request::post("/p")
        .header("content-length", "64")
        .body(body)
        .unwrap();
    let response = call(&mut service, request).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()["www-authenticate"], "hmac");
    assert_eq!(polled.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn with_expect_100_continue_a_refused_client_never_sends_its_body() {
    // hyper answers `100 Continue` only when the body is first read; the layer reads it only
    // after the head is authenticated. So a client that waits for `100 Continue` learns of a
    // refusal without sending a byte of its body, and a valid one is asked for its body.
    let addr = serve(GatewayPolicy::default()).await;
    let read_some = |mut stream: TcpStream| async move {
        let mut buffer = vec![0u8; 4096];
        let n = tokio::time::timeout(TIMEOUT, stream.read(&mut buffer))
            .await
            .unwrap()
            .unwrap();
        buffer.truncate(n);
        (stream, String::from_utf8(buffer).unwrap())
    };

    let (head, _) = raw_head(addr, 64, "expect: 100-continue\r\n");
    let tampered = with_signature_changed(&head);
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(tampered.as_bytes()).await.unwrap();
    let (_, response) = read_some(stream).await;
    assert!(response.starts_with("HTTP/1.1 401 "), "{response}");
    assert!(!response.contains("100 Continue"));

    let (head, body) = raw_head(addr, 64, "expect: 100-continue\r\nconnection: close\r\n");
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let (mut stream, response) = read_some(stream).await;
    assert_eq!(response, "HTTP/1.1 100 Continue\r\n\r\n");
    stream.write_all(&body).await.unwrap();
    let (_, response) = read_some(stream).await;
    assert!(response.starts_with("HTTP/1.1 200 "), "{response}");
}
