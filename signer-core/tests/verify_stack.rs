//! Peak stack use of verifying a realistic request (`verify_head`, the body streamed through
//! `update`, `finish`), measured without `unsafe`.
//!
//! A stack overflow aborts the process, so every probe runs in a child process (this test
//! binary, re-run on the `stack_probe` test). A probe spawns a thread with a fixed stack,
//! descends `depth` frames of a recursive function with a fixed frame size, and then does the
//! work. The largest depth that does not overflow, found by binary search, tells how much
//! stack the work needs: each frame the work needs fewer is one frame of stack it uses.
//!
//! ```text
//! frame = (extra stack) / (max depth with the larger stack - max depth with the smaller)
//! need(work) = (max depth doing nothing - max depth doing work) * frame
//! ```
//!
//! The resolution is one frame (under a hundred bytes in release). Thread stacks are rounded
//! to whole pages, which is why the search is over depth rather than over stack size.
//!
//! `embedded/stack.sh` runs this in debug and in release and prints both; the release figure
//! is the one that matters for firmware, and its goal is 8 KiB.

// Threads and child processes: none on wasm32-wasip1, where firmware/ci.sh runs the rest of
// the suite.
#![cfg(not(target_os = "wasi"))]

use std::hint::black_box;
use std::process::Command;
use std::thread;

use ingo_signer_core::signer::Request;
use ingo_signer_core::{HttpVersion, Policy, RequestHead, Signer, SigningKey, Verifier};

const PROBE_ENV: &str = "SIGNER_CORE_STACK_PROBE";
/// The probe thread's stack. Large enough for the deepest debug-build work with room to
/// descend, small enough that the search stays short.
const STACK: usize = 256 * 1024;
/// The extra stack of the calibration run that measures the frame size.
const EXTRA: usize = 64 * 1024;

/// SPEC §7's Session Create body (minified, 470 bytes) and credentials.
const BODY: &[u8] = br#"{"participant_unique_id1":"70646041-01ea-4cd6-b657-18ff88e465c7","host_uri":"https://digitalpay-test.ingo.money","language_locale_code":"en-US","recipient_information":{"first_name":"Alex","last_name":"Rivera","business_name":"Acme Limited","address_line1":"100 Innovation Way","city":"Anytown","state":"GA","zip_code":"37233","email_address":"jack.frost@example.com","phone_number":"1231231234","mobile_number":"1231231234","open_banking":{"mobus_customer_id":"9999"}}}"#;
const TARGET: &str = "/api/v1/sessions/point-in-time/plugin";
const NOW: u64 = 1_579_291_169;

/// What a probe does once it is `depth` frames down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Work {
    /// Nothing: the baseline.
    Nothing,
    /// Verify an hmac-sha512 request: head, then the body in 64-byte chunks, then finish.
    Verify,
    /// Verify a legacy hmac-sha256 request that signs both digests (two hashers in flight),
    /// the heaviest path.
    VerifyLegacyBothDigests,
    /// Sign the request (for comparison).
    Sign,
}

impl Work {
    const ALL: [Work; 4] = [
        Work::Nothing,
        Work::Verify,
        Work::VerifyLegacyBothDigests,
        Work::Sign,
    ];

    fn name(self) -> &'static str {
        match self {
            Work::Nothing => "nothing",
            Work::Verify => "verify",
            Work::VerifyLegacyBothDigests => "verify-legacy-both-digests",
            Work::Sign => "sign",
        }
    }
}

/// One frame of fixed size; `work` runs at the bottom. The pad is used after the recursive
/// call, so the call cannot become a loop.
#[inline(never)]
fn descend(depth: usize, work: &dyn Fn()) {
    let pad = [0u8; 64];
    black_box(&pad);
    if depth == 0 {
        work();
    } else {
        descend(depth - 1, work);
    }
    black_box(&pad);
}

/// A signed request, prepared before the probe descends: (headers as sent).
fn signed(key: &SigningKey, legacy: bool) -> Vec<(String, String)> {
    let mut signer = Signer::new(key);
    if legacy {
        signer = signer.legacy_sha256();
    }
    let signed = signer
        .sign(&Request::new("POST", TARGET, BODY), NOW)
        .expect("sign");
    let mut headers: Vec<(String, String)> = signed
        .iter()
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect();
    if legacy {
        // Sign content-sha512 as well: both digests are then checked.
        let sha512 = Signer::new(key)
            .sign(&Request::new("POST", TARGET, BODY), NOW)
            .expect("sign")
            .digest()
            .to_owned();
        let list = "request-line x-date content-type content-length content-sha256 content-sha512";
        let fields: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .chain([("Content-sha512", sha512.as_str())])
            .collect();
        let head = RequestHead {
            method: "POST",
            target: TARGET,
            version: HttpVersion::Http11,
            headers: &fields[..],
        };
        let names = ingo_signer_core::header_list::HeaderList::parse(list).expect("list");
        let mac = ingo_signer_core::signer::sign_head(
            key,
            ingo_signer_core::Algorithm::HmacSha256,
            names,
            &head,
        )
        .expect("mac");
        let auth = ingo_signer_core::authorization::Authorization::new(
            key.username(),
            ingo_signer_core::Algorithm::HmacSha256,
            names,
            mac.as_bytes(),
        )
        .expect("authorization")
        .to_string();
        headers.retain(|(n, _)| n != "Authorization");
        headers.push(("Content-sha512".into(), sha512));
        headers.push(("Authorization".into(), auth));
    }
    headers
}

