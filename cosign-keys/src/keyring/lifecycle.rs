//! The multi-step operations — rotate, emergency rotation, revoke, destroy —
//! and the engine that drives a pending operation to its end (also after a
//! crash, from whichever step it had reached).

use serde::{Deserialize, Serialize};

use super::record::TransitionContext;
use super::{
    new_operation_id, Compromise, FailPoint, KeyLocation, KeyRecord, KeyState, Keyring, Loaded,
    Manifest, NewKey, Operation, PendingKind, PendingOperation, RotationPolicy, Step, TargetKind,
    LABEL_KEYRING, LABEL_OPERATION,
};
use crate::audit::{AuditEvent, AuditHead, EventKind};
use crate::store::{KeyMetadata, KeyPairRecord, PutOptions};
use crate::{Actor, Error, Password, PrivateKey, PublicKey, Result, Timestamp};

/// Options of [`Keyring::rotate_with`].
///
/// ```
/// use cosign_keys::keyring::RotateOptions;
/// let mut opts = RotateOptions::default();
/// opts.transition_window_days = Some(7);
/// assert_eq!(opts.expect_revision, None);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RotateOptions {
    /// The old key's transition window; `None`: the policy's.
    pub transition_window_days: Option<u32>,
    /// Rotate only if the keyring is still at this revision (what the caller
    /// looked at); otherwise [`Error::Conflict`].
    pub expect_revision: Option<u64>,
    /// The policy of a keyring this rotation creates; `None`: annual.
    pub policy: Option<RotationPolicy>,
}

/// Options of [`Keyring::destroy_with`].
///
/// ```
/// use cosign_keys::keyring::DestroyOptions;
/// let opts = DestroyOptions::default();
/// assert!(!opts.material_gone);
/// let opts = DestroyOptions::material_gone();
/// assert!(opts.material_gone);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DestroyOptions {
    /// When nothing is found at the key's recorded location, record its
    /// material destroyed anyway (the caller knows it is gone: a disk
    /// wiped, a store deleted by hand). The audit record says it was not
    /// verified. Another key found there is still [`Error::KeyMismatch`],
    /// and material that is found is erased as usual.
    pub material_gone: bool,
}

impl DestroyOptions {
    /// Options with [`DestroyOptions::material_gone`] set.
    #[must_use]
    pub fn material_gone() -> Self {
        Self {
            material_gone: true,
        }
    }
}

/// What a rotation did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RotationOutcome {
    /// The operation id (in the audit records and the store's labels).
    pub operation: String,
    /// Scheduled or emergency.
    pub kind: PendingKind,
    /// Whether this call completed an interrupted rotation.
    pub resumed: bool,
    /// The new active key's id.
    pub new_key: u32,
    /// Its fingerprint.
    #[schemars(with = "crate::Fingerprint")]
    pub new_fingerprint: String,
    /// Where its private key lives.
    pub location: KeyLocation,
    /// The key it replaced.
    pub old_key: Option<u32>,
    /// The replaced key's fingerprint.
    #[schemars(with = "Option<crate::Fingerprint>")]
    pub old_fingerprint: Option<String>,
    /// Until when the replaced key is still trusted (`None` if compromised).
    pub old_trusted_until: Option<Timestamp>,
    /// The manifest revision after the rotation.
    pub revision: u64,
    /// The audit log's head after the rotation's records (the manifest's
    /// anchor when the log could not be read).
    pub audit_head: AuditHead,
    /// Audit records not yet in the log (an emergency rotation goes on when
    /// the log cannot be written): kept in the manifest and appended by the
    /// next operation that can write the log. 0: the audit trail is
    /// complete.
    pub audit_pending: usize,
    /// Why the log could not be written (with the error code), when
    /// `audit_pending` is not 0.
    pub audit_error: Option<String>,
}

/// What a revocation did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RevocationOutcome {
    /// The operation id.
    pub operation: String,
    /// Whether this call completed an interrupted revocation.
    pub resumed: bool,
    /// The compromised key's id.
    pub key: u32,
    /// Its fingerprint.
    #[schemars(with = "crate::Fingerprint")]
    pub fingerprint: String,
    /// Its state before.
    pub previous_state: KeyState,
    /// The incident id.
    pub incident: String,
    /// The active key now (`None` when the compromised key was the active
    /// one: rotate at once, or use [`Keyring::emergency_rotate`]).
    pub active_key: Option<u32>,
    /// The manifest revision after.
    pub revision: u64,
    /// The audit log's head after (the manifest's anchor when the log could
    /// not be read).
    pub audit_head: AuditHead,
    /// Audit records not yet in the log: a revocation is never blocked by
    /// the audit log (full disk, I/O error, read-only, locked, or a log
    /// that no longer holds the keyring's anchor). They are kept in the
    /// manifest and appended by the next operation that can write the log.
    /// 0: the audit trail is complete.
    pub audit_pending: usize,
    /// Why the log could not be written (with the error code), when
    /// `audit_pending` is not 0.
    pub audit_error: Option<String>,
}

