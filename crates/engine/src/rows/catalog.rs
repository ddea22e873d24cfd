//! Making provider names exist in SQLite for a statement: a selectable resource without a
//! registry view becomes a virtual table of the `stackql` module (once per connection); a
//! registry view becomes a SQLite view instantiated for the statement (`stackql_sql::
//! view_params`): its variant chosen by the parameters the statement supplies, the
//! statement's bindings substituted, and the view recreated whenever that changes its SQL.

use crate::error::EngineError;
use crate::rows::vtab::MODULE_NAME;
use rusqlite::Connection;
use stackql_registry::{Registry, Resource, SqlVerb, ViewDef};
use stackql_sql::{
    drop_bindings, instantiate_view, statement_bindings, view_shape, ParamBindings, QualifiedName,
};
use std::collections::{BTreeMap, BTreeSet};

/// Views over views deeper than this are a registry error (a cycle).
const MAX_VIEW_DEPTH: usize = 8;

#[derive(Default)]
pub struct Catalog {
    /// Virtual tables created in the connection.
    tables: BTreeSet<String>,
    /// View name -> the SQL it is currently defined with.
    views: BTreeMap<String, String>,
    /// View name -> the provider tables it reads (directly or through other views).
    pub view_sources: BTreeMap<String, Vec<String>>,
}

/// What instantiating one statement's views found.
#[derive(Default)]
struct StatementViews {
    /// Views already instantiated for this statement.
    done: BTreeSet<String>,
    /// Lower-cased bindings some view took.
    consumed: BTreeSet<String>,
}

impl Catalog {
    /// Makes every relation `sql` names (`tables`) exist for this statement, and returns the
    /// statement as it must run: without the bindings views consumed that no relation of it
    /// has as a column (`WHERE data__Identifier = 'x'` on a view that does not show it).
    pub fn prepare(
        &mut self,
        conn: &Connection,
        registry: &Registry,
        sql: &str,
        tables: &[QualifiedName],
    ) -> Result<String, EngineError> {
        let bindings = if tables.is_empty() {
            ParamBindings::default()
        } else {
            statement_bindings(sql)?
        };
        let mut found = StatementViews::default();
        let mut exposed = BTreeSet::new();
        for t in tables {
            let resource = self.ensure(conn, registry, t, &bindings, &mut found, 0)?;
            exposed.extend(columns_of(registry, &resource, &bindings)?);
        }
        let unplaced: BTreeSet<String> = found
            .consumed
            .into_iter()
            .filter(|c| !exposed.contains(c))
            .collect();
        if unplaced.is_empty() {
            return Ok(sql.to_string());
        }
        Ok(drop_bindings(sql, &unplaced)?)
    }

    fn ensure(
        &mut self,
        conn: &Connection,
        registry: &Registry,
        name: &QualifiedName,
        bindings: &ParamBindings,
        found: &mut StatementViews,
        depth: usize,
    ) -> Result<std::sync::Arc<Resource>, EngineError> {
        let full = name.to_string();
        if depth > MAX_VIEW_DEPTH {
            return Err(EngineError::Invalid(format!(
                "view {full} nests more than {MAX_VIEW_DEPTH} levels deep (a cycle in the registry?)"
            )));
        }
        let (_, resource) = registry.resource(&name.provider, &name.service, &name.resource)?;
        if self.tables.contains(&full) || found.done.contains(&full) {
            return Ok(resource);
        }
        let quoted = format!("\"{}\"", full.replace('"', "\"\""));
        if !resource.select_views.is_empty() {
            let view = choose_variant(&resource, bindings)?;
            let params_of = |t: &QualifiedName| parameter_columns(registry, t);
            let instance = instantiate_view(&view.ddl, bindings, &params_of).map_err(|e| {
                EngineError::Invalid(format!("the registry view of {full} does not parse: {e}"))
            })?;
            let mut sources = Vec::new();
            for t in &instance.tables {
                self.ensure(conn, registry, t, bindings, found, depth + 1)?;
                let key = t.to_string();
                match self.view_sources.get(&key) {
                    Some(inner) => sources.extend(inner.clone()),
                    None => sources.push(key),
                }
            }
            if self.views.get(&full) != Some(&instance.sql) {
                conn.execute_batch(&format!(
                    "DROP VIEW IF EXISTS {quoted}; CREATE VIEW {quoted} AS {}",
                    instance.sql
                ))
                .map_err(|e| EngineError::Sqlite(format!("creating view {full}: {e}")))?;
                self.views.insert(full.clone(), instance.sql);
            }
            found.consumed.extend(instance.consumed);
            found.done.insert(full.clone());
            self.view_sources.insert(full, sources);
        } else if resource.methods_for(SqlVerb::Select).is_empty() {
            let verbs: Vec<&str> = [
                SqlVerb::Insert,
                SqlVerb::Update,
                SqlVerb::Delete,
                SqlVerb::Exec,
            ]
            .into_iter()
            .filter(|v| !resource.methods_for(*v).is_empty())
            .map(|v| v.name())
            .collect();
            return Err(EngineError::Invalid(format!(
                "{full} cannot be queried with SELECT (it supports: {}){}",
                if verbs.is_empty() {
                    "nothing".to_string()
                } else {
                    verbs.join(", ")
                },
                select_hint(registry, name)
            )));
        } else {
            conn.execute_batch(&format!(
                "CREATE VIRTUAL TABLE {quoted} USING {MODULE_NAME}"
            ))
            .map_err(|e| EngineError::Sqlite(format!("creating table {full}: {e}")))?;
            self.tables.insert(full);
        }
        Ok(resource)
    }
}

