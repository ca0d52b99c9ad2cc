//! Payload validation (SPEC §6): catch a body that breaks a field rule before it is signed
//! and sent, with a message that names the field and the rule, instead of learning it from a
//! terse status code after a round trip.
//!
//! [`validate`] judges the raw body bytes the signer hashes, never a re-serialized copy, for
//! the two endpoints ([`Endpoint`]) and what the caller knows about its participant
//! ([`Options`]). It returns every violation (up to [`MAX_VIOLATIONS`]), each with the
//! field's dotted JSON path, a stable rule identifier, and a message a person can act on:
//!
//! ```
//! use ingo_signer_core::payload::{Endpoint, Options, PayloadError, validate};
//!
//! let body = br#"{"participant_unique_id1": "p-1",
//!                 "recipient_information": {"business_name": "Acme", "zip_code": "3723"}}"#;
//! let Err(PayloadError::Invalid(report)) =
//!     validate(Endpoint::SessionCreate, Options::new(), body)
//! else {
//!     panic!("the ZIP code is too short");
//! };
//! let v = &report.violations()[0];
//! assert_eq!(v.kind(), "zip");
//! assert!(v.path().is("recipient_information.zip_code"));
//! assert_eq!(
//!     v.to_string(),
//!     r#"recipient_information.zip_code: "3723" must be 5 digits or 5+4 digits"#
//! );
//!
//! // The same body with a valid ZIP+4 passes.
//! let body = br#"{"participant_unique_id1": "p-1",
//!                 "recipient_information": {"business_name": "Acme", "zip_code": "37233-0001"}}"#;
//! assert!(validate(Endpoint::SessionCreate, Options::new(), body).is_ok());
//! ```
//!
//! Responses of both endpoints are read into borrowed views with
//! [`parse_session_create_response`] and [`parse_push_to_card_response`], and their `status`
//! classified ([`Status`]). [`validate_idempotency_key`] checks Session Create's
//! `Idempotency-Key` header.
//!
//! # Design
//!
//! No allocation, no `std`, no `unsafe`; every buffer is fixed-size and small, so the whole
//! validator runs on a 64 KiB stack. A test measures it over hostile inputs (deep nesting,
//! long strings, many keys): at the time of writing it needs at most 32 KiB in an
//! unoptimised build, where every move of the few-KiB report is a copy, and fits the
//! platform's 16 KiB minimum thread stack when optimised. [`validate_into`] avoids moving
//! the report at all.
//!
//! 1. **Size**: a body over [`MAX_BODY_LEN`] (64 KiB) is rejected before anything reads it.
//! 2. **Strict JSON** (`json`): a hand-written, iterative scanner checks the whole body
//!    against RFC 8259 and bounds nesting at [`MAX_DEPTH`]. It exists because
//!    `serde-json-core` skips unknown values without checking them, lets raw control
//!    characters through, and recurses without a depth limit; the module docs say how each
//!    limit is closed. Invalid UTF-8, a bad escape or lone surrogate, trailing data and a
//!    top level that is not an object all end here as a [`JsonError`].
//! 3. **Reading** (`walk`): `serde-json-core` walks the checked body with hand-written serde
//!    visitors that fill one slot per field of the endpoint's table, recording unknown and
//!    duplicate keys instead of stopping at them. Strings stay raw ([`JsonStr`]) and are
//!    unescaped lazily, so lengths count Unicode scalar values after unescaping without a
//!    buffer; numbers are kept as their literal text, which `serde-json-core` cannot give,
//!    so `amount` is judged on its text (`amount` module), never through a float.
//! 4. **Rules** (`rules`, `session_create`, `push_to_card`): cross-field rules first (business
//!    name versus personal name, token versus raw account fields), then each field's own:
//!    type, control characters, length, format. At most one violation per field.
//!
//! The three bounds: [`MAX_BODY_LEN`] (SPEC §6), [`MAX_DEPTH`] (keeps the parser's
//! recursion, and so its stack, small; valid bodies nest 3 deep), and [`MAX_VIOLATIONS`]
//! (keeps the report a fixed few KiB; further violations are counted, not kept).

use core::fmt;

// Layered: each module uses only the modules below it (the order is in `tests/layering.rs`).
mod amount;
mod codes;
mod json;
mod options;
mod push_to_card;
mod report;
mod response;
mod rules;
mod session_create;
mod table;
mod walk;

