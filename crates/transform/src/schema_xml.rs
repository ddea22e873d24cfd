//! `schema_driven_xml_v0.1.0`: an XML answer projected into `{"<list>": [rows]}` by the
//! row schema, as StackQL does. The document is read as mxj reads it (no casting: leaf
//! texts stay strings); the protocol's envelope is skipped (the root element, and for
//! the query protocol its first `...Result` child that is a structure); the payload is
//! the row itself when it carries any row property, otherwise the rows are found in its
//! first member, in key order, that is a list, holds an `item` wrapper, wraps a single
//! list or structure, or is an empty element. Each row has exactly the schema's
//! properties (matched by element name; `null` when absent), converted by declared type:
//! `integer`, `number`, `boolean` parsed (left as they are when they do not parse),
//! `object`/`array` as JSON text, `string` as text (a structure printed as Go prints a
//! map), an empty element as `null` unless the type is `string`.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::template::Val;
use crate::xml;

/// The projection of `text` with `schema` (the method's `schema_override`, `$ref`s
/// resolved) and `list_property` (its `objectKey` without `$.`).
pub fn project(
    text: &str,
    schema: &Value,
    list_property: &str,
    protocol: Option<&str>,
) -> Result<Value, String> {
    if list_property.is_empty() {
        return Err("schema_driven_xml: empty list property (objectKey)".into());
    }
    let list_schema = schema
        .get("properties")
        .and_then(|p| p.get(list_property))
        .ok_or_else(|| {
            format!(
                "schema_driven_xml: list property {list_property:?} not found in override schema"
            )
        })?;
    let row_schema = list_schema
        .get("items")
        .filter(|i| i.is_object())
        .ok_or_else(|| {
            format!("schema_driven_xml: list property {list_property:?} is not an array")
        })?;
    let empty = Map::new();
    let row_props = row_schema
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);

    let mut rows_out = Vec::new();
    if !text.trim().is_empty() {
        let doc = xml::parse(text)?;
        let decoded = xml::to_mxj(&doc, false)?;
        if let Some(payload) = payload(&decoded, protocol) {
            for row in extract_rows(payload, row_props) {
                rows_out.push(project_row(row, row_props)?);
            }
        }
    }
    let mut out = Map::new();
    out.insert(list_property.to_string(), Value::Array(rows_out));
    Ok(Value::Object(out))
}

fn as_map(v: &Val) -> Option<&BTreeMap<String, Val>> {
    match v {
        Val::Map(m) => Some(m),
        _ => None,
    }
}

/// The map to look for rows in: the root element's value, for the query protocol its
/// `...Result` structure.
fn payload<'v>(decoded: &'v Val, protocol: Option<&str>) -> Option<&'v BTreeMap<String, Val>> {
    let top = as_map(decoded)?;
    let top = if top.len() == 1 {
        as_map(top.values().next()?)?
    } else {
        top
    };
    if protocol == Some("query") {
        if let Some(result) = top
            .iter()
            .find(|(k, v)| k.ends_with("Result") && as_map(v).is_some())
        {
            return as_map(result.1);
        }
    }
    Some(top)
}

fn extract_rows<'v>(
    payload: &'v BTreeMap<String, Val>,
    row_props: &Map<String, Value>,
) -> Vec<&'v BTreeMap<String, Val>> {
    if row_props.keys().any(|k| payload.contains_key(k)) {
        return vec![payload];
    }
    match list_member(payload) {
        Some(member) => normalize(member),
        None => Vec::new(),
    }
}

/// The member holding the rows: a list; a structure with an `item` child; a structure
/// with a single child that is a list or structure; an empty element.
fn list_member(payload: &BTreeMap<String, Val>) -> Option<&Val> {
    if let Some(v) = payload.values().find(|v| matches!(v, Val::List(_))) {
        return Some(v);
    }
    if let Some(v) = payload
        .values()
        .find(|v| as_map(v).is_some_and(|m| m.contains_key("item")))
    {
        return Some(v);
    }
    let wraps_one = |v: &&Val| {
        as_map(v).is_some_and(|m| {
            m.len() == 1 && m.values().all(|c| matches!(c, Val::List(_) | Val::Map(_)))
        })
    };
    if let Some(v) = payload.values().find(wraps_one) {
        return Some(v);
    }
    payload
        .values()
        .find(|v| matches!(v, Val::Str(s) if s.is_empty()))
}

