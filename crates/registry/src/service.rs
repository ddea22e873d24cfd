//! A service document: servers, signing name, service-wide StackQL config (pagination,
//! request translation) and its `x-stackQL-resources`.

use crate::resource::Resource;
use crate::suggest::closest_names;
use crate::RegistryError;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq)]
pub struct Server {
    /// e.g. `https://cloudcontrolapi.{region}.amazonaws.com`
    pub url: String,
    /// variable name -> (default, allowed values)
    pub variables: BTreeMap<String, (Option<String>, Vec<String>)>,
}

impl Server {
    /// Whether this server accepts the given variable values (enums respected).
    pub fn accepts(&self, values: &BTreeMap<String, String>) -> bool {
        self.variables.iter().all(|(name, (_, allowed))| {
            allowed.is_empty() || values.get(name).is_none_or(|v| allowed.contains(v))
        })
    }
    /// The URL with `{var}` replaced by the given values (or defaults).
    pub fn render(&self, values: &BTreeMap<String, String>) -> String {
        let mut url = self.url.clone();
        for (name, (default, _)) in &self.variables {
            if let Some(v) = values.get(name).or(default.as_ref()) {
                url = url.replace(&format!("{{{name}}}"), v);
            }
        }
        url
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenLocation {
    Body,
    Query,
    Header,
}

/// `x-stackQL-config.pagination`: where the next-page token goes and comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pagination {
    pub request_key: String,
    pub request_location: TokenLocation,
    pub response_key: String,
    pub response_location: TokenLocation,
}

impl Pagination {
    pub(crate) fn parse(v: &Value) -> Option<Pagination> {
        let loc = |s: Option<&str>| match s {
            Some("query") => TokenLocation::Query,
            Some("header") => TokenLocation::Header,
            _ => TokenLocation::Body,
        };
        Some(Pagination {
            request_key: v.pointer("/requestToken/key")?.as_str()?.to_string(),
            request_location: loc(v.pointer("/requestToken/location").and_then(Value::as_str)),
            response_key: v.pointer("/responseToken/key")?.as_str()?.to_string(),
            response_location: loc(v.pointer("/responseToken/location").and_then(Value::as_str)),
        })
    }
}

pub struct Service {
    pub provider: String,
    pub name: String,
    pub path: PathBuf,
    pub title: String,
    /// SigV4 signing name (`info.x-serviceName`).
    pub signing_name: Option<String>,
    pub servers: Vec<Server>,
    pub pagination: Option<Pagination>,
    /// `x-stackQL-config.requestTranslate.algorithm`, e.g. `drop_double_underscore_params`.
    pub request_translate: Option<String>,
    pub resources: BTreeMap<String, Arc<Resource>>,
    /// The whole document, for schema lookups that are not precomputed (docs, emulator).
    pub document: Value,
}

impl Service {
    pub(crate) fn from_document(
        provider: &str,
        name: &str,
        path: &Path,
        document: Value,
    ) -> Result<Self, RegistryError> {
        let servers = parse_servers(document.get("servers"));
        let config = document.get("x-stackQL-config");
        let pagination = config
            .and_then(|c| c.get("pagination"))
            .and_then(Pagination::parse);
        let request_translate = config
            .and_then(|c| c.pointer("/requestTranslate/algorithm"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let mut service = Service {
            provider: provider.to_string(),
            name: name.to_string(),
            path: path.to_path_buf(),
            title: document
                .pointer("/info/title")
                .and_then(Value::as_str)
                .unwrap_or(name)
                .to_string(),
            signing_name: document
                .pointer("/info/x-serviceName")
                .and_then(Value::as_str)
                .map(str::to_string),
            servers,
            pagination,
            request_translate,
            resources: BTreeMap::new(),
            document: Value::Null,
        };
        if let Some(resources) = document
            .pointer("/components/x-stackQL-resources")
            .and_then(Value::as_object)
        {
            for (res_name, def) in resources {
                let res = Resource::parse(&service, &document, res_name, def).map_err(|m| {
                    RegistryError::invalid(path, format!("resource {res_name}: {m}"))
                })?;
                service.resources.insert(res_name.clone(), Arc::new(res));
            }
        }
        service.document = document;
        Ok(service)
    }

    pub fn resource(&self, name: &str) -> Result<Arc<Resource>, RegistryError> {
        self.resources
            .get(name)
            .cloned()
            .ok_or_else(|| RegistryError::UnknownResource {
                provider: self.provider.clone(),
                service: self.name.clone(),
                resource: name.to_string(),
                suggestions: closest_names(name, self.resources.keys().map(String::as_str)),
            })
    }

    /// The server whose variable enums accept `values` (e.g. `.amazonaws.com.cn` for cn regions).
    pub fn server_for(&self, values: &BTreeMap<String, String>) -> Option<&Server> {
        self.servers
            .iter()
            .find(|s| s.accepts(values))
            .or_else(|| self.servers.first())
    }
}

pub(crate) fn parse_servers(v: Option<&Value>) -> Vec<Server> {
    let Some(Value::Array(list)) = v else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|s| {
            let url = s.get("url")?.as_str()?.to_string();
            let mut variables = BTreeMap::new();
            if let Some(vars) = s.get("variables").and_then(Value::as_object) {
                for (k, def) in vars {
                    let default = def
                        .get("default")
                        .and_then(Value::as_str)
                        .map(str::to_string);
                    let allowed = def
                        .get("enum")
                        .and_then(Value::as_array)
                        .map(|e| {
                            e.iter()
                                .filter_map(Value::as_str)
                                .map(str::to_string)
                                .collect()
                        })
                        .unwrap_or_default();
                    variables.insert(k.clone(), (default, allowed));
                }
            }
            Some(Server { url, variables })
        })
        .collect()
}
