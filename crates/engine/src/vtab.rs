//! Provider resources as SQLite virtual tables. SQLite hands `best_index` the WHERE and
//! join constraints; equality and `IN` on parameter columns choose the first select method
//! whose required parameters are all present and become request parameters in `filter`,
//! where every combination of values (an `IN` list of regions, say) is fetched concurrently,
//! every page followed.

use crate::context::{Context, PlanningRecord, Rows};
use crate::error::{EngineError, FailedCall};
use crate::request::{build_request, CallValues};
use crate::values::json_to_sql;
use fallible_streaming_iterator::FallibleStreamingIterator;
use futures::stream::{self, StreamExt};
use rusqlite::types::Value as SqlValue;
use rusqlite::vtab::{
    sqlite3_vtab, sqlite3_vtab_cursor, Context as VContext, CreateVTab, Filters, IndexConstraintOp,
    IndexInfo, Module, VTab, VTabConnection, VTabCursor, VTabKind,
};
use rusqlite::Error as SqliteError;
use serde_json::Value;
use stackql_registry::{Method, ParamLocation, Resource, Service, SqlVerb};
use std::borrow::Cow;
use std::ffi::{c_int, CStr, CString};
use std::sync::Arc;

pub const MODULE_NAME: &str = "stackql";

/// The module SQLite calls back into; `const` so a `'static` reference can be taken.
pub const MODULE: Module<ProviderTable> = Module::read_only_module();

struct Column {
    name: String,
    /// Whether this column is a request parameter of some select method.
    is_param: bool,
}

#[repr(C)]
pub struct ProviderTable {
    base: sqlite3_vtab,
    ctx: Arc<Context>,
    table: String,
    service: Arc<Service>,
    resource: Arc<Resource>,
    columns: Vec<Column>,
}

fn module_error(msg: impl Into<String>) -> SqliteError {
    SqliteError::ModuleError(msg.into())
}

fn select_methods(resource: &Resource) -> Vec<&Method> {
    resource.methods_for(SqlVerb::Select)
}

unsafe impl<'vtab> VTab<'vtab> for ProviderTable {
    type Aux = Arc<Context>;
    type Cursor = ProviderCursor;

    fn connect(
        _db: &mut VTabConnection,
        aux: Option<&Arc<Context>>,
        _module_name: &[u8],
        _database_name: &[u8],
        table_name: &[u8],
        _args: &[&[u8]],
    ) -> rusqlite::Result<(Cow<'static, CStr>, Self)> {
        let ctx = aux
            .ok_or_else(|| module_error("stackql module without context"))?
            .clone();
        let table = String::from_utf8_lossy(table_name)
            .trim_matches('"')
            .to_string();
        let mut parts = table.splitn(3, '.');
        let (Some(p), Some(s), Some(r)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(module_error(format!(
                "'{table}' is not provider.service.resource"
            )));
        };
        let (service, resource) = ctx
            .registry
            .resource(p, s, r)
            .map_err(|e| module_error(e.to_string()))?;
        let mut columns: Vec<Column> = Vec::new();
        let mut decl = Vec::new();
        for method in select_methods(&resource) {
            for param in &method.params {
                if !columns.iter().any(|c| c.name == param.name) {
                    // Parameters that are not server variables are HIDDEN: usable in WHERE
                    // and selectable by name, but not part of `SELECT *`.
                    let hidden = param.location != ParamLocation::Server
                        && !method.columns.iter().any(|(n, _, _)| n == &param.name);
                    decl.push(format!(
                        "\"{}\" {}{}",
                        param.name.replace('"', "\"\""),
                        param.column_type().sqlite_decl(),
                        if hidden { " HIDDEN" } else { "" }
                    ));
                    columns.push(Column {
                        name: param.name.clone(),
                        is_param: true,
                    });
                }
            }
            for (name, ty, _) in &method.columns {
                if !columns.iter().any(|c| &c.name == name) {
                    decl.push(format!(
                        "\"{}\" {}",
                        name.replace('"', "\"\""),
                        ty.sqlite_decl()
                    ));
                    columns.push(Column {
                        name: name.clone(),
                        is_param: false,
                    });
                }
            }
        }
        if columns.is_empty() {
            return Err(module_error(format!("{table} has no SELECT method")));
        }
        let sql = format!("CREATE TABLE x({})", decl.join(", "));
        let vtab = ProviderTable {
            base: sqlite3_vtab::default(),
            ctx,
            table,
            service,
            resource,
            columns,
        };
        Ok((
            Cow::Owned(CString::new(sql).map_err(|e| module_error(e.to_string()))?),
            vtab,
        ))
    }

