//! Size limits on everything the library reads, and the one reader that
//! applies them.
//!
//! Every file the library reads (key files, store indexes, manifests and
//! ledgers, audit logs, backups, shares, signatures, CA bundles) and every
//! environment value holding a key goes through [`read_file`] (or
//! [`read_from`] / [`check_len`] for what is already open or in memory). A
//! regular file over the limit is refused from its size alone, before a byte
//! is read; anything else (a pipe, a device, a file that grows while it is
//! read) is read through `take(limit + 1)`, so at most one byte more than the
//! limit is ever read. Either way the error is [`Error::InputTooLarge`].
//!
//! The defaults are generous (a cosign key file is a few kilobytes; an audit
//! log may run to a gigabyte); each can be changed for a process with the
//! environment variable [`Input::variable`] names, which reaches every
//! binding (C, Go, Python, the CLI) the same way:
//!
//! | input | default | variable |
//! |---|---|---|
//! | key file (`cosign.key`, `cosign.pub`, PEM/DER imports, stored versions) | 1 MiB | `COSIGN_KEYS_MAX_KEY_FILE_BYTES` |
//! | signature | 1 MiB | `COSIGN_KEYS_MAX_SIGNATURE_BYTES` |
//! | key store index (`*.meta.json`) | 16 MiB | `COSIGN_KEYS_MAX_STORE_INDEX_BYTES` |
//! | keyring manifest or signature ledger | 64 MiB | `COSIGN_KEYS_MAX_MANIFEST_BYTES` |
//! | audit log | 1 GiB | `COSIGN_KEYS_MAX_AUDIT_LOG_BYTES` |
//! | backup | 2 GiB | `COSIGN_KEYS_MAX_BACKUP_BYTES` |
//! | share or passphrase file | 64 KiB | `COSIGN_KEYS_MAX_SHARE_BYTES` |
//! | environment value holding a key | 1 MiB | `COSIGN_KEYS_MAX_ENV_VALUE_BYTES` |
//! | CA bundle | 16 MiB | `COSIGN_KEYS_MAX_CA_BUNDLE_BYTES` |
//!
//! Blobs being signed or verified are not limited: they are streamed through
//! their hash (Ed25519, which signs the whole message, is the exception and
//! reads the blob into memory).
//!
//! ```
//! use cosign_keys::limits::{read_file, Input};
//! use cosign_keys::ErrorCode;
//! let dir = std::env::temp_dir().join(format!("ck-limits-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let sig = dir.join("blob.sig");
//! std::fs::write(&sig, b"MEUCIQ...").unwrap();
//! assert_eq!(read_file(&sig, Input::Signature)?, b"MEUCIQ...");
//!
//! // Two mebibytes of "signature": refused from its size, not read.
//! std::fs::File::create(&sig).unwrap().set_len(2 << 20).unwrap();
//! let err = read_file(&sig, Input::Signature).unwrap_err();
//! assert_eq!(err.code(), ErrorCode::InputTooLarge);
//! # std::fs::remove_dir_all(&dir).unwrap();
//! # Ok::<(), cosign_keys::Error>(())
//! ```

use std::fs::File;
use std::io::{ErrorKind, Read};
use std::path::Path;

use crate::{Error, Result};

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;
const GIB: u64 = 1024 * MIB;

/// The kinds of input the library reads, each with its own size limit.
///
/// ```
/// use cosign_keys::limits::Input;
/// assert_eq!(Input::KeyFile.default_limit(), 1 << 20);
/// assert_eq!(Input::AuditLog.variable(), "COSIGN_KEYS_MAX_AUDIT_LOG_BYTES");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Input {
    /// A key file: `cosign.key`, `cosign.pub`, a key to import, a stored
    /// key version.
    KeyFile,
    /// A signature file (base64 text).
    Signature,
    /// A key store's index (`<prefix>.meta.json`).
    StoreIndex,
    /// A keyring manifest or signature ledger.
    Manifest,
    /// An audit log.
    AuditLog,
    /// A backup file.
    Backup,
    /// A share of a backup passphrase, or a file holding a passphrase.
    Share,
    /// An environment variable holding a key (`env://VAR`).
    EnvValue,
    /// A PEM bundle of CA certificates.
    CaBundle,
}

