//! Provider resources as SQLite virtual tables. SQLite hands `best_index` the WHERE and
//! join constraints; equality and `IN` on parameter columns choose the first select method
//! whose required parameters are all present and become request parameters in `filter`,
//! where every combination of values (an `IN` list of regions, say) is fetched concurrently,
//! every page followed.

use crate::call::http::Pager;
use crate::context::{Context, PlanningRecord, Rows};
use crate::decode::values::json_to_sql;
use crate::error::{CallError, EngineError, FailedCall};
use crate::plan::request::{build_request, CallValues, Intent, PreparedRequest};
use crate::protocol::paging::Paging;
use crate::protocol::{self, Answer, ReadSpec};
use crate::session::ProgressEvent;
use fallible_streaming_iterator::FallibleStreamingIterator;
use futures::stream::{self, StreamExt};
use rusqlite::types::Value as SqlValue;
use rusqlite::vtab::{
    sqlite3_vtab, sqlite3_vtab_cursor, Context as VContext, CreateVTab, Filters, IndexConstraintOp,
    IndexInfo, Module, VTab, VTabConnection, VTabCursor, VTabKind,
};
use rusqlite::Error as SqliteError;
use serde_json::Value;
use stackql_registry::{
    Method, ParamLocation, Resource, Service, SqlVerb, ANONYMOUS_COLUMN, IGNORED_REGION,
};
use std::borrow::Cow;
use std::collections::VecDeque;
use std::ffi::{c_int, CStr, CString};
use std::sync::Arc;
use tokio::sync::mpsc;

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
        let is_row_column = |name: &str| {
            select_methods(&resource)
                .iter()
                .any(|m| m.columns.iter().any(|(n, _, _)| n == name))
        };
        for method in select_methods(&resource) {
            for param in &method.params {
                // A parameter's aliases (`queue_url` for `QueueUrl`) are columns of their own
                // that supply it; one that is also a row column is that column.
                for name in std::iter::once(&param.name).chain(&param.aliases) {
                    // SQLite column names are case-insensitive (`NextToken` vs `nextToken`).
                    if columns.iter().any(|c| c.name.eq_ignore_ascii_case(name)) {
                        continue;
                    }
                    // Parameters that are not server variables are HIDDEN: usable in WHERE
                    // and selectable by name, but not part of `SELECT *`.
                    let hidden = param.location != ParamLocation::Server && !is_row_column(name);
                    decl.push(format!(
                        "\"{}\" {}{}",
                        name.replace('"', "\"\""),
                        param.column_type().sqlite_decl(),
                        if hidden { " HIDDEN" } else { "" }
                    ));
                    columns.push(Column {
                        name: name.clone(),
                        is_param: true,
                    });
                }
            }
            for (name, ty, _) in &method.columns {
                if !columns.iter().any(|c| c.name.eq_ignore_ascii_case(name)) {
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
        // `region` on a resource that has none: accepted in WHERE (and selectable by name,
        // holding the value given) but never sent (`Method::ignores_column`).
        if select_methods(&resource)
            .iter()
            .all(|m| m.ignores_column(IGNORED_REGION))
            && !columns
                .iter()
                .any(|c| c.name.eq_ignore_ascii_case(IGNORED_REGION))
        {
            decl.push(format!("\"{IGNORED_REGION}\" TEXT HIDDEN"));
            columns.push(Column {
                name: IGNORED_REGION.to_string(),
                is_param: true,
            });
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
            let missing = method.missing_params(|p| {
                eq.iter()
                    .any(|(_, col)| p.answers_to(&self.columns[*col].name))
            });
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
                let known = method.param(name).is_some() || method.ignores_column(name);
                if !known || !used_cols.insert(*col) {
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
                let rec = s.planning.entry(self.table.clone()).or_default();
                rec.usable = true;
                rec.method = Some(method.name.clone());
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
            ready: VecDeque::new(),
            current: Arc::new(Vec::new()),
            pos: 0,
            rowid: 0,
            rx: None,
        })
    }
}

impl CreateVTab<'_> for ProviderTable {
    const KIND: VTabKind = VTabKind::Default;
}

