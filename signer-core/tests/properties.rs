//! Property-based tests of the signer, the verifier (SPEC §3-§5) and every parser.
//!
//! Expected values come from code written in this file, independently of the crate: the signing
//! string (§3), the header list (§3 and the signer's documented order), standard base64, the
//! IMF-fixdate calendar, the Content-Length and header-list grammars, and the HMAC-key
//! equivalence the rotation property needs. The crate's own `hmac` and `sha2` dependencies supply
//! only the primitives. Every request under test is built by one function, [`sign`], from one
//! strategy, [`request_spec`].
//!
//! Case counts are explicit in each block (`ProptestConfig::with_cases`), sized so that the file
//! runs in about 15 s (25 s of CPU) in a debug build on two cores.

use std::collections::HashSet;

use hmac::{Hmac, KeyInit, Mac as _};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::test_runner::TestCaseError;
use sha2::{Digest as _, Sha256, Sha512};

use ingo_signer_core::authorization::{
    Authorization, AuthorizationError, MAX_AUTHORIZATION_LEN, MAX_CANONICAL_LEN, Parameter,
};
use ingo_signer_core::content_headers::parse_content_length;
use ingo_signer_core::date::{
    DateError, MAX_TIMESTAMP, SkewError, format_imf_fixdate, parse_imf_fixdate,
};
use ingo_signer_core::digest::{BodyDigest, BodyHasher};
use ingo_signer_core::header_list::HeaderList;
use ingo_signer_core::signer::{Body, HeaderOrder, SignError, sign_head};
use ingo_signer_core::signing_string::Headers;
use ingo_signer_core::{
    Algorithm, DigestAlgorithm, HttpVersion, KeyStore, Policy, Request, RequestHead, Signer,
    SigningKey, Verified, Verifier, VerifyError,
};

// ---------------------------------------------------------------------------------------------
// Independent oracles
// ---------------------------------------------------------------------------------------------

/// RFC 9110 tchar.
const TCHARS: &[u8] =
    b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
/// A token of 1 to N tchars, as a regex (`-` escaped, the rest literal inside the class).
const TOKEN_CLASS: &str = r"[!#$%&'*+.^_`|~0-9A-Za-z\-]";
const LOWER_TOKEN_CLASS: &str = r"[!#$%&'*+.^_`|~0-9a-z\-]";

/// The names the protocol itself puts in a request; extra signed headers never use them.
const RESERVED: &str =
    "request-line x-date content-type content-length content-sha512 content-sha256 authorization";

const PARAMETERS: [Parameter; 4] = [
    Parameter::Username,
    Parameter::Algorithm,
    Parameter::Headers,
    Parameter::Signature,
];
const PARAMETER_NAMES: [&str; 4] = ["username", "algorithm", "headers", "signature"];

fn is_tchar(b: u8) -> bool {
    TCHARS.contains(&b)
}

fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn trim_ows(value: &[u8]) -> &[u8] {
    let start = value.iter().take_while(|b| is_ows(**b)).count();
    let end = value.len()
        - value[start..]
            .iter()
            .rev()
            .take_while(|b| is_ows(**b))
            .count();
    &value[start..end]
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// RFC 4648 §4, padded.
fn b64_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let mut n = 0u32;
        for (i, b) in chunk.iter().enumerate() {
            n |= u32::from(*b) << (16 - 8 * i);
        }
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(B64[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes canonical padded standard base64 (the only form SPEC §2/§4 accept); `None` for
/// anything else (bad length, alphabet or padding, non-zero pad bits).
fn b64_decode_canonical(text: &[u8]) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(4) {
        return None;
    }
    let groups = text.len() / 4;
    let mut out = Vec::new();
    for (g, chunk) in text.chunks(4).enumerate() {
        let pads = chunk.iter().rev().take_while(|b| **b == b'=').count();
        if pads > 2 || (pads > 0 && g + 1 != groups) {
            return None;
        }
        let mut n = 0u32;
        for (i, c) in chunk[..4 - pads].iter().enumerate() {
            let v = B64.iter().position(|a| a == c)? as u32;
            n |= v << (18 - 6 * i);
        }
        out.extend_from_slice(&n.to_be_bytes()[1..4 - pads]);
    }
    (b64_encode(&out).as_bytes() == text).then_some(out)
}

fn hmac(algorithm: Algorithm, secret: &[u8], data: &[u8]) -> Vec<u8> {
    match algorithm {
        Algorithm::HmacSha512 => {
            let mut mac = <Hmac<Sha512> as KeyInit>::new_from_slice(secret).unwrap();
            mac.update(data);
            mac.finalize().into_bytes().to_vec()
        }
        Algorithm::HmacSha256 => {
            let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).unwrap();
            mac.update(data);
            mac.finalize().into_bytes().to_vec()
        }
    }
}

fn sha(algorithm: DigestAlgorithm, body: &[u8]) -> Vec<u8> {
    match algorithm {
        DigestAlgorithm::Sha512 => Sha512::digest(body).to_vec(),
        DigestAlgorithm::Sha256 => Sha256::digest(body).to_vec(),
    }
}

/// The key HMAC really uses (RFC 2104): a secret longer than the hash's block is hashed first,
/// and the key is zero-padded to the block, so trailing zero bytes do not change it.
fn effective_hmac_key(algorithm: Algorithm, secret: &[u8]) -> Vec<u8> {
    let (block, hashed) = match algorithm {
        Algorithm::HmacSha512 => (128, Sha512::digest(secret).to_vec()),
        Algorithm::HmacSha256 => (64, Sha256::digest(secret).to_vec()),
    };
    let mut key = if secret.len() > block {
        hashed
    } else {
        secret.to_vec()
    };
    while key.last() == Some(&0) {
        key.pop();
    }
    key
}

fn version_text(version: HttpVersion) -> &'static str {
    match version {
        HttpVersion::Http10 => "1.0",
        HttpVersion::Http11 => "1.1",
        HttpVersion::Http2 => "2.0",
    }
}

/// SPEC §3, written from the text: one line per listed name, `request-line` from the head, any
/// other name from the one header of that name (case-insensitive), its value trimmed of spaces
/// and tabs; LF-joined, no trailing LF. `None` when a listed header is absent or repeated.
fn expected_signing_string(
    list: &str,
    method: &str,
    target: &str,
    version: HttpVersion,
    headers: &[(String, Vec<u8>)],
) -> Option<Vec<u8>> {
    let mut lines: Vec<Vec<u8>> = Vec::new();
    for name in list.split(' ') {
        if name == "request-line" {
            lines.push(format!("{method} {target} HTTP/{}", version_text(version)).into_bytes());
        } else {
            let mut found = headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name));
            let (_, value) = found.next()?;
            if found.next().is_some() {
                return None;
            }
            let mut line = format!("{name}: ").into_bytes();
            line.extend_from_slice(trim_ows(value));
            lines.push(line);
        }
    }
    Some(lines.join(&b'\n'))
}

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn is_leap(year: u64) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

