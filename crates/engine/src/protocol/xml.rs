//! Reading XML answers (query, EC2 and rest-xml services): parsing within limits, the
//! elements an XPath `objectKey` selects, each turned into a JSON object typed by the row
//! schema (element names mapped to property names through `xml.name`, lists of `item` /
//! `member` elements into arrays, numbers and booleans from their text), error bodies
//! (`<Response><Errors><Error>`, `<ErrorResponse><Error>`, S3's `<Error>`), and JSON bodies
//! written as XML for the documents that ask for them.

use roxmltree::{Document, Node};
use serde_json::{Map, Value};
use stackql_registry::{property_for_element, xml_name, XPath};

// Parsing within limits (DTDs refused, node and depth limits) is shared with the
// response transforms, which read the same answers.
pub use stackql_transform::xml::{parse, MAX_DEPTH};

/// The elements `path` selects, in document order.
pub fn select<'a, 'i>(doc: &'a Document<'i>, path: &XPath) -> Vec<Node<'a, 'i>> {
    let root = doc.root_element();
    let Some((first, rest)) = path.steps.split_first() else {
        return vec![root];
    };
    if !first.matches(root.tag_name().name()) {
        return Vec::new();
    }
    let mut current = vec![root];
    for step in rest {
        current = current
            .into_iter()
            .flat_map(|n| n.children().filter(|c| c.is_element()))
            .filter(|c| step.matches(c.tag_name().name()))
            .collect();
    }
    current
}

/// One selected element as a JSON object keyed by the row schema's property names.
/// Elements the schema does not name keep their own names (StackQL drops them; a column
/// exists only for schema properties anyway, and `SELECT *` shows only those).
pub fn element_to_json(node: Node, schema: &Value) -> Result<Value, String> {
    convert(node, schema, 0)
}

fn convert(node: Node, schema: &Value, depth: usize) -> Result<Value, String> {
    if depth > MAX_DEPTH {
        return Err(format!(
            "the answer nests elements deeper than {MAX_DEPTH} levels, the limit for XML answers"
        ));
    }
    let kind = schema.get("type").and_then(Value::as_str);
    let is_list = kind == Some("array") || (kind.is_none() && schema.get("items").is_some());
    if is_list {
        let items = schema.get("items").unwrap_or(&Value::Null);
        let mut out = Vec::new();
        for child in node.children().filter(|c| c.is_element()) {
            out.push(convert(child, items, depth + 1)?);
        }
        return Ok(Value::Array(out));
    }
    let elements: Vec<Node> = node.children().filter(|c| c.is_element()).collect();
    let is_object = kind == Some("object") || schema.get("properties").is_some();
    if !is_object && elements.is_empty() {
        return Ok(scalar(&text_of(node), kind));
    }
    if !is_object && kind.is_some() {
        // A scalar declared where the answer has structure: its text, as StackQL reads it.
        return Ok(scalar(&text_of(node), kind));
    }
    let mut out = Map::new();
    for child in elements {
        let name = child.tag_name().name();
        let (key, child_schema) = match property_for_element(schema, name) {
            Some((k, s)) => (k.to_string(), s),
            None => (name.to_string(), &Value::Null),
        };
        // A flattened list repeats its element directly (S3's `Contents`): gather them.
        let flattened = child_schema.get("type").and_then(Value::as_str) == Some("array")
            && xml_flattened(child_schema);
        if flattened {
            let items = child_schema.get("items").unwrap_or(&Value::Null);
            let v = convert(child, items, depth + 1)?;
            match out.entry(key).or_insert_with(|| Value::Array(Vec::new())) {
                Value::Array(list) => list.push(v),
                other => *other = Value::Array(vec![other.take(), v]),
            }
            continue;
        }
        let v = convert(child, child_schema, depth + 1)?;
        match out.get_mut(&key) {
            // Repeated elements the schema does not describe: a list.
            Some(Value::Array(list)) if child_schema.is_null() => list.push(v),
            Some(existing) if child_schema.is_null() => {
                *existing = Value::Array(vec![existing.take(), v]);
            }
            _ => {
                out.insert(key, v);
            }
        }
    }
    if out.is_empty() && !is_object {
        return Ok(scalar(&text_of(node), kind));
    }
    Ok(Value::Object(out))
}

