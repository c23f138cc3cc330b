//! The native side of `bench/bench.py`: runs the same loops as the Python
//! bench, straight on the core crate, so the two can be compared in one run.
//!
//! It reads one command per line on standard input and answers each with the
//! loop's total time in nanoseconds on standard output (or `error: …`):
//!
//! ```text
//! fingerprint <public-key.pem> <iterations>
//! sign <pkcs8.pem> <blob-file> <iterations>
//! unlock <cosign.key> <password-hex> <iterations>
//! ```
//!
//! Build with `cargo build --release -p cosign-keys-py --example native_bench`.

use std::error::Error;
use std::hint::black_box;
use std::io::{BufRead, Write};
use std::time::Instant;

use cosign_keys::{EncryptedPrivateKey, Password, PrivateKey, PublicKey};

type BoxResult<T> = Result<T, Box<dyn Error>>;

fn main() -> BoxResult<()> {
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let line = line?;
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.is_empty() {
            continue;
        }
        if words[0] == "quit" {
            break;
        }
        match run(&words) {
            Ok(nanos) => writeln!(stdout, "{nanos}")?,
            Err(e) => writeln!(stdout, "error: {e}")?,
        }
        stdout.flush()?;
    }
    Ok(())
}

fn run(words: &[&str]) -> BoxResult<u128> {
    match words {
        ["fingerprint", pem, iterations] => {
            let key = PublicKey::from_pem(&std::fs::read(pem)?)?;
            let n: u32 = iterations.parse()?;
            let start = Instant::now();
            for _ in 0..n {
                black_box(black_box(&key).fingerprint());
            }
            Ok(start.elapsed().as_nanos())
        }
        ["sign", pem, blob, iterations] => {
            let key = PrivateKey::import(&std::fs::read(pem)?, None)?;
            let blob = std::fs::read(blob)?;
            let n: u32 = iterations.parse()?;
            let start = Instant::now();
            for _ in 0..n {
                black_box(key.sign(black_box(&blob))?);
            }
            Ok(start.elapsed().as_nanos())
        }
        ["unlock", pem, password_hex, iterations] => {
            let pem = std::fs::read(pem)?;
            let password = decode_hex(password_hex)?;
            let n: u32 = iterations.parse()?;
            let start = Instant::now();
            for _ in 0..n {
                // The same work as PrivateKey.from_cosign_pem: parse, then unlock.
                let password = Password::from_slice(&password);
                let locked = EncryptedPrivateKey::from_pem(black_box(&pem))?;
                black_box(locked.decrypt(&password)?);
            }
            Ok(start.elapsed().as_nanos())
        }
        _ => Err(format!("unknown command: {}", words.join(" ")).into()),
    }
}

fn decode_hex(text: &str) -> BoxResult<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return Err("odd-length hex".into());
    }
    (0..text.len())
        .step_by(2)
        .map(|i| Ok(u8::from_str_radix(&text[i..i + 2], 16)?))
        .collect()
}
