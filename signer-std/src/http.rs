//! Signing and verifying `http::Request`s.
//!
//! The request-target that is signed is `uri.path_and_query()` exactly as held (the `http` crate
//! keeps percent-encoding as received); the version is the request's own, because the request
//! line, and so the signature, names it (SPEC §3).

use http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HeaderName, HeaderValue};
use http::{HeaderMap, Request, Version};
use ingo_signer_core::header_list::REQUEST_LINE;
use ingo_signer_core::signing_string::{HeaderLookup, Headers};
use ingo_signer_core::{
    HttpVersion, KeyStore, PendingBody, RequestHead, Signer, Verified, Verifier,
};

use crate::Error;

/// An `http::HeaderMap` seen through the core's [`Headers`] lookup.
#[derive(Clone, Copy, Debug)]
pub struct HeaderMapLookup<'a>(pub &'a HeaderMap);

impl Headers for HeaderMapLookup<'_> {
    fn lookup(&self, name: &str) -> HeaderLookup<'_> {
        // `request-line` is a pseudo-header: a real header of that name is never read.
        if name == REQUEST_LINE {
            return HeaderLookup::Absent;
        }
        let mut values = self.0.get_all(name).iter();
        match (values.next(), values.next()) {
            (None, _) => HeaderLookup::Absent,
            (Some(value), None) => HeaderLookup::Once(value.as_bytes()),
            (Some(_), Some(_)) => HeaderLookup::Repeated,
        }
    }
}

/// The core's name for an `http::Version`.
///
/// # Errors
/// [`Error::UnsupportedVersion`] for HTTP/0.9 and HTTP/3, which the protocol does not name.
pub fn http_version(version: Version) -> Result<HttpVersion, Error> {
    match version {
        Version::HTTP_10 => Ok(HttpVersion::Http10),
        Version::HTTP_11 => Ok(HttpVersion::Http11),
        Version::HTTP_2 => Ok(HttpVersion::Http2),
        other => Err(Error::UnsupportedVersion(other)),
    }
}

/// The request-target as signed: path and query exactly as held, `/` when the URI has none.
pub fn request_target(uri: &http::Uri) -> &str {
    uri.path_and_query().map_or("/", |pq| pq.as_str())
}

/// Signs a request in place: adds `X-Date`, `Content-Type` (when missing), `Content-Length`,
/// the digest header and `Authorization`, replacing any earlier values of those headers. The
/// signer's HTTP version is taken from the request.
///
/// ```
/// use ingo_signer_core::{Signer, SigningKey};
/// let key = SigningKey::new("demo", b"demo-secret-not-for-production").unwrap();
/// let mut request = http::Request::post("https://api.example/gateway/process--card").body(b"{}".to_vec()).unwrap();
/// ingo_signer::http::sign_request(&Signer::new(&key), &mut request, 1_579_291_169).unwrap();
/// assert_eq!(request.headers()["content-length"], "2");
/// assert!(request.headers()["authorization"].to_str().unwrap().starts_with("hmac username=\"demo\""));
/// ```
///
/// # Errors
/// [`Error`] when the core refuses to sign (see [`ingo_signer_core::signer::SignError`]).
pub fn sign_request<B: AsRef<[u8]>>(
    signer: &Signer<'_>,
    request: &mut Request<B>,
    now: u64,
) -> Result<(), Error> {
    sign_request_with_headers(signer, request, now, &[])
}

