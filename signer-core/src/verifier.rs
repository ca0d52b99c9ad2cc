//! The verifier: authenticates a request head, then its body (SPEC §5).
//!
//! [`Verifier::verify_head`] performs every check that needs only the head, in SPEC order:
//! the request carries no `Transfer-Encoding`, the Authorization header parses, its algorithm is
//! allowed, it signs the required headers, its username is looked up, every signed header occurs
//! once with a single-line value (and the target holds no `#`), the MAC matches (constant time,
//! every key of the username tried), `X-Date` is valid and within the skew, `Content-Type` is
//! JSON, `Content-Length` is plain decimal within the body limit, and the digest header is
//! well-formed. It returns a [`PendingBody`]: a gateway has then authenticated the sender before
//! reading a byte of the body. The body is streamed through [`PendingBody::update`];
//! [`PendingBody::finish`] checks its length and digest (constant time). [`Verifier::verify`]
//! does both at once.
//!
//! Where Kong is lenient this is strict (SPEC §5 hardening notes): the date used for the skew
//! check must be signed, repeated signed headers are refused, the digest must be signed, MACs and
//! digests are compared in constant time, and a listed header that is missing fails.
//! No error carries the expected signature or digest.
//!
//! # Decisions beyond SPEC §5
//! - **`Transfer-Encoding` is refused, first** ([`VerifyError::TransferEncoding`]). SPEC frames
//!   a body by its signed `Content-Length` alone. A request that also carries
//!   `Transfer-Encoding` has two framings: a proxy or a C gateway that reads the chunked one
//!   passes on a body other than the one the digest covers, the classic request-smuggling set-up
//!   (RFC 9112 §6.1, §11.2). Framing is settled before anything else, as an HTTP server settles
//!   it before it reads the message: so the check comes before step 1, whoever sent the
//!   request, and costs no MAC. Any value is refused, `identity` and `chunked` alike.
//! - **A `#` in the request-target is refused** (`signing_string.target_fragment`, with the
//!   request line at step 5): see [`SigningStringError::TargetFragment`].
//! - **An unknown username fails where a wrong signature fails.** Step 4 asks the store for the
//!   username's keys, but a miss is reported at step 6, after the signing string is built (step 5) and one MAC is
//!   computed with a fixed stand-in key: the refusal of an unknown username then takes the path
//!   and the time of a wrong signature for a one-key username. Reported at step 4, a request
//!   with a defect of step 5 (a missing signed header, a `#`) would be told apart: 400 for a
//!   known username, 401 for an unknown one. [`VerifyError::UnknownUsername`] keeps its own kind
//!   for logs; what a client is told is [`VerifyError::for_client`], the same answer as a
//!   signature mismatch.
//! - **A key past its expiry does not verify** ([`SigningKey::not_after`](crate::SigningKey::not_after)):
//!   its MAC is still computed, so the time does not tell, and its match does not count.

use core::fmt;

use subtle::Choice;

use crate::algorithm::{Algorithm, DigestAlgorithm};
use crate::authorization::{Authorization, AuthorizationError};
use crate::constant_time::bytes_eq;
use crate::content_headers::{is_json_content_type, parse_content_length};
use crate::date::{DateError, SkewError, check_skew, parse_imf_fixdate};
use crate::digest::{BodyChecks, BodyDigest, DigestError};
use crate::header_list::{HeaderList, REQUEST_LINE};
use crate::key::KeyStore;
use crate::policy::Policy;
use crate::replay::ReplayKey;
use crate::signer::Signature;
use crate::signing_string::{
    HeaderLookup, HeaderName, Headers, KnownHeader, RequestHead, SigningLines, SigningStringError,
    trim_ows,
};

