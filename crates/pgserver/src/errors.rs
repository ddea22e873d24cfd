//! Engine errors as Postgres errors. SQLSTATE codes chosen (documented here because
//! clients branch on them):
//!
//! | engine error | SQLSTATE | Postgres name |
//! | --- | --- | --- |
//! | SQL syntax error | `42601` | syntax_error |
//! | statement kind not supported | `0A000` | feature_not_supported |
//! | statement over a size or depth limit | `42000` | syntax_error_or_access_rule_violation |
//! | unknown provider, service or resource; SQLite "no such table" | `42P01` | undefined_table |
//! | unknown method | `42883` | undefined_function |
//! | SQLite "no such column" | `42703` | undefined_column |
//! | missing required parameter (e.g. `region`) | `22023` | invalid_parameter_value |
//! | other invalid statement (nothing sent) | `42000` | syntax_error_or_access_rule_violation |
//! | AWS credentials missing or unusable; every failed call refused with HTTP 401/403 | `42501` | insufficient_privilege |
//! | API call(s) failed, partial mutation, awaited operation FAILED | `XX000` | internal_error |
//! | registry documents unreadable or invalid | `XX000` | internal_error |
//! | statement cancelled (CancelRequest, client gone) | `57014` | query_canceled |
//! | session engine unavailable, a statement that panicked, other SQLite errors | `XX000` | internal_error |
//!
//! 22023 rather than 42703 for a missing parameter: the statement names only valid columns;
//! what it lacks is a value, and the hint says which predicate to add.
//!
//! No failure of a statement is in an "operational" class (08, 28, 53-58 but the cancel):
//! psycopg raises those as `OperationalError`, and pystackql's server mode answers that by
//! reconnecting and sending the same statement again, without limit (a failing DELETE was
//! sent 985 times). Only a cancel, which the client itself asked for, keeps `57014`.

use crate::session::RunError;
use pgwire::error::{ErrorInfo, PgWireError, SEVERITY_ERROR};
use stackql_engine::{CallError, EngineError, FailedCall};
use stackql_registry::RegistryError;
use stackql_sql::SqlError;

/// SQLSTATE for an engine error.
pub fn sqlstate(e: &EngineError) -> &'static str {
    match e {
        EngineError::Sql(SqlError::Syntax { .. }) => "42601",
        // Not program_limit_exceeded (54000): clients retry that class.
        EngineError::Sql(SqlError::Limit(_)) => "42000",
        EngineError::Sql(_) => "0A000",
        EngineError::Registry(r) => match r {
            RegistryError::UnknownProvider { .. }
            | RegistryError::UnknownService { .. }
            | RegistryError::UnknownResource { .. } => "42P01",
            RegistryError::UnknownMethod { .. } => "42883",
            _ => "XX000",
        },
        EngineError::MissingParams { .. } => "22023",
        EngineError::Invalid(_) => "42000",
        EngineError::Credentials(_) => "42501",
        EngineError::Calls(failed) if all_refused_access(failed) => "42501",
        EngineError::Calls(_)
        | EngineError::PartialMutation { .. }
        | EngineError::OperationFailed(_) => "XX000",
        EngineError::Sqlite(m) => sqlite_state(m),
        EngineError::Cancelled | EngineError::CancelledMutation { .. } => "57014",
        #[allow(unreachable_patterns)]
        _ => "XX000",
    }
}

/// Every call was refused for want of access (HTTP 401/403: AccessDenied, an unknown key,
/// a bad signature): the caller needs other credentials or permissions.
fn all_refused_access(failed: &[FailedCall]) -> bool {
    !failed.is_empty()
        && failed.iter().all(|c| {
            matches!(
                c.error,
                CallError::Api {
                    status: 401 | 403,
                    ..
                }
            )
        })
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
        let failed = |status| FailedCall {
            method: "aws.s3_api.buckets.list".into(),
            region: Some("us-east-1".into()),
            params: vec![],
            error: CallError::Api {
                status,
                code: "X".into(),
                message: "m".into(),
                request_id: None,
            },
        };
        assert_eq!(sqlstate(&EngineError::Calls(vec![failed(400)])), "XX000");
        assert_eq!(sqlstate(&EngineError::Calls(vec![failed(403)])), "42501");
        assert_eq!(
            sqlstate(&EngineError::Calls(vec![failed(403), failed(500)])),
            "XX000"
        );
    }

    /// psycopg's classes that it raises as OperationalError (pystackql resends on those).
    const OPERATIONAL: &[&str] = &["08", "28", "53", "54", "55", "57", "58", "F0", "HV"];

    #[test]
    fn no_failure_but_a_cancel_is_in_an_operational_class() {
        let errors = vec![
            EngineError::Calls(vec![]),
            EngineError::OperationFailed("FAILED".into()),
            EngineError::PartialMutation {
                done: vec![],
                failed: vec![],
            },
            EngineError::Credentials("none".into()),
            EngineError::Sql(SqlError::Limit("too long".into())),
            EngineError::Invalid("x".into()),
            EngineError::Sqlite("disk I/O error".into()),
        ];
        for e in &errors {
            let code = sqlstate(e);
            assert!(
                !OPERATIONAL.contains(&&code[..2]),
                "{e:?} -> {code}, which psycopg raises as OperationalError"
            );
        }
        assert_eq!(sqlstate(&EngineError::Cancelled), "57014");
    }
}
