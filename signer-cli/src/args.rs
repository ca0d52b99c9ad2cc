//! How the command line is parsed ([`parse`], [`command`]); the arguments shared by `verify` and
//! `explain`, and what both do before verifying: read the secret and the raw request, and build
//! the one-key store and the policy.

use std::path::PathBuf;

use clap::{Args, CommandFactory as _, FromArgMatches as _};
use ingo_signer_core::authorization::Authorization;
use ingo_signer_core::policy::{DEFAULT_MAX_BODY, DEFAULT_MAX_SKEW};
use ingo_signer_core::signing_string::{HeaderLookup, Headers as _, trim_ows};
use ingo_signer_core::{Policy, SigningKey, VerifyError};

use crate::secret::{SecretSource, key};
use crate::{Cli, CliError, Io, stdin_path, with_kind};
use ingo_signer::clock::{Clock as _, SystemClock};
use ingo_signer::raw_request::{RawRequest, parse_raw_request};

/// The command line's definition: [`Cli`]'s, where every option that takes a value accepts one
/// that begins with `-`, so that `--username -n0x`, `--target -x` or `--secret-file -key` mean
/// what they say. (The value after such an option is always its value, as with `git commit -m`;
/// a number option then says that `-5` is not a number.) Positional arguments keep `-` for
/// standard input and take other names beginning with `-` after `--`.
pub fn command() -> clap::Command {
    fn hyphen_values(command: clap::Command) -> clap::Command {
        command
            .mut_args(|arg| {
                if arg.get_action().takes_values() && !arg.is_positional() {
                    arg.allow_hyphen_values(true)
                } else {
                    arg
                }
            })
            .mut_subcommands(hyphen_values)
    }
    hyphen_values(Cli::command())
}

/// Parses `args` (the program name first) with [`command`].
///
/// # Errors
/// clap's usage error, or `--help` / `--version` (which [`crate::run`] prints).
pub fn parse<I, T>(args: I) -> Result<Cli, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let mut matches = command().try_get_matches_from(args)?;
    Cli::from_arg_matches_mut(&mut matches).map_err(|e| e.format(&mut command()))
}

/// `verify` and `explain` take the same arguments.
#[derive(Clone, Debug, Args)]
pub struct VerifyArgs {
    /// Where the HMAC secret is.
    #[command(flatten)]
    pub secret: SecretSource,
    /// Accept only requests signed under this username. Without it, the username is the one the
    /// request's Authorization header names, and the secret is taken to be that username's.
    #[arg(long, value_name = "NAME")]
    pub username: Option<String>,
    /// The verifier's clock, in Unix seconds (default: the system clock).
    #[arg(long, value_name = "UNIX_SECONDS")]
    pub now: Option<u64>,
    /// The largest allowed distance between X-Date and now, in seconds (inclusive).
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_MAX_SKEW)]
    pub max_skew: u64,
    /// Also accept legacy hmac-sha256 signatures (old integrations only).
    #[arg(long)]
    pub allow_legacy_sha256: bool,
    /// Also require this header to be signed, as a gateway's policy may (repeatable; e.g. host
    /// or idempotency-key).
    #[arg(long = "require-header", value_name = "NAME")]
    pub require_headers: Vec<String>,
    /// The largest body accepted, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_BODY)]
    pub max_body: u64,
    /// The raw HTTP/1.x request (request line, headers, blank line, body; CRLF or LF line ends);
    /// `-` or nothing reads standard input.
    #[arg(value_name = "REQUEST_FILE|-", default_value_os_t = stdin_path())]
    pub request: PathBuf,
}

/// A request read and ready to verify, with the verifier's inputs.
#[derive(Debug)]
pub struct Prepared {
    /// The parsed request.
    pub request: RawRequest,
    /// The key store: the secret under the expected username (or the request's own), or empty
    /// when the request names no usable username (the verifier then says why).
    pub keys: Vec<SigningKey>,
    /// `--username`, when given.
    pub expected_username: Option<String>,
    /// Unix seconds.
    pub now: u64,
    /// Whether `now` is the system clock's.
    pub now_from_system: bool,
    required: Vec<String>,
    max_skew: u64,
    max_body: u64,
    allow_legacy_sha256: bool,
}

