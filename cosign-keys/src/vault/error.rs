//! The one mapping from what went wrong talking to Vault onto [`Error`].
//!
//! Every Vault call, whether made through `vaultrs` or directly with
//! `reqwest`, first becomes a [`Fault`]; [`Fault::into_error`] is the only
//! place that decides which [`Error`] variant a caller sees.

use std::error::Error as StdError;
use std::time::Duration;

use super::client::Retry;
use crate::Error;

/// The longest server message kept in an error.
const MAX_MESSAGE: usize = 400;

/// What went wrong with one Vault request, before it is named and mapped.
#[derive(Debug)]
pub(crate) enum Fault {
    /// No HTTP answer arrived.
    Transport {
        /// Why.
        kind: TransportKind,
        /// The innermost cause, e.g. `Connection refused (os error 111)`.
        detail: String,
    },
    /// The server answered with a non-success status.
    Status {
        /// The HTTP status.
        code: u16,
        /// Vault's `errors` list (may be empty).
        errors: Vec<String>,
    },
    /// The answer was not what the API documents.
    Decode(String),
}

/// Why a request got no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TransportKind {
    /// The TCP connection could not be made (refused, unreachable).
    Connect,
    /// The TLS handshake failed (e.g. an untrusted certificate).
    Tls,
    /// No answer within the timeout.
    Timeout,
    /// The connection broke mid-request, or another I/O failure.
    Other,
}

/// Walks an error's source chain.
fn chain<'a>(
    e: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(e), |e: &&'a (dyn StdError + 'static)| (*e).source())
}

fn truncate(mut s: String) -> String {
    if s.len() > MAX_MESSAGE {
        let mut cut = MAX_MESSAGE;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push('…');
    }
    s
}

impl Fault {
    /// Classifies a `reqwest` failure (no HTTP status: those are read from
    /// the response).
    pub(crate) fn from_reqwest(e: &reqwest::Error) -> Self {
        let root = chain(e).last().map(ToString::to_string).unwrap_or_default();
        let texts: String = chain(e)
            .map(|c| c.to_string().to_ascii_lowercase())
            .collect::<Vec<_>>()
            .join(" | ");
        let kind = if e.is_timeout() {
            TransportKind::Timeout
        } else if texts.contains("certificate")
            || texts.contains("tls")
            || texts.contains("handshake")
            || texts.contains("unknownissuer")
        {
            TransportKind::Tls
        } else if e.is_connect() {
            TransportKind::Connect
        } else {
            TransportKind::Other
        };
        Self::Transport {
            kind,
            detail: truncate(root),
        }
    }

    /// Classifies a `vaultrs` failure: an API status, or the `reqwest`
    /// error somewhere down its source chain.
    pub(crate) fn from_vaultrs(e: &vaultrs::error::ClientError) -> Self {
        use rustify::errors::ClientError as Rest;
        use vaultrs::error::ClientError as Vc;
        match e {
            Vc::APIError { code, errors } => Self::Status {
                code: *code,
                errors: errors.clone(),
            },
            Vc::RestClientError {
                source: Rest::ServerResponseError { code, content },
            } => Self::Status {
                code: *code,
                errors: content
                    .as_deref()
                    .and_then(errors_from_body)
                    .unwrap_or_default(),
            },
            other => {
                if let Some(re) = chain(other).find_map(|c| c.downcast_ref::<reqwest::Error>()) {
                    return Self::from_reqwest(re);
                }
                let detail = chain(other)
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(": ");
                Self::Decode(truncate(detail))
            }
        }
    }

    /// Whether retrying could help, for a request of this kind.
    ///
    /// A refused connection, 429 and 503 mean the server did not act, so any
    /// request may be repeated. Timeouts and other 5xx may hide a request
    /// that took effect: only reads (and idempotent writes) repeat those.
    pub(crate) fn is_transient(&self, retry: Retry) -> bool {
        let server_did_not_act = match self {
            Self::Transport { kind, .. } => *kind == TransportKind::Connect,
            Self::Status { code, .. } => matches!(code, 429 | 503),
            Self::Decode(_) => false,
        };
        let may_have_acted = match self {
            Self::Transport { kind, .. } => {
                matches!(kind, TransportKind::Timeout | TransportKind::Other)
            }
            Self::Status { code, .. } => matches!(code, 500 | 502 | 504),
            Self::Decode(_) => false,
        };
        server_did_not_act || (may_have_acted && retry == Retry::Idempotent)
    }

