//! `ingo-sign serve`: the tower layer as a server users can run.
//!
//! Without `--upstream` it is a **sandbox** for integrators: for Session Create (`POST
//! /api/v1/sessions/point-in-time/plugin`) and push to card (`POST /gateway/process--card`) it
//! verifies the request, validates the body (SPEC §6) and answers like Ingo's success response
//! (`"status": 100`, `data` echoing the request's ids, `time`), or 400 with every payload
//! violation; any other path is 404. With `--upstream URL` it is a **sidecar**: each verified
//! request goes on to `URL` (origin-form, the body as received, the verified username in
//! `X-Ingo-Username`, unsigned hop-by-hop headers removed) and the answer comes back.
//!
//! One JSON line per request on stderr (method, path, status, kind, username, latency; never a
//! secret, a signature or a header value). SIGTERM and Ctrl-C stop it gracefully. The first
//! line on stdout is `listening on ADDR`, with the port the system chose for `:0`.

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::{Extension, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, post};
use bytes::Bytes;
use clap::Args;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use ingo_signer::keys::KeyRing;
use ingo_signer::replay::MemoryReplayGuard;
use ingo_signer::tower::{GatewayPolicy, Rejection, VerifiedUser, VerifyLayer};
use ingo_signer_core::payload::{Endpoint, Options, PayloadError, validate};
use ingo_signer_core::policy::DEFAULT_MAX_SKEW;
use serde_json::{Value, json};

use crate::{CliError, Io, Status};

/// `serve`'s arguments.
#[derive(Clone, Debug, Args)]
pub struct ServeArgs {
    /// The keys, in the key-file JSON (`{"keys": [{"username": ..., "secret": ...}]}`).
    #[arg(long, value_name = "FILE")]
    pub keys: PathBuf,
    /// Where to listen (`127.0.0.1:8080`; port 0 lets the system choose).
    #[arg(long, value_name = "ADDR")]
    pub listen: SocketAddr,
    /// Forward each verified request to this base URL (`http://127.0.0.1:9000`) instead of
    /// answering as the sandbox.
    #[arg(long, value_name = "URL")]
    pub upstream: Option<String>,
    /// Replay protection: `memory` (this process), `off`, or `redis://HOST:PORT` (shared by
    /// every gateway using that Redis; refused with 503 while Redis cannot be reached).
    #[arg(
        long,
        value_name = "memory|off|redis://HOST:PORT",
        default_value = "memory"
    )]
    pub replay: String,
    /// The largest allowed distance between X-Date and now, in seconds (inclusive).
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_MAX_SKEW)]
    pub max_skew: u64,
    /// How long after its head a request's body must have arrived, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub body_timeout: u64,
    /// Also accept legacy hmac-sha256 signatures (old integrations only).
    #[arg(long)]
    pub allow_legacy_sha256: bool,
}

