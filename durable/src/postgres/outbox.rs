//! The outbox's tables and queries on PostgreSQL. Several drainers, on any nodes, share
//! one outbox: each claims whole `deductionID` chains under a lease (`FOR UPDATE SKIP
//! LOCKED` on the chain's head), renews it while it works, and a chain whose drainer died
//! is claimed by another once the lease has expired.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use super::{PgDatabase, connection, storage};
use crate::DurableError;
use crate::outbox::{
    EnqueueRow, Existing, OutboxStatus, PendingRow, RejectedItem, Settled, status_from,
};

/// How many advisory locks an enqueue may take at most: ids are hashed into this many
/// buckets (a power of two). Two batches with no bucket in common run in parallel.
const ENQUEUE_LOCK_BUCKETS: i32 = 64;
/// The first key of the enqueue's two-key advisory locks (the bytes "gcOB"): a space of
/// its own, apart from the one-key locks of the schema and the replica's sync.
const ENQUEUE_LOCK_SPACE: i32 = 0x6763_4f42;

pub(crate) const MIGRATIONS: &[&str] = &["
    CREATE TABLE glorycard.outbox_items (
        seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        kind         TEXT NOT NULL CHECK (kind IN ('deduction', 'cancellation')),
        deduction_id TEXT NOT NULL,
        org_code     TEXT NOT NULL,
        -- deductionTime of a deduction; the cancellation time of a cancellation.
        event_time   TEXT NOT NULL,
        -- The request in wire names, as it is sent.
        body         BYTEA NOT NULL,
        state        TEXT NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'acknowledged', 'rejected')),
        attempts     INTEGER NOT NULL DEFAULT 0,
        message      TEXT,
        enqueued_at  TEXT NOT NULL,
        settled_at   TEXT,
        -- The drainer that holds this pending item, until when (the database's clock).
        lease_owner  TEXT,
        lease_until  TIMESTAMPTZ
    );
    CREATE UNIQUE INDEX outbox_items_one_per_kind ON glorycard.outbox_items (deduction_id, kind);
    CREATE INDEX outbox_items_pending ON glorycard.outbox_items (deduction_id, seq)
        WHERE state = 'pending';
    CREATE INDEX outbox_items_by_time ON glorycard.outbox_items (kind, org_code, event_time);
"];

