//! The StackQL execution core. `Engine::execute` takes one statement: queries run in an
//! embedded SQLite where provider resources are virtual tables and registry views are
//! SQLite views; mutations are planned directly from the statement (parameters from WHERE,
//! bodies from columns), validated whole before the first request is sent, and optionally
//! awaited to their final status.

mod call;
mod context;
mod decode;
mod error;
pub mod functions;
mod meta;
mod plan;
mod protocol;
pub mod registry_remote;
mod rows;
mod userobj;
mod write;

pub use call::budget::CallBudget;
pub use call::retry::RetryPolicy;
pub use call::sender::{FnSender, RawResponse, SendError, Sender, SharedSender};
pub use call::transport;
/// A JSON value's kind with its article ("an array"), for error messages about JSON input.
pub use decode::items::kind_of as json_kind;
pub use error::{CallError, EngineError, FailedCall};
pub use meta::{describe, docs};
pub use plan::request::{EndpointResolver, EnvEndpoints, PreparedRequest};
pub use write::mutation::{Completion, MutationResult};

use context::Context;
use rows::catalog::Catalog;
use rusqlite::types::Value as SqlValue;
use rusqlite::Connection;
use serde_json::Value;
use stackql_output::{Cell, ResultSet};
use stackql_registry::Registry;
use stackql_sql::{parse_statement, QualifiedName, Statement};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The default bound on one response body: 256 MiB, far above any AWS page, far below
/// what would exhaust a small machine.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 256 * 1024 * 1024;

/// Environment lookup, injectable so tests never depend on the real environment.
pub type EnvLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

pub struct EngineOptions {
    pub registry_root: PathBuf,
    /// The whole `--auth` JSON (keyed by provider name).
    pub auth: Option<Value>,
    /// Requests in flight at once (`--execution.concurrency.limit`): engines given clones of
    /// one budget share it, so a server's sessions together stay within the limit.
    pub budget: CallBudget,
    /// Pages per listing at most; None follows every page.
    pub page_limit: Option<usize>,
    /// Bytes one response may have (`--http.response.maxBytes`).
    pub max_response_bytes: u64,
    /// Timeout of one API request; None waits as long as the server takes (StackQL's 0).
    pub request_timeout: Option<Duration>,
    /// Proxy, extra CA certificates, TLS leniency (API calls and registry pulls alike).
    pub transport: transport::Transport,
    /// How long `/*+ AWAIT */` waits for a final status.
    pub await_timeout: Duration,
    pub retry: RetryPolicy,
    /// Return the rows that could be fetched and report failed calls (also per statement
    /// with `/*+ ALLOW_PARTIAL */`).
    pub allow_partial: bool,
    /// One line per HTTP request on stderr (`--http.log.enabled`, `-v`).
    pub log_requests: bool,
    pub env: EnvLookup,
    /// Where parsed registry documents are cached (`<approot>/cache`); None parses every time.
    pub cache_dir: Option<PathBuf>,
    /// The app root: user views, materialized views and tables live in `<approot>/stackql.db`
    /// (created on first use); None keeps them in memory for the engine's life.
    pub approot: Option<PathBuf>,
    /// Where `REGISTRY LIST`/`PULL` fetch from (pulls unpack into `registry_root`).
    pub remote_registry: Option<registry_remote::RemoteRegistry>,
    /// Pull a provider from `remote_registry` the first time a statement names it and it
    /// is not installed (off with `--offline`, and for registries read in place).
    pub auto_pull: bool,
    /// `--offline`: never pull; an unknown provider's error says the flag is why.
    pub offline: bool,
    /// `--dryrun`: `execute` plans each statement and answers with its text; nothing is
    /// sent or written (see [`Engine::dry_run`]).
    pub dry_run: bool,
    /// Where API requests are sent; None is the real HTTP client. Tests pass a fake
    /// (`FnSender`) to run the engine without sockets.
    pub sender: Option<SharedSender>,
}

impl EngineOptions {
    pub fn new(registry_root: PathBuf) -> Self {
        EngineOptions {
            registry_root,
            auth: None,
            budget: CallBudget::new(16),
            page_limit: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            request_timeout: Some(Duration::from_secs(45)),
            transport: transport::Transport::default(),
            await_timeout: Duration::from_secs(600),
            retry: RetryPolicy::default(),
            allow_partial: false,
            log_requests: false,
            env: Arc::new(|k| std::env::var(k).ok()),
            cache_dir: None,
            approot: None,
            remote_registry: None,
            auto_pull: false,
            offline: false,
            dry_run: false,
            sender: None,
        }
    }
}

/// What one statement produced.
#[derive(Debug)]
pub enum Outcome {
    Rows(ResultSet),
    Mutations(Vec<MutationResult>),
}

