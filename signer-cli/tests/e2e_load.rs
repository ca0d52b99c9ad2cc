//! Load on loopback: 6,000 requests (after 2,000 of warm-up) over 32 concurrent keep-alive
//! connections to an axum server behind `VerifyLayer`, half valid and half tampered in seven
//! ways. Every response is checked against what was sent: exact counts per kind, no false
//! accept, no false reject. And the server's memory stays flat.
//!
//! Memory is measured two ways, both in this process (client and server share it):
//! - resident memory (`VmRSS` in `/proc/self/status`, in kB: no page-size assumption), after the
//!   warm-up and after the run. The bound is 8 MiB. Each request carries a 4 KiB body, so a
//!   layer that kept the buffered body of each accepted request would grow by 3,000 × 4 KiB =
//!   12 MiB, and one that kept every request's head or body more than that; the warm-up has
//!   already grown the pools, buffers and allocator arenas that are allowed to grow.
//! - live heap bytes (allocated minus freed, counted by this test's global allocator), which
//!   RSS blurs: the bound is 512 KiB, which catches a leak of 88 bytes per request (a layer made
//!   to leak 100 bytes per request fails it, at +599 kB; RSS grew only 1.2 MB). Measured: a
//!   few hundred bytes either way. Warm-up matters: hyper's read buffers grow once, by about
//!   290 kB in all, within the first couple of thousand requests; after a 2,000-request warm-up
//!   that growth is behind us.
//!
//! The whole run is bounded: every request has a 10 s timeout and the test a 120 s one.
#![allow(unsafe_code)] // the counting global allocator

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Extension;
use axum::routing::post;
use axum::serve::{Listener, ListenerExt};
use bytes::Bytes;
use http::{HeaderValue, StatusCode};
use ingo_signer::clock::FixedClock;
use ingo_signer::keys::KeyRing;
use ingo_signer::reqwest::{SigningClient, client_builder};
use ingo_signer::tower::{GatewayPolicy, VerifiedUser, VerifyLayer};
use ingo_signer_core::authorization::AuthorizationError;
use ingo_signer_core::digest::DigestError;
use ingo_signer_core::signing_string::{HeaderName, SigningStringError};
use ingo_signer_core::{DigestAlgorithm, SigningKey, VerifyError};
use tokio::net::TcpListener;

/// Counts live heap bytes: allocated minus freed.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

fn size(layout: Layout) -> isize {
    isize::try_from(layout.size()).unwrap_or(isize::MAX)
}

// SAFETY: every call is forwarded to `System` unchanged; the counter only observes sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(size(layout), Ordering::Relaxed);
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which `System` shares.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(size(layout), Ordering::Relaxed);
        // SAFETY: `ptr` was allocated by `System` with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(size(layout), Ordering::Relaxed);
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            isize::try_from(new_size).unwrap_or(isize::MAX) - size(layout),
            Ordering::Relaxed,
        );
        // SAFETY: `ptr` was allocated by `System` with `layout`; the caller upholds the rest.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const NOW: u64 = 1_579_291_169;
const SECRET: &[u8] = b"demo-secret-not-for-production";
const PATH: &str = "/gateway/process--card";
const CONNECTIONS: usize = 32;
const WARM_UP: usize = 2_000;
const REQUESTS: usize = 6_000;
const BODY_LEN: usize = 4_096;
const RSS_BOUND_KB: u64 = 8 * 1024;
const HEAP_BOUND: isize = 512 * 1024;

/// What each request is: valid, or tampered one way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Valid,
    Body,
    Header,
    Path,
    Date,
    Signature,
    Algorithm,
    MissingHeader,
}

const TAMPERED: [Kind; 7] = [
    Kind::Body,
    Kind::Header,
    Kind::Path,
    Kind::Date,
    Kind::Signature,
    Kind::Algorithm,
    Kind::MissingHeader,
];

impl Kind {
    /// Request `i` of a run: even ones valid, odd ones tampered in turn.
    fn of(i: usize) -> Kind {
        if i.is_multiple_of(2) {
            Kind::Valid
        } else {
            TAMPERED[(i / 2) % TAMPERED.len()]
        }
    }

