//! `ck_store`: a key store (directory, environment variable, Vault KV v2)
//! named by a key location URI.
//!
//! Every call blocks until the store answers. Network stores have bounded
//! timeouts, so a call never hangs. The library keeps no pointer to caller
//! memory; passwords given to `ck_store_put` are copied into memory that is
//! wiped after the call.

use std::ffi::c_char;

use ckcore::store::blocking::Store;
use ckcore::store::{DeleteMode, KeyMetadata, KeyPairRecord, KeyRef, PutOptions};
use ckcore::Password;

use crate::buf::{ck_buf, write_buf};
use crate::encrypted::ck_encrypted_key;
use crate::error::ck_error;
use crate::guard::{optional_bytes, run, run_or, utf8, FfiError, Out};
use crate::handle::{borrow, free, into_handle, Opaque};
use crate::json;
use crate::status::ck_status;
use crate::stored::{ck_stored_key, ck_stored_public_key};

/// An open key store.
///
/// Made by `ck_store_open`; the caller owns it and frees it with
/// `ck_store_free`. Credentials of network stores (`VAULT_TOKEN`, AppRole
/// ids) are read from the environment when it is opened and are never
/// returned by any function.
///
/// Thread safety: any number of threads may use the same store at once;
/// `ck_store_free` must not race with any other use. Concurrent writers are
/// arbitrated by the store (check-and-set in Vault KV), not by the library.
pub struct ck_store {
    _private: [u8; 0],
}

impl Opaque for ck_store {
    type Inner = Store;
}

/// How `ck_store_delete` removes a version: one of the `CK_DELETE_*`
/// constants. Functions given an unknown number fail with
/// `CK_INVALID_ARGUMENT`.
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ck_delete_mode(pub u32);

/// Recoverable where the store supports it (Vault KV delete, undone with
/// `vault kv undelete`); a plain removal elsewhere.
pub const CK_DELETE_SOFT: ck_delete_mode = ck_delete_mode(1);
/// Irrecoverable: Vault KV destroy; for files, overwritten then unlinked
/// (best effort: journaling and copy-on-write file systems and SSDs may keep
/// old blocks).
pub const CK_DELETE_DESTROY: ck_delete_mode = ck_delete_mode(2);

impl ck_delete_mode {
    fn to_core(self) -> Result<DeleteMode, FfiError> {
        match self {
            CK_DELETE_SOFT => Ok(DeleteMode::Soft),
            CK_DELETE_DESTROY => Ok(DeleteMode::Destroy),
            other => Err(FfiError::invalid(
                "mode",
                format!("{} is not a CK_DELETE_* value", other.0),
            )),
        }
    }
}

/// `Some(version)` for a version number, `None` (the latest) for 0.
fn version_or_latest(version: u64) -> Option<u64> {
    (version != 0).then_some(version)
}

/// Checks a key location URI without opening anything (no file system or
/// network access) and writes its canonical form into `*canonical_out`
/// (e.g. `"file://localhost/etc/keys/"` gives `"file:///etc/keys"`, a
/// relative `"keys/prod"` stays `"keys/prod"`, a trailing `/` of a
/// `vault-kv://` path is dropped).
///
/// Accepted forms: a directory path, `file:///ABS/DIR[?prefix=NAME]` (host
/// empty or `localhost`; any other host is `CK_INVALID_URI`),
/// `env://VAR`, `vault-kv://MOUNT/PATH`, `azure-secret://VAULT/NAME`.
///
/// Errors: `CK_NULL_PARAMETER`; `CK_INVALID_URI` with a message saying what
/// is wrong (also for KMS URIs such as `awskms://`, which name keys that
/// cannot be stored); `CK_INVALID_ARGUMENT` if `uri` is not UTF-8.
/// Thread-safe.
///
/// # Safety
/// `uri` is NULL or a NUL-terminated string; `canonical_out` and `err_out`
/// are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_store_uri_check(
    uri: *const c_char,
    canonical_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        // SAFETY: caller's contract.
        let uri = unsafe { utf8(uri, "uri") }?;
        let out = Out::new(canonical_out, "canonical_out")?;
        let key_ref = KeyRef::parse(uri)?;
        // SAFETY: caller's contract.
        unsafe { write_buf(out, key_ref.to_string().as_bytes()) }
    })
}

