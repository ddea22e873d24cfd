//! Retries the way the AWS SDKs' standard mode does them (exponential backoff with full
//! jitter, bounded attempts and total time, only for errors worth retrying and only for
//! requests safe to repeat), plus client-side adaptive rate limiting per service and
//! region that slows down after throttling and recovers on success.

use crate::error::CallError;
use crate::session::{ProgressEvent, ProgressHandler};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Attempts per request, the first included.
    pub max_attempts: u32,
    /// No retry starts after this much time since the first attempt.
    pub max_elapsed: Duration,
    /// Backoff of the first retry before jitter; doubles per retry.
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            max_elapsed: Duration::from_secs(120),
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// Full jitter: a uniformly random wait in [0, min(max, base * 2^retry)].
    pub fn backoff(&self, retry: u32) -> Duration {
        let cap = self
            .base_delay
            .saturating_mul(1u32 << retry.min(16))
            .min(self.max_delay);
        cap.mul_f64(fastrand_f64())
    }
}

/// Why an error is worth another attempt, if it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryReason {
    Throttled,
    ServerError,
    Transport,
    /// A non-JSON answer: worth another attempt for a read only.
    Unreadable,
}

const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

pub fn classify(e: &CallError) -> Option<RetryReason> {
    match e {
        CallError::Api { status, code, .. } => {
            if *status == 429 || THROTTLING_CODES.contains(&code.as_str()) {
                Some(RetryReason::Throttled)
            } else if *status >= 500 {
                Some(RetryReason::ServerError)
            } else {
                None
            }
        }
        CallError::Transport(_) => Some(RetryReason::Transport),
        CallError::Unreadable { .. } => Some(RetryReason::Unreadable),
        CallError::Refused(_) => None,
    }
}

/// Counters a statement reports (retries) and progress displays.
#[derive(Default)]
pub struct CallStats {
    pub requests: AtomicU64,
    /// Retries sent so far (live, for progress), whatever their outcome.
    pub retries: AtomicU64,
    pub throttled: AtomicU64,
    /// Requests that failed at first and then succeeded, the retries they took and the
    /// throttled answers among their failures: the statement's retry summary.
    pub recovered_calls: AtomicU64,
    pub recovered_retries: AtomicU64,
    pub recovered_throttles: AtomicU64,
    pub pages: AtomicU64,
    pub rows: AtomicU64,
    pub calls_done: AtomicU64,
    pub calls_total: AtomicU64,
    /// Where the progress events go (`Session::on_progress`), besides the counters.
    observer: RwLock<Option<ProgressHandler>>,
}

