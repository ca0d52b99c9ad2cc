//! The Redis replay guard against a real `redis-server` (Debian's package; CI installs it when
//! missing), started by this test on a free loopback port and stopped at the end:
//! two gateways sharing one Redis accept a request once between them, and with Redis stopped
//! every request is refused with 503 and none reaches the inner service.

use std::net::{SocketAddr, TcpListener as StdListener};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::post;
use ingo_signer::clock::{Clock, SystemClock};
use ingo_signer::keys::KeyRing;
use ingo_signer::replay::RedisReplayGuard;
use ingo_signer::tower::{GatewayPolicy, VerifyLayer};
use ingo_signer_core::{Signer, SigningKey, VerifyError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const SECRET: &[u8] = b"demo-secret-not-for-production";
const BODY: &str = r#"{"participant_id":70646041,"amount":12.5}"#;
const TIMEOUT: Duration = Duration::from_secs(10);

/// A `redis-server` on a free loopback port, killed when dropped.
struct Redis {
    child: Option<Child>,
    port: u16,
}

impl Redis {
    fn start() -> Redis {
        let port = StdListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args([
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server (Debian package redis-server) must be installed");
        let deadline = Instant::now() + TIMEOUT;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Redis {
            child: Some(child),
            port,
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A gateway with its own connection to Redis; counts the requests its inner service sees.
async fn gateway(redis: &Redis, reached: Arc<AtomicUsize>) -> SocketAddr {
    let mut ring = KeyRing::new();
    ring.add("demo", SECRET).unwrap();
    let guard = RedisReplayGuard::connect(&redis.url()).await.unwrap();
    // The system clock: `PXAT` is read on Redis's clock, which must agree with the gateways'.
    let layer = VerifyLayer::new(Arc::new(ring), GatewayPolicy::default()).replay_guard(guard);
    let app = Router::new()
        .route(
            "/gateway/process--card",
            post(move || async move {
                reached.fetch_add(1, Ordering::SeqCst);
                "ok"
            }),
        )
        .layer(layer);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// `BODY` signed `ago` seconds before now, as a raw HTTP/1.1 request that asks to close.
fn request(ago: u64) -> String {
    let key = SigningKey::new("demo", SECRET).unwrap();
    let mut request = http::Request::post("/gateway/process--card")
        .body(BODY.as_bytes().to_vec())
        .unwrap();
    let now = SystemClock.now();
    ingo_signer::http::sign_request(&Signer::new(&key), &mut request, now - ago).unwrap();
    let mut text =
        String::from("POST /gateway/process--card HTTP/1.1\r\nhost: x\r\nconnection: close\r\n");
    for (name, value) in request.headers() {
        text.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap()));
    }
    text.push_str("\r\n");
    text.push_str(BODY);
    text
}

async fn send(addr: SocketAddr, text: &str) -> (u16, serde_json::Value) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(text.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(TIMEOUT, stream.read_to_end(&mut response))
        .await
        .expect("answered within the timeout")
        .unwrap();
    let response = String::from_utf8(response).unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response.split_once("\r\n\r\n").unwrap().1;
    (
        status,
        serde_json::from_str(body).unwrap_or(serde_json::Value::Null),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateways_sharing_redis_accept_once_and_fail_closed_without_it() {
    let mut redis = Redis::start();
    let reached = Arc::new(AtomicUsize::new(0));
    let a = gateway(&redis, Arc::clone(&reached)).await;
    let b = gateway(&redis, Arc::clone(&reached)).await;

    // Accepted by one gateway, refused by the other as a replay; and the other way round.
    for (ago, first, second) in [(10, a, b), (11, b, a), (12, a, a)] {
        let text = request(ago);
        assert_eq!(send(first, &text).await.0, 200);
        let (status, json) = send(second, &text).await;
        assert_eq!(status, 401);
        assert_eq!(json["client_message"], VerifyError::Replayed.to_string());
    }
    assert_eq!(reached.load(Ordering::SeqCst), 3);

    // Redis goes away mid-run: every request, new or a replay, is refused with 503, at once.
    redis.stop();
    for ago in 0..6 {
        let gateway = if ago % 2 == 0 { a } else { b };
        let started = Instant::now();
        let (status, json) = send(gateway, &request(ago)).await;
        assert_eq!(status, 503, "{json}");
        assert_eq!(
            json,
            serde_json::json!({
                "status": 503,
                "client_message": VerifyError::ReplayCheckUnavailable.to_string(),
            })
        );
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "bounded by the connect and response timeouts: {:?}",
            started.elapsed()
        );
    }
    assert_eq!(
        reached.load(Ordering::SeqCst),
        3,
        "nothing accepted without Redis"
    );
}
