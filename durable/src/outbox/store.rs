//! The outbox's schema and its queries: enqueue, status, requeue, and the deductions
//! that answer `/deductCheck`.

use std::path::Path;

use glorycard_core::models::{self, Cancellation, Deduction};
use rusqlite::{OptionalExtension as _, params};

use super::entry::in_entry;
use super::{Enqueued, Outbox, OutboxEntry, OutboxStatus, RejectedItem};
use crate::DurableError;
use crate::backend::Backend;
use crate::database::{Database, Durability, Kind, now_datetime, storage};
use crate::postgres::{self, Store};

const SCHEMA: &str = "
    CREATE TABLE items (
        seq          INTEGER PRIMARY KEY AUTOINCREMENT,
        kind         TEXT NOT NULL CHECK (kind IN ('deduction', 'cancellation')),
        deduction_id TEXT NOT NULL,
        org_code     TEXT NOT NULL,
        -- deductionTime of a deduction; the cancellation time of a cancellation.
        event_time   TEXT NOT NULL,
        -- The request in wire names, as it is sent.
        body         BLOB NOT NULL,
        state        TEXT NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'acknowledged', 'rejected')),
        attempts     INTEGER NOT NULL DEFAULT 0,
        -- The last failure while pending; the platform's message once settled.
        message      TEXT,
        enqueued_at  TEXT NOT NULL,
        settled_at   TEXT
    );
    -- One deduction and one cancellation per deductionID: enqueuing again is idempotent.
    CREATE UNIQUE INDEX items_one_per_kind ON items (deduction_id, kind);
    CREATE INDEX items_pending ON items (seq) WHERE state = 'pending';
    CREATE INDEX items_by_time ON items (kind, org_code, event_time);
";

impl Outbox {
    /// Opens the outbox at `location`, creating an empty one if there is none: a SQLite
    /// file path, or a `postgres://` (`postgresql://`) URL for an outbox shared by several
    /// nodes. A file or a database that is not a glorycard outbox is refused.
    pub fn open(location: impl AsRef<Path>) -> Result<Self, DurableError> {
        let backend = Backend::open(location.as_ref(), Store::Outbox, |path| {
            Database::open(path, Kind::Outbox, Durability::Full, SCHEMA)
        })?;
        Ok(Self {
            backend,
            lease_owner: std::sync::Arc::new(super::drain::LeaseOwner::new()),
            event_time_window: models::EventTimeWindow::default(),
        })
    }

    /// Where the outbox is, for messages and logs: the file's path, or the URL without
    /// its password.
    pub fn location(&self) -> String {
        self.backend.location()
    }

    /// Validates `deduction`, checks its `deductionTime` against the
    /// [`event_time_window`](Outbox::event_time_window), and commits it durably.
    /// Enqueuing the same record again returns the existing item; another record under
    /// the same `deductionID` is a [`DurableError::Conflict`].
    pub fn enqueue_deduction(&self, deduction: &Deduction) -> Result<Enqueued, DurableError> {
        self.enqueue_one(OutboxEntry::Deduction(deduction.clone()))
    }

    /// Validates `cancellation`, checks its time against the
    /// [`event_time_window`](Outbox::event_time_window), and commits it durably. A
    /// second cancellation of the same `deductionID` returns the first (the platform
    /// keeps the first cancel time).
    pub fn enqueue_cancellation(
        &self,
        cancellation: &Cancellation,
    ) -> Result<Enqueued, DurableError> {
        self.enqueue_one(OutboxEntry::Cancellation(cancellation.clone()))
    }

    /// Records in the ledger an item the caller delivered itself: a deduction or
    /// cancellation sent with the client directly (`Client::deduct`/`cancel`) and
    /// acknowledged by the platform with `message`. `/deductCheck` then answers it as it
    /// answers the drained ones, and no drain sends it again. Validated and idempotent as
    /// an enqueue (the same record again returns its item; another record under the same
    /// `deductionID` is a [`DurableError::Conflict`]); an item already held and not yet
    /// acknowledged is marked acknowledged, in the same transaction. Its time is not
    /// checked against the window: the platform has taken it.
    ///
    /// Record after the platform's answer: a process that stops between the two has
    /// delivered an item the ledger does not hold. To lose nothing, enqueue first, send,
    /// then record (what the bindings' `record_in` does).
    pub fn record_delivered(
        &self,
        entry: &OutboxEntry,
        message: &str,
    ) -> Result<Enqueued, DurableError> {
        self.settle_directly(entry, Settled::Acknowledged, message)
    }

