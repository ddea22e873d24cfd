//! Making provider names exist in SQLite on demand: a resource with a registry view becomes
//! a SQLite view (its placeholder predicates dropped, so the outer WHERE reaches the API),
//! any other selectable resource a virtual table of the `stackql` module.

use crate::error::EngineError;
use crate::vtab::MODULE_NAME;
use rusqlite::Connection;
use stackql_registry::{Registry, SqlVerb};
use stackql_sql::{parse_view_ddl, QualifiedName};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Default)]
pub struct Catalog {
    created: BTreeSet<String>,
    /// View name -> the provider tables it reads (directly or through other views).
    pub view_sources: BTreeMap<String, Vec<String>>,
}

impl Catalog {
    /// Ensures `name` is a table or view in `conn`; recursion depth guards view cycles.
    pub fn ensure(
        &mut self,
        conn: &Connection,
        registry: &Registry,
        name: &QualifiedName,
    ) -> Result<(), EngineError> {
        self.ensure_depth(conn, registry, name, 0)
    }

    fn ensure_depth(
        &mut self,
        conn: &Connection,
        registry: &Registry,
        name: &QualifiedName,
        depth: usize,
    ) -> Result<(), EngineError> {
        let full = name.to_string();
        if self.created.contains(&full) {
            return Ok(());
        }
        if depth > 8 {
            return Err(EngineError::Invalid(format!(
                "view {full} nests more than 8 levels deep (a cycle in the registry?)"
            )));
        }
        let (_, resource) = registry.resource(&name.provider, &name.service, &name.resource)?;
        let quoted = format!("\"{}\"", full.replace('"', "\"\""));
        if let Some(view) = &resource.select_view {
            let (sql, tables) = parse_view_ddl(&view.ddl).map_err(|e| {
                EngineError::Invalid(format!("the registry view of {full} does not parse: {e}"))
            })?;
            let mut sources = Vec::new();
            for t in &tables {
                self.ensure_depth(conn, registry, t, depth + 1)?;
                let key = t.to_string();
                match self.view_sources.get(&key) {
                    Some(inner) => sources.extend(inner.clone()),
                    None => sources.push(key),
                }
            }
            conn.execute_batch(&format!("CREATE VIEW {quoted} AS {sql}"))
                .map_err(|e| EngineError::Sqlite(format!("creating view {full}: {e}")))?;
            self.view_sources.insert(full.clone(), sources);
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
        }
        self.created.insert(full);
        Ok(())
    }
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
            if r.select_view.is_some() || !r.methods_for(SqlVerb::Select).is_empty() {
                return format!(
                    "; to read, select from {}.{}.{c}",
                    name.provider, name.service
                );
            }
        }
    }
    String::new()
}
