//! Canonicalization, signing, verification and their Python classes.

use std::sync::Arc;

use glorycard_core as core;
use glorycard_core::{DEFAULT_REPLAY_CAPACITY, ManualClock, Timestamp};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyIterator, PyList, PyString, PyTuple};

use crate::body::extract_body;
use crate::errors::CoreResult;
use crate::py_repr;

/// The secret key issued by the platform. Its `repr` and `str` never show it.
///
/// Every function taking a `key` accepts either a `str` or a `SecretKey`; wrapping it
/// once keeps it out of tracebacks and logs that print arguments.
#[pyclass(module = "glorycard", frozen)]
#[repr(transparent)]
pub(crate) struct SecretKey(core::SecretKey);

#[pymethods]
impl SecretKey {
    /// Wraps the key text (its UTF-8 bytes key the HMAC; it is not hex-decoded).
    #[new]
    fn new(key: &str) -> Self {
        SecretKey(core::SecretKey::new(key))
    }

    /// `SecretKey(***)`.
    fn __repr__(&self) -> String {
        format!("{:?}", self.0)
    }

    /// `***`.
    fn __str__(&self) -> String {
        self.0.to_string()
    }

    /// True when the key is empty (and so every use of it fails with `InvalidKey`).
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A key argument: a `SecretKey` object (used in place) or a `str` (wrapped here).
pub(crate) enum KeyArg<'py> {
    /// A `SecretKey` object.
    Shared(Bound<'py, SecretKey>),
    /// A key given as `str`.
    Owned(core::SecretKey),
}

impl KeyArg<'_> {
    /// The core key.
    pub(crate) fn get(&self) -> &core::SecretKey {
        match self {
            KeyArg::Shared(key) => &key.get().0,
            KeyArg::Owned(key) => key,
        }
    }

    /// An owned copy, for objects that keep the key.
    fn into_owned(self) -> core::SecretKey {
        match self {
            KeyArg::Shared(key) => key.get().0.clone(),
            KeyArg::Owned(key) => key,
        }
    }
}

/// A key argument: `str` or `SecretKey`.
pub(crate) fn key_arg<'py>(value: &Bound<'py, PyAny>) -> PyResult<KeyArg<'py>> {
    if let Ok(key) = value.cast::<SecretKey>() {
        return Ok(KeyArg::Shared(key.clone()));
    }
    if let Ok(text) = value.cast::<PyString>() {
        return Ok(KeyArg::Owned(core::SecretKey::new(
            text.to_cow()?.into_owned(),
        )));
    }
    Err(PyTypeError::new_err(format!(
        "key must be str or glorycard.SecretKey, not {}",
        value.get_type().name()?
    )))
}

/// A timestamp argument: 14 digits `yyyyMMddHHmmss` (UTC+8).
fn parse_timestamp(py: Python<'_>, text: &str) -> PyResult<Timestamp> {
    Timestamp::parse(text).py_err(py)
}

/// STRINGA of `body`: its sorted `name=value` pairs joined with `&`.
///
/// `body` is `str`, `bytes` (its exact bytes), `bytearray`, or a `dict`/`list` written as
/// JSON first (floats by shortest repr, `Decimal` from its exact text, ints of any size).
#[pyfunction]
fn canonicalize(py: Python<'_>, body: &Bound<'_, PyAny>) -> PyResult<String> {
    let body = extract_body(body)?;
    body.with_bytes(py, core::canonicalize).py_err(py)
}

/// The signature of `body` with `key` at `timestamp`, as 64 lower-case hex digits.
///
/// `timestamp` is 14 digits `yyyyMMddHHmmss` in UTC+8 (see `timestamp_now()`).
#[pyfunction]
fn sign(
    py: Python<'_>,
    body: &Bound<'_, PyAny>,
    key: &Bound<'_, PyAny>,
    timestamp: &str,
) -> PyResult<String> {
    let body = extract_body(body)?;
    let key = key_arg(key)?;
    let key = key.get();
    let timestamp = parse_timestamp(py, timestamp)?;
    body.with_bytes(py, |bytes| {
        core::sign_body(bytes, key, &timestamp).map(|s| s.to_string())
    })
    .py_err(py)
}

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