/// Calls whose rows exceed this are streamed but not cached: memory stays bounded by page
/// size and concurrency for big listings, while the small calls joins repeat are reused.
const CACHE_ROW_LIMIT: usize = 10_000;

/// One call of a select method with everything needed to turn its pages into rows.
#[derive(Clone)]
pub struct CallPlan {
    pub key: String,
    pub req: PreparedRequest,
    pub paging: Option<Paging>,
    pub read: ReadSpec,
    pub row_columns: Arc<Vec<String>>,
    /// The response field each column shows (the column's own name unless renamed).
    pub row_fields: Arc<Vec<String>>,
    pub combo: Vec<(String, SqlValue)>,
}

/// What the fetching tasks hand the cursor, page by page.
enum Chunk {
    Rows(Rows),
    Failed(FailedCall),
}

#[repr(C)]
pub struct ProviderCursor {
    base: sqlite3_vtab_cursor,
    table: *const ProviderTable,
    /// Chunks available without waiting (cache hits).
    ready: VecDeque<Rows>,
    current: Rows,
    pos: usize,
    rowid: i64,
    /// Pages still arriving from the fetching tasks.
    rx: Option<mpsc::Receiver<Chunk>>,
}

impl ProviderCursor {
    fn table<'t>(&self) -> &'t ProviderTable {
        // SAFETY: SQLite guarantees a cursor never outlives its table, and the table is not
        // mutated while cursors are open.
        unsafe { &*self.table }
    }

