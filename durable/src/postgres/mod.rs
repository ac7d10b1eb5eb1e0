//! The stores on PostgreSQL, for an HIS that runs on several nodes: one database shared by
//! every node's outbox, replica and `/deductCheck` replay cache.
//!
//! tokio-postgres (rust-postgres: async, maintained, no C library) pooled by deadpool.
//! Its connections are driven by one process-wide runtime thread (`glorycard-pg`), so a
//! store works the same from async code on any runtime, from a blocking thread, and from
//! a foreign thread of the JVM or Python: async calls await a task on that runtime, and
//! synchronous calls wait for it on a channel. Every operation has a time limit.
//!
//! The tables live in the schema `glorycard`, versioned per store in `glorycard.stores`
//! (as SQLite's `user_version`): a `glorycard` schema that is not this project's, or a
//! store with a newer version, is refused before anything is changed.

pub(crate) mod outbox;
pub(crate) mod replay;
pub(crate) mod replica;

use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use deadpool_postgres::{Manager, Pool, Runtime};
use tokio_postgres::config::{Host, SslMode};

use crate::DurableError;

pub use replay::PostgresReplayCache;

/// A time limit on establishing a connection (TCP, TLS, authentication) and on waiting
/// for one from the pool.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// A time limit on each operation (one transaction): a server that stops answering
/// fails the call as `storage` instead of hanging it.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(30);
/// Connections per store and process: the drain's and the endpoint's work is short
/// transactions, so a few serve many concurrent calls.
const POOL_SIZE: usize = 4;

/// True when `location` names a PostgreSQL database rather than a SQLite file.
pub(crate) fn is_url(location: &str) -> bool {
    let lower = location.get(..13).unwrap_or(location).to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// The stores kept in PostgreSQL, each with its own tables and schema version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Store {
    Outbox,
    Replica,
    ReplayCache,
}

impl Store {
    fn name(self) -> &'static str {
        match self {
            Store::Outbox => "outbox",
            Store::Replica => "replica",
            Store::ReplayCache => "replay_cache",
        }
    }

    /// The migrations, in order: entry `i` takes the store from version `i` to `i + 1`.
    fn migrations(self) -> &'static [&'static str] {
        match self {
            Store::Outbox => outbox::MIGRATIONS,
            Store::Replica => replica::MIGRATIONS,
            Store::ReplayCache => replay::MIGRATIONS,
        }
    }
}

/// A pool of connections to one database, usable from any thread or runtime.
#[derive(Clone)]
pub(crate) struct PgDatabase {
    pool: Pool,
    /// The URL without its password, for messages.
    location: Arc<str>,
}

impl std::fmt::Debug for PgDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgDatabase")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

/// A PostgreSQL failure as the stores report it: the server's severity, code and
/// message, or the client's kind of failure and its cause, never a parameter's value
/// (the server's `DETAIL`, which can quote one, is left out).
pub(crate) fn storage(error: tokio_postgres::Error) -> DurableError {
    let reason = match error.as_db_error() {
        Some(db) => format!(
            "PostgreSQL: {} {}: {}",
            db.severity(),
            db.code().code(),
            db.message()
        ),
        None => match std::error::Error::source(&error) {
            Some(cause) => format!("PostgreSQL: {error}: {cause}"),
            None => format!("PostgreSQL: {error}"),
        },
    };
    DurableError::Storage { reason }
}

fn pool_error(error: deadpool_postgres::PoolError) -> DurableError {
    match error {
        deadpool_postgres::PoolError::Backend(error) => storage(error),
        other => DurableError::Storage {
            reason: format!("PostgreSQL: no connection: {other}"),
        },
    }
}

/// The process-wide runtime that drives every PostgreSQL connection.
fn runtime() -> Result<&'static tokio::runtime::Runtime, DurableError> {
    static RUNTIME: OnceLock<Option<tokio::runtime::Runtime>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("glorycard-pg")
                .enable_all()
                .build()
                .ok()
        })
        .as_ref()
        .ok_or_else(|| DurableError::Storage {
            reason: "cannot start the PostgreSQL runtime thread".into(),
        })
}