/// Like [`sign_request`], and also signs the request's own headers named in `extra` (such as
/// `host` or `idempotency-key`), which must each occur once.
///
/// # Errors
/// [`Error`] when a named header is missing or not text, or the core refuses to sign.
pub fn sign_request_with_headers<B: AsRef<[u8]>>(
    signer: &Signer<'_>,
    request: &mut Request<B>,
    now: u64,
    extra: &[&str],
) -> Result<(), Error> {
    let signer = signer.http_version(http_version(request.version())?);
    let content_type = match request.headers().get(CONTENT_TYPE) {
        Some(value) => value
            .to_str()
            .map_err(|_| Error::HeaderNotText("content-type".into()))?
            .to_owned(),
        None => ingo_signer_core::content_headers::JSON_MEDIA_TYPE.to_owned(),
    };
    let mut extra_values = Vec::with_capacity(extra.len());
    for name in extra {
        let value = request
            .headers()
            .get(*name)
            .ok_or_else(|| Error::HeaderNotText((*name).to_owned()))?
            .to_str()
            .map_err(|_| Error::HeaderNotText((*name).to_owned()))?;
        extra_values.push((*name, value.to_owned()));
    }
    let extra_pairs: Vec<(&str, &str)> =
        extra_values.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let core_request = ingo_signer_core::Request {
        method: request.method().as_str(),
        target: request_target(request.uri()),
        content_type: &content_type,
        body: ingo_signer_core::signer::Body::Bytes(request.body().as_ref()),
        extra_headers: &extra_pairs,
    };
    let signed = signer.sign(&core_request, now).map_err(Error::Sign)?;
    let mut pairs = Vec::with_capacity(5);
    for (name, value) in signed.iter() {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| Error::HeaderNotText(name.to_owned()))?;
        let value =
            HeaderValue::from_str(value).map_err(|_| Error::HeaderNotText(name.to_string()))?;
        pairs.push((name, value));
    }
    let headers = request.headers_mut();
    for (name, value) in pairs {
        headers.insert(name, value);
    }
    Ok(())
}

/// Validates the body against the SPEC §6 rules of its endpoint (found from the method and path;
/// other endpoints are not judged), then signs the request as [`sign_request`] does. A field
/// mistake is caught here, with every violation named, instead of after a round trip.
///
/// ```
/// use ingo_signer_core::{payload::Options, Signer, SigningKey};
/// let key = SigningKey::new("demo", b"demo-secret-not-for-production").unwrap();
/// let body = br#"{"participant_unique_id1":"a","recipient_information":{"zip_code":"3723","business_name":"Acme"}}"#;
/// let mut request = http::Request::post("/api/v1/sessions/point-in-time/plugin").body(body.to_vec()).unwrap();
/// let err = ingo_signer::http::validate_and_sign(&Signer::new(&key), &mut request, 1_579_291_169, Options::new()).unwrap_err();
/// assert_eq!(err.kind(), "payload.invalid");
/// assert!(err.to_string().contains("recipient_information.zip_code: \"3723\" must be 5 digits or 5+4 digits"));
/// assert!(request.headers().get("authorization").is_none());
/// ```
///
/// # Errors
/// [`Error::InvalidPayload`] with every violation, or what [`sign_request`] reports.
pub fn validate_and_sign<B: AsRef<[u8]>>(
    signer: &Signer<'_>,
    request: &mut Request<B>,
    now: u64,
    options: ingo_signer_core::payload::Options,
) -> Result<(), Error> {
    let endpoint = ingo_signer_core::payload::Endpoint::from_request(
        request.method().as_str(),
        request_target(request.uri()),
    );
    if let Some(endpoint) = endpoint
        && let Err(e) =
            ingo_signer_core::payload::validate(endpoint, options, request.body().as_ref())
    {
        let violations = match e.report() {
            Some(report) => report
                .violations()
                .iter()
                .map(ToString::to_string)
                .collect(),
            None => vec![e.to_string()],
        };
        return Err(Error::InvalidPayload {
            kind: e.kind(),
            violations,
        });
    }
    sign_request(signer, request, now)
}

/// The core's view of a request head.
pub fn request_head<'a>(
    method: &'a http::Method,
    uri: &'a http::Uri,
    version: Version,
    headers: &'a HeaderMapLookup<'a>,
) -> Result<RequestHead<'a, HeaderMapLookup<'a>>, Error> {
    Ok(RequestHead {
        method: method.as_str(),
        target: request_target(uri),
        version: http_version(version)?,
        headers,
    })
}

