use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

use cosign_keys::kms::blocking::KmsKey;
use cosign_keys::{sha256, Algorithm, ErrorCode, HashAlg, PublicKey, Signature};

/// Set in the child processes that [`in_child`] starts.
const CHILD: &str = "COSIGN_KEYS_TEST_AWSKMS_CHILD";

fn endpoint() -> Option<String> {
    let ep = std::env::var("COSIGN_KEYS_TEST_AWSKMS_ENDPOINT").ok();
    if ep.is_none() {
        // scripts/test.sh demands the server: a missing one fails, never
        // passes as a skip.
        for var in ["COSIGN_KEYS_REQUIRE_AWSKMS", "COSIGN_KEYS_REQUIRE_SERVERS"] {
            assert!(
                std::env::var(var).as_deref() != Ok("1"),
                "{var}=1 but COSIGN_KEYS_TEST_AWSKMS_ENDPOINT is not set; run \
                 `scripts/servers/moto.sh start` and `eval \"$(scripts/servers/moto.sh env)\"`"
            );
        }
        eprintln!(
            "SKIP: COSIGN_KEYS_TEST_AWSKMS_ENDPOINT is not set; run \
             `scripts/servers/moto.sh start` and `eval \"$(scripts/servers/moto.sh env)\"` first"
        );
    }
    ep
}

