//! The AWS SDK client behind `awskms://`: endpoint, region, credentials, TLS
//! trust, timeouts and retries.
//!
//! - Endpoint: `awskms://HOST[:PORT]/…` means `https://HOST[:PORT]`, exactly
//!   as cosign (sigstore's `pkg/signature/kms/aws`) sets the SDK's base
//!   endpoint. Without one, the SDK resolves it as usual:
//!   `AWS_ENDPOINT_URL_KMS`, `AWS_ENDPOINT_URL`, then the region's endpoint.
//! - Region and credentials: the SDK's standard chain (environment, shared
//!   config and credentials files, SSO, web identity, process, container and
//!   instance metadata). With no region configured, the region of a key or
//!   alias ARN is used.
//! - TLS: always verified. `AWS_CA_BUNDLE` (a PEM file) adds its certificates
//!   to the platform's roots, as the Go SDK that cosign uses does. There is
//!   no switch to accept any certificate (cosign's
//!   `AWS_TLS_INSECURE_SKIP_VERIFY` is deliberately not honoured).
//! - Bounded: 5 s to connect, 20 s per attempt, 45 s per operation; at most
//!   3 attempts, and only for transient faults (throttling, 5xx, connection
//!   errors, timeouts), never for a 4xx or a certificate the client refused.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode, TlsContext, TrustStore};
use aws_smithy_runtime_api::client::interceptors::context::InterceptorContext;
use aws_smithy_runtime_api::client::retries::classifiers::{ClassifyRetry, RetryAction};

use super::errors::{cert_error_in, error_chain};
use crate::{Error, Result};

/// Time to establish a TCP + TLS connection.
pub(super) const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Time for one attempt of one request (RSA-4096 `CreateKey` takes seconds).
pub(super) const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(20);
/// Time for a whole operation, retries included.
pub(super) const OPERATION_TIMEOUT: Duration = Duration::from_secs(45);
/// Attempts per operation, the first one included.
pub(super) const MAX_ATTEMPTS: u32 = 3;

/// The environment variable naming extra trusted CA certificates (PEM).
const CA_BUNDLE_ENV: &str = "AWS_CA_BUNDLE";

/// What the client connects to, for error messages.
pub(super) struct Connected {
    pub(super) client: aws_sdk_kms::Client,
    /// `https://host:port` from the URI, or a description of the SDK's choice.
    pub(super) endpoint: String,
}

/// Builds the KMS client for an `awskms://[endpoint]/<key>` handle.
pub(super) async fn connect(endpoint: Option<&str>, key_id: &str) -> Result<Connected> {
    let http_client = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
        .tls_context(tls_context()?)
        .build_https();
    let sdk_config = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http_client)
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                .operation_timeout(OPERATION_TIMEOUT)
                .build(),
        )
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(MAX_ATTEMPTS)
                .with_initial_backoff(Duration::from_millis(200))
                .with_max_backoff(Duration::from_secs(5)),
        )
        .load()
        .await;

    let mut builder =
        aws_sdk_kms::config::Builder::from(&sdk_config).retry_classifier(NoRetryOnCertificateError);
    if sdk_config.region().is_none() {
        let Some(region) = arn_region(key_id) else {
            return Err(Error::Backend {
                backend: "awskms",
                status: None,
                message: "no AWS region configured: set AWS_REGION (or a region in the AWS \
                          config file), or name the key by its ARN"
                    .into(),
            });
        };
        builder = builder.region(Region::new(region.to_owned()));
    }
    if let Some(host) = endpoint {
        builder = builder.endpoint_url(format!("https://{host}"));
    }
    let config = builder.build();
    let endpoint = match endpoint {
        Some(host) => format!("https://{host}"),
        None => format!(
            "the AWS KMS endpoint for region {}",
            config.region().map_or("?", Region::as_ref)
        ),
    };
    Ok(Connected {
        client: aws_sdk_kms::Client::from_conf(config),
        endpoint,
    })
}

/// The region inside `arn:aws:kms:<region>:<account>:…`.
fn arn_region(key_id: &str) -> Option<&str> {
    let mut parts = key_id.split(':');
    (parts.next() == Some("arn"))
        .then(|| parts.nth(2))
        .flatten()
        .filter(|r| !r.is_empty())
}

/// The platform's roots, plus the certificates of `AWS_CA_BUNDLE` when set.
fn tls_context() -> Result<TlsContext> {
    let mut trust = TrustStore::default();
    if let Some(path) = std::env::var_os(CA_BUNDLE_ENV).filter(|p| !p.is_empty()) {
        let pem =
            crate::limits::read_file(std::path::Path::new(&path), crate::limits::Input::CaBundle)?;
        trust = trust.with_pem_certificate(usable_certificates(&pem).ok_or_else(|| {
            Error::InvalidArgument {
                name: "AWS_CA_BUNDLE",
                reason: format!(
                    "{} holds no usable PEM CERTIFICATE",
                    std::path::Path::new(&path).display()
                ),
            }
        })?);
    }
    TlsContext::builder()
        .with_trust_store(trust)
        .build()
        .map_err(|e| Error::Backend {
            backend: "awskms",
            status: None,
            message: format!("TLS settings: {}", error_chain(&e)),
        })
}

/// The `CERTIFICATE` blocks of a PEM bundle that parse as trust anchors,
/// re-encoded (others are skipped, as Go's `AppendCertsFromPEM` does);
/// `None` when there are none. The SDK panics on a block it cannot parse,
/// so only checked blocks are handed to it.
fn usable_certificates(pem: &[u8]) -> Option<Vec<u8>> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;

    let mut out = Vec::new();
    for cert in CertificateDer::pem_slice_iter(pem).flatten() {
        if rustls::RootCertStore::empty().add(cert.clone()).is_err() {
            continue;
        }
        let Ok(text) =
            pem_rfc7468::encode_string("CERTIFICATE", pem_rfc7468::LineEnding::LF, &cert)
        else {
            continue;
        };
        out.extend_from_slice(text.as_bytes());
    }
    (!out.is_empty()).then_some(out)
}

/// Forbids retrying a request whose TLS handshake failed on the server's
/// certificate: the SDK counts every connection error as transient, but an
/// untrusted certificate does not get better by asking again.
#[derive(Debug)]
struct NoRetryOnCertificateError;

impl ClassifyRetry for NoRetryOnCertificateError {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        match ctx.output_or_error() {
            Some(Err(err))
                if err
                    .as_connector_error()
                    .is_some_and(|c| cert_error_in(c).is_some()) =>
            {
                RetryAction::RetryForbidden
            }
            _ => RetryAction::NoActionIndicated,
        }
    }

    fn name(&self) -> &'static str {
        "cosign-keys: no retry on TLS certificate errors"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_from_arn() {
        assert_eq!(
            arn_region("arn:aws:kms:eu-west-1:123456789012:alias/x"),
            Some("eu-west-1")
        );
        assert_eq!(arn_region("alias/x"), None);
        assert_eq!(arn_region("arn:aws:kms::123456789012:alias/x"), None);
    }

    #[test]
    fn only_parsable_certificates_are_kept() {
        assert!(usable_certificates(b"").is_none());
        assert!(usable_certificates(
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
        )
        .is_none());
    }
}
