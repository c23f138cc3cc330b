//! The keyring manifest: the JSON document (format `cosign-keys-keyring`,
//! version 1) that records every key version. The schema is described in
//! `docs/keyring-format.md`.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::{text, Compromise, KeyRecord, KeyState, RotationPolicy};
use crate::audit::{Anchor, AuditEvent, AuditHead};
use crate::{Actor, Algorithm, Error, Fingerprint, Result, Timestamp};

/// The `format` field's value.
pub const FORMAT: &str = "cosign-keys-keyring";
/// The `version` field's value this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// The whole keyring.
///
/// ```
/// use cosign_keys::keyring::{Manifest, RotationPolicy};
/// use cosign_keys::Timestamp;
///
/// let m = Manifest::new(RotationPolicy::quarterly(), Timestamp::from_unix_seconds(0));
/// let json = m.to_json();
/// assert!(String::from_utf8_lossy(&json).contains("\"format\": \"cosign-keys-keyring\""));
/// assert_eq!(Manifest::from_json(&json)?, m);
/// assert!(m.active().is_none());
/// # Ok::<(), cosign_keys::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Manifest {
    /// Always `cosign-keys-keyring`.
    pub format: String,
    /// Format version (1).
    pub version: u32,
    /// When the keyring was created.
    pub created_at: Timestamp,
    /// When it was last changed.
    pub updated_at: Timestamp,
    /// The rotation policy.
    pub policy: RotationPolicy,
    /// Every key version, by id (oldest first).
    pub keys: Vec<KeyRecord>,
    /// A lifecycle operation in progress (or interrupted): retrying it
    /// completes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<PendingOperation>,
    /// A destroy an emergency (revoke, emergency rotation) set aside rather
    /// than finish first: erasing material means reaching a store, which
    /// must never stand between an operator and a revocation. Nothing of it
    /// was recorded as done. When the emergency operation closes, the
    /// destroy becomes [`Manifest::pending`] again and the next operation
    /// (or a resume) completes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deferred: Option<PendingOperation>,
    /// The audit log's head when this revision was saved: the log must
    /// still hold that record (a deleted, truncated or replaced log is
    /// found by the next operation). `None` in manifests written before
    /// anchors existed (unknown; set by the next save).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_head: Option<AuditHead>,
    /// Where the record of [`Manifest::audit_head`] starts in the log (a
    /// byte offset), so checking the anchor reads one line however long the
    /// log has grown. `None` in manifests written before offsets were
    /// recorded (then the log is searched from its end); set by every save.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_offset: Option<u64>,
    /// Audit records an emergency operation (revoke, emergency rotation)
    /// could not write because the log could not be written; the next
    /// operation that can write appends them, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audit_pending: Vec<PendingAuditRecord>,
}

/// An audit record kept in the manifest until the log can be written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PendingAuditRecord {
    /// When the act happened (the record keeps this time when appended).
    pub time: Timestamp,
    /// Why it could not be written (the error, with its code).
    pub error: String,
    /// The record.
    pub record: AuditEvent,
}

/// The kind of a multi-step lifecycle operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum PendingKind {
    /// A scheduled rotation.
    Rotate,
    /// Marking a key compromised.
    Revoke,
    /// Marking the active key compromised and rotating, in one call.
    EmergencyRotate,
    /// Closing deactivated keys' transition windows for good.
    Retire,
    /// Deleting keys' private material.
    Destroy,
}

impl PendingKind {
    /// The kind's name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Rotate => "rotate",
            Self::Revoke => "revoke",
            Self::EmergencyRotate => "emergency-rotate",
            Self::Retire => "retire",
            Self::Destroy => "destroy",
        }
    }
}

/// How far a pending operation got. Each step is one atomic keyring save.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Step {
    /// The intent is recorded (and, for an emergency, the key is already
    /// marked compromised); the new key may or may not be in its store yet.
    Intent,
    /// The new key is in its store and recorded pre-active.
    Recorded,
    /// Every state change is saved; audit records and clearing remain.
    Committed,
}

/// Where a rotation puts its new key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum TargetKind {
    /// Generated locally, encrypted, stored in a key store.
    Store,
    /// Created inside a KMS.
    Kms,
}

