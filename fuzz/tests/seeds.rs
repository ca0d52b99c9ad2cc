//! The seed corpora, written from the language-neutral vectors in `test-vectors/`.
//!
//! `seed_corpora_are_current` checks that `corpus/<target>/seed-*` holds exactly the seeds the
//! vectors give; `FUZZ_WRITE_SEEDS=1 cargo test --test seeds` (re)writes them. The other tests
//! prove the encoding: each vector's seed, decoded by the target's own code, gives the
//! vector's outcome (accepted, or refused with its `expected_error`), and each signing
//! vector's seed signs to the vector's Authorization header where the signer can express it.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use ingo_signer_core::date::parse_imf_fixdate;
use ingo_signer_core::{HttpVersion, RequestHead};
use serde_json::Value;
use signer_fuzz::{
    KeyMaterial, SignInput, SignParams, VerifyParams, encode_envelope, pair, tag, verify_both,
};

const TARGETS: [&str; 7] = [
    "authorization",
    "x_date",
    "request_head",
    "sign_verify",
    "http_request",
    "payload_session",
    "payload_card",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every vector of both files, with the file's section (`signing`, `accept`, `reject`).
fn vectors() -> Vec<(&'static str, Value)> {
    let read = |name: &str| -> Value {
        let path = root().join("test-vectors").join(name);
        serde_json::from_str(&fs::read_to_string(&path).expect("read vectors")).expect("json")
    };
    let signing = read("signing.json");
    let verification = read("verification.json");
    let mut all = Vec::new();
    for (section, list) in [
        ("signing", &signing["vectors"]),
        ("accept", &verification["accept"]),
        ("reject", &verification["reject"]),
    ] {
        for v in list.as_array().expect("array") {
            all.push((section, v.clone()));
        }
    }
    all
}

fn s(v: &Value) -> &str {
    v.as_str().expect("string")
}

fn headers(v: &Value) -> Vec<(String, String)> {
    v["request"]["headers"]
        .as_array()
        .expect("headers")
        .iter()
        .map(|h| (s(&h[0]).to_owned(), s(&h[1]).to_owned()))
        .collect()
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn version(v: &Value) -> HttpVersion {
    HttpVersion::parse(s(&v["request"]["version"])).expect("version")
}

fn verify_params(v: &Value) -> VerifyParams {
    let policy = &v["policy"];
    VerifyParams {
        legacy: policy["allow_legacy_sha256"].as_bool().expect("bool"),
        version: version(v),
        chunk: 0,
        now: v["now"].as_u64().expect("now"),
        max_skew: policy["max_skew"].as_u64().expect("skew"),
        max_body: policy["max_body"].as_u64().expect("body"),
    }
}

/// The `K` and `R` records of a vector.
fn store_records(v: &Value) -> Vec<(u8, Vec<u8>)> {
    let mut records = Vec::new();
    for key in v["keys"].as_array().expect("keys") {
        records.push((
            tag::KEY,
            pair(s(&key["username"]).as_bytes(), s(&key["secret"]).as_bytes()),
        ));
    }
    for name in v["policy"]["required_headers"]
        .as_array()
        .expect("required")
    {
        records.push((tag::REQUIRED, s(name).as_bytes().to_vec()));
    }
    records
}

fn request_head_seed(v: &Value) -> Vec<u8> {
    let mut records = store_records(v);
    records.push((tag::METHOD, s(&v["request"]["method"]).as_bytes().to_vec()));
    records.push((tag::TARGET, s(&v["request"]["target"]).as_bytes().to_vec()));
    for (name, value) in headers(v) {
        records.push((tag::HEADER, pair(name.as_bytes(), value.as_bytes())));
    }
    records.push((tag::BODY, s(&v["request"]["body"]).as_bytes().to_vec()));
    encode_envelope(&verify_params(v).encode(), &records)
}

/// The vector as a raw HTTP/1.x request; `None` for HTTP/2 vectors.
fn raw_request(v: &Value) -> Option<Vec<u8>> {
    let version = version(v);
    if version == HttpVersion::Http2 {
        return None;
    }
    let request = &v["request"];
    let mut raw = format!(
        "{} {} HTTP/{}\r\n",
        s(&request["method"]),
        s(&request["target"]),
        version.as_str()
    );
    for (name, value) in headers(v) {
        raw.push_str(&format!("{name}: {value}\r\n"));
    }
    raw.push_str("\r\n");
    raw.push_str(s(&request["body"]));
    Some(raw.into_bytes())
}

fn http_request_seed(v: &Value) -> Option<Vec<u8>> {
    let mut records = store_records(v);
    records.push((tag::RAW, raw_request(v)?));
    Some(encode_envelope(&verify_params(v).encode(), &records))
}

const PROTOCOL_HEADERS: [&str; 6] = [
    "request-line",
    "x-date",
    "content-type",
    "content-length",
    "content-sha512",
    "content-sha256",
];

/// A signing vector as the signer's inputs. The signer appends extra headers after its own;
/// vectors that list them elsewhere still make useful seeds.
fn sign_verify_seed(v: &Value) -> Vec<u8> {
    let headers = headers(v);
    let signed: Vec<&str> = v["signed_headers"]
        .as_array()
        .expect("signed_headers")
        .iter()
        .map(s)
        .collect();
    let x_date = header(&headers, "x-date").expect("x-date");
    let params = SignParams {
        legacy: s(&v["algorithm"]) == "hmac-sha256",
        version: version(v),
        length_last: signed.iter().position(|n| *n == "content-length")
            > signed.iter().position(|n| n.starts_with("content-sha")),
        chunk: 0,
        now: parse_imf_fixdate(x_date.trim().as_bytes()).expect("x-date"),
        mutate_at: 0,
        mutate_xor: 1,
    };
    let mut records = vec![
        (
            tag::KEY,
            pair(s(&v["username"]).as_bytes(), s(&v["secret"]).as_bytes()),
        ),
        (tag::METHOD, s(&v["request"]["method"]).as_bytes().to_vec()),
        (tag::TARGET, s(&v["request"]["target"]).as_bytes().to_vec()),
        (
            tag::CONTENT_TYPE,
            header(&headers, "content-type")
                .expect("content-type")
                .as_bytes()
                .to_vec(),
        ),
    ];
    for name in signed
        .iter()
        .filter(|n| !PROTOCOL_HEADERS.contains(n) || (params.legacy && **n == "content-sha512"))
    {
        let value = header(&headers, name).expect("signed header is sent");
        records.push((tag::HEADER, pair(name.as_bytes(), value.as_bytes())));
    }
    records.push((tag::BODY, s(&v["request"]["body"]).as_bytes().to_vec()));
    encode_envelope(&params.encode(), &records)
}

/// Every seed, by target and file name. Duplicate contents are kept once, under the first
/// vector's name.
fn seeds() -> BTreeMap<&'static str, BTreeMap<String, Vec<u8>>> {
    let mut out: BTreeMap<&'static str, BTreeMap<String, Vec<u8>>> = BTreeMap::new();
    let mut seen: BTreeMap<&'static str, BTreeSet<Vec<u8>>> = BTreeMap::new();
    let mut add = |target: &'static str, name: &str, bytes: Vec<u8>| {
        if seen.entry(target).or_default().insert(bytes.clone()) {
            out.entry(target)
                .or_default()
                .insert(format!("seed-{name}"), bytes);
        }
    };
    for (section, v) in vectors() {
        let name = s(&v["name"]);
        let headers = headers(&v);
        for (n, value) in &headers {
            if n.eq_ignore_ascii_case("authorization") {
                add("authorization", name, value.trim().as_bytes().to_vec());
            }
            if n.eq_ignore_ascii_case("x-date") {
                add("x_date", name, value.trim().as_bytes().to_vec());
            }
        }
        add("request_head", name, request_head_seed(&v));
        if let Some(seed) = http_request_seed(&v) {
            add("http_request", name, seed);
        }
        if section == "signing" {
            add("sign_verify", name, sign_verify_seed(&v));
        }
        // Every body is a useful JSON seed for both endpoints; options byte 0 (none), and all
        // four options for the endpoint the vector posts to.
        let body = s(&v["request"]["body"]).as_bytes();
        if !body.is_empty() {
            let target = s(&v["request"]["target"]);
            for (endpoint, path) in [
                ("payload_session", "/api/v1/sessions/point-in-time/plugin"),
                ("payload_card", "/gateway/process--card"),
            ] {
                add(endpoint, name, [&[0u8][..], body].concat());
                if target == path {
                    add(
                        endpoint,
                        &format!("{name}-all-options"),
                        [&[0x0fu8][..], body].concat(),
                    );
                }
            }
        }
    }
    out
}

