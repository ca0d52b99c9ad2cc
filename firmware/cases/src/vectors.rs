//! Every vector of `test-vectors/`, as `signer-core/tests/vectors.rs` runs them on the host:
//! signing vectors rebuild every intermediate step (signing string, digest, signature,
//! Authorization) and, where the list is one the signer writes, go through [`Signer`] too; signing
//! and accept vectors must verify; reject vectors must fail with exactly the stated kind and HTTP
//! status. Every verification runs one-shot and streamed (the body in chunks of 1, 7 and 64
//! bytes), and the two must agree.

use core::fmt::Write as _;

use ingo_signer_core::authorization::Authorization;
use ingo_signer_core::date::parse_imf_fixdate;
use ingo_signer_core::digest::BodyDigest;
use ingo_signer_core::header_list::HeaderList;
use ingo_signer_core::signer::{Body, HeaderOrder, Request, sign_head};
use ingo_signer_core::signing_string::signing_string_into;
use ingo_signer_core::{
    Algorithm, DigestAlgorithm, HttpVersion, Policy, RequestHead, Signer, SigningKey, Verified,
    Verifier, VerifyError,
};

use crate::table::{ACCEPT, Expect, MAX_KEYS, REJECT, SIGNING, Steps, Vector};
use crate::{Failure, Tally, ensure};

/// Chunk sizes of the streamed verifications.
const CHUNKS: [usize; 3] = [1, 7, 64];

/// The longest signing string a vector has is 3.6 KB.
const SIGNING_STRING_CAPACITY: usize = 8 * 1024;

/// Runs every vector; `true` when all passed. Writes `ok sign|accept|reject <name>` lines (reject
/// lines end with the kind the verifier returned) and the closing `vectors: N passed, N failed`.
pub fn run(out: &mut dyn core::fmt::Write) -> bool {
    let mut tally = Tally::new("vectors", out);
    let mut through_signer = 0usize;
    for v in SIGNING {
        let result = match v.expect {
            Expect::Sign(steps) => check_steps(v, &steps, true).and_then(|()| {
                through_signer += usize::from(check_signer(v, &steps)?);
                expect_accepted(v, steps.username)
            }),
            _ => Err(crate::failure(format_args!("not a signing vector"))),
        };
        tally.check(format_args!("sign {}", v.name), result);
    }
    // Most signing vectors use a list the high-level signer writes: make sure that path ran.
    tally.check(
        format_args!("signer-path"),
        if through_signer >= SIGNING.len() / 2 {
            Ok(())
        } else {
            Err(crate::failure(format_args!(
                "only {through_signer} of {} vectors went through Signer",
                SIGNING.len()
            )))
        },
    );
    for v in ACCEPT {
        let result = match v.expect {
            Expect::Accept(steps) => {
                check_steps(v, &steps, false).and_then(|()| expect_accepted(v, steps.username))
            }
            _ => Err(crate::failure(format_args!("not an accept vector"))),
        };
        tally.check(format_args!("accept {}", v.name), result);
    }
    for v in REJECT {
        let (kind, result) = match v.expect {
            Expect::Reject { kind, status } => match verify(v) {
                Err(failure) => (kind, Err(failure)),
                Ok(Ok(_)) => (
                    kind,
                    Err(crate::failure(format_args!("accepted, expected {kind}"))),
                ),
                Ok(Err(e)) if e.kind() == kind && e.http_status() == status => (e.kind(), Ok(())),
                Ok(Err(e)) => (
                    e.kind(),
                    Err(crate::failure(format_args!(
                        "got {} ({}), expected {kind} ({status})",
                        e.kind(),
                        e.http_status()
                    ))),
                ),
            },
            _ => (
                "-",
                Err(crate::failure(format_args!("not a reject vector"))),
            ),
        };
        tally.check(format_args!("reject {} {kind}", v.name), result);
    }
    tally.finish()
}

