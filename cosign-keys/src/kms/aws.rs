//! `awskms://[endpoint]/<key-id | alias/name | arn>`: AWS KMS through the
//! official AWS SDK for Rust (feature `aws`).
//!
//! How the client connects (endpoint, region, credentials, TLS, timeouts,
//! retries) is in [`client`]. What each operation sends:
//!
//! | operation | KMS calls |
//! |---|---|
//! | create | `DescribeKey` (the alias must be free), `CreateKey` `SIGN_VERIFY`, `CreateAlias` |
//! | public key | `GetPublicKey` (DER SPKI, checked against its `KeySpec`) |
//! | sign digest | `Sign` `MessageType=DIGEST` |
//! | sign blob | `Sign` `MessageType=RAW` up to 4096 bytes, else `DIGEST` of the local hash |
//! | versions | `DescribeKey` + `GetPublicKey`: one entry, the key itself |
//! | rotate (alias only) | `DescribeKey`, `CreateKey` with the same spec, `UpdateAlias` |
//!
//! Why blobs go RAW: with `MessageType=RAW` KMS hashes the message itself with
//! the signing algorithm's hash (SHA-256 for `ECDSA_SHA_256` and
//! `RSASSA_PKCS1_V1_5_SHA_256`, …) and signs that digest, so the signature is
//! exactly the one `DIGEST` of our local hash gives, and the one cosign makes.
//! KMS takes RAW messages of at most 4096 bytes, so larger blobs are hashed
//! here and sent as `DIGEST`. The practical reason is moto, the emulator the
//! tests run against: it ignores `MessageType=DIGEST` and hashes the digest
//! again (checked up to moto 5.2.5, the newest release; see
//! tests/servers/NOTES.md), so only RAW gives a signature cosign accepts there.

mod client;
mod errors;
mod spec;

use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{KeySpec, KeyUsageType, MessageType};

use super::{bulk, Kms, KmsHandle, KmsKeyVersion};
use crate::{Algorithm, Error, PublicKey, Result, Signature};
use errors::Target;

/// The largest message KMS accepts with `MessageType=RAW`.
const RAW_MESSAGE_MAX: usize = 4096;
/// Waiting period for a key scheduled for deletion (the KMS minimum).
const PENDING_DELETION_DAYS: i32 = 7;
/// `Description` of the keys this crate creates.
const DESCRIPTION: &str = "Created by cosign-keys";

/// An AWS KMS key named by an `awskms://` URI.
pub(crate) struct AwsKms {
    handle: KmsHandle,
    /// The handle as text, for messages.
    uri: String,
    /// Key id, key ARN, `alias/<name>` or alias ARN, as KMS takes it.
    key_id: String,
    client: aws_sdk_kms::Client,
    endpoint: String,
    /// The key's algorithm once known (it picks the signing algorithm).
    algorithm: Mutex<Option<Algorithm>>,
}

impl AwsKms {
    /// Builds the client for an `awskms://` handle (no request is sent yet).
    pub(crate) async fn open(handle: KmsHandle) -> Result<Self> {
        let KmsHandle::AwsKms { endpoint, key_id } = &handle else {
            return Err(Error::InvalidArgument {
                name: "handle",
                reason: format!("{handle} is not an awskms:// key"),
            });
        };
        let connected = client::connect(endpoint.as_deref(), key_id).await?;
        Ok(Self {
            uri: handle.to_string(),
            key_id: key_id.clone(),
            client: connected.client,
            endpoint: connected.endpoint,
            algorithm: Mutex::new(None),
            handle,
        })
    }

