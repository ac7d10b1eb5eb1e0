//! The stores on SQLite and on PostgreSQL, measured in one run on this machine: enqueue
//! items/s (one per transaction, and batches of 500), drain items/s against an in-process
//! sandbox platform over loopback HTTPS (1 drainer on SQLite, whose file lock allows one;
//! 1, 2 and 4 on PostgreSQL), and replica lookup latency p50/p99. A measurement, not a
//! test: `bash durable/bench/run.sh` builds it in release and starts a throwaway
//! PostgreSQL (or uses GLORYCARD_TEST_DATABASE_URL).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    missing_docs
)]

#[path = "../tests/support/postgres.rs"]
mod support;

use std::time::{Duration, Instant};

use glorycard_client::{Client, RetryPolicy};
use glorycard_core::SecretKey;
use glorycard_core::models::{CertType, Deduction, DeductionType, GloryType};
use glorycard_durable::{DrainOptions, Outbox, OutboxEntry, Replica};
use glorycard_sandbox::{Sandbox, SandboxConfig};

const SID: &str = "47258258201708031835123456";
const KEY: &str = "4fd6b8105f894d0da964b1e80b07b136";
const ORG: &str = "106607";
const HOLDERS: i64 = 20_000;
const SINGLE: usize = 2_000;
const BATCHES: usize = 20;
const BATCH: usize = 500;
const DRAINED: usize = 3_000;
const LOOKUPS: usize = 10_000;

fn deduction(id: String) -> Deduction {
    Deduction {
        org_code: ORG.into(),
        cert_type: CertType::ResidentId,
        cert_no: "11010519491231002X".into(),
        cert_name: "王小凡".into(),
        deduction_id: id,
        total_fee: "30.00".into(),
        deduction_fee: "30.00".into(),
        // Now in China time: an enqueue refuses times far from it.
        deduction_time: glorycard_core::Timestamp::now().to_datetime_string(),
        glory_type: GloryType::GloryCard,
        deduction_type: DeductionType::OutpatientConsultation,
        remarks: None,
    }
}

fn per_second(count: usize, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64()
}

/// One store location per measurement: a new SQLite file, or a new database.
struct Places {
    dir: std::path::PathBuf,
    server: Option<String>,
    databases: Vec<support::TestDatabase>,
}

impl Places {
    fn fresh(&mut self, name: &str) -> String {
        match &self.server {
            None => self.dir.join(format!("{name}.db")).display().to_string(),
            Some(server) => {
                let database = support::TestDatabase::on(server, name);
                let url = database.url.clone();
                self.databases.push(database);
                url
            }
        }
    }
}

fn enqueue(places: &mut Places, label: &str) {
    let outbox = Outbox::open(places.fresh("enqueue")).unwrap();
    let started = Instant::now();
    for n in 0..SINGLE {
        outbox
            .enqueue_deduction(&deduction(format!("S{n:06}")))
            .unwrap();
    }
    let single = per_second(SINGLE, started.elapsed());
    let started = Instant::now();
    for batch in 0..BATCHES {
        let entries: Vec<_> = (0..BATCH)
            .map(|n| OutboxEntry::Deduction(deduction(format!("B{batch:03}-{n:04}"))))
            .collect();
        outbox.enqueue_all(&entries).unwrap();
    }
    let batched = per_second(BATCHES * BATCH, started.elapsed());
    println!(
        "{label:<10} enqueue: {single:>8.0} items/s one per commit, {batched:>8.0} items/s in batches of {BATCH}"
    );
}

