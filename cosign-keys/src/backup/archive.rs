//! What is inside the encrypted backup: one JSON document (format
//! `cosign-keys-backup`, version 1) with the manifest, the signature
//! ledger, a copy of the audit log, and every locally stored key version
//! that still has private material — as the store holds it: cosign's
//! *encrypted* private key PEM (still sealed with the key's own password),
//! the public key and the metadata. A password is included only for a key
//! whose store keeps one beside it (Vault KV's `password` field), so a
//! restore gives the store back exactly what it had.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

use crate::keyring::Manifest;
use crate::{Error, Result, Timestamp};

/// The `format` field's value.
pub(crate) const FORMAT: &str = "cosign-keys-backup";

#[derive(Serialize, Deserialize)]
pub(crate) struct Archive {
    pub(crate) format: String,
    pub(crate) version: u32,
    pub(crate) created_at: Timestamp,
    /// The keyring's location when backed up.
    pub(crate) keyring: String,
    pub(crate) manifest_revision: u64,
    pub(crate) manifest: Manifest,
    /// The signature ledger document, if there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) ledger: Option<String>,
    /// The audit log's content (JSON Lines).
    #[serde(default)]
    pub(crate) audit_log: String,
    pub(crate) keys: Vec<ArchivedKey>,
}

/// One stored key version. Its password, when present, is wiped on drop.
#[derive(Serialize, Deserialize)]
pub(crate) struct ArchivedKey {
    pub(crate) key_id: u32,
    pub(crate) fingerprint: String,
    pub(crate) uri: String,
    pub(crate) version: u64,
    /// Cosign's `ENCRYPTED SIGSTORE PRIVATE KEY` PEM.
    pub(crate) private_key: String,
    pub(crate) public_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) password_base64: Option<String>,
    pub(crate) created_by: String,
    pub(crate) created_at: Timestamp,
    #[serde(default)]
    pub(crate) labels: BTreeMap<String, String>,
}

impl Drop for ArchivedKey {
    fn drop(&mut self) {
        if let Some(password) = self.password_base64.as_mut() {
            password.zeroize();
        }
    }
}

impl Archive {
    pub(crate) fn from_json(bytes: &[u8]) -> Result<Self> {
        let archive: Self = serde_json::from_slice(bytes).map_err(|e| Error::RecoveryFailed {
            reason: format!("the backup decrypted but is not a cosign-keys backup: {e}"),
        })?;
        if archive.format != FORMAT || archive.version != 1 {
            return Err(Error::RecoveryFailed {
                reason: format!(
                    "the backup is format `{}` version {}; this build reads `{FORMAT}` version 1",
                    archive.format, archive.version
                ),
            });
        }
        archive.manifest.validate()?;
        Ok(archive)
    }
}
