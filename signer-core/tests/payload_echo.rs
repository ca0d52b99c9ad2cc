//! What a payload report echoes is safe to show and to log (issue 13): a `host_uri` without its
//! user information, query or fragment; every echoed text with its control, bidi and other
//! format characters escaped.

use ingo_signer_core::payload::{Endpoint, Options, PayloadError, validate};

/// The messages of every violation of a Session Create body with these extra members.
fn messages(members: &str) -> Vec<String> {
    let body = format!(r#"{{"participant_unique_id1": "p-1", {members}}}"#);
    match validate(Endpoint::SessionCreate, Options::new(), body.as_bytes()) {
        Err(PayloadError::Invalid(report)) => report
            .violations()
            .iter()
            .map(ToString::to_string)
            .collect(),
        other => panic!("{members}: {other:?}"),
    }
}

fn one(members: &str) -> String {
    let all = messages(members);
    assert_eq!(all.len(), 1, "{all:?}");
    all.into_iter().next().unwrap()
}

#[test]
fn a_host_uri_is_echoed_without_its_password_or_query() {
    let shown = one(r#""host_uri": "https://alice:S3cr3t@digitalpay.example/return?token=abc#f""#);
    assert_eq!(
        shown,
        "host_uri: \"https://…@digitalpay.example/return?…\" must be an absolute http:// or https:// URI with a host and no user@ part"
    );
    // A scheme the rule refuses: still no password, no query.
    let shown = one(r#""host_uri": "ftp://bob:hunter2@files.example/x?sig=1""#);
    assert!(
        shown.starts_with("host_uri: \"ftp://…@files.example/x?…\" "),
        "{shown}"
    );
    // No scheme at all: the part before the last @ is still user information.
    let shown = one(r#""host_uri": "carol:pw@@host.example""#);
    assert!(
        shown.starts_with("host_uri: \"…@host.example\" "),
        "{shown}"
    );
    // JSON escapes are decoded before the parts are found: \u0040 is an @, \u003f a ?.
    let shown = one(r#""host_uri": "https://dave:pa55\u0040evil.example/p\u003fkey=k3y""#);
    assert!(
        shown.starts_with("host_uri: \"https://…@evil.example/p?…\" "),
        "{shown}"
    );
    for shown in messages(
        r#""host_uri": "https://alice:S3cr3t@digitalpay.example/return?token=abc#f", "language_locale_code": "xx""#,
    ) {
        for secret in ["S3cr3t", "alice", "token", "abc", "#f"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }
    // A URI with nothing to hide is shown whole.
    let shown = one(r#""host_uri": "https://digitalpay.example:0/p""#);
    assert!(
        shown.starts_with("host_uri: \"https://digitalpay.example:0/p\" "),
        "{shown}"
    );
}

#[test]
fn echoed_values_and_keys_escape_control_bidi_and_format_characters() {
    // A raw U+202E in a locale code (JSON allows it unescaped), and one written as an escape,
    // which stays as the six characters that were sent.
    let shown = one("\"language_locale_code\": \"en\u{202e}SU-\"");
    assert!(
        shown.starts_with("language_locale_code: \"en\\u{202e}SU-\" must be one of ar-SA, "),
        "{shown}"
    );
    let shown = one(r#""language_locale_code": "en\u202eSU-""#);
    assert!(
        shown.starts_with(r#"language_locale_code: "en\u202eSU-" "#),
        "{shown}"
    );
    // An unknown key with isolates, a zero-width space, a BOM and DEL.
    let shown = one("\"x\u{2066}y\u{2069}\u{200b}\u{feff}\u{7f}\u{85}\": 1");
    assert!(
        shown.starts_with("x\\u{2066}y\\u{2069}\\u{200b}\\u{feff}\\u{7f}\\u{85}: "),
        "{shown}"
    );
    for shown in messages(
        "\"language_locale_code\": \"\u{200e}\u{200f}\u{61c}\u{202a}\u{202b}\u{202c}\u{202d}\u{2067}\u{2068}\", \"\u{ad}k\": 1",
    ) {
        assert!(
            !shown.chars().any(|c| matches!(c,
                '\u{200e}' | '\u{200f}' | '\u{61c}' | '\u{ad}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')),
            "{shown:?}"
        );
    }
    // Ordinary non-ASCII text is left alone, and the cut still counts the characters sent.
    let shown = one(r#""language_locale_code": "português-do-brasil-com-um-nome-muito-longo""#);
    assert!(
        shown.starts_with("language_locale_code: \"português-do-brasil-com-um-nome-muito-lo…\" "),
        "{shown}"
    );
}
