//! The awsJson1.0 wire format of Cloud Control: error kinds with their HTTP statuses, error
//! bodies, and the JSON of a ProgressEvent.
//!
//! Statuses: the service model (`cloudcontrol-2021-09-30.service.json`) gives no
//! `error.httpStatusCode` for any Cloud Control exception, so the awsJson1.0 defaults apply:
//! a client error is 400 and a shape marked `"fault": true` is 500. The table below embeds
//! that fact per exception; `tests/model_facts.rs` re-reads the model to keep it honest.

use serde_json::{Map, Value};

/// Every error this emulator can send, modelled or not.
///
/// The modelled exceptions of Cloud Control come first; the rest are errors AWS's front
/// door (the "coral" layer) sends for any awsJson service and that SDKs recognise by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    AlreadyExists,
    ClientTokenConflict,
    ConcurrentModification,
    ConcurrentOperation,
    GeneralService,
    HandlerFailure,
    HandlerInternalFailure,
    InvalidCredentials,
    InvalidRequest,
    NetworkFailure,
    NotStabilized,
    NotUpdatable,
    PrivateType,
    RequestTokenNotFound,
    ResourceConflict,
    ResourceNotFound,
    ServiceInternalError,
    ServiceLimitExceeded,
    Throttling,
    TypeNotFound,
    UnsupportedAction,
    // Not in the model: sent by AWS's request layer before any handler runs.
    /// Input constraint or resource-schema ("Model validation failed") violations.
    Validation,
    UnknownOperation,
    Serialization,
    MissingAuthenticationToken,
    IncompleteSignature,
    InvalidSignature,
    UnrecognizedClient,
    AccessDenied,
    InternalFailure,
    ServiceUnavailable,
}

/// The kinds the model does not declare (protocol, authentication and fault injection);
/// with `ErrorKind::MODELLED`, every kind, for lookups by name.
const UNMODELLED_KINDS: [ErrorKind; 10] = [
    ErrorKind::Validation,
    ErrorKind::UnknownOperation,
    ErrorKind::Serialization,
    ErrorKind::MissingAuthenticationToken,
    ErrorKind::IncompleteSignature,
    ErrorKind::InvalidSignature,
    ErrorKind::UnrecognizedClient,
    ErrorKind::AccessDenied,
    ErrorKind::InternalFailure,
    ErrorKind::ServiceUnavailable,
];

impl ErrorKind {
    /// Every modelled exception of Cloud Control, for tests that compare with the model.
    pub const MODELLED: [ErrorKind; 21] = [
        ErrorKind::AlreadyExists,
        ErrorKind::ClientTokenConflict,
        ErrorKind::ConcurrentModification,
        ErrorKind::ConcurrentOperation,
        ErrorKind::GeneralService,
        ErrorKind::HandlerFailure,
        ErrorKind::HandlerInternalFailure,
        ErrorKind::InvalidCredentials,
        ErrorKind::InvalidRequest,
        ErrorKind::NetworkFailure,
        ErrorKind::NotStabilized,
        ErrorKind::NotUpdatable,
        ErrorKind::PrivateType,
        ErrorKind::RequestTokenNotFound,
        ErrorKind::ResourceConflict,
        ErrorKind::ResourceNotFound,
        ErrorKind::ServiceInternalError,
        ErrorKind::ServiceLimitExceeded,
        ErrorKind::Throttling,
        ErrorKind::TypeNotFound,
        ErrorKind::UnsupportedAction,
    ];

    /// The error kind with this `__type` name, if the emulator knows it.
    pub fn named(name: &str) -> Option<ErrorKind> {
        Self::MODELLED
            .iter()
            .chain(UNMODELLED_KINDS.iter())
            .copied()
            .find(|k| k.name() == name)
    }

