//! The outbox's schema and its queries: enqueue, status, requeue, and the deductions
//! that answer `/deductCheck`.

use std::path::Path;

use glorycard_core::models::{self, Cancellation, Deduction};
use rusqlite::{OptionalExtension as _, params};

use super::entry::in_entry;
use super::{Enqueued, Outbox, OutboxEntry, OutboxStatus, RejectedItem};
use crate::DurableError;
use crate::database::{Database, Durability, Kind, now_datetime, storage};

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
    /// Opens the outbox at `path`, creating an empty one if the file does not exist. A
    /// file that is not a glorycard outbox is refused.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, DurableError> {
        let database = Database::open(path.as_ref(), Kind::Outbox, Durability::Full, SCHEMA)?;
        Ok(Self { database })
    }

    /// Validates `deduction` and commits it durably. Enqueuing the same record again
    /// returns the existing item; another record under the same `deductionID` is a
    /// [`DurableError::Conflict`].
    pub fn enqueue_deduction(&self, deduction: &Deduction) -> Result<Enqueued, DurableError> {
        self.enqueue_one(OutboxEntry::Deduction(deduction.clone()))
    }

    /// Validates `cancellation` and commits it durably. A second cancellation of the
    /// same `deductionID` returns the first (the platform keeps the first cancel time).
    pub fn enqueue_cancellation(
        &self,
        cancellation: &Cancellation,
    ) -> Result<Enqueued, DurableError> {
        self.enqueue_one(OutboxEntry::Cancellation(cancellation.clone()))
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

    /// Validates, then commits all or none; `name_entries` puts `entries[i]` in errors.
    fn enqueue(
        &self,
        entries: &[OutboxEntry],
        name_entries: bool,
    ) -> Result<Vec<Enqueued>, DurableError> {
        let in_entry = |index: usize, error: DurableError| {
            if name_entries {
                in_entry(index, error)
            } else {
                error
            }
        };
        let mut rows = Vec::with_capacity(entries.len());
        for (index, entry) in entries.iter().enumerate() {
            let row = entry.validate().and_then(|()| entry.row());
            rows.push(row.map_err(|e| in_entry(index, e))?);
        }
        let mut connection = self.database.lock()?;
        let transaction = connection
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(storage)?;
        let now = now_datetime();
        let mut enqueued = Vec::with_capacity(entries.len());
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
            for (index, (entry, (org_code, event_time, body))) in
                entries.iter().zip(&rows).enumerate()
            {
                let found: Option<(i64, Vec<u8>, String)> = existing
                    .query_row(params![entry.deduction_id(), entry.kind()], |row| {
                        Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                    })
                    .optional()
                    .map_err(storage)?;
                if found.is_none() && matches!(entry, OutboxEntry::Deduction(_)) {
                    // Items of a deductionID are sent in enqueue order: a deduction behind
                    // its own cancellation would be cancelled before it exists.
                    let cancelled: Option<i64> = existing
                        .query_row(params![entry.deduction_id(), "cancellation"], |row| {
                            row.get(0)
                        })
                        .optional()
                        .map_err(storage)?;
                    if let Some(seq) = cancelled {
                        return Err(in_entry(
                            index,
                            DurableError::Conflict {
                                reason: format!(
                                    "deductionID {:?} already has a cancellation in the outbox (item {seq}); enqueue a deduction before its cancellation",
                                    entry.deduction_id()
                                ),
                            },
                        ));
                    }
                }
                match found {
                    Some((seq, stored, stored_org)) => {
                        // A second cancellation is the first one (the platform keeps the
                        // first time), if it is the same institution's.
                        let same = match entry {
                            OutboxEntry::Deduction(_) => stored == *body,
                            OutboxEntry::Cancellation(_) => stored_org == *org_code,
                        };
                        if !same {
                            return Err(in_entry(
                                index,
                                DurableError::Conflict {
                                    reason: format!(
                                        "deductionID {:?} is already in the outbox (item {seq}) with a different record",
                                        entry.deduction_id()
                                    ),
                                },
                            ));
                        }
                        enqueued.push(Enqueued {
                            seq,
                            newly_added: false,
                        });
                    }
                    None => {
                        insert
                            .execute(params![
                                entry.kind(),
                                entry.deduction_id(),
                                org_code,
                                event_time,
                                body,
                                now
                            ])
                            .map_err(storage)?;
                        enqueued.push(Enqueued {
                            seq: transaction.last_insert_rowid(),
                            newly_added: true,
                        });
                    }
                }
            }
        }
        transaction.commit().map_err(storage)?;
        Ok(enqueued)
    }

    /// How many items are in each state.
    pub fn status(&self) -> Result<OutboxStatus, DurableError> {
        let connection = self.database.read()?;
        let mut status = OutboxStatus::default();
        let mut statement = connection
            .prepare_cached("SELECT state, count(*) FROM items GROUP BY state")
            .map_err(storage)?;
        let rows = statement
            .query_map([], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
            })
            .map_err(storage)?;
        for row in rows {
            let (state, count) = row.map_err(storage)?;
            match state.as_str() {
                "pending" => status.pending = count,
                "acknowledged" => status.acknowledged = count,
                _ => status.rejected = count,
            }
        }
        status.oldest_pending = connection
            .query_row(
                "SELECT enqueued_at FROM items WHERE state = 'pending' ORDER BY seq LIMIT 1",
                [],
                |row| row.get(0),
            )
            .optional()
            .map_err(storage)?;
        Ok(status)
    }

    /// The items the platform refused, oldest first, with its messages.
    pub fn rejected(&self) -> Result<Vec<RejectedItem>, DurableError> {
        let connection = self.database.read()?;
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
        self.database
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
        let connection = self.database.lock()?;
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
    /// delivery state: this is the institution's own record of what it granted).
    pub fn deductions_between(
        &self,
        org_code: &str,
        start: &str,
        end: &str,
    ) -> Result<Vec<models::DeductCheckRecord>, DurableError> {
        let connection = self.database.read()?;
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
        let rows = statement
            .query_map(params![org_code, start, end], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, Vec<u8>>(1)?,
                    row.get::<_, Option<String>>(2)?,
                ))
            })
            .map_err(storage)?;
        let mut records = Vec::new();
        for row in rows {
            let (seq, body, cancel_time) = row.map_err(storage)?;
            let deduction: Deduction =
                models::from_json(&body).map_err(|e| DurableError::Storage {
                    reason: format!("item {seq} cannot be read: {e}"),
                })?;
            let status = match cancel_time {
                Some(_) => models::DeductionStatus::Cancelled,
                None => models::DeductionStatus::Deducted,
            };
            records.push(models::DeductCheckRecord {
                deduction,
                status,
                cancel_time,
            });
        }
        Ok(records)
    }
}
