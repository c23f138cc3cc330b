//! The JSON shapes written to Vault KV: the key secret, its public
//! companion, and the custom metadata.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};

use crate::store::format_rfc3339;
use crate::store::{KeyMetadata, KeyPairRecord, StoredKey, StoredPublicKey};
use crate::vault::parse_time;
use crate::{EncryptedPrivateKey, Error, Fingerprint, Password, PublicKey, Result};

/// Field names in the key secret (the `vault kv put` names teams already use).
pub(super) const PRIVATE_KEY: &str = "private_key";
pub(super) const PUBLIC_KEY: &str = "public_key";
pub(super) const PASSWORD: &str = "password";
const FINGERPRINT: &str = "fingerprint";
const ALGORITHM: &str = "algorithm";
const CREATED_BY: &str = "created_by";
const CREATED_AT: &str = "created_at";
const LABELS: &str = "labels";
/// In the companion: the key version the top-level fields describe, and
/// every mirrored version's public entry.
const VERSION: &str = "version";
const VERSIONS: &str = "versions";

/// Custom metadata keys on the key secret.
pub(super) const META_FINGERPRINT: &str = "fingerprint";
const META_ALGORITHM: &str = "algorithm";
const META_CREATED_BY: &str = "created_by";
const META_MANAGED_BY: &str = "managed_by";
/// Prefix of the per-version fingerprint keys: `fingerprint.v3`.
pub(super) const META_VERSION_PREFIX: &str = "fingerprint.v";
/// Vault's limit on a custom metadata value.
const META_MAX_VALUE: usize = 512;
/// Per-version fingerprint keys kept (Vault allows 64 keys in all).
pub(super) const META_MAX_VERSIONS: u64 = 40;
/// Versions mirrored in the public companion.
const COMPANION_MAX_VERSIONS: usize = 100;

fn corrupt(what: &str, reason: impl std::fmt::Display) -> Error {
    Error::Backend {
        backend: "vault",
        status: None,
        message: format!("{what} is not a key stored by cosign-keys: {reason}"),
    }
}

/// The non-secret description of one version: public key and metadata.
pub(super) fn public_entry(public_key: &PublicKey, meta: &KeyMetadata) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(PUBLIC_KEY.into(), Value::String(public_key.to_pem()));
    m.insert(
        FINGERPRINT.into(),
        Value::String(meta.fingerprint.to_string()),
    );
    m.insert(
        ALGORITHM.into(),
        Value::String(meta.algorithm.as_str().into()),
    );
    m.insert(CREATED_BY.into(), Value::String(meta.created_by.clone()));
    m.insert(
        CREATED_AT.into(),
        Value::String(format_rfc3339(meta.created_at)),
    );
    m.insert(LABELS.into(), json!(meta.labels));
    m
}

/// The key secret's fields. The caller wipes the value after sending it.
pub(super) fn key_secret(record: &KeyPairRecord, what: &str) -> Result<Value> {
    let mut m = public_entry(&record.public_key, &record.metadata);
    m.insert(
        PRIVATE_KEY.into(),
        Value::String(record.private_key.to_pem()),
    );
    if let Some(password) = &record.password {
        let text =
            std::str::from_utf8(password.expose_secret()).map_err(|_| Error::InvalidArgument {
                name: "password",
                reason: format!("{what} keeps the password as text; this one is not UTF-8"),
            })?;
        m.insert(PASSWORD.into(), Value::String(text.to_owned()));
    }
    Ok(Value::Object(m))
}

fn text<'a>(m: &'a Map<String, Value>, field: &str) -> Option<&'a str> {
    m.get(field).and_then(Value::as_str)
}

/// Reads the public key and metadata fields of an entry (the key secret
/// itself, or one version in the companion).
fn decode_public(
    m: &Map<String, Value>,
    created: Option<SystemTime>,
    what: &str,
) -> Result<(PublicKey, KeyMetadata)> {
    let pem = text(m, PUBLIC_KEY).ok_or_else(|| corrupt(what, "no `public_key` field"))?;
    let public_key = PublicKey::from_pem(pem.as_bytes()).map_err(|e| corrupt(what, e))?;
    let fingerprint = public_key.fingerprint();
    if let Some(recorded) = text(m, FINGERPRINT) {
        let recorded: Fingerprint = recorded.parse().map_err(|e| corrupt(what, e))?;
        if recorded != fingerprint {
            return Err(corrupt(
                what,
                format!(
                    "the recorded fingerprint {recorded} is not the public key's ({fingerprint})"
                ),
            ));
        }
    }
    let labels: BTreeMap<String, String> = match m.get(LABELS) {
        Some(Value::Object(l)) => l
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
            .collect(),
        _ => BTreeMap::new(),
    };
    let metadata = KeyMetadata {
        fingerprint,
        algorithm: public_key.algorithm(),
        created_by: text(m, CREATED_BY).unwrap_or_default().to_owned(),
        created_at: text(m, CREATED_AT)
            .and_then(parse_time)
            .or(created)
            .unwrap_or(UNIX_EPOCH),
        labels,
    };
    Ok((public_key, metadata))
}

