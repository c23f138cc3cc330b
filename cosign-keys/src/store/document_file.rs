//! The file [`DocumentStore`]: one document in one file, with its revision.
//!
//! File layout: one JSON object, so `jq` and every other JSON tool read it:
//!
//! ```text
//! {"cosign_keys_document":1,"revision":<N>,"document":<the document>}
//! ```
//!
//! `cosign_keys_document` is the layout's version (1), `revision` the
//! document's revision (1 and up), `document` the saved bytes, written
//! verbatim (for the keyring, its JSON: `jq .document keyring.json` shows
//! it). Keeping the revision inside the file makes the content and its
//! revision change together in one atomic rename. A load gives back exactly
//! the bytes that were saved, whitespace included; a file that another tool
//! rewrote (reformatted, members reordered) still loads, and then gives the
//! document's value as that tool wrote it. Unknown members, a missing or
//! non-numeric revision, revision 0 and other layout versions are refused.
//!
//! Only JSON can be saved: bytes that are not one JSON value (surrounding
//! whitespace allowed) are refused with [`Error::InvalidArgument`], and the
//! file is not touched. The keyring and its ledger always save JSON.
//!
//! Files written before this layout (a first line
//! `cosign-keys-document revision=<N>`, then the document's bytes) still
//! load; the next save writes the JSON layout.
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
use serde_json::value::RawValue;
use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

use super::{Document, DocumentStore};
use crate::fs::{open_no_follow, read_no_follow, remove_temp_files, write_atomic, Overwrite};
use crate::{Error, Result};

/// The member that names the layout, and its version.
const FORMAT: &str = "cosign_keys_document";
const VERSION: u64 = 1;
/// The first line of files written before the JSON layout.
const LEGACY_HEADER: &str = "cosign-keys-document revision=";
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
            Some(raw) => parse(&self.path, &raw).map(Some),
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

/// The text of an error about the file at `path`, which is not ours.
fn not_ours(path: &Path, why: &str) -> Error {
    Error::Backend {
        backend: "file",
        status: None,
        message: format!(
            "{} is not a cosign-keys document ({why}); it must be one JSON object \
             {{\"{FORMAT}\": {VERSION}, \"revision\": <N>, \"document\": <JSON>}}",
            path.display()
        ),
    }
}

/// At most this many bytes of a parser's message go into an error (a
/// hostile file could otherwise echo megabytes into it).
const MAX_REASON: usize = 200;

fn bounded(mut text: String) -> String {
    if text.len() > MAX_REASON {
        let mut end = MAX_REASON;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

/// The file's one JSON object. Unknown members are refused, so a file
/// written by a newer, different layout is not half understood.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope<'a> {
    cosign_keys_document: u64,
    revision: u64,
    #[serde(borrow)]
    document: &'a RawValue,
}

/// What a save writes before the document: the envelope's other members.
fn prefix(revision: u64) -> String {
    format!("{{\"{FORMAT}\":{VERSION},\"revision\":{revision},\"document\":")
}

/// What a save writes after the document.
const SUFFIX: &str = "}\n";

/// Whitespace as JSON defines it (what may surround a value).
fn json_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

fn parse(path: &Path, raw: &[u8]) -> Result<Document> {
    if raw.starts_with(LEGACY_HEADER.as_bytes()) {
        return parse_legacy(path, raw);
    }
    let text = std::str::from_utf8(raw).map_err(|_| not_ours(path, "not UTF-8 text"))?;
    let envelope: Envelope<'_> = serde_json::from_str(text)
        .map_err(|e| not_ours(path, &bounded(format!("not its JSON object: {e}"))))?;
    if envelope.cosign_keys_document != VERSION {
        return Err(not_ours(
            path,
            &format!(
                "layout version {}, this build reads {VERSION}",
                envelope.cosign_keys_document
            ),
        ));
    }
    let revision = envelope.revision;
    if revision == 0 {
        return Err(not_ours(path, "revision 0"));
    }
    let value = envelope.document.get();
    // A file as a save wrote it gives back the saved bytes exactly,
    // whitespace around the value included (the keyring's JSON ends with a
    // newline). A file another tool rewrote gives the value as that tool
    // wrote it.
    let exact = text
        .strip_prefix(prefix(revision).as_str())
        .and_then(|rest| rest.strip_suffix(SUFFIX))
        .filter(|middle| middle.trim_matches(json_space) == value);
    Ok(Document {
        bytes: exact.unwrap_or(value).as_bytes().to_vec(),
        revision,
    })
}

/// A file as versions before the JSON layout wrote it: the line
/// `cosign-keys-document revision=<N>`, then the document's bytes.
fn parse_legacy(path: &Path, raw: &[u8]) -> Result<Document> {
    let newline = raw
        .iter()
        .position(|&b| b == b'\n')
        .ok_or_else(|| not_ours(path, "no end to the revision line"))?;
    let number = raw
        .get(LEGACY_HEADER.len()..newline)
        .and_then(|n| std::str::from_utf8(n).ok())
        .unwrap_or_default();
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(not_ours(path, "bad revision number"));
    }
    let revision: u64 = number
        .parse()
        .map_err(|_| not_ours(path, "bad revision number"))?;
    if revision == 0 {
        return Err(not_ours(path, "revision 0"));
    }
    Ok(Document {
        bytes: raw.get(newline + 1..).unwrap_or_default().to_vec(),
        revision,
    })
}

