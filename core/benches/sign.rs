//! `sign_body` against the hashing floor (MD5 of STRINGSignTemp + HMAC-SHA256 of the same
//! bytes, STRINGA precomputed), and against a straightforward serde_json `Value`
//! flatten-and-sort, on the spec example, a 500-record roster page and a 100k-record body.
//! After criterion's own report, prints the ratios of this run and the peak heap of
//! signing the largest body.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{Criterion, Throughput};
use glorycard_core::synthetic::roster_page_body;
use glorycard_core::{SecretKey, Timestamp, canonicalize, sign_body};
use hmac::{Hmac, KeyInit, Mac};
use md5::{Digest, Md5};
use peak_alloc::PeakAlloc;

#[global_allocator]
static PEAK: PeakAlloc = PeakAlloc;

const KEY: &str = "4fd6b8105f894d0da964b1e80b07b136";
const TS: &str = "20210407155206";
const SPEC_BODY: &[u8] = include_bytes!("../../tests/vectors/spec-example.body.json");

/// The irreducible work: MD5 over STRINGSignTemp, upper-case hex, HMAC-SHA256.
fn floor(string_sign_temp: &[u8], key: &[u8]) -> [u8; 32] {
    let md5_upper = hex::encode_upper(Md5::digest(string_sign_temp));
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
    mac.update(md5_upper.as_bytes());
    mac.finalize().into_bytes().into()
}

/// How a first implementation usually looks: a `Value` tree, a `String` per pair, sort.
fn serde_value_sign(body: &[u8], key: &str, ts: &str) -> [u8; 32] {
    fn flatten(value: &serde_json::Value, name: String, out: &mut Vec<(String, String)>) {
        match value {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    flatten(
                        v,
                        if name.is_empty() {
                            k.clone()
                        } else {
                            format!("{name}.{k}")
                        },
                        out,
                    );
                }
            }
            serde_json::Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    flatten(v, format!("{name}[{i}]"), out);
                }
            }
            serde_json::Value::Null => {}
            serde_json::Value::String(s) if s.is_empty() => {}
            serde_json::Value::String(s) => out.push((name, s.clone())),
            other => out.push((name, other.to_string())),
        }
    }
    let value: serde_json::Value = serde_json::from_slice(body).unwrap();
    let mut pairs = Vec::new();
    flatten(&value, String::new(), &mut pairs);
    pairs.sort();
    let string_a: Vec<String> = pairs.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
    floor(
        format!("{}&key={key}&timestamp={ts}", string_a.join("&")).as_bytes(),
        key.as_bytes(),
    )
}

fn bodies() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("spec-example", SPEC_BODY.to_vec()),
        ("roster-500", roster_page_body(1, 1, 500)),
        ("roster-100k", roster_page_body(1, 1, 100_000)),
    ]
}

fn output_directory() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("criterion")
}

fn main() {
    let mut criterion = Criterion::default()
        .output_directory(&output_directory())
        .configure_from_args();
    let key = SecretKey::new(KEY);
    let ts = Timestamp::parse(TS).unwrap();
    let bodies = bodies();
    for (name, body) in &bodies {
        let string_sign_temp = format!("{}&key={KEY}&timestamp={TS}", canonicalize(body).unwrap());
        let mut group = criterion.benchmark_group(*name);
        group.throughput(Throughput::Bytes(body.len() as u64));
        if body.len() > 1_000_000 {
            group
                .sample_size(10)
                .measurement_time(Duration::from_secs(8));
        }
        group.bench_function("sign_body", |b| {
            b.iter(|| sign_body(black_box(body), &key, &ts).unwrap())
        });
        group.bench_function("floor", |b| {
            b.iter(|| floor(black_box(string_sign_temp.as_bytes()), KEY.as_bytes()))
        });
        group.bench_function("serde_value", |b| {
            b.iter(|| serde_value_sign(black_box(body), KEY, TS))
        });
        group.finish();
    }
    criterion.final_summary();

    println!(
        "\n{:<14} {:>10} {:>12} {:>12} {:>12} {:>9} {:>13}",
        "body", "bytes", "floor", "sign_body", "serde_value", "sign/floor", "serde/floor"
    );
    for (name, body) in &bodies {
        let mean = |bench: &str| -> Option<f64> {
            let path = output_directory()
                .join(name)
                .join(bench)
                .join("new/estimates.json");
            let estimates: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
            estimates["mean"]["point_estimate"].as_f64()
        };
        if let (Some(floor), Some(sign), Some(serde)) =
            (mean("floor"), mean("sign_body"), mean("serde_value"))
        {
            println!(
                "{:<14} {:>10} {:>10.1}µs {:>10.1}µs {:>10.1}µs {:>8.2}× {:>12.2}×",
                name,
                body.len(),
                floor / 1e3,
                sign / 1e3,
                serde / 1e3,
                sign / floor,
                serde / floor
            );
        }
    }

    let (name, body) = &bodies[2];
    let baseline = PEAK.current_usage();
    PEAK.reset_peak_usage();
    black_box(sign_body(body, &key, &ts).unwrap());
    let peak = PEAK.peak_usage().saturating_sub(baseline);
    println!(
        "\npeak heap of sign_body on {name} ({} bytes): {} bytes above the body = {:.2}× the body; with the body itself {:.2}×",
        body.len(),
        peak,
        peak as f64 / body.len() as f64,
        (peak + body.len()) as f64 / body.len() as f64
    );
}
