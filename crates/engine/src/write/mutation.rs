//! INSERT, UPDATE, DELETE and EXEC, planned from the statement: the method is the first of
//! the verb's methods whose required parameters the statement supplies, parameters come
//! from WHERE (or `@` arguments), bodies from columns. Every request is built and checked
//! before the first one is sent; then they go out concurrently and, with `/*+ AWAIT */`,
//! each is followed to its final status.

use crate::context::Context;
use crate::decode::values::{cell_to_sql, json_to_sql, sql_to_cell};
use crate::error::{CallError, EngineError, FailedCall};
use crate::plan::request::{build_request, CallValues, Intent, PreparedRequest};
use crate::protocol::paging::Paging;
use crate::protocol::{self, ReadSpec};
use crate::rows::vtab::cartesian;
use crate::session::ProgressEvent;
use crate::write::awaiter::{await_final, AwaitError};
use crate::write::model::{WriteModel, SYNCHRONOUS_SUCCESS};
use crate::{example_predicate, Engine, Outcome};
use futures::stream::{self, StreamExt};
use rusqlite::types::Value as SqlValue;
use serde_json::Value;
use stackql_output::ResultSet;
use stackql_registry::{closest_names, Method, ParamLocation, Resource, Service, SqlVerb};
use stackql_sql::{Literal, Predicate, QualifiedName, Statement};
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::Arc;

/// What StackQL prints on stderr once a statement that returns no rows has run: one line
/// per request for provider writes, one per statement otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Completion {
    /// INSERT, UPDATE, DELETE or EXEC sent to a provider: despatched, or completed when
    /// the statement awaited it.
    ProviderWrite,
    /// CREATE or DROP of a user view, materialized view or table.
    Ddl,
    /// INSERT into a user table.
    TableInsert,
    /// UPDATE or DELETE of a user table (StackQL runs it as a native statement).
    NativeExec,
    /// REFRESH MATERIALIZED VIEW.
    Refresh,
    /// REGISTRY PULL: the status says what was installed.
    Installed,
}

/// What one request of a mutation did.
#[derive(Clone, Debug, PartialEq)]
pub struct MutationResult {
    pub verb: &'static str,
    pub target: String,
    pub completion: Completion,
    pub operation: Option<String>,
    pub type_name: Option<String>,
    pub identifier: Option<String>,
    pub request_token: Option<String>,
    pub status: Option<String>,
    pub status_message: Option<String>,
    pub error_code: Option<String>,
    /// Whether `status` is final because the statement awaited it.
    pub awaited: bool,
}

impl MutationResult {
    /// StackQL's message for this request or statement, word for word (scripts and
    /// pystackql read it from stderr).
    pub fn message(&self) -> String {
        match self.completion {
            Completion::ProviderWrite if self.awaited => "The operation completed successfully",
            Completion::ProviderWrite => "The operation was despatched successfully",
            Completion::Ddl => "DDL Execution Completed",
            Completion::TableInsert => "insert into table completed",
            Completion::NativeExec => "exec completed",
            Completion::Refresh => "refresh materialized view completed",
            Completion::Installed => return self.status.clone().unwrap_or_default(),
        }
        .to_string()
    }

    /// The lines a front end shows: StackQL's message, then (`detailed`: `-v`, or a report
    /// of what an interrupted statement had sent) what was done to which target, with the
    /// request token and last known status.
    pub fn report_lines(&self, detailed: bool) -> Vec<String> {
        let mut lines = vec![self.message()];
        if detailed && self.completion != Completion::Installed {
            let mut line = format!("  {}", self.summary());
            if self.completion == Completion::ProviderWrite && !self.awaited && self.awaitable() {
                line.push_str("; add /*+ AWAIT */ to wait for the outcome");
            }
            lines.push(line);
        }
        lines
    }

    /// Whether AWAIT would change anything: only an asynchronous write (Cloud Control's,
    /// `WriteModel::CloudControlProgress`) answers with a request token to follow; a
    /// synchronous write's answer is already its outcome.
    fn awaitable(&self) -> bool {
        self.request_token.is_some()
    }

