//! `cargo test` runs this on QEMU's riscv32 virt (see firmware/README.md).
#![no_std]
#![no_main]

use firmware_riscv::{cases, run};

#[riscv_rt::entry]
fn main() -> ! {
    run(cases::vectors::run)
}
