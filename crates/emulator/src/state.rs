//! The emulator's state, kept per account and region: resources by type and identifier,
//! resource requests (ProgressEvents) by token, client tokens, and which resources have an
//! operation in flight. Also the life cycle of a request: IN_PROGRESS until the configured
//! number of status reads and/or time, then SUCCESS or FAILED, or CANCEL_COMPLETE.
//!
//! The outcome of an operation is decided when it is requested (an identifier that already
//! exists makes a CREATE fail with AlreadyExists, as AWS's handlers report it), and applied
//! to the resources when the request completes, so a resource appears, changes or disappears
//! exactly when its request reaches SUCCESS.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::config::Completion;
use crate::schema::TypeSchema;
use crate::wire::epoch_seconds;

/// CREATE, UPDATE or DELETE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Create,
    Update,
    Delete,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Create => "CREATE",
            Operation::Update => "UPDATE",
            Operation::Delete => "DELETE",
        }
    }
}

/// The OperationStatus values of a ProgressEvent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Part of AWS's vocabulary; the emulator starts requests IN_PROGRESS, as AWS usually does.
    Pending,
    InProgress,
    Success,
    Failed,
    CancelInProgress,
    CancelComplete,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "PENDING",
            Status::InProgress => "IN_PROGRESS",
            Status::Success => "SUCCESS",
            Status::Failed => "FAILED",
            Status::CancelInProgress => "CANCEL_IN_PROGRESS",
            Status::CancelComplete => "CANCEL_COMPLETE",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "PENDING" => Status::Pending,
            "IN_PROGRESS" => Status::InProgress,
            "SUCCESS" => Status::Success,
            "FAILED" => Status::Failed,
            "CANCEL_IN_PROGRESS" => Status::CancelInProgress,
            "CANCEL_COMPLETE" => Status::CancelComplete,
            _ => return None,
        })
    }

    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Status::Success | Status::Failed | Status::CancelComplete
        )
    }
}

/// What a request does to the resources when it completes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum Effect {
    Create {
        model: Value,
    },
    Update {
        model: Value,
    },
    Delete,
    /// The handler's failure: a HandlerErrorCode and its StatusMessage.
    Fail {
        code: String,
        message: String,
    },
}

/// One resource request, as GetResourceRequestStatus reports it.
#[derive(Debug, Clone)]
pub struct RequestRecord {
    pub token: String,
    pub seq: u64,
    pub type_name: String,
    pub identifier: Option<String>,
    pub operation: Operation,
    pub status: Status,
    pub event_time: SystemTime,
    started: Instant,
    started_wall: SystemTime,
    /// When a time-based completion is due: sent as RetryAfter while the request runs,
    /// telling a client when polling is worth it (as AWS's handlers' callback delay does).
    retry_after: Option<SystemTime>,
    polls: u32,
    effect: Effect,
    holds_resource: bool,
    client_token: Option<String>,
    schema: Option<Arc<TypeSchema>>,
    resource_model: Option<Value>,
    status_message: Option<String>,
    error_code: Option<String>,
}

/// A request as persisted: everything but the schema (looked up again on load) and
/// monotonic instants (kept as wall-clock milliseconds).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredRequest {
    pub token: String,
    pub seq: u64,
    pub type_name: String,
    pub identifier: Option<String>,
    pub operation: String,
    pub status: String,
    pub event_time_ms: u64,
    pub started_ms: u64,
    /// Absent in state files written before RetryAfter was sent.
    #[serde(default)]
    pub retry_after_ms: Option<u64>,
    pub polls: u32,
    pub effect: Effect,
    pub holds_resource: bool,
    pub client_token: Option<String>,
    pub resource_model: Option<Value>,
    pub status_message: Option<String>,
    pub error_code: Option<String>,
}

