//! StackQL's discovery statements (`SHOW ...`, `DESCRIBE ...`), which sqlparser cannot carry
//! (`SHOW EXTENDED METHODS IN a.b.c LIKE '...'`, `SHOW INSERT INTO ... /*+ REQUIRED */`), parsed
//! by a small hand-written front parser; and the shape of a registry view's DDL (its columns,
//! the tables it reads and its predicates), which discovery and the docs generator describe.

use crate::lexer::Lexer;
use crate::statement::column_name;
use crate::{Literal, QualifiedName, SqlError};
use sqlparser::ast::{self, BinaryOperator, Expr, SelectItem, SetExpr, TableFactor};

/// How the rows of a `SHOW` statement are narrowed.
#[derive(Clone, Debug, PartialEq)]
pub enum ShowFilter {
    None,
    /// `LIKE 'pattern'`: SQL LIKE on the name column.
    Like(String),
    /// `WHERE <expr>`: any SQL expression over the output columns, evaluated by SQLite.
    Where(String),
}

/// A parsed discovery statement.
#[derive(Clone, Debug, PartialEq)]
pub enum Discovery {
    ShowProviders {
        extended: bool,
        filter: ShowFilter,
    },
    ShowServices {
        extended: bool,
        provider: String,
        filter: ShowFilter,
    },
    ShowResources {
        extended: bool,
        provider: String,
        service: String,
        filter: ShowFilter,
    },
    ShowMethods {
        extended: bool,
        target: QualifiedName,
        filter: ShowFilter,
    },
    /// `SHOW [EXTENDED] INSERT INTO p.s.r [/*+ REQUIRED */]`.
    ShowInsert {
        extended: bool,
        target: QualifiedName,
        required_only: bool,
    },
    Describe {
        extended: bool,
        target: QualifiedName,
    },
    DescribeMethod {
        extended: bool,
        target: QualifiedName,
        method: String,
    },
}

/// Parses `text` when it is a discovery statement (it starts with SHOW, DESCRIBE or DESC);
/// `Ok(None)` for any other statement.
pub fn parse_discovery(text: &str, first_line: usize) -> Result<Option<Discovery>, SqlError> {
    let mut lx = Lexer::new(text, first_line);
    let first = lx.peek_word().to_ascii_uppercase();
    if !matches!(first.as_str(), "SHOW" | "DESCRIBE" | "DESC") {
        return Ok(None);
    }
    // Hints sit in comments, which the lexer skips; they are checked here because REQUIRED is
    // meaningful only for SHOW INSERT and any other hint would otherwise be ignored silently.
    let hints = crate::hints::hint_words(text);
    if let Some(bad) = hints.iter().find(|h| h.as_str() != "REQUIRED") {
        return Err(SqlError::Unsupported(format!(
            "unknown query hint '{bad}' (SHOW INSERT takes /*+ REQUIRED */; other discovery statements take none)"
        )));
    }
    let required_hint = !hints.is_empty();
    lx.word();
    let parsed = if first == "SHOW" {
        parse_show(&mut lx, required_hint)?
    } else {
        if required_hint {
            return Err(SqlError::Unsupported(
                "/*+ REQUIRED */ applies to SHOW INSERT INTO only".into(),
            ));
        }
        parse_describe(&mut lx)?
    };
    if !lx.at_end() {
        let extra = lx.rest_first_word();
        return Err(lx.error(&format!("unexpected '{extra}'")));
    }
    Ok(Some(parsed))
}

