//! How a statement's parameters reach the registry views it reads. SQLite views take no
//! parameters, so a view is instantiated per statement: the statement's unqualified
//! `col = literal` / `col IN (...)` conjuncts (its *bindings*) replace the view's own literals
//! for those columns or, when the view does not mention the column, are added for the source
//! table that has it as a parameter. The view's other literals are defaults (`region =
//! 'us-east-1'`), kept unless the statement constrains the column some other way (a join's
//! `ON v.region = r.name`), in which case SQLite passes the outer value in; `'<...>'`
//! literals are placeholders, never sent. Bindings a view consumed but no relation of the
//! statement has as a column are dropped from the statement (StackQL's "parameter
//! clobbering").

use crate::statement::{
    column_name, conjuncts, into_conjuncts, literal, print_sql, rename_provider_tables,
};
use crate::{QualifiedName, SqlError};
use sqlparser::ast::{
    self, BinaryOperator, Expr, Ident, InTarget, SetExpr, TableFactor, Visit, VisitMut,
};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;

/// A view literal written `'<ImageArn>'` stands for a value the statement must supply.
pub fn is_placeholder_text(s: &str) -> bool {
    s.starts_with('<') && s.ends_with('>')
}

/// What a statement says about parameter columns.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ParamBindings {
    /// Unqualified `col = literal` / `col IN (literals)` conjuncts of the statement's WHERE
    /// clauses, by lower-cased column: the values (several SELECTs' values are merged).
    bound: BTreeMap<String, Vec<Expr>>,
    /// Lower-cased columns the statement compares with `=` or `IN` anywhere (any qualifier,
    /// WHERE or ON): the parameters it supplies, one way or another.
    constrained: BTreeSet<String>,
}

impl ParamBindings {
    pub fn is_bound(&self, column: &str) -> bool {
        self.bound.contains_key(&column.to_ascii_lowercase())
    }
    pub fn constrains(&self, column: &str) -> bool {
        self.constrained.contains(&column.to_ascii_lowercase())
    }
    pub fn is_empty(&self) -> bool {
        self.constrained.is_empty()
    }
}

/// The bindings of a statement already rewritten for SQLite (`Statement::Query`'s `sql`).
pub fn statement_bindings(sql: &str) -> Result<ParamBindings, SqlError> {
    crate::limits::with_stack(|| {
        let statements = crate::limits::parse_sql(sql, 1)?;
        let mut out = ParamBindings::default();
        let mut collector = Bindings(&mut out);
        for s in &statements {
            let _ = s.visit(&mut collector);
        }
        Ok(out)
    })
}

struct Bindings<'a>(&'a mut ParamBindings);

