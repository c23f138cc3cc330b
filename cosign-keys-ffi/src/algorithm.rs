//! Key algorithms and the hashes cosign signs with.

use std::ffi::{c_char, CString};
use std::sync::OnceLock;

use ckcore::{Algorithm, HashAlg};

use crate::buf::{ck_buf, write_buf};
use crate::error::ck_error;
use crate::guard::{bytes, run, run_or, utf8, FfiError, Out};
use crate::status::{ck_status, nul_terminated};

/// A key algorithm: one of the `CK_ALGORITHM_*` constants. The numbers are
/// stable; 0 is never a valid algorithm (getters return it for NULL
/// handles). Functions given an unknown number fail with
/// `CK_INVALID_ARGUMENT`.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ck_algorithm(pub u32);

/// No algorithm (returned by getters given NULL).
pub const CK_ALGORITHM_NONE: ck_algorithm = ck_algorithm(0);
/// `ecdsa-p256`: ECDSA on NIST P-256 with SHA-256 (cosign's default).
pub const CK_ALGORITHM_ECDSA_P256: ck_algorithm = ck_algorithm(1);
/// `ecdsa-p384`: ECDSA on NIST P-384 with SHA-384 (cosign imports these).
pub const CK_ALGORITHM_ECDSA_P384: ck_algorithm = ck_algorithm(2);
/// `ecdsa-p521`: ECDSA on NIST P-521 with SHA-512 (cosign imports these).
pub const CK_ALGORITHM_ECDSA_P521: ck_algorithm = ck_algorithm(3);
/// `ed25519`: pure Ed25519 (signs the message itself, no digest).
pub const CK_ALGORITHM_ED25519: ck_algorithm = ck_algorithm(4);
/// `rsa-2048`: RSA 2048, PKCS#1 v1.5 signatures with SHA-256.
pub const CK_ALGORITHM_RSA_2048: ck_algorithm = ck_algorithm(5);
/// `rsa-3072`: RSA 3072, PKCS#1 v1.5 signatures with SHA-256.
pub const CK_ALGORITHM_RSA_3072: ck_algorithm = ck_algorithm(6);
/// `rsa-4096`: RSA 4096, PKCS#1 v1.5 signatures with SHA-256.
pub const CK_ALGORITHM_RSA_4096: ck_algorithm = ck_algorithm(7);

/// A hash function: one of the `CK_HASH_*` constants (0 means none).
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ck_hash(pub u32);

/// No hash (Ed25519 signs the message itself).
pub const CK_HASH_NONE: ck_hash = ck_hash(0);
/// SHA-256 (ECDSA P-256 and RSA), 32 bytes.
pub const CK_HASH_SHA256: ck_hash = ck_hash(1);
/// SHA-384 (ECDSA P-384), 48 bytes.
pub const CK_HASH_SHA384: ck_hash = ck_hash(2);
/// SHA-512 (ECDSA P-521), 64 bytes.
pub const CK_HASH_SHA512: ck_hash = ck_hash(3);

impl ck_algorithm {
    /// The core algorithm for a C number.
    pub(crate) fn to_core(self) -> Option<Algorithm> {
        Some(match self {
            CK_ALGORITHM_ECDSA_P256 => Algorithm::EcdsaP256,
            CK_ALGORITHM_ECDSA_P384 => Algorithm::EcdsaP384,
            CK_ALGORITHM_ECDSA_P521 => Algorithm::EcdsaP521,
            CK_ALGORITHM_ED25519 => Algorithm::Ed25519,
            CK_ALGORITHM_RSA_2048 => Algorithm::Rsa2048,
            CK_ALGORITHM_RSA_3072 => Algorithm::Rsa3072,
            CK_ALGORITHM_RSA_4096 => Algorithm::Rsa4096,
            _ => return None,
        })
    }

    /// The C number of a core algorithm (`CK_ALGORITHM_NONE` for one this
    /// table lacks; a unit test keeps that from happening).
    pub(crate) fn from_core(alg: Algorithm) -> Self {
        match alg {
            Algorithm::EcdsaP256 => CK_ALGORITHM_ECDSA_P256,
            Algorithm::EcdsaP384 => CK_ALGORITHM_ECDSA_P384,
            Algorithm::EcdsaP521 => CK_ALGORITHM_ECDSA_P521,
            Algorithm::Ed25519 => CK_ALGORITHM_ED25519,
            Algorithm::Rsa2048 => CK_ALGORITHM_RSA_2048,
            Algorithm::Rsa3072 => CK_ALGORITHM_RSA_3072,
            Algorithm::Rsa4096 => CK_ALGORITHM_RSA_4096,
            _ => CK_ALGORITHM_NONE,
        }
    }

    pub(crate) fn to_core_arg(self) -> Result<Algorithm, FfiError> {
        self.to_core().ok_or_else(|| {
            FfiError::invalid(
                "algorithm",
                format!("{} is not a CK_ALGORITHM_* value", self.0),
            )
        })
    }
}

impl ck_hash {
    fn to_core(self) -> Option<HashAlg> {
        Some(match self {
            CK_HASH_SHA256 => HashAlg::Sha256,
            CK_HASH_SHA384 => HashAlg::Sha384,
            CK_HASH_SHA512 => HashAlg::Sha512,
            _ => return None,
        })
    }

    fn from_core(hash: Option<HashAlg>) -> Self {
        match hash {
            Some(HashAlg::Sha256) => CK_HASH_SHA256,
            Some(HashAlg::Sha384) => CK_HASH_SHA384,
            Some(HashAlg::Sha512) => CK_HASH_SHA512,
            _ => CK_HASH_NONE,
        }
    }
}

