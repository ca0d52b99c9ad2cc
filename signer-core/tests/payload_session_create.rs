//! Session Create (`POST /api/v1/sessions/point-in-time/plugin`): every rule of SPEC §6 at
//! its boundary, the seed's body, and the `Idempotency-Key` header.

mod support;

use ingo_signer_core::payload::{
    Endpoint, IDEMPOTENCY_KEY_MAX_LEN, IdempotencyKeyError, MAX_VIOLATIONS, Options, PayloadError,
    validate, validate_idempotency_key,
};
use serde_json::{Value, json};
use support::*;

const SC: Endpoint = Endpoint::SessionCreate;

fn none() -> Options {
    Options::new()
}

fn paypal() -> Options {
    Options::new().with_paypal_enabled()
}

/// The seed with `path` set to the string `s`.
fn with(path: &str, s: &str) -> Vec<u8> {
    set(SESSION_CREATE_SEED, path, Value::String(s.into()))
}

#[track_caller]
fn passes_with(path: &str, s: &str) {
    assert_passes(SC, none(), &with(path, s));
}

#[track_caller]
fn fails_with(path: &str, s: &str, kind: &str) -> String {
    assert_only(SC, none(), &with(path, s), path, kind)
}

/// Each of `values` at `path` breaks `kind`, and only that.
#[track_caller]
fn fails_each(path: &str, values: &[&str], kind: &str) {
    for value in values {
        fails_with(path, value, kind);
    }
}

// --- The seed -------------------------------------------------------------------------

#[test]
fn the_seed_body_passes_as_sent_and_minified() {
    assert_passes(SC, none(), SESSION_CREATE_SEED.as_bytes());
    // With PayPal enabled too: the seed carries email_address.
    assert_passes(SC, paypal(), SESSION_CREATE_SEED.as_bytes());
    // Options that belong to push to card change nothing here.
    assert_passes(SC, all_options(), SESSION_CREATE_SEED.as_bytes());
    let minified = edit(SESSION_CREATE_SEED, |_| {});
    assert_eq!(
        minified.len(),
        470,
        "SPEC §7: the minified seed is 470 bytes"
    );
    assert_passes(SC, paypal(), &minified);
}

#[test]
fn the_endpoint_knows_its_request_line() {
    assert_eq!(SC.method(), "POST");
    assert_eq!(SC.path(), "/api/v1/sessions/point-in-time/plugin");
    assert_eq!(
        Endpoint::from_request("POST", "/api/v1/sessions/point-in-time/plugin?x=1"),
        Some(SC)
    );
    assert_eq!(
        Endpoint::from_request("POST", "/gateway/process--card"),
        Some(Endpoint::PushToCard)
    );
    assert_eq!(
        Endpoint::from_request("GET", "/gateway/process--card"),
        None
    );
    assert_eq!(Endpoint::from_request("POST", "/api/v1/sessions"), None);
}

// --- participant_unique_id1 / 2 ----------------------------------------------------------

#[test]
fn participant_unique_id1_is_required_1_to_100() {
    let msg = assert_only(
        SC,
        none(),
        &remove(SESSION_CREATE_SEED, "participant_unique_id1"),
        "participant_unique_id1",
        "required",
    );
    assert_eq!(msg, "participant_unique_id1: is required");
    let msg = fails_with("participant_unique_id1", "", "min_length");
    assert_eq!(msg, "participant_unique_id1: must not be empty");
    passes_with("participant_unique_id1", "x");
    passes_with("participant_unique_id1", &rep("a", 100));
    fails_with("participant_unique_id1", &rep("a", 101), "max_length");
    // Characters, not bytes: 100 two-byte and 100 four-byte characters pass.
    passes_with("participant_unique_id1", &rep("é", 100));
    passes_with("participant_unique_id1", &rep("😀", 100));
    fails_with("participant_unique_id1", &rep("é", 101), "max_length");
}

#[test]
fn participant_unique_id2_is_at_most_100() {
    passes_with("participant_unique_id2", "");
    passes_with("participant_unique_id2", &rep("b", 100));
    let msg = fails_with("participant_unique_id2", &rep("b", 101), "max_length");
    assert_eq!(
        msg,
        "participant_unique_id2: must be at most 100 characters (it has 101)"
    );
}

