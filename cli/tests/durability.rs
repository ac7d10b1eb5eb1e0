//! Crash and fault tests with real processes: `glorycard roster sync` and `glorycard
//! outbox drain` killed with SIGKILL at random moments against `glorycard sandbox`, then
//! finished; the result is compared with what the sandbox holds and reconciled against
//! `glorycard institution serve`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use glorycard_core::models::resident_id_check_char;
use glorycard_core::synthetic::SplitMix64;
use serde_json::{Value, json};
use sha2::Digest as _;

mod common;

use common::{ORG, Server, glorycard, start_server, text};

/// Starts `glorycard ARGS` as a server and waits for its URL.
fn server(args: &[&str]) -> Server {
    start_server(glorycard().args(args))
}

/// Adds the connection to `sandbox` (its URL and certificate) to a network command.
fn against<'c>(command: &'c mut Command, sandbox: &Server, pem: &Path) -> &'c mut Command {
    command
        .args(["--base-url", &sandbox.url])
        .arg("--ca-cert")
        .arg(pem)
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "glorycard-durability-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn output(command: &mut Command) -> Output {
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    command.output().unwrap()
}

/// A seed from the clock, printed, so that a failing run can be repeated by hand.
fn random(test: &str) -> SplitMix64 {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    eprintln!("{test}: random kill points from seed {seed}");
    SplitMix64::new(seed)
}

/// Starts `command`, waits until `progress()` reaches `target` (a random point of the
/// work, so the kill lands mid-way whatever the machine's speed), checks that it is still
/// running, and kills it with SIGKILL.
fn kill_when_reached(command: &mut Command, progress: impl Fn() -> i64, target: i64) {
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while progress() < target {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the process ended ({status}) before reaching {target}");
        }
        assert!(Instant::now() < deadline, "{target} not reached in 120 s");
        std::thread::sleep(Duration::from_millis(2));
    }
    let status = child.try_wait().unwrap();
    assert!(
        status.is_none(),
        "the process ended ({status:?}) before the kill"
    );
    // std's kill is SIGKILL on Unix: no destructor, no flush, no signal handler runs.
    child.kill().unwrap();
    child.wait().unwrap();
}

/// `count` distinct random points in `[low, high)`, ascending.
fn random_points(rng: &mut SplitMix64, count: usize, low: i64, high: i64) -> Vec<i64> {
    let mut points = std::collections::BTreeSet::new();
    while points.len() < count {
        points.insert(low + rng.below((high - low) as u64) as i64);
    }
    points.into_iter().collect()
}

/// Reads one number from a SQLite file another process is writing (WAL: never blocked).
/// Never creates the file: one created here, before the process under test does, would
/// have the default mode, and the process refuses a store open to other users.
fn read_number(db: &Path, sql: &str) -> i64 {
    let flags =
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
    rusqlite::Connection::open_with_flags(db, flags)
        .and_then(|c| c.query_row(sql, [], |row| row.get(0)))
        .unwrap_or(0)
}

fn replica_counts(db: &Path) -> (i64, i64) {
    let connection = rusqlite::Connection::open(db).unwrap();
    let count = connection
        .query_row("SELECT count(*) FROM holders", [], |row| row.get(0))
        .unwrap();
    let checkpoint = connection
        .query_row("SELECT data_id FROM checkpoint", [], |row| row.get(0))
        .unwrap();
    (count, checkpoint)
}

/// SHA-256 over every record, one tab-separated line each in `dataID` order.
fn checksum(records: impl Iterator<Item = [String; 6]>) -> String {
    let mut hash = sha2::Sha256::new();
    for fields in records {
        hash.update(fields.join("\t").as_bytes());
        hash.update(b"\n");
    }
    hex::encode(hash.finalize())
}

