//! The work the figures measure: signing SPEC §7's request, and verifying it as a gateway does
//! (head, then the body streamed, then finish) or in one call. Each is a function of its own that
//! is never inlined, so a measurement around the call sees all of its stack and instructions and
//! nothing of the caller's.

use core::hint::black_box;

use ingo_signer_core::{HttpVersion, Policy, Request, RequestHead, Signer, SigningKey, Verifier};

use crate::known_answers::{NOW, SESSION_CREATE, TARGET};

/// SPEC §7's signed request, as a verifier receives it.
pub const SIGNED_HEADERS: [(&str, &str); 5] = [
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

/// Signs SPEC §7's request (470-byte body) with `key`, holding the signed headers as a firmware
/// does while it sends them. Returns the Authorization's length, 0 if signing failed.
#[inline(never)]
pub fn sign(key: &SigningKey) -> usize {
    let request = Request::new(
        "POST",
        black_box(TARGET),
        black_box(SESSION_CREATE.as_bytes()),
    );
    match Signer::new(key).sign(&request, black_box(NOW)) {
        Ok(signed) => black_box(&signed).authorization().len(),
        Err(_) => 0,
    }
}

fn head<'h>(
    headers: &'h [(&'static str, &'static str)],
) -> RequestHead<'h, [(&'static str, &'static str)]> {
    RequestHead {
        method: "POST",
        target: black_box(TARGET),
        version: HttpVersion::Http11,
        headers,
    }
}

/// Verifies SPEC §7's signed request as a gateway streams it: `verify_head`, the body in 64-byte
/// `update`s, `finish`. `true` when it verifies as `demo`.
#[inline(never)]
pub fn verify_streamed(key: &SigningKey) -> bool {
    let headers = black_box(SIGNED_HEADERS);
    let verifier = Verifier::new(key, Policy::default());
    let Ok(mut pending) = verifier.verify_head(&head(&headers), black_box(NOW)) else {
        return false;
    };
    for chunk in black_box(SESSION_CREATE.as_bytes()).chunks(64) {
        if pending.update(chunk).is_err() {
            return false;
        }
    }
    pending.finish().is_ok_and(|v| v.username() == "demo")
}

/// Verifies SPEC §7's signed request in one call, body in hand. `true` when it verifies.
#[inline(never)]
pub fn verify_one_shot(key: &SigningKey) -> bool {
    let headers = black_box(SIGNED_HEADERS);
    Verifier::new(key, Policy::default())
        .verify(
            &head(&headers),
            black_box(SESSION_CREATE.as_bytes()),
            black_box(NOW),
        )
        .is_ok_and(|v| v.username() == "demo")
}