/// A key secret read back.
pub(super) fn decode_key(
    m: &Map<String, Value>,
    version: u64,
    created: Option<SystemTime>,
    what: &str,
) -> Result<StoredKey> {
    let (public_key, metadata) = decode_public(m, created, what)?;
    let pem = text(m, PRIVATE_KEY).ok_or_else(|| corrupt(what, "no `private_key` field"))?;
    let private_key =
        EncryptedPrivateKey::from_pem(pem.as_bytes()).map_err(|e| corrupt(what, e))?;
    let password = text(m, PASSWORD).map(|p| Password::from_slice(p.as_bytes()));
    Ok(StoredKey {
        version,
        private_key,
        public_key,
        password,
        metadata,
    })
}

/// A key secret's public half.
pub(super) fn decode_key_public(
    m: &Map<String, Value>,
    version: u64,
    created: Option<SystemTime>,
    what: &str,
) -> Result<StoredPublicKey> {
    let (public_key, metadata) = decode_public(m, created, what)?;
    Ok(StoredPublicKey {
        version,
        public_key,
        metadata,
    })
}

/// The public companion: the newest mirrored version's entry at the top,
/// and every mirrored version under `versions`.
#[derive(Default)]
pub(super) struct Companion {
    versions: BTreeMap<u64, Map<String, Value>>,
}

impl Companion {
    pub(super) fn decode(m: &Map<String, Value>) -> Self {
        let mut versions = BTreeMap::new();
        if let Some(Value::Object(vs)) = m.get(VERSIONS) {
            for (k, v) in vs {
                if let (Ok(n), Value::Object(entry)) = (k.parse::<u64>(), v) {
                    versions.insert(n, entry.clone());
                }
            }
        }
        // Written by hand with only the top-level fields: use those.
        if versions.is_empty() {
            if let Some(n) = m.get(VERSION).and_then(Value::as_u64) {
                versions.insert(n, m.clone());
            }
        }
        Self { versions }
    }

    /// Adds a version (keeping the newest [`COMPANION_MAX_VERSIONS`]).
    pub(super) fn insert(&mut self, version: u64, entry: Map<String, Value>) {
        self.versions.insert(version, entry);
        while self.versions.len() > COMPANION_MAX_VERSIONS {
            self.versions.pop_first();
        }
    }

    pub(super) fn encode(&self) -> Value {
        let mut top = self
            .versions
            .last_key_value()
            .map(|(n, e)| {
                let mut top = e.clone();
                top.insert(VERSION.into(), json!(n));
                top
            })
            .unwrap_or_default();
        let all: Map<String, Value> = self
            .versions
            .iter()
            .map(|(n, e)| (n.to_string(), Value::Object(e.clone())))
            .collect();
        top.insert(VERSIONS.into(), Value::Object(all));
        Value::Object(top)
    }

    /// The entry for `version` (`None`: the newest).
    pub(super) fn get(&self, version: Option<u64>, what: &str) -> Option<Result<StoredPublicKey>> {
        let (n, entry) = match version {
            Some(v) => (v, self.versions.get(&v)?),
            None => {
                let (n, e) = self.versions.last_key_value()?;
                (*n, e)
            }
        };
        Some(decode_key_public(entry, n, None, what))
    }

    /// Fingerprint of a mirrored version.
    pub(super) fn fingerprint(&self, version: u64) -> Option<Fingerprint> {
        self.versions
            .get(&version)
            .and_then(|e| text(e, FINGERPRINT)?.parse().ok())
    }
}

