//! Status codes: the core's stable `ErrorCode` numbers, unchanged.
//!
//! The constants below mirror `cosign_keys::ErrorCode` one for one (name
//! `CK_` + `ErrorCode::name()`, same number); a unit test checks this
//! against the core's table, and `ck_status_name` reads the core's table
//! directly, so a code added to the core is passed through even before it
//! gets a constant here.

use std::ffi::{c_char, CString};
use std::sync::OnceLock;

use ckcore::ErrorCode;

use crate::guard::run_or;

/// A status code returned by every fallible function: `CK_OK` (0) on
/// success, otherwise one of the `CK_*` error codes below. Codes are grouped
/// by hundreds (1xx arguments, 2xx formats, 3xx cryptography, 4xx storage and
/// backends, 5xx lifecycle)
/// and never renumbered, so they may be stored and compared across versions.
/// Treat an unknown non-zero value as an error (newer libraries may add
/// codes); `ck_status_name` names every code the library knows.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ck_status(pub u32);

impl From<ErrorCode> for ck_status {
    fn from(code: ErrorCode) -> Self {
        Self(code as u32)
    }
}

/// Success.
pub const CK_OK: ck_status = ck_status(0);
/// An argument is outside what the function accepts (e.g. an unknown
/// algorithm number, a buffer too small, a digest of the wrong length).
pub const CK_INVALID_ARGUMENT: ck_status = ck_status(101);
/// A required pointer argument was NULL.
pub const CK_NULL_PARAMETER: ck_status = ck_status(102);
/// A panic was caught at the C boundary (a bug in the library; please report).
pub const CK_PANIC: ck_status = ck_status(103);
/// A key location or KMS URI could not be parsed (the message says what is
/// wrong).
pub const CK_INVALID_URI: ck_status = ck_status(104);
/// An input (a file, a buffer, an environment value) is over the size limit
/// for its kind and was not read past it; the message names the limit and
/// the environment variable that changes it.
pub const CK_INPUT_TOO_LARGE: ck_status = ck_status(105);
/// The input is not PEM (empty, truncated, bad base64).
pub const CK_MALFORMED_PEM: ck_status = ck_status(201);
/// The input is PEM with a label that is not accepted here.
pub const CK_UNKNOWN_PEM_LABEL: ck_status = ck_status(202);
/// A key of the wrong kind was given (e.g. a public key where a private key
/// is needed).
pub const CK_WRONG_KEY_KIND: ck_status = ck_status(203);
/// The JSON envelope inside a Cosign key file is damaged.
pub const CK_MALFORMED_ENVELOPE: ck_status = ck_status(204);
/// The envelope names a key-derivation function other than scrypt.
pub const CK_UNKNOWN_KDF: ck_status = ck_status(205);
/// The envelope names a cipher other than nacl/secretbox.
pub const CK_UNKNOWN_CIPHER: ck_status = ck_status(206);
/// Scrypt parameters that are not valid at all (N not a power of two, r or
/// p zero, ...).
pub const CK_INVALID_KDF_PARAMS: ck_status = ck_status(207);
/// DER key material could not be parsed.
pub const CK_MALFORMED_KEY: ck_status = ck_status(208);
/// A well-formed key of a type or size Cosign does not accept.
pub const CK_UNSUPPORTED_ALGORITHM: ck_status = ck_status(209);
/// The operation is not defined for this key's algorithm (e.g. signing a
/// digest with Ed25519).
pub const CK_UNSUPPORTED_OPERATION: ck_status = ck_status(210);
/// The text is not a fingerprint in either accepted form.
pub const CK_INVALID_FINGERPRINT: ck_status = ck_status(211);
/// The signature is not valid base64.
pub const CK_MALFORMED_SIGNATURE: ck_status = ck_status(212);
/// Wrong password, or the encrypted key was altered (the authenticated
/// cipher cannot tell which, by design).
pub const CK_DECRYPTION_FAILED: ck_status = ck_status(301);
/// The key file's scrypt cost is over the configured memory or work limit
/// (refused before anything is allocated).
pub const CK_KDF_LIMIT_EXCEEDED: ck_status = ck_status(302);
/// The signature does not verify.
pub const CK_SIGNATURE_INVALID: ck_status = ck_status(303);
/// A cryptographic primitive failed internally (should not happen).
pub const CK_CRYPTO: ck_status = ck_status(304);
/// The operating system's random number generator failed.
pub const CK_RNG: ck_status = ck_status(305);
/// Memory for the key derivation could not be allocated.
pub const CK_OUT_OF_MEMORY: ck_status = ck_status(306);
/// The file exists and overwriting was not requested.
pub const CK_ALREADY_EXISTS: ck_status = ck_status(401);
/// A file could not be read or written.
pub const CK_IO: ck_status = ck_status(402);
/// The key, key version, secret or record does not exist.
pub const CK_NOT_FOUND: ck_status = ck_status(403);
/// A concurrent writer won (check-and-set); nothing was changed. Re-read and
/// retry.
pub const CK_CONFLICT: ck_status = ck_status(404);
/// The backend refused the credentials or the operation; nothing was changed.
pub const CK_PERMISSION_DENIED: ck_status = ck_status(405);
/// The backend cannot be reached or cannot serve now (down, sealed, timeout,
/// throttled); retrying later may work.
pub const CK_UNAVAILABLE: ck_status = ck_status(406);
/// The backend answered with an error that has no finer code.
pub const CK_BACKEND: ck_status = ck_status(407);
/// The URI names a backend this build does not support.
pub const CK_NOT_SUPPORTED: ck_status = ck_status(408);
/// The lifecycle operation is not allowed from the key's current state.
pub const CK_INVALID_TRANSITION: ck_status = ck_status(501);
/// The keyring manifest is damaged or inconsistent.
pub const CK_KEYRING_INVALID: ck_status = ck_status(502);
/// The audit trail failed verification (edited, deleted, reordered or
/// truncated records).
pub const CK_AUDIT_TAMPERED: ck_status = ck_status(503);
/// Backup recovery failed (too few or inconsistent shares, not a backup).
pub const CK_RECOVERY_FAILED: ck_status = ck_status(504);
/// The key at a keyring key's recorded location is another key (its
/// fingerprint differs from the manifest's); nothing was erased or recorded.
pub const CK_KEY_MISMATCH: ck_status = ck_status(505);

