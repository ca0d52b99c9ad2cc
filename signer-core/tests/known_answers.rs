//! SPEC §7 known answers. Every expected value below is copied from SPEC.md (computed there with
//! Python's hmac/hashlib) or from the RFC named; none comes from this crate's output.

use ingo_signer_core::digest::BodyDigest;
use ingo_signer_core::header_list::HeaderList;
use ingo_signer_core::signer::sign_head;
use ingo_signer_core::{
    Algorithm, DigestAlgorithm, HttpVersion, Policy, Request, RequestHead, Signer, SigningKey,
    Verifier,
};

/// The Session Create seed body, minified in key order (SPEC §7: 470 bytes).
const SESSION_CREATE: &str = r#"{"participant_unique_id1":"70646041-01ea-4cd6-b657-18ff88e465c7","host_uri":"https://digitalpay-test.ingo.money","language_locale_code":"en-US","recipient_information":{"first_name":"Alex","last_name":"Rivera","business_name":"Acme Limited","address_line1":"100 Innovation Way","city":"Anytown","state":"GA","zip_code":"37233","email_address":"jack.frost@example.com","phone_number":"1231231234","mobile_number":"1231231234","open_banking":{"mobus_customer_id":"9999"}}}"#;
const TARGET: &str = "/api/v1/sessions/point-in-time/plugin";
const NOW: u64 = 1_579_291_169; // Fri, 17 Jan 2020 19:59:29 GMT
const SECRET: &[u8] = b"demo-secret-not-for-production";

fn key() -> SigningKey {
    SigningKey::new("demo", SECRET).unwrap()
}

#[test]
fn session_create_hmac_sha512() {
    assert_eq!(SESSION_CREATE.len(), 470);
    let key = key();
    let signed = Signer::new(&key)
        .sign(
            &Request::new("POST", TARGET, SESSION_CREATE.as_bytes()),
            NOW,
        )
        .unwrap();
    assert_eq!(signed.x_date().as_str(), "Fri, 17 Jan 2020 19:59:29 GMT");
    assert_eq!(signed.content_type(), "application/json");
    assert_eq!(signed.content_length(), "470");
    assert_eq!(
        signed.digest(),
        "3q0SjtvYQ+sYK547xTH/wGVanywHfrt/keOUVNMqGUGilvU74qWUYpK4jVkLjxxXWA5VQC0lFK8+6phwJFMHOw=="
    );
    assert_eq!(
        signed.authorization(),
        "hmac username=\"demo\", algorithm=\"hmac-sha512\", headers=\"request-line x-date content-type content-length content-sha512\", signature=\"UtGXHtk9yGReskjL9IuB/rnDaqcfwzALea2D3Lr+f7hQKvZw/y1Y9Ad1MwnG85+vIBgJWH0sWPOA8Z+4KLmhbQ==\""
    );
    let names: Vec<&str> = signed.iter().map(|(name, _)| name).collect();
    assert_eq!(
        names,
        [
            "X-Date",
            "Content-Type",
            "Content-Length",
            "Content-sha512",
            "Authorization"
        ]
    );

    let headers: Vec<(&str, &str)> = signed.iter().collect();
    let head = RequestHead {
        method: "POST",
        target: TARGET,
        version: HttpVersion::Http11,
        headers: &headers[..],
    };
    let verified = Verifier::new(&key, Policy::default())
        .verify(&head, SESSION_CREATE.as_bytes(), NOW)
        .unwrap();
    assert_eq!(verified.username(), "demo");
    assert_eq!(verified.algorithm(), Algorithm::HmacSha512);
}

