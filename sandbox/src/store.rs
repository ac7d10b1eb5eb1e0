//! Deductions and cancellations kept in SQLite (in memory by default, a file with `--db`).

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use glorycard_core::models::{Cancellation, DeductCheckRecord, Deduction, DeductionStatus};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use crate::SandboxError;

/// The outcome of storing an upload, as the platform answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stored {
    /// Newly stored, or the same record again (idempotent on `deductionID`).
    Accepted,
    /// Refused, with the platform's message.
    Rejected(String),
}

/// A deduction as the sandbox holds it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StoredDeduction {
    /// The record, with its status and cancel time.
    #[serde(flatten)]
    pub record: DeductCheckRecord,
    /// How many times it was uploaded (retries included).
    pub uploads: i64,
}

pub(crate) struct Store {
    connection: Mutex<Connection>,
    /// Uploads of a deduction that arrived after its cancellation was accepted: an
    /// institution that sends so has lost the order of its own items.
    deductions_after_cancellation: AtomicU64,
    /// Cancellations that arrived before their deduction (refused).
    cancellations_before_deduction: AtomicU64,
}

/// Uploads that arrived out of their deduction's order, as counted since start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct OutOfOrder {
    pub(crate) deductions_after_cancellation: u64,
    pub(crate) cancellations_before_deduction: u64,
}

const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS deductions (
        deduction_id   TEXT PRIMARY KEY,
        org_code       TEXT NOT NULL,
        deduction_time TEXT NOT NULL,
        record         TEXT NOT NULL,
        status         TEXT NOT NULL,
        cancel_time    TEXT,
        uploads        INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS deductions_by_time ON deductions (org_code, deduction_time);
";

/// Creates the store's file readable and writable by its owner only (SQLite gives its
/// `-wal` and `-shm` files the same mode), and tightens an existing one, or its `-wal` or
/// `-shm`, that others may read, saying so: deductions hold ID numbers and names.
fn create_private(path: &Path) -> Result<(), SandboxError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
        options.mode(0o600);
        options.open(path)?;
        for suffix in ["", "-wal", "-shm"] {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            let file = std::path::PathBuf::from(name);
            let mode = match std::fs::metadata(&file) {
                Ok(metadata) => metadata.permissions().mode() & 0o777,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e.into()),
            };
            if mode & 0o077 != 0 {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
                tracing::warn!(
                    path = %file.display(),
                    mode = format!("{mode:o}"),
                    "the sandbox database was open to other users: its mode is now 600"
                );
            }
        }
    }
    #[cfg(not(unix))]
    options.open(path)?;
    Ok(())
}

/// `path` as SQLite must be given it to open exactly that file: the bundled SQLite reads
/// a name starting with `file:` as a URI even without `SQLITE_OPEN_URI`, so a relative
/// path is prefixed with `./`.
fn literal(path: &Path) -> std::path::PathBuf {
    if path.is_relative() {
        Path::new(".").join(path)
    } else {
        path.to_path_buf()
    }
}

impl Store {
    pub(crate) fn open(path: Option<&Path>) -> Result<Self, SandboxError> {
        let connection = match path {
            Some(path) => {
                create_private(path)?;
                // Without SQLITE_OPEN_URI, and by a name that cannot start with `file:`:
                // `file:x.db` is a file of that name, never a URI with options.
                let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
                    | OpenFlags::SQLITE_OPEN_CREATE
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX;
                let connection = Connection::open_with_flags(literal(path), flags)?;
                connection.pragma_update(None, "journal_mode", "WAL")?;
                connection.pragma_update(None, "synchronous", "NORMAL")?;
                connection
            }
            None => Connection::open_in_memory()?,
        };
        connection.execute_batch(SCHEMA)?;
        Ok(Self {
            connection: Mutex::new(connection),
            deductions_after_cancellation: AtomicU64::new(0),
            cancellations_before_deduction: AtomicU64::new(0),
        })
    }

