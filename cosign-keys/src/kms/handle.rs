//! [`KmsHandle`]: a key inside a KMS, named with cosign's own URI syntax.

use std::fmt;
use std::str::FromStr;

use crate::error::redact_uri;
use crate::{Error, Result};

/// A key that lives in a KMS or HSM and never leaves it.
///
/// The URI forms are exactly cosign's (`cosign sign --key <uri>`):
///
/// | URI | backend |
/// |---|---|
/// | `hashivault://<key>` | Vault / OpenBao transit; address from `VAULT_ADDR` |
/// | `awskms://[endpoint]/<key-id \| alias/name \| arn>` | AWS KMS (`awskms:///alias/x` for the default endpoint) |
/// | `azurekms://<vault>.vault.azure.net/<key>[/<version>]` | Azure Key Vault keys |
/// | `gcpkms://projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>[/cryptoKeyVersions/<n>]` | Google Cloud KMS |
///
/// ```
/// use cosign_keys::kms::KmsHandle;
///
/// let h: KmsHandle = "awskms://127.0.0.1:4566/alias/release".parse()?;
/// assert_eq!(
///     h,
///     KmsHandle::AwsKms { endpoint: Some("127.0.0.1:4566".into()), key_id: "alias/release".into() }
/// );
/// assert_eq!(h.to_string(), "awskms://127.0.0.1:4566/alias/release");
/// assert!("hashivault://bad key".parse::<KmsHandle>().is_err());
/// # Ok::<(), cosign_keys::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KmsHandle {
    /// A transit key in Vault or OpenBao.
    HashiVault {
        /// The transit key's name.
        key: String,
    },
    /// An AWS KMS key.
    AwsKms {
        /// `host[:port]` of a non-default endpoint (empty in `awskms:///…`).
        endpoint: Option<String>,
        /// Key id (UUID or `mrk-…`), `alias/<name>`, or a key or alias ARN.
        key_id: String,
    },
    /// An Azure Key Vault key.
    AzureKms {
        /// The vault's host, e.g. `myvault.vault.azure.net`.
        vault_host: String,
        /// The key's name.
        key: String,
        /// A pinned key version, if given.
        version: Option<String>,
    },
    /// A Google Cloud KMS key.
    GcpKms {
        /// The full resource name, `projects/…/cryptoKeys/<k>[/cryptoKeyVersions/<n>]`.
        resource: String,
    },
}

/// An [`Error::InvalidUri`] for `uri`, shown redacted. A `reason` that
/// quotes a part of `uri` passes that part through [`redact_uri`].
fn invalid(uri: &str, reason: impl Into<String>) -> Error {
    Error::InvalidUri {
        uri: redact_uri(uri),
        reason: reason.into(),
    }
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// cosign: `^hashivault://(?P<path>\w(([\w-.]+)?\w)?)$`.
fn valid_transit_key(k: &str) -> bool {
    let first_last_ok =
        k.chars().next().is_some_and(is_word) && k.chars().last().is_some_and(is_word);
    first_last_ok && k.chars().all(|c| is_word(c) || c == '-' || c == '.')
}

fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

fn is_mrk(s: &str) -> bool {
    s.strip_prefix("mrk-")
        .is_some_and(|h| h.len() == 32 && h.chars().all(|c| c.is_ascii_hexdigit()))
}

/// `arn:<partition>:kms:<region>:<account>:(key/<id>|alias/<name>)`.
fn valid_kms_arn(s: &str) -> bool {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" || !parts[1].starts_with("aws") || parts[2] != "kms" {
        return false;
    }
    let account_ok = parts[4].len() == 12 && parts[4].chars().all(|c| c.is_ascii_digit());
    let region_ok = !parts[3].is_empty()
        && parts[3]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    let resource_ok = match parts[5].split_once('/') {
        Some(("key", id)) => is_uuid(id) || is_mrk(id),
        Some(("alias", name)) => valid_alias_name(name),
        _ => false,
    };
    account_ok && region_ok && resource_ok
}

fn valid_alias_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 250
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-'))
}

fn valid_endpoint(e: &str) -> bool {
    !e.is_empty()
        && e.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
}

fn valid_gcp_resource(r: &str) -> bool {
    let parts: Vec<&str> = r.split('/').collect();
    let names = [
        "projects",
        "locations",
        "keyRings",
        "cryptoKeys",
        "cryptoKeyVersions",
    ];
    if parts.len() != 8 && parts.len() != 10 {
        return false;
    }
    parts.chunks(2).zip(names).all(|(pair, name)| {
        pair.len() == 2
            && pair[0] == name
            && !pair[1].is_empty()
            && pair[1]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    })
}