/// Why a request is refused. Each variant is one rule of SPEC §4/§5.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifyError {
    /// The request has no Authorization header.
    MissingAuthorization,
    /// The request has more than one Authorization header.
    RepeatedAuthorization,
    /// The Authorization header does not parse (SPEC §4).
    Authorization(AuthorizationError),
    /// The algorithm is not allowed by the policy (hmac-sha256 without legacy enabled).
    AlgorithmNotAllowed(Algorithm),
    /// `content-sha256` is signed under `hmac-sha512`.
    DigestAlgorithmMismatch,
    /// A header the SPEC (or the policy) requires is not in the signed list.
    RequiredHeaderUnsigned(HeaderName),
    /// No key is known for the username.
    UnknownUsername,
    /// The request head cannot produce a signing string (a signed header absent, repeated or
    /// multi-line; an invalid method or target).
    SigningString(SigningStringError),
    /// The signature does not match the request.
    SignatureMismatch,
    /// `X-Date` is not a valid IMF-fixdate.
    Date(DateError),
    /// `X-Date` is too far from now.
    DateSkew(SkewError),
    /// `Content-Type` is not `application/json`.
    ContentType,
    /// `Content-Length` is not plain decimal.
    ContentLengthInvalid,
    /// The body's length differs from `Content-Length`.
    ContentLengthMismatch {
        /// The declared length.
        declared: u64,
        /// The bytes received (so far, when it ran past the declared length).
        received: u64,
    },
    /// The body is larger than the policy allows.
    BodyTooLarge {
        /// The policy's limit, in bytes.
        limit: u64,
    },
    /// The digest header is malformed, or does not match the body.
    Digest(DigestError),
    /// The request was accepted before: a replay store already holds its
    /// [`ReplayKey`]. The core never returns it; a gateway's replay
    /// guard does (see [`replay`](crate::replay)).
    Replayed,
    /// The replay store could not say whether the request was seen before (unreachable, timed
    /// out, full), so the request is refused rather than let through unchecked. The core never
    /// returns it; a gateway's replay guard does.
    ReplayCheckUnavailable,
    /// The request carries a `Transfer-Encoding` header: the protocol frames a body by its
    /// signed `Content-Length` alone, and a second framing is a request-smuggling risk.
    TransferEncoding,
}

