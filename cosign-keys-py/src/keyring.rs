//! `Keyring`: the lifecycle operations of `cosign_keys::keyring::blocking`.
//!
//! Structured results cross into Python as the core's own JSON
//! (`cosign_keys::keyring::to_json`); the pure-Python `cosign_keys.keyring`
//! decodes them into frozen dataclasses. Every call that reads or writes the
//! manifest, the ledger, a key store, a KMS or the audit log, or runs scrypt,
//! releases the GIL.

use std::path::PathBuf;

use cosign_keys::keyring::blocking::Keyring;
use cosign_keys::keyring::{
    to_json, Compromise, DestroyOptions, KeyringConfig, NewKey, RotateOptions, RotationPolicy,
    SigningEvent,
};
use cosign_keys::kms::KmsHandle;
use cosign_keys::{Actor, Error, Password, ScryptParams, Timestamp};
use pyo3::prelude::*;

use crate::convert::{AlgorithmArg, PasswordArg};
use crate::error::BindingResult;
use crate::private::PyPrivateKey;

/// Who acts, as the Python layer passes it: `(who, reason, host)`; `host`
/// `None` is this machine.
pub(crate) type ActorArg = (String, String, Option<String>);

/// The core's actor from the Python triple, by the core's rule
/// ([`Actor::checked`]: a blank `who` is refused).
pub(crate) fn actor((who, reason, host): ActorArg) -> cosign_keys::Result<Actor> {
    Actor::checked(&who, host.as_deref(), &reason)
}

/// `now` from Python: RFC 3339 UTC text, the core's one time format
/// (`None`: the system clock).
pub(crate) fn timestamp(now: &Option<String>) -> cosign_keys::Result<Timestamp> {
    now.as_deref()
        .map_or_else(|| Ok(Timestamp::now()), Timestamp::parse)
}

/// A policy from `(period_days, transition_window_days)`, checked.
fn policy(
    (period_days, transition_window_days): (u32, u32),
) -> cosign_keys::Result<RotationPolicy> {
    RotationPolicy {
        period_days,
        transition_window_days,
    }
    .validated()
}

/// The new key of a rotation: a KMS key for a KMS URI (no password), a key
/// generated here and sealed with `password` for a key store URI.
fn new_key(
    uri: String,
    algorithm: AlgorithmArg,
    password: Option<PasswordArg>,
    keep_password: bool,
    scrypt: Option<(u64, u32, u32)>,
) -> cosign_keys::Result<NewKey> {
    if KmsHandle::is_kms_uri(&uri) {
        if password.is_some() || keep_password || scrypt.is_some() {
            return Err(Error::InvalidArgument {
                name: "password",
                // The URI is not echoed: a pasted one may carry a credential.
                reason: "a KMS key has no password, kept password or scrypt cost".into(),
            });
        }
        return Ok(NewKey::kms(uri, algorithm.0));
    }
    let password = password.ok_or_else(|| Error::InvalidArgument {
        name: "password",
        reason: "a key generated into a key store needs a password".into(),
    })?;
    let mut new = NewKey::store(uri, algorithm.0, password.0);
    if keep_password {
        new = new.keep_password_in_store();
    }
    if let Some((n, r, p)) = scrypt {
        new = new.with_scrypt_params(ScryptParams::from_n(n, u64::from(r), u64::from(p))?);
    }
    Ok(new)
}

/// A keyring: its manifest (a file or `vault-kv://` document), signature
/// ledger and audit log. Use `cosign_keys.Keyring`, which wraps this.
#[pyclass(name = "Keyring", module = "cosign_keys._native", frozen)]
pub(crate) struct PyKeyring(pub(crate) Keyring);

