//! A dudect-style timing check of the two secret comparisons the verifier makes, through its
//! public API only: the MAC (in `Verifier::verify_head`) and the body digest (in
//! `PendingBody::finish`, and in a one-shot `Verifier::verify`; both compare it as base64
//! text).
//!
//! Each bench times one call over many inputs drawn at random from two classes and runs
//! Welch's t-test on the two timing distributions (cropped at several percentiles; the largest
//! |t| is printed as `max t`). Both classes take the same path and fail the same way, so any
//! timing difference would come from the comparison itself:
//!
//! - **Left**: the candidate equals the expected value in every byte but the last. A
//!   comparison that stops at the first differing byte is slowest here.
//! - **Right**: the candidate is random, so it differs from the first byte on. An early-exit
//!   comparison is fastest here.
//!
//! Every sample is a *different* request (a random request-target for the MAC, a random body
//! for the digest), so the expected value differs from sample to sample and a Left candidate
//! is as random-looking as a Right one. That matters: with one fixed request, every Left
//! header would be nearly the same text while Right headers are random, and the branch
//! predictor alone then separates the classes in the header parser (|t| > 1,000 measured),
//! which says nothing about the secret: the parser only sees what the sender sent.
//!
//! `unknown_username` compares two refusals instead of two candidates: a request from a
//! username the store does not know (Left) and one from a known username with a wrong
//! signature (Right), each with a random target and signature, against a store that keeps a
//! stand-in key (as `KeyRing` and the C ABI do). The verifier computes one MAC under the
//! stand-in key for the first and one under the username's key for the second, and fails both
//! at SPEC §5 step 6; a verifier that refused an unknown username before the MAC (as this one
//! did before issue 13) shows here as a |t| in the hundreds. Its ratio of times, per store size
//! and kind, is `src/bin/username_ratio.rs`, and `username_icount.sh` gates it on instruction
//! counts.
//!
//! `control_*` benches run the same classes through a naive comparison (a byte loop that stops
//! at the first difference) after the same HMAC or hash work: they show what a leak looks
//! like at this noise level, so that a small |t| for the real benches means something. They
//! are reported, never gated on. `ci.sh` fails only when a real bench shows |t| > 10.
//!
//! Samples per bench: `CT_SAMPLES` (default 200,000).

use base64ct::{Base64, Encoding};
use dudect_bencher::rand::{Rng, RngCore};
use dudect_bencher::{BenchRng, Class, CtRunner, ctbench_main};
use ingo_signer_core::digest::BodyDigest;
use ingo_signer_core::header_list::HeaderList;
use ingo_signer_core::signer::{Body, sign_head};
use ingo_signer_core::{
    Algorithm, DigestAlgorithm, HttpVersion, KeyStore, PendingBody, Policy, Request, RequestHead,
    Signer, SigningKey, Verifier, VerifyError,
};

const USERNAME: &str = "demo";
const SECRET: &[u8] = b"demo-secret-not-for-production";
const NOW: u64 = 1_579_291_169;
const SIGNED_LIST: &str = "request-line x-date content-type content-length content-sha512";
/// The body of the MAC benches (the digest benches draw random bodies of this shape).
const BODY: &[u8] = br#"{"participant_unique_id1":"70646041-01ea-4cd6-b657-18ff88e465c7","host_uri":"https://digitalpay-test.ingo.money","language_locale_code":"en-US"}"#;
/// How many differently signed bodies (per class, on average) a digest bench draws from (signing and
/// verifying a head per sample would only slow the setup down; the classes are still drawn at
/// random, sample by sample). With 1,024, the fixed timing of each request (where its headers
/// sit, how they parse) did not average out in `digest_verify`: |t| 11 to 14 of random sign at
/// 2M samples; with 16,384 it stays at noise.
const POOL: usize = 16384;

fn samples() -> usize {
    std::env::var("CT_SAMPLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200_000)
}

fn key() -> SigningKey {
    SigningKey::new(USERNAME, SECRET).expect("key")
}

fn class_of(rng: &mut BenchRng) -> Class {
    if rng.r#gen::<bool>() {
        Class::Left
    } else {
        Class::Right
    }
}