    fn summary(&self) -> String {
        let mut s = format!("{} {}", self.verb, self.target);
        if let Some(id) = &self.identifier {
            s.push_str(&format!(" identifier {id}"));
        }
        if let Some(st) = &self.status {
            s.push_str(&format!(": {st}"));
        }
        if let Some(t) = &self.request_token {
            s.push_str(&format!(" (request token {t})"));
        }
        s
    }
}

pub fn run(engine: &mut Engine, statement: Statement) -> Result<Outcome, EngineError> {
    match statement {
        Statement::Insert {
            target,
            columns,
            source_sql,
            force_string,
            source_tables,
            hints,
        } => {
            let supplied: BTreeSet<String> = columns.iter().cloned().collect();
            let (service, resource, method) =
                plan(engine, &target, SqlVerb::Insert, "INSERT INTO", &supplied, |m| {
                    format!(
                        "add {} to the column list, e.g. INSERT INTO {target} (..., {m}) SELECT ..., {}",
                        if m.contains(',') { "them" } else { "it" },
                        example_value(m)
                    )
                })?;
            let method = resource.method(&method)?;
            // The source runs first, in SQLite: it may itself read provider tables.
            let rows = engine.query(&source_sql, &source_tables)?;
            if rows.columns.len() != columns.len() {
                return Err(EngineError::Invalid(format!(
                    "INSERT INTO {target} names {} column(s) but its SELECT/VALUES produces {}",
                    columns.len(),
                    rows.columns.len()
                )));
            }
            let mut calls = Vec::new();
            for row in &rows.rows {
                let mut call = CallValues::default();
                for (i, (col, cell)) in columns.iter().zip(row).enumerate() {
                    call.set(col, cell_to_sql(cell));
                    if force_string.get(i).copied().unwrap_or(false) {
                        call.forced.insert(col.clone());
                    }
                }
                calls.push(call);
            }
            send_all(
                engine,
                &service,
                &target,
                method,
                calls,
                "INSERT",
                hints.await_completion,
            )
        }
        Statement::Delete {
            target,
            predicates,
            hints,
        } => {
            let supplied: BTreeSet<String> =
                predicates.iter().map(|p| p.column().to_string()).collect();
            let (service, resource, method) = plan(
                engine,
                &target,
                SqlVerb::Delete,
                "DELETE FROM",
                &supplied,
                where_how,
            )?;
            let method = resource.method(&method)?;
            let calls = calls_from_predicates(&predicates, &CallValues::default());
            send_all(
                engine,
                &service,
                &target,
                method,
                calls,
                "DELETE",
                hints.await_completion,
            )
        }
        Statement::Update {
            target,
            assignments,
            predicates,
            hints,
        } => {
            let mut supplied: BTreeSet<String> =
                predicates.iter().map(|p| p.column().to_string()).collect();
            supplied.extend(assignments.iter().map(|a| a.column.clone()));
            let (service, resource, method) =
                plan(engine, &target, SqlVerb::Update, "UPDATE", &supplied, where_how)?;
            let method = resource.method(&method)?;
            let mut base = CallValues::default();
            if !assignments.is_empty() {
                let select = format!(
                    "SELECT {}",
                    assignments
                        .iter()
                        .map(|a| a.expr_sql.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                let values = engine.query(&select, &[])?;
                let row = values.rows.first().cloned().unwrap_or_default();
                for (a, cell) in assignments.iter().zip(row) {
                    base.set(&a.column, cell_to_sql(&cell));
                    if a.force_string {
                        base.forced.insert(a.column.clone());
                    }
                }
            }
            let calls = calls_from_predicates(&predicates, &base);
            send_all(
                engine,
                &service,
                &target,
                method,
                calls,
                "UPDATE",
                hints.await_completion,
            )
        }
        Statement::Exec {
            target,
            method,
            args,
            json_body,
            hints,
        } => {
            let (service, resource) = resolve(engine, &target)?;
            let method = resource.method(&method)?;
            let mut call = CallValues::default();
            if let Some(body) = &json_body {
                let parsed: Value = serde_json::from_str(body)
                    .map_err(|e| EngineError::Invalid(format!("@@json is not valid JSON: {e}")))?;
                call.raw_body = Some(parsed);
            }
            for a in &args {
                if method.param(&a.name).is_none() && !method.ignores_column(&a.name) {
                    return Err(unknown_column(method, &a.name, &target, "EXEC"));
                }
                call.set(&a.name, literal_to_sql(&a.value));
            }
            let body_fields: BTreeSet<String> = call
                .raw_body
                .as_ref()
                .and_then(Value::as_object)
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default();
            let missing = method.missing_params(|p| {
                call.values.keys().any(|k| p.answers_to(k))
                    || matches!(&p.location, ParamLocation::Body { field } if body_fields.contains(field))
            });
            if !missing.is_empty() {
                return Err(EngineError::MissingParams {
                    table: format!("{target}.{}", method.name),
                    how: format!("pass it as @{}='...'", missing[0]),
                    missing,
                });
            }
            let label = format!("{target}.{}", method.name);
            // Only a method the registry lists under sqlVerbs.select is known to just
            // read, and only then may it be sent again.
            let is_select = resource
                .methods_for(SqlVerb::Select)
                .iter()
                .any(|m| m.name == method.name);
            let intent = if is_select {
                Intent::Read
            } else {
                Intent::Write
            };
            let req = build_request(
                &label,
                &service,
                method,
                &call,
                engine.ctx.endpoints.as_ref(),
                intent,
            )
            .map_err(EngineError::Invalid)?;
            // A read (a SELECT method, or an EXEC-only method whose rows are not a
            // ProgressEvent) returns rows; anything else is a mutation to report or await.
            let is_exec_only = resource
                .methods_for(SqlVerb::Exec)
                .iter()
                .any(|m| m.name == method.name);
            let returns_rows = is_select
                || (is_exec_only
                    && method
                        .response
                        .object_key
                        .as_deref()
                        .is_some_and(|k| k != "$.ProgressEvent"));
            if returns_rows {
                if engine.ctx.with_state(|s| s.explain) {
                    return Ok(Outcome::Rows(crate::plan::explain::requests_result(&[req], "")));
                }
                return exec_rows(engine, &service, method, &req);
            }
            let calls = vec![call];
            send_all(
                engine,
                &service,
                &target,
                method,
                calls,
                "EXEC",
                hints.await_completion,
            )
        }
        Statement::Query { .. } | Statement::Explain(_) => {
            unreachable!("queries and EXPLAIN are not mutations")
        }
        // Reached through EXPLAIN only: discovery is answered from the registry, no calls.
        Statement::Discovery(_) => Err(EngineError::Invalid(
            "SHOW and DESCRIBE make no API calls; there is nothing to EXPLAIN".into(),
        )),
        Statement::User(_) | Statement::Registry(_) => Err(EngineError::Invalid(
            "EXPLAIN covers queries and provider mutations; user views, tables and REGISTRY are not explained".into(),
        )),
    }
}

/// The method an INSERT/UPDATE/DELETE uses: the first of the verb's methods whose required
/// parameters `supplied` covers, with every supplied column known to it. Returns the
/// method's name (it borrows from the resource, which the caller keeps).
fn plan(
    engine: &Engine,
    target: &QualifiedName,
    verb: SqlVerb,
    verb_text: &str,
    supplied: &BTreeSet<String>,
    how: impl Fn(&str) -> String,
) -> Result<(Arc<Service>, Arc<Resource>, String), EngineError> {
    let (service, resource) = resolve(engine, target)?;
    let methods = verb_methods(&resource, verb, target)?;
    let method = choose_method(&methods, supplied, target, verb_text, how)?;
    check_columns(method, supplied, target, verb_text)?;
    let name = method.name.clone();
    Ok((service, resource, name))
}

fn resolve(
    engine: &Engine,
    target: &QualifiedName,
) -> Result<(Arc<Service>, Arc<Resource>), EngineError> {
    Ok(engine
        .ctx
        .registry
        .resource(&target.provider, &target.service, &target.resource)?)
}

fn verb_methods<'r>(
    resource: &'r Resource,
    verb: SqlVerb,
    target: &QualifiedName,
) -> Result<Vec<&'r Method>, EngineError> {
    let methods = resource.methods_for(verb);
    if methods.is_empty() {
        let other: Vec<&str> = [
            SqlVerb::Select,
            SqlVerb::Insert,
            SqlVerb::Update,
            SqlVerb::Delete,
        ]
        .into_iter()
        .filter(|v| {
            *v != verb
                && (!resource.methods_for(*v).is_empty()
                    || (*v == SqlVerb::Select && resource.select_view().is_some()))
        })
        .map(|v| v.name())
        .collect();
        return Err(EngineError::Invalid(format!(
            "{target} does not support {} (it supports: {})",
            verb.name(),
            if other.is_empty() {
                "nothing".to_string()
            } else {
                other.join(", ")
            }
        )));
    }
    Ok(methods)
}