#[pymethods]
impl PyKeyring {
    /// Opens a keyring (nothing is read or created yet); credentials for
    /// network stores come from the environment.
    #[staticmethod]
    #[pyo3(signature = (manifest, audit_log, signatures = None))]
    fn open(
        py: Python<'_>,
        manifest: String,
        audit_log: PathBuf,
        signatures: Option<String>,
    ) -> BindingResult<Self> {
        let mut config = KeyringConfig::new(manifest, audit_log);
        config.signatures = signatures;
        Ok(Self(py.detach(|| Keyring::open(config))?))
    }

    /// The manifest's location as a URI.
    #[getter]
    fn location(&self) -> String {
        self.0.location()
    }

    /// The audit log file.
    #[getter]
    fn audit_log(&self) -> String {
        self.0.audit_log().path().to_string_lossy().into_owned()
    }

    /// The signature ledger's location.
    #[getter]
    fn signatures(&self) -> String {
        self.0.as_async().config().signatures_location()
    }

    /// The manifest as JSON and its revision, or `None` before it exists.
    fn manifest(&self, py: Python<'_>) -> BindingResult<Option<(String, u64)>> {
        let found = py.detach(|| self.0.manifest())?;
        Ok(found.map(|(m, revision)| (to_json(&m), revision)))
    }

    /// Creates an empty keyring; returns the manifest JSON.
    #[pyo3(signature = (policy, actor, now = None))]
    fn init(
        &self,
        py: Python<'_>,
        policy: (u32, u32),
        actor: ActorArg,
        now: Option<String>,
    ) -> BindingResult<String> {
        let actor = self::actor(actor)?;
        let manifest = py.detach(|| {
            let policy = self::policy(policy)?;
            self.0.init(policy, &actor, timestamp(&now)?)
        })?;
        Ok(to_json(&manifest))
    }

    /// Changes the rotation policy.
    #[pyo3(signature = (policy, actor, now = None))]
    fn set_policy(
        &self,
        py: Python<'_>,
        policy: (u32, u32),
        actor: ActorArg,
        now: Option<String>,
    ) -> BindingResult<()> {
        let actor = self::actor(actor)?;
        py.detach(|| {
            let policy = self::policy(policy)?;
            self.0.set_policy(policy, &actor, timestamp(&now)?)
        })?;
        Ok(())
    }

