//! The plugin's JSON configuration: keys and policy. Pure: no host calls, tested on the host.
//!
//! ```json
//! {
//!   "keys": [{"username": "demo", "secret_env": "INGO_DEMO_SECRET"}],
//!   "keys_env": "INGO_SIGNER_KEYS",
//!   "max_skew": 300,
//!   "max_body": 65536,
//!   "allow_legacy_sha256": false,
//!   "required_headers": ["host"],
//!   "replay": {"buckets": 8192, "entries_per_bucket": 64}
//! }
//! ```
//!
//! - `keys`: each `{"username", "secret"}` (the secret inline) or `{"username", "secret_env"}`
//!   (the secret read from that environment variable of the VM).
//! - `keys_env`: the name of an environment variable holding a whole key file,
//!   `{"keys": [{"username": "...", "secret": "..."}]}` (the format of `ingo-sign`'s key files).
//!   Envoy gives a Wasm VM no file system: a mounted secret file reaches the filter through
//!   `vm_config.environment_variables.host_env_keys`.
//! - The policy fields are those of the core's [`Policy`] (and of `test-vectors/`), with its
//!   defaults.
//! - `replay`: the bounds of the replay guard ([`crate::replay`]), or `false` to turn it off
//!   (`true` or absent: on, with [`ReplayLimits::default`]).
//! - `fixed_clock` (unix seconds) replaces the host's clock: **for tests only** (replaying the
//!   language-neutral vectors, whose dates are fixed). The filter logs a warning when it is set.
//!
//! At least one key is required; several keys may share a username (rotation). Unknown fields
//! are refused, so a misspelt option is not silently ignored. No error message carries a value
//! from the configuration (a secret put in the wrong field must not reach a log): errors name
//! fields and positions only.

use core::fmt;

use ingo_signer_core::policy::{DEFAULT_MAX_BODY, DEFAULT_MAX_SKEW};
use ingo_signer_core::{KeyStore, Policy, SigningKey};
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use crate::replay::ReplayLimits;

/// Why the configuration is refused. Each variant has a stable [`kind`](Self::kind).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// The configuration is not JSON (position of the syntax error).
    Json {
        /// Where the configuration came from: `plugin configuration` or the variable's name.
        source: String,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
    },
    /// A field this filter does not know.
    UnknownField(String),
    /// A field has the wrong type or an unusable value.
    Field {
        /// The field, as a JSON path (`max_skew`, `keys[1].secret`).
        field: String,
        /// What it must be.
        expected: &'static str,
    },
    /// No key is configured.
    NoKeys,
    /// An environment variable a key needs is not set (or not UTF-8).
    MissingVariable(String),
    /// A key cannot be made (the core's reason).
    Key {
        /// The key's place, as a JSON path.
        field: String,
        /// The core's error.
        error: ingo_signer_core::key::KeyError,
    },
}

impl ConfigError {
    /// Stable identifier of this error (`config.*`).
    pub fn kind(&self) -> &'static str {
        match self {
            ConfigError::Json { .. } => "config.json",
            ConfigError::UnknownField(_) => "config.unknown_field",
            ConfigError::Field { .. } => "config.field",
            ConfigError::NoKeys => "config.no_keys",
            ConfigError::MissingVariable(_) => "config.missing_variable",
            ConfigError::Key { .. } => "config.key",
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Json {
                source,
                line,
                column,
            } => write!(
                f,
                "the {source} is not valid JSON (line {line}, column {column}); expected an object like {{\"keys\": [{{\"username\": \"...\", \"secret_env\": \"...\"}}]}}"
            ),
            ConfigError::UnknownField(name) => write!(
                f,
                "unknown field `{name}`; the fields are keys, keys_env, max_skew, max_body, allow_legacy_sha256, required_headers, replay, fixed_clock"
            ),
            ConfigError::Field { field, expected } => {
                write!(f, "`{field}` must be {expected}")
            }
            ConfigError::NoKeys => f.write_str(
                "no key is configured; give `keys` ([{\"username\": ..., \"secret_env\": ...}]) or `keys_env`",
            ),
            ConfigError::MissingVariable(name) => write!(
                f,
                "environment variable {name} is not set in the Wasm VM (or not UTF-8); list it in vm_config.environment_variables.host_env_keys"
            ),
            ConfigError::Key { field, error } => write!(f, "`{field}`: {error}"),
        }
    }
}

