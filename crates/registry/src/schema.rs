//! OpenAPI schema helpers: `$ref` resolution inside one document, `allOf` flattening,
//! and the SQL column type a schema maps to.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A schema resolved against its document (refs followed, `allOf` merged).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SchemaRef(pub Value);

/// What a column holds, from the schema's `type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ColumnType {
    String,
    Integer,
    Number,
    Boolean,
    Object,
    Array,
    Unknown,
}

impl ColumnType {
    pub fn of(schema: &Value) -> ColumnType {
        match schema.get("type").and_then(Value::as_str) {
            Some("string") => ColumnType::String,
            Some("integer") => ColumnType::Integer,
            Some("number") => ColumnType::Number,
            Some("boolean") => ColumnType::Boolean,
            Some("object") => ColumnType::Object,
            Some("array") => ColumnType::Array,
            _ if schema.get("properties").is_some() => ColumnType::Object,
            _ if schema.get("items").is_some() => ColumnType::Array,
            _ => ColumnType::Unknown,
        }
    }
    /// The declared type used in the SQLite table definition.
    pub fn sqlite_decl(self) -> &'static str {
        match self {
            ColumnType::Integer | ColumnType::Boolean => "INTEGER",
            ColumnType::Number => "REAL",
            ColumnType::String | ColumnType::Object | ColumnType::Array => "TEXT",
            ColumnType::Unknown => "",
        }
    }
    /// The name StackQL prints in DESCRIBE / docs.
    pub fn name(self) -> &'static str {
        match self {
            ColumnType::String => "string",
            ColumnType::Integer => "integer",
            ColumnType::Number => "number",
            ColumnType::Boolean => "boolean",
            ColumnType::Object => "object",
            ColumnType::Array => "array",
            ColumnType::Unknown => "undefined",
        }
    }
}

/// Follows a local `$ref` (`#/components/...`) within `doc`; JSON-pointer escapes apply.
pub(crate) fn follow_ref<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    doc.pointer(pointer)
}

/// Resolves refs and `allOf` recursively (to `depth`), producing a self-contained schema.
/// Depth-limited because CloudFormation schemas can be recursive.
pub(crate) fn resolve(doc: &Value, schema: &Value, depth: usize) -> Value {
    if depth == 0 {
        return schema.clone();
    }
    match schema {
        Value::Object(obj) => {
            if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
                let mut base = follow_ref(doc, r)
                    .map(|t| resolve(doc, t, depth - 1))
                    .unwrap_or(Value::Null);
                // Sibling keys of a $ref (e.g. description) still apply.
                if let Value::Object(b) = &mut base {
                    for (k, v) in obj {
                        if k != "$ref" {
                            b.entry(k.clone()).or_insert_with(|| v.clone());
                        }
                    }
                }
                return base;
            }
            let mut out = Map::new();
            if let Some(Value::Array(parts)) = obj.get("allOf") {
                for part in parts {
                    if let Value::Object(p) = resolve(doc, part, depth - 1) {
                        merge_schema(&mut out, p);
                    }
                }
            }
            for (k, v) in obj {
                match k.as_str() {
                    "allOf" => {}
                    "properties" => {
                        let mut props = match out.remove("properties") {
                            Some(Value::Object(p)) => p,
                            _ => Map::new(),
                        };
                        if let Value::Object(p) = v {
                            for (name, s) in p {
                                props.insert(name.clone(), resolve(doc, s, depth - 1));
                            }
                        }
                        out.insert(k.clone(), Value::Object(props));
                    }
                    "items" => {
                        out.insert(k.clone(), resolve(doc, v, depth - 1));
                    }
                    _ => {
                        out.insert(k.clone(), v.clone());
                    }
                }
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

fn merge_schema(into: &mut Map<String, Value>, from: Map<String, Value>) {
    for (k, v) in from {
        match (into.get_mut(&k), v) {
            (Some(Value::Object(a)), Value::Object(b)) if k == "properties" => {
                a.extend(b);
            }
            (Some(Value::Array(a)), Value::Array(b)) if k == "required" => {
                a.extend(b);
            }
            (_, v) => {
                into.insert(k, v);
            }
        }
    }
}

/// The properties of an object schema, in document order.
pub(crate) fn properties(schema: &Value) -> Vec<(String, Value)> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

pub(crate) fn required_names(schema: &Value) -> Vec<String> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    #[test]
    fn resolves_refs_and_allof() {
        let doc = json!({"components": {"schemas": {
            "A": {"type": "object", "properties": {"x": {"$ref": "#/components/schemas/S"}}},
            "S": {"type": "string"}
        }}});
        let s = resolve(
            &doc,
            &json!({"allOf": [{"$ref": "#/components/schemas/A"}, {"description": "d"}]}),
            8,
        );
        assert_eq!(s["properties"]["x"]["type"], "string");
        assert_eq!(s["description"], "d");
        assert_eq!(ColumnType::of(&s), ColumnType::Object);
    }
}