/// Opens the key store a URI names (forms as in `ck_store_uri_check`) into
/// `*store_out`. Opening a directory store does not create the directory
/// (the first `ck_store_put` does). `env://VAR` is read-only: VAR holds an
/// encrypted key (its public key then comes from `VAR_PUB`) or a public
/// key. Network stores read their settings from
/// the environment: `VAULT_ADDR`, `VAULT_TOKEN` or `VAULT_ROLE_ID` +
/// `VAULT_SECRET_ID`, `VAULT_NAMESPACE`, `VAULT_CACERT` for `vault-kv://`;
/// `COSIGN_KEYS_AZURE_TOKEN` (else Azure's credential chain) and
/// `COSIGN_KEYS_AZURE_CA_BUNDLE` for `azure-secret://` (Key Vault secrets:
/// a put is a new secret version, delete is Azure's soft delete, and there is
/// no check-and-set, so a keyring manifest is refused there).
///
/// Errors: `CK_NULL_PARAMETER`; `CK_INVALID_ARGUMENT` if `uri` is not
/// UTF-8; `CK_INVALID_URI`; `CK_NOT_SUPPORTED` for backends this build
/// lacks (see `ck_features`); `CK_PERMISSION_DENIED`,
/// `CK_UNAVAILABLE`, `CK_BACKEND` from a network store that checks its
/// credentials when opened. Thread-safe.
///
/// # Safety
/// `uri` is NULL or a NUL-terminated string; `store_out` and `err_out` are
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_store_open(
    uri: *const c_char,
    store_out: *mut *mut ck_store,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        // SAFETY: caller's contract.
        let uri = unsafe { utf8(uri, "uri") }?;
        let out = Out::new(store_out, "store_out")?;
        let store = Store::open(uri)?;
        // SAFETY: caller's contract.
        unsafe { out.write(into_handle::<ck_store>(store)) };
        Ok(())
    })
}

/// Closes a store. NULL is allowed and ignored. Freeing twice is undefined
/// behaviour.
///
/// # Safety
/// `store` is NULL or a live `ck_store` not used by any other thread.
#[no_mangle]
pub unsafe extern "C" fn ck_store_free(store: *mut ck_store) {
    run_or((), || {
        // SAFETY: caller's contract.
        unsafe { free(store) }
    });
}

/// Writes the store's location, in canonical form, into `*uri_out`.
///
/// Errors: `CK_NULL_PARAMETER`. Thread-safe.
///
/// # Safety
/// `store` is NULL or a live `ck_store`; `uri_out` and `err_out` are NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_store_uri(
    store: *const ck_store,
    uri_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        // SAFETY: caller's contract.
        let store = unsafe { borrow(store, "store") }?;
        let out = Out::new(uri_out, "uri_out")?;
        // SAFETY: caller's contract.
        unsafe { write_buf(out, store.key_ref().to_string().as_bytes()) }
    })
}

/// Stores a key pair as a new version and writes its number (1-based) into
/// `*version_out`.
///
/// - `key` is the encrypted private key (a Cosign key file); `public_key`
///   its public key. The metadata stored beside them (fingerprint,
///   algorithm) is computed from `public_key`; `created_by` (UTF-8) names
///   who made it, the time is now.
/// - `pw` / `pw_len`: the password to keep beside the key, for stores that
///   hold one (Vault KV's `password` field). NULL (with `pw_len` 0) keeps
///   it out of the store; a non-NULL `pw` with length 0 stores the empty
///   password. It is copied into memory wiped after the call. The directory
///   store refuses a password (`CK_INVALID_ARGUMENT`): in a file beside the
///   key it would protect nothing.
/// - `labels_json`: NULL, or a JSON object of string values
///   (`{"team":"release"}`) stored with the metadata.
/// - `overwrite`: false refuses to write over an existing key
///   (`CK_ALREADY_EXISTS`); true adds a new version (stores that keep
///   versions keep the old ones).
/// - `check_version` / `expected_version`: check-and-set. When
///   `check_version` is true the write happens only if the current version
///   is `expected_version` (0: only if nothing is stored yet), otherwise
///   `CK_CONFLICT` and nothing changes. When false, `expected_version` is
///   ignored.
///
/// Errors: `CK_NULL_PARAMETER`; `CK_INVALID_ARGUMENT` (`created_by` not
/// UTF-8, bad `labels_json`, `pw` NULL with a non-zero length, a password
/// the store does not keep, a write to the read-only `env://` store);
/// `CK_ALREADY_EXISTS`; `CK_CONFLICT`; `CK_IO`, `CK_PERMISSION_DENIED`
/// (also a read-only directory), `CK_UNAVAILABLE`, `CK_BACKEND`.
/// Thread-safe.
///
/// # Safety
/// `store`, `key` and `public_key` are NULL or live handles; `pw` is NULL or
/// has `pw_len` readable bytes; `created_by` is NULL or NUL-terminated;
/// `labels_json` is NULL or NUL-terminated; `version_out` and `err_out` are
/// NULL or writable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn ck_store_put(
    store: *const ck_store,
    key: *const ck_encrypted_key,
    public_key: *const crate::public::ck_public_key,
    pw: *const u8,
    pw_len: usize,
    created_by: *const c_char,
    labels_json: *const c_char,
    overwrite: bool,
    check_version: bool,
    expected_version: u64,
    version_out: *mut u64,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        // SAFETY: caller's contract (for each handle and pointer below).
        let store = unsafe { borrow(store, "store") }?;
        // SAFETY: as above.
        let key = unsafe { borrow(key, "key") }?;
        // SAFETY: as above.
        let public_key = unsafe { borrow(public_key, "public_key") }?;
        // SAFETY: as above.
        let password = unsafe { optional_bytes(pw, pw_len, "pw") }?.map(Password::from_slice);
        // SAFETY: as above.
        let created_by = unsafe { utf8(created_by, "created_by") }?;
        let labels = if labels_json.is_null() {
            Default::default()
        } else {
            // SAFETY: as above; not NULL.
            json::labels(unsafe { utf8(labels_json, "labels_json") }?)?
        };
        let out = Out::new(version_out, "version_out")?;
        let mut metadata = KeyMetadata::new(public_key, created_by);
        metadata.labels = labels;
        let record = KeyPairRecord {
            private_key: key.clone(),
            public_key: public_key.clone(),
            password,
            metadata,
        };
        let options = PutOptions {
            overwrite,
            expected_version: check_version.then_some(expected_version),
        };
        let version = store.put(record, &options)?;
        // SAFETY: caller's contract.
        unsafe { out.write(version) };
        Ok(())
    })
}

