//! The roster replica (`glorycard_durable::Replica`): the same file, guarantees and errors
//! as the CLI's and Rust's.

use glorycard_core::models::CertType;
use glorycard_durable::{self as durable, MatchKind, SyncProgress};
use pyo3::prelude::*;

use crate::client::{async_platform, sync_platform};
use crate::error::durable_err;
use crate::guard::blocking_call;
use crate::models::RosterRecord;
use crate::outbox::TO_THREAD;

/// A holder found by `Replica.lookup`.
#[pyclass(module = "glorycard", frozen, get_all)]
pub(crate) struct HolderMatch {
    /// The record as the platform sent it.
    record: Py<RosterRecord>,
    /// `MatchKind.EXACT`, or `MatchKind.PARTIAL` for a number the platform sent masked.
    kind: MatchKind,
}

#[pymethods]
impl HolderMatch {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "HolderMatch(record={}, kind={:?})",
            self.record.bind(py).repr()?,
            self.kind
        ))
    }
}

/// A local copy of the platform's roster, in one SQLite file.
#[pyclass(module = "glorycard", frozen, subclass)]
pub(crate) struct Replica(durable::Replica);

/// Calls a sync's `progress` callback after each page and keeps its first exception, raised
/// after the sync (the pages stay applied).
struct Reporter {
    callback: Option<Py<PyAny>>,
    raised: std::sync::Mutex<Option<PyErr>>,
}

impl Reporter {
    fn new(callback: Option<Py<PyAny>>) -> Self {
        Reporter {
            callback,
            raised: std::sync::Mutex::new(None),
        }
    }

    fn report(&self, step: &SyncProgress) {
        let Some(callback) = &self.callback else {
            return;
        };
        crate::exit::attach(|py| {
            if let Err(error) = callback.call1(py, (*step,))
                && let Ok(mut raised) = self.raised.lock()
                && raised.is_none()
            {
                *raised = Some(error);
            }
        });
    }

    fn outcome(&self, done: SyncProgress) -> PyResult<SyncProgress> {
        match self.raised.lock().ok().and_then(|mut raised| raised.take()) {
            Some(error) => Err(error),
            None => Ok(done),
        }
    }
}

#[pymethods]
impl Replica {
    /// Opens the replica at `path`, creating an empty one when missing: a SQLite file, or a
    /// `postgres://` URL shared by several nodes.
    #[new]
    fn new(py: Python<'_>, path: std::path::PathBuf) -> PyResult<Self> {
        py.detach(|| durable::Replica::open(path))
            .map(Replica)
            .map_err(|e| durable_err(py, &e))
    }

    /// `Replica('<file or URL without its password>')`.
    fn __repr__(&self) -> String {
        format!("Replica({:?})", self.0.location())
    }

    /// Fetches and applies every page after the checkpoint, calling `progress` (with a
    /// `SyncProgress`) after each; the GIL is released between the calls.
    #[pyo3(signature = (client, progress = None))]
    fn sync(
        &self,
        py: Python<'_>,
        client: &Bound<'_, PyAny>,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<SyncProgress> {
        blocking_call(
            py,
            "Replica",
            "Replica.sync",
            "`await replica.sync_async(client)`",
        )?;
        let platform = sync_platform(client, "Replica.sync", "replica.sync_async")?;
        let replica = self.0.clone();
        let reporter = Reporter::new(progress);
        let done = py.detach(|| {
            let async_client = platform.as_async().clone();
            platform
                .block_on(replica.sync_with_progress(&async_client, |step| reporter.report(step)))
        });
        reporter.outcome(done.map_err(|e| durable_err(py, &e))?)
    }

    /// `sync` for asyncio, with an `AsyncClient`: the pages are fetched and applied on the
    /// native runtime while the event loop goes on; `progress` is called from there.
    #[pyo3(signature = (client, progress = None))]
    async fn sync_async(
        slf: Py<Self>,
        client: Py<PyAny>,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<SyncProgress> {
        let (replica, platform) = Python::attach(|py| {
            let platform = async_platform(client.bind(py), "Replica.sync_async", "replica.sync")?;
            Ok::<_, PyErr>((slf.get().0.clone(), platform))
        })?;
        let reporter = std::sync::Arc::new(Reporter::new(progress));
        let reporting = std::sync::Arc::clone(&reporter);
        let async_client = platform.as_async().clone();
        let done = crate::exit::UntilExit::new(platform.spawn(async move {
            replica
                .sync_with_progress(&async_client, |step| reporting.report(step))
                .await
        }))
        .await?;
        Python::attach(|py| reporter.outcome(done.map_err(|e| durable_err(py, &e))?))
    }

    /// The holders of `cert_type` and `cert_no` (exact), then, with `cert_name`, those whose
    /// number the platform sent masked and whose visible characters and name match. Blocks
    /// for one indexed query (about 0.01 ms on a local file): in async code,
    /// `await replica.lookup_async(...)`.
    #[pyo3(signature = (cert_type, cert_no, cert_name = None))]
    fn lookup(
        &self,
        py: Python<'_>,
        cert_type: &str,
        cert_no: &str,
        cert_name: Option<&str>,
    ) -> PyResult<Vec<HolderMatch>> {
        blocking_call(
            py,
            "Replica",
            "Replica.lookup",
            "`await replica.lookup_async(...)`",
        )?;
        let cert_type = CertType::from_code(cert_type);
        let found = py
            .detach(|| self.0.lookup(&cert_type, cert_no, cert_name))
            .map_err(|e| durable_err(py, &e))?;
        found
            .into_iter()
            .map(|found| {
                Ok(HolderMatch {
                    record: Py::new(py, RosterRecord(found.record))?,
                    kind: found.kind,
                })
            })
            .collect()
    }

    /// The largest `dataID` applied: where the next sync resumes.
    fn checkpoint(&self, py: Python<'_>) -> PyResult<i64> {
        blocking_call(py, "Replica", "Replica.checkpoint", TO_THREAD)?;
        py.detach(|| self.0.checkpoint())
            .map_err(|e| durable_err(py, &e))
    }

    /// The number of holders.
    fn __len__(&self, py: Python<'_>) -> PyResult<usize> {
        blocking_call(py, "Replica", "len(Replica)", TO_THREAD)?;
        py.detach(|| self.0.len())
            .map(|count| usize::try_from(count).unwrap_or(usize::MAX))
            .map_err(|e| durable_err(py, &e))
    }
}
