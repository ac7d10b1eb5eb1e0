//! The stores on a real PostgreSQL server (`bash tests/postgres.sh run cargo test …`
//! starts one; see `support/postgres.rs`): the outbox shared by two nodes, two drainers at
//! once, the shared replay cache, refusals of a foreign or newer schema, and the server
//! stopped in the middle of a drain.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "../../client/tests/common/mod.rs"]
mod common;
#[path = "support/postgres.rs"]
mod support;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Answer, KEY, ORG, SID, ack, client, platform};
use glorycard_core::models::{Cancellation, CertType, Deduction, DeductionType, GloryType};
use glorycard_core::{SecretKey, Signer, Verifier};
use glorycard_durable::{DrainOptions, Outbox, OutboxEntry, PostgresReplayCache, Replica};
use support::{OwnServer, TestDatabase};

fn deduction(n: u32) -> Deduction {
    Deduction {
        org_code: ORG.into(),
        cert_type: CertType::ResidentId,
        cert_no: "11010519491231002X".into(),
        cert_name: "张小凡".into(),
        deduction_id: format!("D{n:04}"),
        total_fee: "10.00".into(),
        deduction_fee: "10.00".into(),
        deduction_time: format!("2026-11-26 10:{:02}:{:02}", (n / 60) % 60, n % 60),
        glory_type: GloryType::GloryCard,
        deduction_type: DeductionType::from_code("0"),
        remarks: None,
    }
}

fn cancellation(n: u32) -> Cancellation {
    Cancellation {
        org_code: ORG.into(),
        deduction_id: format!("D{n:04}"),
        cancel_time: "2026-11-26 12:00:00".into(),
    }
}

fn options() -> DrainOptions {
    DrainOptions::default()
        .concurrency(8)
        .backoff(Duration::from_millis(10), Duration::from_millis(50))
        .patience(Duration::from_secs(60))
}

/// What the platform received: (arrival number, path) per deductionID.
type Received = Arc<Mutex<BTreeMap<String, Vec<(usize, String)>>>>;

/// Records a request; returns its arrival number (0 for the first).
fn record(received: &Received, arrivals: &AtomicUsize, request: &common::Request) -> usize {
    let id = request.json()["deductionID"].as_str().unwrap().to_owned();
    let arrival = arrivals.fetch_add(1, Ordering::SeqCst);
    received
        .lock()
        .unwrap()
        .entry(id)
        .or_default()
        .push((arrival, request.path.clone()));
    arrival
}

#[test]
fn an_outbox_enqueues_idempotently_all_or_none_and_every_node_reads_it() {
    let db = TestDatabase::new("outbox_basics");
    let node_a = Outbox::open(&db.url).unwrap();
    let node_b = Outbox::open(&db.url).unwrap();
    let first = node_a.enqueue_deduction(&deduction(1)).unwrap();
    assert!(first.newly_added);
    // The other node sees the same item: enqueuing it there again adds nothing.
    let again = node_b.enqueue_deduction(&deduction(1)).unwrap();
    assert_eq!((again.seq, again.newly_added), (first.seq, false));
    let mut other = deduction(1);
    other.total_fee = "20.00".into();
    let error = node_b.enqueue_deduction(&other).unwrap_err();
    assert_eq!(error.code(), "conflict");
    assert!(error.to_string().contains("\"D0001\""), "{error}");
    // A batch with a deduction behind its own cancellation commits nothing, and names it.
    let error = node_b
        .enqueue_all(&[
            OutboxEntry::Deduction(deduction(2)),
            OutboxEntry::Cancellation(cancellation(3)),
            OutboxEntry::Deduction(deduction(3)),
        ])
        .unwrap_err();
    assert_eq!(error.code(), "conflict");
    assert!(error.to_string().contains("entries[2]"), "{error}");
    assert_eq!(node_a.status().unwrap().pending, 1);
    node_b
        .enqueue_all(&[
            OutboxEntry::Deduction(deduction(2)),
            OutboxEntry::Cancellation(cancellation(2)),
        ])
        .unwrap();
    let status = node_a.status().unwrap();
    assert_eq!(
        (status.pending, status.acknowledged, status.rejected),
        (3, 0, 0)
    );
    assert!(status.oldest_pending.is_some());
    // /deductCheck from either node answers with every node's deductions.
    let records = node_a
        .deductions_between(ORG, "2026-11-26 00:00:00", "2026-11-26 23:59:59")
        .unwrap();
    let summary: Vec<_> = records
        .iter()
        .map(|r| (r.deduction.deduction_id.as_str(), r.cancel_time.as_deref()))
        .collect();
    assert_eq!(
        summary,
        [("D0001", None), ("D0002", Some("2026-11-26 12:00:00"))]
    );
    assert_eq!(records[0].deduction, deduction(1));
    // Requeue only moves a rejected item.
    assert!(!node_a.requeue(first.seq).unwrap());
    db.query(&format!(
        "UPDATE glorycard.outbox_items SET state = 'rejected', message = 'x', settled_at = 'y' WHERE seq = {}",
        first.seq
    ));
    assert_eq!(node_b.rejected().unwrap()[0].deduction_id, "D0001");
    assert!(node_b.requeue(first.seq).unwrap());
    assert_eq!(node_a.status().unwrap().rejected, 0);
}

