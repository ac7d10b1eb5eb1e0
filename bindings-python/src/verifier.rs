//! Verification: `verify`, `diagnose`, and `Verifier` with its `Verified`.

use std::sync::Arc;

use glorycard_core as core;
use glorycard_core::{DEFAULT_MAX_SKEW_SECONDS, DEFAULT_REPLAY_CAPACITY, ManualClock};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyIterator, PyList, PyString, PyTuple};

use crate::body::extract_body;
use crate::error::CoreResult;
use crate::types::{SecretKey, deprecated, header_pairs, key_arg, parse_timestamp, py_repr};

/// True when `sign` is the signature of `body` with `key` at `timestamp` (the core's
/// `verify_body`: compared in constant time, upper-case hex accepted), False when it is
/// not.
///
/// Raises instead of answering when an input is malformed: `InvalidBody`,
/// `InvalidTimestamp`, `SignatureError` (code `invalid_signature_format`) or `InvalidKey`.
/// No skew window or replay check: that is `Verifier`'s job.
#[pyfunction]
fn verify(
    py: Python<'_>,
    body: &Bound<'_, PyAny>,
    key: &Bound<'_, PyAny>,
    timestamp: &str,
    sign: &str,
) -> PyResult<bool> {
    let body = extract_body(body)?;
    let key = key_arg(key)?;
    let key = key.get();
    let timestamp = parse_timestamp(py, timestamp)?;
    body.with_bytes(py, |bytes| core::verify_body(bytes, key, &timestamp, sign))
        .py_err(py)
}

/// Which common departure from the signing rules turns `body` into the `received` sign
/// with this key and timestamp: a sentence naming it, `""` when `received` is right, or
/// None when no known departure explains it (the key, timestamp or bytes differ).
/// Departures tried include STRINGSignTemp hashed as GBK (GB18030) bytes. The sentence is
/// in English, or in Chinese with `lang="zh"` (`"en"`, `"zh"`, or with a region:
/// `"zh-CN"`); another `lang` raises ValueError.
#[pyfunction]
#[pyo3(signature = (body, key, timestamp, received, *, lang = "en"))]
fn diagnose(
    py: Python<'_>,
    body: &Bound<'_, PyAny>,
    key: &Bound<'_, PyAny>,
    timestamp: &str,
    received: &str,
    lang: &str,
) -> PyResult<Option<String>> {
    let lang: core::Lang = lang
        .parse()
        .map_err(|e: core::UnknownLang| PyValueError::new_err(format!("lang: {e}")))?;
    let body = extract_body(body)?;
    let key = key_arg(key)?;
    let key = key.get();
    let timestamp = parse_timestamp(py, timestamp)?;
    let received = core::Signature::parse(received).py_err(py)?;
    body.with_bytes(py, |bytes| {
        core::diagnose_mismatch(bytes, key, &timestamp, &received)
    })
    .map(|diagnosis| diagnosis.text(lang).map(str::to_owned))
    .py_err(py)
}

/// What a successful verification established. Always true in a boolean context.
#[pyclass(module = "glorycard", frozen)]
pub(crate) struct Verified {
    /// The sid the message came from.
    #[pyo3(get)]
    sid: String,
    /// Its timestamp, 14 digits.
    #[pyo3(get)]
    timestamp: String,
    /// Which of the sid's keys matched (0 = the first configured), to watch a rotation.
    #[pyo3(get)]
    key_index: usize,
}

#[pymethods]
impl Verified {
    /// True.
    fn __bool__(&self) -> bool {
        true
    }

    /// `Verified(sid='...', timestamp='...', key_index=0)`.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Verified(sid={}, timestamp='{}', key_index={})",
            py_repr(py, &self.sid)?,
            self.timestamp,
            self.key_index
        ))
    }
}

impl From<core::Verified> for Verified {
    fn from(verified: core::Verified) -> Self {
        Verified {
            sid: verified.sid,
            timestamp: verified.timestamp.as_str().to_string(),
            key_index: verified.key_index,
        }
    }
}

/// Verifies signed requests (an institution receiving `deductCheck`) or responses (a
/// client reading the platform's answers).
///
/// `keys` maps each sid to its key or to a list of keys (several during a rotation; the
/// index of the one that matched is reported). `skew` is the allowed distance in seconds
/// between a timestamp and now. With `replay=True` a (sid, timestamp, sign) triple is
/// accepted once (memory bounded by `replay_capacity`). `now` (14 digits) stops the
/// clock at that instant, for tests and for replaying recorded traffic. Safe to share
/// between threads.
#[pyclass(module = "glorycard", frozen)]
pub(crate) struct Verifier {
    inner: core::Verifier,
    /// The configured sids, sorted, for `repr`.
    sids: Vec<String>,
    replay: bool,
}

fn extract_keys(value: &Bound<'_, PyAny>) -> PyResult<Vec<core::SecretKey>> {
    if value.is_instance_of::<PyString>() || value.is_instance_of::<SecretKey>() {
        return Ok(vec![key_arg(value)?.into_owned()]);
    }
    if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        return PyIterator::from_object(value)?
            .map(|key| Ok(key_arg(&key?)?.into_owned()))
            .collect();
    }
    Err(PyTypeError::new_err(format!(
        "the keys of a sid are a str, a SecretKey or a list of them, not {}",
        value.get_type().name()?
    )))
}

