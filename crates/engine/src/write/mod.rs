//! Writes: INSERT, UPDATE, DELETE and EXEC planned from the statement, every request built
//! before the first is sent, then sent concurrently (`mutation.rs`), and followed to a final
//! status with `/*+ AWAIT */` (`awaiter.rs`) when the service's write model is asynchronous
//! (`model.rs`: Cloud Control's ProgressEvent, or synchronous native and REST writes).

pub mod awaiter;
pub mod model;
pub mod mutation;
