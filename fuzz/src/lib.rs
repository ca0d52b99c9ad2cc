//! The fuzz targets' input formats and the properties they check.
//!
//! Each public function named after a target (`authorization`, `x_date`, `request_head`,
//! `sign_verify`, `http_request`, `payload_session`, `payload_card`) takes the raw fuzz input,
//! decodes it and panics when a property does not hold. The targets in `fuzz_targets/` only
//! call these functions, so the regression tests (`tests/regressions.rs`) replay a crash
//! through exactly the code that found it, on plain stable `cargo test`.
//!
//! # Structured inputs
//!
//! The request targets need several fields (keys, a policy, a clock, a head, a body). Their
//! inputs are an *envelope*: a fixed-size prefix of parameter bytes (missing bytes read as 0),
//! then records separated by [`SEP`] (0xFF, which never occurs in UTF-8). Each record starts
//! with a tag byte; a `name`/`value` record separates the two with [`KV`] (0xFE, never in UTF-8
//! either). The last record's tag may say "the rest of the input" (a body, a raw request), so
//! that record may hold any byte. A delimited format, rather than `arbitrary`'s length
//! prefixes, keeps libFuzzer's byte mutations meaningful (inserting a byte into a value grows
//! that value instead of shifting every later field) and lets the seed corpus be written from
//! the JSON test vectors ([`encode_envelope`]).

use std::fmt::Write as _;

use ingo_signer_core::authorization::{
    Authorization, AuthorizationError, MAX_AUTHORIZATION_LEN, MAX_CANONICAL_LEN,
};
use ingo_signer_core::date::{MAX_TIMESTAMP, check_skew, format_imf_fixdate, parse_imf_fixdate};
use ingo_signer_core::payload::{self, Endpoint, JsonError, Options, PayloadError, Report};
use ingo_signer_core::signer::{Body, HeaderOrder};
use ingo_signer_core::{
    Algorithm, HttpVersion, Policy, Request, RequestHead, Signer, SigningKey, Verified, Verifier,
    VerifyError,
};

/// Separates the records of an envelope.
pub const SEP: u8 = 0xFF;
/// Separates a record's name from its value.
pub const KV: u8 = 0xFE;

/// Record tags.
pub mod tag {
    /// A key of the verifier's store (or the signer's key): `username KV secret`.
    pub const KEY: u8 = b'K';
    /// A header name the policy requires to be signed.
    pub const REQUIRED: u8 = b'R';
    /// The method.
    pub const METHOD: u8 = b'M';
    /// The request-target.
    pub const TARGET: u8 = b'T';
    /// A header field as received: `name KV value` (for `sign_verify`: an extra signed header).
    pub const HEADER: u8 = b'H';
    /// The content type to sign (`sign_verify`).
    pub const CONTENT_TYPE: u8 = b'C';
    /// The body: the rest of the input.
    pub const BODY: u8 = b'B';
    /// A raw HTTP/1.x request: the rest of the input (`http_request`).
    pub const RAW: u8 = b'Q';
}

/// The most keys, required headers and extra headers an input may set up (more are ignored):
/// enough for rotation and every branch, few enough that each run stays fast.
const MAX_KEYS: usize = 4;
const MAX_REQUIRED: usize = 4;
/// One more than the signer's limit, so the refusal is reached too.
const MAX_EXTRA: usize = 12;

/// A decoded envelope: the padded prefix and the records in order.
#[derive(Debug)]
pub struct Envelope<'a> {
    /// The parameter bytes, padded with zeros to the prefix length.
    pub prefix: Vec<u8>,
    /// `(tag, content)` in input order.
    pub records: Vec<(u8, &'a [u8])>,
}

impl<'a> Envelope<'a> {
    /// Splits `data`: `prefix_len` parameter bytes, then records. A record whose tag is in
    /// `rest_tags` runs to the end of the input.
    pub fn decode(data: &'a [u8], prefix_len: usize, rest_tags: &[u8]) -> Self {
        let split = prefix_len.min(data.len());
        let (head, mut rest) = data.split_at(split);
        let mut prefix = head.to_vec();
        prefix.resize(prefix_len, 0);
        let mut records = Vec::new();
        while let Some((&tag, body)) = rest.split_first() {
            if rest_tags.contains(&tag) {
                records.push((tag, body));
                break;
            }
            match body.iter().position(|&b| b == SEP) {
                Some(end) => {
                    records.push((tag, &body[..end]));
                    rest = &body[end + 1..];
                }
                None => {
                    records.push((tag, body));
                    break;
                }
            }
        }
        Envelope { prefix, records }
    }

    /// The contents of every record with this tag.
    pub fn all(&self, tag: u8) -> impl Iterator<Item = &'a [u8]> + '_ {
        self.records
            .iter()
            .filter(move |(t, _)| *t == tag)
            .map(|(_, c)| *c)
    }

    /// The first record with this tag.
    pub fn first(&self, tag: u8) -> Option<&'a [u8]> {
        self.all(tag).next()
    }

    fn u64_at(&self, at: usize) -> u64 {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&self.prefix[at..at + 8]);
        u64::from_le_bytes(bytes)
    }

    fn u32_at(&self, at: usize) -> u32 {
        let mut bytes = [0u8; 4];
        bytes.copy_from_slice(&self.prefix[at..at + 4]);
        u32::from_le_bytes(bytes)
    }
}

