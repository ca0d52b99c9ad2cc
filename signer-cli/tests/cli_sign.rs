//! `ingo-sign sign`: SPEC §7's known answers, each format, round trips through `verify`, curl
//! commands run by a real shell (and a real curl when there is one), and the exit codes.

mod cli_support;

use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use cli_support::*;

const SHA512_OF_EMPTY: &str =
    "z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==";

#[test]
fn headers_format_reproduces_spec_7() {
    let out = sign_spec(&[]).expect(0);
    let expected = format!(
        "X-Date: Fri, 17 Jan 2020 19:59:29 GMT\n\
         Content-Type: application/json\n\
         Content-Length: 470\n\
         Content-sha512: {SPEC_DIGEST}\n\
         Authorization: hmac username=\"demo\", algorithm=\"hmac-sha512\", headers=\"request-line x-date content-type content-length content-sha512\", signature=\"{SPEC_SIGNATURE}\"\n"
    );
    assert_eq!(out.stdout_text(), expected);
    assert_eq!(out.stderr, "");
}

#[test]
fn legacy_sha256_reproduces_spec_7() {
    let out = sign_spec(&["--legacy-sha256"]).expect(0);
    let text = out.stdout_text();
    assert_eq!(header(&text, "Content-sha256"), Some(SPEC_LEGACY_DIGEST));
    assert_eq!(header(&text, "Content-sha512"), None);
    assert_eq!(
        header(&text, "Authorization"),
        Some(
            format!(
                "hmac username=\"demo\", algorithm=\"hmac-sha256\", headers=\"request-line x-date content-type content-length content-sha256\", signature=\"{SPEC_LEGACY_SIGNATURE}\""
            )
            .as_str()
        )
    );
}

#[test]
fn http_format_is_the_request_as_sent_and_verify_accepts_it() {
    let out = sign_spec(&[
        "--format",
        "http",
        "--host",
        "iip-session-management-uat.ingo.money",
    ])
    .expect(0);
    let bytes = out.stdout;
    let (head, body) = split_head(&bytes);
    assert_eq!(
        body,
        SPEC_BODY.as_bytes(),
        "the body follows the blank line, unchanged"
    );
    let head = std::str::from_utf8(head).unwrap();
    assert!(
        head.split("\r\n").all(|line| !line.contains('\n')),
        "every line of the head ends in CRLF"
    );
    let lines: Vec<&str> = head.split("\r\n").collect();
    assert_eq!(lines[0], format!("POST {SPEC_TARGET} HTTP/1.1"));
    assert_eq!(lines[1], "Host: iip-session-management-uat.ingo.money");
    assert_eq!(
        lines[6],
        format!(
            "Authorization: hmac username=\"demo\", algorithm=\"hmac-sha512\", headers=\"request-line x-date content-type content-length content-sha512\", signature=\"{SPEC_SIGNATURE}\""
        )
    );
    assert_eq!(&lines[7..], ["", ""], "a blank line ends the head");

    let ok = verify_spec(&[], &bytes).expect(0);
    assert_eq!(ok.stdout_text(), "ok\n");
    assert_eq!(ok.stderr, "");
    verify_spec(&["--username", "demo", "-"], &bytes).expect(0);
    // Without --host there is no Host line, and it still verifies.
    let bare = sign_spec(&["--format", "http"]).expect(0).stdout;
    assert!(!String::from_utf8_lossy(&bare).contains("Host:"));
    verify_spec(&[], &bare).expect(0);
}

#[test]
fn legacy_http_round_trips_only_where_legacy_is_allowed() {
    let bytes = sign_spec(&["--format", "http", "--legacy-sha256"])
        .expect(0)
        .stdout;
    verify_spec(&["--allow-legacy-sha256"], &bytes).expect(0);
    let refused = verify_spec(&[], &bytes).expect(1);
    assert!(
        refused
            .stderr
            .starts_with("rejected: algorithm hmac-sha256 is not allowed here")
            && refused.stderr.ends_with("[verify.algorithm_not_allowed]\n"),
        "{}",
        refused.stderr
    );
}

#[test]
fn body_from_stdin_equals_body_from_file_and_no_body_is_empty() {
    let from_file = sign_spec(&[]).expect(0).stdout;
    let from_stdin = sign(
        "demo",
        "POST",
        SPEC_TARGET,
        &["--body", "-", "--now", SPEC_NOW],
        SPEC_SECRET,
        SPEC_BODY.as_bytes(),
    )
    .expect(0)
    .stdout;
    assert_eq!(from_file, from_stdin);

    let empty = sign(
        "demo",
        "GET",
        "/status?x=%2F",
        &["--now", SPEC_NOW, "--format", "http"],
        "s",
        b"",
    )
    .expect(0)
    .stdout;
    let text = String::from_utf8(empty.clone()).unwrap();
    assert!(text.starts_with("GET /status?x=%2F HTTP/1.1\r\n"));
    assert!(text.ends_with("\r\n\r\n"), "nothing after the blank line");
    assert_eq!(header(&text, "Content-Length"), Some("0"));
    assert_eq!(header(&text, "Content-sha512"), Some(SHA512_OF_EMPTY));
    verify(&["--now", SPEC_NOW], "s", &empty).expect(0);
}