/// Reads a stored key pair: `version` 1, 2, ... or 0 for the latest. The
/// result (encrypted key, public key, optional password, metadata) comes
/// in a new `ck_stored_key` in `*key_out`; read it with the
/// `ck_stored_key_*` accessors and free it with `ck_stored_key_free`, which
/// wipes the password.
///
/// Errors: `CK_NULL_PARAMETER`; `CK_NOT_FOUND` (nothing stored, or no such
/// version, or a deleted or destroyed one); `CK_MALFORMED_PEM` and the other
/// format errors if the stored data is damaged; `CK_IO`,
/// `CK_PERMISSION_DENIED`, `CK_UNAVAILABLE`, `CK_BACKEND`. Thread-safe.
///
/// # Safety
/// `store` is NULL or a live `ck_store`; `key_out` and `err_out` are NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn ck_store_get(
    store: *const ck_store,
    version: u64,
    key_out: *mut *mut ck_stored_key,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        // SAFETY: caller's contract.
        let store = unsafe { borrow(store, "store") }?;
        let out = Out::new(key_out, "key_out")?;
        let stored = store.get(version_or_latest(version))?;
        // SAFETY: caller's contract.
        unsafe { out.write(into_handle::<ck_stored_key>(stored)) };
        Ok(())
    })
}

/// Reads a stored public key and its metadata without reading the private
/// key or the password (`version` 0 for the latest) into a new
/// `ck_stored_public_key` in `*key_out`.
///
/// Errors: as `ck_store_get`. Thread-safe.
///
/// # Safety
/// As `ck_store_get`.
#[no_mangle]
pub unsafe extern "C" fn ck_store_get_public(
    store: *const ck_store,
    version: u64,
    key_out: *mut *mut ck_stored_public_key,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        // SAFETY: caller's contract.
        let store = unsafe { borrow(store, "store") }?;
        let out = Out::new(key_out, "key_out")?;
        let stored = store.get_public(version_or_latest(version))?;
        // SAFETY: caller's contract.
        unsafe { out.write(into_handle::<ck_stored_public_key>(stored)) };
        Ok(())
    })
}

/// Lists every version, oldest first, as a JSON array in `*json_out`:
///
/// ```json
/// [{"version": 1, "fingerprint": "SHA256:…", "created_at": "2026-01-01T00:00:00Z", "state": "live"}]
/// ```
///
/// `version` is the number to pass to `ck_store_get`; `fingerprint` (of
/// that version's public key) and `created_at` (RFC 3339 UTC) are `null`
/// when the store does not record them; `state` is
/// `"live"`, `"deleted"` (soft-deleted, recoverable) or `"destroyed"`
/// (unknown future states come as other strings). An empty location gives
/// `[]`.
///
/// Errors: `CK_NULL_PARAMETER`; `CK_IO`, `CK_PERMISSION_DENIED`,
/// `CK_UNAVAILABLE`, `CK_BACKEND`. Thread-safe.
///
/// # Safety
/// `store` is NULL or a live `ck_store`; `json_out` and `err_out` are NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_store_versions(
    store: *const ck_store,
    json_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        // SAFETY: caller's contract.
        let store = unsafe { borrow(store, "store") }?;
        let out = Out::new(json_out, "json_out")?;
        let list = json::store_versions(&store.versions()?);
        // SAFETY: caller's contract.
        unsafe { write_buf(out, list.to_string().as_bytes()) }
    })
}

