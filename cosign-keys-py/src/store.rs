//! `Store`: a key store opened from a URI (a directory, `env://`,
//! `vault-kv://`). Every call releases the GIL: network stores wait on I/O.
//!
//! Records come back as the pure-Python value classes of
//! `cosign_keys.store` (`StoredKey`, `StoredPublicKey`, `KeyMetadata`,
//! `VersionInfo`); this module only converts.

use std::collections::BTreeMap;

use cosign_keys::store::{
    blocking, DeleteMode, KeyMetadata, KeyPairRecord, KeyRef, PutOptions, StoredKey,
    StoredPublicKey, VersionInfo, VersionState,
};
use cosign_keys::{EncryptedPrivateKey, PublicKey};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyByteArray, PyDict, PyString, PyType};

use crate::backend::Backend;
use crate::convert::{algorithm_to_python, datetime_to_python, BytesArg, PasswordArg};
use crate::encrypted::PyEncryptedPrivateKey;
use crate::error::{BindingError, BindingResult};
use crate::public::{PyFingerprint, PyPublicKey};

/// A key store: where an encrypted Cosign key pair (and optionally its
/// password) is kept, with versions.
///
/// Open one with `Store.open(uri)` (a directory, `file://`, `env://VAR`,
/// `vault-kv://mount/path`); use it from any number of threads; close it
/// with `close()` or a `with` block. Every call releases the GIL, since
/// network stores wait on I/O.
///
/// >>> import tempfile, cosign_keys
/// >>> key = cosign_keys.PrivateKey.generate()
/// >>> with tempfile.TemporaryDirectory() as tmp, cosign_keys.Store.open(tmp) as store:
/// ...     store.put(key.encrypt("pw", n=1024), key.public_key, created_by="ci")
/// ...     store.get().decrypt("pw").fingerprint == key.fingerprint
/// 1
/// True
#[pyclass(name = "Store", module = "cosign_keys._native", frozen)]
pub(crate) struct PyStore {
    /// The canonical URI (`KeyRef` display form).
    uri: String,
    backend: Backend<blocking::Store>,
}

/// `encrypted_key`: an `EncryptedPrivateKey`, or the key file's PEM bytes
/// (what `PrivateKey.encrypt` returns).
pub(crate) struct EncryptedKeyArg(EncryptedPrivateKey);

impl<'a, 'py> FromPyObject<'a, 'py> for EncryptedKeyArg {
    type Error = PyErr;

    fn extract(ob: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if let Ok(key) = ob.cast::<PyEncryptedPrivateKey>() {
            return Ok(Self(key.get().0.clone()));
        }
        let pem = ob.extract::<BytesArg<'_>>().map_err(|_| {
            PyTypeError::new_err(format!(
                "encrypted_key must be an EncryptedPrivateKey or the key file's PEM bytes, not {}",
                type_name(&ob)
            ))
        })?;
        EncryptedPrivateKey::from_pem(pem.as_slice())
            .map(Self)
            .map_err(|e| BindingError::from(e).into())
    }
}

/// `public_key`: a `PublicKey`, or its PEM bytes.
pub(crate) struct PublicKeyArg(PublicKey);

impl<'a, 'py> FromPyObject<'a, 'py> for PublicKeyArg {
    type Error = PyErr;

    fn extract(ob: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if let Ok(key) = ob.cast::<PyPublicKey>() {
            return Ok(Self(key.get().0.clone()));
        }
        let pem = ob.extract::<BytesArg<'_>>().map_err(|_| {
            PyTypeError::new_err(format!(
                "public_key must be a PublicKey or its PEM bytes, not {}",
                type_name(&ob)
            ))
        })?;
        PublicKey::from_pem(pem.as_slice())
            .map(Self)
            .map_err(|e| BindingError::from(e).into())
    }
}

/// `labels`: any mapping of `str` to `str`.
struct LabelsArg(BTreeMap<String, String>);

impl<'a, 'py> FromPyObject<'a, 'py> for LabelsArg {
    type Error = PyErr;

    fn extract(ob: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let dict = match ob.cast::<PyDict>() {
            Ok(dict) => dict.to_owned(),
            Err(_) => PyDict::from_sequence(&ob.call_method0("items")?)?,
        };
        dict.extract::<BTreeMap<String, String>>()
            .map(Self)
            .map_err(|_| PyTypeError::new_err("labels must map str to str"))
    }
}

fn type_name(ob: &Borrowed<'_, '_, PyAny>) -> String {
    ob.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "an unknown type".into())
}

/// A class of the pure-Python module `cosign_keys.store`.
fn store_class<'py>(
    py: Python<'py>,
    cell: &'static PyOnceLock<Py<PyType>>,
    name: &str,
) -> PyResult<&'py Bound<'py, PyType>> {
    cell.import(py, "cosign_keys.store", name)
}