/// Refuses a request head whose target or intent the signature cannot cover, as a server
/// receives it (before verification; [`verify_head`] calls it):
/// - on HTTP/1.x, a request-target that is not origin-form ([`Error::TargetForm`]): the `http`
///   crate keeps an absolute-form target's scheme and authority in the URI, and RFC 9112
///   §3.2.2 makes that authority win over `Host`, but only the path and query are signed. So
///   `POST http://evil.example/p` signed as `/p` would reach the inner service with
///   `uri.host() == evil.example`;
/// - `*` and CONNECT's authority-form, on any version ([`Error::TargetForm`]);
/// - a protocol switch ([`Error::Upgrade`]): `Upgrade`, `Connection: upgrade`, CONNECT.
///
/// # Errors
/// [`Error::TargetForm`] or [`Error::Upgrade`].
pub fn check_wire_target(parts: &http::request::Parts) -> Result<(), Error> {
    let upgrade = parts.headers.contains_key(http::header::UPGRADE)
        || parts
            .headers
            .get_all(http::header::CONNECTION)
            .iter()
            .any(|value| {
                value
                    .as_bytes()
                    .split(|&b| b == b',')
                    .any(|token| token.trim_ascii().eq_ignore_ascii_case(b"upgrade"))
            });
    if upgrade || parts.method == http::Method::CONNECT {
        return Err(Error::Upgrade);
    }
    let uri = &parts.uri;
    let origin_form = uri.path().starts_with('/');
    let http1 = matches!(parts.version, Version::HTTP_10 | Version::HTTP_11);
    if !origin_form || (http1 && (uri.scheme().is_some() || uri.authority().is_some())) {
        return Err(Error::TargetForm);
    }
    Ok(())
}

/// On HTTP/2, the inner service sees `:authority` as the URI's host: it must be a `Host`
/// header that `signed` (the names the signature covers) lists, with the same value
/// (compared case-insensitively, as hosts are). Nothing to check on HTTP/1.x, where
/// [`check_wire_target`] allows only origin-form targets.
///
/// # Errors
/// [`Error::AuthorityNotSigned`].
pub fn check_authority<'a>(
    parts: &http::request::Parts,
    mut signed: impl Iterator<Item = &'a str>,
) -> Result<(), Error> {
    let Some(authority) = parts.uri.authority() else {
        return Ok(());
    };
    let mut hosts = parts.headers.get_all(http::header::HOST).iter();
    let host_signed = signed.any(|name| name.eq_ignore_ascii_case("host"));
    match (hosts.next(), hosts.next()) {
        (Some(host), None)
            if host_signed
                && host
                    .as_bytes()
                    .eq_ignore_ascii_case(authority.as_str().as_bytes()) =>
        {
            Ok(())
        }
        _ => Err(Error::AuthorityNotSigned),
    }
}

/// The names the request's Authorization header lists (lowercase as sent), once the head has
/// been verified: empty when it has none or does not parse.
pub fn signed_header_names(headers: &HeaderMap) -> Vec<String> {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Vec::new();
    };
    let value = ingo_signer_core::signing_string::trim_ows(value.as_bytes());
    match ingo_signer_core::authorization::Authorization::parse(value) {
        Ok(auth) => auth.headers().iter().map(str::to_ascii_lowercase).collect(),
        Err(_) => Vec::new(),
    }
}

/// Verifies the head of a request as a server received it (before its body is read), returning
/// the pending body check: [`check_wire_target`], the core's
/// [`verify_head`](Verifier::verify_head), then [`check_authority`].
///
/// # Errors
/// [`Error::Verify`] with the core's reason, [`Error::UnsupportedVersion`],
/// [`Error::TargetForm`], [`Error::Upgrade`] or [`Error::AuthorityNotSigned`].
pub fn verify_head<S: KeyStore + ?Sized>(
    verifier: &Verifier<'_, S>,
    parts: &http::request::Parts,
    now: u64,
) -> Result<PendingBody, Error> {
    check_wire_target(parts)?;
    let lookup = HeaderMapLookup(&parts.headers);
    let head = request_head(&parts.method, &parts.uri, parts.version, &lookup)?;
    let pending = verifier.verify_head(&head, now).map_err(Error::Verify)?;
    if parts.uri.authority().is_some() {
        let names = signed_header_names(&parts.headers);
        check_authority(parts, names.iter().map(String::as_str))?;
    }
    Ok(pending)
}

/// Verifies a request whose body is in memory. The target signed is the URI's path and query,
/// whatever else the URI holds: for a request a server received, call [`check_wire_target`]
/// first (as [`verify_head`] does), or a signed `/p` sent as `http://evil.example/p` verifies.
///
/// # Errors
/// [`Error::Verify`] with the core's reason, or [`Error::UnsupportedVersion`].
pub fn verify_request<S: KeyStore + ?Sized, B: AsRef<[u8]>>(
    verifier: &Verifier<'_, S>,
    request: &Request<B>,
    now: u64,
) -> Result<Verified, Error> {
    let lookup = HeaderMapLookup(request.headers());
    let head = request_head(request.method(), request.uri(), request.version(), &lookup)?;
    verifier
        .verify(&head, request.body().as_ref(), now)
        .map_err(Error::Verify)
}

