//! [`KeyRef`]: the one string that names where a key pair lives.

use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::str::FromStr;

use crate::error::redact_uri;
use crate::{Error, Result};

/// Where a key pair (encrypted private key, public key, metadata) is stored.
///
/// Parsed from the URI forms every binding accepts:
///
/// | form | meaning |
/// |---|---|
/// | `path/to/dir`, `file:///abs/dir`, `file://localhost/abs/dir` | a directory with `cosign.key`, `cosign.pub` and a metadata sidecar |
/// | `file:///abs/dir?prefix=release` | the same with `release.key` / `release.pub` |
/// | `env://VAR` | read-only: the encrypted key PEM in an environment variable |
/// | `vault-kv://<mount>/<path>` | a Vault (or OpenBao) KV v2 secret |
/// | `azure-secret://<vault-name-or-host>/<secret-name>` | an Azure Key Vault secret |
///
/// Parsing never touches the network or the file system, and an error says
/// exactly what is wrong.
///
/// A `file://` URI names a local, absolute directory: its host part is empty
/// or `localhost` (any other host is [`Error::InvalidUri`]: a key store is
/// never on another machine's name), its path is percent-decoded (`%20` is a
/// space; an encoded `/` or NUL, or a `%` not followed by two hex digits, is
/// refused), and `.`/`..` segments and doubled slashes are removed lexically,
/// as a URI resolver does, without following symbolic links. A bare path is
/// used as the operating system reads it. [`KeyRef::resolve_against`] makes a
/// relative one absolute; the canonical text ([`Display`](fmt::Display)) of
/// an absolute directory is `file:///…` with the path percent-encoded where
/// needed, and of a relative one the bare path.
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

/// The directory a `file://` URI's part after `file://` (query removed)
/// names: an absolute path on this machine.
fn file_uri_path(uri: &str, rest: &str) -> Result<PathBuf> {
    let path = if rest.starts_with('/') {
        rest
    } else {
        let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        if host.is_empty() {
            ""
        } else if host.eq_ignore_ascii_case("localhost") {
            path
        } else {
            return Err(invalid(
                uri,
                format!(
                    "file:// names the host `{}`, but a key store is a local directory: \
                     write file:///abs/dir (or file://localhost/abs/dir), or a bare path for a \
                     directory relative to the working directory",
                    redact_uri(host)
                ),
            ));
        }
    };
    if path.is_empty() {
        return Err(invalid(
            uri,
            "file:// needs a directory, e.g. file:///etc/cosign",
        ));
    }
    let decoded = percent_decode(uri, path)?;
    Ok(normalize_absolute(&decoded))
}

/// Decodes `%XX` escapes of a `file://` path into the path's bytes.
fn percent_decode(uri: &str, path: &str) -> Result<PathBuf> {
    let raw = path.as_bytes();
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] != b'%' {
            out.push(raw[i]);
            i += 1;
            continue;
        }
        let byte = raw
            .get(i + 1..i + 3)
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .filter(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|hex| u8::from_str_radix(hex, 16).ok())
            .ok_or_else(|| {
                invalid(
                    uri,
                    "a `%` in a file:// URI must start an escape of two hex digits (write `%25` \
                     for a literal `%`)",
                )
            })?;
        if byte == b'/' || byte == 0 {
            return Err(invalid(
                uri,
                "an encoded `/` (%2F) or NUL (%00) in a file:// path is refused: it would name \
                 another path than it shows",
            ));
        }
        out.push(byte);
        i += 3;
    }
    bytes_to_path(uri, out)
}

#[cfg(unix)]
#[allow(clippy::unnecessary_wraps)]
fn bytes_to_path(_uri: &str, bytes: Vec<u8>) -> Result<PathBuf> {
    use std::os::unix::ffi::OsStringExt;
    Ok(PathBuf::from(std::ffi::OsString::from_vec(bytes)))
}

#[cfg(not(unix))]
fn bytes_to_path(uri: &str, bytes: Vec<u8>) -> Result<PathBuf> {
    String::from_utf8(bytes)
        .map(PathBuf::from)
        .map_err(|_| invalid(uri, "the decoded path is not UTF-8"))
}

/// `path` (absolute) with `.`, `..` and empty segments removed lexically;
/// `..` at the root stays at the root, as in a URI.
fn normalize_absolute(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Prefix(_) | Component::RootDir => out.push(component.as_os_str()),
            Component::CurDir => {}
            Component::ParentDir => {
                if out.parent().is_some() {
                    out.pop();
                }
            }
            Component::Normal(name) => out.push(name),
        }
    }
    out
}

