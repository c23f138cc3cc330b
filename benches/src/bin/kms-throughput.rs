//! `kms-throughput`: signatures per second through KMS keys, side by side,
//! from one run (issue #4, "Speed").
//!
//! ```text
//! kms-throughput [--rounds R] [--count N] [--single-count M] TARGET...
//! ```
//!
//! A TARGET is `local` (an in-process ECDSA P-256 key, `PrivateKey::sign_digest`)
//! or any KMS URI `cosign_keys::kms::blocking::KmsKey` opens (`hashivault://…`,
//! `awskms://…`). For each KMS URI the key is created (ECDSA P-256) if it does
//! not exist, and two modes are timed over fresh SHA-256 digests:
//!
//! * `batched`: one `sign_digests` call with N digests (transit: `batch_input`
//!   requests; other backends: their bulk path);
//! * `single`: M `sign_digest` calls, one request per digest.
//!
//! A URI whose backend this build lacks (`NotSupported`) is skipped with a
//! message. `--count` / `--single-count` apply to the targets after them, so a slow
//! backend can get fewer digests in the same run. The machines this runs on
//! are small and shared, so every contestant runs once per round, rounds
//! interleaved (R rounds, default 3), and the table gives medians: the
//! signatures per second, and the per-round ratios to `local` and (for
//! batched) to the same KMS's single mode, with their min–max. Each
//! contestant is warmed up (connection, key type) before the first round;
//! every signature is verified with the key's public key afterwards (not
//! timed) and the table says how many verified.

use std::process::ExitCode;
use std::time::Instant;

use cosign_keys::kms::blocking::KmsKey;
use cosign_keys::{
    sha256, Algorithm, ErrorCode, HashAlg, PrivateKey, PublicKey, Result, Signature,
};

