//! Verifying signed requests and responses: keys by sid, a skew window, replay refusal.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use crate::lang::Bilingual;
use crate::signature::StringADigest;
use crate::{Error, SecretKey, Signature, Timestamp};

/// The reasons of these errors, in English and Chinese (see `Error::message`).
pub(crate) const REASONS: &[Bilingual] = &[NO_CLOCK];
const NO_CLOCK: Bilingual = (
    "no clock on this target: configure one with VerifierBuilder::clock",
    "此目标平台没有时钟：请用 VerifierBuilder::clock 配置一个",
);

/// The default allowed distance between a timestamp and the verifier's clock.
pub const DEFAULT_MAX_SKEW_SECONDS: u64 = 300;
/// The default number of accepted (sid, timestamp, sign) triples remembered for replay
/// refusal.
pub const DEFAULT_REPLAY_CAPACITY: usize = 100_000;

/// A source of the current time, injectable for tests.
pub trait Clock: Send + Sync {
    /// Seconds since the Unix epoch.
    fn now_unix_seconds(&self) -> i64;
}

/// The system clock.
#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
impl Clock for SystemClock {
    fn now_unix_seconds(&self) -> i64 {
        Timestamp::now().unix_seconds()
    }
}

/// A clock that says what it is told, for tests and for hosts without a system clock.
#[derive(Debug, Default)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    /// A clock stopped at `unix_seconds`.
    pub fn new(unix_seconds: i64) -> Self {
        ManualClock(AtomicI64::new(unix_seconds))
    }

    /// Sets the time.
    pub fn set(&self, unix_seconds: i64) {
        self.0.store(unix_seconds, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_unix_seconds(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now_unix_seconds(&self) -> i64 {
        (**self).now_unix_seconds()
    }
}

/// What a successful verification established.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The sid the request came from.
    pub sid: String,
    /// The request's timestamp.
    pub timestamp: Timestamp,
    /// Which of the sid's keys matched (0 = the first configured), to watch a rotation.
    pub key_index: usize,
}

/// Accepted triples, ordered by timestamp so the expired ones are dropped first.
///
/// It never forgets a triple that could still pass the skew check: when full of unexpired
/// triples it refuses (fail closed), and the point below which triples were forgotten only
/// moves forward, with every timestamp below it refused, so a wall clock that steps back
/// cannot bring a forgotten triple back into the window.
struct ReplayCache {
    capacity: usize,
    seen: BTreeMap<(i64, String, [u8; 32]), ()>,
    /// Triples with a timestamp below this were (or may have been) forgotten.
    forgotten_below: i64,
}

/// Why the replay cache refused a triple.
#[derive(Debug, PartialEq, Eq)]
enum Refused {
    /// Accepted before.
    Replayed,
    /// Older than what the cache still remembers: below this horizon.
    Forgotten(i64),
    /// Full of triples still inside the window.
    Full,
}

impl ReplayCache {
    fn new(capacity: usize) -> Self {
        ReplayCache {
            capacity: capacity.max(1),
            seen: BTreeMap::new(),
            forgotten_below: i64::MIN,
        }
    }

    /// Records the triple, or says why not.
    fn insert(
        &mut self,
        oldest_valid: i64,
        sid: &str,
        timestamp: i64,
        sign: &Signature,
    ) -> Result<(), Refused> {
        // Drop what has left the window: it can no longer pass the skew check.
        self.forgotten_below = self.forgotten_below.max(oldest_valid);
        while let Some(entry) = self.seen.first_entry() {
            if entry.key().0 >= self.forgotten_below {
                break;
            }
            entry.remove();
        }
        if timestamp < self.forgotten_below {
            return Err(Refused::Forgotten(self.forgotten_below));
        }
        let key = (timestamp, sid.to_string(), *sign.as_bytes());
        if self.seen.contains_key(&key) {
            return Err(Refused::Replayed);
        }
        if self.seen.len() >= self.capacity {
            return Err(Refused::Full);
        }
        self.seen.insert(key, ());
        Ok(())
    }
}

/// A replay cache outside this process: one store shared by every server that verifies
/// calls for the same sids (a database), so that a request replayed to another server of
/// a cluster is refused as well. `glorycard-durable` implements it on PostgreSQL.
pub trait SharedReplayCache: Send + Sync {
    /// Records the accepted (sid, timestamp, sign) triple, atomically with the check that
    /// it is new: `Ok(true)` when it was not there, `Ok(false)` when it was (a replay).
    /// Triples with a timestamp before `oldest_valid` can no longer pass the skew check
    /// and may be forgotten. `Err` (the store cannot be reached) refuses the request with
    /// [`Error::ReplayCacheUnavailable`]; its text must not quote the caller's input.
    fn remember(
        &self,
        sid: &str,
        timestamp: i64,
        sign: &[u8; 32],
        oldest_valid: i64,
    ) -> Result<bool, String>;
}

/// Verifies signed requests or responses.
///
/// Keys are looked up by `sid`, several per sid so that a key can be rotated without
/// downtime (configure old and new side by side). The timestamp must be within the skew
/// window of the clock; with a replay cache, a (sid, timestamp, sign) triple is accepted
/// once. Signatures are compared in constant time, against every key of the sid.
/// `Verifier` is `Send + Sync`: share one between threads.
pub struct Verifier {
    keys: HashMap<String, Vec<SecretKey>>,
    max_skew_seconds: u64,
    clock: Arc<dyn Clock>,
    replay: Option<Mutex<ReplayCache>>,
    shared_replay: Option<Arc<dyn SharedReplayCache>>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sids: Vec<&String> = self.keys.keys().collect();
        sids.sort();
        f.debug_struct("Verifier")
            .field("sids", &sids)
            .field("max_skew_seconds", &self.max_skew_seconds)
            .field("replay_cache", &self.replay.is_some())
            .field("shared_replay_cache", &self.shared_replay.is_some())
            .finish_non_exhaustive()
    }
}

