//! Push to card (`POST /gateway/process--card`): the request body's fields.
//!
//! Fields (SPEC §6, seed `004_3afb189ecea9ab41.txt`): `participant_id` a positive integer;
//! `account_type` exactly `"CA"`; `amount` a number judged on its text (see the amount
//! module); `source_of_funds` 1, 2, 3 or 4; `participant_unique_id1` 1 to 255 characters;
//! `participant_unique_id2` at most 255; `timestamp` a non-negative integer; `version`
//! exactly 11; `recipient_phone` 10 digits; `customer_account_token` 1 to 255; `store_id`,
//! `terminal_id`, `clerk_id` at most 255 (all three required for retail card-present
//! participants); `sender` (required for participants using sender data) and `ledger`
//! (required for the ledger service) with their nested fields.
//!
//! Token versus raw account fields, in both directions: with `customer_account_token`, none
//! of `account`, `expiration_date`, `recipient_first_name`, `recipient_last_name`,
//! `recipient_address1`, `recipient_city`, `recipient_state`, `recipient_zip` may appear
//! (each one present is reported); without it, all of them but `expiration_date` are
//! required (`account` and the names 1 to 255, `expiration_date` `YYMM` when sent).
//!
//! Decisions where the page is silent:
//! - Required at the top level: `participant_id`, `account_type`, `amount`,
//!   `source_of_funds`, `participant_unique_id1`, `timestamp` and `version`: a push without
//!   them cannot be processed.
//! - Inside an object that is sent, a field the page bounds as `1 - N` characters is
//!   required, and so is an object holding such a field: `sender` needs `sender_account`,
//!   `name_personal` (`first_name`, `last_name`), `contact_address` (`address1`, `city`) and
//!   `contact_telcom` (`email`); `ledger` needs `api_key`, `user_id` and `entity_type`.
//! - The raw `recipient_address1` and `recipient_city`, which the page lists without bounds,
//!   are 1 to 255 characters like the raw names.
//! - The token counts as given when the key is present with any value but `null`.

use super::report::{Requirement, Rule};
use super::rules::Judge;
use super::table::{Field, Format, INTEGER_MAX, IntRule, Kind, Need};
use super::walk::Slot;

const ROOT: Option<usize> = None;
const TOKEN: usize = 3;
const EXPIRATION_DATE: usize = 14;
/// The raw account fields, excluded by the token.
const RAW: [usize; 8] = [13, 14, 15, 16, 17, 18, 19, 20];
const SENDER: Option<usize> = Some(21);
const NAME: Option<usize> = Some(23);
const ADDRESS: Option<usize> = Some(26);
const TELCOM: Option<usize> = Some(32);
const LEDGER: Option<usize> = Some(36);

const fn integer(name: &'static str, rule: IntRule) -> Field {
    Field::new(name, name, ROOT, Kind::Integer(rule))
        .required()
        .echo()
}

const fn retail(name: &'static str) -> Field {
    Field::text(name, name, ROOT, 0, 255).need(Need::When(Requirement::RetailCardPresent))
}

