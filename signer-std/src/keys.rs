//! Key stores for std programs: in memory, from a JSON file, from environment variables.
//!
//! Secrets are read into [`Zeroizing`] buffers, turned into keyed HMAC states
//! ([`SigningKey`]) and wiped; nothing here keeps or prints a secret.

use std::fmt;
use std::path::Path;

use ingo_signer_core::key::KeyError;
use ingo_signer_core::{KeyStore, SigningKey};
use zeroize::Zeroizing;

/// Why keys could not be loaded.
#[derive(Debug)]
pub enum KeyLoadError {
    /// The file could not be read.
    Io(std::io::Error),
    /// The file is not the JSON this module expects.
    Json(serde_json::Error),
    /// An environment variable is missing or not Unicode.
    MissingVariable(String),
    /// A username or secret is unusable.
    Key(KeyError),
}

impl fmt::Display for KeyLoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyLoadError::Io(e) => write!(f, "cannot read the key file: {e}"),
            KeyLoadError::Json(e) => write!(
                f,
                "the key file must be JSON like {{\"keys\": [{{\"username\": \"...\", \"secret\": \"...\"}}]}}: {e}"
            ),
            KeyLoadError::MissingVariable(name) => {
                write!(
                    f,
                    "environment variable {name} is not set (or not valid UTF-8)"
                )
            }
            KeyLoadError::Key(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl std::error::Error for KeyLoadError {}

impl From<KeyError> for KeyLoadError {
    fn from(e: KeyError) -> Self {
        KeyLoadError::Key(e)
    }
}

/// An owned, growable key store. Several keys may share a username (rotation: add the new key,
/// move clients over, remove the old one).
#[derive(Clone, Debug, Default)]
pub struct KeyRing {
    keys: Vec<SigningKey>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    keys: Vec<KeyEntry>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyEntry {
    username: String,
    secret: Zeroizing<String>,
}

impl KeyRing {
    /// An empty ring.
    pub fn new() -> Self {
        KeyRing::default()
    }

    /// Adds a key.
    ///
    /// # Errors
    /// [`KeyError`] for an unusable username or an empty secret.
    pub fn add(&mut self, username: &str, secret: &[u8]) -> Result<(), KeyError> {
        self.keys.push(SigningKey::new(username, secret)?);
        Ok(())
    }

    /// Removes every key of `username`; returns how many.
    pub fn remove(&mut self, username: &str) -> usize {
        let before = self.keys.len();
        self.keys.retain(|k| k.username() != username);
        before.saturating_sub(self.keys.len())
    }

    /// The keys, in the order they were added.
    pub fn keys(&self) -> &[SigningKey] {
        &self.keys
    }

    /// Loads `{"keys": [{"username": "...", "secret": "..."}, ...]}` from a file. The secret is
    /// the string's UTF-8 bytes (SPEC §1: never hex- or base64-decoded).
    ///
    /// # Errors
    /// [`KeyLoadError`] when the file cannot be read or parsed, or a key is unusable.
    pub fn from_json_file(path: &Path) -> Result<Self, KeyLoadError> {
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(KeyLoadError::Io)?);
        Self::from_json(&text)
    }

    /// Parses the JSON form of [`from_json_file`](Self::from_json_file).
    ///
    /// # Errors
    /// [`KeyLoadError`] when the text cannot be parsed or a key is unusable.
    pub fn from_json(text: &str) -> Result<Self, KeyLoadError> {
        let file: KeyFile = serde_json::from_str(text).map_err(KeyLoadError::Json)?;
        let mut ring = KeyRing::new();
        for entry in file.keys {
            ring.add(&entry.username, entry.secret.as_bytes())?;
        }
        Ok(ring)
    }

    /// Loads one username and its secrets from the environment: `{prefix}_USERNAME`,
    /// `{prefix}_SECRET`, and, during a rotation, `{prefix}_SECRET_PREVIOUS`.
    ///
    /// # Errors
    /// [`KeyLoadError`] when a required variable is missing or a key is unusable.
    pub fn from_env(prefix: &str) -> Result<Self, KeyLoadError> {
        let var = |suffix: &str| {
            let name = format!("{prefix}_{suffix}");
            std::env::var(&name)
                .map(Zeroizing::new)
                .map_err(|_| KeyLoadError::MissingVariable(name))
        };
        let username = var("USERNAME")?;
        let mut ring = KeyRing::new();
        ring.add(&username, var("SECRET")?.as_bytes())?;
        if let Ok(previous) = var("SECRET_PREVIOUS") {
            ring.add(&username, previous.as_bytes())?;
        }
        Ok(ring)
    }
}

impl KeyStore for KeyRing {
    fn keys_for<'a>(&'a self, username: &'a str) -> impl Iterator<Item = &'a SigningKey> + 'a {
        self.keys.as_slice().keys_for(username)
    }
}

/// Reads a secret from a file, stripping one trailing newline (`\n` or `\r\n`) so that
/// `echo secret > file` works.
///
/// # Errors
/// The I/O error.
pub fn read_secret_file(path: &Path) -> std::io::Result<Zeroizing<Vec<u8>>> {
    let mut bytes = Zeroizing::new(std::fs::read(path)?);
    let strip = if bytes.ends_with(b"\r\n") {
        2
    } else {
        usize::from(bytes.ends_with(b"\n"))
    };
    let len = bytes.len().saturating_sub(strip);
    bytes.truncate(len);
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_file_with_rotation() {
        let ring = KeyRing::from_json(
            r#"{"keys": [{"username": "demo", "secret": "old"}, {"username": "demo", "secret": "new"}]}"#,
        )
        .unwrap();
        assert_eq!(ring.keys_for("demo").count(), 2);
        assert!(matches!(
            KeyRing::from_json(r#"{"keys": [{"username": "demo"}]}"#),
            Err(KeyLoadError::Json(_))
        ));
        assert!(matches!(
            KeyRing::from_json(r#"{"keys": [{"username": "demo", "secret": ""}]}"#),
            Err(KeyLoadError::Key(KeyError::EmptySecret))
        ));
        let mut ring = ring;
        assert_eq!(ring.remove("demo"), 2);
        assert_eq!(ring.keys().len(), 0);
    }

    #[test]
    fn secret_file_strips_one_newline_only() {
        let dir = tempfile::tempdir().unwrap();
        for (content, expected) in [
            (&b"s3cret\n"[..], &b"s3cret"[..]),
            (b"s3cret\r\n", b"s3cret"),
            (b"s3cret\n\n", b"s3cret\n"),
            (b"s3cret", b"s3cret"),
        ] {
            let path = dir.path().join("secret");
            std::fs::write(&path, content).unwrap();
            assert_eq!(&read_secret_file(&path).unwrap()[..], expected);
        }
    }

    #[test]
    fn debug_never_shows_a_secret() {
        let ring = KeyRing::from_json(
            r#"{"keys": [{"username": "demo", "secret": "hunter2-very-secret"}]}"#,
        )
        .unwrap();
        assert!(!format!("{ring:?}").contains("hunter2"));
    }
}
