//! Synchronous facade over [`Keyring`](super::Keyring), for sync Rust, the
//! C ABI and Python. Safe to call from inside a Tokio runtime. Inputs are
//! URIs and strings; outputs are `serde::Serialize` (hand them out as JSON
//! with [`to_json`](super::to_json)).

use std::path::Path;

use super::{
    Compromise, DestroyOptions, Due, FailPoint, KeyRecord, KeyringConfig, Manifest, NewKey,
    PendingKind, ResignEntry, RevocationOutcome, RotateOptions, RotationOutcome, RotationPolicy,
    SignedArtifact, SigningEvent, Status, TrustBundle,
};
use crate::audit::{AuditHead, AuditLog, AuditReport};
use crate::kms::KmsOptions;
use crate::runtime::block_on;
use crate::store::StoreOptions;
use crate::{Actor, Password, PrivateKey, Result, Timestamp};

/// A keyring used synchronously.
///
/// ```
/// use cosign_keys::keyring::blocking::Keyring;
/// use cosign_keys::keyring::{KeyringConfig, RotationPolicy};
/// use cosign_keys::{Actor, Timestamp};
///
/// let dir = std::env::temp_dir().join(format!("ck-keyring-doc-{}", std::process::id()));
/// let keyring = Keyring::open(KeyringConfig::new(
///     dir.join("keyring.json").to_str().unwrap(),
///     dir.join("audit.jsonl"),
/// ))?;
/// let now = Timestamp::now();
/// keyring.init(RotationPolicy::quarterly(), &Actor::new("alice", "new keyring"), now)?;
/// let status = keyring.status(now)?;
/// assert!(status.due.rotation_due); // no key yet
/// assert!(keyring.audit_log().verify(Some(&status.audit_head)).is_ok());
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), cosign_keys::Error>(())
/// ```
pub struct Keyring {
    inner: super::Keyring,
}

impl Keyring {
    /// Opens a keyring, credentials from the environment.
    ///
    /// # Errors
    /// As [`super::Keyring::open`].
    pub fn open(config: KeyringConfig) -> Result<Self> {
        Self::open_with(config, StoreOptions::default(), KmsOptions::default())
    }

    /// Opens a keyring with explicit store and KMS options.
    ///
    /// # Errors
    /// As [`super::Keyring::open_with`].
    pub fn open_with(
        config: KeyringConfig,
        store_options: StoreOptions,
        kms_options: KmsOptions,
    ) -> Result<Self> {
        Ok(Self {
            inner: block_on(super::Keyring::open_with(
                config,
                store_options,
                kms_options,
            ))?,
        })
    }

    /// The async keyring inside.
    #[must_use]
    pub fn as_async(&self) -> &super::Keyring {
        &self.inner
    }

    /// The manifest's location.
    #[must_use]
    pub fn location(&self) -> String {
        self.inner.location()
    }

    /// The audit log.
    #[must_use]
    pub fn audit_log(&self) -> &AuditLog {
        self.inner.audit_log()
    }

    /// Arms a one-shot fail point (tests only).
    #[doc(hidden)]
    pub fn inject_failure(&self, point: Option<FailPoint>) {
        self.inner.inject_failure(point);
    }

    /// See [`super::Keyring::manifest`].
    ///
    /// # Errors
    /// As [`super::Keyring::manifest`].
    pub fn manifest(&self) -> Result<Option<(Manifest, u64)>> {
        block_on(self.inner.manifest())
    }

    /// See [`super::Keyring::verify_audit`].
    ///
    /// # Errors
    /// As [`super::Keyring::verify_audit`].
    pub fn verify_audit(&self) -> Result<AuditReport> {
        block_on(self.inner.verify_audit())
    }

    /// See [`super::Keyring::init`].
    ///
    /// # Errors
    /// As [`super::Keyring::init`].
    pub fn init(&self, policy: RotationPolicy, actor: &Actor, now: Timestamp) -> Result<Manifest> {
        block_on(self.inner.init(policy, actor, now))
    }

    /// See [`super::Keyring::set_policy`].
    ///
    /// # Errors
    /// As [`super::Keyring::set_policy`].
    pub fn set_policy(&self, policy: RotationPolicy, actor: &Actor, now: Timestamp) -> Result<()> {
        block_on(self.inner.set_policy(policy, actor, now))
    }

    /// See [`super::Keyring::rotate`].
    ///
    /// # Errors
    /// As [`super::Keyring::rotate`].
    pub fn rotate(&self, new: &NewKey, actor: &Actor, now: Timestamp) -> Result<RotationOutcome> {
        block_on(self.inner.rotate(new, actor, now))
    }

