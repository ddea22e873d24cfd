//! The engine of the shell on its own thread, so the prompt thread can wait for either the
//! answer or Ctrl-C. The engine blocks in `execute` and cannot be interrupted from outside,
//! so cancelling abandons the worker: its statement runs on to the end in the background
//! (calls already sent complete; a listing keeps fetching its pages, each call bounded by
//! --apirequesttimeout), its result is discarded, and a fresh engine takes its place.

use stackql_engine::{Engine, EngineError, Executed};
use std::sync::mpsc;
use std::sync::Arc;

pub type EngineFactory =
    Arc<dyn Fn() -> Result<Engine, Box<dyn std::error::Error + Send + Sync>> + Send + Sync>;

pub enum Answer {
    Done(Box<Result<Executed, EngineError>>),
    Cancelled,
    /// The engine could not be created, or its thread died.
    Unavailable(String),
}

struct Job {
    text: String,
    line: usize,
    reply: tokio::sync::oneshot::Sender<Result<Executed, EngineError>>,
}

pub struct Worker {
    factory: EngineFactory,
    jobs: Option<mpsc::Sender<Job>>,
    runtime: tokio::runtime::Runtime,
    startup: Option<tokio::sync::oneshot::Receiver<String>>,
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
        };
        w.spawn();
        Ok(w)
    }

    fn spawn(&mut self) {
        let (tx, rx) = mpsc::channel::<Job>();
        let (fail_tx, fail_rx) = tokio::sync::oneshot::channel();
        let factory = self.factory.clone();
        std::thread::Builder::new()
            .name("stackql-shell-engine".into())
            .spawn(move || {
                let mut engine = match factory() {
                    Ok(e) => e,
                    Err(e) => {
                        let _ = fail_tx.send(e.to_string());
                        return;
                    }
                };
                drop(fail_tx);
                for job in rx {
                    let _ = job.reply.send(engine.execute(&job.text, job.line));
                }
            })
            .expect("spawn the engine thread");
        self.jobs = Some(tx);
        self.startup = Some(fail_rx);
    }

    /// Runs one statement; Ctrl-C (SIGINT: the terminal is in cooked mode while a statement
    /// runs) abandons it.
    pub fn execute(&mut self, text: &str, line: usize) -> Answer {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let sent = self.jobs.as_ref().map(|j| {
            j.send(Job {
                text: text.to_string(),
                line,
                reply,
            })
        });
        if !matches!(sent, Some(Ok(()))) {
            let why = self.startup_error();
            self.spawn();
            return Answer::Unavailable(why);
        }
        let result = self.runtime.block_on(async {
            tokio::select! {
                r = answer => Some(r),
                _ = tokio::signal::ctrl_c() => None,
            }
        });
        match result {
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
