//! Nothing but `ingo_key_new` allocates: signing, both forms of verification, digests, payload
//! validation and the error functions run with zero allocations, on success and on failure.
//! A counting global allocator watches only the thread that arms it.
#![expect(
    clippy::multiple_unsafe_ops_per_block,
    reason = "one block drives the whole ABI over the same valid pointers; its SAFETY comment covers every call"
)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::ffi::c_char;
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::codes::{INGO_E_DIGEST_MISMATCH, INGO_E_PAYLOAD_INVALID, INGO_OK};
use crate::*;

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
thread_local! {
    static ARMED: Cell<bool> = const { Cell::new(false) };
}

// SAFETY: forwards every call to the system allocator unchanged; it only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if ARMED.with(Cell::get) {
            ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        }
        // SAFETY: the caller's contract is forwarded unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract is forwarded unchanged.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if ARMED.with(Cell::get) {
            ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        }
        // SAFETY: the caller's contract is forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_in(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    ARMED.with(|armed| armed.set(true));
    f();
    ARMED.with(|armed| armed.set(false));
    ALLOCATIONS.load(Ordering::SeqCst) - before
}

fn s(text: &[u8]) -> IngoStr {
    IngoStr {
        ptr: text.as_ptr().cast::<c_char>(),
        len: text.len(),
    }
}

fn buf(bytes: &mut [u8]) -> IngoBuf {
    IngoBuf {
        ptr: bytes.as_mut_ptr().cast::<c_char>(),
        cap: bytes.len(),
        len: 0,
    }
}

