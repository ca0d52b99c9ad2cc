//! The C ABI of the Ingo Payments HMAC signer: sign requests, verify them (at once, or head
//! first and then the body in chunks), digest bodies, validate payloads, all from C, Python
//! (ctypes) or any language with a C FFI. Every protocol decision is signer-core's; this crate
//! only carries values across the boundary. The header is `include/ingo_signer.h`, generated
//! from this crate by cbindgen; `docs/ffi.md` is the guide.
//!
//! # The contract at the boundary
//! - Every function returns an `int32_t` code ([`codes`]): 0 is success. The code's kind,
//!   short message and HTTP status are [`ingo_error_kind`], [`ingo_error_message`] and
//!   [`ingo_error_http_status`]; the core's full message for the last failed call on the thread
//!   is [`ingo_last_error_message`].
//! - Every pointer is checked for NULL (a pointer may be NULL only where its length is 0, and
//!   where the documentation says it is optional); every length is explicit; nothing is read
//!   past a length or written past a capacity.
//! - No panic crosses the boundary: every entry point runs inside `catch_unwind` and returns
//!   `INGO_E_PANIC` instead.
//! - Nothing is allocated except by [`ingo_key_new`] (the key's `Box`, freed and zeroized by
//!   [`ingo_key_free`], and the growth of the table of handles). Signing, verifying (the pending verification lives in the caller's
//!   [`IngoPending`]), digesting and validating allocate nothing; a test counts.
//! - All of the project's `unsafe` code is in this crate; each block says why it is sound.
//!
//! Key handles are immutable after creation: one may be used from several threads at once. They
//! are checked, never dereferenced (see `handles`): a freed or forged handle is refused with
//! `INGO_E_INVALID_HANDLE`. An `IngoPending` belongs to one verification and is used from one
//! thread at a time.

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects
    )
)]

use core::ffi::c_char;
use core::ptr;
use std::panic::{AssertUnwindSafe, catch_unwind};

use ingo_signer_core::authorization::{Authorization, MAX_AUTHORIZATION_LEN};
use ingo_signer_core::digest::BodyDigest;
use ingo_signer_core::header_list::{HeaderList, MAX_SIGNED_HEADERS};
use ingo_signer_core::payload::{
    Endpoint, Options, Report, validate_idempotency_key, validate_into,
};
use ingo_signer_core::signer::{Body, HeaderOrder, MAX_EXTRA_HEADERS, Request, sign_head};
use ingo_signer_core::signing_string::write_signing_string;
use ingo_signer_core::{
    Algorithm, DigestAlgorithm, HttpVersion, Policy, ReplayKey, RequestHead, Signer, SigningKey,
    Verified, Verifier,
};

pub mod codes;
mod error;
mod handles;
mod pending;
mod types;

#[cfg(test)]
mod tests;

pub use pending::{INGO_PENDING_WORDS, IngoPending};
pub use types::{
    INGO_REPLAY_KEY_LEN, INGO_USERNAME_BUF, IngoBuf, IngoHeader, IngoPolicy, IngoReplayKey,
    IngoRequestHead, IngoSignRequest, IngoSigned, IngoStr, IngoVerified,
};

use error::{Failure, guard};
use types::{CHeaders, Out, Truncating, array, put_text};

/// The version of this ABI. A program compares `ingo_abi_version` with the
/// `INGO_ABI_VERSION` of the header it was compiled against.
/// Version 2: `IngoVerified` carries the X-Date and the replay key.
pub const INGO_ABI_VERSION: u32 = 2;

/// `algorithm`: hmac-sha512, the algorithm of every new integration (0 also selects it).
pub const INGO_HMAC_SHA512: i32 = 1;
/// `algorithm`: hmac-sha256, for legacy integrations only.
pub const INGO_HMAC_SHA256: i32 = 2;

/// Digest algorithm: SHA-512, sent as `Content-sha512` (0 also selects it).
pub const INGO_DIGEST_SHA512: i32 = 1;
/// Digest algorithm: SHA-256, sent as `Content-sha256` (legacy).
pub const INGO_DIGEST_SHA256: i32 = 2;

/// HTTP version: HTTP/1.0.
pub const INGO_HTTP_1_0: i32 = 10;
/// HTTP version: HTTP/1.1 (0 also selects it).
pub const INGO_HTTP_1_1: i32 = 11;
/// HTTP version: HTTP/2, signed as `HTTP/2.0`.
pub const INGO_HTTP_2: i32 = 20;

/// Signed header order `request-line x-date content-type content-length content-sha512`, the
/// default (0 also selects it).
pub const INGO_ORDER_DIGEST_LAST: i32 = 1;
/// Signed header order `request-line x-date content-type content-sha512 content-length`.
pub const INGO_ORDER_LENGTH_LAST: i32 = 2;

/// Payload endpoint: Session Create, `POST /api/v1/sessions/point-in-time/plugin`.
pub const INGO_ENDPOINT_SESSION_CREATE: i32 = 1;
/// Payload endpoint: push to card, `POST /gateway/process--card`.
pub const INGO_ENDPOINT_PUSH_TO_CARD: i32 = 2;

/// Payload option bit: the participant is PayPal-enabled.
pub const INGO_PAYLOAD_PAYPAL_ENABLED: u32 = 1;
/// Payload option bit: the participant uses sender data.
pub const INGO_PAYLOAD_SENDER_DATA: u32 = 2;
/// Payload option bit: the participant uses the ledger service.
pub const INGO_PAYLOAD_LEDGER_SERVICE: u32 = 4;
/// Payload option bit: the participant is retail card-present.
pub const INGO_PAYLOAD_RETAIL_CARD_PRESENT: u32 = 8;

