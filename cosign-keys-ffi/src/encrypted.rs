//! `ck_encrypted_key`: a parsed, still locked Cosign key file.

use ckcore::{DecryptOptions, EncryptedPrivateKey, DEFAULT_MAX_MEMORY_BYTES, DEFAULT_MAX_WORK};

use crate::buf::{ck_buf, write_buf};
use crate::error::ck_error;
use crate::guard::{bytes, run, run_or, Out};
use crate::handle::{borrow, free, into_handle, Opaque};
use crate::private::{ck_private_key, password, write_key};
use crate::status::ck_status;

/// The default scrypt memory limit applied when decrypting, in bytes (the
/// limit used when 0 is passed). Thread-safe.
#[no_mangle]
pub extern "C" fn ck_default_max_memory_bytes() -> u64 {
    DEFAULT_MAX_MEMORY_BYTES
}

/// The default scrypt work limit (largest N·r·p) applied when decrypting
/// (the limit used when 0 is passed). Thread-safe.
#[no_mangle]
pub extern "C" fn ck_default_max_work() -> u64 {
    DEFAULT_MAX_WORK
}

/// The core's decryption limits; 0 means the default.
pub(crate) fn decrypt_options(max_memory_bytes: u64, max_work: u64) -> DecryptOptions {
    let or_default = |v: u64, d: u64| if v == 0 { d } else { v };
    DecryptOptions::default()
        .with_max_memory_bytes(or_default(max_memory_bytes, DEFAULT_MAX_MEMORY_BYTES))
        .with_max_work(or_default(max_work, DEFAULT_MAX_WORK))
}

/// A Cosign key file (`cosign.key`), parsed but still locked. It holds only
/// ciphertext and public parameters (no secret), so it may be kept, copied
/// out with `ck_encrypted_key_to_pem` and logged freely.
///
/// Made by `ck_encrypted_key_from_pem`, `ck_encrypted_key_from_json` and
/// `ck_encrypted_key_change_password`; the caller owns it and frees it with
/// `ck_encrypted_key_free`.
///
/// Thread safety: immutable; any number of threads may use it at once.
/// `ck_encrypted_key_free` must not race with any other use.
pub struct ck_encrypted_key {
    _private: [u8; 0],
}

impl Opaque for ck_encrypted_key {
    type Inner = EncryptedPrivateKey;
}

/// Writes a new encrypted key handle to an output parameter.
///
/// # Safety
/// As [`Out::write`].
pub(crate) unsafe fn write_encrypted(out: Out<*mut ck_encrypted_key>, key: EncryptedPrivateKey) {
    contract!(out.write(into_handle::<ck_encrypted_key>(key)));
}

/// Parses a Cosign key file (`ENCRYPTED SIGSTORE PRIVATE KEY`, or the legacy
/// `ENCRYPTED COSIGN PRIVATE KEY`) without decrypting it: no password is
/// needed and no key derivation happens.
///
/// Errors: `CK_NULL_PARAMETER`; `CK_MALFORMED_PEM`; `CK_UNKNOWN_PEM_LABEL`;
/// `CK_WRONG_KEY_KIND`; `CK_MALFORMED_ENVELOPE`; `CK_UNKNOWN_KDF`;
/// `CK_UNKNOWN_CIPHER`; `CK_INVALID_KDF_PARAMS`. Thread-safe.
///
/// # Safety
/// `pem` has `pem_len` readable bytes (or is NULL with length 0); `key_out`
/// and `err_out` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_encrypted_key_from_pem(
    pem: *const u8,
    pem_len: usize,
    key_out: *mut *mut ck_encrypted_key,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let pem = contract!(bytes(pem, pem_len, "pem"))?;
        let out = Out::new(key_out, "key_out")?;
        let key = EncryptedPrivateKey::from_pem(pem)?;
        contract!(write_encrypted(out, key));
        Ok(())
    })
}

