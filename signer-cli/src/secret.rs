//! Where a secret comes from: an environment variable or a file, never an argument.
//!
//! The secret is read into a [`Zeroizing`] buffer, used once to key HMAC ([`SigningKey`]), and
//! wiped. No message here includes it. A secret file its group or others can read is used, with
//! a warning on standard error; one that starts with a UTF-8 byte order mark is refused.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use ingo_signer_core::SigningKey;
use zeroize::Zeroizing;

use crate::{CliError, with_kind};
use ingo_signer::keys::{KeyLoadError, read_secret_file};

/// `--secret-env VAR | --secret-file PATH`: exactly one is required.
#[derive(Clone, Debug, Args)]
#[group(required = true, multiple = false)]
pub struct SecretSource {
    /// Read the HMAC secret from this environment variable (its value is used as is).
    #[arg(long, value_name = "VAR")]
    pub secret_env: Option<String>,
    /// Read the HMAC secret from this file (one trailing newline is stripped).
    #[arg(long, value_name = "PATH")]
    pub secret_file: Option<PathBuf>,
}

impl SecretSource {
    /// Reads the secret: the variable's UTF-8 value, or the file's bytes less one trailing
    /// newline (`\n` or `\r\n`, as `echo secret > file` writes). A warning about the file (its
    /// group or others can read it) goes to `stderr`.
    ///
    /// # Errors
    /// [`CliError`] when the variable is unset or not UTF-8, the file cannot be read or starts
    /// with a byte order mark, or the secret is empty.
    pub fn read(&self, stderr: &mut dyn Write) -> Result<Zeroizing<Vec<u8>>, CliError> {
        match (&self.secret_env, &self.secret_file) {
            (Some(var), _) => {
                let value = std::env::var(var).map_err(|e| match e {
                    std::env::VarError::NotPresent => {
                        CliError::new(format!("environment variable {var} is not set"))
                    }
                    std::env::VarError::NotUnicode(_) => CliError::new(format!(
                        "environment variable {var} is not valid UTF-8 (a secret is the UTF-8 text issued)"
                    )),
                })?;
                let bytes = Zeroizing::new(value.into_bytes());
                if bytes.is_empty() {
                    return Err(CliError::new(format!(
                        "environment variable {var} is empty; it must hold the HMAC secret"
                    )));
                }
                Ok(bytes)
            }
            (None, Some(path)) => {
                let file = read_secret_file(path).map_err(|e| match e {
                    KeyLoadError::Io(e) => CliError::new(format!(
                        "cannot read the secret file {}: {e}",
                        path.display()
                    )),
                    other => CliError::new(format!(
                        "cannot use the secret file {}: {}",
                        path.display(),
                        with_kind(&other, other.kind())
                    )),
                })?;
                if let Some(warning) = file.warning() {
                    writeln!(
                        stderr,
                        "ingo-sign: warning: {}",
                        with_kind(warning, warning.kind())
                    )?;
                }
                let bytes = file.into_secret();
                if bytes.is_empty() {
                    return Err(CliError::new(format!(
                        "the secret file {} is empty; it must hold the HMAC secret",
                        path.display()
                    )));
                }
                Ok(bytes)
            }
            (None, None) => Err(CliError::new(
                "give the secret with --secret-env VAR or --secret-file PATH",
            )),
        }
    }

    /// Keys HMAC for `username` with the secret (a warning about its file goes to `stderr`).
    ///
    /// # Errors
    /// [`CliError`] when the secret cannot be read or the username is unusable.
    pub fn key_for(&self, username: &str, stderr: &mut dyn Write) -> Result<SigningKey, CliError> {
        let secret = self.read(stderr)?;
        key(username, &secret)
    }
}

/// Keys HMAC for `username` with `secret`.
///
/// # Errors
/// [`CliError`] when the username is unusable (empty, over 256 bytes, a `"` or `\`, a control or
/// non-ASCII byte) or the secret is empty.
pub fn key(username: &str, secret: &[u8]) -> Result<SigningKey, CliError> {
    SigningKey::new(username, secret).map_err(|e| {
        CliError::new(format!(
            "cannot use username {username:?}: {}",
            with_kind(e, e.kind())
        ))
    })
}