/// Writes an envelope (the inverse of [`Envelope::decode`] for records that hold neither
/// [`SEP`] nor, in names, [`KV`]; only the last record may be a "rest" record).
///
/// # Panics
/// When a record other than the last holds [`SEP`]: it would not decode back.
pub fn encode_envelope(prefix: &[u8], records: &[(u8, Vec<u8>)]) -> Vec<u8> {
    let mut out = prefix.to_vec();
    for (i, (tag, content)) in records.iter().enumerate() {
        if i > 0 {
            out.push(SEP);
        }
        assert!(
            i + 1 == records.len() || !content.contains(&SEP),
            "record {i} holds the separator"
        );
        out.push(*tag);
        out.extend_from_slice(content);
    }
    out
}

/// `name KV value`, as a record's content.
pub fn pair(name: &[u8], value: &[u8]) -> Vec<u8> {
    [name, &[KV], value].concat()
}

fn split_pair(content: &[u8]) -> (&[u8], &[u8]) {
    match content.iter().position(|&b| b == KV) {
        Some(at) => (&content[..at], &content[at + 1..]),
        None => (content, &[]),
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn version_from(bits: u8) -> HttpVersion {
    match bits & 3 {
        0 => HttpVersion::Http10,
        2 => HttpVersion::Http2,
        _ => HttpVersion::Http11,
    }
}

/// The two prefix bits that [`version_from`] reads, for a version.
pub fn version_bits(version: HttpVersion) -> u8 {
    match version {
        HttpVersion::Http10 => 0,
        HttpVersion::Http11 => 1,
        HttpVersion::Http2 => 2,
    }
}

/// Splits `body` into chunks of `chunk` bytes (0: one chunk), as a server streaming it would.
fn chunks(body: &[u8], chunk: u8) -> Vec<&[u8]> {
    if chunk == 0 || body.is_empty() {
        vec![body]
    } else {
        body.chunks(usize::from(chunk)).collect()
    }
}

// ---------------------------------------------------------------------------------------------
// authorization

/// What a parsed header says, owned: the values a round trip must keep.
#[derive(Debug, PartialEq, Eq)]
struct AuthValues {
    username: String,
    algorithm: Algorithm,
    headers: String,
    signature: Vec<u8>,
}

impl AuthValues {
    fn of(auth: &Authorization<'_>) -> Self {
        AuthValues {
            username: auth.username().to_owned(),
            algorithm: auth.algorithm(),
            headers: auth.headers().as_str().to_owned(),
            signature: auth.signature().to_vec(),
        }
    }
}

fn check_authorization_error(error: AuthorizationError) {
    assert!(error.kind().starts_with("authorization.") || error.kind().starts_with("header_list."));
    assert!(!error.to_string().is_empty());
}

/// Target `authorization`. Input: an Authorization header value.
///
/// Properties: [`Authorization::parse`] never panics; an accepted header's canonical form fits
/// [`MAX_CANONICAL_LEN`], is exactly [`Authorization::canonical_len`] bytes, equals its
/// `Display`, and needs exactly that much buffer; when it is within [`MAX_AUTHORIZATION_LEN`]
/// it re-parses to the same values and [`Authorization::new`] rebuilds it byte for byte (above
/// that, `new` refuses it as too long); the scheme's case and a trailing space do not change
/// the values.
pub fn authorization(data: &[u8]) {
    let auth = match Authorization::parse(data) {
        Ok(auth) => auth,
        Err(error) => {
            check_authorization_error(error);
            return;
        }
    };
    let values = AuthValues::of(&auth);
    assert!(data.len() <= MAX_AUTHORIZATION_LEN);
    assert_eq!(values.signature.len(), values.algorithm.mac_len());

    let mut buf = [0u8; MAX_CANONICAL_LEN];
    let canonical = auth
        .write_to(&mut buf)
        .expect("a parsed header's canonical form fits MAX_CANONICAL_LEN")
        .to_owned();
    assert_eq!(canonical.len(), auth.canonical_len());
    assert_eq!(auth.to_string(), canonical);
    let mut short = vec![0u8; canonical.len() - 1];
    assert!(
        auth.write_to(&mut short).is_err(),
        "one byte short must not fit"
    );

    let rebuilt = Authorization::new(
        auth.username(),
        auth.algorithm(),
        auth.headers(),
        auth.signature(),
    );
    if canonical.len() <= MAX_AUTHORIZATION_LEN {
        let again = Authorization::parse(canonical.as_bytes())
            .unwrap_or_else(|e| panic!("canonical form {canonical:?} does not re-parse: {e:?}"));
        assert_eq!(AuthValues::of(&again), values, "{canonical:?}");
        let rebuilt = rebuilt.expect("Authorization::new accepts what parse accepted");
        assert_eq!(rebuilt.to_string(), canonical);
    } else {
        assert!(
            matches!(rebuilt, Err(AuthorizationError::TooLong { .. })),
            "{rebuilt:?}"
        );
    }

    // The scheme matches case-insensitively; trailing OWS is part of the grammar.
    let mut upper = data.to_vec();
    upper[..4].make_ascii_uppercase();
    let upper = Authorization::parse(&upper).expect("an upper-case scheme parses");
    assert_eq!(AuthValues::of(&upper), values);
    if data.len() < MAX_AUTHORIZATION_LEN {
        let spaced = [data, b" "].concat();
        let spaced = Authorization::parse(&spaced).expect("trailing space parses");
        assert_eq!(AuthValues::of(&spaced), values);
    }
}

// ---------------------------------------------------------------------------------------------
// x_date

/// Target `x_date`. Input: an `X-Date` value; its first 8 bytes are also read as Unix seconds
/// (little-endian).
///
/// Properties: [`parse_imf_fixdate`] never panics; what it accepts is within
/// [`MAX_TIMESTAMP`] and formats back to the very same bytes (the format is strict, so each
/// instant has one spelling); [`format_imf_fixdate`] succeeds exactly up to `MAX_TIMESTAMP`
/// and parsing its output is the identity; [`check_skew`] never panics and is symmetric.
pub fn x_date(data: &[u8]) {
    match parse_imf_fixdate(data) {
        Ok(seconds) => {
            assert!(seconds <= MAX_TIMESTAMP);
            let formatted = format_imf_fixdate(seconds).expect("an accepted date formats");
            assert_eq!(formatted.as_str().as_bytes(), data, "not the one spelling");
        }
        Err(error) => {
            assert!(error.kind().starts_with("date."));
            assert!(!error.to_string().is_empty());
        }
    }
    let mut raw = [0u8; 8];
    let n = data.len().min(8);
    raw[..n].copy_from_slice(&data[..n]);
    let raw = u64::from_le_bytes(raw);
    for seconds in [raw, raw % (MAX_TIMESTAMP + 1)] {
        match format_imf_fixdate(seconds) {
            Ok(date) => {
                assert!(seconds <= MAX_TIMESTAMP);
                assert_eq!(date.as_str().len(), 29);
                assert_eq!(parse_imf_fixdate(date.as_str().as_bytes()), Ok(seconds));
            }
            Err(_) => assert!(seconds > MAX_TIMESTAMP),
        }
    }
    // The skew check: the distance either way, no overflow at the extremes.
    let now = raw.rotate_left(32);
    let skew = u64::from(data.get(8).copied().unwrap_or(0)) * 60;
    let ok = check_skew(raw, now, skew).is_ok();
    assert_eq!(ok, raw.abs_diff(now) <= skew);
}

// ---------------------------------------------------------------------------------------------
// Verification, shared by request_head and http_request

/// Prefix of the `request_head` and `http_request` envelopes (26 bytes):
/// `flags` (bit 0: allow hmac-sha256; bits 1-2: HTTP version for `request_head`, 0 = 1.0,
/// 1 or 3 = 1.1, 2 = 2), `chunk` (body chunk size when streaming; 0 = one chunk),
/// `now` (u64 LE), `max_skew` (u64 LE), `max_body` (u64 LE).
pub const VERIFY_PREFIX_LEN: usize = 26;

/// The parameters of a verification input.
#[derive(Clone, Copy, Debug)]
pub struct VerifyParams {
    /// Whether the policy allows hmac-sha256.
    pub legacy: bool,
    /// The HTTP version (`request_head` only).
    pub version: HttpVersion,
    /// Body chunk size when streaming (0: one chunk).
    pub chunk: u8,
    /// The verifier's clock.
    pub now: u64,
    /// The policy's skew.
    pub max_skew: u64,
    /// The policy's body limit.
    pub max_body: u64,
}

impl VerifyParams {
    fn decode(env: &Envelope<'_>) -> Self {
        let flags = env.prefix[0];
        VerifyParams {
            legacy: flags & 1 != 0,
            version: version_from(flags >> 1),
            chunk: env.prefix[1],
            now: env.u64_at(2),
            max_skew: env.u64_at(10),
            max_body: env.u64_at(18),
        }
    }

    /// The verifier's setup with these parameters.
    pub fn setup<'a>(&self, keys: &'a [KeyMaterial], required: &'a [&'a str]) -> Setup<'a> {
        Setup {
            keys,
            legacy: self.legacy,
            max_skew: self.max_skew,
            max_body: self.max_body,
            required,
            now: self.now,
        }
    }

    /// The prefix bytes for these parameters.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![
            u8::from(self.legacy) | (version_bits(self.version) << 1),
            self.chunk,
        ];
        out.extend_from_slice(&self.now.to_le_bytes());
        out.extend_from_slice(&self.max_skew.to_le_bytes());
        out.extend_from_slice(&self.max_body.to_le_bytes());
        out
    }
}

