//! The lifecycle operations on a `ck_keyring`: init, policy, rotate,
//! emergency rotation, revoke, retire, destroy, resume.
//!
//! Keys are named by a *selector*: their keyring id (`"2"`, `"#2"`) or
//! their fingerprint (`"SHA256:…"`). Every operation is audited with the
//! actor (`who`, `reason`, this host) and the time `now` (RFC 3339 UTC,
//! NULL: the current time; pass explicit times to rehearse a schedule).

use std::ffi::c_char;

use ckcore::keyring::{Compromise, DestroyOptions, NewKey, RotateOptions, RotationPolicy};
use ckcore::{Password, ScryptParams};
use serde::Deserialize;
use serde_json::json;

use super::ck_keyring;
use crate::algorithm::ck_algorithm;
use crate::args::{actor, optional_utf8, options, time, write_json};
use crate::buf::ck_buf;
use crate::error::ck_error;
use crate::guard::{optional_bytes, run, utf8, FfiError, Out};
use crate::handle::borrow;
use crate::status::ck_status;

/// A policy argument: `{"period_days": N, "transition_window_days": M}`,
/// the window optional (30 days, or one day less than a shorter period).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyArg {
    period_days: u32,
    transition_window_days: Option<u32>,
}

/// Parses a policy argument; NULL is the annual policy.
///
/// # Safety
/// As [`utf8`].
unsafe fn policy(ptr: *const c_char) -> Result<RotationPolicy, FfiError> {
    // SAFETY: forwarded contract.
    let Some(text) = (unsafe { optional_utf8(ptr, "policy_json") })? else {
        return Ok(RotationPolicy::annual());
    };
    let arg: PolicyArg = serde_json::from_str(text).map_err(|e| {
        FfiError::invalid(
            "policy_json",
            format!("is not {{\"period_days\": N, \"transition_window_days\": M}}: {e}"),
        )
    })?;
    arg.policy()
}

impl PolicyArg {
    fn policy(&self) -> Result<RotationPolicy, FfiError> {
        let policy = RotationPolicy::every_days(self.period_days)?;
        Ok(match self.transition_window_days {
            Some(days) => policy.with_transition_window_days(days)?,
            None => policy,
        })
    }
}

/// Scrypt parameters in an options document.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScryptArg {
    n: u64,
    r: u32,
    p: u32,
}

/// The options document of the rotating calls (all fields optional).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct RotateArgs {
    /// The old key's transition window instead of the policy's.
    transition_window_days: Option<u32>,
    /// Rotate only if the keyring is still at this revision.
    expect_revision: Option<u64>,
    /// The policy of a keyring this rotation creates.
    policy: Option<PolicyArg>,
    /// Also keep the password in the store (Vault KV's `password` field).
    keep_password_in_store: bool,
    /// Encrypt the new key with these scrypt parameters.
    scrypt: Option<ScryptArg>,
}

impl RotateArgs {
    fn rotate_options(&self) -> Result<RotateOptions, FfiError> {
        let mut options = RotateOptions::default();
        options.transition_window_days = self.transition_window_days;
        options.expect_revision = self.expect_revision;
        options.policy = self.policy.as_ref().map(PolicyArg::policy).transpose()?;
        Ok(options)
    }

    /// Refuses the options that only a scheduled rotation takes.
    fn only_new_key(&self, call: &str) -> Result<(), FfiError> {
        if self.transition_window_days.is_some()
            || self.expect_revision.is_some()
            || self.policy.is_some()
        {
            return Err(FfiError::invalid(
                "options_json",
                format!(
                    "{call} takes only `keep_password_in_store` and `scrypt` (the compromised \
                     key is untrusted at once)"
                ),
            ));
        }
        Ok(())
    }
}

