//! What a gateway in front of money movement needs from the verifier beyond SPEC §5's list
//! (issue 13): one framing (no `Transfer-Encoding`), no fragment in the target, one answer for
//! an unknown username, and keys that expire.

use ingo_signer_core::signer::Request;
use ingo_signer_core::{
    HttpVersion, Policy, RequestHead, Signer, SigningKey, Verifier, VerifyError,
};

const NOW: u64 = 1_700_000_000;
const TARGET: &str = "/gateway/process--card";
const BODY: &[u8] = br#"{"participant_id":12345,"amount":10.50}"#;

fn key() -> SigningKey {
    SigningKey::new("demo", b"secret").unwrap()
}

fn signed(key: &SigningKey, target: &str) -> Vec<(String, String)> {
    Signer::new(key)
        .sign(&Request::new("POST", target, BODY), NOW)
        .unwrap()
        .iter()
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect()
}

fn head<'a>(
    target: &'a str,
    headers: &'a [(String, String)],
) -> RequestHead<'a, [(String, String)]> {
    RequestHead {
        method: "POST",
        target,
        version: HttpVersion::Http11,
        headers,
    }
}

/// Both ways of verifying, which must agree: at once, and head first then the body.
fn both<S: ingo_signer_core::KeyStore + ?Sized>(
    verifier: &Verifier<'_, S>,
    head: &RequestHead<'_, [(String, String)]>,
    now: u64,
) -> Result<usize, VerifyError> {
    let whole = verifier.verify(head, BODY, now).map(|v| v.key_index());
    let streamed = verifier.verify_head(head, now).and_then(|mut pending| {
        pending.update(BODY)?;
        pending.finish().map(|v| v.key_index())
    });
    assert_eq!(whole, streamed);
    whole
}

#[test]
fn transfer_encoding_is_refused_whatever_its_value_and_before_anything_else() {
    let key = key();
    let verifier = Verifier::new(&key, Policy::default());
    let genuine = signed(&key, TARGET);
    assert_eq!(both(&verifier, &head(TARGET, &genuine), NOW), Ok(0));
    for (name, value) in [
        ("Transfer-Encoding", "chunked"),
        ("transfer-encoding", "identity"),
        ("TRANSFER-ENCODING", ""),
        ("Transfer-Encoding", "gzip, chunked"),
    ] {
        let mut headers = genuine.clone();
        headers.push((name.into(), value.into()));
        let error = both(&verifier, &head(TARGET, &headers), NOW).unwrap_err();
        assert_eq!(error, VerifyError::TransferEncoding, "{name}: {value}");
        assert_eq!(error.kind(), "verify.transfer_encoding");
        assert_eq!(error.http_status(), 400);
        assert!(error.to_string().contains("Content-Length"), "{error}");
        // Signed or not, it is refused: signing it does not make two framings one.
        headers.push(("Transfer-Encoding".into(), value.into()));
        assert_eq!(
            both(&verifier, &head(TARGET, &headers), NOW),
            Err(VerifyError::TransferEncoding)
        );
    }
    // Framing is settled first: even a request with no Authorization gets this answer.
    let bare = [("Transfer-Encoding".to_owned(), "chunked".to_owned())];
    assert_eq!(
        verifier.verify_head(&head(TARGET, &bare), NOW).unwrap_err(),
        VerifyError::TransferEncoding
    );
    // `TE` (what a client accepts in a response) is another header and is not refused.
    let mut te = genuine.clone();
    te.push(("TE".into(), "trailers".into()));
    assert_eq!(both(&verifier, &head(TARGET, &te), NOW), Ok(0));
}

#[test]
fn a_fragment_in_the_target_is_refused_by_signer_and_verifier() {
    let key = key();
    let verifier = Verifier::new(&key, Policy::default());
    // The head signed for the bare path, sent with a fragment: the http crate would drop
    // `#x` and the inner service would see the signed path.
    let genuine = signed(&key, TARGET);
    for target in [
        "/gateway/process--card#x",
        "/gateway/process--card#",
        "/gateway/process--card?a=1#b",
    ] {
        let error = both(&verifier, &head(target, &genuine), NOW).unwrap_err();
        assert_eq!(error.kind(), "signing_string.target_fragment", "{target}");
        assert_eq!(error.http_status(), 400);
        assert!(error.to_string().contains("%23"), "{error}");
        // A signer refuses to sign it at all: a fragment is never sent.
        assert_eq!(
            Signer::new(&key)
                .sign(&Request::new("POST", target, BODY), NOW)
                .unwrap_err()
                .kind(),
            "signing_string.target_fragment"
        );
    }
    // Percent-encoded, `#` is an ordinary byte of the path.
    let encoded = "/gateway/process--card%23x";
    assert_eq!(
        both(&verifier, &head(encoded, &signed(&key, encoded)), NOW),
        Ok(0)
    );
}

