//! Engine errors. Every variant names what the user did and how to fix it; none carries
//! credentials or signatures.

use std::fmt;

/// One API call that failed, with enough context to find it in AWS's logs.
#[derive(Clone, Debug, PartialEq)]
pub struct FailedCall {
    /// e.g. `aws.cloud_control.resources.list_resources`
    pub method: String,
    pub region: Option<String>,
    /// Parameter values that identify the call (region excluded), `name=value`.
    pub params: Vec<String>,
    pub error: CallError,
}

#[derive(Clone, Debug, PartialEq)]
pub enum CallError {
    /// The service answered with an error.
    Api {
        status: u16,
        code: String,
        message: String,
        request_id: Option<String>,
    },
    /// No answer: connection refused, timeout, TLS, a body cut short.
    Transport(String),
    /// An answer that is not JSON. It may follow a write that took effect, so a write is
    /// never repeated because of it.
    Unreadable {
        status: u16,
        request_id: Option<String>,
        /// The raw body's first bytes, escaped.
        body_start: String,
    },
    /// Refused by this client and never worth repeating: an endpoint the request was not
    /// built for, an answer over the size limit, an answer not of the documented shape.
    Refused(String),
}

impl CallError {
    /// Whether the service said the thing asked for does not exist: HTTP 404, or an error
    /// code meaning "not found" in any AWS protocol (`ResourceNotFoundException` from Cloud
    /// Control, which answers 400; `NoSuchEntity`, `NoSuchBucket`; `InvalidVpcID.NotFound`;
    /// `DBInstanceNotFoundFault`). `TypeNotFoundException` is not one: it means the query
    /// named a type that does not exist, a mistake to report.
    pub fn is_not_found(&self) -> bool {
        let CallError::Api { status, code, .. } = self else {
            return false;
        };
        if *status == 404 {
            return true;
        }
        let stem = code
            .trim_end_matches("Exception")
            .trim_end_matches("Fault")
            .rsplit('.')
            .next()
            .unwrap_or_default();
        (stem.ends_with("NotFound") && stem != "TypeNotFound") || stem.starts_with("NoSuch")
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Api {
                status,
                code,
                message,
                request_id,
            } => {
                write!(f, "{code}: {message} (HTTP {status}")?;
                if let Some(id) = request_id {
                    write!(f, ", request id {id}")?;
                }
                write!(f, ")")
            }
            CallError::Unreadable {
                status,
                request_id,
                body_start,
            } => {
                write!(f, "the answer is not JSON (HTTP {status}")?;
                if let Some(id) = request_id {
                    write!(f, ", request id {id}")?;
                }
                write!(f, "); it begins: \"{body_start}\"")
            }
            CallError::Transport(m) | CallError::Refused(m) => write!(f, "{m}"),
        }
    }
}

impl fmt::Display for FailedCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.method)?;
        if let Some(r) = &self.region {
            write!(f, " in {r}")?;
        }
        if !self.params.is_empty() {
            write!(f, " [{}]", self.params.join(", "))?;
        }
        write!(f, ": {}", self.error)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Registry(#[from] stackql_registry::RegistryError),
    #[error(transparent)]
    Sql(#[from] stackql_sql::SqlError),
    /// `how` says where the value goes: "supply it in WHERE, e.g. region = 'us-east-1'".
    #[error("missing required parameter{} {} for {table} ({how})", if missing.len() > 1 { "s" } else { "" }, missing.join(", "))]
    MissingParams {
        table: String,
        missing: Vec<String>,
        how: String,
    },
    /// The statement is wrong in a way the user can fix; nothing was sent.
    #[error("{0}")]
    Invalid(String),
    #[error("{}", failed_calls_message(.0))]
    Calls(Vec<FailedCall>),
    #[error("AWS credentials: {0}")]
    Credentials(String),
    #[error("{0}")]
    Sqlite(String),
    /// An awaited operation ended FAILED or CANCEL_COMPLETE, or never finished in time.
    #[error("{0}")]
    OperationFailed(String),
    /// The statement was cancelled from another thread (Ctrl-C in the shell, a Postgres
    /// cancel request); nothing more was sent.
    #[error("cancelled: the statement was stopped and no further API call was sent")]
    Cancelled,
    /// A mutation was cancelled (Ctrl-C, SIGINT/SIGTERM, a Postgres cancel) after sending
    /// some of its writes: each is listed with its target, request token or identifier and
    /// last known status, since it may still take effect.
    #[error("{}", cancelled_message(sent, cut_off))]
    CancelledMutation {
        sent: Vec<String>,
        /// Calls stopped before an answer: they may or may not have reached the provider.
        cut_off: Vec<FailedCall>,
    },
    /// Some requests of a mutation failed; the ones that went through are listed too, so
    /// nothing half-done goes unreported.
    #[error("{}", partial_message(done, failed))]
    PartialMutation {
        done: Vec<String>,
        failed: Vec<FailedCall>,
    },
}

fn cancelled_message(sent: &[String], cut_off: &[FailedCall]) -> String {
    let mut s = "cancelled: the statement was stopped and no further API call was sent".to_string();
    if !sent.is_empty() {
        s.push_str(&format!(
            "\n{} write(s) had been sent and may still take effect:",
            sent.len()
        ));
        for w in sent {
            s.push_str("\n  - ");
            s.push_str(w);
        }
    }
    if !cut_off.is_empty() {
        s.push_str(&format!(
            "\n{} call(s) were stopped without an answer (sent or not):",
            cut_off.len()
        ));
        for c in cut_off {
            s.push_str("\n  - ");
            s.push_str(&c.to_string());
        }
    }
    s
}

fn partial_message(done: &[String], failed: &[FailedCall]) -> String {
    let mut s = failed_calls_message(failed);
    if !done.is_empty() {
        s.push_str(&format!(
            "\n{} request(s) of the same statement DID go through:",
            done.len()
        ));
        for d in done {
            s.push_str("\n  - ");
            s.push_str(d);
        }
    }
    s
}

fn failed_calls_message(calls: &[FailedCall]) -> String {
    match calls {
        [one] => format!("API call failed: {one}"),
        many => {
            let mut s = format!("{} API calls failed:", many.len());
            for c in many {
                s.push_str("\n  - ");
                s.push_str(&c.to_string());
            }
            s
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, code: &str) -> CallError {
        CallError::Api {
            status,
            code: code.into(),
            message: "m".into(),
            request_id: None,
        }
    }

    #[test]
    fn not_found_answers_of_every_protocol_are_recognised() {
        for (status, code) in [
            (400, "ResourceNotFoundException"),
            (404, "HTTP404"),
            (404, "NoSuchEntity"),
            (404, "NoSuchBucket"),
            (400, "InvalidVpcID.NotFound"),
            (404, "DBInstanceNotFoundFault"),
            (400, "NotFound"),
        ] {
            assert!(api(status, code).is_not_found(), "{status} {code}");
        }
        for (status, code) in [
            (400, "TypeNotFoundException"),
            (400, "ValidationException"),
            (403, "AccessDeniedException"),
            (500, "InternalFailure"),
        ] {
            assert!(!api(status, code).is_not_found(), "{status} {code}");
        }
        assert!(!CallError::Transport("404 not found".into()).is_not_found());
    }
}
