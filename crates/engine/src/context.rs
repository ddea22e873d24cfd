//! State shared by the engine and its SQLite virtual tables: the registry, the HTTP client,
//! the async runtime, and per-statement bookkeeping (call cache, planning records, the first
//! call error) that SQLite's C callbacks cannot return directly.

use crate::call::http::HttpClient;
use crate::error::{EngineError, FailedCall};
use crate::plan::request::EndpointResolver;
use crate::rows::vtab::CallPlan;
use rusqlite::types::Value as SqlValue;
use stackql_registry::Registry;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// Rows of one call, shared between identical calls of a statement.
pub type Rows = Arc<Vec<Vec<SqlValue>>>;

#[derive(Default)]
pub struct StatementState {
    /// Identical calls within one statement are made once (joins probe the inner table
    /// once per outer row, often with repeated keys).
    pub cache: HashMap<String, Rows>,
    /// Per provider table: whether some plan could use it, and what the best failed
    /// attempt lacked. Read when SQLite finds no plan at all.
    pub planning: BTreeMap<String, PlanningRecord>,
    pub failed_calls: Vec<FailedCall>,
    /// A non-call error raised inside a SQLite callback.
    pub error: Option<EngineError>,
    /// Return the rows that could be fetched and report failed calls, instead of failing.
    pub allow_partial: bool,
    /// Multi-pass execution (see `Engine::query`): in a discovery pass, a table's second
    /// and later uncached calls are deferred and fetched together, concurrently.
    pub discovery: bool,
    pub deferred: Vec<CallPlan>,
    /// Filter invocations per table in the current pass.
    pub filter_calls: HashMap<String, usize>,
    /// EXPLAIN: calls are recorded, never sent.
    pub explain: bool,
    pub explained: Vec<CallPlan>,
}

#[derive(Clone, Debug, Default)]
pub struct PlanningRecord {
    pub usable: bool,
    /// The select method the accepted plan uses.
    pub method: Option<String>,
    pub missing: Option<Vec<String>>,
    pub example_region: Option<String>,
}

pub struct Context {
    pub registry: Arc<Registry>,
    pub http: HttpClient,
    pub runtime: tokio::runtime::Runtime,
    pub endpoints: Box<dyn EndpointResolver>,
    /// The budget's limit: how many calls one statement starts at once (each still waits
    /// for a permit of the budget, which other engines may share).
    pub concurrency: usize,
    pub state: Mutex<StatementState>,
}

impl Context {
    pub fn reset_statement(&self) {
        *self.state.lock().expect("state lock") = StatementState::default();
    }
    pub fn with_state<T>(&self, f: impl FnOnce(&mut StatementState) -> T) -> T {
        f(&mut self.state.lock().expect("state lock"))
    }
}
