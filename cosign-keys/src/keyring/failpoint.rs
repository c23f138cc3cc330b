//! Test-only failure injection: stop a lifecycle operation right after one
//! of its steps, as a crash there would. Nothing is cleaned up when a fail
//! point fires (no lifecycle step has a cleanup path), so what is left is
//! exactly what a killed process leaves.

use std::sync::Mutex;

use crate::{Error, Result};

/// Where to stop. The steps, in order: the intent is saved (`AfterIntent`);
/// the new key is in its store, or the old one deleted from it
/// (`AfterStore`); the new key is recorded pre-active (`AfterRecord`); every
/// state change is saved (`AfterCommit`); the audit records are written
/// (`AfterAudit`); then the pending mark is cleared.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailPoint {
    /// After the pending intent is saved.
    AfterIntent,
    /// After the key store (or KMS) was changed.
    AfterStore,
    /// After the new key was recorded pre-active.
    AfterRecord,
    /// After the state changes were saved.
    AfterCommit,
    /// After the audit records were appended.
    AfterAudit,
}

impl FailPoint {
    /// Every fail point, in step order.
    pub const ALL: &'static [FailPoint] = &[
        Self::AfterIntent,
        Self::AfterStore,
        Self::AfterRecord,
        Self::AfterCommit,
        Self::AfterAudit,
    ];
}

/// A one-shot fail point.
#[derive(Debug, Default)]
pub(crate) struct FailPoints(Mutex<Option<FailPoint>>);

impl FailPoints {
    pub(crate) fn set(&self, point: Option<FailPoint>) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = point;
        }
    }

    /// Fails (once) if `point` is armed.
    pub(crate) fn check(&self, point: FailPoint) -> Result<()> {
        let fire = self
            .0
            .lock()
            .map(|mut slot| {
                if *slot == Some(point) {
                    *slot = None;
                    true
                } else {
                    false
                }
            })
            .unwrap_or(false);
        if fire {
            return Err(Error::Unavailable {
                backend: "fail-point",
                reason: format!("injected failure {point:?}"),
            });
        }
        Ok(())
    }
}