#[test]
fn only_key_creation_allocates() {
    let secret = b"demo-secret-not-for-production";
    let body = br#"{"participant_unique_id1": "p-1", "recipient_information": {"business_name": "Acme", "zip_code": "3723"}}"#;
    // The counter counts: the key handle is the one allocation.
    assert_eq!(
        allocations_in(|| drop(std::hint::black_box(Box::new(1)))),
        1
    );
    let mut key = ptr::null_mut();
    let n = allocations_in(|| {
        // SAFETY: valid pointers and lengths; `key` is written.
        let rc = unsafe {
            ingo_key_new(
                c"demo".as_ptr(),
                4,
                secret.as_ptr().cast(),
                secret.len(),
                &mut key,
            )
        };
        assert_eq!(rc, INGO_OK);
    });
    // The key's Box; the first time, the stand-in key's Box too; and the table of handles
    // grows (the first time, or when it is full).
    assert!(
        (1..=3).contains(&n),
        "the key handle is one Box: {n} allocations"
    );

    let (mut date, mut length, mut digest, mut auth) =
        ([0u8; 30], [0u8; 21], [0u8; 89], [0u8; 2049]);
    let mut signed = IngoSigned {
        x_date: buf(&mut date),
        content_type: s(b""),
        content_length: buf(&mut length),
        digest_header: ptr::null(),
        digest: buf(&mut digest),
        authorization: buf(&mut auth),
    };
    let request = IngoSignRequest {
        method: s(b"POST"),
        target: s(b"/api/v1/sessions/point-in-time/plugin"),
        content_type: s(b""),
        body: s(body),
        extra_headers: ptr::null(),
        extra_headers_len: 0,
        algorithm: 0,
        version: 0,
        order: 0,
    };
    let now = 1_579_291_169;
    let n = allocations_in(|| {
        // SAFETY: every pointer is valid for its length; the buffers do not overlap inputs.
        let rc = unsafe { ingo_sign(key, &request, now, &mut signed) };
        assert_eq!(rc, INGO_OK);
    });
    assert_eq!(n, 0, "ingo_sign allocated");

    // SAFETY: the digest header name is a static C string.
    let digest_name = unsafe { std::ffi::CStr::from_ptr(signed.digest_header) }.to_bytes();
    let headers = [
        IngoHeader {
            name: s(b"X-Date"),
            value: s(&date[..signed.x_date.len]),
        },
        IngoHeader {
            name: s(b"Content-Type"),
            value: s(b"application/json"),
        },
        IngoHeader {
            name: s(b"Content-Length"),
            value: s(&length[..signed.content_length.len]),
        },
        IngoHeader {
            name: s(digest_name),
            value: s(&digest[..signed.digest.len]),
        },
        IngoHeader {
            name: s(b"Authorization"),
            value: s(&auth[..signed.authorization.len]),
        },
    ];
    let head = IngoRequestHead {
        method: request.method,
        target: request.target,
        version: INGO_HTTP_1_1,
        headers: headers.as_ptr(),
        headers_len: headers.len(),
    };
    let keys = [key];
    let required = [s(b"x-date")];
    let policy = IngoPolicy {
        required_headers: required.as_ptr(),
        required_headers_len: 1,
        ..ingo_policy_default()
    };
    let mut scratch = [0u8; 4096];
    let n = allocations_in(|| {
        let mut who = std::mem::MaybeUninit::<IngoVerified>::uninit();
        // SAFETY: every pointer passed is to a live local of the right type and length (the
        // key handle, the headers, the body, the scratch buffer), outputs do not overlap
        // inputs, and the IngoPending is used only after ingo_verify_head initialised it.
        unsafe {
            assert_eq!(
                ingo_verify(
                    keys.as_ptr(),
                    1,
                    &policy,
                    &head,
                    body.as_ptr().cast(),
                    body.len(),
                    now,
                    who.as_mut_ptr()
                ),
                INGO_OK
            );
            let tampered = [b'{'; 2];
            let rc = ingo_verify(
                keys.as_ptr(),
                1,
                &policy,
                &head,
                tampered.as_ptr().cast(),
                2,
                now,
                ptr::null_mut(),
            );
            assert_ne!(rc, INGO_OK);

            let mut pending = std::mem::MaybeUninit::<IngoPending>::uninit();
            let p = pending.as_mut_ptr();
            assert_eq!(
                ingo_verify_head(keys.as_ptr(), 1, ptr::null(), &head, now, p),
                INGO_OK
            );
            let mut declared = 0;
            assert_eq!(ingo_pending_content_length(p, &mut declared), INGO_OK);
            let mut name = buf(&mut scratch);
            assert_eq!(ingo_pending_username(p, &mut name), INGO_OK);
            for chunk in body.chunks(7) {
                assert_eq!(
                    ingo_pending_update(p, chunk.as_ptr().cast(), chunk.len()),
                    INGO_OK
                );
            }
            assert_eq!(ingo_pending_finish(p, who.as_mut_ptr()), INGO_OK);
            assert_eq!(
                ingo_verify_head(keys.as_ptr(), 1, ptr::null(), &head, now, p),
                INGO_OK
            );
            let mut wrong = body.to_owned_array();
            wrong[10] ^= 1;
            assert_eq!(
                ingo_pending_update(p, wrong.as_ptr().cast(), body.len()),
                INGO_OK
            );
            assert_eq!(
                ingo_pending_finish(p, ptr::null_mut()),
                INGO_E_DIGEST_MISMATCH
            );
            ingo_pending_discard(p);

            let mut out = buf(&mut scratch);
            let list = b"request-line x-date";
            assert_eq!(
                ingo_signing_string(list.as_ptr().cast(), list.len(), &head, &mut out),
                INGO_OK
            );
            assert_eq!(
                ingo_sign_head(key, 0, list.as_ptr().cast(), list.len(), &head, &mut out),
                INGO_OK
            );
            assert_eq!(
                ingo_body_digest(
                    INGO_DIGEST_SHA256,
                    body.as_ptr().cast(),
                    body.len(),
                    &mut out
                ),
                INGO_OK
            );
            let mut count = 0;
            let rc = ingo_payload_validate(
                INGO_ENDPOINT_SESSION_CREATE,
                0,
                body.as_ptr().cast(),
                body.len(),
                &mut out,
                &mut count,
            );
            assert_eq!(rc, INGO_E_PAYLOAD_INVALID);
            assert_eq!(ingo_idempotency_key_validate(c"k".as_ptr(), 1), INGO_OK);
            let rc = ingo_verify(
                keys.as_ptr(),
                1,
                &policy,
                &head,
                body.as_ptr().cast(),
                body.len(),
                now + 10_000,
                ptr::null_mut(),
            );
            assert_ne!(rc, INGO_OK);
            assert!(ingo_last_error_message(scratch.as_mut_ptr().cast(), scratch.len()) > 0);
            assert!(!ingo_error_message(rc).is_null() && !ingo_error_kind(rc).is_null());
            assert_eq!(ingo_error_http_status(rc), 401);
        }
    });
    assert_eq!(
        n, 0,
        "verification, digests, validation or errors allocated"
    );

    ingo_key_free(key);
}

trait ToOwnedArray {
    fn to_owned_array(&self) -> [u8; 256];
}

impl ToOwnedArray for [u8] {
    /// A stack copy (a Vec would allocate inside the counted block).
    fn to_owned_array(&self) -> [u8; 256] {
        let mut out = [0u8; 256];
        out[..self.len()].copy_from_slice(self);
        out
    }
}
