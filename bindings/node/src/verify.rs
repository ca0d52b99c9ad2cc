//! Verification: a [`Verifier`] over keys and a policy, at once or head first ([`PendingBody`]).

use ingo_signer_core::{Policy, RequestHead};
use napi::Env;
use napi::bindgen_prelude::{ClassInstance, Either, Uint8Array, Uint8ArraySlice};
use napi_derive::napi;

use crate::error::{Failure, Outcome, Throw};
use crate::{SigningKey, bytes, http_version, unix_seconds, whole_number};

/// What a verifier accepts beyond the protocol's minimum, which is always enforced.
#[napi(object, object_to_js = false)]
pub struct VerifierOptions {
    /// The largest allowed distance between `X-Date` and now, in seconds, inclusive.
    /// Default: 300.
    pub max_skew: Option<f64>,
    /// The largest body accepted, in bytes. Default: 65536.
    pub max_body: Option<f64>,
    /// Also accept legacy `hmac-sha256`. Default: `false`.
    pub allow_legacy_sha256: Option<bool>,
    /// Headers that must be signed beyond the protocol's set (`host`, `idempotency-key`);
    /// names compare case-insensitively.
    pub required_headers: Option<Vec<String>>,
}

/// A request head as received.
#[napi(object, object_to_js = false)]
pub struct ReceivedHead {
    /// The method as received.
    pub method: String,
    /// The request-target exactly as on the wire: path and query, percent-encoding untouched.
    pub target: String,
    /// The HTTP version it arrived with. Default: `1.1`.
    #[napi(ts_type = "'1.0' | '1.1' | '2.0'")]
    pub version: Option<String>,
    /// Every header in arrival order as `[name, value]`, repeats kept (a repeated signed header
    /// is refused, so never merge them). A value is a string (sent as UTF-8) or the raw bytes.
    pub headers: Vec<(String, Either<String, Uint8Array>)>,
    /// Unix seconds to check `X-Date` against. Default: the system clock.
    pub now: Option<f64>,
}

/// A whole request as received.
#[napi(object, object_to_js = false)]
pub struct ReceivedRequest<'a> {
    /// The method as received.
    pub method: String,
    /// The request-target exactly as on the wire: path and query, percent-encoding untouched.
    pub target: String,
    /// The HTTP version it arrived with. Default: `1.1`.
    #[napi(ts_type = "'1.0' | '1.1' | '2.0'")]
    pub version: Option<String>,
    /// Every header in arrival order as `[name, value]`, repeats kept (a repeated signed header
    /// is refused, so never merge them). A value is a string (sent as UTF-8) or the raw bytes.
    pub headers: Vec<(String, Either<String, Uint8Array>)>,
    /// The body bytes as received (a string is taken as UTF-8). Default: empty.
    pub body: Option<Either<String, Uint8ArraySlice<'a>>>,
    /// Unix seconds to check `X-Date` against. Default: the system clock.
    pub now: Option<f64>,
}

/// Who signed a verified request, and how.
#[napi(object, object_from_js = false)]
pub struct Verified {
    /// The authenticated username.
    pub username: String,
    /// The algorithm the request was signed with.
    #[napi(ts_type = "'hmac-sha512' | 'hmac-sha256'")]
    pub algorithm: String,
    /// Which of the username's keys matched, in the order the verifier was given them (to see
    /// when a rotated-out key stops being used).
    pub key_index: u32,
}

impl From<ingo_signer_core::Verified> for Verified {
    fn from(verified: ingo_signer_core::Verified) -> Self {
        Verified {
            username: verified.username().to_owned(),
            algorithm: verified.algorithm().name().to_owned(),
            key_index: u32::try_from(verified.key_index()).unwrap_or(u32::MAX),
        }
    }
}

/// The policy, owned, so that a verifier can keep it between calls.
struct OwnedPolicy {
    allow_legacy_sha256: bool,
    max_skew: u64,
    max_body: u64,
    required_headers: Vec<String>,
}

/// Verifies received requests against a set of keys and a policy.
///
/// Several keys may share a username (rotation): each is tried. A refusal throws a
/// `VerifyError` whose `kind` (and `code`) is the core's stable identifier
/// (`verify.signature_mismatch`, `digest.mismatch`, ...) and whose `httpStatus` is the status to
/// answer with.
#[napi]
pub struct Verifier {
    keys: Vec<ingo_signer_core::SigningKey>,
    policy: OwnedPolicy,
}

#[napi]
impl Verifier {
    /// A verifier over `keys` (one key, or an array) with `options`.
    #[napi(constructor)]
    pub fn new(
        env: Env,
        keys: Either<Vec<ClassInstance<SigningKey>>, ClassInstance<SigningKey>>,
        options: Option<VerifierOptions>,
    ) -> napi::Result<Self> {
        let keys = match keys {
            Either::A(keys) => keys.iter().map(|key| key.inner.clone()).collect(),
            Either::B(key) => vec![key.inner.clone()],
        };
        Self::policy(options.unwrap_or(VerifierOptions {
            max_skew: None,
            max_body: None,
            allow_legacy_sha256: None,
            required_headers: None,
        }))
        .map(|policy| Verifier { keys, policy })
        .or_throw(&env)
    }

