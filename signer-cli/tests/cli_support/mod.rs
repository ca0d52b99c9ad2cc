//! Shared by the `cli_*` tests (and `e2e_serve_load`): runs the built `ingo-sign` binary.

#![allow(dead_code)] // each test file uses its own part

use std::io::{BufRead, BufReader, Write as _};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The binary Cargo built for these tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_ingo-sign");

/// SPEC §7's inputs and known answers.
pub const SPEC_SECRET: &str = "demo-secret-not-for-production";
pub const SPEC_NOW: &str = "1579291169";
pub const SPEC_TARGET: &str = "/api/v1/sessions/point-in-time/plugin";
pub const SPEC_DIGEST: &str =
    "3q0SjtvYQ+sYK547xTH/wGVanywHfrt/keOUVNMqGUGilvU74qWUYpK4jVkLjxxXWA5VQC0lFK8+6phwJFMHOw==";
pub const SPEC_SIGNATURE: &str =
    "UtGXHtk9yGReskjL9IuB/rnDaqcfwzALea2D3Lr+f7hQKvZw/y1Y9Ad1MwnG85+vIBgJWH0sWPOA8Z+4KLmhbQ==";
pub const SPEC_LEGACY_DIGEST: &str = "5LFHO2vW+LIwmRoLGopYZQZvcixg84tRchhKVgToN7E=";
pub const SPEC_LEGACY_SIGNATURE: &str = "qp8rLccOWFvchoxEtPoltMDSVPkEyH7CY+OsfMbnWL4=";
/// The seed's Session Create body, minified (470 bytes), written out here independently of the
/// binary's copy.
pub const SPEC_BODY: &str = r#"{"participant_unique_id1":"70646041-01ea-4cd6-b657-18ff88e465c7","host_uri":"https://digitalpay-test.ingo.money","language_locale_code":"en-US","recipient_information":{"first_name":"Alex","last_name":"Rivera","business_name":"Acme Limited","address_line1":"100 Innovation Way","city":"Anytown","state":"GA","zip_code":"37233","email_address":"jack.frost@example.com","phone_number":"1231231234","mobile_number":"1231231234","open_banking":{"mobus_customer_id":"9999"}}}"#;

/// A case of the secret's source: the arguments that name it, the environment, and a fragment
/// of the expected message.
pub type SourceCase<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);

/// What a run printed and returned.
#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Out {
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Asserts the exit code, showing the output when it differs.
    #[track_caller]
    pub fn expect(self, code: i32) -> Self {
        assert_eq!(
            self.code,
            code,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout_text(),
            self.stderr
        );
        self
    }

    /// Asserts an input or usage error: exit code 2, `message` in stderr, nothing on stdout.
    /// `case` names the case in the failure message.
    #[track_caller]
    pub fn expect_input_error(self, message: &str, case: &dyn std::fmt::Debug) -> Self {
        let out = self.expect(2);
        assert!(out.stderr.contains(message), "{case:?}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{case:?}");
        out
    }
}

/// Runs `ingo-sign args` with `env` added to the environment and `stdin` piped in.
pub fn run(args: &[&str], env: &[(&str, &str)], stdin: &[u8]) -> Out {
    run_in(None, args, env, stdin)
}

