//! The drain: a scheduler that delivers pending items, those of one `deductionID` in
//! enqueue order and different deductions concurrently, and records each outcome.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::time::{Duration, Instant};

use glorycard_client::{AttemptGate, Client, ClientError, RetryPolicy};
use glorycard_core::models;
use rusqlite::params;

use super::{Outbox, OutboxEntry};
use crate::DurableError;
use crate::backend::Backend;
use crate::database::{now_datetime, storage};
use crate::lock::DrainLock;
use crate::postgres;

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
    /// On PostgreSQL, how long a drainer's claim on a `deductionID` chain lasts without
    /// renewal: another drainer takes the chain over this long after its drainer died or
    /// stalled. Renewed every third of it, and before each send.
    pub lease: Duration,
    /// The most one call (all its attempts and backoff) may take: when it passes the call
    /// is abandoned, its item stays pending, and on PostgreSQL its chain is released. At
    /// most two thirds of [`lease`](DrainOptions::lease), so that a call ends before the
    /// lease that covers it can expire.
    pub call_deadline: Duration,
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

    /// Sets [`lease`](DrainOptions::lease) and
    /// [`call_deadline`](DrainOptions::call_deadline); the drain refuses to start unless
    /// the deadline is at most two thirds of the lease.
    pub fn lease(mut self, lease: Duration, call_deadline: Duration) -> Self {
        self.lease = lease;
        self.call_deadline = call_deadline;
        self
    }

    /// Checks that a call ends well before the lease covering it can expire.
    fn check(&self) -> Result<(), DurableError> {
        let within = self.call_deadline > Duration::ZERO
            && self.call_deadline.saturating_mul(3) <= self.lease.saturating_mul(2);
        if within {
            return Ok(());
        }
        Err(ClientError::Config {
            reason: format!(
                "the drain's call deadline ({:?}) must be more than zero and at most two thirds of its lease ({:?})",
                self.call_deadline, self.lease
            ),
            source: None,
        }
        .into())
    }
}

impl Default for DrainOptions {
    fn default() -> Self {
        Self {
            concurrency: 8,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(15),
            patience: Duration::from_secs(120),
            lease: DEFAULT_LEASE,
            call_deadline: DEFAULT_CALL_DEADLINE,
        }
    }
}

/// What a drain did.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(
    feature = "python",
    pyo3::pyclass(get_all, frozen, module = "glorycard")
)]
pub struct DrainReport {
    /// Items the platform accepted during this drain.
    pub acknowledged: i64,
    /// Items the platform refused during this drain.
    pub rejected: i64,
    /// Calls that failed and were (or will be) tried again.
    pub failed_calls: i64,
    /// Items still pending when the drain ended: those it gave up on, and any enqueued
    /// by another process after its last look.
    pub pending: i64,
    /// True when the drain stopped because no item was settled for `patience` (the
    /// platform looks unreachable), not because nothing was left.
    pub gave_up: bool,
    /// The last failure (`code: message`), when a call failed.
    pub last_failure: Option<String>,
}

