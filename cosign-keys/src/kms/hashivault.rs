//! `hashivault://<key>`: a key in the Vault / OpenBao transit engine.
//!
//! Requests are the ones cosign's own hashivault client sends (sigstore
//! `pkg/signature/kms/hashivault`): `POST <mount>/sign/<key>/sha2-256` with
//! the base64 digest as `input`, `prehashed=true`,
//! `signature_algorithm=pkcs1v15` (RSA: PKCS#1 v1.5, as cosign verifies) and
//! `marshaling_algorithm=asn1` (ECDSA: DER). The answer's `vault:vN:`
//! prefix is removed and the base64 decoded, which gives exactly the
//! signature bytes `cosign verify-blob --key <public PEM>` accepts.
//!
//! [`Kms::sign_digests`] sends one request per 450 digests with transit's
//! `batch_input`; transit answers HTTP 200 with one result per input, in
//! order, a failed item carrying its own `error`.
//!
//! The key's hash follows the curve: SHA-256 for P-256 and RSA, SHA-384 for
//! P-384, SHA-512 for P-521 (what [`Algorithm::hash`] says, and what cosign
//! verifies with `--signature-digest-algorithm`). Transit Ed25519 keys sign
//! whole messages, not digests, so they are refused here.
//!
//! A verifier needs no transit access at all: the public key PEM is enough.
//! A signer needs `update` on `<mount>/sign/<key>/*` and `read` on
//! `<mount>/keys/<key>`; `create` and `rotate` need `update` on
//! `<mount>/keys/<key>` and `<mount>/keys/<key>/rotate`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::SystemTime;

use base64ct::{Base64, Encoding};
use reqwest::Method;
use serde_json::{json, Value};

use super::{Kms, KmsHandle, KmsKeyVersion};
use crate::vault::{parse_time, Client, Fault, Retry, VaultConfig};
use crate::{Algorithm, Error, PublicKey, Result, Signature};

/// Digests per transit request in [`Kms::sign_digests`]. OpenBao refuses a
/// request body with more than 1000 JSON strings (keys included), which
/// allows 497 items of ours; a server with tighter limits makes us halve.
const BATCH_SIZE: usize = 450;

/// Batch requests in flight at once in [`Kms::sign_digests`]. Transit signs
/// a batch on one core; measured on a busy 2-core machine, 1, 2, 4 and 8 in
/// flight were within the noise of each other, so this stays modest.
const IN_FLIGHT: usize = 2;

/// A transit key. Open it with [`kms::open`](crate::kms::open).
pub(crate) struct HashiVaultKms {
    handle: KmsHandle,
    key: String,
    client: Client,
    /// Learnt from the first key read; a transit key never changes type.
    algorithm: OnceLock<Algorithm>,
}

/// What `GET <mount>/keys/<key>` says.
struct KeyInfo {
    key_type: String,
    latest: u64,
    /// Version → (public key PEM, creation time).
    versions: BTreeMap<u64, (Option<String>, Option<SystemTime>)>,
}

/// The transit key type for an algorithm.
fn transit_type(algorithm: Algorithm) -> Result<&'static str> {
    Ok(match algorithm {
        Algorithm::EcdsaP256 => "ecdsa-p256",
        Algorithm::EcdsaP384 => "ecdsa-p384",
        Algorithm::EcdsaP521 => "ecdsa-p521",
        Algorithm::Rsa2048 => "rsa-2048",
        Algorithm::Rsa3072 => "rsa-3072",
        Algorithm::Rsa4096 => "rsa-4096",
        other => {
            return Err(Error::UnsupportedAlgorithm {
                algorithm: format!(
                    "{other} in Vault transit (it signs whole messages there, and cosign-keys' KMS \
                     interface signs digests); use ecdsa-p256/p384/p521 or rsa-2048/3072/4096"
                ),
            })
        }
    })
}

/// The algorithm of a transit key type.
fn algorithm_of(key_type: &str) -> Result<Algorithm> {
    Ok(match key_type {
        "ecdsa-p256" => Algorithm::EcdsaP256,
        "ecdsa-p384" => Algorithm::EcdsaP384,
        "ecdsa-p521" => Algorithm::EcdsaP521,
        "rsa-2048" => Algorithm::Rsa2048,
        "rsa-3072" => Algorithm::Rsa3072,
        "rsa-4096" => Algorithm::Rsa4096,
        other => {
            return Err(Error::UnsupportedAlgorithm {
                algorithm: format!(
                "transit key type `{other}` (cosign-keys signs digests with ecdsa-p256/p384/p521 \
                     and rsa-2048/3072/4096 transit keys)"
            ),
            })
        }
    })
}

