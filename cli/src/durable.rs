//! The commands over the durable stores: `roster sync`, `roster lookup`, `outbox ...` and
//! `institution serve`.

use std::io::{IsTerminal as _, Write as _};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Args, Subcommand};
use glorycard_client::institution::{InstitutionEndpoint, Server, router};
use glorycard_client::{
    DrainOptions, DrainReport, MatchKind, Outbox, OutboxEntry, Replica, SyncProgress,
};
use glorycard_core::models::{self, CertType};
use glorycard_core::{Signer, Verifier};

use crate::net::{ConnectionArgs, client_failure};
use crate::{Failure, KeyArgs, fail, read_body};

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
struct ProgressLine {
    enabled: bool,
    last_drawn: Option<Instant>,
}

impl ProgressLine {
    fn new() -> Self {
        Self {
            enabled: std::io::stdout().is_terminal(),
            last_drawn: None,
        }
    }

    fn draw(&mut self, text: impl FnOnce() -> String) {
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

    fn clear(&mut self) {
        if self.enabled && self.last_drawn.is_some() {
            let mut stdout = std::io::stdout().lock();
            let _ = write!(stdout, "\r\x1b[2K");
            let _ = stdout.flush();
        }
    }
}

/// Commands that read a store refuse a missing file instead of creating an empty one (a
/// mistyped path would otherwise look like an empty outbox or replica).
fn existing(db: &std::path::Path, hint: &str) -> Result<(), Failure> {
    if db.exists() {
        Ok(())
    } else {
        Err(fail(format!(
            "storage: {} does not exist ({hint})",
            db.display()
        )))
    }
}

/// `12345678` → `12,345,678`.
fn grouped(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

fn sync_line(progress: &SyncProgress) -> String {
    format!(
        "{} records · {} records/s · {} pages · checkpoint {}",
        grouped(progress.records),
        grouped(progress.records_per_second() as u64),
        grouped(progress.pages),
        progress.checkpoint
    )
}

/// `glorycard roster sync`.
pub(crate) fn roster_sync(connection: ConnectionArgs, db: PathBuf) -> Result<String, Failure> {
    let builder = connection.builder()?;
    let replica = Replica::open(&db).map_err(client_failure)?;
    let runtime = runtime()?;
    let mut line = ProgressLine::new();
    let result = runtime.block_on(async {
        let client = builder.build()?;
        replica
            .sync_with_progress(&client, |progress| line.draw(|| sync_line(progress)))
            .await
    });
    line.clear();
    let progress = result.map_err(client_failure)?;
    let total = replica.len().map_err(client_failure)?;
    Ok(format!(
        "synced {}; the replica holds {} holders\n",
        sync_line(&progress),
        grouped(total)
    ))
}

/// Whom `roster lookup` looks for. It arrives as JSON in a file or on standard input, so
/// that the number and the name stay out of the process list and shell history.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LookupQuery {
    #[serde(rename = "certType", default = "resident_id")]
    cert_type: CertType,
    #[serde(rename = "certNo")]
    cert_no: String,
    #[serde(rename = "certName", default)]
    cert_name: Option<String>,
}

fn resident_id() -> CertType {
    CertType::ResidentId
}

impl LookupQuery {
    /// Reads the query from `file` (`-`: standard input). Errors name the problem, never
    /// a value: the core's parser redacts them.
    pub(crate) fn read(file: &std::path::Path) -> Result<Self, Failure> {
        let body = read_body(&Some(file.to_path_buf()))?;
        models::from_json(&body).map_err(|e| {
            let failure = Failure::from(e);
            fail(format!("the lookup query: {}", failure.message))
        })
    }

