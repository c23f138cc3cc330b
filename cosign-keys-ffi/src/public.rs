//! `ck_public_key`: a public key, its encodings, fingerprint and
//! signature verification.

use ckcore::{PublicKey, Signature};

use crate::algorithm::{ck_algorithm, CK_ALGORITHM_NONE};
use crate::buf::{ck_buf, write_buf};
use crate::error::ck_error;
use crate::fingerprint::ck_fingerprint;
use crate::guard::{bytes, run, run_or, FfiError, Out};
use crate::handle::{borrow, free, into_handle, Opaque};
use crate::status::ck_status;

/// A public key of a supported algorithm, held in canonical form (the DER
/// SubjectPublicKeyInfo Go's `x509.MarshalPKIXPublicKey` writes).
///
/// Made by `ck_public_key_from_pem`, `ck_public_key_from_der` and
/// `ck_private_key_public_key`; the caller owns it and frees it with
/// `ck_public_key_free`.
///
/// Thread safety: immutable; any number of threads may verify with the same
/// key at once. `ck_public_key_free` must not race with any other use.
pub struct ck_public_key {
    _private: [u8; 0],
}

impl Opaque for ck_public_key {
    type Inner = PublicKey;
}

/// Writes a new public key handle to an output parameter.
///
/// # Safety
/// As [`Out::write`].
pub(crate) unsafe fn write_public(
    out: Out<*mut ck_public_key>,
    key: PublicKey,
) -> Result<(), FfiError> {
    contract!(out.write(into_handle::<ck_public_key>(key)));
    Ok(())
}

/// Parses a `PUBLIC KEY` PEM (e.g. `cosign.pub`) into `*key_out`.
///
/// Errors: `CK_NULL_PARAMETER`; `CK_MALFORMED_PEM`; `CK_UNKNOWN_PEM_LABEL`;
/// `CK_WRONG_KEY_KIND` (a private key was given); `CK_MALFORMED_KEY`;
/// `CK_UNSUPPORTED_ALGORITHM`. Thread-safe.
///
/// # Safety
/// `pem` has `pem_len` readable bytes (or is NULL with length 0); `key_out`
/// and `err_out` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_public_key_from_pem(
    pem: *const u8,
    pem_len: usize,
    key_out: *mut *mut ck_public_key,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let pem = contract!(bytes(pem, pem_len, "pem"))?;
        let out = Out::new(key_out, "key_out")?;
        let key = PublicKey::from_pem(pem)?;
        contract!(write_public(out, key))
    })
}

/// Parses a DER SubjectPublicKeyInfo into `*key_out`.
///
/// Errors: `CK_NULL_PARAMETER`; `CK_MALFORMED_KEY`;
/// `CK_UNSUPPORTED_ALGORITHM`. Thread-safe.
///
/// # Safety
/// `der` has `der_len` readable bytes (or is NULL with length 0); `key_out`
/// and `err_out` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_public_key_from_der(
    der: *const u8,
    der_len: usize,
    key_out: *mut *mut ck_public_key,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let der = contract!(bytes(der, der_len, "der"))?;
        let out = Out::new(key_out, "key_out")?;
        let key = PublicKey::from_spki_der(der)?;
        contract!(write_public(out, key))
    })
}

/// Frees a public key. NULL is allowed and ignored. Freeing twice is
/// undefined behaviour.
///
/// # Safety
/// `key` is NULL or a live `ck_public_key` not used by any other thread.
#[no_mangle]
pub unsafe extern "C" fn ck_public_key_free(key: *mut ck_public_key) {
    run_or((), || contract!(free(key)));
}

/// The key's algorithm, or `CK_ALGORITHM_NONE` (0) if `key` is NULL.
///
/// # Safety
/// `key` is NULL or a live `ck_public_key`.
#[no_mangle]
pub unsafe extern "C" fn ck_public_key_algorithm(key: *const ck_public_key) -> ck_algorithm {
    run_or(CK_ALGORITHM_NONE, || {
        contract!(borrow(key, "key")).map_or(CK_ALGORITHM_NONE, |k| {
            ck_algorithm::from_core(k.algorithm())
        })
    })
}

