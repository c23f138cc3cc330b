//! The key lifecycle subcommands: rotate, revoke, retire, destroy, status,
//! due, trust-bundle, audit verify, backup, recover. Parsing and printing
//! only; the keyring logic is in `cosign_keys::keyring`.
//!
//! Every command names the keyring with `--keyring` (a file path or
//! `vault-kv://…`, or `COSIGN_KEYS_KEYRING`) and its audit log with
//! `--audit-log` (or `COSIGN_KEYS_AUDIT_LOG`; beside a file keyring by
//! default). `--who` (or `COSIGN_KEYS_ACTOR`, else `$USER`) and `--reason`
//! are recorded with every act; `--now` replaces the clock (rehearsals).
//! `--json` prints the result as JSON.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use cosign_keys::audit::{AuditHead, AuditLog};
use cosign_keys::backup::{self, BackupOptions, BackupSecret, RecoveryOptions, RecoverySecret};
use cosign_keys::keyring::blocking::Keyring;
use cosign_keys::keyring::{
    to_json, Compromise, DestroyOptions, KeyringConfig, NewKey, RotateOptions, RotationPolicy,
};
use cosign_keys::limits::{self, Input};
use cosign_keys::store::KeyRef;
use cosign_keys::{Actor, Algorithm, Password, Timestamp};

use crate::{password, CliResult, Failure};

/// The backup passphrase, for `backup` and `recover`.
const ENV_BACKUP_PASSPHRASE: &str = "COSIGN_KEYS_BACKUP_PASSPHRASE";

