//! The keyring: every key version a team has used, its state, and the
//! lifecycle operations that move keys through those states — rotate,
//! revoke (mark compromised), emergency rotation, retire, destroy — with
//! the bookkeeping done and nothing lost if a step fails.
//!
//! A [`Keyring`] is three things:
//! - the **manifest** ([`Manifest`]), a versioned JSON document in a
//!   [`DocumentStore`](crate::store::DocumentStore) (a file, or Vault KV with
//!   check-and-set); its format is documented in `docs/keyring-format.md`;
//! - the **signature ledger** beside it (see [`ledger_location`]), for the
//!   re-sign list;
//! - the **audit log** ([`AuditLog`]), a local hash-chained JSON Lines file.
//!
//! Private keys are never in the manifest: it records where each one lives
//! (a key store URI and version, or a KMS URI and version).
//!
//! # States and transitions
//! See [`KeyState`] and [`Operation`]: pre-active → active → deactivated
//! (trusted during the transition window) → retired → destroyed, and
//! compromised from any live state. At most one key is active.
//!
//! # Crash safety and concurrency
//! A multi-step operation first saves a *pending* record of its intent (with
//! a random operation id), then works through its steps, each one an atomic
//! check-and-set save of the manifest; the new key is put into its store
//! **before** the manifest records it, and the old key stays active until
//! the save that activates the new one. A crash after any step leaves a
//! valid manifest whose active key still signs; calling the same operation
//! again (or [`Keyring::resume`]) finds the pending record and completes it,
//! recognising its own store version and audit records by the operation id.
//! Two operations started from the same manifest revision: the first intent
//! save wins, the other gets [`Error::Conflict`].

use std::path::PathBuf;

use serde::Serialize;

use crate::audit::{Anchor, AuditEvent, AuditHead, AuditLog, EventKind};
use crate::kms::KmsOptions;
use crate::store::{DocumentStore, StoreOptions};
use crate::{Algorithm, Error, Password, Result, ScryptParams, Timestamp};

pub mod blocking;
mod failpoint;
mod ledger;
mod lifecycle;
mod maintenance;
mod manifest;
mod material;
mod policy;
mod record;
mod signing;
mod state;
mod text;
mod trust;

#[doc(hidden)]
pub use failpoint::FailPoint;
pub use ledger::{ledger_location, ResignEntry, SigningEvent, LEDGER_FORMAT};
pub use lifecycle::{DestroyOptions, RevocationOutcome, RotateOptions, RotationOutcome};
pub use maintenance::{KeyStatus, Status};
pub use manifest::{
    Manifest, PendingAuditRecord, PendingKind, PendingOperation, PendingTarget, Step, TargetKind,
    FORMAT, FORMAT_VERSION,
};
pub use policy::{Due, RotationPolicy};
pub use record::{Compromise, HistoryEntry, HistoryEvent, KeyLocation, KeyRecord};
pub use signing::SignedArtifact;
pub use state::{KeyState, Operation};
pub use trust::{TrustBundle, TrustedKey, BUNDLE_FILE, CURRENT_FILE, PREVIOUS_FILE};

use failpoint::FailPoints;
use ledger::Ledger;
pub(crate) use material::canonical_input;
#[cfg(feature = "backup")]
pub(crate) use material::Presence;

/// Store label naming the lifecycle operation that put a key version.
pub const LABEL_OPERATION: &str = "cosign-keys.operation";
/// Store label naming the keyring a key version belongs to.
pub const LABEL_KEYRING: &str = "cosign-keys.keyring";

/// Where a keyring's parts live.
///
/// ```
/// use cosign_keys::keyring::KeyringConfig;
/// let config = KeyringConfig::new("keys/keyring.json", "keys/audit.jsonl");
/// assert_eq!(config.signatures_location(), "keys/keyring.signatures.json");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyringConfig {
    /// The manifest's document location (a file path, `file://`, or
    /// `vault-kv://mount/path`).
    pub manifest: String,
    /// The signature ledger's location; `None`: beside the manifest
    /// ([`ledger_location`]).
    pub signatures: Option<String>,
    /// The audit log file.
    pub audit_log: PathBuf,
}

