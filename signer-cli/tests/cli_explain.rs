//! `ingo-sign explain`: the signing string with visible line breaks, the digests, the skew, a
//! verdict per SPEC §5 check in order, the verifier's verdict, and never a usable signature.

mod cli_support;

use cli_support::*;

fn spec_request() -> String {
    String::from_utf8(sign_spec(&["--format", "http"]).expect(0).stdout).unwrap()
}

fn explain(extra: &[&str], secret: &str, request: &str) -> Out {
    with_secret("explain", extra, secret, request.as_bytes())
}

/// `explain` at SPEC §7's instant with SPEC §7's secret.
fn explain_spec(extra: &[&str], request: &str) -> Out {
    explain(
        &[&["--now", SPEC_NOW], extra].concat(),
        SPEC_SECRET,
        request,
    )
}

/// The `N. name  verdict` lines of the checks table, in printed order.
fn checks_of(text: &str) -> Vec<(usize, String)> {
    let table = text
        .split("checks (SPEC §5, in order)\n")
        .nth(1)
        .expect("a checks table");
    table
        .lines()
        .take_while(|l| !l.is_empty())
        .map(|l| {
            let (n, rest) = l.trim().split_once(". ").unwrap();
            (n.parse().unwrap(), rest.to_owned())
        })
        .collect()
}

#[test]
fn a_good_request_is_explained_and_exits_0() {
    let now = (SPEC_NOW.parse::<u64>().unwrap() + 31).to_string();
    let out = explain(&["--now", &now], SPEC_SECRET, &spec_request()).expect(0);
    let text = out.stdout_text();
    let signing_string = format!(
        "  | POST {SPEC_TARGET} HTTP/1.1\\n\n  | x-date: Fri, 17 Jan 2020 19:59:29 GMT\\n\n  | content-type: application/json\\n\n  | content-length: 470\\n\n  | content-sha512: {SPEC_DIGEST}\n"
    );
    assert!(text.contains(&signing_string), "{text}");
    assert!(
        text.contains(&format!(
            "    header   {SPEC_DIGEST}\n    computed {SPEC_DIGEST}\n    equal\n"
        )),
        "{text}"
    );
    assert!(
        text.contains("skew       31 s: x-date is older than now; the limit is 300 s"),
        "{text}"
    );
    assert!(text.contains(&format!("signature  {SPEC_SIGNATURE} (received)")));
    let checks = checks_of(&text);
    assert_eq!(
        checks.iter().map(|c| c.0).collect::<Vec<_>>(),
        (1..=10).collect::<Vec<_>>()
    );
    for (n, line) in &checks {
        assert!(
            line.ends_with(" ok") || line.contains(" ok: "),
            "check {n}: {line}"
        );
    }
    assert!(checks[5].1.contains("the signature matches"));
    assert!(text.ends_with("\nverdict: ok\n"), "{text}");
}

#[test]
fn a_mismatch_shows_the_received_signature_never_the_expected_one() {
    // An attacker changes the target and asks `explain` (run by someone holding the secret) what
    // the signature should be.
    let request = spec_request().replace(SPEC_TARGET, "/api/v1/sessions/point-in-time/other");
    let forged = sign(
        "demo",
        "POST",
        "/api/v1/sessions/point-in-time/other",
        &["--body", "-", "--now", SPEC_NOW],
        SPEC_SECRET,
        SPEC_BODY.as_bytes(),
    )
    .expect(0)
    .stdout_text();
    let authorization = header(&forged, "Authorization").unwrap();
    let good_signature = authorization
        .rsplit_once("signature=\"")
        .unwrap()
        .1
        .trim_end_matches('"');
    assert_ne!(good_signature, SPEC_SIGNATURE);

    let out = explain_spec(&[], &request).expect(1);
    let text = out.stdout_text();
    assert!(
        !text.contains(good_signature),
        "explain printed the expected signature:\n{text}"
    );
    assert!(!text.contains(SPEC_SECRET));
    let checks = checks_of(&text);
    assert!(
        checks[5].1.contains(&format!(
            "FAILED: the received signature {SPEC_SIGNATURE} does not match"
        )),
        "{}",
        checks[5].1
    );
    assert!(checks[5].1.ends_with("[verify.signature_mismatch]"));
    // The signing string shows the changed target, which is how a person finds the cause.
    assert!(text.contains("  | POST /api/v1/sessions/point-in-time/other HTTP/1.1\\n\n"));
    assert!(text.contains("\nverdict: rejected: the signature does not match the request;"));
}

