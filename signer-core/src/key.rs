//! Keys: an integration's username with its HMAC state keyed once, and the key store a verifier
//! asks for a username's keys.
//!
//! The secret is the raw bytes of the string the integration manager issued (SPEC §1): it is not
//! hex- or base64-decoded. Keying HMAC hashes the padded key into the inner and outer states
//! (ipad/opad); a [`SigningKey`] does that once, when it is made, and each request works on a
//! clone of that state, so the secret itself is never kept. The keyed states are zeroized on drop
//! (`hmac`/`sha2` with their `zeroize` feature) and no `Debug` output shows them.

use core::fmt;

use hmac::digest::block_api::CoreProxy;
use hmac::digest::common::hazmat::{SerializableState, SerializedState};
use hmac::digest::{FixedOutput, MacMarker, Output, OutputSizeUser, Update};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Sha256, Sha512};

use crate::algorithm::Algorithm;
use crate::authorization::{AuthorizationError, check_username};

// The keyed states must be wiped when dropped. `Hmac<D>` holds two block-level cores of `D`
// (the states after absorbing key^ipad and key^opad) and a block buffer; `hmac` does not put the
// `ZeroizeOnDrop` marker on the wrapper, so this asserts it on the parts: it fails to compile if
// a dependency update (or a lost `zeroize` feature) silently stops wiping them.
const _: () = {
    const fn zeroized_on_drop<T: zeroize::ZeroizeOnDrop>() {}
    zeroized_on_drop::<<Sha512 as CoreProxy>::Core>();
    zeroized_on_drop::<<Sha256 as CoreProxy>::Core>();
    // The hash wrappers carry the marker only when their block buffer zeroizes too.
    zeroized_on_drop::<Sha512>();
    zeroized_on_drop::<Sha256>();
};

/// Why a key cannot be made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyError {
    /// The username is empty, longer than 256 bytes, or holds a byte that cannot be sent in the
    /// Authorization header (a `"`, a `\`, a control or non-ASCII byte).
    Username(AuthorizationError),
    /// The secret is empty.
    EmptySecret,
}

impl KeyError {
    /// Stable identifier of this error (`key.*`).
    pub const fn kind(self) -> &'static str {
        match self {
            KeyError::Username(_) => "key.username",
            KeyError::EmptySecret => "key.empty_secret",
        }
    }
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Username(e) => write!(f, "invalid username: {e}"),
            KeyError::EmptySecret => f.write_str("the HMAC secret is empty"),
        }
    }
}

/// An integration's key: its username and its HMAC-SHA512 (and legacy HMAC-SHA256) states,
/// keyed once; and, for a key being rotated out, the last instant it verifies.
#[derive(Clone)]
pub struct SigningKey {
    username: heapless::String<256>,
    sha512: Hmac<Sha512>,
    sha256: Hmac<Sha256>,
    not_after: Option<u64>,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("SigningKey");
        debug.field("username", &self.username.as_str());
        if let Some(not_after) = self.not_after {
            debug.field("not_after", &not_after);
        }
        debug.field("secret", &"<redacted>").finish()
    }
}

impl SigningKey {
    /// Keys HMAC with `secret` for `username`.
    ///
    /// ```
    /// use ingo_signer_core::key::SigningKey;
    /// let key = SigningKey::new("demo", b"demo-secret-not-for-production").unwrap();
    /// assert_eq!(format!("{key:?}"), r#"SigningKey { username: "demo", secret: "<redacted>" }"#);
    /// ```
    ///
    /// # Errors
    /// [`KeyError`] for an unusable username or an empty secret.
    pub fn new(username: &str, secret: &[u8]) -> Result<Self, KeyError> {
        check_username(username.as_bytes()).map_err(KeyError::Username)?;
        if secret.is_empty() {
            return Err(KeyError::EmptySecret);
        }
        let mut name = heapless::String::new();
        name.push_str(username)
            .map_err(|_| KeyError::Username(AuthorizationError::UsernameTooLong))?;
        // HMAC takes keys of any length (longer ones are hashed first), so these cannot fail.
        let sha512 =
            <Hmac<Sha512> as KeyInit>::new_from_slice(secret).map_err(|_| KeyError::EmptySecret)?;
        let sha256 =
            <Hmac<Sha256> as KeyInit>::new_from_slice(secret).map_err(|_| KeyError::EmptySecret)?;
        Ok(SigningKey {
            username: name,
            sha512,
            sha256,
            not_after: None,
        })
    }

