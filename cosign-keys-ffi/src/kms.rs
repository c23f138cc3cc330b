//! `ck_kms`: a key inside a KMS (Vault/OpenBao transit, AWS KMS), named with
//! cosign's URI syntax. No function exports private material.
//!
//! Every call blocks until the KMS answers; network clients have bounded
//! timeouts and retry only transient faults.

use std::ffi::c_char;

use ckcore::kms::blocking::KmsKey;
use ckcore::kms::KmsHandle;

use crate::algorithm::ck_algorithm;
use crate::batch::{ck_sign_batch, SignBatch};
use crate::buf::{ck_buf, write_buf};
use crate::error::ck_error;
use crate::guard::{bytes, run, run_or, utf8, FfiError, Out};
use crate::handle::{borrow, free, into_handle, Opaque};
use crate::json;
use crate::public::{ck_public_key, write_public};
use crate::status::ck_status;

/// A connection to one KMS key.
///
/// Made by `ck_kms_open`; the caller owns it and frees it with
/// `ck_kms_free`. Credentials (`VAULT_TOKEN`, the AWS credential chain) are
/// read from the environment when it is opened and never returned.
///
/// Thread safety: any number of threads may sign with the same `ck_kms` at
/// once; `ck_kms_free` must not race with any other use.
pub struct ck_kms {
    _private: [u8; 0],
}

impl Opaque for ck_kms {
    type Inner = KmsKey;
}

/// Checks a KMS URI without connecting (cosign's syntaxes:
/// `hashivault://KEY`, `awskms://[ENDPOINT]/KEY-ID|alias/NAME|ARN`,
/// `azurekms://VAULT.vault.azure.net/KEY[/VERSION]`,
/// `gcpkms://projects/…/cryptoKeys/KEY[/cryptoKeyVersions/N]`) and writes
/// its canonical form into `*canonical_out`. A URI that parses may still
/// name a backend this build lacks (`ck_kms_open` says so).
///
/// Errors: `CK_NULL_PARAMETER`; `CK_INVALID_URI` with a message saying what
/// is wrong; `CK_INVALID_ARGUMENT` if `uri` is not UTF-8. Thread-safe.
///
/// # Safety
/// `uri` is NULL or a NUL-terminated string; `canonical_out` and `err_out`
/// are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_kms_uri_check(
    uri: *const c_char,
    canonical_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        // SAFETY: caller's contract.
        let uri = unsafe { utf8(uri, "uri") }?;
        let out = Out::new(canonical_out, "canonical_out")?;
        let handle = KmsHandle::parse(uri)?;
        // SAFETY: caller's contract.
        unsafe { write_buf(out, handle.to_string().as_bytes()) }
    })
}

/// Connects to the KMS key a URI names (forms as in `ck_kms_uri_check`)
/// into `*kms_out`. The key need not exist yet (`ck_kms_create` makes it).
/// Settings come from the environment, as cosign reads them: `VAULT_ADDR`,
/// `VAULT_TOKEN`, `TRANSIT_SECRET_ENGINE_PATH` for `hashivault://`; the
/// standard AWS variables (`AWS_REGION`, `AWS_ACCESS_KEY_ID`, ...,
/// `AWS_CA_BUNDLE`) for `awskms://`; for `azurekms://` a bearer token in
/// `COSIGN_KEYS_AZURE_TOKEN` (else Azure's credential chain: `AZURE_TENANT_ID`,
/// `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET`, workload or managed identity,
/// Azure CLI) and extra trusted CAs in `COSIGN_KEYS_AZURE_CA_BUNDLE`. The
/// vault is a name (`myvault` = `https://myvault.vault.azure.net`) or a host
/// with an optional port (`localhost:8443` for an emulator).
///
/// Errors: `CK_NULL_PARAMETER`; `CK_INVALID_ARGUMENT` if `uri` is not
/// UTF-8; `CK_INVALID_URI`; `CK_NOT_SUPPORTED` for `gcpkms://` and
/// backends this build lacks (see `ck_features`);
/// `CK_PERMISSION_DENIED`, `CK_UNAVAILABLE`, `CK_BACKEND` from a client that
/// checks its credentials when opened. Thread-safe.
///
/// # Safety
/// `uri` is NULL or a NUL-terminated string; `kms_out` and `err_out` are
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_kms_open(
    uri: *const c_char,
    kms_out: *mut *mut ck_kms,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        // SAFETY: caller's contract.
        let uri = unsafe { utf8(uri, "uri") }?;
        let out = Out::new(kms_out, "kms_out")?;
        let kms = KmsKey::open(uri)?;
        // SAFETY: caller's contract.
        unsafe { out.write(into_handle::<ck_kms>(kms)) };
        Ok(())
    })
}

