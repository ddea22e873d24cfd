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

/// The JSON container a column's value is written as (a SQL string holding JSON), read
/// from its resolved schema: its own `type` (or `properties` / `items`), else its
/// `oneOf` / `anyOf` alternatives when every one of them is a container. `ColumnType`
/// keeps naming what DESCRIBE prints; this decides how a value is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonContainer {
    Object,
    Array,
    /// Alternatives of both kinds (DynamoDB `KeySchema`: an array or an object).
    ObjectOrArray,
}

impl JsonContainer {
    pub fn of(schema: &Value) -> Option<JsonContainer> {
        match ColumnType::of(schema) {
            ColumnType::Object => return Some(JsonContainer::Object),
            ColumnType::Array => return Some(JsonContainer::Array),
            ColumnType::Unknown => {}
            _ => return None,
        }
        let alternatives = ["oneOf", "anyOf"]
            .iter()
            .filter_map(|k| schema.get(*k).and_then(Value::as_array))
            .flatten();
        let mut found: Option<JsonContainer> = None;
        for alternative in alternatives {
            let kind = JsonContainer::of(alternative)?;
            found = Some(match found {
                None => kind,
                Some(seen) if seen == kind => seen,
                Some(_) => JsonContainer::ObjectOrArray,
            });
        }
        found
    }

    /// Whether a parsed JSON value is of this container kind.
    pub fn accepts(self, v: &Value) -> bool {
        match self {
            JsonContainer::Object => v.is_object(),
            JsonContainer::Array => v.is_array(),
            JsonContainer::ObjectOrArray => v.is_object() || v.is_array(),
        }
    }

    /// What the column expects, for error messages.
    pub fn expected(self) -> &'static str {
        match self {
            JsonContainer::Object => "a JSON object",
            JsonContainer::Array => "a JSON array",
            JsonContainer::ObjectOrArray => "a JSON object or array",
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
                    // Alternatives are resolved too: whether a column holds JSON is read
                    // from them (`JsonContainer::of`), and they are often bare `$ref`s.
                    "oneOf" | "anyOf" => {
                        let alternatives = match v {
                            Value::Array(parts) => parts
                                .iter()
                                .map(|part| resolve(doc, part, depth - 1))
                                .collect(),
                            other => vec![other.clone()],
                        };
                        out.insert(k.clone(), Value::Array(alternatives));
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

    #[test]
    fn json_containers_are_read_through_alternatives_and_refs() {
        let doc = json!({"components": {"schemas": {
            "Keys": {"type": "array", "items": {"type": "string"}},
            "Source": {"oneOf": [
                {"type": "object", "properties": {"Text": {"type": "string"}}},
                {"allOf": [{"$ref": "#/components/schemas/Obj"}]}
            ]},
            "Obj": {"type": "object"}
        }}});
        let of = |s: Value| JsonContainer::of(&resolve(&doc, &s, 8));
        assert_eq!(
            of(json!({"oneOf": [{"$ref": "#/components/schemas/Keys"}, {"type": "object"}]})),
            Some(JsonContainer::ObjectOrArray)
        );
        assert_eq!(
            of(json!({"$ref": "#/components/schemas/Source"})),
            Some(JsonContainer::Object)
        );
        assert_eq!(
            of(json!({"anyOf": [{"$ref": "#/components/schemas/Keys"}]})),
            Some(JsonContainer::Array)
        );
        // One scalar alternative: the value may be a plain string, so it is sent as given.
        assert_eq!(
            of(json!({"oneOf": [{"type": "string"}, {"type": "object"}]})),
            None
        );
        assert_eq!(of(json!({"type": "string"})), None);
    }
}