fn metadata_to_python<'py>(py: Python<'py>, meta: &KeyMetadata) -> PyResult<Bound<'py, PyAny>> {
    static CLASS: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    let kwargs = PyDict::new(py);
    kwargs.set_item("fingerprint", PyFingerprint(meta.fingerprint))?;
    kwargs.set_item("algorithm", algorithm_to_python(py, meta.algorithm)?)?;
    kwargs.set_item("created_by", &meta.created_by)?;
    kwargs.set_item("created_at", datetime_to_python(py, meta.created_at)?)?;
    kwargs.set_item("labels", meta.labels.clone())?;
    store_class(py, &CLASS, "KeyMetadata")?.call((), Some(&kwargs))
}

fn stored_key_to_python(py: Python<'_>, stored: StoredKey) -> PyResult<Bound<'_, PyAny>> {
    static CLASS: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    let kwargs = PyDict::new(py);
    kwargs.set_item("version", stored.version)?;
    kwargs.set_item("encrypted_key", PyEncryptedPrivateKey(stored.private_key))?;
    kwargs.set_item("public_key", PyPublicKey(stored.public_key))?;
    // The one Python copy of the password is a bytearray the caller can
    // wipe; the Rust copy is wiped when `stored` is dropped below.
    let password = stored
        .password
        .as_ref()
        .map(|p| PyByteArray::new(py, p.expose_secret()));
    kwargs.set_item("password", password)?;
    kwargs.set_item("metadata", metadata_to_python(py, &stored.metadata)?)?;
    store_class(py, &CLASS, "StoredKey")?.call((), Some(&kwargs))
}

fn stored_public_to_python(py: Python<'_>, stored: StoredPublicKey) -> PyResult<Bound<'_, PyAny>> {
    static CLASS: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    let kwargs = PyDict::new(py);
    kwargs.set_item("version", stored.version)?;
    kwargs.set_item("public_key", PyPublicKey(stored.public_key))?;
    kwargs.set_item("metadata", metadata_to_python(py, &stored.metadata)?)?;
    store_class(py, &CLASS, "StoredPublicKey")?.call((), Some(&kwargs))
}

fn version_state_name(state: VersionState) -> &'static str {
    match state {
        VersionState::Live => "live",
        VersionState::Deleted => "deleted",
        VersionState::Destroyed => "destroyed",
        // A state added to the core later; the Python enum refuses an
        // unknown name, so say so rather than guess.
        #[allow(unreachable_patterns)]
        _ => "unknown",
    }
}

fn version_info_to_python<'py>(py: Python<'py>, info: &VersionInfo) -> PyResult<Bound<'py, PyAny>> {
    static CLASS: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    static STATE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    let kwargs = PyDict::new(py);
    kwargs.set_item("version", info.version)?;
    kwargs.set_item("fingerprint", info.fingerprint.map(PyFingerprint))?;
    let created_at = info
        .created_at
        .map(|t| datetime_to_python(py, t))
        .transpose()?;
    kwargs.set_item("created_at", created_at)?;
    let state =
        store_class(py, &STATE, "VersionState")?.call1((version_state_name(info.state),))?;
    kwargs.set_item("state", state)?;
    store_class(py, &CLASS, "VersionInfo")?.call((), Some(&kwargs))
}

#[pymethods]
impl PyStore {
    /// Opens the store a URI names, with credentials from the environment
    /// (`VAULT_ADDR`, `VAULT_TOKEN` or `VAULT_ROLE_ID`/`VAULT_SECRET_ID`,
    /// `VAULT_NAMESPACE`, `VAULT_CACERT` for `vault-kv://`;
    /// `COSIGN_KEYS_AZURE_TOKEN`, else Azure's credential chain, and
    /// `COSIGN_KEYS_AZURE_CA_BUNDLE` for `azure-secret://<vault>/<name>`).
    ///
    /// Raises `InvalidArgumentError` for a URI that does not parse (saying
    /// what is wrong), `NotSupportedError` for a backend this build lacks,
    /// and the backend's connection errors.
    ///
    /// >>> cosign_keys.Store.open("azure-secret://x/cosign")
    /// Traceback (most recent call last):
    /// ...
    /// cosign_keys.errors.InvalidArgumentError: ...bad vault `x`...
    #[staticmethod]
    fn open(py: Python<'_>, uri: String) -> BindingResult<Self> {
        let store = py.detach(|| blocking::Store::open(&uri))?;
        Ok(Self {
            uri: store.key_ref().to_string(),
            backend: Backend::new(store, "store"),
        })
    }

    /// The store's location as a canonical URI.
    #[getter]
    fn uri(&self) -> &str {
        &self.uri
    }

