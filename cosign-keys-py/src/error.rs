//! The one place where core errors become Python exceptions.
//!
//! Rust passes the stable code, its name, the message and the details of
//! the core's error document (which the core guarantees hold no secret) to
//! `cosign_keys.errors._from_native`, and the
//! Python side picks the class from its single code → class table. So the
//! exception hierarchy is defined once, in pure Python, and this crate never
//! decides which class an error gets.

use cosign_keys::Error;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

/// The error type of every binding function: a core error still to be
/// mapped, or a Python exception (e.g. a wrong argument type) as it is.
pub(crate) enum BindingError {
    Core(Error),
    Python(PyErr),
}

/// Result of a binding function.
pub(crate) type BindingResult<T> = Result<T, BindingError>;

impl From<Error> for BindingError {
    fn from(err: Error) -> Self {
        Self::Core(err)
    }
}

impl From<PyErr> for BindingError {
    fn from(err: PyErr) -> Self {
        Self::Python(err)
    }
}

impl From<BindingError> for PyErr {
    fn from(err: BindingError) -> Self {
        match err {
            BindingError::Python(err) => err,
            BindingError::Core(err) => Python::attach(|py| core_to_python(py, &err)),
        }
    }
}

/// `cosign_keys.errors._from_native`, looked up once.
static FROM_NATIVE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn core_to_python(py: Python<'_>, err: &Error) -> PyErr {
    let code = err.code();
    let message = err.to_string();
    // The error's fields travel as the core's error document's JSON, which
    // Python decodes into `details`.
    let details = serde_json::Value::Object(err.details()).to_string();
    let exception = FROM_NATIVE
        .import(py, "cosign_keys.errors", "_from_native")
        .and_then(|factory| {
            factory.call1((code as u32, code.name(), message.as_str(), details.as_str()))
        });
    match exception {
        Ok(exception) => PyErr::from_value(exception),
        // Only if the pure-Python half of the package is missing or broken.
        Err(import_failure) => {
            let err = PyRuntimeError::new_err(format!("{}: {message}", code.name()));
            err.set_cause(py, Some(import_failure));
            err
        }
    }
}

/// The Python exception object for a core error, without raising it (for
/// results that carry per-item errors).
pub(crate) fn exception_object(py: Python<'_>, err: &Error) -> Py<PyAny> {
    core_to_python(py, err).into_value(py).into_any()
}