/// Where the keyring is, who acts, when.
#[derive(Args, Clone)]
pub(crate) struct Common {
    /// The keyring manifest: a file path, file://…, or vault-kv://mount/path
    /// (not azure-secret://: Key Vault has no check-and-set, so it is refused).
    #[arg(long, env = "COSIGN_KEYS_KEYRING")]
    keyring: String,
    /// The audit log (JSON Lines). Default: beside a file keyring
    /// (keyring.json -> keyring.audit.jsonl).
    #[arg(long, env = "COSIGN_KEYS_AUDIT_LOG")]
    audit_log: Option<PathBuf>,
    /// Who acts (a person or pipeline identity). Default: $USER.
    #[arg(long, env = "COSIGN_KEYS_ACTOR")]
    who: Option<String>,
    /// Why (a change ticket, "scheduled rotation", …).
    #[arg(long, default_value = "")]
    reason: String,
    /// Act as if it were this time (RFC 3339 UTC, e.g. 2026-11-25T12:00:00Z).
    #[arg(long)]
    now: Option<Timestamp>,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

/// Where a rotation puts the new key.
#[derive(Args, Clone)]
#[group(required = false, multiple = false)]
pub(crate) struct Target {
    /// Generate the new key here and put it into this key store (a
    /// directory, file://…, vault-kv://…, azure-secret://…); password from
    /// COSIGN_PASSWORD.
    #[arg(long)]
    store: Option<String>,
    /// Create the new key in this KMS (hashivault://…, awskms://…,
    /// azurekms://…).
    #[arg(long)]
    kms: Option<String>,
}

/// The lifecycle subcommands.
#[derive(Subcommand)]
pub(crate) enum Command {
    /// Rotate: create a new key, activate it, deactivate the old one with a
    /// transition window. Creates the keyring on first use. Retrying an
    /// interrupted rotation completes it.
    Rotate {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        target: Target,
        /// The new key's algorithm.
        #[arg(long, default_value = "ecdsa-p256")]
        algorithm: Algorithm,
        /// The old key's transition window in days (default: the policy's).
        #[arg(long)]
        window_days: Option<u32>,
        /// Rotate only if the keyring is still at this revision.
        #[arg(long)]
        expect_revision: Option<u64>,
        /// A new keyring's rotation period: annual (default), quarterly, or a
        /// number of days.
        #[arg(long)]
        period: Option<String>,
    },
    /// Mark a key compromised (untrusted at once); with --store/--kms, also
    /// rotate to a new key in the same call (emergency rotation).
    Revoke {
        #[command(flatten)]
        common: Common,
        /// The key: its id (3, #3) or fingerprint.
        key: String,
        /// The incident it is tracked under.
        #[arg(long)]
        incident: String,
        #[command(flatten)]
        target: Target,
        /// The new key's algorithm (emergency rotation).
        #[arg(long, default_value = "ecdsa-p256")]
        algorithm: Algorithm,
    },
    /// Retire deactivated keys whose transition window has ended (all of
    /// them, or KEY): they are never trusted again.
    Retire {
        #[command(flatten)]
        common: Common,
        /// One key (id or fingerprint) instead of every key that is due.
        key: Option<String>,
    },
    /// Delete a key's private material from its store (irrecoverably); the
    /// record stays. For pre-active, compromised and retired keys. The key
    /// at the recorded location must be the recorded one (KEY_MISMATCH
    /// otherwise, exit 14) and must be there (NOT_FOUND otherwise).
    Destroy {
        #[command(flatten)]
        common: Common,
        /// The key: id or fingerprint.
        key: String,
        /// If nothing is found at the key's recorded location, record it
        /// destroyed anyway: you know the material is gone. The audit record
        /// says it was not verified. Another key found there is still refused.
        #[arg(long)]
        material_gone: bool,
    },
    /// Show every key, its state and trust, what is due, and the audit head.
    Status {
        #[command(flatten)]
        common: Common,
    },
    /// Say whether a rotation is due under the policy, and which keys can
    /// be retired. Exit status 1 with --check when something is due.
    Due {
        #[command(flatten)]
        common: Common,
        /// Exit with status 1 if a rotation is due or keys can be retired.
        #[arg(long)]
        check: bool,
    },
    /// Write the keys verifiers should trust: cosign.pub (active),
    /// cosign.pub.old (newest still in its window) and cosign-trust-bundle.pem
    /// (all of them, active first).
    TrustBundle {
        #[command(flatten)]
        common: Common,
        /// The directory to write into.
        #[arg(long)]
        out: PathBuf,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Write an encrypted offline backup (age, passphrase from
    /// COSIGN_KEYS_BACKUP_PASSPHRASE, or split into --shares shares).
    Backup {
        #[command(flatten)]
        common: Common,
        /// The backup file (mode 0600).
        #[arg(long)]
        out: PathBuf,
        /// Generate the passphrase and split it into this many shares
        /// (printed one per line on standard output).
        #[arg(long, requires = "threshold")]
        shares: Option<u8>,
        /// How many shares recover the passphrase.
        #[arg(long, requires = "shares")]
        threshold: Option<u8>,
        /// age's scrypt work factor (log2 N); default: 17, the largest that
        /// recovery accepts without --max-work-factor.
        #[arg(long)]
        work_factor: Option<u8>,
        /// Replace an existing backup file.
        #[arg(long)]
        force: bool,
    },
    /// Restore a backup into the keyring and its key stores.
    Recover {
        #[command(flatten)]
        common: Common,
        /// The backup file.
        #[arg(long)]
        backup: PathBuf,
        /// A file with shares, one per line (`-` for standard input);
        /// without it the passphrase comes from COSIGN_KEYS_BACKUP_PASSPHRASE.
        #[arg(long)]
        shares_file: Option<PathBuf>,
        /// Restore a key store somewhere else: ORIGINAL=REPLACEMENT (repeat).
        #[arg(long = "map-store", value_name = "ORIGINAL=REPLACEMENT")]
        map_store: Vec<String>,
        /// Replace a keyring that exists at the target.
        #[arg(long)]
        force: bool,
        /// Accept a backup whose age scrypt work factor is up to this
        /// (default: 17, the 256 MiB limit of key files); only for a backup
        /// you trust.
        #[arg(long)]
        max_work_factor: Option<u8>,
    },
}

/// `audit …`.
#[derive(Subcommand)]
pub(crate) enum AuditCommand {
    /// Verify the hash chain, and that the log still holds the record the
    /// keyring was last saved after (finds a deleted, truncated or replaced
    /// log); with --head, also that the log ends exactly there (finds
    /// records cut off the end or appended out of band).
    Verify {
        /// The keyring whose log to verify (its anchor is checked too).
        #[arg(long, env = "COSIGN_KEYS_KEYRING")]
        keyring: Option<String>,
        /// The audit log. Default: beside a file keyring
        /// (keyring.json -> keyring.audit.jsonl).
        #[arg(long, env = "COSIGN_KEYS_AUDIT_LOG")]
        audit_log: Option<PathBuf>,
        /// The head kept elsewhere: `<record number>:<sha256 hex>`.
        #[arg(long)]
        head: Option<AuditHead>,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// The audit log: `explicit`, else beside a file keyring (`<stem>.audit.jsonl`
/// next to `<stem>.json`), resolved from the keyring's own location.
fn audit_path(keyring: &str, explicit: Option<&PathBuf>) -> CliResult<PathBuf> {
    if let Some(path) = explicit {
        return Ok(path.clone());
    }
    let dir =
        match KeyRef::parse(keyring)? {
            KeyRef::File { dir, .. } => dir,
            _ => return Err(Failure::Usage(
                "--audit-log (or COSIGN_KEYS_AUDIT_LOG) is needed for a keyring that is not a file"
                    .into(),
            )),
        };
    let mut name = dir.file_name().unwrap_or_default().to_os_string();
    let stem = name
        .to_str()
        .and_then(|n| n.strip_suffix(".json"))
        .map(str::to_owned);
    if let Some(stem) = stem {
        name = stem.into();
    }
    name.push(".audit.jsonl");
    Ok(dir.with_file_name(name))
}

/// An operation done whose audit records are still queued: say so loudly
/// and end with its own exit status.
fn audit_incomplete(pending: usize, error: Option<&String>) -> CliResult<()> {
    if pending == 0 {
        return Ok(());
    }
    Err(Failure::AuditIncomplete(format!(
        "the operation is done and saved in the keyring, but {pending} audit record(s) could \
         not be written to the audit log ({}); they are kept in the keyring and written by the \
         next operation that can write the log: fix the log, then run any keyring command \
         (e.g. `status` shows what is pending)",
        error.map_or("unknown error", String::as_str)
    )))
}

impl Common {
    fn audit_path(&self) -> CliResult<PathBuf> {
        audit_path(&self.keyring, self.audit_log.as_ref())
    }

    fn config(&self) -> CliResult<KeyringConfig> {
        Ok(KeyringConfig::new(self.keyring.clone(), self.audit_path()?))
    }

    fn open(&self) -> CliResult<Keyring> {
        Ok(Keyring::open(self.config()?)?)
    }

    /// Who acts, by the core's actor rule (a blank `--who` is refused).
    fn actor(&self, default_reason: &str) -> CliResult<Actor> {
        let who = self
            .who
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "unknown".into());
        let reason = if self.reason.is_empty() {
            default_reason.to_owned()
        } else {
            self.reason.clone()
        };
        Ok(Actor::checked(&who, None, &reason)?)
    }

    fn now(&self) -> Timestamp {
        self.now.unwrap_or_else(Timestamp::now)
    }

    /// Prints `json` with --json, else the human text.
    fn print(&self, json: String, human: impl FnOnce() -> String) -> CliResult<()> {
        if self.json {
            outln!("{json}")
        } else {
            outln!("{}", human())
        }
    }
}

impl Target {
    fn new_key(&self, algorithm: Algorithm) -> CliResult<Option<NewKey>> {
        match (&self.store, &self.kms) {
            (Some(store), _) => Ok(Some(NewKey::store(
                store.clone(),
                algorithm,
                password::for_new_key()?,
            ))),
            (None, Some(kms)) => Ok(Some(NewKey::kms(kms.clone(), algorithm))),
            (None, None) => Ok(None),
        }
    }
}

fn parse_period(text: &str) -> CliResult<RotationPolicy> {
    match text {
        "annual" | "yearly" => Ok(RotationPolicy::annual()),
        "quarterly" => Ok(RotationPolicy::quarterly()),
        days => {
            let days: u32 = days.parse().map_err(|_| {
                Failure::Usage("--period is annual, quarterly or a number of days".into())
            })?;
            Ok(RotationPolicy::every_days(days)?)
        }
    }
}

fn backup_passphrase() -> CliResult<Password> {
    std::env::var_os(ENV_BACKUP_PASSPHRASE)
        .map(|v| Password::from(v.into_encoded_bytes()))
        .ok_or_else(|| {
            Failure::Usage(format!(
                "no backup passphrase: set {ENV_BACKUP_PASSPHRASE}, or use shares"
            ))
        })
}

fn read_shares(path: &std::path::Path) -> CliResult<Vec<String>> {
    let bytes = if path.as_os_str() == "-" {
        limits::read_from(std::io::stdin(), "<stdin>", Input::Share)?
    } else {
        limits::read_file(path, Input::Share)?
    };
    let text = String::from_utf8_lossy(&bytes);
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect())
}

/// Runs a lifecycle subcommand.
pub(crate) fn run(command: Command) -> CliResult<()> {
    match command {
        Command::Rotate {
            common,
            target,
            algorithm,
            window_days,
            expect_revision,
            period,
        } => {
            let new = target.new_key(algorithm)?.ok_or_else(|| {
                Failure::Usage("rotate needs --store URI or --kms URI for the new key".into())
            })?;
            let mut options = RotateOptions::default();
            options.transition_window_days = window_days;
            options.expect_revision = expect_revision;
            options.policy = period.as_deref().map(parse_period).transpose()?;
            let keyring = common.open()?;
            let out = keyring.rotate_with(
                &new,
                &options,
                &common.actor("scheduled rotation")?,
                common.now(),
            )?;
            common.print(to_json(&out), || {
                let mut text = format!(
                    "Key #{} {} is active ({})",
                    out.new_key, out.new_fingerprint, out.location
                );
                if let (Some(id), Some(fp)) = (out.old_key, &out.old_fingerprint) {
                    text.push_str(&format!("\nKey #{id} {fp} deactivated"));
                    if let Some(until) = out.old_trusted_until {
                        text.push_str(&format!(", trusted until {until}"));
                    }
                }
                if out.resumed {
                    text.push_str("\n(completed an interrupted rotation)");
                }
                text.push_str(&format!("\nAudit head: {}", out.audit_head));
                text
            })?;
            audit_incomplete(out.audit_pending, out.audit_error.as_ref())
        }
        Command::Revoke {
            common,
            key,
            incident,
            target,
            algorithm,
        } => {
            let compromise = Compromise {
                reason: common.reason.clone(),
                incident,
            };
            if compromise.reason.is_empty() {
                return Err(Failure::Usage(
                    "revoke needs --reason (what happened) and --incident".into(),
                ));
            }
            let keyring = common.open()?;
            let actor = common.actor("compromise")?;
            match target.new_key(algorithm)? {
                Some(new) => {
                    let out =
                        keyring.emergency_rotate(&key, &compromise, &new, &actor, common.now())?;
                    common.print(to_json(&out), || {
                        format!(
                            "Key {key} marked compromised (incident {})\nKey #{} {} is active \
                             ({})\nAudit head: {}",
                            compromise.incident,
                            out.new_key,
                            out.new_fingerprint,
                            out.location,
                            out.audit_head
                        )
                    })?;
                    audit_incomplete(out.audit_pending, out.audit_error.as_ref())
                }
                None => {
                    let out = keyring.revoke(&key, &compromise, &actor, common.now())?;
                    common.print(to_json(&out), || {
                        let mut text = format!(
                            "Key #{} {} marked compromised (incident {}); it was {}",
                            out.key, out.fingerprint, out.incident, out.previous_state
                        );
                        if out.active_key.is_none() {
                            text.push_str(
                                "\nWARNING: no key is active now: rotate (rotate --store/--kms)",
                            );
                        }
                        text.push_str(&format!("\nAudit head: {}", out.audit_head));
                        text
                    })?;
                    audit_incomplete(out.audit_pending, out.audit_error.as_ref())
                }
            }
        }
        Command::Retire { common, key } => {
            let keyring = common.open()?;
            let ids = keyring.retire(
                key.as_deref(),
                &common.actor("transition window ended")?,
                common.now(),
            )?;
            common.print(to_json(&ids), || {
                if ids.is_empty() {
                    "No key to retire".into()
                } else {
                    let list: Vec<String> = ids.iter().map(|id| format!("#{id}")).collect();
                    format!("Retired {}", list.join(", "))
                }
            })?;
            Ok(())
        }
        Command::Destroy {
            common,
            key,
            material_gone,
        } => {
            let keyring = common.open()?;
            let options = if material_gone {
                DestroyOptions::material_gone()
            } else {
                DestroyOptions::default()
            };
            let head = keyring.destroy_with(
                &key,
                &options,
                &common.actor("destroy key material")?,
                common.now(),
            )?;
            common.print(to_json(&head), || {
                let what = if material_gone {
                    format!(
                        "Key {key} recorded destroyed (--material-gone: material that was not \
                         found was taken as gone on your word; the audit record says so)"
                    )
                } else {
                    format!("Private material of key {key} destroyed")
                };
                format!("{what}\nAudit head: {head}")
            })?;
            Ok(())
        }
        Command::Status { common } => {
            let status = common.open()?.status(common.now())?;
            common.print(to_json(&status), || {
                let mut text = format!(
                    "Keyring {} (revision {}), rotation every {} days, {}-day transition window",
                    status.keyring,
                    status.revision,
                    status.policy.period_days,
                    status.policy.transition_window_days
                );
                for key in &status.keys {
                    text.push_str(&format!(
                        "\n  #{} {} {:<11} {}{} {}",
                        key.record.id,
                        key.record.fingerprint,
                        key.record.algorithm,
                        key.status,
                        if key.trusted { " [trusted]" } else { "" },
                        key.record.location
                    ));
                }
                text.push_str(&format!("\nDue: {}", status.due.reason));
                if let Some(p) = &status.pending {
                    text.push_str(&format!(
                        "\nPENDING: {} {} since {} by {}: retry it",
                        p.kind.as_str(),
                        p.id,
                        p.started_at,
                        p.actor.who
                    ));
                }
                text.push_str(&format!(
                    "\nArtifacts to re-sign: {}\nAudit head: {}",
                    status.resign_count, status.audit_head
                ));
                if status.audit_pending > 0 {
                    text.push_str(&format!(
                        "\nAUDIT PENDING: {} record(s) queued in the keyring, written by the next \
                         operation that can write the log",
                        status.audit_pending
                    ));
                }
                if let Some(problem) = &status.audit_problem {
                    text.push_str(&format!("\nAUDIT PROBLEM: {problem}"));
                }
                text
            })?;
            Ok(())
        }
        Command::Due { common, check } => {
            let due = common.open()?.due(common.now())?;
            common.print(to_json(&due), || {
                let mut text = format!(
                    "{}: {}",
                    if due.rotation_due {
                        "ROTATION DUE"
                    } else {
                        "not due"
                    },
                    due.reason
                );
                if !due.retire.is_empty() {
                    let list: Vec<String> = due.retire.iter().map(|id| format!("#{id}")).collect();
                    text.push_str(&format!("\nReady to retire: {}", list.join(", ")));
                }
                if let Some(p) = &due.pending_operation {
                    text.push_str(&format!("\nPending: {p}"));
                }
                text
            })?;
            if check && (due.rotation_due || !due.retire.is_empty()) {
                // Something is due: a status a scheduler can act on.
                std::process::exit(1);
            }
            Ok(())
        }
        Command::TrustBundle { common, out } => {
            let keyring = common.open()?;
            let bundle =
                keyring.distribute(&out, &common.actor("distribute public keys")?, common.now())?;
            common.print(to_json(&bundle), || {
                let mut text = format!(
                    "Trust bundle in {} ({} keys)",
                    out.display(),
                    bundle.keys.len()
                );
                for key in &bundle.keys {
                    text.push_str(&format!(
                        "\n  #{} {} {}",
                        key.id, key.fingerprint, key.state
                    ));
                }
                text
            })?;
            Ok(())
        }
        Command::Audit {
            command:
                AuditCommand::Verify {
                    keyring,
                    audit_log,
                    head,
                    json,
                },
        } => {
            let (report, pending) = match &keyring {
                Some(location) => {
                    let path = audit_path(location, audit_log.as_ref())?;
                    let keyring = Keyring::open(KeyringConfig::new(location.clone(), path))?;
                    let report = keyring.verify_audit()?;
                    if let Some(head) = &head {
                        keyring.audit_log().verify(Some(head))?;
                    }
                    let pending = keyring
                        .manifest()?
                        .map_or(0, |(m, _)| m.audit_pending.len());
                    (report, pending)
                }
                None => {
                    let path = audit_log.ok_or_else(|| {
                        Failure::Usage(
                            "audit verify needs --keyring (or COSIGN_KEYS_KEYRING) or --audit-log"
                                .into(),
                        )
                    })?;
                    (AuditLog::new(&path).verify(head.as_ref())?, 0)
                }
            };
            if json {
                outln!("{}", to_json(&report))?;
            } else {
                outln!(
                    "Audit log OK: {} records, head {}",
                    report.records,
                    report.head
                )?;
            }
            if report.incomplete_tail > 0 {
                note!(
                    "warning: the log ends with an incomplete record ({} bytes, a write cut short \
                     by a crash or a full disk); the next write moves it aside and records the \
                     repair",
                    report.incomplete_tail
                );
            }
            if pending > 0 {
                note!(
                    "warning: {pending} audit record(s) are queued in the keyring, not yet in the \
                     log; the next operation that can write the log appends them"
                );
            }
            Ok(())
        }
        Command::Backup {
            common,
            out,
            shares,
            threshold,
            work_factor,
            force,
        } => {
            let secret = match (shares, threshold) {
                (Some(shares), Some(threshold)) => BackupSecret::Shares { threshold, shares },
                _ => BackupSecret::Passphrase(backup_passphrase()?),
            };
            let mut options = BackupOptions::default();
            options.work_factor = work_factor;
            options.overwrite = force;
            let keyring = common.open()?;
            let (summary, share_set) = backup::blocking::create(
                &keyring,
                &out,
                &secret,
                &options,
                &common.actor("offline backup")?,
                common.now(),
            )?;
            if let Some(set) = &share_set {
                note!(
                    "Backup passphrase split into {} shares of set {}; any {} recover it. Give \
                     each share to a different person; they are printed once:",
                    set.len(),
                    set.set_id(),
                    set.threshold()
                );
                for share in set.expose_shares() {
                    outln!("{share}")?;
                }
            }
            if common.json {
                note!("{}", to_json(&summary));
            } else {
                note!(
                    "Backup written to {} ({} keys)\nAudit head: {}",
                    summary.path,
                    summary.keys.len(),
                    summary.audit_head
                );
            }
            Ok(())
        }
        Command::Recover {
            common,
            backup: path,
            shares_file,
            map_store,
            force,
            max_work_factor,
        } => {
            let secret = match &shares_file {
                Some(file) => RecoverySecret::Shares(read_shares(file)?),
                None => RecoverySecret::Passphrase(backup_passphrase()?),
            };
            let mut options = RecoveryOptions::default();
            options.overwrite = force;
            options.max_work_factor = max_work_factor;
            for pair in &map_store {
                let (from, to) = pair.split_once('=').ok_or_else(|| {
                    Failure::Usage("--map-store takes ORIGINAL=REPLACEMENT".into())
                })?;
                options.store_map.push((from.to_owned(), to.to_owned()));
            }
            let bytes = limits::read_file(&path, Input::Backup)?;
            let summary = backup::blocking::recover(
                &bytes,
                &secret,
                &common.config()?,
                &options,
                &common.actor("recovery from backup")?,
                common.now(),
            )?;
            common.print(to_json(&summary), || {
                let mut text = format!(
                    "Keyring {} restored (revision {}), {} keys",
                    summary.keyring,
                    summary.revision,
                    summary.keys.len()
                );
                for key in &summary.keys {
                    text.push_str(&format!(
                        "\n  #{} {} -> {}",
                        key.id, key.fingerprint, key.location
                    ));
                }
                text.push_str(&format!("\nAudit head: {}", summary.audit_head));
                text
            })?;
            Ok(())
        }
    }
}
