//! Example values synthesized from a resource type's CloudFormation schema as the registry
//! carries it (`components.schemas`): the required properties (and the writable parts of
//! the primary identifier, which a handler cannot invent), each valid for its schema —
//! `const`/`enum` first, strings matching `pattern` within `minLength`/`maxLength`
//! ([`pattern`]), numbers within `minimum`/`maximum`, arrays of `minItems` (at least one),
//! objects with their required keys, `$ref`/`allOf` merged and the first `oneOf`/`anyOf`
//! alternative taken. Deterministic, so a reference page and a test see the same values.

pub mod pattern;

use serde_json::{Map, Number, Value};

/// How deep nested objects are followed (recursive schemas exist).
const MAX_DEPTH: usize = 24;
/// How many `$ref` hops one schema may take.
const MAX_REFS: usize = 32;

/// A path of property names below the resource (`["Schedule", "ScheduleId"]`).
pub type PropPath = Vec<String>;

/// One resource type's schema within its document's `components.schemas`.
pub struct ResourceSchema<'a> {
    schemas: &'a Map<String, Value>,
    root: &'a Value,
}

/// `/properties/A/B` (or `A/B`, `A.B`) as `["A", "B"]`; array steps (`*`) are kept.
pub fn parse_path(p: &str) -> PropPath {
    p.split(['/', '.'])
        .filter(|s| !s.is_empty() && *s != "properties")
        .map(str::to_string)
        .collect()
}

impl<'a> ResourceSchema<'a> {
    /// The schema named `schema_name` in `schemas` (a document's `components.schemas`).
    pub fn new(schemas: &'a Map<String, Value>, schema_name: &str) -> Option<Self> {
        let root = schemas.get(schema_name)?;
        Some(ResourceSchema { schemas, root })
    }

