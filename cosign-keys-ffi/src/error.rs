//! `ck_error`: the detail of a failed call, returned through `err_out`.

use std::ffi::c_char;

use ckcore::{ErrorCode, ErrorDocument};
use serde_json::{Map, Value};

use crate::guard::run_or;
use crate::handle::{borrow, free, Opaque};
use crate::status::{ck_status, CK_NULL_PARAMETER};

/// The detail of a failed call: its status code and a message that says what
/// happened and what to do. Messages never contain passwords or key bytes.
///
/// Made by a failing function when its `err_out` argument is not NULL; the
/// caller owns it and frees it with `ck_error_free`. Immutable: it may be
/// read from several threads at once, but not freed while in use.
pub struct ck_error {
    _private: [u8; 0],
}

/// What a `ck_error` handle owns.
pub(crate) struct ErrorObject {
    pub(crate) status: ck_status,
    pub(crate) message: String,
    pub(crate) details: Map<String, Value>,
}

impl ErrorObject {
    /// The core's error document for this error, as JSON.
    fn json(&self) -> String {
        ErrorDocument {
            code: self.status.0,
            name: ErrorCode::from_code(self.status.0)
                .map_or("UNKNOWN", ErrorCode::name)
                .to_owned(),
            message: self.message.clone(),
            details: self.details.clone(),
        }
        .to_json()
    }
}

impl Opaque for ck_error {
    type Inner = ErrorObject;
}

/// The status code of an error (the same value the failed call returned).
/// Returns `CK_NULL_PARAMETER` if `err` is NULL.
///
/// # Safety
/// `err` is NULL or a live `ck_error`.
#[no_mangle]
pub unsafe extern "C" fn ck_error_code(err: *const ck_error) -> ck_status {
    run_or(CK_NULL_PARAMETER, || {
        contract!(borrow(err, "err")).map_or(CK_NULL_PARAMETER, |e| e.status)
    })
}

/// Copies the error message (UTF-8) into `buf` and returns its full length
/// in bytes, not counting the terminating NUL, like `snprintf`.
///
/// At most `buf_len - 1` bytes are copied, cut at a UTF-8 character
/// boundary, and a NUL is always written when `buf_len > 0`. If the return
/// value is `>= buf_len`, the message was truncated: call again with a
/// buffer of at least the returned length + 1. `buf` may be NULL when
/// `buf_len` is 0, to ask for the length only. Returns 0 if `err` is NULL,
/// or if `buf` is NULL and `buf_len` is not 0.
///
/// # Safety
/// `err` is NULL or a live `ck_error`; `buf` is NULL or points to `buf_len`
/// writable bytes.
#[no_mangle]
pub unsafe extern "C" fn ck_error_message(
    err: *const ck_error,
    buf: *mut c_char,
    buf_len: usize,
) -> usize {
    run_or(0, || {
        let Ok(e) = (contract!(borrow(err, "err"))) else {
            return 0;
        };
        contract!(copy_like_snprintf(&e.message, buf, buf_len))
    })
}

/// Copies the error as one JSON document (UTF-8) into `buf`, with the same
/// length rules as `ck_error_message`: the return value is the full length
/// without the NUL, and a document cut short (return value `>= buf_len`) is
/// not valid JSON, so call again with a larger buffer.
///
/// The document is the core's error document, the same in every language:
/// `{"code":503,"name":"AUDIT_TAMPERED","message":"...","details":{"record":7,
/// "reason":"..."}}`. `details` holds the error's fields by name (the audit
/// record number, an HTTP `status`, the `limit` and `variable` of an input
/// over its size limit, the `expected` and `found` fingerprints of a key
/// mismatch, ...), so callers read them as data instead of parsing the
/// message. Like messages, documents never contain passwords or key bytes.
/// `name` is `"UNKNOWN"` for a code this library does not name.
///
/// # Safety
/// `err` is NULL or a live `ck_error`; `buf` is NULL or points to `buf_len`
/// writable bytes.
#[no_mangle]
pub unsafe extern "C" fn ck_error_json(
    err: *const ck_error,
    buf: *mut c_char,
    buf_len: usize,
) -> usize {
    run_or(0, || {
        let Ok(e) = (contract!(borrow(err, "err"))) else {
            return 0;
        };
        contract!(copy_like_snprintf(&e.json(), buf, buf_len))
    })
}

