//! Replay protection: the key a gateway remembers an accepted request by, and how long.
//!
//! A signed request stays valid for its whole skew window: anyone who captures it can send it
//! again, byte for byte, until `X-Date + max_skew`, and it verifies each time. Verifying cannot
//! tell a copy from the original; a gateway closes the window by remembering every request it
//! accepted until the window has passed, and refusing a second one with the same signature.
//!
//! The core does no I/O, so it does not keep that memory itself. It gives what the memory needs:
//! - [`ReplayKey`]: 32 bytes naming an accepted request, from [`Verified::replay_key`] or
//!   [`PendingBody::replay_key`] (derived from the username, the algorithm and the MAC);
//! - [`expires_at`]: until when the entry must live, from [`Verified::x_date`] and the policy's
//!   skew limit, read on the gateway's own clock;
//! - the verdicts [`VerifyError::Replayed`] (401, the key was already there) and
//!   [`VerifyError::ReplayCheckUnavailable`] (503, the store could not answer, so the request
//!   is refused rather than let through unchecked).
//!
//! The store's check must be one atomic *insert if absent* (Redis `SET key 1 NX PXAT ...`, a
//! concurrent map's entry API, nginx's `ngx.shared.DICT:add`): a separate *get* then *set* lets
//! two copies sent at the same moment both through. Check once the head is authenticated (an
//! unauthenticated request must not be able to fill the store), and before the request acts.
//!
//! ```
//! use ingo_signer_core::{replay, Policy, Request, Signer, SigningKey, Verifier};
//! use ingo_signer_core::signing_string::{HttpVersion, RequestHead};
//! let key = SigningKey::new("demo", b"demo-secret-not-for-production")?;
//! let body = br#"{"participant_unique_id1":"abc"}"#;
//! let signed = Signer::new(&key).sign(&Request::new("POST", "/x", body), 1_000_000)?;
//! let headers: Vec<(&str, &str)> = signed.iter().collect();
//! let head = RequestHead { method: "POST", target: "/x", version: HttpVersion::Http11, headers: &headers[..] };
//! let policy = Policy::default();
//!
//! let pending = Verifier::new(&key, policy).verify_head(&head, 1_000_010)?;
//! let key = pending.replay_key();          // what the store remembers
//! let until = replay::expires_at(pending.x_date(), policy.skew_limit());
//! assert_eq!(until, 1_000_301);            // X-Date + 300 s, plus the last second itself
//! assert_eq!(key.to_hex().as_str().len(), 64);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`Verified::replay_key`]: crate::Verified::replay_key
//! [`Verified::x_date`]: crate::Verified::x_date
//! [`PendingBody::replay_key`]: crate::PendingBody::replay_key
//! [`VerifyError::Replayed`]: crate::VerifyError::Replayed
//! [`VerifyError::ReplayCheckUnavailable`]: crate::VerifyError::ReplayCheckUnavailable

use core::fmt;

use sha2::{Digest, Sha512_256};

use crate::algorithm::Algorithm;

/// The domain tag every replay key's hash input starts with, so that no other use of
/// SHA-512/256 over similar bytes can produce a replay key by accident.
const DOMAIN: &[u8] = b"ingo-signer replay key v1\0";

/// The length of a [`ReplayKey`], in bytes.
pub const REPLAY_KEY_LEN: usize = 32;

/// The length of a [`ReplayKey`]'s hex text, in characters.
pub const REPLAY_KEY_HEX_LEN: usize = 2 * REPLAY_KEY_LEN;

