//! One engine per Postgres session, owned by a dedicated OS thread: the engine blocks in
//! `execute` (it drives its own tokio runtime with `block_on`), so it must never run on a
//! tokio worker. Statements go to the thread over a channel; answers come back on a oneshot.

use stackql_engine::{Engine, EngineError, Executed};
use std::sync::mpsc;
use std::sync::Arc;

/// Builds a fresh engine with the command line's options (registry, auth, limits).
pub type EngineFactory =
    Arc<dyn Fn() -> Result<Engine, Box<dyn std::error::Error + Send + Sync>> + Send + Sync>;

#[derive(Debug)]
pub enum RunError {
    Engine(EngineError),
    /// The session's engine could not be created (bad registry, bad --auth, ...).
    Unavailable(String),
}

struct Job {
    text: String,
    reply: tokio::sync::oneshot::Sender<Result<Executed, RunError>>,
}

pub struct EngineSession {
    jobs: mpsc::Sender<Job>,
}

impl EngineSession {
    pub fn start(factory: EngineFactory) -> EngineSession {
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("stackql-session".into())
            .spawn(move || {
                let mut engine = factory().map_err(|e| e.to_string());
                // Ends when the session (the sender) is dropped.
                for job in rx {
                    let result = match &mut engine {
                        Ok(engine) => engine.execute(&job.text, 1).map_err(RunError::Engine),
                        Err(e) => Err(RunError::Unavailable(e.clone())),
                    };
                    let _ = job.reply.send(result);
                }
            })
            .expect("spawn the session thread");
        EngineSession { jobs: tx }
    }

    /// Runs one statement on the session's engine thread without blocking the runtime.
    pub async fn execute(&self, text: &str) -> Result<Executed, RunError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Job {
                text: text.to_string(),
                reply,
            })
            .map_err(|_| RunError::Unavailable("the session's engine thread has stopped".into()))?;
        answer
            .await
            .map_err(|_| RunError::Unavailable("the session's engine thread has stopped".into()))?
    }
}
