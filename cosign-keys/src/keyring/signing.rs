//! Using keyring keys: unlocking a stored key (audited key access), signing
//! an artifact digest, and recording signing events for the re-sign list.

use serde::{Deserialize, Serialize};

use super::material::{check_unlocked, Presence};
use super::{KeyLocation, KeyRecord, KeyState, Keyring, ResignEntry, SigningEvent};
use crate::audit::{AuditEvent, EventKind};
use crate::{Actor, Error, Password, PrivateKey, Result, Timestamp};

/// An artifact signed with the keyring's active key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SignedArtifact {
    /// The recorded signing event (with key and time).
    #[serde(flatten)]
    pub event: SigningEvent,
    /// The signature, base64 (as `cosign sign-blob` prints it).
    pub signature: String,
}

/// Parses `sha256:<hex>` or `<hex>` into bytes.
fn digest_bytes(digest: &str) -> Result<Vec<u8>> {
    let hex = digest.split_once(':').map_or(digest, |(_, h)| h);
    let bad = || Error::InvalidArgument {
        name: "digest",
        reason: format!("`{digest}` is not a hex digest (optionally `sha256:`-prefixed)"),
    };
    if hex.is_empty() {
        return Err(bad());
    }
    base16ct::mixed::decode_vec(hex).map_err(|_| bad())
}

