//! `azurekms://<vault>/<key>[/<version>]`: Azure Key Vault keys through the
//! official `azure_security_keyvault_keys` (feature `azure`). Connection,
//! credentials, retries and pacing are in [`crate::azure`].
//!
//! | operation | Key Vault calls |
//! |---|---|
//! | create | `GET key` (must be absent), `POST keys/<k>/create` with `key_ops: [sign, verify]` |
//! | public key | `GET keys/<k>[/<v>]`: the JWK, turned into SPKI |
//! | sign digest | `POST keys/<k>/<v>/sign` `ES256/384/512` (raw `r‖s`, re-encoded as ASN.1 DER) or `RS256` |
//! | versions | `GET keys/<k>/versions` + `GET` of each |
//! | rotate | `POST keys/<k>/rotate`: a new version; old versions keep verifying |
//!
//! A handle without a version follows the key's current version; signatures
//! are made with the version whose public key was read, so a rotation between
//! reading the key and signing cannot give a signature the caller's public
//! key does not verify.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use azure_core::http::RequestContent;
use azure_security_keyvault_keys::models::{
    CreateKeyParameters, CurveName, JsonWebKey, Key, KeyClientGetKeyOptions, KeyClientSignOptions,
    KeyOperation, KeyType, SignParameters, SignatureAlgorithm,
};
use azure_security_keyvault_keys::{KeyClient, KeyClientOptions};

use super::{bulk, Kms, KmsHandle, KmsKeyVersion};
use crate::azure::{self, Pacer};
use crate::{Algorithm, Error, PublicKey, Result, Signature};

/// Key Vault's API version these calls were checked with.
const API_VERSION: &str = "2025-07-01";
/// Signing requests in flight at once in [`Kms::sign_digests`].
pub(crate) const SIGN_CONCURRENCY: usize = 16;

/// An Azure Key Vault key named by an `azurekms://` URI.
pub(crate) struct AzureKms {
    handle: KmsHandle,
    uri: String,
    key: String,
    pinned: Option<String>,
    client: KeyClient,
    pacer: Arc<Pacer>,
    /// The current version and its public key, once read.
    current: Mutex<Option<(String, PublicKey)>>,
}

impl AzureKms {
    /// Builds the client for an `azurekms://` handle (no request is sent).
    pub(crate) fn open(handle: KmsHandle) -> Result<Self> {
        let options = azure::client_options()?;
        Self::open_with(handle, options, azure::credential()?)
    }

    /// [`AzureKms::open`] with given client options and credential.
    pub(crate) fn open_with(
        handle: KmsHandle,
        client_options: azure_core::http::ClientOptions,
        credential: Arc<dyn azure_core::credentials::TokenCredential>,
    ) -> Result<Self> {
        let KmsHandle::AzureKms {
            vault_host,
            key,
            version,
        } = &handle
        else {
            return Err(Error::InvalidArgument {
                name: "handle",
                reason: format!("{handle} is not an azurekms:// key"),
            });
        };
        let mut options = KeyClientOptions {
            api_version: API_VERSION.into(),
            client_options,
            ..KeyClientOptions::default()
        };
        // Emulators and sovereign clouds answer the challenge with their own
        // resource; the token is still only ever sent to this vault.
        options.verify_challenge_resource = Some(false);
        let client = KeyClient::new(&azure::vault_url(vault_host), credential, Some(options))
            .map_err(|e| azure::map_error(&handle.to_string(), "set up client", &e))?;
        Ok(Self {
            uri: handle.to_string(),
            key: key.clone(),
            pinned: version.clone(),
            client,
            pacer: Arc::new(Pacer::new(azure::MIN_REQUEST_INTERVAL)),
            current: Mutex::new(None),
            handle,
        })
    }

    fn err(&self, op: &str, e: &azure_core::Error) -> Error {
        azure::map_error(&self.uri, op, e)
    }

    fn malformed(&self, op: &str, what: &str) -> Error {
        Error::Backend {
            backend: "azure",
            status: None,
            message: format!("{op} for {} answered without {what}", self.uri),
        }
    }

