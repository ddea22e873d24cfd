//! The eight Cloud Control operations, one file each with one `handle` function, plus what
//! they share: the request context, input checks that AWS's request layer does before any
//! handler (required members, lengths, patterns), type resolution and client tokens.

mod cancel;
mod create;
mod delete;
mod get;
mod list;
mod list_requests;
mod status;
mod update;

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::catalog::TypeLookup;
use crate::server::Inner;
use crate::state::RegionState;
use crate::wire::{ApiError, ErrorKind};

/// Who is calling and where: the state of `account` in `region` is the one touched.
pub struct Ctx<'a> {
    pub inner: &'a Inner,
    pub account: &'a str,
    pub region: &'a str,
}

impl Ctx<'_> {
    /// Runs `f` on this account and region's state, after completing what time completes,
    /// and persists what changed before anything is answered. A failed write is an
    /// InternalFailure: the change is not acknowledged.
    pub fn with_region<T>(
        &self,
        f: impl FnOnce(&mut RegionState) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut store = self.inner.store.lock().unwrap_or_else(|p| p.into_inner());
        let region = store.region(self.account, self.region);
        region.tick(&self.inner.config.completion, std::time::Instant::now());
        let out = f(region);
        if let Err(e) = store.save(self.account, self.region) {
            eprintln!("stackql emulator: cannot write the state file: {e}");
            return Err(ApiError::new(
                ErrorKind::InternalFailure,
                "The emulator could not persist the change.",
            ));
        }
        out
    }

    /// The schema of a type: `None` in permissive mode, TypeNotFoundException if the
    /// registry does not describe it.
    pub fn schema_for(
        &self,
        type_name: &str,
    ) -> Result<Option<Arc<crate::schema::TypeSchema>>, ApiError> {
        match self.inner.catalog.lookup(type_name) {
            Ok(TypeLookup::Schema(s)) => Ok(Some(s)),
            Ok(TypeLookup::Permissive) => Ok(None),
            Ok(TypeLookup::NotFound) => Err(ApiError::new(
                ErrorKind::TypeNotFound,
                format!("The type '{type_name}' cannot be found."),
            )),
            Err(e) => {
                // A broken registry document is the emulator's fault, not the caller's.
                eprintln!("stackql emulator: {e}");
                Err(ApiError::new(
                    ErrorKind::InternalFailure,
                    "The emulator could not read the registry document for this type.",
                ))
            }
        }
    }
}

/// Runs one operation. `None` when the name is not a Cloud Control operation.
pub fn dispatch(
    ctx: &Ctx<'_>,
    operation: &str,
    input: &Map<String, Value>,
) -> Option<Result<Value, ApiError>> {
    Some(match operation {
        "CreateResource" => create::handle(ctx, input),
        "GetResource" => get::handle(ctx, input),
        "UpdateResource" => update::handle(ctx, input),
        "DeleteResource" => delete::handle(ctx, input),
        "ListResources" => list::handle(ctx, input),
        "GetResourceRequestStatus" => status::handle(ctx, input),
        "ListResourceRequests" => list_requests::handle(ctx, input),
        "CancelResourceRequest" => cancel::handle(ctx, input),
        _ => return None,
    })
}

/// A string member; `None` when absent or null. A value of another JSON type is a
/// SerializationException, as AWS's deserializer reports it.
pub fn opt_str<'a>(
    input: &'a Map<String, Value>,
    member: &str,
) -> Result<Option<&'a str>, ApiError> {
    match input.get(member) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(ApiError::new(
            ErrorKind::Serialization,
            format!(
                "Unexpected value for {member}: expected a string, found {}",
                kind_of(other)
            ),
        )),
    }
}

/// A required string member (ValidationException when missing).
pub fn req_str<'a>(input: &'a Map<String, Value>, member: &str) -> Result<&'a str, ApiError> {
    opt_str(input, member)?.ok_or_else(|| ApiError::member_null(member))
}

/// Checks `min..=max` length (in characters), as the model's shape constraints say.
pub fn check_len(member: &str, value: &str, min: usize, max: usize) -> Result<(), ApiError> {
    let n = value.chars().count();
    if n < min {
        return Err(ApiError::member_constraint(
            member,
            value,
            &format!("Member must have length greater than or equal to {min}"),
        ));
    }
    if n > max {
        // Long values (documents) are not echoed back in full.
        let shown: String = value.chars().take(64).collect();
        return Err(ApiError::member_constraint(
            member,
            &shown,
            &format!("Member must have length less than or equal to {max}"),
        ));
    }
    Ok(())
}

