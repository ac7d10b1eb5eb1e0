//! Conversions of the shared small types: the secret key, the timestamp, header
//! collections, and Python's `repr` of a string.

use glorycard_core as core;
use glorycard_core::Timestamp;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyIterator, PyList, PyString, PyTuple};

use crate::error::CoreResult;

/// Python's `repr` of a string (quotes and escapes as Python writes them).
pub(crate) fn py_repr(py: Python<'_>, text: &str) -> PyResult<String> {
    Ok(PyString::new(py, text).repr()?.to_cow()?.into_owned())
}

/// Emits a `DeprecationWarning` for a name kept as an alias of `new`, pointing at the
/// caller's line.
pub(crate) fn deprecated(py: Python<'_>, old: &str, new: &str) -> PyResult<()> {
    let message = std::ffi::CString::new(format!(
        "{old} is deprecated, use {new} (the name every glorycard binding uses)"
    ))
    .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
    PyErr::warn(
        py,
        &py.get_type::<pyo3::exceptions::PyDeprecationWarning>(),
        &message,
        1,
    )
}

/// A core `Debug` text (`Deduction { org_code: "1", remarks: Some("x"), .. }`) written as
/// Python writes a call (`Deduction(org_code='1', remarks='x', ..)`): the model's `repr`
/// is the core's `Debug`, whose masking of `certNo` and `certName` it keeps.
pub(crate) fn repr_of_debug(py: Python<'_>, debug: &str) -> PyResult<String> {
    let mut out = String::with_capacity(debug.len());
    // For each open parenthesis: whether its closing one is written (`Some(` is not).
    let mut parens: Vec<bool> = Vec::new();
    let mut rest = debug;
    while let Some(c) = rest.chars().next() {
        if c == '"' {
            let (text, len) = rust_string_literal(rest);
            out.push_str(&py_repr(py, &text)?);
            rest = &rest[len..];
        } else if let Some(after) = rest.strip_prefix("Some(") {
            parens.push(false);
            rest = after;
        } else if let Some(after) = rest.strip_prefix(" { ") {
            out.push('(');
            rest = after;
        } else if let Some(after) = rest.strip_prefix(" }") {
            out.push(')');
            rest = after;
        } else if let Some(after) = rest.strip_prefix(": ") {
            out.push('=');
            rest = after;
        } else {
            match c {
                '(' => parens.push(true),
                ')' if !parens.pop().unwrap_or(true) => {
                    rest = &rest[1..];
                    continue;
                }
                _ => {}
            }
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    Ok(out)
}

/// The text of the Rust string literal (as `Debug` writes it) at the start of `quoted`, and
/// the literal's length in bytes.
fn rust_string_literal(quoted: &str) -> (String, usize) {
    let mut text = String::new();
    let mut chars = quoted.char_indices().skip(1);
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => return (text, at + 1),
            '\\' => match chars.next() {
                Some((_, 'n')) => text.push('\n'),
                Some((_, 'r')) => text.push('\r'),
                Some((_, 't')) => text.push('\t'),
                Some((_, '0')) => text.push('\0'),
                Some((_, 'u')) => {
                    // \u{XXXX}
                    let hex: String = chars
                        .by_ref()
                        .map(|(_, c)| c)
                        .skip(1)
                        .take_while(|&c| c != '}')
                        .collect();
                    let decoded = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                    text.push(decoded.unwrap_or(char::REPLACEMENT_CHARACTER));
                }
                Some((_, other)) => text.push(other),
                None => {}
            },
            c => text.push(c),
        }
    }
    (text, quoted.len())
}

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
    pub(crate) fn into_owned(self) -> core::SecretKey {
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
pub(crate) fn parse_timestamp(py: Python<'_>, text: &str) -> PyResult<Timestamp> {
    Timestamp::parse(text).py_err(py)
}

/// Now, as the 14 digits `yyyyMMddHHmmss` in China Standard Time (UTC+8), whatever the
/// host's time zone.
#[pyfunction]
fn timestamp_now() -> String {
    Timestamp::now().as_str().to_string()
}

/// The (name, value) pairs of a header collection: a mapping or any object with
/// `items()` (`dict`, `requests`' `CaseInsensitiveDict`, `http.server`'s
/// `email.message.Message`, which yields a repeated header once per occurrence), or an
/// iterable of `(name, value)` pairs (tuples or 2-item lists). Every entry is passed on,
/// repeated names included: the core refuses a repeated `sid`/`timestamp`/`sign`
/// (code `duplicate_header`) and ignores other names.
pub(crate) fn header_pairs(headers: &Bound<'_, PyAny>) -> PyResult<Vec<(String, String)>> {
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
    module.add_function(wrap_pyfunction!(timestamp_now, module)?)?;
    module.add_class::<SecretKey>()?;
    Ok(())
}
