//! Fuzz target `x_date`: see `signer_fuzz::x_date` for the input format and the properties checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| signer_fuzz::x_date(data));
