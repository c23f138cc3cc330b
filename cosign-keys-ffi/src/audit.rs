//! The audit trail: verifying a keyring's hash-chained JSON Lines log,
//! reading its head (to keep elsewhere) and its records.

use std::ffi::c_char;

use ckcore::audit::{AuditHead, AuditLog};

use crate::args::{optional_utf8, path, write_json};
use crate::buf::{ck_buf, write_buf};
use crate::error::ck_error;
use crate::guard::{run, utf8, Out};
use crate::status::ck_status;

/// Verifies the audit log at `path`: the whole hash chain (an edited,
/// deleted, reordered or inserted record breaks it) and, with
/// `expected_head` (`"<seq>:<64 hex>"`: what `ck_audit_head` gives, or the
/// `seq` and `hash` of an `audit_head` object in a lifecycle result), that
/// the log ends exactly there (truncation, records appended out of band).
/// NULL skips the head check. A missing file is an empty log.
///
/// `*json_out` receives `{"records": 12, "head": {"seq": 12, "hash": "<64
/// hex>"}}`: keep the head for the next verification.
///
/// Errors: `CK_NULL_PARAMETER`; `CK_INVALID_ARGUMENT` for a malformed
/// `expected_head`; `CK_AUDIT_TAMPERED`, whose message names the record
/// where the log was changed and why; `CK_IO`. Thread-safe.
///
/// # Safety
/// `path` and `expected_head` are NULL or NUL-terminated strings;
/// `json_out` and `err_out` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_audit_verify(
    path: *const c_char,
    expected_head: *const c_char,
    json_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let log = AuditLog::new(contract!(self::path(path, "path"))?);
        let expected = contract!(optional_utf8(expected_head, "expected_head"))?
            .map(str::parse::<AuditHead>)
            .transpose()?;
        let out = Out::new(json_out, "json_out")?;
        let report = log.verify(expected.as_ref())?;
        contract!(write_json(out, &report))
    })
}

/// Parses an audit head's text form `"<seq>:<64 hex>"` by the core's rule
/// (the one rule for C, Go and Python: surrounding blanks ignored, hex in
/// either case) into `*json_out`: `{"seq": 12, "hash": "<64 lowercase
/// hex>"}` (schema: `AuditHead`).
///
/// Errors: `CK_NULL_PARAMETER`; `CK_INVALID_ARGUMENT` for text that is not
/// an audit head. Thread-safe.
///
/// # Safety
/// `text` is NULL or a NUL-terminated string; `json_out` and `err_out` are
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_audit_head_parse(
    text: *const c_char,
    json_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let text = contract!(utf8(text, "text"))?;
        let out = Out::new(json_out, "json_out")?;
        let head: AuditHead = text.parse()?;
        contract!(write_json(out, &head))
    })
}

/// The audit log's current head as text, `"<seq>:<64 hex>"`
/// (`"0:000…0"` for a missing or empty log), read from the last record
/// alone (it does not verify the chain) into `*head_out`.
///
/// Errors: `CK_NULL_PARAMETER`; `CK_INVALID_ARGUMENT`; `CK_AUDIT_TAMPERED`
/// for a broken last record; `CK_IO`. Thread-safe.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string; `head_out` and `err_out` are
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_audit_head(
    path: *const c_char,
    head_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let log = AuditLog::new(contract!(self::path(path, "path"))?);
        let out = Out::new(head_out, "head_out")?;
        let head = log.head()?;
        contract!(write_buf(out, head.to_string().as_bytes()))
    })
}

/// Every record of the audit log at `path`, oldest first, as a JSON array
/// in `*json_out` (without verifying the chain: call `ck_audit_verify`
/// for that): each element an `AuditEntry` document (the record as written,
/// without its `prev` hash; `$defs/AuditEntry` in
/// `schema/cosign-keys.schema.json`).
///
/// Errors: `CK_NULL_PARAMETER`; `CK_INVALID_ARGUMENT`; `CK_AUDIT_TAMPERED`
/// for an unreadable record; `CK_IO`. Thread-safe.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string; `json_out` and `err_out` are
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_audit_entries(
    path: *const c_char,
    json_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let log = AuditLog::new(contract!(self::path(path, "path"))?);
        let out = Out::new(json_out, "json_out")?;
        let entries = log.entries()?;
        contract!(write_json(out, &entries))
    })
}
