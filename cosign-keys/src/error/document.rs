//! The error document: the one shape in which an [`Error`] crosses a language
//! boundary. `{code, name, message, details}`, where `details` holds the
//! variant's own fields as JSON values (the audit record number, the HTTP
//! status, the limits that were exceeded, ...), so C, Go and Python callers
//! read them as data instead of parsing the message.
//!
//! Everything in `details` is already in the message, which never holds a
//! secret (see [`Error`]); field names are the variant's field names and are
//! stable, like the codes.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{Error, Kdf};

/// An [`Error`] as data: its stable code and name, its message and its
/// fields.
///
/// ```
/// use cosign_keys::{Error, ErrorDocument};
///
/// let err = Error::AuditTampered { record: 7, reason: "hash mismatch".into() };
/// let doc = err.document();
/// assert_eq!((doc.code, doc.name.as_str()), (503, "AUDIT_TAMPERED"));
/// assert_eq!(doc.details["record"], 7);
/// let json = doc.to_json();
/// assert_eq!(serde_json::from_str::<ErrorDocument>(&json).unwrap(), doc);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorDocument {
    /// The stable numeric code ([`crate::ErrorCode`] as a number).
    pub code: u32,
    /// The code's stable name, e.g. `"AUDIT_TAMPERED"`.
    pub name: String,
    /// The human-readable message (the error's `Display`).
    pub message: String,
    /// The variant's fields by name; empty for variants without fields.
    pub details: Map<String, Value>,
}

impl ErrorDocument {
    /// The document as one line of JSON.
    ///
    /// ```
    /// let doc = cosign_keys::Error::DecryptionFailed.document();
    /// assert!(doc.to_json().starts_with(r#"{"code":301,"name":"DECRYPTION_FAILED","#));
    /// ```
    #[must_use]
    pub fn to_json(&self) -> String {
        // A struct of strings, numbers and JSON values always serialises.
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{}"))
    }
}

impl Error {
    /// This error as an [`ErrorDocument`].
    ///
    /// ```
    /// use cosign_keys::Error;
    /// let err = Error::Backend { backend: "vault", status: Some(503), message: "sealed".into() };
    /// let doc = err.document();
    /// assert_eq!(doc.details["status"], 503);
    /// assert_eq!(doc.message, err.to_string());
    /// ```
    #[must_use]
    pub fn document(&self) -> ErrorDocument {
        let code = self.code();
        ErrorDocument {
            code: code as u32,
            name: code.name().to_owned(),
            message: self.to_string(),
            details: self.details(),
        }
    }

