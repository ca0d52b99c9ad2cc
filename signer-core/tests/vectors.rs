//! Runs every vector of `test-vectors/` (made by the independent Python generator) through the
//! core: each signing step is compared with the generator's, signing vectors and accepted vectors
//! must verify, rejected vectors must fail with exactly the named error and HTTP status.

use std::fmt::Write as _;

use ingo_signer_core::authorization::Authorization;
use ingo_signer_core::digest::BodyDigest;
use ingo_signer_core::header_list::HeaderList;
use ingo_signer_core::signer::{HeaderOrder, Request, sign_head};
use ingo_signer_core::signing_string::signing_string_into;
use ingo_signer_core::{
    Algorithm, DigestAlgorithm, HttpVersion, Policy, RequestHead, Signer, SigningKey, Verifier,
    VerifyError,
};
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = format!("{}/../test-vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn str_of<'v>(v: &'v Value, key: &str) -> &'v str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} missing in {}", v["name"]))
}

/// A vector's request and verifier configuration, in owned form.
struct Case {
    name: String,
    keys: Vec<SigningKey>,
    required: Vec<String>,
    allow_legacy: bool,
    max_skew: u64,
    max_body: u64,
    now: u64,
    method: String,
    target: String,
    version: HttpVersion,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Case {
    fn new(v: &Value) -> Self {
        let policy = &v["policy"];
        let request = &v["request"];
        Case {
            name: str_of(v, "name").to_owned(),
            keys: v["keys"]
                .as_array()
                .unwrap()
                .iter()
                // A username SigningKey refuses (one with a backslash) cannot be in any store;
                // the vectors that carry one fail on the Authorization grammar first.
                .filter_map(|k| {
                    SigningKey::new(str_of(k, "username"), str_of(k, "secret").as_bytes()).ok()
                })
                .collect(),
            required: policy["required_headers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n.as_str().unwrap().to_owned())
                .collect(),
            allow_legacy: policy["allow_legacy_sha256"].as_bool().unwrap(),
            max_skew: policy["max_skew"].as_u64().unwrap(),
            max_body: policy["max_body"].as_u64().unwrap(),
            now: v["now"].as_u64().unwrap(),
            method: str_of(request, "method").to_owned(),
            target: str_of(request, "target").to_owned(),
            version: HttpVersion::parse(str_of(request, "version")).unwrap(),
            headers: request["headers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|pair| {
                    (
                        pair[0].as_str().unwrap().to_owned(),
                        pair[1].as_str().unwrap().to_owned(),
                    )
                })
                .collect(),
            body: str_of(request, "body").as_bytes().to_vec(),
        }
    }

    fn head(&self) -> RequestHead<'_, [(String, String)]> {
        RequestHead {
            method: &self.method,
            target: &self.target,
            version: self.version,
            headers: &self.headers[..],
        }
    }

    fn verify(&self) -> Result<ingo_signer_core::Verified, VerifyError> {
        let required: Vec<&str> = self.required.iter().map(String::as_str).collect();
        let policy = Policy::default()
            .allow_legacy_sha256(self.allow_legacy)
            .max_skew(self.max_skew)
            .max_body(self.max_body)
            .require_headers(&required);
        let verifier = Verifier::new(&self.keys[..], policy);
        let one_shot = verifier.verify(&self.head(), &self.body, self.now);
        // The streaming form must agree with the one-shot form, chunk size notwithstanding.
        let streamed = verifier
            .verify_head(&self.head(), self.now)
            .and_then(|mut pending| {
                for chunk in self.body.chunks(7) {
                    pending.update(chunk)?;
                }
                pending.finish()
            });
        assert_eq!(
            one_shot, streamed,
            "{}: one-shot and streaming disagree",
            self.name
        );
        one_shot
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim_matches([' ', '\t']))
    }
}

