//! Reading one raw HTTP/1.x request (request line, headers, blank line, body) with `httparse`:
//! what `ingo-sign verify` and `explain` read from a file or standard input.
//!
//! The reader reads a request; it does not judge it. `httparse` reads every well-formed head.
//! What it refuses but is still shaped like an HTTP/1.x request goes to the core as it is, so
//! that the verdict (SPEC §5) and its kind are the core's, as a gateway's would be:
//!
//! - a header value holding NUL, DEL, a bare CR or another control byte, kept byte for byte;
//! - obsolete line folding (a line that starts with a space or tab continues the header above
//!   it): the value keeps the line break and the indent, which the core refuses in a signed
//!   header (SPEC §5.5);
//! - a method or request-target the core refuses (an empty method, a control byte in either;
//!   bytes that are not UTF-8 are replaced with U+FFFD, which the core refuses as it would the
//!   original, since both must be ASCII).
//!
//! Shaped means: lines end in LF or CRLF and the head ends at the first empty line; the first
//! line is three fields split by single spaces, the last `HTTP/1.0` or `HTTP/1.1`; every other
//! line is `name: value` with a token name, or a continuation of the header above it. What is
//! not shaped so (a request line of four fields, a header line without a colon, no blank line)
//! is a [`RawRequestError`]: those bytes cannot be read as one HTTP/1.x request at all.
//!
//! The reader frames nothing itself: the body is every byte after the blank line, and a
//! `Transfer-Encoding` header is passed on with the others, for the core's verifier to refuse
//! (`verify.transfer_encoding`: the protocol frames a body by its signed `Content-Length`
//! alone). A request-target holding `#` is passed on as well (`signing_string.target_fragment`).

use std::fmt;

use ingo_signer_core::HttpVersion;
use ingo_signer_core::header_list::is_tchar;

/// The most header fields a raw request may carry.
pub const MAX_HEADERS: usize = 64;

/// A parsed raw request; header values are kept as raw bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawRequest {
    /// The method.
    pub method: String,
    /// The request-target exactly as written.
    pub target: String,
    /// HTTP/1.0 or HTTP/1.1.
    pub version: HttpVersion,
    /// Header fields in order, repeats kept.
    pub headers: Vec<(String, Vec<u8>)>,
    /// Everything after the blank line, byte for byte.
    pub body: Vec<u8>,
}

impl RawRequest {
    /// The core's view of the head.
    pub fn head(&self) -> ingo_signer_core::RequestHead<'_, [(String, Vec<u8>)]> {
        ingo_signer_core::RequestHead {
            method: &self.method,
            target: &self.target,
            version: self.version,
            headers: &self.headers[..],
        }
    }
}

/// Why a raw request could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RawRequestError {
    /// The head is not terminated by a blank line.
    Incomplete,
    /// The head is not shaped like an HTTP/1.x request (the reason attached; see the module
    /// documentation).
    Malformed(String),
    /// More than [`MAX_HEADERS`] header fields.
    TooManyHeaders,
}

impl fmt::Display for RawRequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RawRequestError::Incomplete => {
                f.write_str("the request head is not terminated by a blank line")
            }
            RawRequestError::Malformed(why) => write!(f, "not an HTTP/1.x request: {why}"),
            RawRequestError::TooManyHeaders => write!(f, "more than {MAX_HEADERS} header fields"),
        }
    }
}

impl std::error::Error for RawRequestError {}

/// Parses one raw request. Lines may end in CRLF or a bare LF.
///
/// ```
/// let raw = b"POST /p?q=1 HTTP/1.1\nX-Date: Thu, 01 Jan 1970 00:00:00 GMT\n\n{}";
/// let request = ingo_signer::raw_request::parse_raw_request(raw).unwrap();
/// assert_eq!(request.target, "/p?q=1");
/// assert_eq!(request.body, b"{}");
///
/// // A folded header is kept as sent, for the core to refuse if it is signed (SPEC §5.5).
/// let raw = b"POST /p HTTP/1.1\r\nIdempotency-Key: 3f2a\r\n 9d8e\r\n\r\n";
/// let request = ingo_signer::raw_request::parse_raw_request(raw).unwrap();
/// assert_eq!(request.headers[0].1, b"3f2a\r\n 9d8e");
/// ```
///
/// # Errors
/// [`RawRequestError`].
pub fn parse_raw_request(bytes: &[u8]) -> Result<RawRequest, RawRequestError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    let parsed = match request.parse(bytes) {
        Ok(httparse::Status::Complete(head_len)) => {
            match (request.method, request.path, request.version) {
                (Some(method), Some(target), Some(minor)) => RawRequest {
                    method: method.to_owned(),
                    target: target.to_owned(),
                    version: version(minor),
                    headers: request
                        .headers
                        .iter()
                        .map(|h| (h.name.to_owned(), h.value.to_vec()))
                        .collect(),
                    body: bytes.get(head_len..).unwrap_or_default().to_vec(),
                },
                _ => return Err(RawRequestError::Incomplete),
            }
        }
        Ok(httparse::Status::Partial) => return Err(RawRequestError::Incomplete),
        Err(httparse::Error::TooManyHeaders) => return Err(RawRequestError::TooManyHeaders),
        // Refused by httparse, but perhaps a request the core should judge.
        Err(_) => read_shaped(bytes)?,
    };
    Ok(parsed)
}

