//! Key stores for std programs: in memory, from a JSON file, from environment variables.
//!
//! Secrets are read into [`Zeroizing`] buffers, turned into keyed HMAC states
//! ([`SigningKey`]) and wiped; nothing here keeps or prints a secret. An error about a key file
//! names the line, the column and what was expected there, never what was found (serde_json's
//! own messages quote the offending value, which may be a secret). A file that holds secrets
//! and can be read by its group or by others draws a [`FileWarning`]: loading still succeeds,
//! and the warning is returned for the program to show or log.
//!
//! A previous key of a rotation may carry an expiry (`not_after`, Unix seconds): the core's
//! verifier, which is given `now`, stops accepting it after that instant. No clock is read
//! here either.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use ingo_signer_core::key::KeyError;
use ingo_signer_core::{KeyStore, SigningKey};
use zeroize::Zeroizing;

/// The UTF-8 byte order mark some Windows editors put at the start of a text file.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Why keys could not be loaded.
#[derive(Debug)]
pub enum KeyLoadError {
    /// The file could not be read.
    Io(std::io::Error),
    /// The file is not the JSON this module expects. Carries where, and what was expected,
    /// never the text found there.
    Json(JsonProblem),
    /// The file starts with a UTF-8 byte order mark, which would otherwise become part of the
    /// secret (a key that silently never matches).
    ByteOrderMark,
    /// An environment variable is missing or not Unicode.
    MissingVariable(String),
    /// An environment variable holds something other than what it must.
    InvalidVariable {
        /// The variable's name.
        name: String,
        /// What it must hold.
        expected: &'static str,
    },
    /// A username or secret is unusable.
    Key(KeyError),
    /// A key of the file is unusable.
    Entry {
        /// Its position in the file's `keys` array, from 0.
        index: usize,
        /// Why.
        error: KeyError,
    },
}

impl KeyLoadError {
    /// Stable identifier of this error (`keys.*`, or the core's `key.*`).
    pub fn kind(&self) -> &'static str {
        match self {
            KeyLoadError::Io(_) => "keys.io",
            KeyLoadError::Json(_) => "keys.json",
            KeyLoadError::ByteOrderMark => "keys.byte_order_mark",
            KeyLoadError::MissingVariable(_) => "keys.missing_variable",
            KeyLoadError::InvalidVariable { .. } => "keys.invalid_variable",
            KeyLoadError::Key(e) | KeyLoadError::Entry { error: e, .. } => e.kind(),
        }
    }
}

impl fmt::Display for KeyLoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyLoadError::Io(e) => write!(f, "cannot read the file: {e}"),
            KeyLoadError::Json(problem) => write!(
                f,
                "the key file must be JSON like {{\"keys\": [{{\"username\": \"...\", \"secret\": \"...\"}}]}}: {problem}"
            ),
            KeyLoadError::ByteOrderMark => f.write_str(
                "the file starts with a UTF-8 byte order mark (EF BB BF), which would become part of the secret; save it without one (for example: sed -i '1s/^\\xEF\\xBB\\xBF//' FILE)",
            ),
            KeyLoadError::MissingVariable(name) => {
                write!(
                    f,
                    "environment variable {name} is not set (or not valid UTF-8)"
                )
            }
            KeyLoadError::InvalidVariable { name, expected } => {
                write!(f, "environment variable {name} must be {expected}")
            }
            KeyLoadError::Key(e) => fmt::Display::fmt(e, f),
            KeyLoadError::Entry { index, error } => write!(f, "keys[{index}]: {error}"),
        }
    }
}

impl std::error::Error for KeyLoadError {}

impl From<KeyError> for KeyLoadError {
    fn from(e: KeyError) -> Self {
        KeyLoadError::Key(e)
    }
}

/// Where a key file stops being what it must be: the line and column (from 1) and what was
/// expected there. Built from serde_json's error without its message's quotes of the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonProblem {
    /// The line, from 1.
    pub line: usize,
    /// The column, from 1.
    pub column: usize,
    /// What was expected, or what is wrong, in words that hold nothing from the file:
    /// `expected a string`, `missing field \`secret\``, `EOF while parsing an object`.
    pub expected: String,
}