impl std::error::Error for ConfigError {}

/// The filter's configuration: the keys and the policy, checked.
pub struct Config {
    keys: Vec<SigningKey>,
    allow_legacy_sha256: bool,
    max_skew: u64,
    max_body: u64,
    required_headers: Vec<String>,
    replay: Option<ReplayLimits>,
    fixed_clock: Option<u64>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // SigningKey's own Debug redacts the secret; only usernames show.
        f.debug_struct("Config")
            .field("keys", &self.keys)
            .field("allow_legacy_sha256", &self.allow_legacy_sha256)
            .field("max_skew", &self.max_skew)
            .field("max_body", &self.max_body)
            .field("required_headers", &self.required_headers)
            .field("replay", &self.replay)
            .field("fixed_clock", &self.fixed_clock)
            .finish()
    }
}

const PLUGIN_CONFIGURATION: &str = "plugin configuration";

impl Config {
    /// Parses the plugin configuration. `env` reads the VM's environment (`std::env::var` in
    /// the filter; a map in tests).
    ///
    /// # Errors
    /// [`ConfigError`]: what is wrong and where, never a configured value.
    pub fn from_json(
        bytes: &[u8],
        env: &dyn Fn(&str) -> Option<Zeroizing<String>>,
    ) -> Result<Config, ConfigError> {
        let value = parse_json(bytes, PLUGIN_CONFIGURATION)?;
        let object = as_object(&value, "the plugin configuration")?;
        let mut config = Config {
            keys: Vec::new(),
            allow_legacy_sha256: false,
            max_skew: DEFAULT_MAX_SKEW,
            max_body: DEFAULT_MAX_BODY,
            required_headers: Vec::new(),
            replay: Some(ReplayLimits::default()),
            fixed_clock: None,
        };
        for (name, field) in object {
            match name.as_str() {
                "keys" => config.keys.extend(keys(field, "keys", env, true)?),
                "keys_env" => {
                    let variable = string(field, "keys_env")?;
                    let text = env(variable)
                        .ok_or_else(|| ConfigError::MissingVariable(variable.to_owned()))?;
                    let file = parse_json(text.as_bytes(), variable)?;
                    let file = as_object(&file, variable)?;
                    for (name, field) in file {
                        match name.as_str() {
                            "keys" => config.keys.extend(keys(field, variable, env, false)?),
                            other => return Err(ConfigError::UnknownField(other.to_owned())),
                        }
                    }
                }
                "allow_legacy_sha256" => {
                    config.allow_legacy_sha256 = field.as_bool().ok_or(ConfigError::Field {
                        field: name.clone(),
                        expected: "true or false",
                    })?;
                }
                "max_skew" => config.max_skew = unsigned(field, name)?,
                "max_body" => config.max_body = unsigned(field, name)?,
                "fixed_clock" => config.fixed_clock = Some(unsigned(field, name)?),
                "replay" => config.replay = replay(field)?,
                "required_headers" => {
                    let list = field.as_array().ok_or(ConfigError::Field {
                        field: name.clone(),
                        expected: "an array of header names",
                    })?;
                    for (i, item) in list.iter().enumerate() {
                        let path = format!("required_headers[{i}]");
                        let header = string(item, &path)?;
                        if header.is_empty() || !header.bytes().all(is_token_byte) {
                            return Err(ConfigError::Field {
                                field: path,
                                expected: "a header name (letters, digits and !#$%&'*+-.^_`|~)",
                            });
                        }
                        config.required_headers.push(header.to_ascii_lowercase());
                    }
                }
                other => return Err(ConfigError::UnknownField(other.to_owned())),
            }
        }
        if config.keys.is_empty() {
            return Err(ConfigError::NoKeys);
        }
        Ok(config)
    }

    /// The keys, in the order configured (inline keys first, then `keys_env`'s).
    pub fn keys(&self) -> &[SigningKey] {
        &self.keys
    }