/// Builds a [`Verifier`].
pub struct VerifierBuilder {
    keys: HashMap<String, Vec<SecretKey>>,
    max_skew_seconds: u64,
    clock: Option<Arc<dyn Clock>>,
    replay_capacity: Option<usize>,
    shared_replay: Option<Arc<dyn SharedReplayCache>>,
}

impl VerifierBuilder {
    /// Adds a key for `sid` (call again to add a second key during a rotation).
    pub fn key(mut self, sid: impl Into<String>, key: SecretKey) -> Self {
        self.keys.entry(sid.into()).or_default().push(key);
        self
    }

    /// Sets the allowed skew in seconds (default 300).
    pub fn max_skew_seconds(mut self, seconds: u64) -> Self {
        self.max_skew_seconds = seconds;
        self
    }

    /// Uses `clock` instead of the system clock.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Refuses replays, remembering up to `capacity` accepted triples (size it for the
    /// request rate times the window, 2 × skew). When that many are inside the window,
    /// further requests are refused with [`Error::ReplayCacheFull`] until some expire:
    /// forgetting one could let it be replayed.
    pub fn replay_cache(mut self, capacity: usize) -> Self {
        self.replay_capacity = Some(capacity);
        self
    }

    /// Refuses replays through `cache`, shared with the other servers of a cluster (with
    /// [`replay_cache`](VerifierBuilder::replay_cache) too, the local cache is asked
    /// first).
    pub fn shared_replay_cache(mut self, cache: Arc<dyn SharedReplayCache>) -> Self {
        self.shared_replay = Some(cache);
        self
    }

    /// Builds the verifier. Every configured key must be non-empty, and a clock is
    /// required on targets without a system clock.
    pub fn build(self) -> Result<Verifier, Error> {
        if self.keys.values().flatten().any(SecretKey::is_empty) {
            return Err(Error::EmptyKey);
        }
        #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
        let clock = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
        let clock = self.clock.ok_or_else(|| Error::InvalidTimestamp {
            reason: NO_CLOCK.0.to_string(),
        })?;
        Ok(Verifier {
            keys: self.keys,
            max_skew_seconds: self.max_skew_seconds,
            clock,
            replay: self
                .replay_capacity
                .map(|capacity| Mutex::new(ReplayCache::new(capacity))),
            shared_replay: self.shared_replay,
        })
    }
}

impl Verifier {
    /// Starts a builder: no keys, ±300 s, the system clock, no replay cache.
    pub fn builder() -> VerifierBuilder {
        VerifierBuilder {
            keys: HashMap::new(),
            max_skew_seconds: DEFAULT_MAX_SKEW_SECONDS,
            clock: None,
            replay_capacity: None,
            shared_replay: None,
        }
    }

    /// The allowed skew in seconds.
    pub fn max_skew_seconds(&self) -> u64 {
        self.max_skew_seconds
    }

