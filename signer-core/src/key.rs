//! Keys: an integration's username with its HMAC state keyed once, and the key store a verifier
//! asks for a username's keys.
//!
//! The secret is the raw bytes of the string the integration manager issued (SPEC §1): it is not
//! hex- or base64-decoded. Keying HMAC hashes the padded key into the inner and outer states
//! (ipad/opad); a [`SigningKey`] does that once, when it is made, and each request works on a
//! clone of that state, so the secret itself is never kept. The keyed states are zeroized on drop
//! (`hmac`/`sha2` with their `zeroize` feature) and no `Debug` output shows them.

use core::fmt;

use hmac::digest::{FixedOutput, Output};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Sha256, Sha512};

use crate::algorithm::Algorithm;
use crate::authorization::{AuthorizationError, check_username};

// The keyed states must be wiped when dropped. `Hmac<D>` holds two block-level cores of `D`
// (the states after absorbing key^ipad and key^opad) and a block buffer; `hmac` does not put the
// `ZeroizeOnDrop` marker on the wrapper, so this asserts it on the parts: it fails to compile if
// a dependency update (or a lost `zeroize` feature) silently stops wiping them.
const _: () = {
    use hmac::digest::block_api::CoreProxy;
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
/// keyed once.
#[derive(Clone)]
pub struct SigningKey {
    username: heapless::String<256>,
    sha512: Hmac<Sha512>,
    sha256: Hmac<Sha256>,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("username", &self.username.as_str())
            .field("secret", &"<redacted>")
            .finish()
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
        })
    }

    /// The username sent in the Authorization header.
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
    let mut mac = keyed.clone();
    input.feed(&mut mac);
    // Straight into the caller's array. `Mac::finalize` returns a `CtOutput` that zeroizes
    // itself byte by byte on drop; with it inlined the compiler split the tag into 64 single
    // bytes and copied them one at a time (~30 ns a call, and the wide loads reading the tag
    // next stalled on the byte stores). The tag is no more secret here than in that copy.
    mac.finalize_into(out);
}

/// Where a verifier finds the keys of a username.
///
/// A username may have several keys at once, so a secret can be rotated without downtime: issue
/// the new key, let clients move over, then remove the old one. The verifier tries every key the
/// store yields.
pub trait KeyStore {
    /// The keys of `username`; none when the username is unknown.
    fn keys_for<'a>(&'a self, username: &'a str) -> impl Iterator<Item = &'a SigningKey> + 'a;
}

impl KeyStore for [SigningKey] {
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
