//! Reading one raw HTTP/1.x request (request line, headers, blank line, body) with `httparse`:
//! what `ingo-sign verify` and `explain` read from a file or standard input.
//!
//! The reader frames nothing itself: the body is every byte after the blank line, and a
//! `Transfer-Encoding` header is passed on with the others, for the core's verifier to refuse
//! (`verify.transfer_encoding`: the protocol frames a body by its signed `Content-Length`
//! alone). A request-target holding `#` is passed on as well (`signing_string.target_fragment`).

use std::fmt;

use ingo_signer_core::HttpVersion;

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
    /// `httparse` refused the head (its reason attached).
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
/// ```
///
/// # Errors
/// [`RawRequestError`].
pub fn parse_raw_request(bytes: &[u8]) -> Result<RawRequest, RawRequestError> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    let head_len = match request.parse(bytes) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Err(RawRequestError::Incomplete),
        Err(httparse::Error::TooManyHeaders) => return Err(RawRequestError::TooManyHeaders),
        Err(e) => return Err(RawRequestError::Malformed(e.to_string())),
    };
    let (Some(method), Some(target), Some(minor)) = (request.method, request.path, request.version)
    else {
        return Err(RawRequestError::Incomplete);
    };
    let version = if minor == 0 {
        HttpVersion::Http10
    } else {
        HttpVersion::Http11
    };
    let headers: Vec<(String, Vec<u8>)> = request
        .headers
        .iter()
        .map(|h| (h.name.to_owned(), h.value.to_vec()))
        .collect();
    Ok(RawRequest {
        method: method.to_owned(),
        target: target.to_owned(),
        version,
        headers,
        body: bytes.get(head_len..).unwrap_or_default().to_vec(),
    })
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
        assert!(matches!(
            parse_raw_request(b"GET / HTTP/1.1\r\nA: 1\r\n b\r\n\r\n"),
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
}
