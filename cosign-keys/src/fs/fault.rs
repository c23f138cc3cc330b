//! Fault injection at every write step (cargo feature `fault-injection`,
//! for the fault-matrix test only; never in a release build).
//!
//! Every place the crate changes the file system (creates, writes, flushes,
//! renames, links or removes a file, creates or flushes a directory,
//! appends to or cuts the audit log, overwrites a file it destroys) first
//! passes through [`step`]. Driven by the environment variable [`ENV`]:
//!
//! - `count`: count the steps; after each one the running count is written
//!   to the file named by [`COUNT_FILE_ENV`] (if set);
//! - `kill@N`: at step N, [`std::process::abort`] — a kill at that
//!   instruction (no destructor, no cleanup runs);
//! - `enospc@N` / `eio@N`: step N fails with that `errno`, through the
//!   normal error paths (once; later steps succeed).
//!
//! A fault at a data write is a torn write: half the bytes are written
//! before the kill or the error, as a crash or a full disk mid-write
//! leaves. Unset, empty or unparsable: no step is counted or failed.
//!
//! ```
//! assert_eq!(cosign_keys::fs::fault::ENV, "COSIGN_KEYS_FAULT");
//! ```

use std::fs::File;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// The variable that arms the fault: `count`, `kill@N`, `enospc@N`, `eio@N`.
pub const ENV: &str = "COSIGN_KEYS_FAULT";

/// The file `count` mode writes the running step count to.
pub const COUNT_FILE_ENV: &str = "COSIGN_KEYS_FAULT_COUNT_FILE";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    Off,
    Count,
    Kill(u64),
    Errno(u64, i32),
}

static PLAN: OnceLock<Plan> = OnceLock::new();
static STEPS: AtomicU64 = AtomicU64::new(0);

fn parse(text: &str) -> Plan {
    let text = text.trim();
    if text == "count" {
        return Plan::Count;
    }
    let Some((kind, n)) = text.split_once('@') else {
        return Plan::Off;
    };
    let Ok(n) = n.parse::<u64>() else {
        return Plan::Off;
    };
    match kind {
        "kill" => Plan::Kill(n),
        "enospc" => Plan::Errno(n, libc::ENOSPC),
        "eio" => Plan::Errno(n, libc::EIO),
        _ => Plan::Off,
    }
}

fn plan() -> Plan {
    *PLAN.get_or_init(|| std::env::var(ENV).map_or(Plan::Off, |v| parse(&v)))
}

/// How many write steps this process has taken so far (0 when unarmed).
///
/// ```
/// let _ = cosign_keys::fs::fault::steps();
/// ```
#[must_use]
pub fn steps() -> u64 {
    STEPS.load(Ordering::SeqCst)
}

/// What happens at this step.
enum Fire {
    Go,
    Kill,
    Fail(i32),
}

fn next() -> Fire {
    let plan = plan();
    if plan == Plan::Off {
        return Fire::Go;
    }
    let n = STEPS.fetch_add(1, Ordering::SeqCst) + 1;
    match plan {
        Plan::Count => {
            if let Some(path) = std::env::var_os(COUNT_FILE_ENV) {
                // Not itself a step: the count is the test's, not the store's.
                let _ = std::fs::write(path, n.to_string());
            }
            Fire::Go
        }
        Plan::Kill(at) if at == n => Fire::Kill,
        Plan::Errno(at, errno) if at == n => Fire::Fail(errno),
        _ => Fire::Go,
    }
}

/// One write step: goes on, aborts the process, or fails with the armed
/// `errno`.
pub(crate) fn step() -> std::io::Result<()> {
    match next() {
        Fire::Go => Ok(()),
        Fire::Kill => std::process::abort(),
        Fire::Fail(errno) => Err(std::io::Error::from_raw_os_error(errno)),
    }
}

/// `file.write_all(bytes)` as one step; a fault here tears the write.
pub(crate) fn write_all(file: &mut File, bytes: &[u8]) -> std::io::Result<()> {
    match next() {
        Fire::Go => file.write_all(bytes),
        Fire::Kill => {
            let _ = file.write_all(&bytes[..bytes.len() / 2]);
            std::process::abort()
        }
        Fire::Fail(errno) => {
            file.write_all(&bytes[..bytes.len() / 2])?;
            Err(std::io::Error::from_raw_os_error(errno))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_parse() {
        assert_eq!(parse("count"), Plan::Count);
        assert_eq!(parse("kill@3"), Plan::Kill(3));
        assert_eq!(parse("enospc@1"), Plan::Errno(1, libc::ENOSPC));
        assert_eq!(parse("eio@12"), Plan::Errno(12, libc::EIO));
        assert_eq!(parse("eio@x"), Plan::Off);
        assert_eq!(parse(""), Plan::Off);
        assert_eq!(parse("boom@1"), Plan::Off);
    }
}
