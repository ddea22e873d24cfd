//! The optional leading `<<<json ... >>>` / `<<<jsonnet ... >>>` data block of a script.

use serde_json::Value as Json;

use crate::engine;
use crate::error::TemplateError;
use crate::lexer::Dialect;
use crate::Vars;

/// Which language a data block is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BlockKind {
    Json,
    Jsonnet,
}

impl BlockKind {
    fn name(self) -> &'static str {
        match self {
            BlockKind::Json => "json",
            BlockKind::Jsonnet => "jsonnet",
        }
    }
}

/// A script cut into its parts.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Split<'a> {
    /// Whitespace and `--` comment lines before the block (kept in the output).
    pub prefix: &'a str,
    pub block: Option<Block<'a>>,
    /// The SQL template after the block (or the whole script after `prefix`).
    pub body: &'a str,
    /// 1-based line on which `body` starts, for error messages.
    pub body_line: usize,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Block<'a> {
    pub kind: BlockKind,
    pub text: &'a str,
    /// 1-based line on which `text` starts.
    pub line: usize,
}

fn count_lines(s: &str) -> usize {
    s.matches('\n').count()
}

/// Find the data block. It must come first, after optional blank lines and
/// `--` comment lines; it ends at the first `>>>` after the opener (as the Go
/// StackQL's non-greedy match does), and one newline right after `>>>` is
/// swallowed so the SQL does not start with an empty line.
pub(crate) fn split(source: &str) -> Result<Split<'_>, TemplateError> {
    let mut offset = 0;
    for line in source.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with("--") {
            offset += line.len();
            continue;
        }
        break;
    }
    let prefix = &source[..offset];
    let rest_all = &source[offset..];
    let lead_ws = rest_all.len() - rest_all.trim_start().len();
    let rest = &rest_all[lead_ws..];

    let kind = if rest.starts_with("<<<jsonnet") {
        Some((BlockKind::Jsonnet, "<<<jsonnet".len()))
    } else if rest.starts_with("<<<json") {
        Some((BlockKind::Json, "<<<json".len()))
    } else {
        None
    };
    let Some((kind, open_len)) = kind else {
        return Ok(Split {
            prefix,
            block: None,
            body: rest_all,
            body_line: count_lines(prefix) + 1,
        });
    };
    let open_line = count_lines(prefix) + count_lines(&rest_all[..lead_ws]) + 1;
    let after_open = &rest[open_len..];
    let Some(end) = after_open.find(">>>") else {
        return Err(TemplateError::UnterminatedDataBlock {
            kind: kind.name(),
            line: open_line,
        });
    };
    let text = &after_open[..end];
    let mut body = &after_open[end + 3..];
    if let Some(b) = body
        .strip_prefix("\r\n")
        .or_else(|| body.strip_prefix('\n'))
    {
        body = b;
    }
    let consumed = &source[..source.len() - body.len()];
    Ok(Split {
        prefix,
        block: Some(Block {
            kind,
            text,
            line: open_line,
        }),
        body,
        body_line: count_lines(consumed) + 1,
    })
}

/// Render the block's placeholders with `vars`, evaluate it and return the
/// object it defines.
pub(crate) fn evaluate(
    block: &Block<'_>,
    vars: &Vars,
    limits: &crate::JsonnetLimits,
) -> Result<Vars, TemplateError> {
    let dialect = match block.kind {
        BlockKind::Json => Dialect::Json,
        BlockKind::Jsonnet => Dialect::Jsonnet,
    };
    let line_offset = block.line - 1;
    let rendered = engine::render(block.text, vars, dialect, line_offset)?;
    let value = match block.kind {
        BlockKind::Json => parse_json(&rendered, block.line)?,
        BlockKind::Jsonnet => eval_jsonnet(&rendered, block.line, vars, limits)?,
    };
    match value {
        Json::Object(map) => Ok(map),
        other => Err(TemplateError::DataBlockNotObject {
            line: block.line,
            found: kind_name(&other),
        }),
    }
}

fn kind_name(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// Parse the rendered block; on failure point at the rendered line (the one
/// the user needs to see, since a substituted value may be the culprit).
fn parse_json(rendered: &str, block_line: usize) -> Result<Json, TemplateError> {
    serde_json::from_str(rendered).map_err(|e| {
        // serde_json lines are 1-based within the block text, whose first line
        // is the rest of the `<<<json` line.
        let rel_line = e.line().max(1);
        let column = e.column();
        let text = rendered.lines().nth(rel_line - 1).unwrap_or("");
        let caret = " ".repeat(column.saturating_sub(1));
        let message = e.to_string();
        // Drop serde_json's own " at line X column Y": we report it in our terms.
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(m, _)| m)
            .to_string();
        TemplateError::DataBlockJson {
            line: block_line + rel_line - 1,
            column,
            message,
            snippet: format!("  | {text}\n  | {caret}^"),
        }
    })
}

#[cfg(feature = "jsonnet")]
fn eval_jsonnet(
    rendered: &str,
    block_line: usize,
    vars: &Vars,
    limits: &crate::JsonnetLimits,
) -> Result<Json, TemplateError> {
    crate::jsonnet::evaluate(rendered, vars, limits).map_err(|message| TemplateError::Jsonnet {
        line: block_line,
        message,
    })
}

#[cfg(not(feature = "jsonnet"))]
fn eval_jsonnet(
    _rendered: &str,
    block_line: usize,
    _vars: &Vars,
    _limits: &crate::JsonnetLimits,
) -> Result<Json, TemplateError> {
    Err(TemplateError::JsonnetUnsupported { line: block_line })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_block() {
        let s = split("-- c\nSELECT 1").unwrap();
        assert_eq!(s.prefix, "-- c\n");
        assert!(s.block.is_none());
        assert_eq!(s.body, "SELECT 1");
        assert_eq!(s.body_line, 2);
    }

    #[test]
    fn block_after_comments() {
        let s = split("\n-- hello\n<<<json\n{\"a\": 1}\n>>>\nSELECT 1").unwrap();
        assert_eq!(s.prefix, "\n-- hello\n");
        let b = s.block.unwrap();
        assert_eq!(b.kind, BlockKind::Json);
        assert_eq!(b.text, "\n{\"a\": 1}\n");
        assert_eq!(b.line, 3);
        assert_eq!(s.body, "SELECT 1");
        assert_eq!(s.body_line, 6);
    }

    #[test]
    fn jsonnet_block_on_one_line() {
        let s = split("<<<jsonnet {a: 1} >>> SELECT 1").unwrap();
        assert_eq!(s.block.unwrap().kind, BlockKind::Jsonnet);
        assert_eq!(s.body, " SELECT 1");
        assert_eq!(s.body_line, 1);
    }

    #[test]
    fn unterminated() {
        assert_eq!(
            split("-- x\n<<<json\n{}").unwrap_err(),
            TemplateError::UnterminatedDataBlock {
                kind: "json",
                line: 2
            }
        );
    }

    #[test]
    fn not_an_object() {
        let b = Block {
            kind: BlockKind::Json,
            text: "[1]",
            line: 1,
        };
        assert_eq!(
            evaluate(&b, &Vars::new(), &Default::default()).unwrap_err(),
            TemplateError::DataBlockNotObject {
                line: 1,
                found: "an array"
            }
        );
    }
}
