//! The signer: from a request's method, target, content type and body, the header values that
//! sign it.
//!
//! It produces `X-Date`, `Content-Type`, `Content-Length`, the body digest (`Content-sha512`,
//! or `Content-sha256` for legacy) and, last, `Authorization`, in fixed-capacity buffers. The
//! signing string is streamed straight into a clone of the key's pre-keyed HMAC state. Defaults
//! follow the seed: hmac-sha512, HTTP/1.1 (SPEC §3 decision: the version is signed, so a client
//! that sends HTTP/2 must say so), the header order
//! `request-line x-date content-type content-length content-sha512`.
//!
//! The signer refuses what a verifier would refuse (a non-JSON content type, a target with a
//! space, a header value with a line break), so mistakes surface before a round trip.

use core::fmt::{self, Write as _};

use crate::algorithm::{Algorithm, DigestAlgorithm};
use crate::authorization::{Authorization, MAX_AUTHORIZATION_LEN, MAX_USERNAME_LEN};
use crate::content_headers::{JSON_MEDIA_TYPE, format_content_length, is_json_content_type};
use crate::date::{DateError, HttpDate, format_imf_fixdate};
use crate::digest::BodyDigest;
use crate::header_list::{HeaderList, HeaderListError, MAX_SIGNED_HEADERS, is_tchar};
use crate::key::{MacInput, SigningKey};
use crate::signing_string::{
    HeaderName, Headers, HttpVersion, KnownHeader, LineWriter, RequestHead, SigningLines,
    SigningStringError, check_request_line, single_line_value, trim_ows,
};

/// A MAC over a signing string: 64 bytes for hmac-sha512, 32 for hmac-sha256. It is public (it
/// travels in the Authorization header), so `Debug` shows it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Signature {
    algorithm: Algorithm,
    bytes: [u8; 64],
}

impl Signature {
    /// The algorithm that produced it.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The raw MAC.
    pub fn as_bytes(&self) -> &[u8] {
        crate::buffer::used(&self.bytes, self.algorithm.mac_len())
    }

    /// The MAC of `lines` with `key`.
    pub(crate) fn compute(
        key: &SigningKey,
        algorithm: Algorithm,
        lines: &(impl MacInput + ?Sized),
    ) -> Self {
        Signature {
            algorithm,
            bytes: key.mac(algorithm, lines),
        }
    }

    /// The MAC of `lines` under the stand-in key a verifier uses for an unknown username.
    pub(crate) fn stand_in(algorithm: Algorithm, lines: &(impl MacInput + ?Sized)) -> Self {
        Signature {
            algorithm,
            bytes: crate::key::stand_in_mac(algorithm, lines),
        }
    }

    /// The base64 form sent in the `signature` parameter.
    pub fn to_base64(&self) -> heapless::String<88> {
        crate::base64::encode(self.as_bytes())
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({}: {})", self.algorithm, self.to_base64())
    }
}

/// Computes the MAC of the signing string for `names` over `head`: the one primitive both the
/// [`Signer`] and the verifier use. The string is streamed into a clone of the key's keyed state.
///
/// Use it directly to sign an arbitrary header list (extra headers in any position).
///
/// ```
/// use ingo_signer_core::{Algorithm, HttpVersion, RequestHead, SigningKey};
/// use ingo_signer_core::header_list::HeaderList;
/// use ingo_signer_core::signer::sign_head;
/// // Kong's published hmac-auth example.
/// let key = SigningKey::new("alice123", b"secret").unwrap();
/// let headers = [("Date", "Thu, 22 Jun 2017 17:15:21 GMT")];
/// let head = RequestHead { method: "GET", target: "/requests", version: HttpVersion::Http11, headers: &headers };
/// let list = HeaderList::parse("date request-line").unwrap();
/// let signature = sign_head(&key, Algorithm::HmacSha256, list, &head).unwrap();
/// assert_eq!(signature.to_base64().as_str(), "ujWCGHeec9Xd6UD2zlyxiNMCiXnDOWeVFMu5VeRUxtw=");
/// ```
///
/// # Errors
/// [`SigningStringError`] when the head cannot produce the string.
pub fn sign_head<H: Headers + ?Sized>(
    key: &SigningKey,
    algorithm: Algorithm,
    names: HeaderList<'_>,
    head: &RequestHead<'_, H>,
) -> Result<Signature, SigningStringError> {
    let lines = SigningLines::resolve(names, head)?;
    Ok(Signature::compute(key, algorithm, &lines))
}