impl KmsHandle {
    /// Parses a KMS URI. Same as `s.parse()`.
    ///
    /// ```
    /// use cosign_keys::kms::KmsHandle;
    /// let h = KmsHandle::parse("hashivault://release-2026")?;
    /// assert_eq!(h, KmsHandle::HashiVault { key: "release-2026".into() });
    /// # Ok::<(), cosign_keys::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidUri`] with exactly what is wrong.
    pub fn parse(uri: &str) -> Result<Self> {
        let Some((scheme, rest)) = uri.split_once("://") else {
            return Err(invalid(
                uri,
                "not a KMS URI (expected hashivault://, awskms://, azurekms:// or gcpkms://)",
            ));
        };
        match scheme {
            "hashivault" => {
                if valid_transit_key(rest) {
                    Ok(Self::HashiVault {
                        key: rest.to_owned(),
                    })
                } else {
                    Err(invalid(
                        uri,
                        "hashivault:// needs a transit key name: letters, digits, '_', '-', '.', starting and ending with a letter, digit or '_'",
                    ))
                }
            }
            "awskms" => {
                let Some((endpoint, key_id)) = rest.split_once('/') else {
                    return Err(invalid(
                        uri,
                        "awskms:// needs `/` before the key: awskms:///alias/name or awskms://host:port/alias/name",
                    ));
                };
                if !endpoint.is_empty() && !valid_endpoint(endpoint) {
                    return Err(invalid(
                        uri,
                        format!("bad endpoint `{}` (host[:port])", redact_uri(endpoint)),
                    ));
                }
                let key_ok = is_uuid(key_id)
                    || is_mrk(key_id)
                    || key_id.strip_prefix("alias/").is_some_and(valid_alias_name)
                    || valid_kms_arn(key_id);
                if !key_ok {
                    return Err(invalid(
                        uri,
                        format!("bad key `{}`: expected a key id (UUID or mrk-…), alias/<name>, or a KMS key or alias ARN", redact_uri(key_id)),
                    ));
                }
                Ok(Self::AwsKms {
                    endpoint: (!endpoint.is_empty()).then(|| endpoint.to_owned()),
                    key_id: key_id.to_owned(),
                })
            }
            "azurekms" => {
                let parts: Vec<&str> = rest.split('/').collect();
                let (host, key, version) = match parts.as_slice() {
                    [h, k] => (*h, *k, None),
                    [h, k, v] => (*h, *k, Some(*v)),
                    _ => {
                        return Err(invalid(
                            uri,
                            "azurekms:// needs <vault host>/<key>[/<version>], e.g. azurekms://myvault.vault.azure.net/release",
                        ))
                    }
                };
                if host.is_empty() || !valid_endpoint(host) {
                    return Err(invalid(
                        uri,
                        format!("bad vault host `{}`", redact_uri(host)),
                    ));
                }
                let name_ok = |s: &str| {
                    (1..=127).contains(&s.len())
                        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                };
                if !name_ok(key) {
                    return Err(invalid(
                        uri,
                        format!(
                            "bad key name `{}`: 1-127 letters, digits and '-'",
                            redact_uri(key)
                        ),
                    ));
                }
                if let Some(v) = version {
                    if !name_ok(v) {
                        return Err(invalid(uri, format!("bad key version `{}`", redact_uri(v))));
                    }
                }
                Ok(Self::AzureKms {
                    vault_host: host.to_owned(),
                    key: key.to_owned(),
                    version: version.map(str::to_owned),
                })
            }
            "gcpkms" => {
                if valid_gcp_resource(rest) {
                    Ok(Self::GcpKms {
                        resource: rest.to_owned(),
                    })
                } else {
                    Err(invalid(
                        uri,
                        "gcpkms:// needs projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>[/cryptoKeyVersions/<n>]",
                    ))
                }
            }
            other => Err(invalid(
                uri,
                format!(
                    "unknown KMS scheme `{}` (expected hashivault, awskms, azurekms or gcpkms)",
                    redact_uri(other)
                ),
            )),
        }
    }

    /// The URI scheme, e.g. `awskms`.
    ///
    /// ```
    /// # use cosign_keys::kms::KmsHandle;
    /// assert_eq!(KmsHandle::parse("hashivault://k")?.scheme(), "hashivault");
    /// # Ok::<(), cosign_keys::Error>(())
    /// ```
    #[must_use]
    pub fn scheme(&self) -> &'static str {
        match self {
            Self::HashiVault { .. } => "hashivault",
            Self::AwsKms { .. } => "awskms",
            Self::AzureKms { .. } => "azurekms",
            Self::GcpKms { .. } => "gcpkms",
        }
    }

    /// Whether a string looks like a KMS URI (one of the four schemes),
    /// the way cosign decides between a key file and a KMS key.
    ///
    /// ```
    /// # use cosign_keys::kms::KmsHandle;
    /// assert!(KmsHandle::is_kms_uri("awskms:///alias/x"));
    /// assert!(!KmsHandle::is_kms_uri("cosign.key"));
    /// ```
    #[must_use]
    pub fn is_kms_uri(s: &str) -> bool {
        ["hashivault://", "awskms://", "azurekms://", "gcpkms://"]
            .iter()
            .any(|p| s.starts_with(p))
    }
}