impl Outbox {
    /// Delivers every pending item with the default [`DrainOptions`]; see
    /// [`drain_with`](Outbox::drain_with).
    pub async fn drain(&self, client: &Client) -> Result<DrainReport, DurableError> {
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
    /// account or base URL), a storage error, or, on SQLite, another drain of the same
    /// outbox already running ([`DurableError::Conflict`]). Before it ends so, it waits
    /// for the calls already in flight and records their outcomes (where the store still
    /// answers; an outcome it cannot record leaves its item pending, to be sent again), so
    /// nothing the platform acknowledged is lost.
    ///
    /// Every call is bounded by `options.call_deadline`, retries included: a call still
    /// running then is abandoned and its item stays pending.
    ///
    /// On PostgreSQL, drains on any number of nodes run at once: each claims whole
    /// `deductionID` chains under a lease (`options.lease`) and is fenced by it: it
    /// confirms the lease on an item (and extends it) before each send and each retry,
    /// renews its leases every third of the lease, and records an outcome only where the
    /// lease is still its own. A chain whose lease it lost (it stalled, the database was
    /// away) is dropped at once: its call in flight is abandoned, nothing of it is sent or
    /// recorded any more, and the drainer that took it over delivers it. So each item is
    /// sent by one drainer at a time and a cancellation never before its deduction's
    /// acknowledgement. The report's `pending` then counts every drainer's pending items.
    ///
    /// The future may be dropped (a `select!`, a shutdown): calls in flight are then
    /// abandoned, their items stay pending, and on PostgreSQL their leases expire.
    pub async fn drain_with(
        &self,
        client: &Client,
        options: &DrainOptions,
        mut progress: impl FnMut(&DrainReport),
    ) -> Result<DrainReport, DurableError> {
        options.check()?;
        // SQLite: one drain per file. PostgreSQL: leases let several run, one per handle.
        let _lock = match &self.backend {
            Backend::Sqlite(database) => Some(DrainLock::acquire(database.path())?),
            Backend::Postgres(_) => None,
        };
        let _running = self
            .lease_owner
            .running
            .try_lock()
            .map_err(|_| DurableError::Conflict {
                reason: "this outbox is already draining; open it again to drain in parallel"
                    .into(),
            })?;
        if let Backend::Postgres(database) = &self.backend {
            // Leases a failed drain of this handle could not give back (the database was
            // unreachable) are this drain's to take up at once.
            postgres::outbox::release(database, &self.lease_owner.name, None).await?;
        }
        if self.lease_owner.stop_requested() {
            return Ok(DrainReport {
                pending: self.pending_count().await?,
                ..DrainReport::default()
            });
        }
        if self.pending_count().await? == 0 {
            return Ok(DrainReport::default());
        }
        let worst_case = client.worst_case_call();
        if worst_case > options.call_deadline {
            tracing::info!(
                client_worst_case_s = worst_case.as_secs_f64(),
                call_deadline_s = options.call_deadline.as_secs_f64(),
                lease_s = options.lease.as_secs_f64(),
                "a call may take longer under the client's retry policy than the drain allows: it is cut at the call deadline"
            );
        }
        // A drain killed a moment ago may have sent an item in this second (see
        // `sleep_until_next_second`).
        glorycard_client::sleep_until_next_second().await;
        let mut drain = Drain::new(
            self.backend.clone(),
            Arc::clone(&self.lease_owner),
            client.clone(),
            options,
        );
        let ran = drain.run(&mut progress).await;
        if let Backend::Postgres(database) = &self.backend {
            // Another drainer need not wait for the leases to expire. Best effort: they
            // expire anyway, and this handle's next drain takes them up.
            if let Err(error) = postgres::outbox::release(database, &drain.owner.name, None).await {
                tracing::warn!(%error, "the drain's leases were not released; they will expire");
            }
        }
        ran?;
        drain.report.pending = self.pending_count().await?;
        Ok(drain.report)
    }

    /// Stops this handle's drains for good, for a service shutting down: a drain running
    /// now starts no further call, waits for its calls in flight (each bounded by its
    /// call deadline), records their outcomes, gives back its lock (SQLite) or leases
    /// (PostgreSQL) and returns `Ok` with the rest pending; a later drain of this handle
    /// returns at once. Another process, or this outbox opened again, drains as usual.
    /// Safe from any thread, while a drain runs on another.
    pub fn stop_draining(&self) {
        self.lease_owner
            .stop_requested
            .store(true, AtomicOrdering::SeqCst);
        self.lease_owner.stop.notify_waiters();
    }
}

/// Who holds a PostgreSQL outbox's leases: one name per opened outbox (its drains take
/// turns), so that a drain can take up the leases its predecessor could not release.
#[derive(Debug)]
pub(crate) struct LeaseOwner {
    /// `host-pid-random`: says which node holds a chain.
    name: String,
    running: tokio::sync::Mutex<()>,
    /// Set by [`Outbox::stop_draining`]: drains of this handle start nothing more.
    stop_requested: AtomicBool,
    /// Wakes a drain that waits (for a backoff, new items, another drainer's lease) when a
    /// stop is requested.
    stop: tokio::sync::Notify,
}

impl LeaseOwner {
    pub(crate) fn new() -> Self {
        Self {
            name: format!(
                "{}-{}-{:016x}",
                hostname(),
                std::process::id(),
                fastrand::u64(..)
            ),
            running: tokio::sync::Mutex::new(()),
            stop_requested: AtomicBool::new(false),
            stop: tokio::sync::Notify::new(),
        }
    }

    fn stop_requested(&self) -> bool {
        self.stop_requested.load(AtomicOrdering::SeqCst)
    }
}

/// This machine's name, for the leases' owner (which node holds a chain).
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "node".into())
}