/// The most extra headers a request may sign beyond the protocol's own.
pub const MAX_EXTRA_HEADERS: usize = 10;

/// The longest header list a signer writes: the protocol's five names and the extra ones.
const MAX_LIST_LEN: usize = 1024;

/// The longest Authorization header a signer writes: `hmac username="`, the longest username,
/// `", algorithm="hmac-sha512", headers="`, the longest list, `", signature="`, 88 characters
/// of signature and the closing quote. Its buffer is sized to this rather than to what a
/// verifier accepts: the signed headers are returned by value, so every byte of capacity is
/// copied on every signature.
const MAX_SIGNED_AUTHORIZATION_LEN: usize = 15 + MAX_USERNAME_LEN + 37 + MAX_LIST_LEN + 14 + 88 + 1;

const _: () = assert!(MAX_SIGNED_AUTHORIZATION_LEN <= MAX_AUTHORIZATION_LEN);

/// The lines every signed request has before its extra headers: the request line, `x-date`,
/// `content-type`, `content-length` and the digest.
const DEFAULT_LINES: usize = 5;

const _: () = assert!(DEFAULT_LINES + MAX_EXTRA_HEADERS <= MAX_SIGNED_HEADERS);

/// Where the body digest goes in the signed header list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum HeaderOrder {
    /// `request-line x-date content-type content-length content-sha512`: the seed's order.
    #[default]
    DigestLast,
    /// `request-line x-date content-type content-sha512 content-length`: the order Ingo's guide
    /// also shows.
    LengthLast,
}

/// The body to sign: its bytes, or a digest computed while streaming it elsewhere.
#[derive(Clone, Copy, Debug)]
pub enum Body<'a> {
    /// The exact bytes that will be sent.
    Bytes(&'a [u8]),
    /// A body already digested (with [`crate::digest::BodyHasher`]) and its length in bytes.
    Digested {
        /// The number of bytes that will be sent.
        len: u64,
        /// The digest of those bytes, with the algorithm the signer uses.
        digest: BodyDigest,
    },
}

/// What to sign.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    /// The method (`POST`).
    pub method: &'a str,
    /// Path and query exactly as they will be sent.
    pub target: &'a str,
    /// The `Content-Type` to send; `application/json` (parameters allowed).
    pub content_type: &'a str,
    /// The body.
    pub body: Body<'a>,
    /// Further headers to sign, appended to the list in this order (`host`, `idempotency-key`);
    /// the caller sends them with these exact values.
    pub extra_headers: &'a [(&'a str, &'a str)],
}

impl<'a> Request<'a> {
    /// A JSON request with the given body and no extra signed headers.
    pub fn new(method: &'a str, target: &'a str, body: &'a [u8]) -> Self {
        Request {
            method,
            target,
            content_type: JSON_MEDIA_TYPE,
            body: Body::Bytes(body),
            extra_headers: &[],
        }
    }
}

/// Why a request cannot be signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignError {
    /// The method, target or an extra header cannot be signed as given.
    SigningString(SigningStringError),
    /// The extra headers make an invalid list (an invalid or duplicate name, too many).
    HeaderList(HeaderListError),
    /// More than [`MAX_EXTRA_HEADERS`] extra headers, or their names are too long to list.
    TooManyExtraHeaders,
    /// `now` cannot be written as an IMF-fixdate (after the year 9999).
    Date(DateError),
    /// The content type is not `application/json`, which every verifier requires.
    ContentType,
    /// A pre-computed digest uses another algorithm than the signer.
    DigestAlgorithm,
    /// The Authorization header would exceed 2048 bytes.
    AuthorizationTooLong,
    /// An extra header that no verifier can accept signed: `authorization` (a signature cannot
    /// cover its own header), or `content-sha256` under hmac-sha512 (SPEC §5.3).
    UnsignableHeader(HeaderName),
}

impl SignError {
    /// Stable identifier of this error (`sign.*`, or the inner concern's).
    pub const fn kind(self) -> &'static str {
        match self {
            SignError::SigningString(e) => e.kind(),
            SignError::HeaderList(e) => e.kind(),
            SignError::TooManyExtraHeaders => "sign.too_many_extra_headers",
            SignError::Date(e) => e.kind(),
            SignError::ContentType => "sign.content_type",
            SignError::DigestAlgorithm => "sign.digest_algorithm",
            SignError::AuthorizationTooLong => "sign.authorization_too_long",
            SignError::UnsignableHeader(_) => "sign.unsignable_header",
        }
    }
}

