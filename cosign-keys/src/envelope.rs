//! Cosign's encrypted private key file: a PEM block whose body is a JSON
//! envelope (scrypt parameters and salt, secretbox nonce, ciphertext) around
//! the PKCS#8 DER key.
//!
//! Parsing checks everything it can without the password (names, lengths,
//! scrypt limits) before any key derivation; the password is only needed to
//! open the box.

mod kdf;

use base64ct::{Base64, Encoding};
use crypto_secretbox::aead::{Aead, KeyInit};
use crypto_secretbox::XSalsa20Poly1305;
use serde::Deserialize;
use zeroize::Zeroizing;

pub use kdf::{DecryptOptions, ScryptParams, DEFAULT_MAX_MEMORY_BYTES, DEFAULT_MAX_WORK};

use crate::pem;
use crate::{Error, Password, PrivateKey, Result};

const KDF_SCRYPT: &str = "scrypt";
const CIPHER_SECRETBOX: &str = "nacl/secretbox";
const SALT_LEN: usize = 32;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

/// A Cosign encrypted private key (`cosign.key`), parsed but still locked.
///
/// Holds only ciphertext and public parameters, so it may be cloned, logged
/// and stored freely.
///
/// ```
/// use cosign_keys::{Algorithm, EncryptedPrivateKey, Password, PrivateKey, ScryptParams};
///
/// let key = PrivateKey::generate(Algorithm::EcdsaP256)?;
/// let fast = ScryptParams::new(10, 8, 1)?; // cheap, for the example only
/// let locked = key.encrypt_with(&Password::from("pw"), fast)?;
/// let pem = locked.to_pem();
/// assert!(pem.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"));
///
/// let unlocked = EncryptedPrivateKey::from_pem(pem.as_bytes())?.decrypt(&Password::from("pw"))?;
/// assert_eq!(unlocked.fingerprint(), key.fingerprint());
/// # Ok::<(), cosign_keys::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptedPrivateKey {
    params: ScryptParams,
    salt: [u8; SALT_LEN],
    nonce: [u8; NONCE_LEN],
    ciphertext: Vec<u8>,
    legacy_label: bool,
}

#[derive(Deserialize)]
struct EnvelopeJson {
    kdf: KdfJson,
    cipher: CipherJson,
    ciphertext: String,
}

#[derive(Deserialize)]
struct KdfJson {
    name: String,
    params: serde_json::Value,
    salt: String,
}

#[derive(Deserialize)]
struct CipherJson {
    name: String,
    nonce: String,
}

impl EncryptedPrivateKey {
    /// Parses a Cosign key file (`ENCRYPTED SIGSTORE PRIVATE KEY`, or the
    /// legacy `ENCRYPTED COSIGN PRIVATE KEY`). No password is needed and no
    /// key derivation happens yet.
    ///
    /// # Errors
    /// [`Error::MalformedPem`], [`Error::UnknownPemLabel`] or
    /// [`Error::WrongKeyKind`] for the wrong PEM, then the errors of
    /// [`EncryptedPrivateKey::from_json`].
    ///
    /// ```
    /// use cosign_keys::{EncryptedPrivateKey, Error};
    /// let err = EncryptedPrivateKey::from_pem(b"-----BEGIN PUBLIC KEY-----\nAA==\n-----END PUBLIC KEY-----\n");
    /// assert!(matches!(err, Err(Error::WrongKeyKind { .. })));
    /// ```
    pub fn from_pem(input: &[u8]) -> Result<Self> {
        let block = pem::decode(input)?;
        let legacy = match block.label.as_str() {
            pem::SIGSTORE_PRIVATE_KEY => false,
            pem::COSIGN_PRIVATE_KEY => true,
            pem::PUBLIC_KEY
            | pem::PRIVATE_KEY
            | pem::EC_PRIVATE_KEY
            | pem::RSA_PRIVATE_KEY
            | pem::ENCRYPTED_PRIVATE_KEY => {
                return Err(Error::WrongKeyKind {
                    expected: "a Cosign encrypted private key (ENCRYPTED SIGSTORE PRIVATE KEY)",
                    found: format!("a `{}` PEM block", block.label),
                })
            }
            other => {
                return Err(Error::UnknownPemLabel {
                    label: other.to_owned(),
                    expected: "ENCRYPTED SIGSTORE PRIVATE KEY, ENCRYPTED COSIGN PRIVATE KEY",
                })
            }
        };
        let mut key = Self::from_json(&block.der)?;
        key.legacy_label = legacy;
        Ok(key)
    }