fn clip(s: &str) -> String {
    let mut end = s.len().min(META_MAX_VALUE);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

/// The custom metadata patch for a new `version`: its fingerprint key,
/// the "latest" keys when `latest`, and `null` for per-version keys that
/// fell out of the window (or whose version is gone).
pub(super) fn metadata_patch(
    version: u64,
    meta: &KeyMetadata,
    latest: bool,
    existing: &std::collections::HashMap<String, String>,
    live_versions: &std::collections::BTreeSet<u64>,
) -> Map<String, Value> {
    let mut patch = Map::new();
    let fp = meta.fingerprint.to_string();
    patch.insert(
        format!("{META_VERSION_PREFIX}{version}"),
        Value::String(fp.clone()),
    );
    if latest {
        patch.insert(META_FINGERPRINT.into(), Value::String(fp));
        patch.insert(
            META_ALGORITHM.into(),
            Value::String(meta.algorithm.as_str().into()),
        );
        patch.insert(
            META_CREATED_BY.into(),
            Value::String(clip(&meta.created_by)),
        );
        patch.insert(META_MANAGED_BY.into(), Value::String("cosign-keys".into()));
    }
    let newest = live_versions
        .last()
        .copied()
        .unwrap_or(version)
        .max(version);
    for key in existing.keys() {
        if let Some(n) = key
            .strip_prefix(META_VERSION_PREFIX)
            .and_then(|n| n.parse::<u64>().ok())
        {
            if n != version && (!live_versions.contains(&n) || n + META_MAX_VERSIONS <= newest) {
                patch.insert(key.clone(), Value::Null);
            }
        }
    }
    patch
}

/// A fingerprint recorded in custom metadata for `version`.
pub(super) fn metadata_fingerprint(
    custom: &std::collections::HashMap<String, String>,
    version: u64,
) -> Option<Fingerprint> {
    custom
        .get(&format!("{META_VERSION_PREFIX}{version}"))?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Algorithm, PrivateKey};
    use std::collections::{BTreeSet, HashMap};

    fn entry() -> (PublicKey, KeyMetadata) {
        let key = PrivateKey::generate(Algorithm::EcdsaP256).unwrap();
        let mut meta = KeyMetadata::new(key.public_key(), "ci");
        meta.labels.insert("team".into(), "release".into());
        (key.public_key().clone(), meta)
    }

    #[test]
    fn public_entry_round_trips() {
        let (pk, meta) = entry();
        let m = public_entry(&pk, &meta);
        let back = decode_key_public(&m, 3, None, "x").unwrap();
        assert_eq!(back.metadata, meta);
        assert_eq!(back.version, 3);
    }

    #[test]
    fn fingerprint_mismatch_is_reported() {
        let (pk, meta) = entry();
        let (_, other) = entry();
        let mut m = public_entry(&pk, &meta);
        m.insert(
            FINGERPRINT.into(),
            Value::String(other.fingerprint.to_string()),
        );
        let err = decode_key_public(&m, 1, None, "vault-kv://s/p")
            .err()
            .unwrap();
        assert!(err.to_string().contains("vault-kv://s/p"));
    }

    #[test]
    fn companion_keeps_versions_and_newest_on_top() {
        let mut c = Companion::default();
        let (pk1, m1) = entry();
        let (pk2, m2) = entry();
        c.insert(2, public_entry(&pk2, &m2));
        c.insert(1, public_entry(&pk1, &m1));
        let encoded = c.encode();
        let back = Companion::decode(encoded.as_object().unwrap());
        assert_eq!(back.get(None, "x").unwrap().unwrap().version, 2);
        assert_eq!(
            back.get(Some(1), "x")
                .unwrap()
                .unwrap()
                .metadata
                .fingerprint,
            m1.fingerprint
        );
        assert_eq!(back.fingerprint(2), Some(m2.fingerprint));
        assert!(back.get(Some(7), "x").is_none());
        assert_eq!(encoded["version"], json!(2));
        for n in 3..200 {
            c.insert(n, public_entry(&pk1, &m1));
        }
        assert_eq!(c.versions.len(), COMPANION_MAX_VERSIONS);
    }

    #[test]
    fn metadata_patch_prunes_old_and_gone_versions() {
        let (_, meta) = entry();
        let existing: HashMap<String, String> = [1u64, 2, 50, 59]
            .iter()
            .map(|n| (format!("{META_VERSION_PREFIX}{n}"), "x".to_owned()))
            .chain([("team".to_owned(), "a".to_owned())])
            .collect();
        let live: BTreeSet<u64> = [2u64, 50, 59, 60].into_iter().collect();
        let patch = metadata_patch(60, &meta, true, &existing, &live);
        assert_eq!(
            patch["fingerprint.v60"],
            json!(meta.fingerprint.to_string())
        );
        assert_eq!(patch["fingerprint.v1"], Value::Null, "version gone");
        assert_eq!(patch["fingerprint.v2"], Value::Null, "out of the window");
        assert!(!patch.contains_key("fingerprint.v50"));
        assert!(!patch.contains_key("team"), "foreign keys are left alone");
        assert_eq!(patch["managed_by"], json!("cosign-keys"));
        let older = metadata_patch(59, &meta, false, &existing, &live);
        assert!(!older.contains_key("fingerprint"));
    }

    #[test]
    fn long_creator_is_clipped_to_vaults_limit() {
        let (_, mut meta) = entry();
        meta.created_by = "é".repeat(600);
        let patch = metadata_patch(1, &meta, true, &HashMap::new(), &BTreeSet::new());
        assert!(patch["created_by"].as_str().unwrap().len() <= META_MAX_VALUE);
    }
}
