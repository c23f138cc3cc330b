//! Fuzz target `import`: the body is `fuzz/checks/import.rs`, which
//! `cosign-keys/tests/fuzz_corpus.rs` replays over the corpora on stable.
#![no_main]

#[path = "../checks/import.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check(data));