/// Closes a KMS connection (the key in the KMS is untouched). NULL is
/// allowed and ignored. Freeing twice is undefined behaviour.
///
/// # Safety
/// `kms` is NULL or a live `ck_kms` not used by any other thread.
#[no_mangle]
pub unsafe extern "C" fn ck_kms_free(kms: *mut ck_kms) {
    run_or((), || {
        // SAFETY: caller's contract.
        unsafe { free(kms) }
    });
}

/// Writes the key's URI, in canonical form, into `*uri_out`.
///
/// Errors: `CK_NULL_PARAMETER`. Thread-safe.
///
/// # Safety
/// `kms` is NULL or a live `ck_kms`; `uri_out` and `err_out` are NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn ck_kms_uri(
    kms: *const ck_kms,
    uri_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        // SAFETY: caller's contract.
        let kms = unsafe { borrow(kms, "kms") }?;
        let out = Out::new(uri_out, "uri_out")?;
        // SAFETY: caller's contract.
        unsafe { write_buf(out, kms.handle().to_string().as_bytes()) }
    })
}

/// Creates the key inside the KMS with `algorithm` (`CK_ALGORITHM_ECDSA_P256`
/// is cosign's default; RSA where the KMS offers it) and writes its public
/// key into `*public_out` (free it with `ck_public_key_free`).
///
/// Errors: `CK_NULL_PARAMETER`; `CK_INVALID_ARGUMENT` (unknown algorithm
/// number); `CK_ALREADY_EXISTS`; `CK_UNSUPPORTED_ALGORITHM` (the KMS lacks
/// it); `CK_PERMISSION_DENIED`, `CK_UNAVAILABLE`, `CK_BACKEND`,
/// `CK_NOT_SUPPORTED`. Thread-safe.
///
/// # Safety
/// `kms` is NULL or a live `ck_kms`; `public_out` and `err_out` are NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn ck_kms_create(
    kms: *const ck_kms,
    algorithm: ck_algorithm,
    public_out: *mut *mut ck_public_key,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        // SAFETY: caller's contract.
        let kms = unsafe { borrow(kms, "kms") }?;
        let algorithm = algorithm.to_core_arg()?;
        let out = Out::new(public_out, "public_out")?;
        let public = kms.create(algorithm)?;
        // SAFETY: caller's contract.
        unsafe { write_public(out, public) }
    })
}

/// Writes the public key of the key's current version into `*public_out`
/// (free it with `ck_public_key_free`; `ck_public_key_to_pem` gives the PEM
/// `cosign verify-blob --key` takes).
///
/// Errors: `CK_NULL_PARAMETER`; `CK_NOT_FOUND`; `CK_PERMISSION_DENIED`,
/// `CK_UNAVAILABLE`, `CK_BACKEND`. Thread-safe.
///
/// # Safety
/// `kms` is NULL or a live `ck_kms`; `public_out` and `err_out` are NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn ck_kms_public_key(
    kms: *const ck_kms,
    public_out: *mut *mut ck_public_key,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        // SAFETY: caller's contract.
        let kms = unsafe { borrow(kms, "kms") }?;
        let out = Out::new(public_out, "public_out")?;
        let public = kms.public_key()?;
        // SAFETY: caller's contract.
        unsafe { write_public(out, public) }
    })
}

/// Signs a digest made with the key's hash (SHA-256 for P-256 and RSA) in
/// the KMS and writes the signature (ASN.1 DER for ECDSA, PKCS#1 v1.5 for
/// RSA, exactly as cosign makes it) into `*signature_out`.
///
/// Errors: `CK_NULL_PARAMETER`; `CK_INVALID_ARGUMENT` (digest of the wrong
/// length); `CK_NOT_FOUND`; `CK_PERMISSION_DENIED`, `CK_UNAVAILABLE`,
/// `CK_BACKEND`. Thread-safe.
///
/// # Safety
/// `kms` is NULL or a live `ck_kms`; `digest` has `digest_len` readable
/// bytes (or is NULL with length 0); `signature_out` and `err_out` are NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_kms_sign_digest(
    kms: *const ck_kms,
    digest: *const u8,
    digest_len: usize,
    signature_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        // SAFETY: caller's contract.
        let kms = unsafe { borrow(kms, "kms") }?;
        // SAFETY: caller's contract.
        let digest = unsafe { bytes(digest, digest_len, "digest") }?;
        let out = Out::new(signature_out, "signature_out")?;
        let signature = kms.sign_digest(digest)?;
        // SAFETY: caller's contract.
        unsafe { write_buf(out, signature.as_bytes()) }
    })
}

