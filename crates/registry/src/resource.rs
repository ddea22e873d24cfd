//! A StackQL resource (`provider.service.resource`): its methods, the SQL verbs they serve,
//! and an optional SQL view that replaces it for SELECT.

use crate::method::Method;
use crate::service::Service;
use crate::suggest::closest_names;
use crate::RegistryError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SqlVerb {
    Select,
    Insert,
    Update,
    Delete,
    Exec,
}

impl SqlVerb {
    pub fn name(self) -> &'static str {
        match self {
            SqlVerb::Select => "SELECT",
            SqlVerb::Insert => "INSERT",
            SqlVerb::Update => "UPDATE",
            SqlVerb::Delete => "DELETE",
            SqlVerb::Exec => "EXEC",
        }
    }
}

/// A `config.views.select` entry for our dialect (`sqlite3`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ViewDef {
    pub predicate: String,
    pub ddl: String,
    /// `requiredParams == [ data__Identifier, region ]` of the predicate, in its order: the
    /// parameters a statement must supply for this variant to be chosen.
    pub required_params: Vec<String>,
}

#[derive(Serialize, Deserialize)]
pub struct Resource {
    pub name: String,
    /// `provider.service.resource` as we address it (the registry's `id` is sometimes wrong).
    pub full_name: String,
    pub title: String,
    pub description: String,
    /// `x-cfn-type-name`, e.g. `AWS::SageMaker::Image`, where the registry gives it.
    pub type_name: Option<String>,
    /// `x-cfn-schema-name`: the schema in `components.schemas` describing the resource.
    pub schema_name: Option<String>,
    pub methods: BTreeMap<String, Method>,
    /// Method names per verb, in the registry's order (first usable wins).
    #[serde(with = "verb_keys")]
    pub verbs: BTreeMap<&'static str, Vec<String>>,
    /// The SQLite variants of the select view, in `fallback` order: a statement runs the
    /// first whose `required_params` it supplies; the first is the one DESCRIBE shows.
    pub select_views: Vec<ViewDef>,
}

impl Resource {
    /// The primary select view (the first variant), if the resource is a view.
    pub fn select_view(&self) -> Option<&ViewDef> {
        self.select_views.first()
    }

    pub(crate) fn parse(
        service: &Service,
        doc: &Value,
        name: &str,
        def: &Value,
    ) -> Result<Self, String> {
        let mut methods = BTreeMap::new();
        if let Some(ms) = def.get("methods").and_then(Value::as_object) {
            for (m_name, m_def) in ms {
                let method = Method::parse(service, doc, def, m_name, m_def)
                    .map_err(|e| format!("method {m_name}: {e}"))?;
                methods.insert(m_name.clone(), method);
            }
        }
        let mut verbs: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
        let mut in_some_verb = std::collections::HashSet::new();
        for verb in [
            SqlVerb::Select,
            SqlVerb::Insert,
            SqlVerb::Update,
            SqlVerb::Delete,
        ] {
            let key = verb.name().to_ascii_lowercase();
            let list: Vec<String> = def
                .pointer(&format!("/sqlVerbs/{key}"))
                .and_then(Value::as_array)
                .map(|refs| {
                    refs.iter()
                        .filter_map(|r| r.get("$ref").and_then(Value::as_str))
                        .filter_map(|r| r.rsplit('/').next())
                        .map(|m| m.replace("~1", "/").replace("~0", "~"))
                        .filter(|m| methods.contains_key(m))
                        .collect()
                })
                .unwrap_or_default();
            in_some_verb.extend(list.iter().cloned());
            verbs.insert(verb.name(), list);
        }
        // Methods reachable by no verb are what EXEC is for.
        verbs.insert(
            SqlVerb::Exec.name(),
            methods
                .keys()
                .filter(|m| !in_some_verb.contains(*m))
                .cloned()
                .collect(),
        );
        let text = |k: &str| def.get(k).and_then(Value::as_str).map(str::to_string);
        let schema_name = text("x-cfn-schema-name");
        let description = text("x-description")
            .or_else(|| {
                let s = schema_name.as_ref()?;
                doc.pointer(&format!("/components/schemas/{s}/description"))?
                    .as_str()
                    .map(str::to_string)
            })
            .unwrap_or_default();
        Ok(Resource {
            name: name.to_string(),
            full_name: service.resource_full_name(name),
            title: text("title").unwrap_or_else(|| name.to_string()),
            description,
            type_name: text("x-cfn-type-name"),
            schema_name,
            methods,
            verbs,
            select_views: sqlite_views(def.pointer("/config/views/select")),
        })
    }