    /// Records in the ledger an item the caller sent directly and the platform refused
    /// with `message`: held as rejected (see [`rejected`](Outbox::rejected) and
    /// [`requeue`](Outbox::requeue)), never sent by a drain. An item already acknowledged
    /// stays acknowledged.
    pub fn record_refused(
        &self,
        entry: &OutboxEntry,
        message: &str,
    ) -> Result<Enqueued, DurableError> {
        self.settle_directly(entry, Settled::Rejected, message)
    }

    fn settle_directly(
        &self,
        entry: &OutboxEntry,
        state: Settled,
        message: &str,
    ) -> Result<Enqueued, DurableError> {
        self.enqueue_with(std::slice::from_ref(entry), false, Some((state, message)))?
            .into_iter()
            .next()
            .ok_or_else(|| DurableError::Storage {
                reason: "the record returned no item".into(),
            })
    }

    fn enqueue_one(&self, entry: OutboxEntry) -> Result<Enqueued, DurableError> {
        // Errors about the only entry need no index.
        self.enqueue(std::slice::from_ref(&entry), false)?
            .into_iter()
            .next()
            .ok_or_else(|| DurableError::Storage {
                reason: "the enqueue returned no item".into(),
            })
    }

    /// Validates every entry, then commits them all in one durable transaction, or none:
    /// an invalid or conflicting entry fails the whole batch, and the error names its
    /// index (`entries[3]`).
    pub fn enqueue_all(&self, entries: &[OutboxEntry]) -> Result<Vec<Enqueued>, DurableError> {
        self.enqueue(entries, true)
    }

    fn enqueue(
        &self,
        entries: &[OutboxEntry],
        name_entries: bool,
    ) -> Result<Vec<Enqueued>, DurableError> {
        self.enqueue_with(entries, name_entries, None)
    }

    /// Validates, then commits all or none; `name_entries` puts `entries[i]` in errors;
    /// with `settled` (a direct call's outcome and the platform's message), the items are
    /// stored settled, their times unchecked.
    fn enqueue_with(
        &self,
        entries: &[OutboxEntry],
        name_entries: bool,
        settled: Option<(Settled, &str)>,
    ) -> Result<Vec<Enqueued>, DurableError> {
        let name = move |index: usize, error: DurableError| {
            if name_entries {
                in_entry(index, error)
            } else {
                error
            }
        };
        let mut rows = Vec::with_capacity(entries.len());
        // China time now, once for the batch: the records' own times are checked against it.
        let china_now = glorycard_core::Timestamp::now();
        for (index, entry) in entries.iter().enumerate() {
            let row = entry
                .validate()
                .and_then(|()| match settled {
                    Some(_) => Ok(()),
                    None => entry.check_time(&china_now, self.event_time_window),
                })
                .and_then(|()| entry.row());
            rows.push(row.map_err(|e| name(index, e))?);
        }
        let decide = move |index: usize, row: &EnqueueRow, existing: Existing| {
            decide(row, existing).map_err(|e| name(index, e))
        };
        let now = now_datetime();
        let enqueued = match &self.backend {
            Backend::Sqlite(database) => enqueue_sqlite(database, &rows, &now, decide, settled)?,
            Backend::Postgres(database) => postgres::outbox::enqueue(
                database,
                rows,
                now,
                decide,
                settled.map(|(state, message)| (state, message.to_owned())),
            )?,
        };
        Ok(enqueued
            .into_iter()
            .map(|(seq, newly_added)| Enqueued { seq, newly_added })
            .collect())
    }