/// Commits the rows in one transaction, or none: `decide` says, for each row and what the
/// outbox already holds under its `deductionID`, whether it is new, the existing item, or
/// an error that fails the batch. Enqueues of the same `deductionID` from several nodes
/// are serialized by transaction-scoped advisory locks on [`ENQUEUE_LOCK_BUCKETS`] buckets
/// of ids: at most that many locks per transaction, however large the batch (a default
/// server's lock table holds about 6,400 in all), taken in one order by every transaction
/// so that two batches cannot deadlock.
pub(crate) fn enqueue(
    database: &PgDatabase,
    rows: Vec<EnqueueRow>,
    now: String,
    decide: impl Fn(usize, &EnqueueRow, Existing) -> Result<Option<i64>, DurableError> + Send + 'static,
    settled: Option<(Settled, String)>,
) -> Result<Vec<(i64, bool)>, DurableError> {
    database.block(move |pool| async move {
        let mut client = connection(&pool).await?;
        let transaction = client.transaction().await.map_err(storage)?;
        let mut ids: Vec<&str> = rows.iter().map(|row| row.deduction_id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        // One round trip; a volatile function in the select list runs after the sort,
        // so the locks are taken in bucket order.
        transaction
            .execute(
                "SELECT pg_advisory_xact_lock($2, bucket)
                 FROM (SELECT DISTINCT (hashtextextended(id, 0) & ($3::int - 1))::int AS bucket
                       FROM unnest($1::text[]) AS id) AS buckets
                 ORDER BY bucket",
                &[&ids, &ENQUEUE_LOCK_SPACE, &ENQUEUE_LOCK_BUCKETS],
            )
            .await
            .map_err(storage)?;
        // What the outbox holds under these ids, read once; kept up to date below, so a
        // repeat within the batch finds the row inserted before it.
        let mut held: HashMap<(String, String), (i64, Vec<u8>, String)> = transaction
            .query(
                "SELECT deduction_id, kind, seq, body, org_code FROM glorycard.outbox_items
                 WHERE deduction_id = ANY($1)",
                &[&ids],
            )
            .await
            .map_err(storage)?
            .iter()
            .map(|row| {
                (
                    (row.get(0), row.get(1)),
                    (row.get(2), row.get(3), row.get(4)),
                )
            })
            .collect();
        let insert = transaction
            .prepare(
                "INSERT INTO glorycard.outbox_items
                     (kind, deduction_id, org_code, event_time, body, enqueued_at)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq",
            )
            .await
            .map_err(storage)?;
        let mut enqueued = Vec::with_capacity(rows.len());
        for (index, row) in rows.iter().enumerate() {
            let key = |kind: &str| (row.deduction_id.clone(), kind.to_owned());
            let item = held.get(&key(row.kind)).cloned();
            let cancellation = match (&item, row.kind) {
                (None, "deduction") => held.get(&key("cancellation")).map(|found| found.0),
                _ => None,
            };
            match decide(index, row, Existing { item, cancellation })? {
                Some(seq) => enqueued.push((seq, false)),
                None => {
                    let seq: i64 = transaction
                        .query_one(
                            &insert,
                            &[
                                &row.kind,
                                &row.deduction_id,
                                &row.org_code,
                                &row.event_time,
                                &row.body,
                                &now,
                            ],
                        )
                        .await
                        .map_err(storage)?
                        .get(0);
                    held.insert(key(row.kind), (seq, row.body.clone(), row.org_code.clone()));
                    enqueued.push((seq, true));
                }
            }
        }
        if let Some((state, message)) = settled {
            let seqs: Vec<i64> = enqueued.iter().map(|(seq, _)| *seq).collect();
            // A drainer holding one of these loses it: its fenced record finds it settled.
            // An acknowledgement settles any item not yet acknowledged; a refusal only a
            // pending one.
            transaction
                .execute(
                    "UPDATE glorycard.outbox_items
                     SET state = $4, message = $2, settled_at = $3,
                         lease_owner = NULL, lease_until = NULL
                     WHERE seq = ANY($1) AND state <> 'acknowledged'
                       AND ($4 = 'acknowledged' OR state = 'pending')",
                    &[&seqs, &message, &now, &state.as_str()],
                )
                .await
                .map_err(storage)?;
        }
        transaction.commit().await.map_err(storage)?;
        Ok(enqueued)
    })
}

pub(crate) fn status(database: &PgDatabase) -> Result<OutboxStatus, DurableError> {
    database.block(|pool| async move {
        let client = connection(&pool).await?;
        let rows = client
            .query(
                "SELECT state, count(*) FROM glorycard.outbox_items GROUP BY state",
                &[],
            )
            .await
            .map_err(storage)?;
        let oldest = client
            .query_opt(
                "SELECT enqueued_at FROM glorycard.outbox_items WHERE state = 'pending'
                 ORDER BY seq LIMIT 1",
                &[],
            )
            .await
            .map_err(storage)?
            .map(|row| row.get(0));
        Ok(status_from(
            rows.iter().map(|row| (row.get::<_, String>(0), row.get(1))),
            oldest,
        ))
    })
}

pub(crate) fn rejected(database: &PgDatabase) -> Result<Vec<RejectedItem>, DurableError> {
    database.block(|pool| async move {
        let client = connection(&pool).await?;
        let rows = client
            .query(
                "SELECT seq, kind, deduction_id, coalesce(message, ''), coalesce(settled_at, '')
                 FROM glorycard.outbox_items WHERE state = 'rejected' ORDER BY seq",
                &[],
            )
            .await
            .map_err(storage)?;
        Ok(rows
            .iter()
            .map(|row| RejectedItem {
                seq: row.get(0),
                kind: row.get(1),
                deduction_id: row.get(2),
                message: row.get(3),
                rejected_at: row.get(4),
            })
            .collect())
    })
}

pub(crate) fn requeue(database: &PgDatabase, seq: i64) -> Result<bool, DurableError> {
    database.block(move |pool| async move {
        let client = connection(&pool).await?;
        let changed = client
            .execute(
                "UPDATE glorycard.outbox_items
                 SET state = 'pending', settled_at = NULL, lease_owner = NULL, lease_until = NULL
                 WHERE seq = $1 AND state = 'rejected'",
                &[&seq],
            )
            .await
            .map_err(storage)?;
        Ok(changed == 1)
    })
}

/// A stored deduction for `/deductCheck`: (seq, body, cancel time).
pub(crate) type StoredDeduction = (i64, Vec<u8>, Option<String>);

/// `org_code`'s deductions in `[start, end]`.
pub(crate) fn deductions_between(
    database: &PgDatabase,
    org_code: &str,
    start: &str,
    end: &str,
) -> Result<Vec<StoredDeduction>, DurableError> {
    let (org_code, start, end) = (org_code.to_owned(), start.to_owned(), end.to_owned());
    database.block(move |pool| async move {
        let client = connection(&pool).await?;
        let rows = client
            .query(
                "SELECT d.seq, d.body,
                        (SELECT c.event_time FROM glorycard.outbox_items c
                         WHERE c.kind = 'cancellation' AND c.deduction_id = d.deduction_id)
                 FROM glorycard.outbox_items d
                 WHERE d.kind = 'deduction' AND d.org_code = $1
                   AND d.event_time >= $2 AND d.event_time <= $3
                 ORDER BY d.event_time, d.seq",
                &[&org_code, &start, &end],
            )
            .await
            .map_err(storage)?;
        Ok(rows
            .iter()
            .map(|row| (row.get(0), row.get(1), row.get(2)))
            .collect())
    })
}

pub(crate) async fn pending_count(database: &PgDatabase) -> Result<i64, DurableError> {
    database
        .run(|pool| async move {
            let client = connection(&pool).await?;
            Ok(client
                .query_one(
                    "SELECT count(*) FROM glorycard.outbox_items WHERE state = 'pending'",
                    &[],
                )
                .await
                .map_err(storage)?
                .get(0))
        })
        .await
}

/// Claims up to `limit` chains no live drainer holds: each chain's head (its oldest
/// pending item) is locked with `SKIP LOCKED`, so two drainers never take the same one,
/// and every pending item of the chain gets `owner`'s lease. Returns the claimed items in
/// `seq` order. A chain's later items are never heads while its head is pending, so
/// nobody else can send a cancellation before its deduction is acknowledged.
pub(crate) async fn claim(
    database: &PgDatabase,
    owner: &str,
    limit: i64,
    lease: Duration,
) -> Result<Vec<PendingRow>, DurableError> {
    let owner = owner.to_owned();
    let seconds = lease.as_secs_f64();
    database
        .run(move |pool| async move {
            let client = connection(&pool).await?;
            let rows = client
                .query(
                    "WITH heads AS (
                         SELECT i.seq, i.deduction_id FROM glorycard.outbox_items i
                         WHERE i.state = 'pending'
                           AND (i.lease_until IS NULL OR i.lease_until < now())
                           AND NOT EXISTS (
                               SELECT 1 FROM glorycard.outbox_items e
                               WHERE e.deduction_id = i.deduction_id AND e.state = 'pending'
                                 AND e.seq < i.seq)
                         ORDER BY i.seq
                         LIMIT $2
                         FOR UPDATE SKIP LOCKED
                     )
                     UPDATE glorycard.outbox_items t
                     SET lease_owner = $1, lease_until = now() + make_interval(secs => $3)
                     FROM heads
                     WHERE t.deduction_id = heads.deduction_id AND t.state = 'pending'
                     RETURNING t.seq, t.kind, t.deduction_id, t.body",
                    &[&owner, &limit, &seconds],
                )
                .await
                .map_err(storage)?;
            let mut items: Vec<PendingRow> = rows
                .iter()
                .map(|row| PendingRow {
                    seq: row.get(0),
                    kind: row.get(1),
                    deduction_id: row.get(2),
                    body: row.get(3),
                })
                .collect();
            items.sort_by_key(|item| item.seq);
            Ok(items)
        })
        .await
}

