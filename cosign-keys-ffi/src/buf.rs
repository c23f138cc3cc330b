//! `ck_buf`: a byte buffer owned by the library, wiped when freed.

use zeroize::Zeroizing;

use crate::guard::{run_or, FfiError, Out};
use crate::handle::{borrow, free, into_handle, Opaque};

/// A byte buffer made by the library (PEM text, DER, signatures, secret
/// key material). Read it with `ck_buf_data` / `ck_buf_len`; free it with
/// `ck_buf_free`, which overwrites the bytes with zeros before releasing the
/// memory, so buffers holding secrets (PKCS#8 exports) leave no copy behind.
///
/// The data is always followed by one NUL byte that `ck_buf_len` does not
/// count, so text outputs (PEM, base64, JSON) can be used directly as C
/// strings. Immutable: it may be read from several threads at once, but not
/// freed while in use.
pub struct ck_buf {
    _private: [u8; 0],
}

/// What a `ck_buf` handle owns: the bytes, then one NUL, wiped on drop.
pub(crate) struct Buffer {
    bytes: Zeroizing<Vec<u8>>,
}

impl Opaque for ck_buf {
    type Inner = Buffer;
}

impl Buffer {
    /// Copies bytes into a new buffer of exactly the needed capacity (so no
    /// reallocation leaves an unwiped copy behind).
    pub(crate) fn copy_of(data: &[u8]) -> Self {
        let mut bytes = Zeroizing::new(Vec::with_capacity(data.len() + 1));
        bytes.extend_from_slice(data);
        bytes.push(0);
        Self { bytes }
    }

    fn data(&self) -> &[u8] {
        &self.bytes[..self.bytes.len() - 1]
    }
}

/// Writes a new buffer holding a copy of `data` to an output parameter.
///
/// # Safety
/// As [`Out::write`].
pub(crate) unsafe fn write_buf(out: Out<*mut ck_buf>, data: &[u8]) -> Result<(), FfiError> {
    let handle = into_handle::<ck_buf>(Buffer::copy_of(data));
    contract!(out.write(handle));
    Ok(())
}

/// The buffer's bytes, valid until `ck_buf_free`; never NULL for a live
/// buffer (an empty buffer points to its NUL byte). Returns NULL if `buf` is
/// NULL. Do not write through the pointer.
///
/// # Safety
/// `buf` is NULL or a live `ck_buf`.
#[no_mangle]
pub unsafe extern "C" fn ck_buf_data(buf: *const ck_buf) -> *const u8 {
    run_or(std::ptr::null(), || {
        contract!(borrow(buf, "buf")).map_or(std::ptr::null(), |b| b.bytes.as_ptr())
    })
}

/// The number of bytes in the buffer, not counting the trailing NUL.
/// Returns 0 if `buf` is NULL.
///
/// # Safety
/// `buf` is NULL or a live `ck_buf`.
#[no_mangle]
pub unsafe extern "C" fn ck_buf_len(buf: *const ck_buf) -> usize {
    run_or(0, || {
        contract!(borrow(buf, "buf")).map_or(0, |b| b.data().len())
    })
}

/// Wipes (overwrites with zeros) and frees a buffer. NULL is allowed and
/// ignored. Pointers from `ck_buf_data` are invalid afterwards. Freeing twice
/// is undefined behaviour.
///
/// # Safety
/// `buf` is NULL or a live `ck_buf` not used by any other thread.
#[no_mangle]
pub unsafe extern "C" fn ck_buf_free(buf: *mut ck_buf) {
    run_or((), || {
        // SAFETY: caller's contract; `Buffer` wipes its bytes on drop.
        unsafe { free(buf) }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_is_nul_terminated_and_len_excludes_it() {
        let mut raw: *mut ck_buf = std::ptr::null_mut();
        // SAFETY: `raw` is a valid out location; the handle is live until freed.
        unsafe {
            write_buf(Out::new(&mut raw, "buf_out").unwrap(), b"abc").unwrap();
            assert_eq!(ck_buf_len(raw), 3);
            let data = std::slice::from_raw_parts(ck_buf_data(raw), 4);
            assert_eq!(data, b"abc\0");
            ck_buf_free(raw);

            write_buf(Out::new(&mut raw, "buf_out").unwrap(), b"").unwrap();
            assert_eq!(ck_buf_len(raw), 0);
            assert!(!ck_buf_data(raw).is_null());
            assert_eq!(*ck_buf_data(raw), 0);
            ck_buf_free(raw);

            assert!(ck_buf_data(std::ptr::null()).is_null());
            assert_eq!(ck_buf_len(std::ptr::null()), 0);
            ck_buf_free(std::ptr::null_mut());
        }
    }
}
