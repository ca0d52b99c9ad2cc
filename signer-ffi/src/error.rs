//! How a failure crosses the boundary: a code for the caller, and the core's full message kept
//! per thread for `ingo_last_error_message`.
//!
//! Every entry point runs its body through [`guard`], which catches any panic (none is expected:
//! signer-core denies the panicking lints, as does this crate) and turns the result into a code.
//! The detail is stored by value in a thread-local `Cell` that needs no allocation and no
//! destructor: the core's error enums are `Copy`.

use core::cell::Cell;
use core::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

use ingo_signer_core::VerifyError;
use ingo_signer_core::authorization::AuthorizationError;
use ingo_signer_core::digest::DigestError;
use ingo_signer_core::header_list::HeaderListError;
use ingo_signer_core::key::KeyError;
use ingo_signer_core::payload::{IdempotencyKeyError, JsonError};
use ingo_signer_core::signer::SignError;
use ingo_signer_core::signing_string::SigningStringError;

use crate::codes::{
    INGO_E_BUFFER_TOO_SMALL, INGO_E_INVALID_ARGUMENT, INGO_E_INVALID_UTF8, INGO_E_NULL_POINTER,
    INGO_E_PANIC, INGO_E_PAYLOAD_INVALID, INGO_E_PENDING_STATE, INGO_OK, code_of_kind,
};