fn where_how(m: &str) -> String {
    let first = m.split(", ").next().unwrap_or(m);
    format!(
        "supply {} in WHERE, e.g. {}",
        if m.contains(',') { "them" } else { "it" },
        example_predicate(first, None)
    )
}

/// The example value of the first of `missing` (a list joined with ", ").
fn example_value(missing: &str) -> String {
    let first = missing.split(", ").next().unwrap_or(missing);
    match crate::example_default(first, None) {
        Some(v) => format!("'{v}'"),
        None => "'<value>'".into(),
    }
}

/// The first method whose required parameters are all supplied.
fn choose_method<'m>(
    methods: &[&'m Method],
    supplied: &BTreeSet<String>,
    target: &QualifiedName,
    verb: &str,
    how: impl Fn(&str) -> String,
) -> Result<&'m Method, EngineError> {
    let mut best: Option<Vec<String>> = None;
    for m in methods {
        let mut missing = m.missing_params(|p| supplied.iter().any(|c| p.answers_to(c)));
        if let Some(obj) = m.required_nested_object() {
            let any = m.params.iter().any(|p| {
                matches!(&p.location, ParamLocation::BodyNested { parent, .. } if parent == obj)
                    && supplied.iter().any(|c| p.answers_to(c))
            });
            if !any {
                missing.push(format!("{obj} (at least one of its properties)"));
            }
        }
        if missing.is_empty() {
            return Ok(m);
        }
        if best.as_ref().is_none_or(|b| missing.len() < b.len()) {
            best = Some(missing);
        }
    }
    let missing = best.unwrap_or_default();
    Err(EngineError::MissingParams {
        table: format!("{verb} {target}"),
        how: how(&missing.join(", ")),
        missing,
    })
}

