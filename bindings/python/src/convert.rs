//! Python values in, core values out: bodies, header pairs, option names and the clock.
//!
//! Text and bytes follow one rule everywhere: `bytes` is taken as is, `str` as its UTF-8
//! encoding, `bytearray` and `memoryview` are copied (they could change while the GIL is
//! released). The option names (`"hmac-sha512"`, `"1.1"`) are parsed by the core.

use std::time::{SystemTime, UNIX_EPOCH};

use ingo_signer_core::signer::HeaderOrder;
use ingo_signer_core::{Algorithm, HttpVersion};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::pybacked::{PyBackedBytes, PyBackedStr};
use pyo3::types::{PyByteArray, PyBytes, PyMapping, PyMemoryView, PySequence, PyString};

/// Bodies at least this long are hashed with the GIL released (the digest of 16 KiB takes some
/// 20 µs; releasing and taking back the GIL costs well under one).
pub(crate) const DETACH_AT: usize = 16 * 1024;

/// Bytes from Python: a `bytes` object (borrowed, no copy), or the UTF-8 of a `str`.
pub(crate) enum Data {
    /// `bytes`, or a copy of a `bytearray` / `memoryview`.
    Bytes(PyBackedBytes),
    /// A `str`, encoded as UTF-8.
    Str(PyBackedStr),
}

impl AsRef<[u8]> for Data {
    fn as_ref(&self) -> &[u8] {
        match self {
            Data::Bytes(b) => b,
            Data::Str(s) => s.as_bytes(),
        }
    }
}

/// `obj` as bytes; `what` names the argument in the `TypeError`.
pub(crate) fn data(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Data> {
    if let Ok(text) = obj.cast::<PyString>() {
        return Ok(Data::Str(text.clone().try_into()?));
    }
    if obj.is_instance_of::<PyBytes>() || obj.is_instance_of::<PyByteArray>() {
        return Ok(Data::Bytes(obj.extract()?));
    }
    if obj.is_instance_of::<PyMemoryView>() {
        return Ok(Data::Bytes(obj.call_method0("tobytes")?.extract()?));
    }
    Err(PyTypeError::new_err(format!(
        "{what} must be bytes, bytearray, memoryview or str, not {}",
        type_name(obj)
    )))
}

/// An optional body: `None` is the empty body.
pub(crate) fn body(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Data>> {
    obj.filter(|o| !o.is_none())
        .map(|o| data(o, "body"))
        .transpose()
}

/// A header name: `str`, or `bytes` (as ASGI servers give them). Bytes that are not UTF-8 are
/// replaced, which no signed name can match.
fn header_name(obj: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(text) = obj.cast::<PyString>() {
        return Ok(text.to_cow()?.into_owned());
    }
    if let Ok(bytes) = obj.cast::<PyBytes>() {
        return Ok(String::from_utf8_lossy(bytes.as_bytes()).into_owned());
    }
    Err(PyTypeError::new_err(format!(
        "a header name must be str or bytes, not {}",
        type_name(obj)
    )))
}

/// A request's headers: `(name, value)` pairs in the order received (repeated names kept, so
/// the core can refuse them), or a mapping (its `items()`).
pub(crate) fn headers(obj: &Bound<'_, PyAny>) -> PyResult<Vec<(String, Data)>> {
    let items = match obj.cast::<PyMapping>() {
        Ok(mapping) => mapping.items()?.into_any(),
        Err(_) if is_text(obj) => {
            return Err(PyTypeError::new_err(
                "headers must be (name, value) pairs or a mapping, not a string",
            ));
        }
        Err(_) => obj.clone(),
    };
    let mut out = Vec::new();
    for item in items.try_iter()? {
        let item = item?;
        let pair = item
            .cast::<PySequence>()
            .ok()
            .filter(|p| !is_text(p.as_any()) && p.len().ok() == Some(2))
            .ok_or_else(|| {
                PyTypeError::new_err(format!(
                    "each header must be a (name, value) pair, not {}",
                    type_name(&item)
                ))
            })?;
        let name = header_name(&pair.get_item(0)?)?;
        let value = data(&pair.get_item(1)?, "a header value")?;
        out.push((name, value));
    }
    Ok(out)
}

/// `(name, value)` pairs of extra headers to sign, both `str`.
pub(crate) fn extra_headers(
    obj: Option<&Bound<'_, PyAny>>,
) -> PyResult<Vec<(PyBackedStr, PyBackedStr)>> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(Vec::new());
    };
    let items = match obj.cast::<PyMapping>() {
        Ok(mapping) => mapping.items()?.into_any(),
        Err(_) => obj.clone(),
    };
    let mut out = Vec::new();
    for item in items.try_iter()? {
        let item = item?;
        let pair: (PyBackedStr, PyBackedStr) = item.extract().map_err(|_| {
            PyTypeError::new_err(format!(
                "extra_headers must be (name, value) pairs of str, not {}",
                type_name(&item)
            ))
        })?;
        out.push(pair);
    }
    Ok(out)
}

/// The algorithm named `name` (`hmac-sha512`, `hmac-sha256`), as the core parses it.
pub(crate) fn algorithm(name: &str) -> PyResult<Algorithm> {
    Algorithm::from_name(name.as_bytes()).ok_or_else(|| {
        PyValueError::new_err(format!(
            "algorithm must be 'hmac-sha512' or 'hmac-sha256', not {name:?}"
        ))
    })
}

/// The HTTP version written `text` (`1.0`, `1.1`, `2.0` or `2`), as the core parses it.
pub(crate) fn http_version(text: Option<&str>) -> PyResult<HttpVersion> {
    match text {
        None => Ok(HttpVersion::default()),
        Some(text) => HttpVersion::parse(text).ok_or_else(|| {
            PyValueError::new_err(format!(
                "http_version must be '1.0', '1.1' or '2.0' (or '2'), not {text:?}"
            ))
        }),
    }
}

/// Where the digest goes in the signed list: `digest-last` (the seed's order) or `length-last`.
pub(crate) fn header_order(name: Option<&str>) -> PyResult<HeaderOrder> {
    match name {
        None => Ok(HeaderOrder::default()),
        Some("digest-last") => Ok(HeaderOrder::DigestLast),
        Some("length-last") => Ok(HeaderOrder::LengthLast),
        Some(other) => Err(PyValueError::new_err(format!(
            "order must be 'digest-last' or 'length-last', not {other:?}"
        ))),
    }
}

/// `now`, or the system clock in Unix seconds.
pub(crate) fn now(now: Option<u64>) -> PyResult<u64> {
    match now {
        Some(now) => Ok(now),
        None => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .map_err(|_| PyRuntimeError::new_err("the system clock is set before 1970")),
    }
}

/// Runs `f` with the GIL released when `len` bytes are worth it, else directly.
pub(crate) fn hashing<T: Send>(py: Python<'_>, len: usize, f: impl FnOnce() -> T + Send) -> T {
    if len >= DETACH_AT { py.detach(f) } else { f() }
}

/// Whether `obj` is a `str` or `bytes`, which iterate but are not header lists or pairs.
fn is_text(obj: &Bound<'_, PyAny>) -> bool {
    obj.is_instance_of::<PyString>() || obj.is_instance_of::<PyBytes>()
}

/// The name of `obj`'s type, for messages.
fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map_or_else(|_| "an unknown type".to_owned(), |n| n.to_string())
}