#[test]
fn session_create_legacy_hmac_sha256() {
    let key = key();
    let signed = Signer::new(&key)
        .legacy_sha256()
        .sign(
            &Request::new("POST", TARGET, SESSION_CREATE.as_bytes()),
            NOW,
        )
        .unwrap();
    assert_eq!(signed.digest_algorithm(), DigestAlgorithm::Sha256);
    assert_eq!(
        signed.digest(),
        "5LFHO2vW+LIwmRoLGopYZQZvcixg84tRchhKVgToN7E="
    );
    assert_eq!(
        signed.authorization(),
        "hmac username=\"demo\", algorithm=\"hmac-sha256\", headers=\"request-line x-date content-type content-length content-sha256\", signature=\"qp8rLccOWFvchoxEtPoltMDSVPkEyH7CY+OsfMbnWL4=\""
    );
    let headers: Vec<(&str, &str)> = signed.iter().collect();
    assert_eq!(headers[3].0, "Content-sha256");
    let head = RequestHead {
        method: "POST",
        target: TARGET,
        version: HttpVersion::Http11,
        headers: &headers[..],
    };
    // Legacy is refused by default and accepted only when the policy allows it.
    let strict =
        Verifier::new(&key, Policy::default()).verify(&head, SESSION_CREATE.as_bytes(), NOW);
    assert_eq!(strict.unwrap_err().kind(), "verify.algorithm_not_allowed");
    let legacy = Verifier::new(&key, Policy::default().allow_legacy_sha256(true));
    assert_eq!(
        legacy
            .verify(&head, SESSION_CREATE.as_bytes(), NOW)
            .unwrap()
            .algorithm(),
        Algorithm::HmacSha256
    );
}

#[test]
fn rfc9530_appendix_d_digest() {
    let digest = BodyDigest::of(DigestAlgorithm::Sha512, br#"{"hello": "world"}"#);
    assert_eq!(
        digest.to_base64().as_str(),
        "WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew=="
    );
}

#[test]
fn kong_published_example() {
    let key = SigningKey::new("alice123", b"secret").unwrap();
    let headers = [("date", "Thu, 22 Jun 2017 17:15:21 GMT")];
    let head = RequestHead {
        method: "GET",
        target: "/requests",
        version: HttpVersion::Http11,
        headers: &headers,
    };
    let list = HeaderList::parse("date request-line").unwrap();
    let signature = sign_head(&key, Algorithm::HmacSha256, list, &head).unwrap();
    assert_eq!(
        signature.to_base64().as_str(),
        "ujWCGHeec9Xd6UD2zlyxiNMCiXnDOWeVFMu5VeRUxtw="
    );
}

#[test]
fn length_last_order_signs_its_own_list() {
    // The order Ingo's guide also shows. Expected signature computed with Python:
    // hmac.new(secret, signing_string, sha512) over the same lines with content-sha512 before
    // content-length.
    let key = key();
    let signed = Signer::new(&key)
        .header_order(ingo_signer_core::signer::HeaderOrder::LengthLast)
        .sign(
            &Request::new("POST", TARGET, SESSION_CREATE.as_bytes()),
            NOW,
        )
        .unwrap();
    assert!(
        signed
            .authorization()
            .contains("headers=\"request-line x-date content-type content-sha512 content-length\"")
    );
    assert!(
        signed
            .authorization()
            .ends_with(&format!("signature=\"{}\"", LENGTH_LAST_SIGNATURE))
    );
}

/// python3 -c 'import hmac,hashlib,base64; s="POST /api/v1/sessions/point-in-time/plugin HTTP/1.1\nx-date: Fri, 17 Jan 2020 19:59:29 GMT\ncontent-type: application/json\ncontent-sha512: 3q0SjtvYQ+sYK547xTH/wGVanywHfrt/keOUVNMqGUGilvU74qWUYpK4jVkLjxxXWA5VQC0lFK8+6phwJFMHOw==\ncontent-length: 470"; print(base64.b64encode(hmac.new(b"demo-secret-not-for-production", s.encode(), hashlib.sha512).digest()).decode())'
const LENGTH_LAST_SIGNATURE: &str =
    "91cxPY4YBljeHRWN0AA+zhPvkFqKuMpx/vjHnjxmvtdHUNvbrq4nZTDOvre3xxbqb2wtkLouSQ2JAR2lRPPI/g==";
