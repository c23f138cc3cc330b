//! `ck-bench`: a small timing driver for the comparison scripts in
//! `benches/compare/`.
//!
//! Every timing command runs its own loop in-process (process start-up is
//! never timed) and prints one JSON object per sample on stdout, after the
//! loop has finished, so printing never disturbs a measurement:
//!
//! ```text
//! {"op":"sign","alg":"ecdsa-p256","batch":50,"i":0,"us":21.437}
//! ```
//!
//! `us` is microseconds per operation: with `BATCH` > 1 a sample times
//! `BATCH` back-to-back operations and divides by `BATCH` (for operations of
//! a few microseconds, where one clock read per operation would be noise).
//! Key material is made before the loop and is not timed, except by
//! `keygen`. Run `ck-bench help` for the commands.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use cosign_keys::fs::{write_atomic, Overwrite, PRIVATE_FILE_MODE, PUBLIC_FILE_MODE};
use cosign_keys::{Algorithm, EncryptedPrivateKey, Password, PrivateKey, ScryptParams};

/// The message signed and verified by `sign` and `verify`; the Python
/// comparison signs exactly the same bytes.
const MESSAGE_LEN: usize = 256;

const USAGE: &str = "\
usage:
  ck-bench unlock KEYFILE PASSWORD ITERS      from_pem + decrypt of a Cosign key file, per iteration
  ck-bench unlock-once KEYFILE PASSWORD       one unlock, for peak-RSS measurement (/usr/bin/time -v)
  ck-bench parse-once KEYFILE                 from_pem only (no scrypt): the peak-RSS baseline
  ck-bench scrypt ITERS [LOG_N]               decrypt of an already parsed key at N=2^LOG_N r=8 p=1
  ck-bench encrypt ITERS [LOG_N]              encrypt an ECDSA P-256 key at N=2^LOG_N r=8 p=1
  ck-bench sign ALG ITERS [BATCH]             sign a 256-byte message
  ck-bench verify ALG ITERS [BATCH]           verify a signature over a 256-byte message
  ck-bench keygen ALG ITERS [BATCH]           generate a key pair
  ck-bench write-key ALG DIR PASSWORD [LOG_N] write DIR/cosign.key and DIR/cosign.pub

ALG: ecdsa-p256, ed25519, rsa-2048, rsa-3072, rsa-4096.
LOG_N: scrypt cost log2(N), r=8 p=1; default: the crate's ScryptParams::cosign_default().
Output: one JSON object per sample, e.g. {\"op\":\"sign\",\"alg\":\"ed25519\",\"batch\":1,\"i\":0,\"us\":12.5}";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    match run(&refs) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("ck-bench: {msg}");
            ExitCode::FAILURE
        }
    }
}

type Res<T = ()> = Result<T, String>;