impl JsonProblem {
    fn of(e: &serde_json::Error) -> Self {
        // serde_json writes "<message> at line L column C"; the message is the only part that
        // can quote the input.
        let full = e.to_string();
        let message = full
            .rsplit_once(" at line ")
            .map_or(full.as_str(), |(message, _)| message);
        let expected = match e.classify() {
            // Syntax errors are serde_json's fixed texts ("expected `,` or `}`", "trailing
            // characters", "invalid escape"...), which never quote the input.
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                message.to_owned()
            }
            // Data errors quote the value found ("invalid type: string \"hunter2\", expected
            // ..."): keep what serde says was expected (the names of this module's own types and
            // fields), drop the rest.
            serde_json::error::Category::Data | serde_json::error::Category::Io => {
                if message.starts_with("missing field `")
                    || message.starts_with("duplicate field `")
                {
                    message.to_owned()
                } else if message.starts_with("unknown field `") {
                    match message.split_once(", expected ") {
                        Some((_, fields)) => format!("an unknown field; expected {fields}"),
                        None => "an unknown field".to_owned(),
                    }
                } else if let Some((_, what)) = message.rsplit_once(", expected ") {
                    format!("expected {what}")
                } else {
                    "a value of the wrong form".to_owned()
                }
            }
        };
        JsonProblem {
            line: e.line(),
            column: e.column(),
            expected,
        }
    }
}

impl fmt::Display for JsonProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.expected
        )
    }
}

/// Something about a file that holds secrets worth telling its owner. Loading went on; the
/// warning holds the path and the permission bits, never the content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileWarning {
    path: PathBuf,
    mode: u32,
}

impl FileWarning {
    /// Stable identifier: `keys.file_readable_by_others`.
    pub fn kind(&self) -> &'static str {
        "keys.file_readable_by_others"
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Its permission bits (`0o644`).
    pub fn mode(&self) -> u32 {
        self.mode
    }

    /// A warning when `path` can be read by its group or by others (Unix permission bits
    /// `0o044`); `None` when it cannot, when its metadata cannot be read, and off Unix.
    pub fn check(path: &Path) -> Option<Self> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o7777;
            (mode & 0o044 != 0).then(|| FileWarning {
                path: path.to_owned(),
                mode,
            })
        }
        #[cfg(not(unix))]
        {
            let _ = path;
            None
        }
    }
}

impl fmt::Display for FileWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} holds secrets but can be read by its group or by others (mode {:04o}); make it readable by its owner only (chmod 600)",
            self.path, self.mode
        )
    }
}

/// An owned, growable key store. Several keys may share a username (rotation: add the new key,
/// move clients over, then remove the old one, or give it an expiry).
///
/// Keys are found by username through a hash index, so the time to find a username's keys, or
/// to find there are none, does not grow with the number of keys in the ring. For a username
/// it does not know, the ring gives the verifier its [`SigningKey::stand_in`], keyed once when
/// the ring was made: the one MAC the verifier computes then is the same work as a known
/// username's, so the refusal's time does not tell which usernames exist.
#[derive(Clone, Debug)]
pub struct KeyRing {
    keys: Vec<SigningKey>,
    /// Where each username's keys sit in `keys`, in the order they were added.
    index: HashMap<String, Vec<usize>>,
    stand_in: SigningKey,
    warnings: Vec<FileWarning>,
}