/// The stable name of an algorithm (`"ecdsa-p256"`, `"ed25519"`,
/// `"rsa-2048"`, ...), the same in the CLI, Go and Python; NULL for an
/// unknown number. The string is static: never free it. Thread-safe.
#[no_mangle]
pub extern "C" fn ck_algorithm_name(algorithm: ck_algorithm) -> *const c_char {
    run_or(std::ptr::null(), || {
        static NAMES: OnceLock<Vec<(Algorithm, CString)>> = OnceLock::new();
        let names = NAMES.get_or_init(|| {
            Algorithm::ALL
                .iter()
                .map(|a| (*a, nul_terminated(a.as_str())))
                .collect()
        });
        let Some(alg) = algorithm.to_core() else {
            return std::ptr::null();
        };
        names
            .iter()
            .find(|(a, _)| *a == alg)
            .map_or(std::ptr::null(), |(_, name)| name.as_ptr())
    })
}

/// Parses an algorithm name (exactly as `ck_algorithm_name` spells it) into
/// `*algorithm_out`.
///
/// Errors: `CK_NULL_PARAMETER`; `CK_INVALID_ARGUMENT` for an unknown name or
/// one that is not UTF-8. Thread-safe.
///
/// # Safety
/// `name` is NULL or a NUL-terminated string; `algorithm_out` is NULL or
/// writable; `err_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_algorithm_parse(
    name: *const c_char,
    algorithm_out: *mut ck_algorithm,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let name = contract!(utf8(name, "name"))?;
        let out = Out::new(algorithm_out, "algorithm_out")?;
        let alg: Algorithm = name.parse()?;
        contract!(out.write(ck_algorithm::from_core(alg)));
        Ok(())
    })
}

/// The hash cosign applies to a blob before signing with `algorithm`, i.e.
/// the digest `ck_private_key_sign_digest` expects: `CK_HASH_SHA256` for
/// P-256 and RSA, `CK_HASH_SHA384` for P-384, `CK_HASH_SHA512` for P-521,
/// and `CK_HASH_NONE` for Ed25519 (which signs the blob itself) or an
/// unknown number. Thread-safe.
#[no_mangle]
pub extern "C" fn ck_algorithm_hash(algorithm: ck_algorithm) -> ck_hash {
    run_or(CK_HASH_NONE, || {
        ck_hash::from_core(algorithm.to_core().and_then(Algorithm::hash))
    })
}

/// The name of a hash (`"sha256"`, `"sha384"`, `"sha512"`, as cosign's
/// `--signature-digest-algorithm` spells it), or NULL for `CK_HASH_NONE` and
/// unknown numbers. Static: never free it. Thread-safe.
#[no_mangle]
pub extern "C" fn ck_hash_name(hash: ck_hash) -> *const c_char {
    run_or(std::ptr::null(), || match hash {
        CK_HASH_SHA256 => c"sha256".as_ptr(),
        CK_HASH_SHA384 => c"sha384".as_ptr(),
        CK_HASH_SHA512 => c"sha512".as_ptr(),
        _ => std::ptr::null(),
    })
}

/// The digest length of a hash in bytes (32, 48 or 64), or 0 for
/// `CK_HASH_NONE` and unknown numbers. Thread-safe.
#[no_mangle]
pub extern "C" fn ck_hash_len(hash: ck_hash) -> usize {
    run_or(0, || hash.to_core().map_or(0, HashAlg::output_len))
}

/// Hashes `data` with `hash` into a new buffer `*digest_out` (free it with
/// `ck_buf_free`).
///
/// Errors: `CK_NULL_PARAMETER`; `CK_INVALID_ARGUMENT` for `CK_HASH_NONE` or
/// an unknown number. Thread-safe.
///
/// # Safety
/// `data` is NULL (only with `data_len` 0) or points to `data_len` readable
/// bytes; `digest_out` and `err_out` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_hash_digest(
    hash: ck_hash,
    data: *const u8,
    data_len: usize,
    digest_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let data = contract!(bytes(data, data_len, "data"))?;
        let out = Out::new(digest_out, "digest_out")?;
        let hash = hash.to_core().ok_or_else(|| {
            FfiError::invalid("hash", format!("{} is not a CK_HASH_* value", hash.0))
        })?;
        contract!(write_buf(out, &hash.digest(data)))
    })
}

#[cfg(test)]
mod tests {
    use std::ffi::CStr;

    use super::*;

    #[test]
    fn every_core_algorithm_has_a_number_and_name() {
        for alg in Algorithm::ALL {
            let n = ck_algorithm::from_core(*alg);
            assert_ne!(n, CK_ALGORITHM_NONE, "{alg} has no CK_ALGORITHM_* value");
            assert_eq!(n.to_core(), Some(*alg));
            // SAFETY: non-NULL results are static C strings.
            let name = unsafe { CStr::from_ptr(ck_algorithm_name(n)) };
            assert_eq!(name.to_str().unwrap(), alg.as_str());
            let mut parsed = CK_ALGORITHM_NONE;
            // SAFETY: valid string and out pointer.
            let rc =
                unsafe { ck_algorithm_parse(name.as_ptr(), &mut parsed, std::ptr::null_mut()) };
            assert_eq!(rc, crate::status::CK_OK);
            assert_eq!(parsed, n);
            let hash = ck_algorithm_hash(n);
            assert_eq!(ck_hash_len(hash), alg.hash().map_or(0, HashAlg::output_len));
        }
        assert!(ck_algorithm_name(ck_algorithm(0)).is_null());
        assert!(ck_algorithm_name(ck_algorithm(8)).is_null());
    }
}
