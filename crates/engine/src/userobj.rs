//! User views, materialized views and tables, kept in `<approot>/stackql.db` so they
//! outlive the process. That file is attached as schema `stackql_user`: user tables and the
//! rows of materialized views are ordinary tables there, and every view definition is a row
//! of `__stackql_views`. Views are recreated at start as TEMP views of the connection,
//! because a view stored in an attached file cannot name the provider virtual tables, which
//! live in `main`; selecting from one re-runs its query, so its API calls happen then.
//! The file is only created by the first statement that stores something.

use crate::error::EngineError;
use crate::{Completion, Engine, MutationResult, Outcome};
use rusqlite::types::Value as SqlValue;
use rusqlite::{params, Connection, OptionalExtension};
use stackql_output::ResultSet;
use stackql_registry::closest_names;
use stackql_sql::{QualifiedName, UserStatement, USER_SCHEMA};
use std::collections::BTreeMap;
use std::path::PathBuf;

const META: &str = "__stackql_views";

#[derive(Clone, Debug, PartialEq)]
struct StoredView {
    name: String,
    materialized: bool,
    columns: Vec<String>,
    query: String,
    tables: Vec<QualifiedName>,
}

pub(crate) struct UserObjects {
    /// `<approot>/stackql.db`; None keeps user objects in memory for the engine's life.
    path: Option<PathBuf>,
    attached: bool,
    /// Keyed by lower-case name (SQLite names are case-insensitive).
    views: BTreeMap<String, StoredView>,
    /// `PRAGMA data_version` when the views were last read: another process or session
    /// writing the file changes it, and the definitions are read again.
    seen_version: Option<i64>,
}

