//! Every `awscc` resource type, end to end through the `stackql` binary against the
//! emulator, with inputs from the project's example generator (`stackql-examplegen`):
//! `INSERT /*+ AWAIT */` → `SELECT` from `<res>_list_only` (the new identifier is listed) →
//! `SELECT` by `Identifier` (every written property reads back, write-only ones excepted) →
//! `DELETE /*+ AWAIT */` (then the SELECT finds nothing), plus a bare INSERT (region only)
//! for types with no required property. Types run concurrently, two binary runs each (the
//! second needs the identifier the first listed). A type that cannot pass is in
//! [`EXCEPTIONS`] with the reason, printed; a type outside it that fails, or one in it that
//! passes, fails the test.

mod common;

use common::{emulator_with, stackql, Run};
use serde_json::{Map, Value};
use stackql_examplegen::{parse_path, PropPath, ResourceSchema};
use stackql_testkit::{shared_registry, EmulatorConfig};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// Types that cannot complete the cycle, and why. Kept true by the test: a listed type that
/// passes fails it.
const EXCEPTIONS: &[(&str, &str)] = &[
    // No delete handler in the CloudFormation schema, so no DELETE in the registry: the
    // test creates, lists and reads them, and cannot delete.
    ("AWS::CloudFormation::HookDefaultVersion", NO_DELETE),
    ("AWS::CloudFormation::ModuleDefaultVersion", NO_DELETE),
    ("AWS::CloudFormation::PublicTypeVersion", NO_DELETE),
    ("AWS::CloudFormation::Publisher", NO_DELETE),
    ("AWS::Connect::AgentStatus", NO_DELETE),
    // Neither read nor delete handlers: created, listed and read through Cloud Control's
    // generic `resource`, never deleted.
    ("AWS::ECS::PrimaryTaskSet", NO_DELETE),
    ("AWS::EMR::Step", NO_DELETE),
];
const NO_DELETE: &str = "the type has no delete handler, so the registry has no DELETE";

/// Binary runs in flight at once (the runs mostly wait on each other's I/O).
const WORKERS: usize = 6;
const REGION: &str = "us-east-1";
const BARE_REGION: &str = "us-west-2";
/// Where the reference page's own INSERT example creates its resource.
const DOCS_REGION: &str = "eu-west-1";

/// One awscc resource type as the registry describes it.
struct TypeCase {
    type_name: String,
    /// `awscc.<service>.<resource>`
    table: String,
    service_doc: PathBuf,
    schema_name: String,
    /// Property path → column, from the `<res>` view's DDL.
    read_columns: Vec<(PropPath, String)>,
    /// Property path → column, from the `<res>_list_only` view's DDL.
    list_columns: Vec<(PropPath, String)>,
    /// Whether the registry gives it a DELETE.
    deletable: bool,
    /// Whether the registry gives it a `<res>` view to SELECT from.
    readable: bool,
}

/// Every `awscc` resource with a Cloud Control create method, in document order.
fn cases(registry: &Path) -> (Vec<TypeCase>, BTreeMap<PathBuf, Value>) {
    let services = std::fs::read_dir(registry.join("src/awscc"))
        .expect("awscc in the registry")
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("services"))
        .find(|p| p.is_dir())
        .expect("awscc/<version>/services");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&services)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    paths.sort();
    let mut docs = BTreeMap::new();
    let mut out = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap();
        let doc: Value =
            serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let service = path.file_stem().unwrap().to_string_lossy().to_string();
        let resources = doc["components"]["x-stackQL-resources"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        for (name, res) in &resources {
            if res["x-type"] != "cloud_control" || name.ends_with("_list_only") {
                continue;
            }
            let ddl = |r: &Value| {
                r["config"]["views"]["select"]["ddl"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            };
            let list = resources
                .get(&format!("{name}_list_only"))
                .map(ddl)
                .unwrap_or_default();
            out.push(TypeCase {
                type_name: res["x-cfn-type-name"].as_str().unwrap().to_string(),
                table: format!("awscc.{service}.{name}"),
                service_doc: path.clone(),
                schema_name: res["x-cfn-schema-name"].as_str().unwrap().to_string(),
                read_columns: view_columns(&ddl(res)),
                list_columns: view_columns(&list),
                readable: !ddl(res).is_empty(),
                deletable: res["sqlVerbs"]["delete"]
                    .as_array()
                    .is_some_and(|d| !d.is_empty()),
            });
        }
        docs.insert(path, doc);
    }
    (out, docs)
}

