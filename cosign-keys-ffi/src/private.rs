//! `ck_private_key`: an unlocked private key.
//!
//! Secrets: passwords are copied into wiped memory for the duration of a
//! call and never kept; PKCS#8 exports come back in `ck_buf`s, which are
//! wiped when freed; the key itself is wiped when its handle is freed.

use ckcore::{EncryptedPrivateKey, Password, PrivateKey, ScryptParams};

use crate::algorithm::{ck_algorithm, CK_ALGORITHM_NONE};
use crate::buf::{ck_buf, write_buf};
use crate::encrypted::decrypt_options;
use crate::error::ck_error;
use crate::fingerprint::ck_fingerprint;
use crate::guard::{bytes, optional_bytes, run, run_or, FfiError, Out};
use crate::handle::{borrow, free, into_handle, Opaque};
use crate::public::ck_public_key;
use crate::status::ck_status;

/// An unlocked private key of a supported algorithm.
///
/// Made by `ck_private_key_generate`, `_from_cosign_pem`,
/// `_from_cosign_pem_with_limits`, `_from_pkcs8_der`, `_import` and
/// `ck_encrypted_key_decrypt`; the caller owns it and frees it with
/// `ck_private_key_free`, which wipes the key material.
///
/// Thread safety: immutable; any number of threads may sign with the same
/// key at once. `ck_private_key_free` must not race with any other use.
pub struct ck_private_key {
    _private: [u8; 0],
}

impl Opaque for ck_private_key {
    type Inner = PrivateKey;
}

/// Writes a new key handle to an output parameter.
///
/// # Safety
/// As [`Out::write`].
pub(crate) unsafe fn write_key(
    out: Out<*mut ck_private_key>,
    key: PrivateKey,
) -> Result<(), FfiError> {
    contract!(out.write(into_handle::<ck_private_key>(key)));
    Ok(())
}

/// Reads a password argument into wiped memory.
///
/// # Safety
/// As [`bytes`].
pub(crate) unsafe fn password(
    ptr: *const u8,
    len: usize,
    name: &'static str,
) -> Result<Password, FfiError> {
    Ok(Password::from_slice(contract!(bytes(ptr, len, name))?))
}

/// Generates a new key pair from the operating system's CSPRNG into
/// `*key_out`.
///
/// RSA generation takes from a fraction of a second (2048) to several
/// seconds (4096). Errors: `CK_NULL_PARAMETER`; `CK_INVALID_ARGUMENT` for an
/// unknown algorithm; `CK_CRYPTO` / `CK_RNG` if the system fails. Thread-safe.
///
/// # Safety
/// `key_out` and `err_out` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_private_key_generate(
    algorithm: ck_algorithm,
    key_out: *mut *mut ck_private_key,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let out = Out::new(key_out, "key_out")?;
        let key = PrivateKey::generate(algorithm.to_core_arg()?)?;
        contract!(write_key(out, key))
    })
}

/// Loads a Cosign key file (`cosign.key`, PEM `ENCRYPTED SIGSTORE PRIVATE
/// KEY` or the legacy `ENCRYPTED COSIGN PRIVATE KEY`) and unlocks it with the
/// password, under the default scrypt limits (`ck_default_max_memory_bytes`,
/// `ck_default_max_work`).
///
/// This runs scrypt: about 0.1-0.3 s at cosign's cost. The password may be
/// empty (`pw` NULL with `pw_len` 0), as in cosign.
///
/// Errors: `CK_NULL_PARAMETER`; `CK_MALFORMED_PEM`, `CK_UNKNOWN_PEM_LABEL`,
/// `CK_WRONG_KEY_KIND`, `CK_MALFORMED_ENVELOPE`, `CK_UNKNOWN_KDF`,
/// `CK_UNKNOWN_CIPHER`, `CK_INVALID_KDF_PARAMS` for a bad file;
/// `CK_KDF_LIMIT_EXCEEDED`; `CK_DECRYPTION_FAILED` for a wrong password or
/// a tampered file; `CK_MALFORMED_KEY` / `CK_UNSUPPORTED_ALGORITHM` if the
/// plaintext is not a usable key. Thread-safe.
///
/// # Safety
/// `pem` has `pem_len` readable bytes (or is NULL with length 0), likewise
/// `pw`; `key_out` and `err_out` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_private_key_from_cosign_pem(
    pem: *const u8,
    pem_len: usize,
    pw: *const u8,
    pw_len: usize,
    key_out: *mut *mut ck_private_key,
    err_out: *mut *mut ck_error,
) -> ck_status {
    // SAFETY: forwarded contract; 0 limits mean the defaults.
    unsafe {
        ck_private_key_from_cosign_pem_with_limits(pem, pem_len, pw, pw_len, 0, 0, key_out, err_out)
    }
}