impl ast::Visitor for Bindings<'_> {
    type Break = ();
    fn pre_visit_query(&mut self, q: &ast::Query) -> ControlFlow<()> {
        if let SetExpr::Select(s) = q.body.as_ref() {
            if let Some(w) = &s.selection {
                for c in conjuncts(w) {
                    if let Some((col, values)) = binding(c) {
                        let entry = self.0.bound.entry(col.to_ascii_lowercase()).or_default();
                        for v in values {
                            if !entry.iter().any(|e| e.to_string() == v.to_string()) {
                                entry.push(v);
                            }
                        }
                    }
                }
            }
        }
        ControlFlow::Continue(())
    }
    fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
        let mut note = |x: &Expr| {
            if let Some(c) = column_name(x) {
                self.0.constrained.insert(c.to_ascii_lowercase());
            }
        };
        match e {
            Expr::BinaryOp {
                left,
                op: BinaryOperator::Eq,
                right,
            } => {
                note(left);
                note(right);
            }
            Expr::In {
                expr,
                negated: false,
                ..
            } => note(expr),
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

fn and_all(parts: Vec<Expr>) -> Option<Expr> {
    parts.into_iter().reduce(|l, r| Expr::BinaryOp {
        left: Box::new(l),
        op: BinaryOperator::And,
        right: Box::new(r),
    })
}

/// A value a binding carries: a literal other than NULL (`region = NULL` is left to SQLite
/// and the virtual table, which refuses it by name).
fn bindable(e: &Expr) -> bool {
    literal(e).is_some_and(|l| l != crate::Literal::Null)
}

/// `col = literal` or `col IN (literals)` with `col` unqualified: the column and its values.
fn binding(e: &Expr) -> Option<(String, Vec<Expr>)> {
    match e {
        Expr::Nested(inner) => binding(inner),
        Expr::BinaryOp {
            left,
            op: BinaryOperator::Eq,
            right,
        } => match (left.as_ref(), right.as_ref()) {
            (Expr::Identifier(c), v) | (v, Expr::Identifier(c)) if bindable(v) => {
                Some((c.value.clone(), vec![v.clone()]))
            }
            _ => None,
        },
        Expr::In {
            expr,
            target: InTarget::List(list),
            negated: false,
            ..
        } => match expr.as_ref() {
            Expr::Identifier(c) if !list.is_empty() && list.iter().all(bindable) => {
                Some((c.value.clone(), list.clone()))
            }
            _ => None,
        },
        _ => None,
    }
}

/// A view conjunct on one column with literal values: `[q.]col = 'x'`, `[q.]col IN ('a')`.
/// Returns the column expression as written, its name, and whether every value is a
/// `'<...>'` placeholder.
fn literal_conjunct(e: &Expr) -> Option<(&Expr, String, bool)> {
    let placeholder =
        |v: &Expr| matches!(literal(v), Some(crate::Literal::Text(s)) if is_placeholder_text(&s));
    match e {
        Expr::Nested(inner) => literal_conjunct(inner),
        Expr::BinaryOp {
            left,
            op: BinaryOperator::Eq,
            right,
        } if literal(right).is_some() => {
            column_name(left).map(|c| (left.as_ref(), c, placeholder(right)))
        }
        Expr::In {
            expr,
            target: InTarget::List(list),
            negated: false,
            ..
        } if list.iter().all(|v| literal(v).is_some()) => column_name(expr).map(|c| {
            (
                expr.as_ref(),
                c,
                !list.is_empty() && list.iter().all(placeholder),
            )
        }),
        _ => None,
    }
}

fn bound_expr(column: Expr, values: &[Expr]) -> Expr {
    match values {
        [one] => Expr::BinaryOp {
            left: Box::new(column),
            op: BinaryOperator::Eq,
            right: Box::new(one.clone()),
        },
        many => Expr::In {
            expr: Box::new(column),
            target: InTarget::List(many.to_vec()),
            negated: false,
            global: false,
        },
    }
}

/// A registry view as it runs for one statement.
#[derive(Clone, Debug, PartialEq)]
pub struct ViewInstance {
    pub sql: String,
    /// The provider tables it reads, in order.
    pub tables: Vec<QualifiedName>,
    /// Lower-cased bound columns it took from the statement.
    pub consumed: BTreeSet<String>,
}

/// Instantiates a registry view's DDL for a statement's bindings (see the module comment).
/// `params_of` names the parameter columns of a provider table the view reads.
pub fn instantiate_view(
    ddl: &str,
    bindings: &ParamBindings,
    params_of: &dyn Fn(&QualifiedName) -> Vec<String>,
) -> Result<ViewInstance, SqlError> {
    crate::limits::check_statement(ddl, 1)?;
    crate::limits::with_stack(|| instantiate_checked(ddl, bindings, params_of))
}

fn instantiate_checked(
    ddl: &str,
    bindings: &ParamBindings,
    params_of: &dyn Fn(&QualifiedName) -> Vec<String>,
) -> Result<ViewInstance, SqlError> {
    let mut statements = crate::limits::parse_sql(ddl, 1)?;
    let Some(ast::Statement::Query(mut q)) = statements.pop() else {
        return Err(SqlError::Unsupported("a view must be a SELECT".into()));
    };
    let mut consumed = BTreeSet::new();
    if let SetExpr::Select(select) = q.body.as_mut() {
        rename_repeated_columns(&mut select.projection);
        // The relations the view reads, with the name a conjunct may qualify columns by.
        let mut relations: Vec<(QualifiedName, Ident)> = Vec::new();
        for twj in &select.from {
            for factor in
                std::iter::once(&twj.relation).chain(twj.joins.iter().map(|j| &j.relation))
            {
                if let TableFactor::Table { name, alias, .. } = factor {
                    if let Some(q) = crate::statement::qualified(name) {
                        let by = match alias {
                            Some(a) => a.name.clone(),
                            None => Ident::with_quote('"', q.to_string()),
                        };
                        relations.push((q, by));
                    }
                }
            }
        }
        let mut kept = Vec::new();
        let mut handled = BTreeSet::new();
        if let Some(w) = select.selection.take() {
            let mut parts = Vec::new();
            into_conjuncts(w, &mut parts);
            for part in parts {
                let Some((column, name, placeholder)) = literal_conjunct(&part) else {
                    kept.push(part);
                    continue;
                };
                let key = name.to_ascii_lowercase();
                if let Some(values) = bindings.bound.get(&key) {
                    kept.push(bound_expr(column.clone(), values));
                    handled.insert(key.clone());
                    consumed.insert(key);
                } else if !bindings.constrains(&name) && !placeholder {
                    kept.push(part);
                }
            }
        }
        for (key, values) in &bindings.bound {
            if handled.contains(key) {
                continue;
            }
            let target = relations.iter().find_map(|(table, by)| {
                params_of(table)
                    .into_iter()
                    .find(|p| p.eq_ignore_ascii_case(key))
                    .map(|p| (by.clone(), p))
            });
            if let Some((by, param)) = target {
                let column = Expr::CompoundIdentifier(vec![by, Ident::new(param)]);
                kept.push(bound_expr(column, values));
                consumed.insert(key.clone());
            }
        }
        select.selection = and_all(kept);
    }
    let tables = rename_provider_tables(q.as_mut());
    Ok(ViewInstance {
        sql: print_sql(q.as_mut()),
        tables,
        consumed,
    })
}

/// The suffix a view column takes when its name repeats an earlier column's.
pub const REPEATED_COLUMN_SUFFIX: &str = "_property";

/// A view column whose name repeats an earlier one's, case-insensitively, is renamed
/// `<name>_property` (`_property_2`, ... if that is taken too), so no column hides another:
/// `awscc` views put `region` and `Identifier` first, and a resource property called
/// `Region` or `Identifier` (Cognito::UserPoolResourceServer) would otherwise be shadowed
/// (SQLite would call it `identifier:1`). Applied wherever a view's columns are known —
/// when it is created and when it is described — so both agree.
pub fn rename_repeated_columns(projection: &mut [ast::SelectItem]) {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for item in projection.iter_mut() {
        let name = match item {
            ast::SelectItem::ExprWithAlias { alias, .. } => alias.value.clone(),
            ast::SelectItem::UnnamedExpr(e) => match column_name(e) {
                Some(n) => n,
                None => continue,
            },
            _ => continue,
        };
        if seen.insert(name.to_ascii_lowercase()) {
            continue;
        }
        let mut renamed = format!("{name}{REPEATED_COLUMN_SUFFIX}");
        let mut n = 2;
        while seen.contains(&renamed.to_ascii_lowercase()) {
            renamed = format!("{name}{REPEATED_COLUMN_SUFFIX}_{n}");
            n += 1;
        }
        seen.insert(renamed.to_ascii_lowercase());
        let expr = match std::mem::replace(item, ast::SelectItem::Wildcard(Default::default())) {
            ast::SelectItem::ExprWithAlias { expr, .. } | ast::SelectItem::UnnamedExpr(expr) => {
                expr
            }
            _ => unreachable!("only named columns are renamed"),
        };
        *item = ast::SelectItem::ExprWithAlias {
            expr,
            alias: Ident::new(renamed),
        };
    }
}

/// The statement without its bindings on `columns` (lower-cased): columns a view consumed
/// that no relation of the statement has, which SQLite would otherwise reject.
pub fn drop_bindings(sql: &str, columns: &BTreeSet<String>) -> Result<String, SqlError> {
    crate::limits::with_stack(|| {
        let mut statements = crate::limits::parse_sql(sql, 1)?;
        let Some(mut statement) = statements.pop() else {
            return Ok(sql.to_string());
        };
        let mut dropper = Dropper(columns);
        let _ = VisitMut::visit(&mut statement, &mut dropper);
        Ok(print_sql(&mut statement))
    })
}

struct Dropper<'a>(&'a BTreeSet<String>);

