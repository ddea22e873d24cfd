//! The catalog of CloudFormation types the emulator serves, read from registry documents.
//!
//! Startup only scans the text of every `src/<provider>/<version>/services/*.yaml` for
//! `x-type-name:` / `x-cfn-type-name:` lines (tens of milliseconds for 24 MB), so the
//! emulator starts at once; a service document is parsed the first time one of its types is
//! used. Both the scan and the parsed `components.schemas` are cached per process, because
//! test suites start many emulators over the same registry.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::Value;

use crate::error::EmulatorError;
use crate::schema::TypeSchema;

/// What the catalog knows about a TypeName.
#[derive(Debug, Clone)]
pub enum TypeLookup {
    /// The registry describes the type: validate against its schema.
    Schema(Arc<TypeSchema>),
    /// No registry was given: accept the type without validation.
    Permissive,
    /// A registry was given and does not name the type.
    NotFound,
}

/// Type name -> the service documents that name it, preferred first ([`DocumentRank`]).
type TypeIndex = HashMap<String, Vec<PathBuf>>;

#[derive(Debug)]
pub struct Catalog {
    index: Option<Arc<TypeIndex>>,
    loaded: Mutex<HashMap<String, Option<Arc<TypeSchema>>>>,
}

impl Catalog {
    /// The permissive catalog used when no registry is given.
    pub fn permissive() -> Self {
        Catalog {
            index: None,
            loaded: Mutex::new(HashMap::new()),
        }
    }

    /// Scans `root/src/*/*/services/*.yaml` for type names.
    pub fn scan(root: &Path) -> Result<Self, EmulatorError> {
        static SCANS: OnceLock<Mutex<HashMap<PathBuf, Arc<TypeIndex>>>> = OnceLock::new();
        let scans = SCANS.get_or_init(Default::default);
        let key = root.to_path_buf();
        if let Some(index) = lock(scans).get(&key).cloned() {
            return Ok(Catalog::with_index(index));
        }
        let index = Arc::new(scan_root(root)?);
        lock(scans).insert(key, index.clone());
        Ok(Catalog::with_index(index))
    }

    fn with_index(index: Arc<TypeIndex>) -> Self {
        Catalog {
            index: Some(index),
            loaded: Mutex::new(HashMap::new()),
        }
    }

    /// How many types the registry names (0 in permissive mode).
    pub fn type_count(&self) -> usize {
        self.index.as_ref().map_or(0, |i| i.len())
    }

    /// Resolves a TypeName, parsing its service document on first use.
    pub fn lookup(&self, type_name: &str) -> Result<TypeLookup, EmulatorError> {
        let Some(index) = &self.index else {
            return Ok(TypeLookup::Permissive);
        };
        if let Some(found) = lock(&self.loaded).get(type_name) {
            return Ok(found
                .clone()
                .map_or(TypeLookup::NotFound, TypeLookup::Schema));
        }
        let mut found = None;
        for path in index.get(type_name).into_iter().flatten() {
            let schemas = load_schemas(path)?;
            if let Some(schema) = TypeSchema::from_document(type_name, &schemas)? {
                found = Some(Arc::new(schema));
                break;
            }
        }
        lock(&self.loaded).insert(type_name.to_string(), found.clone());
        Ok(found.map_or(TypeLookup::NotFound, TypeLookup::Schema))
    }
}

/// A poisoned lock only means another request panicked; the maps stay usable.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn scan_root(root: &Path) -> Result<TypeIndex, EmulatorError> {
    let src = root.join("src");
    let mut documents: Vec<(DocumentRank, PathBuf)> = Vec::new();
    for provider in sorted_dirs(&src)? {
        let provider_name = dir_name(&provider);
        for version in sorted_dirs(&provider)? {
            let services = version.join("services");
            let Ok(entries) = std::fs::read_dir(&services) else {
                continue;
            };
            let rank = DocumentRank::new(&provider_name, &dir_name(&version));
            documents.extend(
                entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
                    .map(|p| (rank.clone(), p)),
            );
        }
    }
    documents.sort();
    let mut index: TypeIndex = HashMap::new();
    for (_, file) in documents {
        let text = std::fs::read_to_string(&file).map_err(|source| EmulatorError::Registry {
            path: file.clone(),
            message: source.to_string(),
        })?;
        for name in type_names_in(&text) {
            let paths = index.entry(name).or_default();
            if !paths.contains(&file) {
                paths.push(file.clone());
            }
        }
    }
    Ok(index)
}

/// The provider whose documents are generated from the CloudFormation registry for Cloud
/// Control itself; `aws` carries older copies of many of the same types.
const CLOUD_CONTROL_PROVIDER: &str = "awscc";

/// Which document's schema a type is validated against when several providers describe
/// it. A Cloud Control request does not say which provider the client used, so the
/// newest schema wins: the most recent registry version first (`vYY.MM.NNNNN` sorts by
/// date), then, between equal versions, the Cloud Control provider, then provider name.
/// Sorting ascending puts the preferred document first.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct DocumentRank {
    newest_first: std::cmp::Reverse<String>,
    not_cloud_control: bool,
    provider: String,
}

impl DocumentRank {
    fn new(provider: &str, version: &str) -> Self {
        DocumentRank {
            newest_first: std::cmp::Reverse(version.to_string()),
            not_cloud_control: provider != CLOUD_CONTROL_PROVIDER,
            provider: provider.to_string(),
        }
    }
}