    fn target(&self) -> Target<'_> {
        Target {
            key: &self.uri,
            endpoint: &self.endpoint,
        }
    }

    fn map<E>(&self, op: &str, err: &aws_sdk_kms::error::SdkError<E>) -> Error
    where
        E: aws_sdk_kms::error::ProvideErrorMetadata + std::error::Error + 'static,
    {
        errors::map(&self.target(), op, err)
    }

    fn missing(&self, op: &str, field: &str) -> Error {
        Error::Backend {
            backend: "awskms",
            status: None,
            message: format!("{op} for {} answered without {field}", self.uri),
        }
    }

    /// `alias/<name>` when the handle names an alias (directly or by ARN).
    fn alias_name(&self) -> Option<&str> {
        if self.key_id.starts_with("alias/") {
            return Some(&self.key_id);
        }
        self.key_id
            .strip_prefix("arn:")
            .and_then(|rest| rest.splitn(5, ':').nth(4))
            .filter(|resource| resource.starts_with("alias/"))
    }

    fn cached_algorithm(&self) -> Option<Algorithm> {
        *self
            .algorithm
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn remember_algorithm(&self, algorithm: Option<Algorithm>) {
        *self
            .algorithm
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = algorithm;
    }

    /// The key's algorithm, from the cache or `GetPublicKey`.
    async fn algorithm(&self) -> Result<Algorithm> {
        match self.cached_algorithm() {
            Some(a) => Ok(a),
            None => Ok(self.fetch_public_key(&self.key_id).await?.algorithm()),
        }
    }

    /// `GetPublicKey`, checked: a signing key of a spec cosign can use, whose
    /// DER matches that spec.
    async fn fetch_public_key(&self, key_id: &str) -> Result<PublicKey> {
        const OP: &str = "GetPublicKey";
        let out = self
            .client
            .get_public_key()
            .key_id(key_id)
            .send()
            .await
            .map_err(|e| self.map(OP, &e))?;
        match out.key_usage() {
            Some(KeyUsageType::SignVerify) => {}
            other => {
                return Err(Error::WrongKeyKind {
                    expected: "an AWS KMS key with KeyUsage SIGN_VERIFY",
                    found: format!(
                        "{} with KeyUsage {}",
                        self.uri,
                        other.map_or("(none)", KeyUsageType::as_str)
                    ),
                })
            }
        }
        // moto sends only the deprecated `CustomerMasterKeySpec` (same values).
        #[allow(deprecated)]
        let legacy_spec = out
            .customer_master_key_spec()
            .map(|s| KeySpec::from(s.as_str()));
        let spec = out
            .key_spec()
            .cloned()
            .or(legacy_spec)
            .ok_or_else(|| self.missing(OP, "KeySpec"))?;
        let algorithm = spec::algorithm_of(&spec)?;
        let der = out
            .public_key()
            .ok_or_else(|| self.missing(OP, "PublicKey"))?;
        let public_key = PublicKey::from_spki_der(der.as_ref())?;
        if public_key.algorithm() != algorithm {
            return Err(Error::Backend {
                backend: "awskms",
                status: None,
                message: format!(
                    "{OP} for {}: KeySpec {} but the public key is {}",
                    self.uri,
                    spec.as_str(),
                    public_key.algorithm()
                ),
            });
        }
        self.remember_algorithm(Some(algorithm));
        Ok(public_key)
    }

    /// `Sign` with the signing algorithm of `algorithm`.
    async fn sign(
        &self,
        message: &[u8],
        message_type: MessageType,
        algorithm: Algorithm,
    ) -> Result<Signature> {
        const OP: &str = "Sign";
        let out = self
            .client
            .sign()
            .key_id(&self.key_id)
            .message(Blob::new(message))
            .message_type(message_type)
            .signing_algorithm(spec::signing_algorithm(algorithm)?)
            .send()
            .await
            .map_err(|e| {
                let err = self.map(OP, &e);
                if err.code() == crate::ErrorCode::UnsupportedAlgorithm {
                    // The alias may now name a key of another spec: re-read it next time.
                    self.remember_algorithm(None);
                }
                err
            })?;
        let signature = out
            .signature()
            .ok_or_else(|| self.missing(OP, "Signature"))?;
        Ok(Signature::from_bytes(signature.as_ref().to_vec()))
    }

    async fn sign_digest_as(&self, digest: &[u8], algorithm: Algorithm) -> Result<Signature> {
        if let Some(hash) = algorithm.hash() {
            hash.import(digest)?;
        }
        self.sign(digest, MessageType::Digest, algorithm).await
    }

    /// `DescribeKey`: the key's id (not its alias), spec and creation date.
    async fn describe(&self) -> Result<aws_sdk_kms::types::KeyMetadata> {
        const OP: &str = "DescribeKey";
        self.client
            .describe_key()
            .key_id(&self.key_id)
            .send()
            .await
            .map_err(|e| self.map(OP, &e))?
            .key_metadata
            .ok_or_else(|| self.missing(OP, "KeyMetadata"))
    }

    /// `CreateKey` for signing; returns the new key id.
    async fn create_key(&self, spec: KeySpec) -> Result<String> {
        const OP: &str = "CreateKey";
        let out = self
            .client
            .create_key()
            .key_usage(KeyUsageType::SignVerify)
            .key_spec(spec)
            .description(DESCRIPTION)
            .send()
            .await
            .map_err(|e| self.map(OP, &e))?;
        Ok(out
            .key_metadata()
            .ok_or_else(|| self.missing(OP, "KeyMetadata"))?
            .key_id()
            .to_owned())
    }

    /// Whether `alias` now points at `key_id` (after an alias call whose
    /// answer was lost, e.g. a timeout).
    async fn alias_targets(&self, key_id: &str) -> bool {
        matches!(self.describe().await, Ok(meta) if meta.key_id() == key_id)
    }

    /// Schedules an unused new key for deletion and says so in `err`, so no
    /// orphan key is left behind silently.
    async fn discard_key(&self, key_id: &str, err: Error) -> Error {
        let outcome = self
            .client
            .schedule_key_deletion()
            .key_id(key_id)
            .pending_window_in_days(PENDING_DELETION_DAYS)
            .send()
            .await;
        let note = match outcome {
            Ok(_) => format!(
                "; the new key {key_id} made for it is scheduled for deletion in \
                 {PENDING_DELETION_DAYS} days"
            ),
            Err(e) => format!(
                "; the new key {key_id} made for it could NOT be scheduled for deletion ({}): \
                 delete it by hand",
                self.map("ScheduleKeyDeletion", &e)
            ),
        };
        with_note(err, &note)
    }
}