impl PgDatabase {
    /// Connects to `url`, then creates or checks `store`'s tables (refusing a foreign
    /// `glorycard` schema or a newer version without changing anything).
    pub(crate) fn open(url: &str, store: Store) -> Result<Self, DurableError> {
        let config = parse(url)?;
        let location: Arc<str> = describe(&config).into();
        let manager = Manager::new(config, tls()?);
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(CONNECT_TIMEOUT))
            .create_timeout(Some(CONNECT_TIMEOUT))
            .recycle_timeout(Some(CONNECT_TIMEOUT))
            .build()
            .map_err(|e| DurableError::Storage {
                reason: format!("PostgreSQL: cannot create the pool: {e}"),
            })?;
        let database = Self { pool, location };
        let location = Arc::clone(&database.location);
        database.block(move |pool| async move { migrate(&pool, store, &location).await })?;
        Ok(database)
    }

    /// Where the store is, without the password.
    pub(crate) fn location(&self) -> &str {
        &self.location
    }

    /// Runs `work` on the PostgreSQL runtime, with the operation time limit.
    pub(crate) async fn run<T, F>(
        &self,
        work: impl FnOnce(Pool) -> F + Send + 'static,
    ) -> Result<T, DurableError>
    where
        T: Send + 'static,
        F: Future<Output = Result<T, DurableError>> + Send + 'static,
    {
        let pool = self.pool.clone();
        runtime()?
            .spawn(limited(work(pool)))
            .await
            .map_err(|e| DurableError::Storage {
                reason: format!("the PostgreSQL task failed: {e}"),
            })?
    }

    /// Runs `work` on the PostgreSQL runtime and waits for it on this thread. Never
    /// called on that runtime's own thread (nothing it runs calls a synchronous method).
    pub(crate) fn block<T, F>(&self, work: impl FnOnce(Pool) -> F) -> Result<T, DurableError>
    where
        T: Send + 'static,
        F: Future<Output = Result<T, DurableError>> + Send + 'static,
    {
        let (sender, receiver) = std::sync::mpsc::sync_channel(1);
        let future = limited(work(self.pool.clone()));
        runtime()?.spawn(async move {
            let _ = sender.send(future.await);
        });
        receiver.recv().map_err(|_| DurableError::Storage {
            reason: "the PostgreSQL task ended without an answer".into(),
        })?
    }
}

async fn limited<T>(
    work: impl Future<Output = Result<T, DurableError>>,
) -> Result<T, DurableError> {
    tokio::time::timeout(OPERATION_TIMEOUT, work)
        .await
        .map_err(|_| DurableError::Storage {
            reason: format!(
                "PostgreSQL did not answer within {} s",
                OPERATION_TIMEOUT.as_secs()
            ),
        })?
}

/// A connection from the pool.
pub(crate) async fn connection(pool: &Pool) -> Result<deadpool_postgres::Object, DurableError> {
    pool.get().await.map_err(pool_error)
}

/// The URL as tokio-postgres reads it, with this project's limits. Without an explicit
/// `sslmode`, a server that is not on this machine must speak TLS (`require`, with the
/// system's roots): ID numbers and names never cross a network in clear by default.
fn parse(url: &str) -> Result<tokio_postgres::Config, DurableError> {
    let mut config: tokio_postgres::Config = url.parse().map_err(|e| DurableError::Storage {
        // tokio-postgres names the option at fault, never the URL (it holds a password).
        reason: format!("the PostgreSQL URL cannot be read: {e}"),
    })?;
    // As libpq: a password left out of the URL (so that it is not seen in a process
    // list) is taken from PGPASSWORD.
    if config.get_password().is_none()
        && let Ok(password) = std::env::var("PGPASSWORD")
    {
        config.password(password);
    }
    let explicit_ssl = url.contains("sslmode=");
    let remote = config.get_hosts().iter().any(|host| match host {
        Host::Tcp(name) => !is_loopback(name),
        #[cfg(unix)]
        Host::Unix(_) => false,
    });
    if remote && !explicit_ssl {
        config.ssl_mode(SslMode::Require);
    }
    config
        .connect_timeout(CONNECT_TIMEOUT)
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(30))
        .application_name("glorycard");
    #[cfg(target_os = "linux")]
    config.tcp_user_timeout(OPERATION_TIMEOUT);
    Ok(config)
}

