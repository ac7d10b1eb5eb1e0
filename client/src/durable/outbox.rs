//! The outbox: deductions and cancellations committed locally first, then delivered to
//! the platform exactly once.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use glorycard_core::models::{self, Cancellation, Deduction, Validate as _};
use rusqlite::{OptionalExtension as _, params};

use super::{Database, Durability, Kind, count, now_datetime, storage};
use crate::{Client, ClientError, RetryPolicy};

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

/// A durable queue of deductions and cancellations for the platform, in one SQLite file.
///
/// [`enqueue_deduction`](Outbox::enqueue_deduction) and
/// [`enqueue_cancellation`](Outbox::enqueue_cancellation) validate the record, then commit
/// it (WAL, `synchronous=FULL`: it survives a crash or a power cut) before returning,
/// whether or not the platform is reachable. Enqueuing the same record again is a no-op,
/// so an HIS that does not know whether its enqueue committed may simply repeat it.
///
/// [`drain`](Outbox::drain) delivers pending items: items of one `deductionID` strictly in
/// the order they were enqueued (a cancellation never overtakes its deduction), different
/// deductions concurrently. Each item is marked acknowledged after the platform accepts
/// it; a business refusal (`responseFlag` "0"), or an HTTP 4xx that concerns the item
/// alone (400, 409, 413, 422, ...), moves it to `rejected` with the platform's message or
/// the status; transport failures are retried with backoff. A process killed during a drain
/// loses nothing: an item not yet marked acknowledged is sent again, and the platform
/// recognises a repeated upload by its `deductionID`.
///
/// Enqueue, status and the other non-`async` methods are synchronous (an enqueue waits
/// for the disk): from async code, call them in `spawn_blocking`.
///
/// With the `institution` feature the outbox is also a
/// [`DeductionSource`](crate::institution::DeductionSource) for the `/deductCheck`
/// endpoint: every deduction enqueued, with status "0" and `cancelTime` when a
/// cancellation was enqueued for it.
#[derive(Debug, Clone)]
pub struct Outbox {
    database: Database,
}

/// Something to deliver: a deduction or a cancellation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutboxEntry {
    /// A `store/deduct` upload.
    Deduction(Deduction),
    /// A `store/deductCancel` call.
    Cancellation(Cancellation),
}

impl OutboxEntry {
    fn kind(&self) -> &'static str {
        match self {
            OutboxEntry::Deduction(_) => "deduction",
            OutboxEntry::Cancellation(_) => "cancellation",
        }
    }

    fn deduction_id(&self) -> &str {
        match self {
            OutboxEntry::Deduction(deduction) => &deduction.deduction_id,
            OutboxEntry::Cancellation(cancellation) => &cancellation.deduction_id,
        }
    }

    fn validate(&self) -> Result<(), ClientError> {
        match self {
            OutboxEntry::Deduction(deduction) => deduction.validate(),
            OutboxEntry::Cancellation(cancellation) => cancellation.validate(),
        }
        .map_err(ClientError::from)
    }

    /// (org code, event time, body in wire names).
    fn row(&self) -> Result<(&str, &str, Vec<u8>), ClientError> {
        Ok(match self {
            OutboxEntry::Deduction(d) => (&d.org_code, &d.deduction_time, models::to_json(d)?),
            OutboxEntry::Cancellation(c) => (&c.org_code, &c.cancel_time, models::to_json(c)?),
        })
    }

    fn parse(kind: &str, body: &[u8]) -> Result<Self, glorycard_core::Error> {
        Ok(match kind {
            "deduction" => OutboxEntry::Deduction(models::from_json(body)?),
            _ => OutboxEntry::Cancellation(models::from_json(body)?),
        })
    }
}

/// What an enqueue did.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Enqueued {
    /// The item's sequence number in the outbox.
    pub seq: i64,
    /// False when the same item was already in the outbox (nothing was added).
    pub newly_added: bool,
}

/// How many items are in each state.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct OutboxStatus {
    /// Not yet acknowledged by the platform.
    pub pending: u64,
    /// Accepted by the platform.
    pub acknowledged: u64,
    /// Refused by the platform (`responseFlag` "0", or an HTTP 4xx about the item
    /// alone); not retried unless [requeued](Outbox::requeue).
    pub rejected: u64,
    /// When the oldest pending item was enqueued (`yyyy-MM-dd HH:mm:ss`, UTC+8).
    #[serde(rename = "oldestPending")]
    pub oldest_pending: Option<String>,
}

/// An item the platform refused.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RejectedItem {
    /// Its sequence number.
    pub seq: i64,
    /// `"deduction"` or `"cancellation"`.
    pub kind: String,
    /// The deduction it concerns.
    #[serde(rename = "deductionID")]
    pub deduction_id: String,
    /// The platform's `responseMessage`; for an HTTP refusal of this item alone, the
    /// status ("refused by the platform with HTTP 400").
    pub message: String,
    /// When the refusal was recorded.
    #[serde(rename = "rejectedAt")]
    pub rejected_at: String,
}

