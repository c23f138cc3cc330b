//! The panic boundary, the internal error type, and the checks every export
//! applies to its raw arguments.

use std::any::Any;
use std::ffi::{c_char, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};

use ckcore::ErrorCode;
use serde_json::{Map, Value};

use crate::error::{ck_error, ErrorObject};
use crate::handle::into_handle;
use crate::status::{ck_status, CK_OK};

/// Runs one unsafe operation that the enclosing function's `# Safety`
/// contract covers: every export documents what its pointer arguments must
/// be, and the helpers it calls (`bytes`, `utf8`, `borrow`, `free`,
/// `Out::write`, ...) ask exactly that of their arguments, so the
/// justification is the same everywhere and is written once, here.
/// Anything else unsafe keeps its own `unsafe` block and `SAFETY` comment.
macro_rules! contract {
    ($operation:expr) => {
        // SAFETY: the enclosing function's documented contract (an export's
        // `# Safety` section, or a helper's that forwards it) guarantees what
        // this operation requires of its pointer arguments.
        unsafe { $operation }
    };
}

/// A failure on its way to C: a status code, a message and the structured
/// details of the core's error document (`ck_error_json`).
#[derive(Debug, Clone)]
pub(crate) struct FfiError {
    pub(crate) status: ck_status,
    pub(crate) message: String,
    pub(crate) details: Map<String, Value>,
}

impl FfiError {
    fn new(code: ErrorCode, message: String) -> Self {
        Self {
            status: ck_status::from(code),
            message,
            details: Map::new(),
        }
    }

    /// A required pointer argument was NULL.
    pub(crate) fn null(name: &str) -> Self {
        let mut e = Self::new(
            ErrorCode::NullParameter,
            format!("argument `{name}` is NULL"),
        );
        e.details.insert("name".into(), name.into());
        e
    }

    /// An argument is outside what the function accepts.
    pub(crate) fn invalid(name: &str, reason: impl std::fmt::Display) -> Self {
        let reason = reason.to_string();
        let mut e = Self::new(
            ErrorCode::InvalidArgument,
            format!("invalid argument `{name}`: {reason}"),
        );
        e.details.insert("name".into(), name.into());
        e.details.insert("reason".into(), reason.into());
        e
    }

    fn panic(payload: &(dyn Any + Send)) -> Self {
        let what = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("no message");
        Self::new(
            ErrorCode::Panic,
            format!("internal error: a panic was caught at the C boundary ({what}); please report this bug"),
        )
    }
}

impl From<ckcore::Error> for FfiError {
    fn from(e: ckcore::Error) -> Self {
        // Core messages and details never contain passwords or key bytes.
        Self {
            status: ck_status::from(e.code()),
            message: e.to_string(),
            details: e.details(),
        }
    }
}

/// Runs the body of a fallible export: catches panics, and turns an error
/// into its status code plus, if `err_out` is not NULL, an error object.
pub(crate) fn run(
    err_out: *mut *mut ck_error,
    body: impl FnOnce() -> Result<(), FfiError>,
) -> ck_status {
    let failure = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => return CK_OK,
        Ok(Err(e)) => e,
        Err(payload) => {
            let e = FfiError::panic(&*payload);
            // Dropping a panic payload can itself panic; never let it unwind.
            let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
            e
        }
    };
    let status = failure.status;
    if !err_out.is_null() {
        let object = into_handle::<ck_error>(ErrorObject {
            status,
            message: failure.message,
            details: failure.details,
        });
        // SAFETY: `err_out` is not NULL and, per every function's contract,
        // points to writable storage for one `ck_error *`.
        unsafe { err_out.write(object) };
    }
    status
}

/// Runs the body of an infallible export (accessors, `_free` functions):
/// a panic gives `fallback` instead of unwinding into C.
pub(crate) fn run_or<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

/// Views a `(ptr, len)` byte argument as a slice. NULL is accepted only
/// with a length of 0 (the empty input).
///
/// # Safety
/// If `ptr` is not NULL it points to `len` readable bytes that stay valid
/// and unmodified for `'a`.
pub(crate) unsafe fn bytes<'a>(
    ptr: *const u8,
    len: usize,
    name: &'static str,
) -> Result<&'a [u8], FfiError> {
    if ptr.is_null() {
        return if len == 0 {
            Ok(&[])
        } else {
            Err(FfiError::null(name))
        };
    }
    if isize::try_from(len).is_err() {
        return Err(FfiError::invalid(name, "length is larger than PTRDIFF_MAX"));
    }
    // SAFETY: `ptr` is not NULL, `len` fits in isize, and the caller
    // guarantees `len` readable bytes there for `'a`.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Like [`bytes`], but NULL means "absent" (used for optional passwords).
///
/// # Safety
/// As [`bytes`].
pub(crate) unsafe fn optional_bytes<'a>(
    ptr: *const u8,
    len: usize,
    name: &'static str,
) -> Result<Option<&'a [u8]>, FfiError> {
    if ptr.is_null() {
        if len != 0 {
            return Err(FfiError::invalid(
                name,
                "is NULL (no password) but its length is not 0",
            ));
        }
        return Ok(None);
    }
    // SAFETY: forwarded contract; `ptr` is not NULL.
    unsafe { bytes(ptr, len, name) }.map(Some)
}