fn hex(rng: &mut BenchRng, len: usize) -> String {
    (0..len)
        .map(|_| char::from(b"0123456789abcdef"[rng.gen_range(0..16)]))
        .collect()
}

/// A request-target of fixed length with a random part: a different MAC for each sample.
fn random_target(rng: &mut BenchRng) -> String {
    format!("/api/v1/recipients/{}", hex(rng, 32))
}

/// A body of fixed length with a random part: a different digest for each one.
fn random_body(rng: &mut BenchRng) -> Vec<u8> {
    format!(r#"{{"participant_unique_id1":"{}"}}"#, hex(rng, 32)).into_bytes()
}

/// A candidate for `expected`: equal but for the last byte (Left) or random (Right).
fn candidate(expected: &[u8], class: Class, rng: &mut BenchRng) -> Vec<u8> {
    match class {
        Class::Left => {
            let mut c = expected.to_vec();
            let last = c.len() - 1;
            c[last] ^= rng.gen_range(1..=255u8);
            c
        }
        Class::Right => {
            let mut c = vec![0u8; expected.len()];
            rng.fill_bytes(&mut c);
            // Make sure it differs from the first byte on.
            if c[0] == expected[0] {
                c[0] ^= 0x80;
            }
            c
        }
    }
}

fn authorization_with(signature: &[u8]) -> String {
    format!(
        "hmac username=\"{USERNAME}\", algorithm=\"hmac-sha512\", headers=\"{SIGNED_LIST}\", signature=\"{}\"",
        Base64::encode_string(signature)
    )
}

/// The signer's headers for `target` and `body`, as `(name, value)` pairs.
fn signed_headers(key: &SigningKey, target: &str, body: Body<'_>) -> Vec<(String, String)> {
    let request = Request {
        body,
        ..Request::new("POST", target, b"")
    };
    let signed = Signer::new(key).sign(&request, NOW).expect("sign");
    signed
        .iter()
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect()
}

fn head<'a>(
    target: &'a str,
    fields: &'a [(&'a str, &'a str)],
) -> RequestHead<'a, [(&'a str, &'a str)]> {
    RequestHead {
        method: "POST",
        target,
        version: HttpVersion::Http11,
        headers: fields,
    }
}

/// The MAC benches' samples: a class, a random target, and the candidate signature for it.
/// Besides Authorization, the signed headers are the same for every target.
struct MacSamples {
    /// X-Date, Content-Type, Content-Length, Content-sha512.
    common: Vec<(String, String)>,
    samples: Vec<(Class, String, Vec<u8>)>,
}

fn mac_samples(key: &SigningKey, rng: &mut BenchRng) -> MacSamples {
    let list = HeaderList::parse(SIGNED_LIST).expect("list");
    let common: Vec<(String, String)> = signed_headers(key, "/", Body::Bytes(BODY))
        .into_iter()
        .filter(|(n, _)| n != "Authorization")
        .collect();
    let fields: Vec<(&str, &str)> = common
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let samples = (0..samples())
        .map(|_| {
            let class = class_of(rng);
            let target = random_target(rng);
            let mac =
                sign_head(key, Algorithm::HmacSha512, list, &head(&target, &fields)).expect("mac");
            let candidate = candidate(mac.as_bytes(), class, rng);
            (class, target, candidate)
        })
        .collect();
    MacSamples { common, samples }
}

/// The MAC comparison: `verify_head` on a correctly signed request whose Authorization header
/// carries a near-miss (Left) or random (Right) signature. Every call parses a header of the
/// same length, computes an HMAC over a signing string of the same length, and fails with
/// `SignatureMismatch`.
fn mac_verify_head(runner: &mut CtRunner, rng: &mut BenchRng) {
    let keys = [key()];
    let verifier = Verifier::new(&keys, Policy::default());
    let MacSamples { common, samples } = mac_samples(&keys[0], rng);
    let samples: Vec<(Class, String, String)> = samples
        .into_iter()
        .map(|(class, target, candidate)| (class, target, authorization_with(&candidate)))
        .collect();
    verify_heads(runner, &verifier, &common, &samples, |e| {
        e == VerifyError::SignatureMismatch
    });
}

