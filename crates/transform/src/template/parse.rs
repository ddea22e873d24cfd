//! Parsing a Go text/template body into a tree: text, actions with trim markers and
//! comments, pipelines of commands with parenthesised sub-pipelines and field chains,
//! variables declared (`:=`) and assigned (`=`) with Go's parse-time scope check,
//! `if` / `else if` / `else`, `range` (with `break` and `continue`), `with` / `else with`.
//! `define`, `template` and `block` are refused: no registry body uses them.

use std::rc::Rc;

use super::limits::Limits;
use super::TemplateError;

pub type List = Vec<Node>;

#[derive(Debug)]
pub enum Node {
    Text(String),
    Action(Pipe),
    If(Control),
    With(Control),
    Range(Control),
    Break,
    Continue,
}

#[derive(Debug)]
pub struct Control {
    pub pipe: Pipe,
    pub list: List,
    pub else_list: Option<List>,
}

#[derive(Debug)]
pub struct Pipe {
    pub line: usize,
    pub decl: Vec<String>,
    pub is_assign: bool,
    pub cmds: Vec<Cmd>,
}

#[derive(Debug)]
pub struct Cmd {
    pub args: Vec<Arg>,
}

#[derive(Debug)]
pub enum Arg {
    Dot,
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Rc<str>),
    /// `.A.B` on dot.
    Field(Vec<String>),
    /// `$x` or `$x.A.B`.
    Var(String, Vec<String>),
    /// A function name.
    Func(String),
    /// `( pipeline )`, possibly followed by `.A.B`.
    Sub(Box<Pipe>, Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Field(String),
    Var(String),
    Dot,
    Str(String),
    Char(i64),
    Num(String),
    LParen,
    RParen,
    Pipe,
    Declare,
    Assign,
    Comma,
    Space,
}

/// One action's tokens and where it stands.
struct Action {
    line: usize,
    toks: Vec<Tok>,
}

enum Piece {
    Text(String),
    Action(Action),
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

fn err(line: usize, msg: impl Into<String>) -> TemplateError {
    TemplateError::Parse {
        line,
        message: msg.into(),
    }
}

/// Splits the body into text and tokenised actions, applying trim markers and dropping
/// comments.
fn split(src: &str) -> Result<Vec<Piece>, TemplateError> {
    let b = src.as_bytes();
    let mut pieces = Vec::new();
    let mut pos = 0;
    let mut line = 1;
    let mut trim_next = false;
    while pos < b.len() {
        let open = src[pos..].find("{{").map(|i| i + pos);
        let text_end = open.unwrap_or(b.len());
        let mut text = &src[pos..text_end];
        if trim_next {
            text = text.trim_start_matches([' ', '\t', '\r', '\n']);
        }
        trim_next = false;
        let Some(open) = open else {
            if !text.is_empty() {
                pieces.push(Piece::Text(text.to_string()));
            }
            break;
        };
        line += src[pos..open].matches('\n').count();
        let mut p = open + 2;
        if p + 1 < b.len() && b[p] == b'-' && is_space(b[p + 1]) {
            text = text.trim_end_matches([' ', '\t', '\r', '\n']);
            p += 2;
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(text.to_string()));
        }
        // A comment: `/* ... */` right after the delimiter, up to the closing one.
        let q = p;
        if src[q..].starts_with("/*") {
            let close = src[q + 2..]
                .find("*/")
                .map(|i| i + q + 2)
                .ok_or_else(|| err(line, "unclosed comment"))?;
            let mut r = close + 2;
            if src[r..].starts_with(" -}}") || src[r..].starts_with("\t-}}") {
                trim_next = true;
                r += 4;
            } else if src[r..].starts_with("}}") {
                r += 2;
            } else {
                return Err(err(line, "comment ends before closing delimiter"));
            }
            line += src[open..r].matches('\n').count();
            pos = r;
            continue;
        }
        let (toks, end, trim) = lex_action(src, p, line)?;
        pieces.push(Piece::Action(Action { line, toks }));
        line += src[open..end].matches('\n').count();
        trim_next = trim;
        pos = end;
    }
    Ok(pieces)
}

