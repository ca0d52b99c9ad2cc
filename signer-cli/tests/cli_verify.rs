//! `ingo-sign verify`: "ok" and 0, one-line reasons and 1, input errors and 2.

mod cli_support;

use cli_support::*;

/// SPEC §7's request as sent, signed by `sign --format http`.
fn spec_request() -> Vec<u8> {
    sign_spec(&["--format", "http", "--host", "api.example"])
        .expect(0)
        .stdout
}

#[track_caller]
fn assert_rejected(out: Out, kind: &str) -> String {
    let out = out.expect(1);
    assert!(out.stdout.is_empty());
    assert_eq!(out.stderr.lines().count(), 1, "one line: {:?}", out.stderr);
    assert!(out.stderr.starts_with("rejected: "), "{}", out.stderr);
    assert!(
        out.stderr.ends_with(&format!(" [{kind}]\n")),
        "{}",
        out.stderr
    );
    out.stderr
}

#[test]
fn a_good_request_prints_ok() {
    let out = verify_spec(&[], &spec_request()).expect(0);
    assert_eq!(out.stdout_text(), "ok\n");
    assert_eq!(out.stderr, "");
}

#[test]
fn lf_line_ends_and_a_file_argument_are_accepted() {
    let request = spec_request();
    let end = request.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let mut lf = String::from_utf8(request[..end].to_vec())
        .unwrap()
        .replace("\r\n", "\n")
        .into_bytes();
    lf.extend_from_slice(&request[end..]);
    verify_spec(&[], &lf).expect(0);

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("request.http");
    std::fs::write(&file, &request).unwrap();
    verify_spec(&[file.to_str().unwrap()], b"").expect(0);
    verify_spec(&["-"], &request).expect(0);
}

#[test]
fn the_default_clock_is_the_system_clock() {
    let signed = sign("u", "POST", "/p", &["--format", "http"], "s", b"")
        .expect(0)
        .stdout;
    verify(&[], "s", &signed).expect(0);
    // The same request is stale at SPEC §7's instant, which is years earlier.
    assert_rejected(
        verify(&["--now", SPEC_NOW], "s", &signed),
        "verify.date_skew",
    );
}

#[test]
fn skew_is_reported_with_its_size_and_limit() {
    let request = spec_request();
    let late = (SPEC_NOW.parse::<u64>().unwrap() + 412).to_string();
    let line = assert_rejected(
        verify(&["--now", &late], SPEC_SECRET, &request),
        "verify.date_skew",
    );
    assert_eq!(
        line,
        "rejected: x-date is 412 s older than now; the limit is 300 s (check the signer's clock) [verify.date_skew]\n"
    );
    verify(
        &["--now", &late, "--max-skew", "412"],
        SPEC_SECRET,
        &request,
    )
    .expect(0);
    assert_rejected(
        verify(
            &["--now", &late, "--max-skew", "411"],
            SPEC_SECRET,
            &request,
        ),
        "verify.date_skew",
    );
}

#[test]
fn a_wrong_secret_or_tampering_is_rejected() {
    let request = spec_request();
    assert_rejected(
        verify(&["--now", SPEC_NOW], "not-the-secret", &request),
        "verify.signature_mismatch",
    );
    let text = String::from_utf8(request).unwrap();
    for (from, to, kind) in [
        ("Alex", "Alec", "digest.mismatch"),
        ("/plugin", "/plugin2", "verify.signature_mismatch"),
    ] {
        assert_rejected(verify_spec(&[], text.replace(from, to).as_bytes()), kind);
    }
}

#[test]
fn username_pins_the_signer() {
    let request = spec_request();
    verify_spec(&["--username", "demo"], &request).expect(0);
    let line = assert_rejected(
        verify_spec(&["--username", "partner-b"], &request),
        "verify.unknown_username",
    );
    assert!(
        line.contains("the request is signed by \"demo\"; --username is \"partner-b\""),
        "{line}"
    );
}

#[test]
fn an_unusable_authorization_header_is_the_reason_given() {
    let request = String::from_utf8(spec_request()).unwrap();
    let missing: String = request
        .split_inclusive("\r\n")
        .filter(|l| !l.starts_with("Authorization:"))
        .collect();
    let cases = [
        (missing, "verify.missing_authorization"),
        (
            request.replace("Authorization: hmac ", "Authorization: Bearer "),
            "authorization.scheme",
        ),
        (
            request.replacen("X-Date:", "Authorization: hmac x\r\nX-Date:", 1),
            "verify.repeated_authorization",
        ),
    ];
    for (bytes, kind) in cases {
        assert_rejected(verify_spec(&[], bytes.as_bytes()), kind);
    }
}

#[test]
fn policy_flags_require_headers_and_bound_the_body() {
    let request = spec_request();
    assert_rejected(
        verify_spec(&["--require-header", "Host"], &request),
        "verify.required_header_unsigned",
    );
    assert_rejected(
        verify_spec(&["--max-body", "469"], &request),
        "verify.body_too_large",
    );
    verify_spec(&["--max-body", "470"], &request).expect(0);
}

