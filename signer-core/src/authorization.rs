//! The `Authorization` header: a zero-copy parser and the canonical formatter.
//!
//! Grammar (SPEC §4; the decisions are the spec's, the RFC 7235 shapes are kept):
//! ```text
//! credentials = "hmac" 1*SP param *( OWS "," OWS param ) OWS
//! param       = name BWS "=" BWS DQUOTE *( %x20-21 / %x23-5B / %x5D-7E ) DQUOTE
//! ```
//! - The scheme and parameter names match case-insensitively; values are case-sensitive.
//! - Exactly `username`, `algorithm`, `headers` and `signature`, each once, non-empty, in any
//!   order. Unknown or duplicate parameters are refused rather than ignored, so that no two
//!   parsers can disagree about which value counts.
//! - No backslash: quoted-pair escapes are not part of this profile, so a value is its bytes.
//! - At most 2048 bytes in all, the username at most 256.
//!
//! The parser returns a borrowed view ([`Authorization`]); the signature is decoded into a fixed
//! 64-byte buffer inside it. The formatter writes the canonical form that signers send:
//! `hmac username="..", algorithm="..", headers="..", signature=".."`.

use core::fmt;
#[cfg(test)]
use core::fmt::Write as _;

use crate::algorithm::Algorithm;
use crate::base64::{self, DecodeError};
use crate::buffer::{BufferTooSmall, SliceWriter};
use crate::header_list::{HeaderList, HeaderListError, is_tchar};
use crate::scan::find_byte;

/// The longest Authorization header accepted, in bytes.
pub const MAX_AUTHORIZATION_LEN: usize = 2048;

/// The longest canonical form of a header [`Authorization::parse`] accepts: the canonical form
/// separates parameters with `", "`, where a compact header may use `","`, so it can be three
/// bytes longer than the header as received. Forward a received header as it came rather than
/// its canonical form. Headers built with [`Authorization::new`] never exceed
/// [`MAX_AUTHORIZATION_LEN`].
pub const MAX_CANONICAL_LEN: usize = MAX_AUTHORIZATION_LEN + 3;

/// The longest username accepted, in bytes.
pub const MAX_USERNAME_LEN: usize = 256;

/// The four parameters of the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parameter {
    /// `username`: which integration signed.
    Username,
    /// `algorithm`: `hmac-sha512` or `hmac-sha256`.
    Algorithm,
    /// `headers`: the signed header list.
    Headers,
    /// `signature`: base64 of the MAC.
    Signature,
}

impl Parameter {
    const ALL: [Parameter; 4] = [
        Parameter::Username,
        Parameter::Algorithm,
        Parameter::Headers,
        Parameter::Signature,
    ];

    /// The parameter's name as signers write it.
    pub const fn name(self) -> &'static str {
        match self {
            Parameter::Username => "username",
            Parameter::Algorithm => "algorithm",
            Parameter::Headers => "headers",
            Parameter::Signature => "signature",
        }
    }

    fn from_name(name: &[u8]) -> Option<Self> {
        Parameter::ALL
            .into_iter()
            .find(|p| p.name().as_bytes().eq_ignore_ascii_case(name))
    }

    fn index(self) -> usize {
        match self {
            Parameter::Username => 0,
            Parameter::Algorithm => 1,
            Parameter::Headers => 2,
            Parameter::Signature => 3,
        }
    }
}

