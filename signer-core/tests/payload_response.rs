//! Responses of both endpoints: borrowed views, `status` classification, `time` as a number
//! or a string, tolerance of added fields, and the strictness that stays.

mod support;

use ingo_signer_core::payload::{
    JsonError, JsonType, ResponseError, Status, Time, parse_push_to_card_response,
    parse_session_create_response,
};
use serde_json::json;
use support::*;

#[test]
fn the_session_create_seed_response_parses() {
    let r = parse_session_create_response(SESSION_CREATE_RESPONSE_SEED.as_bytes()).unwrap();
    assert_eq!(r.status, Status::Success);
    assert!(r.status.is_success());
    assert_eq!(r.client_message.unwrap().raw(), "Success");
    let data = r.data.unwrap();
    let texts = [
        (
            data.session_identifier,
            "7830227a-ba47-4d28-9416-cad41a446db7",
        ),
        (
            data.authorized_url,
            "https://iip-webplugin-ingo.money/session/7830227a-ba47-4d28-9416-cad41a446db7?t=637126733246949906&h=rpSb%2f%2fAeOAKjX7%2fhhOQvj9zpvwf4xeg97TuPCMtpUg0%3d",
        ),
        (
            data.authorized_url_expiration_utc,
            "2019-12-10T20:14:19.763941Z",
        ),
        (
            data.participant_unique_id1,
            "1f271ff6-5b79-45b6-a71e-aa9d1b86c0d8",
        ),
        (data.participant_unique_id2, ""),
    ];
    for (field, want) in texts {
        assert_eq!(field.unwrap().raw(), want);
    }
    // time is a number here.
    assert_eq!(r.time, Some(Time::Number("0.8")));
    assert_eq!(r.time.unwrap().millis(), Some(800));
}

#[test]
fn the_push_to_card_seed_response_parses() {
    let r = parse_push_to_card_response(PUSH_TO_CARD_RESPONSE_SEED.as_bytes()).unwrap();
    assert_eq!(r.status, Status::Success);
    assert_eq!(r.client_message.unwrap().to_string(), "Success");
    let data = r.data.unwrap();
    assert_eq!(data.transaction_id, Some(2361525));
    assert_eq!(data.request_timestamp, Some(1576099632));
    let texts = [
        (
            data.estimated_posting_time,
            "Payment will post within 5 minutes.",
        ),
        (data.estimated_posting_date, "04/21/2026"),
        (
            data.customer_account_token,
            "ca875cce-58c0-46a0-8f14-676190cc7df6",
        ),
        (
            data.participant_unique_id1,
            "1f2739ed-3531-4af2-ae36-e6faf7936462",
        ),
        (
            data.participant_unique_id2,
            "90759390-01c7-47e7-8a90-6faa89b18ff6",
        ),
    ];
    for (field, want) in texts {
        assert_eq!(field.unwrap().raw(), want);
    }
    // time is a string here.
    let Some(Time::Text(t)) = r.time else {
        panic!("time should be a string: {:?}", r.time);
    };
    assert_eq!(t.raw(), "1.1275");
    assert_eq!(r.time.unwrap().millis(), Some(1127));
}