#[test]
fn content_type_with_parameters_is_signed_as_given() {
    let out = sign_spec(&[
        "--content-type",
        "application/json; charset=utf-8",
        "--format",
        "http",
    ])
    .expect(0);
    let text = out.stdout_text();
    assert_eq!(
        header(&text, "Content-Type"),
        Some("application/json; charset=utf-8")
    );
    verify_spec(&[], &out.stdout).expect(0);
}

/// A body and a target that a careless quoter would let the shell interpret.
const NASTY_BODY: &str =
    "{\"a\":\"it's $(touch pwned) `touch pwned2` \\\"q\\\" \\\\ ${HOME} *\n'' end\"}";
const NASTY_TARGET: &str = "/p/a/../b?q=[1]&r={a,b}&s=%2F&t='x'&u=*";

/// Writes an executable script.
fn script(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Runs a printed command with `sh`, with `bin` first on PATH.
fn run_sh(command: &[u8], bin: &Path, cwd: &Path) -> std::process::Output {
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    std::process::Command::new("sh")
        .arg("-c")
        .arg(std::ffi::OsStr::new(std::str::from_utf8(command).unwrap()))
        .env("PATH", path)
        .current_dir(cwd)
        .output()
        .unwrap()
}

fn sign_curl(dir: &Path, host: &str, body_args: &[&str], stdin: &[u8]) -> Vec<u8> {
    let mut args = sign_args(
        "demo",
        "POST",
        NASTY_TARGET,
        &["--secret-env", "S", "--now", SPEC_NOW],
    );
    args.extend(["--format", "curl", "--host", host]);
    args.extend_from_slice(body_args);
    let out = run_in(Some(dir), &args, &[("S", "curl-secret-xyzzy")], stdin).expect(0);
    assert!(!out.stdout_text().contains("curl-secret-xyzzy"));
    out.stdout
}

#[test]
fn curl_command_quotes_safely_for_a_posix_shell() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    // A stand-in curl that prints the arguments it received, NUL-separated.
    script(&bin.join("curl"), "#!/bin/sh\nprintf '%s\\0' \"$@\"\n");

    for (label, body_args, stdin) in [
        ("inline", vec!["--body", "-"], NASTY_BODY.as_bytes()),
        ("file", vec!["--body", "it's a body.json"], &b""[..]),
    ] {
        std::fs::write(dir.path().join("it's a body.json"), NASTY_BODY).unwrap();
        let command = sign_curl(dir.path(), "api.example.com", &body_args, stdin);
        let out = run_sh(&command, &bin, dir.path());
        assert!(
            out.status.success(),
            "{label}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let argv: Vec<String> = out
            .stdout
            .split(|&b| b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8(a.to_vec()).unwrap())
            .collect();
        let headers = sign_spec_like_headers(&command);
        let mut expected: Vec<String> = [
            "--http1.1",
            "--globoff",
            "--path-as-is",
            "--request",
            "POST",
        ]
        .map(String::from)
        .to_vec();
        for h in headers {
            expected.push("--header".into());
            expected.push(h);
        }
        match label {
            "inline" => expected.extend(["--data-raw".into(), NASTY_BODY.into()]),
            _ => expected.extend(["--data-binary".into(), "@it's a body.json".into()]),
        }
        expected.push(format!("https://api.example.com{NASTY_TARGET}"));
        assert_eq!(argv, expected, "{label}");
        assert!(!dir.path().join("pwned").exists() && !dir.path().join("pwned2").exists());
    }
}

/// The five `Name: value` header arguments, read back from the command's own lines.
fn sign_spec_like_headers(command: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(command);
    let headers: Vec<String> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("--header '"))
        .map(|h| h.trim_end_matches(" \\").trim_end_matches('\'').to_owned())
        .collect();
    let names: Vec<&str> = headers
        .iter()
        .map(|h| h.split(':').next().unwrap())
        .collect();
    assert_eq!(
        names.join(" "),
        "X-Date Content-Type Content-Length Content-sha512 Authorization"
    );
    headers
}

/// The first `curl` on PATH, if any.
fn real_curl() -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join("curl"))
        .find(|p| p.is_file())
}

/// Accepts one request on `listener` and returns its bytes (head and Content-Length body).
fn capture_one(listener: TcpListener) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(20)))
            .unwrap();
        let mut bytes = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = stream.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            bytes.extend_from_slice(&buf[..n]);
            if let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&bytes[..end]).to_string();
                let len: usize = header(&head, "Content-Length").map_or(0, |v| v.parse().unwrap());
                if bytes.len() >= end + 4 + len {
                    break;
                }
            }
        }
        let _ = stream.write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
        bytes
    })
}