impl fmt::Display for Parameter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why an Authorization header is refused. `at` is a byte offset into the header value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthorizationError {
    /// The header is longer than [`MAX_AUTHORIZATION_LEN`] bytes.
    TooLong {
        /// The header's length.
        len: usize,
    },
    /// The header does not start with the scheme `hmac` followed by a space.
    Scheme,
    /// The parameter list is malformed (empty or non-token name, missing `=`, trailing or
    /// doubled comma, stray bytes).
    Syntax {
        /// Where the problem starts.
        at: usize,
    },
    /// A value does not start with a double quote, or its closing quote is missing.
    MissingQuote {
        /// Where the quote was expected.
        at: usize,
    },
    /// Two parameters are not separated by a comma.
    MissingComma {
        /// Where the comma was expected.
        at: usize,
    },
    /// A value holds a backslash; escapes are not part of this profile.
    Backslash {
        /// Where the backslash is.
        at: usize,
    },
    /// A value holds a byte outside `%x20-21 / %x23-5B / %x5D-7E` (a control, DEL, non-ASCII).
    InvalidCharacter {
        /// Where the byte is.
        at: usize,
    },
    /// A parameter other than username, algorithm, headers and signature.
    UnknownParameter {
        /// Where its name starts.
        at: usize,
    },
    /// A parameter appears twice.
    DuplicateParameter(Parameter),
    /// A parameter's value is empty.
    EmptyParameter(Parameter),
    /// A parameter is missing.
    MissingParameter(Parameter),
    /// The username is longer than [`MAX_USERNAME_LEN`] bytes.
    UsernameTooLong,
    /// The algorithm is not exactly `hmac-sha512` or `hmac-sha256` (MD5 and SHA-1 never are).
    UnsupportedAlgorithm,
    /// The `headers` list is malformed.
    HeaderList(HeaderListError),
    /// The signature is not canonical padded standard base64.
    SignatureEncoding,
    /// The signature does not decode to the MAC length of the algorithm.
    SignatureLength {
        /// The length the algorithm needs, in bytes.
        expected: usize,
    },
}

impl AuthorizationError {
    /// Stable identifier of this error (`authorization.*`).
    pub const fn kind(self) -> &'static str {
        match self {
            AuthorizationError::TooLong { .. } => "authorization.too_long",
            AuthorizationError::Scheme => "authorization.scheme",
            AuthorizationError::Syntax { .. } => "authorization.syntax",
            AuthorizationError::MissingQuote { .. } => "authorization.missing_quote",
            AuthorizationError::MissingComma { .. } => "authorization.missing_comma",
            AuthorizationError::Backslash { .. } => "authorization.backslash",
            AuthorizationError::InvalidCharacter { .. } => "authorization.invalid_character",
            AuthorizationError::UnknownParameter { .. } => "authorization.unknown_parameter",
            AuthorizationError::DuplicateParameter(_) => "authorization.duplicate_parameter",
            AuthorizationError::EmptyParameter(_) => "authorization.empty_parameter",
            AuthorizationError::MissingParameter(_) => "authorization.missing_parameter",
            AuthorizationError::UsernameTooLong => "authorization.username_too_long",
            AuthorizationError::UnsupportedAlgorithm => "authorization.unsupported_algorithm",
            AuthorizationError::HeaderList(e) => e.kind(),
            AuthorizationError::SignatureEncoding => "authorization.signature_encoding",
            AuthorizationError::SignatureLength { .. } => "authorization.signature_length",
        }
    }
}

