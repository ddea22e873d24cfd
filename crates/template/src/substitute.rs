//! The substitution pass: each value marker in minijinja's output replaced by the value escaped for its context.
//!
//! | where the marker landed (SQL)          | rendering                                            |
//! |----------------------------------------|------------------------------------------------------|
//! | code                                   | SQL literal (`'text'`, `42`, `true`, `NULL`, `'[json]'`) |
//! | SQL string holding plain text          | text, `'` doubled                                    |
//! | JSON string inside a SQL string        | text JSON-escaped, then `'` doubled                  |
//! | JSON value position inside a SQL string| the value as JSON, then `'` doubled                  |
//! | `"ident"` / `` `ident` ``              | text (refused if it holds that quote)                |
//!
//! In a JSON data block a value inside a string is JSON-escaped and anywhere
//! else is a JSON value; jsonnet adds `'...'` strings (`'` escaped too) and
//! verbatim `@'...'` strings (quote doubled). Everything else is refused with
//! the placeholder's line and column rather than guessed: `[identifiers]`,
//! comments, jsonnet `|||` blocks, right after a backslash, glued to JSON text
//! (`sqlstring.rs`), a NUL in SQL text (SQLite would cut the statement there), a
//! SQL literal touching another quote (the two would merge into one string) and
//! a negative number after `-` (`--` starts a comment).

use serde_json::Value as Json;

use crate::error::TemplateError;
use crate::lexer::{Ctx, Dialect, Scanner};
use crate::sqlstring::{self, Piece, SlotCtx};

pub(crate) const MARK_OPEN: char = '\u{E000}';
pub(crate) const MARK_CLOSE: char = '\u{E001}';

/// One value printed by the template, before escaping.
#[derive(Debug, Clone)]
pub(crate) struct Slot {
    pub value: SlotValue,
    /// Index of the print tag that printed it (for its line and column).
    pub at: Option<usize>,
}

#[derive(Debug, Clone)]
pub(crate) enum SlotValue {
    /// `| raw`: template text, put in before the context pass.
    Raw(String),
    Value(Json),
}

/// A slot's 1-based line and column in the script.
pub(crate) type Position<'a> = &'a dyn Fn(&Slot) -> (usize, usize);

/// See the module docs.
pub(crate) fn substitute(
    rendered: &str,
    slots: &[Slot],
    dialect: Dialect,
    position: Position<'_>,
) -> Result<String, TemplateError> {
    let text = inline_raw(rendered, slots, position)?;
    let mut pass = Pass {
        slots,
        position,
        out: String::with_capacity(text.len() + 64),
        scanner: Scanner::new(dialect),
        literal_end: None,
    };
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        if let Some((idx, len)) = marker(rest, slots) {
            pass.slot(idx)?;
            i += len;
            continue;
        }
        if dialect == Dialect::Sql && pass.scanner.ctx == Ctx::Code && rest.starts_with('\'') {
            if let Some((idx, end)) = pass.literal_end {
                if end == pass.out.len() {
                    return Err(pass.refuse(idx, MERGE));
                }
            }
            i += pass.sql_string(rest)?;
            continue;
        }
        let n = pass.scanner.advance(rest);
        pass.out.push_str(&rest[..n]);
        i += n;
    }
    Ok(pass.out)
}

const MERGE: &str =
    "its SQL string would touch another quote and the two would merge into one string";

/// `| raw` text is the template author's own text: put it in first so the
/// context pass sees the text that will really be sent.
fn inline_raw(
    rendered: &str,
    slots: &[Slot],
    position: Position<'_>,
) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(rendered.len());
    let mut i = 0;
    while i < rendered.len() {
        let rest = &rendered[i..];
        if let Some((idx, len)) = marker(rest, slots) {
            match &slots[idx].value {
                SlotValue::Raw(text) => {
                    if let Some(c) = text.chars().find(|c| *c == MARK_OPEN || *c == MARK_CLOSE) {
                        return Err(TemplateError::ReservedCharacter {
                            code: c as u32,
                            line: position(&slots[idx]).0,
                        });
                    }
                    out.push_str(text);
                }
                SlotValue::Value(_) => out.push_str(&rest[..len]),
            }
            i += len;
            continue;
        }
        let c = rest.chars().next().map_or(1, char::len_utf8);
        out.push_str(&rest[..c]);
        i += c;
    }
    Ok(out)
}

