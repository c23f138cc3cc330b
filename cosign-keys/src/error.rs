//! The one error type of the crate, and the stable numeric codes that every
//! language binding (C, Go, Python) exposes for it.
//!
//! Messages say what happened and what to do about it. They never contain a
//! password, key bytes or decrypted plaintext: variants only carry labels,
//! sizes, paths and reasons written by this crate.

use std::path::PathBuf;

mod document;
mod redact;
pub use document::ErrorDocument;
#[cfg(test)]
pub(crate) use redact::assert_shows_no_secret;
pub(crate) use redact::redact_uri;

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
        /// The URI as given, redacted: credentials come from the
        /// environment, but a pasted URI may still carry userinfo, a
        /// `?token=` or a `pin-value=`, so userinfo, query values and the
        /// fragment are masked and the length is bounded (about 200 bytes).
        uri: String,
        /// Exactly what is wrong with it; any part of the URI it quotes is
        /// redacted the same way.
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

    /// A language binding's handle (a Go `Keyring`, a Python `Store`, ...)
    /// was used after it was closed. The core's own types cannot be: they
    /// are gone once dropped, so only the bindings report this.
    #[error("the {what} is closed")]
    HandleClosed {
        /// What was closed: `store`, `KMS key`, `keyring`, ...
        what: String,
    },
}

/// Declares the error table: one row per stable code, from which the macro
/// generates [`ErrorCode`], [`ErrorCode::ALL`], [`ErrorCode::name`],
/// [`ErrorCode::from_code`], [`ErrorCode::code`], [`Error::code`] and the
/// hidden accessors that `examples/errtable.rs` reads to write the C
/// constants (cosign-keys-ffi, hence the header and Go's `codes.go`) and the
/// Python code table (scripts/gen-errtable.sh).
///
/// A row is `/// doc` lines, then
/// `Variant = number, "NAME", PythonClass, kind;` where `kind` is `error`
/// when [`Error`] has a variant of the same name (its [`Error::code`] arm is
/// generated, so a variant without a row does not compile) or `boundary` for
/// codes that only the language bindings report.
macro_rules! error_table {
    ($(
        $(#[doc = $doc:literal])+
        $variant:ident = $number:literal, $name:literal, $py:ident, $kind:ident;
    )+) => {
        /// Stable numeric codes for [`Error`], shared by the C, Go and Python
        /// bindings. Codes are grouped by hundreds (1xx arguments, 2xx formats,
        /// 3xx cryptography, 4xx storage and backends, 5xx lifecycle); a code is
        /// never renumbered or reused.
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
            $(
                $(#[doc = $doc])+
                $variant = $number,
            )+
        }

        impl ErrorCode {
            /// Every code, in numeric order (for bindings and tests).
            ///
            /// ```
            /// use cosign_keys::ErrorCode;
            /// assert_eq!(ErrorCode::ALL[0], ErrorCode::Ok);
            /// assert!(ErrorCode::ALL.contains(&ErrorCode::KeyMismatch));
            /// ```
            pub const ALL: &'static [ErrorCode] = &[$(Self::$variant),+];

            /// The code's stable name in SCREAMING_SNAKE_CASE, as used in the
            /// shared test vectors and in the C header (`CK_` + name).
            ///
            /// ```
            /// assert_eq!(cosign_keys::ErrorCode::MalformedPem.name(), "MALFORMED_PEM");
            /// ```
            #[must_use]
            pub const fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)+
                }
            }

            /// The stable number of the code (the same as `code as u32`).
            ///
            /// ```
            /// assert_eq!(cosign_keys::ErrorCode::NotFound.code(), 403);
            /// ```
            #[must_use]
            pub const fn code(self) -> u32 {
                self as u32
            }

            /// The code with this number, or `None` for a number this
            /// version does not know.
            ///
            /// ```
            /// use cosign_keys::ErrorCode;
            /// assert_eq!(ErrorCode::from_code(301), Some(ErrorCode::DecryptionFailed));
            /// assert_eq!(ErrorCode::from_code(999), None);
            /// ```
            #[must_use]
            pub const fn from_code(number: u32) -> Option<Self> {
                match number {
                    $($number => Some(Self::$variant),)+
                    _ => None,
                }
            }

            /// The code with this name (as [`ErrorCode::name`] spells it).
            ///
            /// ```
            /// use cosign_keys::ErrorCode;
            /// assert_eq!(ErrorCode::from_name("NOT_FOUND"), Some(ErrorCode::NotFound));
            /// assert_eq!(ErrorCode::from_name("not_found"), None);
            /// ```
            #[must_use]
            pub fn from_name(name: &str) -> Option<Self> {
                match name {
                    $($name => Some(Self::$variant),)+
                    _ => None,
                }
            }

            /// The table's description of the code, one source line per
            /// line (each with the leading space of its doc comment); the
            /// binding generator writes it into the C, Go and Python docs.
            #[doc(hidden)]
            #[must_use]
            pub const fn table_doc(self) -> &'static str {
                match self {
                    $(Self::$variant => concat!($($doc, "\n"),+),)+
                }
            }

            /// The Python exception class raised for the code (the binding
            /// generator writes the `cosign_keys.errors` table from it).
            #[doc(hidden)]
            #[must_use]
            pub const fn python_class(self) -> &'static str {
                match self {
                    $(Self::$variant => stringify!($py),)+
                }
            }

            /// The Rust identifier of the code, e.g. `InvalidUri`.
            #[doc(hidden)]
            #[must_use]
            pub const fn variant_name(self) -> &'static str {
                match self {
                    $(Self::$variant => stringify!($variant),)+
                }
            }

            /// Whether [`Error`] has a variant with this code (false for
            /// codes only a language binding reports: `Ok`, `NullParameter`,
            /// `Panic`).
            ///
            /// ```
            /// use cosign_keys::ErrorCode;
            /// assert!(ErrorCode::NotFound.is_core_error());
            /// assert!(!ErrorCode::NullParameter.is_core_error());
            /// ```
            #[must_use]
            pub const fn is_core_error(self) -> bool {
                match self {
                    $(Self::$variant => error_table!(@is_error $kind),)+
                }
            }
        }

        error_table!(@error_code [] $($kind $variant)+);
    };

    (@is_error error) => { true };
    (@is_error boundary) => { false };

    // `Error::code`: one arm per `error` row, none for `boundary` rows.
    (@error_code [$($arms:tt)*]) => {
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
                    $($arms)*
                }
            }
        }
    };
    (@error_code [$($arms:tt)*] error $variant:ident $($rest:tt)*) => {
        error_table!(@error_code [$($arms)* Self::$variant { .. } => ErrorCode::$variant,] $($rest)*);
    };
    (@error_code [$($arms:tt)*] boundary $variant:ident $($rest:tt)*) => {
        error_table!(@error_code [$($arms)*] $($rest)*);
    };
}

