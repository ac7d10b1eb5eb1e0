//! The outbox's drain against a platform that refuses single items, or every item.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

// The client's scripted platform, shared rather than copied.
#[path = "../../client/tests/common/mod.rs"]
mod common;
#[path = "../src/temp_db.rs"]
mod temp_db;

use temp_db::TempDb;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Answer, ORG, ack, client, platform};
use glorycard_core::models::{CertType, Deduction, DeductionType, GloryType};
use glorycard_durable::{DrainOptions, Outbox};

fn deduction(n: u32) -> Deduction {
    Deduction {
        org_code: ORG.into(),
        cert_type: CertType::ResidentId,
        cert_no: "11010519491231002X".into(),
        cert_name: "张小凡".into(),
        deduction_id: format!("D{n:02}"),
        total_fee: "10.00".into(),
        deduction_fee: "10.00".into(),
        deduction_time: "2026-11-26 10:00:00".into(),
        glory_type: GloryType::GloryCard,
        deduction_type: DeductionType::from_code("0"),
        remarks: None,
    }
}

fn options() -> DrainOptions {
    DrainOptions::default()
        .concurrency(8)
        .backoff(Duration::from_millis(10), Duration::from_millis(50))
        .patience(Duration::from_secs(30))
}

/// Every request the platform received, by deductionID.
type Seen = Arc<Mutex<BTreeMap<String, u32>>>;

fn deduction_id(request: &common::Request) -> String {
    request.json()["deductionID"].as_str().unwrap().to_owned()
}

/// Twelve deductions, one of which the platform answers HTTP 400: one drain delivers the
/// eleven others and sets the twelfth aside as rejected with the status; a second drain
/// sends nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_item_answered_400_is_set_aside_and_the_others_are_delivered() {
    let db = TempDb::new("one-400");
    let outbox = Outbox::open(&db.0).unwrap();
    for n in 1..=12 {
        outbox.enqueue_deduction(&deduction(n)).unwrap();
    }
    let seen: Seen = Arc::default();
    let platform = platform({
        let seen = Arc::clone(&seen);
        move |request| {
            let id = deduction_id(request);
            *seen.lock().unwrap().entry(id.clone()).or_default() += 1;
            if id == "D07" {
                Answer::Status(400)
            } else {
                ack()
            }
        }
    })
    .await;
    let client = client(&platform).build().unwrap();

    let report = outbox
        .drain_with(&client, &options(), |_| {})
        .await
        .unwrap();
    assert_eq!(
        (report.acknowledged, report.rejected, report.pending),
        (11, 1, 0)
    );
    let rejected = outbox.rejected().unwrap();
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].deduction_id, "D07");
    assert!(
        rejected[0].message.contains("HTTP 400"),
        "{}",
        rejected[0].message
    );
    let status = outbox.status().unwrap();
    assert_eq!(
        (status.pending, status.acknowledged, status.rejected),
        (0, 11, 1)
    );
    // Each deduction was sent once.
    let sent = seen.lock().unwrap().clone();
    assert_eq!(sent.len(), 12);
    assert!(sent.values().all(|&count| count == 1), "{sent:?}");

    let again = outbox
        .drain_with(&client, &options(), |_| {})
        .await
        .unwrap();
    assert_eq!((again.acknowledged, again.rejected), (0, 0));
    assert_eq!(
        *seen.lock().unwrap(),
        sent,
        "the second drain sent something"
    );
}