#[test]
fn curl_command_sends_exactly_what_verify_accepts() {
    let Some(curl) = real_curl() else {
        eprintln!("SKIPPED: no curl on PATH; the quoting test above still ran");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    // The command targets https://; this shim sends it to a plain-text local listener instead,
    // changing nothing else.
    script(
        &bin.join("curl"),
        &format!(
            "#!/bin/sh\nfor a in \"$@\"; do\n  shift\n  case $a in https://*) a=\"http://${{a#https://}}\" ;; esac\n  set -- \"$@\" \"$a\"\ndone\nexec '{}' --silent --show-error --max-time 20 \"$@\"\n",
            curl.display()
        ),
    );
    std::fs::write(dir.path().join("body.json"), NASTY_BODY).unwrap();
    for body_args in [vec!["--body", "-"], vec!["--body", "body.json"], vec![]] {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let host = listener.local_addr().unwrap().to_string();
        let server = capture_one(listener);
        let command = sign_curl(dir.path(), &host, &body_args, NASTY_BODY.as_bytes());
        let out = run_sh(&command, &bin, dir.path());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let sent = server.join().unwrap();
        assert!(
            sent.starts_with(format!("POST {NASTY_TARGET} HTTP/1.1\r\n").as_bytes()),
            "curl sent the signed target and version unchanged: {}",
            String::from_utf8_lossy(&sent)
        );
        verify(
            &["--now", SPEC_NOW, "--username", "demo"],
            "curl-secret-xyzzy",
            &sent,
        )
        .expect(0);
    }
}

#[test]
fn input_and_usage_errors_exit_2() {
    const SECRET: &str = "s3cret";
    // With the secret in S: the arguments after `--secret-env S`, and a fragment of the
    // expected message.
    let with_secret: [(&[&str], &str); 9] = [
        (&["--format", "curl"], "--format curl needs --host"),
        (&["--format", "curl", "--host", "a b"], "is not a host name"),
        (
            &["--format", "http", "--host", "a\r\nX-Evil: 1"],
            "is not a host name",
        ),
        (&["--body", "/nonexistent/body"], "cannot read the body"),
        (&["--content-type", "text/plain"], "[sign.content_type]"),
        (&["--format", "xml"], "invalid value 'xml'"),
        (&["--secret-file", "f"], "cannot be used with"),
        (&["--now=-5"], "invalid value '-5' for '--now"),
        (&["--secret", "x"], "unexpected argument '--secret'"),
    ];
    for (extra, message) in with_secret {
        let out = sign("demo", "POST", "/p", extra, SECRET, b"");
        out.expect_input_error(message, &extra);
    }
    // The secret's source: the arguments, the environment, and a fragment of the message.
    let env = [("S", SECRET)];
    let sources: [SourceCase<'_>; 4] = [
        (
            &["--secret-env", "UNSET_VAR_FOR_TEST"],
            &env,
            "UNSET_VAR_FOR_TEST is not set",
        ),
        (
            &["--secret-env", "EMPTY"],
            &[("EMPTY", "")],
            "EMPTY is empty",
        ),
        (
            &["--secret-file", "/nonexistent/secret"],
            &env,
            "cannot read the secret file",
        ),
        (&[], &env, "--secret-env <VAR>|--secret-file <PATH>"),
    ];
    for (source, env, message) in sources {
        let args = sign_args("demo", "POST", "/p", source);
        run(&args, env, b"").expect_input_error(message, &args);
    }
    // What the core refuses to sign is an input error too, with the core's kind.
    let out = sign("demo", "PO ST", "/p", &[], SECRET, b"").expect(2);
    assert!(
        out.stderr.ends_with("[signing_string.invalid_method]\n"),
        "{}",
        out.stderr
    );
    let out = sign("de\"mo", "POST", "/p", &[], SECRET, b"").expect(2);
    assert!(out.stderr.ends_with("[key.username]\n"), "{}", out.stderr);
    // A body with a NUL byte cannot be inlined into a shell command.
    let curl = ["--body", "-", "--format", "curl", "--host", "h"];
    let out = sign("demo", "POST", "/p", &curl, SECRET, b"{\0}").expect(2);
    assert!(out.stderr.contains("NUL"), "{}", out.stderr);
}

#[test]
fn help_exits_0() {
    let out = run(&["sign", "--help"], &[], b"").expect(0);
    assert!(out.stdout_text().contains("--secret-env <VAR>"));
}

fn split_head(bytes: &[u8]) -> (&[u8], &[u8]) {
    let end = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a blank line");
    (&bytes[..end + 4], &bytes[end + 4..])
}
