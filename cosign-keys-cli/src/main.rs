//! `cosign-keys`: Cosign key management from the shell. Argument parsing and
//! printing only; every decision about keys lives in the `cosign-keys` crate.

/// Prints a line on standard output, returning a [`Failure`] (not a panic)
/// when it cannot be written, e.g. to a pipe whose reader has gone.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::stdout_line(format_args!($($arg)*))
    };
}

/// Prints a line on standard error; a message that cannot be written is
/// dropped (there is nowhere left to report it).
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod lifecycle;
mod password;
mod source;
mod stores;
mod warnings;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use cosign_keys::fs::{
    replace_if_unchanged, write_atomic, Overwrite, PRIVATE_FILE_MODE, PUBLIC_FILE_MODE,
};
use cosign_keys::limits::{self, Input};
use cosign_keys::{Algorithm, EncryptedPrivateKey, Error, ErrorCode, PrivateKey, Signature};
use source::KeySource;

/// Exit status for a signature that does not verify.
const EXIT_VERIFY_FAILED: u8 = 1;
/// Exit status clap uses for bad usage.
const EXIT_USAGE: u8 = 2;
/// Exit status for a wrong password (or a tampered key file).
const EXIT_DECRYPT: u8 = 3;
/// Exit status when a file would be overwritten without `--force`.
const EXIT_EXISTS: u8 = 4;
/// Exit status for input that is not a usable key, signature or file.
const EXIT_BAD_INPUT: u8 = 5;
/// Exit status for I/O failures.
const EXIT_IO: u8 = 6;
/// Exit status when the key, version or store entry does not exist.
const EXIT_NOT_FOUND: u8 = 7;
/// Exit status when a concurrent writer won (nothing was changed).
const EXIT_CONFLICT: u8 = 8;
/// Exit status when a store or KMS refused the credentials or the operation.
const EXIT_PERMISSION: u8 = 9;
/// Exit status for anything else.
const EXIT_OTHER: u8 = 10;
/// Exit status when a store or KMS cannot be reached or cannot serve now.
const EXIT_UNAVAILABLE: u8 = 11;
/// Exit status for a backend this build does not support.
const EXIT_NOT_SUPPORTED: u8 = 12;
/// Exit status when the operation was done (e.g. the key IS marked
/// compromised) but its audit records could not be written yet.
const EXIT_AUDIT_INCOMPLETE: u8 = 13;
/// The key at a keyring key's recorded location is another key (`KEY_MISMATCH`).
const EXIT_KEY_MISMATCH: u8 = 14;
/// Exit status when standard output is a pipe whose reader has gone
/// (`cosign-keys ... | head -c1`): what a shell reports for a program
/// ended by SIGPIPE (128 + 13), without a message, as `cat` would.
const EXIT_BROKEN_PIPE: u8 = 141;

/// Help shared by every `--key` that reads a key.
const KEY_SOURCES: &str =
    "cosign.key, cosign.pub, a key store (file://DIR[?prefix=P], an existing \
    directory, env://VAR, vault-kv://MOUNT/PATH, azure-secret://VAULT/NAME) or a KMS key \
    (hashivault://, awskms://, azurekms://VAULT/KEY[/VERSION], gcpkms://)";

