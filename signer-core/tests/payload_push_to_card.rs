//! Push to card (`POST /gateway/process--card`): every rule of SPEC §6 at its boundary, the
//! seed's body, token versus raw account fields in both directions, and the options.

mod support;

use ingo_signer_core::payload::{Endpoint, Options};
use serde_json::{Value, json};
use support::*;

const PC: Endpoint = Endpoint::PushToCard;

fn none() -> Options {
    Options::new()
}

/// The options whose fields the seed carries.
fn seed_options() -> Options {
    Options::new().with_sender_data().with_ledger_service()
}

fn with(path: &str, v: Value) -> Vec<u8> {
    set(PUSH_TO_CARD_SEED, path, v)
}

fn with_raw(path: &str, raw: &str) -> Vec<u8> {
    set_raw(PUSH_TO_CARD_SEED, path, raw)
}

#[track_caller]
fn passes(body: &[u8]) {
    assert_passes(PC, seed_options(), body);
}

#[track_caller]
fn fails(body: &[u8], path: &str, kind: &str) -> String {
    assert_only(PC, seed_options(), body, path, kind)
}

/// The seed with `path` set to `v` breaks rule `kind` there, and only there: the message.
#[track_caller]
fn fails_with(path: &str, v: Value, kind: &str) -> String {
    fails(&with(path, v), path, kind)
}

/// The seed with `path` set to the raw JSON `raw` breaks rule `kind` there, and only there.
#[track_caller]
fn fails_raw(path: &str, raw: &str, kind: &str) -> String {
    fails(&with_raw(path, raw), path, kind)
}

/// The seed without `path` lacks a required field there, and only there.
#[track_caller]
fn fails_without(path: &str) -> String {
    fails(&remove(PUSH_TO_CARD_SEED, path), path, "required")
}

#[track_caller]
fn text_bounds(path: &str, min: usize, max: usize) {
    if min == 0 {
        passes(&with(path, json!("")));
    } else {
        passes(&with(path, json!(rep("a", min))));
        let msg = fails_with(path, json!(""), "min_length");
        assert_eq!(msg, format!("{path}: must not be empty"));
    }
    passes(&with(path, json!(rep("a", max))));
    passes(&with(path, json!(rep("é", max))));
    passes(&with_raw(path, &escaped(r"\u00e9", max)));
    let msg = fails_with(path, json!(rep("a", max + 1)), "max_length");
    assert_eq!(
        msg,
        format!(
            "{path}: must be at most {max} characters (it has {})",
            max + 1
        )
    );
    fails_with(path, json!(rep("é", max + 1)), "max_length");
    fails_with(path, json!(5), "type");
}

// --- The seed -------------------------------------------------------------------------

#[test]
fn the_seed_body_passes_with_and_without_the_options_its_fields_satisfy() {
    assert_passes(PC, none(), PUSH_TO_CARD_SEED.as_bytes());
    assert_passes(PC, seed_options(), PUSH_TO_CARD_SEED.as_bytes());
    assert_passes(
        PC,
        Options::new().with_paypal_enabled(),
        PUSH_TO_CARD_SEED.as_bytes(),
    );
    assert_passes(PC, seed_options(), &edit(PUSH_TO_CARD_SEED, |_| {}));
}

#[test]
fn the_seed_lacks_the_retail_fields() {
    let retail = seed_options().with_retail_card_present();
    let v = violations(PC, retail, PUSH_TO_CARD_SEED.as_bytes());
    assert_eq!(
        paths_and_kinds(&v),
        [
            ("store_id", "required"),
            ("terminal_id", "required"),
            ("clerk_id", "required")
        ]
    );
    assert_eq!(
        v[0].message,
        "store_id: is required for retail card-present participants"
    );
    let body = edit(PUSH_TO_CARD_SEED, |v| {
        v["store_id"] = json!("STORE-001");
        v["terminal_id"] = json!("TERM-001");
        v["clerk_id"] = json!("CLERK-001");
    });
    assert_passes(PC, retail, &body);
}

// --- amount ---------------------------------------------------------------------------