/// Length of an X-Date value (`Fri, 17 Jan 2020 19:59:29 GMT`).
pub const INGO_X_DATE_LEN: usize = 29;
/// Longest Content-Length value (`u64::MAX` in decimal).
pub const INGO_CONTENT_LENGTH_MAX: usize = 20;
/// Length of a Content-sha512 value (base64 of 64 bytes).
pub const INGO_DIGEST_SHA512_LEN: usize = 88;
/// Length of a Content-sha256 value (base64 of 32 bytes).
pub const INGO_DIGEST_SHA256_LEN: usize = 44;
/// Longest Authorization value a signer produces (and a verifier accepts).
pub const INGO_AUTHORIZATION_MAX: usize = 2048;
/// Longest username.
pub const INGO_USERNAME_MAX: usize = 256;
/// Most extra headers `ingo_sign` signs.
pub const INGO_MAX_EXTRA_HEADERS: usize = 10;
/// Most required headers an `IngoPolicy` lists (a request signs at most 16 names).
pub const INGO_MAX_REQUIRED_HEADERS: usize = 16;
/// The default clock skew a verifier allows, in seconds.
pub const INGO_DEFAULT_MAX_SKEW: u64 = 300;
/// The default body limit, in bytes (64 KiB).
pub const INGO_DEFAULT_MAX_BODY: u64 = 65536;

// The header's numbers are literals (cbindgen copies them); these tie them to the core's.
const _: () = {
    assert!(INGO_AUTHORIZATION_MAX == MAX_AUTHORIZATION_LEN);
    assert!(INGO_USERNAME_MAX == ingo_signer_core::authorization::MAX_USERNAME_LEN);
    assert!(INGO_USERNAME_BUF == INGO_USERNAME_MAX + 1);
    assert!(INGO_MAX_EXTRA_HEADERS == MAX_EXTRA_HEADERS);
    assert!(INGO_MAX_REQUIRED_HEADERS == MAX_SIGNED_HEADERS);
    assert!(INGO_DEFAULT_MAX_SKEW == ingo_signer_core::policy::DEFAULT_MAX_SKEW);
    assert!(INGO_DEFAULT_MAX_BODY == ingo_signer_core::policy::DEFAULT_MAX_BODY);
    assert!(INGO_REPLAY_KEY_LEN == ingo_signer_core::replay::REPLAY_KEY_LEN);
    assert!(INGO_DIGEST_SHA512_LEN == DigestAlgorithm::Sha512.base64_len());
    assert!(INGO_DIGEST_SHA256_LEN == DigestAlgorithm::Sha256.base64_len());
};

/// A key handle: names an integration's username and its keyed HMAC states (the secret itself
/// is not kept). Made by `ingo_key_new`, freed (and its HMAC states zeroized) by
/// `ingo_key_free`. Opaque, and never dereferenced: the library checks every handle it is
/// given against its table of live keys, so a freed, forged or foreign handle is refused with
/// `INGO_E_INVALID_HANDLE`, never taken for another key.
pub struct IngoKey {
    _opaque: [u8; 0],
}

/// Runs a function that returns a value rather than a code, returning `fallback` on a panic.
fn shield<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

fn algorithm(value: i32) -> Result<Algorithm, Failure> {
    match value {
        0 | INGO_HMAC_SHA512 => Ok(Algorithm::HmacSha512),
        INGO_HMAC_SHA256 => Ok(Algorithm::HmacSha256),
        _ => Err(Failure::invalid_argument(
            "unknown algorithm: use INGO_HMAC_SHA512 or INGO_HMAC_SHA256",
        )),
    }
}

const fn algorithm_code(algorithm: Algorithm) -> i32 {
    match algorithm {
        Algorithm::HmacSha512 => INGO_HMAC_SHA512,
        Algorithm::HmacSha256 => INGO_HMAC_SHA256,
    }
}

fn http_version(value: i32) -> Result<HttpVersion, Failure> {
    match value {
        0 | INGO_HTTP_1_1 => Ok(HttpVersion::Http11),
        INGO_HTTP_1_0 => Ok(HttpVersion::Http10),
        INGO_HTTP_2 => Ok(HttpVersion::Http2),
        _ => Err(Failure::invalid_argument(
            "unknown HTTP version: use INGO_HTTP_1_0, INGO_HTTP_1_1 or INGO_HTTP_2",
        )),
    }
}

/// Borrows a struct argument.
///
/// # Safety
/// `value` is NULL or points to an initialised, aligned `T` valid for `'a`.
unsafe fn arg<'a, T>(value: *const T, what: &'static str) -> Result<&'a T, Failure> {
    if !value.is_aligned() {
        return Err(Failure::invalid_argument("a struct pointer is misaligned"));
    }
    // SAFETY: aligned (checked), and the caller guarantees a non-NULL pointer to a valid `T`
    // for 'a. Every field of the ABI's structs is an integer or a pointer, valid for any bits.
    unsafe { value.as_ref() }.ok_or(Failure::null(what))
}

/// Borrows an in-out struct argument (an `IngoBuf`, an `IngoSigned`: the caller sets the
/// buffers, the library the lengths).
///
/// # Safety
/// `value` is NULL or points to an initialised `T` writable for `'a`, not overlapping any input.
unsafe fn out_arg<'a, T>(value: *mut T, what: &'static str) -> Result<&'a mut T, Failure> {
    if !value.is_aligned() {
        return Err(Failure::invalid_argument("a struct pointer is misaligned"));
    }
    // SAFETY: aligned (checked); the caller guarantees a non-NULL pointer to an initialised `T`
    // it does not otherwise access during the call. The ABI's structs hold only integers and
    // pointers, valid for any bits the caller put there.
    unsafe { value.as_mut() }.ok_or(Failure::null(what))
}

/// A checked pointer to where the caller receives a value; only ever written whole, so the
/// memory may be uninitialised.
struct OutPtr<T>(*mut T);

impl<T> OutPtr<T> {
    /// Checks `value` for NULL and alignment.
    ///
    /// # Safety
    /// `value` is NULL or writable for a `T` while the `OutPtr` is used, not overlapping any
    /// input.
    unsafe fn new(value: *mut T, what: &'static str) -> Result<Self, Failure> {
        if value.is_null() {
            return Err(Failure::null(what));
        }
        if !value.is_aligned() {
            return Err(Failure::invalid_argument("an output pointer is misaligned"));
        }
        Ok(OutPtr(value))
    }

    fn write(&self, value: T) {
        // SAFETY: non-NULL and aligned (checked in `new`), writable by `new`'s contract; a whole
        // write reads nothing there, and the ABI's output types have no drop glue to skip.
        unsafe { self.0.write(value) };
    }
}