#[test]
fn a_direct_delivery_is_recorded_acknowledged_and_settles_a_leased_item() {
    let db = TestDatabase::new("outbox_delivered");
    let node_a = Outbox::open(&db.url).unwrap();
    let node_b = Outbox::open(&db.url).unwrap();
    let direct = OutboxEntry::Deduction(deduction(1));
    let recorded = node_a.record_delivered(&direct, "成功").unwrap();
    assert!(recorded.newly_added);
    // Another node sees it acknowledged and answers /deductCheck with it.
    let status = node_b.status().unwrap();
    assert_eq!((status.pending, status.acknowledged), (0, 1));
    let records = node_b
        .deductions_between(ORG, "2026-11-26 00:00:00", "2026-11-26 23:59:59")
        .unwrap();
    assert_eq!(records.len(), 1);
    // An item a drainer holds under lease, then delivered directly, is settled and
    // released: the drainer's fenced record no longer finds it its own.
    let queued = node_a.enqueue_deduction(&deduction(2)).unwrap();
    db.query(&format!(
        "UPDATE glorycard.outbox_items SET lease_owner = 'other', lease_until = now() + interval '1 minute' WHERE seq = {}",
        queued.seq
    ));
    let settled = node_b
        .record_delivered(&OutboxEntry::Deduction(deduction(2)), "成功")
        .unwrap();
    assert_eq!((settled.seq, settled.newly_added), (queued.seq, false));
    let held = db.query(&format!(
        "SELECT state || ',' || coalesce(lease_owner, '-') FROM glorycard.outbox_items WHERE seq = {}",
        queued.seq
    ));
    assert_eq!(held.trim(), "acknowledged,-");
    // A refusal is held rejected, and never undoes an acknowledgement.
    let refused = OutboxEntry::Deduction(deduction(3));
    node_a.enqueue_all(std::slice::from_ref(&refused)).unwrap();
    node_b.record_refused(&refused, "重复扣减").unwrap();
    node_b.record_refused(&direct, "重复扣减").unwrap();
    let status = node_a.status().unwrap();
    assert_eq!(
        (status.pending, status.acknowledged, status.rejected),
        (0, 2, 1)
    );
    assert_eq!(node_a.rejected().unwrap()[0].message, "重复扣减");
}

#[test]
fn a_foreign_glorycard_schema_or_a_newer_store_is_refused_unchanged_and_no_message_shows_the_password()
 {
    let foreign = TestDatabase::new("foreign");
    foreign.query("CREATE SCHEMA glorycard; CREATE TABLE glorycard.notes (text TEXT)");
    let error = Outbox::open(&foreign.url).unwrap_err();
    assert_eq!(error.code(), "storage");
    assert!(
        error.to_string().contains("not a glorycard store"),
        "{error}"
    );
    assert_eq!(
        foreign.query(
            "SELECT string_agg(table_name, ',') FROM information_schema.tables WHERE table_schema = 'glorycard'"
        ),
        "notes",
        "the foreign schema was changed"
    );

    let newer = TestDatabase::new("newer");
    drop(Outbox::open(&newer.url).unwrap());
    newer.query("UPDATE glorycard.stores SET version = 99 WHERE store = 'outbox'");
    let error = Outbox::open(&newer.url).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("schema version 99, newer than this build's 1"),
        "{error}"
    );
    assert_eq!(
        newer.query("SELECT version FROM glorycard.stores WHERE store = 'outbox'"),
        "99"
    );
    // Another store beside it in the same database is unaffected.
    Replica::open(&newer.url).unwrap();
    assert_eq!(
        newer.query(
            "SELECT string_agg(store || '=' || version, ',' ORDER BY store) FROM glorycard.stores"
        ),
        "outbox=99,replica=1"
    );

    // A wrong password: refused, and neither it nor the right one is in the message.
    let password = newer
        .url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .and_then(|(user, _)| user.split_once(':'))
        .map(|(_, password)| password.to_owned())
        .unwrap();
    let wrong = newer.url.replace(&password, "not-the-password");
    let message = Outbox::open(&wrong).unwrap_err().to_string();
    assert!(message.contains("28P01"), "{message}");
    assert!(
        !message.contains("not-the-password") && !message.contains(&password),
        "{message}"
    );
}