/// Signs a blob: hashes it here with the key's hash and signs the digest in
/// the KMS, as cosign does, writing the signature into `*signature_out`.
///
/// Errors: as `ck_kms_sign_digest`, plus `CK_UNSUPPORTED_OPERATION` for a
/// key that signs messages rather than digests. Thread-safe.
///
/// # Safety
/// `kms` is NULL or a live `ck_kms`; `blob` has `blob_len` readable bytes
/// (or is NULL with length 0); `signature_out` and `err_out` are NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn ck_kms_sign_blob(
    kms: *const ck_kms,
    blob: *const u8,
    blob_len: usize,
    signature_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        // SAFETY: caller's contract.
        let kms = unsafe { borrow(kms, "kms") }?;
        // SAFETY: caller's contract.
        let blob = unsafe { bytes(blob, blob_len, "blob") }?;
        let out = Out::new(signature_out, "signature_out")?;
        let signature = kms.sign_blob(blob)?;
        // SAFETY: caller's contract.
        unsafe { write_buf(out, signature.as_bytes()) }
    })
}

/// Signs `count` digests in one call (`digests[i]` has `digest_lens[i]`
/// bytes): Vault transit's `batch_input`, bounded concurrency for AWS. The
/// results come in a new `ck_sign_batch` in `*batch_out`, one per digest
/// in input order; one item's failure does not lose the others (read each
/// with `ck_sign_batch_item`, free the batch with `ck_sign_batch_free`).
///
/// The call itself fails only for bad arguments: per-item problems (a
/// digest of the wrong length, a refused request) are per-item statuses.
/// `count` 0 gives an empty batch (`digests` and `digest_lens` may then be
/// NULL).
///
/// Errors: `CK_NULL_PARAMETER` (`kms`, `batch_out`, the arrays when
/// `count` > 0, or a `digests[i]` NULL with a non-zero length);
/// `CK_INVALID_ARGUMENT` (a length larger than `PTRDIFF_MAX`). Thread-safe.
///
/// # Safety
/// `kms` is NULL or a live `ck_kms`; `digests` and `digest_lens` are NULL or
/// arrays of `count` elements, each `digests[i]` NULL or pointing to
/// `digest_lens[i]` readable bytes; `batch_out` and `err_out` are NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn ck_kms_sign_digests(
    kms: *const ck_kms,
    digests: *const *const u8,
    digest_lens: *const usize,
    count: usize,
    batch_out: *mut *mut ck_sign_batch,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        // SAFETY: caller's contract.
        let kms = unsafe { borrow(kms, "kms") }?;
        let out = Out::new(batch_out, "batch_out")?;
        // SAFETY: caller's contract: arrays of `count` elements.
        let (ptrs, lens) = unsafe {
            (
                array(digests, count, "digests")?,
                array(digest_lens, count, "digest_lens")?,
            )
        };
        let inputs = ptrs
            .iter()
            .zip(lens)
            // SAFETY: caller's contract for each element.
            .map(|(&p, &n)| unsafe { bytes(p, n, "digests[i]") }.map(<[u8]>::to_vec))
            .collect::<Result<Vec<_>, _>>()?;
        let results = kms.sign_digests(&inputs);
        if results.len() != inputs.len() {
            // The core promises one result per input; never hand C a batch
            // whose indices do not line up with its input.
            return Err(ckcore::Error::Backend {
                backend: "kms",
                status: None,
                message: format!("{} results for {} digests", results.len(), inputs.len()),
            }
            .into());
        }
        // SAFETY: caller's contract.
        unsafe { out.write(into_handle::<ck_sign_batch>(SignBatch::new(results))) };
        Ok(())
    })
}

/// Views a `(ptr, count)` array argument; NULL only when `count` is 0.
///
/// # Safety
/// If `ptr` is not NULL it points to `count` readable elements valid for `'a`.
unsafe fn array<'a, T>(
    ptr: *const T,
    count: usize,
    name: &'static str,
) -> Result<&'a [T], FfiError> {
    if ptr.is_null() {
        return if count == 0 {
            Ok(&[])
        } else {
            Err(FfiError::null(name))
        };
    }
    if count
        .checked_mul(size_of::<T>())
        .is_none_or(|n| isize::try_from(n).is_err())
    {
        return Err(FfiError::invalid(name, "count is too large"));
    }
    // SAFETY: not NULL, size fits in isize, and the caller guarantees
    // `count` readable, initialized elements.
    Ok(unsafe { std::slice::from_raw_parts(ptr, count) })
}