    /// Parses the JSON envelope (the PEM body).
    ///
    /// # Errors
    /// [`Error::MalformedEnvelope`] for bad JSON (including a key given
    /// twice at any depth), base64 or lengths,
    /// [`Error::UnknownKdf`], [`Error::UnknownCipher`], and
    /// [`Error::InvalidKdfParams`] for impossible scrypt parameters.
    ///
    /// ```
    /// use cosign_keys::{EncryptedPrivateKey, Error};
    /// let err = EncryptedPrivateKey::from_json(b"{not json");
    /// assert!(matches!(err, Err(Error::MalformedEnvelope { .. })));
    /// ```
    pub fn from_json(json: &[u8]) -> Result<Self> {
        // One rule for every path into the envelope: a key given twice, at
        // any depth, is refused (serde would refuse it for some fields and
        // keep the last value for others, e.g. inside `kdf.params`).
        unique_keys::check(json)?;
        let env: EnvelopeJson = serde_json::from_slice(json)
            .map_err(|e| Error::malformed_envelope(format!("invalid JSON: {e}")))?;
        if env.kdf.name != KDF_SCRYPT {
            return Err(Error::UnknownKdf { name: env.kdf.name });
        }
        if env.cipher.name != CIPHER_SECRETBOX {
            return Err(Error::UnknownCipher {
                name: env.cipher.name,
            });
        }
        let params = parse_scrypt_params(&env.kdf.params)?;
        let salt: [u8; SALT_LEN] = decode_fixed(&env.kdf.salt, "kdf.salt")?;
        let nonce: [u8; NONCE_LEN] = decode_fixed(&env.cipher.nonce, "cipher.nonce")?;
        let ciphertext = Base64::decode_vec(&env.ciphertext)
            .map_err(|_| Error::malformed_envelope("`ciphertext` is not valid base64"))?;
        if ciphertext.len() <= TAG_LEN {
            return Err(Error::malformed_envelope(format!(
                "ciphertext is {} bytes, too short to hold the {TAG_LEN}-byte tag and a key \
                 (truncated?)",
                ciphertext.len()
            )));
        }
        Ok(Self {
            params,
            salt,
            nonce,
            ciphertext,
            legacy_label: false,
        })
    }

    /// The JSON envelope exactly as cosign writes it (compact, Go's field
    /// order, padded standard base64).
    ///
    /// ```
    /// # use cosign_keys::{Algorithm, Password, PrivateKey, ScryptParams};
    /// # let key = PrivateKey::generate(Algorithm::Ed25519)?;
    /// let locked = key.encrypt_with(&Password::empty(), ScryptParams::new(10, 8, 1)?)?;
    /// let json = String::from_utf8(locked.to_json()).unwrap();
    /// assert!(json.starts_with(r#"{"kdf":{"name":"scrypt","params":{"N":1024,"r":8,"p":1},"salt":""#));
    /// # Ok::<(), cosign_keys::Error>(())
    /// ```
    #[must_use]
    pub fn to_json(&self) -> Vec<u8> {
        // Written by hand so the field order is Go's (serde_json maps would
        // sort or need an extra feature); every value is a number, a fixed
        // name or base64, so nothing needs escaping.
        format!(
            r#"{{"kdf":{{"name":"{KDF_SCRYPT}","params":{{"N":{},"r":{},"p":{}}},"salt":"{}"}},"cipher":{{"name":"{CIPHER_SECRETBOX}","nonce":"{}"}},"ciphertext":"{}"}}"#,
            self.params.n(),
            self.params.r(),
            self.params.p(),
            Base64::encode_string(&self.salt),
            Base64::encode_string(&self.nonce),
            Base64::encode_string(&self.ciphertext),
        )
        .into_bytes()
    }

    /// The key file text, always with the current label
    /// `ENCRYPTED SIGSTORE PRIVATE KEY` (a legacy file is upgraded on write).
    ///
    /// ```
    /// # use cosign_keys::{Algorithm, Password, PrivateKey, ScryptParams};
    /// # let key = PrivateKey::generate(Algorithm::EcdsaP256)?;
    /// let pem = key.encrypt_with(&Password::empty(), ScryptParams::new(10, 8, 1)?)?.to_pem();
    /// assert!(pem.ends_with("-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n"));
    /// # Ok::<(), cosign_keys::Error>(())
    /// ```
    #[must_use]
    pub fn to_pem(&self) -> String {
        // Encoding ASCII JSON as PEM cannot fail.
        pem::encode(pem::SIGSTORE_PRIVATE_KEY, &self.to_json()).unwrap_or_default()
    }

    /// The scrypt parameters the file asks for.
    #[must_use]
    pub fn scrypt_params(&self) -> ScryptParams {
        self.params
    }

    /// Whether the file used the legacy `ENCRYPTED COSIGN PRIVATE KEY` label.
    #[must_use]
    pub fn has_legacy_label(&self) -> bool {
        self.legacy_label
    }

