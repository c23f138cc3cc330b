//! Encrypted offline backups of a keyring and recovery from them, with the
//! passphrase optionally split into shares (split knowledge).
//!
//! Secrets: passphrases are copied into wiped memory for the call; shares
//! come back in a wiped `ck_buf`, and share texts given in are wiped after
//! use.

use std::collections::BTreeMap;
use std::ffi::c_char;
use std::path::Path;

use ckcore::backup::{
    blocking, combine_shares, BackupOptions, BackupSecret, RecoveryOptions, RecoverySecret,
    ShareSet,
};
use ckcore::keyring::{to_json, KeyringConfig};
use ckcore::Password;
use serde::Deserialize;
use zeroize::{Zeroize, Zeroizing};

use crate::args::{actor, options, path, time, write_json};
use crate::buf::{ck_buf, write_buf};
use crate::error::ck_error;
use crate::guard::{optional_bytes, run, utf8, FfiError, Out};
use crate::handle::borrow;
use crate::keyring::ck_keyring;
use crate::status::ck_status;

/// The options document of `ck_backup_create`.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct CreateArgs {
    /// age's scrypt work factor (log2 N); absent: age's own choice.
    work_factor: Option<u8>,
    /// Replace an existing backup file.
    overwrite: bool,
}

/// The options document of `ck_backup_recover`.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct RecoverArgs {
    /// Store URIs to restore into instead of the original ones.
    store_map: BTreeMap<String, String>,
    /// Replace a keyring that exists at the target.
    overwrite: bool,
    /// The highest scrypt work factor to accept.
    max_work_factor: Option<u8>,
}

/// Parses a JSON array of share texts. The parser's message is not passed
/// on (it could quote a share); only where the document went wrong.
///
/// # Safety
/// As [`utf8`].
unsafe fn shares(ptr: *const c_char) -> Result<Vec<String>, FfiError> {
    // SAFETY: forwarded contract.
    let text = unsafe { utf8(ptr, "shares_json") }?;
    serde_json::from_str(text).map_err(|e| {
        FfiError::invalid(
            "shares_json",
            format!(
                "is not a JSON array of share strings (line {}, column {})",
                e.line(),
                e.column()
            ),
        )
    })
}

/// `{"summary": <summary>, "shares": ["CKS1-…", …]}`, built in wiped memory.
fn created_document(summary: &str, shares: &[&str]) -> Result<Zeroizing<Vec<u8>>, FfiError> {
    let capacity = summary.len() + 32 + shares.iter().map(|s| s.len() + 3).sum::<usize>();
    let mut doc = Zeroizing::new(Vec::with_capacity(capacity));
    doc.extend_from_slice(b"{\"summary\":");
    doc.extend_from_slice(summary.as_bytes());
    doc.extend_from_slice(b",\"shares\":[");
    for (i, share) in shares.iter().enumerate() {
        // Shares are `CKS1-…` text of letters, digits and dashes: nothing to
        // escape. Anything else would be a core change this must not
        // silently mangle.
        if !share
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(FfiError::invalid(
                "shares",
                "the library made a share with unexpected characters; please report this bug",
            ));
        }
        if i > 0 {
            doc.push(b',');
        }
        doc.push(b'"');
        doc.extend_from_slice(share.as_bytes());
        doc.push(b'"');
    }
    doc.extend_from_slice(b"]}");
    Ok(doc)
}