#[derive(Parser)]
#[command(name = "cosign-keys", version, about = "Manage Cosign signing keys", long_about = None)]
struct Cli {
    /// Go on (with a warning) when a store's private key file is readable by
    /// others or its directory writable by others; by default they are
    /// refused, as OpenSSH does. Same as COSIGN_KEYS_ALLOW_INSECURE_PERMISSIONS=1.
    #[arg(long, global = true)]
    allow_insecure_permissions: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate a key pair: PREFIX.key (encrypted, mode 0600) and PREFIX.pub;
    /// or into a key store (--store); or inside a KMS (--kms), writing only
    /// PREFIX.pub.
    GenerateKeyPair {
        /// File name prefix for the key pair.
        #[arg(long, default_value = "cosign")]
        output_key_prefix: String,
        /// ecdsa-p256 (default), ecdsa-p384, ecdsa-p521, ed25519, rsa-2048,
        /// rsa-3072 or rsa-4096.
        #[arg(long, default_value = "ecdsa-p256")]
        algorithm: Algorithm,
        /// Overwrite existing files (with --store: add a new version over a
        /// live key).
        #[arg(long)]
        force: bool,
        /// Put the encrypted key pair into this store as a new version:
        /// file://DIR[?prefix=P], vault-kv://MOUNT/PATH, azure-secret://VAULT/NAME
        #[arg(long, conflicts_with = "kms")]
        store: Option<String>,
        /// Create the key inside this KMS (hashivault://, awskms://,
        /// azurekms://, gcpkms://); only the public key is written.
        #[arg(long)]
        kms: Option<String>,
        #[command(flatten)]
        store_write: StoreWriteArgs,
    },
    /// Import a PEM or DER private key (PKCS#8, SEC1, PKCS#1, encrypted
    /// PKCS#8) into a Cosign key pair.
    ImportKeyPair {
        /// The key to import.
        #[arg(long)]
        key: PathBuf,
        /// File name prefix for the key pair.
        #[arg(long, default_value = "import-cosign")]
        output_key_prefix: String,
        /// Overwrite existing files (with --store: add a new version over a
        /// live key).
        #[arg(long)]
        force: bool,
        /// Put the imported key pair into this store instead of files.
        #[arg(long)]
        store: Option<String>,
        #[command(flatten)]
        store_write: StoreWriteArgs,
    },
    /// Print the public key (PKIX PEM) of a key file, a stored key or a KMS key.
    PublicKey {
        #[arg(long, help = KEY_SOURCES)]
        key: PathBuf,
        /// Read this version of a stored key (default: the newest).
        #[arg(long)]
        key_version: Option<u64>,
        /// Write to this file instead of standard output.
        #[arg(long)]
        outfile: Option<PathBuf>,
        /// Overwrite the output file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Print the key fingerprint: `SHA256:<base64>` then lowercase hex.
    Fingerprint {
        #[arg(long, help = KEY_SOURCES)]
        key: PathBuf,
        /// Read this version of a stored key (default: the newest).
        #[arg(long)]
        key_version: Option<u64>,
    },
    /// Re-encrypt a Cosign key file under a new password (fresh salt and
    /// nonce; the key and its fingerprint stay the same).
    ChangePassword {
        /// The Cosign key file, replaced atomically; or a key store, where the
        /// re-sealed key becomes a new version.
        #[arg(long)]
        key: PathBuf,
    },
    /// Write the unencrypted PKCS#8 PEM of a Cosign key (for other tools).
    ExportPrivateKey {
        /// The Cosign key file, or a key store.
        #[arg(long)]
        key: PathBuf,
        /// Read this version of a stored key (default: the newest).
        #[arg(long)]
        key_version: Option<u64>,
        /// Write here (mode 0600) instead of standard output.
        #[arg(long)]
        outfile: Option<PathBuf>,
        /// Overwrite the output file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Sign a blob (or its SHA-256 digest) as `cosign sign-blob --key`.
    SignBlob {
        /// cosign.key, a key store (its password from the store, else
        /// COSIGN_PASSWORD or a prompt) or a KMS key (signs inside the KMS).
        #[arg(long)]
        key: PathBuf,
        /// Sign with this version of a stored key (default: the newest).
        #[arg(long)]
        key_version: Option<u64>,
        /// Also write the base64 signature to this file.
        #[arg(long)]
        output_signature: Option<PathBuf>,
        /// Sign this hex digest instead of a file (SHA-256; SHA-384 for P-384,
        /// SHA-512 for P-521; not for Ed25519).
        #[arg(long, conflicts_with = "file")]
        digest: Option<String>,
        /// The blob to sign.
        #[arg(required_unless_present = "digest")]
        file: Option<PathBuf>,
    },
    /// Verify a blob signature as `cosign verify-blob --key`.
    VerifyBlob {
        #[arg(long, help = KEY_SOURCES)]
        key: PathBuf,
        /// Verify with this version of a stored key (default: the newest).
        #[arg(long)]
        key_version: Option<u64>,
        /// Path of the base64 signature, or the base64 text itself.
        #[arg(long)]
        signature: String,
        /// Verify against this hex digest instead of a file (the key's hash).
        #[arg(long, conflicts_with = "file")]
        digest: Option<String>,
        /// The signed blob.
        #[arg(required_unless_present = "digest")]
        file: Option<PathBuf>,
    },
    /// List the versions of a stored or KMS key: number, state, fingerprint,
    /// created-at, tab-separated.
    Versions {
        /// A key store (file://DIR, a directory, env://VAR, vault-kv://...,
        /// azure-secret://...) or a KMS key (hashivault://, awskms://, azurekms://).
        #[arg(long)]
        key: PathBuf,
    },
    #[command(flatten)]
    Lifecycle(lifecycle::Command),
}

/// Options for keys written into a store.
#[derive(clap::Args)]
struct StoreWriteArgs {
    /// Recorded as the key's creator (default: $USER).
    #[arg(long, requires = "store")]
    created_by: Option<String>,
    /// A label KEY=VALUE recorded with the key (repeatable).
    #[arg(long = "label", requires = "store")]
    labels: Vec<String>,
    /// Also keep the password in the store, beside the key (Vault KV's
    /// `password` field; the file store refuses, a password beside its key
    /// protects nothing).
    #[arg(long, requires = "store")]
    store_password: bool,
}

impl StoreWriteArgs {
    fn into_write(self, force: bool) -> stores::StoreWrite {
        stores::StoreWrite {
            created_by: self.created_by,
            labels: self.labels,
            force,
            store_password: self.store_password,
        }
    }
}

/// A CLI failure: the library's error, or a message of our own.
enum Failure {
    Lib(Error),
    Usage(String),
    Io(PathBuf, std::io::Error),
    /// Done, but its audit records are queued, not in the log.
    AuditIncomplete(String),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Self::Lib(e)
    }
}

type CliResult<T> = Result<T, Failure>;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    warnings::install();
    if cli.allow_insecure_permissions {
        // Read by the library wherever it opens a file store; set before any
        // other thread exists.
        std::env::set_var(cosign_keys::fs::PermissionPolicy::ENV, "1");
    }
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::AuditIncomplete(message)) => {
            note!("warning: AUDIT INCOMPLETE: {message} [AUDIT_INCOMPLETE]");
            ExitCode::from(EXIT_AUDIT_INCOMPLETE)
        }
        Err(Failure::Io(_, e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::from(EXIT_BROKEN_PIPE)
        }
        Err(failure) => {
            let (status, message) = describe(failure);
            note!("error: {message}");
            ExitCode::from(status)
        }
    }
}

