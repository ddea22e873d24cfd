//! The functions a body may call: text/template's builtins and the ones StackQL
//! registers (`toJson`, `kindOf` and `plus1` only from template version v0.2.0 on, as
//! StackQL registers them), with Go's argument rules and error texts where they matter.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::rc::Rc;

use super::parse::FuncNames;
use super::value::{go_json, go_print, FuncVal, Val};

const BUILTINS: &[&str] = &[
    "and", "or", "not", "len", "index", "eq", "ne", "lt", "le", "gt", "ge", "call", "print",
    "println", "printf", "html", "js", "urlquery", "slice",
];
/// Registered by StackQL for every template version.
const STACKQL_BASE: &[&str] = &[
    "separator",
    "jsonMapFromString",
    "getXPath",
    "getXPathAllOuter",
    "getRegexpFirstMatch",
    "getRegexpAllMatches",
    "safeIndex",
    "toBool",
    "toInt",
];
/// Registered by StackQL from v0.2.0 on.
const STACKQL_V2: &[&str] = &["toJson", "kindOf", "plus1"];

/// The functions available to one template version.
#[derive(Clone, Copy, Debug)]
pub struct FuncSet {
    pub v2: bool,
}

impl FuncNames for FuncSet {
    fn has(&self, name: &str) -> bool {
        BUILTINS.contains(&name)
            || STACKQL_BASE.contains(&name)
            || (self.v2 && STACKQL_V2.contains(&name))
    }
}

const BAD_COMPARISON_TYPE: &str = "invalid type for comparison";
const BAD_COMPARISON: &str = "incompatible types for comparison";

fn want(name: &str, n: usize, args: &[Val]) -> Result<(), String> {
    if args.len() != n {
        return Err(format!(
            "wrong number of args for {name}: want {n} got {}",
            args.len()
        ));
    }
    Ok(())
}

fn string_arg(v: &Val) -> Result<Rc<str>, String> {
    match v {
        Val::Str(s) => Ok(s.clone()),
        Val::Nil => Err("invalid value; expected string".into()),
        other => Err(format!(
            "wrong type for value; expected string; got {}",
            other.type_name()
        )),
    }
}