/// Appends a note to an error's text.
fn with_note(err: Error, note: &str) -> Error {
    match err {
        Error::NotFound { what } => Error::NotFound { what: what + note },
        Error::Conflict { what, reason } => Error::Conflict {
            what,
            reason: reason + note,
        },
        Error::PermissionDenied {
            backend,
            what,
            detail,
        } => Error::PermissionDenied {
            backend,
            what,
            detail: detail + note,
        },
        Error::Unavailable { backend, reason } => Error::Unavailable {
            backend,
            reason: reason + note,
        },
        Error::Backend {
            backend,
            status,
            message,
        } => Error::Backend {
            backend,
            status,
            message: message + note,
        },
        other => Error::Backend {
            backend: "awskms",
            status: None,
            message: other.to_string() + note,
        },
    }
}

#[async_trait::async_trait]
impl Kms for AwsKms {
    fn handle(&self) -> &KmsHandle {
        &self.handle
    }

    /// Creates a key and points the handle's alias at it. Only alias handles
    /// can be created: AWS picks key ids itself.
    async fn create(&self, algorithm: Algorithm) -> Result<PublicKey> {
        let spec = spec::key_spec(algorithm)?;
        let Some(alias) = self.alias_name() else {
            return Err(Error::InvalidArgument {
                name: "uri",
                reason: format!(
                    "{}: creating an AWS KMS key needs an alias handle \
                     (awskms://[endpoint]/alias/<name>): AWS chooses key ids, so a key id or \
                     key ARN can only name an existing key",
                    self.uri
                ),
            });
        };
        match self.describe().await {
            Ok(_) => {
                return Err(Error::AlreadyExists {
                    path: self.uri.clone().into(),
                })
            }
            Err(Error::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
        let key_id = self.create_key(spec).await?;
        let aliased = self
            .client
            .create_alias()
            .alias_name(alias)
            .target_key_id(&key_id)
            .send()
            .await;
        if let Err(e) = aliased {
            let err = match self.map("CreateAlias", &e) {
                Error::AlreadyExists { .. } => Error::Conflict {
                    what: self.uri.clone(),
                    reason: "the alias was created by someone else meanwhile".into(),
                },
                other => other,
            };
            if !self.alias_targets(&key_id).await {
                return Err(self.discard_key(&key_id, err).await);
            }
        }
        let public_key = self.fetch_public_key(&key_id).await?;
        if public_key.algorithm() != algorithm {
            return Err(Error::Backend {
                backend: "awskms",
                status: None,
                message: format!(
                    "CreateKey for {} made a {} key, not {algorithm}",
                    self.uri,
                    public_key.algorithm()
                ),
            });
        }
        Ok(public_key)
    }

    async fn public_key(&self) -> Result<PublicKey> {
        self.fetch_public_key(&self.key_id).await
    }

    async fn sign_digest(&self, digest: &[u8]) -> Result<Signature> {
        let algorithm = self.algorithm().await?;
        self.sign_digest_as(digest, algorithm).await
    }

    /// RAW for 1..=4096 bytes (KMS hashes with the same algorithm), else
    /// DIGEST of the local hash; see the module documentation for why.
    async fn sign_blob(&self, blob: &[u8]) -> Result<Signature> {
        let algorithm = self.algorithm().await?;
        match algorithm.hash() {
            Some(hash) if blob.is_empty() || blob.len() > RAW_MESSAGE_MAX => {
                self.sign(&hash.digest(blob), MessageType::Digest, algorithm)
                    .await
            }
            _ => self.sign(blob, MessageType::Raw, algorithm).await,
        }
    }

    /// One `Sign` per digest (KMS has no batch signing), at most
    /// [`bulk::MAX_IN_FLIGHT`] at once.
    async fn sign_digests(&self, digests: &[Vec<u8>]) -> Vec<Result<Signature>> {
        if digests.is_empty() {
            return Vec::new();
        }
        let algorithm = match self.algorithm().await {
            Ok(a) => a,
            Err(e) => return digests.iter().map(|_| Err(e.duplicate())).collect(),
        };
        bulk::map_bounded(digests, bulk::MAX_IN_FLIGHT, |d| {
            self.sign_digest_as(d, algorithm)
        })
        .await
    }

    /// AWS asymmetric keys have no versions: the key itself, once.
    async fn versions(&self) -> Result<Vec<KmsKeyVersion>> {
        let meta = self.describe().await?;
        let public_key = self.fetch_public_key(meta.key_id()).await?;
        Ok(vec![KmsKeyVersion {
            version: meta.key_id().to_owned(),
            public_key,
            created_at: meta
                .creation_date()
                .and_then(|d| SystemTime::try_from(*d).ok()),
        }])
    }

    /// AWS KMS cannot rotate asymmetric keys in place. For an alias handle
    /// this creates a key of the same spec and moves the alias to it (the old
    /// key stays, for verifying old signatures); returns the new key id.
    async fn rotate(&self) -> Result<String> {
        let Some(alias) = self.alias_name() else {
            return Err(Error::NotSupported {
                scheme: "awskms".into(),
                reason: format!(
                    "rotating {}: AWS KMS cannot rotate an asymmetric key in place; name the key \
                     by an alias (awskms://[endpoint]/alias/<name>) and rotate moves the alias to \
                     a new key, keeping the old one for verification",
                    self.uri
                ),
            });
        };
        let current = self.describe().await?;
        let spec = current
            .key_spec()
            .ok_or_else(|| self.missing("DescribeKey", "KeySpec"))?
            .clone();
        let algorithm = spec::algorithm_of(&spec)?;
        let key_id = self.create_key(spec).await?;
        let moved = self
            .client
            .update_alias()
            .alias_name(alias)
            .target_key_id(&key_id)
            .send()
            .await;
        if let Err(e) = moved {
            let err = self.map("UpdateAlias", &e);
            if !self.alias_targets(&key_id).await {
                return Err(self.discard_key(&key_id, err).await);
            }
        }
        self.remember_algorithm(Some(algorithm));
        Ok(key_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_keep_the_error_kind() {
        let e = with_note(
            Error::Unavailable {
                backend: "awskms",
                reason: "down".into(),
            },
            "; note",
        );
        assert_eq!(e.code(), crate::ErrorCode::Unavailable);
        assert!(e.to_string().ends_with("down; note"), "{e}");
        let e = with_note(Error::SignatureInvalid, "; note");
        assert_eq!(e.code(), crate::ErrorCode::Backend);
    }
}
