//! The runtime of the commands that serve or run many calls, their shutdown signal, and
//! the progress line and figures they print.

use std::io::{IsTerminal as _, Write as _};
use std::time::{Duration, Instant};

use super::output::{Failure, fail};

/// The runtime of the commands that serve or run many calls: two workers (the machines
/// these run on are small; the work is I/O).
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| fail(format!("tokio runtime: {e}")))
}

/// A one-line progress display, redrawn at most ten times a second, on standard output
/// only when it is a terminal (so logs and pipes get just the final line).
pub(crate) struct ProgressLine {
    enabled: bool,
    last_drawn: Option<Instant>,
}

impl ProgressLine {
    pub(crate) fn new() -> Self {
        Self {
            enabled: std::io::stdout().is_terminal(),
            last_drawn: None,
        }
    }

    pub(crate) fn draw(&mut self, text: impl FnOnce() -> String) {
        if !self.enabled
            || self
                .last_drawn
                .is_some_and(|at| at.elapsed() < Duration::from_millis(100))
        {
            return;
        }
        self.last_drawn = Some(Instant::now());
        let mut stdout = std::io::stdout().lock();
        let _ = write!(stdout, "\r\x1b[2K{}", text());
        let _ = stdout.flush();
    }

    pub(crate) fn clear(&mut self) {
        if self.enabled && self.last_drawn.is_some() {
            let mut stdout = std::io::stdout().lock();
            let _ = write!(stdout, "\r\x1b[2K");
            let _ = stdout.flush();
        }
    }
}

/// Commands that read a store refuse a missing file instead of creating an empty one (a
/// mistyped path would otherwise look like an empty outbox or replica). A `postgres://`
/// URL names a database the server must already have.
pub(crate) fn existing(db: &std::path::Path, hint: &str) -> Result<(), Failure> {
    if glorycard_durable::is_database_url(db) || db.exists() {
        Ok(())
    } else {
        Err(fail(format!(
            "storage: {} does not exist ({hint})",
            glorycard_durable::display_location(db)
        )))
    }
}

/// `12345678` → `12,345,678` (counts are `u64`, or `i64` where the JVM sees them).
pub(crate) fn grouped(value: impl Into<i128>) -> String {
    let value = value.into();
    let digits = value.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if value < 0 {
        out.push('-');
    }
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Waits for Ctrl-C or, on Unix, SIGTERM.
pub(crate) async fn wait_for_shutdown() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut terminate) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = interrupt => {}
                _ = terminate.recv() => {}
            }
            return;
        }
    }
    let _ = interrupt.await;
}