async fn drain(places: &mut Places, label: &str, client: &Client, drainers: usize, run: usize) {
    let location = places.fresh(&format!("drain{drainers}"));
    let entries: Vec<_> = (0..DRAINED)
        .map(|n| OutboxEntry::Deduction(deduction(format!("R{run}-{n:05}"))))
        .collect();
    Outbox::open(&location)
        .unwrap()
        .enqueue_all(&entries)
        .unwrap();
    let nodes: Vec<_> = (0..drainers)
        .map(|_| Outbox::open(&location).unwrap())
        .collect();
    let options = DrainOptions::default().concurrency(8);
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for node in nodes {
        let (client, options) = (client.clone(), options.clone());
        tasks.spawn(async move { node.drain_with(&client, &options, |_| {}).await });
    }
    let mut acknowledged = 0;
    while let Some(report) = tasks.join_next().await {
        acknowledged += report.unwrap().unwrap().acknowledged;
    }
    assert_eq!(acknowledged as usize, DRAINED);
    // The drain's first wait for a new second (at most 1 s) is part of every drain.
    println!(
        "{label:<10} drain, {drainers} drainer(s) × 8 calls: {:>6.0} items/s",
        per_second(DRAINED, started.elapsed())
    );
}

async fn lookups(places: &mut Places, label: &str, client: &Client) {
    let replica = Replica::open(places.fresh("replica")).unwrap();
    let synced = replica.sync(client).await.unwrap();
    assert_eq!(synced.records, HOLDERS);
    let holders: Vec<_> = (1..=HOLDERS)
        .map(|id| glorycard_sandbox::served_record(0, 0, id))
        .filter(|record| !record.cert_no.as_str().contains('*'))
        .collect();
    let mut latencies = Vec::with_capacity(LOOKUPS);
    let replica = tokio::task::spawn_blocking(move || {
        for n in 0..LOOKUPS {
            let holder = &holders[(n * 7919) % holders.len()];
            let started = Instant::now();
            let found = replica
                .lookup(
                    &holder.cert_type,
                    holder.cert_no.as_str(),
                    Some(holder.cert_name.as_str()),
                )
                .unwrap();
            latencies.push(started.elapsed());
            assert_eq!(found.len(), 1);
        }
        latencies
    });
    let mut latencies = replica.await.unwrap();
    latencies.sort();
    let at = |quantile: f64| {
        latencies[((latencies.len() as f64 * quantile) as usize).min(latencies.len() - 1)]
    };
    println!(
        "{label:<10} lookup ({LOOKUPS} of {HOLDERS} holders): p50 {:>7.1} µs, p99 {:>7.1} µs; sync {:>6.0} records/s",
        at(0.50).as_secs_f64() * 1e6,
        at(0.99).as_secs_f64() * 1e6,
        synced.records_per_second()
    );
}

#[tokio::main]
async fn main() {
    let server = std::env::var("GLORYCARD_TEST_DATABASE_URL")
        .expect("GLORYCARD_TEST_DATABASE_URL (durable/bench/run.sh starts a server)");
    let mut config = SandboxConfig::new(SID, SecretKey::new(KEY));
    config.holders = HOLDERS;
    config.seed = 0;
    config.masked_every = 0;
    config.org_code = Some(ORG.into());
    let sandbox = Sandbox::start(config).await.unwrap();
    let client = Client::builder(sandbox.url().to_string())
        .sid(SID)
        .key(SecretKey::new(KEY))
        .org_code(ORG)
        .add_root_certificate_pem(sandbox.ca_pem().unwrap().as_bytes().to_vec())
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let dir = std::env::temp_dir().join(format!("glorycard-stores-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    println!(
        "one run, this machine ({} cores), the sandbox in this process; PostgreSQL {} on loopback",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        support::psql(&server, "SHOW server_version")
    );
    let mut sqlite = Places {
        dir: dir.clone(),
        server: None,
        databases: Vec::new(),
    };
    let mut postgres = Places {
        dir: dir.clone(),
        server: Some(server),
        databases: Vec::new(),
    };
    // Synchronous, as an HIS calls it.
    enqueue(&mut sqlite, "SQLite");
    enqueue(&mut postgres, "PostgreSQL");
    drain(&mut sqlite, "SQLite", &client, 1, 0).await;
    for (run, drainers) in [1, 2, 4].into_iter().enumerate() {
        drain(&mut postgres, "PostgreSQL", &client, drainers, run + 1).await;
    }
    lookups(&mut sqlite, "SQLite", &client).await;
    lookups(&mut postgres, "PostgreSQL", &client).await;
    let _ = std::fs::remove_dir_all(&dir);
}
