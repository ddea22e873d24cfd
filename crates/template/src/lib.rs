//! Public API of `stackql-template`: render `.iql` scripts (data block + Jinja-style SQL template).
//!
//! A script may start with a `<<<json ... >>>` or `<<<jsonnet ... >>>` data
//! block whose object is merged over the caller's variables; the rest is a
//! SQL template with `{{ expr }}` placeholders (Jinja expressions, or Go-style
//! `{{ .name }}`) and optional `{% ... %}` control flow. Placeholders are
//! escaped for where they stand:
//!
//! | context                  | rendering                                                        |
//! |--------------------------|------------------------------------------------------------------|
//! | SQL code                 | SQL literal: `'text'`, `42`, `true`, `NULL`, `'[compact json]'`  |
//! | `'...'` string literal   | the value's text with `'` doubled                                |
//! | `"..."` identifier       | the value's text with `"` doubled                                |
//! | `--` / `/* */` comment   | untouched: comments are not rendered                             |
//! | `{{ x \| raw }}`         | the value's text, verbatim, anywhere                             |
//!
//! A value's "text" is a string as-is, `null` as the empty string and
//! anything else as compact JSON (object keys in their original order).

mod datablock;
mod engine;
mod error;
mod lexer;

use std::path::Path;

pub use error::TemplateError;

/// Template variables: names to JSON values.
pub type Vars = serde_json::Map<String, serde_json::Value>;

/// Render a whole script: optional leading data block, then the SQL template.
///
/// The data block's object is merged over `vars` (block keys win) and is the
/// context of the SQL template. The block itself is removed from the output;
/// `--` comment lines before it are kept. A script without placeholders comes
/// back byte-for-byte.
pub fn render_script(source: &str, vars: &Vars) -> Result<String, TemplateError> {
    let split = datablock::split(source)?;
    let merged;
    let ctx = match &split.block {
        Some(block) => {
            let data = datablock::evaluate(block, vars)?;
            let mut m = vars.clone();
            m.extend(data);
            merged = m;
            &merged
        }
        None => vars,
    };
    let body = render_sql(split.body, ctx, split.body_line)?;
    Ok(format!("{}{}", split.prefix, body))
}

/// Render a SQL template (no data block handling) whose first line is line
/// `first_line` of the script, for error messages.
pub fn render_sql(template: &str, vars: &Vars, first_line: usize) -> Result<String, TemplateError> {
    engine::render(
        template,
        vars,
        lexer::Dialect::Sql,
        first_line.saturating_sub(1),
    )
}

/// A value as a SQL literal, exactly as an unquoted placeholder renders it:
/// string -> `'text'` (quotes doubled), number -> bare, bool -> `true`/`false`,
/// null -> `NULL`, array/object -> compact JSON in a string literal.
pub fn sql_literal(value: &serde_json::Value) -> String {
    engine::sql_literal(value)
}

/// Parse `--var KEY=VALUE` flags (values stay strings; the first `=` splits)
/// and merge them over the object in `iqldata_json`, the *contents* of an
/// `--iqldata` JSON file (use [`vars_from_cli_files`] to pass a path).
pub fn vars_from_cli(
    var_flags: &[String],
    iqldata_json: Option<&str>,
) -> Result<Vars, TemplateError> {
    let mut vars = match iqldata_json {
        None => Vars::new(),
        Some(text) => match serde_json::from_str::<serde_json::Value>(text) {
            Ok(serde_json::Value::Object(map)) => map,
            Ok(_) => {
                return Err(TemplateError::InvalidIqlData {
                    message: "the document must be a JSON object".into(),
                })
            }
            Err(e) => {
                return Err(TemplateError::InvalidIqlData {
                    message: e.to_string(),
                })
            }
        },
    };
    for flag in var_flags {
        let (key, value) = parse_var(flag)?;
        vars.insert(
            key.to_string(),
            serde_json::Value::String(value.to_string()),
        );
    }
    Ok(vars)
}

/// Like [`vars_from_cli`], reading the `--iqldata` file from disk.
pub fn vars_from_cli_files(
    var_flags: &[String],
    iqldata_path: Option<&Path>,
) -> Result<Vars, TemplateError> {
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

fn parse_var(flag: &str) -> Result<(&str, &str), TemplateError> {
    let invalid = || TemplateError::InvalidVar {
        flag: flag.to_string(),
    };
    let (key, value) = flag.split_once('=').ok_or_else(invalid)?;
    let key = key.trim();
    if key.is_empty() {
        return Err(invalid());
    }
    Ok((key, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn var_flag_parsing() {
        assert_eq!(parse_var("a=b=c").unwrap(), ("a", "b=c"));
        assert_eq!(parse_var("a=").unwrap(), ("a", ""));
        assert!(parse_var("=x").is_err());
        assert!(parse_var("novalue").is_err());
    }

    #[test]
    fn var_wins_over_iqldata() {
        let v = vars_from_cli(&["a=cli".into()], Some(r#"{"a": 1, "b": [1]}"#)).unwrap();
        assert_eq!(v["a"], "cli");
        assert_eq!(v["b"], serde_json::json!([1]));
    }

    #[test]
    fn block_keys_win_over_vars() {
        let mut vars = Vars::new();
        vars.insert("a".into(), "cli".into());
        let out = render_script("<<<json\n{\"a\": \"block\"}\n>>>\nSELECT {{ a }}", &vars).unwrap();
        assert_eq!(out, "SELECT 'block'");
    }
}
