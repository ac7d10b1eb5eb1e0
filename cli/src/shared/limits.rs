//! What the server commands (`institution serve`, `sandbox`) share: the flags of the
//! server's limits (mapped to the library's `ServerLimits`, which enforces them), and a
//! log on standard error for the limits that fire.

use std::io::IsTerminal as _;
use std::time::Duration;

use clap::Args;
use glorycard_client::institution::ServerLimits;
use tracing_subscriber::EnvFilter;

use super::output::{Failure, fail};

/// The server's timeouts, connection cap and request size limits.
#[derive(Debug, Args)]
pub(crate) struct ServerLimitArgs {
    /// Seconds a client has to send a whole request head (request line and headers).
    #[arg(long, value_name = "SECONDS", default_value_t = ServerLimits::default().header_read_timeout.as_secs())]
    header_timeout: u64,
    /// Seconds a client has to finish the TLS handshake.
    #[arg(long, value_name = "SECONDS", default_value_t = ServerLimits::default().tls_handshake_timeout.as_secs())]
    handshake_timeout: u64,
    /// Seconds a connection may stay without a byte moving while no request is being
    /// worked on.
    #[arg(long, value_name = "SECONDS", default_value_t = ServerLimits::default().idle_timeout.as_secs())]
    idle_timeout: u64,
    /// Connections served at once; further ones wait in the listen backlog.
    #[arg(long, value_name = "N", default_value_t = ServerLimits::default().max_connections)]
    max_connections: usize,
    /// Largest request body accepted (larger: HTTP 413).
    #[arg(long, value_name = "BYTES", default_value_t = ServerLimits::default().max_body_bytes)]
    max_body_bytes: usize,
    /// Largest request head accepted (larger: HTTP 431).
    #[arg(long, value_name = "BYTES", default_value_t = ServerLimits::default().max_header_bytes)]
    max_header_bytes: usize,
    /// Seconds requests in progress may take to finish after Ctrl-C or SIGTERM.
    #[arg(long, value_name = "SECONDS", default_value_t = ServerLimits::default().shutdown_grace.as_secs())]
    shutdown_grace: u64,
}

impl ServerLimitArgs {
    /// The limits, refused with the library's reason when unusable (a zero timeout…).
    pub(crate) fn limits(&self) -> Result<ServerLimits, Failure> {
        let limits = ServerLimits {
            header_read_timeout: Duration::from_secs(self.header_timeout),
            tls_handshake_timeout: Duration::from_secs(self.handshake_timeout),
            idle_timeout: Duration::from_secs(self.idle_timeout),
            max_connections: self.max_connections,
            max_body_bytes: self.max_body_bytes,
            max_header_bytes: self.max_header_bytes,
            shutdown_grace: Duration::from_secs(self.shutdown_grace),
        };
        limits
            .validate()
            .map_err(|e| fail(format!("config: {e}")))?;
        Ok(limits)
    }
}

/// Logs on standard error what the servers report (limits that fired, refused requests;
/// never personal data): `warn` and worse, or what `GLORYCARD_LOG` asks (`info`,
/// `glorycard_client=debug`, …), except the debug lines of the libraries that log personal
/// data there (see [`PERSONAL_DATA_TARGETS`]), whatever is asked.
pub(crate) fn init_server_log() {
    use tracing_subscriber::util::SubscriberInitExt as _;
    let requested =
        EnvFilter::try_from_env("GLORYCARD_LOG").unwrap_or_else(|_| EnvFilter::new("warn"));
    let _ = server_log(requested, std::io::stderr, std::io::stderr().is_terminal()).try_init();
}

/// Libraries whose debug lines carry personal data: tokio-postgres logs every statement
/// with its parameters (ID numbers, names, bodies). They are cut at `info`.
const PERSONAL_DATA_TARGETS: &[&str] = &["tokio_postgres", "postgres"];

/// True unless the event is a debug or trace line of a [`PERSONAL_DATA_TARGETS`] library.
fn free_of_personal_data(metadata: &tracing::Metadata<'_>) -> bool {
    *metadata.level() <= tracing::Level::INFO
        || !PERSONAL_DATA_TARGETS.iter().any(|capped| {
            metadata
                .target()
                .strip_prefix(capped)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
        })
}

/// The servers' subscriber: `requested`, then the cap on [`PERSONAL_DATA_TARGETS`] (a
/// filter of its own, so that no directive, `tokio_postgres::query=trace` included, can
/// lift it).
fn server_log<W>(
    requested: EnvFilter,
    writer: W,
    ansi: bool,
) -> impl tracing::Subscriber + Send + Sync + 'static
where
    W: for<'writer> tracing_subscriber::fmt::MakeWriter<'writer> + Send + Sync + 'static,
{
    use tracing_subscriber::layer::SubscriberExt as _;
    tracing_subscriber::registry()
        .with(requested)
        .with(tracing_subscriber::filter::filter_fn(free_of_personal_data))
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(writer)
                .with_ansi(ansi)
                // A closed standard error must not stop the server: its failure would
                // otherwise be reported with eprintln!, which panics.
                .log_internal_errors(false),
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// What the servers' log writes when `requested` is the filter asked for.
    fn logged(requested: &str) -> String {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = server_log(EnvFilter::new(requested), move || writer.clone(), false);
        tracing::subscriber::with_default(subscriber, || {
            tracing::debug!(
                target: "tokio_postgres::query",
                "executing statement s1 with parameters: [\"11010519491231002X\", \"张小凡\"]"
            );
            tracing::trace!(target: "tokio_postgres", "11010519491231002X");
            tracing::debug!(target: "postgres", "11010519491231002X");
            tracing::info!(target: "tokio_postgres::connection", "a notice kept");
            tracing::debug!(target: "glorycard_client::client", "a debug line kept");
            tracing::debug!(target: "tokio_postgres_rustls", "another crate kept");
        });
        String::from_utf8(captured.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn a_debug_filter_never_lets_tokio_postgres_statements_through() {
        for requested in [
            "debug",
            "trace",
            "tokio_postgres=debug",
            "tokio_postgres::query=trace,debug",
            "warn,tokio_postgres=trace",
        ] {
            let log = logged(requested);
            assert!(!log.contains("11010519491231002X"), "{requested}: {log}");
            assert!(!log.contains("张小凡"), "{requested}: {log}");
        }
        let log = logged("debug");
        assert!(log.contains("a notice kept"), "{log}");
        assert!(log.contains("a debug line kept"), "{log}");
        assert!(log.contains("another crate kept"), "{log}");
        assert!(!logged("warn").contains("kept"));
    }
}
