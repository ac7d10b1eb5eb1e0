//! The commands that talk to a platform (`roster page`, `deduct`, `cancel`) and the one
//! that is a platform (`sandbox`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Subcommand};
use glorycard_client::{Client, ClientBuilder, ClientError, blocking};
use glorycard_core::SecretKey;
use glorycard_core::models::{Cancellation, Deduction, Validate as _};
use glorycard_sandbox::{Faults, Sandbox, SandboxConfig, Transport};

use crate::{Failure, KeyArgs, fail, read_body};

/// Where and as whom to connect. Each setting comes from its flag, else its `GLORYCARD_*`
/// environment variable, else `glorycard.toml` (in the current directory, or `--config`).
#[derive(Debug, Args)]
pub(crate) struct ConnectionArgs {
    /// The platform's base URL (the document's paths are appended).
    #[arg(long, env = "GLORYCARD_BASE_URL")]
    base_url: Option<String>,
    /// The account id the platform issued.
    #[arg(long, env = "GLORYCARD_SID")]
    sid: Option<String>,
    /// The institution's orgCode.
    #[arg(long, env = "GLORYCARD_ORG_CODE")]
    org_code: Option<String>,
    #[command(flatten)]
    key: KeyArgs,
    /// A PEM certificate to trust in addition to the system's roots (the sandbox's CA, a
    /// hospital CA).
    #[arg(long, value_name = "PEM", env = "GLORYCARD_CA_CERT")]
    ca_cert: Option<PathBuf>,
    /// Allow plain http:// for a loopback base URL (local testing only).
    #[arg(long, conflicts_with = "require_https")]
    allow_http: bool,
    /// Refuse plain http:// even if the settings file allows it.
    #[arg(long)]
    require_https: bool,
    /// Accept responses without signature headers (the document requires signed ones).
    #[arg(long, conflicts_with = "verify_responses")]
    accept_unsigned_responses: bool,
    /// Require signed responses even if the settings file accepts unsigned ones.
    #[arg(long)]
    verify_responses: bool,
    /// Settings file (default: ./glorycard.toml when it exists).
    #[arg(long, value_name = "PATH", env = "GLORYCARD_CONFIG")]
    config: Option<PathBuf>,
}

/// `glorycard.toml`: the same settings as the flags. The key itself is not accepted here,
/// only `key_file`, so that the settings file can be shared without the secret.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    /// The file these settings came from (none when there is no file).
    #[serde(skip)]
    source: Option<PathBuf>,
    base_url: Option<String>,
    sid: Option<String>,
    org_code: Option<String>,
    key_file: Option<PathBuf>,
    ca_cert: Option<PathBuf>,
    #[serde(default)]
    allow_http: bool,
    #[serde(default)]
    accept_unsigned_responses: bool,
}

fn load_settings(explicit: Option<&Path>) -> Result<FileSettings, Failure> {
    let path = match explicit {
        Some(path) => path.to_path_buf(),
        None => {
            let default = PathBuf::from("glorycard.toml");
            if !default.exists() {
                return Ok(FileSettings::default());
            }
            default
        }
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| fail(format!("config: cannot read {}: {e}", path.display())))?;
    let mut settings: FileSettings = toml::from_str(&text).map_err(|e| {
        let reason = e.message().to_owned();
        fail(format!("config: {}: {reason}", path.display()))
    })?;
    // Paths in the file are relative to the file, not to the current directory.
    let base = path.parent().unwrap_or(Path::new("."));
    for file in [&mut settings.key_file, &mut settings.ca_cert]
        .into_iter()
        .flatten()
    {
        if file.is_relative() {
            *file = base.join(&*file);
        }
    }
    settings.source = Some(path);
    Ok(settings)
}

/// A setting that weakens a check, switched on by the settings file alone: said on stderr,
/// because a `glorycard.toml` found in the current directory may not be the user's own.
fn warn_weakened(source: Option<&Path>, setting: &str, effect: &str, flag: &str) {
    let source = source.unwrap_or(Path::new("glorycard.toml"));
    crate::say(format_args!(
        "glorycard: warning: {} sets {setting} = true: {effect} (pass {flag} to refuse)",
        source.display()
    ));
}

