//! SIGINT and SIGTERM during `exec`: the first cancels the running statement through the
//! engine's cancel handle (SQLite stops, calls in flight end, nothing more is sent) and
//! `exec` stops before the next statement, reports what its writes had done and exits 130.
//! Should the engine not stop within [`GRACE`], or a second signal arrive, the process exits
//! 130 at once, saying so.

use stackql_engine::CancelHandle;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Exit code after an interrupt (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: u8 = 130;

/// How long the engine has to stop after a signal before the process leaves without it.
const GRACE: Duration = Duration::from_secs(10);

pub struct Interrupts {
    seen: Arc<AtomicBool>,
}

impl Interrupts {
    /// Starts listening for SIGINT/SIGTERM; from now on they cancel instead of killing.
    pub fn install(handle: CancelHandle) -> std::io::Result<Interrupts> {
        let seen = Arc::new(AtomicBool::new(false));
        let flag = seen.clone();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        // Registered here, before any statement runs, so no signal falls through to the
        // default action (which would end the process with nothing reported).
        let mut signals = {
            let _inside = runtime.enter();
            Signals::new()?
        };
        std::thread::Builder::new()
            .name("stackql-signals".into())
            .spawn(move || {
                runtime.block_on(async move {
                    signals.next().await;
                    flag.store(true, Ordering::SeqCst);
                    eprintln!("\ninterrupted: stopping; nothing more will be sent");
                    handle.cancel();
                    tokio::select! {
                        _ = signals.next() => {}
                        _ = tokio::time::sleep(GRACE) => {}
                    }
                    eprintln!(
                        "interrupted: exiting without waiting for the statement to stop; \
                         writes already sent may still take effect"
                    );
                    std::process::exit(EXIT_INTERRUPTED.into());
                })
            })?;
        Ok(Interrupts { seen })
    }

    pub fn interrupted(&self) -> bool {
        self.seen.load(Ordering::SeqCst)
    }
}

struct Signals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> std::io::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(Signals {
                term: signal(SignalKind::terminate())?,
                int: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    async fn next(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.int.recv() => {}
            _ = self.term.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}
