//! The report's contract: stable identifiers, which values are echoed, and what a person reads.

mod support;

use ingo_signer_core::payload::{
    EmailProblem, Endpoint, JsonType, Options, PayloadError, Requirement, Rule, UriProblem,
    validate,
};
use serde_json::json;
use support::*;

fn is_snake_case(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
        && !s.starts_with('_')
        && !s.ends_with('_')
}

#[test]
fn rule_kinds_are_distinct_snake_case_identifiers() {
    let rules = [
        Rule::UnknownField,
        Rule::DuplicateField,
        Rule::Required(Requirement::Always),
        Rule::ForbiddenWithToken,
        Rule::Type {
            expected: JsonType::String,
            found: JsonType::Null,
        },
        Rule::MinLength { min: 1, actual: 0 },
        Rule::MaxLength {
            max: 150,
            actual: 151,
        },
        Rule::ControlCharacter,
        Rule::State,
        Rule::Zip,
        Rule::Phone,
        Rule::Email(EmailProblem::AtSign),
        Rule::Locale,
        Rule::Uri(UriProblem::Scheme),
        Rule::ExactValue("11"),
        Rule::OneOf("1, 2, 3 or 4"),
        Rule::Integer,
        Rule::IntegerRange { min: 1, max: 2 },
        Rule::AmountExponent,
        Rule::AmountDecimals,
        Rule::AmountMinimum,
        Rule::ExpirationDate,
    ];
    let mut kinds: Vec<&str> = rules.iter().map(|r| r.kind()).collect();
    assert!(kinds.iter().all(|k| is_snake_case(k)), "{kinds:?}");
    kinds.sort();
    kinds.dedup();
    assert_eq!(kinds.len(), rules.len());
    // The two the issue names.
    assert_eq!(Rule::Zip.kind(), "zip");
    assert_eq!(Rule::MaxLength { max: 1, actual: 2 }.kind(), "max_length");

    let mut sub: Vec<&str> = [
        EmailProblem::AtSign.kind(),
        EmailProblem::EmptyLocalPart.kind(),
        EmailProblem::EmptyDomain.kind(),
        EmailProblem::Whitespace.kind(),
    ]
    .into_iter()
    .chain(
        [
            UriProblem::Scheme,
            UriProblem::MissingHost,
            UriProblem::UserInfo,
            UriProblem::Port,
            UriProblem::Character,
        ]
        .map(|p| p.kind()),
    )
    .chain(
        [
            Requirement::Always,
            Requirement::PayPalEnabled,
            Requirement::SenderData,
            Requirement::LedgerService,
            Requirement::RetailCardPresent,
            Requirement::NoAccountToken,
            Requirement::NoFullName,
        ]
        .map(|r| r.kind()),
    )
    .collect();
    assert!(sub.iter().all(|k| is_snake_case(k)), "{sub:?}");
    let n = sub.len();
    sub.sort();
    sub.dedup();
    assert_eq!(sub.len(), n);
}

