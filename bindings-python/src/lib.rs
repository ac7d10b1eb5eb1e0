#![doc = include_str!("../README.md")]

mod body;
mod errors;
mod models;
mod signing;

use pyo3::prelude::*;
use pyo3::types::PyString;

/// Python's `repr` of a string (quotes and escapes as Python writes them).
pub(crate) fn py_repr(py: Python<'_>, text: &str) -> PyResult<String> {
    Ok(PyString::new(py, text).repr()?.to_cow()?.into_owned())
}

/// The native module `glorycard._native`; the package `glorycard` re-exports it.
#[pymodule(name = "_native")]
fn native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    errors::register(module)?;
    signing::register(module)?;
    models::register(module)?;
    Ok(())
}