impl fmt::Display for SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignError::SigningString(e) => fmt::Display::fmt(e, f),
            SignError::HeaderList(e) => write!(f, "extra signed headers: {e}"),
            SignError::TooManyExtraHeaders => {
                write!(f, "at most {MAX_EXTRA_HEADERS} extra headers can be signed")
            }
            SignError::Date(e) => fmt::Display::fmt(e, f),
            SignError::ContentType => {
                f.write_str("content type must be application/json (parameters such as charset allowed)")
            }
            SignError::DigestAlgorithm => f.write_str(
                "the pre-computed body digest uses another algorithm than the signer (sha512 for hmac-sha512, sha256 for legacy)",
            ),
            SignError::AuthorizationTooLong => write!(
                f,
                "the Authorization header would exceed {MAX_AUTHORIZATION_LEN} bytes; sign fewer or shorter header names"
            ),
            SignError::UnsignableHeader(name) => write!(
                f,
                "header `{name}` cannot be signed: a signature cannot cover the Authorization header, and content-sha256 goes only with hmac-sha256"
            ),
        }
    }
}

/// Signs requests with one key.
///
/// ```
/// use ingo_signer_core::key::SigningKey;
/// use ingo_signer_core::signer::{Request, Signer};
/// let key = SigningKey::new("demo", b"demo-secret-not-for-production").unwrap();
/// let signed = Signer::new(&key).sign(&Request::new("POST", "/gateway/process--card", b"{}"), 1_579_291_169).unwrap();
/// assert_eq!(signed.x_date().as_str(), "Fri, 17 Jan 2020 19:59:29 GMT");
/// assert_eq!(signed.content_length(), "2");
/// assert!(signed.authorization().starts_with("hmac username=\"demo\", algorithm=\"hmac-sha512\""));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Signer<'k> {
    key: &'k SigningKey,
    algorithm: Algorithm,
    version: HttpVersion,
    order: HeaderOrder,
}

impl<'k> Signer<'k> {
    /// A signer with the defaults: hmac-sha512, HTTP/1.1, the seed's header order.
    pub fn new(key: &'k SigningKey) -> Self {
        Signer {
            key,
            algorithm: Algorithm::HmacSha512,
            version: HttpVersion::Http11,
            order: HeaderOrder::DigestLast,
        }
    }

    /// Signs with legacy hmac-sha256 and `Content-sha256`. Only for integrations Ingo has not
    /// moved to hmac-sha512 yet.
    pub fn legacy_sha256(mut self) -> Self {
        self.algorithm = Algorithm::HmacSha256;
        self
    }

    /// The HTTP version the request will travel with (it is part of the signature).
    pub fn http_version(mut self, version: HttpVersion) -> Self {
        self.version = version;
        self
    }

    /// Where the digest goes in the header list.
    pub fn header_order(mut self, order: HeaderOrder) -> Self {
        self.order = order;
        self
    }