/// The hash path segment transit wants for the key's hash.
fn hash_path(algorithm: Algorithm) -> Result<&'static str> {
    match algorithm.hash() {
        Some(crate::HashAlg::Sha256) => Ok("sha2-256"),
        Some(crate::HashAlg::Sha384) => Ok("sha2-384"),
        Some(crate::HashAlg::Sha512) => Ok("sha2-512"),
        _ => Err(Error::UnsupportedOperation {
            operation: "signing a digest in a KMS",
            algorithm: algorithm.as_str(),
        }),
    }
}

/// Checks a digest's length against the key's hash (transit does not).
fn check_digest(algorithm: Algorithm, digest: &[u8]) -> Result<()> {
    let hash = algorithm.hash().ok_or(Error::UnsupportedOperation {
        operation: "signing a digest in a KMS",
        algorithm: algorithm.as_str(),
    })?;
    if digest.len() == hash.output_len() {
        Ok(())
    } else {
        Err(Error::InvalidArgument {
            name: "digest",
            reason: format!(
                "a {algorithm} key signs {}-byte {} digests; got {} bytes",
                hash.output_len(),
                hash.as_str(),
                digest.len()
            ),
        })
    }
}

/// `vault:v3:<base64>` → the signature bytes.
fn decode_signature(text: &str, what: &str) -> Result<Signature> {
    let bad = |reason: &str| Error::Backend {
        backend: "vault",
        status: None,
        message: format!("transit returned a malformed signature for {what}: {reason}"),
    };
    let rest = text
        .strip_prefix("vault:v")
        .ok_or_else(|| bad("no `vault:vN:` prefix"))?;
    let (version, b64) = rest
        .split_once(':')
        .ok_or_else(|| bad("no `vault:vN:` prefix"))?;
    if version.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("no `vault:vN:` prefix"));
    }
    Base64::decode_vec(b64)
        .map(Signature::from_bytes)
        .map_err(|_| bad("not base64"))
}

fn decode_key_info(body: &Value) -> std::result::Result<KeyInfo, Fault> {
    let data = body
        .get("data")
        .ok_or_else(|| Fault::Decode("no `data` in the key".into()))?;
    let key_type = data
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| Fault::Decode("no key `type`".into()))?
        .to_owned();
    let latest = data
        .get("latest_version")
        .and_then(Value::as_u64)
        .ok_or_else(|| Fault::Decode("no `latest_version`".into()))?;
    let mut versions = BTreeMap::new();
    if let Some(Value::Object(keys)) = data.get("keys") {
        for (n, entry) in keys {
            let n: u64 = n
                .parse()
                .map_err(|_| Fault::Decode(format!("key version `{n}` is not a number")))?;
            // Asymmetric keys list {public_key, creation_time, name}; others a timestamp.
            let pem = entry
                .get("public_key")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let created = entry
                .get("creation_time")
                .and_then(Value::as_str)
                .and_then(parse_time);
            versions.insert(n, (pem, created));
        }
    }
    Ok(KeyInfo {
        key_type,
        latest,
        versions,
    })
}

/// One entry of transit's `batch_results`: a signature, or that item's error.
fn batch_item(result: &Value, pos: usize, what: &str) -> Result<Signature> {
    match (
        result.get("signature").and_then(Value::as_str),
        result.get("error").and_then(Value::as_str),
    ) {
        (_, Some(err)) if !err.is_empty() => Err(Error::Backend {
            backend: "vault",
            status: None,
            message: format!("transit refused digest #{pos} for {what}: {err}"),
        }),
        (Some(sig), _) => decode_signature(sig, what),
        _ => Err(Error::Backend {
            backend: "vault",
            status: None,
            message: format!(
                "transit returned neither signature nor error for digest #{pos} of {what}"
            ),
        }),
    }
}

