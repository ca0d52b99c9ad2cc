//! Key handles that are checked, never trusted: an `IngoKey *` is a number naming a slot of a
//! table, with a magic tag and the slot's generation in it, and is never dereferenced.
//!
//! A raw `Box` pointer cannot be checked: after `ingo_key_free`, the next `ingo_key_new` may get
//! the same address, and a stale handle then silently signs and verifies with someone else's
//! key (the security review of issue 13 showed it). Here a handle is
//!
//! ```text
//!   | magic (16 bits) | generation (24 bits) | slot + 1 (24 bits) |     on 64-bit targets
//!   | magic (8 bits)  | generation (12 bits) | slot + 1 (12 bits) |     on 32-bit targets
//! ```
//!
//! and a call resolves it under the table's lock: the magic must match (a pointer from elsewhere
//! is refused), the slot must exist and hold a key, and the generation must be the slot's
//! (freeing a key bumps it, so every handle to the freed key is refused from then on, even once
//! the slot holds a new key). A refused handle is `INGO_E_INVALID_HANDLE`
//! (`ffi.invalid_handle`), never another key and never undefined behaviour: nothing is read
//! through it. A slot whose generation would wrap is retired, never reused, so an old handle
//! cannot come back to life.
//!
//! Each key still lives in its own `Box` (zeroized on free), so growing the table moves no keyed
//! state around. Signing and verifying take the lock for reading, so they run in parallel;
//! `ingo_key_new` and `ingo_key_free` take it for writing. Neither ever holds it across a call
//! into the caller.
//!
//! When the library is unloaded (`dlclose`, which LuaJIT's `ffi.load` does when its Lua state
//! closes, or process exit), a finaliser empties the table: every key still held is zeroized and
//! freed, and the table's own memory goes back, instead of staying allocated with nothing that
//! can reach it (which memcheck rightly calls a leak once the library's statics are unmapped).

use std::sync::{PoisonError, RwLock, RwLockReadGuard};

use ingo_signer_core::SigningKey;
use ingo_signer_core::key::KeyStore;

use crate::IngoKey;
use crate::codes::INGO_E_INVALID_HANDLE;
use crate::error::{Detail, Failure};

/// Bits of a handle that name the slot (plus one, so that no handle is NULL).
const SLOT_BITS: u32 = usize::BITS * 3 / 8;
/// Bits of a handle that carry the slot's generation.
const GENERATION_BITS: u32 = usize::BITS * 3 / 8;
/// Bits of a handle that carry the magic tag.
const MAGIC_BITS: u32 = usize::BITS - SLOT_BITS - GENERATION_BITS;
/// The tag every handle carries in its top bits (its low `MAGIC_BITS` bits).
const MAGIC: usize = 0x1a6c & mask(MAGIC_BITS);
/// The most slots the table has: slot + 1 must fit its field.
const MAX_SLOTS: usize = mask(SLOT_BITS);
/// The last generation a slot may have; past it the slot is retired.
const MAX_GENERATION: usize = mask(GENERATION_BITS);

const fn mask(bits: u32) -> usize {
    match 1usize.checked_shl(bits) {
        Some(bit) => bit.wrapping_sub(1),
        None => usize::MAX,
    }
}

/// One slot of the table: the key it holds, if any, and how many keys it has held before.
struct Slot {
    generation: usize,
    key: Option<Box<SigningKey>>,
}

/// The table of live keys.
pub(crate) struct Table {
    slots: Vec<Slot>,
    /// Slots without a key that may take one (not retired), most recently freed last.
    free: Vec<usize>,
    /// The core's stand-in key, keyed with the first key made: what the verifier computes its
    /// one MAC with for a username the caller's keys do not have (`KeyStore::stand_in`).
    stand_in: Option<Box<SigningKey>>,
}

static TABLE: RwLock<Table> = RwLock::new(Table {
    slots: Vec::new(),
    free: Vec::new(),
    stand_in: None,
});

/// Empties the table: drops (zeroizes) every key and the stand-in, and frees the table's
/// memory. Run only as the library is unloaded; if another thread holds the lock then, the
/// table is left as it is (the process is ending or the caller broke the unload contract).
/// ELF targets only: elsewhere the table is left to the operating system.
#[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
extern "C" fn empty_table_on_unload() {
    if let Ok(mut table) = TABLE.try_write() {
        let emptied = std::mem::replace(
            &mut *table,
            Table {
                slots: Vec::new(),
                free: Vec::new(),
                stand_in: None,
            },
        );
        drop(table);
        drop(emptied);
    }
}

// SAFETY: `.fini_array` holds function pointers the dynamic loader calls, with no arguments,
// when the object is unloaded or the process exits; this entry is one such `extern "C" fn()`.
#[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
#[unsafe(link_section = ".fini_array")]
#[used]
static EMPTY_TABLE_ON_UNLOAD: extern "C" fn() = empty_table_on_unload;

/// The handle of `slot` at `generation`.
fn encode(slot: usize, generation: usize) -> *mut IngoKey {
    let value = (MAGIC << (SLOT_BITS + GENERATION_BITS))
        | ((generation & MAX_GENERATION) << SLOT_BITS)
        | (slot.wrapping_add(1) & MAX_SLOTS);
    std::ptr::without_provenance_mut(value)
}