fn month_len(year: u64, month: u64) -> u64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// IMF-fixdate by walking years and months from 1970 (no era arithmetic).
fn naive_format(t: u64) -> String {
    let mut days = t / 86_400;
    let secs = t % 86_400;
    let weekday = WEEKDAYS[((days + 4) % 7) as usize]; // 1970-01-01 was a Thursday
    let mut year = 1970;
    loop {
        let len = if is_leap(year) { 366 } else { 365 };
        if days < len {
            break;
        }
        days -= len;
        year += 1;
    }
    let mut month = 1;
    while days >= month_len(year, month) {
        days -= month_len(year, month);
        month += 1;
    }
    format!(
        "{weekday}, {:02} {} {year:04} {:02}:{:02}:{:02} GMT",
        days + 1,
        MONTHS[month as usize - 1],
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Days from 1970-01-01 by counting leap years in closed form (not the crate's algorithm).
fn naive_days(year: u64, month: u64, day: u64) -> u64 {
    let leaps_through = |y: u64| y / 4 - y / 100 + y / 400;
    365 * (year - 1970)
        + (leaps_through(year - 1) - leaps_through(1969))
        + (1..month).map(|m| month_len(year, m)).sum::<u64>()
        + (day - 1)
}

/// A strict IMF-fixdate parser written from RFC 9110 §5.6.7 and SPEC §5.7.
fn naive_parse(text: &[u8]) -> Option<u64> {
    if text.len() != 29
        || &text[3..5] != b", "
        || text[7] != b' '
        || text[11] != b' '
        || text[16] != b' '
        || text[19] != b':'
        || text[22] != b':'
        || &text[25..] != b" GMT"
    {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u64> {
        let digits = &text[range];
        digits
            .iter()
            .all(u8::is_ascii_digit)
            .then(|| digits.iter().fold(0, |n, d| n * 10 + u64::from(d - b'0')))
    };
    let weekday = WEEKDAYS.iter().position(|w| w.as_bytes() == &text[0..3])? as u64;
    let day = number(5..7)?;
    let month = MONTHS.iter().position(|m| m.as_bytes() == &text[8..11])? as u64 + 1;
    let year = number(12..16)?;
    let (hour, minute, second) = (number(17..19)?, number(20..22)?, number(23..25)?);
    if year < 1970 || day == 0 || day > month_len(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let days = naive_days(year, month, day);
    if (days + 4) % 7 != weekday {
        return None;
    }
    Some(days * 86_400 + hour * 3600 + minute * 60 + second)
}

/// SPEC §5.9: plain decimal, no sign, no leading zeros, fits in u64; spaces and tabs around.
fn content_length_oracle(value: &[u8]) -> Option<u64> {
    let digits = trim_ows(value);
    let plain = !digits.is_empty()
        && digits.iter().all(u8::is_ascii_digit)
        && (digits.len() == 1 || digits[0] != b'0');
    if !plain {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// SPEC §4 `headers`: lower-case tokens separated by single spaces, none empty or repeated, at
/// most 16.
fn header_list_oracle(text: &str) -> bool {
    let names: Vec<&str> = text.split(' ').collect();
    let unique: HashSet<&str> = names.iter().copied().collect();
    names.len() <= 16
        && unique.len() == names.len()
        && names
            .iter()
            .all(|n| !n.is_empty() && n.bytes().all(|b| is_tchar(b) && !b.is_ascii_uppercase()))
}

/// The status each error kind maps to (401 unauthenticated, 400 malformed, 413 too large).
fn expected_status(kind: &str) -> u16 {
    match kind {
        "verify.body_too_large" => 413,
        "digest.mismatch" => 401,
        "verify.content_type"
        | "verify.content_length_invalid"
        | "verify.content_length_mismatch" => 400,
        k if k.starts_with("signing_string.")
            || k.starts_with("date.")
            || k.starts_with("digest.") =>
        {
            400
        }
        k if k.starts_with("authorization.") || k.starts_with("verify.") => 401,
        other => panic!("unknown error kind {other}"),
    }
}

/// A deterministic generator (SplitMix64) for shuffles driven by one proptest-chosen seed.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }

    fn recase(&mut self, name: &str) -> String {
        name.chars()
            .map(|c| {
                if self.next() & 1 == 1 {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------------

fn token(class: &str, len: &str) -> impl Strategy<Value = String> + use<> {
    proptest::string::string_regex(&format!("{class}{{{len}}}")).unwrap()
}

/// `%x20-21 / %x23-5B / %x5D-7E`: what a quoted value may hold (SPEC §4).
fn value_byte() -> impl Strategy<Value = u8> {
    prop_oneof![0x20u8..=0x21, 0x23u8..=0x5b, 0x5du8..=0x7e]
}

fn username() -> impl Strategy<Value = String> {
    let of_len = |min: usize, max: usize| {
        vec(value_byte(), min..=max).prop_map(|b| String::from_utf8(b).unwrap())
    };
    prop_oneof![
        3 => proptest::string::string_regex("[a-z][a-z0-9_.-]{0,15}").unwrap(),
        3 => of_len(1, 32),
        2 => of_len(1, 256),
        1 => of_len(256, 256),
    ]
}

/// Raw secret bytes, including longer than either hash's block (64 and 128 bytes).
fn secret() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        vec(any::<u8>(), 1..=32),
        vec(any::<u8>(), 1..=300),
        vec(any::<u8>(), 129..=300),
    ]
}

fn method() -> impl Strategy<Value = String> {
    prop_oneof![
        select(vec![
            "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"
        ])
        .prop_map(String::from),
        token(TOKEN_CLASS, "1,16"),
    ]
}

/// Visible ASCII path and query, percent-encodings (either case) included; no `#` (a fragment
/// is never sent: `signing_string.target_fragment`), though `%23` may occur.
fn target() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        6 => (0x21u8..=0x7e)
            .prop_filter("a fragment is refused", |&b| b != b'#')
            .prop_map(|b| char::from(b).to_string()),
        2 => (any::<u8>(), any::<bool>()).prop_map(|(b, upper)| if upper {
            format!("%{b:02X}")
        } else {
            format!("%{b:02x}")
        }),
        1 => select(vec![
            "/api/v1/sessions/point-in-time/plugin",
            "/gateway/process--card",
            "?a=1&b=2",
            "%23frag",
        ])
        .prop_map(String::from),
    ];
    prop_oneof![
        4 => vec(piece.clone(), 0..=48).prop_map(|p| format!("/{}", p.concat())),
        1 => vec(piece, 1..=16).prop_map(|p| p.concat()),
    ]
}

fn http_version() -> impl Strategy<Value = HttpVersion> {
    select(vec![
        HttpVersion::Http10,
        HttpVersion::Http11,
        HttpVersion::Http2,
    ])
}

fn header_order() -> impl Strategy<Value = HeaderOrder> {
    select(vec![HeaderOrder::DigestLast, HeaderOrder::LengthLast])
}

fn timestamp() -> impl Strategy<Value = u64> {
    prop_oneof![
        8 => 0..=MAX_TIMESTAMP,
        1 => 0u64..=3 * 86_400,
        1 => MAX_TIMESTAMP - 3 * 86_400..=MAX_TIMESTAMP,
    ]
}

/// `application/json` in any case, with or without parameters and surrounding spaces.
fn content_type() -> impl Strategy<Value = String> {
    (
        any::<u64>(),
        select(vec![
            "",
            "; charset=utf-8",
            ";charset=UTF-8",
            " ; charset=\"utf-8\"",
            ";v=1;q=x",
        ]),
        select(vec!["", " ", "\t "]),
        select(vec!["", " ", " \t"]),
    )
        .prop_map(|(case, params, left, right)| {
            let mut mix = Mix(case);
            format!("{left}{}{params}{right}", mix.recase("application/json"))
        })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        1 => Just(Vec::new()),
        3 => vec(any::<u8>(), 1..=64),
        3 => vec(any::<u8>(), 0..=4096),
    ]
}

/// A header value a client could send: printable text, spaces and tabs (also around it),
/// non-ASCII characters; never CR, LF, NUL or another control.
fn header_value_text() -> impl Strategy<Value = String> {
    let c = prop_oneof![
        8 => (0x20u8..=0x7e).prop_map(char::from),
        1 => Just('\t'),
        1 => any::<char>().prop_filter("no controls", |c| !c.is_control()),
    ];
    vec(c, 0..=40).prop_map(|cs| cs.into_iter().collect())
}

fn unreserved_name() -> impl Strategy<Value = String> {
    token(TOKEN_CLASS, "1,20").prop_filter("a name of the protocol's own", |n| {
        !RESERVED.split(' ').any(|r| r.eq_ignore_ascii_case(n))
    })
}

/// Up to 10 extra signed headers (the signer's maximum), names distinct case-insensitively.
fn extras() -> impl Strategy<Value = Vec<(String, String)>> {
    vec((unreserved_name(), header_value_text()), 0..=10).prop_map(|pairs| {
        let mut seen = HashSet::new();
        pairs
            .into_iter()
            .filter(|(n, _)| seen.insert(n.to_ascii_lowercase()))
            .collect()
    })
}

/// Unsigned headers with arbitrary values, which the verifier must not look at.
fn noise() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    vec((unreserved_name(), vec(any::<u8>(), 0..=40)), 0..=4)
}

fn skew() -> impl Strategy<Value = Option<u64>> {
    prop_oneof![
        1 => Just(None),
        1 => Just(Some(0)),
        3 => (0u64..=3600).prop_map(Some),
    ]
}

/// A character to put in a request line: mostly visible ASCII, often the bytes a request line
/// must not hold (space, tab, CR, LF, NUL, DEL), sometimes any character.
fn replacement_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => (0x21u8..=0x7e).prop_map(char::from),
        2 => select(vec![' ', '\t', '\r', '\n', '\0', '\x7f', '\u{e9}']),
        1 => (0u8..=0x7f).prop_map(char::from),
        1 => any::<char>(),
    ]
}

fn cuts() -> impl Strategy<Value = Vec<Index>> {
    vec(any::<Index>(), 0..=12)
}

// ---------------------------------------------------------------------------------------------
// The one place that builds a valid signed request
// ---------------------------------------------------------------------------------------------

/// Everything a signed request is made of.
#[derive(Clone, Debug)]
struct RequestSpec {
    username: String,
    secret: Vec<u8>,
    method: String,
    target: String,
    version: HttpVersion,
    content_type: String,
    body: Vec<u8>,
    /// Extra signed headers: name and value exactly as sent.
    extras: Vec<(String, String)>,
    /// Unsigned headers sent along.
    noise: Vec<(String, Vec<u8>)>,
    order: HeaderOrder,
    legacy: bool,
    now: u64,
    /// Shuffles the headers on the wire and changes the case of their names.
    layout: u64,
}

impl RequestSpec {
    fn algorithm(&self) -> Algorithm {
        if self.legacy {
            Algorithm::HmacSha256
        } else {
            Algorithm::HmacSha512
        }
    }

    fn digest_algorithm(&self) -> DigestAlgorithm {
        if self.legacy {
            DigestAlgorithm::Sha256
        } else {
            DigestAlgorithm::Sha512
        }
    }

    /// The `headers` parameter the signer documents: the seed's five names (the digest last or
    /// before content-length), then the extra names, lower-cased, in order.
    fn expected_list(&self) -> String {
        let digest = if self.legacy {
            "content-sha256"
        } else {
            "content-sha512"
        };
        let (third, fourth) = match self.order {
            HeaderOrder::DigestLast => ("content-length", digest),
            HeaderOrder::LengthLast => (digest, "content-length"),
        };
        let mut names = vec![
            "request-line".to_owned(),
            "x-date".to_owned(),
            "content-type".to_owned(),
            third.to_owned(),
            fourth.to_owned(),
        ];
        names.extend(self.extras.iter().map(|(n, _)| n.to_ascii_lowercase()));
        names.join(" ")
    }

    fn sign_with(
        &self,
        key: &SigningKey,
        body: Body<'_>,
    ) -> Result<Vec<(String, String)>, SignError> {
        let extras: Vec<(&str, &str)> = self.extras.iter().map(|(n, v)| (&**n, &**v)).collect();
        let request = Request {
            content_type: &self.content_type,
            body,
            extra_headers: &extras,
            ..Request::new(&self.method, &self.target, b"")
        };
        let mut signer = Signer::new(key)
            .http_version(self.version)
            .header_order(self.order);
        if self.legacy {
            signer = signer.legacy_sha256();
        }
        let signed = signer.sign(&request, self.now)?;
        Ok(signed
            .iter()
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect())
    }
}

prop_compose! {
    fn request_spec()(
        (username, secret) in (username(), secret()),
        (method, target, version) in (method(), target(), http_version()),
        (content_type, body) in (content_type(), body()),
        (extras, noise) in (extras(), noise()),
        (order, legacy, now, layout) in (header_order(), any::<bool>(), timestamp(), any::<u64>()),
    ) -> RequestSpec {
        RequestSpec {
            username, secret, method, target, version, content_type, body, extras, noise, order,
            legacy, now, layout,
        }
    }
}

/// A request signed from a [`RequestSpec`], as it travels.
struct Signed {
    spec: RequestSpec,
    key: SigningKey,
    /// The headers the signer generated, in the order `SignedHeaders::iter` gives them.
    generated: Vec<(String, String)>,
    /// Every header on the wire (generated, extras, noise), shuffled, names re-cased.
    headers: Vec<(String, Vec<u8>)>,
}

fn sign(spec: RequestSpec) -> Signed {
    let key = SigningKey::new(&spec.username, &spec.secret)
        .unwrap_or_else(|e| panic!("a grammar-valid key was refused: {e}"));
    let generated = spec
        .sign_with(&key, Body::Bytes(&spec.body))
        .unwrap_or_else(|e| panic!("a valid request was refused: {e} ({})", e.kind()));
    let mut mix = Mix(spec.layout);
    let mut headers: Vec<(String, Vec<u8>)> = generated
        .iter()
        .map(|(n, v)| (n.clone(), v.clone().into_bytes()))
        .chain(
            spec.extras
                .iter()
                .map(|(n, v)| (n.clone(), v.clone().into_bytes())),
        )
        .collect();
    let taken: HashSet<String> = headers
        .iter()
        .map(|(n, _)| n.to_ascii_lowercase())
        .collect();
    headers.extend(
        spec.noise
            .iter()
            .filter(|(n, _)| !taken.contains(&n.to_ascii_lowercase()))
            .cloned(),
    );
    for (name, _) in &mut headers {
        *name = mix.recase(name);
    }
    mix.shuffle(&mut headers);
    Signed {
        spec,
        key,
        generated,
        headers,
    }
}

type Outcome = Result<Verified, VerifyError>;
type Head<'h> = RequestHead<'h, [(String, Vec<u8>)]>;

fn head<'h>(
    method: &'h str,
    target: &'h str,
    version: HttpVersion,
    headers: &'h [(String, Vec<u8>)],
) -> Head<'h> {
    RequestHead {
        method,
        target,
        version,
        headers,
    }
}

impl Signed {
    /// Legacy allowed exactly when it is used; everything else at its default.
    fn policy(&self) -> Policy<'static> {
        Policy::default().allow_legacy_sha256(self.spec.legacy)
    }

    /// The head as received, with other headers.
    fn head_with<'h>(&'h self, headers: &'h [(String, Vec<u8>)]) -> Head<'h> {
        head(
            &self.spec.method,
            &self.spec.target,
            self.spec.version,
            headers,
        )
    }

    fn verify_parts(
        &self,
        method: &str,
        target: &str,
        version: HttpVersion,
        headers: &[(String, Vec<u8>)],
        body: &[u8],
    ) -> Outcome {
        let head = head(method, target, version, headers);
        Verifier::new(&self.key, self.policy()).verify(&head, body, self.spec.now)
    }

    fn verify_headers(&self, headers: &[(String, Vec<u8>)]) -> Outcome {
        let s = &self.spec;
        self.verify_parts(&s.method, &s.target, s.version, headers, &s.body)
    }

    fn verify_body(&self, body: &[u8]) -> Outcome {
        let s = &self.spec;
        self.verify_parts(&s.method, &s.target, s.version, &self.headers, body)
    }

    /// The untouched request must pass, so that a later refusal is the change's doing.
    fn assert_accepted(&self) -> Result<(), TestCaseError> {
        let verified = self.verify_body(&self.spec.body).map_err(|e| {
            TestCaseError::fail(format!("untouched request refused: {e} ({})", e.kind()))
        })?;
        check_verified(&verified, &self.spec, 0)
    }

    /// Positions in `headers` of the signed headers (not Authorization, not noise).
    fn signed_positions(&self) -> Vec<usize> {
        let list = self.spec.expected_list();
        self.headers
            .iter()
            .enumerate()
            .filter(|(_, (n, _))| list.split(' ').any(|l| n.eq_ignore_ascii_case(l)))
            .map(|(i, _)| i)
            .collect()
    }

    fn authorization_position(&self) -> usize {
        self.headers
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case("authorization"))
            .unwrap()
    }
}