/// How a drain runs.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrainOptions {
    /// Calls in flight at once (items of one `deductionID` are never concurrent).
    pub concurrency: usize,
    /// Backoff before an item whose call failed is tried again (each call already
    /// retries under the client's [`RetryPolicy`]); doubled per failure of that item, with
    /// jitter, up to `max_backoff`.
    pub initial_backoff: Duration,
    /// Upper bound of an item's backoff.
    pub max_backoff: Duration,
    /// The drain stops, leaving the rest pending, when no item was settled for this long.
    pub patience: Duration,
}

impl DrainOptions {
    /// Sets [`concurrency`](DrainOptions::concurrency).
    pub fn concurrency(mut self, calls: usize) -> Self {
        self.concurrency = calls;
        self
    }

    /// Sets [`initial_backoff`](DrainOptions::initial_backoff) and
    /// [`max_backoff`](DrainOptions::max_backoff).
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max;
        self
    }

    /// Sets [`patience`](DrainOptions::patience); `Duration::MAX` never gives up.
    pub fn patience(mut self, patience: Duration) -> Self {
        self.patience = patience;
        self
    }
}

impl Default for DrainOptions {
    fn default() -> Self {
        Self {
            concurrency: 8,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(15),
            patience: Duration::from_secs(120),
        }
    }
}

/// What a drain did.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DrainReport {
    /// Items the platform accepted during this drain.
    pub acknowledged: u64,
    /// Items the platform refused during this drain.
    pub rejected: u64,
    /// Calls that failed and were (or will be) tried again.
    pub failed_calls: u64,
    /// Items still pending when the drain ended: those it gave up on, and any enqueued
    /// by another process after its last look.
    pub pending: u64,
    /// True when the drain stopped because no item was settled for `patience` (the
    /// platform looks unreachable), not because nothing was left.
    pub gave_up: bool,
    /// The last failure (`code: message`), when a call failed.
    pub last_failure: Option<String>,
}

