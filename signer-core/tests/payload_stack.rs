//! The validator and the response parsers on a 64 KiB stack, over hostile inputs: deep
//! nesting, long strings, many keys. A stack overflow aborts the process, so the measurement
//! runs each candidate size in a child process (this test binary, re-run on one test).

// Threads and child processes: none on wasm32-wasip1, where firmware/ci.sh runs the rest of
// the suite.
#![cfg(not(target_os = "wasi"))]

mod support;

use std::process::Command;
use std::thread;

use ingo_signer_core::payload::{
    Endpoint, JsonError, MAX_BODY_LEN, MAX_DEPTH, PayloadError, parse_push_to_card_response,
    parse_session_create_response, validate,
};
use support::*;

/// What a hostile input must produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    TooDeep,
    TooLarge,
    /// Field violations (or a clean pass for one of the endpoints): anything but a crash.
    Judged,
}

fn nest(open: &str, close: &str, depth: usize, inner: &str) -> String {
    format!("{}{inner}{}", open.repeat(depth), close.repeat(depth))
}

fn hostile_inputs() -> Vec<(&'static str, Vec<u8>, Want)> {
    let inputs = build_inputs();
    for (name, body, want) in &inputs {
        assert_eq!(
            body.len() > MAX_BODY_LEN,
            *want == Want::TooLarge,
            "{name}: {} bytes",
            body.len()
        );
    }
    inputs
}

