//! Writing key files atomically.

use std::ffi::{c_char, OsStr};
use std::path::Path;

use ckcore::fs::{write_atomic, Overwrite};

use crate::error::ck_error;
use crate::guard::{bytes, cstr_bytes, run, FfiError};
use crate::status::ck_status;

/// File mode for private keys (0600).
pub const CK_PRIVATE_FILE_MODE: u32 = 0o600;
/// File mode for public data (0644).
pub const CK_PUBLIC_FILE_MODE: u32 = 0o644;

/// Writes `data` to the file `path` atomically with permission bits `mode`
/// (e.g. `CK_PRIVATE_FILE_MODE`; at most 07777): the bytes go to a new
/// temporary file in the same directory, are flushed to disk, then moved
/// into place, so after a crash either the old file or the complete new one
/// is there. Unless `overwrite` is true, an existing file is never replaced
/// (checked atomically).
///
/// Errors: `CK_NULL_PARAMETER`; `CK_INVALID_ARGUMENT` for an empty path or a
/// mode over 07777; `CK_ALREADY_EXISTS`; `CK_IO` (the message names the path
/// and the system error; the target is then untouched). Thread-safe (as the
/// file system is).
///
/// # Safety
/// `path` is NULL or a NUL-terminated string (bytes in the system's path
/// encoding); `data` has `data_len` readable bytes (or is NULL with length
/// 0); `err_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_write_atomic(
    path: *const c_char,
    data: *const u8,
    data_len: usize,
    mode: u32,
    overwrite: bool,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        // SAFETY: caller's contract.
        let path = unsafe { cstr_bytes(path, "path") }?;
        // SAFETY: caller's contract.
        let data = unsafe { bytes(data, data_len, "data") }?;
        if path.is_empty() {
            return Err(FfiError::invalid("path", "is empty"));
        }
        if mode > 0o7777 {
            return Err(FfiError::invalid(
                "mode",
                format!("{mode:#o} has bits above 07777"),
            ));
        }
        let path = Path::new(os_str(path)?);
        let overwrite = if overwrite {
            Overwrite::Yes
        } else {
            Overwrite::No
        };
        write_atomic(path, data, mode, overwrite)?;
        Ok(())
    })
}

#[cfg(unix)]
pub(crate) fn os_str(bytes: &[u8]) -> Result<&OsStr, FfiError> {
    use std::os::unix::ffi::OsStrExt;
    Ok(OsStr::from_bytes(bytes))
}

#[cfg(not(unix))]
pub(crate) fn os_str(bytes: &[u8]) -> Result<&OsStr, FfiError> {
    std::str::from_utf8(bytes)
        .map(OsStr::new)
        .map_err(|_| FfiError::invalid("path", "is not valid UTF-8"))
}