    /// `GET` the key (a version, or the current one).
    async fn get(&self, version: Option<&str>) -> Result<Key> {
        const OP: &str = "get key";
        let rsp = self
            .pacer
            .run(|| {
                let options = KeyClientGetKeyOptions {
                    key_version: version.map(str::to_owned),
                    ..KeyClientGetKeyOptions::default()
                };
                self.client.get_key(&self.key, Some(options))
            })
            .await
            .map_err(|e| self.err(OP, &e))?;
        rsp.into_model().map_err(|e| self.err(OP, &e))
    }

    /// The version and public key of a `Key` answer.
    fn parse_key(&self, op: &str, key: &Key) -> Result<(String, PublicKey)> {
        let jwk = key
            .key
            .as_ref()
            .ok_or_else(|| self.malformed(op, "a key"))?;
        let version = jwk
            .kid
            .as_deref()
            .and_then(|kid| kid.trim_end_matches('/').rsplit('/').next())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| self.malformed(op, "a key id"))?
            .to_owned();
        Ok((version, jwk_public_key(&self.uri, jwk)?))
    }

    /// The version to sign with and its public key: the pinned one, or the
    /// current one (cached).
    async fn signing_key(&self) -> Result<(String, PublicKey)> {
        if let Some(cached) = self
            .current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
        {
            return Ok(cached);
        }
        let key = self.get(self.pinned.as_deref()).await?;
        let parsed = self.parse_key("get key", &key)?;
        *self.current.lock().unwrap_or_else(PoisonError::into_inner) = Some(parsed.clone());
        Ok(parsed)
    }

    fn forget_current(&self) {
        if self.pinned.is_none() {
            *self.current.lock().unwrap_or_else(PoisonError::into_inner) = None;
        }
    }

    async fn sign_with(
        &self,
        version: &str,
        algorithm: Algorithm,
        digest: &[u8],
    ) -> Result<Signature> {
        const OP: &str = "sign";
        if let Some(hash) = algorithm.hash() {
            hash.import(digest)?;
        }
        let alg = signature_algorithm(algorithm)?;
        let rsp = self
            .pacer
            .run(|| {
                let params = SignParameters {
                    algorithm: Some(alg.clone()),
                    value: Some(digest.to_vec()),
                };
                let options = KeyClientSignOptions {
                    key_version: Some(version.to_owned()),
                    ..KeyClientSignOptions::default()
                };
                let body: azure_core::Result<RequestContent<SignParameters>> = params.try_into();
                async move { self.client.sign(&self.key, body?, Some(options)).await }
            })
            .await
            .map_err(|e| self.err(OP, &e))?;
        let result = rsp
            .into_model()
            .map_err(|e| self.err(OP, &e))?
            .result
            .ok_or_else(|| self.malformed(OP, "a signature"))?;
        if algorithm.is_ecdsa() {
            Ok(Signature::from_bytes(raw_ecdsa_to_der(&self.uri, &result)?))
        } else {
            Ok(Signature::from_bytes(result))
        }
    }
}

fn signature_algorithm(algorithm: Algorithm) -> Result<SignatureAlgorithm> {
    Ok(match algorithm {
        Algorithm::EcdsaP256 => SignatureAlgorithm::Es256,
        Algorithm::EcdsaP384 => SignatureAlgorithm::Es384,
        Algorithm::EcdsaP521 => SignatureAlgorithm::Es512,
        Algorithm::Rsa2048 | Algorithm::Rsa3072 | Algorithm::Rsa4096 => SignatureAlgorithm::Rs256,
        other => {
            return Err(Error::UnsupportedAlgorithm {
                algorithm: format!("{other} (Azure Key Vault has no such signing key)"),
            })
        }
    })
}