fn sql_err(e: rusqlite::Error) -> EngineError {
    EngineError::Sqlite(e.to_string())
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn user_table(name: &str) -> String {
    format!("{}.{}", quote(USER_SCHEMA), quote(name))
}

impl UserObjects {
    pub(crate) fn open(conn: &Connection, approot: Option<PathBuf>) -> Result<Self, EngineError> {
        let mut u = UserObjects {
            path: approot.map(|a| a.join("stackql.db")),
            attached: false,
            views: BTreeMap::new(),
            seen_version: None,
        };
        u.sync(conn)?;
        Ok(u)
    }

    /// Attaches the file when it exists (or when `create`), and reloads view definitions
    /// that another writer changed.
    fn sync_inner(&mut self, conn: &Connection, create: bool) -> Result<(), EngineError> {
        if !self.attached {
            let target = match &self.path {
                Some(p) if p.is_file() => p.display().to_string(),
                Some(p) if create => {
                    if let Some(dir) = p.parent() {
                        std::fs::create_dir_all(dir).map_err(|e| {
                            EngineError::Invalid(format!(
                                "cannot create the app root {}: {e}",
                                dir.display()
                            ))
                        })?;
                    }
                    p.display().to_string()
                }
                Some(_) => return Ok(()),
                None if create => ":memory:".to_string(),
                None => return Ok(()),
            };
            // Several sessions (stackql srv) may share the file.
            conn.busy_timeout(std::time::Duration::from_secs(10))
                .map_err(sql_err)?;
            conn.execute(
                &format!("ATTACH DATABASE ?1 AS {}", quote(USER_SCHEMA)),
                params![target],
            )
            .map_err(|e| EngineError::Sqlite(format!("cannot open {target}: {e}")))?;
            conn.execute_batch(&format!(
                "CREATE TABLE IF NOT EXISTS {} (
                    name TEXT PRIMARY KEY COLLATE NOCASE,
                    kind TEXT NOT NULL,
                    columns TEXT NOT NULL,
                    query TEXT NOT NULL,
                    tables TEXT NOT NULL,
                    created TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
                    refreshed TEXT)",
                user_table(META)
            ))
            .map_err(sql_err)?;
            self.attached = true;
        }
        let version: i64 = conn
            .query_row(
                &format!("PRAGMA {}.data_version", quote(USER_SCHEMA)),
                [],
                |r| r.get(0),
            )
            .map_err(sql_err)?;
        if self.seen_version != Some(version) {
            self.reload(conn)?;
            self.seen_version = Some(version);
        }
        Ok(())
    }

    pub(crate) fn sync(&mut self, conn: &Connection) -> Result<(), EngineError> {
        self.sync_inner(conn, false)
    }

    fn reload(&mut self, conn: &Connection) -> Result<(), EngineError> {
        let mut stmt = conn
            .prepare(&format!(
                "SELECT name, kind, columns, query, tables FROM {}",
                user_table(META)
            ))
            .map_err(sql_err)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })
            .map_err(sql_err)?;
        let mut fresh = BTreeMap::new();
        for row in rows {
            let (name, kind, columns, query, tables) = row.map_err(sql_err)?;
            let columns: Vec<String> = serde_json::from_str(&columns).unwrap_or_default();
            let tables: Vec<String> = serde_json::from_str(&tables).unwrap_or_default();
            let tables = tables.iter().filter_map(|t| parse_qualified(t)).collect();
            fresh.insert(
                name.to_lowercase(),
                StoredView {
                    name,
                    materialized: kind == "materialized",
                    columns,
                    query,
                    tables,
                },
            );
        }
        drop(stmt);
        for (key, old) in &self.views {
            if !old.materialized && fresh.get(key) != Some(old) {
                conn.execute_batch(&format!("DROP VIEW IF EXISTS temp.{}", quote(&old.name)))
                    .map_err(sql_err)?;
            }
        }
        for (key, v) in &fresh {
            if !v.materialized && self.views.get(key) != Some(v) {
                create_temp_view(conn, v)?;
            }
        }
        self.views = fresh;
        Ok(())
    }

    /// The provider tables a query needs, including those read by the user views it names
    /// (and the views those name). Names are found by a word search of the SQL: a false
    /// match only creates a table that is not used.
    pub(crate) fn expand_tables(&self, sql: &str, tables: &[QualifiedName]) -> Vec<QualifiedName> {
        let mut out = tables.to_vec();
        let mut pending = vec![sql.to_string()];
        let mut visited = std::collections::BTreeSet::new();
        while let Some(text) = pending.pop() {
            for (key, v) in &self.views {
                if !v.materialized && !visited.contains(key) && mentions(&text, &v.name) {
                    visited.insert(key.clone());
                    for t in &v.tables {
                        if !out.contains(t) {
                            out.push(t.clone());
                        }
                    }
                    pending.push(v.query.clone());
                }
            }
        }
        out
    }

    /// Names of user tables, views and materialized views (for suggestions).
    fn names(&self, conn: &Connection) -> Vec<String> {
        let mut names: Vec<String> = self.views.values().map(|v| v.name.clone()).collect();
        if self.attached {
            if let Ok(mut stmt) = conn.prepare(&format!(
                "SELECT name FROM {}.sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_\\_stackql%' ESCAPE '\\'",
                quote(USER_SCHEMA)
            )) {
                if let Ok(rows) = stmt.query_map([], |r| r.get::<_, String>(0)) {
                    names.extend(rows.flatten());
                }
            }
        }
        names.sort();
        names.dedup();
        names
    }

    fn table_exists(&self, conn: &Connection, name: &str) -> Result<bool, EngineError> {
        if !self.attached {
            return Ok(false);
        }
        conn.query_row(
            &format!(
                "SELECT 1 FROM {}.sqlite_master WHERE type = 'table' AND name = ?1 COLLATE NOCASE",
                quote(USER_SCHEMA)
            ),
            params![name],
            |_| Ok(()),
        )
        .optional()
        .map(|o| o.is_some())
        .map_err(sql_err)
    }

    fn view(&self, name: &str) -> Option<&StoredView> {
        self.views.get(&name.to_lowercase())
    }

    fn store(&mut self, conn: &Connection, v: &StoredView) -> Result<(), EngineError> {
        let tables: Vec<String> = v.tables.iter().map(|t| t.to_string()).collect();
        conn.execute(
            &format!(
                "INSERT OR REPLACE INTO {} (name, kind, columns, query, tables, refreshed)
                 VALUES (?1, ?2, ?3, ?4, ?5, CASE WHEN ?2 = 'materialized' THEN CURRENT_TIMESTAMP END)",
                user_table(META)
            ),
            params![
                v.name,
                if v.materialized { "materialized" } else { "view" },
                serde_json::to_string(&v.columns).expect("json"),
                v.query,
                serde_json::to_string(&tables).expect("json"),
            ],
        )
        .map_err(sql_err)?;
        self.views.insert(v.name.to_lowercase(), v.clone());
        self.note_own_write(conn)
    }

    fn forget(&mut self, conn: &Connection, name: &str) -> Result<(), EngineError> {
        conn.execute(
            &format!("DELETE FROM {} WHERE name = ?1", user_table(META)),
            params![name],
        )
        .map_err(sql_err)?;
        self.views.remove(&name.to_lowercase());
        self.note_own_write(conn)
    }

    /// Our own writes do not change `data_version` for this connection, but re-read it so a
    /// later change by someone else is still noticed.
    fn note_own_write(&mut self, conn: &Connection) -> Result<(), EngineError> {
        self.seen_version = Some(
            conn.query_row(
                &format!("PRAGMA {}.data_version", quote(USER_SCHEMA)),
                [],
                |r| r.get(0),
            )
            .map_err(sql_err)?,
        );
        Ok(())
    }

    fn unknown(&self, conn: &Connection, what: &str, name: &str) -> EngineError {
        let known = self.names(conn);
        let suggestions = closest_names(name, known.iter().map(String::as_str));
        EngineError::Invalid(format!(
            "{what} '{name}' does not exist{}",
            did_you_mean(&suggestions)
        ))
    }
}

