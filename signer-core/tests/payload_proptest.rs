//! Properties: bodies generated inside the rules pass; a body with one field pushed past its
//! rule fails naming exactly that field; nothing panics on arbitrary bytes; and the strict
//! scanner agrees with serde_json on what is JSON.
//!
//! Generated bodies are written by a JSON writer of this file that escapes characters at
//! random (`\u00e9`, surrogate pairs, `\/`), shuffles keys and sprinkles whitespace, so the
//! rules are exercised on the raw bytes a client might send, not on one canonical form.

mod support;

use ingo_signer_core::payload::{
    Endpoint, Options, PayloadError, parse_push_to_card_response, parse_session_create_response,
    validate,
};
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value, json};
use support::*;

// --- A JSON writer that varies the bytes, not the meaning --------------------------------

/// xorshift64*, seeded by proptest, so a failing case shrinks and replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn chance(&mut self, one_in: u64) -> bool {
        self.next().is_multiple_of(one_in)
    }
}

fn ws(out: &mut String, rng: &mut Rng) {
    if rng.chance(4) {
        out.push_str([" ", "\n", "\t", "\r\n  "][(rng.next() % 4) as usize]);
    }
}

fn write_str(s: &str, out: &mut String, rng: &mut Rng) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str(if rng.chance(2) { r#"\""# } else { r"\u0022" }),
            '\\' => out.push_str(if rng.chance(2) { r"\\" } else { r"\u005C" }),
            '/' if rng.chance(2) => out.push_str(r"\/"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if rng.chance(3) => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    // Upper- or lower-case hex, both valid.
                    if rng.chance(2) {
                        out.push_str(&format!("\\u{:04x}", u));
                    } else {
                        out.push_str(&format!("\\u{:04X}", u));
                    }
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write_value(v: &Value, out: &mut String, rng: &mut Rng) {
    match v {
        Value::Object(m) => {
            out.push('{');
            let mut keys: Vec<&String> = m.keys().collect();
            for i in (1..keys.len()).rev() {
                keys.swap(i, (rng.next() % (i as u64 + 1)) as usize);
            }
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                ws(out, rng);
                write_str(k, out, rng);
                ws(out, rng);
                out.push(':');
                ws(out, rng);
                write_value(&m[*k], out, rng);
                ws(out, rng);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(x, out, rng);
            }
            out.push(']');
        }
        Value::String(s) => {
            // A marker for number literals that serde_json would rewrite (`1010.50`).
            if let Some(lit) = s.strip_prefix("\u{0}lit:") {
                out.push_str(lit);
            } else {
                write_str(s, out, rng);
            }
        }
        other => out.push_str(&other.to_string()),
    }
}

fn write(v: &Value, seed: u64) -> Vec<u8> {
    let mut rng = Rng(seed | 1);
    let mut out = String::new();
    ws(&mut out, &mut rng);
    write_value(v, &mut out, &mut rng);
    ws(&mut out, &mut rng);
    out.into_bytes()
}

/// A number literal, written as is.
fn lit(text: &str) -> Value {
    Value::String(format!("\u{0}lit:{text}"))
}

// --- Values inside the rules -------------------------------------------------------------

/// Characters of one to four UTF-8 bytes, JSON's specials, and no control characters.
fn text_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => proptest::char::range('a', 'z'),
        1 => proptest::char::range('A', 'Z'),
        1 => select(vec![' ', '-', '.', '\'', '"', '\\', '/', '#', '&']),
        1 => select(vec!['é', 'ß', 'ñ', 'Ж', '€', '中', '😀', '𝄞']),
    ]
}

/// Text of `min..=max` characters that starts with a letter (so it is never blank).
fn text(min: usize, max: usize) -> impl Strategy<Value = String> {
    let min = min.max(1);
    (
        proptest::char::range('a', 'z'),
        proptest::collection::vec(text_char(), (min - 1)..=(max - 1)),
    )
        .prop_map(|(first, rest)| std::iter::once(first).chain(rest).collect())
}