/// The vector's request head, as received.
fn head(v: &Vector) -> Result<RequestHead<'static, [(&'static str, &'static str)]>, Failure> {
    let Some(version) = HttpVersion::parse(v.version) else {
        return Err(crate::failure(format_args!("version {:?}", v.version)));
    };
    Ok(RequestHead {
        method: v.method,
        target: v.target,
        version,
        headers: v.headers,
    })
}

/// The first header of that name, trimmed of spaces and tabs.
fn header(v: &Vector, name: &str) -> Option<&'static str> {
    v.headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.trim_matches([' ', '\t']))
}

/// Verifies one-shot and streamed; the results must agree (chunk size notwithstanding).
fn verify(v: &Vector) -> Result<Result<Verified, VerifyError>, Failure> {
    let mut keys = heapless::Vec::<SigningKey, MAX_KEYS>::new();
    for key in v.keys {
        // A username SigningKey refuses (one with a backslash) cannot be in any store; the
        // vectors that carry one fail on the Authorization grammar first.
        if let Ok(key) = SigningKey::new(key.username, key.secret.as_bytes()) {
            let _ = keys.push(key);
        }
    }
    let policy = Policy::default()
        .allow_legacy_sha256(v.allow_legacy_sha256)
        .max_skew(v.max_skew)
        .max_body(v.max_body)
        .require_headers(v.required_headers);
    let verifier = Verifier::new(&keys[..], policy);
    let head = head(v)?;
    let body = v.body.as_bytes();
    let one_shot = verifier.verify(&head, body, v.now);
    for size in CHUNKS {
        let streamed = verifier.verify_head(&head, v.now).and_then(|mut pending| {
            for chunk in body.chunks(size) {
                pending.update(chunk)?;
            }
            pending.finish()
        });
        ensure!(
            streamed == one_shot,
            "one-shot and streamed ({size}-byte chunks) disagree"
        );
    }
    Ok(one_shot)
}

/// Reject-style flattening: `Err` carries the failure, for vectors that must verify.
fn verify_ok(v: &Vector) -> Result<Verified, Failure> {
    match verify(v)? {
        Ok(verified) => Ok(verified),
        Err(e) => Err(crate::failure(format_args!("refused: {} ({e})", e.kind()))),
    }
}

fn expect_accepted(v: &Vector, username: &str) -> Result<(), Failure> {
    let verified = verify_ok(v)?;
    ensure!(
        verified.username() == username,
        "verified as {:?}, expected {username:?}",
        verified.username()
    );
    Ok(())
}

/// Checks every intermediate step the vector states. Signing vectors carry the canonical
/// Authorization; accept vectors carry it as sent, which must parse to the same parts.
fn check_steps(v: &Vector, steps: &Steps, canonical: bool) -> Result<(), Failure> {
    let head = head(v)?;
    let list = HeaderList::parse(steps.signed_headers)
        .map_err(|e| crate::failure(format_args!("header list: {e}")))?;
    let Some(algorithm) = Algorithm::from_name(steps.algorithm.as_bytes()) else {
        return Err(crate::failure(format_args!(
            "algorithm {}",
            steps.algorithm
        )));
    };

    let mut buf = [0u8; SIGNING_STRING_CAPACITY];
    let signing_string = signing_string_into(list, &head, &mut buf)
        .map_err(|e| crate::failure(format_args!("signing string: {e}")))?;
    ensure!(
        signing_string == steps.signing_string,
        "signing string differs"
    );

    let Some(digest_algorithm) = DigestAlgorithm::from_header_name(steps.digest_header) else {
        return Err(crate::failure(format_args!(
            "digest header {}",
            steps.digest_header
        )));
    };
    let digest = BodyDigest::of(digest_algorithm, v.body.as_bytes());
    ensure!(digest.to_base64() == steps.digest, "digest differs");

    let key = SigningKey::new(steps.username, steps.secret.as_bytes())
        .map_err(|e| crate::failure(format_args!("key: {e}")))?;
    let signature = sign_head(&key, algorithm, list, &head)
        .map_err(|e| crate::failure(format_args!("sign_head: {e}")))?;
    ensure!(
        signature.to_base64() == steps.signature,
        "signature differs"
    );

    let ours = Authorization::new(key.username(), algorithm, list, signature.as_bytes())
        .map_err(|e| crate::failure(format_args!("authorization: {e}")))?;
    let mut ours_text = heapless::String::<2048>::new();
    ensure!(
        write!(ours_text, "{ours}").is_ok(),
        "authorization does not fit 2048 bytes"
    );
    if canonical {
        ensure!(ours_text == steps.authorization, "authorization differs");
    } else {
        let sent = steps.authorization.trim_matches([' ', '\t']);
        let sent = Authorization::parse(sent.as_bytes())
            .map_err(|e| crate::failure(format_args!("authorization as sent: {e}")))?;
        let mut sent_text = heapless::String::<2048>::new();
        ensure!(
            write!(sent_text, "{sent}").is_ok(),
            "authorization does not fit 2048 bytes"
        );
        ensure!(
            sent_text == ours_text,
            "authorization as sent has other parts"
        );
    }
    Ok(())
}