impl KeyringConfig {
    /// A manifest location and an audit log file; the ledger beside the
    /// manifest.
    #[must_use]
    pub fn new(manifest: impl Into<String>, audit_log: impl Into<PathBuf>) -> Self {
        Self {
            manifest: manifest.into(),
            signatures: None,
            audit_log: audit_log.into(),
        }
    }

    /// The ledger's location.
    #[must_use]
    pub fn signatures_location(&self) -> String {
        self.signatures
            .clone()
            .unwrap_or_else(|| ledger_location(&self.manifest))
    }
}

/// Where a rotation creates the new key, and how.
///
/// Not `Clone` and not `Debug`: it may hold the new key's password.
///
/// ```
/// use cosign_keys::keyring::NewKey;
/// use cosign_keys::{Algorithm, Password};
///
/// let local = NewKey::store("keys/prod", Algorithm::EcdsaP256, Password::from("pw"));
/// assert_eq!(local.uri(), "keys/prod");
/// let kms = NewKey::kms("hashivault://release", Algorithm::EcdsaP256);
/// assert_eq!(kms.algorithm(), Algorithm::EcdsaP256);
/// ```
pub struct NewKey {
    kind: TargetKind,
    uri: String,
    algorithm: Algorithm,
    password: Option<Password>,
    keep_password: bool,
    scrypt: Option<ScryptParams>,
}

impl NewKey {
    /// Generate locally, encrypt with `password` (cosign's envelope) and
    /// put into the key store at `uri` as a new version.
    #[must_use]
    pub fn store(uri: impl Into<String>, algorithm: Algorithm, password: Password) -> Self {
        Self {
            kind: TargetKind::Store,
            uri: uri.into(),
            algorithm,
            password: Some(password),
            keep_password: false,
            scrypt: None,
        }
    }

    /// Create inside the KMS key at `uri` (a new key, or the KMS's native
    /// new version of an existing one).
    #[must_use]
    pub fn kms(uri: impl Into<String>, algorithm: Algorithm) -> Self {
        Self {
            kind: TargetKind::Kms,
            uri: uri.into(),
            algorithm,
            password: None,
            keep_password: false,
            scrypt: None,
        }
    }

    /// Also keep the password in the store (Vault KV's `password` field),
    /// for teams that keep it beside the key.
    #[must_use]
    pub fn keep_password_in_store(mut self) -> Self {
        self.keep_password = true;
        self
    }

    /// Encrypt with these scrypt parameters instead of cosign's default.
    #[must_use]
    pub fn with_scrypt_params(mut self, params: ScryptParams) -> Self {
        self.scrypt = Some(params);
        self
    }

    /// The store or KMS URI.
    #[must_use]
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// The algorithm.
    #[must_use]
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Store or KMS.
    #[must_use]
    pub fn kind(&self) -> TargetKind {
        self.kind
    }

    /// The target as recorded: a store URI in its canonical form (a
    /// relative directory made absolute against the working directory).
    fn target(&self) -> Result<PendingTarget> {
        let uri = match self.kind {
            TargetKind::Store => canonical_input(&self.uri)?,
            TargetKind::Kms => self.uri.clone(),
        };
        Ok(PendingTarget {
            kind: self.kind,
            uri,
            algorithm: self.algorithm,
        })
    }
}

/// A keyring: manifest, signature ledger and audit log, with the lifecycle
/// operations. Async; [`blocking::Keyring`] wraps it for synchronous
/// callers and the bindings.
pub struct Keyring {
    config: KeyringConfig,
    /// The manifest file's directory (absolute), against which relative key
    /// locations of older manifests are resolved; `None` for a manifest
    /// that is not a file.
    manifest_dir: Option<PathBuf>,
    manifest: Box<dyn DocumentStore>,
    ledger: Box<dyn DocumentStore>,
    audit: AuditLog,
    store_options: StoreOptions,
    kms_options: KmsOptions,
    fail: FailPoints,
}