/// HTTP/1.0 for minor version 0, HTTP/1.1 otherwise (`httparse` reads only those two).
fn version(minor: u8) -> HttpVersion {
    if minor == 0 {
        HttpVersion::Http10
    } else {
        HttpVersion::Http11
    }
}

/// Reads a head `httparse` refused, when it is shaped like an HTTP/1.x request (see the module
/// documentation): values, method and target as sent, for the core to judge.
fn read_shaped(bytes: &[u8]) -> Result<RawRequest, RawRequestError> {
    let malformed = |why: &str| RawRequestError::Malformed(why.to_owned());
    // Each line as (start, end without its line break, start of the next line).
    let mut lines = Vec::new();
    let mut at = 0;
    let body_start = loop {
        let Some(lf) = bytes
            .get(at..)
            .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
        else {
            return Err(RawRequestError::Incomplete);
        };
        let next = at + lf + 1;
        let end = if lf > 0 && bytes[at + lf - 1] == b'\r' {
            at + lf - 1
        } else {
            at + lf
        };
        if end == at {
            break next;
        }
        lines.push((at, end, next));
        at = next;
    };
    let Some((&(start, end, _), fields)) = lines.split_first() else {
        return Err(malformed("the head is empty"));
    };
    let request_line: Vec<&[u8]> = bytes[start..end].split(|&b| b == b' ').collect();
    let [method, target, version_text] = request_line[..] else {
        return Err(malformed(
            "the request line is not METHOD SP TARGET SP HTTP-VERSION",
        ));
    };
    let version = match version_text {
        b"HTTP/1.0" => version(0),
        b"HTTP/1.1" => version(1),
        _ => return Err(malformed("the version is not HTTP/1.0 or HTTP/1.1")),
    };
    // (name, start of the value, end of the value) per header; a continuation line moves the
    // end of the header above it.
    let mut headers: Vec<(&[u8], usize, usize)> = Vec::new();
    for &(start, end, _) in fields {
        let line = &bytes[start..end];
        if line.starts_with(b" ") || line.starts_with(b"\t") {
            let Some(last) = headers.last_mut() else {
                return Err(malformed("a continuation line comes before any header"));
            };
            last.2 = end;
            continue;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            return Err(malformed("a header line has no colon"));
        };
        let name = &line[..colon];
        if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
            return Err(malformed("a header name is not a token"));
        }
        let value_start = start + colon + 1;
        let leading = bytes[value_start..end]
            .iter()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .count();
        headers.push((name, value_start + leading, end));
    }
    if headers.len() > MAX_HEADERS {
        return Err(RawRequestError::TooManyHeaders);
    }
    let text = |field: &[u8]| String::from_utf8_lossy(field).into_owned();
    Ok(RawRequest {
        method: text(method),
        target: text(target),
        version,
        headers: headers
            .into_iter()
            .map(|(name, start, end)| (text(name), trim_end_ows(&bytes[start..end]).to_vec()))
            .collect(),
        body: bytes[body_start..].to_vec(),
    })
}