#[test]
fn status_codes_are_classified() {
    let cases = [
        (100, Status::Success, true, false, "success"),
        (
            101,
            Status::IdempotentRepeat,
            true,
            false,
            "idempotent_repeat",
        ),
        (
            102,
            Status::PendingIssuerResponse,
            true,
            false,
            "pending_issuer_response",
        ),
        (130, Status::OfacSuspended, false, false, "ofac_suspended"),
        (0, Status::Failure(0), false, true, "failure"),
        (103, Status::Failure(103), false, true, "failure"),
        (200, Status::Failure(200), false, true, "failure"),
        (999, Status::Failure(999), false, true, "failure"),
    ];
    for (code, status, success, failure, kind) in cases {
        let body = format!(r#"{{"status":{code},"client_message":"m"}}"#);
        let r = parse_push_to_card_response(body.as_bytes()).unwrap();
        assert_eq!(r.status, status, "{code}");
        assert_eq!(r.status.code(), code);
        assert_eq!(r.status.is_success(), success, "{code}");
        assert_eq!(r.status.is_failure(), failure, "{code}");
        assert_eq!(r.status.kind(), kind);
        let s = parse_session_create_response(body.as_bytes()).unwrap();
        assert_eq!(s.status, status);
        assert!(s.data.is_none());
    }
    assert_eq!(Status::Failure(217).to_string(), "217 failure");
    assert_eq!(
        Status::OfacSuspended.to_string(),
        "130 accepted but suspended for OFAC review"
    );
}

#[test]
fn added_fields_are_tolerated_at_every_level() {
    let body = edit(PUSH_TO_CARD_RESPONSE_SEED, |v| {
        v["trace"] = json!({"id": "abc", "spans": [1, 2, {"deep": [true, null]}]});
        v["data"]["fee"] = json!(1.25);
        v["data"]["issuer"] = json!({"name": "Bank"});
    });
    let r = parse_push_to_card_response(&body).unwrap();
    assert_eq!(r.data.unwrap().transaction_id, Some(2361525));
}

#[test]
fn null_and_absent_read_as_none() {
    let r = parse_push_to_card_response(br#"{"status":500,"data":null,"time":null}"#).unwrap();
    assert_eq!(r.status, Status::Failure(500));
    assert!(r.client_message.is_none() && r.data.is_none() && r.time.is_none());
    let r =
        parse_push_to_card_response(br#"{"status":100,"data":{"transaction_id":null}}"#).unwrap();
    assert_eq!(r.data.unwrap().transaction_id, None);
}

#[test]
fn status_must_be_present_as_an_integer() {
    assert_eq!(
        parse_session_create_response(br#"{"client_message":"x"}"#),
        Err(ResponseError::MissingStatus)
    );
    assert_eq!(
        parse_session_create_response(br#"{"status":null}"#),
        Err(ResponseError::MissingStatus)
    );
    assert_eq!(
        parse_session_create_response(br#"{"status":"100"}"#),
        Err(ResponseError::Type {
            path: "status",
            expected: JsonType::Integer,
            found: JsonType::String
        })
    );
    for bad in ["100.0", "-100", "1e2", "4294967296"] {
        let body = format!(r#"{{"status":{bad}}}"#);
        assert_eq!(
            parse_session_create_response(body.as_bytes()),
            Err(ResponseError::Integer { path: "status" }),
            "{bad}"
        );
    }
    assert!(parse_session_create_response(br#"{"status":4294967295}"#).is_ok());
}

#[test]
fn known_fields_keep_their_types() {
    let err = parse_push_to_card_response(br#"{"status":100,"data":"ok"}"#).unwrap_err();
    assert_eq!(
        err,
        ResponseError::Type {
            path: "data",
            expected: JsonType::Object,
            found: JsonType::String
        }
    );
    assert_eq!(err.kind(), "response.type");
    assert_eq!(
        err.to_string(),
        "response: `data` should be of type object, not string"
    );
    let err = parse_push_to_card_response(br#"{"status":100,"data":{"transaction_id":"2361525"}}"#)
        .unwrap_err();
    assert_eq!(
        err,
        ResponseError::Type {
            path: "data.transaction_id",
            expected: JsonType::Integer,
            found: JsonType::String
        }
    );
    let err = parse_session_create_response(br#"{"status":100,"client_message":7}"#).unwrap_err();
    assert!(matches!(
        err,
        ResponseError::Type {
            path: "client_message",
            ..
        }
    ));
    let err = parse_session_create_response(br#"{"status":100,"time":[0.8]}"#).unwrap_err();
    assert!(matches!(err, ResponseError::Type { path: "time", .. }));
}

#[test]
fn a_known_field_twice_is_rejected() {
    let err = parse_push_to_card_response(br#"{"status":100,"status":101}"#).unwrap_err();
    assert_eq!(err, ResponseError::DuplicateField { path: "status" });
    assert_eq!(err.kind(), "response.duplicate_field");
    let err = parse_push_to_card_response(
        br#"{"status":100,"data":{"transaction_id":1,"transaction_id":2}}"#,
    )
    .unwrap_err();
    assert_eq!(
        err,
        ResponseError::DuplicateField {
            path: "data.transaction_id"
        }
    );
    // Unknown keys may repeat: nobody reads them.
    assert!(parse_push_to_card_response(br#"{"status":100,"x":1,"x":2}"#).is_ok());
}

#[test]
fn responses_pass_the_same_strict_json_gate() {
    let deep = format!(
        r#"{{"status":100,"x":{}{}}}"#,
        "[".repeat(30_000),
        "]".repeat(30_000)
    );
    assert!(matches!(
        parse_session_create_response(deep.as_bytes()),
        Err(ResponseError::Json(JsonError::TooDeep { .. }))
    ));
    for (body, kind) in [
        (&br#"{"status":100} trailing"#[..], "json.trailing_data"),
        (br#"[{"status":100}]"#, "json.not_an_object"),
        (br#"{"status":100,"x":"\ud800"}"#, "json.lone_surrogate"),
        (b"{\"status\":100,\"x\":\"\xff\"}", "json.invalid_utf8"),
        (br#"{"status":100,"x":nope}"#, "json.invalid_literal"),
    ] {
        assert_eq!(parse_push_to_card_response(body).unwrap_err().kind(), kind);
    }
}

#[test]
fn strings_are_borrowed_and_unescaped_on_demand() {
    let body = br#"{"status":100,"client_message":"Caf\u00e9 \ud83d\ude00 \"ok\""}"#;
    let r = parse_session_create_response(body).unwrap();
    let m = r.client_message.unwrap();
    assert_eq!(m.raw(), r#"Caf\u00e9 \ud83d\ude00 \"ok\""#);
    assert_eq!(m.to_string(), "Café 😀 \"ok\"");
    assert_eq!(m.char_count(), 11);
    assert!(m.eq_text("Café 😀 \"ok\""));
    assert_eq!(m.as_plain(), None);
    let mut buf = [0u8; 64];
    assert_eq!(m.unescape_into(&mut buf), Some("Café 😀 \"ok\""));
    let mut small = [0u8; 4];
    assert_eq!(m.unescape_into(&mut small), None);
    // The view points into the body: nothing was copied.
    let start = body.as_ptr() as usize;
    let raw = m.raw().as_ptr() as usize;
    assert!(raw > start && raw < start + body.len());
}

#[test]
fn time_millis_reads_plain_decimal_seconds_only() {
    let cases = [
        (r#""time":0.8"#, Some(800)),
        (r#""time":"1.1275""#, Some(1127)),
        (r#""time":2"#, Some(2000)),
        (r#""time":"0.0005""#, Some(0)),
        (r#""time":1e3"#, None),
        (r#""time":"fast""#, None),
        (r#""time":"""#, None),
        (r#""time":-1"#, None),
    ];
    for (member, millis) in cases {
        let body = format!(r#"{{"status":100,{member}}}"#);
        let r = parse_session_create_response(body.as_bytes()).unwrap();
        assert_eq!(r.time.unwrap().millis(), millis, "{member}");
    }
}
