//! The file [`DocumentStore`]: one document in one file, with its revision.
//!
//! File layout: a first line `cosign-keys-document revision=<N>` then the
//! document's bytes exactly as saved (for the keyring, its JSON: `tail -n +2
//! keyring.json | jq .` shows it). Keeping the revision inside the file makes
//! the content and its revision change together in one atomic rename.
//!
//! A save runs under an exclusive lock on a sibling `<file>.lock` (the
//! document itself is replaced by rename, so its inode cannot carry the
//! lock): it reads the current revision, refuses a stale `expected` with
//! [`Error::Conflict`], then writes a temporary file, flushes it, renames it
//! over the document and flushes the directory. Two processes (or threads)
//! saving from the same revision: exactly one wins. A reader needs no lock:
//! it sees the old or the new file, never a torn one.
//!
//! The document and its lock are never opened through a symbolic link
//! ([`Error::PermissionDenied`]), and a save removes the temporary files
//! (`.<name>.tmp-*`) that killed writers left beside the document.

use crate::limits::Input;
use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

use super::{Document, DocumentStore};
use crate::fs::{open_no_follow, read_no_follow, remove_temp_files, write_atomic, Overwrite};
use crate::{Error, Result};

/// The first line's prefix.
const HEADER: &str = "cosign-keys-document revision=";
/// Mode of the document and its lock file: the keyring names who did what,
/// which is nobody else's business.
const MODE: u32 = 0o600;

/// A document kept in a local file.
///
/// ```
/// use cosign_keys::store::{DocumentStore, FileDocumentStore};
/// # use cosign_keys::Error;
///
/// let dir = std::env::temp_dir().join(format!("ck-docfile-{}", std::process::id()));
/// let store = FileDocumentStore::new(dir.join("keyring.json"));
/// pollster::block_on(async {
///     assert!(store.load().await?.is_none());
///     assert_eq!(store.save(b"{}", 0).await?, 1);
///     // A writer that read revision 0 has lost the race: nothing changes.
///     assert!(matches!(store.save(b"[]", 0).await, Err(Error::Conflict { .. })));
///     assert_eq!(store.save(b"{\"a\":1}", 1).await?, 2);
///     let doc = store.load().await?.unwrap();
///     assert_eq!((doc.bytes.as_slice(), doc.revision), (&b"{\"a\":1}"[..], 2));
///     Ok::<(), Error>(())
/// })?;
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), cosign_keys::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct FileDocumentStore {
    path: PathBuf,
}

impl FileDocumentStore {
    /// A document at `path` (created on the first save, with its directory).
    ///
    /// ```
    /// let store = cosign_keys::store::FileDocumentStore::new("keys/keyring.json");
    /// assert_eq!(store.path(), std::path::Path::new("keys/keyring.json"));
    /// ```
    #[must_use]
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The document's file.
    ///
    /// ```
    /// # let store = cosign_keys::store::FileDocumentStore::new("k.json");
    /// assert!(store.path().ends_with("k.json"));
    /// ```
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock_path(&self) -> PathBuf {
        let mut name = self.path.file_name().unwrap_or_default().to_os_string();
        name.push(".lock");
        self.path.with_file_name(name)
    }

    fn read(&self) -> Result<Option<Document>> {
        match read_no_follow(&self.path, Input::Manifest)? {
            Some(raw) => parse(&self.path, raw).map(Some),
            None => Ok(None),
        }
    }

    /// Opens (creating) the lock file and takes the exclusive lock; it is
    /// released when the returned file is dropped (or the process dies).
    fn lock(&self) -> Result<File> {
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir)?;
        }
        let lock_path = self.lock_path();
        let mut opts = OpenOptions::new();
        opts.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(MODE);
        }
        crate::fs::step_create(&lock_path)?;
        let file = open_no_follow(&lock_path, &mut opts)?;
        crate::lock::acquire(&file, &lock_path, false)?;
        Ok(file)
    }
}

fn create_private_dir(dir: &Path) -> Result<()> {
    crate::fs::step_create(dir)?;
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|e| Error::io(dir, e))
}

fn parse(path: &Path, mut raw: Vec<u8>) -> Result<Document> {
    let not_ours = |why: &str| Error::Backend {
        backend: "file",
        status: None,
        message: format!(
            "{} is not a cosign-keys document ({why}); it must start with `{HEADER}<N>`",
            path.display()
        ),
    };
    let newline = raw
        .iter()
        .position(|&b| b == b'\n')
        .ok_or_else(|| not_ours("no header line"))?;
    let header =
        std::str::from_utf8(&raw[..newline]).map_err(|_| not_ours("header is not text"))?;
    let number = header
        .strip_prefix(HEADER)
        .ok_or_else(|| not_ours("missing revision header"))?;
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(not_ours("bad revision number"));
    }
    let revision: u64 = number
        .parse()
        .map_err(|_| not_ours("bad revision number"))?;
    if revision == 0 {
        return Err(not_ours("revision 0"));
    }
    raw.drain(..=newline);
    Ok(Document {
        bytes: raw,
        revision,
    })
}