    /// Whether `close()` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.backend.is_closed()
    }

    /// Stores a key pair as a new version and returns its number.
    ///
    /// `encrypted_key` is an `EncryptedPrivateKey` or the key file's PEM
    /// (what `PrivateKey.encrypt` returns), `public_key` a `PublicKey` or its
    /// PEM. `password` is kept beside the key where the store has a place
    /// for it (Vault KV's `password` field); the file store refuses one
    /// (`InvalidArgumentError`: a password in a file beside the key protects
    /// nothing). Leave it `None` to keep it out.
    /// `created_by` and `labels` go into the metadata with the fingerprint,
    /// algorithm and the current time.
    ///
    /// Refuses (`AlreadyExistsError`) when a key is there, unless
    /// `overwrite=True` (earlier versions are kept where the store keeps
    /// versions). `expected_version=N` writes only if the current version
    /// is N (0: only if nothing is there), else raises `Conflict` and
    /// changes nothing.
    ///
    /// >>> v2 = store.put(pem, key.public_key, created_by="ci", overwrite=True, expected_version=1)
    #[pyo3(signature = (
        encrypted_key,
        public_key,
        *,
        password = None,
        created_by,
        labels = None,
        overwrite = false,
        expected_version = None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn put(
        &self,
        py: Python<'_>,
        encrypted_key: EncryptedKeyArg,
        public_key: PublicKeyArg,
        password: Option<PasswordArg>,
        created_by: String,
        labels: Option<LabelsArg>,
        overwrite: bool,
        expected_version: Option<u64>,
    ) -> BindingResult<u64> {
        let store = self.backend.get()?;
        let mut metadata = KeyMetadata::new(&public_key.0, &created_by);
        if let Some(labels) = labels {
            metadata.labels = labels.0;
        }
        let record = KeyPairRecord {
            private_key: encrypted_key.0,
            public_key: public_key.0,
            password: password.map(|p| p.0),
            metadata,
        };
        let options = PutOptions {
            overwrite,
            expected_version,
        };
        Ok(py.detach(|| store.put(record, &options))?)
    }

    /// Reads a version (the latest for `None`) as a `StoredKey`, password
    /// included when the store keeps one (wipe it after use:
    /// `StoredKey.wipe()` or a `with` block). Raises `NotFound` for a
    /// missing key or version.
    ///
    /// >>> with store.get() as stored:
    /// ...     key = stored.decrypt()  # with the stored password
    #[pyo3(signature = (version = None))]
    fn get<'py>(&self, py: Python<'py>, version: Option<u64>) -> BindingResult<Bound<'py, PyAny>> {
        let store = self.backend.get()?;
        let stored = py.detach(|| store.get(version))?;
        Ok(stored_key_to_python(py, stored)?)
    }

    /// Reads a version's public key and metadata (a `StoredPublicKey`)
    /// without reading the private key, so a verifier's credentials need
    /// no access to it where the store allows that split.
    #[pyo3(signature = (version = None))]
    fn get_public<'py>(
        &self,
        py: Python<'py>,
        version: Option<u64>,
    ) -> BindingResult<Bound<'py, PyAny>> {
        let store = self.backend.get()?;
        let stored = py.detach(|| store.get_public(version))?;
        Ok(stored_public_to_python(py, stored)?)
    }

    /// Every version as a `VersionInfo` (number, fingerprint, creation
    /// time, state), oldest first; an empty list for an empty location.
    ///
    /// >>> [(v.version, v.state) for v in store.versions()]
    /// [(1, <VersionState.LIVE: 'live'>), (2, <VersionState.LIVE: 'live'>)]
    fn versions<'py>(&self, py: Python<'py>) -> BindingResult<Vec<Bound<'py, PyAny>>> {
        let store = self.backend.get()?;
        let versions = py.detach(|| store.versions())?;
        Ok(versions
            .iter()
            .map(|v| version_info_to_python(py, v))
            .collect::<PyResult<_>>()?)
    }

    /// Deletes one version, or every version and the metadata for `None`.
    /// A plain delete is recoverable where the store allows it (Vault KV
    /// `undelete`); `destroy=True` makes it irrecoverable (files are
    /// overwritten before they are unlinked, best effort). Raises
    /// `NotFound` when there is nothing to delete.
    #[pyo3(signature = (version = None, *, destroy = false))]
    fn delete(&self, py: Python<'_>, version: Option<u64>, destroy: bool) -> BindingResult<()> {
        let store = self.backend.get()?;
        let mode = if destroy {
            DeleteMode::Destroy
        } else {
            DeleteMode::Soft
        };
        py.detach(|| store.delete(version, mode))?;
        Ok(())
    }

    /// Releases the backend (its connections). Idempotent; calls already
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
        format!("Store('{}'{state})", self.uri)
    }
}

/// The canonical form of a key store URI; raises `InvalidArgumentError`
/// with the reason when it does not parse. Never touches the file system
/// or the network.
///
/// >>> cosign_keys.parse_key_ref("vault-kv://secret/team/cosign/")
/// 'vault-kv://secret/team/cosign'
/// >>> cosign_keys.parse_key_ref("keys/prod")
/// 'file://keys/prod'
#[pyfunction]
pub(crate) fn parse_key_ref(uri: &Bound<'_, PyString>) -> BindingResult<String> {
    Ok(KeyRef::parse(&uri.to_cow()?)?.to_string())
}