#[test]
fn a_number_where_a_string_is_expected_is_a_type_violation() {
    let body = set(SESSION_CREATE_SEED, "participant_unique_id1", json!(12345));
    let msg = assert_only(SC, none(), &body, "participant_unique_id1", "type");
    assert_eq!(
        msg,
        "participant_unique_id1: must be a string, not a number"
    );
    let body = set(SESSION_CREATE_SEED, "recipient_information", json!("Acme"));
    let msg = assert_only(SC, none(), &body, "recipient_information", "type");
    assert_eq!(
        msg,
        "recipient_information: must be an object, not a string"
    );
    let body = set(
        SESSION_CREATE_SEED,
        "recipient_information.state",
        json!(["GA"]),
    );
    assert_only(SC, none(), &body, "recipient_information.state", "type");
}

// --- host_uri -------------------------------------------------------------------------

#[test]
fn host_uri_is_at_most_200_characters() {
    let base = "https://digitalpay.ingo.money/";
    let at_200 = format!("{base}{}", rep("a", 200 - base.len()));
    assert_eq!(at_200.chars().count(), 200);
    passes_with("host_uri", &at_200);
    let msg = fails_with("host_uri", &format!("{at_200}a"), "max_length");
    assert_eq!(msg, "host_uri: must be at most 200 characters (it has 201)");
}

#[test]
fn host_uri_is_an_absolute_http_uri_with_a_host() {
    for good in [
        "https://digitalpay.ingo.money",
        "http://localhost:8080/app?x=1#top",
        "HTTPS://Digitalpay.Ingo.Money/",
        "https://[2001:db8::1]:443/",
        "https://host:65535",
        "https://a.b/%20space",
    ] {
        passes_with("host_uri", good);
    }
    let msg = fails_with("host_uri", "ftp://files.example", "uri");
    assert_eq!(
        msg,
        r#"host_uri: "ftp://files.example" must be an absolute http:// or https:// URI with a host"#
    );
    let bad = [
        "digitalpay.ingo.money",
        "/relative/path",
        "https:/one-slash.example",
        "",
        "https://",
        "https:///path",
        "https://:443",
        "https://digitalpay.ingo.money@evil.example",
        "https://host:0",
        "https://host:65536",
        "https://host:",
        "https://host:8o",
        "https://exa mple.com",
        "https://exämple.com",
        "https://a.b/%zz",
        "https://a.b/<script>",
    ];
    fails_each("host_uri", &bad, "uri");
    // Escaped text is judged unescaped: "\u0068ttps" is "https".
    let body = set_raw(
        SESSION_CREATE_SEED,
        "host_uri",
        r#""\u0068ttps:\/\/a.example""#,
    );
    assert_passes(SC, none(), &body);
}

// --- language_locale_code ---------------------------------------------------------------

