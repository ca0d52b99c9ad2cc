//! The signing string (SPEC §3), built from a borrowed request head.
//!
//! One line per name of the `headers` list, in that order, joined by a single LF with no
//! trailing LF:
//! - `request-line` is `METHOD SP request-target SP "HTTP/" version`, the target exactly as on
//!   the wire (no decoding, re-encoding or normalisation);
//! - any other name is `name ": " value`, the lower-case name as listed and the header's value
//!   with leading and trailing spaces and tabs removed.
//!
//! The string is streamed into a sink piece by piece ([`write_signing_string`]), so the MAC is
//! computed without an intermediate buffer; [`signing_string_into`] writes the same bytes into a
//! caller's buffer so a person can see what was signed.
//!
//! A listed header that is absent or repeated is an error, never an empty or first-wins line
//! (SPEC §5.5; Kong emits `name:` for a missing header and signs only the first of repeated
//! ones). A value holding CR, LF or NUL is refused: such a value would let two different
//! requests produce one signing string.

use core::fmt;

use hmac::Mac;

use crate::algorithm::DigestAlgorithm;
use crate::buffer::{BufferTooSmall, SliceWriter};
use crate::content_headers::JSON_MEDIA_TYPE;
use crate::header_list::{HeaderList, MAX_SIGNED_HEADERS, REQUEST_LINE, is_tchar};
use crate::key::MacInput;
use crate::scan::any_byte;
// Defined with the byte scans, below both this module and the content-header rules, which use it
// too; public here, where callers have always found it.
pub use crate::scan::trim_ows;

/// The HTTP version a request travels with; it is part of the request line, so of the signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum HttpVersion {
    /// HTTP/1.0.
    Http10,
    /// HTTP/1.1, the default for signers (SPEC §3 decision).
    #[default]
    Http11,
    /// HTTP/2, written `2.0` as Kong writes it.
    Http2,
}

impl HttpVersion {
    /// The version as written after `HTTP/` in the request line.
    pub const fn as_str(self) -> &'static str {
        match self {
            HttpVersion::Http10 => "1.0",
            HttpVersion::Http11 => "1.1",
            HttpVersion::Http2 => "2.0",
        }
    }

    /// `" HTTP/" version`: how the request line ends.
    pub const fn request_line_suffix(self) -> &'static str {
        match self {
            HttpVersion::Http10 => " HTTP/1.0",
            HttpVersion::Http11 => " HTTP/1.1",
            HttpVersion::Http2 => " HTTP/2.0",
        }
    }

    /// Parses `1.0`, `1.1` or `2.0` (also `2`, as HTTP/2 names itself).
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "1.0" => Some(HttpVersion::Http10),
            "1.1" => Some(HttpVersion::Http11),
            "2.0" | "2" => Some(HttpVersion::Http2),
            _ => None,
        }
    }
}

/// The result of looking a header up by name in a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderLookup<'a> {
    /// No header of that name.
    Absent,
    /// Exactly one header of that name, with its raw value.
    Once(&'a [u8]),
    /// More than one header of that name.
    Repeated,
}

/// A request's header fields, looked up by name.
///
/// Implemented for slices of `(name, value)` pairs; a std layer implements it for its own header
/// maps. Implementations must match names ASCII case-insensitively and must report
/// [`HeaderLookup::Repeated`] rather than pick one of several values.
pub trait Headers {
    /// Looks up `name` (given in lower case).
    fn lookup(&self, name: &str) -> HeaderLookup<'_>;
}

impl<N: AsRef<str>, V: AsRef<[u8]>> Headers for [(N, V)] {
    fn lookup(&self, name: &str) -> HeaderLookup<'_> {
        let mut found = HeaderLookup::Absent;
        for (n, v) in self {
            if is_named(n.as_ref().as_bytes(), name.as_bytes()) {
                if found != HeaderLookup::Absent {
                    return HeaderLookup::Repeated;
                }
                found = HeaderLookup::Once(v.as_ref());
            }
        }
        found
    }
}

impl<N: AsRef<str>, V: AsRef<[u8]>, const K: usize> Headers for [(N, V); K] {
    fn lookup(&self, name: &str) -> HeaderLookup<'_> {
        self.as_slice().lookup(name)
    }
}

