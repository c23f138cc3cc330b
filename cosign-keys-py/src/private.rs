//! `PrivateKey`: an unlocked key. Never pickled, never printed; the secret
//! leaves only sealed (`encrypt`) or as a wipeable `bytearray`.

use cosign_keys::{Algorithm, DecryptOptions, EncryptedPrivateKey, PrivateKey, ScryptParams};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes};

use crate::convert::{algorithm_to_python, AlgorithmArg, BytesArg, PasswordArg};
use crate::encrypted::scrypt_params_or_default;
use crate::error::BindingResult;
use crate::public::{PyFingerprint, PyPublicKey};

/// An unlocked private key.
///
/// It cannot be pickled or copied, and its `repr()` shows only the algorithm
/// and fingerprint. Key generation, unlocking, sealing, signing and
/// verification release the GIL.
#[pyclass(name = "PrivateKey", module = "cosign_keys._native", frozen)]
pub(crate) struct PyPrivateKey(pub(crate) PrivateKey);

/// Decrypt limits from the optional keyword arguments (core defaults for
/// the ones not given).
pub(crate) fn decrypt_options(
    max_memory_bytes: Option<u64>,
    max_work: Option<u64>,
) -> DecryptOptions {
    let mut options = DecryptOptions::default();
    if let Some(bytes) = max_memory_bytes {
        options = options.with_max_memory_bytes(bytes);
    }
    if let Some(work) = max_work {
        options = options.with_max_work(work);
    }
    options
}

