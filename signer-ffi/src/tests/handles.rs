//! Key handles are checked: a freed handle, a forged one or a pointer from elsewhere is refused
//! with `INGO_E_INVALID_HANDLE`, never read and never taken for another key.

use std::ffi::c_char;
use std::ptr;

use crate::codes::{INGO_E_INVALID_HANDLE, INGO_E_NULL_POINTER, INGO_OK, info};
use crate::handles::testing;
use crate::*;

fn s(text: &[u8]) -> IngoStr {
    IngoStr {
        ptr: text.as_ptr().cast::<c_char>(),
        len: text.len(),
    }
}

fn key(username: &str, secret: &[u8]) -> *mut IngoKey {
    let mut out = ptr::null_mut();
    // SAFETY: valid pointers and lengths; `out` is written.
    let rc = unsafe {
        ingo_key_new(
            username.as_ptr().cast(),
            username.len(),
            secret.as_ptr().cast(),
            secret.len(),
            &mut out,
        )
    };
    assert_eq!(rc, INGO_OK);
    assert!(!out.is_null());
    out
}

const NOW: u64 = 1_700_000_000;

/// The four header values `ingo_sign` writes, as text.
struct Signed {
    x_date: String,
    content_length: String,
    digest: String,
    authorization: String,
}

/// Signs `POST /p` (body `{}`) with `key`, or returns the code.
fn sign_values(key: *const IngoKey) -> Result<Signed, i32> {
    let (mut date, mut length, mut digest, mut auth) =
        ([0u8; 30], [0u8; 21], [0u8; 89], [0u8; 2049]);
    let buf = |bytes: &mut [u8]| IngoBuf {
        ptr: bytes.as_mut_ptr().cast::<c_char>(),
        cap: bytes.len(),
        len: 0,
    };
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
        target: s(b"/p"),
        content_type: s(b""),
        body: s(b"{}"),
        extra_headers: ptr::null(),
        extra_headers_len: 0,
        algorithm: 0,
        version: 0,
        order: 0,
    };
    // SAFETY: every pointer is to a live local of the right length; outputs do not overlap.
    let rc = unsafe { ingo_sign(key, &request, NOW, &mut signed) };
    if rc != INGO_OK {
        return Err(rc);
    }
    let text = |bytes: &[u8], len: usize| String::from_utf8(bytes[..len].to_vec()).unwrap();
    Ok(Signed {
        x_date: text(&date, signed.x_date.len),
        content_length: text(&length, signed.content_length.len),
        digest: text(&digest, signed.digest.len),
        authorization: text(&auth, signed.authorization.len),
    })
}

/// Signs `POST /p` with `key` and returns the Authorization value, or the code.
fn sign(key: *const IngoKey) -> Result<String, i32> {
    sign_values(key).map(|signed| signed.authorization)
}

/// Verifies a request signed by `signer` against the store `keys`.
fn verify_with(keys: &[*mut IngoKey], signer: *const IngoKey) -> i32 {
    let signed = sign_values(signer).unwrap();
    let now = NOW;
    let headers = [
        IngoHeader {
            name: s(b"X-Date"),
            value: s(signed.x_date.as_bytes()),
        },
        IngoHeader {
            name: s(b"Content-Type"),
            value: s(b"application/json"),
        },
        IngoHeader {
            name: s(b"Content-Length"),
            value: s(signed.content_length.as_bytes()),
        },
        IngoHeader {
            name: s(b"Content-sha512"),
            value: s(signed.digest.as_bytes()),
        },
        IngoHeader {
            name: s(b"Authorization"),
            value: s(signed.authorization.as_bytes()),
        },
    ];
    let head = IngoRequestHead {
        method: s(b"POST"),
        target: s(b"/p"),
        version: INGO_HTTP_1_1,
        headers: headers.as_ptr(),
        headers_len: headers.len(),
    };
    // SAFETY: every pointer is to a live local of the right type and length.
    unsafe {
        ingo_verify(
            keys.as_ptr(),
            keys.len(),
            ptr::null(),
            &head,
            c"{}".as_ptr(),
            2,
            now,
            ptr::null_mut(),
        )
    }
}