/// Parses the JSON envelope alone (the body of the PEM).
///
/// Errors: `CK_NULL_PARAMETER`; `CK_MALFORMED_ENVELOPE`; `CK_UNKNOWN_KDF`;
/// `CK_UNKNOWN_CIPHER`; `CK_INVALID_KDF_PARAMS`. Thread-safe.
///
/// # Safety
/// As `ck_encrypted_key_from_pem`.
#[no_mangle]
pub unsafe extern "C" fn ck_encrypted_key_from_json(
    json: *const u8,
    json_len: usize,
    key_out: *mut *mut ck_encrypted_key,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let json = contract!(bytes(json, json_len, "json"))?;
        let out = Out::new(key_out, "key_out")?;
        let key = EncryptedPrivateKey::from_json(json)?;
        contract!(write_encrypted(out, key));
        Ok(())
    })
}

/// Frees an encrypted key. NULL is allowed and ignored. Freeing twice is
/// undefined behaviour.
///
/// # Safety
/// `key` is NULL or a live `ck_encrypted_key` not used by any other thread.
#[no_mangle]
pub unsafe extern "C" fn ck_encrypted_key_free(key: *mut ck_encrypted_key) {
    run_or((), || contract!(free(key)));
}

/// Writes the key file text into a new buffer `*pem_out`, always with the
/// current label `ENCRYPTED SIGSTORE PRIVATE KEY` (a legacy file is
/// upgraded), exactly as cosign writes it.
///
/// Errors: `CK_NULL_PARAMETER`. Thread-safe.
///
/// # Safety
/// `key` is NULL or a live `ck_encrypted_key`; `pem_out` and `err_out` are
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_encrypted_key_to_pem(
    key: *const ck_encrypted_key,
    pem_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let key = contract!(borrow(key, "key"))?;
        let out = Out::new(pem_out, "pem_out")?;
        contract!(write_buf(out, key.to_pem().as_bytes()))
    })
}

/// Writes the JSON envelope (compact, Go's field order) into a new buffer
/// `*json_out`.
///
/// Errors: `CK_NULL_PARAMETER`. Thread-safe.
///
/// # Safety
/// As `ck_encrypted_key_to_pem`.
#[no_mangle]
pub unsafe extern "C" fn ck_encrypted_key_to_json(
    key: *const ck_encrypted_key,
    json_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let key = contract!(borrow(key, "key"))?;
        let out = Out::new(json_out, "json_out")?;
        contract!(write_buf(out, &key.to_json()))
    })
}

/// Reads one scrypt parameter of a key, or 0 if the handle is NULL.
///
/// # Safety
/// `key` is NULL or a live `ck_encrypted_key`.
unsafe fn param(
    key: *const ck_encrypted_key,
    get: impl FnOnce(&EncryptedPrivateKey) -> u64,
) -> u64 {
    run_or(0, || contract!(borrow(key, "key")).map_or(0, get))
}

/// The scrypt N (CPU/memory cost) the file asks for; 0 if `key` is NULL.
///
/// # Safety
/// `key` is NULL or a live `ck_encrypted_key`.
#[no_mangle]
pub unsafe extern "C" fn ck_encrypted_key_scrypt_n(key: *const ck_encrypted_key) -> u64 {
    contract!(param(key, |k| k.scrypt_params().n()))
}

/// The scrypt r (block size); 0 if `key` is NULL.
///
/// # Safety
/// `key` is NULL or a live `ck_encrypted_key`.
#[no_mangle]
pub unsafe extern "C" fn ck_encrypted_key_scrypt_r(key: *const ck_encrypted_key) -> u32 {
    let r = contract!(param(key, |k| u64::from(k.scrypt_params().r())));
    u32::try_from(r).unwrap_or(u32::MAX)
}

/// The scrypt p (parallelization); 0 if `key` is NULL.
///
/// # Safety
/// `key` is NULL or a live `ck_encrypted_key`.
#[no_mangle]
pub unsafe extern "C" fn ck_encrypted_key_scrypt_p(key: *const ck_encrypted_key) -> u32 {
    let p = contract!(param(key, |k| u64::from(k.scrypt_params().p())));
    u32::try_from(p).unwrap_or(u32::MAX)
}

/// The bytes of memory decrypting will need (128·r·(N + p)), to compare with
/// a limit before calling `ck_encrypted_key_decrypt`; 0 if `key` is NULL.
///
/// # Safety
/// `key` is NULL or a live `ck_encrypted_key`.
#[no_mangle]
pub unsafe extern "C" fn ck_encrypted_key_scrypt_memory_bytes(key: *const ck_encrypted_key) -> u64 {
    contract!(param(key, |k| k.scrypt_params().memory_bytes()))
}

