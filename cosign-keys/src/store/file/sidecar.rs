//! `<prefix>.meta.json`: the index of a file store's versions.
//!
//! ```json
//! {
//!   "format": "cosign-keys-file-store",
//!   "format_version": 1,
//!   "prefix": "cosign",
//!   "current_version": 2,
//!   "versions": [
//!     {
//!       "version": 1,
//!       "state": "deleted",
//!       "fingerprint": "SHA256:…",
//!       "algorithm": "ecdsa-p256",
//!       "created_by": "alice",
//!       "created_at": "2025-01-31T12:00:00Z",
//!       "labels": {}
//!     },
//!     { "version": 2, "state": "live", "…": "…" }
//!   ]
//! }
//! ```
//!
//! `current_version` is the highest version ever written (the check-and-set
//! counter; it never goes down, so a number is never reused). Every version
//! ever committed keeps its entry; `state` is `live`, `deleted` or
//! `destroyed`. Unknown fields are ignored, so a later minor addition stays
//! readable; an incompatible change raises `format_version`, which older
//! readers refuse.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::super::{format_rfc3339, parse_rfc3339, KeyMetadata, VersionInfo, VersionState};
use crate::{Algorithm, Error, Fingerprint, Result};

/// The `format` field's value.
pub(super) const FORMAT: &str = "cosign-keys-file-store";
/// The only format version this build reads and writes.
pub(super) const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Sidecar {
    pub(super) format: String,
    pub(super) format_version: u32,
    pub(super) prefix: String,
    pub(super) current_version: u64,
    pub(super) versions: Vec<VersionRecord>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct VersionRecord {
    pub(super) version: u64,
    pub(super) state: StateName,
    pub(super) fingerprint: String,
    pub(super) algorithm: String,
    pub(super) created_by: String,
    pub(super) created_at: String,
    #[serde(default)]
    pub(super) labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum StateName {
    Live,
    Deleted,
    Destroyed,
}

impl From<StateName> for VersionState {
    fn from(s: StateName) -> Self {
        match s {
            StateName::Live => Self::Live,
            StateName::Deleted => Self::Deleted,
            StateName::Destroyed => Self::Destroyed,
        }
    }
}

fn damaged(path: &Path, why: impl std::fmt::Display) -> Error {
    Error::Backend {
        backend: "file",
        status: None,
        message: format!(
            "the store's metadata {} is damaged: {why}; restore it from a backup",
            path.display()
        ),
    }
}

impl Sidecar {
    pub(super) fn new(prefix: &str) -> Self {
        Self {
            format: FORMAT.to_owned(),
            format_version: FORMAT_VERSION,
            prefix: prefix.to_owned(),
            current_version: 0,
            versions: Vec::new(),
        }
    }

    /// Parses and checks the sidecar at `path` (named in errors).
    pub(super) fn parse(bytes: &[u8], path: &Path, prefix: &str) -> Result<Self> {
        let sidecar: Self = serde_json::from_slice(bytes).map_err(|e| damaged(path, e))?;
        if sidecar.format != FORMAT {
            return Err(damaged(path, format!("`format` is not `{FORMAT}`")));
        }
        if sidecar.format_version != FORMAT_VERSION {
            return Err(Error::NotSupported {
                scheme: "file".into(),
                reason: format!(
                    "{} has format version {}, but this build reads only version \
                     {FORMAT_VERSION}; use a cosign-keys release that knows it",
                    path.display(),
                    sidecar.format_version
                ),
            });
        }
        if sidecar.prefix != prefix {
            return Err(damaged(
                path,
                format!("it describes prefix `{}`, not `{prefix}`", sidecar.prefix),
            ));
        }
        let mut last = 0;
        for record in &sidecar.versions {
            if record.version <= last || record.version > sidecar.current_version {
                return Err(damaged(
                    path,
                    "versions must be increasing and not above current_version",
                ));
            }
            last = record.version;
            record.metadata().map_err(|e| damaged(path, e))?;
        }
        Ok(sidecar)
    }

    pub(super) fn to_bytes(&self) -> Vec<u8> {
        // Serializing plain strings, numbers and maps cannot fail.
        let mut out = serde_json::to_vec_pretty(self).unwrap_or_default();
        out.push(b'\n');
        out
    }

    pub(super) fn record(&self, version: u64) -> Option<&VersionRecord> {
        self.versions.iter().find(|r| r.version == version)
    }

    pub(super) fn record_mut(&mut self, version: u64) -> Option<&mut VersionRecord> {
        self.versions.iter_mut().find(|r| r.version == version)
    }

    /// The newest version that can still be read.
    pub(super) fn latest_live(&self) -> Option<&VersionRecord> {
        self.versions
            .iter()
            .rev()
            .find(|r| r.state == StateName::Live)
    }
}

impl VersionRecord {
    pub(super) fn new(version: u64, metadata: &KeyMetadata) -> Self {
        Self {
            version,
            state: StateName::Live,
            fingerprint: metadata.fingerprint.to_string(),
            algorithm: metadata.algorithm.as_str().to_owned(),
            created_by: metadata.created_by.clone(),
            created_at: format_rfc3339(metadata.created_at),
            labels: metadata.labels.clone(),
        }
    }

    pub(super) fn metadata(&self) -> Result<KeyMetadata> {
        Ok(KeyMetadata {
            fingerprint: self.fingerprint.parse::<Fingerprint>()?,
            algorithm: self.algorithm.parse::<Algorithm>()?,
            created_by: self.created_by.clone(),
            created_at: parse_rfc3339(&self.created_at)?,
            labels: self.labels.clone(),
        })
    }

    pub(super) fn info(&self) -> VersionInfo {
        VersionInfo {
            version: self.version,
            fingerprint: self.fingerprint.parse().ok(),
            created_at: parse_rfc3339(&self.created_at).ok(),
            state: self.state.into(),
        }
    }
}
