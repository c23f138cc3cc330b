//! The one error type of the crate, and the stable numeric codes that every
//! language binding (C, Go, Python) exposes for it.
//!
//! Messages say what happened and what to do about it. They never contain a
//! password, key bytes or decrypted plaintext: variants only carry labels,
//! sizes, paths and reasons written by this crate.

use std::path::PathBuf;

/// Shorthand for `Result<T, cosign_keys::Error>`.
pub type Result<T> = std::result::Result<T, Error>;

/// Everything that can go wrong, one variant per thing a caller can act on.
///
/// ```
/// use cosign_keys::{Error, ErrorCode, PublicKey};
///
/// let err = PublicKey::from_pem(b"not a key").err().unwrap();
/// assert!(matches!(err, Error::MalformedPem { .. }));
/// assert_eq!(err.code(), ErrorCode::MalformedPem);
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An argument was outside what the function accepts.
    #[error("invalid argument `{name}`: {reason}")]
    InvalidArgument {
        /// Which argument.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },

    /// The input is not PEM (or is empty, truncated, or has bad base64).
    #[error("malformed PEM: {reason}")]
    MalformedPem {
        /// What the parser found.
        reason: String,
    },

    /// The input is PEM, but with a label this crate does not read.
    #[error("unknown PEM label `{label}`; expected one of: {expected}")]
    UnknownPemLabel {
        /// The label found in the `-----BEGIN …-----` line.
        label: String,
        /// The labels that would have been accepted here.
        expected: &'static str,
    },

    /// A key of the wrong kind was given, e.g. a public key where a private
    /// one is needed, or an unencrypted key where a Cosign key file is needed.
    #[error("wrong kind of key: expected {expected}, found {found}")]
    WrongKeyKind {
        /// What the operation needs.
        expected: &'static str,
        /// What was given.
        found: String,
    },

    /// The JSON envelope inside a Cosign key file is damaged.
    #[error("malformed Cosign key envelope: {reason}")]
    MalformedEnvelope {
        /// What is wrong with it.
        reason: String,
    },

    /// The envelope names a key-derivation function other than scrypt.
    #[error("unknown key-derivation function `{name}` (only `scrypt` is supported)")]
    UnknownKdf {
        /// The name found in the file.
        name: String,
    },

    /// The envelope names a cipher other than NaCl secretbox.
    #[error("unknown cipher `{name}` (only `nacl/secretbox` is supported)")]
    UnknownCipher {
        /// The name found in the file.
        name: String,
    },

    /// Scrypt parameters that are not valid at all (N not a power of two,
    /// r or p zero, r·p too large).
    #[error("invalid scrypt parameters: {reason}")]
    InvalidKdfParams {
        /// Which rule they break.
        reason: String,
    },

    /// Key-derivation parameters (scrypt in a key file or a backup's age
    /// header, PBKDF2 in an imported key) that are valid but cost more memory
    /// or work than the configured limit. Refused before any derivation.
    #[error("{}", kdf_limit_message(*kdf, *required_bytes, *limit_bytes, *required_work, *limit_work))]
    KdfLimitExceeded {
        /// Which function the limit refused.
        kdf: Kdf,
        /// Memory the parameters need (0 for PBKDF2).
        required_bytes: u64,
        /// Memory limit in force (0 for PBKDF2).
        limit_bytes: u64,
        /// N·r·p for scrypt, the iteration count for PBKDF2.
        required_work: u64,
        /// Work limit in force.
        limit_work: u64,
    },

    /// DER key material could not be parsed.
    #[error("malformed key: {reason}")]
    MalformedKey {
        /// What the parser found.
        reason: String,
    },

    /// A well-formed key of a type or size that Cosign does not accept.
    #[error("unsupported key algorithm: {algorithm}")]
    UnsupportedAlgorithm {
        /// Description of what was found, e.g. `RSA 1024 bits`.
        algorithm: String,
    },

    /// The operation is not defined for this key's algorithm.
    #[error("{operation} is not supported for {algorithm} keys")]
    UnsupportedOperation {
        /// What was asked.
        operation: &'static str,
        /// The key algorithm.
        algorithm: &'static str,
    },

    /// The text is not a fingerprint in either accepted form.
    #[error("invalid fingerprint: {reason}")]
    InvalidFingerprint {
        /// What is wrong with it.
        reason: String,
    },

    /// Decryption failed: either the password is wrong or the ciphertext was
    /// altered. The authenticated cipher cannot tell these apart, by design.
    #[error(
        "decryption failed: wrong password, or the encrypted key was corrupted or tampered with \
         (the authenticated cipher cannot tell which)"
    )]
    DecryptionFailed,

    /// A signature did not verify against the key and data given.
    #[error("signature verification failed")]
    SignatureInvalid,

    /// The signature text is not valid base64 / DER.
    #[error("malformed signature: {reason}")]
    MalformedSignature {
        /// What is wrong with it.
        reason: String,
    },

    /// A cryptographic primitive failed internally (should not happen).
    #[error("cryptographic operation failed: {context}")]
    Crypto {
        /// Which operation.
        context: &'static str,
    },

    /// The operating system's random number generator failed.
    #[error("the system random number generator failed")]
    Rng,

    /// Memory for the key derivation could not be allocated.
    #[error("could not allocate {bytes} bytes for scrypt")]
    OutOfMemory {
        /// How much was asked for.
        bytes: u64,
    },

    /// An input (a file, a stream, an environment value) is larger than the
    /// limit for its kind; it was not read past the limit (see
    /// [`crate::limits`]).
    #[error(
        "{what} is over the {limit}-byte limit for {kind} and was not read; if it is genuine, \
         raise the limit with the environment variable {variable}"
    )]
    InputTooLarge {
        /// The file or input.
        what: String,
        /// What kind of input, e.g. `audit logs`.
        kind: &'static str,
        /// The limit in force, in bytes.
        limit: u64,
        /// The environment variable that changes the limit.
        variable: &'static str,
    },

    /// A file already exists and overwriting was not requested.
    #[error("{} already exists; refusing to overwrite it (ask for overwrite explicitly)", path.display())]
    AlreadyExists {
        /// The file.
        path: PathBuf,
    },

    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A key location or KMS URI could not be parsed.
    #[error("invalid key URI `{uri}`: {reason}")]
    InvalidUri {
        /// The URI as given (URIs never carry secrets: credentials come from
        /// the environment).
        uri: String,
        /// Exactly what is wrong with it.
        reason: String,
    },

    /// The key, key version, secret or record does not exist.
    #[error("not found: {what}")]
    NotFound {
        /// What was looked for, e.g. `vault-kv://secret/app version 3`.
        what: String,
    },

    /// A concurrent writer won: the check-and-set version did not match, or
    /// another operation holds the lock. Nothing was changed; re-read and retry.
    #[error("conflict on {what}: {reason}")]
    Conflict {
        /// The location.
        what: String,
        /// What the server or store said.
        reason: String,
    },

    /// The backend refused the credentials or the operation (HTTP 401/403,
    /// AccessDenied, a read-only token writing). Nothing was changed.
    #[error("{backend}: permission denied for {what}: {detail}")]
    PermissionDenied {
        /// Which backend, e.g. `vault`, `awskms`, `file`.
        backend: &'static str,
        /// The key or location.
        what: String,
        /// The server's reason.
        detail: String,
    },

    /// The backend cannot be reached or cannot serve now (connection refused,
    /// timeout, Vault sealed, HTTP 5xx, throttled). Retrying later may work.
    #[error("{backend} unavailable: {reason}")]
    Unavailable {
        /// Which backend.
        backend: &'static str,
        /// What happened (e.g. `connection refused at http://127.0.0.1:8200`).
        reason: String,
    },

    /// The backend answered with an error this crate has no finer variant for.
    #[error("{backend} error{}: {message}", status.map(|s| format!(" (HTTP {s})")).unwrap_or_default())]
    Backend {
        /// Which backend.
        backend: &'static str,
        /// The HTTP status, when there was one.
        status: Option<u16>,
        /// The server's message.
        message: String,
    },

    /// The URI names a backend this build cannot talk to (a cargo feature is
    /// off, or the backend is not supported at all yet).
    #[error("`{scheme}` is not supported in this build: {reason}")]
    NotSupported {
        /// The URI scheme, e.g. `gcpkms`.
        scheme: String,
        /// Why, and what to do about it.
        reason: String,
    },

    /// A lifecycle operation is not allowed from the key's current state
    /// (e.g. activating a compromised key).
    #[error("cannot {operation} key {key}: it is {state}")]
    InvalidTransition {
        /// The key (fingerprint or version).
        key: String,
        /// Its current state.
        state: String,
        /// What was asked.
        operation: String,
    },

    /// The keyring manifest is damaged or inconsistent.
    #[error("invalid keyring: {reason}")]
    KeyringInvalid {
        /// What is wrong.
        reason: String,
    },

    /// The audit trail failed verification: a record was edited, deleted,
    /// reordered, inserted, or the log was truncated.
    #[error("audit trail verification failed at record {record}: {reason}")]
    AuditTampered {
        /// 1-based record (line) number where the chain breaks.
        record: u64,
        /// What was found.
        reason: String,
    },

    /// Backup recovery failed: too few or inconsistent shares, or a backup
    /// that is not one of ours.
    #[error("recovery failed: {reason}")]
    RecoveryFailed {
        /// What is wrong.
        reason: String,
    },

    /// The key found at a keyring key's recorded location is not the key the
    /// keyring records there (another key was put in its place, or the
    /// location names another store). Nothing was erased, read out or
    /// recorded; find out why before acting on that key.
    #[error(
        "key mismatch at {location}: the keyring records {expected} there, but {found} was \
         found; nothing was changed (check the location, or restore the recorded key)"
    )]
    KeyMismatch {
        /// The recorded location (a store URI and version, or a KMS URI).
        location: String,
        /// The fingerprint the keyring records.
        expected: String,
        /// The fingerprint of what was found.
        found: String,
    },
}