/// A command-line mistake, reported like every other error: one `error:`
/// line ending with `[INVALID_ARGUMENT]` and exit status 2. `--help` and
/// `--version` are not mistakes and print as clap prints them.
fn usage_error(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        // Printing help to a closed pipe is not worth a message either.
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    let rendered = e.render().to_string();
    let mut lines = rendered.lines().filter(|l| !l.trim().is_empty());
    let first = lines.next().unwrap_or("invalid command line");
    let first = first.strip_prefix("error: ").unwrap_or(first);
    let (_, line) = describe(Failure::Usage(first.to_owned()));
    note!("error: {line}");
    for rest in lines {
        note!("{rest}");
    }
    ExitCode::from(EXIT_USAGE)
}

/// The exit status and the error line, which always ends with the code's
/// name in brackets (`[NOT_FOUND]`), so scripts can match on it.
fn describe(failure: Failure) -> (u8, String) {
    match failure {
        Failure::Usage(msg) => (
            EXIT_USAGE,
            format!("{msg} [{}]", ErrorCode::InvalidArgument.name()),
        ),
        Failure::Io(path, e) => describe(Failure::Lib(Error::from_io(path, e))),
        Failure::AuditIncomplete(msg) => (EXIT_AUDIT_INCOMPLETE, msg),
        Failure::Lib(e) => {
            let code = e.code();
            let status = match code {
                ErrorCode::SignatureInvalid => EXIT_VERIFY_FAILED,
                ErrorCode::DecryptionFailed => EXIT_DECRYPT,
                ErrorCode::AlreadyExists => EXIT_EXISTS,
                ErrorCode::Io => EXIT_IO,
                ErrorCode::InvalidArgument | ErrorCode::InvalidUri => EXIT_USAGE,
                ErrorCode::NotFound => EXIT_NOT_FOUND,
                ErrorCode::Conflict => EXIT_CONFLICT,
                ErrorCode::PermissionDenied => EXIT_PERMISSION,
                ErrorCode::Unavailable => EXIT_UNAVAILABLE,
                ErrorCode::NotSupported => EXIT_NOT_SUPPORTED,
                ErrorCode::KeyMismatch => EXIT_KEY_MISMATCH,
                c if (200..300).contains(&(c as u32))
                    || c == ErrorCode::KdfLimitExceeded
                    || c == ErrorCode::InputTooLarge =>
                {
                    EXIT_BAD_INPUT
                }
                _ => EXIT_OTHER,
            };
            (status, format!("{e} [{}]", code.name()))
        }
    }
}

