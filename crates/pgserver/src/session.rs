//! One engine session ([`stackql_engine::Session`]) per Postgres session, owned by a
//! dedicated OS thread: a session blocks in `run` (the engine drives its own tokio runtime
//! with `block_on`), so it must never run on a tokio worker. Statements go to the thread over a channel; answers come back on a oneshot.
//!
//! Isolation: each statement runs under `catch_unwind`, so a panic becomes an `XX000` error
//! for that client alone; the engine it happened in is dropped and a fresh one built for
//! the next statement. Session threads have [`SESSION_STACK_BYTES`] of stack (a stack
//! overflow cannot be caught: statement depth is bounded by the parser).
//!
//! Cancelling: a Postgres CancelRequest, or the client going away while its statement
//! runs, fires the engine's cancel handle (SQLite stops at its next step, calls in flight
//! end, nothing more is sent).

use stackql_engine::{EngineError, Executed, Session};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpStream;

pub use stackql_engine::ENGINE_THREAD_STACK_BYTES as SESSION_STACK_BYTES;

/// Opens a fresh engine session with the command line's options (registry, auth, limits,
/// the process's call budget).
pub type EngineFactory =
    Arc<dyn Fn() -> Result<Session, Box<dyn std::error::Error + Send + Sync>> + Send + Sync>;

/// Stops the statement running on a session's engine.
pub type Canceller = Arc<dyn Fn() + Send + Sync>;

/// What a session thread runs statements on: an engine session, or a stand-in in tests.
pub trait Statements: Send {
    fn execute(&mut self, text: &str) -> Result<Executed, EngineError>;
    fn canceller(&self) -> Canceller;
}

impl Statements for Session {
    fn execute(&mut self, text: &str) -> Result<Executed, EngineError> {
        self.run_text(text)
    }
    fn canceller(&self) -> Canceller {
        let handle = self.cancel_handle();
        Arc::new(move || handle.cancel())
    }
}

/// Makes what a session runs statements on; an error says why the session cannot run any.
pub type StatementsFactory = Arc<dyn Fn() -> Result<Box<dyn Statements>, String> + Send + Sync>;

/// The engine factory as a statements factory.
pub fn engines(factory: EngineFactory) -> StatementsFactory {
    Arc::new(move || {
        factory()
            .map(|e| Box::new(e) as Box<dyn Statements>)
            .map_err(|e| e.to_string())
    })
}

#[derive(Debug)]
pub enum RunError {
    Engine(EngineError),
    /// The session's engine could not be created (bad registry, bad --auth, ...).
    Unavailable(String),
    /// The statement panicked; the session goes on with a fresh engine.
    Panicked(String),
}

struct Job {
    text: String,
    reply: tokio::sync::oneshot::Sender<Result<Executed, RunError>>,
}

/// The running engine's canceller, set by the session thread (None while none runs).
pub type CancelSlot = Arc<Mutex<Option<Canceller>>>;

pub struct EngineSession {
    jobs: mpsc::Sender<Job>,
    cancel: CancelSlot,
    /// A second handle on the client's socket, watched for the peer closing.
    client: Option<Arc<TcpStream>>,
}

impl EngineSession {
    /// Starts the session thread. Under `--dryrun` the sessions the factory opens answer
    /// each statement with its text, planned but not run (`Session::dry_run`).
    pub fn start(factory: StatementsFactory, client: Option<Arc<TcpStream>>) -> EngineSession {
        let (tx, rx) = mpsc::channel::<Job>();
        let cancel: CancelSlot = Arc::new(Mutex::new(None));
        let slot = cancel.clone();
        let spawned = std::thread::Builder::new()
            .name("stackql-session".into())
            .stack_size(SESSION_STACK_BYTES)
            .spawn(move || serve(factory, rx, slot));
        if let Err(e) = spawned {
            // The jobs channel is closed with the thread: every statement then reports it.
            eprintln!("stackql srv: cannot start a session thread: {e}");
        }
        EngineSession {
            jobs: tx,
            cancel,
            client,
        }
    }

    /// The slot a CancelRequest for this session fires.
    pub fn cancel_slot(&self) -> CancelSlot {
        self.cancel.clone()
    }

