//! An opt-in faster body digest: OpenSSL's libcrypto (feature `openssl-backend`, off by default).
//!
//! The body digest is the only part of signing and verifying whose cost grows with the request:
//! the MAC covers the signing string (a few hundred bytes), the digest covers the body. On
//! x86-64 with AVX2, OpenSSL's SHA-512 runs about 1.4x faster than `sha2` on large bodies,
//! because OpenSSL keeps its AVX2 SHA-512 code (`ring` and AWS-LC ship it disabled and measure
//! the same as `sha2`; see `docs/benchmarks.md`). Below a few KiB it is no faster, so this is
//! for services that sign or check large bodies.
//!
//! The results are the core's own types and equal the core's values: [`body_digest`] returns a
//! [`BodyDigest`], and [`sign`] is [`Signer::sign`] with the body digested here. The MAC stays
//! the core's (`hmac`/`sha2`): the core takes a pre-computed digest ([`Body::Digested`]) but has
//! no hook for another MAC, and the MAC covers only the signing string (a few hundred bytes,
//! where OpenSSL's primitive is no faster than `sha2`'s). Verification is not routed either:
//! the core's `PendingBody` hashes the body itself. `signer-core` never depends on this: it
//! stays `no_std` with `sha2` as its only hash.
//!
//! ```
//! use ingo_signer_core::{DigestAlgorithm, Request, Signer, SigningKey, digest::BodyDigest};
//! use ingo_signer::fast_backend;
//!
//! let body = br#"{"participant_unique_id1":"abc"}"#;
//! assert_eq!(
//!     fast_backend::body_digest(DigestAlgorithm::Sha512, body),
//!     BodyDigest::of(DigestAlgorithm::Sha512, body),
//! );
//! let key = SigningKey::new("demo", b"demo-secret-not-for-production")?;
//! let request = Request::new("POST", "/gateway/process--card", body);
//! let fast = fast_backend::sign(&Signer::new(&key), &request, 1_579_291_169)?;
//! let core = Signer::new(&key).sign(&request, 1_579_291_169)?;
//! assert!(fast.iter().eq(core.iter()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use ingo_signer_core::DigestAlgorithm;
use ingo_signer_core::digest::BodyDigest;
use ingo_signer_core::signer::{Body, Request, SignError, SignedHeaders, Signer};
use openssl::sha::{Sha256, Sha512};

/// A streaming body digest computed by OpenSSL.
#[derive(Clone)]
pub enum BodyHasher {
    /// SHA-512.
    Sha512(Sha512),
    /// SHA-256 (legacy).
    Sha256(Sha256),
}

impl fmt::Debug for BodyHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BodyHasher::Sha512(_) => "fast_backend::BodyHasher(sha512)",
            BodyHasher::Sha256(_) => "fast_backend::BodyHasher(sha256)",
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

    /// Finishes the digest, as the core's type.
    pub fn finalize(self) -> BodyDigest {
        match self {
            BodyHasher::Sha512(h) => to_body_digest(DigestAlgorithm::Sha512, &h.finish()),
            BodyHasher::Sha256(h) => to_body_digest(DigestAlgorithm::Sha256, &h.finish()),
        }
    }
}

/// Digests a whole body at once: equal to [`BodyDigest::of`].
pub fn body_digest(algorithm: DigestAlgorithm, body: &[u8]) -> BodyDigest {
    let mut hasher = BodyHasher::new(algorithm);
    hasher.update(body);
    hasher.finalize()
}

/// Signs like [`Signer::sign`], with a body given as bytes digested by OpenSSL. The headers are
/// the core's, byte for byte.
///
/// # Errors
/// [`SignError`], as [`Signer::sign`].
pub fn sign<'r>(
    signer: &Signer<'_>,
    request: &Request<'r>,
    now: u64,
) -> Result<SignedHeaders<'r>, SignError> {
    let mut request = *request;
    if let Body::Bytes(bytes) = request.body {
        // A slice is never longer than u64::MAX bytes on the targets OpenSSL supports; if it
        // were, the core's own path reports it.
        if let Ok(len) = u64::try_from(bytes.len()) {
            let digest = body_digest(signer.algorithm().default_digest(), bytes);
            request.body = Body::Digested { len, digest };
        }
    }
    signer.sign(&request, now)
}

