//! The client against a hostile "platform": answers built to exhaust its memory are
//! refused with the heap bounded, measured by a counting allocator for this binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use common::{Answer, SID, client, platform};
use glorycard_core::synthetic::repeated_name_body;
use peak_alloc::PeakAlloc;

#[global_allocator]
static HEAP: PeakAlloc = PeakAlloc;

/// The peak is process-wide: one measurement at a time in this binary.
static MEASURING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Runs `call`, returning its result and how far the heap grew above where it started.
async fn peak_of<T>(call: impl Future<Output = T>) -> (T, usize) {
    HEAP.reset_peak_usage();
    let before = HEAP.current_usage();
    let result = call.await;
    (result, HEAP.peak_usage().saturating_sub(before))
}

const MIB: usize = 1024 * 1024;

/// A 300 MB answer, generated while it is sent: the client stops reading at its cap
/// (8 MiB by default) and refuses the answer as invalid, holding little more than the cap;
/// a declared Content-Length over the cap is refused before any of the body is read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_answer_is_refused_at_the_cap_in_bounded_memory() {
    let _one = MEASURING.lock().await;
    for declare_length in [false, true] {
        let platform = platform(move |_| Answer::Stream {
            total: 300_000_000,
            declare_length,
        })
        .await;
        let client = client(&platform).build().unwrap();
        let (result, peak) = peak_of(client.roster_page(0)).await;
        // The cap, a growing buffer's reallocation and the HTTP stack's own buffers.
        assert!(
            peak < 40 * MIB,
            "declare_length {declare_length}: the heap grew by {peak} bytes"
        );
        let error = result.unwrap_err();
        assert_eq!(error.code(), "invalid_response", "{error}");
        assert!(
            error
                .to_string()
                .contains(&format!("response body larger than {} bytes", 8 * MIB)),
            "{error}"
        );
    }
}

/// The cap is configurable, and an answer within it is read whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_response_cap_is_configurable() {
    let _one = MEASURING.lock().await;
    let record = serde_json::json!({
        "certType": "0", "certNo": "11010519491231002X", "certName": "张小凡",
        "gloryType": "1", "gloryID": 7, "dataID": 1
    });
    let body = serde_json::to_vec(&serde_json::json!({
        "responseFlag": "1", "responseMessage": "ok", "data": [record]
    }))
    .unwrap();
    let length = body.len();
    let platform = platform(move |_| Answer::Signed(body.clone())).await;
    let page = client(&platform)
        .max_response_bytes(length)
        .build()
        .unwrap()
        .roster_page(0)
        .await
        .unwrap();
    assert_eq!(page.len(), 1);
    let error = client(&platform)
        .max_response_bytes(length - 1)
        .build()
        .unwrap()
        .roster_page(0)
        .await
        .unwrap_err();
    assert_eq!(error.code(), "invalid_response");
    assert!(
        error
            .to_string()
            .contains(&format!("larger than {} bytes", length - 1)),
        "{error}"
    );
}

/// A 160 KB answer whose STRINGA would be over a gigabyte, with signature headers for the
/// client's sid and a current timestamp (any sign: whoever sends it need not know the
/// key). The client refuses it as `stringa_too_long` without producing STRINGA.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quadratic_answer_is_refused_in_bounded_memory() {
    let _one = MEASURING.lock().await;
    let body = repeated_name_body(16_000, 72_000);
    assert!(body.len() < 161_000, "{}", body.len());
    let length = body.len();
    let platform = platform(move |_| {
        Answer::Raw(
            vec![
                ("sid".into(), SID.into()),
                (
                    "timestamp".into(),
                    glorycard_core::Timestamp::now().to_string(),
                ),
                ("sign".into(), "ab".repeat(32)),
            ],
            body.clone(),
        )
    })
    .await;
    let client = client(&platform).build().unwrap();
    let (result, peak) = peak_of(client.roster_page(0)).await;
    assert!(
        peak < 16 * length + 8 * MIB,
        "the heap grew by {peak} bytes for a {length}-byte answer"
    );
    let error = result.unwrap_err();
    assert_eq!(error.code(), "stringa_too_long", "{error}");
}