/// The result of `execute`, with notices for stderr (capped listings and the like).
#[derive(Debug)]
pub struct Executed {
    pub outcome: Outcome,
    pub notices: Vec<String>,
    /// Calls that failed when partial results were allowed: the rows are incomplete and the
    /// caller must say so (and exit non-zero).
    pub failed_calls: Vec<FailedCall>,
}

/// Stack of the threads front ends run an engine on (srv sessions, the shell's worker):
/// 8 MiB, what a Linux main thread (where `exec` runs it) gets, rather than the 2 MiB
/// default of spawned threads; statements recurse in the parser and in SQLite.
pub const ENGINE_THREAD_STACK_BYTES: usize = 8 * 1024 * 1024;

/// A statement as `--dryrun` shows it: rendered, with its `;`.
fn shown(text: &str) -> String {
    format!("{};", text.trim_end().trim_end_matches(';'))
}

impl Executed {
    /// The answer to a statement under `--dryrun` in `shell` and `srv`: one row, one
    /// column `statement`, the statement as it would run.
    pub fn dry_run(statement: String) -> Executed {
        Executed {
            outcome: Outcome::Rows(ResultSet {
                columns: vec!["statement".into()],
                rows: vec![vec![Cell::Text(statement)]],
            }),
            notices: Vec::new(),
            failed_calls: Vec::new(),
        }
    }
}

/// Cancels the statement running on an `Engine` (see `Engine::cancel_handle`).
pub struct CancelHandle {
    ctx: Arc<Context>,
    interrupt: rusqlite::InterruptHandle,
}

impl CancelHandle {
    pub fn cancel(&self) {
        self.ctx.http.cancel();
        self.interrupt.interrupt();
    }
}

impl Executed {
    /// What every front end says when partial results were allowed and calls failed: the
    /// result is incomplete, and each failed call (empty when nothing failed).
    pub fn incomplete_report(&self) -> Vec<String> {
        if self.failed_calls.is_empty() {
            return Vec::new();
        }
        let mut lines = vec![format!(
            "the result is INCOMPLETE: {} call(s) failed after retries:",
            self.failed_calls.len()
        )];
        lines.extend(self.failed_calls.iter().map(|f| format!("  - {f}")));
        lines
    }
}

/// Live counters of the statement being executed.
#[derive(Clone)]
pub struct Progress {
    ctx: Arc<Context>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProgressSnapshot {
    pub calls_done: u64,
    pub calls_total: u64,
    pub requests: u64,
    pub pages: u64,
    pub rows: u64,
    pub retries: u64,
}

impl Progress {
    pub fn snapshot(&self) -> ProgressSnapshot {
        let s = &self.ctx.http.stats;
        let g = call::retry::CallStats::get;
        ProgressSnapshot {
            calls_done: g(&s.calls_done),
            calls_total: g(&s.calls_total),
            requests: g(&s.requests),
            pages: g(&s.pages),
            rows: g(&s.rows),
            retries: g(&s.retries),
        }
    }
}

/// Steps a prepared statement to the end, converting rows to cells.
fn run_rows(
    ctx: &Context,
    stmt: &mut rusqlite::Statement<'_>,
    width: usize,
) -> Result<Vec<Vec<Cell>>, EngineError> {
    let mut out = Vec::new();
    let mut rows = stmt.query([]).map_err(|e| sqlite_error(ctx, e))?;
    loop {
        match rows.next() {
            Ok(Some(row)) => {
                let mut cells = Vec::with_capacity(width);
                for i in 0..width {
                    let v: SqlValue = row.get(i).map_err(|e| EngineError::Sqlite(e.to_string()))?;
                    cells.push(decode::values::sql_to_cell(v));
                }
                out.push(cells);
            }
            Ok(None) => return Ok(out),
            Err(e) => return Err(sqlite_error(ctx, e)),
        }
    }
}

pub struct Engine {
    ctx: Arc<Context>,
    conn: Connection,
    catalog: Catalog,
    await_timeout: Duration,
    allow_partial: bool,
    user: userobj::UserObjects,
    remote_registry: Option<registry_remote::RemoteRegistry>,
    dry_run: bool,
}

impl Engine {
    pub fn new(options: EngineOptions) -> Result<Self, EngineError> {
        let mut registry =
            Registry::open_with_cache(&options.registry_root, options.cache_dir.clone())?;
        if let (true, Some(remote)) = (options.auto_pull, &options.remote_registry) {
            registry = registry.with_fetch(registry_remote::pull_on_first_use(remote.clone()));
        }
        if options.offline {
            registry = registry.offline();
        }
        let registry = Arc::new(registry);
        let credentials =
            call::http::CredentialSource::new(options.auth.clone(), options.env.clone());
        let http = call::http::HttpClient::new(
            call::http::ClientOptions {
                log_requests: options.log_requests,
                retry: options.retry.clone(),
                budget: options.budget.clone(),
                request_timeout: options.request_timeout,
                transport: options.transport.clone(),
                page_limit: options.page_limit,
                max_response_bytes: options.max_response_bytes,
                sender: options.sender.clone(),
            },
            credentials,
        )
        .map_err(EngineError::Invalid)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| EngineError::Invalid(format!("cannot start the async runtime: {e}")))?;
        let ctx = Arc::new(Context {
            registry,
            http,
            runtime,
            endpoints: Box::new(plan::request::EnvEndpoints {
                lookup: options.env.clone(),
            }),
            concurrency: options.budget.limit(),
            state: Default::default(),
        });
        let conn = Connection::open_in_memory().map_err(|e| EngineError::Sqlite(e.to_string()))?;
        conn.create_module(
            rows::vtab::MODULE_NAME,
            &rows::vtab::MODULE,
            Some(ctx.clone()),
        )
        .map_err(|e| EngineError::Sqlite(e.to_string()))?;
        functions::register(&conn).map_err(|e| EngineError::Sqlite(e.to_string()))?;
        let user = userobj::UserObjects::open(&conn, options.approot.clone())?;
        Ok(Engine {
            ctx,
            conn,
            user,
            catalog: Catalog::default(),
            await_timeout: options.await_timeout,
            allow_partial: options.allow_partial,
            remote_registry: options.remote_registry,
            dry_run: options.dry_run,
        })
    }