/// Extends the leases `owner` still holds (not yet expired: an expired lease may have
/// been claimed by another drainer, and is not taken back), of the chain of one
/// `deductionID` or all; returns the (deductionID, seq) of each pending item it still
/// holds. A chain the caller works on that is not among them is lost.
async fn extend(
    database: &PgDatabase,
    owner: &str,
    deduction_id: Option<&str>,
    lease: Duration,
) -> Result<Vec<(String, i64)>, DurableError> {
    let owner = owner.to_owned();
    let deduction_id = deduction_id.map(str::to_owned);
    let seconds = lease.as_secs_f64();
    database
        .run(move |pool| async move {
            let client = connection(&pool).await?;
            let rows = client
                .query(
                    "UPDATE glorycard.outbox_items
                     SET lease_until = now() + make_interval(secs => $3)
                     WHERE lease_owner = $1 AND state = 'pending' AND lease_until > now()
                       AND ($2::text IS NULL OR deduction_id = $2)
                     RETURNING deduction_id, seq",
                    &[&owner, &deduction_id, &seconds],
                )
                .await
                .map_err(storage)?;
            Ok(rows.iter().map(|row| (row.get(0), row.get(1))).collect())
        })
        .await
}

/// Extends every lease `owner` still holds; returns the `deductionID`s of its chains.
pub(crate) async fn renew(
    database: &PgDatabase,
    owner: &str,
    lease: Duration,
) -> Result<HashSet<String>, DurableError> {
    let held = extend(database, owner, None, lease).await?;
    Ok(held
        .into_iter()
        .map(|(deduction_id, _)| deduction_id)
        .collect())
}