#[test]
fn personal_and_card_data_are_never_echoed() {
    let body = edit(PUSH_TO_CARD_SEED, |v| {
        let obj = v.as_object_mut().unwrap();
        obj.remove("customer_account_token");
        obj.insert("account".into(), json!("4111 1111 1111 1111 XXXX"));
        obj.insert("expiration_date".into(), json!("1399"));
        obj.insert("recipient_first_name".into(), json!(""));
        obj.insert("recipient_last_name".into(), json!("Frost"));
        obj.insert("recipient_address1".into(), json!("1 Main St"));
        obj.insert("recipient_city".into(), json!("Atlanta"));
        obj.insert("recipient_state".into(), json!("Georgia"));
        obj.insert("recipient_zip".into(), json!("3031"));
        obj.insert("recipient_phone".into(), json!("404555"));
        v["sender"]["contact_telcom"]["email"] = json!("jane.doe.example.com");
    });
    let Err(PayloadError::Invalid(report)) = validate(Endpoint::PushToCard, Options::new(), &body)
    else {
        panic!("invalid body");
    };
    let shown = report.to_string();
    for secret in ["4111", "1399", "404555", "jane.doe"] {
        assert!(!shown.contains(secret), "{secret} leaked: {shown}");
    }
    let find = |p: &str| report.find(p).unwrap_or_else(|| panic!("{p} in {shown}"));
    assert_eq!(find("expiration_date").value(), None);
    assert_eq!(find("recipient_phone").value(), None);
    assert_eq!(find("sender.contact_telcom.email").value(), None);
    // Codes are echoed, so the person sees what was sent.
    assert_eq!(find("recipient_state").value(), Some("Georgia"));
    assert_eq!(find("recipient_zip").value(), Some("3031"));
    // In the order push to card defines its fields (recipient_phone before the raw fields).
    assert_eq!(
        shown,
        "recipient_phone: must be exactly 10 digits; \
         expiration_date: must be the card's expiration date written YYMM (month 01 to 12); \
         recipient_first_name: must not be empty; \
         recipient_state: \"Georgia\" must be a two-letter upper-case US state, territory or military code such as GA; \
         recipient_zip: \"3031\" must be 5 digits or 5+4 digits; \
         sender.contact_telcom.email: must be an e-mail address with exactly one @"
    );
}

/// The one violation of a Session Create `body` (no options), at `path`, of rule `kind`: its
/// message.
#[track_caller]
fn only_violation(body: &[u8], path: &str, kind: &str) -> String {
    assert_only(Endpoint::SessionCreate, Options::new(), body, path, kind)
}

#[test]
fn echoed_values_are_cut_and_shown_as_sent() {
    // A long state is cut after 40 characters.
    let state = "recipient_information.state";
    let body = set(SESSION_CREATE_SEED, state, json!("G".repeat(100)));
    let msg = only_violation(&body, state, "state");
    assert!(msg.starts_with(&format!(
        "recipient_information.state: \"{}…\" must",
        "G".repeat(40)
    )));
    // Escaped text is shown raw, as sent (and so cannot inject a line break into a log).
    let zip = "recipient_information.zip_code";
    let body = set_raw(SESSION_CREATE_SEED, zip, r#""3723\n""#);
    let msg = only_violation(&body, zip, "control_character");
    assert!(!msg.contains('\n'));
    let body = set_raw(SESSION_CREATE_SEED, zip, r#""3723\u0041""#);
    let msg = only_violation(&body, zip, "zip");
    assert_eq!(
        msg,
        r#"recipient_information.zip_code: "3723\u0041" must be 5 digits or 5+4 digits"#
    );
}

#[test]
fn payload_error_display_summarises_and_lists() {
    let body = edit(SESSION_CREATE_SEED, |v| {
        v["recipient_information"]["zip_code"] = json!("3723");
        v["recipient_information"]["phone_number"] = json!("1");
    });
    let err = validate(Endpoint::SessionCreate, Options::new(), &body).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the body breaks 2 field rule(s): \
         recipient_information.zip_code: \"3723\" must be 5 digits or 5+4 digits; \
         recipient_information.phone_number: must be exactly 10 digits"
    );
    assert_eq!(err.report().unwrap().total(), 2);
    let err = validate(Endpoint::SessionCreate, Options::new(), b"{").unwrap_err();
    assert_eq!(err.kind(), "json.unexpected_end");
    assert!(err.report().is_none());
    assert!(
        err.to_string()
            .starts_with("the body is not acceptable JSON: ")
    );
}

#[test]
fn paths_compare_with_dotted_text() {
    let body = set(
        SESSION_CREATE_SEED,
        "recipient_information.nick",
        json!("x"),
    );
    let Err(PayloadError::Invalid(report)) =
        validate(Endpoint::SessionCreate, Options::new(), &body)
    else {
        panic!("unknown field");
    };
    let v = report.violations()[0];
    assert!(v.path().is("recipient_information.nick"));
    assert!(!v.path().is("nick"));
    assert!(!v.path().is("recipient_information"));
    assert_eq!(v.path().to_string(), "recipient_information.nick");
    assert_eq!(v.rule(), Rule::UnknownField);
}