#[test]
fn a_freed_handle_is_refused_even_when_a_new_key_takes_its_place() {
    let old = key("alice", b"alice-secret");
    let alice = sign(old).unwrap();
    ingo_key_free(old);
    // The next key is likely to take the freed slot (the review's reproduction: the freed
    // address came back from the allocator); make sure one does by making several.
    let fresh: Vec<*mut IngoKey> = (0..8).map(|_| key("mallory", b"mallory-secret")).collect();
    assert!(
        !fresh.contains(&old),
        "a handle value is never given out twice"
    );
    assert_eq!(sign(old), Err(INGO_E_INVALID_HANDLE));
    assert_eq!(
        verify_with(&[old], fresh[0]),
        INGO_E_INVALID_HANDLE,
        "a stale handle in a store is refused, not skipped"
    );
    // The stale handle among live ones: still refused, before anything is verified.
    assert_eq!(
        verify_with(&[fresh[0], old], fresh[0]),
        INGO_E_INVALID_HANDLE
    );
    assert_eq!(verify_with(&[fresh[0]], fresh[0]), INGO_OK);
    let entry = info(INGO_E_INVALID_HANDLE).unwrap();
    assert_eq!(entry.kind.to_str().unwrap(), "ffi.invalid_handle");
    assert_eq!(entry.http_status, 0);
    // The message names the argument and says why.
    let _ = sign(old);
    let mut message = [0u8; 256];
    // SAFETY: the buffer is writable for its length.
    let len = unsafe { ingo_last_error_message(message.as_mut_ptr().cast(), message.len()) };
    let message = std::str::from_utf8(&message[..len]).unwrap();
    assert!(
        message.contains("key is not a live key handle"),
        "{message}"
    );
    // A second free of the stale handle does nothing to the key now in its slot.
    ingo_key_free(old);
    for &handle in &fresh {
        assert!(sign(handle).unwrap().contains("username=\"mallory\""));
        ingo_key_free(handle);
        assert_eq!(sign(handle), Err(INGO_E_INVALID_HANDLE));
    }
    assert!(alice.contains("username=\"alice\""));
}

#[test]
fn forged_and_foreign_handles_are_refused_without_being_read() {
    let live = key("bob", b"bob-secret");
    let value = live.addr();
    let (magic, slot_bits, generation_bits) = testing::LAYOUT;
    let forged = [
        // A real pointer into this process, as a C caller might pass by mistake.
        ptr::from_ref(&value).cast::<IngoKey>().cast_mut(),
        // Any small number.
        ptr::without_provenance_mut(1),
        ptr::without_provenance_mut(usize::MAX),
        // The live handle with another generation, another slot, or no magic.
        ptr::without_provenance_mut(value ^ (1 << slot_bits)),
        ptr::without_provenance_mut(value.wrapping_add(1)),
        ptr::without_provenance_mut(value & !(magic << (slot_bits + generation_bits))),
        // Slot field 0: no slot (handles count slots from 1).
        ptr::without_provenance_mut(value & !((1 << slot_bits) - 1)),
    ];
    for handle in forged {
        assert_eq!(sign(handle), Err(INGO_E_INVALID_HANDLE), "{handle:p}");
        assert_eq!(verify_with(&[handle, live], live), INGO_E_INVALID_HANDLE);
        ingo_key_free(handle); // ignored
    }
    assert_eq!(sign(ptr::null()), Err(INGO_E_NULL_POINTER));
    assert!(sign(live).is_ok(), "nothing above freed the live key");
    ingo_key_free(live);
}

#[test]
fn a_slot_whose_generation_would_wrap_is_retired() {
    let handle = key("carol", b"carol-secret");
    let (_, _, generation_bits) = testing::LAYOUT;
    let last = (1usize << generation_bits) - 1;
    let aged = testing::age(handle, last);
    assert_eq!(sign(handle), Err(INGO_E_INVALID_HANDLE));
    assert!(sign(aged).is_ok());
    ingo_key_free(aged);
    // Were the slot reused, its next key would have generation 0 again: the very first
    // handle of the slot would come back to life. It is retired instead.
    let next: Vec<*mut IngoKey> = (0..4).map(|_| key("dave", b"dave-secret")).collect();
    assert!(!next.contains(&handle) && !next.contains(&aged));
    assert_eq!(sign(handle), Err(INGO_E_INVALID_HANDLE));
    assert_eq!(sign(aged), Err(INGO_E_INVALID_HANDLE));
    for handle in next {
        ingo_key_free(handle);
    }
}
