//! `stackql-emulator`: a local AWS Cloud Control API (awsJson1.0), driven by StackQL
//! registry documents, for trying, testing and benchmarking StackQL offline.
//!
//! # What it does
//!
//! It serves the eight operations of Cloud Control (`CloudApiService.*` targets) on
//! 127.0.0.1. Every CloudFormation type named (`x-type-name` / `x-cfn-type-name`) in the
//! registry documents under [`EmulatorConfig::registry_root`] can be created, read, listed,
//! updated and deleted, with what the schema says enforced. With no registry the emulator is
//! *permissive*: any well-formed TypeName is accepted, DesiredState is only required to be a
//! JSON object, and identifiers are generated UUIDs (useful for benchmarks).
//!
//! # Behaviour chosen to match AWS (and where AWS is not documented, the choice made)
//!
//! - Requests answer IN_PROGRESS, then reach SUCCESS/FAILED per [`Completion`] (default: on
//!   the first GetResourceRequestStatus, or 300 ms later if nobody asks). The first CREATE event carries no Identifier; the
//!   final one carries Identifier and ResourceModel. A resource appears, changes or
//!   disappears when its request reaches SUCCESS.
//! - Schema violations are answered synchronously as `ValidationException` with
//!   `Model validation failed (#: required key [X] not found)` (what AWS sends; the error is
//!   not in the service model). A read-only property in DesiredState is such a violation.
//! - A duplicate CREATE does not throw: the request FAILS with ErrorCode `AlreadyExists`, as
//!   AWS's handlers report it; likewise DELETE of a missing resource FAILS with `NotFound`.
//! - UpdateResource refuses synchronously: a missing resource (ResourceNotFoundException),
//!   create-only changes (NotUpdatableException, `Invalid patch update: createOnlyProperties
//!   [/properties/X] cannot be updated`, as AWS answers), read-only changes
//!   (InvalidRequestException), and a patched model breaking the schema (ValidationException).
//! - A request on a resource with another request in flight: ConcurrentOperationException.
//! - ClientToken: the same token and input replays the same ProgressEvent; another input
//!   is ClientTokenConflictException.
//! - Errors carry `__type`, `Message`, `x-amzn-ErrorType`, `x-amzn-RequestId`; statuses are
//!   awsJson1.0's (400 client, 500 fault) because the model gives none (see [`wire`]).
//! - State is kept per account and region; the region is the credential scope's.
//! - A type several providers describe (`AWS::Batch::JobQueue` is in `aws` and `awscc`) is
//!   validated against the newest schema: the most recent registry version, and between
//!   equal versions the `awscc` provider's, which is generated from the CloudFormation
//!   registry for Cloud Control itself (the `aws` provider keeps older copies). A Cloud
//!   Control request does not say which provider the client used, and the newest schema is
//!   the one AWS's handlers enforce today.
//! - Map properties (`Tags` as `{"team": "x"}`) follow `patternProperties`, which the
//!   registry spells `x-patternProperties`: both are honoured.
//! - Identifiers: read-only `AccountId`/`Region` parts are the request's account and region;
//!   an identifier part nested in a property the client writes (`Schedule/ScheduleId`) is
//!   required, as no handler could invent it.
//! - Signatures ([`AcceptedKeys`]): `stackql emulator` accepts any access key and checks
//!   the signature's form, scope and date; `--credentials` (and the library default, the
//!   documented test pair) verifies them in full.
//! - Read-only values a handler sets are generated: ARNs in the service's format (see
//!   `src/arn.rs`), creation and change times; `RetryAfter` is sent while a request with a
//!   timed completion runs.
//!
//! # Example
//!
//! ```no_run
//! # async fn demo() -> Result<(), stackql_emulator::EmulatorError> {
//! let emulator = stackql_emulator::start(stackql_emulator::EmulatorConfig::default(), 0).await?;
//! println!("endpoint: {}", emulator.endpoint_url());
//! emulator.shutdown().await;
//! # Ok(()) }
//! ```

