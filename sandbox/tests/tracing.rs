//! Tracing output of the client: each attempt, and nothing personal or secret. In its own
//! test binary: tracing caches per call site whether anyone listens, and other tests'
//! threads (with no subscriber) would race with this test's thread-local subscriber.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use glorycard_sandbox::Faults;

/// Collects what a tracing subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn tracing_records_each_attempt_without_personal_data_or_key() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    // Half the attempts fail (503, seeded): the log holds failed and successful attempts.
    let sandbox = sandbox(|c| {
        c.faults = Faults {
            fail_rate: 0.5,
            seed: 5,
            ..Faults::default()
        }
    })
    .await;
    let client = client_for(&sandbox).build().expect("client");
    let sent = deduction(7);
    for n in 0..6 {
        client.deduct(&deduction(700 + n)).await.expect("deduct");
    }
    client.deduct(&sent).await.expect("deduct");
    let log = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("UTF-8");
    assert!(log.contains("glorycard.call"), "{log}");
    assert!(log.contains("/glorycard/store/deduct"), "{log}");
    assert!(
        log.contains("attempt=2"),
        "a retried attempt is logged: {log}"
    );
    assert!(log.contains("http_status"), "{log}");
    assert!(log.contains("latency_ms"), "{log}");
    assert!(!log.contains(sent.cert_no.as_str()), "certNo leaked: {log}");
    assert!(!log.contains("张三"), "certName leaked: {log}");
    assert!(!log.contains(KEY), "key leaked: {log}");
}
