//! What the replica and the outbox share: one SQLite file per store, opened in WAL mode,
//! marked with the kind of store it is, and used from async code without blocking the
//! runtime.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::{Connection, OpenFlags};

use crate::DurableError;

/// The two kinds of store, told apart by SQLite's `application_id`, so that opening an
/// outbox as a replica (or any other SQLite file) is refused instead of altered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Replica,
    Outbox,
}

impl Kind {
    fn application_id(self) -> i32 {
        match self {
            Kind::Replica => 0x4743_5250, // "GCRP"
            Kind::Outbox => 0x4743_4F42,  // "GCOB"
        }
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Replica => "roster replica",
            Kind::Outbox => "outbox",
        }
    }
}

/// How durable a commit is. The outbox's commits must survive power loss
/// (`synchronous=FULL`); the replica's need only be atomic, because a lost page is
/// fetched again from the checkpoint committed with the page before it
/// (`synchronous=NORMAL`, which in WAL mode is still atomic and crash-safe for a process
/// kill).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Durability {
    Full,
    Normal,
}

/// The schema version this build writes; a file with a larger one is refused.
const SCHEMA_VERSION: i32 = 1;

/// One SQLite connection shared by a store's methods.
#[derive(Clone)]
pub(crate) struct Database {
    /// Every write, and reads inside a write.
    connection: Arc<Mutex<Connection>>,
    /// Reads on their own.
    reader: Arc<Mutex<Connection>>,
    path: PathBuf,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("path", &crate::display_location(&self.path))
            .finish_non_exhaustive()
    }
}

pub(crate) fn storage(error: rusqlite::Error) -> DurableError {
    DurableError::Storage {
        reason: error.to_string(),
    }
}

impl Database {
    /// Opens (creating if needed) the store at `path`, checks that it is a store of `kind`
    /// before changing anything in the file, and creates the schema in one transaction
    /// when the file is new. `path` is a file name, never an SQLite URI; a store that
    /// other users may read or write is refused.
    pub(crate) fn open(
        path: &Path,
        kind: Kind,
        durability: Durability,
        schema: &str,
    ) -> Result<Self, DurableError> {
        refuse_shared(path)?;
        create_private(path)?;
        let mut writer = connect(path)?;
        // Read-only first: a file of another kind is refused untouched (not even switched
        // to WAL).
        let transaction = writer
            .transaction_with_behavior(rusqlite::TransactionBehavior::Deferred)
            .map_err(storage)?;
        let empty = identify(&transaction, path, kind)?;
        drop(transaction);
        let mode: String = writer
            .query_row("PRAGMA journal_mode=WAL", [], |row| row.get(0))
            .map_err(|e| not_a_store(path, kind, e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(DurableError::Storage {
                reason: format!(
                    "{}: SQLite refused WAL mode (journal_mode is {mode})",
                    crate::display_location(path)
                ),
            });
        }
        let synchronous = match durability {
            Durability::Full => "FULL",
            Durability::Normal => "NORMAL",
        };
        writer
            .pragma_update(None, "synchronous", synchronous)
            .map_err(storage)?;
        if empty {
            // Another process may be creating it at the same moment: decide again under
            // the write lock.
            let transaction = writer
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(storage)?;
            if identify(&transaction, path, kind)? {
                transaction.execute_batch(schema).map_err(storage)?;
                transaction
                    .pragma_update(None, "application_id", kind.application_id())
                    .map_err(storage)?;
                transaction
                    .pragma_update(None, "user_version", SCHEMA_VERSION)
                    .map_err(storage)?;
            }
            transaction.commit().map_err(storage)?;
        }
        // Reads (lookups, status, the institution's answers) have their own connection:
        // in WAL mode they never wait for a write transaction in progress.
        let reader = connect(path)?;
        Ok(Self {
            connection: Arc::new(Mutex::new(writer)),
            reader: Arc::new(Mutex::new(reader)),
            path: path.to_path_buf(),
        })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The writing connection, for a short synchronous use.
    pub(crate) fn lock(&self) -> Result<MutexGuard<'_, Connection>, DurableError> {
        self.connection.lock().map_err(|_| poisoned())
    }

    /// The reading connection: never waits for a write in progress.
    pub(crate) fn read(&self) -> Result<MutexGuard<'_, Connection>, DurableError> {
        self.reader.lock().map_err(|_| poisoned())
    }

