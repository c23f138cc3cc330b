//! Fuzz target `store_index`: the body is `fuzz/checks/store_index.rs`, which
//! `cosign-keys/tests/fuzz_corpus.rs` replays over the corpora on stable.
#![no_main]

#[path = "../checks/store_index.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check(data));