/// `value` without the spaces and tabs that end it, as `httparse` gives values.
fn trim_end_ows(value: &[u8]) -> &[u8] {
    let end = value
        .iter()
        .rposition(|&b| b != b' ' && b != b'\t')
        .map_or(0, |i| i + 1);
    &value[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_and_lf_and_errors() {
        let crlf = parse_raw_request(b"GET / HTTP/1.0\r\nA: 1\r\nA: 2\r\n\r\nbody\n").unwrap();
        assert_eq!(crlf.version, HttpVersion::Http10);
        assert_eq!(crlf.headers.len(), 2);
        assert_eq!(crlf.body, b"body\n");
        assert_eq!(
            parse_raw_request(b"GET / HTTP/1.1\r\nA: 1\r\n"),
            Err(RawRequestError::Incomplete)
        );
        assert!(matches!(
            parse_raw_request(b"GET / HTTP/1.1\r\nA 1\r\n\r\n"),
            Err(RawRequestError::Malformed(_))
        ));
        // Framing and fragments are the verifier's to judge: passed on as read.
        let chunked =
            parse_raw_request(b"POST /p#x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
                .unwrap();
        assert_eq!(chunked.target, "/p#x");
        assert_eq!(
            chunked.headers,
            [("Transfer-Encoding".to_owned(), b"chunked".to_vec())]
        );
        assert_eq!(chunked.body, b"0\r\n\r\n");
        let many: Vec<u8> = [
            &b"GET / HTTP/1.1\r\n"[..],
            &b"A: 1\r\n".repeat(MAX_HEADERS + 1),
            b"\r\n",
        ]
        .concat();
        assert_eq!(
            parse_raw_request(&many),
            Err(RawRequestError::TooManyHeaders)
        );
    }

    /// What `httparse` refuses but is shaped like a request reaches the caller byte for byte.
    #[test]
    fn shaped_requests_httparse_refuses_are_kept_as_sent() {
        let read = |raw: &[u8]| parse_raw_request(raw).unwrap();
        let folded = read(b"POST /p HTTP/1.1\r\nA: 1\r\n b\r\n\t c \r\nB: 2\r\n\r\n{}");
        assert_eq!(
            folded.headers[0],
            ("A".to_owned(), b"1\r\n b\r\n\t c".to_vec())
        );
        assert_eq!(folded.headers[1], ("B".to_owned(), b"2".to_vec()));
        assert_eq!(folded.body, b"{}");
        let lf_folded = read(b"POST /p HTTP/1.1\nA: 1\n b\n\n");
        assert_eq!(lf_folded.headers[0].1, b"1\n b");
        for value in [&b"a\x00b"[..], b"a\x7fb", b"a\rb", b"a\x01b"] {
            let raw = [&b"POST /p HTTP/1.1\r\nX-Id: "[..], value, b"\r\n\r\n"].concat();
            assert!(
                httparse::Request::new(&mut [httparse::EMPTY_HEADER; 4])
                    .parse(&raw)
                    .is_err()
            );
            assert_eq!(
                read(&raw).headers,
                [("X-Id".to_owned(), value.to_vec())],
                "{value:?}"
            );
        }
        let empty_method = read(b" /p HTTP/1.1\r\n\r\n");
        assert_eq!(
            (empty_method.method.as_str(), empty_method.target.as_str()),
            ("", "/p")
        );
        let control = read(b"PO\x01ST /p\x7f HTTP/1.0\r\n\r\n");
        assert_eq!(
            (control.method.as_str(), control.target.as_str()),
            ("PO\x01ST", "/p\x7f")
        );
        assert_eq!(control.version, HttpVersion::Http10);
        assert_eq!(read(b"POST /\xff HTTP/1.1\r\n\r\n").target, "/\u{fffd}");
    }

    /// What is not shaped like one HTTP/1.x request stays an error, with the reason.
    #[test]
    fn unshaped_heads_are_refused() {
        for (raw, why) in [
            (
                &b"PO ST /p HTTP/1.1\r\n\r\n"[..],
                "not METHOD SP TARGET SP HTTP-VERSION",
            ),
            (
                b"POST /p?q=a b HTTP/1.1\r\n\r\n",
                "not METHOD SP TARGET SP HTTP-VERSION",
            ),
            (
                b"POST /p HTTP/2.0\r\nA: \x00\r\n\r\n",
                "not HTTP/1.0 or HTTP/1.1",
            ),
            (
                b"POST /p HTTP/1.1\r\nA: 1\x00\r\n9d8e\r\n\r\n",
                "has no colon",
            ),
            (b"POST /p HTTP/1.1\r\n b\r\n\r\n", "before any header"),
            (b"POST /p HTTP/1.1\r\nA b: \x00\r\n\r\n", "not a token"),
        ] {
            match parse_raw_request(raw) {
                Err(RawRequestError::Malformed(reason)) => {
                    assert!(reason.contains(why), "{reason}")
                }
                other => panic!("{raw:?}: {other:?}"),
            }
        }
        assert_eq!(
            parse_raw_request(b"POST /p HTTP/1.1\r\nA: \x00\r\n"),
            Err(RawRequestError::Incomplete)
        );
        // Transfer-Encoding is passed on from the shaped reader too, for the core to refuse.
        let folded_chunked = b"POST / HTTP/1.1\r\nX: 1\r\n 2\r\nTransfer-Encoding: chunked\r\n\r\n";
        let read = parse_raw_request(folded_chunked).unwrap();
        assert_eq!(
            read.headers[1],
            ("Transfer-Encoding".to_owned(), b"chunked".to_vec())
        );
    }

    /// On heads `httparse` reads, the shaped reader reads the same request.
    #[test]
    fn the_shaped_reader_agrees_with_httparse() {
        for raw in [
            &b"POST /api/v1/x?q=1 HTTP/1.1\r\nX-Date: Fri, 17 Jan 2020 19:59:29 GMT\r\nA:\t v \r\n\r\n{\"a\":1}"[..],
            b"GET / HTTP/1.0\nA: 1\nA: 2\nEmpty:\n\nbody\n",
            b"PUT /%20 HTTP/1.1\r\nX-Obs: caf\xc3\xa9\r\n\r\n",
        ] {
            let shaped = read_shaped(raw).unwrap();
            assert_eq!(parse_raw_request(raw).unwrap(), shaped);
        }
    }
}
