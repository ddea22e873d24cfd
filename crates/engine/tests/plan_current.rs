//! Every resource of `../shared/registry-current` (`aws` and `github`) plans: EXPLAIN of a
//! SELECT with its required parameters given placeholder values (`region = 'us-east-1'`
//! for aws) names at least one call, and DESCRIBE lists at least one column. What cannot
//! plan is in `EXCEPTIONS` with its reason; the list and the counts are printed on every
//! run, and a listed resource that plans now fails the test so the list stays true.
//! Resources whose document gives them no SELECT (write-only: tokens, dispatches) are
//! counted apart, and a SELECT of one must fail naming that.

use serde_json::Value;
use stackql_engine::{Engine, EngineOptions, Outcome};
use stackql_registry::{Method, ParamLocation, Resource, SqlVerb};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

const PROVIDERS: &[&str] = &["aws", "github"];

/// `provider.service.resource` (or `provider.service` for a whole service) that may not
/// plan, each with the reason.
const EXCEPTIONS: &[(&str, &str)] = &[
    (
        "aws.ec2",
        "provider.yaml lists services/ec2.yaml but the snapshot does not contain it",
    ),
    (
        "aws.glue.unfiltered_partition_metadatas",
        "its request field `Region` and the server variable `region` are one SQLite column \
         (names are case-insensitive), so the region is never seen as given (aws side)",
    ),
    (
        "aws.glue.unfiltered_partitions_metadatas",
        "request field `Region` vs server variable `region`, as above",
    ),
    (
        "aws.glue.unfiltered_table_metadatas",
        "request field `Region` vs server variable `region`, as above",
    ),
];

/// What a SELECT of a resource without one says.
const NO_SELECT: &str = "no SELECT";

/// A registry root linking registry-current's providers, at a fixed place under the
/// target directory so the parsed-registry cache beside it stays valid between runs
/// (it is keyed on the documents' paths).
fn registry_root() -> PathBuf {
    let real = stackql_testkit::shared_dir().join("registry-current/src");
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("plan-current/root");
    let src = root.join("src");
    std::fs::create_dir_all(&src).expect("mkdir");
    for provider in PROVIDERS {
        let link = src.join(provider);
        if std::fs::read_link(&link).ok() != Some(real.join(provider)) {
            let _ = std::fs::remove_file(&link);
            std::os::unix::fs::symlink(real.join(provider), &link).expect("symlink");
        }
    }
    root
}

fn engine(root: &Path) -> Engine {
    let mut options = EngineOptions::new(root.to_path_buf());
    options.cache_dir = Some(root.with_file_name("cache"));
    // Planning never sends; an empty environment proves no credentials are needed for it.
    options.env = Arc::new(|_| None);
    Engine::new(options).expect("engine")
}

/// A placeholder value of the parameter's declared type, as SQL text.
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
            // One DNS label fits every place a string may land (host, path, query).
            None => "'generated-value-1'".to_string(),
        },
    }
}

/// (column, SQL literal) for every parameter a SELECT through `method` must give.
fn required(method: &Method) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for name in method.missing_params(|_| false) {
        if let Some(p) = method.param(&name) {
            out.insert(p.name.clone(), literal(&p.schema, &p.name));
        }
    }
    for p in &method.params {
        if p.location == ParamLocation::Server {
            out.entry(p.name.clone())
                .or_insert_with(|| literal(&p.schema, &p.name));
        }
    }
    out
}

/// The SELECT a user would write: a view's first variant's parameters, else the first
/// select method's; None when the resource has no way to be read.
fn select_sql(provider: &str, table: &str, resource: &Resource) -> Option<String> {
    let params: BTreeMap<String, String> = match (
        resource.select_view(),
        resource.methods_for(SqlVerb::Select).first(),
    ) {
        (Some(view), _) => {
            let mut p: BTreeMap<String, String> = view
                .required_params
                .iter()
                .map(|c| {
                    let schema = resource
                        .methods
                        .values()
                        .find_map(|m| m.param(c).map(|p| p.schema.clone()))
                        .unwrap_or(Value::Null);
                    (c.clone(), literal(&schema, c))
                })
                .collect();
            if provider == "aws" {
                p.entry("region".into())
                    .or_insert_with(|| literal(&Value::Null, "region"));
            }
            p
        }
        (None, Some(select)) => required(select),
        (None, None) => return None,
    };
    let mut sql = format!("SELECT * FROM {table}");
    if !params.is_empty() {
        let conds: Vec<String> = params
            .iter()
            .map(|(c, v)| format!("\"{}\" = {v}", c.replace('"', "\"\"")))
            .collect();
        sql.push_str(&format!(" WHERE {}", conds.join(" AND ")));
    }
    Some(sql)
}

fn rows_of(engine: &mut Engine, sql: &str) -> Result<usize, String> {
    match engine.execute(sql, 1) {
        Ok(done) => match done.outcome {
            Outcome::Rows(rs) => Ok(rs.rows.len()),
            Outcome::Mutations(_) => Err("answered with mutations".into()),
        },
        Err(e) => Err(e.to_string()),
    }
}

