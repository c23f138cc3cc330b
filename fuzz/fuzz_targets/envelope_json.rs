//! Fuzz target `envelope_json`: the body is `fuzz/checks/envelope_json.rs`, which
//! `cosign-keys/tests/fuzz_corpus.rs` replays over the corpora on stable.
#![no_main]

#[path = "../checks/envelope_json.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check(data));
