//! Signing outgoing [`reqwest`] requests (feature `reqwest`).
//!
//! [`sign`] signs a built `reqwest::Request` in place, as [`crate::http::sign_request`] does an
//! `http::Request`; [`SigningClient`] wraps a `reqwest::Client` and signs every request it sends,
//! reading the time from a [`Clock`].
//!
//! # HTTP/1.1, on both ends
//! The request line, and so the signature, names the HTTP version (SPEC §3). The signature is
//! therefore made for HTTP/1.1, and the request must travel as HTTP/1.1:
//! - [`sign`] sets the request's version to HTTP/1.1 (`*request.version_mut() =
//!   Version::HTTP_11`) before signing it, so the version signed is the version asked for;
//! - the client must be built with [`ClientBuilder::http1_only`](::reqwest::ClientBuilder::http1_only):
//!   otherwise a TLS server that offers HTTP/2 in ALPN gets the request over HTTP/2, its request
//!   line reads `HTTP/2.0`, and the signature does not match. [`client_builder`] starts from that
//!   (and [`SigningClient::new`] uses it).
//!
//! # What else to know
//! - The body must be in memory (`Vec<u8>`, `String`, `Bytes`, `&'static [u8]`...): it is
//!   digested and its length signed. A streaming body is refused with
//!   [`ClientError::StreamingBody`]. A request without a body is signed as an empty body
//!   (`Content-Length: 0`).
//! - The request-target signed is the one reqwest sends: the path and query of the URL as
//!   reqwest serialises it (`http::Uri` parsed from `url.as_str()`), fragment excluded.
//! - Redirects re-send the signed headers to another URL, where the signature cannot match:
//!   [`client_builder`] turns them off.
//! - To sign `host` (see [`sign_with_headers`]), a missing `Host` header is added first, with
//!   the value hyper would send (host, and port unless it is the scheme's default).
//! - Sign just before sending: `X-Date` must be within the server's skew (±300 s by default).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use ingo_signer_core::SigningKey;
//! use ingo_signer::reqwest::SigningClient;
//!
//! let key = SigningKey::new("demo", b"demo-secret-not-for-production")?;
//! let client = SigningClient::new(key)?;
//! let request = client
//!     .post("https://api.example/gateway/process--card")
//!     .body(r#"{"participant_id":1}"#)
//!     .build()?;
//! let response = client.execute(request).await?;
//! # let _ = response;
//! # Ok(())
//! # }
//! ```

use std::fmt;

use ::reqwest::header::{HOST, HeaderValue};
use ::reqwest::{Client, ClientBuilder, IntoUrl, Method, Request, RequestBuilder, Response};
use http::Version;
use ingo_signer_core::{SigningKey, signer::Signer};

use crate::clock::{Clock, SystemClock};

/// Why a reqwest request could not be signed or sent.
#[derive(Debug)]
pub enum ClientError {
    /// The body is a stream: its digest and length cannot be signed before it is sent.
    StreamingBody,
    /// The URL cannot be sent as an HTTP request-target.
    InvalidUrl(String),
    /// The std layer or the core refused to sign.
    Sign(crate::Error),
    /// reqwest failed to send the request or to read the response.
    Send(::reqwest::Error),
}

impl ClientError {
    /// Stable identifier: `reqwest.*`, or the signing error's kind.
    pub fn kind(&self) -> &'static str {
        match self {
            ClientError::StreamingBody => "reqwest.streaming_body",
            ClientError::InvalidUrl(_) => "reqwest.invalid_url",
            ClientError::Sign(e) => e.kind(),
            ClientError::Send(_) => "reqwest.send",
        }
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::StreamingBody => {
                f.write_str("a streaming body cannot be signed; give the request its body as bytes")
            }
            ClientError::InvalidUrl(url) => {
                write!(f, "`{url}` cannot be sent as an HTTP request-target")
            }
            ClientError::Sign(e) => fmt::Display::fmt(e, f),
            ClientError::Send(e) => write!(f, "sending the request failed: {e}"),
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClientError::Sign(e) => Some(e),
            ClientError::Send(e) => Some(e),
            ClientError::StreamingBody | ClientError::InvalidUrl(_) => None,
        }
    }
}

impl From<crate::Error> for ClientError {
    fn from(e: crate::Error) -> Self {
        ClientError::Sign(e)
    }
}

impl From<::reqwest::Error> for ClientError {
    fn from(e: ::reqwest::Error) -> Self {
        ClientError::Send(e)
    }
}