/// Whether two header names are equal, ignoring ASCII case.
///
/// Like `eq_ignore_ascii_case`, but every byte pair is compared without a branch: a lookup
/// compares each listed name with every received one, and the early exits of a byte loop
/// mispredicted on most of those comparisons.
#[inline]
fn is_named(received: &[u8], listed: &[u8]) -> bool {
    // Names of one length often differ only near the end (`content-length`, `content-sha512`):
    // the last byte rules most of them out before the whole names are compared.
    let last = |name: &[u8]| name.last().map(u8::to_ascii_lowercase);
    received.len() == listed.len()
        && last(received) == last(listed)
        && received.iter().zip(listed).fold(0u8, |diff, (&r, &l)| {
            diff | (r.to_ascii_lowercase() ^ l.to_ascii_lowercase())
        }) == 0
}

/// A borrowed request head: the request line and the header fields.
#[derive(Debug)]
pub struct RequestHead<'a, H: ?Sized> {
    /// The method, case-sensitive (`POST`).
    pub method: &'a str,
    /// The request-target exactly as on the wire: path and query, percent-encoding untouched.
    pub target: &'a str,
    /// The HTTP version.
    pub version: HttpVersion,
    /// The header fields.
    pub headers: &'a H,
}

impl<H: ?Sized> Clone for RequestHead<'_, H> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<H: ?Sized> Copy for RequestHead<'_, H> {}

/// Why a signing string cannot be built from a request head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SigningStringError {
    /// The method is empty or not an HTTP token.
    InvalidMethod,
    /// The request-target is empty or holds a byte that is not visible ASCII (a space, a control,
    /// non-ASCII).
    InvalidTarget,
    /// The request-target holds a `#`: a fragment, which never travels in a request-target
    /// (RFC 9112 §3.2). HTTP libraries drop it before the application sees the target, so two
    /// different wire targets would share one signature; it is refused instead.
    TargetFragment,
    /// A listed header is absent from the request.
    HeaderMissing(HeaderName),
    /// A listed header occurs more than once in the request.
    HeaderRepeated(HeaderName),
    /// A listed header's value holds CR, LF or NUL (line folding or header injection).
    HeaderValueInvalid(HeaderName),
}

impl SigningStringError {
    /// Stable identifier of this error (`signing_string.*`).
    pub const fn kind(self) -> &'static str {
        match self {
            SigningStringError::InvalidMethod => "signing_string.invalid_method",
            SigningStringError::InvalidTarget => "signing_string.invalid_target",
            SigningStringError::TargetFragment => "signing_string.target_fragment",
            SigningStringError::HeaderMissing(_) => "signing_string.header_missing",
            SigningStringError::HeaderRepeated(_) => "signing_string.header_repeated",
            SigningStringError::HeaderValueInvalid(_) => "signing_string.header_value_invalid",
        }
    }
}

impl fmt::Display for SigningStringError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SigningStringError::InvalidMethod => {
                f.write_str("the request method must be an HTTP token such as POST")
            }
            SigningStringError::InvalidTarget => f.write_str(
                "the request target must be a non-empty path and query of visible ASCII; percent-encode anything else",
            ),
            SigningStringError::TargetFragment => f.write_str(
                "the request target holds a `#`: a fragment is never sent; drop it, or percent-encode the `#` as %23 if it belongs to the path or query",
            ),
            SigningStringError::HeaderMissing(name) => {
                write!(f, "header `{name}` is signed but absent from the request; send it exactly once")
            }
            SigningStringError::HeaderRepeated(name) => {
                write!(f, "header `{name}` is signed but appears more than once; send it exactly once")
            }
            SigningStringError::HeaderValueInvalid(name) => write!(
                f,
                "header `{name}` holds a CR, LF or NUL byte; header values must be single-line"
            ),
        }
    }
}

/// A header name carried in an error, copied (up to 64 bytes) so the error owns it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct HeaderName {
    bytes: [u8; 64],
    len: u8,
}

impl HeaderName {
    /// Copies `name`, truncated to 64 bytes.
    pub fn new(name: &str) -> Self {
        let mut bytes = [0u8; 64];
        let mut len = 0u8;
        for (dst, src) in bytes.iter_mut().zip(name.bytes()) {
            *dst = src;
            len = len.saturating_add(1);
        }
        HeaderName { bytes, len }
    }

