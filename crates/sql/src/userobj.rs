//! The user's own objects, as StackQL has them: views (`CREATE [OR REPLACE] VIEW`,
//! `DROP VIEW`), materialized views (`CREATE`/`REFRESH`/`DROP MATERIALIZED VIEW`) and tables
//! (`CREATE TABLE`, `INSERT`/`UPDATE`/`DELETE`, `DROP TABLE`). A name without dots is a user
//! object; `provider.service.resource` stays a provider table, so `INSERT INTO t` is a SQLite
//! write while `INSERT INTO aws.s.r` is an API call.

use crate::statement::{print_sql, rename_provider_tables, strip_comments};
use crate::{QualifiedName, SqlError};
use sqlparser::ast::{self, FromTable, ObjectName, ObjectNamePart, ObjectType, TableFactor};

/// The SQLite schema (an attached database file in the app root) holding user tables and
/// materialized views. `CREATE TABLE` is qualified with it because SQLite creates unqualified
/// tables in `main`, which is the in-memory database of provider tables; reads and writes
/// find it unqualified through SQLite's schema search.
pub const USER_SCHEMA: &str = "stackql_user";

#[derive(Clone, Debug, PartialEq)]
pub enum UserStatement {
    CreateView {
        name: String,
        /// `CREATE VIEW v (a, b) AS ...`: the view's column names.
        columns: Vec<String>,
        or_replace: bool,
        if_not_exists: bool,
        /// Rows computed once and stored (`REFRESH` recomputes them).
        materialized: bool,
        /// `CREATE TEMP VIEW`: this session only, never stored.
        temporary: bool,
        /// The SELECT, provider tables renamed for SQLite.
        query: String,
        /// The provider tables the SELECT reads.
        tables: Vec<QualifiedName>,
    },
    RefreshMaterializedView {
        name: String,
    },
    DropView {
        name: String,
        materialized: bool,
        if_exists: bool,
    },
    CreateTable {
        name: String,
        if_not_exists: bool,
        /// The DDL to run, qualified with `USER_SCHEMA` (None for `CREATE TABLE ... AS SELECT`).
        ddl: Option<String>,
        /// `CREATE TABLE t AS SELECT ...`: the SELECT (renamed) and the provider tables it reads.
        query: Option<(String, Vec<QualifiedName>)>,
    },
    DropTable {
        name: String,
        if_exists: bool,
    },
    /// INSERT, UPDATE or DELETE on a user table.
    Write {
        verb: &'static str,
        table: String,
        /// The statement for SQLite, provider tables (in subqueries) renamed.
        sql: String,
        /// Provider tables the statement reads.
        tables: Vec<QualifiedName>,
        /// For `INSERT ... SELECT` reading provider tables: the target columns and the
        /// source query, which runs as a query (several passes) before the rows are inserted.
        insert_source: Option<(Vec<String>, String)>,
    },
}

/// `Ok(None)` when `text` is not about a user object (provider mutations, queries, ...).
pub fn parse_user_statement(
    text: &str,
    first_word: &str,
    first_line: usize,
) -> Result<Option<UserStatement>, SqlError> {
    match first_word {
        "REFRESH" => parse_refresh(text).map(Some),
        "CREATE" | "DROP" | "INSERT" | "UPDATE" | "DELETE" | "REPLACE" => {
            parse_with_sqlparser(text, first_line)
        }
        _ => Ok(None),
    }
}

/// `REFRESH MATERIALIZED VIEW name` (sqlparser has no such statement).
fn parse_refresh(text: &str) -> Result<UserStatement, SqlError> {
    let body = strip_comments(text);
    let words: Vec<&str> = body.split_whitespace().collect();
    match words.as_slice() {
        [_, m, v, name]
            if m.eq_ignore_ascii_case("MATERIALIZED") && v.eq_ignore_ascii_case("VIEW") =>
        {
            Ok(UserStatement::RefreshMaterializedView {
                name: user_name_text(name)?,
            })
        }
        _ => Err(SqlError::Unsupported(
            "expected REFRESH MATERIALIZED VIEW name".into(),
        )),
    }
}

