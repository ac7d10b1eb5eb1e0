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
        let options = parse(url)?;
        let location: Arc<str> = describe(&options.config).into();
        let manager = Manager::new(options.config, tls(&options.roots)?);
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

/// Whose certificates a TLS connection to PostgreSQL trusts (libpq's `sslrootcert`).
#[derive(Debug, Clone, PartialEq, Eq)]
enum TrustRoots {
    /// The system's roots, through the platform verifier (no `sslrootcert`, or
    /// `sslrootcert=system` as libpq spells it).
    System,
    /// Only the CA certificates of this PEM file, as libpq does: the database's own CA
    /// is trusted for it without being trusted for everything else on the machine.
    File(std::path::PathBuf),
}

/// A location as this crate connects to it: tokio-postgres' settings and the trust roots
/// (an option tokio-postgres does not read, taken out of the URL before it does).
#[derive(Debug)]
struct ConnectOptions {
    config: tokio_postgres::Config,
    roots: TrustRoots,
}

/// The URL as tokio-postgres reads it, with this project's limits. A server that is not
/// on this machine must speak TLS unless the URL says `sslmode=disable`: ID numbers and
/// names never cross a network in clear by default. `sslmode=prefer` (the default) is
/// read as `require` for such a server, since it would silently fall back to clear text.
/// Every host and every `hostaddr` counts: the address connected to can be a `hostaddr`
/// while `host` (the name TLS checks) says `localhost`.
fn parse(url: &str) -> Result<ConnectOptions, DurableError> {
    let mut options = read_options(url)?;
    let config = &mut options.config;
    // As libpq: a password left out of the URL (so that it is not seen in a process
    // list) is taken from PGPASSWORD.
    if config.get_password().is_none()
        && let Ok(password) = std::env::var("PGPASSWORD")
    {
        config.password(password);
    }
    let remote_host = config.get_hosts().iter().any(|host| match host {
        Host::Tcp(name) => !is_loopback(name),
        #[cfg(unix)]
        Host::Unix(_) => false,
    });
    let remote_address = config.get_hostaddrs().iter().any(|ip| !ip.is_loopback());
    // An operator who names a CA wants the server checked against it: that needs TLS.
    let wants_tls = remote_host || remote_address || options.roots != TrustRoots::System;
    if wants_tls && config.get_ssl_mode() == SslMode::Prefer {
        config.ssl_mode(SslMode::Require);
    }
    config
        .connect_timeout(CONNECT_TIMEOUT)
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(30))
        .application_name("glorycard");
    #[cfg(target_os = "linux")]
    config.tcp_user_timeout(OPERATION_TIMEOUT);
    Ok(options)
}

/// Reads a `postgres://` URL: the options tokio-postgres does not know are taken out of
/// its query (with the same splitting as tokio-postgres, so that both see the same
/// options), the rest is read by tokio-postgres. libpq's `sslmode=verify-ca` and
/// `verify-full` are read as `require`, which with rustls already verifies the chain and
/// the host name. Nothing from the environment.
fn read_options(url: &str) -> Result<ConnectOptions, DurableError> {
    let mut roots = TrustRoots::System;
    let mut rewritten = String::with_capacity(url.len());
    // tokio-postgres takes the credentials up to the first `@`, and the options after the
    // first `?` that follows.
    let after_credentials = url.find('@').map_or(0, |at| at + 1);
    match url[after_credentials..].find('?') {
        None => rewritten.push_str(url),
        Some(question) => {
            let query_start = after_credentials + question + 1;
            rewritten.push_str(&url[..query_start]);
            let mut kept: Vec<String> = Vec::new();
            let mut rest = &url[query_start..];
            while !rest.is_empty() {
                // As tokio-postgres: the key runs to the next `=` (even past an `&`), the
                // value to the next `&`. A key without `=` is left for it to refuse.
                let Some(equals) = rest.find('=') else {
                    kept.push(rest.to_owned());
                    break;
                };
                let (key, after_key) = (&rest[..equals], &rest[equals + 1..]);
                let (value, next) = match after_key.find('&') {
                    Some(amp) => (&after_key[..amp], &after_key[amp + 1..]),
                    None => (after_key, ""),
                };
                rest = next;
                match percent_decode(key).as_str() {
                    "sslrootcert" => {
                        let path = percent_decode(value);
                        roots = if path == "system" {
                            TrustRoots::System
                        } else if path.is_empty() {
                            return Err(DurableError::Storage {
                                reason: "the PostgreSQL URL's sslrootcert is empty: give the path of a PEM file of CA certificates"
                                    .into(),
                            });
                        } else {
                            TrustRoots::File(path.into())
                        };
                    }
                    "sslmode"
                        if matches!(
                            percent_decode(value).as_str(),
                            "verify-ca" | "verify-full"
                        ) =>
                    {
                        kept.push("sslmode=require".into());
                    }
                    _ => kept.push(format!("{key}={value}")),
                }
            }
            rewritten.push_str(&kept.join("&"));
        }
    }
    let config = rewritten.parse().map_err(|e| DurableError::Storage {
        // tokio-postgres names the option at fault, never the URL (it holds a password).
        reason: format!("the PostgreSQL URL cannot be read: {e}"),
    })?;
    Ok(ConnectOptions { config, roots })
}

