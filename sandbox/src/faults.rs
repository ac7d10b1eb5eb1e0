//! Seeded, deterministic fault injection.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use glorycard_core::synthetic::SplitMix64;

/// Faults the sandbox injects into the three platform endpoints (never into `/admin`).
/// Rates are probabilities in `[0, 1]`, drawn from one generator seeded by `seed`, so a
/// run with the same requests in the same order injects the same faults.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    /// Added to every answer.
    pub latency: Duration,
    /// Answer HTTP 503 without applying the request.
    pub fail_rate: f64,
    /// Apply the request, then close the connection without answering (the hard case).
    pub drop_rate: f64,
    /// Answer with a wrong signature.
    pub bad_sign_rate: f64,
    /// The generator's seed.
    pub seed: u64,
}

/// What happens to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Fate {
    pub(crate) fail: bool,
    pub(crate) drop: bool,
    pub(crate) bad_sign: bool,
}

pub(crate) struct Injector {
    faults: Faults,
    random: Mutex<SplitMix64>,
    pub(crate) failed: AtomicU64,
    pub(crate) dropped: AtomicU64,
    pub(crate) bad_signed: AtomicU64,
}

impl Injector {
    pub(crate) fn new(faults: Faults) -> Self {
        Self {
            random: Mutex::new(SplitMix64::new(faults.seed)),
            faults,
            failed: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            bad_signed: AtomicU64::new(0),
        }
    }

    pub(crate) fn latency(&self) -> Duration {
        self.faults.latency
    }

    /// Draws the fate of the next request (three draws per request, always, so that the
    /// sequence does not depend on which faults are enabled).
    pub(crate) fn draw(&self) -> Fate {
        let Ok(mut random) = self.random.lock() else {
            return Fate::default();
        };
        let mut unit = || (random.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let (a, b, c) = (unit(), unit(), unit());
        let fate = Fate {
            fail: a < self.faults.fail_rate,
            drop: b < self.faults.drop_rate,
            bad_sign: c < self.faults.bad_sign_rate,
        };
        if fate.fail {
            self.failed.fetch_add(1, Ordering::Relaxed);
        } else if fate.drop {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        } else if fate.bad_sign {
            self.bad_signed.fetch_add(1, Ordering::Relaxed);
        }
        fate
    }
}