/// The variant of a resource's select view a statement runs: the first whose required
/// parameters it supplies (StackQL's `requiredParams` predicates and `fallback` chain).
pub fn choose_variant<'r>(
    resource: &'r Resource,
    bindings: &ParamBindings,
) -> Result<&'r ViewDef, EngineError> {
    let supplies = |v: &&ViewDef| v.required_params.iter().all(|p| bindings.constrains(p));
    if let Some(v) = resource.select_views.iter().find(supplies) {
        return Ok(v);
    }
    // None fits: name what the closest variant (the one needing least) still lacks.
    let missing = resource
        .select_views
        .iter()
        .map(|v| {
            v.required_params
                .iter()
                .filter(|p| !bindings.constrains(p))
                .cloned()
                .collect::<Vec<_>>()
        })
        .min_by_key(Vec::len)
        .unwrap_or_default();
    Err(EngineError::MissingParams {
        table: resource.full_name.clone(),
        how: format!(
            "supply {} in WHERE, e.g. {}",
            if missing.len() > 1 { "them" } else { "it" },
            missing
                .first()
                .map(|p| crate::example_predicate(p, None))
                .unwrap_or_default()
        ),
        missing,
    })
}

/// The parameter columns of a provider table (what its select methods take).
fn parameter_columns(registry: &Registry, table: &QualifiedName) -> Vec<String> {
    let Ok((_, r)) = registry.resource(&table.provider, &table.service, &table.resource) else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    for m in r.methods_for(SqlVerb::Select) {
        for name in m
            .params
            .iter()
            .flat_map(|p| std::iter::once(&p.name).chain(&p.aliases))
        {
            if !out.contains(name) {
                out.push(name.clone());
            }
        }
    }
    out
}

/// The lower-cased columns a relation of the statement has.
fn columns_of(
    registry: &Registry,
    resource: &Resource,
    bindings: &ParamBindings,
) -> Result<Vec<String>, EngineError> {
    if resource.select_views.is_empty() {
        return Ok(crate::meta::describe::fields(registry, resource)?
            .into_iter()
            .map(|f| f.name.to_ascii_lowercase())
            .collect());
    }
    let view = choose_variant(resource, bindings)?;
    Ok(view_shape(&view.ddl)
        .map(|s| {
            s.columns
                .into_iter()
                .map(|c| c.name.to_ascii_lowercase())
                .collect()
        })
        .unwrap_or_default())
}

/// For a singular/plural pair (`image` / `images`), point at the one that can be selected.
fn select_hint(registry: &Registry, name: &QualifiedName) -> String {
    let Ok(service) = registry
        .provider(&name.provider)
        .and_then(|p| p.service(&name.service))
    else {
        return String::new();
    };
    let candidates = [
        format!("{}s", name.resource),
        name.resource.trim_end_matches('s').to_string(),
    ];
    for c in candidates {
        if let Some(r) = service.resources.get(&c) {
            if r.select_view().is_some() || !r.methods_for(SqlVerb::Select).is_empty() {
                return format!(
                    "; to read, select from {}.{}.{c}",
                    name.provider, name.service
                );
            }
        }
    }
    String::new()
}