fn pending_conflict(location: String, p: &PendingOperation) -> Error {
    let target = p
        .target
        .as_ref()
        .map(|t| format!(" to {}", t.uri))
        .unwrap_or_default();
    Error::Conflict {
        what: location,
        reason: format!(
            "{} {}{target} started {} by {} is pending (step {:?}); retry that operation (the \
             same call) or `resume` it first",
            p.kind.as_str(),
            p.id,
            p.started_at,
            p.actor.who,
            p.step
        ),
    }
}

fn check_compromise(c: &Compromise) -> Result<()> {
    if c.reason.trim().is_empty() || c.incident.trim().is_empty() {
        return Err(Error::InvalidArgument {
            name: "incident",
            reason: "marking a key compromised needs a reason and an incident id".into(),
        });
    }
    Ok(())
}

fn pending(m: &Manifest) -> Result<&PendingOperation> {
    m.pending.as_ref().ok_or_else(|| Error::KeyringInvalid {
        reason: "no pending operation".into(),
    })
}

/// Whether `m`'s pending operation is a destroy an emergency may set
/// aside: still at its intent (nothing recorded as done), and nothing else
/// set aside already.
fn can_set_aside(m: &Manifest) -> bool {
    m.deferred.is_none()
        && m.pending
            .as_ref()
            .is_some_and(|p| p.kind == PendingKind::Destroy && p.step == Step::Intent)
}

/// In the first save of an emergency operation: moves a pending destroy
/// that [`can_set_aside`] into `deferred`; it is pending again when the
/// emergency operation closes.
fn set_aside(m: &mut Manifest) {
    if can_set_aside(m) {
        m.deferred = m.pending.take();
    }
}

fn pending_mut(m: &mut Manifest) -> Result<&mut PendingOperation> {
    m.pending.as_mut().ok_or_else(|| Error::KeyringInvalid {
        reason: "no pending operation".into(),
    })
}

