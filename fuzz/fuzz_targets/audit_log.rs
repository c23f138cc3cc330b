//! Fuzz target `audit_log`: the body is `fuzz/checks/audit_log.rs`, which
//! `cosign-keys/tests/fuzz_corpus.rs` replays over the corpora on stable.
#![no_main]

#[path = "../checks/audit_log.rs"]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check(data));
