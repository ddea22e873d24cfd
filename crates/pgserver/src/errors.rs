//! Engine errors as Postgres errors. SQLSTATE codes chosen (documented here because
//! clients branch on them):
//!
//! | engine error | SQLSTATE | Postgres name |
//! | --- | --- | --- |
//! | SQL syntax error | `42601` | syntax_error |
//! | statement kind not supported | `0A000` | feature_not_supported |
//! | unknown provider, service or resource; SQLite "no such table" | `42P01` | undefined_table |
//! | unknown method | `42883` | undefined_function |
//! | SQLite "no such column" | `42703` | undefined_column |
//! | missing required parameter (e.g. `region`) | `22023` | invalid_parameter_value |
//! | other invalid statement (nothing sent) | `42000` | syntax_error_or_access_rule_violation |
//! | AWS credentials missing or unusable | `28000` | invalid_authorization_specification |
//! | API call(s) failed, partial mutation, awaited operation FAILED | `58000` | system_error (external) |
//! | registry documents unreadable or invalid | `58030` | io_error |
//! | statement cancelled (CancelRequest, client gone) | `57014` | query_canceled |
//! | session engine unavailable, a statement that panicked, other SQLite errors | `XX000` | internal_error |
//!
//! 22023 rather than 42703 for a missing parameter: the statement names only valid columns;
//! what it lacks is a value, and the hint says which predicate to add.

use crate::session::RunError;
use pgwire::error::{ErrorInfo, PgWireError, SEVERITY_ERROR};
use stackql_engine::EngineError;
use stackql_registry::RegistryError;
use stackql_sql::SqlError;

/// SQLSTATE for an engine error.
pub fn sqlstate(e: &EngineError) -> &'static str {
    match e {
        EngineError::Sql(SqlError::Syntax { .. }) => "42601",
        // program_limit_exceeded: over a statement size or depth limit.
        EngineError::Sql(SqlError::Limit(_)) => "54000",
        EngineError::Sql(_) => "0A000",
        EngineError::Registry(r) => match r {
            RegistryError::UnknownProvider { .. }
            | RegistryError::UnknownService { .. }
            | RegistryError::UnknownResource { .. } => "42P01",
            RegistryError::UnknownMethod { .. } => "42883",
            _ => "58030",
        },
        EngineError::MissingParams { .. } => "22023",
        EngineError::Invalid(_) => "42000",
        EngineError::Credentials(_) => "28000",
        EngineError::Calls(_)
        | EngineError::PartialMutation { .. }
        | EngineError::OperationFailed(_) => "58000",
        EngineError::Sqlite(m) => sqlite_state(m),
        EngineError::Cancelled | EngineError::CancelledMutation { .. } => "57014",
        #[allow(unreachable_patterns)]
        _ => "XX000",
    }
}

fn sqlite_state(message: &str) -> &'static str {
    if message.contains("no such table") {
        "42P01"
    } else if message.contains("no such column") {
        "42703"
    } else if message.contains("syntax error") {
        "42601"
    } else if message.contains("no such function") {
        "42883"
    } else {
        "XX000"
    }
}

pub fn error_info(e: &RunError) -> ErrorInfo {
    match e {
        RunError::Engine(e) => {
            let mut info = ErrorInfo::new(SEVERITY_ERROR.into(), sqlstate(e).into(), e.to_string());
            if let EngineError::MissingParams { how, .. } = e {
                info.hint = Some(how.clone());
            }
            info
        }
        RunError::Unavailable(m) => ErrorInfo::new(
            SEVERITY_ERROR.into(),
            "XX000".into(),
            format!("the session cannot run statements: {m}"),
        ),
        RunError::Panicked(m) => ErrorInfo::new(
            SEVERITY_ERROR.into(),
            "XX000".into(),
            format!("internal error: the statement failed unexpectedly ({m}); this session goes on with a fresh engine"),
        ),
    }
}

pub fn user_error(code: &str, message: impl Into<String>) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        SEVERITY_ERROR.into(),
        code.into(),
        message.into(),
    )))
}

pub fn to_pgwire(e: &RunError) -> PgWireError {
    PgWireError::UserError(Box::new(error_info(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_for_common_failures() {
        let syntax = EngineError::Sql(SqlError::Syntax {
            message: "x".into(),
            position: None,
        });
        assert_eq!(sqlstate(&syntax), "42601");
        let missing = EngineError::MissingParams {
            table: "aws.sagemaker.images".into(),
            missing: vec!["region".into()],
            how: "supply it in WHERE, e.g. region = 'us-east-1'".into(),
        };
        assert_eq!(sqlstate(&missing), "22023");
        let info = error_info(&RunError::Engine(missing));
        assert_eq!(
            info.hint.as_deref(),
            Some("supply it in WHERE, e.g. region = 'us-east-1'")
        );
        assert_eq!(
            sqlstate(&EngineError::Sqlite("no such column: x".into())),
            "42703"
        );
        assert_eq!(sqlstate(&EngineError::Calls(vec![])), "58000");
    }
}
