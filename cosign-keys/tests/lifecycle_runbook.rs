//! The key runbook, start to finish, on the file store: generate, sign,
//! rotate, trust bundle, re-sign list, window end, retire, compromise with
//! emergency rotation, destroy, audit, backup with shares, wipe, recover,
//! and the recovered keys sign and verify.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/lifecycle.rs"]
mod lifecycle;
#[path = "support/runbook.rs"]
mod runbook;

use lifecycle::{config, TempDir};

#[test]
fn the_whole_runbook_on_the_file_store() {
    let dir = TempDir::new("runbook-file");
    let root = dir.0.clone();
    let store = root.join("keys").to_str().unwrap().to_owned();
    let wipe_root = root.clone();
    std::fs::create_dir_all(root.join("offsite")).unwrap();
    runbook::run(runbook::Runbook {
        config: config(&root),
        store: store.clone(),
        trust_dir: root.join("trust"),
        backup: root.join("offsite").join("keyring-backup.age"),
        wipe: Box::new(move || {
            // Everything but the offsite backup is lost.
            for name in [
                "keys",
                "keyring.json",
                "keyring.signatures.json",
                "audit.jsonl",
                "trust",
            ] {
                let path = wipe_root.join(name);
                let _ = std::fs::remove_dir_all(&path);
                let _ = std::fs::remove_file(&path);
            }
            assert!(!wipe_root.join("keys").exists());
        }),
        recover_to: config(&root),
        store_map: Vec::new(),
    });
}
