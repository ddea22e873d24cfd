//! Typed errors of the registry model; every message names the file or name involved.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("no provider registry at {}: expected a directory holding src/<provider>/<version>/provider.yaml (set --registry or --approot)", root.display())]
    NoRegistry { root: PathBuf },
    #[error("unknown provider '{name}'{} (registry {}){}", did_you_mean(suggestions), root.display(), if *offline { "; --offline is set, so it was not pulled from the provider registry" } else { "" })]
    UnknownProvider {
        name: String,
        suggestions: Vec<String>,
        root: PathBuf,
        /// Pulls were switched off by `--offline` (said, so the user knows why none happened).
        offline: bool,
    },
    #[error("provider '{name}' is not installed in {} and could not be pulled: {message}", root.join("src").display())]
    ProviderNotFetched {
        name: String,
        root: PathBuf,
        message: String,
    },
    #[error(
        "unknown service '{service}' in provider '{provider}'{}",
        did_you_mean(suggestions)
    )]
    UnknownService {
        provider: String,
        service: String,
        suggestions: Vec<String>,
    },
    #[error(
        "unknown resource '{resource}' in {provider}.{service}{}",
        did_you_mean(suggestions)
    )]
    UnknownResource {
        provider: String,
        service: String,
        resource: String,
        suggestions: Vec<String>,
    },
    #[error("unknown method '{method}' of {resource}{}", did_you_mean(suggestions))]
    UnknownMethod {
        resource: String,
        method: String,
        suggestions: Vec<String>,
    },
    #[error("service document for {provider}.{service} is listed in provider.yaml as {} but is missing from the registry", path.display())]
    MissingServiceDocument {
        provider: String,
        service: String,
        path: PathBuf,
    },
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot parse {}: {message}", path.display())]
    Parse { path: PathBuf, message: String },
    #[error("invalid registry document {}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
    /// Empty, whitespace, comments only, `~` or `{}`.
    #[error("{kind} document {} is empty", path.display())]
    EmptyDocument { kind: &'static str, path: PathBuf },
    #[error("{kind} document {} is not a mapping of keys to values (it holds {found})", path.display())]
    NotAMapping {
        kind: &'static str,
        path: PathBuf,
        found: &'static str,
    },
    /// A `$ref` naming a file outside the registry's `src/` directory.
    #[error("{} {what} $ref '{reference}' leaves the registry root {}: a $ref must be a relative path inside it", path.display(), root.display())]
    RefOutsideRoot {
        path: PathBuf,
        what: String,
        reference: String,
        root: PathBuf,
    },
}

impl RegistryError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        RegistryError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
    pub(crate) fn invalid(path: &Path, message: impl Into<String>) -> Self {
        RegistryError::Invalid {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}

fn did_you_mean(suggestions: &[String]) -> String {
    match suggestions {
        [] => String::new(),
        [one] => format!(" (did you mean '{one}'?)"),
        many => format!(" (did you mean one of: {}?)", many.join(", ")),
    }
}
