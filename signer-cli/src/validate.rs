//! `ingo-sign validate`: a request body against SPEC §6's payload rules, with
//! [`ingo_signer_core::payload::validate`], before it is signed and sent.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use ingo_signer_core::payload::{self, Options, PayloadError};

use crate::{CliError, Io, Status, stdin_path, with_kind};

/// The endpoints whose bodies can be validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Endpoint {
    /// Session Create: POST /api/v1/sessions/point-in-time/plugin.
    SessionCreate,
    /// Push to card: POST /gateway/process--card.
    PushToCard,
}

impl From<Endpoint> for payload::Endpoint {
    fn from(e: Endpoint) -> Self {
        match e {
            Endpoint::SessionCreate => payload::Endpoint::SessionCreate,
            Endpoint::PushToCard => payload::Endpoint::PushToCard,
        }
    }
}

/// `validate` arguments: the endpoint and what is known about the participant.
#[derive(Clone, Debug, Args)]
pub struct ValidateArgs {
    /// The endpoint the body is for.
    #[arg(long, value_enum, value_name = "ENDPOINT")]
    pub endpoint: Endpoint,
    /// The participant is PayPal-enabled: recipient_information.email_address is required
    /// (session-create).
    #[arg(long)]
    pub paypal: bool,
    /// The participant sends sender data: `sender` is required (push-to-card).
    #[arg(long)]
    pub sender: bool,
    /// The participant uses the ledger service: `ledger` is required (push-to-card).
    #[arg(long)]
    pub ledger: bool,
    /// The participant is retail card-present: store_id, terminal_id and clerk_id are required
    /// (push-to-card).
    #[arg(long)]
    pub retail: bool,
    /// The body: a file, or `-` (or nothing) for standard input.
    #[arg(value_name = "BODY_FILE|-", default_value_os_t = stdin_path())]
    pub body: PathBuf,
}

impl ValidateArgs {
    /// The core's options; a flag that does not apply to the endpoint is a usage error rather
    /// than silently ignored (it would make a body look checked for a rule it was not).
    fn options(&self) -> Result<Options, CliError> {
        let misplaced = match self.endpoint {
            Endpoint::SessionCreate => [
                ("--sender", self.sender),
                ("--ledger", self.ledger),
                ("--retail", self.retail),
            ]
            .into_iter()
            .find(|(_, set)| *set)
            .map(|(flag, _)| (flag, "push-to-card")),
            Endpoint::PushToCard => self.paypal.then_some(("--paypal", "session-create")),
        };
        if let Some((flag, endpoint)) = misplaced {
            return Err(CliError::new(format!(
                "{flag} applies to --endpoint {endpoint} only"
            )));
        }
        let mut options = Options::new();
        if self.paypal {
            options = options.with_paypal_enabled();
        }
        if self.sender {
            options = options.with_sender_data();
        }
        if self.ledger {
            options = options.with_ledger_service();
        }
        if self.retail {
            options = options.with_retail_card_present();
        }
        Ok(options)
    }
}

/// Prints `ok` ([`Status::Success`]) when the body may be sent; otherwise one
/// `json.path: message [kind]` line per violation ([`Status::Rejected`]). A body that is not
/// strict JSON gets one line for the root, `$`.
///
/// # Errors
/// [`CliError`] when the body cannot be read or a flag does not apply to the endpoint.
pub fn run(args: &ValidateArgs, io: &mut Io<'_>) -> Result<Status, CliError> {
    let options = args.options()?;
    let body = io.read_input(&args.body, "body")?;
    match payload::validate(args.endpoint.into(), options, &body) {
        Ok(()) => {
            writeln!(io.stdout, "ok")?;
            Ok(Status::Success)
        }
        Err(PayloadError::Json(e)) => {
            writeln!(
                io.stdout,
                "$: {}",
                with_kind(
                    format_args!("the body is not acceptable JSON: {e}"),
                    e.kind()
                )
            )?;
            Ok(Status::Rejected)
        }
        Err(PayloadError::Invalid(report)) => {
            for violation in report.violations() {
                writeln!(io.stdout, "{}", with_kind(violation, violation.kind()))?;
            }
            if report.omitted() > 0 {
                writeln!(
                    io.stderr,
                    "ingo-sign: {} more violation(s) not listed; the report keeps the first {}",
                    report.omitted(),
                    payload::MAX_VIOLATIONS
                )?;
            }
            Ok(Status::Rejected)
        }
    }
}