    /// The query of `--cert-type`, `--cert-no` and `--name`.
    pub(crate) fn from_flags(
        cert_type: Option<&str>,
        cert_no: String,
        name: Option<String>,
    ) -> Self {
        Self {
            cert_type: cert_type.map_or(CertType::ResidentId, CertType::from_code),
            cert_no,
            cert_name: name,
        }
    }
}

/// `glorycard roster lookup`: one JSON line per match; status 1 when nobody matches.
pub(crate) fn roster_lookup(db: PathBuf, query: LookupQuery) -> Result<String, Failure> {
    existing(&db, "run glorycard roster sync --db first")?;
    let replica = Replica::open(&db).map_err(client_failure)?;
    let matches = replica
        .lookup(&query.cert_type, &query.cert_no, query.cert_name.as_deref())
        .map_err(client_failure)?;
    if matches.is_empty() {
        return Err(Failure {
            message: "not_found: no holder with this identity document in the replica".into(),
            status: 1,
        });
    }
    let mut out = String::new();
    for found in matches {
        let mut value =
            serde_json::to_value(&found.record).map_err(|e| fail(format!("serialization: {e}")))?;
        if let Some(object) = value.as_object_mut() {
            object.insert("match".into(), found.kind.as_str().into());
            if found.kind == MatchKind::Partial {
                object.insert(
                    "note".into(),
                    "the platform sent this number masked: its visible characters and the name matched"
                        .into(),
                );
            }
        }
        out.push_str(&value.to_string());
        out.push('\n');
    }
    Ok(out)
}

#[derive(Debug, Subcommand)]
pub(crate) enum OutboxCommand {
    /// Validate every deduction and cancellation in FILE, then commit them all durably
    /// (or none). FILE holds JSON objects in wire names, one after another (JSON lines):
    /// an object with certNo is a deduction, one with only orgCode, deductionID and
    /// deductionTime a cancellation.
    Add {
        /// The outbox database.
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        /// The records (default: standard input).
        file: Option<PathBuf>,
    },
    /// Deliver every pending item. Exit 0 when all were accepted, 1 when the platform
    /// refused some (see `outbox status`), 3 when some are still pending (unreachable).
    Drain {
        #[command(flatten)]
        connection: ConnectionArgs,
        /// The outbox database.
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        /// Calls in flight at once.
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        /// Give up, leaving items pending, after this many seconds without delivering one.
        #[arg(long, value_name = "SECONDS", default_value_t = 120)]
        patience: u64,
    },
    /// Move refused items back to pending for the next drain (after a refusal known to be
    /// temporary, or once its cause was mended). Items are named by their number in
    /// `outbox status`.
    Requeue {
        /// The outbox database.
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        /// The items' numbers (`rejected #N` in `outbox status`).
        #[arg(required = true)]
        items: Vec<i64>,
    },
    /// Count the items in each state and list the refused ones with the platform's message.
    Status {
        /// The outbox database.
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Reads the entries of `outbox add`: a stream of JSON objects.
fn read_entries(body: &[u8]) -> Result<Vec<OutboxEntry>, Failure> {
    const DEDUCTION_ONLY: [&str; 7] = [
        "certType",
        "certNo",
        "certName",
        "totalFee",
        "deductionFee",
        "gloryType",
        "deductionType",
    ];
    let mut entries = Vec::new();
    let stream = serde_json::Deserializer::from_slice(body).into_iter::<serde_json::Value>();
    for (index, value) in stream.enumerate() {
        let number = index + 1;
        let value = value.map_err(|e| {
            fail(format!(
                "invalid_json: record {number}: line {} column {}",
                e.line(),
                e.column()
            ))
        })?;
        let Some(object) = value.as_object() else {
            return Err(fail(format!(
                "invalid_json: record {number} is not an object"
            )));
        };
        let is_deduction = DEDUCTION_ONLY.iter().any(|key| object.contains_key(*key));
        // Re-serialized so that the core's redacting parser reports errors (a serde
        // message can quote a certNo).
        let text = value.to_string();
        let entry = if is_deduction {
            models::from_json(text.as_bytes()).map(OutboxEntry::Deduction)
        } else {
            models::from_json(text.as_bytes()).map(OutboxEntry::Cancellation)
        };
        entries.push(entry.map_err(|e| {
            let failure = Failure::from(e);
            fail(format!("record {number}: {}", failure.message))
        })?);
    }
    Ok(entries)
}

pub(crate) fn outbox(command: OutboxCommand) -> Result<String, Failure> {
    match command {
        OutboxCommand::Add { db, file } => {
            let entries = read_entries(&read_body(&file)?)?;
            let outbox = Outbox::open(&db).map_err(client_failure)?;
            let enqueued = outbox.enqueue_all(&entries).map_err(client_failure)?;
            let added = enqueued.iter().filter(|e| e.newly_added).count();
            Ok(format!(
                "enqueued {added} new item(s), {} already in the outbox; committed to {}\n",
                enqueued.len() - added,
                db.display()
            ))
        }
        OutboxCommand::Drain {
            connection,
            db,
            concurrency,
            patience,
        } => drain(connection, db, concurrency, patience),
        OutboxCommand::Requeue { db, items } => {
            existing(&db, "glorycard outbox add --db creates it")?;
            let outbox = Outbox::open(&db).map_err(client_failure)?;
            let mut out = String::new();
            for seq in items {
                if !outbox.requeue(seq).map_err(client_failure)? {
                    return Err(fail(format!(
                        "{out}not_found: item {seq} is not a rejected item of {}",
                        db.display()
                    )));
                }
                out.push_str(&format!("requeued #{seq}\n"));
            }
            Ok(out)
        }
        OutboxCommand::Status { db, json } => {
            existing(&db, "glorycard outbox add --db creates it")?;
            let outbox = Outbox::open(&db).map_err(client_failure)?;
            let status = outbox.status().map_err(client_failure)?;
            let rejected = outbox.rejected().map_err(client_failure)?;
            if json {
                let value = serde_json::json!({ "status": status, "rejected": rejected });
                return Ok(format!("{value}\n"));
            }
            let mut out = format!(
                "pending {}, acknowledged {}, rejected {}\n",
                status.pending, status.acknowledged, status.rejected
            );
            if let Some(oldest) = &status.oldest_pending {
                out.push_str(&format!("oldest pending item enqueued at {oldest}\n"));
            }
            for item in rejected {
                out.push_str(&format!(
                    "rejected #{} {} {}: {}\n",
                    item.seq, item.kind, item.deduction_id, item.message
                ));
            }
            Ok(out)
        }
    }
}

fn drain_line(report: &DrainReport) -> String {
    format!(
        "{} acknowledged · {} rejected · {} failed calls retried",
        grouped(report.acknowledged),
        grouped(report.rejected),
        grouped(report.failed_calls)
    )
}

fn drain(
    connection: ConnectionArgs,
    db: PathBuf,
    concurrency: usize,
    patience: u64,
) -> Result<String, Failure> {
    existing(&db, "glorycard outbox add --db creates it")?;
    let builder = connection.builder()?;
    let outbox = Outbox::open(&db).map_err(client_failure)?;
    let options = DrainOptions::default()
        .concurrency(concurrency)
        .patience(Duration::from_secs(patience));
    let runtime = runtime()?;
    let mut line = ProgressLine::new();
    let result = runtime.block_on(async {
        let client = builder.build()?;
        outbox
            .drain_with(&client, &options, |report| line.draw(|| drain_line(report)))
            .await
    });
    line.clear();
    let report = result.map_err(client_failure)?;
    let summary = format!(
        "drained: {}; {} pending",
        drain_line(&report),
        report.pending
    );
    if report.gave_up {
        return Err(Failure {
            message: format!(
                "{summary}: gave up after {patience} s without delivering an item; last failure: {}",
                report.last_failure.as_deref().unwrap_or("none")
            ),
            status: 3,
        });
    }
    if report.rejected > 0 {
        return Err(Failure {
            message: format!(
                "platform_rejected: {summary}: see glorycard outbox status --db {}",
                db.display()
            ),
            status: 1,
        });
    }
    Ok(format!("{summary}\n"))
}

#[derive(Debug, Subcommand)]
pub(crate) enum InstitutionCommand {
    /// Serve POST /deductCheck (the platform's reconciliation call) from an outbox
    /// database, until Ctrl-C. HTTPS with --tls-cert and --tls-key; plain HTTP only on a
    /// loopback address with --http (behind a TLS-terminating proxy).
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The outbox database the answers come from.
    #[arg(long, value_name = "FILE")]
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
    limits: crate::limits::ServerLimitArgs,
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
    let outbox = Outbox::open(&args.db).map_err(client_failure)?;
    let verifier = Verifier::builder()
        .key(args.sid.clone(), key.clone())
        .max_skew_seconds(args.max_skew)
        .replay_cache(1_000_000)
        .build()?;
    let endpoint = InstitutionEndpoint::new(
        verifier,
        Signer::new(args.sid, key),
        args.org_code,
        Arc::new(outbox),
    )
    .map_err(client_failure)?;
    let server = Server::new(router(endpoint), tls, limits).map_err(client_failure)?;
    let runtime = runtime()?;
    crate::limits::init_server_log();
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| fail(format!("cannot listen on {}: {e}", args.listen)))?;
        let address = listener
            .local_addr()
            .map_err(|e| fail(format!("listener: {e}")))?;
        let scheme = if args.http { "http" } else { "https" };
        crate::say(format_args!(
            "glorycard institution: serving /deductCheck on {scheme}://{address} from {}",
            args.db.display()
        ));
        server
            .serve_with_shutdown(listener, crate::net::wait_for_shutdown())
            .await;
        crate::say(format_args!("glorycard institution: stopped"));
        Ok(String::new())
    })
}

fn tls_acceptor(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> Result<tokio_rustls::TlsAcceptor, Failure> {
    use rustls::pki_types::pem::PemObject as _;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| fail(format!("config: --tls-cert {}: {e}", cert.display())))?;
    if chain.is_empty() {
        return Err(fail(format!(
            "config: --tls-cert {} holds no certificate",
            cert.display()
        )));
    }
    let private_key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| fail(format!("config: --tls-key {}: {e}", key.display())))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|builder| {
            builder
                .with_no_client_auth()
                .with_single_cert(chain, private_key)
        })
        .map_err(|e| fail(format!("config: TLS: {e}")))?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}
