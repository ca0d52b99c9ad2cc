//! Session Create (`POST /api/v1/sessions/point-in-time/plugin`): the request body's fields
//! and the `Idempotency-Key` header.
//!
//! Fields (SPEC §6, seed `000_57bb247202828341.txt`): `participant_unique_id1` required,
//! 1 to 100 characters; `participant_unique_id2` at most 100; `host_uri` at most 200, an
//! absolute `http://` or `https://` URI with a host; `language_locale_code` one of the 28
//! listed codes; `recipient_information` an optional object whose names, address lines and
//! city are at most 150, `state` and `zip_code` in their formats, `email_address` at most
//! 150 in e-mail shape (required for PayPal-enabled participants, even when
//! `recipient_information` itself is absent: the report then names
//! `recipient_information.email_address`), `phone_number` and `mobile_number` 10 digits,
//! `business_name` required unless both `first_name` and `last_name` are given, and
//! `open_banking.mobus_customer_id` a string.
//!
//! Decision: a name is "given" when it is a string holding at least one non-whitespace
//! character; an empty or blank `business_name` does not meet the requirement either.

use core::fmt;

use super::report::{Requirement, Rule};
use super::rules::Judge;
use super::table::{Field, Format, HOST_URI_MAX, Kind, Need};
use super::walk::Slot;

const ROOT: Option<usize> = None;
const RECIPIENT: usize = 4;
const RI: Option<usize> = Some(RECIPIENT);
const OPEN_BANKING: usize = 16;

const FIRST_NAME: usize = 5;
const LAST_NAME: usize = 6;
const BUSINESS_NAME: usize = 7;
const EMAIL: usize = 13;

/// The Session Create request's fields; the constants above index into it.
pub(crate) static FIELDS: [Field; 18] = [
    Field::text(
        "participant_unique_id1",
        "participant_unique_id1",
        ROOT,
        1,
        100,
    )
    .required(),
    Field::text(
        "participant_unique_id2",
        "participant_unique_id2",
        ROOT,
        0,
        100,
    ),
    Field::new(
        "host_uri",
        "host_uri",
        ROOT,
        Kind::Text {
            min: 0,
            max: Some(HOST_URI_MAX),
            format: Format::HttpUri,
        },
    )
    .echo(),
    Field::format(
        "language_locale_code",
        "language_locale_code",
        ROOT,
        Format::Locale,
    )
    .echo(),
    Field::new(
        "recipient_information",
        "recipient_information",
        ROOT,
        Kind::Object,
    ),
    Field::text("first_name", "recipient_information.first_name", RI, 0, 150),
    Field::text("last_name", "recipient_information.last_name", RI, 0, 150),
    Field::text(
        "business_name",
        "recipient_information.business_name",
        RI,
        0,
        150,
    ),
    Field::text(
        "address_line1",
        "recipient_information.address_line1",
        RI,
        0,
        150,
    ),
    Field::text(
        "address_line2",
        "recipient_information.address_line2",
        RI,
        0,
        150,
    ),
    Field::text("city", "recipient_information.city", RI, 0, 150),
    Field::format("state", "recipient_information.state", RI, Format::State).echo(),
    Field::format(
        "zip_code",
        "recipient_information.zip_code",
        RI,
        Format::Zip,
    )
    .echo(),
    Field::new(
        "email_address",
        "recipient_information.email_address",
        RI,
        Kind::Text {
            min: 0,
            max: Some(150),
            format: Format::Email,
        },
    )
    .need(Need::When(Requirement::PayPalEnabled)),
    Field::format(
        "phone_number",
        "recipient_information.phone_number",
        RI,
        Format::Phone,
    ),
    Field::format(
        "mobile_number",
        "recipient_information.mobile_number",
        RI,
        Format::Phone,
    ),
    Field::new(
        "open_banking",
        "recipient_information.open_banking",
        RI,
        Kind::Object,
    ),
    Field::new(
        "mobus_customer_id",
        "recipient_information.open_banking.mobus_customer_id",
        Some(OPEN_BANKING),
        Kind::Text {
            min: 0,
            max: None,
            format: Format::Free,
        },
    ),
];

/// Whether the slot is a string with a non-whitespace character.
fn is_given_name(slot: Slot<'_>) -> bool {
    slot.as_str()
        .is_some_and(|s| s.chars().any(|c| !c.is_whitespace()))
}