impl VerifyError {
    /// Stable identifier of this error: `verify.*`, or the inner concern's own
    /// (`authorization.*`, `signing_string.*`, `date.*`, `digest.*`).
    pub const fn kind(self) -> &'static str {
        match self {
            VerifyError::MissingAuthorization => "verify.missing_authorization",
            VerifyError::RepeatedAuthorization => "verify.repeated_authorization",
            VerifyError::Authorization(e) => e.kind(),
            VerifyError::AlgorithmNotAllowed(_) => "verify.algorithm_not_allowed",
            VerifyError::DigestAlgorithmMismatch => "verify.digest_algorithm_mismatch",
            VerifyError::RequiredHeaderUnsigned(_) => "verify.required_header_unsigned",
            VerifyError::UnknownUsername => "verify.unknown_username",
            VerifyError::SigningString(e) => e.kind(),
            VerifyError::SignatureMismatch => "verify.signature_mismatch",
            VerifyError::Date(e) => e.kind(),
            VerifyError::DateSkew(_) => "verify.date_skew",
            VerifyError::ContentType => "verify.content_type",
            VerifyError::ContentLengthInvalid => "verify.content_length_invalid",
            VerifyError::ContentLengthMismatch { .. } => "verify.content_length_mismatch",
            VerifyError::BodyTooLarge { .. } => "verify.body_too_large",
            VerifyError::Digest(e) => e.kind(),
            VerifyError::Replayed => "verify.replayed",
            VerifyError::ReplayCheckUnavailable => "verify.replay_unavailable",
            VerifyError::TransferEncoding => "verify.transfer_encoding",
        }
    }

    /// The error as a client is told it: an unknown username is answered exactly as a signature
    /// mismatch (same status, same message), so the answer does not tell which usernames exist;
    /// every other error is itself. Log [`kind`](Self::kind) of the original.
    ///
    /// ```
    /// use ingo_signer_core::VerifyError;
    /// let e = VerifyError::UnknownUsername;
    /// assert_eq!(e.kind(), "verify.unknown_username"); // for the log
    /// assert_eq!(e.for_client(), VerifyError::SignatureMismatch); // for the answer
    /// assert_eq!(VerifyError::ContentType.for_client(), VerifyError::ContentType);
    /// ```
    #[must_use]
    pub const fn for_client(self) -> VerifyError {
        match self {
            VerifyError::UnknownUsername => VerifyError::SignatureMismatch,
            other => other,
        }
    }

    /// The HTTP status a gateway answers with: 401 when the request is not authenticated (or is
    /// a replay), 400 when it is malformed, 413 when its body is over the limit, 503 when the
    /// replay check cannot be made.
    pub const fn http_status(self) -> u16 {
        match self {
            VerifyError::MissingAuthorization
            | VerifyError::RepeatedAuthorization
            | VerifyError::Authorization(_)
            | VerifyError::AlgorithmNotAllowed(_)
            | VerifyError::DigestAlgorithmMismatch
            | VerifyError::RequiredHeaderUnsigned(_)
            | VerifyError::UnknownUsername
            | VerifyError::SignatureMismatch
            | VerifyError::DateSkew(_)
            | VerifyError::Digest(DigestError::Mismatch(_))
            | VerifyError::Replayed => 401,
            VerifyError::SigningString(_)
            | VerifyError::Date(_)
            | VerifyError::ContentType
            | VerifyError::ContentLengthInvalid
            | VerifyError::ContentLengthMismatch { .. }
            | VerifyError::Digest(DigestError::Malformed(_))
            | VerifyError::TransferEncoding => 400,
            VerifyError::BodyTooLarge { .. } => 413,
            VerifyError::ReplayCheckUnavailable => 503,
        }
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::MissingAuthorization => f.write_str(
                "the request has no Authorization header; sign it with `hmac username=..., algorithm=..., headers=..., signature=...`",
            ),
            VerifyError::RepeatedAuthorization => {
                f.write_str("the request has more than one Authorization header; send exactly one")
            }
            VerifyError::Authorization(e) => fmt::Display::fmt(e, f),
            VerifyError::AlgorithmNotAllowed(alg) => write!(
                f,
                "algorithm {alg} is not allowed here; sign with hmac-sha512"
            ),
            VerifyError::DigestAlgorithmMismatch => f.write_str(
                "content-sha256 cannot be signed with hmac-sha512; send and sign content-sha512",
            ),
            VerifyError::RequiredHeaderUnsigned(name) => write!(
                f,
                "the signature must cover `{name}`; add it to the headers list"
            ),
            VerifyError::UnknownUsername => {
                f.write_str("the username is not known; check the HMAC username you were issued")
            }
            VerifyError::SigningString(e) => fmt::Display::fmt(e, f),
            VerifyError::SignatureMismatch => f.write_str(
                "the signature does not match the request; check the secret, the signing string (request line, header values, order) and that nothing changed it in transit",
            ),
            VerifyError::Date(e) => fmt::Display::fmt(e, f),
            VerifyError::DateSkew(e) => fmt::Display::fmt(e, f),
            VerifyError::ContentType => f.write_str("content-type must be application/json"),
            VerifyError::ContentLengthInvalid => f.write_str(
                "content-length must be a plain decimal number of bytes (no sign, no leading zeros)",
            ),
            VerifyError::ContentLengthMismatch { declared, received } => write!(
                f,
                "content-length says {declared} bytes but the body has {received}{}",
                if received > declared { " or more" } else { "" }
            ),
            VerifyError::BodyTooLarge { limit } => {
                write!(f, "the body is larger than the limit of {limit} bytes")
            }
            VerifyError::Digest(e) => fmt::Display::fmt(e, f),
            VerifyError::Replayed => f.write_str(
                "this request was already accepted once; a signed request is good for one use only: sign every request anew (fresh X-Date, new signature), including a retry",
            ),
            VerifyError::ReplayCheckUnavailable => f.write_str(
                "the request was not accepted because the gateway cannot check it for replay right now; retry it later, signed anew",
            ),
            VerifyError::TransferEncoding => f.write_str(
                "the request carries a Transfer-Encoding header; send the body whole, framed by its signed Content-Length, with no Transfer-Encoding",
            ),
        }
    }
}

/// A verified request: who signed it, how, and when.
#[derive(Clone, PartialEq, Eq)]
pub struct Verified {
    username: heapless::String<256>,
    algorithm: Algorithm,
    key_index: usize,
    /// The signature's MAC; the first `algorithm.mac_len()` bytes are used.
    mac: [u8; 64],
    x_date: u64,
}