/// Whether a list schema is flattened (its items repeat without a wrapping element).
fn xml_flattened(schema: &Value) -> bool {
    schema
        .pointer("/xml/flattened")
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

fn text_of(node: Node) -> String {
    node.children()
        .filter(|c| c.is_text())
        .filter_map(|c| c.text())
        .collect::<String>()
}

/// Text typed by the schema: integers, numbers and booleans when the text is one,
/// otherwise the text (an answer that does not fit its schema is shown as given).
fn scalar(text: &str, kind: Option<&str>) -> Value {
    let t = text.trim();
    match kind {
        Some("integer") => t
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(text.to_string())),
        Some("number") => t
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(text.to_string())),
        Some("boolean") => match t {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(text.to_string()),
        },
        _ => Value::String(text.to_string()),
    }
}

/// The whole document as JSON without a schema (a write's answer, for `-v` and EXEC):
/// the root element's content, text-only elements as strings, repeated names as lists.
pub fn document_to_json(doc: &Document) -> Result<Value, String> {
    convert(doc.root_element(), &Value::Null, 0)
}

/// The text of the first element named `name` among `node`'s children.
pub fn child_text(node: Node, name: &str) -> Option<String> {
    node.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
        .map(text_of)
}

/// The error an XML error body describes: (code, message, request id). EC2 writes
/// `<Response><Errors><Error>` and `<RequestID>`, the query protocol `<ErrorResponse>
/// <Error>` and `<RequestId>`, S3 a bare `<Error>` holding its `<RequestId>`.
pub fn error_fields(doc: &Document) -> Option<(String, String, Option<String>)> {
    let error = doc
        .root_element()
        .descendants()
        .find(|n| n.is_element() && n.tag_name().name() == "Error")?;
    let code = child_text(error, "Code")?;
    let message = child_text(error, "Message")
        .or_else(|| child_text(error, "message"))
        .unwrap_or_default();
    let request_id = doc
        .root_element()
        .descendants()
        .find(|n| {
            n.is_element() && matches!(n.tag_name().name(), "RequestId" | "RequestID" | "requestId")
        })
        .map(text_of);
    Some((code.trim().to_string(), message, request_id))
}

