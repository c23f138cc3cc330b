//! `KmsKey`: a key inside a KMS (`hashivault://`, `awskms://`), named with
//! cosign's URI syntax. The private key never leaves the KMS; every call
//! releases the GIL while it waits on the network.

use cosign_keys::kms::{blocking, KmsHandle, KmsKeyVersion};
use cosign_keys::Algorithm;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyType};

use crate::backend::Backend;
use crate::convert::{datetime_to_python, AlgorithmArg, BytesArg};
use crate::error::{exception_object, BindingResult};
use crate::public::PyPublicKey;

/// A signing key inside a KMS (`hashivault://`, `awskms://`); the private
/// key never leaves it.
///
/// Open one with `KmsKey.open(uri)`; use it from any number of threads;
/// close it with `close()` or a `with` block. Every call releases the GIL
/// while it waits on the KMS. Signatures are what `cosign sign-blob --key
/// <uri>` makes: `PublicKey.verify` and `cosign verify-blob` accept them.
///
/// >>> with cosign_keys.KmsKey.open("hashivault://release") as kms:
/// ...     public = kms.create()  # ECDSA P-256 unless told otherwise
/// ...     sig = kms.sign_blob(b"artifact")
/// >>> public.verify(b"artifact", sig)
#[pyclass(name = "KmsKey", module = "cosign_keys._native", frozen)]
pub(crate) struct PyKmsKey {
    /// The canonical URI (`KmsHandle` display form).
    uri: String,
    backend: Backend<blocking::KmsKey>,
}

fn kms_version_to_python<'py>(
    py: Python<'py>,
    version: KmsKeyVersion,
) -> PyResult<Bound<'py, PyAny>> {
    static CLASS: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    let kwargs = PyDict::new(py);
    kwargs.set_item("version", version.version)?;
    kwargs.set_item("public_key", PyPublicKey(version.public_key))?;
    let created_at = version
        .created_at
        .map(|t| datetime_to_python(py, t))
        .transpose()?;
    kwargs.set_item("created_at", created_at)?;
    CLASS
        .import(py, "cosign_keys.kms", "KmsKeyVersion")?
        .call((), Some(&kwargs))
}

#[pymethods]
impl PyKmsKey {
    /// Connects to the key a URI names, with credentials from the
    /// environment: `VAULT_ADDR`, `VAULT_TOKEN` (or AppRole),
    /// `TRANSIT_SECRET_ENGINE_PATH` for `hashivault://`; the standard
    /// `AWS_*` variables for `awskms://`; `COSIGN_KEYS_AZURE_TOKEN` (else
    /// Azure's credential chain) and `COSIGN_KEYS_AZURE_CA_BUNDLE` for
    /// `azurekms://<vault>/<key>[/<version>]`.
    ///
    /// Raises `InvalidArgumentError` for a URI that does not parse,
    /// `NotSupportedError` for `gcpkms://`.
    #[staticmethod]
    fn open(py: Python<'_>, uri: String) -> BindingResult<Self> {
        let key = py.detach(|| blocking::KmsKey::open(&uri))?;
        Ok(Self {
            uri: key.handle().to_string(),
            backend: Backend::new(key, "KMS key"),
        })
    }

    /// The key's URI in canonical form.
    #[getter]
    fn uri(&self) -> &str {
        &self.uri
    }

