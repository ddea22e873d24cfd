//! What a SQL string literal holds (a JSON document or plain text) and so how each placeholder inside it is escaped.
//!
//! Templates usually build JSON inside SQL strings
//! (`'[{"Key":"k","Value":"{{ v }}"}]'`), where escaping for SQL alone lets a
//! value close the JSON string and add members of its own. The literal is
//! classified from the template's own text, never from the values (they are
//! opaque here), so a value cannot change how it is escaped:
//!
//! - the literal's first non-blank character is `{` or `[` and its text is
//!   lexically JSON (strings, numbers, `true`/`false`/`null`, punctuation):
//!   a JSON document. A placeholder inside a JSON string is JSON-escaped; one
//!   where a JSON value goes becomes a JSON value; anywhere else (glued to a
//!   number, after a backslash, ...) it is refused.
//! - the first non-blank character is `"`: a JSON string or text quoting
//!   something; the two need different escaping, so placeholders are refused.
//! - otherwise (or a placeholder comes first): plain text.

/// Part of a literal's content: text (with SQL's `''` already undone) or a placeholder.
#[derive(Debug, PartialEq)]
pub(crate) enum Piece {
    Text(String),
    Slot,
}

/// How the n-th placeholder of a literal is rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SlotCtx {
    /// Plain text: the value's text.
    Text,
    /// Inside a JSON string: the value's text JSON-escaped.
    JsonString,
    /// Where a JSON value goes: the value as JSON.
    JsonValue,
    /// Refused: why.
    Refused(&'static str),
}

/// One context per `Piece::Slot`, in order.
pub(crate) fn classify(pieces: &[Piece]) -> Vec<SlotCtx> {
    let slots = pieces.iter().filter(|p| **p == Piece::Slot).count();
    let first = pieces.iter().find_map(|p| match p {
        Piece::Slot => Some(None),
        Piece::Text(t) => t.chars().find(|c| !c.is_whitespace()).map(Some),
    });
    match first.flatten() {
        Some('{' | '[') => json_contexts(pieces).unwrap_or_else(|| vec![SlotCtx::Text; slots]),
        Some('"') => vec![
            SlotCtx::Refused(
                "the SQL string starts with '\"', so it may be a JSON string or text that quotes something, which are escaped differently"
            );
            slots
        ],
        _ => vec![SlotCtx::Text; slots],
    }
}

const GLUED: &str = "it is glued to other JSON text (a placeholder must be a whole JSON value or sit inside a JSON string)";

/// The previous significant token of a JSON text, for checking where a placeholder stands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Prev {
    /// Start of the text, `[`, `{`, `,` or `:`: a value may follow.
    Open,
    /// `]`, `}`, a string, a number, a word or a placeholder.
    Value,
}

/// Contexts for a literal that starts like JSON, or `None` when its text is not JSON
/// (then it is plain text that happens to start with a bracket, like `'[draft] ...'`).
fn json_contexts(pieces: &[Piece]) -> Option<Vec<SlotCtx>> {
    let mut out: Vec<SlotCtx> = Vec::new();
    let mut in_str = false;
    let mut escape = false;
    let mut word = String::new();
    let mut prev = Prev::Open;
    // Index into `out` of a placeholder standing as a JSON value, until the next
    // token shows whether it is followed by a separator.
    let mut open_slot: Option<usize> = None;

    // A token that is a value (string, word, number, placeholder) follows.
    fn value_follows(out: &mut [SlotCtx], open_slot: &mut Option<usize>) {
        if let Some(i) = open_slot.take() {
            out[i] = SlotCtx::Refused(GLUED);
        }
    }

    for piece in pieces {
        match piece {
            Piece::Slot => {
                if in_str {
                    out.push(if escape {
                        SlotCtx::Refused("it follows a backslash inside a JSON string")
                    } else {
                        SlotCtx::JsonString
                    });
                    escape = false;
                    continue;
                }
                if !flush_word(&mut word, &mut prev, &mut out, &mut open_slot)? {
                    out.push(SlotCtx::Refused(GLUED));
                    prev = Prev::Value;
                    continue;
                }
                value_follows(&mut out, &mut open_slot);
                if prev == Prev::Value {
                    out.push(SlotCtx::Refused(GLUED));
                } else {
                    out.push(SlotCtx::JsonValue);
                    open_slot = Some(out.len() - 1);
                }
                prev = Prev::Value;
            }
            Piece::Text(text) => {
                for c in text.chars() {
                    if in_str {
                        if escape {
                            escape = false;
                        } else if c == '\\' {
                            escape = true;
                        } else if c == '"' {
                            in_str = false;
                        }
                        continue;
                    }
                    match c {
                        c if c.is_whitespace() => {
                            flush_word(&mut word, &mut prev, &mut out, &mut open_slot)?;
                        }
                        '{' | '[' | ',' | ':' | '}' | ']' => {
                            flush_word(&mut word, &mut prev, &mut out, &mut open_slot)?;
                            if matches!(c, '{' | '[') {
                                value_follows(&mut out, &mut open_slot);
                            }
                            open_slot = None;
                            prev = if matches!(c, '}' | ']') {
                                Prev::Value
                            } else {
                                Prev::Open
                            };
                        }
                        '"' => {
                            flush_word(&mut word, &mut prev, &mut out, &mut open_slot)?;
                            value_follows(&mut out, &mut open_slot);
                            in_str = true;
                            prev = Prev::Value;
                        }
                        c if c.is_ascii_alphanumeric() || matches!(c, '-' | '+' | '.') => {
                            word.push(c)
                        }
                        _ => return None,
                    }
                }
            }
        }
    }
    flush_word(&mut word, &mut prev, &mut out, &mut open_slot)?;
    Some(out)
}

