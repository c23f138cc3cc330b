//! The cosign names (`<prefix>.key`, `<prefix>.pub`) and the one link that
//! moves them both: `.<prefix>.current`.
//!
//! ```text
//! cosign.key       -> .cosign.current/cosign.key
//! cosign.pub       -> .cosign.current/cosign.pub
//! .cosign.current  -> .cosign.versions/<n>
//! ```
//!
//! The two names are fixed relative links that never change once made;
//! which pair they show is decided by `.cosign.current` alone, and that is
//! replaced with a single `rename(2)`. The store-level argument is in the
//! [parent module's documentation](super#why-cosignkey-and-cosignpub-always-hold-one-pair).

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use super::sidecar::{Sidecar, StateName};
use super::{exists, read_optional, FileStore};
use crate::fs::{read_no_follow, replace_with_symlink, shred, sync_dir};
use crate::{Error, Result};

impl FileStore {
    pub(super) fn current_link(&self) -> PathBuf {
        self.dir.join(format!(".{}.current", self.prefix))
    }

    /// What a name link holds: `.<prefix>.current/<prefix><suffix>`.
    fn name_target(&self, suffix: &str) -> PathBuf {
        PathBuf::from(format!(".{0}.current/{0}{suffix}", self.prefix))
    }

    /// What `.<prefix>.current` holds for `version`.
    fn current_target(&self, version: u64) -> PathBuf {
        PathBuf::from(format!(".{}.versions/{version}", self.prefix))
    }

    /// The version `.<prefix>.current` points at, `None` if it is absent.
    /// Anything but a link of our own form is refused: the names must never
    /// lead outside the store.
    pub(super) fn current_version_link(&self) -> Result<Option<u64>> {
        let link = self.current_link();
        let meta = match link.symlink_metadata() {
            Ok(meta) => meta,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(&link, e)),
        };
        let foreign = || {
            Error::PermissionDenied {
            backend: "file",
            what: link.display().to_string(),
            detail: format!(
                "is not a link cosign-keys made (it must be a symbolic link to `.{}.versions/<n>`); \
                 remove it, and the next write through the store makes it again",
                self.prefix
            ),
        }
        };
        if !meta.file_type().is_symlink() {
            return Err(foreign());
        }
        let target = std::fs::read_link(&link).map_err(|e| Error::io(&link, e))?;
        let version = target
            .to_str()
            .and_then(|t| t.strip_prefix(&format!(".{}.versions/", self.prefix)))
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|n| n.parse::<u64>().ok())
            .ok_or_else(foreign)?;
        Ok(Some(version))
    }

    /// Whether `name` is our link through `.<prefix>.current`.
    fn is_name_link(&self, name: &Path, suffix: &str) -> Result<bool> {
        match name.symlink_metadata() {
            Ok(meta) if meta.file_type().is_symlink() => Ok(std::fs::read_link(name)
                .map_err(|e| Error::io(name, e))?
                == self.name_target(suffix)),
            Ok(_) => Ok(false),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
            Err(e) => Err(Error::io(name, e)),
        }
    }

    /// Points `.<prefix>.current` at `version` (one rename), unless it
    /// already does.
    fn point_current(&self, version: u64) -> Result<()> {
        if self.current_version_link()? == Some(version) {
            return Ok(());
        }
        replace_with_symlink(&self.current_link(), &self.current_target(version))
    }

    /// Makes the cosign names show the newest live version, or removes them
    /// when no version is live. The version's directory must be complete
    /// (committed) before this runs.
    pub(super) fn sync_names(&self, index: &Sidecar) -> Result<()> {
        let names = [(self.key_path(), ".key"), (self.pub_path(), ".pub")];
        let Some(latest) = index.latest_live() else {
            // Both names go dark together when the shared link goes.
            let current = self.current_link();
            if self.current_version_link()?.is_some() {
                crate::fs::step(&current)?;
                std::fs::remove_file(&current).map_err(|e| Error::io(&current, e))?;
                sync_dir(&self.dir)?;
            }
            for (name, suffix) in &names {
                self.remove_name(name, suffix)?;
            }
            return sync_dir(&self.dir);
        };
        let mut linked = true;
        for (name, suffix) in &names {
            linked &= self.is_name_link(name, suffix)?;
        }
        if !linked {
            self.link_names(index, latest.version)?;
        }
        self.point_current(latest.version)
    }

    /// Removes a name: our link is unlinked, a plain file (a copy an earlier
    /// build or cosign wrote) is overwritten first.
    fn remove_name(&self, name: &Path, suffix: &str) -> Result<()> {
        match name.symlink_metadata() {
            Ok(meta) if meta.file_type().is_file() => shred(name),
            Ok(_) if self.is_name_link(name, suffix)? || name.is_symlink() => {
                crate::fs::step(name)?;
                std::fs::remove_file(name).map_err(|e| Error::io(name, e))
            }
            Ok(_) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io(name, e)),
        }
    }

    /// Turns plain names (a pair cosign or an earlier build wrote) into our
    /// links without ever showing a mismatched pair: `current` first points
    /// at the live version whose bytes the names already hold, so swapping
    /// each name for its link changes no byte anyone reads; the caller then
    /// moves `current` to the newest version in one rename. If no live
    /// version matches, the private key name goes first, then the public
    /// name and the key name become links to `target` in that order: a
    /// reader sees at worst a missing key, never a key beside another pub.
    fn link_names(&self, index: &Sidecar, target: u64) -> Result<()> {
        let (key, public) = (self.key_path(), self.pub_path());
        let plain = |path: &Path| -> Result<Option<Vec<u8>>> {
            match path.symlink_metadata() {
                Ok(meta) if meta.file_type().is_file() => read_optional(path),
                _ => Ok(None),
            }
        };
        let (key_now, pub_now) = (plain(&key)?, plain(&public)?);
        let mut bridge = None;
        if key_now.is_some() || pub_now.is_some() {
            for record in index.versions.iter().rev() {
                if record.state != StateName::Live {
                    continue;
                }
                let v = record.version;
                let holds = |now: &Option<Vec<u8>>, path: PathBuf| -> Result<bool> {
                    Ok(match now {
                        None => true,
                        Some(bytes) => {
                            read_no_follow(&path, crate::limits::Input::KeyFile)?.as_ref()
                                == Some(bytes)
                        }
                    })
                };
                if holds(&key_now, self.version_key(v))? && holds(&pub_now, self.version_pub(v))? {
                    bridge = Some(v);
                    break;
                }
            }
        }
        let order = match bridge {
            Some(v) => {
                self.point_current(v)?;
                [(&key, ".key"), (&public, ".pub")]
            }
            None => {
                if !self.is_name_link(&key, ".key")? && exists(&key)? {
                    self.remove_name(&key, ".key")?;
                    sync_dir(&self.dir)?;
                }
                self.point_current(target)?;
                [(&public, ".pub"), (&key, ".key")]
            }
        };
        for (name, suffix) in order {
            if !self.is_name_link(name, suffix)? {
                replace_with_symlink(name, &self.name_target(suffix))?;
            }
        }
        Ok(())
    }
}
