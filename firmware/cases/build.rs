//! Turns `test-vectors/signing.json` and `verification.json` into static Rust tables
//! (`$OUT_DIR/vectors.rs`), so a firmware with no file system and no allocator runs every vector
//! as the JSON states it. Each distinct string becomes one constant (the vectors share bodies and
//! headers). Nothing is filtered or rewritten: a vector added to the JSON is in the next build.
//!
//! With the `wrong-expectation` feature, the first reject vector expects a kind that is not its
//! own (the negative control of the harness).
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

use serde_json::Value;

/// Interned string constants: each distinct text once.
#[derive(Default)]
struct Strings {
    index: HashMap<String, usize>,
    decls: String,
}

impl Strings {
    fn get(&mut self, text: &str) -> String {
        let next = self.index.len();
        let id = *self.index.entry(text.to_owned()).or_insert_with(|| {
            writeln!(self.decls, "const S{next}: &str = {text:?};").unwrap();
            next
        });
        format!("S{id}")
    }
}

fn text<'v>(v: &'v Value, key: &str) -> &'v str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{}: `{key}` missing or not a string", v["name"]))
}

fn number(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{}: `{key}` missing or not an integer", v["name"]))
}

/// One `Vector { .. }` expression.
fn vector(s: &mut Strings, v: &Value, expect: &str) -> String {
    let policy = &v["policy"];
    let request = &v["request"];
    let keys: Vec<String> = v["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .map(|k| {
            format!(
                "Key {{ username: {}, secret: {} }}",
                s.get(text(k, "username")),
                s.get(text(k, "secret"))
            )
        })
        .collect();
    let required: Vec<String> = policy["required_headers"]
        .as_array()
        .expect("required_headers")
        .iter()
        .map(|n| s.get(n.as_str().expect("a header name")))
        .collect();
    let headers: Vec<String> = request["headers"]
        .as_array()
        .expect("headers")
        .iter()
        .map(|pair| {
            let name = pair[0].as_str().expect("a header name");
            let value = pair[1].as_str().expect("a header value");
            format!("({}, {})", s.get(name), s.get(value))
        })
        .collect();
    format!(
        "Vector {{ name: {name}, keys: &[{keys}], allow_legacy_sha256: {legacy}, max_skew: {skew}, \
         max_body: {body_limit}, required_headers: &[{required}], now: {now}, method: {method}, \
         target: {target}, version: {version}, headers: &[{headers}], body: {body}, expect: {expect} }}",
        name = s.get(text(v, "name")),
        keys = keys.join(", "),
        legacy = policy["allow_legacy_sha256"]
            .as_bool()
            .expect("allow_legacy_sha256"),
        skew = number(policy, "max_skew"),
        body_limit = number(policy, "max_body"),
        required = required.join(", "),
        now = number(v, "now"),
        method = s.get(text(request, "method")),
        target = s.get(text(request, "target")),
        version = s.get(text(request, "version")),
        headers = headers.join(", "),
        body = s.get(text(request, "body")),
    )
}

/// The intermediate steps a signing or accept vector carries.
fn steps(s: &mut Strings, v: &Value) -> String {
    let names: Vec<&str> = v["signed_headers"]
        .as_array()
        .expect("signed_headers")
        .iter()
        .map(|n| n.as_str().expect("a header name"))
        .collect();
    format!(
        "Steps {{ username: {}, secret: {}, algorithm: {}, signed_headers: {}, signing_string: {}, \
         digest_header: {}, digest: {}, signature: {}, authorization: {} }}",
        s.get(text(v, "username")),
        s.get(text(v, "secret")),
        s.get(text(v, "algorithm")),
        s.get(&names.join(" ")),
        s.get(text(v, "signing_string")),
        s.get(text(v, "digest_header")),
        s.get(text(v, "digest")),
        s.get(text(v, "signature")),
        s.get(text(v, "authorization")),
    )
}

fn load(dir: &Path, file: &str) -> Value {
    let path = dir.join(file);
    println!("cargo:rerun-if-changed={}", path.display());
    let json = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn main() {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let dir = manifest.join("../../test-vectors");
    let signing = load(&dir, "signing.json");
    let verification = load(&dir, "verification.json");
    let wrong = env::var_os("CARGO_FEATURE_WRONG_EXPECTATION").is_some();

    let mut s = Strings::default();
    let mut tables = String::new();
    let mut max_keys = 0;
    let mut table = |s: &mut Strings,
                     name: &str,
                     vectors: &[Value],
                     expect: &dyn Fn(&mut Strings, usize, &Value) -> String| {
        let items: Vec<String> = vectors
            .iter()
            .enumerate()
            .map(|(i, v)| {
                max_keys = max_keys.max(v["keys"].as_array().map_or(0, Vec::len));
                let e = expect(s, i, v);
                vector(s, v, &e)
            })
            .collect();
        writeln!(
            tables,
            "/// `{name}` of test-vectors/ ({} vectors).\npub static {name}: &[Vector] = &[\n    {}\n];",
            items.len(),
            items.join(",\n    ")
        )
        .unwrap();
    };
    let array = |v: &Value, key: &str| {
        v[key]
            .as_array()
            .unwrap_or_else(|| panic!("`{key}` missing"))
            .clone()
    };
    table(
        &mut s,
        "SIGNING",
        &array(&signing, "vectors"),
        &|s, _, v| format!("Expect::Sign({})", steps(s, v)),
    );
    table(
        &mut s,
        "ACCEPT",
        &array(&verification, "accept"),
        &|s, _, v| format!("Expect::Accept({})", steps(s, v)),
    );
    table(
        &mut s,
        "REJECT",
        &array(&verification, "reject"),
        &|s, i, v| {
            let kind = text(v, "expected_error");
            // The negative control: another real kind, so only the comparison can catch it.
            let kind = if wrong && i == 0 {
                if kind == "verify.signature_mismatch" {
                    "verify.unknown_username"
                } else {
                    "verify.signature_mismatch"
                }
            } else {
                kind
            };
            format!(
                "Expect::Reject {{ kind: {}, status: {} }}",
                s.get(kind),
                number(v, "http_status")
            )
        },
    );

    let out = PathBuf::from(env::var_os("OUT_DIR").unwrap()).join("vectors.rs");
    let code = format!(
        "// Generated by build.rs from test-vectors/*.json. Do not edit.\n\n\
         /// The most keys any vector's store holds.\npub const MAX_KEYS: usize = {max_keys};\n\n{}\n{tables}",
        s.decls
    );
    fs::write(&out, code).unwrap();
    println!("cargo:rerun-if-changed=build.rs");
}
