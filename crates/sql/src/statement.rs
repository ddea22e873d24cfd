//! Classifying and parsing one statement. Standard SQL goes through `sqlparser` (SQLite
//! dialect) and is printed back with provider tables renamed to one quoted identifier;
//! `EXEC` has its own small parser because sqlparser cannot carry `@@json`.

use crate::lexer::Lexer;
use crate::{Hints, SqlError};
use sqlparser::ast::{
    self, visit_relations_mut, BinaryOperator, Expr, FromTable, FunctionArg, FunctionArgExpr,
    FunctionArguments, Ident, InTarget, ObjectName, ObjectNamePart, SetExpr, TableFactor,
    TableObject, UnaryOperator, Value,
};
use std::collections::BTreeSet;
use std::fmt;
use std::ops::ControlFlow;

/// `provider.service.resource`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QualifiedName {
    pub provider: String,
    pub service: String,
    pub resource: String,
}

impl fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.provider, self.service, self.resource)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    Null,
    Bool(bool),
    Integer(i64),
    Real(f64),
    Text(String),
}

impl Literal {
    /// The text a parameter value is sent as.
    pub fn as_text(&self) -> String {
        match self {
            Literal::Null => String::new(),
            Literal::Bool(b) => b.to_string(),
            Literal::Integer(i) => i.to_string(),
            Literal::Real(r) => r.to_string(),
            Literal::Text(s) => s.clone(),
        }
    }
}

/// A WHERE conjunct the engine can turn into request parameters.
#[derive(Clone, Debug, PartialEq)]
pub enum Predicate {
    Eq {
        column: String,
        value: Literal,
    },
    In {
        column: String,
        values: Vec<Literal>,
    },
}

impl Predicate {
    pub fn column(&self) -> &str {
        match self {
            Predicate::Eq { column, .. } | Predicate::In { column, .. } => column,
        }
    }
    pub fn values(&self) -> Vec<Literal> {
        match self {
            Predicate::Eq { value, .. } => vec![value.clone()],
            Predicate::In { values, .. } => values.clone(),
        }
    }
}

