//! Creating a keyring, its policy, retiring keys, and reading its state:
//! status, what is due, the trust bundle.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::record::TransitionContext;
use super::{
    new_operation_id, Due, FailPoint, KeyRecord, Keyring, Loaded, Manifest, Operation, PendingKind,
    PendingOperation, RotationPolicy, Step, TrustBundle,
};
use crate::audit::{AuditEvent, AuditHead, AuditReport, EventKind};
use crate::{Actor, Result, Timestamp};

/// One key in a [`Status`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct KeyStatus {
    /// The key's record.
    #[serde(flatten)]
    pub record: KeyRecord,
    /// Whether verifiers trust it at the status time.
    pub trusted: bool,
    /// Its state in words, e.g. `deactivated (trusted until …)`.
    pub status: String,
}

/// A keyring's state at a time: what `cosign-keys status` prints, and what
/// the bindings hand out as JSON ([`to_json`](super::to_json)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Status {
    /// The manifest's location.
    pub keyring: String,
    /// Its revision.
    pub revision: u64,
    /// The time the status is for.
    pub now: Timestamp,
    /// The rotation policy.
    pub policy: RotationPolicy,
    /// The active key's id.
    pub active_key: Option<u32>,
    /// Every key version.
    pub keys: Vec<KeyStatus>,
    /// Fingerprints verifiers should trust now (trust-bundle order).
    #[schemars(with = "Vec<crate::Fingerprint>")]
    pub trusted: Vec<String>,
    /// What the policy asks for.
    pub due: Due,
    /// An interrupted operation, if any.
    pub pending: Option<PendingOperation>,
    /// A destroy an emergency operation set aside; it becomes pending
    /// again when that operation closes.
    pub deferred: Option<PendingOperation>,
    /// Artifacts to sign again (their newest signature is by a key that is
    /// no longer active).
    pub resign_count: usize,
    /// The audit log's current head (the manifest's anchor when the log
    /// cannot be read).
    pub audit_head: AuditHead,
    /// Audit records an emergency operation queued in the manifest because
    /// the log could not be written; the next operation that can write
    /// appends them.
    pub audit_pending: usize,
    /// What is wrong with the audit log, if anything (with the error code):
    /// it cannot be read, or it no longer holds the record the keyring was
    /// saved after (deleted, truncated or replaced).
    pub audit_problem: Option<String>,
}

