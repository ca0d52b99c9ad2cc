//! `cargo test` runs this on QEMU's mps2-an386 (see firmware/README.md).
#![no_std]
#![no_main]

use firmware_cortex_m::{cases, run};

#[cortex_m_rt::entry]
fn main() -> ! {
    run(cases::vectors::run)
}
