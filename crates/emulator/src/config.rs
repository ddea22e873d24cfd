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
pub const DEFAULT_REGION: &str = stackql_aws_auth::DEFAULT_REGION;

/// How the emulator runs. `Default` gives the documented defaults.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Directory holding `src/<provider>/<version>/...`; every provider in it is scanned for
    /// CloudFormation types. `None` is the permissive mode: any well-formed TypeName is
    /// accepted and no schema validation is done (useful for benchmarks).
    pub registry_root: Option<PathBuf>,
    /// The emulated AWS account: in generated ARNs, and the key of state with the region.
    pub account_id: String,
    /// Whose signatures are accepted.
    pub credentials: AcceptedKeys,
    /// Check SigV4 at all (on by default, as AWS does); off, the region still comes from
    /// the credential scope, or us-east-1.
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
            credentials: AcceptedKeys::test_keys(),
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

/// Whose SigV4 signatures the emulator accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AcceptedKeys {
    /// Any access key: the signature's form, the credential scope (service, region form)
    /// and the date are checked, not the signature itself, so every SDK's own test keys
    /// work. What `stackql emulator` does without `--credentials`.
    Any,
    /// Only these `(access key id, secret access key)` pairs, each signature recomputed
    /// and compared (`--credentials`). The library's default is the documented test pair,
    /// so tests verify signatures fully.
    Only(Vec<(String, String)>),
}

impl AcceptedKeys {
    /// [`DEFAULT_ACCESS_KEY_ID`] with [`DEFAULT_SECRET_ACCESS_KEY`], fully verified.
    pub fn test_keys() -> Self {
        AcceptedKeys::Only(vec![(
            DEFAULT_ACCESS_KEY_ID.to_string(),
            DEFAULT_SECRET_ACCESS_KEY.to_string(),
        )])
    }
}

/// When an asynchronous operation (CREATE, UPDATE, DELETE) finishes.
///
/// An operation completes at the first moment either condition holds: it has been read
/// `polls` times by GetResourceRequestStatus (the read that reaches the count already sees
/// the final status; 0: reads alone never finish it), or `delay` has passed since the
/// request, whether or not anyone reads it (None: time alone never finishes it). With
/// `polls == 0` and a zero delay, the CreateResource/UpdateResource/DeleteResource response
/// itself is final.
///
/// The default, `polls: 1, delay: 300 ms`, answers IN_PROGRESS, then SUCCESS on the first
/// status read (an await loop is exercised without being slowed down), and a write nobody
/// awaits is done 300 ms later, as a real one would be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Completion {
    pub polls: u32,
    pub delay: Option<Duration>,
}

/// The default time after which a request completes unread.
pub const DEFAULT_COMPLETION_DELAY: Duration = Duration::from_millis(300);

impl Default for Completion {
    fn default() -> Self {
        Completion {
            polls: 1,
            delay: Some(DEFAULT_COMPLETION_DELAY),
        }
    }
}

impl Completion {
    /// Final status in the operation's own response.
    pub fn immediate() -> Self {
        Completion {
            polls: 0,
            delay: Some(Duration::ZERO),
        }
    }

    /// Whether the operation's own response is final.
    pub fn is_immediate(&self) -> bool {
        self.polls == 0 && self.delay == Some(Duration::ZERO)
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