/// The slot and generation a handle names, if it carries the magic tag.
fn decode(handle: *const IngoKey) -> Option<(usize, usize)> {
    let value = handle.addr();
    if value >> (SLOT_BITS + GENERATION_BITS) != MAGIC {
        return None;
    }
    let slot = (value & MAX_SLOTS).checked_sub(1)?;
    Some((slot, (value >> SLOT_BITS) & MAX_GENERATION))
}

fn invalid_handle(what: &'static str) -> Failure {
    Failure {
        code: INGO_E_INVALID_HANDLE,
        detail: Detail::InvalidHandle(what),
    }
}

impl Table {
    /// The key `handle` names, if it is live.
    fn get(&self, handle: *const IngoKey) -> Option<&SigningKey> {
        let (slot, generation) = decode(handle)?;
        let slot = self.slots.get(slot)?;
        if slot.generation != generation {
            return None;
        }
        slot.key.as_deref()
    }

    /// Resolves one handle: NULL, stale and foreign handles are refused.
    pub(crate) fn key(
        &self,
        handle: *const IngoKey,
        what: &'static str,
    ) -> Result<&SigningKey, Failure> {
        if handle.is_null() {
            return Err(Failure::null(what));
        }
        self.get(handle).ok_or(invalid_handle(what))
    }

    /// The handles of `handles` as a key store, once every one of them is checked.
    pub(crate) fn store<'a>(&'a self, handles: &'a [*mut IngoKey]) -> Result<Keys<'a>, Failure> {
        for &handle in handles {
            self.key(handle, "an element of keys")?;
        }
        Ok(Keys {
            table: self,
            handles,
        })
    }
}

/// Reads the table: what signing and verifying hold while they use keys.
pub(crate) fn read() -> RwLockReadGuard<'static, Table> {
    // A panic while the table was held for writing cannot leave it half-changed (each change
    // is one push or one field write), so a poisoned lock is still sound to read.
    TABLE.read().unwrap_or_else(PoisonError::into_inner)
}

/// Stores `key` and returns its handle.
pub(crate) fn insert(key: SigningKey) -> Result<*mut IngoKey, Failure> {
    let key = Box::new(key);
    let mut table = TABLE.write().unwrap_or_else(PoisonError::into_inner);
    if table.stand_in.is_none() {
        table.stand_in = Some(Box::new(SigningKey::stand_in()));
    }
    let slot = match table.free.pop() {
        Some(slot) => slot,
        None if table.slots.len() < MAX_SLOTS => {
            table.slots.push(Slot {
                generation: 0,
                key: None,
            });
            table.slots.len().wrapping_sub(1)
        }
        None => {
            return Err(Failure::invalid_argument(
                "too many live key handles; free some with ingo_key_free",
            ));
        }
    };
    let entry = table
        .slots
        .get_mut(slot)
        .ok_or(Failure::invalid_argument("the key table lost a slot"))?;
    entry.key = Some(key);
    Ok(encode(slot, entry.generation))
}

/// Frees the key `handle` names and retires every handle to it. Returns whether it was live.
pub(crate) fn remove(handle: *const IngoKey) -> bool {
    let Some((slot, generation)) = decode(handle) else {
        return false;
    };
    let mut table = TABLE.write().unwrap_or_else(PoisonError::into_inner);
    let Some(entry) = table.slots.get_mut(slot) else {
        return false;
    };
    if entry.generation != generation || entry.key.is_none() {
        return false;
    }
    // Dropping the box zeroizes the keyed HMAC states.
    let key = entry.key.take();
    let retired = entry.generation >= MAX_GENERATION;
    entry.generation = entry.generation.wrapping_add(1);
    if !retired {
        table.free.push(slot);
    }
    drop(table);
    drop(key);
    true
}

/// The caller's key handles, checked, as the core's key store.
pub(crate) struct Keys<'a> {
    table: &'a Table,
    handles: &'a [*mut IngoKey],
}

impl KeyStore for Keys<'_> {
    fn keys_for<'a>(&'a self, username: &'a str) -> impl Iterator<Item = &'a SigningKey> + 'a {
        self.handles
            .iter()
            .filter_map(|&handle| self.table.get(handle))
            .filter(move |key| key.username() == username)
    }

    fn stand_in(&self) -> Option<&SigningKey> {
        self.table.stand_in.as_deref()
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! What the tests see of the table.

    /// The magic tag, the slot field's width and the generation field's width.
    pub(crate) const LAYOUT: (usize, u32, u32) =
        (super::MAGIC, super::SLOT_BITS, super::GENERATION_BITS);

    /// Sets the generation of the slot `handle` names, to reach the wrap without 16 million
    /// frees. Returns the handle the slot's key has then.
    pub(crate) fn age(handle: *mut super::IngoKey, generation: usize) -> *mut super::IngoKey {
        let (slot, _) = super::decode(handle).expect("a handle");
        let mut table = super::TABLE.write().expect("lock");
        table.slots[slot].generation = generation;
        super::encode(slot, generation)
    }
}
