//! The body digest: streaming SHA-512 (and legacy SHA-256), its canonical base64 form, and the
//! constant-time comparison against a `Content-sha512` / `Content-sha256` header.
//!
//! SPEC §2: standard padded base64 of the raw digest of the body bytes exactly as sent, never hex.
//! A header value is first checked to be canonical base64 of the right length (a malformed
//! header is a client bug, reported as such), then compared with the computed digest in constant
//! time over the full length.

use core::fmt;

use sha2::digest::{FixedOutputReset, Output};
use sha2::{Digest, Sha256, Sha512};

use crate::algorithm::DigestAlgorithm;
use crate::base64::{self, DecodeError};
use crate::constant_time::bytes_eq;

/// Why a digest header is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DigestError {
    /// The header is not canonical padded base64 of the digest's length (88 characters for
    /// SHA-512, 44 for SHA-256); hex, URL-safe base64 and missing padding land here.
    Malformed(DigestAlgorithm),
    /// The header is well-formed but differs from the digest of the body received.
    Mismatch(DigestAlgorithm),
}

impl DigestError {
    /// Stable identifier of this error (`digest.*`).
    pub const fn kind(self) -> &'static str {
        match self {
            DigestError::Malformed(_) => "digest.malformed",
            DigestError::Mismatch(_) => "digest.mismatch",
        }
    }
}

impl fmt::Display for DigestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DigestError::Malformed(alg) => write!(
                f,
                "{} must be the standard padded base64 of the body's digest ({} characters), not hex",
                alg.header_name(),
                alg.base64_len()
            ),
            // Never show either digest: the expected one would help a forger probe.
            DigestError::Mismatch(alg) => write!(
                f,
                "{} does not match the body received; hash the exact bytes sent",
                alg.header_name()
            ),
        }
    }
}

/// A computed or decoded digest: 64 bytes for SHA-512, 32 (then zero padding) for SHA-256.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct BodyDigest {
    algorithm: DigestAlgorithm,
    bytes: [u8; 64],
}

impl fmt::Debug for BodyDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "BodyDigest({}: {})",
            self.algorithm.header_name(),
            self.to_base64()
        )
    }
}

impl BodyDigest {
    /// Digests a whole body at once.
    ///
    /// ```
    /// use ingo_signer_core::{algorithm::DigestAlgorithm, digest::BodyDigest};
    /// // RFC 9530 Appendix D.
    /// let d = BodyDigest::of(DigestAlgorithm::Sha512, br#"{"hello": "world"}"#);
    /// assert_eq!(d.to_base64().as_str(), "WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==");
    /// ```
    pub fn of(algorithm: DigestAlgorithm, body: &[u8]) -> Self {
        let mut digest = BodyDigest {
            algorithm,
            bytes: [0; 64],
        };
        match algorithm {
            DigestAlgorithm::Sha512 => digest_into::<Sha512>(body, (&mut digest.bytes).into()),
            DigestAlgorithm::Sha256 => {
                // 32 of 64 bytes: the split always exists.
                if let Some((head, _)) = digest.bytes.split_first_chunk_mut::<32>() {
                    digest_into::<Sha256>(body, head.into());
                }
            }
        }
        digest
    }

    /// A digest computed elsewhere (another hash implementation, a hardware engine), from its
    /// raw bytes: `None` unless there are exactly as many as `algorithm` produces (64 or 32).
    ///
    /// ```
    /// use ingo_signer_core::{algorithm::DigestAlgorithm, digest::BodyDigest};
    /// let d = BodyDigest::of(DigestAlgorithm::Sha512, b"{}");
    /// assert_eq!(BodyDigest::from_bytes(DigestAlgorithm::Sha512, d.as_bytes()), Some(d));
    /// assert_eq!(BodyDigest::from_bytes(DigestAlgorithm::Sha256, d.as_bytes()), None);
    /// ```
    pub fn from_bytes(algorithm: DigestAlgorithm, raw: &[u8]) -> Option<Self> {
        (raw.len() == algorithm.output_len()).then(|| Self::output(algorithm, raw))
    }

    /// A hash's output, laid out: `raw` (the algorithm's length, as every hash here returns
    /// it) first, the bytes past it zero. ([`of`](Self::of) writes the same layout in place.)
    #[inline]
    fn output(algorithm: DigestAlgorithm, raw: &[u8]) -> Self {
        let mut bytes = [0u8; 64];
        if let Some(head) = bytes.get_mut(..raw.len()) {
            head.copy_from_slice(raw);
        }
        BodyDigest { algorithm, bytes }
    }

