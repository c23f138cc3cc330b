//! Connection settings shared by the Vault KV v2 store (`vault-kv://`) and
//! the transit KMS (`hashivault://`): address, credentials, namespace, TLS.
//!
//! Read from the same environment variables as the `vault` CLI and cosign:
//! `VAULT_ADDR`, `VAULT_TOKEN`, `VAULT_NAMESPACE`, `VAULT_CACERT`, and for
//! AppRole `VAULT_ROLE_ID` + `VAULT_SECRET_ID`; cosign's
//! `TRANSIT_SECRET_ENGINE_PATH` names the transit mount. TLS verification is
//! always on; a private CA is trusted with `VAULT_CACERT`.

use std::time::Duration;

use crate::Password;

/// How to authenticate to Vault.
///
/// Not `Clone` or `Debug`: it holds credentials.
#[non_exhaustive]
pub enum VaultAuth {
    /// A token (`VAULT_TOKEN`).
    Token(Password),
    /// AppRole login (`VAULT_ROLE_ID` / `VAULT_SECRET_ID`), at the `approle`
    /// mount unless `mount` says otherwise.
    AppRole {
        /// The role id.
        role_id: String,
        /// The secret id.
        secret_id: Password,
        /// The auth mount, default `approle`.
        mount: String,
    },
}

/// Where Vault is and how to talk to it.
///
/// Not `Clone` or `Debug`: it holds credentials.
///
/// ```
/// use cosign_keys::vault::{VaultAuth, VaultConfig};
/// use cosign_keys::Password;
///
/// let config = VaultConfig::new("http://127.0.0.1:8200", VaultAuth::Token(Password::new(b"t".to_vec())));
/// assert_eq!(config.address, "http://127.0.0.1:8200");
/// assert_eq!(config.transit_mount, "transit");
/// ```
#[non_exhaustive]
pub struct VaultConfig {
    /// Base address, e.g. `https://vault.example.com:8200`.
    pub address: String,
    /// Credentials.
    pub auth: VaultAuth,
    /// Enterprise / OpenBao namespace.
    pub namespace: Option<String>,
    /// PEM CA certificate(s) to trust, in addition to none other: when set,
    /// only these roots are trusted.
    pub ca_cert_pem: Option<Vec<u8>>,
    /// The transit engine's mount (`TRANSIT_SECRET_ENGINE_PATH`, default
    /// `transit`).
    pub transit_mount: String,
    /// Per-request timeout (connect + answer), default 10 s.
    pub timeout: Duration,
}

impl VaultConfig {
    /// Settings for `address` and `auth`, with defaults for the rest.
    #[must_use]
    pub fn new(address: &str, auth: VaultAuth) -> Self {
        Self {
            address: address.trim_end_matches('/').to_owned(),
            auth,
            namespace: None,
            ca_cert_pem: None,
            transit_mount: "transit".to_owned(),
            timeout: Duration::from_secs(10),
        }
    }
}