impl VerifyArgs {
    /// Reads the secret and the request and builds the key store.
    ///
    /// # Errors
    /// [`CliError`] for an unreadable secret or file, an unparseable request, an unusable
    /// `--username`.
    pub fn prepare(&self, io: &mut Io<'_>) -> Result<Prepared, CliError> {
        let secret = self.secret.read(io.stderr)?;
        let expected = match &self.username {
            Some(name) => Some(key(name, &secret)?),
            None => None,
        };
        let bytes = io.read_input(&self.request, "request")?;
        let request = parse_raw_request(&bytes)
            .map_err(|e| CliError::new(format!("cannot parse the request: {e}")))?;
        let keys = match expected {
            Some(key) => vec![key],
            // The username the request names, when its Authorization header is usable; an empty
            // store otherwise, and the verifier reports the header's problem (SPEC §5 step 1).
            None => match request_username(&request) {
                Some(name) => vec![key(name, &secret)?],
                None => Vec::new(),
            },
        };
        let (now, now_from_system) = match self.now {
            Some(now) => (now, false),
            None => (SystemClock.now(), true),
        };
        Ok(Prepared {
            request,
            keys,
            expected_username: self.username.clone(),
            now,
            now_from_system,
            required: self
                .require_headers
                .iter()
                .map(|n| n.to_ascii_lowercase())
                .collect(),
            max_skew: self.max_skew,
            max_body: self.max_body,
            allow_legacy_sha256: self.allow_legacy_sha256,
        })
    }
}

/// The username of the request's Authorization header, when there is exactly one and it parses.
pub fn request_username(request: &RawRequest) -> Option<&str> {
    match request.headers[..].lookup("authorization") {
        HeaderLookup::Once(value) => Authorization::parse(trim_ows(value))
            .ok()
            .map(|auth| auth.username()),
        HeaderLookup::Absent | HeaderLookup::Repeated => None,
    }
}

impl Prepared {
    /// The extra required header names, to lend to [`Prepared::policy`].
    pub fn required_names(&self) -> Vec<&str> {
        self.required.iter().map(String::as_str).collect()
    }

    /// The verifier's policy.
    pub fn policy<'a>(&self, required: &'a [&'a str]) -> Policy<'a> {
        Policy::default()
            .allow_legacy_sha256(self.allow_legacy_sha256)
            .max_skew(self.max_skew)
            .max_body(self.max_body)
            .require_headers(required)
    }

    /// One line for a rejection: the core's `Display` and kind, with the usernames when
    /// `--username` names another than the request.
    pub fn describe(&self, error: VerifyError) -> String {
        match (
            error,
            &self.expected_username,
            request_username(&self.request),
        ) {
            (VerifyError::UnknownUsername, Some(expected), Some(got)) => with_kind(
                format_args!(
                    "{error} (the request is signed by {got:?}; --username is {expected:?})"
                ),
                error.kind(),
            ),
            _ => with_kind(error, error.kind()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every option of every subcommand that takes a value accepts one beginning with `-`,
    /// including options added after this test was written.
    #[test]
    fn every_value_option_accepts_a_leading_hyphen() {
        fn check(command: &clap::Command, checked: &mut Vec<String>) {
            for arg in command.get_arguments() {
                if arg.get_action().takes_values() && !arg.is_positional() {
                    assert!(
                        arg.is_allow_hyphen_values_set(),
                        "{} --{}",
                        command.get_name(),
                        arg.get_id()
                    );
                    checked.push(format!("{} --{}", command.get_name(), arg.get_id()));
                }
            }
            for sub in command.get_subcommands() {
                check(sub, checked);
            }
        }
        let mut checked = Vec::new();
        check(&command(), &mut checked);
        assert!(
            checked.contains(&"verify --username".to_owned()),
            "{checked:?}"
        );
        assert!(checked.contains(&"sign --target".to_owned()), "{checked:?}");
        // Without the adjustment clap allows none: the test can fail.
        let plain = Cli::command();
        let verify = plain.find_subcommand("verify").unwrap();
        let username = verify
            .get_arguments()
            .find(|a| a.get_id() == "username")
            .unwrap();
        assert!(!username.is_allow_hyphen_values_set());
    }
}
