//! The bound on HTTP requests in flight (`--execution.concurrency.limit`), owned by whoever
//! creates engines: every engine given clones of one `CallBudget` shares its permits, so a
//! process serving many sessions still sends at most `limit` requests at once.

use std::sync::Arc;
use tokio::sync::{Semaphore, SemaphorePermit};

/// Permits for requests in flight. Clones share the same permits; `CallBudget::new` makes
/// an independent budget. tokio's semaphore is not tied to a runtime, so engines with
/// their own runtimes can share it.
#[derive(Clone, Debug)]
pub struct CallBudget {
    permits: Arc<Semaphore>,
    limit: usize,
}

impl CallBudget {
    /// A budget of `limit` requests at once (at least one, so nothing waits forever).
    pub fn new(limit: usize) -> Self {
        let limit = limit.max(1);
        CallBudget {
            permits: Arc::new(Semaphore::new(limit)),
            limit,
        }
    }

    /// Requests in flight at once at most, across every holder of this budget.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Waits for a permit; the request holds it until it is dropped.
    pub(crate) async fn acquire(&self) -> SemaphorePermit<'_> {
        self.permits
            .acquire()
            .await
            .expect("the budget's semaphore is never closed")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_permits_and_new_budgets_do_not() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            let shared = CallBudget::new(2);
            let clone = shared.clone();
            let _a = shared.acquire().await;
            let _b = clone.acquire().await;
            assert_eq!(shared.permits.available_permits(), 0);
            assert_eq!(clone.permits.available_permits(), 0);
            let other = CallBudget::new(2);
            assert_eq!(other.permits.available_permits(), 2);
        });
    }

    #[test]
    fn a_zero_limit_still_lets_one_request_through() {
        assert_eq!(CallBudget::new(0).limit(), 1);
    }
}