// The one error table. Numbers are stable: never renumber or reuse one. The
// doc lines are the description every binding shows (C header, Go, Python).
error_table! {
    /// Success.
    Ok = 0, "OK", CosignKeysError, boundary;
    /// An argument is outside what the function accepts (e.g. an unknown
    /// algorithm number, a buffer too small, a digest of the wrong length).
    InvalidArgument = 101, "INVALID_ARGUMENT", InvalidArgumentError, error;
    /// A required pointer argument was NULL.
    NullParameter = 102, "NULL_PARAMETER", InvalidArgumentError, boundary;
    /// A panic was caught at the C boundary (a bug in the library; please report).
    Panic = 103, "PANIC", InternalError, boundary;
    /// A key location or KMS URI could not be parsed (the message says what is
    /// wrong).
    InvalidUri = 104, "INVALID_URI", InvalidArgumentError, error;
    /// An input (a file, a buffer, an environment value) is over the size limit
    /// for its kind and was not read past it; the message names the limit and
    /// the environment variable that changes it.
    InputTooLarge = 105, "INPUT_TOO_LARGE", InputTooLargeError, error;
    /// A binding's handle (Go, Python) was used after it was closed; nothing
    /// was done.
    HandleClosed = 106, "HANDLE_CLOSED", InvalidArgumentError, error;
    /// The input is not PEM (empty, truncated, bad base64).
    MalformedPem = 201, "MALFORMED_PEM", InvalidKeyError, error;
    /// The input is PEM with a label that is not accepted here.
    UnknownPemLabel = 202, "UNKNOWN_PEM_LABEL", InvalidKeyError, error;
    /// A key of the wrong kind was given (e.g. a public key where a private key
    /// is needed).
    WrongKeyKind = 203, "WRONG_KEY_KIND", WrongKeyKindError, error;
    /// The JSON envelope inside a Cosign key file is damaged.
    MalformedEnvelope = 204, "MALFORMED_ENVELOPE", InvalidKeyError, error;
    /// The envelope names a key-derivation function other than scrypt.
    UnknownKdf = 205, "UNKNOWN_KDF", UnsupportedAlgorithmError, error;
    /// The envelope names a cipher other than nacl/secretbox.
    UnknownCipher = 206, "UNKNOWN_CIPHER", UnsupportedAlgorithmError, error;
    /// Scrypt parameters that are not valid at all (N not a power of two, r or
    /// p zero, ...).
    InvalidKdfParams = 207, "INVALID_KDF_PARAMS", InvalidKeyError, error;
    /// DER key material could not be parsed.
    MalformedKey = 208, "MALFORMED_KEY", InvalidKeyError, error;
    /// A well-formed key of a type or size Cosign does not accept.
    UnsupportedAlgorithm = 209, "UNSUPPORTED_ALGORITHM", UnsupportedAlgorithmError, error;
    /// The operation is not defined for this key's algorithm (e.g. signing a
    /// digest with Ed25519).
    UnsupportedOperation = 210, "UNSUPPORTED_OPERATION", UnsupportedOperationError, error;
    /// The text is not a fingerprint in either accepted form.
    InvalidFingerprint = 211, "INVALID_FINGERPRINT", InvalidFingerprintError, error;
    /// The signature is not valid base64.
    MalformedSignature = 212, "MALFORMED_SIGNATURE", InvalidSignatureError, error;
    /// Wrong password, or the encrypted key was altered (the authenticated
    /// cipher cannot tell which, by design).
    DecryptionFailed = 301, "DECRYPTION_FAILED", IncorrectPasswordError, error;
    /// The key file's scrypt cost is over the configured memory or work limit
    /// (refused before anything is allocated).
    KdfLimitExceeded = 302, "KDF_LIMIT_EXCEEDED", KdfLimitError, error;
    /// The signature does not verify.
    SignatureInvalid = 303, "SIGNATURE_INVALID", InvalidSignatureError, error;
    /// A cryptographic primitive failed internally (should not happen).
    Crypto = 304, "CRYPTO", CryptoError, error;
    /// The operating system's random number generator failed.
    Rng = 305, "RNG", CryptoError, error;
    /// Memory for the key derivation could not be allocated.
    OutOfMemory = 306, "OUT_OF_MEMORY", OutOfMemoryError, error;
    /// The file exists and overwriting was not requested.
    AlreadyExists = 401, "ALREADY_EXISTS", AlreadyExistsError, error;
    /// A file could not be read or written.
    Io = 402, "IO", StoreError, error;
    /// The key, key version, secret or record does not exist.
    NotFound = 403, "NOT_FOUND", NotFoundError, error;
    /// A concurrent writer won (check-and-set); nothing was changed. Re-read and
    /// retry.
    Conflict = 404, "CONFLICT", ConflictError, error;
    /// The backend refused the credentials or the operation; nothing was changed.
    PermissionDenied = 405, "PERMISSION_DENIED", PermissionDeniedError, error;
    /// The backend cannot be reached or cannot serve now (down, sealed, timeout,
    /// throttled); retrying later may work.
    Unavailable = 406, "UNAVAILABLE", UnavailableError, error;
    /// The backend answered with an error that has no finer code.
    Backend = 407, "BACKEND", StoreError, error;
    /// The URI names a backend this build does not support.
    NotSupported = 408, "NOT_SUPPORTED", NotSupportedError, error;
    /// The lifecycle operation is not allowed from the key's current state.
    InvalidTransition = 501, "INVALID_TRANSITION", InvalidTransitionError, error;
    /// The keyring manifest is damaged or inconsistent.
    KeyringInvalid = 502, "KEYRING_INVALID", KeyringError, error;
    /// The audit trail failed verification (edited, deleted, reordered or
    /// truncated records).
    AuditTampered = 503, "AUDIT_TAMPERED", AuditTamperedError, error;
    /// Backup recovery failed (too few or inconsistent shares, not a backup).
    RecoveryFailed = 504, "RECOVERY_FAILED", RecoveryError, error;
    /// The key at a keyring key's recorded location is another key (its
    /// fingerprint differs from the manifest's); nothing was erased or recorded.
    KeyMismatch = 505, "KEY_MISMATCH", KeyMismatchError, error;
}

