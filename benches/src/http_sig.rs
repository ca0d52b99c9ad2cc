//! The `http-sig` crate (0.6, PassFort's draft-cavage HTTP Signatures, default features) signing
//! the equivalent request: hmac-sha512 over `(request-target) date content-type content-length
//! digest`, with a `Digest: SHA-512=...` header it computes itself. Its request type is its own
//! `MockRequest` (a map of `http` 0.2 headers); the library adds `Date` and `Digest` and the
//! `Authorization` header, as ours adds `X-Date`, the digest and `Authorization`.

use http_sig::mock_request::MockRequest;
use http_sig::{Header, HmacSha512, PseudoHeader, SigningConfig, SigningExt as _};
use http02::header::{CONTENT_LENGTH, CONTENT_TYPE, DATE, HeaderName};

/// The signing configuration: keyed once, like our `SigningKey`.
pub fn config(username: &str, secret: &[u8]) -> SigningConfig {
    SigningConfig::new(username, HmacSha512::new(secret))
        .with_digest(sha2_010::Sha512::default())
        .with_add_host(false)
        .with_headers(&[
            Header::Pseudo(PseudoHeader::RequestTarget),
            Header::Normal(DATE),
            Header::Normal(CONTENT_TYPE),
            Header::Normal(CONTENT_LENGTH),
            Header::Normal(HeaderName::from_static("digest")),
        ])
}

/// The unsigned request, as the caller holds it before signing (`with_body` sets
/// `Content-Length`).
pub fn unsigned_request(url: &str, body: &[u8]) -> MockRequest {
    MockRequest::new(http02::Method::POST, url)
        .with_header("Content-Type", "application/json")
        .with_body(body.to_vec())
}

/// Signs in place: adds `Date`, `Digest` and `Authorization`.
pub fn sign(request: &mut MockRequest, config: &SigningConfig) {
    if let Err(e) = request.sign(config) {
        unreachable!("the request has every listed header: {e}");
    }
}
