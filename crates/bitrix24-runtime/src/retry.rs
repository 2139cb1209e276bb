//! The retry decision and the backoff schedule.
//!
//! [`decide`] is a pure function of the error, the attempt number and
//! whether the call is safe to repeat; the send loop in `client.rs` only
//! obeys it. [`Backoff`] is the one jittered schedule every loop that
//! retries uses.

use std::time::Duration;

use crate::error::{codes, Error};

/// What the send loop does after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Send again after the backoff for the next attempt.
    Retry,
    /// The portal refused for the request rate (`QUERY_LIMIT_EXCEEDED`):
    /// the request was not run, so it is sent again, after the backoff and
    /// at least one drain interval of the rate limiter.
    Throttled,
    /// The method's operating-time budget is spent (`OPERATION_TIME_LIMIT`):
    /// nothing ran; send again once the budget resets, if that is soon enough.
    WaitBudget,
    /// The OAuth access token expired: refresh it, then send again (once per
    /// call; not counted as an attempt).
    Refresh,
    /// Give up and return the error.
    Stop,
}

/// Decides what follows a failed attempt.
///
/// `attempt` counts the retries made so far (0 after the first try);
/// `max_retries` is the budget; `repeatable` says whether the call may be
/// sent twice (an idempotent method, or a REST 3.0 write carrying an
/// `Idempotency-Key`). A request that provably did not run (no connection,
/// a rate-limit refusal, a blocked method) is repeated whatever
/// `repeatable` says; one that may have run only when it is repeatable.
pub fn decide(error: &Error, attempt: u32, max_retries: u32, repeatable: bool) -> Decision {
    if let Error::Api(api) = error {
        if api.code == codes::EXPIRED_TOKEN {
            return Decision::Refresh;
        }
    }
    if attempt >= max_retries {
        return Decision::Stop;
    }
    match error {
        Error::Api(api) if api.code == codes::QUERY_LIMIT_EXCEEDED => Decision::Throttled,
        Error::Api(api) if api.code == codes::OPERATION_TIME_LIMIT => Decision::WaitBudget,
        Error::Transport { source, .. } if source.is_connect() => Decision::Retry,
        Error::Transport { .. } | Error::Timeout { .. } if repeatable => Decision::Retry,
        Error::NotEnvelope { status, .. }
            if repeatable && matches!(status, 408 | 429 | 502..=504) =>
        {
            Decision::Retry
        }
        _ => Decision::Stop,
    }
}

/// Exponential backoff with "equal jitter": the wait for retry `n` (from 1)
/// is half of `min(first * 2^(n-1), max)` plus a random share of the other
/// half, so concurrent callers spread out and no wait is ever below half
/// the schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The first wait (before jitter).
    pub first: Duration,
    /// The longest wait.
    pub max: Duration,
}

impl Backoff {
    /// A schedule starting at `first`, doubling up to `max`.
    pub const fn new(first: Duration, max: Duration) -> Self {
        Backoff { first, max }
    }

    /// The wait before retry `attempt` (1 for the first retry), with
    /// `unit` in `[0, 1)` choosing the jitter; pure, for tests.
    pub fn wait_with(&self, attempt: u32, unit: f64) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(16));
        let full = self.first.saturating_mul(factor).min(self.max);
        let half = full / 2;
        let unit = if unit.is_finite() {
            unit.clamp(0.0, 1.0)
        } else {
            0.0
        };
        half + (full - half).mul_f64(unit)
    }

    /// The wait before retry `attempt`, with fresh jitter.
    pub fn wait(&self, attempt: u32) -> Duration {
        self.wait_with(attempt, jitter_unit())
    }
}

/// A number in `[0, 1)` that differs between calls and processes: enough
/// to spread retries, not meant for anything secret.
fn jitter_unit() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ApiError;

    fn api(code: &str, status: u16) -> Error {
        Error::Api(ApiError {
            method: "m".into(),
            code: code.into(),
            description: String::new(),
            status,
            validation: Vec::new(),
        })
    }

    fn not_envelope(status: u16) -> Error {
        Error::NotEnvelope {
            method: "m".into(),
            status,
            snippet: String::new(),
        }
    }

    fn timeout() -> Error {
        Error::Timeout {
            method: "m".into(),
            after: Duration::from_secs(1),
        }
    }

    #[test]
    fn refused_and_blocked_requests_repeat_even_when_unsafe() {
        for repeatable in [true, false] {
            assert_eq!(
                decide(&api("QUERY_LIMIT_EXCEEDED", 503), 0, 3, repeatable),
                Decision::Throttled
            );
            assert_eq!(
                decide(&api("OPERATION_TIME_LIMIT", 429), 2, 3, repeatable),
                Decision::WaitBudget
            );
        }
    }

    #[test]
    fn the_budget_bounds_every_retry_but_refresh() {
        for e in [
            api("QUERY_LIMIT_EXCEEDED", 503),
            api("OPERATION_TIME_LIMIT", 429),
            not_envelope(502),
            timeout(),
        ] {
            assert_eq!(decide(&e, 3, 3, true), Decision::Stop, "{e:?}");
            assert_eq!(decide(&e, 7, 3, true), Decision::Stop, "{e:?}");
        }
        assert_eq!(
            decide(&api("expired_token", 401), 3, 3, false),
            Decision::Refresh
        );
    }

    #[test]
    fn requests_that_may_have_run_repeat_only_when_safe() {
        for e in [
            timeout(),
            not_envelope(502),
            not_envelope(503),
            not_envelope(504),
        ] {
            assert_eq!(decide(&e, 0, 3, true), Decision::Retry, "{e:?}");
            assert_eq!(decide(&e, 0, 3, false), Decision::Stop, "{e:?}");
        }
    }

    #[test]
    fn answers_are_final() {
        for e in [
            api("OVERLOAD_LIMIT", 503),
            api("ACCESS_DENIED", 403),
            api("INTERNAL_SERVER_ERROR", 500),
            not_envelope(200),
            not_envelope(500),
            Error::Redirect {
                method: "m".into(),
                status: 302,
                location: Some("elsewhere.example".into()),
            },
            Error::TooLarge {
                method: "m".into(),
                limit: 10,
            },
            Error::Decode {
                method: "m".into(),
                path: "result".into(),
                message: String::new(),
            },
        ] {
            assert_eq!(decide(&e, 0, 3, true), Decision::Stop, "{e:?}");
        }
    }

    #[test]
    fn backoff_doubles_to_its_cap_with_equal_jitter() {
        let b = Backoff::new(Duration::from_millis(100), Duration::from_millis(1000));
        assert_eq!(b.wait_with(1, 0.0), Duration::from_millis(50));
        assert_eq!(b.wait_with(1, 1.0), Duration::from_millis(100));
        assert_eq!(b.wait_with(2, 0.5), Duration::from_millis(150));
        assert_eq!(b.wait_with(4, 1.0), Duration::from_millis(800));
        assert_eq!(b.wait_with(5, 1.0), Duration::from_millis(1000));
        assert_eq!(b.wait_with(40, 0.0), Duration::from_millis(500));
        assert_eq!(b.wait_with(1, f64::NAN), Duration::from_millis(50));
        for n in 1..50 {
            let w = b.wait(n);
            assert!(w <= b.max && w >= b.wait_with(n, 0.0), "{n}: {w:?}");
        }
    }
}
