//! Resolving `--registry` (StackQL's JSON form or a directory) and `--approot` to the
//! directory that holds `src/<provider>/<version>/`.

use crate::args::GlobalArgs;
use anyhow::{bail, Context};
use std::path::{Path, PathBuf};

/// The registry root for commands that need one.
pub fn resolve(global: &GlobalArgs) -> anyhow::Result<PathBuf> {
    match &global.registry {
        Some(flag) => from_flag(flag),
        None => Ok(normalise(&global.approot)),
    }
}

/// For the emulator: a registry only if one was named (it can run without one).
pub fn resolve_optional(global: &GlobalArgs) -> anyhow::Result<Option<PathBuf>> {
    match &global.registry {
        Some(flag) => from_flag(flag).map(Some),
        None => Ok(None),
    }
}

fn from_flag(flag: &str) -> anyhow::Result<PathBuf> {
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
        Some(url) => bail!(
            "--registry url {url}: fetching a remote registry is not supported in this build; \
             download it and pass {{\"localDocRoot\": \"/path\"}} or the directory"
        ),
        None => bail!("--registry JSON needs \"localDocRoot\" or a file:// \"url\""),
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
