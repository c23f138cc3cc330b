//! The file store's version index (`cosign.meta.json`): parsed as a store
//! reads it; an index that parses must be written back to bytes that parse
//! to the same versions and serialize identically. The same bytes are then
//! put in a real store directory (with no key files), whose listing must
//! agree with the parse and whose reads must fail cleanly or succeed.
//!
//! Shared by the fuzz target `store_index` and `cosign-keys/tests/fuzz_corpus.rs`.

use std::path::PathBuf;
use std::sync::OnceLock;

use cosign_keys::fuzzing;
use cosign_keys::store::blocking::Store;

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = std::env::var_os("CK_FUZZ_TMP")
            .map_or_else(std::env::temp_dir, PathBuf::from)
            .join(format!("ck-fuzz-store-{}", std::process::id()));
        std::fs::create_dir_all(&base).expect("create the scratch directory");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&base, std::fs::Permissions::from_mode(0o700))
                .expect("make the scratch directory private");
        }
        base
    })
}

/// Must not panic on any input.
pub(crate) fn check(data: &[u8]) {
    let parsed = fuzzing::store_index(data);
    if let Ok((versions, saved)) = &parsed {
        let (again, saved_again) =
            fuzzing::store_index(saved).expect("a saved index must parse again");
        assert_eq!(&again, versions);
        assert_eq!(&saved_again, saved);
    }

    // The store itself over these bytes.
    let dir = dir();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            let _ = if path.is_dir() && !path.is_symlink() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
        }
    }
    std::fs::write(dir.join("cosign.meta.json"), data).expect("write the index");
    let store = Store::open(&format!("file://{}", dir.display())).expect("open the store");
    let listed = store.versions();
    match &parsed {
        Ok((versions, _)) => {
            assert_eq!(
                listed.as_ref().ok(),
                Some(versions),
                "the store lists what the index parse found"
            );
        }
        Err(_) => assert!(
            listed.is_err(),
            "the store accepted an index the parse refused"
        ),
    }
    let _ = store.get_public(None);
    let _ = store.get_public(Some(1));
}