    /// `None` for valid requests; otherwise the refusal the server must give.
    fn expected(self) -> Option<VerifyError> {
        match self {
            Kind::Valid => None,
            Kind::Body => Some(VerifyError::Digest(DigestError::Mismatch(
                DigestAlgorithm::Sha512,
            ))),
            Kind::Header | Kind::Path | Kind::Date | Kind::Signature => {
                Some(VerifyError::SignatureMismatch)
            }
            Kind::Algorithm => Some(VerifyError::Authorization(
                AuthorizationError::SignatureLength { expected: 32 },
            )),
            Kind::MissingHeader => Some(VerifyError::SigningString(
                SigningStringError::HeaderMissing(HeaderName::new("content-sha512")),
            )),
        }
    }
}

/// A 4 KiB JSON body unique to request `i`.
fn body(i: usize) -> String {
    let head = format!(r#"{{"participant_id":{i},"pad":""#);
    let mut body = head;
    body.push_str(&"x".repeat(BODY_LEN - body.len() - 2));
    body.push_str("\"}");
    body
}

/// Request `i` of `kind`, signed and then tampered.
fn request(
    client: &SigningClient<FixedClock>,
    addr: SocketAddr,
    i: usize,
    kind: Kind,
) -> reqwest::Request {
    let body = body(i);
    let mut request = client
        .post(format!("http://{addr}{PATH}"))
        .body(body.clone())
        .build()
        .unwrap();
    client.sign(&mut request).unwrap();
    let headers = request.headers_mut();
    match kind {
        Kind::Valid => {}
        Kind::Body => {
            *request.body_mut() = Some(body.replacen("\"pad\":\"x", "\"pad\":\"y", 1).into());
        }
        Kind::Header => {
            headers.insert(
                "content-type",
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
        }
        Kind::Path => {
            *request.url_mut() = format!("http://{addr}{PATH}?i={i}").parse().unwrap();
        }
        Kind::Date => {
            headers.insert(
                "x-date",
                HeaderValue::from_static("Fri, 17 Jan 2020 19:59:30 GMT"),
            );
        }
        Kind::Signature => {
            let value = headers["authorization"].to_str().unwrap();
            let at = value.find("signature=\"").unwrap() + "signature=\"".len();
            let mut tampered = value.to_owned();
            let to = if &tampered[at..=at] == "A" { "B" } else { "A" };
            tampered.replace_range(at..=at, to);
            headers.insert("authorization", tampered.parse().unwrap());
        }
        Kind::Algorithm => {
            let value = headers["authorization"].to_str().unwrap();
            let tampered = value.replace("hmac-sha512", "hmac-sha256");
            headers.insert("authorization", tampered.parse().unwrap());
        }
        Kind::MissingHeader => {
            headers.remove("content-sha512");
        }
    }
    request
}

/// Per kind: (accepted, refused as expected). Anything else fails the test where it happens.
type Tally = BTreeMap<Kind, (usize, usize)>;

/// Sends requests `from..to` of the run spread over the clients: client `c` sends every
/// request `i` with `i % CONNECTIONS == c`, one after another on its one connection.
async fn run(
    clients: &[Arc<SigningClient<FixedClock>>],
    addr: SocketAddr,
    from: usize,
    to: usize,
) -> Tally {
    let mut tasks = Vec::new();
    for (c, client) in clients.iter().enumerate() {
        let client = Arc::clone(client);
        tasks.push(tokio::spawn(async move {
            let mut tally = Tally::new();
            for i in (from..to).filter(|i| i % CONNECTIONS == c) {
                let kind = Kind::of(i);
                let response = client
                    .client()
                    .execute(request(&client, addr, i, kind))
                    .await
                    .unwrap();
                let status = response.status();
                let text = response.text().await.unwrap();
                let entry = tally.entry(kind).or_default();
                match kind.expected() {
                    None => {
                        assert_eq!(
                            status,
                            StatusCode::OK,
                            "false reject of request {i}: {text}"
                        );
                        assert_eq!(text, format!("demo {} {}", 1, body(i).len()));
                        entry.0 += 1;
                    }
                    Some(expected) => {
                        assert_ne!(
                            status,
                            StatusCode::OK,
                            "false accept of request {i} ({kind:?})"
                        );
                        assert_eq!(status.as_u16(), expected.http_status(), "{kind:?}: {text}");
                        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
                        assert_eq!(json["client_message"], expected.to_string(), "{kind:?}");
                        entry.1 += 1;
                    }
                }
            }
            tally
        }));
    }
    let mut total = Tally::new();
    for task in tasks {
        for (kind, (accepted, refused)) in task.await.unwrap() {
            let entry = total.entry(kind).or_default();
            entry.0 += accepted;
            entry.1 += refused;
        }
    }
    total
}

/// What `run(from, to)` must count: every valid request accepted, every other refused.
fn expected_tally(from: usize, to: usize) -> Tally {
    let mut tally = Tally::new();
    for i in from..to {
        let kind = Kind::of(i);
        let entry = tally.entry(kind).or_default();
        if kind == Kind::Valid {
            entry.0 += 1;
        } else {
            entry.1 += 1;
        }
    }
    tally
}

fn rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_requests_over_32_connections_exact_counts_flat_memory() {
    tokio::time::timeout(Duration::from_secs(120), load())
        .await
        .expect("the load test finishes within 120 s");
}

async fn load() {
    let mut ring = KeyRing::new();
    ring.add("demo", b"old-secret").unwrap();
    ring.add("demo", SECRET).unwrap();
    let handled = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&handled);
    let app = Router::new()
        .route(
            PATH,
            post(
                move |Extension(user): Extension<VerifiedUser>, body: Bytes| {
                    counted.fetch_add(1, Ordering::Relaxed);
                    async move { format!("{} {} {}", user.username, user.key_index, body.len()) }
                },
            ),
        )
        .layer(
            VerifyLayer::new(Arc::new(ring), GatewayPolicy::default()).with_clock(FixedClock(NOW)),
        );
    let connections = Arc::new(AtomicUsize::new(0));
    let accepted = Arc::clone(&connections);
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .tap_io(move |_| {
            accepted.fetch_add(1, Ordering::Relaxed);
        });
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    // One client per connection: each keeps at most one idle connection and sends in sequence.
    let key = SigningKey::new("demo", SECRET).unwrap();
    let clients: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
            let client = client_builder()
                .timeout(Duration::from_secs(10))
                .pool_max_idle_per_host(1)
                .build()
                .unwrap();
            Arc::new(SigningClient::with_client(client, key.clone()).with_clock(FixedClock(NOW)))
        })
        .collect();

    let warm_up = run(&clients, addr, 0, WARM_UP).await;
    assert_eq!(warm_up, expected_tally(0, WARM_UP));
    let rss_before = rss_kb();
    let heap_before = LIVE.load(Ordering::Relaxed);
    let handled_before = handled.load(Ordering::Relaxed);

    let started = Instant::now();
    let tally = run(&clients, addr, WARM_UP, WARM_UP + REQUESTS).await;
    let elapsed = started.elapsed();
    let rss_after = rss_kb();
    let heap_after = LIVE.load(Ordering::Relaxed);
    let handled_run = handled.load(Ordering::Relaxed) - handled_before;

    let accepted: usize = tally.values().map(|(a, _)| a).sum();
    let refused: usize = tally.values().map(|(_, r)| r).sum();
    println!(
        "{REQUESTS} requests over {CONNECTIONS} connections in {elapsed:.2?} \
         ({:.0} requests/s): {accepted} accepted, {refused} refused; per kind \
         (accepted, refused): {tally:?}; handler ran {handled_run} times; server accepted {} \
         TCP connections in all (warm-up included); RSS {rss_before} kB -> {rss_after} kB \
         ({:+} kB); live heap {heap_before} B -> {heap_after} B ({:+} B)",
        REQUESTS as f64 / elapsed.as_secs_f64(),
        connections.load(Ordering::Relaxed),
        i64::try_from(rss_after).unwrap() - i64::try_from(rss_before).unwrap(),
        heap_after - heap_before,
    );

    // Exact counts: every kind as sent, valid ones all accepted, tampered ones all refused.
    assert_eq!(tally, expected_tally(WARM_UP, WARM_UP + REQUESTS));
    assert_eq!(accepted + refused, REQUESTS);
    assert_eq!(accepted, REQUESTS / 2);
    assert_eq!(
        handled_run, accepted,
        "the handler ran exactly for the accepted requests"
    );

    // Flat memory.
    assert!(
        rss_after <= rss_before + RSS_BOUND_KB,
        "resident memory grew by {} kB",
        rss_after - rss_before
    );
    assert!(
        heap_after - heap_before <= HEAP_BOUND,
        "live heap grew by {} bytes",
        heap_after - heap_before
    );

    drop(clients);
    server.abort();
}
