//! UpdateResource: applies the RFC 6902 PatchDocument to the current model and starts an
//! UPDATE request with the result.
//!
//! What AWS checks synchronously is refused here synchronously too (observed AWS answers):
//! a resource that does not exist (ResourceNotFoundException, the patch needs the current
//! model), a patch touching create-only properties (NotUpdatableException, "Invalid patch
//! update: createOnlyProperties [/properties/X] cannot be updated"), and a patched model that
//! breaks the schema (ValidationException, "Model validation failed (...)"). A patch changing
//! read-only properties is refused with InvalidRequestException in the same words.

use serde_json::{json, Map, Value};

use super::{
    client_token_conflict, concurrent, fingerprint, identifier, model_validation, replay, req_str,
    token_member, type_name, Ctx,
};
use crate::state::{not_found, Effect, NewRequest, Operation};
use crate::wire::{ApiError, ErrorKind};

pub fn handle(ctx: &Ctx<'_>, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let type_name = type_name(input)?;
    let id = identifier(input)?;
    let patch_text = req_str(input, "PatchDocument")?;
    super::check_len("PatchDocument", patch_text, 1, 262_144)?;
    let client_token = token_member(input, "ClientToken", 128)?;
    let fp = fingerprint("UpdateResource", input);
    if let Some(ct) = client_token {
        if let Some(replay) = replay(ctx, ct, &fp)? {
            return Ok(replay);
        }
    }
    let schema = ctx.schema_for(type_name)?;
    let patch: json_patch::Patch = serde_json::from_str(patch_text).map_err(|e| {
        ApiError::new(
            ErrorKind::InvalidRequest,
            format!("Invalid patch document: {e}"),
        )
    })?;
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
        let Some(current) = region.resource(type_name, id) else {
            return Err(ApiError::new(
                ErrorKind::ResourceNotFound,
                not_found(type_name, id),
            ));
        };
        if let Some(holder) = region.in_flight(type_name, id) {
            return Err(concurrent(type_name, id, holder));
        }
        let mut model = current.clone();
        json_patch::patch(&mut model, &patch).map_err(|e| {
            ApiError::new(
                ErrorKind::InvalidRequest,
                format!("Invalid patch update: {e}"),
            )
        })?;
        if let Some(schema) = &schema {
            let create_only = schema.changed_create_only(current, &model);
            if !create_only.is_empty() {
                return Err(ApiError::new(
                    ErrorKind::NotUpdatable,
                    format!(
                        "Invalid patch update: createOnlyProperties [{}] cannot be updated",
                        create_only.join(", ")
                    ),
                ));
            }
            let read_only = schema.changed_read_only(current, &model);
            if !read_only.is_empty() {
                return Err(ApiError::new(
                    ErrorKind::InvalidRequest,
                    format!(
                        "Invalid patch update: readOnlyProperties [{}] cannot be updated",
                        read_only.join(", ")
                    ),
                ));
            }
            schema.validate_update(&model).map_err(model_validation)?;
            // After the checks: the handler, not the caller, moves these.
            schema.touch_read_only(&mut model, std::time::SystemTime::now());
        } else if !model.is_object() {
            return Err(model_validation(
                vec!["#: expected type: JSONObject".into()],
            ));
        }
        let record = region.insert_request(
            NewRequest {
                token,
                type_name: type_name.to_string(),
                identifier: Some(id.to_string()),
                operation: Operation::Update,
                effect: Effect::Update { model },
                schema,
                holds_resource: true,
            },
            client_token.map(|ct| (ct.to_string(), fp)),
            &completion,
            std::time::Instant::now(),
        );
        Ok(json!({ "ProgressEvent": record.event() }))
    })
}
