//! `PublicKey` and `Fingerprint`: public data, so they compare, hash and
//! pickle like values.

use cosign_keys::{Fingerprint, PublicKey, Signature};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple, PyType};

use crate::convert::{algorithm_to_python, BytesArg};
use crate::error::BindingResult;

/// A SHA-256 key fingerprint: the SHA-256 of the DER SubjectPublicKeyInfo,
/// exactly the DER inside the `PUBLIC KEY` PEM that `cosign public-key`
/// prints.
///
/// `str()` gives `SHA256:` followed by unpadded base64; `Fingerprint(text)`
/// parses that form or 64 hex digits. It never equals a plain `str`; it
/// hashes like its text, so the keyring results' fingerprint text (a `str`
/// that equals the `Fingerprint` it is the text of) mixes with it in sets
/// and dict keys.
#[pyclass(name = "Fingerprint", module = "cosign_keys._native", frozen, eq, str)]
#[derive(PartialEq, Eq, Hash)]
pub(crate) struct PyFingerprint(pub(crate) Fingerprint);

impl std::fmt::Display for PyFingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[pymethods]
impl PyFingerprint {
    /// Parses `SHA256:<unpadded base64>` or 64 hex digits.
    #[new]
    fn new(text: &Bound<'_, pyo3::types::PyString>) -> BindingResult<Self> {
        Ok(Self(text.to_cow()?.parse()?))
    }

    /// 64 lowercase hex digits.
    #[getter]
    fn hex(&self) -> String {
        self.0.to_hex()
    }

    /// The raw 32-byte SHA-256 value.
    #[getter]
    fn raw<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.0.as_bytes())
    }

    fn __repr__(&self) -> String {
        format!("Fingerprint('{}')", self.0)
    }

    /// The hash of the `str()` form (the results' fingerprint text, which
    /// equals this fingerprint, hashes the same).
    fn __hash__(&self, py: Python<'_>) -> PyResult<isize> {
        pyo3::types::PyString::new(py, &self.0.to_string()).hash()
    }

    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyType>, Bound<'py, PyTuple>)> {
        let py = slf.py();
        let args = PyTuple::new(py, [slf.get().0.to_string()])?;
        Ok((py.get_type::<Self>(), args))
    }
}

/// A public key (ECDSA P-256/P-384/P-521, Ed25519 or RSA), held in the
/// canonical DER form Go's `x509.MarshalPKIXPublicKey` writes.
///
/// Verification releases the GIL.
#[pyclass(name = "PublicKey", module = "cosign_keys._native", frozen, eq, hash)]
#[derive(PartialEq, Eq, Hash)]
pub(crate) struct PyPublicKey(pub(crate) PublicKey);

#[pymethods]
impl PyPublicKey {
    /// Parses a `PUBLIC KEY` PEM (for example `cosign.pub`).
    #[staticmethod]
    fn from_pem(data: BytesArg<'_>) -> BindingResult<Self> {
        Ok(Self(PublicKey::from_pem(data.as_slice())?))
    }

    /// Parses a DER SubjectPublicKeyInfo.
    #[staticmethod]
    fn from_der(data: BytesArg<'_>) -> BindingResult<Self> {
        Ok(Self(PublicKey::from_spki_der(data.as_slice())?))
    }

    /// The PEM text, byte for byte what `cosign public-key` prints.
    fn to_pem<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.0.to_pem().as_bytes())
    }

    /// The DER SubjectPublicKeyInfo.
    fn to_der<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.0.as_spki_der())
    }

    /// The key algorithm, a `cosign_keys.Algorithm`.
    #[getter]
    fn algorithm<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        algorithm_to_python(py, self.0.algorithm())
    }

    /// The key's fingerprint.
    #[getter]
    fn fingerprint(&self) -> PyFingerprint {
        PyFingerprint(self.0.fingerprint())
    }

    /// Checks a signature over a blob as `cosign verify-blob --key` does;
    /// raises `InvalidSignatureError` if it does not verify.
    fn verify(
        &self,
        py: Python<'_>,
        blob: BytesArg<'_>,
        signature: BytesArg<'_>,
    ) -> BindingResult<()> {
        let signature = Signature::from_bytes(signature.as_slice().to_vec());
        py.detach(|| self.0.verify(blob.as_slice(), &signature))?;
        Ok(())
    }

    /// Checks a signature over a pre-computed digest of the blob, made with
    /// the algorithm's hash (`Algorithm.hash_alg`). Not for Ed25519.
    fn verify_digest(
        &self,
        py: Python<'_>,
        digest: BytesArg<'_>,
        signature: BytesArg<'_>,
    ) -> BindingResult<()> {
        let signature = Signature::from_bytes(signature.as_slice().to_vec());
        py.detach(|| self.0.verify_digest(digest.as_slice(), &signature))?;
        Ok(())
    }

    fn __repr__(&self) -> String {
        format!(
            "PublicKey(algorithm='{}', fingerprint='{}')",
            self.0.algorithm(),
            self.0.fingerprint()
        )
    }

    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        let py = slf.py();
        let from_der = py.get_type::<Self>().getattr("from_der")?;
        let args = PyTuple::new(py, [PyBytes::new(py, slf.get().0.as_spki_der())])?;
        Ok((from_der, args))
    }
}
