//! Renders one template (SQL body or data block): minijinja for the template language, then each printed value escaped for where it landed.
//!
//! How it works, and why:
//! 1. A pre-pass over the source wraps comments that contain template tags in
//!    `{% raw %}` (comments are never rendered), strips the leading dot of
//!    Go-style `{{ .name }}`, and puts `{{ __stackql_at(n) }}` in front of each
//!    print tag so a value knows the line and column it was written at. It
//!    inserts no newlines, so minijinja's line numbers stay those of the source.
//! 2. minijinja renders the whole template, so control flow (`{% if %}`,
//!    `{% for %}`, `{% set %}`), filters and attribute access all work. Our
//!    formatter does not print values: it records each value in a side table
//!    and prints a marker (`U+E000 index U+E001`) instead.
//! 3. `substitute.rs` scans the rendered text (with `| raw` text put in first,
//!    since it is template text by the author's choice) and replaces each
//!    marker with the value escaped for the context the marker landed in. Doing
//!    this after control flow means a placeholder's context is the one it
//!    really has in the final text.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use minijinja::value::{Object, Value};
use minijinja::{Environment, ErrorKind, UndefinedBehavior};
use serde_json::Value as Json;

use crate::error::TemplateError;
use crate::lexer::{comment_len, Dialect, Scanner};
use crate::substitute::{self, Slot, SlotValue, MARK_CLOSE, MARK_OPEN};
use crate::Vars;

/// The function the pre-pass calls in front of every print tag.
const AT_FN: &str = "__stackql_at";

/// The result of the `raw` filter: a distinct type so the formatter can tell
/// it apart from an ordinary string (minijinja's "safe" strings cannot be
/// used for this, since `tojson` also returns one).
#[derive(Debug)]
struct RawText(String);

impl Object for RawText {
    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The result of `__stackql_at(n)`: prints nothing, tells the formatter that the
/// next value comes from print tag `n`.
#[derive(Debug)]
struct At(usize);

impl Object for At {}

/// What the formatter collects while minijinja renders.
#[derive(Default)]
struct Recorder {
    slots: Vec<Slot>,
    next_at: Option<usize>,
}

/// Render `source` in `dialect` with `vars`. `line_offset` is added to every
/// reported line so errors point into the whole script.
pub(crate) fn render(
    source: &str,
    vars: &Vars,
    dialect: Dialect,
    line_offset: usize,
) -> Result<String, TemplateError> {
    if let Some((idx, c)) = source
        .char_indices()
        .find(|(_, c)| *c == MARK_OPEN || *c == MARK_CLOSE)
    {
        return Err(TemplateError::ReservedCharacter {
            code: c as u32,
            line: line_of(source, idx) + line_offset,
        });
    }
    // Fast path: nothing to render, and the text must come back byte-for-byte.
    if !source.contains("{{") && !source.contains("{%") && !source.contains("{#") {
        return Ok(source.to_string());
    }

    let (prepared, positions) = prepare(source, dialect);
    let recorder: Arc<Mutex<Recorder>> = Arc::default();
    let env = environment(Arc::clone(&recorder));

    let tmpl = env
        .template_from_str(&prepared)
        .map_err(|e| TemplateError::Syntax {
            line: e.line().unwrap_or(1) + line_offset,
            message: detail(&e),
        })?;
    let ctx = Value::from(minijinja::value::Serde(vars));
    let rendered = tmpl
        .render(ctx)
        .map_err(|e| render_error(&e, &prepared, &tmpl, vars, line_offset))?;

    let slots = std::mem::take(&mut recorder.lock().unwrap_or_else(|p| p.into_inner()).slots);
    let position = |slot: &Slot| {
        slot.at
            .and_then(|n| positions.get(n))
            .map_or((line_offset + 1, 1), |&(l, c)| (l + line_offset, c))
    };
    substitute::substitute(&rendered, &slots, dialect, &position)
}

/// Template instructions one script may run: far above any real script (a placeholder is a
/// few), low enough that a runaway `{% for %}` stops in about a second instead of filling
/// memory.
pub const TEMPLATE_FUEL: u64 = 10_000_000;

fn environment(recorder: Arc<Mutex<Recorder>>) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_fuel(Some(TEMPLATE_FUEL));
    // Semi-strict: printing or iterating an undefined value is an error (the
    // user forgot a --var), but `{% if optional %}` still works.
    env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
    // Scripts are files; dropping their final newline would be surprising.
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .keep_trailing_newline(true)
        .build()
        .expect("default delimiters are valid");
    env.set_syntax(syntax);
    env.add_filter("raw", |v: Value| -> Value {
        let text = match v.as_str() {
            Some(s) => s.to_string(),
            None => substitute::json_text(&to_json(&v)),
        };
        Value::from_object(RawText(text))
    });
    env.add_function(AT_FN, |n: usize| Value::from_object(At(n)));
    env.set_formatter(move |out, _state, value| {
        let mut rec = recorder.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(at) = value.downcast_object_ref::<At>() {
            rec.next_at = Some(at.0);
            return Ok(());
        }
        let value = match value.downcast_object_ref::<RawText>() {
            Some(raw) => SlotValue::Raw(raw.0.clone()),
            // Captured template output (a macro call, a `{% set %}` block) carries the
            // markers of the values printed inside it; printed again it would hide them
            // inside one opaque value, so it is refused rather than mangled.
            None if value
                .as_str()
                .is_some_and(|s| substitute::holds_marker(s, rec.slots.len())) =>
            {
                return Err(minijinja::Error::new(
                    ErrorKind::InvalidOperation,
                    "this prints the output of a macro or a {% set %} block that itself prints values; print those values directly",
                ));
            }
            None => SlotValue::Value(to_json(value)),
        };
        let idx = rec.slots.len();
        let at = rec.next_at.take();
        rec.slots.push(Slot { value, at });
        write!(out, "{MARK_OPEN}{idx}{MARK_CLOSE}").map_err(minijinja::Error::from)
    });
    env
}