impl fmt::Display for AuthorizationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthorizationError::TooLong { len } => write!(
                f,
                "authorization header is {len} bytes; the limit is {MAX_AUTHORIZATION_LEN}"
            ),
            AuthorizationError::Scheme => f.write_str(
                "authorization header must start with `hmac ` (e.g. `hmac username=\"...\", ...`)",
            ),
            AuthorizationError::Syntax { at } => {
                write!(f, "authorization header is malformed at byte {at}; expected name=\"value\" pairs separated by commas")
            }
            AuthorizationError::MissingQuote { at } => write!(
                f,
                "authorization header: a value must be enclosed in double quotes (byte {at})"
            ),
            AuthorizationError::MissingComma { at } => {
                write!(f, "authorization header: parameters must be separated by a comma (byte {at})")
            }
            AuthorizationError::Backslash { at } => {
                write!(f, "authorization header: backslashes are not allowed in values (byte {at})")
            }
            AuthorizationError::InvalidCharacter { at } => write!(
                f,
                "authorization header: values may hold only printable ASCII (byte {at})"
            ),
            AuthorizationError::UnknownParameter { at } => write!(
                f,
                "authorization header: unknown parameter at byte {at}; only username, algorithm, headers and signature are allowed"
            ),
            AuthorizationError::DuplicateParameter(p) => {
                write!(f, "authorization header: `{p}` is given more than once")
            }
            AuthorizationError::EmptyParameter(p) => {
                write!(f, "authorization header: `{p}` is empty")
            }
            AuthorizationError::MissingParameter(p) => {
                write!(f, "authorization header: `{p}` is missing")
            }
            AuthorizationError::UsernameTooLong => write!(
                f,
                "authorization header: the username is longer than {MAX_USERNAME_LEN} bytes"
            ),
            AuthorizationError::UnsupportedAlgorithm => f.write_str(
                "authorization header: algorithm must be `hmac-sha512` (or `hmac-sha256` for legacy integrations)",
            ),
            AuthorizationError::HeaderList(e) => write!(f, "authorization header: {e}"),
            AuthorizationError::SignatureEncoding => f.write_str(
                "authorization header: the signature is not canonical padded base64 (RFC 4648 §4, `+/` alphabet)",
            ),
            AuthorizationError::SignatureLength { expected } => write!(
                f,
                "authorization header: the signature must decode to {expected} bytes for this algorithm"
            ),
        }
    }
}

/// A parsed Authorization header, borrowing from the header value.
#[derive(Clone, Copy)]
pub struct Authorization<'a> {
    username: &'a str,
    algorithm: Algorithm,
    headers: HeaderList<'a>,
    signature: [u8; 64],
}

impl fmt::Debug for Authorization<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The signature is not secret, but it is noise in logs; show its length only.
        f.debug_struct("Authorization")
            .field("username", &self.username)
            .field("algorithm", &self.algorithm)
            .field("headers", &self.headers.as_str())
            .field("signature_len", &self.algorithm.mac_len())
            .finish()
    }
}

impl<'a> Authorization<'a> {
    /// Builds a header from its parts (as a signer does), checking each part.
    ///
    /// # Errors
    /// [`AuthorizationError`] when the username is empty, too long or holds a byte a quoted
    /// value cannot carry, the signature length does not fit the algorithm, or the canonical
    /// header would exceed [`MAX_AUTHORIZATION_LEN`] (no verifier would accept it).
    pub fn new(
        username: &'a str,
        algorithm: Algorithm,
        headers: HeaderList<'a>,
        signature: &[u8],
    ) -> Result<Self, AuthorizationError> {
        check_username(username.as_bytes())?;
        let mut mac = [0u8; 64];
        match mac.get_mut(..signature.len()) {
            Some(dst) if signature.len() == algorithm.mac_len() => dst.copy_from_slice(signature),
            _ => {
                return Err(AuthorizationError::SignatureLength {
                    expected: algorithm.mac_len(),
                });
            }
        }
        let built = Self::signed(username, algorithm, headers, mac);
        let len = built.canonical_len();
        if len > MAX_AUTHORIZATION_LEN {
            return Err(AuthorizationError::TooLong { len });
        }
        Ok(built)
    }

    /// A signer's header, from parts valid by construction: its key checked the username,
    /// the list is a [`HeaderList`] and the MAC has the algorithm's length. The signer bounds
    /// its [`canonical_len`](Self::canonical_len) itself, against its own buffer.
    pub(crate) fn signed(
        username: &'a str,
        algorithm: Algorithm,
        headers: HeaderList<'a>,
        signature: [u8; 64],
    ) -> Self {
        Authorization {
            username,
            algorithm,
            headers,
            signature,
        }
    }

