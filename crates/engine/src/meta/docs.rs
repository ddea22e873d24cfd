//! The documentation generator behind `stackql docs`: one Markdown (Docusaurus MDX) page per
//! resource in the format of StackQL's provider reference pages (Overview, Fields, Methods,
//! SELECT / INSERT / DELETE examples, Permissions), rendered from the registry alone, and a
//! whole provider or service written into a directory as `<service>/<resource>/index.md`.
//! The facts come from `describe`, shared with the discovery statements.

use crate::error::EngineError;
use crate::meta::describe::{self, InsertColumn};
use serde_json::Value;
use stackql_registry::{Registry, RegistryError, Resource, Service, SqlVerb};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The page of `provider.service.resource`.
pub fn render_resource_page(
    registry: &Registry,
    provider: &str,
    service: &str,
    resource: &str,
) -> Result<String, EngineError> {
    let (svc, res) = registry.resource(provider, service, resource)?;
    render_page(registry, &svc, &res)
}

/// What `write_docs` did: pages written, and services it could not document (with why), so
/// nothing is left out silently.
#[derive(Debug, Default)]
pub struct DocsSummary {
    pub written: Vec<PathBuf>,
    pub skipped: Vec<String>,
}

/// Writes the pages of every resource of `provider` (or of one service) under `out_dir`.
/// A service whose document the registry lists but does not ship is skipped and reported;
/// any other error stops the run.
pub fn write_docs(
    registry: &Registry,
    provider: &str,
    service: Option<&str>,
    out_dir: &Path,
) -> Result<DocsSummary, EngineError> {
    let p = registry.provider(provider)?;
    let names: Vec<String> = match service {
        Some(s) => {
            p.service(s)?;
            vec![s.to_string()]
        }
        None => p.services.keys().cloned().collect(),
    };
    let mut summary = DocsSummary::default();
    for name in names {
        let svc = match p.service(&name) {
            Ok(s) => s,
            Err(e @ RegistryError::MissingServiceDocument { .. }) => {
                summary.skipped.push(format!("{provider}.{name}: {e}"));
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        for res in svc.resources.values() {
            let page = render_page(registry, &svc, res)?;
            let dir = out_dir.join(&svc.name).join(&res.name);
            std::fs::create_dir_all(&dir).map_err(|e| {
                EngineError::Invalid(format!("cannot create {}: {e}", dir.display()))
            })?;
            let path = dir.join("index.md");
            std::fs::write(&path, page).map_err(|e| {
                EngineError::Invalid(format!("cannot write {}: {e}", path.display()))
            })?;
            summary.written.push(path);
        }
    }
    Ok(summary)
}

/// The reference page of one resource.
pub fn render_page(
    registry: &Registry,
    svc: &Service,
    res: &Resource,
) -> Result<String, EngineError> {
    let provider = &svc.provider;
    let name = &res.name;
    let mut out = String::new();
    let w = &mut out;
    // Front matter and imports.
    let _ = write!(
        w,
        "---\ntitle: {name}\nhide_title: false\nhide_table_of_contents: false\nkeywords:\n  - {name}\n  - {service}\n  - {provider}\n  - stackql\n  - infrastructure-as-code\n  - configuration-as-data\n  - cloud inventory\ndescription: Query, deploy and manage {display} resources using SQL\ncustom_edit_url: null\nimage: /img/providers/{provider}/stackql-{provider}-provider-featured-image.png\n---\n\nimport CopyableCode from '@site/src/components/CopyableCode/CopyableCode';\nimport Tabs from '@theme/Tabs';\nimport TabItem from '@theme/TabItem';\n\n\n{intro}\n\n",
        service = svc.name,
        display = provider_display(provider),
        intro = intro(svc, res)?,
    );
    // Overview.
    let _ = write!(
        w,
        "## Overview\n<table><tbody>\n<tr><td><b>Name</b></td><td><code>{name}</code></td></tr>\n<tr><td><b>Type</b></td><td>Resource</td></tr>\n<tr><td><b>Description</b></td><td>{}</td></tr>\n<tr><td><b>Id</b></td><td><CopyableCode code=\"{}\" /></td></tr>\n</tbody></table>\n\n",
        escape(&res.description),
        res.full_name
    );
    // Fields.
    w.push_str(
        "## Fields\n<table><tbody>\n<tr><th>Name</th><th>Datatype</th><th>Description</th></tr>\n",
    );
    for f in describe::fields(registry, res)? {
        let _ = writeln!(
            w,
            "<tr><td><CopyableCode code=\"{}\" /></td><td><code>{}</code></td><td>{}</td></tr>",
            f.name,
            f.type_name,
            escape(&f.description)
        );
    }
    w.push_str("\n</tbody></table>\n\n");
    // Methods.
    w.push_str("## Methods\n\n<table><tbody>\n  <tr>\n    <th>Name</th>\n    <th>Accessible by</th>\n    <th>Required Params</th>\n  </tr>\n");
    for m in docs_method_rows(registry, svc, res)? {
        let _ = write!(
            w,
            "  <tr>\n    <td><CopyableCode code=\"{}\" /></td>\n    <td><code>{}</code></td>\n    <td><CopyableCode code=\"{}\" /></td>\n  </tr>\n",
            m.name,
            m.verb,
            m.required.join(", ")
        );
    }
    w.push_str("</tbody></table>\n\n");
    // Examples.
    if res.select_view().is_some() || !res.methods_for(SqlVerb::Select).is_empty() {
        select_example(w, registry, res)?;
    }
    if !res.methods_for(SqlVerb::Insert).is_empty() {
        insert_example(w, svc, res)?;
    }
    if let Some(m) = res.methods_for(SqlVerb::Delete).first() {
        delete_example(w, svc, res, m)?;
    }
    // Permissions.
    let perms = describe::permissions(registry, svc, res)?;
    if !perms.is_empty() {
        let _ = write!(
            w,
            "## Permissions\n\nTo operate on the <code>{name}</code> resource, the following permissions are required:\n\n"
        );
        for (title, list) in perms {
            let _ = write!(w, "### {title}\n```json\n{}\n```\n\n", list.join(",\n"));
        }
    }
    Ok(out)
}

fn select_example(w: &mut String, registry: &Registry, res: &Resource) -> Result<(), EngineError> {
    let cols: Vec<String> = match res.select_view() {
        // A view's example selects its columns as the view writes them.
        Some(view) => stackql_sql::view_shape(&view.ddl)
            .map_err(|e| {
                EngineError::Invalid(format!(
                    "the registry view of {} does not parse: {e}",
                    res.full_name
                ))
            })?
            .columns
            .into_iter()
            .map(|c| c.name)
            .collect(),
        None => describe::fields(registry, res)?
            .into_iter()
            .filter(|f| !f.is_param)
            .map(|f| f.name)
            .collect(),
    };
    let reqs = describe::select_requirements(registry, res)?;
    let _ = write!(
        w,
        "## `SELECT` Example\n```sql\nSELECT\n{}\nFROM {}",
        cols.join(",\n"),
        res.full_name
    );
    if !reqs.is_empty() {
        let conds: Vec<String> = reqs.iter().map(|(n, v)| format!("{n} = {v}")).collect();
        let _ = write!(w, "\nWHERE {}", conds.join(" AND "));
    }
    w.push_str(";\n```\n\n");
    Ok(())
}

fn insert_example(w: &mut String, svc: &Service, res: &Resource) -> Result<(), EngineError> {
    let required = describe::insert_columns(svc, res, true)?;
    let all = describe::insert_columns(svc, res, false)?;
    w.push_str("## `INSERT` Example\n\n<Tabs\n    defaultValue=\"required\"\n    values={[\n      { label: 'Required Properties', value: 'required', },\n      { label: 'All Properties', value: 'all', },\n\n    ]\n}>\n<TabItem value=\"required\">\n\n```sql\n");
    w.push_str(&describe::data_block(&required));
    w.push_str("--required properties only\n");
    insert_head(w, &res.full_name, &required);
    // The reference pages write the required tab's values without a leading space on the
    // first and the server variables' lines; kept so pages match them byte for byte.
    let (body, servers): (Vec<&InsertColumn>, Vec<&InsertColumn>) =
        required.iter().partition(|c| c.sample.is_some());
    let mut values = body
        .iter()
        .map(|c| c.expr.as_str())
        .collect::<Vec<_>>()
        .join(",\n ");
    if !servers.is_empty() {
        if !body.is_empty() {
            values.push_str(",\n");
        }
        values.push_str(
            &servers
                .iter()
                .map(|c| c.expr.as_str())
                .collect::<Vec<_>>()
                .join(",\n"),
        );
    }
    let _ = write!(
        w,
        "SELECT \n{values};\n```\n\n</TabItem>\n<TabItem value=\"all\">\n\n```sql\n"
    );
    w.push_str(&describe::data_block(&all));
    w.push_str("--all properties\n");
    insert_head(w, &res.full_name, &all);
    let values = all
        .iter()
        .map(|c| c.expr.as_str())
        .collect::<Vec<_>>()
        .join(",\n ");
    let _ = write!(w, "SELECT \n {values};\n```\n\n</TabItem>\n</Tabs>\n\n");
    Ok(())
}

fn insert_head(w: &mut String, full_name: &str, cols: &[InsertColumn]) {
    let names = cols
        .iter()
        .map(|c| c.name.as_str())
        .collect::<Vec<_>>()
        .join(",\n ");
    let _ = write!(w, "INSERT INTO {full_name} (\n {names}\n)\n");
}

fn delete_example(
    w: &mut String,
    svc: &Service,
    res: &Resource,
    m: &stackql_registry::Method,
) -> Result<(), EngineError> {
    let mut params = describe::required_params(m);
    // Region last, as the reference pages write it.
    params.sort_by_key(|p| p == "region");
    let identifier = identifiers(svc, res)?
        .iter()
        .map(|i| format!("<{i}>"))
        .collect::<Vec<_>>()
        .join("|");
    let conds: Vec<String> = params
        .iter()
        .map(|p| {
            let value = if let Some(v) = crate::example_default(p, None) {
                format!("'{v}'")
            } else if p.ends_with("Identifier") && !identifier.is_empty() {
                format!("'{identifier}'")
            } else {
                format!("'<{p}>'")
            };
            format!("{p} = {value}")
        })
        .collect();
    let _ = write!(
        w,
        "## `DELETE` Example\n\n```sql\nDELETE FROM {}",
        res.full_name
    );
    for (i, c) in conds.iter().enumerate() {
        let _ = write!(w, "\n{} {c}", if i == 0 { "WHERE" } else { "AND" });
    }
    w.push_str(";\n```\n\n");
    Ok(())
}

/// The primary identifier's properties (`x-identifiers`, else the schema's
/// `x-stackql-primary-identifier`).
fn identifiers(svc: &Service, res: &Resource) -> Result<Vec<String>, EngineError> {
    let strings = |v: Option<&Value>| -> Vec<String> {
        v.and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(|s| s.trim_start_matches("/properties/").to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    let ids = strings(describe::resource_def(svc, res)?.get("x-identifiers"));
    if !ids.is_empty() {
        return Ok(ids);
    }
    Ok(strings(
        describe::cfn_schema(svc, res)?.and_then(|s| s.get("x-stackql-primary-identifier")),
    ))
}

/// The opening sentence: a list/get pair of Cloud Control resources points at each other.
fn intro(svc: &Service, res: &Resource) -> Result<String, EngineError> {
    let doc = svc.document()?;
    let kind = |r: &Resource| {
        doc.pointer(&format!(
            "/components/x-stackQL-resources/{}",
            r.name.replace('~', "~0").replace('/', "~1")
        ))
        .and_then(|d| d.get("x-type"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
    };
    let my_kind = kind(res);
    let sibling = |want: &str| {
        svc.resources
            .values()
            .find(|r| {
                r.name != res.name
                    && r.type_name.is_some()
                    && r.type_name == res.type_name
                    && kind(r) == want
            })
            .map(|r| r.name.clone())
    };
    let name = &res.name;
    match my_kind.as_str() {
        "list" => {
            if let Some(one) = sibling("get") {
                return Ok(format!("Used to retrieve a list of <code>{name}</code> in a region or to create or delete a <code>{name}</code> resource, use <code>{one}</code> to read or update an individual resource."));
            }
        }
        "get" => {
            if let Some(many) = sibling("list") {
                return Ok(format!("Gets or updates an individual <code>{name}</code> resource, use <code>{many}</code> to retrieve a list of resources or to create or delete a resource."));
            }
        }
        _ => {}
    }
    let has = |v: SqlVerb| !res.methods_for(v).is_empty();
    let mut verbs = Vec::new();
    if res.select_view().is_some() || has(SqlVerb::Select) {
        verbs.push("query");
    }
    for (v, word) in [
        (SqlVerb::Insert, "create"),
        (SqlVerb::Update, "update"),
        (SqlVerb::Delete, "delete"),
        (SqlVerb::Exec, "run operations on"),
    ] {
        if has(v) {
            verbs.push(word);
        }
    }
    Ok(match verbs.as_slice() {
        [] => format!("Describes the <code>{name}</code> resource."),
        [one] => format!("Used to {one} <code>{name}</code> resources."),
        [init @ .., last] => format!(
            "Used to {} or {last} <code>{name}</code> resources.",
            init.join(", ")
        ),
    })
}

fn provider_display(provider: &str) -> String {
    match provider {
        "aws" | "awscc" => "AWS".to_string(),
        "google" => "Google".to_string(),
        "azure" => "Azure".to_string(),
        other => other.to_string(),
    }
}

/// HTML escaping as the reference pages apply it to descriptions, plus braces and line
/// breaks, which MDX would otherwise read as expressions and paragraph ends.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '/' => out.push_str("&#x2F;"),
            '`' => out.push_str("&#x60;"),
            '=' => out.push_str("&#x3D;"),
            '{' => out.push_str("&#123;"),
            '}' => out.push_str("&#125;"),
            '\r' => {}
            '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The Methods table: the registry's methods, and for a resource whose SELECTs a view answers
/// (no select method of its own) one row for that view, as the reference pages show it:
/// `get_resource` when the view needs an identifier, else `list_resource`.
fn docs_method_rows(
    registry: &Registry,
    svc: &Service,
    res: &Resource,
) -> Result<Vec<describe::MethodRow>, EngineError> {
    let mut rows = describe::method_rows(svc, res)?;
    if res.select_view().is_some() && res.methods_for(SqlVerb::Select).is_empty() {
        let mut required: Vec<String> = describe::select_requirements(registry, res)?
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        required.sort();
        let by_identifier = required.iter().any(|p| p.ends_with("Identifier"));
        rows.push(describe::MethodRow {
            name: if by_identifier {
                "get_resource"
            } else {
                "list_resource"
            }
            .into(),
            required,
            verb: SqlVerb::Select.name(),
            description: String::new(),
        });
    }
    Ok(rows)
}
