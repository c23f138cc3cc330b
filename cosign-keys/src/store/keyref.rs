//! [`KeyRef`]: the one string that names where a key pair lives.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use crate::{Error, Result};

/// Where a key pair (encrypted private key, public key, metadata) is stored.
///
/// Parsed from the URI forms every binding accepts:
///
/// | form | meaning |
/// |---|---|
/// | `path/to/dir`, `file:///abs/dir`, `file://rel/dir` | a directory with `cosign.key`, `cosign.pub` and a metadata sidecar |
/// | `file:///abs/dir?prefix=release` | the same with `release.key` / `release.pub` |
/// | `env://VAR` | read-only: the encrypted key PEM in an environment variable |
/// | `vault-kv://<mount>/<path>` | a Vault (or OpenBao) KV v2 secret |
/// | `azure-secret://<vault-name-or-host>/<secret-name>` | an Azure Key Vault secret |
///
/// Parsing never touches the network or the file system, and an error says
/// exactly what is wrong.
///
/// ```
/// use cosign_keys::store::KeyRef;
///
/// let r: KeyRef = "vault-kv://secret/aibox/cosign".parse()?;
/// assert_eq!(r, KeyRef::VaultKv { mount: "secret".into(), path: "aibox/cosign".into() });
/// assert_eq!(r.to_string(), "vault-kv://secret/aibox/cosign");
///
/// let err = "vault-kv://secret".parse::<KeyRef>().unwrap_err();
/// assert!(err.to_string().contains("path"));
/// # Ok::<(), cosign_keys::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyRef {
    /// A directory on the local file system.
    File {
        /// The directory.
        dir: PathBuf,
        /// File name prefix: `<prefix>.key`, `<prefix>.pub` (default `cosign`).
        prefix: String,
    },
    /// An environment variable holding the encrypted private key PEM
    /// (read-only).
    Env {
        /// The variable's name.
        var: String,
    },
    /// A KV version 2 secret in Vault or OpenBao.
    VaultKv {
        /// The secrets engine's mount, e.g. `secret`.
        mount: String,
        /// The secret's path below the mount, e.g. `aibox/cosign`.
        path: String,
    },
    /// An Azure Key Vault secret.
    AzureSecret {
        /// The vault's name (`myvault`) or host (`myvault.vault.azure.net`).
        vault: String,
        /// The secret's name.
        name: String,
    },
}

/// The default file name prefix, as cosign writes `cosign.key` / `cosign.pub`.
pub const DEFAULT_PREFIX: &str = "cosign";

fn invalid(uri: &str, reason: impl Into<String>) -> Error {
    Error::InvalidUri {
        uri: uri.to_owned(),
        reason: reason.into(),
    }
}

fn valid_prefix(prefix: &str) -> bool {
    !prefix.is_empty()
        && prefix != "."
        && prefix != ".."
        && prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Checks a Vault path segment list: non-empty segments, no `.`/`..`.
fn valid_vault_segments(s: &str) -> bool {
    !s.is_empty()
        && s.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@' | '+'))
        })
}

/// Azure secret names: 1-127 characters, letters, digits and dashes.
fn valid_azure_secret_name(s: &str) -> bool {
    (1..=127).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// Azure vault names: 3-24 characters, letters, digits, dashes; or a host.
fn valid_azure_vault(s: &str) -> bool {
    if s.contains('.') || s.contains(':') {
        // A host (and optional port), e.g. myvault.vault.azure.net or localhost:8443.
        return s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':'));
    }
    (3..=24).contains(&s.len())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && s.starts_with(|c: char| c.is_ascii_alphabetic())
}

