//! Bodies from Python values: `bytes` and `str` are signed as they are; a `dict` or
//! `list` is written as JSON text by the core's [`JsonWriter`] (spec/canonical-form.md
//! section 3), which owns escaping, number spelling, the nesting limit and error paths.

use glorycard_core::JsonWriter;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::pybacked::{PyBackedBytes, PyBackedStr};
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType,
};

use crate::error::CoreResult;

/// Bodies at least this long are hashed with the GIL released, so other Python threads
/// run meanwhile; shorter ones are done before a thread switch would pay for itself.
pub(crate) const DETACH_THRESHOLD: usize = 8 * 1024;

/// The exact bytes of a body, borrowed from the Python object where possible.
pub(crate) enum Body {
    /// A `bytes` object, borrowed.
    Bytes(PyBackedBytes),
    /// A `str`, as UTF-8.
    Text(PyBackedStr),
    /// Bytes made here: a copy of a `bytearray`, JSON written from a `dict`/`list`, or a
    /// `str` holding lone surrogates encoded so that the core can name the offset.
    Owned(Vec<u8>),
}

impl Body {
    /// The bytes to canonicalize and sign.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        match self {
            Body::Bytes(bytes) => bytes,
            Body::Text(text) => text.as_bytes(),
            Body::Owned(bytes) => bytes,
        }
    }

    /// Runs `work` on the bytes, with the GIL released when the body is long.
    pub(crate) fn with_bytes<T, F>(&self, py: Python<'_>, work: F) -> T
    where
        F: FnOnce(&[u8]) -> T + Send,
        T: Send,
    {
        let bytes = self.as_bytes();
        if bytes.len() >= DETACH_THRESHOLD {
            py.detach(|| work(bytes))
        } else {
            work(bytes)
        }
    }
}

/// Accepts `str`, `bytes`, `bytearray`, `dict` or `list`/`tuple` as a body.
pub(crate) fn extract_body(value: &Bound<'_, PyAny>) -> PyResult<Body> {
    if let Ok(bytes) = value.cast::<PyBytes>() {
        return Ok(Body::Bytes(bytes.extract()?));
    }
    if let Ok(text) = value.cast::<PyString>() {
        return match text.extract::<PyBackedStr>() {
            Ok(text) => Ok(Body::Text(text)),
            // Lone surrogates: pass the bytes on, the core reports invalid_utf8 at the offset.
            Err(_) => Ok(Body::Owned(
                text.call_method1("encode", ("utf-8", "surrogatepass"))?
                    .extract::<Vec<u8>>()?,
            )),
        };
    }
    if let Ok(array) = value.cast::<PyByteArray>() {
        return Ok(Body::Owned(array.to_vec()));
    }
    if value.is_instance_of::<PyDict>()
        || value.is_instance_of::<PyList>()
        || value.is_instance_of::<PyTuple>()
    {
        return to_json(value).map(|text| Body::Owned(text.into_bytes()));
    }
    Err(PyTypeError::new_err(format!(
        "body must be str, bytes, bytearray, dict or list, not {}",
        type_name(value)
    )))
}

/// Writes a `dict`/`list` tree as JSON text through the core's writer.
pub(crate) fn to_json(value: &Bound<'_, PyAny>) -> PyResult<String> {
    let py = value.py();
    let mut writer = JsonWriter::new();
    write_value(&mut writer, value)?;
    writer.finish().py_err(py)
}

fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map(|name| name.to_string())
        .unwrap_or_else(|_| "an unknown type".to_string())
}

static DECIMAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();

fn write_value(writer: &mut JsonWriter, value: &Bound<'_, PyAny>) -> PyResult<()> {
    let py = value.py();
    if let Ok(text) = value.cast::<PyString>() {
        let text = match text.to_cow() {
            Ok(text) => text,
            Err(_) => {
                return Err(
                    writer.invalid_value("a str with a lone surrogate is not valid Unicode")
                )
                .py_err(py);
            }
        };
        return writer.string(&text).py_err(py);
    }
    if value.is_none() {
        return writer.null().py_err(py);
    }
    // bool before int: True is an int in Python.
    if let Ok(flag) = value.cast::<PyBool>() {
        return writer.bool(flag.is_true()).py_err(py);
    }
    if let Ok(int) = value.cast::<PyInt>() {
        if let Ok(small) = int.extract::<i64>() {
            return writer.integer(small).py_err(py);
        }
        // Any size: int's own decimal digits (also for int subclasses such as IntEnum).
        let digits = match py.get_type::<PyInt>().call_method1("__repr__", (int,)) {
            Ok(digits) => digits.extract::<String>()?,
            Err(_) => {
                return Err(writer.invalid_value("an integer too large to write in decimal"))
                    .py_err(py);
            }
        };
        return writer.decimal(&digits).py_err(py);
    }
    if let Ok(float) = value.cast::<PyFloat>() {
        return writer.float(float.value()).py_err(py);
    }
    if let Ok(dict) = value.cast::<PyDict>() {
        writer.begin_object().py_err(py)?;
        // A snapshot of the items: a dict changed meanwhile cannot upset the walk.
        for item in dict.items().iter() {
            let (key, member) = item.extract::<(Bound<'_, PyAny>, Bound<'_, PyAny>)>()?;
            let Ok(key) = key.cast::<PyString>() else {
                return Err(PyTypeError::new_err(format!(
                    "a key of type {} in the object at {}: JSON keys are str",
                    type_name(&key),
                    writer.path()
                )));
            };
            let Ok(key) = key.to_cow() else {
                return Err(
                    writer.invalid_value("a key with a lone surrogate is not valid Unicode")
                )
                .py_err(py);
            };
            writer.key(&key).py_err(py)?;
            write_value(writer, &member)?;
        }
        return writer.end_object().py_err(py);
    }
    if let Ok(list) = value.cast::<PyList>() {
        writer.begin_array().py_err(py)?;
        for element in list.iter() {
            write_value(writer, &element)?;
        }
        return writer.end_array().py_err(py);
    }
    if let Ok(tuple) = value.cast::<PyTuple>() {
        writer.begin_array().py_err(py)?;
        for element in tuple.iter() {
            write_value(writer, &element)?;
        }
        return writer.end_array().py_err(py);
    }
    let decimal = DECIMAL.import(py, "decimal", "Decimal")?;
    if value.is_instance(decimal)? {
        // Decimal's exact text (`10.00`, `1E+2`); NaN and infinities are refused by the writer.
        let text = value.str()?;
        return writer.decimal(&text.to_cow()?).py_err(py);
    }
    Err(PyTypeError::new_err(format!(
        "a value of type {} at {} has no JSON form (use str, int, float, decimal.Decimal, \
         bool, None, dict or list)",
        type_name(value),
        writer.path()
    )))
}
