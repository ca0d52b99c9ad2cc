//! SPEC §7's known answers on the chip. Every expected value is copied from SPEC.md §7 (computed
//! there with Python's hmac/hashlib) or from the RFC it names; none comes from this crate.

use core::fmt::Write as _;

use ingo_signer_core::digest::BodyDigest;
use ingo_signer_core::header_list::HeaderList;
use ingo_signer_core::signer::sign_head;
use ingo_signer_core::{
    Algorithm, DigestAlgorithm, HttpVersion, Policy, Request, RequestHead, SignedHeaders, Signer,
    SigningKey, Verifier,
};

use crate::{Failure, Tally, ensure};

/// The seed's Session Create body, minified in key order (SPEC §7: 470 bytes).
pub const SESSION_CREATE: &str = r#"{"participant_unique_id1":"70646041-01ea-4cd6-b657-18ff88e465c7","host_uri":"https://digitalpay-test.ingo.money","language_locale_code":"en-US","recipient_information":{"first_name":"Alex","last_name":"Rivera","business_name":"Acme Limited","address_line1":"100 Innovation Way","city":"Anytown","state":"GA","zip_code":"37233","email_address":"jack.frost@example.com","phone_number":"1231231234","mobile_number":"1231231234","open_banking":{"mobus_customer_id":"9999"}}}"#;
/// SPEC §7's request-target.
pub const TARGET: &str = "/api/v1/sessions/point-in-time/plugin";
/// Fri, 17 Jan 2020 19:59:29 GMT.
pub const NOW: u64 = 1_579_291_169;
/// SPEC §7's username and secret.
pub const USERNAME: &str = "demo";
/// SPEC §7's secret.
pub const SECRET: &[u8] = b"demo-secret-not-for-production";

/// SPEC §7: Content-sha512 of the body.
#[cfg(not(feature = "wrong-expectation"))]
const SHA512_DIGEST: &str =
    "3q0SjtvYQ+sYK547xTH/wGVanywHfrt/keOUVNMqGUGilvU74qWUYpK4jVkLjxxXWA5VQC0lFK8+6phwJFMHOw==";
/// The negative control: SPEC §7's digest with its first character changed.
#[cfg(feature = "wrong-expectation")]
const SHA512_DIGEST: &str =
    "4q0SjtvYQ+sYK547xTH/wGVanywHfrt/keOUVNMqGUGilvU74qWUYpK4jVkLjxxXWA5VQC0lFK8+6phwJFMHOw==";
/// SPEC §7: the hmac-sha512 signature.
const SHA512_SIGNATURE: &str =
    "UtGXHtk9yGReskjL9IuB/rnDaqcfwzALea2D3Lr+f7hQKvZw/y1Y9Ad1MwnG85+vIBgJWH0sWPOA8Z+4KLmhbQ==";
/// SPEC §7: legacy Content-sha256 and hmac-sha256 signature.
const SHA256_DIGEST: &str = "5LFHO2vW+LIwmRoLGopYZQZvcixg84tRchhKVgToN7E=";
const SHA256_SIGNATURE: &str = "qp8rLccOWFvchoxEtPoltMDSVPkEyH7CY+OsfMbnWL4=";
/// RFC 9530 Appendix D: SHA-512 of `{"hello": "world"}`.
const RFC9530_DIGEST: &str =
    "WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==";
/// Kong's published hmac-auth example.
const KONG_SIGNATURE: &str = "ujWCGHeec9Xd6UD2zlyxiNMCiXnDOWeVFMu5VeRUxtw=";

/// Runs SPEC §7's known answers; `true` when all passed.
pub fn run(out: &mut dyn core::fmt::Write) -> bool {
    let mut tally = Tally::new("known_answers", out);
    let key = match SigningKey::new(USERNAME, SECRET) {
        Ok(key) => key,
        Err(e) => {
            tally.check(
                format_args!("key"),
                Err(crate::failure(format_args!("{e}"))),
            );
            return tally.finish();
        }
    };
    tally.check(
        format_args!("spec-7 session create: hmac-sha512 headers"),
        session_create(&key),
    );
    tally.check(
        format_args!("spec-7 session create: legacy hmac-sha256 headers, refused by default"),
        legacy(&key),
    );
    tally.check(
        format_args!("rfc-9530 appendix D: sha-512 digest"),
        rfc9530(),
    );
    tally.check(format_args!("kong: hmac-sha256 signature"), kong());
    tally.finish()
}

/// The signed headers as a verifier receives them, in the order they are sent.
fn received<'s>(signed: &'s SignedHeaders<'_>) -> [(&'static str, &'s str); 5] {
    let mut headers = [("", ""); 5];
    for (slot, pair) in headers.iter_mut().zip(signed.iter()) {
        *slot = pair;
    }
    headers
}