pub use json::{Chars, Expected, JsonError, JsonStr, MAX_BODY_LEN, MAX_DEPTH};
pub use options::Options;
pub use report::{
    EmailProblem, JsonType, MAX_VIOLATIONS, Path, Report, Requirement, Rule, UriProblem, Violation,
};
pub use response::{
    PushToCardData, PushToCardResponse, Response, ResponseError, SessionCreateData,
    SessionCreateResponse, Status, Time, parse_push_to_card_response,
    parse_session_create_response,
};
pub use session_create::{IDEMPOTENCY_KEY_MAX_LEN, IdempotencyKeyError, validate_idempotency_key};

/// The endpoints whose request bodies [`validate`] judges.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// Session Create: `POST /api/v1/sessions/point-in-time/plugin`.
    SessionCreate,
    /// Push to card: `POST /gateway/process--card`.
    PushToCard,
}

impl Endpoint {
    /// The request method (`POST` for both).
    pub const fn method(self) -> &'static str {
        "POST"
    }

    /// The request path.
    pub const fn path(self) -> &'static str {
        match self {
            Self::SessionCreate => "/api/v1/sessions/point-in-time/plugin",
            Self::PushToCard => "/gateway/process--card",
        }
    }

    /// The endpoint a request goes to, from its method and request target (a query string,
    /// if any, is ignored); `None` for any other request.
    pub fn from_request(method: &str, target: &str) -> Option<Self> {
        let path = target.split_once('?').map_or(target, |(p, _)| p);
        [Self::SessionCreate, Self::PushToCard]
            .into_iter()
            .find(|e| e.method() == method && e.path() == path)
    }
}

/// Why [`validate`] rejected a body.
///
/// The [`Invalid`](Self::Invalid) variant holds the whole fixed-size report (a few KiB): with
/// no allocator it cannot be boxed, and it is the result the caller asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
#[expect(
    clippy::large_enum_variant,
    reason = "no allocator to box the report; it is the payload of the error"
)]
pub enum PayloadError<'a> {
    /// The body is not one strict JSON object (or is too large or too deep); no field was
    /// judged.
    Json(JsonError),
    /// The body is JSON, but fields break rules; the report lists them.
    Invalid(Report<'a>),
}

impl PayloadError<'_> {
    /// Stable identifier: the JSON error's own, or `payload.invalid` for field violations
    /// (each of which has its own [`Violation::kind`]).
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::Json(e) => e.kind(),
            Self::Invalid(_) => "payload.invalid",
        }
    }

    /// The HTTP status a server would answer with: 413 for a body over the size limit, 400
    /// otherwise.
    pub const fn http_status(&self) -> u16 {
        match self {
            Self::Json(e) => e.http_status(),
            Self::Invalid(_) => 400,
        }
    }

    /// The report, for field violations.
    pub const fn report(&self) -> Option<&Report<'_>> {
        match self {
            Self::Json(_) => None,
            Self::Invalid(r) => Some(r),
        }
    }
}

impl fmt::Display for PayloadError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Json(e) => write!(f, "the body is not acceptable JSON: {e}"),
            Self::Invalid(r) => write!(f, "the body breaks {} field rule(s): {r}", r.total()),
        }
    }
}

/// Judges a request body for `endpoint` against every rule of SPEC §6, given what `options`
/// say about the participant.
///
/// `body` is the exact bytes that will be hashed and sent. Returns `Ok(())` when the body
/// may be sent, a [`JsonError`] when it is not strict JSON, and otherwise every violation.
/// [`validate_into`] does the same into a report the caller owns.
#[expect(
    clippy::result_large_err,
    reason = "the report is returned by value because there is no allocator to box it"
)]
pub fn validate(endpoint: Endpoint, options: Options, body: &[u8]) -> Result<(), PayloadError<'_>> {
    let mut report = Report::new();
    if let Err(e) = validate_into(endpoint, &options, body, &mut report) {
        return Err(PayloadError::Json(e));
    }
    if report.is_empty() {
        Ok(())
    } else {
        Err(PayloadError::Invalid(report))
    }
}

/// [`validate`], writing the violations into `report` (which should be empty) instead of
/// returning them: for callers that keep the report in storage of their own rather than
/// moving it by value.
///
/// Returns the [`JsonError`] when the body is not strict JSON; otherwise `Ok(())`, and the
/// body may be sent exactly when `report` is still empty.
pub fn validate_into<'a>(
    endpoint: Endpoint,
    options: &Options,
    body: &'a [u8],
    report: &mut Report<'a>,
) -> Result<(), JsonError> {
    json::check(body)?;
    match endpoint {
        Endpoint::SessionCreate => rules::validate_table(
            body,
            &session_create::FIELDS,
            options,
            report,
            session_create::cross_field,
        ),
        Endpoint::PushToCard => rules::validate_table(
            body,
            &push_to_card::FIELDS,
            options,
            report,
            push_to_card::cross_field,
        ),
    }
}