/// Stable numeric codes for [`Error`], shared by the C, Go and Python
/// bindings. Codes are grouped by hundreds (1xx arguments, 2xx formats,
/// 3xx cryptography, 4xx storage and backends, 5xx lifecycle); a code is never renumbered or reused.
///
/// `Ok` is 0 so that C and Go callers can test `if (rc != 0)`.
///
/// ```
/// use cosign_keys::ErrorCode;
/// assert_eq!(ErrorCode::DecryptionFailed as u32, 301);
/// assert_eq!(ErrorCode::DecryptionFailed.name(), "DECRYPTION_FAILED");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u32)]
#[non_exhaustive]
pub enum ErrorCode {
    /// Success.
    Ok = 0,
    /// [`Error::InvalidArgument`].
    InvalidArgument = 101,
    /// A NULL pointer was passed (C ABI only).
    NullParameter = 102,
    /// A panic was caught at the language boundary (a bug; please report).
    Panic = 103,
    /// A key location or KMS URI could not be parsed.
    InvalidUri = 104,
    /// [`Error::InputTooLarge`].
    InputTooLarge = 105,
    /// [`Error::MalformedPem`].
    MalformedPem = 201,
    /// [`Error::UnknownPemLabel`].
    UnknownPemLabel = 202,
    /// [`Error::WrongKeyKind`].
    WrongKeyKind = 203,
    /// [`Error::MalformedEnvelope`].
    MalformedEnvelope = 204,
    /// [`Error::UnknownKdf`].
    UnknownKdf = 205,
    /// [`Error::UnknownCipher`].
    UnknownCipher = 206,
    /// [`Error::InvalidKdfParams`].
    InvalidKdfParams = 207,
    /// [`Error::MalformedKey`].
    MalformedKey = 208,
    /// [`Error::UnsupportedAlgorithm`].
    UnsupportedAlgorithm = 209,
    /// [`Error::UnsupportedOperation`].
    UnsupportedOperation = 210,
    /// [`Error::InvalidFingerprint`].
    InvalidFingerprint = 211,
    /// [`Error::MalformedSignature`].
    MalformedSignature = 212,
    /// [`Error::DecryptionFailed`].
    DecryptionFailed = 301,
    /// [`Error::KdfLimitExceeded`].
    KdfLimitExceeded = 302,
    /// [`Error::SignatureInvalid`].
    SignatureInvalid = 303,
    /// [`Error::Crypto`].
    Crypto = 304,
    /// [`Error::Rng`].
    Rng = 305,
    /// [`Error::OutOfMemory`].
    OutOfMemory = 306,
    /// [`Error::AlreadyExists`].
    AlreadyExists = 401,
    /// [`Error::Io`].
    Io = 402,
    /// The key, version or record does not exist.
    NotFound = 403,
    /// A concurrent writer won (check-and-set); nothing was changed.
    Conflict = 404,
    /// The backend refused the credentials or the operation.
    PermissionDenied = 405,
    /// The backend is down, sealed, timing out or throttling.
    Unavailable = 406,
    /// The backend answered with another error.
    Backend = 407,
    /// The backend is not supported in this build.
    NotSupported = 408,
    /// The lifecycle operation is not allowed from the key's state.
    InvalidTransition = 501,
    /// The keyring manifest is damaged or inconsistent.
    KeyringInvalid = 502,
    /// The audit trail failed verification.
    AuditTampered = 503,
    /// Backup recovery failed (shares or backup).
    RecoveryFailed = 504,
    /// [`Error::KeyMismatch`]: the key at a recorded location is another key.
    KeyMismatch = 505,
}