impl Input {
    /// The limit in bytes when no environment variable changes it.
    #[must_use]
    pub const fn default_limit(self) -> u64 {
        match self {
            Self::KeyFile | Self::Signature | Self::EnvValue => MIB,
            Self::StoreIndex | Self::CaBundle => 16 * MIB,
            Self::Manifest => 64 * MIB,
            Self::AuditLog => GIB,
            Self::Backup => 2 * GIB,
            Self::Share => 64 * KIB,
        }
    }

    /// The environment variable that changes this limit (a number of bytes).
    #[must_use]
    pub const fn variable(self) -> &'static str {
        match self {
            Self::KeyFile => "COSIGN_KEYS_MAX_KEY_FILE_BYTES",
            Self::Signature => "COSIGN_KEYS_MAX_SIGNATURE_BYTES",
            Self::StoreIndex => "COSIGN_KEYS_MAX_STORE_INDEX_BYTES",
            Self::Manifest => "COSIGN_KEYS_MAX_MANIFEST_BYTES",
            Self::AuditLog => "COSIGN_KEYS_MAX_AUDIT_LOG_BYTES",
            Self::Backup => "COSIGN_KEYS_MAX_BACKUP_BYTES",
            Self::Share => "COSIGN_KEYS_MAX_SHARE_BYTES",
            Self::EnvValue => "COSIGN_KEYS_MAX_ENV_VALUE_BYTES",
            Self::CaBundle => "COSIGN_KEYS_MAX_CA_BUNDLE_BYTES",
        }
    }

    /// What the input is, in words (used in error messages).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::KeyFile => "key files",
            Self::Signature => "signatures",
            Self::StoreIndex => "key store indexes",
            Self::Manifest => "keyring manifests and ledgers",
            Self::AuditLog => "audit logs",
            Self::Backup => "backups",
            Self::Share => "shares and passphrase files",
            Self::EnvValue => "keys in environment variables",
            Self::CaBundle => "CA bundles",
        }
    }

    /// The limit in force: the environment variable's value when it is set
    /// to a number, otherwise [`Input::default_limit`].
    ///
    /// ```
    /// use cosign_keys::limits::Input;
    /// assert!(Input::Backup.limit() > 0);
    /// ```
    #[must_use]
    pub fn limit(self) -> u64 {
        std::env::var(self.variable())
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or_else(|| self.default_limit())
    }

    pub(crate) fn too_large(self, what: &str, limit: u64) -> Error {
        Error::InputTooLarge {
            what: what.to_owned(),
            kind: self.name(),
            limit,
            variable: self.variable(),
        }
    }
}

/// Reads a whole file of kind `kind`, refusing one over its limit.
///
/// # Errors
/// [`Error::InputTooLarge`] when the file is over the limit (a regular file
/// is refused from its size before any read); [`Error::Io`] (kind
/// `NotFound` for a missing file) or [`Error::PermissionDenied`] when it
/// cannot be read.
pub fn read_file(path: &Path, kind: Input) -> Result<Vec<u8>> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    read_open(&file, path, kind)
}

