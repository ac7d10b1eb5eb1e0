//! Any headers and body: the verifier never panics, accepts only what the key signed,
//! and refuses the second presentation of anything it accepted.
#![no_main]

use std::sync::Arc;

use glorycard_core::{ManualClock, SecretKey, Timestamp, Verifier, sign_body};
use libfuzzer_sys::fuzz_target;

const NOW: i64 = 1_617_781_926; // 2021-04-07 15:52:06 UTC+8

fuzz_target!(|data: &[u8]| {
    // sid \0 timestamp \0 sign \0 body; a missing part is empty.
    let mut parts = data.splitn(4, |&b| b == 0);
    let text = |part: Option<&[u8]>| String::from_utf8_lossy(part.unwrap_or_default()).into_owned();
    let (sid, timestamp, mut sign) = (text(parts.next()), text(parts.next()), text(parts.next()));
    let body = parts.next().unwrap_or_default();
    let key = SecretKey::new("4fd6b8105f894d0da964b1e80b07b136");
    let verifier = Verifier::builder()
        .key("sid-1", key.clone())
        .key("sid-1", SecretKey::new("second"))
        .clock(Arc::new(ManualClock::new(NOW)))
        .replay_cache(16)
        .build()
        .expect("valid configuration");
    // Half the time, sign the body properly so the accepting paths are explored too.
    if sign.len() == 1 {
        if let Ok(ts) = Timestamp::parse(&timestamp) {
            if let Ok(real) = sign_body(body, &key, &ts) {
                sign = real.to_string();
            }
        }
    }
    if let Ok(verified) = verifier.verify(&sid, &timestamp, &sign, body) {
        assert_eq!(sid, "sid-1");
        let ts = Timestamp::parse(&timestamp).expect("accepted timestamps parse");
        assert!((ts.unix_seconds() - NOW).abs() <= 300);
        let expected = sign_body(body, &key, &ts).expect("accepted bodies sign");
        if verified.key_index == 0 {
            assert!(expected.to_string().eq_ignore_ascii_case(&sign));
        }
        assert_eq!(
            verifier.verify(&sid, &timestamp, &sign, body).map_err(|e| e.code().as_str()),
            Err("replayed")
        );
    }
});
