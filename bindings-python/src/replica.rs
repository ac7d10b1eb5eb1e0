//! The roster replica (`glorycard_durable::Replica`): the same file, guarantees and errors
//! as the CLI's and Rust's.

use glorycard_core::models::CertType;
use glorycard_durable::{self as durable, MatchKind, SyncProgress};
use pyo3::prelude::*;

use crate::client::Client;
use crate::error::durable_err;
use crate::models::RosterRecord;

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
#[pyclass(module = "glorycard", frozen)]
pub(crate) struct Replica(durable::Replica);

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
        client: PyRef<'_, Client>,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<SyncProgress> {
        let platform = client.shared(py)?;
        let replica = self.0.clone();
        let mut raised: Option<PyErr> = None;
        let done = py.detach(|| {
            let async_client = platform.as_async().clone();
            platform.block_on(replica.sync_with_progress(&async_client, |step| {
                if let Some(callback) = &progress {
                    Python::attach(|py| {
                        if let Err(error) = callback.call1(py, (*step,))
                            && raised.is_none()
                        {
                            raised = Some(error);
                        }
                    });
                }
            }))
        });
        let done = done.map_err(|e| durable_err(py, &e))?;
        // The pages stay applied; the callback's first exception is raised after the sync.
        match raised {
            Some(error) => Err(error),
            None => Ok(done),
        }
    }

    /// The holders of `cert_type` and `cert_no` (exact), then, with `cert_name`, those whose
    /// number the platform sent masked and whose visible characters and name match.
    #[pyo3(signature = (cert_type, cert_no, cert_name = None))]
    fn lookup(
        &self,
        py: Python<'_>,
        cert_type: &str,
        cert_no: &str,
        cert_name: Option<&str>,
    ) -> PyResult<Vec<HolderMatch>> {
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
        py.detach(|| self.0.checkpoint())
            .map_err(|e| durable_err(py, &e))
    }

    /// The number of holders.
    fn __len__(&self, py: Python<'_>) -> PyResult<usize> {
        py.detach(|| self.0.len())
            .map(|count| usize::try_from(count).unwrap_or(usize::MAX))
            .map_err(|e| durable_err(py, &e))
    }
}