/// Deletes one version (`version` >= 1) with `mode` (`CK_DELETE_SOFT` or
/// `CK_DELETE_DESTROY`). To remove every version and the metadata, use
/// `ck_store_delete_all` (0 is refused here so that a zeroed variable never
/// deletes everything).
///
/// Errors: `CK_NULL_PARAMETER`; `CK_INVALID_ARGUMENT` (version 0, unknown
/// mode, the read-only `env://` store); `CK_NOT_FOUND`; `CK_IO`,
/// `CK_PERMISSION_DENIED`, `CK_UNAVAILABLE`, `CK_BACKEND`. Thread-safe.
///
/// # Safety
/// `store` is NULL or a live `ck_store`; `err_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_store_delete(
    store: *const ck_store,
    version: u64,
    mode: ck_delete_mode,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        // SAFETY: caller's contract.
        let store = unsafe { borrow(store, "store") }?;
        if version == 0 {
            return Err(FfiError::invalid(
                "version",
                "is 0; versions start at 1 (use ck_store_delete_all to remove every version)",
            ));
        }
        let mode = mode.to_core()?;
        Ok(store.delete(Some(version), mode)?)
    })
}

/// Deletes every version of the key and its metadata with `mode`.
///
/// Errors: as `ck_store_delete`. Thread-safe.
///
/// # Safety
/// As `ck_store_delete`.
#[no_mangle]
pub unsafe extern "C" fn ck_store_delete_all(
    store: *const ck_store,
    mode: ck_delete_mode,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        // SAFETY: caller's contract.
        let store = unsafe { borrow(store, "store") }?;
        let mode = mode.to_core()?;
        Ok(store.delete(None, mode)?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::{CK_INVALID_ARGUMENT, CK_INVALID_URI, CK_NULL_PARAMETER};

    fn canonical(uri: &std::ffi::CStr) -> Result<String, ck_status> {
        let mut out: *mut ck_buf = std::ptr::null_mut();
        // SAFETY: valid string and out location.
        let status = unsafe { ck_store_uri_check(uri.as_ptr(), &mut out, std::ptr::null_mut()) };
        if status != crate::status::CK_OK {
            return Err(status);
        }
        // SAFETY: live buffer.
        let text = unsafe {
            let s = std::slice::from_raw_parts(
                crate::buf::ck_buf_data(out),
                crate::buf::ck_buf_len(out),
            );
            String::from_utf8(s.to_vec()).unwrap()
        };
        // SAFETY: live buffer, freed once.
        unsafe { crate::buf::ck_buf_free(out) };
        Ok(text)
    }

    #[test]
    fn uris_are_checked_without_opening() {
        assert_eq!(canonical(c"keys/prod").unwrap(), "keys/prod");
        assert_eq!(
            canonical(c"file://localhost/etc/keys/").unwrap(),
            "file:///etc/keys"
        );
        assert_eq!(canonical(c"file://evil.example/x"), Err(CK_INVALID_URI));
        assert_eq!(
            canonical(c"vault-kv://secret/a/").unwrap(),
            "vault-kv://secret/a"
        );
        assert_eq!(canonical(c"s3://b/k"), Err(CK_INVALID_URI));
        assert_eq!(canonical(c"awskms:///alias/x"), Err(CK_INVALID_URI));
    }

    #[test]
    fn open_checks_its_arguments() {
        let mut store: *mut ck_store = std::ptr::null_mut();
        // SAFETY: NULL and valid pointers as the contract allows.
        unsafe {
            assert_eq!(
                ck_store_open(std::ptr::null(), &mut store, std::ptr::null_mut()),
                CK_NULL_PARAMETER
            );
            assert_eq!(
                ck_store_open(c"x".as_ptr(), std::ptr::null_mut(), std::ptr::null_mut()),
                CK_NULL_PARAMETER
            );
            assert_eq!(
                ck_store_open(
                    c"azure-secret://ab/k".as_ptr(),
                    &mut store,
                    std::ptr::null_mut()
                ),
                CK_INVALID_URI
            );
            assert!(store.is_null());
            assert_eq!(
                ck_store_delete_all(std::ptr::null(), CK_DELETE_SOFT, std::ptr::null_mut()),
                CK_NULL_PARAMETER
            );
            ck_store_free(std::ptr::null_mut());
        }
        assert_eq!(
            ck_delete_mode(0).to_core().unwrap_err().status,
            CK_INVALID_ARGUMENT
        );
        assert_eq!(
            ck_delete_mode(3).to_core().unwrap_err().status,
            CK_INVALID_ARGUMENT
        );
    }
}
