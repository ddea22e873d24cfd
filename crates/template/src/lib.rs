//! Public API of `stackql-template`: render `.iql` scripts (data block + Jinja-style SQL template).
//!
//! A script may start with a `<<<json ... >>>` or `<<<jsonnet ... >>>` data
//! block whose object is merged over the caller's variables; the rest is a
//! SQL template with `{{ expr }}` placeholders (Jinja expressions, or Go-style
//! `{{ .name }}`) and optional `{% ... %}` control flow. Placeholders are
//! escaped for where they stand:
//!
//! | where the placeholder stands             | rendering                                              |
//! |-------------------------------------------|--------------------------------------------------------|
//! | SQL code                                  | SQL literal: `'text'`, `42`, `true`, `NULL`, `'[json]'` |
//! | `'...'` SQL string holding text           | the value's text with `'` doubled                      |
//! | JSON string in a `'{...}'`/`'[...]'` string | text JSON-escaped, then `'` doubled                    |
//! | JSON value position in such a string      | the value as JSON, then `'` doubled                    |
//! | `"..."` / `` `...` `` identifier          | the value's text (refused if it holds that quote)      |
//! | JSON string in a `<<<json` block          | text JSON-escaped (elsewhere in the block: JSON value) |
//! | `--` / `/* */` comment                    | untouched: comments are not rendered                   |
//! | `{{ x \| raw }}`                          | the value's text, verbatim, anywhere                   |
//!
//! A value's "text" is a string as-is, `null` as the empty string and
//! anything else as compact JSON (object keys in their original order). A SQL
//! string is JSON when the template's own text in it starts with `{` or `[` and
//! is lexically JSON; values never decide. Where the renderer cannot tell how
//! to escape (a SQL string starting with `"`, a placeholder glued to JSON text
//! or after a backslash, in a `[bracketed]` identifier, in a comment, a
//! jsonnet `|||` block) or a value cannot be carried (a NUL in SQL text, a SQL
//! literal that would merge with a neighbouring quote, `-` before a negative
//! number) it refuses with the placeholder's line and column
//! ([`TemplateError::Placeholder`]). `<<<jsonnet` blocks are evaluated within
//! [`JsonnetLimits`]; `--var` flags are read as StackQL reads them
//! ([`vars_from_cli`]).

mod cli_vars;
mod datablock;
mod engine;
mod error;
#[cfg(feature = "jsonnet")]
mod jsonnet;
mod lexer;
mod options;
mod sqlstring;
mod substitute;

pub use cli_vars::{vars_from_cli, vars_from_cli_files, CliVars};
pub use error::TemplateError;
pub use options::JsonnetLimits;

/// Template variables: names to JSON values.
pub type Vars = serde_json::Map<String, serde_json::Value>;

/// Render a whole script: optional leading data block, then the SQL template.
///
/// The data block's object is merged over `vars` (block keys win) and is the
/// context of the SQL template. The block itself is removed from the output;
/// `--` comment lines before it are kept. A script without placeholders comes
/// back byte-for-byte.
pub fn render_script(source: &str, vars: &Vars) -> Result<String, TemplateError> {
    render_script_with(source, vars, &JsonnetLimits::default())
}

/// [`render_script`] with explicit bounds on a `<<<jsonnet` block's evaluation.
pub fn render_script_with(
    source: &str,
    vars: &Vars,
    limits: &JsonnetLimits,
) -> Result<String, TemplateError> {
    let split = datablock::split(source)?;
    let merged;
    let ctx = match &split.block {
        Some(block) => {
            let data = datablock::evaluate(block, vars, limits)?;
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
    substitute::sql_literal(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn var_wins_over_iqldata() {
        let v = vars_from_cli(&["a=cli".into()], Some(r#"{"a": 1, "b": [1]}"#))
            .unwrap()
            .vars;
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
