//! Entry points for the fuzz targets in `fuzz/` and the test that replays
//! their corpora (`tests/fuzz_corpus.rs`): the parsers that have no public
//! entry of their own. Each is the narrowest call that reaches one parser
//! without touching a store or a keyring.
//!
//! **Not a stable API**: hidden from the documentation, it may change in
//! any release. Applications use [`crate::store::file::FileStore`] and
//! [`crate::backup::recover`], which call the same code.

use age::secrecy::SecretString;
use zeroize::Zeroizing;

use crate::backup::RecoveryOptions;
use crate::keyring::Manifest;
use crate::store::VersionInfo;
use crate::Result;

/// Parses `bytes` as a file store's index (`cosign.meta.json` of a store
/// with prefix `cosign`) and writes it back: the versions it lists (as
/// [`KeyStore::versions`](crate::store::KeyStore::versions) returns them)
/// and the index as the store would save it.
///
/// ```
/// let index = br#"{"format":"cosign-keys-file-store","format_version":1,"prefix":"cosign","current_version":0,"versions":[]}"#;
/// let (versions, saved) = cosign_keys::fuzzing::store_index(index)?;
/// assert!(versions.is_empty());
/// assert_eq!(cosign_keys::fuzzing::store_index(&saved)?.1, saved);
/// assert!(cosign_keys::fuzzing::store_index(b"{}").is_err());
/// # Ok::<(), cosign_keys::Error>(())
/// ```
///
/// # Errors
/// As reading a store whose index holds `bytes`: [`crate::Error::Backend`]
/// for a damaged index, [`crate::Error::NotSupported`] for another format
/// version.
pub fn store_index(bytes: &[u8]) -> Result<(Vec<VersionInfo>, Vec<u8>)> {
    crate::store::file::index_round_trip(bytes)
}

/// Opens an age backup file with `passphrase` under `options`' limits (the
/// backup's size and its scrypt work factor are checked before any key
/// derivation), as [`crate::backup::recover`] does first: the decrypted
/// archive, not yet parsed.
///
/// ```
/// use cosign_keys::backup::RecoveryOptions;
/// let err = cosign_keys::fuzzing::backup_decrypt(b"not age", "x", &RecoveryOptions::default())
///     .err()
///     .unwrap();
/// assert_eq!(err.code(), cosign_keys::ErrorCode::RecoveryFailed);
/// ```
///
/// # Errors
/// As [`crate::backup::recover`]: [`crate::Error::RecoveryFailed`],
/// [`crate::Error::KdfLimitExceeded`], [`crate::Error::InputTooLarge`].
pub fn backup_decrypt(
    backup: &[u8],
    passphrase: &str,
    options: &RecoveryOptions,
) -> Result<Zeroizing<Vec<u8>>> {
    crate::backup::decrypt(backup, SecretString::from(passphrase.to_owned()), options)
}

/// Parses a decrypted backup archive (the JSON document inside the age
/// file) and checks it as [`crate::backup::recover`] does before restoring
/// anything; returns its manifest and the archive serialized again.
///
/// ```
/// let err = cosign_keys::fuzzing::backup_archive(b"{}").err().unwrap();
/// assert_eq!(err.code(), cosign_keys::ErrorCode::RecoveryFailed);
/// ```
///
/// # Errors
/// [`crate::Error::RecoveryFailed`] for a document that is not a backup
/// archive, [`crate::Error::KeyringInvalid`] for an invalid manifest in it.
pub fn backup_archive(plaintext: &[u8]) -> Result<(Manifest, Vec<u8>)> {
    crate::backup::archive_round_trip(plaintext)
}
