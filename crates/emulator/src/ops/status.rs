//! GetResourceRequestStatus: the ProgressEvent of a request. Each call counts as one poll,
//! which is what moves a request to its final status under the default completion rule.

use serde_json::{json, Map, Value};

use super::{token_member, Ctx};
use crate::wire::{ApiError, ErrorKind};

pub fn handle(ctx: &Ctx<'_>, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let token = token_member(input, "RequestToken", 128)?
        .ok_or_else(|| ApiError::member_null("RequestToken"))?;
    let completion = ctx.inner.config.completion;
    ctx.with_region(
        |region| match region.poll(token, &completion, std::time::Instant::now()) {
            Some(r) => Ok(json!({ "ProgressEvent": r.event() })),
            None => Err(not_found(token)),
        },
    )
}

/// RequestTokenNotFoundException.
pub fn not_found(token: &str) -> ApiError {
    ApiError::new(
        ErrorKind::RequestTokenNotFound,
        format!("Request with token {token} was not found"),
    )
}
