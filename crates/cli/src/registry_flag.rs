//! Resolving `--registry` (StackQL's JSON form or a directory) and `--approot` to the
//! directory that holds `src/<provider>/<version>/`, and to the remote registry that
//! `REGISTRY LIST/PULL` fetch from. As in StackQL, `url` is where providers are pulled from
//! and `localDocRoot` (default: the app root) where they are unpacked and read; a `file://`
//! url without `localDocRoot` is read in place.

use crate::args::GlobalArgs;
use anyhow::{bail, Context};
use stackql_engine::registry_remote::{RemoteRegistry, DEFAULT_REGISTRY_URL};
use std::path::{Path, PathBuf};

/// The registry root for commands that need one.
pub fn resolve(global: &GlobalArgs) -> anyhow::Result<PathBuf> {
    match &global.registry {
        Some(flag) => from_flag(flag, &global.approot),
        None => Ok(normalise(&global.approot)),
    }
}

/// The registry `REGISTRY LIST/PULL` fetch from: `url` of the JSON form (StackQL's public
/// registry when there is no `--registry` or no `url`); None for a plain directory flag.
pub fn remote(global: &GlobalArgs) -> anyhow::Result<Option<RemoteRegistry>> {
    let local_root = resolve(global)?;
    let (url, dist_prefix) = match &global.registry {
        None => (DEFAULT_REGISTRY_URL.to_string(), None),
        Some(flag) if !flag.trim().starts_with('{') => return Ok(None),
        Some(flag) => {
            let v: serde_json::Value = serde_json::from_str(flag.trim())
                .with_context(|| format!("--registry is not valid JSON: {flag}"))?;
            let url = v
                .get("url")
                .and_then(|u| u.as_str())
                .unwrap_or(DEFAULT_REGISTRY_URL)
                .to_string();
            let dist = v
                .get("distPrefix")
                .and_then(|d| d.as_str())
                .map(str::to_string);
            (url, dist)
        }
    };
    let mut r = RemoteRegistry::new(&url, local_root);
    if let Some(d) = dist_prefix {
        r.dist_prefix = d;
    }
    r.allow_insecure_tls = global.tls_allow_insecure;
    Ok(Some(r))
}

/// For the emulator: a registry only if one was named (it can run without one).
pub fn resolve_optional(global: &GlobalArgs) -> anyhow::Result<Option<PathBuf>> {
    match &global.registry {
        Some(flag) => from_flag(flag, &global.approot).map(Some),
        None => Ok(None),
    }
}

fn from_flag(flag: &str, approot: &Path) -> anyhow::Result<PathBuf> {
    let trimmed = flag.trim();
    if !trimmed.starts_with('{') {
        return Ok(normalise(Path::new(trimmed)));
    }
    let v: serde_json::Value = serde_json::from_str(trimmed)
        .with_context(|| format!("--registry is neither a directory nor valid JSON: {trimmed}"))?;
    if let Some(root) = v.get("localDocRoot").and_then(|r| r.as_str()) {
        return Ok(normalise(Path::new(root)));
    }
    match v.get("url").and_then(|u| u.as_str()) {
        Some(url) if url.starts_with("file://") => {
            Ok(normalise(Path::new(&url["file://".len()..])))
        }
        // Providers pulled from a remote registry are read from the app root.
        Some(url) if url.starts_with("https://") || url.starts_with("http://") => {
            Ok(normalise(approot))
        }
        Some(url) => bail!(
            "--registry url {url}: only https://, http:// and file:// registries are supported"
        ),
        None => Ok(normalise(approot)),
    }
}

/// Accepts the root itself or its `src` directory.
fn normalise(p: &Path) -> PathBuf {
    if !p.join("src").is_dir() && p.file_name().is_some_and(|n| n == "src") && p.is_dir() {
        if let Some(parent) = p.parent() {
            return parent.to_path_buf();
        }
    }
    p.to_path_buf()
}
