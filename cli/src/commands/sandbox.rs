//! `glorycard sandbox`: a platform simulator on this machine, until Ctrl-C.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use glorycard_core::SecretKey;
use glorycard_sandbox::{AdminToken, Faults, Sandbox, SandboxConfig, Transport};

use crate::shared::{
    Failure, KeyArgs, ServerLimitArgs, fail, init_server_log, runtime, say, wait_for_shutdown,
};

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
    /// Lets a peer other than loopback use /admin/* when it sends `Authorization: Bearer
    /// TOKEN` (masked data only; unmasked=true stays loopback's). Without it, /admin/*
    /// answers loopback peers only. Prefer the environment variable: the command line is
    /// visible to other users.
    #[arg(long, value_name = "TOKEN", env = "GLORYCARD_SANDBOX_ADMIN_TOKEN",
          hide_env_values = true, value_parser = parse_admin_token)]
    admin_token: Option<AdminToken>,
    #[command(flatten)]
    limits: ServerLimitArgs,
}

/// Wraps the token at once, so that it is never shown (the arguments' `Debug` redacts it).
fn parse_admin_token(text: &str) -> Result<AdminToken, String> {
    if text.is_empty() {
        return Err("the admin token is empty".into());
    }
    Ok(AdminToken::new(text))
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
    config.admin_token = args.admin_token;
    let runtime = runtime()?;
    init_server_log();
    runtime.block_on(async move {
        let sandbox = Sandbox::start(config)
            .await
            .map_err(|e| fail(format!("sandbox: {e}")))?;
        let trust = match &args.cert_out {
            Some(path) => format!(" (trust {})", path.display()),
            None if args.http => String::new(),
            None => " (pass --cert-out PEM to write the certificate clients must trust)".into(),
        };
        say(format_args!(
            "glorycard sandbox: listening on {}{trust}",
            sandbox.url()
        ));
        wait_for_shutdown().await;
        sandbox.shutdown().await;
        say(format_args!("glorycard sandbox: stopped"));
        Ok(String::new())
    })
}