/// A key as the store holds it, with its secret (which [`SigningKey`] does not give back):
/// the reference verifier recomputes the MAC from it.
#[derive(Clone, Debug)]
pub struct KeyMaterial {
    /// The username.
    pub username: String,
    /// The secret.
    pub secret: Vec<u8>,
}

impl KeyMaterial {
    /// The key, or `None` when [`SigningKey::new`] refuses it.
    pub fn new(username: &[u8], secret: &[u8]) -> Option<Self> {
        let username = text(username);
        SigningKey::new(&username, secret).ok()?;
        Some(KeyMaterial {
            username,
            secret: secret.to_vec(),
        })
    }

    fn key(&self) -> SigningKey {
        SigningKey::new(&self.username, &self.secret).expect("checked in new")
    }
}

/// The keys of the `K` records (at most four; invalid ones are skipped).
fn keys_of(env: &Envelope<'_>) -> Vec<KeyMaterial> {
    env.all(tag::KEY)
        .take(MAX_KEYS)
        .filter_map(|content| {
            let (username, secret) = split_pair(content);
            KeyMaterial::new(username, secret)
        })
        .collect()
}

fn required_of(env: &Envelope<'_>) -> Vec<String> {
    env.all(tag::REQUIRED)
        .take(MAX_REQUIRED)
        .map(text)
        .collect()
}

/// What a verifier is given besides the request: its keys and policy, and the clock.
#[derive(Clone, Copy, Debug)]
pub struct Setup<'a> {
    /// The key store, in order.
    pub keys: &'a [KeyMaterial],
    /// Whether hmac-sha256 is allowed.
    pub legacy: bool,
    /// The skew bound, in seconds.
    pub max_skew: u64,
    /// The body limit, in bytes.
    pub max_body: u64,
    /// Headers the policy requires to be signed.
    pub required: &'a [&'a str],
    /// The verifier's clock.
    pub now: u64,
}

