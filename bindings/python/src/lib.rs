//! The Python binding of `ingo-signer-core`: the private native module `ingo_signer._native` of
//! the `ingo-signer` wheel (the public API is the Python package `ingo_signer`, which re-exports
//! these names).
//!
//! No protocol decision lives here: every check, default, status and message is the core's.
//! The binding converts Python values to core values (module `convert`), maps the core's errors
//! to the exceptions of `ingo_signer.errors` (module `errors`), reads the system clock when `now`
//! is not given, and releases the GIL while a large body is hashed.

use ingo_signer_core::payload::{self, Endpoint, Options, PayloadError};
use ingo_signer_core::policy::Policy;
use ingo_signer_core::signer::{Request, Signer};
use ingo_signer_core::{Algorithm, RequestHead};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::{PyDict, PyString};

mod convert;
mod errors;

use errors::BindingError;

/// A username and its HMAC secret, keyed once (the core's `SigningKey`).
///
/// The secret is kept only inside the keyed HMAC states, which the core wipes when the key is
/// dropped; it never appears in `repr`, and the key cannot be pickled.
#[pyclass(frozen, module = "ingo_signer", name = "SigningKey")]
pub struct SigningKey {
    key: ingo_signer_core::SigningKey,
}

#[pymethods]
impl SigningKey {
    /// `SigningKey(username, secret)`: `secret` is bytes, or a str taken as UTF-8.
    #[new]
    fn new(username: PyBackedStr, secret: &Bound<'_, PyAny>) -> PyResult<Self> {
        let secret = convert::data(secret, "secret")?;
        let key = ingo_signer_core::SigningKey::new(&username, secret.as_ref())
            .map_err(BindingError::from)?;
        Ok(SigningKey { key })
    }

    /// The username sent in the Authorization header.
    #[getter]
    fn username(&self) -> &str {
        self.key.username()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let name = PyString::new(py, self.key.username()).repr()?;
        Ok(format!("SigningKey(username={name}, secret=<redacted>)"))
    }
}

/// Signs a request and returns the headers to send, in signing order.
#[pyfunction]
#[pyo3(signature = (key, method, target, body = None, *, now = None, content_type = None,
    algorithm = None, order = None, http_version = None, extra_headers = None))]
#[expect(
    clippy::too_many_arguments,
    reason = "the Python signature: keyword options"
)]
fn sign<'py>(
    py: Python<'py>,
    key: &SigningKey,
    method: PyBackedStr,
    target: PyBackedStr,
    body: Option<&Bound<'py, PyAny>>,
    now: Option<u64>,
    content_type: Option<PyBackedStr>,
    algorithm: Option<PyBackedStr>,
    order: Option<PyBackedStr>,
    http_version: Option<PyBackedStr>,
    extra_headers: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let body = convert::body(body)?;
    let body: &[u8] = body.as_ref().map_or(&[], AsRef::as_ref);
    let now = convert::now(now)?;
    let mut signer = Signer::new(&key.key)
        .header_order(convert::header_order(order.as_deref())?)
        .http_version(convert::http_version(http_version.as_deref())?);
    if let Some(name) = algorithm.as_deref() {
        signer = match convert::algorithm(name)? {
            Algorithm::HmacSha512 => signer,
            Algorithm::HmacSha256 => signer.legacy_sha256(),
        };
    }
    let extra = convert::extra_headers(extra_headers)?;
    let extra: Vec<(&str, &str)> = extra.iter().map(|(n, v)| (&**n, &**v)).collect();
    let mut request = Request::new(&method, &target, body);
    if let Some(content_type) = content_type.as_deref() {
        request.content_type = content_type;
    }
    request.extra_headers = &extra;
    let signed = convert::hashing(py, body.len(), || signer.sign(&request, now))
        .map_err(BindingError::from)?;
    let headers = PyDict::new(py);
    for (name, value) in signed.iter() {
        headers.set_item(name, value)?;
    }
    Ok(headers)
}

/// Verifies requests against a set of keys and a policy (the core's `Verifier` and `Policy`).
#[pyclass(frozen, module = "ingo_signer", name = "Verifier")]
pub struct Verifier {
    keys: Vec<ingo_signer_core::SigningKey>,
    allow_legacy_sha256: bool,
    max_skew: u64,
    max_body: u64,
    required_headers: Vec<String>,
}

