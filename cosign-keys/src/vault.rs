//! Connection settings shared by the Vault KV v2 store (`vault-kv://`) and
//! the transit KMS (`hashivault://`): address, credentials, namespace, TLS.
//!
//! Read from the same environment variables as the `vault` CLI and cosign:
//! `VAULT_ADDR`, `VAULT_TOKEN`, `VAULT_NAMESPACE`, `VAULT_CACERT`, and for
//! AppRole `VAULT_ROLE_ID` + `VAULT_SECRET_ID` (+ `VAULT_APPROLE_MOUNT`);
//! cosign's `TRANSIT_SECRET_ENGINE_PATH` names the transit mount. Like cosign,
//! `BAO_ADDR` / `BAO_TOKEN` (OpenBao's names) are read when the `VAULT_*`
//! ones are unset. TLS verification is always on (`VAULT_SKIP_VERIFY` is not
//! honoured); a private CA is trusted with `VAULT_CACERT`.
//!
//! Every request has a bounded timeout (`VAULT_CLIENT_TIMEOUT`, default 10 s);
//! only transient faults are retried (twice, with backoff): a refused
//! connection, HTTP 429 and 503, and for reads also timeouts and other 5xx.
//! Errors map onto the crate's [`Error`] in one place:
//!
//! | what happened | error |
//! |---|---|
//! | connection refused, timeout, TLS failure, sealed (503), other 5xx, 429 | [`Error::Unavailable`] |
//! | HTTP 401 / 403 | [`Error::PermissionDenied`] |
//! | HTTP 404, transit "key not found" | [`Error::NotFound`] |
//! | KV check-and-set mismatch | [`Error::Conflict`] |
//! | anything else | [`Error::Backend`] |
//!
//! Messages name the address and the key or secret, never the token or the
//! AppRole secret id.
//!
//! A key pair in KV v2 and a key in transit, with settings from the
//! environment (or [`StoreOptions::vault`](crate::store::StoreOptions) /
//! [`KmsOptions::vault`](crate::kms::KmsOptions) to pass a [`VaultConfig`]):
//!
//! ```no_run
//! use cosign_keys::kms::blocking::KmsKey;
//! use cosign_keys::store::blocking::Store;
//! use cosign_keys::{sha256, Algorithm};
//!
//! // What `vault kv put secret/aibox/cosign private_key=@cosign.key ...` holds.
//! let store = Store::open("vault-kv://secret/aibox/cosign")?;
//! let public = store.get_public(None)?; // needs read on secret/data/aibox/cosign.pub only
//! println!("version {} {}", public.version, public.metadata.fingerprint);
//!
//! // A key that never leaves transit; many digests in a few requests.
//! let kms = KmsKey::open("hashivault://release")?;
//! let key = kms.create(Algorithm::EcdsaP256)?;
//! let digests: Vec<Vec<u8>> = (0..1000u32).map(|i| sha256(&i.to_be_bytes()).to_vec()).collect();
//! for (digest, signature) in digests.iter().zip(kms.sign_digests(&digests)) {
//!     key.verify_digest(digest, &signature?)?;
//! }
//! # Ok::<(), cosign_keys::Error>(())
//! ```

use std::time::Duration;

use crate::{Error, Password, Result};

mod client;
mod error;
mod kv;

pub(crate) use client::{Client, Retry};
pub(crate) use error::Fault;
pub(crate) use kv::{wipe, KvSecret};

/// A Vault timestamp (RFC 3339, UTC, up to nanoseconds); `None` for Vault's
/// empty string ("never") or anything else unreadable.
pub(crate) fn parse_time(text: &str) -> Option<std::time::SystemTime> {
    crate::timestamp::parse_rfc3339(text).ok()
}

/// The default request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// How to authenticate to Vault.
///
/// Not `Clone` or `Debug`: it holds credentials.
///
/// ```
/// use cosign_keys::vault::VaultAuth;
///
/// let auth = VaultAuth::app_role("my-role-id", "my-secret-id".into());
/// assert!(matches!(auth, VaultAuth::AppRole { ref mount, .. } if mount == "approle"));
/// ```
#[non_exhaustive]
pub enum VaultAuth {
    /// A token (`VAULT_TOKEN`).
    Token(Password),
    /// AppRole login (`VAULT_ROLE_ID` / `VAULT_SECRET_ID`), at the `approle`
    /// mount unless `mount` says otherwise. The login happens when a store or
    /// KMS key is opened; the token it yields lives as long as the role's
    /// `token_ttl` allows.
    AppRole {
        /// The role id.
        role_id: String,
        /// The secret id.
        secret_id: Password,
        /// The auth mount, default `approle`.
        mount: String,
    },
}