    /// The algorithm this signer uses.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Signs `request` as of `now` (Unix seconds).
    ///
    /// # Errors
    /// [`SignError`] naming what a verifier would refuse.
    pub fn sign<'r>(
        &self,
        request: &Request<'r>,
        now: u64,
    ) -> Result<SignedHeaders<'r>, SignError> {
        if !is_json_content_type(request.content_type.as_bytes()) {
            return Err(SignError::ContentType);
        }
        let digest_algorithm = self.algorithm.default_digest();
        let (body_len, digest) = match request.body {
            Body::Bytes(bytes) => {
                let len =
                    u64::try_from(bytes.len()).map_err(|_| SignError::AuthorizationTooLong)?;
                (len, BodyDigest::of(digest_algorithm, bytes))
            }
            Body::Digested { len, digest } if digest.algorithm() == digest_algorithm => {
                (len, digest)
            }
            Body::Digested { .. } => return Err(SignError::DigestAlgorithm),
        };
        let values = OwnValues {
            x_date: format_imf_fixdate(now).map_err(SignError::Date)?,
            content_length: format_content_length(body_len),
            digest_algorithm,
            digest: digest.to_base64(),
        };
        // A request with extra headers needs its list written out (1 KiB of buffer); the usual
        // one signs a constant list, and does not carry that buffer on its stack.
        if request.extra_headers.is_empty() {
            let list = self.default_list(digest_algorithm);
            let signature = self.signature(request, &values, list)?;
            self.signed_headers(values, request.content_type, list, &signature)
        } else {
            self.sign_with_extras(request, values)
        }
    }

    /// [`sign`](Self::sign) for a request with extra headers: writes their list first.
    #[inline(never)]
    fn sign_with_extras<'r>(
        &self,
        request: &Request<'r>,
        values: OwnValues,
    ) -> Result<SignedHeaders<'r>, SignError> {
        let mut list_text = heapless::String::<MAX_LIST_LEN>::new();
        self.write_header_list(
            values.digest_algorithm,
            request.extra_headers,
            &mut list_text,
        )?;
        let list = HeaderList::parse(&list_text).map_err(SignError::HeaderList)?;
        let signature = self.signature(request, &values, list)?;
        self.signed_headers(values, request.content_type, list, &signature)
    }

    /// The MAC of `request` with the header list `list` (whose first lines are the protocol's
    /// own) and the signer's own `values`.
    ///
    /// Never inlined, like [`signed_headers`](Self::signed_headers): the hash states live in
    /// this call and the headers in that one, never both on the stack at once.
    #[inline(never)]
    fn signature(
        &self,
        request: &Request<'_>,
        values: &OwnValues,
        list: HeaderList<'_>,
    ) -> Result<Signature, SignError> {
        // The signer holds every value and knows their order, so it writes the lines itself
        // rather than looking headers up by name. Its own values (date, length, digest) are
        // single-line by construction; the caller's (method, target, content type, extra
        // headers) are checked here, before anything is signed.
        check_request_line(request.method, request.target).map_err(SignError::SigningString)?;
        // The usual content type is the constant itself, single-line at sight: no scan.
        let content_type = if request.content_type == JSON_MEDIA_TYPE {
            JSON_MEDIA_TYPE.as_bytes()
        } else {
            single_line_value("content-type", request.content_type.as_bytes())
                .map_err(SignError::SigningString)?
        };
        // The extra headers' names as listed (lower-case). (The extras come first in the zip,
        // so a request without any does not split the list.)
        for ((_, value), name) in request
            .extra_headers
            .iter()
            .zip(list.iter().skip(DEFAULT_LINES))
        {
            single_line_value(name, value.as_bytes()).map_err(SignError::SigningString)?;
        }
        let lines = SignerLines {
            request,
            version: self.version,
            x_date: values.x_date.as_bytes(),
            content_type,
            length_and_digest: self.length_and_digest(
                (KnownHeader::ContentLength, values.content_length.as_bytes()),
                (
                    KnownHeader::digest(values.digest_algorithm),
                    values.digest.as_bytes(),
                ),
            ),
            list,
        };
        Ok(Signature::compute(self.key, self.algorithm, &lines))
    }

    /// The signed headers: the signer's values and the Authorization of `signature` over `list`.
    ///
    /// Called last, as the expression [`sign`](Self::sign) returns, so its 1.6 KiB result is
    /// written straight into `sign`'s caller, and its frame (the headers being built) is on the
    /// stack only once the hash states are gone. Built inside `sign` instead, the headers were a
    /// second copy of the result and the Authorization's text a third, all on the stack while
    /// the MAC was computed: without LTO a Cortex-M4 signature peaked at 8.5 KiB of stack, 6.3
    /// KiB now (`firmware/`).
    #[inline(never)]
    fn signed_headers<'r>(
        &self,
        values: OwnValues,
        content_type: &'r str,
        list: HeaderList<'_>,
        signature: &Signature,
    ) -> Result<SignedHeaders<'r>, SignError> {
        let authorization =
            Authorization::signed(self.key.username(), self.algorithm, list, signature.bytes);
        // Checked, not assumed, so the text cannot run out of room.
        if authorization.canonical_len() > MAX_SIGNED_AUTHORIZATION_LEN {
            return Err(SignError::AuthorizationTooLong);
        }
        let mut signed = SignedHeaders {
            x_date: values.x_date,
            content_type,
            content_length: values.content_length,
            digest_algorithm: values.digest_algorithm,
            digest: values.digest,
            authorization: heapless::String::new(),
        };
        let _ = authorization.write_fmt_to(&mut signed.authorization);
        Ok(signed)
    }

    /// `length` and `digest` in the order [`HeaderOrder`] puts them: the one place that order is
    /// decided, for the list and for the lines signed alike.
    fn length_and_digest<T>(&self, length: T, digest: T) -> [T; 2] {
        match self.order {
            HeaderOrder::DigestLast => [length, digest],
            HeaderOrder::LengthLast => [digest, length],
        }
    }

    /// The list without extra headers: one of four constants (each checked by a test to parse).
    fn default_list(&self, digest: DigestAlgorithm) -> HeaderList<'static> {
        match (self.order, digest) {
            (HeaderOrder::DigestLast, DigestAlgorithm::Sha512) => HeaderList::DEFAULT,
            (HeaderOrder::DigestLast, DigestAlgorithm::Sha256) => HeaderList::SHA256_DIGEST_LAST,
            (HeaderOrder::LengthLast, DigestAlgorithm::Sha512) => HeaderList::SHA512_LENGTH_LAST,
            (HeaderOrder::LengthLast, DigestAlgorithm::Sha256) => HeaderList::SHA256_LENGTH_LAST,
        }
    }

    fn write_header_list(
        &self,
        digest: DigestAlgorithm,
        extra: &[(&str, &str)],
        out: &mut heapless::String<MAX_LIST_LEN>,
    ) -> Result<(), SignError> {
        if extra.len() > MAX_EXTRA_HEADERS {
            return Err(SignError::TooManyExtraHeaders);
        }
        let [third, fourth] = self.length_and_digest("content-length", digest.header_name());
        write!(out, "request-line x-date content-type {third} {fourth}")
            .map_err(|_| SignError::TooManyExtraHeaders)?;
        let other_digest = match digest {
            DigestAlgorithm::Sha512 => Some(DigestAlgorithm::Sha256.header_name()),
            // Under legacy hmac-sha256 a verifier accepts (and checks) content-sha512 as well.
            DigestAlgorithm::Sha256 => None,
        };
        for (name, _) in extra {
            let unsignable = name.eq_ignore_ascii_case("authorization")
                || other_digest.is_some_and(|other| name.eq_ignore_ascii_case(other));
            if unsignable {
                return Err(SignError::UnsignableHeader(HeaderName::new(name)));
            }
            // Each extra header must be one name of the list: a space (or any other byte that is
            // not a token character) would split it into several names, and the lines signed
            // (one per extra header) would no longer be the lines listed.
            if name.bytes().any(|b| !is_tchar(b)) {
                return Err(SignError::HeaderList(HeaderListError::InvalidName));
            }
            out.push(' ').map_err(|_| SignError::TooManyExtraHeaders)?;
            for c in name.chars() {
                out.push(c.to_ascii_lowercase())
                    .map_err(|_| SignError::TooManyExtraHeaders)?;
            }
        }
        Ok(())
    }
}