fn did_you_mean(s: &[String]) -> String {
    if s.is_empty() {
        String::new()
    } else {
        format!(" (did you mean {}?)", s.join(", "))
    }
}

fn parse_qualified(s: &str) -> Option<QualifiedName> {
    let mut it = s.splitn(3, '.');
    Some(QualifiedName {
        provider: it.next()?.to_string(),
        service: it.next()?.to_string(),
        resource: it.next()?.to_string(),
    })
}

/// Whether `name` occurs in `sql` as a whole identifier (case-insensitive).
fn mentions(sql: &str, name: &str) -> bool {
    let hay = sql.to_lowercase();
    let needle = name.to_lowercase();
    let is_ident = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    let mut from = 0;
    while let Some(pos) = hay[from..].find(&needle) {
        let start = from + pos;
        let end = start + needle.len();
        let before = hay[..start].chars().next_back();
        let after = hay[end..].chars().next();
        if !before.is_some_and(is_ident) && !after.is_some_and(is_ident) {
            return true;
        }
        from = start + needle.len().max(1);
    }
    false
}

fn create_temp_view(conn: &Connection, v: &StoredView) -> Result<(), EngineError> {
    let cols = if v.columns.is_empty() {
        String::new()
    } else {
        format!(
            " ({})",
            v.columns
                .iter()
                .map(|c| quote(c))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    conn.execute_batch(&format!(
        "CREATE TEMP VIEW {}{cols} AS {}",
        quote(&v.name),
        v.query
    ))
    .map_err(|e| EngineError::Sqlite(format!("creating view {}: {e}", v.name)))
}

fn done(completion: Completion, verb: &'static str, target: &str, status: String) -> Outcome {
    Outcome::Mutations(vec![MutationResult {
        verb,
        target: target.to_string(),
        completion,
        operation: None,
        type_name: None,
        identifier: None,
        request_token: None,
        status: Some(status),
        status_message: None,
        error_code: None,
        awaited: true,
    }])
}

/// Column names for a stored result: SQLite refuses duplicates, so `name, name` becomes
/// `name, name_2`.
fn unique_columns(columns: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in columns {
        let base = if c.is_empty() { "column" } else { c };
        let mut candidate = base.to_string();
        let mut n = 2;
        while out.iter().any(|o| o.eq_ignore_ascii_case(&candidate)) {
            candidate = format!("{base}_{n}");
            n += 1;
        }
        out.push(candidate);
    }
    out
}

/// Replaces (or creates) `table` in the user schema with the rows of `rs`, in one
/// transaction so that a failure leaves the previous rows.
fn store_rows(
    conn: &Connection,
    table: &str,
    columns: &[String],
    rs: &ResultSet,
    replace: bool,
) -> Result<usize, EngineError> {
    let cols = unique_columns(if columns.is_empty() {
        &rs.columns
    } else {
        columns
    });
    if cols.len() != rs.columns.len() {
        return Err(EngineError::Invalid(format!(
            "{table}: {} column names given for a query of {} columns",
            cols.len(),
            rs.columns.len()
        )));
    }
    let target = user_table(table);
    let tx = conn.unchecked_transaction().map_err(sql_err)?;
    if replace {
        tx.execute_batch(&format!("DROP TABLE IF EXISTS {target}"))
            .map_err(sql_err)?;
    }
    tx.execute_batch(&format!(
        "CREATE TABLE {target} ({})",
        cols.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", ")
    ))
    .map_err(sql_err)?;
    insert_rows(&tx, &target, &[], rs)?;
    tx.commit().map_err(sql_err)?;
    Ok(rs.rows.len())
}

fn insert_rows(
    conn: &Connection,
    target: &str,
    columns: &[String],
    rs: &ResultSet,
) -> Result<usize, EngineError> {
    let cols = if columns.is_empty() {
        String::new()
    } else {
        format!(
            " ({})",
            columns
                .iter()
                .map(|c| quote(c))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let marks = vec!["?"; rs.columns.len()].join(", ");
    let mut stmt = conn
        .prepare(&format!("INSERT INTO {target}{cols} VALUES ({marks})"))
        .map_err(sql_err)?;
    for row in &rs.rows {
        let values: Vec<SqlValue> = row.iter().map(crate::decode::values::cell_to_sql).collect();
        stmt.execute(rusqlite::params_from_iter(values))
            .map_err(sql_err)?;
    }
    Ok(rs.rows.len())
}

/// Checks that the provider tables of a definition (`sql`) exist (unknown names get
/// suggestions) and creates them in the connection, registry views instantiated for it.
fn ensure_tables(
    engine: &mut Engine,
    sql: &str,
    tables: &[QualifiedName],
) -> Result<(), EngineError> {
    engine
        .catalog
        .prepare(&engine.conn, &engine.ctx.registry, sql, tables)?;
    Ok(())
}

/// "no such table: x" from SQLite, with the closest user objects named.
pub(crate) fn explain_missing(engine: &Engine, e: EngineError) -> EngineError {
    if let EngineError::Sqlite(msg) = &e {
        if let Some(name) = msg.split("no such table: ").nth(1) {
            let name = name.trim().trim_start_matches("main.");
            let known = engine.user.names(&engine.conn);
            let suggestions = closest_names(name, known.iter().map(String::as_str));
            if !suggestions.is_empty() {
                return EngineError::Sqlite(format!("{msg}{}", did_you_mean(&suggestions)));
            }
        }
    }
    e
}

pub(crate) fn run(engine: &mut Engine, stmt: UserStatement) -> Result<Outcome, EngineError> {
    engine.user.sync(&engine.conn)?;
    match stmt {
        UserStatement::CreateView {
            name,
            columns,
            or_replace,
            if_not_exists,
            materialized,
            temporary,
            query,
            tables,
        } => {
            if engine.user.table_exists(&engine.conn, &name)? && engine.user.view(&name).is_none() {
                return Err(EngineError::Invalid(format!(
                    "a table named '{name}' exists; drop it first or choose another name"
                )));
            }
            let verb = if materialized {
                "CREATE MATERIALIZED VIEW"
            } else {
                "CREATE VIEW"
            };
            if let Some(existing) = engine.user.view(&name) {
                if if_not_exists {
                    return Ok(done(
                        Completion::Ddl,
                        verb,
                        &name,
                        "already exists, unchanged".into(),
                    ));
                }
                if existing.materialized != materialized {
                    return Err(EngineError::Invalid(format!(
                        "'{name}' is a {}; drop it with DROP {}VIEW first",
                        if existing.materialized {
                            "materialized view"
                        } else {
                            "view"
                        },
                        if existing.materialized {
                            "MATERIALIZED "
                        } else {
                            ""
                        }
                    )));
                }
                if !or_replace {
                    return Err(EngineError::Invalid(format!(
                        "view '{name}' already exists (CREATE OR REPLACE {}VIEW replaces it)",
                        if materialized { "MATERIALIZED " } else { "" }
                    )));
                }
            }
            ensure_tables(engine, &query, &tables)?;
            let view = StoredView {
                name: name.clone(),
                materialized,
                columns,
                query,
                tables,
            };
            if materialized {
                let rs = engine.query(&view.query, &view.tables)?;
                engine.user.sync_inner(&engine.conn, true)?;
                let n = store_rows(&engine.conn, &name, &view.columns, &rs, true)?;
                engine.user.store(&engine.conn, &view)?;
                return Ok(done(
                    Completion::Ddl,
                    verb,
                    &name,
                    format!("{n} row(s) stored"),
                ));
            }
            engine
                .conn
                .execute_batch(&format!("DROP VIEW IF EXISTS temp.{}", quote(&name)))
                .map_err(sql_err)?;
            create_temp_view(&engine.conn, &view)?;
            if temporary {
                return Ok(done(
                    Completion::Ddl,
                    verb,
                    &name,
                    "OK (this session only)".into(),
                ));
            }
            engine.user.sync_inner(&engine.conn, true)?;
            engine.user.store(&engine.conn, &view)?;
            Ok(done(Completion::Ddl, verb, &name, "OK".into()))
        }
        UserStatement::RefreshMaterializedView { name } => {
            let Some(view) = engine.user.view(&name).cloned() else {
                return Err(engine
                    .user
                    .unknown(&engine.conn, "materialized view", &name));
            };
            if !view.materialized {
                return Err(EngineError::Invalid(format!(
                    "'{name}' is a view, not a materialized view: it runs its query whenever it is selected"
                )));
            }
            ensure_tables(engine, &view.query, &view.tables)?;
            // The query runs first: if it fails, the stored rows stay as they were.
            let rs = engine.query(&view.query, &view.tables)?;
            let n = store_rows(&engine.conn, &view.name, &view.columns, &rs, true)?;
            engine.user.store(&engine.conn, &view)?;
            Ok(done(
                Completion::Refresh,
                "REFRESH MATERIALIZED VIEW",
                &view.name,
                format!("{n} row(s) stored"),
            ))
        }
        UserStatement::DropView {
            name,
            materialized,
            if_exists,
        } => {
            let verb = if materialized {
                "DROP MATERIALIZED VIEW"
            } else {
                "DROP VIEW"
            };
            let Some(view) = engine.user.view(&name).cloned() else {
                if if_exists {
                    return Ok(done(Completion::Ddl, verb, &name, "did not exist".into()));
                }
                let what = if materialized {
                    "materialized view"
                } else {
                    "view"
                };
                return Err(engine.user.unknown(&engine.conn, what, &name));
            };
            if view.materialized != materialized {
                return Err(EngineError::Invalid(if view.materialized {
                    format!("'{name}' is a materialized view: use DROP MATERIALIZED VIEW {name}")
                } else {
                    format!("'{name}' is a view, not a materialized view: use DROP VIEW {name}")
                }));
            }
            let tx = engine.conn.unchecked_transaction().map_err(sql_err)?;
            if view.materialized {
                tx.execute_batch(&format!("DROP TABLE IF EXISTS {}", user_table(&view.name)))
                    .map_err(sql_err)?;
            } else {
                tx.execute_batch(&format!("DROP VIEW IF EXISTS temp.{}", quote(&view.name)))
                    .map_err(sql_err)?;
            }
            engine.user.forget(&tx, &view.name)?;
            tx.commit().map_err(sql_err)?;
            Ok(done(Completion::Ddl, verb, &view.name, "OK".into()))
        }
        UserStatement::CreateTable {
            name,
            if_not_exists,
            ddl,
            query,
        } => {
            if let Some(v) = engine.user.view(&name) {
                return Err(EngineError::Invalid(format!(
                    "'{name}' is a {}; choose another table name",
                    if v.materialized {
                        "materialized view"
                    } else {
                        "view"
                    }
                )));
            }
            engine.user.sync_inner(&engine.conn, true)?;
            if engine.user.table_exists(&engine.conn, &name)? {
                if if_not_exists {
                    return Ok(done(
                        Completion::Ddl,
                        "CREATE TABLE",
                        &name,
                        "already exists, unchanged".into(),
                    ));
                }
                return Err(EngineError::Invalid(format!(
                    "table '{name}' already exists"
                )));
            }
            match (ddl, query) {
                (_, Some((sql, tables))) => {
                    ensure_tables(engine, &sql, &tables)?;
                    let rs = engine.query(&sql, &tables)?;
                    let n = store_rows(&engine.conn, &name, &[], &rs, false)?;
                    Ok(done(
                        Completion::Ddl,
                        "CREATE TABLE",
                        &name,
                        format!("{n} row(s) stored"),
                    ))
                }
                (Some(ddl), None) => {
                    engine.conn.execute_batch(&ddl).map_err(sql_err)?;
                    Ok(done(Completion::Ddl, "CREATE TABLE", &name, "OK".into()))
                }
                (None, None) => unreachable!("CREATE TABLE has columns or a query"),
            }
        }
        UserStatement::DropTable { name, if_exists } => {
            if let Some(v) = engine.user.view(&name) {
                return Err(EngineError::Invalid(if v.materialized {
                    format!("'{name}' is a materialized view: use DROP MATERIALIZED VIEW {name}")
                } else {
                    format!("'{name}' is a view: use DROP VIEW {name}")
                }));
            }
            if !engine.user.table_exists(&engine.conn, &name)? {
                if if_exists {
                    return Ok(done(
                        Completion::Ddl,
                        "DROP TABLE",
                        &name,
                        "did not exist".into(),
                    ));
                }
                return Err(engine.user.unknown(&engine.conn, "table", &name));
            }
            engine
                .conn
                .execute_batch(&format!("DROP TABLE {}", user_table(&name)))
                .map_err(sql_err)?;
            Ok(done(Completion::Ddl, "DROP TABLE", &name, "OK".into()))
        }
        UserStatement::Write {
            verb,
            table,
            sql,
            tables,
            insert_source,
        } => {
            if let Some(v) = engine.user.view(&table) {
                return Err(EngineError::Invalid(format!(
                    "'{table}' is a {}: only tables take {verb}{}",
                    if v.materialized {
                        "materialized view"
                    } else {
                        "view"
                    },
                    if v.materialized {
                        format!(" (REFRESH MATERIALIZED VIEW {table} recomputes it)")
                    } else {
                        String::new()
                    }
                )));
            }
            if !engine.user.table_exists(&engine.conn, &table)? {
                return Err(engine.user.unknown(&engine.conn, "table", &table));
            }
            ensure_tables(engine, &sql, &tables)?;
            let n = match insert_source {
                // Reading provider tables takes the multi-pass query path; the rows are then
                // inserted once (running the INSERT itself per pass would repeat them).
                Some((columns, source)) => {
                    let rs = engine.query(&source, &tables)?;
                    let tx = engine.conn.unchecked_transaction().map_err(sql_err)?;
                    let n = insert_rows(&tx, &user_table(&table), &columns, &rs)?;
                    tx.commit().map_err(sql_err)?;
                    n
                }
                None => engine.conn.execute(&sql, []).map_err(sql_err)?,
            };
            // StackQL inserts through its own path and runs UPDATE/DELETE natively.
            let completion = if verb.starts_with("INSERT") {
                Completion::TableInsert
            } else {
                Completion::NativeExec
            };
            Ok(done(completion, verb, &table, format!("{n} row(s)")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_whole_words_only() {
        assert!(mentions("SELECT * FROM my_view WHERE x", "my_view"));
        assert!(mentions("select * from \"My_View\"", "my_view"));
        assert!(!mentions("SELECT * FROM my_view2", "my_view"));
        assert!(!mentions("SELECT * FROM xmy_view", "my_view"));
    }

    #[test]
    fn duplicate_columns_get_suffixes() {
        assert_eq!(
            unique_columns(&["a".into(), "a".into(), "b".into(), "A".into()]),
            vec!["a", "a_2", "b", "A_3"]
        );
    }
}