impl VaultAuth {
    /// AppRole credentials at the default `approle` mount.
    ///
    /// ```
    /// use cosign_keys::vault::VaultAuth;
    /// let _auth = VaultAuth::app_role("role", "secret".into());
    /// ```
    #[must_use]
    pub fn app_role(role_id: &str, secret_id: Password) -> Self {
        Self::AppRole {
            role_id: role_id.to_owned(),
            secret_id,
            mount: "approle".to_owned(),
        }
    }
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
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Settings from the process environment.
    ///
    /// | variable | meaning |
    /// |---|---|
    /// | `VAULT_ADDR` (or `BAO_ADDR`) | required, e.g. `https://vault.example.com:8200` |
    /// | `VAULT_TOKEN` (or `BAO_TOKEN`) | a token; takes precedence over AppRole |
    /// | `VAULT_ROLE_ID` + `VAULT_SECRET_ID` | AppRole login when no token is set |
    /// | `VAULT_APPROLE_MOUNT` | the AppRole auth mount (default `approle`) |
    /// | `VAULT_NAMESPACE` | namespace header |
    /// | `VAULT_CACERT` | path of a PEM file with the CA certificate(s) to trust (only these) |
    /// | `TRANSIT_SECRET_ENGINE_PATH` | transit mount (default `transit`), as cosign reads it |
    /// | `VAULT_CLIENT_TIMEOUT` | per-request timeout in seconds (`30` or `30s`; default 10) |
    ///
    /// ```no_run
    /// use cosign_keys::vault::VaultConfig;
    /// let config = VaultConfig::from_env()?;
    /// println!("using {}", config.address);
    /// # Ok::<(), cosign_keys::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the variable that is missing or
    /// malformed; [`Error::Io`] when `VAULT_CACERT` cannot be read.
    pub fn from_env() -> Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`VaultConfig::from_env`] with the variables taken from `lookup`
    /// instead of the process environment (for bindings and tests).
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use cosign_keys::vault::{VaultAuth, VaultConfig};
    ///
    /// let vars = HashMap::from([
    ///     ("VAULT_ADDR", "http://127.0.0.1:8200/"),
    ///     ("VAULT_ROLE_ID", "role"),
    ///     ("VAULT_SECRET_ID", "secret"),
    ///     ("TRANSIT_SECRET_ENGINE_PATH", "signing"),
    ///     ("VAULT_CLIENT_TIMEOUT", "3s"),
    /// ]);
    /// let config = VaultConfig::from_lookup(|k| vars.get(k).map(|v| v.to_string()))?;
    /// assert_eq!(config.address, "http://127.0.0.1:8200");
    /// assert!(matches!(config.auth, VaultAuth::AppRole { .. }));
    /// assert_eq!(config.transit_mount, "signing");
    /// assert_eq!(config.timeout.as_secs(), 3);
    ///
    /// let err = VaultConfig::from_lookup(|_| None).err().unwrap();
    /// assert!(err.to_string().contains("VAULT_ADDR"));
    /// # Ok::<(), cosign_keys::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`VaultConfig::from_env`].
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let address = get("VAULT_ADDR")
            .or_else(|| get("BAO_ADDR"))
            .ok_or_else(|| Error::InvalidArgument {
                name: "VAULT_ADDR",
                reason: "not set: export VAULT_ADDR=https://<vault host>:8200".into(),
            })?;
        let auth = if let Some(token) = get("VAULT_TOKEN").or_else(|| get("BAO_TOKEN")) {
            VaultAuth::Token(Password::from(token))
        } else {
            match (get("VAULT_ROLE_ID"), get("VAULT_SECRET_ID")) {
                (Some(role_id), Some(secret_id)) => VaultAuth::AppRole {
                    role_id,
                    secret_id: Password::from(secret_id),
                    mount: get("VAULT_APPROLE_MOUNT").unwrap_or_else(|| "approle".into()),
                },
                (Some(_), None) | (None, Some(_)) => {
                    return Err(Error::InvalidArgument {
                        name: "VAULT_ROLE_ID",
                        reason: "AppRole login needs both VAULT_ROLE_ID and VAULT_SECRET_ID".into(),
                    })
                }
                (None, None) => {
                    return Err(Error::InvalidArgument {
                        name: "VAULT_TOKEN",
                        reason: "no credentials: set VAULT_TOKEN, or VAULT_ROLE_ID and \
                                 VAULT_SECRET_ID for AppRole"
                            .into(),
                    })
                }
            }
        };
        let mut config = Self::new(&address, auth);
        config.namespace = get("VAULT_NAMESPACE");
        if let Some(path) = get("VAULT_CACERT") {
            config.ca_cert_pem = Some(crate::limits::read_file(
                std::path::Path::new(&path),
                crate::limits::Input::CaBundle,
            )?);
        }
        if let Some(mount) = get("TRANSIT_SECRET_ENGINE_PATH") {
            config.transit_mount = mount.trim_matches('/').to_owned();
        }
        if let Some(timeout) = get("VAULT_CLIENT_TIMEOUT") {
            config.timeout = parse_timeout(&timeout)?;
        }
        Ok(config)
    }
}