fn check_columns(
    method: &Method,
    supplied: &BTreeSet<String>,
    target: &QualifiedName,
    verb: &str,
) -> Result<(), EngineError> {
    for col in supplied {
        if method.param(col).is_none() && !method.ignores_column(col) {
            return Err(unknown_column(method, col, target, verb));
        }
    }
    Ok(())
}

fn unknown_column(method: &Method, col: &str, target: &QualifiedName, verb: &str) -> EngineError {
    let names: Vec<&str> = method.params.iter().map(|p| p.name.as_str()).collect();
    let suggestions = closest_names(col, names.iter().copied());
    EngineError::Invalid(format!(
        "unknown column '{col}' for {verb} {target} (method {}){}; its columns are: {}",
        method.name,
        match suggestions.as_slice() {
            [] => String::new(),
            s => format!("; did you mean {}?", s.join(" or ")),
        },
        names.join(", ")
    ))
}

/// One call per combination of predicate values (IN lists multiply).
fn calls_from_predicates(predicates: &[Predicate], base: &CallValues) -> Vec<CallValues> {
    let columns: Vec<(String, Vec<SqlValue>)> = predicates
        .iter()
        .map(|p| {
            (
                p.column().to_string(),
                p.values().iter().map(literal_to_sql).collect(),
            )
        })
        .collect();
    cartesian(&columns)
        .into_iter()
        .map(|combo| {
            let mut call = base.clone();
            for (name, v) in combo {
                call.set(&name, v);
            }
            call
        })
        .collect()
}

fn literal_to_sql(l: &Literal) -> SqlValue {
    match l {
        Literal::Null => SqlValue::Null,
        Literal::Bool(b) => SqlValue::Text(b.to_string()),
        Literal::Integer(i) => SqlValue::Integer(*i),
        Literal::Real(r) => SqlValue::Real(*r),
        Literal::Text(s) => SqlValue::Text(s.clone()),
    }
}

