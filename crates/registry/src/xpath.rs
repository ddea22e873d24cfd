//! The XPath subset XML services' `response.objectKey` uses: absolute child steps, each an
//! element name or `*` (`/*/vpcSet/item`, `/*/ListUsersResult/Users/member`, `/*`).
//! Written here, like the JSONPath subset, because it is a few lines of logic and the same
//! steps also walk the response *schema* (properties, `xml.name`, array items) to type the
//! rows, which no XPath library does. Names match an element's local name (AWS answers
//! carry a default namespace the keys never write).

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum XStep {
    /// `*`: any element.
    Any,
    /// An element by local name.
    Name(String),
}

impl XStep {
    /// Whether an element of this local name is selected by the step.
    pub fn matches(&self, local_name: &str) -> bool {
        match self {
            XStep::Any => true,
            XStep::Name(n) => n == local_name,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct XPath {
    /// The first step matches the document's root element.
    pub steps: Vec<XStep>,
}

impl XPath {
    /// Parses `/*/a/b`; None for anything outside the subset (`//`, predicates, axes,
    /// JSONPath).
    pub fn parse(text: &str) -> Option<XPath> {
        let rest = text.trim().strip_prefix('/')?;
        let mut steps = Vec::new();
        for part in rest.split('/') {
            if part == "*" {
                steps.push(XStep::Any);
                continue;
            }
            // A prefix (`s3:Contents`) is dropped: names match local names.
            let local = part.rsplit(':').next().unwrap_or(part);
            let valid = !local.is_empty()
                && local
                    .chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
            if !valid {
                return None;
            }
            steps.push(XStep::Name(local.to_string()));
        }
        Some(XPath { steps })
    }

    /// The schema of one selected element, walking the resolved response schema: the first
    /// step is the root element (the response schema itself); a later step is a property
    /// of that name or of that `xml.name`, or the items of an array (`item`, `member`, or
    /// a flattened list's own element). A list at the end yields its items' schema.
    pub fn row_schema(&self, response: &Value) -> Value {
        let mut schema = response.clone();
        for step in self.steps.iter().skip(1) {
            schema = child_schema(&schema, step).unwrap_or(Value::Null);
        }
        if schema.get("type").and_then(Value::as_str) == Some("array") {
            schema = schema.get("items").cloned().unwrap_or(Value::Null);
        }
        schema
    }
}

/// The schema of the child element `step` of an element described by `schema`.
fn child_schema(schema: &Value, step: &XStep) -> Option<Value> {
    if let XStep::Name(name) = step {
        if let Some((_, s)) = property_for_element(schema, name) {
            return Some(s.clone());
        }
    }
    if let Some(items) = schema.get("items") {
        return Some(items.clone());
    }
    match step {
        // `/*/x/*`: whatever the element holds; StackQL types it as the element itself.
        XStep::Any => Some(schema.clone()),
        XStep::Name(_) => None,
    }
}

/// The property an element of this name fills: the property so named, or the one whose
/// `xml.name` is the element's name (EC2's `vpcId` element for a `VpcId` property).
pub fn property_for_element<'s>(schema: &'s Value, element: &str) -> Option<(&'s str, &'s Value)> {
    let props = schema.get("properties")?.as_object()?;
    if let Some((k, v)) = props.get_key_value(element) {
        return Some((k.as_str(), v));
    }
    props
        .iter()
        .find(|(_, s)| xml_name(s) == Some(element))
        .map(|(k, v)| (k.as_str(), v))
}

/// A schema's `xml.name`.
pub fn xml_name(schema: &Value) -> Option<&str> {
    schema.pointer("/xml/name").and_then(Value::as_str)
}

impl std::fmt::Display for XPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for step in &self.steps {
            match step {
                XStep::Any => write!(f, "/*")?,
                XStep::Name(n) => write!(f, "/{n}")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_the_subset_and_refuses_the_rest() {
        for text in ["/*", "/*/vpcSet/item", "/*/ListUsersResult/Users/member"] {
            assert_eq!(XPath::parse(text).unwrap().to_string(), text);
        }
        for bad in ["$.a", "//a", "/a[1]", "/a/@b", "/", "/a//b"] {
            assert!(XPath::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn walks_response_schemas_through_lists_and_xml_names() {
        let ec2 = json!({"type": "object", "properties": {
            "vpcSet": {"type": "array", "items": {"xml": {"name": "item"}, "type": "object",
                "properties": {"vpcId": {"type": "string"}}}},
            "nextToken": {"type": "string"}}});
        let row = XPath::parse("/*/vpcSet/item").unwrap().row_schema(&ec2);
        assert_eq!(row["properties"]["vpcId"]["type"], "string");
        let iam = json!({"type": "object", "properties": {"ListUsersResult": {"properties": {
            "Users": {"type": "array", "items": {"properties": {"UserName": {"type": "string"}}}}}}}});
        let row = XPath::parse("/*/ListUsersResult/Users/member")
            .unwrap()
            .row_schema(&iam);
        assert!(row["properties"]["UserName"].is_object());
        let named = json!({"properties": {"VpcId": {"type": "string", "xml": {"name": "vpcId"}}}});
        assert_eq!(property_for_element(&named, "vpcId").unwrap().0, "VpcId");
        // A flattened list at the end (S3's `Contents`): its items.
        let s3 = json!({"properties": {"Contents": {"type": "array", "items": {"properties": {"Key": {}}}}}});
        let row = XPath::parse("/*/Contents").unwrap().row_schema(&s3);
        assert!(row["properties"]["Key"].is_object());
        assert_eq!(
            XPath::parse("/*/nothing").unwrap().row_schema(&s3),
            Value::Null
        );
    }
}
