//! `sign/{ingo, lower-bound, naive-std, http-sig, ingo-openssl}/470`, and the same for a 64 KiB
//! body where the body digest dominates.

use std::hint::black_box;

use benches::fixtures::{self, BODY, NOW, SECRET, TARGET, USERNAME, noise};
use benches::lower_bound::LowerBound;
use benches::{http_sig, naive};
use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use ingo_signer::fast_backend;
use ingo_signer_core::{Request, Signer};

fn sign(c: &mut Criterion) {
    let key = fixtures::key();
    let signer = Signer::new(&key);
    let lower = LowerBound::new(SECRET);
    let x_date = "Fri, 17 Jan 2020 19:59:29 GMT";
    let http_sig_config = http_sig::config(USERNAME, SECRET);

    let large = noise(65_536);
    let bodies: [&[u8]; 2] = [BODY.as_bytes(), &large];
    let mut group = c.benchmark_group("sign");
    for body in bodies {
        let size = body.len();
        let content_length = size.to_string();
        group.bench_with_input(BenchmarkId::new("ingo", size), body, |b, body| {
            b.iter(|| {
                signer.sign(
                    &Request::new("POST", TARGET, black_box(body)),
                    black_box(NOW),
                )
            })
        });
        group.bench_with_input(BenchmarkId::new("lower-bound", size), body, |b, body| {
            b.iter(|| {
                lower.sign(
                    black_box(TARGET),
                    black_box(x_date),
                    black_box(&content_length),
                    black_box(body),
                )
            })
        });
        group.bench_with_input(BenchmarkId::new("ingo-openssl", size), body, |b, body| {
            b.iter(|| {
                fast_backend::sign(
                    &signer,
                    &Request::new("POST", TARGET, black_box(body)),
                    black_box(NOW),
                )
            })
        });
        if size != BODY.len() {
            continue;
        }
        group.bench_with_input(BenchmarkId::new("naive-std", size), body, |b, body| {
            b.iter(|| {
                naive::sign(
                    black_box(USERNAME),
                    black_box(SECRET),
                    "POST",
                    black_box(TARGET),
                    black_box(body),
                    black_box(NOW as i64),
                )
            })
        });
        let unsigned = http_sig::unsigned_request("https://example.test/x", body);
        group.bench_function(BenchmarkId::new("http-sig", size), |b| {
            b.iter_batched_ref(
                || unsigned.clone(),
                |request| http_sig::sign(request, &http_sig_config),
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, sign);
criterion_main!(benches);
