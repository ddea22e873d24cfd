//! Executing a parsed template as Go's text/template does: variables on a stack popped
//! at the end of `if`/`with`/`range` (and after each iteration), `=` assigning the
//! innermost variable of that name, `and`/`or` short-circuiting and returning the
//! deciding value, field chains on maps, nil printed as `<no value>`; within the bounds
//! of `Limits`.

use super::funcs::{call_func, FuncSet};
use super::limits::Limits;
use super::parse::{Arg, Cmd, Control, List, Node, Pipe};
use super::value::{go_print, Val};
use super::TemplateError;

enum Flow {
    Normal,
    Break,
    Continue,
}

pub struct Exec<'a> {
    pub out: String,
    vars: Vec<(String, Val)>,
    limits: &'a Limits,
    funcs: FuncSet,
    steps: u64,
    iterations: u64,
    line: usize,
}

impl<'a> Exec<'a> {
    pub fn new(root: Val, limits: &'a Limits, funcs: FuncSet) -> Self {
        Exec {
            out: String::new(),
            vars: vec![("$".to_string(), root)],
            limits,
            funcs,
            steps: 0,
            iterations: 0,
            line: 0,
        }
    }

    pub fn run(&mut self, dot: &Val, list: &List) -> Result<(), TemplateError> {
        self.walk(dot, list).map(|_| ())
    }

    fn fail(&self, message: impl Into<String>) -> TemplateError {
        TemplateError::Exec {
            line: self.line,
            message: message.into(),
        }
    }

    fn step(&mut self) -> Result<(), TemplateError> {
        self.steps += 1;
        if self.steps > self.limits.max_steps {
            return Err(TemplateError::Limit(format!(
                "the template took more than {} steps",
                self.limits.max_steps
            )));
        }
        Ok(())
    }

    fn write(&mut self, s: &str) -> Result<(), TemplateError> {
        if self.out.len() + s.len() > self.limits.max_output_bytes {
            return Err(TemplateError::Limit(format!(
                "the template's output passed {} bytes",
                self.limits.max_output_bytes
            )));
        }
        self.out.push_str(s);
        Ok(())
    }

    fn walk(&mut self, dot: &Val, list: &List) -> Result<Flow, TemplateError> {
        for node in list {
            self.step()?;
            match node {
                Node::Text(t) => self.write(t)?,
                Node::Action(pipe) => {
                    self.line = pipe.line;
                    let v = self.pipeline(dot, pipe)?;
                    if pipe.decl.is_empty() {
                        self.print(&v)?;
                    }
                }
                Node::If(c) => {
                    if let f @ (Flow::Break | Flow::Continue) = self.if_or_with(dot, c, false)? {
                        return Ok(f);
                    }
                }
                Node::With(c) => {
                    if let f @ (Flow::Break | Flow::Continue) = self.if_or_with(dot, c, true)? {
                        return Ok(f);
                    }
                }
                Node::Range(c) => self.range(dot, c)?,
                Node::Break => return Ok(Flow::Break),
                Node::Continue => return Ok(Flow::Continue),
            }
        }
        Ok(Flow::Normal)
    }

    fn print(&mut self, v: &Val) -> Result<(), TemplateError> {
        match v {
            Val::Nil => self.write("<no value>"),
            Val::Func(_) => Err(self.fail("can't print value of type func() string")),
            v => {
                let mut s = String::new();
                go_print(v, &mut s);
                self.write(&s)
            }
        }
    }

    fn if_or_with(&mut self, dot: &Val, c: &Control, with: bool) -> Result<Flow, TemplateError> {
        let mark = self.vars.len();
        self.line = c.pipe.line;
        let v = self.pipeline(dot, &c.pipe)?;
        let flow = if v.truth() {
            let inner = if with { v } else { dot.clone() };
            self.walk(&inner, &c.list)?
        } else if let Some(e) = &c.else_list {
            self.walk(dot, e)?
        } else {
            Flow::Normal
        };
        self.vars.truncate(mark);
        Ok(flow)
    }

