//! `ingo-sign verify`: "ok" and 0, one-line reasons and 1, input errors and 2.

mod cli_support;

use cli_support::*;

/// SPEC §7's request as sent, signed by `sign --format http`.
fn spec_request() -> Vec<u8> {
    sign_spec(&["--format", "http", "--host", "api.example"])
        .expect(0)
        .stdout
}

fn verify(extra: &[&str], secret: &str, request: &[u8]) -> Out {
    let mut args = vec!["verify", "--secret-env", "S"];
    args.extend_from_slice(extra);
    run(&args, &[("S", secret)], request)
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
    let out = verify(&["--now", SPEC_NOW], SPEC_SECRET, &spec_request()).expect(0);
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
    verify(&["--now", SPEC_NOW], SPEC_SECRET, &lf).expect(0);

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("request.http");
    std::fs::write(&file, &request).unwrap();
    verify(
        &["--now", SPEC_NOW, file.to_str().unwrap()],
        SPEC_SECRET,
        b"",
    )
    .expect(0);
    verify(&["--now", SPEC_NOW, "-"], SPEC_SECRET, &request).expect(0);
}

#[test]
fn the_default_clock_is_the_system_clock() {
    let signed = run(
        &[
            "sign",
            "--username",
            "u",
            "--secret-env",
            "S",
            "--method",
            "POST",
            "--target",
            "/p",
            "--format",
            "http",
        ],
        &[("S", "s")],
        b"",
    )
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
    let tampered = String::from_utf8(request.clone())
        .unwrap()
        .replace("Alex", "Alec");
    assert_rejected(
        verify(&["--now", SPEC_NOW], SPEC_SECRET, tampered.as_bytes()),
        "digest.mismatch",
    );
    let retargeted = String::from_utf8(request)
        .unwrap()
        .replace("/plugin", "/plugin2");
    assert_rejected(
        verify(&["--now", SPEC_NOW], SPEC_SECRET, retargeted.as_bytes()),
        "verify.signature_mismatch",
    );
}

#[test]
fn username_pins_the_signer() {
    let request = spec_request();
    verify(
        &["--now", SPEC_NOW, "--username", "demo"],
        SPEC_SECRET,
        &request,
    )
    .expect(0);
    let line = assert_rejected(
        verify(
            &["--now", SPEC_NOW, "--username", "partner-b"],
            SPEC_SECRET,
            &request,
        ),
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
    assert_rejected(
        verify(&["--now", SPEC_NOW], SPEC_SECRET, missing.as_bytes()),
        "verify.missing_authorization",
    );
    let bearer = request.replace("Authorization: hmac ", "Authorization: Bearer ");
    assert_rejected(
        verify(&["--now", SPEC_NOW], SPEC_SECRET, bearer.as_bytes()),
        "authorization.scheme",
    );
    let twice = request.replacen("X-Date:", "Authorization: hmac x\r\nX-Date:", 1);
    assert_rejected(
        verify(&["--now", SPEC_NOW], SPEC_SECRET, twice.as_bytes()),
        "verify.repeated_authorization",
    );
}

#[test]
fn policy_flags_require_headers_and_bound_the_body() {
    let request = spec_request();
    assert_rejected(
        verify(
            &["--now", SPEC_NOW, "--require-header", "Host"],
            SPEC_SECRET,
            &request,
        ),
        "verify.required_header_unsigned",
    );
    assert_rejected(
        verify(
            &["--now", SPEC_NOW, "--max-body", "469"],
            SPEC_SECRET,
            &request,
        ),
        "verify.body_too_large",
    );
    verify(
        &["--now", SPEC_NOW, "--max-body", "470"],
        SPEC_SECRET,
        &request,
    )
    .expect(0);
}

#[test]
fn secret_files_lose_one_trailing_newline() {
    let dir = tempfile::tempdir().unwrap();
    let request = spec_request();
    for content in [
        format!("{SPEC_SECRET}\n"),
        format!("{SPEC_SECRET}\r\n"),
        SPEC_SECRET.into(),
    ] {
        let path = dir.path().join("secret");
        std::fs::write(&path, content).unwrap();
        run(
            &[
                "verify",
                "--secret-file",
                path.to_str().unwrap(),
                "--now",
                SPEC_NOW,
            ],
            &[],
            &request,
        )
        .expect(0);
    }
    let path = dir.path().join("secret");
    std::fs::write(&path, format!("{SPEC_SECRET}\n\n")).unwrap();
    assert_rejected(
        run(
            &[
                "verify",
                "--secret-file",
                path.to_str().unwrap(),
                "--now",
                SPEC_NOW,
            ],
            &[],
            &request,
        ),
        "verify.signature_mismatch",
    );
}

/// Arguments, environment, standard input, and a fragment of the expected message.
type ErrorCase<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, Vec<u8>, &'a str);

#[test]
fn input_problems_exit_2() {
    let request = spec_request();
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::write(&empty, "\n").unwrap();
    let cases: Vec<ErrorCase<'_>> = vec![
        (
            vec!["--secret-env", "NOT_SET_ANYWHERE"],
            vec![],
            request.clone(),
            "NOT_SET_ANYWHERE is not set",
        ),
        (
            vec!["--secret-env", "S"],
            vec![("S", "")],
            request.clone(),
            "S is empty",
        ),
        (
            vec!["--secret-file", empty.to_str().unwrap()],
            vec![],
            request.clone(),
            "is empty",
        ),
        (
            vec!["--secret-env", "S", "/nonexistent/request"],
            vec![("S", "x")],
            vec![],
            "cannot read the request /nonexistent/request",
        ),
        (
            vec!["--secret-env", "S"],
            vec![("S", "x")],
            b"not a request\r\n\r\n".to_vec(),
            "cannot parse the request",
        ),
        (
            vec!["--secret-env", "S"],
            vec![("S", "x")],
            b"POST / HTTP/1.1\r\nX-Date: 1\r\n".to_vec(),
            "not terminated by a blank line",
        ),
        (
            vec!["--secret-env", "S"],
            vec![("S", "x")],
            b"".to_vec(),
            "not terminated by a blank line",
        ),
        (
            vec!["--secret-env", "S"],
            vec![("S", "x")],
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".to_vec(),
            "Transfer-Encoding",
        ),
        (
            vec!["--secret-env", "S", "--username", "a\"b"],
            vec![("S", "x")],
            request.clone(),
            "[key.username]",
        ),
        (
            vec!["--secret-env", "S", "--max-skew", "five"],
            vec![("S", "x")],
            request.clone(),
            "invalid value 'five'",
        ),
        (
            vec![],
            vec![],
            request.clone(),
            "--secret-env <VAR>|--secret-file <PATH>",
        ),
        (
            vec!["--secret-env", "S", "a", "b"],
            vec![("S", "x")],
            request.clone(),
            "unexpected argument 'b'",
        ),
    ];
    for (args, env, stdin, message) in cases {
        let mut full = vec!["verify"];
        full.extend_from_slice(&args);
        let out = run(&full, &env, &stdin).expect(2);
        assert!(out.stderr.contains(message), "{full:?}: {}", out.stderr);
        assert!(out.stdout.is_empty());
    }
}
