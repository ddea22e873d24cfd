//! GetResource: the current model of one resource, as a ResourceDescription whose
//! `Properties` is a JSON string (write-only properties are never returned).

use serde_json::{json, Map, Value};

use super::{identifier, type_name, Ctx};
use crate::state::not_found;
use crate::wire::{ApiError, ErrorKind};

pub fn handle(ctx: &Ctx<'_>, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let type_name = type_name(input)?;
    let id = identifier(input)?;
    let schema = ctx.schema_for(type_name)?;
    let model = ctx.with_region(|region| Ok(region.resource(type_name, id).cloned()))?;
    let Some(model) = model else {
        return Err(ApiError::new(
            ErrorKind::ResourceNotFound,
            not_found(type_name, id),
        ));
    };
    let readable = match &schema {
        Some(s) => s.readable(&model),
        None => model,
    };
    Ok(json!({
        "TypeName": type_name,
        "ResourceDescription": { "Identifier": id, "Properties": readable.to_string() },
    }))
}
