//! `env://VAR`: a key in an environment variable, read-only, as cosign
//! reads `--key env://COSIGN_PRIVATE_KEY` (sign) and `--key
//! env://COSIGN_PUBLIC_KEY` (verify).
//!
//! `VAR` holds either cosign's encrypted private key PEM or a public key PEM.
//! There is one version, `1`, while the variable is set, and none when it is
//! unset.
//!
//! # Where the public key comes from
//!
//! A [`StoredKey`] carries the public key too. When `VAR` holds a private
//! key, the first of these that is set gives it:
//!
//! 1. `VAR_PUB` (e.g. `COSIGN_PRIVATE_KEY_PUB`), a public key PEM;
//! 2. for a name ending in `_PRIVATE_KEY`, the same name ending in
//!    `_PUBLIC_KEY` (`COSIGN_PRIVATE_KEY` → `COSIGN_PUBLIC_KEY`, cosign's pair);
//! 3. `COSIGN_PASSWORD`: the key is decrypted with it (scrypt, default
//!    limits) and the public key derived; the decrypted key is dropped at once
//!    and the password is not returned.
//!
//! With none of them, [`Error::NotFound`] says which variables to set. A
//! companion variable is trusted as given; a pair that does not match shows
//! up when a signature fails to verify (the CLI checks it when it signs).
//!
//! # Limits
//!
//! - `put` and `delete` are [`Error::InvalidArgument`]: the process cannot
//!   change its parent's environment, so a write would silently vanish.
//! - `created_by` is empty and `created_at` the Unix epoch: a variable has
//!   neither.
//! - Errors never show the variable's content (not even a PEM label found in
//!   it); they name the variable.

use crate::limits::Input;
use std::time::UNIX_EPOCH;

use zeroize::Zeroizing;

use super::{
    DeleteMode, KeyMetadata, KeyPairRecord, KeyRef, KeyStore, PutOptions, StoredKey,
    StoredPublicKey, VersionInfo, VersionState,
};
use crate::{pem, EncryptedPrivateKey, Error, ErrorCode, Password, PublicKey, Result};

/// The variable cosign reads the key password from.
const PASSWORD_VAR: &str = "COSIGN_PASSWORD";

/// A read-only key store over one environment variable. See the
/// [module documentation](self) for where the public key comes from.
///
/// ```
/// use cosign_keys::store::env::EnvStore;
/// use cosign_keys::store::KeyStore;
///
/// let store = EnvStore::new("COSIGN_PUBLIC_KEY")?;
/// assert_eq!(store.key_ref().to_string(), "env://COSIGN_PUBLIC_KEY");
/// assert!(EnvStore::new("NOT-A-NAME").is_err());
/// # Ok::<(), cosign_keys::Error>(())
/// ```
pub struct EnvStore {
    key_ref: KeyRef,
    var: String,
}

enum Content {
    EncryptedPrivate,
    Public,
    Other,
}

impl EnvStore {
    /// The store for variable `var`. Reads nothing yet.
    ///
    /// # Errors
    /// [`Error::InvalidUri`] for a name that is not letters, digits and `_`
    /// (not starting with a digit).
    pub fn new(var: &str) -> Result<Self> {
        let key_ref = KeyRef::parse(&format!("env://{var}"))?;
        Ok(Self {
            key_ref,
            var: var.to_owned(),
        })
    }

    fn value(&self) -> Result<Zeroizing<Vec<u8>>> {
        read_var(&self.var)?.ok_or_else(|| Error::NotFound {
            what: format!("{} (the variable is not set)", self.key_ref),
        })
    }

    /// The companion variables, in the order they are tried.
    fn companions(&self) -> Vec<String> {
        let mut names = vec![format!("{}_PUB", self.var)];
        if let Some(stem) = self.var.strip_suffix("_PRIVATE_KEY") {
            names.push(format!("{stem}_PUBLIC_KEY"));
        }
        names
    }

    fn companion_public(&self) -> Option<Result<PublicKey>> {
        self.companions().into_iter().find_map(|name| {
            read_var(&name).transpose().map(|value| {
                PublicKey::from_pem(&value?).map_err(|e| redact(&name, &e, "a public key PEM"))
            })
        })
    }

    fn public_for(&self, locked: &EncryptedPrivateKey) -> Result<PublicKey> {
        if let Some(found) = self.companion_public() {
            return found;
        }
        if let Some(password) = read_var(PASSWORD_VAR)? {
            let password = Password::from(password);
            return Ok(locked.decrypt(&password)?.public_key().clone());
        }
        Err(Error::NotFound {
            what: format!(
                "the public key for {}: set {} to its PEM, or {PASSWORD_VAR} to derive it from \
                 the private key",
                self.key_ref,
                self.companions().join(" or ")
            ),
        })
    }

    fn locked(&self, value: &[u8]) -> Result<EncryptedPrivateKey> {
        EncryptedPrivateKey::from_pem(value)
            .map_err(|e| redact(&self.var, &e, "an encrypted Cosign private key"))
    }

    fn check_version(&self, version: Option<u64>) -> Result<()> {
        match version {
            None | Some(1) => Ok(()),
            Some(v) => Err(Error::NotFound {
                what: format!(
                    "{} version {v} (an environment variable has only version 1)",
                    self.key_ref
                ),
            }),
        }
    }

