//! The library version and the capabilities it was built with.

use std::ffi::c_char;

use crate::guard::run_or;

/// Major version of this header (the library's is `ck_version()`).
pub const CK_VERSION_MAJOR: u32 = 0;
/// Minor version of this header.
pub const CK_VERSION_MINOR: u32 = 1;
/// Patch version of this header.
pub const CK_VERSION_PATCH: u32 = 0;

/// ECDSA keys: P-256 (generate, sign, verify), P-384 and P-521.
pub const CK_FEATURE_ECDSA: u64 = 1;
/// Ed25519 keys.
pub const CK_FEATURE_ED25519: u64 = 1 << 1;
/// RSA keys (2048, 3072, 4096 bits).
pub const CK_FEATURE_RSA: u64 = 1 << 2;
/// Cosign key files: encrypt, decrypt, change password, scrypt limits.
pub const CK_FEATURE_COSIGN_KEY_FILE: u64 = 1 << 3;
/// Importing PKCS#8, SEC1, PKCS#1 and encrypted PKCS#8 keys.
pub const CK_FEATURE_IMPORT: u64 = 1 << 4;
/// Atomic key file writes (`ck_write_atomic`).
pub const CK_FEATURE_ATOMIC_WRITE: u64 = 1 << 5;
/// Key stores in a directory (`file://`, plain paths) and read-only
/// `env://` (`ck_store_*`).
pub const CK_FEATURE_FILE_STORE: u64 = 1 << 6;
/// Vault / OpenBao: the `vault-kv://` store and the `hashivault://` KMS.
pub const CK_FEATURE_VAULT: u64 = 1 << 7;
/// AWS KMS: `awskms://`.
pub const CK_FEATURE_AWS_KMS: u64 = 1 << 8;
/// Azure Key Vault: the `azure-secret://` store and the `azurekms://` KMS.
pub const CK_FEATURE_AZURE: u64 = 1 << 9;

/// The library version, e.g. `"0.1.0"` (static, NUL-terminated: never free
/// it). Compare with the `CK_VERSION_*` macros of the header you compiled
/// against. Thread-safe.
#[no_mangle]
pub extern "C" fn ck_version() -> *const c_char {
    run_or(std::ptr::null(), || VERSION.as_ptr().cast::<c_char>())
}

/// The same as `ck_version`, under a name that carries the version, so a
/// program built against this header fails to link (instead of misbehaving)
/// with a library of another version. The Go binding references it.
#[no_mangle]
pub extern "C" fn ck_version_0_1_0() -> *const c_char {
    ck_version()
}

/// The capabilities this library was built with: a bit set of
/// `CK_FEATURE_*` values. The network backends (`CK_FEATURE_VAULT`,
/// `CK_FEATURE_AWS_KMS`, `CK_FEATURE_AZURE`) are present unless the library was built without
/// them; their URIs then give `CK_NOT_SUPPORTED`. Unknown bits may appear in
/// newer libraries. Thread-safe.
#[no_mangle]
pub extern "C" fn ck_features() -> u64 {
    run_or(0, || {
        let mut features = CK_FEATURE_ECDSA
            | CK_FEATURE_ED25519
            | CK_FEATURE_RSA
            | CK_FEATURE_COSIGN_KEY_FILE
            | CK_FEATURE_IMPORT
            | CK_FEATURE_ATOMIC_WRITE
            | CK_FEATURE_FILE_STORE;
        if cfg!(feature = "vault") {
            features |= CK_FEATURE_VAULT;
        }
        if cfg!(feature = "aws") {
            features |= CK_FEATURE_AWS_KMS;
        }
        if cfg!(feature = "azure") {
            features |= CK_FEATURE_AZURE;
        }
        features
    })
}

const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feature_bits_follow_the_build() {
        let f = ck_features();
        assert_ne!(f & CK_FEATURE_FILE_STORE, 0);
        assert_eq!(f & CK_FEATURE_VAULT != 0, cfg!(feature = "vault"));
        assert_eq!(f & CK_FEATURE_AWS_KMS != 0, cfg!(feature = "aws"));
        assert_eq!(f & CK_FEATURE_AZURE != 0, cfg!(feature = "azure"));
        // Every bit is distinct.
        let all = [
            CK_FEATURE_ECDSA,
            CK_FEATURE_ED25519,
            CK_FEATURE_RSA,
            CK_FEATURE_COSIGN_KEY_FILE,
            CK_FEATURE_IMPORT,
            CK_FEATURE_ATOMIC_WRITE,
            CK_FEATURE_FILE_STORE,
            CK_FEATURE_VAULT,
            CK_FEATURE_AWS_KMS,
            CK_FEATURE_AZURE,
        ];
        assert_eq!(
            all.iter().fold(0, |acc, b| acc | b).count_ones() as usize,
            all.len()
        );
    }

    #[test]
    fn version_constants_and_symbol_match_the_crate() {
        assert_eq!(
            format!("{CK_VERSION_MAJOR}.{CK_VERSION_MINOR}.{CK_VERSION_PATCH}"),
            env!("CARGO_PKG_VERSION")
        );
        assert_eq!(ckcore::VERSION, env!("CARGO_PKG_VERSION"));
        // SAFETY: static NUL-terminated string.
        let v = unsafe { std::ffi::CStr::from_ptr(ck_version()) };
        assert_eq!(v.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
        // The versioned symbol's name must follow the crate version.
        let source = include_str!("version.rs");
        let symbol = format!(
            "fn ck_version_{}()",
            env!("CARGO_PKG_VERSION").replace(['.', '-'], "_")
        );
        assert!(
            source.contains(&symbol),
            "rename the versioned symbol to {symbol}"
        );
    }
}
