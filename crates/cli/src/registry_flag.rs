//! Resolving `--registry` (StackQL's JSON form or a directory) and `--approot` to the
//! directory that holds `src/<provider>/<version>/`, and to the remote registry that
//! `REGISTRY LIST/PULL` fetch from. As in StackQL, `url` is where providers are pulled from
//! and `localDocRoot` (default: the app root) where they are unpacked and read; a `file://`
//! url without `localDocRoot` is read in place.

use crate::args::GlobalArgs;
use anyhow::{bail, Context};
use serde_json::Value;
use stackql_engine::registry_remote::{RemoteRegistry, DEFAULT_REGISTRY_URL};
use stackql_engine::transport::{Proxy, Transport};
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
    r.transport = transport(global)?;
    Ok(Some(r))
}

/// Whether providers are pulled into the local root rather than read where they are: true
/// for StackQL's default registry and for `url` registries over HTTP or with a
/// `localDocRoot`; false for a directory and for a `file://` url read in place. A root that
/// providers are pulled into is created when missing, as StackQL creates its app root.
pub fn pulls_into_root(global: &GlobalArgs) -> anyhow::Result<bool> {
    let Some(flag) = &global.registry else {
        return Ok(true);
    };
    if !flag.trim().starts_with('{') {
        return Ok(false);
    }
    let json = RegistryJson::parse(flag)?;
    Ok(json.local_doc_root.is_some()
        || !json
            .url
            .as_deref()
            .is_some_and(|u| u.starts_with("file://")))
}

/// The app root, created when missing with `--approotfilemode` (default 0755), as StackQL
/// does at start; and `src/` in the registry root when providers are pulled into it, so a
/// fresh directory answers `SHOW PROVIDERS` (with no rows) and `SELECT 1`.
pub fn prepare_roots(global: &GlobalArgs) -> anyhow::Result<()> {
    let mode = global.approot_file_mode.unwrap_or(0o755);
    create_dir_with_mode(&global.approot, mode)
        .with_context(|| format!("cannot create the app root {}", global.approot.display()))?;
    if pulls_into_root(global)? {
        let src = resolve(global)?.join("src");
        create_dir_with_mode(&src, mode)
            .with_context(|| format!("cannot create the provider directory {}", src.display()))?;
    }
    Ok(())
}

/// Creates `dir` and any missing parents with `mode` (before the umask); an existing
/// directory is left as it is.
fn create_dir_with_mode(dir: &Path, mode: u32) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    builder.create(dir)
}

/// `--http.proxy.*`, `--tls.CABundle` and `--tls.allowInsecure`, for API calls and
/// registry downloads alike.
pub fn transport(global: &GlobalArgs) -> anyhow::Result<Transport> {
    let proxy = match global.proxy_host.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(host) => Some(Proxy {
            scheme: global.proxy_scheme.to_ascii_lowercase(),
            host: host.to_string(),
            // StackQL: 0 or less means the scheme's default port.
            port: match global.proxy_port {
                p if p <= 0 => None,
                p => Some(u16::try_from(p).map_err(|_| {
                    anyhow::anyhow!("--http.proxy.port {p}: a port is at most 65535")
                })?),
            },
            user: global.proxy_user.clone(),
            password: global.proxy_password.clone(),
        }),
    };
    Ok(Transport {
        allow_insecure_tls: global.tls_allow_insecure,
        proxy,
        ca_bundle: global.tls_ca_bundle.clone(),
    })
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
            match value {
                Value::Null => continue,
                Value::String(s) if s.is_empty() => continue,
                _ => {}
            }
            let found = stackql_engine::json_kind(value);
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
