//! Creating a keyring, its policy, retiring keys, and reading its state:
//! status, what is due, the trust bundle.

use std::path::Path;

use serde::Serialize;

use super::record::TransitionContext;
use super::{
    new_operation_id, Due, FailPoint, KeyRecord, Keyring, Loaded, Manifest, Operation, PendingKind,
    PendingOperation, RotationPolicy, Step, TrustBundle,
};
use crate::audit::{AuditEvent, AuditHead, EventKind};
use crate::{Actor, Result, Timestamp};

/// One key in a [`Status`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
    pub trusted: Vec<String>,
    /// What the policy asks for.
    pub due: Due,
    /// An interrupted operation, if any.
    pub pending: Option<PendingOperation>,
    /// Artifacts to sign again (their newest signature is by a key that is
    /// no longer active).
    pub resign_count: usize,
    /// The audit log's current head.
    pub audit_head: AuditHead,
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
        let mut state = self.load_required().await?;
        state.manifest.policy = policy;
        self.save(&mut state.manifest, state.revision, now).await?;
        self.emit(
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
        let mut state = self.load_required().await?;
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
            resign_count: ledger.resign(m).len(),
            audit_head: self.audit.head()?,
        })
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
        let bundle = self.trust_bundle(now).await?;
        bundle.write_to(dir)?;
        let mut event =
            AuditEvent::new(EventKind::TrustDistributed, actor).target(dir.display().to_string());
        for fp in bundle.fingerprints() {
            event = event.fingerprint(fp);
        }
        self.emit(event, now)?;
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