/// What went wrong, in enough detail to write the core's own message.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Detail {
    /// The last call succeeded.
    None,
    /// A NULL pointer where a value is required; names the argument.
    Null(&'static str),
    /// Text that must be UTF-8 is not; names the argument.
    InvalidUtf8(&'static str),
    /// An argument out of range; the message says which and why.
    InvalidArgument(&'static str),
    /// An output buffer too small: which one, and the capacity it needs.
    BufferTooSmall {
        what: &'static str,
        needed: usize,
    },
    /// An `IngoPending` used out of turn.
    PendingState,
    /// A key handle that is not live (freed, or never made by `ingo_key_new`); names the
    /// argument.
    InvalidHandle(&'static str),
    /// A panic was caught.
    Panic,
    Verify(VerifyError),
    Sign(SignError),
    Key(KeyError),
    SigningString(SigningStringError),
    Authorization(AuthorizationError),
    HeaderList(HeaderListError),
    Digest(DigestError),
    Json(JsonError),
    Payload {
        violations: usize,
    },
    IdempotencyKey(IdempotencyKeyError),
}

impl fmt::Display for Detail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Detail::None => Ok(()),
            Detail::Null(what) => write!(
                f,
                "{what} is NULL (a pointer may be NULL only where its length is 0)"
            ),
            Detail::InvalidUtf8(what) => write!(f, "{what} is not valid UTF-8"),
            Detail::InvalidArgument(why) => f.write_str(why),
            Detail::BufferTooSmall { what, needed } => write!(
                f,
                "{what}: the buffer is too small; {needed} bytes are needed (the text and its NUL)"
            ),
            Detail::PendingState => f.write_str(
                "the IngoPending is not in progress: ingo_verify_head did not succeed on it, or it was already finished or discarded",
            ),
            Detail::InvalidHandle(what) => write!(
                f,
                "{what} is not a live key handle: it was freed with ingo_key_free, or did not come from ingo_key_new"
            ),
            Detail::Panic => f.write_str(
                "internal error: a panic was caught at the ABI boundary (a bug in the signer library; please report it)",
            ),
            Detail::Verify(e) => fmt::Display::fmt(e, f),
            Detail::Sign(e) => fmt::Display::fmt(e, f),
            Detail::Key(e) => fmt::Display::fmt(e, f),
            Detail::SigningString(e) => fmt::Display::fmt(e, f),
            Detail::Authorization(e) => fmt::Display::fmt(e, f),
            Detail::HeaderList(e) => write!(f, "headers list: {e}"),
            Detail::Digest(e) => fmt::Display::fmt(e, f),
            Detail::Json(e) => write!(f, "the body is not acceptable JSON: {e}"),
            Detail::Payload { violations } => write!(
                f,
                "the body breaks {violations} field rule(s); the violations are listed in the lines buffer"
            ),
            Detail::IdempotencyKey(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl Detail {
    /// The detail as a client is told it (`VerifyError::for_client`).
    pub(crate) fn for_client(self) -> Self {
        match self {
            Detail::Verify(e) => Detail::Verify(e.for_client()),
            other => other,
        }
    }
}

/// A failed call: the code returned and the detail kept for the message.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Failure {
    pub(crate) code: i32,
    pub(crate) detail: Detail,
}

impl Failure {
    pub(crate) const fn null(what: &'static str) -> Self {
        Failure {
            code: INGO_E_NULL_POINTER,
            detail: Detail::Null(what),
        }
    }

    pub(crate) const fn invalid_utf8(what: &'static str) -> Self {
        Failure {
            code: INGO_E_INVALID_UTF8,
            detail: Detail::InvalidUtf8(what),
        }
    }

    pub(crate) const fn invalid_argument(why: &'static str) -> Self {
        Failure {
            code: INGO_E_INVALID_ARGUMENT,
            detail: Detail::InvalidArgument(why),
        }
    }

    pub(crate) const fn buffer_too_small(what: &'static str, text_len: usize) -> Self {
        Failure {
            code: INGO_E_BUFFER_TOO_SMALL,
            detail: Detail::BufferTooSmall {
                what,
                needed: text_len.saturating_add(1),
            },
        }
    }

    pub(crate) const fn pending_state() -> Self {
        Failure {
            code: INGO_E_PENDING_STATE,
            detail: Detail::PendingState,
        }
    }

    pub(crate) const fn payload(violations: usize) -> Self {
        Failure {
            code: INGO_E_PAYLOAD_INVALID,
            detail: Detail::Payload { violations },
        }
    }
}

macro_rules! from_core {
    ($($variant:ident($t:ty)),* $(,)?) => {$(
        impl From<$t> for Failure {
            fn from(e: $t) -> Self {
                Failure { code: code_of_kind(e.kind()), detail: Detail::$variant(e) }
            }
        }
    )*};
}

from_core!(
    Verify(VerifyError),
    Sign(SignError),
    Key(KeyError),
    SigningString(SigningStringError),
    Authorization(AuthorizationError),
    HeaderList(HeaderListError),
    Digest(DigestError),
    Json(JsonError),
    IdempotencyKey(IdempotencyKeyError),
);

thread_local! {
    // `const` initialisation and a `Copy` value without drop glue: no lazy allocation and no
    // destructor registration, so setting it is a plain store.
    static LAST: Cell<Detail> = const { Cell::new(Detail::None) };
}

/// The detail of the last call on this thread (`Detail::None` when it succeeded).
pub(crate) fn last() -> Detail {
    LAST.with(Cell::get)
}

/// Runs an entry point's body: catches a panic, records the detail for this thread, returns the
/// code.
pub(crate) fn guard(body: impl FnOnce() -> Result<(), Failure>) -> i32 {
    // AssertUnwindSafe: on a panic nothing the closure touched is used again by this call, and
    // the caller only receives INGO_E_PANIC; state the closure may have left half-updated (an
    // `IngoPending`) is marked ended before any fallible step (see `pending`).
    let outcome = catch_unwind(AssertUnwindSafe(body)).unwrap_or(Err(Failure {
        code: INGO_E_PANIC,
        detail: Detail::Panic,
    }));
    let (code, detail) = match outcome {
        Ok(()) => (INGO_OK, Detail::None),
        Err(failure) => (failure.code, failure.detail),
    };
    // `try_with`: during thread teardown the slot may be gone; the code still goes back.
    let _ = LAST.try_with(|last| last.set(detail));
    code
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::INGO_E_VERIFY_SIGNATURE_MISMATCH;

    #[test]
    fn a_panic_becomes_a_code_and_a_message() {
        let code = guard(|| panic!("boom"));
        assert_eq!(code, INGO_E_PANIC);
        assert!(last().to_string().contains("panic was caught"));
    }

    #[test]
    fn success_clears_the_last_error() {
        assert_eq!(
            guard(|| Err(VerifyError::SignatureMismatch.into())),
            INGO_E_VERIFY_SIGNATURE_MISMATCH
        );
        assert!(
            last()
                .to_string()
                .starts_with("the signature does not match")
        );
        assert_eq!(guard(|| Ok(())), INGO_OK);
        assert_eq!(last().to_string(), "");
    }
}
