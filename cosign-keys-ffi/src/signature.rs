//! Signatures' text form: standard padded base64, as `cosign sign-blob`
//! prints it.

use ckcore::Signature;

use crate::buf::{ck_buf, write_buf};
use crate::error::ck_error;
use crate::guard::{bytes, run, Out};
use crate::status::ck_status;

/// Encodes raw signature bytes as standard padded base64 (cosign's `.sig`
/// text) into a new buffer `*base64_out` (NUL-terminated, see `ck_buf`).
///
/// Errors: `CK_NULL_PARAMETER`. Thread-safe.
///
/// # Safety
/// `signature` has `signature_len` readable bytes (or is NULL with length
/// 0); `base64_out` and `err_out` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_signature_to_base64(
    signature: *const u8,
    signature_len: usize,
    base64_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let signature = contract!(bytes(signature, signature_len, "signature"))?;
        let out = Out::new(base64_out, "base64_out")?;
        let text = Signature::from_bytes(signature.to_vec()).to_base64();
        contract!(write_buf(out, text.as_bytes()))
    })
}

/// Decodes a signature's base64 text (surrounding whitespace, such as the
/// newline of a `.sig` file, is ignored) into raw bytes in a new buffer
/// `*signature_out`.
///
/// Errors: `CK_NULL_PARAMETER`; `CK_MALFORMED_SIGNATURE` for empty text,
/// invalid base64, or text that is not UTF-8. Thread-safe.
///
/// # Safety
/// `text` has `text_len` readable bytes (or is NULL with length 0);
/// `signature_out` and `err_out` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ck_signature_from_base64(
    text: *const u8,
    text_len: usize,
    signature_out: *mut *mut ck_buf,
    err_out: *mut *mut ck_error,
) -> ck_status {
    run(err_out, || {
        let text = contract!(bytes(text, text_len, "text"))?;
        let out = Out::new(signature_out, "signature_out")?;
        let text = std::str::from_utf8(text).map_err(|_| ckcore::Error::MalformedSignature {
            reason: "the signature text is not UTF-8".into(),
        })?;
        let signature = Signature::from_base64(text)?;
        contract!(write_buf(out, signature.as_bytes()))
    })
}
