//! Every vector of `test-vectors/verification.json` through `ingo-sign verify`, as raw HTTP/1.x
//! bytes: the request line with `HTTP/<version>`, each header as `Name: value` CRLF, a blank line,
//! the body. The vector's policy maps onto the flags: the first key's secret (`--secret-env`) and
//! username (`--username`), `--now`, `--max-skew`, `--max-body`, `--allow-legacy-sha256` and
//! `--require-header`.
//!
//! What one command line cannot express is counted and skipped, with its reason:
//! - HTTP/2.0 vectors: a raw HTTP/1.x request cannot carry version 2.0;
//! - key stores with several keys for one username (rotation): the command line takes one secret;
//! - a request signed under another username of a several-username store: `--username` names one.
//!
//! Every other vector is HTTP/1.x-shaped as raw bytes, and must exit 1 with exactly its kind,
//! even where a strict HTTP parser would refuse the bytes (a NUL, DEL or bare CR in a value,
//! obsolete line folding, an empty method): the verdict is the core's, not the reader's. Only
//! vectors whose bytes cannot say what the vector says are let off: a space, CR or LF in the
//! method or target splits the request line differently, and an LF in a header value starts
//! another line (a header of its own, or no header at all). They must still be refused (exit 1,
//! or 2 when the bytes are not shaped like a request), not necessarily with the vector's kind.

mod cli_support;

use std::collections::BTreeMap;

use cli_support::run;
use serde_json::Value;

fn vectors() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../test-vectors/verification.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn s<'v>(v: &'v Value, key: &str) -> &'v str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} in {}", v["name"]))
}