impl HashiVaultKms {
    /// Connects (AppRole login if configured). Nothing is read yet.
    pub(crate) async fn open(handle: KmsHandle, config: &VaultConfig) -> Result<Self> {
        let KmsHandle::HashiVault { key } = &handle else {
            return Err(Error::InvalidArgument {
                name: "handle",
                reason: format!("`{handle}` is not a hashivault:// key"),
            });
        };
        Ok(Self {
            key: key.clone(),
            client: Client::connect(config).await?,
            handle,
            algorithm: OnceLock::new(),
        })
    }

    fn what(&self) -> String {
        format!(
            "{} (transit key `{}` at {}/)",
            self.handle,
            self.key,
            self.client.transit_mount()
        )
    }

    fn keys_path(&self) -> String {
        format!("{}/keys/{}", self.client.transit_mount(), self.key)
    }

    async fn read_key(&self) -> Result<KeyInfo> {
        let what = self.what();
        let body = self
            .client
            .request(Method::GET, &self.keys_path(), None, Retry::Idempotent)
            .await
            .map_err(|f| self.client.error(f, &what))?;
        let info = decode_key_info(&body).map_err(|f| self.client.error(f, &what))?;
        if let Ok(alg) = algorithm_of(&info.key_type) {
            let _ = self.algorithm.set(alg);
        }
        Ok(info)
    }

    async fn algorithm(&self) -> Result<Algorithm> {
        if let Some(alg) = self.algorithm.get() {
            return Ok(*alg);
        }
        algorithm_of(&self.read_key().await?.key_type)
    }

    fn public_key_of(&self, info: &KeyInfo, version: u64) -> Result<PublicKey> {
        let what = self.what();
        let alg = algorithm_of(&info.key_type)?;
        let pem = info
            .versions
            .get(&version)
            .and_then(|(pem, _)| pem.as_deref())
            .ok_or_else(|| Error::Backend {
                backend: "vault",
                status: None,
                message: format!("transit lists no public key for version {version} of {what}"),
            })?;
        let key = PublicKey::from_pem(pem.as_bytes())?;
        if key.algorithm() != alg {
            return Err(Error::Backend {
                backend: "vault",
                status: None,
                message: format!(
                    "{what} is a {} key but its public key is {}",
                    info.key_type,
                    key.algorithm()
                ),
            });
        }
        Ok(key)
    }

    fn sign_path(&self, algorithm: Algorithm) -> Result<String> {
        Ok(format!(
            "{}/sign/{}/{}",
            self.client.transit_mount(),
            self.key,
            hash_path(algorithm)?
        ))
    }

    /// One batch request for (position, digest) pairs: one result per item,
    /// in order, or the fault that failed the whole request.
    async fn sign_batch(
        &self,
        path: &str,
        items: &[(usize, &[u8])],
    ) -> std::result::Result<Vec<Result<Signature>>, Fault> {
        let what = self.what();
        let inputs: Vec<Value> = items
            .iter()
            .map(|(_, d)| json!({ "input": Base64::encode_string(d) }))
            .collect();
        let body = json!({
            "prehashed": true,
            "signature_algorithm": "pkcs1v15",
            "marshaling_algorithm": "asn1",
            "batch_input": inputs,
        });
        let answer = self
            .client
            .request(Method::POST, path, Some(&body), Retry::Idempotent)
            .await?;
        match answer
            .pointer("/data/batch_results")
            .and_then(Value::as_array)
        {
            Some(results) if results.len() == items.len() => Ok(items
                .iter()
                .zip(results)
                .map(|((pos, _), result)| batch_item(result, *pos, &what))
                .collect()),
            Some(results) => Err(Fault::Decode(format!(
                "{} batch results for {} inputs",
                results.len(),
                items.len()
            ))),
            None => Err(Fault::Decode("no batch_results".into())),
        }
    }
}