#[test]
fn secret_files_lose_one_trailing_newline() {
    let dir = tempfile::tempdir().unwrap();
    let request = spec_request();
    let path = dir.path().join("secret");
    // Verifies `request` with the secret read from a file holding `content`.
    let verify_with_file = |content: String| {
        std::fs::write(&path, content).unwrap();
        // Readable by its owner only: otherwise verify warns on stderr (see cli_hygiene.rs).
        #[cfg(unix)]
        std::fs::set_permissions(
            &path,
            <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o600),
        )
        .unwrap();
        let path = path.to_str().unwrap();
        run(
            &["verify", "--secret-file", path, "--now", SPEC_NOW],
            &[],
            &request,
        )
    };
    for content in [
        format!("{SPEC_SECRET}\n"),
        format!("{SPEC_SECRET}\r\n"),
        SPEC_SECRET.into(),
    ] {
        verify_with_file(content).expect(0);
    }
    assert_rejected(
        verify_with_file(format!("{SPEC_SECRET}\n\n")),
        "verify.signature_mismatch",
    );
}

#[test]
fn input_problems_exit_2() {
    let request = spec_request();
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::write(&empty, "\n").unwrap();
    // The secret's source: the arguments after `verify`, the environment, and a fragment of
    // the expected message; the request is SPEC §7's.
    let sources: [SourceCase<'_>; 4] = [
        (
            &["--secret-env", "NOT_SET_ANYWHERE"],
            &[],
            "NOT_SET_ANYWHERE is not set",
        ),
        (&["--secret-env", "S"], &[("S", "")], "S is empty"),
        (&["--secret-file", empty.to_str().unwrap()], &[], "is empty"),
        (&[], &[], "--secret-env <VAR>|--secret-file <PATH>"),
    ];
    for (args, env, message) in sources {
        let args = [&["verify"], args].concat();
        run(&args, env, &request).expect_input_error(message, &args);
    }
    // With a usable secret: the arguments after `--secret-env S`, standard input, and a
    // fragment of the expected message.
    let inputs: [(&[&str], &[u8], &str); 7] = [
        (
            &["/nonexistent/request"],
            b"",
            "cannot read the request /nonexistent/request",
        ),
        (&[], b"not a request\r\n\r\n", "cannot parse the request"),
        (
            &[],
            b"POST / HTTP/1.1\r\nX-Date: 1\r\n",
            "not terminated by a blank line",
        ),
        (&[], b"", "not terminated by a blank line"),
        (&["--username", "a\"b"], &request, "[key.username]"),
        (&["--max-skew", "five"], &request, "invalid value 'five'"),
        (&["a", "b"], &request, "unexpected argument 'b'"),
    ];
    for (extra, stdin, message) in inputs {
        verify(extra, "x", stdin).expect_input_error(message, &(extra, message));
    }
}

/// Regression: a request shaped like HTTP/1.x that breaks a SPEC §5 rule is a rejection with the
/// rule's kind (exit 1), not an input error (exit 2), even where a strict HTTP parser refuses
/// the bytes: obsolete line folding and a NUL in a signed header (§5.5), DEL in the
/// Authorization header (§4), an empty method.
#[test]
fn requests_breaking_spec_5_are_rejected_with_the_cores_kind() {
    let request = String::from_utf8(spec_request()).unwrap();
    let cases = [
        (
            request.replace("19:59:29 GMT", "19:59:29\r\n GMT"),
            "signing_string.header_value_invalid",
        ),
        (
            request.replace("19:59:29 GMT", "19:59:29\n\tGMT"),
            "signing_string.header_value_invalid",
        ),
        (
            request.replace(
                "Content-Type: application/json",
                "Content-Type: application/json\0",
            ),
            "signing_string.header_value_invalid",
        ),
        (
            request.replace("username=\"demo\"", "username=\"de\x7fmo\""),
            "authorization.invalid_character",
        ),
        (
            request.replacen("POST /", " /", 1),
            "signing_string.invalid_method",
        ),
    ];
    for (bytes, kind) in cases {
        let line = assert_rejected(verify_spec(&[], bytes.as_bytes()), kind);
        assert!(!line.contains("cannot parse"), "{line}");
    }
    // What is not one HTTP/1.x request stays an input error.
    verify_spec(&[], request.replacen("POST /", "PO ST /", 1).as_bytes())
        .expect_input_error("cannot parse the request", &"four fields");
}

/// Regression: a value that begins with `-` is a value, not a flag, for every option that takes
/// one (here a username `-n0x`, a secret variable and file, a required header, a target).
#[test]
fn values_may_begin_with_a_hyphen() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("-secret"), "s\n").unwrap();
    let signed = run_in(
        Some(dir.path()),
        &[
            "sign",
            "--username",
            "-n0x",
            "--secret-env",
            "-S",
            "--method",
            "POST",
            "--target",
            "/p",
            "--now",
            SPEC_NOW,
            "--format",
            "http",
        ],
        &[("-S", "s")],
        b"",
    )
    .expect(0)
    .stdout;
    let verified = run_in(
        Some(dir.path()),
        &[
            "verify",
            "--username",
            "-n0x",
            "--secret-file",
            "-secret",
            "--now",
            SPEC_NOW,
        ],
        &[],
        &signed,
    );
    assert_eq!(verified.expect(0).stdout_text(), "ok\n");
    // The value reaches the verifier, which judges it.
    assert_rejected(
        verify(&["--now", SPEC_NOW, "--require-header", "-x"], "s", &signed),
        "verify.required_header_unsigned",
    );
    assert_rejected(
        verify(&["--now", SPEC_NOW, "--username", "-other"], "s", &signed),
        "verify.unknown_username",
    );
    // A number option still wants a number, and says so.
    verify(&["--now", "-5"], "s", &signed).expect_input_error("invalid value '-5'", &"--now -5");
}