/// A JSON body written as XML under `root` (rest-xml documents whose request media type is
/// XML): object members become child elements named by the schema's `xml.name` when it has
/// one, list members repeat their element (or nest in `member` when the items say so),
/// text is escaped.
pub fn to_xml(root: &str, body: &Value, schema: &Value) -> String {
    let mut out = String::from(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    write_element(&mut out, root, body, schema, 0);
    out
}

fn write_element(out: &mut String, name: &str, value: &Value, schema: &Value, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match value {
        Value::Null => {}
        Value::Array(list) => {
            let items = schema.get("items").unwrap_or(&Value::Null);
            if xml_flattened(schema) || xml_name(items).is_none() {
                for v in list {
                    write_element(out, name, v, items, depth + 1);
                }
            } else {
                let member = xml_name(items).unwrap_or("member");
                out.push_str(&format!("<{name}>"));
                for v in list {
                    write_element(out, member, v, items, depth + 1);
                }
                out.push_str(&format!("</{name}>"));
            }
        }
        Value::Object(map) => {
            out.push_str(&format!("<{name}>"));
            for (k, v) in map {
                let prop = schema.pointer(&format!(
                    "/properties/{}",
                    k.replace('~', "~0").replace('/', "~1")
                ));
                let child_schema = prop.unwrap_or(&Value::Null);
                let child_name = xml_name(child_schema).unwrap_or(k);
                write_element(out, child_name, v, child_schema, depth + 1);
            }
            out.push_str(&format!("</{name}>"));
        }
        Value::String(s) => out.push_str(&format!("<{name}>{}</{name}>", escape(s))),
        other => out.push_str(&format!("<{name}>{other}</{name}>")),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const VPCS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<DescribeVpcsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r-1</requestId>
  <vpcSet>
    <item><vpcId>vpc-1</vpcId><isDefault>true</isDefault><tagSet><item><key>Name</key><value>a</value></item></tagSet></item>
    <item><vpcId>vpc-2</vpcId><isDefault>false</isDefault><tagSet/></item>
  </vpcSet>
  <nextToken>t2</nextToken>
</DescribeVpcsResponse>"#;

    fn vpc_schema() -> Value {
        json!({"type": "object", "properties": {
            "VpcId": {"type": "string", "xml": {"name": "vpcId"}},
            "isDefault": {"type": "boolean"},
            "tagSet": {"type": "array", "items": {"type": "object", "xml": {"name": "item"},
                "properties": {"key": {"type": "string"}, "value": {"type": "string"}}}}}})
    }

    #[test]
    fn selected_elements_become_typed_rows() {
        let doc = parse(VPCS).unwrap();
        let path = XPath::parse("/*/vpcSet/item").unwrap();
        let rows: Vec<Value> = select(&doc, &path)
            .into_iter()
            .map(|n| element_to_json(n, &vpc_schema()).unwrap())
            .collect();
        assert_eq!(
            rows,
            vec![
                json!({"VpcId": "vpc-1", "isDefault": true, "tagSet": [{"key": "Name", "value": "a"}]}),
                json!({"VpcId": "vpc-2", "isDefault": false, "tagSet": []}),
            ]
        );
        assert!(select(&doc, &XPath::parse("/Other/vpcSet/item").unwrap()).is_empty());
        assert_eq!(
            child_text(doc.root_element(), "nextToken").as_deref(),
            Some("t2")
        );
    }

    #[test]
    fn error_bodies_of_each_protocol_are_read() {
        let ec2 = r#"<Response><Errors><Error><Code>InvalidVpcID.NotFound</Code><Message>gone</Message></Error></Errors><RequestID>r-9</RequestID></Response>"#;
        let query = r#"<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>no user</Message></Error><RequestId>r-8</RequestId></ErrorResponse>"#;
        let s3 = r#"<Error><Code>NoSuchBucket</Code><Message>none</Message><RequestId>r-7</RequestId></Error>"#;
        for (body, code, id) in [
            (ec2, "InvalidVpcID.NotFound", "r-9"),
            (query, "NoSuchEntity", "r-8"),
            (s3, "NoSuchBucket", "r-7"),
        ] {
            let doc = parse(body).unwrap();
            let (c, _, r) = error_fields(&doc).unwrap();
            assert_eq!((c.as_str(), r.as_deref()), (code, Some(id)));
        }
    }

    #[test]
    fn hostile_answers_are_refused_not_expanded() {
        let bomb = r#"<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><l>&b;</l>"#;
        assert!(parse(bomb).unwrap_err().contains("not valid XML"));
        let deep = format!("{}{}", "<a>".repeat(100), "</a>".repeat(100));
        let doc = parse(&deep).unwrap();
        assert!(document_to_json(&doc)
            .unwrap_err()
            .contains("deeper than 64"));
    }

    #[test]
    fn json_bodies_are_written_as_xml() {
        let schema = json!({"properties": {"Tags": {"type": "array", "xml": {"name": "TagSet"},
            "items": {"xml": {"name": "Tag"}, "properties": {"Key": {}}}}}});
        let xml = to_xml("Tagging", &json!({"Tags": [{"Key": "a<b"}]}), &schema);
        assert!(
            xml.ends_with("<Tagging><TagSet><Tag><Key>a&lt;b</Key></Tag></TagSet></Tagging>"),
            "{xml}"
        );
    }
}
