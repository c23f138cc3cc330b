//! What one audit record says: who did what, when, where, to which key.

use serde::{Deserialize, Serialize};

/// Who acts, from where, and why. Every lifecycle call takes one; the host
/// is filled in from the machine.
///
/// ```
/// use cosign_keys::Actor;
///
/// let actor = Actor::new("alice@example.com", "annual rotation, CHG-1234");
/// assert_eq!(actor.who, "alice@example.com");
/// assert!(!actor.host.is_empty());
/// let ci = Actor::with_host("release-pipeline", "build-7.example", "sign v1.2.3");
/// assert_eq!(ci.host, "build-7.example");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Actor {
    /// A person or pipeline identity.
    pub who: String,
    /// The machine the act came from.
    pub host: String,
    /// Why (a change ticket, "scheduled rotation", an incident summary).
    pub reason: String,
}

impl Actor {
    /// An actor on this machine (host name from the kernel, `/etc/hostname`
    /// or `$HOSTNAME`; `unknown` if none says).
    #[must_use]
    pub fn new(who: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::with_host(who, hostname(), reason)
    }

    /// An actor with an explicit host (for acts relayed from elsewhere).
    #[must_use]
    pub fn with_host(
        who: impl Into<String>,
        host: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Self {
            who: who.into(),
            host: host.into(),
            reason: reason.into(),
        }
    }

    /// An actor from a binding's or a caller's arguments, with the one rule
    /// every language applies: `who` names a person or pipeline (it is what
    /// the audit log is for), so it may not be blank. `host` `None`: this
    /// machine.
    ///
    /// ```
    /// use cosign_keys::{Actor, ErrorCode};
    ///
    /// let ci = Actor::checked("release-pipeline", Some("build-7"), "sign v1.2.3")?;
    /// assert_eq!(ci.host, "build-7");
    /// let err = Actor::checked("  ", None, "who?").unwrap_err();
    /// assert_eq!(err.code(), ErrorCode::InvalidArgument);
    /// # Ok::<(), cosign_keys::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) for a blank
    /// `who`.
    pub fn checked(who: &str, host: Option<&str>, reason: &str) -> crate::Result<Self> {
        if who.trim().is_empty() {
            return Err(crate::Error::InvalidArgument {
                name: "who",
                reason: "who must name a person or pipeline (it goes into the audit log)".into(),
            });
        }
        Ok(match host {
            Some(host) => Self::with_host(who, host, reason),
            None => Self::new(who, reason),
        })
    }
}

/// This machine's host name, without any unsafe call.
pub(crate) fn hostname() -> String {
    for path in ["/proc/sys/kernel/hostname", "/etc/hostname"] {
        if let Ok(text) = std::fs::read_to_string(path) {
            let name = text.trim();
            if !name.is_empty() {
                return name.to_owned();
            }
        }
    }
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.trim().is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The kind of act an audit record describes.
///
/// ```
/// use cosign_keys::audit::EventKind;
/// assert_eq!(EventKind::KeyRotated.as_str(), "key.rotated");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub enum EventKind {
    /// A keyring manifest was created.
    #[serde(rename = "keyring.created")]
    KeyringCreated,
    /// The rotation policy changed.
    #[serde(rename = "policy.changed")]
    PolicyChanged,
    /// A new key version was generated (or created in a KMS) and stored.
    #[serde(rename = "key.created")]
    KeyCreated,
    /// A new key became active; the old one (if any) was deactivated.
    #[serde(rename = "key.rotated")]
    KeyRotated,
    /// A key was marked compromised.
    #[serde(rename = "key.compromised")]
    KeyCompromised,
    /// A deactivated key's transition window was closed for good.
    #[serde(rename = "key.retired")]
    KeyRetired,
    /// A key's private material was deleted from its store.
    #[serde(rename = "key.destroyed")]
    KeyDestroyed,
    /// A private key was read from its store (to sign, or into a backup).
    #[serde(rename = "key.accessed")]
    KeyAccessed,
    /// An artifact was signed.
    #[serde(rename = "artifact.signed")]
    ArtifactSigned,
    /// Public keys were written out for verifiers.
    #[serde(rename = "trust.distributed")]
    TrustDistributed,
    /// An encrypted backup was written.
    #[serde(rename = "backup.created")]
    BackupCreated,
    /// A backup was restored into stores.
    #[serde(rename = "backup.recovered")]
    BackupRecovered,
    /// The log's incomplete last record (a write cut short by a crash or a
    /// full disk) was moved aside into the file named by `target`.
    #[serde(rename = "audit.repaired")]
    AuditRepaired,
}