    /// The variant's fields by name, as JSON values (see [`ErrorDocument`]).
    ///
    /// ```
    /// use cosign_keys::{Error, Kdf};
    /// let err = Error::KdfLimitExceeded {
    ///     kdf: Kdf::AgeScrypt,
    ///     required_bytes: 1 << 32,
    ///     limit_bytes: 1 << 28,
    ///     required_work: 22,
    ///     limit_work: 18,
    /// };
    /// let details = err.details();
    /// assert_eq!(details["kdf"], "age_scrypt");
    /// assert_eq!(details["required_work"], 22);
    /// ```
    #[must_use]
    pub fn details(&self) -> Map<String, Value> {
        let mut d = Map::new();
        let mut put = |name: &str, value: Value| {
            d.insert(name.to_owned(), value);
        };
        match self {
            Self::InvalidArgument { name, reason } => {
                put("name", (*name).into());
                put("reason", reason.as_str().into());
            }
            Self::MalformedPem { reason }
            | Self::MalformedEnvelope { reason }
            | Self::InvalidKdfParams { reason }
            | Self::MalformedKey { reason }
            | Self::InvalidFingerprint { reason }
            | Self::MalformedSignature { reason }
            | Self::KeyringInvalid { reason }
            | Self::RecoveryFailed { reason } => put("reason", reason.as_str().into()),
            Self::UnknownPemLabel { label, expected } => {
                put("label", label.as_str().into());
                put("expected", (*expected).into());
            }
            Self::WrongKeyKind { expected, found } => {
                put("expected", (*expected).into());
                put("found", found.as_str().into());
            }
            Self::UnknownKdf { name } | Self::UnknownCipher { name } => {
                put("name", name.as_str().into());
            }
            Self::KdfLimitExceeded {
                kdf,
                required_bytes,
                limit_bytes,
                required_work,
                limit_work,
            } => {
                put("kdf", kdf_name(*kdf).into());
                put("required_bytes", (*required_bytes).into());
                put("limit_bytes", (*limit_bytes).into());
                put("required_work", (*required_work).into());
                put("limit_work", (*limit_work).into());
            }
            Self::UnsupportedAlgorithm { algorithm } => put("algorithm", algorithm.as_str().into()),
            Self::UnsupportedOperation {
                operation,
                algorithm,
            } => {
                put("operation", (*operation).into());
                put("algorithm", (*algorithm).into());
            }
            Self::DecryptionFailed | Self::SignatureInvalid | Self::Rng => {}
            Self::Crypto { context } => put("context", (*context).into()),
            Self::OutOfMemory { bytes } => put("bytes", (*bytes).into()),
            Self::InputTooLarge {
                what,
                kind,
                limit,
                variable,
            } => {
                put("what", what.as_str().into());
                put("kind", (*kind).into());
                put("limit", (*limit).into());
                put("variable", (*variable).into());
            }
            Self::AlreadyExists { path } => put("path", path.display().to_string().into()),
            Self::Io { path, source } => {
                put("path", path.display().to_string().into());
                put("kind", format!("{:?}", source.kind()).into());
                if let Some(errno) = source.raw_os_error() {
                    put("os_error", errno.into());
                }
            }
            Self::InvalidUri { uri, reason } => {
                put("uri", uri.as_str().into());
                put("reason", reason.as_str().into());
            }
            Self::NotFound { what } | Self::HandleClosed { what } => {
                put("what", what.as_str().into());
            }
            Self::Conflict { what, reason } => {
                put("what", what.as_str().into());
                put("reason", reason.as_str().into());
            }
            Self::PermissionDenied {
                backend,
                what,
                detail,
            } => {
                put("backend", (*backend).into());
                put("what", what.as_str().into());
                put("detail", detail.as_str().into());
            }
            Self::Unavailable { backend, reason } => {
                put("backend", (*backend).into());
                put("reason", reason.as_str().into());
            }
            Self::Backend {
                backend,
                status,
                message,
            } => {
                put("backend", (*backend).into());
                if let Some(status) = status {
                    put("status", (*status).into());
                }
                put("message", message.as_str().into());
            }
            Self::NotSupported { scheme, reason } => {
                put("scheme", scheme.as_str().into());
                put("reason", reason.as_str().into());
            }
            Self::InvalidTransition {
                key,
                state,
                operation,
            } => {
                put("key", key.as_str().into());
                put("state", state.as_str().into());
                put("operation", operation.as_str().into());
            }
            Self::AuditTampered { record, reason } => {
                put("record", (*record).into());
                put("reason", reason.as_str().into());
            }
            Self::KeyMismatch {
                location,
                expected,
                found,
            } => {
                put("location", location.as_str().into());
                put("expected", expected.as_str().into());
                put("found", found.as_str().into());
            }
        }
        d
    }
}

/// The stable name of a KDF in error details.
fn kdf_name(kdf: Kdf) -> &'static str {
    match kdf {
        Kdf::Scrypt => "scrypt",
        Kdf::Pbkdf2 => "pbkdf2",
        Kdf::AgeScrypt => "age_scrypt",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_with_a_variant_round_trips_and_names_its_fields() {
        let io = Error::Io {
            path: "/tmp/x".into(),
            source: std::io::Error::from_raw_os_error(28),
        };
        let doc = io.document();
        assert_eq!(doc.name, "IO");
        assert_eq!(doc.details["path"], "/tmp/x");
        assert_eq!(doc.details["kind"], "StorageFull");
        assert_eq!(doc.details["os_error"], 28);
        let back: ErrorDocument = serde_json::from_str(&doc.to_json()).unwrap();
        assert_eq!(back, doc);

        let unit = Error::DecryptionFailed.document();
        assert!(unit.details.is_empty());
        assert_eq!(unit.code, 301);

        let backend = Error::Backend {
            backend: "azure",
            status: None,
            message: "odd".into(),
        };
        assert!(!backend.details().contains_key("status"));

        let closed = Error::HandleClosed {
            what: "keyring".into(),
        };
        assert_eq!(closed.document().name, "HANDLE_CLOSED");
        assert_eq!(closed.to_string(), "the keyring is closed");
    }

    #[test]
    fn unknown_fields_are_refused() {
        let json = r#"{"code":1,"name":"X","message":"m","details":{},"extra":1}"#;
        assert!(serde_json::from_str::<ErrorDocument>(json).is_err());
    }
}
