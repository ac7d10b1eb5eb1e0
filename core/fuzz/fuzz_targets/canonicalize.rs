//! Any bytes: canonicalize never panics; on success the fast path equals the global sort,
//! signing agrees with signing STRINGA, and the top-level `sign` never enters STRINGA.
#![no_main]

use glorycard_core::{SecretKey, Timestamp, __canonicalize_globally_sorted, canonicalize, sign_body, sign_string_a};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    let result = canonicalize(body);
    let reference = __canonicalize_globally_sorted(body);
    assert_eq!(
        result.as_ref().map_err(|e| e.code()),
        reference.as_ref().map_err(|e| e.code()),
        "fast path and global sort disagree"
    );
    let key = SecretKey::new("fuzz-key");
    let timestamp = Timestamp::EPOCH;
    match result {
        Ok(string_a) => {
            let signed = sign_body(body, &key, &timestamp).expect("canonicalized body must sign");
            assert_eq!(signed, sign_string_a(&string_a, &key, &timestamp).expect("non-empty key"));
        }
        Err(error) => {
            assert_eq!(sign_body(body, &key, &timestamp).map(|_| ()).map_err(|e| e.code()), Err(error.code()));
            if let Some(offset) = error.offset() {
                assert!(offset <= body.len(), "offset {offset} beyond the body");
            }
        }
    }
});