/// Two nodes drain one outbox at once: the platform receives every item exactly once
/// (no faults here), each cancellation after its deduction, and both drainers worked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_drainers_send_each_item_once_and_each_cancellation_after_its_deduction() {
    let db = TestDatabase::new("two_drainers");
    let node_a = Outbox::open(&db.url).unwrap();
    let node_b = Outbox::open(&db.url).unwrap();
    let mut entries = Vec::new();
    for n in 0..300 {
        entries.push(OutboxEntry::Deduction(deduction(n)));
        if n.is_multiple_of(3) {
            entries.push(OutboxEntry::Cancellation(cancellation(n)));
        }
    }
    let batch = tokio::task::spawn_blocking(move || node_a.enqueue_all(&entries).map(|_| node_a));
    let node_a = batch.await.unwrap().unwrap();
    let received: Received = Arc::default();
    let arrivals = Arc::new(AtomicUsize::new(0));
    let platform = platform({
        let (received, arrivals) = (Arc::clone(&received), Arc::clone(&arrivals));
        move |request| {
            let _ = record(&received, &arrivals, request);
            Answer::Delayed(Duration::from_millis(5), Box::new(ack()))
        }
    })
    .await;
    let client = client(&platform).build().unwrap();
    let options = options();
    let (a, b) = tokio::join!(
        node_a.drain_with(&client, &options, |_| {}),
        node_b.drain_with(&client, &options, |_| {})
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    eprintln!("node a: {a:?}\nnode b: {b:?}");
    assert_eq!(a.acknowledged + b.acknowledged, 400);
    assert!(
        a.acknowledged > 0 && b.acknowledged > 0,
        "one drainer did all the work"
    );
    assert_eq!((a.pending, b.pending), (0, 0));
    let received = received.lock().unwrap();
    assert_eq!(received.len(), 300);
    for (id, calls) in received.iter() {
        let n: u32 = id[1..].parse().unwrap();
        let paths: Vec<&str> = calls.iter().map(|(_, path)| path.as_str()).collect();
        if n.is_multiple_of(3) {
            assert_eq!(paths.len(), 2, "{id}: {paths:?}");
            assert!(paths[0].ends_with("/deduct") && paths[1].ends_with("/deductCancel"));
            assert!(calls[0].0 < calls[1].0);
        } else {
            assert_eq!(paths.len(), 1, "{id}: {paths:?}");
        }
    }
    // No lease is left behind.
    assert_eq!(
        db.number("SELECT count(*) FROM glorycard.outbox_items WHERE lease_owner IS NOT NULL AND state = 'pending'"),
        0
    );
}

/// A request accepted by one node's verifier is refused as `replayed` by another's, both
/// on one database; expired triples are deleted.
#[test]
fn a_request_replayed_to_another_node_is_refused_through_the_shared_cache() {
    let db = TestDatabase::new("replay");
    let key = SecretKey::new(KEY);
    let verifier = || {
        Verifier::builder()
            .key(SID, key.clone())
            .replay_cache(1_000)
            .shared_replay_cache(Arc::new(PostgresReplayCache::open(&db.url).unwrap()))
            .build()
            .unwrap()
    };
    let (node_a, node_b) = (verifier(), verifier());
    // A triple from two days ago, long out of the window: the first call purges it.
    db.query(&format!(
        "INSERT INTO glorycard.replay_seen VALUES ('{SID}', {}, '\\x00')",
        glorycard_core::Timestamp::now().unix_seconds() - 172_800
    ));
    let body = br#"{"orgCode":"106607","deductTimeStart":"2026-11-26 00:00:00","deductionTimeEnd":"2026-11-26 23:59:59"}"#;
    let headers = Signer::new(SID, key.clone()).sign(body).unwrap().to_pairs();
    let pairs = || headers.iter().map(|(name, value)| (*name, value.as_str()));
    node_a.verify_headers(pairs(), body).unwrap();
    let error = node_b.verify_headers(pairs(), body).unwrap_err();
    assert_eq!(error.code().as_str(), "replayed");
    // The same node refuses it too (its local cache answers first).
    assert_eq!(
        node_a
            .verify_headers(pairs(), body)
            .unwrap_err()
            .code()
            .as_str(),
        "replayed"
    );
    assert_eq!(db.number("SELECT count(*) FROM glorycard.replay_seen"), 1);
}