/// minijinja value -> JSON; values that are not data (macros, ...) become their text.
fn to_json(v: &Value) -> Json {
    serde_json::to_value(v).unwrap_or_else(|_| Json::String(v.to_string()))
}

fn detail(e: &minijinja::Error) -> String {
    e.detail()
        .map(str::to_string)
        .unwrap_or_else(|| e.kind().to_string())
}

/// 1-based line of byte offset `idx` in `text`.
fn line_of(text: &str, idx: usize) -> usize {
    text[..idx].matches('\n').count() + 1
}

// ---------------------------------------------------------------------------
// Pre-pass
// ---------------------------------------------------------------------------

/// The closing delimiter of the template tag opening at the head of `rest`.
fn tag_close(rest: &str) -> Option<&'static str> {
    if rest.starts_with("{{") {
        Some("}}")
    } else if rest.starts_with("{%") {
        Some("%}")
    } else if rest.starts_with("{#") {
        Some("#}")
    } else {
        None
    }
}

/// Byte length of the tag at the head of `rest`, up to and including `close`,
/// skipping string literals inside the tag (so `{{ "}}" }}` is one tag).
/// Unterminated tags run to the end; minijinja reports the syntax error.
fn tag_len(rest: &str, close: &str) -> usize {
    let bytes = rest.as_bytes();
    let mut i = 2;
    let mut quote: Option<u8> = None;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) => {
                if b == b'\\' {
                    i += 1;
                } else if b == q {
                    quote = None;
                }
            }
            // Jinja comments may contain anything, quotes included.
            None if close != "#}" && (b == b'"' || b == b'\'') => quote = Some(b),
            // Bytes, not `&rest[i..]`: `i` may be inside a multi-byte character.
            None if bytes[i..].starts_with(close.as_bytes()) => return i + close.len(),
            None => {}
        }
        i += 1;
    }
    rest.len()
}

/// Length of the whitespace-control sign (`-`/`+`) after a tag's opening `{{`/`{%`.
fn sign_len(tag: &str) -> usize {
    usize::from(tag[2..].starts_with(['-', '+']))
}

/// The words of a `{% ... %}` tag, without delimiters and whitespace control.
fn block_tag_body(tag: &str) -> &str {
    let inner = tag.get(2..tag.len().saturating_sub(2)).unwrap_or("");
    inner.trim_matches(|c: char| c == '-' || c == '+' || c.is_whitespace())
}

/// `{{ .name }}` (Go template style) -> `{{ name }}`.
fn strip_go_dot(tag: &str) -> String {
    let head = 2 + sign_len(tag);
    let ws = tag[head..].len() - tag[head..].trim_start().len();
    let after = &tag[head + ws..];
    let mut chars = after.chars();
    if chars.next() == Some('.') && chars.next().is_some_and(|c| c.is_alphabetic() || c == '_') {
        let mut out = String::with_capacity(tag.len());
        out.push_str(&tag[..head + ws]);
        out.push_str(&after[1..]);
        return out;
    }
    tag.to_string()
}