/// The `snprintf` rule of `ck_error_message` and `ck_error_json`.
///
/// # Safety
/// `buf` is NULL or points to `buf_len` writable bytes.
unsafe fn copy_like_snprintf(text: &str, buf: *mut c_char, buf_len: usize) -> usize {
    let bytes = text.as_bytes();
    if buf_len == 0 {
        return bytes.len();
    }
    if buf.is_null() {
        return 0;
    }
    let mut n = bytes.len().min(buf_len - 1);
    while !text.is_char_boundary(n) {
        n -= 1;
    }
    // SAFETY: `buf` is not NULL and has `buf_len > n` writable bytes per
    // the contract; the source is our own string, which cannot overlap
    // caller memory.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), buf.cast::<u8>(), n);
    }
    // SAFETY: `n < buf_len`, so this byte is inside the caller's buffer.
    unsafe { buf.add(n).write(0) };
    bytes.len()
}

/// Frees an error. NULL is allowed and ignored. Freeing twice is undefined
/// behaviour.
///
/// # Safety
/// `err` is NULL or a live `ck_error` not used by any other thread.
#[no_mangle]
pub unsafe extern "C" fn ck_error_free(err: *mut ck_error) {
    run_or((), || contract!(free(err)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handle::into_handle;

    fn make(message: &str) -> *mut ck_error {
        into_handle::<ck_error>(ErrorObject {
            status: ck_status(301),
            message: message.to_owned(),
            details: Map::new(),
        })
    }

    #[test]
    fn message_copies_like_snprintf() {
        let err = make("héllo");
        // SAFETY: live handle; buffers sized as passed.
        unsafe {
            assert_eq!(ck_error_code(err), ck_status(301));
            assert_eq!(ck_error_message(err, std::ptr::null_mut(), 0), 6);
            let mut buf = [0x55 as c_char; 16];
            assert_eq!(ck_error_message(err, buf.as_mut_ptr(), buf.len()), 6);
            assert_eq!(
                std::ffi::CStr::from_ptr(buf.as_ptr()).to_str().unwrap(),
                "héllo"
            );
            // Truncation never splits the two-byte `é`.
            let mut small = [0x55 as c_char; 3];
            assert_eq!(ck_error_message(err, small.as_mut_ptr(), 3), 6);
            assert_eq!(std::ffi::CStr::from_ptr(small.as_ptr()).to_bytes(), b"h");
            ck_error_free(err);
            ck_error_free(std::ptr::null_mut());
            assert_eq!(ck_error_code(std::ptr::null()), CK_NULL_PARAMETER);
            assert_eq!(
                ck_error_message(std::ptr::null(), std::ptr::null_mut(), 0),
                0
            );
        }
    }

    /// Reads `ck_error_json` the way a C caller does: length first, then a
    /// buffer of that size + 1.
    unsafe fn json_of(err: *const ck_error) -> Value {
        // SAFETY: caller's contract; buffer sized as passed.
        unsafe {
            let len = ck_error_json(err, std::ptr::null_mut(), 0);
            let mut buf = vec![0 as c_char; len + 1];
            assert_eq!(ck_error_json(err, buf.as_mut_ptr(), buf.len()), len);
            let text = std::ffi::CStr::from_ptr(buf.as_ptr()).to_str().unwrap();
            serde_json::from_str(text).unwrap()
        }
    }

    #[test]
    fn json_carries_the_core_document() {
        let mut err = std::ptr::null_mut();
        let status = crate::guard::run(&mut err, || {
            Err(ckcore::Error::AuditTampered {
                record: 7,
                reason: "hash mismatch".into(),
            }
            .into())
        });
        assert_eq!(status.0, 503);
        // SAFETY: `run` wrote a live error.
        let doc = unsafe { json_of(err) };
        assert_eq!(doc["code"], 503);
        assert_eq!(doc["name"], "AUDIT_TAMPERED");
        assert_eq!(doc["details"]["record"], 7);
        assert_eq!(doc["details"]["reason"], "hash mismatch");
        // SAFETY: live handle; freed once.
        unsafe { ck_error_free(err) };

        // Errors made at the boundary carry their argument's name too.
        let mut err = std::ptr::null_mut();
        let status = crate::guard::run(&mut err, || Err(crate::guard::FfiError::null("key")));
        assert_eq!(status, CK_NULL_PARAMETER);
        // SAFETY: `run` wrote a live error.
        let doc = unsafe { json_of(err) };
        assert_eq!(doc["name"], "NULL_PARAMETER");
        assert_eq!(doc["details"]["name"], "key");
        // A cut-short document says so by its length; NULL gives 0.
        // SAFETY: live handle; buffer sized as passed; freed once.
        unsafe {
            let mut small = [0x55 as c_char; 8];
            assert!(ck_error_json(err, small.as_mut_ptr(), small.len()) >= small.len());
            assert_eq!(ck_error_json(std::ptr::null(), std::ptr::null_mut(), 0), 0);
            ck_error_free(err);
        }
    }
}