/// `JSON_EXTRACT(Properties, '$.A.B') as col` pairs of a view's DDL, with the name the
/// engine gives a column that repeats an earlier one (`region`, `Identifier`):
/// `<name>_property`.
fn view_columns(ddl: &str) -> Vec<(PropPath, String)> {
    let re = regex::Regex::new(r"(?i)JSON_EXTRACT\(Properties, '\$\.([^']+)'\) as (\w+)").unwrap();
    // The columns the view writes before its properties (`region`, `Identifier`).
    let head = ddl.split("JSON_EXTRACT").next().unwrap_or_default();
    let mut taken: Vec<String> = head
        .split([',', '\n', ' '])
        .map(|w| w.trim().to_ascii_lowercase())
        .filter(|w| w == "region" || w == "identifier")
        .collect();
    let mut out = Vec::new();
    for c in re.captures_iter(ddl) {
        let mut column = c[2].to_string();
        if taken.contains(&column.to_ascii_lowercase()) {
            column = format!("{column}_property");
        }
        taken.push(column.to_ascii_lowercase());
        out.push((parse_path(&c[1]), column));
    }
    out
}

fn sql_literal(v: &Value) -> String {
    match v {
        Value::String(s) => format!("'{}'", s.replace('\'', "''")),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => format!("'{}'", other.to_string().replace('\'', "''")),
    }
}

fn insert(table: &str, props: &Map<String, Value>, region: &str) -> String {
    let mut cols: Vec<String> = props.keys().cloned().collect();
    let mut vals: Vec<String> = props.values().map(sql_literal).collect();
    cols.push("region".into());
    vals.push(format!("'{region}'"));
    format!(
        "INSERT /*+ AWAIT */ INTO {table} (\n{}\n)\nSELECT\n{};\n",
        cols.join(",\n"),
        vals.join(",\n")
    )
}

/// The required-properties INSERT of a type's reference page, with its `{{ Name }}`
/// placeholders filled by the generator's values (as a user fills them), awaited, and sent
/// to [`DOCS_REGION`]. Placeholders left unfilled are an error: the page would be invalid.
fn docs_insert(page: &str, props: &Map<String, Value>) -> Result<String, String> {
    let tab = page
        .find("<TabItem value=\"required\">")
        .ok_or("the page has no required-properties INSERT")?;
    let block = &page[tab..];
    let start = block.find("```sql\n").ok_or("no sql block")? + "```sql\n".len();
    let end = start + block[start..].find("```").ok_or("unclosed sql block")?;
    let mut sql = block[start..end].to_string();
    let data_end = sql.find(">>>").unwrap_or(0);
    let (mut data, rest) = (sql[..data_end].to_string(), sql[data_end..].to_string());
    for (name, value) in props {
        data = data.replace(&format!("\"{{{{ {name} }}}}\""), &value.to_string());
    }
    if data.contains("{{") {
        return Err(format!(
            "the page's INSERT leaves placeholders unfilled:\n{data}"
        ));
    }
    sql = format!("{data}{rest}")
        .replacen("INSERT INTO ", "INSERT /*+ AWAIT */ INTO ", 1)
        .replace("'us-east-1';", &format!("'{DOCS_REGION}';"));
    Ok(sql)
}

/// A stream of JSON documents (one per SELECT) as printed by `-o json`.
fn results(run: &Run) -> Vec<Value> {
    serde_json::Deserializer::from_str(&run.stdout)
        .into_iter::<Value>()
        .collect::<Result<_, _>>()
        .unwrap_or_default()
}

fn exec_script(dir: &Path, name: &str, script: &str, registry: &Path, url: &str) -> Run {
    let file = dir.join(format!("{name}.iql"));
    std::fs::write(&file, script).unwrap();
    stackql(
        registry,
        Some(url),
        &["exec", "-o", "json", "-i", file.to_str().unwrap()],
    )
}

fn get_path<'v>(v: &'v Value, path: &[String]) -> Option<&'v Value> {
    path.iter().try_fold(v, |at, k| at.get(k))
}