#[test]
fn amount_is_judged_on_its_text() {
    for good in [
        "0.01",
        "0.1",
        "1",
        "1010.5",
        "1010.50",
        "10.00",
        "99999999999999999999999.99",
    ] {
        passes(&with_raw("amount", good));
    }
    let cases = [
        (
            "0.009",
            "amount_decimals",
            "amount: 0.009 must have at most two decimal places",
        ),
        (
            "0.010",
            "amount_decimals",
            "amount: 0.010 must have at most two decimal places",
        ),
        (
            "1010.505",
            "amount_decimals",
            "amount: 1010.505 must have at most two decimal places",
        ),
        ("0", "amount_minimum", "amount: 0 must be at least 0.01"),
        (
            "0.00",
            "amount_minimum",
            "amount: 0.00 must be at least 0.01",
        ),
        ("-0", "amount_minimum", "amount: -0 must be at least 0.01"),
        (
            "-10.5",
            "amount_minimum",
            "amount: -10.5 must be at least 0.01",
        ),
        (
            "1e2",
            "amount_exponent",
            "amount: 1e2 must be written without an exponent",
        ),
        (
            "1.01E1",
            "amount_exponent",
            "amount: 1.01E1 must be written without an exponent",
        ),
        (
            "100e-2",
            "amount_exponent",
            "amount: 100e-2 must be written without an exponent",
        ),
        (
            "\"10.00\"",
            "type",
            "amount: \"10.00\" must be a number, not a string",
        ),
        ("null", "type", "amount: null must be a number, not null"),
        (
            "true",
            "type",
            "amount: true must be a number, not a boolean",
        ),
    ];
    for (raw, kind, message) in cases {
        let msg = fails_raw("amount", raw, kind);
        assert_eq!(msg, message);
    }
    let msg = fails_without("amount");
    assert_eq!(msg, "amount: is required");
}

// --- integers --------------------------------------------------------------------------

#[test]
fn participant_id_is_a_positive_integer() {
    for good in ["1", "9223372036854775807"] {
        passes(&with_raw("participant_id", good));
    }
    assert_eq!(
        fails_raw("participant_id", "0", "integer_range"),
        "participant_id: 0 must be a positive integer no larger than 9223372036854775807"
    );
    for bad in [
        "-1",
        "9223372036854775808",
        "123456789012345678901234567890",
    ] {
        fails_raw("participant_id", bad, "integer_range");
    }
    for bad in ["1.0", "12345.5", "1e3", "1E0"] {
        let msg = fails_raw("participant_id", bad, "integer");
        assert_eq!(
            msg,
            format!("participant_id: {bad} must be a whole number, without fraction or exponent")
        );
    }
    let msg = fails_with("participant_id", json!("12345"), "type");
    assert_eq!(
        msg,
        r#"participant_id: "12345" must be an integer, not a string"#
    );
    fails_without("participant_id");
}

#[test]
fn timestamp_is_a_non_negative_integer() {
    passes(&with_raw("timestamp", "0"));
    passes(&with_raw("timestamp", "-0"));
    passes(&with_raw("timestamp", "1576099257"));
    let msg = fails_raw("timestamp", "-1", "integer_range");
    assert_eq!(
        msg,
        "timestamp: -1 must be a non-negative integer no larger than 9223372036854775807"
    );
    fails_raw("timestamp", "1576099257.5", "integer");
    fails_with("timestamp", json!("1576099257"), "type");
    fails_without("timestamp");
}

#[test]
fn version_is_exactly_11() {
    passes(&with_raw("version", "11"));
    let msg = fails_raw("version", "12", "exact_value");
    assert_eq!(msg, "version: 12 must be exactly 11");
    fails_raw("version", "10", "exact_value");
    fails_raw("version", "-11", "exact_value");
    fails_raw("version", "11.0", "integer");
    fails_with("version", json!("11"), "type");
    fails_without("version");
}

#[test]
fn source_of_funds_is_1_2_3_or_4() {
    for good in ["1", "2", "3", "4"] {
        passes(&with_raw("source_of_funds", good));
    }
    let msg = fails_raw("source_of_funds", "5", "one_of");
    assert_eq!(msg, "source_of_funds: 5 must be one of 1, 2, 3 or 4");
    fails_raw("source_of_funds", "0", "one_of");
    fails_raw("source_of_funds", "4.0", "integer");
    fails_with("source_of_funds", json!("4"), "type");
}

// --- strings -------------------------------------------------------------------------------