fn build_inputs() -> Vec<(&'static str, Vec<u8>, Want)> {
    let p = r#""participant_unique_id1":"p""#;
    // The deepest nesting the scanner lets through: the top-level object plus this many.
    let allowed = MAX_DEPTH - 1;
    let mut many_keys = format!("{{{p}");
    while many_keys.len() < MAX_BODY_LEN - 20 {
        many_keys.push_str(&format!(r#","k{}":0"#, many_keys.len()));
    }
    many_keys.push('}');
    let mut duplicates = String::from("{");
    while duplicates.len() < MAX_BODY_LEN - 100 {
        duplicates.push_str(p);
        duplicates.push(',');
    }
    duplicates.push_str(p);
    duplicates.push('}');
    let mut many_objects = format!("{{{p},\"x\":[");
    while many_objects.len() < MAX_BODY_LEN - 40 {
        many_objects.push_str(r#"{"a":[{"b":{}}]},"#);
    }
    many_objects.push_str("0]}");
    let sender_deep = format!(
        r#"{{"sender":{{"contact_address":{{"x":{}}}}}}}"#,
        nest("[", "]", MAX_DEPTH - 3, "")
    );
    vec![
        (
            "50,000 open brackets in an unknown field",
            format!("{{{p},\"x\":{}", "[".repeat(50_000)).into_bytes(),
            Want::TooDeep,
        ),
        (
            "32,000 closed levels of arrays",
            format!("{{{p},\"x\":{}}}", nest("[", "]", 32_000, "")).into_bytes(),
            Want::TooDeep,
        ),
        (
            "10,000 levels of objects",
            format!("{{{p},\"x\":{}}}", nest(r#"{"a":"#, "}", 10_000, "1")).into_bytes(),
            Want::TooDeep,
        ),
        (
            "50,000 closed levels (over the size limit)",
            format!("{{{p},\"x\":{}}}", nest("[", "]", 50_000, "")).into_bytes(),
            Want::TooLarge,
        ),
        (
            "arrays exactly as deep as allowed",
            format!("{{{p},\"x\":{}}}", nest("[", "]", allowed, "")).into_bytes(),
            Want::Judged,
        ),
        (
            "objects exactly as deep as allowed",
            format!("{{{p},\"x\":{}}}", nest(r#"{"a":"#, "}", allowed, "1")).into_bytes(),
            Want::Judged,
        ),
        (
            "arrays as deep as allowed inside sender.contact_address",
            sender_deep.into_bytes(),
            Want::Judged,
        ),
        (
            "a 65,000-character name",
            format!(
                r#"{{{p},"recipient_information":{{"first_name":"{}"}}}}"#,
                "a".repeat(65_000)
            )
            .into_bytes(),
            Want::Judged,
        ),
        (
            "10,000 escaped characters in a name",
            format!(
                r#"{{{p},"recipient_information":{{"first_name":"{}"}}}}"#,
                r"\ud83d\ude00".repeat(5_000)
            )
            .into_bytes(),
            Want::Judged,
        ),
        (
            "a 60,000-digit amount",
            format!(r#"{{"amount":{}.5}}"#, "9".repeat(60_000)).into_bytes(),
            Want::Judged,
        ),
        (
            "thousands of unknown keys",
            many_keys.into_bytes(),
            Want::Judged,
        ),
        (
            "thousands of duplicate keys",
            duplicates.into_bytes(),
            Want::Judged,
        ),
        (
            "thousands of small objects",
            many_objects.into_bytes(),
            Want::Judged,
        ),
        (
            "the seeds",
            PUSH_TO_CARD_SEED.as_bytes().to_vec(),
            Want::Judged,
        ),
    ]
}

/// Runs everything on every input; returns a description of each outcome that broke its
/// expectation.
fn run_all(inputs: &[(&'static str, Vec<u8>, Want)]) -> Vec<String> {
    let mut wrong = Vec::new();
    for (name, body, want) in inputs {
        for endpoint in [Endpoint::SessionCreate, Endpoint::PushToCard] {
            let got = match validate(endpoint, all_options(), body) {
                Err(PayloadError::Json(JsonError::TooDeep { .. })) => Want::TooDeep,
                Err(PayloadError::Json(JsonError::TooLarge { .. })) => Want::TooLarge,
                Err(PayloadError::Json(e)) => {
                    wrong.push(format!("{name}: {endpoint:?}: unexpected {e}"));
                    continue;
                }
                Ok(()) | Err(PayloadError::Invalid(_)) => Want::Judged,
            };
            if got != *want {
                wrong.push(format!("{name}: {endpoint:?}: {got:?} instead of {want:?}"));
            }
        }
        // The response parsers read the same bodies; only "no crash" matters here, plus the
        // depth and size bounds.
        for result in [
            parse_session_create_response(body).err().map(|e| e.kind()),
            parse_push_to_card_response(body).err().map(|e| e.kind()),
        ] {
            let bounded = match want {
                Want::TooDeep => result == Some("json.too_deep"),
                Want::TooLarge => result == Some("json.too_large"),
                Want::Judged => true,
            };
            if !bounded {
                wrong.push(format!("{name}: response: {result:?}"));
            }
        }
    }
    wrong
}

/// Runs [`run_all`] on a thread with `kib` KiB of stack.
fn run_on_stack(kib: usize) -> Vec<String> {
    let inputs = hostile_inputs();
    thread::Builder::new()
        .name(format!("payload-{kib}k"))
        .stack_size(kib * 1024)
        .spawn(move || run_all(&inputs))
        .expect("spawn")
        .join()
        .expect("the validator panicked")
}

#[test]
fn validate_runs_on_a_64_kib_stack_over_hostile_inputs() {
    let wrong = run_on_stack(64);
    assert!(wrong.is_empty(), "{wrong:#?}");
}

const PROBE_ENV: &str = "PAYLOAD_STACK_PROBE_KIB";

/// Does nothing unless run by [`measure_the_smallest_stack_that_suffices`] as a child, with
/// the stack size to try in the environment.
#[test]
fn stack_probe() {
    if let Ok(kib) = std::env::var(PROBE_ENV) {
        let wrong = run_on_stack(kib.parse().expect("KiB"));
        assert!(wrong.is_empty(), "{wrong:#?}");
    }
}

/// Whether everything runs on `kib` KiB of stack, in a child process (an overflow aborts it).
fn fits(kib: usize) -> bool {
    let exe = std::env::current_exe().expect("test binary");
    Command::new(exe)
        .args(["--exact", "stack_probe", "--test-threads=1", "--quiet"])
        .env(PROBE_ENV, kib.to_string())
        .output()
        .expect("run the probe")
        .status
        .success()
}

#[test]
fn measure_the_smallest_stack_that_suffices() {
    assert!(fits(64), "64 KiB must suffice");
    // Binary search in whole KiB between what fails and what works. Threads get at least
    // the platform minimum (16 KiB with glibc), so the search starts there.
    let (mut low, mut high) = (16usize, 64usize);
    if fits(low) {
        high = low;
    }
    while high - low > 1 {
        let mid = (low + high) / 2;
        if fits(mid) { high = mid } else { low = mid }
    }
    println!("payload validation and response parsing need at most {high} KiB of stack");
    // Keep a margin: a change that eats most of the 64 KiB budget should be noticed before
    // the budget is gone.
    assert!(
        high <= 48,
        "the validator now needs {high} KiB of its 64 KiB stack"
    );
}