/// Every stage of signing `body`, for when the platform answers 签名错误 (wrong sign).
///
/// The result's `str()` prints STRINGA, STRINGSignTemp (key shown as `***`), the MD5 and
/// the sign; its `repr` leaves STRINGA out, since a body may hold personal data.
#[pyfunction]
fn explain(
    py: Python<'_>,
    body: &Bound<'_, PyAny>,
    key: &Bound<'_, PyAny>,
    timestamp: &str,
) -> PyResult<Explanation> {
    let body = extract_body(body)?;
    let key = key_arg(key)?;
    let key = key.get();
    let timestamp = parse_timestamp(py, timestamp)?;
    body.with_bytes(py, |bytes| core::explain(bytes, key, &timestamp))
        .map(Explanation)
        .py_err(py)
}

/// Which common departure from the signing rules turns `body` into the `received` sign
/// with this key and timestamp: a sentence naming it, `""` when `received` is right, or
/// None when no known departure explains it (the key, timestamp or bytes differ).
#[pyfunction]
fn diagnose(
    py: Python<'_>,
    body: &Bound<'_, PyAny>,
    key: &Bound<'_, PyAny>,
    timestamp: &str,
    received: &str,
) -> PyResult<Option<String>> {
    let body = extract_body(body)?;
    let key = key_arg(key)?;
    let key = key.get();
    let timestamp = parse_timestamp(py, timestamp)?;
    let received = core::Signature::parse(received).py_err(py)?;
    body.with_bytes(py, |bytes| {
        core::diagnose_mismatch(bytes, key, &timestamp, &received)
    })
    .map(core::Diagnosis::into_option)
    .py_err(py)
}

/// Now, as the 14 digits `yyyyMMddHHmmss` in China Standard Time (UTC+8), whatever the
/// host's time zone.
#[pyfunction]
fn timestamp_now() -> String {
    Timestamp::now().as_str().to_string()
}

/// The stages of one signature, from `explain()`.
#[pyclass(module = "glorycard", frozen)]
#[repr(transparent)]
pub(crate) struct Explanation(core::Explanation);

#[pymethods]
impl Explanation {
    /// STRINGA: the sorted `name=value` pairs joined with `&`.
    #[getter]
    fn string_a(&self) -> &str {
        self.0.string_a()
    }

    /// STRINGSignTemp with the key replaced by `***`.
    #[getter]
    fn string_sign_temp(&self) -> &str {
        self.0.string_sign_temp_masked()
    }

    /// MD5 of STRINGSignTemp, 32 upper-case hex digits.
    #[getter]
    fn md5(&self) -> &str {
        self.0.md5_upper()
    }

    /// The timestamp signed, 14 digits.
    #[getter]
    fn timestamp(&self) -> &str {
        self.0.timestamp().as_str()
    }

    /// The signature, 64 lower-case hex digits.
    #[getter]
    fn sign(&self) -> String {
        self.0.sign().to_string()
    }

    /// Every stage on its own line, the key masked.
    fn __str__(&self) -> String {
        self.0.to_string()
    }

    /// The timestamp, MD5 and sign; STRINGA only by its length.
    fn __repr__(&self) -> String {
        format!(
            "Explanation(string_a=<{} chars, not shown>, key=***, timestamp='{}', md5='{}', sign='{}')",
            self.0.string_a().chars().count(),
            self.0.timestamp(),
            self.0.md5_upper(),
            self.0.sign()
        )
    }
}

/// Signs bodies for one account: `Signer(sid, key).headers(body)` gives the `sid`,
/// `timestamp` and `sign` headers for `requests.post(url, data=body, headers=...)`.
#[pyclass(module = "glorycard", frozen)]
#[repr(transparent)]
pub(crate) struct Signer(core::Signer);

#[pymethods]
impl Signer {
    /// A signer for account `sid` with its secret `key` (`str` or `SecretKey`).
    #[new]
    fn new(sid: &str, key: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(Signer(core::Signer::new(sid, key_arg(key)?.into_owned())))
    }

    /// The account id.
    #[getter]
    fn sid(&self) -> &str {
        self.0.sid()
    }

