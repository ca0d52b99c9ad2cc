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

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Extension;
use axum::routing::post;
use axum::serve::{Listener, ListenerExt};
use bytes::Bytes;
use ingo_signer::clock::FixedClock;
use ingo_signer::keys::KeyRing;
use ingo_signer::tower::{GatewayPolicy, VerifiedUser, VerifyLayer};
use ingo_signer_core::SigningKey;
use load_support::{Target, body, clients, expected_tally, rss_kb, run};
use tokio::net::TcpListener;

mod heap_count;
mod load_support;

#[global_allocator]
static HEAP: heap_count::Counting = heap_count::Counting;

const NOW: u64 = 1_579_291_169;
const SECRET: &[u8] = b"demo-secret-not-for-production";
const PATH: &str = "/gateway/process--card";
const CONNECTIONS: usize = 32;
const WARM_UP: usize = 2_000;
const REQUESTS: usize = 6_000;
const RSS_BOUND_KB: u64 = 8 * 1024;
const HEAP_BOUND: isize = 512 * 1024;

/// The handler's answer: the verified user, the key that verified, the body's length.
fn handler_answer(i: usize, text: &str) {
    assert_eq!(text, format!("demo {} {}", 1, body(i).len()));
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

    let key = SigningKey::new("demo", SECRET).unwrap();
    let clients = clients(&key, CONNECTIONS, NOW);

    let target = Target {
        url: format!("http://{addr}{PATH}"),
        replay_every: None,
        accepted: handler_answer,
    };
    let warm_up = run(&clients, &target, 0, WARM_UP).await;
    assert_eq!(warm_up, expected_tally(&target, 0, WARM_UP));
    let rss_before = rss_kb("self");
    let heap_before = heap_count::live_heap_bytes();
    let handled_before = handled.load(Ordering::Relaxed);

    let started = Instant::now();
    let tally = run(&clients, &target, WARM_UP, WARM_UP + REQUESTS).await;
    let elapsed = started.elapsed();
    let rss_after = rss_kb("self");
    let heap_after = heap_count::live_heap_bytes();
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
    assert_eq!(tally, expected_tally(&target, WARM_UP, WARM_UP + REQUESTS));
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