/// A `reqwest::ClientBuilder` fit for signed requests: HTTP/1.1 only (the signature names the
/// version) and no redirects (a redirected request keeps its signature, made for another URL).
pub fn client_builder() -> ClientBuilder {
    Client::builder()
        .http1_only()
        .redirect(::reqwest::redirect::Policy::none())
}

/// Signs `request` in place as of `now` (Unix seconds): sets its version to HTTP/1.1 and adds
/// `X-Date`, `Content-Type` (when missing), `Content-Length`, the digest header and
/// `Authorization`, replacing earlier values of those headers.
///
/// ```
/// use ingo_signer_core::{Signer, SigningKey};
/// let key = SigningKey::new("demo", b"demo-secret-not-for-production").unwrap();
/// let client = reqwest::Client::new();
/// let mut request = client.post("http://127.0.0.1:8080/gateway/process--card?x=1").body("{}").build().unwrap();
/// ingo_signer::reqwest::sign(&Signer::new(&key), &mut request, 1_579_291_169).unwrap();
/// assert_eq!(request.version(), http::Version::HTTP_11);
/// assert_eq!(request.headers()["content-sha512"].len(), 88);
/// ```
///
/// # Errors
/// [`ClientError::StreamingBody`] for a streaming body, [`ClientError::Sign`] when the core
/// refuses to sign.
pub fn sign(signer: &Signer<'_>, request: &mut Request, now: u64) -> Result<(), ClientError> {
    sign_with_headers(signer, request, now, &[])
}

/// Like [`sign`], and also signs the request's own headers named in `extra` (`host`,
/// `idempotency-key`), which must each occur once. When `host` is named and the request has no
/// `Host` header, one is added with the value hyper would send.
///
/// # Errors
/// As [`sign`]; [`ClientError::Sign`] also when a named header is missing.
pub fn sign_with_headers(
    signer: &Signer<'_>,
    request: &mut Request,
    now: u64,
    extra: &[&str],
) -> Result<(), ClientError> {
    *request.version_mut() = Version::HTTP_11;
    // The same conversion reqwest makes before handing the request to hyper.
    let uri: http::Uri = request
        .url()
        .as_str()
        .parse()
        .map_err(|_| ClientError::InvalidUrl(request.url().to_string()))?;
    if extra.iter().any(|name| name.eq_ignore_ascii_case("host"))
        && !request.headers().contains_key(HOST)
    {
        let host = host_header(&uri).ok_or_else(|| ClientError::InvalidUrl(uri.to_string()))?;
        request.headers_mut().insert(HOST, host);
    }
    let body: &[u8] = match request.body() {
        None => &[],
        Some(body) => body.as_bytes().ok_or(ClientError::StreamingBody)?,
    };
    let mut http_request = http::Request::new(body);
    *http_request.method_mut() = request.method().clone();
    *http_request.uri_mut() = uri;
    *http_request.version_mut() = Version::HTTP_11;
    *http_request.headers_mut() = request.headers().clone();
    crate::http::sign_request_with_headers(signer, &mut http_request, now, extra)?;
    let (parts, _) = http_request.into_parts();
    *request.headers_mut() = parts.headers;
    Ok(())
}

/// The `Host` value hyper sends for `uri`: the host, and the port unless it is the default.
fn host_header(uri: &http::Uri) -> Option<HeaderValue> {
    let host = uri.host()?;
    let secure = uri.scheme_str() == Some("https");
    let value = match uri.port_u16() {
        Some(443) if secure => host.to_owned(),
        Some(80) if !secure => host.to_owned(),
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    };
    HeaderValue::from_str(&value).ok()
}

/// A `reqwest::Client` that signs every request it executes with one key.
///
/// Build requests with [`request`](Self::request) / [`post`](Self::post) (or any
/// `reqwest::Request` with a body in memory), then [`execute`](Self::execute): it signs as of
/// the clock's now, just before sending.
#[derive(Clone, Debug)]
pub struct SigningClient<C = SystemClock> {
    client: Client,
    key: SigningKey,
    clock: C,
    legacy_sha256: bool,
    signed_headers: Vec<String>,
}

impl SigningClient<SystemClock> {
    /// A client built with [`client_builder`] (HTTP/1.1 only, no redirects), signing with `key`
    /// on the system clock.
    ///
    /// # Errors
    /// reqwest's, when the client cannot be built (no TLS backend can be initialised).
    pub fn new(key: SigningKey) -> Result<Self, ClientError> {
        Ok(Self::with_client(client_builder().build()?, key))
    }

    /// Wraps an existing client. Build it with [`client_builder`], or at least with
    /// `http1_only()`: see the [module docs](self).
    pub fn with_client(client: Client, key: SigningKey) -> Self {
        SigningClient {
            client,
            key,
            clock: SystemClock,
            legacy_sha256: false,
            signed_headers: Vec::new(),
        }
    }
}

