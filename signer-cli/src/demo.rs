//! `ingo-sign demo`: signs the seed's Session Create request with a built-in demo key, prints it
//! as sent, reads the printed bytes back and verifies them.
//!
//! At the default instant (SPEC §7's) the Content-sha512 and signature are SPEC §7's known
//! answers. Standard output holds exactly the request, so it can be piped into `verify`; the
//! commentary and the verdict go to standard error.

use clap::Args;
use ingo_signer_core::date::format_imf_fixdate;
use ingo_signer_core::{Policy, Request, Signer, SigningKey, Verifier};

use crate::sign::http_request;
use crate::{CliError, Io, Status, with_kind};
use ingo_signer::raw_request::parse_raw_request;

/// The Session Create seed body, minified (470 bytes): SPEC §7's input.
pub const BODY: &str = r#"{"participant_unique_id1":"70646041-01ea-4cd6-b657-18ff88e465c7","host_uri":"https://digitalpay-test.ingo.money","language_locale_code":"en-US","recipient_information":{"first_name":"Alex","last_name":"Rivera","business_name":"Acme Limited","address_line1":"100 Innovation Way","city":"Anytown","state":"GA","zip_code":"37233","email_address":"jack.frost@example.com","phone_number":"1231231234","mobile_number":"1231231234","open_banking":{"mobus_customer_id":"9999"}}}"#;
/// Session Create's request-target.
pub const TARGET: &str = "/api/v1/sessions/point-in-time/plugin";
/// The host the seed sends Session Create to (sent, not signed).
pub const HOST: &str = "iip-session-management-uat.ingo.money";
/// The demo username.
pub const USERNAME: &str = "demo";
/// The demo secret: published in SPEC §7, so it protects nothing; never use it for real.
const SECRET: &[u8] = b"demo-secret-not-for-production";
/// Fri, 17 Jan 2020 19:59:29 GMT: the instant of SPEC §7's known answers.
pub const SPEC_NOW: u64 = 1_579_291_169;

/// `demo` arguments.
#[derive(Clone, Debug, Args)]
pub struct DemoArgs {
    /// Sign (and verify) at this instant, in Unix seconds, instead of SPEC §7's
    /// (1579291169, Fri, 17 Jan 2020 19:59:29 GMT).
    #[arg(long, value_name = "UNIX_SECONDS", default_value_t = SPEC_NOW)]
    pub now: u64,
}

/// Signs, prints, verifies.
///
/// # Errors
/// [`CliError`] when `--now` cannot be written as a date (after the year 9999).
pub fn run(args: &DemoArgs, io: &mut Io<'_>) -> Result<Status, CliError> {
    let key =
        SigningKey::new(USERNAME, SECRET).map_err(|e| CliError::new(with_kind(e, e.kind())))?;
    let signer = Signer::new(&key);
    let signed = signer
        .sign(&Request::new("POST", TARGET, BODY.as_bytes()), args.now)
        .map_err(|e| CliError::new(format!("cannot sign: {}", with_kind(e, e.kind()))))?;
    let bytes = http_request("POST", TARGET, Some(HOST), &signed, BODY.as_bytes());
    io.stdout.write_all(&bytes)?;
    io.stdout.flush()?;

    let date = format_imf_fixdate(args.now).map_err(|e| CliError::new(with_kind(e, e.kind())))?;
    writeln!(io.stderr)?;
    writeln!(
        io.stderr,
        "# signed with the built-in demo key (username {USERNAME:?}; its secret is published in SPEC §7: never use it for real)"
    )?;
    if args.now == SPEC_NOW {
        writeln!(
            io.stderr,
            "# at {} ({}), SPEC §7's instant: the Content-sha512 and the signature are SPEC §7's known answers",
            args.now,
            date.as_str()
        )?;
    } else {
        writeln!(io.stderr, "# at {} ({})", args.now, date.as_str())?;
    }

    // Verify what was printed, read back as a raw request, as `ingo-sign verify` would.
    let request = parse_raw_request(&bytes)
        .map_err(|e| CliError::new(format!("cannot parse the demo request: {e}")))?;
    let verifier = Verifier::new(&key, Policy::default());
    match verifier.verify(&request.head(), &request.body, args.now) {
        Ok(verified) => {
            writeln!(
                io.stderr,
                "verify: ok (username {}, {})",
                verified.username(),
                verified.algorithm()
            )?;
            Ok(Status::Success)
        }
        Err(e) => {
            writeln!(io.stderr, "verify: rejected: {}", with_kind(e, e.kind()))?;
            Ok(Status::Rejected)
        }
    }
}