/// Lexes one action from `start` to its `}}`; returns the tokens, the position after the
/// delimiter and whether it trims the text after it.
fn lex_action(
    src: &str,
    start: usize,
    line: usize,
) -> Result<(Vec<Tok>, usize, bool), TemplateError> {
    let b = src.as_bytes();
    let mut toks = Vec::new();
    let mut p = start;
    loop {
        if p >= b.len() {
            return Err(err(line, "unclosed action"));
        }
        let c = b[p];
        if src[p..].starts_with("}}") {
            return Ok((toks, p + 2, false));
        }
        if is_space(c) {
            while p < b.len() && is_space(b[p]) {
                p += 1;
            }
            if src[p..].starts_with("-}}") {
                return Ok((toks, p + 3, true));
            }
            toks.push(Tok::Space);
            continue;
        }
        match c {
            b'(' => {
                toks.push(Tok::LParen);
                p += 1;
            }
            b')' => {
                toks.push(Tok::RParen);
                p += 1;
            }
            b'|' => {
                toks.push(Tok::Pipe);
                p += 1;
            }
            b',' => {
                toks.push(Tok::Comma);
                p += 1;
            }
            b':' => {
                if b.get(p + 1) == Some(&b'=') {
                    toks.push(Tok::Declare);
                    p += 2;
                } else {
                    return Err(err(line, "expected :="));
                }
            }
            b'=' => {
                toks.push(Tok::Assign);
                p += 1;
            }
            b'"' => {
                let (s, np) = lex_quoted(src, p, line)?;
                toks.push(Tok::Str(s));
                p = np;
            }
            b'`' => {
                let close = src[p + 1..]
                    .find('`')
                    .map(|i| i + p + 1)
                    .ok_or_else(|| err(line, "unterminated raw quoted string"))?;
                toks.push(Tok::Str(src[p + 1..close].replace('\r', "")));
                p = close + 1;
            }
            b'\'' => {
                let (v, np) = lex_char(src, p, line)?;
                toks.push(Tok::Char(v));
                p = np;
            }
            b'$' => {
                let s = p;
                p += 1;
                while p < b.len() && (b[p].is_ascii_alphanumeric() || b[p] == b'_' || b[p] >= 0x80)
                {
                    p += 1;
                }
                toks.push(Tok::Var(src[s..p].to_string()));
            }
            b'.' => {
                if b.get(p + 1).is_some_and(|d| d.is_ascii_digit()) {
                    let np = scan_number(b, p);
                    toks.push(Tok::Num(src[p..np].to_string()));
                    p = np;
                } else {
                    let s = p + 1;
                    p += 1;
                    while p < b.len()
                        && (b[p].is_ascii_alphanumeric() || b[p] == b'_' || b[p] >= 0x80)
                    {
                        p += 1;
                    }
                    if p == s {
                        toks.push(Tok::Dot);
                    } else {
                        toks.push(Tok::Field(src[s..p].to_string()));
                    }
                }
            }
            b'0'..=b'9' | b'+' | b'-' => {
                if (c == b'+' || c == b'-')
                    && !b
                        .get(p + 1)
                        .is_some_and(|d| d.is_ascii_digit() || *d == b'.')
                {
                    return Err(err(line, format!("unexpected {:?} in command", c as char)));
                }
                let np = scan_number(b, p);
                toks.push(Tok::Num(src[p..np].to_string()));
                p = np;
            }
            c if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 => {
                let s = p;
                while p < b.len() && (b[p].is_ascii_alphanumeric() || b[p] == b'_' || b[p] >= 0x80)
                {
                    p += 1;
                }
                toks.push(Tok::Ident(src[s..p].to_string()));
            }
            _ => {
                let ch = src[p..].chars().next().unwrap_or('?');
                return Err(err(line, format!("unexpected {ch:?} in command")));
            }
        }
    }
}

fn scan_number(b: &[u8], mut p: usize) -> usize {
    if b[p] == b'+' || b[p] == b'-' {
        p += 1;
    }
    while p < b.len() {
        let c = b[p];
        let prev = b[p - 1];
        let exponent_sign = (c == b'+' || c == b'-') && matches!(prev, b'e' | b'E' | b'p' | b'P');
        if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || exponent_sign {
            p += 1;
        } else {
            break;
        }
    }
    p
}