fn digits(n: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::char::range('0', '9'), n).prop_map(String::from_iter)
}

const STATES: &str = "AL AK AS AZ AR AA AE AP CA CO CT DE DC FM FL GA GU HI ID IL IN IA KS KY LA ME \
    MH MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND MP OH OK OR PW PA PR RI SC SD TN TX UT VT VI \
    VA WA WV WI WY";

const LOCALES: &str = "ar-SA cs-CZ da-DK de-DE en-GB en-US es-ES es-US fa-IR fi-FI fr-FR \
    hmn-Latn it-IT ja-JP km-KH ko-KR nb-NO nl-NL pl-PL pt-BR ru-RU sv-SE tl-PH tr-TR vi-VN zh-CN \
    zh-Hans zh-TW";

fn state() -> impl Strategy<Value = String> {
    select(
        STATES
            .split_whitespace()
            .map(String::from)
            .collect::<Vec<_>>(),
    )
}

fn locale() -> impl Strategy<Value = String> {
    select(
        LOCALES
            .split_whitespace()
            .map(String::from)
            .collect::<Vec<_>>(),
    )
}

fn zip() -> impl Strategy<Value = String> {
    (digits(5), proptest::option::of(digits(4))).prop_map(|(a, b)| match b {
        Some(b) => format!("{a}-{b}"),
        None => a,
    })
}

fn email() -> impl Strategy<Value = String> {
    let part = proptest::collection::vec(
        prop_oneof![
            8 => proptest::char::range('a', 'z'),
            2 => select(vec!['.', '+', '-', '_', '0', '9', 'é', '"', '\\', '/']),
        ],
        1..=60,
    )
    .prop_map(String::from_iter);
    (part.clone(), part).prop_map(|(l, d)| format!("{l}@{d}"))
}

fn host_uri() -> impl Strategy<Value = String> {
    (
        select(vec!["https://", "http://", "HTTPS://"]),
        "[a-z0-9][a-z0-9.-]{0,49}",
        proptest::option::of(1u32..=65535),
        "(/[a-zA-Z0-9_~-]{0,20}(%20|%2F)?){0,3}",
    )
        .prop_map(|(s, h, p, path)| match p {
            Some(p) => format!("{s}{h}:{p}{path}"),
            None => format!("{s}{h}{path}"),
        })
}

fn amount() -> impl Strategy<Value = String> {
    (
        0u64..10_000_000,
        proptest::option::of(0u64..100),
        any::<bool>(),
    )
        .prop_filter("at least 0.01", |(w, f, _)| {
            *w > 0 || f.is_some_and(|f| f > 0)
        })
        .prop_map(|(w, f, one_place)| match f {
            None => w.to_string(),
            Some(f) if one_place => format!("{w}.{}", f / 10),
            Some(f) => format!("{w}.{f:02}"),
        })
        .prop_filter("at least 0.01", |a| {
            a.bytes().any(|b| (b'1'..=b'9').contains(&b))
        })
}

/// A full Session Create body: every field present, inside its rules.
fn session_create() -> impl Strategy<Value = Value> {
    (
        (text(1, 100), text(0, 100), host_uri(), locale()),
        (
            text(1, 150),
            text(1, 150),
            text(1, 150),
            text(1, 150),
            text(1, 150),
            text(1, 150),
        ),
        (state(), zip(), email(), digits(10), digits(10), text(1, 40)),
    )
        .prop_map(
            |((id1, id2, uri, loc), (first, last, biz, a1, a2, city), (st, z, em, ph, mo, mob))| {
                json!({
                    "participant_unique_id1": id1,
                    "participant_unique_id2": id2,
                    "host_uri": uri,
                    "language_locale_code": loc,
                    "recipient_information": {
                        "first_name": first, "last_name": last, "business_name": biz,
                        "address_line1": a1, "address_line2": a2, "city": city,
                        "state": st, "zip_code": z, "email_address": em,
                        "phone_number": ph, "mobile_number": mo,
                        "open_banking": {"mobus_customer_id": mob}
                    }
                })
            },
        )
}