    pub fn registry(&self) -> &Registry {
        &self.ctx.registry
    }

    /// Runs one statement; `line` is where it starts in the script (for error positions).
    pub fn execute(&mut self, text: &str, line: usize) -> Result<Executed, EngineError> {
        if self.dry_run {
            return self.dry_run(text, line).map(Executed::dry_run);
        }
        self.ctx.reset_statement();
        self.ctx.http.stats.reset();
        self.ctx.http.reset_cancel();
        let statement = parse_statement(text, line)?;
        let outcome = self.execute_statement(statement).map_err(|e| match e {
            // A mutation's report of what went through matters more than the cancel.
            EngineError::PartialMutation { .. } | EngineError::CancelledMutation { .. } => e,
            _ if self.ctx.http.is_cancelled() => EngineError::Cancelled,
            _ => e,
        })?;
        let mut notices = std::mem::take(&mut *self.ctx.http.capped.lock().expect("capped lock"));
        let stats = &self.ctx.http.stats;
        // Only retries that ended in success are summarised: a call that failed after its
        // retries is reported as failed, never as retried.
        let recovered = call::retry::CallStats::get(&stats.recovered_calls);
        if recovered > 0 {
            notices.push(format!(
                "{} request(s) retried ({} throttled responses); {recovered} call(s) succeeded after retrying",
                call::retry::CallStats::get(&stats.recovered_retries),
                call::retry::CallStats::get(&stats.recovered_throttles)
            ));
        }
        let failed_calls = self.ctx.with_state(|s| std::mem::take(&mut s.failed_calls));
        Ok(Executed {
            outcome,
            notices,
            failed_calls,
        })
    }

    fn execute_statement(&mut self, statement: Statement) -> Result<Outcome, EngineError> {
        Ok(match statement {
            Statement::Query { sql, tables, hints } => {
                let partial = self.allow_partial || hints.allow_partial;
                self.ctx.with_state(|s| s.allow_partial = partial);
                // User views name no provider tables themselves: add the ones they read.
                self.user.sync(&self.conn)?;
                let tables = self.user.expand_tables(&sql, &tables);
                let rows = self.query(&sql, &tables);
                Outcome::Rows(rows.map_err(|e| userobj::explain_missing(self, e))?)
            }
            Statement::Explain(inner) => Outcome::Rows(plan::explain::run(self, *inner)?),
            Statement::Discovery(d) => Outcome::Rows(meta::discovery::run(self, d)?),
            Statement::User(u) => userobj::run(self, u)?,
            Statement::Registry(r) => registry_remote::run(self, r)?,
            Statement::Insert { .. }
            | Statement::Update { .. }
            | Statement::Delete { .. }
            | Statement::Exec { .. } => write::mutation::run(self, statement)?,
        })
    }

