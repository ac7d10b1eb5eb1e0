//! Verification: [`verify`], [`diagnose_mismatch`] (and [`diagnose_mismatch_in`] a language) and
//! [`Verifier`] with its clock.

use std::sync::Arc;

use glorycard_core as core;

use crate::error::Result;
use crate::signing::SignInput;
use crate::types::{Header, SecretKey, SidKey, timestamp};

/// True when `sign` is the signature of the body with the key at the timestamp; false
/// for a clean mismatch. A malformed body, timestamp, sign or key is an error.
#[uniffi::export]
pub fn verify(input: SignInput, sign: String) -> Result<bool> {
    let ts = self::timestamp(&input.timestamp)?;
    Ok(core::verify_body(
        &input.body,
        &input.key.into(),
        &ts,
        &sign,
    )?)
}
/// Names a common signing departure that produces `received` (see core's
/// `diagnose_mismatch`): `None` when none does, `Some("")` when `received` is right.
#[uniffi::export]
pub fn diagnose_mismatch(
    body: Vec<u8>,
    key: SecretKey,
    timestamp: String,
    received: String,
) -> Result<Option<String>> {
    let ts = self::timestamp(&timestamp)?;
    let received = core::Signature::parse(&received)?;
    Ok(core::diagnose_mismatch(&body, &key.into(), &ts, &received)?.into_option())
}
/// [`diagnose_mismatch`] in the language `lang` names (`en` or `zh`, optionally with a
/// region): the facade's `diagnose(…, Locale)`.
#[uniffi::export]
pub fn diagnose_mismatch_in(
    body: Vec<u8>,
    key: SecretKey,
    timestamp: String,
    received: String,
    lang: String,
) -> Result<Option<String>> {
    let lang: core::Lang =
        lang.parse()
            .map_err(|e: core::UnknownLang| core::Error::InvalidField {
                field: "lang".to_owned(),
                reason: e.to_string(),
            })?;
    let ts = self::timestamp(&timestamp)?;
    let received = core::Signature::parse(&received)?;
    let found = core::diagnose_mismatch(&body, &key.into(), &ts, &received)?;
    Ok(found.text(lang).map(str::to_owned))
}
/// A clock that says what it is told, for tests and for replaying recorded traffic.
#[derive(uniffi::Object)]
pub struct ManualClock(Arc<core::ManualClock>);

#[uniffi::export]
impl ManualClock {
    /// A clock stopped at `unix_seconds`.
    #[uniffi::constructor]
    pub fn new(unix_seconds: i64) -> Self {
        ManualClock(Arc::new(core::ManualClock::new(unix_seconds)))
    }

    /// Sets the time.
    pub fn set(&self, unix_seconds: i64) {
        self.0.set(unix_seconds);
    }

    /// The time it says.
    pub fn now_unix_seconds(&self) -> i64 {
        use core::Clock as _;
        self.0.now_unix_seconds()
    }
}
/// What a successful verification established.
#[derive(uniffi::Record)]
pub struct Verified {
    /// The sid the request came from.
    pub sid: String,
    /// The request's timestamp.
    pub timestamp: String,
    /// Which of the sid's keys matched (0 = the first configured).
    pub key_index: u32,
}

impl From<core::Verified> for Verified {
    fn from(v: core::Verified) -> Self {
        Verified {
            sid: v.sid,
            timestamp: v.timestamp.to_string(),
            key_index: u32::try_from(v.key_index).unwrap_or(u32::MAX),
        }
    }
}

/// Verifies signed requests or responses: keys by sid, a skew window, replay refusal.
/// Shared (`Arc`) with the JNI path, which verifies through the same core verifier (one
/// replay cache) by a handle ([`Verifier::jni_handle`]).
#[derive(uniffi::Object)]
pub struct Verifier(pub(crate) Arc<core::Verifier>);

#[uniffi::export]
impl Verifier {
    /// A verifier with `keys`, a skew window of `max_skew_seconds`, a replay cache of
    /// `replay_capacity` triples when given, and `clock` (the system clock when absent).
    #[uniffi::constructor]
    pub fn new(
        keys: Vec<SidKey>,
        max_skew_seconds: u64,
        replay_capacity: Option<u64>,
        clock: Option<Arc<ManualClock>>,
    ) -> Result<Self> {
        let mut builder = core::Verifier::builder().max_skew_seconds(max_skew_seconds);
        for SidKey { sid, key } in keys {
            builder = builder.key(sid, key.into());
        }
        if let Some(capacity) = replay_capacity {
            builder = builder.replay_cache(usize::try_from(capacity).unwrap_or(usize::MAX));
        }
        if let Some(clock) = clock {
            builder = builder.clock(clock.0.clone());
        }
        Ok(Verifier(Arc::new(builder.build()?)))
    }

    /// A handle on this verifier for the JNI path (`NativeJni.verifierVerify…`): a strong
    /// reference, released by `NativeJni.verifierRelease`.
    pub fn jni_handle(&self) -> i64 {
        crate::jni_path::verifier_handle(Arc::clone(&self.0))
    }

    /// The allowed skew in seconds.
    pub fn max_skew_seconds(&self) -> u64 {
        self.0.max_skew_seconds()
    }

    /// Verifies `body` (its exact received bytes) against the received header values.
    pub fn verify(
        &self,
        sid: String,
        timestamp: String,
        sign: String,
        body: Vec<u8>,
    ) -> Result<Verified> {
        Ok(self.0.verify(&sid, &timestamp, &sign, &body)?.into())
    }

    /// Verifies with an HTTP message's headers (names compared case-insensitively).
    pub fn verify_headers(&self, headers: Vec<Header>, body: Vec<u8>) -> Result<Verified> {
        let pairs = headers.iter().map(|h| (h.name.as_str(), h.value.as_str()));
        Ok(self.0.verify_headers(pairs, &body)?.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::sign;

    #[test]
    fn verify_is_false_only_for_a_clean_mismatch() {
        // The platform document's worked example (canonical-form.md section 1).
        let body = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/vectors/spec-example.body.json"
        ))
        .unwrap();
        let key = "4fd6b8105f894d0da964b1e80b07b136".to_string();
        let expected = "ec94361a53c7969b6affd6af4af9ba1db3283585fad69082750054c5be26157c";
        let ts = "20210407155206".to_string();
        let input = || SignInput {
            body: body.clone(),
            key: SecretKey(key.clone()),
            timestamp: ts.clone(),
        };
        assert_eq!(sign(input()).unwrap(), expected);
        assert!(verify(input(), expected.to_string()).unwrap());
        let other = expected.replacen('e', "f", 1);
        assert!(!verify(input(), other).unwrap());
        assert!(verify(input(), "zz".to_string()).is_err());
    }
}