fn check_verified(v: &Verified, spec: &RequestSpec, key_index: usize) -> Result<(), TestCaseError> {
    prop_assert_eq!(v.username(), spec.username.as_str());
    prop_assert_eq!(v.algorithm(), spec.algorithm());
    prop_assert_eq!(v.key_index(), key_index);
    Ok(())
}

fn expect_error(outcome: Outcome, kind: &str) -> Result<(), TestCaseError> {
    match outcome {
        Ok(v) => Err(TestCaseError::fail(format!(
            "accepted (as {:?}); expected {kind}",
            v.username()
        ))),
        Err(e) => {
            prop_assert_eq!(e.kind(), kind, "{}", e);
            prop_assert_eq!(e.http_status(), expected_status(kind));
            Ok(())
        }
    }
}

/// Splits `body` at the chosen points (empty chunks included).
fn chunks<'b>(body: &'b [u8], cuts: &[Index]) -> Vec<&'b [u8]> {
    let mut points: Vec<usize> = cuts.iter().map(|i| i.index(body.len() + 1)).collect();
    points.sort_unstable();
    let mut out = Vec::new();
    let mut previous = 0;
    for point in points {
        out.push(&body[previous..point]);
        previous = point;
    }
    out.push(&body[previous..]);
    out
}

/// `verify_head`, then every chunk through `update` (carrying on after a failure, which must
/// stick), then `finish`.
fn verify_streaming<S: KeyStore + ?Sized, H: Headers + ?Sized>(
    verifier: &Verifier<'_, S>,
    head: &RequestHead<'_, H>,
    body: &[u8],
    cuts: &[Index],
    now: u64,
) -> Outcome {
    let mut pending = verifier.verify_head(head, now)?;
    let declared = pending.content_length();
    let mut failed = None;
    for chunk in chunks(body, cuts) {
        let result = pending.update(chunk);
        match failed {
            Some(error) => assert_eq!(result, Err(error), "a failed PendingBody must stay failed"),
            None => failed = result.err(),
        }
    }
    assert_eq!(pending.content_length(), declared);
    let finished = pending.finish();
    if let Some(error) = failed {
        assert_eq!(
            finished,
            Err(error),
            "finish must repeat the update's error"
        );
    }
    finished
}

