//! One key version's record in the keyring: where it lives, its state and
//! every transition it went through.

use serde::{Deserialize, Serialize};

use super::{text, KeyState, Operation};
use crate::{Actor, Algorithm, Error, Fingerprint, PublicKey, Result, Timestamp};

/// Where a key version's private key lives.
///
/// ```
/// use cosign_keys::keyring::KeyLocation;
/// let loc = KeyLocation::Store { uri: "vault-kv://secret/app/cosign".into(), version: 3 };
/// assert_eq!(loc.uri(), "vault-kv://secret/app/cosign");
/// assert_eq!(loc.to_string(), "vault-kv://secret/app/cosign (version 3)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum KeyLocation {
    /// An encrypted key pair in a key store (a [`KeyRef`](crate::store::KeyRef) URI) at a store version.
    Store {
        /// The store's URI.
        uri: String,
        /// The store version holding this key.
        version: u64,
    },
    /// A key inside a KMS (a [`KmsHandle`](crate::kms::KmsHandle) URI) at a KMS key version.
    Kms {
        /// The KMS key's URI.
        uri: String,
        /// The KMS's version identifier.
        version: String,
    },
}

impl KeyLocation {
    /// The store or KMS URI.
    #[must_use]
    pub fn uri(&self) -> &str {
        match self {
            Self::Store { uri, .. } | Self::Kms { uri, .. } => uri,
        }
    }
}

impl std::fmt::Display for KeyLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Store { uri, version } => write!(f, "{uri} (version {version})"),
            Self::Kms { uri, version } => write!(f, "{uri} (KMS version {version})"),
        }
    }
}

/// Why a key was marked compromised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Compromise {
    /// What happened.
    pub reason: String,
    /// The incident it is tracked under.
    pub incident: String,
}

/// What a history entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum HistoryEvent {
    /// The key was generated (or created in a KMS), stored, and recorded pre-active.
    Created,
    /// [`Operation::Activate`].
    Activated,
    /// [`Operation::Deactivate`].
    Deactivated,
    /// [`Operation::Retire`].
    Retired,
    /// [`Operation::Compromise`].
    Compromised,
    /// [`Operation::Destroy`].
    Destroyed,
    /// Restored from a backup into a (possibly new) store version.
    Recovered,
}

/// One entry in a key's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct HistoryEntry {
    /// What happened.
    pub event: HistoryEvent,
    /// The state afterwards.
    pub state: KeyState,
    /// When.
    pub at: Timestamp,
    /// Who, from where, why.
    pub by: Actor,
    /// The incident, for a compromise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident: Option<String>,
    /// The lifecycle operation it was part of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
}

/// One key version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct KeyRecord {
    /// Sequence number in this keyring (1, 2, …).
    pub id: u32,
    /// SHA-256 fingerprint of the public key.
    #[serde(with = "text")]
    #[schemars(with = "Fingerprint")]
    pub fingerprint: Fingerprint,
    /// The key's algorithm.
    #[serde(with = "text")]
    #[schemars(with = "Algorithm")]
    pub algorithm: Algorithm,
    /// Where the private key lives.
    pub location: KeyLocation,
    /// The public key, PKIX PEM.
    pub public_key: String,
    /// Current state.
    pub state: KeyState,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it became active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activated_at: Option<Timestamp>,
    /// When it was deactivated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deactivated_at: Option<Timestamp>,
    /// End of the transition window: verifiers trust the key before this
    /// time (deactivated keys only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trusted_until: Option<Timestamp>,
    /// When it was retired (deactivated, window over, closed for good).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired_at: Option<Timestamp>,
    /// When it was marked compromised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compromised_at: Option<Timestamp>,
    /// When its private material was destroyed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destroyed_at: Option<Timestamp>,
    /// Why it was marked compromised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compromise: Option<Compromise>,
    /// The key it replaced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predecessor: Option<u32>,
    /// The key that replaced it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub successor: Option<u32>,
    /// Every transition, oldest first.
    pub history: Vec<HistoryEntry>,
}

/// The facts a transition needs besides the operation.
pub(crate) struct TransitionContext<'a> {
    pub(crate) at: Timestamp,
    pub(crate) actor: &'a Actor,
    pub(crate) window_days: u32,
    pub(crate) compromise: Option<&'a Compromise>,
    pub(crate) operation: Option<&'a str>,
}

impl KeyRecord {
    /// A new pre-active record.
    pub(crate) fn new(
        id: u32,
        public_key: &PublicKey,
        location: KeyLocation,
        at: Timestamp,
        actor: &Actor,
        operation: Option<&str>,
    ) -> Self {
        Self {
            id,
            fingerprint: public_key.fingerprint(),
            algorithm: public_key.algorithm(),
            location,
            public_key: public_key.to_pem(),
            state: KeyState::PreActive,
            created_at: at,
            activated_at: None,
            deactivated_at: None,
            trusted_until: None,
            retired_at: None,
            compromised_at: None,
            destroyed_at: None,
            compromise: None,
            predecessor: None,
            successor: None,
            history: vec![HistoryEntry {
                event: HistoryEvent::Created,
                state: KeyState::PreActive,
                at,
                by: actor.clone(),
                incident: None,
                operation: operation.map(str::to_owned),
            }],
        }
    }