    /// `--dryrun` in every front end (exec, shell, srv): the statement is parsed and planned
    /// as EXPLAIN plans it (names, columns, required parameters and value types checked,
    /// every request of a mutation built) and shown as it would run; nothing is sent and
    /// nothing written. Discovery, user-object and REGISTRY statements are parsed only:
    /// running them would read the registry or write.
    pub fn dry_run(&mut self, text: &str, line: usize) -> Result<String, EngineError> {
        self.ctx.reset_statement();
        let statement = parse_statement(text, line)?;
        if matches!(
            statement,
            Statement::Query { .. }
                | Statement::Insert { .. }
                | Statement::Update { .. }
                | Statement::Delete { .. }
                | Statement::Exec { .. }
        ) {
            plan::explain::run(self, statement)?;
        }
        Ok(shown(text))
    }

    /// A handle another thread can use to cancel the running statement: SQLite stops at
    /// its next step, calls waiting or in flight end, and no further call is sent. What a
    /// mutation had already sent is reported (it may have taken effect).
    pub fn cancel_handle(&self) -> CancelHandle {
        CancelHandle {
            ctx: self.ctx.clone(),
            interrupt: self.conn.get_interrupt_handle(),
        }
    }

    /// A handle the caller can poll from another thread to show progress.
    pub fn progress(&self) -> Progress {
        Progress {
            ctx: self.ctx.clone(),
        }
    }

    /// Runs a query in SQLite after creating the provider tables it names.
    ///
    /// Joins call a provider table once per outer row, which would be one round trip after
    /// another. So a query runs in passes: in a discovery pass, each table's first call is
    /// made and its later uncached calls are only recorded; those are then fetched together,
    /// concurrently, and the query runs again against the filled cache. A pass that defers
    /// nothing is final, so simple queries run once.
    fn query(&mut self, sql: &str, tables: &[QualifiedName]) -> Result<ResultSet, EngineError> {
        const MAX_PASSES: usize = 5;
        // Registry views are instantiated for this statement's parameters, which may take
        // bindings out of the statement itself.
        let sql = self
            .catalog
            .prepare(&self.conn, &self.ctx.registry, sql, tables)?;
        let mut stmt = match self.conn.prepare(&sql) {
            Ok(s) => s,
            Err(e) => return Err(self.planning_error(e, tables)),
        };
        let columns: Vec<String> = stmt.column_names().map(str::to_string).collect();
        for pass in 1..=MAX_PASSES {
            self.ctx.with_state(|s| {
                s.discovery = pass < MAX_PASSES && !s.explain;
                s.deferred.clear();
                s.filter_calls.clear();
            });
            let rows = run_rows(&self.ctx, &mut stmt, columns.len())?;
            let deferred = self.ctx.with_state(|s| std::mem::take(&mut s.deferred));
            if deferred.is_empty() {
                return Ok(ResultSet { columns, rows });
            }
            let failed = rows::vtab::fetch_deferred(&self.ctx, deferred);
            if !failed.is_empty() {
                let partial = self.ctx.with_state(|s| {
                    s.failed_calls.extend(failed.iter().cloned());
                    s.allow_partial
                });
                if !partial {
                    return Err(EngineError::Calls(failed));
                }
            }
        }
        unreachable!("the last pass defers nothing")
    }

    /// SQLite says only "no query solution" when a provider table lacks its required
    /// parameters; the planning records say which table and which parameters.
    fn planning_error(&self, e: rusqlite::Error, tables: &[QualifiedName]) -> EngineError {
        if let Some(err) = rows::vtab::take_call_error(&self.ctx) {
            return err;
        }
        let message = e.to_string();
        if message.contains("no query solution") {
            let planning = self.ctx.with_state(|s| s.planning.clone());
            for t in tables {
                let name = t.to_string();
                let sources = self
                    .catalog
                    .view_sources
                    .get(&name)
                    .cloned()
                    .unwrap_or_else(|| vec![name.clone()]);
                for src in sources {
                    if let Some(rec) = planning.get(&src) {
                        if let (false, Some(missing)) = (rec.usable, &rec.missing) {
                            let example =
                                example_predicate(&missing[0], rec.example_region.as_deref());
                            return EngineError::MissingParams {
                                table: name,
                                missing: missing.clone(),
                                how: format!(
                                    "supply {} in WHERE, e.g. {example}",
                                    if missing.len() > 1 { "them" } else { "it" }
                                ),
                            };
                        }
                    }
                }
            }
        }
        EngineError::Sqlite(message)
    }
}

/// `region = 'us-east-1'` or `data__Identifier = '<value>'`.
pub(crate) fn example_predicate(param: &str, default_region: Option<&str>) -> String {
    if param == "region" {
        format!(
            "region = '{}'",
            default_region.unwrap_or(stackql_aws_auth::DEFAULT_REGION)
        )
    } else {
        format!("{param} = '<value>'")
    }
}

fn sqlite_error(ctx: &Context, e: rusqlite::Error) -> EngineError {
    rows::vtab::take_call_error(ctx).unwrap_or_else(|| EngineError::Sqlite(e.to_string()))
}
