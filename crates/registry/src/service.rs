//! A service document: servers, signing name, service-wide StackQL config (pagination,
//! request translation) and its `x-stackQL-resources`.

use crate::cache::CachedService;
use crate::protocol::WireProtocol;
use crate::resource::Resource;
use crate::suggest::closest_names;
use crate::RegistryError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
    /// Whether the URL template has a place for `variable`. A global endpoint
    /// (`https://iam.amazonaws.com`) may still declare `region`, which then has no use.
    pub fn uses(&self, variable: &str) -> bool {
        self.url.contains(&format!("{{{variable}}}"))
    }

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

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TokenLocation {
    Body,
    Query,
    Header,
}

/// `x-stackQL-config.pagination`: where the next-page token goes and comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pagination {
    pub request_key: String,
    pub request_location: TokenLocation,
    pub response_key: String,
    pub response_location: TokenLocation,
    /// The JSON `type` the method's request declares for the token (`string`, `integer`,
    /// ...), filled per method; None when undeclared. A token is sent back in this form.
    pub request_token_type: Option<String>,
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
            request_token_type: None,
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
    /// The wire protocol its requests and answers use.
    pub protocol: WireProtocol,
    pub servers: Vec<Server>,
    pub pagination: Option<Pagination>,
    /// `x-stackQL-config.requestTranslate.algorithm`, e.g. `drop_double_underscore_params`.
    pub request_translate: Option<String>,
    /// Whether row columns take the snake_case form of the response's field names
    /// (provider.yaml `config.snake_case_aliases`).
    pub snake_case_columns: bool,
    /// Every resource by name. From a cache, each is read the first time it is asked for.
    pub resources: Resources,
    /// The whole document; from a cache, read only when `document()` is called.
    document: OnceLock<Value>,
    /// Where lazily loaded parts come from (None: everything was parsed up front).
    lazy: Option<Arc<CachedService>>,
}

/// What the provider (provider.yaml `config`) decides about how its services are read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServiceOptions {
    /// `config.snake_case_aliases`: row columns are the snake_case forms of field names.
    pub snake_case_columns: bool,
}

/// The service-wide facts every resource is parsed against; what a cache stores besides
/// the resources and the document.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct ServiceHead {
    pub provider: String,
    pub name: String,
    pub path: PathBuf,
    pub title: String,
    pub signing_name: Option<String>,
    pub protocol: WireProtocol,
    pub servers: Vec<Server>,
    pub pagination: Option<Pagination>,
    pub request_translate: Option<String>,
    #[serde(default)]
    pub snake_case_columns: bool,
}

/// The resources of a service by name. With a cache behind it, only the names are known
/// up front and each resource is deserialized on first use, so planning a query against
/// `ec2_api` (4 MB of YAML) reads one resource, not all of them.
pub struct Resources {
    slots: BTreeMap<String, Slot>,
    lazy: Option<Arc<CachedService>>,
}

struct Slot {
    /// Byte range of the resource in the cache file (unused when parsed up front).
    range: (u64, u64),
    /// The resource's description as the cache index keeps it, so listing resources
    /// (`SHOW RESOURCES`) reads no resource (`None` when parsed up front).
    description: Option<String>,
    cell: OnceLock<Arc<Resource>>,
}

/// A resource as a cache file's index names it: where its blob lies, and what a listing
/// shows without reading the blob.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct IndexEntry {
    pub name: String,
    pub range: (u64, u64),
    pub description: String,
}

impl Resources {
    pub fn len(&self) -> usize {
        self.slots.len()
    }
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
    pub fn contains_key(&self, name: &str) -> bool {
        self.slots.contains_key(name)
    }
    /// Resource names in order; loads nothing.
    pub fn keys(&self) -> impl Iterator<Item = &String> + '_ {
        self.slots.keys()
    }
    /// The resource called `name`, loaded on first use. A resource that can be read
    /// neither from the cache nor from the source is `None` here; `Service::resource`
    /// reports why.
    pub fn get(&self, name: &str) -> Option<&Arc<Resource>> {
        self.try_get(name).ok().flatten()
    }
    /// Every resource in name order (loads them all).
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Arc<Resource>)> + '_ {
        self.slots
            .keys()
            .filter_map(|k| self.get(k).map(|r| (k, r)))
    }
    pub fn values(&self) -> impl Iterator<Item = &Arc<Resource>> + '_ {
        self.iter().map(|(_, r)| r)
    }
    /// How many resources have been read so far (all of them when parsed up front).
    pub fn loaded(&self) -> usize {
        self.slots
            .values()
            .filter(|s| s.cell.get().is_some())
            .count()
    }
    /// Every resource's name and description in name order, from the cache index where
    /// the service came from one (loads no resource then).
    pub fn summaries(&self) -> impl Iterator<Item = (&String, &str)> + '_ {
        self.slots.iter().filter_map(|(name, slot)| {
            let description = match &slot.description {
                Some(d) => d.as_str(),
                None => self.get(name)?.description.as_str(),
            };
            Some((name, description))
        })
    }

    pub(crate) fn try_get(&self, name: &str) -> Result<Option<&Arc<Resource>>, RegistryError> {
        let Some(slot) = self.slots.get(name) else {
            return Ok(None);
        };
        if let Some(r) = slot.cell.get() {
            return Ok(Some(r));
        }
        let lazy = self
            .lazy
            .as_ref()
            .expect("a resource without a value has a cache behind it");
        let loaded = lazy.resource(name, slot.range)?;
        Ok(Some(slot.cell.get_or_init(|| loaded)))
    }

    /// The index of a service read from a cache.
    pub(crate) fn lazy(index: Vec<IndexEntry>, lazy: Arc<CachedService>) -> Self {
        Resources {
            slots: index
                .into_iter()
                .map(|e| {
                    (
                        e.name,
                        Slot {
                            range: e.range,
                            description: Some(e.description),
                            cell: OnceLock::new(),
                        },
                    )
                })
                .collect(),
            lazy: Some(lazy),
        }
    }
}

