#![doc = include_str!("../README.md")]

mod faults;
mod platform;
mod reconcile;
mod server;
mod store;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use glorycard_core::{SecretKey, Signer, Verifier};

pub use faults::Faults;
pub use glorycard_client::institution::{ServerLimits, ServerStats};
pub use reconcile::{Difference, Reconciliation};
pub use store::StoredDeduction;

/// Why the sandbox could not start or serve.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// Binding the socket or writing the certificate failed.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// Making the TLS identity failed.
    #[error("TLS: {0}")]
    Tls(String),
    /// The SQLite store failed.
    #[error("database: {0}")]
    Database(String),
    /// The configuration is unusable.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A reconciliation could not be made (no institution configured, or its
    /// `/deductCheck` call failed).
    #[error("reconciliation: {0}")]
    Reconcile(String),
}

impl From<rusqlite::Error> for SandboxError {
    fn from(error: rusqlite::Error) -> Self {
        SandboxError::Database(error.to_string())
    }
}

/// The roster record the sandbox serves as `dataID` `data_id`: the synthetic holder of
/// `seed`, with its `certNo` masked the way the document's example is (the first six and
/// the last four characters visible, five `*` between) when `masked_every` divides
/// `data_id`.
pub fn served_record(
    seed: u64,
    masked_every: u32,
    data_id: i64,
) -> glorycard_core::models::RosterRecord {
    let mut record = glorycard_core::synthetic::roster_record(seed, data_id);
    if masked_every > 0 && data_id % i64::from(masked_every) == 0 {
        let chars: Vec<char> = record.cert_no.as_str().chars().collect();
        if chars.len() > 10 {
            let head: String = chars[..6].iter().collect();
            let tail: String = chars[chars.len() - 4..].iter().collect();
            record.cert_no = format!("{head}*****{tail}").into();
        }
    }
    record
}

/// The operator's token that lets a peer other than loopback use `/admin/*`, presented as
/// `Authorization: Bearer <token>`. Such a peer sees masked data only: `?unmasked=true` is
/// for loopback peers alone. Never printed.
#[derive(Clone)]
pub struct AdminToken(String);

impl AdminToken {
    /// Wraps the token text.
    pub fn new(text: impl Into<String>) -> Self {
        AdminToken(text.into())
    }

    /// Whether `presented` is this token, compared in constant time so that the answer's
    /// timing does not give the token away byte by byte.
    pub(crate) fn matches(&self, presented: &[u8]) -> bool {
        use subtle::ConstantTimeEq;
        !self.0.is_empty() && bool::from(self.0.as_bytes().ct_eq(presented))
    }
}

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminToken(***)")
    }
}

/// How the sandbox listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// Plain HTTP, on a loopback address only (tests on one machine).
    Http,
    /// HTTPS with a certificate made at start; its CA is written to `ca_out` if given.
    Https {
        /// Where to write the PEM that clients trust.
        ca_out: Option<PathBuf>,
    },
}

/// Everything the sandbox is started with.
#[derive(Debug)]
pub struct SandboxConfig {
    /// Address to listen on (`127.0.0.1:0` picks a free port).
    pub listen: SocketAddr,
    /// The institution's account id.
    pub sid: String,
    /// Its secret key.
    pub key: SecretKey,
    /// Holders in the synthetic roster (`dataID` 1..=holders).
    pub holders: i64,
    /// The roster's seed.
    pub seed: u64,
    /// Every `masked_every`-th holder's `certNo` is served masked, as the document's
    /// example (`331166*****777X`); 0 serves every number in full.
    pub masked_every: u32,
    /// HTTP or HTTPS.
    pub transport: Transport,
    /// SQLite file for deductions; in memory when `None`.
    pub db: Option<PathBuf>,
    /// Fault injection.
    pub faults: Faults,
    /// Allowed clock skew of requests, in seconds.
    pub max_skew_seconds: u64,
    /// The institution's base URL, for reconciliation (`/deductCheck` is appended).
    pub institution_url: Option<String>,
    /// A CA the sandbox trusts when calling the institution over HTTPS.
    pub institution_ca_pem: Option<Vec<u8>>,
    /// The institution's org code, the default for reconciliation.
    pub org_code: Option<String>,
    /// Timeouts, connection cap and request size limits of the server.
    pub limits: ServerLimits,
    /// Lets a peer other than loopback use `/admin/*` (masked data only); without it,
    /// `/admin/*` answers loopback peers alone.
    pub admin_token: Option<AdminToken>,
}

impl SandboxConfig {
    /// A configuration with the defaults: HTTPS on a free loopback port, 10,000 holders,
    /// seed 1, in-memory store, no faults, ±300 s skew.
    pub fn new(sid: impl Into<String>, key: SecretKey) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            sid: sid.into(),
            key,
            holders: 10_000,
            seed: 1,
            masked_every: 0,
            transport: Transport::Https { ca_out: None },
            db: None,
            faults: Faults::default(),
            max_skew_seconds: glorycard_core::DEFAULT_MAX_SKEW_SECONDS,
            institution_url: None,
            institution_ca_pem: None,
            org_code: None,
            limits: ServerLimits::default(),
            admin_token: None,
        }
    }
}