/// Verifies a head and body twice, all at once and streamed in chunks, and checks what any
/// outcome must satisfy. Returns the all-at-once result.
///
/// Properties: both ways agree (for a body that runs past its length the streamed error
/// reports the bytes received so far, so errors are compared by kind); every error has an
/// `http_status` of 400, 401 or 413, a `kind` and a message; and the verifier accepts exactly
/// when [`reference_verify`], an independent reading of SPEC §3 and §5, does, with the same
/// username, algorithm and key index.
pub fn verify_both(
    setup: &Setup<'_>,
    head: &RequestHead<'_, [(String, Vec<u8>)]>,
    body: &[u8],
    chunk: u8,
) -> Result<Verified, VerifyError> {
    let keys: Vec<SigningKey> = setup.keys.iter().map(KeyMaterial::key).collect();
    let policy = Policy::default()
        .allow_legacy_sha256(setup.legacy)
        .max_skew(setup.max_skew)
        .max_body(setup.max_body)
        .require_headers(setup.required);
    let verifier = Verifier::new(&keys[..], policy);
    let whole = verifier.verify(head, body, setup.now);
    let streamed = verifier
        .verify_head(head, setup.now)
        .and_then(|mut pending| {
            for piece in chunks(body, chunk) {
                pending.update(piece)?;
            }
            pending.finish()
        });
    match (&whole, &streamed) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(a), Err(b)) => assert_eq!(a.kind(), b.kind(), "{a:?} vs {b:?}"),
        _ => panic!("verify and the streamed verify disagree: {whole:?} vs {streamed:?}"),
    }
    if let Err(error) = &whole {
        assert!(matches!(error.http_status(), 400 | 401 | 413), "{error:?}");
        assert!(!error.kind().is_empty());
        assert!(!error.to_string().is_empty());
    }
    let reference = reference_verify(setup, head, body);
    match (&whole, &reference) {
        (Ok(verified), Ok(expected)) => assert_eq!(
            (
                verified.username(),
                verified.algorithm(),
                verified.key_index()
            ),
            (expected.0.as_str(), expected.1, expected.2)
        ),
        (Err(_), Err(_)) => {}
        _ => panic!("the verifier says {whole:?}, the reference verifier says {reference:?}"),
    }
    whole
}

/// Canonical padded standard base64 (RFC 4648 §4), written out independently of the core.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn trim(value: &[u8]) -> &[u8] {
    let start = value
        .iter()
        .position(|&b| !is_ows(b))
        .unwrap_or(value.len());
    let end = value
        .iter()
        .rposition(|&b| !is_ows(b))
        .map_or(start, |e| e + 1);
    &value[start..end]
}

fn is_token(bytes: &[u8]) -> bool {
    !bytes.is_empty()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(b))
}

/// Every header of that name, case-insensitively.
fn values_of<'h>(head: &RequestHead<'h, [(String, Vec<u8>)]>, name: &str) -> Vec<&'h [u8]> {
    head.headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_slice())
        .collect()
}