async fn sleep_until(wake: Option<Instant>) {
    if let Some(wake) = wake {
        tokio::time::sleep_until(wake.into()).await;
    }
}

/// A pending item as stored.
#[derive(Debug)]
pub(crate) struct PendingRow {
    pub(crate) seq: i64,
    pub(crate) kind: String,
    pub(crate) deduction_id: String,
    pub(crate) body: Vec<u8>,
}

/// A pending item loaded for delivery.
#[derive(Debug, Clone)]
struct Item {
    seq: i64,
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
    /// The call was abandoned before it ended (its deadline passed, or on PostgreSQL the
    /// lease could not be confirmed): whether the platform applied it is unknown.
    Abandoned(String),
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
        Err(ClientError::Stopped { reason, .. }) => Outcome::Abandoned(reason),
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
/// The default [`DrainOptions::lease`].
const DEFAULT_LEASE: Duration = Duration::from_secs(60);
/// The default [`DrainOptions::call_deadline`]: room for one attempt under the client's
/// default 30 s request timeout and a retry, two thirds of the lease.
const DEFAULT_CALL_DEADLINE: Duration = Duration::from_secs(40);

/// Asked by the client before every attempt of a drain's call: the call's deadline has
/// not passed, and on PostgreSQL this drainer still holds the item's lease (confirmed and
/// extended in one statement).
struct LeaseGate {
    backend: Backend,
    owner: String,
    deduction_id: String,
    seq: i64,
    lease: Duration,
    deadline: Instant,
}

impl LeaseGate {
    fn within_deadline(&self) -> Result<(), String> {
        if Instant::now() < self.deadline {
            Ok(())
        } else {
            Err("the call's deadline passed".into())
        }
    }
}

impl AttemptGate for LeaseGate {
    async fn admit(&self, _attempt: u32) -> Result<(), String> {
        self.within_deadline()?;
        if let Backend::Postgres(database) = &self.backend {
            let held = postgres::outbox::confirm(
                database,
                &self.owner,
                &self.deduction_id,
                self.seq,
                self.lease,
            )
            .await
            .map_err(|error| format!("the lease could not be confirmed ({})", error.code()))?;
            if !held {
                return Err("this drainer no longer holds the item's lease".into());
            }
            // The confirmation itself may have waited (a stalled process, a slow
            // database): the deadline is checked again after it.
            self.within_deadline()?;
        }
        Ok(())
    }
}

/// A call in flight: its chain, and how to abandon it.
struct Flight {
    deduction_id: String,
    abort: tokio::task::AbortHandle,
}

/// The scheduler of one drain: per-`deductionID` chains, started in enqueue order.
struct Drain {
    backend: Backend,
    /// Whose PostgreSQL leases this drain takes (a name unique per process and `Outbox`),
    /// and whether a stop was requested.
    owner: Arc<LeaseOwner>,
    last_renewal: Instant,
    client: Client,
    options: DrainOptions,
    backoff: RetryPolicy,
    /// Loaded, unsettled items of each deductionID, in enqueue order.
    chains: HashMap<String, VecDeque<Item>>,
    /// Heads of chains ready to start (not in flight, not backing off), by seq.
    runnable: BTreeMap<i64, String>,
    /// Heads of chains backing off, by when they may start again (an entry whose chain
    /// was lost meanwhile is passed over).
    waiting: BinaryHeap<Reverse<(Instant, i64, String)>>,
    in_flight: tokio::task::JoinSet<(i64, String, Outcome)>,
    /// The calls in flight, by task.
    flights: HashMap<tokio::task::Id, Flight>,
    loaded_up_to: i64,
    last_load: Option<(Instant, usize)>,
    last_settled: Instant,
    report: DrainReport,
}

impl Drain {
    fn new(
        backend: Backend,
        owner: Arc<LeaseOwner>,
        client: Client,
        options: &DrainOptions,
    ) -> Self {
        Self {
            backend,
            owner,
            last_renewal: Instant::now(),
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
            flights: HashMap::new(),
            loaded_up_to: 0,
            last_load: None,
            last_settled: Instant::now(),
            report: DrainReport::default(),
        }
    }

