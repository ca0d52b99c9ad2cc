//! `validate/{session-create, push-to-card}/seed`: the SPEC §6 body rules over the seeds'
//! request bodies (Session Create as signed, minified; push to card verbatim).

use std::hint::black_box;

use benches::fixtures::{BODY, PUSH_TO_CARD_BODY};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ingo_signer_core::payload::{Endpoint, Options, validate};

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("validate");
    for (name, endpoint, body) in [
        ("session-create", Endpoint::SessionCreate, BODY),
        ("push-to-card", Endpoint::PushToCard, PUSH_TO_CARD_BODY),
    ] {
        assert!(validate(endpoint, Options::new(), body.as_bytes()).is_ok());
        group.bench_function(BenchmarkId::new(name, "seed"), |b| {
            b.iter(|| {
                validate(
                    black_box(endpoint),
                    black_box(Options::new()),
                    black_box(body.as_bytes()),
                )
                .is_ok()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
