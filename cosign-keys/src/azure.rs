//! Azure Key Vault plumbing shared by `azurekms://` (feature `azure`):
//! vault endpoints, credentials, the HTTPS transport, bounded retries that
//! honour `429` + `Retry-After`, request pacing and error mapping.
//!
//! - Vault: a bare name (`myvault`) means `https://myvault.vault.azure.net`;
//!   anything with a dot or a port is a host (`myvault.vault.azure.cn`,
//!   `localhost:8443`) and means `https://<host>`.
//! - Credentials: `COSIGN_KEYS_AZURE_TOKEN`, a bearer token fetched
//!   elsewhere (and the way to talk to emulators), wins. Otherwise
//!   `azure_identity`: a client secret when `AZURE_TENANT_ID`,
//!   `AZURE_CLIENT_ID` and `AZURE_CLIENT_SECRET` are set, workload identity
//!   when `AZURE_FEDERATED_TOKEN_FILE` is set, managed identity when
//!   `IDENTITY_ENDPOINT` or `MSI_ENDPOINT` is set, else the developer tools
//!   (Azure CLI, Azure Developer CLI).
//! - TLS: always verified. `COSIGN_KEYS_AZURE_CA_BUNDLE` names a PEM file of
//!   extra trusted CAs, added to the platform's roots.
//! - Bounded: 5 s to connect, 20 s per request, at most
//!   [`MAX_ATTEMPTS`] attempts per operation, only for throttling (`429`),
//!   `5xx` and connection failures, never waiting longer than
//!   [`MAX_RETRY_AFTER`] for a `Retry-After`. A stopped vault is
//!   `UNAVAILABLE` within seconds. Responses larger than
//!   [`MAX_RESPONSE_BYTES`] are refused.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use azure_core::credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions};
use azure_core::http::headers::{HeaderName, RETRY_AFTER};
use azure_core::http::{
    AsyncRawResponse, ClientOptions, HttpClient, Request, RetryOptions, Transport,
};
use azure_core::time::{Duration as AzDuration, OffsetDateTime};
use secrecy::{ExposeSecret, SecretString};

use crate::{Error, Result};

/// The static bearer token variable.
pub(crate) const TOKEN_ENV: &str = "COSIGN_KEYS_AZURE_TOKEN";
/// The extra-CA bundle variable.
pub(crate) const CA_BUNDLE_ENV: &str = "COSIGN_KEYS_AZURE_CA_BUNDLE";
/// Time to establish a TCP + TLS connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Time for one request (RSA-4096 key creation takes seconds).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// Attempts per operation, the first included.
pub(crate) const MAX_ATTEMPTS: u32 = 3;
/// The longest `Retry-After` honoured; a longer one fails the operation as
/// `UNAVAILABLE` (naming the wait) instead of hanging the caller.
pub(crate) const MAX_RETRY_AFTER: Duration = Duration::from_secs(20);
/// The largest response body accepted (Key Vault answers are a few KiB).
pub(crate) const MAX_RESPONSE_BYTES: usize = 1 << 20;
/// Key Vault's published limit is 4,000 EC / RSA-2048 signs per 10 s per
/// vault: one request start per 2.5 ms keeps a single client under it.
pub(crate) const MIN_REQUEST_INTERVAL: Duration = Duration::from_micros(2500);

const BACKEND: &str = "azure";

/// `https://…` for a vault name or host.
pub(crate) fn vault_url(vault: &str) -> String {
    if vault.contains('.') || vault.contains(':') {
        format!("https://{vault}/")
    } else {
        format!("https://{vault}.vault.azure.net/")
    }
}

/// A fixed bearer token (from `COSIGN_KEYS_AZURE_TOKEN`). Debug never shows it.
pub(crate) struct StaticToken(pub(crate) SecretString);

impl fmt::Debug for StaticToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StaticToken(<redacted>)")
    }
}

#[async_trait::async_trait]
impl TokenCredential for StaticToken {
    async fn get_token(
        &self,
        _scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        Ok(AccessToken::new(
            Secret::new(self.0.expose_secret().to_owned()),
            OffsetDateTime::now_utc() + AzDuration::hours(1),
        ))
    }
}

