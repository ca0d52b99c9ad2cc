//! How a core error becomes a Python exception: one [`BindingError`] and one
//! `From<BindingError> for PyErr`, as pyca/cryptography does.
//!
//! The exception classes are defined in Python (`ingo_signer/errors.py`) and imported here, so
//! `except ingo_signer.VerifyError` catches what the native module raises. Each carries the
//! core's `kind()` unchanged and the core's `Display` as its message; a verification error also
//! carries the core's `http_status()` and, where the core tells a client something else
//! ([`client_view`]), that view. Nothing here decides a status or words a message.

use ingo_signer_core::VerifyError;
use ingo_signer_core::key::KeyError;
use ingo_signer_core::signer::SignError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// The exception classes of `ingo_signer.errors`.
mod py {
    pyo3::import_exception!(ingo_signer.errors, VerifyError);
    pyo3::import_exception!(ingo_signer.errors, SignError);
    pyo3::import_exception!(ingo_signer.errors, InvalidKeyError);
}

/// Every core error the binding raises.
#[derive(Clone, Copy, Debug)]
pub(crate) enum BindingError {
    /// A request was refused (`ingo_signer.VerifyError`).
    Verify(VerifyError),
    /// A request cannot be signed (`ingo_signer.SignError`).
    Sign(SignError),
    /// A key cannot be made (`ingo_signer.InvalidKeyError`).
    Key(KeyError),
}

impl From<VerifyError> for BindingError {
    fn from(e: VerifyError) -> Self {
        BindingError::Verify(e)
    }
}

impl From<SignError> for BindingError {
    fn from(e: SignError) -> Self {
        BindingError::Sign(e)
    }
}

impl From<KeyError> for BindingError {
    fn from(e: KeyError) -> Self {
        BindingError::Key(e)
    }
}

impl From<BindingError> for PyErr {
    fn from(error: BindingError) -> Self {
        // Signing and key errors are not verdicts on a request: no HTTP status (None).
        let none = Option::<u16>::None;
        match error {
            BindingError::Verify(e) => Python::attach(|py| verify_error(py, e)),
            BindingError::Sign(e) => {
                PyErr::new::<py::SignError, _>((e.to_string(), e.kind(), none))
            }
            BindingError::Key(e) => {
                PyErr::new::<py::InvalidKeyError, _>((e.to_string(), e.kind(), none))
            }
        }
    }
}

/// The error as a client is told it: the core's `VerifyError::for_client` (an unknown username
/// is answered as a signature mismatch, so answers do not reveal which usernames exist).
pub(crate) fn client_view(e: VerifyError) -> VerifyError {
    e.for_client()
}

/// `ingo_signer.VerifyError(message, kind, http_status, client=...)`: `client` is the error as
/// a client is told it, given only where it differs from the error itself.
fn verify_error(py: Python<'_>, e: VerifyError) -> PyErr {
    let class = py.get_type::<py::VerifyError>();
    let build = || -> PyResult<Bound<'_, PyAny>> {
        let kwargs = PyDict::new(py);
        let client = client_view(e);
        if client != e {
            let told = class.call1((client.to_string(), client.kind(), client.http_status()))?;
            kwargs.set_item("client", told)?;
        }
        class.call((e.to_string(), e.kind(), e.http_status()), Some(&kwargs))
    };
    match build() {
        Ok(instance) => PyErr::from_value(instance),
        Err(err) => err,
    }
}
