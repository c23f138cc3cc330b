//! Where `--key` points: a key file (as before), a key store (a URI or an
//! existing directory), or a key inside a KMS. Only the library's generic
//! interfaces are used, so every backend the library is built with works.

use std::fs;
use std::path::{Path, PathBuf};

use cosign_keys::kms::blocking::KmsKey;
use cosign_keys::kms::KmsHandle;
use cosign_keys::store::blocking::Store;
use cosign_keys::{pem, Algorithm, EncryptedPrivateKey, Error, PrivateKey, PublicKey, Signature};

use crate::{password, read, CliResult, Failure};

/// What a `--key` argument names.
pub(crate) enum KeySource {
    /// `cosign.key` or `cosign.pub` (or any other file).
    File(PathBuf),
    /// A key store URI (`file://`, `env://`, `vault-kv://`, `azure-secret://`)
    /// or an existing directory.
    Store(String),
    /// A KMS URI (`hashivault://`, `awskms://`, `azurekms://`, `gcpkms://`).
    Kms(String),
}

impl KeySource {
    /// Decides, in this order: a KMS scheme; any other `scheme://` (a store;
    /// the library names unknown schemes); an existing file, or a path
    /// ending in `.key` or `.pub` (a file, as before); an existing directory
    /// (a file store); anything else stays a file, so a missing key file is
    /// reported as before.
    pub(crate) fn classify(arg: &Path) -> Self {
        let Some(text) = arg.to_str() else {
            return Self::File(arg.to_path_buf());
        };
        if KmsHandle::is_kms_uri(text) {
            return Self::Kms(text.to_owned());
        }
        if let Some((scheme, _)) = text.split_once("://") {
            let looks_like_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
            if looks_like_scheme {
                return Self::Store(text.to_owned());
            }
        }
        let metadata = fs::metadata(arg);
        let is_file = metadata.as_ref().is_ok_and(|m| !m.is_dir());
        let named_like_a_key = arg.extension().is_some_and(|e| e == "key" || e == "pub");
        if is_file || named_like_a_key {
            return Self::File(arg.to_path_buf());
        }
        if metadata.is_ok_and(|m| m.is_dir()) {
            return Self::Store(text.to_owned());
        }
        Self::File(arg.to_path_buf())
    }

    /// Refuses `--key-version` where it means nothing.
    pub(crate) fn check_version(&self, version: Option<u64>) -> CliResult<()> {
        match (self, version) {
            (Self::File(_) | Self::Kms(_), Some(_)) => Err(Failure::Usage(
                "--key-version applies to key stores (file://, env://, vault-kv://, azure-secret://, a directory)"
                    .into(),
            )),
            _ => Ok(()),
        }
    }
}

/// Something that signs: a local key, or a key inside a KMS.
pub(crate) enum Signer {
    Local(PrivateKey),
    Kms(KmsKey),
}

impl Signer {
    pub(crate) fn algorithm(&self) -> CliResult<Algorithm> {
        match self {
            Self::Local(key) => Ok(key.algorithm()),
            Self::Kms(kms) => Ok(kms.public_key()?.algorithm()),
        }
    }

    pub(crate) fn sign_digest(&self, digest: &[u8]) -> CliResult<Signature> {
        Ok(match self {
            Self::Local(key) => key.sign_digest(digest)?,
            Self::Kms(kms) => kms.sign_digest(digest)?,
        })
    }

    /// Signs a whole message (Ed25519, which signs no pre-computed digest).
    pub(crate) fn sign(&self, message: &[u8]) -> CliResult<Signature> {
        Ok(match self {
            Self::Local(key) => key.sign(message)?,
            Self::Kms(kms) => kms.sign_blob(message)?,
        })
    }
}

/// The public key behind `--key`: from `cosign.pub`, `cosign.key` (asking
/// its password), a store (without reading the private key) or a KMS.
pub(crate) fn public_key(source: &KeySource, version: Option<u64>) -> CliResult<PublicKey> {
    source.check_version(version)?;
    match source {
        KeySource::File(path) => public_from_file(path),
        KeySource::Store(uri) => Ok(Store::open(uri)?.get_public(version)?.public_key),
        KeySource::Kms(uri) => Ok(KmsKey::open(uri)?.public_key()?),
    }
}

/// A signer for `--key`. Store keys are decrypted with the password kept in
/// the store, else `COSIGN_PASSWORD` or a prompt.
pub(crate) fn signer(source: &KeySource, version: Option<u64>) -> CliResult<Signer> {
    source.check_version(version)?;
    match source {
        KeySource::File(path) => Ok(Signer::Local(private_from_file(path)?)),
        KeySource::Store(uri) => Ok(Signer::Local(private_from_store(uri, version)?)),
        KeySource::Kms(uri) => Ok(Signer::Kms(KmsKey::open(uri)?)),
    }
}

/// The unlocked private key behind `--key` (files and stores only).
pub(crate) fn private_key(source: &KeySource, version: Option<u64>) -> CliResult<PrivateKey> {
    match signer(source, version)? {
        Signer::Local(key) => Ok(key),
        Signer::Kms(_) => Err(Failure::Usage(
            "a KMS key never leaves the KMS: there is no private key to read".into(),
        )),
    }
}

/// Reads a store version and unlocks it; checks the stored public key
/// belongs to the private key.
pub(crate) fn private_from_store(uri: &str, version: Option<u64>) -> CliResult<PrivateKey> {
    let stored = Store::open(uri)?.get(version)?;
    let password = match stored.password {
        Some(pw) => pw,
        None => password::existing()?,
    };
    let key = stored.private_key.decrypt(&password)?;
    if *key.public_key() != stored.public_key {
        return Err(Error::WrongKeyKind {
            expected: "the private key of the stored public key",
            found: format!(
                "a different key in {uri} version {} (the stored pair does not match)",
                stored.version
            ),
        }
        .into());
    }
    Ok(key)
}

/// Loads a private key from a Cosign key file, asking for its password.
pub(crate) fn private_from_file(path: &Path) -> CliResult<PrivateKey> {
    let locked = EncryptedPrivateKey::from_pem(&read(path)?)?;
    let password = password::existing()?;
    Ok(locked.decrypt(&password)?)
}

/// Loads a public key from `cosign.pub`, or from `cosign.key` (unlocking it).
fn public_from_file(path: &Path) -> CliResult<PublicKey> {
    let data = read(path)?;
    let is_cosign_key = std::str::from_utf8(&data).is_ok_and(|text| {
        let text = text.trim_start();
        text.starts_with(&format!("-----BEGIN {}-----", pem::SIGSTORE_PRIVATE_KEY))
            || text.starts_with(&format!("-----BEGIN {}-----", pem::COSIGN_PRIVATE_KEY))
    });
    if is_cosign_key {
        let locked = EncryptedPrivateKey::from_pem(&data)?;
        let password = password::existing()?;
        Ok(locked.decrypt(&password)?.public_key().clone())
    } else {
        Ok(PublicKey::from_pem(&data)?)
    }
}
