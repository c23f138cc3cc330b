//! A KMS key from the command line, through the blocking facade (used by
//! `tests/interop/kms-awskms.sh` and `tests/interop/kms-hashivault.sh` to
//! hand our public keys and signatures to the real cosign, and to check
//! cosign's). Generic over the backends: build it with the features of the
//! ones you need (`--features aws`, `--features vault`, `--features azure`).
//!
//! ```text
//! cargo run -p cosign-keys --features vault --example kms -- URI create [ALGORITHM]
//! cargo run -p cosign-keys --features vault --example kms -- URI public-key
//! cargo run -p cosign-keys --features vault --example kms -- URI sign-blob FILE
//! cargo run -p cosign-keys --features vault --example kms -- URI verify-blob FILE SIGFILE
//! cargo run -p cosign-keys --features vault --example kms -- URI sign-digests N
//! cargo run -p cosign-keys --features vault --example kms -- URI sign-one-by-one N
//! cargo run -p cosign-keys --features vault --example kms -- URI rotate
//! cargo run -p cosign-keys --features vault --example kms -- URI versions
//! ```
//!
//! `public-key` prints the PKIX PEM then `fingerprint <hex>` on stderr;
//! `sign-blob` prints the base64 signature, as `cosign sign-blob` does;
//! `verify-blob` checks a base64 signature (cosign's output) over FILE with
//! the key's current public key and our verifier, printing `Verified OK` on
//! stderr as cosign does; `sign-digests N` signs N distinct SHA-256 digests
//! in one bulk call and prints how long that took (a quick loop, not a
//! benchmark); `sign-one-by-one N` signs them with one awaited request
//! each, for comparison; `rotate` prints the new version; `versions` prints
//! `version fingerprint` lines.

use std::process::ExitCode;
use std::time::Instant;

use cosign_keys::kms::blocking::KmsKey;
use cosign_keys::{sha256, Algorithm, Signature};

fn run(args: &[String]) -> Result<(), String> {
    let [uri, command, rest @ ..] = args else {
        return Err(
            "usage: kms URI create [ALG] | public-key | sign-blob FILE | verify-blob FILE SIGFILE \
             | sign-digests N | sign-one-by-one N | rotate | versions"
                .into(),
        );
    };
    let key = KmsKey::open(uri).map_err(|e| e.to_string())?;
    match (command.as_str(), rest) {
        ("create", alg) => {
            let alg: Algorithm = match alg.first() {
                Some(a) => a.parse().map_err(|e: cosign_keys::Error| e.to_string())?,
                None => Algorithm::default(),
            };
            let pk = key.create(alg).map_err(|e| e.to_string())?;
            print!("{}", pk.to_pem());
            eprintln!("fingerprint {}", pk.fingerprint());
        }
        ("public-key", []) => {
            let pk = key.public_key().map_err(|e| e.to_string())?;
            print!("{}", pk.to_pem());
            eprintln!("fingerprint {}", pk.fingerprint());
        }
        ("sign-blob", [file]) => {
            let blob = std::fs::read(file).map_err(|e| format!("{file}: {e}"))?;
            let sig = key.sign_blob(&blob).map_err(|e| e.to_string())?;
            println!("{}", sig.to_base64());
        }
        ("sign-digests", [n]) => {
            let n: u32 = n.parse().map_err(|e| format!("N: {e}"))?;
            let digests: Vec<Vec<u8>> = (0..n).map(|i| sha256(&i.to_be_bytes()).to_vec()).collect();
            let start = Instant::now();
            let results = key.sign_digests(&digests);
            let secs = start.elapsed().as_secs_f64();
            let failed = results.iter().filter(|r| r.is_err()).count();
            if let Some(Err(e)) = results.iter().find(|r| r.is_err()) {
                eprintln!("first failure: {e}");
            }
            println!(
                "{n} digests in {secs:.2}s: {:.0} signatures/s, {failed} failed",
                f64::from(n) / secs
            );
        }
        ("sign-one-by-one", [n]) => {
            let n: u32 = n.parse().map_err(|e| format!("N: {e}"))?;
            let start = Instant::now();
            let mut failed = 0u32;
            for i in 0..n {
                if key.sign_digest(&sha256(&i.to_be_bytes())).is_err() {
                    failed += 1;
                }
            }
            let secs = start.elapsed().as_secs_f64();
            println!(
                "{n} digests in {secs:.2}s: {:.0} signatures/s, {failed} failed",
                f64::from(n) / secs
            );
        }
        ("verify-blob", [file, sig_file]) => {
            let blob = std::fs::read(file).map_err(|e| format!("{file}: {e}"))?;
            let text = std::fs::read_to_string(sig_file).map_err(|e| format!("{sig_file}: {e}"))?;
            let sig = Signature::from_base64(&text).map_err(|e| e.to_string())?;
            let pk = key.public_key().map_err(|e| e.to_string())?;
            pk.verify(&blob, &sig).map_err(|e| e.to_string())?;
            eprintln!("Verified OK");
        }
        ("rotate", []) => println!("{}", key.rotate().map_err(|e| e.to_string())?),
        ("versions", []) => {
            for v in key.versions().map_err(|e| e.to_string())? {
                println!("{} {}", v.version, v.public_key.fingerprint());
            }
        }
        _ => return Err(format!("unknown command `{command}` or wrong arguments")),
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kms: {e}");
            ExitCode::FAILURE
        }
    }
}