    /// The `__type` / `x-amzn-ErrorType` name.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::AlreadyExists => "AlreadyExistsException",
            ErrorKind::ClientTokenConflict => "ClientTokenConflictException",
            ErrorKind::ConcurrentModification => "ConcurrentModificationException",
            ErrorKind::ConcurrentOperation => "ConcurrentOperationException",
            ErrorKind::GeneralService => "GeneralServiceException",
            ErrorKind::HandlerFailure => "HandlerFailureException",
            ErrorKind::HandlerInternalFailure => "HandlerInternalFailureException",
            ErrorKind::InvalidCredentials => "InvalidCredentialsException",
            ErrorKind::InvalidRequest => "InvalidRequestException",
            ErrorKind::NetworkFailure => "NetworkFailureException",
            ErrorKind::NotStabilized => "NotStabilizedException",
            ErrorKind::NotUpdatable => "NotUpdatableException",
            ErrorKind::PrivateType => "PrivateTypeException",
            ErrorKind::RequestTokenNotFound => "RequestTokenNotFoundException",
            ErrorKind::ResourceConflict => "ResourceConflictException",
            ErrorKind::ResourceNotFound => "ResourceNotFoundException",
            ErrorKind::ServiceInternalError => "ServiceInternalErrorException",
            ErrorKind::ServiceLimitExceeded => "ServiceLimitExceededException",
            ErrorKind::Throttling => "ThrottlingException",
            ErrorKind::TypeNotFound => "TypeNotFoundException",
            ErrorKind::UnsupportedAction => "UnsupportedActionException",
            ErrorKind::Validation => "ValidationException",
            ErrorKind::UnknownOperation => "UnknownOperationException",
            ErrorKind::Serialization => "SerializationException",
            ErrorKind::MissingAuthenticationToken => "MissingAuthenticationTokenException",
            ErrorKind::IncompleteSignature => "IncompleteSignatureException",
            ErrorKind::InvalidSignature => "InvalidSignatureException",
            ErrorKind::UnrecognizedClient => "UnrecognizedClientException",
            ErrorKind::AccessDenied => "AccessDeniedException",
            ErrorKind::InternalFailure => "InternalFailure",
            ErrorKind::ServiceUnavailable => "ServiceUnavailable",
        }
    }

    /// The HTTP status AWS sends with this error (see the module docs for where it comes from).
    pub fn http_status(self) -> u16 {
        match self {
            // `"fault": true` in the model: server-side errors.
            ErrorKind::ConcurrentModification
            | ErrorKind::HandlerFailure
            | ErrorKind::HandlerInternalFailure
            | ErrorKind::NetworkFailure
            | ErrorKind::ServiceInternalError
            | ErrorKind::InternalFailure => 500,
            ErrorKind::ServiceUnavailable => 503,
            // As `stackql-aws-auth` answers it (the one authentication error that is not 400).
            ErrorKind::MissingAuthenticationToken => 403,
            _ => 400,
        }
    }
}

/// An error answered to the client: a kind and the human message AWS would put in `Message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub kind: ErrorKind,
    pub message: String,
}

impl ApiError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ApiError {
            kind,
            message: message.into(),
        }
    }

    /// The coral "1 validation error detected" error for an input member.
    pub fn member_null(member: &str) -> Self {
        ApiError::new(
            ErrorKind::Validation,
            format!(
                "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
                lower_first(member)
            ),
        )
    }

    /// The coral validation error for a member that breaks a length/pattern/enum constraint.
    pub fn member_constraint(member: &str, value: &str, constraint: &str) -> Self {
        ApiError::new(
            ErrorKind::Validation,
            format!(
                "1 validation error detected: Value '{}' at '{}' failed to satisfy constraint: {}",
                value,
                lower_first(member),
                constraint
            ),
        )
    }

    /// The JSON body of the error response. `__type` carries the bare name, which every SDK
    /// accepts (they strip any `namespace#` prefix).
    pub fn body(&self) -> Vec<u8> {
        let mut body = Map::new();
        body.insert("__type".into(), Value::String(self.kind.name().into()));
        body.insert("Message".into(), Value::String(self.message.clone()));
        serde_json::to_vec(&Value::Object(body)).unwrap_or_default()
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind.name(), self.message)
    }
}

impl std::error::Error for ApiError {}

/// Coral names members in camelCase in validation messages (`typeName`, `desiredState`).
fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

/// The eight operations of Cloud Control (the `X-Amz-Target` suffixes).
pub const OPERATIONS: [&str; 8] = [
    "CancelResourceRequest",
    "CreateResource",
    "DeleteResource",
    "GetResource",
    "GetResourceRequestStatus",
    "ListResourceRequests",
    "ListResources",
    "UpdateResource",
];

/// The `X-Amz-Target` prefix of Cloud Control.
pub const TARGET_PREFIX: &str = "CloudApiService.";

/// The awsJson1.0 media type used for requests and responses.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.0";

/// Seconds since the epoch as a float: awsJson's timestamp format.
pub fn epoch_seconds(t: std::time::SystemTime) -> f64 {
    match t.duration_since(std::time::UNIX_EPOCH) {
        // Milliseconds precision, as AWS sends (e.g. 1687188354.215).
        Ok(d) => (d.as_millis() as f64) / 1000.0,
        Err(_) => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_has_type_and_message() {
        let e = ApiError::new(ErrorKind::ResourceNotFound, "gone");
        let v: Value = serde_json::from_slice(&e.body()).unwrap();
        assert_eq!(v["__type"], "ResourceNotFoundException");
        assert_eq!(v["Message"], "gone");
        assert_eq!(e.kind.http_status(), 400);
        assert_eq!(ErrorKind::HandlerFailure.http_status(), 500);
    }

    #[test]
    fn member_names_are_camel_case() {
        let e = ApiError::member_null("TypeName");
        assert!(e.message.contains("'typeName'"), "{}", e.message);
    }
}