    /// Decodes a digest header value: canonical padded base64 of exactly the digest's length.
    /// The value should be trimmed of surrounding spaces and tabs.
    ///
    /// # Errors
    /// [`DigestError::Malformed`] otherwise.
    pub fn from_header(algorithm: DigestAlgorithm, value: &[u8]) -> Result<Self, DigestError> {
        match base64::decode_exact(value, algorithm.output_len()) {
            Ok(bytes) => Ok(BodyDigest { algorithm, bytes }),
            Err(DecodeError::Encoding | DecodeError::Length) => {
                Err(DigestError::Malformed(algorithm))
            }
        }
    }

    /// Checks that a digest header value is what [`from_header`](Self::from_header) accepts,
    /// without decoding it: a verifier then compares the value with
    /// [`verify_header`](Self::verify_header).
    ///
    /// # Errors
    /// [`DigestError::Malformed`] exactly when `from_header` would refuse `value`.
    pub(crate) fn check_header(
        algorithm: DigestAlgorithm,
        value: &[u8],
    ) -> Result<(), DigestError> {
        if base64::is_canonical(value, algorithm.output_len()) {
            Ok(())
        } else {
            Err(DigestError::Malformed(algorithm))
        }
    }

    /// Compares with a header value that passed [`check_header`](Self::check_header), in
    /// constant time over the full length, as base64 text: a canonical text is the one text of
    /// its bytes, so equal texts are equal digests, and encoding this digest is cheaper than
    /// decoding the header (see [`base64::is_canonical`]).
    ///
    /// # Errors
    /// [`DigestError::Mismatch`] when they differ.
    pub(crate) fn verify_header(&self, claimed: &[u8]) -> Result<(), DigestError> {
        let mut text = [0u8; 88];
        let ours = base64::encode_into(self.as_bytes(), &mut text);
        if bool::from(bytes_eq(ours.as_bytes(), claimed)) {
            Ok(())
        } else {
            Err(DigestError::Mismatch(self.algorithm))
        }
    }

    /// The algorithm.
    pub fn algorithm(&self) -> DigestAlgorithm {
        self.algorithm
    }

    /// The raw digest bytes (64 or 32).
    pub fn as_bytes(&self) -> &[u8] {
        crate::buffer::used(&self.bytes, self.algorithm.output_len())
    }

    /// The canonical base64 form sent in the header.
    pub fn to_base64(&self) -> heapless::String<88> {
        base64::encode(self.as_bytes())
    }

    /// Compares with another digest in constant time over the full length.
    ///
    /// # Errors
    /// [`DigestError::Mismatch`] when the algorithms or the bytes differ.
    pub fn verify(&self, expected: &BodyDigest) -> Result<(), DigestError> {
        // The algorithm is public; the bytes are compared without early exit.
        let same = bytes_eq(self.as_bytes(), expected.as_bytes());
        if self.algorithm == expected.algorithm && bool::from(same) {
            Ok(())
        } else {
            Err(DigestError::Mismatch(expected.algorithm))
        }
    }
}

/// Digests `body` into `out`, where the digest stays.
///
/// `Digest::digest` finishes through `finalize_fixed(self)`, which the compiler kept out of line
/// here and moved the hasher's state into (~200 bytes for SHA-512: ~8 ns, 3 % of a 64-byte
/// body's digest); finishing by reference does not move it.
fn digest_into<D: Digest + FixedOutputReset>(body: &[u8], out: &mut Output<D>) {
    let mut hasher = D::new();
    Digest::update(&mut hasher, body);
    Digest::finalize_into_reset(&mut hasher, out);
}

/// A streaming body hasher.
#[derive(Clone)]
pub enum BodyHasher {
    /// SHA-512.
    Sha512(Sha512),
    /// SHA-256.
    Sha256(Sha256),
}

impl fmt::Debug for BodyHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BodyHasher::Sha512(_) => "BodyHasher(sha512)",
            BodyHasher::Sha256(_) => "BodyHasher(sha256)",
        })
    }
}

impl BodyHasher {
    /// Starts a digest.
    pub fn new(algorithm: DigestAlgorithm) -> Self {
        match algorithm {
            DigestAlgorithm::Sha512 => BodyHasher::Sha512(Sha512::new()),
            DigestAlgorithm::Sha256 => BodyHasher::Sha256(Sha256::new()),
        }
    }

    /// Feeds the next chunk of the body.
    pub fn update(&mut self, chunk: &[u8]) {
        match self {
            BodyHasher::Sha512(h) => h.update(chunk),
            BodyHasher::Sha256(h) => h.update(chunk),
        }
    }

    /// Finishes the digest.
    pub fn finalize(self) -> BodyDigest {
        match self {
            BodyHasher::Sha512(h) => BodyDigest::output(DigestAlgorithm::Sha512, &h.finalize()),
            BodyHasher::Sha256(h) => BodyDigest::output(DigestAlgorithm::Sha256, &h.finalize()),
        }
    }
}

