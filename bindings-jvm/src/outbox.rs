//! The outbox (`glorycard_durable::Outbox`): the same file, guarantees and errors as the
//! CLI's and Rust's. Its records are the durable crate's own uniffi types.

use std::sync::Arc;
use std::time::Duration;

use glorycard_core::models as m;
use glorycard_durable::{
    self as durable, DrainReport, Enqueued, OutboxEntry, OutboxStatus, RejectedItem,
};

use crate::client::Client;
use crate::error::Result;

/// A durable queue of deductions and cancellations for the platform, in one SQLite file.
#[derive(uniffi::Object, Debug)]
pub struct Outbox(pub(crate) durable::Outbox);

#[uniffi::export]
impl Outbox {
    /// Opens the outbox at `path`, creating it (mode 0600) when missing: a SQLite file, or a
    /// `postgres://` URL shared by several nodes.
    #[uniffi::constructor]
    pub fn open(path: String) -> Result<Arc<Self>> {
        Ok(Arc::new(Outbox(durable::Outbox::open(path)?)))
    }

    /// The file's path, or the database URL without its password.
    pub fn location(&self) -> String {
        self.0.location()
    }

    /// Validates and commits a deduction (a repeat of the same one is a no-op).
    pub fn enqueue_deduction(&self, deduction: m::Deduction) -> Result<Enqueued> {
        Ok(self.0.enqueue_deduction(&deduction)?)
    }

    /// Validates and commits a cancellation.
    pub fn enqueue_cancellation(&self, cancellation: m::Cancellation) -> Result<Enqueued> {
        Ok(self.0.enqueue_cancellation(&cancellation)?)
    }

    /// Validates every entry, then commits them all in one transaction (or none).
    pub fn enqueue_all(&self, entries: Vec<OutboxEntry>) -> Result<Vec<Enqueued>> {
        Ok(self.0.enqueue_all(&entries)?)
    }

    /// Delivers every pending item through `client` (see the Rust `Outbox::drain_with`):
    /// `concurrency` calls at once and `patience` without progress before giving up,
    /// when given.
    pub fn drain(
        &self,
        client: Arc<Client>,
        concurrency: Option<u32>,
        patience: Option<Duration>,
    ) -> Result<DrainReport> {
        let mut options = durable::DrainOptions::default();
        if let Some(calls) = concurrency {
            options = options.concurrency(usize::try_from(calls.max(1)).unwrap_or(1));
        }
        if let Some(patience) = patience {
            options = options.patience(patience);
        }
        let (outbox, platform) = (self.0.clone(), client.0.as_async().clone());
        Ok(client
            .0
            .run(async move { outbox.drain_with(&platform, &options, |_| {}).await })?)
    }

    /// Stops this handle's drains (see the Rust `Outbox::stop_draining`): a running drain
    /// finishes and records its calls in flight and returns.
    pub fn stop_draining(&self) {
        self.0.stop_draining();
    }

    /// How many items are in each state.
    pub fn status(&self) -> Result<OutboxStatus> {
        Ok(self.0.status()?)
    }

    /// The items the platform refused.
    pub fn rejected(&self) -> Result<Vec<RejectedItem>> {
        Ok(self.0.rejected()?)
    }

    /// Moves a rejected item back to pending; false when `seq` is not a rejected item.
    pub fn requeue(&self, seq: i64) -> Result<bool> {
        Ok(self.0.requeue(seq)?)
    }

    /// The deductions of `org_code` with `deductionTime` in `[start, end]`, as
    /// `/deductCheck` answers them.
    pub fn deductions_between(
        &self,
        org_code: String,
        start: String,
        end: String,
    ) -> Result<Vec<m::DeductCheckRecord>> {
        Ok(self.0.deductions_between(&org_code, &start, &end)?)
    }
}
