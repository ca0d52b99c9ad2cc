//! Shared by the load tests (`e2e_load`: the tower layer in this process; `e2e_serve_load`: the
//! `ingo-sign serve` binary): the requests (valid, tampered seven ways, replayed), sending them
//! over concurrent keep-alive connections, checking every answer, and the exact tally a run must
//! give.

#![allow(dead_code)] // each test file uses its own part

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderValue, StatusCode};
use ingo_signer::clock::FixedClock;
use ingo_signer::reqwest::{SigningClient, client_builder};
use ingo_signer_core::authorization::AuthorizationError;
use ingo_signer_core::date::{format_imf_fixdate, parse_imf_fixdate};
use ingo_signer_core::digest::DigestError;
use ingo_signer_core::signing_string::{HeaderName, SigningStringError};
use ingo_signer_core::{DigestAlgorithm, SigningKey, VerifyError};

/// Each request's body length.
pub const BODY_LEN: usize = 4_096;

/// What each request is: valid, tampered one way, or a replay (a valid request sent again).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Valid,
    Body,
    Header,
    Path,
    Date,
    Signature,
    Algorithm,
    MissingHeader,
    Replay,
}

const TAMPERED: [Kind; 7] = [
    Kind::Body,
    Kind::Header,
    Kind::Path,
    Kind::Date,
    Kind::Signature,
    Kind::Algorithm,
    Kind::MissingHeader,
];

impl Kind {
    /// Request `i` of a run: even ones valid, odd ones tampered in turn. (Replays are sent
    /// besides, see [`Target::replay_every`].)
    pub fn of(i: usize) -> Kind {
        if i.is_multiple_of(2) {
            Kind::Valid
        } else {
            TAMPERED[(i / 2) % TAMPERED.len()]
        }
    }

    /// `None` for valid requests; otherwise the refusal the server must give.
    pub fn expected(self) -> Option<VerifyError> {
        match self {
            Kind::Valid => None,
            Kind::Body => Some(VerifyError::Digest(DigestError::Mismatch(
                DigestAlgorithm::Sha512,
            ))),
            Kind::Header | Kind::Path | Kind::Date | Kind::Signature => {
                Some(VerifyError::SignatureMismatch)
            }
            Kind::Algorithm => Some(VerifyError::Authorization(
                AuthorizationError::SignatureLength { expected: 32 },
            )),
            Kind::MissingHeader => Some(VerifyError::SigningString(
                SigningStringError::HeaderMissing(HeaderName::new("content-sha512")),
            )),
            Kind::Replay => Some(VerifyError::Replayed),
        }
    }
}

/// A 4 KiB JSON body unique to request `i`, and a valid Session Create body (SPEC §6), so that
/// the `serve` sandbox accepts it: the padding is the one free-length field,
/// `recipient_information.open_banking.mobus_customer_id`.
pub fn body(i: usize) -> String {
    let mut body = format!(
        r#"{{"participant_unique_id1":"{i}","host_uri":"https://digitalpay.ingo.money","recipient_information":{{"business_name":"Acme","open_banking":{{"mobus_customer_id":""#
    );
    body.push_str(&"x".repeat(BODY_LEN - body.len() - 4));
    body.push_str("\"}}}");
    body
}