/// A request head from C, borrowed.
///
/// # Safety
/// `head` as for `arg`, and every pointer in it as for `CHeaders::new` and
/// `IngoStr::bytes`.
unsafe fn request_head<'a>(
    head: *const IngoRequestHead,
    headers: &'a mut Option<CHeaders<'a>>,
) -> Result<RequestHead<'a, CHeaders<'a>>, Failure> {
    // SAFETY: forwarded from the caller.
    let raw = unsafe { arg(head, "head") }?;
    // SAFETY: forwarded from the caller.
    let method = unsafe { raw.method.request_line_part("head->method") }?;
    // SAFETY: forwarded from the caller.
    let target = unsafe { raw.target.request_line_part("head->target") }?;
    let version = http_version(raw.version)?;
    // SAFETY: forwarded from the caller.
    let checked = unsafe { CHeaders::new(raw.headers, raw.headers_len, "head->headers") }?;
    Ok(RequestHead {
        method,
        target,
        version,
        headers: headers.insert(checked),
    })
}

/// A policy from C; its required names borrowed into a fixed array (no allocation).
struct PolicyParts<'a> {
    allow_legacy: bool,
    max_skew: u64,
    max_body: u64,
    required: [&'a str; INGO_MAX_REQUIRED_HEADERS],
    required_len: usize,
}

impl PolicyParts<'_> {
    fn policy(&self) -> Policy<'_> {
        Policy::default()
            .allow_legacy_sha256(self.allow_legacy)
            .max_skew(self.max_skew)
            .max_body(self.max_body)
            .require_headers(self.required.get(..self.required_len).unwrap_or_default())
    }
}

/// Reads a policy (NULL is the default policy).
///
/// # Safety
/// `policy` as for `arg`, its `required_headers` as for `array` and each name as for
/// `IngoStr::bytes`.
unsafe fn policy_parts<'a>(policy: *const IngoPolicy) -> Result<PolicyParts<'a>, Failure> {
    let mut parts = PolicyParts {
        allow_legacy: false,
        max_skew: INGO_DEFAULT_MAX_SKEW,
        max_body: INGO_DEFAULT_MAX_BODY,
        required: [""; INGO_MAX_REQUIRED_HEADERS],
        required_len: 0,
    };
    if policy.is_null() {
        return Ok(parts);
    }
    // SAFETY: forwarded from the caller.
    let raw = unsafe { arg(policy, "policy") }?;
    // SAFETY: forwarded from the caller.
    let names = unsafe {
        array(
            raw.required_headers,
            raw.required_headers_len,
            "policy->required_headers",
        )
    }?;
    if names.len() > INGO_MAX_REQUIRED_HEADERS {
        return Err(Failure::invalid_argument(
            "policy->required_headers lists more than INGO_MAX_REQUIRED_HEADERS names",
        ));
    }
    for (slot, name) in parts.required.iter_mut().zip(names) {
        // SAFETY: forwarded from the caller.
        *slot = unsafe { name.text("a policy required header") }?;
    }
    parts.allow_legacy = raw.allow_legacy_sha256 != 0;
    parts.max_skew = raw.max_skew;
    parts.max_body = raw.max_body;
    parts.required_len = names.len();
    Ok(parts)
}

fn verified_out(verified: &Verified) -> IngoVerified {
    let mut username = [0; INGO_USERNAME_BUF];
    // The core bounds usernames to 256 bytes, so the NUL always fits.
    for (dst, src) in username.iter_mut().zip(verified.username().bytes()) {
        *dst = c_char::from_ne_bytes([src]);
    }
    IngoVerified {
        username,
        username_len: verified.username().len(),
        algorithm: algorithm_code(verified.algorithm()),
        key_index: verified.key_index(),
        x_date: verified.x_date(),
        replay_key: replay_key_out(verified.replay_key()),
    }
}

fn replay_key_out(key: ReplayKey) -> IngoReplayKey {
    IngoReplayKey {
        bytes: *key.as_bytes(),
    }
}

// ---------------------------------------------------------------------------------------------
// Version and errors.

/// The ABI version of the library (compare with `INGO_ABI_VERSION`).
#[unsafe(no_mangle)]
pub extern "C" fn ingo_abi_version() -> u32 {
    INGO_ABI_VERSION
}

/// The library's version, a static NUL-terminated string (`0.1.0`).
#[unsafe(no_mangle)]
pub extern "C" fn ingo_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0")
        .as_ptr()
        .cast::<c_char>()
}

/// A short static message for `code` (NUL-terminated, never NULL; `unknown error code` for a
/// number that is not a code).
#[unsafe(no_mangle)]
pub extern "C" fn ingo_error_message(code: i32) -> *const c_char {
    shield(c"internal error".as_ptr(), || {
        codes::info(code)
            .map_or(c"unknown error code", |entry| entry.message)
            .as_ptr()
    })
}

/// The stable kind of `code`, a static NUL-terminated string: signer-core's `kind()`
/// (`verify.signature_mismatch`), `ffi.*` for the ABI's own codes, `ok` for 0, `unknown` for a
/// number that is not a code.
#[unsafe(no_mangle)]
pub extern "C" fn ingo_error_kind(code: i32) -> *const c_char {
    shield(c"unknown".as_ptr(), || {
        codes::info(code)
            .map_or(c"unknown", |entry| entry.kind)
            .as_ptr()
    })
}

/// The HTTP status a verifier (or a server validating a payload) answers with for `code`: 401
/// when the request is not authenticated, 400 when it is malformed, 413 when its body is too
/// large; 0 for codes that are not a verdict on a request (success, `ffi.*`, `key.*`,
/// `sign.*`).
#[unsafe(no_mangle)]
pub extern "C" fn ingo_error_http_status(code: i32) -> i32 {
    shield(0, || {
        codes::info(code).map_or(0, |entry| i32::from(entry.http_status))
    })
}

/// The code as a client is told it (signer-core's `VerifyError::for_client`): an unknown
/// username (`INGO_E_VERIFY_UNKNOWN_USERNAME`) is answered exactly as a signature mismatch
/// (`INGO_E_VERIFY_SIGNATURE_MISMATCH`: same status, same message), so the answer does not tell
/// which usernames exist; every other number is returned unchanged. Answer a refusal with
/// `ingo_error_http_status(ingo_error_for_client(code))` and log `ingo_error_kind(code)`.
#[unsafe(no_mangle)]
pub extern "C" fn ingo_error_for_client(code: i32) -> i32 {
    shield(code, || codes::for_client(code))
}