impl Default for KeyRing {
    fn default() -> Self {
        KeyRing {
            keys: Vec::new(),
            index: HashMap::new(),
            stand_in: SigningKey::stand_in(),
            warnings: Vec::new(),
        }
    }
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
    #[serde(default)]
    not_after: Option<u64>,
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
        self.add_key(SigningKey::new(username, secret)?);
        Ok(())
    }

    /// Adds the previous key of a rotation, verifying requests up to `not_after` (Unix seconds,
    /// inclusive) and no longer after it ([`SigningKey::not_after`]).
    ///
    /// ```
    /// let mut ring = ingo_signer::keys::KeyRing::new();
    /// ring.add("demo", b"new-secret")?;
    /// ring.add_previous("demo", b"old-secret", 1_767_225_600)?; // 2026-01-01
    /// assert_eq!(ring.keys()[1].expiry(), Some(1_767_225_600));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`KeyError`] for an unusable username or an empty secret.
    pub fn add_previous(
        &mut self,
        username: &str,
        secret: &[u8],
        not_after: u64,
    ) -> Result<(), KeyError> {
        self.add_key(SigningKey::new(username, secret)?.not_after(not_after));
        Ok(())
    }

    /// Adds a key made elsewhere.
    pub fn add_key(&mut self, key: SigningKey) {
        self.index
            .entry(key.username().to_owned())
            .or_default()
            .push(self.keys.len());
        self.keys.push(key);
    }

    /// Removes every key of `username`; returns how many.
    pub fn remove(&mut self, username: &str) -> usize {
        let before = self.keys.len();
        self.keys.retain(|k| k.username() != username);
        self.reindex();
        before.saturating_sub(self.keys.len())
    }

    /// Rebuilds the index after keys were removed (positions after them moved).
    fn reindex(&mut self) {
        self.index.clear();
        for (at, key) in self.keys.iter().enumerate() {
            self.index
                .entry(key.username().to_owned())
                .or_default()
                .push(at);
        }
    }

    /// Removes one key of `username`: the `index`-th (from 0) in the order they were added,
    /// which is the order a verifier tries them in and [`Verified::key_index`] counts in. The
    /// username's other keys stay. Returns whether there was such a key.
    ///
    /// [`Verified::key_index`]: ingo_signer_core::Verified::key_index
    ///
    /// ```
    /// let mut ring = ingo_signer::keys::KeyRing::new();
    /// ring.add("demo", b"old-secret")?;
    /// ring.add("demo", b"new-secret")?;
    /// assert!(ring.remove_key("demo", 0)); // the old one
    /// assert_eq!(ring.keys().len(), 1);
    /// assert!(!ring.remove_key("demo", 1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn remove_key(&mut self, username: &str, index: usize) -> bool {
        let Some(&at) = self.index.get(username).and_then(|at| at.get(index)) else {
            return false;
        };
        self.keys.remove(at);
        self.reindex();
        true
    }

    /// The keys, in the order they were added.
    pub fn keys(&self) -> &[SigningKey] {
        &self.keys
    }

    /// What loading the ring found worth telling its owner (a key file others can read): show
    /// or log them. Empty for a ring built in memory.
    pub fn warnings(&self) -> &[FileWarning] {
        &self.warnings
    }

    /// Loads `{"keys": [{"username": "...", "secret": "...", "not_after": 1767225600}, ...]}`
    /// from a file (`not_after`, Unix seconds, is optional: see
    /// [`add_previous`](Self::add_previous)). The secret is the string's UTF-8 bytes (SPEC §1:
    /// never hex- or base64-decoded). A file its group or others can read loads, with a
    /// [`FileWarning`] in [`warnings`](Self::warnings).
    ///
    /// # Errors
    /// [`KeyLoadError`] when the file cannot be read or parsed (a byte order mark included), or
    /// a key is unusable.
    pub fn from_json_file(path: &Path) -> Result<Self, KeyLoadError> {
        let text = Zeroizing::new(std::fs::read(path).map_err(KeyLoadError::Io)?);
        let text = std::str::from_utf8(&text).map_err(|e| {
            KeyLoadError::Json(JsonProblem {
                line: 1 + text[..e.valid_up_to()]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count(),
                column: 1 + text[..e.valid_up_to()]
                    .iter()
                    .rev()
                    .take_while(|&&b| b != b'\n')
                    .count(),
                expected: "UTF-8 text".to_owned(),
            })
        })?;
        let mut ring = Self::from_json(text)?;
        ring.warnings.extend(FileWarning::check(path));
        Ok(ring)
    }

    /// Parses the JSON form of [`from_json_file`](Self::from_json_file).
    ///
    /// # Errors
    /// [`KeyLoadError`] when the text cannot be parsed or a key is unusable. No error quotes the
    /// text.
    pub fn from_json(text: &str) -> Result<Self, KeyLoadError> {
        if text.as_bytes().starts_with(BOM) {
            return Err(KeyLoadError::ByteOrderMark);
        }
        let file: KeyFile =
            serde_json::from_str(text).map_err(|e| KeyLoadError::Json(JsonProblem::of(&e)))?;
        let mut ring = KeyRing::new();
        for (index, entry) in file.keys.into_iter().enumerate() {
            let key = SigningKey::new(&entry.username, entry.secret.as_bytes())
                .map_err(|error| KeyLoadError::Entry { index, error })?;
            ring.add_key(match entry.not_after {
                Some(not_after) => key.not_after(not_after),
                None => key,
            });
        }
        Ok(ring)
    }

    /// Loads one username and its secrets from the environment: `{prefix}_USERNAME`,
    /// `{prefix}_SECRET`, and, during a rotation, `{prefix}_SECRET_PREVIOUS`, with its optional
    /// expiry `{prefix}_SECRET_PREVIOUS_NOT_AFTER` (Unix seconds).
    ///
    /// # Errors
    /// [`KeyLoadError`] when a required variable is missing, the expiry is not a number, or a
    /// key is unusable.
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
            match var("SECRET_PREVIOUS_NOT_AFTER") {
                Ok(not_after) => {
                    let not_after = not_after.trim().parse::<u64>().map_err(|_| {
                        KeyLoadError::InvalidVariable {
                            name: format!("{prefix}_SECRET_PREVIOUS_NOT_AFTER"),
                            expected: "a Unix time in seconds (digits only)",
                        }
                    })?;
                    ring.add_previous(&username, previous.as_bytes(), not_after)?;
                }
                Err(_) => ring.add(&username, previous.as_bytes())?,
            }
        }
        Ok(ring)
    }
}