    /// Whether `close()` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.backend.is_closed()
    }

    /// Creates the key inside the KMS and returns its public key.
    /// Raises `AlreadyExistsError` when it exists and
    /// `UnsupportedAlgorithmError` when the KMS lacks the algorithm.
    #[pyo3(
        signature = (algorithm = AlgorithmArg(Algorithm::EcdsaP256)),
        text_signature = "($self, algorithm='ecdsa-p256')"
    )]
    fn create(&self, py: Python<'_>, algorithm: AlgorithmArg) -> BindingResult<PyPublicKey> {
        let key = self.backend.get()?;
        Ok(PyPublicKey(py.detach(|| key.create(algorithm.0))?))
    }

    /// The public key of the current version (fetched from the KMS).
    fn public_key(&self, py: Python<'_>) -> BindingResult<PyPublicKey> {
        let key = self.backend.get()?;
        Ok(PyPublicKey(py.detach(|| key.public_key())?))
    }

    /// Signs a digest made with the key's hash (SHA-256 for P-256 and RSA)
    /// and returns the raw signature (ASN.1 DER for ECDSA).
    ///
    /// >>> sig = kms.sign_digest(hashlib.sha256(b"artifact").digest())
    fn sign_digest<'py>(
        &self,
        py: Python<'py>,
        digest: BytesArg<'_>,
    ) -> BindingResult<Bound<'py, PyBytes>> {
        let key = self.backend.get()?;
        let signature = py.detach(|| key.sign_digest(digest.as_slice()))?;
        Ok(PyBytes::new(py, signature.as_bytes()))
    }

    /// Hashes a blob locally and signs the digest, as cosign does.
    fn sign_blob<'py>(
        &self,
        py: Python<'py>,
        data: BytesArg<'_>,
    ) -> BindingResult<Bound<'py, PyBytes>> {
        let key = self.backend.get()?;
        let signature = py.detach(|| key.sign_blob(data.as_slice()))?;
        Ok(PyBytes::new(py, signature.as_bytes()))
    }

    /// Signs many digests in one call: the KMS's batch API where it has one
    /// (Vault transit), bounded concurrency where not.
    ///
    /// Returns one entry per digest, in input order: the signature `bytes`,
    /// or the `CosignKeysError` that item failed with. Per-item errors are
    /// returned, not raised, so one bad item loses none of the others;
    /// check each entry. A non-bytes item raises `TypeError` before
    /// anything is sent.
    ///
    /// >>> results = kms.sign_digests([hashlib.sha256(b).digest() for b in blobs])
    /// >>> failed = [r for r in results if isinstance(r, cosign_keys.CosignKeysError)]
    fn sign_digests<'py>(
        &self,
        py: Python<'py>,
        digests: &Bound<'py, PyAny>,
    ) -> BindingResult<Bound<'py, PyList>> {
        let key = self.backend.get()?;
        // The core takes owned digests; copy them while holding the GIL.
        let digests = digests
            .try_iter()?
            .map(|item| {
                item.and_then(|item| {
                    item.as_borrowed()
                        .extract::<BytesArg<'_>>()
                        .map(|d| d.as_slice().to_vec())
                })
            })
            .collect::<PyResult<Vec<_>>>()?;
        let results = py.detach(|| key.sign_digests(&digests));
        let items = results
            .iter()
            .map(|result| match result {
                Ok(signature) => PyBytes::new(py, signature.as_bytes()).into_any().unbind(),
                Err(err) => exception_object(py, err),
            })
            .collect::<Vec<_>>();
        Ok(PyList::new(py, items)?)
    }

    /// Every version of the key as a `KmsKeyVersion` (identifier, public
    /// key, creation time), oldest first.
    fn versions<'py>(&self, py: Python<'py>) -> BindingResult<Vec<Bound<'py, PyAny>>> {
        let key = self.backend.get()?;
        let versions = py.detach(|| key.versions())?;
        Ok(versions
            .into_iter()
            .map(|v| kms_version_to_python(py, v))
            .collect::<PyResult<_>>()?)
    }

    /// Rotates the key with the KMS's native rotation and returns the new
    /// version's identifier; later signatures use the new version. Raises
    /// `NotSupportedError` where the KMS has no on-demand rotation.
    fn rotate(&self, py: Python<'_>) -> BindingResult<String> {
        let key = self.backend.get()?;
        Ok(py.detach(|| key.rotate())?)
    }

    /// Releases the client (its connections). Idempotent; calls already
    /// running finish first.
    fn close(&self, py: Python<'_>) {
        let backend = self.backend.close();
        py.detach(|| drop(backend));
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __exit__(
        &self,
        py: Python<'_>,
        _exc_type: &Bound<'_, PyAny>,
        _exc: &Bound<'_, PyAny>,
        _tb: &Bound<'_, PyAny>,
    ) -> bool {
        self.close(py);
        false
    }

    fn __repr__(&self) -> String {
        let state = if self.backend.is_closed() {
            ", closed"
        } else {
            ""
        };
        format!("KmsKey('{}'{state})", self.uri)
    }
}

/// The canonical form of a KMS URI in cosign's syntax; raises
/// `InvalidArgumentError` with the reason when it does not parse. Never
/// touches the network.
///
/// >>> cosign_keys.parse_kms_handle("hashivault://release-2026")
/// 'hashivault://release-2026'
#[pyfunction]
pub(crate) fn parse_kms_handle(uri: &Bound<'_, PyString>) -> BindingResult<String> {
    Ok(KmsHandle::parse(&uri.to_cow()?)?.to_string())
}

/// Whether a string names a KMS key (one of cosign's four KMS schemes)
/// rather than a key file or store, the way cosign decides.
#[pyfunction]
pub(crate) fn is_kms_uri(uri: &Bound<'_, PyString>) -> PyResult<bool> {
    Ok(KmsHandle::is_kms_uri(&uri.to_cow()?))
}
