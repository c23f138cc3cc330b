//! A KMS key from the command line, through the blocking facade (used by
//! `tests/interop/kms-awskms.sh` to hand our public key and signatures to
//! the real cosign).
//!
//! ```text
//! cargo run -p cosign-keys --features aws --example kms -- URI create [ALGORITHM]
//! cargo run -p cosign-keys --features aws --example kms -- URI public-key
//! cargo run -p cosign-keys --features aws --example kms -- URI sign-blob FILE
//! cargo run -p cosign-keys --features aws --example kms -- URI sign-digests N
//! ```
//!
//! `public-key` prints the PKIX PEM then `fingerprint <hex>` on stderr;
//! `sign-blob` prints the base64 signature, as `cosign sign-blob` does;
//! `sign-digests N` signs N distinct SHA-256 digests in one bulk call and
//! prints how long that took (a quick loop, not a benchmark).

use std::process::ExitCode;
use std::time::Instant;

use cosign_keys::kms::blocking::KmsKey;
use cosign_keys::{sha256, Algorithm};

fn run(args: &[String]) -> Result<(), String> {
    let [uri, command, rest @ ..] = args else {
        return Err(
            "usage: kms URI create [ALG] | public-key | sign-blob FILE | sign-digests N".into(),
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
