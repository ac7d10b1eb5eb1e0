//! The durable replica and outbox over loopback HTTPS, client and sandbox in one process
//! on this machine, SQLite files in the temporary directory. A measurement, not a test:
//!
//! ```text
//! cargo run --release -p glorycard-sandbox --example durable
//! ```
//!
//! - replica sync of 100,000 holders (every response signature verified, every page
//!   committed with its checkpoint), records/s;
//! - lookup latency p50/p99/max over 100,000 lookups of holders in the replica, and
//!   while a sync writes to the same file;
//! - outbox enqueue rate with a durable commit (WAL, `synchronous=FULL`) per item, and
//!   per batch of 100;
//! - drain rate of 10,000 items against the sandbox, 16 calls in flight.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    missing_docs
)]

use std::time::{Duration, Instant};

use glorycard_client::{Client, RetryPolicy};
use glorycard_core::SecretKey;
use glorycard_core::models::{
    CertType, Deduction, DeductionType, GloryType, RosterRecord, resident_id_check_char,
};
use glorycard_core::synthetic::{self, SplitMix64};
use glorycard_durable::{DrainOptions, Outbox, OutboxEntry, Replica};
use glorycard_sandbox::{Sandbox, SandboxConfig};

const SID: &str = "47258258201708031835123456";
const ORG: &str = "106607";
const SEED: u64 = 1;
const MASKED_EVERY: u32 = 10;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn remove_db(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm", ".drain-lock"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        let _ = std::fs::remove_file(file);
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// "p50 … µs, p99 … µs, max … µs" of the latencies (sorted here).
fn latency_summary(latencies: &mut [Duration]) -> String {
    latencies.sort();
    let micros = |d: Duration| d.as_secs_f64() * 1e6;
    format!(
        "p50 {:.1} µs, p99 {:.1} µs, max {:.1} µs",
        micros(percentile(latencies, 0.50)),
        micros(percentile(latencies, 0.99)),
        micros(latencies[latencies.len() - 1])
    )
}

fn deduction(n: usize) -> Deduction {
    let base = format!("3301021980{n:07}");
    let check = resident_id_check_char(&base).unwrap();
    Deduction {
        org_code: ORG.into(),
        cert_type: CertType::ResidentId,
        cert_no: format!("{base}{check}").into(),
        cert_name: "王小凡".into(),
        deduction_id: format!("BENCH-{n:07}"),
        total_fee: "30.00".into(),
        deduction_fee: "30.00".into(),
        // Now in China time: an enqueue refuses times far from it.
        deduction_time: glorycard_core::Timestamp::now().to_datetime_string(),
        glory_type: GloryType::GloryCard,
        deduction_type: DeductionType::OutpatientConsultation,
        remarks: None,
    }
}

/// Looks `holder` up by number and name, checks that it is found, and returns the time
/// the lookup took.
fn timed_lookup(replica: &Replica, holder: &RosterRecord) -> Duration {
    let started = Instant::now();
    let found = replica
        .lookup(
            &CertType::ResidentId,
            holder.cert_no.as_str(),
            Some(holder.cert_name.as_str()),
        )
        .unwrap();
    let elapsed = started.elapsed();
    assert!(found.iter().any(|m| m.record.glory_id == holder.glory_id));
    elapsed
}

async fn sandbox_of(holders: i64) -> Sandbox {
    let mut config = SandboxConfig::new(SID, SecretKey::new("4fd6b8105f894d0da964b1e80b07b136"));
    config.holders = holders;
    config.seed = SEED;
    config.masked_every = MASKED_EVERY;
    Sandbox::start(config).await.expect("sandbox")
}

fn client_of(sandbox: &Sandbox) -> Client {
    Client::builder(sandbox.url())
        .sid(SID)
        .key(SecretKey::new("4fd6b8105f894d0da964b1e80b07b136"))
        .org_code(ORG)
        .add_root_certificate_pem(sandbox.ca_pem().expect("HTTPS").as_bytes().to_vec())
        .retry_policy(RetryPolicy::never())
        .build()
        .expect("client")
}

#[tokio::main]
async fn main() {
    let holders = env_or("HOLDERS", 100_000) as i64;
    let lookups = env_or("LOOKUPS", 100_000);
    let single = env_or("ENQUEUE_SINGLE", 2_000);
    let batched = env_or("ENQUEUE_BATCHED", 20_000);
    let drained = env_or("DRAIN", 10_000);
    let sandbox = sandbox_of(holders).await;
    let client = client_of(&sandbox);
    let dir = std::env::temp_dir();
    let pid = std::process::id();

    // Replica sync.
    let replica_path = dir.join(format!("glorycard-bench-replica-{pid}.db"));
    remove_db(&replica_path);
    let replica = Replica::open(&replica_path).unwrap();
    let wall = Instant::now();
    let synced = replica.sync(&client).await.expect("sync");
    let wall = wall.elapsed();
    assert_eq!(synced.records as i64, holders);
    assert_eq!(replica.len().unwrap() as i64, holders);
    println!(
        "replica sync: {} records in {} pages, {:.2} s, {:.0} records/s (goal >= 30,000); {:.2} s with the wait for a new second",
        synced.records,
        synced.pages,
        synced.elapsed.as_secs_f64(),
        synced.records_per_second(),
        wall.as_secs_f64()
    );

    // Lookups: random holders, by their full number (with the name, for the masked ones).
    let mut rng = SplitMix64::new(7);
    let mut latencies = Vec::with_capacity(lookups);
    let mut partial = 0usize;
    for _ in 0..lookups {
        let data_id = 1 + rng.below(holders as u64) as i64;
        let holder = synthetic::roster_record(SEED, data_id);
        latencies.push(timed_lookup(&replica, &holder));
        if data_id % i64::from(MASKED_EVERY) == 0 {
            partial += 1;
        }
    }
    println!(
        "lookup: {lookups} lookups ({partial} of masked holders), {} (goal p99 <= 50 µs)",
        latency_summary(&mut latencies)
    );
    drop(replica);
    remove_db(&replica_path);

    // Lookups while a sync writes to the same file: half the roster synced, then the
    // other half fetched and written while another thread looks up the first half.
    let half = holders / 2;
    let replica = Replica::open(&replica_path).unwrap();
    let first_half = sandbox_of(half).await;
    replica.sync(&client_of(&first_half)).await.expect("sync");
    drop(first_half);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let looker = {
        let (replica, stop) = (replica.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut rng = SplitMix64::new(11);
            let mut latencies = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let holder = synthetic::roster_record(SEED, 1 + rng.below(half as u64) as i64);
                latencies.push(timed_lookup(&replica, &holder));
            }
            latencies
        })
    };
    let second = replica.sync(&client).await.expect("sync");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut latencies = looker.join().unwrap();
    println!(
        "lookup during a sync of {} records into the same file: {} lookups, {}",
        second.records,
        latencies.len(),
        latency_summary(&mut latencies)
    );
    drop(replica);
    remove_db(&replica_path);

    // Outbox enqueue: one durable commit per item, then per batch of 100.
    let outbox_path = dir.join(format!("glorycard-bench-outbox-{pid}.db"));
    remove_db(&outbox_path);
    let outbox = Outbox::open(&outbox_path).unwrap();
    let started = Instant::now();
    for n in 0..single {
        outbox.enqueue_deduction(&deduction(n)).unwrap();
    }
    let elapsed = started.elapsed();
    println!(
        "outbox enqueue, one durable commit each: {single} items, {:.2} s, {:.0} items/s",
        elapsed.as_secs_f64(),
        single as f64 / elapsed.as_secs_f64()
    );
    let entries: Vec<OutboxEntry> = (single..single + batched)
        .map(|n| OutboxEntry::Deduction(deduction(n)))
        .collect();
    let started = Instant::now();
    for batch in entries.chunks(100) {
        outbox.enqueue_all(batch).unwrap();
    }
    let elapsed = started.elapsed();
    println!(
        "outbox enqueue, one durable commit per 100: {batched} items, {:.2} s, {:.0} items/s",
        elapsed.as_secs_f64(),
        batched as f64 / elapsed.as_secs_f64()
    );
    drop(outbox);
    remove_db(&outbox_path);

    // Drain.
    let outbox = Outbox::open(&outbox_path).unwrap();
    let entries: Vec<OutboxEntry> = (0..drained)
        .map(|n| OutboxEntry::Deduction(deduction(n)))
        .collect();
    outbox.enqueue_all(&entries).unwrap();
    let options = DrainOptions::default().concurrency(16);
    let started = Instant::now();
    let report = outbox.drain_with(&client, &options, |_| {}).await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!((report.acknowledged as usize, report.pending), (drained, 0));
    println!(
        "outbox drain: {drained} items acknowledged, 16 in flight, {:.2} s, {:.0} items/s (the wait of up to 1 s for a new second included)",
        elapsed.as_secs_f64(),
        drained as f64 / elapsed.as_secs_f64()
    );
    drop(outbox);
    remove_db(&outbox_path);
}
