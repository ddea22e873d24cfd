//! DeleteResource: starts a DELETE request. Deleting a resource that does not exist is
//! reported as AWS's handlers report it: the request FAILS with ErrorCode NotFound.

use serde_json::{json, Map, Value};

use super::{
    client_token_conflict, concurrent, fingerprint, identifier, replay, token_member, type_name,
    Ctx,
};
use crate::state::{not_found, Effect, NewRequest, Operation};
use crate::wire::ApiError;

pub fn handle(ctx: &Ctx<'_>, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let type_name = type_name(input)?;
    let id = identifier(input)?;
    let client_token = token_member(input, "ClientToken", 128)?;
    let fp = fingerprint("DeleteResource", input);
    if let Some(ct) = client_token {
        if let Some(replay) = replay(ctx, ct, &fp)? {
            return Ok(replay);
        }
    }
    let schema = ctx.schema_for(type_name)?;
    let token = ctx.inner.ids.uuid();
    let completion = ctx.inner.config.completion;
    ctx.with_region(|region| {
        if let Some(ct) = client_token {
            match region.client_token(ct, &fp) {
                Ok(Some(r)) => return Ok(json!({ "ProgressEvent": r.event() })),
                Ok(None) => {}
                Err(()) => return Err(client_token_conflict(ct)),
            }
        }
        if let Some(holder) = region.in_flight(type_name, id) {
            return Err(concurrent(type_name, id, holder));
        }
        let exists = region.resource(type_name, id).is_some();
        let effect = if exists {
            Effect::Delete
        } else {
            Effect::Fail {
                code: "NotFound".into(),
                message: not_found(type_name, id),
            }
        };
        let record = region.insert_request(
            NewRequest {
                token,
                type_name: type_name.to_string(),
                identifier: Some(id.to_string()),
                operation: Operation::Delete,
                effect,
                schema,
                holds_resource: exists,
            },
            client_token.map(|ct| (ct.to_string(), fp)),
            &completion,
            std::time::Instant::now(),
        );
        Ok(json!({ "ProgressEvent": record.event() }))
    })
}
