//! `ingo-sign verify`: one raw HTTP/1.x request, through the core's verifier.

use ingo_signer_core::Verifier;

use crate::args::VerifyArgs;
use crate::{CliError, Io, Status};

/// Prints `ok` and returns [`Status::Success`] when the request verifies; otherwise prints
/// `rejected: <reason> [<kind>]` on stderr and returns [`Status::Rejected`].
///
/// # Errors
/// [`CliError`] for input problems (see [`VerifyArgs::prepare`]).
pub fn run(args: &VerifyArgs, io: &mut Io<'_>) -> Result<Status, CliError> {
    let prepared = args.prepare(io)?;
    let required = prepared.required_names();
    let verifier = Verifier::new(&prepared.keys[..], prepared.policy(&required));
    let request = &prepared.request;
    match verifier.verify(&request.head(), &request.body, prepared.now) {
        Ok(_) => {
            writeln!(io.stdout, "ok")?;
            Ok(Status::Success)
        }
        Err(e) => {
            writeln!(io.stderr, "rejected: {}", prepared.describe(e))?;
            Ok(Status::Rejected)
        }
    }
}