    /// The number of distinct usernames.
    pub fn usernames(&self) -> usize {
        let mut names: Vec<&str> = self.keys.iter().map(SigningKey::username).collect();
        names.sort_unstable();
        names.dedup();
        names.len()
    }

    /// The extra required headers (lower case).
    pub fn required_headers(&self) -> &[String] {
        &self.required_headers
    }

    /// The core policy, borrowing `names` (from [`required_header_names`](Self::required_header_names)).
    pub fn policy<'a>(&self, names: &'a [&'a str]) -> Policy<'a> {
        Policy::default()
            .allow_legacy_sha256(self.allow_legacy_sha256)
            .max_skew(self.max_skew)
            .max_body(self.max_body)
            .require_headers(names)
    }

    /// The required headers as `&str`, for [`policy`](Self::policy).
    pub fn required_header_names(&self) -> Vec<&str> {
        self.required_headers.iter().map(String::as_str).collect()
    }

    /// The largest distance between `X-Date` and now, in seconds.
    pub fn max_skew(&self) -> u64 {
        self.max_skew
    }

    /// The body limit in bytes.
    pub fn max_body(&self) -> u64 {
        self.max_body
    }

    /// The replay guard's bounds; `None` when it is off.
    pub fn replay(&self) -> Option<ReplayLimits> {
        self.replay
    }

    /// The fixed clock, when configured (tests only).
    pub fn fixed_clock(&self) -> Option<u64> {
        self.fixed_clock
    }
}

impl KeyStore for Config {
    fn keys_for<'a>(&'a self, username: &'a str) -> impl Iterator<Item = &'a SigningKey> + 'a {
        self.keys.as_slice().keys_for(username)
    }
}

fn parse_json(bytes: &[u8], source: &str) -> Result<Value, ConfigError> {
    // Only the position of a syntax error is kept: serde_json's message can quote the input.
    serde_json::from_slice(bytes).map_err(|e| ConfigError::Json {
        source: source.to_owned(),
        line: e.line(),
        column: e.column(),
    })
}

fn as_object<'v>(value: &'v Value, what: &str) -> Result<&'v Map<String, Value>, ConfigError> {
    value.as_object().ok_or_else(|| ConfigError::Field {
        field: what.to_owned(),
        expected: "a JSON object",
    })
}

fn string<'v>(value: &'v Value, field: &str) -> Result<&'v str, ConfigError> {
    value.as_str().ok_or_else(|| ConfigError::Field {
        field: field.to_owned(),
        expected: "a string",
    })
}

fn unsigned(value: &Value, field: &str) -> Result<u64, ConfigError> {
    value.as_u64().ok_or_else(|| ConfigError::Field {
        field: field.to_owned(),
        expected: "a non-negative integer",
    })
}

/// The `replay` field: `false`, `true`, or the bounds.
fn replay(value: &Value) -> Result<Option<ReplayLimits>, ConfigError> {
    let mut limits = ReplayLimits::default();
    match value {
        Value::Bool(false) => Ok(None),
        Value::Bool(true) => Ok(Some(limits)),
        Value::Object(fields) => {
            for (name, field) in fields {
                let path = format!("replay.{name}");
                let n = unsigned(field, &path)?;
                match name.as_str() {
                    "buckets" => {
                        limits.buckets = u32::try_from(n).ok().filter(|&n| n >= 1).ok_or(
                            ConfigError::Field {
                                field: path,
                                expected: "a number of buckets from 1 to 4294967295",
                            },
                        )?;
                    }
                    "entries_per_bucket" => {
                        limits.entries_per_bucket = usize::try_from(n)
                            .ok()
                            .filter(|n| (1..=4096).contains(n))
                            .ok_or(ConfigError::Field {
                                field: path,
                                expected: "a number of entries from 1 to 4096",
                            })?;
                    }
                    other => return Err(ConfigError::UnknownField(format!("replay.{other}"))),
                }
            }
            Ok(Some(limits))
        }
        _ => Err(ConfigError::Field {
            field: "replay".to_owned(),
            expected: "false, true or {\"buckets\": ..., \"entries_per_bucket\": ...}",
        }),
    }
}

