//! The secret never appears in any output of any subcommand, whether it succeeds, rejects or
//! fails on input; and it is never taken from an argument.

mod cli_support;

use cli_support::*;

/// A secret distinctive enough that any appearance in output is a leak.
const SECRET: &str = "Zq7-distinctive-S3CRET-do-not-print-9f41";

#[track_caller]
fn assert_no_secret(label: &str, out: &Out) {
    for (stream, text) in [
        ("stdout", out.stdout_text()),
        ("stderr", out.stderr.clone()),
    ] {
        assert!(
            !text.contains(SECRET),
            "{label}: the secret is on {stream}:\n{text}"
        );
        assert!(
            !text.contains("Zq7-distinctive"),
            "{label}: part of the secret is on {stream}"
        );
    }
}

#[test]
fn no_subcommand_prints_the_secret() {
    let dir = tempfile::tempdir().unwrap();
    let secret_file = dir.path().join("secret");
    std::fs::write(&secret_file, format!("{SECRET}\n")).unwrap();
    let secret_file = secret_file.to_str().unwrap();
    let body = dir.path().join("body.json");
    std::fs::write(&body, SPEC_BODY).unwrap();
    let body = body.to_str().unwrap();
    let env = [("SECRET_VAR", SECRET)];
    let mut outputs = Vec::new();

    let sign = |extra: &[&str], source: &[&str]| {
        let mut args = sign_args(
            "demo",
            "POST",
            SPEC_TARGET,
            &["--body", body, "--now", SPEC_NOW],
        );
        args.extend_from_slice(source);
        args.extend_from_slice(extra);
        run(&args, &env, b"")
    };
    for source in [
        &["--secret-env", "SECRET_VAR"][..],
        &["--secret-file", secret_file],
    ] {
        for format in ["headers", "http", "curl"] {
            let out = sign(&["--format", format, "--host", "h.example"], source).expect(0);
            outputs.push((format!("sign {format} {source:?}"), out));
        }
        outputs.push((
            "sign legacy".into(),
            sign(&["--legacy-sha256"], source).expect(0),
        ));
        outputs.push((
            "sign refused".into(),
            sign(&["--method", "P O"], source).expect(2),
        ));
    }

    let request = sign(&["--format", "http"], &["--secret-env", "SECRET_VAR"])
        .expect(0)
        .stdout;
    let tampered = String::from_utf8(request.clone())
        .unwrap()
        .replace("/plugin", "/plugin2");
    for command in ["verify", "explain"] {
        for (label, input, code, extra) in [
            ("ok", &request[..], 0, &[][..]),
            ("mismatch", tampered.as_bytes(), 1, &[][..]),
            (
                "other username",
                &request[..],
                1,
                &["--username", "someone"][..],
            ),
            ("stale", &request[..], 1, &["--now", "1800000000"][..]),
            ("unparseable", &b"junk"[..], 2, &[][..]),
            ("bad username", &request[..], 2, &["--username", "a\\b"][..]),
        ] {
            for source in [
                &["--secret-env", "SECRET_VAR"][..],
                &["--secret-file", secret_file],
            ] {
                let mut args = vec![command];
                if !extra.contains(&"--now") {
                    args.extend(["--now", SPEC_NOW]);
                }
                args.extend_from_slice(source);
                args.extend_from_slice(extra);
                let out = run(&args, &env, input).expect(code);
                outputs.push((format!("{command} {label} {source:?}"), out));
            }
        }
    }
    // The demo key's secret is published, but demo does not print it either.
    let demo = run(&["demo"], &[], b"").expect(0);
    assert!(!demo.stdout_text().contains(SPEC_SECRET) && !demo.stderr.contains(SPEC_SECRET));

    assert!(outputs.len() >= 30);
    for (label, out) in &outputs {
        assert_no_secret(label, out);
    }
}

#[test]
fn there_is_no_secret_argument() {
    for args in [
        &[
            "sign",
            "--username",
            "u",
            "--secret",
            "x",
            "--method",
            "POST",
            "--target",
            "/",
        ][..],
        &["verify", "--secret", "x"],
    ] {
        let out = run(args, &[], b"").expect(2);
        assert!(
            out.stderr.contains("unexpected argument '--secret'"),
            "{}",
            out.stderr
        );
    }
}
