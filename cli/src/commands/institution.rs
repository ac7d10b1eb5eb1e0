//! `glorycard institution serve`: the institution's side of the protocol (POST
//! /deductCheck) from an outbox, on the library's server.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Subcommand};
use glorycard_client::institution::{InstitutionEndpoint, Server, router, tls_acceptor_from_pem};
use glorycard_core::{Signer, Verifier};
use glorycard_durable::{Outbox, PostgresReplayCache};

use crate::shared::{
    Failure, KeyArgs, ServerLimitArgs, client_failure, durable_failure, existing, fail,
    init_server_log, runtime, say, wait_for_shutdown,
};

#[derive(Debug, Subcommand)]
pub(crate) enum InstitutionCommand {
    /// Serve POST /deductCheck (the platform's reconciliation call) from an outbox
    /// database, until Ctrl-C. HTTPS with --tls-cert and --tls-key; plain HTTP only on a
    /// loopback address with --http (behind a TLS-terminating proxy).
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The outbox the answers come from: a SQLite file, or a postgres:// URL (then every
    /// node's deductions answer, and the replay cache is shared in that database, so a
    /// call replayed to another node is refused).
    #[arg(
        long,
        value_name = "FILE|URL",
        env = "GLORYCARD_DB",
        hide_env_values = true
    )]
    db: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8444")]
    listen: SocketAddr,
    /// The sid the platform's calls carry (its key verifies them and signs the answers).
    #[arg(long, env = "GLORYCARD_SID")]
    sid: String,
    #[command(flatten)]
    key: KeyArgs,
    /// This institution's orgCode; calls for another are refused.
    #[arg(long, env = "GLORYCARD_ORG_CODE")]
    org_code: String,
    /// Serve plain HTTP (loopback addresses only).
    #[arg(long, conflicts_with_all = ["tls_cert", "tls_key"])]
    http: bool,
    /// The server's certificate chain (PEM).
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The server's private key (PEM).
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Allowed clock skew of the platform's calls, in seconds.
    #[arg(long, default_value_t = glorycard_core::DEFAULT_MAX_SKEW_SECONDS)]
    max_skew: u64,
    #[command(flatten)]
    limits: ServerLimitArgs,
}

pub(crate) fn institution(command: InstitutionCommand) -> Result<String, Failure> {
    let InstitutionCommand::Serve(args) = command;
    let tls = match (&args.tls_cert, &args.tls_key, args.http) {
        (Some(cert), Some(key), false) => Some(tls_acceptor(cert, key)?),
        (None, None, true) if args.listen.ip().is_loopback() => None,
        (None, None, true) => {
            return Err(fail(
                "config: plain HTTP is served only on a loopback address; pass --tls-cert and --tls-key",
            ));
        }
        _ => {
            return Err(fail(
                "config: pass --tls-cert and --tls-key (HTTPS), or --http on a loopback address",
            ));
        }
    };
    let limits = args.limits.limits()?;
    existing(&args.db, "glorycard outbox add --db creates it")?;
    let key = args.key.load()?;
    let outbox = Outbox::open(&args.db).map_err(durable_failure)?;
    let mut verifier = Verifier::builder()
        .key(args.sid.clone(), key.clone())
        .max_skew_seconds(args.max_skew)
        .replay_cache(1_000_000);
    if let Some(url) = args
        .db
        .to_str()
        .filter(|_| glorycard_durable::is_database_url(&args.db))
    {
        let shared = PostgresReplayCache::open(url).map_err(durable_failure)?;
        verifier = verifier.shared_replay_cache(Arc::new(shared));
    }
    let verifier = verifier.build()?;
    let endpoint = InstitutionEndpoint::new(
        verifier,
        Signer::new(args.sid, key),
        args.org_code,
        Arc::new(outbox),
    )
    .map_err(client_failure)?;
    let server = Server::new(router(endpoint), tls, limits).map_err(client_failure)?;
    let runtime = runtime()?;
    init_server_log();
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| fail(format!("cannot listen on {}: {e}", args.listen)))?;
        let address = listener
            .local_addr()
            .map_err(|e| fail(format!("listener: {e}")))?;
        let scheme = if args.http { "http" } else { "https" };
        say(format_args!(
            "glorycard institution: serving /deductCheck on {scheme}://{address} from {}",
            glorycard_durable::display_location(&args.db)
        ));
        server
            .serve_with_shutdown(listener, wait_for_shutdown())
            .await;
        say(format_args!("glorycard institution: stopped"));
        Ok(String::new())
    })
}

/// The TLS identity from `--tls-cert` and `--tls-key`: the files are read here (their
/// errors name the flag), the acceptor is the library's.
fn tls_acceptor(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> Result<tokio_rustls::TlsAcceptor, Failure> {
    let chain = std::fs::read(cert)
        .map_err(|e| fail(format!("config: --tls-cert {}: {e}", cert.display())))?;
    let private_key = std::fs::read(key)
        .map_err(|e| fail(format!("config: --tls-key {}: {e}", key.display())))?;
    tls_acceptor_from_pem(&chain, &private_key).map_err(|error| {
        fail(format!(
            "config: --tls-cert {} --tls-key {}: {error}",
            cert.display(),
            key.display()
        ))
    })
}