/// The name of one accepted request, for a replay store: 32 bytes derived from the username,
/// the algorithm and the MAC of the request's signature.
///
/// # Derivation
/// `SHA-512/256(tag ‖ len(username) ‖ username ‖ len(algorithm) ‖ algorithm ‖ len(mac) ‖ mac)`,
/// where `tag` is the 26 bytes `ingo-signer replay key v1` and a NUL, each `len` is the field's
/// length in bytes as a 64-bit big-endian number, `username` its UTF-8 bytes, `algorithm` its
/// header token (`hmac-sha512`, `hmac-sha256`) and `mac` the raw signature bytes (64 or 32).
///
/// - **No two requests share a key by construction.** Every field is preceded by its length, so
///   the hash input can be read back into exactly one (username, algorithm, MAC): two requests
///   whose usernames, algorithms or MACs differ in any way, including where one field ends and
///   the next begins (`ab` + `c…` against `a` + `bc…`), hash different inputs. Two different
///   keys then need a SHA-512/256 collision (2^128 work). The tag keeps replay keys apart from
///   any other hash the project computes.
/// - **Why the username and algorithm, not the MAC alone.** The MAC already covers the request
///   line, the date and the body, but under *one* key: one client could, in principle, choose a
///   request whose MAC equals another client's and spend that client's entry. With the username
///   and algorithm inside, a client can only ever collide with its own requests.
/// - **Why SHA-512/256.** It is SHA-512's compression function, which the core already carries,
///   truncated to 256 bits: no new code in firmware, and 32 bytes is short enough for any store.
///
/// The MAC is public (it travels in the request), so the key is not secret either: it may be
/// logged and stored in a shared cache.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReplayKey([u8; REPLAY_KEY_LEN]);

impl ReplayKey {
    /// The key of a request signed by `username` with `algorithm`, whose MAC is `mac`.
    ///
    /// ```
    /// use ingo_signer_core::{replay::ReplayKey, Algorithm};
    /// let a = ReplayKey::derive("alice", Algorithm::HmacSha512, &[7; 64]);
    /// assert_ne!(a, ReplayKey::derive("bob", Algorithm::HmacSha512, &[7; 64]));
    /// assert_ne!(a, ReplayKey::derive("alice", Algorithm::HmacSha512, &[8; 64]));
    /// ```
    pub fn derive(username: &str, algorithm: Algorithm, mac: &[u8]) -> ReplayKey {
        let mut hasher = Sha512_256::new();
        hasher.update(DOMAIN);
        Self::field(&mut hasher, username.as_bytes());
        Self::field(&mut hasher, algorithm.name().as_bytes());
        Self::field(&mut hasher, mac);
        let mut key = [0; REPLAY_KEY_LEN];
        key.copy_from_slice(&hasher.finalize());
        ReplayKey(key)
    }

    /// Feeds `value` preceded by its length as 8 big-endian bytes: wide enough for any slice, so
    /// the encoding stays unambiguous whatever a caller passes.
    fn field(hasher: &mut Sha512_256, value: &[u8]) {
        hasher.update(u64::try_from(value.len()).unwrap_or(u64::MAX).to_be_bytes());
        hasher.update(value);
    }

    /// A key from its 32 bytes (as a store gives it back).
    pub const fn from_bytes(bytes: [u8; REPLAY_KEY_LEN]) -> ReplayKey {
        ReplayKey(bytes)
    }

    /// The 32 bytes.
    pub const fn as_bytes(&self) -> &[u8; REPLAY_KEY_LEN] {
        &self.0
    }

    /// The key as 64 lowercase hex characters, for stores that key by text.
    ///
    /// ```
    /// use ingo_signer_core::replay::ReplayKey;
    /// let key = ReplayKey::from_bytes([0xab; 32]);
    /// assert_eq!(key.to_hex().as_str(), "ab".repeat(32));
    /// assert_eq!(key.to_string(), key.to_hex().as_str());
    /// ```
    pub fn to_hex(&self) -> ReplayKeyHex {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut text = [0; REPLAY_KEY_HEX_LEN];
        for (pair, byte) in text.chunks_exact_mut(2).zip(self.0) {
            for (out, nibble) in pair.iter_mut().zip([byte >> 4, byte & 0x0f]) {
                *out = DIGITS.get(usize::from(nibble)).copied().unwrap_or(b'0');
            }
        }
        ReplayKeyHex(text)
    }
}

impl fmt::Debug for ReplayKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReplayKey({})", self.to_hex())
    }
}

impl fmt::Display for ReplayKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.to_hex().as_str())
    }
}

/// A [`ReplayKey`] as text: always exactly 64 lowercase hex characters, on the stack.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReplayKeyHex([u8; REPLAY_KEY_HEX_LEN]);

impl ReplayKeyHex {
    /// The text.
    pub fn as_str(&self) -> &str {
        // Only hex digits are ever written, which are ASCII.
        core::str::from_utf8(&self.0).unwrap_or("")
    }

