//! Fuzz target `authorization`: see `signer_fuzz::authorization` for the input format and the properties checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| signer_fuzz::authorization(data));
