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
/// (e.g. `CK_PRIVATE_FILE_MODE`; at most 0777, no setuid, setgid or sticky
/// bit): the bytes go to a new
/// temporary file in the same directory, are flushed to disk, then moved
/// into place, so after a crash either the old file or the complete new one
/// is there. Unless `overwrite` is true, an existing file is never replaced
/// (checked atomically).
///
/// Errors: `CK_NULL_PARAMETER`; `CK_INVALID_ARGUMENT` for an empty path, a
/// mode over 07777 or a mode with any of the bits 07000 (nothing is written); `CK_ALREADY_EXISTS`; `CK_IO` (the message names the path
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
        let path = contract!(cstr_bytes(path, "path"))?;
        let data = contract!(bytes(data, data_len, "data"))?;
        if path.is_empty() {
            return Err(FfiError::invalid("path", "is empty"));
        }
        if mode > 0o7777 {
            return Err(FfiError::invalid(
                "mode",
                format!("{mode:#o} has bits above 07777"),
            ));
        }
        if mode & 0o7000 != 0 {
            return Err(FfiError::invalid(
                "mode",
                format!(
                    "{mode:#o} has setuid, setgid or sticky bits (07000): a key file never \
                     needs them; use permission bits only (e.g. 0600)"
                ),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::{CK_INVALID_ARGUMENT, CK_OK};

    #[test]
    fn setuid_setgid_and_sticky_modes_are_refused_and_nothing_is_written() {
        let dir = tempfile::Builder::new()
            .prefix("ck-ffi-suid-")
            .tempdir()
            .unwrap();
        let path = dir.path().join("tool");
        let c_path = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
        let data = b"#!/bin/sh\n";
        for mode in [0o4755, 0o2755, 0o1644, 0o6755] {
            // SAFETY: valid NUL-terminated path and buffer; no error out.
            let status = unsafe {
                ck_write_atomic(
                    c_path.as_ptr(),
                    data.as_ptr(),
                    data.len(),
                    mode,
                    true,
                    std::ptr::null_mut(),
                )
            };
            assert_eq!(status, CK_INVALID_ARGUMENT, "mode {mode:o}");
            assert!(!path.exists(), "mode {mode:o} wrote a file");
        }
        // SAFETY: as above.
        let status = unsafe {
            ck_write_atomic(
                c_path.as_ptr(),
                data.as_ptr(),
                data.len(),
                0o755,
                true,
                std::ptr::null_mut(),
            )
        };
        assert_eq!(status, CK_OK);
        std::fs::remove_dir_all(dir.path()).unwrap();
    }
}