    /// Rotates to a new key at `uri`; returns the outcome JSON.
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (
        uri, algorithm, password, actor, *, now = None, window_days = None,
        expect_revision = None, policy = None, keep_password = false, scrypt = None
    ))]
    fn rotate(
        &self,
        py: Python<'_>,
        uri: String,
        algorithm: AlgorithmArg,
        password: Option<PasswordArg>,
        actor: ActorArg,
        now: Option<String>,
        window_days: Option<u32>,
        expect_revision: Option<u64>,
        policy: Option<(u32, u32)>,
        keep_password: bool,
        scrypt: Option<(u64, u32, u32)>,
    ) -> BindingResult<String> {
        let actor = self::actor(actor)?;
        let outcome = py.detach(|| {
            let new = new_key(uri, algorithm, password, keep_password, scrypt)?;
            let mut options = RotateOptions::default();
            options.transition_window_days = window_days;
            options.expect_revision = expect_revision;
            options.policy = policy.map(self::policy).transpose()?;
            self.0.rotate_with(&new, &options, &actor, timestamp(&now)?)
        })?;
        Ok(to_json(&outcome))
    }

    /// Marks `key` compromised and rotates to a new key at `uri`, in one
    /// call; returns the outcome JSON.
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (
        key, compromise, uri, algorithm, password, actor, *, now = None,
        keep_password = false, scrypt = None
    ))]
    fn emergency_rotate(
        &self,
        py: Python<'_>,
        key: String,
        compromise: (String, String),
        uri: String,
        algorithm: AlgorithmArg,
        password: Option<PasswordArg>,
        actor: ActorArg,
        now: Option<String>,
        keep_password: bool,
        scrypt: Option<(u64, u32, u32)>,
    ) -> BindingResult<String> {
        let actor = self::actor(actor)?;
        let (reason, incident) = compromise;
        let compromise = Compromise { reason, incident };
        let outcome = py.detach(|| {
            let new = new_key(uri, algorithm, password, keep_password, scrypt)?;
            self.0
                .emergency_rotate(&key, &compromise, &new, &actor, timestamp(&now)?)
        })?;
        Ok(to_json(&outcome))
    }

    /// Marks `key` compromised; returns the outcome JSON.
    #[pyo3(signature = (key, compromise, actor, now = None))]
    fn revoke(
        &self,
        py: Python<'_>,
        key: String,
        compromise: (String, String),
        actor: ActorArg,
        now: Option<String>,
    ) -> BindingResult<String> {
        let actor = self::actor(actor)?;
        let (reason, incident) = compromise;
        let compromise = Compromise { reason, incident };
        let outcome = py.detach(|| self.0.revoke(&key, &compromise, &actor, timestamp(&now)?))?;
        Ok(to_json(&outcome))
    }

    /// Completes an interrupted operation; returns its kind, if there was
    /// one. A rotation stopped before its key was stored needs the same new
    /// key (`uri`, `algorithm`, `password`) again.
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (
        uri = None, algorithm = None, password = None, *, now = None,
        keep_password = false, scrypt = None
    ))]
    fn resume(
        &self,
        py: Python<'_>,
        uri: Option<String>,
        algorithm: Option<AlgorithmArg>,
        password: Option<PasswordArg>,
        now: Option<String>,
        keep_password: bool,
        scrypt: Option<(u64, u32, u32)>,
    ) -> BindingResult<Option<&'static str>> {
        let done = py.detach(|| {
            let new = match uri {
                Some(uri) => {
                    let algorithm =
                        algorithm.unwrap_or(AlgorithmArg(cosign_keys::Algorithm::EcdsaP256));
                    Some(new_key(uri, algorithm, password, keep_password, scrypt)?)
                }
                None => None,
            };
            self.0.resume(new.as_ref(), timestamp(&now)?)
        })?;
        Ok(done.map(|kind| kind.as_str()))
    }

    /// Retires `key`, or (`None`) every key whose window has ended; returns
    /// the ids retired.
    #[pyo3(signature = (key, actor, now = None))]
    fn retire(
        &self,
        py: Python<'_>,
        key: Option<String>,
        actor: ActorArg,
        now: Option<String>,
    ) -> BindingResult<Vec<u32>> {
        let actor = self::actor(actor)?;
        Ok(py.detach(|| self.0.retire(key.as_deref(), &actor, timestamp(&now)?))?)
    }

    /// Destroys `key`'s private material; returns the audit head text.
    /// `material_gone`: record material not found at its location as gone
    /// (audited as not verified).
    #[pyo3(signature = (key, actor, now = None, material_gone = false))]
    fn destroy(
        &self,
        py: Python<'_>,
        key: String,
        actor: ActorArg,
        now: Option<String>,
        material_gone: bool,
    ) -> BindingResult<String> {
        let actor = self::actor(actor)?;
        let mut options = DestroyOptions::default();
        options.material_gone = material_gone;
        let head = py.detach(|| {
            self.0
                .destroy_with(&key, &options, &actor, timestamp(&now)?)
        })?;
        Ok(head.to_string())
    }

    /// The keyring's state at `now`, as JSON.
    #[pyo3(signature = (now = None))]
    fn status(&self, py: Python<'_>, now: Option<String>) -> BindingResult<String> {
        let status = py.detach(|| self.0.status(timestamp(&now)?))?;
        Ok(to_json(&status))
    }

    /// What the rotation policy asks for at `now`, as JSON.
    #[pyo3(signature = (now = None))]
    fn due(&self, py: Python<'_>, now: Option<String>) -> BindingResult<String> {
        let due = py.detach(|| self.0.due(timestamp(&now)?))?;
        Ok(to_json(&due))
    }

    /// The trust bundle at `at`: its JSON and its multi-key PEM.
    #[pyo3(signature = (at = None))]
    fn trust_bundle(&self, py: Python<'_>, at: Option<String>) -> BindingResult<(String, String)> {
        let bundle = py.detach(|| self.0.trust_bundle(timestamp(&at)?))?;
        Ok((to_json(&bundle), bundle.pem()))
    }

    /// Writes `cosign.pub`, `cosign.pub.old` and the bundle into
    /// `directory` and audits it; returns the bundle's JSON and PEM.
    #[pyo3(signature = (directory, actor, now = None))]
    fn distribute(
        &self,
        py: Python<'_>,
        directory: PathBuf,
        actor: ActorArg,
        now: Option<String>,
    ) -> BindingResult<(String, String)> {
        let actor = self::actor(actor)?;
        let bundle = py.detach(|| self.0.distribute(&directory, &actor, timestamp(&now)?))?;
        Ok((to_json(&bundle), bundle.pem()))
    }

    /// Unlocks a stored key (audited); returns it with its record's JSON.
    #[pyo3(signature = (key, password, actor, now = None))]
    fn unlock(
        &self,
        py: Python<'_>,
        key: Option<String>,
        password: PasswordArg,
        actor: ActorArg,
        now: Option<String>,
    ) -> BindingResult<(PyPrivateKey, String)> {
        let actor = self::actor(actor)?;
        let (private, record) = py.detach(|| {
            self.0
                .unlock(key.as_deref(), &password.0, &actor, timestamp(&now)?)
        })?;
        Ok((PyPrivateKey(private), to_json(&record)))
    }

    /// Signs an artifact digest with the active key and records it; returns
    /// the signed artifact's JSON.
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (artifact, digest, pipeline, password, actor, now = None))]
    fn sign_digest(
        &self,
        py: Python<'_>,
        artifact: String,
        digest: String,
        pipeline: String,
        password: Option<PasswordArg>,
        actor: ActorArg,
        now: Option<String>,
    ) -> BindingResult<String> {
        let actor = self::actor(actor)?;
        // A KMS key needs no password; the core ignores it then.
        let password = password.map_or_else(|| Password::new(Vec::new()), |p| p.0);
        let signed = py.detach(|| {
            self.0.sign_digest(
                &artifact,
                &digest,
                &pipeline,
                &password,
                &actor,
                timestamp(&now)?,
            )
        })?;
        Ok(to_json(&signed))
    }

    /// Records a signing done elsewhere; returns the event's JSON.
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (artifact, digest, pipeline, fingerprint, actor, now = None))]
    fn record_signing(
        &self,
        py: Python<'_>,
        artifact: String,
        digest: String,
        pipeline: String,
        fingerprint: Option<String>,
        actor: ActorArg,
        now: Option<String>,
    ) -> BindingResult<String> {
        let actor = self::actor(actor)?;
        let event = py.detach(|| {
            self.0.record_signing(
                SigningEvent::new(artifact, digest, pipeline),
                fingerprint.as_deref(),
                &actor,
                timestamp(&now)?,
            )
        })?;
        Ok(to_json(&event))
    }

    /// The artifacts to sign again, as JSON.
    fn resign_list(&self, py: Python<'_>) -> BindingResult<String> {
        let list = py.detach(|| self.0.resign_list())?;
        Ok(to_json(&list))
    }

    /// The audit log's current head, `<seq>:<hash>`.
    fn audit_head(&self, py: Python<'_>) -> BindingResult<String> {
        Ok(py.detach(|| self.0.audit_log().head())?.to_string())
    }

    /// Verifies the audit log's chain and the manifest's anchor; returns
    /// `(records, head)`.
    fn verify_audit(&self, py: Python<'_>) -> BindingResult<(u64, String)> {
        let report = py.detach(|| self.0.verify_audit())?;
        Ok((report.records, report.head.to_string()))
    }

    fn __repr__(&self) -> String {
        format!("Keyring({:?})", self.0.location())
    }
}