/// The new key of a rotation: generated into the key store at `uri` and
/// encrypted with the password, or (password NULL) created in the KMS at
/// `uri`.
///
/// # Safety
/// `uri` as [`utf8`]; `pw` as [`optional_bytes`].
unsafe fn new_key(
    uri: *const c_char,
    algorithm: ck_algorithm,
    pw: *const u8,
    pw_len: usize,
    args: &RotateArgs,
) -> Result<NewKey, FfiError> {
    // SAFETY: forwarded contract.
    let uri = unsafe { utf8(uri, "new_key_uri") }?;
    let algorithm = algorithm.to_core_arg()?;
    // SAFETY: forwarded contract.
    let Some(pw) = (unsafe { optional_bytes(pw, pw_len, "pw") })? else {
        if args.keep_password_in_store || args.scrypt.is_some() {
            return Err(FfiError::invalid(
                "options_json",
                "`keep_password_in_store` and `scrypt` apply to a key generated into a store \
                 (give a password), not to a KMS key",
            ));
        }
        return Ok(NewKey::kms(uri, algorithm));
    };
    let mut key = NewKey::store(uri, algorithm, Password::from_slice(pw));
    if args.keep_password_in_store {
        key = key.keep_password_in_store();
    }
    if let Some(s) = &args.scrypt {
        key = key.with_scrypt_params(ScryptParams::from_n(s.n, u64::from(s.r), u64::from(s.p))?);
    }
    Ok(key)
}

/// Creates an empty keyring with a rotation policy: `policy_json` is
/// `{"period_days": 90, "transition_window_days": 14}` (the window is
/// optional: 30 days, or one day less than a shorter period), or NULL for
/// the annual policy (365 days, 30-day window). Audited
/// (`keyring.created`).
///
/// Errors: `CK_NULL_PARAMETER`; `CK_INVALID_ARGUMENT` for a bad policy
/// (period 0, window not shorter than the period) or time; `CK_CONFLICT`
/// if the keyring exists; store and audit errors (`CK_IO`, …). Thread-safe.
///
/// # Safety
/// `keyring` is NULL or a live `ck_keyring`; `policy_json`, `who`, `reason`
/// and `now` are NULL or NUL-terminated strings (`who` is required);
/// `err_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_keyring_init(
    keyring: *const ck_keyring,
    policy_json: *const c_char,
    who: *const c_char,
    reason: *const c_char,
    now: *const c_char,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        // SAFETY: caller's contract.
        let keyring = unsafe { borrow(keyring, "keyring") }?;
        // SAFETY: caller's contract.
        let policy = unsafe { policy(policy_json) }?;
        // SAFETY: caller's contract.
        let actor = unsafe { actor(who, reason) }?;
        // SAFETY: caller's contract.
        let now = unsafe { time(now, "now") }?;
        keyring.init(policy, &actor, now)?;
        Ok(())
    })
}

/// Changes the rotation policy (`policy_json` as in `ck_keyring_init`,
/// required here). Keys deactivated from now on get the new window; windows
/// already running keep their end. Audited (`policy.changed`).
///
/// Errors: `CK_NULL_PARAMETER`; `CK_INVALID_ARGUMENT`; `CK_NOT_FOUND`
/// before the keyring exists; `CK_CONFLICT`; store and audit errors.
/// Thread-safe.
///
/// # Safety
/// As `ck_keyring_init`.
#[no_mangle]
pub unsafe extern "C" fn ck_keyring_set_policy(
    keyring: *const ck_keyring,
    policy_json: *const c_char,
    who: *const c_char,
    reason: *const c_char,
    now: *const c_char,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        // SAFETY: caller's contract.
        let keyring = unsafe { borrow(keyring, "keyring") }?;
        if policy_json.is_null() {
            return Err(FfiError::null("policy_json"));
        }
        // SAFETY: caller's contract.
        let policy = unsafe { policy(policy_json) }?;
        // SAFETY: caller's contract.
        let actor = unsafe { actor(who, reason) }?;
        // SAFETY: caller's contract.
        let now = unsafe { time(now, "now") }?;
        keyring.set_policy(policy, &actor, now)?;
        Ok(())
    })
}