/// An independent verifier: SPEC §3 and §5 read literally, with the `hmac` and `sha2` crates
/// directly and without the core's signing-string, content-header, digest or key code. It
/// trusts only the core's Authorization and X-Date parsers, which the `authorization` and
/// `x_date` targets check on their own. Returns the username, algorithm and the index (among
/// that username's keys) of the first key whose MAC matches; or which rule fails.
pub fn reference_verify(
    setup: &Setup<'_>,
    head: &RequestHead<'_, [(String, Vec<u8>)]>,
    body: &[u8],
) -> Result<(String, Algorithm, usize), &'static str> {
    use hmac::{Hmac, KeyInit, Mac};
    use sha2::{Digest, Sha256, Sha512};

    // 0. One framing: a body is framed by Content-Length alone (the project's decision, before
    // SPEC's steps).
    if !values_of(head, "transfer-encoding").is_empty() {
        return Err("Transfer-Encoding");
    }
    // 1. One Authorization header, and it parses.
    let [authorization] = values_of(head, "authorization")[..] else {
        return Err("not exactly one Authorization header");
    };
    let auth = Authorization::parse(trim(authorization)).map_err(|_| "Authorization syntax")?;
    // 2. The algorithm.
    let algorithm = auth.algorithm();
    if algorithm == Algorithm::HmacSha256 && !setup.legacy {
        return Err("hmac-sha256 not allowed");
    }
    // 3. The required set.
    let list: Vec<&str> = auth.headers().iter().collect();
    let listed = |name: &str| list.contains(&name);
    for name in ["request-line", "x-date", "content-type", "content-length"] {
        if !listed(name) {
            return Err("a required header is unsigned");
        }
    }
    match algorithm {
        Algorithm::HmacSha512 if !listed("content-sha512") || listed("content-sha256") => {
            return Err("hmac-sha512 needs content-sha512 and no content-sha256");
        }
        Algorithm::HmacSha256 if !listed("content-sha512") && !listed("content-sha256") => {
            return Err("no digest signed");
        }
        _ => {}
    }
    if !setup
        .required
        .iter()
        .all(|r| list.iter().any(|n| n.eq_ignore_ascii_case(r)))
    {
        return Err("a policy header is unsigned");
    }
    // 4. The username, looked up; a miss is reported with the MAC (step 6), so that a defect of
    // the signing string gets the same answer for a known and an unknown username.
    let keys: Vec<&KeyMaterial> = setup
        .keys
        .iter()
        .filter(|k| k.username == auth.username())
        .collect();
    // 5. The signing string (SPEC §3).
    let mut lines: Vec<Vec<u8>> = Vec::new();
    for name in &list {
        if *name == "request-line" {
            let method = head.method.as_bytes();
            let target = head.target.as_bytes();
            if !is_token(method) {
                return Err("method is not a token");
            }
            if target.is_empty() || !target.iter().all(|b| (0x21..=0x7e).contains(b)) {
                return Err("target is not visible ASCII");
            }
            if target.contains(&b'#') {
                return Err("target holds a fragment");
            }
            lines.push(
                [
                    method,
                    b" ",
                    target,
                    b" HTTP/",
                    head.version.as_str().as_bytes(),
                ]
                .concat(),
            );
        } else {
            let [value] = values_of(head, name)[..] else {
                return Err("a signed header is absent or repeated");
            };
            if value.iter().any(|b| matches!(b, b'\r' | b'\n' | 0)) {
                return Err("a signed header holds CR, LF or NUL");
            }
            lines.push([name.as_bytes(), b": ", trim(value)].concat());
        }
    }
    let signing_string = lines.join(&b'\n');
    // 6. The MAC, under each of the username's keys.
    let mac = |secret: &[u8]| -> Vec<u8> {
        match algorithm {
            Algorithm::HmacSha512 => {
                let mut m = <Hmac<Sha512> as KeyInit>::new_from_slice(secret).expect("any key");
                m.update(&signing_string);
                m.finalize().into_bytes().to_vec()
            }
            Algorithm::HmacSha256 => {
                let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).expect("any key");
                m.update(&signing_string);
                m.finalize().into_bytes().to_vec()
            }
        }
    };
    if keys.is_empty() {
        return Err("unknown username");
    }
    let Some(index) = keys.iter().position(|k| mac(&k.secret) == auth.signature()) else {
        return Err("signature mismatch");
    };
    // 7. X-Date and the skew.
    let [x_date] = values_of(head, "x-date")[..] else {
        unreachable!("checked with the signing string")
    };
    let date = parse_imf_fixdate(trim(x_date)).map_err(|_| "X-Date is not an IMF-fixdate")?;
    if date.abs_diff(setup.now) > setup.max_skew {
        return Err("X-Date out of skew");
    }
    // 8. Content-Type.
    let [content_type] = values_of(head, "content-type")[..] else {
        unreachable!("checked with the signing string")
    };
    let content_type = trim(content_type);
    let media = content_type
        .split(|&b| b == b';')
        .next()
        .unwrap_or_default();
    if !trim(media).eq_ignore_ascii_case(b"application/json") {
        return Err("Content-Type is not JSON");
    }
    // 9. Content-Length.
    let [content_length] = values_of(head, "content-length")[..] else {
        unreachable!("checked with the signing string")
    };
    let digits = trim(content_length);
    let plain = !digits.is_empty()
        && digits.iter().all(u8::is_ascii_digit)
        && (digits == b"0" || digits[0] != b'0');
    let declared: u64 = std::str::from_utf8(digits)
        .ok()
        .filter(|_| plain)
        .and_then(|d| d.parse().ok())
        .ok_or("Content-Length is not plain decimal")?;
    if declared > setup.max_body {
        return Err("body too large");
    }
    if declared != body.len() as u64 {
        return Err("Content-Length differs from the body");
    }
    // 10. The digests.
    for (name, digest) in [
        ("content-sha512", Sha512::digest(body).to_vec()),
        ("content-sha256", Sha256::digest(body).to_vec()),
    ] {
        if listed(name) {
            let [value] = values_of(head, name)[..] else {
                unreachable!("checked with the signing string")
            };
            if trim(value) != base64(&digest).as_bytes() {
                return Err("digest mismatch or malformed");
            }
        }
    }
    Ok((auth.username().to_owned(), algorithm, index))
}

/// Target `request_head`. Input: an envelope with the [`VERIFY_PREFIX_LEN`]-byte prefix and
/// records `K` (keys), `R` (required headers), `M` (method; default `POST`), `T` (target;
/// default `/`), `H` (header fields, repeats kept, values as raw bytes), `B` (body, the rest).
///
/// Properties: those of [`verify_both`] (no panic on any head).
pub fn request_head(data: &[u8]) {
    let env = Envelope::decode(data, VERIFY_PREFIX_LEN, &[tag::BODY]);
    let params = VerifyParams::decode(&env);
    let keys = keys_of(&env);
    let required = required_of(&env);
    let required: Vec<&str> = required.iter().map(String::as_str).collect();
    let method = env.first(tag::METHOD).map_or_else(|| "POST".into(), text);
    let target = env.first(tag::TARGET).map_or_else(|| "/".into(), text);
    let headers: Vec<(String, Vec<u8>)> = env
        .all(tag::HEADER)
        .map(|content| {
            let (name, value) = split_pair(content);
            (text(name), value.to_vec())
        })
        .collect();
    let body = env.first(tag::BODY).unwrap_or_default();
    let head = RequestHead {
        method: &method,
        target: &target,
        version: params.version,
        headers: &headers[..],
    };
    let _ = verify_both(&params.setup(&keys, &required), &head, body, params.chunk);
}