/// `TypeName`: required, 10..=196 characters, `[A-Za-z0-9]{2,64}::[A-Za-z0-9]{2,64}::[A-Za-z0-9]{2,64}`.
pub fn type_name(input: &Map<String, Value>) -> Result<&str, ApiError> {
    check_common_members(input)?;
    let t = req_str(input, "TypeName")?;
    check_len("TypeName", t, 10, 196)?;
    let parts: Vec<&str> = t.split("::").collect();
    let ok = parts.len() == 3
        && parts
            .iter()
            .all(|p| (2..=64).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
    if !ok {
        return Err(ApiError::member_constraint(
            "TypeName",
            t,
            "Member must satisfy regular expression pattern: [A-Za-z0-9]{2,64}::[A-Za-z0-9]{2,64}::[A-Za-z0-9]{2,64}",
        ));
    }
    Ok(t)
}

/// The optional members every resource operation takes: `RoleArn` (20..=2048,
/// `arn:.+:iam::[0-9]{12}:role/.+`) and `TypeVersionId` (1..=128, `[A-Za-z0-9-]+`). They are
/// checked as AWS checks them and otherwise have no effect here.
pub fn check_common_members(input: &Map<String, Value>) -> Result<(), ApiError> {
    if let Some(role) = opt_str(input, "RoleArn")? {
        check_len("RoleArn", role, 20, 2048)?;
        let well_formed = role
            .strip_prefix("arn:")
            .and_then(|r| r.split_once(":iam::"))
            .and_then(|(partition, rest)| {
                let (account, name) = rest.split_once(":role/")?;
                Some(
                    !partition.is_empty()
                        && account.len() == 12
                        && account.chars().all(|c| c.is_ascii_digit())
                        && !name.is_empty(),
                )
            })
            .unwrap_or(false);
        if !well_formed {
            return Err(ApiError::member_constraint(
                "RoleArn",
                role,
                "Member must satisfy regular expression pattern: arn:.+:iam::[0-9]{12}:role/.+",
            ));
        }
    }
    if let Some(v) = opt_str(input, "TypeVersionId")? {
        check_len("TypeVersionId", v, 1, 128)?;
        if !v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(ApiError::member_constraint(
                "TypeVersionId",
                v,
                "Member must satisfy regular expression pattern: [A-Za-z0-9-]+",
            ));
        }
    }
    Ok(())
}

/// `Identifier`: required, 1..=1024 characters.
pub fn identifier(input: &Map<String, Value>) -> Result<&str, ApiError> {
    let id = req_str(input, "Identifier")?;
    check_len("Identifier", id, 1, 1024)?;
    Ok(id)
}

/// Tokens (`RequestToken`, `ClientToken`, `NextToken` of requests): `[-A-Za-z0-9+/=]+`, 1..=max.
pub fn token_member<'a>(
    input: &'a Map<String, Value>,
    member: &str,
    max: usize,
) -> Result<Option<&'a str>, ApiError> {
    let Some(t) = opt_str(input, member)? else {
        return Ok(None);
    };
    check_len(member, t, 1, max)?;
    if !t
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '+' | '/' | '='))
    {
        return Err(ApiError::member_constraint(
            member,
            t,
            "Member must satisfy regular expression pattern: [-A-Za-z0-9+/=]+",
        ));
    }
    Ok(Some(t))
}

/// `MaxResults`: 1..=100 when given.
pub fn max_results(input: &Map<String, Value>) -> Result<Option<usize>, ApiError> {
    match input.get("MaxResults") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match n.as_i64() {
            Some(v) if v < 1 => Err(ApiError::member_constraint(
                "MaxResults",
                &v.to_string(),
                "Member must have value greater than or equal to 1",
            )),
            Some(v) if v > 100 => Err(ApiError::member_constraint(
                "MaxResults",
                &v.to_string(),
                "Member must have value less than or equal to 100",
            )),
            Some(v) => Ok(Some(v as usize)),
            None => Err(ApiError::new(
                ErrorKind::Serialization,
                "Unexpected value for MaxResults: expected an integer",
            )),
        },
        Some(other) => Err(ApiError::new(
            ErrorKind::Serialization,
            format!(
                "Unexpected value for MaxResults: expected an integer, found {}",
                kind_of(other)
            ),
        )),
    }
}

/// What identifies a request for ClientToken idempotency: the operation and every member
/// but the token itself (serde_json maps are sorted, so this text is canonical).
pub fn fingerprint(operation: &str, input: &Map<String, Value>) -> String {
    let mut rest = input.clone();
    rest.remove("ClientToken");
    format!("{operation}:{}", Value::Object(rest))
}

/// The ProgressEvent of an earlier request with the same client token and input, or
/// ClientTokenConflictException when the input differs. Shared by every mutation.
pub fn replay(ctx: &Ctx<'_>, client_token: &str, fp: &str) -> Result<Option<Value>, ApiError> {
    ctx.with_region(|region| match region.client_token(client_token, fp) {
        Ok(Some(r)) => Ok(Some(serde_json::json!({ "ProgressEvent": r.event() }))),
        Ok(None) => Ok(None),
        Err(()) => Err(client_token_conflict(client_token)),
    })
}

/// `ClientTokenConflictException` for a token reused with a different request.
pub fn client_token_conflict(token: &str) -> ApiError {
    ApiError::new(
        ErrorKind::ClientTokenConflict,
        format!("The client token {token} has already been used in another resource request."),
    )
}

/// `ConcurrentOperationException` for a resource with a request in flight.
pub fn concurrent(type_name: &str, identifier: &str, token: &str) -> ApiError {
    ApiError::new(
        ErrorKind::ConcurrentOperation,
        format!(
            "Another resource operation (request token {token}) is currently being performed on the resource of type '{type_name}' with identifier '{identifier}'."
        ),
    )
}

/// `Model validation failed (...)` as a ValidationException: what AWS answers
/// synchronously when a DesiredState or patched model breaks the resource schema.
pub fn model_validation(errors: Vec<String>) -> ApiError {
    ApiError::new(
        ErrorKind::Validation,
        format!("Model validation failed ({})", errors.join("\n")),
    )
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
