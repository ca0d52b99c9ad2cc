//! Fuzz target `http_request`: see `signer_fuzz::http_request` for the input format and the properties checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| signer_fuzz::http_request(data));
