//! `glorycard bench`: an in-process micro-benchmark of sign and verify.

use std::fmt::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use glorycard_core::synthetic::roster_page_body;
use glorycard_core::{ManualClock, SecretKey, Timestamp, Verifier, sign_body};

const SPEC_BODY: &[u8] = include_bytes!("../../../tests/vectors/spec-example.body.json");
const SPEC_KEY: &str = "4fd6b8105f894d0da964b1e80b07b136";
const SPEC_TIMESTAMP: &str = "20210407155206";

/// Runs `operation` repeatedly for about `budget`; returns nanoseconds per call.
fn measure(
    budget: Duration,
    mut operation: impl FnMut() -> Result<(), String>,
) -> Result<f64, String> {
    // Warm up, and size batches so the clock is read rarely.
    let start = Instant::now();
    let mut warmup = 0u64;
    while start.elapsed() < budget / 10 || warmup < 3 {
        operation()?;
        warmup += 1;
    }
    let per_call = start.elapsed().as_secs_f64() / warmup as f64;
    let batch = ((0.01 / per_call) as u64).max(1);
    let start = Instant::now();
    let mut calls = 0u64;
    while start.elapsed() < budget {
        for _ in 0..batch {
            operation()?;
        }
        calls += batch;
    }
    Ok(start.elapsed().as_nanos() as f64 / calls as f64)
}

/// Runs the benchmark; returns the report (a table, or JSON with `json`).
pub fn run(json: bool, seconds: f64) -> Result<String, String> {
    if !(seconds.is_finite() && seconds > 0.0) {
        return Err("--seconds must be a positive number".to_string());
    }
    let budget = Duration::from_secs_f64(seconds);
    let key = SecretKey::new(SPEC_KEY);
    let timestamp = Timestamp::parse(SPEC_TIMESTAMP).map_err(|e| e.to_string())?;
    let verifier = Verifier::builder()
        .key("bench", key.clone())
        .clock(Arc::new(ManualClock::new(timestamp.unix_seconds())))
        .build()
        .map_err(|e| e.to_string())?;
    // About 112 bytes per roster record: 582 records are ~64 KB, 9,400 records ~1 MB.
    let bodies: [(&str, Vec<u8>); 3] = [
        ("spec-example", SPEC_BODY.to_vec()),
        ("roster-64kb", roster_page_body(1, 1, 582)),
        ("roster-1mb", roster_page_body(1, 1, 9_400)),
    ];
    let mut rows = Vec::new();
    for (name, body) in &bodies {
        let sign = sign_body(body, &key, &timestamp)
            .map_err(|e| e.to_string())?
            .to_string();
        let sign_ns = measure(budget, || {
            sign_body(body, &key, &timestamp)
                .map(|_| ())
                .map_err(|e| e.to_string())
        })?;
        let verify_ns = measure(budget, || {
            verifier
                .verify("bench", SPEC_TIMESTAMP, &sign, body)
                .map(|_| ())
                .map_err(|e| e.to_string())
        })?;
        rows.push((name, body.len(), sign_ns, verify_ns));
    }
    let mb_per_s = |bytes: usize, ns: f64| bytes as f64 / ns * 1e9 / 1e6;
    // Formatting into a String cannot fail.
    let mut out = String::new();
    if json {
        let rows: Vec<serde_json::Value> = rows
            .iter()
            .map(|(name, bytes, sign_ns, verify_ns)| {
                serde_json::json!({
                    "body": name,
                    "bytes": bytes,
                    "signNsPerOp": sign_ns.round(),
                    "signMBPerS": (mb_per_s(*bytes, *sign_ns) * 10.0).round() / 10.0,
                    "verifyNsPerOp": verify_ns.round(),
                    "verifyMBPerS": (mb_per_s(*bytes, *verify_ns) * 10.0).round() / 10.0,
                })
            })
            .collect();
        let _ = writeln!(out, "{}", serde_json::Value::Array(rows));
    } else {
        let _ = writeln!(
            out,
            "{:<14} {:>9} {:>14} {:>10} {:>14} {:>10}",
            "body", "bytes", "sign ns/op", "MB/s", "verify ns/op", "MB/s"
        );
        for (name, bytes, sign_ns, verify_ns) in &rows {
            let _ = writeln!(
                out,
                "{:<14} {:>9} {:>14.0} {:>10.1} {:>14.0} {:>10.1}",
                name,
                bytes,
                sign_ns,
                mb_per_s(*bytes, *sign_ns),
                verify_ns,
                mb_per_s(*bytes, *verify_ns)
            );
        }
    }
    Ok(out)
}