/// Times `verify_head` on each sample: the `common` headers (X-Date, Content-Type,
/// Content-Length, Content-sha512), the sample's Authorization header and target. Every call
/// must fail as `expected` says.
fn verify_heads<S: KeyStore + ?Sized>(
    runner: &mut CtRunner,
    verifier: &Verifier<'_, S>,
    common: &[(String, String)],
    samples: &[(Class, String, String)],
    expected: fn(VerifyError) -> bool,
) {
    let mut fields = [("", ""); 5];
    for (slot, (n, v)) in fields.iter_mut().zip(common) {
        *slot = (n.as_str(), v.as_str());
    }
    for (class, target, authorization) in samples {
        fields[4] = ("Authorization", authorization.as_str());
        let head = head(target, &fields);
        runner.run_one(*class, || {
            let result = verifier.verify_head(&head, NOW);
            debug_assert!(result.as_ref().is_err_and(|e| expected(*e)));
            result.is_err()
        });
    }
}

/// A store that keeps a stand-in key, as `ingo_signer`'s `KeyRing` and the C ABI's key table
/// do (`KeyStore::stand_in`).
struct StandInStore {
    keys: Vec<SigningKey>,
    stand_in: SigningKey,
}

impl KeyStore for StandInStore {
    fn keys_for<'a>(&'a self, username: &'a str) -> impl Iterator<Item = &'a SigningKey> + 'a {
        self.keys[..].keys_for(username)
    }

    fn stand_in(&self) -> Option<&SigningKey> {
        Some(&self.stand_in)
    }
}

/// An unknown username (Left) against a known one with a wrong signature (Right): see the
/// module docs. The two usernames have the same length, and so do the two Authorization
/// headers.
fn unknown_username(runner: &mut CtRunner, rng: &mut BenchRng) {
    let keys = StandInStore {
        keys: vec![SigningKey::new("user-00042", b"s-42").expect("key")],
        stand_in: SigningKey::stand_in(),
    };
    let verifier = Verifier::new(&keys, Policy::default());
    let common: Vec<(String, String)> = signed_headers(&key(), "/", Body::Bytes(BODY))
        .into_iter()
        .filter(|(n, _)| n != "Authorization")
        .collect();
    let samples: Vec<(Class, String, String)> = (0..samples())
        .map(|_| {
            let class = class_of(rng);
            // Names that differ only in their last byte: comparing either with the stored one
            // takes the same time.
            let username = match class {
                Class::Left => "user-00043",
                Class::Right => "user-00042",
            };
            let mut signature = [0u8; 64];
            rng.fill_bytes(&mut signature);
            let authorization = format!(
                "hmac username=\"{username}\", algorithm=\"hmac-sha512\", headers=\"{SIGNED_LIST}\", signature=\"{}\"",
                Base64::encode_string(&signature)
            );
            (class, random_target(rng), authorization)
        })
        .collect();
    verify_heads(runner, &verifier, &common, &samples, |e| {
        matches!(
            e,
            VerifyError::UnknownUsername | VerifyError::SignatureMismatch
        )
    });
}

/// Control for [`mac_verify_head`]: the same HMAC, then a naive early-exit comparison.
fn control_naive_mac(runner: &mut CtRunner, rng: &mut BenchRng) {
    let key = key();
    let list = HeaderList::parse(SIGNED_LIST).expect("list");
    let MacSamples { common, samples } = mac_samples(&key, rng);
    let fields: Vec<(&str, &str)> = common
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    for (class, target, candidate) in &samples {
        let head = head(target, &fields);
        runner.run_one(*class, || {
            let mac = sign_head(&key, Algorithm::HmacSha512, list, &head).expect("mac");
            naive_eq(mac.as_bytes(), candidate)
        });
    }
}

/// A byte-by-byte comparison that stops at the first difference: what not to do.
#[inline(never)]
fn naive_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    for (x, y) in a.iter().zip(b) {
        if x != y {
            return false;
        }
    }
    true
}

/// The headers of a request for `body` whose (signed) Content-sha512 header is `digest`.
fn headers_with_digest(key: &SigningKey, body: &[u8], digest: &[u8]) -> Vec<(String, String)> {
    let encoded = Base64::encode_string(digest);
    let digest =
        BodyDigest::from_header(DigestAlgorithm::Sha512, encoded.as_bytes()).expect("digest");
    let len = u64::try_from(body.len()).expect("length");
    signed_headers(key, "/p", Body::Digested { len, digest })
}