    /// Runs one statement on the session's engine thread without blocking the runtime.
    /// Should the client go away meanwhile, the statement is cancelled.
    pub async fn execute(&self, text: &str) -> Result<Executed, RunError> {
        let stopped = || RunError::Unavailable("the session's engine thread has stopped".into());
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Job {
                text: text.to_string(),
                reply,
            })
            .map_err(|_| stopped())?;
        tokio::select! {
            r = answer => r.map_err(|_| stopped())?,
            _ = client_gone(self.client.as_deref()) => {
                fire(&self.cancel);
                Err(RunError::Engine(EngineError::Cancelled))
            }
        }
    }
}

/// Fires the canceller in `slot`, if an engine runs.
pub fn fire(slot: &CancelSlot) {
    let canceller = slot.lock().unwrap_or_else(|p| p.into_inner()).clone();
    if let Some(c) = canceller {
        c();
    }
}

/// Resolves when the client has closed its end of the connection (never without a socket).
/// Readiness is checked, never read, so the protocol handler still sees every byte; while
/// unread messages are pending the check repeats on a short timer.
async fn client_gone(client: Option<&TcpStream>) {
    let Some(stream) = client else {
        return std::future::pending().await;
    };
    loop {
        match stream.ready(tokio::io::Interest::READABLE).await {
            Ok(ready) if ready.is_read_closed() => return,
            Ok(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            Err(_) => return,
        }
    }
}

/// The session thread: builds the engine, runs each statement isolated from panics.
fn serve(factory: StatementsFactory, jobs: mpsc::Receiver<Job>, cancel: CancelSlot) {
    let build = |cancel: &CancelSlot| -> Result<Box<dyn Statements>, String> {
        let made = catch_unwind(AssertUnwindSafe(|| factory()))
            .unwrap_or_else(|p| Err(format!("building the engine panicked: {}", message(&*p))))?;
        *cancel.lock().unwrap_or_else(|p| p.into_inner()) = Some(made.canceller());
        Ok(made)
    };
    let mut engine = build(&cancel);
    // Ends when the session (the sender) is dropped.
    for job in jobs {
        if engine.is_err() {
            engine = build(&cancel);
        }
        let result = match &mut engine {
            Err(e) => Err(RunError::Unavailable(e.clone())),
            Ok(statements) => {
                match catch_unwind(AssertUnwindSafe(|| statements.execute(&job.text))) {
                    Ok(r) => r.map_err(RunError::Engine),
                    Err(payload) => {
                        let why = message(&*payload);
                        *cancel.lock().unwrap_or_else(|p| p.into_inner()) = None;
                        // Its state may be half-updated: the next statement gets a new one.
                        let broken = std::mem::replace(&mut engine, Err(why.clone()));
                        let _ = catch_unwind(AssertUnwindSafe(move || drop(broken)));
                        Err(RunError::Panicked(why))
                    }
                }
            }
        };
        let _ = job.reply.send(result);
    }
}

fn message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use stackql_engine::Outcome;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Panics on `boom`, answers anything else with one row.
    struct Fragile;
    impl Statements for Fragile {
        fn execute(&mut self, text: &str) -> Result<Executed, EngineError> {
            if text == "boom" {
                panic!("fragile engine hit {text}");
            }
            Ok(Executed::dry_run(text.to_string()))
        }
        fn canceller(&self) -> Canceller {
            Arc::new(|| {})
        }
    }

    #[tokio::test]
    async fn a_panic_is_an_error_for_that_statement_and_the_session_goes_on() {
        let built = Arc::new(AtomicUsize::new(0));
        let counter = built.clone();
        let factory: StatementsFactory = Arc::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            Ok(Box::new(Fragile) as Box<dyn Statements>)
        });
        let session = EngineSession::start(factory, None);
        match session.execute("boom").await {
            Err(RunError::Panicked(m)) => assert!(m.contains("fragile engine hit boom"), "{m}"),
            other => panic!("expected a panic error, got {other:?}"),
        }
        let next = session
            .execute("SELECT 1")
            .await
            .expect("the session survives");
        assert!(matches!(next.outcome, Outcome::Rows(_)));
        assert_eq!(
            built.load(Ordering::SeqCst),
            2,
            "a fresh engine after the panic"
        );
    }
}