/// Writes the full message of the last failed call on this thread (signer-core's own, naming
/// the header, the parameter or the limit) into `buf`, truncated to `cap - 1` bytes at a
/// character boundary and NUL-terminated, like `snprintf`. Returns the length of the whole
/// message; 0 when the last call succeeded. `buf` may be NULL when `cap` is 0. Does not change
/// the last error.
///
/// This is the message for a log: for an unknown username it says so. What a client is told is
/// `ingo_last_error_client_message`.
///
/// # Safety
/// `buf` is NULL or writable for `cap` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ingo_last_error_message(buf: *mut c_char, cap: usize) -> usize {
    // SAFETY: forwarded from the caller.
    unsafe { write_last_error(buf, cap, error::last()) }
}

/// As `ingo_last_error_message`, the message a client is told: that of
/// `ingo_error_for_client` of the last code (an unknown username gets the signature mismatch's
/// message). Use it for the `client_message` of an answer.
///
/// # Safety
/// `buf` is NULL or writable for `cap` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ingo_last_error_client_message(buf: *mut c_char, cap: usize) -> usize {
    // SAFETY: forwarded from the caller.
    unsafe { write_last_error(buf, cap, error::last().for_client()) }
}

/// Writes `detail` as `ingo_last_error_message` does.
///
/// # Safety
/// `buf` is NULL or writable for `cap` bytes.
unsafe fn write_last_error(buf: *mut c_char, cap: usize, detail: error::Detail) -> usize {
    shield(0, || {
        // NULL means "count only"; a capacity above PTRDIFF_MAX cannot be real memory.
        let cap = if buf.is_null() {
            0
        } else {
            cap.min(isize::MAX.unsigned_abs())
        };
        let raw = IngoBuf {
            ptr: buf,
            cap,
            len: 0,
        };
        // SAFETY: the caller guarantees `buf` writable for `cap` bytes; the message is formatted
        // from the library's own thread-local value, which cannot overlap it.
        let Ok(out) = (unsafe { Out::new(&raw, "buf") }) else {
            return 0;
        };
        let mut writer = Truncating::new(out);
        let _ = core::fmt::Write::write_fmt(&mut writer, format_args!("{detail}"));
        writer.finish()
    })
}

// ---------------------------------------------------------------------------------------------
// Keys.

/// Makes a key handle for `username` (printable ASCII without `"` and `\`, 1 to 256 bytes)
/// and `secret` (the raw bytes of the issued secret, never hex- or base64-decoded). HMAC is
/// keyed once; the secret is not kept, and the caller may wipe its copy at once. On success
/// `*out` is the handle (free it with `ingo_key_free`); on failure `*out` is NULL.
///
/// The handle is the one allocation of the library (a `Box`). It is immutable: share it
/// between threads freely.
///
/// Errors: `INGO_E_KEY_USERNAME`, `INGO_E_KEY_EMPTY_SECRET`, `INGO_E_INVALID_UTF8`,
/// `INGO_E_NULL_POINTER`.
///
/// # Safety
/// `username` readable for `username_len` bytes, `secret` for `secret_len` bytes (each may be
/// NULL when its length is 0); `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ingo_key_new(
    username: *const c_char,
    username_len: usize,
    secret: *const c_char,
    secret_len: usize,
    out: *mut *mut IngoKey,
) -> i32 {
    guard(|| {
        // SAFETY: the caller guarantees `out` writable.
        let out = unsafe { OutPtr::new(out, "out") }?;
        out.write(ptr::null_mut());
        let username = IngoStr {
            ptr: username,
            len: username_len,
        };
        let secret = IngoStr {
            ptr: secret,
            len: secret_len,
        };
        // SAFETY: the caller guarantees `username_len` readable bytes.
        let username = unsafe { username.text("username") }?;
        // SAFETY: the caller guarantees `secret_len` readable bytes.
        let secret = unsafe { secret.bytes("secret") }?;
        let key = SigningKey::new(username, secret)?;
        out.write(handles::insert(key)?);
        Ok(())
    })
}

/// Frees a key handle; its keyed HMAC states are zeroized. From then on every call given the
/// handle fails with `INGO_E_INVALID_HANDLE`, even once a new key takes its place in the
/// library's table. NULL, and a handle that is not live (freed already, or not from
/// `ingo_key_new`), are ignored: a double free is harmless.
///
/// A call that is using the key on another thread finishes first: the key is freed once no
/// call holds it.
#[unsafe(no_mangle)]
pub extern "C" fn ingo_key_free(key: *mut IngoKey) {
    shield((), || {
        if !key.is_null() {
            handles::remove(key);
        }
    });
}

// ---------------------------------------------------------------------------------------------
// Signing.

