//! Interleaved timing of contender pairs: robust ratios on a machine shared with other work.
//!
//! Criterion measures one benchmark after another, so a load that comes and goes between them
//! skews their ratio. This alternates short batches of A and B (about 2 ms each) for a few
//! seconds and reports the median of the per-round ratios A/B with its interquartile range.
//!
//! Usage: `ratio [SECONDS [A B]...]`: SECONDS per pair (default 4); the goals' pairs, or the
//! pairs given (`ratio 2 sign/ingo/470 sign/ingo/470` checks that the method reads 1.0).

use std::time::{Duration, Instant};

use benches::contenders::Fixture;

/// (numerator, denominator, subtracted from the numerator per call): the goals' pairs.
const PAIRS: &[(&str, &str, Option<&str>)] = &[
    ("sign/ingo/470", "sign/lower-bound/470", None),
    ("verify/ingo/470", "verify/lower-bound/470", None),
    ("verify/ingo-memory-guard/470", "verify/ingo/470", None),
    ("sign/naive-std/470", "sign/ingo/470", None),
    // http-sig signs in place, so each call clones a fresh request; the clone is subtracted.
    (
        "sign/http-sig/470",
        "sign/ingo/470",
        Some("sign/http-sig-setup/470"),
    ),
    ("digest/ingo/64", "digest/sha2-raw/64", None),
    ("digest/ingo/470", "digest/sha2-raw/470", None),
    ("digest/ingo/4096", "digest/sha2-raw/4096", None),
    ("digest/ingo/65536", "digest/sha2-raw/65536", None),
    ("digest/ingo/1048576", "digest/sha2-raw/1048576", None),
    ("digest/ring/1048576", "digest/sha2-raw/1048576", None),
    ("digest/ingo-openssl/470", "digest/ingo/470", None),
    ("digest/ingo-openssl/4096", "digest/ingo/4096", None),
    ("digest/ingo-openssl/1048576", "digest/ingo/1048576", None),
    ("sign/ingo-openssl/470", "sign/ingo/470", None),
    (
        "mac/openssl/signing-string",
        "mac/ingo/signing-string",
        None,
    ),
];
fn per_call(call: &dyn Fn(), n: u32) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        call();
    }
    start.elapsed().as_secs_f64() / f64::from(n)
}

/// Calls per ~2 ms batch.
fn batch(call: &dyn Fn()) -> u32 {
    let once = per_call(call, 3).max(1e-9);
    ((0.002 / once) as u32).clamp(1, 1_000_000)
}

fn main() {
    let seconds: f64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(4.0);
    let args: Vec<String> = std::env::args().skip(2).collect();
    let given: Vec<(&str, &str, Option<&str>)> = args
        .chunks_exact(2)
        .map(|pair| (pair[0].as_str(), pair[1].as_str(), None))
        .collect();
    let pairs = if given.is_empty() { PAIRS } else { &given[..] };
    let fixture = Fixture::new();
    let get = |name: &str| {
        fixture
            .contender(name)
            .unwrap_or_else(|| unreachable!("{name} is a contender"))
    };
    println!("| A | B | A per call | B per call | median A/B | IQR | rounds |");
    println!("|---|---|---:|---:|---:|---|---:|");
    for &(a_name, b_name, setup_name) in pairs {
        let (a, b) = (get(a_name), get(b_name));
        let setup = setup_name.map(get);
        let (na, nb) = (batch(&*a), batch(&*b));
        let ns = setup.as_ref().map(|s| batch(&**s));
        let mut ratios = Vec::new();
        let (mut times_a, mut times_b) = (Vec::new(), Vec::new());
        let deadline = Instant::now() + Duration::from_secs_f64(seconds);
        while Instant::now() < deadline {
            let ta = per_call(&*a, na);
            let tb = per_call(&*b, nb);
            let ts = match (&setup, ns) {
                (Some(s), Some(n)) => per_call(&**s, n),
                _ => 0.0,
            };
            ratios.push((ta - ts) / tb);
            times_a.push(ta - ts);
            times_b.push(tb);
        }
        let median = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[(v.len() - 1) / 2]
        };
        let (ma, mb) = (median(&mut times_a), median(&mut times_b));
        ratios.sort_by(f64::total_cmp);
        let at = |q: f64| ratios[((ratios.len() - 1) as f64 * q) as usize];
        println!(
            "| {a_name} | {b_name} | {:.0} ns | {:.0} ns | {:.3} | {:.3}–{:.3} | {} |",
            ma * 1e9,
            mb * 1e9,
            at(0.5),
            at(0.25),
            at(0.75),
            ratios.len()
        );
    }
}
