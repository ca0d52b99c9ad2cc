//! The two HMAC algorithms the protocol knows, and what each implies.
//!
//! SPEC §2: `hmac-sha512` is the algorithm of every new integration; `hmac-sha256` exists only for
//! legacy integrations and is accepted by a verifier only when its policy says so. MD5 and SHA-1
//! have no variant here on purpose: they cannot be named, so they cannot be accepted.

use core::fmt;

/// An HMAC algorithm named by the `algorithm` parameter of the Authorization header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Algorithm {
    /// `hmac-sha512`: HMAC-SHA-512, the default and the only one new integrations use.
    #[default]
    HmacSha512,
    /// `hmac-sha256`: HMAC-SHA-256, for legacy integrations only.
    HmacSha256,
}

impl Algorithm {
    /// The exact, case-sensitive token used in the Authorization header.
    pub const fn name(self) -> &'static str {
        match self {
            Algorithm::HmacSha512 => "hmac-sha512",
            Algorithm::HmacSha256 => "hmac-sha256",
        }
    }

    /// Parses the `algorithm` parameter value: an exact, case-sensitive match.
    pub fn from_name(name: &[u8]) -> Option<Self> {
        match name {
            b"hmac-sha512" => Some(Algorithm::HmacSha512),
            b"hmac-sha256" => Some(Algorithm::HmacSha256),
            _ => None,
        }
    }

    /// Length in bytes of the MAC this algorithm produces (64 or 32).
    pub const fn mac_len(self) -> usize {
        match self {
            Algorithm::HmacSha512 => 64,
            Algorithm::HmacSha256 => 32,
        }
    }

    /// The body digest a signer using this algorithm sends by default.
    pub const fn default_digest(self) -> DigestAlgorithm {
        match self {
            Algorithm::HmacSha512 => DigestAlgorithm::Sha512,
            Algorithm::HmacSha256 => DigestAlgorithm::Sha256,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A body digest, carried in its own header (`Content-sha512` or `Content-sha256`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum DigestAlgorithm {
    /// SHA-512, carried in `Content-sha512` (88 base64 characters).
    #[default]
    Sha512,
    /// SHA-256, carried in `Content-sha256` (44 base64 characters); legacy only.
    Sha256,
}

impl DigestAlgorithm {
    /// The lower-case header name as it appears in the `headers` list.
    pub const fn header_name(self) -> &'static str {
        match self {
            DigestAlgorithm::Sha512 => "content-sha512",
            DigestAlgorithm::Sha256 => "content-sha256",
        }
    }

    /// The header name in the case signers send it (`Content-sha512`, as the seed writes it).
    pub const fn wire_name(self) -> &'static str {
        match self {
            DigestAlgorithm::Sha512 => "Content-sha512",
            DigestAlgorithm::Sha256 => "Content-sha256",
        }
    }

    /// Digest length in bytes (64 or 32).
    pub const fn output_len(self) -> usize {
        match self {
            DigestAlgorithm::Sha512 => 64,
            DigestAlgorithm::Sha256 => 32,
        }
    }

    /// Length of the canonical padded base64 form (88 or 44 characters).
    pub const fn base64_len(self) -> usize {
        match self {
            DigestAlgorithm::Sha512 => 88,
            DigestAlgorithm::Sha256 => 44,
        }
    }

    /// The digest algorithm a header name (lower-case, as listed) denotes, if any.
    pub fn from_header_name(name: &str) -> Option<Self> {
        match name {
            "content-sha512" => Some(DigestAlgorithm::Sha512),
            "content-sha256" => Some(DigestAlgorithm::Sha256),
            _ => None,
        }
    }
}