/// Rotates: creates a new key, records it, activates it, and deactivates the
/// old active key with the policy's transition window (it stays trusted for
/// verification until the window ends). Creates the keyring if it does not
/// exist yet.
///
/// The new key: with a password (`pw`, `pw_len`; length 0 is the empty
/// password), an `algorithm` key is generated here, encrypted in cosign's
/// format and put into the key store `new_key_uri` (a directory path,
/// `file:///…`, `vault-kv://mount/path`) as a new version; with `pw` NULL
/// (and `pw_len` 0) it is created in the KMS `new_key_uri`
/// (`hashivault://…`, `awskms://…`). The new key is stored before the
/// keyring records it, and the old key stays active until the single save
/// that switches them: after a failure the keyring is consistent, the old
/// key still signs, and calling again with the same target completes the
/// rotation.
///
/// `options_json` (NULL: defaults), every field optional:
/// `{"transition_window_days": 7, "expect_revision": 12,
///   "policy": {"period_days": 90}, "keep_password_in_store": false,
///   "scrypt": {"n": 65536, "r": 8, "p": 1}}` — the old key's window
/// instead of the policy's; rotate only if the keyring is still at that
/// revision (else `CK_CONFLICT`); the policy of a keyring this call
/// creates; keep the password in the store too; the new key file's scrypt
/// cost (default: cosign's). Unknown fields are refused.
///
/// `*json_out` receives:
///
/// ```text
/// {"operation": "<id>", "kind": "rotate", "resumed": false,
///  "new_key": 2, "new_fingerprint": "SHA256:…",
///  "location": {"kind": "store", "uri": "…", "version": 2}
///            | {"kind": "kms", "uri": "…", "version": "<KMS version>"},
///  "old_key": 1 | null, "old_fingerprint": "SHA256:…" | null,
///  "old_trusted_until": "<time>" | null,
///  "revision": 5, "audit_head": {"seq": 9, "hash": "<64 hex>"},
///  "audit_pending": 0, "audit_error": null}
/// ```
///
/// `audit_pending` counts audit records not yet in the log (an emergency
/// rotation goes on when the log cannot be written); they are kept in the
/// keyring and appended by the next operation that can write the log, and
/// `audit_error` says why (with the error code). 0 / null: the audit trail
/// is complete.
///
/// Errors: `CK_NULL_PARAMETER`; `CK_INVALID_ARGUMENT` (algorithm, options,
/// time); `CK_INVALID_KDF_PARAMS`; `CK_CONFLICT` when another operation is
/// pending or won the race; `CK_INVALID_TRANSITION`; store, KMS and audit
/// errors. The password is copied into wiped memory and never kept.
/// Thread-safe.
///
/// # Safety
/// `keyring` is NULL or a live `ck_keyring`; the string arguments are NULL
/// or NUL-terminated (`new_key_uri` and `who` are required); `pw` has
/// `pw_len` readable bytes or is NULL with `pw_len` 0; `json_out` and
/// `err_out` are NULL or writable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn ck_keyring_rotate(
    keyring: *const ck_keyring,
    new_key_uri: *const c_char,
    algorithm: ck_algorithm,
    pw: *const u8,
    pw_len: usize,
    options_json: *const c_char,
    who: *const c_char,
    reason: *const c_char,
    now: *const c_char,
    json_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        // SAFETY: caller's contract.
        let keyring = unsafe { borrow(keyring, "keyring") }?;
        // SAFETY: caller's contract.
        let args: RotateArgs = unsafe { options(options_json, "options_json") }?;
        // SAFETY: caller's contract.
        let new = unsafe { new_key(new_key_uri, algorithm, pw, pw_len, &args) }?;
        // SAFETY: caller's contract.
        let actor = unsafe { actor(who, reason) }?;
        // SAFETY: caller's contract.
        let now = unsafe { time(now, "now") }?;
        let out = Out::new(json_out, "json_out")?;
        let outcome = keyring.rotate_with(&new, &args.rotate_options()?, &actor, now)?;
        // SAFETY: caller's contract.
        unsafe { write_json(out, &outcome) }
    })
}

