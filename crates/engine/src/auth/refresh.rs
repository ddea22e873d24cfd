//! AWS credentials resolved on first use and kept until shortly before they expire:
//! temporary credentials (assumed roles, SSO, containers, instance metadata) are fetched
//! again [`REFRESH_MARGIN`] before their expiry, so no request is signed with keys that
//! run out in flight. One resolution at a time per provider: concurrent calls wait for it.

use stackql_aws_auth::Credentials;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// Refresh this long before expiry (the AWS CLI refreshes 10 to 15 minutes ahead; the
/// shortest role session AWS grants is 15 minutes).
pub(crate) const REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);

/// A failure is remembered this long, so the calls of one statement share it instead of
/// each asking again, while a long shell session still retries later.
pub(crate) const FAILURE_TTL: Duration = Duration::from_secs(30);

pub(crate) type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;
pub(crate) type Resolve = Arc<
    dyn Fn() -> Pin<Box<dyn Future<Output = Result<Credentials, String>> + Send>> + Send + Sync,
>;

pub(crate) struct RefreshingCredentials {
    resolve: Resolve,
    clock: Clock,
    state: tokio::sync::Mutex<Option<Entry>>,
}

struct Entry {
    value: Result<Credentials, String>,
    /// When it was resolved (for failures' time to live).
    at: SystemTime,
    /// After a failed refresh: the previous keys, used while they have not expired.
    last_good: Option<Credentials>,
}

impl RefreshingCredentials {
    pub(crate) fn new(resolve: Resolve, clock: Clock) -> Self {
        RefreshingCredentials {
            resolve,
            clock,
            state: tokio::sync::Mutex::new(None),
        }
    }

    /// Credentials good for at least `REFRESH_MARGIN` where possible.
    pub(crate) async fn get(&self) -> Result<Credentials, String> {
        let mut state = self.state.lock().await;
        let now = (self.clock)();
        if let Some(entry) = state.as_ref() {
            match &entry.value {
                Ok(c) if c.expiry().is_none_or(|x| x > now + REFRESH_MARGIN) => {
                    return Ok(c.clone())
                }
                Err(e) if entry.at + FAILURE_TTL > now => {
                    return unexpired(entry.last_good.clone(), now).ok_or_else(|| e.clone())
                }
                _ => {}
            }
        }
        let previous = state.take().and_then(|e| match e.value {
            Ok(c) => Some(c),
            Err(_) => e.last_good,
        });
        match (self.resolve)().await {
            Ok(c) => {
                *state = Some(Entry {
                    value: Ok(c.clone()),
                    at: now,
                    last_good: None,
                });
                Ok(c)
            }
            // A refresh that failed while the old keys still work: keep using them.
            Err(e) => {
                let last_good = unexpired(previous, now);
                *state = Some(Entry {
                    value: Err(e.clone()),
                    at: now,
                    last_good: last_good.clone(),
                });
                last_good.ok_or(e)
            }
        }
    }
}

fn unexpired(creds: Option<Credentials>, now: SystemTime) -> Option<Credentials> {
    creds.filter(|c| c.expiry().is_none_or(|x| x > now))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Mutex;

    /// A fake clock and a resolver that counts its calls and hands out keys `AKID<n>`
    /// valid for `lifetime` from the clock's time.
    fn fixture(
        lifetime: Option<Duration>,
        fail_after: Option<u64>,
    ) -> (
        RefreshingCredentials,
        Arc<Mutex<SystemTime>>,
        Arc<AtomicU64>,
    ) {
        let now = Arc::new(Mutex::new(
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000),
        ));
        let calls = Arc::new(AtomicU64::new(0));
        let (clock_now, resolve_now, counter) = (now.clone(), now.clone(), calls.clone());
        let resolve: Resolve = Arc::new(move || {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            let at = *resolve_now.lock().unwrap();
            Box::pin(async move {
                if fail_after.is_some_and(|f| n > f) {
                    return Err("the token service is down".to_string());
                }
                Ok(
                    Credentials::new(format!("AKID{n}"), "secret", Some("token".into()))
                        .with_expiry(lifetime.map(|l| at + l)),
                )
            })
        });
        let clock: Clock = Arc::new(move || *clock_now.lock().unwrap());
        (RefreshingCredentials::new(resolve, clock), now, calls)
    }

    fn advance(now: &Mutex<SystemTime>, by: Duration) {
        *now.lock().unwrap() += by;
    }

    #[tokio::test]
    async fn credentials_expiring_soon_are_refreshed() {
        let (creds, now, calls) = fixture(Some(Duration::from_secs(3600)), None);
        assert_eq!(creds.get().await.unwrap().access_key_id, "AKID1");
        advance(&now, Duration::from_secs(30 * 60));
        assert_eq!(
            creds.get().await.unwrap().access_key_id,
            "AKID1",
            "still fresh"
        );
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // 56 minutes in: 4 minutes left, inside the 5-minute margin.
        advance(&now, Duration::from_secs(26 * 60));
        assert_eq!(creds.get().await.unwrap().access_key_id, "AKID2");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn long_term_keys_are_resolved_once() {
        let (creds, now, calls) = fixture(None, None);
        for _ in 0..3 {
            assert_eq!(creds.get().await.unwrap().access_key_id, "AKID1");
            advance(&now, Duration::from_secs(86_400));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_failed_refresh_keeps_unexpired_keys_and_failures_are_remembered_briefly() {
        let (creds, now, calls) = fixture(Some(Duration::from_secs(600)), Some(1));
        assert_eq!(creds.get().await.unwrap().access_key_id, "AKID1");
        // 6 minutes in: inside the margin, the refresh fails, the old keys still work.
        advance(&now, Duration::from_secs(360));
        assert_eq!(creds.get().await.unwrap().access_key_id, "AKID1");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        // Expired now: the failure is reported, and remembered for FAILURE_TTL.
        advance(&now, Duration::from_secs(300));
        let err = creds.get().await.unwrap_err();
        assert!(err.contains("down"), "{err}");
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        assert!(creds.get().await.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        advance(&now, FAILURE_TTL);
        assert!(creds.get().await.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 4);
    }
}
