//! `ingo-sign`: sign, verify and explain Ingo Payments HMAC requests from the command line.
//!
//! Everything lives in the [`ingo_sign`] library; `docs/cli.md` shows each subcommand.

fn main() -> std::process::ExitCode {
    ingo_sign::main()
}