/// The header values a signer makes itself: `X-Date`, `Content-Length` and the digest.
struct OwnValues {
    x_date: HttpDate,
    content_length: heapless::String<20>,
    digest_algorithm: DigestAlgorithm,
    digest: heapless::String<88>,
}

/// The lines a [`Signer`] signs, written straight from the values it holds, in the order its
/// list names them: the request line, `x-date`, `content-type`, length and digest in the
/// signer's order, then each extra header under its listed (lower-case) name.
///
/// Nothing is stored or looked up: the MAC is fed as the lines are walked. Every caller value
/// was checked by [`Signer::sign`] before this is made.
struct SignerLines<'a> {
    request: &'a Request<'a>,
    version: HttpVersion,
    x_date: &'a [u8],
    content_type: &'a [u8],
    /// `(name, value)` of `content-length` and the digest header, in the signer's order.
    length_and_digest: [(KnownHeader, &'a [u8]); 2],
    /// The list signed: the extra headers' names are read from it.
    list: HeaderList<'a>,
}

impl MacInput for SignerLines<'_> {
    fn feed<M: hmac::Mac>(&self, mac: &mut M) {
        let mut lines = LineWriter::new(|piece: &[u8]| mac.update(piece));
        lines.request_line(self.request.method, self.request.target, self.version);
        lines.known_header(KnownHeader::XDate, self.x_date);
        lines.known_header(KnownHeader::ContentType, self.content_type);
        for (header, value) in self.length_and_digest {
            lines.known_header(header, value);
        }
        for ((_, value), name) in self
            .request
            .extra_headers
            .iter()
            .zip(self.list.iter().skip(DEFAULT_LINES))
        {
            // Checked single-line by `sign`; trimmed again here rather than kept.
            lines.header(name, trim_ows(value.as_bytes()));
        }
    }
}

