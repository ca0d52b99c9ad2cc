//! The candidates for the in-memory replay guard, measured on what the guard does: an atomic
//! "insert this 32-byte key unless present" with an expiry, at a steady state where old entries
//! leave as new ones come, and the heap each entry costs.
//!
//! Usage: `replay-caches [ENTRIES]` (default 1,000,000). Prints a markdown table.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

struct Counting;
static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards to `System`; only counts sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc_zeroed(l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        LIVE.fetch_add(n as isize - l.size() as isize, Ordering::Relaxed);
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

type Key = [u8; 32];

/// A well-mixed 32-byte key from a counter (splitmix64), like a SHA-512/256 output.
fn key(i: u64) -> Key {
    let mut out = [0; 32];
    let mut x = i;
    for chunk in out.chunks_exact_mut(8) {
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        chunk.copy_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    out
}

/// What the guard needs of a cache: insert `key` to live `ttl` unless present; true if fresh.
trait Candidate: Sync {
    fn name(&self) -> &'static str;
    fn insert_if_absent(&self, key: Key, expires_at: u64, now: u64) -> bool;
    /// Finishes pending bookkeeping, so that the heap measured is the steady state's.
    fn settle(&self) {}
}

struct Moka(moka::sync::Cache<Key, u64>);

struct UntilExpiry;
impl moka::Expiry<Key, u64> for UntilExpiry {
    fn expire_after_create(&self, _: &Key, expires_at: &u64, _: Instant) -> Option<Duration> {
        // The benchmark's clock: `now` is the key's index / 1000 s, the window 601 s.
        Some(Duration::from_secs(expires_at.saturating_sub(NOW_BASE)))
    }
}
const NOW_BASE: u64 = 0;

impl Candidate for Moka {
    fn name(&self) -> &'static str {
        "moka 0.12 (sync::Cache, per-entry expiry, entry API)"
    }
    fn insert_if_absent(&self, key: Key, expires_at: u64, now: u64) -> bool {
        let entry = self.0.entry(key).or_insert(expires_at);
        entry.is_fresh() || *entry.value() <= now
    }
    fn settle(&self) {
        self.0.run_pending_tasks();
    }
}

struct Quick(quick_cache::sync::Cache<Key, u64>);
impl Candidate for Quick {
    fn name(&self) -> &'static str {
        "quick_cache 0.6 (sync::Cache, get_value_or_guard)"
    }
    fn insert_if_absent(&self, key: Key, expires_at: u64, now: u64) -> bool {
        match self.0.get_value_or_guard(&key, None) {
            quick_cache::sync::GuardResult::Value(v) => v <= now,
            quick_cache::sync::GuardResult::Guard(g) => {
                let _ = g.insert(expires_at);
                true
            }
            quick_cache::sync::GuardResult::Timeout => false,
        }
    }
}

struct MiniMoka(mini_moka::sync::Cache<Key, u64>);
impl Candidate for MiniMoka {
    fn name(&self) -> &'static str {
        "mini-moka 0.10 (sync::Cache, get then insert: not atomic)"
    }
    fn insert_if_absent(&self, key: Key, expires_at: u64, now: u64) -> bool {
        match self.0.get(&key) {
            Some(v) if v > now => false,
            _ => {
                self.0.insert(key, expires_at);
                true
            }
        }
    }
}

fn build(which: usize, capacity: u64) -> Box<dyn Candidate> {
    match which {
        0 => Box::new(Moka(
            moka::sync::Cache::builder()
                .max_capacity(capacity)
                .expire_after(UntilExpiry)
                .build(),
        )),
        1 => Box::new(Quick(quick_cache::sync::Cache::new(capacity as usize))),
        _ => Box::new(MiniMoka(
            mini_moka::sync::Cache::builder()
                .max_capacity(capacity)
                .time_to_live(Duration::from_secs(601))
                .build(),
        )),
    }
}

fn main() {
    let entries: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    println!(
        "| candidate | heap per entry | entries per MB | fresh insert, 1 thread | fresh insert, 2 threads (per op, wall) | replay found |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for which in 0..3 {
        let before = LIVE.load(Ordering::Relaxed);
        let cache = build(which, entries);
        // Fill to capacity; the clock advances 1 s per 1,000 keys.
        for i in 0..entries {
            assert!(cache.insert_if_absent(key(i), i / 1000 + 601, i / 1000));
        }
        cache.settle();
        let heap = (LIVE.load(Ordering::Relaxed) - before) as f64 / entries as f64;
        // Steady state: fresh keys past capacity (evictions), one thread.
        let n = entries / 2;
        let start = Instant::now();
        for i in entries..entries + n {
            cache.insert_if_absent(key(i), i / 1000 + 601, i / 1000);
        }
        let one = start.elapsed().as_secs_f64() / n as f64;
        // Two threads, disjoint fresh keys.
        let base = entries + n;
        let start = Instant::now();
        std::thread::scope(|s| {
            for t in 0..2u64 {
                let cache = &cache;
                s.spawn(move || {
                    for j in 0..n / 2 {
                        let i = base + t * (n / 2) + j;
                        cache.insert_if_absent(key(i), i / 1000 + 601, i / 1000);
                    }
                });
            }
        });
        let two = start.elapsed().as_secs_f64() / n as f64;
        // A replay of a recent key is found.
        let recent = base + n - 1;
        let start = Instant::now();
        let mut found = 0;
        for _ in 0..100_000 {
            found += usize::from(!cache.insert_if_absent(key(recent), recent / 1000 + 601, recent / 1000));
        }
        let hit = start.elapsed().as_secs_f64() / 100_000.0;
        println!(
            "| {} | {:.0} B | {:.0} | {:.0} ns | {:.0} ns | {:.0} ns ({} of 100000) |",
            cache.name(),
            heap,
            1e6 / heap,
            one * 1e9,
            two * 1e9,
            hit * 1e9,
            found
        );
        drop(cache);
    }
}
