//! `ingo-sign`: sign, verify and explain Ingo Payments HMAC requests from the command line.
//!
//! Everything lives in [`signer_std::cli`]; `docs/cli.md` shows each subcommand.

fn main() -> std::process::ExitCode {
    signer_std::cli::main()
}
