//! The Cortex-M4F board of the firmware tests: QEMU's `mps2-an386`. Output and exit status
//! through semihosting (QEMU's exit status is the verdict), instructions counted by SysTick.
//! A panic or a fault prints what happened and exits with failure, so nothing can hang CI.
#![no_std]

use core::fmt;

use cortex_m::peripheral::SYST;
use cortex_m::peripheral::syst::SystClkSource;
use cortex_m_rt::{ExceptionFrame, exception};
use cortex_m_semihosting::{debug, hio};

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

/// The Cortex-M4F as the figures see it.
pub struct Chip;

/// SysTick counts down from this value.
const RELOAD: u32 = 0x00FF_FFFF;
/// The board's SysTick runs at 25 MHz: under `-icount shift=0` (1 instruction per ns) a tick is
/// 40 instructions. (The figures' calibration checks this.)
const INSTRUCTIONS_PER_TICK: u64 = 40;

impl cases::figures::Chip for Chip {
    #[inline(always)]
    fn stack_pointer() -> usize {
        cortex_m::register::msp::read() as usize
    }

    /// Instructions since SysTick was started (the first call starts it). The counter wraps
    /// after 2^24 ticks (671 million instructions), more than any measurement takes.
    fn instructions() -> u64 {
        // SAFETY: only the figures use SysTick; nothing else owns it.
        let mut syst = unsafe { cortex_m::Peripherals::steal() }.SYST;
        if !syst.is_counter_enabled() {
            syst.set_clock_source(SystClkSource::Core);
            syst.set_reload(RELOAD);
            syst.clear_current();
            syst.enable_counter();
            // Cleared, it reads 0 until its first tick reloads it.
            while SYST::get_current() == 0 {}
        }
        u64::from(RELOAD - SYST::get_current()) * INSTRUCTIONS_PER_TICK
    }

    fn spin(iterations: u32) {
        // SAFETY: a register-only loop: `subs` and `bne`, two instructions per iteration.
        unsafe {
            core::arch::asm!(
                "2:",
                "subs {n}, #1",
                "bne 2b",
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

#[exception]
unsafe fn HardFault(frame: &ExceptionFrame) -> ! {
    let _ = fmt::Write::write_fmt(
        &mut Console::open(),
        format_args!("hard fault: {frame:?}\n"),
    );
    exit(false)
}
