//! Fuzz target `sign_verify`: see `signer_fuzz::sign_verify` for the input format and the properties checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| signer_fuzz::sign_verify(data));