/// A fresh `awskms://<moto>/alias/…` URI (moto keeps state while it runs).
fn fresh_alias(endpoint: &str, what: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "awskms://{endpoint}/alias/cosign-keys-test/{what}-{}-{nanos}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// The signature is over `digest` (a KMS that honours DIGEST), or over
/// `hash(digest)` (moto's known deviation); either way it was made from this
/// digest and no other.
fn assert_signs_digest(pk: &PublicKey, digest: &[u8], sig: &Signature) {
    if pk.verify_digest(digest, sig).is_ok() {
        return;
    }
    assert!(
        pk.verify(digest, sig).is_ok(),
        "signature is neither over the digest nor over hash(digest) (moto's DIGEST quirk)"
    );
}

/// Error text never carries the secret key of the credentials in use.
fn assert_no_secret(err: &cosign_keys::Error) {
    let secret = std::env::var("AWS_SECRET_ACCESS_KEY").unwrap_or_default();
    assert!(
        !secret.is_empty() && !err.to_string().contains(&secret),
        "{err}"
    );
    assert!(!format!("{err:?}").contains(&secret), "{err:?}");
}

#[test]
fn p256_create_public_key_sign_verify_versions() {
    let Some(ep) = endpoint() else { return };
    let uri = fresh_alias(&ep, "p256");
    let key = KmsKey::open(&uri).unwrap();

    let created = key.create(Algorithm::EcdsaP256).unwrap();
    assert_eq!(created.algorithm(), Algorithm::EcdsaP256);
    assert_eq!(key.public_key().unwrap(), created);
    // A second client (no cached state) sees the same key.
    assert_eq!(KmsKey::open(&uri).unwrap().public_key().unwrap(), created);
    // Without an endpoint in the URI the SDK resolves it: AWS_ENDPOINT_URL_KMS (moto.sh env).
    let default_endpoint = uri.replacen(&format!("awskms://{ep}/"), "awskms:///", 1);
    assert_eq!(
        KmsKey::open(&default_endpoint)
            .unwrap()
            .public_key()
            .unwrap(),
        created
    );

    // Blobs up to 4096 bytes go RAW: an ordinary cosign signature, on moto too.
    for blob in [&b"x"[..], b"hello cosign-keys", &[7u8; 4096]] {
        let sig = key.sign_blob(blob).unwrap();
        created.verify(blob, &sig).unwrap();
        assert_eq!(
            created.verify(b"other", &sig).unwrap_err().code(),
            ErrorCode::SignatureInvalid
        );
    }
    // Larger (and empty) blobs: the local SHA-256, sent as DIGEST.
    for blob in [&[9u8; 5000][..], b""] {
        let sig = key.sign_blob(blob).unwrap();
        assert_signs_digest(&created, &sha256(blob), &sig);
    }
    let digest = sha256(b"digest me");
    assert_signs_digest(&created, &digest, &key.sign_digest(&digest).unwrap());

    let versions = key.versions().unwrap();
    assert_eq!(versions.len(), 1);
    let v = &versions[0];
    assert_eq!(v.public_key, created);
    assert!(v.created_at.is_some());
    // The version is the key id, and that id names the same key.
    let by_id = KmsKey::open(&format!("awskms://{ep}/{}", v.version)).unwrap();
    assert_eq!(by_id.public_key().unwrap(), created);

    // The alias is taken now.
    let err = key.create(Algorithm::EcdsaP256).unwrap_err();
    assert_eq!(err.code(), ErrorCode::AlreadyExists, "{err}");
    assert!(err.to_string().contains(&uri), "{err}");
}

#[test]
fn concurrent_creates_of_one_alias_leave_one_key_and_no_silent_orphans() {
    let Some(ep) = endpoint() else { return };
    let uri = fresh_alias(&ep, "race");
    let barrier = std::sync::Barrier::new(4);
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    let key = KmsKey::open(&uri).unwrap();
                    barrier.wait();
                    key.create(Algorithm::EcdsaP256)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let winners: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    assert_eq!(
        &KmsKey::open(&uri).unwrap().public_key().unwrap(),
        winners[0]
    );
    for err in results.iter().filter_map(|r| r.as_ref().err()) {
        match err.code() {
            // Saw the alias before making a key.
            ErrorCode::AlreadyExists => {}
            // Lost the race after making a key: that key is scheduled for deletion, and said so.
            ErrorCode::Conflict => {
                assert!(err.to_string().contains("scheduled for deletion"), "{err}")
            }
            _ => panic!("unexpected: {err}"),
        }
    }
    let conflicts = results
        .iter()
        .filter(|r| r.as_ref().is_err_and(|e| e.code() == ErrorCode::Conflict))
        .count();
    eprintln!("race: 1 created, {conflicts} lost after CreateKey, the rest saw the alias");
}

#[test]
fn rsa_and_p384_keys_sign_like_cosign() {
    let Some(ep) = endpoint() else { return };
    for (alg, what) in [
        (Algorithm::Rsa2048, "rsa2048"),
        (Algorithm::EcdsaP384, "p384"),
    ] {
        let key = KmsKey::open(&fresh_alias(&ep, what)).unwrap();
        let pk = key.create(alg).unwrap();
        assert_eq!(pk.algorithm(), alg);
        assert_eq!(key.public_key().unwrap(), pk);
        let blob = b"release artifact";
        let sig = key.sign_blob(blob).unwrap();
        pk.verify(blob, &sig).unwrap();
        if alg.is_rsa() {
            assert_eq!(sig.as_bytes().len(), 256, "PKCS#1 v1.5 with a 2048-bit key");
        }
        let digest = alg.hash().unwrap().digest(blob);
        assert_signs_digest(&pk, &digest, &key.sign_digest(&digest).unwrap());
        // A SHA-256 digest is the wrong length for P-384's SHA-384.
        if alg == Algorithm::EcdsaP384 {
            let err = key.sign_digest(&sha256(blob)).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidArgument, "{err}");
            assert_eq!(HashAlg::Sha384.output_len(), digest.len());
        }
    }
}

#[test]
fn sign_digests_keeps_order_and_per_item_errors() {
    let Some(ep) = endpoint() else { return };
    let key = KmsKey::open(&fresh_alias(&ep, "bulk")).unwrap();
    let pk = key.create(Algorithm::EcdsaP256).unwrap();
    let mut digests: Vec<Vec<u8>> = (0u32..30)
        .map(|i| sha256(&i.to_be_bytes()).to_vec())
        .collect();
    digests[5] = vec![1u8; 31]; // wrong length
    let results = key.sign_digests(&digests);
    assert_eq!(results.len(), digests.len());
    for (i, (digest, result)) in digests.iter().zip(&results).enumerate() {
        if i == 5 {
            let err = result.as_ref().unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidArgument, "{err}");
            continue;
        }
        let sig = result.as_ref().unwrap();
        assert_signs_digest(&pk, digest, sig);
        // ... and not the neighbour's: the order is the input order.
        let other = &digests[if i == 0 { 1 } else { i - 1 }];
        if other.len() == 32 {
            assert!(pk.verify_digest(other, sig).is_err() && pk.verify(other, sig).is_err());
        }
    }
    assert!(key.sign_digests(&[]).is_empty());
}

