#![doc = include_str!("../README.md")]

mod body;
mod china_time;
mod client;
mod error;
mod exit;
mod guard;
mod institution;
mod ledger;
mod logging;
mod models;
mod outbox;
mod replica;
mod signing;
mod types;
mod verifier;

use pyo3::prelude::*;

/// The native module `glorycard._native`; the package `glorycard` re-exports it.
#[pymodule(name = "_native")]
fn native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    exit::register(module)?;
    logging::install();
    error::register(module)?;
    types::register(module)?;
    china_time::register(module)?;
    signing::register(module)?;
    verifier::register(module)?;
    models::register(module)?;
    module.add_class::<client::Client>()?;
    module.add_class::<client::AsyncClient>()?;
    module.add_class::<client::AckResponse>()?;
    module.add_class::<client::RosterPages>()?;
    module.add_class::<ledger::Outbox>()?;
    module.add_class::<institution::DeductCheckHandler>()?;
    module.add_class::<replica::Replica>()?;
    module.add_class::<replica::HolderMatch>()?;
    module.add_class::<glorycard_durable::Enqueued>()?;
    module.add_class::<glorycard_durable::OutboxStatus>()?;
    module.add_class::<glorycard_durable::RejectedItem>()?;
    module.add_class::<glorycard_durable::DrainReport>()?;
    module.add_class::<glorycard_durable::SyncProgress>()?;
    module.add_class::<glorycard_durable::MatchKind>()?;
    Ok(())
}
