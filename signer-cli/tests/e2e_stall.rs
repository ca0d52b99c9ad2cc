//! Stalled bodies (issue 13): hundreds of connections each send a valid signed head declaring a
//! 60,000-byte body, 16 bytes of it, and then nothing. The layer must not hold memory for the
//! bodies that never come, and must close every one of those connections at its body deadline.
//!
//! Memory per stalled connection is live heap bytes (allocated minus freed, counted by this
//! test's global allocator; client and server share the process, so the client's sockets are
//! in it too) and resident memory (`VmRSS`), each divided by the number of connections. The
//! layer used to reserve the declared length for each (up to 64 KiB): 60 KB a connection here.
//! It now grows the buffer as bytes arrive.
#![allow(unsafe_code)] // the counting global allocator

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::post;
use ingo_signer::clock::FixedClock;
use ingo_signer::keys::KeyRing;
use ingo_signer::tower::{GatewayPolicy, VerifyLayer};
use ingo_signer_core::{Signer, SigningKey};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

mod heap_count;

#[global_allocator]
static HEAP: heap_count::Counting = heap_count::Counting;

const NOW: u64 = 1_579_291_169;
const SECRET: &[u8] = b"demo-secret-not-for-production";
const CONNECTIONS: usize = 300;
const DECLARED: usize = 60_000;
const DEADLINE: Duration = Duration::from_secs(2);

fn rss_kb() -> i64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// A valid head declaring `DECLARED` bytes, signed `ago` seconds before `NOW` (a different
/// signature per connection, so that none is refused as a replay).
fn head(addr: std::net::SocketAddr, ago: u64) -> String {
    let key = SigningKey::new("demo", SECRET).unwrap();
    let mut request = http::Request::post("/gateway/process--card")
        .body(vec![b' '; DECLARED])
        .unwrap();
    ingo_signer::http::sign_request(&Signer::new(&key), &mut request, NOW - ago).unwrap();
    let mut text = format!("POST /gateway/process--card HTTP/1.1\r\nhost: {addr}\r\n");
    for (name, value) in request.headers() {
        text.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap()));
    }
    text.push_str("\r\n");
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_bodies_hold_little_memory_and_are_closed_at_the_deadline() {
    let mut ring = KeyRing::new();
    ring.add("demo", SECRET).unwrap();
    let layer = VerifyLayer::new(
        Arc::new(ring),
        GatewayPolicy::default().body_timeout(Some(DEADLINE)),
    )
    .with_clock(FixedClock(NOW));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new()
        .route("/gateway/process--card", post(|| async { "ok" }))
        .layer(layer);
    tokio::spawn(async move { axum::serve(listener, app).await });
    let heads: Vec<String> = (0..CONNECTIONS as u64).map(|i| head(addr, i)).collect();

    // Warm up the server's pools with one whole request, then measure from here.
    let mut warm = TcpStream::connect(addr).await.unwrap();
    let whole = head(addr, 300).replace("\r\n\r\n", "\r\nconnection: close\r\n\r\n");
    warm.write_all(whole.as_bytes()).await.unwrap();
    warm.write_all(&vec![b' '; DECLARED]).await.unwrap();
    let mut answer = Vec::new();
    warm.read_to_end(&mut answer).await.unwrap();
    assert!(
        answer.starts_with(b"HTTP/1.1 200 "),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (heap_before, rss_before) = (heap_count::live_heap_bytes(), rss_kb());

    let start = Instant::now();
    let mut streams = Vec::with_capacity(CONNECTIONS);
    for head in &heads {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(&[b' '; 16]).await.unwrap();
        streams.push(stream);
    }
    // Every head is authenticated and waiting for its body.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let heap = (heap_count::live_heap_bytes() - heap_before) / CONNECTIONS as isize;
    let rss = (rss_kb() - rss_before) * 1024 / CONNECTIONS as i64;
    eprintln!("{CONNECTIONS} stalled connections: {heap} heap bytes and {rss} resident bytes each");
    assert!(
        start.elapsed() < DEADLINE,
        "the connections took too long to open to measure them before the deadline"
    );

    // Every one is answered 408 and closed at the deadline.
    let mut closed = 0;
    for mut stream in streams {
        let mut response = Vec::new();
        tokio::time::timeout(DEADLINE * 5, stream.read_to_end(&mut response))
            .await
            .expect("closed by the body deadline")
            .unwrap();
        assert!(
            response.starts_with(b"HTTP/1.1 408 "),
            "{}",
            String::from_utf8_lossy(&response)
        );
        closed += 1;
    }
    let elapsed = start.elapsed();
    assert_eq!(closed, CONNECTIONS);
    assert!(elapsed >= DEADLINE, "{elapsed:?}");
    eprintln!("all {CONNECTIONS} closed after {elapsed:?} (deadline {DEADLINE:?})");
    // The declared 60,000 bytes are not reserved: what a stalled connection holds is the
    // server's and client's socket state and buffers, a fraction of it.
    // Measured: 31,875 bytes now, 91,873 when the declared length was reserved.
    assert!(heap < 48 * 1024, "{heap} heap bytes per stalled connection");
}
