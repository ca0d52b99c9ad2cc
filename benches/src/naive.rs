//! A straightforward std signer, as a user would write it from the SPEC: `format!` the signing
//! string, key a new HMAC per call, allocate every header string. Same primitives as the core
//! (`hmac` 0.13, `sha2` 0.11), the `base64` crate, and `chrono` for the date.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::{Digest as _, Sha512};

/// Signs `method target` with `body` at `now` (Unix seconds): the five headers, in the order
/// the core emits them.
pub fn sign(
    username: &str,
    secret: &[u8],
    method: &str,
    target: &str,
    body: &[u8],
    now: i64,
) -> Vec<(String, String)> {
    let date = chrono::DateTime::from_timestamp(now, 0)
        .unwrap_or_default()
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    let content_type = "application/json".to_string();
    let content_length = body.len().to_string();
    let digest = STANDARD.encode(Sha512::digest(body));
    let signing_string = format!(
        "{method} {target} HTTP/1.1\nx-date: {date}\ncontent-type: {content_type}\ncontent-length: {content_length}\ncontent-sha512: {digest}"
    );
    let mut mac = Hmac::<Sha512>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(signing_string.as_bytes());
    let signature = STANDARD.encode(mac.finalize().into_bytes());
    let authorization = format!(
        "hmac username=\"{username}\", algorithm=\"hmac-sha512\", headers=\"request-line x-date content-type content-length content-sha512\", signature=\"{signature}\""
    );
    vec![
        ("X-Date".to_string(), date),
        ("Content-Type".to_string(), content_type),
        ("Content-Length".to_string(), content_length),
        ("Content-sha512".to_string(), digest),
        ("Authorization".to_string(), authorization),
    ]
}
