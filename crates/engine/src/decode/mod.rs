//! Decoding: answers into values. Items out of response pages and Cloud Control's
//! ProgressEvent (`items.rs`); conversions between JSON, SQLite values and output cells,
//! typed by the registry's schemas (`values.rs`).

pub mod items;
pub mod values;