    /// The text's bytes.
    pub const fn as_bytes(&self) -> &[u8; REPLAY_KEY_HEX_LEN] {
        &self.0
    }
}

crate::buffer::fmt_as_str!(ReplayKeyHex);

/// The first second (Unix time, on the gateway's clock) at which a request dated `x_date` can
/// no longer be accepted under a skew limit of `max_skew`: `x_date + max_skew + 1`. Its replay
/// entry must live until then; afterwards the date check refuses every copy by itself, and the
/// entry may go.
///
/// Read it on the same clock the verifier's `now` comes from. A store on another clock (a
/// Redis server's `PXAT`) must not run ahead of the gateways' clocks by more than the margin
/// it adds, or it forgets an entry while a gateway would still accept a copy.
///
/// ```
/// assert_eq!(ingo_signer_core::replay::expires_at(1_000_000, 300), 1_000_301);
/// assert_eq!(ingo_signer_core::replay::expires_at(u64::MAX, 300), u64::MAX);
/// ```
pub const fn expires_at(x_date: u64, max_skew: u64) -> u64 {
    x_date.saturating_add(max_skew).saturating_add(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    extern crate std;
    use std::vec::Vec;

    /// The derivation written out independently of `derive`'s helpers.
    fn reference(username: &str, algorithm: &str, mac: &[u8]) -> [u8; 32] {
        let mut input = Vec::new();
        input.extend_from_slice(b"ingo-signer replay key v1\0");
        for field in [username.as_bytes(), algorithm.as_bytes(), mac] {
            input.extend_from_slice(&(field.len() as u64).to_be_bytes());
            input.extend_from_slice(field);
        }
        Sha512_256::digest(&input).into()
    }

    #[test]
    fn the_key_is_the_documented_hash() {
        for (user, alg, mac) in [
            ("demo", Algorithm::HmacSha512, &[1u8; 64][..]),
            ("a", Algorithm::HmacSha256, &[0xff; 32][..]),
            (&*"u".repeat(256), Algorithm::HmacSha512, &[0; 64][..]),
        ] {
            assert_eq!(
                ReplayKey::derive(user, alg, mac).as_bytes(),
                &reference(user, alg.name(), mac)
            );
        }
    }

    /// Known answers from Python's `hashlib.new("sha512_256")` over the documented encoding.
    #[test]
    fn known_answers_from_an_independent_implementation() {
        let mac: [u8; 64] = core::array::from_fn(|i| i as u8);
        assert_eq!(
            ReplayKey::derive("demo", Algorithm::HmacSha512, &mac)
                .to_hex()
                .as_str(),
            "929075df3dfbf88798309124a4429da5b7a8e55de725f9c6c6808b6ca5119ec3"
        );
        assert_eq!(
            ReplayKey::derive("a", Algorithm::HmacSha256, &[0xff; 32])
                .to_hex()
                .as_str(),
            "6c22af7294d8db167583a6440bbb8b85d822ac8e3f1fcabed6af7bd8bce4a4c2"
        );
    }

    #[test]
    fn field_boundaries_cannot_be_shifted() {
        // Without length prefixes these would hash the same bytes.
        let mac = [5u8; 32];
        let mut shifted = [5u8; 32];
        shifted[0] = b'c';
        assert_ne!(
            ReplayKey::derive("ab", Algorithm::HmacSha256, &mac),
            ReplayKey::derive("a", Algorithm::HmacSha256, &mac),
        );
        assert_ne!(
            ReplayKey::derive("abc", Algorithm::HmacSha256, &mac[1..]),
            ReplayKey::derive("ab", Algorithm::HmacSha256, &shifted),
        );
        // The same MAC bytes under the other algorithm name another request.
        assert_ne!(
            ReplayKey::derive("a", Algorithm::HmacSha256, &mac),
            ReplayKey::derive("a", Algorithm::HmacSha512, &mac),
        );
    }

    #[test]
    fn hex_is_lowercase_and_fixed_size() {
        let key = ReplayKey::from_bytes(core::array::from_fn(|i| i as u8 * 8));
        let hex = key.to_hex();
        assert_eq!(hex.as_str().len(), REPLAY_KEY_HEX_LEN);
        assert!(hex.as_str().starts_with("00081018"));
        assert!(hex.as_str().ends_with("f0f8"));
        assert!(
            hex.as_str()
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
    }
}
