//! Lexical context tracking (SQL, JSON, jsonnet): where in the text a placeholder sits.
//!
//! This module is a small state machine fed the text one unit at a time; it
//! knows nothing about templates, so the same scanner serves both the pre-pass
//! over the source (finding comments) and the substitution pass over
//! minijinja's output (finding the context of each value). What is *inside* a
//! SQL string literal (JSON or plain text) is worked out by `sqlstring.rs`.

/// The dialect of the text being scanned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// SQL (SQLite): `'strings'`, `"identifiers"`, `` `identifiers` `` (doubled-quote
    /// escapes) and `[identifiers]` (no escape at all), `-- line` and `/* block */` comments.
    Sql,
    /// JSON: `"strings"` with backslash escapes, no comments.
    Json,
    /// Jsonnet: `"..."` and `'...'` strings with backslash escapes, verbatim
    /// `@"..."` / `@'...'` strings (doubled-quote escapes), `|||` text blocks,
    /// `//`, `#` and `/* */` comments.
    Jsonnet,
}

/// Where the scanner currently is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ctx {
    Code,
    /// SQL string literal, or jsonnet single-quoted string.
    SingleQuoted,
    /// SQL `"` quoted identifier, or JSON/jsonnet double-quoted string.
    DoubleQuoted,
    /// SQL `` ` `` quoted identifier.
    Backtick,
    /// SQL `[...]` identifier: nothing can be escaped inside it.
    Bracket,
    /// Jsonnet `@'...'` / `@"..."`: the quote byte, doubled to escape it.
    Verbatim(u8),
    /// Jsonnet `|||` text block.
    TextBlock,
    LineComment,
    BlockComment,
}

/// Incremental scanner: call [`Scanner::advance`] on the remaining text and it
/// consumes one lexical unit, updating the context.
#[derive(Clone, Debug)]
pub(crate) struct Scanner {
    pub(crate) dialect: Dialect,
    pub(crate) ctx: Ctx,
    /// A backslash was consumed inside a string and the character it escapes has
    /// not been seen yet (it may be a placeholder, which then cannot be escaped).
    pub(crate) escape_pending: bool,
}

impl Scanner {
    pub(crate) fn new(dialect: Dialect) -> Self {
        Scanner {
            dialect,
            ctx: Ctx::Code,
            escape_pending: false,
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
        if self.escape_pending {
            self.escape_pending = false;
            return first;
        }
        let b = rest.as_bytes()[0];
        match self.ctx {
            Ctx::Code => self.advance_code(rest, first),
            Ctx::SingleQuoted | Ctx::DoubleQuoted => {
                let quote = if self.ctx == Ctx::SingleQuoted {
                    b'\''
                } else {
                    b'"'
                };
                if self.dialect != Dialect::Sql && b == b'\\' {
                    // The escaped character is consumed by the next call, so a
                    // placeholder right after the backslash can tell.
                    self.escape_pending = true;
                    return 1;
                }
                if b == quote {
                    // SQL's doubled quote (`''`) closes and immediately reopens,
                    // which this toggle models without special casing.
                    self.ctx = Ctx::Code;
                }
                first
            }
            Ctx::Backtick => {
                if b == b'`' {
                    self.ctx = Ctx::Code;
                }
                first
            }
            Ctx::Bracket => {
                if b == b']' {
                    self.ctx = Ctx::Code;
                }
                first
            }
            Ctx::Verbatim(q) => {
                if b == q {
                    if rest.as_bytes().get(1) == Some(&q) {
                        return 2;
                    }
                    self.ctx = Ctx::Code;
                }
                first
            }
            Ctx::TextBlock => {
                if rest.starts_with("|||") {
                    self.ctx = Ctx::Code;
                    return 3;
                }
                first
            }
            Ctx::LineComment => {
                if b == b'\n' {
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

    fn advance_code(&mut self, rest: &str, first: usize) -> usize {
        if let Some((ctx, len)) = self.comment_start(rest) {
            self.ctx = ctx;
            return len;
        }
        let b = rest.as_bytes()[0];
        match (self.dialect, b) {
            (Dialect::Json, b'"') => self.ctx = Ctx::DoubleQuoted,
            (Dialect::Sql, b'\'') => self.ctx = Ctx::SingleQuoted,
            (Dialect::Sql, b'"') => self.ctx = Ctx::DoubleQuoted,
            (Dialect::Sql, b'`') => self.ctx = Ctx::Backtick,
            (Dialect::Sql, b'[') => self.ctx = Ctx::Bracket,
            (Dialect::Jsonnet, b'\'') => self.ctx = Ctx::SingleQuoted,
            (Dialect::Jsonnet, b'"') => self.ctx = Ctx::DoubleQuoted,
            (Dialect::Jsonnet, b'@') => {
                if let Some(&q @ (b'"' | b'\'')) = rest.as_bytes().get(1) {
                    self.ctx = Ctx::Verbatim(q);
                    return 2;
                }
            }
            (Dialect::Jsonnet, b'|') if rest.starts_with("|||") => {
                self.ctx = Ctx::TextBlock;
                return 3;
            }
            _ => {}
        }
        first
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
    fn sql_identifier_quotes() {
        assert_eq!(contexts(Dialect::Sql, "`a'b`").last(), Some(&Ctx::Code));
        assert_eq!(contexts(Dialect::Sql, "[a'b").last(), Some(&Ctx::Bracket));
        assert_eq!(contexts(Dialect::Sql, "[a'b]").last(), Some(&Ctx::Code));
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
    fn jsonnet_verbatim_and_text_blocks() {
        // A backslash does not escape in a verbatim string; a doubled quote does.
        assert_eq!(
            contexts(Dialect::Jsonnet, r#"@"a\" x"#).last(),
            Some(&Ctx::Code)
        );
        assert_eq!(
            contexts(Dialect::Jsonnet, r#"@'it''s"#).last(),
            Some(&Ctx::Verbatim(b'\''))
        );
        assert_eq!(
            contexts(Dialect::Jsonnet, "|||\n  a ' \" \n|||").last(),
            Some(&Ctx::Code)
        );
        assert_eq!(
            contexts(Dialect::Jsonnet, "|||\n  a").last(),
            Some(&Ctx::TextBlock)
        );
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
