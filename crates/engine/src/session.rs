//! The session API every front end talks to (`exec`, the shell, `srv`, and tests): a
//! script's statements or one statement in; typed results (rows, mutation results, notices,
//! failed calls) out; progress as events (a callback) or counters (polling); cancellation
//! from another thread; `--dryrun`; and the process-wide call budget it was given. Nothing
//! in it names SQLite or AWS: the engine behind it is an implementation detail, so another
//! execution backend or a non-AWS provider changes nothing here.

use crate::{CancelHandle, Engine, EngineError, EngineOptions, Executed, Progress};
use std::sync::Arc;

pub use stackql_sql::StatementText;

/// Something a statement did that a front end may show while it runs. Events come from the
/// threads that make the calls, possibly several at once: a handler must be quick and must
/// not block (count, or send on a channel).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProgressEvent {
    /// `n` more calls (one per combination of parameter values, or per write) are to be made.
    CallsPlanned(u64),
    /// An HTTP request went out (first attempt or retry).
    RequestSent,
    /// A request is sent again after a throttle, a 5xx or a transport error.
    Retry,
    /// A page of an answer arrived.
    PageReceived,
    /// Rows decoded from a page.
    RowsReceived(u64),
    /// A call ended (with every page it had, or failed).
    CallDone,
    /// A write's status as the provider last reported it (`IN_PROGRESS`, `SUCCESS`, ...).
    WriteStatus { target: String, status: String },
}

/// Receives a session's [`ProgressEvent`]s.
pub type ProgressHandler = Arc<dyn Fn(&ProgressEvent) + Send + Sync>;

/// One front end's conversation with the engine: statements run one after another, each
/// in the state the previous ones left (user views, materialized views, the session's
/// connection).
pub struct Session {
    engine: Engine,
    dry_run: bool,
}

impl Session {
    /// A session with the command line's options; `options.budget` is the process's one
    /// call budget, shared with every other session the front end opens.
    pub fn new(options: EngineOptions) -> Result<Session, EngineError> {
        let dry_run = options.dry_run;
        Ok(Session {
            engine: Engine::new(options)?,
            dry_run,
        })
    }

    /// A script cut into its statements (split on `;` outside quotes and comments; empty
    /// ones dropped), each with the line it starts on.
    pub fn statements(script: &str) -> Result<Vec<StatementText>, EngineError> {
        Ok(stackql_sql::split_statements(script)?)
    }

    /// Runs one statement of a script (`line` is where it starts, for error positions).
    /// Under `--dryrun` the answer is one row holding the statement as it would run.
    pub fn run(&mut self, statement: &StatementText) -> Result<Executed, EngineError> {
        self.engine.execute(&statement.text, statement.line)
    }

    /// Runs a statement given on its own (a Postgres query, a test), as line 1.
    pub fn run_text(&mut self, text: &str) -> Result<Executed, EngineError> {
        self.engine.execute(text, 1)
    }

    /// Runs every statement of `script` in order, handing each answer to `each`; stops at
    /// the first error, or when `each` answers `false`. Returns how many statements ran.
    pub fn run_script(
        &mut self,
        script: &str,
        mut each: impl FnMut(&StatementText, Result<Executed, EngineError>) -> bool,
    ) -> Result<usize, EngineError> {
        let statements = Self::statements(script)?;
        let mut ran = 0;
        for s in &statements {
            let answer = self.run(s);
            ran += 1;
            let failed = answer.is_err();
            if !each(s, answer) || failed {
                break;
            }
        }
        Ok(ran)
    }

    /// `--dryrun`: the statement checked and planned as EXPLAIN plans it, shown as it would
    /// run; nothing is sent or written.
    pub fn dry_run(&mut self, statement: &StatementText) -> Result<String, EngineError> {
        self.engine.dry_run(&statement.text, statement.line)
    }

    /// Whether the session was opened with `--dryrun` (every `run` answers with a plan).
    pub fn is_dry_run(&self) -> bool {
        self.dry_run
    }

    /// Cancels the running statement from another thread: nothing more is sent, and the
    /// statement answers `Cancelled` (a mutation lists the writes it had sent).
    pub fn cancel_handle(&self) -> CancelHandle {
        self.engine.cancel_handle()
    }

    /// Counters of the running statement, for a front end that polls (`exec`'s progress
    /// line); they count the same things the events report.
    pub fn progress(&self) -> Progress {
        self.engine.progress()
    }

    /// Every [`ProgressEvent`] of the statements run from now on goes to `handler`
    /// (replacing any handler set before).
    pub fn on_progress(&mut self, handler: impl Fn(&ProgressEvent) + Send + Sync + 'static) {
        self.engine.set_progress_handler(Some(Arc::new(handler)));
    }
}