fn to_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn from_ms(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

impl RequestRecord {
    /// The ProgressEvent JSON. The identifier of a CREATE is shown once it completes, as
    /// AWS's first CREATE event carries none.
    pub fn event(&self) -> Value {
        let mut e = Map::new();
        e.insert("TypeName".into(), self.type_name.clone().into());
        let show_id = self.operation != Operation::Create || self.status == Status::Success;
        if let (true, Some(id)) = (show_id, &self.identifier) {
            e.insert("Identifier".into(), id.clone().into());
        }
        e.insert("RequestToken".into(), self.token.clone().into());
        e.insert("Operation".into(), self.operation.as_str().into());
        e.insert("OperationStatus".into(), self.status.as_str().into());
        e.insert("EventTime".into(), epoch_seconds(self.event_time).into());
        if let (Status::Pending | Status::InProgress, Some(at)) = (self.status, self.retry_after) {
            e.insert("RetryAfter".into(), epoch_seconds(at).into());
        }
        if let Some(model) = &self.resource_model {
            e.insert("ResourceModel".into(), model.to_string().into());
        }
        if let Some(m) = &self.status_message {
            e.insert("StatusMessage".into(), m.clone().into());
        }
        if let Some(c) = &self.error_code {
            e.insert("ErrorCode".into(), c.clone().into());
        }
        Value::Object(e)
    }

    pub fn to_stored(&self) -> StoredRequest {
        StoredRequest {
            token: self.token.clone(),
            seq: self.seq,
            type_name: self.type_name.clone(),
            identifier: self.identifier.clone(),
            operation: self.operation.as_str().to_string(),
            status: self.status.as_str().to_string(),
            event_time_ms: to_ms(self.event_time),
            started_ms: to_ms(self.started_wall),
            retry_after_ms: self.retry_after.map(to_ms),
            polls: self.polls,
            effect: self.effect.clone(),
            holds_resource: self.holds_resource,
            client_token: self.client_token.clone(),
            resource_model: self.resource_model.clone(),
            status_message: self.status_message.clone(),
            error_code: self.error_code.clone(),
        }
    }

    /// Rebuilds a request read back from storage; `None` for one this version cannot read.
    pub fn from_stored(s: StoredRequest, schema: Option<Arc<TypeSchema>>) -> Option<Self> {
        let operation = match s.operation.as_str() {
            "CREATE" => Operation::Create,
            "UPDATE" => Operation::Update,
            "DELETE" => Operation::Delete,
            _ => return None,
        };
        let status = Status::parse(&s.status)?;
        let started_wall = from_ms(s.started_ms);
        // Age on the wall clock becomes age on the monotonic clock.
        let age = SystemTime::now()
            .duration_since(started_wall)
            .unwrap_or_default();
        let now = Instant::now();
        let started = now.checked_sub(age).unwrap_or(now);
        Some(RequestRecord {
            token: s.token,
            seq: s.seq,
            type_name: s.type_name,
            identifier: s.identifier,
            operation,
            status,
            event_time: from_ms(s.event_time_ms),
            started,
            started_wall,
            retry_after: s.retry_after_ms.map(from_ms),
            polls: s.polls,
            effect: s.effect,
            holds_resource: s.holds_resource,
            client_token: s.client_token,
            schema,
            resource_model: s.resource_model,
            status_message: s.status_message,
            error_code: s.error_code,
        })
    }
}

/// A new request, before it is stored.
pub struct NewRequest {
    pub token: String,
    pub type_name: String,
    pub identifier: Option<String>,
    pub operation: Operation,
    pub effect: Effect,
    pub schema: Option<Arc<TypeSchema>>,
    /// Whether the request holds its resource until it completes (failing ones do not).
    pub holds_resource: bool,
}

/// Terminal requests kept per region before the oldest are forgotten (AWS keeps them for
/// 7 days; a benchmark must not grow without bound).
pub const MAX_REQUESTS: usize = 100_000;

/// What changed since the last [`RegionState::take_changes`], for persistence: for each
/// key, its current value (`None`: deleted).
#[derive(Debug, Default)]
pub struct Changes {
    pub resources: Vec<((String, String), Option<Value>)>,
    pub requests: Vec<(String, Option<StoredRequest>)>,
    pub client_tokens: Vec<(String, Option<(String, String)>)>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty() && self.requests.is_empty() && self.client_tokens.is_empty()
    }
}

