//! The lower bound: the work no signer or verifier of this protocol can skip, done with the
//! core's own primitives (`hmac` 0.13, `sha2` 0.11, `base64ct`, `subtle`) and nothing else.
//!
//! - Signing: the SHA-512 digest of the body, a clone of the pre-keyed `Hmac<Sha512>` fed the
//!   signing string, base64 of both. The date and length texts are inputs (made outside the
//!   timed loop); the signing string is streamed, never built.
//! - Verifying: find the five header values (one scan each), base64-decode the signature and the
//!   digest header, SHA-512 the body, clone the pre-keyed HMAC over the signing string, compare
//!   both in constant time (as cheaply as the core does). No header-list parsing, no policy, no date or length checks: a
//!   verifier that skipped those would be unsafe, so this is a floor, not a rival.

use base64ct::{Base64, Encoding as _};
use hmac::{Hmac, KeyInit, Mac as _};
use sha2::{Digest as _, Sha512};
use subtle::ConstantTimeEq as _;

/// Constant-time equality as cheap as it can be made: the byte differences OR-ed with no branch,
/// one `subtle` barrier on the result (what the core does; `subtle`'s per-byte slice comparison
/// costs ~130 ns for 64 bytes, so a floor using it would not be one).
fn ct_eq(a: &[u8], b: &[u8]) -> subtle::Choice {
    let difference = a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y));
    subtle::Choice::from(u8::from(a.len() == b.len())) & difference.ct_eq(&0)
}

/// The pre-keyed state and the request's fixed texts.
#[derive(Clone)]
pub struct LowerBound {
    mac: Hmac<Sha512>,
}

/// Base64 of the digest and of the signature (88 characters each).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signed {
    /// `Content-sha512`.
    pub digest: [u8; 88],
    /// The `signature` parameter.
    pub signature: [u8; 88],
}

impl LowerBound {
    /// Keys HMAC-SHA512 once.
    pub fn new(secret: &[u8]) -> Self {
        match <Hmac<Sha512> as KeyInit>::new_from_slice(secret) {
            Ok(mac) => LowerBound { mac },
            Err(e) => unreachable!("HMAC takes any key length: {e}"),
        }
    }

    /// The minimum signing work for `POST target` with `body`, dated `x_date`, whose length text
    /// is `content_length`.
    pub fn sign(&self, target: &str, x_date: &str, content_length: &str, body: &[u8]) -> Signed {
        let mut out = Signed {
            digest: [0; 88],
            signature: [0; 88],
        };
        let digest = Sha512::digest(body);
        let _ = Base64::encode(&digest, &mut out.digest);
        let mut mac = self.mac.clone();
        mac.update(b"POST ");
        mac.update(target.as_bytes());
        mac.update(b" HTTP/1.1\nx-date: ");
        mac.update(x_date.as_bytes());
        mac.update(b"\ncontent-type: application/json\ncontent-length: ");
        mac.update(content_length.as_bytes());
        mac.update(b"\ncontent-sha512: ");
        mac.update(&out.digest);
        let signature = mac.finalize().into_bytes();
        let _ = Base64::encode(&signature, &mut out.signature);
        out
    }

    /// The minimum verifying work: true when the signature and the digest match.
    pub fn verify(&self, target: &str, headers: &[(&str, &str)], body: &[u8]) -> bool {
        let find = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map_or("", |(_, v)| *v)
        };
        let authorization = find("authorization");
        let x_date = find("x-date");
        let content_type = find("content-type");
        let content_length = find("content-length");
        let digest_header = find("content-sha512");

        let signature_b64 = authorization
            .rfind("signature=\"")
            .and_then(|at| authorization.get(at + 11..authorization.len() - 1))
            .unwrap_or("");
        let mut signature = [0u8; 64];
        let mut claimed_digest = [0u8; 64];
        let decoded = Base64::decode(signature_b64, &mut signature).is_ok()
            & Base64::decode(digest_header, &mut claimed_digest).is_ok();

        let digest = Sha512::digest(body);
        let mut mac = self.mac.clone();
        mac.update(b"POST ");
        mac.update(target.as_bytes());
        mac.update(b" HTTP/1.1\nx-date: ");
        mac.update(x_date.as_bytes());
        mac.update(b"\ncontent-type: ");
        mac.update(content_type.as_bytes());
        mac.update(b"\ncontent-length: ");
        mac.update(content_length.as_bytes());
        mac.update(b"\ncontent-sha512: ");
        mac.update(digest_header.as_bytes());
        let expected = mac.finalize().into_bytes();

        let ok = ct_eq(&expected, &signature) & ct_eq(&digest, &claimed_digest);
        decoded && bool::from(ok)
    }
}