/// A full push-to-card body with a token, every optional field present, inside its rules.
fn push_to_card() -> impl Strategy<Value = Value> {
    (
        (
            1u64..=i64::MAX as u64,
            amount(),
            1u8..=4,
            0u64..=i64::MAX as u64,
        ),
        (text(1, 255), text(0, 255), text(1, 255), digits(10)),
        (text(0, 255), text(0, 255), text(0, 255)),
        (
            text(1, 100),
            text(1, 150),
            text(1, 150),
            text(1, 150),
            text(0, 150),
            text(1, 150),
        ),
        (state(), zip(), email(), digits(10), digits(10)),
        (
            text(1, 100),
            text(1, 100),
            select(vec!["program", "business", "user"]),
            text(0, 100),
        ),
    )
        .prop_map(
            |(
                (pid, amt, sof, ts),
                (id1, id2, token, phone),
                (store, terminal, clerk),
                (acct, first, last, a1, a2, city),
                (st, z, em, home, mobile),
                (key, user, etype, eid),
            )| {
                json!({
                    "participant_id": pid, "account_type": "CA", "amount": lit(&amt),
                    "customer_account_token": token, "source_of_funds": sof,
                    "participant_unique_id1": id1, "participant_unique_id2": id2,
                    "timestamp": ts, "version": 11, "recipient_phone": phone,
                    "store_id": store, "terminal_id": terminal, "clerk_id": clerk,
                    "sender": {
                        "sender_account": acct,
                        "name_personal": {"first_name": first, "last_name": last},
                        "contact_address": {"address1": a1, "address2": a2, "city": city,
                                            "state": st, "zip": z},
                        "contact_telcom": {"email": em, "phone_home": home, "phone_mobile": mobile}
                    },
                    "ledger": {"api_key": key, "user_id": user, "entity_type": etype,
                               "entity_id": eid}
                })
            },
        )
}

/// The raw account fields that replace the token.
fn raw_account() -> impl Strategy<Value = Map<String, Value>> {
    (
        text(1, 255),
        proptest::option::of((0u8..100, 1u8..=12)),
        (text(1, 255), text(1, 255), text(1, 255), text(1, 255)),
        (state(), zip()),
    )
        .prop_map(|(account, exp, (first, last, a1, city), (st, z))| {
            let mut m = Map::new();
            m.insert("account".into(), json!(account));
            if let Some((yy, mm)) = exp {
                m.insert("expiration_date".into(), json!(format!("{yy:02}{mm:02}")));
            }
            for (k, v) in [
                ("recipient_first_name", first),
                ("recipient_last_name", last),
                ("recipient_address1", a1),
                ("recipient_city", city),
                ("recipient_state", st),
                ("recipient_zip", z),
            ] {
                m.insert(k.into(), json!(v));
            }
            m
        })
}

fn outcome_of(endpoint: Endpoint, options: Options, body: &[u8]) -> Result<(), String> {
    match validate(endpoint, options, body) {
        Ok(()) => Ok(()),
        Err(e) => Err(format!("{e}\nbody: {}", String::from_utf8_lossy(body))),
    }
}

// --- Values pushed past their rules ------------------------------------------------------------