/// The state of one account in one region.
#[derive(Debug, Default)]
pub struct RegionState {
    /// type -> identifier -> model (with read-only and write-only properties).
    resources: HashMap<String, BTreeMap<String, Value>>,
    requests: HashMap<String, RequestRecord>,
    /// seq -> token, for ListResourceRequests in order and eviction.
    order: BTreeMap<u64, String>,
    next_seq: u64,
    /// (start, token) of requests that complete by time, oldest first; entries of requests
    /// already terminal are skipped when reached.
    timed: VecDeque<(Instant, String)>,
    /// (type, identifier) -> token of the request holding it.
    in_flight: HashMap<(String, String), String>,
    /// client token -> (fingerprint of the request, request token).
    client_tokens: HashMap<String, (String, String)>,
    /// Whether to remember what changed (only when persisting).
    track: bool,
    dirty_resources: HashSet<(String, String)>,
    dirty_requests: HashSet<String>,
    dirty_client_tokens: HashSet<String>,
}

impl RegionState {
    pub fn resource(&self, type_name: &str, identifier: &str) -> Option<&Value> {
        self.resources.get(type_name)?.get(identifier)
    }

    pub fn resources_of(&self, type_name: &str) -> Option<&BTreeMap<String, Value>> {
        self.resources.get(type_name)
    }

    pub fn in_flight(&self, type_name: &str, identifier: &str) -> Option<&str> {
        self.in_flight
            .get(&(type_name.to_string(), identifier.to_string()))
            .map(String::as_str)
    }

    /// Requests newest first, starting before `before_seq` when paging.
    pub fn requests_newest_first(
        &self,
        before_seq: Option<u64>,
    ) -> impl Iterator<Item = &RequestRecord> {
        let upper = before_seq.unwrap_or(u64::MAX);
        self.order
            .range(..upper)
            .rev()
            .filter_map(|(_, t)| self.requests.get(t))
    }

    /// The request a client token names, if its fingerprint matches: `Ok(Some)` to replay,
    /// `Err(())` for a conflicting reuse.
    #[allow(clippy::result_unit_err)]
    pub fn client_token(
        &self,
        client_token: &str,
        fingerprint: &str,
    ) -> Result<Option<&RequestRecord>, ()> {
        match self.client_tokens.get(client_token) {
            None => Ok(None),
            Some((fp, token)) if fp == fingerprint => Ok(self.requests.get(token)),
            Some(_) => Err(()),
        }
    }

    /// Stores a new request and applies it at once when the completion rule allows.
    pub fn insert_request(
        &mut self,
        new: NewRequest,
        client_token: Option<(String, String)>,
        completion: &Completion,
        now: Instant,
    ) -> &RequestRecord {
        let seq = self.next_seq;
        self.next_seq += 1;
        let token = new.token.clone();
        if new.holds_resource {
            if let Some(id) = &new.identifier {
                self.in_flight
                    .insert((new.type_name.clone(), id.clone()), token.clone());
            }
        }
        let client_token_name = client_token.as_ref().map(|(ct, _)| ct.clone());
        if let Some((ct, fingerprint)) = client_token {
            self.mark_client_token(&ct);
            self.client_tokens.insert(ct, (fingerprint, token.clone()));
        }
        let record = RequestRecord {
            token: token.clone(),
            seq,
            type_name: new.type_name,
            identifier: new.identifier,
            operation: new.operation,
            status: Status::InProgress,
            event_time: SystemTime::now(),
            started: now,
            started_wall: SystemTime::now(),
            // Announced only when time alone finishes the request: with reads counted, the
            // next read may already be final.
            retry_after: completion
                .delay
                .filter(|d| !d.is_zero() && completion.polls == 0)
                .map(|d| SystemTime::now() + d),
            polls: 0,
            effect: new.effect,
            holds_resource: new.holds_resource,
            client_token: client_token_name,
            schema: new.schema,
            resource_model: None,
            status_message: None,
            error_code: None,
        };
        self.order.insert(seq, token.clone());
        self.requests.insert(token.clone(), record);
        self.mark_request(&token);
        if completion.is_immediate() {
            self.complete(&token);
        } else if completion.delay.is_some() {
            self.timed.push_back((now, token.clone()));
        }
        self.evict_to(MAX_REQUESTS);
        &self.requests[&token]
    }

