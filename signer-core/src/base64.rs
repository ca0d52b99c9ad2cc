//! Canonical padded standard base64 (RFC 4648 §4) into and out of fixed-size buffers.
//!
//! `base64ct` is strict: it rejects missing padding, non-zero pad bits, the URL-safe alphabet
//! and whitespace, so a decoded value has exactly one accepted text form.

use base64ct::{Base64, Encoding};

use crate::scan::any_byte;

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

/// Whether `text` is canonical padded base64 of exactly `len` bytes (at most 64): true exactly
/// when [`decode_exact`] would succeed, without decoding.
///
/// A verifier only needs to know that a digest header is well-formed; it then compares the
/// header with the base64 of the digest it computed (canonical base64 is one text per value).
/// `base64ct`'s constant-time decoder costs about three times its encoder (~190 against ~65 ns
/// for 64 bytes here), and the digest is public, so checking the form and encoding the computed
/// digest is the cheaper way to the same answer. A test holds this to `decode_exact`.
pub(crate) fn is_canonical(text: &[u8], len: usize) -> bool {
    // `len` bytes take ceil(len / 3) groups of four characters; the last group carries one or
    // two `=` when `len` is not a multiple of three.
    let padding = match len % 3 {
        1 => 2,
        2 => 1,
        _ => 0,
    };
    let text_len = len.div_ceil(3).saturating_mul(4);
    if text.len() != text_len {
        return false;
    }
    let Some((symbols, pad)) = text.split_at_checked(text_len.saturating_sub(padding)) else {
        return false;
    };
    if any_byte(symbols, |b| alphabet_value(b).is_none()) || pad.iter().any(|&b| b != b'=') {
        return false;
    }
    // Canonical: the bits of the last symbol that no byte uses (4 before `==`, 2 before `=`)
    // are zero, so no two texts decode to the same bytes.
    let unused_bits = match padding {
        2 => 0b1111,
        1 => 0b11,
        _ => 0,
    };
    match symbols.last().copied().and_then(alphabet_value) {
        Some(last) => last & unused_bits == 0,
        None => padding == 0,
    }
}

/// The 6-bit value of a standard base64 symbol.
#[inline(always)]
fn alphabet_value(b: u8) -> Option<u8> {
    match b {
        // Within each range these cannot wrap.
        b'A'..=b'Z' => Some(b.wrapping_sub(b'A')),
        b'a'..=b'z' => Some(b.wrapping_sub(b'a').wrapping_add(26)),
        b'0'..=b'9' => Some(b.wrapping_sub(b'0').wrapping_add(52)),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use proptest::prelude::*;
    use std::vec::Vec;

    /// A canonical encoding of 1 to 64 random bytes, then up to three edits: a byte replaced
    /// (mostly by a base64 symbol or `=`, now and then by any byte), one cut off, or one added.
    fn near_canonical() -> impl Strategy<Value = (Vec<u8>, usize)> {
        let byte = prop_oneof![
            8 => prop::sample::select(
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".to_vec()
            ),
            2 => Just(b'='),
            1 => any::<u8>(),
        ];
        let edit = (0u8..4, any::<prop::sample::Index>(), byte);
        (
            prop::collection::vec(any::<u8>(), 1..=64),
            prop::collection::vec(edit, 0..=3),
        )
            .prop_map(|(bytes, edits)| {
                let mut buffer = [0u8; 88];
                let mut text = encode_into(&bytes, &mut buffer).as_bytes().to_vec();
                for (kind, at, byte) in edits {
                    match kind {
                        0 | 1 if !text.is_empty() => {
                            let at = at.index(text.len());
                            text[at] = byte;
                        }
                        2 => {
                            text.pop();
                        }
                        _ => text.push(byte),
                    }
                }
                (text, bytes.len())
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        #[test]
        fn is_canonical_agrees_with_the_decoder((text, len) in near_canonical()) {
            prop_assert_eq!(is_canonical(&text, len), decode_exact(&text, len).is_ok());
        }

        #[test]
        fn every_encoding_is_canonical(bytes in prop::collection::vec(any::<u8>(), 0..=64)) {
            let mut text = [0u8; 88];
            let encoded = encode_into(&bytes, &mut text);
            prop_assert!(is_canonical(encoded.as_bytes(), bytes.len()));
        }
    }

    /// Every last symbol before the padding, for both digest lengths: exactly those whose
    /// unused bits are zero are canonical, as the decoder says.
    #[test]
    fn the_unused_bits_before_the_padding_must_be_zero() {
        let symbols = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (len, text_len, padding) in [(64usize, 88usize, 2usize), (32, 44, 1)] {
            let mut text = [b'A'; 88];
            let text = &mut text[..text_len];
            for b in &mut text[text_len - padding..] {
                *b = b'=';
            }
            let mut accepted = 0;
            for &symbol in symbols {
                text[text_len - padding - 1] = symbol;
                let canonical = is_canonical(text, len);
                assert_eq!(
                    canonical,
                    decode_exact(text, len).is_ok(),
                    "{}",
                    symbol as char
                );
                accepted += usize::from(canonical);
            }
            assert_eq!(accepted, if padding == 2 { 4 } else { 16 });
        }
    }
}
