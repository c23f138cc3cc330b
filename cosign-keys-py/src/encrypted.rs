//! `EncryptedPrivateKey` (a parsed, still locked `cosign.key`) and
//! `ScryptParams`.

use cosign_keys::{EncryptedPrivateKey, ScryptParams};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::convert::{BytesArg, PasswordArg};
use crate::error::BindingResult;
use crate::private::{decrypt_options, PyPrivateKey};

/// Scrypt parameters from optional `n`, `r`, `p`, each defaulting to
/// cosign's own (N=65536, r=8, p=1).
pub(crate) fn scrypt_params_or_default(
    n: Option<u64>,
    r: Option<u32>,
    p: Option<u32>,
) -> cosign_keys::Result<ScryptParams> {
    let default = ScryptParams::cosign_default();
    ScryptParams::from_n(
        n.unwrap_or(default.n()),
        u64::from(r.unwrap_or(default.r())),
        u64::from(p.unwrap_or(default.p())),
    )
}

/// Validated scrypt parameters: N (a power of two), r and p.
#[pyclass(
    name = "ScryptParams",
    module = "cosign_keys._native",
    frozen,
    eq,
    hash
)]
#[derive(PartialEq, Eq, Hash)]
pub(crate) struct PyScryptParams(ScryptParams);

#[pymethods]
impl PyScryptParams {
    /// Checks the parameters; defaults are cosign's (N=65536, r=8, p=1).
    #[new]
    #[pyo3(signature = (n = 65536, r = 8, p = 1))]
    fn new(n: u64, r: u32, p: u32) -> BindingResult<Self> {
        Ok(Self(scrypt_params_or_default(Some(n), Some(r), Some(p))?))
    }

    /// N, the CPU/memory cost.
    #[getter]
    fn n(&self) -> u64 {
        self.0.n()
    }

    /// log2(N).
    #[getter]
    fn log_n(&self) -> u8 {
        self.0.log_n()
    }

    /// r, the block size.
    #[getter]
    fn r(&self) -> u32 {
        self.0.r()
    }

    /// p, the parallelization.
    #[getter]
    fn p(&self) -> u32 {
        self.0.p()
    }

    /// Bytes of memory the derivation needs.
    #[getter]
    fn memory_bytes(&self) -> u64 {
        self.0.memory_bytes()
    }

    /// N·r·p, proportional to the time the derivation takes.
    #[getter]
    fn work(&self) -> u64 {
        self.0.work()
    }

    /// Whether the `cosign` CLI opens a key sealed with these parameters
    /// (N of 32768, 65536 or 131072 with r=8, p=1).
    #[getter]
    fn is_cosign_compatible(&self) -> bool {
        self.0.is_cosign_compatible()
    }

    fn __repr__(&self) -> String {
        format!(
            "ScryptParams(n={}, r={}, p={})",
            self.0.n(),
            self.0.r(),
            self.0.p()
        )
    }
}

/// A Cosign key file (`cosign.key`), parsed but still locked: it holds only
/// ciphertext and public parameters. Unlocking and changing the password
/// release the GIL.
#[pyclass(
    name = "EncryptedPrivateKey",
    module = "cosign_keys._native",
    frozen,
    eq
)]
#[derive(PartialEq)]
pub(crate) struct PyEncryptedPrivateKey(pub(crate) EncryptedPrivateKey);

#[pymethods]
impl PyEncryptedPrivateKey {
    /// Parses `ENCRYPTED SIGSTORE PRIVATE KEY` (or the legacy `ENCRYPTED
    /// COSIGN PRIVATE KEY`) PEM. No password needed, nothing derived yet.
    #[staticmethod]
    fn from_pem(data: BytesArg<'_>) -> BindingResult<Self> {
        Ok(Self(EncryptedPrivateKey::from_pem(data.as_slice())?))
    }

    /// Parses the JSON envelope (the PEM body) of a Cosign key file.
    #[staticmethod]
    fn from_json(data: BytesArg<'_>) -> BindingResult<Self> {
        Ok(Self(EncryptedPrivateKey::from_json(data.as_slice())?))
    }

    /// The JSON envelope exactly as cosign writes it.
    fn to_json<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.0.to_json())
    }

    /// The key file text (always with the current label).
    fn to_pem<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.0.to_pem().as_bytes())
    }

    /// The scrypt parameters the file asks for.
    #[getter]
    fn scrypt_params(&self) -> PyScryptParams {
        PyScryptParams(self.0.scrypt_params())
    }

    /// Whether the file used the legacy `ENCRYPTED COSIGN PRIVATE KEY` label.
    #[getter]
    fn has_legacy_label(&self) -> bool {
        self.0.has_legacy_label()
    }

    /// Unlocks the key. The scrypt cost is checked against the limits
    /// (`DEFAULT_MAX_MEMORY_BYTES`, `DEFAULT_MAX_WORK` unless given) before
    /// anything is allocated.
    #[pyo3(signature = (password, *, max_memory_bytes = None, max_work = None))]
    fn decrypt(
        &self,
        py: Python<'_>,
        password: PasswordArg,
        max_memory_bytes: Option<u64>,
        max_work: Option<u64>,
    ) -> BindingResult<PyPrivateKey> {
        let options = decrypt_options(max_memory_bytes, max_work);
        let key = py.detach(|| self.0.decrypt_with(&password.0, &options))?;
        Ok(PyPrivateKey(key))
    }

    /// Re-encrypts under a new password (fresh salt and nonce, same scrypt
    /// parameters); the key and its fingerprint are unchanged.
    #[pyo3(signature = (old, new, *, max_memory_bytes = None, max_work = None))]
    fn change_password(
        &self,
        py: Python<'_>,
        old: PasswordArg,
        new: PasswordArg,
        max_memory_bytes: Option<u64>,
        max_work: Option<u64>,
    ) -> BindingResult<Self> {
        let options = decrypt_options(max_memory_bytes, max_work);
        Ok(Self(py.detach(|| {
            self.0.change_password_with(&old.0, &new.0, &options)
        })?))
    }

    fn __repr__(&self) -> String {
        let p = self.0.scrypt_params();
        format!(
            "EncryptedPrivateKey(scrypt_params=ScryptParams(n={}, r={}, p={}))",
            p.n(),
            p.r(),
            p.p()
        )
    }
}
