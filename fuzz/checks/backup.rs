//! Backups and shares. The first byte picks what the rest is:
//!
//! * `0 mod 3`: an age backup file, opened with passphrase `x` under tiny
//!   KDF limits (work factor at most 4, 1 MiB), so a hostile header can
//!   never cost more; if it opens, the archive inside is checked as below;
//! * `1 mod 3`: a decrypted backup archive (JSON): if it parses, it must
//!   serialize, parse again to the same manifest and serialize identically;
//! * `2 mod 3`: share lines (one per line) for `combine_shares`: if they
//!   combine, the same shares in reverse order combine to the same
//!   passphrase.
//!
//! Shared by the fuzz target `backup` and `cosign-keys/tests/fuzz_corpus.rs`.

use cosign_keys::backup::{combine_shares, RecoveryOptions};
use cosign_keys::{fuzzing, DecryptOptions};

fn tiny_limits() -> RecoveryOptions {
    let mut options = RecoveryOptions::default();
    options.kdf_limits = DecryptOptions::default()
        .with_max_memory_bytes(1 << 20)
        .with_max_work(1 << 12);
    options.max_work_factor = Some(4);
    options
}

fn archive(plaintext: &[u8]) {
    let Ok((manifest, json)) = fuzzing::backup_archive(plaintext) else {
        return;
    };
    let (again, json_again) =
        fuzzing::backup_archive(&json).expect("a serialized archive must parse again");
    assert_eq!(again, manifest);
    assert_eq!(json_again, json);
}

fn shares(text: &[u8]) {
    let text = String::from_utf8_lossy(text);
    let lines: Vec<&str> = text.lines().take(300).collect();
    let Ok(passphrase) = combine_shares(&lines) else {
        return;
    };
    let reversed: Vec<&str> = lines.iter().rev().copied().collect();
    let again = combine_shares(&reversed).expect("the same shares in another order combine");
    assert_eq!(again.expose_secret(), passphrase.expose_secret());
}

/// Must not panic, and must not derive a key above the tiny limits, on any
/// input.
pub(crate) fn check(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        0 => {
            if let Ok(plaintext) = fuzzing::backup_decrypt(rest, "x", &tiny_limits()) {
                archive(&plaintext);
            }
        }
        1 => archive(rest),
        _ => shares(rest),
    }
}
