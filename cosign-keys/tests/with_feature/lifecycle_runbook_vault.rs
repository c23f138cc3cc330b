#[path = "../support/lifecycle.rs"]
mod lifecycle;
#[path = "../support/runbook.rs"]
mod runbook;
#[path = "../support/vault.rs"]
mod vault;

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

/// A soft-deleted Vault version can be undeleted, so its material is not
/// gone; when the store no longer says which key it held, destroy refuses
/// (even with "material gone") and records nothing, and after an undelete
/// the checked destroy goes through.
#[test]
fn a_soft_deleted_version_of_unknown_key_is_not_gone() {
    use cosign_keys::keyring::blocking::Keyring;
    use cosign_keys::keyring::{Compromise, DestroyOptions, KeyState};
    use cosign_keys::ErrorCode;
    use lifecycle::{alice, config, new_key, t};

    let Some(server) = vault::server() else {
        return;
    };
    let dir = TempDir::new("vault-soft-deleted");
    let path = format!("cosign-keys-tests/{}", vault::unique("soft-deleted"));
    let store = format!("vault-kv://secret/{path}");
    let keyring = Keyring::open(config(&dir.0)).unwrap();
    keyring
        .rotate(&new_key(&store), &alice(), t("2026-01-01T00:00:00Z"))
        .unwrap();
    let compromise = Compromise {
        reason: "token leaked".into(),
        incident: "INC-11-vault".into(),
    };
    keyring
        .revoke("1", &compromise, &alice(), t("2026-01-02T00:00:00Z"))
        .unwrap();
    // Someone strips what names the version's key (its custom metadata and
    // the public companion), then soft-deletes it.
    server.bao(
        &[
            "kv",
            "metadata",
            "put",
            "-custom-metadata=note=stripped",
            &format!("secret/{path}"),
        ],
        None,
    );
    server.bao(
        &["kv", "metadata", "delete", &format!("secret/{path}.pub")],
        None,
    );
    server.bao(
        &["kv", "delete", "-versions=1", &format!("secret/{path}")],
        None,
    );
    let versions = Store::open(&store).unwrap().versions().unwrap();
    assert_eq!(versions.len(), 1, "{versions:?}");
    assert!(versions[0].fingerprint.is_none(), "{versions:?}");

    for options in [DestroyOptions::default(), DestroyOptions::material_gone()] {
        let err = keyring
            .destroy_with("1", &options, &alice(), t("2026-01-03T00:00:00Z"))
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidTransition, "{err}");
        assert!(err.to_string().contains("soft-deleted"), "{err}");
        let (manifest, _) = keyring.manifest().unwrap().unwrap();
        assert_eq!(manifest.key(1).unwrap().state, KeyState::Compromised);
        assert!(manifest.pending.is_none(), "{:?}", manifest.pending);
    }

    // Undeleted, the version is checked against the recorded fingerprint
    // (from the key itself) and destroyed for good.
    server.bao(
        &["kv", "undelete", "-versions=1", &format!("secret/{path}")],
        None,
    );
    keyring
        .destroy("1", &alice(), t("2026-01-03T00:00:00Z"))
        .unwrap();
    let (manifest, _) = keyring.manifest().unwrap().unwrap();
    assert_eq!(manifest.key(1).unwrap().state, KeyState::Destroyed);
    let versions = Store::open(&store).unwrap().versions().unwrap();
    assert_eq!(
        versions[0].state,
        cosign_keys::store::VersionState::Destroyed,
        "{versions:?}"
    );
}