fn parse_with_sqlparser(text: &str, first_line: usize) -> Result<Option<UserStatement>, SqlError> {
    // A script's own syntax errors are reported by the main parser with the same message,
    // so a statement that does not parse is left to it; a limit is reported here.
    let mut statements = match crate::limits::parse_sql(text, first_line) {
        Ok(s) => s,
        Err(SqlError::Syntax { .. }) => return Ok(None),
        Err(other) => return Err(other),
    };
    if statements.len() != 1 {
        return Ok(None);
    }
    let mut stmt = statements.remove(0);
    let sql_of = |s: &ast::Statement| s.to_string();
    Ok(Some(match &mut stmt {
        ast::Statement::CreateView(cv) => {
            let name = user_name(&cv.name, "CREATE VIEW")?;
            let columns = cv.columns.iter().map(|c| c.name.value.clone()).collect();
            let tables = rename_provider_tables(cv.query.as_mut());
            UserStatement::CreateView {
                name,
                columns,
                or_replace: cv.or_replace,
                if_not_exists: cv.if_not_exists,
                materialized: cv.materialized,
                temporary: cv.temporary,
                query: print_sql(cv.query.as_mut()),
                tables,
            }
        }
        ast::Statement::CreateTable(ct) => {
            let name = user_name(&ct.name, "CREATE TABLE")?;
            if let Some(q) = ct.query.as_mut() {
                let tables = rename_provider_tables(q.as_mut());
                UserStatement::CreateTable {
                    name,
                    if_not_exists: ct.if_not_exists,
                    ddl: None,
                    query: Some((print_sql(q.as_mut()), tables)),
                }
            } else {
                if !ct.temporary {
                    ct.name = ObjectName::from(vec![
                        ast::Ident::with_quote('"', USER_SCHEMA),
                        ast::Ident::with_quote('"', name.clone()),
                    ]);
                }
                UserStatement::CreateTable {
                    name,
                    if_not_exists: ct.if_not_exists,
                    ddl: Some(sql_of(&stmt)),
                    query: None,
                }
            }
        }
        ast::Statement::Drop {
            object_type,
            if_exists,
            names,
            ..
        } => {
            let verb = match object_type {
                ObjectType::View => "DROP VIEW",
                ObjectType::MaterializedView => "DROP MATERIALIZED VIEW",
                ObjectType::Table => "DROP TABLE",
                _ => return Ok(None),
            };
            let [one] = names.as_slice() else {
                return Err(SqlError::Unsupported(format!(
                    "{verb} takes one name at a time"
                )));
            };
            let name = user_name(one, verb)?;
            match object_type {
                ObjectType::Table => UserStatement::DropTable {
                    name,
                    if_exists: *if_exists,
                },
                other => UserStatement::DropView {
                    name,
                    materialized: *other == ObjectType::MaterializedView,
                    if_exists: *if_exists,
                },
            }
        }
        ast::Statement::Insert(insert) => {
            let ast::TableObject::TableName(target) = &insert.table else {
                return Ok(None);
            };
            let Some(table) = one_part(target) else {
                return Ok(None);
            };
            let columns: Vec<String> = insert
                .columns
                .iter()
                .filter_map(|c| c.0.last().map(|p| p.to_string()))
                .collect();
            let (tables, source) = match insert.source.as_mut() {
                Some(src) => {
                    let tables = rename_provider_tables(src.as_mut());
                    (tables, Some(print_sql(src.as_mut())))
                }
                None => (Vec::new(), None),
            };
            let insert_source = match (&tables[..], source) {
                ([], _) | (_, None) => None,
                (_, Some(src)) => Some((columns, src)),
            };
            UserStatement::Write {
                verb: "INSERT INTO",
                table,
                sql: sql_of(&stmt),
                tables,
                insert_source,
            }
        }
        ast::Statement::Update(update) => {
            let TableFactor::Table { name, .. } = &update.table.relation else {
                return Ok(None);
            };
            let Some(table) = one_part(name) else {
                return Ok(None);
            };
            let tables = rename_provider_tables(&mut stmt);
            UserStatement::Write {
                verb: "UPDATE",
                table,
                sql: sql_of(&stmt),
                tables,
                insert_source: None,
            }
        }
        ast::Statement::Delete(delete) => {
            let from = match &delete.from {
                FromTable::WithFromKeyword(t) | FromTable::WithoutKeyword(t) => t,
            };
            let [t] = from.as_slice() else {
                return Ok(None);
            };
            let TableFactor::Table { name, .. } = &t.relation else {
                return Ok(None);
            };
            let Some(table) = one_part(name) else {
                return Ok(None);
            };
            let tables = rename_provider_tables(&mut stmt);
            UserStatement::Write {
                verb: "DELETE FROM",
                table,
                sql: sql_of(&stmt),
                tables,
                insert_source: None,
            }
        }
        _ => return Ok(None),
    }))
}

/// A one-part name (`t` or `"t"`), else None (provider tables, schema-qualified names).
fn one_part(name: &ObjectName) -> Option<String> {
    match name.0.as_slice() {
        [ObjectNamePart::Identifier(i)] if !i.value.contains('.') => Some(i.value.clone()),
        _ => None,
    }
}