/// PostgreSQL stops (as in a crash) while a drain is delivering: the drain ends with
/// `storage`; every item marked acknowledged was received by the platform; a later drain
/// by the same process, once the server is back, delivers the rest. A shared replay cache
/// refuses requests while the server is down.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stopped_mid_drain_fails_with_storage_and_a_later_drain_completes() {
    let server = Arc::new(OwnServer::start("stopped"));
    let db = TestDatabase::on(&server.url, "stopped");
    let outbox = Outbox::open(&db.url).unwrap();
    let entries: Vec<_> = (0..200)
        .map(|n| OutboxEntry::Deduction(deduction(n)))
        .collect();
    outbox.enqueue_all(&entries).unwrap();
    let replay = PostgresReplayCache::open(&db.url).unwrap();
    let received: Received = Arc::default();
    let arrivals = Arc::new(AtomicUsize::new(0));
    let (paused_sender, paused) = std::sync::mpsc::channel();
    let platform = platform({
        let (received, arrivals) = (Arc::clone(&received), Arc::clone(&arrivals));
        let server = Arc::clone(&server);
        let paused_sender = Mutex::new(Some(paused_sender));
        move |request| {
            // The 60th request stops the server (once), while others are in flight.
            if record(&received, &arrivals, request) == 59 {
                server.pause();
                if let Some(sender) = paused_sender.lock().unwrap().take() {
                    sender.send(()).unwrap();
                }
            }
            ack()
        }
    })
    .await;
    let client = client(&platform).build().unwrap();
    let started = std::time::Instant::now();
    let error = outbox
        .drain_with(&client, &options(), |_| {})
        .await
        .unwrap_err();
    assert_eq!(error.code(), "storage", "{error}");
    assert!(!error.to_string().contains(&db.url), "{error}");
    eprintln!("the drain failed after {:?}: {error}", started.elapsed());

    // Down: the shared replay cache refuses rather than let a replay through.
    let verifier = Verifier::builder()
        .key(SID, SecretKey::new(KEY))
        .shared_replay_cache(Arc::new(replay))
        .build()
        .unwrap();
    let body = br#"{"a":"1"}"#;
    let headers = Signer::new(SID, SecretKey::new(KEY))
        .sign(body)
        .unwrap()
        .to_pairs();
    let refused = verifier
        .verify_headers(
            headers.iter().map(|(name, value)| (*name, value.as_str())),
            body,
        )
        .unwrap_err();
    assert_eq!(refused.code().as_str(), "replay_cache_unavailable");

    paused.recv().unwrap();
    server.resume();
    let acknowledged = db.query(
        "SELECT string_agg(deduction_id, ',' ORDER BY deduction_id) FROM glorycard.outbox_items WHERE state = 'acknowledged'",
    );
    let acknowledged: Vec<&str> = acknowledged
        .split(',')
        .filter(|id| !id.is_empty())
        .collect();
    assert!(
        !acknowledged.is_empty() && acknowledged.len() < 200,
        "{}",
        acknowledged.len()
    );
    {
        let received = received.lock().unwrap();
        for id in &acknowledged {
            assert!(
                received.contains_key(*id),
                "{id} marked delivered, never received"
            );
        }
    }
    let started = std::time::Instant::now();
    let report = outbox
        .drain_with(&client, &options(), |_| {})
        .await
        .unwrap();
    // The failed drain's leases are this handle's: taken up at once, not after 30 s.
    eprintln!("the later drain: {report:?} in {:?}", started.elapsed());
    assert_eq!(report.pending, 0);
    assert_eq!(
        report.acknowledged as usize + acknowledged.len(),
        200,
        "{report:?}"
    );
    let status = outbox.status().unwrap();
    assert_eq!((status.pending, status.acknowledged), (0, 200));
    assert_eq!(received.lock().unwrap().len(), 200);
    drop(db);
}

