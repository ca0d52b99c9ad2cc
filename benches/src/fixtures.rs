//! The request every benchmark uses: the seed's Session Create call, signed at the SPEC §7
//! instant with the demo key.

use ingo_signer_core::{HttpVersion, Request, RequestHead, Signer, SigningKey};

/// The Session Create seed body, minified (470 bytes): the `BODY` of
/// `signer-core/examples/sign_request.rs`.
pub const BODY: &str = r#"{"participant_unique_id1":"70646041-01ea-4cd6-b657-18ff88e465c7","host_uri":"https://digitalpay-test.ingo.money","language_locale_code":"en-US","recipient_information":{"first_name":"Alex","last_name":"Rivera","business_name":"Acme Limited","address_line1":"100 Innovation Way","city":"Anytown","state":"GA","zip_code":"37233","email_address":"jack.frost@example.com","phone_number":"1231231234","mobile_number":"1231231234","open_banking":{"mobus_customer_id":"9999"}}}"#;

/// The push-to-card request body of seed `004_3afb189ecea9ab41.txt`, verbatim (832 bytes).
pub const PUSH_TO_CARD_BODY: &str = include_str!("../data/push_to_card_seed.json");

/// Session Create's method.
pub const METHOD: &str = "POST";
/// Session Create's request-target.
pub const TARGET: &str = "/api/v1/sessions/point-in-time/plugin";
/// The host the example sends (not signed).
pub const HOST: &str = "iip-session-management-uat.ingo.money";
/// Fri, 17 Jan 2020 19:59:29 GMT: the instant of SPEC §7's known answer.
pub const NOW: u64 = 1_579_291_169;
/// The demo username.
pub const USERNAME: &str = "demo";
/// The demo secret (never a real one).
pub const SECRET: &[u8] = b"demo-secret-not-for-production";

/// The demo key, keyed once.
pub fn key() -> SigningKey {
    match SigningKey::new(USERNAME, SECRET) {
        Ok(key) => key,
        Err(e) => unreachable!("the demo key is valid: {e}"),
    }
}

/// The request as signed.
pub fn request() -> Request<'static> {
    Request::new(METHOD, TARGET, BODY.as_bytes())
}

/// The received head of the signed request: the five signed headers in the order the signer
/// emits them, then `Host`, owned so a bench can borrow them.
pub fn received_headers(key: &SigningKey) -> Vec<(String, String)> {
    let signed = match Signer::new(key).sign(&request(), NOW) {
        Ok(signed) => signed,
        Err(e) => unreachable!("the seed request signs: {e}"),
    };
    let mut headers: Vec<(String, String)> = signed
        .iter()
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect();
    headers.push(("Host".to_owned(), HOST.to_owned()));
    headers
}

/// The received headers as the `(&str, &str)` slice the core's `Headers` is implemented for.
pub fn borrow_headers(headers: &[(String, String)]) -> Vec<(&str, &str)> {
    headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect()
}

/// The request head over `headers`.
pub fn head<'a>(headers: &'a [(&'a str, &'a str)]) -> RequestHead<'a, [(&'a str, &'a str)]> {
    RequestHead {
        method: METHOD,
        target: TARGET,
        version: HttpVersion::Http11,
        headers,
    }
}

/// The value of the received header `name` (ASCII case-insensitive).
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map_or("", |(_, v)| v.as_str())
}

/// Deterministic pseudo-random bytes for the digest sizes (a JSON-looking body is no faster
/// to hash than noise; this only avoids all-zero input).
pub fn noise(len: usize) -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[0]
        })
        .collect()
}