impl fmt::Debug for Verified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The MAC is public, but noise in logs: its length only, as `Authorization` does.
        f.debug_struct("Verified")
            .field("username", &self.username)
            .field("algorithm", &self.algorithm)
            .field("key_index", &self.key_index)
            .field("x_date", &self.x_date)
            .field("mac_len", &self.algorithm.mac_len())
            .finish()
    }
}

impl Verified {
    /// The authenticated username.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The algorithm the request was signed with.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Which of the username's keys matched, in the store's order (to see when a rotated-out key
    /// stops being used).
    pub fn key_index(&self) -> usize {
        self.key_index
    }

    /// The MAC the request was signed with (the decoded `signature` parameter): 64 bytes for
    /// hmac-sha512, 32 for hmac-sha256.
    pub fn mac(&self) -> &[u8] {
        crate::buffer::used(&self.mac, self.algorithm.mac_len())
    }

    /// The signed `X-Date`, in Unix seconds.
    pub fn x_date(&self) -> u64 {
        self.x_date
    }

    /// The key a replay store remembers this request by: derived from the username, the
    /// algorithm and the MAC (see [`ReplayKey`]). Computed on each call (one SHA-512/256 block).
    pub fn replay_key(&self) -> ReplayKey {
        ReplayKey::derive(&self.username, self.algorithm, self.mac())
    }
}

/// Verifies requests against a key store and a policy.
///
/// ```
/// use ingo_signer_core::{key::SigningKey, policy::Policy, signer::{Request, Signer},
///     signing_string::{HttpVersion, RequestHead}, verifier::Verifier};
/// let key = SigningKey::new("demo", b"demo-secret-not-for-production").unwrap();
/// let body = br#"{"participant_unique_id1":"abc"}"#;
/// let signed = Signer::new(&key).sign(&Request::new("POST", "/x", body), 1_000_000).unwrap();
/// let headers: Vec<(&str, &str)> = signed.iter().collect();
/// let head = RequestHead { method: "POST", target: "/x", version: HttpVersion::Http11, headers: &headers[..] };
///
/// let verifier = Verifier::new(&key, Policy::default());
/// assert_eq!(verifier.verify(&head, body, 1_000_100).unwrap().username(), "demo");
/// assert_eq!(verifier.verify(&head, b"{}", 1_000_100).unwrap_err().kind(), "verify.content_length_mismatch");
/// assert_eq!(verifier.verify(&head, body, 1_000_301).unwrap_err().http_status(), 401);
/// ```
#[derive(Debug)]
pub struct Verifier<'a, S: ?Sized> {
    store: &'a S,
    policy: Policy<'a>,
}

impl<S: ?Sized> Clone for Verifier<'_, S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S: ?Sized> Copy for Verifier<'_, S> {}

impl<'a, S: KeyStore + ?Sized> Verifier<'a, S> {
    /// A verifier over `store` with `policy`.
    pub fn new(store: &'a S, policy: Policy<'a>) -> Self {
        Verifier { store, policy }
    }

