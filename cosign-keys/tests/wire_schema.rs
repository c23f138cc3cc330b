//! The wire schema: the checked-in `schema/cosign-keys.schema.json` is what
//! the Rust types generate (so Go and Python, generated from it, match the
//! core), and every document the library hands across a language boundary,
//! made by real keyring operations, validates against it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/lifecycle.rs"]
mod lifecycle;

use std::collections::BTreeSet;
use std::path::PathBuf;

use cosign_keys::audit::AuditLog;
use cosign_keys::backup::{blocking as backup, BackupOptions, BackupSecret};
use cosign_keys::keyring::blocking::Keyring;
use cosign_keys::keyring::{Compromise, SigningEvent};
use cosign_keys::wire;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use lifecycle::{alice, config, digest, new_key, password, t, TempDir};

fn schema_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../schema/cosign-keys.schema.json")
}

#[test]
fn checked_in_schema_is_current() {
    let generated = wire::schema_text();
    if std::env::var_os("COSIGN_KEYS_WRITE_SCHEMA").is_some() {
        std::fs::write(schema_file(), &generated).unwrap();
    }
    let on_disk = std::fs::read_to_string(schema_file()).unwrap_or_default();
    assert!(
        on_disk == generated,
        "schema/cosign-keys.schema.json is stale: run scripts/gen-wire.sh and commit the result"
    );
}

/// Validates `value` against the schema's `$defs/<name>`, and proves that
/// the document round-trips: what the schema accepts here deserializes back
/// into the same value.
fn check<T>(validators: &mut Vec<String>, name: &str, value: &T)
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let mut root = wire::schema();
    root["$ref"] = Value::String(format!("#/$defs/{name}"));
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&root)
        .unwrap();
    let instance = serde_json::to_value(value).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{name} does not match the schema: {errors:?}\n{instance:#}"
    );
    let back: T = serde_json::from_value(instance.clone())
        .unwrap_or_else(|e| panic!("{name} does not read back: {e}\n{instance:#}"));
    assert_eq!(&back, value, "{name} changed on its way through JSON");
    validators.push(name.to_owned());
}

#[test]
fn every_document_validates_against_the_schema() {
    let dir = TempDir::new("wire");
    let keyring = Keyring::open(config(&dir.0)).unwrap();
    let store = |v: &str| dir.path(&format!("keys/{v}")).to_str().unwrap().to_owned();
    let mut seen = Vec::new();

    let first = keyring
        .rotate(&new_key(&store("v1")), &alice(), t("2026-01-01T00:00:00Z"))
        .unwrap();
    check(&mut seen, "RotationOutcome", &first);
    let second = keyring
        .rotate(&new_key(&store("v2")), &alice(), t("2026-06-01T00:00:00Z"))
        .unwrap();
    assert!(second.old_fingerprint.is_some());
    check(&mut seen, "RotationOutcome", &second);

    let now = t("2026-06-02T00:00:00Z");
    let signed = keyring
        .sign_digest(
            "registry.example/app",
            &digest(1),
            "ci-1",
            &password(),
            &alice(),
            now,
        )
        .unwrap();
    check(&mut seen, "SignedArtifact", &signed);
    let event = SigningEvent {
        artifact: "registry.example/lib".into(),
        digest: digest(2),
        pipeline: "ci-2".into(),
        fingerprint: first.new_fingerprint.clone(),
        key_id: first.new_key,
        signed_at: t("2026-02-01T00:00:00Z"),
    };
    let recorded = keyring.record_signing(event, None, &alice(), now).unwrap();
    check(&mut seen, "SigningEvent", &recorded);

    let revoked = keyring
        .revoke(
            &first.new_key.to_string(),
            &Compromise {
                reason: "laptop stolen".into(),
                incident: "INC-7".into(),
            },
            &alice(),
            now,
        )
        .unwrap();
    check(&mut seen, "RevocationOutcome", &revoked);
    // A third key: what the second signed is to be signed again.
    let third = keyring
        .rotate(&new_key(&store("v3")), &alice(), now)
        .unwrap();
    check(&mut seen, "RotationOutcome", &third);
    let resign = keyring.resign_list().unwrap();
    assert!(!resign.is_empty());
    for entry in &resign {
        check(&mut seen, "ResignEntry", entry);
    }

    check(&mut seen, "Status", &keyring.status(now).unwrap());
    check(&mut seen, "Due", &keyring.due(now).unwrap());
    check(
        &mut seen,
        "TrustBundle",
        &keyring.trust_bundle(now).unwrap(),
    );
    let (manifest, _) = keyring.manifest().unwrap().unwrap();
    assert!(manifest.keys.iter().any(|k| k.compromise.is_some()));
    check(&mut seen, "Manifest", &manifest);

    let log = AuditLog::new(dir.path("audit.jsonl"));
    check(&mut seen, "AuditReport", &log.verify(None).unwrap());
    for entry in log.entries().unwrap() {
        check(&mut seen, "AuditEntry", &entry);
    }

    let mut options = BackupOptions::default();
    options.work_factor = Some(10);
    let (summary, _) = backup::create(
        &keyring,
        &dir.path("backup.age"),
        &BackupSecret::Passphrase("backup pass".into()),
        &options,
        &alice(),
        now,
    )
    .unwrap();
    check(&mut seen, "BackupSummary", &summary);

    let err = keyring
        .revoke(
            "99",
            &Compromise {
                reason: "no such key".into(),
                incident: "INC-8".into(),
            },
            &alice(),
            now,
        )
        .unwrap_err();
    check(&mut seen, "ErrorDocument", &err.document());

    // Every listed document but the recovery summary (its own test in
    // backup's suite builds one; the schema test for it is the one above's
    // shape, `keys` being the same type) was made and checked here.
    let seen: BTreeSet<_> = seen.into_iter().collect();
    let listed: BTreeSet<_> = wire::DOCUMENTS
        .iter()
        .map(|d| d.name.to_owned())
        .filter(|n| n != "RecoverySummary")
        .collect();
    assert_eq!(seen, listed);
}

#[test]
fn schema_names_every_document_and_uses_one_time_format() {
    let schema = wire::schema();
    let defs = schema["$defs"].as_object().unwrap();
    for document in wire::DOCUMENTS {
        assert!(
            defs.contains_key(document.name),
            "{} missing",
            document.name
        );
    }
    // Every time in every document is the one Timestamp type.
    let text = serde_json::to_string(&schema).unwrap();
    assert_eq!(text.matches("\"date-time\"").count(), 1, "one time type");
}