    /// The name (lower-case, as listed).
    pub fn as_str(&self) -> &str {
        let bytes = self.bytes.get(..usize::from(self.len)).unwrap_or_default();
        // Truncation may split a multi-byte character only in names that are not tokens;
        // fall back to the longest valid prefix.
        match core::str::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => core::str::from_utf8(bytes.get(..e.valid_up_to()).unwrap_or_default())
                .unwrap_or_default(),
        }
    }
}

crate::buffer::fmt_as_str!(HeaderName);

/// Looks up a header that must occur exactly once with a single-line value, and trims it.
///
/// # Errors
/// [`SigningStringError`] when it is absent, repeated, or holds CR, LF or NUL.
pub fn single_header<'h, H: Headers + ?Sized>(
    headers: &'h H,
    name: &str,
) -> Result<&'h [u8], SigningStringError> {
    match headers.lookup(name) {
        HeaderLookup::Absent => Err(SigningStringError::HeaderMissing(HeaderName::new(name))),
        HeaderLookup::Repeated => Err(SigningStringError::HeaderRepeated(HeaderName::new(name))),
        HeaderLookup::Once(value) => single_line_value(name, value),
    }
}

/// `value` trimmed, if it is single-line: what a signing string carries for a header.
///
/// # Errors
/// [`SigningStringError::HeaderValueInvalid`] when it holds CR, LF or NUL.
pub(crate) fn single_line_value<'v>(
    name: &str,
    value: &'v [u8],
) -> Result<&'v [u8], SigningStringError> {
    if is_single_line(value) {
        Ok(trim_ows(value))
    } else {
        Err(SigningStringError::HeaderValueInvalid(HeaderName::new(
            name,
        )))
    }
}

/// Whether a value holds no CR, LF or NUL.
fn is_single_line(value: &[u8]) -> bool {
    !any_byte(value, |b| (b == b'\r') | (b == b'\n') | (b == 0))
}

/// The inputs of one signing string, looked up and checked once: the request line's parts and
/// each listed header's trimmed value, in list order.
///
/// Resolving first and writing after keeps the data flowing one way (list, look up, then MAC):
/// the verifier reads from the listed names where the headers it checks sit before it looks
/// anything up, computes the MAC of every key of a username over the same lines, and then reads
/// the date, length and digest it checks from them, without splitting the list or looking any
/// header up again.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SigningLines<'a> {
    method: &'a str,
    target: &'a str,
    version: HttpVersion,
    lines: [Line<'a>; MAX_SIGNED_HEADERS],
    count: usize,
    /// Where each of the protocol's own headers sits in the list, by [`KnownHeader`]; and the
    /// request line, last. Noted while listing, so nothing is searched for later.
    /// (An index below `MAX_SIGNED_HEADERS` fits a byte; a firmware verifier's stack is
    /// tight.)
    positions: [Option<u8>; KnownHeader::COUNT + 1],
}

/// One line of the signing string.
#[derive(Clone, Copy, Debug)]
enum Line<'a> {
    RequestLine,
    Header {
        name: &'a str,
        /// Which of the protocol's own headers it is, settled once when listed.
        known: Option<KnownHeader>,
        /// Empty until looked up.
        value: &'a [u8],
    },
}

impl<'a> SigningLines<'a> {
    /// The lines `names` lists, not yet looked up.
    pub(crate) fn listing(names: HeaderList<'a>) -> Self {
        let mut lines = SigningLines {
            method: "",
            target: "",
            version: HttpVersion::default(),
            lines: [Line::RequestLine; MAX_SIGNED_HEADERS],
            count: 0,
            positions: [None; KnownHeader::COUNT + 1],
        };
        // A `HeaderList` holds at most `MAX_SIGNED_HEADERS` names (every constructor checks),
        // so each name has a slot.
        for (index, (slot, name)) in lines.lines.iter_mut().zip(names.iter()).enumerate() {
            let known = KnownHeader::of(name);
            let position = if name == REQUEST_LINE {
                lines.positions.last_mut()
            } else {
                *slot = Line::Header {
                    name,
                    known,
                    value: &[],
                };
                known.and_then(|known| lines.positions.get_mut(known as usize))
            };
            if let Some(position) = position {
                *position = u8::try_from(index).ok();
            }
            lines.count = index.saturating_add(1);
        }
        lines
    }