    async fn run(&mut self, progress: &mut impl FnMut(&DrainReport)) -> Result<(), DurableError> {
        // A failure every item shares (a storage error, an endpoint-wide refusal): start
        // nothing more, record the calls in flight (their answers may be
        // acknowledgements), then end with it.
        let mut stopping: Option<DurableError> = None;
        loop {
            let now = Instant::now();
            while let Some(Reverse((due, seq, id))) = self.waiting.peek().cloned() {
                if due > now {
                    break;
                }
                self.waiting.pop();
                if self.head_of(&id) == Some(seq) {
                    self.runnable.insert(seq, id);
                }
            }
            // Out of patience: start nothing more, record the calls still in flight, stop.
            self.report.gave_up = self.last_settled.elapsed() >= self.options.patience;
            // A stop (a service shutting down) ends the drain as patience does, but
            // without saying it gave up.
            let giving_up = self.report.gave_up || self.owner.stop_requested();
            // Once stopping on a storage error, renewals would only wait for the same
            // unreachable database: the calls in flight are bounded by their deadlines.
            if stopping.is_none()
                && let Err(error) = self.renew_leases(now).await
            {
                stopping = Some(error);
            }
            if !giving_up && stopping.is_none() {
                if self.should_load(now)
                    && let Err(error) = self.load().await
                {
                    stopping.get_or_insert(error);
                }
                while stopping.is_none() && self.in_flight.len() < self.options.concurrency {
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
                    // Nothing loaded is left: finished unless items were enqueued meanwhile,
                    match self.load().await {
                        Ok(0) => {}
                        Ok(_) => continue,
                        Err(error) => return Err(error),
                    }
                    // or (PostgreSQL) other drainers hold pending items: wait, to take
                    // over those of a drainer that died once its lease expires.
                    if !self.held_elsewhere().await? {
                        return Ok(());
                    }
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
                finished = self.in_flight.join_next_with_id(), if !self.in_flight.is_empty() => finished,
                () = sleep_until(wake), if wake.is_some() => None,
                () = self.owner.stop.notified(), if !giving_up => None,
                else => None,
            };
            let Some(first) = finished else {
                continue;
            };
            let mut joined = vec![first];
            while let Some(more) = self.in_flight.try_join_next_with_id() {
                joined.push(more);
            }
            let mut outcomes = Vec::with_capacity(joined.len());
            for result in joined {
                match result {
                    Ok((task, outcome)) => {
                        self.flights.remove(&task);
                        outcomes.push(outcome);
                    }
                    Err(error) => {
                        let flight = self.flights.remove(&error.id());
                        if error.is_cancelled() {
                            // Abandoned by `lose_chain`, which already dropped its chain.
                            continue;
                        }
                        // A call that panicked: its item stays pending, and every other
                        // outcome is still recorded.
                        if let Some(flight) = flight {
                            self.drop_chain(&flight.deduction_id);
                        }
                        stopping.get_or_insert(DurableError::Client(ClientError::transport(error)));
                    }
                }
            }
            match self.record(outcomes).await {
                Ok(Some(error)) => {
                    stopping.get_or_insert(error.into());
                }
                Ok(None) => {}
                Err(error) => {
                    stopping.get_or_insert(error);
                }
            }
            progress(&self.report);
        }
    }

    /// The seq of the first unsettled item this drain holds of chain `id`.
    fn head_of(&self, id: &str) -> Option<i64> {
        self.chains
            .get(id)
            .and_then(|chain| chain.front())
            .map(|item| item.seq)
    }

    fn should_load(&self, now: Instant) -> bool {
        if self.runnable.len() >= self.options.concurrency {
            return false;
        }
        match self.last_load {
            None => true,
            Some((at, loaded)) => {
                loaded == self.batch() || now.duration_since(at) >= RELOAD_INTERVAL
            }
        }
    }

    /// Loads the next pending items after those already loaded (on PostgreSQL: claims
    /// chains no other drainer holds); returns how many.
    async fn load(&mut self) -> Result<usize, DurableError> {
        let rows = match &self.backend {
            Backend::Sqlite(database) => {
                let after = self.loaded_up_to;
                database
                    .run(move |connection| {
                        let mut statement = connection
                            .prepare_cached(
                                "SELECT seq, kind, deduction_id, body FROM items
                                 WHERE state = 'pending' AND seq > ?1 ORDER BY seq LIMIT ?2",
                            )
                            .map_err(storage)?;
                        let rows = statement
                            .query_map(params![after, LOAD_BATCH as i64], |row| {
                                Ok(PendingRow {
                                    seq: row.get(0)?,
                                    kind: row.get(1)?,
                                    deduction_id: row.get(2)?,
                                    body: row.get(3)?,
                                })
                            })
                            .map_err(storage)?;
                        rows.collect::<Result<Vec<_>, _>>().map_err(storage)
                    })
                    .await?
            }
            Backend::Postgres(database) => {
                let batch = self.batch() as i64;
                postgres::outbox::claim(database, &self.owner.name, batch, self.options.lease)
                    .await?
            }
        };
        let count = rows.len();
        self.last_load = Some((Instant::now(), count));
        for row in rows {
            self.loaded_up_to = self.loaded_up_to.max(row.seq);
            let chain = self.chains.entry(row.deduction_id.clone()).or_default();
            // A chain claimed again while still loaded is loaded once.
            if chain.iter().any(|item| item.seq == row.seq) {
                continue;
            }
            if chain.is_empty() {
                self.runnable.insert(row.seq, row.deduction_id.clone());
            }
            chain.push_back(Item {
                seq: row.seq,
                entry: OutboxEntry::parse(&row.kind, &row.body).map_err(|e| e.to_string()),
                failures: 0,
            });
        }
        Ok(count)
    }

    /// Items loaded at a time: from a SQLite file, many; on PostgreSQL, a few per call in
    /// flight, so that the other drainers find chains left to claim.
    fn batch(&self) -> usize {
        match &self.backend {
            Backend::Sqlite(_) => LOAD_BATCH,
            Backend::Postgres(_) => (self.options.concurrency * 4).min(LOAD_BATCH),
        }
    }

    /// True when pending items remain that this drain has not loaded: on PostgreSQL, held
    /// by other drainers (this one holds none once nothing of its own is left).
    async fn held_elsewhere(&self) -> Result<bool, DurableError> {
        match &self.backend {
            Backend::Sqlite(_) => Ok(false),
            Backend::Postgres(database) => Ok(postgres::outbox::pending_count(database).await? > 0),
        }
    }

    /// On PostgreSQL, extends this drain's leases every third of the lease, and drops the
    /// chains whose lease it no longer holds.
    async fn renew_leases(&mut self, now: Instant) -> Result<(), DurableError> {
        let Backend::Postgres(database) = &self.backend else {
            return Ok(());
        };
        if now.duration_since(self.last_renewal) < self.options.lease / 3 {
            return Ok(());
        }
        let held = postgres::outbox::renew(database, &self.owner.name, self.options.lease).await?;
        self.last_renewal = now;
        let lost: Vec<String> = self
            .chains
            .keys()
            .filter(|id| !held.contains(*id))
            .cloned()
            .collect();
        for id in lost {
            self.lose_chain(&id, "its lease expired and was not renewed in time");
        }
        Ok(())
    }

    /// Forgets chain `id`: nothing more of it is started, its backoff is passed over.
    fn drop_chain(&mut self, id: &str) {
        if self.chains.remove(id).is_some() {
            self.runnable.retain(|_, chain| chain != id);
        }
    }

    /// This drainer no longer holds chain `id`: its call in flight is abandoned and
    /// nothing more of it is sent or recorded. Its lease is not given back: the caller
    /// found it expired or taken, so there is nothing of this drainer's to release.
    fn lose_chain(&mut self, id: &str, why: &str) {
        tracing::warn!(deduction_id = %id, why, "outbox chain left to another drainer");
        self.drop_chain(id);
        for flight in self.flights.values() {
            if flight.deduction_id == id {
                flight.abort.abort();
            }
        }
    }

    /// A call of chain `id` was abandoned (its deadline passed, or its lease could not be
    /// confirmed): the chain is dropped as a lost one, and on PostgreSQL its lease, where
    /// still this drainer's, is given back so that the next claim need not wait for it to
    /// expire.
    async fn abandon_chain(&mut self, id: &str, why: &str) {
        self.lose_chain(id, why);
        if let Backend::Postgres(database) = &self.backend
            && let Err(error) =
                postgres::outbox::release(database, &self.owner.name, Some(id)).await
        {
            tracing::warn!(%error, deduction_id = %id, "an abandoned chain's lease was not released; it will expire");
        }
    }

    fn start(&mut self, seq: i64, id: String) {
        let Some(item) = self.chains.get(&id).and_then(|chain| chain.front()) else {
            return;
        };
        let entry = item.entry.clone();
        let client = self.client.clone();
        let deadline = Instant::now() + self.options.call_deadline;
        let gate = LeaseGate {
            backend: self.backend.clone(),
            owner: self.owner.name.clone(),
            deduction_id: id.clone(),
            seq,
            lease: self.options.lease,
            deadline,
        };
        let deduction_id = id.clone();
        let abort = self.in_flight.spawn(async move {
            let call = async {
                match entry {
                    Ok(OutboxEntry::Deduction(deduction)) => {
                        classify(client.deduct_gated(&deduction, &gate).await)
                    }
                    Ok(OutboxEntry::Cancellation(cancellation)) => {
                        classify(client.cancel_gated(&cancellation, &gate).await)
                    }
                    Err(reason) => Outcome::Rejected(format!(
                        "the stored item cannot be read, so it was not sent: {reason}"
                    )),
                }
            };
            // The deadline bounds the call in flight too, not only the start of each
            // attempt: a call still running then is dropped, its connection closed.
            let outcome = tokio::time::timeout_at(deadline.into(), call)
                .await
                .unwrap_or_else(|_| Outcome::Abandoned("the call's deadline passed".into()));
            (seq, id, outcome)
        });
        self.flights.insert(
            abort.id(),
            Flight {
                deduction_id,
                abort,
            },
        );
    }

    /// Commits a batch of outcomes in one transaction, then lets the next item of each
    /// settled chain start: a cancellation starts only once its deduction's
    /// acknowledgement is on disk. On PostgreSQL an outcome is recorded only under this
    /// drainer's lease; a chain whose outcome was not recorded is lost to another
    /// drainer. Returns the first outcome that must stop the drain.
    async fn record(
        &mut self,
        outcomes: Vec<(i64, String, Outcome)>,
    ) -> Result<Option<ClientError>, DurableError> {
        let mut stop = None;
        let mut updates = Vec::with_capacity(outcomes.len());
        let mut abandoned = Vec::new();
        for (seq, id, outcome) in outcomes {
            match outcome {
                Outcome::Acknowledged(message) => updates.push((seq, id, "acknowledged", message)),
                Outcome::Rejected(message) => updates.push((seq, id, "rejected", message)),
                Outcome::Retry(reason) => updates.push((seq, id, "pending", reason)),
                // SQLite: nobody else may send it (the drain lock): try again later.
                Outcome::Abandoned(reason) if matches!(self.backend, Backend::Sqlite(_)) => {
                    updates.push((seq, id, "pending", format!("abandoned: {reason}")));
                }
                Outcome::Abandoned(reason) => abandoned.push((id, reason)),
                Outcome::Stop(error) => {
                    // Left pending and untouched; the chain is not resumed.
                    self.drop_chain(&id);
                    stop.get_or_insert(error);
                }
            }
        }
        for (id, reason) in abandoned {
            self.abandon_chain(&id, &reason).await;
        }
        let rows: Vec<(i64, &'static str, String)> = updates
            .iter()
            .map(|(seq, _, state, message)| (*seq, *state, message.clone()))
            .collect();
        let recorded = match &self.backend {
            Backend::Sqlite(database) => {
                database
                    .run(move |connection| {
                        let transaction = connection
                            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                            .map_err(storage)?;
                        let mut recorded = Vec::with_capacity(rows.len());
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
                                let changed = update
                                    .execute(params![seq, state, message, now])
                                    .map_err(storage)?;
                                recorded.push(changed == 1);
                            }
                        }
                        transaction.commit().map_err(storage)?;
                        Ok(recorded)
                    })
                    .await
            }
            Backend::Postgres(database) => {
                postgres::outbox::record(database, &self.owner.name, rows, now_datetime()).await
            }
        };
        let recorded = match recorded {
            Ok(recorded) => recorded,
            Err(error) => {
                // Nothing of this batch is on disk: its items stay pending (to be sent
                // again, which the platform recognises by deductionID) and their chains
                // are not resumed by this drain.
                for (_, id, _, _) in &updates {
                    self.drop_chain(id);
                }
                return Err(error);
            }
        };
        for ((seq, id, state, message), recorded) in updates.into_iter().zip(recorded) {
            if !recorded {
                self.lose_chain(
                    &id,
                    "its lease was taken over before the outcome was recorded",
                );
                continue;
            }
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