/// The keys of a `keys` array. `secret_env` is allowed in the plugin configuration only (a key
/// file read from the environment holds secrets itself).
fn keys(
    value: &Value,
    path: &str,
    env: &dyn Fn(&str) -> Option<Zeroizing<String>>,
    allow_secret_env: bool,
) -> Result<Vec<SigningKey>, ConfigError> {
    let list = value.as_array().ok_or_else(|| ConfigError::Field {
        field: path.to_owned(),
        expected: "an array of {\"username\": ..., \"secret\": ...}",
    })?;
    let mut keys = Vec::with_capacity(list.len());
    for (i, entry) in list.iter().enumerate() {
        let at = format!("{path}[{i}]");
        let entry = as_object(entry, &at)?;
        let mut username = None;
        let mut secret: Option<Zeroizing<String>> = None;
        for (name, field) in entry {
            match name.as_str() {
                "username" => username = Some(string(field, &format!("{at}.username"))?),
                "secret" if secret.is_none() => {
                    secret = Some(Zeroizing::new(
                        string(field, &format!("{at}.secret"))?.to_owned(),
                    ));
                }
                "secret_env" if allow_secret_env && secret.is_none() => {
                    let variable = string(field, &format!("{at}.secret_env"))?;
                    secret = Some(
                        env(variable)
                            .ok_or_else(|| ConfigError::MissingVariable(variable.to_owned()))?,
                    );
                }
                "secret" | "secret_env" => {
                    return Err(ConfigError::Field {
                        field: at,
                        expected: "a key with exactly one of `secret` and `secret_env`",
                    });
                }
                other => return Err(ConfigError::UnknownField(format!("{at}.{other}"))),
            }
        }
        let (Some(username), Some(secret)) = (username, secret) else {
            return Err(ConfigError::Field {
                field: at,
                expected: if allow_secret_env {
                    "an object with `username` and `secret` (or `secret_env`)"
                } else {
                    "an object with `username` and `secret`"
                },
            });
        };
        // The secret is the string's bytes (SPEC §1: never decoded).
        let key = SigningKey::new(username, secret.as_bytes())
            .map_err(|error| ConfigError::Key { field: at, error })?;
        keys.push(key);
    }
    Ok(keys)
}