    /// The policy.
    pub fn policy(&self) -> &Policy<'a> {
        &self.policy
    }

    /// Verifies a whole request at once.
    ///
    /// # Errors
    /// The first [`VerifyError`], in SPEC order.
    pub fn verify<H: Headers + ?Sized>(
        &self,
        head: &RequestHead<'_, H>,
        body: &[u8],
        now: u64,
    ) -> Result<Verified, VerifyError> {
        let checked = self.check_head(head, now)?;
        // What `PendingBody` does over a streamed body, on the whole of it: the same checks in
        // the same order, without carrying the body hashers through the head's result.
        let received = u64::try_from(body.len()).unwrap_or(u64::MAX);
        if received != checked.declared {
            return Err(VerifyError::ContentLengthMismatch {
                declared: checked.declared,
                received,
            });
        }
        for &(algorithm, claimed) in checked.digests.iter().flatten() {
            BodyDigest::of(algorithm, body)
                .verify_header(claimed)
                .map_err(VerifyError::Digest)?;
        }
        Ok(checked.verified())
    }

    /// Authenticates the head (SPEC §5 steps 1 to 9 and the digest header's form), before any
    /// of the body is read.
    ///
    /// # Errors
    /// The first [`VerifyError`], in SPEC order.
    pub fn verify_head<H: Headers + ?Sized>(
        &self,
        head: &RequestHead<'_, H>,
        now: u64,
    ) -> Result<PendingBody, VerifyError> {
        let checked = self.check_head(head, now)?;
        Ok(PendingBody {
            verified: checked.verified(),
            declared: checked.declared,
            received: 0,
            digests: BodyChecks::new(checked.digests).map_err(VerifyError::Digest)?,
            overrun: None,
        })
    }

    /// SPEC §5 steps 1 to 9 and the digest headers' form: everything [`verify`](Self::verify)
    /// and [`verify_head`](Self::verify_head) check before the body.
    fn check_head<'h, H: Headers + ?Sized>(
        &self,
        head: &RequestHead<'h, H>,
        now: u64,
    ) -> Result<CheckedHead<'h>, VerifyError> {
        // 0. One framing: Content-Length, never Transfer-Encoding (see the module's decisions).
        if head.headers.lookup("transfer-encoding") != HeaderLookup::Absent {
            return Err(VerifyError::TransferEncoding);
        }

        // 1. Exactly one Authorization header, and it parses.
        let value = match head.headers.lookup("authorization") {
            HeaderLookup::Absent => return Err(VerifyError::MissingAuthorization),
            HeaderLookup::Repeated => return Err(VerifyError::RepeatedAuthorization),
            HeaderLookup::Once(value) => trim_ows(value),
        };
        let auth = Authorization::parse(value).map_err(VerifyError::Authorization)?;
        let algorithm = auth.algorithm();
        let list = auth.headers();

        // 2. The algorithm is allowed.
        if algorithm == Algorithm::HmacSha256 && !self.policy.allows_legacy_sha256() {
            return Err(VerifyError::AlgorithmNotAllowed(algorithm));
        }

        // 3. The required headers are signed. The list is split into its lines once, here.
        let mut lines = SigningLines::listing(list);
        let positions = self.signed_positions(algorithm, &lines, list)?;

        // 4. The username's keys. Whether there are any is found by trying them at step 6,
        // and a miss is reported there, where a wrong signature is (see the module's
        // decisions).
        let keys = self.store.keys_for(auth.username());

        // 5. Every signed header occurs once and is single-line. Each is looked up here, once:
        // the MACs below and the checks after them read these lines.
        lines.look_up(head).map_err(VerifyError::SigningString)?;

        // 6. The MAC matches. Every key is tried, without stopping at the first match, and
        // compared in constant time; a key past its expiry is tried, but its match does not
        // count. An unknown username gets one MAC under the stand-in key, compared the same way
        // and never counted.
        let mut matched = Choice::from(0);
        let mut key_index = 0usize;
        // One step of the loop: the same code for a known key and for the stand-in.
        let mut try_mac = |index: usize, mac: Signature, counts: Choice| {
            let this = bytes_eq(mac.as_bytes(), auth.signature()) & counts;
            key_index = if bool::from(this & !matched) {
                index
            } else {
                key_index
            };
            matched |= this;
        };
        let mut tried = 0usize;
        for (index, key) in keys.enumerate() {
            let valid = Choice::from(u8::from(key.is_valid_at(now)));
            try_mac(index, Signature::compute(key, algorithm, &lines), valid);
            tried = index.saturating_add(1);
        }
        let known = tried > 0;
        if !known {
            // The store's stand-in key when it keeps one (the same clone of keyed states as a
            // known key), else the same states loaded from constants. Its match never counts:
            // `Choice::from` hides the 0 from the optimiser, so the MAC and the comparison are
            // computed although their result is dropped.
            let mac = match self.store.stand_in() {
                Some(key) => Signature::compute(key, algorithm, &lines),
                None => Signature::stand_in(algorithm, &lines),
            };
            try_mac(0, mac, Choice::from(0));
        }
        if !bool::from(matched) {
            return Err(if known {
                VerifyError::SignatureMismatch
            } else {
                VerifyError::UnknownUsername
            });
        }

        // 7. X-Date is valid and within the skew.
        let date = parse_imf_fixdate(signed_value(&lines, positions.x_date, "x-date")?)
            .map_err(VerifyError::Date)?;
        check_skew(date, now, self.policy.skew_limit()).map_err(VerifyError::DateSkew)?;

        // 8. Content-Type is JSON.
        if !is_json_content_type(signed_value(
            &lines,
            positions.content_type,
            "content-type",
        )?) {
            return Err(VerifyError::ContentType);
        }

        // 9. Content-Length is plain decimal and within the limit.
        let declared = parse_content_length(signed_value(
            &lines,
            positions.content_length,
            "content-length",
        )?)
        .ok_or(VerifyError::ContentLengthInvalid)?;
        if declared > self.policy.body_limit() {
            return Err(VerifyError::BodyTooLarge {
                limit: self.policy.body_limit(),
            });
        }

        // 10, first half: the digest headers are well-formed.
        let mut digests = [None, None];
        for (slot, digest) in digests.iter_mut().zip(positions.digests) {
            if let Some((alg, at)) = digest {
                let value = signed_value(&lines, at, alg.header_name())?;
                BodyDigest::check_header(alg, value).map_err(VerifyError::Digest)?;
                *slot = Some((alg, value));
            }
        }

        Ok(CheckedHead {
            username: auth.username(),
            algorithm,
            key_index,
            mac: mac_array(auth.signature()),
            x_date: date,
            declared,
            digests,
        })
    }

    /// Checks the required set (SPEC §5.3) and returns where the headers steps 7–10 read sit
    /// in the list, so they are read from the resolved lines by position.
    fn signed_positions(
        &self,
        algorithm: Algorithm,
        lines: &SigningLines<'_>,
        list: HeaderList<'_>,
    ) -> Result<Positions, VerifyError> {
        let sha512 = lines.position(KnownHeader::ContentSha512);
        let sha256 = lines.position(KnownHeader::ContentSha256);
        if algorithm == Algorithm::HmacSha512 && sha256.is_some() {
            return Err(VerifyError::DigestAlgorithmMismatch);
        }
        let unsigned = |name: &str| VerifyError::RequiredHeaderUnsigned(HeaderName::new(name));
        if !lines.lists_request_line() {
            return Err(unsigned(REQUEST_LINE));
        }
        let x_date = lines
            .position(KnownHeader::XDate)
            .ok_or_else(|| unsigned("x-date"))?;
        let content_type = lines
            .position(KnownHeader::ContentType)
            .ok_or_else(|| unsigned("content-type"))?;
        let content_length = lines
            .position(KnownHeader::ContentLength)
            .ok_or_else(|| unsigned("content-length"))?;
        if sha512.is_none() && sha256.is_none() {
            return Err(unsigned(algorithm.default_digest().header_name()));
        }
        for name in self.policy.required_headers() {
            if !list.iter().any(|listed| listed.eq_ignore_ascii_case(name)) {
                return Err(unsigned(name));
            }
        }
        Ok(Positions {
            x_date,
            content_type,
            content_length,
            digests: [
                sha512.map(|at| (DigestAlgorithm::Sha512, at)),
                sha256.map(|at| (DigestAlgorithm::Sha256, at)),
            ],
        })
    }
}

