//! `verify/{ingo, lower-bound}/470`: one-shot verification of the signed seed request, the
//! Authorization parse included; and the same for a 64 KiB body.

use std::hint::black_box;

use benches::fixtures::{self, BODY, HOST, NOW, SECRET, TARGET, noise};
use benches::lower_bound::LowerBound;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ingo_signer_core::{Policy, Request, Signer, Verifier};

fn verify(c: &mut Criterion) {
    let key = fixtures::key();
    let verifier = Verifier::new(&key, Policy::default());
    let lower = LowerBound::new(SECRET);
    // The check runs half a minute after signing, well inside the default skew.
    let now = NOW + 31;

    let large = noise(65_536);
    let bodies: [&[u8]; 2] = [BODY.as_bytes(), &large];
    let mut group = c.benchmark_group("verify");
    for body in bodies {
        let signed = match Signer::new(&key).sign(&Request::new("POST", TARGET, body), NOW) {
            Ok(signed) => signed,
            Err(e) => unreachable!("the fixture signs: {e}"),
        };
        let mut headers: Vec<(&str, &str)> = signed.iter().collect();
        headers.push(("Host", HOST));
        let head = fixtures::head(&headers);
        assert!(verifier.verify(&head, body, now).is_ok());
        assert!(lower.verify(TARGET, &headers, body));

        group.bench_with_input(BenchmarkId::new("ingo", body.len()), body, |b, body| {
            b.iter(|| verifier.verify(black_box(&head), black_box(body), black_box(now)))
        });
        group.bench_with_input(
            BenchmarkId::new("lower-bound", body.len()),
            body,
            |b, body| {
                b.iter(|| lower.verify(black_box(TARGET), black_box(&headers), black_box(body)))
            },
        );
    }
    group.finish();
}

criterion_group!(benches, verify);
criterion_main!(benches);