/// `SET column = expr` of an UPDATE; `expr_sql` is evaluated by SQLite.
#[derive(Clone, Debug, PartialEq)]
pub struct Assignment {
    pub column: String,
    pub expr_sql: String,
    /// Wrapped in `string(...)`: send as a JSON string whatever the schema says.
    pub force_string: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ExecArg {
    pub name: String,
    pub value: Literal,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Statement {
    /// SELECT / WITH / VALUES: run as-is in SQLite after renaming provider tables.
    Query {
        sql: String,
        tables: Vec<QualifiedName>,
        hints: Hints,
    },
    /// `EXPLAIN <statement>`: the calls it would make, nothing sent. (`EXPLAIN QUERY PLAN`
    /// stays SQLite's and is a Query.)
    Explain(Box<Statement>),
    Insert {
        target: QualifiedName,
        columns: Vec<String>,
        /// The SELECT or VALUES producing the rows, rewritten for SQLite.
        source_sql: String,
        /// Per source column: wrapped in `string(...)`.
        force_string: Vec<bool>,
        source_tables: Vec<QualifiedName>,
        hints: Hints,
    },
    Update {
        target: QualifiedName,
        assignments: Vec<Assignment>,
        predicates: Vec<Predicate>,
        hints: Hints,
    },
    Delete {
        target: QualifiedName,
        predicates: Vec<Predicate>,
        hints: Hints,
    },
    Exec {
        target: QualifiedName,
        method: String,
        args: Vec<ExecArg>,
        /// `@@json='{...}'`: the request body given whole.
        json_body: Option<String>,
        hints: Hints,
    },
    /// `SHOW ...` / `DESCRIBE ...`: answered from the registry, nothing sent.
    Discovery(crate::discovery::Discovery),
    /// Views, materialized views and tables of the user's own (`userobj.rs`).
    User(crate::userobj::UserStatement),
    /// `REGISTRY LIST [provider]` / `REGISTRY PULL provider [version]`.
    Registry(crate::registry_cmd::RegistryCommand),
}

/// Parses one statement (as cut by `split_statements`). `first_line` is its line in the
/// script, so syntax errors point at the script, not the statement. Statements over the
/// size and depth limits (`limits.rs`) are refused before anything is built from them.
pub fn parse_statement(text: &str, first_line: usize) -> Result<Statement, SqlError> {
    crate::limits::check_statement(text, first_line)?;
    crate::limits::with_stack(|| parse_checked(text, first_line))
}

fn parse_checked(text: &str, first_line: usize) -> Result<Statement, SqlError> {
    // Before the hint check: `/*+ REQUIRED */` belongs to SHOW INSERT, which checks its own hints.
    if let Some(d) = crate::discovery::parse_discovery(text, first_line)? {
        return Ok(Statement::Discovery(d));
    }
    let hints = Hints::scan(text);
    if let Some(name) = hints.unknown.first() {
        return Err(SqlError::Unsupported(format!(
            "unknown query hint '{name}' (supported: AWAIT, ALLOW_PARTIAL)"
        )));
    }
    let first_word = leading_word(text);
    if first_word == "EXEC" {
        return parse_exec(text, hints, first_line);
    }
    if first_word == "REGISTRY" {
        return crate::registry_cmd::parse_registry(text).map(Statement::Registry);
    }
    // User views and tables (names without dots) are plain SQLite objects, not provider calls.
    if let Some(u) = crate::userobj::parse_user_statement(text, &first_word, first_line)? {
        return Ok(Statement::User(u));
    }
    if first_word == "EXPLAIN" {
        // `EXPLAIN EXPLAIN x` explains x: the words are taken off in a loop, so a long run
        // of them costs no recursion.
        let mut rest = text;
        while leading_word(rest) == "EXPLAIN" {
            let body = strip_comments(rest);
            let after = body["EXPLAIN".len()..].trim_start();
            if leading_word(after) == "QUERY" {
                break;
            }
            rest = &rest[rest.len() - after.len()..];
        }
        if rest.len() != text.len() {
            if rest.trim().is_empty() {
                return Err(SqlError::Unsupported(
                    "EXPLAIN needs a statement after it".into(),
                ));
            }
            return Ok(Statement::Explain(Box::new(parse_checked(
                rest, first_line,
            )?)));
        }
    }
    let mut statements = crate::limits::parse_sql(text, first_line)?;
    if statements.len() != 1 {
        return Err(SqlError::Unsupported(
            "expected exactly one statement".to_string(),
        ));
    }
    let mut stmt = statements.remove(0);
    match &mut stmt {
        ast::Statement::Query(q) => {
            let tables = rename_provider_tables(q.as_mut());
            Ok(Statement::Query {
                sql: print_sql(q.as_mut()),
                tables,
                hints,
            })
        }
        ast::Statement::Explain { .. } | ast::Statement::ExplainTable { .. } => {
            // EXPLAIN QUERY PLAN: SQLite's own plan of the rewritten query.
            let tables = rename_provider_tables(&mut stmt);
            Ok(Statement::Query {
                sql: print_sql(&mut stmt),
                tables,
                hints,
            })
        }
        ast::Statement::Insert(insert) => {
            let TableObject::TableName(name) = &insert.table else {
                return Err(SqlError::Unsupported(
                    "INSERT INTO a table function is not supported".into(),
                ));
            };
            let target = qualified(name).ok_or_else(|| not_provider_table("INSERT INTO", name))?;
            let columns = insert
                .columns
                .iter()
                .map(|c| last_ident(c).unwrap_or_default())
                .collect();
            let source = insert.source.as_mut().ok_or_else(|| {
                SqlError::Unsupported("INSERT needs a SELECT or VALUES source".into())
            })?;
            let force_string = string_wrapped_columns(source);
            let source_tables = rename_provider_tables(source.as_mut());
            Ok(Statement::Insert {
                target,
                columns,
                source_sql: print_sql(source.as_mut()),
                force_string,
                source_tables,
                hints,
            })
        }
        ast::Statement::Update(update) => {
            let TableFactor::Table { name, .. } = &update.table.relation else {
                return Err(SqlError::Unsupported(
                    "UPDATE target must be a table".into(),
                ));
            };
            let target = qualified(name).ok_or_else(|| not_provider_table("UPDATE", name))?;
            let mut assignments = Vec::new();
            for a in &mut update.assignments {
                let ast::AssignmentTarget::ColumnName(col) = &a.target else {
                    return Err(SqlError::Unsupported(
                        "tuple assignments are not supported in UPDATE".into(),
                    ));
                };
                rename_provider_tables(&mut a.value);
                assignments.push(Assignment {
                    column: last_ident(col).unwrap_or_default(),
                    force_string: is_string_call(&a.value),
                    expr_sql: print_sql(&mut a.value),
                });
            }
            let predicates = match &update.selection {
                Some(e) => predicates(e)?,
                None => Vec::new(),
            };
            Ok(Statement::Update {
                target,
                assignments,
                predicates,
                hints,
            })
        }
        ast::Statement::Delete(delete) => {
            let tables = match &delete.from {
                FromTable::WithFromKeyword(t) | FromTable::WithoutKeyword(t) => t,
            };
            let [table] = tables.as_slice() else {
                return Err(SqlError::Unsupported(
                    "DELETE from exactly one table".into(),
                ));
            };
            let TableFactor::Table { name, .. } = &table.relation else {
                return Err(SqlError::Unsupported(
                    "DELETE target must be a table".into(),
                ));
            };
            let target = qualified(name).ok_or_else(|| not_provider_table("DELETE FROM", name))?;
            let predicates = match &delete.selection {
                Some(e) => predicates(e)?,
                None => Vec::new(),
            };
            Ok(Statement::Delete {
                target,
                predicates,
                hints,
            })
        }
        other => Err(SqlError::Unsupported(format!(
            "statement not supported: {}",
            first_words(&other.to_string())
        ))),
    }
}

fn first_words(s: &str) -> String {
    s.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

fn not_provider_table(verb: &str, name: &ObjectName) -> SqlError {
    SqlError::Unsupported(format!(
        "{verb} {name}: expected a provider table named provider.service.resource (e.g. aws.sagemaker.images)"
    ))
}

/// Turns sqlparser's "... at Line: 1, Column: 15" into a position in the script.
pub(crate) fn syntax_error(message: &str, first_line: usize) -> SqlError {
    let message = message.trim_start_matches("sql parser error: ");
    let mut position = None;
    let mut clean = message.to_string();
    if let Some(at) = message.rfind(" at Line: ") {
        let tail = &message[at + " at Line: ".len()..];
        let mut parts = tail.split(", Column: ");
        let line = parts.next().and_then(|l| l.trim().parse::<u64>().ok());
        let col = parts.next().and_then(|c| c.trim().parse::<u64>().ok());
        if let (Some(l), Some(c)) = (line, col) {
            position = Some((l + first_line as u64 - 1, c));
            clean = message[..at].to_string();
        }
    }
    SqlError::Syntax {
        message: clean,
        position,
    }
}

/// The first word after leading comments, upper-cased.
fn leading_word(text: &str) -> String {
    strip_comments(text)
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_uppercase()
}

/// `text` without its leading whitespace and comments.
pub(crate) fn strip_comments(text: &str) -> &str {
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix("--") {
            rest = r.split_once('\n').map(|(_, r)| r).unwrap_or("");
        } else if let Some(r) = rest.strip_prefix("/*") {
            rest = r.split_once("*/").map(|(_, r)| r).unwrap_or("");
        } else {
            return rest;
        }
    }
}

fn idents(name: &ObjectName) -> Option<Vec<&Ident>> {
    name.0
        .iter()
        .map(|p| match p {
            ObjectNamePart::Identifier(i) => Some(i),
            ObjectNamePart::Function(_) => None,
        })
        .collect()
}

fn last_ident(name: &ObjectName) -> Option<String> {
    idents(name)?.last().map(|i| i.value.clone())
}

/// `a.b.c` (or `"a.b.c"` already quoted as one identifier) as a provider table name.
pub(crate) fn qualified(name: &ObjectName) -> Option<QualifiedName> {
    let parts = idents(name)?;
    let joined: Vec<String> = match parts.as_slice() {
        [one] => one.value.split('.').map(str::to_string).collect(),
        many => many.iter().map(|i| i.value.clone()).collect(),
    };
    match joined.as_slice() {
        [p, s, r] => Some(QualifiedName {
            provider: p.clone(),
            service: s.clone(),
            resource: r.clone(),
        }),
        _ => None,
    }
}

/// The SQL text of a parsed node. sqlparser prints a string literal's `''` and `\'` as if
/// they were already escaped, so a value holding them would come back changed, or end the
/// literal early and turn its rest into SQL; literals holding a quote are printed here
/// instead, with `'` doubled (sqlparser prints a placeholder's text verbatim).
pub(crate) fn print_sql<V: ast::VisitMut + fmt::Display>(node: &mut V) -> String {
    let _ = ast::visit_expressions_mut(node, |e| {
        if let Expr::Value(v) = e {
            if let Value::SingleQuotedString(s) = &v.value {
                if s.contains('\'') {
                    v.value = Value::Placeholder(format!("'{}'", s.replace('\'', "''")));
                }
            }
        }
        ControlFlow::<()>::Continue(())
    });
    node.to_string()
}

/// Renames every `provider.service.resource` relation to the single quoted identifier
/// `"provider.service.resource"` (the SQLite table/view the engine creates) and returns the
/// distinct names, in first-seen order.
pub(crate) fn rename_provider_tables<V: ast::VisitMut>(node: &mut V) -> Vec<QualifiedName> {
    let mut seen = BTreeSet::new();
    let mut order = Vec::new();
    let _ = visit_relations_mut(node, |name: &mut ObjectName| {
        if let Some(q) = qualified(name) {
            if seen.insert(q.clone()) {
                order.push(q.clone());
            }
            *name = ObjectName::from(vec![Ident::with_quote('"', q.to_string())]);
        }
        ControlFlow::<()>::Continue(())
    });
    order
}

fn is_string_call(e: &Expr) -> bool {
    matches!(e, Expr::Function(f) if f.name.to_string().eq_ignore_ascii_case("string"))
}

/// Which output columns of an INSERT source are wrapped in `string(...)`.
fn string_wrapped_columns(q: &ast::Query) -> Vec<bool> {
    match q.body.as_ref() {
        SetExpr::Select(s) => s
            .projection
            .iter()
            .map(|item| match item {
                ast::SelectItem::UnnamedExpr(e)
                | ast::SelectItem::ExprWithAlias { expr: e, .. } => is_string_call(e),
                _ => false,
            })
            .collect(),
        SetExpr::Values(v) => {
            let width = v.rows.first().map(|r| r.len()).unwrap_or(0);
            (0..width)
                .map(|i| v.rows.iter().any(|r| r.get(i).is_some_and(is_string_call)))
                .collect()
        }
        _ => Vec::new(),
    }
}

/// The (last part of the) column an expression names, through parentheses.
pub(crate) fn column_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Identifier(i) => Some(i.value.clone()),
        Expr::CompoundIdentifier(parts) => parts.last().map(|i| i.value.clone()),
        Expr::Nested(inner) => column_name(inner),
        _ => None,
    }
}

