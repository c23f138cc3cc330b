#[path = "../support/vault.rs"]
mod support;

use std::sync::{Arc, Barrier};

use cosign_keys::store::{
    self, blocking::Store, DeleteMode, KeyMetadata, KeyPairRecord, PutOptions, StoreOptions,
    VersionState,
};
use cosign_keys::vault::VaultConfig;
use cosign_keys::{Algorithm, Error, ErrorCode, Password, PrivateKey, ScryptParams};
use support::unique;

const PASSWORD: &[u8] = b"vault kv test password";

fn options(config: VaultConfig) -> StoreOptions {
    let mut o = StoreOptions::default();
    o.vault = Some(config);
    o
}

fn open(config: VaultConfig, uri: &str) -> Store {
    Store::open_with(uri, &options(config)).unwrap()
}

/// A fresh key and a record for it (cheap scrypt unless `cosign_cost`).
fn record(alg: Algorithm, cosign_cost: bool, with_password: bool) -> (PrivateKey, KeyPairRecord) {
    let key = PrivateKey::generate(alg).unwrap();
    let password = Password::from_slice(PASSWORD);
    let private_key = if cosign_cost {
        key.encrypt(&password).unwrap()
    } else {
        key.encrypt_with(&password, ScryptParams::new(10, 8, 1).unwrap())
            .unwrap()
    };
    let mut metadata = KeyMetadata::new(key.public_key(), "vault-kv-test");
    metadata.labels.insert("team".into(), "release".into());
    let record = KeyPairRecord {
        private_key,
        public_key: key.public_key().clone(),
        password: with_password.then(|| Password::from_slice(PASSWORD)),
        metadata,
    };
    (key, record)
}

fn uri() -> String {
    format!("vault-kv://secret/cosign-keys-tests/{}", unique("key"))
}

fn overwrite() -> PutOptions {
    PutOptions {
        overwrite: true,
        expected_version: None,
    }
}