fn env_set(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| !v.is_empty())
}

/// The credential: the static token, else `azure_identity`'s sources.
pub(crate) fn credential() -> Result<Arc<dyn TokenCredential>> {
    if let Ok(token) = std::env::var(TOKEN_ENV) {
        let token = token.trim().to_owned();
        if token.is_empty() {
            return Err(Error::InvalidArgument {
                name: TOKEN_ENV,
                reason: "is set but empty".into(),
            });
        }
        return Ok(Arc::new(StaticToken(SecretString::from(token))));
    }
    let failed = |what: &str, e: &azure_core::Error| Error::PermissionDenied {
        backend: BACKEND,
        what: what.to_owned(),
        detail: format!("cannot set up the credential: {}", e.kind()),
    };
    let credential: Arc<dyn TokenCredential> = if env_set("AZURE_CLIENT_SECRET")
        && env_set("AZURE_TENANT_ID")
        && env_set("AZURE_CLIENT_ID")
    {
        let tenant = std::env::var("AZURE_TENANT_ID").unwrap_or_default();
        let client = std::env::var("AZURE_CLIENT_ID").unwrap_or_default();
        let secret = std::env::var("AZURE_CLIENT_SECRET").unwrap_or_default();
        azure_identity::ClientSecretCredential::new(&tenant, client, Secret::new(secret), None)
            .map_err(|e| failed("the client secret credential (AZURE_*)", &e))?
    } else if env_set("AZURE_FEDERATED_TOKEN_FILE") {
        azure_identity::WorkloadIdentityCredential::new(None)
            .map_err(|e| failed("the workload identity credential", &e))?
    } else if env_set("IDENTITY_ENDPOINT") || env_set("MSI_ENDPOINT") {
        azure_identity::ManagedIdentityCredential::new(None)
            .map_err(|e| failed("the managed identity credential", &e))?
    } else {
        azure_identity::DeveloperToolsCredential::new(None)
            .map_err(|e| failed("the developer tools credential (Azure CLI)", &e))?
    };
    Ok(credential)
}

/// reqwest with verified TLS (plus `COSIGN_KEYS_AZURE_CA_BUNDLE`), bounded
/// timeouts and response size.
#[derive(Debug)]
pub(crate) struct BoundedClient(reqwest::Client);

#[async_trait::async_trait]
impl HttpClient for BoundedClient {
    async fn execute_request(&self, request: &Request) -> azure_core::Result<AsyncRawResponse> {
        let response = self.0.execute_request(request).await?;
        let (status, headers, body) = response.deconstruct();
        let mut body = body;
        let mut bytes = Vec::new();
        while let Some(chunk) = futures::StreamExt::next(&mut body).await {
            let chunk = chunk?;
            if bytes.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(azure_core::Error::with_message(
                    azure_core::error::ErrorKind::DataConversion,
                    format!("response larger than {MAX_RESPONSE_BYTES} bytes refused"),
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(AsyncRawResponse::from_bytes(status, headers, bytes))
    }
}

fn http_client() -> Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .pool_idle_timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .https_only(true);
    if let Some(path) = std::env::var_os(CA_BUNDLE_ENV).filter(|p| !p.is_empty()) {
        let pem =
            crate::limits::read_file(std::path::Path::new(&path), crate::limits::Input::CaBundle)?;
        let certs =
            reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| Error::InvalidArgument {
                name: CA_BUNDLE_ENV,
                reason: format!("not PEM certificates: {e}"),
            })?;
        if certs.is_empty() {
            return Err(Error::InvalidArgument {
                name: CA_BUNDLE_ENV,
                reason: "holds no PEM certificate".into(),
            });
        }
        builder = builder.tls_certs_merge(certs);
    }
    builder.build().map_err(|e| Error::Backend {
        backend: BACKEND,
        status: None,
        message: format!("cannot set up the HTTP client: {e}"),
    })
}

/// SDK client options: our transport, the SDK's own retries off (ours are
/// bounded and honour `Retry-After`, see [`Pacer`]).
pub(crate) fn client_options() -> Result<ClientOptions> {
    Ok(client_options_with(Arc::new(BoundedClient(http_client()?))))
}

/// [`client_options`] over any transport (tests use an in-process one).
pub(crate) fn client_options_with(transport: Arc<dyn HttpClient>) -> ClientOptions {
    ClientOptions {
        transport: Some(Transport::new(transport)),
        retry: RetryOptions::none(),
        ..ClientOptions::default()
    }
}

/// What a failed attempt means for the next one.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Retry {
    /// Do not retry.
    Never,
    /// Retry after the backoff.
    Backoff,
    /// The server asked to wait this long (429 / 503 `Retry-After`).
    After(Duration),
}

