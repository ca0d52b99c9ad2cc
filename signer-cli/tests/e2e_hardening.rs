//! The gateway review's findings, each on loopback against an axum server behind `VerifyLayer`
//! (issue 13): replays, wire targets that are not what was signed, protocol upgrades, HTTP/2's
//! `:authority`, what the inner service learns, and bodies that never come.
//!
//! Every server binds 127.0.0.1 port 0 and every wait is bounded.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Extension;
use axum::routing::post;
use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use http_body_util::{BodyExt, Full};
use ingo_signer::clock::FixedClock;
use ingo_signer::keys::KeyRing;
use ingo_signer::replay::MemoryReplayGuard;
use ingo_signer::tower::{GatewayPolicy, Rejection, VerifiedUser, VerifyLayer};
use ingo_signer_core::{Signer, SigningKey, VerifyError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tower_layer::Layer;
use tower_service::Service;

const NOW: u64 = 1_579_291_169;
const SECRET: &[u8] = b"demo-secret-not-for-production";
const BODY: &str = r#"{"participant_id":70646041,"amount":12.5}"#;
const TIMEOUT: Duration = Duration::from_secs(10);

fn ring() -> Arc<KeyRing> {
    let mut ring = KeyRing::new();
    ring.add("demo", SECRET).unwrap();
    Arc::new(ring)
}

fn key() -> SigningKey {
    SigningKey::new("demo", SECRET).unwrap()
}

/// Echoes what the inner service learns: the verified user's fields, the URI it sees, and the
/// headers it was handed.
async fn echo(
    Extension(user): Extension<VerifiedUser>,
    uri: http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> String {
    let mut names: Vec<&str> = headers.keys().map(http::HeaderName::as_str).collect();
    names.sort_unstable();
    format!(
        "user={} x_date={} sig_len={} signed={} uri_host={} headers={} body={}",
        user.username,
        user.x_date,
        user.signature.len(),
        user.signed_headers.join(","),
        uri.host().unwrap_or("-"),
        names.join(","),
        String::from_utf8_lossy(&body)
    )
}

fn layer(policy: GatewayPolicy) -> VerifyLayer<KeyRing, FixedClock> {
    VerifyLayer::new(ring(), policy).with_clock(FixedClock(NOW))
}

async fn serve_with(layer: VerifyLayer<KeyRing, FixedClock>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new()
        .route("/gateway/process--card", post(echo))
        .layer(layer);
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

async fn serve(policy: GatewayPolicy) -> SocketAddr {
    serve_with(layer(policy)).await
}

/// The headers of `BODY` signed for `/gateway/process--card`, with `extra` signed too.
fn signed_headers(extra: &[(&str, &str)], at: u64) -> Vec<(String, String)> {
    let mut builder = http::Request::post("/gateway/process--card");
    for (name, value) in extra {
        builder = builder.header(*name, *value);
    }
    let mut request = builder.body(BODY.as_bytes().to_vec()).unwrap();
    let names: Vec<&str> = extra.iter().map(|(n, _)| *n).collect();
    ingo_signer::http::sign_request_with_headers(&Signer::new(&key()), &mut request, at, &names)
        .unwrap();
    request
        .headers()
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_owned()))
        .collect()
}

/// Sends a raw HTTP/1.1 request (`request_line` without CRLF) with `headers`, `unsigned`
/// header lines and the body, and reads the whole response (the request asks to close).
async fn raw(
    addr: SocketAddr,
    request_line: &str,
    headers: &[(String, String)],
    unsigned: &str,
) -> (u16, String) {
    let mut text = format!("{request_line}\r\nconnection: close\r\n{unsigned}");
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        text.push_str(&format!("host: {addr}\r\n"));
    }
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    text.push_str(BODY);
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(text.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(TIMEOUT, stream.read_to_end(&mut response))
        .await
        .expect("the server answers and closes")
        .unwrap();
    let response = String::from_utf8(response).unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response.split_once("\r\n\r\n").unwrap().1.to_owned();
    (status, body)
}

fn json_of(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

#[tokio::test]
async fn a_captured_request_is_accepted_once_then_refused_as_a_replay() {
    let addr = serve(GatewayPolicy::default()).await;
    let headers = signed_headers(&[], NOW);
    let line = "POST /gateway/process--card HTTP/1.1";
    let (status, body) = raw(addr, line, &headers, "").await;
    assert_eq!(status, 200, "{body}");
    // The review's replay: the same signed request again, each copy with new unsigned headers.
    for copy in 0..5 {
        let unsigned =
            format!("idempotency-key: copy-{copy}\r\nx-forwarded-for: 10.0.0.{copy}\r\n");
        let (status, body) = raw(addr, line, &headers, &unsigned).await;
        assert_eq!(status, 401, "copy {copy}: {body}");
        assert_eq!(
            json_of(&body),
            serde_json::json!({"status": 401, "client_message": VerifyError::Replayed.to_string()})
        );
    }
    // Signed anew a second later, the same payment is a new request.
    let (status, body) = raw(addr, line, &signed_headers(&[], NOW + 1), "").await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn two_layers_sharing_one_guard_accept_a_request_once() {
    let guard = Arc::new(MemoryReplayGuard::new(1024));
    let a = serve_with(layer(GatewayPolicy::default()).replay_guard(Arc::clone(&guard))).await;
    let b = serve_with(layer(GatewayPolicy::default()).replay_guard(Arc::clone(&guard))).await;
    let headers = signed_headers(&[], NOW);
    let line = "POST /gateway/process--card HTTP/1.1";
    assert_eq!(raw(a, line, &headers, "").await.0, 200);
    assert_eq!(raw(b, line, &headers, "").await.0, 401);
    assert_eq!(guard.len(), 1);
    // Without a guard, the copy passes: what the review saw.
    let open = serve_with(layer(GatewayPolicy::default()).without_replay_guard()).await;
    assert_eq!(raw(open, line, &headers, "").await.0, 200);
    assert_eq!(raw(open, line, &headers, "").await.0, 200);
}

#[tokio::test]
async fn targets_other_than_origin_form_are_refused_on_http_1() {
    let policy = GatewayPolicy::default().require_headers(["host"]);
    let addr = serve(policy).await;
    let headers = signed_headers(&[("host", "good.example")], NOW);
    let refused = serde_json::json!({
        "status": 400,
        "client_message": ingo_signer::Error::TargetForm.to_string(),
    });
    // The review's absolute-form target: signed as /gateway/process--card with host
    // good.example, sent to evil.example. Before the fix the inner service saw evil.example.
    for line in [
        "POST http://evil.example:8443/gateway/process--card HTTP/1.1",
        "POST http://good.example/gateway/process--card HTTP/1.1",
        "POST * HTTP/1.1",
    ] {
        let (status, body) = raw(addr, line, &headers, "").await;
        assert_eq!(status, 400, "{line}: {body}");
        assert_eq!(json_of(&body), refused, "{line}");
    }
    // Origin-form, the same signed head passes, and the inner service sees no other host.
    let (status, body) = raw(addr, "POST /gateway/process--card HTTP/1.1", &headers, "").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("uri_host=-"), "{body}");
}

#[tokio::test]
async fn protocol_upgrades_are_refused() {
    let addr = serve(GatewayPolicy::default()).await;
    let line = "POST /gateway/process--card HTTP/1.1";
    for (at, unsigned) in [
        "upgrade: websocket\r\n",
        "upgrade: h2c\r\nhttp2-settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n",
    ]
    .into_iter()
    .enumerate()
    {
        // A fresh signature each time, so that no refusal is a replay.
        let headers = signed_headers(&[], NOW - at as u64);
        let (status, body) = raw(addr, line, &headers, unsigned).await;
        assert_eq!(status, 400, "{unsigned}: {body}");
        assert_eq!(
            json_of(&body)["client_message"],
            ingo_signer::Error::Upgrade.to_string()
        );
    }
}

/// Calls the layer as a tower service (no network): how an HTTP/2 request reaches it.
async fn call(
    layer: &VerifyLayer<KeyRing, FixedClock>,
    request: http::Request<Full<Bytes>>,
) -> (StatusCode, Option<Rejection>, String) {
    let inner = tower_service_fn(|request: http::Request<Full<Bytes>>| async move {
        let user = request.extensions().get::<VerifiedUser>().cloned().unwrap();
        let names: Vec<String> = request.headers().keys().map(|n| n.to_string()).collect();
        Ok::<_, std::convert::Infallible>(http::Response::new(Full::new(Bytes::from(format!(
            "{} host={} headers={}",
            user.username,
            request.uri().host().unwrap_or("-"),
            names.join(",")
        )))))
    });
    let mut service = layer.layer(inner);
    let response = service.call(request).await.unwrap();
    let status = response.status();
    let rejection = response.extensions().get::<Rejection>().cloned();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        rejection,
        String::from_utf8_lossy(&body).into_owned(),
    )
}

/// A minimal `Service` from a closure (tower's `service_fn` without the dependency).
fn tower_service_fn<F>(f: F) -> ServiceFn<F> {
    ServiceFn(f)
}

#[derive(Clone)]
struct ServiceFn<F>(F);

impl<F, Fut, R> Service<http::Request<Full<Bytes>>> for ServiceFn<F>
where
    F: FnMut(http::Request<Full<Bytes>>) -> Fut,
    Fut: Future<Output = Result<R, std::convert::Infallible>>,
{
    type Response = R;
    type Error = std::convert::Infallible;
    type Future = Fut;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Full<Bytes>>) -> Fut {
        (self.0)(request)
    }
}

