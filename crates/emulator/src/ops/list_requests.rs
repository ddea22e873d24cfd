//! ListResourceRequests: the region's requests, newest first, filtered by operation and
//! status (`ResourceRequestStatusFilter`), paged with an opaque NextToken.

use serde_json::{json, Map, Value};

use super::{max_results, token_member, Ctx};
use crate::ids::{decode_token, encode_token};
use crate::wire::{ApiError, ErrorKind};

const OPERATIONS: [&str; 3] = ["CREATE", "DELETE", "UPDATE"];
const STATUSES: [&str; 6] = [
    "PENDING",
    "IN_PROGRESS",
    "SUCCESS",
    "FAILED",
    "CANCEL_IN_PROGRESS",
    "CANCEL_COMPLETE",
];

pub fn handle(ctx: &Ctx<'_>, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let page = max_results(input)?
        .map_or(ctx.inner.config.page_size, |m| {
            m.min(ctx.inner.config.page_size)
        })
        .max(1);
    let before = match token_member(input, "NextToken", 2048)? {
        None => None,
        Some(t) => Some(
            decode_token(t)
                .and_then(|c| {
                    c.strip_prefix("requests\u{1}")
                        .and_then(|s| s.parse::<u64>().ok())
                })
                .ok_or_else(|| {
                    ApiError::new(ErrorKind::InvalidRequest, "The NextToken is not valid.")
                })?,
        ),
    };
    let filter = input
        .get("ResourceRequestStatusFilter")
        .and_then(Value::as_object);
    let operations = enum_list(filter, "Operations", &OPERATIONS)?;
    let statuses = enum_list(filter, "OperationStatuses", &STATUSES)?;
    let (events, next) = ctx.with_region(|region| {
        let mut iter = region.requests_newest_first(before).filter(|r| {
            operations
                .as_ref()
                .is_none_or(|o| o.contains(&r.operation.as_str()))
                && statuses
                    .as_ref()
                    .is_none_or(|s| s.contains(&r.status.as_str()))
        });
        let page_items: Vec<(u64, Value)> = iter
            .by_ref()
            .take(page)
            .map(|r| (r.seq, r.event()))
            .collect();
        let more = iter.next().is_some();
        let next = if more {
            page_items
                .last()
                .map(|(seq, _)| encode_token(&format!("requests\u{1}{seq}")))
        } else {
            None
        };
        Ok((
            page_items.into_iter().map(|(_, e)| e).collect::<Vec<_>>(),
            next,
        ))
    })?;
    let mut out = json!({ "ResourceRequestStatusSummaries": events });
    if let Some(n) = next {
        out["NextToken"] = Value::String(n);
    }
    Ok(out)
}

/// A list of enum strings from the filter; `None` when absent or empty (no filtering).
fn enum_list(
    filter: Option<&Map<String, Value>>,
    member: &str,
    allowed: &[&'static str],
) -> Result<Option<Vec<&'static str>>, ApiError> {
    let Some(list) = filter.and_then(|f| f.get(member)) else {
        return Ok(None);
    };
    let Some(items) = list.as_array() else {
        return Err(ApiError::new(
            ErrorKind::Serialization,
            format!("Unexpected value for {member}: expected a list"),
        ));
    };
    let mut out = Vec::new();
    for item in items {
        let s = item.as_str().unwrap_or_default();
        match allowed.iter().find(|a| **a == s) {
            Some(a) => out.push(*a),
            None => {
                return Err(ApiError::member_constraint(
                    &format!("resourceRequestStatusFilter.{}", member),
                    s,
                    &format!(
                        "Member must satisfy enum value set: [{}]",
                        allowed.join(", ")
                    ),
                ))
            }
        }
    }
    Ok(if out.is_empty() { None } else { Some(out) })
}