/// Signs a request as of `now` (Unix seconds): fills `out` with the X-Date, Content-Length,
/// digest and Authorization values (and points `out->content_type` and `out->digest_header` at
/// the Content-Type value and the digest header's name). Add those five headers, and the extra
/// headers, to the request exactly as given.
///
/// Buffers: each `IngoBuf` of `out` must hold its text and a NUL (`INGO_X_DATE_LEN + 1`,
/// `INGO_CONTENT_LENGTH_MAX + 1`, `INGO_DIGEST_SHA512_LEN + 1`, `INGO_AUTHORIZATION_MAX + 1`
/// always suffice). When one is too small, nothing is written, every `len` says what its text
/// needs, and the call returns `INGO_E_BUFFER_TOO_SMALL`.
///
/// Errors: `INGO_E_SIGN_*`, `INGO_E_SIGNING_STRING_*`, `INGO_E_AUTHORIZATION_*` (an invalid
/// extra header name), `INGO_E_DATE_YEAR_OUT_OF_RANGE`, `INGO_E_INVALID_UTF8` (content type or
/// an extra header), `INGO_E_INVALID_ARGUMENT`, `INGO_E_NULL_POINTER`, `INGO_E_BUFFER_TOO_SMALL`,
/// `INGO_E_INVALID_HANDLE` (`key` is freed or not a key handle).
///
/// # Safety
/// `request` and every pointer in it readable for its length; `out`
/// writable, and each of its buffers writable for its `cap` bytes, none overlapping the inputs.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ingo_sign(
    key: *const IngoKey,
    request: *const IngoSignRequest,
    now: u64,
    out: *mut IngoSigned,
) -> i32 {
    guard(|| {
        let table = handles::read();
        let key = table.key(key, "key")?;
        // SAFETY: forwarded from the caller.
        let raw = unsafe { arg(request, "request") }?;
        // SAFETY: forwarded from the caller.
        let out = unsafe { out_arg(out, "out") }?;
        // SAFETY: forwarded from the caller.
        let method = unsafe { raw.method.request_line_part("request->method") }?;
        // SAFETY: forwarded from the caller.
        let target = unsafe { raw.target.request_line_part("request->target") }?;
        // SAFETY: forwarded from the caller.
        let content_type = match unsafe { raw.content_type.text("request->content_type") }? {
            "" => ingo_signer_core::content_headers::JSON_MEDIA_TYPE,
            given => given,
        };
        // SAFETY: forwarded from the caller.
        let body = unsafe { raw.body.bytes("request->body") }?;
        // SAFETY: forwarded from the caller.
        let given = unsafe {
            array(
                raw.extra_headers,
                raw.extra_headers_len,
                "request->extra_headers",
            )
        }?;
        if given.len() > MAX_EXTRA_HEADERS {
            return Err(ingo_signer_core::signer::SignError::TooManyExtraHeaders.into());
        }
        let mut extras = [("", ""); MAX_EXTRA_HEADERS];
        for (slot, header) in extras.iter_mut().zip(given) {
            // SAFETY: forwarded from the caller.
            let name = unsafe { header.name.text("an extra header name") }?;
            // SAFETY: forwarded from the caller.
            let value = unsafe { header.value.text("an extra header value") }?;
            *slot = (name, value);
        }
        let mut signer = Signer::new(key).http_version(http_version(raw.version)?);
        signer = match algorithm(raw.algorithm)? {
            Algorithm::HmacSha512 => signer,
            Algorithm::HmacSha256 => signer.legacy_sha256(),
        };
        signer = signer.header_order(match raw.order {
            0 | INGO_ORDER_DIGEST_LAST => HeaderOrder::DigestLast,
            INGO_ORDER_LENGTH_LAST => HeaderOrder::LengthLast,
            _ => {
                return Err(Failure::invalid_argument(
                    "unknown order: use INGO_ORDER_DIGEST_LAST or INGO_ORDER_LENGTH_LAST",
                ));
            }
        });
        let request = Request {
            method,
            target,
            content_type,
            body: Body::Bytes(body),
            extra_headers: extras.get(..given.len()).unwrap_or_default(),
        };
        let signed = signer.sign(&request, now)?;

        // All or nothing: check every buffer before writing any.
        let fields = [
            (&mut out.x_date, signed.x_date().as_str(), "out->x_date"),
            (
                &mut out.content_length,
                signed.content_length(),
                "out->content_length",
            ),
            (&mut out.digest, signed.digest(), "out->digest"),
            (
                &mut out.authorization,
                signed.authorization(),
                "out->authorization",
            ),
        ];
        let mut checked = [None; 4];
        let mut too_small = None;
        for ((buf, text, what), slot) in fields.into_iter().zip(&mut checked) {
            // SAFETY: the caller guarantees each buffer writable for its `cap` bytes and not
            // overlapping the inputs; the texts are the signer's own.
            let target = unsafe { Out::new(buf, what) }?;
            buf.len = text.len();
            if !target.fits(text.len()) {
                too_small = too_small.or(Some(Failure::buffer_too_small(what, text.len())));
            }
            *slot = Some((target, text));
        }
        for (target, text) in checked.into_iter().flatten() {
            target.put(if too_small.is_some() {
                b""
            } else {
                text.as_bytes()
            });
        }
        if let Some(failure) = too_small {
            return Err(failure);
        }
        out.content_type = IngoStr {
            ptr: signed.content_type().as_ptr().cast::<c_char>(),
            len: signed.content_type().len(),
        };
        out.digest_header = match signed.digest_algorithm() {
            DigestAlgorithm::Sha512 => c"Content-sha512".as_ptr(),
            DigestAlgorithm::Sha256 => c"Content-sha256".as_ptr(),
        };
        Ok(())
    })
}

/// Signs an arbitrary header list over a request head as it will be sent (every listed header
/// already in `head->headers`), and writes the Authorization value (canonical form) into
/// `authorization`: for signed lists `ingo_sign` cannot express (extra headers first, a
/// custom order). `header_list` is the space-separated lower-case list
/// (`request-line x-date content-type content-length content-sha512 host`).
///
/// Errors: `INGO_E_AUTHORIZATION_HEADER_LIST` and the other list codes,
/// `INGO_E_SIGNING_STRING_*`, `INGO_E_AUTHORIZATION_TOO_LONG`, `INGO_E_INVALID_UTF8` (the list),
/// `INGO_E_INVALID_ARGUMENT`, `INGO_E_NULL_POINTER`, `INGO_E_BUFFER_TOO_SMALL`,
/// `INGO_E_INVALID_HANDLE`.
///
/// # Safety
/// `header_list` readable for `header_list_len` bytes; `head` and every
/// pointer in it readable for its length; `authorization` writable, its buffer writable for its
/// `cap` bytes and not overlapping the inputs.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ingo_sign_head(
    key: *const IngoKey,
    algorithm: i32,
    header_list: *const c_char,
    header_list_len: usize,
    head: *const IngoRequestHead,
    authorization: *mut IngoBuf,
) -> i32 {
    guard(|| {
        let table = handles::read();
        let key = table.key(key, "key")?;
        let algorithm = self::algorithm(algorithm)?;
        let list = IngoStr {
            ptr: header_list,
            len: header_list_len,
        };
        // SAFETY: forwarded from the caller.
        let list = unsafe { list.text("header_list") }?;
        let list = HeaderList::parse(list)?;
        let mut headers = None;
        // SAFETY: forwarded from the caller.
        let head = unsafe { request_head(head, &mut headers) }?;
        // SAFETY: forwarded from the caller.
        let out = unsafe { out_arg(authorization, "authorization") }?;
        let signature = sign_head(key, algorithm, list, &head)?;
        let value = Authorization::new(key.username(), algorithm, list, signature.as_bytes())?;
        let mut text = [0u8; MAX_AUTHORIZATION_LEN];
        // `Authorization::new` bounds the canonical form to MAX_AUTHORIZATION_LEN.
        let text = value.write_to(&mut text).map_err(|_| {
            Failure::from(ingo_signer_core::signer::SignError::AuthorizationTooLong)
        })?;
        // SAFETY: forwarded from the caller (the text is on this stack frame).
        unsafe { put_text(out, text.as_bytes(), "authorization") }
    })
}