impl ast::VisitorMut for Dropper<'_> {
    type Break = ();
    fn pre_visit_query(&mut self, q: &mut ast::Query) -> ControlFlow<()> {
        if let SetExpr::Select(s) = q.body.as_mut() {
            if let Some(w) = s.selection.take() {
                let mut parts = Vec::new();
                into_conjuncts(w, &mut parts);
                parts.retain(|p| {
                    !binding(p).is_some_and(|(c, _)| self.0.contains(&c.to_ascii_lowercase()))
                });
                s.selection = and_all(parts);
            }
        }
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(t: &QualifiedName) -> Vec<String> {
        match t.resource.as_str() {
            "legacy" => vec![
                "region".into(),
                "data__TypeName".into(),
                "data__Identifier".into(),
            ],
            "detail" => vec![
                "region".into(),
                "data__TypeName".into(),
                "data__Identifier".into(),
            ],
            _ => vec!["region".into(), "data__TypeName".into()],
        }
    }

    fn inst(ddl: &str, outer: &str) -> ViewInstance {
        instantiate_view(ddl, &statement_bindings(outer).unwrap(), &params).unwrap()
    }

    const LISTING: &str = "SELECT JSON_EXTRACT(Properties, '$.Arn') AS Arn FROM p.s.legacy \
        WHERE region = 'us-east-1' AND data__TypeName = 'T::Y::Pe'";

    #[test]
    fn a_column_repeating_an_earlier_name_is_renamed() {
        let i = inst(
            "SELECT region, Identifier, JSON_EXTRACT(Properties, '$.Identifier') as identifier, \
             JSON_EXTRACT(Properties, '$.Region') as Region, JSON_EXTRACT(Properties, '$.X') as region_property \
             FROM awscc.cloud_control.resource WHERE data__TypeName = 'T'",
            "",
        );
        assert!(
            i.sql.contains("'$.Identifier') AS identifier_property,"),
            "{}",
            i.sql
        );
        assert!(
            i.sql.contains("'$.Region') AS Region_property,"),
            "{}",
            i.sql
        );
        assert!(
            i.sql.contains("'$.X') AS region_property_property "),
            "{}",
            i.sql
        );
        assert!(i.sql.starts_with("SELECT region, Identifier,"), "{}", i.sql);
    }

    #[test]
    fn defaults_stay_when_the_statement_says_nothing() {
        let v = inst(LISTING, "SELECT Arn FROM \"p.s.v\"");
        assert!(v.sql.contains("region = 'us-east-1'"), "{}", v.sql);
        assert!(v.consumed.is_empty());
    }

    #[test]
    fn bindings_replace_defaults_and_reach_unprojected_parameters() {
        let v = inst(
            LISTING,
            "SELECT Arn FROM \"p.s.v\" WHERE data__Identifier = 'b1' AND region IN ('eu-west-1', 'us-west-2')",
        );
        assert!(
            v.sql.contains("region IN ('eu-west-1', 'us-west-2')"),
            "{}",
            v.sql
        );
        assert!(!v.sql.contains("us-east-1"), "{}", v.sql);
        assert!(
            v.sql.contains("\"p.s.legacy\".data__Identifier = 'b1'"),
            "{}",
            v.sql
        );
        assert!(v.sql.contains("data__TypeName = 'T::Y::Pe'"), "{}", v.sql);
        assert_eq!(
            v.consumed,
            ["data__identifier", "region"].map(String::from).into()
        );
    }

    #[test]
    fn a_default_gives_way_to_a_join_and_placeholders_are_never_sent() {
        let ddl = "SELECT region, data__Identifier FROM p.s.detail \
            WHERE data__TypeName = 'T' AND data__Identifier = '<Name>' AND region = 'us-east-1'";
        let v = inst(ddl, "SELECT * FROM r JOIN \"p.s.v\" v ON v.region = r.name");
        assert!(
            !v.sql.contains("us-east-1") && !v.sql.contains("<Name>"),
            "{}",
            v.sql
        );
        assert!(v.sql.contains("data__TypeName = 'T'"), "{}", v.sql);
    }

    #[test]
    fn join_views_take_bindings_on_the_qualified_columns() {
        let ddl = "SELECT detail.region, JSON_EXTRACT(detail.Properties, '$.X') AS x \
            FROM p.s.list listing JOIN p.s.detail detail ON detail.data__Identifier = listing.Identifier \
            AND detail.region = listing.region WHERE listing.data__TypeName = 'T' AND listing.region = 'us-east-1'";
        let v = inst(ddl, "SELECT x FROM \"p.s.v\" WHERE region = 'eu-west-1'");
        assert!(v.sql.contains("listing.region = 'eu-west-1'"), "{}", v.sql);
        let v = inst(ddl, "SELECT x FROM \"p.s.v\" WHERE data__Identifier = 'a'");
        assert!(v.sql.contains("detail.data__Identifier = 'a'"), "{}", v.sql);
        assert!(v.sql.contains("listing.region = 'us-east-1'"), "{}", v.sql);
    }

    #[test]
    fn consumed_bindings_are_dropped_from_the_statement_only() {
        let sql = "SELECT Arn FROM \"p.s.v\" WHERE data__Identifier = 'b1' AND Arn LIKE 'a%' AND x.data__Identifier = 'q'";
        let out = drop_bindings(sql, &["data__identifier".to_string()].into()).unwrap();
        assert_eq!(
            out,
            "SELECT Arn FROM \"p.s.v\" WHERE Arn LIKE 'a%' AND x.data__Identifier = 'q'"
        );
        let b = statement_bindings(sql).unwrap();
        assert!(b.is_bound("DATA__IDENTIFIER") && b.constrains("data__identifier"));
        assert!(!b.is_bound("arn"));
    }
}