#[test]
fn alias_rotation_moves_the_alias_and_keeps_the_old_key() {
    let Some(ep) = endpoint() else { return };
    let uri = fresh_alias(&ep, "rotate");
    let key = KmsKey::open(&uri).unwrap();
    let old_pk = key.create(Algorithm::EcdsaP256).unwrap();
    let old_id = key.versions().unwrap()[0].version.clone();

    let new_id = key.rotate().unwrap();
    assert_ne!(new_id, old_id);
    let new_pk = key.public_key().unwrap();
    assert_ne!(new_pk, old_pk);
    assert_eq!(new_pk.algorithm(), Algorithm::EcdsaP256);
    assert_eq!(key.versions().unwrap()[0].version, new_id);
    let sig = key.sign_blob(b"after rotation").unwrap();
    new_pk.verify(b"after rotation", &sig).unwrap();
    assert!(old_pk.verify(b"after rotation", &sig).is_err());

    // The old key is still there for verification.
    let old = KmsKey::open(&format!("awskms://{ep}/{old_id}")).unwrap();
    assert_eq!(old.public_key().unwrap(), old_pk);
    // A key id cannot be rotated in place.
    let err = old.rotate().unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotSupported, "{err}");
    assert!(err.to_string().contains("alias"), "{err}");
}

#[test]
fn missing_key_and_unsupported_requests_are_clear() {
    let Some(ep) = endpoint() else { return };
    let uri = fresh_alias(&ep, "missing");
    let key = KmsKey::open(&uri).unwrap();
    for err in [
        key.public_key().unwrap_err(),
        key.sign_blob(b"x").unwrap_err(),
        key.versions().unwrap_err(),
        key.rotate().unwrap_err(),
    ] {
        assert_eq!(err.code(), ErrorCode::NotFound, "{err}");
        assert!(err.to_string().contains(&uri), "{err}");
        assert_no_secret(&err);
    }
    let results = key.sign_digests(&[sha256(b"a").to_vec(), sha256(b"b").to_vec()]);
    assert_eq!(results.len(), 2);
    assert!(results
        .iter()
        .all(|r| r.as_ref().unwrap_err().code() == ErrorCode::NotFound));

    let err = key.create(Algorithm::Ed25519).unwrap_err();
    assert_eq!(err.code(), ErrorCode::UnsupportedAlgorithm, "{err}");
    assert!(err.to_string().contains("ed25519"), "{err}");
    // Nothing was created by the refused call.
    assert_eq!(key.public_key().unwrap_err().code(), ErrorCode::NotFound);

    let by_id = KmsKey::open(&format!(
        "awskms://{ep}/1234abcd-12ab-34cd-56ef-1234567890ab"
    ))
    .unwrap();
    let err = by_id.create(Algorithm::EcdsaP256).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidArgument, "{err}");
    assert!(err.to_string().contains("alias"), "{err}");
}

#[test]
fn unreachable_endpoint_is_unavailable() {
    if endpoint().is_none() {
        return;
    }
    // A loopback port that nothing listens on.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let uri = format!("awskms://127.0.0.1:{port}/alias/nowhere");
    let key = KmsKey::open(&uri).unwrap();
    let err = key.public_key().unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unavailable, "{err}");
    assert_no_secret(&err);
    let text = err.to_string();
    assert!(
        text.contains(&format!("https://127.0.0.1:{port}")),
        "{text}"
    );
    assert!(text.contains(&uri), "{text}");
    let results = key.sign_digests(&[sha256(b"a").to_vec()]);
    assert_eq!(
        results[0].as_ref().unwrap_err().code(),
        ErrorCode::Unavailable
    );
}

