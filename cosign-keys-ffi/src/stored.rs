//! `ck_stored_key` and `ck_stored_public_key`: what `ck_store_get` and
//! `ck_store_get_public` read, behind accessors.
//!
//! A read returns several things at once (keys, version, an optional
//! password, metadata); one record handle with accessors keeps ownership
//! plain: each accessor returns a new, independent object, and freeing the
//! record wipes the password it holds.

use ckcore::store::{KeyMetadata, StoredKey, StoredPublicKey};

use crate::buf::{ck_buf, write_buf};
use crate::encrypted::{ck_encrypted_key, write_encrypted};
use crate::error::ck_error;
use crate::guard::{run, run_or, FfiError, Out};
use crate::handle::{borrow, free, Opaque};
use crate::json;
use crate::public::{ck_public_key, write_public};
use crate::status::ck_status;

/// A key pair read from a store by `ck_store_get`: the encrypted private
/// key, the public key, the password when the store keeps one, the version
/// and the metadata.
///
/// The caller owns it and frees it with `ck_stored_key_free`, which wipes
/// the password. Immutable: any number of threads may read it at once, but
/// not while it is freed.
pub struct ck_stored_key {
    _private: [u8; 0],
}

impl Opaque for ck_stored_key {
    type Inner = StoredKey;
}

/// A public key read from a store by `ck_store_get_public`, with its version
/// and metadata (no private key, no password).
///
/// The caller owns it and frees it with `ck_stored_public_key_free`.
/// Immutable: any number of threads may read it at once, but not while it
/// is freed.
pub struct ck_stored_public_key {
    _private: [u8; 0],
}

impl Opaque for ck_stored_public_key {
    type Inner = StoredPublicKey;
}

/// Writes the metadata document (see `ck_stored_key_metadata`).
///
/// # Safety
/// As [`Out::write`].
unsafe fn write_metadata(out: Out<*mut ck_buf>, m: &KeyMetadata) -> Result<(), FfiError> {
    contract!(write_buf(out, json::metadata(m).to_string().as_bytes()))
}

/// The version that was read (1-based), or 0 if `key` is NULL.
///
/// # Safety
/// `key` is NULL or a live `ck_stored_key`.
#[no_mangle]
pub unsafe extern "C" fn ck_stored_key_version(key: *const ck_stored_key) -> u64 {
    run_or(0, || contract!(borrow(key, "key")).map_or(0, |k| k.version))
}

/// Writes a new handle to the encrypted private key (a Cosign key file,
/// still locked) into `*encrypted_out`; free it with
/// `ck_encrypted_key_free`. Unlock it with `ck_encrypted_key_decrypt`.
///
/// Errors: `CK_NULL_PARAMETER`. Thread-safe.
///
/// # Safety
/// `key` is NULL or a live `ck_stored_key`; `encrypted_out` and `err_out`
/// are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_stored_key_encrypted_key(
    key: *const ck_stored_key,
    encrypted_out: *mut *mut ck_encrypted_key,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let key = contract!(borrow(key, "key"))?;
        let out = Out::new(encrypted_out, "encrypted_out")?;
        contract!(write_encrypted(out, key.private_key.clone()));
        Ok(())
    })
}

/// Writes a new handle to the public key into `*public_out`; free it with
/// `ck_public_key_free`.
///
/// Errors: `CK_NULL_PARAMETER`. Thread-safe.
///
/// # Safety
/// `key` is NULL or a live `ck_stored_key`; `public_out` and `err_out` are
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_stored_key_public_key(
    key: *const ck_stored_key,
    public_out: *mut *mut ck_public_key,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let key = contract!(borrow(key, "key"))?;
        let out = Out::new(public_out, "public_out")?;
        contract!(write_public(out, key.public_key.clone()))
    })
}

/// Whether the store kept a password with this key (false if `key` is
/// NULL).
///
/// # Safety
/// `key` is NULL or a live `ck_stored_key`.
#[no_mangle]
pub unsafe extern "C" fn ck_stored_key_has_password(key: *const ck_stored_key) -> bool {
    run_or(false, || {
        contract!(borrow(key, "key")).is_ok_and(|k| k.password.is_some())
    })
}

