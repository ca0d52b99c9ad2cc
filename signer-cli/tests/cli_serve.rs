//! `ingo-sign serve` as a user runs it: the binary on `127.0.0.1:0`, requests signed with the
//! system clock, JSON log lines on stderr, and a graceful stop on SIGTERM. Every process the
//! tests start is stopped (SIGTERM, then killed if it lingers) when its guard is dropped.

use std::io::Read;
use std::process::Command;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::routing::post;
use http::{HeaderMap, StatusCode};
use ingo_signer::reqwest::SigningClient;
use ingo_signer_core::{SigningKey, VerifyError};

use cli_support::Serve;

mod cli_support;

const SECRET: &str = cli_support::SPEC_SECRET;
const SESSION: &str = r#"{"participant_unique_id1":"70646041","participant_unique_id2":"p-2","host_uri":"https://digitalpay.ingo.money"}"#;

fn client() -> SigningClient {
    SigningClient::new(SigningKey::new("demo", SECRET.as_bytes()).unwrap()).unwrap()
}

async fn send_signed(
    client: &SigningClient,
    url: &str,
    body: &str,
) -> (StatusCode, HeaderMap, serde_json::Value) {
    let request = client.post(url).body(body.to_owned()).build().unwrap();
    let response = client.execute(request).await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    let text = response.text().await.unwrap();
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

#[tokio::test]
async fn the_sandbox_answers_like_ingo_and_logs_one_line_per_request() {
    let mut serve = Serve::start(&[]);
    let client = client();

    let (status, _, json) = send_signed(
        &client,
        &serve.url("/api/v1/sessions/point-in-time/plugin"),
        SESSION,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["status"], 100);
    assert_eq!(json["client_message"], "Success");
    assert_eq!(json["data"]["participant_unique_id1"], "70646041");
    assert_eq!(json["data"]["participant_unique_id2"], "p-2");
    assert_eq!(
        json["data"]["session_identifier"].as_str().unwrap().len(),
        36
    );
    assert!(json["time"].is_number());

    let card = r#"{"participant_unique_id1":"c-1","participant_id":70646041,"customer_account_token":"t","amount":12.5}"#;
    let (status, _, json) = send_signed(&client, &serve.url("/gateway/process--card"), card).await;
    if status == StatusCode::OK {
        assert_eq!(json["data"]["participant_unique_id1"], "c-1");
        assert!(json["data"]["transaction_id"].is_number());
        assert!(json["time"].is_string());
    } else {
        // The card payload rules want more fields: a 400 naming each, as Ingo's validator.
        assert_eq!(status, StatusCode::BAD_REQUEST, "{json}");
        assert!(!json["errors"].as_array().unwrap().is_empty(), "{json}");
    }

    // A payload violation: 400 with each violation's path and rule.
    let bad = r#"{"participant_unique_id1":"a","recipient_information":{"zip_code":"3723","business_name":"Acme"}}"#;
    let (status, _, json) = send_signed(
        &client,
        &serve.url("/api/v1/sessions/point-in-time/plugin"),
        bad,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{json}");
    assert_eq!(json["status"], 400);
    let errors = json["errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e["path"] == "recipient_information.zip_code"),
        "{json}"
    );
    assert!(errors.iter().all(|e| e["rule"].is_string()), "{json}");

    // Unsigned: the layer's answer. Another path: 404.
    let plain = reqwest::Client::new();
    let response = plain
        .post(serve.url("/gateway/process--card"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()["www-authenticate"], "hmac");
    let json: serde_json::Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(
        json["client_message"],
        VerifyError::MissingAuthorization.to_string()
    );
    let response = plain.post(serve.url("/elsewhere")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    // A replay of a signed request: refused.
    let request = client
        .post(serve.url("/api/v1/sessions/point-in-time/plugin"))
        .body(SESSION)
        .build()
        .unwrap();
    let mut request = request;
    client.sign(&mut request).unwrap();
    let copy = request.try_clone().unwrap();
    let first = client.client().execute(request).await.unwrap().status();
    let second = client.client().execute(copy).await.unwrap();
    // The first may itself be a replay of the request sent above in the same second.
    assert!(first == StatusCode::OK || first == StatusCode::UNAUTHORIZED);
    assert_eq!(second.status(), StatusCode::UNAUTHORIZED);
    let json: serde_json::Value = serde_json::from_str(&second.text().await.unwrap()).unwrap();
    assert_eq!(json["client_message"], VerifyError::Replayed.to_string());

    let log = serve.log();
    assert!(log.len() >= 7, "{log:?}");
    for line in &log {
        for field in ["method", "path", "status", "kind", "username", "latency_ms"] {
            assert!(line.get(field).is_some(), "{field} in {line}");
        }
    }
    assert!(
        log.iter()
            .any(|l| l["kind"] == "verify.replayed" && l["status"] == 401)
    );
    assert!(
        log.iter()
            .any(|l| l["kind"] == "payload.invalid" && l["username"] == "demo")
    );
    assert!(
        log.iter()
            .any(|l| l["kind"] == "verify.missing_authorization")
    );
    let text = serve.stderr.lock().unwrap().join("\n");
    assert!(!text.contains(SECRET), "a secret in the log");
    assert!(!text.contains("signature"), "a signature in the log");

    assert!(serve.terminate().success(), "graceful stop on SIGTERM");
}

#[tokio::test]
async fn the_sidecar_forwards_verified_requests_and_relays_the_answer() {
    let seen: Arc<Mutex<Vec<(HeaderMap, String, String)>>> = Arc::default();
    let record = Arc::clone(&seen);
    let upstream = Router::new().route(
        "/gateway/process--card",
        post(move |uri: http::Uri, headers: HeaderMap, body: String| {
            let record = Arc::clone(&record);
            async move {
                record
                    .lock()
                    .unwrap()
                    .push((headers, uri.to_string(), body));
                (
                    StatusCode::CREATED,
                    [("x-upstream", "yes")],
                    "from upstream",
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let upstream_addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, upstream).await });

    let serve = Serve::start(&[
        "--upstream",
        &format!("http://{upstream_addr}"),
        "--replay",
        "off",
    ]);
    let client = client();
    let body = r#"{"anything": "the sidecar does not judge payloads"}"#;
    let mut request = client
        .post(serve.url("/gateway/process--card?x=1"))
        .header("x-ingo-username", "mallory")
        .header("keep-alive", "timeout=5")
        .header("connection", "keep-alive")
        .body(body)
        .build()
        .unwrap();
    client.sign(&mut request).unwrap();
    let response = client.client().execute(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["x-upstream"], "yes");
    assert_eq!(response.text().await.unwrap(), "from upstream");

    let (headers, uri, forwarded) = seen.lock().unwrap()[0].clone();
    let (headers, uri, forwarded) = (&headers, &uri, &forwarded);
    assert_eq!(uri, "/gateway/process--card?x=1");
    assert_eq!(forwarded, body);
    assert_eq!(headers["x-ingo-username"], "demo", "never the client's own");
    assert_eq!(headers.get_all("x-ingo-username").iter().count(), 1);
    assert!(!headers.contains_key("keep-alive"));
    assert!(headers.contains_key("content-sha512"));

    // An unsigned request never reaches the upstream.
    let response = reqwest::Client::new()
        .post(serve.url("/gateway/process--card"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[test]
fn a_bad_replay_option_or_key_file_is_a_usage_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_ingo-sign"))
        .args([
            "serve",
            "--keys",
            "/nonexistent/keys.json",
            "--listen",
            "127.0.0.1:0",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let mut stderr = String::new();
    output
        .stderr
        .as_slice()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(stderr.contains("cannot load the keys"), "{stderr}");
}