    /// Lists `names` and looks each up in `head`.
    ///
    /// # Errors
    /// As [`look_up`](Self::look_up).
    pub(crate) fn resolve<H: Headers + ?Sized>(
        names: HeaderList<'a>,
        head: &RequestHead<'a, H>,
    ) -> Result<Self, SigningStringError> {
        let mut lines = Self::listing(names);
        lines.look_up(head)?;
        Ok(lines)
    }

    /// Looks every listed header up in `head`, in list order, so errors come in that order.
    ///
    /// # Errors
    /// [`SigningStringError`] for an invalid method or target, or a listed header that is
    /// absent, repeated or not single-line.
    pub(crate) fn look_up<H: Headers + ?Sized>(
        &mut self,
        head: &RequestHead<'a, H>,
    ) -> Result<(), SigningStringError> {
        self.method = head.method;
        self.target = head.target;
        self.version = head.version;
        for line in self.lines.get_mut(..self.count).unwrap_or_default() {
            match line {
                Line::RequestLine => check_request_line(head.method, head.target)?,
                Line::Header { name, value, .. } => *value = single_header(head.headers, name)?,
            }
        }
        Ok(())
    }

    /// Where `header` sits in the list, if it is listed.
    pub(crate) fn position(&self, header: KnownHeader) -> Option<usize> {
        self.positions
            .get(header as usize)
            .copied()
            .flatten()
            .map(usize::from)
    }

    /// Whether the request line is listed.
    pub(crate) fn lists_request_line(&self) -> bool {
        self.positions.last().copied().flatten().is_some()
    }

    /// Streams the signing string into `sink`, piece by piece.
    pub(crate) fn write(&self, sink: impl FnMut(&[u8])) {
        let mut writer = LineWriter::new(sink);
        for line in self.lines.get(..self.count).unwrap_or_default() {
            match *line {
                Line::RequestLine => writer.request_line(self.method, self.target, self.version),
                Line::Header {
                    known: Some(known),
                    value,
                    ..
                } => writer.known_header(known, value),
                Line::Header {
                    known: None,
                    name,
                    value,
                } => writer.other_header(name, value),
            }
        }
    }

    /// The trimmed value of the header at `index` of the list; `None` for the request line or
    /// past the end.
    pub(crate) fn value_at(&self, index: usize) -> Option<&'a [u8]> {
        match self.lines.get(..self.count)?.get(index)? {
            Line::Header { value, .. } => Some(value),
            Line::RequestLine => None,
        }
    }
}

/// The headers the protocol itself signs: a verifier checks their values, and each of their
/// lines starts with one constant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KnownHeader {
    /// `x-date`.
    XDate,
    /// `content-type`.
    ContentType,
    /// `content-length`.
    ContentLength,
    /// `content-sha512`.
    ContentSha512,
    /// `content-sha256`.
    ContentSha256,
}

// `COUNT` sizes the position table that each variant indexes.
const _: () = assert!(KnownHeader::ContentSha256 as usize + 1 == KnownHeader::COUNT);

impl KnownHeader {
    /// How many there are.
    const COUNT: usize = 5;

    /// The header a listed (lower-case) name is, if it is one of these.
    #[inline]
    pub(crate) fn of(name: &str) -> Option<Self> {
        Some(match name {
            "x-date" => KnownHeader::XDate,
            "content-type" => KnownHeader::ContentType,
            "content-length" => KnownHeader::ContentLength,
            "content-sha512" => KnownHeader::ContentSha512,
            "content-sha256" => KnownHeader::ContentSha256,
            _ => return None,
        })
    }

    /// The header that carries a digest of `algorithm`.
    pub(crate) fn digest(algorithm: DigestAlgorithm) -> Self {
        match algorithm {
            DigestAlgorithm::Sha512 => KnownHeader::ContentSha512,
            DigestAlgorithm::Sha256 => KnownHeader::ContentSha256,
        }
    }