#[test]
fn seed_corpora_are_current() {
    let write = std::env::var_os("FUZZ_WRITE_SEEDS").is_some();
    let all = seeds();
    let mut stale = Vec::new();
    for target in TARGETS {
        let dir = root().join("fuzz/corpus").join(target);
        let want = all.get(target).expect("every target has seeds");
        assert!(want.len() >= 5, "{target}: only {} seeds", want.len());
        if write {
            fs::create_dir_all(&dir).expect("mkdir");
            for entry in fs::read_dir(&dir).expect("read corpus") {
                let path = entry.expect("entry").path();
                let is_seed = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("seed-"));
                if is_seed {
                    fs::remove_file(path).expect("remove old seed");
                }
            }
            for (name, bytes) in want {
                fs::write(dir.join(name), bytes).expect("write seed");
            }
            continue;
        }
        for (name, bytes) in want {
            if fs::read(dir.join(name)).ok().as_ref() != Some(bytes) {
                stale.push(format!("{target}/{name}"));
            }
        }
        if let Ok(entries) = fs::read_dir(&dir) {
            for entry in entries {
                let name = entry
                    .expect("entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned();
                if name.starts_with("seed-") && !want.contains_key(&name) {
                    stale.push(format!("{target}/{name} (no longer a vector)"));
                }
            }
        }
    }
    assert!(
        stale.is_empty(),
        "seed corpora differ from test-vectors/ ({} files, e.g. {:?}); run \
         `FUZZ_WRITE_SEEDS=1 cargo test --manifest-path fuzz/Cargo.toml --test seeds`",
        stale.len(),
        &stale[..stale.len().min(5)]
    );
}