/// Writes the exact signing string of `header_list` over `head` (lines joined by LF, no
/// trailing LF) into `out`: what `ingo_sign_head` MACs, for finding out why two sides
/// disagree. Not secret. All or nothing, like header values.
///
/// Errors: as `ingo_sign_head`, without the key's.
///
/// # Safety
/// `header_list` readable for `header_list_len` bytes; `head` and every pointer in it readable
/// for its length; `out` writable, its buffer writable for its `cap` bytes and not overlapping
/// the inputs.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ingo_signing_string(
    header_list: *const c_char,
    header_list_len: usize,
    head: *const IngoRequestHead,
    out: *mut IngoBuf,
) -> i32 {
    guard(|| {
        let list = IngoStr {
            ptr: header_list,
            len: header_list_len,
        };
        // SAFETY: forwarded from the caller.
        let list = unsafe { list.text("header_list") }?;
        let list = HeaderList::parse(list)?;
        let mut headers = None;
        // SAFETY: forwarded from the caller.
        let head = unsafe { request_head(head, &mut headers) }?;
        // SAFETY: forwarded from the caller.
        let buf = unsafe { out_arg(out, "out") }?;
        // SAFETY: forwarded from the caller: writable for `cap`, not overlapping the inputs the
        // pieces come from.
        let target = unsafe { Out::new(buf, "out") }?;
        let mut len = 0usize;
        let mut fits = true;
        write_signing_string(list, &head, |piece| {
            fits = fits && target.write_at(len, piece);
            len = len.saturating_add(piece.len());
        })?;
        buf.len = len;
        target.terminate(if fits { len } else { 0 });
        if fits {
            Ok(())
        } else {
            Err(Failure::buffer_too_small("out", len))
        }
    })
}

/// Writes the base64 digest of `body` (the value of `Content-sha512`, or `Content-sha256` for
/// `INGO_DIGEST_SHA256`) into `out`. `algorithm` 0 means SHA-512.
///
/// Errors: `INGO_E_INVALID_ARGUMENT`, `INGO_E_NULL_POINTER`, `INGO_E_BUFFER_TOO_SMALL`.
///
/// # Safety
/// `body` readable for `body_len` bytes; `out` writable, its buffer writable for its `cap`
/// bytes and not overlapping `body`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ingo_body_digest(
    algorithm: i32,
    body: *const c_char,
    body_len: usize,
    out: *mut IngoBuf,
) -> i32 {
    guard(|| {
        let algorithm = match algorithm {
            0 | INGO_DIGEST_SHA512 => DigestAlgorithm::Sha512,
            INGO_DIGEST_SHA256 => DigestAlgorithm::Sha256,
            _ => {
                return Err(Failure::invalid_argument(
                    "unknown digest algorithm: use INGO_DIGEST_SHA512 or INGO_DIGEST_SHA256",
                ));
            }
        };
        let body = IngoStr {
            ptr: body,
            len: body_len,
        };
        // SAFETY: forwarded from the caller.
        let body = unsafe { body.bytes("body") }?;
        // SAFETY: forwarded from the caller.
        let out = unsafe { out_arg(out, "out") }?;
        let digest = BodyDigest::of(algorithm, body).to_base64();
        // SAFETY: forwarded from the caller (the text is on this stack frame).
        unsafe { put_text(out, digest.as_bytes(), "out") }
    })
}

// ---------------------------------------------------------------------------------------------
// Verifying.

/// The default policy: hmac-sha512 only, 300 s of clock skew, bodies up to 64 KiB, no extra
/// required headers.
#[unsafe(no_mangle)]
pub extern "C" fn ingo_policy_default() -> IngoPolicy {
    IngoPolicy {
        allow_legacy_sha256: 0,
        max_skew: INGO_DEFAULT_MAX_SKEW,
        max_body: INGO_DEFAULT_MAX_BODY,
        required_headers: ptr::null(),
        required_headers_len: 0,
    }
}

/// Verifies a whole request at once, as of `now` (Unix seconds): the head (SPEC §5, in order),
/// then the body's length and digest. `keys` is the key store: every handle whose username
/// matches is tried (rotation). `policy` NULL means `ingo_policy_default`. On success, `out`
/// (optional, may be NULL) receives the username, the algorithm, and which of the username's
/// keys matched.
///
/// Errors: the verdict codes (`INGO_E_VERIFY_*`, `INGO_E_AUTHORIZATION_*`,
/// `INGO_E_SIGNING_STRING_*`, `INGO_E_DATE_*`, `INGO_E_DIGEST_*`; answer with
/// `ingo_error_http_status(ingo_error_for_client(code))`), and `INGO_E_NULL_POINTER`, `INGO_E_INVALID_ARGUMENT`,
/// `INGO_E_INVALID_UTF8` (a required header name), `INGO_E_INVALID_HANDLE` (an element of
/// `keys` is freed or not a key handle; checked before anything is verified).
///
/// # Safety
/// `keys` readable for `keys_len` handles; `policy` NULL or readable, with its required
/// names; `head` and every pointer in it readable for its length; `body` readable for
/// `body_len` bytes; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ingo_verify(
    keys: *const *mut IngoKey,
    keys_len: usize,
    policy: *const IngoPolicy,
    head: *const IngoRequestHead,
    body: *const c_char,
    body_len: usize,
    now: u64,
    out: *mut IngoVerified,
) -> i32 {
    guard(|| {
        // SAFETY: forwarded from the caller.
        let handles = unsafe { array(keys, keys_len, "keys") }?;
        let table = handles::read();
        let keys = table.store(handles)?;
        // SAFETY: forwarded from the caller.
        let policy = unsafe { policy_parts(policy) }?;
        let mut headers = None;
        // SAFETY: forwarded from the caller.
        let head = unsafe { request_head(head, &mut headers) }?;
        let body = IngoStr {
            ptr: body,
            len: body_len,
        };
        // SAFETY: forwarded from the caller.
        let body = unsafe { body.bytes("body") }?;
        let verified = Verifier::new(&keys, policy.policy()).verify(&head, body, now)?;
        if !out.is_null() {
            // SAFETY: forwarded from the caller.
            unsafe { OutPtr::new(out, "out") }?.write(verified_out(&verified));
        }
        Ok(())
    })
}