#[pymethods]
impl Verifier {
    /// A verifier for the sids and keys in `keys`.
    /// `skew` is the deprecated name of `max_skew_seconds`.
    #[new]
    #[pyo3(signature = (
        keys, max_skew_seconds = None, replay = true, replay_capacity = DEFAULT_REPLAY_CAPACITY,
        now = None, skew = None
    ))]
    fn new(
        py: Python<'_>,
        keys: &Bound<'_, PyAny>,
        max_skew_seconds: Option<u64>,
        replay: bool,
        replay_capacity: usize,
        now: Option<&str>,
        skew: Option<u64>,
    ) -> PyResult<Self> {
        let max_skew_seconds = match (max_skew_seconds, skew) {
            (Some(_), Some(_)) => {
                return Err(PyTypeError::new_err(
                    "give max_skew_seconds, not also its deprecated name skew",
                ));
            }
            (None, Some(skew)) => {
                deprecated(py, "Verifier(skew=...)", "Verifier(max_skew_seconds=...)")?;
                skew
            }
            (given, None) => given.unwrap_or(DEFAULT_MAX_SKEW_SECONDS),
        };
        let mut builder = core::Verifier::builder().max_skew_seconds(max_skew_seconds);
        let mut sids = Vec::new();
        if !keys.hasattr("items")? {
            return Err(PyTypeError::new_err(
                "keys must be a mapping of sid to key or list of keys",
            ));
        }
        for item in PyIterator::from_object(&keys.call_method0("items")?)? {
            let (sid, sid_keys): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item?.extract()?;
            let sid: String = sid.extract().map_err(|_| {
                PyTypeError::new_err("the keys of the keys mapping are sids, of type str")
            })?;
            for key in extract_keys(&sid_keys)? {
                builder = builder.key(sid.clone(), key);
            }
            sids.push(sid);
        }
        sids.sort();
        if replay {
            builder = builder.replay_cache(replay_capacity);
        }
        if let Some(now) = now {
            let now = parse_timestamp(py, now)?;
            builder = builder.clock(Arc::new(ManualClock::new(now.unix_seconds())));
        }
        let inner = builder.build().py_err(py)?;
        Ok(Verifier {
            inner,
            sids,
            replay,
        })
    }

    /// Verifies `body` (the exact bytes received, or the `str`) against the `sid`,
    /// `timestamp` and `sign` headers, names compared case-insensitively. `headers` is a
    /// mapping or any object with `items()` (a dict, `requests`' response headers,
    /// `http.server`'s `self.headers`) or an iterable of `(name, value)` pairs.
    ///
    /// Returns `Verified`; raises `SignatureError`, `InvalidTimestamp`, `InvalidBody` or
    /// `InvalidKey` with the reason's code. A `sid`, `timestamp` or `sign` given twice
    /// (twice in the pairs, or under names differing only in case) is refused with code
    /// `duplicate_header` rather than one of the values being picked.
    fn verify_headers(
        &self,
        py: Python<'_>,
        headers: &Bound<'_, PyAny>,
        body: &Bound<'_, PyAny>,
    ) -> PyResult<Verified> {
        let pairs = header_pairs(headers)?;
        let body = extract_body(body)?;
        body.with_bytes(py, |bytes| {
            self.inner.verify_headers(
                pairs
                    .iter()
                    .map(|(name, value)| (name.as_str(), value.as_str())),
                bytes,
            )
        })
        .map(Verified::from)
        .py_err(py)
    }

    /// Deprecated alias of `verify_headers`.
    fn verify(
        &self,
        py: Python<'_>,
        headers: &Bound<'_, PyAny>,
        body: &Bound<'_, PyAny>,
    ) -> PyResult<Verified> {
        deprecated(
            py,
            "Verifier.verify(headers, body)",
            "Verifier.verify_headers",
        )?;
        self.verify_headers(py, headers, body)
    }

    /// Verifies `body` against header values given one by one.
    fn verify_parts(
        &self,
        py: Python<'_>,
        sid: &str,
        timestamp: &str,
        sign: &str,
        body: &Bound<'_, PyAny>,
    ) -> PyResult<Verified> {
        let body = extract_body(body)?;
        body.with_bytes(py, |bytes| self.inner.verify(sid, timestamp, sign, bytes))
            .map(Verified::from)
            .py_err(py)
    }

    /// The allowed skew in seconds.
    #[getter]
    fn max_skew_seconds(&self) -> u64 {
        self.inner.max_skew_seconds()
    }

    /// Deprecated alias of `max_skew_seconds`.
    #[getter]
    fn skew(&self, py: Python<'_>) -> PyResult<u64> {
        deprecated(py, "Verifier.skew", "Verifier.max_skew_seconds")?;
        Ok(self.inner.max_skew_seconds())
    }

    /// The sids and settings, never the keys.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let sids: Vec<String> = self
            .sids
            .iter()
            .map(|sid| py_repr(py, sid))
            .collect::<PyResult<_>>()?;
        Ok(format!(
            "Verifier(sids=[{}], max_skew_seconds={}, replay={})",
            sids.join(", "),
            self.inner.max_skew_seconds(),
            if self.replay { "True" } else { "False" }
        ))
    }
}

/// Adds the functions and classes of this file to the module.
pub(crate) fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(verify, module)?)?;
    module.add_function(wrap_pyfunction!(diagnose, module)?)?;
    module.add_class::<Verified>()?;
    module.add_class::<Verifier>()?;
    Ok(())
}