    /// The length in bytes of the canonical form, computed without formatting it (the signer
    /// checks it on every request, then formats the header once).
    pub fn canonical_len(&self) -> usize {
        // `hmac username="` + `", algorithm="` + `", headers="` + `", signature="` + `"`.
        const FIXED: usize = 15 + 14 + 12 + 14 + 1;
        let signature_len = match self.algorithm {
            Algorithm::HmacSha512 => 88,
            Algorithm::HmacSha256 => 44,
        };
        FIXED
            .saturating_add(self.username.len())
            .saturating_add(self.algorithm.name().len())
            .saturating_add(self.headers.as_str().len())
            .saturating_add(signature_len)
    }

    /// Parses a header value strictly (SPEC §4). The value should already be trimmed of the
    /// surrounding whitespace HTTP does not count as part of a field value; trailing OWS is
    /// allowed by the grammar anyway.
    ///
    /// ```
    /// use ingo_signer_core::authorization::Authorization;
    /// let sig = "A".repeat(86) + "==";
    /// let value = format!(
    ///     r#"hmac username="demo", algorithm="hmac-sha512", headers="request-line x-date", signature="{sig}""#
    /// );
    /// let auth = Authorization::parse(value.as_bytes()).unwrap();
    /// assert_eq!(auth.username(), "demo");
    /// assert_eq!(auth.headers().iter().collect::<Vec<_>>(), ["request-line", "x-date"]);
    /// assert_eq!(auth.signature(), &[0u8; 64][..]);
    /// ```
    ///
    /// # Errors
    /// The first [`AuthorizationError`] found, scanning left to right; then missing parameters;
    /// then each value's own rules.
    pub fn parse(value: &'a [u8]) -> Result<Self, AuthorizationError> {
        if value.len() > MAX_AUTHORIZATION_LEN {
            return Err(AuthorizationError::TooLong { len: value.len() });
        }
        // Signers write the canonical layout; it is recognised by its fixed text, and anything
        // else goes through the grammar (which also gives every error its position).
        let values = match canonical_values(value) {
            Some(values) => values.map(Some),
            None => parameter_values(value)?,
        };

        let [username, algorithm, headers, signature] = values;
        let username = username.ok_or(AuthorizationError::MissingParameter(Parameter::Username))?;
        let algorithm =
            algorithm.ok_or(AuthorizationError::MissingParameter(Parameter::Algorithm))?;
        let headers = headers.ok_or(AuthorizationError::MissingParameter(Parameter::Headers))?;
        let signature =
            signature.ok_or(AuthorizationError::MissingParameter(Parameter::Signature))?;

        check_username(username)?;
        let algorithm =
            Algorithm::from_name(algorithm).ok_or(AuthorizationError::UnsupportedAlgorithm)?;
        // Every value byte was checked to be printable ASCII, so these conversions succeed.
        let username = ascii(username)?;
        // A signer's own list is taken at sight; any other goes through the grammar.
        let headers = match HeaderList::known(headers) {
            Some(known) => known,
            None => HeaderList::parse(ascii(headers)?).map_err(AuthorizationError::HeaderList)?,
        };
        let signature =
            base64::decode_exact(signature, algorithm.mac_len()).map_err(|e| match e {
                DecodeError::Encoding => AuthorizationError::SignatureEncoding,
                DecodeError::Length => AuthorizationError::SignatureLength {
                    expected: algorithm.mac_len(),
                },
            })?;
        Ok(Authorization {
            username,
            algorithm,
            headers,
            signature,
        })
    }