    /// The headers `{"sid": ..., "timestamp": ..., "sign": ...}` for `body`, signed now
    /// (or at `timestamp`, 14 digits UTC+8). Send exactly the bytes you signed: pass the
    /// same `bytes` here and as the request's data (`body.encode("utf-8")` for text: HTTP
    /// libraries may encode a `str` body otherwise, e.g. `http.client` as Latin-1).
    #[pyo3(signature = (body, timestamp = None))]
    fn headers<'py>(
        &self,
        py: Python<'py>,
        body: &Bound<'py, PyAny>,
        timestamp: Option<&str>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let body = extract_body(body)?;
        let timestamp = match timestamp {
            Some(text) => parse_timestamp(py, text)?,
            None => Timestamp::now(),
        };
        let signed = body
            .with_bytes(py, |bytes| self.0.sign_at(bytes, &timestamp))
            .py_err(py)?;
        let headers = PyDict::new(py);
        for (name, value) in signed.to_pairs() {
            headers.set_item(name, value)?;
        }
        Ok(headers)
    }

    /// `Signer(sid='...', key=***)`.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Signer(sid={}, key=***)",
            py_repr(py, self.0.sid())?
        ))
    }
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
    #[new]
    #[pyo3(signature = (keys, skew = 300, replay = true, replay_capacity = DEFAULT_REPLAY_CAPACITY, now = None))]
    fn new(
        py: Python<'_>,
        keys: &Bound<'_, PyAny>,
        skew: u64,
        replay: bool,
        replay_capacity: usize,
        now: Option<&str>,
    ) -> PyResult<Self> {
        let mut builder = core::Verifier::builder().max_skew_seconds(skew);
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
    fn verify(
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
    fn skew(&self) -> u64 {
        self.inner.max_skew_seconds()
    }

    /// The sids and settings, never the keys.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let sids: Vec<String> = self
            .sids
            .iter()
            .map(|sid| py_repr(py, sid))
            .collect::<PyResult<_>>()?;
        Ok(format!(
            "Verifier(sids=[{}], skew={}, replay={})",
            sids.join(", "),
            self.inner.max_skew_seconds(),
            if self.replay { "True" } else { "False" }
        ))
    }
}

/// The (name, value) pairs of a header collection: a mapping or any object with
/// `items()` (`dict`, `requests`' `CaseInsensitiveDict`, `http.server`'s
/// `email.message.Message`, which yields a repeated header once per occurrence), or an
/// iterable of `(name, value)` pairs (tuples or 2-item lists). Every entry is passed on,
/// repeated names included: the core refuses a repeated `sid`/`timestamp`/`sign`
/// (code `duplicate_header`) and ignores other names.
fn header_pairs(headers: &Bound<'_, PyAny>) -> PyResult<Vec<(String, String)>> {
    if headers.is_instance_of::<PyString>()
        || headers.is_instance_of::<PyBytes>()
        || headers.is_instance_of::<PyByteArray>()
    {
        return Err(PyTypeError::new_err(format!(
            "headers must be a mapping or an iterable of (name, value) pairs, not {}",
            headers.get_type().name()?
        )));
    }
    let items = if headers.hasattr("items")? {
        headers.call_method0("items")?
    } else {
        headers.clone()
    };
    let iterator = PyIterator::from_object(&items).map_err(|_| {
        PyTypeError::new_err("headers must be a mapping or an iterable of (name, value) pairs")
    })?;
    let mut pairs = Vec::new();
    for (index, item) in iterator.enumerate() {
        let item = item?;
        let pair = if item.is_instance_of::<PyTuple>() || item.is_instance_of::<PyList>() {
            match item.len()? {
                2 => Some((item.get_item(0)?, item.get_item(1)?)),
                _ => None,
            }
        } else {
            None
        };
        let Some((name, value)) = pair else {
            return Err(PyTypeError::new_err(format!(
                "header entry {index} is a {}, not a (name, value) pair",
                item.get_type().name()?
            )));
        };
        let Ok(name) = name.extract::<String>() else {
            return Err(PyTypeError::new_err(format!(
                "header entry {index}: the name is a {}, not a str",
                name.get_type().name()?
            )));
        };
        let Ok(value) = value.extract::<String>() else {
            return Err(PyTypeError::new_err(format!(
                "header {name:?}: the value is a {}, not a str",
                value.get_type().name()?
            )));
        };
        pairs.push((name, value));
    }
    Ok(pairs)
}

/// Adds the functions and classes of this file to the module.
pub(crate) fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(canonicalize, module)?)?;
    module.add_function(wrap_pyfunction!(sign, module)?)?;
    module.add_function(wrap_pyfunction!(verify, module)?)?;
    module.add_function(wrap_pyfunction!(explain, module)?)?;
    module.add_function(wrap_pyfunction!(diagnose, module)?)?;
    module.add_function(wrap_pyfunction!(timestamp_now, module)?)?;
    module.add_class::<SecretKey>()?;
    module.add_class::<Explanation>()?;
    module.add_class::<Signer>()?;
    module.add_class::<Verified>()?;
    module.add_class::<Verifier>()?;
    Ok(())
}