    fn range(&mut self, dot: &Val, c: &Control) -> Result<(), TemplateError> {
        let outer = self.vars.len();
        self.line = c.pipe.line;
        let v = self.pipeline(dot, &c.pipe)?;
        let mark = self.vars.len();
        let items: Vec<(Val, Val)> = match &v {
            Val::List(l) => l
                .iter()
                .enumerate()
                .map(|(i, e)| (Val::Int(i as i64), e.clone()))
                .collect(),
            Val::Map(m) => m.iter().map(|(k, e)| (Val::str(k), e.clone())).collect(),
            Val::Int(n) => (0..(*n).max(0))
                .map(|i| (Val::Int(i), Val::Int(i)))
                .collect(),
            Val::Nil => Vec::new(),
            other => {
                let mut s = String::new();
                go_print(other, &mut s);
                return Err(self.fail(format!("range can't iterate over {s}")));
            }
        };
        let mut ran = false;
        for (index, elem) in items {
            ran = true;
            self.step()?;
            self.iterations += 1;
            if self.iterations > self.limits.max_iterations {
                return Err(TemplateError::Limit(format!(
                    "the template ran more than {} range iterations",
                    self.limits.max_iterations
                )));
            }
            let decl = &c.pipe.decl;
            if c.pipe.is_assign {
                if decl.len() > 1 {
                    self.set_var(&decl[0], index.clone())?;
                    self.set_var(&decl[1], elem.clone())?;
                } else if let Some(d) = decl.first() {
                    self.set_var(d, elem.clone())?;
                }
            } else {
                if !decl.is_empty() {
                    self.set_top_var(1, elem.clone());
                }
                if decl.len() > 1 {
                    self.set_top_var(2, index);
                }
            }
            let flow = self.walk(&elem, &c.list)?;
            self.vars.truncate(mark);
            if let Flow::Break = flow {
                break;
            }
        }
        if !ran {
            if let Some(e) = &c.else_list {
                self.walk(dot, e)?;
            }
        }
        self.vars.truncate(outer);
        Ok(())
    }

    fn set_top_var(&mut self, n: usize, v: Val) {
        let len = self.vars.len();
        self.vars[len - n].1 = v;
    }

    fn set_var(&mut self, name: &str, v: Val) -> Result<(), TemplateError> {
        match self.vars.iter_mut().rev().find(|(n, _)| n == name) {
            Some(slot) => {
                slot.1 = v;
                Ok(())
            }
            None => Err(self.fail(format!("undefined variable: {name}"))),
        }
    }