fn lex_quoted(src: &str, start: usize, line: usize) -> Result<(String, usize), TemplateError> {
    let mut out = String::new();
    let mut chars = src[start + 1..].char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, start + 1 + i + 1)),
            '\n' => break,
            '\\' => {
                let (_, e) = chars
                    .next()
                    .ok_or_else(|| err(line, "unterminated quoted string"))?;
                match e {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    'a' => out.push('\u{7}'),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    'v' => out.push('\u{b}'),
                    '\\' => out.push('\\'),
                    '"' => out.push('"'),
                    'x' | 'u' | 'U' => {
                        let n = match e {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let mut v = 0u32;
                        for _ in 0..n {
                            let (_, h) = chars.next().ok_or_else(|| err(line, "bad escape"))?;
                            v = v * 16 + h.to_digit(16).ok_or_else(|| err(line, "bad escape"))?;
                        }
                        out.push(char::from_u32(v).ok_or_else(|| err(line, "bad escape"))?);
                    }
                    '0'..='7' => {
                        let mut v = e.to_digit(8).unwrap_or(0);
                        for _ in 0..2 {
                            let (_, o) = chars.next().ok_or_else(|| err(line, "bad escape"))?;
                            v = v * 8 + o.to_digit(8).ok_or_else(|| err(line, "bad escape"))?;
                        }
                        out.push(char::from_u32(v).ok_or_else(|| err(line, "bad escape"))?);
                    }
                    _ => return Err(err(line, "invalid syntax in quoted string")),
                }
            }
            c => out.push(c),
        }
    }
    Err(err(line, "unterminated quoted string"))
}

fn lex_char(src: &str, start: usize, line: usize) -> Result<(i64, usize), TemplateError> {
    let rest = &src[start + 1..];
    let mut it = rest.char_indices();
    let (_, c) = it
        .next()
        .ok_or_else(|| err(line, "unterminated character constant"))?;
    let v = if c == '\\' {
        let (_, e) = it
            .next()
            .ok_or_else(|| err(line, "unterminated character constant"))?;
        match e {
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            '\\' => '\\',
            '\'' => '\'',
            '0' => '\0',
            _ => return Err(err(line, "unsupported escape in character constant")),
        }
    } else {
        c
    };
    match it.next() {
        Some((i, '\'')) => Ok((v as i64, start + 1 + i + 1)),
        _ => Err(err(line, "unterminated character constant")),
    }
}

/// Which functions a body may name, checked when it is parsed as Go does.
pub trait FuncNames {
    fn has(&self, name: &str) -> bool;
}

pub struct Parser<'a> {
    pieces: std::vec::IntoIter<Piece>,
    vars: Vec<String>,
    funcs: &'a dyn FuncNames,
    depth: usize,
    /// How many `range` bodies enclose the current position (`break` needs one).
    ranges: usize,
    limits: &'a Limits,
}

/// What ended a list.
enum Stop {
    Eof,
    End,
    /// `{{ else }}` with the tokens after `else` (`if ...` / `with ...` for a chain).
    Else(Action),
}

pub fn parse(src: &str, funcs: &dyn FuncNames, limits: &Limits) -> Result<List, TemplateError> {
    if src.len() > limits.max_template_bytes {
        return Err(TemplateError::Limit(format!(
            "the template is {} bytes, more than the {} allowed",
            src.len(),
            limits.max_template_bytes
        )));
    }
    let pieces = split(src)?;
    let mut p = Parser {
        pieces: pieces.into_iter(),
        vars: vec!["$".into()],
        funcs,
        depth: 0,
        ranges: 0,
        limits,
    };
    let (list, stop) = p.list()?;
    match stop {
        Stop::Eof => Ok(list),
        Stop::End => Err(err(0, "unexpected {{end}}")),
        Stop::Else(a) => Err(err(a.line, "unexpected {{else}}")),
    }
}

