//! `parse/{authorization, x-date}/seed` and `mac/{ingo, hmac-raw, openssl}/signing-string`:
//! the head's parsers, and the MAC alone (to decide whether a fast backend should carry it).

use std::hint::black_box;

use benches::fixtures::{self, SECRET};
use benches::openssl_hmac::OpensslHmacSha512;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use hmac::{Hmac, KeyInit as _, Mac as _};
use ingo_signer_core::Algorithm;
use ingo_signer_core::authorization::Authorization;
use ingo_signer_core::date::parse_imf_fixdate;
use ingo_signer_core::header_list::HeaderList;
use ingo_signer_core::signer::sign_head;
use ingo_signer_core::signing_string::{signing_string_into, write_signing_string};

fn parse(c: &mut Criterion) {
    let received = fixtures::received_headers(&fixtures::key());
    let authorization = fixtures::header(&received, "authorization").to_owned();
    let x_date = fixtures::header(&received, "x-date").to_owned();

    let mut group = c.benchmark_group("parse");
    group.bench_function(BenchmarkId::new("authorization", "seed"), |b| {
        b.iter(|| Authorization::parse(black_box(authorization.as_bytes())))
    });
    group.bench_function(BenchmarkId::new("x-date", "seed"), |b| {
        b.iter(|| parse_imf_fixdate(black_box(x_date.as_bytes())))
    });
    group.finish();
}

fn mac(c: &mut Criterion) {
    let key = fixtures::key();
    let received = fixtures::received_headers(&key);
    let headers = fixtures::borrow_headers(&received);
    let head = fixtures::head(&headers);
    let list =
        match HeaderList::parse("request-line x-date content-type content-length content-sha512") {
            Ok(list) => list,
            Err(e) => unreachable!("the default list parses: {e}"),
        };
    let mut buf = [0u8; 512];
    let signing_string = match signing_string_into(list, &head, &mut buf) {
        Ok(text) => text.to_owned(),
        Err(e) => unreachable!("the seed head has every header: {e}"),
    };
    let raw = match Hmac::<sha2::Sha512>::new_from_slice(SECRET) {
        Ok(mac) => mac,
        Err(e) => unreachable!("HMAC takes any key length: {e}"),
    };
    let openssl = OpensslHmacSha512::new(SECRET);

    let mut group = c.benchmark_group("mac");
    let parameter = "signing-string";
    // The core's MAC: the signing string streamed from the head into a clone of the keyed state.
    group.bench_function(BenchmarkId::new("ingo", parameter), |b| {
        b.iter(|| {
            sign_head(
                &key,
                Algorithm::HmacSha512,
                black_box(list),
                black_box(&head),
            )
        })
    });
    // The same primitive over the string already built: the MAC's floor.
    group.bench_function(BenchmarkId::new("hmac-raw", parameter), |b| {
        b.iter(|| {
            let mut mac = raw.clone();
            mac.update(black_box(signing_string.as_bytes()));
            mac.finalize().into_bytes()
        })
    });
    // OpenSSL's SHA-512 under the same streamed signing string.
    group.bench_function(BenchmarkId::new("openssl", parameter), |b| {
        b.iter(|| {
            let mut state = openssl.start();
            let built = write_signing_string(black_box(list), black_box(&head), |piece| {
                state.update(piece)
            });
            (built, openssl.finish(state))
        })
    });
    group.finish();
}

criterion_group!(benches, parse, mac);
criterion_main!(benches);