/// How messages name a store's location: the path, or the URL without its password.
pub(crate) fn display_location(location: &std::path::Path) -> String {
    match location.to_str() {
        Some(url) if is_url(url) => match url.parse::<tokio_postgres::Config>() {
            Ok(config) => describe(&config),
            Err(_) => "postgres://(a URL that cannot be read)".into(),
        },
        _ => location.display().to_string(),
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `postgres://user@host:port/database`, without the password.
fn describe(config: &tokio_postgres::Config) -> String {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(name)) => name.clone(),
        #[cfg(unix)]
        Some(Host::Unix(path)) => path.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "postgres://{}@{host}:{port}/{}",
        config.get_user().unwrap_or(""),
        config.get_dbname().unwrap_or("")
    )
}

/// TLS by rustls with ring and the system's trust roots (as the platform client).
fn tls() -> Result<tokio_postgres_rustls::MakeRustlsConnect, DurableError> {
    use rustls_platform_verifier::BuilderVerifierExt as _;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|builder| builder.with_platform_verifier())
        .map_err(|e| DurableError::Storage {
            reason: format!("PostgreSQL: cannot configure TLS: {e}"),
        })?
        .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

/// Creates `store`'s tables, or brings them to this build's version, in one transaction
/// under a lock that serializes every node doing the same; refuses, unchanged, a
/// `glorycard` schema that is not this project's and a store newer than this build.
async fn migrate(pool: &Pool, store: Store, location: &str) -> Result<(), DurableError> {
    let mut connection = connection(pool).await?;
    let transaction = connection.transaction().await.map_err(storage)?;
    transaction
        .execute(
            "SELECT pg_advisory_xact_lock(hashtextextended('glorycard.schema', 0))",
            &[],
        )
        .await
        .map_err(storage)?;
    let schema_exists: bool = transaction
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'glorycard')",
            &[],
        )
        .await
        .map_err(storage)?
        .get(0);
    let marked: bool = transaction
        .query_one("SELECT to_regclass('glorycard.stores') IS NOT NULL", &[])
        .await
        .map_err(storage)?
        .get(0);
    if schema_exists && !marked {
        return Err(DurableError::Storage {
            reason: format!(
                "{location} has a schema named glorycard that is not a glorycard store's (it has no glorycard.stores table); refusing to use it"
            ),
        });
    }
    let target = store.migrations().len() as i32;
    let current: i32 = if marked {
        transaction
            .query_opt(
                "SELECT version FROM glorycard.stores WHERE store = $1",
                &[&store.name()],
            )
            .await
            .map_err(storage)?
            .map_or(0, |row| row.get(0))
    } else {
        transaction
            .batch_execute(
                "CREATE SCHEMA glorycard;
                 CREATE TABLE glorycard.stores (store TEXT PRIMARY KEY, version INTEGER NOT NULL);",
            )
            .await
            .map_err(storage)?;
        0
    };
    if current > target {
        return Err(DurableError::Storage {
            reason: format!(
                "the {} in {location} has schema version {current}, newer than this build's {target}",
                store.name()
            ),
        });
    }
    if current == target {
        return Ok(());
    }
    for migration in store.migrations().iter().skip(current as usize) {
        transaction
            .batch_execute(migration)
            .await
            .map_err(storage)?;
    }
    transaction
        .execute(
            "INSERT INTO glorycard.stores (store, version) VALUES ($1, $2)
             ON CONFLICT (store) DO UPDATE SET version = excluded.version",
            &[&store.name(), &target],
        )
        .await
        .map_err(storage)?;
    transaction.commit().await.map_err(storage)
}