impl EventKind {
    /// The kind's name in the log (`key.rotated`, …).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::KeyringCreated => "keyring.created",
            Self::PolicyChanged => "policy.changed",
            Self::KeyCreated => "key.created",
            Self::KeyRotated => "key.rotated",
            Self::KeyCompromised => "key.compromised",
            Self::KeyRetired => "key.retired",
            Self::KeyDestroyed => "key.destroyed",
            Self::KeyAccessed => "key.accessed",
            Self::ArtifactSigned => "artifact.signed",
            Self::TrustDistributed => "trust.distributed",
            Self::BackupCreated => "backup.created",
            Self::BackupRecovered => "backup.recovered",
            Self::AuditRepaired => "audit.repaired",
        }
    }
}

/// One audited act. Only public facts: fingerprints, URIs (which never carry
/// credentials), names and reasons — never a password, token or key bytes.
///
/// ```
/// use cosign_keys::audit::{AuditEvent, EventKind};
/// use cosign_keys::Actor;
///
/// let event = AuditEvent::new(EventKind::ArtifactSigned, &Actor::new("ci", "release"))
///     .artifact("registry.example/app:1.0", "sha256:ab12")
///     .pipeline("pipeline-881");
/// assert_eq!(event.pipeline.as_deref(), Some("pipeline-881"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[non_exhaustive]
pub struct AuditEvent {
    /// What happened.
    pub event: EventKind,
    /// Who did it.
    pub who: String,
    /// From which machine.
    pub host: String,
    /// Why.
    pub reason: String,
    /// The key(s) concerned, by fingerprint.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fingerprints: Vec<String>,
    /// Rotation: the key that stopped signing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_fingerprint: Option<String>,
    /// Rotation: the key that signs from now on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_fingerprint: Option<String>,
    /// Compromise: the incident it is tracked under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident: Option<String>,
    /// Signing: the artifact reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact: Option<String>,
    /// Signing: the artifact digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// Signing: the pipeline (run) id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline: Option<String>,
    /// Distribution, backup, key access: where things went or came from (a
    /// directory, a file, a store URI).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The keyring this concerns (its document location).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyring: Option<String>,
    /// The lifecycle operation this record belongs to (a crash-retried
    /// operation keeps its id, and its records are not written twice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
}

impl AuditEvent {
    /// An event of `kind` by `actor`, with no other fields.
    #[must_use]
    pub fn new(kind: EventKind, actor: &Actor) -> Self {
        Self {
            event: kind,
            who: actor.who.clone(),
            host: actor.host.clone(),
            reason: actor.reason.clone(),
            fingerprints: Vec::new(),
            old_fingerprint: None,
            new_fingerprint: None,
            incident: None,
            artifact: None,
            digest: None,
            pipeline: None,
            target: None,
            keyring: None,
            operation: None,
        }
    }

    /// Adds a key fingerprint.
    #[must_use]
    pub fn fingerprint(mut self, fingerprint: impl ToString) -> Self {
        self.fingerprints.push(fingerprint.to_string());
        self
    }

    /// Sets the rotation's old and new fingerprints.
    #[must_use]
    pub fn rotation(mut self, old: Option<String>, new: impl ToString) -> Self {
        self.old_fingerprint = old;
        self.new_fingerprint = Some(new.to_string());
        self
    }

    /// Sets the incident id.
    #[must_use]
    pub fn incident(mut self, incident: impl Into<String>) -> Self {
        self.incident = Some(incident.into());
        self
    }

    /// Sets the artifact reference and digest.
    #[must_use]
    pub fn artifact(mut self, reference: impl Into<String>, digest: impl Into<String>) -> Self {
        self.artifact = Some(reference.into());
        self.digest = Some(digest.into());
        self
    }

    /// Sets the pipeline id.
    #[must_use]
    pub fn pipeline(mut self, pipeline: impl Into<String>) -> Self {
        self.pipeline = Some(pipeline.into());
        self
    }

    /// Sets the target (directory, file or URI).
    #[must_use]
    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    /// Sets the keyring location.
    #[must_use]
    pub fn keyring(mut self, keyring: impl Into<String>) -> Self {
        self.keyring = Some(keyring.into());
        self
    }

    /// Sets the operation id.
    #[must_use]
    pub fn operation(mut self, operation: impl Into<String>) -> Self {
        self.operation = Some(operation.into());
        self
    }
}