    /// Forgets the oldest terminal requests beyond `cap` (and their client tokens).
    fn evict_to(&mut self, cap: usize) {
        while self.requests.len() > cap {
            let Some((&seq, token)) = self.order.iter().next() else {
                break;
            };
            let token = token.clone();
            if !self
                .requests
                .get(&token)
                .is_none_or(|r| r.status.is_terminal())
            {
                // The oldest is still running; keep everything rather than scan.
                break;
            }
            self.order.remove(&seq);
            if let Some(r) = self.requests.remove(&token) {
                if let Some(ct) = r.client_token {
                    self.client_tokens.remove(&ct);
                    self.mark_client_token(&ct);
                }
            }
            self.mark_request(&token);
        }
    }

    /// Completes every request whose time has come, read or not.
    pub fn tick(&mut self, completion: &Completion, now: Instant) {
        let Some(delay) = completion.delay else {
            return;
        };
        while let Some((started, _)) = self.timed.front() {
            if now.duration_since(*started) < delay {
                break;
            }
            if let Some((_, token)) = self.timed.pop_front() {
                self.complete(&token);
            }
        }
    }

    /// A GetResourceRequestStatus read: counts the poll and completes the request if due.
    pub fn poll(
        &mut self,
        token: &str,
        completion: &Completion,
        now: Instant,
    ) -> Option<&RequestRecord> {
        let due = {
            let r = self.requests.get_mut(token)?;
            r.polls = r.polls.saturating_add(1);
            let read_enough = completion.polls > 0 && r.polls >= completion.polls;
            let old_enough = completion
                .delay
                .is_some_and(|d| now.duration_since(r.started) >= d);
            !r.status.is_terminal() && (read_enough || old_enough)
        };
        self.mark_request(token);
        if due {
            self.complete(token);
        }
        self.requests.get(token)
    }

    /// Cancels an in-flight request. `Err(status)` when it is already terminal.
    pub fn cancel(&mut self, token: &str) -> Option<Result<Value, Status>> {
        let r = self.requests.get_mut(token)?;
        if r.status.is_terminal() {
            return Some(Err(r.status));
        }
        r.status = Status::CancelInProgress;
        r.event_time = SystemTime::now();
        // The answer to the cancel says CANCEL_IN_PROGRESS; every later read sees it done.
        let answer = r.event();
        r.status = Status::CancelComplete;
        let key = r.identifier.clone().map(|id| (r.type_name.clone(), id));
        self.release(token, key);
        self.mark_request(token);
        Some(Ok(answer))
    }

    fn release(&mut self, token: &str, key: Option<(String, String)>) {
        if let Some(key) = key {
            if self.in_flight.get(&key).is_some_and(|t| t == token) {
                self.in_flight.remove(&key);
            }
        }
    }

