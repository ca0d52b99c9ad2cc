//! The code table against signer-core's error kinds, the header and docs/ffi.md.
//!
//! Every variant of every core error enum is listed here; for the exhaustive enums a `match`
//! without a wildcard makes a new core variant a compile error in this test, so the table
//! cannot silently miss a kind.

use std::collections::BTreeSet;

use crate::codes::{ERRORS, INGO_E_INTERNAL, code_of_kind, for_client, info};
use ingo_signer_core::authorization::{AuthorizationError, Parameter};
use ingo_signer_core::date::{DateError, SkewError};
use ingo_signer_core::digest::DigestError;
use ingo_signer_core::header_list::HeaderListError;
use ingo_signer_core::key::KeyError;
use ingo_signer_core::payload::{Expected, IdempotencyKeyError, JsonError};
use ingo_signer_core::signer::SignError;
use ingo_signer_core::signing_string::{HeaderName, SigningStringError};
use ingo_signer_core::{Algorithm, DigestAlgorithm, VerifyError};

/// One value of each variant of the exhaustive enum `$enum`, and a `match` over them without a
/// wildcard, so that a variant added to the core does not compile here until it is listed.
/// A variant is written as its value (`Name`, `Name(..)` or `Name { .. }` with the fields'
/// values), or as `Name(from list)`: `Name` wrapping each error of another such list.
macro_rules! every_variant {
    ($enum:ident: $($variant:ident $(($($t:tt)*))? $({$($f:tt)*})?),+ $(,)?) => {{
        let all: Vec<$enum> = std::iter::empty()
            $(.chain(every_variant!(@values $enum::$variant $(($($t)*))? $({$($f)*})?)))+
            .collect();
        for e in &all {
            match e {
                $(every_variant!(@pattern $enum::$variant $(($($t)*))? $({$($f)*})?))|+ => {}
            }
        }
        all
    }};
    (@values $enum:ident::$variant:ident (from $list:expr)) => {
        $list.into_iter().map($enum::$variant)
    };
    (@values $enum:ident::$variant:ident $($value:tt)?) => {
        std::iter::once($enum::$variant $($value)?)
    };
    (@pattern $enum:ident::$variant:ident ($($value:tt)*)) => {
        $enum::$variant(..)
    };
    (@pattern $enum:ident::$variant:ident {$($value:tt)*}) => {
        $enum::$variant { .. }
    };
    (@pattern $enum:ident::$variant:ident) => {
        $enum::$variant
    };
}

fn header_list_errors() -> Vec<HeaderListError> {
    every_variant![HeaderListError: EmptyName, InvalidName, DuplicateName, TooMany]
}

fn authorization_errors() -> Vec<AuthorizationError> {
    every_variant![AuthorizationError:
        TooLong { len: 2049 },
        Scheme,
        Syntax { at: 0 },
        MissingQuote { at: 0 },
        MissingComma { at: 0 },
        Backslash { at: 0 },
        InvalidCharacter { at: 0 },
        UnknownParameter { at: 0 },
        DuplicateParameter(Parameter::Username),
        EmptyParameter(Parameter::Algorithm),
        MissingParameter(Parameter::Signature),
        UsernameTooLong,
        UnsupportedAlgorithm,
        SignatureEncoding,
        SignatureLength { expected: 64 },
        HeaderList(from header_list_errors()),
    ]
}

fn signing_string_errors() -> Vec<SigningStringError> {
    let name = HeaderName::new("x-date");
    every_variant![SigningStringError:
        InvalidMethod,
        InvalidTarget,
        HeaderMissing(name),
        HeaderRepeated(name),
        HeaderValueInvalid(name),
        TargetFragment,
    ]
}

fn date_errors() -> Vec<DateError> {
    every_variant![DateError:
        Malformed,
        UnknownWeekday,
        UnknownMonth,
        NotGmt,
        InvalidDay,
        InvalidTime,
        YearOutOfRange,
        WeekdayMismatch,
    ]
}

