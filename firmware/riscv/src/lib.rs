//! The RV32IMAC board of the firmware tests: QEMU's `virt` machine. Output and exit status
//! through semihosting (QEMU's exit status is the verdict), instructions counted by `minstret`.
//! A panic or an exception prints what happened and exits with failure, so nothing can hang CI.
#![no_std]

use core::fmt;

use riscv_semihosting::{debug, hio};

pub use firmware_cases as cases;

/// The host's standard output, over semihosting.
pub struct Console(Option<hio::HostStream>);

impl Console {
    /// Opens the console.
    pub fn open() -> Self {
        Console(hio::hstdout().ok())
    }
}

impl fmt::Write for Console {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        match &mut self.0 {
            Some(stream) => stream.write_all(s.as_bytes()).map_err(|()| fmt::Error),
            None => Err(fmt::Error),
        }
    }
}

/// Ends the run: QEMU exits with 0 when `passed`, 1 otherwise.
pub fn exit(passed: bool) -> ! {
    loop {
        debug::exit(if passed {
            debug::EXIT_SUCCESS
        } else {
            debug::EXIT_FAILURE
        });
    }
}

/// Runs a case and exits with its verdict.
pub fn run(case: fn(&mut dyn fmt::Write) -> bool) -> ! {
    exit(case(&mut Console::open()))
}

/// The RV32IMAC as the figures see it.
pub struct Chip;

impl cases::figures::Chip for Chip {
    #[inline(always)]
    fn stack_pointer() -> usize {
        let sp: usize;
        // SAFETY: reads a register.
        unsafe { core::arch::asm!("mv {}, sp", out(reg) sp, options(nomem, nostack)) };
        sp
    }

    /// `minstret`: instructions retired (exact under `-icount shift=0`).
    fn instructions() -> u64 {
        riscv::register::minstret::read64()
    }

    fn spin(iterations: u32) {
        // SAFETY: a register-only loop: `addi` and `bnez`, two instructions per iteration.
        unsafe {
            core::arch::asm!(
                "2:",
                "addi {n}, {n}, -1",
                "bnez {n}, 2b",
                n = inout(reg) iterations.max(1) => _,
                options(nomem, nostack),
            );
        }
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let _ = fmt::Write::write_fmt(&mut Console::open(), format_args!("panic: {info}\n"));
    exit(false)
}

/// Any exception (a misaligned or illegal access, an ebreak outside semihosting) fails the run.
#[unsafe(export_name = "ExceptionHandler")]
fn exception_handler(frame: &riscv_rt::TrapFrame) -> ! {
    let cause = riscv::register::mcause::read();
    let _ = fmt::Write::write_fmt(
        &mut Console::open(),
        format_args!(
            "exception: mcause {:#x}, mepc {:#x}, ra {:#x}\n",
            cause.bits(),
            riscv::register::mepc::read(),
            frame.ra
        ),
    );
    exit(false)
}
