//! `ingo-sign demo`: SPEC §7's request, printed as sent and verified.

mod cli_support;

use cli_support::*;

#[test]
fn demo_prints_spec_7_and_verifies_it() {
    let out = run(&["demo"], &[], b"").expect(0);
    let expected = format!(
        "POST {SPEC_TARGET} HTTP/1.1\r\n\
         Host: iip-session-management-uat.ingo.money\r\n\
         X-Date: Fri, 17 Jan 2020 19:59:29 GMT\r\n\
         Content-Type: application/json\r\n\
         Content-Length: 470\r\n\
         Content-sha512: {SPEC_DIGEST}\r\n\
         Authorization: hmac username=\"demo\", algorithm=\"hmac-sha512\", headers=\"request-line x-date content-type content-length content-sha512\", signature=\"{SPEC_SIGNATURE}\"\r\n\
         \r\n{SPEC_BODY}"
    );
    assert_eq!(SPEC_BODY.len(), 470);
    assert_eq!(out.stdout_text(), expected);
    assert!(out.stderr.contains("SPEC §7's instant"), "{}", out.stderr);
    assert!(
        out.stderr
            .ends_with("verify: ok (username demo, hmac-sha512)\n"),
        "{}",
        out.stderr
    );

    // Standard output is exactly the request: `verify` accepts it as is.
    verify_spec(&[], &out.stdout).expect(0);
}

#[test]
fn demo_signs_at_another_instant() {
    let out = run(&["demo", "--now", "1700000000"], &[], b"").expect(0);
    let text = out.stdout_text();
    assert_eq!(
        header(&text, "X-Date"),
        Some("Tue, 14 Nov 2023 22:13:20 GMT")
    );
    assert_eq!(header(&text, "Content-sha512"), Some(SPEC_DIGEST));
    assert!(!text.contains(SPEC_SIGNATURE));
    assert!(
        out.stderr
            .contains("# at 1700000000 (Tue, 14 Nov 2023 22:13:20 GMT)")
    );
    assert!(
        out.stderr
            .ends_with("verify: ok (username demo, hmac-sha512)\n")
    );
    verify(&["--now", "1700000000"], SPEC_SECRET, &out.stdout).expect(0);
}

#[test]
fn demo_usage_errors_exit_2() {
    let out = run(&["demo", "--now", "253402300800"], &[], b"").expect(2);
    assert!(
        out.stderr.starts_with("ingo-sign: cannot sign:"),
        "{}",
        out.stderr
    );
    for (args, message) in [
        (&["demo", "--now", "soon"][..], "invalid value 'soon'"),
        (&["demo", "extra"], "unexpected argument 'extra'"),
        (&["nonsense"], "unrecognized subcommand 'nonsense'"),
        (&[], "Usage: ingo-sign <COMMAND>"),
    ] {
        let out = run(args, &[], b"").expect(2);
        assert!(out.stderr.contains(message), "{args:?}: {}", out.stderr);
    }
}
