//! What a verifier accepts: algorithms, clock skew, required headers, body size.

/// The largest body a verifier accepts by default: 64 KiB, the payload limit of SPEC §6.
pub const DEFAULT_MAX_BODY: u64 = 64 * 1024;

/// The clock skew a verifier allows by default, in seconds (SPEC §2: ±300 s).
pub const DEFAULT_MAX_SKEW: u64 = 300;

/// A verifier's policy. The SPEC's minimum (§5.3) is always enforced; a policy can only add to it.
///
/// ```
/// use ingo_signer_core::policy::Policy;
/// let policy = Policy::default().max_skew(60).require_headers(&["host"]);
/// assert!(!policy.allows_legacy_sha256());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy<'a> {
    allow_legacy_sha256: bool,
    max_skew: u64,
    max_body: u64,
    required_headers: &'a [&'a str],
}

impl Default for Policy<'_> {
    fn default() -> Self {
        Policy {
            allow_legacy_sha256: false,
            max_skew: DEFAULT_MAX_SKEW,
            max_body: DEFAULT_MAX_BODY,
            required_headers: &[],
        }
    }
}

impl<'a> Policy<'a> {
    /// Also accepts `hmac-sha256` (legacy integrations only; off by default).
    pub fn allow_legacy_sha256(mut self, allow: bool) -> Self {
        self.allow_legacy_sha256 = allow;
        self
    }

    /// The largest allowed distance between `X-Date` and now, in seconds (inclusive).
    pub fn max_skew(mut self, seconds: u64) -> Self {
        self.max_skew = seconds;
        self
    }

    /// The largest body accepted, in bytes.
    pub fn max_body(mut self, bytes: u64) -> Self {
        self.max_body = bytes;
        self
    }

    /// Headers that must be signed beyond the SPEC's set (`host`, `idempotency-key`); names
    /// compare case-insensitively.
    pub fn require_headers(mut self, names: &'a [&'a str]) -> Self {
        self.required_headers = names;
        self
    }

    /// Whether `hmac-sha256` is accepted.
    pub fn allows_legacy_sha256(&self) -> bool {
        self.allow_legacy_sha256
    }

    /// The allowed skew in seconds.
    pub fn skew_limit(&self) -> u64 {
        self.max_skew
    }

    /// The body limit in bytes.
    pub fn body_limit(&self) -> u64 {
        self.max_body
    }

    /// The extra required headers.
    pub fn required_headers(&self) -> &'a [&'a str] {
        self.required_headers
    }
}