    /// The same key, verifying requests only up to `not_after` (Unix seconds, inclusive): for
    /// the previous key of a rotation, so that it stops working on a date even if nobody removes
    /// it.
    ///
    /// The core has no clock: a [`Verifier`](crate::Verifier) compares `not_after` with the `now`
    /// it is given, and a key with `now > not_after` does not verify (the request is refused as
    /// [`SignatureMismatch`](crate::VerifyError::SignatureMismatch), as if the key were gone).
    /// Signing is not affected: a [`Signer`](crate::Signer) signs with what it is given.
    ///
    /// ```
    /// use ingo_signer_core::key::SigningKey;
    /// let old = SigningKey::new("demo", b"old-secret").unwrap().not_after(1_700_000_000);
    /// assert_eq!(old.expiry(), Some(1_700_000_000));
    /// assert!(old.is_valid_at(1_700_000_000));
    /// assert!(!old.is_valid_at(1_700_000_001));
    /// ```
    #[must_use]
    pub fn not_after(mut self, not_after: u64) -> Self {
        self.not_after = Some(not_after);
        self
    }

    /// The last instant (Unix seconds) this key verifies, if it has one.
    pub fn expiry(&self) -> Option<u64> {
        self.not_after
    }

    /// Whether the key verifies requests at `now`: it has no expiry, or `now <= not_after`.
    pub fn is_valid_at(&self, now: u64) -> bool {
        self.not_after.is_none_or(|not_after| now <= not_after)
    }

    /// A key under the fixed stand-in secret a verifier computes its one MAC with when a
    /// username is unknown, for a store that keeps one ([`KeyStore::stand_in`]). Its username
    /// is `stand-in`; no store should list it among its keys, and a MAC under it is never
    /// accepted, whatever username a request names.
    pub fn stand_in() -> Self {
        // A fixed, valid username and a non-empty secret: this cannot fail; were it to, the
        // key is keyed with the secret under the same fixed username anyway.
        SigningKey::new("stand-in", STAND_IN_SECRET).unwrap_or_else(|_| SigningKey {
            username: heapless::String::new(),
            sha512: <Hmac<Sha512> as KeyInit>::new(&Default::default()),
            sha256: <Hmac<Sha256> as KeyInit>::new(&Default::default()),
            not_after: None,
        })
    }

    /// The username sent in the Authorization header.
    #[inline]
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The MAC of what `input` feeds, computed on a fresh clone of the keyed state; the
    /// result is in the first 64 (hmac-sha512) or 32 (hmac-sha256) bytes.
    pub(crate) fn mac(&self, algorithm: Algorithm, input: &(impl MacInput + ?Sized)) -> [u8; 64] {
        let mut out = [0u8; 64];
        match algorithm {
            Algorithm::HmacSha512 => keyed_mac(&self.sha512, input, (&mut out).into()),
            Algorithm::HmacSha256 => {
                // 32 of 64 bytes: the split always exists.
                if let Some((head, _)) = out.split_first_chunk_mut::<32>() {
                    keyed_mac(&self.sha256, input, head.into());
                }
            }
        }
        out
    }
}