/// Runs the server until SIGTERM or Ctrl-C.
///
/// # Errors
/// [`CliError`] when the keys cannot be read, the address cannot be bound, the replay option
/// or upstream URL is not usable, or Redis cannot be reached at start.
pub fn run(args: &ServeArgs, io: &mut Io<'_>) -> Result<Status, CliError> {
    let ring = KeyRing::from_json_file(&args.keys)
        .map_err(|e| CliError::new(format!("cannot load the keys {}: {e}", args.keys.display())))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::new(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(serve(args, ring, io))
}

async fn serve(args: &ServeArgs, ring: KeyRing, io: &mut Io<'_>) -> Result<Status, CliError> {
    let policy = GatewayPolicy::default()
        .max_skew(args.max_skew)
        .allow_legacy_sha256(args.allow_legacy_sha256)
        .body_timeout(Some(Duration::from_secs(args.body_timeout)));
    let layer = VerifyLayer::new(Arc::new(ring), policy);
    let layer = match args.replay.as_str() {
        "memory" => layer.replay_guard(MemoryReplayGuard::default()),
        "off" => layer.without_replay_guard(),
        url if url.starts_with("redis://") => {
            let guard = ingo_signer::replay::RedisReplayGuard::connect(url)
                .await
                .map_err(|e| CliError::new(format!("cannot reach Redis at {url}: {e}")))?;
            layer.replay_guard(guard)
        }
        other => {
            return Err(CliError::new(format!(
                "--replay {other}: use memory, off or redis://HOST:PORT"
            )));
        }
    };
    // Log lines go to this thread, which writes them to `io.stderr` (whose lock `main` holds:
    // another thread writing to stderr would wait for it forever).
    let (log_tx, mut log_rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let app = match &args.upstream {
        None => Router::new()
            .route(
                Endpoint::SessionCreate.path(),
                post(|user, body| sandbox(Endpoint::SessionCreate, user, body)),
            )
            .route(
                Endpoint::PushToCard.path(),
                post(|user, body| sandbox(Endpoint::PushToCard, user, body)),
            )
            .route_layer(layer),
        Some(upstream) => {
            let base = upstream.trim_end_matches('/').to_owned();
            if !base.starts_with("http://") {
                return Err(CliError::new(format!(
                    "--upstream {upstream}: use an http:// URL (the sidecar speaks plain HTTP/1.1 to a local upstream)"
                )));
            }
            let client = reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .map_err(|e| CliError::new(format!("cannot build the HTTP client: {e}")))?;
            Router::new()
                .route("/{*path}", any(forward))
                .route("/", any(forward))
                .route_layer(layer)
                .with_state(Arc::new(Upstream { base, client }))
        }
    }
    .fallback(not_found)
    .layer(middleware::from_fn_with_state(log_tx, log));

    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| CliError::new(format!("cannot listen on {}: {e}", args.listen)))?;
    let bound = listener
        .local_addr()
        .map_err(|e| CliError::new(format!("cannot read the bound address: {e}")))?;
    writeln!(io.stdout, "listening on {bound}")?;
    io.stdout.flush()?;
    let server =
        IntoFuture::into_future(axum::serve(listener, app).with_graceful_shutdown(shutdown()));
    tokio::pin!(server);
    loop {
        tokio::select! {
            result = &mut server => {
                while let Ok(line) = log_rx.try_recv() {
                    writeln!(io.stderr, "{line}")?;
                }
                result.map_err(|e| CliError::new(format!("the server failed: {e}")))?;
                return Ok(Status::Success);
            }
            Some(line) = log_rx.recv() => {
                writeln!(io.stderr, "{line}")?;
                io.stderr.flush()?;
            }
        }
    }
}

/// Resolves on SIGTERM or Ctrl-C (SIGINT).
async fn shutdown() {
    // A handler that cannot be installed never fires (rather than stopping the server at once).
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// What the log line says of a request the layer let through: who, and the verdict's kind.
#[derive(Clone, Debug)]
struct Logged {
    username: String,
    kind: &'static str,
}

fn logged(mut response: Response, user: &VerifiedUser, kind: &'static str) -> Response {
    response.extensions_mut().insert(Logged {
        username: user.username.clone(),
        kind,
    });
    response
}

/// One JSON line per request on stderr. Only the method, the path (no query), the status, the
/// verdict's kind, the username and the latency: never a header, a body or a signature.
async fn log(
    State(lines): State<tokio::sync::mpsc::UnboundedSender<String>>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let (kind, username) = match (
        response.extensions().get::<Rejection>(),
        response.extensions().get::<Logged>(),
    ) {
        (Some(rejection), _) => (rejection.kind(), None),
        (None, Some(logged)) => (logged.kind, Some(logged.username.clone())),
        (None, None) => ("not_found", None),
    };
    let line = json!({
        "method": method,
        "path": path,
        "status": response.status().as_u16(),
        "kind": kind,
        "username": username,
        "latency_ms": (started.elapsed().as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0,
    });
    let _ = lines.send(line.to_string());
    response
}

async fn not_found() -> Response {
    let body = json!({"status": 404, "client_message": "no such endpoint here; the sandbox answers POST /api/v1/sessions/point-in-time/plugin and POST /gateway/process--card"});
    json_response(StatusCode::NOT_FOUND, &body)
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(http::header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// A text field of the request's JSON, echoed (empty when absent).
fn field(request: &Value, name: &str) -> Value {
    request.get(name).cloned().unwrap_or(json!(""))
}

/// A UUID-shaped identifier from the request's replay key (unique per request, no randomness).
fn uuid_from(user: &VerifiedUser, salt: u8) -> String {
    let bytes = user.replay_key.as_bytes();
    let hex: String = bytes
        .iter()
        .take(16)
        .map(|b| format!("{:02x}", b ^ salt))
        .collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

async fn sandbox(
    endpoint: Endpoint,
    Extension(user): Extension<VerifiedUser>,
    body: Bytes,
) -> Response {
    let started = Instant::now();
    if let Err(e) = validate(endpoint, Options::new(), &body) {
        let errors: Vec<Value> = match &e {
            PayloadError::Invalid(report) => report
                .violations()
                .iter()
                .map(|v| json!({"path": v.path().to_string(), "rule": v.kind()}))
                .collect(),
            PayloadError::Json(json_error) => vec![json!({"path": "", "rule": json_error.kind()})],
        };
        let body = json!({
            "status": 400,
            "client_message": format!("the body breaks the rules of {} (SPEC §6): {e}", endpoint.path()),
            "errors": errors,
        });
        return logged(
            json_response(StatusCode::BAD_REQUEST, &body),
            &user,
            e.kind(),
        );
    }
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let id = uuid_from(&user, 0);
    let data = match endpoint {
        Endpoint::SessionCreate => json!({
            "session_identifier": id,
            "authorized_url": format!("https://sandbox.invalid/session/{id}"),
            "authorized_url_expiration_utc": format_utc(now + 3600),
            "participant_unique_id1": field(&request, "participant_unique_id1"),
            "participant_unique_id2": field(&request, "participant_unique_id2"),
        }),
        Endpoint::PushToCard => {
            let bytes = user.replay_key.as_bytes();
            let transaction_id =
                u32::from_be_bytes([bytes[0] & 0x7f, bytes[1], bytes[2], bytes[3]]);
            json!({
                "estimated_posting_time": "Payment will post within 5 minutes.",
                "estimated_posting_date": format_date(now),
                "transaction_id": transaction_id,
                "request_timestamp": user.x_date,
                "customer_account_token": uuid_from(&user, 0x5a),
                "participant_unique_id1": field(&request, "participant_unique_id1"),
                "participant_unique_id2": field(&request, "participant_unique_id2"),
            })
        }
    };
    let elapsed = started.elapsed().as_secs_f64();
    let time = match endpoint {
        Endpoint::SessionCreate => json!((elapsed * 10_000.0).round() / 10_000.0),
        Endpoint::PushToCard => json!(format!("{elapsed:.4}")),
    };
    let body = json!({"status": 100, "client_message": "Success", "data": data, "time": time});
    logged(json_response(StatusCode::OK, &body), &user, "ok")
}

/// Days since 1970-01-01 as (year, month, day) (Howard Hinnant's civil-from-days).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `MM/DD/YYYY`, as the seed's `estimated_posting_date`.
fn format_date(unix: u64) -> String {
    let (y, m, d) = civil(i64::try_from(unix / 86_400).unwrap_or(0));
    format!("{m:02}/{d:02}/{y}")
}

/// `YYYY-MM-DDTHH:MM:SSZ`, as the seed's `authorized_url_expiration_utc`.
fn format_utc(unix: u64) -> String {
    let (y, m, d) = civil(i64::try_from(unix / 86_400).unwrap_or(0));
    let s = unix % 86_400;
    format!(
        "{y}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// The sidecar's upstream.
struct Upstream {
    base: String,
    client: reqwest::Client,
}

/// Hop-by-hop headers (RFC 9110 §7.6.1), never forwarded unless the signature covers them.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "upgrade",
];

fn is_hop_by_hop(name: &HeaderName, connection_listed: &[String]) -> bool {
    HOP_BY_HOP.contains(&name.as_str())
        || name == http::header::TRANSFER_ENCODING
        || connection_listed.iter().any(|n| n == name.as_str())
}

/// The names a `Connection` header lists (also hop-by-hop).
fn connection_listed(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(http::header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|n| n.trim().to_ascii_lowercase())
        .collect()
}

async fn forward(
    State(upstream): State<Arc<Upstream>>,
    Extension(user): Extension<VerifiedUser>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(body) => body,
        Err(_) => return StatusCode::BAD_REQUEST.into_response(),
    };
    let target = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    let listed = connection_listed(&parts.headers);
    let mut headers = HeaderMap::new();
    for (name, value) in &parts.headers {
        let signed = user.signs(name.as_str());
        // Hop-by-hop headers and Host belong to the client's connection, unless signed; the
        // client's own X-Ingo-Username never passes.
        let own = name == http::header::HOST || is_hop_by_hop(name, &listed);
        let dropped = (own && !signed) || name.as_str() == "x-ingo-username";
        if !dropped {
            headers.append(name.clone(), value.clone());
        }
    }
    if let Ok(value) = HeaderValue::from_str(&user.username) {
        headers.insert(HeaderName::from_static("x-ingo-username"), value);
    }
    let sent = upstream
        .client
        .request(parts.method.clone(), format!("{}{target}", upstream.base))
        .headers(headers)
        .body(body)
        .send()
        .await;
    let answer = match sent {
        Ok(answer) => answer,
        Err(_) => {
            let body =
                json!({"status": 502, "client_message": "the upstream could not be reached"});
            return logged(
                json_response(StatusCode::BAD_GATEWAY, &body),
                &user,
                "serve.upstream_unreachable",
            );
        }
    };
    let status = answer.status();
    let listed = connection_listed(answer.headers());
    let mut relayed = HeaderMap::new();
    for (name, value) in answer.headers() {
        if !is_hop_by_hop(name, &listed) && name != http::header::CONTENT_LENGTH {
            relayed.append(name.clone(), value.clone());
        }
    }
    let body = answer.bytes().await.unwrap_or_default();
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    *response.headers_mut() = relayed;
    logged(response, &user, "ok")
}
