//! Stack and instruction figures of sign and verify on the RV32IMAC (`ci.sh` runs it with
//! `cargo run --release --bin figures`).
#![no_std]
#![no_main]

use firmware_riscv::{Chip, cases, run};

#[riscv_rt::entry]
fn main() -> ! {
    run(cases::figures::run::<Chip>)
}