pub(crate) fn literal(e: &Expr) -> Option<Literal> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => {
                Some(Literal::Text(s.clone()))
            }
            Value::Number(n, _) => n
                .parse::<i64>()
                .map(Literal::Integer)
                .ok()
                .or_else(|| n.parse::<f64>().ok().map(Literal::Real)),
            Value::Boolean(b) => Some(Literal::Bool(*b)),
            Value::Null => Some(Literal::Null),
            _ => None,
        },
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => match literal(expr)? {
            Literal::Integer(i) => Some(Literal::Integer(-i)),
            Literal::Real(r) => Some(Literal::Real(-r)),
            _ => None,
        },
        Expr::Nested(inner) => literal(inner),
        Expr::Function(f) if f.name.to_string().eq_ignore_ascii_case("string") => match &f.args {
            FunctionArguments::List(list) => match list.args.as_slice() {
                [FunctionArg::Unnamed(FunctionArgExpr::Expr(inner))] => literal(inner),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    }
}

/// A WHERE clause as a conjunction of `column = literal` / `column IN (literals)`.
fn predicates(e: &Expr) -> Result<Vec<Predicate>, SqlError> {
    let unsupported = |e: &Expr| {
        SqlError::Unsupported(format!(
            "cannot turn '{e}' into request parameters: the WHERE clause of UPDATE/DELETE may only combine column = 'value' and column IN ('a', 'b') with AND"
        ))
    };
    let mut out = Vec::new();
    for part in conjuncts(e) {
        out.push(predicate(part, &unsupported)?);
    }
    Ok(out)
}

