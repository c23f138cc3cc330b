//! A [`DocumentStore`] in a KV v2 secret: the keyring manifest as one field,
//! saved with check-and-set; the revision is the KV version.

use serde_json::{json, Value};

use crate::store::{Document, DocumentStore, KeyRef};
use crate::vault::{Client, VaultConfig};
use crate::{Error, Result};

/// The field holding the document, and how it is encoded (`utf-8` text,
/// readable with `vault kv get`, or `base64` for other bytes).
const CONTENT: &str = "document";
const ENCODING: &str = "encoding";

/// A versioned document at `vault-kv://<mount>/<path>`.
///
/// The document is the secret's `document` field. A save is a KV write with
/// `cas=<expected revision>`, so it succeeds only over the revision the
/// writer read ([`Error::Conflict`] otherwise, nothing written). If the
/// latest KV version was deleted by hand, [`load`](DocumentStore::load)
/// reports no document but a save with `expected = 0` conflicts: undelete it
/// or delete the secret's metadata.
pub(crate) struct VaultKvDocument {
    key_ref: KeyRef,
    client: Client,
    mount: String,
    path: String,
}

impl VaultKvDocument {
    /// Connects and points at `mount/path`.
    pub(crate) async fn open(key_ref: KeyRef, config: &VaultConfig) -> Result<Self> {
        let KeyRef::VaultKv { mount, path } = &key_ref else {
            return Err(Error::InvalidArgument {
                name: "uri",
                reason: format!("`{key_ref}` is not a vault-kv:// location"),
            });
        };
        let (mount, path) = (mount.clone(), path.clone());
        Ok(Self {
            client: Client::connect(config).await?,
            key_ref,
            mount,
            path,
        })
    }
}

fn encode(bytes: &[u8]) -> Value {
    match std::str::from_utf8(bytes) {
        Ok(text) => json!({ CONTENT: text, ENCODING: "utf-8" }),
        Err(_) => {
            use base64ct::{Base64, Encoding};
            json!({ CONTENT: Base64::encode_string(bytes), ENCODING: "base64" })
        }
    }
}

fn decode(data: &serde_json::Map<String, Value>, what: &str) -> Result<Vec<u8>> {
    let bad = |reason: &str| Error::Backend {
        backend: "vault",
        status: None,
        message: format!("{what} is not a document written by cosign-keys: {reason}"),
    };
    let content = data
        .get(CONTENT)
        .and_then(Value::as_str)
        .ok_or_else(|| bad("no `document` field"))?;
    match data
        .get(ENCODING)
        .and_then(Value::as_str)
        .unwrap_or("utf-8")
    {
        "utf-8" => Ok(content.as_bytes().to_vec()),
        "base64" => {
            use base64ct::{Base64, Encoding};
            Base64::decode_vec(content).map_err(|_| bad("bad base64"))
        }
        _ => Err(bad("unknown encoding")),
    }
}

#[async_trait::async_trait]
impl DocumentStore for VaultKvDocument {
    fn location(&self) -> String {
        self.key_ref.to_string()
    }

    async fn load(&self) -> Result<Option<Document>> {
        let what = self.location();
        let Some(secret) = self
            .client
            .kv_read(&self.mount, &self.path, None)
            .await
            .map_err(|f| self.client.error(f, &what))?
        else {
            return Ok(None);
        };
        Ok(Some(Document {
            bytes: decode(&secret.data, &what)?,
            revision: secret.version,
        }))
    }

    async fn save(&self, bytes: &[u8], expected: u64) -> Result<u64> {
        let what = format!("{} (expected revision {expected})", self.location());
        self.client
            .kv_write(&self.mount, &self.path, &encode(bytes), expected)
            .await
            .map_err(|f| self.client.error(f, &what))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_binary_round_trip() {
        for bytes in [b"{\"keys\":[]}".as_slice(), &[0xff, 0x00, 0x80], b""] {
            let v = encode(bytes);
            assert_eq!(decode(v.as_object().unwrap(), "x").unwrap(), bytes);
        }
        assert_eq!(encode(b"abc")[ENCODING], "utf-8");
        assert_eq!(encode(&[0xff])[ENCODING], "base64");
    }
}
