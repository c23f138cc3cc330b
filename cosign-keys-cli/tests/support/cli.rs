//! Helpers shared by the CLI tests (`#[path = "support/cli.rs"] mod support;`
//! in each test file; kept under `support/` so that cargo does not build it
//! as a test of its own).

#![allow(dead_code, unreachable_pub, missing_docs)]
#![allow(clippy::unwrap_used, clippy::missing_panics_doc)] // test helpers may panic

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

/// The `cosign-keys` binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_cosign-keys");

/// A fresh directory named after `prefix`: its path, and the `tempfile`
/// guard that removes it on drop.
pub fn temp_dir(prefix: &str) -> (PathBuf, tempfile::TempDir) {
    let dir = tempfile::Builder::new()
        .prefix(&format!("{prefix}-"))
        .tempdir()
        .unwrap();
    (dir.path().to_path_buf(), dir)
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The permission bits of a file.
pub fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// The command succeeded; its standard output.
pub fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "stdout: {}\nstderr: {}",
        stdout(o),
        stderr(o)
    );
    stdout(o)
}

/// The command exited with `code` and said `needle` on standard error.
pub fn assert_exit(out: &Output, code: i32, needle: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(code), "{err}");
    assert!(err.contains(needle), "expected `{needle}` in: {err}");
}