    fn best_index(&self, info: &mut IndexInfo) -> rusqlite::Result<bool> {
        // Usable equality constraints on parameter columns: (constraint index, column, is IN).
        let mut eq: Vec<(usize, usize)> = Vec::new();
        for (i, c) in info.constraints().enumerate() {
            let col = c.column();
            if col >= 0
                && c.is_usable()
                && c.operator() == IndexConstraintOp::SQLITE_INDEX_CONSTRAINT_EQ
                && self.columns[col as usize].is_param
            {
                eq.push((i, col as usize));
            }
        }
        let methods = select_methods(&self.resource);
        let mut best_missing: Option<Vec<String>> = None;
        for (m_idx, method) in methods.iter().enumerate() {
            let missing: Vec<String> = method
                .required_params()
                .iter()
                .filter(|p| !eq.iter().any(|(_, col)| self.columns[*col].name == p.name))
                .map(|p| p.name.clone())
                .collect();
            if !missing.is_empty() {
                if best_missing
                    .as_ref()
                    .is_none_or(|b| missing.len() < b.len())
                {
                    best_missing = Some(missing);
                }
                continue;
            }
            // Chosen. Pass every constrained parameter of this method, IN lists whole.
            let mut plan = Vec::new();
            let mut argv = 0;
            let mut used_cols = std::collections::HashSet::new();
            for (i, col) in &eq {
                let name = &self.columns[*col].name;
                if method.param(name).is_none() || !used_cols.insert(*col) {
                    continue;
                }
                argv += 1;
                let is_in = info.is_in_constraint(*i).unwrap_or(false)
                    && info.set_in_constraint(*i, true).unwrap_or(false);
                let mut usage = info.constraint_usage(*i);
                usage.set_argv_index(argv);
                usage.set_omit(true);
                plan.push(format!("{col}:{}", u8::from(is_in)));
            }
            info.set_idx_num(m_idx as c_int);
            info.set_idx_str(&plan.join(","));
            // Fewer unconstrained listings are cheaper; lists of many calls are not free.
            info.set_estimated_cost(1000.0 / (1.0 + argv as f64));
            info.set_estimated_rows(100);
            self.ctx.with_state(|s| {
                s.planning.entry(self.table.clone()).or_default().usable = true;
            });
            return Ok(true);
        }
        let region_default = self
            .service
            .servers
            .first()
            .and_then(|s| s.variables.get("region"))
            .and_then(|(d, _)| d.clone());
        self.ctx.with_state(|s| {
            let rec: &mut PlanningRecord = s.planning.entry(self.table.clone()).or_default();
            if rec
                .missing
                .as_ref()
                .is_none_or(|m| best_missing.as_ref().is_some_and(|b| b.len() < m.len()))
            {
                rec.missing = best_missing;
            }
            rec.example_region = region_default;
        });
        Ok(false)
    }

    fn open(&'vtab mut self) -> rusqlite::Result<ProviderCursor> {
        Ok(ProviderCursor {
            base: sqlite3_vtab_cursor::default(),
            table: self,
            rows: Vec::new(),
            pos: 0,
        })
    }
}

impl CreateVTab<'_> for ProviderTable {
    const KIND: VTabKind = VTabKind::Default;
}

#[repr(C)]
pub struct ProviderCursor {
    base: sqlite3_vtab_cursor,
    table: *const ProviderTable,
    rows: Vec<Rows>,
    pos: usize,
}

impl ProviderCursor {
    fn table<'t>(&self) -> &'t ProviderTable {
        // SAFETY: SQLite guarantees a cursor never outlives its table, and the table is not
        // mutated while cursors are open.
        unsafe { &*self.table }
    }
    fn current(&self) -> Option<&Vec<SqlValue>> {
        let mut idx = self.pos;
        for chunk in &self.rows {
            if idx < chunk.len() {
                return Some(&chunk[idx]);
            }
            idx -= chunk.len();
        }
        None
    }
    fn total(&self) -> usize {
        self.rows.iter().map(|c| c.len()).sum()
    }
}

