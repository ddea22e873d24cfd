//! Running StackQL's discovery statements (`SHOW PROVIDERS|SERVICES|RESOURCES|METHODS`,
//! `SHOW INSERT INTO`, `DESCRIBE [METHOD]`): rows built from the registry alone, nothing sent.
//! `LIKE` and `WHERE` are applied by SQLite over the built rows, so any SQL condition works.

use crate::error::EngineError;
use crate::meta::describe::{self, Field};
use crate::Engine;
use rusqlite::Connection;
use stackql_output::{Cell, ResultSet};
use stackql_registry::Registry;
use stackql_sql::{Discovery, ShowFilter};

/// Scratch table the filtered rows pass through; dropped after every statement.
const SCRATCH: &str = "temp.\"__stackql_discovery\"";

pub(crate) fn run(engine: &Engine, d: Discovery) -> Result<ResultSet, EngineError> {
    let registry: &Registry = &engine.ctx.registry;
    match d {
        Discovery::ShowProviders { filter, .. } => {
            let mut rows = Vec::new();
            for name in registry.provider_names()? {
                let version = registry.provider(&name)?.version.clone();
                rows.push(vec![name, version]);
            }
            filtered(&engine.conn, &["name", "version"], rows, &filter, "name")
        }
        Discovery::ShowServices {
            extended,
            provider,
            filter,
        } => {
            let p = registry.provider(&provider)?;
            let rows = p
                .services
                .values()
                .map(|s| {
                    let mut row = vec![
                        format!("{}:{}", s.name, p.version),
                        s.name.clone(),
                        s.title.clone(),
                    ];
                    if extended {
                        row.push(s.description.clone());
                    }
                    row
                })
                .collect();
            let cols: &[&str] = if extended {
                &["id", "name", "title", "description"]
            } else {
                &["id", "name", "title"]
            };
            filtered(&engine.conn, cols, rows, &filter, "name")
        }
        Discovery::ShowResources {
            extended,
            provider,
            service,
            filter,
        } => {
            let svc = registry.provider(&provider)?.service(&service)?;
            // From the cache index: listing a big service reads none of its resources.
            let rows = svc
                .resources
                .summaries()
                .map(|(name, description)| {
                    let mut row = vec![name.clone(), svc.resource_full_name(name)];
                    if extended {
                        row.push(description.to_string());
                    }
                    row
                })
                .collect();
            let cols: &[&str] = if extended {
                &["name", "id", "description"]
            } else {
                &["name", "id"]
            };
            filtered(&engine.conn, cols, rows, &filter, "name")
        }
        Discovery::ShowMethods {
            extended,
            target,
            filter,
        } => {
            let (svc, res) =
                registry.resource(&target.provider, &target.service, &target.resource)?;
            let rows = describe::show_methods_rows(&svc, &res)?
                .into_iter()
                .map(|m| {
                    let mut row = vec![m.name, m.required.join(", "), m.verb.to_string()];
                    if extended {
                        row.push(m.description);
                    }
                    row
                })
                .collect();
            let cols: &[&str] = if extended {
                &["MethodName", "RequiredParams", "SQLVerb", "description"]
            } else {
                &["MethodName", "RequiredParams", "SQLVerb"]
            };
            filtered(&engine.conn, cols, rows, &filter, "MethodName")
        }
        Discovery::ShowInsert {
            extended,
            target,
            required_only,
        } => {
            let (svc, res) =
                registry.resource(&target.provider, &target.service, &target.resource)?;
            let cols = describe::insert_columns(&svc, &res, required_only)?;
            let text = describe::insert_statement(&res.full_name, &cols, extended);
            Ok(ResultSet {
                columns: vec!["insert_statement".into()],
                rows: vec![vec![Cell::Text(text)]],
            })
        }
        Discovery::Describe { extended, target } => {
            let (_, res) =
                registry.resource(&target.provider, &target.service, &target.resource)?;
            let fields = if res.select_view().is_some() {
                describe::view_fields(registry, &res)?
            } else {
                describe::fields(registry, &res)?
            };
            Ok(field_rows(fields, extended))
        }
        Discovery::DescribeMethod {
            extended,
            target,
            method,
        } => {
            let (_, res) =
                registry.resource(&target.provider, &target.service, &target.resource)?;
            let m = res.method(&method)?;
            let mut columns: Vec<String> = ["name", "type", "param_type", "shape"]
                .map(String::from)
                .to_vec();
            if extended {
                columns.push("description".into());
            }
            let rows = describe::method_fields(m)
                .into_iter()
                .map(|r| r.into_iter().take(columns.len()).map(Cell::Text).collect())
                .collect();
            Ok(ResultSet { columns, rows })
        }
    }
}

