//! The outbox (`glorycard_durable::Outbox`): the same file, guarantees and errors as the
//! CLI's and Rust's. Its records are the durable crate's own classes (its `python`
//! feature).

use std::time::Duration;

use glorycard_durable::{
    self as durable, DrainReport, Enqueued, OutboxEntry, OutboxStatus, RejectedItem,
};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

use crate::china_time::model_time;
use crate::client::{AckResponse, async_platform, sync_platform};
use crate::error::durable_err;
use crate::guard::blocking_call;
use crate::ledger::Outbox;
use crate::models::{Cancellation, DeductCheckRecord, Deduction};

/// The way out for a store call that has no async form of its own.
pub(crate) const TO_THREAD: &str = "`await asyncio.to_thread(...)`";

/// A deduction or a cancellation, as the outbox takes it.
fn entry(item: &Bound<'_, PyAny>) -> PyResult<OutboxEntry> {
    if let Ok(deduction) = item.cast::<Deduction>() {
        return Ok(OutboxEntry::Deduction(deduction.borrow().0.clone()));
    }
    if let Ok(cancellation) = item.cast::<Cancellation>() {
        return Ok(OutboxEntry::Cancellation(cancellation.borrow().0.clone()));
    }
    Err(PyTypeError::new_err(format!(
        "an outbox item is a Deduction or a Cancellation, not {}",
        item.get_type().name()?
    )))
}

/// The drain's options: at least one call at a time; `patience` beyond what a
/// `Duration` holds is "forever".
fn drain_options(concurrency: usize, patience: f64) -> durable::DrainOptions {
    durable::DrainOptions::default()
        .concurrency(concurrency.max(1))
        .patience(Duration::try_from_secs_f64(patience).unwrap_or(Duration::MAX))
}

#[pymethods]
impl Outbox {
    /// Opens the outbox at `path`, creating it (mode 0600) when missing: a SQLite file, or a
    /// `postgres://` URL shared by several nodes.
    #[new]
    fn new(py: Python<'_>, path: std::path::PathBuf) -> PyResult<Self> {
        py.detach(|| durable::Outbox::open(path))
            .map(Outbox)
            .map_err(|e| durable_err(py, &e))
    }

    /// `Outbox('<file or URL without its password>')`.
    fn __repr__(&self) -> String {
        format!("Outbox({:?})", self.0.location())
    }

    /// Validates and commits a deduction or a cancellation (a repeat is a no-op). Blocks
    /// for a durable commit (about 2.6 ms on a local disk): in async code,
    /// `await outbox.enqueue_async(item)`.
    fn enqueue(&self, py: Python<'_>, item: &Bound<'_, PyAny>) -> PyResult<Enqueued> {
        blocking_call(
            py,
            "Outbox",
            "Outbox.enqueue",
            "`await outbox.enqueue_async(item)`",
        )?;
        let entries = [entry(item)?];
        py.detach(|| self.0.enqueue_all(&entries))
            .map_err(|e| durable_err(py, &e))?
            .pop()
            .ok_or_else(|| PyTypeError::new_err("nothing was enqueued"))
    }

    /// Records in this outbox's ledger an item delivered directly (sent with the client,
    /// answered with `ack`), acknowledged: `/deductCheck` then knows it and no drain sends
    /// it. An item already held is marked acknowledged; another record under its
    /// `deductionID` raises the error with code `conflict`. `Client.deduct(item, record_in=outbox)` does
    /// this and enqueues before sending, so a failed call is not lost.
    fn record_delivered(
        &self,
        py: Python<'_>,
        item: &Bound<'_, PyAny>,
        ack: PyRef<'_, AckResponse>,
    ) -> PyResult<Enqueued> {
        blocking_call(
            py,
            "Outbox",
            "Outbox.record_delivered",
            "`await outbox.record_delivered_async(item, ack)`",
        )?;
        let (item, message) = (entry(item)?, ack.response_message.clone());
        py.detach(|| self.0.record_delivered(&item, &message))
            .map_err(|e| durable_err(py, &e))
    }

    /// Records in this outbox's ledger an item sent directly that the platform refused
    /// with `message` (`PlatformRejected.platform_message`): held as rejected (see
    /// `rejected()`, `requeue()`), never drained; an acknowledged item stays so.
    fn record_refused(
        &self,
        py: Python<'_>,
        item: &Bound<'_, PyAny>,
        message: &str,
    ) -> PyResult<Enqueued> {
        blocking_call(
            py,
            "Outbox",
            "Outbox.record_refused",
            "`await outbox.record_refused_async(item, message)`",
        )?;
        let item = entry(item)?;
        py.detach(|| self.0.record_refused(&item, message))
            .map_err(|e| durable_err(py, &e))
    }

