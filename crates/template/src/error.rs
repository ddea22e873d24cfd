//! The typed error returned by every public function of `stackql-template`.

use thiserror::Error;

/// Everything that can go wrong while turning a `.iql` script into SQL.
///
/// Line numbers are 1-based and refer to the original script (not to the
/// rendered text), so a user can jump straight to the offending line.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum TemplateError {
    /// A placeholder names a variable that is neither passed on the command
    /// line nor defined by the data block.
    #[error(
        "template variable '{name}' is not defined (line {line}); pass it with --var {name}=... or --iqldata"
    )]
    UndefinedVariable { name: String, line: usize },

    /// The template itself does not parse (unbalanced `{{`, bad expression, ...).
    #[error("template syntax error (line {line}): {message}")]
    Syntax { line: usize, message: String },

    /// The template parsed but evaluating it failed (bad filter argument, ...).
    #[error("template error (line {line}): {message}")]
    Render { line: usize, message: String },

    /// A placeholder stands where its value cannot be escaped safely, or where the
    /// renderer cannot tell how it should be escaped. `reason` never quotes the value.
    #[error("placeholder at line {line}, column {column} cannot be rendered: {reason} (use `| raw` to insert text verbatim at your own risk)")]
    Placeholder {
        line: usize,
        column: usize,
        reason: String,
    },

    /// A `<<<json` / `<<<jsonnet` block has no closing `>>>`.
    #[error("data block opened with '<<<{kind}' on line {line} is not closed with '>>>'")]
    UnterminatedDataBlock { kind: &'static str, line: usize },

    /// The data block, after placeholders were filled in, is not valid JSON.
    /// `snippet` is the offending rendered line with a caret under the column.
    #[error("data block is not valid JSON after rendering (line {line}, column {column}): {message}\n{snippet}")]
    DataBlockJson {
        line: usize,
        column: usize,
        message: String,
        snippet: String,
    },

    /// The data block evaluated to something other than an object, so it
    /// cannot provide named variables.
    #[error("data block on line {line} must evaluate to a JSON object, got {found}")]
    DataBlockNotObject { line: usize, found: &'static str },

    /// Jsonnet evaluation failed (syntax or runtime error inside the block).
    #[error("jsonnet data block (starting line {line}) failed: {message}")]
    Jsonnet { line: usize, message: String },

    /// This build was compiled without jsonnet support.
    #[error("jsonnet data blocks are not supported by this build (line {line}); use a '<<<json' block or --iqldata")]
    JsonnetUnsupported { line: usize },

    /// A `--var` flag is not of the form `KEY=VALUE`.
    #[error("invalid --var '{flag}': expected KEY=VALUE")]
    InvalidVar { flag: String },

    /// A `--var` flag split at commas (as StackQL does) has a piece that is not
    /// `KEY=VALUE`. The piece itself is not shown: it is often the rest of a value.
    #[error(
        "invalid --var: StackQL reads --var as comma-separated KEY=VALUE pairs, and piece {position}{} is not KEY=VALUE; to keep a comma inside a value, quote the whole pair: --var '\"KEY=...,...\"'",
        after_key(.after)
    )]
    InvalidVarPiece {
        /// The key of the piece before it, if any.
        after: Option<String>,
        position: usize,
    },

    /// A `--var` flag's CSV quoting is broken.
    #[error("invalid --var: a quoted pair must look like '\"KEY=VALUE\"' (a \" inside it written \"\") and be followed by a comma or nothing")]
    InvalidVarQuote,

    /// The `--iqldata` document is not valid JSON or not an object.
    #[error("invalid --iqldata: {message}")]
    InvalidIqlData { message: String },

    /// The script contains a character the engine reserves for its own use.
    #[error("script contains the reserved character U+{code:04X} (line {line})")]
    ReservedCharacter { code: u32, line: usize },
}

fn after_key(after: &Option<String>) -> String {
    after
        .as_ref()
        .map_or_else(String::new, |k| format!(" (the one after {k}=...)"))
}
