//! Verifier behaviours that language-neutral vectors cannot express: the two phases, the state a
//! failed body leaves behind, key rotation, and what error messages may show.

use ingo_signer_core::digest::{BodyDigest, BodyHasher};
use ingo_signer_core::signer::{Body, Request};
use ingo_signer_core::{
    DigestAlgorithm, HttpVersion, Policy, RequestHead, Signer, SigningKey, Verifier, VerifyError,
};

mod support;

use support::{BODY, NOW, head, signed, with};

#[test]
fn the_head_is_authenticated_before_any_body_is_read() {
    let key = SigningKey::new("demo", b"secret").unwrap();
    let headers = signed(&key, BODY, NOW);
    let verifier = Verifier::new(&key, Policy::default());
    // A forged signature fails in the head phase: no body was needed to refuse it.
    let forged = with(
        &headers,
        "authorization",
        &headers[4]
            .1
            .replace("signature=\"", "signature=\"AAAA")
            .replace("==\"", "\""),
    );
    assert!(verifier.verify_head(&head(&forged), NOW).is_err());
    let mut tampered = headers.clone();
    tampered[0].1 = "Tue, 14 Nov 2023 22:13:21 GMT".into(); // one second later than signed
    assert_eq!(
        verifier.verify_head(&head(&tampered), NOW).unwrap_err(),
        VerifyError::SignatureMismatch
    );
    // The genuine head passes and says who signed and how long the body must be.
    let pending = verifier.verify_head(&head(&headers), NOW).unwrap();
    assert_eq!(pending.username(), "demo");
    assert_eq!(pending.content_length(), BODY.len() as u64);
}

#[test]
fn a_body_running_past_its_length_fails_at_once_and_stays_failed() {
    let key = SigningKey::new("demo", b"secret").unwrap();
    let headers = signed(&key, BODY, NOW);
    let verifier = Verifier::new(&key, Policy::default());
    let mut pending = verifier.verify_head(&head(&headers), NOW).unwrap();
    pending.update(BODY).unwrap();
    let overflow = pending.update(b"x").unwrap_err();
    assert_eq!(
        overflow,
        VerifyError::ContentLengthMismatch {
            declared: BODY.len() as u64,
            received: BODY.len() as u64 + 1
        }
    );
    // Ignoring that error cannot make the request pass.
    assert_eq!(pending.update(b"").unwrap_err(), overflow);
    assert_eq!(pending.finish().unwrap_err(), overflow);

    let mut short = verifier.verify_head(&head(&headers), NOW).unwrap();
    short.update(&BODY[..10]).unwrap();
    assert_eq!(
        short.finish().unwrap_err().kind(),
        "verify.content_length_mismatch"
    );
}

#[test]
fn a_declared_length_over_the_limit_is_refused_with_413_before_the_body() {
    let key = SigningKey::new("demo", b"secret").unwrap();
    let headers = signed(&key, BODY, NOW);
    let verifier = Verifier::new(&key, Policy::default().max_body(BODY.len() as u64 - 1));
    let err = verifier.verify_head(&head(&headers), NOW).unwrap_err();
    assert_eq!(
        err,
        VerifyError::BodyTooLarge {
            limit: BODY.len() as u64 - 1
        }
    );
    assert_eq!(err.http_status(), 413);
    let exact = Verifier::new(&key, Policy::default().max_body(BODY.len() as u64));
    assert!(exact.verify(&head(&headers), BODY, NOW).is_ok());
}

#[test]
fn rotation_reports_which_key_matched() {
    let old = SigningKey::new("demo", b"old-secret").unwrap();
    let new = SigningKey::new("demo", b"new-secret").unwrap();
    let other = SigningKey::new("other", b"new-secret").unwrap();
    let store = [other.clone(), old.clone(), new.clone()];
    let verifier = Verifier::new(&store, Policy::default());
    assert_eq!(
        verifier
            .verify(&head(&signed(&old, BODY, NOW)), BODY, NOW)
            .unwrap()
            .key_index(),
        0
    );
    assert_eq!(
        verifier
            .verify(&head(&signed(&new, BODY, NOW)), BODY, NOW)
            .unwrap()
            .key_index(),
        1
    );
    let retired = [new];
    let verifier = Verifier::new(&retired, Policy::default());
    assert_eq!(
        verifier
            .verify(&head(&signed(&old, BODY, NOW)), BODY, NOW)
            .unwrap_err(),
        VerifyError::SignatureMismatch
    );
}