    /// Applies a request's effect and makes it terminal.
    fn complete(&mut self, token: &str) {
        let Some(r) = self.requests.get(token) else {
            return;
        };
        if r.status.is_terminal() {
            return;
        }
        let type_name = r.type_name.clone();
        let identifier = r.identifier.clone();
        let effect = r.effect.clone();
        let schema = r.schema.clone();
        let readable = |m: &Value| match &schema {
            Some(s) => s.readable(m),
            None => m.clone(),
        };
        let id = identifier.clone().unwrap_or_default();
        let resources = self.resources.entry(type_name.clone()).or_default();
        let mut touched = true;
        let outcome: Result<Option<Value>, (String, String)> = match effect {
            Effect::Create { model } => {
                if resources.contains_key(&id) {
                    touched = false;
                    Err(("AlreadyExists".into(), already_exists(&type_name, &id)))
                } else {
                    let shown = readable(&model);
                    resources.insert(id.clone(), model);
                    Ok(Some(shown))
                }
            }
            Effect::Update { model } => match resources.get_mut(&id) {
                Some(slot) => {
                    let shown = readable(&model);
                    *slot = model;
                    Ok(Some(shown))
                }
                None => {
                    touched = false;
                    Err(("NotFound".into(), not_found(&type_name, &id)))
                }
            },
            Effect::Delete => match resources.remove(&id) {
                Some(_) => Ok(None),
                None => {
                    touched = false;
                    Err(("NotFound".into(), not_found(&type_name, &id)))
                }
            },
            Effect::Fail { code, message } => {
                touched = false;
                Err((code, message))
            }
        };
        if touched {
            self.mark_resource(&type_name, &id);
        }
        let r = self.requests.get_mut(token).expect("request present");
        r.event_time = SystemTime::now();
        match outcome {
            Ok(model) => {
                r.status = Status::Success;
                r.resource_model = model;
            }
            Err((code, message)) => {
                r.status = Status::Failed;
                r.error_code = Some(code);
                r.status_message = Some(message);
            }
        }
        let key = identifier.map(|id| (type_name, id));
        self.release(token, key);
        self.mark_request(token);
    }

    /// Inserts a resource directly (seeding, loading), bypassing requests.
    pub fn put_resource(&mut self, type_name: &str, identifier: &str, model: Value) {
        self.resources
            .entry(type_name.to_string())
            .or_default()
            .insert(identifier.to_string(), model);
        self.mark_resource(type_name, identifier);
    }

    /// Restores a persisted request (and what it holds), without marking it changed.
    pub fn restore_request(&mut self, r: RequestRecord, completion: &Completion) {
        self.next_seq = self.next_seq.max(r.seq + 1);
        if !r.status.is_terminal() {
            if r.holds_resource {
                if let Some(id) = &r.identifier {
                    self.in_flight
                        .insert((r.type_name.clone(), id.clone()), r.token.clone());
                }
            }
            if completion.delay.is_some() {
                self.timed.push_back((r.started, r.token.clone()));
            }
        }
        self.order.insert(r.seq, r.token.clone());
        self.requests.insert(r.token.clone(), r);
    }

    /// Restores a persisted client token.
    pub fn restore_client_token(
        &mut self,
        client_token: String,
        fingerprint: String,
        token: String,
    ) {
        self.client_tokens
            .insert(client_token, (fingerprint, token));
    }

    /// Sorts the time-completed queue after loading (requests arrive in any order).
    pub fn finish_restore(&mut self) {
        self.timed.make_contiguous().sort();
    }

    /// Starts remembering changes, for persistence.
    pub fn track_changes(&mut self) {
        self.track = true;
    }

    fn mark_resource(&mut self, type_name: &str, id: &str) {
        if self.track {
            self.dirty_resources
                .insert((type_name.to_string(), id.to_string()));
        }
    }

    fn mark_request(&mut self, token: &str) {
        if self.track {
            self.dirty_requests.insert(token.to_string());
        }
    }

    fn mark_client_token(&mut self, ct: &str) {
        if self.track {
            self.dirty_client_tokens.insert(ct.to_string());
        }
    }