/// `%XX` decoded as tokio-postgres does (a `%` not followed by two hex digits is itself).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex = |offset: usize| {
            bytes
                .get(index + offset)
                .and_then(|digit| (*digit as char).to_digit(16))
        };
        match (bytes[index], hex(1), hex(2)) {
            (b'%', Some(high), Some(low)) => {
                decoded.push((high * 16 + low) as u8);
                index += 3;
            }
            (byte, _, _) => {
                decoded.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

/// How every message names a store's location: a file path as it is, a `postgres://` URL
/// as `postgres://user@host:port/db`, and in anything else (a mistyped URL, a JDBC one,
/// a keyword list) whatever looks like a credential masked, so that a location the stores
/// do not recognise is never echoed with its password.
pub(crate) fn display_location(location: &std::path::Path) -> String {
    let text = location.to_string_lossy();
    if is_url(&text) {
        return match read_options(&text) {
            Ok(options) => describe(&options.config),
            Err(_) => "postgres://(a URL that cannot be read)".into(),
        };
    }
    mask_credentials(&text)
}

/// `text` with a URL's userinfo password (`scheme://user:***@host`, also after a single
/// `/`) and the value of every `password=`-like option (`password`, `sslpassword`,
/// `passwd`, `pwd`; URL query or keyword list) replaced by `***`.
fn mask_credentials(text: &str) -> String {
    let mut masked = text.to_owned();
    if let Some(at) = masked.rfind('@') {
        let authority = masked
            .find("://")
            .map(|i| i + 3)
            .or_else(|| masked.find(":/").map(|i| i + 2))
            .filter(|start| *start <= at)
            .unwrap_or(0);
        if let Some(colon) = masked[authority..at].find(':') {
            masked.replace_range(authority + colon + 1..at, "***");
        }
    }
    let mut out = String::with_capacity(masked.len());
    let mut rest = masked.as_str();
    while let Some(start) = rest.find(|c: char| c.is_ascii_alphanumeric() || c == '_') {
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let word_end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let (word, after) = rest.split_at(word_end);
        out.push_str(word);
        rest = after;
        let key = word.to_ascii_lowercase();
        let secret = key.ends_with("password") || key.ends_with("passwd") || key == "pwd";
        let value = after.trim_start();
        let Some(value) = value.strip_prefix('=').filter(|_| secret) else {
            continue;
        };
        let value = value.trim_start();
        // A quoted value runs to its closing quote, a plain one to the next separator.
        let value_end = match value.strip_prefix('\'') {
            Some(quoted) => quoted.find('\'').map_or(value.len(), |end| end + 2),
            None => value
                .find(|c: char| c == '&' || c == ';' || c.is_whitespace())
                .unwrap_or(value.len()),
        };
        out.push_str("=***");
        rest = &value[value_end..];
    }
    out.push_str(rest);
    out
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
    let host = match (config.get_hosts().first(), config.get_hostaddrs().first()) {
        (Some(Host::Tcp(name)), _) => name.clone(),
        #[cfg(unix)]
        (Some(Host::Unix(path)), _) => path.display().to_string(),
        (None, Some(address)) => address.to_string(),
        (None, None) => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "postgres://{}@{host}:{port}/{}",
        config.get_user().unwrap_or(""),
        config.get_dbname().unwrap_or("")
    )
}

/// TLS by rustls with ring: the system's trust roots (as the platform client), or only the
/// CA certificates of `sslrootcert`.
fn tls(roots: &TrustRoots) -> Result<tokio_postgres_rustls::MakeRustlsConnect, DurableError> {
    use rustls_platform_verifier::BuilderVerifierExt as _;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cannot = |e: rustls::Error| DurableError::Storage {
        reason: format!("PostgreSQL: cannot configure TLS: {e}"),
    };
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(cannot)?;
    let config = match roots {
        TrustRoots::System => builder.with_platform_verifier().map_err(cannot)?,
        TrustRoots::File(path) => builder.with_root_certificates(root_store(path)?),
    }
    .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

/// The CA certificates of the PEM file `sslrootcert` names.
fn root_store(path: &std::path::Path) -> Result<rustls::RootCertStore, DurableError> {
    use rustls::pki_types::{CertificateDer, pem::PemObject as _};
    let refused = |why: String| DurableError::Storage {
        reason: format!("PostgreSQL: sslrootcert {}: {why}", path.display()),
    };
    let certificates = CertificateDer::pem_file_iter(path)
        .and_then(|certificates| certificates.collect::<Result<Vec<_>, _>>())
        .map_err(|e| refused(format!("cannot read a PEM certificate from it: {e}")))?;
    if certificates.is_empty() {
        return Err(refused("holds no PEM certificate".into()));
    }
    let mut store = rustls::RootCertStore::empty();
    for certificate in certificates {
        store
            .add(certificate)
            .map_err(|e| refused(format!("not a usable CA certificate: {e}")))?;
    }
    Ok(store)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(url: &str) -> SslMode {
        parse(url).unwrap().config.get_ssl_mode()
    }

    #[test]
    fn a_remote_server_gets_tls_unless_the_url_disables_it() {
        assert_eq!(mode("postgres://u:p@db.example/db"), SslMode::Require);
        assert_eq!(
            mode("postgres://u:p@db.example/db?sslmode=prefer"),
            SslMode::Require
        );
        assert_eq!(
            mode("postgres://u:p@db.example/db?sslmode=disable"),
            SslMode::Disable
        );
        // The keyword spellings, in the query.
        assert_eq!(mode("postgres:///db?host=db.example"), SslMode::Require);
        assert_eq!(
            mode("postgresql:///db?host=db.example&sslmode=disable"),
            SslMode::Disable
        );
        assert_eq!(
            mode("postgres:///db?sslmode=disable&host=db.example"),
            SslMode::Disable
        );
    }

    #[test]
    fn a_remote_hostaddr_counts_though_host_says_localhost() {
        assert_eq!(
            mode("postgres:///db?hostaddr=10.1.2.3&host=localhost"),
            SslMode::Require
        );
        assert_eq!(
            mode("postgres://u:p@localhost/db?hostaddr=10.1.2.3"),
            SslMode::Require
        );
        assert_eq!(mode("postgres:///db?hostaddr=10.1.2.3"), SslMode::Require);
        assert_eq!(
            mode("postgres://u:p@localhost/db?hostaddr=127.0.0.1"),
            SslMode::Prefer
        );
    }

    #[test]
    fn a_password_that_spells_sslmode_changes_nothing() {
        for url in [
            "postgres://u:sslmode=disable@db.example/db",
            "postgres://u:x?sslmode=disable@db.example/db",
            "postgres://u:x%26sslmode%3Ddisable@db.example/db",
            "postgres://u@db.example/db?password=sslmode%3Ddisable",
            "postgres://u@db.example/db?password=x&application_name=sslmode=disable",
        ] {
            assert_eq!(mode(url), SslMode::Require, "{url}");
        }
    }

    #[test]
    fn one_remote_host_among_several_makes_the_url_remote() {
        assert_eq!(
            mode("postgres://u@localhost,db.example/db"),
            SslMode::Require
        );
        assert_eq!(
            mode("postgres://u@db.example,localhost/db"),
            SslMode::Require
        );
        assert_eq!(
            mode("postgres:///db?host=/var/run/postgresql&host=db.example"),
            SslMode::Require
        );
        assert_eq!(mode("postgres://u@localhost,127.0.0.1/db"), SslMode::Prefer);
    }

    #[test]
    fn loopback_and_unix_sockets_keep_the_urls_choice() {
        for url in [
            "postgres:///db?host=/var/run/postgresql",
            "postgres://u@%2Fvar%2Frun%2Fpostgresql/db",
            "postgres://u@[::1]/db",
            "postgres://u@[::1]:5433/db",
            "postgres://u@127.0.0.2/db",
            "postgres://u@LocalHost/db",
        ] {
            assert_eq!(mode(url), SslMode::Prefer, "{url}");
        }
        assert_eq!(
            mode("postgres://u@127.0.0.2/db?sslmode=require"),
            SslMode::Require
        );
    }

    #[test]
    fn sslrootcert_is_read_and_asks_for_tls() {
        let options = parse(
            "postgres://u:p@db.example/db?sslrootcert=%2Fetc%2Fdb-ca.pem&sslmode=verify-full",
        )
        .unwrap();
        assert_eq!(options.roots, TrustRoots::File("/etc/db-ca.pem".into()));
        assert_eq!(options.config.get_ssl_mode(), SslMode::Require);
        assert_eq!(options.config.get_dbname(), Some("db"));
        // Naming a CA for a loopback server asks for TLS too.
        let options = parse("postgres://u@localhost/db?sslrootcert=ca.pem").unwrap();
        assert_eq!(options.roots, TrustRoots::File("ca.pem".into()));
        assert_eq!(options.config.get_ssl_mode(), SslMode::Require);
        // libpq's `system`: the platform's roots.
        let options = parse("postgres://u@db.example/db?sslrootcert=system").unwrap();
        assert_eq!(options.roots, TrustRoots::System);
        assert_eq!(
            mode("postgres://u@localhost/db?sslmode=verify-ca"),
            SslMode::Require
        );
        // An explicit disable stays the operator's choice, whatever else is said.
        assert_eq!(
            mode("postgres://u@localhost/db?sslrootcert=ca.pem&sslmode=disable"),
            SslMode::Disable
        );
        let error = parse("postgres://u@db.example/db?sslrootcert=").unwrap_err();
        assert!(error.to_string().contains("sslrootcert"), "{error}");
    }

    #[test]
    fn sslrootcert_builds_the_root_store_from_that_file_alone() {
        let dir =
            std::env::temp_dir().join(format!("glorycard-sslrootcert-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca = params.self_signed(&key).unwrap();
        let two = format!("{}{}", ca.pem(), ca.pem());
        let path = dir.join("ca.pem");
        std::fs::write(&path, &two).unwrap();
        assert_eq!(root_store(&path).unwrap().len(), 2);
        assert!(tls(&TrustRoots::File(path.clone())).is_ok());

        let missing = dir.join("missing.pem");
        let error = tls(&TrustRoots::File(missing)).err().unwrap().to_string();
        assert!(
            error.contains("sslrootcert") && error.contains("missing.pem"),
            "{error}"
        );
        std::fs::write(&path, "not a certificate\n").unwrap();
        let error = root_store(&path).unwrap_err().to_string();
        assert!(
            error.contains("sslrootcert") && error.contains("no PEM certificate"),
            "{error}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A CA, and a certificate for `localhost` it signed with its key.
    fn ca_and_localhost() -> (String, rustls::ServerConfig) {
        use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        let leaf_params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        let leaf_key = rcgen::KeyPair::generate().unwrap();
        let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(leaf.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        )
        .unwrap();
        (ca.pem(), config)
    }

    /// A server on loopback that speaks PostgreSQL's TLS opening only: it answers the
    /// SSLRequest, completes the handshake, and reports on `outcome` whether the
    /// client's startup message arrived over TLS (then hangs up).
    fn tls_only_server(config: rustls::ServerConfig) -> (u16, std::sync::mpsc::Receiver<String>) {
        use std::io::{Read as _, Write as _};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (outcome, outcomes) = std::sync::mpsc::channel();
        let config = Arc::new(config);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut request = [0u8; 8];
                if stream.read_exact(&mut request).is_err() {
                    continue;
                }
                if request != [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f] {
                    let _ = outcome.send("clear text".to_owned());
                    continue;
                }
                stream.write_all(b"S").unwrap();
                let connection = rustls::ServerConnection::new(Arc::clone(&config)).unwrap();
                let mut tls = rustls::StreamOwned::new(connection, stream);
                let mut length = [0u8; 4];
                let report = match tls.read_exact(&mut length) {
                    Ok(()) => {
                        let mut startup = vec![0u8; u32::from_be_bytes(length) as usize - 4];
                        tls.read_exact(&mut startup).unwrap();
                        format!("startup over TLS: {}", String::from_utf8_lossy(&startup))
                    }
                    Err(e) => format!("handshake failed: {e}"),
                };
                let _ = outcome.send(report);
            }
        });
        (port, outcomes)
    }

    /// `sslrootcert` is the CA the server is checked against: a server whose certificate
    /// it signed gets the startup message over TLS; without it (the system's roots) or
    /// with another CA, the handshake fails and nothing is sent.
    #[test]
    fn sslrootcert_is_the_ca_the_server_is_checked_against() {
        let dir =
            std::env::temp_dir().join(format!("glorycard-sslrootcert-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (ca_pem, config) = ca_and_localhost();
        let (other_ca_pem, _) = ca_and_localhost();
        let (ca, other_ca) = (dir.join("ca.pem"), dir.join("other-ca.pem"));
        std::fs::write(&ca, ca_pem).unwrap();
        std::fs::write(&other_ca, other_ca_pem).unwrap();
        let (port, outcomes) = tls_only_server(config);
        let url = |extra: &str| {
            format!("postgres://his:pw@localhost:{port}/his?hostaddr=127.0.0.1{extra}")
        };

        assert!(
            PgDatabase::open(
                &url(&format!("&sslrootcert={}", ca.display())),
                Store::Outbox
            )
            .is_err()
        );
        let report = outcomes.recv().unwrap();
        assert!(
            report.starts_with("startup over TLS:") && report.contains("his"),
            "{report}"
        );

        for extra in [
            format!("&sslrootcert={}", other_ca.display()),
            "&sslmode=require".to_owned(),
        ] {
            let error = PgDatabase::open(&url(&extra), Store::Outbox).unwrap_err();
            let report = outcomes.recv().unwrap();
            assert!(report.starts_with("handshake failed"), "{extra}: {report}");
            assert!(!error.to_string().contains("pw"), "{error}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn every_message_masks_credentials_in_a_location() {
        let secret = "S3cret";
        for location in [
            "postgres://his:S3cret@db.example:5433/his",
            "postgresql://his:S3cret@db.example/his?sslmode=require",
            "postgres://his@db.example/his?password=S3cret",
            "postgres:/his:S3cret@db.example/his",
            "postgres//his:S3cret@db.example/his",
            "jdbc:postgresql://db.example/his?user=his&password=S3cret&ssl=true",
            "jdbc:postgresql://db.example/his?user=his&PASSWORD=S3cret",
            "host=db.example user=his password=S3cret dbname=his",
            "host=db.example password = 'S3cret and more' dbname=his",
            "mysql://his:S3cret@db.example/his",
            "Server=db;Uid=his;Pwd=S3cret;",
            "postgres://his:S3cret@db.example/his?sslrootcert=",
            "POSTGRES://his:S3cret@db.example/his",
            "https://his:pa:S3cret/x@db.example/his",
        ] {
            let shown = display_location(std::path::Path::new(location));
            assert!(!shown.contains(secret), "{location} shown as {shown}");
        }
        assert_eq!(
            display_location(std::path::Path::new(
                "postgres://his:S3cret@db.example:5433/his"
            )),
            "postgres://his@db.example:5433/his"
        );
        assert_eq!(
            display_location(std::path::Path::new(
                "jdbc:postgresql://db.example/his?user=his&password=S3cret&ssl=true"
            )),
            "jdbc:postgresql://db.example/his?user=his&password=***&ssl=true"
        );
        assert_eq!(
            display_location(std::path::Path::new("postgres:/his:S3cret@db.example/his")),
            "postgres:/his:***@db.example/his"
        );
        // A file path is shown as it is.
        assert_eq!(
            display_location(std::path::Path::new("/var/lib/his/outbox.db")),
            "/var/lib/his/outbox.db"
        );
    }
}
