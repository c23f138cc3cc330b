//! Key files: permissions, no silent overwrite, atomic replacement.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic

use std::os::unix::fs::PermissionsExt;

use cosign_keys::fs::{write_atomic, Overwrite, PRIVATE_FILE_MODE, PUBLIC_FILE_MODE};
use cosign_keys::Error;

/// A fresh directory, removed when the guard drops (tests that remove it
/// themselves check that it can be).
fn scratch(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("cosign-keys-fs-{name}-"))
        .tempdir()
        .unwrap()
}

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn private_files_are_0600_and_public_files_0644() {
    let scratch_dir = scratch("modes");
    let dir = scratch_dir.path().to_path_buf();
    write_atomic(&dir.join("k"), b"secret", PRIVATE_FILE_MODE, Overwrite::No).unwrap();
    write_atomic(&dir.join("p"), b"public", PUBLIC_FILE_MODE, Overwrite::No).unwrap();
    assert_eq!(mode(&dir.join("k")), 0o600);
    assert_eq!(mode(&dir.join("p")), 0o644);
    // Replacing keeps the requested mode even over a looser file.
    std::fs::set_permissions(dir.join("k"), std::fs::Permissions::from_mode(0o666)).unwrap();
    write_atomic(
        &dir.join("k"),
        b"secret2",
        PRIVATE_FILE_MODE,
        Overwrite::Yes,
    )
    .unwrap();
    assert_eq!(mode(&dir.join("k")), 0o600);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn existing_files_are_never_overwritten_unless_asked() {
    let scratch_dir = scratch("noclobber");
    let dir = scratch_dir.path().to_path_buf();
    let path = dir.join("cosign.key");
    std::fs::write(&path, b"precious").unwrap();
    let err = write_atomic(&path, b"new", PRIVATE_FILE_MODE, Overwrite::No).unwrap_err();
    assert!(matches!(err, Error::AlreadyExists { .. }), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), b"precious");
    // A dangling symlink counts as existing too: never write through it.
    std::os::unix::fs::symlink(dir.join("elsewhere"), dir.join("link")).unwrap();
    assert!(matches!(
        write_atomic(&dir.join("link"), b"x", PRIVATE_FILE_MODE, Overwrite::No),
        Err(Error::AlreadyExists { .. })
    ));
    assert!(!dir.join("elsewhere").exists());
    // No temporary files are left behind.
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_crash_before_the_rename_leaves_the_old_file_intact() {
    // Simulate a crash after the temporary file was written but before it
    // was moved into place: the target must still hold the old content, and
    // the next write must succeed despite the leftover.
    let scratch_dir = scratch("crash");
    let dir = scratch_dir.path().to_path_buf();
    let path = dir.join("cosign.key");
    write_atomic(&path, b"old key", PRIVATE_FILE_MODE, Overwrite::No).unwrap();
    std::fs::write(
        dir.join(".cosign.key.tmp-deadbeef0000"),
        b"half-written new ke",
    )
    .unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"old key");
    write_atomic(&path, b"new key", PRIVATE_FILE_MODE, Overwrite::Yes).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"new key");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_read_only_directory_gives_an_io_error_and_changes_nothing() {
    if running_as_root() {
        // root ignores directory permissions; use a path under a file instead,
        // which fails for everyone.
        let scratch_dir = scratch("rofile");
        let dir = scratch_dir.path().to_path_buf();
        std::fs::write(dir.join("not-a-dir"), b"").unwrap();
        let err = write_atomic(
            &dir.join("not-a-dir/cosign.key"),
            b"k",
            PRIVATE_FILE_MODE,
            Overwrite::No,
        )
        .unwrap_err();
        assert!(matches!(err, Error::Io { .. }), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
        return;
    }
    let scratch_dir = scratch("ro");
    let dir = scratch_dir.path().to_path_buf();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    let err = write_atomic(
        &dir.join("cosign.key"),
        b"k",
        PRIVATE_FILE_MODE,
        Overwrite::No,
    )
    .unwrap_err();
    assert!(matches!(err, Error::PermissionDenied { .. }), "{err}");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Whether we run as root (CI does), without libc: root can create a file in
/// a 0555 directory.
fn running_as_root() -> bool {
    let scratch_dir = scratch("probe-root");
    let dir = scratch_dir.path().to_path_buf();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    let root = std::fs::write(dir.join("x"), b"").is_ok();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    root
}

#[test]
fn concurrent_in_place_changes_of_one_key_file_exactly_one_wins() {
    use cosign_keys::fs::replace_if_unchanged;
    use std::sync::{Arc, Barrier};
    let scratch_dir = scratch("replace-race");
    let dir = scratch_dir.path().to_path_buf();
    let path = dir.join("cosign.key");
    write_atomic(&path, b"original", PRIVATE_FILE_MODE, Overwrite::No).unwrap();
    // A killed writer's leftover, which the winner tidies under the lock.
    std::fs::write(dir.join(".cosign.key.tmp-0123456789ab"), b"junk").unwrap();
    let barrier = Arc::new(Barrier::new(8));
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let (path, barrier) = (path.clone(), Arc::clone(&barrier));
            std::thread::spawn(move || {
                // Every writer has read "original" before any writes.
                let read = std::fs::read(&path).unwrap();
                barrier.wait();
                replace_if_unchanged(
                    &path,
                    &read,
                    format!("new {i}").as_bytes(),
                    PRIVATE_FILE_MODE,
                )
                .map(|()| i)
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let winners: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    assert!(results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .all(|e| matches!(e, Error::Conflict { .. })));
    assert_eq!(
        std::fs::read(&path).unwrap(),
        format!("new {}", winners[0]).into_bytes()
    );
    assert_eq!(mode(&path), 0o600);
    assert!(!dir.join(".cosign.key.tmp-0123456789ab").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_symlinked_audit_log_is_refused() {
    use cosign_keys::audit::AuditLog;
    let scratch_dir = scratch("audit-link");
    let dir = scratch_dir.path().to_path_buf();
    std::fs::write(dir.join("real.jsonl"), b"").unwrap();
    std::os::unix::fs::symlink(dir.join("real.jsonl"), dir.join("audit.jsonl")).unwrap();
    let log = AuditLog::new(dir.join("audit.jsonl"));
    for err in [
        log.head().err(),
        log.entries().err(),
        log.verify(None).err(),
    ] {
        let err = err.expect("a linked audit log was read");
        assert_eq!(
            err.code(),
            cosign_keys::ErrorCode::PermissionDenied,
            "{err}"
        );
        assert!(err.to_string().contains("symbolic link"), "{err}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A user-named key file that holds a private key, PEM or DER, is refused
/// when its group or others may read it; public keys are not checked.
#[test]
fn read_key_file_checks_private_keys_in_pem_and_der() {
    use cosign_keys::fs::{read_key_file, PermissionPolicy};
    use cosign_keys::{Algorithm, ErrorCode, PrivateKey};

    let scratch_dir = scratch("read-key-file");

    let dir = scratch_dir.path().to_path_buf();
    let key = PrivateKey::generate(Algorithm::EcdsaP256).unwrap();
    let der = key.to_pkcs8_der();
    let pem = key.to_pkcs8_pem().unwrap();
    let spki_der = key.public_key().as_spki_der();
    for (name, bytes, private) in [
        ("key.der", der.expose_secret(), true),
        ("key.pem", pem.expose_secret(), true),
        ("pub.der", spki_der, false),
    ] {
        let path = dir.join(name);
        write_atomic(&path, bytes, 0o644, Overwrite::Yes).unwrap();
        let result = read_key_file(&path, PermissionPolicy::Enforce);
        if private {
            assert_eq!(
                result.unwrap_err().code(),
                ErrorCode::PermissionDenied,
                "{name}"
            );
            assert_eq!(
                read_key_file(&path, PermissionPolicy::Warn)
                    .unwrap()
                    .as_slice(),
                bytes
            );
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
            assert!(read_key_file(&path, PermissionPolicy::Enforce).is_ok());
        } else {
            assert_eq!(result.unwrap().as_slice(), bytes, "{name}");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A plain pair written over an older one: never a key beside another
/// key's public half, and temporary files killed writers left are tidied.
#[test]
fn write_key_pair_files_replaces_both_and_tidies() {
    use cosign_keys::fs::write_key_pair_files;

    let scratch_dir = scratch("pair-files");

    let dir = scratch_dir.path().to_path_buf();
    let (key, public) = (dir.join("cosign.key"), dir.join("cosign.pub"));
    write_key_pair_files(&key, b"key 1", &public, b"pub 1", Overwrite::No).unwrap();
    assert_eq!(mode(&key), PRIVATE_FILE_MODE);
    assert_eq!(mode(&public), PUBLIC_FILE_MODE);
    let leftover = dir.join(".cosign.key.tmp-deadbeef");
    std::fs::write(&leftover, b"half a key").unwrap();
    let err = write_key_pair_files(&key, b"key 2", &public, b"pub 2", Overwrite::No).unwrap_err();
    assert!(matches!(err, Error::AlreadyExists { .. }), "{err}");
    assert_eq!(std::fs::read(&key).unwrap(), b"key 1");
    write_key_pair_files(&key, b"key 2", &public, b"pub 2", Overwrite::Yes).unwrap();
    assert_eq!(std::fs::read(&key).unwrap(), b"key 2");
    assert_eq!(std::fs::read(&public).unwrap(), b"pub 2");
    assert!(
        !leftover.exists(),
        "the killed writer's temp file is tidied"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