/// Dotted path, and the value that breaks its rule.
type Push = (&'static str, Value);

fn set_path(v: &mut Value, path: &str, value: Value) {
    let mut cur = v;
    let parts: Vec<&str> = path.split('.').collect();
    for p in &parts[..parts.len() - 1] {
        cur = &mut cur[*p];
    }
    cur[parts[parts.len() - 1]] = value;
}

fn too_long(max: usize) -> impl Strategy<Value = Value> {
    text(max + 1, max + 40).prop_map(Value::String)
}

fn session_create_push() -> impl Strategy<Value = Push> {
    prop_oneof![
        too_long(100).prop_map(|v| ("participant_unique_id1", v)),
        Just(("participant_unique_id1", json!(""))),
        too_long(100).prop_map(|v| ("participant_unique_id2", v)),
        "[a-z]{193,250}".prop_map(|s| ("host_uri", json!(format!("https://{s}")))),
        "(ftp|ws|file)://[a-z]{1,20}".prop_map(|s| ("host_uri", json!(s))),
        locale().prop_map(|l| ("language_locale_code", json!(l.to_lowercase()))),
        too_long(150).prop_map(|v| ("recipient_information.first_name", v)),
        too_long(150).prop_map(|v| ("recipient_information.last_name", v)),
        too_long(150).prop_map(|v| ("recipient_information.business_name", v)),
        too_long(150).prop_map(|v| ("recipient_information.address_line1", v)),
        too_long(150).prop_map(|v| ("recipient_information.address_line2", v)),
        too_long(150).prop_map(|v| ("recipient_information.city", v)),
        "[A-Z]{3}|[a-z]{2}|[A-Z]".prop_map(|s| ("recipient_information.state", json!(s))),
        "[0-9]{1,4}|[0-9]{6,9}|[0-9]{5}-[0-9]{1,3}"
            .prop_map(|s| ("recipient_information.zip_code", json!(s))),
        "[a-z]{1,30}".prop_map(|s| ("recipient_information.email_address", json!(s))),
        "[a-z]{140,160}@[a-z]{10}".prop_map(|s| ("recipient_information.email_address", json!(s))),
        "[0-9]{1,9}|[0-9]{11,15}".prop_map(|s| ("recipient_information.phone_number", json!(s))),
        "[0-9]{1,9}|[0-9]{11,15}".prop_map(|s| ("recipient_information.mobile_number", json!(s))),
        any::<u32>().prop_map(|n| (
            "recipient_information.open_banking.mobus_customer_id",
            json!(n)
        )),
    ]
}

fn push_to_card_push() -> impl Strategy<Value = Push> {
    prop_oneof![
        prop_oneof![
            Just("0".to_string()),
            "-[1-9][0-9]{0,5}",
            "[1-9][0-9]{0,5}\\.[0-9]{1,3}"
        ]
        .prop_map(|s| ("participant_id", lit(&s))),
        "[A-Z]{1,3}"
            .prop_filter("not CA", |s| s != "CA")
            .prop_map(|s| ("account_type", json!(s))),
        "(0|[1-9][0-9]{0,5})\\.[0-9]{3,6}".prop_map(|s| ("amount", lit(&s))),
        "[1-9][0-9]{0,3}(\\.[0-9]{1,2})?[eE][+-]?[0-9]{1,2}".prop_map(|s| ("amount", lit(&s))),
        "0(\\.0{1,2})?|-0|-[1-9][0-9]{0,3}(\\.[0-9]{1,2})?".prop_map(|s| ("amount", lit(&s))),
        (5u64..1000).prop_map(|n| ("source_of_funds", json!(n))),
        too_long(255).prop_map(|v| ("participant_unique_id1", v)),
        too_long(255).prop_map(|v| ("participant_unique_id2", v)),
        too_long(255).prop_map(|v| ("customer_account_token", v)),
        "-[1-9][0-9]{0,9}".prop_map(|s| ("timestamp", lit(&s))),
        (0u64..1000)
            .prop_filter("not 11", |n| *n != 11)
            .prop_map(|n| ("version", json!(n))),
        "[0-9]{1,9}|[0-9]{11,15}".prop_map(|s| ("recipient_phone", json!(s))),
        too_long(255).prop_map(|v| ("store_id", v)),
        too_long(255).prop_map(|v| ("terminal_id", v)),
        too_long(255).prop_map(|v| ("clerk_id", v)),
        too_long(100).prop_map(|v| ("sender.sender_account", v)),
        too_long(150).prop_map(|v| ("sender.name_personal.first_name", v)),
        too_long(150).prop_map(|v| ("sender.name_personal.last_name", v)),
        too_long(150).prop_map(|v| ("sender.contact_address.address1", v)),
        too_long(150).prop_map(|v| ("sender.contact_address.address2", v)),
        too_long(150).prop_map(|v| ("sender.contact_address.city", v)),
        "[A-Z]{3}|[a-z]{2}".prop_map(|s| ("sender.contact_address.state", json!(s))),
        "[0-9]{1,4}|[0-9]{6,9}".prop_map(|s| ("sender.contact_address.zip", json!(s))),
        "[a-z]{1,30}|@[a-z]{1,9}|[a-z]{1,9}@"
            .prop_map(|s| ("sender.contact_telcom.email", json!(s))),
        "[0-9]{1,9}".prop_map(|s| ("sender.contact_telcom.phone_home", json!(s))),
        "[0-9]{11,15}".prop_map(|s| ("sender.contact_telcom.phone_mobile", json!(s))),
        too_long(100).prop_map(|v| ("ledger.api_key", v)),
        too_long(100).prop_map(|v| ("ledger.user_id", v)),
        "[a-z]{1,12}"
            .prop_filter("not listed", |s| !["program", "business", "user"]
                .contains(&s.as_str()))
            .prop_map(|s| ("ledger.entity_type", json!(s))),
        too_long(100).prop_map(|v| ("ledger.entity_id", v)),
        // Token versus raw: a raw account field next to the token.
        select(vec![
            "account",
            "recipient_first_name",
            "recipient_city",
            "recipient_zip"
        ])
        .prop_map(|k| (k, json!("12345"))),
    ]
}

/// A raw-account field pushed past its rule (the body has no token).
fn raw_push() -> impl Strategy<Value = Push> {
    prop_oneof![
        too_long(255).prop_map(|v| ("account", v)),
        too_long(255).prop_map(|v| ("recipient_first_name", v)),
        too_long(255).prop_map(|v| ("recipient_last_name", v)),
        too_long(255).prop_map(|v| ("recipient_address1", v)),
        too_long(255).prop_map(|v| ("recipient_city", v)),
        "[0-9]{2}(1[3-9]|00)|[0-9]{1,3}|[0-9]{5,6}".prop_map(|s| ("expiration_date", json!(s))),
        "[a-z]{2}".prop_map(|s| ("recipient_state", json!(s))),
        "[0-9]{1,4}".prop_map(|s| ("recipient_zip", json!(s))),
    ]
}

#[track_caller]
fn assert_only_path(endpoint: Endpoint, options: Options, body: &[u8], path: &str) {
    let v = violations(endpoint, options, body);
    assert!(
        v.len() == 1 && v[0].path == path,
        "expected one violation at {path}, got {v:#?}\nbody: {}",
        String::from_utf8_lossy(body)
    );
}

/// `v` with the field at dotted `path` set to `bad`, written with `seed`, fails naming that
/// field only.
#[track_caller]
fn past_its_rule(endpoint: Endpoint, mut v: Value, path: &str, bad: Value, seed: u64) {
    set_path(&mut v, path, bad);
    assert_only_path(endpoint, all_options(), &write(&v, seed), path);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn session_create_bodies_inside_the_rules_pass(v in session_create(), seed in any::<u64>()) {
        let body = write(&v, seed);
        prop_assert_eq!(outcome_of(Endpoint::SessionCreate, all_options(), &body), Ok(()));
    }

    #[test]
    fn push_to_card_bodies_inside_the_rules_pass(
        v in push_to_card(),
        raw in proptest::option::of(raw_account()),
        seed in any::<u64>(),
    ) {
        let mut v = v;
        if let Some(raw) = raw {
            let obj = v.as_object_mut().unwrap();
            obj.remove("customer_account_token");
            obj.extend(raw);
        }
        let body = write(&v, seed);
        prop_assert_eq!(outcome_of(Endpoint::PushToCard, all_options(), &body), Ok(()));
    }

    #[test]
    fn a_session_create_field_past_its_rule_fails_naming_it(
        v in session_create(),
        (path, bad) in session_create_push(),
        seed in any::<u64>(),
    ) {
        past_its_rule(Endpoint::SessionCreate, v, path, bad, seed);
    }

    #[test]
    fn a_push_to_card_field_past_its_rule_fails_naming_it(
        v in push_to_card(),
        (path, bad) in push_to_card_push(),
        seed in any::<u64>(),
    ) {
        past_its_rule(Endpoint::PushToCard, v, path, bad, seed);
    }

    #[test]
    fn a_raw_account_field_past_its_rule_fails_naming_it(
        v in push_to_card(),
        raw in raw_account(),
        (path, bad) in raw_push(),
        seed in any::<u64>(),
    ) {
        let mut v = v;
        let obj = v.as_object_mut().unwrap();
        obj.remove("customer_account_token");
        obj.extend(raw);
        obj.insert(path.to_string(), bad);
        assert_only_path(Endpoint::PushToCard, all_options(), &write(&v, seed), path);
    }

    #[test]
    fn nothing_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        for e in [Endpoint::SessionCreate, Endpoint::PushToCard] {
            scanner_is_not_looser(&validate(e, Options::new(), &bytes))?;
            scanner_is_not_looser(&validate(e, all_options(), &bytes))?;
        }
        let _ = parse_session_create_response(&bytes);
        let _ = parse_push_to_card_response(&bytes);
    }

    /// Near-JSON: strings over JSON's own alphabet, which reach far deeper into the scanner
    /// and the walker than random bytes. Whatever the scanner accepts, serde_json accepts as
    /// an object, and the other way round (within the depth bound): the gate is neither
    /// looser nor stricter than JSON.
    #[test]
    fn the_strict_scanner_agrees_with_serde_json(
        text in r#"[{}\[\]":,0-9.eE+\- tfnrulasx\\/é\u{1}]{0,80}"#,
        prefix in select(vec!["", "{", r#"{"participant_unique_id1":"#, r#"{"amount":"#]),
    ) {
        let body = format!("{prefix}{text}");
        agrees_with_serde_json(Endpoint::PushToCard, all_options(), body.as_bytes())?;
        let _ = parse_push_to_card_response(body.as_bytes());
    }

    /// The same agreement on well-formed objects and arrays whose leaves are valid or nearly
    /// valid scalars (`01`, `1.`, `tru`, a lone surrogate...), so that each leaf's grammar
    /// decides the verdict.
    #[test]
    fn the_strict_scanner_agrees_with_serde_json_on_every_leaf(body in near_json_object()) {
        agrees_with_serde_json(Endpoint::SessionCreate, Options::new(), body.as_bytes())?;
    }

    /// Valid JSON objects of any shape, one byte changed: the same agreement.
    #[test]
    fn one_byte_off_valid_json_is_judged_like_serde_json(
        v in json_object(),
        seed in any::<u64>(),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let mut body = write(&v, seed);
        let i = at.index(body.len());
        body[i] = byte;
        agrees_with_serde_json(Endpoint::SessionCreate, Options::new(), &body)?;
        let _ = parse_session_create_response(&body);
    }
}

/// A scalar, or something that is almost one.
fn near_scalar() -> impl Strategy<Value = String> {
    let valid = vec![
        r#""k""#,
        r#""""#,
        r#""\u00e9""#,
        r#""\ud83d\ude00""#,
        r#""\/""#,
        "0",
        "-0",
        "7",
        "1e5",
        "1E+2",
        "1.5e-3",
        "0.0",
        "true",
        "false",
        "null",
    ];
    let near = vec![
        r#""\ud800""#,
        r#""\udc00x""#,
        r#""\x""#,
        "\"\u{1}\"",
        "01",
        "-01",
        "1.",
        ".5",
        "+1",
        "-",
        "2e-",
        "00",
        "1.2.3",
        "tru",
        "nul",
        "truex",
        "NaN",
        "'k'",
    ];
    prop_oneof![6 => select(valid), 1 => select(near)].prop_map(String::from)
}

/// Well-formed objects and arrays (at most 4 deep) with [`near_scalar`] leaves.
fn near_json_object() -> impl Strategy<Value = String> {
    // Now and then a stray comma at the end of a container.
    let stray = || prop_oneof![9 => Just(""), 1 => Just(",")];
    let value = near_scalar().prop_recursive(3, 24, 4, move |inner| {
        prop_oneof![
            (proptest::collection::vec(inner.clone(), 0..4), stray())
                .prop_map(|(items, end)| format!("[{}{end}]", items.join(","))),
            (
                proptest::collection::vec(("[a-z]{1,3}", inner), 0..4),
                stray()
            )
                .prop_map(|(members, end)| {
                    let members: Vec<String> = members
                        .iter()
                        .map(|(k, v)| format!(r#""{k}":{v}"#))
                        .collect();
                    format!("{{{}{end}}}", members.join(","))
                }),
        ]
    });
    proptest::collection::vec(("[a-z]{1,3}", value), 0..5).prop_map(|members| {
        let members: Vec<String> = members
            .iter()
            .map(|(k, v)| format!(r#""{k}": {v}"#))
            .collect();
        format!("{{{}}}", members.join(", "))
    })
}

/// The scanner is not looser than serde-json-core, and where the verdicts are comparable, it
/// finds JSON exactly where serde_json finds an object: the gate is neither looser nor
/// stricter than JSON.
fn agrees_with_serde_json(
    endpoint: Endpoint,
    options: Options,
    body: &[u8],
) -> Result<(), TestCaseError> {
    let ours = validate(endpoint, options, body);
    let theirs = serde_json::from_slice::<Value>(body);
    scanner_is_not_looser(&ours)?;
    prop_assume!(comparable(&ours, &theirs));
    let is_json_error = matches!(ours, Err(PayloadError::Json(_)));
    let theirs_object = matches!(theirs, Ok(Value::Object(_)));
    prop_assert_eq!(
        !is_json_error,
        theirs_object,
        "{:?}: {:?} vs {:?}",
        String::from_utf8_lossy(body),
        ours,
        theirs
    );
    Ok(())
}

/// `JsonError::Parser` means serde-json-core rejected what the strict scanner let through:
/// the scanner must never be the looser of the two.
fn scanner_is_not_looser(ours: &Result<(), PayloadError<'_>>) -> Result<(), TestCaseError> {
    prop_assert!(
        !matches!(
            ours,
            Err(PayloadError::Json(
                ingo_signer_core::payload::JsonError::Parser
            ))
        ),
        "serde-json-core rejected a body the scanner accepted"
    );
    Ok(())
}

/// Whether the two parsers' verdicts can be compared: not when ours stopped at the depth
/// bound (serde_json allows 128 levels), nor when serde_json refused a valid number that
/// does not fit an f64 (`1e999`), a limit of its own.
fn comparable(ours: &Result<(), PayloadError<'_>>, theirs: &serde_json::Result<Value>) -> bool {
    let too_deep = matches!(
        ours,
        Err(PayloadError::Json(
            ingo_signer_core::payload::JsonError::TooDeep { .. }
        ))
    );
    let out_of_range = matches!(theirs, Err(e) if e.to_string().contains("out of range"));
    !too_deep && !out_of_range
}

/// Objects of any JSON values, nested at most 6 deep (within the scanner's bound).
fn json_object() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-1e6f64..1e6).prop_map(|f| json!(f)),
        proptest::collection::vec(text_char(), 0..8)
            .prop_map(|c| Value::String(c.into_iter().collect())),
    ];
    let value = leaf.prop_recursive(5, 40, 5, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z_]{1,8}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    proptest::collection::btree_map("[a-z_]{1,8}", value, 0..6)
        .prop_map(|m| Value::Object(m.into_iter().collect()))
}
