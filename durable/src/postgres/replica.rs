//! The replica's tables and queries on PostgreSQL: lookups from any node, and one sync at
//! a time, held by a session advisory lock on a connection of its own.

use glorycard_core::models::RosterRecord;

use super::{PgDatabase, connection, storage};
use crate::DurableError;
use crate::replica::{HolderRow, holder_row, masked_probes, roster_record};

pub(crate) const MIGRATIONS: &[&str] = &["
    CREATE TABLE glorycard.replica_holders (
        glory_id      BIGINT PRIMARY KEY,
        data_id       BIGINT NOT NULL,
        cert_type     TEXT NOT NULL,
        cert_no       TEXT NOT NULL,
        cert_name     TEXT NOT NULL,
        glory_type    TEXT NOT NULL,
        -- cert_no normalized for lookup (trimmed, ASCII upper case); NULL when masked.
        lookup_key    TEXT,
        -- For a masked cert_no: the characters before the first '*' and after the last.
        masked_prefix TEXT,
        masked_suffix TEXT
    );
    CREATE INDEX replica_holders_by_number ON glorycard.replica_holders (cert_type, lookup_key)
        WHERE lookup_key IS NOT NULL;
    CREATE INDEX replica_holders_masked
        ON glorycard.replica_holders (cert_type, masked_prefix, masked_suffix, cert_name)
        WHERE lookup_key IS NULL;
    CREATE TABLE glorycard.replica_masked_shapes (
        prefix_length INTEGER NOT NULL,
        suffix_length INTEGER NOT NULL,
        PRIMARY KEY (prefix_length, suffix_length)
    );
    CREATE TABLE glorycard.replica_checkpoint (
        only_row INTEGER PRIMARY KEY CHECK (only_row = 1),
        data_id  BIGINT NOT NULL
    );
    INSERT INTO glorycard.replica_checkpoint (only_row, data_id) VALUES (1, 0);
"];

/// The key of the advisory lock that lets one sync at a time run.
const SYNC_LOCK: &str = "glorycard.replica.sync";

/// A connection that holds the sync lock. Dropped, it leaves the pool and closes, and the
/// server releases the lock with the session: whatever way the sync ended (an error, a
/// timeout, a panic, or the process killed), the next sync is never blocked by it.
pub(crate) struct SyncSession(Option<deadpool_postgres::Object>);

impl Drop for SyncSession {
    fn drop(&mut self) {
        if let Some(object) = self.0.take() {
            drop(deadpool_postgres::Object::take(object));
        }
    }
}

impl SyncSession {
    fn client(&self) -> Result<&deadpool_postgres::Object, DurableError> {
        self.0.as_ref().ok_or_else(|| DurableError::Storage {
            reason: "the sync's PostgreSQL session is closed".into(),
        })
    }
}

/// Takes the sync lock, or fails with `conflict` when another process (on any node) is
/// syncing this replica; returns the session and the checkpoint read under the lock.
pub(crate) async fn begin_sync(database: &PgDatabase) -> Result<(SyncSession, i64), DurableError> {
    let location = database.location().to_owned();
    database
        .run(move |pool| async move {
            let session = SyncSession(Some(connection(&pool).await?));
            let locked: bool = session
                .client()?
                .query_one(
                    "SELECT pg_try_advisory_lock(hashtextextended($1, 0))",
                    &[&SYNC_LOCK],
                )
                .await
                .map_err(storage)?
                .get(0);
            if !locked {
                return Err(DurableError::Conflict {
                    reason: format!("another sync of the replica in {location} is running"),
                });
            }
            let checkpoint: i64 = session
                .client()?
                .query_one(
                    "SELECT data_id FROM glorycard.replica_checkpoint WHERE only_row = 1",
                    &[],
                )
                .await
                .map_err(storage)?
                .get(0);
            Ok((session, checkpoint))
        })
        .await
}

/// Applies one page and its checkpoint in one transaction on the locked session; gives
/// the session back for the next page.
pub(crate) async fn apply_page(
    database: &PgDatabase,
    mut session: SyncSession,
    mut records: Vec<RosterRecord>,
    checkpoint: i64,
) -> Result<SyncSession, DurableError> {
    records.sort_by_key(|record| record.data_id);
    database
        .run(move |_| async move {
            let client = session.0.as_mut().ok_or_else(|| DurableError::Storage {
                reason: "the sync's PostgreSQL session is closed".into(),
            })?;
            let transaction = client.transaction().await.map_err(storage)?;
            let upsert = transaction
                .prepare(
                    "INSERT INTO glorycard.replica_holders
                         (glory_id, data_id, cert_type, cert_no, cert_name, glory_type,
                          lookup_key, masked_prefix, masked_suffix)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                     ON CONFLICT (glory_id) DO UPDATE SET
                         data_id = excluded.data_id, cert_type = excluded.cert_type,
                         cert_no = excluded.cert_no, cert_name = excluded.cert_name,
                         glory_type = excluded.glory_type, lookup_key = excluded.lookup_key,
                         masked_prefix = excluded.masked_prefix,
                         masked_suffix = excluded.masked_suffix
                     WHERE excluded.data_id >= replica_holders.data_id",
                )
                .await
                .map_err(storage)?;
            let shape = transaction
                .prepare(
                    "INSERT INTO glorycard.replica_masked_shapes VALUES ($1, $2)
                     ON CONFLICT DO NOTHING",
                )
                .await
                .map_err(storage)?;
            for record in &records {
                let HolderRow {
                    lookup_key,
                    masked_prefix,
                    masked_suffix,
                } = holder_row(record);
                if let (Some(prefix), Some(suffix)) = (&masked_prefix, &masked_suffix) {
                    let lengths = (prefix.len() as i32, suffix.len() as i32);
                    transaction
                        .execute(&shape, &[&lengths.0, &lengths.1])
                        .await
                        .map_err(storage)?;
                }
                transaction
                    .execute(
                        &upsert,
                        &[
                            &record.glory_id,
                            &record.data_id,
                            &record.cert_type.code(),
                            &record.cert_no.as_str(),
                            &record.cert_name.as_str(),
                            &record.glory_type.code(),
                            &lookup_key,
                            &masked_prefix,
                            &masked_suffix,
                        ],
                    )
                    .await
                    .map_err(storage)?;
            }
            let previous: i64 = transaction
                .query_one(
                    "SELECT data_id FROM glorycard.replica_checkpoint WHERE only_row = 1",
                    &[],
                )
                .await
                .map_err(storage)?
                .get(0);
            if checkpoint < previous {
                return Err(DurableError::Storage {
                    reason: format!(
                        "checkpoint would go back from {previous} to {checkpoint}: another sync of this replica ran at the same time"
                    ),
                });
            }
            transaction
                .execute(
                    "UPDATE glorycard.replica_checkpoint SET data_id = $1 WHERE only_row = 1",
                    &[&checkpoint],
                )
                .await
                .map_err(storage)?;
            transaction.commit().await.map_err(storage)?;
            Ok(session)
        })
        .await
}

pub(crate) fn checkpoint(database: &PgDatabase) -> Result<i64, DurableError> {
    database.block(|pool| async move {
        let client = connection(&pool).await?;
        Ok(client
            .query_one(
                "SELECT data_id FROM glorycard.replica_checkpoint WHERE only_row = 1",
                &[],
            )
            .await
            .map_err(storage)?
            .get(0))
    })
}

pub(crate) fn len(database: &PgDatabase) -> Result<i64, DurableError> {
    database.block(|pool| async move {
        let client = connection(&pool).await?;
        Ok(client
            .query_one("SELECT count(*) FROM glorycard.replica_holders", &[])
            .await
            .map_err(storage)?
            .get(0))
    })
}

const COLUMNS: &str = "cert_type, cert_no, cert_name, glory_type, glory_id, data_id";

fn read(row: &tokio_postgres::Row) -> RosterRecord {
    roster_record(
        row.get::<_, &str>(0),
        row.get(1),
        row.get(2),
        row.get::<_, &str>(3),
        row.get(4),
        row.get(5),
    )
}

/// (exact matches, partial matches) for the normalized `key`; partial ones only with a
/// name.
pub(crate) fn lookup(
    database: &PgDatabase,
    cert_type: String,
    key: String,
    name: Option<String>,
) -> Result<(Vec<RosterRecord>, Vec<RosterRecord>), DurableError> {
    database.block(move |pool| async move {
        let client = connection(&pool).await?;
        let exact = client
            .query(
                &format!(
                    "SELECT {COLUMNS} FROM glorycard.replica_holders
                     WHERE cert_type = $1 AND lookup_key = $2 ORDER BY glory_id"
                ),
                &[&cert_type, &key],
            )
            .await
            .map_err(storage)?
            .iter()
            .map(read)
            .collect();
        let Some(name) = name else {
            return Ok((exact, Vec::new()));
        };
        let shapes: Vec<(i64, i64)> = client
            .query(
                "SELECT prefix_length, suffix_length FROM glorycard.replica_masked_shapes",
                &[],
            )
            .await
            .map_err(storage)?
            .iter()
            .map(|row| {
                (
                    i64::from(row.get::<_, i32>(0)),
                    i64::from(row.get::<_, i32>(1)),
                )
            })
            .collect();
        let mut partial = Vec::new();
        for (prefix, suffix) in masked_probes(&key, shapes) {
            let rows = client
                .query(
                    &format!(
                        "SELECT {COLUMNS} FROM glorycard.replica_holders
                         WHERE cert_type = $1 AND masked_prefix = $2 AND masked_suffix = $3
                           AND cert_name = $4 AND lookup_key IS NULL
                         ORDER BY glory_id"
                    ),
                    &[&cert_type, &prefix, &suffix, &name],
                )
                .await
                .map_err(storage)?;
            partial.extend(rows.iter().map(read));
        }
        Ok((exact, partial))
    })
}

/// Every holder in `dataID` order, read in one query.
pub(crate) fn all(database: &PgDatabase) -> Result<Vec<RosterRecord>, DurableError> {
    database.block(|pool| async move {
        let client = connection(&pool).await?;
        Ok(client
            .query(
                &format!(
                    "SELECT {COLUMNS} FROM glorycard.replica_holders ORDER BY data_id, glory_id"
                ),
                &[],
            )
            .await
            .map_err(storage)?
            .iter()
            .map(read)
            .collect())
    })
}