    fn neither(&self) -> Error {
        Error::MalformedPem {
            reason: format!(
                "{} holds neither an encrypted Cosign private key PEM nor a public key PEM \
                 (its content is not shown)",
                self.key_ref
            ),
        }
    }

    fn read_only(&self) -> Error {
        Error::InvalidArgument {
            name: "key_ref",
            reason: format!(
                "{} is read-only: a process cannot change its parent's environment, so the \
                 write would be lost. Store the key in file:// or vault-kv://, or set {} yourself",
                self.key_ref, self.var
            ),
        }
    }
}

/// A variable's value, refused over the [`Input::EnvValue`] size limit.
fn read_var(name: &str) -> Result<Option<Zeroizing<Vec<u8>>>> {
    let Some(value) = std::env::var_os(name).map(|v| Zeroizing::new(v.into_encoded_bytes())) else {
        return Ok(None);
    };
    crate::limits::check_len(&format!("env://{name}"), value.len(), Input::EnvValue)?;
    Ok(Some(value))
}

fn classify(value: &[u8]) -> Content {
    let Ok(text) = std::str::from_utf8(value) else {
        return Content::Other;
    };
    let first = text
        .trim_start()
        .lines()
        .next()
        .unwrap_or_default()
        .trim_end();
    let label = first
        .strip_prefix("-----BEGIN ")
        .and_then(|l| l.strip_suffix("-----"));
    match label {
        Some(pem::SIGSTORE_PRIVATE_KEY | pem::COSIGN_PRIVATE_KEY) => Content::EncryptedPrivate,
        Some(pem::PUBLIC_KEY) => Content::Public,
        _ => Content::Other,
    }
}

/// The same kind of error, with every detail that could come from the
/// variable's content replaced by a fixed text naming the variable.
fn redact(var: &str, err: &Error, expected: &str) -> Error {
    let reason =
        format!("env://{var} does not hold a usable {expected} (its content is not shown)");
    match err.code() {
        // Only numbers and our own words: safe to keep.
        ErrorCode::KdfLimitExceeded | ErrorCode::InvalidKdfParams => match err {
            Error::KdfLimitExceeded {
                kdf,
                required_bytes,
                limit_bytes,
                required_work,
                limit_work,
            } => Error::KdfLimitExceeded {
                kdf: *kdf,
                required_bytes: *required_bytes,
                limit_bytes: *limit_bytes,
                required_work: *required_work,
                limit_work: *limit_work,
            },
            _ => Error::InvalidKdfParams { reason },
        },
        ErrorCode::MalformedEnvelope | ErrorCode::UnknownKdf | ErrorCode::UnknownCipher => {
            Error::MalformedEnvelope { reason }
        }
        ErrorCode::MalformedKey | ErrorCode::UnsupportedAlgorithm => Error::MalformedKey { reason },
        _ => Error::MalformedPem { reason },
    }
}

fn metadata(public: &PublicKey) -> KeyMetadata {
    let mut metadata = KeyMetadata::new(public, "");
    metadata.created_at = UNIX_EPOCH;
    metadata
}

#[async_trait::async_trait]
impl KeyStore for EnvStore {
    fn key_ref(&self) -> &KeyRef {
        &self.key_ref
    }

    async fn put(&self, _record: KeyPairRecord, _options: &PutOptions) -> Result<u64> {
        Err(self.read_only())
    }

    async fn get(&self, version: Option<u64>) -> Result<StoredKey> {
        self.check_version(version)?;
        let value = self.value()?;
        match classify(&value) {
            Content::EncryptedPrivate => {
                let private_key = self.locked(&value)?;
                let public_key = self.public_for(&private_key)?;
                Ok(StoredKey {
                    version: 1,
                    metadata: metadata(&public_key),
                    private_key,
                    public_key,
                    password: None,
                })
            }
            Content::Public => Err(Error::WrongKeyKind {
                expected: "an encrypted Cosign private key",
                found: format!("a public key in {}", self.key_ref),
            }),
            Content::Other => Err(self.neither()),
        }
    }

    async fn get_public(&self, version: Option<u64>) -> Result<StoredPublicKey> {
        self.check_version(version)?;
        let value = self.value()?;
        let public_key = match classify(&value) {
            Content::Public => PublicKey::from_pem(&value)
                .map_err(|e| redact(&self.var, &e, "a public key PEM"))?,
            Content::EncryptedPrivate => self.public_for(&self.locked(&value)?)?,
            Content::Other => return Err(self.neither()),
        };
        Ok(StoredPublicKey {
            version: 1,
            metadata: metadata(&public_key),
            public_key,
        })
    }

    async fn versions(&self) -> Result<Vec<VersionInfo>> {
        let Some(value) = read_var(&self.var)? else {
            return Ok(Vec::new());
        };
        // Only what is cheap: no decryption to list versions.
        let fingerprint = match classify(&value) {
            Content::Public => PublicKey::from_pem(&value).ok(),
            Content::EncryptedPrivate => self.companion_public().and_then(Result::ok),
            Content::Other => None,
        }
        .map(|pk| pk.fingerprint());
        Ok(vec![VersionInfo {
            version: 1,
            fingerprint,
            created_at: None,
            state: VersionState::Live,
        }])
    }

    async fn delete(&self, _version: Option<u64>, _mode: DeleteMode) -> Result<()> {
        Err(self.read_only())
    }
}
