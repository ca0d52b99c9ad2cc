//! The contenders, by the names of their benchmarks, as closures over one shared fixture: for
//! the `icount` (instruction counts) and `ratio` (interleaved timing) binaries, which take
//! contender names on the command line.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};

use ::http_sig::SigningConfig;
use ::http_sig::mock_request::MockRequest;
use hmac::{Hmac, KeyInit as _, Mac as _};
use ingo_signer::fast_backend;
use ingo_signer::replay::{MemoryReplayGuard, ReplayGuard as _};
use ingo_signer_core::ReplayKey;
use ingo_signer_core::authorization::Authorization;
use ingo_signer_core::date::parse_imf_fixdate;
use ingo_signer_core::digest::BodyDigest;
use ingo_signer_core::header_list::HeaderList;
use ingo_signer_core::payload::{Endpoint, Options, validate};
use ingo_signer_core::signer::sign_head;
use ingo_signer_core::signing_string::{signing_string_into, write_signing_string};
use ingo_signer_core::{Algorithm, DigestAlgorithm, Policy, Request, Signer, SigningKey, Verifier};
use sha2::Digest as _;

use crate::fixtures::{self, BODY, NOW, SECRET, TARGET, USERNAME, noise};
use crate::lower_bound::LowerBound;
use crate::openssl_hmac::OpensslHmacSha512;
use crate::{http_sig, naive};

/// The contenders `icount.sh` counts (any `digest/FUNCTION/SIZE` also works).
pub const NAMES: &[&str] = &[
    "sign/ingo/470",
    "sign/lower-bound/470",
    "sign/naive-std/470",
    "sign/http-sig/470",
    "sign/http-sig-setup/470",
    "sign/ingo-openssl/470",
    "verify/ingo/470",
    "verify/lower-bound/470",
    "verify/ingo-memory-guard/470",
    "digest/ingo/470",
    "digest/sha2-raw/470",
    "digest/ingo-openssl/470",
    "digest/ingo/65536",
    "digest/sha2-raw/65536",
    "digest/ingo-openssl/65536",
    "parse/authorization/seed",
    "parse/x-date/seed",
    "validate/session-create/seed",
    "validate/push-to-card/seed",
    "mac/ingo/signing-string",
    "mac/hmac-raw/signing-string",
    "mac/openssl/signing-string",
];

/// What the contenders share, made once.
pub struct Fixture {
    key: SigningKey,
    lower: LowerBound,
    received: Vec<(String, String)>,
    config: SigningConfig,
    unsigned: MockRequest,
    large: Vec<u8>,
    signing_string: String,
    raw: Hmac<sha2::Sha512>,
    openssl: OpensslHmacSha512,
    /// The in-memory replay guard of `verify/ingo-memory-guard/470`, and its call count.
    guard: MemoryReplayGuard,
    calls: AtomicU64,
}

impl Default for Fixture {
    fn default() -> Self {
        Self::new()
    }
}

impl Fixture {
    /// Keys, signs the seed request, builds the bodies.
    pub fn new() -> Self {
        let key = fixtures::key();
        let received = fixtures::received_headers(&key);
        let headers = fixtures::borrow_headers(&received);
        let head = fixtures::head(&headers);
        let mut buf = [0u8; 512];
        let signing_string = signing_string_into(HeaderList::DEFAULT, &head, &mut buf)
            .unwrap_or_else(|e| unreachable!("{e}"))
            .to_owned();
        Fixture {
            lower: LowerBound::new(SECRET),
            config: http_sig::config(USERNAME, SECRET),
            unsigned: http_sig::unsigned_request("https://example.test/x", BODY.as_bytes()),
            large: noise(1_048_576),
            signing_string,
            raw: Hmac::<sha2::Sha512>::new_from_slice(SECRET)
                .unwrap_or_else(|e| unreachable!("{e}")),
            openssl: OpensslHmacSha512::new(SECRET),
            guard: MemoryReplayGuard::default(),
            calls: AtomicU64::new(0),
            received,
            key,
        }
    }

    /// `digest/{ingo, sha2-raw, ring, ingo-openssl, openssl}/SIZE`, SIZE up to 1 MiB: the
    /// first SIZE bytes of the same noise the criterion bench hashes.
    fn digest(&self, name: &str) -> Option<Box<dyn Fn() + '_>> {
        let mut parts = name.split('/');
        let (Some("digest"), Some(function), Some(size)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let body = self.large.get(..size.parse::<usize>().ok()?)?;
        Some(match function {
            "ingo" => Box::new(move || {
                black_box(BodyDigest::of(DigestAlgorithm::Sha512, black_box(body)));
            }),
            "sha2-raw" => Box::new(move || {
                black_box(sha2::Sha512::digest(black_box(body)));
            }),
            "ring" => Box::new(move || {
                black_box(ring::digest::digest(&ring::digest::SHA512, black_box(body)));
            }),
            "ingo-openssl" => Box::new(move || {
                black_box(fast_backend::body_digest(
                    DigestAlgorithm::Sha512,
                    black_box(body),
                ));
            }),
            "openssl" => Box::new(move || {
                black_box(openssl::sha::sha512(black_box(body)));
            }),
            _ => return None,
        })
    }

