//! The outbox as Python holds it: the class alone, its methods in `outbox.rs`, so that the
//! client can take one as its ledger (`record_in=`) and the outbox can take a client to
//! drain through, without the two modules importing each other.

use glorycard_durable as durable;
use pyo3::prelude::*;

/// A durable queue of deductions and cancellations for the platform, in one SQLite file.
#[pyclass(module = "glorycard", frozen, subclass)]
pub(crate) struct Outbox(pub(crate) durable::Outbox);