#[pymethods]
impl PyPrivateKey {
    /// Generates a key pair from the OS CSPRNG (`algorithm` is a
    /// `cosign_keys.Algorithm` or its string value).
    #[staticmethod]
    #[pyo3(
        signature = (algorithm = AlgorithmArg(Algorithm::EcdsaP256)),
        text_signature = "(algorithm='ecdsa-p256')"
    )]
    fn generate(py: Python<'_>, algorithm: AlgorithmArg) -> BindingResult<Self> {
        Ok(Self(py.detach(|| PrivateKey::generate(algorithm.0))?))
    }

    /// Unlocks a Cosign key file (`cosign.key`). The scrypt cost in the file
    /// is checked against the limits before anything is allocated.
    #[staticmethod]
    #[pyo3(signature = (data, password, *, max_memory_bytes = None, max_work = None))]
    fn from_cosign_pem(
        py: Python<'_>,
        data: BytesArg<'_>,
        password: PasswordArg,
        max_memory_bytes: Option<u64>,
        max_work: Option<u64>,
    ) -> BindingResult<Self> {
        let options = decrypt_options(max_memory_bytes, max_work);
        let key = py.detach(|| {
            EncryptedPrivateKey::from_pem(data.as_slice())?.decrypt_with(&password.0, &options)
        })?;
        Ok(Self(key))
    }

    /// Imports a key as `cosign import-key-pair` does: PEM or DER PKCS#8,
    /// SEC1, PKCS#1, encrypted PKCS#8 or a Cosign key file (the last two
    /// need `password`).
    /// The scrypt or PBKDF2 cost of an encrypted input is checked against the
    /// limits (`DEFAULT_MAX_MEMORY_BYTES`, `DEFAULT_MAX_WORK` unless given).
    #[staticmethod]
    #[pyo3(signature = (data, password = None, *, max_memory_bytes = None, max_work = None))]
    fn import_key(
        py: Python<'_>,
        data: BytesArg<'_>,
        password: Option<PasswordArg>,
        max_memory_bytes: Option<u64>,
        max_work: Option<u64>,
    ) -> BindingResult<Self> {
        let password = password.map(|p| p.0);
        let options = decrypt_options(max_memory_bytes, max_work);
        let key =
            py.detach(|| PrivateKey::import_with(data.as_slice(), password.as_ref(), &options))?;
        Ok(Self(key))
    }

    /// Seals the key into a Cosign key file (PEM bytes). Without `n`, `r`
    /// and `p`, cosign's own scrypt cost (N=65536, r=8, p=1) is used.
    #[pyo3(signature = (password, *, n = None, r = None, p = None))]
    fn encrypt<'py>(
        &self,
        py: Python<'py>,
        password: PasswordArg,
        n: Option<u64>,
        r: Option<u32>,
        p: Option<u32>,
    ) -> BindingResult<Bound<'py, PyBytes>> {
        let params: ScryptParams = scrypt_params_or_default(n, r, p)?;
        let sealed = py.detach(|| self.0.encrypt_with(&password.0, params))?;
        Ok(PyBytes::new(py, sealed.to_pem().as_bytes()))
    }

    /// The key algorithm, a `cosign_keys.Algorithm`.
    #[getter]
    fn algorithm<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        algorithm_to_python(py, self.0.algorithm())
    }

    /// The matching public key.
    #[getter]
    fn public_key(&self) -> PyPublicKey {
        PyPublicKey(self.0.public_key().clone())
    }

    /// The fingerprint of the public key.
    #[getter]
    fn fingerprint(&self) -> PyFingerprint {
        PyFingerprint(self.0.fingerprint())
    }

    /// Signs a blob as `cosign sign-blob --key` does; returns the raw
    /// signature (base64-encode it for a `.sig` file).
    fn sign<'py>(&self, py: Python<'py>, blob: BytesArg<'_>) -> BindingResult<Bound<'py, PyBytes>> {
        let signature = py.detach(|| self.0.sign(blob.as_slice()))?;
        Ok(PyBytes::new(py, signature.as_bytes()))
    }

    /// Signs a pre-computed digest of a blob, made with the algorithm's hash
    /// (`Algorithm.hash_alg`). Not for Ed25519, which signs the blob itself.
    fn sign_digest<'py>(
        &self,
        py: Python<'py>,
        digest: BytesArg<'_>,
    ) -> BindingResult<Bound<'py, PyBytes>> {
        let signature = py.detach(|| self.0.sign_digest(digest.as_slice()))?;
        Ok(PyBytes::new(py, signature.as_bytes()))
    }

    /// Signs many blobs in one call, with the GIL released throughout.
    fn sign_many<'py>(
        &self,
        py: Python<'py>,
        blobs: &Bound<'py, PyAny>,
    ) -> BindingResult<Vec<Bound<'py, PyBytes>>> {
        // Keep every item alive while its bytes are borrowed without the GIL.
        let items = blobs.try_iter()?.collect::<PyResult<Vec<_>>>()?;
        let blobs = items
            .iter()
            .map(|item| item.as_borrowed().extract::<BytesArg<'_>>())
            .collect::<PyResult<Vec<_>>>()?;
        let signatures = py.detach(|| {
            blobs
                .iter()
                .map(|blob| self.0.sign(blob.as_slice()))
                .collect::<cosign_keys::Result<Vec<_>>>()
        })?;
        Ok(signatures
            .iter()
            .map(|s| PyBytes::new(py, s.as_bytes()))
            .collect())
    }

    /// The unencrypted PKCS#8 `PRIVATE KEY` PEM, as a `bytearray` so that it
    /// can be wiped after use. This is the raw secret: prefer `encrypt`.
    fn to_pkcs8_pem<'py>(&self, py: Python<'py>) -> BindingResult<Bound<'py, PyByteArray>> {
        let pem = self.0.to_pkcs8_pem()?;
        Ok(PyByteArray::new(py, pem.expose_secret()))
    }

    /// The unencrypted PKCS#8 DER, as a `bytearray` so that it can be wiped
    /// after use. This is the raw secret: prefer `encrypt`.
    fn to_pkcs8_der<'py>(&self, py: Python<'py>) -> Bound<'py, PyByteArray> {
        PyByteArray::new(py, self.0.to_pkcs8_der().expose_secret())
    }

    fn __repr__(&self) -> String {
        format!(
            "PrivateKey(algorithm='{}', fingerprint='{}')",
            self.0.algorithm(),
            self.0.fingerprint()
        )
    }

    fn __reduce__(&self) -> PyResult<()> {
        Err(PyTypeError::new_err(
            "cosign_keys.PrivateKey cannot be pickled or copied: seal it with encrypt() instead",
        ))
    }
}