/// `CreateKeyParameters` for an algorithm.
fn create_parameters(algorithm: Algorithm) -> Result<CreateKeyParameters> {
    let mut p = CreateKeyParameters::default();
    let (kty, curve, size) = match algorithm {
        Algorithm::EcdsaP256 => (KeyType::Ec, Some(CurveName::P256), None),
        Algorithm::EcdsaP384 => (KeyType::Ec, Some(CurveName::P384), None),
        Algorithm::EcdsaP521 => (KeyType::Ec, Some(CurveName::P521), None),
        Algorithm::Rsa2048 => (KeyType::Rsa, None, Some(2048)),
        Algorithm::Rsa3072 => (KeyType::Rsa, None, Some(3072)),
        Algorithm::Rsa4096 => (KeyType::Rsa, None, Some(4096)),
        other => {
            return Err(Error::UnsupportedAlgorithm {
                algorithm: format!("{other} (Azure Key Vault has no such signing key)"),
            })
        }
    };
    p.kty = Some(kty);
    p.curve = curve;
    p.key_size = size;
    p.key_ops = Some(vec![KeyOperation::Sign, KeyOperation::Verify]);
    p.tags = Some(HashMap::from([(
        "created_by".to_owned(),
        "cosign-keys".to_owned(),
    )]));
    Ok(p)
}

/// SPKI DER prefixes of uncompressed EC points (`… BIT STRING 00 04`
/// follows with x ‖ y).
const P256_SPKI: &[u8] = &[
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04,
];
const P384_SPKI: &[u8] = &[
    0x30, 0x76, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05, 0x2b,
    0x81, 0x04, 0x00, 0x22, 0x03, 0x62, 0x00, 0x04,
];
const P521_SPKI: &[u8] = &[
    0x30, 0x81, 0x9b, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05,
    0x2b, 0x81, 0x04, 0x00, 0x23, 0x03, 0x81, 0x86, 0x00, 0x04,
];

/// DER length octets.
fn der_len(len: usize, out: &mut Vec<u8>) {
    if len < 0x80 {
        out.push(u8::try_from(len).unwrap_or(0));
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | u8::try_from(bytes.len()).unwrap_or(0));
        out.extend_from_slice(&bytes);
    }
}

/// A DER `INTEGER` of an unsigned big-endian number.
fn der_uint(n: &[u8], out: &mut Vec<u8>) {
    let n = match n.iter().position(|b| *b != 0) {
        Some(i) => &n[i..],
        None => &[0u8][..],
    };
    let pad = n[0] & 0x80 != 0;
    out.push(0x02);
    der_len(n.len() + usize::from(pad), out);
    if pad {
        out.push(0);
    }
    out.extend_from_slice(n);
}

fn der_wrap(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    der_len(body.len(), &mut out);
    out.extend_from_slice(body);
    out
}

/// Raw `r ‖ s` (as Key Vault signs) to an ASN.1 DER `ECDSA-Sig-Value`.
fn raw_ecdsa_to_der(uri: &str, raw: &[u8]) -> Result<Vec<u8>> {
    if raw.is_empty() || !raw.len().is_multiple_of(2) || raw.len() > 132 {
        return Err(Error::Backend {
            backend: "azure",
            status: None,
            message: format!(
                "sign for {uri} answered a {}-byte ECDSA signature",
                raw.len()
            ),
        });
    }
    let (r, s) = raw.split_at(raw.len() / 2);
    let mut body = Vec::with_capacity(raw.len() + 8);
    der_uint(r, &mut body);
    der_uint(s, &mut body);
    Ok(der_wrap(0x30, &body))
}