/// Ends a bare word (number or literal). `None`: it is not JSON. `Some(false)`: there was
/// a word (so a placeholder right after it would be glued to it).
fn flush_word(
    word: &mut String,
    prev: &mut Prev,
    out: &mut [SlotCtx],
    open_slot: &mut Option<usize>,
) -> Option<bool> {
    if word.is_empty() {
        return Some(true);
    }
    let is_number = word
        .strip_prefix('-')
        .unwrap_or(word)
        .starts_with(|c: char| c.is_ascii_digit())
        && word
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'));
    if !is_number && !matches!(word.as_str(), "true" | "false" | "null") {
        return None;
    }
    if let Some(i) = open_slot.take() {
        out[i] = SlotCtx::Refused(GLUED);
    }
    word.clear();
    *prev = Prev::Value;
    Some(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `{}` marks a placeholder.
    fn ctxs(literal: &str) -> Vec<SlotCtx> {
        let mut pieces = Vec::new();
        for (i, part) in literal.split("{}").enumerate() {
            if i > 0 {
                pieces.push(Piece::Slot);
            }
            pieces.push(Piece::Text(part.to_string()));
        }
        classify(&pieces)
    }

    fn refused(c: &SlotCtx) -> bool {
        matches!(c, SlotCtx::Refused(_))
    }

    #[test]
    fn json_documents() {
        use SlotCtx::*;
        assert_eq!(
            ctxs(r#"[{"op":"add","path":"/X","value":"{}"}]"#),
            vec![JsonString]
        );
        assert_eq!(
            ctxs(r#"{"a": {}, "b": [{}, 1]}"#),
            vec![JsonValue, JsonValue]
        );
        assert_eq!(ctxs(r#" { "k{}": true }"#), vec![JsonString]);
    }

    #[test]
    fn plain_text() {
        use SlotCtx::*;
        assert_eq!(ctxs("hello {}"), vec![Text]);
        assert_eq!(ctxs("{}[1]"), vec![Text]);
        assert_eq!(ctxs(r#"[draft] "{}""#), vec![Text]);
        assert_eq!(ctxs("{ name: {} }"), vec![Text]);
    }

    #[test]
    fn refusals() {
        assert!(ctxs(r#""{}""#).iter().all(refused));
        assert!(refused(&ctxs(r#"{"a": 1{}}"#)[0]));
        assert!(refused(&ctxs(r#"{"a": {}1}"#)[0]));
        assert!(refused(&ctxs(r#"{"a": {} "b"}"#)[0]));
        assert!(refused(&ctxs(r#"[{}{}]"#)[1]));
        assert!(refused(&ctxs(r#"["\{}"]"#)[0]));
        assert!(refused(&ctxs(r#"[{} [1]]"#)[0]));
    }
}
