//! Stack and instruction figures of sign and verify on the Cortex-M4F (`ci.sh` runs it with
//! `cargo run --release --bin figures`).
#![no_std]
#![no_main]

use firmware_cortex_m::{Chip, cases, run};

#[cortex_m_rt::entry]
fn main() -> ! {
    run(cases::figures::run::<Chip>)
}
