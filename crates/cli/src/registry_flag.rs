//! Resolving `--registry` (StackQL's JSON form or a directory) and `--approot` to the
//! directory that holds `src/<provider>/<version>/`, and to the remote registry that
//! `REGISTRY LIST/PULL` fetch from. As in StackQL, `url` is where providers are pulled from
//! and `localDocRoot` (default: the app root) where they are unpacked and read; a `file://`
//! url without `localDocRoot` is read in place.

use crate::args::GlobalArgs;
use anyhow::{bail, Context};
use serde_json::Value;
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
            let json = RegistryJson::parse(flag)?;
            (
                json.url.unwrap_or_else(|| DEFAULT_REGISTRY_URL.to_string()),
                json.dist_prefix,
            )
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
    let json = RegistryJson::parse(trimmed)?;
    if let Some(root) = &json.local_doc_root {
        return Ok(normalise(Path::new(root)));
    }
    match json.url.as_deref() {
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

/// The JSON form of `--registry`, with StackQL's keys. As in StackQL, a value of the wrong
/// type is an error, `null` or `""` is the same as leaving the key out, and a key StackQL
/// does not know is ignored (with a warning here, since it is most likely a typo: the
/// keys are case-sensitive).
#[derive(Debug, Default, PartialEq)]
struct RegistryJson {
    url: Option<String>,
    local_doc_root: Option<String>,
    dist_prefix: Option<String>,
}

/// StackQL's keys and the JSON type each takes; only the first three mean anything here.
const KEYS: &[(&str, &str)] = &[
    ("url", "a string"),
    ("localDocRoot", "a string"),
    ("distPrefix", "a string"),
    ("srcPrefix", "a string"),
    ("allowSrcDownload", "a boolean"),
    ("useEmbedded", "a boolean"),
    ("verifyConfig", "an object"),
];

impl RegistryJson {
    fn parse(flag: &str) -> anyhow::Result<RegistryJson> {
        let v: Value = serde_json::from_str(flag.trim())
            .with_context(|| format!("--registry is neither a directory nor valid JSON: {flag}"))?;
        let Value::Object(map) = v else {
            bail!("--registry JSON must be an object such as {{\"url\": \"file:///path/to/registry\"}}");
        };
        let mut out = RegistryJson::default();
        for (key, value) in &map {
            let Some((_, expected)) = KEYS.iter().find(|(k, _)| k == key) else {
                warn_unknown_key(key);
                continue;
            };
            let found = match value {
                Value::Null => continue,
                Value::String(s) if s.is_empty() => continue,
                Value::String(_) => "a string",
                Value::Bool(_) => "a boolean",
                Value::Object(_) => "an object",
                Value::Number(_) => "a number",
                Value::Array(_) => "an array",
            };
            if found != *expected {
                bail!("--registry: \"{key}\" must be {expected}, got {found} ({value})");
            }
            let text = value.as_str().map(str::to_string);
            match key.as_str() {
                "url" => out.url = text,
                "localDocRoot" => out.local_doc_root = text,
                "distPrefix" => out.dist_prefix = text,
                _ => {}
            }
        }
        Ok(out)
    }
}

/// Once per process: the flag is read by more than one command path.
fn warn_unknown_key(key: &str) {
    static WARNED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let mut warned = WARNED.lock().unwrap_or_else(|e| e.into_inner());
    if !warned.iter().any(|k| k == key) {
        let known: Vec<&str> = KEYS.iter().map(|(k, _)| *k).collect();
        eprintln!(
            "warning: --registry: unknown key \"{key}\" ignored (known keys: {})",
            known.join(", ")
        );
        warned.push(key.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_json_types_are_checked() {
        let ok = RegistryJson::parse(
            r#"{"url": "file:///r", "localDocRoot": "/d", "distPrefix": "", "useEmbedded": false, "verifyConfig": {"nopVerify": true}, "srcPrefix": null}"#,
        )
        .unwrap();
        assert_eq!(
            ok,
            RegistryJson {
                url: Some("file:///r".into()),
                local_doc_root: Some("/d".into()),
                dist_prefix: None,
            }
        );
        for (flag, field) in [
            (
                r#"{"url": 5}"#,
                "\"url\" must be a string, got a number (5)",
            ),
            (
                r#"{"localDocRoot": true}"#,
                "\"localDocRoot\" must be a string, got a boolean",
            ),
            (
                r#"{"useEmbedded": "no"}"#,
                "\"useEmbedded\" must be a boolean, got a string",
            ),
            (
                r#"{"verifyConfig": []}"#,
                "\"verifyConfig\" must be an object, got an array",
            ),
        ] {
            let err = RegistryJson::parse(flag).unwrap_err().to_string();
            assert!(err.contains(field), "{flag}: {err}");
        }
        assert!(RegistryJson::parse("[1]").is_err());
        assert_eq!(
            RegistryJson::parse(r#"{"localdocroot": "/x"}"#).unwrap(),
            RegistryJson::default()
        );
    }
}
