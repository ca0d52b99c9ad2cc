//! The C-visible types, and the only places where raw pointers from C become Rust references.
//!
//! Inputs are `IngoStr` (pointer and length, never NUL-terminated) and arrays given as pointer
//! and count; outputs are `IngoBuf` (pointer, capacity, length written back). A pointer may be
//! NULL only where its length or capacity is 0. Integer "enums" are plain `int32_t` fields,
//! checked here: a Rust enum read from C memory holding an unknown value would be undefined
//! behaviour.

use core::ffi::c_char;
use core::fmt;
use core::ptr;

use ingo_signer_core::signing_string::{HeaderLookup, Headers};

use crate::error::Failure;

/// Borrowed bytes from the caller: `ptr` points to `len` bytes (not NUL-terminated) and may be
/// NULL only when `len` is 0. Initialise from a literal with `INGO_LIT("text")`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct IngoStr {
    /// The first byte; NULL only when `len` is 0.
    pub ptr: *const c_char,
    /// The number of bytes.
    pub len: usize,
}

/// One header field of a request, as received or as it will be sent.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct IngoHeader {
    /// The name, in any case (`X-Date`, `x-date`).
    pub name: IngoStr,
    /// The value exactly as sent, surrounding whitespace included.
    pub value: IngoStr,
}

/// A caller's output buffer. The caller sets `ptr` and `cap`; the library sets `len` to the
/// length of the complete text, excluding the NUL it always writes after it when `cap > 0`.
///
/// Header values and digests are never truncated: when `len + 1 > cap` the call fails with
/// `INGO_E_BUFFER_TOO_SMALL`, writes an empty string, and `len` says what is needed (`cap == 0`
/// with `ptr == NULL` is a size query). Diagnostic text (violation lines, error messages) is
/// truncated to what fits instead.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct IngoBuf {
    /// Where to write; NULL only when `cap` is 0.
    pub ptr: *mut c_char,
    /// The number of bytes writable at `ptr`, room for the NUL included.
    pub cap: usize,
    /// Set by the library: the length of the complete text (without NUL).
    pub len: usize,
}

/// A request head: what a verifier checks before the body (and what `ingo_sign_head` signs).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct IngoRequestHead {
    /// The method as sent (`POST`), case-sensitive.
    pub method: IngoStr,
    /// The request-target (path and query) exactly as on the wire.
    pub target: IngoStr,
    /// `INGO_HTTP_1_0`, `INGO_HTTP_1_1` or `INGO_HTTP_2`; 0 means HTTP/1.1.
    pub version: i32,
    /// Every header field in arrival order, repeats included, Authorization included.
    pub headers: *const IngoHeader,
    /// The number of entries at `headers`.
    pub headers_len: usize,
}

/// What `ingo_sign` signs. Zero-initialise it and set the fields you need: every `int32_t`
/// field's 0 is the default.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct IngoSignRequest {
    /// The method (`POST`).
    pub method: IngoStr,
    /// The path and query exactly as they will be sent.
    pub target: IngoStr,
    /// The Content-Type to send; empty means `application/json`. Must be application/json
    /// (parameters such as charset allowed).
    pub content_type: IngoStr,
    /// The exact body bytes that will be sent (empty for GET).
    pub body: IngoStr,
    /// Further headers to sign (`Host`, `Idempotency-Key`), appended to the signed list in this
    /// order; send them with exactly these values. At most `INGO_MAX_EXTRA_HEADERS`; UTF-8.
    pub extra_headers: *const IngoHeader,
    /// The number of entries at `extra_headers`.
    pub extra_headers_len: usize,
    /// `INGO_HMAC_SHA512` (0 means it) or `INGO_HMAC_SHA256` (legacy integrations only).
    pub algorithm: i32,
    /// The HTTP version the request will travel with (it is signed); 0 means HTTP/1.1.
    pub version: i32,
    /// `INGO_ORDER_DIGEST_LAST` (0 means it) or `INGO_ORDER_LENGTH_LAST`.
    pub order: i32,
}