/// The new key's destination, as recorded in a pending rotation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PendingTarget {
    /// Store or KMS.
    pub kind: TargetKind,
    /// Its URI.
    pub uri: String,
    /// The new key's algorithm.
    #[serde(with = "text")]
    #[schemars(with = "Algorithm")]
    pub algorithm: Algorithm,
}

/// An operation in progress. Its id tags the store version and the audit
/// records it writes, so a retry recognises its own earlier work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PendingOperation {
    /// Random operation id.
    pub id: String,
    /// What it is.
    pub kind: PendingKind,
    /// How far it got.
    pub step: Step,
    /// When it started.
    pub started_at: Timestamp,
    /// Who started it.
    pub actor: Actor,
    /// Rotations: where the new key goes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<PendingTarget>,
    /// Store rotations: the store's latest version before the new key was
    /// put (a version after it, tagged with this id, is ours).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_version_before: Option<u64>,
    /// The active key when the operation started (replaced by the new one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_key: Option<u32>,
    /// The new key, once recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_key: Option<u32>,
    /// Revocations: the compromised key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compromised_key: Option<u32>,
    /// Revocations: why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compromise: Option<Compromise>,
    /// Revoke, retire, destroy: the keys concerned.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<u32>,
    /// The transition window the old key gets.
    pub window_days: u32,
    /// Destroy: the caller asked to record material that is not found at
    /// its location as gone (without the store's proof).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub material_gone: bool,
    /// Destroy: the keys recorded destroyed on the caller's word (their
    /// material was not found); the audit record names them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unverified: Vec<u32>,
}

fn invalid(reason: impl Into<String>) -> Error {
    Error::KeyringInvalid {
        reason: reason.into(),
    }
}

impl Manifest {
    /// The audit anchor this revision was saved after, if any.
    pub(crate) fn anchor(&self) -> Option<Anchor> {
        self.audit_head.clone().map(|head| Anchor {
            head,
            offset: self.audit_offset,
        })
    }

    /// An empty keyring.
    #[must_use]
    pub fn new(policy: RotationPolicy, now: Timestamp) -> Self {
        Self {
            format: FORMAT.to_owned(),
            version: FORMAT_VERSION,
            created_at: now,
            updated_at: now,
            policy,
            keys: Vec::new(),
            pending: None,
            deferred: None,
            audit_head: None,
            audit_offset: None,
            audit_pending: Vec::new(),
        }
    }

    /// Parses and validates a manifest.
    ///
    /// # Errors
    /// [`Error::KeyringInvalid`] saying what is wrong.
    pub fn from_json(bytes: &[u8]) -> Result<Self> {
        let manifest: Self = serde_json::from_slice(bytes)
            .map_err(|e| invalid(format!("the manifest is not valid keyring JSON: {e}")))?;
        manifest.validate()?;
        Ok(manifest)
    }

    /// The manifest as pretty JSON (stable field order, ends in a newline).
    #[must_use]
    pub fn to_json(&self) -> Vec<u8> {
        // Serializing plain structs of strings and numbers cannot fail.
        let mut out = serde_json::to_vec_pretty(self).unwrap_or_default();
        out.push(b'\n');
        out
    }

    /// The active key, if any.
    #[must_use]
    pub fn active(&self) -> Option<&KeyRecord> {
        self.keys.iter().find(|k| k.state == KeyState::Active)
    }

    /// A key by id (`3`, `#3`) or fingerprint (`SHA256:…` or hex).
    ///
    /// # Errors
    /// [`Error::NotFound`].
    pub fn find(&self, selector: &str) -> Result<&KeyRecord> {
        let id = self.resolve(selector)?;
        self.key(id)
    }

    /// The record with this id.
    ///
    /// # Errors
    /// [`Error::NotFound`].
    pub fn key(&self, id: u32) -> Result<&KeyRecord> {
        self.keys
            .iter()
            .find(|k| k.id == id)
            .ok_or_else(|| Error::NotFound {
                what: format!("key #{id} in the keyring"),
            })
    }

    pub(crate) fn key_mut(&mut self, id: u32) -> Result<&mut KeyRecord> {
        self.keys
            .iter_mut()
            .find(|k| k.id == id)
            .ok_or_else(|| Error::NotFound {
                what: format!("key #{id} in the keyring"),
            })
    }

