//! Runs the shared, language-neutral test vectors of `tests/vectors/*.json`
//! (also read by the C, Go and Python suites) against the Rust crate.
//!
//! Every case of a file is checked (in parallel: some need cosign's full
//! scrypt cost) and all failures are reported together, each naming the
//! case number and description.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::thread;

use base64ct::{Base64, Encoding};
use cosign_keys::{
    sha256, EncryptedPrivateKey, Error, ErrorCode, Password, PrivateKey, PublicKey, Signature,
};
use serde_json::Value;

const COSIGN_GENERATED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/vectors/cosign-generated.json"
);
const BAD_INPUT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/vectors/bad-input.json"
);
const IMPORT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/import.json");

type CaseResult = Result<(), String>;

/// Reads a vector file: a non-empty JSON array of objects, each with a
/// `description`.
fn load(path: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    let value: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is not valid JSON: {e}"));
    let Value::Array(cases) = value else {
        panic!("{path}: expected a JSON array of cases");
    };
    assert!(!cases.is_empty(), "{path} has no cases");
    for (i, case) in cases.iter().enumerate() {
        assert!(
            case.get("description").and_then(Value::as_str).is_some(),
            "{path}: case {} has no string `description`",
            i + 1
        );
    }
    cases
}

/// Checks every case in its own thread and fails once, listing every case
/// that failed (or panicked) by number and description.
fn run_all(file: &str, cases: &[Value], check: impl Fn(&Value) -> CaseResult + Sync) {
    let check = &check;
    let results: Vec<CaseResult> = thread::scope(|s| {
        let handles: Vec<_> = cases
            .iter()
            .enumerate()
            .map(|(i, case)| {
                thread::Builder::new()
                    .name(format!("{file} case {}", i + 1))
                    .spawn_scoped(s, move || check(case))
                    .expect("spawn test thread")
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("panicked (see the panic message above)".into()))
            })
            .collect()
    });
    let failures: Vec<String> = results
        .iter()
        .zip(cases)
        .enumerate()
        .filter_map(|(i, (result, case))| {
            result.as_ref().err().map(|why| {
                format!(
                    "  case {}/{} {:?}: {why}",
                    i + 1,
                    cases.len(),
                    description(case)
                )
            })
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{file}: {} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    eprintln!("{file}: all {} cases passed", cases.len());
}

fn description(case: &Value) -> &str {
    case.get("description")
        .and_then(Value::as_str)
        .unwrap_or("?")
}

fn field<'a>(case: &'a Value, name: &str) -> Result<&'a str, String> {
    case.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("field `{name}` is missing or not a string"))
}

/// `password`: a string, or null / absent for "no password".
fn optional_field<'a>(case: &'a Value, name: &str) -> Result<Option<&'a str>, String> {
    match case.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(format!(
            "field `{name}` must be a string or null, found {other}"
        )),
    }
}

fn base64_field(case: &Value, name: &str) -> Result<Vec<u8>, String> {
    Base64::decode_vec(field(case, name)?).map_err(|e| format!("field `{name}` is not base64: {e}"))
}

/// The `expect` field, checked to be a real error-code name (or "OK").
fn expected_code(case: &Value) -> Result<&str, String> {
    let expect = field(case, "expect")?;
    if ErrorCode::ALL.iter().any(|c| c.name() == expect) {
        Ok(expect)
    } else {
        Err(format!(
            "`expect` is {expect:?}, which is not an ErrorCode name"
        ))
    }
}

/// Neither the message nor the Debug form of an error may contain the
/// password (checked for passwords of 4 characters or more, so that short
/// ones do not match by chance).
fn check_no_password(err: &Error, password: Option<&str>) -> CaseResult {
    let Some(password) = password.filter(|p| p.chars().count() >= 4) else {
        return Ok(());
    };
    for (form, text) in [("Display", err.to_string()), ("Debug", format!("{err:?}"))] {
        if text.contains(password) {
            return Err(format!(
                "the error's {form} form contains the password: {text}"
            ));
        }
    }
    Ok(())
}

/// Compares an outcome with `expect`; for "OK", checks the key's fingerprint
/// (and algorithm, when the case names one) and that it signs.
fn check_outcome(
    case: &Value,
    outcome: Result<PrivateKey, Error>,
    password: Option<&str>,
) -> CaseResult {
    let expect = expected_code(case)?;
    match outcome {
        Err(err) => {
            check_no_password(&err, password)?;
            let got = err.code().name();
            if got == expect {
                Ok(())
            } else {
                Err(format!("expected {expect}, got {got} ({err})"))
            }
        }
        Ok(key) => {
            if expect != ErrorCode::Ok.name() {
                return Err(format!(
                    "expected {expect}, but it succeeded (a {} key)",
                    key.algorithm()
                ));
            }
            let want_fp = field(case, "fingerprint_sha256")?;
            let got_fp = key.fingerprint().to_string();
            if got_fp != want_fp {
                return Err(format!("fingerprint {got_fp}, expected {want_fp}"));
            }
            if let Some(want_alg) = optional_field(case, "algorithm")? {
                if key.algorithm().as_str() != want_alg {
                    return Err(format!(
                        "algorithm {}, expected {want_alg}",
                        key.algorithm()
                    ));
                }
            }
            let sig = key
                .sign(b"vector check")
                .map_err(|e| format!("sign: {e}"))?;
            key.public_key()
                .verify(b"vector check", &sig)
                .map_err(|e| format!("own signature does not verify: {e}"))
        }
    }
}