fn run(command: Command) -> CliResult<()> {
    match command {
        Command::GenerateKeyPair {
            output_key_prefix,
            algorithm,
            force,
            store,
            kms,
            store_write,
        } => {
            if let Some(uri) = kms {
                return stores::generate_in_kms(&uri, algorithm, &output_key_prefix, force);
            }
            if let Some(uri) = store {
                let target = stores::open_for_new_key(&uri, force)?;
                let password = password::for_new_key()?;
                let key = PrivateKey::generate(algorithm)?;
                return stores::put_new_key(
                    &target,
                    &key,
                    password,
                    &store_write.into_write(force),
                );
            }
            let (key_path, pub_path) = pair_paths(&output_key_prefix);
            refuse_existing(&[&key_path, &pub_path], force)?;
            let password = password::for_new_key()?;
            let key = PrivateKey::generate(algorithm)?;
            write_pair(&key, &password, &key_path, &pub_path, force)
        }
        Command::ImportKeyPair {
            key,
            output_key_prefix,
            force,
            store,
            store_write,
        } => {
            let target = match &store {
                Some(uri) => Some(stores::open_for_new_key(uri, force)?),
                None => None,
            };
            let (key_path, pub_path) = pair_paths(&output_key_prefix);
            if target.is_none() {
                refuse_existing(&[&key_path, &pub_path], force)?;
            }
            let input = read(&key)?;
            let imported = match PrivateKey::import(&input, None) {
                Err(Error::InvalidArgument {
                    name: "password", ..
                }) => {
                    let pw = password::for_import()?;
                    PrivateKey::import(&input, Some(&pw))?
                }
                other => other?,
            };
            let password = password::for_new_key()?;
            match target {
                Some(target) => stores::put_new_key(
                    &target,
                    &imported,
                    password,
                    &store_write.into_write(force),
                ),
                None => write_pair(&imported, &password, &key_path, &pub_path, force),
            }
        }
        Command::PublicKey {
            key,
            key_version,
            outfile,
            force,
        } => {
            let public = source::public_key(&KeySource::classify(&key), key_version)?;
            emit(
                outfile.as_deref(),
                public.to_pem().as_bytes(),
                PUBLIC_FILE_MODE,
                force,
            )
        }
        Command::Fingerprint { key, key_version } => {
            let fp = source::public_key(&KeySource::classify(&key), key_version)?.fingerprint();
            outln!("{fp}\n{}", fp.to_hex())
        }
        Command::ChangePassword { key } => match KeySource::classify(&key) {
            KeySource::File(key) => change_file_password(&key),
            KeySource::Store(uri) => stores::change_password(&uri),
            KeySource::Kms(_) => Err(Failure::Usage(
                "a KMS key has no password: its private key never leaves the KMS".into(),
            )),
        },
        Command::ExportPrivateKey {
            key,
            key_version,
            outfile,
            force,
        } => {
            let unlocked = source::private_key(&KeySource::classify(&key), key_version)?;
            let pem = unlocked.to_pkcs8_pem()?;
            emit(
                outfile.as_deref(),
                pem.expose_secret(),
                PRIVATE_FILE_MODE,
                force,
            )
        }
        Command::SignBlob {
            key,
            key_version,
            output_signature,
            digest,
            file,
        } => {
            let signer = source::signer(&KeySource::classify(&key), key_version)?;
            let sig = match (digest, file) {
                (Some(hex), _) => signer.sign_digest(&parse_digest(&hex)?)?,
                (None, Some(path)) => match signer.algorithm()?.hash() {
                    // Stream the blob through its hash: no size limit.
                    Some(hash) => signer.sign_digest(&digest_file(hash, &path)?)?,
                    None => signer.sign(&read_blob(&path)?)?,
                },
                (None, None) => return Err(Failure::Usage("give a FILE or --digest".into())),
            };
            let b64 = sig.to_base64();
            if let Some(out) = output_signature {
                write_atomic(&out, b64.as_bytes(), PUBLIC_FILE_MODE, Overwrite::Yes)?;
            }
            outln!("{b64}")
        }
        Command::VerifyBlob {
            key,
            key_version,
            signature,
            digest,
            file,
        } => {
            let public = source::public_key(&KeySource::classify(&key), key_version)?;
            let sig = read_signature(&signature)?;
            match (digest, file) {
                (Some(hex), _) => public.verify_digest(&parse_digest(&hex)?, &sig)?,
                (None, Some(path)) => match public.algorithm().hash() {
                    Some(hash) => public.verify_digest(&digest_file(hash, &path)?, &sig)?,
                    None => public.verify(&read_blob(&path)?, &sig)?,
                },
                (None, None) => return Err(Failure::Usage("give a FILE or --digest".into())),
            }
            outln!("Verified OK")
        }
        Command::Lifecycle(command) => lifecycle::run(command),
        Command::Versions { key } => stores::list_versions(&KeySource::classify(&key)),
    }
}

