//! Client, sandbox platform and institution endpoint over real loopback HTTPS.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use glorycard_client::institution::{
    DeductionSource, InstitutionEndpoint, SIGNATURE_REFUSAL, Server, ServerLimits, SourceError,
    router,
};
use glorycard_client::{Client, ClientError, RetryPolicy};
use glorycard_core::models::{
    Cancellation, DeductCheckRecord, DeductCheckRequest, Deduction, DeductionStatus,
};
use glorycard_core::{SecretKey, Signer, Timestamp, Verifier, synthetic};
use glorycard_sandbox::{Faults, Reconciliation, Sandbox, Transport};
use serde_json::Value;

mod common;

use common::*;

#[tokio::test]
async fn roster_sync_of_10000_holders_takes_20_pages_and_equals_the_roster() {
    let sandbox = sandbox(|c| {
        c.holders = 10_000;
        c.seed = 7;
    })
    .await;
    let client = client_for(&sandbox).build().expect("client");
    let mut pages = client.roster_updates(0);
    let mut received = Vec::new();
    let mut page_count = 0;
    while let Some(page) = pages.next_page().await.expect("page") {
        assert!(page.len() <= 500);
        page_count += 1;
        received.extend(page);
    }
    assert_eq!(page_count, 20);
    assert_eq!(pages.checkpoint(), 10_000);
    let expected: Vec<_> = (1..=10_000)
        .map(|id| synthetic::roster_record(7, id))
        .collect();
    assert_eq!(received, expected);
    // Synced: the next page is empty.
    assert!(client.roster_page(10_000).await.expect("page").is_empty());
}

#[tokio::test]
async fn deduct_then_cancel_is_recorded_and_cancelling_an_unknown_id_is_rejected() {
    let sandbox = sandbox(|_| {}).await;
    let client = client_for(&sandbox).build().expect("client");
    let sent = deduction(1);
    let ack = client.deduct(&sent).await.expect("deduct");
    assert!(ack.is_success());
    // The same record again is accepted (idempotent on deductionID)...
    client.deduct(&sent).await.expect("same deduction again");
    // ...a different record under the same id is refused with the platform's message.
    let mut different = sent.clone();
    different.deduction_fee = "5.00".into();
    match client.deduct(&different).await {
        Err(ClientError::PlatformRejected { message }) => {
            assert!(message.contains("different deduction"), "{message}")
        }
        other => panic!("expected platform_rejected, got {other:?}"),
    }
    let cancellation = Cancellation {
        org_code: ORG.into(),
        deduction_id: sent.deduction_id.clone(),
        cancel_time: "2026-11-26 11:00:00".into(),
    };
    client.cancel(&cancellation).await.expect("cancel");
    let unknown = Cancellation {
        deduction_id: "NO-SUCH-ID".into(),
        ..cancellation.clone()
    };
    let error = client.cancel(&unknown).await.expect_err("unknown id");
    assert_eq!(error.code(), "platform_rejected");
    // Out of order, each counted once: the cancellation of an id not yet uploaded (above),
    // and the deduction uploaded again after its cancellation (accepted, as the platform
    // does, and still cancelled).
    let stats = admin(&sandbox, "/admin/stats").await;
    assert_eq!(stats["cancellations_before_deduction"], 1, "{stats}");
    assert_eq!(stats["deductions_after_cancellation"], 0, "{stats}");
    client
        .deduct(&sent)
        .await
        .expect("the deduction again, late");
    let stats = admin(&sandbox, "/admin/stats").await;
    assert_eq!(stats["deductions_after_cancellation"], 1, "{stats}");

    let listed = admin(&sandbox, "/admin/deductions").await;
    let listed = listed.as_array().expect("array");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["deductionID"], "D000001");
    assert_eq!(listed[0]["deductionFee"], "10.00");
    assert_eq!(listed[0]["status"], "0");
    assert_eq!(listed[0]["cancelTime"], "2026-11-26 11:00:00");
}

#[tokio::test]
async fn invalid_deduction_is_refused_before_anything_is_sent() {
    let sandbox = sandbox(|_| {}).await;
    let client = client_for(&sandbox).build().expect("client");
    let mut bad = deduction(2);
    bad.deduction_fee = "20.00".into(); // more than totalFee
    let error = client.deduct(&bad).await.expect_err("invalid");
    assert_eq!(error.code(), "invalid_field");
    let stats = admin(&sandbox, "/admin/stats").await;
    assert_eq!(stats["requests"], 0, "nothing reached the platform");
}