impl ConnectionArgs {
    fn client(&self) -> Result<blocking::Client, Failure> {
        blocking::Client::from_builder(self.builder()?).map_err(client_failure)
    }

    /// The client's settings, for commands that run their own runtime (build the client
    /// inside it).
    pub(crate) fn builder(&self) -> Result<ClientBuilder, Failure> {
        let file = load_settings(self.config.as_deref())?;
        let base_url = self.base_url.clone().or(file.base_url).ok_or_else(|| {
            fail("config: no base URL: pass --base-url or set GLORYCARD_BASE_URL")
        })?;
        let sid = self
            .sid
            .clone()
            .or(file.sid)
            .ok_or_else(|| fail("config: no sid: pass --sid or set GLORYCARD_SID"))?;
        let org_code = self.org_code.clone().or(file.org_code).ok_or_else(|| {
            fail("config: no org code: pass --org-code or set GLORYCARD_ORG_CODE")
        })?;
        let key = match (&self.key.key, &self.key.key_file, &file.key_file) {
            (None, None, Some(path)) if std::env::var_os("GLORYCARD_KEY").is_none() => KeyArgs {
                key: None,
                key_file: Some(path.clone()),
            }
            .load()?,
            _ => self.key.load()?,
        };
        // The flags that restore a check win over the file; a file that weakens one is
        // named on stderr.
        let allow_http = !self.require_https && (self.allow_http || file.allow_http);
        if allow_http && !self.allow_http {
            warn_weakened(
                file.source.as_deref(),
                "allow_http",
                "plain http:// is allowed for a loopback base URL",
                "--require-https",
            );
        }
        let accept_unsigned = !self.verify_responses
            && (self.accept_unsigned_responses || file.accept_unsigned_responses);
        if accept_unsigned && !self.accept_unsigned_responses {
            warn_weakened(
                file.source.as_deref(),
                "accept_unsigned_responses",
                "answers without a signature are trusted",
                "--verify-responses",
            );
        }
        let mut builder = Client::builder(base_url)
            .sid(sid)
            .key(key)
            .org_code(org_code)
            .allow_http_for_loopback(allow_http)
            .accept_unsigned_responses(accept_unsigned);
        if let Some(path) = self.ca_cert.as_ref().or(file.ca_cert.as_ref()) {
            let pem = std::fs::read(path)
                .map_err(|e| fail(format!("config: cannot read {}: {e}", path.display())))?;
            builder = builder.add_root_certificate_pem(pem);
        }
        Ok(builder)
    }
}

/// Exit statuses of the network commands: 1 the platform refused (`platform_rejected`), or
/// its answer's signature did not verify or was missing; 3 a transport failure worth
/// retrying later (`timeout`, `connect`, `transport`, HTTP 429/5xx); 2 anything else.
pub(crate) fn client_failure(error: ClientError) -> Failure {
    let message = match &error {
        ClientError::PlatformRejected { .. } => error.to_string(),
        _ => format!("{}: {error}", error.code()),
    };
    let status = match &error {
        ClientError::PlatformRejected { .. }
        | ClientError::ResponseSignature { .. }
        | ClientError::UnsignedResponse { .. } => 1,
        ClientError::InvalidResponse { .. } => 2,
        _ if error.is_retryable() => 3,
        _ => 2,
    };
    Failure { message, status }
}