#[test]
fn every_failing_check_is_shown_not_only_the_first() {
    // A tampered body, a wrong secret and a clock 10 minutes behind the signer.
    let request = spec_request().replace("Alex", "Alec");
    let early = (SPEC_NOW.parse::<u64>().unwrap() - 600).to_string();
    let out = explain(&["--now", &early], "another-secret", &request).expect(1);
    let text = out.stdout_text();
    let checks = checks_of(&text);
    assert!(checks[5].1.contains("FAILED") && checks[5].1.ends_with("[verify.signature_mismatch]"));
    assert!(
        checks[6].1.contains("FAILED: x-date is 600 s ahead of now"),
        "{}",
        checks[6].1
    );
    assert!(checks[6].1.ends_with("[verify.date_skew]"));
    assert!(checks[9].1.contains("FAILED") && checks[9].1.ends_with("[digest.mismatch]"));
    assert!(
        text.contains("skew       600 s: x-date is ahead of now"),
        "{text}"
    );
    assert!(text.contains(&format!("    header   {SPEC_DIGEST}\n    computed ")));
    assert!(text.contains("    differ\n"));
    // The verdict is the verifier's: the first failure in SPEC order.
    assert!(text.ends_with("[verify.signature_mismatch]\n"), "{text}");
}

#[test]
fn policy_checks_come_from_the_verifier() {
    let legacy = String::from_utf8(
        sign_spec(&["--format", "http", "--legacy-sha256"])
            .expect(0)
            .stdout,
    )
    .unwrap();
    let out = explain_spec(&[], &legacy).expect(1);
    let checks = checks_of(&out.stdout_text());
    assert!(
        checks[1].1.ends_with("[verify.algorithm_not_allowed]"),
        "{}",
        checks[1].1
    );
    assert!(
        checks[2].1.ends_with(" ok"),
        "step 3 is judged on its own: {}",
        checks[2].1
    );
    assert!(checks[5].1.contains("not checked: an earlier check failed"));
    explain_spec(&["--allow-legacy-sha256"], &legacy).expect(0);

    let out = explain_spec(&["--username", "other"], &spec_request()).expect(1);
    let table = checks_of(&out.stdout_text());
    assert!(
        table[3]
            .1
            .contains("the request is signed by \"demo\"; --username is \"other\"")
    );
    assert!(table[3].1.ends_with("[verify.unknown_username]"));
}

#[test]
fn an_unusable_authorization_header_still_gets_the_other_checks() {
    let request = spec_request().replace("username=\"demo\",", "username=\"demo\"");
    let out = explain_spec(&[], &request).expect(1);
    let text = out.stdout_text();
    let checks = checks_of(&text);
    assert!(
        checks[0].1.contains("FAILED") && checks[0].1.ends_with("[authorization.missing_comma]")
    );
    for i in [1, 2, 3, 4, 5] {
        assert!(
            checks[i]
                .1
                .contains("not checked: no usable Authorization header"),
            "{}",
            checks[i].1
        );
    }
    for i in [6, 7, 8, 9] {
        assert!(checks[i].1.contains(" ok"), "{}", checks[i].1);
    }
    assert!(text.ends_with("[authorization.missing_comma]\n"));
}

#[test]
fn input_problems_exit_2() {
    let out = explain_spec(&[], "garbage\r\n\r\n").expect(2);
    assert!(
        out.stderr
            .starts_with("ingo-sign: cannot parse the request")
    );
    assert!(out.stdout.is_empty());
    let out = run(
        &["explain", "--secret-env", "UNSET_FOR_EXPLAIN"],
        &[],
        spec_request().as_bytes(),
    )
    .expect(2);
    assert!(out.stderr.contains("UNSET_FOR_EXPLAIN is not set"));
}
