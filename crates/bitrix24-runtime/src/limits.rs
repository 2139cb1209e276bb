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

    /// A custom limit. [`ClientBuilder::build`](crate::ClientBuilder::build)
    /// checks it: `per_second` from [`Self::MIN_RATE`] to [`Self::MAX_RATE`],
    /// `burst` from 1 to [`Self::MAX_BURST`].
    pub fn new(per_second: f64, burst: f64) -> Self {
        RateLimit { per_second, burst }
    }

    /// The slowest rate accepted: one request an hour.
    pub const MIN_RATE: f64 = 1.0 / 3600.0;
    /// The fastest rate accepted.
    pub const MAX_RATE: f64 = 1e9;
    /// The largest burst accepted.
    pub const MAX_BURST: f64 = 1e9;

    /// `Err` naming what is out of range.
    pub(crate) fn check(&self) -> Result<(), String> {
        let RateLimit { per_second, burst } = *self;
        if !(Self::MIN_RATE..=Self::MAX_RATE).contains(&per_second) {
            return Err(format!(
                "rate limit per_second = {per_second} is outside {}..={}",
                Self::MIN_RATE,
                Self::MAX_RATE
            ));
        }
        if !(1.0..=Self::MAX_BURST).contains(&burst) {
            return Err(format!(
                "rate limit burst = {burst} is outside 1..={}",
                Self::MAX_BURST
            ));
        }
        Ok(())
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
            secs(over / self.limit.per_second)
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
            tracing::trace!(
                wait_ms = wait.as_millis() as u64,
                "waiting for the rate limit"
            );
            tokio::time::sleep(wait).await;
        }
    }

    /// Waits for a slot if it comes before `deadline`; `false` (at once)
    /// if it would not. The slot stays taken either way, which only makes
    /// the pacing a little more careful.
    pub async fn acquire_before(&self, deadline: tokio::time::Instant) -> bool {
        let wait = self.reserve();
        if tokio::time::Instant::now() + wait > deadline {
            return false;
        }
        if !wait.is_zero() {
            tracing::trace!(
                wait_ms = wait.as_millis() as u64,
                "waiting for the rate limit"
            );
            tokio::time::sleep(wait).await;
        }
        true
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
        secs(1.0 / self.limit.per_second)
    }
}

/// Per-method operating-time state: when each method's budget frees up,
/// and whether the portal has blocked it.
#[derive(Debug, Default)]
pub(crate) struct Budgets(Mutex<HashMap<String, Budget>>);

#[derive(Debug, Default, Clone, Copy)]
struct Budget {
    /// `operating_reset_at` last reported (success or error body).
    reset_at: Option<i64>,
    /// Set by `OPERATION_TIME_LIMIT`: do not call before this Unix time.
    blocked_until: Option<f64>,
    /// `OPERATION_TIME_LIMIT`s in a row with no usable reset time.
    strikes: u32,
}

/// The first wait when a method is blocked and no reset time is known; it
/// doubles with every further block in a row, up to [`MAX_FALLBACK`].
pub(crate) const FIRST_FALLBACK: Duration = Duration::from_secs(1);
/// The longest fallback wait.
pub(crate) const MAX_FALLBACK: Duration = Duration::from_secs(60);

pub(crate) fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// Seconds as a `Duration`, never panicking (negative or NaN is zero,
/// too large is a day).
pub(crate) fn secs(s: f64) -> Duration {
    if s.is_nan() || s <= 0.0 {
        return Duration::ZERO;
    }
    Duration::try_from_secs_f64(s.min(86_400.0)).unwrap_or(Duration::from_secs(86_400))
}

impl Budgets {
    fn with<R>(&self, f: impl FnOnce(&mut HashMap<String, Budget>) -> R) -> R {
        f(&mut self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// A successful response: the method is not blocked; remember the reset
    /// time it reported.
    pub fn observe(&self, method: &str, reset_at: Option<i64>) {
        self.with(|m| match m.get_mut(method) {
            Some(b) => {
                b.blocked_until = None;
                b.strikes = 0;
                if reset_at.is_some() {
                    b.reset_at = reset_at;
                }
            }
            None if reset_at.is_some() => {
                m.insert(
                    method.to_owned(),
                    Budget {
                        reset_at,
                        ..Budget::default()
                    },
                );
            }
            None => {}
        });
    }

    /// `OPERATION_TIME_LIMIT` arrived, with the reset time its body
    /// reported if any: hold the method back until that time, else the last
    /// known reset time, else a short fallback that grows with every block
    /// in a row. Returns how long that is.
    pub fn block(&self, method: &str, reported: Option<i64>) -> Duration {
        self.block_at(method, reported, unix_now())
    }

    pub(crate) fn block_at(&self, method: &str, reported: Option<i64>, now: f64) -> Duration {
        self.with(|m| {
            let b = m.entry(method.to_owned()).or_default();
            let known = reported
                .or(b.reset_at)
                .map(|t| t as f64)
                .filter(|t| *t > now && *t - now <= 86_400.0);
            let until = match known {
                Some(t) => {
                    b.strikes = 0;
                    t
                }
                None => {
                    let factor = 2u32.saturating_pow(b.strikes.min(16));
                    b.strikes = b.strikes.saturating_add(1);
                    now + FIRST_FALLBACK
                        .saturating_mul(factor)
                        .min(MAX_FALLBACK)
                        .as_secs_f64()
                }
            };
            b.blocked_until = Some(until);
            b.reset_at = None;
            secs(until - now)
        })
    }

    /// How long the method is still held back, if it is.
    pub fn wait(&self, method: &str) -> Option<Duration> {
        self.wait_at(method, unix_now())
    }

    pub(crate) fn wait_at(&self, method: &str, now: f64) -> Option<Duration> {
        self.with(|m| {
            let until = m.get(method)?.blocked_until?;
            (until > now).then(|| secs(until - now))
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
        let now = 1_000_000.0;
        b.observe("a", Some(1_000_030));
        assert_eq!(b.block_at("a", None, now), Duration::from_secs(30));
        assert_eq!(b.wait_at("a", now + 10.0), Some(Duration::from_secs(20)));
        assert_eq!(b.wait_at("a", now + 30.0), None);
        assert!(b.wait_at("b", now).is_none());
    }

    /// The reset time in the 429 body wins over everything.
    #[test]
    fn the_error_body_reset_time_is_used() {
        let b = Budgets::default();
        let now = 1_000_000.0;
        b.observe("a", Some(1_000_030));
        assert_eq!(
            b.block_at("a", Some(1_000_300), now),
            Duration::from_secs(300)
        );
        // A reset time in the past or absurdly far is not believed.
        assert_eq!(b.block_at("c", Some(999_000), now), FIRST_FALLBACK);
        assert_eq!(b.block_at("d", Some(i64::MAX), now), FIRST_FALLBACK);
    }

    /// No reset time known: 1 s, 2 s, 4 s ... up to a minute, and back to
    /// 1 s after a success.
    #[test]
    fn the_fallback_is_short_and_grows() {
        let b = Budgets::default();
        let now = 1_000_000.0;
        let waits: Vec<u64> = (0..9)
            .map(|_| b.block_at("a", None, now).as_secs())
            .collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
        b.observe("a", None);
        assert_eq!(b.block_at("a", None, now), FIRST_FALLBACK);
    }
}