#[test]
fn round_trip_generate_put_get_decrypt_sign_verify() {
    let Some(s) = support::server() else { return };
    let uri = uri();
    let store = open(s.root(), &uri);
    for alg in [Algorithm::EcdsaP256, Algorithm::Ed25519, Algorithm::Rsa2048] {
        let (key, rec) = record(alg, alg == Algorithm::EcdsaP256, true);
        let fingerprint = key.fingerprint();
        let created_at = rec.metadata.created_at;
        let version = store.put(rec, &overwrite()).unwrap();

        let got = store.get(None).unwrap();
        assert_eq!(got.version, version);
        assert_eq!(got.metadata.fingerprint, fingerprint);
        assert_eq!(got.metadata.algorithm, alg);
        assert_eq!(got.metadata.created_by, "vault-kv-test");
        assert_eq!(got.metadata.created_at, created_at);
        assert_eq!(got.metadata.labels["team"], "release");
        assert_eq!(got.password.as_ref().unwrap().expose_secret(), PASSWORD);
        let unlocked = got
            .private_key
            .decrypt(got.password.as_ref().unwrap())
            .unwrap();
        assert_eq!(unlocked.fingerprint(), fingerprint);
        let sig = unlocked.sign(b"artifact").unwrap();
        key.public_key().verify(b"artifact", &sig).unwrap();
        got.public_key.verify(b"artifact", &sig).unwrap();

        let public = store.get_public(None).unwrap();
        assert_eq!(public.version, version);
        assert_eq!(public.public_key.fingerprint(), fingerprint);
        assert_eq!(public.metadata.fingerprint, fingerprint);
        let listed = store.versions().unwrap();
        assert_eq!(listed.last().unwrap().fingerprint, Some(fingerprint));
    }
    // The same pair through the text cosign writes: `vault kv get -field=private_key`.
    let path = uri.trim_start_matches("vault-kv://secret/");
    let pem = s.bao(
        &["kv", "get", "-field=private_key", &format!("secret/{path}")],
        None,
    );
    assert!(pem.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----"));
    let meta = s.bao(
        &[
            "kv",
            "metadata",
            "get",
            "-format=json",
            &format!("secret/{path}"),
        ],
        None,
    );
    let meta: serde_json::Value = serde_json::from_str(&meta).unwrap();
    let latest = store
        .get_public(None)
        .unwrap()
        .metadata
        .fingerprint
        .to_string();
    assert_eq!(
        meta["data"]["custom_metadata"]["fingerprint"],
        latest.as_str()
    );
    assert_eq!(
        meta["data"]["custom_metadata"]["fingerprint.v3"],
        latest.as_str()
    );
    store.delete(None, DeleteMode::Destroy).unwrap();
}

#[test]
fn approle_login_writes_and_reads() {
    let Some(s) = support::server() else { return };
    let uri = uri();
    let store = open(s.approle(), &uri);
    let (key, rec) = record(Algorithm::EcdsaP256, false, false);
    assert_eq!(store.put(rec, &PutOptions::default()).unwrap(), 1);
    let got = store.get(Some(1)).unwrap();
    assert!(got.password.is_none());
    assert_eq!(got.metadata.fingerprint, key.fingerprint());
    // The AppRole policy has no `patch`: the metadata fallback wrote it.
    assert_eq!(
        store.versions().unwrap()[0].fingerprint,
        Some(key.fingerprint())
    );
    store.delete(None, DeleteMode::Destroy).unwrap();
}

#[test]
fn wrong_approle_secret_is_permission_denied() {
    let Some(s) = support::server() else { return };
    let mut config = s.approle();
    config.auth =
        cosign_keys::vault::VaultAuth::app_role(&s.role_id, Password::from("not-the-secret-id"));
    let err = Store::open_with(&uri(), &options(config)).err().unwrap();
    assert_eq!(err.code(), ErrorCode::PermissionDenied, "{err}");
    assert!(err.to_string().contains("AppRole"), "{err}");
    assert!(!err.to_string().contains("not-the-secret-id"));
}

#[test]
fn wrong_token_is_permission_denied_and_never_shown() {
    let Some(s) = support::server() else { return };
    let uri = uri();
    let store = open(s.config("s.not-a-real-token"), &uri);
    let err = store.get(None).err().unwrap();
    assert_eq!(err.code(), ErrorCode::PermissionDenied, "{err}");
    let text = err.to_string();
    assert!(text.contains(&uri), "{text}");
    assert!(!text.contains("not-a-real-token"), "{text}");
    let (_, rec) = record(Algorithm::EcdsaP256, false, false);
    assert_eq!(
        store.put(rec, &PutOptions::default()).err().unwrap().code(),
        ErrorCode::PermissionDenied
    );
}

#[test]
fn read_only_token_cannot_write_and_nothing_changes() {
    let Some(s) = support::server() else { return };
    let uri = uri();
    let (key, rec) = record(Algorithm::EcdsaP256, false, false);
    open(s.root(), &uri)
        .put(rec, &PutOptions::default())
        .unwrap();

    let ro = open(s.config(&s.readonly_token), &uri);
    let (_, other) = record(Algorithm::EcdsaP256, false, true);
    let err = ro.put(other, &overwrite()).err().unwrap();
    assert_eq!(err.code(), ErrorCode::PermissionDenied, "{err}");
    assert!(err.to_string().contains(&uri), "{err}");
    assert_eq!(
        ro.delete(Some(1), DeleteMode::Destroy)
            .err()
            .unwrap()
            .code(),
        ErrorCode::PermissionDenied
    );

    let after = ro.get(None).unwrap();
    assert_eq!(after.version, 1);
    assert_eq!(after.metadata.fingerprint, key.fingerprint());
    assert!(after.password.is_none());
    assert_eq!(ro.versions().unwrap().len(), 1);
    open(s.root(), &uri)
        .delete(None, DeleteMode::Destroy)
        .unwrap();
}

#[test]
fn verifier_reads_the_public_key_without_access_to_the_private_key() {
    let Some(s) = support::server() else { return };
    let uri = uri();
    let path = uri.trim_start_matches("vault-kv://secret/").to_owned();
    let writer = open(s.root(), &uri);
    let (k1, r1) = record(Algorithm::EcdsaP256, false, true);
    let (k2, r2) = record(Algorithm::EcdsaP384, false, true);
    writer.put(r1, &PutOptions::default()).unwrap();
    writer.put(r2, &overwrite()).unwrap();

    // Exactly the policy documented for verifiers.
    let token = s.token_with_policy(&format!(
        "path \"secret/data/{path}.pub\" {{ capabilities = [\"read\"] }}\n\
         path \"secret/metadata/{path}\" {{ capabilities = [\"read\"] }}\n"
    ));
    let verifier = open(s.config(&token), &uri);
    assert_eq!(
        verifier.get(None).err().unwrap().code(),
        ErrorCode::PermissionDenied
    );
    let latest = verifier.get_public(None).unwrap();
    assert_eq!(
        (latest.version, latest.public_key.fingerprint()),
        (2, k2.fingerprint())
    );
    assert_eq!(latest.metadata.algorithm, Algorithm::EcdsaP384);
    let first = verifier.get_public(Some(1)).unwrap();
    assert_eq!(
        (first.version, first.metadata.fingerprint),
        (1, k1.fingerprint())
    );
    let listed: Vec<_> = verifier
        .versions()
        .unwrap()
        .into_iter()
        .map(|v| v.fingerprint)
        .collect();
    assert_eq!(listed, [Some(k1.fingerprint()), Some(k2.fingerprint())]);
    let err = verifier.get_public(Some(9)).err().unwrap();
    assert_eq!(err.code(), ErrorCode::NotFound, "{err}");
    writer.delete(None, DeleteMode::Destroy).unwrap();
}

#[test]
fn secret_written_by_hand_is_readable() {
    let Some(s) = support::server() else { return };
    let uri = uri();
    let path = format!("secret/{}", uri.trim_start_matches("vault-kv://secret/"));
    let (key, rec) = record(Algorithm::EcdsaP256, false, false);
    // What teams do today: `vault kv put secret/x private_key=@cosign.key public_key=@cosign.pub`.
    s.bao(
        &[
            "kv",
            "put",
            &path,
            &format!("private_key={}", rec.private_key.to_pem()),
            &format!("public_key={}", rec.public_key.to_pem()),
        ],
        None,
    );
    let store = open(s.root(), &uri);
    let got = store.get(None).unwrap();
    assert_eq!(got.metadata.fingerprint, key.fingerprint());
    got.private_key
        .decrypt(&Password::from_slice(PASSWORD))
        .unwrap();
    // No companion: the public key comes from the key secret.
    assert_eq!(
        store.get_public(None).unwrap().public_key.fingerprint(),
        key.fingerprint()
    );
    // No recorded fingerprint in metadata or companion.
    assert_eq!(store.versions().unwrap()[0].fingerprint, None);
    store.delete(None, DeleteMode::Destroy).unwrap();
}

#[test]
fn missing_key_is_not_found_naming_it() {
    let Some(s) = support::server() else { return };
    let uri = uri();
    let store = open(s.root(), &uri);
    for err in [
        store.get(None).err().unwrap(),
        store.get(Some(3)).err().unwrap(),
        store.get_public(None).err().unwrap(),
        store.delete(None, DeleteMode::Destroy).err().unwrap(),
        store.delete(Some(1), DeleteMode::Soft).err().unwrap(),
    ] {
        assert_eq!(err.code(), ErrorCode::NotFound, "{err}");
        assert!(err.to_string().contains(&uri), "{err}");
    }
    assert!(store.versions().unwrap().is_empty());
}

#[test]
fn create_only_refuses_an_existing_key_and_cas_mismatch_changes_nothing() {
    let Some(s) = support::server() else { return };
    let uri = uri();
    let store = open(s.root(), &uri);
    let (k1, r1) = record(Algorithm::EcdsaP256, false, false);
    assert_eq!(store.put(r1, &PutOptions::default()).unwrap(), 1);

    let (_, r2) = record(Algorithm::EcdsaP256, false, false);
    let err = store.put(r2, &PutOptions::default()).err().unwrap();
    assert!(matches!(err, Error::AlreadyExists { .. }), "{err}");
    assert!(err.to_string().contains(&uri));

    let (_, r3) = record(Algorithm::EcdsaP256, false, false);
    let stale = PutOptions {
        overwrite: true,
        expected_version: Some(7),
    };
    let err = store.put(r3, &stale).err().unwrap();
    assert_eq!(err.code(), ErrorCode::Conflict, "{err}");
    assert!(err.to_string().contains("expected version 7"), "{err}");

    let (_, r4) = record(Algorithm::EcdsaP256, false, false);
    let bad = PutOptions {
        overwrite: false,
        expected_version: Some(1),
    };
    assert_eq!(
        store.put(r4, &bad).err().unwrap().code(),
        ErrorCode::InvalidArgument
    );

    let versions = store.versions().unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(
        store.get(None).unwrap().metadata.fingerprint,
        k1.fingerprint()
    );

    let (k5, r5) = record(Algorithm::EcdsaP256, false, false);
    let next = PutOptions {
        overwrite: true,
        expected_version: Some(1),
    };
    assert_eq!(store.put(r5, &next).unwrap(), 2);
    assert_eq!(
        store.get(None).unwrap().metadata.fingerprint,
        k5.fingerprint()
    );
    store.delete(None, DeleteMode::Destroy).unwrap();
}

#[test]
fn concurrent_writers_one_wins_the_other_conflicts_no_version_lost() {
    let Some(s) = support::server() else { return };
    let uri = uri();
    let (_, first) = record(Algorithm::EcdsaP256, false, false);
    open(s.root(), &uri)
        .put(first, &PutOptions::default())
        .unwrap();

    const WRITERS: usize = 4;
    let barrier = Arc::new(Barrier::new(WRITERS));
    let handles: Vec<_> = (0..WRITERS)
        .map(|i| {
            let barrier = Arc::clone(&barrier);
            // Half by token, half by AppRole: two auth paths, one server.
            let config = if i % 2 == 0 { s.root() } else { s.approle() };
            let uri = uri.clone();
            std::thread::spawn(move || {
                let store = open(config, &uri);
                let put_after = |current: u64| {
                    let (key, rec) = record(Algorithm::EcdsaP256, false, false);
                    let cas = PutOptions {
                        overwrite: true,
                        expected_version: Some(current),
                    };
                    store.put(rec, &cas).map(|v| (v, key.fingerprint()))
                };
                let current = store.versions().unwrap().last().unwrap().version;
                barrier.wait();
                let first_try = put_after(current);
                let won = first_try.is_ok();
                // A loser re-reads and retries until its write lands.
                let mut attempt = first_try;
                loop {
                    match attempt {
                        Ok(landed) => return (won, landed),
                        Err(e) => assert_eq!(e.code(), ErrorCode::Conflict, "{e}"),
                    }
                    let current = store.versions().unwrap().last().unwrap().version;
                    attempt = put_after(current);
                }
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let winners = results.iter().filter(|r| r.0).count();
    assert_eq!(winners, 1, "exactly one first try wins: {results:?}");

    let store = open(s.root(), &uri);
    let versions = store.versions().unwrap();
    assert_eq!(
        versions.len(),
        1 + WRITERS,
        "every write is its own version"
    );
    let mut landed: Vec<u64> = results.iter().map(|r| r.1 .0).collect();
    landed.sort_unstable();
    assert_eq!(landed, (2..=1 + WRITERS as u64).collect::<Vec<_>>());
    // Each writer's key is the version it was told, in the secret, the
    // metadata and the public companion alike.
    for (_, (version, fingerprint)) in &results {
        let listed = versions.iter().find(|v| v.version == *version).unwrap();
        assert_eq!(listed.fingerprint, Some(*fingerprint));
        assert_eq!(
            store.get(Some(*version)).unwrap().metadata.fingerprint,
            *fingerprint
        );
        assert_eq!(
            store
                .get_public(Some(*version))
                .unwrap()
                .metadata
                .fingerprint,
            *fingerprint
        );
    }
    store.delete(None, DeleteMode::Destroy).unwrap();
}

#[test]
fn concurrent_create_only_puts_one_wins() {
    let Some(s) = support::server() else { return };
    let uri = uri();
    let barrier = Arc::new(Barrier::new(2));
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let (barrier, config, uri) = (Arc::clone(&barrier), s.root(), uri.clone());
            std::thread::spawn(move || {
                let store = open(config, &uri);
                let (_, rec) = record(Algorithm::EcdsaP256, false, false);
                barrier.wait();
                store.put(rec, &PutOptions::default()).map_err(|e| e.code())
            })
        })
        .collect();
    let mut outcomes: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    outcomes.sort_by_key(|o| o.is_err());
    assert_eq!(outcomes, [Ok(1), Err(ErrorCode::AlreadyExists)]);
    open(s.root(), &uri)
        .delete(None, DeleteMode::Destroy)
        .unwrap();
}

#[test]
fn versions_delete_and_destroy() {
    let Some(s) = support::server() else { return };
    let uri = uri();
    let store = open(s.root(), &uri);
    let mut fps = Vec::new();
    for _ in 0..3 {
        let (k, r) = record(Algorithm::EcdsaP256, false, true);
        fps.push(k.fingerprint());
        store.put(r, &overwrite()).unwrap();
    }
    let listed = store.versions().unwrap();
    assert_eq!(
        listed.iter().map(|v| v.version).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert!(listed
        .iter()
        .all(|v| v.state == VersionState::Live && v.created_at.is_some()));
    assert_eq!(
        listed
            .iter()
            .map(|v| v.fingerprint.unwrap())
            .collect::<Vec<_>>(),
        fps
    );

    store.delete(Some(2), DeleteMode::Soft).unwrap();
    store.delete(Some(1), DeleteMode::Destroy).unwrap();
    let states: Vec<_> = store.versions().unwrap().iter().map(|v| v.state).collect();
    assert_eq!(
        states,
        [
            VersionState::Destroyed,
            VersionState::Deleted,
            VersionState::Live
        ]
    );
    assert_eq!(
        store.get(Some(2)).err().unwrap().code(),
        ErrorCode::NotFound
    );
    assert_eq!(
        store.get(Some(1)).err().unwrap().code(),
        ErrorCode::NotFound
    );
    assert_eq!(store.get(None).unwrap().version, 3);
    assert_eq!(store.get(Some(3)).unwrap().metadata.fingerprint, fps[2]);
    // Public keys stay readable (a verifier may need them for old signatures).
    assert_eq!(
        store.get_public(Some(1)).unwrap().metadata.fingerprint,
        fps[0]
    );
    // A soft delete is recoverable with the vault CLI.
    let path = format!("secret/{}", uri.trim_start_matches("vault-kv://secret/"));
    s.bao(&["kv", "undelete", "-versions=2", &path], None);
    assert_eq!(store.get(Some(2)).unwrap().metadata.fingerprint, fps[1]);

    store.delete(None, DeleteMode::Soft).unwrap();
    assert!(store
        .versions()
        .unwrap()
        .iter()
        .all(|v| v.state != VersionState::Live));
    assert_eq!(store.get(None).err().unwrap().code(), ErrorCode::NotFound);
    assert_eq!(
        store.get_public(None).err().unwrap().code(),
        ErrorCode::NotFound
    );

    store.delete(None, DeleteMode::Destroy).unwrap();
    assert!(store.versions().unwrap().is_empty());
    assert_eq!(
        store
            .delete(None, DeleteMode::Destroy)
            .err()
            .unwrap()
            .code(),
        ErrorCode::NotFound
    );
    // Gone entirely, so a create-only put starts again at version 1.
    let (_, r) = record(Algorithm::EcdsaP256, false, false);
    assert_eq!(store.put(r, &PutOptions::default()).unwrap(), 1);
    store.delete(None, DeleteMode::Destroy).unwrap();
}

/// Runs a future on a private runtime (the document store is async only).
fn block<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

#[test]
fn keyring_document_is_saved_with_check_and_set() {
    let Some(s) = support::server() else { return };
    let uri = format!("vault-kv://secret/cosign-keys-tests/{}", unique("keyring"));
    let doc = block(store::open_document(&uri, &options(s.root()))).unwrap();
    assert_eq!(doc.location(), uri);
    assert!(block(doc.load()).unwrap().is_none());
    assert_eq!(block(doc.save(b"{\"keys\":[]}", 0)).unwrap(), 1);
    let err = block(doc.save(b"{\"other\":1}", 0)).err().unwrap();
    assert_eq!(err.code(), ErrorCode::Conflict, "{err}");
    assert!(err.to_string().contains(&uri));
    let loaded = block(doc.load()).unwrap().unwrap();
    assert_eq!(
        (loaded.bytes.as_slice(), loaded.revision),
        (b"{\"keys\":[]}".as_slice(), 1)
    );

    // Two writers that both read revision 1: one lands, one conflicts.
    let other = block(store::open_document(&uri, &options(s.approle()))).unwrap();
    let a = block(doc.save(b"from a", 1));
    let b = block(other.save(b"from b", 1));
    assert_eq!(a.as_ref().ok(), Some(&2));
    assert_eq!(b.err().unwrap().code(), ErrorCode::Conflict);
    assert_eq!(block(other.load()).unwrap().unwrap().bytes, b"from a");

    // Bytes that are not UTF-8 survive.
    assert_eq!(block(doc.save(&[0xff, 0, 0x80], 2)).unwrap(), 3);
    assert_eq!(block(doc.load()).unwrap().unwrap().bytes, [0xff, 0, 0x80]);
    open(s.root(), &uri)
        .delete(None, DeleteMode::Destroy)
        .unwrap();
}

#[test]
fn unreachable_server_is_unavailable_naming_it() {
    let Some(s) = support::server() else { return };
    let addr = format!("http://127.0.0.1:{}", support::closed_port());
    let mut config = s.root();
    config.address.clone_from(&addr);
    config.timeout = std::time::Duration::from_secs(3);
    let uri = uri();
    let store = open(config, &uri);
    let err = store.get(None).err().unwrap();
    assert_eq!(err.code(), ErrorCode::Unavailable, "{err}");
    let text = err.to_string();
    assert!(text.contains(&addr) && text.contains(&uri), "{text}");
    assert!(text.to_lowercase().contains("connect"), "{text}");
    // AppRole logs in when opening: the open itself reports it.
    let mut approle = s.approle();
    approle.address = addr;
    let err = Store::open_with(&uri, &options(approle)).err().unwrap();
    assert_eq!(err.code(), ErrorCode::Unavailable, "{err}");
}

#[test]
fn sealed_server_is_unavailable_then_recovers() {
    let Some(s) = support::server() else { return };
    // A private instance: sealing the shared one would fail every other test.
    let bao = support::PrivateBao::start(&s);
    let uri = uri();
    let store = open(bao.config(), &uri);
    let (key, rec) = record(Algorithm::EcdsaP256, false, false);
    store.put(rec, &PutOptions::default()).unwrap();
    // The transit KMS shares the client: check it here too.
    let mut kms_options = cosign_keys::kms::KmsOptions::default();
    kms_options.vault = Some(bao.config());
    let kms =
        cosign_keys::kms::blocking::KmsKey::open_with("hashivault://sealed-test", &kms_options)
            .unwrap();
    kms.create(Algorithm::EcdsaP256).unwrap();

    bao.run("seal");
    for err in [
        store.get(None).err().unwrap(),
        store.versions().err().unwrap(),
        kms.sign_digest(&[7u8; 32]).err().unwrap(),
    ] {
        assert_eq!(err.code(), ErrorCode::Unavailable, "{err}");
        assert!(err.to_string().contains("sealed"), "{err}");
        assert!(err.to_string().contains(&bao.addr), "{err}");
    }
    let (_, rec) = record(Algorithm::EcdsaP256, false, false);
    let err = store.put(rec, &overwrite()).err().unwrap();
    assert_eq!(err.code(), ErrorCode::Unavailable, "{err}");

    bao.run("unseal");
    let got = store.get(None).unwrap();
    assert_eq!(
        (got.version, got.metadata.fingerprint),
        (1, key.fingerprint())
    );
    let sig = kms.sign_digest(&[7u8; 32]).unwrap();
    kms.public_key()
        .unwrap()
        .verify_digest(&[7u8; 32], &sig)
        .unwrap();

    // Stopped: connection refused, named.
    bao.run("stop");
    for err in [
        store.get(None).err().unwrap(),
        kms.sign_digest(&[7u8; 32]).err().unwrap(),
    ] {
        assert_eq!(err.code(), ErrorCode::Unavailable, "{err}");
        assert!(err.to_string().contains(&bao.addr), "{err}");
    }
}

#[test]
fn unresponsive_server_times_out_as_unavailable() {
    let Some(s) = support::server() else { return };
    // Accepts connections and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = format!("http://{}", listener.local_addr().unwrap());
    let held = std::thread::spawn(move || {
        let mut open = Vec::new();
        for conn in listener.incoming().take(3) {
            open.push(conn);
        }
        std::thread::sleep(std::time::Duration::from_secs(5));
    });
    let mut config = s.root();
    config.address.clone_from(&addr);
    config.timeout = std::time::Duration::from_secs(1);
    let err = open(config, &uri()).get(None).err().unwrap();
    assert_eq!(err.code(), ErrorCode::Unavailable, "{err}");
    assert!(
        err.to_string().contains("no answer") && err.to_string().contains(&addr),
        "{err}"
    );
    drop(held);
}

#[test]
fn tls_is_verified_and_vault_cacert_is_trusted() {
    let Some(s) = support::server() else { return };
    let bao = support::TlsBao::start(&s);
    let uri = uri();
    // Without the CA: refused, with a hint, never "accept any certificate".
    let err = open(bao.config(false), &uri).get(None).err().unwrap();
    assert_eq!(err.code(), ErrorCode::Unavailable, "{err}");
    assert!(err.to_string().contains("VAULT_CACERT"), "{err}");

    // With the CA from VAULT_CACERT, as from_env reads it.
    let vars = [
        ("VAULT_ADDR", bao.addr.clone()),
        ("VAULT_TOKEN", bao.root_token.clone()),
        ("VAULT_CACERT", bao.ca_path().display().to_string()),
    ];
    let config =
        VaultConfig::from_lookup(|k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone()))
            .unwrap();
    let store = open(config, &uri);
    let (key, rec) = record(Algorithm::EcdsaP256, false, false);
    store.put(rec, &PutOptions::default()).unwrap();
    assert_eq!(
        store.get_public(None).unwrap().metadata.fingerprint,
        key.fingerprint()
    );

    // A different CA is refused too.
    let mut wrong = bao.config(false);
    wrong.ca_cert_pem = Some(std::fs::read(bao.dir.join("vault-cert.pem")).unwrap());
    let err = open(wrong, &uri).get(None).err().unwrap();
    assert_eq!(err.code(), ErrorCode::Unavailable, "{err}");
}

#[test]
fn vault_namespace_is_sent_on_every_request() {
    let Some(s) = support::server() else { return };
    let ns = unique("ck-ns");
    s.bao(&["namespace", "create", &ns], None);
    // `-namespace` is a flag of the subcommand: it goes after the verb.
    let in_ns = |args: &[&str]| {
        let (verb, rest) = args.split_at(2);
        let mut argv: Vec<&str> = verb.to_vec();
        argv.extend(["-namespace", ns.as_str()]);
        argv.extend_from_slice(rest);
        s.bao(&argv, None)
    };
    in_ns(&["secrets", "enable", "-path=secret", "-version=2", "kv"]);
    in_ns(&["secrets", "enable", "transit"]);
    let vars = [
        ("VAULT_ADDR", s.addr.clone()),
        ("VAULT_TOKEN", s.root_token.clone()),
        ("VAULT_NAMESPACE", ns.clone()),
    ];
    let lookup = |k: &str| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone());
    let uri = uri();
    let store = open(VaultConfig::from_lookup(lookup).unwrap(), &uri);
    let (key, rec) = record(Algorithm::EcdsaP256, false, false);
    store.put(rec, &PutOptions::default()).unwrap();
    assert_eq!(
        store.get(None).unwrap().metadata.fingerprint,
        key.fingerprint()
    );
    assert_eq!(
        store.get_public(None).unwrap().metadata.fingerprint,
        key.fingerprint()
    );
    // The custom metadata (a PATCH outside vaultrs) went to the namespace too.
    assert_eq!(
        store.versions().unwrap()[0].fingerprint,
        Some(key.fingerprint())
    );
    // Not in the root namespace.
    assert_eq!(
        open(s.root(), &uri).get(None).err().unwrap().code(),
        ErrorCode::NotFound
    );

    let mut kms_options = cosign_keys::kms::KmsOptions::default();
    kms_options.vault = Some(VaultConfig::from_lookup(lookup).unwrap());
    let kms_uri = format!("hashivault://{}", unique("ns-key"));
    let kms = cosign_keys::kms::blocking::KmsKey::open_with(&kms_uri, &kms_options).unwrap();
    let public = kms.create(Algorithm::EcdsaP256).unwrap();
    public
        .verify(b"ns", &kms.sign_blob(b"ns").unwrap())
        .unwrap();
    let mut root_options = cosign_keys::kms::KmsOptions::default();
    root_options.vault = Some(s.root());
    let at_root = cosign_keys::kms::blocking::KmsKey::open_with(&kms_uri, &root_options).unwrap();
    assert_eq!(
        at_root.public_key().err().unwrap().code(),
        ErrorCode::NotFound
    );
    store.delete(None, DeleteMode::Destroy).unwrap();
}
