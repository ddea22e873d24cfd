//! Reading a YAML (or JSON) registry document into `serde_json::Value`.
//!
//! YAML mapping keys that are not strings (`200:` unquoted) become strings, anchors and
//! merge keys are resolved, so the rest of the crate only ever sees JSON.

use crate::RegistryError;
use serde_json::{Map, Number, Value};
use std::path::Path;

pub(crate) fn read_document(path: &Path) -> Result<Value, RegistryError> {
    let text = std::fs::read_to_string(path).map_err(|e| RegistryError::io(path, e))?;
    parse_document(&text).map_err(|message| RegistryError::Parse {
        path: path.to_path_buf(),
        message,
    })
}

pub(crate) fn parse_document(text: &str) -> Result<Value, String> {
    let mut yaml: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
    yaml.apply_merge().map_err(|e| e.to_string())?;
    Ok(to_json(yaml))
}

fn to_json(v: serde_yaml_ng::Value) -> Value {
    use serde_yaml_ng::Value as Y;
    match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::Number(i.into())
            } else if let Some(u) = n.as_u64() {
                Value::Number(u.into())
            } else {
                n.as_f64()
                    .and_then(Number::from_f64)
                    .map(Value::Number)
                    .unwrap_or(Value::Null)
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(to_json).collect()),
        Y::Mapping(m) => {
            let mut out = Map::with_capacity(m.len());
            for (k, v) in m {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    Y::Null => "null".to_string(),
                    other => format!("{other:?}"),
                };
                out.insert(key, to_json(v));
            }
            Value::Object(out)
        }
        Y::Tagged(t) => to_json(t.value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn numeric_keys_and_anchors() {
        let v = parse_document("a: &x [1, 2]\nb: *x\nresponses:\n  200: ok\n").unwrap();
        assert_eq!(v["b"], serde_json::json!([1, 2]));
        assert_eq!(v["responses"]["200"], "ok");
    }
}