/// One-shot and streamed outcomes agree. The one documented difference: on a body that runs
/// past Content-Length, `received` counts the bytes up to the chunk that overflowed.
fn assert_same_outcome(one_shot: &Outcome, streamed: &Outcome) -> Result<(), TestCaseError> {
    let normalise = |o: &Outcome| match o {
        Err(VerifyError::ContentLengthMismatch { declared, received }) if received > declared => {
            Err(VerifyError::ContentLengthMismatch {
                declared: *declared,
                received: u64::MAX,
            })
        }
        other => other.clone(),
    };
    prop_assert_eq!(normalise(one_shot), normalise(streamed));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 1. Sign, then verify
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// What the signer sends is what SPEC §2/§3 say, computed here without the crate: the date,
    /// length, digest and the Authorization header over an independently built signing string.
    /// Signing a pre-digested body gives the same headers.
    #[test]
    fn signed_headers_match_an_independent_computation(spec in request_spec(), cuts in cuts()) {
        let signed = sign(spec);
        let s = &signed.spec;
        let list = s.expected_list();
        let string = expected_signing_string(&list, &s.method, &s.target, s.version, &signed.headers)
            .expect("every signed header is on the wire once");
        let authorization = format!(
            "hmac username=\"{}\", algorithm=\"{}\", headers=\"{list}\", signature=\"{}\"",
            s.username,
            if s.legacy { "hmac-sha256" } else { "hmac-sha512" },
            b64_encode(&hmac(s.algorithm(), &s.secret, &string)),
        );
        let digest_name = if s.legacy { "Content-sha256" } else { "Content-sha512" };
        let expected = vec![
            ("X-Date".to_owned(), naive_format(s.now)),
            ("Content-Type".to_owned(), s.content_type.clone()),
            ("Content-Length".to_owned(), s.body.len().to_string()),
            (digest_name.to_owned(), b64_encode(&sha(s.digest_algorithm(), &s.body))),
            ("Authorization".to_owned(), authorization),
        ];
        prop_assert_eq!(&signed.generated, &expected);

        let mut hasher = BodyHasher::new(s.digest_algorithm());
        for chunk in chunks(&s.body, &cuts) {
            hasher.update(chunk);
        }
        let digested = Body::Digested { len: s.body.len() as u64, digest: hasher.finalize() };
        prop_assert_eq!(s.sign_with(&signed.key, digested).unwrap(), expected);
    }

    /// Sign then verify accepts: any method, target, body, key, header order, HTTP version,
    /// legacy or not, extra signed headers (also required by the policy), unsigned noise, any
    /// header order and name case on the wire, any `now` up to 9999, verified anywhere within
    /// the skew, one-shot and streamed alike. One second past the skew either way is refused.
    #[test]
    fn sign_then_verify_accepts_within_the_skew(
        spec in request_spec(),
        skew in skew(),
        offset in any::<Index>(),
        later in any::<bool>(),
        allow_legacy_anyway in any::<bool>(),
        required_mask in any::<u16>(),
        cuts in cuts(),
    ) {
        let signed = sign(spec);
        let s = &signed.spec;
        let mut mix = Mix(u64::from(required_mask));
        let required: Vec<String> = s.extras.iter().enumerate()
            .filter(|(i, _)| required_mask & (1 << i) != 0)
            .map(|(_, (n, _))| mix.recase(n))
            .collect();
        let required: Vec<&str> = required.iter().map(String::as_str).collect();
        let mut policy = Policy::default()
            .allow_legacy_sha256(s.legacy || allow_legacy_anyway)
            .require_headers(&required);
        if let Some(seconds) = skew {
            policy = policy.max_skew(seconds);
        }
        let limit = skew.unwrap_or(300);
        prop_assert_eq!(policy.skew_limit(), limit);
        let verifier = Verifier::new(&signed.key, policy);
        let head = signed.head_with(&signed.headers);

        let distance = offset.index(limit as usize + 1) as u64;
        let at = if later { s.now + distance } else { s.now.saturating_sub(distance) };
        let one_shot = verifier.verify(&head, &s.body, at);
        let verified = one_shot.as_ref().map_err(|e| {
            TestCaseError::fail(format!("refused at {at} (signed {}): {e} ({})", s.now, e.kind()))
        })?;
        check_verified(verified, s, 0)?;
        let streamed = verify_streaming(&verifier, &head, &s.body, &cuts, at);
        prop_assert_eq!(&streamed, &one_shot);

        // The bound is inclusive and exact.
        prop_assert!(verifier.verify(&head, &s.body, s.now + limit).is_ok());
        prop_assert_eq!(
            verifier.verify(&head, &s.body, s.now + limit + 1).unwrap_err(),
            VerifyError::DateSkew(SkewError { seconds: limit + 1, ahead: false, limit })
        );
        if s.now >= limit {
            prop_assert!(verifier.verify(&head, &s.body, s.now - limit).is_ok());
        }
        if s.now > limit {
            prop_assert_eq!(
                verifier.verify(&head, &s.body, s.now - limit - 1).unwrap_err(),
                VerifyError::DateSkew(SkewError { seconds: limit + 1, ahead: true, limit })
            );
        }

        // A header the policy requires but the request does not sign is refused (§5.3).
        let unsigned = ["x-required-but-unsigned"];
        let demanding = Verifier::new(&signed.key, policy.require_headers(&unsigned));
        expect_error(demanding.verify(&head, &s.body, at), "verify.required_header_unsigned")?;

        // Legacy is refused unless the policy allows it.
        if s.legacy {
            let strict = Verifier::new(&signed.key, Policy::default());
            expect_error(strict.verify(&head, &s.body, s.now), "verify.algorithm_not_allowed")?;
        }
    }

    /// A request signed with `sign_head` over any list (names dropped, in any order, extras
    /// anywhere, the other digest header added) is accepted exactly when the list holds the
    /// required set of §5.3; otherwise the refusal is the rule's: `content-sha256` under
    /// hmac-sha512, then a missing required name.
    #[test]
    fn any_header_list_is_accepted_iff_it_holds_the_required_set(
        spec in request_spec(),
        drops in vec(any::<u8>(), 17),
        other_digest in any::<bool>(),
        order_seed in any::<u64>(),
    ) {
        let signed = sign(spec);
        let s = &signed.spec;
        let mut headers = signed.headers.clone();
        let mut names: Vec<String> = s.expected_list().split(' ').map(String::from).collect();
        if other_digest {
            let (name, algorithm) = if s.legacy {
                ("content-sha512", DigestAlgorithm::Sha512)
            } else {
                ("content-sha256", DigestAlgorithm::Sha256)
            };
            names.push(name.into());
            headers.push((name.into(), b64_encode(&sha(algorithm, &s.body)).into_bytes()));
        }
        let kept: Vec<String> = names.iter().zip(&drops)
            .filter(|(_, d)| **d >= 64) // each name dropped with probability 1/4
            .map(|(n, _)| n.clone())
            .collect();
        let mut names = if kept.is_empty() { vec![names[0].clone()] } else { kept };
        Mix(order_seed).shuffle(&mut names);
        let list_text = names.join(" ");
        let list = HeaderList::parse(&list_text).unwrap();

        let a = signed.authorization_position();
        let head = signed.head_with(&headers);
        let signature = sign_head(&signed.key, s.algorithm(), list, &head).unwrap();
        let string = expected_signing_string(&list_text, &s.method, &s.target, s.version, &headers).unwrap();
        let expected_mac = hmac(s.algorithm(), &s.secret, &string);
        prop_assert_eq!(signature.as_bytes(), expected_mac.as_slice());
        let authorization =
            Authorization::new(&s.username, s.algorithm(), list, signature.as_bytes()).unwrap();
        headers[a].1 = authorization.to_string().into_bytes();

        let has = |n: &str| names.iter().any(|m| m == n);
        let outcome = signed.verify_headers(&headers);
        if !s.legacy && has("content-sha256") {
            expect_error(outcome, "verify.digest_algorithm_mismatch")?;
        } else if !["request-line", "x-date", "content-type", "content-length"].iter().all(|n| has(n))
            || !(has("content-sha512") || has("content-sha256"))
        {
            expect_error(outcome, "verify.required_header_unsigned")?;
        } else {
            let verified = outcome.map_err(|e| TestCaseError::fail(format!("refused: {e} ({})", e.kind())))?;
            check_verified(&verified, s, 0)?;
        }
    }

    /// Streaming (`verify_head`, `update` over any chunking, `finish`) gives what one-shot
    /// `verify` gives, for the signed body and for bodies that differ from it.
    #[test]
    fn streaming_verify_agrees_with_one_shot(
        spec in request_spec(),
        variant in 0u8..5,
        at in any::<Index>(),
        byte in any::<u8>(),
        more in vec(any::<u8>(), 1..=64),
        other in vec(any::<u8>(), 0..=256),
        cuts in cuts(),
    ) {
        let signed = sign(spec);
        let s = &signed.spec;
        let mut body = s.body.clone();
        match variant {
            1 if !body.is_empty() => {
                let i = at.index(body.len());
                body[i] ^= byte.max(1);
            }
            2 => body.truncate(at.index(body.len() + 1)),
            3 => body.extend_from_slice(&more),
            4 => body = other,
            _ => {}
        }
        let verifier = Verifier::new(&signed.key, signed.policy());
        let head = signed.head_with(&signed.headers);
        let one_shot = verifier.verify(&head, &body, s.now);
        let streamed = verify_streaming(&verifier, &head, &body, &cuts, s.now);
        assert_same_outcome(&one_shot, &streamed)?;
        if body == s.body {
            prop_assert!(one_shot.is_ok());
        } else {
            let kind = one_shot.unwrap_err().kind();
            prop_assert!(
                kind == "digest.mismatch" || kind == "verify.content_length_mismatch",
                "{}", kind
            );
            prop_assert_eq!(kind == "digest.mismatch", body.len() == s.body.len());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Any single change is refused, with the kind SPEC §5 gives
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// A body byte changed: the head still authenticates, the digest (§5.10) does not match.
    #[test]
    fn changed_body_byte_is_a_digest_mismatch(
        spec in request_spec(),
        at in any::<Index>(),
        xor in 1u8..=255,
    ) {
        let signed = sign(spec);
        signed.assert_accepted()?;
        prop_assume!(!signed.spec.body.is_empty());
        let mut body = signed.spec.body.clone();
        let i = at.index(body.len());
        body[i] ^= xor;
        expect_error(signed.verify_body(&body), "digest.mismatch")?;
    }

    /// A body one or more bytes shorter or longer: Content-Length (§5.9) no longer holds.
    #[test]
    fn resized_body_is_a_length_mismatch(
        spec in request_spec(),
        cut in any::<Index>(),
        more in vec(any::<u8>(), 1..=64),
        grow in any::<bool>(),
    ) {
        let signed = sign(spec);
        let mut body = signed.spec.body.clone();
        if grow || body.is_empty() {
            body.extend_from_slice(&more);
        } else {
            body.truncate(cut.index(body.len()));
        }
        expect_error(signed.verify_body(&body), "verify.content_length_mismatch")?;
    }

    /// One byte of a signed header's value replaced by any byte a value may hold (not CR, LF,
    /// NUL): the MAC (§5.6) is checked before the date, type, length and digest formats
    /// (§5.7-§5.10), so the refusal is always a signature mismatch. Only a change inside the
    /// spaces and tabs trimmed off a value leaves the signing string, and acceptance, as it was.
    #[test]
    fn changed_signed_header_byte_is_a_signature_mismatch(
        spec in request_spec(),
        which in any::<Index>(),
        at in any::<Index>(),
        byte in any::<u8>().prop_filter("a value byte", |b| !matches!(b, b'\r' | b'\n' | 0)),
    ) {
        let signed = sign(spec);
        signed.assert_accepted()?;
        let candidates: Vec<usize> = signed.signed_positions().into_iter()
            .filter(|&i| !signed.headers[i].1.is_empty())
            .collect();
        let h = candidates[which.index(candidates.len())];
        let mut headers = signed.headers.clone();
        let value = &mut headers[h].1;
        let i = at.index(value.len());
        prop_assume!(value[i] != byte);
        let before = trim_ows(&signed.headers[h].1).to_vec();
        value[i] = byte;
        let outcome = signed.verify_headers(&headers);
        if trim_ows(&headers[h].1) == before.as_slice() {
            prop_assert!(outcome.is_ok(), "{:?}", outcome);
        } else {
            expect_error(outcome, "verify.signature_mismatch")?;
        }
    }

    /// Spaces and tabs around a signed header's value are not part of what is signed (§3), nor
    /// part of the Authorization header's value (HTTP field values exclude them): any padding,
    /// added or removed, still verifies.
    #[test]
    fn padding_around_signed_values_is_not_signed(
        spec in request_spec(),
        which in any::<Index>(),
        (left, right) in (ows(3), ows(3)),
        (auth_left, auth_right) in (ows(2), ows(2)),
    ) {
        let signed = sign(spec);
        let positions = signed.signed_positions();
        let h = positions[which.index(positions.len())];
        let mut headers = signed.headers.clone();
        let trimmed = trim_ows(&headers[h].1).to_vec();
        headers[h].1 = [left.as_bytes(), &trimmed, right.as_bytes()].concat();
        let a = signed.authorization_position();
        headers[a].1 = [auth_left.as_bytes(), &headers[a].1, auth_right.as_bytes()].concat();
        let verified = signed.verify_headers(&headers)
            .map_err(|e| TestCaseError::fail(format!("refused: {e} ({})", e.kind())))?;
        check_verified(&verified, &signed.spec, 0)?;
    }

    /// CR, LF or NUL anywhere in a signed header's value: refused at §5.5, before the MAC.
    #[test]
    fn line_break_or_nul_in_a_signed_header_is_refused(
        spec in request_spec(),
        which in any::<Index>(),
        at in any::<Index>(),
        byte in select(vec![b'\r', b'\n', 0u8]),
        replace in any::<bool>(),
    ) {
        let signed = sign(spec);
        let positions = signed.signed_positions();
        let h = positions[which.index(positions.len())];
        let mut headers = signed.headers.clone();
        let value = &mut headers[h].1;
        if replace && !value.is_empty() {
            let i = at.index(value.len());
            value[i] = byte;
        } else {
            value.insert(at.index(value.len() + 1), byte);
        }
        expect_error(signed.verify_headers(&headers), "signing_string.header_value_invalid")?;
    }

    /// One character of the request-target replaced: another visible ASCII byte changes the
    /// signed request line (§5.6); anything else is not a valid target (§3).
    #[test]
    fn changed_target_is_refused(
        spec in request_spec(),
        at in any::<Index>(),
        replacement in replacement_char(),
    ) {
        let signed = sign(spec);
        signed.assert_accepted()?;
        let s = &signed.spec;
        let i = at.index(s.target.len());
        prop_assume!(s.target.as_bytes()[i] != replacement as u32 as u8 || !replacement.is_ascii());
        let target = format!("{}{replacement}{}", &s.target[..i], &s.target[i + 1..]);
        let outcome = signed.verify_parts(&s.method, &target, s.version, &signed.headers, &s.body);
        if replacement == '#' {
            expect_error(outcome, "signing_string.target_fragment")?;
        } else if replacement.is_ascii_graphic() {
            expect_error(outcome, "verify.signature_mismatch")?;
        } else {
            expect_error(outcome, "signing_string.invalid_target")?;
        }
    }

    /// One character of the method replaced: another token character (case counts) changes the
    /// request line; anything else is not a method.
    #[test]
    fn changed_method_is_refused(
        spec in request_spec(),
        at in any::<Index>(),
        replacement in replacement_char(),
    ) {
        let signed = sign(spec);
        let s = &signed.spec;
        let i = at.index(s.method.len());
        prop_assume!(s.method.as_bytes()[i] != replacement as u32 as u8 || !replacement.is_ascii());
        let method = format!("{}{replacement}{}", &s.method[..i], &s.method[i + 1..]);
        let outcome = signed.verify_parts(&method, &s.target, s.version, &signed.headers, &s.body);
        if replacement.is_ascii() && is_tchar(replacement as u8) {
            expect_error(outcome, "verify.signature_mismatch")?;
        } else {
            expect_error(outcome, "signing_string.invalid_method")?;
        }
    }

    /// Another HTTP version than the one signed changes the request line.
    #[test]
    fn changed_version_is_a_signature_mismatch(spec in request_spec(), version in http_version()) {
        let signed = sign(spec);
        let s = &signed.spec;
        prop_assume!(version != s.version);
        let outcome = signed.verify_parts(&s.method, &s.target, version, &signed.headers, &s.body);
        expect_error(outcome, "verify.signature_mismatch")?;
    }

    /// The signature decoded, one bit flipped, re-encoded (still canonical base64 of the right
    /// length, so it parses): the MAC no longer matches.
    #[test]
    fn flipped_signature_bit_is_a_signature_mismatch(spec in request_spec(), bit in any::<Index>()) {
        let signed = sign(spec);
        signed.assert_accepted()?;
        let a = signed.authorization_position();
        let text = String::from_utf8(signed.headers[a].1.clone()).unwrap();
        let start = text.rfind("signature=\"").unwrap() + "signature=\"".len();
        let encoded = &text[start..text.len() - 1];
        let mut mac = b64_decode_canonical(encoded.as_bytes()).unwrap();
        prop_assert_eq!(mac.len(), signed.spec.algorithm().mac_len());
        let bit = bit.index(mac.len() * 8);
        mac[bit / 8] ^= 1 << (bit % 8);
        let mut headers = signed.headers.clone();
        headers[a].1 = format!("{}{}\"", &text[..start], b64_encode(&mac)).into_bytes();
        expect_error(signed.verify_headers(&headers), "verify.signature_mismatch")?;
    }
}

// ---------------------------------------------------------------------------------------------
// 3. The Authorization header
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct AuthParts {
    username: String,
    algorithm: Algorithm,
    list: String,
    signature: Vec<u8>,
}

impl AuthParts {
    /// SPEC §4: the canonical form signers write.
    fn canonical(&self) -> String {
        format!(
            "hmac username=\"{}\", algorithm=\"{}\", headers=\"{}\", signature=\"{}\"",
            self.username,
            self.algorithm.name(),
            self.list,
            b64_encode(&self.signature)
        )
    }

    /// The four values, in parameter order (username, algorithm, headers, signature).
    fn values(&self) -> [String; 4] {
        [
            self.username.clone(),
            self.algorithm.name().to_owned(),
            self.list.clone(),
            b64_encode(&self.signature),
        ]
    }

    fn check(&self, auth: &Authorization<'_>) -> Result<(), TestCaseError> {
        prop_assert_eq!(auth.username(), self.username.as_str());
        prop_assert_eq!(auth.algorithm(), self.algorithm);
        prop_assert_eq!(auth.headers().as_str(), self.list.as_str());
        prop_assert_eq!(auth.signature(), self.signature.as_slice());
        Ok(())
    }
}

fn algorithm() -> impl Strategy<Value = Algorithm> {
    select(vec![Algorithm::HmacSha512, Algorithm::HmacSha256])
}

/// 1 to 16 distinct lower-case tokens.
fn header_list() -> impl Strategy<Value = String> {
    vec(token(LOWER_TOKEN_CLASS, "1,24"), 1..=16).prop_map(|names| {
        let mut seen = HashSet::new();
        names
            .into_iter()
            .filter(|n| seen.insert(n.clone()))
            .collect::<Vec<_>>()
            .join(" ")
    })
}

prop_compose! {
    fn auth_parts()(username in username(), algorithm in algorithm(), list in header_list())
        (signature in vec(any::<u8>(), algorithm.mac_len()), username in Just(username.clone()),
         algorithm in Just(algorithm), list in Just(list.clone())) -> AuthParts {
        AuthParts { username, algorithm, list, signature }
    }
}

/// A legal spelling of the header (SPEC §4 grammar): scheme and names in any case, 1 to 3
/// spaces after the scheme, parameters in any order, BWS around `=`, OWS around commas and at
/// the end.
#[derive(Clone, Debug)]
struct Layout {
    scheme: String,
    spaces: usize,
    order: Vec<usize>,
    names: [String; 4],
    bws: Vec<(String, String)>,
    separators: Vec<String>,
    trailing: String,
}

impl Layout {
    fn canonical() -> Self {
        Layout {
            scheme: "hmac".into(),
            spaces: 1,
            order: vec![0, 1, 2, 3],
            names: PARAMETER_NAMES.map(String::from),
            bws: vec![(String::new(), String::new()); 4],
            separators: vec![", ".into(); 3],
            trailing: String::new(),
        }
    }

    /// The parameters in text order: (parameter index, name as written, BWS before and after
    /// `=`), with the separators between them.
    fn params(&self) -> Vec<(usize, String, String, String)> {
        self.order
            .iter()
            .map(|&p| {
                let (before, after) = self.bws[p].clone();
                (p, self.names[p].clone(), before, after)
            })
            .collect()
    }
}

fn ows(max: usize) -> impl Strategy<Value = String> {
    vec(select(vec![' ', '\t']), 0..=max).prop_map(|v| v.into_iter().collect())
}

fn cased(word: &'static str) -> impl Strategy<Value = String> {
    vec(any::<bool>(), word.len()).prop_map(move |upper| {
        word.chars()
            .zip(upper)
            .map(|(c, u)| if u { c.to_ascii_uppercase() } else { c })
            .collect()
    })
}

prop_compose! {
    fn layout()(
        scheme in cased("hmac"),
        spaces in 1usize..=3,
        order in Just(vec![0usize, 1, 2, 3]).prop_shuffle(),
        names in (cased("username"), cased("algorithm"), cased("headers"), cased("signature")),
        bws in vec((ows(2), ows(2)), 4),
        separators in vec((ows(2), ows(2)).prop_map(|(a, b)| format!("{a},{b}")), 3),
        trailing in ows(3),
    ) -> Layout {
        let names = [names.0, names.1, names.2, names.3];
        Layout { scheme, spaces, order, names, bws, separators, trailing }
    }
}

/// A rendered header and where each parameter's name and value start, in text order.
struct Rendered {
    text: String,
    name_at: Vec<usize>,
    value_at: Vec<usize>,
}

/// Renders `(name, BWS, BWS, value)` parameters in the given order.
fn render(
    scheme: &str,
    after_scheme: &str,
    params: &[(String, String, String, String)],
    separators: &[String],
    trailing: &str,
) -> Rendered {
    let mut text = format!("{scheme}{after_scheme}");
    let (mut name_at, mut value_at) = (Vec::new(), Vec::new());
    for (i, (name, before, after, value)) in params.iter().enumerate() {
        if i > 0 {
            text.push_str(separators.get(i - 1).map_or(", ", String::as_str));
        }
        name_at.push(text.len());
        text.push_str(&format!("{name}{before}={after}\""));
        value_at.push(text.len());
        text.push_str(&format!("{value}\""));
    }
    text.push_str(trailing);
    Rendered {
        text,
        name_at,
        value_at,
    }
}

fn render_layout(parts: &AuthParts, layout: &Layout) -> Rendered {
    let values = parts.values();
    let params: Vec<_> = layout
        .params()
        .into_iter()
        .map(|(p, name, b, a)| (name, b, a, values[p].clone()))
        .collect();
    render(
        &layout.scheme,
        &" ".repeat(layout.spaces),
        &params,
        &layout.separators,
        &layout.trailing,
    )
}

/// One way to break a legal header, each with the exact error SPEC §4 implies.
#[derive(Clone, Debug)]
enum Break {
    Drop(usize),
    Duplicate(usize),
    Unknown(String),
    Backslash(usize, Index),
    Empty(usize),
    NoComma(usize),
    TrailingComma,
    TabAfterScheme,
    Oversize,
}

fn a_break() -> impl Strategy<Value = Break> {
    prop_oneof![
        (0usize..4).prop_map(Break::Drop),
        (0usize..4).prop_map(Break::Duplicate),
        token(TOKEN_CLASS, "1,12")
            .prop_filter("a known parameter", |n| {
                !PARAMETER_NAMES.iter().any(|p| p.eq_ignore_ascii_case(n))
            })
            .prop_map(Break::Unknown),
        (0usize..4, any::<Index>()).prop_map(|(p, i)| Break::Backslash(p, i)),
        (0usize..4).prop_map(Break::Empty),
        (0usize..3).prop_map(Break::NoComma),
        Just(Break::TrailingComma),
        Just(Break::TabAfterScheme),
        Just(Break::Oversize),
    ]
}

/// Arbitrary bytes, or a legal header with a few bytes replaced, inserted or removed.
fn near_authorization() -> impl Strategy<Value = Vec<u8>> {
    let edit = (0u8..3, any::<Index>(), any::<u8>());
    prop_oneof![
        1 => vec(any::<u8>(), 0..=300),
        4 => (auth_parts(), layout(), vec(edit, 0..=3)).prop_map(|(parts, layout, edits)| {
            let mut text = render_layout(&parts, &layout).text.into_bytes();
            for (op, at, byte) in edits {
                match op {
                    0 if !text.is_empty() => { let i = at.index(text.len()); text[i] = byte; }
                    1 => text.insert(at.index(text.len() + 1), byte),
                    _ if !text.is_empty() => { text.remove(at.index(text.len())); }
                    _ => {}
                }
            }
            text
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// `new` then the formatters then `parse` gives back every value, and the text is the
    /// canonical form of SPEC §4 (computed here), the same through all three writers.
    #[test]
    fn authorization_format_then_parse(parts in auth_parts()) {
        let list = HeaderList::parse(&parts.list).unwrap();
        let auth = Authorization::new(&parts.username, parts.algorithm, list, &parts.signature).unwrap();
        parts.check(&auth)?;
        let mut text = String::new();
        auth.write_fmt_to(&mut text).unwrap();
        prop_assert_eq!(&text, &parts.canonical());
        prop_assert_eq!(auth.to_string(), text.clone());
        let mut buffer = [0u8; MAX_AUTHORIZATION_LEN];
        prop_assert_eq!(auth.write_to(&mut buffer).unwrap(), text.as_str());
        parts.check(&Authorization::parse(text.as_bytes()).unwrap())?;
    }

    /// Any legal spelling parses to the same values as the canonical one.
    #[test]
    fn authorization_parse_ignores_legal_variation(parts in auth_parts(), layout in layout()) {
        let rendered = render_layout(&parts, &layout);
        let auth = Authorization::parse(rendered.text.as_bytes()).map_err(|e| {
            TestCaseError::fail(format!("{e:?} for {:?}", rendered.text))
        })?;
        parts.check(&auth)?;
        prop_assert_eq!(auth.to_string(), parts.canonical());
    }

    /// Each structural break of a legal spelling is refused with its own error, at the exact
    /// byte; the length bound is inclusive.
    #[test]
    fn authorization_breaks_are_refused_precisely(
        parts in auth_parts(),
        layout in layout(),
        broken in a_break(),
    ) {
        let values = parts.values();
        let mut params: Vec<(String, String, String, String)> = layout.params().into_iter()
            .map(|(p, name, b, a)| (name, b, a, values[p].clone()))
            .collect();
        let mut separators = layout.separators.clone();
        let mut after_scheme = " ".repeat(layout.spaces);
        let mut trailing = layout.trailing.clone();
        let position = |p: usize| layout.order.iter().position(|&q| q == p).unwrap();
        let expected: Result<(), AuthorizationError>;
        match &broken {
            Break::Drop(p) => {
                let i = position(*p);
                params.remove(i);
                separators.remove(i.min(separators.len() - 1));
                expected = Err(AuthorizationError::MissingParameter(PARAMETERS[*p]));
            }
            Break::Duplicate(p) => {
                let name = PARAMETER_NAMES[*p].to_ascii_uppercase();
                params.push((name, String::new(), String::new(), values[*p].clone()));
                expected = Err(AuthorizationError::DuplicateParameter(PARAMETERS[*p]));
            }
            Break::Unknown(name) => {
                params.push((name.clone(), String::new(), String::new(), "x".into()));
                let at = render(&layout.scheme, &after_scheme, &params, &separators, "").name_at[4];
                expected = Err(AuthorizationError::UnknownParameter { at });
            }
            Break::Backslash(p, k) => {
                let i = position(*p);
                let value = &mut params[i].3;
                let k = k.index(value.len() + 1);
                value.insert(k, '\\');
                let at = render(&layout.scheme, &after_scheme, &params, &separators, "").value_at[i] + k;
                expected = Err(AuthorizationError::Backslash { at });
            }
            Break::Empty(p) => {
                params[position(*p)].3.clear();
                expected = Err(AuthorizationError::EmptyParameter(PARAMETERS[*p]));
            }
            Break::NoComma(g) => {
                separators[*g] = separators[*g].replace(',', "");
                let at = render(&layout.scheme, &after_scheme, &params, &separators, "").name_at[g + 1];
                // Whitespace then a parameter lacks a comma; a parameter glued to the closing
                // quote is garbage after a value (the vectors' decision).
                expected = if separators[*g].is_empty() {
                    Err(AuthorizationError::Syntax { at })
                } else {
                    Err(AuthorizationError::MissingComma { at })
                };
            }
            Break::TrailingComma => {
                trailing = format!("{trailing}, ");
                let len = render(&layout.scheme, &after_scheme, &params, &separators, &trailing).text.len();
                expected = Err(AuthorizationError::Syntax { at: len });
            }
            Break::TabAfterScheme => {
                after_scheme = "\t".into();
                expected = Err(AuthorizationError::Scheme);
            }
            Break::Oversize => {
                let len = render(&layout.scheme, &after_scheme, &params, &separators, &trailing).text.len();
                let at_limit = format!("{trailing}{}", " ".repeat(MAX_AUTHORIZATION_LEN - len));
                let text = render(&layout.scheme, &after_scheme, &params, &separators, &at_limit).text;
                prop_assert_eq!(text.len(), MAX_AUTHORIZATION_LEN);
                parts.check(&Authorization::parse(text.as_bytes()).unwrap())?;
                trailing = format!("{at_limit} ");
                expected = Err(AuthorizationError::TooLong { len: MAX_AUTHORIZATION_LEN + 1 });
            }
        }
        let text = render(&layout.scheme, &after_scheme, &params, &separators, &trailing).text;
        let parsed = Authorization::parse(text.as_bytes()).map(|_| ());
        prop_assert_eq!(parsed, expected, "{:?}", text);
    }
}

// ---------------------------------------------------------------------------------------------
// 4. IMF-fixdate
// ---------------------------------------------------------------------------------------------

/// Arbitrary bytes; a formatted date with one byte replaced; or a date built from fields drawn
/// around their valid ranges (months and weekdays sometimes misspelt), whose weekday is right
/// half the time.
fn near_date() -> impl Strategy<Value = Vec<u8>> {
    let fields = (
        prop_oneof![
            1965u64..=2105,
            9990u64..=9999,
            0u64..=9999,
            select(vec![
                1969u64, 1970, 2000, 2100, 2200, 2300, 2400, 4000, 9900, 9996, 9999
            ]),
        ],
        0usize..=12,
        prop_oneof![0u64..=32, 28u64..=31],
        0u64..=24,
        0u64..=60,
        0u64..=60,
        any::<bool>(),
        0usize..=7,
    )
        .prop_map(|(year, m, day, hour, minute, second, right_weekday, w)| {
            let m = if m == 12 && w == 7 { 1 } else { m }; // February more often
            let month = MONTHS.get(m).copied().unwrap_or("jan");
            // For a day past the month's end, the weekday it would have if days simply ran on
            // (29 Feb 2100 as 1 Mar 2100), so that only the calendar check can refuse it.
            let weekday = if right_weekday && year >= 1970 && m < 12 && day >= 1 {
                WEEKDAYS[((naive_days(year, m as u64 + 1, 1) + day - 1 + 4) % 7) as usize]
            } else {
                ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "sun"][w]
            };
            format!("{weekday}, {day:02} {month} {year:04} {hour:02}:{minute:02}:{second:02} GMT")
                .into_bytes()
        });
    prop_oneof![
        1 => vec(any::<u8>(), 0..=40),
        2 => (timestamp(), any::<Index>(), any::<u8>()).prop_map(|(t, at, byte)| {
            let mut text = naive_format(t).into_bytes();
            let i = at.index(text.len());
            text[i] = byte;
            text
        }),
        4 => fields,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(5000))]

    /// Format then parse is the identity on 0..=MAX_TIMESTAMP.
    #[test]
    fn date_format_then_parse_is_identity(t in timestamp()) {
        let date = format_imf_fixdate(t).unwrap();
        prop_assert_eq!(date.as_str().len(), 29);
        prop_assert_eq!(parse_imf_fixdate(date.as_str().as_bytes()), Ok(t));
    }

    /// `parse` accepts exactly what the strict parser written here accepts, with the same
    /// instant, and formatting an accepted instant gives back the very text (one text per
    /// instant).
    #[test]
    fn date_parse_agrees_with_an_independent_parser(text in near_date()) {
        let parsed = parse_imf_fixdate(&text);
        prop_assert_eq!(parsed.ok(), naive_parse(&text), "{:?}", String::from_utf8_lossy(&text));
        if let Ok(t) = parsed {
            prop_assert!(t <= MAX_TIMESTAMP);
            let again = format_imf_fixdate(t).unwrap();
            prop_assert_eq!(again.as_str().as_bytes(), &text[..]);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    /// Formatting agrees with a year-by-year, month-by-month walk from 1970.
    #[test]
    fn date_format_agrees_with_a_calendar_walk(t in timestamp()) {
        let date = format_imf_fixdate(t).unwrap();
        prop_assert_eq!(date.as_str(), naive_format(t));
    }

    /// Past 9999-12-31T23:59:59Z there is no IMF-fixdate.
    #[test]
    fn date_past_9999_is_out_of_range(extra in 1..=u64::MAX - MAX_TIMESTAMP) {
        prop_assert_eq!(format_imf_fixdate(MAX_TIMESTAMP + extra), Err(DateError::YearOutOfRange));
    }
}

// ---------------------------------------------------------------------------------------------
// 5. No parser panics; each agrees with its grammar
// ---------------------------------------------------------------------------------------------

fn near_header_list() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        4 => select(vec!["request-line", "x-date", "host", "a", "content-sha512"]).prop_map(String::from),
        2 => token(TOKEN_CLASS, "0,6"),
        1 => ".{0,6}",
    ];
    let separator = select(vec![" ", " ", " ", "  ", "\t", ""]);
    prop_oneof![
        1 => ".{0,40}",
        2 => vec(token(LOWER_TOKEN_CLASS, "1,6"), 14..=18).prop_map(|names| names.join(" ")),
        4 => vec((name, separator), 0..=20).prop_map(|parts| {
            let text: String = parts.into_iter().map(|(n, s)| format!("{n}{s}")).collect();
            text.trim_end_matches(' ').to_owned()
        }),
    ]
}

fn near_base64() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        1 => vec(any::<u8>(), 0..=100),
        2 => vec(any::<u8>(), 30..=66).prop_map(|b| b64_encode(&b).into_bytes()),
        3 => (select(vec![32usize, 64]), any::<Index>(), select([&B64[..], b"=-_ \n"].concat()))
            .prop_flat_map(|(len, at, c)| (vec(any::<u8>(), len), Just(at), Just(c)))
            .prop_map(|(bytes, at, c)| {
                let mut text = b64_encode(&bytes).into_bytes();
                let i = at.index(text.len());
                text[i] = c;
                text
            }),
    ]
}

fn near_content_length() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        1 => vec(any::<u8>(), 0..=24),
        2 => "[ \t]{0,2}[+-]?0{0,2}[0-9]{0,21}[ \t]{0,2}".prop_map(String::into_bytes),
        1 => (any::<u64>(), select(vec!["", " ", "\t "]), select(vec!["", " ", " \t"]))
            .prop_map(|(n, l, r)| format!("{l}{n}{r}").into_bytes()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// `Authorization::parse` never panics; whatever it accepts has a canonical form that
    /// parses back to the same values.
    #[test]
    fn authorization_parse_never_panics(bytes in near_authorization()) {
        if let Ok(auth) = Authorization::parse(&bytes) {
            let canonical = auth.to_string();
            // Past the bound, see `canonical_form_of_an_accepted_header_fits_the_bound`.
            if canonical.len() <= MAX_AUTHORIZATION_LEN {
                let again = Authorization::parse(canonical.as_bytes()).unwrap();
                prop_assert_eq!(again.username(), auth.username());
                prop_assert_eq!(again.algorithm(), auth.algorithm());
                prop_assert_eq!(again.headers(), auth.headers());
                prop_assert_eq!(again.signature(), auth.signature());
            }
        }
    }

    /// `parse_imf_fixdate` never panics on arbitrary bytes.
    #[test]
    fn date_parse_never_panics(bytes in vec(any::<u8>(), 0..=64)) {
        prop_assert_eq!(parse_imf_fixdate(&bytes).ok(), naive_parse(&bytes));
    }

    /// `HeaderList::parse` never panics, accepts exactly the §4 grammar, and keeps the names in
    /// order.
    #[test]
    fn header_list_parse_agrees_with_the_grammar(text in near_header_list()) {
        let parsed = HeaderList::parse(&text);
        prop_assert_eq!(parsed.is_ok(), header_list_oracle(&text), "{:?} gave {:?}", text, parsed);
        if let Ok(list) = parsed {
            prop_assert_eq!(list.as_str(), text.as_str());
            prop_assert_eq!(list.iter().collect::<Vec<_>>(), text.split(' ').collect::<Vec<_>>());
        }
    }

    /// `parse_content_length` never panics and accepts exactly plain decimals.
    #[test]
    fn content_length_parse_agrees_with_the_grammar(bytes in near_content_length()) {
        prop_assert_eq!(parse_content_length(&bytes), content_length_oracle(&bytes));
    }

    /// `BodyDigest::from_header` never panics and accepts exactly canonical base64 of the
    /// digest's length, which it then writes back unchanged.
    #[test]
    fn digest_header_parse_agrees_with_canonical_base64(
        bytes in near_base64(),
        algorithm in select(vec![DigestAlgorithm::Sha512, DigestAlgorithm::Sha256]),
    ) {
        let parsed = BodyDigest::from_header(algorithm, &bytes);
        let oracle = b64_decode_canonical(&bytes).filter(|d| d.len() == algorithm.output_len());
        prop_assert_eq!(parsed.is_ok(), oracle.is_some(), "{:?}", String::from_utf8_lossy(&bytes));
        if let Ok(digest) = parsed {
            let decoded = oracle.unwrap();
            prop_assert_eq!(digest.as_bytes(), decoded.as_slice());
            let text = digest.to_base64();
            prop_assert_eq!(text.as_bytes(), &bytes[..]);
            prop_assert_eq!(digest.algorithm(), algorithm);
        } else {
            prop_assert_eq!(parsed.unwrap_err().kind(), "digest.malformed");
        }
    }
}

fn header_name_any() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => select(vec![
            "Authorization", "authorization", "X-Date", "x-date", "Content-Type", "content-length",
            "Content-Length", "Content-sha512", "content-SHA256", "request-line", "Host",
        ]).prop_map(String::from),
        1 => ".{0,16}",
    ]
}