fn parse_show(lx: &mut Lexer<'_>, required_hint: bool) -> Result<Discovery, SqlError> {
    let extended = lx.eat_keyword("EXTENDED");
    let what = lx.word().to_ascii_uppercase();
    if required_hint && what != "INSERT" {
        return Err(SqlError::Unsupported(
            "/*+ REQUIRED */ applies to SHOW INSERT INTO only".into(),
        ));
    }
    match what.as_str() {
        "PROVIDERS" => Ok(Discovery::ShowProviders {
            extended,
            filter: parse_filter(lx)?,
        }),
        "SERVICES" => {
            let [provider] = in_name::<1>(lx, "SHOW SERVICES IN provider")?;
            Ok(Discovery::ShowServices {
                extended,
                provider,
                filter: parse_filter(lx)?,
            })
        }
        "RESOURCES" => {
            let [provider, service] = in_name::<2>(lx, "SHOW RESOURCES IN provider.service")?;
            Ok(Discovery::ShowResources {
                extended,
                provider,
                service,
                filter: parse_filter(lx)?,
            })
        }
        "METHODS" => {
            let [p, s, r] = in_name::<3>(lx, "SHOW METHODS IN provider.service.resource")?;
            Ok(Discovery::ShowMethods {
                extended,
                target: QualifiedName {
                    provider: p,
                    service: s,
                    resource: r,
                },
                filter: parse_filter(lx)?,
            })
        }
        "INSERT" => {
            if !lx.eat_keyword("INTO") {
                return Err(lx.error("expected INTO after SHOW INSERT"));
            }
            let [p, s, r] = dotted::<3>(lx, "SHOW INSERT INTO provider.service.resource")?;
            Ok(Discovery::ShowInsert {
                extended,
                target: QualifiedName {
                    provider: p,
                    service: s,
                    resource: r,
                },
                required_only: required_hint,
            })
        }
        "" => Err(lx.error(
            "SHOW needs PROVIDERS, SERVICES, RESOURCES, METHODS or INSERT INTO after it",
        )),
        other => Err(SqlError::Unsupported(format!(
            "SHOW {other} is not supported (use SHOW PROVIDERS, SERVICES, RESOURCES, METHODS or INSERT INTO)"
        ))),
    }
}

fn parse_describe(lx: &mut Lexer<'_>) -> Result<Discovery, SqlError> {
    // StackQL accepts METHOD and EXTENDED in either order.
    let mut extended = lx.eat_keyword("EXTENDED");
    let method = lx.eat_keyword("METHOD");
    extended |= lx.eat_keyword("EXTENDED");
    if method {
        let [p, s, r, m] = dotted::<4>(lx, "DESCRIBE METHOD provider.service.resource.method")?;
        return Ok(Discovery::DescribeMethod {
            extended,
            target: QualifiedName {
                provider: p,
                service: s,
                resource: r,
            },
            method: m,
        });
    }
    let [p, s, r] = dotted::<3>(lx, "DESCRIBE provider.service.resource")?;
    Ok(Discovery::Describe {
        extended,
        target: QualifiedName {
            provider: p,
            service: s,
            resource: r,
        },
    })
}

/// `{IN|FROM} a.b...` with exactly N parts.
fn in_name<const N: usize>(lx: &mut Lexer<'_>, usage: &str) -> Result<[String; N], SqlError> {
    if !(lx.eat_keyword("IN") || lx.eat_keyword("FROM")) {
        return Err(lx.error(&format!("expected IN after SHOW (usage: {usage})")));
    }
    dotted::<N>(lx, usage)
}

fn dotted<const N: usize>(lx: &mut Lexer<'_>, usage: &str) -> Result<[String; N], SqlError> {
    let name = lx.name();
    let parts: Vec<String> = name.split('.').map(str::to_string).collect();
    if name.is_empty() || parts.iter().any(String::is_empty) || parts.len() != N {
        return Err(lx.error(&format!(
            "expected a name with {N} part{} separated by dots, got '{name}' (usage: {usage})",
            if N == 1 { "" } else { "s" }
        )));
    }
    Ok(parts.try_into().expect("length checked"))
}

fn parse_filter(lx: &mut Lexer<'_>) -> Result<ShowFilter, SqlError> {
    if lx.eat_keyword("LIKE") {
        return match lx.string_literal()? {
            Some(p) => Ok(ShowFilter::Like(p)),
            None => Err(lx.error("expected a quoted pattern after LIKE, e.g. LIKE '%image%'")),
        };
    }
    if lx.eat_keyword("WHERE") {
        let expr = lx.rest().trim().to_string();
        if expr.is_empty() {
            return Err(lx.error("expected a condition after WHERE"));
        }
        // Checked with sqlparser so a typo is reported as a syntax error with its position,
        // and so nothing but one expression reaches SQLite.
        let probe = format!("SELECT 1 WHERE {expr}");
        match crate::limits::parse_sql(&probe, 1) {
            Ok(s) if s.len() == 1 => {}
            Ok(_) => return Err(lx.error("WHERE takes one condition")),
            Err(SqlError::Syntax { message, .. }) => {
                return Err(SqlError::Syntax {
                    message: format!("in WHERE of SHOW: {message}"),
                    position: None,
                })
            }
            Err(other) => return Err(other),
        }
        lx.pos = lx.text.len();
        return Ok(ShowFilter::Where(expr));
    }
    Ok(ShowFilter::None)
}

/// One output column of a registry view.
#[derive(Clone, Debug, PartialEq)]
pub struct ViewColumn {
    pub name: String,
    /// The source table's column when the view passes one through unchanged (`region`);
    /// None for computed columns (`JSON_EXTRACT(Properties, '$.ImageArn') as image_arn`).
    pub source: Option<String>,
}

