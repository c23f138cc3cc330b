//! Writes the library-generated part of the seed corpora (see gen-seeds.sh):
//! keys of every algorithm as PKCS#8 PEM/DER, public keys as PEM/DER, and
//! Cosign envelopes under password `x` with toy scrypt parameters, so the
//! fuzzers reach the decryption and PKCS#8 code behind the KDF limits.
//!
//! Usage: cargo run --example gen_seeds -- <seeds dir>

use std::fs;
use std::path::Path;

use cosign_keys::{Algorithm, Password, PrivateKey, ScryptParams};

fn write(dir: &Path, target: &str, name: &str, bytes: &[u8]) {
    let d = dir.join(target);
    fs::create_dir_all(&d).expect("create seed dir");
    fs::write(d.join(name), bytes).expect("write seed");
}

fn main() {
    let dir = std::env::args().nth(1).expect("usage: gen_seeds <seeds dir>");
    let dir = Path::new(&dir);
    let password = Password::from("x");
    // N = 2, r = 1, p = 1: inside the envelope target's tiny limits.
    let toy = ScryptParams::new(1, 1, 1).expect("toy params");
    for alg in [Algorithm::EcdsaP256, Algorithm::Ed25519, Algorithm::Rsa2048] {
        let key = PrivateKey::generate(alg).expect("generate");
        let name = alg.as_str();

        let pkcs8_pem = key.to_pkcs8_pem().expect("pkcs8 pem");
        write(dir, "import", &format!("{name}.pkcs8.pem"), pkcs8_pem.expose_secret());
        write(dir, "import", &format!("{name}.pkcs8.der"), key.to_pkcs8_der().expose_secret());

        let public = key.public_key();
        write(dir, "public_key", &format!("{name}.pub.pem"), public.to_pem().as_bytes());
        write(dir, "public_key", &format!("{name}.pub.der"), public.as_spki_der());

        let locked = key.encrypt_with(&password, toy).expect("encrypt");
        let pem = locked.to_pem();
        write(dir, "envelope", &format!("{name}.toy.key"), pem.as_bytes());
        write(dir, "import", &format!("{name}.toy.key"), pem.as_bytes());
        write(dir, "envelope_json", &format!("{name}.toy.json"), &locked.to_json());
        let legacy = pem.replace("SIGSTORE", "COSIGN");
        write(dir, "envelope", &format!("{name}.toy.legacy.key"), legacy.as_bytes());

        let sig = key.sign(b"blob").expect("sign");
        write(dir, "text", &format!("{name}.sig"), sig.to_base64().as_bytes());
        write(dir, "text", &format!("{name}.fp"), key.fingerprint().to_string().as_bytes());
        write(dir, "text", &format!("{name}.fp.hex"), key.fingerprint().to_hex().as_bytes());
        write(dir, "text", &format!("{name}.alg"), name.as_bytes());
    }
}
