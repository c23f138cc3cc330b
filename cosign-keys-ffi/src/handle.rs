//! Opaque handle types and the only code that converts between a handle
//! pointer and the Rust value it owns.
//!
//! Each C handle type is tied to exactly one Rust type by [`Opaque`], and
//! every handle is a `Box` of that type, so a handle can neither be freed the
//! wrong way nor be read as another type's handle from Rust.

use crate::guard::FfiError;

/// Ties an opaque C type to the Rust value behind it (always a `Box`).
pub(crate) trait Opaque {
    /// The Rust value the handle owns.
    type Inner;
}

/// Moves a value to the heap and returns it as a handle owned by the caller.
pub(crate) fn into_handle<T: Opaque>(inner: T::Inner) -> *mut T {
    Box::into_raw(Box::new(inner)).cast::<T>()
}

/// Borrows the value behind a handle argument.
///
/// # Safety
/// `ptr` is NULL or a handle of type `T` made by [`into_handle`] and not
/// freed, that no one frees while the returned borrow lives.
pub(crate) unsafe fn borrow<'a, T: Opaque>(
    ptr: *const T,
    name: &'static str,
) -> Result<&'a T::Inner, FfiError> {
    // SAFETY: the caller guarantees the pointer is NULL or a live handle of
    // type T, i.e. a `Box<T::Inner>` turned into a pointer: aligned,
    // initialized, and not mutated by anyone while borrowed (handles are
    // immutable once made).
    unsafe { ptr.cast::<T::Inner>().as_ref() }.ok_or_else(|| FfiError::null(name))
}

/// Frees a handle; NULL is allowed and ignored.
///
/// # Safety
/// `ptr` is NULL or a handle of type `T` made by [`into_handle`], not freed
/// before and not in use by any other thread.
pub(crate) unsafe fn free<T: Opaque>(ptr: *mut T) {
    if !ptr.is_null() {
        // SAFETY: per the contract above, the pointer came from
        // `Box::into_raw` of a `Box<T::Inner>` and is released exactly once.
        drop(unsafe { Box::from_raw(ptr.cast::<T::Inner>()) });
    }
}
