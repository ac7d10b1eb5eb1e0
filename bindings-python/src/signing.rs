//! Canonicalization, signing, the explanation of every stage, and `Signer`.

use glorycard_core as core;
use glorycard_core::Timestamp;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::body::extract_body;
use crate::error::CoreResult;
use crate::types::{deprecated, key_arg, parse_timestamp, py_repr};

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
    fn string_sign_temp_masked(&self) -> &str {
        self.0.string_sign_temp_masked()
    }

    /// Deprecated alias of `string_sign_temp_masked`.
    #[getter]
    fn string_sign_temp(&self, py: Python<'_>) -> PyResult<&str> {
        deprecated(
            py,
            "Explanation.string_sign_temp",
            "string_sign_temp_masked",
        )?;
        Ok(self.0.string_sign_temp_masked())
    }

    /// MD5 of STRINGSignTemp, 32 upper-case hex digits.
    #[getter]
    fn md5_upper(&self) -> &str {
        self.0.md5_upper()
    }

    /// Deprecated alias of `md5_upper`.
    #[getter]
    fn md5(&self, py: Python<'_>) -> PyResult<&str> {
        deprecated(py, "Explanation.md5", "md5_upper")?;
        Ok(self.0.md5_upper())
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

/// Signs bodies for one account: `Signer(sid, key).sign(body)` gives the `sid`,
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
    fn sign<'py>(
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

    /// Deprecated alias of `sign`.
    #[pyo3(signature = (body, timestamp = None))]
    fn headers<'py>(
        &self,
        py: Python<'py>,
        body: &Bound<'py, PyAny>,
        timestamp: Option<&str>,
    ) -> PyResult<Bound<'py, PyDict>> {
        deprecated(py, "Signer.headers", "Signer.sign")?;
        self.sign(py, body, timestamp)
    }

    /// `Signer(sid='...', key=***)`.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Signer(sid={}, key=***)",
            py_repr(py, self.0.sid())?
        ))
    }
}

/// Adds the functions and classes of this file to the module.
pub(crate) fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(canonicalize, module)?)?;
    module.add_function(wrap_pyfunction!(sign, module)?)?;
    module.add_function(wrap_pyfunction!(explain, module)?)?;
    module.add_class::<Explanation>()?;
    module.add_class::<Signer>()?;
    Ok(())
}
