//! AWS SDK errors as [`Error`]s that name the key and the endpoint.
//!
//! Nothing here can carry a credential: the SDK's errors hold the service's
//! code and message, HTTP statuses and connection errors; the request (and
//! its signature) is never formatted.

use std::error::Error as StdError;

use aws_sdk_kms::error::{ProvideErrorMetadata, SdkError};

use crate::Error;

const BACKEND: &str = "awskms";

/// The key and endpoint an operation was about.
pub(super) struct Target<'a> {
    /// The `awskms://` URI (or a key id) as the user named it.
    pub(super) key: &'a str,
    /// The endpoint, as [`super::client::Connected::endpoint`] describes it.
    pub(super) endpoint: &'a str,
}

/// Walks an error and its sources; after an `io::Error` its payload comes
/// next (`io::Error::source` skips it).
fn chain<'a>(
    err: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(err), |&e: &&'a (dyn StdError + 'static)| match e
        .downcast_ref::<std::io::Error>()
    {
        Some(io) => io.get_ref().map(|inner| inner as &(dyn StdError + 'static)),
        None => e.source(),
    })
}

/// The messages of an error chain joined with `: `, skipping a message that
/// repeats the previous one.
pub(super) fn error_chain(err: &(dyn StdError + 'static)) -> String {
    let mut out = String::new();
    let mut last = String::new();
    for e in chain(err) {
        let msg = e.to_string();
        if msg.is_empty() || last.contains(&msg) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&msg);
        last = msg;
    }
    out
}

/// A rustls certificate error anywhere in the chain.
pub(super) fn cert_error_in<'a>(err: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    chain(err).find_map(|e| {
        e.downcast_ref::<rustls::Error>().filter(|r| {
            matches!(
                r,
                rustls::Error::InvalidCertificate(_)
                    | rustls::Error::NoCertificatesPresented
                    | rustls::Error::UnsupportedNameType
            )
        })
    })
}

/// Maps an SDK error of operation `op` (e.g. `Sign`).
pub(super) fn map<E>(target: &Target<'_>, op: &str, err: &SdkError<E>) -> Error
where
    E: ProvideErrorMetadata + StdError + 'static,
{
    let Target { key, endpoint } = *target;
    match err {
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            let code = service.err().code().unwrap_or("UnknownError");
            let message = service.err().message().unwrap_or("");
            from_service(target, op, status, code, message)
        }
        SdkError::TimeoutError(_) => Error::Unavailable {
            backend: BACKEND,
            reason: format!(
                "{op} for {key} at {endpoint} timed out (limits: {}s per attempt, {}s per \
                 operation)",
                super::client::ATTEMPT_TIMEOUT.as_secs(),
                super::client::OPERATION_TIMEOUT.as_secs()
            ),
        },
        SdkError::DispatchFailure(failure) => {
            let detail = error_chain(err);
            if let Some(cert) = failure.as_connector_error().and_then(|c| cert_error_in(c)) {
                return Error::Backend {
                    backend: BACKEND,
                    status: None,
                    message: format!(
                        "TLS: the certificate of {endpoint} is not trusted ({cert}); if it is \
                         signed by a private CA, point AWS_CA_BUNDLE at that CA's PEM file"
                    ),
                };
            }
            if let Some(e) = credentials_error(err) {
                return e;
            }
            if failure.is_io() || failure.is_timeout() {
                Error::Unavailable {
                    backend: BACKEND,
                    reason: format!("{op} for {key}: cannot reach {endpoint}: {detail}"),
                }
            } else {
                Error::Backend {
                    backend: BACKEND,
                    status: None,
                    message: format!("{op} for {key} at {endpoint}: {detail}"),
                }
            }
        }
        SdkError::ResponseError(response) => {
            let status = response.raw().status().as_u16();
            let message = format!(
                "{op} for {key} at {endpoint}: unreadable response: {}",
                error_chain(err)
            );
            if status >= 500 {
                Error::Unavailable {
                    backend: BACKEND,
                    reason: format!("{message} (HTTP {status})"),
                }
            } else {
                Error::Backend {
                    backend: BACKEND,
                    status: Some(status),
                    message,
                }
            }
        }
        _ => credentials_error(err).unwrap_or_else(|| Error::Backend {
            backend: BACKEND,
            status: None,
            message: format!("{op} for {key}: {}", error_chain(err)),
        }),
    }
}

