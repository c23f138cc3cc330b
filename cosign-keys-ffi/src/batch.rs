//! `ck_sign_batch`: the results of `ck_kms_sign_digests`, one per input
//! digest, in input order.

use ckcore::Signature;

use crate::buf::{ck_buf, write_buf};
use crate::error::ck_error;
use crate::guard::{run, run_or, FfiError, Out};
use crate::handle::{borrow, free, Opaque};
use crate::status::{ck_status, CK_INVALID_ARGUMENT, CK_NULL_PARAMETER, CK_OK};

/// The results of a bulk signature (`ck_kms_sign_digests`): item `i` is the
/// signature of digest `i`, or that digest's error. Each item reads as if
/// `ck_kms_sign_digest` had been called for it alone, through
/// `ck_sign_batch_item`.
///
/// The caller owns it and frees it with `ck_sign_batch_free`. Immutable: any
/// number of threads may read it at once, but not while it is freed.
pub struct ck_sign_batch {
    _private: [u8; 0],
}

/// What a `ck_sign_batch` owns.
pub(crate) struct SignBatch {
    items: Vec<Result<Signature, FfiError>>,
}

impl Opaque for ck_sign_batch {
    type Inner = SignBatch;
}

impl SignBatch {
    /// The batch of the core's per-item results.
    pub(crate) fn new(results: Vec<ckcore::Result<Signature>>) -> Self {
        Self {
            items: results
                .into_iter()
                .map(|r| r.map_err(FfiError::from))
                .collect(),
        }
    }

    fn item(&self, index: usize) -> Result<&Result<Signature, FfiError>, FfiError> {
        self.items.get(index).ok_or_else(|| {
            FfiError::invalid(
                "index",
                format!("{index} is past the end of a batch of {}", self.items.len()),
            )
        })
    }
}

/// The number of items (the `count` given to `ck_kms_sign_digests`), or 0
/// if `batch` is NULL.
///
/// # Safety
/// `batch` is NULL or a live `ck_sign_batch`.
#[no_mangle]
pub unsafe extern "C" fn ck_sign_batch_len(batch: *const ck_sign_batch) -> usize {
    run_or(0, || {
        contract!(borrow(batch, "batch")).map_or(0, |b| b.items.len())
    })
}

/// The number of items that failed (0 when every digest was signed), or 0
/// if `batch` is NULL.
///
/// # Safety
/// `batch` is NULL or a live `ck_sign_batch`.
#[no_mangle]
pub unsafe extern "C" fn ck_sign_batch_failed(batch: *const ck_sign_batch) -> usize {
    run_or(0, || {
        contract!(borrow(batch, "batch"))
            .map_or(0, |b| b.items.iter().filter(|r| r.is_err()).count())
    })
}

/// The status of item `index` alone, without its detail: `CK_OK` if that
/// digest was signed, else its error code. Returns `CK_NULL_PARAMETER` if
/// `batch` is NULL and `CK_INVALID_ARGUMENT` if `index` is not below
/// `ck_sign_batch_len`.
///
/// # Safety
/// `batch` is NULL or a live `ck_sign_batch`.
#[no_mangle]
pub unsafe extern "C" fn ck_sign_batch_status(
    batch: *const ck_sign_batch,
    index: usize,
) -> ck_status {
    run_or(CK_NULL_PARAMETER, || {
        let Ok(batch) = (contract!(borrow(batch, "batch"))) else {
            return CK_NULL_PARAMETER;
        };
        match batch.item(index) {
            Ok(Ok(_)) => CK_OK,
            Ok(Err(e)) => e.status,
            Err(_) => CK_INVALID_ARGUMENT,
        }
    })
}

/// Reads item `index` as if it were the result of `ck_kms_sign_digest`:
/// returns `CK_OK` and writes a new buffer with the signature into
/// `*signature_out`, or returns the item's error code and, if `err_out` is
/// not NULL, a new `ck_error` with its message. May be called any number of
/// times; each call makes new objects.
///
/// Errors: the item's own error; `CK_NULL_PARAMETER` (`batch` or
/// `signature_out` NULL); `CK_INVALID_ARGUMENT` if `index` is not below
/// `ck_sign_batch_len`. Thread-safe.
///
/// # Safety
/// `batch` is NULL or a live `ck_sign_batch`; `signature_out` and `err_out`
/// are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_sign_batch_item(
    batch: *const ck_sign_batch,
    index: usize,
    signature_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let batch = contract!(borrow(batch, "batch"))?;
        let out = Out::new(signature_out, "signature_out")?;
        match batch.item(index)? {
            Ok(signature) => contract!(write_buf(out, signature.as_bytes())),
            Err(e) => Err(e.clone()),
        }
    })
}

/// Frees a batch and every signature and message it holds. NULL is allowed
/// and ignored. Freeing twice is undefined behaviour. Buffers and errors
/// made from it by `ck_sign_batch_item` stay valid.
///
/// # Safety
/// `batch` is NULL or a live `ck_sign_batch` not used by any other thread.
#[no_mangle]
pub unsafe extern "C" fn ck_sign_batch_free(batch: *mut ck_sign_batch) {
    run_or((), || contract!(free(batch)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::buf::{ck_buf_data, ck_buf_free, ck_buf_len};
    use crate::error::{ck_error_code, ck_error_free};
    use crate::handle::into_handle;
    use crate::status::CK_NOT_FOUND;

    #[test]
    fn items_read_like_single_calls_in_input_order() {
        let batch = into_handle::<ck_sign_batch>(SignBatch::new(vec![
            Ok(Signature::from_bytes(vec![1, 2, 3])),
            Err(ckcore::Error::NotFound {
                what: "transit key k".into(),
            }),
        ]));
        let mut sig: *mut ck_buf = std::ptr::null_mut();
        let mut err: *mut ck_error = std::ptr::null_mut();
        // SAFETY: live handles and valid out locations; each object freed once.
        unsafe {
            assert_eq!(ck_sign_batch_len(batch), 2);
            assert_eq!(ck_sign_batch_failed(batch), 1);
            assert_eq!(ck_sign_batch_status(batch, 0), CK_OK);
            assert_eq!(ck_sign_batch_status(batch, 1), CK_NOT_FOUND);
            assert_eq!(ck_sign_batch_status(batch, 2), CK_INVALID_ARGUMENT);
            assert_eq!(ck_sign_batch_status(std::ptr::null(), 0), CK_NULL_PARAMETER);

            assert_eq!(ck_sign_batch_item(batch, 0, &mut sig, &mut err), CK_OK);
            assert!(err.is_null());
            assert_eq!(
                std::slice::from_raw_parts(ck_buf_data(sig), ck_buf_len(sig)),
                [1, 2, 3]
            );
            ck_buf_free(sig);

            sig = std::ptr::null_mut();
            assert_eq!(
                ck_sign_batch_item(batch, 1, &mut sig, &mut err),
                CK_NOT_FOUND
            );
            assert!(sig.is_null());
            assert_eq!(ck_error_code(err), CK_NOT_FOUND);
            ck_error_free(err);
            assert_eq!(
                ck_sign_batch_item(batch, 9, &mut sig, std::ptr::null_mut()),
                CK_INVALID_ARGUMENT
            );
            ck_sign_batch_free(batch);
            ck_sign_batch_free(std::ptr::null_mut());
            assert_eq!(ck_sign_batch_len(std::ptr::null()), 0);
        }
    }
}
