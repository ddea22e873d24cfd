//! The values a template works on, modelled on what Go's text/template sees through
//! `interface{}`: decoded JSON (numbers are float64), mxj maps, Go ints from literals,
//! `len` and `range`, bytes from indexing a string, and function values (`separator`).
//! Also how Go prints them (`fmt.Fprint`) and encodes them (`encoding/json`).

use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::rc::Rc;

/// A template value. `Nil` stands for Go's nil interface and for a missing map entry;
/// the one place Go tells them apart (a field chain through a present nil) is handled by
/// the evaluator.
#[derive(Clone, Debug)]
pub enum Val {
    Nil,
    Bool(bool),
    /// Go `int`: template literals, `len`, range indexes.
    Int(i64),
    /// Go `uint8`: what `index` returns for a string.
    Byte(u8),
    /// Go `float64`: every number decoded from JSON or cast by mxj.
    Float(f64),
    Str(Rc<str>),
    List(Rc<Vec<Val>>),
    /// Go `map[string]interface{}`; iteration and printing are in key order, as Go's are.
    Map(Rc<BTreeMap<String, Val>>),
    Func(Rc<FuncVal>),
}

/// A function value a template can hold in a variable and `call`.
#[derive(Debug)]
pub enum FuncVal {
    /// `separator s`: returns "" on its first call, `s` afterwards.
    Separator { text: String, calls: Cell<u64> },
}

impl Val {
    pub fn str(s: &str) -> Val {
        Val::Str(Rc::from(s))
    }

    /// `reflect.Kind` names, as StackQL's `kindOf` returns them.
    pub fn kind(&self) -> &'static str {
        match self {
            Val::Nil => "invalid",
            Val::Bool(_) => "bool",
            Val::Int(_) => "int",
            Val::Byte(_) => "uint8",
            Val::Float(_) => "float64",
            Val::Str(_) => "string",
            Val::List(_) => "slice",
            Val::Map(_) => "map",
            Val::Func(_) => "func",
        }
    }

    /// Go's Go-syntax type name, used in error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Val::Nil => "nil",
            Val::Bool(_) => "bool",
            Val::Int(_) => "int",
            Val::Byte(_) => "uint8",
            Val::Float(_) => "float64",
            Val::Str(_) => "string",
            Val::List(_) => "[]interface {}",
            Val::Map(_) => "map[string]interface {}",
            Val::Func(_) => "func() string",
        }
    }

    /// text/template's truth: false, 0, nil and empty strings, slices and maps are false.
    pub fn truth(&self) -> bool {
        match self {
            Val::Nil => false,
            Val::Bool(b) => *b,
            Val::Int(i) => *i != 0,
            Val::Byte(b) => *b != 0,
            Val::Float(f) => *f != 0.0,
            Val::Str(s) => !s.is_empty(),
            Val::List(l) => !l.is_empty(),
            Val::Map(m) => !m.is_empty(),
            Val::Func(_) => true,
        }
    }

    /// From decoded JSON, as Go's `json.Unmarshal` into `interface{}` builds it (every
    /// number a float64).
    pub fn from_json(v: &serde_json::Value) -> Val {
        match v {
            serde_json::Value::Null => Val::Nil,
            serde_json::Value::Bool(b) => Val::Bool(*b),
            serde_json::Value::Number(n) => Val::Float(n.as_f64().unwrap_or(f64::NAN)),
            serde_json::Value::String(s) => Val::str(s),
            serde_json::Value::Array(a) => {
                Val::List(Rc::new(a.iter().map(Val::from_json).collect()))
            }
            serde_json::Value::Object(o) => Val::Map(Rc::new(
                o.iter()
                    .map(|(k, v)| (k.clone(), Val::from_json(v)))
                    .collect(),
            )),
        }
    }
}

/// How `fmt.Fprint` prints a value at the top of an action (`nil` there is `<no value>`,
/// which the caller handles).
pub fn go_print(v: &Val, out: &mut String) {
    match v {
        Val::Nil => out.push_str("<nil>"),
        Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Val::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Val::Byte(b) => {
            let _ = write!(out, "{b}");
        }
        Val::Float(f) => out.push_str(&go_float_g(*f)),
        Val::Str(s) => out.push_str(s),
        Val::List(l) => {
            out.push('[');
            for (i, e) in l.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                go_print(e, out);
            }
            out.push(']');
        }
        Val::Map(m) => {
            out.push_str("map[");
            for (i, (k, e)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                go_print(e, out);
            }
            out.push(']');
        }
        Val::Func(_) => out.push_str("0x0"),
    }
}