/// No credentials could be found or loaded (before any request was sent).
fn credentials_error(err: &(dyn StdError + 'static)) -> Option<Error> {
    let found =
        chain(err).any(|e| e.is::<aws_credential_types::provider::error::CredentialsError>());
    found.then(|| Error::PermissionDenied {
        backend: BACKEND,
        what: "AWS credentials".into(),
        detail: format!(
            "no usable AWS credentials ({}); set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, \
             AWS_PROFILE, or another source of the standard AWS chain",
            error_chain(err)
        ),
    })
}

/// Maps an error answer of the KMS service.
pub(super) fn from_service(
    target: &Target<'_>,
    op: &str,
    status: u16,
    code: &str,
    message: &str,
) -> Error {
    let Target { key, endpoint } = *target;
    let detail = if message.is_empty() {
        code.to_owned()
    } else {
        format!("{code}: {message}")
    };
    match code {
        "NotFoundException" => Error::NotFound {
            what: format!("{key} ({detail})"),
        },
        "AlreadyExistsException" => Error::AlreadyExists { path: key.into() },
        "AccessDeniedException"
        | "AccessDenied"
        | "UnrecognizedClientException"
        | "InvalidSignatureException"
        | "IncompleteSignature"
        | "MissingAuthenticationToken"
        | "InvalidClientTokenId"
        | "ExpiredTokenException"
        | "SignatureDoesNotMatch" => Error::PermissionDenied {
            backend: BACKEND,
            what: key.to_owned(),
            detail: format!("{op}: {detail}"),
        },
        "ThrottlingException"
        | "Throttling"
        | "LimitExceededException"
        | "KMSInternalException"
        | "DependencyTimeoutException"
        | "ServiceUnavailableException"
        | "InternalFailure" => Error::Unavailable {
            backend: BACKEND,
            reason: format!("{op} for {key} at {endpoint}: {detail}"),
        },
        "UnsupportedOperationException" | "InvalidKeyUsageException" => {
            Error::UnsupportedAlgorithm {
                algorithm: format!("{key}: {op}: {detail}"),
            }
        }
        "ValidationException"
            if [
                "SigningAlgorithm",
                "KeySpec",
                "signing_algorithm",
                "key_spec",
            ]
            .iter()
            .any(|field| message.contains(field)) =>
        {
            Error::UnsupportedAlgorithm {
                algorithm: format!("{key}: {op}: {detail}"),
            }
        }
        _ if status >= 500 => Error::Unavailable {
            backend: BACKEND,
            reason: format!("{op} for {key} at {endpoint}: HTTP {status}: {detail}"),
        },
        _ => Error::Backend {
            backend: BACKEND,
            status: Some(status),
            message: format!("{op} for {key}: {detail}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn service_codes_map_to_variants() {
        let t = Target {
            key: "awskms:///alias/x",
            endpoint: "https://127.0.0.1:1",
        };
        let cases = [
            ("NotFoundException", 400, ErrorCode::NotFound),
            ("AlreadyExistsException", 400, ErrorCode::AlreadyExists),
            ("AccessDeniedException", 400, ErrorCode::PermissionDenied),
            (
                "UnrecognizedClientException",
                400,
                ErrorCode::PermissionDenied,
            ),
            (
                "InvalidSignatureException",
                400,
                ErrorCode::PermissionDenied,
            ),
            ("ThrottlingException", 400, ErrorCode::Unavailable),
            ("KMSInternalException", 500, ErrorCode::Unavailable),
            ("Whatever", 503, ErrorCode::Unavailable),
            (
                "InvalidKeyUsageException",
                400,
                ErrorCode::UnsupportedAlgorithm,
            ),
            ("DisabledException", 400, ErrorCode::Backend),
        ];
        for (code, status, want) in cases {
            let e = from_service(&t, "Sign", status, code, "m");
            assert_eq!(e.code(), want, "{code}");
            assert_eq!(e.duplicate().to_string(), e.to_string());
            assert_eq!(e.duplicate().code(), e.code());
        }
        let e = from_service(
            &t,
            "Sign",
            400,
            "ValidationException",
            "Value 'X' at 'SigningAlgorithm' failed to satisfy constraint",
        );
        assert_eq!(e.code(), ErrorCode::UnsupportedAlgorithm);
        let e = from_service(&t, "Sign", 400, "ValidationException", "Message too long");
        assert_eq!(e.code(), ErrorCode::Backend);
        let e = from_service(
            &t,
            "GetPublicKey",
            400,
            "NotFoundException",
            "Alias x is not found.",
        );
        assert!(e.to_string().contains("awskms:///alias/x"), "{e}");
    }
}
