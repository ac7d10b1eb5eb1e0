//! A PostgreSQL database of its own for each test, on the server that
//! `GLORYCARD_TEST_DATABASE_URL` names (`bash tests/postgres.sh run …` starts a throwaway
//! one), dropped at the end; and a server of the test's own, for tests that stop it.
//! Shared by the durable crate's and the CLI's tests.
// Test support: a missing server is a broken test setup, reported by panicking.
#![allow(dead_code, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The server every test shares.
pub fn server_url() -> String {
    std::env::var("GLORYCARD_TEST_DATABASE_URL").unwrap_or_else(|_| {
        panic!(
            "GLORYCARD_TEST_DATABASE_URL is not set: run the tests through \
             `bash tests/postgres.sh run cargo test …` (it starts a throwaway PostgreSQL \
             server), or point it at a server whose role may create databases"
        )
    })
}

/// `url` with its database name replaced by `database`.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, ""), |(b, q)| (b, q));
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    if query.is_empty() {
        format!("{base}/{database}")
    } else {
        format!("{base}/{database}?{query}")
    }
}

/// Runs `sql` with psql against `url`; panics with psql's message on failure.
pub fn psql(url: &str, sql: &str) -> String {
    let output = Command::new("psql")
        .arg(url)
        .args(["-v", "ON_ERROR_STOP=1", "-X", "-q", "-t", "-A", "-c", sql])
        .output()
        .expect("psql runs (Debian's postgresql-client)");
    assert!(
        output.status.success(),
        "psql {sql}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// A fresh database, dropped (with its connections) when this is dropped.
pub struct TestDatabase {
    pub url: String,
    admin: String,
    name: String,
}

impl TestDatabase {
    pub fn new(test: &str) -> Self {
        Self::on(&server_url(), test)
    }

    pub fn on(admin: &str, test: &str) -> Self {
        let name = format!(
            "gc_{}_{}_{:x}",
            test.replace(|c: char| !c.is_ascii_alphanumeric(), "_"),
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
        );
        psql(admin, &format!("CREATE DATABASE {name}"));
        Self {
            url: with_database(admin, &name),
            admin: admin.to_owned(),
            name,
        }
    }

    /// One value from the test's database.
    pub fn query(&self, sql: &str) -> String {
        psql(&self.url, sql)
    }

    /// A number from the test's database, 0 when the query fails (a progress poll may
    /// come before the process under test created the table).
    pub fn number(&self, sql: &str) -> i64 {
        Command::new("psql")
            .arg(&self.url)
            .args(["-X", "-q", "-t", "-A", "-c", sql])
            .output()
            .ok()
            .and_then(|output| String::from_utf8_lossy(&output.stdout).trim().parse().ok())
            .unwrap_or(0)
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .arg(&self.admin)
            .args(["-X", "-q", "-c"])
            .arg(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .output();
    }
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/postgres.sh")
}

/// A server of this test's own (started by `tests/postgres.sh start`), that it may stop
/// and start again; removed when dropped.
pub struct OwnServer {
    pub dir: PathBuf,
    pub url: String,
}

impl OwnServer {
    pub fn start(test: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("glorycard-pg-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let output = Command::new("bash")
            .arg(script())
            .arg("start")
            .arg(&dir)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "tests/postgres.sh start: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let url = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        Self { dir, url }
    }

    fn control(&self, action: &str) {
        let output = Command::new("bash")
            .arg(script())
            .arg(action)
            .arg(&self.dir)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "tests/postgres.sh {action}: {}\nserver log: {}",
            String::from_utf8_lossy(&output.stderr),
            std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
        );
    }

    /// Stops the server at once (`pg_ctl stop -m immediate`: as if it crashed).
    pub fn pause(&self) {
        self.control("pause");
    }

    /// Starts the stopped server again, on the same port and data.
    pub fn resume(&self) {
        self.control("resume");
    }
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(script())
            .arg("stop")
            .arg(&self.dir)
            .output();
    }
}