/// The SPKI public key of a Key Vault JWK.
fn jwk_public_key(uri: &str, jwk: &JsonWebKey) -> Result<PublicKey> {
    let bad = |what: &str| Error::Backend {
        backend: "azure",
        status: None,
        message: format!("the key {uri} has {what}"),
    };
    let der = match jwk.kty.as_ref() {
        Some(KeyType::Ec | KeyType::EcHsm) => {
            let (prefix, len) = match jwk.crv.as_ref() {
                Some(CurveName::P256) => (P256_SPKI, 32),
                Some(CurveName::P384) => (P384_SPKI, 48),
                Some(CurveName::P521) => (P521_SPKI, 66),
                other => {
                    return Err(Error::UnsupportedAlgorithm {
                        algorithm: format!("EC key on curve {other:?} ({uri})"),
                    })
                }
            };
            let (Some(x), Some(y)) = (jwk.x.as_ref(), jwk.y.as_ref()) else {
                return Err(bad("no x / y in its JWK"));
            };
            if x.len() > len || y.len() > len {
                return Err(bad("an oversized EC coordinate"));
            }
            let mut der = prefix.to_vec();
            for c in [x, y] {
                der.extend(std::iter::repeat_n(0u8, len - c.len()));
                der.extend_from_slice(c);
            }
            der
        }
        Some(KeyType::Rsa | KeyType::RsaHsm) => {
            let (Some(n), Some(e)) = (jwk.n.as_ref(), jwk.e.as_ref()) else {
                return Err(bad("no n / e in its JWK"));
            };
            if n.len() > 1024 || e.len() > 16 {
                return Err(bad("an oversized RSA modulus or exponent"));
            }
            let mut rsa = Vec::new();
            der_uint(n, &mut rsa);
            der_uint(e, &mut rsa);
            let rsa = der_wrap(0x30, &rsa);
            let mut bits = vec![0u8];
            bits.extend_from_slice(&rsa);
            // AlgorithmIdentifier { rsaEncryption, NULL }
            let mut body = vec![
                0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05,
                0x00,
            ];
            body.extend(der_wrap(0x03, &bits));
            der_wrap(0x30, &body)
        }
        other => {
            return Err(Error::WrongKeyKind {
                expected: "an EC or RSA signing key",
                found: format!("{uri} of type {other:?}"),
            })
        }
    };
    PublicKey::from_spki_der(&der)
}

fn to_system_time(t: Option<azure_core::time::OffsetDateTime>) -> Option<SystemTime> {
    let t = t?;
    let secs = u64::try_from(t.unix_timestamp()).ok()?;
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}

#[async_trait::async_trait]
impl Kms for AzureKms {
    fn handle(&self) -> &KmsHandle {
        &self.handle
    }

