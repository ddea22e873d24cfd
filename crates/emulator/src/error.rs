//! Errors of the emulator as a library (starting, loading the registry). Errors answered
//! to API clients are [`crate::wire::ApiError`], not these.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind {
        port: u16,
        #[source]
        source: std::io::Error,
    },
    #[error("registry {}: {message}", path.display())]
    Registry { path: PathBuf, message: String },
    #[error("state file {}: {message}", path.display())]
    State { path: PathBuf, message: String },
    #[error("seed file {}: {message}", path.display())]
    Seed { path: PathBuf, message: String },
    #[error("invalid emulator configuration: {0}")]
    Config(String),
}