/// RFC 9110 `tchar`.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    fn no_env(_: &str) -> Option<Zeroizing<String>> {
        None
    }

    fn env(name: &str) -> Option<Zeroizing<String>> {
        match name {
            "DEMO_SECRET" => Some(Zeroizing::new("demo-secret-not-for-production".into())),
            "KEY_FILE" => Some(Zeroizing::new(
                r#"{"keys": [{"username": "demo", "secret": "old"}, {"username": "ops", "secret": "x"}]}"#.into(),
            )),
            "BAD_FILE" => Some(Zeroizing::new(r#"{"keys": [{"username": "a", "secret": "hunter2"#.into())),
            _ => None,
        }
    }

    #[test]
    fn defaults_are_the_cores() {
        let config = Config::from_json(
            br#"{"keys": [{"username": "demo", "secret": "s"}]}"#,
            &no_env,
        )
        .unwrap();
        let names = config.required_header_names();
        assert_eq!(config.policy(&names), Policy::default());
        assert_eq!(config.fixed_clock(), None);
        assert_eq!(config.replay(), Some(ReplayLimits::default()));
        assert_eq!(config.keys().len(), 1);
    }

    #[test]
    fn every_field_and_key_source() {
        let config = Config::from_json(
            br#"{"keys": [{"username": "demo", "secret_env": "DEMO_SECRET"}], "keys_env": "KEY_FILE",
                "max_skew": 60, "max_body": 1024, "allow_legacy_sha256": true,
                "required_headers": ["Host", "idempotency-key"], "fixed_clock": 5,
                "replay": {"buckets": 7, "entries_per_bucket": 3}}"#,
            &env,
        )
        .unwrap();
        assert_eq!(config.keys().len(), 3);
        assert_eq!(config.usernames(), 2);
        assert_eq!(config.keys_for("demo").count(), 2);
        let names = config.required_header_names();
        let policy = config.policy(&names);
        assert!(policy.allows_legacy_sha256());
        assert_eq!(policy.skew_limit(), 60);
        assert_eq!(policy.body_limit(), 1024);
        assert_eq!(policy.required_headers(), &["host", "idempotency-key"]);
        assert_eq!(config.fixed_clock(), Some(5));
        assert_eq!(
            config.replay(),
            Some(ReplayLimits {
                buckets: 7,
                entries_per_bucket: 3
            })
        );
        let off = br#"{"keys": [{"username": "a", "secret": "s"}], "replay": false}"#;
        assert_eq!(Config::from_json(off, &no_env).unwrap().replay(), None);
        // Debug shows usernames, never secrets.
        let debug = format!("{config:?}");
        assert!(debug.contains("demo") && !debug.contains("demo-secret") && !debug.contains("old"));
    }

    #[test]
    fn errors_name_the_field_and_never_a_value() {
        let cases: [(&[u8], &str, &str); 17] = [
            (
                br#"{"keys": [{"username": "a", "secret": "s"}], "replay": "yes"}"#,
                "config.field",
                "`replay` must be false, true or",
            ),
            (
                br#"{"keys": [{"username": "a", "secret": "s"}], "replay": {"buckets": 0}}"#,
                "config.field",
                "`replay.buckets` must be",
            ),
            (
                br#"{"keys": [{"username": "a", "secret": "s"}], "replay": {"size": 1}}"#,
                "config.unknown_field",
                "`replay.size`",
            ),
            (b"", "config.json", "line 1, column 0"),
            (
                b"{\"keys\": [",
                "config.json",
                "plugin configuration is not valid JSON",
            ),
            (
                b"[]",
                "config.field",
                "the plugin configuration` must be a JSON object",
            ),
            (b"{}", "config.no_keys", "no key is configured"),
            (br#"{"keys": []}"#, "config.no_keys", "no key"),
            (
                br#"{"kyes": []}"#,
                "config.unknown_field",
                "unknown field `kyes`",
            ),
            (
                br#"{"keys": [{"username": "a", "secret": "hunter2", "extra": 1}]}"#,
                "config.unknown_field",
                "`keys[0].extra`",
            ),
            (
                br#"{"keys": [{"username": "a"}]}"#,
                "config.field",
                "`keys[0]` must be an object with `username` and `secret`",
            ),
            (
                br#"{"keys": [{"username": "a", "secret": "hunter2", "secret_env": "X"}]}"#,
                "config.field",
                "exactly one of",
            ),
            (
                br#"{"keys": [{"username": "a", "secret": ""}]}"#,
                "config.key",
                "`keys[0]`: the HMAC secret is empty",
            ),
            (
                br#"{"keys": [{"username": "a\"b", "secret": "hunter2"}]}"#,
                "config.key",
                "`keys[0]`: invalid username",
            ),
            (
                br#"{"keys": [{"username": "a", "secret_env": "NOPE"}]}"#,
                "config.missing_variable",
                "NOPE is not set",
            ),
            (
                br#"{"keys": [{"username": "a", "secret": "s"}], "max_skew": "hunter2"}"#,
                "config.field",
                "`max_skew` must be a non-negative integer",
            ),
            (
                br#"{"keys": [{"username": "a", "secret": "s"}], "required_headers": ["x y"]}"#,
                "config.field",
                "`required_headers[0]` must be a header name",
            ),
        ];
        for (json, kind, message) in cases {
            let e = Config::from_json(json, &env).unwrap_err();
            let text = e.to_string();
            assert_eq!(e.kind(), kind, "{text}");
            assert!(text.contains(message), "{text:?} lacks {message:?}");
            assert!(!text.contains("hunter2"), "a value leaked: {text}");
        }
        let e = Config::from_json(br#"{"keys_env": "BAD_FILE"}"#, &env).unwrap_err();
        assert_eq!(e.kind(), "config.json");
        assert!(
            e.to_string().contains("BAD_FILE is not valid JSON")
                && !e.to_string().contains("hunter2")
        );
        // A key file holds its secrets itself.
        let e = Config::from_json(br#"{"keys_env": "KEY_FILE2"}"#, &env).unwrap_err();
        assert_eq!(e.kind(), "config.missing_variable");
    }
}
