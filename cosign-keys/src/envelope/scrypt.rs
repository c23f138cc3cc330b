//! TEMPORARY shim over the `scrypt` crate until the fast implementation lands.
#![allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScryptError {
    OutOfMemory,
    InvalidParams,
}
pub(crate) fn scrypt(
    password: &[u8],
    salt: &[u8],
    log_n: u8,
    r: u32,
    p: u32,
    out: &mut [u8],
) -> Result<(), ScryptError> {
    let params = ::scrypt::Params::new(log_n, r, p).map_err(|_| ScryptError::InvalidParams)?;
    ::scrypt::scrypt(password, salt, &params, out).map_err(|_| ScryptError::InvalidParams)
}