/// `30` or `30s`, 1 to 3600 seconds.
fn parse_timeout(text: &str) -> Result<Duration> {
    let secs = text
        .strip_suffix('s')
        .unwrap_or(text)
        .parse::<u64>()
        .ok()
        .filter(|s| (1..=3600).contains(s))
        .ok_or_else(|| Error::InvalidArgument {
            name: "VAULT_CLIENT_TIMEOUT",
            reason: format!("`{text}` is not a number of seconds between 1 and 3600"),
        })?;
    Ok(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<VaultConfig> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        VaultConfig::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn token_wins_over_approle() {
        let c = config(&[
            ("VAULT_ADDR", "http://h:1"),
            ("VAULT_TOKEN", "tok\n"),
            ("VAULT_ROLE_ID", "r"),
            ("VAULT_SECRET_ID", "s"),
        ])
        .unwrap();
        match c.auth {
            VaultAuth::Token(t) => assert_eq!(t.expose_secret(), b"tok"),
            VaultAuth::AppRole { .. } => panic!("expected the token"),
        }
    }

    #[test]
    fn bao_names_are_a_fallback() {
        let c = config(&[("BAO_ADDR", "http://h:2"), ("BAO_TOKEN", "t")]).unwrap();
        assert_eq!(c.address, "http://h:2");
    }

    #[test]
    fn approle_mount_and_namespace() {
        let c = config(&[
            ("VAULT_ADDR", "http://h:1"),
            ("VAULT_ROLE_ID", "r"),
            ("VAULT_SECRET_ID", "s"),
            ("VAULT_APPROLE_MOUNT", "ci-approle"),
            ("VAULT_NAMESPACE", "team-a"),
        ])
        .unwrap();
        assert!(matches!(c.auth, VaultAuth::AppRole { ref mount, .. } if mount == "ci-approle"));
        assert_eq!(c.namespace.as_deref(), Some("team-a"));
    }

    #[test]
    fn missing_or_bad_variables_are_named() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[], "VAULT_ADDR"),
            (&[("VAULT_ADDR", "http://h")], "VAULT_TOKEN"),
            (
                &[("VAULT_ADDR", "http://h"), ("VAULT_ROLE_ID", "r")],
                "VAULT_SECRET_ID",
            ),
            (
                &[
                    ("VAULT_ADDR", "http://h"),
                    ("VAULT_TOKEN", "t"),
                    ("VAULT_CLIENT_TIMEOUT", "0"),
                ],
                "VAULT_CLIENT_TIMEOUT",
            ),
            (
                &[
                    ("VAULT_ADDR", "http://h"),
                    ("VAULT_TOKEN", "t"),
                    ("VAULT_CACERT", "/nonexistent/ca.pem"),
                ],
                "/nonexistent/ca.pem",
            ),
        ];
        for (vars, needle) in cases {
            let err = config(vars).err().unwrap();
            assert!(
                err.to_string().contains(needle),
                "{err} should name {needle}"
            );
        }
    }

    #[test]
    fn secrets_never_appear_in_errors() {
        let err = config(&[("VAULT_ADDR", "http://h"), ("VAULT_SECRET_ID", "hunter2")])
            .err()
            .unwrap();
        assert!(!err.to_string().contains("hunter2"));
    }
}
