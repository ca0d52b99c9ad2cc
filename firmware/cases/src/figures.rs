//! The figures of the real instruction set, measured on the (emulated) chip: peak stack of each
//! [`workload`](crate::workload) by painting, and its instructions by the chip's own counter
//! (under QEMU's `-icount shift=0`, one instruction per nanosecond of the virtual clock, so any
//! timer counts instructions exactly).
//!
//! Output lines (ci.sh reads them): `stack <work>: N bytes`, `instructions <work>: N`, and the
//! counter's calibration. The case fails if a workload fails, the counter is off, or a stack
//! exceeds the 8 KiB goal.

use core::fmt::Write;

use ingo_signer_core::{PendingBody, SignedHeaders, SigningKey};

use crate::known_answers::{SECRET, USERNAME};
use crate::workload;

/// What a board gives the measurements.
pub trait Chip {
    /// The stack pointer of the caller (inline).
    fn stack_pointer() -> usize;
    /// The instruction counter: exact under `-icount shift=0`.
    fn instructions() -> u64;
    /// Runs a loop of exactly `2 * iterations` instructions (plus a constant), to calibrate.
    fn spin(iterations: u32);
}

/// The stack goal: each of sign and verify within 8 KiB.
pub const STACK_GOAL: usize = 8 * 1024;

/// How deep below the caller the stack is painted.
const PAINT: usize = 32 * 1024;
const PATTERN: u32 = 0x5A5A_A5A5;

/// Runs `f` on a painted stack; returns how many bytes below the caller's stack pointer it wrote.
///
/// The words from `PAINT` bytes below this function's stack pointer up to it are set to a
/// pattern; `f` runs (its frames start at that stack pointer); the lowest word no longer holding
/// the pattern marks its peak.
#[inline(never)]
pub fn peak_stack<C: Chip, R>(f: impl FnOnce() -> R) -> (usize, R) {
    let top = C::stack_pointer() & !3;
    let bottom = top - PAINT;
    let mut at = bottom;
    while at < top {
        // SAFETY: below the stack pointer, inside the RAM the stack grows into (the boards'
        // memory.x leave megabytes there): nothing live is stored below it, and nothing here
        // calls a function while painting.
        unsafe { (at as *mut u32).write_volatile(PATTERN) };
        at += 4;
    }
    let result = f();
    let mut low = bottom;
    // SAFETY: the same words, read back.
    while low < top && unsafe { (low as *const u32).read_volatile() } == PATTERN {
        low += 4;
    }
    (top - low, result)
}

const PROBE: usize = 4096;

/// Keeps a `PROBE`-byte array on its stack.
#[inline(never)]
fn probe() -> u8 {
    let frame = core::hint::black_box([1u8; PROBE]);
    frame[PROBE - 1]
}

/// Instructions per call of `f`, over `runs` calls.
#[inline(never)]
fn instructions<C: Chip, R>(runs: u32, mut f: impl FnMut() -> R) -> u64 {
    let start = C::instructions();
    for _ in 0..runs {
        core::hint::black_box(f());
    }
    (C::instructions() - start) / u64::from(runs)
}

/// Measures and writes the figures; `true` when every workload succeeded, the counter is exact
/// and each stack is within the goal.
pub fn run<C: Chip>(out: &mut dyn Write) -> bool {
    let mut ok = true;
    C::instructions(); // starts the counter where it must be started
    // Calibration: 2 * 100,000 instructions more in the second loop than in the first.
    let short = instructions::<C, ()>(1, || C::spin(1_000));
    let long = instructions::<C, ()>(1, || C::spin(101_000));
    let counted = long.saturating_sub(short);
    let exact = counted.abs_diff(200_000) <= 200; // one timer tick is 40 instructions at worst
    ok &= exact;
    let _ = writeln!(
        out,
        "{} counter: 200000 instructions counted as {counted}",
        if exact { "ok" } else { "FAIL" }
    );

    // The stack method, on a function whose frame is known: a 4 KiB array it must keep.
    let (probe, _) = peak_stack::<C, _>(probe);
    let painted = (PROBE..PROBE + 256).contains(&probe);
    ok &= painted;
    let _ = writeln!(
        out,
        "{} stack painting: a {PROBE}-byte frame measured as {probe} bytes",
        if painted { "ok" } else { "FAIL" }
    );

    let Ok(key) = SigningKey::new(USERNAME, SECRET) else {
        let _ = writeln!(out, "FAIL key");
        return false;
    };
    let (sign_stack, sign_len) = peak_stack::<C, _>(|| workload::sign(&key));
    let (streamed_stack, streamed_ok) = peak_stack::<C, _>(|| workload::verify_streamed(&key));
    let (one_shot_stack, one_shot_ok) = peak_stack::<C, _>(|| workload::verify_one_shot(&key));
    let works = sign_len > 0 && streamed_ok && one_shot_ok;
    ok &= works;
    let _ = writeln!(
        out,
        "{} workloads: sign, verify streamed, verify one-shot",
        if works { "ok" } else { "FAIL" }
    );
    for (what, bytes) in [
        ("sign", sign_stack),
        ("verify", streamed_stack),
        ("verify-one-shot", one_shot_stack),
    ] {
        let within = bytes <= STACK_GOAL;
        ok &= within;
        let _ = writeln!(
            out,
            "stack {what}: {bytes} bytes{}",
            if within {
                ""
            } else {
                " (FAIL: over the 8 KiB goal)"
            }
        );
    }
    const RUNS: u32 = 10;
    let sign = instructions::<C, _>(RUNS, || workload::sign(&key));
    let streamed = instructions::<C, _>(RUNS, || workload::verify_streamed(&key));
    let one_shot = instructions::<C, _>(RUNS, || workload::verify_one_shot(&key));
    let _ = writeln!(out, "instructions sign: {sign}");
    let _ = writeln!(out, "instructions verify: {streamed}");
    let _ = writeln!(out, "instructions verify-one-shot: {one_shot}");
    // What a firmware holds besides the stack: the key (for as long as it signs or verifies).
    let _ = writeln!(out, "size SigningKey: {} bytes", size_of::<SigningKey>());
    let _ = writeln!(
        out,
        "size SignedHeaders: {} bytes",
        size_of::<SignedHeaders<'_>>()
    );
    let _ = writeln!(out, "size PendingBody: {} bytes", size_of::<PendingBody>());
    let _ = writeln!(out, "figures: {}", if ok { "ok" } else { "FAIL" });
    ok
}