/// What a MAC is computed over: it feeds its bytes into any `Mac`.
///
/// Generic over the MAC rather than behind an enum of the two states, so the algorithm is chosen
/// once per request and each of the ~20 pieces of a signing string goes straight into the hash's
/// block buffer, with no dispatch per piece.
pub(crate) trait MacInput {
    /// Feeds every byte, in order.
    fn feed<M: Mac>(&self, mac: &mut M);
}

impl MacInput for [u8] {
    fn feed<M: Mac>(&self, mac: &mut M) {
        mac.update(self);
    }
}

fn keyed_mac<M: Mac + FixedOutput + Clone>(
    keyed: &M,
    input: &(impl MacInput + ?Sized),
    out: &mut Output<M>,
) {
    mac_into(keyed.clone(), input, out);
}

/// Feeds `input` to `mac`, a keyed state of its own, and finalizes it into `out`.
fn mac_into<M: Mac + FixedOutput>(
    mut mac: M,
    input: &(impl MacInput + ?Sized),
    out: &mut Output<M>,
) {
    input.feed(&mut mac);
    // Straight into the caller's array. `Mac::finalize` returns a `CtOutput` that zeroizes
    // itself byte by byte on drop; with it inlined the compiler split the tag into 64 single
    // bytes and copied them one at a time (~30 ns a call, and the wide loads reading the tag
    // next stalled on the byte stores). The tag is no more secret here than in that copy.
    mac.finalize_into(out);
}

/// The MAC a verifier computes for a username no store knows: HMAC of `input` under a fixed
/// stand-in secret (`STAND_IN_SECRET`), with the algorithm of the request.
///
/// A miss must cost what a hit with a wrong signature costs, or the time of the answer tells
/// which usernames exist. A hit clones a state keyed once (when its [`SigningKey`] was made) and
/// feeds it the signing string; keying a stand-in per request would add four compression
/// rounds (HMAC hashes the padded key twice, for each of the two algorithms), about a third of
/// the MAC's time. So the stand-in's keyed states are constants: the SHA-512 and SHA-256 chaining
/// values after the one block of `key ^ ipad` and `key ^ opad`, loaded like a clone and fed the
/// same signing string. A test derives them from `STAND_IN_SECRET` with `sha2`, and checks the
/// MAC equals `hmac`'s.
///
/// The result is never a match: the verifier discards it (see `Verifier::verify_head`).
pub(crate) fn stand_in_mac(algorithm: Algorithm, input: &(impl MacInput + ?Sized)) -> [u8; 64] {
    let mut out = [0u8; 64];
    match algorithm {
        Algorithm::HmacSha512 => {
            let [inner, outer] = &STAND_IN_SHA512_STATES;
            mac_into(
                StandIn::<Sha512>::load(inner, outer),
                input,
                (&mut out).into(),
            );
        }
        Algorithm::HmacSha256 => {
            let [inner, outer] = &STAND_IN_SHA256_STATES;
            let state = StandIn::<Sha256>::load(inner, outer);
            if let Some((head, _)) = out.split_first_chunk_mut::<32>() {
                mac_into(state, input, head.into());
            }
        }
    }
    out
}

/// The secret behind the stand-in MAC of an unknown username. It is not a credential: no
/// username has it, and a MAC under it is never accepted.
const STAND_IN_SECRET: &[u8] = b"ingo-signer: stand-in key for usernames no store knows";

/// SHA-512 chaining values of the stand-in's HMAC: after `key ^ ipad`, after `key ^ opad`.
const STAND_IN_SHA512: [[u64; 8]; 2] = [
    [
        0x7b88365620dfd5ba,
        0x1cd7b2713e32e3cc,
        0xb10ae33e0d9880b1,
        0x0c71f48780085c31,
        0xaa211c046f128f82,
        0x876ca713832e7d56,
        0xdbb14289d82fb499,
        0xc9e21cdc7ad76535,
    ],
    [
        0xea5e26a44da666d0,
        0xf37233996b73847a,
        0xc546ddcf51c23c4f,
        0x9b3b401e99f94f1a,
        0xbc785b8868dc9793,
        0xfc0ebe2a0204a861,
        0x6805c859f945ae88,
        0x8bb0bc17a7a0bb4d,
    ],
];

