#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(rustdoc::broken_intra_doc_links)]

mod algorithm;
pub mod audit;
#[cfg(feature = "azure")]
mod azure;
#[cfg(feature = "backup")]
#[cfg_attr(docsrs, doc(cfg(feature = "backup")))]
pub mod backup;
mod envelope;
mod error;
mod fingerprint;
pub mod fs;
#[doc(hidden)]
pub mod fuzzing;
mod hash;
mod import;
pub mod keyring;
pub mod kms;
pub mod limits;
mod lock;
mod oid;
pub mod pem;
mod private;
mod public;
mod rand;
mod runtime;
mod secret;
mod signature;
pub mod store;
mod timestamp;
#[cfg(feature = "vault")]
#[cfg_attr(docsrs, doc(cfg(feature = "vault")))]
pub mod vault;
pub mod wire;

pub use algorithm::Algorithm;
pub use audit::Actor;
pub use envelope::{
    DecryptOptions, EncryptedPrivateKey, ScryptParams, DEFAULT_MAX_MEMORY_BYTES, DEFAULT_MAX_WORK,
};
pub use error::{Error, ErrorCode, ErrorDocument, Kdf, Result};
pub use fingerprint::Fingerprint;
pub use hash::{sha256, HashAlg};
pub use private::PrivateKey;
pub use public::PublicKey;
pub use secret::{Password, SecretBytes};
pub use signature::Signature;
pub use timestamp::{format_rfc3339, parse_rfc3339, Timestamp};

/// The crate version, e.g. for `--version` output and binding checks.
///
/// ```
/// assert!(!cosign_keys::VERSION.is_empty());
/// ```
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
