//! The audit log functions: verify a log (optionally against a kept head),
//! read its head, read its records. Reading and hashing the file release
//! the GIL.

use std::path::PathBuf;

use cosign_keys::audit::{AuditHead, AuditLog};
use cosign_keys::keyring::to_json;
use pyo3::prelude::*;

use crate::error::BindingResult;

/// Verifies the hash chain of the audit log at `path` and, with
/// `expected_head` (`<seq>:<hash>` text), that it ends exactly there.
/// Returns `(records, head)`; raises `AuditTamperedError` naming the record.
#[pyfunction]
#[pyo3(signature = (path, expected_head = None))]
pub(crate) fn audit_verify(
    py: Python<'_>,
    path: PathBuf,
    expected_head: Option<String>,
) -> BindingResult<(u64, String)> {
    let report = py.detach(|| {
        let expected = expected_head
            .as_deref()
            .map(str::parse::<AuditHead>)
            .transpose()?;
        AuditLog::new(path).verify(expected.as_ref())
    })?;
    Ok((report.records, report.head.to_string()))
}

/// Parses an audit head's text form `<seq>:<64 hex digits>` by the core's
/// rule; returns `(seq, lowercase hash)`.
#[pyfunction]
pub(crate) fn audit_head_parse(text: &str) -> BindingResult<(u64, String)> {
    let head: AuditHead = text.parse()?;
    Ok((head.seq, head.hash))
}

/// The head (`<seq>:<hash>`) of the audit log at `path`, from its last
/// record alone (the empty head for a missing log).
#[pyfunction]
pub(crate) fn audit_head(py: Python<'_>, path: PathBuf) -> BindingResult<String> {
    Ok(py.detach(|| AuditLog::new(path).head())?.to_string())
}

/// Every record of the audit log at `path`, oldest first, as
/// `(seq, time, event JSON)` (the chain is not verified).
#[pyfunction]
pub(crate) fn audit_entries(
    py: Python<'_>,
    path: PathBuf,
) -> BindingResult<Vec<(u64, String, String)>> {
    let entries = py.detach(|| AuditLog::new(path).entries())?;
    Ok(entries
        .iter()
        .map(|e| (e.seq, e.time.to_string(), to_json(&e.event)))
        .collect())
}