/// Sends `items` in batches of `size`, [`IN_FLIGHT`] at a time, and writes
/// each item's result at its position in `out`. A batch the server refuses
/// as too large is halved and sent again (in order); any other failure of a
/// whole batch becomes every item's error.
async fn send_in_batches<'a, Send, Fut>(
    items: &'a [(usize, &'a [u8])],
    size: usize,
    send: Send,
    error: impl Fn(Fault) -> Error,
    out: &mut [Option<Result<Signature>>],
) where
    Send: Fn(&'a [(usize, &'a [u8])]) -> Fut,
    Fut: std::future::Future<Output = std::result::Result<Vec<Result<Signature>>, Fault>>,
{
    // Batches still to send, in input order with the next one last.
    let mut pending: Vec<&'a [(usize, &'a [u8])]> = items.chunks(size.max(1)).rev().collect();
    while !pending.is_empty() {
        let round: Vec<_> = (0..IN_FLIGHT).map_while(|_| pending.pop()).collect();
        let answers = futures_util::future::join_all(round.iter().map(|batch| send(batch))).await;
        // Backwards, so that halves go back on the stack in input order.
        for (batch, answer) in round.into_iter().zip(answers).rev() {
            match answer {
                Ok(results) => {
                    for ((pos, _), result) in batch.iter().zip(results) {
                        out[*pos] = Some(result);
                    }
                }
                Err(fault) if batch.len() > 1 && too_large(&fault) => {
                    let (head, tail) = batch.split_at(batch.len() / 2);
                    pending.push(tail);
                    pending.push(head);
                }
                Err(fault) => {
                    let e = error(fault);
                    for (pos, _) in batch {
                        out[*pos] = Some(Err(e.duplicate()));
                    }
                }
            }
        }
    }
}

/// The server refused a request as too large or complex (OpenBao refuses
/// JSON bodies with more than 1000 strings; proxies answer 413): a smaller
/// batch will pass.
fn too_large(fault: &Fault) -> bool {
    match fault {
        Fault::Status { code: 413, .. } => true,
        Fault::Status { code: 400, errors } => errors.iter().any(|e| {
            e.contains("complexity") || e.contains("too large") || e.contains("exceeded maximum")
        }),
        _ => false,
    }
}

#[async_trait::async_trait]
impl Kms for HashiVaultKms {
    fn handle(&self) -> &KmsHandle {
        &self.handle
    }

