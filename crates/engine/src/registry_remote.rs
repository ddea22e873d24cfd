//! `REGISTRY LIST` and `REGISTRY PULL` against a StackQL provider registry, laid out as the
//! public one is: `<url>/dist/providers.yaml` (`providers: {<name>: {versions: [...]}}`) and
//! `<url>/dist/<provider>/<version>.tgz`, whose entries sit under `<version>/`. The url is
//! `https://`, `http://` or `file://`. A pull unpacks into the local root (where queries read)
//! at `src/<provider>/<version>/`.
//!
//! The index carries no checksums, so integrity means: HTTP 200 and a body of the announced
//! length, a gzip stream and tar archive read to their end, only plain files and directories
//! whose paths stay inside the target, a `provider.yaml` that parses, and every service
//! document it references present. The archive is unpacked into a staging directory at the
//! root and renamed into place only once all of that holds, so an interrupted or corrupt
//! pull leaves the previous version as it was.

use crate::error::EngineError;
use stackql_output::{Cell, ResultSet};
use stackql_registry::closest_names;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

/// StackQL's default registry.
pub const DEFAULT_REGISTRY_URL: &str = "https://registry.stackql.app/providers";

/// Where providers are pulled from and into.
#[derive(Clone, Debug)]
pub struct RemoteRegistry {
    /// The registry url (`url` of `--registry`), without a trailing slash.
    pub url: String,
    /// StackQL's `distPrefix` (default `dist`): the index and archives live under it.
    pub dist_prefix: String,
    /// The local root (`localDocRoot`): archives are unpacked into `<root>/src`.
    pub local_root: PathBuf,
    pub timeout: Duration,
    pub transport: crate::call::transport::Transport,
}

/// What a pull installed.
#[derive(Clone, Debug, PartialEq)]
pub struct Pulled {
    pub provider: String,
    pub version: String,
    pub path: PathBuf,
}

impl Pulled {
    /// StackQL's wording.
    pub fn message(&self) -> String {
        format!(
            "{} provider, version '{}' successfully installed",
            self.provider, self.version
        )
    }
}

fn invalid(msg: impl Into<String>) -> EngineError {
    EngineError::Invalid(msg.into())
}

impl RemoteRegistry {
    pub fn new(url: &str, local_root: PathBuf) -> Self {
        RemoteRegistry {
            url: url.trim_end_matches('/').to_string(),
            dist_prefix: "dist".to_string(),
            local_root,
            timeout: Duration::from_secs(300),
            transport: Default::default(),
        }
    }

    fn dist_url(&self, path: &str) -> String {
        let prefix = self.dist_prefix.trim_matches('/');
        if prefix.is_empty() {
            format!("{}/{path}", self.url)
        } else {
            format!("{}/{prefix}/{path}", self.url)
        }
    }