fn dir_name(dir: &Path) -> String {
    dir.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn sorted_dirs(dir: &Path) -> Result<Vec<PathBuf>, EmulatorError> {
    let entries = std::fs::read_dir(dir).map_err(|source| EmulatorError::Registry {
        path: dir.to_path_buf(),
        message: format!("cannot read registry directory: {source}"),
    })?;
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    Ok(dirs)
}

/// The CloudFormation type names a service document mentions, from its text.
fn type_names_in(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in text.lines() {
        let line = line.trim_start();
        let rest = line
            .strip_prefix("x-type-name:")
            .or_else(|| line.strip_prefix("x-cfn-type-name:"));
        if let Some(rest) = rest {
            let name = rest.trim().trim_matches(|c| c == '\'' || c == '"');
            if name.matches("::").count() == 2 && !names.iter().any(|n| n == name) {
                names.push(name.to_string());
            }
        }
    }
    names
}

/// The document's `components` (schemas and StackQL resources), parsed once per process.
fn load_schemas(path: &Path) -> Result<Arc<Value>, EmulatorError> {
    static DOCS: OnceLock<Mutex<HashMap<PathBuf, Arc<Value>>>> = OnceLock::new();
    let docs = DOCS.get_or_init(Default::default);
    if let Some(doc) = lock(docs).get(path).cloned() {
        return Ok(doc);
    }
    let registry_err = |message: String| EmulatorError::Registry {
        path: path.to_path_buf(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| registry_err(e.to_string()))?;
    let mut doc: Value =
        serde_yaml_ng::from_str(&text).map_err(|e| registry_err(format!("invalid YAML: {e}")))?;
    // Only `components` is needed; drop the rest (paths are large) before caching.
    let components = doc
        .get_mut("components")
        .map(Value::take)
        .unwrap_or(Value::Null);
    let components = Arc::new(components);
    lock(docs).insert(path.to_path_buf(), components.clone());
    Ok(components)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_version_then_cloud_control_provider_first() {
        let mut ranks = [
            DocumentRank::new("aws", "v24.05.00001"),
            DocumentRank::new("awscc", "v24.01.00001"),
            DocumentRank::new("awscc", "v24.05.00001"),
            DocumentRank::new("other", "v24.05.00001"),
        ];
        ranks.sort();
        let order: Vec<(&str, &str)> = ranks
            .iter()
            .map(|r| (r.provider.as_str(), r.newest_first.0.as_str()))
            .collect();
        assert_eq!(
            order,
            vec![
                ("awscc", "v24.05.00001"),
                ("aws", "v24.05.00001"),
                ("other", "v24.05.00001"),
                ("awscc", "v24.01.00001"),
            ]
        );
    }

    /// Over every type of the real snapshot: generated ARNs name a lowercase service, the
    /// type's own ([`crate::arn::service_namespace`]) unless the property's own pattern
    /// demands another (a role's `iam`, a key's `kms`).
    #[test]
    fn every_generated_arn_names_its_own_service() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/registry");
        let catalog = Catalog::scan(&root).expect("registry snapshot beside the checkout");
        let ids = crate::ids::IdGen::seeded(1);
        let mut names: Vec<String> = catalog.index.as_ref().unwrap().keys().cloned().collect();
        names.sort();
        let mut arns = 0;
        for type_name in names {
            let TypeLookup::Schema(schema) = catalog.lookup(&type_name).unwrap() else {
                continue;
            };
            let mut model = serde_json::json!({});
            schema.generate_read_only(
                &mut model,
                &crate::schema::GenerationContext {
                    account_id: "123456789012",
                    region: "eu-west-1",
                    ids: &ids,
                    now: std::time::SystemTime::now(),
                },
            );
            let own = schema.arn_service();
            for (prop, value) in model.as_object().unwrap() {
                let Some(arn) = value.as_str().filter(|v| v.starts_with("arn:")) else {
                    continue;
                };
                arns += 1;
                let service = arn.split(':').nth(2).unwrap_or_default();
                assert_eq!(service, service.to_ascii_lowercase(), "{type_name} {prop}");
                if service != own {
                    let pattern = schema.property_pattern(prop).unwrap_or_default();
                    assert!(
                        pattern.contains(&format!(":{service}:")),
                        "{type_name} {prop}: {arn} is neither {own} nor its pattern's {pattern}"
                    );
                }
            }
        }
        assert!(arns > 800, "only {arns} ARNs generated");
    }

    /// Over every type of the real snapshot whose `Tags` is a map: `{"team": "x"}` passes.
    #[test]
    fn tag_maps_are_accepted_wherever_the_schema_has_one() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/registry");
        let catalog = Catalog::scan(&root).expect("registry snapshot beside the checkout");
        let mut names: Vec<String> = catalog.index.as_ref().unwrap().keys().cloned().collect();
        names.sort();
        let mut maps = 0;
        for type_name in names {
            let TypeLookup::Schema(schema) = catalog.lookup(&type_name).unwrap() else {
                continue;
            };
            if !schema.property_is_map("Tags") {
                continue;
            }
            maps += 1;
            let errors = schema
                .validate_create(&serde_json::json!({"Tags": {"team": "x"}}))
                .err()
                .unwrap_or_default();
            let on_tags: Vec<&String> = errors.iter().filter(|e| e.contains("Tags")).collect();
            assert!(on_tags.is_empty(), "{type_name}: {on_tags:?}");
        }
        assert!(maps > 90, "only {maps} types with a Tags map");
    }

    #[test]
    fn finds_type_names_in_text() {
        let text = "  Image:\n    x-type-name: AWS::SageMaker::Image\n  r:\n    x-cfn-type-name: 'AWS::SageMaker::Image'\n    x-cfn-type-name: AWS::EKS::Cluster\n    x-type-name: notatype\n";
        assert_eq!(
            type_names_in(text),
            vec!["AWS::SageMaker::Image", "AWS::EKS::Cluster"]
        );
    }
}
