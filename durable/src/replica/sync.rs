//! A replica's sync: the pages after its checkpoint, each applied with its new
//! checkpoint in one transaction.

use std::time::{Duration, Instant};

use glorycard_client::Client;
use glorycard_core::models::RosterRecord;
use rusqlite::params;

use super::lookup::{lookup_key, masked_parts};
use super::{Replica, SyncProgress, read_checkpoint};
use crate::DurableError;
use crate::backend::Backend;
use crate::database::storage;
use crate::postgres;

impl Replica {
    /// Fetches every page after the checkpoint and applies it. See
    /// [`sync_with_progress`](Replica::sync_with_progress).
    pub async fn sync(&self, client: &Client) -> Result<SyncProgress, DurableError> {
        self.sync_with_progress(client, |_| {}).await
    }

    /// Fetches every page after the checkpoint and applies each one with its checkpoint
    /// in one transaction, calling `progress` after each. The next page is fetched while
    /// the current one is written. The first request waits for the next wall-clock second
    /// (up to one second): a sync killed a moment ago may have asked for the same page in
    /// this second, and the platform would refuse the identical request as a replay. On an
    /// error, every page applied before it stays applied, and the next sync resumes after
    /// it. On PostgreSQL a second sync of the same replica, on any node, ends at once with
    /// [`DurableError::Conflict`] while the first runs.
    pub async fn sync_with_progress(
        &self,
        client: &Client,
        mut progress: impl FnMut(&SyncProgress),
    ) -> Result<SyncProgress, DurableError> {
        // A sync killed a moment ago may have asked for this page in this second.
        glorycard_client::sleep_until_next_second().await;
        let started = Instant::now();
        // PostgreSQL: one sync at a time on any node (else `conflict`), on the session
        // that holds the lock, from the checkpoint read under it.
        let (mut session, checkpoint) = match &self.backend {
            Backend::Postgres(database) => {
                let (session, checkpoint) = postgres::replica::begin_sync(database).await?;
                (Some(session), checkpoint)
            }
            Backend::Sqlite(_) => (None, self.checkpoint()?),
        };
        let mut updates = client.roster_updates(checkpoint);
        let mut done = SyncProgress {
            pages: 0,
            records: 0,
            checkpoint: updates.checkpoint(),
            elapsed: Duration::ZERO,
        };
        let mut page = updates.next_page().await?;
        while let Some(records) = page {
            let checkpoint = updates.checkpoint();
            // A page holds at most 500 records.
            let count = records.len() as i64;
            let next = match &self.backend {
                Backend::Sqlite(database) => {
                    let apply =
                        database.run(move |connection| apply_page(connection, records, checkpoint));
                    let (next, applied) = tokio::join!(updates.next_page(), apply);
                    applied?;
                    next
                }
                Backend::Postgres(database) => {
                    let locked = session.take().ok_or_else(|| DurableError::Storage {
                        reason: "the sync lost its PostgreSQL session".into(),
                    })?;
                    let apply =
                        postgres::replica::apply_page(database, locked, records, checkpoint);
                    let (next, applied) = tokio::join!(updates.next_page(), apply);
                    session = Some(applied?);
                    next
                }
            };
            done.pages += 1;
            done.records += count;
            done.checkpoint = checkpoint;
            done.elapsed = started.elapsed();
            progress(&done);
            page = next?;
        }
        done.elapsed = started.elapsed();
        Ok(done)
    }
}

/// The lookup columns of a holder: its normalized number, or the visible parts of a
/// masked one.
pub(crate) struct HolderRow {
    pub(crate) lookup_key: Option<String>,
    pub(crate) masked_prefix: Option<String>,
    pub(crate) masked_suffix: Option<String>,
}

pub(crate) fn holder_row(record: &RosterRecord) -> HolderRow {
    match masked_parts(record.cert_no.as_str()) {
        Some((prefix, suffix)) => HolderRow {
            lookup_key: None,
            masked_prefix: Some(prefix),
            masked_suffix: Some(suffix),
        },
        None => HolderRow {
            lookup_key: Some(lookup_key(record.cert_no.as_str())),
            masked_prefix: None,
            masked_suffix: None,
        },
    }
}

/// Applies one page and its checkpoint atomically. Within the page, records are applied
/// in `dataID` order, and a record never replaces one with a larger `dataID`.
pub(super) fn apply_page(
    connection: &mut rusqlite::Connection,
    mut records: Vec<RosterRecord>,
    checkpoint: i64,
) -> Result<(), DurableError> {
    records.sort_by_key(|record| record.data_id);
    let transaction = connection
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(storage)?;
    {
        let mut upsert = transaction
            .prepare_cached(
                "INSERT INTO holders (glory_id, data_id, cert_type, cert_no, cert_name,
                                      glory_type, lookup_key, masked_prefix, masked_suffix)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (glory_id) DO UPDATE SET
                     data_id = excluded.data_id, cert_type = excluded.cert_type,
                     cert_no = excluded.cert_no, cert_name = excluded.cert_name,
                     glory_type = excluded.glory_type, lookup_key = excluded.lookup_key,
                     masked_prefix = excluded.masked_prefix,
                     masked_suffix = excluded.masked_suffix
                 WHERE excluded.data_id >= holders.data_id",
            )
            .map_err(storage)?;
        let mut shape = transaction
            .prepare_cached("INSERT OR IGNORE INTO masked_shapes VALUES (?1, ?2)")
            .map_err(storage)?;
        for record in &records {
            let HolderRow {
                lookup_key: lookup,
                masked_prefix: prefix,
                masked_suffix: suffix,
            } = holder_row(record);
            if let (Some(prefix), Some(suffix)) = (&prefix, &suffix) {
                shape
                    .execute(params![prefix.len() as i64, suffix.len() as i64])
                    .map_err(storage)?;
            }
            upsert
                .execute(params![
                    record.glory_id,
                    record.data_id,
                    record.cert_type.code(),
                    record.cert_no.as_str(),
                    record.cert_name.as_str(),
                    record.glory_type.code(),
                    lookup,
                    prefix,
                    suffix,
                ])
                .map_err(storage)?;
        }
        let previous = read_checkpoint(&transaction)?;
        if checkpoint < previous {
            return Err(DurableError::Storage {
                reason: format!(
                    "checkpoint would go back from {previous} to {checkpoint}: another sync of this replica ran at the same time"
                ),
            });
        }
        transaction
            .execute(
                "UPDATE checkpoint SET data_id = ?1 WHERE only_row = 1",
                params![checkpoint],
            )
            .map_err(storage)?;
    }
    transaction.commit().map_err(storage)
}