/// The stable name of a status code without the `CK_` prefix, e.g.
/// `"DECRYPTION_FAILED"` for `CK_DECRYPTION_FAILED` (the names used in the
/// shared test vectors), or NULL for a number the library does not know.
///
/// The string is static: never free it. Thread-safe.
#[no_mangle]
pub extern "C" fn ck_status_name(status: ck_status) -> *const c_char {
    run_or(std::ptr::null(), || {
        static NAMES: OnceLock<Vec<(u32, CString)>> = OnceLock::new();
        let names = NAMES.get_or_init(|| {
            ErrorCode::ALL
                .iter()
                .map(|code| (*code as u32, nul_terminated(code.name())))
                .collect()
        });
        names
            .iter()
            .find(|(number, _)| *number == status.0)
            .map_or(std::ptr::null(), |(_, name)| name.as_ptr())
    })
}

/// A NUL-terminated copy of a static name (the core's names contain no NUL).
pub(crate) fn nul_terminated(name: &str) -> CString {
    CString::new(name).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::ffi::CStr;

    use super::*;

    /// Every constant of this module, by name, for the checks below.
    const CONSTANTS: &[(&str, ck_status)] = &[
        ("CK_OK", CK_OK),
        ("CK_INVALID_ARGUMENT", CK_INVALID_ARGUMENT),
        ("CK_NULL_PARAMETER", CK_NULL_PARAMETER),
        ("CK_PANIC", CK_PANIC),
        ("CK_INVALID_URI", CK_INVALID_URI),
        ("CK_INPUT_TOO_LARGE", CK_INPUT_TOO_LARGE),
        ("CK_MALFORMED_PEM", CK_MALFORMED_PEM),
        ("CK_UNKNOWN_PEM_LABEL", CK_UNKNOWN_PEM_LABEL),
        ("CK_WRONG_KEY_KIND", CK_WRONG_KEY_KIND),
        ("CK_MALFORMED_ENVELOPE", CK_MALFORMED_ENVELOPE),
        ("CK_UNKNOWN_KDF", CK_UNKNOWN_KDF),
        ("CK_UNKNOWN_CIPHER", CK_UNKNOWN_CIPHER),
        ("CK_INVALID_KDF_PARAMS", CK_INVALID_KDF_PARAMS),
        ("CK_MALFORMED_KEY", CK_MALFORMED_KEY),
        ("CK_UNSUPPORTED_ALGORITHM", CK_UNSUPPORTED_ALGORITHM),
        ("CK_UNSUPPORTED_OPERATION", CK_UNSUPPORTED_OPERATION),
        ("CK_INVALID_FINGERPRINT", CK_INVALID_FINGERPRINT),
        ("CK_MALFORMED_SIGNATURE", CK_MALFORMED_SIGNATURE),
        ("CK_DECRYPTION_FAILED", CK_DECRYPTION_FAILED),
        ("CK_KDF_LIMIT_EXCEEDED", CK_KDF_LIMIT_EXCEEDED),
        ("CK_SIGNATURE_INVALID", CK_SIGNATURE_INVALID),
        ("CK_CRYPTO", CK_CRYPTO),
        ("CK_RNG", CK_RNG),
        ("CK_OUT_OF_MEMORY", CK_OUT_OF_MEMORY),
        ("CK_ALREADY_EXISTS", CK_ALREADY_EXISTS),
        ("CK_IO", CK_IO),
        ("CK_NOT_FOUND", CK_NOT_FOUND),
        ("CK_CONFLICT", CK_CONFLICT),
        ("CK_PERMISSION_DENIED", CK_PERMISSION_DENIED),
        ("CK_UNAVAILABLE", CK_UNAVAILABLE),
        ("CK_BACKEND", CK_BACKEND),
        ("CK_NOT_SUPPORTED", CK_NOT_SUPPORTED),
        ("CK_INVALID_TRANSITION", CK_INVALID_TRANSITION),
        ("CK_KEYRING_INVALID", CK_KEYRING_INVALID),
        ("CK_AUDIT_TAMPERED", CK_AUDIT_TAMPERED),
        ("CK_RECOVERY_FAILED", CK_RECOVERY_FAILED),
        ("CK_KEY_MISMATCH", CK_KEY_MISMATCH),
    ];

    #[test]
    fn constants_mirror_the_core_table_exactly() {
        assert_eq!(CONSTANTS.len(), ErrorCode::ALL.len());
        for (code, (name, status)) in ErrorCode::ALL.iter().zip(CONSTANTS) {
            assert_eq!(*name, format!("CK_{}", code.name()));
            assert_eq!(status.0, *code as u32, "{name}");
        }
    }

    #[test]
    fn names_come_from_the_core() {
        for code in ErrorCode::ALL {
            let ptr = ck_status_name(ck_status::from(*code));
            assert!(!ptr.is_null());
            // SAFETY: a non-NULL result is a static NUL-terminated string.
            let name = unsafe { CStr::from_ptr(ptr) };
            assert_eq!(name.to_str().unwrap(), code.name());
            // Same pointer every time (static storage).
            assert_eq!(ck_status_name(ck_status::from(*code)), ptr);
        }
        assert!(ck_status_name(ck_status(999)).is_null());
        assert!(ck_status_name(ck_status(u32::MAX)).is_null());
    }
}