/// Emergency rotation: marks `key` (a selector: id or fingerprint)
/// compromised — untrusted at once, never active again — with `reason` and
/// `incident` (both required and non-empty; `reason` is also the audit
/// reason), and rotates to a new key in the same call. The new key as in
/// `ck_keyring_rotate`; `options_json` may hold only
/// `keep_password_in_store` and `scrypt`. An interrupted emergency rotation
/// of the same key to the same target is completed by calling again.
///
/// `*json_out` receives the rotation outcome as in `ck_keyring_rotate`, with
/// `"kind": "emergency-rotate"` and `"old_trusted_until": null`.
///
/// Errors: as `ck_keyring_rotate`; `CK_NOT_FOUND` for an unknown key;
/// `CK_INVALID_TRANSITION` for a key that cannot be compromised (already
/// compromised, destroyed); `CK_INVALID_ARGUMENT` without reason or
/// incident. Thread-safe.
///
/// # Safety
/// As `ck_keyring_rotate`; `key`, `reason` and `incident` are required
/// NUL-terminated strings.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn ck_keyring_emergency_rotate(
    keyring: *const ck_keyring,
    key: *const c_char,
    reason: *const c_char,
    incident: *const c_char,
    new_key_uri: *const c_char,
    algorithm: ck_algorithm,
    pw: *const u8,
    pw_len: usize,
    options_json: *const c_char,
    who: *const c_char,
    now: *const c_char,
    json_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        // SAFETY: caller's contract.
        let keyring = unsafe { borrow(keyring, "keyring") }?;
        // SAFETY: caller's contract.
        let key = unsafe { utf8(key, "key") }?;
        // SAFETY: caller's contract.
        let compromise = unsafe { compromise(reason, incident) }?;
        // SAFETY: caller's contract.
        let args: RotateArgs = unsafe { options(options_json, "options_json") }?;
        args.only_new_key("an emergency rotation")?;
        // SAFETY: caller's contract.
        let new = unsafe { new_key(new_key_uri, algorithm, pw, pw_len, &args) }?;
        // SAFETY: caller's contract.
        let actor = unsafe { actor(who, reason) }?;
        // SAFETY: caller's contract.
        let now = unsafe { time(now, "now") }?;
        let out = Out::new(json_out, "json_out")?;
        let outcome = keyring.emergency_rotate(key, &compromise, &new, &actor, now)?;
        // SAFETY: caller's contract.
        unsafe { write_json(out, &outcome) }
    })
}

/// The reason and incident of a compromise, both required.
///
/// # Safety
/// As [`utf8`], for both pointers.
unsafe fn compromise(
    reason: *const c_char,
    incident: *const c_char,
) -> Result<Compromise, FfiError> {
    Ok(Compromise {
        // SAFETY: forwarded contract.
        reason: unsafe { utf8(reason, "reason") }?.to_owned(),
        // SAFETY: forwarded contract.
        incident: unsafe { utf8(incident, "incident") }?.to_owned(),
    })
}

/// Revokes: marks `key` (id or fingerprint) compromised with `reason` and
/// `incident` (both required and non-empty; `reason` is also the audit
/// reason). Verifiers stop trusting it at once and it can never be active
/// again. If it was the active key, the keyring has no active key until the
/// next rotation (`ck_keyring_emergency_rotate` does both in one call).
///
/// `*json_out` receives:
///
/// ```text
/// {"operation": "<id>", "resumed": false, "key": 2,
///  "fingerprint": "SHA256:…", "previous_state": "active",
///  "incident": "INC-4711", "active_key": 3 | null,
///  "revision": 9, "audit_head": {"seq": 14, "hash": "<64 hex>"},
///  "audit_pending": 0, "audit_error": null}
/// ```
///
/// A revocation is never blocked by the audit log: when the log cannot be
/// written (full disk, I/O error, read-only, locked, or a log that no
/// longer holds the keyring's anchor) the key is still marked compromised,
/// the call returns `CK_OK` with `"audit_pending": <records kept in the
/// keyring>` and `"audit_error": "<why, with the error code>"`, and the next
/// operation that can write the log appends the records.
///
/// Errors: `CK_NULL_PARAMETER`; `CK_INVALID_ARGUMENT` (empty reason or
/// incident, time); `CK_NOT_FOUND`; `CK_INVALID_TRANSITION` (already
/// compromised, destroyed); `CK_CONFLICT`; store and audit errors (a retry
/// completes the revocation). Thread-safe.
///
/// # Safety
/// `keyring` is NULL or a live `ck_keyring`; the string arguments are NULL
/// or NUL-terminated (all but `now` are required); `json_out` and `err_out`
/// are NULL or writable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn ck_keyring_revoke(
    keyring: *const ck_keyring,
    key: *const c_char,
    reason: *const c_char,
    incident: *const c_char,
    who: *const c_char,
    now: *const c_char,
    json_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        // SAFETY: caller's contract.
        let keyring = unsafe { borrow(keyring, "keyring") }?;
        // SAFETY: caller's contract.
        let key = unsafe { utf8(key, "key") }?;
        // SAFETY: caller's contract.
        let compromise = unsafe { compromise(reason, incident) }?;
        // SAFETY: caller's contract.
        let actor = unsafe { actor(who, reason) }?;
        // SAFETY: caller's contract.
        let now = unsafe { time(now, "now") }?;
        let out = Out::new(json_out, "json_out")?;
        let outcome = keyring.revoke(key, &compromise, &actor, now)?;
        // SAFETY: caller's contract.
        unsafe { write_json(out, &outcome) }
    })
}