/// The raw request bytes of a vector.
fn raw(v: &Value) -> Vec<u8> {
    let r = &v["request"];
    let mut bytes = format!(
        "{} {} HTTP/{}\r\n",
        s(r, "method"),
        s(r, "target"),
        s(r, "version")
    )
    .into_bytes();
    for pair in r["headers"].as_array().unwrap() {
        let (name, value) = (pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
        bytes.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    bytes.extend_from_slice(b"\r\n");
    bytes.extend_from_slice(s(r, "body").as_bytes());
    bytes
}

/// The username an Authorization header names (a rough scan, only to decide skips).
fn header_username(v: &Value) -> Option<String> {
    let auth = v["request"]["headers"]
        .as_array()?
        .iter()
        .find(|p| p[0].as_str().unwrap().eq_ignore_ascii_case("authorization"))?[1]
        .as_str()?
        .to_owned();
    let lower = auth.to_ascii_lowercase();
    let start = lower.find("username")?;
    let rest = &auth[start..];
    let open = rest.find('"')? + 1;
    let close = rest[open..].find('"')?;
    Some(rest[open..open + close].to_owned())
}

/// A username `SigningKey` accepts (printable ASCII but `"` and `\`, 1 to 256 bytes).
fn usable_username(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 256
        && name
            .bytes()
            .all(|b| (0x20..=0x7e).contains(&b) && b != b'"' && b != b'\\')
}

/// Why a vector cannot be run by the command line, if it cannot.
fn skip_reason(v: &Value) -> Option<&'static str> {
    if s(&v["request"], "version") == "2.0" {
        return Some("HTTP/2.0 cannot travel as a raw HTTP/1.x request");
    }
    let keys = v["keys"].as_array().unwrap();
    let first = s(&keys[0], "username");
    if keys.iter().filter(|k| s(k, "username") == first).count() > 1 {
        return Some("several keys for one username (rotation); the command line takes one secret");
    }
    if let Some(signer) = header_username(v)
        && signer != first
        && keys.iter().any(|k| s(k, "username") == signer)
    {
        return Some("signed under a second username of the store; --username names one");
    }
    None
}

/// Whether the vector's raw bytes are a different request than the vector: a space, CR or LF in
/// the method or target (the request line splits elsewhere), or an LF in a header value that
/// does not fold it (the line ends there; an LF followed by a space or tab is obsolete line
/// folding, which the bytes carry as the vector does).
fn unrepresentable(v: &Value) -> bool {
    let r = &v["request"];
    let splits_line = |text: &str| text.contains([' ', '\r', '\n']);
    let ends_line = |value: &str| {
        value
            .split('\n')
            .skip(1)
            .any(|next| !next.starts_with([' ', '\t']))
    };
    splits_line(s(r, "method"))
        || splits_line(s(r, "target"))
        || r["headers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| ends_line(p[1].as_str().unwrap()))
}

/// Runs `verify` on a vector: with `--username` (the first key's, when usable) or without.
fn verify(v: &Value, with_username: bool) -> cli_support::Out {
    let key = &v["keys"][0];
    let policy = &v["policy"];
    let now = v["now"].as_u64().unwrap().to_string();
    let skew = policy["max_skew"].as_u64().unwrap().to_string();
    let body = policy["max_body"].as_u64().unwrap().to_string();
    let mut args = vec![
        "verify",
        "--secret-env",
        "VECTOR_SECRET",
        "--now",
        &now,
        "--max-skew",
        &skew,
        "--max-body",
        &body,
    ];
    if with_username && usable_username(s(key, "username")) {
        args.extend(["--username", s(key, "username")]);
    }
    if policy["allow_legacy_sha256"].as_bool().unwrap() {
        args.push("--allow-legacy-sha256");
    }
    for name in policy["required_headers"].as_array().unwrap() {
        args.extend(["--require-header", name.as_str().unwrap()]);
    }
    let secret = s(key, "secret");
    assert!(
        !secret.contains('\0'),
        "an environment variable cannot carry NUL"
    );
    run(&args, &[("VECTOR_SECRET", secret)], &raw(v))
}

#[test]
fn every_reject_vector_is_rejected_with_its_kind() {
    let all = vectors();
    let mut checked = 0;
    let mut unrepresented = Vec::new();
    let mut skipped: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for v in all["reject"].as_array().unwrap() {
        let name = s(v, "name");
        if let Some(reason) = skip_reason(v) {
            skipped.entry(reason).or_default().push(name.to_owned());
            continue;
        }
        let expected = s(v, "expected_error");
        let out = verify(v, true);
        let lines: Vec<&str> = out.stderr.lines().collect();
        assert!(out.stdout.is_empty(), "{name}: nothing on stdout");
        assert_eq!(
            lines.len(),
            1,
            "{name}: one line on stderr: {:?}",
            out.stderr
        );
        if unrepresentable(v) {
            assert!(matches!(out.code, 1 | 2), "{name}: refused, got {out:?}");
            unrepresented.push(format!("{name} (exit {}: {})", out.code, lines[0]));
            continue;
        }
        assert_eq!(out.code, 1, "{name}: {}", out.stderr);
        assert!(lines[0].starts_with("rejected: "), "{name}: {}", lines[0]);
        assert!(
            lines[0].ends_with(&format!("[{expected}]")),
            "{name}: expected [{expected}], got {}",
            lines[0]
        );

        // Without --username the key is the request's own username; the verdict is the same
        // except where the point is that username (step 4 cannot fail then).
        if expected != "verify.unknown_username" {
            let out = verify(v, false);
            assert_eq!(out.code, 1, "{name} without --username: {}", out.stderr);
            assert!(
                out.stderr.trim_end().ends_with(&format!("[{expected}]")),
                "{name}: {}",
                out.stderr
            );
        }
        checked += 1;
    }
    let total = all["reject"].as_array().unwrap().len();
    let skipped_count: usize = skipped.values().map(Vec::len).sum();
    eprintln!(
        "reject vectors: {total}; {checked} checked with their kind; {} refused as other requests; {skipped_count} skipped",
        unrepresented.len()
    );
    for line in &unrepresented {
        eprintln!("  bytes say another request: {line}");
    }
    for (reason, names) in &skipped {
        eprintln!("  skipped ({reason}): {}", names.join(", "));
    }
    assert_eq!(checked + unrepresented.len() + skipped_count, total);
    // Only those whose bytes say another request: a space in the method, a space in the
    // target, an LF in a value and a CRLF injected into one.
    assert!(unrepresented.len() <= 4, "{unrepresented:?}");
    assert!(checked >= 150, "most vectors must be checked, not skipped");
}

#[test]
fn every_accept_vector_verifies() {
    let all = vectors();
    let mut checked = 0;
    let mut skipped = Vec::new();
    for v in all["accept"].as_array().unwrap() {
        let name = s(v, "name");
        if let Some(reason) = skip_reason(v) {
            skipped.push(format!("{name} ({reason})"));
            continue;
        }
        let out = verify(v, true);
        assert_eq!(out.code, 0, "{name}: {}", out.stderr);
        assert_eq!(out.stdout_text(), "ok\n", "{name}");
        verify(v, false).expect(0);
        checked += 1;
    }
    eprintln!(
        "accept vectors: {checked} verified; {} skipped: {}",
        skipped.len(),
        skipped.join(", ")
    );
    assert!(checked >= 25);
}
