//! SQL front-end errors; each points at the offending text.

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SqlError {
    #[error("SQL syntax error: {message}{}", position.map(|(l, c)| format!(" at line {l}, column {c}")).unwrap_or_default())]
    Syntax {
        message: String,
        position: Option<(u64, u64)>,
    },
    #[error("{0}")]
    Unsupported(String),
    /// Over one of the size or depth limits of `limits.rs`; the message names the limit.
    #[error("{0}")]
    Limit(String),
}