fn remove_path(v: &mut Value, path: &[String]) {
    match path {
        [] => {}
        [last] if last == "*" => {}
        [last] => {
            if let Some(o) = v.as_object_mut() {
                o.remove(last);
            }
        }
        [first, rest @ ..] if first == "*" => {
            if let Some(a) = v.as_array_mut() {
                a.iter_mut().for_each(|x| remove_path(x, rest));
            }
        }
        [first, rest @ ..] => {
            if let Some(x) = v.get_mut(first) {
                remove_path(x, rest);
            }
        }
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Whether a cell read back through a view holds the written value (JSON columns arrive as
/// JSON text, booleans as SQLite integers).
fn same(written: &Value, cell: &Value) -> bool {
    match (written, cell) {
        (Value::Bool(b), Value::Number(n)) => n.as_i64() == Some(*b as i64),
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::Object(_) | Value::Array(_), Value::String(s)) => {
            serde_json::from_str::<Value>(s).is_ok_and(|v| &v == written)
        }
        (a, b) => a == b,
    }
}

/// Runs one type's cycle; Err says the first step that failed and why.
fn cycle(
    case: &TypeCase,
    doc: &Value,
    pages: &Path,
    dir: &Path,
    registry: &Path,
    url: &str,
) -> Result<(), String> {
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let schema = ResourceSchema::new(schemas, &case.schema_name)
        .ok_or_else(|| format!("no schema {}", case.schema_name))?;
    let mut props = schema.required_example();
    let bare = props.is_empty();
    let write_only = schema.write_only();
    if bare {
        // One optional property (readable, when there is one) so the read-back has
        // something to check; the bare INSERT below names none.
        let readable = schema
            .writable_properties()
            .into_iter()
            .find(|p| !write_only.iter().any(|w| w.len() == 1 && &w[0] == p));
        if let Some(p) = readable {
            let v = schema.property_example(&p).unwrap();
            props.insert(p, v);
        }
    }
    let key = case.table.replace('.', "_");
    let (_, service, resource) = {
        let mut it = case.table.split('.');
        (it.next(), it.next().unwrap(), it.next().unwrap())
    };
    let page = std::fs::read_to_string(pages.join(service).join(resource).join("index.md"))
        .map_err(|e| format!("no reference page: {e}"))?;
    // The page's example first: its `<<<json` block opens the script.
    let mut script = docs_insert(&page, &schema.required_example())
        .map_err(|e| format!("reference page: {e}"))?;
    script.push_str(&insert(&case.table, &props, REGION));
    // Types the registry gives no `_list_only` view (no list handler) are listed through
    // Cloud Control's generic listing, which names the identifier whole.
    script.push_str(&if case.list_columns.is_empty() {
        format!(
            "SELECT Identifier FROM awscc.cloud_control.resources WHERE TypeName = '{}' AND region = '{REGION}';\n",
            case.type_name
        )
    } else {
        format!(
            "SELECT * FROM {}_list_only WHERE region = '{REGION}';\n",
            case.table
        )
    });
    if bare {
        script.push_str(&insert(&case.table, &Map::new(), BARE_REGION));
    }
    let run = exec_script(dir, &format!("{key}-1"), &script, registry, url);
    if run.code != 0 {
        return Err(format!(
            "insert/list: {}{}",
            run.stderr.trim(),
            run.stdout.trim()
        ));
    }
    let listed = results(&run);
    let rows = listed
        .first()
        .and_then(Value::as_array)
        .ok_or_else(|| format!("list printed no rows: {}", run.stdout))?;
    let [row] = rows.as_slice() else {
        return Err(format!("list: expected one row, got {}", rows.len()));
    };
    // The identifier: the primary identifier's parts as the list view names them.
    let mut parts = Vec::new();
    let desired = Value::Object(props.clone());
    if case.list_columns.is_empty() {
        let id = row
            .get("Identifier")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("generic listing lacks Identifier: {row}"))?;
        parts.push(id.to_string());
    }
    for part in schema
        .primary_identifier()
        .into_iter()
        .filter(|_| !case.list_columns.is_empty())
    {
        let column = case
            .list_columns
            .iter()
            .find(|(p, _)| *p == part)
            .map(|(_, c)| c)
            .ok_or_else(|| format!("list view has no column for {}", part.join(".")))?;
        let value = row
            .get(column)
            .filter(|v| !v.is_null())
            .ok_or_else(|| format!("list row lacks {column}: {row}"))?;
        if let Some(w) = get_path(&desired, &part) {
            if !same(w, value) {
                return Err(format!("listed {column} = {value}, written {w}"));
            }
        }
        parts.push(text(value));
    }
    let id = parts.join("|").replace('\'', "''");
    // A type with no read view (no read handler in the registry) is read through Cloud
    // Control's generic `resource`, its Properties whole.
    let select = if case.readable {
        format!(
            "SELECT * FROM {} WHERE Identifier = '{id}' AND region = '{REGION}';\n",
            case.table
        )
    } else {
        format!(
            "SELECT Properties FROM awscc.cloud_control.resource WHERE TypeName = '{}' AND Identifier = '{id}' AND region = '{REGION}';\n",
            case.type_name
        )
    };
    let script = if case.deletable {
        format!(
            "{select}DELETE /*+ AWAIT */ FROM {} WHERE Identifier = '{id}' AND region = '{REGION}';\n{select}",
            case.table
        )
    } else {
        select.clone()
    };
    let run = exec_script(dir, &format!("{key}-2"), &script, registry, url);
    if run.code != 0 {
        return Err(format!(
            "read/delete: {}{}",
            run.stderr.trim(),
            run.stdout.trim()
        ));
    }
    let out = results(&run);
    let read = out
        .first()
        .and_then(Value::as_array)
        .and_then(|r| r.first())
        .ok_or_else(|| format!("read by Identifier found nothing: {}", run.stdout))?;
    for (name, written) in &props {
        if write_only.iter().any(|w| w.len() == 1 && &w[0] == name) {
            continue;
        }
        let mut expected = written.clone();
        for w in write_only.iter().filter(|w| w.len() > 1 && &w[0] == name) {
            remove_path(&mut expected, &w[1..]);
        }
        let cell = if case.readable {
            let column = case
                .read_columns
                .iter()
                .find(|(p, _)| p.len() == 1 && &p[0] == name)
                .map(|(_, c)| c)
                .ok_or_else(|| format!("read view has no column for {name}"))?;
            read.get(column).cloned().unwrap_or(Value::Null)
        } else {
            let properties: Value = read
                .get("Properties")
                .and_then(Value::as_str)
                .and_then(|p| serde_json::from_str(p).ok())
                .unwrap_or(Value::Null);
            let v = properties.get(name).cloned().unwrap_or(Value::Null);
            // The generic reader gives JSON values, not view cells: compare as written.
            if v.is_object() || v.is_array() {
                Value::String(v.to_string())
            } else {
                v
            }
        };
        let cell = &cell;
        if !same(&expected, cell) {
            return Err(format!("{name} read back as {cell}, written {expected}"));
        }
    }
    if !case.deletable {
        return Err("created, listed and read back; the registry has no DELETE for it".into());
    }
    let after = out.get(1).and_then(Value::as_array).map_or(0, Vec::len);
    if after != 0 {
        return Err(format!(
            "after DELETE the SELECT still finds {after} row(s)"
        ));
    }
    Ok(())
}

#[test]
fn every_awscc_type_completes_create_read_list_delete() {
    let started = Instant::now();
    let registry = shared_registry();
    let (cases, docs) = cases(&registry);
    assert!(cases.len() > 1000, "only {} awscc types found", cases.len());
    let emu = emulator_with(
        &registry,
        EmulatorConfig {
            completion: stackql_emulator::Completion::immediate(),
            ..EmulatorConfig::default()
        },
    );
    let url = emu.url();
    let dir = tempfile::tempdir().unwrap();
    let pages = dir.path().join("pages");
    let run = stackql(
        &registry,
        None,
        &["docs", "awscc", "--out", pages.to_str().unwrap()],
    );
    assert_eq!(run.code, 0, "stackql docs awscc: {}", run.stderr);
    let next = AtomicUsize::new(0);
    let outcomes: Mutex<Vec<(usize, Result<(), String>)>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..WORKERS {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(case) = cases.get(i) else { break };
                let r = cycle(
                    case,
                    &docs[&case.service_doc],
                    &pages,
                    dir.path(),
                    &registry,
                    &url,
                );
                outcomes.lock().unwrap().push((i, r));
            });
        }
    });
    let mut outcomes = outcomes.into_inner().unwrap();
    outcomes.sort_by_key(|(i, _)| *i);
    let excepted: BTreeMap<&str, &str> = EXCEPTIONS.iter().copied().collect();
    let mut passing = 0;
    let mut problems = Vec::new();
    for (i, r) in &outcomes {
        let case = &cases[*i];
        let listed = excepted.get(case.type_name.as_str());
        match (r, listed) {
            (Ok(()), None) => passing += 1,
            (Ok(()), Some(_)) => problems.push(format!(
                "{} ({}) passes but is in EXCEPTIONS: take it out",
                case.type_name, case.table
            )),
            (Err(e), None) => problems.push(format!("{} ({}): {e}", case.type_name, case.table)),
            (Err(e), Some(why)) => {
                println!("excepted {} ({}): {why} [{e}]", case.type_name, case.table)
            }
        }
    }
    for (type_name, _) in EXCEPTIONS {
        if !cases.iter().any(|c| c.type_name == *type_name) {
            problems.push(format!(
                "{type_name} is in EXCEPTIONS but not in the registry"
            ));
        }
    }
    println!(
        "awscc CRUDL: {passing} of {} types pass, {} in the exception list, {} unexpected, {:.1}s",
        cases.len(),
        EXCEPTIONS.len(),
        problems.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        problems.is_empty(),
        "{} types misbehave:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
