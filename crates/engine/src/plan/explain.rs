//! `EXPLAIN <statement>`: the API calls a statement would make, without sending any.
//! Queries run in SQLite with provider tables that record their calls and return no rows;
//! calls that depend on rows of another table (a join's inner side) cannot be counted
//! before those rows exist, and are listed as "per joined row". The `region` column is
//! shown when an AWS service is involved; other providers have no regions.

use crate::error::EngineError;
use crate::plan::request::PreparedRequest;
use crate::protocol;
use crate::protocol::paging::{Paging, ResponseToken};
use crate::write::mutation;
use crate::{Engine, Outcome};
use stackql_output::{Cell, ResultSet};
use stackql_sql::Statement;

const COLUMNS: &[&str] = &[
    "method",
    "http",
    "region",
    "parameters",
    "calls",
    "pages",
    "note",
];
/// Where `region` is in `COLUMNS`.
const REGION_COLUMN: usize = 2;

pub fn run(engine: &mut Engine, statement: Statement) -> Result<ResultSet, EngineError> {
    engine.ctx.with_state(|s| s.explain = true);
    let result = explain_inner(engine, statement);
    engine.ctx.with_state(|s| s.explain = false);
    result
}

fn explain_inner(engine: &mut Engine, statement: Statement) -> Result<ResultSet, EngineError> {
    match statement {
        Statement::Query { sql, tables, .. } => {
            // As in `Engine::execute`: a user view names no provider table itself.
            engine.user.sync(&engine.conn)?;
            let tables = engine.user.expand_tables(&sql, &tables);
            engine.query(&sql, &tables)?;
            let (plans, planning) = engine
                .ctx
                .with_state(|s| (std::mem::take(&mut s.explained), s.planning.clone()));
            let mut rows: Vec<Vec<Cell>> = Vec::new();
            let mut called_tables = std::collections::BTreeSet::new();
            let mut regional = plans.iter().any(|p| is_aws(&p.req));
            for plan in &plans {
                called_tables.insert(
                    plan.req
                        .label
                        .rsplit_once('.')
                        .map(|(t, _)| t.to_string())
                        .unwrap_or_default(),
                );
                push_grouped(&mut rows, &plan.req, plan.paging.as_ref(), "");
            }
            for (table, rec) in &planning {
                if let (true, Some(method), false) =
                    (rec.usable, &rec.method, called_tables.contains(table))
                {
                    regional |= table_is_aws(engine, table);
                    rows.push(vec![
                        Cell::Text(format!("{table}.{method}")),
                        Cell::Null,
                        Cell::Null,
                        Cell::Text("from joined rows".into()),
                        Cell::Text("unknown".into()),
                        Cell::Null,
                        Cell::Text(
                            "one call per distinct set of parameters from the joined table".into(),
                        ),
                    ]);
                }
            }
            Ok(result(rows, regional))
        }
        Statement::Explain(inner) => explain_inner(engine, *inner),
        other => match mutation::run(engine, other)? {
            Outcome::Rows(rs) => Ok(rs),
            Outcome::Mutations(_) => Err(EngineError::Invalid(
                "EXPLAIN of this statement is not available".into(),
            )),
        },
    }
}

/// Rows describing requests a mutation would send (called by `mutation` in EXPLAIN mode).
pub fn requests_result(requests: &[PreparedRequest], note: &str) -> ResultSet {
    let mut rows = Vec::new();
    for r in requests {
        push_grouped(&mut rows, r, None, note);
    }
    result(rows, requests.iter().any(is_aws))
}

/// A request to an AWS service (SigV4-signed), whose calls have a region.
fn is_aws(req: &PreparedRequest) -> bool {
    req.signing_service.is_some() || req.region.is_some()
}

/// Whether `provider.service.resource` is a table of an AWS service.
fn table_is_aws(engine: &Engine, table: &str) -> bool {
    let mut parts = table.trim_matches('"').splitn(3, '.');
    let (Some(p), Some(s), Some(r)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    engine
        .ctx
        .registry
        .resource(p, s, r)
        .is_ok_and(|(service, _)| service.signing_name.is_some())
}

/// The `pages` cell: one page, or every page followed by the rule the document declares.
fn pages_text(paging: Option<&Paging>) -> String {
    let follows = match paging.map(|p| &p.response) {
        None => return "1".into(),
        // Declared in a way this client does not read: the first page only.
        Some(ResponseToken::Unread) => return "1 (its pagination token is not read)".into(),
        Some(ResponseToken::Field(key) | ResponseToken::Convention(key)) => key.clone(),
        Some(ResponseToken::S3 { next, .. }) => format!("{next} while IsTruncated"),
        Some(ResponseToken::LinkNext) => "the Link header's rel=\"next\"".into(),
    };
    format!("unknown (follows {follows})")
}

/// Identical calls (same method, region and parameters) are one row with a count.
fn push_grouped(
    rows: &mut Vec<Vec<Cell>>,
    req: &PreparedRequest,
    paging: Option<&Paging>,
    note: &str,
) {
    let method = Cell::Text(req.label.clone());
    let region = req.region.clone().map(Cell::Text).unwrap_or(Cell::Null);
    let params = Cell::Text(req.params.join(", "));
    if let Some(row) = rows
        .iter_mut()
        .find(|r| r[0] == method && r[2] == region && r[3] == params)
    {
        if let Cell::Integer(n) = &mut row[4] {
            *n += 1;
        }
        return;
    }
    let target = http_target(req);
    rows.push(vec![
        method,
        Cell::Text(target),
        region,
        params,
        Cell::Integer(1),
        Cell::Text(pages_text(paging)),
        Cell::Text(note.to_string()),
    ]);
}

/// `POST CloudApiService.ListResources` where a target header names the operation, else the
/// call as it goes on the wire (`protocol::shown_target`).
fn http_target(req: &PreparedRequest) -> String {
    match req
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("x-amz-target"))
    {
        Some((_, target)) => format!("{} {target}", req.method),
        None => protocol::shown_target(req),
    }
}

/// The result set; without `regional` the `region` column is left out.
fn result(mut rows: Vec<Vec<Cell>>, regional: bool) -> ResultSet {
    let mut columns: Vec<String> = COLUMNS.iter().map(|c| c.to_string()).collect();
    if !regional {
        let at = REGION_COLUMN;
        columns.remove(at);
        for row in &mut rows {
            row.remove(at);
        }
    }
    ResultSet { columns, rows }
}