impl Verifier {
    /// Runs `f` with the core's verifier over these keys and this policy.
    fn with_core<R>(
        &self,
        f: impl FnOnce(&ingo_signer_core::Verifier<'_, [ingo_signer_core::SigningKey]>) -> R,
    ) -> R {
        let names: Vec<&str> = self.required_headers.iter().map(String::as_str).collect();
        let policy = Policy::default()
            .allow_legacy_sha256(self.allow_legacy_sha256)
            .max_skew(self.max_skew)
            .max_body(self.max_body)
            .require_headers(&names);
        f(&ingo_signer_core::Verifier::new(&self.keys[..], policy))
    }
}

#[pymethods]
impl Verifier {
    /// `Verifier(keys, *, max_skew=300, allow_legacy_sha256=False, max_body=65536,
    /// required_headers=())`; `keys` is a `SigningKey` or an iterable of them (several per
    /// username allow rotation).
    #[new]
    #[pyo3(signature = (keys, *, max_skew = ingo_signer_core::policy::DEFAULT_MAX_SKEW,
        allow_legacy_sha256 = false, max_body = ingo_signer_core::policy::DEFAULT_MAX_BODY,
        required_headers = Vec::new()))]
    fn new(
        keys: &Bound<'_, PyAny>,
        max_skew: u64,
        allow_legacy_sha256: bool,
        max_body: u64,
        required_headers: Vec<PyBackedStr>,
    ) -> PyResult<Self> {
        let keys = match keys.cast::<SigningKey>() {
            Ok(key) => vec![key.get().key.clone()],
            Err(_) => keys
                .try_iter()?
                .map(|item| Ok(item?.cast::<SigningKey>()?.get().key.clone()))
                .collect::<PyResult<_>>()?,
        };
        Ok(Verifier {
            keys,
            allow_legacy_sha256,
            max_skew,
            max_body,
            required_headers: required_headers.iter().map(|n| n.to_string()).collect(),
        })
    }

    /// The largest allowed distance between `X-Date` and now, in seconds.
    #[getter]
    fn max_skew(&self) -> u64 {
        self.max_skew
    }

    /// The largest body accepted, in bytes.
    #[getter]
    fn max_body(&self) -> u64 {
        self.max_body
    }

    /// Whether hmac-sha256 is accepted.
    #[getter]
    fn allow_legacy_sha256(&self) -> bool {
        self.allow_legacy_sha256
    }

    /// The headers that must be signed beyond the SPEC's set.
    #[getter]
    fn required_headers(&self) -> Vec<String> {
        self.required_headers.clone()
    }

    /// Verifies a whole request at once.
    #[pyo3(signature = (method, target, headers, body = None, *, now = None, http_version = None))]
    #[expect(
        clippy::too_many_arguments,
        reason = "the Python signature: keyword options"
    )]
    fn verify(
        &self,
        py: Python<'_>,
        method: PyBackedStr,
        target: PyBackedStr,
        headers: &Bound<'_, PyAny>,
        body: Option<&Bound<'_, PyAny>>,
        now: Option<u64>,
        http_version: Option<PyBackedStr>,
    ) -> PyResult<Verified> {
        let headers = convert::headers(headers)?;
        let body = convert::body(body)?;
        let body: &[u8] = body.as_ref().map_or(&[], AsRef::as_ref);
        let head = RequestHead {
            method: &method,
            target: &target,
            version: convert::http_version(http_version.as_deref())?,
            headers: &headers[..],
        };
        let now = convert::now(now)?;
        let verified = convert::hashing(py, body.len(), || {
            self.with_core(|verifier| verifier.verify(&head, body, now))
        })
        .map_err(BindingError::from)?;
        Ok(Verified::from(&verified))
    }

    /// Authenticates the head, before any of the body is read; the body follows through the
    /// returned `PendingBody`.
    #[pyo3(signature = (method, target, headers, *, now = None, http_version = None))]
    fn verify_head(
        &self,
        method: PyBackedStr,
        target: PyBackedStr,
        headers: &Bound<'_, PyAny>,
        now: Option<u64>,
        http_version: Option<PyBackedStr>,
    ) -> PyResult<PendingBody> {
        let headers = convert::headers(headers)?;
        let head = RequestHead {
            method: &method,
            target: &target,
            version: convert::http_version(http_version.as_deref())?,
            headers: &headers[..],
        };
        let now = convert::now(now)?;
        let pending = self
            .with_core(|verifier| verifier.verify_head(&head, now))
            .map_err(BindingError::from)?;
        Ok(PendingBody {
            username: pending.username().to_owned(),
            content_length: pending.content_length(),
            pending: Some(pending),
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "Verifier(<{} key(s)>, max_skew={}, allow_legacy_sha256={}, max_body={}, required_headers={:?})",
            self.keys.len(),
            self.max_skew,
            if self.allow_legacy_sha256 {
                "True"
            } else {
                "False"
            },
            self.max_body,
            self.required_headers,
        )
    }
}