/// Takes the lease on `id`'s items for another drainer ("thief"), for an hour.
fn steal(db: &TestDatabase, id: &str) {
    db.query(&format!(
        "UPDATE glorycard.outbox_items SET lease_owner = 'thief', lease_until = now() + interval '1 hour'
         WHERE deduction_id = '{id}' AND state = 'pending'"
    ));
}

/// The paths the platform received for `id`, in arrival order.
fn paths(received: &Received, id: &str) -> Vec<String> {
    received
        .lock()
        .unwrap()
        .get(id)
        .map(|calls| calls.iter().map(|(_, path)| path.clone()).collect())
        .unwrap_or_default()
}

/// Fencing: a drainer whose lease on a chain is taken over while its call is in flight
/// neither records that call's outcome nor sends anything more of the chain: not the
/// cancellation behind an acknowledged deduction (D0001), not a retry of a failed call
/// (D0002). A chain it still holds (D0003) is delivered as usual.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drainer_whose_lease_is_taken_over_mid_call_records_and_sends_nothing_more_of_that_chain()
{
    let db = Arc::new(TestDatabase::new("fenced"));
    let outbox = Outbox::open(&db.url).unwrap();
    outbox
        .enqueue_all(&[
            OutboxEntry::Deduction(deduction(1)),
            OutboxEntry::Cancellation(cancellation(1)),
            OutboxEntry::Deduction(deduction(2)),
            OutboxEntry::Cancellation(cancellation(2)),
            OutboxEntry::Deduction(deduction(3)),
            OutboxEntry::Cancellation(cancellation(3)),
        ])
        .unwrap();
    let received: Received = Arc::default();
    let arrivals = Arc::new(AtomicUsize::new(0));
    let platform = platform({
        let (received, arrivals, db) = (
            Arc::clone(&received),
            Arc::clone(&arrivals),
            Arc::clone(&db),
        );
        move |request| {
            record(&received, &arrivals, request);
            let id = request.json()["deductionID"].as_str().unwrap().to_owned();
            match id.as_str() {
                // Another drainer takes the chain while this call is in flight.
                "D0001" => {
                    steal(&db, &id);
                    ack()
                }
                "D0002" => {
                    steal(&db, &id);
                    Answer::Status(503)
                }
                _ => ack(),
            }
        }
    })
    .await;
    // Retries allowed: the second attempt of D0002 must be refused by the lease check.
    let client = client(&platform)
        .retry_policy(glorycard_client::RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(20),
            max_elapsed: Duration::from_secs(5),
        })
        .build()
        .unwrap();
    let options = options().patience(Duration::from_secs(2));
    let report = outbox.drain_with(&client, &options, |_| {}).await.unwrap();
    eprintln!("{report:?}");
    assert_eq!(
        paths(&received, "D0001"),
        ["/glorycard/store/deduct"],
        "the cancellation was sent"
    );
    assert_eq!(
        paths(&received, "D0002"),
        ["/glorycard/store/deduct"],
        "a retry was sent"
    );
    assert_eq!(
        paths(&received, "D0003"),
        ["/glorycard/store/deduct", "/glorycard/store/deductCancel"]
    );
    // Only D0003's two items are this drainer's to count; the stolen chains are untouched.
    assert_eq!(report.acknowledged, 2, "{report:?}");
    assert_eq!(
        db.query(
            "SELECT string_agg(deduction_id || ':' || kind || ':' || state || ':' || lease_owner, ',' ORDER BY seq)
             FROM glorycard.outbox_items WHERE deduction_id IN ('D0001', 'D0002')"
        ),
        "D0001:deduction:pending:thief,D0001:cancellation:pending:thief,\
         D0002:deduction:pending:thief,D0002:cancellation:pending:thief"
    );
}

