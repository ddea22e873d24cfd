//! Writes: INSERT, UPDATE, DELETE and EXEC planned from the statement, every request built
//! before the first is sent, then sent concurrently (`mutation.rs`), and followed to a final
//! status with `/*+ AWAIT */` (`awaiter.rs`).

pub mod awaiter;
pub mod mutation;