fn normalize(member: &Val) -> Vec<&BTreeMap<String, Val>> {
    match member {
        Val::List(l) => l.iter().filter_map(as_map).collect(),
        Val::Map(m) => {
            if let Some(item) = m.get("item") {
                return normalize(item);
            }
            if m.len() == 1 {
                if let Some(child) = m.values().next() {
                    if matches!(child, Val::List(_) | Val::Map(_)) {
                        return normalize(child);
                    }
                }
            }
            vec![m]
        }
        _ => Vec::new(),
    }
}

fn project_row(
    row: &BTreeMap<String, Val>,
    row_props: &Map<String, Value>,
) -> Result<Value, String> {
    // Go marshals the row as a map: keys in sorted order.
    let sorted: BTreeMap<&String, &Value> = row_props.iter().collect();
    let mut out = Map::new();
    for (name, prop) in sorted {
        let kind = prop.get("type").and_then(Value::as_str).unwrap_or("");
        let v = match row.get(name.as_str()) {
            None => Value::Null,
            Some(raw) => convert(raw, kind)?,
        };
        out.insert(name.clone(), v);
    }
    Ok(Value::Object(out))
}

fn convert(raw: &Val, kind: &str) -> Result<Value, String> {
    if let Val::Str(s) = raw {
        if s.is_empty() && kind != "string" {
            return Ok(Value::Null);
        }
    }
    let text = match raw {
        Val::Str(s) => Some(&**s),
        _ => None,
    };
    Ok(match kind {
        "integer" => match text.and_then(|s| s.parse::<i64>().ok()) {
            Some(i) => Value::from(i),
            None => to_json(raw)?,
        },
        "number" => match text.and_then(parse_go_float) {
            Some(f) => serde_json::Number::from_f64(f)
                .map(Value::Number)
                .ok_or_else(|| format!("json: unsupported value: {f}"))?,
            None => to_json(raw)?,
        },
        "boolean" => match text.and_then(parse_go_bool) {
            Some(b) => Value::Bool(b),
            None => to_json(raw)?,
        },
        "object" | "array" => {
            let mut s = String::new();
            crate::template::go_json(raw, &mut s)?;
            Value::String(s)
        }
        "string" => match text {
            Some(s) => Value::String(s.to_string()),
            None => {
                let mut s = String::new();
                crate::template::go_print(raw, &mut s);
                Value::String(s)
            }
        },
        _ => to_json(raw)?,
    })
}

fn parse_go_float(s: &str) -> Option<f64> {
    let f = s.parse::<f64>().ok()?;
    let named = s
        .to_ascii_lowercase()
        .trim_start_matches(['+', '-'])
        .starts_with("inf")
        || s.eq_ignore_ascii_case("nan");
    (f.is_finite() || named).then_some(f)
}

/// Go's `strconv.ParseBool`.
pub(crate) fn parse_go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// A template value as JSON (maps with sorted keys, as Go marshals them).
pub(crate) fn to_json(v: &Val) -> Result<Value, String> {
    Ok(match v {
        Val::Nil => Value::Null,
        Val::Bool(b) => Value::Bool(*b),
        Val::Int(i) => Value::from(*i),
        Val::Byte(b) => Value::from(*b),
        Val::Float(f) => serde_json::Number::from_f64(*f)
            .map(Value::Number)
            .ok_or_else(|| format!("json: unsupported value: {f}"))?,
        Val::Str(s) => Value::String(s.to_string()),
        Val::List(l) => Value::Array(l.iter().map(to_json).collect::<Result<_, _>>()?),
        Val::Map(m) => {
            let mut out = Map::new();
            for (k, e) in m.iter() {
                out.insert(k.clone(), to_json(e)?);
            }
            Value::Object(out)
        }
        Val::Func(_) => return Err("json: unsupported type: func() string".into()),
    })
}
