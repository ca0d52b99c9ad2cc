//! `digest/{ingo, sha2-raw, ring, ingo-openssl, openssl, aws-lc-rs}/{64, 470, 4096, 65536,
//! 1048576}`: the body digest (SHA-512), with throughput. `ingo` is the core's `BodyDigest::of`,
//! `sha2-raw` the primitive under it, `ingo-openssl` the `openssl-backend` feature of signer-std,
//! `openssl` the `openssl` crate's SHA-512 alone; `aws-lc-rs` only with `--features aws-lc`.

use std::hint::black_box;

use benches::fixtures::noise;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ingo_signer::fast_backend;
use ingo_signer_core::DigestAlgorithm;
use ingo_signer_core::digest::BodyDigest;
use sha2::Digest as _;

/// The sizes: a tiny body, the seed request, a page, a large body, 1 MiB.
const SIZES: [usize; 5] = [64, 470, 4096, 65536, 1_048_576];

fn digest(c: &mut Criterion) {
    let mut group = c.benchmark_group("digest");
    for size in SIZES {
        let body = noise(size);
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::new("ingo", size), &body, |b, body| {
            b.iter(|| BodyDigest::of(DigestAlgorithm::Sha512, black_box(body)))
        });
        group.bench_with_input(BenchmarkId::new("ingo-openssl", size), &body, |b, body| {
            b.iter(|| fast_backend::body_digest(DigestAlgorithm::Sha512, black_box(body)))
        });
        group.bench_with_input(BenchmarkId::new("sha2-raw", size), &body, |b, body| {
            b.iter(|| sha2::Sha512::digest(black_box(body)))
        });
        group.bench_with_input(BenchmarkId::new("ring", size), &body, |b, body| {
            b.iter(|| ring::digest::digest(&ring::digest::SHA512, black_box(body)))
        });
        group.bench_with_input(BenchmarkId::new("openssl", size), &body, |b, body| {
            b.iter(|| openssl::sha::sha512(black_box(body)))
        });
        #[cfg(feature = "aws-lc")]
        group.bench_with_input(BenchmarkId::new("aws-lc-rs", size), &body, |b, body| {
            b.iter(|| aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA512, black_box(body)))
        });
    }
    group.finish();
}

criterion_group!(benches, digest);
criterion_main!(benches);
