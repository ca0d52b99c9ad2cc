//! The std layer over [`ingo_signer_core`]: `http` types, the system clock, key stores loaded from
//! files or the environment, and a raw-request reader. No protocol logic lives here: every
//! decision is the core's.
//!
//! ```
//! use ingo_signer_core::{Policy, Signer, Verifier};
//! use ingo_signer::{http::{sign_request, verify_request}, keys::KeyRing, clock::{Clock, SystemClock}};
//!
//! let ring = KeyRing::from_json(r#"{"keys": [{"username": "demo", "secret": "demo-secret-not-for-production"}]}"#)?;
//! let now = SystemClock.now();
//! let mut request = http::Request::post("https://api.example/api/v1/sessions/point-in-time/plugin")
//!     .body(br#"{"participant_unique_id1":"abc"}"#.to_vec())?;
//! sign_request(&Signer::new(&ring.keys()[0]), &mut request, now)?;
//!
//! let verified = verify_request(&Verifier::new(&ring, Policy::default()), &request, now)?;
//! assert_eq!(verified.username(), "demo");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

pub mod clock;
#[cfg(feature = "openssl-backend")]
pub mod fast_backend;
pub mod http;
pub mod keys;
pub mod raw_request;
#[cfg(feature = "tower")]
pub mod replay;
#[cfg(feature = "reqwest")]
pub mod reqwest;
#[cfg(feature = "tower")]
pub mod tower;

pub use ingo_signer_core;
// The core's types a std user names, so that `ingo-signer` alone is enough to sign and verify.
pub use ingo_signer_core::{
    Algorithm, HttpVersion, KeyStore, PendingBody, Policy, Signer, SigningKey, Verified, Verifier,
    VerifyError, payload,
};

/// Why a std-layer operation failed.
#[derive(Debug)]
pub enum Error {
    /// The core refused to sign.
    Sign(ingo_signer_core::signer::SignError),
    /// The core refused the request.
    Verify(VerifyError),
    /// HTTP/0.9 or HTTP/3: the protocol names only 1.0, 1.1 and 2.0.
    UnsupportedVersion(::http::Version),
    /// A header needed for signing is missing or is not visible ASCII text.
    HeaderNotText(String),
    /// The request-target is not origin-form (`/path?query`) on HTTP/1.x: absolute-form
    /// (`http://host/path`), authority-form (`host:port`, CONNECT) or `*`. Only the path and
    /// query are signed, so the rest of such a target would reach the inner service unsigned.
    TargetForm,
    /// On HTTP/2, `:authority` is not a `Host` header the signature covers with the same value.
    AuthorityNotSigned,
    /// The request asks to switch protocols (`Upgrade`, `Connection: upgrade`, CONNECT): what
    /// would follow on the connection is not signed.
    Upgrade,
    /// The body breaks the SPEC §6 rules of its endpoint (checked before signing).
    InvalidPayload {
        /// The core's kind: `payload.invalid`, or the `json.*` kind of a body that is not
        /// strict JSON.
        kind: &'static str,
        /// One line per violation, `json.path: message` (or one line for a JSON error).
        violations: Vec<String>,
    },
}

impl Error {
    /// Stable identifier: the core's kind, or `std.*`.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Sign(e) => e.kind(),
            Error::Verify(e) => e.kind(),
            Error::UnsupportedVersion(_) => "std.unsupported_version",
            Error::TargetForm => "std.target_form",
            Error::AuthorityNotSigned => "std.authority_not_signed",
            Error::Upgrade => "std.upgrade_refused",
            Error::HeaderNotText(_) => "std.header_not_text",
            Error::InvalidPayload { kind, .. } => kind,
        }
    }

    /// The HTTP status a gateway answers with.
    pub fn http_status(&self) -> u16 {
        match self {
            Error::Verify(e) => e.http_status(),
            Error::UnsupportedVersion(_) => 505,
            Error::AuthorityNotSigned => 401,
            Error::TargetForm | Error::Upgrade => 400,
            Error::Sign(_) | Error::HeaderNotText(_) | Error::InvalidPayload { .. } => 400,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Sign(e) => fmt::Display::fmt(e, f),
            Error::Verify(e) => fmt::Display::fmt(e, f),
            Error::UnsupportedVersion(v) => {
                write!(
                    f,
                    "{v:?} cannot be signed; the protocol names HTTP/1.0, HTTP/1.1 and HTTP/2 only"
                )
            }
            Error::TargetForm => f.write_str(
                "the request-target must be origin-form (`/path?query`); absolute-form, authority-form and `*` targets are refused, since only the path and query are signed",
            ),
            Error::AuthorityNotSigned => f.write_str(
                "over HTTP/2 the request must carry a signed `host` header equal to its :authority; add `host` to the signed headers",
            ),
            Error::Upgrade => f.write_str(
                "protocol upgrades (Upgrade, Connection: upgrade, CONNECT) are refused: what follows on the connection would not be signed",
            ),
            Error::HeaderNotText(name) => {
                write!(f, "header `{name}` is missing or is not visible ASCII text")
            }
            Error::InvalidPayload { violations, .. } => {
                write!(f, "the body was not signed: {}", violations.join("; "))
            }
        }
    }
}

impl std::error::Error for Error {}

// The crate's README (its crates.io page) runs as a doctest, so its example stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
