//! `ingo-sign validate`: SPEC §6's payload rules through `ingo_signer_core::payload`.

mod cli_support;

use cli_support::*;

/// The push-to-card request body of the seed page, with sender and ledger data (the copy the
/// benchmarks read).
const PUSH_TO_CARD: &str = include_str!("../../benches/data/push_to_card_seed.json");

fn validate(args: &[&str], body: &str) -> Out {
    let mut full = vec!["validate"];
    full.extend_from_slice(args);
    run(&full, &[], body.as_bytes())
}

#[test]
fn seed_bodies_are_valid() {
    let out = validate(&["--endpoint", "session-create"], SPEC_BODY).expect(0);
    assert_eq!(out.stdout_text(), "ok\n");
    validate(
        &["--endpoint", "session-create", "--paypal", "-"],
        SPEC_BODY,
    )
    .expect(0);
    validate(
        &["--endpoint", "push-to-card", "--sender", "--ledger"],
        PUSH_TO_CARD,
    )
    .expect(0);

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("body.json");
    std::fs::write(&file, PUSH_TO_CARD).unwrap();
    validate(&["--endpoint", "push-to-card", file.to_str().unwrap()], "").expect(0);
}

#[test]
fn each_violation_is_one_line_with_its_path() {
    let body = SPEC_BODY
        .replace("\"37233\"", "\"3723\"")
        .replace("\"GA\"", "\"ZZ\"")
        .replace("\"jack.frost@example.com\"", "\"jack.frost.example.com\"");
    let out = validate(&["--endpoint", "session-create"], &body).expect(1);
    assert_eq!(
        out.stdout_text(),
        "recipient_information.state: \"ZZ\" must be a two-letter upper-case US state, territory or military code such as GA [state]\n\
         recipient_information.zip_code: \"3723\" must be 5 digits or 5+4 digits [zip]\n\
         recipient_information.email_address: must be an e-mail address with exactly one @ [email]\n"
    );
    assert_eq!(out.stderr, "");
}

#[test]
fn participant_flags_require_their_fields() {
    let no_email = SPEC_BODY.replace(",\"email_address\":\"jack.frost@example.com\"", "");
    validate(&["--endpoint", "session-create"], &no_email).expect(0);
    let out = validate(&["--endpoint", "session-create", "--paypal"], &no_email).expect(1);
    let text = out.stdout_text();
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(
        text.starts_with("recipient_information.email_address: "),
        "{text}"
    );

    let retail = validate(&["--endpoint", "push-to-card", "--retail"], PUSH_TO_CARD).expect(1);
    let paths: Vec<&str> = retail
        .stdout
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| std::str::from_utf8(l).unwrap().split(':').next().unwrap())
        .collect();
    assert_eq!(paths, ["store_id", "terminal_id", "clerk_id"]);

    let without_sender = PUSH_TO_CARD.replace("\"sender\": {", "\"x_sender\": {");
    let out = validate(&["--endpoint", "push-to-card", "--sender"], &without_sender).expect(1);
    let text = out.stdout_text();
    assert!(
        text.contains("\nsender: ") || text.starts_with("sender: "),
        "{text}"
    );
    assert!(
        text.contains("x_sender: ") && text.contains("[unknown_field]"),
        "{text}"
    );
}

#[test]
fn a_body_that_is_not_strict_json_gets_one_root_line() {
    for (body, kind) in [
        ("{\"a\":", "json.unexpected_end"),
        ("", "json.empty"),
        ("[1]", "json.not_an_object"),
        ("{\"participant_unique_id1\":\"a\"} x", "json.trailing_data"),
    ] {
        let out = validate(&["--endpoint", "session-create"], body).expect(1);
        let text = out.stdout_text();
        assert_eq!(text.lines().count(), 1, "{body:?}: {text}");
        assert!(
            text.starts_with("$: the body is not acceptable JSON: "),
            "{text}"
        );
        assert!(text.ends_with(&format!(" [{kind}]\n")), "{body:?}: {text}");
    }
}

#[test]
fn more_violations_than_the_report_keeps_are_counted_on_stderr() {
    let keys: Vec<String> = (0..40).map(|i| format!("\"unknown_{i}\":1")).collect();
    let body = format!("{{\"participant_unique_id1\":\"a\",{}}}", keys.join(","));
    let out = validate(&["--endpoint", "session-create"], &body).expect(1);
    assert_eq!(out.stdout_text().lines().count(), 32);
    assert_eq!(
        out.stderr,
        "ingo-sign: 8 more violation(s) not listed; the report keeps the first 32\n"
    );
}

#[test]
fn usage_and_input_errors_exit_2() {
    for (args, message) in [
        (
            &["--endpoint", "session-create", "--sender"][..],
            "--sender applies to --endpoint push-to-card only",
        ),
        (
            &["--endpoint", "session-create", "--retail"],
            "--retail applies to --endpoint push-to-card only",
        ),
        (
            &["--endpoint", "push-to-card", "--paypal"],
            "--paypal applies to --endpoint session-create only",
        ),
        (&["--endpoint", "refund"], "invalid value 'refund'"),
        (&[], "--endpoint <ENDPOINT>"),
        (
            &["--endpoint", "push-to-card", "/nonexistent/body.json"],
            "cannot read the body /nonexistent/body.json",
        ),
    ] {
        validate(args, PUSH_TO_CARD).expect_input_error(message, &args);
    }
}
