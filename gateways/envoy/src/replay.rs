//! Replay protection in Envoy's shared data: every accepted request's replay key is remembered
//! until its `X-Date` can no longer pass the skew check, and a second request with the same key
//! is refused ([`VerifyError::Replayed`]).
//!
//! Envoy's shared data is a map of byte strings, per VM id, shared by every worker's VM, with a
//! compare-and-swap number per entry and no expiry. The guard keeps it bounded: a replay key
//! falls in one of `buckets` entries of the map, and a bucket holds at most
//! `entries_per_bucket` live keys, each with its expiry (40 bytes: 8 for the expiry, 32 for the
//! key). Checking a key is one read and one compare-and-swap write of its bucket, which drops the
//! expired keys and adds the new one; if another worker wrote the bucket in between, the write
//! fails and the check starts again from a fresh read. So two copies of one request sent at the
//! same moment to two workers cannot both pass.
//!
//! A bucket that is full of keys still alive refuses the request with
//! [`VerifyError::ReplayCheckUnavailable`] (503): forgetting a live key would let its copy
//! through, so the guard fails closed. Size the store for the traffic: a bucket fills only when
//! about `buckets × entries_per_bucket` requests arrive within one window of `2 × max_skew`
//! seconds. A bucket that does not exist yet is created with a write that succeeds only if no
//! other worker created it first (shared data accepts a set on an absent key whatever its
//! compare-and-swap number, and refuses it on a present key whose number differs).
//!
//! The store lives in one Envoy process: copies sent to two Envoy instances are both accepted.
//! Behind several instances, use a shared guard (the tower layer's Redis guard) instead.

use ingo_signer_core::VerifyError;
use ingo_signer_core::replay::{REPLAY_KEY_LEN, ReplayKey};

/// The shared-data operations the guard needs.
pub trait SharedData {
    /// The value and compare-and-swap number of `key`: `(None, None)` when absent.
    ///
    /// # Errors
    /// The store could not be read.
    fn get_shared(&self, key: &str) -> Result<(Option<Vec<u8>>, Option<u32>), StoreError>;

    /// Sets `key` to `value` if its compare-and-swap number is still `cas` (or, for an absent
    /// key, unconditionally).
    ///
    /// # Errors
    /// [`StoreError::CasMismatch`] when another write came first.
    fn set_shared(&self, key: &str, value: &[u8], cas: u32) -> Result<(), StoreError>;
}

/// Why a shared-data call failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreError {
    /// The entry changed since it was read.
    CasMismatch,
    /// Any other failure.
    Unavailable,
}

/// How big the store may grow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplayLimits {
    /// How many shared-data entries the keys are spread over.
    pub buckets: u32,
    /// How many live keys one bucket holds.
    pub entries_per_bucket: usize,
}

impl Default for ReplayLimits {
    /// 8192 buckets of 64 keys: room for half a million requests per skew window, at most
    /// 20 MiB of shared data.
    fn default() -> Self {
        ReplayLimits {
            buckets: 8192,
            entries_per_bucket: 64,
        }
    }
}

/// One entry: the expiry (unix seconds, big-endian) then the key.
const ENTRY_LEN: usize = 8 + REPLAY_KEY_LEN;

/// The compare-and-swap number used to create a bucket: any number the bucket cannot have yet
/// makes the write fail if another worker created it first (numbers start at 1 and only grow).
const CREATE_ONLY: u32 = u32::MAX;

/// How many times a check re-reads a bucket that other workers keep writing.
const ATTEMPTS: usize = 32;

/// The shared-data key of the bucket `key` falls in.
pub fn bucket_name(key: &ReplayKey, limits: ReplayLimits) -> String {
    let [a, b, c, d, ..] = *key.as_bytes();
    let bucket = u32::from_be_bytes([a, b, c, d]) % limits.buckets.max(1);
    format!("ingo_signer.replay.{bucket:08x}")
}