/// As `ck_private_key_from_cosign_pem`, with explicit scrypt limits checked
/// before anything is allocated: `max_memory_bytes` and `max_work` (the
/// largest N·r·p). 0 for either means its default
/// (`ck_default_max_memory_bytes`, `ck_default_max_work`).
///
/// # Safety
/// As `ck_private_key_from_cosign_pem`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn ck_private_key_from_cosign_pem_with_limits(
    pem: *const u8,
    pem_len: usize,
    pw: *const u8,
    pw_len: usize,
    max_memory_bytes: u64,
    max_work: u64,
    key_out: *mut *mut ck_private_key,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let pem = contract!(bytes(pem, pem_len, "pem"))?;
        let password = contract!(password(pw, pw_len, "pw"))?;
        let out = Out::new(key_out, "key_out")?;
        let options = decrypt_options(max_memory_bytes, max_work);
        let key = EncryptedPrivateKey::from_pem(pem)?.decrypt_with(&password, &options)?;
        contract!(write_key(out, key))
    })
}

/// Loads an unencrypted PKCS#8 `PrivateKeyInfo` in DER (the plaintext
/// inside a Cosign key file, or what `ck_private_key_to_pkcs8_der` writes).
///
/// Errors: `CK_NULL_PARAMETER`; `CK_MALFORMED_KEY`;
/// `CK_UNSUPPORTED_ALGORITHM`. Thread-safe.
///
/// # Safety
/// `der` has `der_len` readable bytes (or is NULL with length 0); `key_out`
/// and `err_out` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_private_key_from_pkcs8_der(
    der: *const u8,
    der_len: usize,
    key_out: *mut *mut ck_private_key,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let der = contract!(bytes(der, der_len, "der"))?;
        let out = Out::new(key_out, "key_out")?;
        let key = PrivateKey::from_pkcs8_der(der)?;
        contract!(write_key(out, key))
    })
}

/// Imports a private key written by another tool, as `cosign
/// import-key-pair` does: PEM or DER PKCS#8 (`PRIVATE KEY`), SEC1 (`EC
/// PRIVATE KEY`), PKCS#1 (`RSA PRIVATE KEY`), password-protected PKCS#8
/// (`ENCRYPTED PRIVATE KEY`) or a Cosign key file.
///
/// The password is optional: `pw` NULL (with `pw_len` 0) means "no
/// password"; a non-NULL `pw` with `pw_len` 0 is the empty password.
/// `max_memory_bytes` and `max_work` limit the scrypt cost of an encrypted
/// input (a Cosign key file, or PBES2 with scrypt) as in
/// `ck_private_key_from_cosign_pem_with_limits`; 0 means the default.
///
/// Errors: `CK_NULL_PARAMETER`; `CK_INVALID_ARGUMENT` if the key is
/// encrypted and no password was given; `CK_MALFORMED_PEM`,
/// `CK_UNKNOWN_PEM_LABEL`, `CK_WRONG_KEY_KIND` (a public key),
/// `CK_MALFORMED_KEY`, `CK_UNSUPPORTED_ALGORITHM`, `CK_DECRYPTION_FAILED`,
/// `CK_KDF_LIMIT_EXCEEDED`, and the Cosign key file errors. Thread-safe.
///
/// # Safety
/// `input` has `input_len` readable bytes (or is NULL with length 0); `pw`
/// is NULL or has `pw_len` readable bytes; `key_out` and `err_out` are NULL
/// or writable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn ck_private_key_import(
    input: *const u8,
    input_len: usize,
    pw: *const u8,
    pw_len: usize,
    max_memory_bytes: u64,
    max_work: u64,
    key_out: *mut *mut ck_private_key,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let input = contract!(bytes(input, input_len, "input"))?;
        let password = contract!(optional_bytes(pw, pw_len, "pw"))?.map(Password::from_slice);
        let out = Out::new(key_out, "key_out")?;
        let options = decrypt_options(max_memory_bytes, max_work);
        let key = PrivateKey::import_with(input, password.as_ref(), &options)?;
        contract!(write_key(out, key))
    })
}

