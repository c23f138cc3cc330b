//! A connected Vault client: one `reqwest` connection pool shared by the
//! `vaultrs` calls (KV v2, AppRole) and the direct calls `vaultrs` has no
//! endpoint for (transit batch signing, KV metadata PATCH), with the same
//! timeouts, TLS trust, retries and error mapping for both.

use std::future::Future;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::Method;
use serde_json::Value;

use super::error::{errors_from_body, Fault};
use super::{VaultAuth, VaultConfig};
use crate::{Error, Result};

/// How many times a transient fault is retried, and the waits between tries.
const RETRY_DELAYS: [Duration; 2] = [Duration::from_millis(100), Duration::from_millis(400)];

/// Whether a request may be repeated when the outcome is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    /// Reads, and writes whose repetition changes nothing (signing, metadata
    /// PATCH): retried on any transient fault.
    Idempotent,
    /// Writes that must not run twice (KV check-and-set, rotate): retried only
    /// when the server certainly did not act (connection refused, 429, 503).
    NotIdempotent,
}

/// A Vault client with its token (after AppRole login, if that was asked).
pub(crate) struct Client {
    address: String,
    timeout: Duration,
    http: reqwest::Client,
    vault: vaultrs::client::VaultClient,
    headers: HeaderMap,
    transit_mount: String,
}

fn header(name: &'static str, value: &[u8], sensitive: bool) -> Result<HeaderValue> {
    let mut v = HeaderValue::from_bytes(value).map_err(|_| Error::InvalidArgument {
        name,
        reason: "contains characters an HTTP header cannot carry".into(),
    })?;
    v.set_sensitive(sensitive);
    Ok(v)
}