/// A head that passed every check before the body: what the body's checks need, and what
/// a verified request reports.
struct CheckedHead<'h> {
    username: &'h str,
    algorithm: Algorithm,
    key_index: usize,
    /// The MAC, in the first `algorithm.mac_len()` bytes.
    mac: [u8; 64],
    x_date: u64,
    declared: u64,
    /// The digest headers' values, SHA-512 and/or SHA-256, checked to be well-formed.
    digests: [Option<(DigestAlgorithm, &'h [u8])>; 2],
}

impl CheckedHead<'_> {
    fn verified(&self) -> Verified {
        let mut username = heapless::String::new();
        // The username was bounded to 256 bytes by the parser.
        let _ = username.push_str(self.username);
        Verified {
            username,
            algorithm: self.algorithm,
            key_index: self.key_index,
            mac: self.mac,
            x_date: self.x_date,
        }
    }
}

/// A MAC of either algorithm in a 64-byte array (the parser decoded at most 64 bytes).
fn mac_array(mac: &[u8]) -> [u8; 64] {
    let mut array = [0; 64];
    for (dst, src) in array.iter_mut().zip(mac) {
        *dst = *src;
    }
    array
}

/// Where, in the signed list, the headers read after the MAC are.
struct Positions {
    x_date: usize,
    content_type: usize,
    content_length: usize,
    /// The digest headers to check, SHA-512 and/or SHA-256.
    digests: [Option<(DigestAlgorithm, usize)>; 2],
}