/// Checks every intermediate step of a vector that carries them. Signing vectors carry the
/// canonical Authorization; accepted vectors carry it as sent (another parameter order, case,
/// whitespace), which must parse to the same parts.
fn check_steps(v: &Value, case: &Case, canonical: bool) {
    let name = &case.name;
    let list_text = v["signed_headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect::<Vec<_>>()
        .join(" ");
    let list = HeaderList::parse(&list_text).unwrap();
    let algorithm = Algorithm::from_name(str_of(v, "algorithm").as_bytes()).unwrap();

    let mut buf = vec![0u8; 16 * 1024];
    let signing_string = signing_string_into(list, &case.head(), &mut buf).unwrap();
    assert_eq!(
        signing_string,
        str_of(v, "signing_string"),
        "{name}: signing string"
    );

    let digest_alg = DigestAlgorithm::from_header_name(str_of(v, "digest_header")).unwrap();
    let digest = BodyDigest::of(digest_alg, &case.body);
    assert_eq!(
        digest.to_base64().as_str(),
        str_of(v, "digest"),
        "{name}: digest"
    );

    let key = SigningKey::new(str_of(v, "username"), str_of(v, "secret").as_bytes()).unwrap();
    let signature = sign_head(&key, algorithm, list, &case.head()).unwrap();
    assert_eq!(
        signature.to_base64().as_str(),
        str_of(v, "signature"),
        "{name}: signature"
    );

    let auth = Authorization::new(key.username(), algorithm, list, signature.as_bytes()).unwrap();
    if canonical {
        assert_eq!(
            auth.to_string(),
            str_of(v, "authorization"),
            "{name}: authorization"
        );
    } else {
        let sent = str_of(v, "authorization").trim_matches([' ', '\t']);
        let sent = Authorization::parse(sent.as_bytes()).unwrap();
        assert_eq!(
            sent.to_string(),
            auth.to_string(),
            "{name}: authorization parts"
        );
    }
}

/// Where the vector's list is one the high-level signer writes (either order, extras appended),
/// the signer must reproduce the vector's headers exactly.
fn check_signer(v: &Value, case: &Case) -> bool {
    let algorithm = Algorithm::from_name(str_of(v, "algorithm").as_bytes()).unwrap();
    let digest = algorithm.default_digest().header_name();
    let names: Vec<&str> = v["signed_headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    let order = match names.get(..5) {
        Some(
            [
                "request-line",
                "x-date",
                "content-type",
                "content-length",
                d,
            ],
        ) if *d == digest => HeaderOrder::DigestLast,
        Some(
            [
                "request-line",
                "x-date",
                "content-type",
                d,
                "content-length",
            ],
        ) if *d == digest => HeaderOrder::LengthLast,
        _ => return false,
    };
    let extras: Vec<(&str, &str)> = names[5..]
        .iter()
        .map(|n| (*n, case.header(n).unwrap()))
        .collect();
    let date = ingo_signer_core::date::parse_imf_fixdate(case.header("x-date").unwrap().as_bytes())
        .unwrap();
    let key = SigningKey::new(str_of(v, "username"), str_of(v, "secret").as_bytes()).unwrap();
    let mut signer = Signer::new(&key)
        .http_version(case.version)
        .header_order(order);
    if algorithm == Algorithm::HmacSha256 {
        signer = signer.legacy_sha256();
    }
    let request = Request {
        method: &case.method,
        target: &case.target,
        content_type: case.header("content-type").unwrap(),
        body: ingo_signer_core::signer::Body::Bytes(&case.body),
        extra_headers: &extras,
    };
    let signed = signer.sign(&request, date).unwrap();
    assert_eq!(
        signed.x_date().as_str(),
        case.header("x-date").unwrap(),
        "{}: x-date",
        case.name
    );
    assert_eq!(
        signed.content_length(),
        case.header("content-length").unwrap(),
        "{}",
        case.name
    );
    assert_eq!(
        signed.digest(),
        str_of(v, "digest"),
        "{}: signer digest",
        case.name
    );
    assert_eq!(
        signed.authorization(),
        str_of(v, "authorization"),
        "{}: signer authorization",
        case.name
    );
    true
}

/// The `section` of a vector file: at least `min` vectors, as the issue asks.
fn vectors_of(file: &str, section: &str, min: usize) -> Vec<Value> {
    let vectors = load(file)[section].as_array().unwrap().clone();
    assert!(
        vectors.len() >= min,
        "{file} {section}: {} vectors, fewer than {min}",
        vectors.len()
    );
    vectors
}

/// The case verifies, as the username the vector names.
fn assert_verifies_as_named(v: &Value, case: &Case) {
    let verified = case
        .verify()
        .unwrap_or_else(|e| panic!("{}: {e} ({})", case.name, e.kind()));
    assert_eq!(verified.username(), str_of(v, "username"), "{}", case.name);
}

#[test]
fn signing_vectors() {
    let vectors = &vectors_of("signing.json", "vectors", 30);
    let mut through_signer = 0;
    for v in vectors {
        let case = Case::new(v);
        check_steps(v, &case, true);
        through_signer += usize::from(check_signer(v, &case));
        assert_verifies_as_named(v, &case);
    }
    // Most vectors use a list the high-level signer writes; make sure that path really ran.
    assert!(
        through_signer >= vectors.len() / 2,
        "only {through_signer} vectors went through Signer"
    );
}

#[test]
fn accepted_vectors() {
    for v in &vectors_of("verification.json", "accept", 20) {
        let case = Case::new(v);
        check_steps(v, &case, false);
        assert_verifies_as_named(v, &case);
    }
}

#[test]
fn rejected_vectors() {
    let vectors = &vectors_of("verification.json", "reject", 40);
    let mut failures = String::new();
    let mut kinds = std::collections::BTreeSet::new();
    for v in vectors {
        let case = Case::new(v);
        let expected = str_of(v, "expected_error");
        let status = v["http_status"].as_u64().unwrap();
        match case.verify() {
            Ok(_) => writeln!(failures, "{}: accepted, expected {expected}", case.name).unwrap(),
            Err(e) if e.kind() != expected || u64::from(e.http_status()) != status => writeln!(
                failures,
                "{}: got {} ({}), expected {expected} ({status})",
                case.name,
                e.kind(),
                e.http_status()
            )
            .unwrap(),
            Err(e) => {
                // Every message must be printable and must not leak the expected signature.
                let message = e.to_string();
                assert!(!message.is_empty());
                kinds.insert(e.kind());
            }
        }
    }
    assert!(failures.is_empty(), "rejection vectors failed:\n{failures}");
    assert!(
        kinds.len() >= 40,
        "only {} distinct error kinds exercised",
        kinds.len()
    );
}