    /// Unlocks the key with the default [`DecryptOptions`].
    ///
    /// # Errors
    /// See [`EncryptedPrivateKey::decrypt_with`].
    ///
    /// ```
    /// # use cosign_keys::{Algorithm, Error, Password, PrivateKey, ScryptParams};
    /// # let key = PrivateKey::generate(Algorithm::EcdsaP256)?;
    /// let locked = key.encrypt_with(&Password::from("right"), ScryptParams::new(10, 8, 1)?)?;
    /// assert!(matches!(locked.decrypt(&Password::from("wrong")), Err(Error::DecryptionFailed)));
    /// # Ok::<(), cosign_keys::Error>(())
    /// ```
    pub fn decrypt(&self, password: &Password) -> Result<PrivateKey> {
        self.decrypt_with(password, &DecryptOptions::default())
    }

    /// Unlocks the key, first checking the scrypt parameters against
    /// `options` (before allocating anything).
    ///
    /// # Errors
    /// [`Error::KdfLimitExceeded`] if the file asks for more than the limits,
    /// [`Error::DecryptionFailed`] for a wrong password or altered ciphertext
    /// (indistinguishable by design), [`Error::MalformedKey`] or
    /// [`Error::UnsupportedAlgorithm`] if the plaintext is not a usable key.
    ///
    /// ```
    /// # use cosign_keys::{Algorithm, DecryptOptions, Error, Password, PrivateKey, ScryptParams};
    /// # let key = PrivateKey::generate(Algorithm::EcdsaP256)?;
    /// let locked = key.encrypt_with(&Password::empty(), ScryptParams::new(12, 8, 1)?)?;
    /// let tight = DecryptOptions::default().with_max_memory_bytes(1 << 20);
    /// assert!(matches!(locked.decrypt_with(&Password::empty(), &tight), Err(Error::KdfLimitExceeded { .. })));
    /// # Ok::<(), cosign_keys::Error>(())
    /// ```
    pub fn decrypt_with(
        &self,
        password: &Password,
        options: &DecryptOptions,
    ) -> Result<PrivateKey> {
        options.check(&self.params)?;
        let key = kdf::derive_key(password, &self.salt, &self.params)?;
        let cipher = XSalsa20Poly1305::new((&*key).into());
        let plaintext = Zeroizing::new(
            cipher
                .decrypt((&self.nonce).into(), self.ciphertext.as_slice())
                .map_err(|_| Error::DecryptionFailed)?,
        );
        PrivateKey::from_pkcs8_der(&plaintext)
    }

    /// Re-encrypts under a new password with a fresh salt and nonce, keeping
    /// the file's scrypt parameters. The key, and so its fingerprint, is
    /// unchanged; the old password no longer opens the result.
    ///
    /// # Errors
    /// As [`EncryptedPrivateKey::decrypt`] for the old password, then as
    /// [`PrivateKey::encrypt`].
    ///
    /// ```
    /// # use cosign_keys::{Algorithm, Error, Password, PrivateKey, ScryptParams};
    /// # let key = PrivateKey::generate(Algorithm::EcdsaP256)?;
    /// let old = key.encrypt_with(&Password::from("old"), ScryptParams::new(10, 8, 1)?)?;
    /// let new = old.change_password(&Password::from("old"), &Password::from("new"))?;
    /// assert_eq!(new.decrypt(&Password::from("new"))?.fingerprint(), key.fingerprint());
    /// assert!(matches!(new.decrypt(&Password::from("old")), Err(Error::DecryptionFailed)));
    /// # Ok::<(), cosign_keys::Error>(())
    /// ```
    pub fn change_password(&self, old: &Password, new: &Password) -> Result<Self> {
        self.change_password_with(old, new, &DecryptOptions::default())
    }

    /// As [`EncryptedPrivateKey::change_password`], with explicit limits for
    /// the file's scrypt parameters.
    ///
    /// # Errors
    /// As [`EncryptedPrivateKey::decrypt_with`], then as
    /// [`PrivateKey::encrypt`].
    ///
    /// ```
    /// # use cosign_keys::{Algorithm, DecryptOptions, Password, PrivateKey, ScryptParams};
    /// # let key = PrivateKey::generate(Algorithm::Ed25519)?;
    /// let old = key.encrypt_with(&Password::from("a"), ScryptParams::new(10, 8, 1)?)?;
    /// let opts = DecryptOptions::default();
    /// let new = old.change_password_with(&Password::from("a"), &Password::from("b"), &opts)?;
    /// assert_eq!(new.decrypt(&Password::from("b"))?.fingerprint(), key.fingerprint());
    /// # Ok::<(), cosign_keys::Error>(())
    /// ```
    pub fn change_password_with(
        &self,
        old: &Password,
        new: &Password,
        options: &DecryptOptions,
    ) -> Result<Self> {
        self.decrypt_with(old, options)?
            .encrypt_with(new, self.params)
    }

