//! The trust bundle: the public keys a verifier should accept at a time.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{KeyState, Manifest};
use crate::fs::{write_atomic, Overwrite, PUBLIC_FILE_MODE};
use crate::{Error, Result, Timestamp};

/// `cosign.pub`: the active key, as cosign names it.
pub const CURRENT_FILE: &str = "cosign.pub";
/// `cosign.pub.old`: the newest deactivated key still in its window.
pub const PREVIOUS_FILE: &str = "cosign.pub.old";
/// `cosign-trust-bundle.pem`: every trusted key, concatenated.
pub const BUNDLE_FILE: &str = "cosign-trust-bundle.pem";

/// One key in a trust bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TrustedKey {
    /// Keyring id.
    pub id: u32,
    /// `SHA256:…` fingerprint.
    #[schemars(with = "crate::Fingerprint")]
    pub fingerprint: String,
    /// `active` or `deactivated`.
    pub state: KeyState,
    /// For a deactivated key, when verifiers stop trusting it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trusted_until: Option<Timestamp>,
    /// PKIX PEM.
    pub public_key: String,
}

/// The public keys a verifier should trust at [`TrustBundle::at`]: the active
/// key, then the deactivated keys still inside their transition window,
/// newest first. Never a compromised, destroyed, retired or pre-active key.
///
/// The multi-key PEM ([`TrustBundle::pem`]) is the `PUBLIC KEY` blocks in
/// that same order, so its first block is always `cosign.pub`'s key when
/// there is an active key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TrustBundle {
    /// The time the bundle is for.
    pub at: Timestamp,
    /// The trusted keys, active first, then newest deactivated first.
    pub keys: Vec<TrustedKey>,
}

impl TrustBundle {
    pub(crate) fn compute(manifest: &Manifest, at: Timestamp) -> Self {
        let mut trusted: Vec<_> = manifest.keys.iter().filter(|k| k.trusted_at(at)).collect();
        // Active first, then by id descending (newer keys have larger ids).
        trusted.sort_by_key(|k| (k.state != KeyState::Active, std::cmp::Reverse(k.id)));
        Self {
            at,
            keys: trusted
                .into_iter()
                .map(|k| TrustedKey {
                    id: k.id,
                    fingerprint: k.fingerprint.to_string(),
                    state: k.state,
                    trusted_until: (k.state == KeyState::Deactivated)
                        .then_some(k.trusted_until)
                        .flatten(),
                    public_key: k.public_key.clone(),
                })
                .collect(),
        }
    }

    /// The active key, if there is one.
    #[must_use]
    pub fn current(&self) -> Option<&TrustedKey> {
        self.keys.iter().find(|k| k.state == KeyState::Active)
    }

    /// The newest deactivated key still trusted, if any.
    #[must_use]
    pub fn previous(&self) -> Option<&TrustedKey> {
        self.keys.iter().find(|k| k.state == KeyState::Deactivated)
    }

    /// The fingerprints, in bundle order.
    #[must_use]
    pub fn fingerprints(&self) -> Vec<String> {
        self.keys.iter().map(|k| k.fingerprint.clone()).collect()
    }

    /// Every trusted key's PEM, concatenated in bundle order.
    #[must_use]
    pub fn pem(&self) -> String {
        let mut out = String::new();
        for key in &self.keys {
            out.push_str(&key.public_key);
            if !out.ends_with('\n') {
                out.push('\n');
            }
        }
        out
    }

    /// Writes [`CURRENT_FILE`], [`PREVIOUS_FILE`] and [`BUNDLE_FILE`] into
    /// `dir` (atomically, mode 0644), and removes `cosign.pub` /
    /// `cosign.pub.old` left from an earlier bundle when no key should be
    /// there now, so no verifier keeps trusting a key by accident. Returns
    /// the files written.
    ///
    /// # Errors
    /// [`Error::Io`].
    pub fn write_to(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        crate::fs::step_create(dir)?;
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let mut written = Vec::new();
        for (name, key) in [
            (CURRENT_FILE, self.current()),
            (PREVIOUS_FILE, self.previous()),
        ] {
            let path = dir.join(name);
            match key {
                Some(key) => {
                    write_atomic(
                        &path,
                        key.public_key.as_bytes(),
                        PUBLIC_FILE_MODE,
                        Overwrite::Yes,
                    )?;
                    written.push(path);
                }
                None => match crate::fs::io_step().and_then(|()| std::fs::remove_file(&path)) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(Error::io(&path, e)),
                },
            }
        }
        let bundle = dir.join(BUNDLE_FILE);
        write_atomic(
            &bundle,
            self.pem().as_bytes(),
            PUBLIC_FILE_MODE,
            Overwrite::Yes,
        )?;
        written.push(bundle);
        Ok(written)
    }
}