/// A call that outlives the drain's call deadline is abandoned (its connection closed)
/// and its chain released; the item is then claimed and sent again, and the cancellation
/// follows only that second call's acknowledgement.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_past_its_deadline_is_abandoned_and_its_chain_sent_again_in_order() {
    let db = TestDatabase::new("deadline");
    let outbox = Outbox::open(&db.url).unwrap();
    outbox
        .enqueue_all(&[
            OutboxEntry::Deduction(deduction(1)),
            OutboxEntry::Cancellation(cancellation(1)),
        ])
        .unwrap();
    let received: Received = Arc::default();
    let arrivals = Arc::new(AtomicUsize::new(0));
    let platform = platform({
        let (received, arrivals) = (Arc::clone(&received), Arc::clone(&arrivals));
        move |request| match record(&received, &arrivals, request) {
            // The first call hangs well past the 2 s deadline (the client's own request
            // timeout is 30 s).
            0 => Answer::Delayed(Duration::from_secs(20), Box::new(ack())),
            _ => ack(),
        }
    })
    .await;
    let client = client(&platform).build().unwrap();
    let options = options().lease(Duration::from_secs(3), Duration::from_secs(2));
    let started = std::time::Instant::now();
    let report = outbox.drain_with(&client, &options, |_| {}).await.unwrap();
    eprintln!("{report:?} in {:?}", started.elapsed());
    assert_eq!(
        paths(&received, "D0001"),
        [
            "/glorycard/store/deduct",
            "/glorycard/store/deduct",
            "/glorycard/store/deductCancel"
        ]
    );
    assert_eq!((report.acknowledged, report.pending), (2, 0), "{report:?}");
    // A deadline above two thirds of the lease is refused before anything is sent.
    let error = outbox
        .drain_with(
            &client,
            &options.lease(Duration::from_secs(3), Duration::from_secs(3)),
            |_| {},
        )
        .await
        .unwrap_err();
    assert_eq!(error.code(), "config", "{error}");
    assert!(error.to_string().contains("two thirds"), "{error}");
}

/// A storage error ends the drain only once every call already sent has been answered:
/// the drain returns after the last answer the platform gave, never while one is on its
/// way. A later drain then delivers everything, each item once acknowledged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_storage_error_ends_the_drain_only_after_its_calls_in_flight_were_answered() {
    let server = Arc::new(OwnServer::start("inflight"));
    let db = TestDatabase::on(&server.url, "inflight");
    let outbox = Outbox::open(&db.url).unwrap();
    let entries: Vec<_> = (0..100)
        .map(|n| OutboxEntry::Deduction(deduction(n)))
        .collect();
    outbox.enqueue_all(&entries).unwrap();
    let received: Received = Arc::default();
    let arrivals = Arc::new(AtomicUsize::new(0));
    // When each answer leaves the platform.
    let answered_at: Arc<Mutex<Vec<std::time::Instant>>> = Arc::default();
    let delay = Duration::from_millis(400);
    let platform = platform({
        let (received, arrivals) = (Arc::clone(&received), Arc::clone(&arrivals));
        let (server, answered_at) = (Arc::clone(&server), Arc::clone(&answered_at));
        move |request| {
            if record(&received, &arrivals, request) == 20 {
                server.pause();
            }
            answered_at
                .lock()
                .unwrap()
                .push(std::time::Instant::now() + delay);
            Answer::Delayed(delay, Box::new(ack()))
        }
    })
    .await;
    let client = client(&platform).build().unwrap();
    let error = outbox
        .drain_with(&client, &options(), |_| {})
        .await
        .unwrap_err();
    let returned = std::time::Instant::now();
    assert_eq!(error.code(), "storage", "{error}");
    let last_answer = answered_at.lock().unwrap().iter().copied().max().unwrap();
    assert!(
        returned >= last_answer,
        "the drain returned {:?} before the last call in flight was answered",
        last_answer - returned
    );
    server.resume();
    let report = outbox
        .drain_with(&client, &options(), |_| {})
        .await
        .unwrap();
    assert_eq!(report.pending, 0, "{report:?}");
    let status = outbox.status().unwrap();
    assert_eq!((status.pending, status.acknowledged), (0, 100));
    assert_eq!(received.lock().unwrap().len(), 100);
}