unsafe impl VTabCursor for ProviderCursor {
    fn filter(
        &mut self,
        idx_num: c_int,
        idx_str: Option<&str>,
        args: &Filters<'_>,
    ) -> rusqlite::Result<()> {
        let table = self.table();
        let methods = select_methods(&table.resource);
        let method = methods
            .get(idx_num as usize)
            .copied()
            .ok_or_else(|| module_error("bad plan"))?;
        // Each parameter's candidate values, in plan order.
        let mut columns: Vec<(String, Vec<SqlValue>)> = Vec::new();
        for (argi, spec) in idx_str
            .unwrap_or("")
            .split(',')
            .filter(|s| !s.is_empty())
            .enumerate()
        {
            let (col, is_in) = spec
                .split_once(':')
                .ok_or_else(|| module_error("bad plan"))?;
            let col: usize = col.parse().map_err(|_| module_error("bad plan"))?;
            let name = table.columns[col].name.clone();
            let values: Vec<SqlValue> = if is_in == "1" {
                let mut vals = Vec::new();
                let mut list = args.in_values(argi)?;
                while let Some(v) = list.next()? {
                    vals.push(v.get::<SqlValue>(0)?);
                }
                vals
            } else {
                vec![args.get::<SqlValue>(argi)?]
            };
            let mut dedup: Vec<SqlValue> = Vec::new();
            for v in values {
                if !dedup.contains(&v) {
                    dedup.push(v);
                }
            }
            columns.push((name, dedup));
        }
        let combos = cartesian(&columns);
        let ctx = table.ctx.clone();
        let label = format!("{}.{}", table.table, method.name);
        let mut requests = Vec::new();
        for combo in &combos {
            let mut call = CallValues::default();
            for (name, v) in combo {
                call.set(name, v.clone());
            }
            let req = build_request(
                &label,
                &table.service,
                method,
                &call,
                ctx.endpoints.as_ref(),
            )
            .map_err(module_error)?;
            requests.push((combo.clone(), req));
        }
        let pagination = method.pagination.clone();
        let object_path = method.response.object_path.clone();
        let row_columns: Vec<String> = table.columns.iter().map(|c| c.name.clone()).collect();
        let results: Vec<Result<Rows, FailedCall>> = ctx.runtime.block_on(async {
            stream::iter(requests.into_iter().map(|(combo, req)| {
                let ctx = ctx.clone();
                let pagination = pagination.clone();
                let object_path = object_path.clone();
                let row_columns = row_columns.clone();
                async move {
                    // Everything that makes two calls differ: the region only shows in the
                    // signing scope when an endpoint override hides it from the URL.
                    let key = format!(
                        "{}|{:?}|{}|{:?}|{:?}",
                        req.label, req.region, req.url, req.headers, req.body
                    );
                    if let Some(hit) = ctx.with_state(|s| s.cache.get(&key).cloned()) {
                        return Ok(hit);
                    }
                    ctx.with_state(|s| s.calls_made += 1);
                    let pages = ctx
                        .http
                        .call_paginated(&req, pagination.as_ref())
                        .await
                        .map_err(|error| FailedCall {
                            method: req.label.clone(),
                            region: req.region.clone(),
                            params: req.params.clone(),
                            error,
                        })?;
                    let mut rows = Vec::new();
                    for page in &pages {
                        let items: Vec<&Value> = match &object_path {
                            Some(p) => p.select(page),
                            None => vec![page],
                        };
                        for item in items {
                            match item {
                                Value::Array(list) => {
                                    for it in list {
                                        rows.push(to_row(it, &row_columns, &combo));
                                    }
                                }
                                Value::Null => {}
                                other => rows.push(to_row(other, &row_columns, &combo)),
                            }
                        }
                    }
                    let rows: Rows = Arc::new(rows);
                    ctx.with_state(|s| s.cache.insert(key, rows.clone()));
                    Ok(rows)
                }
            }))
            .buffered(ctx.concurrency.max(1))
            .collect()
            .await
        });
        self.rows.clear();
        self.pos = 0;
        let mut failed = Vec::new();
        for r in results {
            match r {
                Ok(rows) => self.rows.push(rows),
                Err(f) => failed.push(f),
            }
        }
        if !failed.is_empty() {
            let n = failed.len();
            table.ctx.with_state(|s| s.failed_calls.extend(failed));
            return Err(module_error(format!("{n} API call(s) failed")));
        }
        Ok(())
    }

    fn next(&mut self) -> rusqlite::Result<()> {
        self.pos += 1;
        Ok(())
    }

    fn eof(&self) -> bool {
        self.pos >= self.total()
    }

    fn column(&self, ctx: &mut VContext, i: c_int) -> rusqlite::Result<()> {
        match self.current().and_then(|r| r.get(i as usize)) {
            Some(v) => ctx.set_result(v),
            None => ctx.set_result(&SqlValue::Null),
        }
    }

    fn rowid(&self) -> rusqlite::Result<i64> {
        Ok(self.pos as i64)
    }
}

/// One row: response fields by column name; parameter columns the response lacks carry the
/// value the call was made with (so `region` is filled on every row).
fn to_row(item: &Value, columns: &[String], combo: &[(String, SqlValue)]) -> Vec<SqlValue> {
    columns
        .iter()
        .map(|c| match item.get(c) {
            Some(v) if !v.is_null() => json_to_sql(v),
            _ => combo
                .iter()
                .find(|(n, _)| n == c)
                .map(|(_, v)| v.clone())
                .unwrap_or(SqlValue::Null),
        })
        .collect()
}

/// Every combination of the candidate values, in order (first column varies slowest).
pub fn cartesian(columns: &[(String, Vec<SqlValue>)]) -> Vec<Vec<(String, SqlValue)>> {
    let mut out: Vec<Vec<(String, SqlValue)>> = vec![Vec::new()];
    for (name, values) in columns {
        let mut next = Vec::with_capacity(out.len() * values.len());
        for prefix in &out {
            for v in values {
                let mut row = prefix.clone();
                row.push((name.clone(), v.clone()));
                next.push(row);
            }
        }
        out = next;
    }
    out
}

/// Called by the engine after a failed step, to replace SQLite's generic message.
pub fn take_call_error(ctx: &Context) -> Option<EngineError> {
    ctx.with_state(|s| {
        if let Some(e) = s.error.take() {
            return Some(e);
        }
        if s.failed_calls.is_empty() {
            None
        } else {
            Some(EngineError::Calls(std::mem::take(&mut s.failed_calls)))
        }
    })
}