async fn raw_post(
    sandbox: &Sandbox,
    path: &str,
    body: &str,
    sign_body: &str,
    timestamp: &Timestamp,
) -> (Value, reqwest::header::HeaderMap) {
    let headers = Signer::new(SID, key())
        .sign_at(sign_body.as_bytes(), timestamp)
        .expect("sign");
    let response = raw_http(sandbox)
        .post(format!("{}{path}", sandbox.url()))
        .header("content-type", "application/json")
        .header("sid", headers.sid)
        .header("timestamp", headers.timestamp.as_str())
        .header("sign", headers.sign.to_string())
        .body(body.to_owned())
        .send()
        .await
        .expect("raw request");
    let header_map = response.headers().clone();
    (response.json().await.expect("JSON answer"), header_map)
}

#[tokio::test]
async fn tampered_request_and_stale_timestamp_are_rejected_by_the_sandbox() {
    let sandbox = sandbox(|_| {}).await;
    let signed = format!(r#"{{"dataID":0,"orgCode":"{ORG}"}}"#);
    let tampered = format!(r#"{{"dataID":100,"orgCode":"{ORG}"}}"#);
    let (answer, headers) = raw_post(
        &sandbox,
        "/glorycard/store/all",
        &tampered,
        &signed,
        &Timestamp::now(),
    )
    .await;
    assert_eq!(answer["responseFlag"], "0");
    // Refused before authentication: the one fixed message, whatever failed.
    assert_eq!(answer["responseMessage"], SIGNATURE_REFUSAL);
    // Even the refusal is signed.
    assert!(headers.contains_key("sign"));

    let hour_ago =
        Timestamp::from_unix_seconds(Timestamp::now().unix_seconds() - 3600).expect("ts");
    let (answer, _) = raw_post(
        &sandbox,
        "/glorycard/store/all",
        &signed,
        &signed,
        &hour_ago,
    )
    .await;
    assert_eq!(answer["responseFlag"], "0");
    assert_eq!(answer["responseMessage"], SIGNATURE_REFUSAL);
    let stats = admin(&sandbox, "/admin/stats").await;
    assert_eq!(stats["refused_signatures"], 2);
}

#[tokio::test]
async fn tampered_response_is_rejected_by_the_client() {
    let sandbox = sandbox(|c| c.faults.bad_sign_rate = 1.0).await;
    let client = client_for(&sandbox)
        .retry_policy(RetryPolicy {
            max_attempts: 2,
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(1),
            max_elapsed: Duration::from_secs(10),
        })
        .build()
        .expect("client");
    let error = client.roster_page(0).await.expect_err("bad signature");
    assert_eq!(error.code(), "signature_mismatch");
    assert!(matches!(error, ClientError::ResponseSignature { .. }));
}

#[tokio::test]
async fn under_failures_and_drops_every_deduction_of_500_arrives_exactly_once() {
    let sandbox = sandbox(|c| {
        c.faults = Faults {
            fail_rate: 0.3,
            drop_rate: 0.1,
            seed: 42,
            ..Faults::default()
        }
    })
    .await;
    let client = client_for(&sandbox).build().expect("client");
    let sent: Vec<Deduction> = (0..500).map(deduction).collect();
    let mut tasks = tokio::task::JoinSet::new();
    // 125 concurrent chains: a retry of the same body waits for the next second (see the
    // client's unique_headers), so short chains keep the test fast.
    for chunk in sent.chunks(4) {
        let client = client.clone();
        let chunk = chunk.to_vec();
        tasks.spawn(async move {
            for deduction in chunk {
                client.deduct(&deduction).await.map_err(|e| e.to_string())?;
            }
            Ok::<_, String>(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("task")
            .expect("every deduction acknowledged in the end");
    }
    let listed = admin(&sandbox, "/admin/deductions").await;
    let listed = listed.as_array().expect("array");
    assert_eq!(listed.len(), 500);
    let ids: BTreeSet<&str> = listed
        .iter()
        .filter_map(|d| d["deductionID"].as_str())
        .collect();
    let expected: BTreeSet<String> = sent.iter().map(|d| d.deduction_id.clone()).collect();
    assert_eq!(ids, expected.iter().map(String::as_str).collect());
    let stats = admin(&sandbox, "/admin/stats").await;
    assert!(stats["injected_failures"].as_u64() > Some(0), "{stats}");
    assert!(stats["injected_drops"].as_u64() > Some(0), "{stats}");
    // Drops happen after the request was applied: some deductions arrived more than once
    // as uploads, yet each is stored once.
    assert!(stats["uploads"].as_i64() > Some(500), "{stats}");
    assert_eq!(stats["deductions"], 500);
}

/// An institution ledger in memory.
#[derive(Default)]
struct Ledger(Mutex<Vec<DeductCheckRecord>>);

impl DeductionSource for Ledger {
    fn deductions_between(
        &self,
        org_code: &str,
        start: &str,
        end: &str,
    ) -> Result<Vec<DeductCheckRecord>, SourceError> {
        let records = self.0.lock().map_err(|_| SourceError("poisoned".into()))?;
        Ok(records
            .iter()
            .filter(|r| {
                r.deduction.org_code == org_code
                    && r.deduction.deduction_time.as_str() >= start
                    && r.deduction.deduction_time.as_str() <= end
            })
            .cloned()
            .collect())
    }
}

async fn institution(ledger: Arc<Ledger>) -> String {
    let endpoint = InstitutionEndpoint::new(
        Verifier::builder()
            .key(SID, key())
            .replay_cache(10_000)
            .build()
            .expect("verifier"),
        Signer::new(SID, key()),
        ORG,
        ledger,
    )
    .expect("endpoint");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let server = Server::new(router(endpoint), None, ServerLimits::default()).expect("server");
    tokio::spawn(server.serve(listener));
    url
}

fn platform_calling(url: &str, key: SecretKey) -> Client {
    Client::builder(url)
        .sid(SID)
        .key(key)
        .org_code(ORG)
        .allow_http_for_loopback(true)
        .retry_policy(RetryPolicy::never())
        .build()
        .expect("client")
}

fn window() -> DeductCheckRequest {
    DeductCheckRequest {
        org_code: ORG.into(),
        deduct_time_start: "2026-11-26 00:00:00".into(),
        deduction_time_end: "2026-11-26 23:59:59".into(),
    }
}

#[test]
fn institution_endpoint_refuses_a_signer_that_cannot_sign() {
    let endpoint = InstitutionEndpoint::new(
        Verifier::builder()
            .key(SID, key())
            .build()
            .expect("verifier"),
        Signer::new(SID, SecretKey::new("")),
        ORG,
        Arc::new(Ledger::default()),
    );
    assert_eq!(endpoint.map(|_| ()).map_err(|e| e.code()), Err("empty_key"));
}

#[tokio::test]
async fn institution_router_verifies_the_platform_and_signs_its_answer() {
    let ledger = Arc::new(Ledger::default());
    ledger.0.lock().expect("lock").push(DeductCheckRecord {
        deduction: deduction(3),
        status: DeductionStatus::Deducted,
        cancel_time: None,
    });
    let url = institution(Arc::clone(&ledger)).await;

    // A rightly signed call: the answer verifies in the client (signature checked by
    // default) and carries the ledger's record.
    let answer = platform_calling(&url, key())
        .deduct_check(&window())
        .await
        .expect("verified answer");
    let records = answer.data.expect("data");
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].deduction, deduction(3));

    // A wrongly signed call is refused with responseFlag "0" (still a signed answer, or
    // the client would report a signature error instead of the platform's refusal).
    let error = platform_calling(&url, SecretKey::new("wrong key"))
        .deduct_check(&window())
        .await
        .expect_err("refused");
    // The refusal is signed with the institution's key, which the caller (holding the
    // wrong key) cannot verify; the error says so and quotes the unverified reason.
    match &error {
        ClientError::ResponseSignature {
            unverified_message: Some(message),
            ..
        } => assert_eq!(message, SIGNATURE_REFUSAL),
        other => panic!("unexpected {other:?}"),
    }
    assert!(error.to_string().contains("wrong key"), "{error}");
    let body = serde_json::to_vec(&window()).expect("json");
    let signed = Signer::new(SID, SecretKey::new("wrong key"))
        .sign(&body)
        .expect("sign");
    let response = reqwest::Client::new()
        .post(format!("{url}/deductCheck"))
        .header("sid", signed.sid)
        .header("timestamp", signed.timestamp.as_str())
        .header("sign", signed.sign.to_string())
        .body(body)
        .send()
        .await
        .expect("call");
    let pairs: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let answer = response.bytes().await.expect("body");
    Verifier::builder()
        .key(SID, key())
        .build()
        .expect("verifier")
        .verify_headers(pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())), &answer)
        .expect("the refusal is signed with the institution's key");
    let answer: Value = serde_json::from_slice(&answer).expect("JSON");
    assert_eq!(answer["responseFlag"], "0");
    assert_eq!(answer["responseMessage"], SIGNATURE_REFUSAL, "{answer}");
}

#[tokio::test]
async fn reconciliation_against_the_institution_router_finds_no_difference_then_finds_one() {
    let ledger = Arc::new(Ledger::default());
    let institution_url = institution(Arc::clone(&ledger)).await;
    let sandbox = sandbox(|c| c.institution_url = Some(institution_url)).await;
    let client = client_for(&sandbox).build().expect("client");
    for n in 10..20 {
        let sent = deduction(n);
        client.deduct(&sent).await.expect("deduct");
        let mut record = DeductCheckRecord {
            deduction: sent.clone(),
            status: DeductionStatus::Deducted,
            cancel_time: None,
        };
        if n % 3 == 0 {
            let cancel_time = "2026-11-26 12:00:00".to_owned();
            client
                .cancel(&Cancellation {
                    org_code: ORG.into(),
                    deduction_id: sent.deduction_id.clone(),
                    cancel_time: cancel_time.clone(),
                })
                .await
                .expect("cancel");
            record.status = DeductionStatus::Cancelled;
            record.cancel_time = Some(cancel_time);
        }
        ledger.0.lock().expect("lock").push(record);
    }
    let report: Reconciliation =
        serde_json::from_value(admin(&sandbox, "/admin/reconcile").await).expect("report");
    assert_eq!(report.platform_count, 10);
    assert_eq!(report.institution_count, 10);
    assert!(report.differences.is_empty(), "{report:?}");

    // The check bites: the institution forgets a cancellation and holds an extra record.
    {
        let mut records = ledger.0.lock().expect("lock");
        records[2].status = DeductionStatus::Deducted; // n = 12, cancelled on the platform
        records[2].cancel_time = None;
        records.push(DeductCheckRecord {
            deduction: deduction(99),
            status: DeductionStatus::Deducted,
            cancel_time: None,
        });
    }
    let report: Reconciliation =
        serde_json::from_value(admin(&sandbox, "/admin/reconcile").await).expect("report");
    let kinds: Vec<(String, String)> = report
        .differences
        .into_iter()
        .map(|d| (d.deduction_id, d.kind))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("D000012".to_owned(), "status".to_owned()),
            ("D000099".to_owned(), "missing_on_platform".to_owned()),
        ]
    );
}