    /// `"\n" name ": "`, as one constant.
    fn line_start(self) -> &'static [u8] {
        match self {
            KnownHeader::XDate => b"\nx-date: ",
            KnownHeader::ContentType => b"\ncontent-type: ",
            KnownHeader::ContentLength => b"\ncontent-length: ",
            KnownHeader::ContentSha512 => b"\ncontent-sha512: ",
            KnownHeader::ContentSha256 => b"\ncontent-sha256: ",
        }
    }
}

/// Writes the lines of a signing string into a sink, piece by piece: the one place the line
/// format lives, for the verifier's resolved lines and the signer's own alike.
///
/// The protocol's constant text goes in as few pieces as it can: each line of the headers every
/// request signs starts with one constant (`"\nx-date: "`), `POST ` and the version suffix
/// (`" HTTP/1.1"`) are one piece each, and so is the whole `application/json` content-type line.
/// The default list is 10 pieces rather than 21, as every piece costs a bounds check and a copy
/// into the MAC's block buffer.
pub(crate) struct LineWriter<'a, F> {
    sink: F,
    first: bool,
    lines: core::marker::PhantomData<&'a [u8]>,
}

impl<'a, F: FnMut(&'a [u8])> LineWriter<'a, F> {
    /// A writer before the first line.
    pub(crate) fn new(sink: F) -> Self {
        LineWriter {
            sink,
            first: true,
            lines: core::marker::PhantomData,
        }
    }

    /// `METHOD SP target SP "HTTP/" version` (method and target already checked).
    #[inline]
    pub(crate) fn request_line(&mut self, method: &'a str, target: &'a str, version: HttpVersion) {
        if !core::mem::replace(&mut self.first, false) {
            (self.sink)(b"\n");
        }
        // Ingo's APIs are all POST.
        if method == "POST" {
            (self.sink)(b"POST ");
        } else {
            (self.sink)(method.as_bytes());
            (self.sink)(b" ");
        }
        (self.sink)(target.as_bytes());
        (self.sink)(version.request_line_suffix().as_bytes());
    }

    /// `name ": " value`, `name` as listed and `value` already single-line and trimmed.
    #[inline]
    pub(crate) fn header(&mut self, name: &'a str, value: &'a [u8]) {
        match KnownHeader::of(name) {
            Some(known) => self.known_header(known, value),
            None => self.other_header(name, value),
        }
    }

    /// The line of a header that is not one of the protocol's own.
    fn other_header(&mut self, name: &'a str, value: &'a [u8]) {
        if !core::mem::replace(&mut self.first, false) {
            (self.sink)(b"\n");
        }
        (self.sink)(name.as_bytes());
        (self.sink)(b": ");
        (self.sink)(value);
    }

    /// The line of one of the protocol's own headers.
    #[inline]
    pub(crate) fn known_header(&mut self, header: KnownHeader, value: &'a [u8]) {
        // A constant start carries its leading LF, dropped on the first line.
        let from = usize::from(core::mem::replace(&mut self.first, false));
        if header == KnownHeader::ContentType && value == JSON_MEDIA_TYPE.as_bytes() {
            let line: &'static [u8] = b"\ncontent-type: application/json";
            (self.sink)(line.get(from..).unwrap_or_default());
        } else {
            (self.sink)(header.line_start().get(from..).unwrap_or_default());
            (self.sink)(value);
        }
    }
}

impl MacInput for SigningLines<'_> {
    fn feed<M: Mac>(&self, mac: &mut M) {
        self.write(|piece| mac.update(piece));
    }
}

/// Streams the signing string for `names` over `head` into `sink`, piece by piece.
///
/// Every listed header is looked up and checked before the first piece is written, so on error
/// the sink has received nothing.
///
/// # Errors
/// [`SigningStringError`] for an invalid method or target, or a listed header that is absent,
/// repeated or not single-line.
pub fn write_signing_string<H: Headers + ?Sized>(
    names: HeaderList<'_>,
    head: &RequestHead<'_, H>,
    sink: impl FnMut(&[u8]),
) -> Result<(), SigningStringError> {
    SigningLines::resolve(names, head)?.write(sink);
    Ok(())
}