/// A request whose head is authenticated, waiting for its body (the core's `PendingBody`).
///
/// Feed the body with `update` as it arrives, then call `finish`. Once an update fails, the
/// value stays failed: `finish` raises the same error.
#[pyclass(module = "ingo_signer", name = "PendingBody")]
pub struct PendingBody {
    pending: Option<ingo_signer_core::PendingBody>,
    username: String,
    content_length: u64,
}

/// The error of a `PendingBody` used after `finish`.
fn finished() -> PyErr {
    PyRuntimeError::new_err("this PendingBody is already finished")
}

#[pymethods]
impl PendingBody {
    /// The username whose key authenticated the head (the body is not yet verified).
    #[getter]
    fn username(&self) -> &str {
        &self.username
    }

    /// The body length the head declares and signs.
    #[getter]
    fn content_length(&self) -> u64 {
        self.content_length
    }

    /// Feeds the next chunk of the body.
    fn update(&mut self, py: Python<'_>, chunk: &Bound<'_, PyAny>) -> PyResult<()> {
        let chunk = convert::data(chunk, "chunk")?;
        let pending = self.pending.as_mut().ok_or_else(finished)?;
        let chunk = chunk.as_ref();
        convert::hashing(py, chunk.len(), || pending.update(chunk)).map_err(BindingError::from)?;
        Ok(())
    }

    /// Checks the body's length and digest; returns the verified request.
    fn finish(&mut self) -> PyResult<Verified> {
        let pending = self.pending.take().ok_or_else(finished)?;
        let verified = pending.finish().map_err(BindingError::from)?;
        Ok(Verified::from(&verified))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let name = PyString::new(py, &self.username).repr()?;
        let state = if self.pending.is_some() {
            "pending"
        } else {
            "finished"
        };
        Ok(format!(
            "PendingBody(username={name}, content_length={}, {state})",
            self.content_length
        ))
    }
}

/// A verified request: who signed it, and how.
#[pyclass(frozen, module = "ingo_signer", name = "Verified")]
pub struct Verified {
    /// The authenticated username.
    #[pyo3(get)]
    username: String,
    /// The algorithm the request was signed with (`hmac-sha512` or `hmac-sha256`).
    #[pyo3(get)]
    algorithm: &'static str,
    /// Which of the username's keys matched, in the order the verifier was given them.
    #[pyo3(get)]
    key_index: usize,
}

impl From<&ingo_signer_core::Verified> for Verified {
    fn from(v: &ingo_signer_core::Verified) -> Self {
        Verified {
            username: v.username().to_owned(),
            algorithm: v.algorithm().name(),
            key_index: v.key_index(),
        }
    }
}

#[pymethods]
impl Verified {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let name = PyString::new(py, &self.username).repr()?;
        Ok(format!(
            "Verified(username={name}, algorithm='{}', key_index={})",
            self.algorithm, self.key_index
        ))
    }
}

/// One payload rule broken by one field (the core's `payload::Violation`).
#[pyclass(frozen, module = "ingo_signer", name = "Violation")]
pub struct Violation {
    /// The field's dotted JSON path (`recipient_information.zip_code`); `$` for the whole body.
    #[pyo3(get)]
    path: String,
    /// The rule's stable identifier (`zip`, `required`, or a `json.*` kind for a body that is
    /// not strict JSON).
    #[pyo3(get)]
    rule: &'static str,
    /// What to fix, naming the field: `recipient_information.zip_code: "3723" must be ...`.
    #[pyo3(get)]
    message: String,
    /// The offending value's raw JSON text, for fields whose values may be echoed (codes,
    /// amounts); None otherwise.
    #[pyo3(get)]
    value: Option<String>,
}

#[pymethods]
impl Violation {
    fn __str__(&self) -> &str {
        &self.message
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let path = PyString::new(py, &self.path).repr()?;
        let message = PyString::new(py, &self.message).repr()?;
        Ok(format!(
            "Violation(path={path}, rule='{}', message={message})",
            self.rule
        ))
    }
}