/// The header values `ingo_sign` produces, to add to the request in this order: X-Date,
/// Content-Type, Content-Length, the digest header, Authorization. Initialise the whole struct
/// (a designated initialiser setting the four buffers zeroes the rest).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct IngoSigned {
    /// `X-Date`: exactly `INGO_X_DATE_LEN` characters.
    pub x_date: IngoBuf,
    /// Set by the library: the `Content-Type` value to send (the request's, or a static
    /// `application/json`); not NUL-terminated.
    pub content_type: IngoStr,
    /// `Content-Length`: at most `INGO_CONTENT_LENGTH_MAX` digits.
    pub content_length: IngoBuf,
    /// Set by the library: the digest header's name, static and NUL-terminated
    /// (`Content-sha512`, or `Content-sha256` for legacy).
    pub digest_header: *const c_char,
    /// The digest header's value: `INGO_DIGEST_SHA512_LEN` (or `INGO_DIGEST_SHA256_LEN`)
    /// characters.
    pub digest: IngoBuf,
    /// `Authorization`: at most `INGO_AUTHORIZATION_MAX` characters.
    pub authorization: IngoBuf,
}

/// What a verifier accepts. Start from `ingo_policy_default()`: a zeroed policy allows no clock
/// skew and no body.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct IngoPolicy {
    /// Non-zero: also accept hmac-sha256 (legacy integrations only).
    pub allow_legacy_sha256: u8,
    /// The largest allowed distance between X-Date and now, in seconds (inclusive).
    pub max_skew: u64,
    /// The largest Content-Length accepted, in bytes (inclusive).
    pub max_body: u64,
    /// Header names that must be signed beyond the protocol's own (`host`); UTF-8, compared
    /// case-insensitively. At most `INGO_MAX_REQUIRED_HEADERS`.
    pub required_headers: *const IngoStr,
    /// The number of entries at `required_headers`.
    pub required_headers_len: usize,
}

/// Room for a username and its NUL.
pub const INGO_USERNAME_BUF: usize = 257;

/// Who signed a verified request, and how.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct IngoVerified {
    /// The authenticated username, NUL-terminated.
    pub username: [c_char; INGO_USERNAME_BUF],
    /// Its length in bytes.
    pub username_len: usize,
    /// `INGO_HMAC_SHA512` or `INGO_HMAC_SHA256`.
    pub algorithm: i32,
    /// Which of the username's keys matched: 0 for the first handle with that username in the
    /// caller's `keys` array, 1 for the second... (with rotation, tells when an old key stops
    /// being used).
    pub key_index: usize,
    /// The signed X-Date, in Unix seconds.
    pub x_date: u64,
    /// The key a replay store remembers the request by (see `IngoReplayKey`).
    pub replay_key: IngoReplayKey,
}

/// The length of a replay key, in bytes.
pub const INGO_REPLAY_KEY_LEN: usize = 32;

/// The key a replay store remembers an accepted request by: 32 bytes derived from the username,
/// the algorithm and the MAC (SHA-512/256 over the three, length-prefixed; docs/ffi.md). Two
/// requests share it only if they are the same signed request. Store it with an atomic insert
/// if absent (`ngx.shared.DICT:add`, Redis `SET NX`), until `ingo_replay_expires_at`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IngoReplayKey {
    /// The key's bytes (binary: not text, not NUL-terminated).
    pub bytes: [u8; INGO_REPLAY_KEY_LEN],
}

/// Borrows `len` elements at `ptr` (`what` names the argument in errors).
///
/// # Safety
/// When `len > 0` and `ptr` is not NULL, `ptr` must point to `len` initialised values of `T` that
/// stay valid and unmodified for `'a`.
pub(crate) unsafe fn array<'a, T>(
    ptr: *const T,
    len: usize,
    what: &'static str,
) -> Result<&'a [T], Failure> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(Failure::null(what));
    }
    if !ptr.is_aligned() {
        return Err(Failure::invalid_argument("an array pointer is misaligned"));
    }
    let too_long = len
        .checked_mul(size_of::<T>())
        .is_none_or(|bytes| isize::try_from(bytes).is_err());
    if too_long {
        return Err(Failure::invalid_argument("a length is above PTRDIFF_MAX"));
    }
    // SAFETY: `ptr` is non-NULL and aligned, `len * size_of::<T>()` fits in `isize`, and the
    // caller guarantees `len` initialised values there, unmodified for `'a`.
    Ok(unsafe { core::slice::from_raw_parts(ptr, len) })
}