    async fn create(&self, algorithm: Algorithm) -> Result<PublicKey> {
        let key_type = transit_type(algorithm)?;
        match self.read_key().await {
            Ok(_) => {
                return Err(Error::AlreadyExists {
                    path: PathBuf::from(self.handle.to_string()),
                })
            }
            Err(Error::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
        let what = self.what();
        // Creating an existing key changes nothing in transit, so a repeat
        // after a lost answer is harmless.
        self.client
            .request(
                Method::POST,
                &self.keys_path(),
                Some(&json!({ "type": key_type })),
                Retry::Idempotent,
            )
            .await
            .map_err(|f| self.client.error(f, &what))?;
        let info = self.read_key().await?;
        self.public_key_of(&info, info.latest)
    }

    async fn public_key(&self) -> Result<PublicKey> {
        let info = self.read_key().await?;
        self.public_key_of(&info, info.latest)
    }

    async fn sign_digest(&self, digest: &[u8]) -> Result<Signature> {
        let algorithm = self.algorithm().await?;
        check_digest(algorithm, digest)?;
        let what = self.what();
        let body = json!({
            "input": Base64::encode_string(digest),
            "prehashed": true,
            "signature_algorithm": "pkcs1v15",
            "marshaling_algorithm": "asn1",
        });
        let answer = self
            .client
            .request(
                Method::POST,
                &self.sign_path(algorithm)?,
                Some(&body),
                Retry::Idempotent,
            )
            .await
            .map_err(|f| self.client.error(f, &what))?;
        let text = answer
            .pointer("/data/signature")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::Backend {
                backend: "vault",
                status: None,
                message: format!("transit returned no signature for {what}"),
            })?;
        decode_signature(text, &what)
    }

    async fn sign_blob(&self, blob: &[u8]) -> Result<Signature> {
        let algorithm = self.algorithm().await?;
        let hash = algorithm.hash().ok_or(Error::UnsupportedOperation {
            operation: "signing a digest in a KMS",
            algorithm: algorithm.as_str(),
        })?;
        self.sign_digest(&hash.digest(blob)).await
    }

    async fn sign_digests(&self, digests: &[Vec<u8>]) -> Vec<Result<Signature>> {
        if digests.is_empty() {
            return Vec::new();
        }
        let path = match self
            .algorithm()
            .await
            .and_then(|a| Ok((a, self.sign_path(a)?)))
        {
            Ok(p) => p,
            Err(e) => return digests.iter().map(|_| Err(e.duplicate())).collect(),
        };
        let (algorithm, path) = path;
        let mut out: Vec<Option<Result<Signature>>> = Vec::with_capacity(digests.len());
        let mut valid = Vec::with_capacity(digests.len());
        for (i, d) in digests.iter().enumerate() {
            match check_digest(algorithm, d) {
                Ok(()) => {
                    out.push(None);
                    valid.push((i, d.as_slice()));
                }
                Err(e) => out.push(Some(Err(e))),
            }
        }
        let what = self.what();
        send_in_batches(
            &valid,
            BATCH_SIZE,
            |chunk| self.sign_batch(&path, chunk),
            |fault| self.client.error(fault, &what),
            &mut out,
        )
        .await;
        out.into_iter()
            .map(|r| {
                r.unwrap_or_else(|| {
                    Err(Error::Backend {
                        backend: "vault",
                        status: None,
                        message: "digest left unsigned".into(),
                    })
                })
            })
            .collect()
    }

    async fn versions(&self) -> Result<Vec<KmsKeyVersion>> {
        let info = self.read_key().await?;
        info.versions
            .iter()
            .map(|(n, (_, created))| {
                Ok(KmsKeyVersion {
                    version: n.to_string(),
                    public_key: self.public_key_of(&info, *n)?,
                    created_at: *created,
                })
            })
            .collect()
    }

    async fn rotate(&self) -> Result<String> {
        let what = self.what();
        let before = self.read_key().await?.latest;
        let answer = self
            .client
            .request(
                Method::POST,
                &format!("{}/rotate", self.keys_path()),
                None,
                Retry::NotIdempotent,
            )
            .await
            .map_err(|f| self.client.error(f, &what))?;
        // Newer servers answer with the key; older ones with 204.
        let latest = match answer
            .pointer("/data/latest_version")
            .and_then(Value::as_u64)
        {
            Some(v) => v,
            None => self.read_key().await?.latest,
        };
        if latest <= before {
            return Err(Error::Backend {
                backend: "vault",
                status: None,
                message: format!("rotating {what} left it at version {latest}"),
            });
        }
        Ok(latest.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_lose_the_version_prefix() {
        let sig = decode_signature("vault:v12:AQID", "k").unwrap();
        assert_eq!(sig.as_bytes(), [1, 2, 3]);
        for bad in ["AQID", "vault:v:AQID", "vault:vx:AQID", "vault:v1:@@@"] {
            let err = decode_signature(bad, "hashivault://k").err().unwrap();
            assert!(err.to_string().contains("hashivault://k"), "{err}");
        }
    }

    #[test]
    fn batch_items_keep_their_own_errors() {
        // The shape OpenBao answers with (tests/servers/NOTES.md).
        let ok = json!({"signature": "vault:v1:AQID", "key_version": 1});
        let bad = json!({"error": "unable to decode input as base64: illegal base64 data at input byte 4"});
        assert_eq!(batch_item(&ok, 0, "k").unwrap().as_bytes(), [1, 2, 3]);
        let err = batch_item(&bad, 7, "hashivault://k").err().unwrap();
        assert!(
            err.to_string().contains("#7") && err.to_string().contains("base64"),
            "{err}"
        );
        assert!(batch_item(&json!({}), 1, "k").is_err());
    }

    /// A stand-in for transit that refuses batches over `limit` items as
    /// OpenBao does, fails the batch holding item `broken`, and "signs" an
    /// item with its position.
    fn run_batches(
        n: usize,
        size: usize,
        limit: usize,
        broken: Option<usize>,
    ) -> (Vec<Result<Signature>>, usize) {
        let data: Vec<(usize, &[u8])> = (0..n).map(|i| (i, &b""[..])).collect();
        let mut out: Vec<Option<Result<Signature>>> = (0..n).map(|_| None).collect();
        let calls = std::cell::Cell::new(0);
        let send = |batch: &[(usize, &[u8])]| {
            calls.set(calls.get() + 1);
            let answer = if batch.len() > limit {
                Err(Fault::Status {
                    code: 400,
                    errors: vec!["refused JSON input due to high complexity: exceeded maximum number of strings".into()],
                })
            } else if broken.is_some_and(|b| batch.iter().any(|(p, _)| *p == b)) {
                Err(Fault::Status {
                    code: 403,
                    errors: vec!["permission denied".into()],
                })
            } else {
                Ok(batch
                    .iter()
                    .map(|(p, _)| Ok(Signature::from_bytes(p.to_be_bytes().to_vec())))
                    .collect())
            };
            async move { answer }
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(send_in_batches(
            &data,
            size,
            send,
            |f| {
                f.into_error(
                    "hashivault://k",
                    "http://h",
                    std::time::Duration::from_secs(1),
                )
            },
            &mut out,
        ));
        (out.into_iter().map(Option::unwrap).collect(), calls.get())
    }

    #[test]
    fn batches_keep_input_order_and_halve_when_refused() {
        // 1000 items, 450 a batch, the server takes at most 100.
        let (results, calls) = run_batches(1000, 450, 100, None);
        for (i, r) in results.iter().enumerate() {
            assert_eq!(r.as_ref().unwrap().as_bytes(), i.to_be_bytes(), "#{i}");
        }
        assert!(calls > 3, "halved: {calls} requests");
        let (results, calls) = run_batches(10, 4, 100, None);
        assert_eq!((results.len(), calls), (10, 3));
    }

    #[test]
    fn a_failed_batch_fails_only_its_items() {
        let (results, _) = run_batches(10, 4, 100, Some(5));
        for (i, r) in results.iter().enumerate() {
            if (4..8).contains(&i) {
                assert_eq!(
                    r.as_ref().err().unwrap().code(),
                    crate::ErrorCode::PermissionDenied,
                    "#{i}"
                );
            } else {
                assert!(r.is_ok(), "#{i}");
            }
        }
        // A single item the server still refuses as too large is an error, not a loop.
        let (results, _) = run_batches(3, 3, 0, None);
        assert!(results.iter().all(Result::is_err));
    }

    #[test]
    fn oversized_batches_are_recognised() {
        let complex = Fault::Status {
            code: 400,
            errors: vec![
                "refused JSON input due to high complexity: exceeded maximum number of strings"
                    .into(),
            ],
        };
        assert!(too_large(&complex));
        assert!(too_large(&Fault::Status {
            code: 413,
            errors: vec![]
        }));
        assert!(!too_large(&Fault::Status {
            code: 400,
            errors: vec!["signing key not found".into()]
        }));
    }

    #[test]
    fn types_and_hashes() {
        for alg in Algorithm::ALL {
            match transit_type(*alg) {
                Ok(t) => {
                    assert_eq!(algorithm_of(t).unwrap(), *alg);
                    assert!(hash_path(*alg).is_ok());
                }
                Err(e) => assert!(matches!(e, Error::UnsupportedAlgorithm { .. })),
            }
        }
        assert!(transit_type(Algorithm::Ed25519).is_err());
        assert!(algorithm_of("aes256-gcm96").is_err());
        assert_eq!(hash_path(Algorithm::EcdsaP521).unwrap(), "sha2-512");
    }

    #[test]
    fn digest_length_follows_the_key() {
        assert!(check_digest(Algorithm::EcdsaP256, &[0; 32]).is_ok());
        assert!(check_digest(Algorithm::EcdsaP384, &[0; 32]).is_err());
        assert!(check_digest(Algorithm::Rsa4096, &[0; 31]).is_err());
    }

    #[test]
    fn key_info_of_symmetric_and_asymmetric_keys() {
        let body = json!({"data": {"type": "ecdsa-p256", "latest_version": 2, "keys": {
            "1": {"public_key": "pem1", "creation_time": "2026-11-25T11:30:46.659862447Z", "name": "P-256"},
            "2": {"public_key": "pem2", "creation_time": "2026-11-25T11:30:47Z", "name": "P-256"}}}});
        let info = decode_key_info(&body).unwrap();
        assert_eq!((info.latest, info.versions.len()), (2, 2));
        assert!(info.versions[&1].1.is_some());
        let body = json!({"data": {"type": "aes256-gcm96", "latest_version": 1, "keys": {"1": 1_795_606_246}}});
        assert_eq!(decode_key_info(&body).unwrap().versions[&1].0, None);
        assert!(decode_key_info(&json!({})).is_err());
    }
}
