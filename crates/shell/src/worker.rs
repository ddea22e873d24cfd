//! The shell's engine session ([`stackql_engine::Session`]) on its own thread, so the
//! prompt thread can wait for either the answer or Ctrl-C. Ctrl-C cancels through the
//! session's cancel handle: the statement stops, calls in flight end and nothing more is
//! sent, and the session answers "cancelled" (a mutation lists what it had already sent).
//! Should it not answer within a few seconds, the worker is abandoned and a fresh session
//! takes its place.

use stackql_engine::{CancelHandle, EngineError, Executed, Session, StatementText};
use std::sync::mpsc;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;

/// Opens a fresh engine session (the command line's options, the process's call budget).
pub type EngineFactory =
    Arc<dyn Fn() -> Result<Session, Box<dyn std::error::Error + Send + Sync>> + Send + Sync>;

pub enum Answer {
    Done(Box<Result<Executed, EngineError>>),
    /// Ctrl-C was pressed and the engine stopped: what it answered (a cancelled mutation
    /// lists the writes it had sent).
    Interrupted(Box<Result<Executed, EngineError>>),
    Cancelled,
    /// The engine could not be created, or its thread died.
    Unavailable(String),
}

struct Job {
    statement: StatementText,
    reply: tokio::sync::oneshot::Sender<Result<Executed, EngineError>>,
}

pub struct Worker {
    factory: EngineFactory,
    jobs: Option<mpsc::Sender<Job>>,
    runtime: tokio::runtime::Runtime,
    startup: Option<tokio::sync::oneshot::Receiver<String>>,
    /// The running session's cancel handle, set by its thread once it is up.
    cancel: Arc<Mutex<Option<CancelHandle>>>,
}

impl Worker {
    pub fn new(factory: EngineFactory) -> std::io::Result<Worker> {
        // Current-thread runtime used only to wait for an answer or SIGINT.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let mut w = Worker {
            factory,
            jobs: None,
            runtime,
            startup: None,
            cancel: Arc::new(Mutex::new(None)),
        };
        w.spawn();
        Ok(w)
    }

    fn spawn(&mut self) {
        let (tx, rx) = mpsc::channel::<Job>();
        let (fail_tx, fail_rx) = tokio::sync::oneshot::channel();
        let factory = self.factory.clone();
        let cancel_slot = self.cancel.clone();
        *cancel_slot.lock().expect("cancel slot") = None;
        std::thread::Builder::new()
            .name("stackql-shell-engine".into())
            .stack_size(stackql_engine::ENGINE_THREAD_STACK_BYTES)
            .spawn(move || {
                let mut session = match factory() {
                    Ok(e) => e,
                    Err(e) => {
                        let _ = fail_tx.send(e.to_string());
                        return;
                    }
                };
                drop(fail_tx);
                *cancel_slot.lock().expect("cancel slot") = Some(session.cancel_handle());
                for job in rx {
                    let _ = job.reply.send(session.run(&job.statement));
                }
            })
            .expect("spawn the engine thread");
        self.jobs = Some(tx);
        self.startup = Some(fail_rx);
    }

    /// Runs one statement; Ctrl-C (SIGINT: the terminal is in cooked mode while a statement
    /// runs) abandons it.
    pub fn execute(&mut self, statement: &StatementText) -> Answer {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let sent = self.jobs.as_ref().map(|j| {
            j.send(Job {
                statement: statement.clone(),
                reply,
            })
        });
        if !matches!(sent, Some(Ok(()))) {
            let why = self.startup_error();
            self.spawn();
            return Answer::Unavailable(why);
        }
        let cancel = self.cancel.clone();
        let mut interrupted = false;
        let result = self.runtime.block_on(async {
            let mut answer = answer;
            tokio::select! {
                r = &mut answer => return Some(r),
                _ = tokio::signal::ctrl_c() => {}
            }
            interrupted = true;
            // Ctrl-C: ask the engine to stop, and give it a moment to say what it did.
            let handle = cancel.lock().expect("cancel slot").take();
            let handle = handle?;
            handle.cancel();
            let r = tokio::time::timeout(Duration::from_secs(5), answer)
                .await
                .ok();
            *cancel.lock().expect("cancel slot") = Some(handle);
            r
        });
        match result {
            Some(Ok(r)) if interrupted => Answer::Interrupted(Box::new(r)),
            Some(Ok(r)) => Answer::Done(Box::new(r)),
            Some(Err(_)) => {
                let why = self.startup_error();
                self.spawn();
                Answer::Unavailable(why)
            }
            None => {
                // Dropping the sender lets the abandoned thread end after its statement.
                self.jobs = None;
                self.spawn();
                Answer::Cancelled
            }
        }
    }

    fn startup_error(&mut self) -> String {
        match self.startup.take() {
            Some(rx) => self
                .runtime
                .block_on(rx)
                .unwrap_or_else(|_| "the engine thread stopped".to_string()),
            None => "the engine thread stopped".to_string(),
        }
    }
}
