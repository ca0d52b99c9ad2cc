//! What issue 13's review found in the command line: Transfer-Encoding and a fragment verified
//! from a raw request, secrets echoed by `validate`, bidi controls echoed raw by `validate` and
//! `explain`, a secret file with a byte order mark used as is, and a world-readable one used
//! without a word.

mod cli_support;

use cli_support::*;

/// SPEC §7's request as sent, signed by `sign --format http`, as text.
fn spec_request() -> String {
    String::from_utf8(
        sign_spec(&["--format", "http", "--host", "api.example"])
            .expect(0)
            .stdout,
    )
    .unwrap()
}

#[track_caller]
fn assert_rejected(out: Out, kind: &str) {
    let out = out.expect(1);
    assert!(out.stdout.is_empty());
    assert!(out.stderr.starts_with("rejected: "), "{}", out.stderr);
    assert!(
        out.stderr.ends_with(&format!(" [{kind}]\n")),
        "{}",
        out.stderr
    );
}

#[test]
fn verify_refuses_transfer_encoding_and_a_fragment_with_their_kinds() {
    let request = spec_request();
    let chunked = request.replacen("\r\n", "\r\nTransfer-Encoding: chunked\r\n", 1);
    assert_rejected(
        verify_spec(&[], chunked.as_bytes()),
        "verify.transfer_encoding",
    );
    // Even when the body is written in chunks, as the header says.
    let (head, body) = chunked.split_once("\r\n\r\n").unwrap();
    let framed = format!("{head}\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n", body.len());
    assert_rejected(
        verify_spec(&[], framed.as_bytes()),
        "verify.transfer_encoding",
    );
    let fragment = request.replacen(
        &format!("{SPEC_TARGET} HTTP/1.1"),
        &format!("{SPEC_TARGET}#x HTTP/1.1"),
        1,
    );
    assert_ne!(fragment, request);
    assert_rejected(
        verify_spec(&[], fragment.as_bytes()),
        "signing_string.target_fragment",
    );
    // explain says the same, with check 0 for the framing.
    let out = with_secret(
        "explain",
        &["--now", SPEC_NOW],
        SPEC_SECRET,
        chunked.as_bytes(),
    )
    .expect(1);
    let text = out.stdout_text();
    assert!(
        text.contains("   0. no Transfer-Encoding (Content-Length frames the body)"),
        "{text}"
    );
    assert!(text.ends_with("[verify.transfer_encoding]\n"), "{text}");
}

#[test]
fn sign_refuses_a_fragment() {
    let out = sign("demo", "POST", "/p#x", &["--now", SPEC_NOW], "s", b"");
    let out = out.expect_input_error("[signing_string.target_fragment]", &"sign /p#x");
    assert!(out.stdout.is_empty());
}

#[test]
fn validate_never_echoes_a_password_or_query_of_host_uri() {
    let body = r#"{"participant_unique_id1": "p-1", "host_uri": "https://alice:S3cr3t@digitalpay.example/return?token=t0k3n"}"#;
    let out = run(
        &["validate", "--endpoint", "session-create"],
        &[],
        body.as_bytes(),
    )
    .expect(1);
    let text = out.stdout_text();
    assert_eq!(
        text,
        "host_uri: \"https://…@digitalpay.example/return?…\" must be an absolute http:// or https:// URI with a host and no user@ part [uri]\n"
    );
    for secret in ["S3cr3t", "alice", "t0k3n"] {
        assert!(!text.contains(secret) && !out.stderr.contains(secret));
    }
}

#[test]
fn validate_and_explain_escape_control_bidi_and_format_characters() {
    // A locale code with a right-to-left override, an unknown key with an isolate and a C1 CSI
    // (JSON allows both raw in a string; a C0 control such as ESC it does not).
    let body = "{\"participant_unique_id1\": \"p-1\", \"language_locale_code\": \"en\u{202e}SU-\", \"x\u{2066}\u{9b}[2J\": 1}";
    let out = run(
        &["validate", "--endpoint", "session-create"],
        &[],
        body.as_bytes(),
    )
    .expect(1);
    let text = out.stdout_text();
    assert!(text.contains("\"en\\u{202e}SU-\""), "{text}");
    assert!(text.contains("x\\u{2066}\\u{9b}[2J: "), "{text}");
    assert!(
        !text
            .chars()
            .any(|c| c == '\u{202e}' || c == '\u{2066}' || c == '\u{9b}'),
        "{text:?}"
    );

    // explain's first line shows the request-target: a bidi override in it is escaped.
    let request = spec_request().replacen(
        &format!("{SPEC_TARGET} HTTP/1.1"),
        &format!("{SPEC_TARGET}?q=\u{202e}txt.exe\u{200f} HTTP/1.1"),
        1,
    );
    let out = with_secret(
        "explain",
        &["--now", SPEC_NOW],
        SPEC_SECRET,
        request.as_bytes(),
    );
    let text = out.stdout_text();
    let first = text.lines().next().unwrap();
    assert!(
        first.starts_with(&format!(
            "request      POST {SPEC_TARGET}?q=\\xe2\\x80\\xaetxt.exe\\xe2\\x80\\x8f HTTP/1.1, "
        )),
        "{first}"
    );
    assert!(
        !text.chars().any(|c| c == '\u{202e}' || c == '\u{200f}'),
        "{text:?}"
    );
    assert!(
        text.ends_with("[signing_string.invalid_target]\n"),
        "{text}"
    );
}

#[test]
fn a_secret_file_with_a_byte_order_mark_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secret");
    std::fs::write(&path, format!("\u{feff}{SPEC_SECRET}\n")).unwrap();
    let path = path.to_str().unwrap();
    let out = run(
        &["verify", "--secret-file", path, "--now", SPEC_NOW],
        &[],
        spec_request().as_bytes(),
    );
    let out = out.expect_input_error("byte order mark", &"verify with a BOM");
    assert!(
        out.stderr.contains("[keys.byte_order_mark]"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains(SPEC_SECRET));
}

#[cfg(unix)]
#[test]
fn a_secret_file_others_can_read_draws_a_warning() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secret");
    std::fs::write(&path, format!("{SPEC_SECRET}\n")).unwrap();
    let request = spec_request();
    for (mode, warned) in [(0o600, false), (0o640, true), (0o644, true)] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        let out = run(
            &[
                "verify",
                "--secret-file",
                path.to_str().unwrap(),
                "--now",
                SPEC_NOW,
            ],
            &[],
            request.as_bytes(),
        )
        .expect(0);
        assert_eq!(out.stdout_text(), "ok\n");
        if warned {
            let warning = format!(
                "ingo-sign: warning: {:?} holds secrets but can be read by its group or by others (mode {mode:04o}); make it readable by its owner only (chmod 600) [keys.file_readable_by_others]\n",
                path
            );
            assert_eq!(out.stderr, warning);
        } else {
            assert_eq!(out.stderr, "");
        }
    }
}
