//! What the registry says about resources, for people: fields, methods, required
//! parameters, INSERT templates and permissions (`describe.rs`), shared by the SHOW and
//! DESCRIBE statements (`discovery.rs`) and the reference-page generator (`docs.rs`).

pub mod describe;
pub mod discovery;
pub mod docs;