/// Wipes and frees a private key. NULL is allowed and ignored. Freeing twice
/// is undefined behaviour.
///
/// # Safety
/// `key` is NULL or a live `ck_private_key` not used by any other thread.
#[no_mangle]
pub unsafe extern "C" fn ck_private_key_free(key: *mut ck_private_key) {
    run_or((), || contract!(free(key)));
}

/// The key's algorithm, or `CK_ALGORITHM_NONE` (0) if `key` is NULL.
///
/// # Safety
/// `key` is NULL or a live `ck_private_key`.
#[no_mangle]
pub unsafe extern "C" fn ck_private_key_algorithm(key: *const ck_private_key) -> ck_algorithm {
    run_or(CK_ALGORITHM_NONE, || {
        contract!(borrow(key, "key")).map_or(CK_ALGORITHM_NONE, |k| {
            ck_algorithm::from_core(k.algorithm())
        })
    })
}

/// Writes a new handle to the matching public key into `*public_out` (an
/// independent copy: free it with `ck_public_key_free`, before or after the
/// private key).
///
/// Errors: `CK_NULL_PARAMETER`. Thread-safe.
///
/// # Safety
/// `key` is NULL or a live `ck_private_key`; `public_out` and `err_out` are
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_private_key_public_key(
    key: *const ck_private_key,
    public_out: *mut *mut ck_public_key,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let key = contract!(borrow(key, "key"))?;
        let out = Out::new(public_out, "public_out")?;
        contract!(out.write(into_handle::<ck_public_key>(key.public_key().clone())));
        Ok(())
    })
}

/// Writes the fingerprint of the key's public key into `*fingerprint_out`
/// (the same value `ck_public_key_fingerprint` gives for `cosign.pub`).
///
/// Errors: `CK_NULL_PARAMETER`. Thread-safe.
///
/// # Safety
/// `key` is NULL or a live `ck_private_key`; `fingerprint_out` and `err_out`
/// are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_private_key_fingerprint(
    key: *const ck_private_key,
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

/// Seals the key into a Cosign key file with cosign's own scrypt cost (N =
/// 65536, r = 8, p = 1) and a fresh salt and nonce, and writes its PEM text
/// (`ENCRYPTED SIGSTORE PRIVATE KEY`) into a new buffer `*pem_out`. The
/// `cosign` CLI opens the result. Runs scrypt (about 0.1-0.3 s).
///
/// Errors: `CK_NULL_PARAMETER`; `CK_RNG`, `CK_OUT_OF_MEMORY`, `CK_CRYPTO`.
/// Thread-safe.
///
/// # Safety
/// `key` is NULL or a live `ck_private_key`; `pw` has `pw_len` readable
/// bytes (or is NULL with length 0); `pem_out` and `err_out` are NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn ck_private_key_encrypt(
    key: *const ck_private_key,
    pw: *const u8,
    pw_len: usize,
    pem_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let key = contract!(borrow(key, "key"))?;
        let password = contract!(password(pw, pw_len, "pw"))?;
        let out = Out::new(pem_out, "pem_out")?;
        let sealed = key.encrypt(&password)?;
        contract!(write_buf(out, sealed.to_pem().as_bytes()))
    })
}