/// PostgreSQL restarted at once (`-m immediate`, as a crash and a restart) in the middle
/// of a drain of deductions and cancellations: the drain ends with a clear `storage`
/// status or recovers; a second drain completes; every item is acknowledged, each
/// cancellation reached the platform only after every upload of its deduction, and
/// everything marked acknowledged was received.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restarted_mid_drain_loses_and_reorders_nothing() {
    let server = Arc::new(OwnServer::start("restarted"));
    let db = TestDatabase::on(&server.url, "restarted");
    let outbox = Outbox::open(&db.url).unwrap();
    let mut entries = Vec::new();
    for n in 0..120 {
        entries.push(OutboxEntry::Deduction(deduction(n)));
        if n % 3 == 0 {
            entries.push(OutboxEntry::Cancellation(cancellation(n)));
        }
    }
    outbox.enqueue_all(&entries).unwrap();
    let received: Received = Arc::default();
    let arrivals = Arc::new(AtomicUsize::new(0));
    let platform = platform({
        let (received, arrivals, server) = (
            Arc::clone(&received),
            Arc::clone(&arrivals),
            Arc::clone(&server),
        );
        move |request| {
            if record(&received, &arrivals, request) == 40 {
                server.pause();
                server.resume();
            }
            Answer::Delayed(Duration::from_millis(20), Box::new(ack()))
        }
    })
    .await;
    let client = client(&platform).build().unwrap();
    match outbox.drain_with(&client, &options(), |_| {}).await {
        Ok(report) => eprintln!("the drain recovered: {report:?}"),
        Err(error) => {
            assert_eq!(error.code(), "storage", "{error}");
            assert!(!error.to_string().contains(&db.url), "{error}");
            eprintln!("the drain ended: {error}");
        }
    }
    let acknowledged = db.query(
        "SELECT string_agg(deduction_id || ':' || kind, ',') FROM glorycard.outbox_items WHERE state = 'acknowledged'",
    );
    {
        let received = received.lock().unwrap();
        for item in acknowledged.split(',').filter(|item| !item.is_empty()) {
            let (id, kind) = item.split_once(':').unwrap();
            let path = if kind == "deduction" {
                "/glorycard/store/deduct"
            } else {
                "/glorycard/store/deductCancel"
            };
            assert!(
                received
                    .get(id)
                    .is_some_and(|calls| calls.iter().any(|(_, p)| p == path)),
                "{item} marked acknowledged, never received"
            );
        }
    }
    let report = outbox
        .drain_with(&client, &options(), |_| {})
        .await
        .unwrap();
    assert_eq!(report.pending, 0, "{report:?}");
    let status = outbox.status().unwrap();
    assert_eq!(
        (status.pending, status.acknowledged, status.rejected),
        (0, 160, 0)
    );
    let received = received.lock().unwrap();
    assert_eq!(received.len(), 120);
    for (id, calls) in received.iter() {
        let last_deduct = calls
            .iter()
            .filter(|(_, p)| p == "/glorycard/store/deduct")
            .map(|(at, _)| *at)
            .max();
        let first_cancel = calls
            .iter()
            .filter(|(_, p)| p == "/glorycard/store/deductCancel")
            .map(|(at, _)| *at)
            .min();
        assert!(last_deduct.is_some(), "{id}: {calls:?}");
        if let Some(first_cancel) = first_cancel {
            assert!(
                last_deduct < Some(first_cancel),
                "{id}: a deduction after its cancellation: {calls:?}"
            );
        }
    }
}

/// An end-of-day import of 50,000 deductions in one batch, on a server with the default
/// lock table (`max_locks_per_transaction` 64): committed whole, and a batch of the same
/// size whose last entry conflicts commits nothing.
#[test]
fn a_batch_of_fifty_thousand_enqueues_whole_or_not_at_all_on_a_default_server() {
    let db = TestDatabase::new("large_batch");
    assert_eq!(db.query("SHOW max_locks_per_transaction"), "64");
    let outbox = Outbox::open(&db.url).unwrap();
    let batch = |offset: u32| -> Vec<OutboxEntry> {
        (0..50_000u32)
            .map(|n| {
                let mut entry = deduction(n % 10_000);
                entry.deduction_id = format!("BIG{:06}", offset + n);
                OutboxEntry::Deduction(entry)
            })
            .collect()
    };
    let enqueued = outbox.enqueue_all(&batch(0)).unwrap();
    assert_eq!(
        enqueued.iter().filter(|item| item.newly_added).count(),
        50_000
    );
    assert_eq!(outbox.status().unwrap().pending, 50_000);
    // The next day's batch, whose last entry reuses an id with other content.
    let mut next = batch(50_000);
    let mut clash = deduction(1);
    clash.deduction_id = "BIG000000".into();
    clash.total_fee = "99.00".into();
    *next.last_mut().unwrap() = OutboxEntry::Deduction(clash);
    let error = outbox.enqueue_all(&next).unwrap_err();
    assert_eq!(error.code(), "conflict", "{error}");
    assert!(error.to_string().contains("entries[49999]"), "{error}");
    assert_eq!(outbox.status().unwrap().pending, 50_000);
}