    /// Validates every item, then commits them all in one transaction, or none.
    fn enqueue_all(&self, py: Python<'_>, items: &Bound<'_, PyAny>) -> PyResult<Vec<Enqueued>> {
        blocking_call(
            py,
            "Outbox",
            "Outbox.enqueue_all",
            "`await outbox.enqueue_all_async(items)`",
        )?;
        let entries = items
            .try_iter()?
            .map(|item| entry(&item?))
            .collect::<PyResult<Vec<_>>>()?;
        py.detach(|| self.0.enqueue_all(&entries))
            .map_err(|e| durable_err(py, &e))
    }

    /// Delivers every pending item through `client` (`concurrency` calls at once; gives
    /// up after `patience` seconds without progress), the GIL released.
    #[pyo3(signature = (client, *, concurrency = 8, patience = 120.0))]
    fn drain(
        &self,
        py: Python<'_>,
        client: &Bound<'_, PyAny>,
        concurrency: usize,
        patience: f64,
    ) -> PyResult<DrainReport> {
        blocking_call(
            py,
            "Outbox",
            "Outbox.drain",
            "`await outbox.drain_async(client)`",
        )?;
        let platform = sync_platform(client, "Outbox.drain", "outbox.drain_async")?;
        let options = drain_options(concurrency, patience);
        let outbox = self.0.clone();
        py.detach(move || {
            let async_client = platform.as_async().clone();
            platform.run(async move { outbox.drain_with(&async_client, &options, |_| {}).await })
        })
        .map_err(|e| durable_err(py, &e))
    }

    /// `drain` for asyncio: delivers every pending item through the `AsyncClient`
    /// `client`, the calls running on the native runtime while the event loop goes on.
    #[pyo3(signature = (client, *, concurrency = 8, patience = 120.0))]
    async fn drain_async(
        slf: Py<Self>,
        client: Py<PyAny>,
        concurrency: usize,
        patience: f64,
    ) -> PyResult<DrainReport> {
        let (outbox, platform) = Python::attach(|py| {
            let platform = async_platform(client.bind(py), "Outbox.drain_async", "outbox.drain")?;
            Ok::<_, PyErr>((slf.get().0.clone(), platform))
        })?;
        let options = drain_options(concurrency, patience);
        let async_client = platform.as_async().clone();
        crate::exit::UntilExit::new(
            platform.spawn(async move { outbox.drain_with(&async_client, &options, |_| {}).await }),
        )
        .await?
        .map_err(|e| Python::attach(|py| durable_err(py, &e)))
    }

    /// Stops this outbox's drains for good, for a service shutting down: a `drain`
    /// running on another thread starts no further call, waits for its calls in flight,
    /// records them, frees the file's lock (or its leases) and returns; later drains of
    /// this object return at once.
    fn stop_draining(&self) {
        self.0.stop_draining();
    }

    /// How many items are pending, acknowledged and rejected.
    fn status(&self, py: Python<'_>) -> PyResult<OutboxStatus> {
        blocking_call(py, "Outbox", "Outbox.status", TO_THREAD)?;
        py.detach(|| self.0.status())
            .map_err(|e| durable_err(py, &e))
    }

    /// The items the platform refused, with its message.
    fn rejected(&self, py: Python<'_>) -> PyResult<Vec<RejectedItem>> {
        blocking_call(py, "Outbox", "Outbox.rejected", TO_THREAD)?;
        py.detach(|| self.0.rejected())
            .map_err(|e| durable_err(py, &e))
    }

    /// Moves a rejected item back to pending; False when `seq` is not a rejected item.
    fn requeue(&self, py: Python<'_>, seq: i64) -> PyResult<bool> {
        blocking_call(py, "Outbox", "Outbox.requeue", TO_THREAD)?;
        py.detach(|| self.0.requeue(seq))
            .map_err(|e| durable_err(py, &e))
    }

    /// The deductions of `org_code` with `deductionTime` in `[start, end]`, as
    /// `/deductCheck` answers from the outbox. `start` and `end` are `str` or aware
    /// `datetime` (a naive one raises `ValidationError`).
    fn deductions_between(
        &self,
        py: Python<'_>,
        org_code: &str,
        start: &Bound<'_, PyAny>,
        end: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<DeductCheckRecord>> {
        blocking_call(py, "Outbox", "Outbox.deductions_between", TO_THREAD)?;
        let start = model_time("start", start)?;
        let end = model_time("end", end)?;
        let records = py
            .detach(|| self.0.deductions_between(org_code, &start, &end))
            .map_err(|e| durable_err(py, &e))?;
        records
            .into_iter()
            .map(|record| DeductCheckRecord::wrap(py, record))
            .collect()
    }
}
