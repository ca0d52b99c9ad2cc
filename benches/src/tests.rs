//! Each contender does the same job as the core before its speed is compared.

use ingo_signer_core::header_list::HeaderList;
use ingo_signer_core::signing_string::write_signing_string;
use ingo_signer_core::{Algorithm, Policy, Signer, Verifier};

use crate::fixtures::{self, BODY, NOW, SECRET, TARGET, USERNAME};
use crate::lower_bound::LowerBound;
use crate::{http_sig, naive, openssl_hmac::OpensslHmacSha512};

fn ingo_headers() -> Vec<(String, String)> {
    let signed = Signer::new(&fixtures::key())
        .sign(&fixtures::request(), NOW)
        .unwrap();
    signed
        .iter()
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect()
}

fn signature_of(authorization: &str) -> &str {
    let at = authorization.rfind("signature=\"").unwrap();
    &authorization[at + 11..authorization.len() - 1]
}

#[test]
fn the_fixture_is_the_470_byte_seed_and_the_spec_s_known_answer() {
    assert_eq!(BODY.len(), 470);
    assert_eq!(fixtures::PUSH_TO_CARD_BODY.len(), 832);
    let received = fixtures::received_headers(&fixtures::key());
    assert_eq!(
        fixtures::header(&received, "x-date"),
        "Fri, 17 Jan 2020 19:59:29 GMT"
    );
    let headers = fixtures::borrow_headers(&received);
    let verified = Verifier::new(&fixtures::key(), Policy::default())
        .verify(&fixtures::head(&headers), BODY.as_bytes(), NOW + 31)
        .unwrap();
    assert_eq!(verified.username(), USERNAME);
}

#[test]
fn lower_bound_signs_the_same_bytes() {
    let ingo = ingo_headers();
    let signed = LowerBound::new(SECRET).sign(
        TARGET,
        "Fri, 17 Jan 2020 19:59:29 GMT",
        "470",
        BODY.as_bytes(),
    );
    assert_eq!(
        std::str::from_utf8(&signed.digest).unwrap(),
        fixtures::header(&ingo, "content-sha512")
    );
    assert_eq!(
        std::str::from_utf8(&signed.signature).unwrap(),
        signature_of(fixtures::header(&ingo, "authorization"))
    );
}

#[test]
fn lower_bound_verifies_and_refuses() {
    let lower = LowerBound::new(SECRET);
    let received = fixtures::received_headers(&fixtures::key());
    let headers = fixtures::borrow_headers(&received);
    assert!(lower.verify(TARGET, &headers, BODY.as_bytes()));
    assert!(!lower.verify(TARGET, &headers, b"{}"));
    assert!(!lower.verify("/other", &headers, BODY.as_bytes()));
    assert!(!LowerBound::new(b"other").verify(TARGET, &headers, BODY.as_bytes()));
}

#[test]
fn naive_std_signs_the_same_headers() {
    let naive = naive::sign(
        USERNAME,
        SECRET,
        "POST",
        TARGET,
        BODY.as_bytes(),
        NOW as i64,
    );
    assert_eq!(naive, ingo_headers());
}

#[test]
fn http_sig_signs_the_equivalent_request() {
    let config = http_sig::config(USERNAME, SECRET);
    let mut request = http_sig::unsigned_request("https://example.test/x", BODY.as_bytes());
    http_sig::sign(&mut request, &config);
    let headers: Vec<(String, String)> = request
        .headers()
        .into_iter()
        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect();
    let digest = format!(
        "SHA-512={}",
        fixtures::header(&ingo_headers(), "content-sha512")
    );
    assert_eq!(fixtures::header(&headers, "digest"), digest);
    assert!(!fixtures::header(&headers, "date").is_empty());
    let authorization = fixtures::header(&headers, "authorization");
    assert!(authorization.starts_with("Signature keyId=\"demo\""));
    assert!(
        authorization
            .ends_with("headers=\"(request-target) date content-type content-length digest\"")
    );
}

#[test]
fn openssl_hmac_equals_the_core_s() {
    let key = fixtures::key();
    let received = fixtures::received_headers(&key);
    let headers = fixtures::borrow_headers(&received);
    let head = fixtures::head(&headers);
    let list = HeaderList::parse("request-line x-date content-type content-length content-sha512")
        .unwrap();
    let core =
        ingo_signer_core::signer::sign_head(&key, Algorithm::HmacSha512, list, &head).unwrap();

    let openssl = OpensslHmacSha512::new(SECRET);
    let mut state = openssl.start();
    write_signing_string(list, &head, |piece| state.update(piece)).unwrap();
    assert_eq!(&openssl.finish(state)[..], core.as_bytes());

    // RFC 4231 §4.7: a 131-byte key, hashed first.
    let long = OpensslHmacSha512::new(&[0xaa; 131]);
    let mut state = long.start();
    state.update(b"Test Using Larger Than Block-Size Key - Hash Key First");
    let hex: String = long
        .finish(state)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        hex,
        "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"
    );
}

#[test]
fn the_validate_fixtures_are_valid() {
    use ingo_signer_core::payload::{Endpoint, Options, validate};
    assert!(validate(Endpoint::SessionCreate, Options::new(), BODY.as_bytes()).is_ok());
    assert!(
        validate(
            Endpoint::PushToCard,
            Options::new(),
            fixtures::PUSH_TO_CARD_BODY.as_bytes()
        )
        .is_ok()
    );
}