/// The push-to-card request's fields; the constants above index into it.
pub(crate) static FIELDS: [Field; 41] = [
    integer("participant_id", IntRule::Range(1, INTEGER_MAX)),
    Field::format(
        "account_type",
        "account_type",
        ROOT,
        Format::Exact("CA", "\"CA\""),
    )
    .required()
    .echo(),
    Field::new("amount", "amount", ROOT, Kind::Amount)
        .required()
        .echo(),
    Field::text(
        "customer_account_token",
        "customer_account_token",
        ROOT,
        1,
        255,
    ),
    integer(
        "source_of_funds",
        IntRule::OneOf(&[1, 2, 3, 4], "1, 2, 3 or 4"),
    ),
    Field::text(
        "participant_unique_id1",
        "participant_unique_id1",
        ROOT,
        1,
        255,
    )
    .required(),
    Field::text(
        "participant_unique_id2",
        "participant_unique_id2",
        ROOT,
        0,
        255,
    ),
    integer("timestamp", IntRule::Range(0, INTEGER_MAX)),
    integer("version", IntRule::Exact(11, "11")),
    Field::format("recipient_phone", "recipient_phone", ROOT, Format::Phone),
    retail("store_id"),
    retail("terminal_id"),
    retail("clerk_id"),
    // 13..=20: raw account fields.
    Field::text("account", "account", ROOT, 1, 255),
    Field::format("expiration_date", "expiration_date", ROOT, Format::Yymm),
    Field::text("recipient_first_name", "recipient_first_name", ROOT, 1, 255),
    Field::text("recipient_last_name", "recipient_last_name", ROOT, 1, 255),
    Field::text("recipient_address1", "recipient_address1", ROOT, 1, 255),
    Field::text("recipient_city", "recipient_city", ROOT, 1, 255),
    Field::format("recipient_state", "recipient_state", ROOT, Format::State).echo(),
    Field::format("recipient_zip", "recipient_zip", ROOT, Format::Zip).echo(),
    // 21: sender.
    Field::new("sender", "sender", ROOT, Kind::Object).need(Need::When(Requirement::SenderData)),
    Field::text("sender_account", "sender.sender_account", SENDER, 1, 100).required(),
    Field::new(
        "name_personal",
        "sender.name_personal",
        SENDER,
        Kind::Object,
    )
    .required(),
    Field::text(
        "first_name",
        "sender.name_personal.first_name",
        NAME,
        1,
        150,
    )
    .required(),
    Field::text("last_name", "sender.name_personal.last_name", NAME, 1, 150).required(),
    Field::new(
        "contact_address",
        "sender.contact_address",
        SENDER,
        Kind::Object,
    )
    .required(),
    Field::text(
        "address1",
        "sender.contact_address.address1",
        ADDRESS,
        1,
        150,
    )
    .required(),
    Field::text(
        "address2",
        "sender.contact_address.address2",
        ADDRESS,
        0,
        150,
    ),
    Field::text("city", "sender.contact_address.city", ADDRESS, 1, 150).required(),
    Field::format(
        "state",
        "sender.contact_address.state",
        ADDRESS,
        Format::State,
    )
    .echo(),
    Field::format("zip", "sender.contact_address.zip", ADDRESS, Format::Zip).echo(),
    Field::new(
        "contact_telcom",
        "sender.contact_telcom",
        SENDER,
        Kind::Object,
    )
    .required(),
    Field::new(
        "email",
        "sender.contact_telcom.email",
        TELCOM,
        Kind::Text {
            min: 1,
            max: Some(150),
            format: Format::Email,
        },
    )
    .required(),
    Field::format(
        "phone_home",
        "sender.contact_telcom.phone_home",
        TELCOM,
        Format::Phone,
    ),
    Field::format(
        "phone_mobile",
        "sender.contact_telcom.phone_mobile",
        TELCOM,
        Format::Phone,
    ),
    // 36: ledger.
    Field::new("ledger", "ledger", ROOT, Kind::Object).need(Need::When(Requirement::LedgerService)),
    Field::text("api_key", "ledger.api_key", LEDGER, 1, 100).required(),
    Field::text("user_id", "ledger.user_id", LEDGER, 1, 100).required(),
    Field::format(
        "entity_type",
        "ledger.entity_type",
        LEDGER,
        Format::OneOf(
            &["program", "business", "user"],
            "program, business or user",
        ),
    )
    .required()
    .echo(),
    Field::text("entity_id", "ledger.entity_id", LEDGER, 0, 100),
];

/// Token versus raw account fields, in both directions.
pub(crate) fn cross_field(judge: &mut Judge<'_, '_>) {
    let token = judge.slot(TOKEN).is_given();
    for index in RAW {
        let present = judge.slot(index) != Slot::Absent;
        if token && present {
            judge.violation(index, Rule::ForbiddenWithToken);
        } else if !token && !present && index != EXPIRATION_DATE {
            judge.violation(index, Rule::Required(Requirement::NoAccountToken));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_and_its_indices_agree() {
        crate::payload::table::assert_table_consistent(&FIELDS);
        assert_eq!(FIELDS[TOKEN].path, "customer_account_token");
        assert_eq!(FIELDS[EXPIRATION_DATE].path, "expiration_date");
        let raw = RAW.map(|i| FIELDS[i].path);
        assert_eq!(
            raw,
            [
                "account",
                "expiration_date",
                "recipient_first_name",
                "recipient_last_name",
                "recipient_address1",
                "recipient_city",
                "recipient_state",
                "recipient_zip",
            ]
        );
        for (index, path) in [
            (SENDER, "sender"),
            (NAME, "sender.name_personal"),
            (ADDRESS, "sender.contact_address"),
            (TELCOM, "sender.contact_telcom"),
            (LEDGER, "ledger"),
        ] {
            assert_eq!(FIELDS[index.unwrap()].path, path);
        }
    }
}
