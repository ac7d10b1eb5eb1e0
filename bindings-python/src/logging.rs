//! What the Rust layer logs, handed to Python's `logging` under the `glorycard` logger
//! (`glorycard.glorycard_client.client`, …): never a key, a certNo or a certName.

use std::sync::Arc;

use glorycard_client::log_forwarding::{self, LogRecord, LogSink};
use pyo3::prelude::*;

/// Python's numeric level of a `tracing` level.
fn python_level(level: tracing::Level) -> u8 {
    match level {
        tracing::Level::ERROR => 40,
        tracing::Level::WARN => 30,
        tracing::Level::INFO => 20,
        tracing::Level::DEBUG => 10,
        _ => 5,
    }
}

struct PythonLogging;

impl LogSink for PythonLogging {
    fn log(&self, record: LogRecord) {
        // Called on the thread that logged (a runtime worker, or the caller); a failure to
        // log must not fail the call, so it is dropped, as is a record logged at exit.
        crate::exit::attach(|py| {
            let _ = emit(py, &record);
        });
    }
}

fn emit(py: Python<'_>, record: &LogRecord) -> PyResult<()> {
    let name = format!("glorycard.{}", record.target.replace("::", "."));
    let logger = py.import("logging")?.call_method1("getLogger", (name,))?;
    let level = python_level(record.level);
    if logger.call_method1("isEnabledFor", (level,))?.is_truthy()? {
        logger.call_method1("log", (level, record.message.as_str()))?;
    }
    Ok(())
}

/// Forwards the Rust layer's log to Python's `logging` from now on (when the module is
/// imported; a host that installed its own `tracing` subscriber keeps it).
pub(crate) fn install() {
    log_forwarding::forward_logs_to(Arc::new(PythonLogging));
}
