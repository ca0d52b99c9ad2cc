//! `ingo-sign sign`: sign a request with the core's [`Signer`] and print its headers, the whole
//! request as sent, or a curl command.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use ingo_signer_core::content_headers::JSON_MEDIA_TYPE;
use ingo_signer_core::signer::{Request, SignedHeaders};
use ingo_signer_core::{HttpVersion, Signer};

use crate::secret::SecretSource;
use crate::{CliError, Io, Status, is_stdin, with_kind};
use ingo_signer::clock::{Clock as _, SystemClock};

/// What `sign` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One `Name: value` line each for X-Date, Content-Type, Content-Length, the digest header
    /// and Authorization.
    Headers,
    /// The whole request as sent (CRLF line ends, `Host` when --host is given, then the body):
    /// exactly the bytes `ingo-sign verify` accepts.
    Http,
    /// A curl command for a POSIX shell that sends the request to https://HOST (needs --host).
    /// The secret is never in it.
    Curl,
}

/// `sign` arguments.
#[derive(Clone, Debug, Args)]
pub struct SignArgs {
    /// The integration's HMAC username.
    #[arg(long, value_name = "NAME")]
    pub username: String,
    /// Where the HMAC secret is.
    #[command(flatten)]
    pub secret: SecretSource,
    /// The method, exactly as it will be sent (it is signed; case matters).
    #[arg(long, value_name = "METHOD")]
    pub method: String,
    /// The request-target: path and query exactly as they will be sent, e.g.
    /// /api/v1/sessions/point-in-time/plugin (signed byte for byte; nothing is re-encoded).
    #[arg(long, value_name = "PATH_AND_QUERY")]
    pub target: String,
    /// The body: a file, or `-` for standard input. Without it the body is empty.
    #[arg(long, value_name = "FILE|-")]
    pub body: Option<PathBuf>,
    /// Sign as of this instant, in Unix seconds (default: the system clock).
    #[arg(long, value_name = "UNIX_SECONDS")]
    pub now: Option<u64>,
    /// The Content-Type to send and sign: application/json, parameters allowed.
    #[arg(long, value_name = "TYPE", default_value = JSON_MEDIA_TYPE)]
    pub content_type: String,
    /// Sign with legacy hmac-sha256 and Content-sha256 (old integrations only).
    #[arg(long)]
    pub legacy_sha256: bool,
    /// What to print.
    #[arg(long, value_enum, default_value_t = Format::Headers)]
    pub format: Format,
    /// The host the request goes to: a Host header in --format http, the URL in --format curl.
    /// It is not signed (the signed headers are the protocol's own).
    #[arg(long, value_name = "HOST")]
    pub host: Option<String>,
}

/// The HTTP version signed and written: the signer's default (SPEC §3 decision).
const VERSION: HttpVersion = HttpVersion::Http11;

/// Signs and prints.
///
/// # Errors
/// [`CliError`] for input problems, and when the core refuses to sign what was given (the
/// message has the core's kind).
pub fn run(args: &SignArgs, io: &mut Io<'_>) -> Result<Status, CliError> {
    if let Some(host) = &args.host {
        check_host(host)?;
    }
    if !args
        .content_type
        .bytes()
        .all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
    {
        return Err(CliError::new("--content-type must be printable ASCII text"));
    }
    if args.format == Format::Curl {
        if args.host.is_none() {
            return Err(CliError::new(
                "--format curl needs --host HOST: the command sends to https://HOST followed by the target",
            ));
        }
        if !args.target.starts_with('/') || args.target.contains('#') {
            return Err(CliError::new(
                "--format curl needs a target that starts with `/` and has no `#` (curl would change it, and break the signature)",
            ));
        }
    }
    let body = match &args.body {
        Some(path) => io.read_input(path, "body")?,
        None => Vec::new(),
    };
    let key = args.secret.key_for(&args.username, io.stderr)?;
    let mut signer = Signer::new(&key).http_version(VERSION);
    if args.legacy_sha256 {
        signer = signer.legacy_sha256();
    }
    let now = args.now.unwrap_or_else(|| SystemClock.now());
    let request = Request {
        content_type: &args.content_type,
        ..Request::new(&args.method, &args.target, &body)
    };
    let signed = signer
        .sign(&request, now)
        .map_err(|e| CliError::new(format!("cannot sign: {}", with_kind(e, e.kind()))))?;

    let out = match args.format {
        Format::Headers => {
            let mut text = String::new();
            for (name, value) in signed.iter() {
                text.push_str(&format!("{name}: {value}\n"));
            }
            text.into_bytes()
        }
        Format::Http => http_request(
            &args.method,
            &args.target,
            args.host.as_deref(),
            &signed,
            &body,
        ),
        Format::Curl => {
            let data = match &args.body {
                Some(path) if !is_stdin(path) => {
                    CurlData::File(path.as_os_str().as_encoded_bytes())
                }
                _ if body.is_empty() => CurlData::None,
                _ if body.contains(&0) => {
                    return Err(CliError::new(
                        "the body holds a NUL byte, which no shell argument can carry; give it with --body FILE",
                    ));
                }
                _ => CurlData::Inline(&body),
            };
            let host = args.host.as_deref().unwrap_or_default();
            curl_command(&args.method, host, &args.target, &signed, data)
        }
    };
    io.stdout.write_all(&out)?;
    Ok(Status::Success)
}