/// Retires deactivated keys whose transition window has ended: `key` (id or
/// fingerprint) alone, or, with `key` NULL, every key `ck_keyring_due`
/// lists under `"retire"`. A retired key is never trusted again and may be
/// destroyed. `*json_out` receives `{"retired": [1]}` (empty when nothing
/// was due).
///
/// Errors: `CK_NULL_PARAMETER`; `CK_INVALID_ARGUMENT`; `CK_NOT_FOUND`;
/// `CK_INVALID_TRANSITION` for a key that is not deactivated, whose window
/// is still open, or that is already retired; `CK_CONFLICT`; store and
/// audit errors. Thread-safe.
///
/// # Safety
/// `keyring` is NULL or a live `ck_keyring`; `key`, `who`, `reason` and
/// `now` are NULL or NUL-terminated strings (`who` is required); `json_out`
/// and `err_out` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_keyring_retire(
    keyring: *const ck_keyring,
    key: *const c_char,
    who: *const c_char,
    reason: *const c_char,
    now: *const c_char,
    json_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        // SAFETY: caller's contract.
        let keyring = unsafe { borrow(keyring, "keyring") }?;
        // SAFETY: caller's contract.
        let key = unsafe { optional_utf8(key, "key") }?;
        // SAFETY: caller's contract.
        let actor = unsafe { actor(who, reason) }?;
        // SAFETY: caller's contract.
        let now = unsafe { time(now, "now") }?;
        let out = Out::new(json_out, "json_out")?;
        let retired = keyring.retire(key, &actor, now)?;
        // SAFETY: caller's contract.
        unsafe { write_json(out, &json!({ "retired": retired })) }
    })
}

/// Destroys `key`'s private material (id or fingerprint): its store version
/// is deleted irrecoverably and the key recorded `destroyed`; the record and
/// its public key stay. Allowed for pre-active, compromised and retired
/// keys. `*json_out` receives `{"audit_head": {"seq": 15, "hash": "…"}}`.
///
/// The key at the recorded location must be the recorded key: another key
/// there is `CK_KEY_MISMATCH`, nothing there `CK_NOT_FOUND`; both erase
/// nothing and record nothing (see `ck_keyring_destroy_with` for material
/// known to be gone).
///
/// Errors: `CK_NULL_PARAMETER`; `CK_INVALID_ARGUMENT`; `CK_NOT_FOUND`;
/// `CK_KEY_MISMATCH`; `CK_INVALID_TRANSITION` (active keys, deactivated
/// keys not yet retired, destroyed keys); `CK_NOT_SUPPORTED` for a KMS key
/// (schedule its deletion in the KMS); `CK_CONFLICT`; store and audit
/// errors (a retry completes it). Thread-safe.
///
/// # Safety
/// `keyring` is NULL or a live `ck_keyring`; `key`, `who`, `reason` and
/// `now` are NULL or NUL-terminated strings (`key` and `who` are required);
/// `json_out` and `err_out` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_keyring_destroy(
    keyring: *const ck_keyring,
    key: *const c_char,
    who: *const c_char,
    reason: *const c_char,
    now: *const c_char,
    json_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    // SAFETY: caller's contract; NULL options are the defaults.
    unsafe {
        ck_keyring_destroy_with(
            keyring,
            key,
            std::ptr::null(),
            who,
            reason,
            now,
            json_out,
            err_out,
        )
    }
}