/// Writes the signing string into `out`, for display when a signature does not match.
///
/// ```
/// use ingo_signer_core::header_list::HeaderList;
/// use ingo_signer_core::signing_string::{signing_string_into, HttpVersion, RequestHead};
/// let headers = [("X-Date", "Fri, 17 Jan 2020 19:59:29 GMT")];
/// let head = RequestHead { method: "GET", target: "/a?b=%2F", version: HttpVersion::Http11, headers: &headers[..] };
/// let mut buf = [0u8; 128];
/// let text = signing_string_into(HeaderList::parse("request-line x-date").unwrap(), &head, &mut buf).unwrap();
/// assert_eq!(text, "GET /a?b=%2F HTTP/1.1\nx-date: Fri, 17 Jan 2020 19:59:29 GMT");
/// ```
///
/// # Errors
/// [`SigningStringIntoError`]: the head's own problem, or a buffer too small (with the size needed).
pub fn signing_string_into<'b, H: Headers + ?Sized>(
    names: HeaderList<'_>,
    head: &RequestHead<'_, H>,
    out: &'b mut [u8],
) -> Result<&'b str, SigningStringIntoError> {
    let mut writer = SliceWriter::new(out);
    write_signing_string(names, head, |piece| writer.push(piece))
        .map_err(SigningStringIntoError::Head)?;
    // Header values may hold obs-text (bytes >= 0x80) that is not UTF-8; such a string can only
    // be shown lossily, so it is reported as needing a byte-oriented view.
    writer.finish().map_err(SigningStringIntoError::Buffer)
}

/// Why [`signing_string_into`] failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SigningStringIntoError {
    /// The request head cannot be signed.
    Head(SigningStringError),
    /// The buffer is too small (or the string is not UTF-8, in which case `needed` is its length).
    Buffer(BufferTooSmall),
}

impl fmt::Display for SigningStringIntoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SigningStringIntoError::Head(e) => fmt::Display::fmt(e, f),
            SigningStringIntoError::Buffer(e) => fmt::Display::fmt(e, f),
        }
    }
}