/// `--signature` is a file, or else the base64 text itself. Text that is
/// neither an existing file nor base64 but looks like a path (it holds a
/// `.` or a path separator, which base64 never has or rarely fails with) is
/// reported as a missing file, not as bad base64.
fn read_signature(arg: &str) -> CliResult<Signature> {
    let path = Path::new(arg);
    if let Some(bytes) = limits::read_file_optional(path, Input::Signature)? {
        return Ok(Signature::from_base64(&String::from_utf8_lossy(&bytes))?);
    }
    match Signature::from_base64(arg) {
        Ok(sig) => Ok(sig),
        Err(_) if arg.contains(['.', '/', '\\']) => Err(Error::NotFound {
            what: format!(
                "signature file {arg} (no such file, and the text is not a base64 signature \
                 either)"
            ),
        }
        .into()),
        Err(e) => Err(e.into()),
    }
}

fn change_file_password(key: &Path) -> CliResult<()> {
    // cosign.key inside a store is a copy of its newest version: changing it
    // in place would leave the store's history with the old password.
    let index = key.with_extension("meta.json");
    if key.extension().is_some_and(|e| e == "key") && index.exists() {
        let dir = match key.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        return Err(Failure::Usage(format!(
            "{} belongs to the key store indexed by {}; run `change-password --key {}` so the \
             store records the change as a new version",
            key.display(),
            index.display(),
            dir.display()
        )));
    }
    let original = read(key)?;
    let locked = EncryptedPrivateKey::from_pem(&original)?;
    // Unlock first, so a wrong old password fails before any prompt.
    let unlocked = locked.decrypt(&password::existing()?)?;
    let new = password::new_for_change()?;
    let resealed = unlocked.encrypt_with(&new, locked.scrypt_params())?;
    // Under the lock beside the file, and only if nobody changed it since we
    // read it: of two concurrent changes one wins, the other is a CONFLICT.
    replace_if_unchanged(
        key,
        &original,
        resealed.to_pem().as_bytes(),
        PRIVATE_FILE_MODE,
    )?;
    note!("Password changed for {}", key.display());
    Ok(())
}