/// Authenticates a request head as of `now` (every check that needs no body: the signature,
/// the date, the content type, the declared length against the policy, the digest header's
/// form), before a byte of the body is read. On success `pending` is in progress: feed the
/// body with `ingo_pending_update`, then call `ingo_pending_finish` (or
/// `ingo_pending_discard`). On failure `pending` is not in progress.
///
/// `pending` is caller storage (`IngoPending pending;` on the stack is fine): nothing is
/// allocated. It does not borrow `keys`, `policy` or `head`, which may go once this returns.
///
/// Errors: as `ingo_verify`, less the body's (`INGO_E_VERIFY_CONTENT_LENGTH_MISMATCH`,
/// `INGO_E_DIGEST_MISMATCH`).
///
/// # Safety
/// As `ingo_verify`; `pending` writable and aligned.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ingo_verify_head(
    keys: *const *mut IngoKey,
    keys_len: usize,
    policy: *const IngoPolicy,
    head: *const IngoRequestHead,
    now: u64,
    pending: *mut IngoPending,
) -> i32 {
    guard(|| {
        // SAFETY: forwarded from the caller.
        let slot = unsafe { pending::Slot::new(pending) }?;
        slot.end();
        // SAFETY: forwarded from the caller.
        let handles = unsafe { array(keys, keys_len, "keys") }?;
        let table = handles::read();
        let keys = table.store(handles)?;
        // SAFETY: forwarded from the caller.
        let policy = unsafe { policy_parts(policy) }?;
        let mut headers = None;
        // SAFETY: forwarded from the caller.
        let head = unsafe { request_head(head, &mut headers) }?;
        let body = Verifier::new(&keys, policy.policy()).verify_head(&head, now)?;
        slot.start(body);
        Ok(())
    })
}

/// Feeds the next chunk of the body. Fails with `INGO_E_VERIFY_CONTENT_LENGTH_MISMATCH` as soon
/// as the body runs past its declared length: stop reading then. A failed update is remembered:
/// `ingo_pending_finish` returns the same code.
///
/// # Safety
/// `pending` as given to a successful `ingo_verify_head`; `chunk` readable for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ingo_pending_update(
    pending: *mut IngoPending,
    chunk: *const c_char,
    len: usize,
) -> i32 {
    guard(|| {
        // SAFETY: forwarded from the caller.
        let slot = unsafe { pending::Slot::new(pending) }?;
        let chunk = IngoStr { ptr: chunk, len };
        // SAFETY: forwarded from the caller.
        let chunk = unsafe { chunk.bytes("chunk") }?;
        slot.with_live(|body| body.update(chunk).map_err(Failure::from))
    })
}

/// Ends the verification: checks the body's length and digest. On success `out` (optional)
/// receives the username, algorithm and key index, as `ingo_verify`. `pending` is no longer
/// in progress afterwards, whatever the result.
///
/// # Safety
/// `pending` as given to a successful `ingo_verify_head`; `out` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ingo_pending_finish(
    pending: *mut IngoPending,
    out: *mut IngoVerified,
) -> i32 {
    guard(|| {
        // SAFETY: forwarded from the caller.
        let slot = unsafe { pending::Slot::new(pending) }?;
        let body = slot.take()?;
        let verified = body.finish()?;
        if !out.is_null() {
            // SAFETY: forwarded from the caller.
            unsafe { OutPtr::new(out, "out") }?.write(verified_out(&verified));
        }
        Ok(())
    })
}

/// Abandons a verification in progress (the body will not be read). Does nothing when
/// `pending` is NULL or not in progress.
///
/// # Safety
/// `pending` NULL, or an `IngoPending` that `ingo_verify_head` was called on.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ingo_pending_discard(pending: *mut IngoPending) {
    shield((), || {
        // SAFETY: forwarded from the caller.
        if let Ok(slot) = unsafe { pending::Slot::new(pending) } {
            drop(slot.take());
        }
    });
}

/// The body length the authenticated head declares (and signs): read exactly this many bytes.
///
/// # Safety
/// `pending` as given to a successful `ingo_verify_head`; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ingo_pending_content_length(
    pending: *mut IngoPending,
    out: *mut u64,
) -> i32 {
    guard(|| {
        // SAFETY: forwarded from the caller.
        let slot = unsafe { pending::Slot::new(pending) }?;
        // SAFETY: forwarded from the caller.
        let out = unsafe { OutPtr::new(out, "out") }?;
        out.write(slot.with_live(|body| Ok(body.content_length()))?);
        Ok(())
    })
}

/// Writes the username whose key authenticated the head (the body is not verified yet) into
/// `out` (`INGO_USERNAME_MAX + 1` bytes always suffice).
///
/// # Safety
/// `pending` as given to a successful `ingo_verify_head`; `out` writable, its buffer writable
/// for its `cap` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ingo_pending_username(
    pending: *mut IngoPending,
    out: *mut IngoBuf,
) -> i32 {
    guard(|| {
        // SAFETY: forwarded from the caller.
        let slot = unsafe { pending::Slot::new(pending) }?;
        // SAFETY: forwarded from the caller.
        let out = unsafe { out_arg(out, "out") }?;
        slot.with_live(|body| {
            // SAFETY: forwarded from the caller: the buffer does not overlap the pending state.
            unsafe { put_text(out, body.username().as_bytes(), "out") }
        })
    })
}

/// The signed X-Date of the authenticated head, in Unix seconds (the body is not verified
/// yet): with `ingo_pending_replay_key`, what a replay check needs before the body is read.
///
/// # Safety
/// `pending` as given to a successful `ingo_verify_head`; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ingo_pending_x_date(pending: *mut IngoPending, out: *mut u64) -> i32 {
    guard(|| {
        // SAFETY: forwarded from the caller.
        let slot = unsafe { pending::Slot::new(pending) }?;
        // SAFETY: forwarded from the caller.
        let out = unsafe { OutPtr::new(out, "out") }?;
        out.write(slot.with_live(|body| Ok(body.x_date()))?);
        Ok(())
    })
}

