//! The `Content-Type` and `Content-Length` rules (SPEC §5.8, §5.9), shared by the signer (which
//! refuses to sign what a verifier would refuse) and the verifier.

use crate::signing_string::trim_ows;

/// The media type every signed request carries.
pub const JSON_MEDIA_TYPE: &str = "application/json";

/// Whether a `Content-Type` value is `application/json`, case-insensitively, optionally followed
/// by parameters (`; charset=utf-8`). `application/jsonx` and `application/json, text/plain` are
/// not.
///
/// ```
/// use signer_core::content_headers::is_json_content_type;
/// assert!(is_json_content_type(b"Application/JSON; charset=UTF-8"));
/// assert!(!is_json_content_type(b"application/jsonx"));
/// ```
pub fn is_json_content_type(value: &[u8]) -> bool {
    let value = trim_ows(value);
    let media_type = match value.iter().position(|&b| b == b';') {
        Some(semicolon) => value.get(..semicolon).unwrap_or_default(),
        None => value,
    };
    trim_ows(media_type).eq_ignore_ascii_case(JSON_MEDIA_TYPE.as_bytes())
}

/// Parses a `Content-Length` value: plain decimal, no sign, no leading zeros (`0` itself is
/// fine), no inner spaces, at most `u64::MAX`. Surrounding spaces and tabs are trimmed first.
///
/// ```
/// use signer_core::content_headers::parse_content_length;
/// assert_eq!(parse_content_length(b"470"), Some(470));
/// assert_eq!(parse_content_length(b"0470"), None);
/// assert_eq!(parse_content_length(b"+470"), None);
/// ```
pub fn parse_content_length(value: &[u8]) -> Option<u64> {
    let digits = trim_ows(value);
    match digits {
        [] => None,
        [b'0', _, ..] => None,
        _ => digits.iter().try_fold(0u64, |acc, &b| {
            if b.is_ascii_digit() {
                acc.checked_mul(10)?
                    .checked_add(u64::from(b.wrapping_sub(b'0')))
            } else {
                None
            }
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_type() {
        for ok in [
            "application/json",
            " application/json ",
            "APPLICATION/JSON;charset=utf-8",
            "application/json ; a=b",
        ] {
            assert!(is_json_content_type(ok.as_bytes()), "{ok}");
        }
        for bad in [
            "",
            "text/plain",
            "application/jsonx",
            "application/json, text/plain",
            "application/ json",
            "application/*",
        ] {
            assert!(!is_json_content_type(bad.as_bytes()), "{bad}");
        }
    }

    #[test]
    fn content_length() {
        assert_eq!(parse_content_length(b"0"), Some(0));
        assert_eq!(
            parse_content_length(b" 18446744073709551615\t"),
            Some(u64::MAX)
        );
        for bad in [
            "",
            "00",
            "-1",
            "4 70",
            "18446744073709551616",
            "0x10",
            "1e3",
        ] {
            assert_eq!(parse_content_length(bad.as_bytes()), None, "{bad}");
        }
    }
}
