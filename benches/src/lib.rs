//! Fixtures and the reference implementations the benchmarks compare the signer with.
//!
//! Everything a bench times lives here, so that the tests below can check that each contender
//! produces the same headers (or accepts the same request) as `signer-core` before its speed
//! means anything.

pub mod contenders;
pub mod fixtures;
pub mod http_sig;
pub mod lower_bound;
pub mod naive;
pub mod openssl_hmac;

#[cfg(test)]
mod tests;
