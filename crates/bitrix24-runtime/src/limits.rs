//! Client-side pacing: the portal's leaky bucket and per-method operating budgets.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The portal's request-rate limit: a leaky bucket that drains `per_second`
/// requests each second and holds at most `burst`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Sustained requests per second (2 on most plans, 5 on Enterprise).
    pub per_second: f64,
    /// Requests the bucket holds before the portal refuses (50, or 250).
    pub burst: f64,
}

impl RateLimit {
    /// Most plans: 2 requests a second, burst of 50.
    pub const STANDARD: RateLimit = RateLimit {
        per_second: 2.0,
        burst: 50.0,
    };
    /// Enterprise plans: 5 requests a second, burst of 250.
    pub const ENTERPRISE: RateLimit = RateLimit {
        per_second: 5.0,
        burst: 250.0,
    };

    /// A custom limit.
    pub fn new(per_second: f64, burst: f64) -> Self {
        RateLimit { per_second, burst }
    }
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit::STANDARD
    }
}

/// The client's copy of the portal's bucket. Each request reserves a slot;
/// when the bucket is full the reservation lies in the future and the
/// caller sleeps until then, so concurrent callers queue up fairly.
#[derive(Debug)]
pub(crate) struct LeakyBucket {
    limit: RateLimit,
    state: Mutex<(f64, Instant)>,
}

impl LeakyBucket {
    pub fn new(limit: RateLimit) -> Self {
        LeakyBucket {
            limit,
            state: Mutex::new((0.0, Instant::now())),
        }
    }

    /// How long the caller must wait before sending; the slot is taken.
    fn reserve(&self) -> Duration {
        self.reserve_at(Instant::now())
    }

    /// [`Self::reserve`] at a given instant (a clock the tests control).
    fn reserve_at(&self, now: Instant) -> Duration {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let now = now.max(st.1);
        let drained = now.duration_since(st.1).as_secs_f64() * self.limit.per_second;
        st.0 = (st.0 - drained).max(0.0) + 1.0;
        st.1 = now;
        let over = st.0 - self.capacity();
        if over > 0.0 {
            Duration::from_secs_f64(over / self.limit.per_second)
        } else {
            Duration::ZERO
        }
    }

    /// The bucket size the client aims for: the portal's burst less a
    /// cushion of 25 ms worth of requests (at least one), because the portal
    /// counts arrivals and network jitter bunches them up.
    fn capacity(&self) -> f64 {
        let cushion = (self.limit.per_second * 0.025).ceil().max(1.0);
        (self.limit.burst - cushion).max(1.0)
    }

    /// Waits for a slot.
    pub async fn acquire(&self) {
        let wait = self.reserve();
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// The portal said the bucket is full: believe it.
    pub fn mark_full(&self) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let drained = now.duration_since(st.1).as_secs_f64() * self.limit.per_second;
        st.0 = (st.0 - drained).max(self.limit.burst);
        st.1 = now;
    }

    /// One request's worth of draining.
    pub fn interval(&self) -> Duration {
        Duration::from_secs_f64(1.0 / self.limit.per_second)
    }
}

/// Per-method operating-time state: when each method's budget frees up,
/// and whether the portal has blocked it.
#[derive(Debug, Default)]
pub(crate) struct Budgets(Mutex<HashMap<String, Budget>>);

#[derive(Debug, Default, Clone, Copy)]
struct Budget {
    /// `operating_reset_at` from the last successful response.
    reset_at: Option<i64>,
    /// Set by `OPERATION_TIME_LIMIT`: do not call before this Unix time.
    blocked_until: Option<f64>,
}

pub(crate) fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

impl Budgets {
    fn with<R>(&self, f: impl FnOnce(&mut HashMap<String, Budget>) -> R) -> R {
        f(&mut self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Remembers the reset time a successful response reported.
    pub fn observe(&self, method: &str, reset_at: Option<i64>) {
        if let Some(at) = reset_at {
            self.with(|m| {
                let b = m.entry(method.to_owned()).or_default();
                b.reset_at = Some(at);
                b.blocked_until = None;
            });
        }
    }

    /// `OPERATION_TIME_LIMIT` arrived: hold the method back until the last
    /// known reset time, or `fallback` from now when none is known or it
    /// has passed. Returns how long that is.
    pub fn block(&self, method: &str, fallback: Duration) -> Duration {
        let now = unix_now();
        self.with(|m| {
            let b = m.entry(method.to_owned()).or_default();
            let until = b
                .reset_at
                .map(|t| t as f64)
                .filter(|t| *t > now)
                .unwrap_or(now + fallback.as_secs_f64());
            b.blocked_until = Some(until);
            b.reset_at = None;
            Duration::from_secs_f64(until - now)
        })
    }

    /// How long the method is still held back, if it is.
    pub fn wait(&self, method: &str) -> Option<Duration> {
        let now = unix_now();
        self.with(|m| {
            let until = m.get(method)?.blocked_until?;
            (until > now).then(|| Duration::from_secs_f64(until - now))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Equal to within a microsecond (float seconds to `Duration`).
    #[track_caller]
    fn near(a: Duration, b: Duration) {
        assert!(a.abs_diff(b) < Duration::from_micros(1), "{a:?} vs {b:?}");
    }

    /// On a clock the test controls: no dependence on how fast it runs.
    #[test]
    fn bucket_lets_burst_through_then_paces() {
        let b = LeakyBucket::new(RateLimit::new(10.0, 6.0));
        let t0 = b.state.lock().unwrap().1;
        // Capacity 6 less a cushion of one: 5 at once.
        for _ in 0..5 {
            assert_eq!(b.reserve_at(t0), Duration::ZERO);
        }
        near(b.reserve_at(t0), ms(100));
        near(b.reserve_at(t0), ms(200));
        // 250 ms later 2.5 slots have drained: the next waits 50 ms.
        near(b.reserve_at(t0 + ms(250)), ms(50));
        // An instant older than the last one counts as the last one.
        near(b.reserve_at(t0), ms(150));
    }

    /// Whatever the arrival pattern, the reservations never put more than
    /// the capacity into the bucket: the send times conform to the limit.
    #[test]
    fn reservations_conform_to_the_limit() {
        let limit = RateLimit::new(200.0, 50.0);
        let b = LeakyBucket::new(limit);
        let t0 = b.state.lock().unwrap().1;
        let cap = b.capacity();
        let mut sends = Vec::new();
        // Callers arriving in irregular clumps over two seconds.
        let mut at = Duration::ZERO;
        for i in 0..1000u64 {
            at += ms((i * 7919) % 13);
            let now = t0 + at;
            sends.push(now + b.reserve_at(now));
        }
        sends.sort();
        // Replay the send times through an exact leaky bucket.
        let (mut level, mut last) = (0.0f64, t0);
        for s in sends {
            level = (level - s.duration_since(last).as_secs_f64() * limit.per_second).max(0.0);
            level += 1.0;
            last = s;
            assert!(level <= cap + 1e-6, "level {level} over {cap}");
        }
    }

    #[test]
    fn budgets_block_only_their_method() {
        let b = Budgets::default();
        b.observe("a", Some(unix_now() as i64 + 30));
        let held = b.block("a", Duration::from_secs(60));
        // 30 s less the truncated fraction and however slow this machine is.
        assert!(held > Duration::from_secs(10) && held <= Duration::from_secs(30));
        assert!(b.wait("a").is_some());
        assert!(b.wait("b").is_none());
        let fallback = b.block("c", Duration::from_secs(5));
        assert!(fallback <= Duration::from_secs(5));
    }
}
