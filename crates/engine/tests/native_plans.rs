//! Every resource of the May-2024 snapshot's native AWS services plans: EXPLAIN of a SELECT
//! (required parameters filled with generated values) and of each INSERT and DELETE method
//! succeeds without an error. One engine and one parsed-registry cache serve them all.

use serde_json::Value;
use stackql_engine::{Engine, EngineOptions, Outcome};
use stackql_registry::{Method, ParamLocation, SqlVerb};
use std::collections::BTreeMap;
use std::sync::Arc;

const SERVICES: &[&str] = &[
    "ec2_api",
    "iam_api",
    "s3_api",
    "cloudwatch_api",
    "transfer_api",
    "cloudhsm",
];

/// Statements that may not plan, each with the reason (`service.resource VERB`).
const EXCEPTIONS: &[(&str, &str)] = &[];

fn engine(root: &std::path::Path, cache: &std::path::Path) -> Engine {
    let mut options = EngineOptions::new(root.to_path_buf());
    options.cache_dir = Some(cache.to_path_buf());
    // Planning never sends; an empty environment proves no credentials are needed for it.
    options.env = Arc::new(|_| None);
    Engine::new(options).expect("engine")
}

/// A value of the parameter's declared type, as SQL text.
fn literal(schema: &Value, name: &str) -> String {
    if name == "region" {
        return "'us-east-1'".to_string();
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("integer") | Some("number") => "1".to_string(),
        Some("boolean") => "true".to_string(),
        Some("object") => "'{}'".to_string(),
        Some("array") => "'[]'".to_string(),
        _ => match schema
            .get("enum")
            .and_then(Value::as_array)
            .and_then(|e| e.first())
            .and_then(Value::as_str)
        {
            Some(first) => format!("'{}'", first.replace('\'', "''")),
            // A bucket name, an id: one DNS label fits every place a string may land.
            None => "'generated-value-1'".to_string(),
        },
    }
}

/// (column, SQL literal) for every parameter a statement must give the method.
fn required(method: &Method) -> Vec<(String, String)> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for name in method.missing_params(|_| false) {
        let p = method
            .param(&name)
            .expect("a required parameter is a parameter");
        out.insert(p.name.clone(), literal(&p.schema, &p.name));
    }
    if let Some(prop) = method.required_nested_object() {
        // Any column of the nested object supplies it; none of the native services use this.
        out.entry(format!("data__{prop}")).or_insert("'{}'".into());
    }
    // Server variables (region) are always required; make sure region is there.
    for p in &method.params {
        if matches!(p.location, ParamLocation::Server) {
            out.entry(p.name.clone())
                .or_insert_with(|| literal(&p.schema, &p.name));
        }
    }
    // A global endpoint (IAM) has no region parameter; scripts still write one, and it is
    // accepted and ignored.
    if method.ignores_column("region") {
        out.entry("region".into())
            .or_insert_with(|| "'us-east-1'".into());
    }
    out.into_iter().collect()
}

fn quoted(column: &str) -> String {
    format!("\"{}\"", column.replace('"', "\"\""))
}

fn explain(engine: &mut Engine, sql: &str) -> Result<usize, String> {
    match engine.execute(&format!("EXPLAIN {sql}"), 1) {
        Ok(done) => match done.outcome {
            Outcome::Rows(rs) => Ok(rs.rows.len()),
            Outcome::Mutations(_) => Err("EXPLAIN answered with mutations".into()),
        },
        Err(e) => Err(e.to_string()),
    }
}

