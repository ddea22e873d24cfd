//! StackQL's SQL front end. `split_statements` cuts a script into statements;
//! `parse_statement` classifies one and returns what the engine plans from: rewritten SQL
//! for SQLite (three-part names as one quoted identifier), the provider tables it names,
//! and for mutations the target, columns, predicates and hints.

mod discovery;
mod error;
mod hints;
mod lexer;
mod limits;
mod registry_cmd;
pub mod scan;
mod split;
mod statement;
mod userobj;
mod view_params;

pub use discovery::{parse_discovery, view_shape, Discovery, ShowFilter, ViewColumn, ViewShape};
pub use error::SqlError;
pub use hints::Hints;
pub use limits::{MAX_EXPR_DEPTH, MAX_NESTING, MAX_SCRIPT_BYTES, MAX_STATEMENT_BYTES};
pub use registry_cmd::{is_valid_registry_name, RegistryCommand};
pub use split::{split_statements, StatementText};
pub use statement::{
    parse_statement, Assignment, ExecArg, Literal, Predicate, QualifiedName, Statement,
};
pub use userobj::{UserStatement, USER_SCHEMA};
pub use view_params::{
    drop_bindings, instantiate_view, is_placeholder_text, rename_repeated_columns,
    statement_bindings, ParamBindings, ViewInstance, REPEATED_COLUMN_SUFFIX,
};