/// The verifier's setup of a vector.
fn setup_of(v: &Value) -> (Vec<KeyMaterial>, Vec<String>, VerifyParams) {
    let keys = v["keys"]
        .as_array()
        .expect("keys")
        .iter()
        // A store may hold a key the core refuses (the target skips those too).
        .filter_map(|k| KeyMaterial::new(s(&k["username"]).as_bytes(), s(&k["secret"]).as_bytes()))
        .collect();
    let required = v["policy"]["required_headers"]
        .as_array()
        .expect("required")
        .iter()
        .map(|r| s(r).to_owned())
        .collect();
    (keys, required, verify_params(v))
}

/// Verifies a vector's request as `request_head` presents it (so also against the reference
/// verifier), returning the error kind.
fn outcome(v: &Value) -> Result<(), &'static str> {
    let (keys, required, params) = setup_of(v);
    let required: Vec<&str> = required.iter().map(String::as_str).collect();
    let headers: Vec<(String, Vec<u8>)> = headers(v)
        .into_iter()
        .map(|(n, value)| (n, value.into_bytes()))
        .collect();
    let head = RequestHead {
        method: s(&v["request"]["method"]),
        target: s(&v["request"]["target"]),
        version: params.version,
        headers: &headers[..],
    };
    let body = s(&v["request"]["body"]).as_bytes();
    verify_both(&params.setup(&keys, &required), &head, body, 5)
        .map(|_| ())
        .map_err(|e| e.kind())
}

#[test]
fn request_head_seeds_give_each_vectors_outcome() {
    let mut checked = 0;
    for (section, v) in vectors() {
        let seed = request_head_seed(&v);
        let got = outcome(&v);
        let name = s(&v["name"]);
        match section {
            "reject" => assert_eq!(got, Err(s(&v["expected_error"])), "{name}"),
            _ => assert_eq!(got, Ok(()), "{name}"),
        }
        // And the target itself runs on it.
        signer_fuzz::request_head(&seed);
        checked += 1;
    }
    assert!(checked > 200, "{checked}");
}

#[test]
fn http_request_seeds_parse_and_accepted_vectors_verify() {
    let (mut accepted, mut unreadable) = (0, 0);
    for (section, v) in vectors() {
        let Some(raw) = raw_request(&v) else { continue };
        let name = s(&v["name"]);
        let seed = http_request_seed(&v).expect("seed");
        signer_fuzz::http_request(&seed);
        let Ok(request) = ingo_signer::raw_request::parse_raw_request(&raw) else {
            // Bytes that are not one HTTP/1.x request (an LF inside a value, a space in the
            // request line's fields): the reader refuses them.
            unreadable += 1;
            assert_eq!(
                section, "reject",
                "{name}: an acceptable request is unreadable"
            );
            continue;
        };
        if section != "reject" {
            let (keys, required, params) = setup_of(&v);
            let required: Vec<&str> = required.iter().map(String::as_str).collect();
            let setup = params.setup(&keys, &required);
            let got = verify_both(&setup, &request.head(), &request.body, 7);
            assert!(got.is_ok(), "{name}: {got:?}");
            accepted += 1;
        }
    }
    assert!(
        accepted > 60,
        "{accepted} accepted, {unreadable} unreadable"
    );
}

#[test]
fn sign_verify_seeds_sign_to_each_vectors_authorization() {
    let mut same = 0;
    for (section, v) in vectors() {
        if section != "signing" {
            continue;
        }
        let seed = sign_verify_seed(&v);
        let input = SignInput::decode(&seed).expect("valid key");
        let name = s(&v["name"]);
        signer_fuzz::sign_verify(&seed);
        let signed = input
            .sign()
            .unwrap_or_else(|| panic!("{name}: the signer refuses it"));
        let authorization = signed
            .iter()
            .find(|(n, _)| n == "Authorization")
            .map(|(_, v)| String::from_utf8(v.clone()).unwrap())
            .unwrap();
        // Where the signer's list is the vector's (extras last, no legacy content-sha512
        // extra), its header is the vector's byte for byte.
        if authorization.contains(&format!(
            "headers=\"{}\"",
            v["signed_headers"]
                .as_array()
                .unwrap()
                .iter()
                .map(s)
                .collect::<Vec<_>>()
                .join(" ")
        )) {
            assert_eq!(authorization, s(&v["authorization"]), "{name}");
            same += 1;
        }
    }
    println!("{same} signing vectors reproduced byte for byte");
    assert!(same >= 30, "only {same} signing vectors reproduced");
}