#[derive(Debug, Subcommand)]
pub(crate) enum RosterCommand {
    /// Print one store/all page (records with dataID greater than --after) as JSON lines.
    Page {
        #[command(flatten)]
        connection: ConnectionArgs,
        /// The largest dataID already synced (0 for the first page).
        #[arg(long, default_value_t = 0)]
        after: i64,
    },
    /// Bring a local replica of the roster up to date (resumes from its checkpoint; safe
    /// to interrupt at any moment). Shows progress when standard output is a terminal.
    Sync {
        #[command(flatten)]
        connection: ConnectionArgs,
        /// The replica database (created if missing).
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
    },
    /// Look a holder up in the local replica, without the network. Prints one JSON line
    /// per match with "match": "exact" or "partial" (the platform sent the number masked);
    /// exit 1 when nobody matches. Pass the query with --query (a file, or - for standard
    /// input): --cert-no and --name put personal data on the command line.
    Lookup {
        /// The replica database.
        #[arg(long, value_name = "FILE")]
        db: PathBuf,
        /// The query as JSON, {"certType":"0","certNo":"...","certName":"..."} (certType
        /// defaults to "0", certName is optional), read from FILE, or from standard input
        /// with -.
        #[arg(
            long,
            value_name = "FILE",
            required_unless_present = "cert_no",
            conflicts_with_all = ["cert_type", "cert_no", "name"]
        )]
        query: Option<PathBuf>,
        /// The certType code (0 resident ID card, ... 6 passport; default 0).
        #[arg(long)]
        cert_type: Option<String>,
        /// The identity document number. Visible to other users (ps, /proc) and kept in
        /// shell history: prefer --query.
        #[arg(long)]
        cert_no: Option<String>,
        /// The holder's name, needed to match a number the platform sent masked. Visible
        /// to other users (ps, /proc) and kept in shell history: prefer --query.
        #[arg(long, requires = "cert_no")]
        name: Option<String>,
    },
}

pub(crate) fn roster(command: RosterCommand) -> Result<String, Failure> {
    match command {
        RosterCommand::Page { connection, after } => {
            let client = connection.client()?;
            let page = client.roster_page(after).map_err(client_failure)?;
            let mut out = String::new();
            for record in page {
                let line = serde_json::to_string(&record)
                    .map_err(|e| fail(format!("serialization: {e}")))?;
                out.push_str(&line);
                out.push('\n');
            }
            Ok(out)
        }
        RosterCommand::Sync { connection, db } => crate::durable::roster_sync(connection, db),
        RosterCommand::Lookup {
            db,
            query,
            cert_type,
            cert_no,
            name,
        } => {
            let query = match (query, cert_no) {
                (Some(file), _) => crate::durable::LookupQuery::read(&file)?,
                (None, Some(cert_no)) => {
                    crate::durable::LookupQuery::from_flags(cert_type.as_deref(), cert_no, name)
                }
                (None, None) => {
                    return Err(fail("usage: pass --query FILE (or - for standard input)"));
                }
            };
            crate::durable::roster_lookup(db, query)
        }
    }
}

pub(crate) fn deduct(connection: ConnectionArgs, file: Option<PathBuf>) -> Result<String, Failure> {
    let body = read_body(&file)?;
    let deduction: Deduction = glorycard_core::models::from_json(&body)?;
    deduction.validate()?;
    let client = connection.client()?;
    let ack = client.deduct(&deduction).map_err(client_failure)?;
    Ok(format!(
        "deducted {}: {}\n",
        deduction.deduction_id, ack.response_message
    ))
}

pub(crate) fn cancel(
    connection: ConnectionArgs,
    deduction_id: String,
    time: Option<String>,
) -> Result<String, Failure> {
    let client = connection.client()?;
    let cancellation = Cancellation {
        org_code: client.as_async().org_code().to_owned(),
        deduction_id,
        cancel_time: time.unwrap_or_else(|| glorycard_core::Timestamp::now().to_datetime_string()),
    };
    cancellation.validate()?;
    let ack = client.cancel(&cancellation).map_err(client_failure)?;
    Ok(format!(
        "cancelled {}: {}\n",
        cancellation.deduction_id, ack.response_message
    ))
}