/// A well-formed marker at the head of `rest`: its slot index and byte length.
fn marker(rest: &str, slots: &[Slot]) -> Option<(usize, usize)> {
    marker_below(rest, slots.len())
}

/// A marker at the head of `rest` naming one of the first `count` slots.
fn marker_below(rest: &str, count: usize) -> Option<(usize, usize)> {
    let body = rest.strip_prefix(MARK_OPEN)?;
    let end = body.find(MARK_CLOSE)?;
    let idx: usize = body[..end].parse().ok()?;
    (idx < count).then_some((idx, MARK_OPEN.len_utf8() + end + MARK_CLOSE.len_utf8()))
}

/// Whether `text` holds a marker of one of the first `count` slots (it is template output).
pub(crate) fn holds_marker(text: &str, count: usize) -> bool {
    text.match_indices(MARK_OPEN)
        .any(|(i, _)| marker_below(&text[i..], count).is_some())
}

struct Pass<'a> {
    slots: &'a [Slot],
    position: Position<'a>,
    out: String,
    scanner: Scanner,
    /// The last SQL-code value that ended in `'`: its slot and where it ended in `out`.
    literal_end: Option<(usize, usize)>,
}

impl Pass<'_> {
    fn refuse(&self, idx: usize, reason: &str) -> TemplateError {
        let (line, column) = (self.position)(&self.slots[idx]);
        TemplateError::Placeholder {
            line,
            column,
            reason: reason.to_string(),
        }
    }

    fn value(&self, idx: usize) -> &Json {
        match &self.slots[idx].value {
            SlotValue::Value(v) => v,
            // Raw slots were inlined before this pass.
            SlotValue::Raw(_) => &Json::Null,
        }
    }

    /// A value outside SQL string literals (those are `sql_string`'s).
    fn slot(&mut self, idx: usize) -> Result<(), TemplateError> {
        let v = self.value(idx).clone();
        let dialect = self.scanner.dialect;
        let ctx = self.scanner.ctx;
        if self.scanner.escape_pending {
            return Err(self.refuse(idx, "it follows a backslash inside a string"));
        }
        let text = match (dialect, ctx) {
            (_, Ctx::LineComment | Ctx::BlockComment) => {
                return Err(self.refuse(idx, "it ends up inside a comment"))
            }
            (Dialect::Sql, Ctx::Code) => {
                let lit = sql_literal(&v);
                self.check_sql_text(idx, &lit)?;
                if lit.starts_with('\'') && self.out.ends_with('\'') {
                    return Err(self.refuse(idx, MERGE));
                }
                if lit.starts_with('-') && self.out.ends_with('-') {
                    return Err(self.refuse(
                        idx,
                        "it is a negative number right after '-', and '--' starts a comment",
                    ));
                }
                if lit.ends_with('\'') {
                    self.literal_end = Some((idx, self.out.len() + lit.len()));
                }
                lit
            }
            (Dialect::Sql, Ctx::SingleQuoted) => {
                // Not reached: SQL strings are handled whole by `sql_string`.
                let t = json_text(&v);
                self.check_sql_text(idx, &t)?;
                t.replace('\'', "''")
            }
            (Dialect::Sql, Ctx::DoubleQuoted) => self.identifier(idx, &v, '"')?,
            (Dialect::Sql, Ctx::Backtick) => self.identifier(idx, &v, '`')?,
            (_, Ctx::Bracket) => {
                return Err(self.refuse(
                    idx,
                    "it is inside a [bracketed] identifier, where ']' cannot be escaped; use \"double quotes\"",
                ))
            }
            (_, Ctx::TextBlock) => {
                return Err(self.refuse(
                    idx,
                    "it is inside a jsonnet ||| text block, which has no escapes; use a quoted string",
                ))
            }
            (Dialect::Json | Dialect::Jsonnet, Ctx::Code) => v.to_string(),
            (Dialect::Json | Dialect::Jsonnet, Ctx::DoubleQuoted) => json_escape(&json_text(&v)),
            (Dialect::Json | Dialect::Jsonnet, Ctx::SingleQuoted) => {
                json_escape(&json_text(&v)).replace('\'', "\\'")
            }
            (_, Ctx::Verbatim(q)) => {
                let q = char::from(q);
                json_text(&v).replace(q, &format!("{q}{q}"))
            }
            (Dialect::Json | Dialect::Jsonnet, Ctx::Backtick) => {
                return Err(self.refuse(idx, "it is inside an unknown kind of quote"))
            }
        };
        self.out.push_str(&text);
        Ok(())
    }

    /// A value inside a quoted identifier. SQL would allow its quote doubled, but the SQL
    /// front end (sqlparser) prints a doubled quote back as a single one, so a value
    /// holding the quote could not arrive intact and is refused.
    fn identifier(&self, idx: usize, v: &Json, quote: char) -> Result<String, TemplateError> {
        let t = json_text(v);
        self.check_sql_text(idx, &t)?;
        if t.contains(quote) {
            return Err(self.refuse(
                idx,
                "the value contains the quote of the identifier it is in, which the SQL front end would not keep",
            ));
        }
        Ok(t)
    }

    /// Text going into SQL outside JSON escaping must not hold a NUL: SQLite reads a
    /// statement only up to its first NUL.
    fn check_sql_text(&self, idx: usize, text: &str) -> Result<(), TemplateError> {
        if text.contains('\0') {
            return Err(self.refuse(
                idx,
                "the value contains a NUL character, which SQL text cannot carry",
            ));
        }
        Ok(())
    }

    /// The SQL string literal at the head of `rest` (which starts with `'`), with its
    /// placeholders escaped by what the literal holds. Returns the bytes consumed.
    fn sql_string(&mut self, rest: &str) -> Result<usize, TemplateError> {
        enum Part<'t> {
            Raw(&'t str),
            Slot(usize),
        }
        let mut parts = Vec::new();
        let mut pieces = Vec::new();
        let mut text = String::new();
        let mut seg_start = 1;
        let mut i = 1;
        let mut closed = false;
        while i < rest.len() {
            let r = &rest[i..];
            if let Some((idx, len)) = marker(r, self.slots) {
                parts.push(Part::Raw(&rest[seg_start..i]));
                parts.push(Part::Slot(idx));
                pieces.push(Piece::Text(std::mem::take(&mut text)));
                pieces.push(Piece::Slot);
                i += len;
                seg_start = i;
                continue;
            }
            if r.starts_with("''") {
                text.push('\'');
                i += 2;
                continue;
            }
            if r.starts_with('\'') {
                closed = true;
                break;
            }
            let c = r.chars().next().unwrap_or('\0');
            text.push(c);
            i += c.len_utf8();
        }
        parts.push(Part::Raw(&rest[seg_start..i]));
        pieces.push(Piece::Text(text));

        let mut ctxs = sqlstring::classify(&pieces).into_iter();
        self.out.push('\'');
        for part in parts {
            match part {
                Part::Raw(s) => self.out.push_str(s),
                Part::Slot(idx) => {
                    let ctx = ctxs.next().unwrap_or(SlotCtx::Text);
                    let v = self.value(idx);
                    let text = match ctx {
                        SlotCtx::Text => {
                            let t = json_text(v);
                            self.check_sql_text(idx, &t)?;
                            t
                        }
                        SlotCtx::JsonString => json_escape(&json_text(v)),
                        SlotCtx::JsonValue => v.to_string(),
                        SlotCtx::Refused(reason) => return Err(self.refuse(idx, reason)),
                    };
                    self.out.push_str(&text.replace('\'', "''"));
                }
            }
        }
        if closed {
            self.out.push('\'');
            i += 1;
        }
        Ok(i)
    }
}