/// The value of the header at `index` of the signed list. Step 3 found every header read this
/// way in the list, so it cannot miss; were it to, the request is refused as missing `name`.
fn signed_value<'h>(
    lines: &SigningLines<'h>,
    index: usize,
    name: &str,
) -> Result<&'h [u8], VerifyError> {
    lines.value_at(index).ok_or_else(|| {
        VerifyError::SigningString(SigningStringError::HeaderMissing(HeaderName::new(name)))
    })
}

/// A request whose head is authenticated, waiting for its body.
///
/// Feed the body with [`update`](Self::update) as it arrives and call
/// [`finish`](Self::finish). Once an update fails, the value stays failed: `finish` returns the
/// same error, so a caller that ignores one result cannot accept the request by mistake.
#[derive(Clone, Debug)]
pub struct PendingBody {
    verified: Verified,
    declared: u64,
    received: u64,
    digests: BodyChecks,
    /// The byte count at which the body ran past its declared length, once it has.
    overrun: Option<u64>,
}

impl PendingBody {
    /// The username whose key authenticated the head. The body is not yet verified.
    pub fn username(&self) -> &str {
        self.verified.username()
    }

    /// The body length the head declares (and signs).
    pub fn content_length(&self) -> u64 {
        self.declared
    }

    /// The algorithm the head was signed with.
    pub fn algorithm(&self) -> Algorithm {
        self.verified.algorithm()
    }

    /// The MAC the head was signed with: 64 bytes for hmac-sha512, 32 for hmac-sha256.
    pub fn mac(&self) -> &[u8] {
        self.verified.mac()
    }

    /// The signed `X-Date`, in Unix seconds.
    pub fn x_date(&self) -> u64 {
        self.verified.x_date()
    }

    /// The key a replay store remembers this request by (see [`ReplayKey`]). A gateway checks
    /// it here, once the head is authenticated and before the body is read or acted on.
    pub fn replay_key(&self) -> ReplayKey {
        self.verified.replay_key()
    }

    /// Feeds the next chunk of the body.
    ///
    /// # Errors
    /// [`VerifyError::ContentLengthMismatch`] as soon as the body runs past its declared length:
    /// stop reading it then.
    pub fn update(&mut self, chunk: &[u8]) -> Result<(), VerifyError> {
        self.check_overrun()?;
        let len = u64::try_from(chunk.len()).unwrap_or(u64::MAX);
        let received = self.received.saturating_add(len);
        if received > self.declared {
            self.overrun = Some(received);
            return self.check_overrun();
        }
        self.received = received;
        self.digests.update(chunk);
        Ok(())
    }

    /// Checks the body's length and digest.
    ///
    /// # Errors
    /// [`VerifyError::ContentLengthMismatch`] or [`VerifyError::Digest`].
    pub fn finish(mut self) -> Result<Verified, VerifyError> {
        self.check_overrun()?;
        if self.received != self.declared {
            return Err(VerifyError::ContentLengthMismatch {
                declared: self.declared,
                received: self.received,
            });
        }
        self.digests.finish().map_err(VerifyError::Digest)?;
        Ok(self.verified)
    }

    /// The error of an update that ran past the declared length, again.
    fn check_overrun(&self) -> Result<(), VerifyError> {
        match self.overrun {
            Some(received) => Err(VerifyError::ContentLengthMismatch {
                declared: self.declared,
                received,
            }),
            None => Ok(()),
        }
    }
}