impl<C: Clock> SigningClient<C> {
    /// The same client on another clock.
    pub fn with_clock<C2: Clock>(self, clock: C2) -> SigningClient<C2> {
        SigningClient {
            client: self.client,
            key: self.key,
            clock,
            legacy_sha256: self.legacy_sha256,
            signed_headers: self.signed_headers,
        }
    }

    /// Signs with legacy hmac-sha256 and `Content-sha256` (only for integrations not yet moved
    /// to hmac-sha512).
    pub fn legacy_sha256(mut self, legacy: bool) -> Self {
        self.legacy_sha256 = legacy;
        self
    }

    /// Also signs these headers of each request (`host`, `idempotency-key`); each request must
    /// carry them (`host` is added when missing).
    pub fn sign_headers<I>(mut self, names: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.signed_headers = names.into_iter().map(Into::into).collect();
        self
    }

    /// The wrapped client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// A request builder on the wrapped client; send what it builds with
    /// [`execute`](Self::execute).
    pub fn request<U: IntoUrl>(&self, method: Method, url: U) -> RequestBuilder {
        self.client.request(method, url)
    }

    /// A POST request builder: see [`request`](Self::request).
    pub fn post<U: IntoUrl>(&self, url: U) -> RequestBuilder {
        self.client.post(url)
    }

    /// Signs `request` in place as of the clock's now, as [`execute`](Self::execute) does.
    ///
    /// # Errors
    /// As [`sign_with_headers`].
    pub fn sign(&self, request: &mut Request) -> Result<(), ClientError> {
        let signer = Signer::new(&self.key);
        let signer = if self.legacy_sha256 {
            signer.legacy_sha256()
        } else {
            signer
        };
        let names: Vec<&str> = self.signed_headers.iter().map(String::as_str).collect();
        sign_with_headers(&signer, request, self.clock.now(), &names)
    }

    /// Signs `request` and sends it.
    ///
    /// # Errors
    /// As [`sign`](Self::sign), or [`ClientError::Send`] when reqwest fails.
    pub async fn execute(&self, mut request: Request) -> Result<Response, ClientError> {
        self.sign(&mut request)?;
        Ok(self.client.execute(request).await?)
    }
}

#[cfg(test)]
mod tests {
    use ingo_signer_core::{Policy, Verifier};

    use super::*;

    #[test]
    fn host_is_what_hyper_sends() {
        for (url, host) in [
            ("http://api.example/p", "api.example"),
            ("http://api.example:80/p", "api.example"),
            ("http://api.example:443/p", "api.example:443"),
            ("https://api.example:443/p", "api.example"),
            ("https://api.example:8443/p", "api.example:8443"),
            ("http://127.0.0.1:8080/p", "127.0.0.1:8080"),
            ("http://[::1]:8080/p", "[::1]:8080"),
        ] {
            let uri: http::Uri = url.parse().unwrap();
            assert_eq!(host_header(&uri).unwrap(), host, "{url}");
        }
    }

    #[test]
    fn signs_what_reqwest_sends_and_refuses_streams() {
        let key = SigningKey::new("demo", b"secret").unwrap();
        let client = Client::new();
        let mut request = client
            .post("http://api.example:8080/a%20b/c?q=1#fragment")
            .header("Idempotency-Key", "k")
            .body("{}")
            .build()
            .unwrap();
        *request.version_mut() = Version::HTTP_2;
        sign_with_headers(
            &Signer::new(&key),
            &mut request,
            1_000_000,
            &["host", "idempotency-key"],
        )
        .unwrap();
        assert_eq!(request.version(), Version::HTTP_11);
        assert_eq!(request.headers()["host"], "api.example:8080");

        // The same request as an http::Request, as hyper would see it, verifies.
        let mut http_request = http::Request::post("/a%20b/c?q=1")
            .body(b"{}".to_vec())
            .unwrap();
        *http_request.headers_mut() = request.headers().clone();
        let required = ["host", "idempotency-key"];
        let verifier = Verifier::new(&key, Policy::default().require_headers(&required));
        crate::http::verify_request(&verifier, &http_request, 1_000_000).unwrap();

        let stream = ::reqwest::Body::wrap(http_body_util::Full::new(bytes::Bytes::new()));
        let mut request = client.post("http://a/").body(stream).build().unwrap();
        let error = sign(&Signer::new(&key), &mut request, 0).unwrap_err();
        assert_eq!(error.kind(), "reqwest.streaming_body");
    }
}
