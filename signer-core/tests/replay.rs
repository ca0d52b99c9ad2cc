//! What a replay store needs from a verified request: the MAC, the X-Date, the replay key; and
//! the two verdicts a replay guard gives.

use base64ct::{Base64, Encoding};
use ingo_signer_core::replay::{ReplayKey, expires_at};
use ingo_signer_core::signer::Request;
use ingo_signer_core::{Algorithm, Policy, Signer, SigningKey, Verifier, VerifyError};

mod support;

use support::{BODY, NOW, head};

fn signed(key: &SigningKey, at: u64) -> Vec<(String, String)> {
    support::signed(key, BODY, at)
}

/// The `signature` parameter of the Authorization header, decoded.
fn sent_mac(headers: &[(String, String)]) -> Vec<u8> {
    let auth = &headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
        .unwrap()
        .1;
    let b64 = auth
        .split("signature=\"")
        .nth(1)
        .unwrap()
        .trim_end_matches('"');
    let mut buf = [0u8; 64];
    Base64::decode(b64, &mut buf).unwrap().to_vec()
}

#[test]
fn verified_and_pending_expose_the_mac_the_date_and_one_key() {
    let key = SigningKey::new("demo", b"secret").unwrap();
    let headers = signed(&key, NOW - 42);
    let verifier = Verifier::new(&key, Policy::default());

    let pending = verifier.verify_head(&head(&headers), NOW).unwrap();
    assert_eq!(pending.algorithm(), Algorithm::HmacSha512);
    assert_eq!(pending.mac(), &sent_mac(&headers)[..]);
    assert_eq!(pending.mac().len(), 64);
    assert_eq!(pending.x_date(), NOW - 42);
    let early = pending.replay_key();

    let mut pending = pending;
    pending.update(BODY).unwrap();
    let verified = pending.finish().unwrap();
    let at_once = verifier.verify(&head(&headers), BODY, NOW).unwrap();
    assert_eq!(verified, at_once);
    assert_eq!(verified.mac(), &sent_mac(&headers)[..]);
    assert_eq!(verified.x_date(), NOW - 42);
    // The key a gateway checks on the head is the key of the finished request.
    assert_eq!(verified.replay_key(), early);
    assert_eq!(
        early,
        ReplayKey::derive("demo", Algorithm::HmacSha512, &sent_mac(&headers))
    );
    // The Debug form shows the MAC's length, not its bytes.
    let debug = format!("{verified:?}");
    assert!(debug.contains("mac_len: 64"), "{debug}");
}

#[test]
fn a_legacy_mac_is_32_bytes() {
    let key = SigningKey::new("legacy", b"secret").unwrap();
    let signer = Signer::new(&key).legacy_sha256();
    let headers: Vec<(String, String)> = signer
        .sign(&Request::new("POST", "/gateway/process--card", BODY), NOW)
        .unwrap()
        .iter()
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect();
    let verifier = Verifier::new(&key, Policy::default().allow_legacy_sha256(true));
    let verified = verifier.verify(&head(&headers), BODY, NOW).unwrap();
    assert_eq!(verified.algorithm(), Algorithm::HmacSha256);
    assert_eq!(verified.mac().len(), 32);
    assert_eq!(verified.mac(), &sent_mac(&headers)[..]);
}

#[test]
fn keys_differ_per_request_and_per_username() {
    let key = SigningKey::new("demo", b"secret").unwrap();
    let verifier = Verifier::new(&key, Policy::default());
    let first = signed(&key, NOW);
    let again = signed(&key, NOW);
    let later = signed(&key, NOW + 1);
    let k = |h: &[(String, String)]| verifier.verify(&head(h), BODY, NOW).unwrap().replay_key();
    // Signing the same request in the same second is the same request: a replay.
    assert_eq!(k(&first), k(&again));
    assert_ne!(k(&first), k(&later));

    // The username is not in the signing string: two usernames sharing a secret sign the same
    // request with the same MAC. Their replay keys still differ.
    let other = SigningKey::new("other", b"secret").unwrap();
    let theirs = signed(&other, NOW);
    assert_eq!(sent_mac(&theirs), sent_mac(&first));
    let verified = Verifier::new(&other, Policy::default())
        .verify(&head(&theirs), BODY, NOW)
        .unwrap();
    assert_eq!(verified.mac(), sent_mac(&first));
    assert_ne!(verified.replay_key(), k(&first));
}

#[test]
fn an_entry_lives_through_the_last_second_a_copy_would_verify() {
    let key = SigningKey::new("demo", b"secret").unwrap();
    let policy = Policy::default().max_skew(300);
    let verifier = Verifier::new(&key, policy);
    let headers = signed(&key, NOW);
    let until = expires_at(NOW, policy.skew_limit());
    assert!(verifier.verify(&head(&headers), BODY, until - 1).is_ok());
    assert_eq!(
        verifier
            .verify(&head(&headers), BODY, until)
            .unwrap_err()
            .kind(),
        "verify.date_skew"
    );
}

#[test]
fn the_guard_verdicts_have_their_kinds_statuses_and_advice() {
    let replayed = VerifyError::Replayed;
    assert_eq!(replayed.kind(), "verify.replayed");
    assert_eq!(replayed.http_status(), 401);
    assert!(replayed.to_string().contains("sign every request anew"));
    let unavailable = VerifyError::ReplayCheckUnavailable;
    assert_eq!(unavailable.kind(), "verify.replay_unavailable");
    assert_eq!(unavailable.http_status(), 503);
    assert!(unavailable.to_string().contains("retry it later"));
}