    pub fn methods_for(&self, verb: SqlVerb) -> Vec<&Method> {
        self.verbs
            .get(verb.name())
            .map(|names| names.iter().filter_map(|n| self.methods.get(n)).collect())
            .unwrap_or_default()
    }

    pub fn method(&self, name: &str) -> Result<&Method, RegistryError> {
        self.methods
            .get(name)
            .ok_or_else(|| RegistryError::UnknownMethod {
                resource: self.full_name.clone(),
                method: name.to_string(),
                suggestions: closest_names(name, self.methods.keys().map(String::as_str)),
            })
    }
}

/// Walks `select` and its `fallback` chain for the views meant for SQLite, in order. A view
/// whose predicate names another dialect (`postgres`) is skipped; one naming none applies.
fn sqlite_views(mut v: Option<&Value>) -> Vec<ViewDef> {
    let mut out = Vec::new();
    // A chain is a handful of variants; the bound only guards a malformed document.
    while let (Some(view), true) = (v, out.len() < 64) {
        let predicate = view.get("predicate").and_then(Value::as_str).unwrap_or("");
        let ddl = view.get("ddl").and_then(Value::as_str);
        let for_us = !predicate.contains("sqlDialect") || predicate.contains("\"sqlite3\"");
        if let (true, Some(ddl)) = (for_us, ddl) {
            out.push(ViewDef {
                predicate: predicate.to_string(),
                ddl: ddl.to_string(),
                required_params: required_params(predicate),
            });
        }
        v = view.get("fallback");
    }
    out
}

/// The names in `requiredParams == [ a, "b" ]`, unquoted, in order (none without the clause).
fn required_params(predicate: &str) -> Vec<String> {
    let Some(at) = predicate.find("requiredParams") else {
        return Vec::new();
    };
    let rest = predicate[at + "requiredParams".len()..].trim_start();
    let Some(rest) = rest.strip_prefix("==").map(str::trim_start) else {
        return Vec::new();
    };
    let Some(list) = rest.strip_prefix('[').and_then(|r| r.split(']').next()) else {
        return Vec::new();
    };
    list.split(',')
        .map(|p| p.trim().trim_matches('"').trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn views_follow_the_fallback_chain_for_sqlite_only() {
        let chain = json!({
            "predicate": "sqlDialect == \"sqlite3\" && requiredParams == [ data__Identifier, \"region\" ]",
            "ddl": "SELECT 1",
            "fallback": {
                "predicate": "sqlDialect == \"postgres\" && requiredParams == [ data__Identifier ]",
                "ddl": "SELECT 2",
                "fallback": {"predicate": "sqlDialect == \"sqlite3\"", "ddl": "SELECT 3"}
            }
        });
        let views = sqlite_views(Some(&chain));
        assert_eq!(views.len(), 2);
        assert_eq!(views[0].required_params, ["data__Identifier", "region"]);
        assert_eq!(views[1].ddl, "SELECT 3");
        assert!(views[1].required_params.is_empty());
    }
}

/// `verbs` is keyed by `&'static str` (the verb names), which serde cannot borrow from a
/// cache blob: keys are read as strings and mapped back to the static names.
mod verb_keys {
    use super::SqlVerb;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;

    pub fn serialize<S: Serializer>(
        v: &BTreeMap<&'static str, Vec<String>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        v.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<&'static str, Vec<String>>, D::Error> {
        let raw = BTreeMap::<String, Vec<String>>::deserialize(d)?;
        raw.into_iter()
            .map(|(k, v)| {
                [
                    SqlVerb::Select,
                    SqlVerb::Insert,
                    SqlVerb::Update,
                    SqlVerb::Delete,
                    SqlVerb::Exec,
                ]
                .into_iter()
                .find(|verb| verb.name() == k)
                .map(|verb| (verb.name(), v))
                .ok_or_else(|| serde::de::Error::custom(format!("unknown SQL verb {k}")))
            })
            .collect()
    }
}
