//! `cosign_keys._native`: the pyo3 extension behind the `cosign_keys` Python
//! package. It only converts types and maps errors; every decision about
//! keys lives in the `cosign-keys` core crate.
//!
//! The public Python API is the pure-Python package `cosign_keys`, which
//! re-exports these classes next to its exception hierarchy
//! (`cosign_keys.errors`) and the `Algorithm` enum.

mod audit;
mod backend;
mod backup;
mod convert;
mod encrypted;
mod error;
mod keyring;
mod kms;
mod private;
mod public;
mod store;
mod version;

use pyo3::prelude::*;

/// Native half of the `cosign_keys` package (use `cosign_keys`, not this).
#[pymodule]
mod _native {
    use std::path::PathBuf;

    use cosign_keys::fs::Overwrite;
    use cosign_keys::{Algorithm, ErrorCode};
    use pyo3::prelude::*;
    use pyo3::types::PyFrozenSet;

    use crate::convert::BytesArg;
    use crate::error::BindingResult;

    #[pymodule_export]
    use crate::audit::{audit_entries, audit_head, audit_head_parse, audit_verify};
    #[pymodule_export]
    use crate::backup::{backup_create, backup_recover, combine_shares};
    #[pymodule_export]
    use crate::encrypted::{PyEncryptedPrivateKey, PyScryptParams};
    #[pymodule_export]
    use crate::keyring::PyKeyring;
    #[pymodule_export]
    use crate::kms::{is_kms_uri, parse_kms_handle, PyKmsKey};
    #[pymodule_export]
    use crate::private::PyPrivateKey;
    #[pymodule_export]
    use crate::public::{PyFingerprint, PyPublicKey};
    #[pymodule_export]
    use crate::store::{parse_key_ref, PyStore};

    /// Writes `data` to `path` atomically (temporary file, fsync, rename)
    /// with permission bits `mode`; refuses to replace an existing file
    /// unless `overwrite` is true.
    #[pyfunction]
    #[pyo3(signature = (path, data, mode = 0o600, overwrite = false))]
    fn write_atomic(
        py: Python<'_>,
        path: PathBuf,
        data: BytesArg<'_>,
        mode: u32,
        overwrite: bool,
    ) -> BindingResult<()> {
        let overwrite = if overwrite {
            Overwrite::Yes
        } else {
            Overwrite::No
        };
        py.detach(|| cosign_keys::fs::write_atomic(&path, data.as_slice(), mode, overwrite))?;
        Ok(())
    }

    /// The optional capabilities compiled into this build, with the names
    /// of the C ABI's `CK_FEATURE_*` bits: `file-store` (directory and
    /// `env://` stores), `vault` (the `vault-kv://` store and the
    /// `hashivault://` KMS), `aws-kms` (the `awskms://` KMS) and `azure`
    /// (the `azure-secret://` store and the `azurekms://` KMS).
    #[pyfunction]
    fn features(py: Python<'_>) -> PyResult<Bound<'_, PyFrozenSet>> {
        PyFrozenSet::new(py, ["file-store", "vault", "aws-kms", "azure"])
    }

    /// Every stable error code as `(number, name)`, in numeric order; the
    /// pure-Python `cosign_keys.errors` table is tested against it.
    #[pyfunction]
    fn error_codes() -> Vec<(u32, &'static str)> {
        ErrorCode::ALL
            .iter()
            .map(|&code| (code as u32, code.name()))
            .collect()
    }

    /// Every algorithm as `(name, hash)`: the hash applied to a blob before
    /// signing, `None` for Ed25519 (which signs the blob itself).
    #[pyfunction]
    fn algorithm_table() -> Vec<(&'static str, Option<&'static str>)> {
        Algorithm::ALL
            .iter()
            .map(|alg| (alg.as_str(), alg.hash().map(|h| h.as_str())))
            .collect()
    }

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add(
            "__version__",
            crate::version::pep440(env!("CARGO_PKG_VERSION")),
        )?;
        // The limits applied to a key file's scrypt cost unless overridden.
        m.add(
            "DEFAULT_MAX_MEMORY_BYTES",
            cosign_keys::DEFAULT_MAX_MEMORY_BYTES,
        )?;
        m.add("DEFAULT_MAX_WORK", cosign_keys::DEFAULT_MAX_WORK)
    }
}