fn pair_paths(prefix: &str) -> (PathBuf, PathBuf) {
    (
        PathBuf::from(format!("{prefix}.key")),
        PathBuf::from(format!("{prefix}.pub")),
    )
}

pub(crate) fn refuse_existing(paths: &[&Path], force: bool) -> CliResult<()> {
    if force {
        return Ok(());
    }
    for path in paths {
        if path.symlink_metadata().is_ok() {
            return Err(Error::AlreadyExists {
                path: path.to_path_buf(),
            }
            .into());
        }
    }
    Ok(())
}

fn write_pair(
    key: &PrivateKey,
    password: &cosign_keys::Password,
    key_path: &Path,
    pub_path: &Path,
    force: bool,
) -> CliResult<()> {
    let overwrite = if force { Overwrite::Yes } else { Overwrite::No };
    let sealed = key.encrypt(password)?;
    // Old key out first, then the public half, then the key: a kill never
    // leaves a key beside another key's public half.
    cosign_keys::fs::write_key_pair_files(
        key_path,
        sealed.to_pem().as_bytes(),
        pub_path,
        key.public_key().to_pem().as_bytes(),
        overwrite,
    )?;
    note!("Private key written to {}", key_path.display());
    note!("Public key written to {}", pub_path.display());
    note!("Fingerprint: {}", key.fingerprint());
    Ok(())
}

fn emit(outfile: Option<&Path>, data: &[u8], mode: u32, force: bool) -> CliResult<()> {
    match outfile {
        Some(path) => {
            let overwrite = if force { Overwrite::Yes } else { Overwrite::No };
            write_atomic(path, data, mode, overwrite)?;
            Ok(())
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(data)
                .and_then(|()| out.flush())
                .map_err(|e| Failure::Io(PathBuf::from("<stdout>"), e))
        }
    }
}

/// A blob Ed25519 signs whole: the user's data, not limited.
fn read_blob(path: &Path) -> CliResult<Vec<u8>> {
    fs::read(path).map_err(|e| Failure::Io(path.to_path_buf(), e))
}

/// Reads a key file under the library's key-file size limit; a private key
/// open to group or others is refused (`--allow-insecure-permissions`: a
/// warning), as OpenSSH does.
pub(crate) fn read(path: &Path) -> CliResult<zeroize::Zeroizing<Vec<u8>>> {
    Ok(cosign_keys::fs::read_key_file(
        path,
        cosign_keys::fs::PermissionPolicy::from_env(),
    )?)
}

/// Writes one line on standard output (see `outln!`).
pub(crate) fn stdout_line(args: std::fmt::Arguments<'_>) -> CliResult<()> {
    let mut out = std::io::stdout().lock();
    out.write_fmt(args)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush())
        .map_err(|e| Failure::Io(PathBuf::from("<stdout>"), e))
}

fn digest_file(hash: cosign_keys::HashAlg, path: &Path) -> CliResult<Vec<u8>> {
    let file = fs::File::open(path).map_err(|e| Failure::Io(path.to_path_buf(), e))?;
    hash.digest_reader(file)
        .map_err(|e| Failure::Io(path.to_path_buf(), e))
}

/// Parses a hex digest (optionally `sha256:`/`sha384:`/`sha512:`-prefixed);
/// the library checks its length against the key's hash.
fn parse_digest(text: &str) -> CliResult<Vec<u8>> {
    let hex = text.split_once(':').map_or(text, |(_, h)| h);
    let bad = || Failure::Usage("--digest must be hex (optionally prefixed `sha256:`)".into());
    if hex.is_empty() || !hex.len().is_multiple_of(2) || !hex.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return Err(bad());
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|_| bad()))
        .collect()
}
