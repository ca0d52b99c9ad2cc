//! Payload validation (SPEC §6) of a body before it is signed and sent.

use ingo_signer_core::payload::{self, Endpoint, Options, PayloadError};
use napi::Env;
use napi::bindgen_prelude::Either;
use napi_derive::napi;

use crate::bytes;
use crate::error::{Failure, Outcome, Throw};

/// What the caller knows about its participant: which conditional fields its bodies must carry.
#[napi(object, object_to_js = false)]
pub struct ValidateOptions {
    /// PayPal-enabled: Session Create's `recipient_information.email_address` is required
    /// (`session-create` only).
    pub paypal: Option<bool>,
    /// Uses sender data: `sender` is required (`push-to-card` only).
    pub sender: Option<bool>,
    /// Uses the ledger service: `ledger` is required (`push-to-card` only).
    pub ledger: Option<bool>,
    /// Retail card-present: `store_id`, `terminal_id` and `clerk_id` are required
    /// (`push-to-card` only).
    pub retail: Option<bool>,
}

/// One rule broken by one field.
#[napi(object, object_from_js = false)]
pub struct Violation {
    /// The field's dotted JSON path (`recipient_information.zip_code`); `$` for the whole body
    /// when it is not acceptable JSON.
    pub path: String,
    /// The rule's stable identifier (`zip`, `required`, ...; `json.*` for a body that is not
    /// strict JSON).
    pub rule: String,
    /// The core's message, path first
    /// (`recipient_information.zip_code: "3723" must be 5 digits or 5+4 digits`).
    pub message: String,
    /// The raw JSON text of the offending value, where the field's values may be shown (for a
    /// string, the text between its quotes); absent otherwise.
    pub value: Option<String>,
}

/// Judges a request body for `endpoint` (`'session-create'` or `'push-to-card'`) against every
/// field rule of the protocol: returns every violation found (an empty array when the body may
/// be sent), at most 32.
#[napi]
pub fn validate(
    env: Env,
    #[napi(ts_arg_type = "'session-create' | 'push-to-card'")] endpoint: String,
    body: Either<String, &[u8]>,
    options: Option<ValidateOptions>,
) -> napi::Result<Vec<Violation>> {
    judge(&endpoint, bytes(&body), options).or_throw(&env)
}

fn judge(endpoint: &str, body: &[u8], options: Option<ValidateOptions>) -> Outcome<Vec<Violation>> {
    let endpoint = match endpoint {
        "session-create" => Endpoint::SessionCreate,
        "push-to-card" => Endpoint::PushToCard,
        other => {
            return Err(Failure::InvalidArg(format!(
                "`endpoint` must be 'session-create' or 'push-to-card'; got {other:?}"
            )));
        }
    };
    let options = options_for(endpoint, options)?;
    Ok(match payload::validate(endpoint, options, body) {
        Ok(()) => Vec::new(),
        Err(PayloadError::Json(e)) => vec![Violation {
            path: "$".to_owned(),
            rule: e.kind().to_owned(),
            message: format!("$: {}", PayloadError::Json(e)),
            value: None,
        }],
        Err(PayloadError::Invalid(report)) => report
            .violations()
            .iter()
            .map(|violation| Violation {
                path: violation.path().to_string(),
                rule: violation.kind().to_owned(),
                message: violation.to_string(),
                value: violation.value().map(str::to_owned),
            })
            .collect(),
    })
}

/// The core's options. An option that does not apply to the endpoint is refused rather than
/// ignored: ignoring it would make a body look checked for a rule it was not checked for.
fn options_for(endpoint: Endpoint, given: Option<ValidateOptions>) -> Outcome<Options> {
    let Some(given) = given else {
        return Ok(Options::new());
    };
    let set = |flag: Option<bool>| flag.unwrap_or(false);
    let misplaced = match endpoint {
        Endpoint::SessionCreate => [
            ("sender", given.sender),
            ("ledger", given.ledger),
            ("retail", given.retail),
        ]
        .into_iter()
        .find(|(_, flag)| set(*flag))
        .map(|(name, _)| (name, "push-to-card")),
        Endpoint::PushToCard => set(given.paypal).then_some(("paypal", "session-create")),
    };
    if let Some((name, applies_to)) = misplaced {
        return Err(Failure::InvalidArg(format!(
            "option `{name}` applies to the '{applies_to}' endpoint only"
        )));
    }
    let mut options = Options::new();
    if set(given.paypal) {
        options = options.with_paypal_enabled();
    }
    if set(given.sender) {
        options = options.with_sender_data();
    }
    if set(given.ledger) {
        options = options.with_ledger_service();
    }
    if set(given.retail) {
        options = options.with_retail_card_present();
    }
    Ok(options)
}