    /// Moves to the next non-empty chunk, waiting for pages still being fetched.
    fn advance_chunk(&mut self) -> rusqlite::Result<()> {
        while self.pos >= self.current.len() {
            if let Some(chunk) = self.ready.pop_front() {
                self.current = chunk;
                self.pos = 0;
                continue;
            }
            let Some(rx) = self.rx.as_mut() else {
                return Ok(());
            };
            match rx.blocking_recv() {
                Some(Chunk::Rows(rows)) => {
                    self.current = rows;
                    self.pos = 0;
                }
                Some(Chunk::Failed(f)) => {
                    let ctx = &self.table().ctx;
                    let partial = ctx.with_state(|s| {
                        s.failed_calls.push(f);
                        s.allow_partial
                    });
                    if !partial {
                        self.rx = None;
                        return Err(module_error("API call failed"));
                    }
                }
                None => {
                    self.rx = None;
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    fn plans(
        &self,
        method: &Method,
        idx_str: Option<&str>,
        args: &Filters<'_>,
    ) -> rusqlite::Result<Vec<CallPlan>> {
        let table = self.table();
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
        let label = format!("{}.{}", table.table, method.name);
        let row_columns: Arc<Vec<String>> =
            Arc::new(table.columns.iter().map(|c| c.name.clone()).collect());
        let row_fields: Arc<Vec<String>> = Arc::new(
            table
                .columns
                .iter()
                .map(|c| method.field_of(&c.name).to_string())
                .collect(),
        );
        let read = ReadSpec::of(method);
        let paging = Paging::of(method, &table.service);
        let mut plans = Vec::new();
        for combo in cartesian(&columns) {
            let mut call = CallValues::default();
            for (name, v) in &combo {
                call.set(name, v.clone());
            }
            // SELECT methods only read: always safe to retry.
            let req = build_request(
                &label,
                &table.service,
                method,
                &call,
                table.ctx.endpoints.as_ref(),
                Intent::Read,
            )
            .map_err(|e| {
                // Nothing was sent; the user sees this message, not SQLite's wrapper.
                table
                    .ctx
                    .with_state(|s| s.error = Some(EngineError::Invalid(e.clone())));
                module_error(e)
            })?;
            // Everything that makes two calls differ: the region only shows in the signing
            // scope when an endpoint override hides it from the URL.
            // An ignored `region` is not in the request but is in the rows.
            let ignored: Vec<&(String, SqlValue)> = combo
                .iter()
                .filter(|(n, _)| method.ignores_column(n))
                .collect();
            let key = format!(
                "{}|{:?}|{}|{:?}|{:?}|{ignored:?}",
                req.label, req.region, req.url, req.headers, req.body
            );
            plans.push(CallPlan {
                key,
                req,
                paging: paging.clone(),
                read: read.clone(),
                row_columns: row_columns.clone(),
                row_fields: row_fields.clone(),
                combo,
            });
        }
        Ok(plans)
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
        let ctx = table.ctx.clone();
        let methods = select_methods(&table.resource);
        let method = methods
            .get(idx_num as usize)
            .copied()
            .ok_or_else(|| module_error("bad plan"))?;
        let plans = self.plans(method, idx_str, args)?;
        self.ready.clear();
        self.current = Arc::new(Vec::new());
        self.pos = 0;
        self.rowid = 0;
        self.rx = None;

        let mut to_fetch = Vec::new();
        let explain = ctx.with_state(|s| {
            if s.explain {
                s.explained.extend(plans.iter().cloned());
                return true;
            }
            let first_call = {
                let n = s.filter_calls.entry(table.table.clone()).or_insert(0);
                *n += 1;
                *n == 1
            };
            for plan in &plans {
                if let Some(hit) = s.cache.get(&plan.key) {
                    self.ready.push_back(hit.clone());
                } else if s.discovery && !first_call {
                    s.deferred.push(plan.clone());
                } else {
                    to_fetch.push(plan.clone());
                }
            }
            false
        });
        if explain || to_fetch.is_empty() {
            return self.advance_chunk();
        }
        ctx.http
            .stats
            .note(ProgressEvent::CallsPlanned(to_fetch.len() as u64));
        // Pages flow through a bounded channel: fetching runs ahead of SQLite by at most
        // this many pages, so memory does not grow with the result.
        let (tx, rx) = mpsc::channel(ctx.concurrency.max(1) * 2);
        let task_ctx = ctx.clone();
        ctx.runtime.spawn(async move {
            stream::iter(to_fetch)
                .for_each_concurrent(None, |plan| {
                    let ctx = task_ctx.clone();
                    let tx = tx.clone();
                    async move {
                        if let Err(f) = fetch_call(&ctx, &plan, Some(&tx), false).await {
                            let _ = tx.send(Chunk::Failed(f)).await;
                        }
                    }
                })
                .await;
        });
        self.rx = Some(rx);
        self.advance_chunk()
    }

    fn next(&mut self) -> rusqlite::Result<()> {
        self.pos += 1;
        self.rowid += 1;
        self.advance_chunk()
    }

    fn eof(&self) -> bool {
        self.pos >= self.current.len()
    }

    fn column(&self, ctx: &mut VContext, i: c_int) -> rusqlite::Result<()> {
        match self.current.get(self.pos).and_then(|r| r.get(i as usize)) {
            Some(v) => ctx.set_result(v),
            None => ctx.set_result(&SqlValue::Null),
        }
    }

    fn rowid(&self) -> rusqlite::Result<i64> {
        Ok(self.rowid)
    }
}

/// Fetches every page of one call. With `tx`, rows are sent page by page (and the fetch
/// stops early when the cursor is gone, e.g. after a LIMIT); the rows are cached when small,
/// or always with `force_cache` (deferred calls must be found by the next pass).
async fn fetch_call(
    ctx: &Arc<Context>,
    plan: &CallPlan,
    tx: Option<&mpsc::Sender<Chunk>>,
    force_cache: bool,
) -> Result<(), FailedCall> {
    let failed = |error| FailedCall {
        method: plan.req.label.clone(),
        region: plan.req.region.clone(),
        params: plan.req.params.clone(),
        error,
    };
    let mut pager = Pager::new(plan.req.clone(), plan.paging.clone());
    let mut cached: Option<Vec<Vec<SqlValue>>> = Some(Vec::new());
    while let Some(page) = pager.next_page(&ctx.http).await.map_err(failed)? {
        let rows = page_rows(&page, plan).map_err(|e| failed(CallError::Refused(e)))?;
        ctx.http
            .stats
            .note(ProgressEvent::RowsReceived(rows.len() as u64));
        if let Some(c) = cached.as_mut() {
            if force_cache || c.len() + rows.len() <= CACHE_ROW_LIMIT {
                c.extend(rows.iter().cloned());
            } else {
                cached = None;
            }
        }
        if let Some(tx) = tx {
            if tx.send(Chunk::Rows(Arc::new(rows))).await.is_err() {
                // The cursor was closed: nobody wants the rest.
                return Ok(());
            }
        }
    }
    ctx.http.stats.note(ProgressEvent::CallDone);
    if let Some(rows) = cached {
        ctx.with_state(|s| s.cache.insert(plan.key.clone(), Arc::new(rows)));
    }
    Ok(())
}

/// Fetches deferred calls concurrently into the statement's cache; failed calls are
/// returned (and, in partial mode, cached as empty so the next pass does not ask again).
pub fn fetch_deferred(ctx: &Arc<Context>, plans: Vec<CallPlan>) -> Vec<FailedCall> {
    let mut unique: Vec<CallPlan> = Vec::new();
    for p in plans {
        if !unique.iter().any(|u| u.key == p.key) {
            unique.push(p);
        }
    }
    ctx.http
        .stats
        .note(ProgressEvent::CallsPlanned(unique.len() as u64));
    let results: Vec<(String, Result<(), FailedCall>)> = ctx.runtime.block_on(async {
        stream::iter(unique)
            .map(|plan| {
                let ctx = ctx.clone();
                async move { (plan.key.clone(), fetch_call(&ctx, &plan, None, true).await) }
            })
            .buffer_unordered(ctx.concurrency.max(1) * 4)
            .collect()
            .await
    });
    let mut failed = Vec::new();
    for (key, r) in results {
        if let Err(f) = r {
            ctx.with_state(|s| s.cache.insert(key, Arc::new(Vec::new())));
            failed.push(f);
        }
    }
    failed
}

/// The rows of one page: items at the method's objectKey (arrays flattened; XML elements
/// typed by the row schema).
fn page_rows(page: &Answer, plan: &CallPlan) -> Result<Vec<Vec<SqlValue>>, String> {
    Ok(protocol::items(page, &plan.read)?
        .into_iter()
        .map(|item| to_row(&item, &plan.row_columns, &plan.row_fields, &plan.combo))
        .collect())
}

/// One row: each column's response field; parameter columns the response lacks carry the
/// value the call was made with (so `region` is filled on every row).
fn to_row(
    item: &Value,
    columns: &[String],
    fields: &[String],
    combo: &[(String, SqlValue)],
) -> Vec<SqlValue> {
    columns
        .iter()
        .zip(fields)
        .map(
            |(c, f)| match item.get(f).or_else(|| field_any_case(item, f)) {
                // A row that is not an object is the anonymous column's value.
                _ if c == ANONYMOUS_COLUMN && !item.is_object() && !item.is_null() => {
                    json_to_sql(item)
                }
                Some(v) if !v.is_null() => json_to_sql(v),
                _ => combo
                    .iter()
                    .find(|(n, _)| n == c)
                    .map(|(_, v)| v.clone())
                    .unwrap_or(SqlValue::Null),
            },
        )
        .collect()
}

/// A field whose name differs from the column only in case: SQLite column names are
/// case-insensitive, so EC2's `vpcId` field and its `VpcId` request parameter are one
/// column, which shows the answer's value.
fn field_any_case<'v>(item: &'v Value, column: &str) -> Option<&'v Value> {
    item.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(column))
        .map(|(_, v)| v)
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