/// See the module docs, step 1. Returns the prepared template and, per print
/// tag, its 1-based line and column in `source`.
fn prepare(source: &str, dialect: Dialect) -> (String, Vec<(usize, usize)>) {
    let mut out = String::with_capacity(source.len() + 32);
    let mut positions = Vec::new();
    let mut scanner = Scanner::new(dialect);
    let (mut line, mut line_start) = (1, 0);
    let mut i = 0;
    while i < source.len() {
        let rest = &source[i..];
        if let Some(close) = tag_close(rest) {
            // Template tags are opaque to the SQL lexer: a quote inside
            // `{{ "it's" }}` must not open a SQL string.
            let mut len = tag_len(rest, close);
            let tag = &rest[..len];
            if close == "}}" {
                let column = source[line_start..i].chars().count() + 1;
                let tag = strip_go_dot(tag);
                let head = 2 + sign_len(&tag);
                out.push_str(&tag[..head]);
                out.push_str(&format!(" {AT_FN}({}) }}}}{{{{", positions.len()));
                out.push_str(&tag[head..]);
                positions.push((line, column));
            } else if close == "%}" && block_tag_body(tag) == "raw" {
                // A `{% raw %}` section is the user's literal text: copy it whole.
                len += raw_section_len(&rest[len..]);
                out.push_str(&rest[..len]);
            } else {
                out.push_str(tag);
            }
            for (k, b) in rest[..len].bytes().enumerate() {
                if b == b'\n' {
                    line += 1;
                    line_start = i + k + 1;
                }
            }
            i += len;
            continue;
        }
        let len = match scanner.comment_start(rest) {
            Some((ctx, open_len)) => {
                let len = comment_len(rest, ctx, open_len);
                let comment = &rest[..len];
                if tag_close_anywhere(comment) {
                    out.push_str("{% raw %}");
                    out.push_str(comment);
                    out.push_str("{% endraw %}");
                } else {
                    out.push_str(comment);
                }
                len
            }
            None => {
                let n = scanner.advance(rest);
                out.push_str(&rest[..n]);
                n
            }
        };
        for (k, b) in rest[..len].bytes().enumerate() {
            if b == b'\n' {
                line += 1;
                line_start = i + k + 1;
            }
        }
        i += len;
    }
    (out, positions)
}

/// Length of a `{% raw %}` section's body up to and including its `{% endraw %}`
/// (everything, if it is not closed: minijinja reports that).
fn raw_section_len(rest: &str) -> usize {
    let mut i = 0;
    while let Some(off) = rest[i..].find("{%") {
        let start = i + off;
        let len = tag_len(&rest[start..], "%}");
        if block_tag_body(&rest[start..start + len]) == "endraw" {
            return start + len;
        }
        i = start + 2;
    }
    rest.len()
}

fn tag_close_anywhere(s: &str) -> bool {
    s.contains("{{") || s.contains("{%") || s.contains("{#")
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

fn render_error(
    e: &minijinja::Error,
    prepared: &str,
    tmpl: &minijinja::Template<'_, '_>,
    vars: &Vars,
    line_offset: usize,
) -> TemplateError {
    let line = e.line().unwrap_or(1);
    if e.kind() == ErrorKind::UndefinedError {
        if let Some(name) = undefined_name(prepared, line, tmpl, vars) {
            return TemplateError::UndefinedVariable {
                name,
                line: line + line_offset,
            };
        }
    }
    TemplateError::Render {
        line: line + line_offset,
        message: detail(e),
    }
}

/// Work out which variable was missing. minijinja reports the line but not
/// the name, so: take the template's undeclared variables that the context
/// lacks and prefer one that appears in a tag on the failing line; failing
/// that, a single placeholder on that line is named by its expression
/// (`{{ obj.missing }}`).
fn undefined_name(
    prepared: &str,
    line: usize,
    tmpl: &minijinja::Template<'_, '_>,
    vars: &Vars,
) -> Option<String> {
    let missing: Vec<String> = {
        let mut m: Vec<String> = tmpl
            .undeclared_variables(false)
            .into_iter()
            .filter(|n| !vars.contains_key(n) && n != AT_FN)
            .collect();
        m.sort();
        m
    };
    // The pre-pass's own position tags are not the user's.
    let tags: Vec<&str> = tags_on_line(prepared, line)
        .into_iter()
        .filter(|t| !t.contains(AT_FN))
        .collect();
    let idents: HashSet<&str> = tags.iter().flat_map(|t| identifiers(t)).collect();
    if let Some(name) = missing.iter().find(|n| idents.contains(n.as_str())) {
        return Some(name.clone());
    }
    let exprs: Vec<&str> = tags
        .iter()
        .filter_map(|t| t.strip_prefix("{{").and_then(|t| t.strip_suffix("}}")))
        .map(|t| t.trim_matches(|c: char| c == '-' || c == '+' || c.is_whitespace()))
        .collect();
    match exprs.as_slice() {
        [only] => Some(only.split('|').next().unwrap_or(only).trim().to_string()),
        _ => missing.into_iter().next(),
    }
}

/// Template tags that start or end on `line` (1-based) of `text`.
fn tags_on_line(text: &str, line: usize) -> Vec<&str> {
    let mut tags = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        if let Some(close) = tag_close(rest) {
            let len = tag_len(rest, close);
            let first = line_of(text, i);
            let last = first + rest[..len].matches('\n').count();
            if (first..=last).contains(&line) {
                tags.push(&rest[..len]);
            }
            i += len;
        } else {
            i += rest.chars().next().map_or(1, char::len_utf8);
        }
    }
    tags
}