/// Runs `test` of this binary in a child process with its environment
/// changed (`None` removes a variable): the environment is process-wide and
/// the tests are threads.
fn in_child(test: &str, env: &[(&str, Option<&std::path::Path>)]) {
    // Test names are paths inside the test crate: this file is the
    // `with_feature` module of tests/awskms.rs.
    let (_, module) = module_path!().split_once("::").unwrap();
    let name = format!("{module}::{test}");
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([name.as_str(), "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1");
    for (var, value) in env {
        match value {
            Some(v) => cmd.env(var, v),
            None => cmd.env_remove(var),
        };
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child {test} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn tls_needs_the_ca_bundle() {
    let Some(ep) = endpoint() else { return };
    assert!(
        std::env::var_os("AWS_CA_BUNDLE").is_some(),
        "moto.sh env sets AWS_CA_BUNDLE (moto serves HTTPS with the test CA)"
    );
    // With the bundle (this process): it works.
    let uri = fresh_alias(&ep, "tls");
    KmsKey::open(&uri)
        .unwrap()
        .create(Algorithm::EcdsaP256)
        .unwrap();
    // Without it: the platform roots do not trust the test CA.
    in_child(
        "child_without_ca_bundle_refuses_the_certificate",
        &[("AWS_CA_BUNDLE", None)],
    );
}

#[test]
fn child_without_ca_bundle_refuses_the_certificate() {
    if std::env::var_os(CHILD).is_none() {
        return; // only meaningful in the child of tls_needs_the_ca_bundle
    }
    let ep = endpoint().expect("the parent checked it");
    assert!(std::env::var_os("AWS_CA_BUNDLE").is_none());
    let key = KmsKey::open(&format!("awskms://{ep}/alias/any")).unwrap();
    let err = key.public_key().unwrap_err();
    assert_eq!(err.code(), ErrorCode::Backend, "{err}");
    let text = err.to_string();
    assert!(text.contains("certificate"), "{text}");
    assert!(text.contains("AWS_CA_BUNDLE"), "{text}");
}

#[test]
fn bad_ca_bundle_is_refused_up_front() {
    let Some(_ep) = endpoint() else { return };
    let dir = std::env::temp_dir().join(format!("ck-awskms-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bundle.pem");
    std::fs::write(
        &bad,
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    in_child("child_with_bad_ca_bundle", &[("AWS_CA_BUNDLE", Some(&bad))]);
    let missing = dir.join("missing.pem");
    in_child(
        "child_with_bad_ca_bundle",
        &[("AWS_CA_BUNDLE", Some(&missing))],
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn child_with_bad_ca_bundle() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let bundle = std::env::var("AWS_CA_BUNDLE").unwrap();
    let err = KmsKey::open("awskms://127.0.0.1:1/alias/x").err().unwrap();
    let text = err.to_string();
    assert!(text.contains(&bundle), "{text}");
    if std::path::Path::new(&bundle).exists() {
        assert_eq!(err.code(), ErrorCode::InvalidArgument, "{err}");
        assert!(text.contains("no usable PEM CERTIFICATE"), "{text}");
    } else {
        assert_eq!(err.code(), ErrorCode::Io, "{err}");
    }
}

#[test]
fn no_credentials_is_permission_denied() {
    let Some(_ep) = endpoint() else { return };
    in_child(
        "child_without_credentials",
        &[
            ("AWS_ACCESS_KEY_ID", None),
            ("AWS_SECRET_ACCESS_KEY", None),
            ("AWS_SESSION_TOKEN", None),
            ("AWS_PROFILE", None),
        ],
    );
}

#[test]
fn child_without_credentials() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    // moto.sh env disables instance metadata and the shared files, so the
    // standard chain has nothing to find.
    assert_eq!(std::env::var("AWS_EC2_METADATA_DISABLED").unwrap(), "true");
    let ep = endpoint().unwrap();
    let err = KmsKey::open(&format!("awskms://{ep}/alias/any"))
        .unwrap()
        .public_key()
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::PermissionDenied, "{err}");
    assert!(err.to_string().contains("credentials"), "{err}");
}