impl IngoStr {
    /// The bytes.
    ///
    /// # Safety
    /// As for `array`: when `len > 0`, `ptr` must point to `len` bytes valid for `'a`.
    pub(crate) unsafe fn bytes<'a>(self, what: &'static str) -> Result<&'a [u8], Failure> {
        // SAFETY: forwarded: the caller guarantees `len` readable bytes at `ptr` for 'a.
        unsafe { array(self.ptr.cast::<u8>(), self.len, what) }
    }

    /// The bytes as UTF-8 text, or `INGO_E_INVALID_UTF8`.
    ///
    /// # Safety
    /// As for `IngoStr::bytes`.
    pub(crate) unsafe fn text<'a>(self, what: &'static str) -> Result<&'a str, Failure> {
        // SAFETY: forwarded, as above.
        let bytes = unsafe { self.bytes(what) }?;
        core::str::from_utf8(bytes).map_err(|_| Failure::invalid_utf8(what))
    }

    /// A method or target, judged as the verifier judges a received request: bytes that are not
    /// UTF-8 are not ASCII either, so they cannot be a valid method or target. They become the
    /// empty string, which the core rejects with the same error (`signing_string.invalid_method`
    /// or `invalid_target`) at the same step of its check order.
    ///
    /// # Safety
    /// As for `IngoStr::bytes`.
    pub(crate) unsafe fn request_line_part<'a>(
        self,
        what: &'static str,
    ) -> Result<&'a str, Failure> {
        // SAFETY: forwarded, as above.
        let bytes = unsafe { self.bytes(what) }?;
        Ok(core::str::from_utf8(bytes).unwrap_or(""))
    }
}

/// A C header array as the core's `Headers` lookup. Only `CHeaders::new` makes one, after
/// checking every pointer in it.
pub(crate) struct CHeaders<'a> {
    headers: &'a [IngoHeader],
}

impl<'a> CHeaders<'a> {
    /// Checks the array and every name and value in it.
    ///
    /// # Safety
    /// `ptr`/`len` as for `array`, and every name and value in it as for `IngoStr::bytes`,
    /// all valid and unmodified for `'a`.
    pub(crate) unsafe fn new(
        ptr: *const IngoHeader,
        len: usize,
        what: &'static str,
    ) -> Result<Self, Failure> {
        // SAFETY: forwarded from the caller.
        let headers = unsafe { array(ptr, len, what) }?;
        for header in headers {
            // SAFETY: forwarded from the caller, who guarantees every name valid for 'a.
            unsafe { header.name.bytes("a header name") }?;
            // SAFETY: forwarded from the caller, who guarantees every value valid for 'a.
            unsafe { header.value.bytes("a header value") }?;
        }
        Ok(CHeaders { headers })
    }

    /// `(name, value)` pairs of the checked array.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&'a [u8], &'a [u8])> + '_ {
        self.headers.iter().map(|header| {
            // SAFETY: `new` checked this name (non-NULL where its length is non-zero, length in
            // range) and its caller guaranteed the bytes valid for 'a; it cannot fail now.
            let name = unsafe { header.name.bytes("") }.unwrap_or_default();
            // SAFETY: as for the name.
            let value = unsafe { header.value.bytes("") }.unwrap_or_default();
            (name, value)
        })
    }
}

impl Headers for CHeaders<'_> {
    fn lookup(&self, name: &str) -> HeaderLookup<'_> {
        let mut found = HeaderLookup::Absent;
        for (n, v) in self.iter() {
            if n.eq_ignore_ascii_case(name.as_bytes()) {
                if found != HeaderLookup::Absent {
                    return HeaderLookup::Repeated;
                }
                found = HeaderLookup::Once(v);
            }
        }
        found
    }
}

/// A checked output buffer: the only way to write into caller memory.
#[derive(Clone, Copy)]
pub(crate) struct Out {
    ptr: *mut u8,
    cap: usize,
}

impl Out {
    /// Checks `buf`'s pointer against its capacity.
    ///
    /// # Safety
    /// `buf.ptr` must be writable for `buf.cap` bytes for as long as the `Out` is used, and must
    /// not overlap any memory the call reads (its inputs, the key).
    pub(crate) unsafe fn new(buf: &IngoBuf, what: &'static str) -> Result<Self, Failure> {
        if buf.cap > 0 && buf.ptr.is_null() {
            return Err(Failure::null(what));
        }
        if isize::try_from(buf.cap).is_err() {
            return Err(Failure::invalid_argument(
                "a buffer capacity is above PTRDIFF_MAX",
            ));
        }
        Ok(Out {
            ptr: buf.ptr.cast::<u8>(),
            cap: buf.cap,
        })
    }