    /// How many items are in each state.
    pub fn status(&self) -> Result<OutboxStatus, DurableError> {
        let database = match &self.backend {
            Backend::Sqlite(database) => database,
            Backend::Postgres(database) => return postgres::outbox::status(database),
        };
        let connection = database.read()?;
        let mut statement = connection
            .prepare_cached("SELECT state, count(*) FROM items GROUP BY state")
            .map_err(storage)?;
        let counts = statement
            .query_map([], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
            })
            .map_err(storage)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(storage)?;
        let oldest_pending = connection
            .query_row(
                "SELECT enqueued_at FROM items WHERE state = 'pending' ORDER BY seq LIMIT 1",
                [],
                |row| row.get(0),
            )
            .optional()
            .map_err(storage)?;
        Ok(status_from(counts, oldest_pending))
    }

    /// The items the platform refused, oldest first, with its messages.
    pub fn rejected(&self) -> Result<Vec<RejectedItem>, DurableError> {
        let database = match &self.backend {
            Backend::Sqlite(database) => database,
            Backend::Postgres(database) => return postgres::outbox::rejected(database),
        };
        let connection = database.read()?;
        let mut statement = connection
            .prepare_cached(
                "SELECT seq, kind, deduction_id, coalesce(message, ''), coalesce(settled_at, '')
                 FROM items WHERE state = 'rejected' ORDER BY seq",
            )
            .map_err(storage)?;
        let rows = statement
            .query_map([], |row| {
                Ok(RejectedItem {
                    seq: row.get(0)?,
                    kind: row.get(1)?,
                    deduction_id: row.get(2)?,
                    message: row.get(3)?,
                    rejected_at: row.get(4)?,
                })
            })
            .map_err(storage)?;
        rows.collect::<Result<_, _>>().map_err(storage)
    }

    pub(super) async fn pending_count(&self) -> Result<i64, DurableError> {
        let database = match &self.backend {
            Backend::Sqlite(database) => database,
            Backend::Postgres(database) => {
                return postgres::outbox::pending_count(database).await;
            }
        };
        database
            .run(|connection| {
                connection
                    .query_row(
                        "SELECT count(*) FROM items WHERE state = 'pending'",
                        [],
                        |row| row.get(0),
                    )
                    .map_err(storage)
            })
            .await
    }

    /// Moves a rejected item back to pending, for the next drain: after a refusal that
    /// is known to be temporary, or after the cause was mended (a deduction the platform
    /// did not yet know, a wrong orgCode in this client's settings). False when `seq` is
    /// not a rejected item.
    pub fn requeue(&self, seq: i64) -> Result<bool, DurableError> {
        let database = match &self.backend {
            Backend::Sqlite(database) => database,
            Backend::Postgres(database) => return postgres::outbox::requeue(database, seq),
        };
        let connection = database.lock()?;
        let changed = connection
            .execute(
                "UPDATE items SET state = 'pending', settled_at = NULL
                 WHERE seq = ?1 AND state = 'rejected'",
                params![seq],
            )
            .map_err(storage)?;
        Ok(changed == 1)
    }

    /// The deductions of `org_code` whose `deductionTime` lies in `[start, end]`, with
    /// status "0" and the `cancelTime` where a cancellation was enqueued (whatever its
    /// delivery state: this is the institution's own record of what it granted). On
    /// PostgreSQL, every node's deductions.
    pub fn deductions_between(
        &self,
        org_code: &str,
        start: &str,
        end: &str,
    ) -> Result<Vec<models::DeductCheckRecord>, DurableError> {
        let rows = match &self.backend {
            Backend::Sqlite(database) => {
                let connection = database.read()?;
                let mut statement = connection
                    .prepare_cached(
                        "SELECT d.seq, d.body,
                                (SELECT c.event_time FROM items c
                                 WHERE c.kind = 'cancellation' AND c.deduction_id = d.deduction_id)
                         FROM items d
                         WHERE d.kind = 'deduction' AND d.org_code = ?1
                           AND d.event_time >= ?2 AND d.event_time <= ?3
                         ORDER BY d.event_time, d.seq",
                    )
                    .map_err(storage)?;
                statement
                    .query_map(params![org_code, start, end], |row| {
                        Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                    })
                    .map_err(storage)?
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(storage)?
            }
            Backend::Postgres(database) => {
                postgres::outbox::deductions_between(database, org_code, start, end)?
            }
        };
        rows.into_iter()
            .map(|(seq, body, cancel_time)| check_record(seq, &body, cancel_time))
            .collect()
    }
}

/// An item to insert, in the columns both backends store.
#[derive(Debug)]
pub(crate) struct EnqueueRow {
    pub(crate) kind: &'static str,
    pub(crate) deduction_id: String,
    pub(crate) org_code: String,
    pub(crate) event_time: String,
    pub(crate) body: Vec<u8>,
}

/// What the outbox already holds under a row's `deductionID`.
#[derive(Debug)]
pub(crate) struct Existing {
    /// The item of the same kind: (seq, body, org code).
    pub(crate) item: Option<(i64, Vec<u8>, String)>,
    /// For a new deduction: the seq of a cancellation already enqueued for it.
    pub(crate) cancellation: Option<i64>,
}

/// How the platform answered an item sent directly, as recorded in the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Settled {
    Acknowledged,
    Rejected,
}

impl Settled {
    /// The item's `state` column.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Settled::Acknowledged => "acknowledged",
            Settled::Rejected => "rejected",
        }
    }
}

