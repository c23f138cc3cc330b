//! Argument and result conversions shared by every class: bytes-like input,
//! passwords, algorithm names.

use std::borrow::Cow;

use cosign_keys::{Algorithm, Password};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyByteArray, PyBytes, PyString};
use zeroize::Zeroizing;

/// Bytes-like input (`bytes`, `bytearray` or `memoryview`).
///
/// `bytes` is borrowed without a copy (it is immutable, so it is safe to read
/// after the GIL is released). Anything mutable is copied first, into a
/// buffer wiped on drop, since the input may be a private key.
pub(crate) enum BytesArg<'a> {
    Borrowed(&'a [u8]),
    Owned(Zeroizing<Vec<u8>>),
}

impl BytesArg<'_> {
    pub(crate) fn as_slice(&self) -> &[u8] {
        match self {
            Self::Borrowed(b) => b,
            Self::Owned(v) => v,
        }
    }
}

impl<'a, 'py> FromPyObject<'a, 'py> for BytesArg<'a> {
    type Error = PyErr;

    fn extract(ob: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if let Ok(bytes) = <&'a [u8]>::extract(ob) {
            return Ok(Self::Borrowed(bytes));
        }
        if let Ok(array) = ob.cast::<PyByteArray>() {
            return Ok(Self::Owned(Zeroizing::new(array.to_vec())));
        }
        if is_memoryview(&ob)? {
            let copy = ob.call_method0("tobytes")?;
            let copy = copy.cast::<PyBytes>()?;
            return Ok(Self::Owned(Zeroizing::new(copy.as_bytes().to_vec())));
        }
        Err(PyTypeError::new_err(format!(
            "expected bytes, bytearray or memoryview, not {}",
            type_name(&ob)
        )))
    }
}

/// A password: `str` (UTF-8 encoded), `bytes` or `bytearray`.
///
/// The copy made here is wiped when the call ends. The caller's own object is
/// left alone: a `bytearray` can be wiped by the caller afterwards, a `str` or
/// `bytes` cannot (Python strings are immutable).
pub(crate) struct PasswordArg(pub(crate) Password);

impl<'a, 'py> FromPyObject<'a, 'py> for PasswordArg {
    type Error = PyErr;

    fn extract(ob: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if let Ok(text) = ob.cast::<PyString>() {
            return Ok(Self(match text.to_cow()? {
                Cow::Borrowed(s) => Password::from(s),
                // Moved, not copied, into the wiped buffer.
                Cow::Owned(s) => Password::from(s),
            }));
        }
        if let Ok(bytes) = ob.cast::<PyBytes>() {
            return Ok(Self(Password::from_slice(bytes.as_bytes())));
        }
        if let Ok(array) = ob.cast::<PyByteArray>() {
            return Ok(Self(Password::new(array.to_vec())));
        }
        // The message names the type only, never the value.
        Err(PyTypeError::new_err(format!(
            "a password must be str, bytes or bytearray, not {}",
            type_name(&ob)
        )))
    }
}

fn is_memoryview(ob: &Borrowed<'_, '_, PyAny>) -> PyResult<bool> {
    static MEMORYVIEW: PyOnceLock<Py<pyo3::types::PyType>> = PyOnceLock::new();
    let py = ob.py();
    let memoryview = MEMORYVIEW.import(py, "builtins", "memoryview")?;
    ob.is_instance(memoryview)
}

fn type_name(ob: &Borrowed<'_, '_, PyAny>) -> String {
    ob.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "an unknown type".into())
}

/// The algorithm as the pure-Python enum `cosign_keys.Algorithm`.
pub(crate) fn algorithm_to_python(py: Python<'_>, alg: Algorithm) -> PyResult<Bound<'_, PyAny>> {
    static ALGORITHM: PyOnceLock<Py<pyo3::types::PyType>> = PyOnceLock::new();
    ALGORITHM
        .import(py, "cosign_keys.algorithm", "Algorithm")?
        .call1((alg.as_str(),))
}

/// An algorithm argument: a `cosign_keys.Algorithm` (a `str` enum) or its
/// string value. An unknown name raises `InvalidArgumentError`.
pub(crate) struct AlgorithmArg(pub(crate) Algorithm);

impl<'a, 'py> FromPyObject<'a, 'py> for AlgorithmArg {
    type Error = PyErr;

    fn extract(ob: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let name = ob.cast::<PyString>()?;
        name.to_cow()?
            .parse()
            .map(Self)
            .map_err(|e| crate::error::BindingError::from(e).into())
    }
}

/// A time as an aware `datetime.datetime` in UTC (microsecond precision,
/// as Python's `datetime` holds no finer).
pub(crate) fn datetime_to_python(
    py: Python<'_>,
    time: std::time::SystemTime,
) -> PyResult<Bound<'_, PyAny>> {
    static EPOCH: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    static TIMEDELTA: PyOnceLock<Py<pyo3::types::PyType>> = PyOnceLock::new();
    let epoch = EPOCH.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        let datetime = py.import("datetime")?;
        let utc = datetime.getattr("timezone")?.getattr("utc")?;
        let kwargs = pyo3::types::PyDict::new(py);
        kwargs.set_item("tzinfo", utc)?;
        Ok(datetime
            .getattr("datetime")?
            .call((1970, 1, 1), Some(&kwargs))?
            .unbind())
    })?;
    let timedelta = TIMEDELTA.import(py, "datetime", "timedelta")?;
    // Whole seconds and microseconds either side of the epoch; timedelta
    // normalises a negative second count with positive microseconds.
    let (seconds, micros) = match time.duration_since(std::time::UNIX_EPOCH) {
        Ok(after) => (
            i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
            after.subsec_micros(),
        ),
        Err(before) => {
            let before = before.duration();
            let micros = before.subsec_micros();
            let seconds = i64::try_from(before.as_secs()).unwrap_or(i64::MAX);
            if micros == 0 {
                (-seconds, 0)
            } else {
                (-seconds - 1, 1_000_000 - micros)
            }
        }
    };
    let delta = timedelta.call1((0, seconds, micros))?;
    epoch.bind(py).call_method1("__add__", (delta,))
}