    /// The id a selector names.
    ///
    /// # Errors
    /// [`Error::NotFound`].
    pub fn resolve(&self, selector: &str) -> Result<u32> {
        let selector = selector.trim();
        let by_id = selector
            .strip_prefix('#')
            .unwrap_or(selector)
            .parse::<u32>()
            .ok();
        let by_fp = selector.parse::<Fingerprint>().ok();
        self.keys
            .iter()
            .find(|k| Some(k.id) == by_id || Some(k.fingerprint) == by_fp)
            .map(|k| k.id)
            .ok_or_else(|| Error::NotFound {
                what: format!("key `{selector}` in the keyring (give its id or fingerprint)"),
            })
    }

    /// The key with this fingerprint, if recorded.
    #[must_use]
    pub fn by_fingerprint(&self, fingerprint: &Fingerprint) -> Option<&KeyRecord> {
        self.keys.iter().find(|k| &k.fingerprint == fingerprint)
    }

    pub(crate) fn next_id(&self) -> u32 {
        self.keys.last().map_or(1, |k| k.id + 1)
    }

    /// Checks every invariant of the format.
    ///
    /// # Errors
    /// [`Error::KeyringInvalid`] naming the first violation.
    pub fn validate(&self) -> Result<()> {
        if self.format != FORMAT {
            return Err(invalid(format!(
                "format is `{}`, expected `{FORMAT}`",
                self.format
            )));
        }
        if self.version != FORMAT_VERSION {
            return Err(invalid(format!(
                "format version {} is not supported (this build reads version {FORMAT_VERSION}); \
                 upgrade cosign-keys",
                self.version
            )));
        }
        self.policy
            .validated()
            .map_err(|e| invalid(format!("policy: {e}")))?;
        let mut fingerprints = HashSet::new();
        let mut active = 0;
        for (index, key) in self.keys.iter().enumerate() {
            let label = key.label();
            if usize::try_from(key.id).ok() != Some(index + 1) {
                return Err(invalid(format!(
                    "key ids must be 1, 2, 3, … in order; found #{} at position {}",
                    key.id,
                    index + 1
                )));
            }
            let public = key.public_key()?;
            if public.fingerprint() != key.fingerprint {
                return Err(invalid(format!(
                    "key {label}: the fingerprint does not match its public key"
                )));
            }
            if public.algorithm() != key.algorithm {
                return Err(invalid(format!(
                    "key {label}: the algorithm does not match its public key"
                )));
            }
            if !fingerprints.insert(key.fingerprint) {
                return Err(invalid(format!("key {label} is recorded twice")));
            }
            let fields_ok = match key.state {
                KeyState::PreActive => key.activated_at.is_none(),
                KeyState::Active => key.activated_at.is_some() && key.deactivated_at.is_none(),
                KeyState::Deactivated => {
                    key.deactivated_at.is_some() && key.trusted_until.is_some()
                }
                KeyState::Compromised => key.compromise.is_some() && key.compromised_at.is_some(),
                KeyState::Destroyed => key.destroyed_at.is_some(),
            };
            if !fields_ok {
                return Err(invalid(format!(
                    "key {label}: its timestamps do not fit its state `{}`",
                    key.state
                )));
            }
            if key.retired_at.is_some()
                && matches!(key.state, KeyState::PreActive | KeyState::Active)
            {
                return Err(invalid(format!(
                    "key {label}: only deactivated keys can be retired"
                )));
            }
            if key.state == KeyState::Active {
                active += 1;
            }
            for (what, other) in [
                ("predecessor", key.predecessor),
                ("successor", key.successor),
            ] {
                if let Some(other) = other {
                    if other == key.id || !self.keys.iter().any(|k| k.id == other) {
                        return Err(invalid(format!(
                            "key {label}: its {what} #{other} is not in the keyring"
                        )));
                    }
                }
            }
        }
        if active > 1 {
            return Err(invalid(format!(
                "{active} keys are active; exactly one may be"
            )));
        }
        if let Some(pending) = &self.pending {
            for id in [pending.old_key, pending.new_key, pending.compromised_key]
                .into_iter()
                .flatten()
                .chain(pending.keys.iter().copied())
            {
                if !self.keys.iter().any(|k| k.id == id) {
                    return Err(invalid(format!(
                        "the pending {} names key #{id}, which is not in the keyring",
                        pending.kind.as_str()
                    )));
                }
            }
        }
        Ok(())
    }
}