mod arn;
mod auth;
mod catalog;
mod cli;
mod config;
mod error;
mod ids;
mod ops;
mod persist;
mod schema;
mod seed;
mod server;
mod state;
pub mod wire;

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use auth::CredentialScope;
pub use cli::{run, EmulatorArgs};
pub use config::{
    AcceptedKeys, Completion, EmulatorConfig, Faults, LatencyConfig, DEFAULT_ACCESS_KEY_ID,
    DEFAULT_ACCOUNT_ID, DEFAULT_COMPLETION_DELAY, DEFAULT_REGION, DEFAULT_SECRET_ACCESS_KEY,
};
pub use error::EmulatorError;
pub use server::RecordedRequest;

use catalog::Catalog;
use server::Inner;

/// A running emulator. Dropping it without [`RunningEmulator::shutdown`] leaves the server
/// running until the runtime ends.
pub struct RunningEmulator {
    addr: SocketAddr,
    inner: Arc<Inner>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

/// Starts an emulator on 127.0.0.1:`port` (0 picks a free port; see
/// [`RunningEmulator::addr`]). The registry, if any, is scanned before this returns;
/// service documents are parsed on first use.
pub async fn start(config: EmulatorConfig, port: u16) -> Result<RunningEmulator, EmulatorError> {
    if config.page_size == 0 {
        return Err(EmulatorError::Config("page_size must be at least 1".into()));
    }
    for (name, rate) in [
        ("throttle rate", config.faults.throttle_rate),
        ("error rate", config.faults.error_rate),
    ] {
        if !(0.0..=1.0).contains(&rate) {
            return Err(EmulatorError::Config(format!(
                "{name} must be between 0 and 1, got {rate}"
            )));
        }
    }
    let catalog = match &config.registry_root {
        Some(root) => {
            let root = root.clone();
            tokio::task::spawn_blocking(move || Catalog::scan(&root))
                .await
                .map_err(|e| EmulatorError::Config(format!("registry scan failed: {e}")))??
        }
        None => Catalog::permissive(),
    };
    let ids = ids::IdGen::from_clock();
    let mut store = match &config.state_file {
        Some(path) => state::Store::persistent(
            persist::Persistence::open(path)?,
            &catalog,
            &config.completion,
        )?,
        None => state::Store::default(),
    };
    if let Some(path) = &config.seed_file {
        seed::load(path, &mut store, &catalog, &config.account_id, &ids)?;
    }
    let (listener, addr) = server::bind(port).await?;
    let inner = Arc::new(Inner::new(config, catalog, store, ids));
    let (stop, stopped) = oneshot::channel();
    let task = tokio::spawn(server::serve(listener, inner.clone(), stopped));
    Ok(RunningEmulator {
        addr,
        inner,
        stop: Some(stop),
        task,
    })
}

impl RunningEmulator {
    /// The bound address (always 127.0.0.1).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, for `AWS_ENDPOINT_URL` or an SDK's endpoint override.
    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received so far, in order (empty when the journal is off).
    pub fn journal(&self) -> Vec<RecordedRequest> {
        self.inner.journal()
    }

    /// Forgets the journal, e.g. between the setup and the assertions of a test.
    pub fn clear_journal(&self) {
        self.inner.clear_journal();
    }

    /// Forgets every resource and request, in the state file too (what
    /// `POST /_emulator/reset` does).
    pub fn reset(&self) -> Result<(), EmulatorError> {
        self.inner.reset().map_err(|e| EmulatorError::State {
            path: self.inner.config.state_file.clone().unwrap_or_default(),
            message: e.to_string(),
        })
    }

    /// How many CloudFormation types the registry names (0 in permissive mode).
    pub fn type_count(&self) -> usize {
        self.inner.catalog.type_count()
    }

    /// Stops accepting connections, closes open ones and waits for the server to end.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}
