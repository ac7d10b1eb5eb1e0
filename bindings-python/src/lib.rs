#![doc = include_str!("../README.md")]

mod body;
mod error;
mod models;
mod signing;
mod types;
mod verifier;

use pyo3::prelude::*;

/// The native module `glorycard._native`; the package `glorycard` re-exports it.
#[pymodule(name = "_native")]
fn native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    error::register(module)?;
    types::register(module)?;
    signing::register(module)?;
    verifier::register(module)?;
    models::register(module)?;
    Ok(())
}
