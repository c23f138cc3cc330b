//! KV version 2 operations on a connected [`Client`], through `vaultrs`
//! (plus a direct PATCH for custom metadata, which `vaultrs` lacks).
//!
//! Failures stay [`Fault`]s so that callers can tell a check-and-set
//! mismatch or an absent secret from other errors before naming them.

use std::collections::{BTreeMap, HashMap};
use std::time::SystemTime;

use reqwest::Method;
use serde_json::{Map, Value};

use super::client::{Client, Retry};
use super::error::Fault;
use super::parse_time;

/// One version of a secret as read.
pub(crate) struct KvSecret {
    /// The secret's fields.
    pub(crate) data: Map<String, Value>,
    /// Its version number.
    pub(crate) version: u64,
    /// When it was written.
    pub(crate) created: Option<SystemTime>,
}

impl Drop for KvSecret {
    fn drop(&mut self) {
        for value in self.data.values_mut() {
            wipe(value);
        }
    }
}

/// A version as listed in the secret's metadata.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KvVersion {
    /// When it was written.
    pub(crate) created: Option<SystemTime>,
    /// Soft-deleted (recoverable).
    pub(crate) deleted: bool,
    /// Destroyed (gone for good).
    pub(crate) destroyed: bool,
}

/// A secret's metadata.
pub(crate) struct KvMetadata {
    /// The latest version number (0: none written).
    pub(crate) current_version: u64,
    /// Every version still recorded, by number.
    pub(crate) versions: BTreeMap<u64, KvVersion>,
    /// Custom metadata (non-secret key/value pairs).
    pub(crate) custom: HashMap<String, String>,
}

/// Overwrites every string inside `value` (best effort for secrets that
/// passed through JSON; the HTTP stack's own buffers are out of reach).
pub(crate) fn wipe(value: &mut Value) {
    use zeroize::Zeroize;
    match value {
        Value::String(s) => s.zeroize(),
        Value::Array(items) => items.iter_mut().for_each(wipe),
        Value::Object(map) => map.values_mut().for_each(wipe),
        _ => {}
    }
}

fn not_found_is_none<T>(r: Result<T, Fault>) -> Result<Option<T>, Fault> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(f) if f.status() == Some(404) => Ok(None),
        Err(f) => Err(f),
    }
}

impl Client {
    /// Reads a version (`None`: the latest). `Ok(None)` when it does not
    /// exist, or is deleted or destroyed (Vault answers 404 for all three).
    pub(crate) async fn kv_read(
        &self,
        mount: &str,
        path: &str,
        version: Option<u64>,
    ) -> Result<Option<KvSecret>, Fault> {
        use vaultrs::api::kv2::requests::ReadSecretRequest;
        let read = self
            .try_vaultrs(Retry::Idempotent, || async move {
                let endpoint = ReadSecretRequest::builder()
                    .mount(mount)
                    .path(path)
                    .version(version)
                    .build()
                    .map_err(|e| vaultrs::error::ClientError::JsonParseError {
                        source: serde::de::Error::custom(e.to_string()),
                    })?;
                vaultrs::api::exec_with_result(self.vaultrs(), endpoint).await
            })
            .await;
        let Some(mut response) = not_found_is_none(read)? else {
            return Ok(None);
        };
        let data = match std::mem::take(&mut response.data) {
            Value::Object(map) => map,
            // A deleted version can come back as 200 with `data: null` from
            // some servers; treat it as absent.
            Value::Null => return Ok(None),
            mut other => {
                wipe(&mut other);
                return Err(Fault::Decode(
                    "the secret's data is not a JSON object".into(),
                ));
            }
        };
        Ok(Some(KvSecret {
            data,
            version: response.metadata.version,
            created: parse_time(&response.metadata.created_time),
        }))
    }

    /// Writes a new version with check-and-set `cas` (0: only if the secret
    /// does not exist) and returns its number.
    pub(crate) async fn kv_write(
        &self,
        mount: &str,
        path: &str,
        data: &Value,
        cas: u64,
    ) -> Result<u64, Fault> {
        let cas = u32::try_from(cas)
            .map_err(|_| Fault::Decode(format!("version {cas} is out of range")))?;
        self.try_vaultrs(Retry::NotIdempotent, || async move {
            let options = vaultrs::api::kv2::requests::SetSecretRequestOptions { cas };
            vaultrs::kv2::set_with_options(self.vaultrs(), mount, path, data, options).await
        })
        .await
        .map(|meta| meta.version)
    }