/// The core's type for a raw digest of the right length, which OpenSSL's are by construction.
fn to_body_digest(algorithm: DigestAlgorithm, raw: &[u8]) -> BodyDigest {
    match BodyDigest::from_bytes(algorithm, raw) {
        Some(digest) => digest,
        // `finish` returns exactly 64 (SHA-512) or 32 (SHA-256) bytes.
        None => unreachable!("OpenSSL's {algorithm:?} digest has the algorithm's length"),
    }
}

#[cfg(test)]
mod tests {
    use ingo_signer_core::SigningKey;
    use ingo_signer_core::digest::BodyHasher as CoreHasher;

    use super::*;

    /// Deterministic bytes: the top byte of a running multiply (never all zero, no short period).
    fn noise(len: usize, seed: u64) -> Vec<u8> {
        (0..len as u64)
            .map(|i| (i.wrapping_add(seed).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 56) as u8)
            .collect()
    }

    /// Every length around the block boundaries (SHA-256: 64, SHA-512: 128, padding needs 9 or
    /// 17 more bytes), then large bodies, streamed in uneven chunks.
    #[test]
    fn digests_equal_the_core_s() {
        let lengths = (0..=300).chain([1000, 4096, 65_537, 1_048_576]);
        for (i, len) in lengths.enumerate() {
            let body = noise(len, i as u64);
            for alg in [DigestAlgorithm::Sha512, DigestAlgorithm::Sha256] {
                let core = BodyDigest::of(alg, &body);
                assert_eq!(body_digest(alg, &body), core, "{alg:?} len {len}");
                let mut fast = BodyHasher::new(alg);
                let mut streamed = CoreHasher::new(alg);
                for chunk in body.chunks(1 + len % 97) {
                    fast.update(chunk);
                    streamed.update(chunk);
                }
                assert_eq!(fast.finalize(), core);
                assert_eq!(streamed.finalize(), core);
            }
        }
    }

    /// Known answers (FIPS 180-2 "abc"), so the comparison above cannot pass with both wrong.
    #[test]
    fn known_answers() {
        let known = [
            (
                DigestAlgorithm::Sha512,
                "3a81oZNherrMQXNJriBBMRLm+k6JqX6iCp7u5ktV05ohkpkqJ0/BqDa6PCOj/uu9RU1EI2Q86A4qmslPpUyknw==",
            ),
            (
                DigestAlgorithm::Sha256,
                "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=",
            ),
        ];
        for (algorithm, base64) in known {
            assert_eq!(body_digest(algorithm, b"abc").to_base64().as_str(), base64);
        }
    }

    #[test]
    fn signs_exactly_as_the_core() {
        let key = SigningKey::new("demo", b"demo-secret-not-for-production").unwrap();
        for (i, len) in [0usize, 1, 470, 4096, 100_000].into_iter().enumerate() {
            let body = noise(len, 7 + i as u64);
            let request = Request::new("POST", "/api/v1/sessions/point-in-time/plugin", &body);
            for signer in [Signer::new(&key), Signer::new(&key).legacy_sha256()] {
                let fast = sign(&signer, &request, 1_579_291_169).unwrap();
                let core = signer.sign(&request, 1_579_291_169).unwrap();
                assert!(fast.iter().eq(core.iter()), "len {len}");
            }
        }
        let bad = Request {
            content_type: "text/plain",
            ..Request::new("POST", "/p", b"{}")
        };
        assert_eq!(
            sign(&Signer::new(&key), &bad, 0).unwrap_err(),
            SignError::ContentType
        );
    }
}