    fn with<T>(
        &self,
        work: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, SandboxError> {
        let mut connection = self
            .connection
            .lock()
            .map_err(|_| SandboxError::Database("the database lock is poisoned".into()))?;
        Ok(work(&mut connection)?)
    }

    pub(crate) fn deduct(&self, deduction: &Deduction) -> Result<Stored, SandboxError> {
        let record = serde_json::to_string(deduction)
            .map_err(|e| SandboxError::Database(format!("serializing a deduction: {e}")))?;
        self.with(|db| {
            let tx = db.transaction()?;
            let existing: Option<(String, String)> = tx
                .query_row(
                    "SELECT record, status FROM deductions WHERE deduction_id = ?1",
                    params![deduction.deduction_id],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            if existing.as_ref().is_some_and(|(_, status)| status == "0") {
                self.deductions_after_cancellation
                    .fetch_add(1, Ordering::Relaxed);
            }
            let existing = existing.map(|(record, _)| record);
            let stored = match existing {
                None => {
                    tx.execute(
                        "INSERT INTO deductions
                         (deduction_id, org_code, deduction_time, record, status, cancel_time, uploads)
                         VALUES (?1, ?2, ?3, ?4, '1', NULL, 1)",
                        params![
                            deduction.deduction_id,
                            deduction.org_code,
                            deduction.deduction_time,
                            record
                        ],
                    )?;
                    Stored::Accepted
                }
                Some(existing) if existing == record => {
                    tx.execute(
                        "UPDATE deductions SET uploads = uploads + 1 WHERE deduction_id = ?1",
                        params![deduction.deduction_id],
                    )?;
                    Stored::Accepted
                }
                Some(_) => Stored::Rejected(format!(
                    "deductionID {} already holds a different deduction",
                    deduction.deduction_id
                )),
            };
            tx.commit()?;
            Ok(stored)
        })
    }

    pub(crate) fn cancel(&self, cancellation: &Cancellation) -> Result<Stored, SandboxError> {
        self.with(|db| {
            let tx = db.transaction()?;
            let existing: Option<(String, String)> = tx
                .query_row(
                    "SELECT org_code, status FROM deductions WHERE deduction_id = ?1",
                    params![cancellation.deduction_id],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            let stored = match existing {
                None => {
                    self.cancellations_before_deduction
                        .fetch_add(1, Ordering::Relaxed);
                    Stored::Rejected(format!(
                        "no deduction with deductionID {}",
                        cancellation.deduction_id
                    ))
                }
                Some((org, _)) if org != cancellation.org_code => Stored::Rejected(format!(
                    "deductionID {} belongs to another orgCode",
                    cancellation.deduction_id
                )),
                // Cancelling again (a retried upload) succeeds and keeps the first time.
                Some((_, status)) if status == "0" => Stored::Accepted,
                Some(_) => {
                    tx.execute(
                        "UPDATE deductions SET status = '0', cancel_time = ?2 WHERE deduction_id = ?1",
                        params![cancellation.deduction_id, cancellation.cancel_time],
                    )?;
                    Stored::Accepted
                }
            };
            tx.commit()?;
            Ok(stored)
        })
    }

    /// Every deduction, or those of `org_code` with `deductionTime` in `[start, end]`.
    pub(crate) fn list(
        &self,
        window: Option<(&str, &str, &str)>,
    ) -> Result<Vec<StoredDeduction>, SandboxError> {
        let rows = self.with(|db| {
            let (sql, args): (&str, Vec<&str>) = match window {
                Some((org, start, end)) => (
                    "SELECT record, status, cancel_time, uploads FROM deductions
                     WHERE org_code = ?1 AND deduction_time BETWEEN ?2 AND ?3
                     ORDER BY deduction_time, deduction_id",
                    vec![org, start, end],
                ),
                None => (
                    "SELECT record, status, cancel_time, uploads FROM deductions
                     ORDER BY deduction_time, deduction_id",
                    Vec::new(),
                ),
            };
            let mut statement = db.prepare(sql)?;
            let rows = statement
                .query_map(rusqlite::params_from_iter(args), |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, Option<String>>(2)?,
                        row.get::<_, i64>(3)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })?;
        rows.into_iter()
            .map(|(record, status, cancel_time, uploads)| {
                let deduction: Deduction = glorycard_core::models::from_json(record.as_bytes())
                    .map_err(|e| SandboxError::Database(format!("stored record: {e}")))?;
                Ok(StoredDeduction {
                    record: DeductCheckRecord {
                        deduction,
                        status: DeductionStatus::from_code(&status),
                        cancel_time,
                    },
                    uploads,
                })
            })
            .collect()
    }

    /// The uploads that arrived out of their deduction's order.
    pub(crate) fn out_of_order(&self) -> OutOfOrder {
        OutOfOrder {
            deductions_after_cancellation: self
                .deductions_after_cancellation
                .load(Ordering::Relaxed),
            cancellations_before_deduction: self
                .cancellations_before_deduction
                .load(Ordering::Relaxed),
        }
    }

    /// (deductions, cancelled, uploads in total).
    pub(crate) fn counts(&self) -> Result<(i64, i64, i64), SandboxError> {
        self.with(|db| {
            db.query_row(
                "SELECT COUNT(*), COALESCE(SUM(status = '0'), 0), COALESCE(SUM(uploads), 0) FROM deductions",
                [],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
        })
    }
}
