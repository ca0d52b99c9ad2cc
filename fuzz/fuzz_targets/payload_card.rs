//! Fuzz target `payload_card`: see `signer_fuzz::payload_card` for the input format and the properties checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| signer_fuzz::payload_card(data));
