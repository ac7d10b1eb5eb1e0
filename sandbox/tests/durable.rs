//! The durable roster replica and deduction outbox against the sandbox, over real
//! loopback HTTPS, in one process. The crash tests with real processes are in
//! `cli/tests/durability.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::collections::{BTreeMap, BTreeSet};
use std::net::TcpListener;
use std::time::Duration;

use glorycard_client::{Client, RetryPolicy};
use glorycard_core::models::{Cancellation, CertType, RosterRecord};
use glorycard_core::synthetic;
use glorycard_durable::{DrainOptions, MatchKind, Outbox, OutboxEntry, Replica};
use glorycard_sandbox::{Faults, served_record};

mod common;

use common::*;

/// A database path in a directory of its own, removed with the directory on drop.
struct TempDb(std::path::PathBuf);

impl TempDb {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("glorycard-sandbox-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDb(dir.join("store.db"))
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn replica_records(replica: &Replica) -> Vec<RosterRecord> {
    let mut records = Vec::new();
    replica
        .for_each(|record| {
            records.push(record);
            Ok(())
        })
        .unwrap();
    records
}

#[tokio::test]
async fn replica_equals_the_served_roster_resumes_from_its_checkpoint_and_finds_masked_holders() {
    let db = TempDb::new("replica-sync");
    let replica = Replica::open(&db.0).unwrap();
    let first = sandbox(|c| {
        c.holders = 1_200;
        c.seed = 9;
        c.masked_every = 5;
    })
    .await;
    let client = client_for(&first).build().unwrap();
    let mut seen = Vec::new();
    let done = replica
        .sync_with_progress(&client, |p| seen.push((p.pages, p.records, p.checkpoint)))
        .await
        .unwrap();
    // 500 + 500 + 200, each page reported after it was committed.
    assert_eq!(seen, [(1, 500, 500), (2, 1000, 1000), (3, 1200, 1200)]);
    assert_eq!((done.records, done.checkpoint), (1200, 1200));
    let expected: Vec<RosterRecord> = (1..=1200).map(|id| served_record(9, 5, id)).collect();
    assert_eq!(replica_records(&replica), expected);
    // Nothing new: a sync fetches one empty page and applies nothing.
    let again = replica.sync(&client).await.unwrap();
    assert_eq!((again.pages, again.records, again.checkpoint), (0, 0, 1200));

    // The platform grows: only the new records are fetched.
    drop(first);
    let grown = sandbox(|c| {
        c.holders = 1_700;
        c.seed = 9;
        c.masked_every = 5;
    })
    .await;
    let client = client_for(&grown).build().unwrap();
    let more = replica.sync(&client).await.unwrap();
    assert_eq!((more.pages, more.records, more.checkpoint), (1, 500, 1700));
    let expected: Vec<RosterRecord> = (1..=1700).map(|id| served_record(9, 5, id)).collect();
    assert_eq!(replica_records(&replica), expected);

    // Holder 7 was served whole; holder 10 masked (every fifth).
    let whole = synthetic::roster_record(9, 7);
    let found = replica
        .lookup(&CertType::ResidentId, whole.cert_no.as_str(), None)
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(
        (found[0].record.glory_id, found[0].kind),
        (10_007, MatchKind::Exact)
    );
    let masked = synthetic::roster_record(9, 10);
    assert!(served_record(9, 5, 10).cert_no.as_str().contains("*****"));
    let found = replica
        .lookup(
            &CertType::ResidentId,
            masked.cert_no.as_str(),
            Some(masked.cert_name.as_str()),
        )
        .unwrap();
    assert!(
        found
            .iter()
            .any(|m| m.record.glory_id == 10_010 && m.kind == MatchKind::Partial),
        "{found:?}"
    );
    assert!(found.iter().all(|m| m.kind == MatchKind::Partial));
    assert!(
        replica
            .lookup(&CertType::ResidentId, masked.cert_no.as_str(), None)
            .unwrap()
            .is_empty()
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn quick_drain() -> DrainOptions {
    DrainOptions::default()
        .concurrency(32)
        .backoff(Duration::from_millis(50), Duration::from_millis(400))
        .patience(Duration::from_secs(60))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn items_enqueued_while_the_platform_is_down_are_delivered_in_order_under_faults() {
    let db = TempDb::new("outbox-faults");
    let outbox = Outbox::open(&db.0).unwrap();
    // Each cancellation is enqueued right after its deduction, so with 32 calls in flight
    // it would race its deduction if the drain did not keep their order; the sandbox
    // refuses the cancellation of a deduction it does not hold.
    let mut entries = Vec::new();
    let mut cancelled = BTreeMap::new();
    for n in 0..300u32 {
        let deduction = deduction(n);
        let id = deduction.deduction_id.clone();
        entries.push(OutboxEntry::Deduction(deduction));
        if n % 3 == 0 {
            let time = format!("2026-11-26 12:{:02}:{:02}", (n / 60) % 60, n % 60);
            cancelled.insert(id.clone(), time.clone());
            entries.push(OutboxEntry::Cancellation(Cancellation {
                org_code: ORG.into(),
                deduction_id: id,
                cancel_time: time,
            }));
        }
    }
    assert_eq!(entries.len(), 400);
    assert!(
        outbox
            .enqueue_all(&entries)
            .unwrap()
            .iter()
            .all(|e| e.newly_added)
    );

    // The platform is down: the drain gives up after its patience, all still pending.
    let port = free_port();
    let down = Client::builder(format!("https://127.0.0.1:{port}"))
        .sid(SID)
        .key(key())
        .org_code(ORG)
        .retry_policy(RetryPolicy {
            max_attempts: 2,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(10),
            max_elapsed: Duration::from_secs(5),
        })
        .build()
        .unwrap();
    let options = quick_drain().patience(Duration::from_secs(1));
    let report = outbox.drain_with(&down, &options, |_| {}).await.unwrap();
    assert_eq!(
        (report.acknowledged, report.rejected, report.pending),
        (0, 0, 400)
    );
    assert!(report.gave_up && report.failed_calls > 0, "{report:?}");
    assert!(
        report
            .last_failure
            .as_deref()
            .unwrap()
            .starts_with("connect"),
        "{report:?}"
    );

    let platform = sandbox(|c| {
        c.listen = ([127, 0, 0, 1], port).into();
        c.faults = Faults {
            fail_rate: 0.2,
            drop_rate: 0.1,
            seed: 7,
            ..Faults::default()
        };
    })
    .await;
    // Few attempts per call, so that the outbox's own backoff is exercised too.
    let client = client_for(&platform)
        .retry_policy(RetryPolicy {
            max_attempts: 2,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(50),
            max_elapsed: Duration::from_secs(30),
        })
        .build()
        .unwrap();
    let mut batches = 0;
    let report = outbox
        .drain_with(&client, &quick_drain(), |_| batches += 1)
        .await
        .unwrap();
    assert_eq!(
        (
            report.acknowledged,
            report.rejected,
            report.pending,
            report.gave_up
        ),
        (400, 0, 0, false),
        "{report:?}"
    );
    assert!(report.failed_calls > 0, "faults were injected: {report:?}");
    assert!(batches > 0);
    let status = outbox.status().unwrap();
    assert_eq!(
        (status.pending, status.acknowledged, status.rejected),
        (0, 400, 0)
    );

    let listed = admin(&platform, "/admin/deductions").await;
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 300);
    let ids: BTreeSet<&str> = listed
        .iter()
        .map(|d| d["deductionID"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 300);
    for stored in listed {
        let id = stored["deductionID"].as_str().unwrap();
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
    let stats = admin(&platform, "/admin/stats").await;
    assert!(stats["injected_failures"].as_u64() > Some(0), "{stats}");
    assert!(stats["injected_drops"].as_u64() > Some(0), "{stats}");
}

#[tokio::test]
async fn a_rejected_deduction_keeps_the_platforms_message_and_the_drain_goes_on() {
    let db = TempDb::new("outbox-rejected");
    let outbox = Outbox::open(&db.0).unwrap();
    let platform = sandbox(|_| {}).await;
    let client = client_for(&platform).build().unwrap();
    // The platform already holds deduction 1; the outbox carries another record under
    // its id, between two good ones.
    client.deduct(&deduction(1)).await.unwrap();
    let mut conflicting = deduction(1);
    conflicting.deduction_fee = "5.00".into();
    outbox.enqueue_deduction(&deduction(0)).unwrap();
    let rejected_seq = outbox.enqueue_deduction(&conflicting).unwrap().seq;
    outbox.enqueue_deduction(&deduction(2)).unwrap();

    let report = outbox.drain(&client).await.unwrap();
    assert_eq!(
        (report.acknowledged, report.rejected, report.pending),
        (2, 1, 0)
    );
    let rejected = outbox.rejected().unwrap();
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].seq, rejected_seq);
    assert_eq!(rejected[0].deduction_id, "D000001");
    assert_eq!(rejected[0].kind, "deduction");
    // The sandbox's own refusal text.
    assert_eq!(
        rejected[0].message,
        "deductionID D000001 already holds a different deduction"
    );
    // Rejected items are not retried by a later drain.
    let requests_before = admin(&platform, "/admin/stats").await["requests"].clone();
    let again = outbox.drain(&client).await.unwrap();
    assert_eq!(
        (again.acknowledged, again.rejected, again.pending),
        (0, 0, 0)
    );
    assert_eq!(
        admin(&platform, "/admin/stats").await["requests"],
        requests_before
    );
    let status = outbox.status().unwrap();
    assert_eq!(
        (status.pending, status.acknowledged, status.rejected),
        (0, 2, 1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_drain_of_the_same_outbox_is_refused_while_the_first_runs() {
    let db = TempDb::new("outbox-lock");
    let outbox = Outbox::open(&db.0).unwrap();
    outbox.enqueue_deduction(&deduction(0)).unwrap();
    let platform = sandbox(|c| {
        c.faults = Faults {
            latency: Duration::from_millis(2_500),
            ..Faults::default()
        };
    })
    .await;
    let client = client_for(&platform).build().unwrap();
    let first = {
        let (outbox, client) = (outbox.clone(), client.clone());
        tokio::spawn(async move { outbox.drain(&client).await })
    };
    // Once the first drain's request has reached the sandbox, the drain holds the lock
    // until the answer, 2.5 s later.
    while admin(&platform, "/admin/stats").await["requests"] == 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Another handle on the same file, as another process would open it.
    let error = Outbox::open(&db.0)
        .unwrap()
        .drain(&client)
        .await
        .unwrap_err();
    assert_eq!(error.code(), "conflict");
    assert!(error.to_string().contains("another drain"), "{error}");
    let report = first.await.unwrap().unwrap();
    assert_eq!(report.acknowledged, 1);
    // Once the first has finished, a drain runs again.
    assert_eq!(outbox.drain(&client).await.unwrap().pending, 0);
}