/// The enqueue rule both backends apply: `Some(seq)` when the row is the item already
/// held, `None` when it is new, an error when it contradicts what is held.
fn decide(row: &EnqueueRow, existing: Existing) -> Result<Option<i64>, DurableError> {
    if let Some(seq) = existing.cancellation {
        // Items of a deductionID are sent in enqueue order: a deduction behind its own
        // cancellation would be cancelled before it exists.
        return Err(DurableError::Conflict {
            reason: format!(
                "deductionID {:?} already has a cancellation in the outbox (item {seq}); enqueue a deduction before its cancellation",
                row.deduction_id
            ),
        });
    }
    let Some((seq, stored, stored_org)) = existing.item else {
        return Ok(None);
    };
    // A second cancellation is the first one (the platform keeps the first time), if it
    // is the same institution's.
    let same = match row.kind {
        "deduction" => stored == row.body,
        _ => stored_org == row.org_code,
    };
    if !same {
        return Err(DurableError::Conflict {
            reason: format!(
                "deductionID {:?} is already in the outbox (item {seq}) with a different record",
                row.deduction_id
            ),
        });
    }
    Ok(Some(seq))
}

fn enqueue_sqlite(
    database: &Database,
    rows: &[EnqueueRow],
    now: &str,
    decide: impl Fn(usize, &EnqueueRow, Existing) -> Result<Option<i64>, DurableError>,
    settled: Option<(Settled, &str)>,
) -> Result<Vec<(i64, bool)>, DurableError> {
    let mut connection = database.lock()?;
    let transaction = connection
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(storage)?;
    let mut enqueued = Vec::with_capacity(rows.len());
    {
        let mut existing = transaction
            .prepare_cached(
                "SELECT seq, body, org_code FROM items WHERE deduction_id = ?1 AND kind = ?2",
            )
            .map_err(storage)?;
        let mut insert = transaction
            .prepare_cached(
                "INSERT INTO items (kind, deduction_id, org_code, event_time, body, enqueued_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .map_err(storage)?;
        for (index, row) in rows.iter().enumerate() {
            let item: Option<(i64, Vec<u8>, String)> = existing
                .query_row(params![row.deduction_id, row.kind], |found| {
                    Ok((found.get(0)?, found.get(1)?, found.get(2)?))
                })
                .optional()
                .map_err(storage)?;
            let cancellation = if item.is_none() && row.kind == "deduction" {
                existing
                    .query_row(params![row.deduction_id, "cancellation"], |found| {
                        found.get(0)
                    })
                    .optional()
                    .map_err(storage)?
            } else {
                None
            };
            match decide(index, row, Existing { item, cancellation })? {
                Some(seq) => enqueued.push((seq, false)),
                None => {
                    insert
                        .execute(params![
                            row.kind,
                            row.deduction_id,
                            row.org_code,
                            row.event_time,
                            row.body,
                            now
                        ])
                        .map_err(storage)?;
                    enqueued.push((transaction.last_insert_rowid(), true));
                }
            }
        }
        if let Some((state, message)) = settled {
            // An acknowledgement settles any item not yet acknowledged; a refusal only a
            // pending one (it never undoes an acknowledgement).
            let mut settle = transaction
                .prepare_cached(
                    "UPDATE items SET state = ?2, message = ?3, settled_at = ?4
                     WHERE seq = ?1 AND state <> 'acknowledged'
                       AND (?2 = 'acknowledged' OR state = 'pending')",
                )
                .map_err(storage)?;
            for (seq, _) in &enqueued {
                settle
                    .execute(params![seq, state.as_str(), message, now])
                    .map_err(storage)?;
            }
        }
    }
    transaction.commit().map_err(storage)?;
    Ok(enqueued)
}

/// An [`OutboxStatus`] from (state, count) pairs and the oldest pending item's time.
pub(crate) fn status_from(
    counts: impl IntoIterator<Item = (String, i64)>,
    oldest_pending: Option<String>,
) -> OutboxStatus {
    let mut status = OutboxStatus {
        oldest_pending,
        ..OutboxStatus::default()
    };
    for (state, count) in counts {
        match state.as_str() {
            "pending" => status.pending = count,
            "acknowledged" => status.acknowledged = count,
            _ => status.rejected = count,
        }
    }
    status
}

/// A stored deduction as `/deductCheck` reports it.
fn check_record(
    seq: i64,
    body: &[u8],
    cancel_time: Option<String>,
) -> Result<models::DeductCheckRecord, DurableError> {
    let deduction: Deduction = models::from_json(body).map_err(|e| DurableError::Storage {
        reason: format!("item {seq} cannot be read: {e}"),
    })?;
    let status = match cancel_time {
        Some(_) => models::DeductionStatus::Cancelled,
        None => models::DeductionStatus::Deducted,
    };
    Ok(models::DeductCheckRecord {
        deduction,
        status,
        cancel_time,
    })
}
