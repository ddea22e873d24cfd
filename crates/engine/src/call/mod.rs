//! Calling: sending planned requests. The HTTP client with signing, pagination and the
//! cancel switch (`http.rs`), retries, backoff and adaptive rate limiting (`retry.rs`), the
//! bound on requests in flight shared by engines (`budget.rs`), and how clients reach the
//! network: proxy, CA certificates (`transport.rs`); the `Sender` trait the client sends
//! through, reqwest's or a test's fake (`sender.rs`).

pub mod budget;
pub mod http;
pub mod retry;
pub mod sender;
pub mod transport;