/// Writes an encrypted backup of the keyring to the file `out_path` (mode
/// 0600; an ASCII-armored age file: `age -d` opens it with the passphrase):
/// the manifest, the signature ledger, a copy of the audit log, and every
/// locally stored key version that still has private material (still
/// encrypted with its own password). KMS keys are recorded but have no
/// private material to back up. Every key read is audited
/// (`key.accessed`), then the backup (`backup.created`).
///
/// The protection is either a passphrase (`passphrase`, `passphrase_len`:
/// non-empty UTF-8; `threshold` and `shares` 0), or, with `passphrase`
/// NULL, a generated passphrase split into `shares` shares of which any
/// `threshold` recover it (2 ≤ threshold ≤ shares ≤ 255); fewer reveal
/// nothing.
///
/// `options_json` (NULL: defaults): `{"work_factor": 18, "overwrite":
/// false}` — age's scrypt work factor (log2 N; default: age's, about a
/// second) and whether to replace an existing file.
///
/// `*json_out` receives, in a buffer wiped by `ck_buf_free` (the shares are
/// secrets: hand each to a different person, then free the buffer):
///
/// ```text
/// {"summary": {"path": "…", "created_at": "<time>", "keyring": "<URI>",
///              "manifest_revision": 9,
///              "keys": [{"id": 3, "fingerprint": "SHA256:…",
///                        "location": {"kind": "store", "uri": "…", "version": 3}}],
///              "share_set": "9F2C1AB04E77D310" | null,
///              "threshold": 2 | null, "shares": 3 | null,
///              "audit_head": {"seq": 20, "hash": "<64 hex>"}},
///  "shares": ["CKS1-9F2C1AB04E77D310-2OF3-1-…", …]}   // [] with a passphrase
/// ```
///
/// Errors: `CK_NULL_PARAMETER`; `CK_INVALID_ARGUMENT` (passphrase, share
/// counts, options, time); `CK_ALREADY_EXISTS` without `overwrite`;
/// `CK_NOT_FOUND` before the keyring exists; `CK_CONFLICT` while an
/// operation is pending (finish it first); `CK_KEYRING_INVALID`; store,
/// `CK_IO` and audit errors. Thread-safe.
///
/// # Safety
/// `keyring` is NULL or a live `ck_keyring`; the string arguments are NULL
/// or NUL-terminated (`out_path` and `who` are required); `passphrase` has
/// `passphrase_len` readable bytes or is NULL with length 0; `json_out` and
/// `err_out` are NULL or writable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn ck_backup_create(
    keyring: *const ck_keyring,
    out_path: *const c_char,
    passphrase: *const u8,
    passphrase_len: usize,
    threshold: u8,
    shares: u8,
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
        let out_path = unsafe { path(out_path, "out_path") }?;
        // SAFETY: caller's contract.
        let passphrase = unsafe { optional_bytes(passphrase, passphrase_len, "passphrase") }?;
        let secret = match (passphrase, threshold, shares) {
            (Some(p), 0, 0) => BackupSecret::Passphrase(Password::from_slice(p)),
            (Some(_), _, _) => {
                return Err(FfiError::invalid(
                    "shares",
                    "give either a passphrase or share counts, not both",
                ))
            }
            (None, 0, 0) => {
                return Err(FfiError::invalid(
                    "passphrase",
                    "is NULL and no shares were asked for: give a passphrase, or threshold \
                     and shares",
                ))
            }
            (None, threshold, shares) => BackupSecret::Shares { threshold, shares },
        };
        // SAFETY: caller's contract.
        let args: CreateArgs = unsafe { options(options_json, "options_json") }?;
        // SAFETY: caller's contract.
        let actor = unsafe { actor(who, reason) }?;
        // SAFETY: caller's contract.
        let now = unsafe { time(now, "now") }?;
        let out = Out::new(json_out, "json_out")?;
        let mut options = BackupOptions::default();
        options.work_factor = args.work_factor;
        options.overwrite = args.overwrite;
        let (summary, set) = blocking::create(keyring, out_path, &secret, &options, &actor, now)?;
        let shares = set
            .as_ref()
            .map(ShareSet::expose_shares)
            .unwrap_or_default();
        let doc = created_document(&to_json(&summary), &shares)?;
        // SAFETY: caller's contract.
        unsafe { write_buf(out, &doc) }
    })
}