/// The name of a user object, or why it cannot be one.
fn user_name(name: &ObjectName, verb: &str) -> Result<String, SqlError> {
    if let Some(n) = one_part(name) {
        return Ok(n);
    }
    let parts: Vec<String> = name.0.iter().map(|p| p.to_string()).collect();
    let shown = name.to_string();
    if parts.len() == 3 || (parts.len() == 1 && shown.matches('.').count() == 2) {
        Err(SqlError::Unsupported(format!(
            "{verb} {shown}: provider.service.resource names are provider tables, defined by the registry; \
             name your view or table with one identifier (e.g. my_images)"
        )))
    } else {
        Err(SqlError::Unsupported(format!(
            "{verb} {shown}: user views and tables have one-part names (no schema), e.g. my_images"
        )))
    }
}

fn user_name_text(word: &str) -> Result<String, SqlError> {
    let w = word.trim_end_matches(';');
    let unquoted = w
        .strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .unwrap_or(w);
    if unquoted.is_empty() || unquoted.contains('.') {
        return Err(SqlError::Unsupported(format!(
            "REFRESH MATERIALIZED VIEW {w}: expected the one-part name of a materialized view"
        )));
    }
    Ok(unquoted.to_string())
}

#[cfg(test)]
mod tests {
    use crate::{parse_statement, Statement};

    use super::*;

    fn user(sql: &str) -> UserStatement {
        match parse_statement(sql, 1).unwrap() {
            Statement::User(u) => u,
            other => panic!("not a user statement: {other:?}"),
        }
    }

    #[test]
    fn create_view_over_provider_table() {
        let UserStatement::CreateView {
            name,
            tables,
            query,
            materialized,
            or_replace,
            ..
        } = user(
            "CREATE OR REPLACE VIEW my_images AS SELECT image_arn FROM aws.sagemaker.images WHERE region = 'us-east-1'",
        )
        else {
            panic!()
        };
        assert_eq!(name, "my_images");
        assert!(or_replace && !materialized);
        assert_eq!(tables[0].to_string(), "aws.sagemaker.images");
        assert!(query.contains("\"aws.sagemaker.images\""), "{query}");
    }

    #[test]
    fn materialized_refresh_and_drops() {
        assert!(matches!(
            user("CREATE MATERIALIZED VIEW mv AS SELECT 1 AS x"),
            UserStatement::CreateView {
                materialized: true,
                ..
            }
        ));
        assert_eq!(
            user("REFRESH MATERIALIZED VIEW mv"),
            UserStatement::RefreshMaterializedView { name: "mv".into() }
        );
        assert_eq!(
            user("DROP MATERIALIZED VIEW IF EXISTS mv"),
            UserStatement::DropView {
                name: "mv".into(),
                materialized: true,
                if_exists: true
            }
        );
        assert_eq!(
            user("DROP VIEW v"),
            UserStatement::DropView {
                name: "v".into(),
                materialized: false,
                if_exists: false
            }
        );
        assert_eq!(
            user("DROP TABLE t"),
            UserStatement::DropTable {
                name: "t".into(),
                if_exists: false
            }
        );
    }

    #[test]
    fn tables_are_created_in_the_user_schema() {
        let UserStatement::CreateTable { ddl: Some(ddl), .. } =
            user("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        else {
            panic!()
        };
        assert!(ddl.contains("\"stackql_user\".\"notes\""), "{ddl}");
    }

    #[test]
    fn insert_into_user_table_is_not_a_provider_mutation() {
        let UserStatement::Write {
            verb,
            table,
            insert_source,
            ..
        } = user("INSERT INTO notes (body) VALUES ('x')")
        else {
            panic!()
        };
        assert_eq!((verb, table.as_str()), ("INSERT INTO", "notes"));
        assert!(insert_source.is_none());
        let UserStatement::Write {
            insert_source: Some((cols, src)),
            tables,
            ..
        } = user(
            "INSERT INTO arns (arn) SELECT image_arn FROM aws.sagemaker.images WHERE region = 'us-east-1'",
        )
        else {
            panic!()
        };
        assert_eq!(cols, vec!["arn"]);
        assert_eq!(tables.len(), 1);
        assert!(src.contains("\"aws.sagemaker.images\""));
        // Provider tables stay provider mutations.
        assert!(matches!(
            parse_statement(
                "INSERT INTO aws.sagemaker.images (region) SELECT 'us-east-1'",
                1
            )
            .unwrap(),
            Statement::Insert { .. }
        ));
    }

    #[test]
    fn provider_names_are_refused_as_user_objects() {
        let e = parse_statement("CREATE VIEW aws.sagemaker.mine AS SELECT 1", 1).unwrap_err();
        assert!(e.to_string().contains("provider tables"), "{e}");
        let e = parse_statement("DROP TABLE aws.sagemaker.images", 1).unwrap_err();
        assert!(e.to_string().contains("provider tables"), "{e}");
    }
}