    /// Seals PKCS#8 DER under a password. Salt and nonce are fresh from the
    /// OS CSPRNG on every call, so a nonce can never be reused.
    pub(crate) fn seal(
        pkcs8_der: &[u8],
        password: &Password,
        params: ScryptParams,
    ) -> Result<Self> {
        let mut salt = [0u8; SALT_LEN];
        let mut nonce = [0u8; NONCE_LEN];
        crate::rand::fill(&mut salt)?;
        crate::rand::fill(&mut nonce)?;
        let key = kdf::derive_key(password, &salt, &params)?;
        let cipher = XSalsa20Poly1305::new((&*key).into());
        let ciphertext = cipher
            .encrypt((&nonce).into(), pkcs8_der)
            .map_err(|_| Error::Crypto {
                context: "secretbox seal",
            })?;
        Ok(Self {
            params,
            salt,
            nonce,
            ciphertext,
            legacy_label: false,
        })
    }
}

fn decode_fixed<const N: usize>(b64: &str, field: &str) -> Result<[u8; N]> {
    let bytes = Base64::decode_vec(b64)
        .map_err(|_| Error::malformed_envelope(format!("`{field}` is not valid base64")))?;
    bytes.as_slice().try_into().map_err(|_| {
        Error::malformed_envelope(format!(
            "`{field}` is {} bytes; it must be exactly {N}",
            bytes.len()
        ))
    })
}

fn parse_scrypt_params(value: &serde_json::Value) -> Result<ScryptParams> {
    let field = |name: &str| -> Result<u64> {
        let v = value.get(name).ok_or_else(|| {
            Error::malformed_envelope(format!("scrypt parameter `{name}` is missing"))
        })?;
        v.as_u64().ok_or_else(|| Error::InvalidKdfParams {
            reason: format!("scrypt parameter `{name}` must be a non-negative integer, found {v}"),
        })
    };
    if !value.is_object() {
        return Err(Error::malformed_envelope("`kdf.params` is not an object"));
    }
    ScryptParams::from_n(field("N")?, field("r")?, field("p")?)
}

#[cfg(test)]
mod duplicate_key_tests {
    use super::*;

    #[test]
    fn a_key_given_twice_is_refused_at_any_depth() {
        let key = PrivateKey::generate(crate::Algorithm::Ed25519).unwrap();
        let json = String::from_utf8(
            key.encrypt_with(&Password::empty(), ScryptParams::new(10, 8, 1).unwrap())
                .unwrap()
                .to_json(),
        )
        .unwrap();
        assert!(EncryptedPrivateKey::from_json(json.as_bytes()).is_ok());
        let twice = [
            json.replace(r#""N":1024"#, r#""N":1024,"N":1073741824"#),
            json.replace(r#"{"kdf":"#, r#"{"ciphertext":"","kdf":"#),
            json.replace(r#""name":"scrypt""#, r#""name":"scrypt","name":"scrypt""#),
        ];
        for doc in twice {
            let err = EncryptedPrivateKey::from_json(doc.as_bytes()).unwrap_err();
            assert!(
                matches!(err, Error::MalformedEnvelope { .. }),
                "{doc}: {err}"
            );
            assert!(err.to_string().contains("twice"), "{err}");
        }
    }
}

/// The duplicate-key rule of the envelope parser.
mod unique_keys {
    use std::collections::HashSet;
    use std::fmt;

    use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

    use crate::{Error, Result};

    /// Walks the whole JSON document and refuses any object holding a key
    /// twice. Bad JSON is left to the real parse, which says what is wrong.
    pub(super) fn check(json: &[u8]) -> Result<()> {
        let mut de = serde_json::Deserializer::from_slice(json);
        match Walk.deserialize(&mut de) {
            Err(e) if e.is_data() => Err(Error::malformed_envelope(format!("invalid JSON: {e}"))),
            _ => Ok(()),
        }
    }

    #[derive(Clone, Copy)]
    struct Walk;

    impl<'de> DeserializeSeed<'de> for Walk {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Walk {
        type Value = ();

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON value")
        }
        fn visit_bool<E>(self, _: bool) -> std::result::Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> std::result::Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> std::result::Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> std::result::Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> std::result::Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> std::result::Result<(), E> {
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
            while seq.next_element_seed(Walk)?.is_some() {}
            Ok(())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
            let mut seen = HashSet::new();
            while let Some(key) = map.next_key::<String>()? {
                if !seen.insert(key.clone()) {
                    return Err(serde::de::Error::custom(format!(
                        "the key `{key}` appears twice in one object"
                    )));
                }
                map.next_value_seed(Walk)?;
            }
            Ok(())
        }
    }
}