    fn policy(options: VerifierOptions) -> Outcome<OwnedPolicy> {
        let defaults = Policy::default();
        Ok(OwnedPolicy {
            allow_legacy_sha256: options
                .allow_legacy_sha256
                .unwrap_or(defaults.allows_legacy_sha256()),
            max_skew: options
                .max_skew
                .map_or(Ok(defaults.skew_limit()), |s| whole_number("maxSkew", s))?,
            max_body: options
                .max_body
                .map_or(Ok(defaults.body_limit()), |b| whole_number("maxBody", b))?,
            required_headers: options.required_headers.unwrap_or_default(),
        })
    }

    /// Verifies a whole request at once: returns who signed it, or throws the first
    /// `VerifyError` in the protocol's order.
    #[napi]
    pub fn verify(&self, env: Env, request: ReceivedRequest) -> napi::Result<Verified> {
        let body = request.body.as_ref().map_or(&[][..], bytes);
        self.with_head(
            &request.method,
            &request.target,
            request.version.as_deref(),
            &request.headers,
            request.now,
            |verifier, head, now| verifier.verify(head, body, now),
        )
        .map(Verified::from)
        .or_throw(&env)
    }

    /// Authenticates the head before any of the body is read: returns a `PendingBody` to
    /// stream the body into, or throws the first `VerifyError`.
    #[napi]
    pub fn verify_head(&self, env: Env, head: ReceivedHead) -> napi::Result<PendingBody> {
        self.with_head(
            &head.method,
            &head.target,
            head.version.as_deref(),
            &head.headers,
            head.now,
            |verifier, head, now| verifier.verify_head(head, now),
        )
        .map(|pending| PendingBody {
            inner: Some(pending),
        })
        .or_throw(&env)
    }

    /// Runs `check` with the core's verifier over this verifier's keys and policy, and the
    /// head made of the given parts.
    fn with_head<T>(
        &self,
        method: &str,
        target: &str,
        version: Option<&str>,
        headers: &[(String, Either<String, Uint8Array>)],
        now: Option<f64>,
        check: impl FnOnce(
            &ingo_signer_core::Verifier<'_, [ingo_signer_core::SigningKey]>,
            &RequestHead<'_, [(&str, &[u8])]>,
            u64,
        ) -> Result<T, ingo_signer_core::VerifyError>,
    ) -> Outcome<T> {
        let version = version.map_or(Ok(Default::default()), |v| http_version("version", v))?;
        let now = unix_seconds(now)?;
        let headers: Vec<(&str, &[u8])> = headers
            .iter()
            .map(|(name, value)| (name.as_str(), bytes(value)))
            .collect();
        let required: Vec<&str> = self
            .policy
            .required_headers
            .iter()
            .map(String::as_str)
            .collect();
        let policy = Policy::default()
            .allow_legacy_sha256(self.policy.allow_legacy_sha256)
            .max_skew(self.policy.max_skew)
            .max_body(self.policy.max_body)
            .require_headers(&required);
        let verifier = ingo_signer_core::Verifier::new(self.keys.as_slice(), policy);
        let head = RequestHead {
            method,
            target,
            version,
            headers: headers.as_slice(),
        };
        check(&verifier, &head, now).map_err(Failure::from)
    }
}

/// A request whose head is authenticated, waiting for its body: feed the body with `update()`
/// as it arrives, then call `finish()`. Made by `Verifier.verifyHead()`.
///
/// Once an update fails, every later call throws the same error, so a caller that ignores one
/// failure cannot accept the request by mistake.
#[napi]
pub struct PendingBody {
    /// `None` once `finish()` was called.
    inner: Option<ingo_signer_core::PendingBody>,
}

#[napi]
impl PendingBody {
    /// The username whose key authenticated the head (the body is not verified yet).
    #[napi(getter)]
    pub fn username(&self, env: Env) -> napi::Result<String> {
        self.pending()
            .map(|pending| pending.username().to_owned())
            .or_throw(&env)
    }

    /// The body length the head declares and signs, in bytes.
    #[napi(getter)]
    pub fn content_length(&self, env: Env) -> napi::Result<f64> {
        // At most the policy's limit, itself at most Number.MAX_SAFE_INTEGER: exact as a number.
        self.pending()
            .map(|pending| pending.content_length() as f64)
            .or_throw(&env)
    }

    /// Feeds the next chunk of the body. Throws `verify.content_length_mismatch` as soon as the
    /// body runs past its declared length: stop reading it then.
    #[napi]
    pub fn update(&mut self, env: Env, chunk: Either<String, &[u8]>) -> napi::Result<()> {
        self.pending_mut()
            .and_then(|pending| pending.update(bytes(&chunk)).map_err(Failure::from))
            .or_throw(&env)
    }

    /// Checks the body's length and digest: returns who signed the request, or throws
    /// `verify.content_length_mismatch` or `digest.mismatch`. Call it once.
    #[napi]
    pub fn finish(&mut self, env: Env) -> napi::Result<Verified> {
        self.inner
            .take()
            .ok_or(FINISHED)
            .and_then(|pending| pending.finish().map_err(Failure::from))
            .map(Verified::from)
            .or_throw(&env)
    }

    fn pending(&self) -> Outcome<&ingo_signer_core::PendingBody> {
        self.inner.as_ref().ok_or(FINISHED)
    }

    fn pending_mut(&mut self) -> Outcome<&mut ingo_signer_core::PendingBody> {
        self.inner.as_mut().ok_or(FINISHED)
    }
}

/// What a `PendingBody` says once `finish()` was called.
const FINISHED: Failure = Failure::InvalidState(
    "finish() was already called on this PendingBody; verify the next request with a new verifyHead()",
);
