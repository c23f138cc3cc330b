//! `ck_keyring`: a keyring (manifest, signature ledger, audit log) and the
//! calls that read it: status, what is due, the trust bundle and its
//! distribution, the manifest. The lifecycle operations are in
//! [`operations`], signing and the re-sign list in [`signing`].
//!
//! Structured results are JSON documents in a `ck_buf`, serialized by the
//! core exactly as `cosign_keys::keyring::to_json` does; the shapes are
//! given on each function and the manifest's parts in
//! `docs/keyring-format.md`. Times are RFC 3339 UTC strings to the second
//! (`"2026-11-25T11:26:45Z"`); absent optional values are `null` or left
//! out. New fields may be added to any document; readers should ignore
//! fields they do not know.

use std::ffi::c_char;

use ckcore::keyring::blocking::Keyring;
use ckcore::keyring::KeyringConfig;
use serde_json::json;

use crate::args::{actor, path, time, write_json};
use crate::buf::{ck_buf, write_buf};
use crate::error::ck_error;
use crate::guard::{run, run_or, utf8, FfiError, Out};
use crate::handle::{borrow, free, into_handle, Opaque};
use crate::status::ck_status;

pub mod operations;
pub mod signing;

/// A keyring opened with `ck_keyring_open`: where its manifest, signature
/// ledger and audit log live. Holds no secret and no lock; every call reads
/// the manifest afresh and saves it with check-and-set, so several handles
/// (in this or other processes) may work on one keyring, and a call that
/// loses a race fails with `CK_CONFLICT` instead of overwriting.
///
/// The caller owns it and frees it with `ck_keyring_free`. Thread safety:
/// any number of threads may use one handle at once; `ck_keyring_free` must
/// not race with any other use.
pub struct ck_keyring {
    _private: [u8; 0],
}

impl Opaque for ck_keyring {
    type Inner = Keyring;
}

// Handles are shared between threads: the keyring must allow it.
const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<Keyring>();
};

/// Opens the keyring whose manifest is at `manifest_uri` (a file path,
/// `file:///…`, or `vault-kv://mount/path`) with its audit log at the local
/// file `audit_path`; the signature ledger lives beside the manifest
/// (`keyring.json` → `keyring.signatures.json`). Credentials for Vault come
/// from the environment (`VAULT_ADDR`, `VAULT_TOKEN`, …). Nothing is read or
/// created yet: a keyring that does not exist is created by
/// `ck_keyring_init` or a first `ck_keyring_rotate`.
///
/// Errors: `CK_NULL_PARAMETER`; `CK_INVALID_ARGUMENT` (empty or non-UTF-8
/// URI, empty path); `CK_INVALID_URI`; `CK_NOT_SUPPORTED` for a scheme this
/// library was built without. Thread-safe.
///
/// # Safety
/// `manifest_uri` and `audit_path` are NULL or NUL-terminated strings;
/// `keyring_out` and `err_out` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_keyring_open(
    manifest_uri: *const c_char,
    audit_path: *const c_char,
    keyring_out: *mut *mut ck_keyring,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let manifest = contract!(utf8(manifest_uri, "manifest_uri"))?;
        let audit = contract!(path(audit_path, "audit_path"))?;
        let out = Out::new(keyring_out, "keyring_out")?;
        if manifest.is_empty() {
            return Err(FfiError::invalid("manifest_uri", "is empty"));
        }
        let keyring = Keyring::open(KeyringConfig::new(manifest, audit))?;
        contract!(out.write(into_handle::<ck_keyring>(keyring)));
        Ok(())
    })
}

/// Frees a keyring handle (nothing on disk changes). NULL is ignored.
///
/// # Safety
/// `keyring` is NULL or a live `ck_keyring` not used by any other thread.
#[no_mangle]
pub unsafe extern "C" fn ck_keyring_free(keyring: *mut ck_keyring) {
    run_or((), || contract!(free(keyring)));
}

/// The keyring's state at `now` (RFC 3339 UTC, NULL: the current time):
/// `*json_out` receives a `Status` document (`$defs/Status` in
/// `schema/cosign-keys.schema.json`, as every JSON result of this header).
///
/// Errors: `CK_NULL_PARAMETER`; `CK_INVALID_ARGUMENT` for a bad time;
/// `CK_NOT_FOUND` before the keyring exists; `CK_KEYRING_INVALID`; store
/// errors (`CK_UNAVAILABLE`, `CK_PERMISSION_DENIED`, …). A broken, deleted
/// or replaced audit log is reported in `audit_problem`, not as an error.
/// Thread-safe.
///
/// # Safety
/// `keyring` is NULL or a live `ck_keyring`; `now` is NULL or a
/// NUL-terminated string; `json_out` and `err_out` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_keyring_status(
    keyring: *const ck_keyring,
    now: *const c_char,
    json_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let keyring = contract!(borrow(keyring, "keyring"))?;
        let now = contract!(time(now, "now"))?;
        let out = Out::new(json_out, "json_out")?;
        let status = keyring.status(now)?;
        contract!(write_json(out, &status))
    })
}