    /// What changed since the last call, with current values.
    pub fn take_changes(&mut self) -> Changes {
        let mut changes = Changes::default();
        for key in std::mem::take(&mut self.dirty_resources) {
            let v = self.resource(&key.0, &key.1).cloned();
            changes.resources.push((key, v));
        }
        for token in std::mem::take(&mut self.dirty_requests) {
            let v = self.requests.get(&token).map(RequestRecord::to_stored);
            changes.requests.push((token, v));
        }
        for ct in std::mem::take(&mut self.dirty_client_tokens) {
            let v = self.client_tokens.get(&ct).cloned();
            changes.client_tokens.push((ct, v));
        }
        changes
    }
}

/// StatusMessage of a CREATE whose resource exists, as CloudFormation handlers word it.
pub fn already_exists(type_name: &str, id: &str) -> String {
    format!("Resource of type '{type_name}' with identifier '{id}' already exists.")
}

/// Message for a resource that does not exist, as CloudFormation handlers word it.
pub fn not_found(type_name: &str, id: &str) -> String {
    format!("Resource of type '{type_name}' with identifier '{id}' was not found.")
}

/// All accounts and regions, and where they are persisted.
#[derive(Debug, Default)]
pub struct Store {
    regions: HashMap<(String, String), RegionState>,
    persist: Option<crate::persist::Persistence>,
}

impl Store {
    /// A store kept in `persistence`, starting from what it holds.
    pub fn persistent(
        mut persistence: crate::persist::Persistence,
        catalog: &crate::catalog::Catalog,
        completion: &Completion,
    ) -> Result<Self, crate::EmulatorError> {
        let mut regions = persistence.load(catalog, completion)?;
        for r in regions.values_mut() {
            r.track_changes();
        }
        Ok(Store {
            regions,
            persist: Some(persistence),
        })
    }

    pub fn region(&mut self, account: &str, region: &str) -> &mut RegionState {
        let track = self.persist.is_some();
        self.regions
            .entry((account.to_string(), region.to_string()))
            .or_insert_with(|| {
                let mut r = RegionState::default();
                if track {
                    r.track_changes();
                }
                r
            })
    }

    /// Writes what changed in one region (a no-op without persistence). Called under the
    /// store's lock before a response is sent, so an acknowledged change is on disk.
    pub fn save(
        &mut self,
        account: &str,
        region: &str,
    ) -> Result<(), crate::persist::PersistError> {
        let Some(p) = &mut self.persist else {
            return Ok(());
        };
        let Some(r) = self
            .regions
            .get_mut(&(account.to_string(), region.to_string()))
        else {
            return Ok(());
        };
        let changes = r.take_changes();
        if changes.is_empty() {
            return Ok(());
        }
        p.save(account, region, &changes)
    }