#[test]
fn no_message_reveals_the_expected_signature_or_digest() {
    let key = SigningKey::new("demo", b"secret").unwrap();
    let headers = signed(&key, BODY, NOW);
    let genuine_signature = headers[4]
        .1
        .rsplit("signature=\"")
        .next()
        .unwrap()
        .trim_end_matches('"')
        .to_owned();
    let genuine_digest = headers[3].1.clone();
    let verifier = Verifier::new(&key, Policy::default());

    let tampered_target = RequestHead {
        target: "/gateway/process--card?x",
        ..head(&headers)
    };
    let err = verifier.verify(&tampered_target, BODY, NOW).unwrap_err();
    assert_eq!(err, VerifyError::SignatureMismatch);
    for shown in [err.to_string(), format!("{err:?}")] {
        assert!(!shown.contains(&genuine_signature[..16]), "{shown}");
    }

    let mut other_body = BODY.to_vec();
    other_body[2] ^= 1;
    let err = verifier
        .verify(&head(&headers), &other_body, NOW)
        .unwrap_err();
    assert_eq!(err.kind(), "digest.mismatch");
    assert_eq!(err.http_status(), 401);
    let digest_of_other = BodyDigest::of(DigestAlgorithm::Sha512, &other_body).to_base64();
    for shown in [err.to_string(), format!("{err:?}")] {
        assert!(
            !shown.contains(&genuine_digest[..16]) && !shown.contains(&digest_of_other[..16]),
            "{shown}"
        );
    }
}

#[test]
fn a_body_digested_while_streaming_signs_like_the_bytes() {
    let key = SigningKey::new("demo", b"secret").unwrap();
    let mut hasher = BodyHasher::new(DigestAlgorithm::Sha512);
    for chunk in BODY.chunks(5) {
        hasher.update(chunk);
    }
    let request = Request {
        body: Body::Digested {
            len: BODY.len() as u64,
            digest: hasher.finalize(),
        },
        ..Request::new("POST", "/gateway/process--card", b"")
    };
    let streamed = Signer::new(&key).sign(&request, NOW).unwrap();
    let direct = Signer::new(&key)
        .sign(&Request::new("POST", "/gateway/process--card", BODY), NOW)
        .unwrap();
    assert_eq!(streamed.authorization(), direct.authorization());
    // A SHA-256 digest cannot be used with the hmac-sha512 signer.
    let wrong = Request {
        body: Body::Digested {
            len: 0,
            digest: BodyDigest::of(DigestAlgorithm::Sha256, b""),
        },
        ..Request::new("POST", "/", b"")
    };
    assert_eq!(
        Signer::new(&key).sign(&wrong, NOW).unwrap_err().kind(),
        "sign.digest_algorithm"
    );
}

#[test]
fn the_signer_refuses_what_a_verifier_would() {
    let key = SigningKey::new("demo", b"secret").unwrap();
    let signer = Signer::new(&key);
    let injected = [("Idempotency-Key", "abc\r\nX-Evil: 1")];
    let duplicate = [("X-Date", "Tue, 14 Nov 2023 22:13:20 GMT")];
    let plain = Request::new("POST", "/", b"");
    let refused = [
        (
            Request {
                content_type: "text/plain",
                ..plain
            },
            NOW,
            "sign.content_type",
        ),
        (
            Request::new("POST", "/a b", b""),
            NOW,
            "signing_string.invalid_target",
        ),
        (
            Request {
                extra_headers: &injected,
                ..plain
            },
            NOW,
            "signing_string.header_value_invalid",
        ),
        (
            Request {
                extra_headers: &duplicate,
                ..plain
            },
            NOW,
            "authorization.duplicate_header_name",
        ),
        (
            plain,
            ingo_signer_core::date::MAX_TIMESTAMP + 1,
            "date.year_out_of_range",
        ),
    ];
    for (request, at, kind) in refused {
        assert_eq!(signer.sign(&request, at).unwrap_err().kind(), kind);
    }
    // Extra headers are signed in the order given, lower-cased in the list.
    let extras = [("Host", "api.ingo.money"), ("Idempotency-Key", "3f2a1b4c")];
    let request = Request {
        extra_headers: &extras,
        ..Request::new("POST", "/", b"{}")
    };
    let signed = signer.sign(&request, NOW).unwrap();
    assert!(
        signed
            .authorization()
            .contains("content-sha512 host idempotency-key\"")
    );
    let mut headers: Vec<(&str, &str)> = signed.iter().collect();
    headers.extend(extras);
    let head = RequestHead {
        method: "POST",
        target: "/",
        version: HttpVersion::Http11,
        headers: &headers[..],
    };
    let verifier = Verifier::new(&key, Policy::default().require_headers(&["host"]));
    assert!(verifier.verify(&head, b"{}", NOW).is_ok());
    let without_host = Request::new("POST", "/", b"{}");
    let signed = signer.sign(&without_host, NOW).unwrap();
    let headers: Vec<(&str, &str)> = signed.iter().chain([("Host", "api.ingo.money")]).collect();
    let head = RequestHead {
        headers: &headers[..],
        ..head
    };
    assert_eq!(
        verifier.verify(&head, b"{}", NOW).unwrap_err().kind(),
        "verify.required_header_unsigned"
    );
}