/// The header values of a signed request, in the order they are sent.
#[derive(Clone, Debug)]
pub struct SignedHeaders<'r> {
    x_date: HttpDate,
    content_type: &'r str,
    content_length: heapless::String<20>,
    digest_algorithm: DigestAlgorithm,
    digest: heapless::String<88>,
    authorization: heapless::String<MAX_SIGNED_AUTHORIZATION_LEN>,
}

impl<'r> SignedHeaders<'r> {
    /// `X-Date`.
    pub fn x_date(&self) -> &HttpDate {
        &self.x_date
    }

    /// `Content-Type`.
    pub fn content_type(&self) -> &'r str {
        self.content_type
    }

    /// `Content-Length`.
    pub fn content_length(&self) -> &str {
        &self.content_length
    }

    /// Which digest header is sent (`Content-sha512` or `Content-sha256`).
    pub fn digest_algorithm(&self) -> DigestAlgorithm {
        self.digest_algorithm
    }

    /// The digest header's value (base64).
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// `Authorization`.
    pub fn authorization(&self) -> &str {
        &self.authorization
    }

    /// `(name, value)` pairs to add to the request, in order: X-Date, Content-Type,
    /// Content-Length, the digest header, Authorization.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            ("X-Date", self.x_date.as_str()),
            ("Content-Type", self.content_type),
            ("Content-Length", self.content_length.as_str()),
            (self.digest_algorithm.wire_name(), self.digest.as_str()),
            ("Authorization", self.authorization.as_str()),
        ]
        .into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The longest username with the longest list a signer writes fits the header buffer
    /// exactly; a list one byte longer is refused, not cut.
    #[test]
    fn the_longest_authorization_fits_its_buffer() {
        extern crate std;
        use std::{format, string::String, vec::Vec};
        let username = "u".repeat(MAX_USERNAME_LEN);
        let key = SigningKey::new(&username, b"s").unwrap();
        // 62 bytes of protocol names, then ten extras with a space each: 952 bytes of names.
        let mut names: Vec<String> = (0..9).map(|i| format!("{i}{}", "n".repeat(94))).collect();
        names.push(format!("9{}", "n".repeat(96)));
        let extra: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "v")).collect();
        let request = Request {
            extra_headers: &extra,
            ..Request::new("POST", "/", b"{}")
        };
        let signed = Signer::new(&key).sign(&request, 0).unwrap();
        assert_eq!(signed.authorization().len(), MAX_SIGNED_AUTHORIZATION_LEN);
        let parsed = Authorization::parse(signed.authorization().as_bytes()).unwrap();
        assert_eq!(parsed.headers().as_str().len(), MAX_LIST_LEN);
        assert_eq!(parsed.username(), username);

        names[9].push('n');
        let extra: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "v")).collect();
        let request = Request {
            extra_headers: &extra,
            ..Request::new("POST", "/", b"{}")
        };
        assert_eq!(
            Signer::new(&key).sign(&request, 0).unwrap_err(),
            SignError::TooManyExtraHeaders
        );
    }

    #[test]
    fn an_extra_header_name_is_one_listed_name() {
        // Found by the sign_verify fuzz target: `1t* 1` listed as two names, signed as one line.
        let key = SigningKey::new("k", b"s").unwrap();
        for name in ["1t* 1", "a\tb", "a:b", "caf\u{e9}"] {
            let extra = [(name, "")];
            let request = Request {
                extra_headers: &extra,
                ..Request::new("POST", "/", b"")
            };
            assert_eq!(
                Signer::new(&key).sign(&request, 0).unwrap_err(),
                SignError::HeaderList(HeaderListError::InvalidName),
                "{name:?}"
            );
        }
    }

    #[test]
    fn the_constant_lists_are_what_write_header_list_builds() {
        let key = SigningKey::new("k", b"s").unwrap();
        for order in [HeaderOrder::DigestLast, HeaderOrder::LengthLast] {
            for digest in [DigestAlgorithm::Sha512, DigestAlgorithm::Sha256] {
                let signer = Signer::new(&key).header_order(order);
                let mut built = heapless::String::<MAX_LIST_LEN>::new();
                signer.write_header_list(digest, &[], &mut built).unwrap();
                let constant = signer.default_list(digest);
                assert_eq!(constant.as_str(), built.as_str());
                assert_eq!(HeaderList::parse(constant.as_str()), Ok(constant));
            }
        }
    }
}