/// The replay key of the authenticated head (see `IngoReplayKey`). Check it against the replay
/// store once the head is authenticated, before the body is read or acted on: an atomic insert
/// if absent that lives until `ingo_replay_expires_at(x_date, max_skew)`. A key already there
/// is a replay: answer `INGO_E_VERIFY_REPLAYED`; a store that cannot answer,
/// `INGO_E_VERIFY_REPLAY_UNAVAILABLE`.
///
/// # Safety
/// `pending` as given to a successful `ingo_verify_head`; `out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ingo_pending_replay_key(
    pending: *mut IngoPending,
    out: *mut IngoReplayKey,
) -> i32 {
    guard(|| {
        // SAFETY: forwarded from the caller.
        let slot = unsafe { pending::Slot::new(pending) }?;
        // SAFETY: forwarded from the caller.
        let out = unsafe { OutPtr::new(out, "out") }?;
        out.write(slot.with_live(|body| Ok(replay_key_out(body.replay_key())))?);
        Ok(())
    })
}

/// The first second (Unix time, on the gateway's clock) at which a request dated `x_date` can no
/// longer be accepted under a skew limit of `max_skew` seconds: `x_date + max_skew + 1`
/// (saturating). A replay entry must live until then (in Redis: `PXAT` of 1000 times this; in
/// `ngx.shared.DICT:add`: a TTL of this minus now).
#[unsafe(no_mangle)]
pub extern "C" fn ingo_replay_expires_at(x_date: u64, max_skew: u64) -> u64 {
    ingo_signer_core::replay::expires_at(x_date, max_skew)
}

// ---------------------------------------------------------------------------------------------
// Payloads.

/// Judges a request body for `endpoint` (`INGO_ENDPOINT_*`) against every field rule of SPEC
/// §6, given `options` (`INGO_PAYLOAD_*` bits). Returns `INGO_OK` when the body may be sent,
/// `INGO_E_JSON_*` when it is not strict JSON, `INGO_E_PAYLOAD_INVALID` when fields break
/// rules.
///
/// `lines` (optional) receives one line per violation, each ending in LF
/// (`recipient_information.zip_code: "3723" must be 5 digits or 5+4 digits`), or the one JSON
/// error; lines that do not fit are left out whole, and `lines->len` is the length of them all.
/// `violations` (optional) receives the number of violations (0 for a JSON error).
///
/// # Safety
/// `body` readable for `body_len` bytes; `lines` NULL or writable, its buffer writable for its
/// `cap` bytes and not overlapping `body`; `violations` NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ingo_payload_validate(
    endpoint: i32,
    options: u32,
    body: *const c_char,
    body_len: usize,
    lines: *mut IngoBuf,
    violations: *mut usize,
) -> i32 {
    guard(|| {
        let endpoint = match endpoint {
            INGO_ENDPOINT_SESSION_CREATE => Endpoint::SessionCreate,
            INGO_ENDPOINT_PUSH_TO_CARD => Endpoint::PushToCard,
            _ => {
                return Err(Failure::invalid_argument(
                    "unknown endpoint: use INGO_ENDPOINT_SESSION_CREATE or INGO_ENDPOINT_PUSH_TO_CARD",
                ));
            }
        };
        let known = INGO_PAYLOAD_PAYPAL_ENABLED
            | INGO_PAYLOAD_SENDER_DATA
            | INGO_PAYLOAD_LEDGER_SERVICE
            | INGO_PAYLOAD_RETAIL_CARD_PRESENT;
        if options & !known != 0 {
            return Err(Failure::invalid_argument(
                "unknown INGO_PAYLOAD_* option bits",
            ));
        }
        let mut opts = Options::new();
        for (bit, with) in [
            (
                INGO_PAYLOAD_PAYPAL_ENABLED,
                Options::with_paypal_enabled as fn(Options) -> Options,
            ),
            (INGO_PAYLOAD_SENDER_DATA, Options::with_sender_data),
            (INGO_PAYLOAD_LEDGER_SERVICE, Options::with_ledger_service),
            (
                INGO_PAYLOAD_RETAIL_CARD_PRESENT,
                Options::with_retail_card_present,
            ),
        ] {
            if options & bit != 0 {
                opts = with(opts);
            }
        }
        let body = IngoStr {
            ptr: body,
            len: body_len,
        };
        // SAFETY: forwarded from the caller.
        let body = unsafe { body.bytes("body") }?;
        let mut writer = if lines.is_null() {
            None
        } else {
            // SAFETY: forwarded from the caller (non-NULL here).
            let buf = unsafe { out_arg(lines, "lines") }?;
            // SAFETY: forwarded from the caller: writable for `cap`, not overlapping `body`.
            let out = unsafe { Out::new(buf, "lines") }?;
            Some((buf, Truncating::new(out)))
        };
        let mut report = Report::new();
        let verdict = match validate_into(endpoint, &opts, body, &mut report) {
            Err(json) => {
                if let Some((_, w)) = writer.as_mut() {
                    w.line(format_args!("{json}"));
                }
                Err(Failure::from(json))
            }
            Ok(()) if report.is_empty() => Ok(()),
            Ok(()) => {
                if let Some((_, w)) = writer.as_mut() {
                    for violation in report.violations() {
                        w.line(format_args!("{violation}"));
                    }
                    if report.omitted() > 0 {
                        w.line(format_args!(
                            "and {} more violations not listed",
                            report.omitted()
                        ));
                    }
                }
                Err(Failure::payload(report.total()))
            }
        };
        if let Some((buf, w)) = writer {
            buf.len = w.finish();
        }
        if !violations.is_null() {
            // SAFETY: forwarded from the caller.
            unsafe { OutPtr::new(violations, "violations") }?.write(report.total());
        }
        verdict
    })
}

/// Checks an `Idempotency-Key` value for Session Create: 1 to 250 printable ASCII characters,
/// no space at either end.
///
/// Errors: `INGO_E_IDEMPOTENCY_KEY_*`, `INGO_E_INVALID_UTF8`, `INGO_E_NULL_POINTER`.
///
/// # Safety
/// `value` readable for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ingo_idempotency_key_validate(value: *const c_char, len: usize) -> i32 {
    guard(|| {
        let value = IngoStr { ptr: value, len };
        // SAFETY: forwarded from the caller.
        let value = unsafe { value.text("value") }?;
        validate_idempotency_key(value)?;
        Ok(())
    })
}
