//! Runs one contender `N` times, for instruction counting under valgrind: timings on a shared
//! machine are noisy, instruction counts are not. `benches/icount.sh` runs every contender with
//! `N` and with 0 iterations and reports `(Ir(N) - Ir(0)) / N`.
//!
//! Usage: `icount CONTENDER N`; `icount list` names the contenders.

use std::hint::black_box;
use std::process::ExitCode;

use benches::fixtures::{self, BODY, NOW, SECRET, TARGET, USERNAME, noise};
use benches::lower_bound::LowerBound;
use benches::openssl_hmac::OpensslHmacSha512;
use benches::{http_sig, naive};
use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::Digest as _;
use signer_core::authorization::Authorization;
use signer_core::date::parse_imf_fixdate;
use signer_core::digest::BodyDigest;
use signer_core::header_list::HeaderList;
use signer_core::payload::{Endpoint, Options, validate};
use signer_core::signer::sign_head;
use signer_core::signing_string::{signing_string_into, write_signing_string};
use signer_core::{Algorithm, DigestAlgorithm, Policy, Request, Signer, Verifier};
use signer_std::fast_backend;

const CONTENDERS: &[&str] = &[
    "sign/ingo/470",
    "sign/lower-bound/470",
    "sign/naive-std/470",
    "sign/http-sig/470",
    "sign/http-sig-setup/470",
    "sign/ingo-openssl/470",
    "verify/ingo/470",
    "verify/lower-bound/470",
    "digest/ingo/470",
    "digest/sha2-raw/470",
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

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(name), Some(n)) = (args.get(1), args.get(2).and_then(|n| n.parse::<u64>().ok()))
    else {
        if args.get(1).map(String::as_str) == Some("list") {
            CONTENDERS.iter().for_each(|c| println!("{c}"));
            return ExitCode::SUCCESS;
        }
        eprintln!("usage: icount CONTENDER N | icount list");
        return ExitCode::FAILURE;
    };
    if !CONTENDERS.contains(&name.as_str()) {
        eprintln!("unknown contender {name}; `icount list` names them");
        return ExitCode::FAILURE;
    }

    // Everything is prepared whether or not it is used, so Ir(0) subtracts the same setup.
    let key = fixtures::key();
    let signer = Signer::new(&key);
    let lower = LowerBound::new(SECRET);
    let verifier = Verifier::new(&key, Policy::default());
    let received = fixtures::received_headers(&key);
    let headers = fixtures::borrow_headers(&received);
    let head = fixtures::head(&headers);
    let authorization = fixtures::header(&received, "authorization");
    let x_date = fixtures::header(&received, "x-date");
    let config = http_sig::config(USERNAME, SECRET);
    let unsigned = http_sig::unsigned_request("https://example.test/x", BODY.as_bytes());
    let large = noise(65_536);
    let list = HeaderList::parse("request-line x-date content-type content-length content-sha512")
        .unwrap_or_else(|e| unreachable!("{e}"));
    let mut buf = [0u8; 512];
    let signing_string = signing_string_into(list, &head, &mut buf)
        .unwrap_or_else(|e| unreachable!("{e}"))
        .to_owned();
    let raw = Hmac::<sha2::Sha512>::new_from_slice(SECRET).unwrap_or_else(|e| unreachable!("{e}"));
    let openssl = OpensslHmacSha512::new(SECRET);
    let body = BODY.as_bytes();

    for _ in 0..n {
        match name.as_str() {
            "sign/ingo/470" => {
                let _ = black_box(signer.sign(&Request::new("POST", TARGET, black_box(body)), NOW));
            }
            "sign/lower-bound/470" => {
                black_box(lower.sign(black_box(TARGET), black_box(x_date), "470", black_box(body)));
            }
            "sign/naive-std/470" => {
                black_box(naive::sign(
                    USERNAME,
                    SECRET,
                    "POST",
                    TARGET,
                    black_box(body),
                    NOW as i64,
                ));
            }
            "sign/http-sig/470" => {
                let mut request = unsigned.clone();
                http_sig::sign(&mut request, &config);
                black_box(request);
            }
            "sign/http-sig-setup/470" => {
                black_box(unsigned.clone());
            }
            "sign/ingo-openssl/470" => {
                let _ = black_box(fast_backend::sign(
                    &signer,
                    &Request::new("POST", TARGET, black_box(body)),
                    NOW,
                ));
            }
            "verify/ingo/470" => {
                let _ = black_box(verifier.verify(black_box(&head), black_box(body), NOW + 31));
            }
            "verify/lower-bound/470" => {
                black_box(lower.verify(TARGET, black_box(&headers), black_box(body)));
            }
            "digest/ingo/470" => {
                black_box(BodyDigest::of(DigestAlgorithm::Sha512, black_box(body)));
            }
            "digest/sha2-raw/470" => {
                black_box(sha2::Sha512::digest(black_box(body)));
            }
            "digest/ingo/65536" => {
                black_box(BodyDigest::of(DigestAlgorithm::Sha512, black_box(&large)));
            }
            "digest/sha2-raw/65536" => {
                black_box(sha2::Sha512::digest(black_box(&large)));
            }
            "digest/ingo-openssl/65536" => {
                black_box(fast_backend::body_digest(
                    DigestAlgorithm::Sha512,
                    black_box(&large),
                ));
            }
            "parse/authorization/seed" => {
                let _ = black_box(Authorization::parse(black_box(authorization.as_bytes())));
            }
            "parse/x-date/seed" => {
                let _ = black_box(parse_imf_fixdate(black_box(x_date.as_bytes())));
            }
            "validate/session-create/seed" => {
                let _ = black_box(validate(
                    Endpoint::SessionCreate,
                    Options::new(),
                    black_box(body),
                ));
            }
            "validate/push-to-card/seed" => {
                let seed = fixtures::PUSH_TO_CARD_BODY.as_bytes();
                let _ = black_box(validate(
                    Endpoint::PushToCard,
                    Options::new(),
                    black_box(seed),
                ));
            }
            "mac/ingo/signing-string" => {
                let _ = black_box(sign_head(
                    &key,
                    Algorithm::HmacSha512,
                    list,
                    black_box(&head),
                ));
            }
            "mac/hmac-raw/signing-string" => {
                let mut mac = raw.clone();
                mac.update(black_box(signing_string.as_bytes()));
                black_box(mac.finalize().into_bytes());
            }
            "mac/openssl/signing-string" => {
                let mut state = openssl.start();
                let built = write_signing_string(list, black_box(&head), |p| state.update(p));
                let _ = black_box((built, openssl.finish(state)));
            }
            _ => unreachable!("checked above"),
        }
    }
    ExitCode::SUCCESS
}