    /// The contender `name` as a closure doing one call, or `None` for an unknown name.
    pub fn contender(&self, name: &str) -> Option<Box<dyn Fn() + '_>> {
        let key = &self.key;
        let signer = Signer::new(key);
        let lower = &self.lower;
        let verifier = Verifier::new(key, Policy::default());
        let headers = fixtures::borrow_headers(&self.received);
        let authorization = fixtures::header(&self.received, "authorization");
        let x_date = fixtures::header(&self.received, "x-date");
        let config = &self.config;
        let unsigned = &self.unsigned;
        let list = HeaderList::DEFAULT;
        let signing_string = self.signing_string.as_str();
        let raw = &self.raw;
        let openssl_mac = &self.openssl;
        let body = BODY.as_bytes();
        let mut pieces: Vec<Vec<u8>> = Vec::new();
        let _ = write_signing_string(list, &fixtures::head(&headers), |p| pieces.push(p.to_vec()));
        Some(match name {
            "sign/ingo/470" => Box::new(move || {
                let _ = black_box(signer.sign(&Request::new("POST", TARGET, black_box(body)), NOW));
            }),
            "sign/lower-bound/470" => Box::new(move || {
                black_box(lower.sign(black_box(TARGET), black_box(x_date), "470", black_box(body)));
            }),
            "sign/naive-std/470" => Box::new(move || {
                black_box(naive::sign(
                    USERNAME,
                    SECRET,
                    "POST",
                    TARGET,
                    black_box(body),
                    NOW as i64,
                ));
            }),
            "sign/http-sig/470" => Box::new(move || {
                let mut request = unsigned.clone();
                http_sig::sign(&mut request, config);
                black_box(request);
            }),
            "sign/http-sig-setup/470" => Box::new(move || {
                black_box(unsigned.clone());
            }),
            "sign/ingo-openssl/470" => Box::new(move || {
                let _ = black_box(fast_backend::sign(
                    &signer,
                    &Request::new("POST", TARGET, black_box(body)),
                    NOW,
                ));
            }),
            "verify/ingo/470" => Box::new(move || {
                let _ = black_box(verifier.verify(
                    black_box(&fixtures::head(&headers)),
                    black_box(body),
                    NOW + 31,
                ));
            }),
            // Verify, then what a gateway adds: the replay key and the guard's insert. Each call
            // is a new request to the guard (the key is varied by a counter, and the clock
            // moves 1 s per 1,000 calls so that entries expire as at a steady 1,000 requests/s).
            "verify/ingo-memory-guard/470" => Box::new(move || {
                let verified = verifier.verify(
                    black_box(&fixtures::head(&headers)),
                    black_box(body),
                    NOW + 31,
                );
                if let Ok(verified) = verified {
                    let n = self.calls.fetch_add(1, Ordering::Relaxed);
                    let mut key = *verified.replay_key().as_bytes();
                    for (byte, count) in key.iter_mut().zip(n.to_le_bytes()) {
                        *byte ^= count;
                    }
                    let now = NOW + n / 1000;
                    let check = self.guard.check(ReplayKey::from_bytes(key), now + 301, now);
                    black_box(check.into_ready().is_ok());
                }
            }),
            "verify/lower-bound/470" => Box::new(move || {
                black_box(lower.verify(TARGET, black_box(&headers), black_box(body)));
            }),
            "parse/authorization/seed" => Box::new(move || {
                let _ = black_box(Authorization::parse(black_box(authorization.as_bytes())));
            }),
            "parse/x-date/seed" => Box::new(move || {
                let _ = black_box(parse_imf_fixdate(black_box(x_date.as_bytes())));
            }),
            "validate/session-create/seed" => Box::new(move || {
                let _ = black_box(validate(
                    Endpoint::SessionCreate,
                    Options::new(),
                    black_box(body),
                ));
            }),
            "validate/push-to-card/seed" => Box::new(move || {
                let seed = fixtures::PUSH_TO_CARD_BODY.as_bytes();
                let _ = black_box(validate(
                    Endpoint::PushToCard,
                    Options::new(),
                    black_box(seed),
                ));
            }),
            "mac/ingo/signing-string" => Box::new(move || {
                let _ = black_box(sign_head(
                    key,
                    Algorithm::HmacSha512,
                    list,
                    black_box(&fixtures::head(&headers)),
                ));
            }),
            "mac/hmac-raw/signing-string" => Box::new(move || {
                let mut mac = raw.clone();
                mac.update(black_box(signing_string.as_bytes()));
                black_box(mac.finalize().into_bytes());
            }),
            // The same primitive fed the signing string in the pieces `write_signing_string`
            // produces (split beforehand), so the cost of many small `update`s shows apart
            // from the lookups.
            "mac/hmac-pieces/signing-string" => Box::new(move || {
                let mut mac = raw.clone();
                for piece in &pieces {
                    mac.update(black_box(piece));
                }
                black_box(mac.finalize().into_bytes());
            }),
            "mac/openssl/signing-string" => Box::new(move || {
                let mut state = openssl_mac.start();
                let built = write_signing_string(list, black_box(&fixtures::head(&headers)), |p| {
                    state.update(p)
                });
                let _ = black_box((built, openssl_mac.finish(state)));
            }),
            _ => return self.digest(name),
        })
    }
}
