//! StackQL's SQL front end. `split_statements` cuts a script into statements;
//! `parse_statement` classifies one and returns what the engine plans from: rewritten SQL
//! for SQLite (three-part names as one quoted identifier), the provider tables it names,
//! and for mutations the target, columns, predicates and hints.

mod error;
mod hints;
mod split;
mod statement;

pub use error::SqlError;
pub use hints::Hints;
pub use split::{split_statements, StatementText};
pub use statement::{
    parse_statement, parse_view_ddl, Assignment, ExecArg, Literal, Predicate, QualifiedName,
    Statement,
};