fn digest_errors() -> Vec<DigestError> {
    every_variant![DigestError:
        Malformed(DigestAlgorithm::Sha512),
        Mismatch(DigestAlgorithm::Sha256),
    ]
}

fn verify_errors() -> Vec<VerifyError> {
    every_variant![VerifyError:
        MissingAuthorization,
        RepeatedAuthorization,
        AlgorithmNotAllowed(Algorithm::HmacSha256),
        DigestAlgorithmMismatch,
        RequiredHeaderUnsigned(HeaderName::new("host")),
        UnknownUsername,
        SignatureMismatch,
        DateSkew(SkewError {
            seconds: 301,
            ahead: false,
            limit: 300,
        }),
        ContentType,
        ContentLengthInvalid,
        ContentLengthMismatch {
            declared: 1,
            received: 2,
        },
        BodyTooLarge { limit: 0 },
        Replayed,
        ReplayCheckUnavailable,
        TransferEncoding,
        Digest(from digest_errors()),
        Authorization(from authorization_errors()),
        SigningString(from signing_string_errors()),
        Date(from date_errors()),
    ]
}

fn sign_errors() -> Vec<SignError> {
    every_variant![SignError:
        TooManyExtraHeaders,
        ContentType,
        DigestAlgorithm,
        AuthorizationTooLong,
        UnsignableHeader(HeaderName::new("authorization")),
        Date(DateError::YearOutOfRange),
        SigningString(from signing_string_errors()),
        HeaderList(from header_list_errors()),
    ]
}

fn key_errors() -> Vec<KeyError> {
    every_variant![KeyError:
        Username(AuthorizationError::UsernameTooLong),
        EmptySecret,
    ]
}

/// `JsonError` and `IdempotencyKeyError` are `#[non_exhaustive]`: no match can prove these
/// lists complete, so the kinds the table holds for them are checked the other way round below.
fn json_errors() -> Vec<JsonError> {
    vec![
        JsonError::TooLarge { len: 65_537 },
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
    ]
}

fn idempotency_key_errors() -> Vec<IdempotencyKeyError> {
    vec![
        IdempotencyKeyError::Empty,
        IdempotencyKeyError::TooLong { len: 251 },
        IdempotencyKeyError::InvalidCharacter { at: 0 },
        IdempotencyKeyError::SurroundingWhitespace,
    ]
}

/// Every kind signer-core produces, with the HTTP status it has where the core gives one.
fn core_kinds() -> Vec<(&'static str, Option<u16>)> {
    let mut kinds = Vec::new();
    kinds.extend(
        verify_errors()
            .into_iter()
            .map(|e| (e.kind(), Some(e.http_status()))),
    );
    kinds.extend(sign_errors().into_iter().map(|e| (e.kind(), None)));
    kinds.extend(key_errors().into_iter().map(|e| (e.kind(), None)));
    kinds.extend(
        json_errors()
            .into_iter()
            .map(|e| (e.kind(), Some(e.http_status()))),
    );
    kinds.push(("payload.invalid", Some(400)));
    kinds.extend(
        idempotency_key_errors()
            .into_iter()
            .map(|e| (e.kind(), Some(e.http_status()))),
    );
    kinds
}

#[test]
fn codes_and_kinds_are_unique_and_in_order() {
    let codes: Vec<i32> = ERRORS.iter().map(|e| e.code).collect();
    let mut sorted = codes.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(codes, sorted, "codes unique and in numeric order");
    let kinds: BTreeSet<&[u8]> = ERRORS.iter().map(|e| e.kind.to_bytes()).collect();
    assert_eq!(kinds.len(), ERRORS.len(), "kinds unique");
    for entry in ERRORS {
        assert_eq!(info(entry.code), Some(entry));
        assert!(!entry.message.to_bytes().is_empty());
        assert!([0, 400, 401, 413, 503].contains(&entry.http_status));
    }
}

