//! Signing and verification of Ingo Payments HMAC requests: `no_std`, no allocator, no `unsafe`.
//!
//! Every call to an Ingo API carries an HMAC-SHA512 signature over a canonical *signing string*
//! built from the request line and the signed headers (`X-Date`, `Content-Type`,
//! `Content-Length`, `Content-sha512`), and a SHA-512 digest of the body. This crate implements
//! that protocol (the project's `SPEC.md`), and nothing else: it does no I/O and reads no clock
//! (`now` is always an argument), so it runs the same in a server, a gateway or firmware.
//!
//! The data flows one way: **parse** ([`authorization`], [`date`]), **build** ([`signing_string`]),
//! **compute** ([`key`], [`digest`]), **compare** ([`verifier`]).
//!
//! # Signing
//! ```
//! use ingo_signer_core::{key::SigningKey, signer::{Request, Signer}};
//!
//! let key = SigningKey::new("demo", b"demo-secret-not-for-production")?;
//! let body = br#"{"participant_unique_id1":"70646041"}"#;
//! let request = Request::new("POST", "/api/v1/sessions/point-in-time/plugin", body);
//! let signed = Signer::new(&key).sign(&request, 1_579_291_169)?;
//! for (name, value) in signed.iter() {
//!     println!("{name}: {value}"); // X-Date, Content-Type, Content-Length, Content-sha512, Authorization
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Verifying, head first
//! ```
//! use ingo_signer_core::{key::SigningKey, policy::Policy, signing_string::{HttpVersion, RequestHead},
//!     verifier::Verifier};
//! # use ingo_signer_core::signer::{Request, Signer};
//! # let key = SigningKey::new("demo", b"demo-secret-not-for-production")?;
//! # let body = br#"{"participant_unique_id1":"70646041"}"#;
//! # let signed = Signer::new(&key).sign(&Request::new("POST", "/p", body), 1_579_291_169)?;
//! # let received: Vec<(&str, &str)> = signed.iter().collect();
//! let keys = [key]; // several keys per username allow rotation
//! let verifier = Verifier::new(&keys, Policy::default());
//! let head = RequestHead { method: "POST", target: "/p", version: HttpVersion::Http11, headers: &received[..] };
//!
//! // Authenticate the head before reading the body...
//! let mut pending = verifier.verify_head(&head, 1_579_291_200)?;
//! // ...then stream the body through the digest.
//! for chunk in body.chunks(16) {
//!     pending.update(chunk)?;
//! }
//! let verified = pending.finish()?;
//! assert_eq!(verified.username(), "demo");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Errors
//! Each concern has its own error enum; every variant has a stable [`kind`](VerifyError::kind)
//! identifier, a `Display` that says what to fix, and (for verification) the
//! [`http_status`](VerifyError::http_status) a gateway answers with. No error reveals the
//! expected signature or digest.
#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects
    )
)]

pub mod algorithm;
pub mod authorization;
mod base64;
pub mod buffer;
mod constant_time;
pub mod content_headers;
pub mod date;
pub mod digest;
pub mod echo;
pub mod header_list;
pub mod key;
pub mod payload;
pub mod policy;
pub mod replay;
mod scan;
pub mod signer;
pub mod signing_string;
pub mod verifier;

pub use algorithm::{Algorithm, DigestAlgorithm};
pub use key::{KeyStore, SigningKey};
pub use policy::Policy;
pub use replay::ReplayKey;
pub use signer::{Request, SignedHeaders, Signer};
pub use signing_string::{HttpVersion, RequestHead};
pub use verifier::{PendingBody, Verified, Verifier, VerifyError};

// Error trait impls: `core::error::Error` is stable since Rust 1.81, so std users get `?` into
// `Box<dyn Error>` without the core depending on std.
macro_rules! impl_error {
    ($($t:ty),* $(,)?) => { $(impl ::core::error::Error for $t {})* };
}
impl_error!(
    authorization::AuthorizationError,
    buffer::BufferTooSmall,
    date::DateError,
    date::SkewError,
    digest::DigestError,
    header_list::HeaderListError,
    key::KeyError,
    signer::SignError,
    signing_string::SigningStringError,
    signing_string::SigningStringIntoError,
    VerifyError,
);

// The crate's README (its crates.io page) runs as a doctest, so its example stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