impl CallStats {
    pub fn reset(&self) {
        for c in [
            &self.requests,
            &self.retries,
            &self.throttled,
            &self.recovered_calls,
            &self.recovered_retries,
            &self.recovered_throttles,
            &self.pages,
            &self.rows,
            &self.calls_done,
            &self.calls_total,
        ] {
            c.store(0, Ordering::Relaxed);
        }
    }
    /// Counts `event` and hands it to the session's progress handler, if one is set.
    pub fn note(&self, event: ProgressEvent) {
        let counter = match &event {
            ProgressEvent::CallsPlanned(n) => Some((&self.calls_total, *n)),
            ProgressEvent::RequestSent => Some((&self.requests, 1)),
            ProgressEvent::Retry => Some((&self.retries, 1)),
            ProgressEvent::PageReceived => Some((&self.pages, 1)),
            ProgressEvent::RowsReceived(n) => Some((&self.rows, *n)),
            ProgressEvent::CallDone => Some((&self.calls_done, 1)),
            ProgressEvent::WriteStatus { .. } => None,
        };
        if let Some((c, n)) = counter {
            Self::add(c, n);
        }
        let observer = self
            .observer
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(observer) = observer {
            observer(&event);
        }
    }
    pub fn set_observer(&self, handler: Option<ProgressHandler>) {
        *self.observer.write().unwrap_or_else(|p| p.into_inner()) = handler;
    }
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

/// Adaptive client-side rate limit per (service, region): unlimited until the first
/// throttle, then a token bucket whose rate is cut multiplicatively on every throttle and
/// raised additively on every success (AIMD), as the SDKs' adaptive mode does in spirit.
#[derive(Default)]
pub struct AdaptiveLimiter {
    buckets: Mutex<HashMap<String, Bucket>>,
}

struct Bucket {
    /// Requests per second allowed; None = unlimited.
    rate: Option<f64>,
    tokens: f64,
    last: Instant,
    /// Sends in the current one-second window, to estimate the rate when first throttled.
    window_start: Instant,
    window_count: u32,
    last_rate_estimate: f64,
}

impl Bucket {
    fn new() -> Self {
        let now = Instant::now();
        Bucket {
            rate: None,
            tokens: 1.0,
            last: now,
            window_start: now,
            window_count: 0,
            last_rate_estimate: 10.0,
        }
    }
}

const MIN_RATE: f64 = 0.5;

impl AdaptiveLimiter {
    /// How long to wait before sending one request for `key` (and takes its token).
    pub fn reserve(&self, key: &str) -> Duration {
        let mut buckets = self.buckets.lock().expect("limiter lock");
        let b = buckets.entry(key.to_string()).or_insert_with(Bucket::new);
        let now = Instant::now();
        if now.duration_since(b.window_start) >= Duration::from_secs(1) {
            b.last_rate_estimate =
                b.window_count.max(1) as f64 / now.duration_since(b.window_start).as_secs_f64();
            b.window_start = now;
            b.window_count = 0;
        }
        b.window_count += 1;
        let Some(rate) = b.rate else {
            return Duration::ZERO;
        };
        b.tokens = (b.tokens + now.duration_since(b.last).as_secs_f64() * rate).min(rate.max(1.0));
        b.last = now;
        b.tokens -= 1.0;
        if b.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-b.tokens / rate)
        }
    }

    pub fn on_throttle(&self, key: &str) {
        let mut buckets = self.buckets.lock().expect("limiter lock");
        let b = buckets.entry(key.to_string()).or_insert_with(Bucket::new);
        let current = b.rate.unwrap_or_else(|| {
            let elapsed = b.window_start.elapsed().as_secs_f64().max(0.05);
            (b.window_count as f64 / elapsed).max(b.last_rate_estimate)
        });
        b.rate = Some((current * 0.7).max(MIN_RATE));
    }

    pub fn on_success(&self, key: &str) {
        let mut buckets = self.buckets.lock().expect("limiter lock");
        if let Some(b) = buckets.get_mut(key) {
            if let Some(rate) = b.rate {
                let raised = rate + 0.5;
                // Far above what is being asked for: the limit no longer matters.
                b.rate = if raised > 4.0 * b.last_rate_estimate.max(1.0) && raised > 1000.0 {
                    None
                } else {
                    Some(raised)
                };
            }
        }
    }
}

/// A uniform random number in [0, 1) without a dependency: xorshift seeded per thread from
/// the clock and a counter (jitter needs spread, not cryptographic quality).
fn fastrand_f64() -> f64 {
    use std::cell::Cell;
    thread_local! {
        static STATE: Cell<u64> = Cell::new({
            static COUNTER: AtomicU64 = AtomicU64::new(0x9E37_79B9_7F4A_7C15);
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1);
            (t ^ COUNTER.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)) | 1
        });
    }
    STATE.with(|s| {
        let mut x = s.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.set(x);
        (x >> 11) as f64 / (1u64 << 53) as f64
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_bounded_and_jittered() {
        let p = RetryPolicy::default();
        let waits: Vec<Duration> = (0..200).map(|_| p.backoff(3)).collect();
        assert!(waits.iter().all(|w| *w <= Duration::from_millis(800)));
        assert!(waits.iter().any(|w| *w < Duration::from_millis(400)));
        assert!(waits.iter().any(|w| *w > Duration::from_millis(400)));
        assert!(p.backoff(30) <= p.max_delay);
    }

    #[test]
    fn classification() {
        let api = |status, code: &str| CallError::Api {
            status,
            code: code.into(),
            message: String::new(),
            request_id: None,
        };
        assert_eq!(
            classify(&api(400, "ThrottlingException")),
            Some(RetryReason::Throttled)
        );
        assert_eq!(
            classify(&api(503, "ServiceUnavailable")),
            Some(RetryReason::ServerError)
        );
        assert_eq!(classify(&api(400, "ResourceNotFoundException")), None);
        assert_eq!(
            classify(&CallError::Transport("x".into())),
            Some(RetryReason::Transport)
        );
        assert_eq!(classify(&CallError::Refused("too large".into())), None);
    }

    #[test]
    fn limiter_slows_after_throttle_and_recovers() {
        let l = AdaptiveLimiter::default();
        assert_eq!(l.reserve("k"), Duration::ZERO);
        l.on_throttle("k");
        // Drain the bucket: some reservation must now wait.
        let waited = (0..50).map(|_| l.reserve("k")).any(|d| d > Duration::ZERO);
        assert!(waited);
        for _ in 0..5000 {
            l.on_success("k");
        }
        assert_eq!(l.reserve("other"), Duration::ZERO);
    }
}
