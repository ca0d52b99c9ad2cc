//! A firmware-shaped consumer of signer-core: `#![no_std]`, no allocator, its own panic handler.
//! It signs a request and verifies it (head first, then the body streamed), so every code path
//! the core needs is linked in.
#![no_std]

use core::hint::black_box;

use signer_core::{HttpVersion, Policy, Request, RequestHead, Signer, SigningKey, Verifier};

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
    let Ok(key) = SigningKey::new(black_box("demo"), black_box(b"demo-secret-not-for-production"))
    else {
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