    /// Verifies `body` (its exact received bytes) against the received header values.
    ///
    /// Checks, in order: the sid is known; the timestamp is well-formed and inside the
    /// window; the sign is 64 hex digits; the body canonicalizes; the sign matches one of
    /// the sid's keys; the triple was not accepted before. The first failure is returned
    /// as the typed reason.
    pub fn verify(
        &self,
        sid: &str,
        timestamp: &str,
        sign: &str,
        body: &[u8],
    ) -> Result<Verified, Error> {
        let keys = self.keys.get(sid).ok_or_else(|| Error::UnknownSid {
            sid: sid.to_string(),
        })?;
        let timestamp = Timestamp::parse(timestamp)?;
        let now = self.clock.now_unix_seconds();
        let skew = timestamp.unix_seconds().saturating_sub(now);
        if skew.unsigned_abs() > self.max_skew_seconds {
            return Err(Error::TimestampOutOfWindow {
                timestamp: timestamp.to_string(),
                skew_seconds: skew,
                max_skew_seconds: self.max_skew_seconds,
            });
        }
        let received = Signature::parse(sign)?;
        // STRINGA is hashed once; each key signs from a copy of that MD5 state.
        let string_a = StringADigest::of_body(body)?;
        // Check every key, whichever matches, so timing does not tell which one did.
        let mut matched = None;
        for (index, key) in keys.iter().enumerate() {
            let expected = string_a.sign(key.bytes()?, &timestamp)?;
            if expected.ct_eq(&received) && matched.is_none() {
                matched = Some(index);
            }
        }
        let key_index = matched.ok_or(Error::SignatureMismatch)?;
        if let Some(replay) = &self.replay {
            let oldest_valid = now.saturating_sub_unsigned(self.max_skew_seconds);
            let mut cache = replay
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            match cache.insert(oldest_valid, sid, timestamp.unix_seconds(), &received) {
                Ok(()) => {}
                Err(Refused::Replayed) => return Err(Error::Replayed),
                Err(Refused::Forgotten(horizon)) => {
                    // The clock stepped back: measured from the latest "now" the cache
                    // has seen, the timestamp is outside the window.
                    let latest_now = horizon.saturating_add_unsigned(self.max_skew_seconds);
                    return Err(Error::TimestampOutOfWindow {
                        timestamp: timestamp.to_string(),
                        skew_seconds: timestamp.unix_seconds().saturating_sub(latest_now),
                        max_skew_seconds: self.max_skew_seconds,
                    });
                }
                Err(Refused::Full) => {
                    return Err(Error::ReplayCacheFull {
                        capacity: cache.capacity,
                    });
                }
            }
        }
        if let Some(shared) = &self.shared_replay {
            let oldest_valid = now.saturating_sub_unsigned(self.max_skew_seconds);
            let first = shared
                .remember(
                    sid,
                    timestamp.unix_seconds(),
                    received.as_bytes(),
                    oldest_valid,
                )
                .map_err(|reason| Error::ReplayCacheUnavailable { reason })?;
            if !first {
                return Err(Error::Replayed);
            }
        }
        Ok(Verified {
            sid: sid.to_string(),
            timestamp,
            key_index,
        })
    }