/// Judges a request body against the SPEC §6 rules of its endpoint; returns every violation
/// (none: the body may be sent).
#[pyfunction]
#[pyo3(signature = (endpoint, body, *, paypal = false, sender = false, ledger = false,
    retail = false))]
fn validate(
    py: Python<'_>,
    endpoint: PyBackedStr,
    body: &Bound<'_, PyAny>,
    paypal: bool,
    sender: bool,
    ledger: bool,
    retail: bool,
) -> PyResult<Vec<Violation>> {
    let endpoint = match &*endpoint {
        "session-create" => Endpoint::SessionCreate,
        "push-to-card" => Endpoint::PushToCard,
        other => {
            return Err(PyValueError::new_err(format!(
                "endpoint must be 'session-create' or 'push-to-card', not {other:?}"
            )));
        }
    };
    // An option that does not apply to the endpoint is refused rather than ignored: it would
    // make a body look checked for a rule it was not (as `ingo-sign validate` does).
    let misplaced = match endpoint {
        Endpoint::SessionCreate => [("sender", sender), ("ledger", ledger), ("retail", retail)]
            .into_iter()
            .find(|(_, set)| *set)
            .map(|(name, _)| (name, "push-to-card")),
        Endpoint::PushToCard => paypal.then_some(("paypal", "session-create")),
    };
    if let Some((name, applies_to)) = misplaced {
        return Err(PyValueError::new_err(format!(
            "{name}=True applies to the {applies_to} endpoint only"
        )));
    }
    let mut options = Options::new();
    for (set, with) in [
        (
            paypal,
            Options::with_paypal_enabled as fn(Options) -> Options,
        ),
        (sender, Options::with_sender_data),
        (ledger, Options::with_ledger_service),
        (retail, Options::with_retail_card_present),
    ] {
        if set {
            options = with(options);
        }
    }
    let body = convert::data(body, "body")?;
    let body = body.as_ref();
    convert::hashing(py, body.len(), || violations(endpoint, options, body))
}

/// The core's verdict on `body` as owned violations (a JSON error is one, at `$`).
fn violations(endpoint: Endpoint, options: Options, body: &[u8]) -> PyResult<Vec<Violation>> {
    match payload::validate(endpoint, options, body) {
        Ok(()) => Ok(Vec::new()),
        Err(PayloadError::Json(e)) => Ok(vec![Violation {
            path: "$".to_owned(),
            rule: e.kind(),
            message: format!("$: {}", PayloadError::Json(e)),
            value: None,
        }]),
        Err(PayloadError::Invalid(report)) => Ok(report
            .violations()
            .iter()
            .map(|v| Violation {
                path: v.path().to_string(),
                rule: v.kind(),
                message: v.to_string(),
                value: v.value().map(str::to_owned),
            })
            .collect()),
    }
}

/// Unstable, for `bindings/python/bench` only: signs `body` with the core `iterations` times in
/// one Rust loop (no Python in between) and returns the seconds it took, so the benchmark can
/// set the package against the core's own call in the same process.
#[pyfunction]
#[pyo3(signature = (key, method, target, body, now, iterations))]
fn _bench_core_sign(
    py: Python<'_>,
    key: &SigningKey,
    method: PyBackedStr,
    target: PyBackedStr,
    body: &Bound<'_, PyAny>,
    now: u64,
    iterations: u32,
) -> PyResult<f64> {
    let body = convert::data(body, "body")?;
    let body = body.as_ref();
    let signer = Signer::new(&key.key);
    let request = Request::new(&method, &target, body);
    py.detach(|| {
        let start = std::time::Instant::now();
        for _ in 0..iterations {
            let signed = signer.sign(std::hint::black_box(&request), now);
            std::hint::black_box(signed).map_err(BindingError::from)?;
        }
        Ok(start.elapsed().as_secs_f64())
    })
}

/// The native half of `ingo_signer` (private: import `ingo_signer`).
#[pymodule(gil_used = false, name = "_native")]
mod native {
    #[pymodule_export]
    use super::{
        _bench_core_sign, PendingBody, SigningKey, Verified, Verifier, Violation, sign, validate,
    };

    use pyo3::prelude::*;

    /// Adds `__version__`: the package's version, which is the core's.
    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("__version__", env!("CARGO_PKG_VERSION"))
    }
}