/// Whether two public keys are the same key (same canonical DER). False if
/// either is NULL.
///
/// # Safety
/// `a` and `b` are NULL or live `ck_public_key`s.
#[no_mangle]
pub unsafe extern "C" fn ck_public_key_equal(
    a: *const ck_public_key,
    b: *const ck_public_key,
) -> bool {
    run_or(false, || {
        let (a, b) = contract!((borrow(a, "a"), borrow(b, "b")));
        matches!((a, b), (Ok(a), Ok(b)) if a == b)
    })
}

/// Writes the `PUBLIC KEY` PEM, byte for byte what `cosign public-key`
/// prints, into a new buffer `*pem_out`.
///
/// Errors: `CK_NULL_PARAMETER`. Thread-safe.
///
/// # Safety
/// `key` is NULL or a live `ck_public_key`; `pem_out` and `err_out` are NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_public_key_to_pem(
    key: *const ck_public_key,
    pem_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let key = contract!(borrow(key, "key"))?;
        let out = Out::new(pem_out, "pem_out")?;
        contract!(write_buf(out, key.to_pem().as_bytes()))
    })
}

/// Writes the DER SubjectPublicKeyInfo into a new buffer `*der_out`.
///
/// Errors: `CK_NULL_PARAMETER`. Thread-safe.
///
/// # Safety
/// As `ck_public_key_to_pem`.
#[no_mangle]
pub unsafe extern "C" fn ck_public_key_to_der(
    key: *const ck_public_key,
    der_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let key = contract!(borrow(key, "key"))?;
        let out = Out::new(der_out, "der_out")?;
        contract!(write_buf(out, key.as_spki_der()))
    })
}

/// Writes the key's fingerprint (SHA-256 of its DER SubjectPublicKeyInfo)
/// into `*fingerprint_out`; see `ck_fingerprint_to_string` for the text
/// forms. Cheap: no allocation.
///
/// Errors: `CK_NULL_PARAMETER`. Thread-safe.
///
/// # Safety
/// `key` is NULL or a live `ck_public_key`; `fingerprint_out` and `err_out`
/// are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_public_key_fingerprint(
    key: *const ck_public_key,
    fingerprint_out: *mut ck_fingerprint,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let key = contract!(borrow(key, "key"))?;
        let out = Out::new(fingerprint_out, "fingerprint_out")?;
        contract!(out.write(key.fingerprint().into()));
        Ok(())
    })
}

/// Verifies a raw signature over a blob, as `cosign verify-blob --key`
/// does. Returns `CK_OK` if it verifies.
///
/// Errors: `CK_NULL_PARAMETER`; `CK_SIGNATURE_INVALID` if it does not
/// verify (including an empty or garbled signature). Thread-safe.
///
/// # Safety
/// `key` is NULL or a live `ck_public_key`; `message` and `signature` have
/// their lengths' readable bytes (or are NULL with length 0); `err_out` is
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_public_key_verify(
    key: *const ck_public_key,
    message: *const u8,
    message_len: usize,
    signature: *const u8,
    signature_len: usize,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let key = contract!(borrow(key, "key"))?;
        let message = contract!(bytes(message, message_len, "message"))?;
        let signature = contract!(bytes(signature, signature_len, "signature"))?;
        key.verify(message, &Signature::from_bytes(signature.to_vec()))?;
        Ok(())
    })
}

/// Verifies a raw signature over a pre-computed digest of the blob, made
/// with the algorithm's hash (`ck_algorithm_hash`).
///
/// Errors: `CK_NULL_PARAMETER`; `CK_SIGNATURE_INVALID`;
/// `CK_INVALID_ARGUMENT` for a digest of the wrong length;
/// `CK_UNSUPPORTED_OPERATION` for Ed25519. Thread-safe.
///
/// # Safety
/// As `ck_public_key_verify`.
#[no_mangle]
pub unsafe extern "C" fn ck_public_key_verify_digest(
    key: *const ck_public_key,
    digest: *const u8,
    digest_len: usize,
    signature: *const u8,
    signature_len: usize,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let key = contract!(borrow(key, "key"))?;
        let digest = contract!(bytes(digest, digest_len, "digest"))?;
        let signature = contract!(bytes(signature, signature_len, "signature"))?;
        key.verify_digest(digest, &Signature::from_bytes(signature.to_vec()))?;
        Ok(())
    })
}
