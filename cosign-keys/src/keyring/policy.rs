//! The rotation policy and what is due under it.

use serde::{Deserialize, Serialize};

use super::{KeyState, Manifest};
use crate::{Error, Result, Timestamp};

/// How often the active key is replaced, and how long a replaced key stays
/// trusted for verification.
///
/// ```
/// use cosign_keys::keyring::RotationPolicy;
///
/// let annual = RotationPolicy::default();
/// assert_eq!((annual.period_days, annual.transition_window_days), (365, 30));
/// let quarterly = RotationPolicy::quarterly().with_transition_window_days(14)?;
/// assert_eq!((quarterly.period_days, quarterly.transition_window_days), (90, 14));
/// # Ok::<(), cosign_keys::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RotationPolicy {
    /// Days from a key's activation until its rotation is due.
    pub period_days: u32,
    /// Days a deactivated key stays trusted for verification.
    pub transition_window_days: u32,
}

impl Default for RotationPolicy {
    /// Annual rotation with a 30-day transition window.
    fn default() -> Self {
        Self::annual()
    }
}

impl RotationPolicy {
    /// Rotate every 365 days; 30-day transition window.
    #[must_use]
    pub const fn annual() -> Self {
        Self {
            period_days: 365,
            transition_window_days: 30,
        }
    }

    /// Rotate every 90 days; 30-day transition window.
    #[must_use]
    pub const fn quarterly() -> Self {
        Self {
            period_days: 90,
            transition_window_days: 30,
        }
    }

    /// A custom period, with a 30-day transition window (or one day less
    /// than the period, if that is shorter).
    ///
    /// ```
    /// let p = cosign_keys::keyring::RotationPolicy::every_days(30)?;
    /// assert_eq!((p.period_days, p.transition_window_days), (30, 29));
    /// # Ok::<(), cosign_keys::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for 0 days.
    pub fn every_days(days: u32) -> Result<Self> {
        Self {
            period_days: days,
            transition_window_days: 30.min(days.saturating_sub(1)),
        }
        .validated()
    }

    /// The same policy with another transition window (0 allowed: old keys
    /// are untrusted the moment they are replaced).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when the window is not shorter than the
    /// period.
    pub fn with_transition_window_days(self, days: u32) -> Result<Self> {
        Self {
            transition_window_days: days,
            ..self
        }
        .validated()
    }

    /// Checks the policy's numbers.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`].
    pub fn validated(self) -> Result<Self> {
        if self.period_days == 0 {
            return Err(Error::InvalidArgument {
                name: "period_days",
                reason: "the rotation period must be at least one day".into(),
            });
        }
        if self.transition_window_days >= self.period_days {
            return Err(Error::InvalidArgument {
                name: "transition_window_days",
                reason: format!(
                    "the transition window ({} days) must be shorter than the rotation period \
                     ({} days), or two old keys would be trusted at once",
                    self.transition_window_days, self.period_days
                ),
            });
        }
        Ok(self)
    }
}

/// What the policy asks for at a given time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Due {
    /// The time asked about.
    pub now: Timestamp,
    /// Whether a rotation is due (no active key, or its period is over).
    pub rotation_due: bool,
    /// When the active key's rotation falls due (`None` without an active key).
    pub rotation_due_at: Option<Timestamp>,
    /// Why, in words.
    pub reason: String,
    /// Deactivated keys whose transition window has ended and which can be
    /// retired now (ids).
    pub retire: Vec<u32>,
    /// A lifecycle operation that was interrupted and must be retried.
    pub pending_operation: Option<String>,
}

impl Due {
    pub(crate) fn compute(manifest: &Manifest, now: Timestamp) -> Self {
        let policy = manifest.policy;
        let active = manifest.active();
        let (rotation_due, rotation_due_at, reason) = match active {
            None => (true, None, "no active key: rotate to create one".to_owned()),
            Some(key) => {
                let since = key.activated_at.unwrap_or(key.created_at);
                let due_at = since.plus_days(policy.period_days);
                if now >= due_at {
                    (
                        true,
                        Some(due_at),
                        format!(
                            "key #{} has been active since {since}; its {}-day period ended {due_at}",
                            key.id, policy.period_days
                        ),
                    )
                } else {
                    (
                        false,
                        Some(due_at),
                        format!(
                            "key #{} is active until its rotation falls due at {due_at}",
                            key.id
                        ),
                    )
                }
            }
        };
        let retire = manifest
            .keys
            .iter()
            .filter(|k| {
                k.state == KeyState::Deactivated
                    && k.retired_at.is_none()
                    && k.trusted_until.is_some_and(|end| end <= now)
            })
            .map(|k| k.id)
            .collect();
        Self {
            now,
            rotation_due,
            rotation_due_at,
            reason,
            retire,
            pending_operation: manifest.pending.as_ref().map(|p| {
                format!(
                    "{} {} started {} by {}",
                    p.kind.as_str(),
                    p.id,
                    p.started_at,
                    p.actor.who
                )
            }),
        }
    }
}