/// Views a NUL-terminated string argument as UTF-8.
///
/// # Safety
/// If `ptr` is not NULL it points to a NUL-terminated string that stays
/// valid and unmodified for `'a`.
pub(crate) unsafe fn utf8<'a>(ptr: *const c_char, name: &'static str) -> Result<&'a str, FfiError> {
    // SAFETY: forwarded contract.
    let bytes = unsafe { cstr_bytes(ptr, name) }?;
    std::str::from_utf8(bytes).map_err(|_| FfiError::invalid(name, "is not valid UTF-8"))
}

/// Views a NUL-terminated string argument as bytes (without the NUL).
///
/// # Safety
/// As [`utf8`].
pub(crate) unsafe fn cstr_bytes<'a>(
    ptr: *const c_char,
    name: &'static str,
) -> Result<&'a [u8], FfiError> {
    if ptr.is_null() {
        return Err(FfiError::null(name));
    }
    // SAFETY: not NULL, and the caller guarantees a NUL-terminated string
    // valid for `'a`.
    Ok(unsafe { CStr::from_ptr(ptr) }.to_bytes())
}

/// An output parameter, checked for NULL before any work is done and
/// written only at the end, on success.
pub(crate) struct Out<T>(*mut T);

impl<T> Out<T> {
    /// Checks an output pointer.
    pub(crate) fn new(ptr: *mut T, name: &'static str) -> Result<Self, FfiError> {
        if ptr.is_null() {
            Err(FfiError::null(name))
        } else {
            Ok(Self(ptr))
        }
    }

    /// Writes the result.
    ///
    /// # Safety
    /// The pointer given to [`Out::new`] points to writable, suitably
    /// aligned storage for a `T` (the caller's contract).
    pub(crate) unsafe fn write(self, value: T) {
        // SAFETY: not NULL (checked in `new`); writable and aligned per the
        // caller's contract. `write` does not drop the old (possibly
        // uninitialized) contents.
        unsafe { self.0.write(value) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ck_error_code, ck_error_free, ck_error_message};
    use crate::status::{CK_DECRYPTION_FAILED, CK_NULL_PARAMETER, CK_PANIC};

    fn message(err: *mut ck_error) -> String {
        let mut buf = [0 as c_char; 256];
        // SAFETY: live error handle; buffer of the given size.
        let n = unsafe { ck_error_message(err, buf.as_mut_ptr(), buf.len()) };
        // SAFETY: the function wrote a NUL-terminated prefix.
        let text = unsafe { CStr::from_ptr(buf.as_ptr()) };
        assert_eq!(text.to_bytes().len(), n.min(255));
        text.to_string_lossy().into_owned()
    }

    #[test]
    fn a_panic_becomes_ck_panic_with_an_error_object() {
        let mut err: *mut ck_error = std::ptr::null_mut();
        let status = run(&mut err, || panic!("boom"));
        assert_eq!(status, CK_PANIC);
        assert!(!err.is_null());
        // SAFETY: `err` is a live handle made by `run`.
        unsafe {
            assert_eq!(ck_error_code(err), CK_PANIC);
            assert!(message(err).contains("boom"));
            ck_error_free(err);
        }
        assert_eq!(run_or(7, || panic!("again")), 7);
    }

    #[test]
    fn errors_carry_the_core_code_and_message_and_err_out_is_optional() {
        let mut err: *mut ck_error = std::ptr::null_mut();
        let status = run(&mut err, || Err(ckcore::Error::DecryptionFailed.into()));
        assert_eq!(status, CK_DECRYPTION_FAILED);
        assert!(message(err).starts_with("decryption failed"));
        // SAFETY: live handle made by `run`.
        unsafe { ck_error_free(err) };
        let status = run(std::ptr::null_mut(), || Err(FfiError::null("x")));
        assert_eq!(status, CK_NULL_PARAMETER);
        // Success leaves *err_out alone.
        let mut untouched = std::ptr::NonNull::<ck_error>::dangling().as_ptr();
        let before = untouched;
        assert_eq!(run(&mut untouched, || Ok(())), CK_OK);
        assert_eq!(untouched, before);
    }

    #[test]
    fn byte_arguments_accept_null_only_when_empty() {
        // SAFETY: NULL pointers with the lengths given never get read.
        unsafe {
            assert_eq!(bytes(std::ptr::null(), 0, "b").unwrap(), b"");
            assert_eq!(
                bytes(std::ptr::null(), 1, "b").unwrap_err().status,
                CK_NULL_PARAMETER
            );
            assert!(optional_bytes(std::ptr::null(), 0, "pw").unwrap().is_none());
            assert_eq!(
                optional_bytes(std::ptr::null(), 2, "pw")
                    .unwrap_err()
                    .status,
                crate::status::CK_INVALID_ARGUMENT
            );
            assert_eq!(
                utf8(std::ptr::null(), "s").unwrap_err().status,
                CK_NULL_PARAMETER
            );
            assert_eq!(
                utf8(c"\xff".as_ptr(), "s").unwrap_err().status,
                crate::status::CK_INVALID_ARGUMENT
            );
        }
        assert_eq!(
            Out::<u8>::new(std::ptr::null_mut(), "o")
                .err()
                .map(|e| e.status),
            Some(CK_NULL_PARAMETER)
        );
    }
}