/// The digests of a body being received, each beside the header text it must match: what a
/// verifier carries from the head to the end of the body.
///
/// Held as the raw hash states and the claimed texts, one slot per algorithm, rather than as
/// [`BodyHasher`]/[`BodyDigest`] pairs: it is kept for the whole body, inside a value the
/// caller holds, and this layout is smaller on every verifier's stack. The claims are kept as
/// text and compared as a one-shot verification compares them
/// ([`BodyDigest::verify_header`]), so neither path decodes a digest header.
#[derive(Clone)]
pub(crate) struct BodyChecks {
    sha512: Option<(Sha512, [u8; 88])>,
    sha256: Option<(Sha256, [u8; 44])>,
}

impl BodyChecks {
    /// Starts a hash for each digest header the head carries; `claimed` holds their values,
    /// checked by [`BodyDigest::check_header`].
    ///
    /// # Errors
    /// [`DigestError::Malformed`] for a value of the wrong length (`check_header` refuses
    /// those too, so a verifier never sees this).
    pub(crate) fn new(claimed: [Option<(DigestAlgorithm, &[u8])>; 2]) -> Result<Self, DigestError> {
        let mut checks = BodyChecks {
            sha512: None,
            sha256: None,
        };
        for &(algorithm, text) in claimed.iter().flatten() {
            let malformed = |_| DigestError::Malformed(algorithm);
            match algorithm {
                DigestAlgorithm::Sha512 => {
                    checks.sha512 = Some((Sha512::new(), text.try_into().map_err(malformed)?));
                }
                DigestAlgorithm::Sha256 => {
                    checks.sha256 = Some((Sha256::new(), text.try_into().map_err(malformed)?));
                }
            }
        }
        Ok(checks)
    }

    /// Feeds the next chunk of the body to every hash.
    pub(crate) fn update(&mut self, chunk: &[u8]) {
        if let Some((hasher, _)) = &mut self.sha512 {
            hasher.update(chunk);
        }
        if let Some((hasher, _)) = &mut self.sha256 {
            hasher.update(chunk);
        }
    }

    /// Compares every digest with its claim, in constant time, SHA-512 first; each state is
    /// finished where it lies (moving it out to consume it cost a copy).
    ///
    /// # Errors
    /// [`DigestError::Mismatch`] for the first digest that differs.
    pub(crate) fn finish(&mut self) -> Result<(), DigestError> {
        if let Some((hasher, claimed)) = &mut self.sha512 {
            BodyDigest::output(DigestAlgorithm::Sha512, &hasher.finalize_reset())
                .verify_header(claimed)?;
        }
        if let Some((hasher, claimed)) = &mut self.sha256 {
            BodyDigest::output(DigestAlgorithm::Sha256, &hasher.finalize_reset())
                .verify_header(claimed)?;
        }
        Ok(())
    }
}

impl fmt::Debug for BodyChecks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The claimed digests are public (they came in the request), but noise in logs.
        f.debug_struct("BodyChecks")
            .field("sha512", &self.sha512.is_some())
            .field("sha256", &self.sha256.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streaming_equals_one_shot_and_header_round_trips() {
        let body = b"{\"a\":1,\"b\":[true,false,null]}";
        for alg in [DigestAlgorithm::Sha512, DigestAlgorithm::Sha256] {
            let mut h = BodyHasher::new(alg);
            for chunk in body.chunks(7) {
                h.update(chunk);
            }
            let streamed = h.finalize();
            assert_eq!(streamed, BodyDigest::of(alg, body));
            let text = streamed.to_base64();
            assert_eq!(text.len(), alg.base64_len());
            let parsed = BodyDigest::from_header(alg, text.as_bytes()).unwrap();
            assert_eq!(parsed.verify(&streamed), Ok(()));
            let other = BodyDigest::of(alg, b"x");
            assert_eq!(other.verify(&parsed), Err(DigestError::Mismatch(alg)));
        }
    }

    #[test]
    fn malformed_headers() {
        let d = BodyDigest::of(DigestAlgorithm::Sha512, b"");
        let good = d.to_base64();
        let sha256 = BodyDigest::of(DigestAlgorithm::Sha256, b"").to_base64();
        let hex = "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce";
        for bad in [&good[..87], &good[..86], hex, sha256.as_str(), ""] {
            assert_eq!(
                BodyDigest::from_header(DigestAlgorithm::Sha512, bad.as_bytes()),
                Err(DigestError::Malformed(DigestAlgorithm::Sha512)),
                "{bad}"
            );
        }
    }
}