/// Where the vector's list is one the high-level signer writes (either order, extras appended),
/// the signer must reproduce the vector's headers exactly. `Ok(false)` when it is not.
fn check_signer(v: &Vector, steps: &Steps) -> Result<bool, Failure> {
    let Some(algorithm) = Algorithm::from_name(steps.algorithm.as_bytes()) else {
        return Err(crate::failure(format_args!(
            "algorithm {}",
            steps.algorithm
        )));
    };
    let digest = algorithm.default_digest().header_name();
    let mut names = steps.signed_headers.split(' ');
    let first: [Option<&str>; 5] = core::array::from_fn(|_| names.next());
    let order = match first {
        [
            Some("request-line"),
            Some("x-date"),
            Some("content-type"),
            Some("content-length"),
            Some(d),
        ] if d == digest => HeaderOrder::DigestLast,
        [
            Some("request-line"),
            Some("x-date"),
            Some("content-type"),
            Some(d),
            Some("content-length"),
        ] if d == digest => HeaderOrder::LengthLast,
        _ => return Ok(false),
    };
    let mut extras = heapless::Vec::<(&str, &str), 16>::new();
    for name in names {
        let Some(value) = header(v, name) else {
            return Err(crate::failure(format_args!("extra header {name} not sent")));
        };
        ensure!(extras.push((name, value)).is_ok(), "too many extra headers");
    }
    let (Some(x_date), Some(content_type), Some(content_length)) = (
        header(v, "x-date"),
        header(v, "content-type"),
        header(v, "content-length"),
    ) else {
        return Err(crate::failure(format_args!(
            "x-date, content-type or content-length not sent"
        )));
    };
    let date = parse_imf_fixdate(x_date.as_bytes())
        .map_err(|e| crate::failure(format_args!("x-date: {e}")))?;
    let key = SigningKey::new(steps.username, steps.secret.as_bytes())
        .map_err(|e| crate::failure(format_args!("key: {e}")))?;
    let mut signer = Signer::new(&key)
        .http_version(head(v)?.version)
        .header_order(order);
    if algorithm == Algorithm::HmacSha256 {
        signer = signer.legacy_sha256();
    }
    let request = Request {
        method: v.method,
        target: v.target,
        content_type,
        body: Body::Bytes(v.body.as_bytes()),
        extra_headers: &extras,
    };
    let signed = signer
        .sign(&request, date)
        .map_err(|e| crate::failure(format_args!("Signer: {} ({e})", e.kind())))?;
    ensure!(signed.x_date().as_str() == x_date, "Signer: x-date differs");
    ensure!(
        signed.content_length() == content_length,
        "Signer: content-length differs"
    );
    ensure!(signed.digest() == steps.digest, "Signer: digest differs");
    ensure!(
        signed.authorization() == steps.authorization,
        "Signer: authorization differs"
    );
    Ok(true)
}