fn expect_signature_invalid(what: &str, result: cosign_keys::Result<()>) -> CaseResult {
    match result {
        Err(Error::SignatureInvalid) => Ok(()),
        Err(e) => Err(format!(
            "{what}: expected SIGNATURE_INVALID, got {} ({e})",
            e.code().name()
        )),
        Ok(()) => Err(format!("{what}: verified, but must not")),
    }
}

fn check_public(what: &str, public: &PublicKey, case: &Value) -> CaseResult {
    let want_pem = field(case, "public_key_pem")?;
    if public.to_pem() != want_pem {
        return Err(format!(
            "{what}: public key PEM differs from cosign's:\n{}\nexpected:\n{want_pem}",
            public.to_pem()
        ));
    }
    let fp = public.fingerprint();
    let (want_fp, want_hex) = (
        field(case, "fingerprint_sha256")?,
        field(case, "fingerprint_hex")?,
    );
    if fp.to_string() != want_fp {
        return Err(format!("{what}: fingerprint {fp}, expected {want_fp}"));
    }
    if fp.to_hex() != want_hex {
        return Err(format!(
            "{what}: hex fingerprint {}, expected {want_hex}",
            fp.to_hex()
        ));
    }
    let want_alg = field(case, "algorithm")?;
    if public.algorithm().as_str() != want_alg {
        return Err(format!(
            "{what}: algorithm {}, expected {want_alg}",
            public.algorithm()
        ));
    }
    Ok(())
}

fn check_cosign_case(case: &Value) -> CaseResult {
    let private_pem = field(case, "private_key_pem")?;
    let password = Password::from(field(case, "password")?);
    let locked = EncryptedPrivateKey::from_pem(private_pem.as_bytes())
        .map_err(|e| format!("from_pem: {} ({e})", e.code().name()))?;
    let legacy = private_pem.starts_with("-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----");
    if locked.has_legacy_label() != legacy {
        return Err(format!(
            "has_legacy_label() is {}, expected {legacy}",
            locked.has_legacy_label()
        ));
    }
    let key = locked
        .decrypt(&password)
        .map_err(|e| format!("decrypt: {} ({e})", e.code().name()))?;
    if key.algorithm().as_str() != field(case, "algorithm")? {
        return Err(format!("private key algorithm {}", key.algorithm()));
    }
    check_public("from the private key", key.public_key(), case)?;
    if key.fingerprint() != key.public_key().fingerprint() {
        return Err("PrivateKey::fingerprint differs from its public key's".into());
    }
    let public = PublicKey::from_pem(field(case, "public_key_pem")?.as_bytes())
        .map_err(|e| format!("PublicKey::from_pem: {} ({e})", e.code().name()))?;
    check_public("PublicKey::from_pem", &public, case)?;
    if &public != key.public_key() {
        return Err("PublicKey::from_pem differs from the private key's public key".into());
    }

    let blob = base64_field(case, "blob_b64")?;
    let cosign_sig = Signature::from_base64(field(case, "signature_b64")?)
        .map_err(|e| format!("signature_b64: {e}"))?;
    public
        .verify(&blob, &cosign_sig)
        .map_err(|e| format!("cosign's signature does not verify: {e}"))?;
    let ours = key.sign(&blob).map_err(|e| format!("sign: {e}"))?;
    public
        .verify(&blob, &ours)
        .map_err(|e| format!("our own signature does not verify: {e}"))?;

    let mut flipped = cosign_sig.as_bytes().to_vec();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x01;
    let flipped = Signature::from_bytes(flipped);
    expect_signature_invalid(
        "one-bit-flipped cosign signature",
        public.verify(&blob, &flipped),
    )?;
    expect_signature_invalid(
        "cosign signature over another blob",
        public.verify(b"other blob", &cosign_sig),
    )?;

    let digest = sha256(&blob);
    if key.algorithm().signs_digests() {
        public
            .verify_digest(&digest, &cosign_sig)
            .map_err(|e| format!("cosign's signature does not verify over sha256(blob): {e}"))?;
        public
            .verify_digest(&digest, &ours)
            .map_err(|e| format!("our signature does not verify over sha256(blob): {e}"))?;
        expect_signature_invalid(
            "one-bit-flipped cosign signature over sha256(blob)",
            public.verify_digest(&digest, &flipped),
        )?;
    } else {
        match public.verify_digest(&digest, &cosign_sig) {
            Err(Error::UnsupportedOperation { .. }) => {}
            other => {
                return Err(format!(
                    "Ed25519 verify_digest: expected UNSUPPORTED_OPERATION, got {other:?}"
                ))
            }
        }
    }
    Ok(())
}

#[test]
fn cosign_generated_keys_decrypt_fingerprint_and_verify() {
    let cases = load(COSIGN_GENERATED);
    run_all("cosign-generated.json", &cases, check_cosign_case);
}

#[test]
fn bad_input_decrypt_gives_expected_error_code() {
    let cases = load(BAD_INPUT);
    run_all("bad-input.json", &cases, |case| {
        let input = field(case, "input_pem")?;
        let password = field(case, "password")?;
        let outcome = EncryptedPrivateKey::from_pem(input.as_bytes())
            .and_then(|locked| locked.decrypt(&Password::from(password)));
        check_outcome(case, outcome, Some(password))
    });
}

#[test]
fn import_gives_expected_key_or_error_code() {
    let cases = load(IMPORT);
    run_all("import.json", &cases, |case| {
        let input = base64_field(case, "input_b64")?;
        let password = optional_field(case, "password")?;
        let outcome = PrivateKey::import(&input, password.map(Password::from).as_ref());
        check_outcome(case, outcome, password)
    });
}