    /// Runs `work` on a blocking thread (a commit waits for the disk), so async callers
    /// do not stall their runtime.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, DurableError> + Send + 'static,
    ) -> Result<T, DurableError> {
        let connection = Arc::clone(&self.connection);
        tokio::task::spawn_blocking(move || {
            let mut guard = connection.lock().map_err(|_| poisoned())?;
            work(&mut guard)
        })
        .await
        .map_err(|e| DurableError::Storage {
            reason: format!("the storage task failed: {e}"),
        })?
    }
}

/// A connection with the settings every use shares.
fn connect(path: &Path) -> Result<Connection, DurableError> {
    // No SQLITE_OPEN_URI, and a name that cannot start with `file:`: the bundled SQLite is
    // built with URIs on (SQLITE_USE_URI), so `file:x.db?mode=...` would otherwise open
    // another file than the one created private, with the options the name carries.
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let connection =
        Connection::open_with_flags(literal(path), flags).map_err(|e| DurableError::Storage {
            reason: format!("cannot open {}: {e}", crate::display_location(path)),
        })?;
    // Another process (a drain, the institution endpoint, the HIS enqueuing) may hold the
    // write lock for a moment: wait for it rather than fail.
    connection
        .busy_timeout(std::time::Duration::from_secs(10))
        .map_err(storage)?;
    // Lookups read the file through memory mapping and a 64 MiB page cache rather than a
    // read system call per page (a replica of 100,000 holders is ~10 MB).
    connection
        .pragma_update(None, "cache_size", -65_536)
        .map_err(storage)?;
    let _mapped: i64 = connection
        .query_row("PRAGMA mmap_size = 268435456", [], |row| row.get(0))
        .map_err(storage)?;
    Ok(connection)
}

/// True when the file is empty (a new store); an error unless it is a store of `kind`
/// with a schema this build knows.
fn identify(connection: &Connection, path: &Path, kind: Kind) -> Result<bool, DurableError> {
    let read = |sql: &str| -> Result<i64, DurableError> {
        connection
            .query_row(sql, [], |row| row.get(0))
            .map_err(|e| not_a_store(path, kind, e))
    };
    let application_id = read("PRAGMA application_id")?;
    let version = read("PRAGMA user_version")?;
    let tables = read("SELECT count(*) FROM sqlite_schema")?;
    if application_id == 0 && version == 0 && tables == 0 {
        return Ok(true);
    }
    if application_id != i64::from(kind.application_id()) {
        return Err(DurableError::Storage {
            reason: format!(
                "{} is not a glorycard {} (another kind of SQLite file)",
                crate::display_location(path),
                kind.name()
            ),
        });
    }
    if version > i64::from(SCHEMA_VERSION) {
        return Err(DurableError::Storage {
            reason: format!(
                "{} has schema version {version}, newer than this build's {SCHEMA_VERSION}",
                crate::display_location(path)
            ),
        });
    }
    Ok(false)
}

fn poisoned() -> DurableError {
    DurableError::Storage {
        reason: "a previous use of this store panicked".into(),
    }
}

fn not_a_store(path: &Path, kind: Kind, error: rusqlite::Error) -> DurableError {
    DurableError::Storage {
        reason: format!(
            "{} cannot be used as a glorycard {}: {error}",
            crate::display_location(path),
            kind.name()
        ),
    }
}

/// `path` as SQLite must be given it to open exactly that file: a relative path is
/// prefixed with `./`, so that it never starts with `file:` (which SQLite reads as a URI).
fn literal(path: &Path) -> PathBuf {
    if path.is_relative() {
        Path::new(".").join(path)
    } else {
        path.to_path_buf()
    }
}