impl Parser<'_> {
    fn list(&mut self) -> Result<(List, Stop), TemplateError> {
        let mut out = Vec::new();
        while let Some(piece) = self.pieces.next() {
            match piece {
                Piece::Text(t) => out.push(Node::Text(t)),
                Piece::Action(a) => {
                    let mut toks = a.toks.clone();
                    strip_spaces(&mut toks);
                    match toks.first() {
                        Some(Tok::Ident(k)) if k == "end" => {
                            if toks.len() > 1 {
                                return Err(err(a.line, "unexpected tokens in end"));
                            }
                            return Ok((out, Stop::End));
                        }
                        Some(Tok::Ident(k)) if k == "else" => {
                            return Ok((
                                out,
                                Stop::Else(Action {
                                    line: a.line,
                                    toks: toks[1..].to_vec(),
                                }),
                            ));
                        }
                        Some(Tok::Ident(k)) if k == "if" || k == "with" || k == "range" => {
                            let kw = k.clone();
                            let node = self.control(&kw, a.line, &toks[1..])?;
                            out.push(node);
                        }
                        Some(Tok::Ident(k)) if k == "break" || k == "continue" => {
                            if self.ranges == 0 {
                                return Err(err(
                                    a.line,
                                    format!("{{{{{k}}}}} outside {{{{range}}}}"),
                                ));
                            }
                            if toks.len() > 1 {
                                return Err(err(
                                    a.line,
                                    format!("unexpected tokens in {{{{{k}}}}}"),
                                ));
                            }
                            out.push(if k == "break" {
                                Node::Break
                            } else {
                                Node::Continue
                            });
                        }
                        Some(Tok::Ident(k))
                            if matches!(k.as_str(), "define" | "template" | "block") =>
                        {
                            return Err(err(
                                a.line,
                                format!("{{{{{k}}}}} is not supported in response transforms"),
                            ));
                        }
                        None => return Err(err(a.line, "missing value for command")),
                        _ => {
                            let pipe = self.pipeline(a.line, &toks, false)?;
                            out.push(Node::Action(pipe));
                        }
                    }
                }
            }
        }
        Ok((out, Stop::Eof))
    }

    fn control(&mut self, kw: &str, line: usize, toks: &[Tok]) -> Result<Node, TemplateError> {
        self.depth += 1;
        if self.depth > self.limits.max_depth {
            return Err(TemplateError::Limit(format!(
                "the template nests blocks deeper than {} levels",
                self.limits.max_depth
            )));
        }
        let mark = self.vars.len();
        let mut toks = toks.to_vec();
        strip_spaces(&mut toks);
        let pipe = self.pipeline(line, &toks, kw == "range")?;
        if pipe.cmds.is_empty() {
            return Err(err(line, format!("missing value for {kw}")));
        }
        let is_range = kw == "range";
        if is_range {
            self.ranges += 1;
        }
        let body = self.list();
        if is_range {
            self.ranges -= 1;
        }
        let (list, stop) = body?;
        let else_list = match stop {
            Stop::Eof => return Err(err(line, format!("unexpected EOF: {kw} without end"))),
            Stop::End => None,
            Stop::Else(a) => {
                let first = a.toks.iter().find(|t| **t != Tok::Space).cloned();
                match first {
                    // `else if` / `else with`: a nested block that consumes the same `end`.
                    Some(Tok::Ident(k))
                        if (k == "if" && kw == "if") || (k == "with" && kw == "with") =>
                    {
                        let mut rest = a.toks.clone();
                        strip_spaces(&mut rest);
                        let nested = self.control(&k, a.line, &rest[1..])?;
                        Some(vec![nested])
                    }
                    None => {
                        let (else_list, stop) = self.list()?;
                        match stop {
                            Stop::End => Some(else_list),
                            Stop::Eof => {
                                return Err(err(line, format!("unexpected EOF: {kw} without end")))
                            }
                            Stop::Else(a) => {
                                return Err(err(a.line, "expected end; found {{else}}"))
                            }
                        }
                    }
                    Some(_) => return Err(err(a.line, "unexpected tokens after else")),
                }
            }
        };
        self.vars.truncate(mark);
        self.depth -= 1;
        let c = Control {
            pipe,
            list,
            else_list,
        };
        Ok(match kw {
            "if" => Node::If(c),
            "with" => Node::With(c),
            _ => Node::Range(c),
        })
    }

    fn pipeline(
        &mut self,
        line: usize,
        toks: &[Tok],
        allow_two_vars: bool,
    ) -> Result<Pipe, TemplateError> {
        let mut pos = 0;
        let mut decl = Vec::new();
        let mut is_assign = false;
        // Declarations: `$x :=`, `$x =`, `$i, $v :=`.
        if let Some(Tok::Var(v)) = toks.first() {
            let mut q = 1;
            skip_space(toks, &mut q);
            match toks.get(q) {
                Some(Tok::Declare) | Some(Tok::Assign) => {
                    is_assign = toks[q] == Tok::Assign;
                    decl.push(v.clone());
                    pos = q + 1;
                }
                Some(Tok::Comma) if allow_two_vars => {
                    q += 1;
                    skip_space(toks, &mut q);
                    if let Some(Tok::Var(v2)) = toks.get(q) {
                        q += 1;
                        skip_space(toks, &mut q);
                        if matches!(toks.get(q), Some(Tok::Declare) | Some(Tok::Assign)) {
                            is_assign = toks[q] == Tok::Assign;
                            decl.push(v.clone());
                            decl.push(v2.clone());
                            pos = q + 1;
                        } else {
                            return Err(err(line, "range can only initialize variables"));
                        }
                    } else {
                        return Err(err(line, "too many declarations in command"));
                    }
                }
                _ => {}
            }
        }
        let rest = &toks[pos..];
        let (cmds, used) = self.commands(line, rest, false)?;
        if used != rest.len() {
            return Err(err(line, "unexpected tokens in pipeline"));
        }
        if !decl.is_empty() && cmds.is_empty() {
            return Err(err(line, "missing value for command"));
        }
        for v in &decl {
            if is_assign {
                if !self.vars.contains(v) {
                    return Err(err(line, format!("undefined variable {v:?}")));
                }
            } else {
                self.vars.push(v.clone());
            }
        }
        Ok(Pipe {
            line,
            decl,
            is_assign,
            cmds,
        })
    }

    /// Commands separated by `|` up to the end of `toks` or, inside parentheses, the
    /// closing one; returns them and how many tokens were used.
    fn commands(
        &mut self,
        line: usize,
        toks: &[Tok],
        in_paren: bool,
    ) -> Result<(Vec<Cmd>, usize), TemplateError> {
        let mut cmds = Vec::new();
        let mut pos = 0;
        let mut args: Vec<Arg> = Vec::new();
        loop {
            skip_space(toks, &mut pos);
            match toks.get(pos) {
                None => {
                    if in_paren {
                        return Err(err(line, "unclosed left paren"));
                    }
                    break;
                }
                Some(Tok::RParen) => {
                    if !in_paren {
                        return Err(err(line, "unexpected right paren"));
                    }
                    break;
                }
                Some(Tok::Pipe) => {
                    if args.is_empty() {
                        return Err(err(line, "missing command"));
                    }
                    cmds.push(Cmd {
                        args: std::mem::take(&mut args),
                    });
                    pos += 1;
                    continue;
                }
                _ => {}
            }
            let (arg, used) = self.operand(line, &toks[pos..])?;
            pos += used;
            // Operands are separated by spaces.
            match toks.get(pos) {
                None | Some(Tok::Space) | Some(Tok::Pipe) | Some(Tok::RParen) => {}
                Some(t) => {
                    return Err(err(
                        line,
                        format!("missing space? unexpected {t:?} in operand"),
                    ))
                }
            }
            args.push(arg);
        }
        if !args.is_empty() {
            cmds.push(Cmd { args });
        } else if !cmds.is_empty() {
            return Err(err(line, "missing command"));
        }
        for c in &cmds {
            if let Some(first) = c.args.first() {
                if c.args.len() > 1
                    && !matches!(
                        first,
                        Arg::Func(_) | Arg::Field(_) | Arg::Var(..) | Arg::Sub(..)
                    )
                {
                    return Err(err(line, "can't give argument to non-function"));
                }
            }
        }
        Ok((cmds, pos))
    }

    fn operand(&mut self, line: usize, toks: &[Tok]) -> Result<(Arg, usize), TemplateError> {
        let mut pos = 1;
        let arg = match &toks[0] {
            Tok::Dot => Arg::Dot,
            Tok::Str(s) => Arg::Str(Rc::from(s.as_str())),
            Tok::Char(c) => Arg::Int(*c),
            Tok::Num(n) => number(line, n)?,
            Tok::Field(f) => {
                let mut fields = vec![f.clone()];
                while let Some(Tok::Field(g)) = toks.get(pos) {
                    fields.push(g.clone());
                    pos += 1;
                }
                return Ok((Arg::Field(fields), pos));
            }
            Tok::Var(v) => {
                if !self.vars.contains(v) {
                    return Err(err(line, format!("undefined variable {v:?}")));
                }
                let mut fields = Vec::new();
                while let Some(Tok::Field(g)) = toks.get(pos) {
                    fields.push(g.clone());
                    pos += 1;
                }
                return Ok((Arg::Var(v.clone(), fields), pos));
            }
            Tok::Ident(i) => match i.as_str() {
                "true" => Arg::Bool(true),
                "false" => Arg::Bool(false),
                "nil" => Arg::Nil,
                name => {
                    if !self.funcs.has(name) {
                        return Err(err(line, format!("function {name:?} not defined")));
                    }
                    Arg::Func(name.to_string())
                }
            },
            Tok::LParen => {
                self.depth += 1;
                if self.depth > self.limits.max_depth {
                    return Err(TemplateError::Limit(format!(
                        "the template nests parentheses deeper than {} levels",
                        self.limits.max_depth
                    )));
                }
                let (cmds, used) = self.commands(line, &toks[1..], true)?;
                self.depth -= 1;
                if cmds.is_empty() {
                    return Err(err(line, "missing command"));
                }
                pos = 1 + used + 1; // the closing paren
                let mut fields = Vec::new();
                while let Some(Tok::Field(g)) = toks.get(pos) {
                    fields.push(g.clone());
                    pos += 1;
                }
                let pipe = Pipe {
                    line,
                    decl: Vec::new(),
                    is_assign: false,
                    cmds,
                };
                return Ok((Arg::Sub(Box::new(pipe), fields), pos));
            }
            t => return Err(err(line, format!("unexpected {t:?} in operand"))),
        };
        if let Some(Tok::Field(_)) = toks.get(pos) {
            return Err(err(line, "unexpected . after term"));
        }
        Ok((arg, pos))
    }
}

