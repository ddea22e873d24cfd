//! ListResources: one page of a type's resources in identifier order. `NextToken` is an
//! opaque cursor (the last identifier returned) and is omitted on the last page. A
//! `ResourceModel` in the request keeps the resources whose properties contain its values,
//! which is how AWS scopes child types to their parent.

use std::ops::Bound;

use serde_json::{json, Map, Value};

use super::{max_results, opt_str, type_name, Ctx};
use crate::ids::{decode_token, encode_token};
use crate::wire::{ApiError, ErrorKind};

pub fn handle(ctx: &Ctx<'_>, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let type_name = type_name(input)?;
    let page = max_results(input)?
        .map_or(ctx.inner.config.page_size, |m| {
            m.min(ctx.inner.config.page_size)
        })
        .max(1);
    let after = match opt_str(input, "NextToken")? {
        None => None,
        Some(t) => Some(
            decode_token(t)
                .and_then(|c| {
                    c.strip_prefix(&format!("{type_name}\u{1}"))
                        .map(str::to_string)
                })
                .ok_or_else(|| {
                    ApiError::new(ErrorKind::InvalidRequest, "The NextToken is not valid.")
                })?,
        ),
    };
    let filter: Option<Value> = match opt_str(input, "ResourceModel")? {
        None => None,
        Some(text) => Some(serde_json::from_str(text).map_err(|e| {
            ApiError::new(
                ErrorKind::InvalidRequest,
                format!("ResourceModel is not valid JSON: {e}"),
            )
        })?),
    };
    let schema = ctx.schema_for(type_name)?;
    let (items, more) = ctx.with_region(|region| {
        let Some(all) = region.resources_of(type_name) else {
            return Ok((Vec::new(), false));
        };
        let lower = match &after {
            Some(a) => Bound::Excluded(a.clone()),
            None => Bound::Unbounded,
        };
        let mut iter = all
            .range((lower, Bound::Unbounded))
            .filter(|(_, m)| filter.as_ref().is_none_or(|f| contains(m, f)));
        let items: Vec<(String, Value)> = iter
            .by_ref()
            .take(page)
            .map(|(id, m)| (id.clone(), m.clone()))
            .collect();
        let more = iter.next().is_some();
        Ok((items, more))
    })?;
    let next = if more {
        items
            .last()
            .map(|(id, _)| encode_token(&format!("{type_name}\u{1}{id}")))
    } else {
        None
    };
    let descriptions: Vec<Value> = items
        .into_iter()
        .map(|(id, m)| {
            let m = match &schema {
                Some(s) => s.readable(&m),
                None => m,
            };
            json!({ "Identifier": id, "Properties": m.to_string() })
        })
        .collect();
    let mut out = json!({ "TypeName": type_name, "ResourceDescriptions": descriptions });
    if let Some(n) = next {
        out["NextToken"] = Value::String(n);
    }
    Ok(out)
}

/// Whether `model` has every property of `filter` with an equal value.
fn contains(model: &Value, filter: &Value) -> bool {
    match (model, filter) {
        (Value::Object(m), Value::Object(f)) => f
            .iter()
            .all(|(k, v)| m.get(k).is_some_and(|mv| contains(mv, v))),
        (a, b) => a == b,
    }
}