/// A manifest as loaded, with the revision a save must expect.
pub(crate) struct Loaded {
    pub(crate) manifest: Manifest,
    pub(crate) revision: u64,
    /// An emergency operation (revoke, emergency rotation) holds this
    /// state: audit failures queue its records instead of stopping it.
    pub(crate) emergency: bool,
}

impl Keyring {
    /// Opens a keyring with credentials from the environment. Nothing is
    /// read or created yet.
    ///
    /// # Errors
    /// As [`store::open_document`](crate::store::open_document).
    pub async fn open(config: KeyringConfig) -> Result<Self> {
        Self::open_with(config, StoreOptions::default(), KmsOptions::default()).await
    }

    /// Opens a keyring with explicit store and KMS options (used for the
    /// manifest, the ledger and every key store and KMS it touches).
    ///
    /// File locations in `config` (manifest, ledger, audit log) are made
    /// absolute against the working directory here, once: the keyring then
    /// names the same files whatever the process does with its working
    /// directory later, and [`Keyring::config`] shows them absolute.
    ///
    /// # Errors
    /// As [`store::open_document`](crate::store::open_document).
    pub async fn open_with(
        mut config: KeyringConfig,
        store_options: StoreOptions,
        kms_options: KmsOptions,
    ) -> Result<Self> {
        config.manifest = material::canonical_document(&config.manifest)?;
        if let Some(signatures) = &config.signatures {
            config.signatures = Some(material::canonical_document(signatures)?);
        }
        if config.audit_log.is_relative() {
            let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
            config.audit_log = cwd.join(&config.audit_log);
        }
        let manifest = crate::store::open_document(&config.manifest, &store_options).await?;
        let ledger =
            crate::store::open_document(&config.signatures_location(), &store_options).await?;
        Ok(Self {
            audit: AuditLog::new(config.audit_log.clone()),
            manifest_dir: material::manifest_dir(&config.manifest),
            config,
            manifest,
            ledger,
            store_options,
            kms_options,
            fail: FailPoints::default(),
        })
    }

    /// Where the parts live.
    #[must_use]
    pub fn config(&self) -> &KeyringConfig {
        &self.config
    }

    /// The manifest's location as a URI.
    #[must_use]
    pub fn location(&self) -> String {
        self.manifest.location()
    }

    /// The audit log.
    #[must_use]
    pub fn audit_log(&self) -> &AuditLog {
        &self.audit
    }

    /// Arms a one-shot fail point (tests only).
    #[doc(hidden)]
    pub fn inject_failure(&self, point: Option<FailPoint>) {
        self.fail.set(point);
    }

    /// The manifest and its revision; `None` before the first save.
    ///
    /// # Errors
    /// Store errors; [`Error::KeyringInvalid`].
    pub async fn manifest(&self) -> Result<Option<(Manifest, u64)>> {
        Ok(self.load().await?.map(|l| (l.manifest, l.revision)))
    }

    pub(crate) async fn load(&self) -> Result<Option<Loaded>> {
        match self.manifest.load().await? {
            None => Ok(None),
            Some(doc) => Ok(Some(Loaded {
                manifest: Manifest::from_json(&doc.bytes)?,
                revision: doc.revision,
                emergency: false,
            })),
        }
    }

    pub(crate) async fn load_required(&self) -> Result<Loaded> {
        self.load().await?.ok_or_else(|| Error::NotFound {
            what: format!(
                "keyring {} (create it with a first rotation, or init)",
                self.location()
            ),
        })
    }

    /// Validates and saves with check-and-set, recording the audit head the
    /// revision is saved after. The log must still hold the head the
    /// previous revision recorded; otherwise [`Error::AuditTampered`],
    /// except for an `emergency` (a revocation), which keeps the old anchor
    /// and goes on.
    pub(crate) async fn save(
        &self,
        manifest: &mut Manifest,
        expected: u64,
        now: Timestamp,
    ) -> Result<u64> {
        self.save_as(manifest, expected, now, false).await
    }