/// Whether an error is transient, and how long the server asked us to wait.
pub(crate) fn classify(err: &azure_core::Error) -> Retry {
    use azure_core::error::ErrorKind;
    match err.kind() {
        ErrorKind::HttpResponse {
            status,
            raw_response,
            ..
        } => {
            let code = u16::from(*status);
            let after = raw_response.as_ref().and_then(|r| retry_after(r.headers()));
            match (code, after) {
                (429 | 503, Some(d)) => Retry::After(d),
                (429 | 500..=599, _) => Retry::Backoff,
                _ => Retry::Never,
            }
        }
        ErrorKind::Connection | ErrorKind::Io => Retry::Backoff,
        _ => Retry::Never,
    }
}

/// `retry-after-ms`, `x-ms-retry-after-ms` or `Retry-After` (seconds).
pub(crate) fn retry_after(headers: &azure_core::http::headers::Headers) -> Option<Duration> {
    for name in ["retry-after-ms", "x-ms-retry-after-ms"] {
        if let Some(ms) = headers
            .get_optional_str(&HeaderName::from_static(name))
            .and_then(|v| v.trim().parse::<u64>().ok())
        {
            return Some(Duration::from_millis(ms));
        }
    }
    headers
        .get_optional_str(&RETRY_AFTER)
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

/// Paces the requests of one client: one start per
/// [`MIN_REQUEST_INTERVAL`], and after a `429` + `Retry-After` nobody sends
/// until the server's wait is over (not just the request that got it).
#[derive(Debug)]
pub(crate) struct Pacer {
    interval: Duration,
    next: Mutex<Instant>,
    /// Until when the server asked everyone to wait.
    paused_until: Mutex<Instant>,
}

impl Pacer {
    pub(crate) fn new(interval: Duration) -> Self {
        Self {
            interval,
            next: Mutex::new(Instant::now()),
            paused_until: Mutex::new(Instant::now()),
        }
    }

    /// Waits for this request's turn: its slot, and then the end of any
    /// pause the server asked for meanwhile (after which it takes a new
    /// slot, so the held requests do not all burst out at once).
    pub(crate) async fn turn(&self) {
        loop {
            let at = {
                let mut next = self.next.lock().unwrap_or_else(PoisonError::into_inner);
                let at = (*next).max(Instant::now());
                *next = at + self.interval;
                at
            };
            sleep_until(at).await;
            let paused_until = *self
                .paused_until
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if paused_until <= Instant::now() {
                return;
            }
            sleep_until(paused_until).await;
        }
    }

    /// The server said wait `d`: hold every request until then.
    pub(crate) fn pause(&self, d: Duration) {
        let until = Instant::now() + d;
        let mut paused = self
            .paused_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *paused = (*paused).max(until);
        let mut next = self.next.lock().unwrap_or_else(PoisonError::into_inner);
        *next = (*next).max(until);
    }

    /// Runs `call` with pacing and at most [`MAX_ATTEMPTS`] attempts for
    /// transient failures; the last error is mapped by the caller.
    pub(crate) async fn run<T, F, Fut>(&self, mut call: F) -> azure_core::Result<T>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = azure_core::Result<T>>,
    {
        let mut attempt = 1;
        loop {
            self.turn().await;
            let err = match call().await {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            if attempt >= MAX_ATTEMPTS {
                return Err(err);
            }
            match classify(&err) {
                Retry::Never => return Err(err),
                Retry::After(d) if d > MAX_RETRY_AFTER => return Err(err),
                Retry::After(d) => self.pause(d),
                Retry::Backoff => {
                    tokio::time::sleep(Duration::from_millis(200) * 2u32.pow(attempt - 1)).await;
                }
            }
            attempt += 1;
        }
    }
}

async fn sleep_until(at: Instant) {
    let wait = at.saturating_duration_since(Instant::now());
    if !wait.is_zero() {
        tokio::time::sleep(wait).await;
    }
}

/// Maps an SDK error to ours, naming the object, never a token or value.
pub(crate) fn map_error(what: &str, op: &str, err: &azure_core::Error) -> Error {
    use azure_core::error::ErrorKind;
    match err.kind() {
        ErrorKind::HttpResponse {
            status, error_code, ..
        } => {
            let code = u16::from(*status);
            let server = error_code.clone().unwrap_or_default();
            let detail = if server.is_empty() {
                format!("{op}: HTTP {code}")
            } else {
                format!("{op}: HTTP {code} {server}")
            };
            match code {
                401 | 403 => Error::PermissionDenied {
                    backend: BACKEND,
                    what: what.to_owned(),
                    detail,
                },
                404 => Error::NotFound {
                    what: format!("{what} ({detail})"),
                },
                409 => Error::Conflict {
                    what: what.to_owned(),
                    reason: format!(
                        "{detail}: the name is held by a soft-deleted object; recover it, or \
                         purge it (where purge protection allows) before reusing the name"
                    ),
                },
                429 => Error::Unavailable {
                    backend: BACKEND,
                    reason: format!(
                        "{what}: throttled ({detail}) after {MAX_ATTEMPTS} attempts or a \
                         Retry-After over {}s",
                        MAX_RETRY_AFTER.as_secs()
                    ),
                },
                500..=599 => Error::Unavailable {
                    backend: BACKEND,
                    reason: format!("{what}: {detail} after up to {MAX_ATTEMPTS} attempts"),
                },
                _ => Error::Backend {
                    backend: BACKEND,
                    status: Some(code),
                    message: format!("{what}: {detail}"),
                },
            }
        }
        ErrorKind::Connection | ErrorKind::Io => Error::Unavailable {
            backend: BACKEND,
            reason: format!(
                "{what}: {op}: cannot reach the vault ({}) after {MAX_ATTEMPTS} attempts",
                chain(err)
            ),
        },
        ErrorKind::Credential => Error::PermissionDenied {
            backend: BACKEND,
            what: what.to_owned(),
            detail: format!("{op}: no usable credential (set {TOKEN_ENV} or the AZURE_* variables, or log in with `az login`)"),
        },
        _ => Error::Backend {
            backend: BACKEND,
            status: None,
            message: format!("{what}: {op}: {}", chain(err)),
        },
    }
}

/// The error and its sources on one line (the SDK never puts tokens there).
fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    let mut depth = 0;
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
        depth += 1;
        if depth > 6 {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use azure_core::http::headers::Headers;

    #[test]
    fn vault_names_and_hosts() {
        assert_eq!(vault_url("myvault"), "https://myvault.vault.azure.net/");
        assert_eq!(vault_url("v.vault.azure.cn"), "https://v.vault.azure.cn/");
        assert_eq!(vault_url("localhost:8443"), "https://localhost:8443/");
    }

    #[test]
    fn retry_after_headers() {
        let mut h = Headers::new();
        assert_eq!(retry_after(&h), None);
        h.insert(RETRY_AFTER, "3");
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        h.insert(HeaderName::from_static("retry-after-ms"), "250");
        assert_eq!(retry_after(&h), Some(Duration::from_millis(250)));
    }

    #[test]
    fn static_token_debug_is_redacted() {
        let t = StaticToken(SecretString::from("very-secret-token".to_owned()));
        assert!(!format!("{t:?}").contains("very-secret"));
    }
}