/// [`run`] in a working directory.
pub fn run_in(dir: Option<&Path>, args: &[&str], env: &[(&str, &str)], stdin: &[u8]) -> Out {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    let mut child = command.spawn().expect("spawn ingo-sign");
    let mut pipe = child.stdin.take().unwrap();
    let input = stdin.to_vec();
    // Write from a thread: the child may exit (or fill its stdout) before reading everything.
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let output = child.wait_with_output().expect("wait for ingo-sign");
    writer.join().unwrap();
    Out {
        code: output.status.code().expect("exit code"),
        stdout: output.stdout,
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// `sign --username U --method M --target T rest...`: the arguments, for a test that chooses
/// the secret's source itself.
pub fn sign_args<'a>(
    username: &'a str,
    method: &'a str,
    target: &'a str,
    rest: &[&'a str],
) -> Vec<&'a str> {
    let mut args = vec![
        "sign",
        "--username",
        username,
        "--method",
        method,
        "--target",
        target,
    ];
    args.extend_from_slice(rest);
    args
}

/// `sign` of `method target` as `username` with `extra` arguments; `secret` is in `S` and
/// `stdin` is piped in (the body, with `--body -`).
pub fn sign(
    username: &str,
    method: &str,
    target: &str,
    extra: &[&str],
    secret: &str,
    stdin: &[u8],
) -> Out {
    let mut args = sign_args(username, method, target, &["--secret-env", "S"]);
    args.extend_from_slice(extra);
    run(&args, &[("S", secret)], stdin)
}

/// `command --secret-env S extra...` with `secret` in `S` and `stdin` piped in: how `verify`
/// and `explain` read a request.
pub fn with_secret(command: &str, extra: &[&str], secret: &str, stdin: &[u8]) -> Out {
    let mut args = vec![command, "--secret-env", "S"];
    args.extend_from_slice(extra);
    run(&args, &[("S", secret)], stdin)
}

/// `verify` of `request` with `secret` and `extra` arguments.
pub fn verify(extra: &[&str], secret: &str, request: &[u8]) -> Out {
    with_secret("verify", extra, secret, request)
}

/// `verify --now <SPEC §7's instant> extra...` of `request` with SPEC §7's secret.
pub fn verify_spec(extra: &[&str], request: &[u8]) -> Out {
    let mut args = vec!["--now", SPEC_NOW];
    args.extend_from_slice(extra);
    verify(&args, SPEC_SECRET, request)
}

/// `sign` at SPEC §7's inputs with `extra` arguments; the secret is in `SPEC_SECRET_VAR`.
pub fn sign_spec(extra: &[&str]) -> Out {
    let dir = tempfile::tempdir().unwrap();
    let body = dir.path().join("body.json");
    std::fs::write(&body, SPEC_BODY).unwrap();
    let mut args = vec![
        "sign",
        "--username",
        "demo",
        "--secret-env",
        "SPEC_SECRET_VAR",
        "--method",
        "POST",
        "--target",
        SPEC_TARGET,
        "--body",
        body.to_str().unwrap(),
        "--now",
        SPEC_NOW,
    ];
    args.extend_from_slice(extra);
    run(&args, &[("SPEC_SECRET_VAR", SPEC_SECRET)], b"")
}

/// The value of header `name` in `Name: value` lines.
pub fn header<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    text.lines().find_map(|line| {
        let (n, v) = line.split_once(": ")?;
        n.eq_ignore_ascii_case(name)
            .then_some(v.trim_end_matches('\r'))
    })
}

/// A running `ingo-sign serve`: its address, and its stderr lines as they come.
pub struct Serve {
    child: Option<Child>,
    pub addr: SocketAddr,
    pub stderr: Arc<Mutex<Vec<String>>>,
    _dir: tempfile::TempDir,
}

impl Serve {
    /// Starts `ingo-sign serve --keys <demo key> --listen 127.0.0.1:0 extra...` and reads the
    /// bound address from its first stdout line.
    pub fn start(extra: &[&str]) -> Serve {
        let dir = tempfile::tempdir().unwrap();
        let keys = dir.path().join("keys.json");
        std::fs::write(
            &keys,
            format!(r#"{{"keys": [{{"username": "demo", "secret": "{SPEC_SECRET}"}}]}}"#),
        )
        .unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_ingo-sign"))
            .args(["serve", "--keys"])
            .arg(&keys)
            .args(["--listen", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        let addr = first
            .trim_end()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("first stdout line: {first:?}"))
            .parse()
            .unwrap();
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let lines = Arc::clone(&stderr);
        let mut err = BufReader::new(child.stderr.take().unwrap());
        std::thread::spawn(move || {
            let mut line = String::new();
            while err.read_line(&mut line).unwrap_or(0) > 0 {
                lines.lock().unwrap().push(line.trim_end().to_owned());
                line.clear();
            }
        });
        Serve {
            child: Some(child),
            addr,
            stderr,
            _dir: dir,
        }
    }

    /// `http://ADDR{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Sends SIGTERM and waits for the exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().unwrap();
        let pid = child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("serve did not stop on SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The process id (for `/proc/<pid>/status`).
    pub fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    /// The log lines so far, parsed.
    pub fn log(&self) -> Vec<serde_json::Value> {
        // Give the server a moment to write the last line.
        std::thread::sleep(Duration::from_millis(100));
        self.parsed_log()
    }

    /// The log lines once there are `n` of them (the server writes a request's line after
    /// answering it), parsed; panics after 10 s with fewer.
    pub fn log_of(&self, n: usize) -> Vec<serde_json::Value> {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.stderr.lock().unwrap().len() < n {
            assert!(
                Instant::now() < deadline,
                "{} log lines of {n}",
                self.stderr.lock().unwrap().len()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        self.parsed_log()
    }

    fn parsed_log(&self) -> Vec<serde_json::Value> {
        self.stderr
            .lock()
            .unwrap()
            .iter()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if self.child.is_some() {
            self.terminate();
        }
    }
}
