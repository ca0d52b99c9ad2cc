//! Canonical padded standard base64 (RFC 4648 §4) into and out of fixed-size buffers.
//!
//! `base64ct` is strict: it rejects missing padding, non-zero pad bits, the URL-safe alphabet
//! and whitespace, so a decoded value has exactly one accepted text form.

use base64ct::{Base64, Encoding};

/// Encodes `bytes` (at most 64) as base64 text in a fixed-capacity string.
pub(crate) fn encode(bytes: &[u8]) -> heapless::String<88> {
    let mut text = [0u8; 88];
    let mut out = heapless::String::new();
    // 64 bytes encode to exactly 88 characters: cannot overflow.
    let _ = out.push_str(encode_into(bytes, &mut text));
    out
}

/// Encodes `bytes` (at most 64) as base64 text in `text`.
pub(crate) fn encode_into<'t>(bytes: &[u8], text: &'t mut [u8; 88]) -> &'t str {
    // 64 bytes encode to exactly 88 characters: the buffer always fits what callers pass.
    Base64::encode(bytes, text).unwrap_or("")
}

/// Why a base64 value was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DecodeError {
    /// Not canonical padded standard base64.
    Encoding,
    /// Canonical, but decodes to a length other than the one expected.
    Length,
}

/// Decodes canonical base64 that must hold exactly `expected_len` (at most 64) bytes.
pub(crate) fn decode_exact(text: &[u8], expected_len: usize) -> Result<[u8; 64], DecodeError> {
    let mut out = [0u8; 64];
    match Base64::decode(text, &mut out) {
        Ok(decoded) if decoded.len() == expected_len => Ok(out),
        Ok(_) | Err(base64ct::Error::InvalidLength) => Err(DecodeError::Length),
        Err(base64ct::Error::InvalidEncoding) => Err(DecodeError::Encoding),
    }
}