/// Before a send: extends `owner`'s lease on the chain of `deduction_id` and tells whether
/// it still holds the item `seq` (pending, leased to it, lease not expired), in one
/// statement.
pub(crate) async fn confirm(
    database: &PgDatabase,
    owner: &str,
    deduction_id: &str,
    seq: i64,
    lease: Duration,
) -> Result<bool, DurableError> {
    let held = extend(database, owner, Some(deduction_id), lease).await?;
    Ok(held.iter().any(|(_, held_seq)| *held_seq == seq))
}

/// Gives up `owner`'s unexpired leases (of the chain of one `deductionID`, or all), so that
/// another drainer need not wait for them to expire.
pub(crate) async fn release(
    database: &PgDatabase,
    owner: &str,
    deduction_id: Option<&str>,
) -> Result<(), DurableError> {
    let owner = owner.to_owned();
    let deduction_id = deduction_id.map(str::to_owned);
    database
        .run(move |pool| async move {
            let client = connection(&pool).await?;
            client
                .execute(
                    "UPDATE glorycard.outbox_items SET lease_owner = NULL, lease_until = NULL
                     WHERE lease_owner = $1 AND state = 'pending' AND lease_until > now()
                       AND ($2::text IS NULL OR deduction_id = $2)",
                    &[&owner, &deduction_id],
                )
                .await
                .map_err(storage)
                .map(drop)
        })
        .await
}

/// Records outcomes (seq, state, message) in one transaction, each only where `owner`
/// still holds the item's lease; returns, per row, whether it was recorded. A row not
/// recorded belongs to another drainer now (this one's lease expired): its outcome is
/// that drainer's to find.
pub(crate) async fn record(
    database: &PgDatabase,
    owner: &str,
    rows: Vec<(i64, &'static str, String)>,
    now: String,
) -> Result<Vec<bool>, DurableError> {
    let owner = owner.to_owned();
    database
        .run(move |pool| async move {
            let mut client = connection(&pool).await?;
            let transaction = client.transaction().await.map_err(storage)?;
            let update = transaction
                .prepare(
                    "UPDATE glorycard.outbox_items
                     SET state = $2, message = $3, attempts = attempts + 1,
                         settled_at = CASE WHEN $2 = 'pending' THEN NULL ELSE $4 END
                     WHERE seq = $1 AND state = 'pending'
                       AND lease_owner = $5 AND lease_until > now()",
                )
                .await
                .map_err(storage)?;
            let mut recorded = Vec::with_capacity(rows.len());
            for (seq, state, message) in &rows {
                let changed = transaction
                    .execute(&update, &[seq, state, message, &now, &owner])
                    .await
                    .map_err(storage)?;
                recorded.push(changed == 1);
            }
            transaction.commit().await.map_err(storage)?;
            Ok(recorded)
        })
        .await
}