impl Client {
    /// Builds the HTTP client and, for AppRole, logs in.
    ///
    /// Nothing is sent for token auth: a bad token, an unreachable or sealed
    /// server shows at the first request.
    pub(crate) async fn connect(config: &VaultConfig) -> Result<Self> {
        let address = config.address.trim_end_matches('/').to_owned();
        let url = reqwest::Url::parse(&address).map_err(|e| Error::InvalidArgument {
            name: "VAULT_ADDR",
            reason: format!("`{address}` is not a URL: {e}"),
        })?;
        let https = match url.scheme() {
            "https" => true,
            "http" => false,
            other => {
                return Err(Error::InvalidArgument {
                    name: "VAULT_ADDR",
                    reason: format!("scheme `{other}` in `{address}`; use http:// or https://"),
                })
            }
        };
        if url.host_str().is_none_or(str::is_empty) {
            return Err(Error::InvalidArgument {
                name: "VAULT_ADDR",
                reason: format!("`{address}` has no host"),
            });
        }

        let mut builder = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(5)))
            .pool_idle_timeout(Duration::from_secs(30))
            // Vault standbys redirect to the active node; never follow a
            // redirect from https to http (the token header would go in clear).
            .redirect(reqwest::redirect::Policy::custom(|attempt| {
                let downgrade = attempt.previous().iter().any(|u| u.scheme() == "https")
                    && attempt.url().scheme() != "https";
                if downgrade || attempt.previous().len() >= 3 {
                    attempt.stop()
                } else {
                    attempt.follow()
                }
            }));
        builder = match (&config.ca_cert_pem, https) {
            (Some(pem), true) => {
                let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
                    Error::InvalidArgument {
                        name: "VAULT_CACERT",
                        reason: format!("not PEM certificates: {e}"),
                    }
                })?;
                if certs.is_empty() {
                    return Err(Error::InvalidArgument {
                        name: "VAULT_CACERT",
                        reason: "holds no PEM certificate".into(),
                    });
                }
                builder.tls_certs_only(certs)
            }
            // Plain http needs no roots; loading the platform's would only
            // cost time (and fails on machines without a trust store).
            (_, false) => builder.tls_certs_only(Vec::new()),
            (None, true) => builder,
        };
        let http = builder.build().map_err(|e| Error::Backend {
            backend: "vault",
            status: None,
            message: format!("cannot set up the HTTP client: {e}"),
        })?;

        let mut headers = HeaderMap::new();
        headers.insert("X-Vault-Request", HeaderValue::from_static("true"));
        if let Some(ns) = &config.namespace {
            headers.insert(
                "X-Vault-Namespace",
                header("VAULT_NAMESPACE", ns.as_bytes(), false)?,
            );
        }

        let mut settings = vaultrs::client::VaultClientSettingsBuilder::default();
        settings
            .address(url.as_str())
            .token(String::new())
            .ca_certs(Vec::new())
            .identity(None)
            .timeout(Some(config.timeout))
            .verify(true)
            .namespace(config.namespace.clone());
        let settings = settings.build().map_err(|e| Error::InvalidArgument {
            name: "VAULT_ADDR",
            reason: e.to_string(),
        })?;
        let vault = vaultrs::client::VaultClient {
            http: rustify::clients::reqwest::Client::new(&address, http.clone()),
            middle: vaultrs::api::EndpointMiddleware {
                token: String::new(),
                version: "v1".into(),
                wrap: None,
                namespace: config.namespace.clone(),
            },
            settings,
        };

        let mut client = Self {
            address,
            timeout: config.timeout,
            http,
            vault,
            headers,
            transit_mount: config.transit_mount.trim_matches('/').to_owned(),
        };
        match &config.auth {
            VaultAuth::Token(token) => client.set_token(token.expose_secret())?,
            VaultAuth::AppRole {
                role_id,
                secret_id,
                mount,
            } => {
                let secret_id = std::str::from_utf8(secret_id.expose_secret()).map_err(|_| {
                    Error::InvalidArgument {
                        name: "VAULT_SECRET_ID",
                        reason: "not UTF-8".into(),
                    }
                })?;
                let mount = mount.trim_matches('/');
                let what = format!("AppRole login at auth/{mount}");
                let auth = client
                    .call_vaultrs(&what, Retry::NotIdempotent, || {
                        vaultrs::auth::approle::login(&client.vault, mount, role_id, secret_id)
                    })
                    .await?;
                let token = zeroize::Zeroizing::new(auth.client_token.into_bytes());
                client.set_token(&token)?;
            }
        }
        Ok(client)
    }

    fn set_token(&mut self, token: &[u8]) -> Result<()> {
        let value = header("VAULT_TOKEN", token, true)?;
        // `header` accepted it, so it is visible ASCII.
        let text = String::from_utf8_lossy(token).into_owned();
        vaultrs::client::Client::set_token(&mut self.vault, &text);
        self.headers.insert("X-Vault-Token", value);
        Ok(())
    }

    /// The server's address, for messages.
    pub(crate) fn address(&self) -> &str {
        &self.address
    }

    /// The transit engine's mount.
    pub(crate) fn transit_mount(&self) -> &str {
        &self.transit_mount
    }

    /// The `vaultrs` client (same connection pool, token and namespace).
    pub(crate) fn vaultrs(&self) -> &vaultrs::client::VaultClient {
        &self.vault
    }

    /// Maps a fault onto the crate's error, naming `what`.
    pub(crate) fn error(&self, fault: Fault, what: &str) -> Error {
        fault.into_error(what, &self.address, self.timeout)
    }

    /// Runs `attempt` until it succeeds, fails for good, or the retries for
    /// transient faults are used up.
    pub(crate) async fn retry<T, F, Fut>(
        &self,
        retry: Retry,
        mut attempt: F,
    ) -> std::result::Result<T, Fault>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = std::result::Result<T, Fault>>,
    {
        let mut delays = RETRY_DELAYS.iter();
        loop {
            match attempt().await {
                Err(fault) if fault.is_transient(retry) => match delays.next() {
                    Some(delay) => tokio::time::sleep(*delay).await,
                    None => return Err(fault),
                },
                other => return other,
            }
        }
    }

    /// Runs a `vaultrs` call with retries; errors name `what`.
    pub(crate) async fn call_vaultrs<T, F, Fut>(
        &self,
        what: &str,
        retry: Retry,
        mut call: F,
    ) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = std::result::Result<T, vaultrs::error::ClientError>>,
    {
        self.retry(retry, || {
            let fut = call();
            async move { fut.await.map_err(|e| Fault::from_vaultrs(&e)) }
        })
        .await
        .map_err(|f| self.error(f, what))
    }

    /// Like [`Client::call_vaultrs`], but keeps the fault for the caller to
    /// inspect (check-and-set mismatches, 404s that mean "empty").
    pub(crate) async fn try_vaultrs<T, F, Fut>(
        &self,
        retry: Retry,
        mut call: F,
    ) -> std::result::Result<T, Fault>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = std::result::Result<T, vaultrs::error::ClientError>>,
    {
        self.retry(retry, || {
            let fut = call();
            async move { fut.await.map_err(|e| Fault::from_vaultrs(&e)) }
        })
        .await
    }

    /// One JSON request to `/v1/<path>`, with retries. Returns the body
    /// (`Null` for an empty one).
    pub(crate) async fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        retry: Retry,
    ) -> std::result::Result<Value, Fault> {
        self.request_as(method, path, body, retry, "application/json")
            .await
    }

    /// [`Client::request`] with an explicit content type (KV metadata PATCH
    /// wants `application/merge-patch+json`).
    pub(crate) async fn request_as(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        retry: Retry,
        content_type: &'static str,
    ) -> std::result::Result<Value, Fault> {
        let url = format!("{}/v1/{}", self.address, path.trim_start_matches('/'));
        let bytes = match body {
            Some(b) => Some(serde_json::to_vec(b).map_err(|e| Fault::Decode(e.to_string()))?),
            None => None,
        };
        self.retry(retry, || {
            let mut req = self
                .http
                .request(method.clone(), &url)
                .headers(self.headers.clone());
            if let Some(b) = &bytes {
                req = req
                    .header(reqwest::header::CONTENT_TYPE, content_type)
                    .body(b.clone());
            }
            async move {
                let resp = req.send().await.map_err(|e| Fault::from_reqwest(&e))?;
                let status = resp.status();
                let text = resp.text().await.map_err(|e| Fault::from_reqwest(&e))?;
                if status.is_success() {
                    if text.trim().is_empty() {
                        return Ok(Value::Null);
                    }
                    return serde_json::from_str(&text)
                        .map_err(|e| Fault::Decode(format!("not JSON: {e}")));
                }
                Err(Fault::Status {
                    code: status.as_u16(),
                    errors: errors_from_body(&text).unwrap_or_default(),
                })
            }
        })
        .await
    }
}
