//! The StackQL provider registry: `src/<provider>/<version>/provider.yaml` plus one
//! OpenAPI service document per service, read lazily and turned into the model the engine
//! plans from (resources, methods, parameters, views, pagination, servers).
//!
//! Documents are parsed into `serde_json::Value` once and kept; every model type borrows
//! facts out of them at load time so planning never re-walks YAML. With a cache directory
//! (`Registry::open_with_cache`) the parsed model is kept on disk per service, and a later
//! process reads only the resources it plans against (see `cache.rs`).

mod cache;
mod casing;
mod error;
mod jsonpath;
mod method;
mod protocol;
mod provider;
mod resource;
mod schema;
mod service;
mod suggest;
mod xpath;
mod yaml;

pub use casing::to_snake;
pub use error::RegistryError;
pub use jsonpath::JsonPath;
pub use method::{
    BodyTranslate, Method, Param, ParamLocation, RequestSpec, ResponseSpec, ResponseTransform,
    ANONYMOUS_COLUMN, IGNORED_REGION,
};
pub use protocol::WireProtocol;
pub use provider::{Provider, ServiceEntry};
pub use resource::{Resource, SqlVerb, ViewDef};
pub use schema::{ColumnType, JsonContainer, SchemaRef};
pub use service::{Pagination, Resources, Server, Service, ServiceOptions, TokenLocation};
pub use suggest::closest_names;
pub use xpath::{property_for_element, xml_name, XPath, XStep};
pub use yaml::MAX_DOCUMENT_BYTES;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Installs a provider that is not under `src/` yet (StackQL's registry pull, on first use):
/// `Ok` once `src/<name>/<version>/` is in place, `Err` with what went wrong otherwise.
pub type ProviderFetch = Arc<dyn Fn(&str) -> Result<(), String> + Send + Sync>;

/// A registry rooted at a directory that holds `src/<provider>/<version>/provider.yaml`.
pub struct Registry {
    root: PathBuf,
    providers: Mutex<HashMap<String, Arc<Provider>>>,
    cache: Option<cache::Cache>,
    fetch: Option<ProviderFetch>,
    /// `--offline`: providers missing from `src/` are never fetched, and errors say why.
    offline: bool,
    /// One fetch at a time, so two statements naming a new provider pull it once.
    fetching: Mutex<()>,
}

impl Registry {
    /// Opens a registry root. The directory must exist and contain `src/`; nothing else is read yet.
    /// Every document is parsed from its source; see `open_with_cache`.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, RegistryError> {
        Self::open_with_cache(root, None)
    }

    /// Like `open`, keeping parsed documents under `<cache_dir>/registry/` (StackQL's app
    /// root `cache/`) so that later processes skip parsing: a cached service reads its
    /// resource index, then only the resources asked for. The cache is checked against
    /// each source file's size, mtime, ctime and inode and against the build that wrote it;
    /// anything stale, corrupt or unwritable falls back to parsing the source. Nothing is
    /// ever written under `root`.
    pub fn open_with_cache(
        root: impl Into<PathBuf>,
        cache_dir: Option<PathBuf>,
    ) -> Result<Self, RegistryError> {
        let root = root.into();
        let src = root.join("src");
        if !src.is_dir() {
            return Err(RegistryError::NoRegistry { root });
        }
        Ok(Registry {
            root,
            providers: Mutex::new(HashMap::new()),
            cache: cache_dir.map(|d| cache::Cache::new(&d)),
            fetch: None,
            offline: false,
            fetching: Mutex::new(()),
        })
    }

    /// Providers missing from `src/` are fetched with `fetch` the first time they are named.
    pub fn with_fetch(mut self, fetch: ProviderFetch) -> Self {
        self.fetch = Some(fetch);
        self
    }

    /// `--offline`: nothing is fetched; an unknown provider's error names the flag.
    pub fn offline(mut self) -> Self {
        self.offline = true;
        self.fetch = None;
        self
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Names of the providers present under `src/` (directories holding at least one version).
    pub fn provider_names(&self) -> Result<Vec<String>, RegistryError> {
        let src = self.root.join("src");
        let mut names = Vec::new();
        let entries = std::fs::read_dir(&src).map_err(|e| RegistryError::io(&src, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| RegistryError::io(&src, e))?;
            if entry.path().is_dir() {
                if let Some(name) = entry.file_name().to_str() {
                    if provider::latest_version_dir(&entry.path()).is_some() {
                        names.push(name.to_string());
                    }
                }
            }
        }
        names.sort();
        Ok(names)
    }

    /// The provider called `name`, loading its `provider.yaml` on first use (latest version).
    pub fn provider(&self, name: &str) -> Result<Arc<Provider>, RegistryError> {
        if let Some(p) = self.providers.lock().expect("registry lock").get(name) {
            return Ok(p.clone());
        }
        let dir = self.root.join("src").join(name);
        let Some(version_dir) = self.installed_or_fetched(name, &dir)? else {
            let known = self.provider_names()?;
            return Err(RegistryError::UnknownProvider {
                name: name.to_string(),
                suggestions: closest_names(name, known.iter().map(String::as_str)),
                root: self.root.clone(),
                offline: self.offline,
            });
        };
        let loaded = Arc::new(Provider::load(
            &self.root,
            name,
            &version_dir,
            self.cache.clone(),
        )?);
        self.providers
            .lock()
            .expect("registry lock")
            .insert(name.to_string(), loaded.clone());
        Ok(loaded)
    }

    /// The provider's latest version directory, fetching the provider first when it is
    /// missing and a fetch is configured.
    fn installed_or_fetched(
        &self,
        name: &str,
        dir: &Path,
    ) -> Result<Option<PathBuf>, RegistryError> {
        if let Some(found) = provider::latest_version_dir(dir) {
            return Ok(Some(found));
        }
        let Some(fetch) = &self.fetch else {
            return Ok(None);
        };
        let _one_at_a_time = self.fetching.lock().unwrap_or_else(|e| e.into_inner());
        // Another statement may have fetched it while this one waited.
        if let Some(found) = provider::latest_version_dir(dir) {
            return Ok(Some(found));
        }
        fetch(name).map_err(|message| RegistryError::ProviderNotFetched {
            name: name.to_string(),
            root: self.root.clone(),
            message,
        })?;
        Ok(provider::latest_version_dir(dir))
    }

    /// Resolves `provider.service.resource`.
    pub fn resource(
        &self,
        provider: &str,
        service: &str,
        resource: &str,
    ) -> Result<(Arc<Service>, Arc<Resource>), RegistryError> {
        let svc = self.provider(provider)?.service(service)?;
        let res = svc.resource(resource)?;
        Ok((svc, res))
    }
}