    /// `#<id> (<fingerprint>)`, as errors name a key.
    #[must_use]
    pub fn label(&self) -> String {
        format!("#{} ({})", self.id, self.fingerprint)
    }

    /// The public key, parsed.
    ///
    /// # Errors
    /// [`Error::KeyringInvalid`] if the recorded PEM does not parse.
    pub fn public_key(&self) -> Result<PublicKey> {
        PublicKey::from_pem(self.public_key.as_bytes()).map_err(|e| Error::KeyringInvalid {
            reason: format!("key {}: its public key does not parse: {e}", self.label()),
        })
    }

    /// Whether a verifier should trust this key at time `at`: the active key,
    /// and deactivated keys inside their transition window that were not
    /// retired. Never a compromised, destroyed or pre-active key.
    #[must_use]
    pub fn trusted_at(&self, at: Timestamp) -> bool {
        match self.state {
            KeyState::Active => true,
            KeyState::Deactivated => {
                self.retired_at.is_none() && self.trusted_until.is_some_and(|end| at < end)
            }
            _ => false,
        }
    }

    /// The state as a person reads it, e.g. `deactivated (retired)`.
    #[must_use]
    pub fn describe_state(&self) -> String {
        match (self.state, self.retired_at, self.trusted_until) {
            (KeyState::Deactivated, Some(at), _) => format!("deactivated (retired {at})"),
            (KeyState::Deactivated, None, Some(end)) => {
                format!("deactivated (trusted until {end})")
            }
            (state, _, _) => state.to_string(),
        }
    }

    /// Checks whether `operation` is allowed for this key at `at`, without
    /// changing anything, and returns the state it would lead to. Beyond
    /// [`KeyState::next`]: retiring needs the transition window to have
    /// ended and happens once; a deactivated key must be retired before it
    /// is destroyed.
    ///
    /// # Errors
    /// [`Error::InvalidTransition`] naming the key, its state and the
    /// operation.
    pub fn check(&self, operation: Operation, at: Timestamp) -> Result<KeyState> {
        let refuse = |state: String| Error::InvalidTransition {
            key: self.label(),
            state,
            operation: operation.to_string(),
        };
        let next = self
            .state
            .next(operation)
            .ok_or_else(|| refuse(self.describe_state()))?;
        match operation {
            Operation::Retire if self.retired_at.is_some() => Err(refuse(self.describe_state())),
            Operation::Retire if self.trusted_until.is_some_and(|end| at < end) => {
                Err(refuse(format!(
                    "{}: its transition window has not ended",
                    self.describe_state()
                )))
            }
            Operation::Destroy
                if self.state == KeyState::Deactivated && self.retired_at.is_none() =>
            {
                Err(refuse(format!(
                    "{}: retire it first (destroying it would drop it from verifiers' trust \
                     early)",
                    self.describe_state()
                )))
            }
            _ => Ok(next),
        }
    }

    /// Applies `operation`: checks it, sets the state and the timestamps,
    /// and appends to the history.
    pub(crate) fn apply(
        &mut self,
        operation: Operation,
        ctx: &TransitionContext<'_>,
    ) -> Result<()> {
        let next = self.check(operation, ctx.at)?;
        let event = match operation {
            Operation::Activate => {
                self.activated_at = Some(ctx.at);
                HistoryEvent::Activated
            }
            Operation::Deactivate => {
                self.deactivated_at = Some(ctx.at);
                self.trusted_until = Some(ctx.at.plus_days(ctx.window_days));
                HistoryEvent::Deactivated
            }
            Operation::Retire => {
                self.retired_at = Some(ctx.at);
                HistoryEvent::Retired
            }
            Operation::Compromise => {
                let compromise = ctx.compromise.ok_or_else(|| Error::InvalidArgument {
                    name: "incident",
                    reason: "marking a key compromised needs a reason and an incident id".into(),
                })?;
                self.compromised_at = Some(ctx.at);
                self.compromise = Some(compromise.clone());
                // Untrusted at once, whatever window it had.
                self.trusted_until = Some(ctx.at);
                HistoryEvent::Compromised
            }
            Operation::Destroy => {
                self.destroyed_at = Some(ctx.at);
                HistoryEvent::Destroyed
            }
        };
        self.state = next;
        self.history.push(HistoryEntry {
            event,
            state: next,
            at: ctx.at,
            by: ctx.actor.clone(),
            incident: ctx.compromise.map(|c| c.incident.clone()),
            operation: ctx.operation.map(str::to_owned),
        });
        Ok(())
    }
}
