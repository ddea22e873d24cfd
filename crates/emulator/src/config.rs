//! The emulator's configuration: who may call it, how async operations finish, paging,
//! latency and faults. Plain data with AWS-like defaults.

use std::path::PathBuf;
use std::time::Duration;

/// The access key id every default configuration accepts (AWS's documentation example).
pub const DEFAULT_ACCESS_KEY_ID: &str = "AKIDEXAMPLE";
/// The secret paired with [`DEFAULT_ACCESS_KEY_ID`] (AWS's documentation example).
pub const DEFAULT_SECRET_ACCESS_KEY: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
/// The emulated account when none is given.
pub const DEFAULT_ACCOUNT_ID: &str = "123456789012";
/// The region used when a request carries no credential scope (only possible with
/// signature verification off).
pub const DEFAULT_REGION: &str = "us-east-1";

/// How the emulator runs. `Default` gives the documented defaults.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Directory holding `src/<provider>/<version>/...`; every provider in it is scanned for
    /// CloudFormation types. `None` is the permissive mode: any well-formed TypeName is
    /// accepted and no schema validation is done (useful for benchmarks).
    pub registry_root: Option<PathBuf>,
    /// The emulated AWS account: in generated ARNs, and the key of state with the region.
    pub account_id: String,
    /// Accepted `(access key id, secret access key)` pairs.
    pub credentials: Vec<(String, String)>,
    /// Verify SigV4 signatures (on by default, as AWS does).
    pub verify_signatures: bool,
    /// ListResources / ListResourceRequests page size; a smaller `MaxResults` lowers it.
    pub page_size: usize,
    /// When CREATE/UPDATE/DELETE requests reach their final status.
    pub completion: Completion,
    /// Added latency per call.
    pub latency: Option<LatencyConfig>,
    /// Injected failures.
    pub faults: Faults,
    /// Record every request in the journal (tests read it; long benchmarks turn it off).
    pub journal: bool,
    /// Keep state in this SQLite file: a restart sees the same resources and requests.
    pub state_file: Option<PathBuf>,
    /// Load resources from this JSON file at start (see the crate docs for its format).
    pub seed_file: Option<PathBuf>,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            registry_root: None,
            account_id: DEFAULT_ACCOUNT_ID.to_string(),
            credentials: vec![(
                DEFAULT_ACCESS_KEY_ID.to_string(),
                DEFAULT_SECRET_ACCESS_KEY.to_string(),
            )],
            verify_signatures: true,
            page_size: 20,
            completion: Completion::default(),
            latency: None,
            faults: Faults::default(),
            journal: true,
            state_file: None,
            seed_file: None,
        }
    }
}

/// When an asynchronous operation (CREATE, UPDATE, DELETE) finishes.
///
/// An operation completes at the first moment both conditions hold: it has been read
/// `polls` times by GetResourceRequestStatus (the read that reaches the count already sees
/// the final status), and `delay` has passed since the request. With `polls == 0` the
/// operation completes on its own once `delay` has passed, whoever looks next; with both
/// zero the CreateResource/UpdateResource/DeleteResource response itself is final.
///
/// The default, `polls: 1, delay: 0`, answers IN_PROGRESS and then SUCCESS on the first
/// status read, which exercises a client's await loop without slowing it down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Completion {
    pub polls: u32,
    pub delay: Duration,
}

impl Default for Completion {
    fn default() -> Self {
        Completion {
            polls: 1,
            delay: Duration::ZERO,
        }
    }
}

impl Completion {
    /// Final status in the operation's own response.
    pub fn immediate() -> Self {
        Completion {
            polls: 0,
            delay: Duration::ZERO,
        }
    }
}

/// Latency added before every response: `fixed` plus a uniform random part in `[0, jitter]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LatencyConfig {
    pub fixed: Duration,
    pub jitter: Duration,
}

/// Injected failures, checked after authentication and before the operation runs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Faults {
    /// Fraction of requests (0.0..=1.0) answered with ThrottlingException.
    pub throttle_rate: f64,
    /// Fraction of requests (0.0..=1.0) answered with a 500 `InternalFailure`, the
    /// generic server error every AWS JSON service can send.
    pub error_rate: f64,
    /// Regions whose every request is answered 503 ServiceUnavailable.
    pub down_regions: Vec<String>,
}