/// Target `http_request`. Input: an envelope with the [`VERIFY_PREFIX_LEN`]-byte prefix (its
/// version bits unused), records `K` and `R` as for [`request_head`], then `Q`: a raw HTTP/1.x
/// request (the rest of the input), read by `ingo-sign`'s reader
/// [`ingo_signer::raw_request::parse_raw_request`] and verified.
///
/// Properties: the reader never panics; what it returns is HTTP/1.0 or 1.1 and its body is the
/// input's tail; then those of [`verify_both`].
pub fn http_request(data: &[u8]) {
    let env = Envelope::decode(data, VERIFY_PREFIX_LEN, &[tag::RAW]);
    let params = VerifyParams::decode(&env);
    let raw = env.first(tag::RAW).unwrap_or_default();
    let request = match ingo_signer::raw_request::parse_raw_request(raw) {
        Ok(request) => request,
        Err(error) => {
            assert!(!error.to_string().is_empty());
            return;
        }
    };
    assert!(matches!(
        request.version,
        HttpVersion::Http10 | HttpVersion::Http11
    ));
    assert!(raw.ends_with(&request.body));
    let keys = keys_of(&env);
    let required = required_of(&env);
    let required: Vec<&str> = required.iter().map(String::as_str).collect();
    let _ = verify_both(
        &params.setup(&keys, &required),
        &request.head(),
        &request.body,
        params.chunk,
    );
}

// ---------------------------------------------------------------------------------------------
// sign_verify

/// Prefix of the `sign_verify` envelope (15 bytes): `flags` (bit 0: sign with hmac-sha256;
/// bits 1-2: HTTP version as for [`VERIFY_PREFIX_LEN`]; bit 3: header order `LengthLast`),
/// `chunk`, `now` (u64 LE), `mutate_at` (u32 LE: which byte of the sent request to change),
/// `mutate_xor` (what to XOR it with; 0 reads as 1).
pub const SIGN_PREFIX_LEN: usize = 15;

/// The parameters of a `sign_verify` input.
#[derive(Clone, Copy, Debug)]
pub struct SignParams {
    /// Sign with hmac-sha256 (the verifier then allows it).
    pub legacy: bool,
    /// The HTTP version signed and sent.
    pub version: HttpVersion,
    /// The signer's header order.
    pub length_last: bool,
    /// Body chunk size when streaming.
    pub chunk: u8,
    /// The signer's and the verifier's clock.
    pub now: u64,
    /// Which byte of the sent request the mutation changes (modulo their number).
    pub mutate_at: u32,
    /// The XOR mask of the mutation.
    pub mutate_xor: u8,
}

impl SignParams {
    fn decode(env: &Envelope<'_>) -> Self {
        let flags = env.prefix[0];
        SignParams {
            legacy: flags & 1 != 0,
            version: version_from(flags >> 1),
            length_last: flags & 8 != 0,
            chunk: env.prefix[1],
            now: env.u64_at(2),
            mutate_at: env.u32_at(10),
            mutate_xor: env.prefix[14],
        }
    }

    /// The prefix bytes for these parameters.
    pub fn encode(&self) -> Vec<u8> {
        let flags = u8::from(self.legacy)
            | (version_bits(self.version) << 1)
            | (u8::from(self.length_last) << 3);
        let mut out = vec![flags, self.chunk];
        out.extend_from_slice(&self.now.to_le_bytes());
        out.extend_from_slice(&self.mutate_at.to_le_bytes());
        out.push(self.mutate_xor);
        out
    }
}

/// The fixed key `sign_verify` signs with when its input names none.
pub const DEFAULT_KEY: (&str, &[u8]) = ("demo", b"demo-secret-not-for-production");

/// A request as sent: what the mutation may change.
#[derive(Clone, Debug)]
struct Sent {
    method: Vec<u8>,
    target: Vec<u8>,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

/// Where a mutation may land: a piece of the sent request, and the byte range of it that the
/// signature covers verbatim.
#[derive(Clone, Copy, Debug)]
enum Piece {
    Method,
    Target,
    /// A header value (index into `headers`), the part between its surrounding whitespace
    /// (which the signing string trims, so changing a space into a tab there changes nothing).
    Header(usize),
    /// The base64 signature inside the Authorization value (changing the scheme's or a
    /// parameter name's case, or the whitespace between parameters, changes nothing either).
    Signature(usize),
    Body,
}

/// What `sign_verify` decodes: the signer's inputs.
pub struct SignInput<'a> {
    /// The parameters.
    pub params: SignParams,
    /// The key.
    pub key: SigningKey,
    /// The key's material.
    pub material: KeyMaterial,
    /// The method.
    pub method: String,
    /// The target.
    pub target: String,
    /// The content type.
    pub content_type: String,
    /// Extra signed headers.
    pub extra: Vec<(String, String)>,
    /// The body.
    pub body: &'a [u8],
}

impl<'a> SignInput<'a> {
    /// Decodes a `sign_verify` input; `None` when its key is invalid.
    pub fn decode(data: &'a [u8]) -> Option<Self> {
        let env = Envelope::decode(data, SIGN_PREFIX_LEN, &[tag::BODY]);
        let material = match env.first(tag::KEY) {
            Some(content) => {
                let (username, secret) = split_pair(content);
                KeyMaterial::new(username, secret)?
            }
            None => KeyMaterial::new(DEFAULT_KEY.0.as_bytes(), DEFAULT_KEY.1)?,
        };
        Some(SignInput {
            params: SignParams::decode(&env),
            key: material.key(),
            material,
            method: env.first(tag::METHOD).map_or_else(|| "POST".into(), text),
            target: env.first(tag::TARGET).map_or_else(|| "/".into(), text),
            content_type: env
                .first(tag::CONTENT_TYPE)
                .map_or_else(|| "application/json".into(), text),
            extra: env
                .all(tag::HEADER)
                .take(MAX_EXTRA)
                .map(|content| {
                    let (name, value) = split_pair(content);
                    (text(name), text(value))
                })
                .collect(),
            body: env.first(tag::BODY).unwrap_or_default(),
        })
    }

