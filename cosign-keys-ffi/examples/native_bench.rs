//! Native Rust baseline for the binding overhead bench (`bindings/bench.sh`):
//! the same two loops as `bindings/c/bench/bench_ck.c` and
//! `bindings/go/bench_test.go`, calling the core directly.
//!
//! Usage: `cargo run --release -p cosign-keys-ffi --example native_bench -- FP_ITERS SIGN_ITERS`
//! Prints `fingerprint <ns/op>` and `sign_p256 <ns/op>`.

use std::hint::black_box;
use std::time::Instant;

use ckcore::{Algorithm, PrivateKey, PublicKey};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let fp_iters: u32 = args.next().as_deref().unwrap_or("1000000").parse()?;
    let sign_iters: u32 = args.next().as_deref().unwrap_or("20000").parse()?;

    let key = PrivateKey::generate(Algorithm::EcdsaP256)?;
    // A separate public key value, as the C and Go loops use one.
    let public = PublicKey::from_spki_der(key.public_key().as_spki_der())?;
    let message = b"an artifact to sign";

    let start = Instant::now();
    for _ in 0..fp_iters {
        black_box(black_box(&public).fingerprint());
    }
    let fp_ns = start.elapsed().as_nanos() / u128::from(fp_iters.max(1));

    let start = Instant::now();
    for _ in 0..sign_iters {
        black_box(black_box(&key).sign(black_box(message))?);
    }
    let sign_ns = start.elapsed().as_nanos() / u128::from(sign_iters.max(1));

    println!("fingerprint {fp_ns}");
    println!("sign_p256 {sign_ns}");
    Ok(())
}
