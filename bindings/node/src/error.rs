//! The core's errors as JavaScript errors.
//!
//! A refusal is thrown as an `Error` whose `code` and `kind` are the core's `kind()` string
//! (`verify.signature_mismatch`), whose `message` is the core's `Display`, whose `name` says
//! which concern failed (`VerifyError`, `SignError`, `KeyError`), and, for a verifier's refusal,
//! whose `httpStatus` is the core's `http_status()`. Nothing here decides a kind or a status: each
//! is read from the core's error.
//!
//! Misuse of the API (an argument of the wrong shape, a method called after `finish()`) is not a
//! protocol error: it is thrown as Node's own errors are, a `TypeError` or `RangeError` with an
//! `ERR_*` code.

use core::fmt::Display;

use ingo_signer_core::VerifyError;
use ingo_signer_core::key::KeyError;
use ingo_signer_core::signer::SignError;
use napi::bindgen_prelude::{JsObjectValue, Unknown};
use napi::{Env, JsError, JsRangeError, JsTypeError, JsValue};

/// Why a call failed, before it becomes a JavaScript error.
pub enum Failure {
    /// The verifier refused the request.
    Verify(VerifyError),
    /// The request cannot be signed.
    Sign(SignError),
    /// The key cannot be made.
    Key(KeyError),
    /// An argument has an unusable value (`TypeError`, `ERR_INVALID_ARG_VALUE`).
    InvalidArg(String),
    /// A number is out of its range (`RangeError`, `ERR_OUT_OF_RANGE`).
    OutOfRange(String),
    /// A method was called in a state that does not allow it (`Error`, `ERR_INVALID_STATE`).
    InvalidState(&'static str),
}

impl From<VerifyError> for Failure {
    fn from(e: VerifyError) -> Self {
        Failure::Verify(e)
    }
}

impl From<SignError> for Failure {
    fn from(e: SignError) -> Self {
        Failure::Sign(e)
    }
}

impl From<KeyError> for Failure {
    fn from(e: KeyError) -> Self {
        Failure::Key(e)
    }
}

impl Failure {
    /// The JavaScript error to throw.
    pub fn into_napi(self, env: &Env) -> napi::Error {
        match self {
            Failure::Verify(e) => {
                core_error(env, "VerifyError", e.kind(), e, Some(e.http_status()))
            }
            Failure::Sign(e) => core_error(env, "SignError", e.kind(), e, None),
            Failure::Key(e) => core_error(env, "KeyError", e.kind(), e, None),
            Failure::InvalidArg(message) => thrown(
                JsTypeError::from(napi::Error::new("ERR_INVALID_ARG_VALUE", message))
                    .into_unknown(*env),
            ),
            Failure::OutOfRange(message) => thrown(
                JsRangeError::from(napi::Error::new("ERR_OUT_OF_RANGE", message))
                    .into_unknown(*env),
            ),
            Failure::InvalidState(message) => thrown(
                JsError::from(napi::Error::new("ERR_INVALID_STATE", message)).into_unknown(*env),
            ),
        }
    }
}

/// The result of a binding call: a value, or a [`Failure`] still to be turned into a JS error.
pub type Outcome<T> = Result<T, Failure>;

/// Turns a failed [`Outcome`] into the error napi throws.
pub trait Throw<T> {
    /// The value, or the JavaScript error for the failure.
    fn or_throw(self, env: &Env) -> napi::Result<T>;
}

impl<T> Throw<T> for Outcome<T> {
    fn or_throw(self, env: &Env) -> napi::Result<T> {
        self.map_err(|failure| failure.into_napi(env))
    }
}

/// An `Error` with the core's kind as `code` and `kind`, its `Display` as `message`, `name`, and
/// the HTTP status when the concern has one.
fn core_error(
    env: &Env,
    name: &str,
    kind: &'static str,
    message: impl Display,
    http_status: Option<u16>,
) -> napi::Error {
    let error = JsError::from(napi::Error::new(kind, message.to_string())).into_unknown(*env);
    let decorated = error.coerce_to_object().and_then(|mut object| {
        object.set_named_property("name", name)?;
        object.set_named_property("kind", kind)?;
        if let Some(status) = http_status {
            object.set_named_property("httpStatus", u32::from(status))?;
        }
        Ok(())
    });
    match decorated {
        Ok(()) => thrown(error),
        // Only an environment that is shutting down fails to set a property.
        Err(e) => e,
    }
}

/// Throws this very JavaScript value (napi reuses a referenced error object as it is).
fn thrown(value: Unknown<'_>) -> napi::Error {
    napi::Error::from(value)
}