    fn var(&self, name: &str) -> Result<Val, TemplateError> {
        self.vars
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| self.fail(format!("undefined variable: {name}")))
    }

    fn pipeline(&mut self, dot: &Val, pipe: &Pipe) -> Result<Val, TemplateError> {
        let mut value: Option<Val> = None;
        for cmd in &pipe.cmds {
            value = Some(self.command(dot, cmd, value)?);
        }
        let value = value.unwrap_or(Val::Nil);
        for name in &pipe.decl {
            if pipe.is_assign {
                self.set_var(name, value.clone())?;
            } else {
                self.vars.push((name.clone(), value.clone()));
            }
        }
        Ok(value)
    }

    fn command(&mut self, dot: &Val, cmd: &Cmd, last: Option<Val>) -> Result<Val, TemplateError> {
        self.step()?;
        let args = &cmd.args[1..];
        let has_args = !args.is_empty() || last.is_some();
        match &cmd.args[0] {
            Arg::Func(name) => self.call(dot, name, args, last),
            Arg::Field(fields) => self.field_chain(dot.clone(), fields, has_args),
            Arg::Var(name, fields) => {
                let v = self.var(name)?;
                if fields.is_empty() {
                    self.not_a_function(has_args, name)?;
                    Ok(v)
                } else {
                    self.field_chain(v, fields, has_args)
                }
            }
            Arg::Sub(pipe, fields) => {
                let v = self.pipeline(dot, pipe)?;
                if fields.is_empty() {
                    self.not_a_function(has_args, "(pipeline)")?;
                    Ok(v)
                } else {
                    self.field_chain(v, fields, has_args)
                }
            }
            Arg::Nil => Err(self.fail("nil is not a command")),
            other => {
                self.not_a_function(has_args, "constant")?;
                self.arg(dot, other)
            }
        }
    }

    fn not_a_function(&self, has_args: bool, what: &str) -> Result<(), TemplateError> {
        if has_args {
            return Err(self.fail(format!("can't give argument to non-function {what}")));
        }
        Ok(())
    }

    /// `.A.B` from `receiver`. A nil receiver at the start (no data) gives nil; a nil
    /// found in the chain is an error, as in Go; a missing key gives nil.
    fn field_chain(
        &mut self,
        receiver: Val,
        fields: &[String],
        has_args: bool,
    ) -> Result<Val, TemplateError> {
        let mut cur = match receiver {
            Val::Nil => None,
            v => Some(v),
        };
        for (i, f) in fields.iter().enumerate() {
            let last = i + 1 == fields.len();
            cur = match cur {
                None => None,
                Some(Val::Nil) => {
                    return Err(self.fail(format!("nil pointer evaluating interface {{}}.{f}")))
                }
                Some(Val::Map(m)) => {
                    if last && has_args {
                        return Err(self.fail(format!("{f} is not a method but has arguments")));
                    }
                    m.get(f).cloned()
                }
                Some(other) => {
                    return Err(self.fail(format!(
                        "can't evaluate field {f} in type {}",
                        other.type_name()
                    )));
                }
            };
        }
        Ok(cur.unwrap_or(Val::Nil))
    }

    fn arg(&mut self, dot: &Val, arg: &Arg) -> Result<Val, TemplateError> {
        Ok(match arg {
            Arg::Dot => dot.clone(),
            Arg::Nil => Val::Nil,
            Arg::Bool(b) => Val::Bool(*b),
            Arg::Int(i) => Val::Int(*i),
            Arg::Float(f) => Val::Float(*f),
            Arg::Str(s) => Val::Str(s.clone()),
            Arg::Field(fields) => self.field_chain(dot.clone(), fields, false)?,
            Arg::Var(name, fields) => {
                let v = self.var(name)?;
                if fields.is_empty() {
                    v
                } else {
                    self.field_chain(v, fields, false)?
                }
            }
            Arg::Sub(pipe, fields) => {
                let v = self.pipeline(dot, pipe)?;
                if fields.is_empty() {
                    v
                } else {
                    self.field_chain(v, fields, false)?
                }
            }
            Arg::Func(name) => self.call(dot, name, &[], None)?,
        })
    }

    fn call(
        &mut self,
        dot: &Val,
        name: &str,
        args: &[Arg],
        last: Option<Val>,
    ) -> Result<Val, TemplateError> {
        if name == "and" || name == "or" {
            if args.is_empty() && last.is_none() {
                return Err(self.fail(format!(
                    "wrong number of args for {name}: want at least 1 got 0"
                )));
            }
            let mut v = Val::Nil;
            for a in args {
                v = self.arg(dot, a)?;
                if v.truth() == (name == "or") {
                    return Ok(v);
                }
            }
            return Ok(last.unwrap_or(v));
        }
        let mut values = Vec::with_capacity(args.len() + 1);
        for a in args {
            values.push(self.arg(dot, a)?);
        }
        if let Some(l) = last {
            values.push(l);
        }
        call_func(&self.funcs, name, values)
            .map_err(|m| self.fail(format!("error calling {name}: {m}")))
    }
}