/// Records `key` as seen until `expires_at` (unix seconds, on the clock `now` is read from).
///
/// # Errors
/// [`VerifyError::Replayed`] when the key is already recorded and alive;
/// [`VerifyError::ReplayCheckUnavailable`] when the bucket is full of live keys, or the store
/// does not answer, or other workers keep winning the bucket.
pub fn check_and_insert(
    store: &(impl SharedData + ?Sized),
    limits: ReplayLimits,
    key: &ReplayKey,
    expires_at: u64,
    now: u64,
) -> Result<(), VerifyError> {
    let name = bucket_name(key, limits);
    for _ in 0..ATTEMPTS {
        let (value, cas) = store
            .get_shared(&name)
            .map_err(|_| VerifyError::ReplayCheckUnavailable)?;
        let cas = match (&value, cas) {
            (None, _) => CREATE_ONLY,
            (Some(_), Some(cas)) => cas,
            // A present entry always has a number; without one the write could not be safe.
            (Some(_), None) => return Err(VerifyError::ReplayCheckUnavailable),
        };
        let mut live = Vec::with_capacity(value.as_ref().map_or(0, Vec::len) + ENTRY_LEN);
        for entry in value.as_deref().unwrap_or_default().chunks_exact(ENTRY_LEN) {
            let (expiry, stored) = entry.split_at(8);
            let expiry = u64::from_be_bytes(expiry.try_into().unwrap_or([0; 8]));
            if expiry <= now {
                continue;
            }
            if stored == key.as_bytes() {
                return Err(VerifyError::Replayed);
            }
            live.extend_from_slice(entry);
        }
        if live.len() / ENTRY_LEN >= limits.entries_per_bucket {
            return Err(VerifyError::ReplayCheckUnavailable);
        }
        live.extend_from_slice(&expires_at.to_be_bytes());
        live.extend_from_slice(key.as_bytes());
        match store.set_shared(&name, &live, cas) {
            Ok(()) => return Ok(()),
            Err(StoreError::CasMismatch) => continue,
            Err(StoreError::Unavailable) => return Err(VerifyError::ReplayCheckUnavailable),
        }
    }
    Err(VerifyError::ReplayCheckUnavailable)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

    use std::cell::{Cell, RefCell};
    use std::collections::HashMap;

    use ingo_signer_core::Algorithm;

    use super::*;

    /// Envoy's shared data as proxy-wasm-cpp-host implements it: numbers from 1, a set on an
    /// absent key always succeeds, a set on a present key needs 0 or the current number.
    #[derive(Default)]
    struct Store {
        map: RefCell<HashMap<String, (Vec<u8>, u32)>>,
        next: Cell<u32>,
        /// Another worker's write, made between this check's read and write (once).
        interleave: RefCell<Option<(String, Vec<u8>)>>,
    }

    impl SharedData for Store {
        fn get_shared(&self, key: &str) -> Result<(Option<Vec<u8>>, Option<u32>), StoreError> {
            Ok(match self.map.borrow().get(key) {
                Some((v, cas)) => (Some(v.clone()), Some(*cas)),
                None => (None, None),
            })
        }
        fn set_shared(&self, key: &str, value: &[u8], cas: u32) -> Result<(), StoreError> {
            let other = self.interleave.borrow_mut().take();
            if let Some((k, v)) = other {
                self.set_shared(&k, &v, 0)?;
            }
            let mut map = self.map.borrow_mut();
            self.next.set(self.next.get() + 1);
            match map.get_mut(key) {
                Some(entry) if cas != 0 && cas != entry.1 => Err(StoreError::CasMismatch),
                Some(entry) => {
                    *entry = (value.to_vec(), self.next.get());
                    Ok(())
                }
                None => {
                    map.insert(key.to_owned(), (value.to_vec(), self.next.get()));
                    Ok(())
                }
            }
        }
    }

    fn key(n: u8) -> ReplayKey {
        ReplayKey::derive("demo", Algorithm::HmacSha512, &[n; 64])
    }

    const ONE: ReplayLimits = ReplayLimits {
        buckets: 1,
        entries_per_bucket: 3,
    };

    #[test]
    fn a_key_passes_once_until_it_expires() {
        let store = Store::default();
        assert_eq!(check_and_insert(&store, ONE, &key(1), 100, 10), Ok(()));
        assert_eq!(
            check_and_insert(&store, ONE, &key(1), 100, 99),
            Err(VerifyError::Replayed)
        );
        assert_eq!(check_and_insert(&store, ONE, &key(2), 100, 99), Ok(()));
        // At its expiry the entry goes; the date check refuses every copy from then on.
        assert_eq!(check_and_insert(&store, ONE, &key(1), 200, 100), Ok(()));
    }

    #[test]
    fn a_full_bucket_fails_closed_and_frees_up_as_keys_expire() {
        let store = Store::default();
        for n in 1..=3 {
            check_and_insert(&store, ONE, &key(n), 100 + u64::from(n), 10).unwrap();
        }
        assert_eq!(
            check_and_insert(&store, ONE, &key(9), 200, 10),
            Err(VerifyError::ReplayCheckUnavailable)
        );
        assert_eq!(check_and_insert(&store, ONE, &key(9), 200, 101), Ok(()));
        assert_eq!(
            store.map.borrow().values().next().unwrap().0.len(),
            3 * ENTRY_LEN
        );
    }

    #[test]
    fn a_concurrent_write_is_not_lost() {
        // Another worker records key 2 between this check's read and write: the write fails on
        // the number, the check reads again and keeps both.
        let store = Store::default();
        check_and_insert(&store, ONE, &key(7), 100, 10).unwrap();
        let name = bucket_name(&key(2), ONE);
        let mut other = store.map.borrow()[&name].0.clone();
        other.extend_from_slice(&100u64.to_be_bytes());
        other.extend_from_slice(key(2).as_bytes());
        *store.interleave.borrow_mut() = Some((name, other));
        assert_eq!(check_and_insert(&store, ONE, &key(3), 100, 10), Ok(()));
        assert_eq!(
            check_and_insert(&store, ONE, &key(2), 100, 10),
            Err(VerifyError::Replayed)
        );
        assert_eq!(
            check_and_insert(&store, ONE, &key(3), 100, 10),
            Err(VerifyError::Replayed)
        );
        assert_eq!(
            check_and_insert(&store, ONE, &key(7), 100, 10),
            Err(VerifyError::Replayed)
        );
    }

    #[test]
    fn creating_a_bucket_does_not_overwrite_one_created_meanwhile() {
        // Both read the bucket as absent; the other worker creates it first.
        let store = Store::default();
        let name = bucket_name(&key(4), ONE);
        let mut other = 100u64.to_be_bytes().to_vec();
        other.extend_from_slice(key(4).as_bytes());
        *store.interleave.borrow_mut() = Some((name, other));
        assert_eq!(check_and_insert(&store, ONE, &key(5), 100, 10), Ok(()));
        assert_eq!(
            check_and_insert(&store, ONE, &key(4), 100, 10),
            Err(VerifyError::Replayed)
        );
    }

    #[test]
    fn keys_spread_over_buckets_and_a_dead_store_fails_closed() {
        let limits = ReplayLimits::default();
        let names: std::collections::HashSet<String> =
            (0..=255).map(|n| bucket_name(&key(n), limits)).collect();
        assert!(names.len() > 200, "{}", names.len());

        struct Dead;
        impl SharedData for Dead {
            fn get_shared(&self, _: &str) -> Result<(Option<Vec<u8>>, Option<u32>), StoreError> {
                Err(StoreError::Unavailable)
            }
            fn set_shared(&self, _: &str, _: &[u8], _: u32) -> Result<(), StoreError> {
                Err(StoreError::Unavailable)
            }
        }
        assert_eq!(
            check_and_insert(&Dead, limits, &key(1), 100, 10),
            Err(VerifyError::ReplayCheckUnavailable)
        );
    }
}