/// A host for the URL or the Host header: `name`, `name:port`, `[v6]:port`; nothing that could
/// end the header, start a path or carry credentials.
fn check_host(host: &str) -> Result<(), CliError> {
    let ok = !host.is_empty()
        && host.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b':' | b'[' | b']')
        });
    if ok {
        Ok(())
    } else {
        Err(CliError::new(format!(
            "--host {host:?} is not a host name (letters, digits, `-._:[]`; e.g. api.example.com or 127.0.0.1:8443)"
        )))
    }
}

/// The request as sent: request line, `Host` (when given), the signed headers, a blank line and
/// the body, with CRLF line ends.
pub(crate) fn http_request(
    method: &str,
    target: &str,
    host: Option<&str>,
    signed: &SignedHeaders<'_>,
    body: &[u8],
) -> Vec<u8> {
    let mut head = format!("{method} {target} HTTP/{}\r\n", VERSION.as_str());
    if let Some(host) = host {
        head.push_str(&format!("Host: {host}\r\n"));
    }
    for (name, value) in signed.iter() {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// How curl gets the body.
enum CurlData<'a> {
    /// No body.
    None,
    /// `--data-binary @FILE`: the file's bytes, unchanged.
    File(&'a [u8]),
    /// `--data-raw 'BODY'`: the bytes in the command (no `@` file lookup, no stripping).
    Inline(&'a [u8]),
}

/// A curl command, one option per line. `--http1.1` because the version is signed (curl would
/// otherwise negotiate HTTP/2 over TLS), `--globoff` and `--path-as-is` because the target is
/// signed byte for byte (curl would expand `[]{}` and remove dot segments).
fn curl_command(
    method: &str,
    host: &str,
    target: &str,
    signed: &SignedHeaders<'_>,
    data: CurlData<'_>,
) -> Vec<u8> {
    let mut lines: Vec<Vec<u8>> = vec![
        [
            &b"curl --http1.1 --globoff --path-as-is --request "[..],
            &sh_quote(method.as_bytes()),
        ]
        .concat(),
    ];
    for (name, value) in signed.iter() {
        let header = format!("{name}: {value}");
        lines.push([&b"  --header "[..], &sh_quote(header.as_bytes())].concat());
    }
    match data {
        CurlData::None => {}
        CurlData::File(path) => {
            let arg = [&b"@"[..], path].concat();
            lines.push([&b"  --data-binary "[..], &sh_quote(&arg)].concat());
        }
        CurlData::Inline(body) => {
            lines.push([&b"  --data-raw "[..], &sh_quote(body)].concat());
        }
    }
    let url = format!("https://{host}{target}");
    lines.push([&b"  "[..], &sh_quote(url.as_bytes())].concat());
    let mut out = lines.join(&b" \\\n"[..]);
    out.push(b'\n');
    out
}

/// Quotes bytes for a POSIX shell: inside single quotes every byte but `'` is literal, and `'` is
/// written `'\''`. (A NUL byte cannot be in an argument at all; callers refuse it.)
pub fn sh_quote(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len().saturating_add(2));
    out.push(b'\'');
    for &b in bytes {
        if b == b'\'' {
            out.extend_from_slice(b"'\\''");
        } else {
            out.push(b);
        }
    }
    out.push(b'\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(sh_quote(b"a b"), b"'a b'");
        assert_eq!(sh_quote(b"it's"), b"'it'\\''s'");
        assert_eq!(sh_quote(b""), b"''");
        assert_eq!(sh_quote(b"$(x)`y`\n"), b"'$(x)`y`\n'");
    }

    #[test]
    fn hosts() {
        for ok in ["api.example.com", "127.0.0.1:8443", "[::1]:80", "a_b"] {
            assert!(check_host(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a b", "a/b", "a\r\nX: y", "user@host", "h?x", "h#x"] {
            assert!(check_host(bad).is_err(), "{bad}");
        }
    }
}
