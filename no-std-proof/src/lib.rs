//! A firmware-shaped consumer of signer-core: `#![no_std]`, no allocator, its own panic handler.
//! It signs a request and verifies it (head first, then the body streamed), so every code path
//! the core needs is linked in.
#![no_std]

use core::hint::black_box;

use ingo_signer_core::{HttpVersion, Policy, Request, RequestHead, Signer, SigningKey, Verifier};

#[cfg(feature = "leak-std")]
extern crate std;

#[cfg(feature = "leak-alloc")]
extern crate alloc;

#[cfg(feature = "leak-alloc")]
#[unsafe(no_mangle)]
pub extern "C" fn ingo_proof_alloc() -> usize {
    alloc::vec![0u8; black_box(8)].len()
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {}
}

/// Signs and verifies a request; returns 0 on success, the HTTP status of the failure otherwise.
#[unsafe(no_mangle)]
pub extern "C" fn ingo_proof_sign_verify() -> u32 {
    let body: &[u8] = black_box(br#"{"participant_unique_id1":"70646041"}"#);
    let now = black_box(1_579_291_169u64);
    let Ok(key) = SigningKey::new(
        black_box("demo"),
        black_box(b"demo-secret-not-for-production"),
    ) else {
        return 1;
    };
    let Ok(signed) = Signer::new(&key).sign(&Request::new("POST", "/p", body), now) else {
        return 2;
    };
    let mut headers: [(&str, &str); 5] = [("", ""); 5];
    for (slot, pair) in headers.iter_mut().zip(signed.iter()) {
        *slot = pair;
    }
    let head = RequestHead {
        method: "POST",
        target: black_box("/p"),
        version: HttpVersion::Http11,
        headers: &headers[..],
    };
    let verifier = Verifier::new(&key, Policy::default());
    let mut pending = match verifier.verify_head(&head, black_box(now)) {
        Ok(pending) => pending,
        Err(e) => return u32::from(e.http_status()),
    };
    for chunk in body.chunks(16) {
        if let Err(e) = pending.update(chunk) {
            return u32::from(e.http_status());
        }
    }
    match pending.finish() {
        Ok(_) => 0,
        Err(e) => u32::from(e.http_status()),
    }
}

// Entry points for `embedded/size.sh` to measure signing and verifying apart. Each is behind
// its own feature: with a second caller, LTO stops inlining the shared code into
// `ingo_proof_sign_verify`, which would change the figure of the default build.

/// SPEC §7's Session Create known answer: its body, and the headers the signer sends.
#[cfg(any(feature = "size-sign", feature = "size-verify"))]
const KNOWN_BODY: &[u8] = br#"{"participant_unique_id1":"70646041-01ea-4cd6-b657-18ff88e465c7","host_uri":"https://digitalpay-test.ingo.money","language_locale_code":"en-US","recipient_information":{"first_name":"Alex","last_name":"Rivera","business_name":"Acme Limited","address_line1":"100 Innovation Way","city":"Anytown","state":"GA","zip_code":"37233","email_address":"jack.frost@example.com","phone_number":"1231231234","mobile_number":"1231231234","open_banking":{"mobus_customer_id":"9999"}}}"#;
#[cfg(feature = "size-verify")]
const KNOWN_HEADERS: [(&str, &str); 5] = [
    ("X-Date", "Fri, 17 Jan 2020 19:59:29 GMT"),
    ("Content-Type", "application/json"),
    ("Content-Length", "470"),
    (
        "Content-sha512",
        "3q0SjtvYQ+sYK547xTH/wGVanywHfrt/keOUVNMqGUGilvU74qWUYpK4jVkLjxxXWA5VQC0lFK8+6phwJFMHOw==",
    ),
    (
        "Authorization",
        r#"hmac username="demo", algorithm="hmac-sha512", headers="request-line x-date content-type content-length content-sha512", signature="UtGXHtk9yGReskjL9IuB/rnDaqcfwzALea2D3Lr+f7hQKvZw/y1Y9Ad1MwnG85+vIBgJWH0sWPOA8Z+4KLmhbQ==""#,
    ),
];

/// Verification alone (what a gateway links), for `embedded/size.sh`: verifies SPEC §7's known
/// answer, head first, then the body streamed. Returns 0 on success, the HTTP status of the
/// failure otherwise.
#[cfg(feature = "size-verify")]
#[unsafe(no_mangle)]
pub extern "C" fn ingo_proof_verify() -> u32 {
    let Ok(key) = SigningKey::new(
        black_box("demo"),
        black_box(b"demo-secret-not-for-production"),
    ) else {
        return 1;
    };
    let headers = black_box(KNOWN_HEADERS);
    let head = RequestHead {
        method: "POST",
        target: black_box("/api/v1/sessions/point-in-time/plugin"),
        version: HttpVersion::Http11,
        headers: &headers[..],
    };
    let verifier = Verifier::new(&key, Policy::default());
    let mut pending = match verifier.verify_head(&head, black_box(1_579_291_169)) {
        Ok(pending) => pending,
        Err(e) => return u32::from(e.http_status()),
    };
    for chunk in black_box(KNOWN_BODY).chunks(64) {
        if let Err(e) = pending.update(chunk) {
            return u32::from(e.http_status());
        }
    }
    match pending.finish() {
        Ok(_) => 0,
        Err(e) => u32::from(e.http_status()),
    }
}

/// Signing alone (what a client links), for `embedded/size.sh`: signs SPEC §7's request and
/// returns the length of its Authorization header (0 if signing failed).
#[cfg(feature = "size-sign")]
#[unsafe(no_mangle)]
pub extern "C" fn ingo_proof_sign() -> u32 {
    let Ok(key) = SigningKey::new(
        black_box("demo"),
        black_box(b"demo-secret-not-for-production"),
    ) else {
        return 0;
    };
    let request = Request::new(
        "POST",
        black_box("/api/v1/sessions/point-in-time/plugin"),
        black_box(KNOWN_BODY),
    );
    match Signer::new(&key).sign(&request, black_box(1_579_291_169)) {
        Ok(signed) => u32::try_from(signed.authorization().len()).unwrap_or(0),
        Err(_) => 0,
    }
}