/// Kept out of line, as `sign` below: were the work inlined into the probe's closure, its
/// locals would sit in the closure's frame, which the `Nothing` baseline pays too, and they
/// would vanish from the difference. Until this was noticed, that hid about 4 KiB of verify's
/// own frame (its `PendingBody` and the result it arrives in).
#[inline(never)]
fn verify(key: &SigningKey, headers: &[(String, String)], legacy: bool) {
    let policy = Policy::default().allow_legacy_sha256(legacy);
    let verifier = Verifier::new(key, policy);
    let head = RequestHead {
        method: "POST",
        target: TARGET,
        version: HttpVersion::Http11,
        headers,
    };
    let mut pending = verifier.verify_head(&head, black_box(NOW)).expect("head");
    for chunk in BODY.chunks(64) {
        pending.update(black_box(chunk)).expect("chunk");
    }
    let verified = pending.finish().expect("verified");
    black_box(verified);
}

/// See `verify`.
#[inline(never)]
fn sign(key: &SigningKey) {
    let signed = Signer::new(key)
        .sign(&Request::new("POST", TARGET, black_box(BODY)), NOW)
        .expect("sign");
    black_box(signed);
}

/// Runs `work` at `depth` on a thread of `stack` bytes; returns only if nothing overflowed.
fn probe(work: Work, depth: usize, stack: usize) {
    let key = SigningKey::new("demo", b"demo-secret-not-for-production").expect("key");
    let headers = signed(&key, work == Work::VerifyLegacyBothDigests);
    // Check outside the probe that the work succeeds, so that a failing probe can only mean
    // an overflow.
    match work {
        Work::Verify => verify(&key, &headers, false),
        Work::VerifyLegacyBothDigests => verify(&key, &headers, true),
        Work::Nothing | Work::Sign => {}
    }
    thread::Builder::new()
        .stack_size(stack)
        .spawn(move || {
            let run = || match work {
                Work::Nothing => {}
                Work::Verify => verify(&key, &headers, false),
                Work::VerifyLegacyBothDigests => verify(&key, &headers, true),
                Work::Sign => sign(&key),
            };
            descend(depth, &run);
        })
        .expect("spawn")
        .join()
        .expect("probe thread");
}

/// Not a test on its own: the child process's entry point. Without the environment variable
/// it does nothing.
#[test]
fn stack_probe() {
    let Ok(spec) = std::env::var(PROBE_ENV) else {
        return;
    };
    let mut parts = spec.split(':');
    let name = parts.next().expect("work");
    let depth: usize = parts.next().expect("depth").parse().expect("depth");
    let stack: usize = parts.next().expect("stack").parse().expect("stack");
    let work = Work::ALL
        .into_iter()
        .find(|w| w.name() == name)
        .expect("known work");
    probe(work, depth, stack);
}

/// Whether `work` at `depth` fits in `stack`, in a child process.
fn fits(work: Work, depth: usize, stack: usize) -> bool {
    let exe = std::env::current_exe().expect("test binary");
    Command::new(exe)
        .args(["--exact", "stack_probe", "--test-threads=1", "--quiet"])
        .env(PROBE_ENV, format!("{}:{depth}:{stack}", work.name()))
        .output()
        .expect("run the probe")
        .status
        .success()
}

/// The largest depth at which `work` fits in `stack`.
fn max_depth(work: Work, stack: usize) -> usize {
    let (mut low, mut high) = (0usize, 1usize);
    assert!(
        fits(work, low, stack),
        "{work:?} does not fit in {stack} bytes at all"
    );
    while fits(work, high, stack) {
        low = high;
        high *= 2;
    }
    while high - low > 1 {
        let mid = low + (high - low) / 2;
        if fits(work, mid, stack) {
            low = mid;
        } else {
            high = mid;
        }
    }
    low
}

#[test]
fn measure_peak_stack_of_verify() {
    let base = max_depth(Work::Nothing, STACK);
    let more = max_depth(Work::Nothing, STACK + EXTRA);
    assert!(more > base, "{more} frames with more stack, {base} without");
    let frame = EXTRA as f64 / (more - base) as f64;
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!("stack frame of the probe: {frame:.1} bytes ({profile})");
    let mut need = Vec::new();
    for work in [Work::Verify, Work::VerifyLegacyBothDigests, Work::Sign] {
        let depth = max_depth(work, STACK);
        let bytes = (base - depth) as f64 * frame;
        println!(
            "peak stack of {} ({profile}): {:.0} bytes ({:.1} KiB), +/- {frame:.0}",
            work.name(),
            bytes,
            bytes / 1024.0
        );
        need.push((work, bytes));
    }
    // Goals: 8 KiB for verify in release (firmware builds are optimised); debug builds keep
    // every temporary on the stack, so they get a loose bound that only catches a blow-up.
    let limit = if cfg!(debug_assertions) {
        64.0 * 1024.0
    } else {
        8.0 * 1024.0
    };
    for (work, bytes) in need {
        if work != Work::Sign {
            assert!(
                bytes <= limit,
                "{} needs {bytes:.0} bytes of stack ({profile}); the goal is {limit:.0}",
                work.name()
            );
        }
    }
}