    fn fetch(&self, url: &str) -> Result<Vec<u8>, EngineError> {
        if let Some(path) = url.strip_prefix("file://") {
            return std::fs::read(path).map_err(|e| invalid(format!("cannot read {url}: {e}")));
        }
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(invalid(format!(
                "registry url {url}: only https://, http:// and file:// registries are supported"
            )));
        }
        let _ = rustls::crypto::ring::default_provider().install_default();
        let builder = reqwest::Client::builder()
            .timeout(self.timeout)
            .user_agent(concat!("stackql-rs/", env!("CARGO_PKG_VERSION")));
        let client = self
            .transport
            .apply(builder)
            .map_err(invalid)?
            .build()
            .map_err(|e| invalid(format!("cannot set up the HTTP client: {e}")))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| invalid(format!("cannot start the async runtime: {e}")))?;
        // A separate thread: the caller may already be inside another runtime.
        let url_owned = url.to_string();
        std::thread::scope(|s| {
            s.spawn(|| {
                runtime.block_on(async {
                    let resp = client
                        .get(&url_owned)
                        .send()
                        .await
                        .map_err(|e| invalid(format!("cannot fetch {url_owned}: {e}")))?;
                    let status = resp.status();
                    if !status.is_success() {
                        return Err(invalid(format!("cannot fetch {url_owned}: HTTP {status}")));
                    }
                    let expected = resp.content_length();
                    let body = resp.bytes().await.map_err(|e| {
                        invalid(format!(
                            "the download of {url_owned} was interrupted: {e}; nothing was changed"
                        ))
                    })?;
                    if let Some(n) = expected {
                        if body.len() as u64 != n {
                            return Err(invalid(format!(
                                "the download of {url_owned} was cut short ({} of {n} bytes); nothing was changed",
                                body.len()
                            )));
                        }
                    }
                    Ok(body.to_vec())
                })
            })
            .join()
            .unwrap_or_else(|_| Err(invalid("the download thread panicked")))
        })
    }

    /// `providers.yaml`: provider name -> versions, in the index's order.
    pub fn index(&self) -> Result<BTreeMap<String, Vec<String>>, EngineError> {
        let url = self.dist_url("providers.yaml");
        let bytes = self.fetch(&url)?;
        let doc: serde_yaml_ng::Value = serde_yaml_ng::from_slice(&bytes)
            .map_err(|e| invalid(format!("{url} is not a providers index: {e}")))?;
        let providers = doc
            .get("providers")
            .and_then(|p| p.as_mapping())
            .ok_or_else(|| invalid(format!("{url} has no 'providers' map")))?;
        let mut out = BTreeMap::new();
        for (name, desc) in providers {
            let Some(name) = name.as_str() else { continue };
            let versions = desc
                .get("versions")
                .and_then(|v| v.as_sequence())
                .map(|seq| {
                    seq.iter()
                        .filter_map(|v| match v {
                            serde_yaml_ng::Value::String(s) => Some(s.clone()),
                            serde_yaml_ng::Value::Number(n) => Some(n.to_string()),
                            _ => None,
                        })
                        .collect()
                })
                .unwrap_or_default();
            out.insert(name.to_string(), versions);
        }
        Ok(out)
    }

    /// `REGISTRY LIST`: (`provider`, `version`) with each provider's latest version;
    /// `REGISTRY LIST p`: (`provider`, `versions`) with all of them, comma-separated.
    pub fn list(&self, provider: Option<&str>) -> Result<ResultSet, EngineError> {
        let index = self.index()?;
        match provider {
            None => Ok(ResultSet {
                columns: vec!["provider".into(), "version".into()],
                rows: index
                    .iter()
                    .filter_map(|(p, vs)| {
                        latest(vs).map(|v| vec![Cell::Text(p.clone()), Cell::Text(v.clone())])
                    })
                    .collect(),
            }),
            Some(p) => {
                let versions = versions_of(&index, p)?;
                Ok(ResultSet {
                    columns: vec!["provider".into(), "versions".into()],
                    rows: vec![vec![
                        Cell::Text(p.to_string()),
                        Cell::Text(versions.join(", ")),
                    ]],
                })
            }
        }
    }

    /// `REGISTRY PULL provider [version]`.
    pub fn pull(&self, provider: &str, version: Option<&str>) -> Result<Pulled, EngineError> {
        let index = self.index()?;
        let versions = versions_of(&index, provider)?;
        let version = match version {
            Some(v) if versions.iter().any(|x| x == v) => v.to_string(),
            Some(v) => {
                return Err(invalid(format!(
                    "provider '{provider}' has no version '{v}' in the registry (available: {})",
                    versions.join(", ")
                )))
            }
            None => latest(versions)
                .cloned()
                .ok_or_else(|| invalid(format!("provider '{provider}' lists no versions")))?,
        };
        let url = self.dist_url(&format!("{provider}/{version}.tgz"));
        let archive = self.fetch(&url)?;
        let src = self.local_root.join("src");
        let provider_dir = src.join(provider);
        std::fs::create_dir_all(&provider_dir)
            .map_err(|e| invalid(format!("cannot create {}: {e}", provider_dir.display())))?;
        remove_stale_staging(&self.local_root);
        let staging = Staging::new(&self.local_root, provider, &version)?;
        unpack(&archive, &version, &staging.path)
            .map_err(|e| invalid(format!("{url}: {e}; nothing was changed")))?;
        check_provider(&staging.path, provider, &version)
            .map_err(|e| invalid(format!("{url}: {e}; nothing was changed")))?;
        let target = provider_dir.join(&version);
        staging.install(&target)?;
        Ok(Pulled {
            provider: provider.to_string(),
            version,
            path: target,
        })
    }
}