/// What a registry view's DDL says, for describing it (never for running it).
#[derive(Clone, Debug, PartialEq)]
pub struct ViewShape {
    pub columns: Vec<ViewColumn>,
    /// The provider tables it reads, in order.
    pub tables: Vec<QualifiedName>,
    /// `column = 'literal'` conjuncts of the top-level WHERE, in order: fixed ones
    /// (`data__TypeName = 'AWS::SageMaker::Image'`) and placeholders (`region = 'us-east-1'`,
    /// `data__Identifier = '<ImageArn>'`) alike; `is_placeholder` tells them apart.
    pub predicates: Vec<(String, Literal)>,
}

impl ViewShape {
    /// The placeholder convention the engine uses when it creates the view: a literal for
    /// `region` or one written `<...>` stands for a value the outer query supplies.
    pub fn is_placeholder(column: &str, value: &Literal) -> bool {
        match value {
            Literal::Text(v) => {
                column.eq_ignore_ascii_case("region") || crate::is_placeholder_text(v)
            }
            _ => false,
        }
    }
}

/// Reads a view's DDL for its columns, tables and predicates.
pub fn view_shape(ddl: &str) -> Result<ViewShape, SqlError> {
    crate::limits::check_statement(ddl, 1)?;
    crate::limits::with_stack(|| view_shape_checked(ddl))
}

fn view_shape_checked(ddl: &str) -> Result<ViewShape, SqlError> {
    let statements = crate::limits::parse_sql(ddl, 1).map_err(|e| match e {
        SqlError::Syntax { message, .. } => SqlError::Syntax {
            message,
            position: None,
        },
        other => other,
    })?;
    let Some(ast::Statement::Query(mut q)) = statements.into_iter().next() else {
        return Err(SqlError::Unsupported("a view must be a SELECT".into()));
    };
    if let SetExpr::Select(select) = q.body.as_mut() {
        crate::view_params::rename_repeated_columns(&mut select.projection);
    }
    let SetExpr::Select(select) = q.body.as_ref() else {
        return Err(SqlError::Unsupported(
            "a view must be a plain SELECT (no UNION or VALUES)".into(),
        ));
    };
    let mut columns = Vec::new();
    for item in &select.projection {
        let (name, source) = match item {
            SelectItem::UnnamedExpr(e) => match column_name(e) {
                Some(n) => (n.clone(), Some(n)),
                None => (e.to_string(), None),
            },
            SelectItem::ExprWithAlias { expr, alias } => (alias.value.clone(), column_name(expr)),
            other => (other.to_string(), None),
        };
        columns.push(ViewColumn { name, source });
    }
    let mut tables = Vec::new();
    for twj in &select.from {
        for factor in std::iter::once(&twj.relation).chain(twj.joins.iter().map(|j| &j.relation)) {
            if let TableFactor::Table { name, .. } = factor {
                let parts: Vec<String> = name
                    .0
                    .iter()
                    .filter_map(|p| p.as_ident().map(|i| i.value.clone()))
                    .flat_map(|v| v.split('.').map(str::to_string).collect::<Vec<_>>())
                    .collect();
                if let [p, s, r] = parts.as_slice() {
                    tables.push(QualifiedName {
                        provider: p.clone(),
                        service: s.clone(),
                        resource: r.clone(),
                    });
                }
            }
        }
    }
    let mut predicates = Vec::new();
    if let Some(w) = &select.selection {
        literal_predicates(w, &mut predicates);
    }
    Ok(ViewShape {
        columns,
        tables,
        predicates,
    })
}