/// Request `i` of `kind` to `url`, signed and then tampered (a replay is built as valid).
pub fn request(
    client: &SigningClient<FixedClock>,
    url: &str,
    i: usize,
    kind: Kind,
) -> reqwest::Request {
    let body = body(i);
    let mut request = client.post(url).body(body.clone()).build().unwrap();
    client.sign(&mut request).unwrap();
    let headers = request.headers_mut();
    match kind {
        Kind::Valid | Kind::Replay => {}
        Kind::Body => {
            // One byte of the padding changed: same length, still valid JSON.
            let tampered = body.replacen("_id\":\"x", "_id\":\"y", 1);
            *request.body_mut() = Some(tampered.into());
        }
        Kind::Header => {
            headers.insert(
                "content-type",
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
        }
        Kind::Path => {
            *request.url_mut() = format!("{url}?i={i}").parse().unwrap();
        }
        Kind::Date => {
            // One second after the signed date: well within the allowed skew.
            let signed = parse_imf_fixdate(headers["x-date"].as_bytes()).unwrap();
            let date = format_imf_fixdate(signed + 1).unwrap();
            headers.insert("x-date", date.as_str().parse().unwrap());
        }
        Kind::Signature => {
            let value = headers["authorization"].to_str().unwrap();
            let at = value.find("signature=\"").unwrap() + "signature=\"".len();
            let mut tampered = value.to_owned();
            let to = if &tampered[at..=at] == "A" { "B" } else { "A" };
            tampered.replace_range(at..=at, to);
            headers.insert("authorization", tampered.parse().unwrap());
        }
        Kind::Algorithm => {
            let value = headers["authorization"].to_str().unwrap();
            let tampered = value.replace("hmac-sha512", "hmac-sha256");
            headers.insert("authorization", tampered.parse().unwrap());
        }
        Kind::MissingHeader => {
            headers.remove("content-sha512");
        }
    }
    request
}

/// One signing client per connection, signing as `key` at `now`: each keeps at most one idle
/// connection and sends in sequence, so a run uses exactly `connections` keep-alive connections.
pub fn clients(
    key: &SigningKey,
    connections: usize,
    now: u64,
) -> Vec<Arc<SigningClient<FixedClock>>> {
    (0..connections)
        .map(|_| {
            let client = client_builder()
                .timeout(Duration::from_secs(10))
                .pool_max_idle_per_host(1)
                .build()
                .unwrap();
            Arc::new(SigningClient::with_client(client, key.clone()).with_clock(FixedClock(now)))
        })
        .collect()
}

/// Where a run goes and how its answers are judged.
#[derive(Clone, Debug)]
pub struct Target {
    /// Every request's URL (`http://ADDR/PATH`).
    pub url: String,
    /// Each valid request `i` with `i % (2 * n) == 0` is sent again as soon as it has been
    /// accepted, on the same connection: a replay, which must be refused.
    pub replay_every: Option<usize>,
    /// Checks the body of the answer to accepted request `i`.
    pub accepted: fn(usize, &str),
}

impl Target {
    fn replays(&self, i: usize) -> bool {
        self.replay_every
            .is_some_and(|n| Kind::of(i) == Kind::Valid && i.is_multiple_of(2 * n))
    }
}

/// Per kind: (accepted, refused as expected). Anything else fails the test where it happens.
pub type Tally = BTreeMap<Kind, (usize, usize)>;

/// Sends `request` (request `i`, of `kind`) and checks its answer exactly: valid ones accepted
/// and their body as `target` expects, every other one refused with the status and client
/// message of [`Kind::expected`].
async fn send(
    client: &SigningClient<FixedClock>,
    target: &Target,
    i: usize,
    kind: Kind,
    request: reqwest::Request,
    tally: &mut Tally,
) {
    let response = client.client().execute(request).await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    let entry = tally.entry(kind).or_default();
    match kind.expected() {
        None => {
            assert_eq!(
                status,
                StatusCode::OK,
                "false reject of request {i}: {text}"
            );
            (target.accepted)(i, &text);
            entry.0 += 1;
        }
        Some(expected) => {
            assert_ne!(
                status,
                StatusCode::OK,
                "false accept of request {i} ({kind:?})"
            );
            assert_eq!(status.as_u16(), expected.http_status(), "{kind:?}: {text}");
            let json: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(json["client_message"], expected.to_string(), "{kind:?}");
            entry.1 += 1;
        }
    }
}

/// Sends requests `from..to` of the run spread over the clients: client `c` sends every
/// request `i` with `i % clients.len() == c`, one after another on its one connection (and
/// each replay right after its original).
pub async fn run(
    clients: &[Arc<SigningClient<FixedClock>>],
    target: &Target,
    from: usize,
    to: usize,
) -> Tally {
    let connections = clients.len();
    let mut tasks = Vec::new();
    for (c, client) in clients.iter().enumerate() {
        let client = Arc::clone(client);
        let target = target.clone();
        tasks.push(tokio::spawn(async move {
            let mut tally = Tally::new();
            for i in (from..to).filter(|i| i % connections == c) {
                let kind = Kind::of(i);
                let request = request(&client, &target.url, i, kind);
                let copy = target
                    .replays(i)
                    .then(|| request.try_clone().expect("a body in memory"));
                send(&client, &target, i, kind, request, &mut tally).await;
                if let Some(copy) = copy {
                    send(&client, &target, i, Kind::Replay, copy, &mut tally).await;
                }
            }
            tally
        }));
    }
    let mut total = Tally::new();
    for task in tasks {
        for (kind, (accepted, refused)) in task.await.unwrap() {
            let entry = total.entry(kind).or_default();
            entry.0 += accepted;
            entry.1 += refused;
        }
    }
    total
}

/// What `run(target, from, to)` must count: every valid request accepted, every other refused.
pub fn expected_tally(target: &Target, from: usize, to: usize) -> Tally {
    let mut tally = Tally::new();
    for i in from..to {
        let kind = Kind::of(i);
        let entry = tally.entry(kind).or_default();
        if kind == Kind::Valid {
            entry.0 += 1;
        } else {
            entry.1 += 1;
        }
        if target.replays(i) {
            tally.entry(Kind::Replay).or_default().1 += 1;
        }
    }
    tally
}

/// Resident memory of `process` (`self` or a pid) in kB, from `/proc/<process>/status` (in kB
/// there: no page-size assumption).
pub fn rss_kb(process: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{process}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}
