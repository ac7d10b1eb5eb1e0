//! The `/deductCheck` verifier's replay cache in PostgreSQL, shared by every server of a
//! cluster: a request replayed to another node finds its triple already there.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use glorycard_core::SharedReplayCache;

use super::{PgDatabase, Store, connection, is_url, storage};
use crate::DurableError;

pub(crate) const MIGRATIONS: &[&str] = &["
    CREATE TABLE glorycard.replay_seen (
        sid       TEXT NOT NULL,
        timestamp BIGINT NOT NULL,
        sign      BYTEA NOT NULL,
        PRIMARY KEY (sid, timestamp, sign)
    );
    CREATE INDEX replay_seen_by_time ON glorycard.replay_seen (timestamp);
"];

/// Triples are kept this long after they left the skew window, so that nodes whose
/// clocks disagree by less than this never forget one another can still accept.
const MARGIN_SECONDS: i64 = 3_600;
/// Each process deletes expired triples at most this often.
const PURGE_EVERY_SECONDS: i64 = 60;

/// A [`SharedReplayCache`] on PostgreSQL: a table keyed by (sid, timestamp, sign),
/// inserted into atomically with the check, its rows deleted an hour after they left the
/// skew window. Give it to [`glorycard_core::VerifierBuilder::shared_replay_cache`] on
/// every node; an unreachable database refuses the request (`replay_cache_unavailable`).
#[derive(Debug, Clone)]
pub struct PostgresReplayCache {
    database: PgDatabase,
    /// The `oldest_valid` of this process's last purge.
    purged_at: Arc<AtomicI64>,
}

impl PostgresReplayCache {
    /// Connects to the database at `url` (`postgres://…`), creating the table if needed.
    pub fn open(url: &str) -> Result<Self, DurableError> {
        if !is_url(url) {
            return Err(DurableError::Storage {
                reason: "the shared replay cache needs a postgres:// URL".into(),
            });
        }
        Ok(Self {
            database: PgDatabase::open(url, Store::ReplayCache)?,
            purged_at: Arc::new(AtomicI64::new(i64::MIN)),
        })
    }
}

impl SharedReplayCache for PostgresReplayCache {
    fn remember(
        &self,
        sid: &str,
        timestamp: i64,
        sign: &[u8; 32],
        oldest_valid: i64,
    ) -> Result<bool, String> {
        let last = self.purged_at.load(Ordering::Relaxed);
        let purge = oldest_valid.saturating_sub(last) >= PURGE_EVERY_SECONDS
            && self
                .purged_at
                .compare_exchange(last, oldest_valid, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok();
        let (sid, sign) = (sid.to_owned(), sign.to_vec());
        self.database
            .block(move |pool| async move {
                let client = connection(&pool).await?;
                if purge {
                    client
                        .execute(
                            "DELETE FROM glorycard.replay_seen WHERE timestamp < $1",
                            &[&oldest_valid.saturating_sub(MARGIN_SECONDS)],
                        )
                        .await
                        .map_err(storage)?;
                }
                let inserted = client
                    .execute(
                        "INSERT INTO glorycard.replay_seen (sid, timestamp, sign)
                         VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                        &[&sid, &timestamp, &sign],
                    )
                    .await
                    .map_err(storage)?;
                Ok::<_, DurableError>(inserted == 1)
            })
            .map_err(|error| error.to_string())
    }
}
