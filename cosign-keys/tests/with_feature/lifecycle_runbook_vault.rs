#[path = "../support/lifecycle.rs"]
mod lifecycle;
#[path = "../support/runbook.rs"]
mod runbook;

use cosign_keys::keyring::KeyringConfig;
use cosign_keys::store::blocking::Store;
use cosign_keys::store::DeleteMode;
use lifecycle::TempDir;

fn vault_available() -> bool {
    let set = |k: &str| std::env::var(k).is_ok_and(|v| !v.is_empty());
    if set("VAULT_ADDR") {
        assert!(
            set("VAULT_TOKEN"),
            "VAULT_ADDR is set but VAULT_TOKEN is not (use openbao.sh env)"
        );
        return true;
    }
    let reason = "VAULT_ADDR is not set: run `eval \"$(scripts/servers/openbao.sh env)\"` after \
                  `scripts/servers/openbao.sh start`";
    assert!(
        std::env::var("COSIGN_KEYS_REQUIRE_VAULT").as_deref() != Ok("1"),
        "COSIGN_KEYS_REQUIRE_VAULT=1 but {reason}"
    );
    eprintln!("SKIP: {reason}");
    false
}

#[test]
fn the_whole_runbook_on_vault_kv() {
    if !vault_available() {
        return;
    }
    let dir = TempDir::new("runbook-vault");
    let root = dir.0.clone();
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let base = format!(
        "vault-kv://secret/cosign-keys-tests/runbook-{}-{nonce}",
        std::process::id()
    );
    let store = format!("{base}/cosign");
    let config = KeyringConfig::new(format!("{base}/keyring"), root.join("audit.jsonl"));
    let recovered_store = format!("{base}/recovered-cosign");
    let recover_to = KeyringConfig::new(
        format!("{base}/recovered-keyring"),
        root.join("recovered-audit.jsonl"),
    );
    let (wipe_store, wipe_root) = (store.clone(), root.clone());
    runbook::run(runbook::Runbook {
        config,
        store: store.clone(),
        trust_dir: root.join("trust"),
        backup: root.join("keyring-backup.age"),
        wipe: Box::new(move || {
            // The key material in Vault and the local audit log are lost.
            Store::open(&wipe_store)
                .unwrap()
                .delete(None, DeleteMode::Destroy)
                .unwrap();
            let _ = std::fs::remove_file(wipe_root.join("audit.jsonl"));
            let _ = std::fs::remove_dir_all(wipe_root.join("trust"));
        }),
        recover_to,
        store_map: vec![(store, recovered_store)],
    });
}
