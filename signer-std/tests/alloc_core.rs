//! The core signs and verifies without allocating: a counting global allocator sees no
//! allocation across `SigningKey::new`, `Signer::sign`, `Verifier::verify`,
//! `verify_head`/`update`/`finish`, refusals and their messages, with the core's types only.
//!
//! Counting is per thread and only while a closure runs, so the test harness (and other tests'
//! threads) cannot add to it. The same test shows that an allocation made in that window *is*
//! counted, so the zero is not an allocator that sees nothing.
#![allow(unsafe_code)] // the counting global allocator

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::fmt::Write as _;
use std::hint::black_box;

use ingo_signer_core::signer::{Body, HeaderOrder};
use ingo_signer_core::{
    HttpVersion, Policy, Request, RequestHead, Signer, SigningKey, Verifier, VerifyError,
};

thread_local! {
    // `const` thread-locals without destructors are plain TLS slots: reading one never
    // allocates, so the allocator can use them.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

struct Counting;

fn count() {
    if COUNTING.with(Cell::get) {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
    }
}

// SAFETY: every call is forwarded to `System` unchanged; counting only touches thread-locals.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which `System` shares.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: `ptr` was allocated by `System` with `layout`; the caller upholds the rest.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f` and returns its result and how many allocations this thread made meanwhile.
fn allocations_during<R>(f: impl FnOnce() -> R) -> (R, usize) {
    ALLOCATIONS.with(|n| n.set(0));
    COUNTING.with(|c| c.set(true));
    let result = f();
    COUNTING.with(|c| c.set(false));
    (result, ALLOCATIONS.with(Cell::get))
}

/// A `fmt::Write` into a fixed stack buffer.
struct StackText {
    bytes: [u8; 512],
    len: usize,
}

impl std::fmt::Write for StackText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        self.bytes
            .get_mut(self.len..end)
            .ok_or(std::fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

const NOW: u64 = 1_579_291_169;
const BODY: &[u8] = br#"{"participant_unique_id1":"70646041","participant_unique_id2":"x","language_locale_code":"en-US"}"#;

/// Signs and verifies every way the core offers; returns what a caller would look at, so that
/// nothing is optimised away.
fn sign_and_verify() -> (bool, usize) {
    let key = SigningKey::new("demo", b"demo-secret-not-for-production").unwrap();
    let old = SigningKey::new("demo", b"old-secret").unwrap();
    let keys = [old, key.clone()];

    // Sign: the default, the other header order, legacy, with an extra header, HTTP/2.
    let extra = [("idempotency-key", "k-1")];
    let request = Request {
        extra_headers: &extra,
        ..Request::new("POST", "/gateway/process--card?x=%2F", BODY)
    };
    let signed = Signer::new(&key).sign(&request, NOW).unwrap();
    let other_order = Signer::new(&key)
        .header_order(HeaderOrder::LengthLast)
        .http_version(HttpVersion::Http2)
        .sign(&request, NOW)
        .unwrap();
    let legacy = Signer::new(&key)
        .legacy_sha256()
        .sign(&request, NOW)
        .unwrap();
    let digested = Request {
        body: Body::Digested {
            len: BODY.len() as u64,
            digest: ingo_signer_core::digest::BodyDigest::of(
                ingo_signer_core::DigestAlgorithm::Sha512,
                BODY,
            ),
        },
        ..request
    };
    let from_digest = Signer::new(&key).sign(&digested, NOW).unwrap();
    assert_eq!(from_digest.authorization(), signed.authorization());

    // The received head: the signed headers plus the extra one, in a fixed array.
    let mut received = [("", ""); 6];
    for (slot, pair) in received.iter_mut().zip(signed.iter()) {
        *slot = pair;
    }
    received[5] = extra[0];
    let head = RequestHead {
        method: "POST",
        target: "/gateway/process--card?x=%2F",
        version: HttpVersion::Http11,
        headers: &received[..],
    };
    let required = ["idempotency-key"];
    let verifier = Verifier::new(&keys, Policy::default().require_headers(&required));

    // Verify at once, and head first then the body in chunks.
    let verified = verifier.verify(&head, BODY, NOW + 10).unwrap();
    let mut pending = verifier.verify_head(&head, NOW).unwrap();
    for chunk in BODY.chunks(7) {
        pending.update(chunk).unwrap();
    }
    let streamed = pending.finish().unwrap();
    assert_eq!(streamed, verified);

    // Legacy, where the policy allows it.
    let mut received_legacy = [("", ""); 6];
    for (slot, pair) in received_legacy.iter_mut().zip(legacy.iter()) {
        *slot = pair;
    }
    received_legacy[5] = extra[0];
    let legacy_head = RequestHead {
        headers: &received_legacy[..],
        ..head
    };
    let lenient = Verifier::new(&keys, Policy::default().allow_legacy_sha256(true));
    let legacy_verified = lenient.verify(&legacy_head, BODY, NOW).unwrap();

    // Refusals, and their messages formatted into a stack buffer.
    let mut text = StackText {
        bytes: [0; 512],
        len: 0,
    };
    let refusals = [
        verifier.verify(&head, b"{}", NOW).unwrap_err(),
        verifier.verify(&head, BODY, NOW + 301).unwrap_err(),
        verifier
            .verify(
                &RequestHead {
                    target: "/gateway/process--card",
                    ..head
                },
                BODY,
                NOW,
            )
            .unwrap_err(),
        verifier.verify(&legacy_head, BODY, NOW).unwrap_err(),
    ];
    for refusal in refusals {
        text.len = 0;
        write!(
            text,
            "{refusal} {} {}",
            refusal.kind(),
            refusal.http_status()
        )
        .unwrap();
    }
    assert_eq!(refusals[0].kind(), "verify.content_length_mismatch");
    assert!(matches!(refusals[2], VerifyError::SignatureMismatch));

    let mut poisoned = verifier.verify_head(&head, NOW).unwrap();
    let _ = poisoned.update(&[b' '; 200]);
    assert!(poisoned.finish().is_err());

    (
        black_box(verified.key_index() == 1 && legacy_verified.key_index() == 1)
            && black_box(other_order.authorization()) != black_box(signed.authorization()),
        black_box(text.len),
    )
}

#[test]
fn the_core_signs_and_verifies_without_allocating() {
    // The counter counts: an allocation in the window is seen.
    let (_, counted) = allocations_during(|| black_box(Vec::<u8>::with_capacity(16)));
    assert_eq!(
        counted, 1,
        "the counting allocator must see a Vec's allocation"
    );
    let (_, counted) = allocations_during(|| black_box(String::from("x")).push_str("yz"));
    assert!(counted >= 1);

    // The very first call is counted too: no first-use work (CPU feature detection included)
    // allocates either.
    let ((ok, written), counted) = allocations_during(sign_and_verify);
    assert!(ok);
    assert!(written > 0);
    assert_eq!(counted, 0, "the core allocated {counted} times");
}
