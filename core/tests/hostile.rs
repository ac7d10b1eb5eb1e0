//! Hostile bodies: whatever a caller sends, canonicalizing, signing and verifying it
//! allocate memory in proportion to the body, not to its square (spec/canonical-form.md
//! section 2 rule 4). Peak heap use is measured with a counting global allocator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::sync::{Arc, Mutex};

use glorycard_core::synthetic::repeated_name_body;
use glorycard_core::{
    ManualClock, SecretKey, Signature, Timestamp, Verifier, canonicalize, diagnose_mismatch,
    explain, sign_body, verify_body,
};
use peak_alloc::PeakAlloc;

#[global_allocator]
static PEAK: PeakAlloc = PeakAlloc;

/// One measurement at a time: the allocator's peak is process-wide.
static MEASURING: Mutex<()> = Mutex::new(());

/// Runs `work` and returns its result with the peak heap bytes allocated above the
/// usage before it started.
fn peak_of<T>(work: impl FnOnce() -> T) -> (T, usize) {
    let _one_at_a_time = MEASURING.lock().unwrap_or_else(|p| p.into_inner());
    let baseline = PEAK.current_usage();
    PEAK.reset_peak_usage();
    let result = work();
    let peak = PEAK.peak_usage().saturating_sub(baseline);
    (result, peak)
}

const KEY: &str = "4fd6b8105f894d0da964b1e80b07b136";
const TS: &str = "20210407155206";

fn code<T: std::fmt::Debug>(result: Result<T, glorycard_core::Error>) -> &'static str {
    result.unwrap_err().code().as_str()
}

/// The 80 KB body of the issue (16,000-byte key, 32,000 elements; STRINGA would be
/// 512 MB) is refused by every entry point while the heap grows by a few MB at most: the
/// index of 32,000 values, never STRINGA.
#[test]
fn the_quadratic_body_is_refused_in_bounded_memory_everywhere() {
    let body = repeated_name_body(16_000, 32_000);
    assert!(body.len() < 81_000);
    let key = SecretKey::new(KEY);
    let ts = Timestamp::parse(TS).unwrap();
    // The index is linear in the body (tens of bytes per byte); STRINGA would be 512 MB.
    let bound = 100 * body.len();
    let any_sign = "00".repeat(32);

    let (result, peak) = peak_of(|| canonicalize(&body));
    assert_eq!(code(result), "stringa_too_long");
    assert!(peak < bound, "canonicalize peaked at {peak} bytes");

    let (result, peak) = peak_of(|| sign_body(&body, &key, &ts));
    assert_eq!(code(result), "stringa_too_long");
    assert!(peak < bound, "sign_body peaked at {peak} bytes");

    let (result, peak) = peak_of(|| explain(&body, &key, &ts));
    assert_eq!(code(result), "stringa_too_long");
    assert!(peak < bound, "explain peaked at {peak} bytes");

    let (result, peak) = peak_of(|| verify_body(&body, &key, &ts, &any_sign));
    assert_eq!(code(result), "stringa_too_long");
    assert!(peak < bound, "verify_body peaked at {peak} bytes");

    let received = Signature::parse(&any_sign).unwrap();
    let (result, peak) = peak_of(|| diagnose_mismatch(&body, &key, &ts, &received));
    assert_eq!(code(result), "stringa_too_long");
    assert!(peak < bound, "diagnose_mismatch peaked at {peak} bytes");

    // The verifier refuses it for its body, after the sid and timestamp checks, with two
    // keys configured (STRINGA is never produced once per key).
    let verifier = Verifier::builder()
        .key("sid-1", SecretKey::new("old-key"))
        .key("sid-1", key.clone())
        .clock(Arc::new(ManualClock::new(ts.unix_seconds())))
        .build()
        .unwrap();
    let (result, peak) = peak_of(|| verifier.verify("sid-1", TS, &any_sign, &body));
    assert_eq!(code(result), "stringa_too_long");
    assert!(peak < bound, "Verifier::verify peaked at {peak} bytes");
}

/// Numbers that expand (`1e511` is 5 bytes, its canonical decimal 512) are refused as
/// soon as their decimals alone pass STRINGA's limit, before the decoded text can grow
/// to a hundred times the body.
#[test]
fn expanding_numbers_are_refused_before_they_fill_memory() {
    let elements = 200_000;
    let mut body = b"{\"n\":[".to_vec();
    for i in 0..elements {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(b"1e511");
    }
    body.extend_from_slice(b"]}");
    // Fully decoded, the decimals alone are 200,000 × 512 bytes = 102.4 MB, from a 1.2 MB
    // body; refused once they pass STRINGA's limit (19.3 MB), the arena stays near it.
    let (result, peak) = peak_of(|| canonicalize(&body));
    assert_eq!(code(result), "stringa_too_long");
    let decoded = elements * 512;
    assert!(
        peak < decoded,
        "peaked at {peak} bytes: no less than holding all {decoded} bytes of decimals"
    );
}

/// Only STRINGA counts: expanding numbers under the top-level `sign` member are left out
/// of it, so they do not make the body too long (section 2 rule 3).
#[test]
fn the_top_level_sign_member_does_not_count() {
    let numbers = vec!["1e511"; 300].join(",");
    let body = format!(r#"{{"sign":[{numbers}],"a":"1"}}"#);
    assert!(300 * 512 > glorycard_core::max_string_a_len(body.len()) as usize);
    assert_eq!(canonicalize(body.as_bytes()).unwrap(), "a=1");
    // Nested `sign` members are data, and do count.
    let nested = format!(r#"{{"x":{{"sign":[{numbers}]}}}}"#);
    assert_eq!(code(canonicalize(nested.as_bytes())), "stringa_too_long");
}