impl KeyStore for KeyRing {
    fn keys_for<'a>(&'a self, username: &'a str) -> impl Iterator<Item = &'a SigningKey> + 'a {
        self.index
            .get(username)
            .into_iter()
            .flatten()
            .filter_map(|&at| self.keys.get(at))
    }

    fn stand_in(&self) -> Option<&SigningKey> {
        Some(&self.stand_in)
    }
}

/// A secret read from a file: its bytes, and a warning when others can read the file.
pub struct SecretFile {
    secret: Zeroizing<Vec<u8>>,
    warning: Option<FileWarning>,
}

impl fmt::Debug for SecretFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretFile")
            .field("secret", &"<redacted>")
            .field("warning", &self.warning)
            .finish()
    }
}

impl SecretFile {
    /// The secret's bytes.
    pub fn secret(&self) -> &[u8] {
        &self.secret
    }

    /// The secret, to keep (wiped when dropped).
    pub fn into_secret(self) -> Zeroizing<Vec<u8>> {
        self.secret
    }

    /// A warning to show or log: the file can be read by its group or by others.
    pub fn warning(&self) -> Option<&FileWarning> {
        self.warning.as_ref()
    }
}

/// Reads a secret from a file, stripping one trailing newline (`\n` or `\r\n`) so that
/// `echo secret > file` works.
///
/// A file that starts with a UTF-8 byte order mark is refused: the mark would become the
/// secret's first three bytes, and every signature would silently mismatch. A file its group or
/// others can read is used, with a [`SecretFile::warning`].
///
/// # Errors
/// [`KeyLoadError::Io`] when it cannot be read, [`KeyLoadError::ByteOrderMark`].
pub fn read_secret_file(path: &Path) -> Result<SecretFile, KeyLoadError> {
    let mut bytes = Zeroizing::new(std::fs::read(path).map_err(KeyLoadError::Io)?);
    if bytes.starts_with(BOM) {
        return Err(KeyLoadError::ByteOrderMark);
    }
    let strip = if bytes.ends_with(b"\r\n") {
        2
    } else {
        usize::from(bytes.ends_with(b"\n"))
    };
    let len = bytes.len().saturating_sub(strip);
    bytes.truncate(len);
    Ok(SecretFile {
        secret: bytes,
        warning: FileWarning::check(path),
    })
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
        assert!(ring.warnings().is_empty());
        assert!(matches!(
            KeyRing::from_json(r#"{"keys": [{"username": "demo"}]}"#),
            Err(KeyLoadError::Json(_))
        ));
        assert!(matches!(
            KeyRing::from_json(
                r#"{"keys": [{"username": "demo", "secret": "x"}, {"username": "demo", "secret": ""}]}"#
            ),
            Err(KeyLoadError::Entry {
                index: 1,
                error: KeyError::EmptySecret
            })
        ));
        let mut ring = ring;
        assert_eq!(ring.remove("demo"), 2);
        assert_eq!(ring.keys().len(), 0);
    }

    /// Every way the review could make serde_json quote a secret, and a few more.
    #[test]
    fn key_file_errors_name_where_and_what_was_expected_never_a_value() {
        let secret = "demo:hunter2-very-secret";
        let cases = [
            // A value of the wrong type where the array should be (the review's case).
            (
                format!(r#"{{"keys": "{secret}"}}"#),
                1,
                "expected a sequence",
            ),
            (
                format!(r#"{{"keys": [{{"username": "demo", "secret": ["{secret}"]}}]}}"#),
                1,
                "expected a string",
            ),
            (
                format!(r#"{{"keys": [{{"username": "demo", "secret": "s", "{secret}": 1}}]}}"#),
                1,
                "an unknown field; expected one of `username`, `secret`, `not_after`",
            ),
            (
                format!(
                    "{{\"keys\": [\n  {{\"username\": \"demo\",\n   \"secret\": \"s\", \"not_after\": \"{secret}\"}}]}}"
                ),
                3,
                "expected u64",
            ),
            (
                format!(
                    r#"{{"keys": [{{"username": "demo", "secret": "{secret}"}}]}} trailing {secret}"#
                ),
                1,
                "trailing characters",
            ),
            (
                format!(r#"{{"keys": [{{"username": "demo", "secret": "{secret}"#),
                1,
                "EOF while parsing a string",
            ),
            (
                format!(
                    r#"{{"keys": [{{"username": "demo", "secret": "{secret}", "secret": "x"}}]}}"#
                ),
                1,
                "duplicate field `secret`",
            ),
            (format!(r#"["{secret}"]"#), 1, "expected a sequence"),
            (secret.to_owned(), 1, "expected value"),
        ];
        for (text, line, expected) in cases {
            let error = KeyRing::from_json(&text).unwrap_err();
            let KeyLoadError::Json(problem) = &error else {
                panic!("{error:?}");
            };
            assert_eq!(
                (problem.line, problem.expected.as_str()),
                (line, expected),
                "{text}"
            );
            assert!(problem.column > 0);
            for shown in [error.to_string(), format!("{error:?}")] {
                assert!(!shown.contains("hunter2"), "{shown}");
                assert!(
                    shown.contains(&format!("line {line}, column ")) || shown.contains("line:"),
                    "{shown}"
                );
            }
        }
    }

    #[test]
    fn a_byte_order_mark_is_refused_with_a_message() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        std::fs::write(&path, b"\xEF\xBB\xBFs3cret\n").unwrap();
        let error = read_secret_file(&path).unwrap_err();
        assert!(matches!(error, KeyLoadError::ByteOrderMark));
        assert_eq!(error.kind(), "keys.byte_order_mark");
        assert!(error.to_string().contains("byte order mark"), "{error}");
        assert!(!error.to_string().contains("s3cret"));
        let json = "\u{feff}{\"keys\": [{\"username\": \"demo\", \"secret\": \"s\"}]}";
        assert!(matches!(
            KeyRing::from_json(json),
            Err(KeyLoadError::ByteOrderMark)
        ));
        let keys = dir.path().join("keys.json");
        std::fs::write(&keys, json).unwrap();
        assert!(matches!(
            KeyRing::from_json_file(&keys),
            Err(KeyLoadError::ByteOrderMark)
        ));
        // Not UTF-8 at all: where, and no bytes.
        std::fs::write(&keys, b"{\"keys\": [\n{\"username\": \"d\xffmo\"").unwrap();
        let error = KeyRing::from_json_file(&keys).unwrap_err();
        assert_eq!(
            error
                .to_string()
                .rsplit_once(": ")
                .unwrap()
                .0
                .rsplit_once(": ")
                .unwrap()
                .1,
            "line 2, column 16"
        );
    }

    #[cfg(unix)]
    #[test]
    fn files_others_can_read_draw_a_warning() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("secret");
        let keys = dir.path().join("keys.json");
        std::fs::write(&secret, b"s3cret\n").unwrap();
        std::fs::write(
            &keys,
            r#"{"keys": [{"username": "demo", "secret": "s3cret"}]}"#,
        )
        .unwrap();
        for (mode, warned) in [
            (0o600, false),
            (0o400, false),
            (0o640, true),
            (0o604, true),
            (0o644, true),
        ] {
            for path in [&secret, &keys] {
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
            }
            let read = read_secret_file(&secret).unwrap();
            assert_eq!(read.secret(), b"s3cret");
            let ring = KeyRing::from_json_file(&keys).unwrap();
            assert_eq!(read.warning().is_some(), warned, "{mode:o}");
            assert_eq!(ring.warnings().len(), usize::from(warned), "{mode:o}");
            if let Some(warning) = read.warning() {
                assert_eq!(warning.mode(), mode);
                assert_eq!(warning.path(), secret);
                assert_eq!(warning.kind(), "keys.file_readable_by_others");
                let text = warning.to_string();
                assert!(
                    text.contains(&format!("mode {mode:04o}")) && text.contains("chmod 600"),
                    "{text}"
                );
                assert!(!text.contains("s3cret"));
                assert!(!format!("{read:?}").contains("s3cret"));
            }
        }
    }

    #[test]
    fn previous_keys_expire_and_one_key_can_be_removed() {
        use ingo_signer_core::signer::Request;
        use ingo_signer_core::{HttpVersion, Policy, RequestHead, Signer, Verifier, VerifyError};
        let ring = KeyRing::from_json(
            r#"{"keys": [{"username": "demo", "secret": "new"}, {"username": "demo", "secret": "old", "not_after": 1700000100}, {"username": "other", "secret": "old"}]}"#,
        )
        .unwrap();
        assert_eq!(
            ring.keys()
                .iter()
                .map(SigningKey::expiry)
                .collect::<Vec<_>>(),
            [None, Some(1_700_000_100), None]
        );
        let old = SigningKey::new("demo", b"old").unwrap();
        let verify = |ring: &KeyRing, now: u64| {
            let signed = Signer::new(&old)
                .sign(&Request::new("POST", "/p", b"{}"), now)
                .unwrap();
            let headers: Vec<(&str, &str)> = signed.iter().collect();
            let head = RequestHead {
                method: "POST",
                target: "/p",
                version: HttpVersion::Http11,
                headers: &headers[..],
            };
            Verifier::new(ring, Policy::default())
                .verify(&head, b"{}", now)
                .map(|v| v.key_index())
        };
        assert_eq!(verify(&ring, 1_700_000_100), Ok(1));
        assert_eq!(
            verify(&ring, 1_700_000_101),
            Err(VerifyError::SignatureMismatch)
        );
        // Removing the old key of demo leaves demo's new key and other's key.
        let mut ring = ring;
        assert!(ring.remove_key("demo", 1));
        assert_eq!(ring.keys().len(), 2);
        assert_eq!(ring.keys_for("demo").count(), 1);
        assert_eq!(ring.keys_for("other").count(), 1);
        assert_eq!(
            verify(&ring, 1_700_000_000),
            Err(VerifyError::SignatureMismatch)
        );
        assert!(!ring.remove_key("demo", 1));
        assert!(!ring.remove_key("nobody", 0));
        // The environment form.
        let mut ring = KeyRing::new();
        ring.add_previous("demo", b"old", 5).unwrap();
        assert_eq!(ring.keys()[0].expiry(), Some(5));
    }

    #[test]
    fn the_index_follows_adds_and_removals_in_order() {
        let mut ring = KeyRing::new();
        for (user, secret) in [("a", "1"), ("b", "2"), ("a", "3"), ("c", "4"), ("a", "5")] {
            ring.add(user, secret.as_bytes()).unwrap();
        }
        let order = |ring: &KeyRing, user: &str| -> Vec<*const SigningKey> {
            ring.keys_for(user).map(std::ptr::from_ref).collect()
        };
        let expected = |ring: &KeyRing, user: &str| -> Vec<*const SigningKey> {
            ring.keys()
                .iter()
                .filter(|k| k.username() == user)
                .map(std::ptr::from_ref)
                .collect()
        };
        for user in ["a", "b", "c", "nobody"] {
            assert_eq!(order(&ring, user), expected(&ring, user), "{user}");
        }
        assert!(ring.remove_key("a", 1));
        assert_eq!(ring.remove("b"), 1);
        for user in ["a", "b", "c"] {
            assert_eq!(order(&ring, user), expected(&ring, user), "{user}");
        }
        assert_eq!(ring.keys_for("a").count(), 2);
        assert_eq!(ring.keys_for("b").count(), 0);
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
            assert_eq!(read_secret_file(&path).unwrap().secret(), expected);
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