/// Checks what the request line carries from the caller: the method is a token, the target
/// non-empty visible ASCII without a `#`.
///
/// A `#` is refused with its own kind, after the character check (a target that is not visible
/// ASCII is `invalid_target` whatever else it holds). **Decision** (SPEC §3 says "exactly as on
/// the wire"): a fragment is not part of any request-target form (RFC 9112 §3.2), and the `http`
/// crate, hyper and most servers drop `#...` before the application sees the target, so
/// `/gateway/process--card#x` and `/gateway/process--card` would reach the inner service alike
/// while only one of them was signed. Refusing it on both sides (a signer does not sign what it
/// cannot send; a verifier does not accept what was not sent as signed) keeps one signature to
/// one set of wire bytes. It is checked here, with the rest of the request line (SPEC §5 step
/// 5), before any MAC is computed.
pub(crate) fn check_request_line(method: &str, target: &str) -> Result<(), SigningStringError> {
    if method.is_empty() || !method.bytes().all(is_tchar) {
        return Err(SigningStringError::InvalidMethod);
    }
    let target = target.as_bytes();
    // One scan for both in the common case; the rare refusal scans again to say which.
    let not_visible = |b: u8| !b.is_ascii_graphic();
    if target.is_empty() || any_byte(target, |b| not_visible(b) | (b == b'#')) {
        return Err(if target.is_empty() || any_byte(target, not_visible) {
            SigningStringError::InvalidTarget
        } else {
            SigningStringError::TargetFragment
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use core::fmt::Write as _;

    use super::*;

    /// A head of `method target version` with `headers`.
    fn head_of<'h>(
        method: &'h str,
        target: &'h str,
        version: HttpVersion,
        headers: &'h [(&'h str, &'h str)],
    ) -> RequestHead<'h, [(&'h str, &'h str)]> {
        RequestHead {
            method,
            target,
            version,
            headers,
        }
    }

    /// The signing string of `list` over `head`, written into a buffer.
    #[track_caller]
    fn assert_written(list: &str, head: &RequestHead<'_, [(&str, &str)]>, want: &str) {
        let mut buf = [0u8; 128];
        let list = HeaderList::parse(list).unwrap();
        assert_eq!(signing_string_into(list, head, &mut buf).unwrap(), want);
    }

    #[test]
    fn lines_follow_the_list_and_trim_values() {
        let headers = [("x-DATE", " \tv1 \t"), ("Host", "h")];
        let head = head_of("POST", "/p?q=%7e", HttpVersion::Http2, &headers);
        let list = "host request-line x-date";
        assert_written(list, &head, "host: h\nPOST /p?q=%7e HTTP/2.0\nx-date: v1");
        let list = HeaderList::parse(list).unwrap();
        let mut tiny = [0u8; 4];
        assert_eq!(
            signing_string_into(list, &head, &mut tiny),
            Err(SigningStringIntoError::Buffer(BufferTooSmall {
                needed: 41
            }))
        );
    }

    #[test]
    fn absent_repeated_and_multiline_headers_fail() {
        let list = HeaderList::parse("x-date").unwrap();
        let run = |headers: &[(&str, &str)]| {
            let head = head_of("GET", "/", HttpVersion::Http11, headers);
            write_signing_string(list, &head, |_| {}).map_err(|e| e.kind())
        };
        assert_eq!(run(&[]), Err("signing_string.header_missing"));
        assert_eq!(
            run(&[("X-Date", "a"), ("x-date", "a")]),
            Err("signing_string.header_repeated")
        );
        for bad in ["a\r\n b", "a\nb", "a\0"] {
            assert_eq!(
                run(&[("X-Date", bad)]),
                Err("signing_string.header_value_invalid")
            );
        }
        assert_eq!(run(&[("X-Date", "")]), Ok(()));
    }

    #[test]
    fn request_line_is_never_read_from_a_header() {
        let headers = [("request-line", "GET /evil HTTP/1.1")];
        let head = head_of("POST", "/", HttpVersion::Http10, &headers);
        assert_written("request-line", &head, "POST / HTTP/1.0");
        let list = HeaderList::parse("request-line").unwrap();
        for (method, target) in [
            ("", "/"),
            ("PO ST", "/"),
            ("POST", ""),
            ("POST", "/a b"),
            ("POST", "/\u{e9}"),
        ] {
            let head = RequestHead {
                method,
                target,
                ..head
            };
            assert!(
                write_signing_string(list, &head, |_| {}).is_err(),
                "{method} {target}"
            );
        }
    }

    #[test]
    fn a_fragment_is_refused_with_its_own_kind() {
        let list = HeaderList::parse("request-line").unwrap();
        let run = |target: &str| {
            let head = RequestHead {
                method: "POST",
                target,
                version: HttpVersion::Http11,
                headers: &[("x", "y")][..],
            };
            write_signing_string(list, &head, |_| {}).map_err(SigningStringError::kind)
        };
        for target in [
            "/p#x",
            "/p?q=1#",
            "#",
            "/gateway/process--card#x",
            "/a/b/c/d/e/f/g/h/i#",
        ] {
            assert_eq!(
                run(target),
                Err("signing_string.target_fragment"),
                "{target}"
            );
        }
        // Not visible ASCII is judged first, whatever else the target holds.
        assert_eq!(run("/a b#x"), Err("signing_string.invalid_target"));
        assert_eq!(run("/p%23x"), Ok(()));
    }

    #[test]
    fn constant_pieces_spell_what_they_stand_for() {
        for version in [HttpVersion::Http10, HttpVersion::Http11, HttpVersion::Http2] {
            let mut spelled = heapless::String::<32>::new();
            write!(spelled, " HTTP/{}", version.as_str()).unwrap();
            assert_eq!(version.request_line_suffix(), spelled.as_str());
        }
        for name in [
            "x-date",
            "content-type",
            "content-length",
            "content-sha512",
            "content-sha256",
        ] {
            let mut spelled = heapless::String::<32>::new();
            write!(spelled, "\n{name}: ").unwrap();
            let known = KnownHeader::of(name).unwrap();
            assert_eq!(known.line_start(), spelled.as_bytes());
        }
        assert_eq!(KnownHeader::of("host"), None);
        assert_eq!(KnownHeader::of("X-Date"), None);
        // A protocol header listed first has no leading LF; one listed later has.
        let headers = [("Content-Type", "application/json"), ("Host", "h")];
        let head = head_of("GET", "/", HttpVersion::Http11, &headers);
        let want = "content-type: application/json\nhost: h\nGET / HTTP/1.1";
        assert_written("content-type host request-line", &head, want);
    }
}