/// Builds every request (so a bad row fails before anything is sent), sends them
/// concurrently, then awaits each when asked to.
fn send_all(
    engine: &Engine,
    service: &Service,
    target: &QualifiedName,
    method: &Method,
    calls: Vec<CallValues>,
    verb: &'static str,
    await_completion: bool,
) -> Result<Outcome, EngineError> {
    let label = format!("{target}.{}", method.name);
    let mut requests = Vec::with_capacity(calls.len());
    for (i, call) in calls.iter().enumerate() {
        let req = build_request(
            &label,
            service,
            method,
            call,
            engine.ctx.endpoints.as_ref(),
            Intent::Write,
        )
        .map_err(|e| {
            EngineError::Invalid(if calls.len() > 1 {
                format!("row {}: {e}", i + 1)
            } else {
                e
            })
        })?;
        requests.push(req);
    }
    if engine.ctx.with_state(|s| s.explain) {
        let note =
            if await_completion && WriteModel::of(service) == WriteModel::CloudControlProgress {
                "then polls GetResourceRequestStatus until a final status"
            } else {
                ""
            };
        return Ok(Outcome::Rows(crate::plan::explain::requests_result(
            &requests, note,
        )));
    }
    if requests.is_empty() {
        return Ok(Outcome::Mutations(Vec::new()));
    }
    let ctx = engine.ctx.clone();
    let timeout = engine.await_timeout;
    let model = WriteModel::of(service);
    let target_name = target.to_string();
    let results: Vec<Result<MutationResult, (Option<MutationResult>, FailedCall)>> =
        ctx.runtime.block_on(async {
            stream::iter(requests.iter().map(|req| {
                let ctx = ctx.clone();
                let target_name = target_name.clone();
                async move {
                    let failed = |error| FailedCall {
                        method: req.label.clone(),
                        region: req.region.clone(),
                        params: req.params.clone(),
                        error,
                    };
                    let resp = ctx.http.call(req).await.map_err(|e| (None, failed(e)))?;
                    let event = model
                        .first_event(&resp)
                        .map_err(|e| (None, failed(CallError::Refused(e))))?;
                    let mut result = from_event(verb, &target_name, &event);
                    if model == WriteModel::Synchronous {
                        // The answer is the outcome: final at once, AWAIT or not.
                        result.awaited = await_completion;
                        result.status = Some(SYNCHRONOUS_SUCCESS.to_string());
                        report_status(&ctx, &result);
                        return Ok(result);
                    }
                    report_status(&ctx, &result);
                    if await_completion {
                        if let Some(token) = result.request_token.clone() {
                            match await_final(&ctx.http, req, &token, timeout).await {
                                Ok(final_event) => {
                                    result = from_event(verb, &target_name, &final_event);
                                    result.awaited = true;
                                    report_status(&ctx, &result);
                                }
                                Err(AwaitError::Call(e)) => return Err((Some(result), failed(e))),
                                Err(AwaitError::TimedOut { last_status }) => {
                                    result.status = Some(format!(
                                        "{last_status} (still running after the await limit)"
                                    ));
                                }
                            }
                        }
                    }
                    Ok(result)
                }
            }))
            .buffered(ctx.concurrency)
            .collect()
            .await
        });
    let mut done = Vec::new();
    let mut failed = Vec::new();
    let mut outcomes = Vec::new();
    for r in results {
        match r {
            Ok(m) => {
                done.push(m.summary());
                outcomes.push(m);
            }
            Err((partial, f)) => {
                match partial {
                    // The write went through; only the wait for its outcome was stopped.
                    Some(p) if engine.ctx.http.is_cancelled() => {
                        done.push(format!("{} (awaiting it was cancelled)", p.summary()));
                        continue;
                    }
                    Some(p) => done.push(format!("{} (then awaiting it failed)", p.summary())),
                    None => {}
                }
                failed.push(f);
            }
        }
    }
    if engine.ctx.http.is_cancelled() {
        return Err(EngineError::CancelledMutation {
            sent: done,
            cut_off: failed,
        });
    }
    if !failed.is_empty() {
        return Err(EngineError::PartialMutation { done, failed });
    }
    let not_ok: Vec<&MutationResult> = outcomes
        .iter()
        .filter(|m| m.awaited && m.status.as_deref() != Some("SUCCESS"))
        .collect();
    if !not_ok.is_empty() || (await_completion && outcomes.iter().any(|m| !m.awaited)) {
        let mut msg = String::new();
        for m in &outcomes {
            msg.push_str(&format!("\n  - {}", m.summary()));
            if let Some(code) = &m.error_code {
                msg.push_str(&format!(", error {code}"));
            }
            if let Some(sm) = &m.status_message {
                msg.push_str(&format!(": {sm}"));
            }
        }
        return Err(EngineError::OperationFailed(format!(
            "{verb} {target} did not complete successfully:{msg}"
        )));
    }
    Ok(Outcome::Mutations(outcomes))
}

