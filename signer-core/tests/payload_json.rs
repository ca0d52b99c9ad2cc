//! The strict JSON layer: what every body must be before any field rule applies, and how each
//! known limit of serde-json-core is closed.

mod support;

use ingo_signer_core::payload::{
    Endpoint, Expected, JsonError, MAX_BODY_LEN, MAX_DEPTH, Options, PayloadError, validate,
};
use serde::Deserialize;
use support::*;

const SC: Endpoint = Endpoint::SessionCreate;
const PC: Endpoint = Endpoint::PushToCard;

fn none() -> Options {
    Options::new()
}

fn json_err(body: &[u8]) -> JsonError {
    match validate(SC, none(), body) {
        Err(PayloadError::Json(e)) => e,
        other => panic!("expected a JSON error, got {other:?}"),
    }
}

const MINIMAL: &str = r#"{"participant_unique_id1":"p"}"#;

#[test]
fn minimal_body_passes() {
    assert_passes(SC, none(), MINIMAL.as_bytes());
}

// --- Size -----------------------------------------------------------------------------

#[test]
fn body_of_exactly_64_kib_is_accepted_and_one_byte_more_is_not() {
    assert_eq!(MAX_BODY_LEN, 65536, "SPEC §6: 64 KiB");
    let mut body = MINIMAL.as_bytes().to_vec();
    body.resize(65536, b' '); // whitespace after the object is allowed
    assert_passes(SC, none(), &body);
    body.push(b' ');
    let e = json_err(&body);
    assert_eq!(e, JsonError::TooLarge { len: 65537 });
    assert_eq!(e.kind(), "json.too_large");
    assert_eq!(e.http_status(), 413);
    // Rejected before parsing: even garbage of that size is "too large", not "syntax".
    assert_eq!(json_err(&vec![b'x'; 70_000]).kind(), "json.too_large");
}

// --- Top level, trailing data, emptiness ------------------------------------------------

#[test]
fn top_level_must_be_one_object() {
    for body in ["[]", "\"x\"", "1", "null", "true", " [{}]"] {
        assert_eq!(
            json_err(body.as_bytes()).kind(),
            "json.not_an_object",
            "{body}"
        );
    }
    assert_eq!(json_err(b"").kind(), "json.empty");
    assert_eq!(json_err(b" \n\t ").kind(), "json.empty");
}

