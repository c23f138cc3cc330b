//! Key states after NIST SP 800-57 Part 1 §7 (and KMIP's names), and the
//! only transitions between them.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where a key version is in its life.
///
/// | state | signs | trusted by verifiers | private key |
/// |---|---|---|---|
/// | `pre-active` | no | no | stored, not yet in use |
/// | `active` | yes (the one signing key) | yes | stored |
/// | `deactivated` | no | until its transition window ends (and never once *retired*) | stored until destroyed |
/// | `compromised` | never again | never | may still exist until destroyed |
/// | `destroyed` | no | no (terminal) | deleted from its store; the record is kept |
///
/// *Retired* is not a sixth state: it is a deactivated key whose transition
/// window has ended and which was then retired explicitly
/// ([`Operation::Retire`]), which sets `retired_at` on its record. A retired
/// key is never trusted again, whatever time a verifier asks about, and only
/// a retired (or pre-active, or compromised) key may be destroyed.
///
/// ```
/// use cosign_keys::keyring::{KeyState, Operation};
///
/// assert_eq!(KeyState::PreActive.next(Operation::Activate), Some(KeyState::Active));
/// assert_eq!(KeyState::Compromised.next(Operation::Activate), None);
/// assert_eq!(KeyState::Destroyed.next(Operation::Compromise), None);
/// assert_eq!(KeyState::Active.to_string(), "active");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum KeyState {
    /// Generated and stored, not yet used.
    PreActive,
    /// The signing key. At most one key is active at a time.
    Active,
    /// No longer signs; verifiers trust it during the transition window.
    Deactivated,
    /// Known or suspected to be in other hands: trusted by no one from the
    /// moment it is marked, and never active again.
    Compromised,
    /// Private material deleted. Terminal.
    Destroyed,
}

/// A lifecycle transition asked of one key version.
///
/// Rotation is built from these: the new key is activated and the old one
/// deactivated, in one atomic keyring save.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Operation {
    /// pre-active → active.
    Activate,
    /// active → deactivated (starts the transition window).
    Deactivate,
    /// deactivated → deactivated with `retired_at` (only once its window
    /// has ended).
    Retire,
    /// pre-active, active or deactivated → compromised.
    Compromise,
    /// pre-active, compromised or retired → destroyed.
    Destroy,
}

impl KeyState {
    /// Every state, in lifecycle order.
    pub const ALL: &'static [KeyState] = &[
        Self::PreActive,
        Self::Active,
        Self::Deactivated,
        Self::Compromised,
        Self::Destroyed,
    ];

    /// The state `operation` leads to from this one, or `None` when the
    /// transition is not allowed. Conditions that depend on time and on the
    /// retired mark (retire only after the window, destroy a deactivated key
    /// only once retired) are checked on the key's record as well.
    ///
    /// ```
    /// use cosign_keys::keyring::{KeyState, Operation};
    /// assert_eq!(KeyState::Deactivated.next(Operation::Retire), Some(KeyState::Deactivated));
    /// assert_eq!(KeyState::Active.next(Operation::Destroy), None);
    /// ```
    #[must_use]
    pub const fn next(self, operation: Operation) -> Option<KeyState> {
        use KeyState as S;
        use Operation as O;
        match (self, operation) {
            (S::PreActive, O::Activate) => Some(S::Active),
            (S::Active, O::Deactivate) => Some(S::Deactivated),
            (S::Deactivated, O::Retire) => Some(S::Deactivated),
            (S::PreActive | S::Active | S::Deactivated, O::Compromise) => Some(S::Compromised),
            (S::PreActive | S::Deactivated | S::Compromised, O::Destroy) => Some(S::Destroyed),
            _ => None,
        }
    }

    /// The state's name in the keyring format (`pre-active`, `active`, …).
    ///
    /// ```
    /// assert_eq!(cosign_keys::keyring::KeyState::PreActive.as_str(), "pre-active");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::PreActive => "pre-active",
            Self::Active => "active",
            Self::Deactivated => "deactivated",
            Self::Compromised => "compromised",
            Self::Destroyed => "destroyed",
        }
    }
}

impl Operation {
    /// Every operation.
    pub const ALL: &'static [Operation] = &[
        Self::Activate,
        Self::Deactivate,
        Self::Retire,
        Self::Compromise,
        Self::Destroy,
    ];

    /// The operation's name (`activate`, `retire`, …), as errors show it.
    ///
    /// ```
    /// assert_eq!(cosign_keys::keyring::Operation::Compromise.as_str(), "compromise");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Activate => "activate",
            Self::Deactivate => "deactivate",
            Self::Retire => "retire",
            Self::Compromise => "compromise",
            Self::Destroy => "destroy",
        }
    }
}

impl fmt::Display for KeyState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