/// An HTTP/2 request as hyper hands it over: the URI carries `:scheme` and `:authority`.
fn h2_request(authority: &str, headers: &[(String, String)]) -> http::Request<Full<Bytes>> {
    let mut builder = http::Request::post(format!("https://{authority}/gateway/process--card"))
        .version(http::Version::HTTP_2);
    for (name, value) in headers {
        builder = builder.header(name, value);
    }
    builder.body(Full::new(Bytes::from(BODY))).unwrap()
}

fn signed_h2(extra: &[(&str, &str)], at: u64) -> Vec<(String, String)> {
    let mut builder = http::Request::post("/gateway/process--card").version(http::Version::HTTP_2);
    for (name, value) in extra {
        builder = builder.header(*name, *value);
    }
    let mut request = builder.body(BODY.as_bytes().to_vec()).unwrap();
    let names: Vec<&str> = extra.iter().map(|(n, _)| *n).collect();
    ingo_signer::http::sign_request_with_headers(&Signer::new(&key()), &mut request, at, &names)
        .unwrap();
    request
        .headers()
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_owned()))
        .collect()
}

#[tokio::test]
async fn on_http_2_the_authority_must_be_a_signed_host() {
    let layer = layer(GatewayPolicy::default());
    let unsigned = ingo_signer::Error::AuthorityNotSigned;
    // No Host at all, a Host that is not signed, a signed Host for another authority: refused.
    for (at, (extra, host)) in [
        (&[][..], None),
        (&[][..], Some("good.example")),
        (&[("host", "good.example")][..], None),
    ]
    .into_iter()
    .enumerate()
    {
        let mut headers = signed_h2(extra, NOW - at as u64);
        if let Some(host) = host {
            headers.push(("host".into(), host.into()));
        }
        let (status, rejection, _) = call(&layer, h2_request("evil.example", &headers)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{extra:?} {host:?}");
        assert_eq!(rejection.unwrap().kind(), unsigned.kind());
    }
    // A signed Host equal to :authority (hosts compare case-insensitively) passes.
    let headers = signed_h2(&[("host", "Good.Example")], NOW);
    let (status, rejection, body) = call(&layer, h2_request("good.example", &headers)).await;
    assert_eq!(status, StatusCode::OK, "{rejection:?}");
    assert!(body.starts_with("demo host=good.example"), "{body}");
}

#[tokio::test]
async fn the_inner_service_learns_what_was_signed_and_may_see_only_that() {
    let extra = [("idempotency-key", "k-1")];
    let headers = signed_headers(&extra, NOW);
    let line = "POST /gateway/process--card HTTP/1.1";
    let unsigned = "x-forwarded-for: 10.0.0.1\r\nx-evil: 1\r\n";

    let addr = serve(GatewayPolicy::default()).await;
    let (status, body) = raw(addr, line, &headers, unsigned).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(&format!("x_date={NOW}")), "{body}");
    assert!(body.contains("sig_len=64"), "{body}");
    assert!(
        body.contains(
            "signed=request-line,x-date,content-type,content-length,content-sha512,idempotency-key"
        ),
        "{body}"
    );
    assert!(body.contains("x-evil"), "passed on by default: {body}");

    let addr = serve(GatewayPolicy::default().strip_unsigned_headers(true)).await;
    let (status, body) = raw(addr, line, &headers, unsigned).await;
    assert_eq!(status, 200, "{body}");
    let seen = body
        .split(" headers=")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap();
    assert_eq!(
        seen,
        "authorization,content-length,content-sha512,content-type,idempotency-key,x-date"
    );
}

#[tokio::test]
async fn a_body_that_never_comes_is_cut_off_at_the_deadline() {
    let deadline = Duration::from_millis(600);
    let addr = serve(GatewayPolicy::default().body_timeout(Some(deadline))).await;
    let headers = signed_headers(&[], NOW);
    let mut text = String::from("POST /gateway/process--card HTTP/1.1\r\n");
    text.push_str(&format!("host: {addr}\r\n"));
    for (name, value) in &headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let start = Instant::now();
    // A valid head and 3 bytes of the body, then silence.
    stream.write_all(text.as_bytes()).await.unwrap();
    stream.write_all(&BODY.as_bytes()[..3]).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(TIMEOUT, stream.read_to_end(&mut response))
        .await
        .expect("the server closes the connection at the deadline")
        .unwrap();
    let elapsed = start.elapsed();
    let response = String::from_utf8(response).unwrap();
    assert!(response.starts_with("HTTP/1.1 408 "), "{response}");
    assert!(
        response.to_ascii_lowercase().contains("connection: close"),
        "{response}"
    );
    assert!(elapsed >= deadline, "{elapsed:?}");
    assert!(elapsed < deadline * 5, "{elapsed:?}");
}