fn field_rows(fields: Vec<Field>, extended: bool) -> ResultSet {
    let mut columns = vec!["name".to_string(), "type".to_string()];
    if extended {
        columns.push("description".into());
    }
    let rows = fields
        .into_iter()
        .map(|f| {
            let mut row = vec![Cell::Text(f.name), Cell::Text(f.type_name)];
            if extended {
                row.push(Cell::Text(f.description));
            }
            row
        })
        .collect();
    ResultSet { columns, rows }
}

/// The rows as a result set, narrowed by `LIKE` (on `name_col`) or `WHERE` in SQLite.
fn filtered(
    conn: &Connection,
    columns: &[&str],
    rows: Vec<Vec<String>>,
    filter: &ShowFilter,
    name_col: &str,
) -> Result<ResultSet, EngineError> {
    let columns_out: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
    let condition = match filter {
        ShowFilter::None => {
            return Ok(ResultSet {
                columns: columns_out,
                rows: rows
                    .into_iter()
                    .map(|r| r.into_iter().map(Cell::Text).collect())
                    .collect(),
            })
        }
        ShowFilter::Like(_) => format!("{} LIKE ?1", quote(name_col)),
        ShowFilter::Where(expr) => format!("({expr})"),
    };
    let sqlite = |e: rusqlite::Error| EngineError::Sqlite(e.to_string());
    let decl: Vec<String> = columns
        .iter()
        .map(|c| format!("{} TEXT", quote(c)))
        .collect();
    conn.execute_batch(&format!(
        "DROP TABLE IF EXISTS {SCRATCH}; CREATE TABLE {SCRATCH} ({});",
        decl.join(", ")
    ))
    .map_err(sqlite)?;
    let result: Result<Vec<Vec<Cell>>, EngineError> = (|| {
        let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
        let mut insert = conn
            .prepare(&format!(
                "INSERT INTO {SCRATCH} VALUES ({})",
                placeholders.join(", ")
            ))
            .map_err(sqlite)?;
        for row in &rows {
            insert
                .execute(rusqlite::params_from_iter(row.iter()))
                .map_err(sqlite)?;
        }
        let mut select = conn
            .prepare(&format!(
                "SELECT * FROM {SCRATCH} WHERE {condition} ORDER BY rowid"
            ))
            .map_err(|e| {
                EngineError::Invalid(format!(
                    "cannot apply the filter (columns here: {}): {e}",
                    columns.join(", ")
                ))
            })?;
        let params: Vec<String> = match filter {
            ShowFilter::Like(p) => vec![p.clone()],
            _ => Vec::new(),
        };
        let out = select
            .query_map(rusqlite::params_from_iter(params.iter()), |r| {
                (0..columns.len())
                    .map(|i| {
                        r.get::<_, Option<String>>(i)
                            .map(|v| v.map(Cell::Text).unwrap_or(Cell::Null))
                    })
                    .collect::<rusqlite::Result<Vec<Cell>>>()
            })
            .map_err(sqlite)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(sqlite)?;
        Ok(out)
    })();
    conn.execute_batch(&format!("DROP TABLE IF EXISTS {SCRATCH};"))
        .map_err(sqlite)?;
    Ok(ResultSet {
        columns: columns_out,
        rows: result?,
    })
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