/// A running sandbox. Dropping it stops it.
pub struct Sandbox {
    url: String,
    ca_pem: Option<String>,
    stats: Arc<ServerStats>,
    platform: Arc<platform::Platform>,
    /// Asks the server to stop accepting and finish the requests in progress.
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Sandbox {
    /// Binds, makes the TLS identity, opens the store, and starts serving in the current
    /// tokio runtime. When this returns, the sandbox accepts connections. Plain HTTP is
    /// refused on an address other than loopback: requests carry ID numbers and names.
    pub async fn start(config: SandboxConfig) -> Result<Sandbox, SandboxError> {
        if config.key.is_empty() {
            return Err(SandboxError::Config("the key is empty".into()));
        }
        if config.transport == Transport::Http && !config.listen.ip().is_loopback() {
            return Err(SandboxError::Config(format!(
                "plain HTTP is served only on a loopback address, not {}: use HTTPS (the default)",
                config.listen.ip()
            )));
        }
        if config
            .admin_token
            .as_ref()
            .is_some_and(|token| token.0.is_empty())
        {
            return Err(SandboxError::Config(
                "the admin token is empty: leave it unset, or set a non-empty one".into(),
            ));
        }
        config
            .limits
            .validate()
            .map_err(|e| SandboxError::Config(e.to_string()))?;
        for (name, rate) in [
            ("fail-rate", config.faults.fail_rate),
            ("drop-rate", config.faults.drop_rate),
            ("bad-sign-rate", config.faults.bad_sign_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(SandboxError::Config(format!("{name} must lie in [0, 1]")));
            }
        }
        let verifier = Verifier::builder()
            .key(config.sid.clone(), config.key.clone())
            .max_skew_seconds(config.max_skew_seconds)
            .replay_cache(1_000_000)
            .build()
            .map_err(|e| SandboxError::Config(e.to_string()))?;
        let institution = match &config.institution_url {
            None => None,
            Some(url) => {
                let mut builder = glorycard_client::Client::builder(url.clone())
                    .sid(config.sid.clone())
                    .key(config.key.clone())
                    .org_code(config.org_code.clone().unwrap_or_else(|| "-".into()))
                    .allow_http_for_loopback(true)
                    .retry_policy(glorycard_client::RetryPolicy::never());
                if let Some(pem) = &config.institution_ca_pem {
                    builder = builder.add_root_certificate_pem(pem.clone());
                }
                Some(
                    builder
                        .build()
                        .map_err(|e| SandboxError::Config(e.to_string()))?,
                )
            }
        };
        let server_stats = Arc::new(ServerStats::default());
        let platform = Arc::new(platform::Platform {
            verifier,
            signer: Signer::new(config.sid.clone(), config.key.clone()),
            wrong_signer: Signer::new(
                config.sid.clone(),
                SecretKey::new("not-the-key-of-this-sid"),
            ),
            holders: config.holders.max(0),
            seed: config.seed,
            masked_every: config.masked_every,
            store: store::Store::open(config.db.as_deref())?,
            faults: faults::Injector::new(config.faults.clone()),
            institution,
            org_code: config.org_code.clone(),
            admin_token: config.admin_token.clone(),
            requests: AtomicU64::new(0),
            refused_signatures: AtomicU64::new(0),
            server: Arc::clone(&server_stats),
        });
        let (scheme, tls, ca_pem) = match &config.transport {
            Transport::Http => ("http", None, None),
            Transport::Https { ca_out } => {
                let identity = server::make_identity()?;
                if let Some(path) = ca_out {
                    std::fs::write(path, &identity.ca_pem)?;
                }
                ("https", Some(identity.acceptor), Some(identity.ca_pem))
            }
        };
        let listener = tokio::net::TcpListener::bind(config.listen).await?;
        let address = listener.local_addr()?;
        let url = format!("{scheme}://{address}");
        let server = glorycard_client::institution::Server::new(
            platform::router(Arc::clone(&platform)),
            tls,
            config.limits.clone(),
        )
        .map_err(|e| SandboxError::Config(e.to_string()))?
        .with_stats(Arc::clone(&server_stats));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(server.serve_with_shutdown(listener, async move {
            let _ = stopped.await;
        }));
        Ok(Sandbox {
            url,
            ca_pem,
            stats: server_stats,
            platform,
            stop: Some(stop),
            task,
        })
    }

    /// The base URL, e.g. `https://127.0.0.1:40123`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The PEM of the CA that signed the sandbox's certificate (HTTPS only).
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// The server's counters: connections, and each limit that fired.
    pub fn server_stats(&self) -> &ServerStats {
        &self.stats
    }

    /// What `GET /admin/reconcile` answers, without the HTTP round trip: the institution's
    /// `/deductCheck` answer for `org_code` (default: the configured one) in the window
    /// (default: all time), compared with the platform's records.
    pub async fn reconcile(
        &self,
        org_code: Option<&str>,
        start: Option<&str>,
        end: Option<&str>,
    ) -> Result<Reconciliation, SandboxError> {
        platform::reconcile(
            &self.platform,
            org_code.map(str::to_owned),
            start.map(str::to_owned),
            end.map(str::to_owned),
        )
        .await
        .map_err(|(_, reason)| SandboxError::Reconcile(reason))
    }

    /// Stops accepting connections and closes those open at once (as dropping it does).
    pub fn stop(self) {}

    /// Stops accepting connections, lets the requests in progress finish (for up to
    /// [`ServerLimits::shutdown_grace`]), then closes the connections left.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("url", &self.url)
            .field("ca_pem", &self.ca_pem)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.task.abort();
    }
}