    /// Reads the metadata; `Ok(None)` when the secret has none (never
    /// written, or its metadata was deleted).
    pub(crate) async fn kv_metadata(
        &self,
        mount: &str,
        path: &str,
    ) -> Result<Option<KvMetadata>, Fault> {
        let read = self
            .try_vaultrs(Retry::Idempotent, || {
                vaultrs::kv2::read_metadata(self.vaultrs(), mount, path)
            })
            .await;
        let Some(md) = not_found_is_none(read)? else {
            return Ok(None);
        };
        let now = SystemTime::now();
        let mut versions = BTreeMap::new();
        for (number, v) in &md.versions {
            let number: u64 = number.parse().map_err(|_| {
                Fault::Decode(format!(
                    "version `{number}` in the metadata is not a number"
                ))
            })?;
            let deleted = parse_time(&v.deletion_time).is_some_and(|t| t <= now);
            versions.insert(
                number,
                KvVersion {
                    created: parse_time(&v.created_time),
                    deleted,
                    destroyed: v.destroyed,
                },
            );
        }
        Ok(Some(KvMetadata {
            current_version: md.current_version,
            versions,
            custom: md.custom_metadata.unwrap_or_default(),
        }))
    }

    /// Merges `patch` into the custom metadata (a `null` value removes the
    /// key). Uses PATCH, which merges atomically on the server; a token
    /// without the `patch` capability falls back to read, merge and POST,
    /// where a concurrent writer's keys can be lost.
    pub(crate) async fn kv_patch_custom(
        &self,
        mount: &str,
        path: &str,
        patch: Map<String, Value>,
    ) -> Result<(), Fault> {
        let url_path = format!("{mount}/metadata/{path}");
        let body = serde_json::json!({ "custom_metadata": patch });
        match self
            .request_as(
                Method::PATCH,
                &url_path,
                Some(&body),
                Retry::Idempotent,
                "application/merge-patch+json",
            )
            .await
        {
            Err(f) if matches!(f.status(), Some(403 | 405)) => {}
            other => return other.map(|_| ()),
        }
        let current = self
            .kv_metadata(mount, path)
            .await?
            .map(|m| m.custom)
            .unwrap_or_default();
        let mut merged: Map<String, Value> = current
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        for (k, v) in patch {
            if v.is_null() {
                merged.remove(&k);
            } else {
                merged.insert(k, v);
            }
        }
        let body = serde_json::json!({ "custom_metadata": merged });
        self.request(Method::POST, &url_path, Some(&body), Retry::Idempotent)
            .await
            .map(|_| ())
    }

    /// Soft-deletes versions (recoverable with undelete).
    pub(crate) async fn kv_delete_versions(
        &self,
        mount: &str,
        path: &str,
        versions: Vec<u64>,
    ) -> Result<(), Fault> {
        self.try_vaultrs(Retry::Idempotent, || {
            vaultrs::kv2::delete_versions(self.vaultrs(), mount, path, versions.clone())
        })
        .await
    }

    /// Destroys versions (their data is gone for good).
    pub(crate) async fn kv_destroy_versions(
        &self,
        mount: &str,
        path: &str,
        versions: Vec<u64>,
    ) -> Result<(), Fault> {
        self.try_vaultrs(Retry::Idempotent, || {
            vaultrs::kv2::destroy_versions(self.vaultrs(), mount, path, versions.clone())
        })
        .await
    }

    /// Deletes the metadata and every version.
    pub(crate) async fn kv_delete_metadata(&self, mount: &str, path: &str) -> Result<(), Fault> {
        self.try_vaultrs(Retry::Idempotent, || {
            vaultrs::kv2::delete_metadata(self.vaultrs(), mount, path)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wipe_clears_nested_strings() {
        let mut v = serde_json::json!({"a": "secret", "b": ["x", {"c": "y"}], "n": 1});
        wipe(&mut v);
        assert_eq!(
            v,
            serde_json::json!({"a": "", "b": ["", {"c": ""}], "n": 1})
        );
    }
}