    /// The HTTP status, when the server answered.
    pub(crate) fn status(&self) -> Option<u16> {
        match self {
            Self::Status { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// A KV v2 check-and-set mismatch.
    pub(crate) fn is_cas_mismatch(&self) -> bool {
        matches!(self, Self::Status { code: 400, errors } if errors.iter().any(|e| e.contains("check-and-set")))
    }

    fn message(errors: &[String], code: u16) -> String {
        // Vault wraps some errors in Go's multierror text:
        // "1 error occurred:\n\t* permission denied\n\n".
        let joined = errors
            .iter()
            .flat_map(|e| e.lines())
            .map(|l| l.trim().trim_start_matches("* ").trim())
            .filter(|l| !(l.is_empty() || l.ends_with("occurred:") && l.contains("error")))
            .collect::<Vec<_>>()
            .join("; ");
        if joined.is_empty() {
            format!("HTTP {code}")
        } else {
            truncate(joined)
        }
    }

    /// Maps onto the crate's error, naming `what` (a key or secret) and the
    /// server `address`. Never includes credentials: none are in a fault.
    pub(crate) fn into_error(self, what: &str, address: &str, timeout: Duration) -> Error {
        let unavailable = |reason: String| Error::Unavailable {
            backend: "vault",
            reason,
        };
        match self {
            Self::Transport { kind, detail } => match kind {
                TransportKind::Connect => {
                    unavailable(format!("cannot connect to {address} ({detail}) for {what}"))
                }
                TransportKind::Timeout => unavailable(format!(
                    "no answer from {address} within {} s for {what} (VAULT_CLIENT_TIMEOUT sets the limit)",
                    timeout.as_secs_f32()
                )),
                TransportKind::Tls => unavailable(format!(
                    "TLS with {address} failed ({detail}) for {what}; trust the server's CA with \
                     VAULT_CACERT (certificate verification cannot be turned off)"
                )),
                TransportKind::Other => {
                    unavailable(format!("request to {address} for {what} failed: {detail}"))
                }
            },
            Self::Status { code, errors } => {
                let msg = Self::message(&errors, code);
                let lower = msg.to_ascii_lowercase();
                match code {
                    503 if lower.contains("sealed") => unavailable(format!(
                        "Vault at {address} is sealed (HTTP 503) for {what}; unseal it and retry"
                    )),
                    429 => unavailable(format!(
                        "Vault at {address} is throttling requests (HTTP 429) for {what}: {msg}"
                    )),
                    500..=599 => unavailable(format!("Vault at {address} answered HTTP {code} for {what}: {msg}")),
                    401 | 403 => Error::PermissionDenied {
                        backend: "vault",
                        what: what.to_owned(),
                        detail: format!("{msg} (HTTP {code} from {address}; check the token's policy)"),
                    },
                    404 => Error::NotFound {
                        what: format!("{what} (at {address})"),
                    },
                    400 if lower.contains("check-and-set") => Error::Conflict {
                        what: what.to_owned(),
                        reason: format!(
                            "{msg}: another writer changed it first; nothing was written, re-read and retry"
                        ),
                    },
                    400 if lower.contains("key not found") => Error::NotFound {
                        what: format!("{what} (at {address}: {msg})"),
                    },
                    400 if lower.contains("invalid role or secret id") => Error::PermissionDenied {
                        backend: "vault",
                        what: what.to_owned(),
                        detail: format!("{msg} (HTTP 400 from {address})"),
                    },
                    _ => Error::Backend {
                        backend: "vault",
                        status: Some(code),
                        message: format!("{msg} ({what} at {address})"),
                    },
                }
            }
            Self::Decode(detail) => Error::Backend {
                backend: "vault",
                status: None,
                message: format!("unexpected answer from {address} for {what}: {detail}"),
            },
        }
    }
}

/// Vault's `{"errors": [...]}` body, if it is one.
pub(crate) fn errors_from_body(body: &str) -> Option<Vec<String>> {
    #[derive(serde::Deserialize)]
    struct Body {
        errors: Vec<String>,
    }
    serde_json::from_str::<Body>(body).ok().map(|b| b.errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    fn map(f: Fault) -> Error {
        f.into_error(
            "vault-kv://secret/app",
            "http://127.0.0.1:8200",
            Duration::from_secs(10),
        )
    }

    fn status(code: u16, msg: &str) -> Fault {
        Fault::Status {
            code,
            errors: vec![msg.to_owned()],
        }
    }

    #[test]
    fn statuses_map_to_the_documented_variants() {
        let cases = [
            (
                status(503, "Vault is sealed"),
                ErrorCode::Unavailable,
                "sealed",
            ),
            (status(502, "bad gateway"), ErrorCode::Unavailable, "502"),
            (
                status(429, "slow down"),
                ErrorCode::Unavailable,
                "throttling",
            ),
            (
                status(403, "permission denied"),
                ErrorCode::PermissionDenied,
                "permission denied",
            ),
            (status(401, ""), ErrorCode::PermissionDenied, "401"),
            (
                status(404, ""),
                ErrorCode::NotFound,
                "vault-kv://secret/app",
            ),
            (
                status(
                    400,
                    "check-and-set parameter did not match the current version",
                ),
                ErrorCode::Conflict,
                "check-and-set",
            ),
            (
                status(400, "signing key not found"),
                ErrorCode::NotFound,
                "signing key not found",
            ),
            (
                status(400, "invalid role or secret ID"),
                ErrorCode::PermissionDenied,
                "invalid role",
            ),
            (
                status(400, "unknown key type x"),
                ErrorCode::Backend,
                "unknown key type",
            ),
            (
                Fault::Transport {
                    kind: TransportKind::Connect,
                    detail: "Connection refused (os error 111)".into(),
                },
                ErrorCode::Unavailable,
                "Connection refused",
            ),
            (
                Fault::Transport {
                    kind: TransportKind::Timeout,
                    detail: String::new(),
                },
                ErrorCode::Unavailable,
                "within 10 s",
            ),
            (
                Fault::Transport {
                    kind: TransportKind::Tls,
                    detail: "invalid peer certificate: UnknownIssuer".into(),
                },
                ErrorCode::Unavailable,
                "VAULT_CACERT",
            ),
            (
                Fault::Decode("x".into()),
                ErrorCode::Backend,
                "unexpected answer",
            ),
        ];
        for (fault, code, needle) in cases {
            let e = map(fault);
            assert_eq!(e.code(), code, "{e}");
            assert!(
                e.to_string().contains(needle),
                "{e} should contain {needle}"
            );
            assert!(
                e.to_string().contains("vault-kv://secret/app"),
                "{e} should name the secret"
            );
        }
    }

    #[test]
    fn only_transient_faults_are_retried() {
        let connect = Fault::Transport {
            kind: TransportKind::Connect,
            detail: String::new(),
        };
        let timeout = Fault::Transport {
            kind: TransportKind::Timeout,
            detail: String::new(),
        };
        let tls = Fault::Transport {
            kind: TransportKind::Tls,
            detail: String::new(),
        };
        assert!(connect.is_transient(Retry::NotIdempotent));
        assert!(status(503, "sealed").is_transient(Retry::NotIdempotent));
        assert!(timeout.is_transient(Retry::Idempotent));
        assert!(!timeout.is_transient(Retry::NotIdempotent));
        assert!(status(500, "").is_transient(Retry::Idempotent));
        assert!(!status(500, "").is_transient(Retry::NotIdempotent));
        assert!(!tls.is_transient(Retry::Idempotent));
        for code in [400, 401, 403, 404, 405, 412] {
            assert!(!status(code, "").is_transient(Retry::Idempotent), "{code}");
        }
    }

    #[test]
    fn multierror_text_is_flattened() {
        let e = map(status(403, "1 error occurred:\n\t* permission denied\n\n"));
        assert!(
            e.to_string().contains(": permission denied (HTTP 403"),
            "{e}"
        );
        let e = map(status(400, "2 errors occurred:\n\t* a\n\t* b\n\n"));
        assert!(e.to_string().contains("a; b"), "{e}");
    }

    #[test]
    fn long_messages_are_cut() {
        let e = map(status(400, &"é".repeat(1000)));
        assert!(e.to_string().len() < 1000);
    }

    #[test]
    fn errors_body() {
        assert_eq!(
            errors_from_body(r#"{"errors":["a","b"]}"#).unwrap(),
            ["a", "b"]
        );
        assert!(errors_from_body("<html>").is_none());
    }
}