#[test]
fn account_type_is_exactly_ca() {
    passes(&with("account_type", json!("CA")));
    let msg = fails_with("account_type", json!("ca"), "exact_value");
    assert_eq!(msg, r#"account_type: "ca" must be exactly "CA""#);
    for bad in ["DA", "CA ", "", "CAA"] {
        fails_with("account_type", json!(bad), "exact_value");
    }
    passes(&with_raw("account_type", r#""\u0043A""#));
    fails_without("account_type");
}

#[test]
fn participant_unique_ids_are_bounded_by_255() {
    text_bounds("participant_unique_id1", 1, 255);
    text_bounds("participant_unique_id2", 0, 255);
    fails_without("participant_unique_id1");
    passes(&remove(PUSH_TO_CARD_SEED, "participant_unique_id2"));
}

#[test]
fn customer_account_token_is_1_to_255() {
    text_bounds("customer_account_token", 1, 255);
}

#[test]
fn recipient_phone_is_10_digits() {
    passes(&with("recipient_phone", json!("1231231234")));
    let msg = fails_with("recipient_phone", json!("123123123"), "phone");
    assert_eq!(msg, "recipient_phone: must be exactly 10 digits");
    fails_with("recipient_phone", json!("12312312345"), "phone");
    fails_with("recipient_phone", json!(1231231234), "type");
    passes(&remove(PUSH_TO_CARD_SEED, "recipient_phone"));
}

// --- token versus raw account fields ---------------------------------------------------------

fn raw_values() -> [(&'static str, Value); 8] {
    [
        ("account", json!("4111111111111111")),
        ("expiration_date", json!("2612")),
        ("recipient_first_name", json!("Jack")),
        ("recipient_last_name", json!("Frost")),
        ("recipient_address1", json!("123 Main St")),
        ("recipient_city", json!("Atlanta")),
        ("recipient_state", json!("GA")),
        ("recipient_zip", json!("30313")),
    ]
}

/// The raw account fields, in the order push to card defines them.
fn raw_fields() -> [&'static str; 8] {
    raw_values().map(|(field, _)| field)
}

/// The seed without its token, with the raw fields instead.
fn raw_body(f: impl FnOnce(&mut Value)) -> Vec<u8> {
    edit(PUSH_TO_CARD_SEED, |v| {
        v.as_object_mut().unwrap().remove("customer_account_token");
        for (k, val) in raw_values() {
            v[k] = val;
        }
        f(v);
    })
}

#[test]
fn with_a_token_no_raw_account_field_may_appear() {
    for (field, value) in raw_values() {
        let msg = fails_with(field, value, "forbidden_with_token");
        assert_eq!(
            msg,
            format!("{field}: must be omitted when customer_account_token is given")
        );
    }
    // All of them at once: each is reported.
    let body = edit(PUSH_TO_CARD_SEED, |v| {
        for (k, val) in raw_values() {
            v[k] = val;
        }
    });
    let v = violations(PC, seed_options(), &body);
    let got: Vec<&str> = v.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(got, raw_fields());
    assert!(v.iter().all(|s| s.kind == "forbidden_with_token"));
    // Even with an invalid value, presence is what the token forbids: one violation each.
    fails_with("account", json!(""), "forbidden_with_token");
}

#[test]
fn without_a_token_the_raw_fields_but_expiration_date_are_required() {
    let body = remove(PUSH_TO_CARD_SEED, "customer_account_token");
    let v = violations(PC, seed_options(), &body);
    let want: Vec<(&str, &str)> = raw_fields()
        .into_iter()
        .filter(|f| *f != "expiration_date")
        .map(|f| (f, "required"))
        .collect();
    assert_eq!(paths_and_kinds(&v), want);
    assert_eq!(
        v[0].message,
        "account: is required when customer_account_token is not given"
    );
    // All raw fields given: fine; expiration_date may be left out.
    passes(&raw_body(|_| {}));
    passes(&raw_body(|v| {
        v.as_object_mut().unwrap().remove("expiration_date");
    }));
    // One missing: only that one.
    for field in raw_fields().into_iter().filter(|f| *f != "expiration_date") {
        let body = raw_body(|v| {
            v.as_object_mut().unwrap().remove(field);
        });
        fails(&body, field, "required");
    }
    // A null token is not a token.
    let body = raw_body(|v| v["customer_account_token"] = Value::Null);
    fails(&body, "customer_account_token", "type");
}

#[test]
fn raw_account_fields_have_their_own_rules() {
    for field in [
        "account",
        "recipient_first_name",
        "recipient_last_name",
        "recipient_address1",
        "recipient_city",
    ] {
        passes(&raw_body(|v| v[field] = json!(rep("a", 255))));
        let msg = assert_only(
            PC,
            seed_options(),
            &raw_body(|v| v[field] = json!(rep("a", 256))),
            field,
            "max_length",
        );
        // Card numbers and names are never echoed.
        assert_eq!(
            msg,
            format!("{field}: must be at most 255 characters (it has 256)")
        );
        fails(&raw_body(|v| v[field] = json!("")), field, "min_length");
    }
    fails(
        &raw_body(|v| v["recipient_state"] = json!("Georgia")),
        "recipient_state",
        "state",
    );
    fails(
        &raw_body(|v| v["recipient_zip"] = json!("3031")),
        "recipient_zip",
        "zip",
    );
    passes(&raw_body(|v| v["recipient_zip"] = json!("30313-0001")));
}

#[test]
fn expiration_date_is_yymm() {
    for good in ["2612", "0001", "9912", "2601"] {
        passes(&raw_body(|v| v["expiration_date"] = json!(good)));
    }
    for bad in [
        "2613",
        "2600",
        "261",
        "26123",
        "12/26",
        "26-1",
        "abcd",
        "",
        "２６１２",
    ] {
        let msg = fails(
            &raw_body(|v| v["expiration_date"] = json!(bad)),
            "expiration_date",
            "expiration_date",
        );
        // Card data is never echoed.
        assert_eq!(
            msg,
            "expiration_date: must be the card's expiration date written YYMM (month 01 to 12)"
        );
    }
    fails(
        &raw_body(|v| v["expiration_date"] = json!(2612)),
        "expiration_date",
        "type",
    );
}

// --- store_id, terminal_id, clerk_id -----------------------------------------------------------

#[test]
fn retail_fields_are_at_most_255_and_required_for_card_present() {
    for field in ["store_id", "terminal_id", "clerk_id"] {
        text_bounds(field, 0, 255);
    }
    let retail = seed_options().with_retail_card_present();
    let all = |f: &dyn Fn(&mut Value)| {
        edit(PUSH_TO_CARD_SEED, |v| {
            v["store_id"] = json!("S");
            v["terminal_id"] = json!("T");
            v["clerk_id"] = json!("C");
            f(v);
        })
    };
    assert_passes(PC, retail, &all(&|_| {}));
    // Empty does not meet the requirement.
    let body = all(&|v| v["terminal_id"] = json!(""));
    assert_only(PC, retail, &body, "terminal_id", "required");
    assert_passes(PC, seed_options(), &body);
    let body = all(&|v| v["clerk_id"] = json!(rep("c", 256)));
    assert_only(PC, retail, &body, "clerk_id", "max_length");
}

// --- sender --------------------------------------------------------------------------------

/// The seed without `part` passes under `others` (the seed's options but the one that needs
/// `part`), and fails under the seed's options with `part` required, saying `message`.
#[track_caller]
fn required_by_its_option(part: &str, others: Options, message: &str) {
    let body = remove(PUSH_TO_CARD_SEED, part);
    assert_passes(PC, others, &body);
    let msg = assert_only(PC, seed_options(), &body, part, "required");
    assert_eq!(msg, message);
}

#[test]
fn sender_is_required_when_the_participant_uses_sender_data() {
    required_by_its_option(
        "sender",
        Options::new().with_ledger_service(),
        "sender: is required for participants that use sender data",
    );
    fails_with("sender", json!([]), "type");
    fails_with("sender", Value::Null, "type");
}

#[test]
fn sender_fields_follow_their_bounds() {
    text_bounds("sender.sender_account", 1, 100);
    text_bounds("sender.name_personal.first_name", 1, 150);
    text_bounds("sender.name_personal.last_name", 1, 150);
    text_bounds("sender.contact_address.address1", 1, 150);
    text_bounds("sender.contact_address.address2", 0, 150);
    text_bounds("sender.contact_address.city", 1, 150);
}

#[test]
fn sender_parts_and_their_one_to_n_fields_are_required_inside_sender() {
    for path in [
        "sender.sender_account",
        "sender.name_personal",
        "sender.name_personal.first_name",
        "sender.name_personal.last_name",
        "sender.contact_address",
        "sender.contact_address.address1",
        "sender.contact_address.city",
        "sender.contact_telcom",
        "sender.contact_telcom.email",
    ] {
        assert_eq!(fails_without(path), format!("{path}: is required"));
    }
    for path in [
        "sender.contact_address.address2",
        "sender.contact_address.state",
        "sender.contact_address.zip",
        "sender.contact_telcom.phone_home",
        "sender.contact_telcom.phone_mobile",
    ] {
        passes(&remove(PUSH_TO_CARD_SEED, path));
    }
}

#[test]
fn sender_address_state_zip_email_and_phones_have_their_formats() {
    let msg = fails_with("sender.contact_address.state", json!("ga"), "state");
    assert_eq!(
        msg,
        r#"sender.contact_address.state: "ga" must be a two-letter upper-case US state, territory or military code such as GA"#
    );
    passes(&with("sender.contact_address.state", json!("PR")));
    passes(&with("sender.contact_address.zip", json!("30313-1234")));
    let msg = fails_with("sender.contact_address.zip", json!("3031"), "zip");
    assert_eq!(
        msg,
        r#"sender.contact_address.zip: "3031" must be 5 digits or 5+4 digits"#
    );
    let email = "sender.contact_telcom.email";
    let at_150 = format!("{}@example.com", rep("j", 150 - 12));
    passes(&with(email, json!(at_150)));
    fails_with(email, json!(format!("j{at_150}")), "max_length");
    fails_with(email, json!(""), "min_length");
    fails_with(email, json!("jane.doe.example.com"), "email");
    for phone in [
        "sender.contact_telcom.phone_home",
        "sender.contact_telcom.phone_mobile",
    ] {
        passes(&with(phone, json!("5555550101")));
        fails_with(phone, json!("555555010"), "phone");
    }
}

#[test]
fn unknown_fields_inside_sender_are_reported_with_their_path() {
    let body = with("sender.contact_address.country", json!("US"));
    let msg = fails(&body, "sender.contact_address.country", "unknown_field");
    assert_eq!(
        msg,
        "sender.contact_address.country: is not a field of this request; remove it"
    );
    // Only inside known objects: the content of an unknown object is not listed key by key.
    let body = with("metadata", json!({"a": 1, "b": {"c": 2}}));
    fails(&body, "metadata", "unknown_field");
}

// --- ledger --------------------------------------------------------------------------------

#[test]
fn ledger_is_required_for_the_ledger_service() {
    required_by_its_option(
        "ledger",
        Options::new().with_sender_data(),
        "ledger: is required for participants using the ledger service",
    );
}

#[test]
fn ledger_fields_follow_their_rules() {
    text_bounds("ledger.api_key", 1, 100);
    text_bounds("ledger.user_id", 1, 100);
    text_bounds("ledger.entity_id", 0, 100);
    for good in ["program", "business", "user"] {
        passes(&with("ledger.entity_type", json!(good)));
    }
    let msg = fails_with("ledger.entity_type", json!("Program"), "one_of");
    assert_eq!(
        msg,
        r#"ledger.entity_type: "Program" must be one of program, business or user"#
    );
    fails_with("ledger.entity_type", json!(""), "one_of");
    for path in ["ledger.api_key", "ledger.user_id", "ledger.entity_type"] {
        fails_without(path);
    }
    passes(&remove(PUSH_TO_CARD_SEED, "ledger.entity_id"));
}

// --- everything at once ------------------------------------------------------------------------

#[test]
fn every_violation_is_reported_with_its_path() {
    let body = edit(PUSH_TO_CARD_SEED, |v| {
        v["participant_id"] = json!(0);
        v["account_type"] = json!("ca");
        v["version"] = json!(12);
        v["sender"]["contact_address"]["state"] = json!("XX");
        v["sender"]["name_personal"]["first_name"] = json!(rep("n", 151));
        v["ledger"]["entity_type"] = json!("person");
        v["account"] = json!("4111111111111111");
    });
    let v = violations(PC, seed_options(), &body);
    let mut got = paths_and_kinds(&v);
    got.sort();
    assert_eq!(
        got,
        [
            ("account", "forbidden_with_token"),
            ("account_type", "exact_value"),
            ("ledger.entity_type", "one_of"),
            ("participant_id", "integer_range"),
            ("sender.contact_address.state", "state"),
            ("sender.name_personal.first_name", "max_length"),
            ("version", "exact_value"),
        ]
    );
}