#[test]
fn an_unknown_username_fails_where_a_wrong_signature_fails() {
    let key = key();
    let stranger = SigningKey::new("stranger", b"secret").unwrap();
    let verifier = Verifier::new(&key, Policy::default());

    // Otherwise valid: its own kind, for the log; a client is told a mismatch.
    let unknown = verifier
        .verify(&head(TARGET, &signed(&stranger, TARGET)), BODY, NOW)
        .unwrap_err();
    assert_eq!(unknown, VerifyError::UnknownUsername);
    assert_eq!(unknown.kind(), "verify.unknown_username");
    let wrong = SigningKey::new("demo", b"not-the-secret").unwrap();
    let mismatch = verifier
        .verify(&head(TARGET, &signed(&wrong, TARGET)), BODY, NOW)
        .unwrap_err();
    assert_eq!(mismatch, VerifyError::SignatureMismatch);
    let told = unknown.for_client();
    assert_eq!(told, mismatch.for_client());
    assert_eq!(
        (told.kind(), told.http_status(), told.to_string()),
        (
            mismatch.kind(),
            mismatch.http_status(),
            mismatch.to_string()
        )
    );

    // A defect of step 5 gets the same answer whether the username is known or not: were the
    // miss reported at step 4, a missing signed header would say 400 for a known username and
    // 401 for an unknown one.
    for (who, signer) in [("known", &key), ("unknown", &stranger)] {
        let mut headers = signed(signer, TARGET);
        headers.retain(|(n, _)| !n.eq_ignore_ascii_case("content-type"));
        let error = verifier
            .verify(&head(TARGET, &headers), BODY, NOW)
            .unwrap_err();
        assert_eq!(error.kind(), "signing_string.header_missing", "{who}");
        let fragment = verifier
            .verify(&head("/p#x", &signed(signer, TARGET)), BODY, NOW)
            .unwrap_err();
        assert_eq!(fragment.kind(), "signing_string.target_fragment", "{who}");
    }
    // An empty store knows nobody, and still answers at step 6.
    let none: &[SigningKey] = &[];
    assert_eq!(
        Verifier::new(none, Policy::default())
            .verify(&head(TARGET, &signed(&key, TARGET)), BODY, NOW)
            .unwrap_err(),
        VerifyError::UnknownUsername
    );
}

#[test]
fn for_client_changes_only_the_unknown_username() {
    use ingo_signer_core::authorization::AuthorizationError;
    use ingo_signer_core::date::DateError;
    use ingo_signer_core::signing_string::SigningStringError;
    let others = [
        VerifyError::MissingAuthorization,
        VerifyError::RepeatedAuthorization,
        VerifyError::Authorization(AuthorizationError::Scheme),
        VerifyError::SignatureMismatch,
        VerifyError::SigningString(SigningStringError::TargetFragment),
        VerifyError::Date(DateError::Malformed),
        VerifyError::ContentType,
        VerifyError::ContentLengthInvalid,
        VerifyError::BodyTooLarge { limit: 1 },
        VerifyError::TransferEncoding,
    ];
    for e in others {
        assert_eq!(e.for_client(), e);
    }
    assert_eq!(
        VerifyError::UnknownUsername.for_client(),
        VerifyError::SignatureMismatch
    );
    assert_eq!(
        VerifyError::UnknownUsername.for_client().for_client(),
        VerifyError::SignatureMismatch
    );
}

#[test]
fn a_previous_key_stops_verifying_after_its_expiry() {
    let new = SigningKey::new("demo", b"new-secret").unwrap();
    let old = SigningKey::new("demo", b"old-secret").unwrap();
    let store = [new.clone(), old.clone().not_after(NOW + 10)];
    let verifier = Verifier::new(&store, Policy::default());
    let by_old = signed(&old, TARGET);
    let by_new = signed(&new, TARGET);
    // Up to and including not_after the old key verifies, and is reported as the second key.
    assert_eq!(both(&verifier, &head(TARGET, &by_old), NOW), Ok(1));
    assert_eq!(both(&verifier, &head(TARGET, &by_old), NOW + 10), Ok(1));
    // After it, the old key is as good as gone; the new one is unaffected.
    assert_eq!(
        both(&verifier, &head(TARGET, &by_old), NOW + 11),
        Err(VerifyError::SignatureMismatch)
    );
    assert_eq!(both(&verifier, &head(TARGET, &by_new), NOW + 11), Ok(0));
    // An expired key alone: the username is known, the signature does not count.
    let expired = [old.not_after(NOW - 1)];
    assert_eq!(
        both(
            &Verifier::new(&expired, Policy::default()),
            &head(TARGET, &by_old),
            NOW
        ),
        Err(VerifyError::SignatureMismatch)
    );
}

/// A store that gives the verifier a stand-in key (as `KeyRing` and the C ABI do).
struct WithStandIn {
    keys: Vec<SigningKey>,
    stand_in: SigningKey,
}

impl ingo_signer_core::KeyStore for WithStandIn {
    fn keys_for<'a>(&'a self, username: &'a str) -> impl Iterator<Item = &'a SigningKey> + 'a {
        self.keys[..].keys_for(username)
    }

    fn stand_in(&self) -> Option<&SigningKey> {
        Some(&self.stand_in)
    }
}

#[test]
fn a_stand_in_never_verifies_even_the_right_key() {
    use ingo_signer_core::KeyStore as _;
    // The stand-in MAC is never counted: even a store whose "stand-in" is the very key the
    // request was signed with (a store bug) refuses the username it does not list.
    let stranger = SigningKey::new("stranger", b"secret").unwrap();
    let store = WithStandIn {
        keys: vec![key()],
        stand_in: stranger.clone(),
    };
    let verifier = Verifier::new(&store, Policy::default());
    assert_eq!(
        both(&verifier, &head(TARGET, &signed(&stranger, TARGET)), NOW),
        Err(VerifyError::UnknownUsername)
    );
    assert_eq!(
        both(&verifier, &head(TARGET, &signed(&key(), TARGET)), NOW),
        Ok(0)
    );
    // The core's own stand-in key: a fixed username no store lists, and no default on slices.
    let stand_in = SigningKey::stand_in();
    assert_eq!(stand_in.username(), "stand-in");
    assert!([key()].stand_in().is_none());
    let store = WithStandIn {
        keys: vec![key()],
        stand_in,
    };
    let verifier = Verifier::new(&store, Policy::default());
    let by_stand_in = signed(&SigningKey::stand_in(), TARGET);
    assert_eq!(
        both(&verifier, &head(TARGET, &by_stand_in), NOW),
        Err(VerifyError::UnknownUsername)
    );
}