impl ErrorCode {
    /// Every code, in numeric order (for bindings and tests).
    pub const ALL: &'static [ErrorCode] = &[
        Self::Ok,
        Self::InvalidArgument,
        Self::NullParameter,
        Self::Panic,
        Self::InvalidUri,
        Self::InputTooLarge,
        Self::MalformedPem,
        Self::UnknownPemLabel,
        Self::WrongKeyKind,
        Self::MalformedEnvelope,
        Self::UnknownKdf,
        Self::UnknownCipher,
        Self::InvalidKdfParams,
        Self::MalformedKey,
        Self::UnsupportedAlgorithm,
        Self::UnsupportedOperation,
        Self::InvalidFingerprint,
        Self::MalformedSignature,
        Self::DecryptionFailed,
        Self::KdfLimitExceeded,
        Self::SignatureInvalid,
        Self::Crypto,
        Self::Rng,
        Self::OutOfMemory,
        Self::AlreadyExists,
        Self::Io,
        Self::NotFound,
        Self::Conflict,
        Self::PermissionDenied,
        Self::Unavailable,
        Self::Backend,
        Self::NotSupported,
        Self::InvalidTransition,
        Self::KeyringInvalid,
        Self::AuditTampered,
        Self::RecoveryFailed,
        Self::KeyMismatch,
    ];

    /// The code's stable name in SCREAMING_SNAKE_CASE, as used in the shared
    /// test vectors and in the C header.
    ///
    /// ```
    /// assert_eq!(cosign_keys::ErrorCode::MalformedPem.name(), "MALFORMED_PEM");
    /// ```
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Ok => "OK",
            Self::InvalidArgument => "INVALID_ARGUMENT",
            Self::NullParameter => "NULL_PARAMETER",
            Self::Panic => "PANIC",
            Self::InvalidUri => "INVALID_URI",
            Self::InputTooLarge => "INPUT_TOO_LARGE",
            Self::MalformedPem => "MALFORMED_PEM",
            Self::UnknownPemLabel => "UNKNOWN_PEM_LABEL",
            Self::WrongKeyKind => "WRONG_KEY_KIND",
            Self::MalformedEnvelope => "MALFORMED_ENVELOPE",
            Self::UnknownKdf => "UNKNOWN_KDF",
            Self::UnknownCipher => "UNKNOWN_CIPHER",
            Self::InvalidKdfParams => "INVALID_KDF_PARAMS",
            Self::MalformedKey => "MALFORMED_KEY",
            Self::UnsupportedAlgorithm => "UNSUPPORTED_ALGORITHM",
            Self::UnsupportedOperation => "UNSUPPORTED_OPERATION",
            Self::InvalidFingerprint => "INVALID_FINGERPRINT",
            Self::MalformedSignature => "MALFORMED_SIGNATURE",
            Self::DecryptionFailed => "DECRYPTION_FAILED",
            Self::KdfLimitExceeded => "KDF_LIMIT_EXCEEDED",
            Self::SignatureInvalid => "SIGNATURE_INVALID",
            Self::Crypto => "CRYPTO",
            Self::Rng => "RNG",
            Self::OutOfMemory => "OUT_OF_MEMORY",
            Self::AlreadyExists => "ALREADY_EXISTS",
            Self::Io => "IO",
            Self::NotFound => "NOT_FOUND",
            Self::Conflict => "CONFLICT",
            Self::PermissionDenied => "PERMISSION_DENIED",
            Self::Unavailable => "UNAVAILABLE",
            Self::Backend => "BACKEND",
            Self::NotSupported => "NOT_SUPPORTED",
            Self::InvalidTransition => "INVALID_TRANSITION",
            Self::KeyringInvalid => "KEYRING_INVALID",
            Self::AuditTampered => "AUDIT_TAMPERED",
            Self::RecoveryFailed => "RECOVERY_FAILED",
            Self::KeyMismatch => "KEY_MISMATCH",
        }
    }
}