impl Outbox {
    /// Opens the outbox at `path`, creating an empty one if the file does not exist. A
    /// file that is not a glorycard outbox is refused.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, ClientError> {
        let database = Database::open(path.as_ref(), Kind::Outbox, Durability::Full, SCHEMA)?;
        Ok(Self { database })
    }

    /// Validates `deduction` and commits it durably. Enqueuing the same record again
    /// returns the existing item; another record under the same `deductionID` is a
    /// [`ClientError::Conflict`].
    pub fn enqueue_deduction(&self, deduction: &Deduction) -> Result<Enqueued, ClientError> {
        self.enqueue_one(OutboxEntry::Deduction(deduction.clone()))
    }

    /// Validates `cancellation` and commits it durably. A second cancellation of the
    /// same `deductionID` returns the first (the platform keeps the first cancel time).
    pub fn enqueue_cancellation(
        &self,
        cancellation: &Cancellation,
    ) -> Result<Enqueued, ClientError> {
        self.enqueue_one(OutboxEntry::Cancellation(cancellation.clone()))
    }

    fn enqueue_one(&self, entry: OutboxEntry) -> Result<Enqueued, ClientError> {
        // Errors about the only entry need no index.
        self.enqueue(std::slice::from_ref(&entry), false)?
            .into_iter()
            .next()
            .ok_or_else(|| ClientError::Storage {
                reason: "the enqueue returned no item".into(),
            })
    }

    /// Validates every entry, then commits them all in one durable transaction, or none:
    /// an invalid or conflicting entry fails the whole batch, and the error names its
    /// index (`entries[3]`).
    pub fn enqueue_all(&self, entries: &[OutboxEntry]) -> Result<Vec<Enqueued>, ClientError> {
        self.enqueue(entries, true)
    }

    /// Validates, then commits all or none; `name_entries` puts `entries[i]` in errors.
    fn enqueue(
        &self,
        entries: &[OutboxEntry],
        name_entries: bool,
    ) -> Result<Vec<Enqueued>, ClientError> {
        let in_entry = |index: usize, error: ClientError| {
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
                            ClientError::Conflict {
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
                                ClientError::Conflict {
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
    pub fn status(&self) -> Result<OutboxStatus, ClientError> {
        let connection = self.database.read()?;
        let mut status = OutboxStatus::default();
        let mut statement = connection
            .prepare_cached("SELECT state, count(*) FROM items GROUP BY state")
            .map_err(storage)?;
        let rows = statement
            .query_map([], |row| Ok((row.get::<_, String>(0)?, count(row.get(1)?))))
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
    pub fn rejected(&self) -> Result<Vec<RejectedItem>, ClientError> {
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

    /// Delivers every pending item with the default [`DrainOptions`]; see
    /// [`drain_with`](Outbox::drain_with).
    pub async fn drain(&self, client: &Client) -> Result<DrainReport, ClientError> {
        self.drain_with(client, &DrainOptions::default(), |_| {})
            .await
    }

    /// Delivers pending items until none is left (items enqueued meanwhile, by this or
    /// another process, included), calling `progress` after each batch of outcomes.
    ///
    /// Ends with `Ok` when nothing is pending, or when no item was settled for
    /// `options.patience` (the platform is unreachable: the report counts what is still
    /// pending). An HTTP 4xx answer that concerns one item (400, 409, 413, 422, ...) sets
    /// that item aside as rejected, with the status in its message, and the others go on.
    /// Ends with `Err`, leaving items pending, on a failure that every item would share:
    /// an HTTP status about the endpoint (401, 403, 404, 405, 407, 421, 426: a wrong key,
    /// account or base URL), a storage error, or another drain of the same outbox
    /// already running ([`ClientError::Conflict`]). Before it ends so, it waits for the
    /// calls already in flight and records their outcomes, so nothing the platform
    /// acknowledged is sent again.
    pub async fn drain_with(
        &self,
        client: &Client,
        options: &DrainOptions,
        mut progress: impl FnMut(&DrainReport),
    ) -> Result<DrainReport, ClientError> {
        let _lock = DrainLock::acquire(self.database.path())?;
        if self.pending_count().await? == 0 {
            return Ok(DrainReport::default());
        }
        // A drain killed a moment ago may have sent an item in this second (see
        // `sleep_until_next_second`).
        crate::client::sleep_until_next_second().await;
        let mut drain = Drain::new(self.database.clone(), client.clone(), options);
        drain.run(&mut progress).await?;
        drain.report.pending = self.pending_count().await?;
        Ok(drain.report)
    }

    async fn pending_count(&self) -> Result<u64, ClientError> {
        self.database
            .run(|connection| {
                connection
                    .query_row(
                        "SELECT count(*) FROM items WHERE state = 'pending'",
                        [],
                        |row| Ok(count(row.get(0)?)),
                    )
                    .map_err(storage)
            })
            .await
    }

    /// Moves a rejected item back to pending, for the next drain: after a refusal that
    /// is known to be temporary, or after the cause was mended (a deduction the platform
    /// did not yet know, a wrong orgCode in this client's settings). False when `seq` is
    /// not a rejected item.
    pub fn requeue(&self, seq: i64) -> Result<bool, ClientError> {
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
    ) -> Result<Vec<models::DeductCheckRecord>, ClientError> {
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
                models::from_json(&body).map_err(|e| ClientError::Storage {
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

#[cfg(feature = "institution")]
impl crate::institution::DeductionSource for Outbox {
    fn deductions_between(
        &self,
        org_code: &str,
        start: &str,
        end: &str,
    ) -> Result<Vec<models::DeductCheckRecord>, crate::institution::SourceError> {
        Outbox::deductions_between(self, org_code, start, end).map_err(|error| {
            // The detail (file path, SQLite's text) stays here; the platform gets a reason.
            tracing::error!(%error, "the outbox cannot answer deductCheck");
            crate::institution::SourceError("the institution's outbox cannot be read".into())
        })
    }
}

fn in_entry(index: usize, error: ClientError) -> ClientError {
    match error {
        ClientError::Core(glorycard_core::Error::InvalidField { field, reason }) => {
            ClientError::Core(glorycard_core::Error::InvalidField {
                field: format!("entries[{index}].{field}"),
                reason,
            })
        }
        ClientError::Conflict { reason } => ClientError::Conflict {
            reason: format!("entries[{index}]: {reason}"),
        },
        other => other,
    }
}

async fn sleep_until(wake: Option<Instant>) {
    if let Some(wake) = wake {
        tokio::time::sleep_until(wake.into()).await;
    }
}

/// One drain at a time per outbox: an OS lock on `<outbox>.drain-lock`, released by the
/// OS when the process dies, so a killed drain never blocks the next one.
struct DrainLock {
    _file: std::fs::File,
}

impl DrainLock {
    fn acquire(database: &Path) -> Result<Self, ClientError> {
        // Keyed on the file, not on how its path is spelled: a symbolic link to the outbox
        // must find the same lock.
        let real = std::fs::canonicalize(database).unwrap_or_else(|_| database.to_path_buf());
        let mut path: PathBuf = real.into_os_string().into();
        path.as_mut_os_string().push(".drain-lock");
        let file = super::open_private(&path).map_err(|e| ClientError::Storage {
            reason: format!("cannot open {}: {e}", path.display()),
        })?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(ClientError::Conflict {
                reason: format!(
                    "another drain of {} is running (it holds {})",
                    database.display(),
                    path.display()
                ),
            }),
            Err(std::fs::TryLockError::Error(e)) => Err(ClientError::Storage {
                reason: format!("cannot lock {}: {e}", path.display()),
            }),
        }
    }
}

/// A pending item loaded for delivery.
#[derive(Debug, Clone)]
struct Item {
    seq: i64,
    deduction_id: String,
    /// The parsed entry, or why the stored body could not be read.
    entry: Result<OutboxEntry, String>,
    /// Failed calls of this item during this drain (for its backoff).
    failures: u32,
}

/// How one call ended, as the outbox records it.
#[derive(Debug)]
enum Outcome {
    Acknowledged(String),
    Rejected(String),
    /// Worth trying again later: the reason, for the item's `message`.
    Retry(String),
    /// Retrying cannot mend it: the drain stops.
    Stop(ClientError),
}

/// HTTP 4xx statuses that every request to the endpoint would get (authentication, a
/// wrong URL or method, a proxy, the protocol): they stop the drain. Any other 4xx answers
/// the one request it refuses.
fn endpoint_wide(status: u16) -> bool {
    matches!(status, 401 | 403 | 404 | 405 | 407 | 421 | 426)
}

fn classify(result: Result<models::AckResponse, ClientError>) -> Outcome {
    match result {
        Ok(ack) => Outcome::Acknowledged(ack.response_message),
        Err(ClientError::PlatformRejected { message }) => Outcome::Rejected(message),
        // Timeouts and "too early" are about the moment, not the item: try again later.
        Err(
            error @ ClientError::HttpStatus {
                status: 408 | 425, ..
            },
        ) => Outcome::Retry(format!("{}: {error}", error.code())),
        // A 4xx about this request alone (malformed for the platform, a conflict, too
        // large): set it aside so that it cannot block the items behind it.
        Err(ClientError::HttpStatus { status, .. })
            if (400..500).contains(&status) && status != 429 && !endpoint_wide(status) =>
        {
            Outcome::Rejected(format!("refused by the platform with HTTP {status}"))
        }
        // This item alone cannot be sent by this client (its orgCode is not the client's):
        // set it aside, and deliver the others.
        Err(error @ ClientError::Core(_)) => Outcome::Rejected(format!(
            "refused by this client before sending ({}): {error}",
            error.code()
        )),
        Err(error) if error.is_retryable() => Outcome::Retry(format!("{}: {error}", error.code())),
        // 401/403/404, configuration, storage: every item would fail the same way.
        Err(error) => Outcome::Stop(error),
    }
}

/// Items loaded from the file at a time.
const LOAD_BATCH: usize = 2_000;
/// How often a drain with nothing left to start looks for items enqueued meanwhile.
const RELOAD_INTERVAL: Duration = Duration::from_millis(200);

/// The scheduler of one drain: per-`deductionID` chains, started in enqueue order.
struct Drain {
    database: Database,
    client: Client,
    options: DrainOptions,
    backoff: RetryPolicy,
    /// Loaded, unsettled items of each deductionID, in enqueue order.
    chains: HashMap<String, VecDeque<Item>>,
    /// Heads of chains ready to start (not in flight, not backing off), by seq.
    runnable: BTreeMap<i64, String>,
    /// Heads of chains backing off, by when they may start again.
    waiting: BinaryHeap<Reverse<(Instant, i64, String)>>,
    in_flight: tokio::task::JoinSet<(i64, String, Outcome)>,
    loaded_up_to: i64,
    last_load: Option<(Instant, usize)>,
    last_settled: Instant,
    report: DrainReport,
}

impl Drain {
    fn new(database: Database, client: Client, options: &DrainOptions) -> Self {
        Self {
            database,
            client,
            backoff: RetryPolicy {
                max_attempts: u32::MAX,
                initial_backoff: options.initial_backoff,
                max_backoff: options.max_backoff,
                max_elapsed: Duration::MAX,
            },
            options: DrainOptions {
                concurrency: options.concurrency.max(1),
                ..options.clone()
            },
            chains: HashMap::new(),
            runnable: BTreeMap::new(),
            waiting: BinaryHeap::new(),
            in_flight: tokio::task::JoinSet::new(),
            loaded_up_to: 0,
            last_load: None,
            last_settled: Instant::now(),
            report: DrainReport::default(),
        }
    }

    async fn run(&mut self, progress: &mut impl FnMut(&DrainReport)) -> Result<(), ClientError> {
        // A failure every item shares: start nothing more, record the calls in flight
        // (their answers may be acknowledgements), then end with it.
        let mut stopping: Option<ClientError> = None;
        loop {
            let now = Instant::now();
            while let Some(Reverse((due, seq, id))) = self.waiting.peek().cloned() {
                if due > now {
                    break;
                }
                self.waiting.pop();
                self.runnable.insert(seq, id);
            }
            // Out of patience: start nothing more, record the calls still in flight, stop.
            self.report.gave_up = self.last_settled.elapsed() >= self.options.patience;
            let giving_up = self.report.gave_up;
            if !giving_up && stopping.is_none() {
                if self.should_load(now) {
                    self.load().await?;
                }
                while self.in_flight.len() < self.options.concurrency {
                    let Some((seq, id)) = self.runnable.pop_first() else {
                        break;
                    };
                    self.start(seq, id);
                }
            }
            if self.in_flight.is_empty() {
                if let Some(error) = stopping.take() {
                    return Err(error);
                }
                if giving_up {
                    return Ok(());
                }
                if self.runnable.is_empty() && self.waiting.is_empty() {
                    // Nothing loaded is left: finished unless items were enqueued meanwhile.
                    if self.load().await? == 0 {
                        return Ok(());
                    }
                    continue;
                }
            }
            // Wake for a finished call, a backoff that ends, a look for new items, or the
            // end of patience, whichever comes first.
            let wake = (!giving_up && stopping.is_none()).then(|| {
                let next_due = self.waiting.peek().map(|Reverse((due, _, _))| *due);
                let wake = next_due
                    .unwrap_or(now + RELOAD_INTERVAL)
                    .min(now + RELOAD_INTERVAL);
                // A patience too long to add ("never give up") has no deadline.
                match self.last_settled.checked_add(self.options.patience) {
                    Some(deadline) => wake.min(deadline),
                    None => wake,
                }
            });
            let finished = tokio::select! {
                finished = self.in_flight.join_next(), if !self.in_flight.is_empty() => finished,
                () = sleep_until(wake), if wake.is_some() => None,
                else => None,
            };
            let Some(first) = finished else {
                continue;
            };
            let mut outcomes = vec![first];
            while let Some(more) = self.in_flight.try_join_next() {
                outcomes.push(more);
            }
            let mut recorded = Vec::with_capacity(outcomes.len());
            for joined in outcomes {
                match joined {
                    Ok(outcome) => recorded.push(outcome),
                    // Its item stays pending; the others' outcomes are still recorded.
                    Err(e) => {
                        stopping.get_or_insert(ClientError::Transport {
                            reason: format!("a delivery task failed: {e}"),
                        });
                    }
                }
            }
            if let Some(error) = self.record(recorded).await? {
                stopping.get_or_insert(error);
            }
            progress(&self.report);
        }
    }

    fn should_load(&self, now: Instant) -> bool {
        if self.runnable.len() >= self.options.concurrency {
            return false;
        }
        match self.last_load {
            None => true,
            Some((at, loaded)) => loaded == LOAD_BATCH || now.duration_since(at) >= RELOAD_INTERVAL,
        }
    }

    /// Loads the next pending items after those already loaded; returns how many.
    async fn load(&mut self) -> Result<usize, ClientError> {
        let after = self.loaded_up_to;
        let items = self
            .database
            .run(move |connection| {
                let mut statement = connection
                    .prepare_cached(
                        "SELECT seq, kind, deduction_id, body FROM items
                         WHERE state = 'pending' AND seq > ?1 ORDER BY seq LIMIT ?2",
                    )
                    .map_err(storage)?;
                let rows = statement
                    .query_map(params![after, LOAD_BATCH as i64], |row| {
                        let kind: String = row.get(1)?;
                        let body: Vec<u8> = row.get(3)?;
                        Ok(Item {
                            seq: row.get(0)?,
                            deduction_id: row.get(2)?,
                            entry: OutboxEntry::parse(&kind, &body).map_err(|e| e.to_string()),
                            failures: 0,
                        })
                    })
                    .map_err(storage)?;
                rows.collect::<Result<Vec<_>, _>>().map_err(storage)
            })
            .await?;
        let count = items.len();
        self.last_load = Some((Instant::now(), count));
        for item in items {
            self.loaded_up_to = self.loaded_up_to.max(item.seq);
            let chain = self.chains.entry(item.deduction_id.clone()).or_default();
            if chain.is_empty() {
                self.runnable.insert(item.seq, item.deduction_id.clone());
            }
            chain.push_back(item);
        }
        Ok(count)
    }

    fn start(&mut self, seq: i64, id: String) {
        let Some(item) = self.chains.get(&id).and_then(|chain| chain.front()) else {
            return;
        };
        let entry = item.entry.clone();
        let client = self.client.clone();
        self.in_flight.spawn(async move {
            let outcome = match entry {
                Ok(OutboxEntry::Deduction(deduction)) => classify(client.deduct(&deduction).await),
                Ok(OutboxEntry::Cancellation(cancellation)) => {
                    classify(client.cancel(&cancellation).await)
                }
                Err(reason) => Outcome::Rejected(format!(
                    "the stored item cannot be read, so it was not sent: {reason}"
                )),
            };
            (seq, id, outcome)
        });
    }

    /// Commits a batch of outcomes in one transaction, then lets the next item of each
    /// settled chain start: a cancellation starts only once its deduction's
    /// acknowledgement is on disk. Returns the first outcome that must stop the drain.
    async fn record(
        &mut self,
        outcomes: Vec<(i64, String, Outcome)>,
    ) -> Result<Option<ClientError>, ClientError> {
        let mut stop = None;
        let mut updates = Vec::with_capacity(outcomes.len());
        for (seq, id, outcome) in outcomes {
            match outcome {
                Outcome::Acknowledged(message) => updates.push((seq, id, "acknowledged", message)),
                Outcome::Rejected(message) => updates.push((seq, id, "rejected", message)),
                Outcome::Retry(reason) => updates.push((seq, id, "pending", reason)),
                Outcome::Stop(error) => {
                    // Left pending and untouched; the chain is not resumed.
                    stop.get_or_insert(error);
                }
            }
        }
        let rows: Vec<(i64, &'static str, String)> = updates
            .iter()
            .map(|(seq, _, state, message)| (*seq, *state, message.clone()))
            .collect();
        self.database
            .run(move |connection| {
                let transaction = connection
                    .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                    .map_err(storage)?;
                {
                    let now = now_datetime();
                    let mut update = transaction
                        .prepare_cached(
                            "UPDATE items SET state = ?2, message = ?3, attempts = attempts + 1,
                                settled_at = CASE WHEN ?2 = 'pending' THEN NULL ELSE ?4 END
                             WHERE seq = ?1 AND state = 'pending'",
                        )
                        .map_err(storage)?;
                    for (seq, state, message) in &rows {
                        update
                            .execute(params![seq, state, message, now])
                            .map_err(storage)?;
                    }
                }
                transaction.commit().map_err(storage)
            })
            .await?;
        for (seq, id, state, message) in updates {
            // Ids and codes only: a platform's message may quote personal data.
            match state {
                "pending" => {
                    tracing::warn!(seq, deduction_id = %id, outcome = "retry", "outbox item not delivered")
                }
                settled => {
                    tracing::info!(seq, deduction_id = %id, outcome = settled, "outbox item settled")
                }
            }
            match state {
                "pending" => {
                    self.report.failed_calls += 1;
                    self.report.last_failure = Some(message);
                    let failures = self
                        .chains
                        .get_mut(&id)
                        .and_then(|chain| chain.front_mut())
                        .map(|item| {
                            item.failures += 1;
                            item.failures
                        })
                        .unwrap_or(1);
                    let due = Instant::now() + self.backoff.backoff(failures, fastrand::f64());
                    self.waiting.push(Reverse((due, seq, id)));
                }
                settled => {
                    if settled == "acknowledged" {
                        self.report.acknowledged += 1;
                    } else {
                        self.report.rejected += 1;
                    }
                    self.last_settled = Instant::now();
                    if let Some(chain) = self.chains.get_mut(&id) {
                        chain.pop_front();
                        match chain.front() {
                            Some(next) => {
                                self.runnable.insert(next.seq, id);
                            }
                            None => {
                                self.chains.remove(&id);
                            }
                        }
                    }
                }
            }
        }
        Ok(stop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::durable::testing::TempDb;
    use glorycard_core::models::{CertType, DeductionStatus, DeductionType, GloryType};

    fn deduction(id: &str, time: &str) -> Deduction {
        Deduction {
            org_code: "106607".into(),
            cert_type: CertType::ResidentId,
            cert_no: "11010519491231002X".into(),
            cert_name: "张小凡".into(),
            deduction_id: id.into(),
            total_fee: "10.00".into(),
            deduction_fee: "10.00".into(),
            deduction_time: time.into(),
            glory_type: GloryType::GloryCard,
            deduction_type: DeductionType::from_code("0"),
            remarks: None,
        }
    }

    fn cancellation(id: &str, time: &str) -> Cancellation {
        Cancellation {
            org_code: "106607".into(),
            deduction_id: id.into(),
            cancel_time: time.into(),
        }
    }

    #[test]
    fn a_batch_with_one_invalid_entry_commits_nothing_and_names_the_entry() {
        let db = TempDb::new("outbox-batch");
        let outbox = Outbox::open(&db.0).unwrap();
        let mut bad = deduction("D2", "2026-11-26 10:00:00");
        bad.deduction_fee = "12.00".into(); // more than totalFee
        let error = outbox
            .enqueue_all(&[
                OutboxEntry::Deduction(deduction("D1", "2026-11-26 10:00:00")),
                OutboxEntry::Deduction(bad.clone()),
            ])
            .unwrap_err();
        assert_eq!(error.code(), "invalid_field");
        assert!(
            error.to_string().contains("entries[1].deductionFee"),
            "{error}"
        );
        assert_eq!(outbox.status().unwrap(), OutboxStatus::default());
        // Alone, the entry's error names the field without an index, and never the
        // person.
        let error = outbox.enqueue_deduction(&bad).unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("deductionFee") && !message.contains("entries["),
            "{message}"
        );
        assert!(!message.contains("11010519491231002X") && !message.contains("张小凡"));
        // A cancellation with a malformed time is refused too.
        let error = outbox
            .enqueue_cancellation(&cancellation("D1", "2026-11-26T10:00:00"))
            .unwrap_err();
        assert!(error.to_string().contains("deductionTime"), "{error}");
        assert_eq!(outbox.status().unwrap().pending, 0);
    }

    #[test]
    fn enqueuing_again_is_idempotent_and_another_record_under_the_same_id_conflicts() {
        let db = TempDb::new("outbox-idempotent");
        let outbox = Outbox::open(&db.0).unwrap();
        let first = outbox
            .enqueue_deduction(&deduction("D1", "2026-11-26 10:00:00"))
            .unwrap();
        assert!(first.newly_added);
        let again = outbox
            .enqueue_deduction(&deduction("D1", "2026-11-26 10:00:00"))
            .unwrap();
        assert_eq!(
            again,
            Enqueued {
                seq: first.seq,
                newly_added: false
            }
        );
        let mut other = deduction("D1", "2026-11-26 10:00:00");
        other.total_fee = "20.00".into();
        let error = outbox.enqueue_deduction(&other).unwrap_err();
        assert_eq!(error.code(), "conflict");
        assert!(error.to_string().contains("\"D1\""), "{error}");
        let cancel = outbox
            .enqueue_cancellation(&cancellation("D1", "2026-11-26 11:00:00"))
            .unwrap();
        assert!(cancel.newly_added && cancel.seq > first.seq);
        // A second cancellation of the same deduction is the first one.
        let cancel_again = outbox
            .enqueue_cancellation(&cancellation("D1", "2026-11-26 12:00:00"))
            .unwrap();
        assert_eq!(
            cancel_again,
            Enqueued {
                seq: cancel.seq,
                newly_added: false
            }
        );
        assert_eq!(outbox.status().unwrap().pending, 2);
    }

    #[test]
    fn items_survive_reopening_and_answer_deduct_check_with_status_and_cancel_time() {
        let db = TempDb::new("outbox-source");
        {
            let outbox = Outbox::open(&db.0).unwrap();
            outbox
                .enqueue_all(&[
                    OutboxEntry::Deduction(deduction("A", "2026-11-26 09:00:00")),
                    OutboxEntry::Deduction(deduction("B", "2026-11-26 10:00:00")),
                    OutboxEntry::Deduction(deduction("C", "2026-11-26 11:00:00")),
                    OutboxEntry::Cancellation(cancellation("B", "2026-11-26 10:30:00")),
                ])
                .unwrap();
        }
        let outbox = Outbox::open(&db.0).unwrap();
        let status = outbox.status().unwrap();
        assert_eq!(
            (status.pending, status.acknowledged, status.rejected),
            (4, 0, 0)
        );
        assert!(status.oldest_pending.is_some());
        // The window is inclusive at both ends; C lies outside it.
        let records = outbox
            .deductions_between("106607", "2026-11-26 09:00:00", "2026-11-26 10:00:00")
            .unwrap();
        let summary: Vec<_> = records
            .iter()
            .map(|r| {
                (
                    r.deduction.deduction_id.as_str(),
                    r.status.clone(),
                    r.cancel_time.clone(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("A", DeductionStatus::Deducted, None),
                (
                    "B",
                    DeductionStatus::Cancelled,
                    Some("2026-11-26 10:30:00".to_owned())
                ),
            ]
        );
        assert_eq!(records[0].deduction, deduction("A", "2026-11-26 09:00:00"));
        for record in &records {
            glorycard_core::models::Validate::validate(record).unwrap();
        }
        assert!(
            outbox
                .deductions_between("999999", "2000-01-01 00:00:00", "2099-01-01 00:00:00")
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn a_deduction_behind_its_own_cancellation_and_another_orgs_cancellation_conflict() {
        let db = TempDb::new("outbox-order");
        let outbox = Outbox::open(&db.0).unwrap();
        // In one batch: nothing is committed, and the error names the deduction's entry.
        let error = outbox
            .enqueue_all(&[
                OutboxEntry::Cancellation(cancellation("E1", "2026-11-26 11:00:00")),
                OutboxEntry::Deduction(deduction("E1", "2026-11-26 10:00:00")),
            ])
            .unwrap_err();
        assert_eq!(error.code(), "conflict");
        assert!(
            error
                .to_string()
                .starts_with("conflict: entries[1]: deductionID \"E1\" already has a cancellation"),
            "{error}"
        );
        assert_eq!(outbox.status().unwrap().pending, 0);
        // A cancellation alone is fine (its deduction may have been sent another way).
        outbox
            .enqueue_cancellation(&cancellation("E1", "2026-11-26 11:00:00"))
            .unwrap();
        let error = outbox
            .enqueue_deduction(&deduction("E1", "2026-11-26 10:00:00"))
            .unwrap_err();
        assert_eq!(error.code(), "conflict");
        let mut other_org = cancellation("E1", "2026-11-26 11:00:00");
        other_org.org_code = "999999".into();
        assert_eq!(
            outbox.enqueue_cancellation(&other_org).unwrap_err().code(),
            "conflict"
        );
    }

    #[test]
    fn only_a_rejected_item_is_requeued() {
        let db = TempDb::new("outbox-requeue");
        let outbox = Outbox::open(&db.0).unwrap();
        let seq = outbox
            .enqueue_deduction(&deduction("R1", "2026-11-26 10:00:00"))
            .unwrap()
            .seq;
        assert!(
            !outbox.requeue(seq).unwrap(),
            "a pending item is not requeued"
        );
        outbox
            .database
            .lock()
            .unwrap()
            .execute(
                "UPDATE items SET state = 'rejected', message = 'busy', settled_at = 'x' WHERE seq = ?1",
                [seq],
            )
            .unwrap();
        assert_eq!(outbox.rejected().unwrap().len(), 1);
        assert!(outbox.requeue(seq).unwrap());
        let status = outbox.status().unwrap();
        assert_eq!((status.pending, status.rejected), (1, 0));
        assert!(!outbox.requeue(seq + 100).unwrap());
    }

    #[test]
    fn a_foreign_sqlite_file_is_refused_untouched() {
        let db = TempDb::new("outbox-foreign");
        {
            let other = rusqlite::Connection::open(&db.0).unwrap();
            other
                .execute_batch("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('x');")
                .unwrap();
        }
        crate::durable::testing::make_private(&db.0).unwrap();
        let before = std::fs::read(&db.0).unwrap();
        let error = Outbox::open(&db.0).unwrap_err();
        assert!(
            error.to_string().contains("not a glorycard outbox"),
            "{error}"
        );
        assert_eq!(std::fs::read(&db.0).unwrap(), before);
        let mut wal = db.0.clone().into_os_string();
        wal.push("-wal");
        assert!(!std::path::Path::new(&wal).exists(), "switched to WAL");
        let mode: String = rusqlite::Connection::open(&db.0)
            .unwrap()
            .query_row("PRAGMA journal_mode", [], |row| row.get(0))
            .unwrap();
        assert_eq!(mode, "delete");
    }

    #[test]
    fn commits_are_durable_wal_with_synchronous_full() {
        let db = TempDb::new("outbox-pragmas");
        let outbox = Outbox::open(&db.0).unwrap();
        let connection = outbox.database.lock().unwrap();
        let mode: String = connection
            .query_row("PRAGMA journal_mode", [], |row| row.get(0))
            .unwrap();
        let synchronous: i64 = connection
            .query_row("PRAGMA synchronous", [], |row| row.get(0))
            .unwrap();
        // SQLite's codes: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA.
        assert_eq!((mode.as_str(), synchronous), ("wal", 2));
    }

    /// Two spellings of one outbox (here a symbolic link) share one drain lock.
    #[cfg(unix)]
    #[test]
    fn the_drain_lock_belongs_to_the_file_not_to_its_spelling() {
        let db = TempDb::new("outbox-lock");
        Outbox::open(&db.0).unwrap();
        let mut alias = db.0.clone().into_os_string();
        alias.push("-alias");
        let alias = PathBuf::from(alias);
        let _ = std::fs::remove_file(&alias);
        std::os::unix::fs::symlink(&db.0, &alias).unwrap();
        let held = DrainLock::acquire(&db.0).unwrap();
        let error = DrainLock::acquire(&alias).err().unwrap();
        assert_eq!(error.code(), "conflict", "{error}");
        drop(held);
        DrainLock::acquire(&alias).unwrap();
        std::fs::remove_file(&alias).unwrap();
    }

    #[test]
    fn only_a_glorycard_outbox_is_opened() {
        let replica = TempDb::new("outbox-kind");
        crate::Replica::open(&replica.0).unwrap();
        let error = Outbox::open(&replica.0).unwrap_err();
        assert!(
            error.to_string().contains("not a glorycard outbox"),
            "{error}"
        );
    }
}
