//! Criterion benchmarks of the cosign-keys public API.
//!
//! Groups: `unlock` (scrypt N=32768 r=8 p=1, and the crate's
//! `ScryptParams::cosign_default()`, N=65536 as cosign v2.6.5 writes), `encrypt`,
//! `fingerprint`, `sign`, `sign_digest`, `verify`, `keygen`, `file`
//! (write a key pair atomically, read it back, unlock it).
//!
//! Sample sizes are chosen so that `cargo bench -p cosign-keys-benches` runs in
//! about a minute on a 2-core machine (plus the build). Filter as usual, e.g.
//! `cargo bench -p cosign-keys-benches -- sign/`.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use cosign_keys::fs::{write_atomic, Overwrite, PRIVATE_FILE_MODE, PUBLIC_FILE_MODE};
use cosign_keys::{
    sha256, Algorithm, EncryptedPrivateKey, Password, PrivateKey, PublicKey, ScryptParams,
};
use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, SamplingMode};

/// Same message as `ck-bench` and the Python comparisons: 256 bytes.
fn message() -> Vec<u8> {
    (0..256u32)
        .map(|i| u8::try_from(i % 251).expect("below 256"))
        .collect()
}

fn key(alg: Algorithm) -> PrivateKey {
    PrivateKey::generate(alg).expect("key generation")
}

/// A group for operations of 50 ms or more: flat sampling, 10 samples.
fn slow_group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    g
}

/// A group for fast operations (microseconds to a few milliseconds).
fn fast_group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.sample_size(50)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    g
}

/// N = 32768 (r = 8, p = 1): what older cosign releases wrote (go-securesystemslib's
/// `Legacy` level), and the usual reference point.
fn legacy_params() -> ScryptParams {
    ScryptParams::new(15, 8, 1).expect("valid scrypt parameters")
}

fn unlock_and_encrypt(c: &mut Criterion) {
    let password = Password::from("benchmark password");
    let key = key(Algorithm::EcdsaP256);
    // The crate's cosign_default() is what `cosign generate-key-pair` writes
    // today (N = 65536 with cosign v2.6.5).
    let costs = [
        (format!("n={}", legacy_params().n()), legacy_params()),
        (
            format!("cosign-default-n={}", ScryptParams::cosign_default().n()),
            ScryptParams::cosign_default(),
        ),
    ];

    let mut g = slow_group(c, "unlock");
    for (name, params) in &costs {
        let pem = key
            .encrypt_with(&password, *params)
            .expect("encrypt")
            .to_pem();
        // What `cosign sign --key cosign.key` pays: parse the file, derive, open, load.
        g.bench_function(format!("{name}/ecdsa-p256"), |b| {
            b.iter(|| {
                let locked =
                    EncryptedPrivateKey::from_pem(black_box(pem.as_bytes())).expect("parse");
                locked.decrypt(&password).expect("decrypt")
            });
        });
    }
    g.finish();

    let mut g = slow_group(c, "encrypt");
    for (name, params) in &costs {
        g.bench_function(format!("{name}/ecdsa-p256"), |b| {
            b.iter(|| {
                key.encrypt_with(black_box(&password), *params)
                    .expect("encrypt")
            });
        });
    }
    g.finish();
}

fn fingerprint(c: &mut Criterion) {
    let mut g = fast_group(c, "fingerprint");
    for alg in [Algorithm::EcdsaP256, Algorithm::Ed25519, Algorithm::Rsa2048] {
        let pem = key(alg).public_key().to_pem();
        g.bench_function(format!("from-pem/{alg}"), |b| {
            b.iter(|| {
                PublicKey::from_pem(black_box(pem.as_bytes()))
                    .expect("public key")
                    .fingerprint()
            });
        });
    }
    g.finish();
}

fn sign_verify(c: &mut Criterion) {
    let msg = message();
    let digest = sha256(&msg);
    let keys: Vec<PrivateKey> = Algorithm::ALL.iter().map(|&a| key(a)).collect();

    let mut g = fast_group(c, "sign");
    for k in &keys {
        g.bench_function(k.algorithm().as_str(), |b| {
            b.iter(|| k.sign(black_box(&msg)).expect("sign"));
        });
    }
    g.finish();

    let mut g = fast_group(c, "sign_digest");
    // SHA-256 digests, so only algorithms that sign SHA-256 digests.
    let sha256_algs = [Algorithm::EcdsaP256, Algorithm::Rsa2048];
    for k in keys.iter().filter(|k| sha256_algs.contains(&k.algorithm())) {
        g.bench_function(k.algorithm().as_str(), |b| {
            b.iter(|| k.sign_digest(black_box(&digest)).expect("sign"));
        });
    }
    g.finish();

    let mut g = fast_group(c, "verify");
    for k in &keys {
        let sig = k.sign(&msg).expect("sign");
        let public = k.public_key();
        g.bench_function(k.algorithm().as_str(), |b| {
            b.iter(|| {
                public
                    .verify(black_box(&msg), black_box(&sig))
                    .expect("verify")
            });
        });
    }
    g.finish();
}

fn keygen(c: &mut Criterion) {
    let mut g = fast_group(c, "keygen");
    for alg in [Algorithm::EcdsaP256, Algorithm::Ed25519] {
        g.bench_function(alg.as_str(), |b| b.iter(|| key(black_box(alg))));
    }
    g.finish();

    // RSA key generation takes tens to hundreds of milliseconds and varies a
    // lot from key to key (prime search), so few flat samples.
    let mut g = slow_group(c, "keygen");
    g.measurement_time(Duration::from_secs(4));
    g.bench_function(Algorithm::Rsa2048.as_str(), |b| {
        b.iter(|| key(black_box(Algorithm::Rsa2048)));
    });
    g.finish();
}

/// Removes the benchmark's temporary directory when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn file_round_trip(c: &mut Criterion) {
    let dir = TempDir(std::env::temp_dir().join(format!("ck-bench-{}", std::process::id())));
    std::fs::create_dir_all(&dir.0).expect("temp dir");
    let key_path = dir.0.join("cosign.key");
    let pub_path = dir.0.join("cosign.pub");

    let password = Password::from("benchmark password");
    let key = key(Algorithm::EcdsaP256);
    let key_pem = key.encrypt(&password).expect("encrypt").to_pem(); // cosign_default()
    let pub_pem = key.public_key().to_pem();

    let mut g = slow_group(c, "file");
    // Write both files atomically (fsync'd), read them back, unlock the key
    // and check it matches the public key. Sealing is not included (see
    // `encrypt`), the unlock is (see `unlock`).
    g.bench_function("write-read-unlock/ecdsa-p256", |b| {
        b.iter(|| {
            write_atomic(
                &key_path,
                key_pem.as_bytes(),
                PRIVATE_FILE_MODE,
                Overwrite::Yes,
            )
            .expect("write key");
            write_atomic(
                &pub_path,
                pub_pem.as_bytes(),
                PUBLIC_FILE_MODE,
                Overwrite::Yes,
            )
            .expect("write pub");
            let key_text = std::fs::read(&key_path).expect("read key");
            let pub_text = std::fs::read(&pub_path).expect("read pub");
            let unlocked = EncryptedPrivateKey::from_pem(&key_text)
                .expect("parse")
                .decrypt(&password)
                .expect("decrypt");
            let public = PublicKey::from_pem(&pub_text).expect("public key");
            assert_eq!(unlocked.fingerprint(), public.fingerprint());
        });
    });
    g.finish();
}

criterion_group!(
    benches,
    unlock_and_encrypt,
    fingerprint,
    sign_verify,
    keygen,
    file_round_trip
);
criterion_main!(benches);
