//! Retry policy: bounded, jittered exponential backoff.

use std::time::Duration;

/// How often and how long a call is retried after a retryable failure (connect error,
/// timeout, HTTP 429 or 5xx, an untrusted response).
///
/// Each attempt is signed afresh with a new timestamp. Business refusals
/// (`responseFlag` "0") and validation errors are never retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included (1 = no retry).
    pub max_attempts: u32,
    /// Backoff before the second attempt; doubled for each further one.
    pub initial_backoff: Duration,
    /// Upper bound of a single backoff.
    pub max_backoff: Duration,
    /// No new attempt starts after this much time since the first one.
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 6,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
            max_elapsed: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retry.
    pub fn never() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The backoff after failed attempt number `attempt` (1-based): "equal jitter", half
    /// of the exponential step fixed and half random, so that many clients failing at
    /// once do not retry in lockstep while each still backs off.
    pub fn backoff(&self, attempt: u32, random_unit: f64) -> Duration {
        let exponent = attempt.saturating_sub(1).min(20);
        let step = self
            .initial_backoff
            .saturating_mul(1u32 << exponent)
            .min(self.max_backoff);
        let half = step / 2;
        half + half.mul_f64(random_unit.clamp(0.0, 1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_is_capped_and_jitters_within_half() {
        let policy = RetryPolicy {
            max_attempts: 10,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(1000),
            max_elapsed: Duration::from_secs(10),
        };
        // Step for attempt n is 100 ms * 2^(n-1), capped at 1000 ms; the result lies in
        // [step/2, step].
        assert_eq!(policy.backoff(1, 0.0), Duration::from_millis(50));
        assert_eq!(policy.backoff(1, 1.0), Duration::from_millis(100));
        assert_eq!(policy.backoff(3, 0.0), Duration::from_millis(200));
        assert_eq!(policy.backoff(3, 1.0), Duration::from_millis(400));
        assert_eq!(policy.backoff(9, 1.0), Duration::from_millis(1000));
        assert_eq!(policy.backoff(40, 0.5), Duration::from_millis(750));
    }
}
