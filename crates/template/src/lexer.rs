//! Lexical context tracking (SQL, JSON, jsonnet): where in the text a placeholder sits.
//!
//! The escaping of a placeholder depends only on whether it sits in code, in
//! a quoted string/identifier or in a comment. This module is a tiny state
//! machine that is fed the text one token at a time; it deliberately knows
//! nothing about templates, so the same scanner serves both the pre-pass over
//! the source and the substitution pass over minijinja's output.

/// The dialect of the text being scanned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// SQL: `'strings'` and `"identifiers"` with doubled-quote escapes,
    /// `-- line` and `/* block */` comments.
    Sql,
    /// JSON: `"strings"` with backslash escapes, no comments.
    Json,
    /// Jsonnet: `"..."` and `'...'` strings with backslash escapes,
    /// `//`, `#` and `/* */` comments.
    Jsonnet,
}

/// Where the scanner currently is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ctx {
    Code,
    /// SQL string literal, or jsonnet single-quoted string.
    SingleQuoted,
    /// SQL quoted identifier, or JSON/jsonnet double-quoted string.
    DoubleQuoted,
    LineComment,
    BlockComment,
}

impl Ctx {
    pub(crate) fn is_comment(self) -> bool {
        matches!(self, Ctx::LineComment | Ctx::BlockComment)
    }
}

/// Incremental scanner: call [`Scanner::advance`] on the remaining text and it
/// consumes one lexical unit, updating the context.
#[derive(Clone, Debug)]
pub(crate) struct Scanner {
    pub(crate) dialect: Dialect,
    pub(crate) ctx: Ctx,
}

impl Scanner {
    pub(crate) fn new(dialect: Dialect) -> Self {
        Scanner {
            dialect,
            ctx: Ctx::Code,
        }
    }

    /// If a comment starts at the head of `rest` (and we are in code), the
    /// length of its opening token.
    pub(crate) fn comment_start(&self, rest: &str) -> Option<(Ctx, usize)> {
        if self.ctx != Ctx::Code {
            return None;
        }
        match self.dialect {
            Dialect::Sql if rest.starts_with("--") => Some((Ctx::LineComment, 2)),
            Dialect::Jsonnet if rest.starts_with("//") => Some((Ctx::LineComment, 2)),
            Dialect::Jsonnet if rest.starts_with('#') => Some((Ctx::LineComment, 1)),
            Dialect::Sql | Dialect::Jsonnet if rest.starts_with("/*") => {
                Some((Ctx::BlockComment, 2))
            }
            _ => None,
        }
    }

    /// Consume one unit from the head of `rest` (which must be non-empty) and
    /// return how many bytes were consumed.
    pub(crate) fn advance(&mut self, rest: &str) -> usize {
        let first = rest.chars().next().map_or(1, char::len_utf8);
        let backslash_escapes = self.dialect != Dialect::Sql;
        match self.ctx {
            Ctx::Code => {
                if let Some((ctx, len)) = self.comment_start(rest) {
                    self.ctx = ctx;
                    return len;
                }
                match rest.as_bytes()[0] {
                    b'\'' if self.dialect != Dialect::Json => self.ctx = Ctx::SingleQuoted,
                    b'"' => self.ctx = Ctx::DoubleQuoted,
                    _ => {}
                }
                first
            }
            Ctx::SingleQuoted | Ctx::DoubleQuoted => {
                let quote = if self.ctx == Ctx::SingleQuoted {
                    b'\''
                } else {
                    b'"'
                };
                let b = rest.as_bytes()[0];
                if backslash_escapes && b == b'\\' {
                    // Skip the escaped character too, so `\"` does not close the string.
                    let next = rest[1..].chars().next().map_or(0, char::len_utf8);
                    return 1 + next;
                }
                if b == quote {
                    // SQL's doubled quote (`''`) closes and immediately reopens,
                    // which this toggle models correctly without special casing.
                    self.ctx = Ctx::Code;
                }
                first
            }
            Ctx::LineComment => {
                if rest.as_bytes()[0] == b'\n' {
                    self.ctx = Ctx::Code;
                }
                first
            }
            Ctx::BlockComment => {
                if rest.starts_with("*/") {
                    self.ctx = Ctx::Code;
                    return 2;
                }
                first
            }
        }
    }
}

/// Byte length of the comment starting at the head of `rest` (opening token
/// included, line comments exclude the newline, unterminated block comments
/// run to the end).
pub(crate) fn comment_len(rest: &str, ctx: Ctx, open_len: usize) -> usize {
    match ctx {
        Ctx::LineComment => rest.find('\n').unwrap_or(rest.len()),
        Ctx::BlockComment => rest[open_len..]
            .find("*/")
            .map_or(rest.len(), |i| open_len + i + 2),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contexts(dialect: Dialect, text: &str) -> Vec<Ctx> {
        let mut s = Scanner::new(dialect);
        let mut out = Vec::new();
        let mut i = 0;
        while i < text.len() {
            i += s.advance(&text[i..]);
            out.push(s.ctx);
        }
        out
    }

    #[test]
    fn sql_doubled_quote_stays_inside_string() {
        let ctxs = contexts(Dialect::Sql, "'it''s' x");
        assert_eq!(ctxs.last(), Some(&Ctx::Code));
        // After `'it'` we are momentarily in code, then back inside.
        assert_eq!(ctxs[4], Ctx::SingleQuoted);
    }

    #[test]
    fn sql_comments_end_correctly() {
        assert_eq!(contexts(Dialect::Sql, "-- c\nx").last(), Some(&Ctx::Code));
        assert_eq!(contexts(Dialect::Sql, "/* ' */x").last(), Some(&Ctx::Code));
        assert_eq!(
            contexts(Dialect::Sql, "/* unterminated").last(),
            Some(&Ctx::BlockComment)
        );
    }

    #[test]
    fn json_backslash_escape_does_not_close_string() {
        let ctxs = contexts(Dialect::Json, r#""a\"b" "#);
        assert_eq!(ctxs.last(), Some(&Ctx::Code));
        let ctxs = contexts(Dialect::Json, r#""a\"b"#);
        assert_eq!(ctxs.last(), Some(&Ctx::DoubleQuoted));
    }

    #[test]
    fn json_single_quote_is_not_a_string() {
        assert_eq!(contexts(Dialect::Json, "'").last(), Some(&Ctx::Code));
    }

    #[test]
    fn comment_len_variants() {
        assert_eq!(comment_len("-- ab\ncd", Ctx::LineComment, 2), 5);
        assert_eq!(comment_len("/* a */b", Ctx::BlockComment, 2), 7);
        assert_eq!(comment_len("/* a", Ctx::BlockComment, 2), 4);
        // `/*/` is not a complete comment: the closer must follow the opener.
        assert_eq!(comment_len("/*/ x */", Ctx::BlockComment, 2), 8);
    }
}