#[async_trait::async_trait]
impl DocumentStore for FileDocumentStore {
    fn location(&self) -> String {
        // The canonical text: `file:///…` for an absolute path (a relative
        // one has no file:// form and is shown as the path).
        super::KeyRef::File {
            dir: self.path.clone(),
            prefix: super::DEFAULT_PREFIX.to_owned(),
        }
        .to_string()
    }

    async fn load(&self) -> Result<Option<Document>> {
        self.read()
    }

    async fn save(&self, bytes: &[u8], expected: u64) -> Result<u64> {
        let _lock = self.lock()?;
        let current = self.read()?.map_or(0, |d| d.revision);
        if current != expected {
            return Err(Error::Conflict {
                what: self.location(),
                reason: format!(
                    "expected revision {expected}, found {current}: another writer saved first; \
                     reload and retry"
                ),
            });
        }
        // Under the lock no other writer is live: what killed writers left
        // (`.<name>.tmp-*`) goes.
        if let (Some(dir), Some(name)) = (
            self.path.parent(),
            self.path.file_name().and_then(|n| n.to_str()),
        ) {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            remove_temp_files(dir, &[name.to_owned()])?;
        }
        let revision = current + 1;
        let mut out = format!("{HEADER}{revision}\n").into_bytes();
        out.extend_from_slice(bytes);
        write_atomic(&self.path, &out, MODE, Overwrite::Yes)?;
        Ok(revision)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ck-docfile-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn rejects_files_that_are_not_documents() {
        let dir = temp("notours");
        fs::create_dir_all(&dir).unwrap();
        for (i, content) in [
            &b"{}"[..],
            b"hello\n{}",
            b"cosign-keys-document revision=x\n",
            b"cosign-keys-document revision=0\n",
        ]
        .iter()
        .enumerate()
        {
            let path = dir.join(format!("d{i}"));
            fs::write(&path, content).unwrap();
            let err = FileDocumentStore::new(&path).read().unwrap_err();
            assert!(
                err.to_string().contains("not a cosign-keys document"),
                "{err}"
            );
        }
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn concurrent_savers_from_one_revision_exactly_one_wins() {
        let dir = temp("race");
        let path = dir.join("doc");
        let store = FileDocumentStore::new(&path);
        pollster::block_on(store.save(b"base", 0)).unwrap();
        let results: Vec<Result<u64>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|i| {
                    let store = FileDocumentStore::new(&path);
                    s.spawn(move || pollster::block_on(store.save(format!("w{i}").as_bytes(), 1)))
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let wins = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(wins, 1);
        assert!(results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|e| matches!(e, Error::Conflict { .. })));
        let doc = pollster::block_on(store.load()).unwrap().unwrap();
        assert_eq!(doc.revision, 2);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_save_tidies_killed_writers_temporary_files_and_refuses_links() {
        let dir = temp("tidy");
        let path = dir.join("keyring.json");
        let store = FileDocumentStore::new(&path);
        pollster::block_on(store.save(b"{}", 0)).unwrap();
        fs::write(dir.join(".keyring.json.tmp-00112233aabb"), b"half").unwrap();
        fs::write(dir.join(".other.tmp-00112233aabb"), b"not ours").unwrap();
        pollster::block_on(store.save(b"[]", 1)).unwrap();
        assert!(!dir.join(".keyring.json.tmp-00112233aabb").exists());
        assert!(dir.join(".other.tmp-00112233aabb").exists());

        // The document and its lock are never followed through a link.
        let linked = dir.join("linked.json");
        std::os::unix::fs::symlink(&path, &linked).unwrap();
        let err = pollster::block_on(FileDocumentStore::new(&linked).load()).unwrap_err();
        assert!(matches!(err, Error::PermissionDenied { .. }), "{err}");
        let lock_linked = dir.join("l2.json");
        std::os::unix::fs::symlink(dir.join("elsewhere"), dir.join("l2.json.lock")).unwrap();
        let err =
            pollster::block_on(FileDocumentStore::new(&lock_linked).save(b"{}", 0)).unwrap_err();
        assert!(matches!(err, Error::PermissionDenied { .. }), "{err}");
        assert!(!dir.join("elsewhere").exists());
        fs::remove_dir_all(&dir).unwrap();
    }
}
