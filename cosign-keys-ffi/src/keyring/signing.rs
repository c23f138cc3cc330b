//! Using a `ck_keyring`'s keys: unlocking a stored key, signing an artifact
//! digest with the active key, recording signatures made elsewhere, and the
//! re-sign list. Every key access and signature is audited.

use std::ffi::c_char;

use ckcore::keyring::SigningEvent;
use ckcore::Password;

use super::ck_keyring;
use crate::args::{actor, optional_utf8, time, write_json};
use crate::buf::ck_buf;
use crate::error::ck_error;
use crate::guard::{optional_bytes, run, utf8, Out};
use crate::handle::borrow;
use crate::private::{ck_private_key, write_key};
use crate::status::ck_status;

/// Reads and decrypts a stored private key of the keyring into `*key_out`:
/// `key` (id or fingerprint), or the active key for `key` NULL, unlocked
/// with its password (`pw`, `pw_len`). The access is audited
/// (`key.accessed`) before the key is read.
///
/// Errors: `CK_NULL_PARAMETER`; `CK_INVALID_ARGUMENT`; `CK_NOT_FOUND` (no
/// such key, no active key); `CK_INVALID_TRANSITION` for a destroyed key;
/// `CK_NOT_SUPPORTED` for a KMS key (its private key never leaves the KMS);
/// `CK_DECRYPTION_FAILED` for a wrong password; `CK_KEYRING_INVALID` when
/// the store holds another key than recorded; store and audit errors.
/// Runs scrypt at the key file's cost. Thread-safe.
///
/// # Safety
/// `keyring` is NULL or a live `ck_keyring`; the string arguments are NULL
/// or NUL-terminated (`who` is required); `pw` has `pw_len` readable bytes
/// (or is NULL with length 0: the empty password); `key_out` and `err_out`
/// are NULL or writable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn ck_keyring_unlock(
    keyring: *const ck_keyring,
    key: *const c_char,
    pw: *const u8,
    pw_len: usize,
    who: *const c_char,
    reason: *const c_char,
    now: *const c_char,
    key_out: *mut *mut ck_private_key,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let keyring = contract!(borrow(keyring, "keyring"))?;
        let key = contract!(optional_utf8(key, "key"))?;
        let password = contract!(password(pw, pw_len))?;
        let actor = contract!(actor(who, reason))?;
        let now = contract!(time(now, "now"))?;
        let out = Out::new(key_out, "key_out")?;
        let (private, _) = keyring.unlock(key, &password, &actor, now)?;
        contract!(write_key(out, private))
    })
}

/// A password argument where NULL (length 0) is the empty password.
///
/// # Safety
/// As [`optional_bytes`].
unsafe fn password(pw: *const u8, pw_len: usize) -> Result<Password, crate::guard::FfiError> {
    let bytes = contract!(optional_bytes(pw, pw_len, "pw"))?;
    Ok(Password::from_slice(bytes.unwrap_or_default()))
}

/// Signs an artifact's digest with the keyring's active key and records the
/// signing event (for the re-sign list) and audits it. `digest` is hex,
/// optionally `sha256:`-prefixed; the signature is over the digest bytes,
/// as `cosign sign-blob` signs a pre-hashed blob. A stored key is unlocked
/// with `pw`; for a KMS key the KMS signs and `pw` is unused (NULL).
///
/// `*json_out` receives a `SignedArtifact` document.
///
/// Errors: `CK_NULL_PARAMETER`; `CK_INVALID_ARGUMENT` for a bad digest or
/// time; as `ck_keyring_unlock`; KMS errors. Thread-safe.
///
/// # Safety
/// `keyring` is NULL or a live `ck_keyring`; the string arguments are NULL
/// or NUL-terminated (all but `reason` and `now` are required); `pw` has
/// `pw_len` readable bytes or is NULL with length 0; `json_out` and
/// `err_out` are NULL or writable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn ck_keyring_sign_digest(
    keyring: *const ck_keyring,
    artifact: *const c_char,
    digest: *const c_char,
    pipeline: *const c_char,
    pw: *const u8,
    pw_len: usize,
    who: *const c_char,
    reason: *const c_char,
    now: *const c_char,
    json_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let keyring = contract!(borrow(keyring, "keyring"))?;
        let artifact = contract!(utf8(artifact, "artifact"))?;
        let digest = contract!(utf8(digest, "digest"))?;
        let pipeline = contract!(utf8(pipeline, "pipeline"))?;
        let password = contract!(password(pw, pw_len))?;
        let actor = contract!(actor(who, reason))?;
        let now = contract!(time(now, "now"))?;
        let out = Out::new(json_out, "json_out")?;
        let signed = keyring.sign_digest(artifact, digest, pipeline, &password, &actor, now)?;
        contract!(write_json(out, &signed))
    })
}

/// Records that `artifact` at `digest` was signed in `pipeline` by the key
/// with `fingerprint` (`SHA256:…` or hex; NULL: the active key) at `now`,
/// for a signature made elsewhere (e.g. `cosign sign` in a pipeline), and
/// audits it. The ledger keeps the newest signature per (artifact, digest).
/// `*json_out` receives the event as recorded: `{"artifact", "digest",
/// "pipeline", "fingerprint", "key_id" (0 for a key not in the keyring),
/// "signed_at"}`.
///
/// Errors: `CK_NULL_PARAMETER`; `CK_INVALID_ARGUMENT`;
/// `CK_INVALID_FINGERPRINT`; `CK_NOT_FOUND` without an active key when
/// `fingerprint` is NULL; `CK_CONFLICT` under heavy concurrent recording;
/// store and audit errors. Thread-safe.
///
/// # Safety
/// `keyring` is NULL or a live `ck_keyring`; the string arguments are NULL
/// or NUL-terminated (`artifact`, `digest`, `pipeline` and `who` are
/// required); `json_out` and `err_out` are NULL or writable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn ck_keyring_record_signing(
    keyring: *const ck_keyring,
    artifact: *const c_char,
    digest: *const c_char,
    pipeline: *const c_char,
    fingerprint: *const c_char,
    who: *const c_char,
    reason: *const c_char,
    now: *const c_char,
    json_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let keyring = contract!(borrow(keyring, "keyring"))?;
        let artifact = contract!(utf8(artifact, "artifact"))?;
        let digest = contract!(utf8(digest, "digest"))?;
        let pipeline = contract!(utf8(pipeline, "pipeline"))?;
        let fingerprint = contract!(optional_utf8(fingerprint, "fingerprint"))?;
        let actor = contract!(actor(who, reason))?;
        let now = contract!(time(now, "now"))?;
        let out = Out::new(json_out, "json_out")?;
        let event = keyring.record_signing(
            SigningEvent::new(artifact, digest, pipeline),
            fingerprint,
            &actor,
            now,
        )?;
        contract!(write_json(out, &event))
    })
}

/// The artifacts to sign again — those whose newest recorded signature is by
/// a key that is no longer active: `*json_out` receives a JSON array of
/// `ResignEntry` documents.
///
/// Errors: `CK_NULL_PARAMETER`; `CK_NOT_FOUND` before the keyring exists;
/// `CK_KEYRING_INVALID`; store errors. Thread-safe.
///
/// # Safety
/// `keyring` is NULL or a live `ck_keyring`; `json_out` and `err_out` are
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_keyring_resign_list(
    keyring: *const ck_keyring,
    json_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let keyring = contract!(borrow(keyring, "keyring"))?;
        let out = Out::new(json_out, "json_out")?;
        let list = keyring.resign_list()?;
        contract!(write_json(out, &list))
    })
}