    /// See [`super::Keyring::rotate_with`].
    ///
    /// # Errors
    /// As [`super::Keyring::rotate`].
    pub fn rotate_with(
        &self,
        new: &NewKey,
        options: &RotateOptions,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<RotationOutcome> {
        block_on(self.inner.rotate_with(new, options, actor, now))
    }

    /// See [`super::Keyring::emergency_rotate`].
    ///
    /// # Errors
    /// As [`super::Keyring::emergency_rotate`].
    pub fn emergency_rotate(
        &self,
        key: &str,
        compromise: &Compromise,
        new: &NewKey,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<RotationOutcome> {
        block_on(
            self.inner
                .emergency_rotate(key, compromise, new, actor, now),
        )
    }

    /// See [`super::Keyring::revoke`].
    ///
    /// # Errors
    /// As [`super::Keyring::revoke`].
    pub fn revoke(
        &self,
        key: &str,
        compromise: &Compromise,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<RevocationOutcome> {
        block_on(self.inner.revoke(key, compromise, actor, now))
    }

    /// See [`super::Keyring::resume`].
    ///
    /// # Errors
    /// As [`super::Keyring::resume`].
    pub fn resume(&self, new: Option<&NewKey>, now: Timestamp) -> Result<Option<PendingKind>> {
        block_on(self.inner.resume(new, now))
    }

    /// See [`super::Keyring::retire`].
    ///
    /// # Errors
    /// As [`super::Keyring::retire`].
    pub fn retire(&self, key: Option<&str>, actor: &Actor, now: Timestamp) -> Result<Vec<u32>> {
        block_on(self.inner.retire(key, actor, now))
    }

    /// See [`super::Keyring::destroy`].
    ///
    /// # Errors
    /// As [`super::Keyring::destroy`].
    pub fn destroy(&self, key: &str, actor: &Actor, now: Timestamp) -> Result<AuditHead> {
        block_on(self.inner.destroy(key, actor, now))
    }

    /// See [`super::Keyring::destroy_with`].
    ///
    /// # Errors
    /// As [`super::Keyring::destroy_with`].
    pub fn destroy_with(
        &self,
        key: &str,
        options: &DestroyOptions,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<AuditHead> {
        block_on(self.inner.destroy_with(key, options, actor, now))
    }

    /// See [`super::Keyring::status`].
    ///
    /// # Errors
    /// As [`super::Keyring::status`].
    pub fn status(&self, now: Timestamp) -> Result<Status> {
        block_on(self.inner.status(now))
    }

    /// See [`super::Keyring::due`].
    ///
    /// # Errors
    /// As [`super::Keyring::due`].
    pub fn due(&self, now: Timestamp) -> Result<Due> {
        block_on(self.inner.due(now))
    }

    /// See [`super::Keyring::trust_bundle`].
    ///
    /// # Errors
    /// As [`super::Keyring::trust_bundle`].
    pub fn trust_bundle(&self, at: Timestamp) -> Result<TrustBundle> {
        block_on(self.inner.trust_bundle(at))
    }

    /// See [`super::Keyring::distribute`].
    ///
    /// # Errors
    /// As [`super::Keyring::distribute`].
    pub fn distribute(&self, dir: &Path, actor: &Actor, now: Timestamp) -> Result<TrustBundle> {
        block_on(self.inner.distribute(dir, actor, now))
    }

    /// See [`super::Keyring::unlock`].
    ///
    /// # Errors
    /// As [`super::Keyring::unlock`].
    pub fn unlock(
        &self,
        key: Option<&str>,
        password: &Password,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(PrivateKey, KeyRecord)> {
        block_on(self.inner.unlock(key, password, actor, now))
    }

    /// See [`super::Keyring::sign_digest`].
    ///
    /// # Errors
    /// As [`super::Keyring::sign_digest`].
    #[allow(clippy::too_many_arguments)]
    pub fn sign_digest(
        &self,
        artifact: &str,
        digest: &str,
        pipeline: &str,
        password: &Password,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<SignedArtifact> {
        block_on(
            self.inner
                .sign_digest(artifact, digest, pipeline, password, actor, now),
        )
    }

    /// See [`super::Keyring::record_signing`].
    ///
    /// # Errors
    /// As [`super::Keyring::record_signing`].
    pub fn record_signing(
        &self,
        event: SigningEvent,
        fingerprint: Option<&str>,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<SigningEvent> {
        block_on(self.inner.record_signing(event, fingerprint, actor, now))
    }

    /// See [`super::Keyring::resign_list`].
    ///
    /// # Errors
    /// As [`super::Keyring::resign_list`].
    pub fn resign_list(&self) -> Result<Vec<ResignEntry>> {
        block_on(self.inner.resign_list())
    }
}
