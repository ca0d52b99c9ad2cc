//! Every input in `regressions/<target>/` (each crash a campaign found, minimised) and every
//! input of the committed corpora `corpus/<target>/`, run through the target's own function
//! on plain stable `cargo test`, with debug assertions and overflow checks on.
//!
//! To add a regression: `cargo fuzz tmin <target> <crash>`, copy the result to
//! `regressions/<target>/<short-name>`, fix the bug, and say in `regressions/README.md` what
//! it was.

use std::fs;
use std::path::Path;

type Target = fn(&[u8]);

const TARGETS: [(&str, Target); 7] = [
    ("authorization", signer_fuzz::authorization),
    ("x_date", signer_fuzz::x_date),
    ("request_head", signer_fuzz::request_head),
    ("sign_verify", signer_fuzz::sign_verify),
    ("http_request", signer_fuzz::http_request),
    ("payload_session", signer_fuzz::payload_session),
    ("payload_card", signer_fuzz::payload_card),
];

/// Runs every file under `dir/<target>/`; returns how many ran.
fn replay(dir: &str) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut count = 0;
    for (name, target) in TARGETS {
        let Ok(entries) = fs::read_dir(root.join(name)) else {
            continue;
        };
        let mut paths: Vec<_> = entries.map(|e| e.expect("entry").path()).collect();
        paths.sort();
        for path in paths {
            if path.extension().is_some_and(|e| e == "md") {
                continue;
            }
            let input = fs::read(&path).expect("read input");
            let outcome = std::panic::catch_unwind(|| target(&input));
            assert!(outcome.is_ok(), "{} fails", path.display());
            count += 1;
        }
    }
    count
}

#[test]
fn regressions_pass() {
    replay("regressions");
}

#[test]
fn corpora_replay() {
    let count = replay("corpus");
    assert!(count > 700, "only {count} corpus inputs");
}