impl Error {
    /// The stable numeric code of this error.
    ///
    /// ```
    /// use cosign_keys::{Error, ErrorCode};
    /// assert_eq!(Error::DecryptionFailed.code(), ErrorCode::DecryptionFailed);
    /// ```
    #[must_use]
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::InvalidArgument { .. } => ErrorCode::InvalidArgument,
            Self::MalformedPem { .. } => ErrorCode::MalformedPem,
            Self::UnknownPemLabel { .. } => ErrorCode::UnknownPemLabel,
            Self::WrongKeyKind { .. } => ErrorCode::WrongKeyKind,
            Self::MalformedEnvelope { .. } => ErrorCode::MalformedEnvelope,
            Self::UnknownKdf { .. } => ErrorCode::UnknownKdf,
            Self::UnknownCipher { .. } => ErrorCode::UnknownCipher,
            Self::InvalidKdfParams { .. } => ErrorCode::InvalidKdfParams,
            Self::KdfLimitExceeded { .. } => ErrorCode::KdfLimitExceeded,
            Self::MalformedKey { .. } => ErrorCode::MalformedKey,
            Self::UnsupportedAlgorithm { .. } => ErrorCode::UnsupportedAlgorithm,
            Self::UnsupportedOperation { .. } => ErrorCode::UnsupportedOperation,
            Self::InvalidFingerprint { .. } => ErrorCode::InvalidFingerprint,
            Self::DecryptionFailed => ErrorCode::DecryptionFailed,
            Self::SignatureInvalid => ErrorCode::SignatureInvalid,
            Self::MalformedSignature { .. } => ErrorCode::MalformedSignature,
            Self::Crypto { .. } => ErrorCode::Crypto,
            Self::Rng => ErrorCode::Rng,
            Self::OutOfMemory { .. } => ErrorCode::OutOfMemory,
            Self::AlreadyExists { .. } => ErrorCode::AlreadyExists,
            Self::Io { .. } => ErrorCode::Io,
            Self::InvalidUri { .. } => ErrorCode::InvalidUri,
            Self::InputTooLarge { .. } => ErrorCode::InputTooLarge,
            Self::NotFound { .. } => ErrorCode::NotFound,
            Self::Conflict { .. } => ErrorCode::Conflict,
            Self::PermissionDenied { .. } => ErrorCode::PermissionDenied,
            Self::Unavailable { .. } => ErrorCode::Unavailable,
            Self::Backend { .. } => ErrorCode::Backend,
            Self::NotSupported { .. } => ErrorCode::NotSupported,
            Self::InvalidTransition { .. } => ErrorCode::InvalidTransition,
            Self::KeyringInvalid { .. } => ErrorCode::KeyringInvalid,
            Self::AuditTampered { .. } => ErrorCode::AuditTampered,
            Self::RecoveryFailed { .. } => ErrorCode::RecoveryFailed,
            Self::KeyMismatch { .. } => ErrorCode::KeyMismatch,
        }
    }

    pub(crate) fn malformed_key(reason: impl Into<String>) -> Self {
        Self::MalformedKey {
            reason: reason.into(),
        }
    }

    pub(crate) fn malformed_envelope(reason: impl Into<String>) -> Self {
        Self::MalformedEnvelope {
            reason: reason.into(),
        }
    }

    /// Turns an I/O error on `path` into an [`Error`] by the crate's one
    /// rule (see below), for programs built on the crate.
    ///
    /// ```
    /// use cosign_keys::{Error, ErrorCode};
    /// let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
    /// assert_eq!(Error::from_io("cosign.key", denied).code(), ErrorCode::PermissionDenied);
    /// ```
    #[must_use]
    pub fn from_io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::io(path, source)
    }

    /// The one place an I/O error becomes an [`Error`]: a refusal by the
    /// file system (`EACCES`, `EPERM`, a read-only file system `EROFS`) is
    /// [`Error::PermissionDenied`] naming the path, so plain key files,
    /// keyrings and stores report it alike; anything else is [`Error::Io`].
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        let path = path.into();
        if matches!(
            source.kind(),
            std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
        ) {
            return Self::PermissionDenied {
                backend: "file",
                what: path.display().to_string(),
                detail: source.to_string(),
            };
        }
        Self::Io { path, source }
    }
}

