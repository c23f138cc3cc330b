//! The handle behind `Store` and `KmsKey`: shared by any number of Python
//! threads at once, and closed explicitly (`close()`, a `with` block).
//!
//! A call takes its own reference to the backend before it releases the GIL,
//! so `close()` never pulls the backend out from under a call in progress:
//! that call finishes, and the backend is dropped with its last reference.

use std::sync::{Arc, PoisonError, RwLock};

use cosign_keys::Error;

pub(crate) struct Backend<T> {
    inner: RwLock<Option<Arc<T>>>,
    /// What it is, for the "closed" error: `store`, `KMS key`.
    what: &'static str,
}

impl<T> Backend<T> {
    pub(crate) fn new(value: T, what: &'static str) -> Self {
        Self {
            inner: RwLock::new(Some(Arc::new(value))),
            what,
        }
    }

    /// The open backend; `HANDLE_CLOSED` (an `InvalidArgumentError`, so a
    /// `ValueError` as for a closed Python file) once closed.
    pub(crate) fn get(&self) -> cosign_keys::Result<Arc<T>> {
        self.inner
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .ok_or_else(|| Error::HandleClosed {
                what: self.what.to_owned(),
            })
    }

    /// Drops this handle's reference; idempotent.
    pub(crate) fn close(&self) -> Option<Arc<T>> {
        self.inner
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.inner
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .is_none()
    }
}
