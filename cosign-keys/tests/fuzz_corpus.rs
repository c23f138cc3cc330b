//! Replays the fuzz corpora on stable, without libFuzzer: every check body
//! of `fuzz/checks/<target>.rs` (the code each fuzz target runs) over every
//! file of `fuzz/corpus/<target>`, `fuzz/seeds/<target>` and
//! `fuzz/regressions/<target>`. So an input that once crashed a target, and
//! everything the fuzzers found interesting, stays a test in `cargo test`.
//! Run the fuzzers themselves with `fuzz/run.sh` (nightly).

use std::path::{Path, PathBuf};

#[path = "../../fuzz/checks/audit_log.rs"]
mod audit_log;
#[path = "../../fuzz/checks/backup.rs"]
mod backup;
#[path = "../../fuzz/checks/envelope.rs"]
mod envelope;
#[path = "../../fuzz/checks/envelope_json.rs"]
mod envelope_json;
#[path = "../../fuzz/checks/import.rs"]
mod import;
#[path = "../../fuzz/checks/manifest.rs"]
mod manifest;
#[path = "../../fuzz/checks/public_key.rs"]
mod public_key;
#[path = "../../fuzz/checks/store_index.rs"]
mod store_index;
#[path = "../../fuzz/checks/text.rs"]
mod text;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// Every input file of `target`, sorted.
fn inputs(target: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for kind in ["corpus", "seeds", "regressions"] {
        let Ok(entries) = std::fs::read_dir(fuzz_dir().join(kind).join(target)) else {
            continue;
        };
        files.extend(entries.flatten().map(|e| e.path()).filter(|p| p.is_file()));
    }
    files.sort();
    files
}

/// Runs `check` over every input of `target`; returns how many ran.
fn replay(target: &str, check: fn(&[u8])) -> usize {
    let files = inputs(target);
    for file in &files {
        let data = std::fs::read(file).expect("read a corpus file");
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(
            outcome.is_ok(),
            "fuzz check `{target}` failed on {}",
            file.display()
        );
    }
    files.len()
}

macro_rules! replay_test {
    ($name:ident) => {
        #[test]
        fn $name() {
            let ran = replay(stringify!($name), $name::check);
            // The seeds are committed: an empty run means the files moved.
            assert!(ran > 0, "no inputs found for `{}`", stringify!($name));
        }
    };
}

replay_test!(envelope);
replay_test!(envelope_json);
replay_test!(public_key);
replay_test!(import);
replay_test!(text);
replay_test!(manifest);
replay_test!(audit_log);
replay_test!(backup);
replay_test!(store_index);
