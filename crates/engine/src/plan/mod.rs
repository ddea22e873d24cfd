//! Planning: what a statement will send. A method plus column values becomes one concrete,
//! checked request (`request.rs`), sent only where the registry's servers allow
//! (`endpoint.rs`); EXPLAIN shows those requests instead of sending them (`explain.rs`).

pub mod endpoint;
pub mod explain;
pub mod request;
