//! StackQL's `REGISTRY LIST [provider]` and `REGISTRY PULL provider [version]`, which
//! sqlparser cannot carry: a few words, parsed by hand. Names are checked for characters
//! that could leave the registry's directories, since they become paths.

use crate::SqlError;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegistryCommand {
    /// Providers (and their latest versions) in the remote index, or one provider's versions.
    List { provider: Option<String> },
    /// Download `provider` at `version` (the latest in the index when None) into the local root.
    Pull {
        provider: String,
        version: Option<String>,
    },
}

/// Parses a statement whose first word is `REGISTRY`.
pub fn parse_registry(text: &str) -> Result<RegistryCommand, SqlError> {
    let body = crate::statement::strip_comments(text);
    let words: Vec<String> = body
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c| c == '\'' || c == '"' || c == '`')
                .to_string()
        })
        .filter(|w| !w.is_empty())
        .collect();
    let usage = "expected REGISTRY LIST [provider] or REGISTRY PULL provider [version]";
    let sub = words
        .get(1)
        .map(|w| w.to_ascii_uppercase())
        .unwrap_or_default();
    let args = words.get(2..).unwrap_or(&[]);
    for a in args {
        check_name(a)?;
    }
    match (sub.as_str(), args) {
        ("LIST", []) => Ok(RegistryCommand::List { provider: None }),
        ("LIST", [p]) => Ok(RegistryCommand::List {
            provider: Some(p.clone()),
        }),
        ("PULL", [p]) => Ok(RegistryCommand::Pull {
            provider: p.clone(),
            version: None,
        }),
        ("PULL", [p, v]) => Ok(RegistryCommand::Pull {
            provider: p.clone(),
            version: Some(v.clone()),
        }),
        ("LIST" | "PULL", _) => Err(SqlError::Unsupported(format!(
            "too many arguments to REGISTRY {sub}: {usage}"
        ))),
        ("", _) => Err(SqlError::Unsupported(usage.to_string())),
        (other, _) => Err(SqlError::Unsupported(format!(
            "unknown REGISTRY action '{}': {usage}",
            other.to_ascii_lowercase()
        ))),
    }
}

/// Provider names and versions become directory names: nothing that could climb out.
pub fn is_valid_registry_name(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('.')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

fn check_name(s: &str) -> Result<(), SqlError> {
    if is_valid_registry_name(s) {
        Ok(())
    } else {
        Err(SqlError::Unsupported(format!(
            "'{s}' is not a valid provider name or version (letters, digits, '.', '_' and '-' only)"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_list_and_pull() {
        assert_eq!(
            parse_registry("REGISTRY LIST").unwrap(),
            RegistryCommand::List { provider: None }
        );
        assert_eq!(
            parse_registry("registry list aws").unwrap(),
            RegistryCommand::List {
                provider: Some("aws".into())
            }
        );
        assert_eq!(
            parse_registry("REGISTRY PULL aws 'v24.03.00200'").unwrap(),
            RegistryCommand::Pull {
                provider: "aws".into(),
                version: Some("v24.03.00200".into())
            }
        );
        assert_eq!(
            parse_registry("REGISTRY PULL aws").unwrap(),
            RegistryCommand::Pull {
                provider: "aws".into(),
                version: None
            }
        );
    }

    #[test]
    fn refuses_paths_and_unknown_actions() {
        assert!(parse_registry("REGISTRY PULL ../etc v1").is_err());
        assert!(parse_registry("REGISTRY PULL aws ../../x").is_err());
        assert!(parse_registry("REGISTRY PUSH aws").is_err());
        assert!(parse_registry("REGISTRY").is_err());
    }
}