/// As [`read_file`], with `None` for a file that does not exist.
///
/// # Errors
/// As [`read_file`], except a missing file.
///
/// ```
/// use cosign_keys::limits::{read_file_optional, Input};
/// let missing = std::env::temp_dir().join("ck-limits-no-such-file");
/// assert_eq!(read_file_optional(&missing, Input::KeyFile)?, None);
/// # Ok::<(), cosign_keys::Error>(())
/// ```
pub fn read_file_optional(path: &Path, kind: Input) -> Result<Option<Vec<u8>>> {
    match File::open(path) {
        Ok(file) => read_open(&file, path, kind).map(Some),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// Reads an already open file (e.g. one the caller has locked) under the
/// limit of `kind`; `path` names it in errors.
///
/// # Errors
/// As [`read_file`].
pub fn read_open(mut file: &File, path: &Path, kind: Input) -> Result<Vec<u8>> {
    let limit = kind.limit();
    if let Ok(meta) = file.metadata() {
        if meta.is_file() && meta.len() > limit {
            return Err(kind.too_large(&path.display().to_string(), limit));
        }
    }
    read_limited(&mut file, limit).map_err(|e| match e {
        Limited::TooLarge => kind.too_large(&path.display().to_string(), limit),
        Limited::Io(e) => Error::io(path, e),
    })
}

/// Reads a stream (standard input, a socket) under the limit of `kind`;
/// `what` names it in errors. Reads at most one byte past the limit.
///
/// # Errors
/// [`Error::InputTooLarge`] over the limit; [`Error::Io`] if reading fails.
///
/// ```
/// use cosign_keys::limits::{read_from, Input};
/// let endless = std::io::repeat(b'A');
/// let err = read_from(endless, "<stdin>", Input::Share).unwrap_err();
/// assert_eq!(err.code(), cosign_keys::ErrorCode::InputTooLarge);
/// ```
pub fn read_from(mut reader: impl Read, what: &str, kind: Input) -> Result<Vec<u8>> {
    let limit = kind.limit();
    read_limited(&mut reader, limit).map_err(|e| match e {
        Limited::TooLarge => kind.too_large(what, limit),
        Limited::Io(e) => Error::io(what, e),
    })
}

/// Checks the length of an input already in memory (bytes handed over by
/// a caller, an environment value) against the limit of `kind`.
///
/// # Errors
/// [`Error::InputTooLarge`] over the limit.
///
/// ```
/// use cosign_keys::limits::{check_len, Input};
/// assert!(check_len("backup", 10, Input::Backup).is_ok());
/// assert!(check_len("share", 1 << 20, Input::Share).is_err());
/// ```
pub fn check_len(what: &str, len: usize, kind: Input) -> Result<()> {
    let limit = kind.limit();
    if u64::try_from(len).unwrap_or(u64::MAX) > limit {
        return Err(kind.too_large(what, limit));
    }
    Ok(())
}

enum Limited {
    TooLarge,
    Io(std::io::Error),
}

fn read_limited(reader: &mut impl Read, limit: u64) -> std::result::Result<Vec<u8>, Limited> {
    let mut out = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(Limited::Io)?;
    if u64::try_from(out.len()).unwrap_or(u64::MAX) > limit {
        return Err(Limited::TooLarge);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_over_limit_is_cut_after_one_extra_byte() {
        struct Counting<R>(R, u64);
        impl<R: Read> Read for Counting<R> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.read(buf)?;
                self.1 += n as u64;
                Ok(n)
            }
        }
        let mut endless = Counting(std::io::repeat(0), 0);
        let limit = Input::Share.default_limit();
        assert!(matches!(
            read_limited(&mut endless, limit),
            Err(Limited::TooLarge)
        ));
        assert_eq!(endless.1, limit + 1);
    }

    #[test]
    fn oversized_files_of_each_kind_are_refused_from_their_size() {
        let dir = std::env::temp_dir().join(format!("ck-limits-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (i, kind) in [
            Input::KeyFile,
            Input::Signature,
            Input::StoreIndex,
            Input::Manifest,
            Input::AuditLog,
            Input::Backup,
            Input::Share,
            Input::CaBundle,
        ]
        .into_iter()
        .enumerate()
        {
            // Sparse: refusing it costs nothing; reading it would.
            let path = dir.join(format!("f{i}"));
            File::create(&path)
                .unwrap()
                .set_len(kind.default_limit() + 1)
                .unwrap();
            let err = read_file(&path, kind).unwrap_err();
            assert_eq!(err.code(), crate::ErrorCode::InputTooLarge, "{kind:?}");
            assert!(err.to_string().contains(kind.variable()), "{err}");
            std::fs::remove_file(&path).unwrap();
        }
        // The audit log's own reader goes through the same limit.
        let log = dir.join("audit.log");
        File::create(&log)
            .unwrap()
            .set_len(Input::AuditLog.default_limit() + 1)
            .unwrap();
        let err = crate::audit::AuditLog::new(&log).verify(None).unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::InputTooLarge);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn exactly_the_limit_is_accepted() {
        let data = vec![7u8; 100];
        assert_eq!(read_limited(&mut data.as_slice(), 100).ok(), Some(data));
    }

    #[test]
    fn every_kind_names_its_variable() {
        for kind in [
            Input::KeyFile,
            Input::Signature,
            Input::StoreIndex,
            Input::Manifest,
            Input::AuditLog,
            Input::Backup,
            Input::Share,
            Input::EnvValue,
            Input::CaBundle,
        ] {
            assert!(kind.variable().starts_with("COSIGN_KEYS_MAX_"));
            assert!(kind.default_limit() >= 64 * KIB);
        }
    }
}