#[test]
fn roster_sync_killed_three_times_at_random_moments_ends_equal_to_the_roster() {
    const HOLDERS: i64 = 50_000;
    const SEED: u64 = 11;
    let dir = scratch("sync");
    let pem = dir.join("ca.pem");
    let db = dir.join("roster.db");
    let sandbox = server(&[
        "sandbox",
        "--listen",
        "127.0.0.1:0",
        "--holders",
        "50000",
        "--seed",
        "11",
        "--masked-every",
        "9",
        "--cert-out",
        pem.to_str().unwrap(),
    ]);
    let sync = || {
        let mut command = glorycard();
        command.args(["roster", "sync", "--db", db.to_str().unwrap()]);
        against(&mut command, &sandbox, &pem);
        command
    };
    let mut rng = random("roster sync");
    let mut checkpoints = Vec::new();
    for target in random_points(&mut rng, 3, 1_000, 40_000) {
        kill_when_reached(
            &mut sync(),
            || read_number(&db, "SELECT data_id FROM checkpoint"),
            target,
        );
        let (count, checkpoint) = replica_counts(&db);
        // Pages are applied whole, with their checkpoint: never a part of a page.
        assert_eq!(count, checkpoint, "records and checkpoint after a kill");
        assert_eq!(
            checkpoint % 500,
            0,
            "a partial page was applied: {checkpoint}"
        );
        assert!(checkpoint >= target && checkpoint < HOLDERS);
        checkpoints.push(checkpoint);
    }
    eprintln!("checkpoints after the kills: {checkpoints:?}");

    let finished = output(&mut sync());
    assert!(finished.status.success(), "{}", text(&finished.stderr));
    let stdout = text(&finished.stdout);
    // Standard output is not a terminal: no progress bar, only the final line.
    assert!(
        !stdout.contains('\r') && !stdout.contains('\x1b'),
        "{stdout:?}"
    );
    assert_eq!(stdout.lines().count(), 1, "{stdout:?}");
    assert!(stdout.starts_with("synced "), "{stdout:?}");
    assert!(
        stdout.contains("the replica holds 50,000 holders"),
        "{stdout:?}"
    );

    let connection = rusqlite::Connection::open(&db).unwrap();
    let mut statement = connection
        .prepare(
            "SELECT cert_type, cert_no, cert_name, glory_type, glory_id, data_id
             FROM holders ORDER BY data_id",
        )
        .unwrap();
    let stored: Vec<[String; 6]> = statement
        .query_map([], |row| {
            Ok([
                row.get::<_, String>(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get::<_, i64>(4)?.to_string(),
                row.get::<_, i64>(5)?.to_string(),
            ])
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(stored.len() as i64, HOLDERS);
    let served = (1..=HOLDERS).map(|id| {
        let r = glorycard_sandbox::served_record(SEED, 9, id);
        [
            r.cert_type.code().to_owned(),
            r.cert_no.into(),
            r.cert_name.into(),
            r.glory_type.code().to_owned(),
            r.glory_id.to_string(),
            r.data_id.to_string(),
        ]
    });
    assert_eq!(checksum(stored.into_iter()), checksum(served));

    // Lookups answer from the file: holder 8 whole, holder 9 masked (with the name).
    let lookup = |args: &[&str]| {
        output(
            glorycard()
                .args(["roster", "lookup", "--db", db.to_str().unwrap()])
                .args(args),
        )
    };
    let whole = glorycard_core::synthetic::roster_record(SEED, 8);
    let found = lookup(&["--cert-no", whole.cert_no.as_str()]);
    assert!(found.status.success(), "{}", text(&found.stderr));
    let line: Value = serde_json::from_slice(&found.stdout).unwrap();
    assert_eq!(
        (line["gloryID"].as_i64(), line["match"].as_str()),
        (Some(10_008), Some("exact"))
    );
    let masked = glorycard_core::synthetic::roster_record(SEED, 9);
    let found = lookup(&[
        "--cert-no",
        masked.cert_no.as_str(),
        "--name",
        masked.cert_name.as_str(),
    ]);
    assert!(found.status.success(), "{}", text(&found.stderr));
    let partial: Vec<Value> = text(&found.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert!(
        partial
            .iter()
            .any(|m| m["gloryID"] == 10_009 && m["match"] == "partial")
    );
    let missing = lookup(&["--cert-no", "110105194912310000"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(text(&missing.stderr).contains("not_found"));
    drop(sandbox);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A valid resident ID: 17 digits and the GB 11643 check character from the core (whose
/// own vectors are in `tests/vectors/models.json`).
fn resident_id(n: u32) -> String {
    let base = format!("3301021980{n:07}");
    let check = resident_id_check_char(&base).unwrap();
    format!("{base}{check}")
}

fn deduction(n: u32) -> Value {
    json!({
        "orgCode": ORG,
        "certType": "0",
        "certNo": resident_id(n),
        "certName": "张小凡",
        "deductionID": format!("HIS-{n:05}"),
        "totalFee": "25.00",
        "deductionFee": "20.00",
        "deductionTime": format!("2026-11-26 {:02}:{:02}:{:02}", 8 + n / 3600, (n / 60) % 60, n % 60),
        "gloryType": "1",
        "deductionType": "0",
    })
}

fn admin(base: &str, pem: &Path, path: &str) -> Value {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let pem = std::fs::read(pem).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .tls_certs_merge(reqwest::Certificate::from_pem_bundle(&pem).unwrap())
            .build()
            .unwrap();
        let answer = client
            .get(format!("{base}{path}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        serde_json::from_str(&answer).unwrap_or_else(|_| panic!("{path}: {answer}"))
    })
}

fn outbox_status(db: &Path) -> Value {
    let status =
        output(glorycard().args(["outbox", "status", "--json", "--db", db.to_str().unwrap()]));
    assert!(status.status.success(), "{}", text(&status.stderr));
    serde_json::from_slice(&status.stdout).unwrap()
}

#[test]
fn outbox_drain_killed_twice_under_faults_delivers_everything_once_and_reconciles() {
    let dir = scratch("drain");
    let pem = dir.join("ca.pem");
    let db = dir.join("outbox.db");
    let db_arg = db.to_str().unwrap();

    // Enqueued while no platform runs at all.
    let mut lines = String::new();
    let mut cancelled = BTreeMap::new();
    for n in 0..1000u32 {
        lines.push_str(&deduction(n).to_string());
        lines.push('\n');
    }
    for n in (0..1000u32).step_by(10) {
        let time = format!("2026-11-26 18:{:02}:{:02}", (n / 60) % 60, n % 60);
        cancelled.insert(format!("HIS-{n:05}"), time.clone());
        lines.push_str(
            &json!({"orgCode": ORG, "deductionID": format!("HIS-{n:05}"), "deductionTime": time})
                .to_string(),
        );
        lines.push('\n');
    }
    assert_eq!(cancelled.len(), 100);
    let records = dir.join("records.jsonl");
    std::fs::write(&records, lines).unwrap();
    let added = output(
        glorycard()
            .args(["outbox", "add", "--db", db_arg])
            .arg(&records),
    );
    assert!(added.status.success(), "{}", text(&added.stderr));
    assert!(text(&added.stdout).starts_with("enqueued 1100 new item(s), 0 already"));
    assert_eq!(outbox_status(&db)["status"]["pending"], 1100);

    let institution = server(&[
        "institution",
        "serve",
        "--db",
        db_arg,
        "--listen",
        "127.0.0.1:0",
        "--http",
    ]);
    let sandbox = server(&[
        "sandbox",
        "--listen",
        "127.0.0.1:0",
        "--fail-rate",
        "0.2",
        "--drop-rate",
        "0.1",
        "--seed",
        "5",
        "--org-code",
        ORG,
        "--institution-url",
        &institution.url,
        "--cert-out",
        pem.to_str().unwrap(),
    ]);
    let drain = || {
        let mut command = glorycard();
        command.args(["outbox", "drain", "--db", db_arg, "--concurrency", "16"]);
        against(&mut command, &sandbox, &pem);
        command
    };
    let mut rng = random("outbox drain");
    let acknowledged = || {
        read_number(
            &db,
            "SELECT count(*) FROM items WHERE state = 'acknowledged'",
        )
    };
    for target in random_points(&mut rng, 2, 50, 800) {
        kill_when_reached(&mut drain(), acknowledged, target);
        let status = outbox_status(&db)["status"].clone();
        eprintln!("after a kill: {status}");
        assert_eq!(status["rejected"], 0, "{status}");
        assert!(status["pending"].as_u64() > Some(0), "{status}");
    }
    let started = Instant::now();
    let finished = output(&mut drain());
    assert!(
        finished.status.success(),
        "{}{}",
        text(&finished.stdout),
        text(&finished.stderr)
    );
    eprintln!(
        "final drain: {} in {:?}",
        text(&finished.stdout).trim(),
        started.elapsed()
    );
    let status = outbox_status(&db);
    assert_eq!(status["status"]["pending"], 0, "{status}");
    assert_eq!(status["status"]["acknowledged"], 1100, "{status}");
    assert_eq!(status["status"]["rejected"], 0, "{status}");

    // The sandbox holds each deduction exactly once, with the right cancellation state.
    let listed = admin(&sandbox.url, &pem, "/admin/deductions");
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 1000);
    let mut seen = std::collections::BTreeSet::new();
    for stored in listed {
        let id = stored["deductionID"].as_str().unwrap();
        assert!(seen.insert(id.to_owned()), "{id} listed twice");
        match cancelled.get(id) {
            Some(time) => {
                assert_eq!(stored["status"], "0", "{stored}");
                assert_eq!(
                    stored["cancelTime"].as_str(),
                    Some(time.as_str()),
                    "{stored}"
                );
            }
            None => assert_eq!(stored["status"], "1", "{stored}"),
        }
    }
    // Dropped connections (applied, unanswered) and the kills made the drain send some
    // deductions again: the sandbox counted the repeated uploads and stored each once.
    let repeated = listed
        .iter()
        .filter(|d| d["uploads"].as_i64() > Some(1))
        .count();
    assert!(repeated > 0, "no deduction was uploaded twice");
    let stats = admin(&sandbox.url, &pem, "/admin/stats");
    assert!(stats["injected_failures"].as_u64() > Some(0), "{stats}");
    assert!(stats["injected_drops"].as_u64() > Some(0), "{stats}");
    assert_eq!(stats["deductions"], 1000, "{stats}");
    assert!(stats["uploads"].as_i64() > Some(1000), "{stats}");
    // Reconciliation: the sandbox asks `institution serve` for every deduction.
    let report = admin(&sandbox.url, &pem, "/admin/reconcile");
    assert_eq!(report["differences"], json!([]), "{report}");
    assert_eq!(
        (
            report["platformCount"].as_u64(),
            report["institutionCount"].as_u64()
        ),
        (Some(1000), Some(1000))
    );
    drop(sandbox);
    drop(institution);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A CA and a `localhost` certificate for `institution serve --tls-cert --tls-key`.
fn institution_identity(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    let paths = (
        dir.join("inst-ca.pem"),
        dir.join("inst.pem"),
        dir.join("inst-key.pem"),
    );
    std::fs::write(&paths.0, ca_cert.pem()).unwrap();
    std::fs::write(&paths.1, leaf.pem()).unwrap();
    std::fs::write(&paths.2, leaf_key.serialize_pem()).unwrap();
    paths
}

#[test]
fn a_rejected_deduction_is_kept_with_the_message_and_reconciliation_shows_it_over_https() {
    let dir = scratch("rejected");
    let pem = dir.join("ca.pem");
    let db = dir.join("outbox.db");
    let db_arg = db.to_str().unwrap();
    // The platform will already hold HIS-00001 (sent directly below); the outbox carries
    // another record under that id, between two good ones.
    let mut conflicting = deduction(1);
    conflicting["deductionFee"] = json!("5.00");
    let file = dir.join("records.jsonl");
    std::fs::write(
        &file,
        format!("{}\n{conflicting}\n{}\n", deduction(0), deduction(2)),
    )
    .unwrap();
    let added = output(
        glorycard()
            .args(["outbox", "add", "--db", db_arg])
            .arg(&file),
    );
    assert!(added.status.success(), "{}", text(&added.stderr));

    let (inst_ca, inst_cert, inst_key) = institution_identity(&dir);
    let institution = server(&[
        "institution",
        "serve",
        "--db",
        db_arg,
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        inst_cert.to_str().unwrap(),
        "--tls-key",
        inst_key.to_str().unwrap(),
    ]);
    assert!(
        institution.url.starts_with("https://"),
        "{}",
        institution.url
    );
    let port = institution.url.rsplit(':').next().unwrap();
    let sandbox = server(&[
        "sandbox",
        "--listen",
        "127.0.0.1:0",
        "--org-code",
        ORG,
        "--institution-url",
        &format!("https://localhost:{port}"),
        "--institution-ca",
        inst_ca.to_str().unwrap(),
        "--cert-out",
        pem.to_str().unwrap(),
    ]);
    let mut direct = glorycard();
    direct.args(["deduct", "-"]);
    against(&mut direct, &sandbox, &pem);
    let mut child = direct
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(
        &mut child.stdin.take().unwrap(),
        deduction(1).to_string().as_bytes(),
    )
    .unwrap();
    let done = child.wait_with_output().unwrap();
    assert!(done.status.success(), "{}", text(&done.stderr));
    let mut drain = glorycard();
    drain.args(["outbox", "drain", "--db", db_arg]);
    against(&mut drain, &sandbox, &pem);
    let drained = output(&mut drain);
    assert_eq!(drained.status.code(), Some(1), "{}", text(&drained.stderr));
    let stderr = text(&drained.stderr);
    assert!(
        stderr.starts_with("glorycard: platform_rejected: drained: 2 acknowledged · 1 rejected"),
        "{stderr}"
    );
    assert!(stderr.contains("outbox status"), "{stderr}");
    let status = output(glorycard().args(["outbox", "status", "--db", db_arg]));
    assert_eq!(
        text(&status.stdout).lines().collect::<Vec<_>>(),
        [
            "pending 0, acknowledged 2, rejected 1",
            "rejected #2 deduction HIS-00001: deductionID HIS-00001 already holds a different deduction",
        ]
    );
    // Over HTTPS to `institution serve`: the institution granted another record than the
    // platform holds under HIS-00001, and reconciliation says so.
    let report = admin(&sandbox.url, &pem, "/admin/reconcile");
    assert_eq!(
        report["differences"],
        json!([{"deductionID": "HIS-00001", "kind": "record"}]),
        "{report}"
    );
    drop(sandbox);
    drop(institution);
    let _ = std::fs::remove_dir_all(&dir);
}

// --- The same on PostgreSQL: several processes on one database --------------------------

#[path = "../../durable/tests/support/postgres.rs"]
mod postgres;

/// Starts `command` with its output discarded (a drain that runs to its end).
fn spawn_quiet(command: &mut Command) -> std::process::Child {
    command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Three `outbox drain` processes on one PostgreSQL outbox against a sandbox that fails
/// and drops calls; two are killed with SIGKILL mid-way and started again. The survivors
/// take over the dead drainers' chains once their leases expire: every deduction is held
/// once, each cancellation after its deduction, and reconciliation against `institution
/// serve` on the same database finds no difference.
#[test]
fn three_drainers_on_postgres_two_killed_deliver_everything_once_and_reconcile() {
    let db = postgres::TestDatabase::new("cli_three_drainers");
    let dir = scratch("pg-drain");
    let pem = dir.join("ca.pem");
    let mut lines = String::new();
    let mut cancelled = BTreeMap::new();
    for n in 0..600u32 {
        lines.push_str(&deduction(n).to_string());
        lines.push('\n');
    }
    for n in (0..600u32).step_by(10) {
        let time = format!("2026-11-26 18:{:02}:{:02}", (n / 60) % 60, n % 60);
        cancelled.insert(format!("HIS-{n:05}"), time.clone());
        lines.push_str(
            &json!({"orgCode": ORG, "deductionID": format!("HIS-{n:05}"), "deductionTime": time})
                .to_string(),
        );
        lines.push('\n');
    }
    let records = dir.join("records.jsonl");
    std::fs::write(&records, lines).unwrap();
    // The password comes from PGPASSWORD, not from the command line.
    let (without_password, password) = split_password(&db.url);
    let added = output(
        glorycard()
            .env("PGPASSWORD", &password)
            .args(["outbox", "add", "--db", &without_password])
            .arg(&records),
    );
    assert!(added.status.success(), "{}", text(&added.stderr));
    let said = text(&added.stdout);
    assert!(said.starts_with("enqueued 660 new item(s)"), "{said}");
    assert!(!said.contains(&password), "{said}");

    let institution = server(&[
        "institution",
        "serve",
        "--db",
        &db.url,
        "--listen",
        "127.0.0.1:0",
        "--http",
    ]);
    let sandbox = server(&[
        "sandbox",
        "--listen",
        "127.0.0.1:0",
        "--fail-rate",
        "0.2",
        "--drop-rate",
        "0.1",
        "--seed",
        "9",
        "--org-code",
        ORG,
        "--institution-url",
        &institution.url,
        "--cert-out",
        pem.to_str().unwrap(),
    ]);
    let drain = || {
        let mut command = glorycard();
        command.args(["outbox", "drain", "--db", &db.url, "--concurrency", "8"]);
        against(&mut command, &sandbox, &pem);
        command
    };
    let acknowledged =
        || db.number("SELECT count(*) FROM glorycard.outbox_items WHERE state = 'acknowledged'");
    let mut drainers: Vec<_> = (0..3).map(|_| spawn_quiet(&mut drain())).collect();
    let mut rng = random("three drainers");
    let targets = [
        random_points(&mut rng, 1, 50, 250)[0],
        random_points(&mut rng, 1, 300, 500)[0],
    ];
    for (victim, target) in targets.into_iter().enumerate() {
        let deadline = Instant::now() + Duration::from_secs(120);
        while acknowledged() < target {
            assert!(Instant::now() < deadline, "{target} not reached in 120 s");
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(
            drainers[victim].try_wait().unwrap().is_none(),
            "drainer {victim} ended before its kill"
        );
        drainers[victim].kill().unwrap();
        drainers[victim].wait().unwrap();
        let leased = db.number(
            "SELECT count(DISTINCT lease_owner) FROM glorycard.outbox_items WHERE state = 'pending' AND lease_until > now()",
        );
        eprintln!(
            "killed drainer {victim} at {} acknowledged; {leased} drainer(s) hold leases",
            acknowledged()
        );
        drainers[victim] = spawn_quiet(&mut drain());
    }
    let started = Instant::now();
    for (index, drainer) in drainers.into_iter().enumerate() {
        let finished = drainer.wait_with_output().unwrap();
        assert!(
            finished.status.success(),
            "drainer {index}: {}",
            text(&finished.stderr)
        );
    }
    eprintln!(
        "the drainers finished {:?} after the last kill",
        started.elapsed()
    );
    let status: Value = serde_json::from_slice(
        &output(glorycard().args(["outbox", "status", "--json", "--db", &db.url])).stdout,
    )
    .unwrap();
    assert_eq!(status["status"]["pending"], 0, "{status}");
    assert_eq!(status["status"]["acknowledged"], 660, "{status}");
    assert_eq!(status["status"]["rejected"], 0, "{status}");

    let listed = admin(&sandbox.url, &pem, "/admin/deductions");
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 600);
    let mut seen = std::collections::BTreeSet::new();
    for stored in listed {
        let id = stored["deductionID"].as_str().unwrap();
        assert!(seen.insert(id.to_owned()), "{id} listed twice");
        match cancelled.get(id) {
            Some(time) => assert_eq!(stored["cancelTime"].as_str(), Some(time.as_str())),
            None => assert_eq!(stored["status"], "1", "{stored}"),
        }
    }
    let stats = admin(&sandbox.url, &pem, "/admin/stats");
    assert!(stats["injected_failures"].as_u64() > Some(0), "{stats}");
    assert_eq!(stats["deductions"], 600, "{stats}");
    let report = admin(&sandbox.url, &pem, "/admin/reconcile");
    assert_eq!(report["differences"], json!([]), "{report}");
    assert_eq!(report["institutionCount"].as_u64(), Some(600), "{report}");
    drop(sandbox);
    drop(institution);
    let _ = std::fs::remove_dir_all(&dir);
}

/// (`url` without its password, the password).
fn split_password(url: &str) -> (String, String) {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (credentials, host) = rest.split_once('@').unwrap();
    let (user, password) = credentials.split_once(':').unwrap();
    (format!("{scheme}://{user}@{host}"), password.to_owned())
}

/// A replica on PostgreSQL: a sync killed with SIGKILL is resumed by another process,
/// a third sync started meanwhile is refused (`conflict`) while that one runs, and the
/// result equals the sandbox's roster; lookups answer from the database.
#[test]
fn a_replica_sync_on_postgres_killed_resumes_elsewhere_one_sync_at_a_time() {
    const HOLDERS: i64 = 50_000;
    const SEED: u64 = 11;
    let db = postgres::TestDatabase::new("cli_replica");
    let dir = scratch("pg-sync");
    let pem = dir.join("ca.pem");
    let sandbox = server(&[
        "sandbox",
        "--listen",
        "127.0.0.1:0",
        "--holders",
        "50000",
        "--seed",
        "11",
        "--masked-every",
        "9",
        "--cert-out",
        pem.to_str().unwrap(),
    ]);
    let sync = || {
        let mut command = glorycard();
        command.args(["roster", "sync", "--db", &db.url]);
        against(&mut command, &sandbox, &pem);
        command
    };
    let checkpoint = || db.number("SELECT data_id FROM glorycard.replica_checkpoint");
    let mut rng = random("replica sync on postgres");
    let target = random_points(&mut rng, 1, 1_000, 20_000)[0];
    kill_when_reached(&mut sync(), checkpoint, target);
    let killed_at = checkpoint();
    assert_eq!(
        db.number("SELECT count(*) FROM glorycard.replica_holders"),
        killed_at,
        "records and checkpoint after the kill"
    );
    assert_eq!(killed_at % 500, 0, "a partial page was applied");

    let resumed = spawn_quiet(&mut sync());
    let deadline = Instant::now() + Duration::from_secs(120);
    while checkpoint() <= killed_at {
        assert!(
            Instant::now() < deadline,
            "the resumed sync applied no page"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    // The resumed sync holds the lock while it applies pages: a third is refused.
    if checkpoint() < HOLDERS {
        let third = output(&mut sync());
        assert_eq!(third.status.code(), Some(2), "{}", text(&third.stderr));
        assert!(
            text(&third.stderr).contains("conflict: another sync of the replica"),
            "{}",
            text(&third.stderr)
        );
    } else {
        eprintln!("the resumed sync finished before a third could start: not checked");
    }
    let finished = resumed.wait_with_output().unwrap();
    assert!(finished.status.success(), "{}", text(&finished.stderr));

    let rows = db.query(
        "SELECT string_agg(concat_ws(E'\\t', cert_type, cert_no, cert_name, glory_type, glory_id, data_id), E'\\n' ORDER BY data_id) FROM glorycard.replica_holders",
    );
    let stored = rows.lines().map(|line| {
        let fields: Vec<String> = line.split('\t').map(str::to_owned).collect();
        <[String; 6]>::try_from(fields).unwrap()
    });
    let served = (1..=HOLDERS).map(|id| {
        let r = glorycard_sandbox::served_record(SEED, 9, id);
        [
            r.cert_type.code().to_owned(),
            r.cert_no.into(),
            r.cert_name.into(),
            r.glory_type.code().to_owned(),
            r.glory_id.to_string(),
            r.data_id.to_string(),
        ]
    });
    assert_eq!(checksum(stored), checksum(served));

    let lookup = |args: &[&str]| {
        output(
            glorycard()
                .args(["roster", "lookup", "--db", &db.url])
                .args(args),
        )
    };
    let masked = glorycard_core::synthetic::roster_record(SEED, 9);
    let found = lookup(&[
        "--cert-no",
        masked.cert_no.as_str(),
        "--name",
        masked.cert_name.as_str(),
    ]);
    assert!(found.status.success(), "{}", text(&found.stderr));
    assert!(
        text(&found.stdout)
            .lines()
            .map(|line| serde_json::from_str::<Value>(line).unwrap())
            .any(|m| m["gloryID"] == 10_009 && m["match"] == "partial")
    );
    let whole = glorycard_core::synthetic::roster_record(SEED, 8);
    let found = lookup(&["--cert-no", whole.cert_no.as_str()]);
    let line: Value = serde_json::from_slice(&found.stdout).unwrap();
    assert_eq!(
        (line["gloryID"].as_i64(), line["match"].as_str()),
        (Some(10_008), Some("exact"))
    );
    drop(sandbox);
    let _ = std::fs::remove_dir_all(&dir);
}

// --- Fencing: a drainer that stalls past its lease -------------------------------------

/// Sends `signal` (STOP, CONT) to process `pid`.
fn signal(pid: u32, signal: &str) {
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status()
        .unwrap();
    assert!(status.success(), "kill -{signal} {pid}");
}

/// Waits until the sandbox has received at least `requests` requests.
fn await_requests(sandbox: &Server, pem: &Path, requests: u64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while admin(&sandbox.url, pem, "/admin/stats")["requests"].as_u64() < Some(requests) {
        assert!(
            Instant::now() < deadline,
            "{requests} request(s) not reached in 60 s"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The number of items a drain's last line says it acknowledged.
fn acknowledged_by(stdout: &str) -> i64 {
    let line = stdout
        .lines()
        .find(|line| line.starts_with("drained: "))
        .unwrap_or_else(|| panic!("no summary in {stdout:?}"));
    line["drained: ".len()..]
        .split_whitespace()
        .next()
        .unwrap()
        .replace(',', "")
        .parse()
        .unwrap()
}

/// `count` deductions, each followed by its cancellation, as `outbox add` reads them.
fn deductions_and_cancellations(count: u32) -> String {
    let mut lines = String::new();
    for n in 0..count {
        lines.push_str(&deduction(n).to_string());
        lines.push('\n');
        lines.push_str(
            &json!({"orgCode": ORG, "deductionID": format!("HIS-{n:05}"), "deductionTime": "2026-11-26 20:00:00"})
                .to_string(),
        );
        lines.push('\n');
    }
    lines
}

/// The sandbox holds every deduction once, each cancelled, and never received a
/// deduction after its cancellation nor a cancellation before its deduction.
fn assert_delivered_in_order(sandbox: &Server, pem: &Path, count: usize) {
    let stats = admin(&sandbox.url, pem, "/admin/stats");
    assert_eq!(stats["deductions_after_cancellation"], 0, "{stats}");
    assert_eq!(stats["cancellations_before_deduction"], 0, "{stats}");
    assert_eq!(stats["deductions"], count, "{stats}");
    assert_eq!(stats["cancelled"], count, "{stats}");
    let listed = admin(&sandbox.url, pem, "/admin/deductions");
    for stored in listed.as_array().unwrap() {
        assert_eq!(stored["cancelTime"], "2026-11-26 20:00:00", "{stored}");
    }
}

/// Enqueues eight deductions and their cancellations into the outbox at `db`, and starts
/// a sandbox that answers every call after `latency_ms` (its certificate written to
/// `pem`).
fn fill_outbox_and_start_a_slow_sandbox(
    db: &std::ffi::OsStr,
    dir: &Path,
    pem: &Path,
    latency_ms: &str,
) -> Server {
    let records = dir.join("records.jsonl");
    std::fs::write(&records, deductions_and_cancellations(8)).unwrap();
    let added = output(
        glorycard()
            .args(["outbox", "add", "--db"])
            .arg(db)
            .arg(&records),
    );
    assert!(added.status.success(), "{}", text(&added.stderr));
    server(&[
        "sandbox",
        "--listen",
        "127.0.0.1:0",
        "--latency-ms",
        latency_ms,
        "--org-code",
        ORG,
        "--cert-out",
        pem.to_str().unwrap(),
    ])
}

/// The scenario on PostgreSQL: a platform slow to answer, drainer A sends its
/// first deductions and is frozen (SIGSTOP) past its lease; drainer B takes the chains
/// over and delivers each deduction and then its cancellation; A is resumed with its
/// calls timed out. A sends nothing more (no retried deduction reaches the platform
/// after its cancellation), records nothing, and both report together exactly the items
/// there are.
#[test]
fn a_drainer_frozen_past_its_lease_on_postgres_sends_and_records_nothing_more() {
    let db = postgres::TestDatabase::new("cli_frozen_drainer");
    let dir = scratch("pg-frozen");
    let pem = dir.join("ca.pem");
    let sandbox = fill_outbox_and_start_a_slow_sandbox(db.url.as_ref(), &dir, &pem, "2000");
    // A 6 s lease, calls cut at 4 s; one attempt may take 3 s (the platform answers in 2).
    let drain = || {
        let mut command = glorycard();
        command.args([
            "outbox",
            "drain",
            "--db",
            &db.url,
            "--concurrency",
            "8",
            "--lease",
            "6",
            "--call-deadline",
            "4",
            "--request-timeout",
            "3",
        ]);
        against(&mut command, &sandbox, &pem);
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        command
    };
    let drainer_a = drain().spawn().unwrap();
    await_requests(&sandbox, &pem, 1);
    signal(drainer_a.id(), "STOP");
    let frozen = Instant::now();
    let drainer_b = drain().spawn().unwrap();
    let b = drainer_b.wait_with_output().unwrap();
    eprintln!(
        "drainer B finished {:?} after A was frozen: {}{}",
        frozen.elapsed(),
        text(&b.stdout),
        text(&b.stderr)
    );
    assert!(b.status.success(), "{}", text(&b.stderr));
    assert_delivered_in_order(&sandbox, &pem, 8);
    let requests_before = admin(&sandbox.url, &pem, "/admin/stats")["requests"].clone();
    // A wakes with its calls' timeouts (3 s) and deadlines (4 s) long past.
    signal(drainer_a.id(), "CONT");
    let a = drainer_a.wait_with_output().unwrap();
    eprintln!("drainer A: {}{}", text(&a.stdout), text(&a.stderr));
    assert!(a.status.success(), "{}", text(&a.stderr));
    assert_delivered_in_order(&sandbox, &pem, 8);
    assert_eq!(
        admin(&sandbox.url, &pem, "/admin/stats")["requests"],
        requests_before,
        "drainer A sent again after it woke"
    );
    let (by_a, by_b) = (
        acknowledged_by(&text(&a.stdout)),
        acknowledged_by(&text(&b.stdout)),
    );
    assert_eq!(by_a + by_b, 16, "A reported {by_a}, B {by_b}");
    assert_eq!(by_a, 0, "A counted items whose lease it had lost");
    let status: Value = serde_json::from_slice(
        &output(glorycard().args(["outbox", "status", "--json", "--db", &db.url])).stdout,
    )
    .unwrap();
    assert_eq!(status["status"]["acknowledged"], 16, "{status}");
    assert_eq!(status["status"]["pending"], 0, "{status}");
    drop(sandbox);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The same on SQLite, where one drain at a time holds the file's lock: drainer A, frozen
/// while its calls are in flight, keeps drainer B out (a clear `conflict`), and once
/// resumed abandons its calls past their deadline, sends them again and finishes: every
/// item delivered, in order.
#[test]
fn a_sqlite_drain_frozen_holding_its_lock_keeps_others_out_and_finishes_in_order() {
    let dir = scratch("sqlite-frozen");
    let pem = dir.join("ca.pem");
    let db = dir.join("outbox.db");
    let sandbox = fill_outbox_and_start_a_slow_sandbox(db.as_os_str(), &dir, &pem, "1000");
    let drain = || {
        let mut command = glorycard();
        command
            .args([
                "outbox",
                "drain",
                "--concurrency",
                "8",
                "--lease",
                "3",
                "--call-deadline",
                "2",
            ])
            .arg("--db")
            .arg(&db);
        against(&mut command, &sandbox, &pem);
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        command
    };
    let drainer_a = drain().spawn().unwrap();
    await_requests(&sandbox, &pem, 1);
    signal(drainer_a.id(), "STOP");
    let b = output(&mut drain());
    assert_eq!(b.status.code(), Some(2), "{}", text(&b.stderr));
    assert!(
        text(&b.stderr).contains("conflict: another drain of"),
        "{}",
        text(&b.stderr)
    );
    std::thread::sleep(Duration::from_secs(3));
    signal(drainer_a.id(), "CONT");
    let a = drainer_a.wait_with_output().unwrap();
    eprintln!("drainer A: {}{}", text(&a.stdout), text(&a.stderr));
    assert!(a.status.success(), "{}", text(&a.stderr));
    assert_eq!(acknowledged_by(&text(&a.stdout)), 16);
    assert_delivered_in_order(&sandbox, &pem, 8);
    let status = outbox_status(&db);
    assert_eq!(status["status"]["acknowledged"], 16, "{status}");
    drop(sandbox);
    let _ = std::fs::remove_dir_all(&dir);
}