/// Identifier-like words of a tag, outside string literals.
fn identifiers(tag: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut quote: Option<char> = None;
    let mut start: Option<usize> = None;
    for (i, c) in tag.char_indices().chain(std::iter::once((tag.len(), ' '))) {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        if c.is_alphanumeric() || c == '_' {
            start.get_or_insert(i);
            continue;
        }
        if let Some(s) = start.take() {
            out.push(&tag[s..i]);
        }
        if c == '"' || c == '\'' {
            quote = Some(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vars(v: Json) -> Vars {
        v.as_object().cloned().unwrap()
    }

    fn sql(src: &str, v: Json) -> String {
        render(src, &vars(v), Dialect::Sql, 0).unwrap()
    }

    #[test]
    fn go_dot_is_stripped() {
        assert_eq!(strip_go_dot("{{ .name }}"), "{{ name }}");
        assert_eq!(strip_go_dot("{{- .a.b -}}"), "{{- a.b -}}");
        assert_eq!(strip_go_dot("{{ .5 }}"), "{{ .5 }}");
        assert_eq!(strip_go_dot("{{ x }}"), "{{ x }}");
    }

    #[test]
    fn tag_len_skips_strings() {
        assert_eq!(tag_len(r#"{{ "}}" }} x"#, "}}"), 10);
        assert_eq!(tag_len("{# it's #} x", "#}"), 10);
        assert_eq!(tag_len("{{ open", "}}"), 7);
        // Found by fuzzing: a multi-byte character inside a tag.
        assert_eq!(tag_len("{#\u{d0fec} #} x", "#}"), 9);
    }

    #[test]
    fn contexts_in_sql() {
        let v = json!({"s": "o'k", "i": "a\"b"});
        assert_eq!(sql("{{ s }}", v.clone()), "'o''k'");
        assert_eq!(sql("'x{{ s }}'", v.clone()), "'xo''k'");
        assert_eq!(sql("\"{{ s }}\"", v.clone()), "\"o'k\"");
        assert!(render("\"{{ i }}\"", &vars(v.clone()), Dialect::Sql, 0).is_err());
        assert_eq!(
            sql("-- {{ nope }}\n{{ s }}", v.clone()),
            "-- {{ nope }}\n'o''k'"
        );
        assert_eq!(sql("/* {{ nope }} */", v), "/* {{ nope }} */");
    }

    #[test]
    fn quote_inside_tag_does_not_open_sql_string() {
        assert_eq!(
            sql("{{ \"it's\" }}, {{ n }}", json!({"n": 1})),
            "'it''s', 1"
        );
    }

    #[test]
    fn json_contexts() {
        let v = vars(json!({"s": "a\"b\n", "o": {"k": [1, null]}}));
        let out = render(
            r#"{"x": "{{ s }}", "y": {{ o }}, "z": {{ s }}}"#,
            &v,
            Dialect::Json,
            0,
        )
        .unwrap();
        assert_eq!(
            out,
            r#"{"x": "a\"b\n", "y": {"k":[1,null]}, "z": "a\"b\n"}"#
        );
    }

    #[test]
    fn jsonnet_single_quoted_string() {
        let v = vars(json!({"s": "it's"}));
        let out = render("{a: '{{ s }}'} // {{ nope }}", &v, Dialect::Jsonnet, 0).unwrap();
        assert_eq!(out, r"{a: 'it\'s'} // {{ nope }}");
    }

    #[test]
    fn undefined_names() {
        let err = render(
            "SELECT\n{{ a }},\n{{ b }}",
            &vars(json!({"a": 1})),
            Dialect::Sql,
            10,
        )
        .unwrap_err();
        assert_eq!(
            err,
            TemplateError::UndefinedVariable {
                name: "b".into(),
                line: 13
            }
        );
        let err = render("{{ o.missing }}", &vars(json!({"o": {}})), Dialect::Sql, 0).unwrap_err();
        assert_eq!(
            err,
            TemplateError::UndefinedVariable {
                name: "o.missing".into(),
                line: 1
            }
        );
    }

    #[test]
    fn identifiers_ignore_strings() {
        assert_eq!(
            identifiers(r#"{{ a | default("b c") }}"#),
            vec!["a", "default"]
        );
    }

    #[test]
    fn reserved_character_is_rejected() {
        let err = render("x\n\u{E000}", &Vars::new(), Dialect::Sql, 0).unwrap_err();
        assert_eq!(
            err,
            TemplateError::ReservedCharacter {
                code: 0xE000,
                line: 2
            }
        );
    }
}
