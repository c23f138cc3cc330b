//! The C ABI of cosign-keys: `libcosign_keys.so` / `libcosign_keys.a` and the
//! header `include/cosign_keys.h` that cbindgen generates from this crate.
//!
//! This crate is a mechanical shell over the core crate: it converts
//! pointers to slices and handles, calls the core, and converts results back.
//! Logic about keys belongs in the core.
//!
//! # API conventions (also in `bindings/README.md`)
//! - Every symbol starts with `ck_`. Handles (`ck_private_key`,
//!   `ck_public_key`, `ck_encrypted_key`, `ck_store`, `ck_stored_key`,
//!   `ck_stored_public_key`, `ck_kms`, `ck_sign_batch`, `ck_error`,
//!   `ck_buf`) are opaque
//!   and heap-allocated by the library; each is released exactly once with
//!   its `_free` function, and `_free(NULL)` does nothing.
//! - Every fallible function returns a `ck_status` (0 is `CK_OK`; the other
//!   values are the core's stable `ErrorCode` numbers) and takes a trailing
//!   optional `ck_error **err_out`. On failure, if `err_out` is not NULL,
//!   `*err_out` receives a new error object (free it with `ck_error_free`);
//!   on success `*err_out` is not touched. There is no thread-local "last
//!   error".
//! - Output parameters end in `_out`, come just before `err_out`, and are
//!   written only when the call succeeds.
//! - Byte inputs are `(const uint8_t *ptr, size_t len)`; `ptr` may be NULL
//!   only when `len` is 0. The library never keeps a pointer to caller
//!   memory after a call returns.
//! - No panic crosses the boundary: each export catches panics and returns
//!   `CK_PANIC` (or a documented neutral value).
//! - Handles are immutable once made. Any number of threads may use the same
//!   handle at once, except that its `_free` must not race with any other
//!   use of it.
//! - Results with structure come as JSON documents in a `ck_buf`. Every
//!   one is a core type described, with every field, in one JSON Schema,
//!   `schema/cosign-keys.schema.json` (generated from the core's `wire`
//!   module); each function names the `$defs` entry it returns. Times are
//!   RFC 3339 UTC.

#![allow(non_camel_case_types)]
#![deny(rustdoc::broken_intra_doc_links)]

#[macro_use]
mod guard;
mod args;
mod handle;
mod json;

pub mod algorithm;
pub mod audit;
pub mod backup;
pub mod batch;
pub mod buf;
pub mod encrypted;
pub mod error;
pub mod fingerprint;
pub mod fs;
pub mod keyring;
pub mod kms;
pub mod private;
pub mod public;
pub mod signature;
pub mod status;
pub mod store;
pub mod stored;
pub mod version;
