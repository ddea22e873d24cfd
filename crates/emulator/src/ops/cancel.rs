//! CancelResourceRequest: cancels a request that has not finished; its resource is left as
//! it was. The answer says CANCEL_IN_PROGRESS and later reads say CANCEL_COMPLETE. A
//! request that already finished cannot be cancelled: the model's only error for that is
//! ConcurrentModificationException (a 500 fault).

use serde_json::{json, Map, Value};

use super::{token_member, Ctx};
use crate::wire::{ApiError, ErrorKind};

pub fn handle(ctx: &Ctx<'_>, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let token = token_member(input, "RequestToken", 128)?
        .ok_or_else(|| ApiError::member_null("RequestToken"))?;
    ctx.with_region(|region| match region.cancel(token) {
        None => Err(super::status::not_found(token)),
        Some(Ok(event)) => Ok(json!({ "ProgressEvent": event })),
        Some(Err(status)) => Err(ApiError::new(
            ErrorKind::ConcurrentModification,
            format!(
                "Resource request {token} cannot be cancelled because it is in status {}.",
                status.as_str()
            ),
        )),
    })
}
