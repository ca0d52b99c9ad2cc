//! The crate's own Rust tests. They live inside the crate, not in `tests/`, because the crate
//! builds only the C libraries (`cdylib`, `staticlib`): an `rlib` named `ingo_signer` would
//! collide with the `ingo-signer` library's.

mod codes;
mod handles;
mod no_alloc;