fn run(args: &[&str]) -> Res {
    match args {
        ["unlock", keyfile, password, iters] => {
            let pem = read(keyfile)?;
            let password = Password::from(*password);
            let times = time_loop(count(iters)?, 1, || {
                let locked = EncryptedPrivateKey::from_pem(&pem).map_err(err)?;
                locked.decrypt(&password).map(drop).map_err(err)
            })?;
            emit("unlock", None, 1, &times);
        }
        ["unlock-once", keyfile, password] => {
            let pem = read(keyfile)?;
            let start = Instant::now();
            let key = EncryptedPrivateKey::from_pem(&pem)
                .and_then(|locked| locked.decrypt(&Password::from(*password)))
                .map_err(err)?;
            let us = micros(start, 1);
            println!(
                r#"{{"op":"unlock-once","alg":"{}","us":{us:.3}}}"#,
                key.algorithm()
            );
        }
        ["parse-once", keyfile] => {
            let pem = read(keyfile)?;
            let start = Instant::now();
            let locked = EncryptedPrivateKey::from_pem(&pem).map_err(err)?;
            let us = micros(start, 1);
            println!(
                r#"{{"op":"parse-once","N":{},"us":{us:.3}}}"#,
                locked.scrypt_params().n()
            );
        }
        ["scrypt", iters, rest @ ..] => {
            let params = scrypt_params(rest)?;
            let password = Password::from("ck-bench password");
            let locked = PrivateKey::generate(Algorithm::EcdsaP256)
                .and_then(|k| k.encrypt_with(&password, params))
                .map_err(err)?;
            let times = time_loop(count(iters)?, 1, || {
                locked.decrypt(&password).map(drop).map_err(err)
            })?;
            emit("scrypt", None, 1, &times);
        }
        ["encrypt", iters, rest @ ..] => {
            let params = scrypt_params(rest)?;
            let password = Password::from("ck-bench password");
            let key = PrivateKey::generate(Algorithm::EcdsaP256).map_err(err)?;
            let times = time_loop(count(iters)?, 1, || {
                key.encrypt_with(&password, params).map(drop).map_err(err)
            })?;
            emit("encrypt", None, 1, &times);
        }
        ["sign", alg, iters, rest @ ..] => {
            let alg = algorithm(alg)?;
            let batch = batch(rest)?;
            let key = PrivateKey::generate(alg).map_err(err)?;
            let msg = message();
            let times = time_loop(count(iters)?, batch, || {
                key.sign(&msg).map(drop).map_err(err)
            })?;
            emit("sign", Some(alg), batch, &times);
        }
        ["verify", alg, iters, rest @ ..] => {
            let alg = algorithm(alg)?;
            let batch = batch(rest)?;
            let key = PrivateKey::generate(alg).map_err(err)?;
            let msg = message();
            let sig = key.sign(&msg).map_err(err)?;
            let public = key.public_key();
            let times = time_loop(count(iters)?, batch, || {
                public.verify(&msg, &sig).map_err(err)
            })?;
            emit("verify", Some(alg), batch, &times);
        }
        ["keygen", alg, iters, rest @ ..] => {
            let alg = algorithm(alg)?;
            let batch = batch(rest)?;
            let times = time_loop(count(iters)?, batch, || {
                PrivateKey::generate(alg).map(drop).map_err(err)
            })?;
            emit("keygen", Some(alg), batch, &times);
        }
        ["write-key", alg, dir, password, rest @ ..] => {
            let alg = algorithm(alg)?;
            let params = scrypt_params(rest)?;
            let dir = PathBuf::from(dir);
            std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            let key = PrivateKey::generate(alg).map_err(err)?;
            let locked = key
                .encrypt_with(&Password::from(*password), params)
                .map_err(err)?;
            let key_path = dir.join("cosign.key");
            let pub_path = dir.join("cosign.pub");
            write_atomic(
                &key_path,
                locked.to_pem().as_bytes(),
                PRIVATE_FILE_MODE,
                Overwrite::Yes,
            )
            .map_err(err)?;
            write_atomic(
                &pub_path,
                key.public_key().to_pem().as_bytes(),
                PUBLIC_FILE_MODE,
                Overwrite::Yes,
            )
            .map_err(err)?;
            println!(
                r#"{{"op":"write-key","alg":"{alg}","key":"{}","pub":"{}","fingerprint":"{}"}}"#,
                key_path.display(),
                pub_path.display(),
                key.fingerprint()
            );
        }
        ["help" | "--help" | "-h"] => println!("{USAGE}"),
        _ => return Err(format!("bad arguments\n{USAGE}")),
    }
    Ok(())
}

/// Runs `op` `iters × batch` times, timing each batch of `batch` calls, and
/// returns microseconds per operation for every batch.
fn time_loop(iters: usize, batch: usize, mut op: impl FnMut() -> Res) -> Res<Vec<f64>> {
    let mut times = Vec::with_capacity(iters);
    for _ in 0..iters {
        let start = Instant::now();
        for _ in 0..batch {
            op()?;
        }
        times.push(micros(start, batch));
    }
    Ok(times)
}

fn micros(start: Instant, batch: usize) -> f64 {
    // Precision loss is irrelevant for a batch count.
    #[allow(clippy::cast_precision_loss)]
    let per = start.elapsed().as_secs_f64() * 1e6 / batch as f64;
    per
}

fn emit(op: &str, alg: Option<Algorithm>, batch: usize, times: &[f64]) {
    let alg = alg.map(|a| format!(r#","alg":"{a}""#)).unwrap_or_default();
    let mut out = String::with_capacity(times.len() * 64);
    for (i, us) in times.iter().enumerate() {
        out.push_str(&format!(
            r#"{{"op":"{op}"{alg},"batch":{batch},"i":{i},"us":{us:.3}}}"#
        ));
        out.push('\n');
    }
    print!("{out}");
}

fn message() -> Vec<u8> {
    (0..MESSAGE_LEN)
        .map(|i| u8::try_from(i % 251).unwrap_or(0))
        .collect()
}

fn algorithm(name: &str) -> Res<Algorithm> {
    name.parse().map_err(err)
}

fn count(text: &str) -> Res<usize> {
    match text.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("expected a positive count, got `{text}`")),
    }
}

fn batch(rest: &[&str]) -> Res<usize> {
    match rest {
        [] => Ok(1),
        [b] => count(b),
        _ => Err(format!("too many arguments\n{USAGE}")),
    }
}

fn scrypt_params(rest: &[&str]) -> Res<ScryptParams> {
    match rest {
        [] => Ok(ScryptParams::cosign_default()),
        [log_n] => {
            let log_n: u8 = log_n
                .parse()
                .map_err(|_| format!("expected LOG_N (e.g. 15), got `{log_n}`"))?;
            ScryptParams::new(log_n, 8, 1).map_err(err)
        }
        _ => Err(format!("too many arguments\n{USAGE}")),
    }
}

fn read(path: &str) -> Res<Vec<u8>> {
    std::fs::read(Path::new(path)).map_err(|e| format!("{path}: {e}"))
}

fn err(e: cosign_keys::Error) -> String {
    e.to_string()
}