/// SHA-256 chaining values of the stand-in's HMAC: after `key ^ ipad`, after `key ^ opad`.
const STAND_IN_SHA256: [[u32; 8]; 2] = [
    [
        0xa7e15c53, 0xf756f62e, 0xc02d9863, 0x9e59ef32, 0x2da2a02b, 0x1ad2f538, 0x9da1fb6e,
        0x137df97a,
    ],
    [
        0x45b1219a, 0x0da20cb8, 0x739b7331, 0x85e25ce2, 0x40c8b9bb, 0xfd954aaf, 0x8f878ed6,
        0x0d8e8b30,
    ],
];

/// An HMAC whose two keyed hash states are given rather than derived from a key: what
/// [`stand_in_mac`] computes with. Implements `Mac` (through `Update`, `FixedOutput` and
/// `MacMarker`), so the signing string reaches it exactly as it reaches a real key's state.
#[derive(Clone)]
struct StandIn<D> {
    inner: D,
    outer: D,
}

impl<D: CoreProxy> StandIn<D>
where
    D::Core: SerializableState + Default,
{
    /// The two hashes, each after one block, from their block-level states serialized at
    /// compile time (the chaining values and a block count of 1), each joined to an empty
    /// buffer. Were the sha2 crate to refuse the serialized form, the hashes start from their
    /// initial values instead: the MAC still costs one MAC, and is never accepted anyway.
    fn load(inner: &[u8], outer: &[u8]) -> Self {
        let load = |bytes: &[u8]| {
            let core = SerializedState::<D::Core>::try_from(bytes)
                .ok()
                .and_then(|state| D::Core::deserialize(&state).ok())
                .unwrap_or_default();
            D::compose(core, Default::default())
        };
        StandIn {
            inner: load(inner),
            outer: load(outer),
        }
    }
}

/// The serialized block-level state of SHA-512 after one block, as `sha2` serializes
/// `Sha512VarCore`: the eight chaining values, then the block count (a `u128`, here 1), all
/// little-endian.
#[allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "evaluated at compile time only, for the constants below: an index out of bounds is a compile error, not a panic"
)]
const fn sha512_state(words: &[u64; 8]) -> [u8; 80] {
    let mut out = [0u8; 80];
    let mut i = 0;
    while i < 8 {
        let bytes = words[i].to_le_bytes();
        let mut j = 0;
        while j < 8 {
            out[i * 8 + j] = bytes[j];
            j += 1;
        }
        i += 1;
    }
    out[64] = 1;
    out
}

/// As [`sha512_state`], for SHA-256: eight `u32` chaining values, then the block count (a
/// `u64`).
#[allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "evaluated at compile time only, for the constants below: an index out of bounds is a compile error, not a panic"
)]
const fn sha256_state(words: &[u32; 8]) -> [u8; 40] {
    let mut out = [0u8; 40];
    let mut i = 0;
    while i < 8 {
        let bytes = words[i].to_le_bytes();
        let mut j = 0;
        while j < 4 {
            out[i * 4 + j] = bytes[j];
            j += 1;
        }
        i += 1;
    }
    out[32] = 1;
    out
}

/// The stand-in's SHA-512 states, serialized: after `key ^ ipad`, after `key ^ opad`.
const STAND_IN_SHA512_STATES: [[u8; 80]; 2] = [
    sha512_state(&STAND_IN_SHA512[0]),
    sha512_state(&STAND_IN_SHA512[1]),
];

/// The stand-in's SHA-256 states, serialized.
const STAND_IN_SHA256_STATES: [[u8; 40]; 2] = [
    sha256_state(&STAND_IN_SHA256[0]),
    sha256_state(&STAND_IN_SHA256[1]),
];

