//! The write-model seam: how a write's outcome is known. Cloud Control answers a write
//! with a ProgressEvent (status and request token) and finishes it later, so `/*+ AWAIT */`
//! polls it to a final status (`awaiter.rs`). Every other service (native AWS over any
//! protocol, REST providers) is synchronous: a successful answer is the final result, and
//! AWAIT on it returns at once. StackQL's messages stay the same for both: "despatched"
//! without AWAIT, "completed" with it.

use crate::decode::items::progress_event;
use crate::protocol::Answer;
use serde_json::Value;
use stackql_registry::Service;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteModel {
    /// Asynchronous: a ProgressEvent now, a final status through GetResourceRequestStatus.
    CloudControlProgress,
    /// The answer is the outcome.
    Synchronous,
}

impl WriteModel {
    pub fn of(service: &Service) -> WriteModel {
        if service.signing_name.as_deref() == Some("cloudcontrolapi") {
            WriteModel::CloudControlProgress
        } else {
            WriteModel::Synchronous
        }
    }

    /// What the first answer says: the ProgressEvent of an asynchronous write (its absence
    /// is a malformed answer), nothing for a synchronous one (it succeeded by answering).
    pub fn first_event(self, answer: &Answer) -> Result<Value, String> {
        match self {
            WriteModel::CloudControlProgress => progress_event(&answer.to_json()?),
            WriteModel::Synchronous => Ok(Value::Null),
        }
    }
}

/// The status a synchronous write has once it answered successfully.
pub const SYNCHRONOUS_SUCCESS: &str = "SUCCESS";