impl Error {
    /// A copy of this error for each item of a batch that failed as a whole
    /// (e.g. every digest of a bulk signing whose key could not be read).
    /// [`Error`] is not `Clone` (an I/O error is not); the copy has the same
    /// variant, fields, code and message, with an I/O cause rebuilt from its
    /// kind and text.
    ///
    /// ```
    /// use cosign_keys::{Error, ErrorCode};
    /// let e = Error::Conflict { what: "vault-kv://secret/app".into(), reason: "cas".into() };
    /// let copy = e.duplicate();
    /// assert_eq!(copy.code(), ErrorCode::Conflict);
    /// assert_eq!(copy.to_string(), e.to_string());
    /// ```
    #[must_use]
    pub fn duplicate(&self) -> Self {
        match self {
            Self::InvalidArgument { name, reason } => Self::InvalidArgument {
                name,
                reason: reason.clone(),
            },
            Self::MalformedPem { reason } => Self::MalformedPem {
                reason: reason.clone(),
            },
            Self::UnknownPemLabel { label, expected } => Self::UnknownPemLabel {
                label: label.clone(),
                expected,
            },
            Self::WrongKeyKind { expected, found } => Self::WrongKeyKind {
                expected,
                found: found.clone(),
            },
            Self::MalformedEnvelope { reason } => Self::MalformedEnvelope {
                reason: reason.clone(),
            },
            Self::UnknownKdf { name } => Self::UnknownKdf { name: name.clone() },
            Self::UnknownCipher { name } => Self::UnknownCipher { name: name.clone() },
            Self::InvalidKdfParams { reason } => Self::InvalidKdfParams {
                reason: reason.clone(),
            },
            Self::KdfLimitExceeded {
                kdf,
                required_bytes,
                limit_bytes,
                required_work,
                limit_work,
            } => Self::KdfLimitExceeded {
                kdf: *kdf,
                required_bytes: *required_bytes,
                limit_bytes: *limit_bytes,
                required_work: *required_work,
                limit_work: *limit_work,
            },
            Self::MalformedKey { reason } => Self::MalformedKey {
                reason: reason.clone(),
            },
            Self::UnsupportedAlgorithm { algorithm } => Self::UnsupportedAlgorithm {
                algorithm: algorithm.clone(),
            },
            Self::UnsupportedOperation {
                operation,
                algorithm,
            } => Self::UnsupportedOperation {
                operation,
                algorithm,
            },
            Self::InvalidFingerprint { reason } => Self::InvalidFingerprint {
                reason: reason.clone(),
            },
            Self::DecryptionFailed => Self::DecryptionFailed,
            Self::SignatureInvalid => Self::SignatureInvalid,
            Self::MalformedSignature { reason } => Self::MalformedSignature {
                reason: reason.clone(),
            },
            Self::Crypto { context } => Self::Crypto { context },
            Self::Rng => Self::Rng,
            Self::OutOfMemory { bytes } => Self::OutOfMemory { bytes: *bytes },
            Self::InputTooLarge {
                what,
                kind,
                limit,
                variable,
            } => Self::InputTooLarge {
                what: what.clone(),
                kind,
                limit: *limit,
                variable,
            },
            Self::AlreadyExists { path } => Self::AlreadyExists { path: path.clone() },
            Self::Io { path, source } => Self::Io {
                path: path.clone(),
                source: std::io::Error::new(source.kind(), source.to_string()),
            },
            Self::InvalidUri { uri, reason } => Self::InvalidUri {
                uri: uri.clone(),
                reason: reason.clone(),
            },
            Self::NotFound { what } => Self::NotFound { what: what.clone() },
            Self::Conflict { what, reason } => Self::Conflict {
                what: what.clone(),
                reason: reason.clone(),
            },
            Self::PermissionDenied {
                backend,
                what,
                detail,
            } => Self::PermissionDenied {
                backend,
                what: what.clone(),
                detail: detail.clone(),
            },
            Self::Unavailable { backend, reason } => Self::Unavailable {
                backend,
                reason: reason.clone(),
            },
            Self::Backend {
                backend,
                status,
                message,
            } => Self::Backend {
                backend,
                status: *status,
                message: message.clone(),
            },
            Self::NotSupported { scheme, reason } => Self::NotSupported {
                scheme: scheme.clone(),
                reason: reason.clone(),
            },
            Self::InvalidTransition {
                key,
                state,
                operation,
            } => Self::InvalidTransition {
                key: key.clone(),
                state: state.clone(),
                operation: operation.clone(),
            },
            Self::KeyringInvalid { reason } => Self::KeyringInvalid {
                reason: reason.clone(),
            },
            Self::AuditTampered { record, reason } => Self::AuditTampered {
                record: *record,
                reason: reason.clone(),
            },
            Self::RecoveryFailed { reason } => Self::RecoveryFailed {
                reason: reason.clone(),
            },
            Self::KeyMismatch {
                location,
                expected,
                found,
            } => Self::KeyMismatch {
                location: location.clone(),
                expected: expected.clone(),
                found: found.clone(),
            },
            Self::HandleClosed { what } => Self::HandleClosed { what: what.clone() },
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

    #[test]
    fn numbers_and_names_lead_back_to_their_code() {
        for &code in ErrorCode::ALL {
            assert_eq!(code.code(), code as u32);
            assert_eq!(ErrorCode::from_code(code.code()), Some(code));
            assert_eq!(ErrorCode::from_name(code.name()), Some(code));
            assert!(!code.table_doc().trim().is_empty(), "{code:?}");
            assert!(code.python_class().ends_with("Error"), "{code:?}");
        }
        // ALL holds every number the table knows: no code is left out of it.
        let known = (0..=1000).filter_map(ErrorCode::from_code).count();
        assert_eq!(known, ErrorCode::ALL.len());
        let core_errors = ErrorCode::ALL.iter().filter(|c| c.is_core_error()).count();
        assert_eq!(
            core_errors,
            ErrorCode::ALL.len() - 3,
            "all but OK, NULL_PARAMETER, PANIC"
        );
    }

    #[test]
    fn duplicate_keeps_variant_code_and_message() {
        let errors = [
            Error::InvalidArgument {
                name: "uri",
                reason: "bad".into(),
            },
            Error::KdfLimitExceeded {
                kdf: Kdf::Scrypt,
                required_bytes: 1 << 30,
                limit_bytes: 1 << 20,
                required_work: 1 << 20,
                limit_work: 1 << 10,
            },
            Error::Conflict {
                what: "vault-kv://secret/app".into(),
                reason: "check-and-set".into(),
            },
            Error::Backend {
                backend: "awskms",
                status: Some(400),
                message: "DisabledException".into(),
            },
            Error::io(
                "/nonexistent",
                std::io::Error::from(std::io::ErrorKind::NotFound),
            ),
            Error::from_io(
                "/ro",
                std::io::Error::from(std::io::ErrorKind::PermissionDenied),
            ),
            Error::AuditTampered {
                record: 7,
                reason: "edited".into(),
            },
            Error::DecryptionFailed,
        ];
        for e in &errors {
            let copy = e.duplicate();
            assert_eq!(copy.code(), e.code(), "{e}");
            assert_eq!(copy.to_string(), e.to_string());
        }
        let Error::Io { source, .. } = errors[4].duplicate() else {
            panic!("an I/O error stays an I/O error");
        };
        assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
    }
}
