//! Throughput over loopback HTTPS, client and sandbox in one process on this machine:
//! roster sync of 100,000 holders (every response signature verified) and `deduct`
//! calls per second at concurrency 16. A measurement, not a test:
//!
//! ```text
//! cargo run --release -p glorycard-sandbox --example throughput
//! ```
//!
//! With `SANDBOX_URL` and `SANDBOX_CA` (a PEM file) it measures only `deduct`, against a
//! sandbox already running (`glorycard sandbox`, sid and key as below), so that other
//! clients (bindings-jvm/bench/client.sh: Java) are measured against the same server in
//! the same run; `PREFIX` keeps each run's deductionIDs apart.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    missing_docs
)]

use std::time::{Duration, Instant};

use glorycard_client::{Client, RetryPolicy};
use glorycard_core::SecretKey;
use glorycard_core::models::{CertType, Deduction, DeductionType, GloryType};
use glorycard_sandbox::{Sandbox, SandboxConfig};

const SID: &str = "47258258201708031835123456";
const ORG: &str = "106607";

#[tokio::main]
async fn main() {
    let holders: i64 = std::env::var("HOLDERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let deductions: usize = std::env::var("DEDUCTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let key = SecretKey::new("4fd6b8105f894d0da964b1e80b07b136");
    let prefix = std::env::var("PREFIX").unwrap_or_else(|_| "B".into());
    let external = std::env::var("SANDBOX_URL").ok();
    // Kept alive to the end when started here.
    let mut _sandbox = None;
    let (url, ca_pem) = match external {
        Some(url) => {
            let ca = std::env::var("SANDBOX_CA").expect("SANDBOX_CA with SANDBOX_URL");
            (url, std::fs::read(ca).expect("SANDBOX_CA"))
        }
        None => {
            let mut config = SandboxConfig::new(SID, key.clone());
            config.holders = holders;
            let sandbox = Sandbox::start(config).await.expect("sandbox");
            let found = (
                sandbox.url().to_string(),
                sandbox.ca_pem().expect("HTTPS").as_bytes().to_vec(),
            );
            _sandbox = Some(sandbox);
            found
        }
    };
    let client = Client::builder(url)
        .sid(SID)
        .key(key)
        .org_code(ORG)
        .add_root_certificate_pem(ca_pem)
        .retry_policy(RetryPolicy::never())
        .build()
        .expect("client");
    if _sandbox.is_some() {
        roster_sync(&client, holders).await;
    }
    deduct(&client, deductions, &prefix).await;
}

async fn roster_sync(client: &Client, holders: i64) {
    let started = Instant::now();
    let mut pages = client.roster_updates(0);
    let (mut records, mut page_count) = (0usize, 0usize);
    while let Some(page) = pages.next_page().await.expect("page") {
        records += page.len();
        page_count += 1;
    }
    let elapsed = started.elapsed();
    assert_eq!(records as i64, holders);
    println!(
        "roster sync: {records} records in {page_count} pages, {:.2} s, {:.0} records/s (goal >= 50,000)",
        elapsed.as_secs_f64(),
        records as f64 / elapsed.as_secs_f64()
    );
}

async fn deduct(client: &Client, deductions: usize, prefix: &str) {
    let started = Instant::now();
    let concurrency: usize = std::env::var("CONCURRENCY")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16);
    let mut tasks = tokio::task::JoinSet::new();
    let per_task = deductions / concurrency;
    for worker in 0..concurrency {
        let client = client.clone();
        let prefix = prefix.to_owned();
        tasks.spawn(async move {
            let mut latencies = Vec::with_capacity(per_task);
            for n in 0..per_task {
                let deduction = Deduction {
                    org_code: ORG.into(),
                    cert_type: CertType::ResidentId,
                    cert_no: "11010519491231002X".into(),
                    cert_name: "王小凡".into(),
                    deduction_id: format!("{prefix}{worker:02}-{n:06}"),
                    total_fee: "30.00".into(),
                    deduction_fee: "30.00".into(),
                    // Now in China time, as an HIS sends it.
                    deduction_time: glorycard_core::Timestamp::now().to_datetime_string(),
                    glory_type: GloryType::GloryCard,
                    deduction_type: DeductionType::OutpatientConsultation,
                    remarks: None,
                };
                let call = Instant::now();
                client.deduct(&deduction).await.expect("deduct");
                latencies.push(call.elapsed());
            }
            latencies
        });
    }
    let mut latencies: Vec<Duration> = Vec::new();
    while let Some(done) = tasks.join_next().await {
        latencies.extend(done.expect("task"));
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let p = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    println!(
        "deduct: {} calls at concurrency {concurrency} in {:.2} s, {:.0} calls/s (goal >= 1,000); latency p50 {:.2} ms, p99 {:.2} ms",
        latencies.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        p(0.5).as_secs_f64() * 1e3,
        p(0.99).as_secs_f64() * 1e3
    );
}
