//! `--seed FILE`: resources loaded at start, as if created earlier.
//!
//! The file is JSON: `{"resources": [ ... ]}` or just the list, each item
//! `{"TypeName": "AWS::SageMaker::Image", "Region": "us-east-1", "Properties": {...}}` with
//! optional `"AccountId"` (default: the emulated account) and `"Identifier"` (default: the
//! primary identifier the schema gives, or a generated id). Properties are validated like an
//! UpdateResource's model (read-only values such as ARNs may be given; missing read-only
//! identifiers are generated). A seeded resource replaces one with the same identifier.

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::catalog::{Catalog, TypeLookup};
use crate::error::EmulatorError;
use crate::ids::IdGen;
use crate::schema::GenerationContext;
use crate::state::Store;

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum SeedFile {
    Wrapped { resources: Vec<SeedResource> },
    List(Vec<SeedResource>),
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct SeedResource {
    type_name: String,
    region: String,
    properties: Value,
    #[serde(default)]
    account_id: Option<String>,
    #[serde(default)]
    identifier: Option<String>,
}

/// Loads the seed file into the store; returns how many resources it holds.
pub fn load(
    path: &Path,
    store: &mut Store,
    catalog: &Catalog,
    default_account: &str,
    ids: &IdGen,
) -> Result<usize, EmulatorError> {
    let err = |message: String| EmulatorError::Seed {
        path: path.to_path_buf(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
    let file: SeedFile = serde_json::from_str(&text).map_err(|e| {
        err(format!(
            "expected {{\"resources\": [{{\"TypeName\", \"Region\", \"Properties\"}}...]}}: {e}"
        ))
    })?;
    let resources = match file {
        SeedFile::Wrapped { resources } | SeedFile::List(resources) => resources,
    };
    let mut touched = Vec::new();
    let count = resources.len();
    for (i, mut r) in resources.into_iter().enumerate() {
        let at = |m: String| err(format!("resource {i} ({}): {m}", r.type_name));
        if !r.properties.is_object() {
            return Err(at("Properties must be a JSON object".into()));
        }
        let account = r
            .account_id
            .clone()
            .unwrap_or_else(|| default_account.to_string());
        let schema = match catalog.lookup(&r.type_name) {
            Ok(TypeLookup::Schema(s)) => Some(s),
            Ok(TypeLookup::Permissive) => None,
            Ok(TypeLookup::NotFound) => return Err(at("type not found in the registry".into())),
            Err(e) => return Err(at(e.to_string())),
        };
        let identifier = match &schema {
            Some(s) => {
                s.validate_update(&r.properties).map_err(|errors| {
                    at(format!("Model validation failed ({})", errors.join("; ")))
                })?;
                s.generate_read_only(
                    &mut r.properties,
                    &GenerationContext {
                        account_id: &account,
                        region: &r.region,
                        ids,
                        now: std::time::SystemTime::now(),
                    },
                );
                r.identifier
                    .clone()
                    .or_else(|| s.identifier_of(&r.properties))
                    .unwrap_or_else(|| ids.uuid())
            }
            None => r.identifier.clone().unwrap_or_else(|| ids.uuid()),
        };
        store
            .region(&account, &r.region)
            .put_resource(&r.type_name, &identifier, r.properties);
        touched.push((account, r.region));
    }
    touched.sort();
    touched.dedup();
    for (account, region) in &touched {
        store
            .save(account, region)
            .map_err(|e| err(format!("saving seeded resources: {e}")))?;
    }
    Ok(count)
}
