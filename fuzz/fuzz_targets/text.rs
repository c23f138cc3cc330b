//! Fuzz target `text`: the body is `fuzz/checks/text.rs`, which
//! `cosign-keys/tests/fuzz_corpus.rs` replays over the corpora on stable.
#![no_main]

#[path = "../checks/text.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check(data));