/// A verified head for `body` whose (signed) Content-sha512 header is `digest`, with the body
/// fed in: only `finish` is left.
fn pending_with_digest(key: &SigningKey, body: &[u8], digest: &[u8]) -> PendingBody {
    let headers = headers_with_digest(key, body, digest);
    let fields: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let mut pending = Verifier::new(std::slice::from_ref(key), Policy::default())
        .verify_head(&head("/p", &fields), NOW)
        .expect("the head is signed");
    pending.update(body).expect("length");
    pending
}

/// `2 * POOL` random bodies, each with a class drawn at random and the candidate digest for
/// it. One pool for both classes, so neither class sits in its own region of memory.
fn digest_pool(rng: &mut BenchRng) -> Vec<(Class, Vec<u8>, Vec<u8>)> {
    (0..2 * POOL)
        .map(|_| {
            let class = class_of(rng);
            let body = random_body(rng);
            let real = BodyDigest::of(DigestAlgorithm::Sha512, &body);
            let candidate = candidate(real.as_bytes(), class, rng);
            (class, body, candidate)
        })
        .collect()
}

fn draws(rng: &mut BenchRng) -> Vec<usize> {
    (0..samples()).map(|_| rng.gen_range(0..2 * POOL)).collect()
}

/// The digest comparison: `finish` on a body whose signed Content-sha512 is a near-miss
/// (Left) or random (Right). Every call finalizes a SHA-512 over a body of the same length and
/// fails with `Digest(Mismatch)`.
fn digest_finish(runner: &mut CtRunner, rng: &mut BenchRng) {
    let key = key();
    let pool: Vec<(Class, PendingBody)> = digest_pool(rng)
        .into_iter()
        .map(|(class, body, candidate)| (class, pending_with_digest(&key, &body, &candidate)))
        .collect();
    for i in draws(rng) {
        let (class, pending) = &pool[i];
        runner.run_one(*class, || {
            let result = pending.clone().finish();
            debug_assert!(matches!(result, Err(VerifyError::Digest(_))));
            result.is_err()
        });
    }
}

/// The digest comparison of a one-shot `verify`, which compares the header with the base64 of
/// the body's digest: a near-miss (Left: every digest byte but the last right, so the texts
/// differ only at the end) or random (Right) Content-sha512, on a correctly signed head. Every
/// call verifies the head, digests a body of the same length and fails with
/// `Digest(Mismatch)`.
fn digest_verify(runner: &mut CtRunner, rng: &mut BenchRng) {
    let key = key();
    let verifier = Verifier::new(std::slice::from_ref(&key), Policy::default());
    let pool: Vec<_> = digest_pool(rng)
        .into_iter()
        .map(|(class, body, candidate)| {
            let headers = headers_with_digest(&key, &body, &candidate);
            (class, body, headers)
        })
        .collect();
    let fields: Vec<Vec<(&str, &str)>> = pool
        .iter()
        .map(|(_, _, headers)| {
            headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect()
        })
        .collect();
    for i in draws(rng) {
        let (class, body, _) = &pool[i];
        let head = head("/p", &fields[i]);
        runner.run_one(*class, || {
            let result = verifier.verify(&head, body, NOW);
            debug_assert!(matches!(result, Err(VerifyError::Digest(_))));
            result.is_err()
        });
    }
}

/// Control for [`digest_finish`]: the body's SHA-512, then a naive early-exit comparison.
fn control_naive_digest(runner: &mut CtRunner, rng: &mut BenchRng) {
    let pool = digest_pool(rng);
    for i in draws(rng) {
        let (class, body, candidate) = &pool[i];
        runner.run_one(*class, || {
            let digest = BodyDigest::of(DigestAlgorithm::Sha512, body);
            naive_eq(digest.as_bytes(), candidate)
        });
    }
}

ctbench_main!(
    mac_verify_head,
    digest_finish,
    digest_verify,
    unknown_username,
    control_naive_mac,
    control_naive_digest
);