pub fn call_func(funcs: &FuncSet, name: &str, args: Vec<Val>) -> Result<Val, String> {
    if !funcs.has(name) {
        return Err(format!("function {name:?} not defined"));
    }
    match name {
        "not" => {
            want(name, 1, &args)?;
            Ok(Val::Bool(!args[0].truth()))
        }
        "len" => {
            want(name, 1, &args)?;
            match &args[0] {
                Val::Str(s) => Ok(Val::Int(s.len() as i64)),
                Val::List(l) => Ok(Val::Int(l.len() as i64)),
                Val::Map(m) => Ok(Val::Int(m.len() as i64)),
                Val::Nil => Err("len of nil".into()),
                other => Err(format!("len of type {}", other.type_name())),
            }
        }
        "index" => {
            let mut it = args.into_iter();
            let item = it
                .next()
                .ok_or("wrong number of args for index: want at least 1 got 0")?;
            index(item, it)
        }
        "eq" => {
            let mut it = args.into_iter();
            let first = it
                .next()
                .ok_or("wrong number of args for eq: want at least 1 got 0")?;
            let rest: Vec<Val> = it.collect();
            if rest.is_empty() {
                return Err("missing argument for comparison".into());
            }
            for other in &rest {
                if eq(&first, other)? {
                    return Ok(Val::Bool(true));
                }
            }
            Ok(Val::Bool(false))
        }
        "ne" => {
            want(name, 2, &args)?;
            Ok(Val::Bool(!eq(&args[0], &args[1])?))
        }
        "lt" | "le" | "gt" | "ge" => {
            want(name, 2, &args)?;
            let less = lt(&args[0], &args[1])?;
            let equal = !less && eq(&args[0], &args[1])?;
            Ok(Val::Bool(match name {
                "lt" => less,
                "le" => less || equal,
                "gt" => !(less || equal),
                _ => !less,
            }))
        }
        "call" => {
            let mut it = args.into_iter();
            let f = it
                .next()
                .ok_or("wrong number of args for call: want at least 1 got 0")?;
            let rest: Vec<Val> = it.collect();
            match f {
                Val::Func(func) => match &*func {
                    FuncVal::Separator { text, calls } => {
                        if !rest.is_empty() {
                            return Err(format!("wrong number of args: got {} want 0", rest.len()));
                        }
                        let n = calls.get();
                        calls.set(n + 1);
                        Ok(Val::str(if n == 0 { "" } else { text }))
                    }
                },
                Val::Nil => Err("call of nil".into()),
                other => Err(format!("non-function of type {}", other.type_name())),
            }
        }
        "print" | "println" => {
            let mut s = String::new();
            for (i, a) in args.iter().enumerate() {
                let both_non_string =
                    i > 0 && !matches!(a, Val::Str(_)) && !matches!(args[i - 1], Val::Str(_));
                if i > 0 && (name == "println" || both_non_string) {
                    s.push(' ');
                }
                go_print(a, &mut s);
            }
            if name == "println" {
                s.push('\n');
            }
            Ok(Val::str(&s))
        }
        "printf" => printf(&args),
        "separator" => {
            want(name, 1, &args)?;
            let text = string_arg(&args[0])?.to_string();
            Ok(Val::Func(Rc::new(FuncVal::Separator {
                text,
                calls: Cell::new(0),
            })))
        }
        "jsonMapFromString" => {
            want(name, 1, &args)?;
            let s = string_arg(&args[0])?;
            match serde_json::from_str::<serde_json::Value>(&s) {
                Ok(v @ serde_json::Value::Object(_)) => Ok(Val::from_json(&v)),
                Ok(serde_json::Value::Null) => Ok(Val::Map(Rc::new(BTreeMap::new()))),
                Ok(_) => Err(
                    "json: cannot unmarshal into Go value of type map[string]interface {}".into(),
                ),
                Err(e) => Err(e.to_string()),
            }
        }
        "safeIndex" => {
            want(name, 2, &args)?;
            let key = string_arg(&args[1])?;
            match &args[0] {
                Val::Map(m) => Ok(m.get(&*key).cloned().unwrap_or(Val::Nil)),
                Val::Nil => Ok(Val::Nil),
                other => Err(format!(
                    "wrong type for value; expected map[string]interface {{}}; got {}",
                    other.type_name()
                )),
            }
        }
        "toBool" => {
            want(name, 1, &args)?;
            Ok(Val::Bool(match &args[0] {
                Val::Str(s) => &**s == "true",
                Val::Bool(b) => *b,
                _ => false,
            }))
        }
        "toInt" => {
            want(name, 1, &args)?;
            Ok(Val::Int(match &args[0] {
                Val::Str(s) => scan_int(s),
                Val::Float(f) => *f as i64,
                _ => 0,
            }))
        }
        "toJson" => {
            want(name, 1, &args)?;
            let mut s = String::new();
            go_json(&args[0], &mut s)?;
            Ok(Val::str(&s))
        }
        "kindOf" => {
            want(name, 1, &args)?;
            Ok(Val::str(args[0].kind()))
        }
        "plus1" => {
            want(name, 1, &args)?;
            match &args[0] {
                Val::Int(i) => Ok(Val::Int(i.wrapping_add(1))),
                Val::Nil => Err("invalid value; expected int".into()),
                other => Err(format!(
                    "wrong type for value; expected int; got {}",
                    other.type_name()
                )),
            }
        }
        other => Err(format!(
            "{other} is not supported by this implementation of response transforms"
        )),
    }
}