    /// Forgets everything (the admin reset), on disk too.
    pub fn clear(&mut self) -> Result<(), crate::persist::PersistError> {
        self.regions.clear();
        match &mut self.persist {
            Some(p) => p.clear(),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::time::Duration;

    fn create(token: &str, id: &str) -> NewRequest {
        NewRequest {
            token: token.into(),
            type_name: "AWS::X::Y".into(),
            identifier: Some(id.into()),
            operation: Operation::Create,
            effect: Effect::Create {
                model: json!({"Name": id}),
            },
            schema: None,
            holds_resource: true,
        }
    }

    #[test]
    fn completes_after_polls() {
        let mut r = RegionState::default();
        let c = Completion {
            polls: 2,
            delay: None,
        };
        let now = Instant::now();
        let rec = r.insert_request(create("t1", "a"), None, &c, now);
        assert_eq!(rec.status, Status::InProgress);
        assert!(rec.event().get("Identifier").is_none());
        // Completion by polls only: no time to announce.
        assert!(rec.event().get("RetryAfter").is_none());
        assert_eq!(r.in_flight("AWS::X::Y", "a"), Some("t1"));
        assert_eq!(r.poll("t1", &c, now).unwrap().status, Status::InProgress);
        assert!(r.resource("AWS::X::Y", "a").is_none());
        let done = r.poll("t1", &c, now).unwrap();
        assert_eq!(done.status, Status::Success);
        assert_eq!(done.event()["Identifier"], "a");
        assert!(r.resource("AWS::X::Y", "a").is_some());
        assert_eq!(r.in_flight("AWS::X::Y", "a"), None);
    }

    #[test]
    fn completes_by_time_without_polls() {
        let mut r = RegionState::default();
        let c = Completion {
            polls: 0,
            delay: Some(Duration::from_millis(50)),
        };
        let now = Instant::now();
        let event = r.insert_request(create("t1", "a"), None, &c, now).event();
        // RetryAfter: when completion is due, 50 ms after the event.
        let wait = event["RetryAfter"].as_f64().unwrap() - event["EventTime"].as_f64().unwrap();
        assert!((0.045..0.06).contains(&wait), "{event}");
        r.tick(&c, now);
        assert!(r.resource("AWS::X::Y", "a").is_none());
        r.tick(&c, now + Duration::from_millis(60));
        assert!(r.resource("AWS::X::Y", "a").is_some());
        let done = r.poll("t1", &c, now).unwrap().event();
        assert!(done.get("RetryAfter").is_none(), "{done}");
    }

    #[test]
    fn the_default_completes_on_the_first_read_or_unread_after_the_delay() {
        let mut r = RegionState::default();
        let c = Completion::default();
        let now = Instant::now();
        r.insert_request(create("t1", "a"), None, &c, now);
        r.insert_request(create("t2", "b"), None, &c, now);
        // Read once: final at once.
        assert_eq!(r.poll("t1", &c, now).unwrap().status, Status::Success);
        // Never read: still running before the delay, done after it.
        r.tick(&c, now + Duration::from_millis(100));
        assert!(r.resource("AWS::X::Y", "b").is_none());
        r.tick(&c, now + crate::config::DEFAULT_COMPLETION_DELAY);
        assert!(r.resource("AWS::X::Y", "b").is_some());
    }

    #[test]
    fn oldest_finished_requests_are_forgotten() {
        let mut r = RegionState::default();
        r.track_changes();
        let c = Completion::immediate();
        let now = Instant::now();
        for i in 0..4 {
            let ct = Some((format!("ct{i}"), format!("fp{i}")));
            r.insert_request(create(&format!("t{i}"), &format!("r{i}")), ct, &c, now);
        }
        let _ = r.take_changes();
        r.evict_to(2);
        assert!(r.poll("t0", &c, now).is_none());
        assert!(r.poll("t1", &c, now).is_none());
        assert!(r.poll("t3", &c, now).is_some());
        assert!(matches!(r.client_token("ct0", "fp0"), Ok(None)));
        // Resources stay; the forgotten requests and tokens are deletions to persist.
        assert!(r.resource("AWS::X::Y", "r0").is_some());
        let changes = r.take_changes();
        assert!(changes
            .requests
            .iter()
            .any(|(t, v)| t == "t0" && v.is_none()));
        assert!(changes
            .client_tokens
            .iter()
            .any(|(t, v)| t == "ct0" && v.is_none()));
    }

    #[test]
    fn cancel_keeps_resources_untouched() {
        let mut r = RegionState::default();
        let c = Completion::default();
        let now = Instant::now();
        r.insert_request(create("t1", "a"), None, &c, now);
        let answer = r.cancel("t1").unwrap().unwrap();
        assert_eq!(answer["OperationStatus"], "CANCEL_IN_PROGRESS");
        assert_eq!(
            r.poll("t1", &c, now).unwrap().status,
            Status::CancelComplete
        );
        assert!(r.resource("AWS::X::Y", "a").is_none());
        assert_eq!(r.cancel("t1").unwrap().unwrap_err(), Status::CancelComplete);
    }
}
