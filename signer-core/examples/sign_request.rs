//! Signs the seed's Session Create request with a demo key, prints it as sent, and verifies it.
//!
//! `cargo run -p ingo-signer-core --example sign_request` prints the request at the SPEC §7 instant,
//! so every value can be checked against SPEC.md; pass `--now UNIX_SECONDS` to sign at another
//! time (or `--now system` for the current time).

use ingo_signer_core::{HttpVersion, Policy, Request, RequestHead, Signer, SigningKey, Verifier};

/// The Session Create seed body, minified (470 bytes).
const BODY: &str = r#"{"participant_unique_id1":"70646041-01ea-4cd6-b657-18ff88e465c7","host_uri":"https://digitalpay-test.ingo.money","language_locale_code":"en-US","recipient_information":{"first_name":"Alex","last_name":"Rivera","business_name":"Acme Limited","address_line1":"100 Innovation Way","city":"Anytown","state":"GA","zip_code":"37233","email_address":"jack.frost@example.com","phone_number":"1231231234","mobile_number":"1231231234","open_banking":{"mobus_customer_id":"9999"}}}"#;
const TARGET: &str = "/api/v1/sessions/point-in-time/plugin";
/// Fri, 17 Jan 2020 19:59:29 GMT: the instant of SPEC §7's known answer.
const SPEC_NOW: u64 = 1_579_291_169;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let now = match std::env::args()
        .skip_while(|a| a != "--now")
        .nth(1)
        .as_deref()
    {
        None => SPEC_NOW,
        Some("system") => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_secs(),
        Some(seconds) => seconds.parse()?,
    };
    // A demo key: real secrets come from a secrets manager, never from source code.
    let key = SigningKey::new("demo", b"demo-secret-not-for-production")?;
    let signed = Signer::new(&key).sign(&Request::new("POST", TARGET, BODY.as_bytes()), now)?;

    println!("POST {TARGET} HTTP/1.1");
    println!("Host: iip-session-management-uat.ingo.money");
    for (name, value) in signed.iter() {
        println!("{name}: {value}");
    }
    println!();
    println!("{BODY}");
    println!();

    let mut headers: Vec<(&str, &str)> = signed.iter().collect();
    headers.push(("Host", "iip-session-management-uat.ingo.money"));
    let head = RequestHead {
        method: "POST",
        target: TARGET,
        version: HttpVersion::Http11,
        headers: &headers[..],
    };
    let verified = Verifier::new(&key, Policy::default()).verify(&head, BODY.as_bytes(), now)?;
    eprintln!(
        "verified: username={} algorithm={}",
        verified.username(),
        verified.algorithm()
    );
    if now == SPEC_NOW {
        eprintln!(
            "(signed at the SPEC §7 instant: the Content-sha512 and signature match SPEC.md)"
        );
    }
    Ok(())
}