/// A write's status as a progress event (the status the provider answered, when it said one).
fn report_status(ctx: &Context, result: &MutationResult) {
    if let Some(status) = &result.status {
        ctx.http.stats.note(ProgressEvent::WriteStatus {
            target: result.target.clone(),
            status: status.clone(),
        });
    }
}

fn from_event(verb: &'static str, target: &str, event: &Value) -> MutationResult {
    let s = |k: &str| event.get(k).and_then(Value::as_str).map(str::to_string);
    MutationResult {
        verb,
        target: target.to_string(),
        completion: Completion::ProviderWrite,
        operation: s("Operation"),
        type_name: s("TypeName"),
        identifier: s("Identifier"),
        request_token: s("RequestToken"),
        status: s("OperationStatus"),
        status_message: s("StatusMessage"),
        error_code: s("ErrorCode"),
        awaited: false,
    }
}

/// EXEC of a method that returns rows: every page, rows at the method's objectKey.
fn exec_rows(
    engine: &Engine,
    service: &Service,
    method: &Method,
    req: &PreparedRequest,
) -> Result<Outcome, EngineError> {
    let failed = |error| {
        EngineError::Calls(vec![FailedCall {
            method: req.label.clone(),
            region: req.region.clone(),
            params: req.params.clone(),
            error,
        }])
    };
    let pages = engine
        .ctx
        .runtime
        .block_on(
            engine
                .ctx
                .http
                .call_paginated(req, Paging::of(method, service).as_ref()),
        )
        .map_err(failed)?;
    let read = ReadSpec::of(method);
    let mut items = Vec::new();
    for page in &pages {
        let page_items = protocol::items(page, &read).map_err(|e| failed(CallError::Refused(e)))?;
        items.extend(page_items.into_iter().map(Cow::into_owned));
    }
    let mut columns: Vec<String> = method.columns.iter().map(|(n, _, _)| n.clone()).collect();
    if columns.is_empty() {
        for it in &items {
            if let Value::Object(o) = it {
                for k in o.keys() {
                    if !columns.contains(k) {
                        columns.push(k.clone());
                    }
                }
            }
        }
    }
    let rows = items
        .iter()
        .map(|it| {
            columns
                .iter()
                .map(|c| {
                    let field = method.field_of(c);
                    sql_to_cell(it.get(field).map(json_to_sql).unwrap_or(SqlValue::Null))
                })
                .collect()
        })
        .collect();
    Ok(Outcome::Rows(ResultSet { columns, rows }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbose_lines_hint_await_only_for_writes_it_would_follow() {
        let mut cloud_control = from_event(
            "INSERT",
            "aws.s3.buckets",
            &serde_json::json!({"RequestToken": "t-1", "OperationStatus": "IN_PROGRESS"}),
        );
        assert_eq!(
            cloud_control.report_lines(true)[1],
            "  INSERT aws.s3.buckets: IN_PROGRESS (request token t-1); add /*+ AWAIT */ to wait for the outcome"
        );
        cloud_control.awaited = true;
        assert!(!cloud_control.report_lines(true)[1].contains("AWAIT"));
        // A synchronous write (what `WriteModel::Synchronous` reports): nothing to await.
        let mut native = from_event("INSERT", "aws.iam_api.users", &Value::Null);
        native.status = Some(SYNCHRONOUS_SUCCESS.to_string());
        assert_eq!(
            native.report_lines(true),
            [
                "The operation was despatched successfully",
                "  INSERT aws.iam_api.users: SUCCESS"
            ]
        );
    }
}