/// The options document of `ck_keyring_destroy_with` (all fields optional).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct DestroyArgs {
    /// Record material that is not found at its location as gone.
    material_gone: bool,
}

/// `ck_keyring_destroy` with options: `options_json` is NULL or
/// `{"material_gone": true}`. With `material_gone`, a key whose material is
/// not found at its recorded location is recorded destroyed anyway (the
/// caller knows it is gone), and the audit record says it was not verified;
/// another key found there is still `CK_KEY_MISMATCH`. `*json_out` as for
/// `ck_keyring_destroy`.
///
/// Errors: as `ck_keyring_destroy`; `CK_INVALID_ARGUMENT` for bad options
/// JSON. Thread-safe.
///
/// # Safety
/// As `ck_keyring_destroy`; `options_json` is NULL or a NUL-terminated
/// string.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn ck_keyring_destroy_with(
    keyring: *const ck_keyring,
    key: *const c_char,
    options_json: *const c_char,
    who: *const c_char,
    reason: *const c_char,
    now: *const c_char,
    json_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        // SAFETY: caller's contract.
        let keyring = unsafe { borrow(keyring, "keyring") }?;
        // SAFETY: caller's contract.
        let key = unsafe { utf8(key, "key") }?;
        // SAFETY: caller's contract.
        let args: DestroyArgs = unsafe { options(options_json, "options_json") }?;
        // SAFETY: caller's contract.
        let actor = unsafe { actor(who, reason) }?;
        // SAFETY: caller's contract.
        let now = unsafe { time(now, "now") }?;
        let out = Out::new(json_out, "json_out")?;
        let mut opts = DestroyOptions::default();
        opts.material_gone = args.material_gone;
        let head = keyring.destroy_with(key, &opts, &actor, now)?;
        // SAFETY: caller's contract.
        unsafe { write_json(out, &json!({ "audit_head": head })) }
    })
}

/// Completes an interrupted operation (after a crash or a failed call),
/// whichever it is. A rotation stopped before its new key was stored needs
/// the same new key it was started with (`new_key_uri`, `algorithm`,
/// password, `options_json` as in `ck_keyring_rotate`); otherwise pass
/// `new_key_uri` NULL (then `algorithm`, `pw`, `options_json` are ignored).
/// `*json_out` receives `{"completed": "rotate" | "emergency-rotate" |
/// "revoke" | "retire" | "destroy" | null}` (null: nothing was pending).
///
/// Errors: `CK_NULL_PARAMETER`; `CK_INVALID_ARGUMENT` when a rotation needs
/// its new key; `CK_CONFLICT` when the new key given is not the pending
/// rotation's target; as the operation being completed. Thread-safe.
///
/// # Safety
/// `keyring` is NULL or a live `ck_keyring`; the string arguments are NULL
/// or NUL-terminated; `pw` has `pw_len` readable bytes or is NULL with
/// `pw_len` 0; `json_out` and `err_out` are NULL or writable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn ck_keyring_resume(
    keyring: *const ck_keyring,
    new_key_uri: *const c_char,
    algorithm: ck_algorithm,
    pw: *const u8,
    pw_len: usize,
    options_json: *const c_char,
    now: *const c_char,
    json_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        // SAFETY: caller's contract.
        let keyring = unsafe { borrow(keyring, "keyring") }?;
        let new = if new_key_uri.is_null() {
            None
        } else {
            // SAFETY: caller's contract.
            let args: RotateArgs = unsafe { options(options_json, "options_json") }?;
            // SAFETY: caller's contract.
            Some(unsafe { new_key(new_key_uri, algorithm, pw, pw_len, &args) }?)
        };
        // SAFETY: caller's contract.
        let now = unsafe { time(now, "now") }?;
        let out = Out::new(json_out, "json_out")?;
        let completed = keyring.resume(new.as_ref(), now)?;
        // SAFETY: caller's contract.
        unsafe { write_json(out, &json!({ "completed": completed })) }
    })
}
