//! Re-sign bookkeeping: the newest signature of every artifact, and the
//! list of artifacts whose newest signature is by a key no longer active.
//!
//! The ledger is a sibling document of the manifest (format
//! `cosign-keys-signatures`, version 1), not part of it, because:
//! - signing is the hot path (every pipeline run) while lifecycle changes are
//!   rare; one document would make every signing pipeline race every
//!   rotation's check-and-set saves;
//! - pipelines can be allowed to write the ledger without being allowed to
//!   change the keyring (a separate file, or a separate Vault path/policy);
//! - the manifest stays small enough to review in a change request.
//!
//! It keeps one entry per (artifact reference, digest): the newest
//! signature, which is all the re-sign list needs. The full history of
//! signing events is in the audit trail.

use serde::{Deserialize, Serialize};

use super::{KeyState, Manifest};
use crate::{Error, Result, Timestamp};

/// The `format` field's value.
pub const LEDGER_FORMAT: &str = "cosign-keys-signatures";

/// One signing event: an artifact signed by a key in a pipeline.
///
/// ```
/// use cosign_keys::keyring::SigningEvent;
/// let e = SigningEvent::new("registry.example/app:1.0", "sha256:ab12", "pipeline-7");
/// assert_eq!(e.pipeline, "pipeline-7");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SigningEvent {
    /// The artifact reference (an image reference, a file name, a URL).
    pub artifact: String,
    /// Its digest, e.g. `sha256:…`.
    pub digest: String,
    /// The pipeline (run) that signed it.
    pub pipeline: String,
    /// The signing key's fingerprint (filled in when recorded).
    #[serde(default)]
    #[schemars(with = "crate::Fingerprint")]
    pub fingerprint: String,
    /// The signing key's keyring id (filled in when recorded; 0 if the key is
    /// not in the keyring).
    #[serde(default)]
    pub key_id: u32,
    /// When it was signed (filled in when recorded).
    pub signed_at: Timestamp,
}

impl SigningEvent {
    /// An event for `artifact` at `digest`, signed by `pipeline`; the key and
    /// time are set when it is recorded.
    #[must_use]
    pub fn new(
        artifact: impl Into<String>,
        digest: impl Into<String>,
        pipeline: impl Into<String>,
    ) -> Self {
        Self {
            artifact: artifact.into(),
            digest: digest.into(),
            pipeline: pipeline.into(),
            fingerprint: String::new(),
            key_id: 0,
            signed_at: Timestamp::from_unix_seconds(0),
        }
    }
}

/// An artifact to sign again: its newest signature is by a key that is no
/// longer active.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ResignEntry {
    /// The newest signature's event.
    #[serde(flatten)]
    pub signed: SigningEvent,
    /// The signing key's state now (`deactivated`, `compromised`, …; `unknown`
    /// for a key not in the keyring).
    pub key_state: String,
}

/// The ledger document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Ledger {
    pub(crate) format: String,
    pub(crate) version: u32,
    pub(crate) artifacts: Vec<SigningEvent>,
}

impl Default for Ledger {
    fn default() -> Self {
        Self {
            format: LEDGER_FORMAT.to_owned(),
            version: 1,
            artifacts: Vec::new(),
        }
    }
}

impl Ledger {
    pub(crate) fn from_json(bytes: &[u8]) -> Result<Self> {
        let ledger: Self = serde_json::from_slice(bytes).map_err(|e| Error::KeyringInvalid {
            reason: format!("the signature ledger is not valid JSON: {e}"),
        })?;
        if ledger.format != LEDGER_FORMAT || ledger.version != 1 {
            return Err(Error::KeyringInvalid {
                reason: format!(
                    "the signature ledger is format `{}` version {}, expected `{LEDGER_FORMAT}` \
                     version 1",
                    ledger.format, ledger.version
                ),
            });
        }
        Ok(ledger)
    }

    pub(crate) fn to_json(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).unwrap_or_default();
        out.push(b'\n');
        out
    }

    /// Keeps `event` if it is the newest signature of its artifact.
    pub(crate) fn record(&mut self, event: SigningEvent) {
        match self
            .artifacts
            .iter_mut()
            .find(|e| e.artifact == event.artifact && e.digest == event.digest)
        {
            Some(existing) if existing.signed_at <= event.signed_at => *existing = event,
            Some(_) => {}
            None => {
                self.artifacts.push(event);
                self.artifacts.sort_by(|a, b| {
                    (a.artifact.as_str(), a.digest.as_str())
                        .cmp(&(b.artifact.as_str(), b.digest.as_str()))
                });
            }
        }
    }

    pub(crate) fn resign(&self, manifest: &Manifest) -> Vec<ResignEntry> {
        self.artifacts
            .iter()
            .filter_map(|e| {
                let key = e
                    .fingerprint
                    .parse()
                    .ok()
                    .and_then(|fp| manifest.by_fingerprint(&fp));
                match key {
                    Some(k) if k.state == KeyState::Active => None,
                    Some(k) => Some(ResignEntry {
                        signed: e.clone(),
                        key_state: k.describe_state(),
                    }),
                    None => Some(ResignEntry {
                        signed: e.clone(),
                        key_state: "unknown".into(),
                    }),
                }
            })
            .collect()
    }
}

/// The ledger's location beside a manifest: `keyring.json` →
/// `keyring.signatures.json`, anything else gets `.signatures` appended
/// (`vault-kv://secret/team/keyring` → `vault-kv://secret/team/keyring.signatures`).
///
/// ```
/// use cosign_keys::keyring::ledger_location;
/// assert_eq!(ledger_location("keys/keyring.json"), "keys/keyring.signatures.json");
/// assert_eq!(ledger_location("vault-kv://secret/t/keyring"), "vault-kv://secret/t/keyring.signatures");
/// ```
#[must_use]
pub fn ledger_location(manifest_uri: &str) -> String {
    match manifest_uri.strip_suffix(".json") {
        Some(stem) => format!("{stem}.signatures.json"),
        None => format!("{manifest_uri}.signatures"),
    }
}