impl<'a> IntoIterator for &'a Resources {
    type Item = (&'a String, &'a Arc<Resource>);
    type IntoIter = Box<dyn Iterator<Item = Self::Item> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl Service {
    /// Parses the text of a service document (what `Provider::service` does after reading
    /// the file); `path` names the document in errors.
    pub fn parse(
        provider: &str,
        name: &str,
        path: &Path,
        text: &str,
    ) -> Result<Self, RegistryError> {
        Service::parse_with(provider, name, path, text, ServiceOptions::default())
    }

    /// `parse` for a provider whose `config` asks for `options`.
    pub fn parse_with(
        provider: &str,
        name: &str,
        path: &Path,
        text: &str,
        options: ServiceOptions,
    ) -> Result<Self, RegistryError> {
        let doc = crate::yaml::parse_document(text).map_err(|message| RegistryError::Parse {
            path: path.to_path_buf(),
            message,
        })?;
        Service::from_document(provider, name, path, doc, options)
    }

    pub(crate) fn from_document(
        provider: &str,
        name: &str,
        path: &Path,
        document: Value,
        options: ServiceOptions,
    ) -> Result<Self, RegistryError> {
        crate::yaml::expect_mapping(&document, "service", path)?;
        let servers = parse_servers(document.get("servers"));
        let config = document.get("x-stackQL-config");
        let pagination = config
            .and_then(|c| c.get("pagination"))
            .and_then(Pagination::parse);
        let request_translate = config
            .and_then(|c| c.pointer("/requestTranslate/algorithm"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let mut service = Service::from_head(
            ServiceHead {
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
                protocol: WireProtocol::of_document(&document),
                servers,
                pagination,
                request_translate,
                snake_case_columns: options.snake_case_columns,
            },
            Resources {
                slots: BTreeMap::new(),
                lazy: None,
            },
            None,
        );
        if let Some(resources) = document
            .pointer("/components/x-stackQL-resources")
            .and_then(Value::as_object)
        {
            for (res_name, def) in resources {
                let res = Resource::parse(&service, &document, res_name, def).map_err(|m| {
                    RegistryError::invalid(path, format!("resource {res_name}: {m}"))
                })?;
                service.resources.slots.insert(
                    res_name.clone(),
                    Slot {
                        range: (0, 0),
                        description: None,
                        cell: OnceLock::from(Arc::new(res)),
                    },
                );
            }
        }
        service.document = OnceLock::from(document);
        Ok(service)
    }

    pub(crate) fn from_head(
        head: ServiceHead,
        resources: Resources,
        lazy: Option<Arc<CachedService>>,
    ) -> Self {
        Service {
            provider: head.provider,
            name: head.name,
            path: head.path,
            title: head.title,
            signing_name: head.signing_name,
            protocol: head.protocol,
            servers: head.servers,
            pagination: head.pagination,
            request_translate: head.request_translate,
            snake_case_columns: head.snake_case_columns,
            resources,
            document: OnceLock::new(),
            lazy,
        }
    }

    pub(crate) fn head(&self) -> ServiceHead {
        ServiceHead {
            provider: self.provider.clone(),
            name: self.name.clone(),
            path: self.path.clone(),
            title: self.title.clone(),
            signing_name: self.signing_name.clone(),
            protocol: self.protocol,
            servers: self.servers.clone(),
            pagination: self.pagination.clone(),
            request_translate: self.request_translate.clone(),
            snake_case_columns: self.snake_case_columns,
        }
    }

    /// Whether this service was read from the cache rather than parsed from its source.
    pub fn is_cached(&self) -> bool {
        self.lazy.is_some()
    }

    /// The whole document, for schema lookups that are not precomputed (docs, discovery).
    /// From a cache it is read on first call, which costs a JSON parse of the whole
    /// document: planning never needs it.
    pub fn document(&self) -> Result<&Value, RegistryError> {
        if let Some(d) = self.document.get() {
            return Ok(d);
        }
        let lazy = self
            .lazy
            .as_ref()
            .expect("a service without its document has a cache behind it");
        let doc = lazy.document()?;
        Ok(self.document.get_or_init(|| doc))
    }

    /// `provider.service.resource`, as statements address a resource of this service.
    pub fn resource_full_name(&self, resource: &str) -> String {
        format!("{}.{}.{resource}", self.provider, self.name)
    }

    pub fn resource(&self, name: &str) -> Result<Arc<Resource>, RegistryError> {
        self.resources
            .try_get(name)?
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
        server_among(&self.servers, values)
    }
}

/// The first of `servers` whose variable enums accept `values`, else the first.
pub(crate) fn server_among<'s>(
    servers: &'s [Server],
    values: &BTreeMap<String, String>,
) -> Option<&'s Server> {
    servers
        .iter()
        .find(|s| s.accepts(values))
        .or_else(|| servers.first())
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