fn versions_of<'a>(
    index: &'a BTreeMap<String, Vec<String>>,
    provider: &str,
) -> Result<&'a Vec<String>, EngineError> {
    index.get(provider).ok_or_else(|| {
        let s = closest_names(provider, index.keys().map(String::as_str));
        invalid(format!(
            "provider '{provider}' is not in the registry{}",
            if s.is_empty() {
                String::new()
            } else {
                format!(" (did you mean {}?)", s.join(", "))
            }
        ))
    })
}

/// The highest version, comparing digit runs as numbers (`v0.10.0` > `v0.9.1`).
fn latest(versions: &[String]) -> Option<&String> {
    versions
        .iter()
        .max_by(|a, b| natural_key(a).cmp(&natural_key(b)))
}

fn natural_key(s: &str) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    let mut digits = String::new();
    let mut text = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            if !text.is_empty() {
                out.push((0, std::mem::take(&mut text)));
            }
            digits.push(c);
        } else {
            if !digits.is_empty() {
                out.push((digits.parse().unwrap_or(u64::MAX), String::new()));
                digits.clear();
            }
            text.push(c);
        }
    }
    if !digits.is_empty() {
        out.push((digits.parse().unwrap_or(u64::MAX), String::new()));
    }
    if !text.is_empty() {
        out.push((0, text));
    }
    out
}

const STAGING_PREFIX: &str = ".stackql-pull-";

/// A directory at the local root (outside `src`, so the registry never sees it) removed
/// unless installed.
struct Staging {
    path: PathBuf,
    installed: bool,
}