/// Lists every version of the key, oldest first, as a JSON array in
/// `*json_out`:
///
/// ```json
/// [{"version": "1", "public_key": "-----BEGIN PUBLIC KEY-----\n…",
///   "fingerprint": "SHA256:…", "algorithm": "ecdsa-p256", "created_at": "2026-01-01T00:00:00Z"}]
/// ```
///
/// `version` is the KMS's identifier as a string (`"1"`, `"2"`, … for
/// transit; the key id for AWS, whose rotation keeps the public key);
/// `public_key` that version's PEM; `created_at` an RFC 3339 UTC time or
/// `null` when the KMS does not say.
///
/// Errors: `CK_NULL_PARAMETER`; `CK_NOT_FOUND`; `CK_PERMISSION_DENIED`,
/// `CK_UNAVAILABLE`, `CK_BACKEND`. Thread-safe.
///
/// # Safety
/// `kms` is NULL or a live `ck_kms`; `json_out` and `err_out` are NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn ck_kms_versions(
    kms: *const ck_kms,
    json_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        // SAFETY: caller's contract.
        let kms = unsafe { borrow(kms, "kms") }?;
        let out = Out::new(json_out, "json_out")?;
        let list = json::kms_versions(&kms.versions()?);
        // SAFETY: caller's contract.
        unsafe { write_buf(out, list.to_string().as_bytes()) }
    })
}

/// Rotates the key to a new version with the KMS's native rotation and
/// writes the new version's identifier (text, as in `ck_kms_versions`)
/// into `*version_out`. Later signatures use the new version.
///
/// Errors: `CK_NULL_PARAMETER`; `CK_NOT_FOUND`; `CK_NOT_SUPPORTED` where the
/// KMS has no on-demand rotation; `CK_PERMISSION_DENIED`, `CK_UNAVAILABLE`,
/// `CK_BACKEND`. Thread-safe.
///
/// # Safety
/// `kms` is NULL or a live `ck_kms`; `version_out` and `err_out` are NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn ck_kms_rotate(
    kms: *const ck_kms,
    version_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        // SAFETY: caller's contract.
        let kms = unsafe { borrow(kms, "kms") }?;
        let out = Out::new(version_out, "version_out")?;
        let version = kms.rotate()?;
        // SAFETY: caller's contract.
        unsafe { write_buf(out, version.as_bytes()) }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::{CK_INVALID_URI, CK_NOT_SUPPORTED, CK_NULL_PARAMETER, CK_OK};

    fn check(uri: &std::ffi::CStr) -> ck_status {
        let mut out: *mut ck_buf = std::ptr::null_mut();
        // SAFETY: valid string and out location; the buffer is freed once.
        unsafe {
            let status = ck_kms_uri_check(uri.as_ptr(), &mut out, std::ptr::null_mut());
            crate::buf::ck_buf_free(out);
            status
        }
    }

    #[test]
    fn uris_are_checked_and_unsupported_backends_say_so() {
        assert_eq!(check(c"hashivault://release"), CK_OK);
        assert_eq!(check(c"awskms:///alias/release"), CK_OK);
        assert_eq!(check(c"hashivault://bad key"), CK_INVALID_URI);
        assert_eq!(check(c"vault-kv://secret/x"), CK_INVALID_URI);
        let mut kms: *mut ck_kms = std::ptr::null_mut();
        // SAFETY: valid strings and out locations.
        unsafe {
            let gcp = c"gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k";
            assert_eq!(
                ck_kms_open(gcp.as_ptr(), &mut kms, std::ptr::null_mut()),
                CK_NOT_SUPPORTED
            );
            assert!(kms.is_null());
            let mut batch: *mut ck_sign_batch = std::ptr::null_mut();
            assert_eq!(
                ck_kms_sign_digests(
                    std::ptr::null(),
                    std::ptr::null(),
                    std::ptr::null(),
                    0,
                    &mut batch,
                    std::ptr::null_mut()
                ),
                CK_NULL_PARAMETER
            );
            ck_kms_free(std::ptr::null_mut());
        }
    }

    #[test]
    fn arrays_accept_null_only_when_empty() {
        // SAFETY: NULL pointers are never read with these counts.
        unsafe {
            assert!(array::<u8>(std::ptr::null(), 0, "a").unwrap().is_empty());
            assert_eq!(
                array::<u8>(std::ptr::null(), 1, "a").unwrap_err().status,
                CK_NULL_PARAMETER
            );
            let big = std::ptr::NonNull::<u64>::dangling().as_ptr();
            assert_eq!(
                array::<u64>(big, usize::MAX / 4, "a").unwrap_err().status,
                crate::status::CK_INVALID_ARGUMENT
            );
        }
    }
}
