//! Key fingerprints (SHA-256 of the DER SubjectPublicKeyInfo) as a plain
//! value type, and their two text forms.

use std::ffi::c_char;

use ckcore::Fingerprint;

use crate::error::ck_error;
use crate::guard::{bytes, run, FfiError, Out};
use crate::status::ck_status;

/// Buffer size for `ck_fingerprint_to_string`: `SHA256:` + 43 characters
/// of unpadded base64 + NUL.
pub const CK_FINGERPRINT_STRING_SIZE: usize = 51;
/// Buffer size for `ck_fingerprint_to_hex`: 64 lowercase hex digits + NUL.
pub const CK_FINGERPRINT_HEX_SIZE: usize = 65;

/// A key fingerprint: the raw SHA-256 of the key's DER SubjectPublicKeyInfo
/// (the DER inside `cosign.pub`). A plain value owned by the caller: copy it
/// freely; nothing to free.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ck_fingerprint {
    /// The 32 bytes of the SHA-256 digest.
    pub bytes: [u8; 32],
}

impl From<Fingerprint> for ck_fingerprint {
    fn from(fp: Fingerprint) -> Self {
        Self {
            bytes: *fp.as_bytes(),
        }
    }
}

/// Reads a fingerprint argument.
///
/// # Safety
/// `fp` is NULL or points to a readable `ck_fingerprint`.
unsafe fn read(fp: *const ck_fingerprint) -> Result<Fingerprint, FfiError> {
    // SAFETY: caller's contract; `ck_fingerprint` is plain bytes, valid for
    // any bit pattern.
    let fp = unsafe { fp.as_ref() }.ok_or_else(|| FfiError::null("fingerprint"))?;
    Ok(Fingerprint::from_bytes(fp.bytes))
}

/// Copies `text` and a NUL into the caller's buffer.
///
/// # Safety
/// `buf` is NULL or points to `buf_len` writable bytes.
unsafe fn write_text(text: &str, buf: *mut c_char, buf_len: usize) -> Result<(), FfiError> {
    if buf.is_null() {
        return Err(FfiError::null("buf"));
    }
    if buf_len <= text.len() {
        return Err(FfiError::invalid(
            "buf_len",
            format!(
                "{buf_len} bytes is too small; {} are needed",
                text.len() + 1
            ),
        ));
    }
    // SAFETY: `buf` has `buf_len > text.len()` writable bytes (contract and
    // the check above); the source is our own string.
    unsafe {
        std::ptr::copy_nonoverlapping(text.as_ptr(), buf.cast::<u8>(), text.len());
    }
    // SAFETY: index `text.len()` is inside the buffer (checked above).
    unsafe { buf.add(text.len()).write(0) };
    Ok(())
}

/// Writes the fingerprint as `SHA256:` followed by unpadded standard base64
/// (50 characters) and a NUL into `buf`, which must hold at least
/// `CK_FINGERPRINT_STRING_SIZE` bytes. Nothing is written on failure.
///
/// Errors: `CK_NULL_PARAMETER`; `CK_INVALID_ARGUMENT` if `buf_len` is too
/// small. Thread-safe.
///
/// # Safety
/// `fingerprint` is NULL or readable; `buf` is NULL or has `buf_len`
/// writable bytes; `err_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_fingerprint_to_string(
    fingerprint: *const ck_fingerprint,
    buf: *mut c_char,
    buf_len: usize,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let fp = contract!(read(fingerprint))?;
        contract!(write_text(&fp.to_string(), buf, buf_len))
    })
}

/// Writes the fingerprint as 64 lowercase hex digits and a NUL into `buf`,
/// which must hold at least `CK_FINGERPRINT_HEX_SIZE` bytes. Nothing is
/// written on failure.
///
/// Errors: `CK_NULL_PARAMETER`; `CK_INVALID_ARGUMENT` if `buf_len` is too
/// small. Thread-safe.
///
/// # Safety
/// As `ck_fingerprint_to_string`.
#[no_mangle]
pub unsafe extern "C" fn ck_fingerprint_to_hex(
    fingerprint: *const ck_fingerprint,
    buf: *mut c_char,
    buf_len: usize,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let fp = contract!(read(fingerprint))?;
        contract!(write_text(&fp.to_hex(), buf, buf_len))
    })
}

/// Parses a fingerprint from `text` (`text_len` bytes, no NUL needed):
/// either `SHA256:` + unpadded base64, or 64 hex digits in either case.
///
/// Errors: `CK_NULL_PARAMETER`; `CK_INVALID_FINGERPRINT` for anything else
/// (including text that is not UTF-8). Thread-safe.
///
/// # Safety
/// `text` is NULL (only with `text_len` 0) or has `text_len` readable bytes;
/// `fingerprint_out` and `err_out` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_fingerprint_parse(
    text: *const c_char,
    text_len: usize,
    fingerprint_out: *mut ck_fingerprint,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let text = contract!(bytes(text.cast::<u8>(), text_len, "text"))?;
        let out = Out::new(fingerprint_out, "fingerprint_out")?;
        let text = std::str::from_utf8(text).map_err(|_| ckcore::Error::InvalidFingerprint {
            reason: "the text is not UTF-8".into(),
        })?;
        let fp: Fingerprint = text.parse()?;
        contract!(out.write(fp.into()));
        Ok(())
    })
}