/// The "text" of a value: strings raw, null empty, everything else compact JSON.
pub(crate) fn json_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Null => String::new(),
        other => other.to_string(),
    }
}

/// JSON string escaping without the surrounding quotes.
fn json_escape(text: &str) -> String {
    let quoted = Json::String(text.to_string()).to_string();
    quoted[1..quoted.len() - 1].to_string()
}

/// A value as a SQL literal, for placeholders outside quotes.
pub(crate) fn sql_literal(v: &Json) -> String {
    match v {
        Json::Null => "NULL".to_string(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) => n.to_string(),
        Json::String(s) => quote_sql(s),
        other => quote_sql(&other.to_string()),
    }
}

fn quote_sql(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sql_literal_kinds() {
        assert_eq!(sql_literal(&json!("it's")), "'it''s'");
        assert_eq!(sql_literal(&json!(42)), "42");
        assert_eq!(sql_literal(&json!(-1.5)), "-1.5");
        assert_eq!(sql_literal(&json!(true)), "true");
        assert_eq!(sql_literal(&json!(null)), "NULL");
        assert_eq!(sql_literal(&json!([{"K": "o'k"}])), r#"'[{"K":"o''k"}]'"#);
    }

    fn run(text: &str, values: &[Json], dialect: Dialect) -> Result<String, TemplateError> {
        let slots: Vec<Slot> = values
            .iter()
            .enumerate()
            .map(|(i, v)| Slot {
                value: SlotValue::Value(v.clone()),
                at: Some(i),
            })
            .collect();
        let text = text
            .split("{}")
            .enumerate()
            .map(|(i, part)| {
                if i == 0 {
                    part.to_string()
                } else {
                    format!("{MARK_OPEN}{}{MARK_CLOSE}{part}", i - 1)
                }
            })
            .collect::<String>();
        substitute(&text, &slots, dialect, &|s: &Slot| {
            (1, s.at.unwrap_or(0) + 1)
        })
    }

    #[test]
    fn json_in_sql_string_is_json_then_sql_escaped() {
        let v = json!("a\"b'c\\");
        assert_eq!(
            run(r#"'{"k":"{}"}'"#, std::slice::from_ref(&v), Dialect::Sql).unwrap(),
            r#"'{"k":"a\"b''c\\"}'"#
        );
        assert_eq!(
            run(r#"'{"k": {}}'"#, &[v], Dialect::Sql).unwrap(),
            r#"'{"k": "a\"b''c\\"}'"#
        );
    }

    #[test]
    fn refusals_name_the_placeholder() {
        let err = run("x = [{}]", &[json!("a")], Dialect::Sql).unwrap_err();
        assert!(
            matches!(
                err,
                TemplateError::Placeholder {
                    line: 1,
                    column: 1,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(run("{}{}", &[json!("a"), json!("b")], Dialect::Sql).is_err());
        assert!(run("{}'x'", &[json!("a")], Dialect::Sql).is_err());
        assert!(run("'x'{}", &[json!("a")], Dialect::Sql).is_err());
        assert!(run("5-{}", &[json!(-1)], Dialect::Sql).is_err());
        assert_eq!(run("5-{}", &[json!(1)], Dialect::Sql).unwrap(), "5-1");
        assert!(run("{}", &[json!("a\0b")], Dialect::Sql).is_err());
        assert!(run(r#""\{}""#, &[json!("a")], Dialect::Json).is_err());
        assert!(run("|||\n {}\n|||", &[json!("a")], Dialect::Jsonnet).is_err());
    }

    #[test]
    fn identifiers_and_verbatim_strings() {
        assert_eq!(run("`{}`", &[json!("a'b")], Dialect::Sql).unwrap(), "`a'b`");
        assert!(run("`{}`", &[json!("a`b")], Dialect::Sql).is_err());
        assert!(run("\"{}\"", &[json!("a\"b")], Dialect::Sql).is_err());
        assert_eq!(
            run("@'{}'", &[json!("it's \\n")], Dialect::Jsonnet).unwrap(),
            "@'it''s \\n'"
        );
    }
}