    /// The username: which integration's key signed.
    pub fn username(&self) -> &'a str {
        self.username
    }

    /// The HMAC algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The signed header list, in signing order.
    pub fn headers(&self) -> HeaderList<'a> {
        self.headers
    }

    /// The decoded signature: 64 bytes for hmac-sha512, 32 for hmac-sha256.
    pub fn signature(&self) -> &[u8] {
        crate::buffer::used(&self.signature, self.algorithm.mac_len())
    }

    /// Writes the canonical form into `out` and returns it as text.
    ///
    /// # Errors
    /// [`BufferTooSmall`] with the size needed: at most [`MAX_AUTHORIZATION_LEN`] for headers
    /// built with [`Authorization::new`], at most [`MAX_CANONICAL_LEN`] for parsed ones.
    pub fn write_to<'b>(&self, out: &'b mut [u8]) -> Result<&'b str, BufferTooSmall> {
        let mut writer = SliceWriter::new(out);
        let _ = self.write_fmt_to(&mut writer);
        writer.finish()
    }

    /// Writes the canonical form to any [`fmt::Write`] (a `heapless::String`, a formatter).
    ///
    /// # Errors
    /// Whatever the writer reports (a full `heapless::String`).
    pub fn write_fmt_to<W: fmt::Write>(&self, out: &mut W) -> fmt::Result {
        // Plain appends rather than `write!`: a signer formats this header on every request,
        // and `core::fmt`'s dynamic dispatch cost more than the appends.
        let mut text = [0u8; 88];
        let signature = base64::encode_into(self.signature(), &mut text);
        // The algorithm and the text around it are one constant.
        let algorithm = match self.algorithm {
            Algorithm::HmacSha512 => "\", algorithm=\"hmac-sha512\", headers=\"",
            Algorithm::HmacSha256 => "\", algorithm=\"hmac-sha256\", headers=\"",
        };
        for piece in [
            "hmac username=\"",
            self.username,
            algorithm,
            self.headers.as_str(),
            "\", signature=\"",
            signature,
            "\"",
        ] {
            out.write_str(piece)?;
        }
        Ok(())
    }
}

impl fmt::Display for Authorization<'_> {
    /// The canonical header value (the signature is public: it travels in the request).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_fmt_to(f)
    }
}

/// The four parameter values as the grammar reads them (SPEC §4): any order, any case for the
/// scheme and names, optional whitespace around `=` and `,`.
fn parameter_values(value: &[u8]) -> Result<[Option<&[u8]>; 4], AuthorizationError> {
    let mut cursor = Cursor {
        bytes: value,
        pos: 0,
    };
    match value.get(..4) {
        Some(scheme) if scheme.eq_ignore_ascii_case(b"hmac") => cursor.pos = 4,
        _ => return Err(AuthorizationError::Scheme),
    }
    if cursor.skip(|b| b == b' ') == 0 {
        return Err(AuthorizationError::Scheme);
    }

    let mut values: [Option<&[u8]>; 4] = [None; 4];
    loop {
        let (parameter, raw) = cursor.param()?;
        let slot = values
            .get_mut(parameter.index())
            .ok_or(AuthorizationError::Scheme)?;
        if slot.is_some() {
            return Err(AuthorizationError::DuplicateParameter(parameter));
        }
        if raw.is_empty() {
            return Err(AuthorizationError::EmptyParameter(parameter));
        }
        *slot = Some(raw);

        let spaced = cursor.skip(is_ows) > 0;
        match cursor.peek() {
            None => break,
            Some(b',') => {
                cursor.pos = cursor.pos.saturating_add(1);
                cursor.skip(is_ows);
                if cursor.peek().is_none() {
                    return Err(AuthorizationError::Syntax { at: cursor.pos });
                }
            }
            // `"a" algorithm=` lacks a comma; `"a"x` is a value with garbage glued to it.
            Some(b) if spaced && is_tchar(b) => {
                return Err(AuthorizationError::MissingComma { at: cursor.pos });
            }
            Some(_) => return Err(AuthorizationError::Syntax { at: cursor.pos }),
        }
    }
    Ok(values)
}