/// Verifies the keyring's audit log: the whole hash chain, and that the log
/// still holds the record the manifest was last saved after (its anchor),
/// so a deleted, truncated or replaced log is found without a head kept
/// elsewhere (manifests written before anchors existed: the chain alone).
/// `*json_out` receives an `AuditReport` document (`incomplete_tail`:
/// bytes of a record torn by a crash, which the next write moves aside).
///
/// Errors: `CK_NULL_PARAMETER`; `CK_AUDIT_TAMPERED` naming the record;
/// `CK_KEYRING_INVALID`; store errors; `CK_IO`. Thread-safe.
///
/// # Safety
/// `keyring` is NULL or a live `ck_keyring`; `json_out` and `err_out` are
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_keyring_verify_audit(
    keyring: *const ck_keyring,
    json_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let keyring = contract!(borrow(keyring, "keyring"))?;
        let out = Out::new(json_out, "json_out")?;
        let report = keyring.verify_audit()?;
        contract!(write_json(out, &report))
    })
}

/// What the rotation policy asks for at `now` (NULL: the current time):
/// `*json_out` receives a `Due` document.
///
/// Errors: as `ck_keyring_status`. Thread-safe.
///
/// # Safety
/// As `ck_keyring_status`.
#[no_mangle]
pub unsafe extern "C" fn ck_keyring_due(
    keyring: *const ck_keyring,
    now: *const c_char,
    json_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let keyring = contract!(borrow(keyring, "keyring"))?;
        let now = contract!(time(now, "now"))?;
        let out = Out::new(json_out, "json_out")?;
        let due = keyring.due(now)?;
        contract!(write_json(out, &due))
    })
}

/// The public keys a verifier should trust at `at` (NULL: now) as one
/// multi-key PEM bundle in `*pem_out`: the `PUBLIC KEY` blocks of the active
/// key first, then of the deactivated keys still inside their transition
/// window, newest first (never compromised, retired, destroyed or pre-active
/// keys). Empty when no key is trusted. This is the
/// `cosign-trust-bundle.pem` that `ck_keyring_distribute` writes.
///
/// Errors: as `ck_keyring_status`. Thread-safe.
///
/// # Safety
/// `keyring` is NULL or a live `ck_keyring`; `at` is NULL or a
/// NUL-terminated string; `pem_out` and `err_out` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_keyring_trust_bundle(
    keyring: *const ck_keyring,
    at: *const c_char,
    pem_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let keyring = contract!(borrow(keyring, "keyring"))?;
        let at = contract!(time(at, "at"))?;
        let out = Out::new(pem_out, "pem_out")?;
        let bundle = keyring.trust_bundle(at)?;
        contract!(write_buf(out, bundle.pem().as_bytes()))
    })
}

/// The trust bundle at `at` (NULL: now): `*json_out` receives a
/// `TrustBundle` document, its keys in the order of the PEM of
/// `ck_keyring_trust_bundle`.
///
/// Errors: as `ck_keyring_status`. Thread-safe.
///
/// # Safety
/// As `ck_keyring_trust_bundle`, with `json_out`.
#[no_mangle]
pub unsafe extern "C" fn ck_keyring_trust_bundle_json(
    keyring: *const ck_keyring,
    at: *const c_char,
    json_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let keyring = contract!(borrow(keyring, "keyring"))?;
        let at = contract!(time(at, "at"))?;
        let out = Out::new(json_out, "json_out")?;
        let bundle = keyring.trust_bundle(at)?;
        contract!(write_json(out, &bundle))
    })
}

/// Writes the trust bundle at `now` (NULL: the current time) into the
/// directory `dir` (created if missing), atomically and mode 0644:
/// `cosign.pub` (the active key), `cosign.pub.old` (the newest deactivated
/// key still trusted) and `cosign-trust-bundle.pem` (every trusted key). A
/// `cosign.pub` or `cosign.pub.old` left from an earlier bundle is removed
/// when no key belongs there now. Audits the distribution (who, `reason`,
/// the directory, the fingerprints). `*json_out` receives the bundle as
/// `ck_keyring_trust_bundle_json` gives it.
///
/// Errors: as `ck_keyring_status`; `CK_IO` for the files. Thread-safe.
///
/// # Safety
/// `keyring` is NULL or a live `ck_keyring`; `dir`, `who`, `reason` and
/// `now` are NULL or NUL-terminated strings (`who` and `dir` are required);
/// `json_out` and `err_out` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_keyring_distribute(
    keyring: *const ck_keyring,
    dir: *const c_char,
    who: *const c_char,
    reason: *const c_char,
    now: *const c_char,
    json_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let keyring = contract!(borrow(keyring, "keyring"))?;
        let dir = contract!(path(dir, "dir"))?;
        let actor = contract!(actor(who, reason))?;
        let now = contract!(time(now, "now"))?;
        let out = Out::new(json_out, "json_out")?;
        let bundle = keyring.distribute(dir, &actor, now)?;
        contract!(write_json(out, &bundle))
    })
}

/// The manifest as stored, with its revision, as JSON in `*json_out`:
/// `{"revision": 7, "manifest": {<docs/keyring-format.md>}}`, or
/// `{"revision": 0, "manifest": null}` before the keyring exists.
///
/// Errors: `CK_NULL_PARAMETER`; `CK_KEYRING_INVALID`; store errors.
/// Thread-safe.
///
/// # Safety
/// `keyring` is NULL or a live `ck_keyring`; `json_out` and `err_out` are
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_keyring_manifest(
    keyring: *const ck_keyring,
    json_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let keyring = contract!(borrow(keyring, "keyring"))?;
        let out = Out::new(json_out, "json_out")?;
        let doc = match keyring.manifest()? {
            Some((manifest, revision)) => json!({"revision": revision, "manifest": manifest}),
            None => json!({"revision": 0, "manifest": null}),
        };
        contract!(write_json(out, &doc))
    })
}
