//! A small command-line tool over [`cosign_keys::kms`], for scripts that
//! check KMS keys against the real cosign (`tests/interop/kms-hashivault.sh`)
//! until the CLI grows `--kms`. Credentials come from the environment
//! (`VAULT_ADDR`, `VAULT_TOKEN`, …).
//!
//! ```text
//! cargo run -p cosign-keys --features vault --example kms -- create hashivault://release ecdsa-p256 > release.pub
//! cargo run -p cosign-keys --features vault --example kms -- sign-blob hashivault://release artifact.tar > artifact.sig
//! cargo run -p cosign-keys --features vault --example kms -- verify-blob release.pub artifact.tar artifact.sig
//! ```

use std::process::ExitCode;

use cosign_keys::kms::blocking::KmsKey;
use cosign_keys::{Algorithm, PublicKey, Signature};

const USAGE: &str = "\
usage:
  kms create URI ALG              create the key in the KMS; print its public key PEM
  kms public-key URI              print the public key PEM of the current version
  kms sign-blob URI FILE          sign FILE (hashed locally); print the base64 signature
  kms verify-blob PUB FILE SIG    verify a base64 signature (file SIG) over FILE with a PEM public key
  kms rotate URI                  rotate; print the new version
  kms versions URI                print `version fingerprint` lines";

fn run(args: &[String]) -> Result<(), String> {
    let s: Vec<&str> = args.iter().map(String::as_str).collect();
    let read = |path: &str| std::fs::read(path).map_err(|e| format!("{path}: {e}"));
    match s.as_slice() {
        ["create", uri, alg] => {
            let alg: Algorithm = alg.parse().map_err(|e| format!("{e}"))?;
            let key = KmsKey::open(uri).map_err(|e| e.to_string())?;
            print!("{}", key.create(alg).map_err(|e| e.to_string())?.to_pem());
        }
        ["public-key", uri] => {
            let key = KmsKey::open(uri).map_err(|e| e.to_string())?;
            print!("{}", key.public_key().map_err(|e| e.to_string())?.to_pem());
        }
        ["sign-blob", uri, file] => {
            let key = KmsKey::open(uri).map_err(|e| e.to_string())?;
            let sig = key.sign_blob(&read(file)?).map_err(|e| e.to_string())?;
            println!("{}", sig.to_base64());
        }
        ["verify-blob", public, file, sig] => {
            let public = PublicKey::from_pem(&read(public)?).map_err(|e| e.to_string())?;
            let text = String::from_utf8(read(sig)?).map_err(|_| format!("{sig}: not text"))?;
            let sig = Signature::from_base64(&text).map_err(|e| e.to_string())?;
            public
                .verify(&read(file)?, &sig)
                .map_err(|e| e.to_string())?;
            eprintln!("Verified OK");
        }
        ["rotate", uri] => {
            let key = KmsKey::open(uri).map_err(|e| e.to_string())?;
            println!("{}", key.rotate().map_err(|e| e.to_string())?);
        }
        ["versions", uri] => {
            let key = KmsKey::open(uri).map_err(|e| e.to_string())?;
            for v in key.versions().map_err(|e| e.to_string())? {
                println!("{} {}", v.version, v.public_key.fingerprint());
            }
        }
        _ => return Err(USAGE.into()),
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("kms: {msg}");
            ExitCode::FAILURE
        }
    }
}