/// One conjunct of an UPDATE/DELETE WHERE as a predicate.
fn predicate(e: &Expr, unsupported: &dyn Fn(&Expr) -> SqlError) -> Result<Predicate, SqlError> {
    match e {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::Eq,
            right,
        } => {
            let (column, value) = match (column_name(left), literal(right)) {
                (Some(c), Some(v)) => (c, v),
                _ => match (column_name(right), literal(left)) {
                    (Some(c), Some(v)) => (c, v),
                    _ => return Err(unsupported(e)),
                },
            };
            Ok(Predicate::Eq { column, value })
        }
        Expr::In {
            expr,
            target: InTarget::List(list),
            negated: false,
            ..
        } => {
            let column = column_name(expr).ok_or_else(|| unsupported(e))?;
            let values = list
                .iter()
                .map(literal)
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| unsupported(e))?;
            Ok(Predicate::In { column, values })
        }
        _ => Err(unsupported(e)),
    }
}

/// The AND-ed parts of a WHERE, parentheses looked through (`(a AND b) AND (c)` is a, b, c):
/// the one walk every reader of conjuncts shares (UPDATE/DELETE predicates, a statement's
/// view bindings, a view's own literals).
pub(crate) fn conjuncts(e: &Expr) -> Vec<&Expr> {
    match e {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And,
            right,
        } => {
            let mut v = conjuncts(left);
            v.extend(conjuncts(right));
            v
        }
        Expr::Nested(inner) => conjuncts(inner),
        other => vec![other],
    }
}

