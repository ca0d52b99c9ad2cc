//! How much longer (or shorter) a verifier takes to refuse an unknown username than a wrong
//! signature, in one run: the ratio issue 13 asks to keep at 1, whatever the size of the store.
//!
//! For each store size it alternates short batches of the two refusals (interleaved, so load
//! from other work hits both alike) and prints the ratio unknown / wrong-signature of their 10th
//! percentiles per call (the batches least slowed by other work), and the median of the
//! per-round ratios. Both requests are the same size:
//! the same target, headers and body, a username of the same length, a signature of the same
//! length; only whether the username is in the store differs.
//!
//! Usage: `username_ratio [SECONDS]` (per store size, default 3); `username_ratio count CASE
//! STORE N` runs N refusals of one case (`unknown` or `wrong`) for instruction counting
//! (`username_icount.sh`, under valgrind: exact where timings on a shared machine are not).
//! The dudect bench `unknown_username` in `main.rs` is the gate.

use std::hint::black_box;
use std::time::{Duration, Instant};

use ingo_signer_core::{
    HttpVersion, KeyStore, Policy, Request, RequestHead, Signer, SigningKey, Verifier,
};

const NOW: u64 = 1_579_291_169;
const TARGET: &str = "/api/v1/sessions/point-in-time/plugin";
const BODY: &[u8] = br#"{"participant_unique_id1":"70646041-01ea-4cd6-b657-18ff88e465c7","host_uri":"https://digitalpay-test.ingo.money","language_locale_code":"en-US"}"#;

/// A store of `n` usernames `user-00000`..., one key each; and, for a rotation, a second key
/// for the first username.
fn store(n: usize, rotation: bool) -> Vec<SigningKey> {
    let mut keys: Vec<SigningKey> = (0..n)
        .map(|i| {
            SigningKey::new(&format!("user-{i:05}"), format!("secret-{i}").as_bytes()).expect("key")
        })
        .collect();
    if rotation {
        keys.push(SigningKey::new("user-00000", b"secret-previous").expect("key"));
    }
    keys
}

/// The headers of the demo request signed by `username` with a secret no store holds.
fn signed_by(username: &str) -> Vec<(String, String)> {
    let key = SigningKey::new(username, b"a-secret-no-store-holds").expect("key");
    Signer::new(&key)
        .sign(&Request::new("POST", TARGET, BODY), NOW)
        .expect("sign")
        .iter()
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect()
}

fn per_call(call: &dyn Fn(), n: u32) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        call();
    }
    start.elapsed().as_secs_f64() / f64::from(n)
}

/// The stores measured: a label, the number of usernames, whether the first has two keys, and
/// whether the store keeps a stand-in key (`KeyStore::stand_in`, as `ingo_signer`'s `KeyRing`
/// and the C ABI do) or leaves the verifier to load the stand-in's states from constants (as a
/// plain slice of keys does).
const STORES: &[(&str, usize, bool, bool)] = &[
    ("1 key, slice", 1, false, false),
    ("1 key, store with a stand-in", 1, false, true),
    ("1 username, 2 keys (rotation)", 1, true, true),
    ("1,000 keys, slice", 1000, false, false),
    ("10,000 keys, slice", 10_000, false, false),
];

/// A slice of keys, with or without a stand-in key.
struct Store {
    keys: Vec<SigningKey>,
    stand_in: Option<SigningKey>,
}

impl KeyStore for Store {
    fn keys_for<'a>(&'a self, username: &'a str) -> impl Iterator<Item = &'a SigningKey> + 'a {
        self.keys[..].keys_for(username)
    }

    fn stand_in(&self) -> Option<&SigningKey> {
        self.stand_in.as_ref()
    }
}

fn make_store(size: usize, rotation: bool, stand_in: bool) -> Store {
    Store {
        keys: store(size, rotation),
        stand_in: stand_in.then(SigningKey::stand_in),
    }
}

/// A verifier over `keys` refusing `headers`.
fn refuse(verifier: &Verifier<'_, Store>, headers: &[(String, String)]) {
    let head = RequestHead {
        method: "POST",
        target: TARGET,
        version: HttpVersion::Http11,
        headers,
    };
    let result = verifier.verify(black_box(&head), black_box(BODY), NOW);
    assert!(result.is_err());
    black_box(result.is_err());
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // Same length: `user-00000` is in every store, `nobody-000` in none.
    let wrong = signed_by("user-00000");
    let unknown = signed_by("nobody-000");
    if args.get(1).map(String::as_str) == Some("count") {
        // `count CASE STORE N`: N refusals of one case, for instruction counting (username_icount.sh).
        let (Some(case), Some(store_at), Some(n)) = (
            args.get(2),
            args.get(3).and_then(|s| s.parse::<usize>().ok()),
            args.get(4).and_then(|s| s.parse::<u32>().ok()),
        ) else {
            eprintln!("usage: username_ratio count unknown|wrong STORE_INDEX N");
            std::process::exit(2);
        };
        let (_, size, rotation, stand_in) = STORES[store_at];
        let keys = make_store(size, rotation, stand_in);
        let verifier = Verifier::new(&keys, Policy::default());
        let headers = if case == "unknown" { &unknown } else { &wrong };
        for _ in 0..n {
            refuse(&verifier, headers);
        }
        return;
    }
    let seconds: f64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(3.0);
    println!(
        "| store | unknown username | wrong signature | unknown/wrong (10th percentiles) | median of round ratios | rounds |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for &(label, size, rotation, stand_in) in STORES {
        let keys = make_store(size, rotation, stand_in);
        let verifier = Verifier::new(&keys, Policy::default());
        let a = || refuse(&verifier, &unknown);
        let b = || refuse(&verifier, &wrong);
        // Short batches (~0.5 ms), alternated: on a loaded machine most batches are slowed by
        // other work, so the low percentiles of each side are the figures to compare.
        let batch =
            |call: &dyn Fn()| ((0.0005 / per_call(call, 3).max(1e-9)) as u32).clamp(1, 100_000);
        let (na, nb) = (batch(&a), batch(&b));
        let (mut ratios, mut ta, mut tb) = (Vec::new(), Vec::new(), Vec::new());
        let deadline = Instant::now() + Duration::from_secs_f64(seconds);
        while Instant::now() < deadline {
            let x = per_call(&a, na);
            let y = per_call(&b, nb);
            ratios.push(x / y);
            ta.push(x);
            tb.push(y);
        }
        let quantile = |v: &mut Vec<f64>, q: f64| {
            v.sort_by(f64::total_cmp);
            v[((v.len() - 1) as f64 * q) as usize]
        };
        let (qa, qb) = (quantile(&mut ta, 0.1), quantile(&mut tb, 0.1));
        println!(
            "| {label} | {:.0} ns | {:.0} ns | {:.3} | {:.3} | {} |",
            qa * 1e9,
            qb * 1e9,
            qa / qb,
            quantile(&mut ratios, 0.5),
            ta.len()
        );
    }
}