/// The rules that involve more than one field.
pub(crate) fn cross_field(judge: &mut Judge<'_, '_>) {
    match judge.slot(RECIPIENT) {
        Slot::Absent if judge.options.paypal_enabled => {
            judge.violation(EMAIL, Rule::Required(Requirement::PayPalEnabled));
        }
        Slot::Object => {
            let full_name =
                is_given_name(judge.slot(FIRST_NAME)) && is_given_name(judge.slot(LAST_NAME));
            let business = judge.slot(BUSINESS_NAME);
            let blank = matches!(business, Slot::Absent)
                || (business.as_str().is_some() && !is_given_name(business));
            if !full_name && blank {
                judge.violation(BUSINESS_NAME, Rule::Required(Requirement::NoFullName));
            }
        }
        _ => {}
    }
}

/// The longest `Idempotency-Key` header value accepted, in characters.
pub const IDEMPOTENCY_KEY_MAX_LEN: usize = 250;

/// Why an `Idempotency-Key` header value is not acceptable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdempotencyKeyError {
    /// The value is empty: every empty key would name the same request.
    Empty,
    /// The value is longer than [`IDEMPOTENCY_KEY_MAX_LEN`] characters.
    TooLong {
        /// The value's length in characters.
        len: usize,
    },
    /// A character other than printable ASCII (control characters, DEL, non-ASCII); header
    /// values cannot carry them reliably.
    InvalidCharacter {
        /// Byte offset of the character.
        at: usize,
    },
    /// A leading or trailing space, which HTTP strips in transit, so the server would see a
    /// different key.
    SurroundingWhitespace,
}

impl IdempotencyKeyError {
    /// Stable identifier of the cause.
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::Empty => "idempotency_key.empty",
            Self::TooLong { .. } => "idempotency_key.too_long",
            Self::InvalidCharacter { .. } => "idempotency_key.invalid_character",
            Self::SurroundingWhitespace => "idempotency_key.surrounding_whitespace",
        }
    }

    /// The HTTP status a server would answer with (400).
    pub const fn http_status(&self) -> u16 {
        400
    }
}

impl fmt::Display for IdempotencyKeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Empty => f.write_str(
                "Idempotency-Key is empty; send a unique key such as a V4 UUID, or omit the header",
            ),
            Self::TooLong { len } => write!(
                f,
                "Idempotency-Key has {len} characters; at most {IDEMPOTENCY_KEY_MAX_LEN} are allowed"
            ),
            Self::InvalidCharacter { at } => write!(
                f,
                "Idempotency-Key has a character at byte {at} that is not printable ASCII"
            ),
            Self::SurroundingWhitespace => {
                f.write_str("Idempotency-Key must not start or end with a space")
            }
        }
    }
}

/// Checks an `Idempotency-Key` header value (Session Create): 1 to 250 printable ASCII
/// characters (spaces allowed inside, not at either end). A V4 UUID, as Ingo recommends,
/// always passes.
pub fn validate_idempotency_key(value: &str) -> Result<(), IdempotencyKeyError> {
    if value.is_empty() {
        return Err(IdempotencyKeyError::Empty);
    }
    if let Some(at) = value.bytes().position(|b| !(0x20..=0x7e).contains(&b)) {
        return Err(IdempotencyKeyError::InvalidCharacter { at });
    }
    // Printable ASCII only, so bytes are characters.
    if value.len() > IDEMPOTENCY_KEY_MAX_LEN {
        return Err(IdempotencyKeyError::TooLong { len: value.len() });
    }
    if value.starts_with(' ') || value.ends_with(' ') {
        return Err(IdempotencyKeyError::SurroundingWhitespace);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_and_its_indices_agree() {
        crate::payload::table::assert_table_consistent(&FIELDS);
        let named = [
            (RECIPIENT, ""),
            (OPEN_BANKING, ".open_banking"),
            (FIRST_NAME, ".first_name"),
            (LAST_NAME, ".last_name"),
            (BUSINESS_NAME, ".business_name"),
            (EMAIL, ".email_address"),
        ];
        for (index, member) in named {
            assert_eq!(
                FIELDS[index].path.strip_prefix("recipient_information"),
                Some(member)
            );
        }
    }
}