impl FromStr for KmsHandle {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

impl fmt::Display for KmsHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::HashiVault { key } => write!(f, "hashivault://{key}"),
            Self::AwsKms { endpoint, key_id } => {
                write!(f, "awskms://{}/{key_id}", endpoint.as_deref().unwrap_or(""))
            }
            Self::AzureKms {
                vault_host,
                key,
                version,
            } => {
                write!(f, "azurekms://{vault_host}/{key}")?;
                if let Some(v) = version {
                    write!(f, "/{v}")?;
                }
                Ok(())
            }
            Self::GcpKms { resource } => write!(f, "gcpkms://{resource}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosign_forms_parse_and_round_trip() {
        for uri in [
            "hashivault://release",
            "hashivault://team.release-2026_a",
            "awskms:///1234abcd-12ab-34cd-56ef-1234567890ab",
            "awskms:///mrk-1234567890abcdef1234567890abcdef",
            "awskms:///alias/cosign",
            "awskms://localhost:4566/alias/team/cosign",
            "awskms:///arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "awskms:///arn:aws-us-gov:kms:us-gov-west-1:123456789012:alias/cosign",
            "awskms://127.0.0.1:4566/arn:aws:kms:us-east-1:123456789012:alias/x",
            "azurekms://myvault.vault.azure.net/release",
            "azurekms://myvault.vault.azure.net/release/0123456789abcdef0123456789abcdef",
            "gcpkms://projects/p/locations/global/keyRings/r/cryptoKeys/k",
            "gcpkms://projects/p/locations/global/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1",
        ] {
            let h = KmsHandle::parse(uri).unwrap();
            assert_eq!(h.to_string(), uri);
            assert!(KmsHandle::is_kms_uri(uri));
        }
    }

    #[test]
    fn errors_show_no_credential_and_stay_short() {
        let secrets = ["s3cret", "1234", "tok3n"];
        for uri in [
            "awskms://user:s3cret@localhost:4566/alias/x".to_owned(),
            "azurekms://user:s3cret@myvault.vault.azure.net/k".to_owned(),
            "hashivault://k?pin-value=1234&token=tok3n".to_owned(),
            "awskms:///alias/x?token=tok3n".to_owned(),
            "azurekms://myvault.vault.azure.net/k/v?sig=s3cret".to_owned(),
            "gcpkms://projects/p#tok3n".to_owned(),
            "pkcs11:object=k;pin-value=1234".to_owned(),
            format!("awskms:///alias/{}?token=tok3n", "x".repeat(10_000)),
            format!("{}://x?token=tok3n", "\u{e9}".repeat(5_000)),
        ] {
            let err = KmsHandle::parse(&uri).unwrap_err();
            assert_eq!(err.code(), crate::ErrorCode::InvalidUri, "{uri}");
            crate::error::assert_shows_no_secret(&err, &secrets);
        }
    }

    #[test]
    fn bad_forms_say_what_is_wrong() {
        for (uri, needle) in [
            ("cosign.key", "not a KMS URI"),
            ("hashivault://", "transit key name"),
            ("hashivault://-x", "transit key name"),
            ("hashivault://a/b", "transit key name"),
            ("awskms://alias/x", "bad key"),
            ("awskms:///x", "bad key"),
            ("awskms:///alias/", "bad key"),
            ("awskms://bad host/alias/x", "bad endpoint"),
            ("awskms:///arn:aws:kms:us-east-1:123:key/x", "bad key"),
            ("azurekms://myvault.vault.azure.net", "needs <vault host>"),
            ("azurekms://myvault.vault.azure.net/a_b", "bad key name"),
            ("gcpkms://projects/p/keyRings/r", "gcpkms:// needs"),
            ("pkcs11:token=x", "not a KMS URI"),
            ("k8s://ns/secret", "unknown KMS scheme"),
        ] {
            let err = KmsHandle::parse(uri).unwrap_err();
            assert_eq!(err.code(), crate::ErrorCode::InvalidUri, "{uri}");
            assert!(err.to_string().contains(needle), "{uri}: {err}");
        }
    }
}
