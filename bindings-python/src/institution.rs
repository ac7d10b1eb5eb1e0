//! The institution's `/deductCheck` handler (`glorycard_client::institution`), for any
//! Python web server: the HIS's deduction source (a callable), or the outbox, answers.
//! `glorycard.institution` adds the ASGI and WSGI adapters over it.

use std::sync::Arc;

use glorycard_client::institution::{self, InstitutionEndpoint, SourceError};
use glorycard_core::{self as core, models};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};

use crate::error::client_err;
use crate::ledger::Outbox;
use crate::models::DeductCheckRecord;
use crate::types::{header_pairs, key_arg};

/// `handle`'s answer: `(status, headers, body)`.
type Answer<'py> = (u16, Vec<(String, String)>, Bound<'py, PyBytes>);

/// The HIS's source: a callable `(start, end) -> iterable of DeductCheckRecord`.
struct CallableSource(Py<PyAny>);

impl institution::DeductionSource for CallableSource {
    fn deductions_between(
        &self,
        _org_code: &str,
        start: &str,
        end: &str,
    ) -> Result<Vec<models::DeductCheckRecord>, SourceError> {
        Python::attach(|py| {
            // The exception's message could hold personal data: only its class is told.
            let failed = |error: PyErr| {
                let class = error
                    .get_type(py)
                    .name()
                    .map(|name| name.to_string())
                    .unwrap_or_else(|_| "an exception".to_string());
                SourceError(format!("the deduction source raised {class}"))
            };
            let records = self.0.call1(py, (start, end)).map_err(failed)?;
            let mut out = Vec::new();
            for item in records.bind(py).try_iter().map_err(failed)? {
                let item = item.map_err(failed)?;
                let record = item.cast::<DeductCheckRecord>().map_err(|_| {
                    SourceError(
                        "the deduction source yielded something other than a DeductCheckRecord"
                            .into(),
                    )
                })?;
                out.push(record.borrow().core(py).map_err(failed)?);
            }
            Ok(out)
        })
    }
}

/// Answers the platform's `POST /deductCheck`: verifies the call (every key of the sid,
/// the skew window, a replay cache), refuses one that fails before authentication with a
/// fixed message that echoes nothing, asks the source, and signs the answer, always.
#[pyclass(module = "glorycard", frozen)]
pub(crate) struct DeductCheckHandler(Arc<InstitutionEndpoint>);

#[pymethods]
impl DeductCheckHandler {
    /// `keys` maps each sid the platform calls with to its key, or to a list of keys for a
    /// rotation; the first sid's first key signs the answers. `source` is a callable
    /// `(start, end) -> iterable of DeductCheckRecord` or an `Outbox`. `replay` keeps
    /// 1,000,000 (sid, timestamp, sign) triples against replays (an `int`: that many;
    /// `False`: none).
    #[new]
    #[pyo3(signature = (keys, org_code, source, replay = None))]
    fn new(
        py: Python<'_>,
        keys: &Bound<'_, PyDict>,
        org_code: String,
        source: &Bound<'_, PyAny>,
        replay: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let mut verifier = core::Verifier::builder();
        let mut signer = None;
        for (sid, value) in keys.iter() {
            let sid: String = sid.extract()?;
            let sid_keys: Vec<Bound<'_, PyAny>> = match value.cast::<PyList>() {
                Ok(list) => list.iter().collect(),
                Err(_) => vec![value],
            };
            for key in sid_keys {
                let key = key_arg(&key)?.into_owned();
                if signer.is_none() {
                    signer = Some(core::Signer::new(sid.clone(), key.clone()));
                }
                verifier = verifier.key(sid.clone(), key);
            }
        }
        let signer = signer
            .ok_or_else(|| PyTypeError::new_err("keys must name at least one sid and key"))?;
        let capacity = match replay {
            None => Some(1_000_000),
            Some(value) if value.is_instance_of::<pyo3::types::PyBool>() => {
                value.extract::<bool>()?.then_some(1_000_000)
            }
            Some(value) => Some(value.extract::<usize>()?).filter(|capacity| *capacity > 0),
        };
        if let Some(capacity) = capacity {
            verifier = verifier.replay_cache(capacity);
        }
        let verifier = verifier
            .build()
            .map_err(|e| crate::error::to_py_err(py, &e))?;
        let source: Arc<dyn institution::DeductionSource> = match source.cast::<Outbox>() {
            Ok(outbox) => Arc::new(outbox.get().0.clone()),
            Err(_) if source.is_callable() => Arc::new(CallableSource(source.clone().unbind())),
            Err(_) => {
                return Err(PyTypeError::new_err(
                    "source must be a callable (start, end) -> records, or an Outbox",
                ));
            }
        };
        let endpoint = InstitutionEndpoint::new(verifier, signer, org_code, source)
            .map_err(|e| client_err(py, &e))?;
        Ok(DeductCheckHandler(Arc::new(endpoint)))
    }

    /// The signed answer to one call, as `(status, headers, body)`: `headers` as received
    /// (a mapping or (name, value) pairs, names in any case), `body` the exact bytes. The
    /// GIL is released while it verifies and signs.
    #[pyo3(signature = (headers, body, peer = None))]
    fn handle<'py>(
        &self,
        py: Python<'py>,
        headers: &Bound<'py, PyAny>,
        body: &[u8],
        peer: Option<&str>,
    ) -> PyResult<Answer<'py>> {
        let headers = header_pairs(headers)?;
        let endpoint = Arc::clone(&self.0);
        let answer = py.detach(|| {
            let pairs = headers
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_str()));
            endpoint.handle_from(peer.unwrap_or("unknown"), pairs, body)
        });
        Ok((
            answer.status,
            answer.headers,
            PyBytes::new(py, &answer.body),
        ))
    }

    fn __repr__(&self) -> String {
        format!("{:?}", self.0)
    }
}