/// A 401 (every item would get it) stops the drain, but only after the calls already in
/// flight have ended and their outcomes are recorded: no deduction the platform applied is
/// left pending, and nothing is started after the 401.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_stops_the_drain_after_recording_the_calls_in_flight() {
    let db = TempDb::new("one-401");
    let outbox = Outbox::open(&db.0).unwrap();
    for n in 1..=12 {
        outbox.enqueue_deduction(&deduction(n)).unwrap();
    }
    let applied: Arc<Mutex<BTreeSet<String>>> = Arc::default();
    let requests = Arc::new(Mutex::new(0u32));
    let platform = platform({
        let applied = Arc::clone(&applied);
        let requests = Arc::clone(&requests);
        move |request| {
            *requests.lock().unwrap() += 1;
            let id = deduction_id(request);
            // The others arrive while the 401 is on its way; they are applied on arrival
            // and answered after it.
            if id == "D01" {
                return Answer::Delayed(Duration::from_millis(100), Box::new(Answer::Status(401)));
            }
            applied.lock().unwrap().insert(id);
            Answer::Delayed(Duration::from_millis(400), Box::new(ack()))
        }
    })
    .await;
    let client = client(&platform).build().unwrap();

    let error = outbox
        .drain_with(&client, &options(), |_| {})
        .await
        .unwrap_err();
    assert_eq!(error.code(), "http_status", "{error}");
    assert!(error.to_string().contains("401"), "{error}");
    let applied = applied.lock().unwrap().clone();
    let requests = *requests.lock().unwrap();
    assert!(!applied.is_empty(), "no call was in flight with the 401");
    assert!(
        requests <= 8,
        "{requests} requests: calls were started after the 401"
    );
    let status = outbox.status().unwrap();
    assert_eq!(
        status.acknowledged,
        applied.len() as i64,
        "deductions the platform applied were left pending"
    );
    assert_eq!(status.pending, 12 - applied.len() as i64);
    assert_eq!(status.rejected, 0, "a 401 is not about one item");
}

/// A service shutting down: `stop_draining` while calls are in flight against a slow
/// platform. The drain starts nothing more, waits for the calls in flight, records them
/// (each item the platform received is acknowledged, nothing else is), gives back the
/// file's drain lock (a second handle drains at once, no `conflict`), and a later drain
/// of the stopped handle returns at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_draining_finishes_the_calls_in_flight_records_them_and_frees_the_lock() {
    let db = TempDb::new("stop");
    let outbox = Arc::new(Outbox::open(&db.0).unwrap());
    for n in 1..=40 {
        outbox.enqueue_deduction(&deduction(n)).unwrap();
    }
    let seen: Seen = Arc::default();
    let (first_sender, first_arrived) = tokio::sync::oneshot::channel::<()>();
    let first_sender = Mutex::new(Some(first_sender));
    let platform = platform({
        let seen = Arc::clone(&seen);
        move |request| {
            *seen
                .lock()
                .unwrap()
                .entry(deduction_id(request))
                .or_default() += 1;
            if let Some(sender) = first_sender.lock().unwrap().take() {
                let _ = sender.send(());
            }
            Answer::Delayed(Duration::from_millis(500), Box::new(ack()))
        }
    })
    .await;
    let client = client(&platform).build().unwrap();
    let draining = tokio::spawn({
        let (outbox, client) = (Arc::clone(&outbox), client.clone());
        async move {
            outbox
                .drain_with(&client, &options().concurrency(4), |_| {})
                .await
        }
    });
    first_arrived.await.unwrap();
    outbox.stop_draining();
    let report = draining.await.unwrap().unwrap();
    eprintln!("{report:?}");
    assert!(!report.gave_up, "{report:?}");
    let received: BTreeSet<String> = seen.lock().unwrap().keys().cloned().collect();
    assert!(
        !received.is_empty() && received.len() < 40,
        "{} received",
        received.len()
    );
    // Every call that went out was answered and recorded before the drain returned.
    assert_eq!(report.acknowledged as usize, received.len(), "{report:?}");
    assert_eq!(report.pending as usize, 40 - received.len(), "{report:?}");
    let status = outbox.status().unwrap();
    assert_eq!(status.acknowledged as usize, received.len());
    // The stopped handle drains no more.
    let again = outbox
        .drain_with(&client, &options(), |_| {})
        .await
        .unwrap();
    assert_eq!((again.acknowledged, again.pending), (0, report.pending));
    assert_eq!(seen.lock().unwrap().len(), received.len());
    // The lock is free: the next instance (a new handle) drains the rest at once.
    let next = Outbox::open(&db.0).unwrap();
    let rest = next.drain_with(&client, &options(), |_| {}).await.unwrap();
    assert_eq!((rest.acknowledged, rest.pending), (report.pending, 0));
}