/// A key-derivation function whose cost a limit refused (see
/// [`Error::KdfLimitExceeded`]).
///
/// ```
/// use cosign_keys::{Error, Kdf};
/// # fn check(err: &Error) -> bool {
/// matches!(err, Error::KdfLimitExceeded { kdf: Kdf::Pbkdf2, .. })
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kdf {
    /// scrypt in a Cosign key file or an encrypted PKCS#8 key.
    Scrypt,
    /// PBKDF2 in an encrypted PKCS#8 key.
    Pbkdf2,
    /// scrypt in the age header of a backup (r = 8, p = 1; the work factor
    /// is log2 N).
    AgeScrypt,
}

fn kdf_limit_message(
    kdf: Kdf,
    required_bytes: u64,
    limit_bytes: u64,
    required_work: u64,
    limit_work: u64,
) -> String {
    match kdf {
        Kdf::Pbkdf2 => format!(
            "PBKDF2 with {required_work} iterations is over the limit of {limit_work} \
             iterations; re-encrypt the key with a lower count if you trust it"
        ),
        Kdf::AgeScrypt => {
            // age fixes r = 8 and p = 1: N·r·p = 8·N, memory 1024·(N + 1).
            let log_n = |work: u64| work.max(8).ilog2() - 3;
            let max_log_n = (1..63u32)
                .take_while(|&n| {
                    1024 * ((1u128 << n) + 1) <= u128::from(limit_bytes)
                        && 8u128 << n <= u128::from(limit_work)
                })
                .last()
                .unwrap_or(0);
            format!(
                "the backup's age header asks for scrypt work factor {} ({required_bytes} bytes \
                 of memory), over the limit of work factor {} ({limit_bytes} bytes, \
                 {limit_work} N·r·p); nothing was derived. Raise the KDF limits of the recovery \
                 only if you trust this file",
                log_n(required_work),
                max_log_n,
            )
        }
        Kdf::Scrypt => format!(
            "scrypt parameters need {required_bytes} bytes of memory and a work factor of \
             {required_work}, over the limits of {limit_bytes} bytes and {limit_work}; \
             raise the limits in DecryptOptions only if you trust this file"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_sorted_and_named() {
        let mut last = None;
        for code in ErrorCode::ALL {
            let n = *code as u32;
            if let Some(prev) = last {
                assert!(n > prev, "{code:?} out of order");
            }
            last = Some(n);
            assert!(!code.name().is_empty());
        }
        let names: std::collections::HashSet<_> = ErrorCode::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(names.len(), ErrorCode::ALL.len());
    }
}