fn header_value_any() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        vec(any::<u8>(), 0..=64),
        timestamp().prop_map(|t| naive_format(t).into_bytes()),
        Just(b"application/json".to_vec()),
        any::<u64>().prop_map(|n| n.to_string().into_bytes()),
        vec(any::<u8>(), 64).prop_map(|b| b64_encode(&b).into_bytes()),
        near_authorization(),
        canonical_authorization(),
    ]
}

/// A well-formed Authorization value for a username of the fuzz store (or not), whose list
/// usually holds the required names.
fn canonical_authorization() -> impl Strategy<Value = Vec<u8>> {
    (
        select(vec!["demo", "rot", "nobody"]),
        algorithm(),
        select(vec![
            "request-line x-date content-type content-length content-sha512",
            "request-line x-date content-type content-sha256 content-length",
            "request-line x-date content-type content-length content-sha512 content-sha256",
            "request-line x-date content-type content-length content-sha512 host",
            "x-date content-type content-length content-sha512",
        ]),
        vec(any::<u8>(), 64),
    )
        .prop_map(|(user, algorithm, list, signature)| {
            AuthParts {
                username: user.into(),
                algorithm,
                list: list.into(),
                signature: signature[..algorithm.mac_len()].to_vec(),
            }
            .canonical()
            .into_bytes()
        })
}

