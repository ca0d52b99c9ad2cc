//! Fuzz target `request_head`: see `signer_fuzz::request_head` for the input format and the properties checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| signer_fuzz::request_head(data));