const USAGE: &str = "usage: kms-throughput [--rounds R] [--count N] [--single-count M] TARGET...
  TARGET: `local` (in-process ECDSA P-256) or a KMS URI (hashivault://key, awskms://host:port/alias/x)
  --rounds R         interleaved rounds (default 3)
  --count N          digests for `local` and for the batched mode of later targets (default 10000)
  --single-count M   digests for the one-request-per-digest mode of later targets (default: N)
Credentials come from the environment (VAULT_ADDR/VAULT_TOKEN, AWS_*).";

enum Signer {
    Local(PrivateKey),
    Kms(KmsKey),
}

/// One thing timed each round.
struct Contestant {
    target: String,
    mode: &'static str,
    digests: usize,
    signer: std::rc::Rc<Signer>,
    public: PublicKey,
    hash: HashAlg,
    /// Per round: (seconds, verified, failed).
    samples: Vec<(f64, usize, usize)>,
}

impl Contestant {
    fn round(&mut self, round: usize) {
        let ds: Vec<Vec<u8>> = (0..self.digests)
            .map(|i| {
                self.hash
                    .digest(format!("{}/{}/{round}/{i}", self.target, self.mode).as_bytes())
            })
            .collect();
        let start = Instant::now();
        let sigs: Vec<Result<Signature>> = match (&*self.signer, self.mode) {
            (Signer::Kms(k), "batched") => k.sign_digests(&ds),
            (Signer::Kms(k), _) => ds.iter().map(|d| k.sign_digest(d)).collect(),
            (Signer::Local(k), _) => ds.iter().map(|d| k.sign_digest(d)).collect(),
        };
        let seconds = start.elapsed().as_secs_f64();
        let mut verified = 0;
        let mut failed = 0;
        for (d, s) in ds.iter().zip(&sigs) {
            match s {
                Ok(sig) if self.public.verify_digest(d, sig).is_ok() => verified += 1,
                Ok(_) => {}
                Err(e) => {
                    if failed == 0 {
                        eprintln!(
                            "kms-throughput: {} {}: first error: {e}",
                            self.target, self.mode
                        );
                    }
                    failed += 1;
                }
            }
        }
        self.samples.push((seconds, verified, failed));
    }

    fn rates(&self) -> Vec<f64> {
        self.samples
            .iter()
            .map(|(s, _, failed)| (self.digests - failed) as f64 / s)
            .collect()
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// Median of per-round ratios a/b, with min and max.
fn ratio(a: &Contestant, b: &Contestant) -> String {
    let r: Vec<f64> = a
        .rates()
        .iter()
        .zip(b.rates())
        .map(|(x, y)| x / y)
        .collect();
    let (lo, hi) = r
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
            (lo.min(*x), hi.max(*x))
        });
    format!("{:.3}x ({lo:.3}–{hi:.3})", median(r))
}

fn setup(uri: &str, count: usize, single: usize) -> std::result::Result<Vec<Contestant>, String> {
    let err = |e: cosign_keys::Error| format!("{uri}: {e}");
    let key = match KmsKey::open(uri) {
        Ok(k) => k,
        // A backend this build lacks is left out of the table, not an error.
        Err(e) if e.code() == ErrorCode::NotSupported => {
            eprintln!("kms-throughput: skipping {uri}: {e}");
            return Ok(Vec::new());
        }
        Err(e) => return Err(err(e)),
    };
    let public = match key.public_key() {
        Ok(p) => p,
        Err(e) if e.code() == ErrorCode::NotFound => {
            key.create(Algorithm::EcdsaP256).map_err(err)?
        }
        Err(e) => return Err(err(e)),
    };
    let hash = public
        .algorithm()
        .hash()
        .ok_or_else(|| format!("{uri}: the key cannot sign digests"))?;
    eprintln!(
        "kms-throughput: {uri}: {} key {}",
        public.algorithm(),
        public.fingerprint()
    );
    // Warm-up: connection, key type cache, both paths.
    let warm = hash.digest(b"warm-up");
    key.sign_digest(&warm).map_err(err)?;
    let _ = key.sign_digests(&[warm.clone(), warm]);
    let signer = std::rc::Rc::new(Signer::Kms(key));
    let make = |mode, digests| Contestant {
        target: uri.to_owned(),
        mode,
        digests,
        signer: std::rc::Rc::clone(&signer),
        public: public.clone(),
        hash,
        samples: Vec::new(),
    };
    Ok(vec![make("batched", count), make("single", single)])
}

fn run(args: &[String]) -> std::result::Result<(), String> {
    let mut rounds = 3usize;
    let mut count = 10_000usize;
    let mut single_count: Option<usize> = None;
    let mut contestants = Vec::new();
    let mut it = args.iter();
    let number = |v: Option<&String>, flag: &str| -> std::result::Result<usize, String> {
        v.and_then(|v| v.parse().ok())
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("{flag} needs a positive number\n{USAGE}"))
    };
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--rounds" => rounds = number(it.next(), "--rounds")?,
            "--count" => count = number(it.next(), "--count")?,
            "--single-count" => single_count = Some(number(it.next(), "--single-count")?),
            "-h" | "--help" | "help" => return Err(USAGE.into()),
            "local" => {
                let key = PrivateKey::generate(Algorithm::EcdsaP256).map_err(|e| e.to_string())?;
                key.sign_digest(&sha256(b"warm-up"))
                    .map_err(|e| e.to_string())?;
                contestants.push(Contestant {
                    target: "local".into(),
                    mode: "single",
                    digests: count,
                    public: key.public_key().clone(),
                    signer: std::rc::Rc::new(Signer::Local(key)),
                    hash: HashAlg::Sha256,
                    samples: Vec::new(),
                });
            }
            uri if uri.contains("://") => {
                contestants.extend(setup(uri, count, single_count.unwrap_or(count))?)
            }
            other => return Err(format!("unknown target `{other}`\n{USAGE}")),
        }
    }
    if contestants.is_empty() {
        return Err(USAGE.into());
    }
    for round in 0..rounds {
        eprintln!("kms-throughput: round {}/{rounds}", round + 1);
        for c in &mut contestants {
            c.round(round);
        }
    }

    let local = contestants.iter().find(|c| c.target == "local");
    println!(
        "| target | mode | digests × rounds | signatures/s (median) | verified | vs local (median, min–max) | batched vs single (median, min–max) |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|");
    for c in &contestants {
        let verified: usize = c.samples.iter().map(|s| s.1).sum();
        let failed: usize = c.samples.iter().map(|s| s.2).sum();
        let total = c.digests * c.samples.len();
        let vs_local = local.map_or("—".to_owned(), |l| ratio(c, l));
        let vs_single = if c.mode == "batched" {
            contestants
                .iter()
                .find(|s| s.target == c.target && s.mode == "single")
                .map_or("—".to_owned(), |s| format!("**{}**", ratio(c, s)))
        } else {
            "—".to_owned()
        };
        let target = if c.target == "local" {
            "local ECDSA P-256 (in process)".to_owned()
        } else {
            format!("`{}`", c.target)
        };
        println!(
            "| {target} | {} | {} × {} | {:.0} | {verified}/{total}{} | {vs_local} | {vs_single} |",
            c.mode,
            c.digests,
            c.samples.len(),
            median(c.rates()),
            if failed > 0 {
                format!(" ({failed} failed)")
            } else {
                String::new()
            },
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("kms-throughput: {msg}");
            ExitCode::FAILURE
        }
    }
}