/// Writes a copy of the stored password into a new buffer in
/// `*password_out` (free it with `ck_buf_free`, which wipes it; it may be
/// empty: the empty password).
///
/// Errors: `CK_NULL_PARAMETER`; `CK_NOT_FOUND` if the store kept no
/// password with this key (`ck_stored_key_has_password` is false).
/// Thread-safe.
///
/// # Safety
/// `key` is NULL or a live `ck_stored_key`; `password_out` and `err_out` are
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_stored_key_password(
    key: *const ck_stored_key,
    password_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let key = contract!(borrow(key, "key"))?;
        let out = Out::new(password_out, "password_out")?;
        let Some(password) = &key.password else {
            return Err(ckcore::Error::NotFound {
                what: format!("a password stored with version {} of the key", key.version),
            }
            .into());
        };
        contract!(write_buf(out, password.expose_secret()))
    })
}

/// Writes the metadata stored with the key as a JSON object into a new
/// buffer in `*json_out`:
///
/// ```json
/// {"fingerprint": "SHA256:…", "algorithm": "ecdsa-p256", "created_by": "ci",
///  "created_at": "2026-01-01T00:00:00Z", "labels": {"team": "release"}}
/// ```
///
/// `fingerprint` is the stored fingerprint text (compare it with the public
/// key's, `ck_public_key_fingerprint`), `algorithm` a name as in
/// `ck_algorithm_name`, `created_at` an RFC 3339 UTC time,
/// `labels` an object of strings (empty when none).
///
/// Errors: `CK_NULL_PARAMETER`. Thread-safe.
///
/// # Safety
/// `key` is NULL or a live `ck_stored_key`; `json_out` and `err_out` are
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_stored_key_metadata(
    key: *const ck_stored_key,
    json_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let key = contract!(borrow(key, "key"))?;
        let out = Out::new(json_out, "json_out")?;
        contract!(write_metadata(out, &key.metadata))
    })
}

/// Frees a stored key, wiping the password it holds. NULL is allowed and
/// ignored. Freeing twice is undefined behaviour. Handles made from it by
/// the accessors stay valid.
///
/// # Safety
/// `key` is NULL or a live `ck_stored_key` not used by any other thread.
#[no_mangle]
pub unsafe extern "C" fn ck_stored_key_free(key: *mut ck_stored_key) {
    run_or((), || {
        // SAFETY: caller's contract; `Password` wipes itself on drop.
        unsafe { free(key) }
    });
}

/// The version that was read (1-based), or 0 if `key` is NULL.
///
/// # Safety
/// `key` is NULL or a live `ck_stored_public_key`.
#[no_mangle]
pub unsafe extern "C" fn ck_stored_public_key_version(key: *const ck_stored_public_key) -> u64 {
    run_or(0, || contract!(borrow(key, "key")).map_or(0, |k| k.version))
}

/// Writes a new handle to the public key into `*public_out`; free it with
/// `ck_public_key_free`.
///
/// Errors: `CK_NULL_PARAMETER`. Thread-safe.
///
/// # Safety
/// `key` is NULL or a live `ck_stored_public_key`; `public_out` and
/// `err_out` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_stored_public_key_public_key(
    key: *const ck_stored_public_key,
    public_out: *mut *mut ck_public_key,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let key = contract!(borrow(key, "key"))?;
        let out = Out::new(public_out, "public_out")?;
        contract!(write_public(out, key.public_key.clone()))
    })
}

/// Writes the metadata stored with the key as JSON into `*json_out` (the
/// schema of `ck_stored_key_metadata`).
///
/// Errors: `CK_NULL_PARAMETER`. Thread-safe.
///
/// # Safety
/// `key` is NULL or a live `ck_stored_public_key`; `json_out` and `err_out`
/// are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_stored_public_key_metadata(
    key: *const ck_stored_public_key,
    json_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let key = contract!(borrow(key, "key"))?;
        let out = Out::new(json_out, "json_out")?;
        contract!(write_metadata(out, &key.metadata))
    })
}

/// Frees a stored public key. NULL is allowed and ignored. Freeing twice is
/// undefined behaviour.
///
/// # Safety
/// `key` is NULL or a live `ck_stored_public_key` not used by any other
/// thread.
#[no_mangle]
pub unsafe extern "C" fn ck_stored_public_key_free(key: *mut ck_stored_public_key) {
    run_or((), || contract!(free(key)));
}