/// The four values of a header in the canonical layout a signer writes
/// (`hmac username="…", algorithm="…", headers="…", signature="…"`), found by matching its fixed
/// text exactly. `None` for any other layout, an empty value, or a byte a quoted value cannot
/// hold: the grammar then reads the header and reports the error. On a canonical header both
/// give the same values.
fn canonical_values(value: &[u8]) -> Option<[&[u8]; 4]> {
    const OPENINGS: [&[u8]; 4] = [
        b"hmac username=\"",
        b"\", algorithm=\"",
        b"\", headers=\"",
        b"\", signature=\"",
    ];
    let mut rest = value;
    let mut values: [&[u8]; 4] = [b""; 4];
    for (slot, opening) in values.iter_mut().zip(OPENINGS) {
        rest = rest.strip_prefix(opening)?;
        let end = find_byte(rest, |b| !is_value_byte(b))?;
        if end == 0 || rest.get(end) != Some(&b'"') {
            return None;
        }
        let (found, after) = rest.split_at_checked(end)?;
        *slot = found;
        rest = after;
    }
    (rest == b"\"").then_some(values)
}

/// Checks that a username can be carried in a quoted value and is within bounds.
pub(crate) fn check_username(username: &[u8]) -> Result<(), AuthorizationError> {
    if username.is_empty() {
        return Err(AuthorizationError::EmptyParameter(Parameter::Username));
    }
    if username.len() > MAX_USERNAME_LEN {
        return Err(AuthorizationError::UsernameTooLong);
    }
    match find_byte(username, |b| !is_value_byte(b)) {
        Some(at) if username.get(at) == Some(&b'\\') => Err(AuthorizationError::Backslash { at }),
        Some(at) => Err(AuthorizationError::InvalidCharacter { at }),
        None => Ok(()),
    }
}

fn ascii(bytes: &[u8]) -> Result<&str, AuthorizationError> {
    core::str::from_utf8(bytes).map_err(|_| AuthorizationError::InvalidCharacter { at: 0 })
}

/// `%x20-21 / %x23-5B / %x5D-7E`: printable ASCII but `"` and `\`.
fn is_value_byte(b: u8) -> bool {
    matches!(b, 0x20..=0x21 | 0x23..=0x5B | 0x5D..=0x7E)
}

fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Advances over bytes matching `pred`; returns how many.
    fn skip(&mut self, pred: impl Fn(u8) -> bool) -> usize {
        let start = self.pos;
        while self.peek().is_some_and(&pred) {
            self.pos = self.pos.saturating_add(1);
        }
        self.pos.saturating_sub(start)
    }

    /// `name BWS "=" BWS DQUOTE value DQUOTE`, returning the parameter and its raw value.
    fn param(&mut self) -> Result<(Parameter, &'a [u8]), AuthorizationError> {
        let name_start = self.pos;
        if self.skip(is_tchar) == 0 {
            return Err(AuthorizationError::Syntax { at: self.pos });
        }
        let name = self.bytes.get(name_start..self.pos).unwrap_or_default();
        self.skip(is_ows);
        if self.peek() != Some(b'=') {
            return Err(AuthorizationError::Syntax { at: self.pos });
        }
        self.pos = self.pos.saturating_add(1);
        self.skip(is_ows);
        if self.peek() != Some(b'"') {
            return Err(AuthorizationError::MissingQuote { at: self.pos });
        }
        self.pos = self.pos.saturating_add(1);
        let value_start = self.pos;
        // The value runs to the first byte that is not a value byte: the closing quote, or an
        // error at that byte.
        let rest = self.bytes.get(value_start..).unwrap_or_default();
        let len = find_byte(rest, |b| !is_value_byte(b)).unwrap_or(rest.len());
        self.pos = value_start.saturating_add(len);
        match self.peek() {
            None => return Err(AuthorizationError::MissingQuote { at: self.pos }),
            Some(b'"') => {}
            Some(b'\\') => return Err(AuthorizationError::Backslash { at: self.pos }),
            Some(_) => return Err(AuthorizationError::InvalidCharacter { at: self.pos }),
        }
        let value = self.bytes.get(value_start..self.pos).unwrap_or_default();
        self.pos = self.pos.saturating_add(1);
        let parameter = Parameter::from_name(name)
            .ok_or(AuthorizationError::UnknownParameter { at: name_start })?;
        Ok((parameter, value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIG: &str =
        "UtGXHtk9yGReskjL9IuB/rnDaqcfwzALea2D3Lr+f7hQKvZw/y1Y9Ad1MwnG85+vIBgJWH0sWPOA8Z+4KLmhbQ==";

    fn canonical() -> heapless::String<4096> {
        format_args_str(format_args!(
            "hmac username=\"demo\", algorithm=\"hmac-sha512\", headers=\"request-line x-date content-type content-length content-sha512\", signature=\"{SIG}\""
        ))
    }

    #[test]
    fn canonical_round_trip() {
        let text = canonical();
        let auth = Authorization::parse(text.as_bytes()).unwrap();
        assert_eq!(auth.username(), "demo");
        assert_eq!(auth.algorithm(), Algorithm::HmacSha512);
        assert_eq!(auth.signature().len(), 64);
        let mut out = [0u8; 512];
        assert_eq!(auth.write_to(&mut out).unwrap(), text.as_str());
        assert_eq!(auth.canonical_len(), text.len());
        let legacy =
            Authorization::new("u", Algorithm::HmacSha256, auth.headers(), &[7; 32]).unwrap();
        assert_eq!(
            legacy.canonical_len(),
            legacy.write_to(&mut out).unwrap().len()
        );
        let mut small = [0u8; 10];
        assert_eq!(
            auth.write_to(&mut small),
            Err(BufferTooSmall { needed: text.len() })
        );
    }

    #[test]
    fn the_canonical_layout_reads_as_the_grammar_reads_it() {
        let text = canonical();
        let fast = canonical_values(text.as_bytes()).unwrap();
        assert_eq!(parameter_values(text.as_bytes()).unwrap(), fast.map(Some));
        // Anything off the exact layout is left to the grammar, which accepts or reports it.
        for other in [
            "HMAC username=\"demo\", algorithm=\"hmac-sha512\", headers=\"x-date\", signature=\"c2ln\"",
            "hmac username=\"demo\",algorithm=\"hmac-sha512\", headers=\"x-date\", signature=\"c2ln\"",
            "hmac username=\"\", algorithm=\"hmac-sha512\", headers=\"x-date\", signature=\"c2ln\"",
            "hmac username=\"a\\b\", algorithm=\"hmac-sha512\", headers=\"x-date\", signature=\"c2ln\"",
            "hmac username=\"demo\", algorithm=\"hmac-sha512\", headers=\"x-date\", signature=\"c2ln\" ",
            "hmac username=\"demo\", algorithm=\"hmac-sha512\", headers=\"x-date\"",
            "hmac algorithm=\"hmac-sha512\", username=\"demo\", headers=\"x-date\", signature=\"c2ln\"",
        ] {
            assert_eq!(canonical_values(other.as_bytes()), None, "{other}");
        }
    }

    #[test]
    fn lenient_where_the_grammar_is() {
        let text = format_args_str(format_args!(
            "HMAC   SIGNATURE = \"{SIG}\" ,username=\"demo\",\talgorithm=\"hmac-sha512\" , Headers=\"x-date\" \t"
        ));
        let auth = Authorization::parse(text.as_bytes()).unwrap();
        assert_eq!(auth.headers().as_str(), "x-date");
    }

    fn format_args_str(args: fmt::Arguments<'_>) -> heapless::String<4096> {
        let mut s = heapless::String::new();
        s.write_fmt(args).unwrap();
        s
    }

    #[test]
    fn strict_where_the_spec_is() {
        use AuthorizationError as E;
        let ok = canonical();
        let cases: &[(&str, E)] = &[
            ("Bearer abc", E::Scheme),
            ("hmac\tusername=\"a\"", E::Scheme),
            ("hmacusername=\"a\"", E::Scheme),
            ("hmac username=\"a\",", E::Syntax { at: 18 }),
            ("hmac username=\"a\",,algorithm=\"x\"", E::Syntax { at: 18 }),
            ("hmac username \"a\"", E::Syntax { at: 14 }),
            ("hmac username=a", E::MissingQuote { at: 14 }),
            ("hmac username=\"a", E::MissingQuote { at: 16 }),
            (
                "hmac username=\"a\" algorithm=\"b\"",
                E::MissingComma { at: 18 },
            ),
            (
                "hmac username=\"a\"x, algorithm=\"b\"",
                E::Syntax { at: 17 },
            ),
            ("hmac username=\"a\\b\"", E::Backslash { at: 16 }),
            ("hmac username=\"a\u{e9}\"", E::InvalidCharacter { at: 16 }),
            ("hmac username=\"a\x7f\"", E::InvalidCharacter { at: 16 }),
            ("hmac realm=\"a\"", E::UnknownParameter { at: 5 }),
            (
                "hmac username=\"a\", USERNAME=\"b\"",
                E::DuplicateParameter(Parameter::Username),
            ),
            ("hmac username=\"\"", E::EmptyParameter(Parameter::Username)),
            (
                "hmac username=\"a\"",
                E::MissingParameter(Parameter::Algorithm),
            ),
        ];
        for (text, err) in cases {
            assert_eq!(
                Authorization::parse(text.as_bytes()).unwrap_err(),
                *err,
                "{text}"
            );
        }
        let replaced = |from: &str, to: &str| {
            let mut s: heapless::String<4096> = heapless::String::new();
            let (a, b) = ok.split_once(from).unwrap();
            write!(s, "{a}{to}{b}").unwrap();
            s
        };
        for (text, err) in [
            (
                replaced("hmac-sha512", "hmac-sha1"),
                E::UnsupportedAlgorithm,
            ),
            (
                replaced("hmac-sha512", "HMAC-SHA512"),
                E::UnsupportedAlgorithm,
            ),
            (replaced("hmac-sha512", "hmac-md5"), E::UnsupportedAlgorithm),
            (
                replaced("hmac-sha512", "hmac-sha256"),
                E::SignatureLength { expected: 32 },
            ),
            (
                replaced("x-date ", "x-date  "),
                E::HeaderList(HeaderListError::EmptyName),
            ),
            (
                replaced("x-date", "X-Date"),
                E::HeaderList(HeaderListError::InvalidName),
            ),
            (replaced("7hQKvZw/", "7hQKvZw_"), E::SignatureEncoding),
            (replaced("==", ""), E::SignatureEncoding),
            (replaced("KLmhbQ==", "KLmhbR=="), E::SignatureEncoding),
            (replaced(SIG, "QUJD"), E::SignatureLength { expected: 64 }),
        ] {
            assert_eq!(
                Authorization::parse(text.as_bytes()).unwrap_err(),
                err,
                "{text}"
            );
        }
    }

    #[test]
    fn bounds() {
        let mut long: heapless::String<4096> = heapless::String::new();
        long.push_str("hmac username=\"").unwrap();
        for _ in 0..MAX_USERNAME_LEN {
            long.push('u').unwrap();
        }
        write!(
            long,
            "\", algorithm=\"hmac-sha512\", headers=\"x-date\", signature=\"{SIG}\""
        )
        .unwrap();
        assert!(Authorization::parse(long.as_bytes()).is_ok());
        let at = "hmac username=\"".len();
        let mut longer: heapless::String<4096> = heapless::String::new();
        write!(longer, "{}u{}", &long[..at], &long[at..]).unwrap();
        assert_eq!(
            Authorization::parse(longer.as_bytes()).unwrap_err(),
            AuthorizationError::UsernameTooLong
        );
        let mut huge = [b' '; MAX_AUTHORIZATION_LEN + 1];
        huge[..4].copy_from_slice(b"hmac");
        assert_eq!(
            Authorization::parse(&huge).unwrap_err(),
            AuthorizationError::TooLong {
                len: MAX_AUTHORIZATION_LEN + 1
            }
        );
    }
}