fn expected_authorization(
    algorithm: &str,
    digest_header: &str,
    signature: &str,
) -> heapless::String<256> {
    let mut text = heapless::String::new();
    let _ = write!(
        text,
        "hmac username=\"demo\", algorithm=\"{algorithm}\", headers=\"request-line x-date content-type content-length {digest_header}\", signature=\"{signature}\""
    );
    text
}

fn session_create(key: &SigningKey) -> Result<(), Failure> {
    let request = Request::new("POST", TARGET, SESSION_CREATE.as_bytes());
    let signed = Signer::new(key)
        .sign(&request, NOW)
        .map_err(|e| crate::failure(format_args!("sign: {e}")))?;
    ensure!(SESSION_CREATE.len() == 470, "the body is not 470 bytes");
    ensure!(
        signed.x_date().as_str() == "Fri, 17 Jan 2020 19:59:29 GMT",
        "x-date {}",
        signed.x_date().as_str()
    );
    ensure!(signed.content_type() == "application/json", "content-type");
    ensure!(signed.content_length() == "470", "content-length");
    ensure!(
        signed.digest() == SHA512_DIGEST,
        "content-sha512 {}",
        signed.digest()
    );
    ensure!(
        signed.authorization()
            == expected_authorization("hmac-sha512", "content-sha512", SHA512_SIGNATURE),
        "authorization {}",
        signed.authorization()
    );
    let headers = received(&signed);
    ensure!(
        headers.map(|(name, _)| name)
            == [
                "X-Date",
                "Content-Type",
                "Content-Length",
                "Content-sha512",
                "Authorization"
            ],
        "header names or order"
    );
    let head = RequestHead {
        method: "POST",
        target: TARGET,
        version: HttpVersion::Http11,
        headers: &headers[..],
    };
    let verified = Verifier::new(key, Policy::default())
        .verify(&head, SESSION_CREATE.as_bytes(), NOW)
        .map_err(|e| crate::failure(format_args!("verify: {}", e.kind())))?;
    ensure!(verified.username() == USERNAME, "verified username");
    ensure!(
        verified.algorithm() == Algorithm::HmacSha512,
        "verified algorithm"
    );
    Ok(())
}

fn legacy(key: &SigningKey) -> Result<(), Failure> {
    let request = Request::new("POST", TARGET, SESSION_CREATE.as_bytes());
    let signed = Signer::new(key)
        .legacy_sha256()
        .sign(&request, NOW)
        .map_err(|e| crate::failure(format_args!("sign: {e}")))?;
    ensure!(
        signed.digest_algorithm() == DigestAlgorithm::Sha256,
        "digest algorithm"
    );
    ensure!(
        signed.digest() == SHA256_DIGEST,
        "content-sha256 {}",
        signed.digest()
    );
    ensure!(
        signed.authorization()
            == expected_authorization("hmac-sha256", "content-sha256", SHA256_SIGNATURE),
        "authorization {}",
        signed.authorization()
    );
    let headers = received(&signed);
    ensure!(headers[3].0 == "Content-sha256", "digest header name");
    let head = RequestHead {
        method: "POST",
        target: TARGET,
        version: HttpVersion::Http11,
        headers: &headers[..],
    };
    let strict =
        Verifier::new(key, Policy::default()).verify(&head, SESSION_CREATE.as_bytes(), NOW);
    ensure!(
        strict.as_ref().err().map(|e| e.kind()) == Some("verify.algorithm_not_allowed"),
        "the default policy did not refuse legacy with verify.algorithm_not_allowed"
    );
    let legacy = Verifier::new(key, Policy::default().allow_legacy_sha256(true))
        .verify(&head, SESSION_CREATE.as_bytes(), NOW)
        .map_err(|e| crate::failure(format_args!("verify under a legacy policy: {}", e.kind())))?;
    ensure!(
        legacy.algorithm() == Algorithm::HmacSha256,
        "verified algorithm"
    );
    Ok(())
}

fn rfc9530() -> Result<(), Failure> {
    let digest = BodyDigest::of(DigestAlgorithm::Sha512, br#"{"hello": "world"}"#);
    ensure!(
        digest.to_base64() == RFC9530_DIGEST,
        "digest {}",
        digest.to_base64()
    );
    Ok(())
}

fn kong() -> Result<(), Failure> {
    let key = SigningKey::new("alice123", b"secret")
        .map_err(|e| crate::failure(format_args!("key: {e}")))?;
    let headers = [("date", "Thu, 22 Jun 2017 17:15:21 GMT")];
    let head = RequestHead {
        method: "GET",
        target: "/requests",
        version: HttpVersion::Http11,
        headers: &headers,
    };
    let list = HeaderList::parse("date request-line")
        .map_err(|e| crate::failure(format_args!("list: {e}")))?;
    let signature = sign_head(&key, Algorithm::HmacSha256, list, &head)
        .map_err(|e| crate::failure(format_args!("sign_head: {e}")))?;
    ensure!(
        signature.to_base64() == KONG_SIGNATURE,
        "signature {}",
        signature.to_base64()
    );
    Ok(())
}