/// Percent-encodes a path for a `file://` URI: everything but unreserved
/// characters, sub-delimiters, `:`, `@` and `/`.
fn percent_encode(path: &Path) -> String {
    #[cfg(unix)]
    let bytes = {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    };
    #[cfg(not(unix))]
    let bytes = path.to_string_lossy().into_owned().into_bytes();
    let mut out = String::with_capacity(bytes.len());
    for b in bytes {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An [`Error::InvalidUri`] for `uri`, shown redacted. A `reason` that
/// quotes a part of `uri` passes that part through [`redact_uri`].
fn invalid(uri: &str, reason: impl Into<String>) -> Error {
    Error::InvalidUri {
        uri: redact_uri(uri),
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

/// The schemes of key locations and KMS handles: a location that starts
/// with one of them and a `:` but lacks the `//` is refused as a typo.
const KNOWN_SCHEMES: &[&str] = &[
    "file",
    "env",
    "vault-kv",
    "azure-secret",
    "hashivault",
    "azurekms",
    "awskms",
    "gcpkms",
    "kmip",
    "k8s",
];

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
            // `vault-kv:/secret/x` or `file:keys` is a mistyped URI, not a
            // directory to write a private key into.
            if let Some((scheme, _)) = uri.split_once(':') {
                if KNOWN_SCHEMES.contains(&scheme.to_ascii_lowercase().as_str()) {
                    return Err(invalid(
                        uri,
                        format!(
                            "`{scheme}:` must be followed by `//` (e.g. {scheme}://...); \
                             to name a directory whose name starts with `{scheme}:`, write ./{}",
                            redact_uri(uri)
                        ),
                    ));
                }
            }
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
                let dir = file_uri_path(uri, path)?;
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
                            Some((name, _)) => {
                                return Err(invalid(
                                    uri,
                                    format!(
                                        "unknown query parameter `{}` (only prefix=NAME)",
                                        redact_uri(name)
                                    ),
                                ))
                            }
                            None => {
                                return Err(invalid(
                                    uri,
                                    "a query parameter without `=` (only prefix=NAME)",
                                ))
                            }
                        }
                    }
                }
                Ok(Self::File { dir, prefix })
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
                    return Err(invalid(uri, format!("bad mount `{}`", redact_uri(mount))));
                }
                if !valid_vault_segments(path) {
                    return Err(invalid(
                        uri,
                        format!("bad path `{}`: segments must be non-empty, not '.' or '..', and use letters, digits, '-', '_', '.', '@', '+'", redact_uri(path)),
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
                        format!("bad vault `{}`: a name of 3-24 letters, digits and '-', or a host", redact_uri(vault)),
                    ));
                }
                if !valid_azure_secret_name(name) {
                    return Err(invalid(
                        uri,
                        format!("bad secret name `{}`: 1-127 letters, digits and '-'", redact_uri(name)),
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
                format!("unknown scheme `{}` (expected a path, file://, env://, vault-kv:// or azure-secret://)", redact_uri(other)),
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

    /// Whether this names a directory by a relative path (a bare path such
    /// as `keys/prod`), which means nothing until it is resolved against a
    /// base directory.
    ///
    /// ```
    /// use cosign_keys::store::KeyRef;
    /// assert!(KeyRef::parse("keys/prod")?.is_relative());
    /// assert!(!KeyRef::parse("file:///etc/keys")?.is_relative());
    /// assert!(!KeyRef::parse("vault-kv://secret/k")?.is_relative());
    /// # Ok::<(), cosign_keys::Error>(())
    /// ```
    #[must_use]
    pub fn is_relative(&self) -> bool {
        matches!(self, Self::File { dir, .. } if dir.is_relative())
    }

    /// This location with a relative directory made absolute against `base`
    /// (which must be absolute), `.` and `..` removed lexically. Every other
    /// location is returned unchanged. Touches nothing on disk.
    ///
    /// ```
    /// use cosign_keys::store::KeyRef;
    /// let r = KeyRef::parse("keys/../keys/v1")?.resolve_against("/srv/ring".as_ref());
    /// assert_eq!(r.to_string(), "file:///srv/ring/keys/v1");
    /// let abs = KeyRef::parse("file:///etc/keys")?;
    /// assert_eq!(abs.clone().resolve_against("/srv".as_ref()), abs);
    /// # Ok::<(), cosign_keys::Error>(())
    /// ```
    #[must_use]
    pub fn resolve_against(self, base: &Path) -> Self {
        match self {
            Self::File { dir, prefix } if dir.is_relative() => Self::File {
                dir: normalize_absolute(&base.join(dir)),
                prefix,
            },
            Self::File { dir, prefix } => Self::File {
                dir: normalize_absolute(&dir),
                prefix,
            },
            other => other,
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
            // A relative directory has no file:// form (`file://keys/x`
            // would name the host `keys`): it is shown as the bare path.
            Self::File { dir, prefix } if dir.is_relative() => {
                write!(f, "{}", dir.display())?;
                if prefix != DEFAULT_PREFIX {
                    write!(f, " (prefix {prefix})")?;
                }
                Ok(())
            }
            Self::File { dir, prefix } => {
                write!(f, "file://{}", percent_encode(dir))?;
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
        assert_eq!(KeyRef::parse("keys/prod").unwrap().to_string(), "keys/prod");
    }

    #[test]
    fn file_uris_are_local_decoded_and_normalized() {
        for (uri, dir) in [
            ("file:///etc/cosign", "/etc/cosign"),
            ("file://localhost/etc/cosign", "/etc/cosign"),
            ("file://LOCALHOST/etc/cosign", "/etc/cosign"),
            ("file:///srv/my%20keys", "/srv/my keys"),
            ("file:///srv/a%25b", "/srv/a%b"),
            ("file:///srv/./a//b/../c/", "/srv/a/c"),
            ("file:///../../etc", "/etc"),
            ("file:///srv/%2E%2E/etc", "/etc"),
        ] {
            let parsed = KeyRef::parse(uri).unwrap();
            assert_eq!(
                parsed,
                KeyRef::File {
                    dir: dir.into(),
                    prefix: DEFAULT_PREFIX.into()
                },
                "{uri}"
            );
            assert_eq!(KeyRef::parse(&parsed.to_string()).unwrap(), parsed, "{uri}");
        }
        assert_eq!(
            KeyRef::parse("file:///srv/my keys?prefix=r")
                .unwrap()
                .to_string(),
            "file:///srv/my%20keys?prefix=r"
        );
    }

    #[test]
    fn a_known_scheme_without_slashes_is_a_typo_not_a_directory() {
        for typo in [
            "vault-kv:/secret/team",
            "file:/abs/keys",
            "FILE:keys",
            "azurekms:k",
        ] {
            let err = KeyRef::parse(typo).unwrap_err();
            assert_eq!(err.code(), crate::ErrorCode::InvalidUri, "{typo}");
            assert!(err.to_string().contains("//"), "{err}");
        }
        // Anything else with a colon is still a directory name.
        assert!(matches!(
            KeyRef::parse("keys:2026").unwrap(),
            KeyRef::File { .. }
        ));
        assert!(matches!(
            KeyRef::parse("./vault-kv:/x").unwrap(),
            KeyRef::File { .. }
        ));
    }

    #[test]
    fn relative_directories_resolve_against_a_base_only() {
        let base = Path::new("/srv/ring");
        for (uri, want) in [
            ("keys/v1", "file:///srv/ring/keys/v1"),
            ("./keys/v1/", "file:///srv/ring/keys/v1"),
            ("../other/keys", "file:///srv/other/keys"),
            ("/abs/keys", "file:///abs/keys"),
            ("file:///abs/keys", "file:///abs/keys"),
            ("vault-kv://secret/k", "vault-kv://secret/k"),
        ] {
            let resolved = KeyRef::parse(uri).unwrap().resolve_against(base);
            assert!(!resolved.is_relative(), "{uri}");
            assert_eq!(resolved.to_string(), want, "{uri}");
        }
    }

    #[test]
    fn errors_show_no_credential_and_stay_short() {
        let secrets = ["s3cret", "1234", "tok3n"];
        let long_path = "x".repeat(10_000);
        let long_scheme = "\u{e9}".repeat(5_000);
        for uri in [
            "vault-kv://user:s3cret@vault.example/secret/x".to_owned(),
            "file://user:s3cret@evil.example/tmp/x".to_owned(),
            "vault-kv:user:s3cret@vault.example/x".to_owned(),
            "vault-kv://secret/x?pin-value=1234&token=tok3n".to_owned(),
            "file:///x?pin-value=1234&token=tok3n".to_owned(),
            "file:///x?tok3n".to_owned(),
            "azure-secret://myvault/cl\u{e9}?sig=s3cret#tok3n".to_owned(),
            "azure-secret://a:s3cret@v/n".to_owned(),
            format!("vault-kv://secret/{long_path}?token=tok3n"),
            format!("{long_scheme}://x?token=tok3n"),
        ] {
            let err = KeyRef::parse(&uri).unwrap_err();
            assert_eq!(err.code(), crate::ErrorCode::InvalidUri, "{uri}");
            crate::error::assert_shows_no_secret(&err, &secrets);
        }
        // The parameter's name stays, to say which one is wrong.
        let err = KeyRef::parse("file:///x?pin-value=1234").unwrap_err();
        assert!(err.to_string().contains("`pin-value`"), "{err}");
        assert!(err.to_string().contains("file:///x?pin-value=***"), "{err}");
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
            ("file://evil.example/tmp/x", "host `evil.example`"),
            ("file://evil.example", "host `evil.example`"),
            ("file://keys/prod", "host `keys`"),
            ("file://localhost", "needs a directory"),
            ("file:///a%2Fb", "encoded `/`"),
            ("file:///a%00b", "encoded `/`"),
            ("file:///a%zz", "two hex digits"),
            ("file:///a%4", "two hex digits"),
        ] {
            let err = KeyRef::parse(uri).unwrap_err();
            assert_eq!(err.code(), crate::ErrorCode::InvalidUri, "{uri}");
            assert!(err.to_string().contains(needle), "{uri}: {err}");
        }
    }
}
