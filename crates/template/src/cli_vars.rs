//! Template variables from the command line: `--var` flags read as StackQL reads them, merged over `--iqldata`.
//!
//! StackQL's `--var` is a pflag string slice: each flag is read as one line of
//! CSV, so `--var a=1,b=2` is two variables and a comma inside a value needs
//! CSV quoting around the whole pair: `--var '"desc=owner=alice,team=ml"'`
//! (`""` inside the quotes is one `"`). Each piece is `KEY=VALUE`, split at its
//! first `=`. Where StackQL's CSV reader would fail or lose text (a `"` inside
//! an unquoted value, a newline), the text is kept as written instead. A flag
//! that was split is reported (keys only, never values) so a value cut at a
//! comma does not pass silently.

use std::path::Path;

use crate::error::TemplateError;
use crate::Vars;

/// Variables for the template, and warnings for the user (stderr).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CliVars {
    pub vars: Vars,
    pub warnings: Vec<String>,
}

/// Parse `--var` flags (values stay strings) and merge them over the object in
/// `iqldata_json`, the *contents* of an `--iqldata` JSON file (use
/// [`vars_from_cli_files`] to pass a path). Later flags win over earlier ones.
pub fn vars_from_cli(
    var_flags: &[String],
    iqldata_json: Option<&str>,
) -> Result<CliVars, TemplateError> {
    let mut out = CliVars {
        vars: match iqldata_json {
            None => Vars::new(),
            Some(text) => iqldata(text)?,
        },
        warnings: Vec::new(),
    };
    for flag in var_flags {
        let pieces = split_flag(flag)?;
        let mut keys = Vec::new();
        for (i, piece) in pieces.iter().enumerate() {
            let (key, value) = match piece.split_once('=') {
                Some((k, v)) if !k.trim().is_empty() => (k.trim(), v),
                // One piece: the flag as the user wrote it is the clearest message.
                _ if pieces.len() == 1 => {
                    return Err(TemplateError::InvalidVar { flag: flag.clone() })
                }
                _ => {
                    return Err(TemplateError::InvalidVarPiece {
                        after: keys.last().map(|k: &String| k.to_string()),
                        position: i + 1,
                    })
                }
            };
            keys.push(key.to_string());
            out.vars.insert(
                key.to_string(),
                serde_json::Value::String(value.to_string()),
            );
        }
        if keys.len() > 1 {
            out.warnings.push(format!(
                "--var was split at its commas into {} variables ({}), as StackQL reads --var as comma-separated KEY=VALUE pairs; to keep commas in one value, quote the whole pair: --var '\"{}=...,...\"'",
                keys.len(),
                keys.join(", "),
                keys[0]
            ));
        }
    }
    Ok(out)
}

/// Like [`vars_from_cli`], reading the `--iqldata` file from disk.
pub fn vars_from_cli_files(
    var_flags: &[String],
    iqldata_path: Option<&Path>,
) -> Result<CliVars, TemplateError> {
    let text = match iqldata_path {
        None => None,
        Some(p) => Some(
            std::fs::read_to_string(p).map_err(|e| TemplateError::InvalidIqlData {
                message: format!("cannot read {}: {e}", p.display()),
            })?,
        ),
    };
    vars_from_cli(var_flags, text.as_deref())
}

fn iqldata(text: &str) -> Result<Vars, TemplateError> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        Ok(_) => Err(TemplateError::InvalidIqlData {
            message: "the document must be a JSON object".into(),
        }),
        Err(e) => Err(TemplateError::InvalidIqlData {
            message: e.to_string(),
        }),
    }
}

/// One flag as one CSV record: pieces split at commas outside `"`-quoted fields.
/// An empty flag is no pieces (as in StackQL).
fn split_flag(flag: &str) -> Result<Vec<String>, TemplateError> {
    if flag.is_empty() {
        return Ok(Vec::new());
    }
    let mut pieces = Vec::new();
    let mut chars = flag.chars().peekable();
    loop {
        let mut field = String::new();
        if chars.peek() == Some(&'"') {
            // Quoted field: runs to the `"` that is not doubled, which must end the field.
            chars.next();
            loop {
                match chars.next() {
                    None => return Err(TemplateError::InvalidVarQuote),
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    Some('"') => break,
                    Some(c) => field.push(c),
                }
            }
            if !matches!(chars.peek(), None | Some(',')) {
                return Err(TemplateError::InvalidVarQuote);
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                field.push(c);
                chars.next();
            }
        }
        pieces.push(field);
        match chars.next() {
            Some(_comma) => continue,
            None => return Ok(pieces),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Vec<String> {
        split_flag(s).unwrap()
    }

    #[test]
    fn csv_splitting_like_pflag() {
        assert_eq!(split("a=1,b=2"), ["a=1", "b=2"]);
        assert_eq!(split("a=b=c"), ["a=b=c"]);
        assert_eq!(split(r#""d=o=a,t=m""#), ["d=o=a,t=m"]);
        assert_eq!(split(r#""a=say ""hi""",b=2"#), [r#"a=say "hi""#, "b=2"]);
        assert_eq!(split(r#"v=say "hi""#), [r#"v=say "hi""#]);
        assert_eq!(split("a=1,"), ["a=1", ""]);
        assert_eq!(split(" a=1"), [" a=1"]);
        assert!(split("").is_empty());
        assert_eq!(
            split_flag(r#""a=1"x"#).unwrap_err(),
            TemplateError::InvalidVarQuote
        );
        assert_eq!(
            split_flag(r#""a=1"#).unwrap_err(),
            TemplateError::InvalidVarQuote
        );
    }

    #[test]
    fn split_flags_warn_without_values() {
        let v = vars_from_cli(&["desc=owner=alice,team=ml".into()], None).unwrap();
        assert_eq!(v.vars["desc"], "owner=alice");
        assert_eq!(v.vars["team"], "ml");
        assert_eq!(v.warnings.len(), 1);
        let w = &v.warnings[0];
        assert!(
            w.contains("desc, team") && w.contains(r#"'"desc=...,..."'"#),
            "{w}"
        );
        assert!(!w.contains("alice") && !w.contains("ml)"), "{w}");

        let v = vars_from_cli(&[r#""desc=owner=alice,team=ml""#.into()], None).unwrap();
        assert_eq!(v.vars["desc"], "owner=alice,team=ml");
        assert!(!v.vars.contains_key("team"));
        assert!(v.warnings.is_empty());
    }

    #[test]
    fn piece_without_equals_is_an_error_that_hides_the_value() {
        let err = vars_from_cli(&["pw=abc,secretpart".into()], None).unwrap_err();
        assert_eq!(
            err,
            TemplateError::InvalidVarPiece {
                after: Some("pw".into()),
                position: 2
            }
        );
        assert!(!err.to_string().contains("secretpart"), "{err}");
        assert!(vars_from_cli(&["a=1,,b=2".into()], None).is_err());
        assert!(vars_from_cli(&["=x".into()], None).is_err());
        assert!(vars_from_cli(&["novalue".into()], None).is_err());
    }
}