/// `path` with `suffix` appended to its file name (`x.db` → `x.db-wal`).
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The store holds ID numbers and names: an existing store (or its `-wal`/`-shm`) that
/// group or others may read or write is refused rather than used, so that the operator
/// learns of the exposure (fail closed) instead of it being silently tightened.
fn refuse_shared(path: &Path) -> Result<(), DurableError> {
    #[cfg(unix)]
    for file in [
        path.to_path_buf(),
        with_suffix(path, "-wal"),
        with_suffix(path, "-shm"),
    ] {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = match std::fs::metadata(&file) {
            Ok(metadata) => metadata.permissions().mode() & 0o777,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(DurableError::Storage {
                    reason: format!("cannot inspect {}: {e}", crate::display_location(&file)),
                });
            }
        };
        if mode & 0o077 != 0 {
            return Err(DurableError::Storage {
                reason: format!(
                    "{} is open to other users (mode {mode:04o}) and holds ID numbers and names; \
                     refusing to use it: restrict it with `chmod 600 {}` (and check who may have read it)",
                    crate::display_location(&file),
                    crate::display_location(&file)
                ),
            });
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// The store holds personal data (ID numbers, names): create it readable by its owner
/// only. SQLite gives its `-wal` and `-shm` files the same permissions.
fn create_private(path: &Path) -> Result<(), DurableError> {
    open_private(path)
        .map(drop)
        .map_err(|e| DurableError::Storage {
            reason: format!("cannot create {}: {e}", crate::display_location(path)),
        })
}

/// Opens `path` for writing, creating it readable and writable by its owner only.
pub(crate) fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options.open(path)
}

/// The current time as the document writes times (`yyyy-MM-dd HH:mm:ss`, UTC+8).
pub(crate) fn now_datetime() -> String {
    glorycard_core::Timestamp::now().to_datetime_string()
}

/// SQLite counts are `i64`; they are never negative.
pub(crate) fn count(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

#[cfg(test)]
pub(crate) mod testing {

    pub(crate) use crate::temp_db::TempDb;

    /// Makes a file made by another tool (default permissions) private, as a store must be.
    pub(crate) fn make_private(path: &std::path::Path) -> std::io::Result<()> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        }
        #[cfg(not(unix))]
        {
            let _ = path;
            Ok(())
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::testing::{TempDb, make_private};
    use super::with_suffix;
    use crate::Outbox;

    fn set_mode(path: &std::path::Path, mode: u32) -> std::io::Result<()> {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
    }

    /// A store others may read (0644, 0640) or write is refused, untouched, with the path,
    /// the mode and the fix; once restricted it opens.
    #[test]
    fn an_existing_store_open_to_other_users_is_refused() {
        let db = TempDb::new("store-shared");
        drop(Outbox::open(&db.0).unwrap());
        for mode in [0o644, 0o640, 0o602] {
            set_mode(&db.0, mode).unwrap();
            let before = std::fs::read(&db.0).unwrap();
            let error = Outbox::open(&db.0).unwrap_err();
            assert_eq!(error.code(), "storage");
            let message = error.to_string();
            let path = db.0.display().to_string();
            assert!(message.contains(&path), "{message}");
            assert!(message.contains(&format!("mode {mode:04o}")), "{message}");
            assert!(message.contains(&format!("chmod 600 {path}")), "{message}");
            assert_eq!(std::fs::read(&db.0).unwrap(), before);
            assert_eq!(
                std::fs::metadata(&db.0).unwrap().permissions().mode() & 0o777,
                mode,
                "the mode was changed"
            );
        }
        make_private(&db.0).unwrap();
        Outbox::open(&db.0).unwrap();
    }

    /// A `-wal` or `-shm` file left open to others is refused too: it holds recent writes.
    #[test]
    fn a_companion_file_open_to_other_users_is_refused() {
        let db = TempDb::new("store-shared-wal");
        drop(Outbox::open(&db.0).unwrap());
        for suffix in ["-wal", "-shm"] {
            let companion = with_suffix(&db.0, suffix);
            std::fs::write(&companion, b"").unwrap();
            set_mode(&companion, 0o644).unwrap();
            let message = Outbox::open(&db.0).unwrap_err().to_string();
            assert!(
                message.contains(&format!(
                    "{} is open to other users (mode 0644)",
                    companion.display()
                )),
                "{message}"
            );
            std::fs::remove_file(&companion).unwrap();
        }
        Outbox::open(&db.0).unwrap();
    }

    /// New stores are private whatever the umask allows.
    #[test]
    fn a_new_store_is_created_private() {
        let db = TempDb::new("store-new");
        let outbox = Outbox::open(&db.0).unwrap();
        outbox
            .enqueue_cancellation(&glorycard_core::models::Cancellation {
                org_code: "106607".into(),
                deduction_id: "D1".into(),
                cancel_time: "2026-11-26 10:00:00".into(),
            })
            .unwrap();
        for suffix in ["", "-wal", "-shm"] {
            let file = with_suffix(&db.0, suffix);
            let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", file.display());
        }
    }
}
