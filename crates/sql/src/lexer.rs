//! The small hand-written lexer of StackQL-only statements (EXEC, SHOW, DESCRIBE, REGISTRY,
//! views): words, dotted names, quoted literals, comments skipped, and errors that point at
//! the script's line and column.

use crate::{Literal, SqlError};

pub(crate) struct Lexer<'a> {
    pub(crate) text: &'a str,
    pub(crate) pos: usize,
    first_line: usize,
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(text: &'a str, first_line: usize) -> Self {
        let mut lx = Lexer {
            text,
            pos: 0,
            first_line,
        };
        lx.skip_ws();
        lx
    }
    pub(crate) fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }
    pub(crate) fn at_end(&mut self) -> bool {
        self.skip_ws();
        self.rest().trim().is_empty()
    }
    pub(crate) fn skip_ws(&mut self) {
        loop {
            let r = self.rest();
            let trimmed = r.trim_start();
            self.pos += r.len() - trimmed.len();
            if let Some(after) = trimmed.strip_prefix("--") {
                self.pos += 2 + after.find('\n').map(|i| i + 1).unwrap_or(after.len());
            } else if let Some(after) = trimmed.strip_prefix("/*") {
                self.pos += 2 + after.find("*/").map(|i| i + 2).unwrap_or(after.len());
            } else {
                return;
            }
        }
    }
    pub(crate) fn word_len(&self, dots: bool) -> usize {
        let r = self.rest();
        r.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-' || (dots && c == '.')))
            .unwrap_or(r.len())
    }
    pub(crate) fn peek_word(&mut self) -> &'a str {
        self.skip_ws();
        let n = self.word_len(false);
        &self.rest()[..n]
    }
    pub(crate) fn word(&mut self) -> String {
        let w = self.peek_word();
        self.pos += w.len();
        w.to_string()
    }
    pub(crate) fn rest_first_word(&mut self) -> String {
        self.skip_ws();
        self.rest()
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_string()
    }
    pub(crate) fn eat_keyword(&mut self, kw: &str) -> bool {
        if self.peek_word().eq_ignore_ascii_case(kw) {
            self.pos += kw.len();
            true
        } else {
            false
        }
    }
    /// A dotted name; parts may be double-quoted or backquoted (`"aws"."sagemaker"."images"`).
    pub(crate) fn name(&mut self) -> String {
        self.skip_ws();
        let mut out = String::new();
        loop {
            let r = self.rest();
            if let Some(q) = r.chars().next().filter(|c| *c == '"' || *c == '`') {
                match r[1..].find(q) {
                    Some(end) => {
                        out.push_str(&r[1..1 + end]);
                        self.pos += end + 2;
                    }
                    None => return out,
                }
            } else {
                let n = self.word_len(false);
                if n == 0 {
                    return out;
                }
                out.push_str(&r[..n]);
                self.pos += n;
            }
            if self.rest().starts_with('.') {
                out.push('.');
                self.pos += 1;
            } else {
                return out;
            }
        }
    }
    pub(crate) fn string_literal(&mut self) -> Result<Option<String>, SqlError> {
        self.skip_ws();
        let r = self.rest();
        let Some(q) = r.chars().next().filter(|c| *c == '\'' || *c == '"') else {
            return Ok(None);
        };
        let mut out = String::new();
        let mut chars = r.char_indices().skip(1).peekable();
        while let Some((i, c)) = chars.next() {
            if c == q {
                if chars.peek().map(|(_, n)| *n) == Some(q) {
                    out.push(q);
                    chars.next();
                    continue;
                }
                self.pos += i + 1;
                return Ok(Some(out));
            }
            out.push(c);
        }
        Err(self.error("unterminated string literal"))
    }
    pub(crate) fn eat(&mut self, c: char) -> bool {
        self.skip_ws();
        if self.rest().starts_with(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }
    /// A quoted string, a number, `true`, `false` or `null`.
    pub(crate) fn literal(&mut self) -> Result<Literal, SqlError> {
        if let Some(s) = self.string_literal()? {
            return Ok(Literal::Text(s));
        }
        self.skip_ws();
        let r = self.rest();
        let n = r
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.' || c == '-' || c == '+'))
            .unwrap_or(r.len());
        let w = &r[..n];
        let lit = match w.to_ascii_lowercase().as_str() {
            "true" => Literal::Bool(true),
            "false" => Literal::Bool(false),
            "null" => Literal::Null,
            _ => match w.parse::<i64>() {
                Ok(i) => Literal::Integer(i),
                Err(_) => match w.parse::<f64>() {
                    Ok(f) => Literal::Real(f),
                    Err(_) => {
                        return Err(
                            self.error("expected a quoted string, a number, true, false or null")
                        )
                    }
                },
            },
        };
        self.pos += n;
        Ok(lit)
    }
    pub(crate) fn error(&self, msg: &str) -> SqlError {
        let before = &self.text[..self.pos];
        let line = before.matches('\n').count() + self.first_line;
        let col = before
            .rsplit('\n')
            .next()
            .map(|l| l.chars().count())
            .unwrap_or(0)
            + 1;
        SqlError::Syntax {
            message: msg.to_string(),
            position: Some((line as u64, col as u64)),
        }
    }
}