/// The `column = literal` parts of a view's WHERE.
fn literal_predicates(e: &Expr, out: &mut Vec<(String, Literal)>) {
    for part in crate::statement::conjuncts(e) {
        let Expr::BinaryOp {
            left,
            op: BinaryOperator::Eq,
            right,
        } = part
        else {
            continue;
        };
        if let (Some(col), Expr::Value(v)) = (column_name(left), right.as_ref()) {
            let lit = match &v.value {
                ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => {
                    Literal::Text(s.clone())
                }
                ast::Value::Number(n, _) => n
                    .parse::<i64>()
                    .map(Literal::Integer)
                    .unwrap_or_else(|_| Literal::Text(n.clone())),
                ast::Value::Boolean(b) => Literal::Bool(*b),
                _ => continue,
            };
            out.push((col, lit));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Discovery {
        parse_discovery(text, 1).unwrap().unwrap()
    }

    #[test]
    fn show_statements() {
        assert_eq!(
            d("show providers"),
            Discovery::ShowProviders {
                extended: false,
                filter: ShowFilter::None
            }
        );
        assert_eq!(
            d("SHOW EXTENDED SERVICES IN aws LIKE '%sage%'"),
            Discovery::ShowServices {
                extended: true,
                provider: "aws".into(),
                filter: ShowFilter::Like("%sage%".into())
            }
        );
        assert_eq!(
            d("SHOW RESOURCES FROM aws.sagemaker WHERE name = 'images' AND id LIKE 'aws.%'"),
            Discovery::ShowResources {
                extended: false,
                provider: "aws".into(),
                service: "sagemaker".into(),
                filter: ShowFilter::Where("name = 'images' AND id LIKE 'aws.%'".into())
            }
        );
        let Discovery::ShowMethods { target, .. } = d("SHOW METHODS IN \"aws\".sagemaker.images")
        else {
            panic!()
        };
        assert_eq!(target.to_string(), "aws.sagemaker.images");
        assert_eq!(
            d("SHOW /*+ REQUIRED */ INSERT INTO aws.sagemaker.images"),
            Discovery::ShowInsert {
                extended: false,
                target: QualifiedName {
                    provider: "aws".into(),
                    service: "sagemaker".into(),
                    resource: "images".into()
                },
                required_only: true
            }
        );
    }

    #[test]
    fn describe_statements() {
        assert!(matches!(
            d("DESCRIBE EXTENDED aws.sagemaker.images"),
            Discovery::Describe { extended: true, .. }
        ));
        assert!(matches!(
            d("desc aws.sagemaker.images"),
            Discovery::Describe {
                extended: false,
                ..
            }
        ));
        let Discovery::DescribeMethod {
            method, extended, ..
        } = d("DESCRIBE METHOD EXTENDED aws.sagemaker.images.create_resource")
        else {
            panic!()
        };
        assert_eq!(method, "create_resource");
        assert!(extended);
    }

    #[test]
    fn other_statements_pass_through_and_errors_point_at_text() {
        assert_eq!(parse_discovery("SELECT 1", 1).unwrap(), None);
        let err = parse_discovery("SHOW METHODS IN aws.sagemaker", 4).unwrap_err();
        assert!(err.to_string().contains("3 parts"), "{err}");
        assert!(err.to_string().contains("line 4"), "{err}");
        let err = parse_discovery("SHOW SERVICES IN aws LIKE", 1).unwrap_err();
        assert!(err.to_string().contains("quoted pattern"), "{err}");
        let err = parse_discovery("SHOW SERVICES IN aws WHERE name = ", 1).unwrap_err();
        assert!(matches!(err, SqlError::Syntax { .. }), "{err}");
        let err = parse_discovery("SHOW /*+ AWAIT */ PROVIDERS", 1).unwrap_err();
        assert!(err.to_string().contains("AWAIT"), "{err}");
        let err = parse_discovery("SHOW /*+ REQUIRED */ PROVIDERS", 1).unwrap_err();
        assert!(err.to_string().contains("INSERT INTO only"), "{err}");
        let err = parse_discovery("SHOW TABLES", 1).unwrap_err();
        assert!(err.to_string().contains("SHOW TABLES"), "{err}");
        let err = parse_discovery("DESCRIBE aws.sagemaker.images extra", 1).unwrap_err();
        assert!(err.to_string().contains("unexpected 'extra'"), "{err}");
    }

    #[test]
    fn view_shape_columns_tables_predicates() {
        let shape = view_shape(
            "SELECT\nregion,\nJSON_EXTRACT(Properties, '$.ImageArn') as image_arn\nFROM aws.cloud_control.resources\nWHERE data__TypeName = 'AWS::SageMaker::Image' AND region = 'us-east-1'",
        )
        .unwrap();
        assert_eq!(
            shape.columns,
            vec![
                ViewColumn {
                    name: "region".into(),
                    source: Some("region".into())
                },
                ViewColumn {
                    name: "image_arn".into(),
                    source: None
                }
            ]
        );
        assert_eq!(shape.tables[0].to_string(), "aws.cloud_control.resources");
        assert_eq!(shape.predicates.len(), 2);
        assert!(!ViewShape::is_placeholder(
            &shape.predicates[0].0,
            &shape.predicates[0].1
        ));
        assert!(ViewShape::is_placeholder(
            &shape.predicates[1].0,
            &shape.predicates[1].1
        ));
    }
}
