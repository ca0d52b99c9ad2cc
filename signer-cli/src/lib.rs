//! The `ingo-sign` command line: `sign`, `verify`, `explain`, `validate`, `demo` and `serve`.
//!
//! The command line holds no protocol logic: signing, verifying, parsing and every verdict are
//! [`ingo_signer_core`]'s; raw requests are read by [`ingo_signer::raw_request`] (`httparse`). This module
//! only reads arguments, secrets and files, and prints.
//!
//! Secrets come only from an environment variable (`--secret-env VAR`) or a file
//! (`--secret-file PATH`, one trailing newline stripped), never from an argument, and are never
//! printed. Exit codes: [`Status`]: 0 success, 1 rejected or invalid, 2 usage or input error.
//!
//! [`run`] takes the arguments and the three standard streams, so the whole program can be driven
//! from a test; [`main`] wires it to the process.

use std::ffi::OsString;
use std::fmt;
use std::io::{self, IsTerminal as _, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub mod args;
pub mod demo;
pub mod explain;
pub mod secret;
pub mod serve;
pub mod sign;
pub mod validate;
pub mod verify;

/// Sign, verify and explain Ingo Payments HMAC requests.
///
/// Secrets are read only from an environment variable (--secret-env) or a file (--secret-file),
/// never from an argument. Exit status: 0 success, 1 rejected or invalid, 2 usage or input error.
#[derive(Debug, Parser)]
#[command(name = "ingo-sign", version, about, long_about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign a request: print its headers, the whole request, or a curl command.
    Sign(sign::SignArgs),
    /// Verify one raw HTTP/1.x request: print "ok", or the reason on stderr and exit 1.
    Verify(args::VerifyArgs),
    /// Show how a request is verified: the signing string, the digests, the skew, each check.
    Explain(args::VerifyArgs),
    /// Check a request body against SPEC §6's payload rules: "ok", or one line per violation.
    Validate(validate::ValidateArgs),
    /// Sign SPEC §7's Session Create request with the built-in demo key, print it, verify it.
    Demo(demo::DemoArgs),
    /// Run a verifying server: a local sandbox of Ingo's two endpoints, or a sidecar in front of
    /// an upstream (--upstream).
    Serve(serve::ServeArgs),
}

/// The exit status of a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// 0: signed, verified, valid.
    Success,
    /// 1: the request or payload is rejected or invalid.
    Rejected,
    /// 2: a usage or input error (a bad flag, a missing secret, an unreadable or unparseable file).
    Usage,
}

impl Status {
    /// The process exit code.
    pub const fn code(self) -> u8 {
        match self {
            Status::Success => 0,
            Status::Rejected => 1,
            Status::Usage => 2,
        }
    }
}

/// A usage or input error: the command stops, prints `ingo-sign: <message>` on stderr and exits
/// with 2. The message never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError(String);

impl CliError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        CliError(message.into())
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CliError {}

impl From<io::Error> for CliError {
    /// Only output errors take this path (a closed pipe); inputs name their file.
    fn from(e: io::Error) -> Self {
        CliError(format!("cannot write the output: {e}"))
    }
}

/// The standard streams a command uses.
pub struct Io<'a> {
    /// Standard input (a request or body given as `-`).
    pub stdin: &'a mut dyn Read,
    /// Whether standard input is a terminal (then reading it prints a hint first).
    pub stdin_is_terminal: bool,
    /// Standard output.
    pub stdout: &'a mut dyn Write,
    /// Standard error.
    pub stderr: &'a mut dyn Write,
}

impl fmt::Debug for Io<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Io").finish_non_exhaustive()
    }
}

impl Io<'_> {
    /// Reads a whole input: the file at `path`, or standard input when `path` is `-`.
    ///
    /// # Errors
    /// [`CliError`] naming the file and the I/O error.
    pub fn read_input(&mut self, path: &Path, what: &str) -> Result<Vec<u8>, CliError> {
        let mut bytes = Vec::new();
        if is_stdin(path) {
            if self.stdin_is_terminal {
                let _ = writeln!(
                    self.stderr,
                    "ingo-sign: reading the {what} from standard input (end it with Ctrl-D)"
                );
            }
            self.stdin
                .read_to_end(&mut bytes)
                .map_err(|e| CliError::new(format!("cannot read the {what} from stdin: {e}")))?;
        } else {
            bytes = std::fs::read(path).map_err(|e| {
                CliError::new(format!("cannot read the {what} {}: {e}", path.display()))
            })?;
        }
        Ok(bytes)
    }
}

/// Whether an input path means standard input.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// The default input: standard input.
pub(crate) fn stdin_path() -> PathBuf {
    PathBuf::from("-")
}

/// Runs the command line with `args` (the program name first) on `io`, and returns the exit code.
///
/// ```
/// use ingo_sign::{run, Io};
/// let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
/// let mut io = Io { stdin: &mut std::io::empty(), stdin_is_terminal: false, stdout: &mut stdout, stderr: &mut stderr };
/// assert_eq!(run(["ingo-sign", "demo"], &mut io), 0);
/// assert!(String::from_utf8(stdout).unwrap().starts_with("POST /api/v1/sessions/point-in-time/plugin HTTP/1.1\r\n"));
/// ```
pub fn run<I, T>(args: I, io: &mut Io<'_>) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match args::parse(args) {
        Ok(cli) => cli,
        Err(e) => {
            // Usage errors exit with 2 and go to stderr; --help and --version with 0 to stdout.
            let text = e.render().to_string();
            let stream: &mut dyn Write = if e.use_stderr() {
                &mut *io.stderr
            } else {
                &mut *io.stdout
            };
            let _ = stream.write_all(text.as_bytes());
            return u8::try_from(e.exit_code()).unwrap_or(Status::Usage.code());
        }
    };
    let result = match &cli.command {
        Command::Sign(a) => sign::run(a, io),
        Command::Verify(a) => verify::run(a, io),
        Command::Explain(a) => explain::run(a, io),
        Command::Validate(a) => validate::run(a, io),
        Command::Demo(a) => demo::run(a, io),
        Command::Serve(a) => serve::run(a, io),
    };
    let status = match result {
        Ok(status) => status,
        Err(e) => {
            let _ = writeln!(io.stderr, "ingo-sign: {e}");
            Status::Usage
        }
    };
    let _ = io.stdout.flush();
    status.code()
}

/// The program: [`run`] on the process's arguments and standard streams.
pub fn main() -> ExitCode {
    let stdin = io::stdin();
    let stdin_is_terminal = stdin.is_terminal();
    let mut stdin = stdin.lock();
    let mut stdout = io::stdout().lock();
    let mut stderr = io::stderr().lock();
    let mut io = Io {
        stdin: &mut stdin,
        stdin_is_terminal,
        stdout: &mut stdout,
        stderr: &mut stderr,
    };
    ExitCode::from(run(std::env::args_os(), &mut io))
}

/// One line for a core error: its `Display` and its stable kind in brackets.
pub(crate) fn with_kind(message: impl fmt::Display, kind: &str) -> String {
    format!("{message} [{kind}]")
}