    fn strings(&self, key: &str) -> Vec<String> {
        self.root
            .get(key)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Top-level required properties (`required`, or the registry's `x-required-properties`).
    pub fn required(&self) -> Vec<String> {
        let r = self.strings("required");
        if r.is_empty() {
            self.strings("x-required-properties")
        } else {
            r
        }
    }

    pub fn read_only(&self) -> Vec<PropPath> {
        self.paths("x-read-only-properties")
    }

    pub fn write_only(&self) -> Vec<PropPath> {
        self.paths("x-write-only-properties")
    }

    pub fn primary_identifier(&self) -> Vec<PropPath> {
        self.paths("x-stackql-primary-identifier")
    }

    fn paths(&self, key: &str) -> Vec<PropPath> {
        self.strings(key).iter().map(|p| parse_path(p)).collect()
    }

    /// The top-level properties a user may write, in the schema's order.
    pub fn writable_properties(&self) -> Vec<String> {
        let read_only = self.read_only();
        self.resolve(self.root)
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| {
                p.keys()
                    .filter(|k| !read_only.iter().any(|r| r.len() == 1 && &r[0] == *k))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The required properties, and the writable parts of the primary identifier, each
    /// with an example value: a DesiredState the type's schema accepts.
    pub fn required_example(&self) -> Map<String, Value> {
        let read_only = self.read_only();
        let forced: Vec<PropPath> = self
            .primary_identifier()
            .into_iter()
            .filter(|p| !read_only.contains(p) && !p.iter().any(|s| s == "*"))
            .collect();
        let mut out = Map::new();
        let required = self.required();
        let properties = self
            .resolve(self.root)
            .get("properties")
            .and_then(Value::as_object);
        let Some(properties) = properties else {
            return out;
        };
        for (name, schema) in properties {
            let below: Vec<PropPath> = forced
                .iter()
                .filter(|p| p.first() == Some(name))
                .map(|p| p[1..].to_vec())
                .collect();
            let wanted = required.contains(name) || !below.is_empty();
            if !wanted || read_only.iter().any(|r| r.len() == 1 && &r[0] == name) {
                continue;
            }
            out.insert(name.clone(), self.value_with(schema, &below, 0));
        }
        out
    }

    /// An example value of one top-level property (None when the schema has no such one).
    pub fn property_example(&self, name: &str) -> Option<Value> {
        let schema = self.resolve(self.root).get("properties")?.get(name)?;
        Some(self.value_with(schema, &[], 0))
    }

    /// Whether a top-level property is a string any text (within its pattern) may fill: no
    /// `enum` or `const` picks its value.
    pub fn property_is_free_text(&self, name: &str) -> bool {
        let Some(schema) = self
            .resolve(self.root)
            .get("properties")
            .and_then(|p| p.get(name))
        else {
            return false;
        };
        let s = self.effective(schema, 0);
        let is_string = match s.get("type") {
            Some(Value::String(t)) => t == "string",
            None => !s.contains_key("properties") && !s.contains_key("items"),
            _ => false,
        };
        is_string && !s.contains_key("enum") && !s.contains_key("const")
    }

    /// An example value valid for `schema` (resolved within this document).
    pub fn value(&self, schema: &Value) -> Value {
        self.value_with(schema, &[], 0)
    }

    fn resolve(&self, mut schema: &'a Value) -> &'a Value {
        for _ in 0..MAX_REFS {
            let Some(name) = schema
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            else {
                break;
            };
            match self.schemas.get(name) {
                Some(target) => schema = target,
                None => break,
            }
        }
        schema
    }

    /// The schema with `allOf` members and the first `oneOf`/`anyOf` alternative merged in
    /// (the schema's own keys win; `properties` and `required` are united).
    fn effective(&self, schema: &'a Value, depth: usize) -> Map<String, Value> {
        let schema = self.resolve(schema);
        let mut out = schema.as_object().cloned().unwrap_or_default();
        if depth > MAX_DEPTH {
            return out;
        }
        let mut parts: Vec<&Value> = Vec::new();
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            parts.extend(all.iter());
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(first) = schema.get(key).and_then(Value::as_array).and_then(|a| {
                // An alternative that only forbids (`not`) says nothing to build on.
                a.iter()
                    .find(|alt| alt.get("not").is_none())
                    .or_else(|| a.first())
            }) {
                parts.push(first);
            }
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            out.remove(key);
        }
        for part in parts {
            let merged = self.effective(part, depth + 1);
            for (k, v) in merged {
                match (k.as_str(), out.get_mut(&k)) {
                    ("properties", Some(Value::Object(mine))) => {
                        if let Value::Object(theirs) = v {
                            for (pk, pv) in theirs {
                                mine.entry(pk).or_insert(pv);
                            }
                        }
                    }
                    ("required", Some(Value::Array(mine))) => {
                        if let Value::Array(theirs) = v {
                            for r in theirs {
                                if !mine.contains(&r) {
                                    mine.push(r);
                                }
                            }
                        }
                    }
                    (_, Some(_)) => {}
                    (_, None) => {
                        out.insert(k, v);
                    }
                }
            }
        }
        out
    }

    fn value_with(&self, schema: &'a Value, forced: &[PropPath], depth: usize) -> Value {
        let s = self.effective(schema, depth);
        if let Some(c) = s.get("const") {
            return c.clone();
        }
        if let Some(first) = s
            .get("enum")
            .and_then(Value::as_array)
            .and_then(|e| e.first())
        {
            return first.clone();
        }
        let ty = match s.get("type") {
            Some(Value::String(t)) => t.clone(),
            Some(Value::Array(ts)) => ts
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .unwrap_or("string")
                .to_string(),
            _ if s.contains_key("properties")
                || s.contains_key("required")
                || s.contains_key("patternProperties")
                || s.contains_key("x-patternProperties")
                || s.contains_key("additionalProperties") =>
            {
                "object".into()
            }
            _ if s.contains_key("items") => "array".into(),
            _ => "string".into(),
        };
        match ty.as_str() {
            "string" => Value::String(string_example(&s)),
            "integer" => Value::Number(Number::from(integer_example(&s))),
            "number" => {
                let x = number_example(&s);
                Number::from_f64(x).map_or(Value::from(1), Value::Number)
            }
            "boolean" => Value::Bool(true),
            "array" => {
                if depth > MAX_DEPTH {
                    return Value::Array(vec![]);
                }
                let min = s.get("minItems").and_then(Value::as_u64).unwrap_or(0);
                let max = s.get("maxItems").and_then(Value::as_u64);
                let n = max.map_or(min.max(1), |m| min.max(1).min(m)).min(16);
                let Some(items) = s.get("items") else {
                    return Value::Array(vec![Value::String("example".into()); n as usize]);
                };
                let below: Vec<PropPath> = forced
                    .iter()
                    .filter(|p| p.first().is_some_and(|s| s == "*"))
                    .map(|p| p[1..].to_vec())
                    .collect();
                let one = self.value_owned(items, &below, depth + 1);
                Value::Array(vec![one; n as usize])
            }
            "object" => Value::Object(self.object_example(&s, forced, depth)),
            _ => Value::Null,
        }
    }

    fn object_example(
        &self,
        s: &Map<String, Value>,
        forced: &[PropPath],
        depth: usize,
    ) -> Map<String, Value> {
        let mut out = Map::new();
        if depth > MAX_DEPTH {
            return out;
        }
        let required: Vec<&str> = s
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let properties = s.get("properties").and_then(Value::as_object);
        for name in &required {
            let below: Vec<PropPath> = forced
                .iter()
                .filter(|p| p.first().is_some_and(|f| f == name))
                .map(|p| p[1..].to_vec())
                .collect();
            let value = match properties.and_then(|p| p.get(*name)) {
                // Borrowed from the document, not from the merged copy, when possible.
                Some(child) => self.value_owned(child, &below, depth + 1),
                None => Value::String("example".into()),
            };
            out.insert(name.to_string(), value);
        }
        for path in forced {
            let Some(first) = path.first() else { continue };
            if out.contains_key(first) {
                continue;
            }
            if let Some(child) = properties.and_then(|p| p.get(first)) {
                let below: Vec<PropPath> = forced
                    .iter()
                    .filter(|p| p.first() == Some(first))
                    .map(|p| p[1..].to_vec())
                    .collect();
                let v = self.value_owned(child, &below, depth + 1);
                out.insert(first.clone(), v);
            }
        }
        let min_props = s.get("minProperties").and_then(Value::as_u64).unwrap_or(0);
        if (out.len() as u64) < min_props {
            // A map: one entry whose key matches the pattern of its values' schema.
            let patterned = ["patternProperties", "x-patternProperties"]
                .iter()
                .filter_map(|k| s.get(*k).and_then(Value::as_object))
                .flatten()
                .next();
            if let Some((pattern, child)) = patterned {
                let key = pattern::example_matching(pattern, 1, Some(128))
                    .unwrap_or_else(|| "key".into());
                out.insert(key, self.value_owned(child, &[], depth + 1));
            } else if let Some(child) = s.get("additionalProperties").filter(|a| a.is_object()) {
                out.insert("key".into(), self.value_owned(child, &[], depth + 1));
            }
        }
        out
    }

    /// `value_with` for a schema owned by a merged copy: it is looked up again in the
    /// document by `$ref` when it is one, so the lifetime stays the document's.
    fn value_owned(&self, schema: &Value, forced: &[PropPath], depth: usize) -> Value {
        let generator = Owned {
            schemas: self.schemas,
            schema: schema.clone(),
        };
        generator.run(forced, depth)
    }
}

/// A schema value cloned out of a merged map, generated against the same document.
struct Owned<'a> {
    schemas: &'a Map<String, Value>,
    schema: Value,
}

impl Owned<'_> {
    fn run(&self, forced: &[PropPath], depth: usize) -> Value {
        let r = ResourceSchema {
            schemas: self.schemas,
            root: &self.schema,
        };
        r.value_with(&self.schema, forced, depth)
    }
}

fn string_example(s: &Map<String, Value>) -> String {
    let min = s.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
    let max = s
        .get("maxLength")
        .and_then(Value::as_u64)
        .map(|m| m as usize);
    if let Some(p) = s.get("pattern").and_then(Value::as_str) {
        if let Some(found) = pattern::example_matching(p, min, max) {
            return found;
        }
    }
    if let Some(format) = s.get("format").and_then(Value::as_str) {
        let formatted = match format {
            "date-time" => Some("2024-01-01T00:00:00Z"),
            "date" => Some("2024-01-01"),
            "uri" => Some("https://example.com"),
            "email" => Some("user@example.com"),
            "ipv4" => Some("10.0.0.1"),
            _ => None,
        };
        if let Some(f) = formatted {
            return f.to_string();
        }
    }
    let mut text = String::from("example");
    while text.chars().count() < min {
        text.push('x');
    }
    if let Some(max) = max {
        text = text.chars().take(max).collect();
    }
    text
}

fn integer_example(s: &Map<String, Value>) -> i64 {
    let min = s.get("minimum").and_then(Value::as_f64);
    let max = s.get("maximum").and_then(Value::as_f64);
    let mut x = min.map_or(1, |m| m.ceil() as i64).max(1);
    if let Some(max) = max {
        x = x.min(max.floor() as i64);
    }
    if let Some(min) = min {
        x = x.max(min.ceil() as i64);
    }
    x
}

fn number_example(s: &Map<String, Value>) -> f64 {
    let min = s.get("minimum").and_then(Value::as_f64);
    let max = s.get("maximum").and_then(Value::as_f64);
    let mut x = min.unwrap_or(1.0).max(1.0);
    if let Some(max) = max {
        x = x.min(max);
    }
    if let Some(min) = min {
        x = x.max(min);
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schemas() -> Map<String, Value> {
        json!({
            "Thing": {
                "type": "object",
                "properties": {
                    "Name": {"type": "string", "pattern": "^[a-z][a-z0-9-]*$", "minLength": 3, "maxLength": 8},
                    "Arn": {"type": "string"},
                    "Mode": {"$ref": "#/components/schemas/Mode"},
                    "Size": {"type": "integer", "minimum": 5, "maximum": 10},
                    "Ratio": {"type": "number", "maximum": 0.5},
                    "Config": {"$ref": "#/components/schemas/Config"},
                    "Items": {"type": "array", "minItems": 2, "items": {"$ref": "#/components/schemas/Mode"}},
                    "Choice": {"oneOf": [
                        {"type": "object", "properties": {"A": {"type": "string", "enum": ["x"]}}, "required": ["A"]},
                        {"type": "object", "properties": {"B": {"type": "string"}}, "required": ["B"]}
                    ]},
                    "Schedule": {"type": "object", "properties": {"ScheduleId": {"type": "string", "maxLength": 4}, "Cron": {"type": "string"}}},
                    "Optional": {"type": "string"},
                    "Tags": {"type": "object", "minProperties": 1, "x-patternProperties": {"^[a-z]{2,5}$": {"type": "string"}}}
                },
                "required": ["Name", "Arn", "Mode", "Size", "Ratio", "Config", "Items", "Choice", "Tags"],
                "x-read-only-properties": ["/properties/Arn"],
                "x-stackql-primary-identifier": ["/properties/Arn", "/properties/Schedule/ScheduleId"]
            },
            "Mode": {"type": "string", "enum": ["FAST", "SLOW"]},
            "Config": {"type": "object", "allOf": [
                {"properties": {"Inner": {"type": "boolean"}}, "required": ["Inner"]}
            ], "properties": {"Depth": {"type": "integer"}}, "required": ["Depth"]}
        })
        .as_object()
        .unwrap()
        .clone()
    }

    #[test]
    fn required_properties_valid_for_their_schemas() {
        let s = schemas();
        let r = ResourceSchema::new(&s, "Thing").unwrap();
        let got = Value::Object(r.required_example());
        assert_eq!(
            got,
            json!({
                "Name": "aaa",
                "Mode": "FAST",
                "Size": 5,
                "Ratio": 0.5,
                "Config": {"Depth": 1, "Inner": true},
                "Items": ["FAST", "FAST"],
                "Choice": {"A": "x"},
                "Schedule": {"ScheduleId": "exam"},
                "Tags": {"aa": "example"}
            })
        );
    }

    #[test]
    fn read_only_and_optional_properties_are_left_out_but_reachable() {
        let s = schemas();
        let r = ResourceSchema::new(&s, "Thing").unwrap();
        let ex = r.required_example();
        assert!(!ex.contains_key("Arn") && !ex.contains_key("Optional"));
        assert_eq!(r.property_example("Optional"), Some(json!("example")));
        assert!(!r.writable_properties().contains(&"Arn".to_string()));
        assert!(r.property_is_free_text("Name") && r.property_is_free_text("Optional"));
        assert!(!r.property_is_free_text("Mode") && !r.property_is_free_text("Size"));
        assert_eq!(r.primary_identifier()[1], vec!["Schedule", "ScheduleId"]);
    }

    #[test]
    fn recursive_schemas_stop() {
        let s = json!({"Node": {"type": "object", "properties": {"Child": {"$ref": "#/components/schemas/Node"}}, "required": ["Child"]}})
            .as_object()
            .unwrap()
            .clone();
        let r = ResourceSchema::new(&s, "Node").unwrap();
        let v = Value::Object(r.required_example());
        let mut depth = 0;
        let mut at = &v;
        while let Some(c) = at.get("Child") {
            depth += 1;
            at = c;
        }
        assert!(depth > 3 && depth <= MAX_DEPTH + 2, "{depth}");
    }
}
