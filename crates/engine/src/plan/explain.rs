//! `EXPLAIN <statement>`: the API calls a statement would make, without sending any.
//! Queries run in SQLite with provider tables that record their calls and return no rows;
//! calls that depend on rows of another table (a join's inner side) cannot be counted
//! before those rows exist, and are listed as "per joined row".

use crate::error::EngineError;
use crate::plan::request::PreparedRequest;
use crate::protocol;
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
            for plan in &plans {
                called_tables.insert(
                    plan.req
                        .label
                        .rsplit_once('.')
                        .map(|(t, _)| t.to_string())
                        .unwrap_or_default(),
                );
                let paged = plan.paging.is_some();
                push_grouped(&mut rows, &plan.req, paged, "");
            }
            for (table, rec) in &planning {
                if let (true, Some(method), false) =
                    (rec.usable, &rec.method, called_tables.contains(table))
                {
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
            Ok(result(rows))
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
        push_grouped(&mut rows, r, false, note);
    }
    result(rows)
}

/// Identical calls (same method, region and parameters) are one row with a count.
fn push_grouped(rows: &mut Vec<Vec<Cell>>, req: &PreparedRequest, paged: bool, note: &str) {
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
        Cell::Text(if paged {
            "unknown (follows NextToken)".into()
        } else {
            "1".into()
        }),
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

fn result(rows: Vec<Vec<Cell>>) -> ResultSet {
    ResultSet {
        columns: COLUMNS.iter().map(|c| c.to_string()).collect(),
        rows,
    }
}