impl Keyring {
    /// Creates an empty keyring with `policy`.
    ///
    /// # Errors
    /// [`Error::Conflict`](crate::Error::Conflict) if it exists; store and
    /// audit errors.
    pub async fn init(
        &self,
        policy: RotationPolicy,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Manifest> {
        let mut manifest = Manifest::new(policy.validated()?, now);
        self.save(&mut manifest, 0, now).await?;
        self.emit(
            manifest.anchor().as_ref(),
            with_policy(AuditEvent::new(EventKind::KeyringCreated, actor), policy),
            now,
        )?;
        Ok(manifest)
    }

    /// Changes the rotation policy (for keys deactivated from now on; windows
    /// already running keep their end).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a bad policy; [`Error::Conflict`](crate::Error::Conflict);
    /// store and audit errors.
    pub async fn set_policy(
        &self,
        policy: RotationPolicy,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<()> {
        let policy = policy.validated()?;
        let mut state = self.load_flushed(now).await?;
        state.manifest.policy = policy;
        self.save(&mut state.manifest, state.revision, now).await?;
        self.emit(
            state.manifest.anchor().as_ref(),
            with_policy(AuditEvent::new(EventKind::PolicyChanged, actor), policy),
            now,
        )?;
        Ok(())
    }

    /// Retires deactivated keys whose transition window has ended: `key`
    /// alone, or (`None`) every key [`Due::retire`] lists. A retired key is
    /// never trusted again, and may be destroyed. Returns the ids retired.
    ///
    /// # Errors
    /// [`Error::InvalidTransition`](crate::Error::InvalidTransition) for a
    /// key that is not deactivated or whose window is still open;
    /// [`Error::Conflict`](crate::Error::Conflict); store and audit errors.
    pub async fn retire(
        &self,
        key: Option<&str>,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<Vec<u32>> {
        let mut state = self.load_flushed(now).await?;
        if let Some(p) = state.manifest.pending.clone() {
            if p.kind == PendingKind::Retire {
                self.drive(state, &p.id, true, None, now).await?;
                return Ok(p.keys);
            }
            self.settle(&mut state, false, now).await?;
        }
        let ids = match key {
            Some(selector) => vec![state.manifest.resolve(selector)?],
            None => Due::compute(&state.manifest, now).retire,
        };
        if ids.is_empty() {
            return Ok(ids);
        }
        let op = new_operation_id()?;
        let mut next = state.manifest.clone();
        let ctx = TransitionContext {
            at: now,
            actor,
            window_days: 0,
            compromise: None,
            operation: Some(&op),
        };
        for &id in &ids {
            next.key_mut(id)?.apply(Operation::Retire, &ctx)?;
        }
        next.pending = Some(PendingOperation {
            id: op.clone(),
            kind: PendingKind::Retire,
            step: Step::Committed,
            started_at: now,
            actor: actor.clone(),
            target: None,
            store_version_before: None,
            old_key: None,
            new_key: None,
            compromised_key: None,
            compromise: None,
            keys: ids.clone(),
            window_days: 0,
            material_gone: false,
            unverified: Vec::new(),
        });
        let revision = self.save(&mut next, state.revision, now).await?;
        self.fail.check(FailPoint::AfterCommit)?;
        self.drive(
            Loaded {
                manifest: next,
                revision,
                emergency: false,
            },
            &op,
            false,
            None,
            now,
        )
        .await?;
        Ok(ids)
    }

    /// The keyring's state at `now`.
    ///
    /// # Errors
    /// [`Error::NotFound`](crate::Error::NotFound) before the keyring
    /// exists; store errors.
    pub async fn status(&self, now: Timestamp) -> Result<Status> {
        let state = self.load_required().await?;
        let (ledger, _) = self.load_ledger().await?;
        let m = &state.manifest;
        let bundle = TrustBundle::compute(m, now);
        let checked = self.audit_log().check_anchor(m.anchor().as_ref());
        let (audit_head, audit_problem) = match checked {
            Ok(anchor) => (anchor.head, None),
            Err(e) => (
                m.audit_head.clone().unwrap_or_else(AuditHead::empty),
                Some(format!("{e} [{}]", e.code().name())),
            ),
        };
        Ok(Status {
            keyring: self.location(),
            revision: state.revision,
            now,
            policy: m.policy,
            active_key: m.active().map(|k| k.id),
            keys: m
                .keys
                .iter()
                .map(|k| KeyStatus {
                    record: k.clone(),
                    trusted: k.trusted_at(now),
                    status: k.describe_state(),
                })
                .collect(),
            trusted: bundle.fingerprints(),
            due: Due::compute(m, now),
            pending: m.pending.clone(),
            deferred: m.deferred.clone(),
            resign_count: ledger.resign(m).len(),
            audit_head,
            audit_pending: m.audit_pending.len(),
            audit_problem,
        })
    }

    /// Verifies the audit log: its whole hash chain, and that it still
    /// holds the record the manifest was last saved after (its anchor), so a
    /// deleted, truncated or replaced log is found without a head kept
    /// elsewhere. Without a manifest (or an anchor: manifests written before
    /// anchors existed), the chain alone.
    ///
    /// # Errors
    /// [`Error::AuditTampered`](crate::Error::AuditTampered) naming the
    /// record; store and I/O errors.
    pub async fn verify_audit(&self) -> Result<AuditReport> {
        let anchor = self.load().await?.and_then(|l| l.manifest.audit_head);
        match anchor {
            Some(anchor) => self.audit_log().verify_anchored(&anchor),
            None => self.audit_log().verify(None),
        }
    }

    /// What the rotation policy asks for at `now`.
    ///
    /// # Errors
    /// As [`Keyring::status`].
    pub async fn due(&self, now: Timestamp) -> Result<Due> {
        Ok(Due::compute(&self.load_required().await?.manifest, now))
    }

    /// The public keys verifiers should trust at `at`.
    ///
    /// # Errors
    /// As [`Keyring::status`].
    pub async fn trust_bundle(&self, at: Timestamp) -> Result<TrustBundle> {
        Ok(TrustBundle::compute(
            &self.load_required().await?.manifest,
            at,
        ))
    }

    /// Writes the trust bundle at `now` into `dir` (`cosign.pub`,
    /// `cosign.pub.old`, `cosign-trust-bundle.pem`; see
    /// [`TrustBundle::write_to`]) and audits the distribution.
    ///
    /// # Errors
    /// As [`Keyring::status`]; [`Error::Io`](crate::Error::Io).
    pub async fn distribute(
        &self,
        dir: &Path,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<TrustBundle> {
        let state = self.load_flushed(now).await?;
        let bundle = TrustBundle::compute(&state.manifest, now);
        bundle.write_to(dir)?;
        let mut event =
            AuditEvent::new(EventKind::TrustDistributed, actor).target(dir.display().to_string());
        for fp in bundle.fingerprints() {
            event = event.fingerprint(fp);
        }
        self.emit(state.manifest.anchor().as_ref(), event, now)?;
        Ok(bundle)
    }
}

fn with_policy(mut event: AuditEvent, policy: RotationPolicy) -> AuditEvent {
    event.reason = format!(
        "{} (rotation every {} days, {}-day transition window)",
        event.reason, policy.period_days, policy.transition_window_days
    );
    event
}