fn number(line: usize, text: &str) -> Result<Arg, TemplateError> {
    let clean: String = text.chars().filter(|c| *c != '_').collect();
    let (neg, body) = match clean.strip_prefix('-') {
        Some(b) => (true, b.to_string()),
        None => (false, clean.trim_start_matches('+').to_string()),
    };
    let radix = if body.starts_with("0x") || body.starts_with("0X") {
        Some((16, &body[2..]))
    } else if body.starts_with("0o") || body.starts_with("0O") {
        Some((8, &body[2..]))
    } else if body.starts_with("0b") || body.starts_with("0B") {
        Some((2, &body[2..]))
    } else if body.len() > 1 && body.starts_with('0') && body.bytes().all(|c| c.is_ascii_digit()) {
        Some((8, &body[1..]))
    } else {
        None
    };
    let int = match radix {
        Some((r, digits)) => i64::from_str_radix(digits, r).ok(),
        None => body.parse::<i64>().ok(),
    };
    if let Some(i) = int {
        return Ok(Arg::Int(if neg { -i } else { i }));
    }
    if radix.is_none() && body.contains(['.', 'e', 'E']) {
        if let Ok(f) = body.parse::<f64>() {
            return Ok(Arg::Float(if neg { -f } else { f }));
        }
    }
    Err(err(line, format!("bad number syntax: {text:?}")))
}

fn skip_space(toks: &[Tok], pos: &mut usize) {
    while toks.get(*pos) == Some(&Tok::Space) {
        *pos += 1;
    }
}

/// Drops leading and trailing spaces of an action's tokens.
fn strip_spaces(toks: &mut Vec<Tok>) {
    while toks.first() == Some(&Tok::Space) {
        toks.remove(0);
    }
    while toks.last() == Some(&Tok::Space) {
        toks.pop();
    }
}