/// `fmt.Sscanf(s, "%d", &i)`: leading spaces, a sign and decimal digits; 0 when there are
/// none or they overflow.
fn scan_int(s: &str) -> i64 {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r']);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let end = digits
        .bytes()
        .position(|c| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    let text = format!("{}{}", if neg { "-" } else { "" }, &digits[..end]);
    text.parse().unwrap_or(0)
}

fn index(mut item: Val, indexes: impl Iterator<Item = Val>) -> Result<Val, String> {
    if let Val::Nil = item {
        return Err("index of untyped nil".into());
    }
    for ix in indexes {
        item = match item {
            Val::Nil => return Err("index of nil pointer".into()),
            Val::List(l) => {
                let i = index_arg(&ix, l.len(), "slice")?;
                l[i].clone()
            }
            Val::Str(s) => {
                let i = index_arg(&ix, s.len(), "string")?;
                Val::Byte(s.as_bytes()[i])
            }
            Val::Map(m) => match ix {
                Val::Str(k) => m.get(&*k).cloned().unwrap_or(Val::Nil),
                Val::Nil => return Err("value is nil; should be of type string".into()),
                other => {
                    return Err(format!(
                        "value has type {}; should be string",
                        other.type_name()
                    ))
                }
            },
            other => return Err(format!("can't index item of type {}", other.type_name())),
        };
    }
    Ok(item)
}

fn index_arg(ix: &Val, len: usize, what: &str) -> Result<usize, String> {
    let x = match ix {
        Val::Int(i) => *i,
        Val::Byte(b) => *b as i64,
        Val::Nil => return Err("cannot index slice/array with nil".into()),
        other => {
            return Err(format!(
                "cannot index slice/array with type {}",
                other.type_name()
            ))
        }
    };
    if x < 0 || x as u64 > len as u64 {
        return Err(format!("index out of range: {x}"));
    }
    if x as usize == len {
        return Err(format!("reflect: {what} index out of range"));
    }
    Ok(x as usize)
}

/// Go's comparison classes: bool, int, uint, float, string; everything else (nil, maps,
/// slices, functions) is "invalid" for ordering.
#[derive(PartialEq, Clone, Copy)]
enum Basic {
    Bool,
    Int,
    Uint,
    Float,
    Str,
    Other,
}

fn basic(v: &Val) -> Basic {
    match v {
        Val::Bool(_) => Basic::Bool,
        Val::Int(_) => Basic::Int,
        Val::Byte(_) => Basic::Uint,
        Val::Float(_) => Basic::Float,
        Val::Str(_) => Basic::Str,
        _ => Basic::Other,
    }
}

fn eq(a: &Val, b: &Val) -> Result<bool, String> {
    let (k1, k2) = (basic(a), basic(b));
    if k1 != k2 {
        return match (a, b) {
            (Val::Int(i), Val::Byte(u)) | (Val::Byte(u), Val::Int(i)) => {
                Ok(*i >= 0 && *i as u64 == *u as u64)
            }
            (Val::Nil, _) | (_, Val::Nil) => Ok(false),
            _ => Err(BAD_COMPARISON.into()),
        };
    }
    Ok(match (a, b) {
        (Val::Bool(x), Val::Bool(y)) => x == y,
        (Val::Int(x), Val::Int(y)) => x == y,
        (Val::Byte(x), Val::Byte(y)) => x == y,
        (Val::Float(x), Val::Float(y)) => x == y,
        (Val::Str(x), Val::Str(y)) => x == y,
        (Val::Nil, _) | (_, Val::Nil) => matches!((a, b), (Val::Nil, Val::Nil)),
        _ => {
            if a.kind() != b.kind() {
                return Err(format!(
                    "non-comparable types {}, {}",
                    a.type_name(),
                    b.type_name()
                ));
            }
            return Err(format!("non-comparable type {}", b.type_name()));
        }
    })
}

fn lt(a: &Val, b: &Val) -> Result<bool, String> {
    let (k1, k2) = (basic(a), basic(b));
    if k1 == Basic::Other || k2 == Basic::Other {
        return Err(BAD_COMPARISON_TYPE.into());
    }
    if k1 != k2 {
        return match (a, b) {
            (Val::Int(i), Val::Byte(u)) => Ok(*i < 0 || (*i as u64) < *u as u64),
            (Val::Byte(u), Val::Int(i)) => Ok(*i >= 0 && (*u as u64) < *i as u64),
            _ => Err(BAD_COMPARISON.into()),
        };
    }
    match (a, b) {
        (Val::Int(x), Val::Int(y)) => Ok(x < y),
        (Val::Byte(x), Val::Byte(y)) => Ok(x < y),
        (Val::Float(x), Val::Float(y)) => Ok(x < y),
        (Val::Str(x), Val::Str(y)) => Ok(x < y),
        _ => Err(BAD_COMPARISON_TYPE.into()),
    }
}

/// `printf` for the verbs a response transform could reasonably use: %v %s %d %q %T %%.
fn printf(args: &[Val]) -> Result<Val, String> {
    let (fmt, rest) = args
        .split_first()
        .ok_or("wrong number of args for printf: want at least 1 got 0")?;
    let fmt = string_arg(fmt)?;
    let mut out = String::new();
    let mut next = rest.iter();
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let verb = chars.next().ok_or("printf: format ends with %")?;
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(v) = next.next() else {
            out.push_str(&format!("%!{verb}(MISSING)"));
            continue;
        };
        match verb {
            'v' | 's' | 'd' => go_print(v, &mut out),
            'q' => match v {
                Val::Str(s) => super::value::go_json_string(s, &mut out),
                other => go_print(other, &mut out),
            },
            'T' => out.push_str(match v {
                Val::Nil => "<nil>",
                v => v.type_name(),
            }),
            other => {
                return Err(format!(
                    "printf verb %{other} is not supported in response transforms"
                ))
            }
        }
    }
    Ok(Val::str(&out))
}