    /// Verifies with the headers of an HTTP message (names compared case-insensitively).
    pub fn verify_headers<'h, I>(&self, headers: I, body: &[u8]) -> Result<Verified, Error>
    where
        I: IntoIterator<Item = (&'h str, &'h str)>,
    {
        let (mut sid, mut timestamp, mut sign) = (None, None, None);
        for (name, value) in headers {
            let (slot, name) = if name.eq_ignore_ascii_case("sid") {
                (&mut sid, "sid")
            } else if name.eq_ignore_ascii_case("timestamp") {
                (&mut timestamp, "timestamp")
            } else if name.eq_ignore_ascii_case("sign") {
                (&mut sign, "sign")
            } else {
                continue;
            };
            // Two values would leave it open which one was signed: refuse, never pick one.
            if slot.replace(value).is_some() {
                return Err(Error::DuplicateHeader { name });
            }
        }
        self.verify(
            sid.ok_or(Error::MissingHeader { name: "sid" })?,
            timestamp.ok_or(Error::MissingHeader { name: "timestamp" })?,
            sign.ok_or(Error::MissingHeader { name: "sign" })?,
            body,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign_body;

    const KEY: &str = "4fd6b8105f894d0da964b1e80b07b136";
    const BODY: &[u8] = br#"{"dataID":0,"orgCode":"106607"}"#;

    fn verifier(clock: Arc<ManualClock>, replay: bool) -> Verifier {
        let mut builder = Verifier::builder()
            .key("sid-1", SecretKey::new("old-key"))
            .key("sid-1", SecretKey::new(KEY))
            .clock(clock);
        if replay {
            builder = builder.replay_cache(4);
        }
        builder.build().unwrap()
    }

    fn signed(timestamp: &str) -> String {
        sign_body(
            BODY,
            &SecretKey::new(KEY),
            &Timestamp::parse(timestamp).unwrap(),
        )
        .unwrap()
        .to_string()
    }

    #[test]
    fn accepts_the_second_key_of_a_rotation() {
        let clock = Arc::new(ManualClock::new(
            Timestamp::parse("20210407155206").unwrap().unix_seconds(),
        ));
        let verified = verifier(clock, false)
            .verify("sid-1", "20210407155206", &signed("20210407155206"), BODY)
            .unwrap();
        assert_eq!(verified.key_index, 1);
    }

    /// A shared cache as two servers of a cluster use it: what one accepted, the other
    /// refuses as replayed; the cache is told the window's lower edge; a cache that fails
    /// refuses (fail closed) with its reason, and nothing of the request.
    #[test]
    fn a_shared_replay_cache_refuses_across_verifiers_and_fails_closed() {
        #[derive(Default)]
        struct Shared {
            seen: Mutex<std::collections::BTreeSet<(String, i64, [u8; 32])>>,
            oldest_valid: Mutex<Vec<i64>>,
        }
        impl SharedReplayCache for Shared {
            fn remember(
                &self,
                sid: &str,
                timestamp: i64,
                sign: &[u8; 32],
                oldest_valid: i64,
            ) -> Result<bool, String> {
                self.oldest_valid.lock().unwrap().push(oldest_valid);
                Ok(self
                    .seen
                    .lock()
                    .unwrap()
                    .insert((sid.to_owned(), timestamp, *sign)))
            }
        }
        struct Down;
        impl SharedReplayCache for Down {
            fn remember(&self, _: &str, _: i64, _: &[u8; 32], _: i64) -> Result<bool, String> {
                Err("the database is unreachable".into())
            }
        }
        let now = Timestamp::parse("20210407155206").unwrap().unix_seconds();
        let clock = Arc::new(ManualClock::new(now));
        let shared = Arc::new(Shared::default());
        let node = || {
            Verifier::builder()
                .key("sid-1", SecretKey::new(KEY))
                .clock(clock.clone())
                .shared_replay_cache(shared.clone())
                .build()
                .unwrap()
        };
        let (a, b) = (node(), node());
        let sign = signed("20210407155206");
        a.verify("sid-1", "20210407155206", &sign, BODY).unwrap();
        let replayed = b.verify("sid-1", "20210407155206", &sign, BODY);
        assert_eq!(replayed.unwrap_err(), Error::Replayed);
        assert_eq!(*shared.oldest_valid.lock().unwrap(), [now - 300, now - 300]);
        // Another second is another request.
        b.verify("sid-1", "20210407155207", &signed("20210407155207"), BODY)
            .unwrap();
        // A signature that does not match never reaches the cache.
        let wrong = b.verify("sid-1", "20210407155208", &"0".repeat(64), BODY);
        assert_eq!(wrong.unwrap_err(), Error::SignatureMismatch);
        assert_eq!(shared.seen.lock().unwrap().len(), 2);

        let down = Verifier::builder()
            .key("sid-1", SecretKey::new(KEY))
            .clock(clock)
            .shared_replay_cache(Arc::new(Down))
            .build()
            .unwrap();
        let error = down
            .verify("sid-1", "20210407155206", &sign, BODY)
            .unwrap_err();
        assert_eq!(error.code(), "replay_cache_unavailable");
        assert_eq!(
            error.to_string(),
            "replay cache unavailable: the database is unreachable"
        );
    }

    #[test]
    fn window_edges_are_inclusive() {
        let now = Timestamp::parse("20210407155206").unwrap().unix_seconds();
        let clock = Arc::new(ManualClock::new(now));
        let v = verifier(clock.clone(), false);
        // 300 s before and after are inside; 301 s are outside.
        for (ts, ok) in [
            ("20210407154706", true),
            ("20210407155706", true),
            ("20210407154705", false),
            ("20210407155707", false),
        ] {
            let result = v.verify("sid-1", ts, &signed(ts), BODY);
            assert_eq!(result.is_ok(), ok, "{ts}: {result:?}");
            if !ok {
                assert_eq!(result.unwrap_err().code(), "timestamp_out_of_window");
            }
        }
    }

    #[test]
    fn replay_is_refused_and_memory_stays_bounded() {
        let start = Timestamp::parse("20210407155206").unwrap().unix_seconds();
        let clock = Arc::new(ManualClock::new(start));
        let v = verifier(clock.clone(), true);
        let ts = "20210407155206";
        assert!(v.verify("sid-1", ts, &signed(ts), BODY).is_ok());
        assert_eq!(
            v.verify("sid-1", ts, &signed(ts), BODY),
            Err(Error::Replayed)
        );
        // A tampered request is rejected for its signature and does not enter the cache.
        let wrong = signed("20210407155207");
        assert_eq!(
            v.verify("sid-1", ts, &wrong, BODY),
            Err(Error::SignatureMismatch)
        );
        // Capacity 4: three more fit; the fifth is refused, and nothing is forgotten.
        for s in 7..10 {
            let ts = format!("202104071552{s:02}");
            assert!(v.verify("sid-1", &ts, &signed(&ts), BODY).is_ok());
        }
        let ts = "20210407155210";
        assert_eq!(
            v.verify("sid-1", ts, &signed(ts), BODY),
            Err(Error::ReplayCacheFull { capacity: 4 })
        );
        assert_eq!(
            v.verify("sid-1", "20210407155206", &signed("20210407155206"), BODY),
            Err(Error::Replayed),
            "the oldest entry is still remembered"
        );
        assert_eq!(v.replay.as_ref().unwrap().lock().unwrap().seen.len(), 4);
        // Once the first entries leave the window, room is made by dropping them alone.
        clock.set(start + 302);
        assert!(v.verify("sid-1", ts, &signed(ts), BODY).is_ok());
        let cache = v.replay.as_ref().unwrap().lock().unwrap();
        assert_eq!(
            cache.seen.len(),
            3,
            "06 and 07 expired, 08, 09 and 10 remain"
        );
    }

    #[test]
    fn a_clock_stepping_back_cannot_revive_a_forgotten_triple() {
        let start = Timestamp::parse("20210407155206").unwrap().unix_seconds();
        let clock = Arc::new(ManualClock::new(start));
        let v = verifier(clock.clone(), true);
        let ts = "20210407155206";
        assert!(v.verify("sid-1", ts, &signed(ts), BODY).is_ok());
        // The clock jumps an hour ahead: the triple is dropped from the cache ...
        clock.set(start + 3600);
        let later = Timestamp::from_unix_seconds(start + 3600)
            .unwrap()
            .to_string();
        assert!(v.verify("sid-1", &later, &signed(&later), BODY).is_ok());
        // ... and when the clock steps back, replaying it is still refused.
        clock.set(start);
        let replay = v.verify("sid-1", ts, &signed(ts), BODY).unwrap_err();
        assert_eq!(replay.code(), "timestamp_out_of_window");
        assert!(matches!(
            replay,
            Error::TimestampOutOfWindow { skew_seconds, .. } if skew_seconds == -3600
        ));
    }

    #[test]
    fn headers_are_case_insensitive_and_required() {
        let clock = Arc::new(ManualClock::new(
            Timestamp::parse("20210407155206").unwrap().unix_seconds(),
        ));
        let v = verifier(clock, false);
        let sign = signed("20210407155206");
        let headers = [
            ("SID", "sid-1"),
            ("TimeStamp", "20210407155206"),
            ("Sign", sign.as_str()),
        ];
        assert!(v.verify_headers(headers, BODY).is_ok());
        let missing = [("sid", "sid-1"), ("sign", sign.as_str())];
        assert_eq!(
            v.verify_headers(missing, BODY),
            Err(Error::MissingHeader { name: "timestamp" })
        );
        let twice = [
            ("sid", "sid-1"),
            ("Timestamp", "20210407155206"),
            ("sign", sign.as_str()),
            ("SIGN", sign.as_str()),
        ];
        assert_eq!(
            v.verify_headers(twice, BODY),
            Err(Error::DuplicateHeader { name: "sign" })
        );
    }

    #[test]
    fn unknown_sid_and_empty_keys() {
        let clock = Arc::new(ManualClock::new(0));
        let v = verifier(clock, false);
        assert_eq!(
            v.verify("nobody", "20210407155206", &signed("20210407155206"), BODY)
                .unwrap_err()
                .code(),
            "unknown_sid"
        );
        let empty = Verifier::builder().key("s", SecretKey::new("")).build();
        assert_eq!(empty.err(), Some(Error::EmptyKey));
    }
}