/// Why `table` does not plan, or None when its EXPLAIN and DESCRIBE both work.
fn failure(
    engine: &mut Engine,
    provider: &str,
    table: &str,
    resource: &Resource,
) -> Option<String> {
    let Some(sql) = select_sql(provider, table, resource) else {
        return Some(NO_SELECT.into());
    };
    match rows_of(engine, &format!("EXPLAIN {sql}")) {
        Ok(0) => return Some(format!("{sql}: EXPLAIN planned no call")),
        Ok(_) => {}
        Err(e) => return Some(format!("{sql}: {e}")),
    }
    match rows_of(engine, &format!("DESCRIBE {table}")) {
        Ok(0) => Some("DESCRIBE lists no column".into()),
        Ok(_) => None,
        Err(e) => Some(format!("DESCRIBE: {e}")),
    }
}

#[test]
fn every_current_resource_plans_a_select_and_describes() {
    let root = registry_root();
    let mut engine = engine(&root);
    let mut planned: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut excepted: Vec<String> = Vec::new();
    let mut write_only: Vec<String> = Vec::new();
    let mut load_time = std::time::Duration::ZERO;
    let started = Instant::now();
    for provider_name in PROVIDERS {
        let provider = engine.registry().provider(provider_name).expect("provider");
        for service_name in provider.services.keys() {
            let loading = Instant::now();
            let service = provider.service(service_name);
            load_time += loading.elapsed();
            let key = format!("{provider_name}.{service_name}");
            let service = match (service, EXCEPTIONS.iter().find(|(k, _)| *k == key)) {
                (Ok(_), Some(_)) => {
                    failures.push(format!("{key}: loads now; drop its exception"));
                    continue;
                }
                (Ok(s), None) => s,
                (Err(_), Some(_)) => {
                    excepted.push(key);
                    continue;
                }
                (Err(e), None) => {
                    failures.push(format!("{key}: does not load: {e}"));
                    continue;
                }
            };
            let names: Vec<String> = service.resources.keys().cloned().collect();
            for name in names {
                let table = format!("{provider_name}.{service_name}.{name}");
                let Some(resource) = service.resources.get(&name).cloned() else {
                    failures.push(format!("{table}: the resource does not load"));
                    continue;
                };
                let exception = EXCEPTIONS.iter().find(|(k, _)| *k == table);
                match (
                    failure(&mut engine, provider_name, &table, &resource),
                    exception,
                ) {
                    (None, None) => *planned.entry(provider_name).or_default() += 1,
                    (None, Some(_)) => {
                        failures.push(format!("{table}: plans now; drop its exception"))
                    }
                    (Some(_), Some(_)) => excepted.push(table),
                    (Some(why), None) if why == NO_SELECT => {
                        // The document offers no way to read it: a SELECT must say so.
                        match rows_of(&mut engine, &format!("SELECT * FROM {table}")) {
                            Err(e) if e.contains("SELECT") => write_only.push(table),
                            other => failures.push(format!(
                                "{table}: declares no SELECT, yet SELECT answered {other:?}"
                            )),
                        }
                    }
                    (Some(why), None) => failures.push(format!("{table}: {why}")),
                }
            }
        }
    }
    // Written to the process's stderr, not through `println!`, which the test harness
    // captures for passing tests: CI's log shows the counts and the exception list.
    let mut report = format!(
        "registry-current: planned {planned:?}; {} write-only (no SELECT in the document); \
         {} listed exception(s); {:.1?} in all, documents loaded in {load_time:.1?}\n",
        write_only.len(),
        excepted.len(),
        started.elapsed()
    );
    for (table, reason) in EXCEPTIONS {
        report.push_str(&format!("  exception {table}: {reason}\n"));
    }
    std::io::Write::write_all(&mut std::io::stderr().lock(), report.as_bytes()).expect("stderr");
    assert!(
        failures.is_empty(),
        "{} resource(s) did not plan ({} did):\n{}",
        failures.len(),
        planned.values().sum::<usize>(),
        failures.join("\n")
    );
    let unused: Vec<&str> = EXCEPTIONS
        .iter()
        .map(|(k, _)| *k)
        .filter(|k| !excepted.iter().any(|u| u == k))
        .collect();
    assert!(unused.is_empty(), "exceptions of no resource: {unused:?}");
    // Thousands of resources; far fewer means they stopped being found, not that they plan.
    // (5,919 aws and 428 github resources in the snapshot of 2026.)
    assert!(
        planned.get("aws").copied().unwrap_or(0) > 5000,
        "{planned:?}"
    );
    assert!(
        planned.get("github").copied().unwrap_or(0) > 350,
        "{planned:?}"
    );
    // The check can fail: a statement missing its required parameter does not plan.
    let missing = rows_of(
        &mut engine,
        "EXPLAIN SELECT * FROM github.issues.comments WHERE repo = 'r'",
    );
    assert!(
        missing.as_ref().is_err_and(|e| e.contains("owner")),
        "{missing:?}"
    );
}
