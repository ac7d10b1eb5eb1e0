//! What the server commands (`institution serve`, `sandbox`) share: the flags of the
//! server's limits (mapped to the library's `ServerLimits`, which enforces them), and a
//! log on standard error for the limits that fire.

use std::io::IsTerminal as _;
use std::time::Duration;

use clap::Args;
use glorycard_client::institution::ServerLimits;

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
/// `glorycard_client=debug`, …).
pub(crate) fn init_server_log() {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_env("GLORYCARD_LOG").unwrap_or_else(|_| EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        // A closed standard error must not stop the server: its failure would otherwise
        // be reported with eprintln!, which panics.
        .log_internal_errors(false)
        .try_init();
}