#[test]
fn every_core_kind_has_its_code_and_status() {
    for (kind, status) in core_kinds() {
        let code = code_of_kind(kind);
        assert_ne!(code, INGO_E_INTERNAL, "{kind} has no code");
        let entry = info(code).unwrap();
        assert_eq!(entry.kind.to_str().unwrap(), kind);
        if let Some(status) = status {
            assert_eq!(entry.http_status, status, "{kind}");
        }
    }
}

#[test]
fn every_table_kind_is_produced_by_the_core() {
    let produced: BTreeSet<&str> = core_kinds().into_iter().map(|(kind, _)| kind).collect();
    for entry in ERRORS {
        let kind = entry.kind.to_str().unwrap();
        if kind != "ok" && !kind.starts_with("ffi.") {
            assert!(
                produced.contains(kind),
                "{kind} is in the table but no core error has it"
            );
        }
    }
}

#[test]
fn for_client_is_the_cores_on_every_code() {
    // Every verify error: the code of the client's error is the client's code of the error.
    for e in verify_errors() {
        let code = code_of_kind(e.kind());
        assert_eq!(
            for_client(code),
            code_of_kind(e.for_client().kind()),
            "{}",
            e.kind()
        );
        assert_eq!(crate::ingo_error_for_client(code), for_client(code));
    }
    // Only the unknown username changes; numbers that are not codes pass through.
    let changed: Vec<i32> = ERRORS
        .iter()
        .map(|entry| entry.code)
        .filter(|&code| for_client(code) != code)
        .collect();
    assert_eq!(changed, [code_of_kind("verify.unknown_username")]);
    for n in [-1, 0, 99, 1006, 1007, i32::MAX] {
        assert_eq!(for_client(for_client(n)), for_client(n));
    }
    assert_eq!(crate::ingo_error_for_client(i32::MIN), i32::MIN);
}

fn read(path: &str) -> String {
    let full = format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

/// `#define NAME VALUE` lines of the committed header.
fn header_defines() -> Vec<(String, i64)> {
    read("signer-ffi/include/ingo_signer.h")
        .lines()
        .filter_map(|line| {
            let mut words = line.strip_prefix("#define ")?.split(' ');
            let name = words.next()?;
            let value = words.next()?.parse().ok()?;
            Some((name.to_owned(), value))
        })
        .collect()
}

#[test]
fn the_header_and_docs_list_exactly_the_table() {
    let codes: Vec<(String, i64)> = header_defines()
        .into_iter()
        .filter(|(name, _)| name == "INGO_OK" || name.starts_with("INGO_E_"))
        .collect();
    assert_eq!(codes.len(), ERRORS.len());

    let docs = read("docs/ffi.md");
    let rows: Vec<Vec<&str>> = docs
        .lines()
        .filter(|line| line.starts_with("| "))
        .map(|line| {
            line.trim_matches('|')
                .split(" | ")
                .map(str::trim)
                .collect::<Vec<_>>()
        })
        .filter(|cells| cells[0].parse::<i32>().is_ok())
        .collect();
    assert_eq!(
        rows.len(),
        ERRORS.len(),
        "docs/ffi.md lists every code once"
    );
    for (row, entry) in rows.iter().zip(ERRORS) {
        let [code, name, kind, status, message] = row[..] else {
            panic!("docs/ffi.md row {row:?}");
        };
        assert_eq!(code, entry.code.to_string());
        assert!(
            codes.contains(&(name.trim_matches('`').to_owned(), i64::from(entry.code))),
            "{name} = {code} in the header"
        );
        assert_eq!(kind.trim_matches('`'), entry.kind.to_str().unwrap());
        let status_text = match entry.http_status {
            0 => "-".to_owned(),
            s => s.to_string(),
        };
        assert_eq!(status, status_text, "{kind}");
        assert_eq!(message, entry.message.to_str().unwrap());
    }
}