    async fn create(&self, algorithm: Algorithm) -> Result<PublicKey> {
        const OP: &str = "create key";
        if self.pinned.is_some() {
            return Err(Error::InvalidArgument {
                name: "uri",
                reason: format!(
                    "{}: a pinned version cannot be created; create azurekms://<vault>/{}",
                    self.uri, self.key
                ),
            });
        }
        let params = create_parameters(algorithm)?;
        match self.get(None).await {
            Ok(_) => {
                return Err(Error::AlreadyExists {
                    path: self.uri.clone().into(),
                })
            }
            Err(Error::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
        let rsp = self
            .pacer
            .run(|| {
                let body: azure_core::Result<RequestContent<CreateKeyParameters>> =
                    params.clone().try_into();
                async move { self.client.create_key(&self.key, body?, None).await }
            })
            .await
            .map_err(|e| self.err(OP, &e))?;
        let key = rsp.into_model().map_err(|e| self.err(OP, &e))?;
        let (version, public_key) = self.parse_key(OP, &key)?;
        if public_key.algorithm() != algorithm {
            return Err(Error::Backend {
                backend: "azure",
                status: None,
                message: format!(
                    "{OP} for {} made a {} key, not {algorithm}",
                    self.uri,
                    public_key.algorithm()
                ),
            });
        }
        *self.current.lock().unwrap_or_else(PoisonError::into_inner) =
            Some((version, public_key.clone()));
        Ok(public_key)
    }

    async fn public_key(&self) -> Result<PublicKey> {
        self.forget_current();
        Ok(self.signing_key().await?.1)
    }

    async fn sign_digest(&self, digest: &[u8]) -> Result<Signature> {
        let (version, public_key) = self.signing_key().await?;
        self.sign_with(&version, public_key.algorithm(), digest)
            .await
    }

    /// One `sign` per digest (Key Vault has no batch signing), at most
    /// [`SIGN_CONCURRENCY`] in flight, paced under the vault's limit, all
    /// holding off together when the vault answers `429` + `Retry-After`.
    async fn sign_digests(&self, digests: &[Vec<u8>]) -> Vec<Result<Signature>> {
        if digests.is_empty() {
            return Vec::new();
        }
        let (version, public_key) = match self.signing_key().await {
            Ok(k) => k,
            Err(e) => return digests.iter().map(|_| Err(e.duplicate())).collect(),
        };
        let algorithm = public_key.algorithm();
        bulk::map_bounded(digests, SIGN_CONCURRENCY, |d| {
            self.sign_with(&version, algorithm, d)
        })
        .await
    }

    async fn versions(&self) -> Result<Vec<KmsKeyVersion>> {
        const OP: &str = "list key versions";
        use futures::StreamExt as _;
        let mut pager = self
            .client
            .list_key_properties_versions(&self.key, None)
            .map_err(|e| self.err(OP, &e))?;
        let mut ids = Vec::new();
        while let Some(item) = pager.next().await {
            let props = item.map_err(|e| self.err(OP, &e))?;
            let Some(version) = props
                .kid
                .as_deref()
                .and_then(|kid| kid.trim_end_matches('/').rsplit('/').next())
                .map(str::to_owned)
            else {
                continue;
            };
            let created = props.attributes.as_ref().and_then(|a| a.created);
            ids.push((created, version));
            if ids.len() > 10_000 {
                return Err(self.malformed(OP, "fewer than 10,000 versions"));
            }
        }
        if ids.is_empty() {
            return Err(Error::NotFound {
                what: self.uri.clone(),
            });
        }
        ids.sort_by_key(|(created, _)| *created);
        let mut out = Vec::with_capacity(ids.len());
        for (created, version) in ids {
            let key = self.get(Some(&version)).await?;
            let (_, public_key) = self.parse_key(OP, &key)?;
            out.push(KmsKeyVersion {
                version,
                public_key,
                created_at: to_system_time(created),
            });
        }
        Ok(out)
    }

    async fn rotate(&self) -> Result<String> {
        const OP: &str = "rotate key";
        if self.pinned.is_some() {
            return Err(Error::InvalidArgument {
                name: "uri",
                reason: format!(
                    "{}: a pinned version cannot be rotated; rotate azurekms://<vault>/{}",
                    self.uri, self.key
                ),
            });
        }
        let rsp = self
            .pacer
            .run(|| self.client.rotate_key(&self.key, None))
            .await
            .map_err(|e| self.err(OP, &e))?;
        let key = rsp.into_model().map_err(|e| self.err(OP, &e))?;
        let (version, public_key) = self.parse_key(OP, &key)?;
        *self.current.lock().unwrap_or_else(PoisonError::into_inner) =
            Some((version.clone(), public_key));
        Ok(version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_to_der() {
        let mut raw = vec![0u8; 64];
        raw[0] = 0x80;
        raw[31] = 1;
        raw[63] = 7;
        let der = raw_ecdsa_to_der("u", &raw).unwrap();
        assert_eq!(&der[..4], &[0x30, 0x26, 0x02, 0x21]);
        assert_eq!(der[4], 0);
        assert_eq!(&der[der.len() - 3..], &[0x02, 0x01, 0x07]);
        // P-521: 132 bytes, long-form sequence length.
        let raw = vec![0xffu8; 132];
        let der = raw_ecdsa_to_der("u", &raw).unwrap();
        assert_eq!(&der[..3], &[0x30, 0x81, 0x8a]);
        assert!(raw_ecdsa_to_der("u", &[1, 2, 3]).is_err());
    }

    /// An in-process transport standing in for a vault that throttles: a
    /// `GET` of the key answers a P-256 JWK; `sign` answers `429` with the
    /// configured `Retry-After` for the first `throttle` calls, then `200`.
    #[derive(Debug)]
    struct Throttling {
        throttle: usize,
        retry_after: &'static str,
        log: Mutex<Vec<(std::time::Instant, u16)>>,
    }

    const G_X: &str = "axfR8uEsQkf4vOblY6RA8ncDfYEt6zOg9KE5RdiYwpY";
    const G_Y: &str = "T-NC4v4af5uO5-tKfA-eFivOM1drMV7Oy7ZAaDe_UfU";

    #[async_trait::async_trait]
    impl azure_core::http::HttpClient for Throttling {
        async fn execute_request(
            &self,
            request: &azure_core::http::Request,
        ) -> azure_core::Result<azure_core::http::AsyncRawResponse> {
            use azure_core::http::headers::{HeaderName, Headers};
            use azure_core::http::{AsyncRawResponse, StatusCode};
            let path = request.url().path().to_owned();
            let mut headers = Headers::new();
            headers.insert(HeaderName::from_static("content-type"), "application/json");
            if path.ends_with("/sign") {
                let mut log = self.log.lock().unwrap();
                let throttled = log.iter().filter(|(_, s)| *s == 429).count() < self.throttle;
                let status = if throttled { 429 } else { 200 };
                log.push((std::time::Instant::now(), status));
                if throttled {
                    headers.insert(HeaderName::from_static("retry-after"), self.retry_after);
                    return Ok(AsyncRawResponse::from_bytes(
                        StatusCode::TooManyRequests,
                        headers,
                        r#"{"error":{"code":"Throttled","message":"slow down"}}"#,
                    ));
                }
                let body = format!(
                    r#"{{"kid":"https://v.example/keys/k/v1","value":"{}"}}"#,
                    "AQ".repeat(32).chars().take(86).collect::<String>()
                );
                return Ok(AsyncRawResponse::from_bytes(StatusCode::Ok, headers, body));
            }
            let body = format!(
                r#"{{"key":{{"kid":"https://v.example/keys/k/v1","kty":"EC","crv":"P-256","x":"{G_X}","y":"{G_Y}","key_ops":["sign","verify"]}},"attributes":{{"enabled":true}}}}"#
            );
            Ok(AsyncRawResponse::from_bytes(StatusCode::Ok, headers, body))
        }
    }

    fn throttled_kms(throttle: usize, retry_after: &'static str) -> (AzureKms, Arc<Throttling>) {
        let transport = Arc::new(Throttling {
            throttle,
            retry_after,
            log: Mutex::new(Vec::new()),
        });
        let kms = AzureKms::open_with(
            KmsHandle::parse("azurekms://v.example/k").unwrap(),
            azure::client_options_with(transport.clone()),
            Arc::new(azure::StaticToken(secrecy::SecretString::from(
                "t".to_owned(),
            ))),
        )
        .unwrap();
        (kms, transport)
    }

    #[test]
    fn a_429_with_retry_after_holds_every_request_then_all_succeed() {
        let (kms, transport) = throttled_kms(1, "1");
        let digests: Vec<Vec<u8>> = (0u8..6).map(|n| vec![n; 32]).collect();
        let start = std::time::Instant::now();
        let out = crate::runtime::block_on(kms.sign_digests(&digests));
        let elapsed = start.elapsed();
        assert_eq!(out.len(), 6);
        for r in &out {
            let sig = r.as_ref().unwrap();
            assert_eq!(sig.as_bytes()[0], 0x30, "DER from raw r||s");
        }
        let log = transport.log.lock().unwrap();
        let throttled: Vec<_> = log.iter().filter(|(_, s)| *s == 429).collect();
        assert_eq!(throttled.len(), 1, "{log:?}");
        assert_eq!(log.len(), 7, "six signatures and one throttled attempt");
        let t429 = throttled[0].0;
        // Requests sent after the 429 came back waited out its Retry-After.
        let early = log
            .iter()
            .filter(|(t, s)| *s == 200 && *t > t429 && *t < t429 + Duration::from_millis(950))
            .count();
        assert_eq!(
            early, 0,
            "a request went out during the Retry-After: {log:?}"
        );
        assert!(elapsed >= Duration::from_millis(950), "{elapsed:?}");
        assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
    }

    #[test]
    fn throttling_that_does_not_end_is_unavailable_after_bounded_attempts() {
        let (kms, transport) = throttled_kms(usize::MAX, "0");
        let err = crate::runtime::block_on(kms.sign_digest(&[1u8; 32])).unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::Unavailable, "{err}");
        assert!(err.to_string().contains("throttled"), "{err}");
        assert_eq!(
            transport.log.lock().unwrap().len(),
            usize::try_from(azure::MAX_ATTEMPTS).unwrap()
        );
    }

    #[test]
    fn a_retry_after_beyond_the_bound_fails_at_once() {
        let (kms, transport) = throttled_kms(usize::MAX, "3600");
        let start = std::time::Instant::now();
        let err = crate::runtime::block_on(kms.sign_digest(&[1u8; 32])).unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::Unavailable, "{err}");
        assert!(start.elapsed() < Duration::from_secs(5));
        assert_eq!(transport.log.lock().unwrap().len(), 1);
    }
}
