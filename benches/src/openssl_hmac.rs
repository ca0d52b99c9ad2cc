//! HMAC-SHA512 over OpenSSL's SHA-512, pre-keyed like the core's (RFC 2104: the inner and outer
//! states after `K ^ ipad` and `K ^ opad` are kept and cloned per message). Measured against the
//! core's `hmac`/`sha2` MAC to decide whether the fast backend should carry the MAC too.

use openssl::sha::Sha512;
use sha2::Digest as _;

/// The pre-keyed inner and outer states.
#[derive(Clone)]
pub struct OpensslHmacSha512 {
    inner: Sha512,
    outer: Sha512,
}

impl OpensslHmacSha512 {
    /// Keys the two states (a key longer than the 128-byte block is hashed first).
    pub fn new(secret: &[u8]) -> Self {
        let mut block = [0u8; 128];
        if secret.len() > block.len() {
            block[..64].copy_from_slice(&sha2::Sha512::digest(secret));
        } else {
            block[..secret.len()].copy_from_slice(secret);
        }
        let mut inner = Sha512::new();
        inner.update(&block.map(|b| b ^ 0x36));
        let mut outer = Sha512::new();
        outer.update(&block.map(|b| b ^ 0x5c));
        OpensslHmacSha512 { inner, outer }
    }

    /// A fresh computation: a clone of the inner state.
    pub fn start(&self) -> Sha512 {
        self.inner.clone()
    }

    /// Finishes a computation started with [`start`](Self::start).
    pub fn finish(&self, inner: Sha512) -> [u8; 64] {
        let mut outer = self.outer.clone();
        outer.update(&inner.finish());
        outer.finish()
    }
}
