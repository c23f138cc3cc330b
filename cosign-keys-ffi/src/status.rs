//! Status codes: the core's stable `ErrorCode` numbers, unchanged.
//!
//! The constants (`status/codes.rs`) are generated from the core's error
//! table by scripts/gen-errtable.sh: one per `cosign_keys::ErrorCode`, named
//! `CK_` + `ErrorCode::name()`, same number and description. A unit test
//! checks them against the table, and `ck_status_name` reads the table
//! directly.

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

// The CK_* constants: generated from the core's error table.
mod codes;
pub use codes::*;

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
        ("CK_HANDLE_CLOSED", CK_HANDLE_CLOSED),
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