impl Keyring {
    /// Reads and decrypts a stored private key: `key` (id or fingerprint),
    /// or the active key for `None`. Every access is audited
    /// (`key.accessed`). Destroyed keys and KMS keys (whose private key never
    /// leaves the KMS) are refused.
    ///
    /// The key at the recorded location must be the recorded key: its
    /// public key is checked before the access is audited and the private
    /// key read, and the decrypted key is checked again.
    ///
    /// # Errors
    /// [`Error::NotFound`] (also when nothing is at the recorded location),
    /// [`Error::KeyMismatch`] when another key is there,
    /// [`Error::InvalidTransition`] for a destroyed key,
    /// [`Error::NotSupported`] for a KMS key,
    /// [`Error::DecryptionFailed`], store and audit errors.
    pub async fn unlock(
        &self,
        key: Option<&str>,
        password: &Password,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(PrivateKey, KeyRecord)> {
        let manifest = self.load_flushed(now).await?.manifest;
        let record = match key {
            Some(selector) => manifest.find(selector)?.clone(),
            None => manifest.active().cloned().ok_or_else(|| Error::NotFound {
                what: format!("an active key in {}", self.location()),
            })?,
        };
        let version = match &record.location {
            _ if record.state == KeyState::Destroyed => {
                return Err(Error::InvalidTransition {
                    key: record.label(),
                    state: record.describe_state(),
                    operation: "unlock".into(),
                })
            }
            KeyLocation::Store { version, .. } => *version,
            KeyLocation::Kms { uri, .. } => {
                return Err(Error::NotSupported {
                    scheme: uri.split("://").next().unwrap_or_default().to_owned(),
                    reason: format!(
                        "key {} lives in a KMS and its private key never leaves it; sign through \
                         the KMS",
                        record.label()
                    ),
                })
            }
        };
        // The recorded key must be what is there before anything is read
        // out or audited as accessed.
        let store = match self.check_stored(&record).await? {
            Presence::Present(store) => store,
            Presence::Destroyed => {
                return Err(Error::NotFound {
                    what: format!(
                        "the private material of key {}: {} records that version destroyed",
                        record.label(),
                        self.resolved_location(&record.location)?
                    ),
                })
            }
        };
        self.emit(
            manifest.anchor().as_ref(),
            AuditEvent::new(EventKind::KeyAccessed, actor)
                .fingerprint(record.fingerprint)
                .target(record.location.to_string()),
            now,
        )?;
        let stored = store.get(Some(version)).await?;
        let location = self.resolved_location(&record.location)?;
        check_unlocked(&location, &record, stored.public_key.fingerprint())?;
        let key = stored.private_key.decrypt(password)?;
        check_unlocked(&location, &record, key.fingerprint())?;
        Ok((key, record))
    }

    /// Signs an artifact's digest with the active key (a stored key unlocked
    /// with `password`, or a KMS key — `password` is then unused), records
    /// the signing event and audits it. The signature is over the digest
    /// bytes, as `cosign sign-blob` of a pre-hashed blob.
    ///
    /// A KMS key's current public key must be the recorded one.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a bad digest; as [`Keyring::unlock`];
    /// [`Error::KeyMismatch`] when the KMS key's public key is not the
    /// recorded one; KMS errors.
    #[allow(clippy::too_many_arguments)]
    pub async fn sign_digest(
        &self,
        artifact: &str,
        digest: &str,
        pipeline: &str,
        password: &Password,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<SignedArtifact> {
        let bytes = digest_bytes(digest)?;
        let manifest = self.load_flushed(now).await?.manifest;
        let active = manifest.active().cloned().ok_or_else(|| Error::NotFound {
            what: format!("an active key in {}", self.location()),
        })?;
        // The fingerprint recorded is that of the key that really signed:
        // a rotation between reading the manifest and unlocking must not
        // put this signature on another key's record.
        let mut signer = active.fingerprint;
        let signature = match &active.location {
            KeyLocation::Kms { uri, .. } => {
                let kms = crate::kms::open(uri, &self.kms_options).await?;
                self.check_kms(&active, kms.as_ref()).await?;
                self.emit(
                    manifest.anchor().as_ref(),
                    AuditEvent::new(EventKind::KeyAccessed, actor)
                        .fingerprint(active.fingerprint)
                        .target(active.location.to_string()),
                    now,
                )?;
                kms.sign_digest(&bytes).await?
            }
            KeyLocation::Store { .. } => {
                let (key, record) = self.unlock(None, password, actor, now).await?;
                signer = record.fingerprint;
                key.sign_digest(&bytes)?
            }
        };
        let event = self
            .record_signing(
                SigningEvent::new(artifact, digest, pipeline),
                Some(&signer.to_string()),
                actor,
                now,
            )
            .await?;
        Ok(SignedArtifact {
            event,
            signature: signature.to_base64(),
        })
    }

    /// Records that `event.artifact` at `event.digest` was signed by the key
    /// with `fingerprint` (the active key for `None`) in `event.pipeline`, at
    /// `now`, and audits it. Use it when the signing happened elsewhere
    /// (e.g. `cosign sign` in a pipeline). Returns the event as recorded.
    ///
    /// # Errors
    /// [`Error::NotFound`] without an active key when `fingerprint` is
    /// `None`; [`Error::InvalidFingerprint`]; store and audit errors.
    pub async fn record_signing(
        &self,
        mut event: SigningEvent,
        fingerprint: Option<&str>,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<SigningEvent> {
        let manifest = self.load_flushed(now).await?.manifest;
        let key = match fingerprint {
            Some(text) => {
                let fp: crate::Fingerprint = text.parse()?;
                event.fingerprint = fp.to_string();
                manifest.by_fingerprint(&fp).cloned()
            }
            None => {
                let active = manifest.active().cloned().ok_or_else(|| Error::NotFound {
                    what: format!("an active key in {}", self.location()),
                })?;
                event.fingerprint = active.fingerprint.to_string();
                Some(active)
            }
        };
        event.key_id = key.map_or(0, |k| k.id);
        event.signed_at = now;
        // Recording is commutative: on a lost race, reload and add again.
        let mut saved = false;
        for _ in 0..16 {
            let (mut ledger, revision) = self.load_ledger().await?;
            ledger.record(event.clone());
            match self.ledger.save(&ledger.to_json(), revision).await {
                Ok(_) => {
                    saved = true;
                    break;
                }
                Err(Error::Conflict { .. }) => continue,
                Err(e) => return Err(e),
            }
        }
        if !saved {
            return Err(Error::Conflict {
                what: self.config.signatures_location(),
                reason: "too many concurrent writers; retry".into(),
            });
        }
        self.emit(
            manifest.anchor().as_ref(),
            AuditEvent::new(EventKind::ArtifactSigned, actor)
                .fingerprint(&event.fingerprint)
                .artifact(&event.artifact, &event.digest)
                .pipeline(&event.pipeline),
            now,
        )?;
        Ok(event)
    }

    /// The artifacts whose newest recorded signature is by a key that is no
    /// longer active (deactivated, compromised, …, or not in the keyring):
    /// exactly those a pipeline should sign again.
    ///
    /// # Errors
    /// Store errors; [`Error::KeyringInvalid`].
    pub async fn resign_list(&self) -> Result<Vec<ResignEntry>> {
        let manifest = self.load_required().await?.manifest;
        let (ledger, _) = self.load_ledger().await?;
        Ok(ledger.resign(&manifest))
    }
}