#[test]
fn every_native_resource_plans_its_select_insert_and_delete() {
    let registry = stackql_testkit::aws_registry();
    let cache = tempfile::tempdir().expect("cache dir");
    let mut engine = engine(registry.root(), cache.path());
    let provider = engine.registry().provider("aws").expect("aws provider");
    let mut failures = Vec::new();
    let mut planned = 0usize;
    let mut used_exceptions: Vec<String> = Vec::new();
    for service_name in SERVICES {
        let service = provider.service(service_name).expect("service");
        for (name, resource) in service.resources.iter() {
            let table = format!("aws.{service_name}.{name}");
            let mut statements: Vec<(String, String)> = Vec::new();
            let select_params = match (
                resource.select_view(),
                resource.methods_for(SqlVerb::Select).first(),
            ) {
                // A view's first variant asks for its own parameters.
                (Some(view), _) => Some(
                    view.required_params
                        .iter()
                        .map(|c| {
                            let schema = resource
                                .methods
                                .values()
                                .find_map(|m| m.param(c).map(|p| p.schema.clone()))
                                .unwrap_or(Value::Null);
                            (c.clone(), literal(&schema, c))
                        })
                        .chain(std::iter::once((
                            "region".to_string(),
                            literal(&Value::Null, "region"),
                        )))
                        .collect::<BTreeMap<_, _>>()
                        .into_iter()
                        .collect::<Vec<_>>(),
                ),
                (None, Some(select)) => Some(required(select)),
                (None, None) => None,
            };
            if let Some(params) = select_params {
                let mut sql = format!("SELECT * FROM {table}");
                if !params.is_empty() {
                    let conds: Vec<String> = params
                        .iter()
                        .map(|(c, v)| format!("{} = {v}", quoted(c)))
                        .collect();
                    sql.push_str(&format!(" WHERE {}", conds.join(" AND ")));
                }
                statements.push(("SELECT".into(), sql));
            }
            for method in resource.methods_for(SqlVerb::Insert) {
                let params = required(method);
                let cols: Vec<String> = params.iter().map(|(c, _)| quoted(c)).collect();
                let vals: Vec<String> = params.iter().map(|(_, v)| v.clone()).collect();
                statements.push((
                    format!("INSERT {}", method.name),
                    format!(
                        "INSERT INTO {table} ({}) SELECT {}",
                        cols.join(", "),
                        vals.join(", ")
                    ),
                ));
            }
            for method in resource.methods_for(SqlVerb::Delete) {
                let params = required(method);
                let conds: Vec<String> = params
                    .iter()
                    .map(|(c, v)| format!("{} = {v}", quoted(c)))
                    .collect();
                statements.push((
                    format!("DELETE {}", method.name),
                    if conds.is_empty() {
                        format!("DELETE FROM {table}")
                    } else {
                        format!("DELETE FROM {table} WHERE {}", conds.join(" AND "))
                    },
                ));
            }
            for (what, sql) in statements {
                let key = format!("{service_name}.{name} {what}");
                let exception = EXCEPTIONS.iter().find(|(k, _)| *k == key);
                match (explain(&mut engine, &sql), exception) {
                    (Ok(0), None) => failures.push(format!("{key}: {sql}\n    planned no call")),
                    (Ok(_), None) => planned += 1,
                    (Ok(_), Some(_)) => {
                        failures.push(format!("{key}: plans now; drop its exception"))
                    }
                    (Err(_), Some(_)) => used_exceptions.push(key),
                    (Err(e), None) => failures.push(format!("{key}: {sql}\n    {e}")),
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} statement(s) did not plan ({planned} did):\n{}",
        failures.len(),
        failures.join("\n")
    );
    let unused: Vec<&str> = EXCEPTIONS
        .iter()
        .map(|(k, _)| *k)
        .filter(|k| !used_exceptions.iter().any(|u| u == k))
        .collect();
    assert!(
        unused.is_empty(),
        "exceptions that no statement needs: {unused:?}"
    );
    // 452 statements on the May-2024 snapshot; a much smaller number means resources or
    // methods stopped being found, not that they plan.
    assert!(planned > 400, "only {planned} statements planned");
    // The check can fail: a statement missing its required parameters does not plan.
    let missing = explain(&mut engine, "SELECT * FROM aws.ec2_api.vpcs").unwrap_err();
    assert!(missing.contains("region"), "{missing}");
    let bad_bucket = explain(
        &mut engine,
        "DELETE FROM aws.s3_api.buckets WHERE region = 'us-east-1' AND bucket = 'evil.com'",
    )
    .unwrap_err();
    assert!(bad_bucket.contains("bucket"), "{bad_bucket}");
}

/// The `http` column of every row an EXPLAIN answers.
fn explained_targets(engine: &mut Engine, sql: &str) -> Vec<String> {
    match engine
        .execute(&format!("EXPLAIN {sql}"), 1)
        .unwrap_or_else(|e| panic!("EXPLAIN {sql}: {e}"))
        .outcome
    {
        Outcome::Rows(rs) => {
            let http = rs
                .columns
                .iter()
                .position(|c| c == "http")
                .expect("an http column");
            rs.rows
                .iter()
                .map(|r| match &r[http] {
                    stackql_output::Cell::Text(t) => t.clone(),
                    other => panic!("http is {other:?}"),
                })
                .collect()
        }
        Outcome::Mutations(_) => panic!("EXPLAIN answered with mutations"),
    }
}

#[test]
fn explain_shows_query_protocol_calls_as_the_form_posts_they_are() {
    let registry = stackql_testkit::aws_registry();
    let cache = tempfile::tempdir().expect("cache dir");
    let mut engine = engine(registry.root(), cache.path());
    // The documents write these as `GET /?Action=...&Version=...`; they travel as a form
    // POST to the endpoint, the action in the body.
    assert_eq!(
        explained_targets(
            &mut engine,
            "SELECT * FROM aws.iam_api.users WHERE region = 'us-east-1'"
        ),
        ["POST https://iam.amazonaws.com/ Action=ListUsers"]
    );
    assert_eq!(
        explained_targets(
            &mut engine,
            "INSERT INTO aws.ec2_api.vpcs (CidrBlock, region) SELECT '10.0.0.0/16', 'eu-west-1'"
        ),
        ["POST https://ec2.eu-west-1.amazonaws.com/ Action=CreateVpc"]
    );
    // Other protocols keep their own verb and URL.
    let s3 = explained_targets(
        &mut engine,
        "SELECT * FROM aws.s3_api.buckets WHERE region = 'us-east-1'",
    );
    assert!(
        s3.len() == 1 && s3[0].starts_with("GET https://s3.us-east-1.amazonaws.com"),
        "{s3:?}"
    );
}

#[test]
fn a_region_less_select_of_a_snapshot_view_reads_the_views_default_region() {
    // `aws.sagemaker.images` is a view whose DDL ends `AND region = 'us-east-1'`: a default
    // the statement's own `region = ...` replaces, as in StackQL, which runs the view's
    // SQL with its literal when the query names no region (COMPATIBILITY.md, registry view
    // parameters). So a region-less SELECT plans, in us-east-1 only.
    let registry = stackql_testkit::aws_registry();
    let cache = tempfile::tempdir().expect("cache dir");
    let mut engine = engine(registry.root(), cache.path());
    let regions = |engine: &mut Engine, sql: &str| -> Vec<String> {
        match engine
            .execute(&format!("EXPLAIN {sql}"), 1)
            .unwrap()
            .outcome
        {
            Outcome::Rows(rs) => {
                let at = rs.columns.iter().position(|c| c == "region").unwrap();
                rs.rows.iter().map(|r| format!("{:?}", r[at])).collect()
            }
            Outcome::Mutations(_) => panic!("EXPLAIN answered with mutations"),
        }
    };
    assert_eq!(
        regions(&mut engine, "SELECT image_arn FROM aws.sagemaker.images"),
        [format!(
            "{:?}",
            stackql_output::Cell::Text("us-east-1".into())
        )]
    );
    assert_eq!(
        regions(
            &mut engine,
            "SELECT image_arn FROM aws.sagemaker.images WHERE region = 'eu-west-1'"
        ),
        [format!(
            "{:?}",
            stackql_output::Cell::Text("eu-west-1".into())
        )]
    );
}