impl KeyRef {
    /// Parses a key location. Same as `s.parse()`.
    ///
    /// ```
    /// use cosign_keys::store::KeyRef;
    /// let r = KeyRef::parse("keys/prod")?;
    /// assert!(matches!(r, KeyRef::File { .. }));
    /// # Ok::<(), cosign_keys::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidUri`] with the reason.
    pub fn parse(uri: &str) -> Result<Self> {
        if uri.is_empty() {
            return Err(invalid(uri, "empty key location"));
        }
        let Some((scheme, rest)) = uri.split_once("://") else {
            return Ok(Self::File {
                dir: PathBuf::from(uri),
                prefix: DEFAULT_PREFIX.to_owned(),
            });
        };
        match scheme {
            "file" => {
                let (path, query) = match rest.split_once('?') {
                    Some((p, q)) => (p, Some(q)),
                    None => (rest, None),
                };
                if path.is_empty() {
                    return Err(invalid(uri, "file:// needs a directory, e.g. file:///etc/cosign"));
                }
                let mut prefix = DEFAULT_PREFIX.to_owned();
                if let Some(query) = query {
                    for pair in query.split('&') {
                        match pair.split_once('=') {
                            Some(("prefix", p)) if valid_prefix(p) => prefix = p.to_owned(),
                            Some(("prefix", _)) => {
                                return Err(invalid(
                                    uri,
                                    "prefix must be letters, digits, '-', '_' or '.' (not '.' or '..')",
                                ))
                            }
                            _ => {
                                return Err(invalid(
                                    uri,
                                    format!("unknown query parameter `{pair}` (only prefix=NAME)"),
                                ))
                            }
                        }
                    }
                }
                Ok(Self::File {
                    dir: PathBuf::from(path),
                    prefix,
                })
            }
            "env" => {
                let valid = !rest.is_empty()
                    && !rest.starts_with(|c: char| c.is_ascii_digit())
                    && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if valid {
                    Ok(Self::Env {
                        var: rest.to_owned(),
                    })
                } else {
                    Err(invalid(
                        uri,
                        "env:// needs a variable name of letters, digits and '_', e.g. env://COSIGN_PRIVATE_KEY",
                    ))
                }
            }
            "vault-kv" => {
                let rest = rest.trim_end_matches('/');
                let Some((mount, path)) = rest.split_once('/') else {
                    return Err(invalid(
                        uri,
                        "vault-kv:// needs a mount and a path, e.g. vault-kv://secret/team/cosign",
                    ));
                };
                if !valid_vault_segments(mount) {
                    return Err(invalid(uri, format!("bad mount `{mount}`")));
                }
                if !valid_vault_segments(path) {
                    return Err(invalid(
                        uri,
                        format!("bad path `{path}`: segments must be non-empty, not '.' or '..', and use letters, digits, '-', '_', '.', '@', '+'"),
                    ));
                }
                Ok(Self::VaultKv {
                    mount: mount.to_owned(),
                    path: path.to_owned(),
                })
            }
            "azure-secret" => {
                let Some((vault, name)) = rest.split_once('/') else {
                    return Err(invalid(
                        uri,
                        "azure-secret:// needs a vault and a secret name, e.g. azure-secret://myvault/cosign-private-key",
                    ));
                };
                if !valid_azure_vault(vault) {
                    return Err(invalid(
                        uri,
                        format!("bad vault `{vault}`: a name of 3-24 letters, digits and '-', or a host"),
                    ));
                }
                if !valid_azure_secret_name(name) {
                    return Err(invalid(
                        uri,
                        format!("bad secret name `{name}`: 1-127 letters, digits and '-'"),
                    ));
                }
                Ok(Self::AzureSecret {
                    vault: vault.to_owned(),
                    name: name.to_owned(),
                })
            }
            "hashivault" | "azurekms" | "awskms" | "gcpkms" => Err(invalid(
                uri,
                format!("{scheme}:// names a KMS key, whose private key never leaves the KMS; use it where a KMS key is accepted (KmsHandle), not as a key store"),
            )),
            other => Err(invalid(
                uri,
                format!("unknown scheme `{other}` (expected a path, file://, env://, vault-kv:// or azure-secret://)"),
            )),
        }
    }

    /// The URI scheme: `file`, `env`, `vault-kv` or `azure-secret`.
    ///
    /// ```
    /// use cosign_keys::store::KeyRef;
    /// assert_eq!(KeyRef::parse("env://K")?.scheme(), "env");
    /// # Ok::<(), cosign_keys::Error>(())
    /// ```
    #[must_use]
    pub fn scheme(&self) -> &'static str {
        match self {
            Self::File { .. } => "file",
            Self::Env { .. } => "env",
            Self::VaultKv { .. } => "vault-kv",
            Self::AzureSecret { .. } => "azure-secret",
        }
    }
}

impl FromStr for KeyRef {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

impl fmt::Display for KeyRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File { dir, prefix } => {
                write!(f, "file://{}", dir.display())?;
                if prefix != DEFAULT_PREFIX {
                    write!(f, "?prefix={prefix}")?;
                }
                Ok(())
            }
            Self::Env { var } => write!(f, "env://{var}"),
            Self::VaultKv { mount, path } => write!(f, "vault-kv://{mount}/{path}"),
            Self::AzureSecret { vault, name } => write!(f, "azure-secret://{vault}/{name}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form_and_round_trips() {
        for (uri, expect) in [
            ("file:///etc/cosign", "file:///etc/cosign"),
            (
                "file:///etc/cosign?prefix=release",
                "file:///etc/cosign?prefix=release",
            ),
            ("env://COSIGN_KEY", "env://COSIGN_KEY"),
            (
                "vault-kv://secret/aibox/cosign",
                "vault-kv://secret/aibox/cosign",
            ),
            ("vault-kv://kv/a/", "vault-kv://kv/a"),
            (
                "azure-secret://myvault/cosign-private-key",
                "azure-secret://myvault/cosign-private-key",
            ),
            (
                "azure-secret://myvault.vault.azure.net/k",
                "azure-secret://myvault.vault.azure.net/k",
            ),
        ] {
            let parsed = KeyRef::parse(uri).unwrap();
            assert_eq!(parsed.to_string(), expect, "{uri}");
            assert_eq!(KeyRef::parse(&parsed.to_string()).unwrap(), parsed);
        }
        assert_eq!(
            KeyRef::parse("keys/prod").unwrap(),
            KeyRef::File {
                dir: "keys/prod".into(),
                prefix: "cosign".into()
            }
        );
    }

    #[test]
    fn errors_say_what_is_wrong() {
        for (uri, needle) in [
            ("", "empty"),
            ("file://", "needs a directory"),
            ("file:///x?prefix=..", "prefix"),
            ("file:///x?mode=1", "unknown query parameter"),
            ("env://", "variable name"),
            ("env://1X", "variable name"),
            ("env://A-B", "variable name"),
            ("vault-kv://secret", "mount and a path"),
            ("vault-kv://secret//x", "bad path"),
            ("vault-kv://secret/../x", "bad path"),
            ("azure-secret://v", "vault and a secret name"),
            ("azure-secret://ab/x", "bad vault"),
            ("azure-secret://myvault/a_b", "bad secret name"),
            ("awskms:///alias/x", "KMS"),
            ("s3://bucket/key", "unknown scheme `s3`"),
        ] {
            let err = KeyRef::parse(uri).unwrap_err();
            assert_eq!(err.code(), crate::ErrorCode::InvalidUri, "{uri}");
            assert!(err.to_string().contains(needle), "{uri}: {err}");
        }
    }
}
