//! What the Rust layer logs, handed to the JVM (`org.glorycard.NativeLogging` forwards it
//! to SLF4J when SLF4J is on the class path).

use std::sync::Arc;

use glorycard_client::log_forwarding::{self, LogRecord, LogSink};
use tracing::Level;

/// A log event's level.
#[derive(uniffi::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    /// `ERROR`.
    Error,
    /// `WARN`.
    Warn,
    /// `INFO`.
    Info,
    /// `DEBUG`.
    Debug,
    /// `TRACE`.
    Trace,
}

/// Receives the events (implemented by the facade).
#[uniffi::export(with_foreign)]
pub trait LogListener: Send + Sync {
    /// One event: its level, the Rust module that logged, the line (never a key, certNo
    /// or certName).
    fn log(&self, level: LogLevel, target: String, message: String);
}

struct ForeignSink(Arc<dyn LogListener>);

impl LogSink for ForeignSink {
    fn log(&self, record: LogRecord) {
        let level = if record.level == Level::ERROR {
            LogLevel::Error
        } else if record.level == Level::WARN {
            LogLevel::Warn
        } else if record.level == Level::INFO {
            LogLevel::Info
        } else if record.level == Level::DEBUG {
            LogLevel::Debug
        } else {
            LogLevel::Trace
        };
        self.0.log(level, record.target, record.message);
    }
}

/// Sends every event to `listener` from now on; false when logging was already set up
/// (the first listener stays).
#[uniffi::export]
pub fn forward_logs(listener: Arc<dyn LogListener>) -> bool {
    log_forwarding::forward_logs_to(Arc::new(ForeignSink(listener)))
}