/// As `ck_private_key_encrypt`, with explicit scrypt parameters: `n` (a
/// power of two, at least 2), `r` and `p` (at least 1). Only N = 32768,
/// 65536 or 131072 with r = 8, p = 1 give a file the `cosign` CLI opens;
/// other values (e.g. a cheap N for tests) are readable by cosign-keys only.
///
/// Errors: as `ck_private_key_encrypt`, plus `CK_INVALID_KDF_PARAMS`.
///
/// # Safety
/// As `ck_private_key_encrypt`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn ck_private_key_encrypt_with_params(
    key: *const ck_private_key,
    pw: *const u8,
    pw_len: usize,
    n: u64,
    r: u32,
    p: u32,
    pem_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let key = contract!(borrow(key, "key"))?;
        let password = contract!(password(pw, pw_len, "pw"))?;
        let out = Out::new(pem_out, "pem_out")?;
        let params = ScryptParams::from_n(n, u64::from(r), u64::from(p))?;
        let sealed = key.encrypt_with(&password, params)?;
        contract!(write_buf(out, sealed.to_pem().as_bytes()))
    })
}

/// Writes the unencrypted PKCS#8 `PRIVATE KEY` PEM into a new buffer
/// `*pem_out` (`cosign import-key-pair` accepts it).
///
/// Security: this is the raw private key. The buffer is wiped by
/// `ck_buf_free`; free it as soon as possible. Prefer
/// `ck_private_key_encrypt`.
///
/// Errors: `CK_NULL_PARAMETER`; `CK_CRYPTO`. Thread-safe.
///
/// # Safety
/// `key` is NULL or a live `ck_private_key`; `pem_out` and `err_out` are
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_private_key_to_pkcs8_pem(
    key: *const ck_private_key,
    pem_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let key = contract!(borrow(key, "key"))?;
        let out = Out::new(pem_out, "pem_out")?;
        let pem = key.to_pkcs8_pem()?;
        contract!(write_buf(out, pem.expose_secret()))
    })
}

/// Writes the unencrypted PKCS#8 DER into a new buffer `*der_out`.
///
/// Security: as `ck_private_key_to_pkcs8_pem`.
///
/// Errors: `CK_NULL_PARAMETER`. Thread-safe.
///
/// # Safety
/// `key` is NULL or a live `ck_private_key`; `der_out` and `err_out` are
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_private_key_to_pkcs8_der(
    key: *const ck_private_key,
    der_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let key = contract!(borrow(key, "key"))?;
        let out = Out::new(der_out, "der_out")?;
        let der = key.to_pkcs8_der();
        contract!(write_buf(out, der.expose_secret()))
    })
}

/// Signs a blob exactly as `cosign sign-blob --key` does (ECDSA and RSA sign
/// its hash, see `ck_algorithm_hash`; Ed25519 signs the blob itself) and
/// writes the raw signature bytes into a new buffer `*signature_out`
/// (`ck_signature_to_base64` gives cosign's text form).
///
/// Errors: `CK_NULL_PARAMETER`; `CK_CRYPTO` (should not happen).
/// Thread-safe: several threads may sign with one key at once.
///
/// # Safety
/// `key` is NULL or a live `ck_private_key`; `message` has `message_len`
/// readable bytes (or is NULL with length 0); `signature_out` and `err_out`
/// are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_private_key_sign(
    key: *const ck_private_key,
    message: *const u8,
    message_len: usize,
    signature_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let key = contract!(borrow(key, "key"))?;
        let message = contract!(bytes(message, message_len, "message"))?;
        let out = Out::new(signature_out, "signature_out")?;
        let signature = key.sign(message)?;
        contract!(write_buf(out, signature.as_bytes()))
    })
}

/// Signs a pre-computed digest of a blob, made with the algorithm's hash
/// (`ck_algorithm_hash`); the signature is one `ck_private_key_sign` could
/// have made for that blob, and `cosign verify-blob` accepts it.
///
/// Errors: `CK_NULL_PARAMETER`; `CK_UNSUPPORTED_OPERATION` for Ed25519;
/// `CK_INVALID_ARGUMENT` for a digest of the wrong length. Thread-safe.
///
/// # Safety
/// As `ck_private_key_sign`.
#[no_mangle]
pub unsafe extern "C" fn ck_private_key_sign_digest(
    key: *const ck_private_key,
    digest: *const u8,
    digest_len: usize,
    signature_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let key = contract!(borrow(key, "key"))?;
        let digest = contract!(bytes(digest, digest_len, "digest"))?;
        let out = Out::new(signature_out, "signature_out")?;
        let signature = key.sign_digest(digest)?;
        contract!(write_buf(out, signature.as_bytes()))
    })
}