impl Keyring {
    /// Rotates: creates a new key (generated here and put into a key store,
    /// or created in a KMS), records it, activates it and deactivates the
    /// old one with the policy's transition window. Creates the keyring if
    /// it does not exist yet (the first key is then simply activated).
    ///
    /// If a rotation to the same target was interrupted, this completes it
    /// instead of starting another.
    ///
    /// # Errors
    /// [`Error::Conflict`] if another operation is pending or won the race;
    /// store, KMS and audit errors (after which a retry completes the
    /// rotation).
    pub async fn rotate(
        &self,
        new: &NewKey,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<RotationOutcome> {
        self.rotate_with(new, &RotateOptions::default(), actor, now)
            .await
    }

    /// [`Keyring::rotate`] with options.
    ///
    /// # Errors
    /// As [`Keyring::rotate`].
    pub async fn rotate_with(
        &self,
        new: &NewKey,
        options: &RotateOptions,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<RotationOutcome> {
        let target = new.target()?;
        let mut state = self.load_or_init(options.policy, actor, now).await?;
        // Replacing a revoked active key (no key active, one compromised) is
        // the end of an emergency: like completing an emergency rotation, it
        // is never blocked by the log.
        let replaces_revoked = state.manifest.active().is_none()
            && state
                .manifest
                .keys
                .iter()
                .any(|k| k.state == KeyState::Compromised);
        if replaces_revoked
            || state
                .manifest
                .pending
                .as_ref()
                .is_some_and(|p| p.kind == PendingKind::EmergencyRotate)
        {
            // Completing an emergency rotation: never blocked by the log.
            state.emergency = true;
            let _ = self.flush_audit(&mut state, now).await;
        } else {
            self.flush_audit(&mut state, now).await?;
        }
        if let Some(p) = &state.manifest.pending {
            if matches!(p.kind, PendingKind::Rotate | PendingKind::EmergencyRotate)
                && p.target
                    .as_ref()
                    .is_some_and(|t| self.same_target(t, &target))
            {
                let op = p.id.clone();
                return self.finish_rotation(state, &op, true, Some(new), now).await;
            }
            // Another rotation is under way: one rotation per call, so do
            // not finish that one and then start a second.
            if matches!(p.kind, PendingKind::Rotate | PendingKind::EmergencyRotate) {
                return Err(pending_conflict(self.location(), p));
            }
            self.settle(&mut state, false, now).await?;
        }
        if let Some(expected) = options.expect_revision {
            if expected != state.revision {
                return Err(Error::Conflict {
                    what: self.location(),
                    reason: format!(
                        "the keyring is at revision {}, not {expected}: it changed since it was \
                         read (another rotation won?)",
                        state.revision
                    ),
                });
            }
        }
        let op = self
            .start_rotation(
                &mut state,
                PendingKind::Rotate,
                None,
                new,
                options,
                actor,
                now,
            )
            .await?;
        self.finish_rotation(state, &op, false, Some(new), now)
            .await
    }

    /// Marks `key` (id or fingerprint) compromised — untrusted at once — and
    /// rotates to a new key, in one call. Resumes an interrupted emergency
    /// rotation of the same key; cancels a scheduled rotation stuck at its
    /// first step (security first), completes any other pending operation.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] without reason or incident;
    /// [`Error::InvalidTransition`] for a key that cannot be compromised;
    /// as [`Keyring::rotate`].
    pub async fn emergency_rotate(
        &self,
        key: &str,
        compromise: &Compromise,
        new: &NewKey,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<RotationOutcome> {
        check_compromise(compromise)?;
        let target = new.target()?;
        let mut state = self.load_required().await?;
        // An emergency is never blocked by the audit log: queued records
        // are written if the log takes them, else they stay queued.
        state.emergency = true;
        let _ = self.flush_audit(&mut state, now).await;
        let id = state.manifest.resolve(key)?;
        if let Some(p) = &state.manifest.pending {
            if p.kind == PendingKind::EmergencyRotate
                && p.compromised_key == Some(id)
                && p.target
                    .as_ref()
                    .is_some_and(|t| self.same_target(t, &target))
            {
                let op = p.id.clone();
                return self.finish_rotation(state, &op, true, Some(new), now).await;
            }
            self.settle(&mut state, true, now).await?;
        }
        let op = self
            .start_rotation(
                &mut state,
                PendingKind::EmergencyRotate,
                Some((id, compromise)),
                new,
                &RotateOptions::default(),
                actor,
                now,
            )
            .await?;
        self.finish_rotation(state, &op, false, Some(new), now)
            .await
    }

    /// Marks `key` (id or fingerprint) compromised with a reason and an
    /// incident id: verifiers stop trusting it at once and it can never be
    /// active again. If it was the active key, the keyring has no active key
    /// until the next rotation (see [`Keyring::emergency_rotate`]).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] without reason or incident;
    /// [`Error::InvalidTransition`]; [`Error::Conflict`]; store and audit
    /// errors (a retry completes the revocation).
    pub async fn revoke(
        &self,
        key: &str,
        compromise: &Compromise,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<RevocationOutcome> {
        check_compromise(compromise)?;
        let mut state = self.load_required().await?;
        // An emergency is never blocked by the audit log: queued records
        // are written if the log takes them, else they stay queued.
        state.emergency = true;
        let _ = self.flush_audit(&mut state, now).await;
        let id = state.manifest.resolve(key)?;
        let previous_state;
        let (op, resumed) = match state.manifest.pending.clone() {
            Some(p) if p.kind == PendingKind::Revoke && p.compromised_key == Some(id) => {
                previous_state = state
                    .manifest
                    .key(id)?
                    .history
                    .iter()
                    .rev()
                    .nth(1)
                    .map_or(KeyState::PreActive, |h| h.state);
                (p.id, true)
            }
            other => {
                if other.is_some() {
                    self.settle(&mut state, true, now).await?;
                }
                previous_state = state.manifest.key(id)?.state;
                let op = new_operation_id()?;
                let mut next = state.manifest.clone();
                next.key_mut(id)?.apply(
                    Operation::Compromise,
                    &TransitionContext {
                        at: now,
                        actor,
                        window_days: 0,
                        compromise: Some(compromise),
                        operation: Some(&op),
                    },
                )?;
                set_aside(&mut next);
                next.pending = Some(PendingOperation {
                    id: op.clone(),
                    kind: PendingKind::Revoke,
                    step: Step::Committed,
                    started_at: now,
                    actor: actor.clone(),
                    target: None,
                    store_version_before: None,
                    old_key: None,
                    new_key: None,
                    compromised_key: Some(id),
                    compromise: Some(compromise.clone()),
                    keys: vec![id],
                    window_days: 0,
                    material_gone: false,
                    unverified: Vec::new(),
                });
                let revision = self.save_as(&mut next, state.revision, now, true).await?;
                state = Loaded {
                    manifest: next,
                    revision,
                    emergency: true,
                };
                self.fail.check(FailPoint::AfterCommit)?;
                (op, false)
            }
        };
        let state = self.drive(state, &op, resumed, None, now).await?;
        let key = state.manifest.key(id)?;
        let queue = &state.manifest.audit_pending;
        Ok(RevocationOutcome {
            operation: op,
            resumed,
            key: id,
            fingerprint: key.fingerprint.to_string(),
            previous_state,
            incident: compromise.incident.clone(),
            active_key: state.manifest.active().map(|k| k.id),
            revision: state.revision,
            audit_head: self.reported_head(&state.manifest),
            audit_pending: queue.len(),
            audit_error: queue.last().map(|r| r.error.clone()),
        })
    }

    /// Completes whatever operation is pending (after a crash). A rotation
    /// stopped before its new key was stored needs the same `new` key
    /// (with its password) it was started with; nothing else needs secrets.
    /// Returns the kind of operation completed, if any.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when a rotation needs `new`; as the
    /// operation being completed.
    pub async fn resume(
        &self,
        new: Option<&NewKey>,
        now: Timestamp,
    ) -> Result<Option<PendingKind>> {
        let Some(mut state) = self.load().await? else {
            return Ok(None);
        };
        if state
            .manifest
            .pending
            .as_ref()
            .is_some_and(|p| matches!(p.kind, PendingKind::Revoke | PendingKind::EmergencyRotate))
        {
            state.emergency = true;
            let _ = self.flush_audit(&mut state, now).await;
        } else {
            self.flush_audit(&mut state, now).await?;
        }
        let Some(p) = state.manifest.pending.clone() else {
            return Ok(None);
        };
        if let (Some(new), Some(target)) = (new, &p.target) {
            if !self.same_target(target, &new.target()?) {
                return Err(pending_conflict(self.location(), &p));
            }
        }
        self.drive(state, &p.id, true, new, now).await?;
        Ok(Some(p.kind))
    }

    /// Destroys `key`'s private material in its store (an irrecoverable
    /// delete of that store version) and records it destroyed; the record
    /// and its public key stay. Allowed for pre-active, compromised and
    /// retired keys. KMS keys are refused: schedule their deletion in the
    /// KMS itself.
    ///
    /// The key found at the recorded location must be the recorded key
    /// (same fingerprint) and must be there: see [`Keyring::destroy_with`].
    ///
    /// # Errors
    /// [`Error::KeyMismatch`] when another key is at the recorded location
    /// and [`Error::NotFound`] when nothing is (both erase nothing and
    /// record nothing); [`Error::InvalidTransition`], [`Error::NotSupported`]
    /// for KMS keys, [`Error::Conflict`], store and audit errors (a retry
    /// completes it).
    pub async fn destroy(&self, key: &str, actor: &Actor, now: Timestamp) -> Result<AuditHead> {
        self.destroy_with(key, &DestroyOptions::default(), actor, now)
            .await
    }

    /// [`Keyring::destroy`] with options. Before anything is recorded, the
    /// public key at the key's recorded store location and version is
    /// compared with the keyring's fingerprint: another key there is
    /// [`Error::KeyMismatch`], nothing there [`Error::NotFound`]. A version
    /// the store itself records destroyed, with the recorded fingerprint, is
    /// proof that the material is gone (a retried destroy). Without such
    /// proof, [`DestroyOptions::material_gone`] records the key destroyed on
    /// the caller's word, and the audit record says so.
    ///
    /// # Errors
    /// As [`Keyring::destroy`].
    pub async fn destroy_with(
        &self,
        key: &str,
        options: &DestroyOptions,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<AuditHead> {
        let mut state = self.load_flushed(now).await?;
        let id = state.manifest.resolve(key)?;
        if let Some(p) = state.manifest.pending.clone() {
            if p.kind == PendingKind::Destroy && p.keys == [id] {
                if options.material_gone && !p.material_gone {
                    self.advance(&mut state, &p.id, now, |m| {
                        pending_mut(m)?.material_gone = true;
                        Ok(())
                    })
                    .await?;
                }
                self.drive(state, &p.id, true, None, now).await?;
                return self.audit.head();
            }
            self.settle(&mut state, false, now).await?;
        }
        let record = state.manifest.key(id)?;
        record.check(Operation::Destroy, now)?;
        if let KeyLocation::Kms { uri, .. } = &record.location {
            return Err(Error::NotSupported {
                scheme: uri.split("://").next().unwrap_or_default().to_owned(),
                reason: format!(
                    "key {} lives in a KMS, which keeps its private material: schedule its \
                     deletion in the KMS",
                    record.label()
                ),
            });
        }
        // A key is its fingerprint: check before recording any intent, so a
        // wrong or missing key leaves no trace but the error.
        match self.check_stored(record).await {
            Ok(_) => {}
            Err(Error::NotFound { .. }) if options.material_gone => {}
            Err(e) => return Err(e),
        }
        let op = new_operation_id()?;
        let mut next = state.manifest.clone();
        next.pending = Some(PendingOperation {
            id: op.clone(),
            kind: PendingKind::Destroy,
            step: Step::Intent,
            started_at: now,
            actor: actor.clone(),
            target: None,
            store_version_before: None,
            old_key: None,
            new_key: None,
            compromised_key: None,
            compromise: None,
            keys: vec![id],
            window_days: 0,
            material_gone: options.material_gone,
            unverified: Vec::new(),
        });
        let revision = self.save(&mut next, state.revision, now).await?;
        let state = Loaded {
            manifest: next,
            revision,
            emergency: false,
        };
        self.fail.check(FailPoint::AfterIntent)?;
        self.drive(state, &op, false, None, now).await?;
        self.audit.head()
    }

    /// Loads the manifest, creating an empty one first if there is none.
    async fn load_or_init(
        &self,
        policy: Option<RotationPolicy>,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Loaded> {
        if let Some(state) = self.load().await? {
            return Ok(state);
        }
        match self.init(policy.unwrap_or_default(), actor, now).await {
            Ok(_) | Err(Error::Conflict { .. }) => self.load_required().await,
            Err(e) => Err(e),
        }
    }

    /// Makes way for a new operation: completes a pending one that needs no
    /// secrets; a rotation still at its first step is cancelled when
    /// `cancel_first_step` (revocations) and a conflict otherwise.
    pub(super) async fn settle(
        &self,
        state: &mut Loaded,
        cancel_first_step: bool,
        now: Timestamp,
    ) -> Result<()> {
        while let Some(p) = state.manifest.pending.clone() {
            let rotation_intent =
                matches!(p.kind, PendingKind::Rotate | PendingKind::EmergencyRotate)
                    && p.step == Step::Intent;
            // An emergency does not reach a store to finish a destroy that
            // has erased nothing on record yet: it leaves it pending, and
            // its own first save sets it aside (`set_aside`), so nothing
            // changes unless the emergency is recorded.
            if cancel_first_step && can_set_aside(&state.manifest) {
                return Ok(());
            }
            if rotation_intent {
                if !cancel_first_step {
                    return Err(pending_conflict(self.location(), &p));
                }
                let op = p.id.clone();
                self.advance(state, &op, now, |m| {
                    m.pending = m.deferred.take();
                    Ok(())
                })
                .await?;
            } else {
                let taken = std::mem::replace(
                    state,
                    Loaded {
                        manifest: state.manifest.clone(),
                        revision: state.revision,
                        emergency: state.emergency,
                    },
                );
                *state = self.drive(taken, &p.id, true, None, now).await?;
            }
        }
        Ok(())
    }

    /// Saves the intent of a rotation (and, for an emergency, the
    /// compromise, so the key is untrusted from this first save on).
    #[allow(clippy::too_many_arguments)]
    async fn start_rotation(
        &self,
        state: &mut Loaded,
        kind: PendingKind,
        compromise: Option<(u32, &Compromise)>,
        new: &NewKey,
        options: &RotateOptions,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<String> {
        let op = new_operation_id()?;
        let target = new.target()?;
        let store_version_before = match new.kind {
            TargetKind::Store => Some(self.latest_store_version(&target.uri).await?),
            TargetKind::Kms => None,
        };
        let mut next = state.manifest.clone();
        let old_key = next.active().map(|k| k.id);
        if let Some((id, c)) = compromise {
            next.key_mut(id)?.apply(
                Operation::Compromise,
                &TransitionContext {
                    at: now,
                    actor,
                    window_days: 0,
                    compromise: Some(c),
                    operation: Some(&op),
                },
            )?;
        }
        if compromise.is_some() {
            set_aside(&mut next);
        }
        next.pending = Some(PendingOperation {
            id: op.clone(),
            kind,
            step: Step::Intent,
            started_at: now,
            actor: actor.clone(),
            target: Some(target),
            store_version_before,
            old_key: old_key.or(compromise.map(|(id, _)| id)),
            new_key: None,
            compromised_key: compromise.map(|(id, _)| id),
            compromise: compromise.map(|(_, c)| c.clone()),
            keys: Vec::new(),
            window_days: options
                .transition_window_days
                .unwrap_or(state.manifest.policy.transition_window_days),
            material_gone: false,
            unverified: Vec::new(),
        });
        let revision = self
            .save_as(&mut next, state.revision, now, state.emergency)
            .await?;
        state.manifest = next;
        state.revision = revision;
        self.fail.check(FailPoint::AfterIntent)?;
        Ok(op)
    }

    async fn finish_rotation(
        &self,
        state: Loaded,
        op: &str,
        resumed: bool,
        new: Option<&NewKey>,
        now: Timestamp,
    ) -> Result<RotationOutcome> {
        let kind = pending(&state.manifest)?.kind;
        let state = self.drive(state, op, resumed, new, now).await?;
        let m = &state.manifest;
        let key = m
            .keys
            .iter()
            .find(|k| {
                k.history
                    .iter()
                    .any(|h| h.operation.as_deref() == Some(op) && h.state == KeyState::Active)
            })
            .ok_or_else(|| Error::Conflict {
                what: self.location(),
                reason: format!("rotation {op} did not complete (cancelled by a revocation?)"),
            })?;
        let old = key.predecessor.map(|id| m.key(id)).transpose()?;
        Ok(RotationOutcome {
            operation: op.to_owned(),
            kind,
            resumed,
            new_key: key.id,
            new_fingerprint: key.fingerprint.to_string(),
            location: key.location.clone(),
            old_key: old.map(|k| k.id),
            old_fingerprint: old.map(|k| k.fingerprint.to_string()),
            old_trusted_until: old
                .filter(|k| k.state == KeyState::Deactivated)
                .and_then(|k| k.trusted_until),
            revision: state.revision,
            audit_head: self.reported_head(m),
            audit_pending: m.audit_pending.len(),
            audit_error: m.audit_pending.last().map(|r| r.error.clone()),
        })
    }

    /// Runs pending operation `op` from its current step to the end.
    pub(crate) async fn drive(
        &self,
        mut state: Loaded,
        op: &str,
        resumed: bool,
        new: Option<&NewKey>,
        now: Timestamp,
    ) -> Result<Loaded> {
        // `key.created` is written right after the save that records the
        // key; the next step writes it only if an earlier run did not get
        // that far.
        let mut created_written = false;
        for _ in 0..16 {
            let p = match &state.manifest.pending {
                Some(p) if p.id == op => p.clone(),
                _ => return Ok(state),
            };
            let actor = p.actor.clone();
            let ctx = TransitionContext {
                at: now,
                actor: &actor,
                window_days: p.window_days,
                compromise: None,
                operation: Some(op),
            };
            match (p.kind, p.step) {
                (PendingKind::Rotate | PendingKind::EmergencyRotate, Step::Intent) => {
                    if let (Some(id), Some(c)) = (p.compromised_key, &p.compromise) {
                        let key = state.manifest.key(id)?;
                        let event = AuditEvent::new(EventKind::KeyCompromised, &actor)
                            .fingerprint(key.fingerprint)
                            .incident(c.incident.clone());
                        self.emit_once(&mut state, with_reason(event, &c.reason), op, resumed, now)
                            .await?;
                    }
                    let new = new.ok_or_else(|| Error::InvalidArgument {
                        name: "new key",
                        reason: format!(
                            "the pending rotation {op} has not stored its new key yet: retry it \
                             with the same target and password"
                        ),
                    })?;
                    let (public, location) = self
                        .put_new_key(&p, new, &state.manifest, &actor, now)
                        .await?;
                    self.fail.check(FailPoint::AfterStore)?;
                    self.advance(&mut state, op, now, |m| {
                        if let Some(existing) = m.by_fingerprint(&public.fingerprint()) {
                            return Err(Error::KeyringInvalid {
                                reason: format!(
                                    "the new key is already recorded as {}",
                                    existing.label()
                                ),
                            });
                        }
                        let id = m.next_id();
                        m.keys.push(KeyRecord::new(
                            id,
                            &public,
                            location.clone(),
                            now,
                            &actor,
                            Some(op),
                        ));
                        let p = pending_mut(m)?;
                        p.step = Step::Recorded;
                        p.new_key = Some(id);
                        Ok(())
                    })
                    .await?;
                    self.emit_created(&mut state, op, resumed, now).await?;
                    created_written = true;
                    self.fail.check(FailPoint::AfterRecord)?;
                }
                (PendingKind::Rotate | PendingKind::EmergencyRotate, Step::Recorded) => {
                    if !created_written {
                        self.emit_created(&mut state, op, true, now).await?;
                    }
                    self.advance(&mut state, op, now, |m| {
                        let p = pending(m)?.clone();
                        let new_id = p.new_key.ok_or_else(|| Error::KeyringInvalid {
                            reason: format!("rotation {op} is recorded without its new key"),
                        })?;
                        let active = m.active().map(|k| k.id).filter(|&a| a != new_id);
                        if let Some(a) = active {
                            let old = m.key_mut(a)?;
                            old.apply(Operation::Deactivate, &ctx)?;
                            old.successor = Some(new_id);
                        }
                        if let Some(c) = p.compromised_key.filter(|&c| c != new_id) {
                            m.key_mut(c)?.successor = Some(new_id);
                        }
                        let key = m.key_mut(new_id)?;
                        key.apply(Operation::Activate, &ctx)?;
                        key.predecessor = active.or(p.compromised_key).or(p.old_key);
                        pending_mut(m)?.step = Step::Committed;
                        Ok(())
                    })
                    .await?;
                    self.fail.check(FailPoint::AfterCommit)?;
                }
                (PendingKind::Destroy, Step::Intent) => {
                    let unverified = self.erase_material(&mut state, op, &p, now).await?;
                    self.fail.check(FailPoint::AfterStore)?;
                    self.advance(&mut state, op, now, |m| {
                        for &id in &pending(m)?.keys.clone() {
                            m.key_mut(id)?.apply(Operation::Destroy, &ctx)?;
                        }
                        let p = pending_mut(m)?;
                        p.step = Step::Committed;
                        p.unverified.clone_from(&unverified);
                        Ok(())
                    })
                    .await?;
                    self.fail.check(FailPoint::AfterCommit)?;
                }
                (_, Step::Committed) => {
                    let event = committed_event(&state.manifest, &p)?;
                    self.emit_once(&mut state, event, op, resumed, now).await?;
                    self.fail.check(FailPoint::AfterAudit)?;
                    let cleared = self
                        .advance(&mut state, op, now, |m| {
                            // A destroy set aside by this emergency is
                            // pending again, for the next operation.
                            m.pending = m.deferred.take();
                            Ok(())
                        })
                        .await;
                    match cleared {
                        Ok(()) => {}
                        // Committed operations are never cancelled: if it is
                        // no longer pending, another process finished it.
                        Err(Error::Conflict { .. }) => {
                            let fresh = self.load_required().await?;
                            if fresh.manifest.pending.as_ref().is_some_and(|p| p.id == op) {
                                return Err(Error::Conflict {
                                    what: self.location(),
                                    reason: format!("operation {op} could not be closed; retry"),
                                });
                            }
                            return Ok(fresh);
                        }
                        Err(e) => return Err(e),
                    }
                }
                (kind, step) => {
                    return Err(Error::KeyringInvalid {
                        reason: format!("a pending {} cannot be at step {step:?}", kind.as_str()),
                    })
                }
            }
        }
        Err(Error::Conflict {
            what: self.location(),
            reason: format!("operation {op} did not settle; retry it"),
        })
    }

    async fn emit_created(
        &self,
        state: &mut Loaded,
        op: &str,
        resumed: bool,
        now: Timestamp,
    ) -> Result<()> {
        let m = &state.manifest;
        let p = pending(m)?;
        let Some(id) = p.new_key else {
            return Ok(());
        };
        let key = m.key(id)?;
        let event = AuditEvent::new(EventKind::KeyCreated, &p.actor)
            .fingerprint(key.fingerprint)
            .target(key.location.to_string());
        self.emit_once(state, event, op, resumed, now).await
    }

    async fn latest_store_version(&self, uri: &str) -> Result<u64> {
        let store = crate::store::open(uri, &self.store_options).await?;
        Ok(store
            .versions()
            .await?
            .iter()
            .map(|v| v.version)
            .max()
            .unwrap_or(0))
    }

    /// Puts the new key in its store or KMS — or finds the one an earlier,
    /// interrupted attempt of the same operation put there.
    async fn put_new_key(
        &self,
        p: &PendingOperation,
        new: &NewKey,
        manifest: &Manifest,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(PublicKey, KeyLocation)> {
        let target = new.target()?;
        match new.kind {
            TargetKind::Store => {
                let store = crate::store::open(&target.uri, &self.store_options).await?;
                let before = p.store_version_before.unwrap_or(0);
                for info in store.versions().await? {
                    if info.version <= before {
                        continue;
                    }
                    let Ok(stored) = store.get_public(Some(info.version)).await else {
                        continue;
                    };
                    if stored
                        .metadata
                        .labels
                        .get(LABEL_OPERATION)
                        .map(String::as_str)
                        == Some(p.id.as_str())
                    {
                        // Adopted from an interrupted put: finish the
                        // store's own last step (e.g. cosign.key and
                        // cosign.pub naming the new version) first.
                        store.repair().await?;
                        return Ok((
                            stored.public_key,
                            KeyLocation::Store {
                                uri: target.uri,
                                version: info.version,
                            },
                        ));
                    }
                }
                let password = new
                    .password
                    .as_ref()
                    .ok_or_else(|| Error::InvalidArgument {
                        name: "password",
                        reason: "a key generated into a store needs a password".into(),
                    })?;
                let key = PrivateKey::generate(new.algorithm)?;
                let sealed = match new.scrypt {
                    Some(params) => key.encrypt_with(password, params)?,
                    None => key.encrypt(password)?,
                };
                let mut metadata = KeyMetadata::new(key.public_key(), &actor.who);
                metadata.created_at = now.into();
                metadata
                    .labels
                    .insert(LABEL_OPERATION.to_owned(), p.id.clone());
                metadata
                    .labels
                    .insert(LABEL_KEYRING.to_owned(), self.location());
                let record = KeyPairRecord {
                    private_key: sealed,
                    public_key: key.public_key().clone(),
                    password: new
                        .keep_password
                        .then(|| Password::from_slice(password.expose_secret())),
                    metadata,
                };
                let options = PutOptions {
                    overwrite: true,
                    expected_version: None,
                };
                let version = store.put(record, &options).await?;
                // What was written is the key generated here.
                let written = store.get_public(Some(version)).await?.public_key;
                if written.fingerprint() != key.public_key().fingerprint() {
                    return Err(Error::KeyMismatch {
                        location: format!("{} (version {version})", target.uri),
                        expected: key.public_key().fingerprint().to_string(),
                        found: written.fingerprint().to_string(),
                    });
                }
                Ok((
                    key.public_key().clone(),
                    KeyLocation::Store {
                        uri: target.uri,
                        version,
                    },
                ))
            }
            TargetKind::Kms => {
                let kms = crate::kms::open(new.uri(), &self.kms_options).await?;
                let current = match kms.public_key().await {
                    Ok(pk) => Some(pk),
                    Err(Error::NotFound { .. }) => None,
                    Err(e) => return Err(e),
                };
                let public = match current {
                    // Not in the keyring: ours from an interrupted attempt,
                    // or a key created for this rotation beforehand.
                    Some(pk) if manifest.by_fingerprint(&pk.fingerprint()).is_none() => pk,
                    Some(pk) => {
                        kms.rotate().await?;
                        let rotated = kms.public_key().await?;
                        if rotated.fingerprint() == pk.fingerprint() {
                            return Err(Error::NotSupported {
                                scheme: kms.handle().scheme().into(),
                                reason: format!(
                                    "rotating {} kept its public key (this KMS rotates key \
                                     material without new signing keys); name a new KMS key",
                                    new.uri()
                                ),
                            });
                        }
                        rotated
                    }
                    None => kms.create(new.algorithm).await?,
                };
                let version = kms
                    .versions()
                    .await?
                    .into_iter()
                    .rev()
                    .find(|v| v.public_key.fingerprint() == public.fingerprint())
                    .map_or_else(|| "1".to_owned(), |v| v.version);
                Ok((
                    public,
                    KeyLocation::Kms {
                        uri: new.uri().to_owned(),
                        version,
                    },
                ))
            }
        }
    }
}

fn with_reason(mut event: AuditEvent, reason: &str) -> AuditEvent {
    if !reason.is_empty() {
        event.reason = format!("{} ({reason})", event.reason);
    }
    event
}

/// The audit record that closes a committed operation.
fn committed_event(m: &Manifest, p: &PendingOperation) -> Result<AuditEvent> {
    let fp = |id: u32| m.key(id).map(|k| k.fingerprint.to_string());
    Ok(match p.kind {
        PendingKind::Rotate | PendingKind::EmergencyRotate => {
            let new_id = p.new_key.ok_or_else(|| Error::KeyringInvalid {
                reason: format!("rotation {} is committed without its new key", p.id),
            })?;
            let new = m.key(new_id)?;
            let old = new.predecessor.map(fp).transpose()?;
            let mut event = AuditEvent::new(EventKind::KeyRotated, &p.actor)
                .fingerprint(new.fingerprint)
                .rotation(old.clone(), new.fingerprint)
                .target(new.location.to_string());
            if let Some(old) = old {
                event = event.fingerprint(old);
            }
            if let Some(c) = &p.compromise {
                event = event.incident(c.incident.clone());
            }
            event
        }
        PendingKind::Revoke => {
            let c = p.compromise.as_ref().ok_or_else(|| Error::KeyringInvalid {
                reason: format!("revocation {} has no reason", p.id),
            })?;
            let mut event =
                AuditEvent::new(EventKind::KeyCompromised, &p.actor).incident(c.incident.clone());
            for &id in &p.keys {
                event = event.fingerprint(fp(id)?);
            }
            with_reason(event, &c.reason)
        }
        PendingKind::Retire | PendingKind::Destroy => {
            let kind = if p.kind == PendingKind::Retire {
                EventKind::KeyRetired
            } else {
                EventKind::KeyDestroyed
            };
            let mut event = AuditEvent::new(kind, &p.actor);
            for &id in &p.keys {
                event = event.fingerprint(fp(id)?);
                if p.kind == PendingKind::Destroy {
                    event = event.target(m.key(id)?.location.to_string());
                }
            }
            if !p.unverified.is_empty() {
                let keys: Vec<String> = p
                    .unverified
                    .iter()
                    .map(|&id| {
                        m.key(id)
                            .map(|k| format!("{} at {}", k.label(), k.location))
                    })
                    .collect::<Result<_>>()?;
                event = with_reason(
                    event,
                    &format!(
                        "material-gone: NOT verified; nothing was found or erased at the \
                         recorded location, recorded destroyed on the actor's word: {}",
                        keys.join(", ")
                    ),
                );
            }
            event
        }
    })
}