fn fuzz_store() -> Vec<SigningKey> {
    vec![
        SigningKey::new("demo", b"demo-secret-not-for-production").unwrap(),
        SigningKey::new("rot", b"old").unwrap(),
        SigningKey::new("demo", b"another").unwrap(),
    ]
}

/// An edit of a valid request.
#[derive(Clone, Debug)]
enum Edit {
    Drop(Index),
    Duplicate(Index),
    Rename(Index, String),
    Replace(Index, Vec<u8>),
    Splice(Index, Index, Vec<u8>),
    Add(String, Vec<u8>),
    Body(Vec<u8>),
    Truncate(Index),
    Method(String),
    Target(String),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        any::<Index>().prop_map(Edit::Drop),
        any::<Index>().prop_map(Edit::Duplicate),
        (any::<Index>(), header_name_any()).prop_map(|(i, n)| Edit::Rename(i, n)),
        (any::<Index>(), header_value_any()).prop_map(|(i, v)| Edit::Replace(i, v)),
        (any::<Index>(), any::<Index>(), vec(any::<u8>(), 0..=4))
            .prop_map(|(i, at, b)| Edit::Splice(i, at, b)),
        (header_name_any(), header_value_any()).prop_map(|(n, v)| Edit::Add(n, v)),
        vec(any::<u8>(), 0..=64).prop_map(Edit::Body),
        any::<Index>().prop_map(Edit::Truncate),
        prop_oneof![method(), ".{0,8}"].prop_map(Edit::Method),
        prop_oneof![target(), ".{0,16}"].prop_map(Edit::Target),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    /// `verify` never panics on an arbitrary head and body (names and values anything, an
    /// Authorization header random or near-valid, any `now` and policy), streaming agrees with
    /// it, and nothing forged from nothing is accepted.
    #[test]
    fn verify_never_panics_on_arbitrary_heads(
        method in ".{0,12}",
        target in ".{0,40}",
        version in http_version(),
        headers in vec((header_name_any(), header_value_any()), 0..=10),
        body in vec(any::<u8>(), 0..=256),
        now in prop_oneof![any::<u64>(), timestamp()],
        (legacy, skew, max_body) in (any::<bool>(), any::<u64>(), prop_oneof![any::<u64>(), 0u64..=512]),
        required in vec(".{0,8}", 0..=2),
        authorization in proptest::option::of((canonical_authorization(), any::<Index>())),
        cuts in cuts(),
    ) {
        let mut headers = headers;
        if let Some((value, at)) = authorization {
            headers.insert(at.index(headers.len() + 1), ("Authorization".into(), value));
        }
        let store = fuzz_store();
        let required: Vec<&str> = required.iter().map(String::as_str).collect();
        let policy = Policy::default().allow_legacy_sha256(legacy).max_skew(skew).max_body(max_body)
            .require_headers(&required);
        let verifier = Verifier::new(&store[..], policy);
        let head = head(&method, &target, version, &headers);
        let one_shot = verifier.verify(&head, &body, now);
        let streamed = verify_streaming(&verifier, &head, &body, &cuts, now);
        assert_same_outcome(&one_shot, &streamed)?;
        let error = one_shot.expect_err("a request nobody signed was accepted");
        prop_assert_eq!(error.http_status(), expected_status(error.kind()));
    }