/// Restores the backup file `backup_path` into the keyring whose manifest
/// is `manifest_uri` (its ledger beside it) and whose audit log is
/// `audit_path`, writing every key back into its store (the original URI,
/// or one mapped in `options_json`). The keys are the same keys (same
/// fingerprints, same encrypted files, opened by their own passwords). The
/// audit log is restored from the backup when the target has none; the
/// recovery is audited (`backup.recovered`).
///
/// The secret: the passphrase (`passphrase`, `passphrase_len`), or, with
/// `passphrase` NULL, at least the threshold number of shares of the
/// backup's set as a JSON array of strings in `shares_json` (e.g.
/// `["CKS1-…", "CKS1-…"]`; wiped after use). Exactly one of the two.
///
/// `options_json` (NULL: defaults): `{"store_map": {"<original URI>":
/// "<new URI>"}, "overwrite": false, "max_work_factor": 22}` — restore
/// stores elsewhere, replace a keyring that exists at the target, the
/// highest age work factor to accept.
///
/// `*json_out` receives:
///
/// ```text
/// {"keyring": "<URI>", "revision": 1,
///  "keys": [{"id": 3, "fingerprint": "SHA256:…",
///            "location": {"kind": "store", "uri": "…", "version": 1}}],
///  "audit_restored": true, "audit_head": {"seq": 21, "hash": "<64 hex>"}}
/// ```
///
/// Errors: `CK_NULL_PARAMETER`; `CK_INVALID_ARGUMENT`;
/// `CK_RECOVERY_FAILED` for too few shares ("2 of 3 shares needed, 1
/// given"), shares of another set, a damaged share, a wrong passphrase or a
/// file that is not a backup; `CK_CONFLICT` when a keyring exists at the
/// target without `overwrite`; `CK_IO`; store and audit errors. Thread-safe.
///
/// # Safety
/// The string arguments are NULL or NUL-terminated (`backup_path`,
/// `manifest_uri`, `audit_path` and `who` are required); `passphrase` has
/// `passphrase_len` readable bytes or is NULL with length 0; `json_out` and
/// `err_out` are NULL or writable.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn ck_backup_recover(
    backup_path: *const c_char,
    passphrase: *const u8,
    passphrase_len: usize,
    shares_json: *const c_char,
    manifest_uri: *const c_char,
    audit_path: *const c_char,
    options_json: *const c_char,
    who: *const c_char,
    reason: *const c_char,
    now: *const c_char,
    json_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        // SAFETY: caller's contract.
        let backup_path = unsafe { path(backup_path, "backup_path") }?;
        // SAFETY: caller's contract.
        let passphrase = unsafe { optional_bytes(passphrase, passphrase_len, "passphrase") }?;
        let mut secret = match (passphrase, shares_json.is_null()) {
            (Some(p), true) => RecoverySecret::Passphrase(Password::from_slice(p)),
            (None, false) => {
                // SAFETY: caller's contract.
                RecoverySecret::Shares(unsafe { shares(shares_json) }?)
            }
            (Some(_), false) => {
                return Err(FfiError::invalid(
                    "shares_json",
                    "give either the passphrase or the shares, not both",
                ))
            }
            (None, true) => return Err(FfiError::null("passphrase and shares_json")),
        };
        let result = (|| {
            // SAFETY: caller's contract.
            let manifest = unsafe { utf8(manifest_uri, "manifest_uri") }?;
            // SAFETY: caller's contract.
            let audit = unsafe { path(audit_path, "audit_path") }?;
            // SAFETY: caller's contract.
            let args: RecoverArgs = unsafe { options(options_json, "options_json") }?;
            // SAFETY: caller's contract.
            let actor = unsafe { actor(who, reason) }?;
            // SAFETY: caller's contract.
            let now = unsafe { time(now, "now") }?;
            let out = Out::new(json_out, "json_out")?;
            let backup = read(backup_path)?;
            let mut options = RecoveryOptions::default();
            options.store_map = args.store_map.into_iter().collect();
            options.overwrite = args.overwrite;
            options.max_work_factor = args.max_work_factor;
            let target = KeyringConfig::new(manifest, audit);
            let summary = blocking::recover(&backup, &secret, &target, &options, &actor, now)?;
            // SAFETY: caller's contract.
            unsafe { write_json(out, &summary) }
        })();
        if let RecoverySecret::Shares(texts) = &mut secret {
            texts.zeroize();
        }
        result
    })
}

fn read(path: &Path) -> Result<Vec<u8>, FfiError> {
    ckcore::limits::read_file(path, ckcore::limits::Input::Backup).map_err(Into::into)
}

/// Combines shares (a JSON array of strings, at least the threshold number
/// of one set) into the backup passphrase, for `age -d` by hand. The
/// passphrase comes back in `*passphrase_out`, a buffer wiped by
/// `ck_buf_free`; the share texts given are wiped after use.
///
/// Errors: `CK_NULL_PARAMETER`; `CK_INVALID_ARGUMENT` for a document that is
/// not an array of strings; `CK_RECOVERY_FAILED` for too few shares, shares
/// of different sets, a damaged share or one given twice. Thread-safe.
///
/// # Safety
/// `shares_json` is NULL or a NUL-terminated string; `passphrase_out` and
/// `err_out` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_backup_combine_shares(
    shares_json: *const c_char,
    passphrase_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        // SAFETY: caller's contract.
        let mut texts = unsafe { shares(shares_json) }?;
        let result = (|| {
            let out = Out::new(passphrase_out, "passphrase_out")?;
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            let passphrase = combine_shares(&refs)?;
            // SAFETY: caller's contract.
            unsafe { write_buf(out, passphrase.expose_secret()) }
        })();
        texts.zeroize();
        result
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::CK_INVALID_ARGUMENT;

    #[test]
    fn the_created_document_is_built_without_reallocating() {
        let shares = [
            "CKS1-AB-2OF3-1-0A0B-11223344",
            "CKS1-AB-2OF3-2-0C0D-55667788",
        ];
        let doc = created_document(r#"{"threshold":2}"#, &shares).unwrap();
        let capacity =
            r#"{"threshold":2}"#.len() + 32 + shares.iter().map(|s| s.len() + 3).sum::<usize>();
        // No growth: a reallocation would leave an unwiped copy behind.
        assert_eq!(doc.capacity(), capacity);
        let value: serde_json::Value = serde_json::from_slice(&doc).unwrap();
        assert_eq!(value["summary"]["threshold"], 2);
        assert_eq!(value["shares"][1], shares[1]);
        let empty = created_document("{}", &[]).unwrap();
        assert_eq!(&empty[..], br#"{"summary":{},"shares":[]}"#);
        assert_eq!(
            created_document("{}", &["a\"b"]).unwrap_err().status,
            CK_INVALID_ARGUMENT
        );
    }
}