impl<D: OutputSizeUser> OutputSizeUser for StandIn<D> {
    type OutputSize = D::OutputSize;
}

impl<D: Update> Update for StandIn<D> {
    fn update(&mut self, data: &[u8]) {
        self.inner.update(data);
    }
}

impl<D: Update + FixedOutput> FixedOutput for StandIn<D> {
    fn finalize_into(self, out: &mut Output<Self>) {
        let StandIn { inner, mut outer } = self;
        outer.update(&inner.finalize_fixed());
        outer.finalize_into(out);
    }
}

impl<D> MacMarker for StandIn<D> {}

/// Where a verifier finds the keys of a username.
///
/// A username may have several keys at once, so a secret can be rotated without downtime: issue
/// the new key, let clients move over, then remove the old one. The verifier tries every key the
/// store yields.
pub trait KeyStore {
    /// The keys of `username`; none when the username is unknown.
    fn keys_for<'a>(&'a self, username: &'a str) -> impl Iterator<Item = &'a SigningKey> + 'a;

    /// The store's [`SigningKey::stand_in`], if it keeps one: what a verifier computes its one
    /// MAC with when a username has no key here, so that the refusal costs what a known
    /// username's wrong signature does. With one, that MAC is the same clone of keyed states a
    /// known key's is; without (the default), the verifier loads the same states from
    /// constants, which takes a few percent longer. Keep one in a long-lived store (built
    /// once: keying costs four compression rounds).
    fn stand_in(&self) -> Option<&SigningKey> {
        None
    }
}

impl KeyStore for [SigningKey] {
    #[inline]
    fn keys_for<'a>(&'a self, username: &'a str) -> impl Iterator<Item = &'a SigningKey> + 'a {
        self.iter().filter(move |k| k.username() == username)
    }
}

impl<const N: usize> KeyStore for [SigningKey; N] {
    fn keys_for<'a>(&'a self, username: &'a str) -> impl Iterator<Item = &'a SigningKey> + 'a {
        self.as_slice().keys_for(username)
    }
}

impl KeyStore for SigningKey {
    fn keys_for<'a>(&'a self, username: &'a str) -> impl Iterator<Item = &'a SigningKey> + 'a {
        core::iter::once(self).filter(move |k| k.username() == username)
    }
}

#[cfg(test)]
mod tests {
    use core::fmt::Write as _;

    use super::*;

    /// RFC 4231 §4.2 (test case 1) and §4.7 (test case 6, a 131-byte key that HMAC hashes first).
    #[test]
    fn rfc4231_through_the_key_path() {
        let cases: [(&[u8], &[u8], &str, &str); 2] = [
            (
                &[0x0b; 20],
                b"Hi There",
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
                "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
            ),
            (
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First",
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
                "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598",
            ),
        ];
        for (secret, data, sha256, sha512) in cases {
            let key = SigningKey::new("rfc", secret).unwrap();
            for (alg, expected) in [
                (Algorithm::HmacSha256, sha256),
                (Algorithm::HmacSha512, sha512),
            ] {
                let out = key.mac(alg, data);
                let mut hex = heapless::String::<128>::new();
                for b in &out[..alg.mac_len()] {
                    write!(hex, "{b:02x}").unwrap();
                }
                assert_eq!(hex.as_str(), expected);
            }
        }
    }

    #[test]
    fn rejects_unusable_usernames_and_empty_secrets() {
        assert_eq!(
            SigningKey::new("a", b"").unwrap_err(),
            KeyError::EmptySecret
        );
        for bad in ["", "a\"b", "a\\b", "caf\u{e9}", "a\nb"] {
            assert_eq!(
                SigningKey::new(bad, b"s").unwrap_err().kind(),
                "key.username",
                "{bad:?}"
            );
        }
        let long = [b'u'; 257];
        let long = core::str::from_utf8(&long).unwrap();
        assert!(SigningKey::new(long, b"s").is_err());
        assert!(SigningKey::new(&long[..256], b"s").is_ok());
    }