/// The file a save writes for `bytes` at `revision`; refuses bytes that are
/// not one JSON value, and checks that the file reads back as exactly
/// `bytes`.
fn encode(path: &Path, bytes: &[u8], revision: u64) -> Result<Vec<u8>> {
    let refuse = |reason: String| Error::InvalidArgument {
        name: "bytes",
        reason: format!(
            "a file document must be one JSON value (the keyring saves JSON): {reason}"
        ),
    };
    let text = std::str::from_utf8(bytes).map_err(|_| refuse("not UTF-8 text".to_owned()))?;
    serde_json::from_str::<serde::de::IgnoredAny>(text)
        .map_err(|e| refuse(bounded(e.to_string())))?;
    let mut out = prefix(revision);
    out.reserve(text.len() + SUFFIX.len());
    out.push_str(text);
    out.push_str(SUFFIX);
    match parse(path, out.as_bytes()) {
        Ok(doc) if doc.bytes == bytes && doc.revision == revision => Ok(out.into_bytes()),
        Ok(_) => Err(refuse("it would not read back unchanged".to_owned())),
        Err(e) => Err(refuse(bounded(e.to_string()))),
    }
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
        // A hostile or damaged file may hold the largest revision there is.
        let revision = current
            .checked_add(1)
            .ok_or_else(|| not_ours(&self.path, "revision at its maximum: no next revision"))?;
        let out = encode(&self.path, bytes, revision)?;
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
    fn a_file_at_the_largest_revision_is_refused_not_wrapped() {
        let dir = temp("maxrev");
        let content = format!(
            "{{\"{FORMAT}\":{VERSION},\"revision\":{},\"document\":{{}}}}\n",
            u64::MAX
        );
        let store = write(&dir, "keyring.json", content.as_bytes());
        let loaded = pollster::block_on(store.load()).unwrap().unwrap();
        assert_eq!(loaded.revision, u64::MAX);
        let err = pollster::block_on(store.save(b"[]", u64::MAX)).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Backend {
                    backend: "file",
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("no next revision"), "{err}");
        assert_eq!(fs::read(store.path()).unwrap(), content.as_bytes());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn concurrent_savers_from_one_revision_exactly_one_wins() {
        let dir = temp("race");
        let path = dir.join("doc");
        let store = FileDocumentStore::new(&path);
        pollster::block_on(store.save(b"\"base\"", 0)).unwrap();
        let results: Vec<Result<u64>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|i| {
                    let store = FileDocumentStore::new(&path);
                    s.spawn(move || {
                        pollster::block_on(store.save(format!("\"w{i}\"").as_bytes(), 1))
                    })
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

    fn write(dir: &Path, name: &str, content: &[u8]) -> FileDocumentStore {
        fs::create_dir_all(dir).unwrap();
        let path = dir.join(name);
        fs::write(&path, content).unwrap();
        FileDocumentStore::new(path)
    }

    #[test]
    fn the_file_is_one_json_object_and_gives_back_the_saved_bytes_exactly() {
        let dir = temp("json");
        let store = FileDocumentStore::new(dir.join("keyring.json"));
        // Pretty JSON with a final newline, as the keyring writes it.
        let doc = b"{\n  \"format\": \"x\",\n  \"keys\": [1, 2]\n}\n";
        assert_eq!(pollster::block_on(store.save(doc, 0)).unwrap(), 1);
        let file = fs::read(store.path()).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&file).unwrap();
        assert_eq!(value["cosign_keys_document"], 1);
        assert_eq!(value["revision"], 1);
        assert_eq!(value["document"]["keys"][1], 2);
        let loaded = pollster::block_on(store.load()).unwrap().unwrap();
        assert_eq!((loaded.bytes.as_slice(), loaded.revision), (&doc[..], 1));

        // Any JSON value, whitespace around it kept.
        for (i, doc) in [&b" [] "[..], b"\"text\"", b"null", b"\t12.50\r\n"]
            .iter()
            .enumerate()
        {
            let revision = u64::try_from(i).unwrap() + 1;
            pollster::block_on(store.save(doc, revision)).unwrap();
            let loaded = pollster::block_on(store.load()).unwrap().unwrap();
            assert_eq!(
                (loaded.bytes.as_slice(), loaded.revision),
                (*doc, revision + 1)
            );
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(store.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, MODE);
        }
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bytes_that_are_not_one_json_value_are_refused_and_nothing_changes() {
        let dir = temp("notjson");
        let store = FileDocumentStore::new(dir.join("doc.json"));
        pollster::block_on(store.save(b"{}", 0)).unwrap();
        let before = fs::read(store.path()).unwrap();
        for bytes in [
            &b""[..],
            b"   ",
            b"base",
            b"{} {}",
            b"{\"a\":",
            b"1,\"revision\":9",
            b"1,\"extra\":true",
            b"1}{\"x\":1",
            b"\xff\xfe",
        ] {
            let err = pollster::block_on(store.save(bytes, 1)).unwrap_err();
            assert!(
                matches!(err, Error::InvalidArgument { name: "bytes", .. }),
                "{:?}: {err}",
                String::from_utf8_lossy(bytes)
            );
            assert!(err.to_string().contains("one JSON value"), "{err}");
        }
        assert_eq!(fs::read(store.path()).unwrap(), before);
        assert_eq!(
            pollster::block_on(store.load()).unwrap().unwrap().revision,
            1
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_old_file_with_a_revision_line_loads_and_the_next_save_writes_json() {
        let dir = temp("legacy");
        let doc = b"{\n  \"format\": \"cosign-keys-keyring\"\n}\n";
        let mut old = b"cosign-keys-document revision=7\n".to_vec();
        old.extend_from_slice(doc);
        let store = write(&dir, "keyring.json", &old);
        let loaded = pollster::block_on(store.load()).unwrap().unwrap();
        assert_eq!((loaded.bytes.as_slice(), loaded.revision), (&doc[..], 7));

        // A stale writer still loses against the old file's revision.
        let err = pollster::block_on(store.save(b"{}", 6)).unwrap_err();
        assert!(matches!(err, Error::Conflict { .. }), "{err}");
        assert_eq!(fs::read(store.path()).unwrap(), old);

        assert_eq!(pollster::block_on(store.save(&loaded.bytes, 7)).unwrap(), 8);
        let file = fs::read(store.path()).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&file).unwrap();
        assert_eq!(value["revision"], 8);
        assert_eq!(value["document"]["format"], "cosign-keys-keyring");
        let loaded = pollster::block_on(store.load()).unwrap().unwrap();
        assert_eq!((loaded.bytes.as_slice(), loaded.revision), (&doc[..], 8));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_file_another_tool_rewrote_gives_its_document_value() {
        let dir = temp("rewritten");
        let store = FileDocumentStore::new(dir.join("doc.json"));
        pollster::block_on(store.save(b"{\"b\": 1, \"a\": [true]}\n", 0)).unwrap();
        // As `jq . doc.json > tmp && mv tmp doc.json` leaves it.
        fs::write(
            store.path(),
            "{\n  \"revision\": 1,\n  \"document\": {\n    \"b\": 1,\n    \"a\": [\n      true\n    ]\n  },\n  \"cosign_keys_document\": 1\n}\n",
        )
        .unwrap();
        let loaded = pollster::block_on(store.load()).unwrap().unwrap();
        assert_eq!(loaded.revision, 1);
        assert_eq!(
            loaded.bytes,
            b"{\n    \"b\": 1,\n    \"a\": [\n      true\n    ]\n  }".to_vec()
        );
        assert_eq!(pollster::block_on(store.save(&loaded.bytes, 1)).unwrap(), 2);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn corrupt_and_hostile_files_are_refused_with_a_bounded_reason() {
        let dir = temp("corrupt");
        let huge_string = format!(
            "{{\"cosign_keys_document\":1,\"revision\":\"{}\",\"document\":{{}}}}",
            "9".repeat(100_000)
        );
        let deep = format!(
            "{{\"cosign_keys_document\":1,\"revision\":1,\"document\":{}{}}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("empty", b"".to_vec()),
            (
                "truncated",
                b"{\"cosign_keys_document\":1,\"revision\":3,\"document\":{\"a\"".to_vec(),
            ),
            (
                "no revision",
                b"{\"cosign_keys_document\":1,\"document\":{}}".to_vec(),
            ),
            (
                "negative revision",
                b"{\"cosign_keys_document\":1,\"revision\":-1,\"document\":{}}".to_vec(),
            ),
            (
                "fractional revision",
                b"{\"cosign_keys_document\":1,\"revision\":1.5,\"document\":{}}".to_vec(),
            ),
            (
                "text revision",
                b"{\"cosign_keys_document\":1,\"revision\":\"2\",\"document\":{}}".to_vec(),
            ),
            (
                "revision too big",
                b"{\"cosign_keys_document\":1,\"revision\":18446744073709551616,\"document\":{}}"
                    .to_vec(),
            ),
            (
                "revision 0",
                b"{\"cosign_keys_document\":1,\"revision\":0,\"document\":{}}".to_vec(),
            ),
            (
                "no document",
                b"{\"cosign_keys_document\":1,\"revision\":1}".to_vec(),
            ),
            ("no version", b"{\"revision\":1,\"document\":{}}".to_vec()),
            (
                "other version",
                b"{\"cosign_keys_document\":2,\"revision\":1,\"document\":{}}".to_vec(),
            ),
            (
                "unknown member",
                b"{\"cosign_keys_document\":1,\"revision\":1,\"document\":{},\"x\":1}".to_vec(),
            ),
            (
                "twice",
                b"{\"cosign_keys_document\":1,\"revision\":1,\"revision\":2,\"document\":{}}"
                    .to_vec(),
            ),
            (
                "trailing",
                b"{\"cosign_keys_document\":1,\"revision\":1,\"document\":{}} {}".to_vec(),
            ),
            ("array", b"[1, {}]".to_vec()),
            (
                "not utf-8",
                b"{\"cosign_keys_document\":1,\"revision\":1,\"document\":\"\xff\"}".to_vec(),
            ),
            ("huge revision text", huge_string.into_bytes()),
        ];
        for (i, (what, content)) in cases.iter().enumerate() {
            let store = write(&dir, &format!("d{i}"), content);
            let err = pollster::block_on(store.load()).unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::Backend {
                        backend: "file",
                        ..
                    }
                ),
                "{what}: {err}"
            );
            let text = err.to_string();
            assert!(
                text.contains("not a cosign-keys document"),
                "{what}: {text}"
            );
            assert!(text.len() < 1000, "{what}: {} bytes of error", text.len());
            // A save over it is refused too, and leaves it as it was.
            assert!(pollster::block_on(store.save(b"{}", 1)).is_err(), "{what}");
            assert!(&fs::read(store.path()).unwrap() == content, "{what}");
        }
        // Deep nesting is the document's business (the keyring's parser
        // bounds it); the file layer reads it without recursing.
        let store = write(&dir, "deep", deep.as_bytes());
        let loaded = pollster::block_on(store.load()).unwrap().unwrap();
        assert!(loaded.bytes.len() == 200_000 && loaded.revision == 1);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_file_over_the_manifest_limit_is_not_read() {
        let dir = temp("huge");
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("doc.json");
        // Sparse: nothing is written, only the size is set.
        File::create(&path)
            .unwrap()
            .set_len(Input::Manifest.limit() + 1)
            .unwrap();
        let err = pollster::block_on(FileDocumentStore::new(&path).load()).unwrap_err();
        assert!(matches!(err, Error::InputTooLarge { .. }), "{err}");
        fs::remove_dir_all(&dir).unwrap();
    }
}