    /// Whether `len` bytes and a NUL fit.
    pub(crate) fn fits(self, len: usize) -> bool {
        len < self.cap
    }

    /// Writes `bytes` at `offset` if they fit before the last byte (kept for the NUL); returns
    /// whether they were written.
    pub(crate) fn write_at(self, offset: usize, bytes: &[u8]) -> bool {
        let fits = offset
            .checked_add(bytes.len())
            .is_some_and(|end| end < self.cap);
        if fits {
            // SAFETY: `offset + bytes.len() < cap`, so the destination lies inside the `cap`
            // writable bytes that `Out::new`'s caller guaranteed (`cap <= isize::MAX`, checked
            // there), which do not overlap the memory the call reads, `bytes` included.
            unsafe {
                ptr::copy_nonoverlapping(bytes.as_ptr(), self.ptr.wrapping_add(offset), bytes.len())
            };
        }
        fits
    }

    /// Writes the NUL at `offset` (when `offset < cap`).
    pub(crate) fn terminate(self, offset: usize) {
        if offset < self.cap {
            // SAFETY: `offset < cap`, inside the writable bytes `Out::new`'s caller guaranteed.
            unsafe { self.ptr.wrapping_add(offset).write(0) };
        }
    }

    /// Writes all of `text` and its NUL, or (when it does not fit) an empty string.
    pub(crate) fn put(self, text: &[u8]) -> bool {
        let written = self.write_at(0, text);
        self.terminate(if written { text.len() } else { 0 });
        written
    }
}

/// Writes `text` whole into `buf` and sets `buf.len`, or fails with `INGO_E_BUFFER_TOO_SMALL`.
///
/// # Safety
/// As for `Out::new`.
pub(crate) unsafe fn put_text(
    buf: &mut IngoBuf,
    text: &[u8],
    what: &'static str,
) -> Result<(), Failure> {
    // SAFETY: forwarded from the caller.
    let out = unsafe { Out::new(buf, what) }?;
    buf.len = text.len();
    if out.put(text) {
        Ok(())
    } else {
        Err(Failure::buffer_too_small(what, text.len()))
    }
}

/// Diagnostic text into a buffer: counts the whole text, keeps what fits (cut at a character
/// boundary, or at a line boundary when written by lines).
pub(crate) struct Truncating {
    out: Out,
    /// Bytes kept.
    kept: usize,
    /// Bytes of the whole text.
    total: usize,
    /// Once something did not fit, nothing later is kept (no gaps in the text).
    full: bool,
}

impl Truncating {
    pub(crate) fn new(out: Out) -> Self {
        Truncating {
            out,
            kept: 0,
            total: 0,
            full: false,
        }
    }

    /// Writes one line (`args` and a LF) whole, or not at all.
    pub(crate) fn line(&mut self, args: fmt::Arguments<'_>) {
        let start = self.kept;
        let _ = fmt::Write::write_fmt(self, args);
        let _ = fmt::Write::write_str(self, "\n");
        if self.full && self.kept != start {
            // The line did not fit whole: drop its beginning.
            self.kept = start;
        }
    }

    /// NUL-terminates what was kept; returns the length of the whole text.
    pub(crate) fn finish(self) -> usize {
        self.out.terminate(self.kept);
        self.total
    }
}

impl fmt::Write for Truncating {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.total = self.total.saturating_add(s.len());
        if self.full {
            return Ok(());
        }
        if self.out.write_at(self.kept, s.as_bytes()) {
            self.kept = self.kept.saturating_add(s.len());
            return Ok(());
        }
        // Keep the longest prefix that fits and ends on a character boundary.
        let room = self.out.cap.saturating_sub(1).saturating_sub(self.kept);
        let mut cut = room.min(s.len());
        while !s.is_char_boundary(cut) {
            cut = cut.saturating_sub(1);
        }
        let prefix = s.as_bytes().get(..cut).unwrap_or_default();
        if self.out.write_at(self.kept, prefix) {
            self.kept = self.kept.saturating_add(prefix.len());
        }
        self.full = true;
        Ok(())
    }
}