    /// Signs, and returns the headers as sent (the signer's five, then the extras), or `None`
    /// when the signer refuses the request.
    pub fn sign(&self) -> Option<Vec<(String, Vec<u8>)>> {
        let extra: Vec<(&str, &str)> = self
            .extra
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let request = Request {
            method: &self.method,
            target: &self.target,
            content_type: &self.content_type,
            body: Body::Bytes(self.body),
            extra_headers: &extra,
        };
        let mut signer = Signer::new(&self.key)
            .http_version(self.params.version)
            .header_order(if self.params.length_last {
                HeaderOrder::LengthLast
            } else {
                HeaderOrder::DigestLast
            });
        if self.params.legacy {
            signer = signer.legacy_sha256();
        }
        let signed = match signer.sign(&request, self.params.now) {
            Ok(signed) => signed,
            Err(error) => {
                assert!(!error.kind().is_empty() && !error.to_string().is_empty());
                return None;
            }
        };
        let mut headers: Vec<(String, Vec<u8>)> = signed
            .iter()
            .map(|(n, v)| (n.to_owned(), v.as_bytes().to_vec()))
            .collect();
        headers.extend(
            self.extra
                .iter()
                .map(|(n, v)| (n.clone(), v.as_bytes().to_vec())),
        );
        Some(headers)
    }
}

fn verify_sent(sent: &Sent, input: &SignInput<'_>) -> Result<Verified, VerifyError> {
    let (Ok(method), Ok(target)) = (
        std::str::from_utf8(&sent.method),
        std::str::from_utf8(&sent.target),
    ) else {
        // A mutation made the request line unreadable: no verifier gets to see it.
        return Err(VerifyError::SignatureMismatch);
    };
    let head = RequestHead {
        method,
        target,
        version: input.params.version,
        headers: &sent.headers[..],
    };
    let setup = Setup {
        keys: std::slice::from_ref(&input.material),
        legacy: input.params.legacy,
        max_skew: ingo_signer_core::policy::DEFAULT_MAX_SKEW,
        max_body: u64::MAX,
        required: &[],
        now: input.params.now,
    };
    verify_both(&setup, &head, &sent.body, input.params.chunk)
}

fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Target `sign_verify`. Input: an envelope with the [`SIGN_PREFIX_LEN`]-byte prefix and
/// records `K` (the signer's key; default [`DEFAULT_KEY`]), `M`, `T`, `C` (content type;
/// default `application/json`), `H` (extra signed headers, `name KV value`), `B` (body).
///
/// Properties: whatever the [`Signer`] signs, a [`Verifier`] holding the same key (legacy
/// allowed when signing legacy, no body limit, the same clock) accepts, as the signer's user
/// and algorithm, key index 0; the signer's Authorization header is canonical; and changing any
/// one byte the signature covers (in the method, the target, a header value between its
/// surrounding whitespace, the base64 signature, the body) makes verification fail.
///
/// One case is exempt from "signed verifies", by the protocol: under hmac-sha256 a verifier
/// also checks a signed `content-sha512` (SPEC §5.3), whose value the caller supplies, so that
/// request verifies only when the caller's digest is right.
pub fn sign_verify(data: &[u8]) {
    let Some(input) = SignInput::decode(data) else {
        return;
    };
    let Some(headers) = input.sign() else {
        return;
    };
    let authorization = headers
        .iter()
        .find(|(n, _)| n == "Authorization")
        .map(|(_, v)| v.clone())
        .expect("the signer sends Authorization");
    let parsed = Authorization::parse(&authorization).expect("the signer's header parses");
    assert_eq!(
        parsed.to_string().as_bytes(),
        &authorization[..],
        "not canonical"
    );

    let sent = Sent {
        method: input.method.clone().into_bytes(),
        target: input.target.clone().into_bytes(),
        headers,
        body: input.body.to_vec(),
    };
    let result = verify_sent(&sent, &input);
    let caller_digest = input.params.legacy
        && input
            .extra
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-sha512"));
    if caller_digest {
        assert!(
            matches!(result, Ok(_) | Err(VerifyError::Digest(_))),
            "{result:?}"
        );
        return;
    }
    let verified = result.unwrap_or_else(|e| {
        panic!(
            "signed but refused: {} ({e:?}); sent {:?}",
            e.kind(),
            DebugSent(&sent)
        )
    });
    assert_eq!(verified.username(), input.key.username());
    let algorithm = if input.params.legacy {
        Algorithm::HmacSha256
    } else {
        Algorithm::HmacSha512
    };
    assert_eq!(verified.algorithm(), algorithm);
    assert_eq!(verified.key_index(), 0);

    // One mutated byte.
    let mut pieces: Vec<(Piece, std::ops::Range<usize>)> = vec![
        (Piece::Method, 0..sent.method.len()),
        (Piece::Target, 0..sent.target.len()),
    ];
    for (i, (name, value)) in sent.headers.iter().enumerate() {
        if name == "Authorization" {
            let marker = b"signature=\"";
            let start = find(value, marker).expect("canonical form") + marker.len();
            let end = start
                + value[start..]
                    .iter()
                    .position(|&b| b == b'"')
                    .expect("quoted");
            pieces.push((Piece::Signature(i), start..end));
        } else {
            let start = value.iter().position(|&b| !is_ows(b)).unwrap_or(0);
            let end = value
                .iter()
                .rposition(|&b| !is_ows(b))
                .map_or(start, |e| e + 1);
            pieces.push((Piece::Header(i), start..end));
        }
    }
    pieces.push((Piece::Body, 0..sent.body.len()));
    let total: usize = pieces.iter().map(|(_, r)| r.len()).sum();
    if total == 0 {
        return;
    }
    let mut at = usize::try_from(input.params.mutate_at).unwrap_or(0) % total;
    let xor = input.params.mutate_xor.max(1);
    let mut mutated = sent.clone();
    for (piece, range) in &pieces {
        if at >= range.len() {
            at -= range.len();
            continue;
        }
        let index = range.start + at;
        let byte = match piece {
            Piece::Method => &mut mutated.method[index],
            Piece::Target => &mut mutated.target[index],
            Piece::Header(h) | Piece::Signature(h) => &mut mutated.headers[*h].1[index],
            Piece::Body => &mut mutated.body[index],
        };
        *byte ^= xor;
        let result = verify_sent(&mutated, &input);
        assert!(
            result.is_err(),
            "byte {index} of {piece:?} XOR {xor:#04x} still verifies: {:?}",
            DebugSent(&mutated)
        );
        return;
    }
    unreachable!("the mutation position is within the pieces");
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

struct DebugSent<'a>(&'a Sent);