    /// A valid request put through a few random edits: no panic, streaming agrees with one-shot,
    /// and if it is still accepted, what it authenticates (the signing string of the list it now
    /// declares, computed here, and the body) is exactly what was signed.
    #[test]
    fn verify_never_panics_on_edited_requests(
        spec in request_spec(),
        edits in vec(edit(), 1..=4),
        cuts in cuts(),
    ) {
        let signed = sign(spec);
        let s = &signed.spec;
        let (mut method, mut target) = (s.method.clone(), s.target.clone());
        let mut headers = signed.headers.clone();
        let mut body = s.body.clone();
        for e in edits {
            let len = headers.len();
            match e {
                Edit::Drop(i) if len > 0 => { headers.remove(i.index(len)); }
                Edit::Duplicate(i) if len > 0 => { let h = headers[i.index(len)].clone(); headers.push(h); }
                Edit::Rename(i, n) if len > 0 => headers[i.index(len)].0 = n,
                Edit::Replace(i, v) if len > 0 => headers[i.index(len)].1 = v,
                Edit::Splice(i, at, bytes) if len > 0 => {
                    let value = &mut headers[i.index(len)].1;
                    let at = at.index(value.len() + 1);
                    value.splice(at..at, bytes);
                }
                Edit::Add(n, v) => headers.push((n, v)),
                Edit::Body(b) => body = b,
                Edit::Truncate(at) => body.truncate(at.index(body.len() + 1)),
                Edit::Method(m) => method = m,
                Edit::Target(t) => target = t,
                _ => {}
            }
        }
        let verifier = Verifier::new(&signed.key, signed.policy());
        let head = head(&method, &target, s.version, &headers);
        let one_shot = verifier.verify(&head, &body, s.now);
        let streamed = verify_streaming(&verifier, &head, &body, &cuts, s.now);
        assert_same_outcome(&one_shot, &streamed)?;
        match one_shot {
            Err(error) => prop_assert_eq!(error.http_status(), expected_status(error.kind())),
            Ok(verified) => {
                check_verified(&verified, s, 0)?;
                let auth = headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("authorization")).unwrap();
                let auth = Authorization::parse(trim_ows(&auth.1)).unwrap();
                let list = auth.headers().as_str();
                let now_signed = expected_signing_string(list, &method, &target, s.version, &headers);
                let was_signed = expected_signing_string(
                    &s.expected_list(), &s.method, &s.target, s.version, &signed.headers,
                );
                prop_assert_eq!(now_signed, was_signed);
                prop_assert_eq!(body, s.body.clone());
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 6. Key rotation
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Several keys for one username, among other users' keys: a request signed with any of them
    /// is accepted, reporting the index (among that username's keys, in store order) of the
    /// first key HMAC cannot tell from the signer's. Without that key it is a signature
    /// mismatch; a store without the username (or with it in another case) does not know it.
    #[test]
    fn rotation_accepts_any_key_and_reports_which(
        spec in request_spec(),
        own in vec(secret(), 1..=4),
        aliases in vec((any::<Index>(), 1usize..=3), 0..=2),
        others in vec((username(), secret()), 0..=3),
        signer in any::<Index>(),
        seed in any::<u64>(),
    ) {
        let username = spec.username.clone();
        let algorithm = spec.algorithm();
        // Secrets HMAC treats as one key: the same bytes with zeros appended (within a block).
        let mut secrets = own.clone();
        for (i, zeros) in aliases {
            let mut alias = own[i.index(own.len())].clone();
            if alias.len() + zeros <= 64 {
                alias.extend(std::iter::repeat_n(0u8, zeros));
                secrets.push(alias);
            }
        }
        let mut mix = Mix(seed);
        mix.shuffle(&mut secrets);
        let signing_secret = secrets[signer.index(secrets.len())].clone();
        let signed = sign(RequestSpec { secret: signing_secret.clone(), ..spec });
        let s = &signed.spec;

        // The store, as (username, secret) entries: the username's keys in `secrets` order,
        // other users' keys interleaved.
        let mut others = others.into_iter().filter(|(u, _)| *u != username);
        let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
        for secret in &secrets {
            if mix.next() & 1 == 1 {
                entries.extend(others.next());
            }
            entries.push((username.clone(), secret.clone()));
        }
        entries.extend(others);
        let keys = |entries: &[(String, Vec<u8>)]| -> Vec<SigningKey> {
            entries.iter().map(|(u, sec)| SigningKey::new(u, sec).unwrap()).collect()
        };
        let store = keys(&entries);
        prop_assert_eq!(store.keys_for(&username).count(), secrets.len());

        let target_key = effective_hmac_key(algorithm, &signing_secret);
        let same_key = |sec: &[u8]| effective_hmac_key(algorithm, sec) == target_key;
        let expected = secrets.iter().position(|sec| same_key(sec)).unwrap();
        let head = signed.head_with(&signed.headers);
        let policy = signed.policy();
        let verified = Verifier::new(&store[..], policy).verify(&head, &s.body, s.now)
            .map_err(|e| TestCaseError::fail(format!("refused: {e}")))?;
        check_verified(&verified, s, expected)?;

        // Without the signing key (and its HMAC aliases).
        let without: Vec<(String, Vec<u8>)> = entries.iter()
            .filter(|(u, sec)| *u != username || !same_key(sec))
            .cloned()
            .collect();
        let without = keys(&without);
        let outcome = Verifier::new(&without[..], policy).verify(&head, &s.body, s.now);
        if without.keys_for(&username).next().is_some() {
            expect_error(outcome, "verify.signature_mismatch")?;
        } else {
            expect_error(outcome, "verify.unknown_username")?;
        }

        // Only other usernames, one of them the same name in another case, with the right secret.
        let mut strangers: Vec<SigningKey> =
            store.iter().filter(|k| k.username() != username).cloned().collect();
        let swapped: String = username.chars()
            .map(|c| if c.is_ascii_lowercase() { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() })
            .collect();
        if swapped != username {
            strangers.push(SigningKey::new(&swapped, &signing_secret).unwrap());
        }
        let outcome = Verifier::new(&strangers[..], policy).verify(&head, &s.body, s.now);
        expect_error(outcome, "verify.unknown_username")?;
        let empty: [SigningKey; 0] = [];
        expect_error(Verifier::new(&empty, policy).verify(&head, &s.body, s.now), "verify.unknown_username")?;
    }
}

// ---------------------------------------------------------------------------------------------
// Regression tests for the two library bugs these properties found (a compact 2048-byte header's
// canonical form, and extra headers the signer signed though no verifier accepts them).
// ---------------------------------------------------------------------------------------------

/// SPEC §4 bounds the header as sent, so a compact 2048-byte header (`,` between parameters) is
/// accepted; its canonical form (`", "`) is three bytes longer. The contract: a parsed header's
/// canonical form fits MAX_CANONICAL_LEN, while `Authorization::new` (what signers build) refuses
/// anything whose canonical form a verifier would refuse.
#[test]
fn canonical_form_of_an_accepted_header_fits_the_bound() {
    let compact = Layout {
        separators: vec![",".into(); 3],
        ..Layout::canonical()
    };
    let mut parts = AuthParts {
        username: "u".into(),
        algorithm: Algorithm::HmacSha512,
        list: "x".into(),
        signature: vec![0; 64],
    };
    let short = render_layout(&parts, &compact).text.len();
    parts.list = "x".repeat(1 + MAX_AUTHORIZATION_LEN - short);
    let text = render_layout(&parts, &compact).text;
    assert_eq!(text.len(), MAX_AUTHORIZATION_LEN);
    let auth = Authorization::parse(text.as_bytes()).expect("within every bound of SPEC §4");
    assert_eq!(auth.canonical_len(), MAX_CANONICAL_LEN);
    let mut small = [0u8; MAX_AUTHORIZATION_LEN];
    assert_eq!(
        auth.write_to(&mut small).unwrap_err(),
        ingo_signer_core::buffer::BufferTooSmall {
            needed: MAX_CANONICAL_LEN
        }
    );
    let mut buffer = [0u8; MAX_CANONICAL_LEN];
    assert_eq!(auth.write_to(&mut buffer).unwrap().len(), MAX_CANONICAL_LEN);
    // A signer cannot build that header: no verifier would accept its canonical form.
    assert_eq!(
        Authorization::new(
            auth.username(),
            auth.algorithm(),
            auth.headers(),
            auth.signature()
        )
        .unwrap_err(),
        AuthorizationError::TooLong {
            len: MAX_CANONICAL_LEN
        }
    );
    // One name shorter by three bytes, and the signer's form fits exactly and parses back.
    let list = "x".repeat(parts.list.len() - 3);
    let list = HeaderList::parse(&list).unwrap();
    let built = Authorization::new("u", Algorithm::HmacSha512, list, &[0; 64]).unwrap();
    assert_eq!(built.canonical_len(), MAX_AUTHORIZATION_LEN);
    let text = built.to_string();
    let again = Authorization::parse(text.as_bytes()).unwrap();
    assert_eq!(again.headers(), list);
}

/// The signer module promises to refuse what a verifier would refuse, but it signs extra
/// headers that make a request no verifier can accept: `authorization` (the request then
/// carries two Authorization headers, and a signature cannot cover its own header anyway) and,
/// under hmac-sha512, `content-sha256` (SPEC §5.3 refuses it). Both are refused only at the
/// gateway, as `verify.repeated_authorization` and `verify.digest_algorithm_mismatch`.
#[test]
fn signer_refuses_extra_headers_no_verifier_accepts() {
    let key = SigningKey::new("demo", b"secret").unwrap();
    let mut signed_anyway = Vec::new();
    for name in ["Authorization", "authorization", "content-sha256"] {
        let extras = [(name, "v")];
        let request = Request {
            extra_headers: &extras,
            ..Request::new("POST", "/p", b"{}")
        };
        let Ok(signed) = Signer::new(&key).sign(&request, 1_000_000) else {
            continue; // refused before a round trip, as promised
        };
        let mut headers: Vec<(&str, &str)> = signed.iter().collect();
        headers.push((name, "v"));
        let head = RequestHead {
            method: "POST",
            target: "/p",
            version: HttpVersion::Http11,
            headers: &headers[..],
        };
        let outcome = Verifier::new(&key, Policy::default()).verify(&head, b"{}", 1_000_000);
        signed_anyway.push(format!(
            "`{name}` signed, then refused by the verifier: {:?}",
            outcome.map_err(|e| e.kind())
        ));
    }
    assert!(signed_anyway.is_empty(), "{signed_anyway:#?}");
}
