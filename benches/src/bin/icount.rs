//! Runs one contender `N` times, for instruction counting under valgrind: timings on a shared
//! machine are noisy, instruction counts are not. `benches/icount.sh` runs every contender with
//! `N` and with 0 iterations and reports `(Ir(N) - Ir(0)) / N`.
//!
//! Usage: `icount CONTENDER N`; `icount list` names the contenders.

use std::process::ExitCode;

use benches::contenders::{Fixture, NAMES};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("list") {
        NAMES.iter().for_each(|name| println!("{name}"));
        return ExitCode::SUCCESS;
    }
    let (Some(name), Some(n)) = (args.get(1), args.get(2).and_then(|n| n.parse::<u64>().ok()))
    else {
        eprintln!("usage: icount CONTENDER N | icount list");
        return ExitCode::FAILURE;
    };
    // Everything is prepared whether or not it is used, so Ir(0) subtracts the same setup.
    let fixture = Fixture::new();
    let Some(call) = fixture.contender(name) else {
        eprintln!("unknown contender {name}; `icount list` names them");
        return ExitCode::FAILURE;
    };
    for _ in 0..n {
        call();
    }
    ExitCode::SUCCESS
}