/// `glorycard sandbox`: a platform simulator on this machine.
#[derive(Debug, Args)]
pub(crate) struct SandboxArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8443")]
    listen: SocketAddr,
    /// The account id requests must carry.
    #[arg(long, env = "GLORYCARD_SID")]
    sid: String,
    #[command(flatten)]
    key: KeyArgs,
    /// The institution's orgCode (the default for reconciliation).
    #[arg(long, env = "GLORYCARD_ORG_CODE")]
    org_code: Option<String>,
    /// Holders in the synthetic roster.
    #[arg(long, default_value_t = 10_000)]
    holders: i64,
    /// Seed of the synthetic roster and of the faults.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Serve every N-th holder's certNo masked (331166*****777X), as the platform may.
    #[arg(long, value_name = "N", default_value_t = 0)]
    masked_every: u32,
    /// Serve plain HTTP instead of HTTPS (loopback addresses only).
    #[arg(long, conflicts_with = "cert_out")]
    http: bool,
    /// Write the PEM certificate clients must trust to this file (HTTPS).
    #[arg(long, value_name = "PEM")]
    cert_out: Option<PathBuf>,
    /// Keep deductions in this SQLite file (default: in memory).
    #[arg(long, value_name = "FILE")]
    db: Option<PathBuf>,
    /// Delay every platform answer by this many milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Share of requests answered HTTP 503 without being applied.
    #[arg(long, default_value_t = 0.0)]
    fail_rate: f64,
    /// Share of requests applied, then left without an answer (connection closed).
    #[arg(long, default_value_t = 0.0)]
    drop_rate: f64,
    /// Share of answers signed wrongly.
    #[arg(long, default_value_t = 0.0)]
    bad_sign_rate: f64,
    /// Allowed clock skew of requests, in seconds.
    #[arg(long, default_value_t = glorycard_core::DEFAULT_MAX_SKEW_SECONDS)]
    max_skew: u64,
    /// The institution's base URL, for GET /admin/reconcile.
    #[arg(long)]
    institution_url: Option<String>,
    /// A PEM certificate to trust when calling the institution over HTTPS.
    #[arg(long, value_name = "PEM", requires = "institution_url")]
    institution_ca: Option<PathBuf>,
    #[command(flatten)]
    limits: crate::limits::ServerLimitArgs,
}

pub(crate) fn sandbox(args: SandboxArgs) -> Result<String, Failure> {
    let key: SecretKey = args.key.load()?;
    let mut config = SandboxConfig::new(args.sid, key);
    config.listen = args.listen;
    config.holders = args.holders;
    config.seed = args.seed;
    config.masked_every = args.masked_every;
    config.transport = if args.http {
        Transport::Http
    } else {
        Transport::Https {
            ca_out: args.cert_out.clone(),
        }
    };
    config.db = args.db;
    config.faults = Faults {
        latency: Duration::from_millis(args.latency_ms),
        fail_rate: args.fail_rate,
        drop_rate: args.drop_rate,
        bad_sign_rate: args.bad_sign_rate,
        seed: args.seed,
    };
    config.max_skew_seconds = args.max_skew;
    config.institution_url = args.institution_url;
    if let Some(path) = &args.institution_ca {
        config.institution_ca_pem = Some(
            std::fs::read(path)
                .map_err(|e| fail(format!("cannot read {}: {e}", path.display())))?,
        );
    }
    config.org_code = args.org_code;
    config.limits = args.limits.limits()?;
    let runtime = crate::durable::runtime()?;
    crate::limits::init_server_log();
    runtime.block_on(async move {
        let sandbox = Sandbox::start(config)
            .await
            .map_err(|e| fail(format!("sandbox: {e}")))?;
        let trust = match &args.cert_out {
            Some(path) => format!(" (trust {})", path.display()),
            None if args.http => String::new(),
            None => " (pass --cert-out PEM to write the certificate clients must trust)".into(),
        };
        crate::say(format_args!(
            "glorycard sandbox: listening on {}{trust}",
            sandbox.url()
        ));
        wait_for_shutdown().await;
        sandbox.shutdown().await;
        crate::say(format_args!("glorycard sandbox: stopped"));
        Ok(String::new())
    })
}

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