/// Go's `%v` of a float64: `strconv`'s 'g' with the shortest digits, in exponent form
/// (at least two exponent digits) below 1e-4 and from 1e6 on: for the shortest form Go
/// decides with precision 6 (`1234567.0` prints `1.234567e+06`).
pub fn go_float_g(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let (digits, exp) = shortest_digits(f);
    if !(-4..6).contains(&exp) {
        // Exponent form: d.ddde±XX
        return exponent_form(f < 0.0, &digits, exp, 2);
    }
    plain_decimal(f < 0.0, &digits, exp)
}

/// `d.ddde±X` from shortest digits; Go's `%v` pads the exponent to two digits, its
/// `encoding/json` does not (`exp_width` 2 or 1).
fn exponent_form(negative: bool, digits: &str, exp: i32, exp_width: usize) -> String {
    let mut s = String::new();
    if negative {
        s.push('-');
    }
    s.push_str(&digits[..1]);
    if digits.len() > 1 {
        s.push('.');
        s.push_str(&digits[1..]);
    }
    let sign = if exp < 0 { '-' } else { '+' };
    let _ = write!(s, "e{sign}{:0exp_width$}", exp.abs());
    s
}

/// Go's `encoding/json` form of a float64: plain decimal, or an exponent below 1e-6 and
/// from 1e21 on (`e-7`, `e+21`).
pub fn go_float_json(f: f64) -> String {
    if f == 0.0 {
        return if f.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let (digits, exp) = shortest_digits(f);
    let abs = f.abs();
    if !(1e-6..1e21).contains(&abs) {
        return exponent_form(f < 0.0, &digits, exp, 1);
    }
    plain_decimal(f < 0.0, &digits, exp)
}

/// The shortest round-tripping decimal digits of `f` (no sign, no leading zeros) and the
/// decimal exponent of the first digit.
fn shortest_digits(f: f64) -> (String, i32) {
    // Rust's `{:e}` prints the shortest round-tripping digits, as Go's strconv does.
    let s = format!("{:e}", f.abs());
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    (digits, exp.parse().unwrap_or(0))
}

fn plain_decimal(negative: bool, digits: &str, exp: i32) -> String {
    let mut s = String::new();
    if negative {
        s.push('-');
    }
    if exp < 0 {
        s.push_str("0.");
        for _ in 0..(-exp - 1) {
            s.push('0');
        }
        s.push_str(digits);
    } else {
        let int_len = exp as usize + 1;
        if digits.len() <= int_len {
            s.push_str(digits);
            for _ in digits.len()..int_len {
                s.push('0');
            }
        } else {
            s.push_str(&digits[..int_len]);
            s.push('.');
            s.push_str(&digits[int_len..]);
        }
    }
    s
}

/// `json.Marshal` of a value: keys sorted, `<`, `>`, `&`, U+2028 and U+2029 escaped as
/// Go escapes them for HTML safety.
pub fn go_json(v: &Val, out: &mut String) -> Result<(), String> {
    match v {
        Val::Nil => out.push_str("null"),
        Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Val::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Val::Byte(b) => {
            let _ = write!(out, "{b}");
        }
        Val::Float(f) => {
            if !f.is_finite() {
                return Err(format!("json: unsupported value: {}", go_float_g(*f)));
            }
            out.push_str(&go_float_json(*f));
        }
        Val::Str(s) => go_json_string(s, out),
        Val::List(l) => {
            out.push('[');
            for (i, e) in l.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json(e, out)?;
            }
            out.push(']');
        }
        Val::Map(m) => {
            out.push('{');
            for (i, (k, e)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json_string(k, out);
                out.push(':');
                go_json(e, out)?;
            }
            out.push('}');
        }
        Val::Func(_) => return Err("json: unsupported type: func() string".into()),
    }
    Ok(())
}

pub fn go_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
