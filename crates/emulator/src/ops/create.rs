//! CreateResource: validates the DesiredState against the type's schema, fills the
//! read-only identifiers, and starts a CREATE request. A duplicate identifier is reported
//! the way AWS's handlers report it: the request FAILS with ErrorCode AlreadyExists.

use serde_json::{json, Map, Value};

use super::{
    client_token_conflict, concurrent, fingerprint, model_validation, replay, req_str,
    token_member, type_name, Ctx,
};
use crate::schema::GenerationContext;
use crate::state::{already_exists, Effect, NewRequest, Operation};
use crate::wire::{ApiError, ErrorKind};

pub fn handle(ctx: &Ctx<'_>, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let type_name = type_name(input)?;
    let desired = req_str(input, "DesiredState")?;
    super::check_len("DesiredState", desired, 1, 262_144)?;
    let client_token = token_member(input, "ClientToken", 128)?;
    let fp = fingerprint("CreateResource", input);
    if let Some(ct) = client_token {
        if let Some(replay) = replay(ctx, ct, &fp)? {
            return Ok(replay);
        }
    }
    let schema = ctx.schema_for(type_name)?;
    let mut model: Value = serde_json::from_str(desired).map_err(|e| {
        ApiError::new(
            ErrorKind::InvalidRequest,
            format!("DesiredState is not valid JSON: {e}"),
        )
    })?;
    let identifier = match &schema {
        Some(schema) => {
            schema.validate_create(&model).map_err(model_validation)?;
            schema.generate_read_only(
                &mut model,
                &GenerationContext {
                    account_id: ctx.account,
                    region: ctx.region,
                    ids: &ctx.inner.ids,
                    now: std::time::SystemTime::now(),
                },
            );
            schema
                .identifier_of(&model)
                .unwrap_or_else(|| ctx.inner.ids.uuid())
        }
        None => {
            if !model.is_object() {
                return Err(model_validation(vec![
                    "#: expected type: JSONObject, found: String".into(),
                ]));
            }
            ctx.inner.ids.uuid()
        }
    };
    let token = ctx.inner.ids.uuid();
    let completion = ctx.inner.config.completion;
    ctx.with_region(|region| {
        // Checked again under the lock: two retries with one token may race.
        if let Some(ct) = client_token {
            match region.client_token(ct, &fp) {
                Ok(Some(r)) => return Ok(json!({ "ProgressEvent": r.event() })),
                Ok(None) => {}
                Err(()) => return Err(client_token_conflict(ct)),
            }
        }
        if let Some(holder) = region.in_flight(type_name, &identifier) {
            return Err(concurrent(type_name, &identifier, holder));
        }
        let exists = region.resource(type_name, &identifier).is_some();
        let effect = if exists {
            Effect::Fail {
                code: "AlreadyExists".into(),
                message: already_exists(type_name, &identifier),
            }
        } else {
            Effect::Create { model }
        };
        let record = region.insert_request(
            NewRequest {
                token,
                type_name: type_name.to_string(),
                identifier: Some(identifier),
                operation: Operation::Create,
                effect,
                schema,
                holds_resource: !exists,
            },
            client_token.map(|ct| (ct.to_string(), fp)),
            &completion,
            std::time::Instant::now(),
        );
        Ok(json!({ "ProgressEvent": record.event() }))
    })
}