#[test]
fn every_listed_locale_passes_and_nothing_else() {
    // The 28 codes of the Session Create page, in its order.
    let listed = "ar-SA, cs-CZ, da-DK, de-DE, en-GB, en-US, es-ES, es-US, fa-IR, fi-FI, fr-FR, \
        hmn-Latn, it-IT, ja-JP, km-KH, ko-KR, nb-NO, nl-NL, pl-PL, pt-BR, ru-RU, sv-SE, tl-PH, \
        tr-TR, vi-VN, zh-CN, zh-Hans, zh-TW";
    let codes: Vec<&str> = listed.split(", ").collect();
    assert_eq!(codes.len(), 28);
    for code in &codes {
        passes_with("language_locale_code", code);
    }
    let msg = fails_with("language_locale_code", "en-us", "locale");
    assert_eq!(
        msg,
        format!(r#"language_locale_code: "en-us" must be one of {listed}"#)
    );
    let bad = [
        "hmn-latn",
        "hmn-Latn ",
        "en",
        "EN-US",
        "zh-Hant",
        "",
        "en_US",
        "hmn-Latn-US",
    ];
    fails_each("language_locale_code", &bad, "locale");
}

// --- recipient_information: names, address, city ------------------------------------------

const TEXT_150: [&str; 6] = [
    "recipient_information.first_name",
    "recipient_information.last_name",
    "recipient_information.business_name",
    "recipient_information.address_line1",
    "recipient_information.address_line2",
    "recipient_information.city",
];

#[test]
fn names_address_lines_and_city_are_at_most_150_characters() {
    for path in TEXT_150 {
        passes_with(path, &rep("a", 150));
        passes_with(path, &rep("é", 150)); // 150 two-byte characters
        passes_with(path, &rep("😀", 150)); // 150 four-byte characters
        let msg = fails_with(path, &rep("a", 151), "max_length");
        assert_eq!(
            msg,
            format!("{path}: must be at most 150 characters (it has 151)")
        );
        fails_with(path, &rep("é", 151), "max_length");
        // Escaped: 150 \u00e9 and 150 surrogate pairs are 150 characters.
        let body = set_raw(SESSION_CREATE_SEED, path, &escaped(r"\u00e9", 150));
        assert_passes(SC, none(), &body);
        let body = set_raw(SESSION_CREATE_SEED, path, &escaped(r"\ud83d\ude00", 150));
        assert_passes(SC, none(), &body);
        let body = set_raw(SESSION_CREATE_SEED, path, &escaped(r"\ud83d\ude00", 151));
        assert_only(SC, none(), &body, path, "max_length");
    }
}

#[test]
fn text_fields_reject_control_characters_even_escaped() {
    let msg = fails_with(
        "recipient_information.city",
        "Any\ttown",
        "control_character",
    );
    assert!(msg.starts_with("recipient_information.city: must not contain control characters"));
    let body = set_raw(
        SESSION_CREATE_SEED,
        "recipient_information.first_name",
        r#""A\u0000B""#,
    );
    assert_only(
        SC,
        none(),
        &body,
        "recipient_information.first_name",
        "control_character",
    );
    fails_with("participant_unique_id1", "a\u{85}b", "control_character");
    // Non-control characters outside ASCII are fine.
    passes_with("recipient_information.city", "São Paulo — Zürich");
}

// --- business_name versus personal name -----------------------------------------------------

fn recipient(v: Value) -> Vec<u8> {
    set(SESSION_CREATE_SEED, "recipient_information", v)
}

#[test]
fn business_name_is_required_unless_both_names_are_given() {
    // Full personal name, no business name: fine.
    assert_passes(
        SC,
        none(),
        &recipient(json!({"first_name": "Alex", "last_name": "Rivera"})),
    );
    // Business name alone: fine.
    assert_passes(
        SC,
        none(),
        &recipient(json!({"business_name": "Acme Limited"})),
    );
    // Both (the seed): fine.
    assert_passes(SC, none(), SESSION_CREATE_SEED.as_bytes());
    let path = "recipient_information.business_name";
    for ri in [
        json!({}),
        json!({"first_name": "Alex"}),
        json!({"last_name": "Rivera"}),
        json!({"first_name": "", "last_name": "Rivera"}),
        json!({"first_name": "  ", "last_name": "Rivera"}),
        json!({"first_name": "Alex", "business_name": ""}),
        json!({"business_name": "   "}),
    ] {
        let msg = assert_only(SC, none(), &recipient(ri.clone()), path, "required");
        assert_eq!(
            msg,
            "recipient_information.business_name: is required unless both first_name and last_name are given",
            "{ri}"
        );
    }
    // A business name past 150 is a length violation, not a missing one.
    let ri = json!({"business_name": rep("b", 151)});
    assert_only(SC, none(), &recipient(ri), path, "max_length");
    // No recipient_information at all: nothing to name.
    assert_passes(
        SC,
        none(),
        &remove(SESSION_CREATE_SEED, "recipient_information"),
    );
}

// --- state, zip_code ------------------------------------------------------------------------

/// The seed page's state pattern, expanded by hand from
/// `^(?:A[LKSZRAEP]|C[AOT]|D[EC]|F[LM]|G[AU]|HI|I[ADLN]|K[SY]|LA|M[ADEHINOPST]|N[CDEHJMVY]|O[HKR]|P[ARW]|RI|S[CD]|T[NX]|UT|V[AIT]|W[AIVY])$`.
fn seed_state_pattern(code: &str) -> bool {
    let groups = [
        ('A', "LKSZRAEP"),
        ('C', "AOT"),
        ('D', "EC"),
        ('F', "LM"),
        ('G', "AU"),
        ('H', "I"),
        ('I', "ADLN"),
        ('K', "SY"),
        ('L', "A"),
        ('M', "ADEHINOPST"),
        ('N', "CDEHJMVY"),
        ('O', "HKR"),
        ('P', "ARW"),
        ('R', "I"),
        ('S', "CD"),
        ('T', "NX"),
        ('U', "T"),
        ('V', "AIT"),
        ('W', "AIVY"),
    ];
    let mut c = code.chars();
    match (c.next(), c.next(), c.next()) {
        (Some(a), Some(b), None) => groups.iter().any(|(g, rest)| *g == a && rest.contains(b)),
        _ => false,
    }
}

#[test]
fn state_accepts_exactly_the_specs_list() {
    let spec_list = "AL AK AS AZ AR AA AE AP CA CO CT DE DC FM FL GA GU HI ID IL IN IA KS KY LA ME \
        MH MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND MP OH OK OR PW PA PR RI SC SD TN TX UT VT \
        VI VA WA WV WI WY";
    let spec: Vec<&str> = spec_list.split_whitespace().collect();
    let path = "recipient_information.state";
    // Every pair of upper-case letters: accepted exactly when the SPEC lists it, which is
    // also exactly what the seed page's pattern accepts.
    for a in 'A'..='Z' {
        for b in 'A'..='Z' {
            let code: String = [a, b].iter().collect();
            let listed = spec.contains(&code.as_str());
            assert_eq!(
                listed,
                seed_state_pattern(&code),
                "SPEC list vs seed pattern: {code}"
            );
            let body = with(path, &code);
            if listed {
                assert_passes(SC, none(), &body);
            } else {
                assert_only(SC, none(), &body, path, "state");
            }
        }
    }
    let msg = fails_with(path, "ga", "state");
    assert_eq!(
        msg,
        r#"recipient_information.state: "ga" must be a two-letter upper-case US state, territory or military code such as GA"#
    );
    for bad in ["G", "GAA", "", " GA", "Georgia", "ＧＡ"] {
        fails_with(path, bad, "state");
    }
}

#[test]
fn zip_code_is_5_digits_or_zip_plus_4() {
    let path = "recipient_information.zip_code";
    passes_with(path, "37233");
    passes_with(path, "00000");
    passes_with(path, "37233-1234"); // ZIP+4
    // The message of the issue, verbatim.
    let msg = fails_with(path, "3723", "zip");
    assert_eq!(
        msg,
        r#"recipient_information.zip_code: "3723" must be 5 digits or 5+4 digits"#
    );
    let bad = [
        "372331",
        "37233-",
        "37233-123",
        "37233-12345",
        "37233 1234",
        "372331234",
        "3723a",
        "",
        "３７２３３", // full-width digits are not [0-9]
        "37233-１２３４",
    ];
    fails_each(path, &bad, "zip");
}

// --- email_address ------------------------------------------------------------------------

#[test]
fn email_address_has_one_at_sign_both_parts_no_spaces_and_150_characters() {
    let path = "recipient_information.email_address";
    passes_with(path, "a@b");
    let at_150 = format!("{}@example.com", rep("j", 150 - "@example.com".len()));
    passes_with(path, &at_150);
    let msg = fails_with(path, &format!("j{at_150}"), "max_length");
    assert_eq!(
        msg,
        format!("{path}: must be at most 150 characters (it has 151)")
    );
    let cases = [
        (
            "jack.frost.example.com",
            "must be an e-mail address with exactly one @",
        ),
        (
            "jack@frost@example.com",
            "must be an e-mail address with exactly one @",
        ),
        (
            "@example.com",
            "must be an e-mail address with a name before the @",
        ),
        (
            "jack.frost@",
            "must be an e-mail address with a domain after the @",
        ),
        (
            "jack frost@example.com",
            "must be an e-mail address without spaces",
        ),
        (
            "jack@example.com ",
            "must be an e-mail address without spaces",
        ),
        ("", "must be an e-mail address with exactly one @"),
    ];
    for (bad, message) in cases {
        let msg = fails_with(path, bad, "email");
        // E-mail addresses are personal data: never echoed.
        assert_eq!(msg, format!("{path}: {message}"), "{bad}");
    }
}

#[test]
fn email_address_is_required_for_paypal_enabled_participants() {
    let path = "recipient_information.email_address";
    let without = remove(SESSION_CREATE_SEED, path);
    assert_passes(SC, none(), &without);
    let msg = assert_only(SC, paypal(), &without, path, "required");
    assert_eq!(
        msg,
        format!("{path}: is required for PayPal-enabled participants")
    );
    // Empty does not meet the requirement.
    assert_only(SC, paypal(), &with(path, ""), path, "required");
    // Nor does a missing recipient_information: the report names the e-mail it lacks.
    let no_ri = remove(SESSION_CREATE_SEED, "recipient_information");
    assert_only(SC, paypal(), &no_ri, path, "required");
    // A malformed address is reported as such, PayPal or not.
    assert_only(SC, paypal(), &with(path, "nope"), path, "email");
}

// --- phone_number, mobile_number -------------------------------------------------------------

#[test]
fn phone_numbers_are_exactly_10_digits() {
    for path in [
        "recipient_information.phone_number",
        "recipient_information.mobile_number",
    ] {
        passes_with(path, "4045551234");
        passes_with(path, "0000000000");
        let msg = fails_with(path, "404555123", "phone");
        // Phone numbers are personal data: never echoed.
        assert_eq!(msg, format!("{path}: must be exactly 10 digits"));
        let bad = [
            "40455512345",
            "404-555-1234",
            "(404)5551234",
            "404555123a",
            "",
            "４０４５５５１２３４",
        ];
        fails_each(path, &bad, "phone");
    }
}

// --- open_banking --------------------------------------------------------------------------

#[test]
fn open_banking_holds_a_string_mobus_customer_id_and_nothing_else() {
    let path = "recipient_information.open_banking.mobus_customer_id";
    passes_with(path, "");
    passes_with(path, &rep("9", 1000));
    let body = set(SESSION_CREATE_SEED, path, json!(9999));
    let msg = assert_only(SC, none(), &body, path, "type");
    assert_eq!(msg, format!("{path}: must be a string, not a number"));
    let body = set(
        SESSION_CREATE_SEED,
        "recipient_information.open_banking.iban",
        json!("x"),
    );
    assert_only(
        SC,
        none(),
        &body,
        "recipient_information.open_banking.iban",
        "unknown_field",
    );
    let body = set(
        SESSION_CREATE_SEED,
        "recipient_information.open_banking",
        json!([]),
    );
    assert_only(
        SC,
        none(),
        &body,
        "recipient_information.open_banking",
        "type",
    );
}

// --- The report -------------------------------------------------------------------------

#[test]
fn every_violation_is_reported_in_one_pass() {
    let body = edit(SESSION_CREATE_SEED, |v| {
        v["participant_unique_id1"] = json!("");
        v["host_uri"] = json!("digitalpay.ingo.money");
        v["language_locale_code"] = json!("en");
        let ri = &mut v["recipient_information"];
        ri["state"] = json!("XX");
        ri["zip_code"] = json!("3723");
        ri["phone_number"] = json!("123");
        ri["city"] = json!(rep("c", 151));
    });
    let v = violations(SC, none(), &body);
    let mut got = paths_and_kinds(&v);
    got.sort();
    let mut want = [
        ("host_uri", "uri"),
        ("language_locale_code", "locale"),
        ("participant_unique_id1", "min_length"),
        ("recipient_information.city", "max_length"),
        ("recipient_information.phone_number", "phone"),
        ("recipient_information.state", "state"),
        ("recipient_information.zip_code", "zip"),
    ];
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn the_report_is_bounded_and_counts_what_it_drops() {
    let mut body = String::from(r#"{"participant_unique_id1":"p""#);
    for i in 0..100 {
        body.push_str(&format!(r#","k{i}":0"#));
    }
    body.push('}');
    let Err(PayloadError::Invalid(report)) = validate(SC, none(), body.as_bytes()) else {
        panic!("100 unknown keys must fail");
    };
    assert_eq!(report.violations().len(), MAX_VIOLATIONS);
    assert_eq!(report.omitted(), 100 - MAX_VIOLATIONS);
    assert_eq!(report.total(), 100);
    assert!(report.violations()[0].path().is("k0"));
    let shown = report.to_string();
    assert!(
        shown.ends_with(&format!("; and {} more", 100 - MAX_VIOLATIONS)),
        "{shown}"
    );
    let err = PayloadError::Invalid(report);
    assert_eq!(err.kind(), "payload.invalid");
    assert_eq!(err.http_status(), 400);
}

#[test]
fn long_unknown_keys_are_cut_in_messages() {
    let key = rep("k", 500);
    let body = format!(r#"{{"participant_unique_id1":"p","{key}":1}}"#);
    let v = violations(SC, none(), body.as_bytes());
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].path, format!("{}…", rep("k", 64)));
}

// --- Idempotency-Key ------------------------------------------------------------------------

#[test]
fn idempotency_key_is_1_to_250_printable_characters() {
    assert_eq!(IDEMPOTENCY_KEY_MAX_LEN, 250);
    assert_eq!(
        validate_idempotency_key("3f2a1b4c-9d8e-7f6a-5b4c-3d2e1f0a9b8c"),
        Ok(())
    );
    assert_eq!(validate_idempotency_key(&rep("k", 250)), Ok(()));
    assert_eq!(validate_idempotency_key("a b"), Ok(()));
    let e = validate_idempotency_key(&rep("k", 251)).unwrap_err();
    assert_eq!(e, IdempotencyKeyError::TooLong { len: 251 });
    assert_eq!(e.kind(), "idempotency_key.too_long");
    assert_eq!(
        e.to_string(),
        "Idempotency-Key has 251 characters; at most 250 are allowed"
    );
    assert_eq!(
        validate_idempotency_key(""),
        Err(IdempotencyKeyError::Empty)
    );
    assert_eq!(
        validate_idempotency_key("ab\r\nX-Evil: 1"),
        Err(IdempotencyKeyError::InvalidCharacter { at: 2 })
    );
    assert_eq!(
        validate_idempotency_key("clé"),
        Err(IdempotencyKeyError::InvalidCharacter { at: 2 })
    );
    assert_eq!(
        validate_idempotency_key(" key"),
        Err(IdempotencyKeyError::SurroundingWhitespace)
    );
    assert_eq!(
        validate_idempotency_key("key "),
        Err(IdempotencyKeyError::SurroundingWhitespace)
    );
}

#[test]
fn validate_into_fills_a_caller_owned_report_like_validate() {
    use ingo_signer_core::payload::{Report, validate_into};
    let body = with("recipient_information.zip_code", "3723");
    let mut report = Report::new();
    assert_eq!(validate_into(SC, &none(), &body, &mut report), Ok(()));
    let Err(PayloadError::Invalid(expected)) = validate(SC, none(), &body) else {
        panic!("the ZIP code is too short");
    };
    assert_eq!(report, expected);
    assert_eq!(report.violations().len(), 1);
    // A JSON error is returned, and the report stays empty.
    let mut report = Report::new();
    assert_eq!(
        validate_into(SC, &none(), b"[]", &mut report)
            .unwrap_err()
            .kind(),
        "json.not_an_object"
    );
    assert!(report.is_empty());
    // A clean body leaves it empty.
    assert_eq!(
        validate_into(SC, &none(), SESSION_CREATE_SEED.as_bytes(), &mut report),
        Ok(())
    );
    assert!(report.is_empty());
}