impl std::fmt::Debug for DebugSent<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.0;
        let mut out = String::new();
        let _ = write!(
            out,
            "{} {} | ",
            String::from_utf8_lossy(&s.method),
            String::from_utf8_lossy(&s.target)
        );
        for (n, v) in &s.headers {
            let _ = write!(out, "{n}: {:?} | ", String::from_utf8_lossy(v));
        }
        let _ = write!(out, "body {:?}", String::from_utf8_lossy(&s.body));
        f.write_str(&out)
    }
}

// ---------------------------------------------------------------------------------------------
// payloads

/// The options an input's first byte selects (bits 0-3: PayPal-enabled, sender data, ledger
/// service, retail card-present).
pub fn options_from(bits: u8) -> Options {
    let mut options = Options::new();
    if bits & 1 != 0 {
        options = options.with_paypal_enabled();
    }
    if bits & 2 != 0 {
        options = options.with_sender_data();
    }
    if bits & 4 != 0 {
        options = options.with_ledger_service();
    }
    if bits & 8 != 0 {
        options = options.with_retail_card_present();
    }
    options
}

/// Whether a JSON error is about the grammar (so that another strict parser must agree),
/// rather than a limit of this validator.
fn is_grammar_error(error: JsonError) -> bool {
    !matches!(
        error,
        JsonError::TooLarge { .. } | JsonError::TooDeep { .. } | JsonError::Parser
    )
}

/// Targets `payload_session` and `payload_card`. Input: one byte of [`options_from`] bits,
/// then the body.
///
/// Properties: [`payload::validate`] never panics and never reports
/// [`JsonError::Parser`] (the strict scanner let through something `serde-json-core` could
/// not read); its result agrees with [`payload::validate_into`]; a report is non-empty and
/// every violation has a kind; every error has a status (400 or 413) and a message; and it
/// agrees with `serde_json` about the grammar: a body it judges (accepts, or reports field
/// violations for) is a JSON object to `serde_json`, and a body it calls malformed JSON is not
/// (numbers out of `f64` range excepted: `serde_json` refuses them, RFC 8259 does not).
pub fn payload(endpoint: Endpoint, data: &[u8]) {
    let (options, body) = match data.split_first() {
        Some((bits, body)) => (options_from(*bits), body),
        None => (Options::new(), data),
    };
    let result = payload::validate(endpoint, options, body);
    let mut report = Report::new();
    let into = payload::validate_into(endpoint, &options, body, &mut report);
    match (&result, into) {
        (Ok(()), Ok(())) => assert!(report.is_empty()),
        (Err(PayloadError::Invalid(r)), Ok(())) => {
            assert_eq!(r, &report);
            assert!(!r.is_empty());
            assert!(r.total() >= r.violations().len());
            for violation in r.violations() {
                assert!(!violation.kind().is_empty());
                let _ = violation.value();
                let _ = violation.path().is("x");
            }
        }
        (Err(PayloadError::Json(a)), Err(b)) => assert_eq!(*a, b),
        (a, b) => panic!("validate and validate_into disagree: {a:?} vs {b:?}"),
    }
    if let Err(error) = &result {
        assert!(matches!(error.http_status(), 400 | 413));
        assert!(!error.kind().is_empty() && !error.to_string().is_empty());
        assert!(
            !matches!(error, PayloadError::Json(JsonError::Parser)),
            "the strict scanner passed a body serde-json-core refuses"
        );
    }

    let reference = serde_json::from_slice::<serde_json::Value>(body);
    let out_of_range =
        matches!(&reference, Err(e) if e.to_string().contains("number out of range"));
    let reference_object = matches!(reference, Ok(serde_json::Value::Object(_)));
    match &result {
        Ok(()) | Err(PayloadError::Invalid(_)) => assert!(
            reference_object || out_of_range,
            "judged a body serde_json does not read as an object: {:?}",
            String::from_utf8_lossy(body)
        ),
        Err(PayloadError::Json(error)) if is_grammar_error(*error) => assert!(
            !reference_object,
            "{error:?} for a body serde_json reads as an object: {:?}",
            String::from_utf8_lossy(body)
        ),
        Err(PayloadError::Json(_)) => {}
    }
}

/// Target `payload_session`: [`payload`] for Session Create.
pub fn payload_session(data: &[u8]) {
    payload(Endpoint::SessionCreate, data);
}

/// Target `payload_card`: [`payload`] for push to card.
pub fn payload_card(data: &[u8]) {
    payload(Endpoint::PushToCard, data);
}