#[tokio::test]
async fn unsigned_responses_are_refused_unless_the_policy_allows_them() {
    // A platform that answers without signature headers.
    let app = axum::Router::new().route(
        "/glorycard/store/all",
        axum::routing::post(|| async {
            r#"{"responseFlag":"1","responseMessage":"ok","data":[]}"#
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let strict = platform_calling(&url, key());
    let error = strict.roster_page(0).await.expect_err("unsigned");
    assert_eq!(error.code(), "unsigned_response");
    assert!(error.to_string().contains("accept_unsigned_responses"));
    let lenient = Client::builder(&url)
        .sid(SID)
        .key(key())
        .org_code(ORG)
        .allow_http_for_loopback(true)
        .accept_unsigned_responses(true)
        .build()
        .expect("client");
    assert!(lenient.roster_page(0).await.expect("accepted").is_empty());
}

#[test]
fn plain_http_is_refused_except_for_an_allowed_loopback_host() {
    let build = |url: &str, allow: bool| {
        Client::builder(url)
            .sid(SID)
            .key(key())
            .org_code(ORG)
            .allow_http_for_loopback(allow)
            .build()
            .map(|_| ())
            .map_err(|e| e.code())
    };
    assert_eq!(build("http://127.0.0.1:1", false), Err("config"));
    assert_eq!(build("http://platform.example", true), Err("config"));
    assert_eq!(build("http://127.0.0.1:1", true), Ok(()));
    assert_eq!(build("http://[::1]:1", true), Ok(()));
    assert_eq!(build("https://platform.example", false), Ok(()));
    let no_key = Client::builder("https://platform.example")
        .sid(SID)
        .key(SecretKey::new(""))
        .org_code(ORG)
        .build();
    assert_eq!(no_key.map(|_| ()).map_err(|e| e.code()), Err("empty_key"));
}

#[test]
fn blocking_facade_and_transport_errors() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let sandbox = runtime.block_on(sandbox(|c| c.holders = 600));
    let client =
        glorycard_client::blocking::Client::from_builder(client_for(&sandbox)).expect("client");
    let pages: Vec<usize> = client
        .roster_updates(0)
        .map(|page| page.expect("page").len())
        .collect();
    assert_eq!(pages, vec![500, 100]);
    drop(sandbox);

    // Nothing listens on the port any more: a connect error after the bounded attempts.
    let refused = glorycard_client::blocking::Client::from_builder(
        Client::builder("https://127.0.0.1:9")
            .sid(SID)
            .key(key())
            .org_code(ORG)
            .retry_policy(RetryPolicy {
                max_attempts: 2,
                initial_backoff: Duration::from_millis(1),
                max_backoff: Duration::from_millis(1),
                max_elapsed: Duration::from_secs(5),
            }),
    )
    .expect("client");
    let error = refused.roster_page(0).expect_err("refused");
    assert_eq!(error.code(), "connect");
    assert!(error.to_string().contains("2 attempt"), "{error}");
}

#[test]
fn http_sandbox_transport_and_client_debug_hide_the_key() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let sandbox = runtime.block_on(sandbox(|c| c.transport = Transport::Http));
    assert!(sandbox.url().starts_with("http://127.0.0.1:"));
    let client = Client::builder(sandbox.url())
        .sid(SID)
        .key(key())
        .org_code(ORG)
        .allow_http_for_loopback(true)
        .build()
        .expect("client");
    let debug = format!("{client:?}");
    assert!(!debug.contains(KEY) && debug.contains("***"), "{debug}");
    let page = runtime.block_on(client.roster_page(0)).expect("page");
    assert_eq!(page.len(), 500);
}

#[tokio::test]
async fn timeouts_and_persistent_503_end_in_their_own_codes() {
    let slow = sandbox(|c| c.faults.latency = Duration::from_millis(1500)).await;
    let policy = RetryPolicy {
        max_attempts: 2,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(1),
        max_elapsed: Duration::from_secs(10),
    };
    let impatient = client_for(&slow)
        .request_timeout(Duration::from_millis(200))
        .retry_policy(policy.clone())
        .build()
        .expect("client");
    let error = impatient.roster_page(0).await.expect_err("times out");
    assert_eq!(error.code(), "timeout");
    assert!(error.to_string().contains("2 attempt"), "{error}");

    let failing = sandbox(|c| c.faults.fail_rate = 1.0).await;
    let client = client_for(&failing)
        .retry_policy(policy)
        .build()
        .expect("client");
    let error = client.roster_page(0).await.expect_err("503");
    assert!(
        matches!(
            error,
            ClientError::HttpStatus {
                status: 503,
                attempts: 2
            }
        ),
        "{error:?}"
    );
    assert!(error.is_retryable());
}

#[tokio::test]
async fn deductions_survive_a_sandbox_restart_on_the_same_database_file() {
    let dir = std::env::temp_dir().join(format!("glorycard-sandbox-db-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let db = dir.join("platform.db");
    let _ = std::fs::remove_file(&db);
    let first = sandbox(|c| c.db = Some(db.clone())).await;
    client_for(&first)
        .build()
        .expect("client")
        .deduct(&deduction(40))
        .await
        .expect("deduct");
    drop(first);
    let second = sandbox(|c| c.db = Some(db.clone())).await;
    let listed = admin(&second, "/admin/deductions").await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert_eq!(listed[0]["deductionID"], "D000040");
    // The same record again is still recognised after the restart.
    client_for(&second)
        .build()
        .expect("client")
        .deduct(&deduction(40))
        .await
        .expect("idempotent after restart");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_client_works_from_async_code_and_blocking_tasks() {
    let sandbox = sandbox(|c| c.holders = 700).await;
    let builder = client_for(&sandbox);
    // Built, used and dropped on a runtime worker thread: no tokio panic.
    let client = glorycard_client::blocking::Client::from_builder(builder).expect("client");
    assert_eq!(client.roster_page(0).expect("page").len(), 500);
    // And from spawn_blocking, where an institution's DeductionSource runs.
    let pages = tokio::task::spawn_blocking(move || {
        let pages: Vec<usize> = client
            .roster_updates(0)
            .map(|page| page.expect("page").len())
            .collect();
        drop(client);
        pages
    })
    .await
    .expect("blocking task");
    assert_eq!(pages, vec![500, 200]);
}