impl Staging {
    fn new(root: &Path, provider: &str, version: &str) -> Result<Self, EngineError> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = root.join(format!(
            "{STAGING_PREFIX}{provider}-{version}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path)
            .map_err(|e| invalid(format!("cannot create {}: {e}", path.display())))?;
        Ok(Staging {
            path,
            installed: false,
        })
    }

    /// Moves the checked tree to `target`, replacing what was there. Renames within one
    /// file system are atomic; the old version is moved aside first and removed last.
    fn install(mut self, target: &Path) -> Result<(), EngineError> {
        let old = PathBuf::from(format!("{}.old", self.path.display()));
        let had_old = target.exists();
        if had_old {
            std::fs::rename(target, &old)
                .map_err(|e| invalid(format!("cannot move {} aside: {e}", target.display())))?;
        }
        if let Err(e) = std::fs::rename(&self.path, target) {
            if had_old {
                let _ = std::fs::rename(&old, target);
            }
            return Err(invalid(format!("cannot install {}: {e}", target.display())));
        }
        self.installed = true;
        if had_old {
            let _ = std::fs::remove_dir_all(&old);
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.installed {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// Leftovers of pulls that were killed (their process never reached `Drop`).
fn remove_stale_staging(root: &Path) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if let Some(rest) = name.strip_prefix(STAGING_PREFIX) {
            // Only other processes' directories: `...-<pid>-<nanos>[.old]`.
            let pid = rest
                .trim_end_matches(".old")
                .rsplit('-')
                .nth(1)
                .and_then(|p| p.parse::<u32>().ok());
            let alive = pid.is_some_and(|p| Path::new(&format!("/proc/{p}")).exists());
            if !alive {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
}

/// Unpacks a `.tgz` whose entries sit under `<version>/` (or at the top) into `dest`.
fn unpack(archive: &[u8], version: &str, dest: &Path) -> Result<(), String> {
    let gz = flate2::read::GzDecoder::new(archive);
    let mut tar = tar::Archive::new(gz);
    let entries = tar
        .entries()
        .map_err(|e| format!("not a gzip-compressed tar archive: {e}"))?;
    let mut files = 0;
    for entry in entries {
        let mut entry = entry.map_err(|e| format!("the archive is corrupt: {e}"))?;
        let raw = entry
            .path()
            .map_err(|e| format!("the archive is corrupt: {e}"))?
            .into_owned();
        let mut parts: Vec<String> = Vec::new();
        for c in raw.components() {
            match c {
                Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
                Component::CurDir => {}
                _ => {
                    return Err(format!(
                        "the archive entry '{}' points outside its directory",
                        raw.display()
                    ))
                }
            }
        }
        if parts.first().map(String::as_str) == Some(version) {
            parts.remove(0);
        }
        let kind = entry.header().entry_type();
        if parts.is_empty() {
            continue;
        }
        let path = parts.iter().fold(dest.to_path_buf(), |p, c| p.join(c));
        if kind.is_dir() {
            std::fs::create_dir_all(&path).map_err(|e| e.to_string())?;
        } else if kind.is_file() {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
            }
            let mut data = Vec::new();
            entry
                .read_to_end(&mut data)
                .map_err(|e| format!("the archive is corrupt: {e}"))?;
            std::fs::write(&path, data).map_err(|e| e.to_string())?;
            files += 1;
        } else if matches!(
            kind,
            tar::EntryType::XGlobalHeader | tar::EntryType::XHeader | tar::EntryType::GNULongName
        ) {
            continue;
        } else {
            return Err(format!(
                "the archive entry '{}' is not a plain file or directory (links could point outside)",
                raw.display()
            ));
        }
    }
    if files == 0 {
        return Err("the archive holds no files".into());
    }
    Ok(())
}

/// `provider.yaml` is at the top, parses, and every service document it references
/// (`<provider>/<version>/services/x.yaml`, relative to `src/`) came with it.
fn check_provider(dir: &Path, provider: &str, version: &str) -> Result<(), String> {
    let path = dir.join("provider.yaml");
    let text = std::fs::read_to_string(&path)
        .map_err(|_| "the archive has no provider.yaml for this version".to_string())?;
    let doc: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(&text).map_err(|e| format!("provider.yaml does not parse: {e}"))?;
    let prefix = format!("{provider}/{version}/");
    if let Some(services) = doc.get("providerServices").and_then(|s| s.as_mapping()) {
        for (name, svc) in services {
            let Some(r) = svc
                .get("service")
                .and_then(|s| s.get("$ref"))
                .and_then(|r| r.as_str())
            else {
                continue;
            };
            if let Some(rel) = r.strip_prefix(&prefix) {
                if !dir.join(rel).is_file() {
                    return Err(format!(
                        "service '{}' refers to {r}, which the archive does not contain",
                        name.as_str().unwrap_or("?")
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The registry's fetch for providers named before they were pulled: the latest version,
/// as `REGISTRY PULL p` takes, announced on stderr in StackQL's words. Only names that can
/// be directory names are looked up.
pub(crate) fn pull_on_first_use(remote: RemoteRegistry) -> stackql_registry::ProviderFetch {
    std::sync::Arc::new(move |name: &str| {
        if !stackql_sql::is_valid_registry_name(name) {
            return Err(format!("'{name}' is not a provider name"));
        }
        let pulled = remote
            .pull(name, None)
            .map_err(|e| format!("{e} (registry {})", remote.url))?;
        eprintln!("{}", pulled.message());
        Ok(())
    })
}

/// Runs a `REGISTRY` statement for the engine.
pub(crate) fn run(
    engine: &mut crate::Engine,
    cmd: stackql_sql::RegistryCommand,
) -> Result<crate::Outcome, EngineError> {
    let remote = engine.remote_registry.as_ref().ok_or_else(|| {
        invalid("REGISTRY needs a registry url: pass --registry '{\"url\": \"https://...\"}'")
    })?;
    match cmd {
        stackql_sql::RegistryCommand::List { provider } => {
            Ok(crate::Outcome::Rows(remote.list(provider.as_deref())?))
        }
        stackql_sql::RegistryCommand::Pull { provider, version } => {
            let pulled = remote.pull(&provider, version.as_deref())?;
            Ok(crate::Outcome::Mutations(vec![crate::MutationResult {
                verb: "REGISTRY PULL",
                target: pulled.provider.clone(),
                completion: crate::Completion::Installed,
                operation: None,
                type_name: None,
                identifier: None,
                request_token: None,
                status: Some(pulled.message()),
                status_message: None,
                error_code: None,
                awaited: true,
            }]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latest_compares_numbers() {
        let v: Vec<String> = ["v0.9.1", "v0.10.0", "v0.2.0"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(latest(&v).unwrap(), "v0.10.0");
        let v: Vec<String> = ["v00.00.00001", "v24.03.00200"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(latest(&v).unwrap(), "v24.03.00200");
    }
}