    /// The chaining values of HMAC's two keyed hashes for `secret` (shorter than a block).
    fn keyed_chaining_values<D: Default + Update + SerializableState, W>(
        secret: &[u8],
        block: usize,
        word: fn(&[u8]) -> W,
        width: usize,
    ) -> [[W; 8]; 2] {
        assert!(secret.len() < block);
        [0x36u8, 0x5c].map(|pad| {
            let mut padded = [0u8; 128];
            padded[..secret.len()].copy_from_slice(secret);
            let mut hash = D::default();
            hash.update(
                &padded[..block]
                    .iter()
                    .map(|b| b ^ pad)
                    .collect::<heapless::Vec<u8, 128>>(),
            );
            let state = hash.serialize();
            core::array::from_fn(|i| word(&state[i * width..(i + 1) * width]))
        })
    }

    #[test]
    fn stand_in_states_are_hmac_keyed_with_the_stand_in_secret() {
        let sha512 = keyed_chaining_values::<Sha512, u64>(
            STAND_IN_SECRET,
            128,
            |b| u64::from_le_bytes(b.try_into().unwrap()),
            8,
        );
        let sha256 = keyed_chaining_values::<Sha256, u32>(
            STAND_IN_SECRET,
            64,
            |b| u32::from_le_bytes(b.try_into().unwrap()),
            4,
        );
        assert_eq!(
            (sha512, sha256),
            (STAND_IN_SHA512, STAND_IN_SHA256),
            "the stand-in constants must be {sha512:#018x?} and {sha256:#010x?}"
        );
        // And the stand-in MAC is HMAC under that secret, for both algorithms and for inputs
        // of several blocks.
        let key = SigningKey::new("stand-in", STAND_IN_SECRET).unwrap();
        for len in [0usize, 1, 111, 112, 127, 128, 129, 300] {
            let data = [0xa5u8; 300];
            for alg in [Algorithm::HmacSha512, Algorithm::HmacSha256] {
                assert_eq!(
                    stand_in_mac(alg, &data[..len]),
                    key.mac(alg, &data[..len]),
                    "{alg} {len}"
                );
            }
        }
    }

    #[test]
    fn a_stores_stand_in_is_the_same_hmac() {
        let key = SigningKey::stand_in();
        assert_eq!(key.username(), "stand-in");
        let data = [0x5au8; 200];
        for alg in [Algorithm::HmacSha512, Algorithm::HmacSha256] {
            assert_eq!(key.mac(alg, &data[..]), stand_in_mac(alg, &data[..]));
        }
        assert!(([] as [SigningKey; 0]).stand_in().is_none());
    }

    #[test]
    fn expiry_is_inclusive_and_shown() {
        let key = SigningKey::new("a", b"s").unwrap();
        assert_eq!(key.expiry(), None);
        assert!(key.is_valid_at(u64::MAX));
        let old = key.not_after(100);
        assert!(old.is_valid_at(0) && old.is_valid_at(100) && !old.is_valid_at(101));
        let mut debug = heapless::String::<128>::new();
        write!(debug, "{old:?}").unwrap();
        assert_eq!(
            debug.as_str(),
            r#"SigningKey { username: "a", not_after: 100, secret: "<redacted>" }"#
        );
    }

    #[test]
    fn store_yields_every_key_of_a_username() {
        let keys = [
            SigningKey::new("a", b"old").unwrap(),
            SigningKey::new("b", b"x").unwrap(),
            SigningKey::new("a", b"new").unwrap(),
        ];
        assert_eq!(keys.keys_for("a").count(), 2);
        assert_eq!(keys.keys_for("c").count(), 0);
        assert_eq!(keys[1].keys_for("b").count(), 1);
    }
}