#[test]
fn trailing_data_is_rejected() {
    let e = json_err(br#"{"participant_unique_id1":"p"} {}"#);
    assert_eq!(e, JsonError::TrailingData { at: 31 });
    assert_eq!(
        json_err(br#"{"participant_unique_id1":"p"}x"#).kind(),
        "json.trailing_data"
    );
    assert_eq!(
        json_err(br#"{"participant_unique_id1":"p"}}"#).kind(),
        "json.trailing_data"
    );
    // Trailing whitespace is not data.
    assert_passes(SC, none(), b"{\"participant_unique_id1\":\"p\"}\r\n\t ");
}

#[test]
fn syntax_errors_name_the_byte_and_what_was_expected() {
    assert_eq!(
        json_err(br#"{"participant_unique_id1" "p"}"#),
        JsonError::Syntax {
            at: 26,
            expected: Expected::Colon
        }
    );
    assert_eq!(
        json_err(br#"{"participant_unique_id1":"p" "x":1}"#),
        JsonError::Syntax {
            at: 30,
            expected: Expected::CommaOrObjectEnd
        }
    );
    // Trailing commas are not JSON.
    assert_eq!(
        json_err(br#"{"participant_unique_id1":"p",}"#),
        JsonError::Syntax {
            at: 30,
            expected: Expected::Key
        }
    );
    assert_eq!(
        json_err(br#"{"x":[1,]}"#),
        JsonError::Syntax {
            at: 8,
            expected: Expected::Value
        }
    );
    // Unquoted keys and single quotes.
    assert_eq!(
        json_err(b"{participant_unique_id1:1}").kind(),
        "json.syntax"
    );
    assert_eq!(json_err(b"{'a':1}").kind(), "json.syntax");
    // Cut short.
    assert_eq!(
        json_err(br#"{"participant_unique_id1":"p""#),
        JsonError::UnexpectedEnd {
            expected: Expected::CommaOrObjectEnd
        }
    );
    assert_eq!(
        json_err(br#"{"participant_unique_id1":"p"#),
        JsonError::UnexpectedEnd {
            expected: Expected::StringEnd
        }
    );
    let shown = json_err(br#"{"participant_unique_id1" "p"}"#).to_string();
    assert!(
        shown.contains("byte 26") && shown.contains("`:`"),
        "{shown}"
    );
}

#[test]
fn numbers_and_literals_follow_rfc_8259() {
    for bad in [
        "01", "1.", ".5", "+1", "-", "1e", "1e+", "-01", "0x10", "1.2.3", "Infinity", "NaN",
    ] {
        let body = format!(r#"{{"participant_unique_id1":"p","n":{bad}}}"#);
        let kind = json_err(body.as_bytes()).kind();
        // `.5` and `+1` do not even start a value.
        assert!(
            matches!(
                kind,
                "json.invalid_number" | "json.invalid_literal" | "json.syntax"
            ),
            "{bad}: {kind}"
        );
    }
    assert_eq!(
        json_err(br#"{"participant_unique_id1":"p","n":01}"#),
        JsonError::InvalidNumber { at: 34 }
    );
    for bad in ["tru", "nul", "truex", "False", "undefined"] {
        let body = format!(r#"{{"participant_unique_id1":"p","n":{bad}}}"#);
        let kind = json_err(body.as_bytes()).kind();
        assert!(
            kind == "json.invalid_literal" || kind == "json.unexpected_end",
            "{bad}: {kind}"
        );
    }
    // Valid numbers in an unknown field make the body fail only as an unknown field.
    for good in [
        "0",
        "-0",
        "1.5e-3",
        "1E+2",
        "123456789012345678901234567890",
        "true",
        "null",
    ] {
        let body = format!(r#"{{"participant_unique_id1":"p","n":{good}}}"#);
        assert_only(SC, none(), body.as_bytes(), "n", "unknown_field");
    }
}

// --- UTF-8, escapes, control characters ---------------------------------------------------

#[test]
fn invalid_utf8_is_rejected_with_its_offset() {
    let mut body = br#"{"participant_unique_id1":"p"#.to_vec();
    let at = body.len();
    body.extend_from_slice(b"\xff\"}");
    assert_eq!(json_err(&body), JsonError::InvalidUtf8 { at });
    // An overlong encoding of '/' and a UTF-8-encoded surrogate are not UTF-8 either.
    for bad in [&b"\xc0\xaf"[..], b"\xed\xa0\x80"] {
        let mut body = br#"{"participant_unique_id1":""#.to_vec();
        body.extend_from_slice(bad);
        body.extend_from_slice(b"\"}");
        assert_eq!(json_err(&body).kind(), "json.invalid_utf8");
    }
}

#[test]
fn lone_surrogates_are_rejected_and_pairs_accepted() {
    for bad in [
        r"\ud800",
        r"\udc00",
        r"\ud800\u0041",
        r"\ud800x",
        r"\udbff\udbff",
    ] {
        let body = format!(r#"{{"participant_unique_id1":"a{bad}b"}}"#);
        assert_eq!(
            json_err(body.as_bytes()),
            JsonError::LoneSurrogate { at: 28 },
            "{bad}"
        );
    }
    // A high-low pair is one character (U+1F600), in any hex case.
    let body = r#"{"participant_unique_id1":"\ud83d\ude00\uD83D\uDE00"}"#;
    assert_passes(SC, none(), body.as_bytes());
}

#[test]
fn invalid_escapes_are_rejected() {
    for bad in [r"\x41", r"\U0041", r"\u12G4", r"\u004", r"\a", r"\'"] {
        let body = format!(r#"{{"participant_unique_id1":"a{bad}"}}"#);
        let e = json_err(body.as_bytes());
        assert!(
            matches!(e, JsonError::InvalidEscape { at: 28 }),
            "{bad}: {e:?}"
        );
    }
}

#[test]
fn raw_control_characters_in_strings_are_rejected() {
    let body = b"{\"participant_unique_id1\":\"a\tb\"}";
    assert_eq!(json_err(body), JsonError::ControlCharacter { at: 28 });
    // Also in keys and in values nobody reads.
    assert_eq!(json_err(b"{\"a\nb\":1}").kind(), "json.control_character");
    assert_eq!(
        json_err(b"{\"participant_unique_id1\":\"p\",\"x\":[\"\x00\"]}").kind(),
        "json.control_character"
    );
}

// --- Unknown and duplicate keys ----------------------------------------------------------

#[test]
fn unknown_fields_are_reported_at_every_level_with_the_other_violations() {
    let body = br#"{"participant_unique_id1":"p","extra":1,
        "recipient_information":{"business_name":"Acme","zip_code":"3723","nickname":"x",
            "open_banking":{"mobus_customer_id":"9","bank":"y"}}}"#;
    let v = violations(SC, none(), body);
    assert_eq!(
        paths_and_kinds(&v),
        [
            ("extra", "unknown_field"),
            ("recipient_information.nickname", "unknown_field"),
            ("recipient_information.open_banking.bank", "unknown_field"),
            ("recipient_information.zip_code", "zip"),
        ]
    );
    assert_eq!(
        v[0].message,
        "extra: is not a field of this request; remove it"
    );
}

#[test]
fn a_field_of_the_other_endpoint_is_unknown() {
    let body = br#"{"participant_unique_id1":"p","amount":10.5}"#;
    assert_only(SC, none(), body, "amount", "unknown_field");
}

#[test]
fn duplicate_keys_are_rejected_even_when_spelled_with_escapes() {
    let body = br#"{"participant_unique_id1":"p","participant_unique_id1":"q"}"#;
    let msg = assert_only(
        SC,
        none(),
        body,
        "participant_unique_id1",
        "duplicate_field",
    );
    assert_eq!(
        msg,
        "participant_unique_id1: appears more than once; send it once"
    );
    // "st\u0061te" is "state": the same key.
    let body = br#"{"participant_unique_id1":"p","recipient_information":
        {"business_name":"A","state":"GA","st\u0061te":"TX"}}"#;
    assert_only(
        SC,
        none(),
        body,
        "recipient_information.state",
        "duplicate_field",
    );
    // Nested objects are compared per object: the same key in two objects is fine.
    let body = br#"{"participant_unique_id1":"p","recipient_information":
        {"business_name":"A","open_banking":{"mobus_customer_id":"1"}}}"#;
    assert_passes(SC, none(), body);
}

#[test]
fn escaped_keys_are_unescaped_before_lookup() {
    let body = br#"{"\u0070articipant_unique_id1":"p"}"#;
    assert_passes(SC, none(), body);
}

#[test]
fn null_is_not_absence() {
    let body = br#"{"participant_unique_id1":"p","participant_unique_id2":null}"#;
    let msg = assert_only(SC, none(), body, "participant_unique_id2", "type");
    assert_eq!(msg, "participant_unique_id2: must be a string, not null");
}

// --- Depth ---------------------------------------------------------------------------------

fn nested_arrays(depth: usize) -> String {
    format!(
        r#"{{"participant_unique_id1":"p","x":{}{}}}"#,
        "[".repeat(depth),
        "]".repeat(depth)
    )
}

#[test]
fn a_50000_deep_array_in_an_unknown_field_is_an_error_not_a_crash() {
    // Closed, 50,000 levels take 100,000 bytes: over the size limit, rejected unread.
    let closed = nested_arrays(50_000);
    assert_eq!(json_err(closed.as_bytes()).kind(), "json.too_large");
    // 50,000 opening brackets fit in 64 KiB (the body is cut off, which nobody gets to see),
    // and so do 32,000 closed levels: both stop at the depth bound.
    let open = format!(
        r#"{{"participant_unique_id1":"p","x":{}"#,
        "[".repeat(50_000)
    );
    assert!(open.len() <= MAX_BODY_LEN);
    let body = nested_arrays(32_000);
    assert!(body.len() <= MAX_BODY_LEN);
    assert_eq!(json_err(open.as_bytes()), json_err(body.as_bytes()));
    let e = json_err(body.as_bytes());
    // The top-level object is level 1, so the array that opens level MAX_DEPTH + 1 is the
    // one rejected; it starts right after `"x":`.
    let first_bracket = body.find('[').unwrap();
    assert_eq!(
        e,
        JsonError::TooDeep {
            at: first_bracket + MAX_DEPTH - 1
        }
    );
    assert_eq!(e.kind(), "json.too_deep");
    // The same for push to card and for responses.
    assert!(matches!(
        validate(PC, none(), body.as_bytes()),
        Err(PayloadError::Json(JsonError::TooDeep { .. }))
    ));
}

#[test]
fn depth_bound_is_exact() {
    assert_eq!(MAX_DEPTH, 16);
    // Top-level object + 15 arrays = 16 levels: allowed (the body fails only for "x").
    assert_only(
        SC,
        none(),
        nested_arrays(MAX_DEPTH - 1).as_bytes(),
        "x",
        "unknown_field",
    );
    // One more level is too deep.
    assert_eq!(
        json_err(nested_arrays(MAX_DEPTH).as_bytes()).kind(),
        "json.too_deep"
    );
    // Objects count like arrays.
    let deep_objects = format!(
        r#"{{"participant_unique_id1":"p","x":{}1{}}}"#,
        r#"{"a":"#.repeat(MAX_DEPTH),
        "}".repeat(MAX_DEPTH)
    );
    assert_eq!(json_err(deep_objects.as_bytes()).kind(), "json.too_deep");
}

// --- serde-json-core's limits, shown and handled --------------------------------------------

#[derive(Deserialize, Debug)]
struct Loose<'a> {
    #[serde(borrow)]
    participant_unique_id1: &'a str,
}

/// Limit: serde-json-core skips unknown values without checking them. Shown on the library
/// itself, then handled: our layer rejects the same bodies.
#[test]
fn serde_json_core_skips_unknown_values_unchecked_and_we_do_not() {
    for body in [
        r#"{"participant_unique_id1":"p","x":hello}"#,
        r#"{"participant_unique_id1":"p","x":1.2.3}"#,
        r#"{"participant_unique_id1":"p","x":-}"#,
    ] {
        let parsed = serde_json_core::from_str::<Loose<'_>>(body);
        assert!(parsed.is_ok(), "serde-json-core accepts {body}: {parsed:?}");
        let kind = json_err(body.as_bytes()).kind();
        assert!(
            kind == "json.invalid_literal" || kind == "json.invalid_number",
            "{body}: {kind}"
        );
    }
    // The same holds in responses, where unknown fields are otherwise tolerated.
    let r = ingo_signer_core::payload::parse_push_to_card_response(br#"{"status":100,"x":hello}"#);
    assert_eq!(r.unwrap_err().kind(), "json.invalid_literal");
}

/// Limit: serde-json-core lets raw control characters through inside strings.
#[test]
fn serde_json_core_accepts_raw_control_characters_and_we_do_not() {
    let body = "{\"participant_unique_id1\":\"a\u{1}b\"}";
    assert!(serde_json_core::from_str::<Loose<'_>>(body).is_ok());
    assert_eq!(json_err(body.as_bytes()).kind(), "json.control_character");
}

/// Limit: serde-json-core does not unescape unless asked (and when asked, it rejects valid
/// surrogate pairs). We never ask, and unescape ourselves.
#[test]
fn serde_json_core_does_not_unescape_and_we_do() {
    let body = r#"{"participant_unique_id1":"G\u0041"}"#;
    let (raw, _) = serde_json_core::from_str::<Loose<'_>>(body).unwrap();
    assert_eq!(raw.participant_unique_id1, r"G\u0041", "raw text, 7 bytes");
    // With a buffer it unescapes, but a valid surrogate pair is an error to it.
    #[derive(Deserialize)]
    struct Owned {
        #[allow(dead_code)]
        participant_unique_id1: heapless::String<16>,
    }
    let mut buf = [0u8; 16];
    let pair = r#"{"participant_unique_id1":"\ud83d\ude00"}"#;
    assert!(serde_json_core::from_str_escaped::<Owned>(pair, &mut buf).is_err());
    // We accept the pair as one character...
    assert_passes(SC, none(), pair.as_bytes());
    // ...and judge escaped text after unescaping: "G\u0041" is the state GA.
    let body = br#"{"participant_unique_id1":"p","recipient_information":{"business_name":"A","state":"G\u0041"}}"#;
    assert_passes(SC, none(), body);
    // And lengths count unescaped characters: 100 escaped é pass, 101 fail.
    let body = format!(
        r#"{{"participant_unique_id1":{}}}"#,
        escaped(r"\u00e9", 100)
    );
    assert_passes(SC, none(), body.as_bytes());
    let body = format!(
        r#"{{"participant_unique_id1":{}}}"#,
        escaped(r"\u00e9", 101)
    );
    let msg = assert_only(
        SC,
        none(),
        body.as_bytes(),
        "participant_unique_id1",
        "max_length",
    );
    assert_eq!(
        msg,
        "participant_unique_id1: must be at most 100 characters (it has 101)"
    );
}

#[test]
fn json_error_kinds_are_distinct() {
    let all = [
        JsonError::TooLarge { len: 1 },
        JsonError::Empty,
        JsonError::InvalidUtf8 { at: 0 },
        JsonError::NotAnObject { at: 0 },
        JsonError::Syntax {
            at: 0,
            expected: Expected::Value,
        },
        JsonError::UnexpectedEnd {
            expected: Expected::Value,
        },
        JsonError::InvalidEscape { at: 0 },
        JsonError::LoneSurrogate { at: 0 },
        JsonError::ControlCharacter { at: 0 },
        JsonError::InvalidNumber { at: 0 },
        JsonError::InvalidLiteral { at: 0 },
        JsonError::TooDeep { at: 0 },
        JsonError::TrailingData { at: 0 },
        JsonError::Parser,
    ];
    let mut kinds: Vec<&str> = all.iter().map(|e| e.kind()).collect();
    kinds.sort();
    kinds.dedup();
    assert_eq!(kinds.len(), all.len());
    for e in all {
        assert!(!e.to_string().is_empty());
        assert!(e.kind().starts_with("json."));
    }
}