/// Whether the `cosign` CLI opens files with these scrypt parameters (N of
/// 32768, 65536 or 131072 with r = 8, p = 1). False if `key` is NULL.
///
/// # Safety
/// `key` is NULL or a live `ck_encrypted_key`.
#[no_mangle]
pub unsafe extern "C" fn ck_encrypted_key_is_cosign_compatible(
    key: *const ck_encrypted_key,
) -> bool {
    contract!(param(key, |k| u64::from(k.scrypt_params().is_cosign_compatible())) == 1)
}

/// Whether the file used the legacy `ENCRYPTED COSIGN PRIVATE KEY` label.
/// False if `key` is NULL.
///
/// # Safety
/// `key` is NULL or a live `ck_encrypted_key`.
#[no_mangle]
pub unsafe extern "C" fn ck_encrypted_key_has_legacy_label(key: *const ck_encrypted_key) -> bool {
    contract!(param(key, |k| u64::from(k.has_legacy_label())) == 1)
}

/// Unlocks the key with the password under explicit scrypt limits
/// (`max_memory_bytes`, `max_work`; 0 for either means its default, see
/// `ck_default_max_memory_bytes` / `ck_default_max_work`), checked before
/// anything is allocated, and writes the new private key to `*key_out`.
///
/// Errors: `CK_NULL_PARAMETER`; `CK_KDF_LIMIT_EXCEEDED`;
/// `CK_DECRYPTION_FAILED` (wrong password or tampered file, by design
/// indistinguishable); `CK_MALFORMED_KEY` / `CK_UNSUPPORTED_ALGORITHM` if
/// the plaintext is not a usable key; `CK_OUT_OF_MEMORY`. Thread-safe.
///
/// # Safety
/// `key` is NULL or a live `ck_encrypted_key`; `pw` has `pw_len` readable
/// bytes (or is NULL with length 0); `key_out` and `err_out` are NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn ck_encrypted_key_decrypt(
    key: *const ck_encrypted_key,
    pw: *const u8,
    pw_len: usize,
    max_memory_bytes: u64,
    max_work: u64,
    key_out: *mut *mut ck_private_key,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let key = contract!(borrow(key, "key"))?;
        let password = contract!(password(pw, pw_len, "pw"))?;
        let out = Out::new(key_out, "key_out")?;
        let options = decrypt_options(max_memory_bytes, max_work);
        let private = key.decrypt_with(&password, &options)?;
        contract!(write_key(out, private))
    })
}

/// Re-encrypts under a new password with a fresh salt and nonce, keeping the
/// file's scrypt parameters, and writes the result to `*key_out` (a new
/// handle; `key` is unchanged). The key, and so its fingerprint, stays the
/// same; the old password no longer opens the result. Runs scrypt twice.
/// `max_memory_bytes` and `max_work` limit the file's scrypt cost as in
/// `ck_encrypted_key_decrypt` (0 means the default).
///
/// Errors: as `ck_encrypted_key_decrypt` for the old password, then
/// `CK_RNG` / `CK_OUT_OF_MEMORY` / `CK_CRYPTO`. Thread-safe.
///
/// # Safety
/// `key` is NULL or a live `ck_encrypted_key`; `old_pw` and `new_pw` have
/// their lengths' readable bytes (or are NULL with length 0); `key_out` and
/// `err_out` are NULL or writable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn ck_encrypted_key_change_password(
    key: *const ck_encrypted_key,
    old_pw: *const u8,
    old_pw_len: usize,
    new_pw: *const u8,
    new_pw_len: usize,
    max_memory_bytes: u64,
    max_work: u64,
    key_out: *mut *mut ck_encrypted_key,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let key = contract!(borrow(key, "key"))?;
        let old = contract!(password(old_pw, old_pw_len, "old_pw"))?;
        let new = contract!(password(new_pw, new_pw_len, "new_pw"))?;
        let out = Out::new(key_out, "key_out")?;
        let options = decrypt_options(max_memory_bytes, max_work);
        let changed = key.change_password_with(&old, &new, &options)?;
        contract!(write_encrypted(out, changed));
        Ok(())
    })
}