/// [`conjuncts`] taken apart by value, for rewriting a WHERE: parentheses are dropped only
/// around an AND (dropping them around `a OR b` would change what AND-ing it again means).
pub(crate) fn into_conjuncts(e: Expr, out: &mut Vec<Expr>) {
    match e {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And,
            right,
        } => {
            into_conjuncts(*left, out);
            into_conjuncts(*right, out);
        }
        Expr::Nested(inner)
            if matches!(
                inner.as_ref(),
                Expr::BinaryOp {
                    op: BinaryOperator::And,
                    ..
                } | Expr::Nested(_)
            ) =>
        {
            into_conjuncts(*inner, out)
        }
        other => out.push(other),
    }
}

/// `EXEC [/*+ hints */] provider.service.resource.method [@name = literal, ...] [@@json = '...']`
fn parse_exec(text: &str, hints: Hints, first_line: usize) -> Result<Statement, SqlError> {
    let mut lexer = Lexer::new(text, first_line);
    let kw = lexer.word();
    debug_assert!(kw.eq_ignore_ascii_case("EXEC"));
    let name = lexer.name();
    let parts: Vec<&str> = name.split('.').collect();
    let [p, s, r, m] = parts.as_slice() else {
        return Err(SqlError::Unsupported(format!(
            "EXEC needs provider.service.resource.method, got '{name}'"
        )));
    };
    let target = QualifiedName {
        provider: p.to_string(),
        service: s.to_string(),
        resource: r.to_string(),
    };
    let mut args = Vec::new();
    let mut json_body = None;
    loop {
        lexer.skip_ws();
        if lexer.at_end() {
            break;
        }
        if !lexer.eat('@') {
            return Err(lexer.error("expected @name = value in EXEC"));
        }
        let is_json = lexer.eat('@');
        let arg = lexer.word();
        if arg.is_empty() {
            return Err(lexer.error("expected an argument name after @"));
        }
        lexer.skip_ws();
        if !lexer.eat('=') {
            return Err(lexer.error(&format!("expected = after @{arg}")));
        }
        lexer.skip_ws();
        let value = lexer.literal()?;
        if is_json {
            if !arg.eq_ignore_ascii_case("json") {
                return Err(lexer.error(&format!("unknown @@{arg} (only @@json is defined)")));
            }
            json_body = Some(value.as_text());
        } else {
            args.push(ExecArg { name: arg, value });
        }
        lexer.skip_ws();
        lexer.eat(',');
    }
    Ok(Statement::Exec {
        target,
        method: m.to_string(),
        args,
        json_body,
        hints,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_literals_with_quotes_print_back_unchanged() {
        // The value is `a''b\'c`: sqlparser alone prints `''` and `\'` as they are, which
        // reads back as `a'b` and a literal ending early.
        let Statement::Insert { source_sql, .. } =
            parse_statement(r"INSERT INTO aws.s.r (a) SELECT 'a''''b\''c', 'plain'", 1).unwrap()
        else {
            panic!("not an insert")
        };
        assert_eq!(source_sql, r"SELECT 'a''''b\''c', 'plain'");
        let Statement::Update { assignments, .. } = parse_statement(
            r"UPDATE aws.s.r SET a = string('x\'' || 1 --') WHERE b = 1",
            1,
        )
        .unwrap() else {
            panic!("not an update")
        };
        assert_eq!(assignments[0].expr_sql, r"string('x\'' || 1 --')");
    }

    #[test]
    fn select_renames_provider_tables_and_round_trips() {
        let s = parse_statement(
            "SELECT region, image_arn FROM aws.sagemaker.images WHERE region = 'us-east-1'",
            1,
        )
        .unwrap();
        let Statement::Query { sql, tables, .. } = s else {
            panic!()
        };
        assert_eq!(
            sql,
            "SELECT region, image_arn FROM \"aws.sagemaker.images\" WHERE region = 'us-east-1'"
        );
        assert_eq!(tables[0].to_string(), "aws.sagemaker.images");
        // The rewritten SQL parses again to the same text (round trip).
        let again = parse_statement(&sql, 1).unwrap();
        assert!(matches!(again, Statement::Query { sql: s2, .. } if s2 == sql));
    }

    #[test]
    fn insert_select_with_hint_and_string() {
        let s = parse_statement(
            "INSERT /*+ AWAIT */ INTO aws.sagemaker.images (ImageName, Tags, region) SELECT 'x', string('[1]'), 'us-east-1'",
            1,
        )
        .unwrap();
        let Statement::Insert {
            target,
            columns,
            force_string,
            hints,
            ..
        } = s
        else {
            panic!()
        };
        assert_eq!(target.resource, "images");
        assert_eq!(columns, vec!["ImageName", "Tags", "region"]);
        assert_eq!(force_string, vec![false, true, false]);
        assert!(hints.await_completion);
    }

    #[test]
    fn delete_predicates() {
        let s = parse_statement(
            "DELETE FROM aws.sagemaker.images WHERE data__Identifier = '<ImageArn>' AND region IN ('us-east-1', 'eu-west-1')",
            1,
        )
        .unwrap();
        let Statement::Delete { predicates, .. } = s else {
            panic!()
        };
        assert_eq!(
            predicates[0],
            Predicate::Eq {
                column: "data__Identifier".into(),
                value: Literal::Text("<ImageArn>".into())
            }
        );
        assert_eq!(predicates[1].values().len(), 2);
        let err = parse_statement("DELETE FROM a.b.c WHERE x > 1", 1).unwrap_err();
        assert!(err.to_string().contains("x > 1"), "{err}");
    }

    #[test]
    fn exec_with_json() {
        let s = parse_statement(
            "EXEC aws.cloud_control.resource_request.get_resource_request @region='us-east-1', @data__RequestToken = 'abc' @@json='{\"a\": 1}'",
            1,
        )
        .unwrap();
        let Statement::Exec {
            method,
            args,
            json_body,
            ..
        } = s
        else {
            panic!()
        };
        assert_eq!(method, "get_resource_request");
        assert_eq!(args.len(), 2);
        assert_eq!(json_body.as_deref(), Some("{\"a\": 1}"));
    }

    #[test]
    fn syntax_error_has_script_position() {
        let err = parse_statement("SELECT FROM WHERE", 3).unwrap_err();
        match err {
            SqlError::Syntax {
                position: Some((line, _)),
                ..
            } => assert_eq!(line, 3),
            other => panic!("{other:?}"),
        }
    }
}
