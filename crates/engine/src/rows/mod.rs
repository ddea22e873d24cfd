//! Rows into SQLite: provider resources as virtual tables that stream pages of items into
//! the query (`vtab.rs`), and the catalog that creates those tables and the registry views
//! over them per statement (`catalog.rs`).

pub mod catalog;
pub mod vtab;
