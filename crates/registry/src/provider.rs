//! A provider: its `provider.yaml` (the service index) and the service documents, each
//! loaded on first use and cached, because a query touches one or two of 220 documents.

use crate::cache::{Cache, Stamp};
use crate::service::{Service, ServiceOptions};
use crate::suggest::closest_names;
use crate::yaml::read_document;
use crate::RegistryError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// One entry of `providerServices`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ServiceEntry {
    pub name: String,
    pub title: String,
    pub description: String,
    /// Absolute path of the service document.
    pub path: PathBuf,
}

pub struct Provider {
    pub name: String,
    pub version: String,
    pub services: BTreeMap<String, ServiceEntry>,
    /// `config.auth` of provider.yaml as written (`{"type": "aws_signing_v4", ...}`), the
    /// authenticator its calls get unless `--auth` names another; None when it declares
    /// none. The engine's `auth` module interprets it.
    pub auth: Option<Value>,
    /// `config.snake_case_aliases` and anything else of `config` that shapes its services.
    pub options: ServiceOptions,
    loaded: Mutex<HashMap<String, Arc<Service>>>,
    cache: Option<Cache>,
}

/// The newest version directory (`v00.00.00000`, `v24.05.00230`, ...) holding a provider.yaml.
pub(crate) fn latest_version_dir(provider_dir: &Path) -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir(provider_dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("provider.yaml").is_file())
        .collect();
    versions.sort();
    versions.pop()
}

/// Where a `$ref` of provider.yaml points: `$ref`s are relative to `<root>/src`, and the
/// path as written must stay inside it. The check is lexical (`a/../b` is `b`; a `..` that
/// would climb out of `src/`, an absolute path or an empty one is refused) and looks at
/// the path as named, not at where links in it lead: a registry may be assembled from
/// links to files kept elsewhere (the tests link the read-only snapshots into temporary
/// roots), and whoever can place a link in the root decides what the root holds anyway.
/// What is refused is a document naming a file outside the root it was found in, and
/// nothing is opened for it. (Only provider.yaml names files: every other `$ref` in a
/// registry is a `#/...` pointer inside its own document. The parse cache holds only
/// entries checked here: it is written after the check and never read by another build.)
pub(crate) fn resolve_ref(src: &Path, reference: &str) -> Option<PathBuf> {
    use std::path::Component;
    let mut parts: Vec<&std::ffi::OsStr> = Vec::new();
    for c in Path::new(reference).components() {
        match c {
            Component::Normal(p) => parts.push(p),
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    if parts.is_empty() {
        return None;
    }
    Some(parts.iter().fold(src.to_path_buf(), |p, c| p.join(c)))
}

impl Provider {
    pub(crate) fn load(
        root: &Path,
        name: &str,
        version_dir: &Path,
        cache: Option<Cache>,
    ) -> Result<Self, RegistryError> {
        let path = version_dir.join("provider.yaml");
        let version = version_dir
            .file_name()
            .and_then(|v| v.to_str())
            .unwrap_or_default()
            .to_string();
        // Stamped before reading: a change made while parsing leaves a stale stamp behind,
        // which the next run sees as a miss.
        let stamp = cache.as_ref().and_then(|_| Stamp::of(&path).ok());
        if let (Some(c), Some(stamp)) = (&cache, &stamp) {
            if let Some((v, services, auth, options)) = c.load_provider(name, stamp) {
                if v == version {
                    return Ok(Provider {
                        name: name.to_string(),
                        version,
                        services,
                        auth,
                        options,
                        loaded: Mutex::new(HashMap::new()),
                        cache,
                    });
                }
            }
        }
        let doc = read_document(&path)?;
        crate::yaml::expect_mapping(&doc, "provider", &path)?;
        let src = root.join("src");
        let mut services = BTreeMap::new();
        let entries = doc
            .get("providerServices")
            .and_then(Value::as_object)
            .ok_or_else(|| RegistryError::invalid(&path, "no providerServices map"))?;
        for (svc_name, entry) in entries {
            let reference = entry
                .pointer("/service/$ref")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    RegistryError::invalid(
                        &path,
                        format!("service '{svc_name}' has no service.$ref"),
                    )
                })?;
            let text = |k: &str| {
                entry
                    .get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            services.insert(
                svc_name.clone(),
                ServiceEntry {
                    name: svc_name.clone(),
                    title: text("title"),
                    description: text("description"),
                    path: resolve_ref(&src, reference).ok_or_else(|| {
                        RegistryError::RefOutsideRoot {
                            path: path.clone(),
                            what: format!("service '{svc_name}'"),
                            reference: reference.to_string(),
                            root: root.to_path_buf(),
                        }
                    })?,
                },
            );
        }
        let auth = doc
            .pointer("/config/auth")
            .filter(|a| !a.is_null())
            .cloned();
        let options = ServiceOptions {
            snake_case_columns: doc
                .pointer("/config/snake_case_aliases")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        };
        if let (Some(c), Some(stamp)) = (&cache, &stamp) {
            c.store_provider(name, stamp, &version, &services, auth.as_ref(), options);
        }
        Ok(Provider {
            name: name.to_string(),
            version,
            services,
            auth,
            options,
            loaded: Mutex::new(HashMap::new()),
            cache,
        })
    }

    /// The service document `name`, parsed on first use.
    pub fn service(&self, name: &str) -> Result<Arc<Service>, RegistryError> {
        if let Some(s) = self.loaded.lock().expect("provider lock").get(name) {
            return Ok(s.clone());
        }
        let entry = self
            .services
            .get(name)
            .ok_or_else(|| RegistryError::UnknownService {
                provider: self.name.clone(),
                service: name.to_string(),
                suggestions: closest_names(name, self.services.keys().map(String::as_str)),
            })?;
        if !entry.path.is_file() {
            return Err(RegistryError::MissingServiceDocument {
                provider: self.name.clone(),
                service: name.to_string(),
                path: entry.path.clone(),
            });
        }
        let service = Arc::new(self.load_service(name, &entry.path)?);
        self.loaded
            .lock()
            .expect("provider lock")
            .insert(name.to_string(), service.clone());
        Ok(service)
    }

    /// From the cache when it matches the source, else parsed (and then cached).
    fn load_service(&self, name: &str, path: &Path) -> Result<Service, RegistryError> {
        let stamp = self.cache.as_ref().and_then(|_| Stamp::of(path).ok());
        if let (Some(c), Some(stamp)) = (&self.cache, &stamp) {
            // Parsed for another provider config (provider.yaml changed): parsed again.
            if let Some(s) = c
                .load_service(&self.name, name, stamp)
                .filter(|s| s.snake_case_columns == self.options.snake_case_columns)
            {
                return Ok(s);
            }
        }
        let doc = read_document(path)?;
        let service = Service::from_document(&self.name, name, path, doc, self.options)?;
        if let (Some(c), Some(stamp)) = (&self.cache, &stamp) {
            c.store_service(&service, stamp);
        }
        Ok(service)
    }
}