    /// [`Keyring::save`], for an emergency operation when `emergency`.
    pub(crate) async fn save_as(
        &self,
        manifest: &mut Manifest,
        expected: u64,
        now: Timestamp,
        emergency: bool,
    ) -> Result<u64> {
        manifest.updated_at = now.max(manifest.updated_at);
        match self.audit.check_anchor(manifest.anchor().as_ref()) {
            Ok(anchor) => {
                manifest.audit_head = Some(anchor.head);
                manifest.audit_offset = anchor.offset;
            }
            Err(_) if emergency => {}
            Err(e) => return Err(e),
        }
        manifest.validate()?;
        self.manifest.save(&manifest.to_json(), expected).await
    }

    /// The manifest, after appending the audit records an emergency
    /// operation had to queue in it.
    pub(crate) async fn load_flushed(&self, now: Timestamp) -> Result<Loaded> {
        let mut state = self.load_required().await?;
        self.flush_audit(&mut state, now).await?;
        Ok(state)
    }

    /// Appends the queued audit records (each once, with its own time) and
    /// saves the manifest without them.
    pub(crate) async fn flush_audit(&self, state: &mut Loaded, now: Timestamp) -> Result<()> {
        let written = state.manifest.audit_pending.clone();
        if written.is_empty() {
            return Ok(());
        }
        for queued in &written {
            self.audit.append_once(
                state.manifest.anchor().as_ref(),
                &queued.record,
                queued.time,
            )?;
        }
        for _ in 0..8 {
            let mut next = state.manifest.clone();
            next.audit_pending.retain(|r| !written.contains(r));
            match self
                .save_as(&mut next, state.revision, now, state.emergency)
                .await
            {
                Ok(revision) => {
                    state.manifest = next;
                    state.revision = revision;
                    return Ok(());
                }
                Err(Error::Conflict { .. }) => {
                    let emergency = state.emergency;
                    *state = self.load_required().await?;
                    state.emergency = emergency;
                    if !state
                        .manifest
                        .audit_pending
                        .iter()
                        .any(|r| written.contains(r))
                    {
                        return Ok(());
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Err(Error::Conflict {
            what: self.location(),
            reason: "the keyring kept changing while its queued audit records were written; \
                     retry"
                .into(),
        })
    }

    /// The audit head to report: the log's, or the manifest's anchor when
    /// the log cannot be read.
    pub(crate) fn reported_head(&self, manifest: &Manifest) -> AuditHead {
        self.audit
            .head()
            .unwrap_or_else(|_| manifest.audit_head.clone().unwrap_or_else(AuditHead::empty))
    }

    /// Saves a step of pending operation `op`: applies `mutate` to the
    /// loaded manifest and saves it. On a check-and-set conflict it reloads;
    /// if `op` is still pending at the same step it applies `mutate` again
    /// (an unrelated writer got in between), if another process advanced
    /// `op` it adopts that state, and otherwise fails with the conflict.
    pub(crate) async fn advance<F>(
        &self,
        state: &mut Loaded,
        op: &str,
        now: Timestamp,
        mutate: F,
    ) -> Result<()>
    where
        F: Fn(&mut Manifest) -> Result<()> + Send + Sync,
    {
        let step = state.manifest.pending.as_ref().map(|p| p.step);
        for _ in 0..8 {
            let mut next = state.manifest.clone();
            mutate(&mut next)?;
            match self
                .save_as(&mut next, state.revision, now, state.emergency)
                .await
            {
                Ok(revision) => {
                    state.manifest = next;
                    state.revision = revision;
                    return Ok(());
                }
                Err(conflict @ Error::Conflict { .. }) => {
                    let mut fresh = self.load_required().await?;
                    fresh.emergency = state.emergency;
                    match fresh.manifest.pending.as_ref() {
                        Some(p) if p.id == op && Some(p.step) == step => *state = fresh,
                        Some(p) if p.id == op => {
                            *state = fresh;
                            return Ok(());
                        }
                        _ => return Err(conflict),
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Err(Error::Conflict {
            what: self.location(),
            reason: "the keyring kept changing under this operation; retry it".into(),
        })
    }

    /// Appends an audit record for this keyring, after checking the log
    /// still holds `anchor` (the loaded manifest's audit head).
    pub(crate) fn emit(
        &self,
        anchor: Option<&Anchor>,
        event: AuditEvent,
        now: Timestamp,
    ) -> Result<AuditHead> {
        self.audit
            .append_anchored(anchor, &event.keyring(self.location()), now)
    }

    /// Appends operation `op`'s record unless a resumed operation already
    /// wrote (or queued) it. During an emergency operation (revoke,
    /// emergency rotation) a record the log cannot take is queued in the
    /// manifest instead, and the operation goes on.
    pub(crate) async fn emit_once(
        &self,
        state: &mut Loaded,
        event: AuditEvent,
        op: &str,
        resumed: bool,
        now: Timestamp,
    ) -> Result<()> {
        let event = event.operation(op).keyring(self.location());
        let kind: EventKind = event.event;
        let queue = &state.manifest.audit_pending;
        if queue
            .iter()
            .any(|r| r.record.event == kind && r.record.operation.as_deref() == Some(op))
        {
            return Ok(());
        }
        let anchor = state.manifest.anchor();
        // Once a record is queued, later ones queue behind it (in order).
        let written = if queue.is_empty() {
            if resumed {
                self.audit
                    .append_once(anchor.as_ref(), &event, now)
                    .map(|_| ())
            } else {
                self.audit
                    .append_anchored(anchor.as_ref(), &event, now)
                    .map(|_| ())
            }
        } else {
            Err(Error::AuditTampered {
                record: 0,
                reason: "earlier records of this operation are queued".into(),
            })
        };
        let error = match written {
            Ok(()) => return Ok(()),
            Err(e) if state.emergency => queue.last().map_or_else(
                || format!("{e} [{}]", e.code().name()),
                |last| last.error.clone(),
            ),
            Err(e) => return Err(e),
        };
        let queued = PendingAuditRecord {
            time: now,
            error,
            record: event,
        };
        self.advance(state, op, now, |m| {
            if !m.audit_pending.contains(&queued) {
                m.audit_pending.push(queued.clone());
            }
            Ok(())
        })
        .await
    }

    pub(crate) fn store_options(&self) -> &StoreOptions {
        &self.store_options
    }

    /// The ledger document's raw bytes, if it exists.
    pub(crate) async fn ledger_document(&self) -> Result<Option<Vec<u8>>> {
        Ok(self.ledger.load().await?.map(|d| d.bytes))
    }

    /// Replaces the ledger with `bytes` (after checking them).
    pub(crate) async fn restore_ledger(&self, bytes: &[u8]) -> Result<()> {
        let ledger = Ledger::from_json(bytes)?;
        let revision = self.ledger.load().await?.map_or(0, |d| d.revision);
        self.ledger
            .save(&ledger.to_json(), revision)
            .await
            .map(|_| ())
    }

    pub(crate) async fn load_ledger(&self) -> Result<(Ledger, u64)> {
        match self.ledger.load().await? {
            None => Ok((Ledger::default(), 0)),
            Some(doc) => Ok((Ledger::from_json(&doc.bytes)?, doc.revision)),
        }
    }
}

/// A fresh random operation id (16 bytes, hex).
pub(crate) fn new_operation_id() -> Result<String> {
    let mut bytes = [0u8; 16];
    crate::rand::fill(&mut bytes)?;
    Ok(base16ct::lower::encode_string(&bytes))
}

/// Serializes a value the bindings hand out as JSON.
///
/// ```
/// use cosign_keys::keyring::{to_json, RotationPolicy};
/// let text = to_json(&RotationPolicy::annual());
/// assert!(text.contains("\"period_days\":365"));
/// ```
#[must_use]
pub fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}
