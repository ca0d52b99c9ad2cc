//! A verification in progress, kept in the caller's storage: `IngoPending` is a plain struct of
//! the right size and alignment, so a gateway verifies without a single allocation.
//!
//! Inside it, at offset 0, a state word says whether a core [`PendingBody`] is in progress
//! there. Only [`Slot::start`] writes one (with the state `LIVE`); [`Slot::take`] and
//! [`Slot::end`] set the state to `ENDED` before anything else, so a finished, discarded or
//! failed verification is refused (`INGO_E_PENDING_STATE`) rather than read again. A
//! `PendingBody` owns no heap memory and no other resource, so overwriting or copying the bytes
//! of an `IngoPending` can leak nothing and free nothing twice.

use core::ptr;

use ingo_signer_core::PendingBody;

use crate::error::Failure;

/// The size of an `IngoPending`, in 64-bit words.
pub const INGO_PENDING_WORDS: usize = 192;

/// Storage for a verification in progress: declare one (on the stack, in a connection struct),
/// pass it to `ingo_verify_head`, then to `ingo_pending_update` and `ingo_pending_finish`. Its
/// contents are private. It may be moved or copied only while not in progress. It is 16-byte
/// aligned (SHA-512 keeps a 128-bit counter); memory from `malloc` is aligned enough.
#[repr(C, align(16))]
pub struct IngoPending {
    opaque: [u64; INGO_PENDING_WORDS],
}

/// What an `IngoPending` holds.
#[repr(C)]
struct Stored {
    state: u64,
    body: PendingBody,
}

/// `state` when a `PendingBody` is in progress ("INGOPEND"). Any other value means none is.
const LIVE: u64 = u64::from_be_bytes(*b"INGOPEND");
const ENDED: u64 = 0;

// The storage fits what it stores; a dependency update that grows it fails the build here
// (raise INGO_PENDING_WORDS and the ABI version then).
const _: () = {
    assert!(size_of::<Stored>() <= size_of::<IngoPending>());
    assert!(align_of::<Stored>() <= align_of::<IngoPending>());
    assert!(core::mem::offset_of!(Stored, state) == 0);
};

/// A checked pointer to a caller's `IngoPending`.
#[derive(Clone, Copy)]
pub(crate) struct Slot {
    at: *mut Stored,
}

impl Slot {
    /// Checks the pointer.
    ///
    /// # Safety
    /// `pending` is NULL, or points to an `IngoPending` writable for the lifetime of the `Slot`
    /// and not accessed otherwise meanwhile, whose state word is initialised (it has been
    /// passed to `ingo_verify_head`, or zeroed) unless the first use is `Slot::end` or
    /// `Slot::start`.
    pub(crate) unsafe fn new(pending: *mut IngoPending) -> Result<Self, Failure> {
        if pending.is_null() {
            return Err(Failure::null("pending"));
        }
        if !pending.is_aligned() {
            return Err(Failure::invalid_argument("pending is misaligned"));
        }
        Ok(Slot {
            at: pending.cast::<Stored>(),
        })
    }

    fn state(self) -> *mut u64 {
        // `addr_of_mut!` equivalent: a field address, no reference made to the storage.
        // SAFETY: `at` is non-NULL and aligned for `Stored` (checked in `new`, and `IngoPending`
        // is at least as large), so the field projection stays inside the caller's storage.
        unsafe { &raw mut (*self.at).state }
    }

    fn body(self) -> *mut PendingBody {
        // SAFETY: as for `state`.
        unsafe { &raw mut (*self.at).body }
    }

    fn is_live(self) -> bool {
        // SAFETY: `new`'s caller guarantees the state word initialised before any use other than
        // `start` or `end`; it is an aligned `u64` inside the storage.
        unsafe { self.state().read() == LIVE }
    }

    /// Marks the storage as holding nothing.
    pub(crate) fn end(self) {
        // SAFETY: an aligned `u64` inside storage `new`'s caller guarantees writable.
        unsafe { self.state().write(ENDED) };
    }

    /// Stores a verification in progress, without reading what was there.
    pub(crate) fn start(self, body: PendingBody) {
        // SAFETY: `Stored` fits the storage in size and alignment (asserted at compile time),
        // which `new`'s caller guarantees writable. Nothing there is dropped: a `PendingBody`
        // left by an earlier, unfinished verification owns no resource.
        unsafe { self.at.write(Stored { state: LIVE, body }) };
    }

    /// Moves the verification in progress out, leaving the storage ended.
    pub(crate) fn take(self) -> Result<PendingBody, Failure> {
        if !self.is_live() {
            return Err(Failure::pending_state());
        }
        self.end();
        // SAFETY: the state was LIVE, which only `start` writes, together with a valid
        // `PendingBody`; the state is now ENDED, so this value is never read again.
        Ok(unsafe { ptr::read(self.body()) })
    }

    /// Runs `f` on the verification in progress. The storage is marked ended while `f` runs,
    /// so that a panic inside it leaves it ended rather than half-updated.
    pub(crate) fn with_live<T>(
        self,
        f: impl FnOnce(&mut PendingBody) -> Result<T, Failure>,
    ) -> Result<T, Failure> {
        if !self.is_live() {
            return Err(Failure::pending_state());
        }
        self.end();
        // SAFETY: the state was LIVE, so a valid `PendingBody` is stored there; `new`'s caller
        // guarantees nothing else accesses the storage meanwhile, and the state word written
        // above and below lies outside the `body` field this borrow covers.
        let result = f(unsafe { &mut *self.body() });
        // SAFETY: as for `end`.
        unsafe { self.state().write(LIVE) };
        result
    }
}