/// Names of the headers [`sign_request`] sets, for callers that strip or log them.
pub const SIGNED_HEADER_NAMES: [HeaderName; 3] = [AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE];

#[cfg(test)]
mod tests {
    use ingo_signer_core::{Policy, SigningKey};

    use super::*;

    #[test]
    fn sign_then_verify_an_http_request() {
        let key = SigningKey::new("demo", b"secret").unwrap();
        let mut request = Request::post("http://localhost/gateway/process--card?x=%2F")
            .header("Idempotency-Key", "abc")
            .header("Content-Length", "999")
            .body(b"{\"a\":1}".to_vec())
            .unwrap();
        sign_request_with_headers(
            &Signer::new(&key),
            &mut request,
            1_000_000,
            &["idempotency-key"],
        )
        .unwrap();
        // The stale Content-Length was replaced, not duplicated.
        assert_eq!(
            request.headers().get_all("content-length").iter().count(),
            1
        );
        let verifier = Verifier::new(
            &key,
            Policy::default().require_headers(&["idempotency-key"]),
        );
        assert_eq!(
            verify_request(&verifier, &request, 1_000_000)
                .unwrap()
                .username(),
            "demo"
        );
        request.headers_mut().append(
            "x-date",
            HeaderValue::from_static("Mon, 12 Jan 1970 13:46:40 GMT"),
        );
        assert_eq!(
            verify_request(&verifier, &request, 1_000_000)
                .unwrap_err()
                .kind(),
            "signing_string.header_repeated"
        );
    }

    #[test]
    fn validate_and_sign_judges_only_known_endpoints() {
        use ingo_signer_core::payload::Options;
        let key = SigningKey::new("demo", b"secret").unwrap();
        let valid =
            br#"{"participant_unique_id1":"70646041","host_uri":"https://digitalpay.ingo.money"}"#;
        let mut request = Request::post("/api/v1/sessions/point-in-time/plugin")
            .body(valid.to_vec())
            .unwrap();
        validate_and_sign(&Signer::new(&key), &mut request, 1_000_000, Options::new()).unwrap();
        assert!(request.headers().contains_key("authorization"));
        // The same body is not JSON Ingo's push-to-card accepts, and says so field by field.
        let mut card = Request::post("/gateway/process--card")
            .body(valid.to_vec())
            .unwrap();
        let err = validate_and_sign(&Signer::new(&key), &mut card, 1_000_000, Options::new())
            .unwrap_err();
        let Error::InvalidPayload { violations, .. } = &err else {
            panic!("{err}")
        };
        assert!(
            violations.iter().any(|v| v.starts_with("host_uri:")),
            "{violations:?}"
        );
        // An endpoint without payload rules is signed unjudged.
        let mut other = Request::post("/other").body(b"not json".to_vec()).unwrap();
        validate_and_sign(&Signer::new(&key), &mut other, 1_000_000, Options::new()).unwrap();
    }

    #[test]
    fn http2_is_signed_as_2_0_and_http3_is_refused() {
        let key = SigningKey::new("demo", b"secret").unwrap();
        let mut request = Request::post("/p")
            .version(Version::HTTP_2)
            .body(Vec::new())
            .unwrap();
        sign_request(&Signer::new(&key), &mut request, 1_000_000).unwrap();
        let verifier = Verifier::new(&key, Policy::default());
        assert!(verify_request(&verifier, &request, 1_000_000).is_ok());
        *request.version_mut() = Version::HTTP_11;
        assert_eq!(
            verify_request(&verifier, &request, 1_000_000)
                .unwrap_err()
                .kind(),
            "verify.signature_mismatch"
        );
        let mut h3 = Request::post("/p")
            .version(Version::HTTP_3)
            .body(Vec::new())
            .unwrap();
        assert_eq!(
            sign_request(&Signer::new(&key), &mut h3, 0)
                .unwrap_err()
                .kind(),
            "std.unsupported_version"
        );
    }
}
