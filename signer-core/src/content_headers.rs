//! The `Content-Type` and `Content-Length` rules (SPEC §5.8, §5.9), shared by the signer (which
//! refuses to sign what a verifier would refuse) and the verifier.

use crate::scan::trim_ows;

/// The media type every signed request carries.
pub const JSON_MEDIA_TYPE: &str = "application/json";

/// Whether a `Content-Type` value is `application/json`, case-insensitively, optionally followed
/// by parameters (`; charset=utf-8`). `application/jsonx` and `application/json, text/plain` are
/// not.
///
/// ```
/// use ingo_signer_core::content_headers::is_json_content_type;
/// assert!(is_json_content_type(b"Application/JSON; charset=UTF-8"));
/// assert!(!is_json_content_type(b"application/jsonx"));
/// ```
pub fn is_json_content_type(value: &[u8]) -> bool {
    // What signers send, recognised before any trimming or splitting.
    if value == JSON_MEDIA_TYPE.as_bytes() {
        return true;
    }
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
/// use ingo_signer_core::content_headers::parse_content_length;
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

/// Writes a `Content-Length` value: plain decimal, the form [`parse_content_length`] accepts.
///
/// Digits are produced by hand instead of through `core::fmt`, whose machinery costs more than
/// the signature's own formatting on a small request.
///
/// ```
/// use ingo_signer_core::content_headers::format_content_length;
/// assert_eq!(format_content_length(470).as_str(), "470");
/// assert_eq!(format_content_length(u64::MAX).as_str(), "18446744073709551615");
/// ```
pub fn format_content_length(len: u64) -> heapless::String<20> {
    // u64::MAX has 20 digits: they are filled from the end.
    let mut digits = [b'0'; 20];
    let mut start = digits.len();
    let mut rest = len;
    for slot in digits.iter_mut().rev() {
        // `rest % 10` is below 10, so the cast keeps it whole.
        *slot = b'0'.saturating_add((rest % 10) as u8);
        rest /= 10;
        start = start.saturating_sub(1);
        if rest == 0 {
            break;
        }
    }
    let mut text = heapless::String::new();
    // Only ASCII digits, at most 20 of them: the conversion and the push cannot fail.
    let _ =
        text.push_str(core::str::from_utf8(digits.get(start..).unwrap_or_default()).unwrap_or("0"));
    text
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
    fn formatted_lengths_are_plain_decimal_and_parse_back() {
        for (len, text) in [
            (0, "0"),
            (9, "9"),
            (10, "10"),
            (470, "470"),
            (1_000_000, "1000000"),
        ] {
            assert_eq!(format_content_length(len).as_str(), text);
        }
        let mut len = 1u64;
        while let Some(next) = len.checked_mul(3) {
            for candidate in [len - 1, len, len + 1] {
                let text = format_content_length(candidate);
                assert_eq!(
                    parse_content_length(text.as_bytes()),
                    Some(candidate),
                    "{text}"
                );
            }
            len = next;
        }
        assert_eq!(
            format_content_length(u64::MAX).as_str(),
            "18446744073709551615"
        );
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
